package stk

import "testing"

// A result's words come from TS 102 223 §8.12 for those a terminal gives
// most; others have none rather than a guess.
func TestResultMeaning(t *testing.T) {
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{General: ResultBIPError, Additional: []byte{BIPRemoteNotReachable}}, "BIP error: remote device is not reachable"},
		{Result{General: ResultBIPError, Additional: []byte{BIPChannelClosed}}, "BIP error: channel closed"},
		{Result{General: ResultBIPError, Additional: []byte{0x7F}}, "BIP error"},
		{Result{General: ResultBIPError}, "BIP error"},
		{Result{General: ResultTerminalUnable, Additional: []byte{UnableNoService}}, "terminal currently unable to process command: no service"},
		{Result{General: 0x21}, "network currently unable to process command"},
		{Result{General: ResultOK}, ""},
		{Result{General: 0x6F, Additional: []byte{1}}, ""},
	} {
		if got := tc.r.Meaning(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestResultText: a result reads as TS 102 223's bytes in hex, the
// general result and, after a slash, the additional information; Append
// writes the same after what b holds.
func TestResultText(t *testing.T) {
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{General: ResultOK}, "00"},
		{Result{General: ResultBIPError, Additional: []byte{BIPChannelClosed}}, "3A/02"},
		{Result{General: 0x20, Additional: []byte{0x04, 0xAB}}, "20/04AB"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v: String %q, want %q", tc.r, got, tc.want)
		}
		if got := string(tc.r.Append([]byte("r="))); got != "r="+tc.want {
			t.Errorf("%+v: Append %q, want %q", tc.r, got, "r="+tc.want)
		}
	}
}
