package saip

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/ident"
)

var testProfile = Profile{ICCID: "89331000000000000037", ProfileType: "SFR test profile 1", IMSI: "208100000009001",
	MNCLen: 2, SPN: "SFR", MSISDN: "+33612345678", OperatorPLMNs: []string{"20810", "20801"},
	PIN1: "0000", PUK1: "12345678", ADM1: "88888888",
	Ki: bytes.Repeat([]byte{0x11}, 16), OPc: bytes.Repeat([]byte{0x22}, 16)}

func build(t *testing.T) []byte {
	t.Helper()
	b, err := Build(testProfile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A profile's EHPLMNs go in EF EHPLMN (ef-ehplmn) with EF UST's service
// n°71 and read back; without the service the file's list is not the
// profile's.
func TestBuildParseEHPLMN(t *testing.T) {
	p := testProfile
	p.EHPLMNs = []string{"20810", "20811"}
	b, err := Build(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Profile.EHPLMNs, p.EHPLMNs) {
		t.Errorf("EHPLMNs read back %q, want %q", got.Profile.EHPLMNs, p.EHPLMNs)
	}
	if !bytes.Contains(b, append([]byte{0xBF, 0x3A}, []byte{}...)) {
		t.Error("no ef-ehplmn (BF3A) in the package")
	}
	// The same package with EF UST's service 71 cleared.
	on, off := UST(ServiceEHPLMN), UST()
	i := bytes.Index(b, on)
	if i < 0 {
		t.Fatal("EF UST with service 71 not in the package")
	}
	b2 := slices.Concat(b[:i], off, b[i+len(on):])
	if got, err := Parse(b2); err != nil || got.Profile.EHPLMNs != nil {
		t.Errorf("without service 71: EHPLMNs %q, %v; want none", got.Profile.EHPLMNs, err)
	}
	p.EHPLMNs = []string{"2081"}
	if _, err := Build(p); err == nil {
		t.Error("Build took a bad EHPLMN")
	}
}

func TestBuildParse(t *testing.T) {
	b := build(t)
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want := testProfile
	want.PIN2, want.PUK2 = testProfile.PIN1, testProfile.PUK1 // built from PIN1's and PUK1's
	want.HPPLMN = new(HPPLMNDefault)                          // none given: the default, read back
	if !reflect.DeepEqual(got.Profile, want) || got.EndID != idEnd || got.Size != len(b) {
		t.Fatalf("parsed %+v\nwant   %+v", got, want)
	}
	// A profile package of realistic size: a few KiB.
	if len(b) < 2048 || len(b) > 8192 {
		t.Errorf("package of %d bytes", len(b))
	}
	t.Logf("package: %d bytes", len(b))
}

// The ProfileHeader as PEDefinitions v2.3 encodes it, worked out by hand:
// ProfileElement alternative header [0] → A0; major-version [0] 80 01 02,
// minor-version [1] 81 01 03, profileType [2] 82 len "…", iccid [3] 83 0A
// (EF ICCID coding: swapped BCD), eUICC-Mandatory-services [5] A5 { usim
// [1] 81 00, milenage [4] 84 00 }, eUICC-Mandatory-GFSTEList [6] A6 { 06 06
// 67 81 0F 01 02 01 (2.23.143.1.2.1: 2×40+23 = 103 = 67, 143 in base 128
// = 81 0F, then 1, 2, 1: six bytes), 06 06 67 81 0F 01 02 04 }: A6 10 and,
// with 3+3+3+12+6+18 = 45 bytes in all, A0 2D.
func TestHeaderVector(t *testing.T) {
	p := testProfile
	p.ProfileType = "T"
	want := hexdump.Bytes(t, `A0 2D 800102 810103 820154 830A 98330100000000000073
		A5 04 8100 8400 A6 10 0606 67810F010201 0606 67810F010204`)
	pes, err := tlv.Parse(mustBuild(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if got := pes[0].Bytes(); !bytes.Equal(got, want) {
		t.Errorf("header %X\nwant   %X", got, want)
	}
	// PE-End: end [10] AA { end-header [0] A0 { mandated 80 00, identification 81 01 0A } }.
	if got := pes[len(pes)-1].Bytes(); !bytes.Equal(got, hexdump.Bytes(t, "AA 07 A0 05 8000 81010A")) {
		t.Errorf("end %X", got)
	}
}

func mustBuild(t *testing.T, p Profile) []byte {
	t.Helper()
	b, err := Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// EUICCResponse vectors: SEQUENCE { peStatus [0] SEQUENCE OF PEStatus
// { status [0], identification [1], … }, profileInstallationAborted [1]
// NULL }. The smallest valid one is 30 02 A0 00; one ok status for
// element 10 is 30 06 {80 01 00, 81 01 0A} inside A0 08 inside 30 0A.
func TestEUICCResponseVectors(t *testing.T) {
	tests := []struct {
		r   EUICCResponse
		hex string
	}{
		{EUICCResponse{}, "3002 A000"},
		{EUICCResponse{Status: []PEStatus{{Status: StatusOK, ID: 10, Info: -1, Offset: -1}}}, "300A A008 3006 800100 81010A"},
		{EUICCResponse{Status: []PEStatus{{Status: StatusBadValues, ID: 8, Info: -1, Offset: 1835}}, Aborted: true},
			"3010 A00C 300A 800103 810108 8302072B 8100"},
	}
	for _, tc := range tests {
		want := hexdump.Bytes(t, tc.hex)
		if got := tc.r.Encode(); !bytes.Equal(got, want) {
			t.Errorf("%+v: %X, want %X", tc.r, got, want)
		}
		back, err := DecodeEUICCResponses(want)
		if err != nil || len(back) != 1 || back[0].Aborted != tc.r.Aborted || len(back[0].Status) != len(tc.r.Status) {
			t.Errorf("decode %s: %+v, %v", tc.hex, back, err)
		}
	}
	for _, bad := range []string{"", "3000", "3003 A00100", "3004 A000 8101", "3104 A000 8100"} {
		if _, err := DecodeEUICCResponses(hexdump.Bytes(t, bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// edit re-encodes the package with the element of tag changed by f.
func edit(t *testing.T, tag uint32, f func([]tlv.TLV) []tlv.TLV) []byte {
	t.Helper()
	pes, err := tlv.Parse(build(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, pe := range pes {
		if pe.Tag == tag {
			cs, _ := pe.Children()
			pes[i] = tlv.Constructed(tag, f(cs)...)
		}
	}
	return tlv.Encode(pes...)
}

func replace(tag uint32, v tlv.TLV) func([]tlv.TLV) []tlv.TLV {
	return func(cs []tlv.TLV) []tlv.TLV {
		for i, c := range cs {
			if c.Tag == tag {
				cs[i] = v
			}
		}
		return cs
	}
}

// A card refuses a package it cannot install whole, with the PEStatus the
// specification gives, and skips what it need not understand.
func TestParseRefusals(t *testing.T) {
	good := build(t)
	pes, _ := tlv.Parse(good)
	unknownOptional := tlv.Constructed(0xBF20, tlv.Constructed(0xA0, tlv.Uint(0x81, 99)), tlv.New(0x81, []byte{1}))
	unknownMandated := tlv.Constructed(0xBF20, tlv.Constructed(0xA0, tlv.Null(0x80), tlv.Uint(0x81, 99)))
	withElement := func(extra tlv.TLV) []byte {
		out := append([]tlv.TLV{}, pes[:len(pes)-1]...)
		return tlv.Encode(append(out, extra, pes[len(pes)-1])...)
	}
	tests := []struct {
		name   string
		pkg    []byte
		status int // -1: accepted
	}{
		{"as built", good, -1},
		{"unknown element, not mandated: skipped", withElement(unknownOptional), -1},
		{"unknown element, mandated", withElement(unknownMandated), StatusPENotSupported},
		{"truncated element", good[:len(good)-3], StatusInvalidRequestFormat},
		{"garbage after End", append(append([]byte{}, good...), 0x30, 0x00), StatusInvalidRequestFormat},
		{"no End", tlv.Encode(pes[:len(pes)-1]...), StatusInvalidRequestFormat},
		{"no header", tlv.Encode(pes[1:]...), StatusInvalidRequestFormat},
		{"major version 3", edit(t, TagHeader, replace(0x80, tlv.Uint(0x80, 3))), StatusUnsupportedVersion},
		{"mandatory ISIM", edit(t, TagHeader, replace(0xA5, tlv.Constructed(0xA5, tlv.Null(0x81), tlv.Null(0x82)))), StatusFeatureNotSupported},
		{"unknown template", edit(t, TagHeader, replace(0xA6, tlv.Constructed(0xA6, tlv.New(0x06, []byte{0x67, 0x81, 0x0F, 1, 2, 99})))), StatusTemplateNotSupported},
		{"EF ICCID of another profile", edit(t, TagMF, replace(0xA4, tlv.Constructed(0xA4, tlv.New(0x83, bytes.Repeat([]byte{0x98}, 10))))), StatusBadValues},
		{"MF of the USIM template", edit(t, TagMF, replace(0x81, tlv.New(0x81, oidValue(OIDTemplateUSIM)))), StatusTemplateNotSupported},
		{"EF IMSI not an IMSI", edit(t, TagUSIM, replace(0xA3, tlv.Constructed(0xA3, tlv.New(0x83, []byte{0x09, 0x0F})))), StatusBadValues},
		{"Fcp fileID of 3 bytes", edit(t, TagUSIM, replace(0xA2, tlv.Constructed(0xA2, tlv.Constructed(0xA1, tlv.New(0x83, []byte{1, 2, 3}))))), StatusBadValues},
		{"PIN unblocked by an unknown PUK", edit(t, TagPUKCodes, replace(0xA1, tlv.Constructed(0xA1,
			tlv.Constructed(0x30, tlv.Uint(0x80, 2), tlv.New(0x81, []byte("12345678")))))), StatusBadValues},
		{"TUAK", edit(t, TagAKAParameter, replace(0xA1, tlv.Constructed(0xA1, tlv.Constructed(0xA1, tlv.Uint(0x80, 2),
			tlv.New(0x81, []byte{0}), tlv.New(0x82, make([]byte, 16)), tlv.New(0x83, make([]byte, 32)))))), StatusFeatureNotSupported},
		{"Milenage key of 15 bytes", edit(t, TagAKAParameter, replace(0xA1, tlv.Constructed(0xA1, tlv.Constructed(0xA1, tlv.Uint(0x80, 1),
			tlv.New(0x81, []byte{0}), tlv.New(0x82, make([]byte, 15)), tlv.New(0x83, make([]byte, 16)))))), StatusBadValues},
		{"identification twice", edit(t, TagUSIM, replace(0xA0, tlv.Constructed(0xA0, tlv.Null(0x80), tlv.Uint(0x81, idMF)))), StatusInvalidParameter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.pkg)
			var pe *PEError
			switch {
			case tc.status < 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.status < 0:
			case !errors.As(err, &pe) || pe.Status != tc.status:
				t.Fatalf("got %v, want status %d", err, tc.status)
			case !errors.Is(err, ErrPackage):
				t.Fatalf("%v does not wrap ErrPackage", err)
			}
		})
	}
}

// FuzzParse: no input panics Parse, and what it accepts names a valid
// ICCID and IMSI, and a number, if any, a card can hold.
func FuzzParse(f *testing.F) {
	b, _ := Build(testProfile)
	f.Add(b)
	f.Add(b[:100])
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err == nil && (p.Profile.ICCID == "" || p.Profile.IMSI == "" || p.Profile.MSISDN != "" && !ident.IsMSISDN(p.Profile.MSISDN)) {
			t.Fatalf("accepted %X as %+v", b, p)
		}
	})
}

func TestSPN(t *testing.T) {
	tests := []struct{ name, want string }{
		{"SFR", "01534652FFFFFFFFFFFFFFFFFFFFFFFFFF"},
		{"", "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"},
		{"Operator-of-seventeen", "014F70657261746F722D6F662D73657665"},
		{"中国移动", "0180" + "4E2D56FD79FB52A8" + "FFFFFFFFFFFFFF"},
		{"Élan Télécom Fra", "0180" + "00C9006C0061006E0020005400E9" + "FF"}, // 7 characters, then cut
	}
	for _, tt := range tests {
		b := SPN(tt.name)
		if got := fmt.Sprintf("%X", b); got != tt.want {
			t.Errorf("SPN(%q) = %s, want %s", tt.name, got, tt.want)
		}
		if back := SPNName(b); !strings.HasPrefix(tt.name, back) || len(back) == 0 && tt.name != "" {
			t.Errorf("SPNName(SPN(%q)) = %q", tt.name, back)
		}
	}
}

// The package carries each USIM file as the builders make it (the card
// serves the same builders): read back the way the card's parser reads a
// File, the bytes a sparse File skips being the FF the file holds.
func TestPackageFiles(t *testing.T) {
	home := [3]byte{0x02, 0xF8, 0x01} // 20810
	tests := []struct {
		pe   uint32 // profile element
		tag  uint32 // its File component
		name string
		want []byte
	}{
		{TagUSIM, 0xA4, "ARR", bytes.Join(ARR(), nil)},
		{TagUSIM, 0xA5, "Keys", Keys()},
		{TagUSIM, 0xA6, "KeysPS", Keys()},
		{TagUSIM, 0xA8, "UST", UST()},
		{TagUSIM, 0xAA, "SMS", bytes.Join(SMS(), nil)},
		{TagUSIM, 0xAB, "SMSP", SMSP()},
		{TagUSIM, 0xAC, "SMSS", SMSS()},
		{TagUSIM, 0xAF, "START-HFN", StartHFN()},
		{TagUSIM, 0xB0, "THRESHOLD", Threshold()},
		{TagUSIM, 0xB4, "LOCI", LOCI(home)},
		{TagUSIM, 0xB7, "NETPAR", NETPAR()},
		{TagUSIM, 0xB8, "EPSLOCI", EPSLOCI(home)},
		{TagUSIM, 0xB9, "EPSNSC", EPSNSC()},
		{TagOptUSIM, 0xA2, "LI", LI()},
	}
	pes, err := tlv.Parse(build(t))
	if err != nil {
		t.Fatal(err)
	}
	files := map[uint32]map[uint32][]byte{}
	for _, pe := range pes {
		if pe.Tag != TagUSIM && pe.Tag != TagOptUSIM {
			continue
		}
		c, err := children(pe, peAt(0))
		if err != nil {
			t.Fatal(err)
		}
		if files[pe.Tag], err = content(c, peAt(0)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := files[tc.pe][tc.tag]
			if !ok {
				t.Fatalf("element %X has no file %X", tc.pe, tc.tag)
			}
			if len(got) > len(tc.want) {
				t.Fatalf("%d bytes, the file holds %d", len(got), len(tc.want))
			}
			got = append(got, bytes.Repeat([]byte{0xFF}, len(tc.want)-len(got))...)
			if !bytes.Equal(got, tc.want) {
				t.Errorf("%X\nwant %X", got, tc.want)
			}
		})
	}
}

func peAt(off int) pe { return pe{id: -1, off: off} }

// sparseFile skips only long runs of FF, and never writes past the end.
func TestSparseFile(t *testing.T) {
	tests := []struct{ content, want string }{
		{"", "AA00"},
		{"00" + strings.Repeat("FF", 175) + "00" + strings.Repeat("FF", 175), "AA0A 830100 820200AF 830100"},
		{"0102FFFF03", "AA07 83050102FFFF03"},
		{strings.Repeat("FF", 8) + "01", "AA06 820108 830101"},
		{"07" + strings.Repeat("FF", 7), "AA0A 830807" + strings.Repeat("FF", 7)},
	}
	for _, tc := range tests {
		got := sparseFile(0xAA, hexdump.Bytes(t, tc.content)).Bytes()
		if want := hexdump.Bytes(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("sparseFile(%s) = %X, want %X", tc.content, got, want)
		}
	}
}

// The default contents TS 31.102 gives these files, byte by byte.
func TestUSIMFileVectors(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"LI: en, two unused", LI(), "656E FFFF FFFF"},
		{"Keys: KSI 07, no CK, no IK", Keys(), "07" + strings.Repeat("FF", 32)},
		{"START-HFN: START-CS 0, START-PS 0", StartHFN(), "F00000 F00000"},
		{"THRESHOLD", Threshold(), "FFFFFF"},
		{"SMSS", SMSS(), "FFFF"},
		{"NETPAR", NETPAR(), strings.Repeat("FF", 128)},
		{"SMS record: free", SMS()[9], "00" + strings.Repeat("FF", 175)},
		{"EPSNSC: KSI 07", EPSNSC(), "A034 800107 8120" + strings.Repeat("FF", 32) + " 820400000000 830400000000 840100" +
			strings.Repeat("FF", 80-54)},
	}
	for _, tc := range tests {
		if want := hexdump.Bytes(t, tc.want); !bytes.Equal(tc.got, want) {
			t.Errorf("%s: %X\nwant %X", tc.name, tc.got, want)
		}
	}
	if n := len(SMS()); n != SMSRecords {
		t.Errorf("EF SMS: %d records", n)
	}
}

// EF MSISDN records both ways (TS 31.102 §4.2.26, TS 24.008 §10.5.4.7):
// what MSISDN writes reads back, and records other cards write (another
// alpha identifier length, an odd digit count) read as their number.
func TestMSISDN(t *testing.T) {
	ff := func(n int) string { return strings.Repeat("FF", n) }
	tests := []struct {
		name, number string
		record       string // hex; "" when MSISDN writes it
		tonNPI       byte
		err          string
	}{
		{name: "international", number: "+33612345678", tonNPI: 0x91},
		{name: "national, odd digits", number: "0612345678", tonNPI: 0x81},
		{name: "odd digits", number: "+861380013800", tonNPI: 0x91},
		{name: "20 digits", number: "12345678901234567890", tonNPI: 0x81},
		{name: "one digit", number: "1", tonNPI: 0x81},
		{name: "empty", number: ""},
		{name: "alpha of 10 bytes", number: "+4915112345678", tonNPI: 0x91,
			record: "4D79206E756D626572FF" + "0891" + "945111325476F8" + ff(3) + "FFFF"},
		{name: "TON international, other NPI", number: "+123", tonNPI: 0x99, record: ff(14) + "0399" + "21F3" + ff(8) + "FFFF"},
		{name: "short record", record: ff(13), err: "13 bytes"},
		{name: "length 12", record: ff(14) + "0C91" + ff(12), err: "number length 12"},
		{name: "length 1: no digits", record: ff(14) + "0191" + ff(12), err: "number length 1"},
		{name: "all filler", record: ff(14) + "0291" + ff(12), err: "no digits"},
		{name: "hex digit", record: ff(14) + "0281" + "A1" + ff(11), err: "EF MSISDN number A1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := MSISDN(tc.number)
			if tc.record != "" {
				var err error
				if rec, err = hex.DecodeString(tc.record); err != nil {
					t.Fatal(err)
				}
			} else if len(rec) != MSISDNRecordLen {
				t.Fatalf("record of %d bytes", len(rec))
			}
			got, ton, err := ParseMSISDN(rec)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("%X: err %v, want %q", rec, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.number || ton != tc.tonNPI {
				t.Fatalf("%X reads %q %02X %v, want %q %02X", rec, got, ton, err, tc.number, tc.tonNPI)
			}
		})
	}
}

// EF MSISDN as other SM-DP+s write it reads back: the template's record
// of 24 bytes without an Fcp, content that stops before the record's end
// (the rest is filler), no EF MSISDN at all; a number that is none is
// refused with bad values.
func TestParseMSISDNForms(t *testing.T) {
	tail := append(bytes.Repeat([]byte{0xFF}, 10), MSISDN("+33612345678")[14:]...) // 24-byte record
	file := func(parts ...tlv.TLV) []byte {
		return edit(t, TagOptUSIM, replace(0xA7, tlv.Constructed(0xA7, parts...)))
	}
	tests := []struct {
		name, want string
		pkg        []byte
		status     int // 0: accepted
	}{
		{"as built", "+33612345678", build(t), 0},
		{"template's 24-byte record, no Fcp", "+33612345678", file(tlv.New(0x83, tail)), 0},
		{"content cut after the number", "+33612345678", file(tlv.New(0x83, tail[:18])), 0},
		{"content cut inside the number: the rest is filler", "+3361", file(tlv.New(0x83, tail[:14])), 0},
		{"empty record", "", file(tlv.New(0x83, bytes.Repeat([]byte{0xFF}, 24))), 0},
		{"not created", "", file(tlv.Null(0x80)), 0},
		{"no EF MSISDN", "", edit(t, TagOptUSIM, func(cs []tlv.TLV) []tlv.TLV {
			return slices.DeleteFunc(cs, func(c tlv.TLV) bool { return c.Tag == 0xA7 })
		}), 0},
		{"number length 12", "", file(tlv.New(0x83, append(bytes.Repeat([]byte{0xFF}, 10), 0x0C, 0x91))), StatusBadValues},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.pkg)
			var pe *PEError
			switch {
			case tc.status != 0 && (!errors.As(err, &pe) || pe.Status != tc.status):
				t.Fatalf("got %v, want status %d", err, tc.status)
			case tc.status != 0:
			case err != nil:
				t.Fatalf("refused: %v", err)
			case got.Profile.MSISDN != tc.want:
				t.Fatalf("MSISDN %q, want %q", got.Profile.MSISDN, tc.want)
			}
		})
	}
}
