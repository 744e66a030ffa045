package field

import (
	"strings"
	"testing"
)

// TestRejectedSelectionIsNoRoaming (t185 F5): a network that refused the
// host's manual selection with EMM cause #11 (+CME ERROR: 111) is no
// network the subscriber roams on, and each attempt the log shows
// refused is refused in the replay: a retry on a compound line, one sent
// the instant the first refusal came, or one typed ahead (the queued
// mark) extends the fault's window. A later selection answered OK names
// the network a registration without a PLMN is on (27.007 §7.3), on a
// compound line too, unless a command before it may have failed.
func TestRejectedSelectionIsNoRoaming(t *testing.T) {
	const manifest = `name: rr
source: "t185"
logs:
  - {file: at.log, format: atlog}
device:
  personality: generic
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, imsi: "460000000000019", enabled: true}
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
expected: "SFR accepts"
failure: {log: at.log, line: 4, what: "+CME ERROR: 111"}
expect: reproduces
`
	log := func(lines ...string) string {
		var b strings.Builder
		for _, l := range lines {
			at, text, _ := strings.Cut(l, " ")
			b.WriteString("2026-01-01T00:00:" + at + "Z " + text + "\n")
		}
		return b.String()
	}
	head := []string{"01.750 > ATE0;+CMEE=1", "01.750 < OK", `02.050 > AT+COPS=1,2,"20810"`, "04.929 < +CME ERROR: 111"}
	tail := func(sel, final string) []string {
		return []string{"07.808 > " + sel, "07.808 < 1.0", "10.687 < " + final, "10.687 > AT+CEREG?", "10.687 < +CEREG: 0,5", "10.687 < OK"}
	}
	tests := []struct {
		name          string
		log           string
		want, notWant []string
	}{
		{"a retry on a compound line, then a selection among others",
			log(append(append(head, `04.929 > AT+COPS=1,2,"20810";+CGMI`, "07.808 < +CME ERROR: 111"), tail(`AT+CGMR;+COPS=1,2,"20801"`, "OK")...)...),
			[]string{"{home: cmcc, visited: orange-fr}", "{attach_reject: 11, operator: sfr, subscriber: cmcc, from: 10.3s, until: 17.179s}"},
			[]string{"visited: sfr", "until: 14"}},
		{"the same line again the instant the refusal came",
			log(append(append(head, `04.929 > AT+COPS=1,2,"20810"`, "07.808 < +CME ERROR: 111"), tail(`AT+COPS=1,2,"20801"`, "OK")...)...),
			[]string{"{home: cmcc, visited: orange-fr}", "{attach_reject: 11, operator: sfr, subscriber: cmcc, from: 10.3s, until: 17.179s}"},
			[]string{"visited: sfr"}},
		{"typed ahead",
			log("01.750 > ATE0;+CMEE=1", "01.750 < OK", `02.050 > AT+COPS=1,2,"20810"`,
				`02.350 > AT+COPS=1,2,"20810";+CGMI (queued: a command runs)`,
				`03.550 > AT+CGMR;+COPS=1,2,"20801" (queued: a command runs)`,
				"03.850 > AT+CEREG? (queued: a command runs)",
				"04.929 < +CME ERROR: 111", "07.808 < +CME ERROR: 111", "07.808 < 1.0", "10.687 < OK", "10.687 < +CEREG: 0,5", "10.687 < OK"),
			[]string{"{home: cmcc, visited: orange-fr}", "{attach_reject: 11, operator: sfr, subscriber: cmcc, from: 10.3s, until: 17.179s}"},
			[]string{"visited: sfr", "operator: orange-fr, subscriber"}},
		{"a selection behind a command that may have failed",
			log(append(head, tail(`AT+CGMR;+COPS=1,2,"20801"`, "ERROR")...)...),
			[]string{"{attach_reject: 11, operator: sfr, subscriber: cmcc, from: 10.3s, until: 14.3s}"},
			[]string{"visited: sfr", "visited: orange-fr"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "rr", map[string]string{ManifestFile: manifest, "at.log": tc.log})
			p := reconstruct(t, dir, Options{})
			sc := string(p.ScenarioYAML)
			for _, w := range tc.want {
				if !strings.Contains(sc, w) {
					t.Errorf("scenario lacks %s:\n%s\n%s", w, sc, strings.Join(p.Assumptions, "\n"))
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(sc, w) {
					t.Errorf("scenario has %s:\n%s", w, sc)
				}
			}
		})
	}
}
