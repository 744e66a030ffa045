package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/personality"
)

// balong writes a Balong RIL's logcat lines: each {channel, dir, text} at
// one tenth of a second after the one before.
func balong(lines ...[3]string) string {
	var b strings.Builder
	for i, l := range lines {
		ms := 100 * i
		fmt.Fprintf(&b, "04-27 16:32:%02d.%03d  4556  4567 I BALONG_AT: [modem_0][ch:%s] AT %s %s\n", 40+ms/1000, ms%1000, l[0], l[1], l[2])
	}
	return b.String()
}

// draftLog drafts a fixture of one log named file and replays it.
func draftLog(t *testing.T, file, text string) (*Drafted, *Result) {
	t.Helper()
	log := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(log, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Draft(t.TempDir(), "channels", "", []string{log})
	if err != nil {
		t.Fatal(err)
	}
	return d, replay(t, d.Dir)
}

// TestUnshownURCsNotCompared: a URC the reconstruction places before the
// logs begin — the first registration after a signal read, a search
// before the first registration — is said and left out of the
// comparison; the other URCs are compared (outside tester sw94's Balong
// log diverged at a URC the plan itself said the replay cannot show).
func TestUnshownURCsNotCompared(t *testing.T) {
	const (
		cpin   = "AT+CPIN?"
		ready  = "+CPIN: READY"
		reg    = `+CREG: 1,"1A2B","00C33D01",7`
		absent = "+CME ERROR: 10"
	)
	end := [][3]string{{"8", ">", "AT+CIMI"}, {"8", "<", "460001234567890"}, {"8", "<", "OK"},
		{"8", "<", "+CREG: 0"}, {"8", ">", cpin}, {"8", "<", absent}}
	for _, tc := range []struct {
		name    string
		log     [][3]string
		unshown int // the line left out
		urcs    int // the URCs compared
	}{
		{"registration after a signal read", append([][3]string{{"8", ">", cpin}, {"8", "<", ready}, {"8", "<", "OK"},
			{"8", ">", "AT+CSQ"}, {"8", "<", "+CSQ: 20,99"}, {"8", "<", "OK"}, {"8", "<", reg}}, end...), 7, 1},
		{"search before the first registration", append([][3]string{{"8", ">", cpin}, {"8", "<", ready}, {"8", "<", "OK"},
			{"8", "<", "+CREG: 2"}, {"8", "<", reg}}, end...), 4, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, res := draftLog(t, "ril.log", balong(tc.log...))
			if !res.OK {
				t.Fatalf("%s", Report(res))
			}
			if want := []field.Src{{File: "ril.log", Line: tc.unshown}}; !slices.Equal(d.Plan.Unshown, want) {
				t.Errorf("unshown %v, want %v", d.Plan.Unshown, want)
			}
			if !slices.ContainsFunc(d.Plan.Assumptions, func(a string) bool {
				return strings.Contains(a, "ril.log:"+strconv.Itoa(tc.unshown)) && strings.HasSuffix(a, ": not compared")
			}) {
				t.Errorf("no assumption says ril.log:%d is not compared:\n%s", tc.unshown, strings.Join(d.Plan.Assumptions, "\n"))
			}
			if res.Compared[URCs] != tc.urcs {
				t.Errorf("%d URCs compared, want %d", res.Compared[URCs], tc.urcs)
			}
		})
	}
}

// TestOneModemsChannels: a RIL that spreads its commands over channels of
// one modem (Balong's SIM on ch:1, the network on ch:8, the ICCID on
// ch:10) is drafted with port: all and replayed whole — the registration
// the busiest channel alone did not show included (outside tester sw94:
// "never registered"), Huawei's ^ICCID answer as quirks; a dual-SIM
// device's two RIL daemons are two modems, never merged.
func TestOneModemsChannels(t *testing.T) {
	log := func(iccid string) string {
		return balong([3]string{"1", ">", "AT+CPIN?"}, [3]string{"8", ">", "AT+CSQ"}, [3]string{"1", "<", "+CPIN: READY"},
			[3]string{"8", "<", "+CSQ: 20,99"}, [3]string{"1", "<", "OK"}, [3]string{"8", "<", "OK"},
			[3]string{"8", "<", `+CREG: 1,"1A2B","00C33D01",7`},
			[3]string{"1", ">", "AT+CIMI"}, [3]string{"1", "<", "460001234567890"}, [3]string{"1", "<", "OK"},
			[3]string{"10", ">", "AT+CCID"}, [3]string{"10", "<", iccid + "89860000000000000019"}, [3]string{"10", "<", "OK"},
			[3]string{"8", ">", "AT+CREG?"}, [3]string{"8", "<", `+CREG: 2,1,"1A2B","00C33D01",7`}, [3]string{"8", "<", "OK"},
			[3]string{"1", "<", "+CREG: 0"}, [3]string{"1", ">", "AT+CPIN?"}, [3]string{"1", "<", "+CME ERROR: 10"})
	}
	for _, tc := range []struct {
		name, iccid, quirks string
	}{
		{"one modem's channels", "+CCID: ", ""},
		// Huawei's answer, which no personality gives: the quirks the
		// draft lays over generic.
		{"an ICCID answer no personality gives", "^ICCID: ", `{iccid_command: "+CCID", iccid_prefix: "^ICCID: "}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, res := draftLog(t, "ril.log", log(tc.iccid))
			m, err := field.LoadManifest(d.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.Logs[0].Port != field.AllPorts || d.Quirks != tc.quirks {
				t.Errorf("port %q, quirks %q, want %q and %q", m.Logs[0].Port, d.Quirks, field.AllPorts, tc.quirks)
			}
			if !res.OK {
				t.Fatalf("%s", Report(res))
			}
			if res.Compared[Exchanges] != 6 {
				t.Errorf("%d exchanges compared, want the 6 of every channel", res.Compared[Exchanges])
			}
		})
	}
	t.Run("two RIL daemons", func(t *testing.T) {
		text := "12-02 10:00:00.100  1520  1544 D AT      : AT> AT+CPIN?\n" +
			"12-02 10:00:00.110  1620  1644 D AT      : AT> AT+CSQ\n" +
			"12-02 10:00:00.120  1520  1544 D AT      : AT< +CPIN: READY\n" +
			"12-02 10:00:00.130  1620  1644 D AT      : AT< +CSQ: 20,99\n" +
			"12-02 10:00:00.140  1520  1544 D AT      : AT< OK\n" +
			"12-02 10:00:00.150  1620  1644 D AT      : AT< OK\n"
		tr, err := fieldlog.Read("radio.log", []byte(text), "")
		if err != nil {
			t.Fatal(err)
		}
		if chans := oneModemChannels(tr); chans != nil {
			t.Errorf("two RIL daemons merged as %v", chans)
		}
		if _, n := busiestPort(tr); n != 2 {
			t.Errorf("%d ports, want 2", n)
		}
	})
}

// TestICCIDCommandAsQuirks: a module whose ICCID command no personality
// has (Telit's AT#CCID) is drafted as the first candidate with that
// command and answer as quirks, and the emulated modem answers it so
// (outside tester sw99: the draft refused the log, naming a manifest it
// had removed); one whose personality has it (an nRF9160's %XICCID,
// which sw115 found unknown until nordic-nrf9160, t211) needs none.
func TestICCIDCommandAsQuirks(t *testing.T) {
	for _, tc := range []struct{ model, cmd, personality string }{
		{"LE910C1-EUX", "#CCID", ""},
		{"nRF9160-SICA", "%XICCID", "nordic-nrf9160"},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			log := "AT+CGMM\r\r\n" + tc.model + "\r\n\r\nOK\r\nAT" + tc.cmd + "\r\r\n" + tc.cmd + ": 89330100000000000012\r\n\r\nOK\r\n" +
				"AT+CIMI\r\r\n208011234567890\r\n\r\nOK\r\nAT+CEREG?\r\r\n+CEREG: 0,3\r\n\r\nOK\r\n"
			d, res := draftLog(t, "picocom.log", log)
			want := fmt.Sprintf(`{iccid_command: %q, iccid_prefix: "%s: "}`, tc.cmd, tc.cmd)
			if tc.personality != "" {
				want = ""
				if d.Personality != tc.personality {
					t.Errorf("personality %q, want %q", d.Personality, tc.personality)
				}
			}
			if d.Quirks != want {
				t.Fatalf("quirks %q, want %q (tried %q)", d.Quirks, want, d.Tried)
			}
			// The replay gets as far as the denial (a network the world
			// lets in, a known limit): every exchange before it, the
			// ICCID's too, as recorded.
			if d := res.Divergence; d == nil || d.Src.Line != 14 {
				t.Fatalf("want the first divergence at the denial, picocom.log:14:\n%s", Report(res))
			}
		})
	}
}

// TestCRSMAnswerBare: +CRSM's <response> printed bare (an Android RIL's
// log) is the answer the emulated modem gives quoted: the same (outside
// tester sw109: a replay failed at the ICCID read).
func TestCRSMAnswerBare(t *testing.T) {
	log := "> AT+CRSM=176,12258,0,0,10\n< +CRSM: 144,0,98331000000512404415\n< OK\n"
	dir := newFixture(t, "crsm", map[string]string{"host.log": log, "manifest.yaml": orangeFixture("crsm", "generic", "host.log", "plain", 2)})
	if res := replay(t, dir); !res.OK {
		t.Fatalf("%s", Report(res))
	}
}

// TestDraftedFailureNotCompared: a draft whose failure is a URC the plan
// places before the logs (the power-on attach's denial in a log without
// times) says no replay can show it (outside tester sw109).
func TestDraftedFailureNotCompared(t *testing.T) {
	log := "AT+CEREG=2\r\r\nOK\r\n\r\n+CEREG: 2,\"0B2C\",\"01A2B3C4\",7\r\n\r\n+CEREG: 3,\"0B2C\",\"01A2B3C4\",7\r\n" +
		"AT+CIMI\r\r\n208011234567890\r\n\r\nOK\r\nAT+CEER\r\r\n+CEER: \"EMM cause 15\"\r\n\r\nOK\r\n"
	d, _ := draftLog(t, "session.log", log)
	if !slices.ContainsFunc(d.Plan.ToDo, func(td string) bool {
		return strings.HasPrefix(td, "the failure drafted at session.log:6 is a URC the replay places before the logs begin")
	}) {
		t.Errorf("failure %v; to-dos:\n%s", d.Failure, strings.Join(d.Plan.ToDo, "\n"))
	}
}

// TestCCHOFormAsQuirk: Telit's bare +CCHO answer ("1") beside its #CCID
// is drafted as quirks too (outside tester sw109: every personality
// refused the log), and so is "+CCHO:1", as field facts and lab
// personality read it (ccho_no_space; final71: the draft left it out).
func TestCCHOFormAsQuirk(t *testing.T) {
	for _, tc := range []struct{ answer, want string }{
		{"1", `{iccid_command: "#CCID", iccid_prefix: "#CCID: ", ccho_form: bare}`},
		{"+CCHO:1", `{iccid_command: "#CCID", iccid_prefix: "#CCID: ", ccho_no_space: true}`},
		{"+CCHO: 1", `{iccid_command: "#CCID", iccid_prefix: "#CCID: "}`},
	} {
		t.Run(tc.answer, func(t *testing.T) {
			log := "AT#CCID\r\r\n#CCID: 89330100000000000012\r\n\r\nOK\r\nAT+CIMI\r\r\n208011234567890\r\n\r\nOK\r\n" +
				"AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\r\r\n" + tc.answer + "\r\n\r\nOK\r\nAT+CCHC=1\r\r\nOK\r\n" +
				"AT+CEREG?\r\r\n+CEREG: 0,3\r\n\r\nOK\r\n"
			d, _ := draftLog(t, "picocom.log", log)
			if d.Quirks != tc.want {
				t.Errorf("quirks %q, want %q (tried %q)", d.Quirks, tc.want, d.Tried)
			}
		})
	}
}

// TestUntimedSwitchThenRoaming: a minicom capture (no times) of a switch
// done by hand — EnableProfile answered 91xx, the REFRESH's +QUSIM: 1 and
// the boot URCs an EG25 sends after it, then roaming on the new profile —
// reproduces: the registration after the switch is the new subscriber's
// (roaming, not its old home network), and the URCs after +QUSIM: 1 are
// drafted as refresh_urcs (outside tester sw115).
func TestUntimedSwitchThenRoaming(t *testing.T) {
	lines := []string{"AT+CMEE=2", "OK", "AT+CEREG=2", "OK", "AT+QCCID", "+QCCID: 89492260000123456780", "OK", "AT+CIMI", "262021234567890", "OK",
		`AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "+CCHO: 1", "OK",
		`AT+CGLA=1,50,"81E2910014BF3111A00C5A0A984411008621436587598101FF"`, `+CGLA: 4,"6106"`, "OK",
		`AT+CGLA=1,10,"81C0000006"`, `+CGLA: 16,"BF3103800100910B"`, "OK",
		"AT+CCHC=1", "OK", "+CEREG: 0", "+QUSIM: 1", "+CPIN: READY", "+QIND: SMS DONE", "+CEREG: 2", `+CEREG: 5,"2F01","00C1D2E3",7`,
		"AT+QCCID", "+QCCID: 89441100681234567895", "OK", "AT+CIMI", "234500012345678", "OK", "AT+COPS?", `+COPS: 0,2,"26202",7`, "OK"}
	_, res := draftLog(t, "minicom.cap", strings.Join(lines, "\r\n")+"\r\n")
	if !res.OK {
		t.Fatalf("%s", Report(res))
	}
	if y := string(res.Plan.ScenarioYAML); !strings.Contains(y, "{home: op23450, visited: op26202}") {
		t.Errorf("no roaming of the new subscriber in:\n%s", y)
	}
	if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool {
		return strings.HasPrefix(a, `device.quirks.refresh_urcs: "[\"+QUSIM: 1\",\"+CPIN: READY\",\"+QIND: SMS DONE\"]"`)
	}) {
		t.Errorf("refresh_urcs not drafted: assumptions:\n%s", strings.Join(res.Plan.Assumptions, "\n"))
	}
}

// TestSwitchShownAsSearching: the same switch from a module that shows
// the REFRESH's detach as the new subscriber's scan — "+CEREG: 2" straight
// after its registration, no "+CEREG: 0" — drafts refresh_stat 2 and
// reproduces (outside tester sw115 #4b: the emulated modem could only
// say 0 first).
func TestSwitchShownAsSearching(t *testing.T) {
	lines := []string{"AT+CMEE=2", "OK", "AT+CEREG=2", "OK", "AT+CEREG?", `+CEREG: 2,1,"2F01","00C1D2E3",7`, "OK",
		"AT+QCCID", "+QCCID: 89492260000123456780", "OK", "AT+CIMI", "262021234567890", "OK",
		`AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "+CCHO: 1", "OK",
		`AT+CGLA=1,50,"81E2910014BF3111A00C5A0A984411008621436587598101FF"`, `+CGLA: 4,"6106"`, "OK",
		`AT+CGLA=1,10,"81C0000006"`, `+CGLA: 16,"BF3103800100910B"`, "OK",
		"AT+CCHC=1", "OK", "+QUSIM: 1", "+CPIN: READY", "+QIND: SMS DONE", "+CEREG: 2", `+CEREG: 5,"2F01","00C1D2E3",7`,
		"AT+QCCID", "+QCCID: 89441100681234567895", "OK", "AT+CIMI", "234500012345678", "OK", "AT+COPS?", `+COPS: 0,2,"26202",7`, "OK"}
	_, res := draftLog(t, "minicom.cap", strings.Join(lines, "\r\n")+"\r\n")
	if !res.OK {
		t.Fatalf("%s\n%s", Report(res), strings.Join(res.Plan.Assumptions, "\n"))
	}
	if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return strings.HasPrefix(a, "device.quirks.refresh_stat: 2") }) {
		t.Errorf("refresh_stat not drafted: assumptions:\n%s", strings.Join(res.Plan.Assumptions, "\n"))
	}
}

// TestICCIDFillerAsQuirk: an ICCID answer ending in F is drafted as
// iccid_filler: keep beside an ICCID command no personality has (the
// quirks say the dialect the logs show), and over a personality that has
// the command the reconstruction takes it from the line; either way the
// replay answers the ICCID as recorded and gets as far as the denial.
func TestICCIDFillerAsQuirk(t *testing.T) {
	for _, tc := range []struct{ model, cmd, quirks string }{
		{"LE910C1-EUX", "#CCID", `{iccid_command: "#CCID", iccid_prefix: "#CCID: ", iccid_filler: keep}`},
		{"esimhil modem emulator", "+CCID", ""},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			log := "AT+CGMM\r\r\n" + tc.model + "\r\n\r\nOK\r\nAT" + tc.cmd + "\r\r\n" + tc.cmd + ": 8933010000000000010F\r\n\r\nOK\r\n" +
				"AT+CIMI\r\r\n208011234567890\r\n\r\nOK\r\nAT+CEREG?\r\r\n+CEREG: 0,3\r\n\r\nOK\r\n"
			d, res := draftLog(t, "picocom.log", log)
			if d.Quirks != tc.quirks {
				t.Fatalf("quirks %q, want %q (tried %q)", d.Quirks, tc.quirks, d.Tried)
			}
			if d.Plan == nil || d.Plan.Dialect.ICCIDFiller != personality.FillerKeep {
				t.Fatalf("plan %v, problem %v: want iccid_filler keep", d.Plan, d.Problem)
			}
			if d := res.Divergence; d == nil || d.Src.Line != 14 {
				t.Fatalf("want the first divergence at the denial, picocom.log:14:\n%s", Report(res))
			}
		})
	}
}
