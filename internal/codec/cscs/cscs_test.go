package cscs

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// TestEncode: each set's bytes for names ASCII and not (TS 23.038
// §6.2.1 and its extension table; 27.007 §5.5), hexdump beside the text.
func TestEncode(t *testing.T) {
	for _, c := range []struct {
		cs, text, want string // want: hex
	}{
		{IRA, "Orange F", "4f72616e67652046"},
		{GSM, "Orange F", "4f72616e67652046"},
		{IRA, "Télécom Libre", "543f6c3f636f6d204c69627265"},
		{GSM, "Télécom Libre", "54056c05636f6d204c69627265"},
		{GSM, "Türk Telekom", "547e726b2054656c656b6f6d"},
		{IRA, "Türk Telekom", "543f726b2054656c656b6f6d"},
		// '@' is 0x00, '$' 0x02, '_' 0x11 in the default alphabet.
		{GSM, "a@b$c_d", "61006202631164"},
		{IRA, "a@b$c_d", "61406224635f64"},
		// The extension table: ESC and the code.
		{GSM, "€[x]", "1b651b3c781b3e"},
		{GSM, "{}\\^~|", "1b281b291b2f1b141b3d1b40"},
		{IRA, "€[x]", "3f5b785d"},
		// Greek capitals GSM has; small ones it lacks.
		{GSM, "ΔΦΓ", "101213"},
		{GSM, "Ελληνικά", "3f3f3f3f3f3f3f3f"},
		{GSM, "中国移动", "3f3f3f3f"},
		{IRA, "中国移动", "3f3f3f3f"},
		{GSM, "a\nb", "613f62"},
		{UCS2, "Té", "0054" + "00e9"},
		{UCS2, "中国", "4e2d" + "56fd"},
		{UCS2, "😀", "d83d" + "de00"},
	} {
		got := Encode(c.cs, c.text)
		if c.cs != UCS2 { // UCS2 is hex already, upper case
			got = hex.EncodeToString([]byte(got))
		} else {
			c.want = strings.ToUpper(c.want)
		}
		if got != c.want {
			t.Errorf("Encode(%s, %q) = %s, want %s", c.cs, c.text, got, c.want)
		}
	}
}

// TestRoundTrip: what a set holds comes back as it went.
func TestRoundTrip(t *testing.T) {
	names := map[string][]string{
		IRA:  {"Orange F", "a@b$c_d [x] {y} ~|\\^"},
		GSM:  {"Orange F", "Télécom Libre", "Türk Telekom", "a@b$c_d", "€[x]{y}\\^~|", "ΔΦΓΛΩΠΨΣΘΞ", "ÆæßÉ¡¿§¤£¥èéùìòÇØøÅåÄÖÑÜäöñüà"},
		UCS2: {"Télécom Libre", "Ελληνικά", "中国移动", "😀 a@b"},
	}
	for cs, texts := range names {
		for _, text := range texts {
			got, err := Decode(cs, Encode(cs, text))
			if err != nil || got != text {
				t.Errorf("%s: %q came back %q, %v", cs, text, got, err)
			}
		}
	}
}

// TestDecode: what is no string in the set is an error; an escape to an
// undefined code reads as the default alphabet's (23.038 §6.2.1.1).
func TestDecode(t *testing.T) {
	for _, c := range []struct {
		cs, in, want string
		bad          bool
	}{
		{GSM, "T\x05l\x05com", "Télécom", false},
		{GSM, "\x00\x02\x11", "@$_", false},
		{GSM, "\x1b\x65", "€", false},
		{GSM, "\x1bA", "A", false},
		{GSM, "\x1b\x1b", " ", false},
		{GSM, "ab\x1b", "", true},
		{GSM, "T\xc3\xa9l", "", true},
		{IRA, "T\xc3\xa9l", "", true},
		{IRA, "Orange", "Orange", false},
		{UCS2, "00E", "", true},
		{UCS2, "00G1", "", true},
		{UCS2, "D83D", "", true},
		{"gsm", "\x05", "é", false},
	} {
		got, err := Decode(c.cs, c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("Decode(%s, %q) = %q, %v; want %q, error %v", c.cs, c.in, got, err, c.want, c.bad)
		}
	}
	if _, err := Decode("8859-1", "x"); !errors.Is(err, ErrUnknownSet) {
		t.Errorf("Decode(8859-1) = %v, want ErrUnknownSet", err)
	}
}

func FuzzGSMRoundTrip(f *testing.F) {
	f.Add([]byte("T\x05l\x1b\x65\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text, err := DecodeGSM(b)
		if err != nil {
			return
		}
		// What decodes encodes again and decodes to the same text,
		// line controls aside.
		again, err := DecodeGSM(EncodeGSM(text))
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if len([]rune(again)) != len([]rune(text)) {
			t.Fatalf("%q came back %q", text, again)
		}
	})
}
