package harness

import "testing"

// The rig's power-cut state: a cut set off by a world event (or a BPP
// segment) stops work at once, one set off by the applet's event after
// its step; a cut under way is due as well, and a second fault firing
// before the first cut runs never takes it back to merely due.
func TestCutState(t *testing.T) {
	for _, tc := range []struct {
		name         string
		raises       []int32
		cutting, due bool
		cleared      bool
	}{
		{"none", nil, false, false, false},
		{"an applet event: due after its step", []int32{cutAfterStep}, false, true, false},
		{"a world event: under way, so due too", []int32{cutNow}, true, true, false},
		{"world then applet: still under way", []int32{cutNow, cutAfterStep}, true, true, false},
		{"applet then world: under way", []int32{cutAfterStep, cutNow}, true, true, false},
		{"the cut done", []int32{cutNow}, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c cutState
			for _, r := range tc.raises {
				c.raise(r)
			}
			if tc.cleared {
				c.clear()
			}
			if c.cutting() != tc.cutting || c.due() != tc.due {
				t.Fatalf("cutting %v due %v, want %v %v", c.cutting(), c.due(), tc.cutting, tc.due)
			}
		})
	}
}
