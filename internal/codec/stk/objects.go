package stk

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/uphex"
)

// CommandDetails is data object 01 (TS 102 223 §8.6).
type CommandDetails struct {
	Number    byte
	Type      byte
	Qualifier byte
}

// Object encodes the command details (comprehension required).
func (c CommandDetails) Object() SimpleTLV {
	return SimpleTLV{Tag: TagCommandDetails, CR: true, Value: []byte{c.Number, c.Type, c.Qualifier}}
}

// DecodeCommandDetails decodes the value of data object 01.
func DecodeCommandDetails(v []byte) (CommandDetails, error) {
	if len(v) != 3 {
		return CommandDetails{}, fmt.Errorf("command details: length %d, want 3", len(v))
	}
	return CommandDetails{Number: v[0], Type: v[1], Qualifier: v[2]}, nil
}

// DeviceIdentities is data object 02 (TS 102 223 §8.7).
type DeviceIdentities struct {
	Source byte
	Dest   byte
}

// Object encodes the device identities (comprehension required).
func (d DeviceIdentities) Object() SimpleTLV {
	return SimpleTLV{Tag: TagDeviceIdentities, CR: true, Value: []byte{d.Source, d.Dest}}
}

// DecodeDeviceIdentities decodes the value of data object 02.
func DecodeDeviceIdentities(v []byte) (DeviceIdentities, error) {
	if len(v) != 2 {
		return DeviceIdentities{}, fmt.Errorf("device identities: length %d, want 2", len(v))
	}
	return DeviceIdentities{Source: v[0], Dest: v[1]}, nil
}

// Result is data object 03 (TS 102 223 §8.12).
type Result struct {
	General    byte
	Additional []byte
}

// OK reports whether the general result is one of the "command performed"
// results (0x) that the card treats as success.
func (r Result) OK() bool { return r.General < 0x10 }

// Object encodes the result (comprehension required).
func (r Result) Object() SimpleTLV {
	return SimpleTLV{Tag: TagResult, CR: true, Value: append([]byte{r.General}, r.Additional...)}
}

// String is the result as "22" or, with additional information, "3A/07".
func (r Result) String() string { return string(r.Append(nil)) }

// Append appends String's text to b: the APDU lane describes a terminal
// response to each of a download's few hundred BIP commands with it.
func (r Result) Append(b []byte) []byte {
	b = uphex.Append(b, r.General)
	if len(r.Additional) == 0 {
		return b
	}
	return uphex.Append(append(b, '/'), r.Additional...)
}

// Meaning is a result's words in TS 102 223 §8.12 for the results a
// terminal gives a card's requests most (unable to process, BIP errors),
// "" for others: "3A/07" alone told a reader of a fleet's report nothing
// of a platform that refused the connection.
func (r Result) Meaning() string {
	general := map[byte]string{
		0x20: "terminal currently unable to process command",
		0x21: "network currently unable to process command",
		0x30: "command beyond terminal's capabilities",
		0x32: "command data not understood by terminal",
		0x3A: "BIP error",
	}[r.General]
	if general == "" || len(r.Additional) == 0 {
		return general
	}
	var extra map[byte]string
	switch r.General {
	case 0x20:
		extra = map[byte]string{0x01: "screen is busy", 0x02: "busy on call", 0x04: "no service", 0x05: "access control class bar", 0x06: "radio resource not granted", 0x07: "not in speech call"}
	case 0x3A:
		extra = map[byte]string{0x01: "no channel available", 0x02: "channel closed", 0x03: "channel identifier not valid",
			0x04: "requested buffer size not available", 0x05: "security error", 0x06: "requested transport level not available",
			0x07: "remote device is not reachable", 0x08: "service error", 0x09: "service identifier unknown", 0x10: "port not available"}
	}
	if e := extra[r.Additional[0]]; e != "" {
		return general + ": " + e
	}
	return general
}

// DecodeResult decodes the value of data object 03.
func DecodeResult(v []byte) (Result, error) {
	if len(v) < 1 {
		return Result{}, errors.New("result: empty")
	}
	r := Result{General: v[0]}
	if len(v) > 1 {
		r.Additional = v[1:]
	}
	return r, nil
}

// Duration is data object 04 (TS 102 223 §8.8): a time unit and an interval.
type Duration struct {
	Unit     byte // 0 minutes, 1 seconds, 2 tenths of seconds
	Interval byte // 1..255
}

// D converts to a time.Duration.
func (d Duration) D() time.Duration {
	unit := [...]time.Duration{time.Minute, time.Second, time.Second / 10}
	if int(d.Unit) >= len(unit) {
		return 0
	}
	return time.Duration(d.Interval) * unit[d.Unit]
}

// Object encodes the duration, comprehension required as POLL INTERVAL
// and its terminal response carry it (TS 102 223 §6.6.5, §6.8).
func (d Duration) Object() SimpleTLV {
	return SimpleTLV{Tag: TagDuration, CR: true, Value: []byte{d.Unit, d.Interval}}
}

// DecodeDuration decodes the value of data object 04.
func DecodeDuration(v []byte) (Duration, error) {
	if len(v) != 2 {
		return Duration{}, fmt.Errorf("duration: length %d, want 2", len(v))
	}
	if v[0] > 2 || v[1] == 0 {
		return Duration{}, fmt.Errorf("duration: invalid unit %02X or interval %02X", v[0], v[1])
	}
	return Duration{Unit: v[0], Interval: v[1]}, nil
}

// LocationInfo is data object 13 in its E-UTRAN form (TS 31.111 §8.19):
// MCC/MNC (3 bytes, TS 24.008 §10.5.1.3), TAC (2 bytes) and the 28-bit
// E-UTRAN cell identity left-aligned in 4 bytes, the last nibble F.
type LocationInfo struct {
	PLMN   string
	TAC    uint16
	CellID uint32
}

// Object encodes the location information.
func (l LocationInfo) Object() (SimpleTLV, error) {
	p, err := bcd.PLMN(l.PLMN)
	if err != nil {
		return SimpleTLV{}, fmt.Errorf("location information: %w", err)
	}
	if l.CellID > 0x0FFFFFFF {
		return SimpleTLV{}, fmt.Errorf("location information: cell id %X exceeds 28 bits", l.CellID)
	}
	eci := l.CellID<<4 | 0xF
	v := append(p[:], byte(l.TAC>>8), byte(l.TAC), byte(eci>>24), byte(eci>>16), byte(eci>>8), byte(eci))
	return SimpleTLV{Tag: TagLocationInfo, Value: v}, nil
}

// DecodeLocationInfo decodes the E-UTRAN form of data object 13.
func DecodeLocationInfo(v []byte) (LocationInfo, error) {
	if len(v) != 9 {
		return LocationInfo{}, fmt.Errorf("location information: length %d, want 9 (E-UTRAN)", len(v))
	}
	plmn, err := bcd.ParsePLMN(v[:3])
	if err != nil {
		return LocationInfo{}, fmt.Errorf("location information: %w", err)
	}
	eci := uint32(v[5])<<24 | uint32(v[6])<<16 | uint32(v[7])<<8 | uint32(v[8])
	return LocationInfo{PLMN: plmn, TAC: uint16(v[3])<<8 | uint16(v[4]), CellID: eci >> 4}, nil
}

// EventListObject encodes data object 19 (TS 102 223 §8.25).
func EventListObject(events []byte) SimpleTLV {
	return SimpleTLV{Tag: TagEventList, Value: append([]byte(nil), events...)}
}

// LocationStatusObject encodes data object 1B (TS 102 223 §8.27).
func LocationStatusObject(status byte) SimpleTLV {
	return SimpleTLV{Tag: TagLocationStatus, Value: []byte{status}}
}

// DecodeLocationStatus decodes the value of data object 1B.
func DecodeLocationStatus(v []byte) (byte, error) {
	if len(v) != 1 || v[0] > LocNone {
		return 0, fmt.Errorf("location status: invalid value %X", v)
	}
	return v[0], nil
}

// TimerIDObject encodes data object 24 (TS 102 223 §8.37).
func TimerIDObject(id byte) SimpleTLV {
	return SimpleTLV{Tag: TagTimerID, CR: true, Value: []byte{id}}
}

// DecodeTimerID decodes the value of data object 24: timers 1 to 8.
func DecodeTimerID(v []byte) (byte, error) {
	if len(v) != 1 || v[0] < 1 || v[0] > 8 {
		return 0, fmt.Errorf("timer identifier: invalid value %X", v)
	}
	return v[0], nil
}

// MaxTimerValue is the largest timer value data object 25 can carry.
const MaxTimerValue = 99*time.Hour + 59*time.Minute + 59*time.Second

// TimerValueObject encodes data object 25 (TS 102 223 §8.38): hours,
// minutes and seconds, each two BCD digits with swapped semi-octets (units
// digit in the high nibble, as in TS 23.040 §9.2.3.11). Sub-second parts are
// truncated; values beyond MaxTimerValue are an error.
func TimerValueObject(d time.Duration) (SimpleTLV, error) {
	if d < 0 || d > MaxTimerValue+time.Second-1 {
		return SimpleTLV{}, fmt.Errorf("timer value: %v out of range", d)
	}
	s := int(d / time.Second)
	return SimpleTLV{Tag: TagTimerValue, CR: true, Value: []byte{swapBCD(s / 3600), swapBCD(s / 60 % 60), swapBCD(s % 60)}}, nil
}

// DecodeTimerValue decodes the value of data object 25.
func DecodeTimerValue(v []byte) (time.Duration, error) {
	if len(v) != 3 {
		return 0, fmt.Errorf("timer value: length %d, want 3", len(v))
	}
	var f [3]int
	for i, b := range v {
		n, ok := unswapBCD(b)
		if !ok || (i > 0 && n > 59) {
			return 0, fmt.Errorf("timer value: invalid byte %d: %02X", i, b)
		}
		f[i] = n
	}
	return time.Duration(f[0])*time.Hour + time.Duration(f[1])*time.Minute + time.Duration(f[2])*time.Second, nil
}

func swapBCD(n int) byte { return byte(n%10)<<4 | byte(n/10) }

func unswapBCD(b byte) (int, bool) {
	lo, hi := int(b&0x0F), int(b>>4)
	if lo > 9 || hi > 9 {
		return 0, false
	}
	return lo*10 + hi, true
}

// BearerDescription is data object 35 (TS 102 223 §8.52).
type BearerDescription struct {
	Type   byte
	Params []byte
}

// Object encodes the bearer description.
func (b BearerDescription) Object() SimpleTLV {
	return SimpleTLV{Tag: TagBearerDescription, CR: true, Value: append([]byte{b.Type}, b.Params...)}
}

// DecodeBearerDescription decodes the value of data object 35.
func DecodeBearerDescription(v []byte) (BearerDescription, error) {
	if len(v) < 1 {
		return BearerDescription{}, errors.New("bearer description: empty")
	}
	b := BearerDescription{Type: v[0]}
	if len(v) > 1 {
		b.Params = v[1:]
	}
	return b, nil
}

// ChannelDataObject encodes data object 36 (TS 102 223 §8.53).
func ChannelDataObject(data []byte) SimpleTLV {
	return SimpleTLV{Tag: TagChannelData, CR: true, Value: data}
}

// ChannelDataLengthObject encodes data object 37 (TS 102 223 §8.54); n
// above 255 is sent as FF, meaning "more than 255".
func ChannelDataLengthObject(n int) SimpleTLV {
	return SimpleTLV{Tag: TagChannelDataLength, CR: true, Value: []byte{byte(min(max(n, 0), 0xFF))}}
}

// DecodeByte decodes a one-byte value (channel data length, access
// technology, ...); what names the object in errors.
func DecodeByte(what string, v []byte) (byte, error) {
	if len(v) != 1 {
		return 0, fmt.Errorf("%s: length %d, want 1", what, len(v))
	}
	return v[0], nil
}

// ChannelStatus is data object 38 (TS 102 223 §8.56).
type ChannelStatus struct {
	Channel     byte // 1..7
	Established bool
	Info        byte // ChannelNoInfo, ChannelLinkDropped
}

// Object encodes the channel status.
func (c ChannelStatus) Object() SimpleTLV {
	b := c.Channel & 0x07
	if c.Established {
		b |= 0x80
	}
	return SimpleTLV{Tag: TagChannelStatus, Value: []byte{b, c.Info}}
}

// DecodeChannelStatus decodes the value of data object 38.
func DecodeChannelStatus(v []byte) (ChannelStatus, error) {
	if len(v) != 2 {
		return ChannelStatus{}, fmt.Errorf("channel status: length %d, want 2", len(v))
	}
	return ChannelStatus{Channel: v[0] & 0x07, Established: v[0]&0x80 != 0, Info: v[1]}, nil
}

// BufferSizeObject encodes data object 39 (TS 102 223 §8.55).
func BufferSizeObject(n uint16) SimpleTLV {
	return SimpleTLV{Tag: TagBufferSize, CR: true, Value: []byte{byte(n >> 8), byte(n)}}
}

// DecodeBufferSize decodes the value of data object 39.
func DecodeBufferSize(v []byte) (uint16, error) {
	if len(v) != 2 {
		return 0, fmt.Errorf("buffer size: length %d, want 2", len(v))
	}
	return uint16(v[0])<<8 | uint16(v[1]), nil
}

// TransportLevel is data object 3C (TS 102 223 §8.59).
type TransportLevel struct {
	Protocol byte // TransportTCPClientRemote, ...
	Port     uint16
}

// Object encodes the transport level.
func (t TransportLevel) Object() SimpleTLV {
	return SimpleTLV{Tag: TagTransportLevel, Value: []byte{t.Protocol, byte(t.Port >> 8), byte(t.Port)}}
}

// DecodeTransportLevel decodes the value of data object 3C.
func DecodeTransportLevel(v []byte) (TransportLevel, error) {
	if len(v) != 3 {
		return TransportLevel{}, fmt.Errorf("transport level: length %d, want 3", len(v))
	}
	return TransportLevel{Protocol: v[0], Port: uint16(v[1])<<8 | uint16(v[2])}, nil
}

// OtherAddressObject encodes data object 3E (TS 102 223 §8.58) for an IPv4
// or IPv6 address; an invalid addr encodes the empty object that asks for a
// dynamic address.
func OtherAddressObject(addr netip.Addr) SimpleTLV {
	switch {
	case addr.Is4():
		a := addr.As4()
		return SimpleTLV{Tag: TagOtherAddress, Value: append([]byte{AddrIPv4}, a[:]...)}
	case addr.Is6():
		a := addr.As16()
		return SimpleTLV{Tag: TagOtherAddress, Value: append([]byte{AddrIPv6}, a[:]...)}
	}
	return SimpleTLV{Tag: TagOtherAddress}
}

// DecodeOtherAddress decodes the value of data object 3E; an empty value
// gives the zero Addr.
func DecodeOtherAddress(v []byte) (netip.Addr, error) {
	switch {
	case len(v) == 0:
		return netip.Addr{}, nil
	case v[0] == AddrIPv4 && len(v) == 5:
		return netip.AddrFrom4([4]byte(v[1:5])), nil
	case v[0] == AddrIPv6 && len(v) == 17:
		return netip.AddrFrom16([16]byte(v[1:17])), nil
	}
	return netip.Addr{}, fmt.Errorf("other address: type %02X with %d address bytes", v[0], len(v)-1)
}

// DecodeLocalAddress decodes the Other address an OPEN CHANNEL gives
// before its transport level: the terminal's own address on the bearer
// (TS 102 223 §6.6.27), or only its type, asking the terminal for a
// dynamic one (§8.58), which gives the zero Addr.
func DecodeLocalAddress(v []byte) (netip.Addr, error) {
	if len(v) == 1 && (v[0] == AddrIPv4 || v[0] == AddrIPv6) {
		return netip.Addr{}, nil
	}
	return DecodeOtherAddress(v)
}

// AccessTechnologyObject encodes data object 3F (TS 102 223 §8.62).
func AccessTechnologyObject(t byte) SimpleTLV {
	return SimpleTLV{Tag: TagAccessTechnology, Value: []byte{t}}
}

// ParseResult reads a result as String writes it ("20/04", "00").
func ParseResult(s string) (Result, error) {
	gen, add, _ := strings.Cut(s, "/")
	g, err := hex.DecodeString(gen)
	if err != nil || len(g) != 1 {
		return Result{}, fmt.Errorf("result %q: want a general result of two hex digits", s)
	}
	r := Result{General: g[0]}
	if add != "" {
		if r.Additional, err = hex.DecodeString(add); err != nil {
			return Result{}, fmt.Errorf("result %q: additional information: %w", s, err)
		}
	}
	return r, nil
}
