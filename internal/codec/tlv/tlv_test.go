package tlv

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

func TestParseVectors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		tag  uint32
		cons bool
		val  string
	}{
		// SGP.22 §5.7.20 GetEuiccDataRequest with tagList 5A (EID).
		{"GetEuiccData EID", "BF3E 03 5C015A", 0xBF3E, true, "5C015A"},
		{"ProfileInfo state", "9F70 01 01", 0x9F70, false, "01"},
		{"signature 5F37", "5F37 02 AABB", 0x5F37, false, "AABB"},
		{"context A0 empty", "A0 00", 0xA0, true, ""},
		{"E3 with ICCID", "E3 0C 5A0A 98001032547698103214", 0xE3, true, "5A0A98001032547698103214"},
		{"three-byte tag", "BF8101 02 8000", 0xBF8101, true, "8000"},
		{"length 7F short", "80 7F" + strings.Repeat("07", 0x7F), 0x80, false, strings.Repeat("07", 0x7F)},
		{"length 81", "80 81 80" + strings.Repeat("07", 0x80), 0x80, false, strings.Repeat("07", 0x80)},
		{"length 82", "80 82 0100" + strings.Repeat("07", 0x100), 0x80, false, strings.Repeat("07", 0x100)},
		{"length 83", "80 83 010000" + strings.Repeat("07", 0x10000), 0x80, false, strings.Repeat("07", 0x10000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := Parse(hexdump.Bytes(t, tc.hex))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(list) != 1 {
				t.Fatalf("got %d objects, want 1", len(list))
			}
			got := list[0]
			if got.Tag != tc.tag || got.IsConstructed() != tc.cons || !bytes.Equal(got.Value, hexdump.Bytes(t, tc.val)) {
				t.Errorf("got tag %X cons %v value %X; want %X %v %s", got.Tag, got.IsConstructed(), got.Value, tc.tag, tc.cons, tc.val)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, hex string }{
		{"empty tag byte 00", "00 00"},
		{"tag FF", "FF 00"},
		{"truncated tag", "BF"},
		{"tag four bytes", "BF818181 00"},
		{"missing length", "5A"},
		{"indefinite", "A0 80 0000"},
		{"length 84", "80 84 00000001 00"},
		{"truncated length", "80 82 01"},
		{"value beyond buffer", "5A 05 0102"},
		{"bad child", "A0 02 5A 05"},
		{"trailing garbage", "5A 01 00 BF"},
		// Lengths not in DER form (X.690 §10.1), the sw6 report's
		// requests among them.
		{"GetEID outer length 81 03", "BF3E 81 03 5C015A"},
		{"GetEID outer length 82 00 03", "BF3E 82 0003 5C015A"},
		{"GetEID inner length 81 01", "BF3E 04 5C 81 01 5A"},
		{"GetEUICCInfo2 length 81 00", "BF22 81 00"},
		{"SetNickname outer length 81 1A", "BF29 81 1A 5A0A98680000000000000091 900C 6D79206E69636B6E616D6521"},
		{"AuthenticateServerResponse 83 00 05 7F", "BF38 83 00057F" + strings.Repeat("00", 0x57F)},
		{"length 81 7F", "80 81 7F" + strings.Repeat("00", 0x7F)},
		{"length 82 00 80", "80 82 0080" + strings.Repeat("00", 0x80)},
		{"length 82 00 FF", "80 82 00FF" + strings.Repeat("00", 0xFF)},
		{"length 83 00 01 00", "80 83 000100" + strings.Repeat("00", 0x100)},
		{"length 83 00 FF FF", "80 83 00FFFF" + strings.Repeat("00", 0xFFFF)},
		// Tags not in their one encoding (X.690 §8.1.2.3, §8.1.2.4.2 c),
		// the sw9 report's among them.
		{"tag 2 in the long form", "A0 04 9F02 01 00"},
		{"tag number with a leading zero octet", "A0 05 9F8040 01 00"},
		{"tag 30 in the long form", "9F1E 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(hexdump.Bytes(t, tc.hex))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(%s) error = %v, want ErrMalformed", tc.hex, err)
			}
		})
	}
}

// ParseOne and Children hold lengths to DER as Parse does.
func TestNonDERLengthEverywhere(t *testing.T) {
	if _, _, err := ParseOne(hexdump.Bytes(t, "5A 81 01 00 9000")); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseOne of 5A 81 01: %v", err)
	}
	if _, _, err := ParseOne(hexdump.Bytes(t, "A0 04 5A 81 01 00")); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseOne of a child 5A 81 01: %v", err)
	}
	if _, err := (TLV{Tag: 0xA0, Value: hexdump.Bytes(t, "5A 82 0001 00")}).Children(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Children of 5A 82 00 01: %v", err)
	}
}

// Canonical rewrites BER lengths as DER's for the host-side readers, and
// leaves DER and what is not BER-TLV as it is.
func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"DER already", "BF3E 03 5C015A", "BF3E035C015A"},
		{"outer 81 03", "BF3E 81 03 5C015A", "BF3E035C015A"},
		{"outer 82 00 03", "BF3E 82 0003 5C015A", "BF3E035C015A"},
		{"inner 81 01, outer shrinks", "BF3E 04 5C 81 01 5A", "BF3E035C015A"},
		{"empty 81 00", "BF22 81 00", "BF2200"},
		{"two objects", "5A 81 01 01 5A 82 0001 02", "5A01015A0102"},
		{"83 00 00 80 stays long", "80 83 000080" + strings.Repeat("00", 0x80), "80 81 80" + strings.Repeat("00", 0x80)},
		{"not BER-TLV", "BF3E 05 5C", "BF3E055C"},
		{"indefinite", "A0 80 0000", "A0800000"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := hexdump.Bytes(t, tc.in)
			got := Canonical(in)
			if want := hexdump.Bytes(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("Canonical(%s) = %X, want %X", tc.in, got, want)
			}
			if bytes.Equal(got, in) && len(in) > 0 && &got[0] != &in[0] {
				t.Errorf("Canonical(%s) copied an unchanged input", tc.in)
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	build := func(depth int) []byte {
		t := New(0x80, nil)
		for i := 0; i < depth-1; i++ {
			t = Constructed(0xA0, t)
		}
		return t.Bytes()
	}
	if _, err := Parse(build(MaxDepth)); err != nil {
		t.Fatalf("depth %d rejected: %v", MaxDepth, err)
	}
	if _, err := Parse(build(MaxDepth + 1)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("depth %d accepted (err %v)", MaxDepth+1, err)
	}
}

func TestEncodeVectors(t *testing.T) {
	tests := []struct {
		name string
		obj  TLV
		want string
	}{
		{"GetEuiccData", Constructed(0xBF3E, New(0x5C, []byte{0x5A})), "BF3E035C015A"},
		{"EnableProfile by ICCID", Constructed(0xBF31,
			Constructed(0xA0, New(0x5A, hexdump.Bytes(t, "98001032547698103214"))),
			New(0x81, []byte{0xFF})), "BF3111A00C5A0A980010325476981032148101FF"},
		{"long 81", New(0x80, make([]byte, 0x80)), "8081 80" + strings.Repeat("00", 0x80)},
		{"long 82", New(0x80, make([]byte, 0x100)), "808201 00" + strings.Repeat("00", 0x100)},
		{"long 83", New(0x80, make([]byte, 0x10000)), "8083010000" + strings.Repeat("00", 0x10000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := tc.obj.Bytes(), hexdump.Bytes(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("got %X, want %X", got, want)
			}
			// AppendHeader writes what Bytes puts before the value.
			want := tc.obj.Bytes()
			if got := AppendHeader([]byte{0xEE}, tc.obj.Tag, len(tc.obj.Value)); !bytes.Equal(got, append([]byte{0xEE}, want[:len(want)-len(tc.obj.Value)]...)) {
				t.Errorf("AppendHeader gave %X, want EE then %X", got, want[:len(want)-len(tc.obj.Value)])
			}
		})
	}
}

func TestFindAndChildren(t *testing.T) {
	b := hexdump.Bytes(t, "BF2D 14 A0 12 E3 10 5A0A98001032547698103214 9F7001 01")
	list, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	a0, ok := list[0].Find(0xA0)
	if !ok {
		t.Fatal("A0 not found")
	}
	e3, ok := a0.Find(0xE3)
	if !ok {
		t.Fatal("E3 not found")
	}
	st, ok := e3.Find(0x9F70)
	if !ok || !bytes.Equal(st.Value, []byte{1}) {
		t.Fatalf("9F70 = %X, %v", st.Value, ok)
	}
	if _, ok := e3.Find(0x4F); ok {
		t.Error("found absent tag 4F")
	}
	if _, err := st.Children(); !errors.Is(err, ErrMalformed) {
		t.Errorf("Children of primitive: %v", err)
	}
}

func TestParseOne(t *testing.T) {
	obj, rest, err := ParseOne(hexdump.Bytes(t, "5A0101 9000"))
	if err != nil || obj.Tag != 0x5A || !bytes.Equal(rest, []byte{0x90, 0x00}) {
		t.Fatalf("ParseOne = %v %X %v", obj, rest, err)
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// re-encodes to a form it parses to the same tags and values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"BF3E035C015A", "BF2D00", "A0 80 0000", "8083010000", "9F7001 01 5F3700", "BF818101 00"} {
		f.Add(hexdump.Bytes(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		list, err := Parse(b)
		if err != nil {
			return
		}
		again, err := Parse(Encode(list...))
		if err != nil {
			t.Fatalf("re-encoding of accepted input rejected: %v", err)
		}
		if len(again) != len(list) {
			t.Fatalf("round trip changed count %d → %d", len(list), len(again))
		}
		for i := range list {
			if list[i].Tag != again[i].Tag || !bytes.Equal(list[i].Value, again[i].Value) {
				t.Fatalf("object %d changed: %X %X → %X %X", i, list[i].Tag, list[i].Value, again[i].Tag, again[i].Value)
			}
		}
	})
}

// FuzzCanonical checks that whatever Canonical changes parses strictly
// to the same tags, and that it changes nothing Parse accepts.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"BF3E035C015A", "BF3E81035C015A", "BF3E045C81015A", "A0 80 0000", "80830000800000", "A0 81 03 5A 81 00"} {
		f.Add(hexdump.Bytes(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := Canonical(b)
		if _, err := Parse(b); err == nil {
			if !bytes.Equal(got, b) {
				t.Fatalf("DER input %X rewritten as %X", b, got)
			}
			return
		}
		if bytes.Equal(got, b) {
			return // not BER-TLV: left for the strict decoder to refuse
		}
		if _, err := Parse(got); err != nil {
			t.Fatalf("Canonical(%X) = %X, which Parse refuses: %v", b, got, err)
		}
	})
}

func TestParseTags(t *testing.T) {
	got, err := ParseTags(hexdump.Bytes(t, "5A 9F70 91 BF8101"))
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{0x5A, 0x9F70, 0x91, 0xBF8101}
	if len(got) != len(want) {
		t.Fatalf("got %X", got)
	}
	for i := range want {
		if got[i] != want[i] || !bytes.Equal(TagBytes(got[i]), TagBytes(want[i])) {
			t.Errorf("tag %d = %X, want %X", i, got[i], want[i])
		}
	}
	if _, err := ParseTags(hexdump.Bytes(t, "5A 9F")); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated tag list: %v", err)
	}
}

func TestFirstTag(t *testing.T) {
	for _, tc := range []struct {
		in  []byte
		tag uint32
		ok  bool
	}{
		{[]byte{0xBF, 0x2E, 0x00}, 0xBF2E, true},       // GetEuiccChallenge, whole
		{[]byte{0xBF, 0x38, 0x82, 0x02}, 0xBF38, true}, // AuthenticateServer's first block
		{[]byte{0x5A, 0x0A}, 0x5A, true},
		{[]byte{0xBF}, 0, false},                   // cut inside the tag
		{[]byte{0xBF, 0x81, 0x81, 0x01}, 0, false}, // longer than the codec takes
		{[]byte{0x00}, 0, false},
		{nil, 0, false},
	} {
		tag, ok := FirstTag(tc.in)
		if tag != tc.tag && tc.ok || ok != tc.ok {
			t.Errorf("FirstTag(% X) = %X, %v; want %X, %v", tc.in, tag, ok, tc.tag, tc.ok)
		}
	}
}
