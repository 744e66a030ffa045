package fieldlog

import (
	"strings"
	"testing"
	"time"
)

// TestGrabserialStamps: grabserial's -t lines ("[%4.6f %2.6f] ": the
// time since it started, then since the line before) read with the
// first as the line's time, the delta not taken for text; before, the
// log was "no known log format". A stamp of the time of day or a date
// before the delta reads the same way.
func TestGrabserialStamps(t *testing.T) {
	log := func(stamps ...string) string {
		var b strings.Builder
		for i, l := range []string{"AT+CPIN?", "+CPIN: READY", "", "OK"} {
			b.WriteString(stamps[i] + " " + l + "\n")
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, log string
		clock     Clock
	}{
		{"-t", log("[    0.000000 0.000000]", "[    0.012345 0.012345]", "[    0.012400 0.000055]", "[    0.012500 0.000100]"), Relative},
		{"a time of day", log("[10:00:01.100000 0.000000]", "[10:00:01.112345 0.012345]", "[10:00:01.112400 0.000055]", "[10:00:01.112500 0.000100]"), Absolute},
		{"a date", log("[2026-03-02 10:00:01.100000 0.000000]", "[2026-03-02 10:00:01.112345 0.012345]", "[2026-03-02 10:00:01.112400 0.000055]", "[2026-03-02 10:00:01.112500 0.000100]"), Absolute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect("g.log", []byte(tc.log))
			if err != nil {
				t.Fatal(err)
			}
			tr, err := Read("g.log", []byte(tc.log), f)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Clock != tc.clock {
				t.Errorf("clock %v, want %v", tr.Clock, tc.clock)
			}
			var got []string
			var first, final time.Time
			for _, e := range tr.Entries {
				if e.Role == Note || e.Role == Echo {
					continue
				}
				got = append(got, strings.ToLower(e.Role.String())+" "+e.Text)
				if e.Role == Command {
					first = e.Time
				}
				if e.Role == Final {
					final = e.Time
				}
			}
			if want := "command AT+CPIN?|info +CPIN: READY|final OK"; strings.Join(got, "|") != want {
				t.Errorf("entries %q, want %q", got, want)
			}
			if d := final.Sub(first); d != 12500*time.Microsecond {
				t.Errorf("final result %v after the command, want 12.5ms", d)
			}
		})
	}
}
