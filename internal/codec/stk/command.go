package stk

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Command is a proactive command (TS 102 223 §6.6) as the card sends it in a
// D0 template. Which of the command-specific fields are meaningful depends on
// Details.Type; the rest stay zero.
type Command struct {
	Details CommandDetails
	Devices DeviceIdentities

	// TIMER MANAGEMENT: timer 1..8, and the value for a start.
	TimerID    byte
	TimerValue time.Duration
	// SET UP EVENT LIST: the events to report (empty removes all).
	Events []byte
	// OPEN CHANNEL: Address is the data destination (the Other address
	// after the transport level); LocalAddress the one before it, the
	// terminal's own, and LocalType its address type when one was given
	// (0: none; with a zero LocalAddress, one the terminal is to
	// allocate and answer, §8.58).
	Bearer       BearerDescription
	BufferSize   uint16
	Transport    *TransportLevel // nil when absent
	Address      netip.Addr      // zero when absent (dynamic)
	LocalAddress netip.Addr
	LocalType    byte
	// SEND DATA.
	Data []byte
	// RECEIVE DATA: the number of bytes asked for.
	Length int
	// PROVIDE LOCAL INFORMATION (NMR): the UTRAN/E-UTRAN measurement
	// qualifier, 0 when absent.
	MeasQualifier byte
	// POLL INTERVAL: the interval asked for.
	Duration Duration
	// REFRESH: the File List (§8.18, as given: the number of files, then
	// their paths) and the application's AID (§8.60), nil when absent.
	Files, AID []byte
	// Alpha identifiers and other objects this package does not interpret,
	// in order.
	Others []SimpleTLV
}

// Channel returns the BIP channel a SEND DATA, RECEIVE DATA or CLOSE
// CHANNEL command addresses (0 when the destination is not a channel).
func (c Command) Channel() byte {
	if c.Devices.Dest&0xF8 == 0x20 {
		return c.Devices.Dest & 0x07
	}
	return 0
}

// CommandError is returned by ParseCommand when the command is malformed;
// Result is the general result the terminal should answer with
// (ResultDataNotUnderstood or ResultValuesMissing).
type CommandError struct {
	Result byte
	Err    error
}

func (e *CommandError) Error() string { return e.Err.Error() }
func (e *CommandError) Unwrap() error { return e.Err }

func notUnderstood(format string, a ...any) error {
	return &CommandError{Result: ResultDataNotUnderstood, Err: fmt.Errorf(format, a...)}
}

func missing(what string) error {
	return &CommandError{Result: ResultValuesMissing, Err: fmt.Errorf("missing %s", what)}
}

func toUICC(num, typ, q byte) (CommandDetails, DeviceIdentities) {
	return CommandDetails{Number: num, Type: typ, Qualifier: q}, DeviceIdentities{Source: DevUICC, Dest: DevTerminal}
}

// NewTimerStart builds TIMER MANAGEMENT (start) of timer id for d.
func NewTimerStart(num, id byte, d time.Duration) Command {
	c := Command{TimerID: id, TimerValue: d}
	c.Details, c.Devices = toUICC(num, CmdTimerManagement, TimerStart)
	return c
}

// NewTimerDeactivate builds TIMER MANAGEMENT (deactivate) of timer id.
func NewTimerDeactivate(num, id byte) Command {
	c := Command{TimerID: id}
	c.Details, c.Devices = toUICC(num, CmdTimerManagement, TimerDeactivate)
	return c
}

// NewTimerGetValue builds TIMER MANAGEMENT (get current value) of timer id.
func NewTimerGetValue(num, id byte) Command {
	c := Command{TimerID: id}
	c.Details, c.Devices = toUICC(num, CmdTimerManagement, TimerGetValue)
	return c
}

// NewProvideLocalInfo builds PROVIDE LOCAL INFORMATION with qualifier q
// (PLILocation, PLINMR, PLIAccessTechnology).
func NewProvideLocalInfo(num, q byte) Command {
	var c Command
	c.Details, c.Devices = toUICC(num, CmdProvideLocalInfo, q)
	return c
}

// NewProvideLocalInfoNMR builds PROVIDE LOCAL INFORMATION for the network
// measurement results of E-UTRAN intra-frequency cells (TS 31.111 §6.4.15:
// the measurement qualifier says which).
func NewProvideLocalInfoNMR(num byte) Command {
	c := NewProvideLocalInfo(num, PLINMR)
	c.MeasQualifier = MeasQualEUTRANIntra
	return c
}

// NewPollInterval builds POLL INTERVAL (TS 102 223 §6.4.6) asking the
// terminal to poll with STATUS every d.
func NewPollInterval(num byte, d Duration) Command {
	c := Command{Duration: d}
	c.Details, c.Devices = toUICC(num, CmdPollInterval, 0)
	return c
}

// NewPollingOff builds POLLING OFF (TS 102 223 §6.4.14).
func NewPollingOff(num byte) Command {
	var c Command
	c.Details, c.Devices = toUICC(num, CmdPollingOff, 0)
	return c
}

// NewSetUpEventList builds SET UP EVENT LIST for events.
func NewSetUpEventList(num byte, events ...byte) Command {
	c := Command{Events: append([]byte{}, events...)}
	c.Details, c.Devices = toUICC(num, CmdSetUpEventList, 0)
	return c
}

// NewOpenChannel builds OPEN CHANNEL with immediate link establishment on
// the default bearer, TCP client mode to the remote addr, asking for a
// buffer of bufSize bytes.
func NewOpenChannel(num byte, addr netip.AddrPort, bufSize uint16) Command {
	c := Command{
		Bearer:     BearerDescription{Type: BearerDefault},
		BufferSize: bufSize,
		Transport:  &TransportLevel{Protocol: TransportTCPClientRemote, Port: addr.Port()},
		Address:    addr.Addr(),
	}
	c.Details, c.Devices = toUICC(num, CmdOpenChannel, OpenImmediate)
	return c
}

// NewCloseChannel builds CLOSE CHANNEL of channel ch.
func NewCloseChannel(num, ch byte) Command {
	var c Command
	c.Details, _ = toUICC(num, CmdCloseChannel, 0)
	c.Devices = DeviceIdentities{Source: DevUICC, Dest: ChannelDevice(ch)}
	return c
}

// NewSendData builds SEND DATA of data on channel ch; immediate sends the
// terminal's buffer now, otherwise the terminal only stores it.
func NewSendData(num, ch byte, data []byte, immediate bool) Command {
	var q byte
	if immediate {
		q = SendImmediately
	}
	c := Command{Data: data}
	c.Details, _ = toUICC(num, CmdSendData, q)
	c.Devices = DeviceIdentities{Source: DevUICC, Dest: ChannelDevice(ch)}
	return c
}

// NewReceiveData builds RECEIVE DATA of up to n (1..255) bytes on channel ch.
func NewReceiveData(num, ch byte, n int) Command {
	c := Command{Length: n}
	c.Details, _ = toUICC(num, CmdReceiveData, 0)
	c.Devices = DeviceIdentities{Source: DevUICC, Dest: ChannelDevice(ch)}
	return c
}

// NewRefresh builds REFRESH with qualifier q (RefreshUICCReset, ...).
func NewRefresh(num, q byte) Command {
	var c Command
	c.Details, c.Devices = toUICC(num, CmdRefresh, q)
	return c
}

// Encode returns the command in its D0 template, objects in the order of
// TS 102 223 §6.6.
func (c Command) Encode() ([]byte, error) {
	var buf [maxObjects]SimpleTLV
	objs := append(buf[:0], c.Details.Object(), c.Devices.Object())
	switch c.Details.Type {
	case CmdTimerManagement:
		objs = append(objs, TimerIDObject(c.TimerID))
		if c.Details.Qualifier == TimerStart {
			tv, err := TimerValueObject(c.TimerValue)
			if err != nil {
				return nil, fmt.Errorf("TIMER MANAGEMENT: %w", err)
			}
			objs = append(objs, tv)
		}
	case CmdPollInterval:
		if c.Duration.D() <= 0 {
			return nil, fmt.Errorf("POLL INTERVAL: invalid duration unit %02X interval %d", c.Duration.Unit, c.Duration.Interval)
		}
		objs = append(objs, c.Duration.Object())
	case CmdSetUpEventList:
		objs = append(objs, EventListObject(c.Events))
	case CmdOpenChannel:
		objs = append(objs, c.Bearer.Object(), BufferSizeObject(c.BufferSize))
		switch {
		case c.LocalAddress.IsValid():
			objs = append(objs, OtherAddressObject(c.LocalAddress))
		case c.LocalType != 0:
			objs = append(objs, SimpleTLV{Tag: TagOtherAddress, Value: []byte{c.LocalType}})
		}
		if c.Transport != nil {
			objs = append(objs, c.Transport.Object())
		}
		if c.Address.IsValid() {
			objs = append(objs, OtherAddressObject(c.Address))
		}
	case CmdRefresh:
		if c.Files != nil {
			objs = append(objs, SimpleTLV{Tag: TagFileList, CR: true, Value: c.Files})
		}
		if c.AID != nil {
			objs = append(objs, SimpleTLV{Tag: TagAID, Value: c.AID})
		}
	case CmdSendData:
		objs = append(objs, ChannelDataObject(c.Data))
	case CmdReceiveData:
		if c.Length < 0 || c.Length > 0xFF {
			return nil, fmt.Errorf("RECEIVE DATA: length %d out of range", c.Length)
		}
		objs = append(objs, ChannelDataLengthObject(c.Length))
	case CmdProvideLocalInfo:
		if c.MeasQualifier != 0 {
			objs = append(objs, SimpleTLV{Tag: TagMeasurementQualifier, Value: []byte{c.MeasQualifier}})
		}
	}
	out, err := encodeTLVs(berHead, append(objs, c.Others...))
	if err != nil {
		return nil, fmt.Errorf("proactive command %02X: %w", c.Details.Type, err)
	}
	return wrapBERHead(TagProactiveCommand, out)
}

// ignorable are objects the terminal may receive in these commands and
// need not act on (alpha identifier, icon, text attribute, frame,
// network access name, user login/password text strings, duration).
var ignorable = map[byte]bool{0x04: true, 0x05: true, 0x0D: true, 0x1E: true, 0x47: true, 0x50: true, 0x68: true}

// ParseCommand decodes a proactive command from its D0 template. On error it
// still returns the command details and device identities when they could
// be read, so the terminal can answer; the error is a *CommandError when the
// terminal should answer with its Result. Commands of types this package
// does not know decode without error, their objects kept in Others.
func ParseCommand(b []byte) (Command, error) {
	var c Command
	tag, body, err := UnwrapBER(b)
	if err != nil {
		c.Details = leadingDetails(b)
		return c, notUnderstood("proactive command: %w", err)
	}
	if tag != TagProactiveCommand {
		return c, notUnderstood("proactive command: tag %02X, want D0", tag)
	}
	var buf [maxObjects]SimpleTLV
	objs, err := appendTLVs(buf[:0], body)
	if err != nil {
		c.Details = leadingDetails(b)
		return c, notUnderstood("proactive command: %w", err)
	}
	if len(objs) < 2 || objs[0].Tag != TagCommandDetails || objs[1].Tag != TagDeviceIdentities {
		c.Details = leadingDetails(b)
		return c, missing("command details and device identities at the start of the command")
	}
	if c.Details, err = DecodeCommandDetails(objs[0].Value); err != nil {
		return c, notUnderstood("%w", err)
	}
	if c.Devices, err = DecodeDeviceIdentities(objs[1].Value); err != nil {
		return c, notUnderstood("%w", err)
	}
	if err := c.decodeBody(objs[2:]); err != nil {
		return c, fmt.Errorf("proactive command %02X: %w", c.Details.Type, err)
	}
	return c, nil
}

// checkFileList holds a File List (§8.18) to its form: the number of
// files, then that many full paths of 2-byte file ids, each from the MF
// (3F00) to a file below it (outside tester sw121: a count the paths did
// not match was taken).
func checkFileList(v []byte) error {
	if len(v) < 1 || len(v[1:])%2 != 0 {
		return fmt.Errorf("file list of %d bytes: want a count, then paths of 2-byte file ids", len(v))
	}
	if v[0] == 0 {
		return errors.New("file list of no file")
	}
	paths, ids := 0, 0 // ids: in the path being read
	for i := 1; i < len(v); i += 2 {
		if v[i] == 0x3F && v[i+1] == 0x00 {
			if paths > 0 && ids < 2 {
				return fmt.Errorf("file list: path %d names no file below the MF", paths)
			}
			paths, ids = paths+1, 0
		} else if paths == 0 {
			return fmt.Errorf("file list: a path starts with %02X%02X, not the MF (3F00)", v[i], v[i+1])
		}
		ids++
	}
	if paths > 0 && ids < 2 {
		return fmt.Errorf("file list: path %d names no file below the MF", paths)
	}
	if paths != int(v[0]) {
		return fmt.Errorf("file list: %d files announced, %d paths given", v[0], paths)
	}
	return nil
}

// leadingDetails reads the command details a D0 template opens with
// when the rest of it does not decode, so that the terminal's answer to
// a malformed command is that command's (TS 102 223 §6.8: a card matches
// the number and type; outside tester sw119: 81 03 00 00 00 was answered
// 6A80 and the session hung). None readable: zero details.
func leadingDetails(b []byte) CommandDetails {
	if len(b) < 2 || b[0] != TagProactiveCommand {
		return CommandDetails{}
	}
	off := 2
	if b[1] == 0x81 {
		off = 3
	}
	if len(b) < off+5 || b[off]&0x7F != TagCommandDetails || b[off+1] != 3 {
		return CommandDetails{}
	}
	d, err := DecodeCommandDetails(b[off+2 : off+5])
	if err != nil {
		return CommandDetails{}
	}
	return d
}

func (c *Command) decodeBody(objs []SimpleTLV) error {
	var seen tagSet
	known := true
	for _, o := range objs {
		if seen.has(o.Tag) || o.Ext != 0 {
			c.Others = append(c.Others, o)
			continue
		}
		if c.Details.Type == CmdOpenChannel && o.Tag == TagOtherAddress && c.Transport == nil {
			// §6.6.27's order: the local address comes before the
			// transport level, the data destination after it (outside
			// tester sw119: a local address was dialled). It stays out
			// of seen: the destination may follow.
			a, err := DecodeLocalAddress(o.Value)
			if err != nil {
				return notUnderstood("%w", err)
			}
			c.LocalAddress = a
			if len(o.Value) > 0 {
				c.LocalType = o.Value[0]
			}
			continue
		}
		used, err := c.decodeObject(o)
		if errors.Is(err, errUnknownType) {
			known = false
			err, used = nil, false
		}
		if err != nil {
			return notUnderstood("%w", err)
		}
		if used {
			seen.add(o.Tag)
			continue
		}
		if known && o.CR && !ignorable[o.Tag] {
			return notUnderstood("object %s: comprehension required but not understood", o.name())
		}
		c.Others = append(c.Others, o)
	}
	return c.checkMandatory(seen)
}

var errUnknownType = errors.New("unknown command type")

// decodeObject interprets o for this command type and reports whether it did.
func (c *Command) decodeObject(o SimpleTLV) (bool, error) {
	var err error
	switch c.Details.Type {
	case CmdTimerManagement:
		switch o.Tag {
		case TagTimerID:
			c.TimerID, err = DecodeTimerID(o.Value)
			return true, err
		case TagTimerValue:
			c.TimerValue, err = DecodeTimerValue(o.Value)
			return true, err
		}
	case CmdPollInterval:
		if o.Tag == TagDuration {
			c.Duration, err = DecodeDuration(o.Value)
			return true, err
		}
	case CmdSetUpEventList:
		if o.Tag == TagEventList {
			c.Events = o.Value
			return true, nil
		}
	case CmdOpenChannel:
		switch o.Tag {
		case TagBearerDescription:
			c.Bearer, err = DecodeBearerDescription(o.Value)
			return true, err
		case TagBufferSize:
			c.BufferSize, err = DecodeBufferSize(o.Value)
			return true, err
		case TagTransportLevel:
			t, err := DecodeTransportLevel(o.Value)
			c.Transport = &t
			return true, err
		case TagOtherAddress: // after the transport level (decodeBody)
			c.Address, err = DecodeOtherAddress(o.Value)
			return true, err
		}
	case CmdSendData:
		if o.Tag == TagChannelData {
			c.Data = o.Value
			return true, nil
		}
	case CmdReceiveData:
		if o.Tag == TagChannelDataLength {
			n, err := DecodeByte("channel data length", o.Value)
			c.Length = int(n)
			return true, err
		}
	case CmdProvideLocalInfo:
		if o.Tag == TagMeasurementQualifier {
			c.MeasQualifier, err = DecodeByte("measurement qualifier", o.Value)
			return true, err
		}
	case CmdRefresh:
		switch o.Tag {
		case TagFileList:
			if err := checkFileList(o.Value); err != nil {
				return true, err
			}
			c.Files = o.Value
			return true, nil
		case TagAID:
			c.AID = o.Value
			return true, nil
		}
	case CmdCloseChannel, CmdPollingOff:
	default:
		return false, errUnknownType
	}
	return false, nil
}

func (c *Command) checkMandatory(seen tagSet) error {
	var need []byte
	switch c.Details.Type {
	case CmdTimerManagement:
		need = []byte{TagTimerID}
		if c.Details.Qualifier == TimerStart {
			need = append(need, TagTimerValue)
		}
	case CmdPollInterval:
		need = []byte{TagDuration}
	case CmdSetUpEventList:
		need = []byte{TagEventList}
	case CmdOpenChannel:
		need = []byte{TagBearerDescription, TagBufferSize}
	case CmdSendData:
		need = []byte{TagChannelData}
	case CmdReceiveData:
		need = []byte{TagChannelDataLength}
	case CmdRefresh:
		// §6.6.13: the modes that name files carry their list.
		if q := c.Details.Qualifier; q == RefreshFileChange || q == RefreshNAAInitFileChange {
			need = []byte{TagFileList}
		}
	}
	for _, t := range need {
		if !seen.has(t) {
			return missing(fmt.Sprintf("object %02X", t))
		}
	}
	return nil
}
