package saip

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// pinConfigs returns the PINConfigurations of the package's PE-PINCodes
// elements, in order.
func pinConfigs(t *testing.T, pkg []byte) []tlv.TLV {
	t.Helper()
	var out []tlv.TLV
	for rest := pkg; len(rest) > 0; {
		obj, r, err := tlv.ParseOne(rest)
		if err != nil {
			t.Fatal(err)
		}
		rest = r
		if obj.Tag != TagPINCodes {
			continue
		}
		choice, _ := obj.Find(0xA1)
		list, _ := choice.Find(0xA0)
		cs, err := list.Children()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cs...)
	}
	return out
}

// PIN1's pinAttributes both ways: enabled is the DEFAULT (7, absent in
// DER), disabled is 6 (b1 clear), as the GSMA generic test profile
// writes a disabled PIN1; ADM1 and the USIM's PIN2 keep the DEFAULT.
func TestPINAttributes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		enabled bool
		pin1    string // hex of PIN1's PINConfiguration
	}{
		{"disabled", false, "3013 800101 810830303030FFFFFFFF 820101 830106"},
		{"enabled", true, "3010 800101 810831323334FFFFFFFF 820101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testProfile
			p.PIN1Enabled = tc.enabled
			if tc.enabled {
				p.PIN1 = "1234"
			}
			pkg, err := Build(p)
			if err != nil {
				t.Fatal(err)
			}
			cfgs := pinConfigs(t, pkg)
			if len(cfgs) != 3 {
				t.Fatalf("%d PIN configurations, want PIN1, ADM1, PIN2", len(cfgs))
			}
			want := bytes.ReplaceAll([]byte(tc.pin1), []byte(" "), nil)
			if got := fmt.Sprintf("%X", cfgs[0].Bytes()); got != string(want) {
				t.Errorf("PIN1 configuration %s, want %s", got, want)
			}
			for _, c := range cfgs[1:] {
				if _, ok := c.Find(0x83); ok {
					t.Errorf("%X: pinAttributes present, want the DEFAULT", c.Bytes())
				}
			}
			got, err := Parse(pkg)
			if err != nil {
				t.Fatal(err)
			}
			if got.Profile.PIN1Enabled != tc.enabled || got.Profile.PIN1 != p.PIN1 || got.Profile.ADM1 != p.ADM1 ||
				got.Profile.PUK1 != p.PUK1 || got.Profile.PIN2 != p.PIN1 || got.Profile.PUK2 != p.PUK1 {
				t.Errorf("parsed %+v", got.Profile)
			}
		})
	}
}

func TestPINAttributesBits(t *testing.T) {
	for _, tc := range []struct {
		enabled, disablable bool
		want                int
	}{{false, true, 6}, {true, true, 7}, {true, false, 3}, {false, false, 2}} {
		if got := PINAttributes(tc.enabled, tc.disablable); got != tc.want {
			t.Errorf("PINAttributes(%v, %v) = %d, want %d", tc.enabled, tc.disablable, got, tc.want)
		}
	}
}

// A pinAttributes that is not a UInt8 is refused with the element named.
func TestPINAttributesRefused(t *testing.T) {
	var out []byte
	for rest := build(t); len(rest) > 0; {
		obj, r, err := tlv.ParseOne(rest)
		if err != nil {
			t.Fatal(err)
		}
		el := rest[:len(rest)-len(r)]
		rest = r
		if obj.Tag == TagPINCodes && bytes.Contains(el, []byte{0x80, 0x01, 0x01}) {
			el = pins(idPIN, pinConfig(keyPINAppl1, "0000", keyPUKAppl1, 300), pinConfig(keyADM1, "88888888", -1, pinAttrDefault)).Bytes()
		}
		out = append(out, el...)
	}
	_, err := Parse(out)
	if err == nil || !strings.Contains(err.Error(), "pinAttributes") {
		t.Fatalf("Parse: %v, want pinAttributes refused", err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
