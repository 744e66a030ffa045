package personality

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

func TestLoadEvery(t *testing.T) {
	want := []string{"fibocom-l850", "generic", "nordic-nrf9160", "quectel-eg25", "sierra-em7511", "simcom-a7600", "ublox-sara-r5"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, name := range want {
		p, err := Load(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Name != name || p.Model == "" || p.RestartDelay <= 0 || p.Timeouts.Restart < p.RestartDelay {
			t.Errorf("%s: %+v", name, p)
		}
	}
	g, err := Load("generic")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, Generic()) {
		t.Errorf("generic.yaml = %+v, want Generic() %+v", g, Generic())
	}
}

func TestErrors(t *testing.T) {
	if _, err := Load("nokia"); err == nil || !strings.Contains(err.Error(), "known: fibocom-l850, generic,") {
		t.Errorf("unknown name: %v", err)
	}
	base := "name: x\nmodel: m\niccid_command: \"+CCID\"\niccid_prefix: \"+CCID: \"\nccho_form: bare\nrestart_delay: 1s\n"
	tests := []struct{ yaml, want string }{
		{base + "colour: red\n", `p.yaml:7:1: colour: unknown field`},
		{base + "no_cchc: maybe\n", `p.yaml:7:10: no_cchc: want true or false, got "maybe"`},
		{base + "cgla_max_apdu: [64]\n", `p.yaml:7:16: cgla_max_apdu: want a number, got a list`},
		{base + "boot_urcs: RDY\n", `p.yaml:7:12: boot_urcs: want a list of strings, got "RDY"`},
		{base + "boot_urcs: [RDY, [x]]\n", "p.yaml:7:18: boot_urcs[1]: want a one-line string, got a list"},
		{base + "refresh_urcs: [\"\"]\n", `p.yaml:7:16: refresh_urcs[0]: want a one-line string, got ""`},
		{base + "card_gone_urcs: \"+CPIN: SIM REMOVED\"\n", `p.yaml:7:17: card_gone_urcs: want a list of strings, got "+CPIN: SIM REMOVED"`},
		{base + "card_back_urcs: [[x]]\n", "p.yaml:7:18: card_back_urcs[0]: want a one-line string, got a list"},
		{strings.Replace(base, "model: m", "model: ~", 1), "p.yaml:2:8: model: want a string, got nothing"},
		{base + "cme_text: {10: [x]}\n", "p.yaml:7:16: cme_text.10: want a one-line text, got a list"},
		{"name: x\nbase: [generic]\n", "p.yaml:2:7: base: want a personality's name, got a list"},
		{base + "cme_text: {x: y}\n", "p.yaml:7:12: cme_text.x: want a code 0-999"},
		{base + "name: y\n", "p.yaml:7:1: name: given twice"},
		{base + "identify: [\"EG2(5\"]\n", `p.yaml:7:12: identify[0]: pattern "EG2(5": error parsing regexp`},
		{base + "timeouts: {restart: 0s}\n", `p.yaml:7:21: timeouts.restart: want a duration of more than 0, got "0s"`},
		{base + "timeouts: {lunch: 1h}\n", "p.yaml:7:12: timeouts.lunch: unknown timeout; want command, restart, reattach or download"},
		{strings.Replace(base, "1s", "-1s", 1), "p.yaml:6:16: restart_delay: want a duration of more than 0, got \"-1s\""},
		{strings.Replace(base, "1s", "soon", 1), "p.yaml:6:16: restart_delay:"},
		{strings.Replace(base, "bare", "fancy", 1), `p.yaml:5:12: ccho_form "fancy"`},
		{strings.Replace(base, `"+CCID"`, "ccid", 1), `p.yaml:3:16: iccid_command "ccid"`},
		{"name: q6\nbase: generic\nccho_form: weird\n", `p.yaml:3:12: ccho_form "weird"`}, // over a base: still its own line (t135 F6)
		{"name: x\n", "p.yaml:1:1: model: required field missing"},
		{"name: x\nbase: nokia\n", `p.yaml:2:7: base: modem personality "nokia" unknown`},
		{"base: generic\n", "p.yaml:1:1: name: required field missing"},
		{"- a\n", "p.yaml:1: want a mapping"},
		{"a: [\n", "p.yaml: yaml:"},
		{base + "cgla_max_apdu: 3\n", "p.yaml:7:16: cgla_max_apdu: want 5..261 bytes"},
		{base + "cgla_max_apdu: lots\n", `p.yaml:7:16: cgla_max_apdu: want a number, got "lots"`},
		{base + "test_answers: {\"+cchc\": \"+CCHC\"}\n", "p.yaml:7:16: test_answers.+cchc: want an upper-case extended command name such as +CCHO"},
		{base + "test_answers: {\"+CCHC\": \"\"}\n", `p.yaml:7:25: test_answers.+CCHC: want a one-line answer, got ""`},
		{base + "test_answers: [+CCHC]\n", "p.yaml:7:15: test_answers: want a mapping"},
		{base + "refresh_ignored: sometimes\n", "p.yaml:7:18: refresh_ignored:"},
		{base + "cops_reject_error: -1\n", "p.yaml:7:20: cops_reject_error: -1: want a +CME ERROR code (0: the reject cause's own)"},
		{base + "cops_reject_error: often\n", `p.yaml:7:20: cops_reject_error: want a number, got "often"`},
		{base + "refresh_delay: 6m\n", `p.yaml:7:16: refresh_delay: "6m": want 0 to 5m0s`},
		{base + "refresh_delay: -1s\n", `p.yaml:7:16: refresh_delay: "-1s": want 0 to 5m0s`},
		{base + "refresh_delay: soon\n", "p.yaml:7:16: refresh_delay: "},
		{base + "cfun_modes: {200: {}}\n", "p.yaml:7:14: cfun_modes.200: want a <fun> 0-127 (TS 27.007 §8.2)"},
		{base + "cfun_modes: {41: on}\n", `p.yaml:7:18: cfun_modes.41: want a mapping of radio, card and read, got "on"`},
		{base + "cfun_modes: {41: {card: up}}\n", `p.yaml:7:25: cfun_modes.41.card: "up": want on or off`},
		{base + "cfun_modes: {41: {uicc: \"on\"}}\n", "p.yaml:7:19: cfun_modes.41.uicc: unknown field; want radio, card or read"},
		{base + "cfun_modes: {41: {read: 300}}\n", "p.yaml:7:25: cfun_modes.41.read: 300: want a <fun> 0-127"},
		{base + "cfun_modes: {21: {radio: \"on\", card: \"off\"}}\n", "p.yaml:7:18: cfun_modes.21: radio on with the card off: the radio needs the card"},
		{base + "no_cfun_reset: 1,1\n", "p.yaml:7:16: no_cfun_reset: want true or false"},
		{base + "settings: {\"%xsystemmode\": \"1\"}\n", "p.yaml:7:12: settings.%xsystemmode: want an upper-case extended command name such as %XSYSTEMMODE"},
		{base + "settings: {\"%XSYSTEMMODE\": \"\"}\n", `p.yaml:7:28: settings.%XSYSTEMMODE: want a one-line value, got ""`},
		{base + "no_service_stat: 1\n", "p.yaml:7:18: no_service_stat: 1: want 0 (not registered) or 2 (searching)"},
		{base + "refresh_stat: 5\n", "p.yaml:7:15: refresh_stat: 5: want 0 (not registered) or 2 (searching)"},
		{base + "boot_urcs: [RDY, x]\nboot_urc_delays: [0s]\n", "p.yaml:8:18: boot_urc_delays: 1 delay(s) for 2 boot_urcs: want one for each"},
		{base + "boot_urcs: [RDY, x]\nboot_urc_delays: [2s, 1s]\n", "p.yaml:8:23: boot_urc_delays[1]: 1s, before the one before it (2s): want them in the order of boot_urcs"},
		{base + "boot_urcs: [RDY]\nboot_urc_delays: [-1s]\n", "p.yaml:8:19: boot_urc_delays[0]: want a duration of 0 or more"},
		{base + "boot_urc_delays: 2s\n", "p.yaml:7:18: boot_urc_delays: want a list of durations"},
		{base + "vendor_restarts: [\"AT+QPOWD\"]\n", `p.yaml:7:19: vendor_restarts[0]: "AT+QPOWD": want one of the restarts the AT codec knows (AT!RESET, `},
		{base + "vendor_restarts: [\"!RESET\"]\n", `p.yaml:7:19: vendor_restarts[0]: "!RESET": want one of`},
		{base + "vendor_restarts: \"AT!RESET\"\n", `p.yaml:7:18: vendor_restarts: want a list of strings`},
		{base + "card_kept_restarts: [\"AT+CFUN=15\"]\n", `p.yaml:7:21: card_kept_restarts: AT+CFUN=15: not one of vendor_restarts []: want a restart the modem takes`},
		{base + "card_kept_restarts: [\"AT+QPOWD\"]\n", `p.yaml:7:22: card_kept_restarts[0]: "AT+QPOWD": want one of the restarts the AT codec knows`},
		{base + "power_downs: [\"AT+CFUN=0\"]\n", `p.yaml:7:15: power_downs[0]: "AT+CFUN=0": want one of the power-downs the AT codec knows (AT+QPOWD, AT+CPWROFF, AT+CPOWD)`},
		{base + "power_downs: [\"+QPOWD\"]\n", `p.yaml:7:15: power_downs[0]: "+QPOWD": want one of the power-downs`},
		{base + "iccid_filler: F\n", `p.yaml:7:15: iccid_filler: "F": want keep or strip`},
		{base + "iccid_filler: [keep]\n", "p.yaml:7:15: iccid_filler: want a string, got a list"},
		{base + "power_down_urcs: [RDY]\n", `p.yaml:7:19: power_down_urcs[0]: "RDY": want one of the power-down URCs the AT codec knows (^SHUTDOWN, NORMAL POWER DOWN, `},
	}
	for _, tc := range tests {
		_, err := Parse("p.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
	if _, err := Parse("p.yaml", []byte(base)); err != nil {
		t.Errorf("base: %v", err)
	}
}

// A personality composed on a base keeps the base's fields and takes its own.
func TestCompose(t *testing.T) {
	p, err := Parse("eg21.yaml", []byte(`name: quectel-eg21
base: quectel-eg25
model: EG21-like
restart_delay: 25s
timeouts: {restart: 60s}
cme_text: {13: SIM Failure}
`))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := Load("quectel-eg25")
	if p.Base != "quectel-eg25" || p.ICCIDCommand != q.ICCIDCommand || !slices.Equal(p.RefreshURCs, q.RefreshURCs) {
		t.Errorf("base fields lost: %+v", p)
	}
	if p.Model != "EG21-like" || p.RestartDelay != 25*time.Second || p.Timeouts.Restart != time.Minute || p.Timeouts.Reattach != DefaultTimeouts.Reattach {
		t.Errorf("own fields: %+v", p)
	}
	if p.CMEText[13] != "SIM Failure" || p.CMEText[50] != q.CMEText[50] {
		t.Errorf("cme_text merged by code: %v", p.CMEText)
	}
	if q.CMEText[13] != "SIM failure" {
		t.Errorf("the base was changed: %v", q.CMEText)
	}
}

func TestOverride(t *testing.T) {
	g := Generic()
	p, err := g.Override("manifest.yaml", []byte("no_cchc: true\nrefresh_urcs: [\"+QUSIM: 1\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.NoCCHC || !slices.Equal(p.RefreshURCs, []string{"+QUSIM: 1"}) || p.Name != "generic" {
		t.Errorf("override: %+v", p)
	}
	if g.NoCCHC || g.RefreshURCs != nil {
		t.Errorf("original changed: %+v", g)
	}
	// The quirks of one field device, on its dialect (fixtures/field).
	bg, err := g.Override("manifest.yaml", []byte("cchc_bare_line: true\ntest_answers: {\"+CCHO\": \"+CCHO: <dfname>\"}\ncgla_max_apdu: 64\necho_joins_previous: true\nrefresh_ignored: true\ncgla_refused: true\nsearching_urc: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !bg.CCHCBareLine || bg.TestAnswers["+CCHO"] != "+CCHO: <dfname>" || bg.CGLAMaxAPDU != 64 || !bg.EchoJoinsPrevious || !bg.RefreshIgnored || !bg.CGLARefused || !bg.SearchingURC {
		t.Errorf("quirks: %+v", bg)
	}
	if rs, err := g.Override("m.yaml", []byte("refresh_stat: 2\n")); err != nil || !rs.RefreshSearching || g.RefreshSearching {
		t.Errorf("refresh_stat: %+v, %v", rs, err)
	}
	if ar, err := g.Override("m.yaml", []byte("restart_searching: true\nabnormal_reject_moves_on: true\n")); err != nil || !ar.RestartSearching || !ar.AbnormalRejectMovesOn || g.RestartSearching || g.AbnormalRejectMovesOn {
		t.Errorf("restart_searching, abnormal_reject_moves_on: %+v, %v", ar, err)
	}
	if _, err := g.Override("m.yaml", []byte("abnormal_reject_moves_on: 17\n")); err == nil {
		t.Error("abnormal_reject_moves_on: 17 accepted")
	}
	if nt, err := g.Override("m.yaml", []byte("no_timer_management: true\n")); err != nil || !nt.NoTimerManagement || g.NoTimerManagement {
		t.Errorf("no_timer_management: %+v, %v", nt, err)
	}
	if _, err := g.Override("m.yaml", []byte("no_timer_management: 3\n")); err == nil {
		t.Error("no_timer_management: 3 accepted")
	}
	more, err := bg.Override("m2.yaml", []byte("test_answers: {\"+CCHC\": \"+CCHC: <sessionid>\"}\n"))
	if err != nil || len(more.TestAnswers) != 2 || len(bg.TestAnswers) != 1 {
		t.Errorf("test_answers merge by command, the original kept: %v %v %v", more.TestAnswers, bg.TestAnswers, err)
	}
	// Boot URCs' delays go with their list: a new list without its own
	// drops the old delays.
	timed, err := g.Override("m.yaml", []byte("boot_urcs: [RDY, \"+CPIN: READY\"]\nboot_urc_delays: [0s, 2.5s]\n"))
	if err != nil || !slices.Equal(timed.BootURCDelays, []time.Duration{0, 2500 * time.Millisecond}) {
		t.Errorf("boot_urc_delays: %v, %v", timed.BootURCDelays, err)
	}
	if relisted, err := timed.Override("m.yaml", []byte("boot_urcs: [RDY]\n")); err != nil || relisted.BootURCDelays != nil {
		t.Errorf("boot_urcs without delays over timed ones: %v, %v", relisted.BootURCDelays, err)
	}
	for _, bad := range []string{"name: other\n", "base: generic\n", "ccho_form: weird\n", "quirk: 1\n", "boot_urc_delays: [0s, 1s]\n"} {
		if _, err := g.Override("m.yaml", []byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDialectHelpers(t *testing.T) {
	s, _ := Load("sierra-em7511")
	if ch, ok := s.Channel("000000000385a7cf"); s.SessionID(1) != "000000000385a7cf" || ch != 1 || !ok || s.CCHOLine("000000000385a7cf") != "+CCHO: 000000000385a7cf" {
		t.Error("long form")
	}
	f, _ := Load("fibocom-l850")
	if f.CCHOLine("1") != "1" || f.Supports("+CCHC") || !f.Supports("+CGLA") {
		t.Error("bare form, no +CCHC")
	}
	c, _ := Load("simcom-a7600")
	if c.Supports("+CCHO") || !c.Supports("+CSIM") {
		t.Error("CSIM only")
	}
	for text, want := range map[string]bool{"SIMCOM_A7600E-H": true, "SIM808 R14.18": true, "SIMCOM_SIM7600E": true,
		`+CGLA: 12,"81E2A76001900000"`: false, "EG25": false} {
		if c.Identifies(text) != want {
			t.Errorf("simcom-a7600 identifies %q: %v, want %v", text, !want, want)
		}
	}
	q, _ := Load("quectel-eg25")
	if !q.Identifies("Quectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G") || q.Identifies("SIMCOM_A7600E-H") {
		t.Errorf("identify %q", q.Identify)
	}
	// The Sierra family whose +CCHO answers a handle; not the EM9191
	// (another platform, without +CCHC).
	for text, want := range map[string]bool{"Model: EM7511": true, "Model: EM7590": true, "MC7455": true, "Model: EM7455": true,
		"Model: EM9191": false, "EG25": false} {
		if s.Identifies(text) != want {
			t.Errorf("sierra-em7511 identifies %q: %v, want %v", text, !want, want)
		}
	}
}

// The +CCHO answers modems give, and the forms they show.
func TestParseCCHO(t *testing.T) {
	for _, tc := range []struct {
		line, session, form string
	}{
		{"+CCHO: 1", "1", CCHOPrefixed},
		{"+CCHO:2", "2", CCHOPrefixed},
		{" +CCHO: 19 ", "19", CCHOPrefixed},
		{"1", "1", CCHOBare},
		{"1234567", "1234567", CCHOLong},
		{"+CCHO: 000000000385a7cf", "000000000385a7cf", CCHOLong}, // Sierra MC7455
		{`+CCHO: "0385A7CF"`, "0385A7CF", CCHOLong},
		{"+CCHO: 20", "20", CCHOLong},
		{"+CCHO: 0", "0", CCHOLong},
		{"+CCHO: x", "", ""},
		{"+CCHO: 0000000000000385a7cf", "", ""}, // more than 64 bits
		{"0385a7cf", "", ""},                    // a bare line is decimal or nothing
		{"OK", "", ""},
		{"", "", ""},
	} {
		session, form, ok := ParseCCHO(tc.line)
		if session != tc.session || form != tc.form || ok != (tc.session != "") {
			t.Errorf("ParseCCHO(%q) = %q, %q, %v; want %q, %q", tc.line, session, form, ok, tc.session, tc.form)
		}
	}
}

// The +CCHO answer's spacing, as every drafter reads it.
func TestCCHONoSpaceOf(t *testing.T) {
	for _, tc := range []struct {
		line        string
		noSpace, ok bool
	}{
		{"+CCHO: 1", false, true},
		{"+CCHO:1", true, true},
		{" +CCHO:000000000385a7cf\r", true, true},
		{`+CCHO:"0385A7CF"`, true, true},
		{"1", false, false}, // bare: says nothing of the space
		{"+CCHO: x", false, false},
		{"OK", false, false},
	} {
		if noSpace, ok := CCHONoSpaceOf(tc.line); noSpace != tc.noSpace || ok != tc.ok {
			t.Errorf("CCHONoSpaceOf(%q) = %v, %v; want %v, %v", tc.line, noSpace, ok, tc.noSpace, tc.ok)
		}
	}
}

// A session id in the personality's form names its channel; one in
// another form is refused, one out of range names no open channel.
func TestChannelOfSession(t *testing.T) {
	long := Generic()
	long.CCHOForm = CCHOLong
	for _, tc := range []struct {
		p       Personality
		session string
		ch      int
		ok      bool
	}{
		{Generic(), "1", 1, true},
		{Generic(), "19", 19, true},
		{Generic(), "x", 0, false},
		{Generic(), "", 0, false},
		{Generic(), "1234567890", 0, false},
		{Generic(), "000000000385a7cf", 0, false},
		{long, "000000000385a7cf", 1, true},
		{long, "000000000385A7D0", 2, true},
		{long, "385a7cf", 1, true},
		{long, "0000000000000001", -1, true},
		{long, "ffffffffffffffff", -1, true},
		{long, "00000000000000000385a7cf", 0, false},
		{long, "0385a7cg", 0, false},
	} {
		ch, ok := tc.p.Channel(tc.session)
		if ch != tc.ch || ok != tc.ok {
			t.Errorf("%s: Channel(%q) = %d, %v; want %d, %v", tc.p.CCHOForm, tc.session, ch, ok, tc.ch, tc.ok)
		}
	}
}

// A personality is given by a built-in name or as a file, to every command
// that takes one (emulate, make lab, lab record and diff).
func TestLoadNameOrFile(t *testing.T) {
	builtin, err := LoadNameOrFile("quectel-eg25")
	if err != nil || builtin.Name != "quectel-eg25" {
		t.Fatalf("built-in: %+v, %v", builtin.Name, err)
	}
	file := filepath.Join(t.TempDir(), "eg25-fw07.yaml")
	if err := os.WriteFile(file, []byte("name: eg25-fw07\nbase: quectel-eg25\nno_test_forms: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadNameOrFile(file)
	if err != nil || p.Name != "eg25-fw07" || !p.NoTestForms {
		t.Fatalf("file: %+v, %v", p, err)
	}
	if _, err := LoadNameOrFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "personality file") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadNameOrFile("nokia-3310"); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("unknown name: %v", err)
	}
}

// ReadNameOrFile gives the bytes of the file it read, for a run that keeps
// the file it ran (esimhil run's personality.yaml); none for a name.
func TestReadNameOrFile(t *testing.T) {
	if _, b, err := ReadNameOrFile("quectel-eg25"); err != nil || b != nil {
		t.Errorf("built-in: %q, %v", b, err)
	}
	src := "name: eg25-fw07\nbase: quectel-eg25\nno_test_forms: true\n"
	file := filepath.Join(t.TempDir(), "eg25-fw07.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, b, err := ReadNameOrFile(file); err != nil || p.Name != "eg25-fw07" || string(b) != src {
		t.Errorf("file: %q, %q, %v", p.Name, b, err)
	}
}

// TestVendorRestarts: each personality takes its own vendor's restart
// beyond AT+CFUN=1,1 and no other's (a Quectel EG25 refuses AT!RESET);
// a file's entry is read in any case and kept as the codec spells it.
func TestVendorRestarts(t *testing.T) {
	want := map[string]string{
		"generic": "", "quectel-eg25": "", "sierra-em7511": "AT!RESET", "simcom-a7600": "AT+CRESET",
		"ublox-sara-r5": "AT+CFUN=16", "fibocom-l850": "AT+CFUN=15", "nordic-nrf9160": "",
	}
	for name, own := range want {
		p, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range at.VendorRestarts {
			cmds, _ := at.Parse("AT" + v)
			if got := p.Restarts(cmds[0]); got != ("AT"+v == own) {
				t.Errorf("%s takes AT%s: %v, want %v", name, v, got, !got)
			}
		}
	}
	p, err := Parse("p.yaml", []byte("name: r\nbase: quectel-eg25\nvendor_restarts: [\" at+cfun=16 \"]\n"))
	if err != nil || !slices.Equal(p.VendorRestarts, []string{"AT+CFUN=16"}) {
		t.Errorf("vendor_restarts over a base: %q, %v", p.VendorRestarts, err)
	}
}

// TestKeepsCard: a restart the personality keeps the card through
// (card_kept_restarts, u-blox's +CFUN=15 without the SIM's reset,
// UBX-13002752 §5.3) is one of its vendor_restarts it lists there; its
// other restarts, other lines and other modems' +CFUN=15 are not.
func TestKeepsCard(t *testing.T) {
	base, err := Load("ublox-sara-r5")
	if err != nil {
		t.Fatal(err)
	}
	lara, err := base.Override("lara.yaml", []byte("vendor_restarts: [\"AT+CFUN=15\", \"AT+CFUN=16\"]\ncard_kept_restarts: [\" at+cfun=15\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lara.CardKeptRestarts, []string{"AT+CFUN=15"}) {
		t.Errorf("card_kept_restarts: %q", lara.CardKeptRestarts)
	}
	fibocom, err := Load("fibocom-l850")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    Personality
		line string
		want bool
	}{
		{lara, "AT+CFUN=15", true},
		{lara, "at+cfun=15", true},
		{lara, "AT+CFUN=16", false},
		{lara, "AT+CFUN=1,1", false},
		{lara, "AT+CFUN=0", false},
		{fibocom, "AT+CFUN=15", false}, // the whole module resets
		{Generic(), "AT+CFUN=15", false},
	} {
		cmds, err := at.Parse(tc.line)
		if err != nil || len(cmds) != 1 {
			t.Fatal(tc.line, err)
		}
		if got := tc.p.KeepsCard(cmds[0]); got != tc.want {
			t.Errorf("%s: KeepsCard(%s) = %v, want %v", tc.p.Name, tc.line, got, tc.want)
		}
	}
}

// TestPowerDowns: a personality takes the power-downs it lists, in any
// form but read and test, written in any case; the manuals' own
// (quectel-eg25 +QPOWD then POWERED DOWN, ublox-sara-r5 +CPWROFF and no
// URC) are the built-ins'.
func TestPowerDowns(t *testing.T) {
	q, err := Load("quectel-eg25")
	if err != nil {
		t.Fatal(err)
	}
	u, err := Load("ublox-sara-r5")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.PowerDownURCs, []string{"POWERED DOWN"}) || len(u.PowerDownURCs) != 0 {
		t.Errorf("power_down_urcs: quectel %q, u-blox %q", q.PowerDownURCs, u.PowerDownURCs)
	}
	for _, tc := range []struct {
		p    Personality
		line string
		want bool
	}{
		{q, "AT+QPOWD", true},
		{q, "AT+QPOWD=1", true},
		{q, "at+qpowd=0", true},
		{q, "AT+QPOWD?", false},
		{q, "AT+QPOWD=?", false},
		{q, "AT+CPWROFF", false},
		{u, "AT+CPWROFF", true},
		{u, "AT+QPOWD", false},
		{Generic(), "AT+QPOWD", false},
	} {
		cmds, err := at.Parse(tc.line)
		if err != nil {
			t.Fatal(err)
		}
		if got := tc.p.PowersDown(cmds[0]); got != tc.want {
			t.Errorf("%s takes %s as a power-down: %v, want %v", tc.p.Name, tc.line, got, tc.want)
		}
	}
	p, err := Parse("p.yaml", []byte("name: r\nbase: generic\npower_downs: [\" at+cpowd \"]\npower_down_urcs: [NORMAL POWER DOWN]\n"))
	if err != nil || !slices.Equal(p.PowerDowns, []string{"AT+CPOWD"}) || !slices.Equal(p.PowerDownURCs, []string{"NORMAL POWER DOWN"}) {
		t.Errorf("power_downs over a base: %q %q, %v", p.PowerDowns, p.PowerDownURCs, err)
	}
}

// Load parses each built-in file once and hands every caller a copy of
// its own: a caller that changes its copy's slices and maps (every one of
// them, walked by reflection) leaves the next Load's as a fresh parse
// gives it (a field every built-in leaves empty shares nothing: an append
// to it allocates). A field of a kind clone does not copy (a pointer, a
// func) fails the walk, so a new field cannot be shared by mistake.
func TestLoadCopiesAreOwn(t *testing.T) {
	for _, name := range Names() {
		mine, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		spoil(t, reflect.ValueOf(&mine).Elem(), name)
		again, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := load(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, fresh) {
			t.Errorf("%s: a caller's change to its copy reached the next Load:\n%+v\nwant\n%+v", name, again, fresh)
		}
	}
}

// spoil changes every element of v's slices and every map it holds.
func spoil(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			spoil(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		for i := range v.Len() {
			e := v.Index(i)
			switch e.Kind() {
			case reflect.String:
				e.SetString(e.String() + " (changed)")
			case reflect.Int64, reflect.Int:
				e.SetInt(e.Int() + 1)
			default:
				t.Fatalf("%s: elements of kind %s: teach clone and this test to copy them", path, e.Kind())
			}
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			e := v.MapIndex(k)
			switch e.Kind() {
			case reflect.String:
				v.SetMapIndex(k, reflect.ValueOf(e.String()+" (changed)"))
			case reflect.Struct: // of scalars: replaced by its zero value
				for i := range e.NumField() {
					if f := e.Field(i).Kind(); f == reflect.Slice || f == reflect.Map || f == reflect.Pointer {
						t.Fatalf("%s[%v]: a field of kind %s: teach clone and this test to copy it", path, k, f)
					}
				}
				v.SetMapIndex(k, reflect.Zero(e.Type()))
			default:
				t.Fatalf("%s: values of kind %s: teach clone and this test to copy them", path, e.Kind())
			}
		}
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Uint16, reflect.Uint8:
	default:
		t.Fatalf("%s: a field of kind %s: teach clone and this test to copy it", path, v.Kind())
	}
}

// TestCFUNModes: a manufacturer's <fun> values merge over the base's, an
// override's too, without touching the loaded one, and the +CFUN=? answer
// lists them, without <rst> where +CFUN takes none.
func TestCFUNModes(t *testing.T) {
	g := Generic()
	if got := g.CFUNTest(); got != "+CFUN: (0,1,4),(0,1)" {
		t.Errorf("generic +CFUN=?: %q", got)
	}
	n, err := Load("nordic-nrf9160")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.CFUNTest(); got != "+CFUN: (0,1,4,20,21,30,31,40,41,44)" {
		t.Errorf("nordic +CFUN=?: %q", got)
	}
	// The reset <fun>s a personality takes (vendor_restarts) are listed
	// too: a host reads +CFUN=? to learn them (outside tester t213).
	for name, want := range map[string]string{
		"ublox-sara-r5": "+CFUN: (0,1,4,16),(0,1)",
		"fibocom-l850":  "+CFUN: (0,1,4,15),(0,1)",
		"sierra-em7511": "+CFUN: (0,1,4),(0,1)", // AT!RESET is no <fun>
	} {
		p, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.CFUNTest(); got != want {
			t.Errorf("%s +CFUN=?: %q, want %q", name, got, want)
		}
	}
	if n.CFUNModes[41] != (CFUNMode{Card: "on", Read: 41}) || n.Settings["%XSYSTEMMODE"] != "1,0,1,0" || !n.NoCFUNReset {
		t.Errorf("nordic: %+v %q %v", n.CFUNModes, n.Settings, n.NoCFUNReset)
	}
	o, err := n.Override("q.yaml", []byte("cfun_modes: {41: {card: \"on\"}, 5: {radio: \"off\"}}\nsettings: {\"%XBANDLOCK\": \"0\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if o.CFUNModes[41].Read != 0 || o.CFUNModes[44].Read != 44 || o.CFUNModes[5].Radio != "off" || len(o.Settings) != 2 {
		t.Errorf("override: %+v %q", o.CFUNModes, o.Settings)
	}
	if n.CFUNModes[41].Read != 41 || len(n.CFUNModes) != 8 || len(n.Settings) != 1 {
		t.Errorf("the override changed the loaded one: %+v %q", n.CFUNModes, n.Settings)
	}
}

// TestCFUNResetFuns: cfun_reset_funs lists the 27.007 <fun>s a reset goes
// to, 1 among them; left out, every one of 0, 1 and 4 (§8.2 restricts
// none); a manufacturer's <fun> and a modem without <rst> take none.
func TestCFUNResetFuns(t *testing.T) {
	for _, tc := range []struct {
		yaml    string
		resets  []int // of 0, 1, 4, 16
		wantErr string
	}{
		{"", []int{0, 1, 4}, ""},
		{"cfun_reset_funs: [1]\n", []int{1}, ""},
		{"cfun_reset_funs: [4, 1]\n", []int{1, 4}, ""},
		{"cfun_reset_funs: [1]\nno_cfun_reset: true\n", nil, "with no_cfun_reset"},
		{"no_cfun_reset: true\n", nil, ""},
		{"cfun_modes: {4: {radio: off, card: off}}\n", []int{0, 1}, ""},
		{"cfun_reset_funs: [4]\n", nil, "want 1 among them"},
		{"cfun_reset_funs: [1, 16]\n", nil, "16: want 0, 1 or 4"},
		{"cfun_reset_funs: [1, 1]\n", nil, "1 twice"},
		{"cfun_reset_funs: 1\n", nil, "a list of <fun>s"},
	} {
		p, err := Parse("p.yaml", []byte("name: r\nbase: generic\n"+tc.yaml))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: %v, want an error with %q", tc.yaml, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.yaml, err)
			continue
		}
		var got []int
		for _, f := range []int{0, 1, 4, 16} {
			if p.ResetsTo(f) {
				got = append(got, f)
			}
		}
		if !slices.Equal(got, tc.resets) {
			t.Errorf("%q: resets to %v, want %v", tc.yaml, got, tc.resets)
		}
	}
	for name, want := range map[string][]int{"quectel-eg25": {1}, "ublox-sara-r5": {1, 4}, "generic": nil} {
		p, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.CFUNResetFuns, want) {
			t.Errorf("%s: cfun_reset_funs %v, want %v", name, p.CFUNResetFuns, want)
		}
	}
}

// TestICCIDFiller: the built-ins print the F filler as their vendors'
// real logs show it; a vendor with no 19-digit ICCID in any log found
// keeps the default, strip.
func TestICCIDFiller(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"generic", ""},
		{"quectel-eg25", FillerKeep},   // commaai/openpilot pull request 38021: +QCCID: 8944476500008878576F
		{"fibocom-l850", FillerKeep},   // 3ginfo-lite issues 82 (L850-GL) and 39 (L860-GL)
		{"nordic-nrf9160", FillerKeep}, // the nRF91 AT reference's %XICCID example
		{"simcom-a7600", ""},
		{"sierra-em7511", ""},
		{"ublox-sara-r5", ""},
	} {
		p, err := Load(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if p.ICCIDFiller != tc.want {
			t.Errorf("%s: iccid_filler %q, want %q", tc.name, p.ICCIDFiller, tc.want)
		}
	}
	q, err := Parse("q.yaml", []byte("name: q\nbase: quectel-eg25\niccid_filler: strip\n"))
	if err != nil || q.ICCIDFiller != FillerStrip {
		t.Errorf("strip over a keep base: %q, %v", q.ICCIDFiller, err)
	}
}

// TestFillerShown: an ICCID answer's F after its digits shows keep, a
// 19-digit one without shows strip, a 20-digit one shows neither.
func TestFillerShown(t *testing.T) {
	for _, c := range []struct{ digits, fs, want string }{
		{"8933150319120005117", "F", FillerKeep},
		{"8933150319120005117", "f", FillerKeep},
		{"8933150319120005117", "", FillerStrip},
		{"89331503191200051177", "", ""},
	} {
		if got := FillerShown(c.digits, c.fs); got != c.want {
			t.Errorf("FillerShown(%s, %q) = %q, want %q", c.digits, c.fs, got, c.want)
		}
	}
}
