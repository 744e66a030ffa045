package fieldlog

import (
	"testing"
	"time"
)

// TestYearless: dates without a year go on over New Year and a step back
// stays one.
func TestYearless(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dates []string
		later []bool // each date after the one before it
	}{
		{"same day", []string{"Mar 2 10:00:00", "Mar 2 10:00:01"}, []bool{true}},
		{"a step back", []string{"Mar 2 10:00:01", "Mar 2 10:00:00"}, []bool{false}},
		{"over New Year", []string{"Dec 31 23:59:59", "Jan 1 00:00:00", "Jan 1 00:00:00.5"}, []bool{true, true}},
		{"after a quiet week", []string{"Dec 28 08:00:00", "Jan 3 09:00:00"}, []bool{true}},
		{"back to the old year", []string{"Jan 1 00:00:01", "Dec 31 23:59:59"}, []bool{false}},
		{"back after New Year", []string{"Dec 31 23:59:58", "Jan 1 00:00:01", "Dec 31 23:59:59"}, []bool{true, false}},
		{"back, then on again", []string{"Dec 31 23:00:00", "Jan 1 01:00:00", "Dec 31 23:30:00", "Jan 1 00:30:00"}, []bool{true, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var y yearless
			var last time.Time
			for i, d := range tc.dates {
				p, err := time.Parse("Jan 2 15:04:05.999999999", d)
				if err != nil {
					t.Fatal(err)
				}
				got := y.place(p)
				if got.IsZero() {
					t.Errorf("%s placed at the zero time (no time)", d)
				}
				if i > 0 && got.After(last) != tc.later[i-1] {
					t.Errorf("%s at %v after %v: %v, want %v", d, got, last, got.After(last), tc.later[i-1])
				}
				last = got
			}
		})
	}
}
