package harness

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/personality"
)

// Every identifier the rig makes up is valid: the ICCIDs and IMSIs of the
// profiles each example's SM-DP+ delivers, and the IMEI of the device for
// every modem personality and every example's EID.
func TestGeneratedIdentifiersValid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "fixtures", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		s := loadFixture(t, filepath.Base(f))
		for _, o := range s.Network.Operators {
			for seq := 1; seq <= 20; seq++ {
				p := deliveredProfile(s, o, seq)
				if !ident.IsICCID(p.ICCID) || !ident.IsIMSI(p.IMSI) || p.IMSI[:len(o.PLMN)] != o.PLMN {
					t.Errorf("%s: %s profile %d: ICCID %s, IMSI %s", s.Name, o.ID, seq, p.ICCID, p.IMSI)
				}
			}
		}
		for _, name := range personality.Names() {
			p, err := personality.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if imei := deviceIMEI(p, s.Device.EID); !ident.IsIMEI(imei) || imei[:8] != p.TAC {
				t.Errorf("%s/%s: IMEI %s", s.Name, name, imei)
			}
		}
	}
}

// Names go into UTF8String (SIZE(0..32)) and (0..64) fields: a long
// operator name is cut at a character boundary, never mid-rune.
func TestNamesFitSGP22(t *testing.T) {
	o := scenario.Operator{ID: "x", Name: strings.Repeat("Télécom ", 10)}
	p := deliveredProfile(nil, o, 1)
	if len(p.SPN) > 32 || len(p.Name) > 64 || !utf8.ValidString(p.SPN) || !utf8.ValidString(p.Name) {
		t.Fatalf("SPN %q (%d bytes), name %q (%d bytes)", p.SPN, len(p.SPN), p.Name, len(p.Name))
	}
	if short := deliveredProfile(nil, scenario.Operator{ID: "sfr", Name: "SFR"}, 2); short.SPN != "SFR" || short.Name != "SFR test profile 2" {
		t.Fatalf("short names changed: %q, %q", short.SPN, short.Name)
	}
}
