package stk

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// TerminalResponse is the terminal's answer to a proactive command
// (TS 102 223 §6.8): command details echoed, device identities, result and
// the command-specific objects. Optional objects are nil when absent.
type TerminalResponse struct {
	Details CommandDetails
	Devices DeviceIdentities // zero: terminal to UICC
	Result  Result

	Location          *LocationInfo      // PROVIDE LOCAL INFORMATION 00
	IMEI              string             // PROVIDE LOCAL INFORMATION 01 ("": absent; see EncodeIMEI)
	NMR               *MeasResults       // PROVIDE LOCAL INFORMATION 02 (E-UTRAN)
	DateTime          *DateTime          // PROVIDE LOCAL INFORMATION 03
	Language          string             // PROVIDE LOCAL INFORMATION 04 ("": absent)
	AccessTech        *byte              // PROVIDE LOCAL INFORMATION 06
	TimerID           byte               // TIMER MANAGEMENT (0: absent)
	TimerValue        *time.Duration     // TIMER MANAGEMENT deactivate / get value
	Duration          *Duration          // POLL INTERVAL: the interval the terminal polls at
	ChannelStatus     *ChannelStatus     // OPEN CHANNEL
	Bearer            *BearerDescription // OPEN CHANNEL
	BufferSize        *uint16            // OPEN CHANNEL
	LocalAddress      netip.Addr         // OPEN CHANNEL: the one the terminal allocated when the card asked (zero: absent)
	ChannelData       []byte             // RECEIVE DATA
	ChannelDataLength *int               // RECEIVE DATA (remaining), SEND DATA (free space)
	Others            []SimpleTLV
}

// Respond starts the terminal response to c with result r.
func Respond(c Command, r Result) TerminalResponse {
	return TerminalResponse{
		Details: c.Details,
		Devices: DeviceIdentities{Source: DevTerminal, Dest: DevUICC},
		Result:  r,
	}
}

// Encode returns the response's objects (a terminal response has no BER
// template: it is the APDU's data field as is).
func (r TerminalResponse) Encode() ([]byte, error) {
	dev := r.Devices
	if dev == (DeviceIdentities{}) {
		dev = DeviceIdentities{Source: DevTerminal, Dest: DevUICC}
	}
	var buf [maxObjects]SimpleTLV
	objs := append(buf[:0], r.Details.Object(), dev.Object(), r.Result.Object())
	// encoded appends an object that may fail to encode; the first
	// failure is the response's.
	var failed error
	encoded := func(o SimpleTLV, err error) {
		if err != nil {
			failed = cmp.Or(failed, err)
			return
		}
		objs = append(objs, o)
	}
	if r.Location != nil {
		encoded(r.Location.Object())
	}
	if r.IMEI != "" {
		encoded(EncodeIMEI(r.IMEI))
	}
	if r.NMR != nil {
		encoded(EncodeNMR(*r.NMR))
	}
	if r.DateTime != nil {
		encoded(EncodeDateTime(*r.DateTime))
	}
	if r.Language != "" {
		encoded(EncodeLanguage(r.Language))
	}
	if r.AccessTech != nil {
		objs = append(objs, AccessTechnologyObject(*r.AccessTech))
	}
	if r.TimerID != 0 {
		objs = append(objs, TimerIDObject(r.TimerID))
	}
	if r.TimerValue != nil {
		encoded(TimerValueObject(*r.TimerValue))
	}
	if failed != nil {
		return nil, fmt.Errorf("terminal response: %w", failed)
	}
	if r.Duration != nil {
		objs = append(objs, r.Duration.Object())
	}
	if r.ChannelStatus != nil {
		objs = append(objs, r.ChannelStatus.Object())
	}
	if r.Bearer != nil {
		objs = append(objs, r.Bearer.Object())
	}
	if r.BufferSize != nil {
		objs = append(objs, BufferSizeObject(*r.BufferSize))
	}
	if r.LocalAddress.IsValid() {
		objs = append(objs, OtherAddressObject(r.LocalAddress))
	}
	if r.ChannelData != nil {
		objs = append(objs, ChannelDataObject(r.ChannelData))
	}
	if r.ChannelDataLength != nil {
		objs = append(objs, ChannelDataLengthObject(*r.ChannelDataLength))
	}
	out, err := EncodeTLVs(append(objs, r.Others...))
	if err != nil {
		return nil, fmt.Errorf("terminal response: %w", err)
	}
	return out, nil
}

// ParseTerminalResponse decodes a terminal response. Objects it does not
// interpret are kept in Others.
func ParseTerminalResponse(b []byte) (TerminalResponse, error) {
	var r TerminalResponse
	var buf [maxObjects]SimpleTLV
	objs, err := appendTLVs(buf[:0], b)
	if err != nil {
		return r, fmt.Errorf("terminal response: %w", err)
	}
	if len(objs) < 3 || objs[0].Tag != TagCommandDetails || objs[1].Tag != TagDeviceIdentities || objs[2].Tag != TagResult {
		return r, errors.New("terminal response: must start with command details, device identities and result")
	}
	if r.Details, err = DecodeCommandDetails(objs[0].Value); err != nil {
		return r, fmt.Errorf("terminal response: %w", err)
	}
	if r.Devices, err = DecodeDeviceIdentities(objs[1].Value); err != nil {
		return r, fmt.Errorf("terminal response: %w", err)
	}
	if r.Result, err = DecodeResult(objs[2].Value); err != nil {
		return r, fmt.Errorf("terminal response: %w", err)
	}
	for _, o := range objs[3:] {
		if err := r.decodeObject(o); err != nil {
			return r, fmt.Errorf("terminal response: %w", err)
		}
	}
	return r, nil
}

func (r *TerminalResponse) decodeObject(o SimpleTLV) error {
	if o.Ext != 0 {
		r.Others = append(r.Others, o)
		return nil
	}
	switch o.Tag {
	case TagLocationInfo:
		l, err := DecodeLocationInfo(o.Value)
		r.Location = &l
		return err
	case TagIMEI:
		imei, err := DecodeIMEI(o.Value)
		r.IMEI = imei
		return err
	case TagNMR:
		m, err := DecodeNMR(o.Value)
		r.NMR = &m
		return err
	case TagDateTime:
		d, err := DecodeDateTime(o.Value)
		r.DateTime = &d
		return err
	case TagLanguage:
		l, err := DecodeLanguage(o.Value)
		r.Language = l
		return err
	case TagAccessTechnology:
		t, err := DecodeByte("access technology", o.Value)
		r.AccessTech = &t
		return err
	case TagTimerID:
		id, err := DecodeTimerID(o.Value)
		r.TimerID = id
		return err
	case TagTimerValue:
		d, err := DecodeTimerValue(o.Value)
		r.TimerValue = &d
		return err
	case TagDuration:
		d, err := DecodeDuration(o.Value)
		r.Duration = &d
		return err
	case TagChannelStatus:
		cs, err := DecodeChannelStatus(o.Value)
		r.ChannelStatus = &cs
		return err
	case TagBearerDescription:
		bd, err := DecodeBearerDescription(o.Value)
		r.Bearer = &bd
		return err
	case TagBufferSize:
		n, err := DecodeBufferSize(o.Value)
		r.BufferSize = &n
		return err
	case TagOtherAddress:
		// A form this code does not read is kept, not a refusal of the
		// whole answer: the peer's answer is read leniently (reviewer
		// sw123).
		if a, err := DecodeOtherAddress(o.Value); err == nil && a.IsValid() {
			r.LocalAddress = a
			return nil
		}
	case TagChannelData:
		r.ChannelData = o.Value
		return nil
	case TagChannelDataLength:
		n, err := DecodeByte("channel data length", o.Value)
		r.ChannelDataLength = new(int(n))
		return err
	}
	r.Others = append(r.Others, o)
	return nil
}
