package stk

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/hexdump"
)

// h decodes a hexdump with spaces; vectors below are derived by hand from
// TS 102 223 / TS 31.111 / TS 24.008 codings.

func TestParseTLVs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []SimpleTLV
		err  bool
	}{
		{"one-byte tag CR", "81 03 01 27 00", []SimpleTLV{{Tag: 0x01, CR: true, Value: []byte{1, 0x27, 0}}}, false},
		{"no CR, empty value", "3E 00", []SimpleTLV{{Tag: 0x3E, Value: []byte{}}}, false},
		{"three-byte tag CR", "7F 80 13 01 AA", []SimpleTLV{{Tag: 0x13, CR: true, Value: []byte{0xAA}}}, false},
		{"three-byte ext tag", "7F 01 00 00", []SimpleTLV{{Ext: 0x0100, Value: []byte{}}}, false},
		{"two objects", "82 02 81 82 24 01 01", []SimpleTLV{
			{Tag: 0x02, CR: true, Value: []byte{0x81, 0x82}},
			{Tag: 0x24, Value: []byte{1}},
		}, false},
		{"invalid tag 00", "00 01 00", nil, true},
		{"invalid tag FF", "FF 00", nil, true},
		{"truncated value", "81 03 01 27", nil, true},
		{"missing length", "81", nil, true},
		{"length 82 form", "36 82 00 01 00", nil, true},
		{"truncated three-byte tag", "7F 80", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTLVs(hexdump.Bytes(t, tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if !tt.err && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLongLength(t *testing.T) {
	v := bytes.Repeat([]byte{0x5A}, 0x80)
	b, err := ChannelDataObject(v).Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[:3], hexdump.Bytes(t, "B6 81 80")) {
		t.Fatalf("header % X, want B6 81 80", b[:3])
	}
	objs, err := ParseTLVs(b)
	if err != nil || len(objs) != 1 || !bytes.Equal(objs[0].Value, v) {
		t.Fatalf("round trip: %v %+v", err, objs)
	}
	if _, err := ChannelDataObject(make([]byte, 256)).Encode(nil); err == nil {
		t.Fatal("256-byte value encoded without error")
	}
}

func TestTimerValue(t *testing.T) {
	tests := []struct {
		d   time.Duration
		hex string
	}{
		{5 * time.Minute, "00 50 00"},
		{time.Hour + 23*time.Minute + 45*time.Second, "10 32 54"},
		{30 * time.Second, "00 00 03"},
	}
	for _, tt := range tests {
		o, err := TimerValueObject(tt.d)
		if err != nil || !bytes.Equal(o.Value, hexdump.Bytes(t, tt.hex)) {
			t.Errorf("TimerValueObject(%v) = % X, %v; want %s", tt.d, o.Value, err, tt.hex)
		}
		back, err := DecodeTimerValue(hexdump.Bytes(t, tt.hex))
		if err != nil || back != tt.d {
			t.Errorf("DecodeTimerValue(%s) = %v, %v", tt.hex, back, err)
		}
	}
	if _, err := DecodeTimerValue(hexdump.Bytes(t, "00 06 00")); err == nil {
		t.Error("60 minutes accepted")
	}
	if _, err := TimerValueObject(100 * time.Hour); err == nil {
		t.Error("100 h accepted")
	}
}

func TestCommandVectors(t *testing.T) {
	addr := netip.MustParseAddrPort("127.0.0.1:8080")
	tests := []struct {
		name string
		cmd  Command
		hex  string
	}{
		{"timer start 1 5min", NewTimerStart(1, 1, 5*time.Minute),
			"D0 11 81 03 01 27 00 82 02 81 82 A4 01 01 A5 03 00 50 00"},
		{"timer get value", NewTimerGetValue(2, 3),
			"D0 0C 81 03 02 27 02 82 02 81 82 A4 01 03"},
		{"PLI location", NewProvideLocalInfo(1, PLILocation),
			"D0 09 81 03 01 26 00 82 02 81 82"},
		{"set up event list", NewSetUpEventList(1, EventLocationStatus, EventDataAvailable, EventChannelStatus),
			"D0 0E 81 03 01 05 00 82 02 81 82 19 03 03 09 0A"},
		{"open channel", NewOpenChannel(1, addr, 1400),
			"D0 1C 81 03 01 40 01 82 02 81 82 B5 01 03 B9 02 05 78 3C 03 02 1F 90 3E 05 21 7F 00 00 01"},
		{"send data immediately", NewSendData(1, 1, []byte("GET"), true),
			"D0 0E 81 03 01 43 01 82 02 81 21 B6 03 47 45 54"},
		{"receive data", NewReceiveData(4, 1, 200),
			"D0 0C 81 03 04 42 00 82 02 81 21 B7 01 C8"},
		{"close channel", NewCloseChannel(5, 1),
			"D0 09 81 03 05 41 00 82 02 81 21"},
		{"refresh UICC reset", NewRefresh(1, RefreshUICCReset),
			"D0 09 81 03 01 01 04 82 02 81 82"},
		// TS 102 223 §6.4.7: qualifier 09, "eUICC Profile State Change".
		{"refresh eUICC profile state change", NewRefresh(1, RefreshEUICCProfileChange),
			"D0 09 81 03 01 01 09 82 02 81 82"},
		// TS 31.111 §6.4.15: NMR (qualifier 02) with the E-UTRAN
		// intra-frequency measurement qualifier, object 69 value 05.
		{"PLI NMR E-UTRAN", NewProvideLocalInfoNMR(2),
			"D0 0C 81 03 02 26 02 82 02 81 82 69 01 05"},
		// TS 102 223 §6.6.5: POLL INTERVAL carries a duration (84, unit
		// 01 seconds, 5); §6.6.13: POLLING OFF carries nothing.
		{"poll interval 5s", NewPollInterval(6, Duration{Unit: UnitSeconds, Interval: 5}),
			"D0 0D 81 03 06 03 00 82 02 81 82 84 02 01 05"},
		{"polling off", NewPollingOff(7),
			"D0 09 81 03 07 04 00 82 02 81 82"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := hexdump.Bytes(t, tt.hex)
			got, err := tt.cmd.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode = % X\nwant     % X", got, want)
			}
			back, err := ParseCommand(want)
			if err != nil {
				t.Fatal(err)
			}
			again, err := back.Encode()
			if err != nil || !bytes.Equal(again, want) {
				t.Fatalf("re-encode = % X, %v", again, err)
			}
			if back.Details != tt.cmd.Details || back.Devices != tt.cmd.Devices {
				t.Fatalf("parsed %+v", back)
			}
		})
	}
}

func TestParseCommandFields(t *testing.T) {
	c, err := ParseCommand(hexdump.Bytes(t, "D0 1C 81 03 01 40 01 82 02 81 82 B5 01 03 B9 02 05 78 3C 03 02 1F 90 3E 05 21 7F 00 00 01"))
	if err != nil {
		t.Fatal(err)
	}
	if c.BufferSize != 1400 || c.Transport == nil || *c.Transport != (TransportLevel{TransportTCPClientRemote, 8080}) ||
		c.Address != netip.MustParseAddr("127.0.0.1") || c.Bearer.Type != BearerDefault {
		t.Fatalf("open channel parsed as %+v", c)
	}
	c, err = ParseCommand(hexdump.Bytes(t, "D0 0E 81 03 01 43 01 82 02 81 21 B6 03 47 45 54"))
	if err != nil || string(c.Data) != "GET" || c.Channel() != 1 || c.Details.Qualifier&SendImmediately == 0 {
		t.Fatalf("send data parsed as %+v, %v", c, err)
	}
	// Padding FF after the template, and an alpha identifier, are accepted.
	c, err = ParseCommand(hexdump.Bytes(t, "D0 0C 81 03 01 26 02 82 02 81 82 85 01 41 FF FF"))
	if err != nil || c.Details.Qualifier != PLINMR || len(c.Others) != 1 {
		t.Fatalf("PLI with alpha parsed as %+v, %v", c, err)
	}
	// Unknown command type (DISPLAY TEXT): no error, objects kept.
	c, err = ParseCommand(hexdump.Bytes(t, "D0 0F 81 03 01 21 80 82 02 81 02 8D 04 04 48 69 21"))
	if err != nil || c.Details.Type != 0x21 || len(c.Others) != 1 {
		t.Fatalf("display text parsed as %+v, %v", c, err)
	}
}

func TestParseCommandErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		result byte
		hasCD  bool
	}{
		{"not D0", "D6 09 81 03 01 26 00 82 02 81 82", ResultDataNotUnderstood, false},
		{"truncated", "D0 09 81 03 01 26 00 82 02 81", ResultDataNotUnderstood, false},
		{"no device identities", "D0 05 81 03 01 26 00", ResultValuesMissing, false},
		{"timer start without value", "D0 0C 81 03 01 27 00 82 02 81 82 A4 01 01", ResultValuesMissing, true},
		{"timer id 9", "D0 11 81 03 01 27 00 82 02 81 82 A4 01 09 A5 03 00 50 00", ResultDataNotUnderstood, true},
		{"unknown CR object", "D0 0C 81 03 01 26 00 82 02 81 82 F0 01 00", ResultDataNotUnderstood, true},
		{"poll interval without duration", "D0 09 81 03 01 03 00 82 02 81 82", ResultValuesMissing, true},
		{"poll interval of 0", "D0 0D 81 03 01 03 00 82 02 81 82 84 02 01 00", ResultDataNotUnderstood, true},
		{"bad other address", "D0 1A 81 03 01 40 01 82 02 81 82 B5 01 03 B9 02 05 78 3C 03 02 1F 90 3E 03 21 7F 00", ResultDataNotUnderstood, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCommand(hexdump.Bytes(t, tt.in))
			var ce *CommandError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *CommandError", err)
			}
			if ce.Result != tt.result {
				t.Fatalf("result %02X, want %02X (%v)", ce.Result, tt.result, err)
			}
			if tt.hasCD && c.Details.Number != 1 {
				t.Fatalf("command details not kept: %+v", c.Details)
			}
		})
	}
}

func TestTerminalResponseVectors(t *testing.T) {
	pli := NewProvideLocalInfo(1, PLILocation)
	open := NewOpenChannel(1, netip.MustParseAddrPort("127.0.0.1:8080"), 1400)
	nmr := NewProvideLocalInfo(2, PLINMR)
	tm := NewTimerGetValue(3, 1)
	rd := NewReceiveData(4, 1, 3)
	with := func(r TerminalResponse, f func(*TerminalResponse)) TerminalResponse { f(&r); return r }
	tests := []struct {
		name string
		tr   TerminalResponse
		hex  string
	}{
		{"PLI location", with(Respond(pli, Result{}), func(r *TerminalResponse) {
			r.Location = &LocationInfo{PLMN: "20801", TAC: 0x3A9B, CellID: 0xC33D}
		}), "81 03 01 26 00 82 02 82 81 83 01 00 13 09 02 F8 10 3A 9B 00 0C 33 DF"},
		{"PLI no service", Respond(pli, Result{General: ResultTerminalUnable, Additional: []byte{UnableNoService}}),
			"81 03 01 26 00 82 02 82 81 83 02 20 04"},
		// TestIMEI, TestDateTime and TestLanguage work the values out.
		{"PLI IMEI", with(Respond(NewProvideLocalInfo(1, PLIIMEI), Result{}), func(r *TerminalResponse) {
			r.IMEI = "490154203237510"
		}), "81 03 01 26 01 82 02 82 81 83 01 00 14 08 4A 09 51 24 30 32 57 01"},
		{"PLI date-time", with(Respond(NewProvideLocalInfo(1, PLIDateTime), Result{}), func(r *TerminalResponse) {
			r.DateTime = &DateTime{Time: time.Date(2026, 11, 30, 17, 20, 44, 0, time.UTC)}
		}), "81 03 01 26 03 82 02 82 81 83 01 00 26 07 62 11 03 71 02 44 FF"},
		{"PLI language", with(Respond(NewProvideLocalInfo(1, PLILanguage), Result{}), func(r *TerminalResponse) {
			r.Language = "en"
		}), "81 03 01 26 04 82 02 82 81 83 01 00 2D 02 65 6E"},
		{"PLI NMR", with(Respond(nmr, Result{}), func(r *TerminalResponse) {
			r.NMR = &nmrVector
		}), "81 03 02 26 02 82 02 82 81 83 01 00 16 10" + nmrVectorHex},
		{"open channel", with(Respond(open, Result{}), func(r *TerminalResponse) {
			r.ChannelStatus = &ChannelStatus{Channel: 1, Established: true}
			r.Bearer = &BearerDescription{Type: BearerDefault}
			r.BufferSize = new(uint16(1400))
		}), "81 03 01 40 01 82 02 82 81 83 01 00 38 02 81 00 B5 01 03 B9 02 05 78"},
		{"timer value", with(Respond(tm, Result{}), func(r *TerminalResponse) {
			r.TimerID = 1
			r.TimerValue = new(90 * time.Second)
		}), "81 03 03 27 02 82 02 82 81 83 01 00 A4 01 01 A5 03 00 10 03"},
		{"receive data", with(Respond(rd, Result{}), func(r *TerminalResponse) {
			r.ChannelData = []byte("HTT")
			r.ChannelDataLength = new(300)
		}), "81 03 04 42 00 82 02 82 81 83 01 00 B6 03 48 54 54 B7 01 FF"},
		{"BIP error", Respond(open, Result{General: ResultBIPError, Additional: []byte{BIPRemoteNotReachable}}),
			"81 03 01 40 01 82 02 82 81 83 02 3A 07"},
		// The terminal answers POLL INTERVAL with the interval it will
		// use, here 10 s for the 5 s asked (TS 102 223 §6.4.6).
		{"poll interval granted", with(Respond(NewPollInterval(6, Duration{Unit: UnitSeconds, Interval: 5}), Result{}), func(r *TerminalResponse) {
			r.Duration = &Duration{Unit: UnitSeconds, Interval: 10}
		}), "81 03 06 03 00 82 02 82 81 83 01 00 84 02 01 0A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := hexdump.Bytes(t, tt.hex)
			got, err := tt.tr.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode = % X\nwant     % X", got, want)
			}
			back, err := ParseTerminalResponse(want)
			if err != nil {
				t.Fatal(err)
			}
			again, err := back.Encode()
			if err != nil || !bytes.Equal(again, want) {
				t.Fatalf("re-encode = % X, %v", again, err)
			}
		})
	}
	r, err := ParseTerminalResponse(hexdump.Bytes(t, "81 03 04 42 00 82 02 82 81 83 01 00 B6 03 48 54 54 B7 01 FF"))
	if err != nil || string(r.ChannelData) != "HTT" || *r.ChannelDataLength != 255 || !r.Result.OK() {
		t.Fatalf("parsed %+v, %v", r, err)
	}
	if _, err := ParseTerminalResponse(hexdump.Bytes(t, "81 03 04 42 00 83 01 00")); err == nil {
		t.Fatal("response without device identities accepted")
	}
	// The comprehension-required forms of the PROVIDE LOCAL INFORMATION
	// objects (94, A6, AD) decode as well.
	r, err = ParseTerminalResponse(hexdump.Bytes(t, "81 03 01 26 01 82 02 82 81 83 01 00 94 08 4A 09 51 24 30 32 57 01 A6 07 62 10 10 00 00 00 FF AD 02 66 72"))
	if err != nil || r.IMEI != "490154203237510" || r.DateTime == nil || !r.DateTime.Time.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		r.DateTime.ZoneKnown || r.Language != "fr" || len(r.Others) != 0 {
		t.Fatalf("CR forms: %+v, %v", r, err)
	}
	// A wrong length is an error, as for the other objects.
	for _, bad := range []string{
		"81 03 01 26 01 82 02 82 81 83 01 00 14 07 4A 09 51 24 30 32 57",
		"81 03 01 26 03 82 02 82 81 83 01 00 26 06 62 10 10 00 00 00",
		"81 03 01 26 04 82 02 82 81 83 01 00 2D 03 65 6E 67",
	} {
		if _, err := ParseTerminalResponse(hexdump.Bytes(t, bad)); err == nil || !strings.Contains(err.Error(), "length") {
			t.Errorf("ParseTerminalResponse(%s): err %v, want a length error", bad, err)
		}
	}
}

func TestEnvelopeVectors(t *testing.T) {
	loc := &LocationInfo{PLMN: "20801", TAC: 0x3A9B, CellID: 0xC33D}
	cs := ChannelStatus{Channel: 1, Established: true}
	tests := []struct {
		name string
		env  Envelope
		hex  string
	}{
		{"timer expiration", NewTimerExpiration(1, 5*time.Minute),
			"D7 0C 82 02 82 81 A4 01 01 A5 03 00 50 00"},
		{"location status normal", NewLocationStatusEvent(LocNormal, loc),
			"D6 15 19 01 03 82 02 82 81 1B 01 00 13 09 02 F8 10 3A 9B 00 0C 33 DF"},
		{"location status none drops location", NewLocationStatusEvent(LocNone, loc),
			"D6 0A 19 01 03 82 02 82 81 1B 01 02"},
		{"data available", NewDataAvailableEvent(cs, 1000),
			"D6 0E 19 01 09 82 02 82 81 38 02 81 00 B7 01 FF"},
		{"channel status link dropped", NewChannelStatusEvent(ChannelStatus{Channel: 1, Info: ChannelLinkDropped}),
			"D6 0B 19 01 0A 82 02 82 81 38 02 01 05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := hexdump.Bytes(t, tt.hex)
			got, err := tt.env.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode = % X\nwant     % X", got, want)
			}
			back, err := ParseEnvelope(want)
			if err != nil {
				t.Fatal(err)
			}
			again, err := back.Encode()
			if err != nil || !bytes.Equal(again, want) {
				t.Fatalf("re-encode = % X, %v", again, err)
			}
		})
	}
	e, err := ParseEnvelope(hexdump.Bytes(t, "D6 0E 19 01 09 82 02 82 81 38 02 81 00 B7 01 10"))
	if err != nil || e.Event != EventDataAvailable || *e.ChannelDataLength != 16 || !e.ChannelStatus.Established {
		t.Fatalf("parsed %+v, %v", e, err)
	}
	for _, bad := range []string{"D7 04 82 02 82 81", "D6 04 82 02 82 81", "D1 00", "D6 05 19 02 03 09",
		// Each event without an object its clause makes mandatory
		// (outside tester sw100: a channel status event without its
		// channel status was answered 9000).
		"D6 07 99 01 0A 82 02 82 81",             // channel status
		"D6 0B 99 01 09 82 02 82 81 38 02 81 00", // data available, no length
		"D6 0A 99 01 09 82 02 82 81 B7 01 10",    // data available, no status
		"D6 07 99 01 03 82 02 82 81",             // location status
		"D6 0A 99 01 03 82 02 82 81 9B 01 00",    // normal service, no location
		// A timer expiration from the UICC to the terminal (outside
		// tester sw110: answered 910B).
		"D7 0C 82 02 81 82 A4 01 01 A5 03 00 00 01"} {
		if _, err := ParseEnvelope(hexdump.Bytes(t, bad)); err == nil {
			t.Errorf("ParseEnvelope(%s) accepted", bad)
		}
	}
}

// nmrVector is a TS 36.331 MeasurementReport in unaligned PER, worked out
// bit by bit (X.691): criticalExtensions c1 0, measurementReport-r8 000,
// nonCriticalExtension absent 0; then MeasResults: extension bit 0, measResultNeighCells present 1, measId 1 as
// 5 bits 00000, PCell RSRP index 56 (-85 dBm + 141) as 7 bits 0111000,
// RSRQ index 20 as 6 bits 010100; the CHOICE's extension bit 0 and
// alternative 0 of 4 as 00; one neighbour (count-1 in 3 bits: 000):
// cgi-Info present 1, physCellId 61 as 9 bits 000111101, plmn-IdentityList
// absent 0, mcc present 1, MCC 2 0 8 as 0010 0000 1000, MNC of 2 digits 0
// then 1 0 as 0001 0000, cellIdentity 0x000C33D in 28 bits, TAC 0x3A9B in
// 16 bits, measResult extension bit 0, rsrp and rsrq present 11, RSRP
// index 40 (-101 dBm) as 0101000, RSRQ 20 as 010100; 124 bits, four zero
// padding bits: 16 octets.
var nmrVector = MeasResults{MeasID: 1, ServingRSRP: -85, ServingRSRQ: 20,
	Neighbours: []Neighbour{{PCI: 61, PLMN: "20810", CellID: 0xC33D, TAC: 0x3A9B, RSRP: -101, RSRQ: 20}}}

const nmrVectorHex = "02 07 0A 01 1E A4 10 10 00 0C 33 D3 A9 B6 A1 40"

func TestNMR(t *testing.T) {
	o, err := EncodeNMR(nmrVector)
	if err != nil || o.Tag != TagNMR || !bytes.Equal(o.Value, hexdump.Bytes(t, nmrVectorHex)) {
		t.Fatalf("EncodeNMR = %X, %v", o.Value, err)
	}
	back, err := DecodeNMR(o.Value)
	if err != nil || !reflect.DeepEqual(back, nmrVector) {
		t.Fatalf("DecodeNMR = %+v, %v", back, err)
	}
	// Only the serving cell: neighbour results absent (second bit 0).
	o, _ = EncodeNMR(MeasResults{MeasID: 1, ServingRSRP: -85, ServingRSRQ: 20})
	if !bytes.Equal(o.Value, hexdump.Bytes(t, "00 07 0A 00")) {
		t.Fatalf("serving only: %X", o.Value)
	}
	// Out-of-range RSRP clamps to the index range of TS 36.133.
	o, _ = EncodeNMR(MeasResults{MeasID: 1, ServingRSRP: -200, Neighbours: []Neighbour{{RSRP: -10}}})
	m, _ := DecodeNMR(o.Value)
	if m.ServingRSRP != -141 || m.Neighbours[0].RSRP != -44 {
		t.Fatalf("clamping: %+v", m)
	}
	for _, bad := range []MeasResults{{MeasID: 0}, {MeasID: 33}, {MeasID: 1, ServingRSRQ: 35},
		{MeasID: 1, Neighbours: make([]Neighbour, 9)}, {MeasID: 1, Neighbours: []Neighbour{{PCI: 504}}},
		{MeasID: 1, Neighbours: []Neighbour{{PLMN: "2081"}}}} {
		if _, err := EncodeNMR(bad); err == nil {
			t.Errorf("EncodeNMR(%+v) accepted", bad)
		}
	}
}

func TestNMRDecodeErrors(t *testing.T) {
	for _, bad := range []string{
		"",                     // truncated
		"80 07 0A 00",          // criticalExtensionsFuture
		"10 07 0A 00",          // c1 spare alternative
		"08 07 0A 00",          // nonCriticalExtension present
		"04 07 0A 00",          // MeasResults extension additions
		"00 07 0A 00 00",       // a byte after the message
		"00 07 0A 08",          // padding bit set
		"00 0F EA 00",          // RSRP index 127 > 97
		"02 07 0A 80 00 00 00", // a neighbour list other than E-UTRA
	} {
		if _, err := DecodeNMR(hexdump.Bytes(t, bad)); err == nil {
			t.Errorf("DecodeNMR(%q) accepted", bad)
		}
	}
}

func TestTerminalProfile(t *testing.T) {
	p := NewTerminalProfile(1, FacTimerExpiration, FacRefresh, FacOpenChannel, FacTCPClientRemote, FacRefreshEUICCProfile)
	if len(p) != 34 {
		t.Fatalf("len %d, want 34", len(p))
	}
	if p[0] != 0x20 || p[2] != 0x80 || p[11] != 0x01 || p[12] != 0x20 || p[16] != 0x01 || p[33] != 0x20 {
		t.Fatalf("profile % X", []byte(p))
	}
	if !p.Has(FacRefresh) || p.Has(FacSendData) || p.Channels() != 1 || p.Has(Facility{40, 1}) {
		t.Fatal("Has/Channels wrong")
	}
	// TS 102 223 §5.2: byte 8 bit 3 is PROVIDE LOCAL INFORMATION (date,
	// time and time zone), byte 9 bit 4 PROVIDE LOCAL INFORMATION
	// (language), byte 4 bit 7 PROVIDE LOCAL INFORMATION (MCC, MNC, LAC,
	// Cell ID & IMEI).
	p = NewTerminalProfile(0, FacPLIDateTime, FacPLILanguage, FacPLILocation)
	if p[3] != 0x40 || p[7] != 0x04 || p[8] != 0x08 {
		t.Fatalf("PLI facilities: profile % X", []byte(p))
	}
	// Byte 3 bits 6 and 7: POLL INTERVAL and POLLING OFF. Without clears
	// bits in a copy and leaves the rest.
	p = NewTerminalProfile(1, FacPollInterval, FacPollingOff, FacRefresh, FacTimerStartStop, FacTimerExpiration)
	if p[2] != 0xE0 {
		t.Fatalf("poll facilities: profile % X", []byte(p))
	}
	q := p.Without(FacTimerStartStop, FacTimerExpiration, Facility{99, 1})
	if q.Has(FacTimerStartStop) || q.Has(FacTimerExpiration) || !q.Has(FacPollInterval) || !q.Has(FacRefresh) ||
		q.Channels() != 1 || !p.Has(FacTimerStartStop) {
		t.Fatalf("Without: % X from % X", []byte(q), []byte(p))
	}
}

// A result read back from its text is the result written, and the
// "currently unable" results are named by their cause.
func TestResultTextAndRefusal(t *testing.T) {
	tests := []struct {
		text    string
		refusal string // "" when it is none
		bad     bool
	}{
		{text: "20/04", refusal: "no service"},
		{text: "20/02", refusal: "busy on call"},
		{text: "20", refusal: "terminal currently unable"},
		{text: "20/7F", refusal: "terminal currently unable, cause 7F"},
		{text: "21/00", refusal: "network currently unable"},
		{text: "21/91", refusal: "network currently unable, cause 11"},
		{text: "00"},
		{text: "3A/07"},
		{text: "24"},
		{text: "", bad: true},
		{text: "2", bad: true},
		{text: "200", bad: true},
		{text: "20/0", bad: true},
		{text: "zz/04", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			r, err := ParseResult(tc.text)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseResult(%q) = %v, want an error", tc.text, r)
				}
				return
			}
			if err != nil || r.String() != tc.text {
				t.Fatalf("ParseResult(%q) = %v (%v), want it back", tc.text, r, err)
			}
			got, ok := r.Refusal()
			if got != tc.refusal || ok != (tc.refusal != "") {
				t.Errorf("%s.Refusal() = %q %v, want %q", tc.text, got, ok, tc.refusal)
			}
		})
	}
}

func TestTagSet(t *testing.T) {
	var s tagSet
	for _, tag := range []byte{0x00, 0x01, 0x3F, 0x40, 0x7F} {
		if s.has(tag) {
			t.Fatalf("%02X in the set before it was added", tag)
		}
		s.add(tag)
		if !s.has(tag) {
			t.Fatalf("%02X not in the set once added", tag)
		}
	}
	for tag := range byte(0x80) {
		want := tag == 0x00 || tag == 0x01 || tag == 0x3F || tag == 0x40 || tag == 0x7F
		if s.has(tag) != want {
			t.Errorf("has(%02X) = %v", tag, !want)
		}
	}
}

// TestMalformedCommandKeepsItsDetails: a command that does not decode
// still gives the details it opens with, so the terminal answers that
// command (outside tester sw119); a template with none readable gives
// none.
func TestMalformedCommandKeepsItsDetails(t *testing.T) {
	want := CommandDetails{Number: 1, Type: CmdProvideLocalInfo}
	for _, tc := range []struct {
		name, hex string
		want      CommandDetails
	}{
		{"an object cut short", "D0 0D 81 03 01 26 00 82 02 81 82 85 05 41 42", want},
		{"a BER length past the end", "D0 FF 81 03 01 26 00 82 02 81 82", want},
		{"no device identities", "D0 05 81 03 01 26 00", want},
		{"details without the CR bit", "D0 05 01 03 01 26 00", want},
		{"no details", "D0 04 82 02 81 82", CommandDetails{}},
		{"not a proactive command", "D1 05 81 03 01 26 00", CommandDetails{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCommand(hexdump.Bytes(t, tc.hex))
			if err == nil {
				t.Fatal("decoded")
			}
			if c.Details != tc.want {
				t.Errorf("details %+v, want %+v", c.Details, tc.want)
			}
		})
	}
}

// TestOpenChannelAddresses: the Other address before the transport level
// is the terminal's own (a type alone asks for a dynamic one), the one
// after it the data destination (TS 102 223 §6.6.27; outside tester
// sw119: the first was dialled, a type alone refused 32).
func TestOpenChannelAddresses(t *testing.T) {
	for _, tc := range []struct {
		name, hex   string
		local, dest string
	}{
		{"destination alone", "D0 1C 81 03 01 40 01 82 02 81 82 35 01 03 39 02 05 78 3C 03 02 12 34 3E 05 21 7F 00 00 01", "invalid IP", "127.0.0.1"},
		{"dynamic local address first", "D0 1F 81 03 01 40 01 82 02 81 82 35 01 03 39 02 05 78 3E 01 21 3C 03 02 12 34 3E 05 21 7F 00 00 01", "invalid IP", "127.0.0.1"},
		{"explicit local address first", "D0 23 81 03 01 40 01 82 02 81 82 35 01 03 39 02 05 78 3E 05 21 0A 00 00 02 3C 03 02 12 34 3E 05 21 7F 00 00 01", "10.0.0.2", "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCommand(hexdump.Bytes(t, tc.hex))
			if err != nil {
				t.Fatal(err)
			}
			if c.LocalAddress.String() != tc.local || c.Address.String() != tc.dest || c.Transport == nil || c.Transport.Port != 0x1234 {
				t.Errorf("local %v, destination %v, transport %+v", c.LocalAddress, c.Address, c.Transport)
			}
			b, err := c.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if again, err := ParseCommand(b); err != nil || again.Address != c.Address || again.LocalAddress != c.LocalAddress {
				t.Errorf("round trip %X: %+v, %v", b, again, err)
			}
		})
	}
}

// TestFileList: a REFRESH's File List is the number of files, then that
// many full paths from the MF (TS 102 223 §8.18; outside tester sw121).
func TestFileList(t *testing.T) {
	for _, tc := range []struct {
		name, list string
		ok         bool
	}{
		{"one file", "01 3F 00 7F 20 6F 07", true},
		{"two files", "02 3F 00 2F E2 3F 00 7F FF 6F 07", true},
		{"the count says three", "03 3F 00 7F 20 6F 07", false},
		{"a path not from the MF", "01 7F 20 6F 07", false},
		{"a count and no path", "01", false},
		{"no file", "00", false},
		{"the MF alone", "01 3F 00", false},
		{"an odd length", "01 3F 00 7F", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := hexdump.Bytes(t, tc.list)
			raw := append([]byte{0xD0, byte(9 + 2 + len(list)), 0x81, 0x03, 0x01, 0x01, 0x01, 0x82, 0x02, 0x81, 0x82, 0x92, byte(len(list))}, list...)
			c, err := ParseCommand(raw)
			if tc.ok != (err == nil) {
				t.Fatalf("%X: %v", raw, err)
			}
			if tc.ok && !bytes.Equal(c.Files, list) {
				t.Errorf("files %X", c.Files)
			}
		})
	}
}

// TestTerminalResponseOddAddress: an Other address the codec does not
// read (a type alone, a short one) is kept in Others, not a refusal of
// the whole answer (reviewer sw123); a whole one is the local address.
func TestTerminalResponseOddAddress(t *testing.T) {
	for _, tc := range []struct {
		name, hex, local string
		others           int
	}{
		{"allocated", "81 03 01 40 01 82 02 82 81 83 01 00 3E 05 21 7F 00 00 01", "127.0.0.1", 0},
		{"type alone", "81 03 01 40 01 82 02 82 81 83 01 00 3E 01 21", "invalid IP", 1},
		{"cut short", "81 03 01 40 01 82 02 82 81 83 01 00 3E 03 21 0A 00", "invalid IP", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseTerminalResponse(hexdump.Bytes(t, tc.hex))
			if err != nil || r.LocalAddress.String() != tc.local || len(r.Others) != tc.others {
				t.Errorf("%+v, %v", r, err)
			}
		})
	}
}

// TestRefreshAID: a REFRESH's AID (2F, comprehension required as cards
// send it: AF) is read, not refused as not understood (outside testers
// sw119, sw123).
func TestRefreshAID(t *testing.T) {
	c, err := ParseCommand(hexdump.Bytes(t, "D0 1B 81 03 01 01 03 82 02 81 82 AF 10 A0 00 00 00 87 10 02 FF FF FF FF 89 06 19 00 00"))
	if err != nil || !bytes.Equal(c.AID, hexdump.Bytes(t, "A0 00 00 00 87 10 02 FF FF FF FF 89 06 19 00 00")) {
		t.Fatalf("%+v, %v", c, err)
	}
}
