package es10

import "testing"

// A RAT operator covers an owner digit by digit in the TS 24.008 coding,
// E matching any nibble; a gid the rule gives must be the owner's.
func TestOperatorIDAllows(t *testing.T) {
	tests := []struct {
		name        string
		rule, owner OperatorID
		want        bool
	}{
		{"same PLMN", OperatorID{PLMN: "20810"}, OperatorID{PLMN: "20810"}, true},
		{"another MNC", OperatorID{PLMN: "20810"}, OperatorID{PLMN: "20801"}, false},
		{"MNC wildcard", OperatorID{PLMN: "208EE"}, OperatorID{PLMN: "20801"}, true},
		{"MNC wildcard, another MCC", OperatorID{PLMN: "208EE"}, OperatorID{PLMN: "20901"}, false},
		{"2-digit wildcard, 3-digit MNC", OperatorID{PLMN: "208EE"}, OperatorID{PLMN: "208100"}, false},
		{"3-digit wildcard, 2-digit MNC (E matches the F filler)", OperatorID{PLMN: "208EEE"}, OperatorID{PLMN: "20810"}, true},
		{"3-digit wildcard, 3-digit MNC", OperatorID{PLMN: "310EEE"}, OperatorID{PLMN: "310410"}, true},
		{"one digit wildcard", OperatorID{PLMN: "2081E"}, OperatorID{PLMN: "20815"}, true},
		{"one digit wildcard, other digit differs", OperatorID{PLMN: "2081E"}, OperatorID{PLMN: "20825"}, false},
		{"MCC wildcard", OperatorID{PLMN: "EEE10"}, OperatorID{PLMN: "46010"}, true},
		{"rule without gid, owner with", OperatorID{PLMN: "20810"}, OperatorID{PLMN: "20810", GID1: []byte{1}, GID2: []byte{2}}, true},
		{"gid1 equal", OperatorID{PLMN: "20810", GID1: []byte{0xA1}}, OperatorID{PLMN: "20810", GID1: []byte{0xA1}}, true},
		{"gid1 differs", OperatorID{PLMN: "20810", GID1: []byte{0xA1}}, OperatorID{PLMN: "20810", GID1: []byte{0xA2}}, false},
		{"gid1 asked, owner has none", OperatorID{PLMN: "20810", GID1: []byte{0xA1}}, OperatorID{PLMN: "20810"}, false},
		{"gid2 asked and equal, gid1 not asked", OperatorID{PLMN: "20810", GID2: []byte{0xB2}}, OperatorID{PLMN: "20810", GID1: []byte{9}, GID2: []byte{0xB2}}, true},
		{"gid2 differs", OperatorID{PLMN: "20810", GID2: []byte{0xB2}}, OperatorID{PLMN: "20810", GID2: []byte{0xB3}}, false},
		{"owner with a wildcard is no owner", OperatorID{PLMN: "208EE"}, OperatorID{PLMN: "208EE"}, false},
		{"malformed rule", OperatorID{PLMN: "208"}, OperatorID{PLMN: "20810"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rule.Allows(tc.owner); got != tc.want {
				t.Fatalf("%+v.Allows(%+v) = %v, want %v", tc.rule, tc.owner, got, tc.want)
			}
		})
	}
}

// Each rule a profile sets must be allowed for its owner by some rule of
// the table; vRAT allows ppr1 and ppr2 for 208 2-digit MNCs and 310410
// with gid1 A1, ppr1 for any 3-digit MNC.
func TestPPRsNotAllowed(t *testing.T) {
	sfr := &OperatorID{PLMN: "20810"}
	tests := []struct {
		name  string
		rat   []PolicyRule
		pprs  Bits
		owner *OperatorID
		want  Bits
	}{
		{"no rules set, empty RAT", nil, 0, sfr, 0},
		{"no rules set, no owner", nil, 0, nil, 0},
		{"ppr1, empty RAT", nil, BitsOf(PPR1), sfr, BitsOf(PPR1)},
		{"ppr1 and ppr2 by a wildcard", vRAT, BitsOf(PPR1, PPR2), sfr, 0},
		{"ppr2 for a 3-digit MNC: only ppr1 is allowed there", vRAT, BitsOf(PPR1, PPR2), &OperatorID{PLMN: "310150"}, BitsOf(PPR2)},
		{"ppr2 with the gid1 the rule names", vRAT, BitsOf(PPR2), &OperatorID{PLMN: "310410", GID1: []byte{0xA1}}, 0},
		{"ppr2 without that gid1", vRAT, BitsOf(PPR2), &OperatorID{PLMN: "310410"}, BitsOf(PPR2)},
		{"ppr3, in no rule", vRAT, BitsOf(PPR1, PPR3), sfr, BitsOf(PPR3)},
		{"no owner", vRAT, BitsOf(PPR1), nil, BitsOf(PPR1)},
		{"two rules together", []PolicyRule{{PPRs: BitsOf(PPR1), AllowedOperators: []OperatorID{{PLMN: "20810"}}},
			{PPRs: BitsOf(PPR2), AllowedOperators: []OperatorID{{PLMN: "208EE"}}}}, BitsOf(PPR1, PPR2), sfr, 0},
		{"a rule for another operator", []PolicyRule{{PPRs: BitsOf(PPR1), AllowedOperators: []OperatorID{{PLMN: "20801"}}}}, BitsOf(PPR1), sfr, BitsOf(PPR1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PPRsNotAllowed(tc.rat, tc.pprs, tc.owner); got != tc.want {
				t.Fatalf("PPRsNotAllowed = %b, want %b", got, tc.want)
			}
		})
	}
}
