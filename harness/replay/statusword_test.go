package replay

import (
	"testing"

	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestProactivePendingCompared: a 91xx's length is the proactive command
// the card has pending, which one card makes longer than another (TS 102
// 221 §10.2.1.1), so two 91xx answers compare alike whatever it is, as two
// 61xx do; 9000 against 91xx, and other status words, still differ
// (outside tester sw115: BF31…9120 in the field, …910B emulated).
func TestProactivePendingCompared(t *testing.T) {
	const cmd = `> AT+CGLA=1,50,"81E2910014BF3111A00C5A0A984411008621436587598101FF"` + "\n"
	answer := func(hex string) string {
		tr, err := fieldlog.Read("sw.log", []byte(cmd+`< +CGLA: 16,"`+hex+`"`+"\n< OK\n"), fieldlog.Plain)
		if err != nil {
			t.Fatal(err)
		}
		return canon(tr.Entries[1], nil)
	}
	for _, tc := range []struct {
		rec, rep string
		same     bool
	}{
		{"BF31038001009120", "BF3103800100910B", true},
		{"BF31038001006120", "BF3103800100610B", true},
		{"BF31038001009000", "BF3103800100910B", false},
		{"BF31038001009120", "BF31038001009000", false},
		{"BF31038001009210", "BF31038001009211", false},
		{"BF31038001019120", "BF3103800100910B", false}, // result 1 against 0
	} {
		a, b := answer(tc.rec), answer(tc.rep)
		if (a == b) != tc.same {
			t.Errorf("%s against %s: compared %q and %q, want same %v", tc.rec, tc.rep, a, b, tc.same)
		}
	}
}
