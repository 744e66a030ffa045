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
