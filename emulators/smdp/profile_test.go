package smdp

import (
	"fmt"
	"slices"
	"testing"

	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// EF SPN holds 16 bytes: a longer name is cut at a whole character, so a
// name in a script of 3-byte characters keeps its first five, not a
// broken sixth.
func TestPackageSPN(t *testing.T) {
	tests := []struct{ name, spn, want string }{
		{"short", "SFR", "SFR"},
		{"ASCII cut at 16", "Operator-of-seventeen", "Operator-of-seve"},
		{"CJK cut at a character", "中国移动通信集团", "中国移动通"},
		{"no SPN: the profile name", "", "Orange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg, err := (&Server{}).profilePackage(Profile{ICCID: "89331000000000000029", IMSI: "208101234567890", Name: "Orange", SPN: tt.spn})
			if err != nil {
				t.Fatal(err)
			}
			p, err := saip.Parse(pkg)
			if err != nil {
				t.Fatal(err)
			}
			if p.Profile.SPN != tt.want {
				t.Errorf("EF SPN %q, want %q", p.Profile.SPN, tt.want)
			}
		})
	}
}

// The order's PIN1 reaches the package both ways (saip, the codec the card
// reads it with): code and enabled state; an order without one gets the
// defaults, which are the card's for a profile that names none.
func TestPackagePIN1(t *testing.T) {
	for _, tc := range []struct {
		pin1    string
		enabled bool
		want    string
	}{{"", false, DefaultPIN1}, {"1234", true, "1234"}, {"87654321", false, "87654321"}} {
		pkg, err := (&Server{}).profilePackage(Profile{ICCID: "89331000000000000029", IMSI: "208101234567890", Name: "SFR",
			PIN1: tc.pin1, PIN1Enabled: tc.enabled})
		if err != nil {
			t.Fatal(err)
		}
		p, err := saip.Parse(pkg)
		if err != nil {
			t.Fatal(err)
		}
		if p.Profile.PIN1 != tc.want || p.Profile.PIN1Enabled != tc.enabled || p.Profile.PUK1 != DefaultPUK1 || p.Profile.ADM1 != DefaultADM1 {
			t.Errorf("PIN1 %q %v: package says %+v", tc.pin1, tc.enabled, p.Profile)
		}
	}
	if DefaultPIN1 != euicc.DefaultPIN1 || DefaultPUK1 != euicc.DefaultPUK1 || DefaultADM1 != euicc.DefaultADM1 {
		t.Error("the SM-DP+'s default keys are not the card's")
	}
}

// The order's operator PLMNs are the package's EF OPLMNwAcT, in order; an
// order without them lists the home network alone.
func TestPackageOperatorPLMNs(t *testing.T) {
	for _, tc := range []struct {
		plmns, want []string
	}{{nil, []string{"20810"}}, {[]string{"20810", "26202", "20801"}, []string{"20810", "26202", "20801"}}} {
		pkg, err := (&Server{}).profilePackage(Profile{ICCID: "89331000000000000029", IMSI: "208101234567890", Name: "SFR",
			OperatorPLMNs: tc.plmns})
		if err != nil {
			t.Fatal(err)
		}
		p, err := saip.Parse(pkg)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Profile.OperatorPLMNs, tc.want) {
			t.Errorf("order %q: EF OPLMNwAcT %q, want %q", tc.plmns, p.Profile.OperatorPLMNs, tc.want)
		}
	}
}

// The order's HPPLMN is the package's EF HPPLMN; an order without it
// carries the default, 60 minutes ('0A').
func TestPackageHPPLMN(t *testing.T) {
	for _, tc := range []struct {
		hpplmn *byte
		want   byte
	}{{nil, 0x0A}, {new(byte(0x00)), 0x00}, {new(byte(0x50)), 0x50}} {
		pkg, err := (&Server{}).profilePackage(Profile{ICCID: "89331000000000000029", IMSI: "208101234567890", Name: "SFR",
			HPPLMN: tc.hpplmn})
		if err != nil {
			t.Fatal(err)
		}
		p, err := saip.Parse(pkg)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Profile.HPPLMN; got == nil || *got != tc.want {
			t.Errorf("order %s: EF HPPLMN %s, want %02X", hexByte(tc.hpplmn), hexByte(got), tc.want)
		}
	}
}

// hexByte shows an optional byte: its hex, or nil.
func hexByte(b *byte) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprintf("%02X", *b)
}
