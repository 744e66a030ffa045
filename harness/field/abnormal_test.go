package field

import (
	"slices"
	"strings"
	"testing"
)

// abnormalManifest is a Free subscriber in France, Orange and SFR named
// beside: the fixture name goes in for %s.
const abnormalManifest = `name: %s
source: "a gateway's log"
logs:
  - {file: session.log, format: plain}
device:
  personality: quectel-eg25
  profiles:
    - {iccid: "89331500123456789013", operator: free, imsi: "208150012345678", enabled: true}
network:
  operators:
    - {id: free, plmn: "20815", country: FR, name: Free}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
expected: "the device registers"
failure: {log: session.log, line: 12, what: "refused"}
expect: reproduces
`

// abnormalLog is a device registered on Free (1A2C) that loses its cell
// at 100 s (+CEREG: 2, line 11) and is refused from line 12 on: then
// the lines given, each "time text", as the modem's.
func abnormalLog(lines ...string) string {
	var b strings.Builder
	b.WriteString("[0.000] > AT+CMEE=1\n[0.010] < OK\n[0.200] > AT+CEREG=3\n[0.210] < OK\n" +
		"[0.400] > AT+CIMI\n[0.410] < 208150012345678\n[0.420] < OK\n" +
		"[0.600] > AT+CEREG?\n[0.610] < +CEREG: 3,1,\"1A2C\",\"01A2D402\",7\n[0.620] < OK\n" +
		"[100.000] < +CEREG: 2\n")
	for _, l := range lines {
		at, text, _ := strings.Cut(l, " ")
		if strings.HasPrefix(text, "AT") {
			b.WriteString("[" + at + "] > " + text + "\n")
			continue
		}
		b.WriteString("[" + at + "] < " + text + "\n")
	}
	return b.String()
}

// reject17 is Free's #17 on 1A2C at time at.
func reject17(at string) string { return at + ` +CEREG: 3,"1A2C","01A2D402",7,0,17` }

// orangeNamed is a registration roaming on Orange's 2B3C at time at, and
// the host's +COPS? naming it a second later.
func orangeNamed(at, named string) []string {
	return []string{at + ` +CEREG: 5,"2B3C","00ABCDEF",7`, named + " AT+COPS=3,2", named + " OK",
		named + " AT+COPS?", named + ` +COPS: 0,2,"20801",7`, named + " OK"}
}

// TestAbnormalRejectsInTheLogs: what the logs show after an abnormal
// ATTACH REJECT (TS 24.301 §5.5.1.2.6 d, #17 here) decides the modem's
// quirks and what the draft assumes. The restart shown as searching
// (27.007 <stat> 2) T3411 after the reject, or after a T3410 expiry's
// stat 0, is restart_searching's sign (not searching_urc's); a
// registration on another network sooner than T3411 is
// abnormal_reject_moves_on's — but not after the fifth reject, nor after
// a #111 (both standard); one the logs do not place on another network
// is a to-do and a limit at its line. Five identical denial URCs T3411
// apart are the standard counter's: no quirk, the repeats not compared
// (the emulated modem shows a denial once). Before, no quirk was derived
// and the assumptions said nothing of the restarts.
func TestAbnormalRejectsInTheLogs(t *testing.T) {
	five := []string{reject17("103.000"), reject17("113.000"), reject17("123.500"), reject17("133.500"), reject17("144.000")}
	tests := []struct {
		name    string
		log     string
		quirks  []string // the derived device.quirks lines, beside location_hex
		assumed [][]string
		todo    string // a to-do that says so ("" none)
		limit   int    // the line a limit is at (0 none)
		unshown []int  // the lines not compared
		fault   string // a fault the scenario has alone ("" not checked)
	}{
		{"the T3411 restart shown as searching", abnormalLog(reject17("103.000"), "113.500 +CEREG: 2", `114.000 +CEREG: 1,"1A2C","01A2D402",7`),
			[]string{"restart_searching: true — searching (stat 2) 10.5s after the abnormal reject at session.log:12 (EMM cause #17)"},
			[][]string{{"EMM cause #17 at session.log:12; an abnormal cause", "attempt 1 of 5 on free", "T3411's expiry (10 s), shown as searching (restart_searching)"}},
			"", 0, nil, ""},
		{"the T3411 restart after T3410 shown as searching", abnormalLog("115.000 +CEREG: 0", "125.500 +CEREG: 2", `126.000 +CEREG: 1,"1A2C","01A2D402",7`),
			[]string{"restart_searching: true — searching (stat 2) 10.5s after T3410's expiry shown at session.log:12"},
			nil, "", 0, nil, ""},
		{"searching 20 s after the reject is no restart", abnormalLog(reject17("103.000"), "123.000 +CEREG: 2", `124.000 +CEREG: 1,"1A2C","01A2D402",7`),
			[]string{"searching_urc: true"}, nil, "", 0, nil, ""},
		{"another network at once", abnormalLog(append([]string{reject17("103.000")}, orangeNamed("106.000", "110.000")...)...),
			[]string{"abnormal_reject_moves_on: true — registered on another network 3s after the abnormal reject at session.log:12 (EMM cause #17)"},
			[][]string{{"EMM cause #17 at session.log:12", "which this modem takes as setting the attach attempt counter to 5 (abnormal_reject_moves_on): no restart"}},
			"", 0, nil, ""},
		{"roaming at once, the reject's network unnamed", abnormalLog(reject17("103.000"), `106.000 +CEREG: 5,"2B3C","00ABCDEF",7`),
			[]string{"abnormal_reject_moves_on: true"}, nil, "", 0, nil, ""},
		{"five rejects T3411 apart, then another network: the standard counter", abnormalLog(append(five, orangeNamed("144.500", "150.000")...)...),
			nil,
			[][]string{{"session.log:12; an abnormal cause", "attempt 1 of 5 on free", "with no URC until its outcome, and the network rejects it again (session.log:13)"},
				{"session.log:15; an abnormal cause", "attempt 4 of 5", "so session.log:15 is not compared"},
				{"session.log:16; an abnormal cause", "the fifth attempt on free: the attach attempt counter at 5: no restart, its location deleted (EU2), T3402 (12 min) started, and selection goes on with the next network at once"}},
			"", 0, []int{13, 14, 15, 16},
			// One window for the run: the replay's restarts, whose
			// attach takes no time, come before the field modem's.
			"{attach_reject: 17, operator: free, subscriber: free, from: 1m52s, until: 2m35s}"},
		// A standard modem shows no URC for a restart's reject that
		// changes nothing: the logs' next state says how many there were.
		{"one denial URC, registered there 31 s later: two silent restarts refused", abnormalLog(reject17("103.000"), `134.000 +CEREG: 1,"1A2C","01A2D402",7`),
			nil, [][]string{{"attempt 1 of 5 on free", "refuses the next 2 restart(s) too, as the logs show (the same denial again, no URC), then takes the one after"}},
			"", 0, nil, "{attach_reject: 17, operator: free, subscriber: free, from: 1m52s, until: 2m18s}"},
		{"one denial URC, read again 25 s later", abnormalLog(reject17("103.000"), "128.000 AT+CEREG?", `128.010 +CEREG: 3,3,"1A2C","01A2D402",7,0,17`, "128.020 OK"),
			nil, [][]string{{"refuses the next 2 restart(s) too"}, {"at session.log:14; a read of the denial shown since session.log:12"}},
			"", 0, nil, "{attach_reject: 17, operator: free, subscriber: free, from: 1m52s, until: 2m19.01s}"},
		{"one denial URC, another network 41.5 s later: the fifth attempt's selection", abnormalLog(append([]string{reject17("103.000")}, orangeNamed("144.500", "150.000")...)...),
			nil, [][]string{{"attempt 1 of 5 on free", "refuses all 4 restarts left", "at the fifth attempt the counter is at 5", "T3402 (12 min)"}},
			"", 0, nil, "{attach_reject: 17, operator: free, subscriber: free, from: 1m52s, until: 2m34s}"},
		{"#111 then another network at once: the standard counter at 5", abnormalLog(append([]string{`103.000 +CEREG: 3,"1A2C","01A2D402",7,0,111`}, orangeNamed("103.500", "110.000")...)...),
			nil, [][]string{{"#111 sets the attach attempt counter to 5"}}, "", 0, nil, ""},
		{"a home registration on another cell at once: not placed", abnormalLog(reject17("103.000"), `106.000 +CEREG: 1,"2B3C","00ABCDEF",7`),
			nil, nil, "the registration at session.log:13 (+CEREG stat 1) came 3s after the abnormal reject at session.log:12 (EMM cause #17), sooner than the attach's restart on free at T3411", 13, nil, ""},
	}
	// A manifest that states a quirk the logs contradict is an error,
	// naming the line that shows otherwise.
	for _, tc := range []struct{ quirk, log, want string }{
		{"abnormal_reject_moves_on: true", abnormalLog(five...), "session.log:13"},
		{"restart_searching: true", abnormalLog(five...), "session.log:13"},
		{"restart_searching: false", abnormalLog(reject17("103.000"), "113.500 +CEREG: 2", `114.000 +CEREG: 1,"1A2C","01A2D402",7`), "session.log:13"},
	} {
		t.Run("stated "+tc.quirk, func(t *testing.T) {
			m := strings.Replace(strings.ReplaceAll(abnormalManifest, "%s", "ab"), "  personality: quectel-eg25\n", "  personality: quectel-eg25\n  quirks: {"+tc.quirk+"}\n", 1)
			f, err := Load(writeFixture(t, "ab", map[string]string{ManifestFile: m, "session.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Reconstruct(f, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), strings.TrimSuffix(strings.Fields(tc.quirk)[0], ":")) {
				t.Errorf("stated %s: %v, want an error naming %s", tc.quirk, err, tc.want)
			}
		})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "ab", map[string]string{ManifestFile: strings.ReplaceAll(abnormalManifest, "%s", "ab"), "session.log": tc.log})
			p := reconstruct(t, dir, Options{})
			all := strings.Join(p.Assumptions, "\n")
			var quirks []string
			for _, a := range p.Assumptions {
				if q, ok := strings.CutPrefix(a, "device.quirks."); ok && !strings.HasPrefix(q, "location_hex") {
					quirks = append(quirks, q)
				}
			}
			if len(quirks) != len(tc.quirks) {
				t.Errorf("derived quirks %q, want %q", quirks, tc.quirks)
			}
			for k, q := range tc.quirks {
				if k < len(quirks) && !strings.HasPrefix(quirks[k], q) {
					t.Errorf("derived quirk %q, want %q…", quirks[k], q)
				}
			}
			for _, parts := range tc.assumed {
				if !assumed(p, parts...) {
					t.Errorf("no assumption with %q:\n%s", parts, all)
				}
			}
			todo := slices.IndexFunc(p.ToDo, func(s string) bool { return tc.todo != "" && strings.Contains(s, tc.todo) })
			if (todo >= 0) != (tc.todo != "") {
				t.Errorf("to-do %q: %v\n%s", tc.todo, todo >= 0, strings.Join(p.ToDo, "\n"))
			}
			l, limited := p.LimitAt(Src{File: "session.log", Line: tc.limit})
			if limited != (tc.limit > 0) || limited && !strings.Contains(l.Text, "abnormal_reject_moves_on: true") {
				t.Errorf("limit at session.log:%d: %v %q", tc.limit, limited, l.Text)
			}
			if sc := string(p.ScenarioYAML); tc.fault != "" && (!strings.Contains(sc, tc.fault) || strings.Count(sc, "attach_reject") != 1) {
				t.Errorf("scenario lacks %s alone:\n%s", tc.fault, sc)
			}
			var unshown []int
			for _, s := range p.Unshown {
				unshown = append(unshown, s.Line)
			}
			if !slices.Equal(unshown, tc.unshown) {
				t.Errorf("not compared %v, want %v", unshown, tc.unshown)
			}
		})
	}
}
