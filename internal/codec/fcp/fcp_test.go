package fcp

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The templates here are written from TS 102 221 §11.1.1.3's tables, in
// the form cards answer a SELECT with P2 04.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, fcp string
		want      Template
		reencodes bool // Bytes gives the same bytes back
	}{
		{"EF IMSI: transparent, SFI 07",
			"62 17 8202 4121 8302 6F07 8A01 05 8B03 6F0602 8002 0009 8801 38",
			Template{Descriptor: Descriptor{Structure: Transparent, Shareable: true}, FID: 0x6F07, LifeCycle: 5,
				ARRFile: 0x6F06, ARRRecord: 2, Size: 9, SFI: 7}, true},
		{"EF MSISDN: linear fixed, two records of 28 bytes, no SFI",
			"62 19 8205 4221001C02 8302 6F40 8A01 05 8B03 6F0605 8002 0038 8800",
			Template{Descriptor: Descriptor{Structure: LinearFixed, Shareable: true, RecLen: 28, Records: 2}, FID: 0x6F40,
				LifeCycle: 5, ARRFile: 0x6F06, ARRRecord: 5, Size: 56}, true},
		{"MF: UICC characteristics and a PIN status template",
			"62 23 8202 7821 8302 3F00 A503 800171 8A01 05 8B03 2F060A C60C 900140 830101 83010A 950108",
			Template{Descriptor: Descriptor{Structure: DF, Shareable: true}, FID: 0x3F00, UICC: []byte{0x71}, LifeCycle: 5,
				ARRFile: 0x2F06, ARRRecord: 10, PINs: []PINState{{0x01, false}, {0x0A, true}}}, false},
		{"ADF USIM by its AID",
			"62 2F 8202 7821 8410 A0000000871002FF33FF018900000100 8A01 05 8B03 2F0602 C60F 900160 830101 830181 83010A 950108",
			Template{Descriptor: Descriptor{Structure: DF, Shareable: true}, FID: 0,
				AID: unhex(t, "A0000000871002FF33FF018900000100"), LifeCycle: 5, ARRFile: 0x2F06, ARRRecord: 2,
				PINs: []PINState{{0x01, false}, {0x81, true}, {0x0A, true}}}, false},
		{"no 88: the SFI is the FID's five low bits",
			"62 14 8202 4121 8302 6F07 8A01 05 8B03 6F0602 8002 0009",
			Template{Descriptor: Descriptor{Structure: Transparent, Shareable: true}, FID: 0x6F07, LifeCycle: 5,
				ARRFile: 0x6F06, ARRRecord: 2, Size: 9, SFI: 7}, false},
		{"security environments: the first one's record",
			"62 17 8202 0121 8302 6F7E 8B06 6F0601020005 8002 000B 8801 58",
			Template{Descriptor: Descriptor{Structure: Transparent}, FID: 0x6F7E, ARRFile: 0x6F06, ARRRecord: 2, Size: 11, SFI: 11}, false},
		{"an internal cyclic EF, a total file size (81) and a proprietary DO skipped",
			"62 18 8205 0E21000A05 8302 6F39 8002 0032 8102 0040 C701 00 8800",
			Template{Descriptor: Descriptor{Structure: Cyclic, RecLen: 10, Records: 5}, FID: 0x6F39, Size: 50}, false},
		{"a BER-TLV EF",
			"62 0C 8202 7921 8302 6F5B 8002 0100",
			Template{Descriptor: Descriptor{Structure: BERTLV, Shareable: true}, FID: 0x6F5B, Size: 256, SFI: 0x1B}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, tc.fcp)
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse:\n got %+v\nwant %+v", got, tc.want)
			}
			if enc := got.Bytes(); tc.reencodes && !reflect.DeepEqual(enc, b) {
				t.Fatalf("Bytes: %X, want %X", enc, b)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ name, fcp, want string }{
		{"empty", "", "malformed BER-TLV"},
		{"not 62", "6F 04 8202 4121", "not one FCP template"},
		{"bytes after it", "62 04 8202 4121 00", "not one FCP template"},
		{"a length past the end", "62 08 8202 4121", "malformed BER-TLV"},
		{"no file descriptor", "62 04 8302 6F07", "no file descriptor"},
		{"a descriptor of one byte", "62 03 8201 41", "at least 2 bytes"},
		{"a record EF's descriptor of 2 bytes", "62 04 8202 4221", "want 4 or 5 bytes"},
		{"a transparent EF's descriptor of 5 bytes", "62 07 8205 4121001C02", "want 2 bytes"},
		{"record length 0", "62 07 8205 4221000002", "record length 0"},
		{"0 records", "62 07 8205 4221001C00", "0 records"},
		{"b8 of the descriptor byte", "62 04 8202 C121", "RFU"},
		{"an unknown structure", "62 04 8202 4321", "no known file structure"},
		{"an unknown file type", "62 04 8202 5121", "no known file structure"},
		{"a DO twice", "62 08 8202 4121 8202 4121", "twice"},
		{"a file id of 3 bytes", "62 09 8202 4121 8303 6F0700", "file identifier"},
		{"an SFI with b3-b1 set", "62 07 8202 4121 8801 39", "short file identifier"},
		{"an SFI of 0", "62 07 8202 4121 8801 00", "short file identifier"},
		{"security attributes of 5 bytes", "62 0B 8202 4121 8B05 6F06010200", "security attributes"},
		{"a file size of 5 bytes", "62 0B 8202 4121 8005 0000000009", "file size"},
		{"a life cycle of 2 bytes", "62 08 8202 4121 8A02 0505", "life cycle"},
		{"a PIN status template without PS_DO", "62 09 8202 7821 C603 830101", "no PS_DO"},
		{"more keys than PS_DO bits", "62 27 8202 7821 C61E 900100" + strings.Repeat("830101", 9) + "8A0105", "key reference 9"},
		{"a PIN status template with another DO", "62 0C 8202 7821 C606 900180 800101", "tag 80"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(unhex(t, tc.fcp))
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: %v, want ErrMalformed with %q", err, tc.want)
			}
		})
	}
}

func TestDescriptorBytes(t *testing.T) {
	for _, tc := range []struct {
		d    Descriptor
		want string
	}{
		{Descriptor{Structure: DF, Shareable: true}, "7821"},
		{Descriptor{Structure: Transparent, Shareable: true}, "4121"},
		{Descriptor{Structure: Transparent}, "0121"},
		// A SELECT's answer, then a CREATE FILE's or a profile package's.
		{Descriptor{Structure: LinearFixed, Shareable: true, RecLen: 28, Records: 2}, "4221001C02"},
		{Descriptor{Structure: LinearFixed, Shareable: true, RecLen: 260}, "42210104"},
		{Descriptor{Structure: Cyclic, RecLen: 10, Records: 5}, "0621000A05"},
		{Descriptor{Structure: BERTLV, Shareable: true}, "7921"},
	} {
		got := tc.d.Bytes()
		if hex.EncodeToString(got) != strings.ToLower(tc.want) {
			t.Errorf("%+v: %X, want %s", tc.d, got, tc.want)
		}
		back, err := ParseDescriptor(got)
		if err != nil || back != tc.d {
			t.Errorf("ParseDescriptor(%X) = %+v, %v; want %+v", got, back, err, tc.d)
		}
	}
}

func TestPINStatusTemplate(t *testing.T) {
	for _, tc := range []struct {
		name string
		pins []PINState
		want string
	}{
		{"MF: PIN1 disabled, ADM1 enabled", []PINState{{0x01, false}, {0x0A, true}}, "900140 830101 83010A"},
		{"USIM: PIN1 enabled, PIN2 and ADM1 enabled", []PINState{{0x01, true}, {0x81, true}, {0x0A, true}}, "9001E0 830101 830181 83010A"},
		{"nine keys: a second PS_DO byte", []PINState{{1, false}, {2, false}, {3, false}, {4, false}, {5, false}, {6, false}, {7, false}, {8, false}, {0x0A, true}},
			"90020080 830101 830102 830103 830104 830105 830106 830107 830108 83010A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.want)
			got := PINStatusTemplate(tc.pins)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%X, want %X", got, want)
			}
			back, err := ParsePINStatusTemplate(got)
			if err != nil || !reflect.DeepEqual(back, tc.pins) {
				t.Fatalf("ParsePINStatusTemplate: %v, %v", back, err)
			}
		})
	}
}

// FuzzParse: any input is a template or an ErrMalformed, and a template
// read survives its own encoding.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"62178202412183026F078A01058B036F0602800200098801 38",
		"62198205422100 1C0283026F408A01058B036F06058002003888 00",
		"622382027821 83023F00A503800171 8A01058B032F060AC60C900140830101 83010A950108",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tpl, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%X: %v is no ErrMalformed", b, err)
			}
			return
		}
		if tpl.Descriptor.Structure.Records() && (tpl.Descriptor.RecLen > 0xFFFF || tpl.Descriptor.Records > 255) {
			t.Fatalf("%X: %+v", b, tpl.Descriptor)
		}
		if tpl.Size > 0xFFFF || len(tpl.PINs) > 16 {
			return // a template Bytes does not write (81-sized files, many keys)
		}
		again, err := Parse(tpl.Bytes())
		if err != nil {
			t.Fatalf("%X: its encoding %X: %v", b, tpl.Bytes(), err)
		}
		if tpl.Descriptor.Structure == DF {
			tpl.Size, tpl.SFI, again.Size, again.SFI = 0, 0, 0, 0 // Bytes writes neither for a DF
		} else {
			tpl.PINs, again.PINs = nil, nil // nor PINs for an EF
		}
		if len(tpl.PINs) == 0 && len(again.PINs) == 0 {
			tpl.PINs, again.PINs = nil, nil
		}
		if !reflect.DeepEqual(again, tpl) {
			t.Fatalf("%X:\n read  %+v\n again %+v", b, tpl, again)
		}
	})
}
