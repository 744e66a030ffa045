package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestDraft: pasted logs become a fixture that replays — straight away
// when the logs say enough, after the manifest gives what they lack
// otherwise — and the draft names what it chose and why.
func TestDraft(t *testing.T) {
	t.Run("ModemManager log: replays as drafted", func(t *testing.T) {
		parent := t.TempDir()
		d, err := Draft(parent, "gw-1042", "journal of gw-1042", []string{filepath.Join(corpus, "reattach-slower-than-wait", "modemmanager.log")})
		if err != nil {
			t.Fatal(err)
		}
		if d.Problem != nil || d.Personality != "quectel-eg25" {
			t.Fatalf("personality %q, problem %v", d.Personality, d.Problem)
		}
		// The log sends AT+QCCID, Quectel's alone of the known
		// personalities: quectel-eg25 is tried first, and fits.
		if len(d.Tried) != 0 {
			t.Errorf("tried %q before quectel-eg25", d.Tried)
		}
		// What the logs show becomes the world: the card's attach wait,
		// the platform's list, the cell searched on.
		for _, want := range []string{"attach wait is 30s", "the platform lists op20810 first in FR", "a cell of op20810 in FR"} {
			if !strings.Contains(strings.Join(d.Plan.Assumptions, "\n"), want) {
				t.Errorf("assumptions lack %q:\n%s", want, strings.Join(d.Plan.Assumptions, "\n"))
			}
		}
		// The draft reads its logs once for every personality it tries;
		// what it reconstructs is what a fresh load of the fixture gives.
		fresh, err := Plan(d.Dir)
		if err != nil {
			t.Fatal(err)
		}
		if string(fresh.ScenarioYAML) != string(d.Plan.ScenarioYAML) || string(fresh.DialectYAML) != string(d.Plan.DialectYAML) ||
			strings.Join(fresh.Assumptions, "\n") != strings.Join(d.Plan.Assumptions, "\n") {
			t.Errorf("the draft's plan differs from the fixture's as loaded afresh")
		}
		res := replay(t, d.Dir)
		if !res.OK {
			t.Fatalf("the draft does not replay its log:\n%s", Report(res))
		}
	})
	t.Run("gammu-smsd log: the failure is the module's, not gammu's unanswered ESC", func(t *testing.T) {
		d, err := Draft(t.TempDir(), "gw-3", "", []string{filepath.Join(corpus, "eg25-gammu-pin-locked", "gammu-smsd.log")})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Found || d.Failure.Line != 536 || d.Personality != "quectel-eg25" {
			t.Errorf("failure %v (found %v), personality %q; want gammu-smsd.log:536 (+CME ERROR: 11), quectel-eg25", d.Failure, d.Found, d.Personality)
		}
	})
	t.Run("gammu-smsd log of a hung AT port: the failure is the first command gammu gave up on", func(t *testing.T) {
		d, err := Draft(t.TempDir(), "gw-7", "", []string{filepath.Join(corpus, "eg25-gammu-at-port-hung", "gammu-smsd.log")})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Found || d.Failure.Line != 522 {
			t.Fatalf("failure %v (found %v), want gammu-smsd.log:522", d.Failure, d.Found)
		}
		manifest, err := os.ReadFile(filepath.Join(d.Dir, "manifest.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if want := `what: "AT+CPIN? got no final result (gammu gave up waiting at line 523)"`; !strings.Contains(string(manifest), want) {
			t.Errorf("manifest lacks %s:\n%s", want, manifest)
		}
	})
	t.Run("lab at.log and platform log: operators as the platform names them", func(t *testing.T) {
		dir := filepath.Join(corpus, "platform-timeout-keeps-roaming")
		d, err := Draft(t.TempDir(), "lab-7", "", []string{filepath.Join(dir, "at.log"), filepath.Join(dir, "platform.jsonl")})
		if err != nil {
			t.Fatal(err)
		}
		if d.Problem != nil {
			t.Fatal(d.Problem)
		}
		if !strings.Contains(strings.Join(d.Plan.Assumptions, "\n"), "operator o2-de (DE) for PLMN 26207") {
			t.Errorf("O2 not named as the platform's log names it:\n%s", strings.Join(d.Plan.Assumptions, "\n"))
		}
		if res := replay(t, d.Dir); !res.OK {
			t.Fatalf("the draft does not replay its logs:\n%s", Report(res))
		}
	})
	t.Run("lpac trace: the manifest completes it", func(t *testing.T) {
		parent := t.TempDir()
		d, err := Draft(parent, "ec20f", "", []string{filepath.Join(corpus, "ec20f-long-cgla", "lpac-download.log")})
		if err != nil {
			t.Fatal(err)
		}
		if d.Problem == nil || !strings.Contains(d.Problem.Error(), "device.profiles: no profile") {
			t.Fatalf("problem %v, want the profiles the logs lack", d.Problem)
		}
		if d.Failure.String() != "lpac-download.log:38" || !d.Found {
			t.Errorf("failure %s (found %v), want the bare ERROR of lpac-download.log:38", d.Failure, d.Found)
		}
		path := filepath.Join(d.Dir, "manifest.yaml")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "# network:", `  profiles:
    - {iccid: "89860000120033188902", operator: cmcc, enabled: true}
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
    - {id: sfr, plmn: "20810", country: FR, name: SFR, smdp: smdp.sfr.test}
# network:`, 1)
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		res := replay(t, d.Dir)
		if !res.OK || res.Expect != "reproduces" {
			t.Fatalf("the completed draft:\n%s", Report(res))
		}
		// The card's challenge is random: masked without being asked.
		if !strings.Contains(strings.Join(res.Plan.Assumptions, "\n"), "challenge is volatile") {
			t.Errorf("no challenge mask assumed")
		}
	})
	t.Run("lpac's APDUs alone: the card's error is the failure", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "lpac.log")
		os.WriteFile(log, []byte("[DEBUG] [APDU] [TX] CLA: 81, INS: E2, P1: 91, P2: 00, Lc: 06, Data: BF3E035C015A\n"+
			"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF3E125A1089049032123451234512345678901235\n"+
			"[DEBUG] [APDU] [TX] CLA: 81, INS: E2, P1: 91, P2: 00, Lc: 14, Data: BF 31 11 A0 0C 5A 0A 98 33 01 00 00 00 00 00 00 92 81 01 FF\n"+
			"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 31 03 80 01 02\n"), 0o644)
		d, err := Draft(t.TempDir(), "apdu-only", "", []string{log})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Found || d.Failure.Line != 4 {
			t.Errorf("failure %v (found %v), want lpac.log:4", d.Failure, d.Found)
		}
		// The logs show no profile: the draft asks for them.
		if d.Problem == nil || !strings.Contains(d.Problem.Error(), "device.profiles") {
			t.Errorf("problem %v", d.Problem)
		}
	})
	t.Run("lpac's outcome line alone: not a failure the replay compares", func(t *testing.T) {
		// The ES9+ call failed in lpac's own HTTPS: the card answered
		// everything, and nothing a replay plays shows the failure.
		log := filepath.Join(t.TempDir(), "lpac.log")
		os.WriteFile(log, []byte("[DEBUG] [APDU] [TX] CLA: 81, INS: E2, P1: 91, P2: 00, Lc: 06, Data: BF3E035C015A\n"+
			"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF3E125A1089049032123451234512345678901235\n"+
			`{"type":"progress","payload":{"code":0,"message":"es9p_initiate_authentication","data":"smdp.sfr.test"}}`+"\n"+
			`{"type":"lpa","payload":{"code":-1,"message":"es9p_initiate_authentication","data":"SSL certificate problem: unable to get local issuer certificate"}}`+"\n"), 0o644)
		d, err := Draft(t.TempDir(), "outcome-only", "", []string{log})
		if err != nil {
			t.Fatal(err)
		}
		if d.Failure.Line != 4 || !strings.Contains(d.Unplayed, "the LPA's outcome line, which the replay does not compare") || !strings.Contains(d.Unplayed, "SSL certificate problem") {
			t.Errorf("failure %v, unplayed %q: want line 4 named as the LPA's outcome line, with its reason", d.Failure, d.Unplayed)
		}
	})
	t.Run("a boot no command asked for: the failure, which the replay makes with a power cut", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "host.log")
		os.WriteFile(log, []byte("[0.000] > AT+CIMI\n[0.010] < 208015021044451\n[0.011] < OK\n[0.100] > AT+CEREG?\n[0.110] < +CEREG: 0,1\n[0.111] < OK\n"+
			"[60.000] > AT+CSQ\n[60.010] < +CSQ: 20,99\n[60.011] < OK\n[75.000] < RDY\n[90.000] > AT+CSQ\n[90.010] < +CSQ: 20,99\n[90.011] < OK\n"), 0o644)
		d, err := Draft(t.TempDir(), "self-boot", "", []string{log})
		if err != nil {
			t.Fatal(err)
		}
		if d.Problem != nil {
			t.Fatal(d.Problem)
		}
		if !d.Found || d.Failure.Line != 10 {
			t.Errorf("failure %v (found %v), want the RDY of host.log:10", d.Failure, d.Found)
		}
		// A log the manifest must complete first (no IMSI: no operator)
		// still has its failure found.
		bare := filepath.Join(t.TempDir(), "host.log")
		os.WriteFile(bare, []byte("[0.000] > AT+CSQ\n[0.010] < +CSQ: 20,99\n[0.011] < OK\n[75.000] < RDY\n[90.000] > AT+CSQ\n[90.010] < +CSQ: 20,99\n[90.011] < OK\n"), 0o644)
		if d, err := Draft(t.TempDir(), "self-boot-bare", "", []string{bare}); err != nil || !d.Found || d.Failure.Line != 4 {
			t.Errorf("a draft still to complete: failure %v, %v", d, err)
		}
		// Cut just after the modem's last line before it (the OK at
		// 60.011 s), given back as the boot shows (75 s).
		if y := string(d.Plan.ScenarioYAML); !strings.Contains(y, "off: 14.988s}  # host.log:10") {
			t.Errorf("scenario without the power cut before host.log:10's boot:\n%s", y)
		}
	})
	// ttyUSB3 polls the signal and carries a URC; ttyUSB2 holds the
	// conversation, whose +QCCID only a Quectel personality answers. One
	// modem's ports are played together (outside tester sw101: the
	// registration URCs MM's secondary port had were dropped); two
	// modems' are not, the busiest port is.
	for _, tc := range []struct {
		name, a, b, port string
	}{
		{"ModemManager log of one modem's two ports: played together", "ttyUSB2", "ttyUSB3", "port: all}"},
		{"ModemManager log of two modems' ports: the busiest one", "modem0/ttyUSB2", "modem1/ttyUSB3", "port: ttyUSB2}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm := "<dbg> [1772445601.105911] [" + tc.a + "/at] --> 'AT+CPIN?<CR>'\n" +
				"<dbg> [1772445601.106011] [" + tc.b + "/at] --> 'AT+CSQ<CR>'\n" +
				"<dbg> [1772445601.109011] [" + tc.a + "/at] <-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'\n" +
				"<dbg> [1772445601.109511] [" + tc.b + "/at] <-- '<CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF>'\n" +
				"<dbg> [1772445601.205911] [" + tc.a + "/at] --> 'AT+QCCID<CR>'\n" +
				"<dbg> [1772445601.209011] [" + tc.a + "/at] <-- '<CR><LF>+QCCID: 89330100005021044451<CR><LF><CR><LF>OK<CR><LF>'\n" +
				"<dbg> [1772445601.305911] [" + tc.b + "/at] <-- '<CR><LF>+QSTK: \"FETCH\"<CR><LF>'\n"
			log := filepath.Join(t.TempDir(), "mm.log")
			if err := os.WriteFile(log, []byte(mm), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := Draft(t.TempDir(), "two-ports", "", []string{log})
			if err != nil {
				t.Fatal(err)
			}
			if d.Personality != "quectel-eg25" {
				t.Errorf("personality %q (problem %v), want quectel-eg25", d.Personality, d.Problem)
			}
			b, err := os.ReadFile(filepath.Join(d.Dir, "manifest.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.port) {
				t.Errorf("manifest names no %s:\n%s", tc.port, b)
			}
		})
	}
	t.Run("lpac closing channels 1 to 4 first: not the failure", func(t *testing.T) {
		// lpac's AT driver closes the channels a run before may have left
		// open; those that were not answer ERROR, which is no failure.
		text := ""
		for ch := 1; ch <= 4; ch++ {
			text += fmt.Sprintf("AT_DEBUG: AT+CCHC=%d\nAT_DEBUG:\nAT_DEBUG: ERROR\n", ch)
		}
		text += "AT_DEBUG: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\nAT_DEBUG: +CCHO: 1\nAT_DEBUG: OK\n" +
			"AT_DEBUG: AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\nAT_DEBUG: ERROR\n"
		log := filepath.Join(t.TempDir(), "lpac.log")
		if err := os.WriteFile(log, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := Draft(t.TempDir(), "cleanup", "", []string{log})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Found || d.Failure.String() != "lpac.log:17" {
			t.Errorf("failure %s (found %v), want the +CGLA's ERROR at lpac.log:17", d.Failure, d.Found)
		}
		// Closing the channel its +CCHO opened is another matter.
		text = strings.Replace(text, "AT_DEBUG: AT+CGLA=1,22,\"81E2910006BF3E035C015A\"", "AT_DEBUG: AT+CCHC=1", 1)
		if err := os.WriteFile(log, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if d, err = Draft(t.TempDir(), "cleanup", "", []string{log}); err != nil {
			t.Fatal(err)
		}
		if !d.Found || d.Failure.String() != "lpac.log:17" {
			t.Errorf("failure %s (found %v), want the +CCHC's ERROR after the +CCHO at lpac.log:17", d.Failure, d.Found)
		}
	})
	t.Run("a modem that stopped answering: the command is the failure", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "lpac.log")
		text := "AT_DEBUG_TX: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\nAT_DEBUG_RX: +CCHO: 1\nAT_DEBUG_RX: OK\n" +
			"AT_DEBUG_TX: AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\nAT_DEBUG_TX: AT+CCHC=1\nAT_DEBUG_RX: OK\n" +
			`{"type":"lpa","payload":{"code":-1,"message":"es10c_get_eid","data":null}}` + "\n"
		if err := os.WriteFile(log, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := Draft(t.TempDir(), "silent", "", []string{log})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Found || d.Failure.String() != "lpac.log:4" {
			t.Errorf("failure %s (found %v), want the unanswered +CGLA at lpac.log:4", d.Failure, d.Found)
		}
	})
	t.Run("a replay's host.log whose last command got no answer: the command is the failure", func(t *testing.T) {
		text := "2026-01-01T00:00:00Z > AT+CPIN?\n2026-01-01T00:00:00Z < +CPIN: READY\n2026-01-01T00:00:00Z < OK\n" +
			"2026-01-01T00:00:01Z > AT+CSQ\n2026-01-01T00:00:06Z # no answer: AT+CSQ\n"
		d := draftOf(t, t.TempDir(), "noanswer", text)
		if !d.Found || d.Failure.String() != "host.log:4" {
			t.Errorf("failure %s (found %v), want the unanswered AT+CSQ at host.log:4", d.Failure, d.Found)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		parent := t.TempDir()
		junk := filepath.Join(t.TempDir(), "junk.log")
		os.WriteFile(junk, []byte("hello\nno modem here\n"), 0o644)
		jsonOnly := filepath.Join(t.TempDir(), "lpac.log")
		os.WriteFile(jsonOnly, []byte(`{"type":"lpa","payload":{"code":-1,"message":"es10b_authenticate_server","data":"0x1"}}`+"\n"), 0o644)
		platform := filepath.Join(corpus, "stale-signal-order", "platform.jsonl")
		mm := filepath.Join(corpus, "stale-signal-order", "modemmanager.log")
		if err := os.Mkdir(filepath.Join(parent, "taken"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			logs []string
			want string
		}{
			{"junk", []string{junk}, "junk.log:1: no known log format"},
			{"alone", []string{platform}, "platform.jsonl:1: read as platform, but no AT command or APDU in it: nothing to replay (a platform or events log goes with an AT log"},
			{"lpac-quiet", []string{jsonOnly}, "LPAC_APDU_AT_DEBUG=1"},
			{"Bad/Name", []string{mm}, `fixture name "Bad/Name"`},
			{"with space", []string{mm}, `fixture name "with space"`},
			{"taken", []string{mm}, "exists: a draft never overwrites a fixture"},
			{"twice", []string{mm, mm}, "want log files with distinct names"},
			{"none", nil, "no logs"},
		} {
			_, err := Draft(parent, tc.name, "", tc.logs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
			}
			if tc.name != "taken" && tc.name != "Bad/Name" && tc.name != "with space" {
				if _, err := os.Stat(filepath.Join(parent, tc.name)); err == nil {
					t.Errorf("%s: a fixture directory was left behind", tc.name)
				}
			}
		}
	})
}

func TestRegistrationDenied(t *testing.T) {
	for _, tc := range []struct {
		text string
		role fieldlog.Role
		want bool
	}{
		{"+CEREG: 3", fieldlog.URC, true},
		{`+CEREG: 3,"1000","00010002",7,0,15`, fieldlog.URC, true},
		{"+CEREG: 5", fieldlog.URC, false},
		{"+CEREG: 2,3", fieldlog.Info, true},
		{"+CEREG: 3,1", fieldlog.Info, false}, // n=3, registered: not a denial
		{"+CEREG:0,3", fieldlog.Info, true},
		{"+CREG: 3", fieldlog.URC, false},
	} {
		if got := registrationDenied(fieldlog.Entry{Text: tc.text, Role: tc.role}); got != tc.want {
			t.Errorf("%q (%s) = %v, want %v", tc.text, tc.role, got, tc.want)
		}
	}
}

// TestCandidatesFromMarkers: a log that names no maker drafts first with
// the personality whose own commands and URCs it holds, the one holding
// most first; an information line that a 27.007 read gives on any modem
// ("+CFUN: 1" answering AT+CFUN?) is not a marker.
func TestCandidatesFromMarkers(t *testing.T) {
	read := func(t *testing.T, log string) []*fieldlog.Transcript {
		t.Helper()
		tr, err := fieldlog.Read("host.log", []byte(log), fieldlog.Plain)
		if err != nil {
			t.Fatal(err)
		}
		return []*fieldlog.Transcript{tr}
	}
	for _, tc := range []struct {
		name, log, first string
	}{
		{"Quectel's REFRESH URC", "> AT+CIMI\n< 208010000000012\n< OK\n< +QUSIM: 1\n", "quectel-eg25"},
		{"SIMCom's ICCID command", "> AT+CICCID\n< +ICCID: 89330100000000000012\n< OK\n", "simcom-a7600"},
		{"Sierra's, in lower case", "> at!iccid?\n< !ICCID: 89330100000000000012\n< OK\n", "sierra-em7511"},
		{"two of SIMCom's against one of Quectel's", "> AT+QCCID\n< OK\n< SMS DONE\n< PB DONE\n", "simcom-a7600"},
		{"a read's answer is no marker", "> AT+CFUN?\n< +CFUN: 1\n< OK\n", "generic"},
		{"nothing of anyone's", "> AT+CSQ\n< +CSQ: 20,99\n< OK\n", "generic"},
		// The model an ATI answers names the maker, ahead of another's
		// marker (+CFUN: 1 after RDY, which only Quectel's sends of ours).
		{"SIMCom's model", "< RDY\n< +CFUN: 1\n> ATI\n< SIM808 R14.18\n< OK\n", "simcom-a7600"},
		{"Sierra's model", "> AT+CGMM\n< EM7455\n< OK\n", "sierra-em7511"},
		{"u-blox's model", "> ATI\n< SARA-R410M-02B\n< OK\n", "ublox-sara-r5"},
		{"Quectel's model", "> AT+CGMM\n< EC25\n< OK\n", "quectel-eg25"},
		{"u-blox's own commands", "> AT+UDCONF=1,1\n< OK\n> AT+UAUTHREQ=1,0\n< OK\n", "ublox-sara-r5"},
		{"Quectel's own commands", "> AT+QCFG=\"nwscanmode\",3\n< OK\n", "quectel-eg25"},
		{"an APDU's hex names no model", "> AT+CGLA=1,10,\"A7600000FF\"\n< +CGLA: 4,\"9000\"\n< OK\n", "generic"},
		// nRF91 logs (t208's 06, 07, 09): Nordic's %X… commands, its
		// UICC activation <fun>, its model and maker.
		{"Nordic's own commands", "> AT%XSYSTEMMODE?\n< %XSYSTEMMODE: 1,0,0,0\n< OK\n", "nordic-nrf9160"},
		{"an nRF91's UICC activation", "> AT+COPS=0\n< OK\n> AT+CFUN=41\n< OK\n", "nordic-nrf9160"},
		{"Nordic's model", "> AT+CGMM\n< nRF9160-SICA\n< OK\n", "nordic-nrf9160"},
		{"Nordic's name", "> AT+CGMI\n< Nordic Semiconductor ASA\n< OK\n", "nordic-nrf9160"},
		{"a model name inside a word is none", "> AT+CSQ\n< +CSQ: 20,99\n< OK\n# see XSIM808X\n", "generic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := candidates([][]byte{[]byte(tc.log)}, read(t, tc.log)); len(got) == 0 || got[0] != tc.first {
				t.Errorf("candidates %v, want %s first", got, tc.first)
			}
		})
	}
	// A Windows save of a log (UTF-16, with a byte order mark or
	// without) names its maker as the UTF-8 save does.
	utf16le := func(s string, bom bool) []byte {
		var b []byte
		if bom {
			b = []byte{0xFF, 0xFE}
		}
		for _, r := range strings.ReplaceAll(s, "\n", "\r\n") {
			b = append(b, byte(r), 0)
		}
		return b
	}
	for _, tc := range []struct {
		name, log, first string
		bom              bool
	}{
		{"maker in ATI, UTF-16LE with BOM", "> ATI\n< Quectel\n< BG96\n< Revision: BG96MAR02A07M1G\n< OK\n", "quectel-eg25", true},
		{"maker in ATI, UTF-16LE without BOM", "> ATI\n< Quectel\n< BG96\n< Revision: BG96MAR02A07M1G\n< OK\n", "quectel-eg25", false},
		{"model in +CGMM, UTF-16LE with BOM", "> AT+CGMM\n< EM7455\n< OK\n", "sierra-em7511", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := utf16le(tc.log, tc.bom)
			tr, err := fieldlog.Read("host.log", data, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := candidates([][]byte{data}, []*fieldlog.Transcript{tr}); len(got) == 0 || got[0] != tc.first {
				t.Errorf("candidates %v, want %s first", got, tc.first)
			}
		})
	}
	// A marked personality the logs then contradict is tried and set
	// aside: SIMCom's boot URCs, but Quectel's ICCID answer form.
	dir := t.TempDir()
	log := filepath.Join(dir, "host.log")
	text := "> AT+QCCID\n< +QCCID: 89330100000000000012\n< OK\n< SMS DONE\n< PB DONE\n> AT+CIMI\n< 208010000000012\n< OK\n"
	if err := os.WriteFile(log, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Draft(t.TempDir(), "marked", "", []string{log})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tried) == 0 || !strings.HasPrefix(d.Tried[0], "simcom-a7600") || d.Personality != "quectel-eg25" {
		t.Errorf("tried %q, chose %q; want simcom-a7600 tried and set aside, then quectel-eg25", d.Tried, d.Personality)
	}
}

// TestDraftDataCallIsNoFailure: a data call's CONNECT is its success:
// the draft does not take it for the failure.
func TestDraftDataCallIsNoFailure(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "host.log")
	text := "> AT+CGDCONT=1,\"IP\",\"internet\"\n< OK\n> ATD*99#\n< CONNECT 150000000\n> AT+CPIN?\n< +CPIN: READY\n< OK\n"
	if err := os.WriteFile(log, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Draft(t.TempDir(), "data-call", "", []string{log})
	if err != nil {
		t.Fatal(err)
	}
	if d.Found {
		t.Errorf("the draft takes %v for the failure", d.Failure)
	}
}

// TestDraftNoFailureNamesACompared: when no line shows an error, the line
// the draft leaves for the user to replace is the last one the replay
// compares, not a line of an exchange it does not play.
func TestDraftNoFailureNamesACompared(t *testing.T) {
	d := draftOf(t, t.TempDir(), "r", "> AT+CSQ\n< +CSQ: 20,99\n< OK\n> AT+UGPRF?\n< +UGPRF: 2,0,\"\"\n< OK\n")
	if d.Found || d.Failure.Line != 3 {
		t.Errorf("failure %v (found %v), want line 3 left to name", d.Failure, d.Found)
	}
}

// TestDraftFailureThePlayedOne: a failure in the exchange of a command
// the emulated modem lacks is not compared by the replay: the draft names
// the first failure it compares, and says which it passed over; when there
// is no other, it keeps that one and says the replay cannot show it.
func TestDraftFailureThePlayedOne(t *testing.T) {
	for _, tc := range []struct {
		name, log        string
		line             int
		passed, unplayed bool
	}{
		{"a played failure first", "> AT+CPIN?\n< +CME ERROR: 10\n> AT!USBSPEED?\n< ERROR\n", 2, false, false},
		{"an unplayed failure, then a played one", "> AT\n< OK\n> AT!USBSPEED?\n< ERROR\n> AT+CPIN?\n< +CME ERROR: 10\n", 6, true, false},
		{"an unplayed failure alone", "> AT\n< OK\n> AT!USBSPEED?\n< ERROR\n", 4, false, true},
		{"an unplayed command left unanswered", "> AT\n< OK\n> AT+QBOGUS?\n> AT+CPIN?\n< +CME ERROR: 10\n", 5, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := draftOf(t, t.TempDir(), "r", tc.log)
			if !d.Found || d.Failure.Line != tc.line || (d.PassedOver != "") != tc.passed || (d.Unplayed != "") != tc.unplayed {
				t.Errorf("failure %v (found %v), passed over %q, unplayed %q; want line %d, passed over %v, unplayed %v",
					d.Failure, d.Found, d.PassedOver, d.Unplayed, tc.line, tc.passed, tc.unplayed)
			}
			if tc.unplayed && !strings.Contains(d.Unplayed, "!USBSPEED is not emulated") {
				t.Errorf("unplayed %q does not say why", d.Unplayed)
			}
		})
	}
}

// TestFailureNotPlayed: a manifest that names as the failure a line in
// the exchange of a command the replay does not play passes neither as
// reproduced nor as fixed: nothing was compared there.
func TestFailureNotPlayed(t *testing.T) {
	for _, expect := range []string{"reproduces", "fixed"} {
		t.Run(expect, func(t *testing.T) {
			manifest := strings.Replace(orangeFixture("unplayed", "generic", "host.log", "plain", 4), "expect: reproduces", "expect: "+expect, 1)
			res := replay(t, newFixture(t, "unplayed", map[string]string{"host.log": "> AT\n< OK\n> AT!USBSPEED?\n< ERROR\n", "manifest.yaml": manifest}))
			if res.OK || !strings.Contains(res.Why, "which the replay does not play (!USBSPEED is not emulated)") {
				t.Errorf("ok %v: %s", res.OK, res.Why)
			}
		})
	}
}

// TestReplayShowsTheScan: a modem that reports searching before it
// registers (searching_urc, read from the logs) replays as recorded, at a
// +CFUN=1 or the host's own attach; so do a denial the logs begin in,
// with its cause, a not registered under a timeout, and a card the modem
// does not find (card: absent).
func TestReplayShowsTheScan(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		line      int
		faults    string // the manifest's
	}{
		{"scan", "[0.000] > AT+CEREG=1\n[0.010] < OK\n[1.000] > AT+CFUN=4\n[1.100] < OK\n[1.200] < +CEREG: 0\n" +
			"[5.000] > AT+CFUN=1\n[5.100] < OK\n[5.300] < +CEREG: 2\n[7.200] < +CEREG: 1\n[10.000] > AT+CEREG?\n[10.010] < +CEREG: 1,1\n[10.020] < OK\n", 11, ""},
		{"denied", "> AT+CEREG?\n< +CEREG: 3,3,\"1000\",\"00010001\",7,0,11\n< OK\n", 2, ""},
		{"no-card", "> AT+CMEE=1\n< OK\n> AT+CPIN?\n< +CME ERROR: 10\n> AT+CEREG?\n< +CEREG: 0,0\n< OK\n", 4, ""},
		{"card-gone-and-back", "[0.000] > AT+CMEE=1\n[0.010] < OK\n[1.000] > AT+CPIN?\n[1.010] < +CPIN: READY\n[1.011] < OK\n" +
			"[10.000] > AT+CPIN?\n[10.010] < +CME ERROR: 10\n[30.000] > AT+CPIN?\n[30.010] < +CPIN: READY\n[30.011] < OK\n", 7, ""},
		// Not registered when the logs begin: T3410 ran out on the
		// power-on's attach before them.
		{"not-registered", "> AT+CEREG?\n< +CEREG: 0,0\n< OK\n", 2, "faults: [{attach: timeout, operator: orange-fr}]\n"},
		// The host's attach the logs show (searching, then registered):
		// the device was not attached when they begin.
		{"host-attach", "[0.000] > AT+CGREG=2\n[0.010] < OK\n[1.000] > AT+CGATT=1\n[1.500] < +CGREG: 2\n" +
			"[3.000] < +CGREG: 1,\"0166\",\"00001808\",7\n[3.100] < OK\n", 5, ""},
		{"host-attach-no-scan", "[0.000] > AT+CEREG=2\n[0.010] < OK\n[1.000] > AT+COPS=0\n" +
			"[3.000] < +CEREG: 1,\"0166\",\"00001808\",7\n[3.100] < OK\n", 4, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := orangeFixture(tc.name, "generic", "host.log", "plain", tc.line) + tc.faults
			if res := replay(t, newFixture(t, tc.name, map[string]string{"host.log": tc.log, "manifest.yaml": manifest})); !res.OK {
				t.Errorf("%s", Report(res))
			}
		})
	}
}

// TestDraftFailureLostRegistration: a registration lost with nothing to
// explain it is where a draft puts the failure, when no line before it
// went wrong; the fixture's replay reproduces it.
func TestDraftFailureLostRegistration(t *testing.T) {
	text := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1,\"1F41\",\"01A2B3C5\",7\n[0.011] < OK\n" +
		"[0.100] > AT+CIMI\n[0.110] < 208011234567890\n[0.111] < OK\n" +
		"[9.500] < +CEREG: 2\n[10.000] > AT+CSQ\n[10.010] < +CSQ: 99,99\n[10.011] < OK\n" +
		"[30.000] < +CEREG: 1,\"1F41\",\"01A2B3C5\",7\n"
	d := draftOf(t, t.TempDir(), "tunnel", text)
	if !d.Found || d.Failure.Line != 7 {
		t.Errorf("failure %v (found %v), want host.log:7, the lost registration", d.Failure, d.Found)
	}
}

// TestDraftPersonalityBeforeAnUnplayedFailure: an lpac log whose only
// failure is the LPA's outcome line (refused as the failure, for the user
// to replace) still gets the personality the logs allow: the manifest
// check refusing that line must not end the search at the first
// candidate.
func TestDraftPersonalityBeforeAnUnplayedFailure(t *testing.T) {
	log := filepath.Join(t.TempDir(), "lpac.log")
	text := "AT_DEBUG: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\nAT_DEBUG:\nAT_DEBUG: 1\nAT_DEBUG:\nAT_DEBUG: OK\n" +
		`{"type":"lpa","payload":{"code":-1,"message":"euicc_init","data":""}}` + "\n"
	if err := os.WriteFile(log, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Draft(t.TempDir(), "r", "", []string{log})
	if err != nil {
		t.Fatal(err)
	}
	if d.Personality == "generic" || len(d.Tried) == 0 || !strings.Contains(d.Tried[0], "generic") {
		t.Errorf("personality %s, tried %q: want one whose +CCHO answers a bare session id", d.Personality, d.Tried)
	}
	if !d.Found || d.Failure.Line != 6 || !strings.Contains(d.Unplayed, "outcome line") || d.Problem == nil {
		t.Errorf("failure %v (found %v), unplayed %q, problem %v: want line 6, the LPA's outcome line, for the user to replace", d.Failure, d.Found, d.Unplayed, d.Problem)
	}
	m, err := os.ReadFile(filepath.Join(d.Dir, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m), "personality: "+d.Personality+" ") || !strings.Contains(string(m), "line: 6,") {
		t.Errorf("manifest:\n%s", m)
	}
}

// TestAroundShowsNoLineEnd: a CRLF file's own line end is not shown as a
// <CR> the modem sent; a CR inside a line (a tool's own label aside) is.
func TestAroundShowsNoLineEnd(t *testing.T) {
	for _, tc := range []struct {
		name, line, want string
	}{
		{"CRLF line end", "OK\r", ">>     1  OK\n"},
		{"LF line end", "OK", ">>     1  OK\n"},
		{"a CR inside", "OK\rAT+CSQ\r", ">>     1  OK<CR>AT+CSQ\n"},
		{"a Docklight label", "AT+CCHC=1<CR>\r", ">>     1  AT+CCHC=1<CR>\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := around([]string{tc.line}, 1, 0); !strings.HasSuffix(got, tc.want) {
				t.Errorf("around %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDraftUnnamedRoaming: a roaming registration on a network the logs
// do not name is a to-do of the draft's even while something else (a
// profile with no owner PLMN) stops it; the replay asked for it alone.
func TestDraftUnnamedRoaming(t *testing.T) {
	const ccid = "[0.100] > AT+CCID\n[0.110] < +CCID: 89331500123456789013\n[0.111] < OK\n"
	for _, tc := range []struct {
		name, log string
		want      string // the to-do's start, "" for none
	}{
		{"roaming, no network named", ccid + "[1.000] < +CEREG: 5,\"0B1C\",\"0A2F3301\",7\n",
			"host.log:4: the registration (roaming, +CEREG stat 5) is on a network the logs do not name (no numeric +COPS? answer beside it): the replay cannot show it; to replay it, give the manifest the visited operator (network.operators), its cell (network.cells, in its country, tac: 0x0B1C, cell_id: 0x0A2F3301)"},
		{"roaming, its network read", ccid + "[1.000] < +CEREG: 5,\"0B1C\",\"0A2F3301\",7\n" +
			"[1.100] > AT+COPS?\n[1.110] < +COPS: 0,2,\"26201\",7\n[1.111] < OK\n", ""},
		{"home", ccid + "[1.000] < +CEREG: 1,\"0B1C\",\"0A2F3301\",7\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := draftOf(t, filepath.Join(t.TempDir(), "r"), "r", tc.log)
			if d.Problem == nil {
				t.Fatalf("no problem: want the profile's owner asked for")
			}
			got := ""
			for _, l := range d.Limits {
				if strings.Contains(l, "roaming") {
					got = l
				}
			}
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("roaming to-do %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDraftFailureRefreshIgnored: the old IMSI read after an
// EnableProfile answered ok with a REFRESH due is the failure a draft
// names when nothing else went wrong (the refresh_ignored quirk it
// infers); the new one is no failure.
func TestDraftFailureRefreshIgnored(t *testing.T) {
	const (
		imsi   = "> AT+CIMI\n< 208011234567890\n< OK\n"
		enable = "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
			"> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983301000000000000928101FF\"\n< +CGLA: 16,\"BF3103800100910B\"\n< OK\n"
	)
	for _, tc := range []struct {
		name, log string
		found     bool
		line      int
	}{
		{"the old IMSI", imsi + enable + imsi, true, 11},
		{"the new IMSI", imsi + enable + "> AT+CIMI\n< 208019999999999\n< OK\n", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := draftOf(t, filepath.Join(t.TempDir(), "r"), "r", tc.log)
			if d.Found != tc.found || tc.found && d.Failure.Line != tc.line {
				t.Errorf("failure %v (found %v, problem %v), want found %v at line %d", d.Failure, d.Found, d.Problem, tc.found, tc.line)
			}
		})
	}
}

// draftOf drafts a fixture named name into dir from one plain log of text.
func draftOf(t *testing.T, dir, name, text string) *Drafted {
	t.Helper()
	log := filepath.Join(t.TempDir(), "host.log")
	if err := os.WriteFile(log, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Draft(dir, name, "", []string{log})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDraftFailureNeverRegistered: a device the logs never show
// registered — two or more registration states the modem gave, none home
// or roaming — fails at the last of them (outside tester sw93: a tracker
// polling "+CGREG: 0,0" for minutes drafted with no failure); one that
// registers in the end, or one state alone, is none.
func TestDraftFailureNeverRegistered(t *testing.T) {
	poll := func(stat string) string { return "> AT+CGREG?\n< +CGREG: 0," + stat + "\n< OK\n" }
	for _, tc := range []struct {
		name, log string
		found     bool
		line      int
	}{
		{"never registered", poll("0") + poll("2") + poll("0"), true, 8},
		{"registered in the end", poll("0") + poll("2") + poll("1"), false, 0},
		{"one state alone", "> AT+CSQ\n< +CSQ: 20,99\n< OK\n" + poll("0"), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := draftOf(t, t.TempDir(), "poll", tc.log)
			if d.Found != tc.found || tc.found && d.Failure.Line != tc.line {
				t.Errorf("failure %v (found %v), want found %v at line %d", d.Failure, d.Found, tc.found, tc.line)
			}
		})
	}
}

// TestDraftExampleLoads: the draft's example profile, uncommented with the
// network.operators entry the draft shows beside it, replays; the
// operator alone was refused as unknown (outside tester t208).
func TestDraftExampleLoads(t *testing.T) {
	d, err := Draft(t.TempDir(), "bg96", "", []string{filepath.Join(corpus, "bg96-tinygsm-restart-tries", "monitor.log")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Problem == nil || !strings.Contains(d.Problem.Error(), "device.profiles: no profile") {
		t.Fatalf("problem %v, want the profiles the logs lack", d.Problem)
	}
	path := filepath.Join(d.Dir, "manifest.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Uncommented as a user does: the "# " after the indent goes.
	example := regexp.MustCompile(`(?m)^( *)# (profiles:|network:|  operators:|  - \{iccid: .*|    - \{id: .*)$`)
	s := example.ReplaceAllString(string(b), "$1$2")
	if n := len(example.FindAllString(string(b), -1)); n != 5 {
		t.Fatalf("%d example lines, want 5:\n%s", n, b)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := replay(t, d.Dir); !res.OK || res.Expect != "reproduces" {
		t.Fatalf("the draft with its example uncommented:\n%s\n%s", s, Report(res))
	}
}

// TestDraftWarnsOfTypographicQuotes: a command typed with typographic
// quotes is drafted as the log shows it, and the draft warns at its line.
func TestDraftWarnsOfTypographicQuotes(t *testing.T) {
	d := draftOf(t, t.TempDir(), "typed", "> AT+CPIN=”1234”\n< ERROR\n> AT+CPIN=\"1234\"\n< OK\n")
	if len(d.Warnings) != 1 || !strings.HasPrefix(d.Warnings[0], "host.log:1: AT+CPIN=”1234”: typographic quotes: the modem saw U+201D, not \"") {
		t.Errorf("warnings %q, want one at host.log:1", d.Warnings)
	}
}

// TestBeforeReady: a command left unanswered before a power-on mark is
// a host polling a module not up yet — the codec's power-on URCs, and
// the first boot URC of any built-in personality, a u-blox's
// +CPIN: READY too (field.PowerOnMark) — while a later boot URC
// (SMS DONE, +QUSIM: 1) or a power-down says nothing of the power-on.
// The transcripts are built, not read: a reader takes a log ending in
// an unanswered command for a cut one.
func TestBeforeReady(t *testing.T) {
	for _, tc := range []struct {
		urc  string
		want bool
	}{
		{"RDY", true},
		{"*ATREADY: 1", true},
		{"^SYSSTART", true},
		{"+CPIN: READY", true}, // ublox-sara-r5's first boot URC
		{"SMS DONE", false},
		{"+QUSIM: 1", false},
		{"POWERED DOWN", false},
	} {
		tr := &fieldlog.Transcript{File: "host.log", Format: fieldlog.Plain, Entries: []fieldlog.Entry{
			{Line: 1, Dir: fieldlog.Host, Role: fieldlog.Command, Text: "AT", Cmd: -1},
			{Line: 2, Dir: fieldlog.Modem, Role: fieldlog.URC, Text: tc.urc, Cmd: -1},
		}}
		if got := beforeReady(tr, 0); got != tc.want {
			t.Errorf("AT, then %q: beforeReady = %v, want %v", tc.urc, got, tc.want)
		}
	}
}
