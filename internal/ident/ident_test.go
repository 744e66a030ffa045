package ident

import (
	"strings"
	"testing"
)

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
		// Luhn over the body 8933100000000000002: doubling every second
		// digit from the right gives 4+2+3+6+9+7 = 31, so the check digit
		// is 9.
		{"iccid 20", IsICCID, "89331000000000000029", true},
		{"iccid bad luhn", IsICCID, "89331000000000000027", false},
		{"iccid 19", IsICCID, "8986000000000000002", true},
		{"iccid 17", IsICCID, "89331000000000000", false},
		// The 32 digits are ≡ 1 (mod 97) (SGP.29 §2.2, ISO/IEC 7064).
		{"eid", IsEID, "89049032000001000000000000000171", true},
		{"eid bad check digits", IsEID, "89049032000001000000000000000123", false},
		{"eid 31", IsEID, "8904903200000100000000000000017", false},
		{"eid spaces", IsEID, "8904903200000100000000000000017 ", false},
		// TS 23.003 Annex B example: IMEI 35 209900 176148 1.
		{"imei", IsIMEI, "352099001761481", true},
		{"imei bad luhn", IsIMEI, "352099001761482", false},
		{"msisdn international", IsMSISDN, "+33612345678", true},
		{"msisdn national", IsMSISDN, "0612345678", true},
		{"msisdn 20 digits", IsMSISDN, "12345678901234567890", true},
		{"msisdn 21 digits", IsMSISDN, "123456789012345678901", false},
		{"msisdn plus alone", IsMSISDN, "+", false},
		{"msisdn two plus", IsMSISDN, "++336", false},
		{"msisdn space", IsMSISDN, "+33 612", false},
		{"msisdn empty", IsMSISDN, "", false},
	}
	for _, tc := range tests {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s: %q → %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}

// The generators' outputs pass the checks, and the check digits are the
// ones worked out by hand: 890490320000010000000000000001 followed by 00
// leaves 27 modulo 97, and 98-27 = 71.
func TestMakers(t *testing.T) {
	eid, err := MakeEID("890490320000010000000000000001")
	if err != nil || eid != "89049032000001000000000000000171" || !IsEID(eid) {
		t.Errorf("MakeEID = %q, %v", eid, err)
	}
	iccid, err := MakeICCID("8933100000000000002")
	if err != nil || iccid != "89331000000000000029" || !IsICCID(iccid) {
		t.Errorf("MakeICCID = %q, %v", iccid, err)
	}
	imei, err := MakeIMEI("35209900176148")
	if err != nil || imei != "352099001761481" {
		t.Errorf("MakeIMEI = %q, %v", imei, err)
	}
	for _, bad := range []string{"", "12", "89049032000001000000000000000x"} {
		if _, err := MakeEID(bad); err == nil {
			t.Errorf("MakeEID(%q) accepted", bad)
		}
	}
	for n := 0; n < 1000; n++ {
		body := []byte("890490320000010000000000000000")
		for i, m := len(body)-1, n; m > 0; i, m = i-1, m/10 {
			body[i] = byte('0' + m%10)
		}
		e, err := MakeEID(string(body))
		if err != nil || !IsEID(e) {
			t.Fatalf("MakeEID(%s) = %s, %v", body, e, err)
		}
	}
}

// The explanations name what is wrong: the shape, or the check digits and
// the right ones.
func TestExplain(t *testing.T) {
	tests := []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"iccid ok", ExplainICCID, "89331000000000000029", ""},
		{"iccid short", ExplainICCID, "8933x", `"8933x" is not an ICCID (18 to 20 digits)`},
		{"iccid luhn", ExplainICCID, "89860000000000000018", `"89860000000000000018" fails the Luhn check: last digit 8, want 9`},
		{"eid ok", ExplainEID, "89049032000001000000000000000171", ""},
		{"eid short", ExplainEID, "8904", `"8904" is not an EID (32 digits)`},
		{"eid check digits", ExplainEID, "89049032000001000000000000000123", `"89049032000001000000000000000123" fails the ISO 7064 MOD 97-10 check: check digits 23, want 71`},
	}
	for _, tc := range tests {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s: %q → %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestICCIDStandIn(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		// 20 digits whose last is not the Luhn digit (a field card's):
		// the same 19, then theirs.
		{"89860439101880931012", "89860439101880931017", true}, // no check digit
		{"8986000000000000001", "8986000000000000002", true},   // no check digit
		{"89330100000000000012", "", false},                    // an ICCID already
		{"89860000000000000019", "", false},
		{"898604071118C0501150", "", false},                  // letters: not digits
		{"8986043910188093101", "8986043910188093109", true}, // no check digit
		{"89860", "", false},
		{"898604391018809310123", "", false}, // 21 digits
	} {
		got, ok := ICCIDStandIn(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ICCIDStandIn(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok && !IsICCID(got) {
			t.Errorf("ICCIDStandIn(%q) = %q, which is not an ICCID", tc.in, got)
		}
	}
}

// An operator's country against its MCC: the MCC's country, a territory
// using its MCCs, any for 001 or an MCC the table lacks.
func TestMCCServes(t *testing.T) {
	for _, tc := range []struct {
		mcc, country string
		want         bool
	}{
		{"208", "FR", true}, {"208", "DE", false}, {"310", "US", true}, {"310", "GU", true},
		{"311", "PR", true}, {"234", "JE", true}, {"234", "FR", false}, {"001", "FR", true}, {"999", "FR", true},
		// Every geographic MCC is known (outside tester sw103: the
		// Dominican Republic's 370 was not); the international 901's
		// networks serve anywhere.
		{"370", "DO", true}, {"370", "FR", false}, {"639", "KE", true}, {"732", "CO", true}, {"901", "DE", true},
	} {
		if got := MCCServes(tc.mcc, tc.country); got != tc.want {
			t.Errorf("MCCServes(%s, %s) = %v, want %v", tc.mcc, tc.country, got, tc.want)
		}
	}
}

func TestPLMNsOverlap(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"20810", "208101", true}, {"208101", "20810", true}, {"20810", "20810", false},
		{"20810", "20801", false}, {"310410", "310260", false}, {"20810", "208011", false},
	} {
		if got := PLMNsOverlap(tc.a, tc.b); got != tc.want {
			t.Errorf("PLMNsOverlap(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestIsHostName(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"smdp.sfr.test", true},
		{"localhost", true},
		{"a-b.c0", true},
		{strings.Repeat("a", 63) + ".test", true},
		{strings.Repeat("a", 64) + ".test", false},
		{strings.Repeat("a.", 126) + "ab", false}, // 254 characters
		{"", false},
		{"smdp..test", false},
		{".smdp.test", false},
		{"-smdp.test", false},
		{"smdp-.test", false},
		{"smdp_1.test", false},
		{"smdp.test:443", false},
		{"smdp.tést", false},
	} {
		if got := IsHostName(tc.s); got != tc.want {
			t.Errorf("IsHostName(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestHomePLMN(t *testing.T) {
	for _, tc := range []struct {
		imsi string
		mnc  int
		want string
	}{
		{"208100000000014", 2, "20810"},
		{"310260000000014", 3, "310260"},
		{"40410000000001", 2, "40410"},
		{"4051", 3, "4051"}, // shorter than MCC+MNC: whole
	} {
		if got := HomePLMN(tc.imsi, tc.mnc); got != tc.want {
			t.Errorf("HomePLMN(%q, %d) = %q, want %q", tc.imsi, tc.mnc, got, tc.want)
		}
	}
}

// TestSameCountry: TS 23.122 Annex B's country of two MCCs, which the card's
// areas and the modem's selection both use.
func TestSameCountry(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"208", "208", true},
		{"208", "262", false},
		{"310", "313", true}, // the United States' codes
		{"311", "316", true},
		{"404", "406", true},  // India's
		{"440", "441", true},  // Japan's
		{"460", "461", true},  // China's
		{"234", "235", true},  // the United Kingdom's
		{"310", "302", false}, // US and Canada
		{"001", "901", false}, // no country's: areas of their own
		{"901", "901", true},
		{"999", "998", false}, // codes the table does not know
		{"", "208", false},
	} {
		if got := SameCountry(c.a, c.b); got != c.want {
			t.Errorf("SameCountry(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := SameCountry(c.b, c.a); got != c.want {
			t.Errorf("SameCountry(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

func TestOneCountry(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"208", "208", true},
		{"310", "313", true},
		{"208", "262", false},
		{"001", "001", false}, // no country's: no domestic terms
		{"901", "901", false},
		{"999", "999", false}, // a code the table does not know
		{"", "", false},
	} {
		if got := OneCountry(c.a, c.b); got != c.want {
			t.Errorf("OneCountry(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
