package replay

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/internal/personality"
)

const corpus = "../../fixtures/field"

// copyFixture copies a corpus fixture to a temporary directory, for a
// test to change.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(corpus, name))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(corpus, name, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// editLine replaces line n (1-based) of a fixture's file.
func editLine(t *testing.T, path string, n int, with string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	lines[n-1] = with
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// orangeFixture is the manifest of a one-log fixture around a device
// with one Orange France profile enabled: what the tests of log shapes
// need and no more.
func orangeFixture(name, personality, log, format string, failure int) string {
	f := ""
	if format != "" {
		f = ", format: " + format
	}
	return fmt.Sprintf(`name: %s
source: "a log pasted into a ticket"
logs:
  - {file: %s%s}
device:
  personality: %s
  profiles:
    - {iccid: "89330100005021044451", operator: orange-fr, enabled: true}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
expected: "what the log shows"
failure: {log: %s, line: %d, what: "the line to look at"}
expect: reproduces
`, name, log, f, personality, log, failure)
}

// newFixture makes a fixture directory named name from its files' texts.
func newFixture(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for file, text := range files {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func replay(t *testing.T, dir string) *Result {
	t.Helper()
	res, err := Run(dir, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestAlteredLog: a recording changed in one line no longer reproduces,
// and the report names that line of that log, with context from both
// sides.
func TestAlteredLog(t *testing.T) {
	for _, tc := range []struct {
		fixture, file string
		line          int
		with          string
		track         Track
	}{
		// The EC20F refuses the long +CGLA in other words.
		{"ec20f-long-cgla", "lpac-download.log", 38, "AT_DEBUG_RX(0.720021535): +CME ERROR: 3", Exchanges},
		// Back on Orange after the fallback, but on another cell.
		{"reattach-slower-than-wait", "modemmanager.log", 48, `Mar 14 09:44:44 gw-1042 ModemManager[731]: <dbg> [1773481484.930249] [ttyUSB2/at] <-- '<CR><LF>+CEREG: 5,"3A9B","0000C33E",7<CR><LF>'`, URCs},
		// A stronger signal on O2 at the 11:30 poll.
		{"platform-timeout-keeps-roaming", "at.log", 181, "2026-04-07T11:30:00.520099878Z < +CSQ: 25,99", Exchanges},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			dir := copyFixture(t, tc.fixture)
			editLine(t, filepath.Join(dir, tc.file), tc.line, tc.with)
			res := replay(t, dir)
			if res.OK {
				t.Fatalf("an altered recording still passes: %s", res.Why)
			}
			d := res.Divergence
			if d == nil || d.Src.File != tc.file || d.Src.Line != tc.line || d.Track != tc.track {
				t.Fatalf("divergence %+v, want %s:%d (%s)\n%s", d, tc.file, tc.line, tc.track, Report(res))
			}
			report := Report(res)
			for _, want := range []string{"FAIL", tc.file + ":" + itoa(tc.line), ">> " + pad(tc.line), "the replay, "} {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// pad right-aligns a line number as the report's context does.
func pad(n int) string { return fmt.Sprintf("%5d", n) }

// TestQuirkMatters: the corpus reproduces because the emulated modem does
// what the field modem did — without the quirk the replay leaves the
// recording at the failure.
func TestQuirkMatters(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		off     func(p *field.Plan)
		line    int
	}{
		{"eg25-echo-runs-on", func(p *field.Plan) { p.Dialect.EchoJoinsPrevious = false }, 6},
		{"ec20f-long-cgla", func(p *field.Plan) { p.Dialect.CGLAMaxAPDU = 0 }, 38},
		{"bg95-bare-cchc", func(p *field.Plan) { p.Dialect.CCHCBareLine = false }, 15},
		{"fm350-csim-only", func(p *field.Plan) { p.Dialect.CGLARefused = false }, 20},
		{"refresh-ignored-until-reset", func(p *field.Plan) { p.Dialect.RefreshIgnored = false }, 0},
		// The denied manual selection's error: the cause's own (111)
		// without it, where the field EG25 said no network service.
		{"eg25-manual-selection-rejected", func(p *field.Plan) { p.Dialect.COPSRejectError = 0 }, 27},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			plan, err := Plan(filepath.Join(corpus, tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			tc.off(plan)
			res, err := Replay(plan, Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.Divergence == nil {
				t.Fatalf("reproduces without the quirk: %s", res.Why)
			}
			if tc.line > 0 && res.Divergence.Src.Line > tc.line {
				t.Errorf("diverges at %s, want by line %d:\n%s", res.Divergence.Src, tc.line, Report(res))
			}
		})
	}
}

// TestDeterministic: the same fixture replays to the same bytes and the
// same verdict every time. (Not a power-cut fixture: the rig's cut lands
// after the HTTP exchanges then in flight or before them, as the servers'
// goroutines run; the verdict stays the same, the bytes may not.)
func TestDeterministic(t *testing.T) {
	// The second fixture's host asks the card for its challenge: at.log
	// and the host's log hold it, so it must come from the seed too.
	for _, fixture := range []string{"reattach-slower-than-wait", "ec20f-long-cgla"} {
		t.Run(fixture, func(t *testing.T) { replaysAgree(t, fixture) })
	}
}

func replaysAgree(t *testing.T, fixture string) {
	var logs [2][]byte
	var why [2]string
	for i := range logs {
		dir := t.TempDir()
		res, err := Run(filepath.Join(corpus, fixture), Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		why[i] = res.Why
		for _, f := range []string{HostLog, "events.jsonl", PlatformLog, "at.log"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			switch {
			case errors.Is(err, os.ErrNotExist) && f == PlatformLog:
				b = []byte("(no platform traffic)\n")
			case err != nil:
				t.Fatal(err)
			}
			logs[i] = append(logs[i], b...)
		}
	}
	if !bytes.Equal(logs[0], logs[1]) || why[0] != why[1] {
		a, b := strings.Split(string(logs[0]), "\n"), strings.Split(string(logs[1]), "\n")
		for i := 0; i < len(a) && i < len(b); i++ {
			if a[i] != b[i] {
				t.Fatalf("two replays differ at line %d:\n%s\n%s", i+1, a[i], b[i])
			}
		}
		t.Errorf("two replays differ in length: %d, %d lines", len(a), len(b))
	}
}

// TestArtifacts: a replay leaves what a developer looks at.
func TestArtifacts(t *testing.T) {
	dir := t.TempDir()
	if _, err := Run(filepath.Join(corpus, "reattach-slower-than-wait"), Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{HostLog, ScenarioFile, PersonalityFile, AssumptionsFile, ReportFile, "events.jsonl", "at.log", "traffic.pcapng"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	a, _ := os.ReadFile(filepath.Join(dir, AssumptionsFile))
	if !strings.Contains(string(a), "modemmanager.log:25") {
		t.Errorf("assumptions do not say where the check was aligned:\n%s", a)
	}
}

// TestUncomparedAnswers: a field module's +CGDCONT?, +CGACT?, +CCLK?, +COPS=?, +CNUM
// and +CGPADDR lines are its network's contexts and addresses, its own clock and its scan, which no replay
// gives again: a recording with them still reproduces (the plan says
// why), but the final result of those commands is still compared.
func TestUncomparedAnswers(t *testing.T) {
	const at = "2026-04-07T11:30:00.5"
	lines := []string{
		at + "30000000Z > AT+CGDCONT?",
		at + `31000000Z < +CGDCONT: 1,"IPV4V6","internet.telekom","0.0.0.0,0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0`,
		at + `31100000Z < +CGDCONT: 2,"IPV4V6","ims","0.0.0.0,0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0`,
		at + "31200000Z < OK",
		at + "40000000Z > AT+CGACT?",
		at + "41000000Z < +CGACT: 1,1",
		at + "41100000Z < +CGACT: 2,1",
		at + "41200000Z < OK",
		at + "50000000Z > AT+CCLK?",
		at + `51000000Z < +CCLK: "26/04/07,13:30:00+08"`,
		at + "51100000Z < OK",
		at + "60000000Z > AT+COPS=?",
		at + `61000000Z < +COPS: (1,"Vodafone.de","Vodafone","26202",7),(2,"o2 - de","o2 - de","26207",7),(3,"Telekom.de","TDG","26201",7),,(0-4),(0-2)`,
		at + "61100000Z < OK",
		at + "70000000Z > AT+CNUM",
		at + `71000000Z < +CNUM: ,"+4915112345678",145`,
		at + "71100000Z < OK",
		at + "80000000Z > AT+CPSMS?;+CEDRXS?;+CEDRXRDP",
		at + `81000000Z < +CPSMS: 1,,,"00100100","00000001"`,
		at + `81100000Z < +CEDRXS: 5,"0101"`,
		at + `81200000Z < +CEDRXRDP: 5,"0101","0101","0011"`,
		at + "81300000Z < OK",
		at + "90000000Z > AT+CGPADDR=1",
		at + `91000000Z < +CGPADDR: 1,"10.123.45.67"`,
		at + "91100000Z < OK",
	}
	for _, tc := range []struct {
		name    string
		final   string // the recorded final result of +CGDCONT?
		ok      bool
		atLine  int // the divergence's line when not ok
		assumed []string
		none    bool // the field module lists no PDP context
	}{
		{"reproduces", "OK", true, 0, []string{"+CGDCONT? lines are not compared", "+CGACT? lines are not compared", "+CCLK? lines are not compared", "+COPS=? lists are not compared", "+CNUM lines are not compared",
			"+CPSMS? lines are not compared", "+CEDRXS? lines are not compared", "+CEDRXRDP lines are not compared", "+CGPADDR lines are not compared"}, false},
		{"final result still compared", "ERROR", false, 186, nil, false},
		// sw115: an nRF91 with no context answers OK alone, the emulated
		// modem lists its default one.
		{"none listed", "OK", true, 0, []string{"+CGDCONT? lines are not compared (at.log:183)"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, "platform-timeout-keeps-roaming")
			path := filepath.Join(dir, "at.log")
			ls := append([]string(nil), lines...)
			ls[3] = at + "31200000Z < " + tc.final
			if tc.none {
				ls = slices.Delete(ls, 1, 3)
			}
			// After the OK of the 11:30 +CSQ (line 182).
			editLine(t, path, 182, "2026-04-07T11:30:00.520399809Z < OK\n"+strings.Join(ls, "\n"))
			res := replay(t, dir)
			if res.OK != tc.ok {
				t.Fatalf("OK = %v, want %v: %s\n%s", res.OK, tc.ok, res.Why, Report(res))
			}
			if !tc.ok && (res.Divergence == nil || res.Divergence.Src.Line != tc.atLine || res.Divergence.Track != Exchanges) {
				t.Fatalf("divergence %+v, want at.log:%d (%s)", res.Divergence, tc.atLine, Exchanges)
			}
			all := strings.Join(res.Plan.Assumptions, "\n")
			for _, want := range tc.assumed {
				if !strings.Contains(all, want) {
					t.Errorf("assumptions lack %q:\n%s", want, all)
				}
			}
		})
	}
}

// TestFieldModuleIdentity: ModemManager opens every port with ATI,
// +GCAP, +CGMI, +CGMM, +CGMR and +CGSN, which a field module answers with
// its own maker, model, firmware and IMEI: the recording still reproduces,
// those exchanges compared without their text (the plan says so), and a
// final result that differs still diverges.
func TestFieldModuleIdentity(t *testing.T) {
	const at = "Mar 14 09:39:50 gw-1042 ModemManager[731]: <dbg> [1773481190.1"
	probe := []string{
		at + `00000] [ttyUSB2/at] --> 'ATI<CR>'`,
		at + `04000] [ttyUSB2/at] <-- '<CR><LF>Quectel<CR><LF>EG25<CR><LF>Revision: EG25GGBR07A08M2G<CR><LF><CR><LF>OK<CR><LF>'`,
		at + `10000] [ttyUSB2/at] --> 'AT+GCAP<CR>'`,
		at + `14000] [ttyUSB2/at] <-- '<CR><LF>+GCAP: +CGSM,+FCLASS,+DS<CR><LF><CR><LF>OK<CR><LF>'`,
		at + `20000] [ttyUSB2/at] --> 'AT+CGMI;+CGMM<CR>'`,
		at + `24000] [ttyUSB2/at] <-- '<CR><LF>Quectel<CR><LF><CR><LF>EG25<CR><LF><CR><LF>OK<CR><LF>'`,
		at + `30000] [ttyUSB2/at] --> 'AT+CGMR<CR>'`,
		at + `34000] [ttyUSB2/at] <-- '<CR><LF>EG25GGBR07A08M2G<CR><LF><CR><LF>OK<CR><LF>'`,
		at + `40000] [ttyUSB2/at] --> 'AT+CGSN<CR>'`,
		at + `44000] [ttyUSB2/at] <-- '<CR><LF>861234567890123<CR><LF><CR><LF>OK<CR><LF>'`,
	}
	for _, tc := range []struct {
		name   string
		gsnEnd string // how the recorded +CGSN answer ends
		ok     bool
	}{
		{"reproduces", "OK", true},
		{"final result still compared", "ERROR", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, "reattach-slower-than-wait")
			log := filepath.Join(dir, "modemmanager.log")
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			p := slices.Clone(probe)
			p[9] = strings.Replace(p[9], "<LF>OK<CR>", "<LF>"+tc.gsnEnd+"<CR>", 1)
			if err := os.WriteFile(log, append([]byte(strings.Join(p, "\n")+"\n"), b...), 0o644); err != nil {
				t.Fatal(err)
			}
			m := filepath.Join(dir, "manifest.yaml")
			mb, _ := os.ReadFile(m)
			if err := os.WriteFile(m, []byte(strings.Replace(string(mb), "line: 40,", "line: 50,", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			res := replay(t, dir)
			if res.OK != tc.ok {
				t.Fatalf("OK = %v, want %v: %s\n%s", res.OK, tc.ok, res.Why, Report(res))
			}
			if !tc.ok {
				if d := res.Divergence; d == nil || d.Src.Line != 10 || d.Track != Exchanges {
					t.Fatalf("divergence %+v, want modemmanager.log:10 (%s)", d, Exchanges)
				}
				return
			}
			if all := strings.Join(res.Plan.Assumptions, "\n"); !strings.Contains(all, "the field module's identity") {
				t.Errorf("assumptions do not say the identity is not compared:\n%s", all)
			}
			if res.Compared[Exchanges] < 5 {
				t.Errorf("%d exchanges compared: the probe was not played", res.Compared[Exchanges])
			}
		})
	}
}

// TestTerminalSessions: logs pasted from a terminal replay — a minicom
// capture (banner, CR CR LF, commands seen as their echo, no times) and an
// Arduino serial monitor with TinyGSM's dump (stamps, each command dumped
// then echoed until ATE0, the IoT bring-up commands) — and the minicom
// session as socat -v saw it between host and modem, as Docklight logged
// it and as PuTTY did; an answer the
// emulated modem would not give diverges at its line.
func TestTerminalSessions(t *testing.T) {
	minicom := "Welcome to minicom 2.8\r\n\r\nAT\r\r\nOK\r\nATI\r\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\n" +
		"AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\r\r\n+CCHO: 1\r\n\r\nOK\r\n" +
		"AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\r\r\n+CGLA: 46,\"BF3E125A10890490320038400000000000021864179000\"\r\n\r\nOK\r\n" +
		"AT+CCHC=1\r\r\nOK\r\n"
	arduino := strings.Join([]string{
		"18:30:46.246 -> AT", "18:30:46.257 -> AT", "18:30:46.261 -> OK",
		"18:30:46.264 -> ATE0", "18:30:46.268 -> ATE0", "18:30:46.271 -> OK",
		"18:30:46.273 -> AT+CMEE=0", "18:30:46.276 -> ", "18:30:46.278 -> OK",
		"18:30:46.294 -> AT+CPIN?", "18:30:46.297 -> ", "18:30:46.299 -> +CPIN: READY", "18:30:46.302 -> ", "18:30:46.303 -> OK",
		`18:30:48.808 -> AT+CGDCONT=1,"IP","m2m64.com.attz","0.0.0.0",0,0,0,0`, "18:30:48.812 -> ", "18:30:48.815 -> OK",
		"18:30:49.001 -> AT+CGATT?", "18:30:49.004 -> ", "18:30:49.006 -> +CGATT: 1", "18:30:49.008 -> ", "18:30:49.010 -> OK",
		"18:30:49.101 -> AT+CGACT=1,1", "18:30:49.104 -> ", "18:30:49.106 -> OK",
	}, "\n") + "\n"
	// The same session as a sniffer saw it: socat -v between the host and
	// the modem (headers glued to data, \r escapes, 1.7.4's microseconds).
	socat, err := os.ReadFile(filepath.Join("testdata", "socat-geteid.log"))
	if err != nil {
		t.Fatal(err)
	}
	// The minicom session as Docklight logs it (ASCII display, a stamp
	// where the direction changes), and as PuTTY logs all session output.
	ctl := strings.NewReplacer("\r", "<CR>", "\n", "<LF>")
	docklight := "Docklight Log File (ASCII) - Started 01/12/2026 10:15:01.002\r\n"
	for i, ex := range [][2]string{
		{"AT\r", "AT\r\r\nOK\r\n"},
		{"ATI\r", "ATI\r\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\n"},
		{"AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\r", "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\r\r\n+CCHO: 1\r\n\r\nOK\r\n"},
		{"AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\r", "AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\r\r\n+CGLA: 46,\"BF3E125A10890490320038400000000000021864179000\"\r\n\r\nOK\r\n"},
		{"AT+CCHC=1\r", "AT+CCHC=1\r\r\nOK\r\n"},
	} {
		docklight += fmt.Sprintf("01/12/2026 10:15:%02d.100 [TX] - %s\r\n01/12/2026 10:15:%02d.140 [RX] - %s\r\n", 3+i, ctl.Replace(ex[0]), 3+i, ctl.Replace(ex[1]))
	}
	putty := "=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2026.12.01 10:15:03 =~=~=~=~=~=~=~=~=~=~=~=\r\n" +
		strings.TrimPrefix(minicom, "Welcome to minicom 2.8\r\n\r\n")
	for _, tc := range []struct {
		name, log, personality string
		failure                int
		compared               int
		alter                  [2]string // what to change for the diverging run
		divergesAt             int
	}{
		{"minicom-geteid", minicom, "quectel-eg25", 15, 5, [2]string{"+CCHO: 1\r\n\r\nOK", "+CCHO: 1\r\n\r\nERROR"}, 14},
		{"socat-geteid", string(socat), "quectel-eg25", 22, 5, [2]string{"+CCHO: 1", "+CCHO: 3"}, 16}, // a change of the same length
		{"arduino-bringup", arduino, "simcom-a7600", 15, 7, [2]string{"+CGATT: 1", "+CGATT: 0"}, 20},
		{"docklight-geteid", docklight, "quectel-eg25", 9, 5, [2]string{"+CCHO: 1<CR><LF><CR><LF>OK", "+CCHO: 1<CR><LF><CR><LF>ERROR"}, 7},
		{"putty-geteid", putty, "quectel-eg25", 14, 5, [2]string{"+CCHO: 1\r\n\r\nOK", "+CCHO: 1\r\n\r\nERROR"}, 13},
	} {
		for _, altered := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/altered=%v", tc.name, altered), func(t *testing.T) {
				log := tc.log
				if altered {
					log = strings.Replace(log, tc.alter[0], tc.alter[1], 1)
				}
				manifest := orangeFixture(tc.name, tc.personality, "session.log", "", tc.failure)
				res := replay(t, newFixture(t, tc.name, map[string]string{"session.log": log, field.ManifestFile: manifest}))
				if res.OK == altered {
					t.Fatalf("OK = %v: %s\n%s", res.OK, res.Why, Report(res))
				}
				if !altered && res.Compared[Exchanges] != tc.compared {
					t.Errorf("%d exchanges compared, want %d", res.Compared[Exchanges], tc.compared)
				}
				if d := res.Divergence; altered && (d == nil || d.Src.Line != tc.divergesAt) {
					t.Errorf("divergence %+v, want session.log:%d", d, tc.divergesAt)
				}
			})
		}
	}
}

// TestModemManagerInit: a ModemManager 1.22 log as it comes, its port
// probed and initialised first (echo, identity, +CSCS="UCS2", +CNUM,
// contexts, ICCID through +CRSM, clock; testdata/mm-init-probe.log) and
// then the corpus's failure, replays through the failure: the probe's 25
// exchanges are played and compared, none diverges.
func TestModemManagerInit(t *testing.T) {
	probe, err := os.ReadFile(filepath.Join("testdata", "mm-init-probe.log"))
	if err != nil {
		t.Fatal(err)
	}
	dir := copyFixture(t, "reattach-slower-than-wait")
	log := filepath.Join(dir, "modemmanager.log")
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(log, append(probe, b...), 0o644); err != nil {
		t.Fatal(err)
	}
	n := strings.Count(string(probe), "\n")
	m := filepath.Join(dir, "manifest.yaml")
	mb, _ := os.ReadFile(m)
	if err := os.WriteFile(m, []byte(strings.Replace(string(mb), "line: 40,", fmt.Sprintf("line: %d,", 40+n), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	res := replay(t, dir)
	if !res.OK {
		t.Fatalf("%s\n%s", res.Why, Report(res))
	}
	if got := res.Compared[Exchanges]; got < n/2+20 {
		t.Errorf("%d exchanges compared: the probe's %d were not all played", got, n/2)
	}
}

// TestEG25Restart: an EG25 restarted with +CFUN=1,1 says POWERED DOWN
// going down (its power_down_urcs, as a BG96 does), then sends RDY,
// +CFUN: 1, +CPIN: READY, +QUSIM: 1, +QIND: SMS DONE and +QIND: PB DONE —
// its +QUSIM: 1 is the boot's, not a REFRESH — and, with echo off stored
// (AT&W), does not echo the next command: the replay reproduces all seven
// URCs and the silent echo.
func TestEG25Restart(t *testing.T) {
	log := `[0.000] > AT+CFUN=1,1
[0.050] < OK
[0.060] < POWERED DOWN
[11.200] < RDY
[12.900] < +CFUN: 1
[13.000] < +CPIN: READY
[13.100] < +QUSIM: 1
[15.800] < +QIND: SMS DONE
[16.400] < +QIND: PB DONE
[20.000] > AT+QCCID
[20.010] < +QCCID: 89330100005021044451
[20.011] < OK
`
	manifest := orangeFixture("eg25-restart", "quectel-eg25", "host.log", "plain", 10)
	res := replay(t, newFixture(t, "eg25-restart", map[string]string{"host.log": log, field.ManifestFile: manifest}))
	if !res.OK || res.Compared[URCs] != 7 {
		t.Fatalf("OK %v, %d URCs compared (want 7): %s\n%s", res.OK, res.Compared[URCs], res.Why, Report(res))
	}
	all := strings.Join(res.Plan.Assumptions, "\n")
	if !strings.Contains(all, "echo off stored") || strings.Contains(all, "REFRESH") {
		t.Errorf("assumptions: want the stored echo, no REFRESH:\n%s", all)
	}
}

// TestEchoAfterRestart: after a restart the module echoes as its stored
// profile says. An AT&W the log shows stores the profile itself, which
// the replay plays: no stored echo is assumed from before the log. One it
// does not show was made before it: the replay stores the echo off first,
// and turns it on again for the log's start when the log's first line, an
// ATE0 itself, is echoed (the echo as it was before that line).
func TestEchoAfterRestart(t *testing.T) {
	for _, tc := range []struct {
		name, log  string
		failure    int
		wantStored bool
	}{
		{"stored in the log", `> ATE0
< ATE0
< OK
> AT&W
< OK
> AT+CFUN=1,1
< OK
< RDY
> AT+CPIN?
< +CPIN: READY
< OK
`, 11, false},
		{"stored before the log", `> ATE0
< ATE0
< OK
> AT+CFUN=1,1
< OK
< RDY
> AT+CPIN?
< +CPIN: READY
< OK
`, 9, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := orangeFixture("echo-restart", "generic", "host.log", "plain", tc.failure)
			res := replay(t, newFixture(t, "echo-restart", map[string]string{"host.log": tc.log, field.ManifestFile: manifest}))
			if !res.OK {
				t.Fatalf("%s\n%s", res.Why, Report(res))
			}
			all := strings.Join(res.Plan.Assumptions, "\n")
			if got := strings.Contains(all, "echo off stored"); got != tc.wantStored {
				t.Errorf("echo off stored assumed: %v, want %v:\n%s", got, tc.wantStored, all)
			}
		})
	}
}

// TestBootURCsFromTheLog: a module whose boot says other than its
// personality's (an A7600's *ATREADY: 1, +CPIN: READY, SMS DONE, PB DONE
// under the generic personality, which says RDY) replays its restart: the
// URCs after the restart become the device's boot_urcs quirk, said in the
// plan, its +CPIN: READY no REFRESH.
func TestBootURCsFromTheLog(t *testing.T) {
	log := `[0.000] > AT+CFUN=1,1
[0.040] < OK
[14.100] < *ATREADY: 1
[15.300] < +CPIN: READY
[18.000] < SMS DONE
[18.600] < PB DONE
[19.200] < +CEREG: 1,"3A9B","0000C33D",7
[25.000] > AT+CCID
[25.010] < +CCID: 89330100005021044451
[25.011] < OK
`
	manifest := orangeFixture("a7600-restart", "generic", "host.log", "plain", 8)
	res := replay(t, newFixture(t, "a7600-restart", map[string]string{"host.log": log, field.ManifestFile: manifest}))
	all := strings.Join(res.Plan.Assumptions, "\n")
	if !res.OK {
		t.Fatalf("%s\n%s\n%s", res.Why, Report(res), all)
	}
	if !strings.Contains(all, `device.quirks.boot_urcs`) || !strings.Contains(all, "*ATREADY: 1, +CPIN: READY, SMS DONE, PB DONE") {
		t.Errorf("the plan does not take the boot URCs from the log:\n%s", all)
	}
	if strings.Contains(all, "REFRESH") {
		t.Errorf("a boot URC taken for a REFRESH:\n%s", all)
	}
}

// TestSniffedSessions: one host script's session (recorded against the
// emulator) as strace saw it (-f -tt -y: a reader thread whose reads are
// left unfinished and resumed) and as jpnevulator saw it (--pass between
// a pty and the modem, --timing-print --ascii) replays through its
// failure, a +CGLA whose length is not the APDU's, and diverges where an
// answer is changed.
func TestSniffedSessions(t *testing.T) {
	for _, tc := range []struct {
		file       string
		failure    int
		alter      [2]string
		divergesAt int
	}{
		{"strace-geteid.log", 149, [2]string{`+CCHO: 1\r\n`, `+CCHO: 3\r\n`}, 143},
		{"jpnevulator-geteid.log", 53, [2]string{"48 4F 3A 20 31", "48 4F 3A 20 33"}, 33},
	} {
		trace, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		manifest := fmt.Sprintf(`name: sniffed
source: "a host script under strace, or behind jpnevulator"
logs:
  - {file: trace.log}
device:
  personality: generic
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
expected: "the script sends the APDU's length in bytes"
failure: {log: trace.log, line: %d, what: "+CGLA with a length that is not the APDU's refused with +CME ERROR"}
expect: reproduces
`, tc.failure)
		for _, altered := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/altered=%v", tc.file, altered), func(t *testing.T) {
				log := string(trace)
				if altered {
					log = strings.Replace(log, tc.alter[0], tc.alter[1], 1)
				}
				res := replay(t, newFixture(t, "sniffed", map[string]string{"trace.log": log, field.ManifestFile: manifest}))
				if res.OK == altered {
					t.Fatalf("OK = %v: %s\n%s", res.OK, res.Why, Report(res))
				}
				if !altered && res.Compared[Exchanges] != 10 {
					t.Errorf("%d exchanges compared, want 10", res.Compared[Exchanges])
				}
				if d := res.Divergence; altered && (d == nil || d.Src.Line != tc.divergesAt) {
					t.Errorf("divergence %+v, want trace.log:%d", d, tc.divergesAt)
				}
			})
		}
	}
}

// apduOnlyLog and apduOnlyManifest make a fixture of lpac's APDUs alone
// (TestAPDUOnlyLog).
const (
	apduOnlyLog = "[DEBUG] [APDU] [TX] CLA: 81, INS: E2, P1: 91, P2: 00, Lc: 06, Data: BF3E035C015A\n" +
		"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF3E125A1089049032123451234512345678901235\n" +
		`{"type":"progress","payload":{"code":0,"message":"es10c_enable_profile","data":null}}` + "\n" +
		"[DEBUG] [APDU] [TX] CLA: 81, INS: E2, P1: 91, P2: 00, Lc: 14, Data: BF 31 11 A0 0C 5A 0A 98 33 01 00 00 00 00 00 00 92 81 01 FF \n" +
		"[DEBUG] [APDU] [RX] SW1: 91, SW2: 0B, Data: BF 31 03 80 01 00 \n" +
		`{"type":"lpa","payload":{"code":0,"message":"success","data":null}}` + "\n"
	apduOnlyManifest = `name: apdu-only
source: "lpac profile enable under its pcsc backend, LIBEUICC_DEBUG_APDU=1"
logs:
  - {file: lpac.log}
device:
  personality: generic
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
    - {iccid: "89331000000000000029", operator: orange-fr}
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
expected: "the profile is enabled"
failure: {log: lpac.log, line: 5, what: "EnableProfile answered ok, a REFRESH pending"}
expect: reproduces
`
)

// TestAPDUOnlyLog: lpac's output under a backend that is not AT (pcsc,
// qmi, mbim) shows the card's APDUs and no AT command (here lpac-txrx's
// APDU lines alone: GetEID, then EnableProfile answered ok with a REFRESH
// pending). The replay opens the ISD-R's channels and carries each APDU
// in +CGLA; the emulated card answers as the recorded one did, and an
// answer changed in the log is where the replay leaves it.
func TestAPDUOnlyLog(t *testing.T) {
	log, manifest := apduOnlyLog, apduOnlyManifest
	ccho := `AT+CCHO="A0000005591010FFFFFFFF8900000100"`
	for _, tc := range []struct {
		name       string
		alter      [2]string
		preamble   []string
		divergesAt int // 0: reproduces
	}{
		{"as recorded", [2]string{}, []string{ccho}, 0},
		{"another result", [2]string{"Data: BF 31 03 80 01 00", "Data: BF 31 03 80 01 02"}, []string{ccho}, 5},
		// The same APDUs on logical channel 2: two channels opened.
		{"channel 2", [2]string{"CLA: 81", "CLA: 82"}, []string{ccho, ccho}, 0},
		// A modem whose +CCHO answers a handle, not the channel number: the
		// +CGLA of channel 2 names the handle of the second +CCHO.
		{"sierra-em7511", [2]string{"CLA: 81", "CLA: 82"}, []string{ccho, ccho}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := log
			if tc.alter[0] != "" {
				l = strings.ReplaceAll(l, tc.alter[0], tc.alter[1])
			}
			m := manifest
			if tc.name == "sierra-em7511" {
				m = strings.Replace(m, "personality: generic", "personality: sierra-em7511", 1)
			}
			dir := newFixture(t, "apdu-only", map[string]string{"lpac.log": l, field.ManifestFile: m})
			// A fixture reconstructed twice (a draft trying personalities)
			// keeps its logs as read: both plans carry the APDUs.
			f, err := field.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if p, err := field.Reconstruct(f, field.Options{}); err != nil || !slices.Equal(p.Preamble, tc.preamble) {
					t.Fatalf("reconstruction: %v, preamble %q", err, p.Preamble)
				}
			}
			res := replay(t, dir)
			if !slices.Equal(res.Plan.Preamble, tc.preamble) {
				t.Errorf("preamble %q, want %q", res.Plan.Preamble, tc.preamble)
			}
			if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return strings.Contains(a, "shows the card's APDUs and no AT command") }) {
				t.Errorf("assumptions do not say the APDUs are carried over AT: %q", res.Plan.Assumptions)
			}
			if tc.divergesAt == 0 {
				if !res.OK || res.Compared[Exchanges] != 2 {
					t.Fatalf("OK = %v, %d exchanges compared: %s\n%s", res.OK, res.Compared[Exchanges], res.Why, Report(res))
				}
				return
			}
			if d := res.Divergence; res.OK || d == nil || d.Src.Line != tc.divergesAt {
				t.Fatalf("OK = %v, divergence %+v, want lpac.log:%d", res.OK, d, tc.divergesAt)
			}
		})
	}
}

// TestPreambleChannels: the replay's own +CCHOs give the channels of a
// log of APDUs alone the session ids the emulated modem answered — its
// channel number, or a Sierra's handle — wherever they stand in the
// preamble, here after a command that sets the host's state.
func TestPreambleChannels(t *testing.T) {
	for _, tc := range []struct {
		personality, cla string
		cgla             string // what the replay's +CGLAs name
	}{
		{"generic", "CLA: 81", `AT+CGLA=1,`},
		{"generic", "CLA: 82", `AT+CGLA=2,`},
		{"sierra-em7511", "CLA: 81", `AT+CGLA=000000000385a7cf,`},
		{"sierra-em7511", "CLA: 82", `AT+CGLA=000000000385a7d0,`},
	} {
		t.Run(tc.personality+" "+tc.cla, func(t *testing.T) {
			m := strings.Replace(apduOnlyManifest, "personality: generic", "personality: "+tc.personality, 1)
			dir := newFixture(t, "apdu-only", map[string]string{"lpac.log": strings.ReplaceAll(apduOnlyLog, "CLA: 81", tc.cla), field.ManifestFile: m})
			plan, err := Plan(dir)
			if err != nil {
				t.Fatal(err)
			}
			plan.Preamble = append([]string{"AT+CMEE=2"}, plan.Preamble...)
			res, err := Replay(plan, Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), "> "+tc.cgla); !res.OK || n != 2 {
				t.Fatalf("OK = %v, %d of 2 %s…: %s\n%s\n%s", res.OK, n, tc.cgla, res.Why, b, Report(res))
			}
		})
	}
}

// TestSessionHandle: a Sierra modem's +CCHO handle (16 hex digits) in a
// field log. The reconstruction picks a personality with handles, the
// replay sends the emulated modem's own handle in the +CGLA that follow,
// and the handle's value is not held against the recording — its form is.
// A profile list the card answers differently is where the replay leaves
// the recording.
func TestSessionHandle(t *testing.T) {
	log := `root@gw:~# LPAC_APDU=at LPAC_APDU_AT_DEVICE=/dev/ttyUSB2 LPAC_APDU_AT_DEBUG=1 lpac chip info
AT_DEBUG_TX(0.102331870): AT+CCHO="A0000005591010FFFFFFFF8900000100"
AT_DEBUG_RX(0.318402511): +CCHO: 00000000038aa32f
AT_DEBUG_RX(0.319112907): OK
AT_DEBUG_TX(0.319990002): AT+CGLA=00000000038aa32f,22,"80E2910006BF3E035C015A"
AT_DEBUG_RX(0.385112907): +CGLA: 46,"BF3E125A10890490320000010000000000000001719000"
AT_DEBUG_RX(0.386112907): OK
AT_DEBUG_TX(0.386990002): AT+CGLA=00000000038aa32f,16,"80E2910003BF2D00"
AT_DEBUG_RX(0.405112907): +CGLA: 4,"6A88"
AT_DEBUG_RX(0.406112907): OK
`
	for _, tc := range []struct {
		name  string
		lines int // of the log
		line  int // the failure's
		ok    bool
	}{
		{"through the EID", 7, 6, true},
		{"to the profile list", 10, 9, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := strings.Join(strings.SplitAfter(log, "\n")[:tc.lines], "")
			files := func(personality string) map[string]string {
				return map[string]string{"lpac.log": l, field.ManifestFile: orangeFixture("sierra-handle", personality, "lpac.log", "lpac", tc.line)}
			}
			f, err := field.Load(newFixture(t, "sierra-handle", files("generic")))
			if err != nil {
				t.Fatal(err)
			}
			// generic reads +CCHO: 1: the handle contradicts it.
			if _, err := field.Reconstruct(f, field.Options{}); err == nil || !strings.Contains(err.Error(), `+CCHO answers "+CCHO: 00000000038aa32f"`) {
				t.Fatalf("generic: %v, want the handle named as the contradiction", err)
			}
			res := replay(t, newFixture(t, "sierra-handle", files("sierra-em7511")))
			if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return strings.HasPrefix(a, "the +CCHO session id is volatile") }) {
				t.Errorf("no assumption says the handle is not compared: %q", res.Plan.Assumptions)
			}
			if tc.ok {
				if !res.OK || res.Compared[Exchanges] != 2 {
					t.Fatalf("OK = %v, %d exchanges compared: %s\n%s", res.OK, res.Compared[Exchanges], res.Why, Report(res))
				}
				return
			}
			if d := res.Divergence; res.OK || d == nil || d.Src.Line != 9 {
				t.Fatalf("OK = %v, divergence %+v, want lpac.log:9", res.OK, d)
			}
		})
	}
}

// TestCOPSFormat: a +COPS? answered in the long alphanumeric format (what
// real modems default to) replays as recorded: the replay sets the format
// the log begins with, and the operator is named as the log names it —
// unless the manifest names it otherwise, which is an error naming both.
func TestCOPSFormat(t *testing.T) {
	session := func(cops string, setFirst bool) string {
		s := "Welcome to minicom 2.8\r\n\r\n"
		if setFirst {
			s += "AT+COPS=3,0\r\r\nOK\r\n"
		}
		return s + "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\nAT+COPS?\r\r\n" + cops + "\r\n\r\nOK\r\n"
	}
	manifest := func(name string) string {
		return `name: cops
source: "a terminal capture"
logs:
  - {file: session.log}
device:
  personality: quectel-eg25
  profiles:
    - {iccid: "89340711004017225497", operator: movistar-es, enabled: true}
network:
  operators:
    - {id: movistar-es, plmn: "21407", country: ES` + name + `}
expected: "the operator's name"
failure: {log: session.log, line: 8, what: "the +COPS? answer"}
expect: reproduces
`
	}
	for _, tc := range []struct {
		name, cops, manifestName string
		setFirst                 bool
		preamble, err            string
	}{
		{"long, the name from the log", `+COPS: 0,0,"Movistar",7`, "", false, "AT+COPS=3,0", ""},
		{"long, the manifest's name", `+COPS: 0,0,"Movistar",7`, ", name: Movistar", false, "AT+COPS=3,0", ""},
		{"long, set by the host", `+COPS: 0,0,"Movistar",7`, "", true, "", ""},
		{"numeric", `+COPS: 0,2,"21407",7`, ", name: Movistar", false, "", ""},
		{"long, the manifest naming it otherwise", `+COPS: 0,0,"Movistar",7`, ", name: Telefonica", false, "",
			`manifest.yaml:11:59: network.operators[0].name: "Telefonica", but session.log:8's +COPS? names the network the device is on (movistar-es) "Movistar"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := session(tc.cops, tc.setFirst)
			m := manifest(tc.manifestName)
			if tc.setFirst {
				m = strings.Replace(m, "line: 8,", "line: 10,", 1)
			}
			dir := newFixture(t, "cops", map[string]string{"session.log": log, field.ManifestFile: m})
			if tc.err != "" {
				_, err := Run(dir, Options{Dir: t.TempDir()})
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			res := replay(t, dir)
			if !res.OK {
				t.Fatalf("%s\n%s", res.Why, Report(res))
			}
			if has := slices.ContainsFunc(res.Plan.Preamble, func(l string) bool { return strings.HasPrefix(l, "AT+COPS") }); has != (tc.preamble != "") || tc.preamble != "" && !slices.Contains(res.Plan.Preamble, tc.preamble) {
				t.Errorf("preamble %q, want %q", res.Plan.Preamble, tc.preamble)
			}
		})
	}
}

// TestLogOpensAtPowerOn: a capture that opens with the modem booting (an
// EG25's RDY, +CFUN: 1, +CPIN: READY, +QUSIM: 1, +QIND: …) replays from
// the power-on: the emulated modem boots as the log begins and its boot
// URCs are compared with the log's — as the log shows them, here without
// +QIND: PB DONE — with times or without.
func TestLogOpensAtPowerOn(t *testing.T) {
	minicom := "Welcome to minicom 2.8\r\r\n\r\r\nRDY\r\r\n\r\r\n+CFUN: 1\r\r\n\r\r\n+CPIN: READY\r\r\n\r\r\n+QUSIM: 1\r\r\n\r\r\n+QIND: SMS DONE\r\r\n\r\r\n" +
		"AT\r\r\nOK\r\r\nAT+QCCID\r\r\n+QCCID: 89330100005021044451\r\r\n\r\r\nOK\r\r\n" +
		"AT+CEREG?\r\r\n+CEREG: 0,1\r\r\n\r\r\nOK\r\r\n"
	timed := `[0.000] < RDY
[1.700] < +CFUN: 1
[1.800] < +CPIN: READY
[1.900] < +QUSIM: 1
[4.600] < +QIND: SMS DONE
[5.200] < +QIND: PB DONE
[12.000] > AT+QCCID
[12.010] < +QCCID: 89330100005021044451
[12.011] < OK
[13.000] > AT+CEREG?
[13.010] < +CEREG: 0,1
[13.011] < OK
`
	for _, tc := range []struct {
		name, log string
		failure   int
		urcs      int
	}{
		{"minicom", minicom, 19, 5},
		{"timed", timed, 8, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := orangeFixture("boot", "quectel-eg25", "session.log", "", tc.failure)
			res := replay(t, newFixture(t, "boot", map[string]string{"session.log": tc.log, field.ManifestFile: manifest}))
			if !res.OK || res.Compared[URCs] != tc.urcs {
				t.Fatalf("OK %v, %d URCs compared (want %d): %s\n%s", res.OK, res.Compared[URCs], tc.urcs, res.Why, Report(res))
			}
			if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool {
				return strings.Contains(a, "the logs begin at the device's power-on (session.log:")
			}) {
				t.Errorf("assumptions do not say the logs begin at power-on: %q", res.Plan.Assumptions)
			}
		})
	}
}

// TestGivenScenarioOpensAtPowerOn: a fixture with a whole scenario whose
// log opens with the boot replays with the emulated modem booting where
// the log does on the run's clock (the rig's own log, 30 s in), or, in a
// log without times, before its first command.
func TestGivenScenarioOpensAtPowerOn(t *testing.T) {
	scen, err := os.ReadFile("../../fixtures/scenarios/lab-home.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const manifest = `name: given-boot
source: "a capture of the rig"
logs:
  - {file: host.log, format: plain}
device:
  personality: generic
scenario: scenario.yaml
expected: "x"
failure: {log: host.log, line: 4, what: "x"}
expect: reproduces
`
	for _, tc := range []struct {
		name, log string
		boot      string // the replay's RDY in host.log
	}{
		{"the rig's log", "[2026-01-01 00:00:30.000] < RDY\n[2026-01-01 00:00:40.000] > AT+CPIN?\n[2026-01-01 00:00:40.010] < +CPIN: READY\n[2026-01-01 00:00:40.011] < OK\n",
			"2026-01-01T00:00:30Z < RDY"},
		{"without times", "< RDY\n> AT+CPIN?\n< +CPIN: READY\n< OK\n", "2026-01-01T00:00:00Z < RDY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := replay(t, newFixture(t, "given-boot", map[string]string{"host.log": tc.log, "scenario.yaml": string(scen), field.ManifestFile: manifest}))
			b, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK || res.Compared[URCs] != 1 || !strings.Contains(string(b), tc.boot) {
				t.Fatalf("OK %v, %d URCs compared: %s\nhost.log:\n%s\n%s", res.OK, res.Compared[URCs], res.Why, b, Report(res))
			}
		})
	}
}

// TestLogBeginsInsideAnAnswer: a journal cut with --since inside an
// answer (its command not in the log) replays from its first command:
// the answer's lines are skipped, and the plan says which.
func TestLogBeginsInsideAnAnswer(t *testing.T) {
	prefix := "Mar 02 23:59:59 gw ModemManager[812]: <dbg> [1772495999.%d00000] [modem0/ttyUSB2/at] "
	log := fmt.Sprintf(prefix, 3) + `<-- '<CR><LF>Quectel<CR><LF><CR><LF>OK<CR><LF>'` + "\n" +
		fmt.Sprintf(prefix, 7) + `--> 'AT+CPIN?<CR>'` + "\n" +
		fmt.Sprintf(prefix, 8) + `<-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'` + "\n"
	manifest := orangeFixture("midstart", "quectel-eg25", "mm.log", "mm", 3)
	res := replay(t, newFixture(t, "midstart", map[string]string{"mm.log": log, field.ManifestFile: manifest}))
	if !res.OK || res.Compared[Exchanges] != 1 || res.Compared[URCs] != 0 {
		t.Fatalf("OK %v, compared %v: %s\n%s", res.OK, res.Compared, res.Why, Report(res))
	}
	if !slices.Contains(res.Plan.Assumptions, "mm.log begins inside an answer to a command it does not show: line 1 skipped, not compared") {
		t.Errorf("assumptions: %q", res.Plan.Assumptions)
	}
}

// TestFirstDivergenceInLogOrder: the divergence reported is the earliest
// in the log, whatever its track — in a log without times too, where
// every line is at the same time (a URC the replay lacks before an answer
// it gives otherwise: SIM failure, where the emulated card answers).
func TestFirstDivergenceInLogOrder(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		failure   int
		want      int
		track     Track
	}{
		{"untimed, the URC first", "AT\r\nOK\r\n+CEREG: 1,\"2B0C\",\"000A1D04\",7\r\nAT+CPIN?\r\n+CME ERROR: 13\r\n", 5, 3, URCs},
		{"untimed, the answer first", "AT+CPIN?\r\n+CME ERROR: 13\r\n+CEREG: 1,\"2B0C\",\"000A1D04\",7\r\n", 2, 2, Exchanges},
		// Timed, a URC after the logs read the device registered is no
		// first registration the replay places (registersLater): a change
		// of cell it lacks.
		{"timed, the URC first", "[0.000] > AT+CEREG?\n[0.005] < +CEREG: 2,1,\"2B0C\",\"000A1D04\",7\n[0.010] < OK\n[0.500] < +CEREG: 1,\"2B0C\",\"000A1D05\",7\n[1.000] > AT+CPIN?\n[1.010] < +CME ERROR: 13\n", 6, 4, URCs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := orangeFixture("order", "generic", "session.log", "", tc.failure)
			res := replay(t, newFixture(t, "order", map[string]string{"session.log": tc.log, field.ManifestFile: manifest}))
			if d := res.Divergence; d == nil || d.Src.Line != tc.want || d.Track != tc.track {
				t.Fatalf("divergence %+v, want session.log:%d (%s)\n%s", d, tc.want, tc.track, Report(res))
			}
		})
	}
}

// TestLongLinesShortened: a report names a 100 KB command line, and shows
// one, by its first characters and "…", as it does every long line.
func TestLongLinesShortened(t *testing.T) {
	apdu := "81E29100FF" + strings.Repeat("A5", 50000)
	log := "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
		fmt.Sprintf("> AT+CGLA=1,%d,\"%s\"\n< +CGLA: 4,\"%s\"\n< OK\n", len(apdu), apdu, strings.Repeat("5A", 50000)+"9000")
	manifest := orangeFixture("long", "generic", "session.log", "plain", 5)
	res := replay(t, newFixture(t, "long", map[string]string{"session.log": log, field.ManifestFile: manifest}))
	report := Report(res)
	if res.OK || res.Divergence == nil || res.Divergence.Src.Line != 5 {
		t.Fatalf("OK %v, divergence %+v: want one at session.log:5\n%.2000s", res.OK, res.Divergence, report)
	}
	for _, l := range strings.Split(report, "\n") {
		if len(l) > 250 {
			t.Errorf("a line of %d characters: %.300s", len(l), l)
		}
	}
	if !strings.Contains(report, `the answer to AT+CGLA=1,100010,"81E29100FFA5A5A5A5A5A5… (session.log:4)`) {
		t.Errorf("the command is not shortened:\n%.2000s", report)
	}
}

// TestChannelOpenBeforeTheLog: lpac's AT driver begins by closing
// channels 1 to 4; one a previous run left open answers OK, the others
// ERROR. The replay opens that channel first (not compared), so the log
// replays from its first line — on a modem with bare "+CCHC" lines
// (which answer OK for any channel) nothing is opened.
func TestChannelOpenBeforeTheLog(t *testing.T) {
	log := "AT_DEBUG: AT+CMEE=0\nAT_DEBUG: OK\n"
	for i, ans := range []string{"ERROR", "OK", "ERROR", "ERROR"} {
		log += fmt.Sprintf("AT_DEBUG: AT+CCHC=%d\nAT_DEBUG: %s\n", i+1, ans)
	}
	log += "AT_DEBUG: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\nAT_DEBUG: +CCHO: 1\nAT_DEBUG: OK\n" +
		"AT_DEBUG: AT+CCHC=1\nAT_DEBUG: OK\n"
	dir := newFixture(t, "left-open", map[string]string{"lpac.log": log, field.ManifestFile: orangeFixture("left-open", "generic", "lpac.log", "", 15)})
	plan, err := Plan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(plan.Preamble, "\n"), "AT+CCHO="); n != 2 {
		t.Errorf("preamble %q: want channels 1 and 2 opened, then 1 closed", plan.Preamble)
	}
	if !slices.ContainsFunc(plan.Assumptions, func(a string) bool {
		return strings.Contains(a, "channel 2 open when the logs begin") && strings.Contains(a, "lpac.log:6")
	}) {
		t.Errorf("no assumption names the channel and its line:\n%s", strings.Join(plan.Assumptions, "\n"))
	}
	if res := replay(t, dir); !res.OK {
		t.Fatalf("%s", Report(res))
	}
}

// TestSessionOpenBeforeTheLog: a paste that begins inside lpac's session
// shows a +CGLA the card answers on a channel no +CCHO of the log opened
// (27.007 §8.43: only an open session reaches the card); the replay
// opens it first, not compared, instead of blaming the modem's ERROR.
func TestSessionOpenBeforeTheLog(t *testing.T) {
	log := "AT_DEBUG: AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n" +
		"AT_DEBUG: +CGLA: 46,\"BF3E125A10890490320000010000000000000001719000\"\nAT_DEBUG: OK\n"
	dir := newFixture(t, "mid-session", map[string]string{"lpac.log": log, field.ManifestFile: orangeFixture("mid-session", "generic", "lpac.log", "", 2)})
	res := replay(t, dir)
	if !res.OK || !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool {
		return strings.Contains(a, "channel 1 open when the logs begin: the card answers AT+CGLA on it (lpac.log:1)")
	}) {
		t.Errorf("%s\n%s", Report(res), strings.Join(res.Plan.Assumptions, "\n"))
	}
}

// TestURCsNeverSent: a field modem's URCs that the emulated one never
// sends — a vendor's SIM Toolkit notification, a PDP context event — are
// left out of the comparison, and the plan names each with its first
// line; those it does send (registration) are still compared.
func TestURCsNeverSent(t *testing.T) {
	log := "AT+CEREG=2\r\r\nOK\r\n\r\n+QSTK: \"FETCH\"\r\n\r\n+CGEV: ME PDN ACT 1\r\nAT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n" +
		"\r\n+STKPCI: 0,\"D009810301250082028182\"\r\n\r\n+QSTK: \"FETCH\"\r\nAT\r\r\nOK\r\n"
	for _, tc := range []struct {
		name, alter string
		ok          bool
	}{
		{"as recorded", "", true},
		{"a registration URC the replay does not send", "\r\n+CEREG: 5,\"3A9B\",\"0000C33D\",7\r\nAT\r\r\nOK\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newFixture(t, "stk-urcs", map[string]string{"session.log": log + tc.alter,
				field.ManifestFile: orangeFixture("stk-urcs", "generic", "session.log", "terminal", 15)})
			plan, err := Plan(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := "URCs the emulated modem never sends are not compared: +QSTK (session.log:4), +CGEV (session.log:6), +STKPCI (session.log:12)"
			if !slices.Contains(plan.Assumptions, want) {
				t.Errorf("assumptions lack %q:\n%s", want, strings.Join(plan.Assumptions, "\n"))
			}
			if res := replay(t, dir); res.OK != tc.ok {
				t.Fatalf("OK = %v, want %v:\n%s", res.OK, tc.ok, Report(res))
			}
		})
	}
	t.Run("a name the dialect sends with other words", func(t *testing.T) {
		// An EG25 sends +QIND: SMS DONE at boot, never +QIND: "csq".
		log := "AT\r\r\nOK\r\n\r\n+QIND: \"csq\",20,99\r\nAT\r\r\nOK\r\n"
		dir := newFixture(t, "qind", map[string]string{"session.log": log,
			field.ManifestFile: orangeFixture("qind", "quectel-eg25", "session.log", "terminal", 6)})
		plan, err := Plan(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !plan.URCUncompared(`+QIND: "csq",20,99`) || plan.URCUncompared("+QIND: SMS DONE") {
			t.Errorf("uncompared %q", plan.UncomparedURCs)
		}
		if res := replay(t, dir); !res.OK {
			t.Fatalf("%s", Report(res))
		}
	})
}

// TestRestartInAnUntimedLog: a log without times that restarts the modem
// (AT+CFUN=1,1) goes on once the modem is back; the replay plays the
// commands after the restart once the emulated modem has restarted, not
// into a modem that is off.
func TestRestartInAnUntimedLog(t *testing.T) {
	log := "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\nAT+CFUN=1,1\r\r\nOK\r\n\r\nRDY\r\nAT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\nAT+CSQ\r\r\n+CSQ: 31,99\r\n\r\nOK\r\n"
	dir := newFixture(t, "untimed-restart", map[string]string{"session.log": log,
		field.ManifestFile: orangeFixture("untimed-restart", "generic", "session.log", "terminal", 14)})
	plan, err := Plan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(plan.Assumptions, func(a string) bool {
		return strings.Contains(a, "after AT+CFUN=1,1 (session.log:5)")
	}) {
		t.Errorf("no assumption names the restart:\n%s", strings.Join(plan.Assumptions, "\n"))
	}
	res, err := Run(dir, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("%s", Report(res))
	}
}

// TestLastCommandUnanswered: a run whose emulated modem never answers the
// last command played — it is restarting, or a power cut leaves it off
// past the end — is a finding of the replay, naming the command, its
// line in host.log and the recording's, never an error reading its own
// host log.
func TestLastCommandUnanswered(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  func(t *testing.T) string
		want NoAnswer
	}{
		{"sent while the modem restarts", func(t *testing.T) string {
			log := "[0.000] > AT+CPIN?\n[0.010] < +CPIN: READY\n[0.011] < OK\n[1.000] > AT+CFUN=1,1\n[1.050] < OK\n" +
				"[1.100] > AT+CSQ\n[1.110] < +CSQ: 31,99\n[1.111] < OK\n"
			return newFixture(t, "restart-at-end", map[string]string{"host.log": log,
				field.ManifestFile: orangeFixture("restart-at-end", "generic", "host.log", "plain", 6)})
		}, NoAnswer{Command: "AT+CSQ", Src: field.Src{File: "host.log", Line: 6}, Why: "the emulated modem was restarting when it took the line in"}},
		{"a power cut past the end", func(t *testing.T) string {
			dir := copyFixture(t, "notification-lost-power-cut")
			editLine(t, filepath.Join(dir, field.ManifestFile), 31, "  - {power_cut: attach_result, actor: world, nth: 2, off: 24h}")
			return dir
		}, NoAnswer{Command: "AT+COPS?", Src: field.Src{File: "at.log", Line: 180}, Why: "the emulated modem was powered off when it took the line in"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(tc.dir(t), Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			n := res.NoAnswer
			if n == nil {
				t.Fatalf("no unanswered command: %s", Report(res))
			}
			host, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimRight(string(host), "\n"), "\n")
			if n.Command != tc.want.Command || n.Src != tc.want.Src || n.Why != tc.want.Why ||
				n.Line < 1 || n.Line > len(lines) || !strings.HasSuffix(lines[n.Line-1], " > "+tc.want.Command) {
				t.Errorf("unanswered %+v, want %+v on its host.log line:\n%s", *n, tc.want, host)
			}
			if !strings.HasSuffix(lines[len(lines)-1], " # no answer: "+tc.want.Command) {
				t.Errorf("host.log ends %q, want the note", lines[len(lines)-1])
			}
			if !strings.Contains(res.Why, n.String()) || !strings.Contains(n.String(), fmt.Sprintf("(host.log:%d, played from %s)", n.Line, tc.want.Src)) {
				t.Errorf("the verdict does not name it: %s", res.Why)
			}
		})
	}
}

// TestFieldModemGaveNoAnswer: commands the field host gave up waiting
// for (ModemManager's "Serial command timed out" and its count of a
// port's timeouts) are a hung AT port in the reconstruction, from the
// first of them to the next command answered: the replay's modem leaves
// them unanswered too, answers the one after, and the replay reproduces.
// With the manifest's own faults (none here) the port never hangs, and
// the first of them is the divergence, which says why.
func TestFieldModemGaveNoAnswer(t *testing.T) {
	prefix := "Mar 02 23:59:%02d gw ModemManager[812]: <dbg> [17724959%02d.100000] [modem0/ttyUSB2/at] "
	at := func(s int, rest string) string { return fmt.Sprintf(prefix, s, s) + rest + "\n" }
	log := at(1, `--> 'AT+CPIN?<CR>'`) + at(1, `<-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'`) +
		at(10, `--> 'AT+CSQ<CR>'`) +
		"Mar 02 23:59:13 gw ModemManager[812]: <dbg> [1772495913.200000] [modem0] couldn't load signal quality: 'Serial command timed out'\n" +
		at(20, `--> 'AT+CSQ<CR>'`) +
		"Mar 02 23:59:23 gw ModemManager[812]: <wrn> [1772495923.200000] [modem0] port ttyUSB2 timed out 2 consecutive times\n" +
		at(30, `--> 'AT+CPIN?<CR>'`) + at(30, `<-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'`)
	for _, tc := range []struct {
		name, faults, context string
	}{
		{"a hang", "", ""},
		{"the manifest's faults", "faults: []\n",
			"the answer to AT+CSQ (mm.log:3), which the field modem never gave (ModemManager gave up waiting at mm.log:4); the emulated modem does not stop answering"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := replay(t, newFixture(t, "no-answer", map[string]string{"mm.log": log,
				field.ManifestFile: orangeFixture("no-answer", "quectel-eg25", "mm.log", "mm", 3) + tc.faults}))
			d := res.Divergence
			if tc.context != "" {
				if d == nil || d.Track != Exchanges || d.Context != tc.context || d.Recorded != "" || d.Replayed == "" {
					t.Fatalf("divergence %+v, want %q:\n%s", d, tc.context, Report(res))
				}
				return
			}
			if !res.OK || d != nil || res.Compared[Exchanges] != 4 || res.NoAnswer != nil {
				t.Fatalf("OK %v, divergence %+v, compared %v, unanswered %v:\n%s", res.OK, d, res.Compared, res.NoAnswer, Report(res))
			}
			if !slices.Contains(res.Plan.Assumptions, "the field modem's AT port stopped answering at mm.log:3 (the host gave up waiting: mm.log:4): "+
				"the emulated one hangs until mm.log:7, the next command it answered, its radio, toolkit and card going on") {
				t.Errorf("assumptions: %q", res.Plan.Assumptions)
			}
			host, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(host), "> AT+CSQ\n"); n != 2 || strings.Contains(string(host), "+CSQ:") {
				t.Errorf("host.log: %d AT+CSQ sent, want 2 and no answer:\n%s", n, host)
			}
		})
	}
}

// gammuDump writes one frame as gammu's debug log does: a header, then
// 16 bytes a line, each as two hex digits, itself or a space, and "|",
// the line's text from the 65th column.
func gammuDump(stamp, kind, data string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s gammu-smsd[2731]: gammu: %s frame type 0x00/length 0x%02X/%d\n", stamp, kind, len(data), len(data))
	for i := 0; i < len(data); i += 16 {
		chunk := data[i:min(i+16, len(data))]
		var cells []string
		text := ""
		for _, c := range []byte(chunk) {
			ch, t := byte(' '), byte('.')
			if c >= 32 && c < 127 {
				ch, t = c, c
			}
			cells = append(cells, fmt.Sprintf("%02X%c", c, ch))
			text += string(t)
		}
		fmt.Fprintf(&b, "%s gammu-smsd[2731]: gammu: %-64s%s\n", stamp, strings.Join(cells, "|"), text)
	}
	return b.String()
}

// TestHangInTheSameSecond: in a log stamped to the second, the command
// the host gave up on shares its second with the one answered before it;
// the replay plays that one a nanosecond early, so the hang takes the
// right command, and the replay reproduces.
func TestHangInTheSameSecond(t *testing.T) {
	const day = "Thu 2026/11/26 07:10:"
	log := gammuDump(day+"00", "SENDING", "AT+CPIN?\r") +
		gammuDump(day+"00", "RECEIVED", "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n") +
		gammuDump(day+"00", "SENDING", "AT+CSQ\r") +
		day + "05 gammu-smsd[2731]: gammu: [Retrying 1 type 0x00]\n" +
		gammuDump(day+"05", "SENDING", "AT+CSQ\r") +
		day + "10 gammu-smsd[2731]: gammu: GSM_GetSignalQuality failed with error TIMEOUT[14]: No response in specified timeout. Probably phone not connected.\n" +
		gammuDump(day+"40", "SENDING", "AT+CPIN?\r") +
		gammuDump(day+"40", "RECEIVED", "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n")
	res := replay(t, newFixture(t, "same-second", map[string]string{"gw.log": log,
		field.ManifestFile: orangeFixture("same-second", "quectel-eg25", "gw.log", "gammu", 6)}))
	if !res.OK || res.Compared[Exchanges] != 4 {
		t.Fatalf("OK %v, compared %v:\n%s", res.OK, res.Compared, Report(res))
	}
	host, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(host), "< +CPIN: READY\n"); n != 2 || strings.Contains(string(host), "+CSQ:") {
		t.Errorf("host.log: %d +CPIN answers, want 2 and no +CSQ:\n%s", n, host)
	}
	if !strings.Contains(string(res.Plan.ScenarioYAML), "{at_port: hang, from: 10.000000001s, until: 49s}") {
		t.Errorf("scenario:\n%s", res.Plan.ScenarioYAML)
	}
}

// TestNothingComparedIsNoVerdict: a replay that reproduces with nothing
// compared — no exchange, URC, request or decision — shows nothing, and
// does not pass.
func TestNothingComparedIsNoVerdict(t *testing.T) {
	res := replay(t, filepath.Join(corpus, "fg132-no-test-forms"))
	if !res.OK {
		t.Fatalf("the fixture does not reproduce: %s", res.Why)
	}
	for k := range res.Compared {
		res.Compared[k] = 0
	}
	judge(res, &replayed{})
	if res.OK || !strings.HasPrefix(res.Why, "nothing was compared") {
		t.Errorf("OK %v: %s", res.OK, res.Why)
	}
}

// TestICCIDWithoutCheckDigit: a field card whose ICCID lacks the E.118
// check digit (20 digits of its operator's own, 8986…) replays: the
// emulated card holds a stand-in, the host's EnableProfile names the
// stand-in in its swapped digits, and the +QCCID answers, the echo and
// the card's answer compare as recorded. Without the stand-in the card
// would not know the ICCID (EnableProfile result 1, not 2).
func TestICCIDWithoutCheckDigit(t *testing.T) {
	const iccid = "89860439101880931012" // no E.118 check digit
	const log = `> AT+QCCID
< AT+QCCID
< +QCCID: ` + iccid + `
< OK
> AT+CIMI
< AT+CIMI
< 460001234567890
< OK
> AT+CCHO="A0000005591010FFFFFFFF8900000100"
< AT+CCHO="A0000005591010FFFFFFFF8900000100"
< +CCHO: 1
< OK
> AT+CGLA=1,50,"80E2910014BF3111A00C5A0A986840930181083901218101FF"
< AT+CGLA=1,50,"80E2910014BF3111A00C5A0A986840930181083901218101FF"
< +CGLA: 16,"BF31038001029000"
< OK
`
	dir := newFixture(t, "no-check-digit", map[string]string{
		"manifest.yaml": `name: no-check-digit
source: "a hand-written transcript of an 8986 card"
logs:
  - {file: host.log, format: plain}
device:
  personality: quectel-eg25
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
expected: "the enabled profile cannot be enabled again"
failure: {log: host.log, line: 15, what: "EnableProfile result 2"}
expect: reproduces
`,
		"host.log": log,
	})
	res := replay(t, dir)
	if !res.OK {
		t.Fatalf("does not replay:\n%s", Report(res))
	}
	if !strings.Contains(strings.Join(res.Plan.Assumptions, "\n"), "ICCID "+iccid+" (host.log:3) has no E.118 check digit") {
		t.Errorf("assumptions:\n%s", strings.Join(res.Plan.Assumptions, "\n"))
	}
	if !strings.Contains(string(res.Plan.ScenarioYAML), `iccid: "89860439101880931017"`) {
		t.Errorf("the scenario does not give the card the stand-in:\n%s", res.Plan.ScenarioYAML)
	}
}

// TestMasksOfTheManifestFirst: a redacted IMSI in the log is matched by
// the manifest's own pattern only, the replay's real one by the built-in
// imsi mask too; listed after imsi, the manifest's pattern still wins on
// both sides, so the two compare as one.
func TestMasksOfTheManifestFirst(t *testing.T) {
	dir := newFixture(t, "redacted", map[string]string{
		"manifest.yaml": `name: redacted
source: "a log pasted into a forum, the IMSI redacted"
logs:
  - {file: host.log, format: plain}
device:
  personality: generic
  profiles:
    - {iccid: "89330100005021044451", operator: orange-fr, enabled: true, imsi: "208011234567890"}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
volatile: [imsi, {name: redacted, pattern: '20801[0-9x]{10}'}]
expected: "the IMSI"
failure: {log: host.log, line: 3, what: "the redacted IMSI"}
expect: reproduces
`,
		"host.log": "> AT+CIMI\n< AT+CIMI\n< 20801xxxxxxxxxx\n< OK\n",
	})
	if res := replay(t, dir); !res.OK {
		t.Fatalf("does not replay:\n%s", Report(res))
	}
}

// TestHostPollsBeforeTheBoot: a host that polls a module before it is up
// (TinyGSM's AT, AT…; the terminal shows them echoed, no OK) and only
// then gets the boot URCs: the logs begin as it powers on, the polls are
// not played (the emulated modem, up, would answer them), and the boot's
// +CPIN: READY is the boot's, not a REFRESH. Timed, the power-on falls
// where the log puts the boot.
func TestHostPollsBeforeTheBoot(t *testing.T) {
	terminal := "AT\r\nAT\r\nRDY\r\nAT\r\n+CFUN: 1\r\n+CPIN: READY\r\n+QUSIM: 1\r\n+QIND: SMS DONE\r\n" +
		"AT\r\nOK\r\nAT+QCCID\r\n+QCCID: 89330100005021044451\r\n\r\nOK\r\n"
	timed := `[0.000] > AT
[1.000] > AT
[3.000] < RDY
[4.700] < +CFUN: 1
[4.800] < +CPIN: READY
[4.900] < +QUSIM: 1
[7.600] < +QIND: SMS DONE
[8.200] < +QIND: PB DONE
[15.000] > AT+QCCID
[15.010] < +QCCID: 89330100005021044451
[15.011] < OK
`
	for _, tc := range []struct {
		name, log string
		polls     int
		failure   int
	}{
		// The terminal reads the first two ATs as one and its echo.
		{"terminal", terminal, 2, 12},
		{"timed", timed, 2, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newFixture(t, "polls", map[string]string{"session.log": tc.log, field.ManifestFile: orangeFixture("polls", "quectel-eg25", "session.log", "", tc.failure)})
			res := replay(t, dir)
			if !res.OK {
				t.Fatalf("does not replay:\n%s", Report(res))
			}
			want := fmt.Sprintf("the host's %d command(s) sent before the module was up got no answer", tc.polls)
			if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return strings.Contains(a, want) }) ||
				slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool {
					return strings.Contains(a, "REFRESH") || strings.Contains(a, "does not implement")
				}) {
				t.Errorf("want %q and no REFRESH among the assumptions: %q", want, res.Plan.Assumptions)
			}
			d, err := Draft(t.TempDir(), "polls", "", []string{filepath.Join(dir, "session.log")})
			if err != nil {
				t.Fatal(err)
			}
			if d.Found {
				t.Errorf("the draft takes %v for a failure; the polls before the boot are none", d.Failure)
			}
		})
	}
}

// TestHostPrintsBeforeTheBootNotCompared: a sketch's "." between its AT
// polls before the module is up is the host's; the replay reaches the
// failure the log shows instead of diverging at the dot.
func TestHostPrintsBeforeTheBootNotCompared(t *testing.T) {
	// The "." after the boot is taken for a boot URC (the log cannot
	// tell), so the dialect sends "." and the one before would compare.
	log := "Start modem...\nAT\nAT\n.\nAT\n\nRDY\n.\nAT\nOK\nAT+CPIN?\n+CPIN: READY\n\nOK\nAT+CSQ\n+CSQ: 20,99\n\nOK\n"
	res := replay(t, newFixture(t, "preboot", map[string]string{
		"host.log":         log,
		field.ManifestFile: orangeFixture("preboot", "generic", "host.log", "terminal", 15),
	}))
	if !res.OK {
		t.Fatalf("%s\n%s", res.Why, Report(res))
	}
	if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool {
		return strings.Contains(a, "before the boot at host.log:7 (host.log:4) are the host's")
	}) {
		t.Errorf("no assumption names the host's line 4: %q", res.Plan.Assumptions)
	}
}

// TestBootURCsAmongCommands: a capture whose boot URCs go on after the
// host's first AT got OK (TinyGSM and an A7670, the sweep's D2) replays:
// the emulated modem sends the personality's boot URCs, and in the order
// the log shows them around the host's commands, with times or without.
func TestBootURCsAmongCommands(t *testing.T) {
	for _, tc := range []struct{ name, log string }{
		{"untimed", "AT\nAT\n\n*ATREADY: 1\nAT\nAT\n\nOK\n\n+CPIN: READY\n\nSMS DONE\n\nPB DONE\nAT+CPIN?\nAT+CPIN?\n\n+CPIN: READY\n\nOK\n"},
		{"timed", "[10:00:00.000] AT\n[10:00:00.000] AT\n[10:00:01.000] *ATREADY: 1\n[10:00:01.500] AT\n[10:00:01.500] AT\n[10:00:01.510] OK\n" +
			"[10:00:03.200] +CPIN: READY\n[10:00:05.800] SMS DONE\n[10:00:12.400] PB DONE\n[10:00:13.000] AT+CPIN?\n[10:00:13.000] AT+CPIN?\n[10:00:13.010] +CPIN: READY\n[10:00:13.020] OK\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			last := strings.Count(tc.log, "\n")
			res := replay(t, newFixture(t, "boot", map[string]string{
				"host.log":         tc.log,
				field.ManifestFile: orangeFixture("boot", "simcom-a7600", "host.log", "terminal", last),
			}))
			if !res.OK || res.Compared[URCs] != 4 {
				t.Fatalf("%s, %d URCs compared, want 4\n%s", res.Why, res.Compared[URCs], Report(res))
			}
			b, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range strings.Split(string(b), "\n") {
				if f := strings.SplitN(l, " ", 3); len(f) == 3 && f[1] != "#" {
					got = append(got, f[1]+" "+f[2])
				}
			}
			want := []string{"< *ATREADY: 1", "> AT", "< AT", "< OK", "< +CPIN: READY", "< SMS DONE", "< PB DONE", "> AT+CPIN?", "< AT+CPIN?", "< +CPIN: READY", "< OK"}
			if !slices.Equal(got, want) {
				t.Errorf("host.log:\n%s\nwant the lines\n%s", b, strings.Join(want, "\n"))
			}
		})
	}
}

// TestDivergenceInTheFailuresExchange: a failure named by its command's
// line is at that exchange: a replay that answers the command otherwise
// leaves the recording at the failure (fixed), not after it.
func TestDivergenceInTheFailuresExchange(t *testing.T) {
	log := "AT\nOK\nAT+CFUN=1\n+CME ERROR: 3\n"
	for _, tc := range []struct {
		expect string
		ok     bool
		why    string
	}{
		{"fixed", true, "fixed: the replay leaves the recording at host.log:4 (exchange), at the failure at host.log:3"},
		{"reproduces", false, "leaves the recording at host.log:4 (exchange), at the failure at host.log:3"},
	} {
		t.Run(tc.expect, func(t *testing.T) {
			manifest := strings.Replace(orangeFixture("pin", "generic", "host.log", "terminal", 3), "expect: reproduces", "expect: "+tc.expect, 1)
			res := replay(t, newFixture(t, "pin", map[string]string{"host.log": log, field.ManifestFile: manifest}))
			if res.OK != tc.ok || !strings.Contains(res.Why, tc.why) {
				t.Errorf("OK %v, %s; want %v and %q", res.OK, res.Why, tc.ok, tc.why)
			}
		})
	}
}

// TestURCBeforeAnyMatchedNamesALine: a URC the replay alone sends before
// any of the recording's matched is placed after the command played by
// then, not at no line of no file.
func TestURCBeforeAnyMatchedNamesALine(t *testing.T) {
	log := "AT+CEREG=2\nOK\nAT+CFUN=0\nOK\nAT+CSQ\n+CSQ: 99,99\n\nOK\n"
	res := replay(t, newFixture(t, "urc", map[string]string{"host.log": log, field.ManifestFile: orangeFixture("urc", "generic", "host.log", "terminal", 6)}))
	d := res.Divergence
	if d == nil || d.Track != URCs || d.Src != (field.Src{File: "host.log", Line: 3}) || d.Replayed == "" {
		t.Fatalf("divergence %+v, want the replay's URC after host.log:3\n%s", d, Report(res))
	}
}

// TestRegistersAfterTheLogsBegin: a log whose first registration comes
// after it begins — read searching first, or a URC with no registered
// state read before it — replays with the device out of coverage until
// then, so the search and the URC are the replay's too; a registration
// read first keeps the device registered from its boot.
func TestRegistersAfterTheLogsBegin(t *testing.T) {
	const cell = `"1F41","01A2B3C5",7`
	for _, tc := range []struct {
		name, log string
		failure   int
		assumed   string // "" none
	}{
		{"searching, then the URC",
			"[0.000] > AT+CEREG=2\n[0.010] < OK\n[0.100] > AT+CEREG?\n[0.110] < +CEREG: 2,2\n[0.111] < OK\n" +
				"[5.000] < +CEREG: 1," + cell + "\n[6.000] > AT+CEREG?\n[6.010] < +CEREG: 2,1," + cell + "\n[6.011] < OK\n", 9,
			"the device registered first at session.log:6 (after the logs show it unregistered): it is out of coverage (searching) from its power-on until then, +5s on the logs' clock"},
		{"the URC first, its mode from before the logs",
			"[0.000] > AT+CPIN?\n[0.010] < +CPIN: READY\n[0.011] < OK\n[0.034] < +CEREG: 1," + cell + "\n" +
				"[1.000] > AT+CEREG?\n[1.010] < +CEREG: 2,1," + cell + "\n[1.011] < OK\n", 7,
			"the device registered first at session.log:4 (a URC, so it came then): it is out of coverage (searching) from its power-on until then, +34ms on the logs' clock"},
		{"registered when first read",
			"[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1," + cell + "\n[0.011] < OK\n[5.000] > AT+CPIN?\n[5.010] < +CPIN: READY\n[5.011] < OK\n", 6, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := reproduces(t, "later", tc.log, tc.failure)
			if got := strings.Contains(all, "registered first at"); got != (tc.assumed != "") || tc.assumed != "" && !strings.Contains(all, tc.assumed) {
				t.Errorf("assumptions:\n%s\nwant %q", all, tc.assumed)
			}
		})
	}
}

// TestCoverageLostInTheField: a registration the logs show lost with no
// reject, restart, REFRESH or host command, and found again later, is a
// dead zone (coverage: lost) from the loss to the registration; a modem
// that shows the loss as not registered (stat 0) has no_service_stat 0.
// A loss the host's own detach explains is left to the replay's command.
func TestCoverageLostInTheField(t *testing.T) {
	const cell = `"1F41","01A2B3C5",7`
	head := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1," + cell + "\n[0.011] < OK\n"
	for _, tc := range []struct {
		name, log string
		failure   int
		assumed   []string // each in the plan's assumptions
		none      string   // in none of them
	}{
		{"searching, then back",
			head + "[9.500] < +CEREG: 2\n[10.000] > AT+CSQ\n[10.010] < +CSQ: 99,99\n[10.011] < OK\n" +
				"[30.000] < +CEREG: 1," + cell + "\n[31.000] > AT+CEREG?\n[31.010] < +CEREG: 2,1," + cell + "\n[31.011] < OK\n", 11,
			[]string{"the device lost its registration at session.log:4 (+CEREG stat 2) with no reject, restart, REFRESH or host command before it: a dead zone until session.log:8 (coverage: lost)"},
			"searching_urc"},
		{"not registered, to the end",
			head + "[9.500] < +CEREG: 0\n[10.000] > AT+CSQ\n[10.010] < +CSQ: 99,99\n[10.011] < OK\n", 7,
			[]string{"a dead zone to the end (coverage: lost)", "device.quirks.no_service_stat: 0"}, ""},
		// A poller with its URCs off sees the loss only in its reads: the
		// zone's edges fall halfway between them (a second at most).
		{"read only, by a poller",
			"[0.000] > AT+CEREG?\n[0.010] < +CEREG: 0,1\n[0.011] < OK\n[30.000] > AT+CEREG?\n[30.010] < +CEREG: 0,2\n[30.011] < OK\n" +
				"[60.000] > AT+CEREG?\n[60.010] < +CEREG: 0,2\n[60.011] < OK\n[90.000] > AT+CEREG?\n[90.010] < +CEREG: 0,1\n[90.011] < OK\n", 11,
			[]string{"the device lost its registration at session.log:5 (+CEREG stat 2) with no reject, restart, REFRESH or host command before it: a dead zone until session.log:11 (coverage: lost)"}, ""},
		{"the host's detach",
			head + "[5.000] > AT+COPS=2\n[5.010] < OK\n[5.020] < +CEREG: 0\n[6.000] > AT+CSQ\n[6.010] < +CSQ: 99,99\n[6.011] < OK\n", 9,
			nil, "coverage: lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := reproduces(t, "lost", tc.log, tc.failure)
			for _, a := range tc.assumed {
				if !strings.Contains(all, a) {
					t.Errorf("assumptions lack %q:\n%s", a, all)
				}
			}
			if tc.none != "" && strings.Contains(all, tc.none) {
				t.Errorf("assumptions hold %q:\n%s", tc.none, all)
			}
		})
	}
}

// TestBERMasked: a field modem's +CSQ <ber> other than 99 is compared
// masked (the emulated modem has none to give on E-UTRAN), and the plan
// says so; a registration URC after a signal read stays before the logs,
// which the plan says the replay cannot show.
func TestBERMasked(t *testing.T) {
	const cell = `"1F41","01A2B3C5",7`
	log := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1," + cell + "\n[0.011] < OK\n[1.000] > AT+CSQ\n[1.010] < +CSQ: 20,0\n[1.011] < OK\n"
	if all := reproduces(t, "ber", log, 6); !strings.Contains(all, "the <ber> of +CSQ is volatile: session.log:5 gives 0") {
		t.Fatalf("assumptions:\n%s", all)
	}

	log = "[0.000] > AT+CSQ\n[0.010] < +CSQ: 20,99\n[0.011] < OK\n[1.500] < +CEREG: 1," + cell + "\n[2.000] > AT+CPIN?\n[2.010] < +CPIN: READY\n[2.011] < OK\n"
	res := replay(t, newFixture(t, "signal-first", map[string]string{"session.log": log,
		field.ManifestFile: orangeFixture("signal-first", "generic", "session.log", "plain", 7)}))
	all := strings.Join(res.Plan.Assumptions, "\n")
	if want := "the first registration the logs show (session.log:4) is a URC, after a signal read (session.log:2)"; !strings.Contains(all, want) || strings.Contains(all, "registered first at") {
		t.Errorf("assumptions:\n%s\nwant %q", all, want)
	}
}

// reproduces replays log, a plain transcript, as the one log of an Orange
// fixture named name whose failure is line failure, fails t unless the
// replay reproduces it, and returns the plan's assumptions, a line each.
func reproduces(t *testing.T, name, log string, failure int) string {
	t.Helper()
	res := replay(t, newFixture(t, name, map[string]string{"session.log": log,
		field.ManifestFile: orangeFixture(name, "generic", "session.log", "plain", failure)}))
	all := strings.Join(res.Plan.Assumptions, "\n")
	if !res.OK {
		t.Fatalf("%s\n%s\n%s", res.Why, Report(res), all)
	}
	return all
}

// TestDenialInTheField: a denial with its reject cause that the logs show
// as a URC after they begin — after a read of the device searching, or as
// the first thing they show — replays: the device reaches the network at
// that instant, where its attach meets the reject, stays camped on the
// cell (its location and signal as the log reads them); the plan says so.
func TestDenialInTheField(t *testing.T) {
	const deny = `"3a9b","0000c33d",7,0,15`
	tail := "[4.200] < +CEREG: 3," + deny + "\n[10.000] > AT+CEREG?\n[10.010] < +CEREG: 3,3," + deny + "\n[10.020] < OK\n" +
		"[10.200] > AT+CSQ\n[10.210] < +CSQ: 21,99\n[10.220] < OK\n"
	head := "[0.000] > AT+CEREG=3\n[0.010] < OK\n[0.400] > AT+CIMI\n[0.410] < 208015021044451\n[0.420] < OK\n"
	for _, tc := range []struct {
		name, log string
		failure   int
		assumed   string
	}{
		{"searching, then denied", head + "[0.600] > AT+CEREG?\n[0.610] < +CEREG: 3,2\n[0.620] < OK\n" + tail, 9,
			"the logs never show the device registered, and show it denied first at session.log:9 (a URC, so it came then)"},
		{"denied first", head + tail, 6,
			"the logs never show the device registered, and show it denied first at session.log:6 (a URC, so it came then)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if all := reproduces(t, "denied", tc.log, tc.failure); !strings.Contains(all, tc.assumed) {
				t.Errorf("assumptions:\n%s\nwant %q", all, tc.assumed)
			}
		})
	}
}

// TestSignalReadOnReturn: a +CSQ read after the device registered again on
// a cell it had no signal read for the first time is that cell's signal.
func TestSignalReadOnReturn(t *testing.T) {
	const cell = `"1F41","01A2B3C5",7`
	log := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1," + cell + "\n[0.011] < OK\n" +
		"[5.000] > AT+CFUN=4\n[5.010] < OK\n[5.020] < +CEREG: 0\n[6.000] > AT+CFUN=1\n[6.010] < OK\n[8.000] < +CEREG: 1," + cell + "\n" +
		"[9.000] > AT+CSQ\n[9.010] < +CSQ: 20,99\n[9.011] < OK\n"
	if all := reproduces(t, "csq", log, 11); strings.Contains(all, "for the cells whose signal the logs do not show") {
		t.Errorf("the read at session.log:11 is not taken:\n%s", all)
	}
}

// TestSignalWanders: a field modem's +CSQ wanders a step between reads
// on one cell; each read that differs is a signal change just before it,
// so the replay's reads give what the log's did, unmasked.
func TestSignalWanders(t *testing.T) {
	const cell = `"1F41","01A2B3C5",7`
	log := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1," + cell + "\n[0.011] < OK\n" +
		"[1.000] > AT+CSQ\n[1.010] < +CSQ: 22,99\n[1.011] < OK\n" +
		"[30.000] > AT+CSQ\n[30.010] < +CSQ: 21,99\n[30.011] < OK\n" +
		"[60.000] > AT+CSQ\n[60.010] < +CSQ: 21,99\n[60.011] < OK\n" +
		"[90.000] > AT+CSQ\n[90.010] < +CSQ: 23,99\n[90.011] < OK\n"
	if all := reproduces(t, "wander", log, 15); !strings.Contains(all, "the serving cell's signal changes 2 time(s) as the logs' later reads show it (session.log:8 first)") {
		t.Errorf("assumptions:\n%s", all)
	}
}

// TestBothNoServiceStats: a log that shows a device without a cell both
// searching (2) and not registered (0) is told the emulated modem gives
// one of them.
func TestBothNoServiceStats(t *testing.T) {
	log := "[0.000] > AT+CREG=1\n[0.010] < OK\n[0.100] > AT+CREG?\n[0.110] < +CREG: 1,2\n[0.111] < OK\n[8.000] < +CREG: 1\n" +
		"[50.000] < +CREG: 0\n[80.000] < +CREG: 1\n[81.000] > AT+CREG?\n[81.010] < +CREG: 1,1\n[81.011] < OK\n"
	res := replay(t, newFixture(t, "both", map[string]string{"session.log": log,
		field.ManifestFile: orangeFixture("both", "generic", "session.log", "plain", 10)}))
	all := strings.Join(res.Plan.Assumptions, "\n")
	if want := "the logs show a device without a cell as searching (session.log:4, stat 2) and as not registered (no_service_stat 0)"; !strings.Contains(all, want) {
		t.Errorf("assumptions:\n%s\nwant %q", all, want)
	}
}

// TestSelfBootInTheField: a boot no command asked for (the power went,
// or the module crashed) replays as a power cut from just after the
// modem's last line before it to the boot, and the replay follows the
// recording through it; the plan says so.
func TestSelfBootInTheField(t *testing.T) {
	log := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 0,1\n[0.011] < OK\n[30.000] > AT+CSQ\n[30.010] < +CSQ: 20,99\n[30.011] < OK\n" +
		"[75.000] < RDY\n[90.000] > AT+CEREG?\n[90.010] < +CEREG: 0,1\n[90.011] < OK\n"
	all := reproduces(t, "self-boot", log, 7)
	if want := "the modem booted by itself at session.log:7 (no restart command before it: its power was cut, or it crashed): the replay cuts the power just after the modem's last line before it (session.log:6) and gives it back as the boot shows, 44.988s later (power_cut: at)"; !strings.Contains(all, want) {
		t.Errorf("assumptions:\n%s\nwant %q", all, want)
	}
}

// TestSelfBootURCs: the boot URCs a boot no command asked for shows are
// the dialect's, as a restart's are: a log that shows RDY and +CPIN: READY
// alone replays under a personality that sends more.
func TestSelfBootURCs(t *testing.T) {
	log := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 0,1\n[0.011] < OK\n[30.000] > AT+CSQ\n[30.010] < +CSQ: 20,99\n[30.011] < OK\n" +
		"[75.000] < RDY\n[76.000] < +CPIN: READY\n[90.000] > AT+CEREG?\n[90.010] < +CEREG: 0,1\n[90.011] < OK\n"
	res := replay(t, newFixture(t, "self-boot-urcs", map[string]string{"session.log": log,
		field.ManifestFile: orangeFixture("self-boot-urcs", "quectel-eg25", "session.log", "plain", 7)}))
	all := strings.Join(res.Plan.Assumptions, "\n")
	if !res.OK || !strings.Contains(all, `device.quirks.boot_urcs: "[\"RDY\",\"+CPIN: READY\"]" — after a boot the modem sends RDY, +CPIN: READY (session.log:7)`) {
		t.Fatalf("%s\n%s\n%s", res.Why, Report(res), all)
	}
}

// TestAPDUOnlyLogGetResponse: a log of APDUs alone where the card
// answered 61xx and the LPA fetched the answer with GET RESPONSE (a T=0
// reader) replays over +CGLA: the GET RESPONSE asks for what the emulated
// card announced, whatever Le the field's asked for, and the assumptions
// say why +CGLA must hand the 61xx over — and nothing of the spacing of
// +CGLA lines the replay itself wrote.
func TestAPDUOnlyLogGetResponse(t *testing.T) {
	log := "[DEBUG] [APDU] [TX] CLA: 81, INS: E2, P1: 91, P2: 00, Lc: 06, Data: BF3E035C015A\n" +
		"[DEBUG] [APDU] [RX] SW1: 61, SW2: 20, Data: \n" +
		"[DEBUG] [APDU] [TX] CLA: 81, INS: C0, P1: 00, P2: 00, Lc: 20, Data: \n" +
		"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF3E125A1089049032123451234512345678901235\n"
	manifest := strings.Replace(apduOnlyManifest, "line: 5, what: \"EnableProfile answered ok, a REFRESH pending\"", "line: 4, what: \"GetEID answered\"", 1)
	res := replay(t, newFixture(t, "apdu-only", map[string]string{"lpac.log": log, field.ManifestFile: manifest}))
	if !res.OK {
		t.Fatalf("%s\n%s", res.Why, Report(res))
	}
	if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool {
		return strings.Contains(a, "cgla_passes_61xx: true — the card answered 6120 to the LPA") && strings.Contains(a, "the replay carries those APDUs in +CGLA")
	}) || slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return strings.Contains(a, "apdu_answer_no_space") }) {
		t.Errorf("assumptions: %q", res.Plan.Assumptions)
	}
}

// A fixture whose failure line no track compares does not reproduce,
// however well the rest follows: a URC the emulated modem never sends, or
// a foreign line the reader took for one, shows nothing of the failure
// (outside tester sw67: both passed). A line of the conversation there
// passes.
func TestFailureLineMustBeCompared(t *testing.T) {
	log := "2026-11-30 14:02:10.101 > AT+CPIN?\n" +
		"2026-11-30 14:02:10.109 < +CPIN: READY\n" +
		"2026-11-30 14:02:10.110 < OK\n" +
		"2026-11-30 14:02:10.200 > AT+CEREG?\n" +
		"2026-11-30 14:02:10.207 < +CEREG: 0,1\n" +
		"2026-11-30 14:02:10.208 < OK\n" +
		"2026-11-30 14:02:15.000 < +CGEV: ME DETACH\n" +
		"2026-11-30 14:02:20.200 > AT+CEREG?\n" +
		"2026-11-30 14:02:20.209 < +CEREG: 0,1\n" +
		"2026-11-30 14:02:20.210 < OK\n"
	for _, tc := range []struct {
		line int
		ok   bool
	}{{7, false}, {9, true}} {
		res := replay(t, newFixture(t, fmt.Sprintf("fail-%d", tc.line), map[string]string{"gw.log": log,
			field.ManifestFile: orangeFixture(fmt.Sprintf("fail-%d", tc.line), "generic", "gw.log", "plain", tc.line)}))
		if res.OK != tc.ok {
			t.Errorf("failure at line %d: OK %v, want %v: %s", tc.line, res.OK, tc.ok, res.Why)
		}
		if !tc.ok && !strings.Contains(res.Why, `the failure at gw.log:7 is no line it compares ("+CGEV: ME DETACH": a URC the plan leaves uncompared, one the emulated modem never sends)`) {
			t.Errorf("why: %s", res.Why)
		}
	}
}

// TestURCHint: a URC the replay lacks that the emulated modem never sends,
// or sends at some moments only, is said so, with the quirks that would
// state it; a registration is not.
func TestURCHint(t *testing.T) {
	eg25, err := personality.Load("quectel-eg25")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		urc  string
		want string
	}{
		{"+QIND: SMS DONE", `the emulated modem (quectel-eg25) sends "+QIND: SMS DONE" unasked only at a boot (boot_urcs): if the module sends it at other moments too, give their list in the manifest's device.quirks (refresh_urcs, card_gone_urcs, card_back_urcs: the whole list, in the module's order)`},
		{"+QFOO: 1", `the emulated modem (quectel-eg25) never sends "+QFOO: 1" unasked: if the module sends it at a boot, a REFRESH, or a card's leaving or return, give that list in the manifest's device.quirks (boot_urcs, refresh_urcs, card_gone_urcs, card_back_urcs: the whole list, in the module's order)`},
		{"+CEREG: 2", ""},
	} {
		if got := urcHint(eg25, tc.urc); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.urc, got, tc.want)
		}
	}
}

// TestDivergenceSaysWhatTheDraftKnew: a divergence at a line the draft
// already named as beyond the replay says so beside it, not only under
// -v (outside tester sw79: an XMM7360's +CME ERROR: 30 to AT+COPS=0).
func TestDivergenceSaysWhatTheDraftKnew(t *testing.T) {
	todo := "the modem answered +CME ERROR: 30 to AT+COPS=0 at mm.log:21, and the logs show no registration: the replay cannot show this answer"
	res := &Result{Plan: &field.Plan{Fixture: &field.Fixture{Manifest: &field.Manifest{}}, ToDo: []string{"something at mm.log:3", todo}}}
	d := &Divergence{Track: Exchanges, Src: field.Src{File: "mm.log", Line: 21}, Recorded: "+CME ERROR: 30", Replayed: "OK"}
	got := divergenceText(res, d, "first divergence")
	if !strings.Contains(got, "    known    "+todo+"\n") || strings.Contains(got, "mm.log:3") {
		t.Errorf("divergence:\n%s", got)
	}
}

// TestDivergenceNamesDroppedFaults: a URC the replay lacks, after the
// manifest's faults replaced the logs' ones, names the fault left out —
// the one the URC shows when it is that line's, and not the quirks —
// (outside tester sw84 N7: a card's leaving dropped, the quirks blamed).
func TestDivergenceNamesDroppedFaults(t *testing.T) {
	gone := "{card: absent, from: 4.488s} (a76.log:4)"
	for _, tc := range []struct {
		name    string
		dropped []string
		want    []string
		notWant string
	}{
		{"this URC's fault", []string{"{coverage: lost, from: 1s} (a76.log:2)", gone},
			[]string{"the replay leaves out " + gone + ", the fault this URC shows: give it in faults: too"}, "device.quirks"},
		{"another line's", []string{"{coverage: lost, from: 1s} (a76.log:2)"},
			[]string{"the replay leaves out {coverage: lost, from: 1s} (a76.log:2): if this URC came of one", "device.quirks"}, ""},
		{"none dropped", nil, []string{"device.quirks"}, "leaves out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &Result{Plan: &field.Plan{Fixture: &field.Fixture{Manifest: &field.Manifest{}}, DroppedFaults: tc.dropped}}
			d := &Divergence{Track: URCs, Src: field.Src{File: "a76.log", Line: 4}, Recorded: "+SIMCARD: NOT AVAILABLE"}
			got := divergenceText(res, d, "first divergence")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in:\n%s", w, got)
				}
			}
			if tc.notWant != "" && strings.Contains(got, tc.notWant) {
				t.Errorf("%q in:\n%s", tc.notWant, got)
			}
		})
	}
}

// TestVendorRestartReplays: a vendor's own restart (at.VendorRestarts)
// answered OK is the restart the field modem made: a Sierra's AT!RESET,
// after which it sends no boot URC, and a SIMCom's AT+CRESET, whose boot
// URCs are then its reboot's, not a power cut's. Under a personality
// that takes it, it is played as logged; under one that lacks it (a
// Telit's AT#REBOOT, a u-blox's AT+CFUN=16 under sierra-em7511, which
// would refuse them), AT+CFUN=1,1 is played in its place and the
// assumptions say so. The replay reproduces each.
func TestVendorRestartReplays(t *testing.T) {
	for _, tc := range []struct{ pers, cmd, boot string }{
		{"sierra-em7511", "AT!RESET", ""},
		{"simcom-a7600", "AT+CRESET", "[11.200] < *ATREADY: 1\n[13.000] < +CPIN: READY\n[15.800] < SMS DONE\n[16.400] < PB DONE\n"},
		{"sierra-em7511", "AT#REBOOT", ""},
		{"sierra-em7511", "AT+CFUN=16", ""},
		// An nRF91 takes no AT+CFUN=1,1: its own restart is played.
		{"nordic-nrf9160", "AT+QRST=1", ""},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			log := "[0.000] > AT\n[0.004] < AT\n[0.005] < OK\n[1.000] > " + tc.cmd + "\n[1.004] < " + tc.cmd + "\n[1.050] < OK\n" + tc.boot +
				"[30.000] > AT+CPIN?\n[30.004] < AT+CPIN?\n[30.010] < +CPIN: READY\n[30.011] < OK\n"
			manifest := orangeFixture("vendor-restart", tc.pers, "host.log", "plain", strings.Count(log, "\n"))
			res := replay(t, newFixture(t, "vendor-restart", map[string]string{"host.log": log, field.ManifestFile: manifest}))
			if !res.OK {
				t.Fatalf("%s\n%s", res.Why, Report(res))
			}
			f := res.Plan.Facts
			all := strings.Join(res.Plan.Assumptions, "\n")
			if len(f.Restarts) != 1 || f.Restarts[0].Src.Line != 4 || len(f.Boots) != 0 || res.Compared[Exchanges] != 3 ||
				strings.Contains(all, "booted by itself") || strings.Contains(all, "does not implement") {
				t.Errorf("restarts %v, boots %v, %d exchanges compared (want the restart at host.log:4 played, no power cut):\n%s", f.Restarts, f.Boots, res.Compared[Exchanges], all)
			}
			p, err := personality.Load(tc.pers)
			if err != nil {
				t.Fatal(err)
			}
			played := []string{tc.cmd}
			if !slices.Contains(p.VendorRestarts, tc.cmd) {
				played = dialect.RestartLines(p)
				if want := "1 restart command(s) the " + tc.pers + " personality does not take are played as " + strings.Join(played, " then ") +
					", its own restart, the restart being the fact that matters (host.log:4 " + tc.cmd + ")"; !strings.Contains(all, want) {
					t.Errorf("assumptions lack %q:\n%s", want, all)
				}
			} else if strings.Contains(all, "does not take are played") {
				t.Errorf("%s is %s's own, yet substituted:\n%s", tc.cmd, tc.pers, all)
			}
			if i := slices.IndexFunc(res.Plan.Steps, func(s field.Step) bool { return s.Src.Line == 4 }); i < 0 ||
				!slices.Equal(append(slices.Clone(res.Plan.Steps[i].Before), res.Plan.Steps[i].Line), played) || res.Plan.Steps[i].Skip != "" {
				t.Errorf("the restart's step: %+v; want %q played", res.Plan.Steps, played)
			}
			// What the replay's host sent for it, in order.
			b, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			var sent []string
			for _, l := range strings.Split(string(b), "\n") {
				if _, c, ok := strings.Cut(l, "> "); ok && (strings.HasPrefix(c, "AT+CFUN") || c == tc.cmd) {
					sent = append(sent, c)
				}
			}
			if !slices.Equal(sent, played) {
				t.Errorf("the replay sent %q for the restart, want %q", sent, played)
			}
		})
	}
}

// TestPowerDownURCCompared: a BG96's POWERED DOWN after AT+CFUN=1,1's OK
// (TinyGSM issue 157) is compared under a personality that says it going
// down (quectel-eg25's power_down_urcs) and the fixture still reproduces;
// under one that says nothing (ublox-sara-r5) it is left uncompared, as
// one the emulated modem never sends (outside tester t213: every
// power-down URC was uncompared).
func TestPowerDownURCCompared(t *testing.T) {
	for _, tc := range []struct {
		personality string
		compared    bool
	}{
		{"quectel-eg25", true},
		{"ublox-sara-r5", false},
	} {
		t.Run(tc.personality, func(t *testing.T) {
			dir := copyFixture(t, "bg96-tinygsm-restart-tries")
			m := filepath.Join(dir, field.ManifestFile)
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(m, bytes.Replace(b, []byte("personality: quectel-eg25"), []byte("personality: "+tc.personality), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			plan, err := Plan(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := !plan.URCUncompared("POWERED DOWN"); got != tc.compared {
				t.Errorf("POWERED DOWN compared: %v, want %v (uncompared %q)", got, tc.compared, plan.UncomparedURCs)
			}
			if !plan.URCUncompared(`+QIURC: "pdpdeact",1`) {
				t.Errorf("the shutdown's +QIURC compared: %q", plan.UncomparedURCs)
			}
		})
	}
	res := replay(t, filepath.Join(corpus, "bg96-tinygsm-restart-tries"))
	if !res.OK || res.Plan.URCUncompared("POWERED DOWN") {
		t.Fatalf("OK %v, POWERED DOWN uncompared %v: %s\n%s", res.OK, res.Plan.URCUncompared("POWERED DOWN"), res.Why, Report(res))
	}
}
