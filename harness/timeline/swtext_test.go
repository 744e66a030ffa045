package timeline

import "testing"

// swText words the status words the APDU lane shows; 9Fxx is the GSM
// class's 61xx (TS 51.011 §9.4.1), as apdu.MoreData takes it (r85 #15).
func TestSWText(t *testing.T) {
	for _, tc := range []struct {
		sw   uint16
		want string
	}{
		{0x9000, "normal end"},
		{0x9120, "normal end, proactive command of 32 bytes pending"},
		{0x6122, "34 response bytes available"},
		{0x9F22, "34 response bytes available"},
		{0x9F0F, "15 response bytes available"},
		{0x6C10, "wrong Le"},
		{0x6A82, "file or application not found"},
		{0x6F00, "error"},
	} {
		if got := swText(tc.sw); got != tc.want {
			t.Errorf("swText(%04X) = %q, want %q", tc.sw, got, tc.want)
		}
	}
}
