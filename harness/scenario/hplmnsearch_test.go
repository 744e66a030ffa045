package scenario

import (
	"testing"
	"time"
)

// An operator's hplmn_search is its profiles' EF HPPLMN: off or 0 no
// search ('00'), else n × 6 min; without it the default (nil: '0A').
func TestParseHPLMNSearch(t *testing.T) {
	for _, tc := range []struct {
		v      string
		period time.Duration
		want   byte
	}{
		{"off", 0, 0x00},
		{"0", 0, 0x00},
		{"0s", 0, 0x00},
		{"6m", 6 * time.Minute, 0x01},
		{"1h", time.Hour, 0x0A},
		{"2h30m", 150 * time.Minute, 0x19},
		{"8h", 8 * time.Hour, 0x50},
	} {
		src := edit(t, `{id: cmcc, plmn: "46000", country: CN}`, `{id: cmcc, plmn: "46000", country: CN, hplmn_search: `+tc.v+`}`)
		s, err := Parse("h.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tc.v, err)
		}
		if p := s.Network.Operators[0].HPLMNSearch; p == nil || *p != tc.period {
			t.Errorf("%s: HPLMNSearch %v, want %v", tc.v, p, tc.period)
		}
		if b := s.HPPLMN("cmcc"); b == nil {
			t.Errorf("%s: HPPLMN nil (the default), want %02X", tc.v, tc.want)
		} else if *b != tc.want {
			t.Errorf("%s: HPPLMN %02X, want %02X", tc.v, *b, tc.want)
		}
		if b := s.HPPLMN("sfr"); b != nil {
			t.Errorf("%s: sfr, without hplmn_search: HPPLMN %02X, want nil (the default)", tc.v, *b)
		}
	}
}

func TestParseHPLMNSearchErrors(t *testing.T) {
	search := func(v string) string {
		return edit(t, `{id: cmcc, plmn: "46000", country: CN}`, `{id: cmcc, plmn: "46000", country: CN, hplmn_search: `+v+`}`)
	}
	const at = "b.yaml:4:60: network.operators[0].hplmn_search: "
	tests := []struct{ name, v, want string }{
		{"not a multiple of 6m", "10m", at + "10m is not a multiple of 6m: EF HPPLMN codes the period in steps of 6 minutes (TS 31.102 §4.2.6)"},
		{"seconds", "1h30s", at + "1h30s is not a multiple of 6m: EF HPPLMN codes the period in steps of 6 minutes (TS 31.102 §4.2.6)"},
		{"beyond 8h", "8h6m", at + "8h6m is beyond 8h, the longest period EF HPPLMN codes (TS 31.102 §4.2.6)"},
		{"a day", "24h", at + "24h is beyond 8h, the longest period EF HPPLMN codes (TS 31.102 §4.2.6)"},
		{"past a duration's range", "3000000h", at + "3000000h is beyond 8h, the longest period EF HPPLMN codes (TS 31.102 §4.2.6)"},
		{"negative", "-6m", at + "-6m is negative: want off, or a period of 6m to 8h in steps of 6m (EF HPPLMN, TS 31.102 §4.2.6)"},
		{"not a duration", "hourly", at + `want off or a duration such as 2h (6m to 8h in steps of 6m), got "hourly"`},
		{"no unit", "60", at + "60 has no unit: write minutes or hours, such as 60m (6m to 8h in steps of 6m), or off"},
		{"false", "false", at + `want off or a duration such as 2h (6m to 8h in steps of 6m), got "false"`},
		{"a list", "[1h]", at + `want off or a duration such as 2h (6m to 8h in steps of 6m), got a list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, search(tt.v), tt.want)
		})
	}
}
