package harness

import (
	"net/netip"
	"reflect"
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
		p := deliveredProfile(o, 1)
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
