package ident

import "testing"

func TestShapes(t *testing.T) {
	tests := []struct {
		name string
		f    func(string) bool
		in   string
		want bool
	}{
		{"plmn 5", IsPLMN, "20801", true},
		{"plmn 6", IsPLMN, "310260", true},
		{"plmn 4", IsPLMN, "2080", false},
		{"plmn letters", IsPLMN, "2080a", false},
		{"plmn empty", IsPLMN, "", false},
		{"imsi", IsIMSI, "208100000000027", true},
		{"imsi 16", IsIMSI, "2081000000000271", false},
		{"iccid 20", IsICCID, "89331000000000000027", true},
		{"iccid 17", IsICCID, "89331000000000000", false},
		{"eid", IsEID, "89049032000001000000000000000123", true},
		{"eid 31", IsEID, "8904903200000100000000000000012", false},
		{"eid spaces", IsEID, "8904903200000100000000000000012 ", false},
	}
	for _, tc := range tests {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s: %q → %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}
