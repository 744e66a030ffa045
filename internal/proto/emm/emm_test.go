package emm

import "testing"

func TestInvalidatesUSIM(t *testing.T) {
	for cause, want := range map[int]bool{
		3: true, 6: true, 7: true, 8: true,
		0: false, 11: false, 13: false, 15: false, 17: false, 111: false,
	} {
		if got := InvalidatesUSIM(cause); got != want {
			t.Errorf("InvalidatesUSIM(%d) = %v, want %v", cause, got, want)
		}
	}
}

// TestForbiddingCauses: #11 forbids the PLMN on the USIM's list, #14 on
// the ME's list for EPS (TS 24.301 §5.5.1.2.5); #12, #13 and #15 forbid
// a tracking area, #17 nothing.
func TestForbiddingCauses(t *testing.T) {
	for _, tc := range []struct {
		cause     int
		plmn, eps bool
	}{{11, true, false}, {14, false, true}, {12, false, false}, {13, false, false}, {15, false, false}, {17, false, false}, {7, false, false}} {
		if got := ForbidsPLMN(tc.cause); got != tc.plmn {
			t.Errorf("ForbidsPLMN(%d) = %v, want %v", tc.cause, got, tc.plmn)
		}
		if got := ForbidsPLMNForEPS(tc.cause); got != tc.eps {
			t.Errorf("ForbidsPLMNForEPS(%d) = %v, want %v", tc.cause, got, tc.eps)
		}
	}
}

// TestForbiddenSkips: automatic selection skips a PLMN of either list,
// the HPLMN only for the EPS list (TS 23.122 §3.1 keeps it off EF FPLMN).
func TestForbiddenSkips(t *testing.T) {
	f := Forbidden{PLMNs: []string{"20810", "20815"}, EPS: []string{"20801", "20815"}}
	for _, tc := range []struct {
		plmn, home string
		want       bool
	}{
		{"20810", "46000", true},
		{"20810", "20810", false}, // the HPLMN on EF FPLMN
		{"20801", "20801", true},  // the HPLMN after its #14
		{"20815", "20815", true},
		{"26202", "46000", false},
	} {
		if got := f.Skips(tc.plmn, tc.home); got != tc.want {
			t.Errorf("Skips(%s) home %s = %v, want %v", tc.plmn, tc.home, got, tc.want)
		}
	}
}
