package harness

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// The scenario's device.rat becomes the card's Rules Authorisation Table
// and an operator's ppr the rules its SM-DP+'s profiles set.
func TestPolicyRulesFromScenario(t *testing.T) {
	s := loadFixture(t, "ppr-blocks-switch.yaml")
	s.Device.RAT = append(s.Device.RAT, scenario.RATRule{PPR: []string{"ppr1", "ppr2"}, Consent: true,
		Operators: []scenario.RATOperator{{PLMN: "310EEE", GID1: "a1", GID2: "0B0C"}}})
	got := cardConfig(s, netip.AddrPort{}, nil).RAT
	want := []es10.PolicyRule{
		{PPRs: es10.BitsOf(es10.PPR1), AllowedOperators: []es10.OperatorID{{PLMN: "208EE"}}},
		{PPRs: es10.BitsOf(es10.PPR1, es10.PPR2), ConsentRequired: true,
			AllowedOperators: []es10.OperatorID{{PLMN: "310EEE", GID1: []byte{0xA1}, GID2: []byte{0x0B, 0x0C}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("RAT %+v, want %+v", got, want)
	}
	for _, o := range s.Network.Operators {
		p := deliveredProfile(s, o, 1)
		wantPPR := es10.Bits(0)
		if o.ID == "sfr" {
			wantPPR = es10.BitsOf(es10.PPR1)
		}
		if p.PPR != wantPPR {
			t.Errorf("%s delivers rules %b, want %b", o.ID, p.PPR, wantPPR)
		}
	}
	// Without device.rat the card's table is empty.
	if rat := cardConfig(loadFixture(t, "roam-fr-download.yaml"), netip.AddrPort{}, nil).RAT; rat != nil {
		t.Fatalf("RAT %+v without device.rat", rat)
	}
}

// An operator's pin1 goes to its preinstalled profiles and to the
// profiles its SM-DP+ delivers; the others keep the default (0000,
// disabled).
func TestPIN1FromScenario(t *testing.T) {
	s := loadFixture(t, "pin-locked-profile.yaml")
	for _, p := range cardConfig(s, netip.AddrPort{}, nil).Profiles {
		wantPIN, wantOn := "", false
		if p.Operator == "sfr" {
			wantPIN, wantOn = "1234", true
		}
		if p.PIN1 != wantPIN || p.PIN1Enabled != wantOn {
			t.Errorf("%s: PIN1 %q enabled %v, want %q %v", p.Operator, p.PIN1, p.PIN1Enabled, wantPIN, wantOn)
		}
	}
	for _, o := range s.Network.Operators {
		p := deliveredProfile(s, o, 1)
		if on := o.ID == "sfr"; p.PIN1Enabled != on || on && p.PIN1 != "1234" || !on && p.PIN1 != "" {
			t.Errorf("%s delivers PIN1 %q enabled %v", o.ID, p.PIN1, p.PIN1Enabled)
		}
	}
}

// An operator's preferred_partners reach its profiles' EF OPLMNwAcT, the
// preinstalled ones and those its SM-DP+ delivers alike: its PLMN, then
// the partners'; the others list their own PLMN alone.
func TestOperatorPLMNsFromScenario(t *testing.T) {
	s := loadFixture(t, "roam-steered-partner.yaml")
	want := map[string][]string{"cmcc": {"46000", "20810"}, "sfr": {"20810"}, "orange-fr": {"20801"}}
	for _, p := range cardConfig(s, netip.AddrPort{}, nil).Profiles {
		if !slices.Equal(p.OperatorPLMNs, want[p.Operator]) {
			t.Errorf("preinstalled %s: EF OPLMNwAcT %q, want %q", p.Operator, p.OperatorPLMNs, want[p.Operator])
		}
	}
	for _, o := range s.Network.Operators {
		if p := deliveredProfile(s, o, 1); !slices.Equal(p.OperatorPLMNs, want[o.ID]) {
			t.Errorf("delivered %s: EF OPLMNwAcT %q, want %q", o.ID, p.OperatorPLMNs, want[o.ID])
		}
	}
}

// An operator's hplmn_search reaches its profiles' EF HPPLMN, the
// preinstalled ones and those its SM-DP+ delivers alike; the others keep
// the default (nil).
func TestHPPLMNFromScenario(t *testing.T) {
	s := loadFixture(t, "national-roaming-no-search.yaml")
	want := map[string]*byte{"free": new(byte(0x00)), "orange-fr": nil}
	same := func(a, b *byte) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
	for _, p := range cardConfig(s, netip.AddrPort{}, nil).Profiles {
		if !same(p.HPPLMN, want[p.Operator]) {
			t.Errorf("preinstalled %s: EF HPPLMN %s, want %s", p.Operator, hexByte(p.HPPLMN), hexByte(want[p.Operator]))
		}
	}
	for _, o := range s.Network.Operators {
		if p := deliveredProfile(s, o, 1); !same(p.HPPLMN, want[o.ID]) {
			t.Errorf("delivered %s: EF HPPLMN %s, want %s", o.ID, hexByte(p.HPPLMN), hexByte(want[o.ID]))
		}
	}
}

// hexByte shows an optional byte: its hex, or nil (the default).
func hexByte(b *byte) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprintf("%02X", *b)
}
