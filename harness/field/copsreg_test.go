package field

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCOPSRegistration: a +COPS? answer naming an operator is a
// registration on its network then (TS 27.007 §7.3: <oper> is given while
// registered), until the next registration line: the device is placed
// there, not in the country a later +CEREG shows from the start (outside
// tester t166 F3: placed in Spain from t=0, the replay's modem answered
// +COPS: 0 to the home read). An operator named by a name no operator
// has is said, not placed (nor given to the network of a registration
// the logs show later).
func TestCOPSRegistration(t *testing.T) {
	tt, err := os.ReadFile(filepath.Join("testdata", "teraterm-switch-nolist.log"))
	if err != nil {
		t.Fatal(err)
	}
	short := func(name string) string {
		return "[0.000] > AT+COPS=3,1;+COPS?\n[0.010] < +COPS: 0,1,\"" + name + "\",7\n[0.011] < OK\n" +
			"[0.100] > AT+CIMI\n[0.110] < 208011234567890\n[0.111] < OK\n" +
			"[30.000] < +CEREG: 5,\"0B01\",\"00C1A2B3\",7\n[31.000] > AT+COPS=3,2;+COPS?\n[31.010] < +COPS: 0,2,\"21407\",7\n[31.011] < OK\n"
	}
	named := "[0.000] > AT+COPS?\n[0.010] < +COPS: 0,0,\"Orange F\",7\n[0.011] < OK\n" +
		"[0.100] > AT+CIMI\n[0.110] < 208011234567890\n[0.111] < OK\n" +
		"[30.000] < +CEREG: 5,\"0B01\",\"00C1A2B3\",7\n[31.000] > AT+COPS=3,2;+COPS?\n[31.010] < +COPS: 0,2,\"21407\",7\n[31.011] < OK\n"
	for _, tc := range []struct {
		name, format, log string
		opName            string // the FR operator's name in the manifest
		itinerary         string
		assumed           string
	}{
		{"numeric, then a registration abroad", "terminal", string(tt), "",
			"itinerary:\n  - {at: 0s, area: FR}  # plain.log:4\n  - {at: 13.16s, area: ES}  # plain.log:33\n", ""},
		{"by a name an operator has", "plain", named, "Orange F",
			"itinerary:\n  - {at: 0s, area: FR}  # plain.log:2\n", ""},
		{"by a name no operator has", "plain", named, "",
			"itinerary:\n  - {at: 40s, area: ES}  # plain.log:7\n", `no operator is named "Orange F" as plain.log:2's +COPS? names it: the logs do not show which network the device was on`},
		// t178 N6: a short name (format 1) is resolved too, or said.
		{"by a short name, the operator's id in capitals", "plain", short("ORANGE-FR"), "",
			"itinerary:\n  - {at: 0s, area: FR}  # plain.log:2\n", ""},
		{"by a short name, an operator's name", "plain", short("ORANGE"), "Orange",
			"itinerary:\n  - {at: 0s, area: FR}  # plain.log:2\n", `plain.log:2's +COPS? names the network the device is on "ORANGE", in the short alphanumeric format (27.007 §7.3 <format> 1): operator orange-fr, whose short name the emulated modem gives as its id in capitals ("ORANGE-FR"), so the replay's +COPS? answer differs there; give that operator the id "orange"`},
		{"by a short name no operator has", "plain", short("ORANGE"), "Orange F",
			"itinerary:\n  - {at: 40s, area: ES}  # plain.log:7\n", `no operator is named "ORANGE", which plain.log:2's +COPS? gives in the short alphanumeric format (27.007 §7.3 <format> 1): the logs do not show which network that is, so the device is not placed by it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			man := strings.Replace(cnFRManifest("cops", "quectel-eg25"), "format: plain", "format: "+tc.format, 1)
			fr := `{id: orange-fr, plmn: "20801", country: FR}`
			if tc.opName != "" {
				man = strings.Replace(man, fr, `{id: orange-fr, plmn: "20801", country: FR, name: "`+tc.opName+`"}`, 1)
			}
			man = strings.Replace(man, fr, fr+"\n    - {id: movistar, plmn: \"21407\", country: ES}", 1)
			p := reconstruct(t, writeFixture(t, "cops", map[string]string{ManifestFile: man, "plain.log": tc.log}), Options{})
			if y := string(p.ScenarioYAML); !strings.Contains(y, tc.itinerary) {
				t.Errorf("scenario lacks\n%s\n%s", tc.itinerary, y)
			}
			if tc.assumed != "" && !assumed(p, tc.assumed) {
				t.Errorf("no assumption %q:\n%s", tc.assumed, strings.Join(p.Assumptions, "\n"))
			}
			if strings.Contains(tc.assumed, "short alphanumeric") && !strings.Contains(strings.Join(p.ToDo, "\n"), tc.assumed) {
				t.Errorf("no to-do %q:\n%s", tc.assumed, strings.Join(p.ToDo, "\n"))
			}
		})
	}
}

// TestCOPSNameInTECharset: a +COPS? name is read in the character set the
// log's host set with +CSCS (27.007 §5.5) — UCS2 hex, GSM default
// alphabet codes (here in the \xNN form an at.log shows control bytes
// in) — so an operator named outside ASCII places the device as its
// UTF-8 name in the manifest says (t185 F7); after ATZ the default
// returns and the hex is a name like any.
func TestCOPSNameInTECharset(t *testing.T) {
	const ucs2 = "005400E9006C00E90063006F006D0020004C0069006200720065"
	log := func(set, name string) string {
		return "[0.000] > " + set + "\n[0.001] < OK\n[0.002] > AT+COPS?\n[0.010] < +COPS: 0,0,\"" + name + "\",7\n[0.011] < OK\n" +
			"[0.100] > AT+CIMI\n[0.110] < 208011234567890\n[0.111] < OK\n" +
			"[30.000] < +CEREG: 5,\"0B01\",\"00C1A2B3\",7\n[31.000] > AT+COPS=3,2;+COPS?\n[31.010] < +COPS: 0,2,\"21407\",7\n[31.011] < OK\n"
	}
	placed := "itinerary:\n  - {at: 0s, area: FR}  # plain.log:4\n"
	for _, tc := range []struct {
		name, log, itinerary string
	}{
		{"UCS2", log(`AT+CSCS="UCS2"`, ucs2), placed},
		{"GSM", log(`AT+CSCS="GSM"`, `T\x05l\x05com Libre`), placed},
		// A terminal's capture holds the bytes themselves.
		{"GSM, the bytes as sent", log(`AT+CSCS="GSM"`, "T\x05l\x05com Libre"), placed},
		{"UCS2, then ATZ", log(`AT+CSCS="UCS2";Z`, ucs2), "itinerary:\n  - {at: 40s, area: ES}  # plain.log:9\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			man := cnFRManifest("cops", "quectel-eg25")
			fr := `{id: orange-fr, plmn: "20801", country: FR}`
			man = strings.Replace(man, fr, `{id: orange-fr, plmn: "20801", country: FR, name: "Télécom Libre"}`+"\n    - {id: movistar, plmn: \"21407\", country: ES}", 1)
			p := reconstruct(t, writeFixture(t, "cops", map[string]string{ManifestFile: man, "plain.log": tc.log}), Options{})
			if y := string(p.ScenarioYAML); !strings.Contains(y, tc.itinerary) {
				t.Errorf("scenario lacks\n%s\n%s", tc.itinerary, y)
			}
		})
	}
}
