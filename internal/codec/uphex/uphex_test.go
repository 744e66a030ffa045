package uphex

import (
	"fmt"
	"testing"
)

func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		dst, bs []byte
		want    string
	}{
		{nil, nil, ""},
		{[]byte("SW "), []byte{0x90, 0x00}, "SW 9000"},
		{nil, []byte{0x3a, 0x07}, "3A07"},
		{nil, []byte{0x00, 0x0f, 0xf0, 0xff, 0xab}, "000FF0FFAB"},
	} {
		if got := string(Append(tc.dst, tc.bs...)); got != tc.want {
			t.Errorf("Append(%q, % X) = %q, want %q", tc.dst, tc.bs, got, tc.want)
		}
	}
	// Every byte as %X writes it.
	for c := range 256 {
		if got, want := string(Append(nil, byte(c))), fmt.Sprintf("%02X", c); got != want {
			t.Errorf("Append(%#x) = %q, want %q", c, got, want)
		}
	}
}
