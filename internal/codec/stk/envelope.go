package stk

import (
	"errors"
	"fmt"
	"time"
)

// Envelope is a toolkit ENVELOPE the terminal sends the card: timer
// expiration (D7, TS 102 223 §7.4) or event download (D6, §7.5) of a single
// event. Optional objects are nil when absent.
type Envelope struct {
	Tag     byte // TagTimerExpiration or TagEventDownload
	Devices DeviceIdentities

	// Timer expiration: the timer and the time elapsed since it was started.
	TimerID    byte
	TimerValue time.Duration

	// Event download: the event and its objects.
	Event             byte
	LocationStatus    *byte
	Location          *LocationInfo
	ChannelStatus     *ChannelStatus
	ChannelDataLength *int
	Others            []SimpleTLV
}

var termToUICC = DeviceIdentities{Source: DevTerminal, Dest: DevUICC}

// NewTimerExpiration builds the timer expiration envelope of timer id,
// elapsed being the time since the timer was started.
func NewTimerExpiration(id byte, elapsed time.Duration) Envelope {
	return Envelope{Tag: TagTimerExpiration, Devices: termToUICC, TimerID: id, TimerValue: elapsed}
}

// NewLocationStatusEvent builds the location status event (§7.5.4);
// loc is included only with normal service, as the clause requires.
func NewLocationStatusEvent(status byte, loc *LocationInfo) Envelope {
	e := Envelope{Tag: TagEventDownload, Devices: termToUICC, Event: EventLocationStatus, LocationStatus: new(status)}
	if status == LocNormal {
		e.Location = loc
	}
	return e
}

// NewDataAvailableEvent builds the data available event (§7.5.10): the
// channel's status and the number of bytes received (FF: more than 255).
func NewDataAvailableEvent(cs ChannelStatus, n int) Envelope {
	return Envelope{Tag: TagEventDownload, Devices: termToUICC, Event: EventDataAvailable, ChannelStatus: &cs, ChannelDataLength: new(n)}
}

// NewChannelStatusEvent builds the channel status event (§7.5.11), sent
// when a link drops.
func NewChannelStatusEvent(cs ChannelStatus) Envelope {
	return Envelope{Tag: TagEventDownload, Devices: termToUICC, Event: EventChannelStatus, ChannelStatus: &cs}
}

// Encode returns the envelope in its BER template (the ENVELOPE APDU data).
func (e Envelope) Encode() ([]byte, error) {
	var buf [maxObjects]SimpleTLV
	objs := buf[:0]
	switch e.Tag {
	case TagTimerExpiration:
		tv, err := TimerValueObject(e.TimerValue)
		if err != nil {
			return nil, fmt.Errorf("timer expiration: %w", err)
		}
		objs = append(objs, e.Devices.Object(), TimerIDObject(e.TimerID), tv)
	case TagEventDownload:
		objs = append(objs, EventListObject([]byte{e.Event}), e.Devices.Object())
		if e.LocationStatus != nil {
			objs = append(objs, LocationStatusObject(*e.LocationStatus))
		}
		if e.Location != nil {
			o, err := e.Location.Object()
			if err != nil {
				return nil, fmt.Errorf("event download: %w", err)
			}
			objs = append(objs, o)
		}
		if e.ChannelStatus != nil {
			objs = append(objs, e.ChannelStatus.Object())
		}
		if e.ChannelDataLength != nil {
			objs = append(objs, ChannelDataLengthObject(*e.ChannelDataLength))
		}
	default:
		return nil, fmt.Errorf("envelope: unsupported tag %02X", e.Tag)
	}
	out, err := encodeTLVs(berHead, append(objs, e.Others...))
	if err != nil {
		return nil, fmt.Errorf("envelope %02X: %w", e.Tag, err)
	}
	return wrapBERHead(e.Tag, out)
}

// ParseEnvelope decodes a timer expiration or event download envelope.
func ParseEnvelope(b []byte) (Envelope, error) {
	var e Envelope
	tag, body, err := UnwrapBER(b)
	if err != nil {
		return e, fmt.Errorf("envelope: %w", err)
	}
	e.Tag = tag
	if tag != TagTimerExpiration && tag != TagEventDownload {
		return e, fmt.Errorf("envelope: unsupported tag %02X", tag)
	}
	var buf [maxObjects]SimpleTLV
	objs, err := appendTLVs(buf[:0], body)
	if err != nil {
		return e, fmt.Errorf("envelope %02X: %w", tag, err)
	}
	var seen tagSet
	for _, o := range objs {
		if o.Ext != 0 || seen.has(o.Tag) {
			e.Others = append(e.Others, o)
			continue
		}
		seen.add(o.Tag)
		if err := e.decodeObject(o); err != nil {
			return e, fmt.Errorf("envelope %02X: %w", tag, err)
		}
	}
	if !seen.has(TagDeviceIdentities) {
		return e, fmt.Errorf("envelope %02X: missing device identities", tag)
	}
	// An ENVELOPE goes to the UICC, from the terminal (or, for an event
	// download, the network): TS 102 223 §7.4, §7.5 (outside tester
	// sw110: a timer expiration with them reversed was answered).
	if e.Devices.Dest != DevUICC || e.Devices.Source != DevTerminal && !(tag == TagEventDownload && e.Devices.Source == DevNetwork) {
		return e, fmt.Errorf("envelope %02X: device identities %02X to %02X, not the terminal's to the UICC", tag, e.Devices.Source, e.Devices.Dest)
	}
	if tag == TagTimerExpiration && (!seen.has(TagTimerID) || !seen.has(TagTimerValue)) {
		return e, errors.New("timer expiration: missing timer identifier or value")
	}
	if tag == TagEventDownload {
		if !seen.has(TagEventList) {
			return e, errors.New("event download: missing event list")
		}
		// The objects each event's clause makes mandatory (TS 102 223
		// §7.5.4, §7.5.10, §7.5.11): without them the event says nothing.
		for _, m := range mandatoryObjects[e.Event] {
			if !seen.has(m.tag) {
				return e, fmt.Errorf("event download: %s event without its %s", EventName(e.Event), m.name)
			}
		}
		if e.Event == EventLocationStatus && *e.LocationStatus == LocNormal && !seen.has(TagLocationInfo) {
			// §7.5.4: with normal service the location goes with it
			// (outside tester sw104).
			return e, errors.New("event download: location status event of normal service without its location information")
		}
	}
	return e, nil
}

// mandatoryObjects are the objects an event download must carry beside
// the device identities and event list, by event.
var mandatoryObjects = map[byte][]struct {
	tag  byte
	name string
}{
	EventLocationStatus: {{TagLocationStatus, "location status"}},
	EventDataAvailable:  {{TagChannelStatus, "channel status"}, {TagChannelDataLength, "channel data length"}},
	EventChannelStatus:  {{TagChannelStatus, "channel status"}},
}

func (e *Envelope) decodeObject(o SimpleTLV) error {
	var err error
	switch o.Tag {
	case TagDeviceIdentities:
		e.Devices, err = DecodeDeviceIdentities(o.Value)
	case TagTimerID:
		e.TimerID, err = DecodeTimerID(o.Value)
	case TagTimerValue:
		e.TimerValue, err = DecodeTimerValue(o.Value)
	case TagEventList:
		if len(o.Value) != 1 {
			return fmt.Errorf("event list: %d events, an envelope carries one", len(o.Value))
		}
		e.Event = o.Value[0]
	case TagLocationStatus:
		var s byte
		s, err = DecodeLocationStatus(o.Value)
		e.LocationStatus = &s
	case TagLocationInfo:
		var l LocationInfo
		l, err = DecodeLocationInfo(o.Value)
		e.Location = &l
	case TagChannelStatus:
		var cs ChannelStatus
		cs, err = DecodeChannelStatus(o.Value)
		e.ChannelStatus = &cs
	case TagChannelDataLength:
		var n byte
		n, err = DecodeByte("channel data length", o.Value)
		e.ChannelDataLength = new(int(n))
	default:
		e.Others = append(e.Others, o)
	}
	return err
}
