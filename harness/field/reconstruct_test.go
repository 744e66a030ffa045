package field

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/align"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
)

var corpus = filepath.Join("..", "..", "fixtures", "field")

// fixtureCopy copies a corpus fixture into a temporary directory of the
// same name and applies edit to its manifest.
func fixtureCopy(t *testing.T, name string, edit func(string) string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(corpus, name))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dst, ManifestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := edit(string(b))
	if edited == string(b) {
		t.Fatalf("%s: the edit left the manifest as it was", name)
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// writeFixture makes a fixture directory named name from its files' texts.
func writeFixture(t *testing.T, name string, files map[string]string) string {
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

func reconstruct(t *testing.T, dir string, o Options) *Plan {
	t.Helper()
	f, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Reconstruct(f, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func assumed(p *Plan, parts ...string) bool {
	for _, a := range p.Assumptions {
		ok := true
		for _, s := range parts {
			ok = ok && strings.Contains(a, s)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestDerivedQuirks: with the quirks left out of the manifest, the
// reconstruction takes them from the logs and says so, naming the line.
func TestDerivedQuirks(t *testing.T) {
	t.Run("cgla_max_apdu", func(t *testing.T) {
		dir := fixtureCopy(t, "ec20f-long-cgla", func(s string) string {
			return strings.Replace(s, "  quirks:\n    cgla_max_apdu: 64\n", "", 1)
		})
		p := reconstruct(t, dir, Options{})
		// 29 bytes passed, 125 were refused: the limit lies in between.
		if n := p.Dialect.CGLAMaxAPDU; n < 29 || n >= 125 {
			t.Errorf("cgla_max_apdu %d, want 29..124", n)
		}
		if !assumed(p, "device.quirks.cgla_max_apdu", "lpac-download.log:38") {
			t.Errorf("no assumption names the quirk and its line:\n%s", strings.Join(p.Assumptions, "\n"))
		}
		if !strings.Contains(string(p.DialectYAML), "cgla_max_apdu:") || !strings.Contains(string(p.DialectYAML), "base: quectel-eg25") {
			t.Errorf("personality file:\n%s", p.DialectYAML)
		}
	})
	t.Run("cchc_bare_line and test answers", func(t *testing.T) {
		dir := fixtureCopy(t, "bg95-bare-cchc", func(s string) string {
			i, j := strings.Index(s, "  quirks:\n"), strings.Index(s, "  profiles:\n")
			return s[:i] + s[j:]
		})
		p := reconstruct(t, dir, Options{})
		if !p.Dialect.CCHCBareLine || p.Dialect.TestAnswers["+CCHO"] != "+CCHO: <dfname>" {
			t.Errorf("dialect: bare line %v, test answers %v", p.Dialect.CCHCBareLine, p.Dialect.TestAnswers)
		}
		if !assumed(p, "device.quirks.cchc_bare_line", "lpac-chip-info.log:") {
			t.Errorf("assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
		}
	})
	t.Run("apdu_answer_no_space and cgla_passes_61xx", func(t *testing.T) {
		dir := fixtureCopy(t, "a7908e-cgla-61xx", func(s string) string {
			return strings.Replace(s, "  quirks:\n    apdu_answer_no_space: true\n    cgla_passes_61xx: true\n", "", 1)
		})
		p := reconstruct(t, dir, Options{})
		if !p.Dialect.APDUAnswerNoSpace || !p.Dialect.CGLAPasses61xx {
			t.Errorf("dialect: no space %v, passes 61xx %v", p.Dialect.APDUAnswerNoSpace, p.Dialect.CGLAPasses61xx)
		}
		for _, q := range []string{"device.quirks.apdu_answer_no_space", "device.quirks.cgla_passes_61xx"} {
			if !assumed(p, q, "lpac-at.log:20") {
				t.Errorf("no assumption names %s and its line:\n%s", q, strings.Join(p.Assumptions, "\n"))
			}
		}
	})
	t.Run("no_cchc and csim_only: the commands answered", func(t *testing.T) {
		// An FM350 as lpac meets it: +CCHO's bare id is the L850's form,
		// but its +CCHC closes a channel, which the L850 refuses; a
		// SIMCom whose +CCHO and +CGLA work is not the A7600 (+CSIM only).
		log := "AT_DEBUG: AT+CCHC=?\nAT_DEBUG:\nAT_DEBUG: OK\n" +
			"AT_DEBUG: AT+CCHC=1\nAT_DEBUG:\nAT_DEBUG: OK\n" +
			"AT_DEBUG: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\nAT_DEBUG:\nAT_DEBUG: 1\nAT_DEBUG:\nAT_DEBUG: OK\n" +
			"AT_DEBUG: AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\nAT_DEBUG: +CGLA: 44,\"BF3E125A10890490320010000000000000000001239000\"\nAT_DEBUG:\nAT_DEBUG: OK\n"
		for _, c := range []struct{ personality, quirk, line string }{
			{"fibocom-l850", "device.quirks.no_cchc: false", "lpac.log:1"},
			{"simcom-a7600", "device.quirks.csim_only: false", "lpac.log:1"},
		} {
			quirks := ""
			if c.personality == "simcom-a7600" {
				quirks = "  quirks: {ccho_form: bare}\n"
			}
			dir := writeFixture(t, "fm350", map[string]string{
				"lpac.log": log,
				ManifestFile: "name: fm350\nsource: test\nlogs: [{file: lpac.log}]\ndevice:\n  personality: " + c.personality + "\n" + quirks +
					"  profiles: [{iccid: \"89330100005021044451\", operator: orange-fr, enabled: true}]\n" +
					"network: {operators: [{id: orange-fr, plmn: \"20801\", country: FR, name: Orange}]}\n" +
					"expected: x\nfailure: {log: lpac.log, line: 13, what: x}\nexpect: reproduces\n",
			})
			p := reconstruct(t, dir, Options{})
			if p.Dialect.NoCCHC || p.Dialect.CSIMOnly || !p.Dialect.Supports("+CCHC") {
				t.Errorf("%s: no_cchc %v, csim_only %v", c.personality, p.Dialect.NoCCHC, p.Dialect.CSIMOnly)
			}
			if !assumed(p, c.quirk, c.line) {
				t.Errorf("%s: no assumption %q at %s:\n%s", c.personality, c.quirk, c.line, strings.Join(p.Assumptions, "\n"))
			}
		}
	})
	t.Run("stated quirks are not assumed", func(t *testing.T) {
		p := reconstruct(t, filepath.Join(corpus, "ec20f-long-cgla"), Options{})
		if p.Dialect.CGLAMaxAPDU != 64 || assumed(p, "device.quirks") {
			t.Errorf("cgla_max_apdu %d, assumptions:\n%s", p.Dialect.CGLAMaxAPDU, strings.Join(p.Assumptions, "\n"))
		}
	})
}

// TestReconstructTimeline: a ModemManager log's times become run times,
// the attach delay is measured from the REFRESH to the next registration,
// every command is a step with its line, and every scenario line that was
// not given says so.
func TestReconstructTimeline(t *testing.T) {
	p := reconstruct(t, filepath.Join(corpus, "reattach-slower-than-wait"), Options{})
	wait := p.Fixture.Manifest.Device.AttachWait
	// SFR's network never answers: a T3410 timeout from the log, not a
	// slow attach.
	if p.AttachDelay <= 0 || p.AttachDelay >= wait {
		t.Errorf("attach delay %v, want the log's normal attach time", p.AttachDelay)
	}
	if len(p.Scenario.Faults) != 1 || p.Scenario.Faults[0].Operator != "sfr" || !assumed(p, "sfr went unanswered", "modemmanager.log:36", "T3410") {
		t.Errorf("faults %+v, assumptions:\n%s", p.Scenario.Faults, strings.Join(p.Assumptions, "\n"))
	}
	if p.Start <= 0 || p.End <= p.Start {
		t.Errorf("start %v end %v", p.Start, p.End)
	}
	if len(p.Steps) == 0 {
		t.Fatal("no steps")
	}
	prev := time.Duration(-1)
	for _, s := range p.Steps {
		if s.At < prev || s.At < p.Start || s.Src.File != "modemmanager.log" || s.Src.Line == 0 || !strings.HasPrefix(strings.ToUpper(s.Line), "AT") {
			t.Errorf("step %+v (previous at %v)", s, prev)
		}
		prev = s.At
	}
	if p.Scenario == nil || p.Scenario.Device.AttachWait != wait {
		t.Errorf("scenario: %+v", p.Scenario)
	}
	y := string(p.ScenarioYAML)
	if !strings.Contains(y, "# Run time = log time + ") {
		t.Errorf("scenario does not say how its times relate to the log's:\n%s", y)
	}
	if !strings.Contains(y, "modemmanager.log:") {
		t.Errorf("scenario names no log line:\n%s", y)
	}
}

// TestNotEmulated: commands the rig's modem lacks are kept as steps with
// the reason, not played.
func TestNotEmulated(t *testing.T) {
	p := reconstruct(t, filepath.Join(corpus, "reattach-slower-than-wait"), Options{
		Emulated: func(name string) bool { return name != "+CSQ" },
	})
	var skipped int
	for _, s := range p.Steps {
		if strings.HasPrefix(strings.ToUpper(s.Line), "AT+CSQ") {
			if s.Skip == "" {
				t.Errorf("step %q played", s.Line)
			}
			skipped++
		} else if s.Skip != "" {
			t.Errorf("step %q skipped: %s", s.Line, s.Skip)
		}
	}
	if skipped == 0 {
		t.Skip("the log sends no AT+CSQ")
	}
}

// TestNotEmulatedSettings: a dialect's settings (an nRF91's
// %XSYSTEMMODE) and ICCID command are its own, played under it; under
// another dialect they are not emulated.
func TestNotEmulatedSettings(t *testing.T) {
	emulated := func(name string) bool { return name == "+CFUN" }
	nordic, err := personality.Load("nordic-nrf9160")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line string
		d    personality.Personality
		want string
	}{
		{"AT%XSYSTEMMODE=1,0,1,0", nordic, ""},
		{"AT%XSYSTEMMODE?;+CFUN?", nordic, ""},
		{"AT%XICCID", nordic, ""},
		{"AT%XBANDLOCK=0", nordic, "%XBANDLOCK"},
		{"AT%XSYSTEMMODE?", personality.Generic(), "%XSYSTEMMODE"},
		{"AT%CESQ=1", nordic, ""}, // cesq_notifications
		{"AT%CESQ=1", personality.Generic(), "%CESQ"},
	} {
		if got := NotEmulated(tc.line, emulated, tc.d); got != tc.want {
			t.Errorf("%s under %s: %q, want %q", tc.line, tc.d.Name, got, tc.want)
		}
	}
}

// TestNothingPlayed: logs whose every command the emulated modem lacks
// (an SMS gateway's +CPMS and +CMGL) are refused, naming what it lacks,
// rather than replayed with nothing compared; one command it has is enough.
func TestNothingPlayed(t *testing.T) {
	emulated := func(name string) bool { return name != "+CPMS" && name != "+CMGL" }
	for _, tc := range []struct{ name, log, err string }{
		{"none emulated", "> AT+CPMS=\"SM\"\n< +CPMS: 0,30,0,30,0,30\n< OK\n> AT+CMGL=4\n< OK\n> AT+CMGL=4\n< OK\n",
			"manifest.yaml:4:3: logs: nothing to replay: the emulated modem implements none of the logs' commands (+CPMS is not emulated, +CMGL is not emulated), and the logs show no URC it sends"},
		{"none emulated, a URC never sent", "> AT+CMGL=4\n< OK\n< +CGEV: ME PDN ACT 1\n",
			"manifest.yaml:4:3: logs: nothing to replay: the emulated modem implements none of the logs' commands (+CMGL is not emulated), and the logs show no URC it sends"},
		{"none emulated, a URC", "> AT+CMGL=4\n< OK\n< +CEREG: 5\n", ""},
		{"one emulated", "> AT+CPMS=\"SM\"\n< +CPMS: 0,30,0,30,0,30\n< OK\n> AT+CSQ\n< +CSQ: 20,99\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "sms", map[string]string{"host.log": tc.log, ManifestFile: "name: sms\nsource: \"a hand-written transcript\"\n" +
				"logs:\n  - {file: host.log, format: plain}\ndevice:\n  personality: generic\n" +
				"  profiles:\n    - {iccid: \"89330100005021044451\", operator: orange-fr, enabled: true}\n" +
				"network:\n  operators:\n    - {id: orange-fr, plmn: \"20801\", country: FR, name: Orange}\n" +
				"expected: \"x\"\nfailure: {log: host.log, line: 1, what: \"x\"}\nexpect: reproduces\n"}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Reconstruct(f, Options{Emulated: emulated})
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

// TestNoTestForms: a refused test form is the modem's lack of test forms
// only when the command itself works somewhere in the logs
// (personality.TestFormVerdicts, the lab draft's rule too); a modem that
// lacks the command refuses its test form as well.
func TestNoTestForms(t *testing.T) {
	const cgla = "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
		"> AT+CGLA=?\n< ERROR\n" +
		"> AT+CGLA=1,10,\"80CA005A00\"\n< +CGLA: 4,\"6A88\"\n< OK\n"
	for _, tc := range []struct {
		name   string
		quirks string            // the manifest's device.quirks, "" none
		logs   map[string]string // plain transcripts
		want   bool              // the dialect's no_test_forms
		why    string            // the assumption or the error, "" none
	}{
		{"a command the modem lacks", "",
			map[string]string{"host.log": "> AT+FOO=?\n< ERROR\n> AT+FOO\n< ERROR\n"}, false, ""},
		// lpac issue 300: the replay must refuse it too, and the modem
		// has +CCHO (Facts.refusedTestForms).
		{"a command never seen working", "",
			map[string]string{"host.log": "> AT+CCHO=?\n< ERROR\n"}, true,
			"device.quirks.no_test_forms: true — AT+CCHO=? is refused, and the logs show neither +CCHO otherwise nor any test form answered"},
		{"a command that works", "", map[string]string{"host.log": cgla}, true,
			"device.quirks.no_test_forms: true — AT+CGLA=? answers ERROR, +CGLA itself answers OK (host.log:5)"},
		{"a command that works in another log", "", map[string]string{
			"host.log":  "> AT+CGLA=?\n< ERROR\n",
			"other.log": "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n> AT+CGLA=1,10,\"80CA005A00\"\n< +CGLA: 4,\"6A88\"\n< OK\n",
		}, true, "device.quirks.no_test_forms: true — AT+CGLA=? answers ERROR, +CGLA itself answers OK (host.log:2)"},
		{"stated false, a command the modem lacks", "no_test_forms: false",
			map[string]string{"host.log": "> AT+FOO=?\n< ERROR\n> AT+FOO\n< ERROR\n"}, false, ""},
		{"stated false, a command that works", "no_test_forms: false", map[string]string{"host.log": cgla}, false,
			"manifest.yaml:8:5: device.quirks.no_test_forms: contradicts host.log:5: AT+CGLA=? answers ERROR, +CGLA itself answers OK; the manifest's device.quirks.no_test_forms: no_test_forms false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m strings.Builder
			m.WriteString("name: test-forms\nsource: \"a hand-written transcript\"\nlogs:\n")
			for _, f := range slices.Sorted(maps.Keys(tc.logs)) {
				fmt.Fprintf(&m, "  - {file: %s, format: plain}\n", f)
			}
			m.WriteString("device:\n  personality: generic\n")
			if tc.quirks != "" {
				m.WriteString("  quirks:\n    " + tc.quirks + "\n")
			}
			m.WriteString("  profiles:\n    - {iccid: \"89330100005021044451\", operator: orange-fr, enabled: true}\n" +
				"network:\n  operators:\n    - {id: orange-fr, plmn: \"20801\", country: FR, name: Orange}\n" +
				"expected: \"x\"\nfailure: {log: host.log, line: 1, what: \"x\"}\nexpect: reproduces\n")
			files := maps.Clone(tc.logs)
			files[ManifestFile] = m.String()
			f, err := Load(writeFixture(t, "test-forms", files))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Reconstruct(f, Options{})
			if strings.HasPrefix(tc.why, "manifest.yaml") {
				if err == nil || !strings.Contains(err.Error(), tc.why) {
					t.Fatalf("error %v, want %q", err, tc.why)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			derived := assumed(p, "device.quirks.no_test_forms")
			if p.Dialect.NoTestForms != tc.want || derived != (tc.why != "") || tc.why != "" && !assumed(p, tc.why) {
				t.Errorf("no_test_forms %v, want %v with %q; assumptions:\n%s", p.Dialect.NoTestForms, tc.want, tc.why, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestGivenScenarioPowerOn: a fixture whose manifest gives a whole
// scenario and whose log opens with the modem booting powers the emulated
// device on where the log puts the boot on the run's clock — a log of the
// rig at its own time, any other log at the run's start — and a log
// without times has its commands come after the boot and first attach.
func TestGivenScenarioPowerOn(t *testing.T) {
	scen, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "scenarios", "lab-home.yaml"))
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
failure: {log: host.log, line: 2, what: "x"}
expect: reproduces
`
	for _, tc := range []struct {
		name, log        string
		powerOnAt, start time.Duration
	}{
		{"the rig's log, booting 30 s into the run", "[2026-01-01 00:00:30.000] < RDY\n[2026-01-01 00:00:40.000] > AT+CEREG?\n[2026-01-01 00:00:40.010] < +CEREG: 0,1\n[2026-01-01 00:00:40.011] < OK\n",
			30 * time.Second, 30 * time.Second},
		{"the rig's log, booting at the run's start", "[2026-01-01 00:00:00.000] < RDY\n[2026-01-01 00:00:10.000] > AT+CEREG?\n[2026-01-01 00:00:10.010] < +CEREG: 0,1\n[2026-01-01 00:00:10.011] < OK\n",
			0, 0},
		{"a log of another clock", "[2025-06-01 10:00:00.000] < RDY\n[2025-06-01 10:00:10.000] > AT+CEREG?\n[2025-06-01 10:00:10.010] < +CEREG: 0,1\n[2025-06-01 10:00:10.011] < OK\n",
			0, 0},
		{"a log without times", "< RDY\n> AT+CEREG?\n< +CEREG: 0,1\n< OK\n", 0, warmUp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "given-boot", map[string]string{
				ManifestFile: manifest, "scenario.yaml": string(scen), "host.log": tc.log,
			}), Options{})
			if !p.PowerOn || p.PowerOnAt != tc.powerOnAt || p.Start != tc.start {
				t.Errorf("power on %v at %v, start %v; want at %v, start %v\n%s", p.PowerOn, p.PowerOnAt, p.Start, tc.powerOnAt, tc.start, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestReconstructErrors: what the logs contradict, or what the scenario
// cannot have, points at the manifest's line.
func TestReconstructErrors(t *testing.T) {
	for _, tc := range []struct {
		name, fixture string
		edit          func(string) string
		want          string
	}{
		{"an operator the scenario rejects", "reattach-slower-than-wait",
			func(s string) string { return strings.Replace(s, `plmn: "20810"`, `plmn: "2081"`, 1) },
			`manifest.yaml:24:7: network.operators[2].plmn: "2081" is not a PLMN`},
		{"a stated cgla_refused the log contradicts", "ec20f-long-cgla",
			func(s string) string { return strings.Replace(s, "cgla_max_apdu: 64", "cgla_refused: true", 1) },
			"manifest.yaml:15:5: device.quirks.cgla_refused: contradicts lpac-download.log:38: +CGLA of 125 bytes answers ERROR while 29 bytes passed"},
		{"a cgla_refused the log contradicts", "fm350-csim-only",
			func(s string) string { return strings.Replace(s, "cgla_refused: true", "cgla_refused: false", 1) },
			"manifest.yaml:18:5: device.quirks.cgla_refused: contradicts lpac-at-2.3.log:20: every +CGLA answers ERROR; the manifest's device.quirks.cgla_refused: cgla_refused false"},
		{"a stated answer form the log contradicts", "a7908e-cgla-61xx",
			func(s string) string {
				return strings.Replace(s, "apdu_answer_no_space: true", "apdu_answer_no_space: false", 1)
			},
			"manifest.yaml:14:5: device.quirks.apdu_answer_no_space: contradicts lpac-at.log:20: +CGLA answers without a space after the colon"},
		// +CCHO's space is not +CGLA's: this log has "+CCHO: 1".
		{"a stated ccho_no_space the log contradicts", "a7908e-cgla-61xx",
			func(s string) string {
				return strings.Replace(s, "cgla_passes_61xx: true", "cgla_passes_61xx: true\n    ccho_no_space: true", 1)
			},
			"device.quirks.ccho_no_space: contradicts lpac-at.log:16: +CCHO answers with a space after the colon"},
		{"test forms the log shows answered", "fm350-csim-only",
			func(s string) string {
				return strings.Replace(s, "cgla_refused: true", "cgla_refused: true\n    no_test_forms: true", 1)
			},
			"device.quirks.no_test_forms: contradicts lpac-at-2.1.log:4: AT+CCHO=? answers OK"},
		// The manifest's check is the scenario's expect: named as the
		// manifest names it.
		{"a check the scenario rejects", "lists-crossing-border",
			func(s string) string { return strings.Replace(s, "attempts: [sfr]", "attempts: 5", 1) },
			`manifest.yaml:45:3: check.attempts: want a list`},
		{"a profile of no operator", "reattach-slower-than-wait",
			func(s string) string { return strings.Replace(s, "operator: sfr}", "operator: bouygues}", 1) },
			`manifest.yaml:19:49: device.profiles[1].operator: unknown operator "bouygues": the operators are cmcc (46000), orange-fr (20801), sfr (20810) (the manifest's network.operators, then one per network the logs show); add it to network.operators with its plmn and country, or name one of those`},
		{"a profile of an operator only the removed network section defined", "reattach-slower-than-wait",
			func(s string) string {
				return s[:strings.Index(s, "network:\n")] + s[strings.Index(s, "platform:\n"):]
			},
			`manifest.yaml:18:49: device.profiles[0].operator: unknown operator "cmcc": the operators are op20801 (20801), op20810 (20810), op46000 (46000)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(fixtureCopy(t, tc.fixture, tc.edit))
			if err == nil {
				_, err = Reconstruct(f, Options{})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// Reload keeps the logs it read when the edited manifest names the same
// ones the same way (a draft trying personalities), and reads them again
// when it does not.
func TestReload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stale-signal-order") // a fixture is named by its directory
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(corpus, "stale-signal-order")
	for _, name := range []string{ManifestFile, "modemmanager.log", "platform.jsonl"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) {
		t.Helper()
		b, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
		if !strings.Contains(string(b), old) {
			t.Fatalf("manifest lacks %q", old)
		}
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("personality: quectel-eg25", "personality: generic")
	g, err := f.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if g.Manifest.Device.Personality != "generic" || &g.Logs[0] != &f.Logs[0] {
		t.Errorf("same logs: personality %q, logs reused %v", g.Manifest.Device.Personality, &g.Logs[0] == &f.Logs[0])
	}
	edit("{file: platform.jsonl}", "{file: platform.jsonl, format: platform}")
	h, err := g.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if &h.Logs[0] == &g.Logs[0] || h.Manifest.Logs[1].Format != "platform" {
		t.Error("a log named another way was not read again")
	}
	if fresh, err := Load(dir); err != nil || !reflect.DeepEqual(fresh.Logs, h.Logs) || !reflect.DeepEqual(fresh.Notes, h.Notes) {
		t.Errorf("reloaded fixture differs from a fresh load (%v)", err)
	}
}

// TestICCIDReadThroughCRSM: ModemManager reads the ICCID of a modem it has
// no vendor command for as EF ICCID through +CRSM (READ BINARY of 2FE2):
// the swapped digits are the ICCID, and with the IMSI read beside it they
// give the card's profile and its operator — the manifest need not list it.
func TestICCIDReadThroughCRSM(t *testing.T) {
	dir := writeFixture(t, "crsm-iccid", map[string]string{
		ManifestFile: `name: crsm-iccid
source: "a hand-written transcript"
logs:
  - {file: host.log, format: plain}
device:
  personality: generic
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
expected: "the ICCID EF ICCID holds"
failure: {log: host.log, line: 1, what: "none"}
expect: reproduces
`,
		// 89330100005021044451 in EF ICCID: nibbles swapped.
		"host.log": `> AT+CRSM=176,12258,0,0,10
< +CRSM: 144,0,"98331000000512404415"
< OK
> AT+CIMI
< 208011234567890
< OK
`,
	})
	p := reconstruct(t, dir, Options{})
	if !strings.Contains(string(p.ScenarioYAML), "89330100005021044451") {
		t.Fatalf("the scenario lacks the ICCID read through +CRSM:\n%s", p.ScenarioYAML)
	}
	if got := swappedICCID("98331000000512404415"); got != "89330100005021044451" {
		t.Errorf("swappedICCID = %q", got)
	}
	for _, bad := range []string{"98331000000512404", "A8331000000512404415", "18331000000512404415"} {
		if got := swappedICCID(bad); got != "" {
			t.Errorf("swappedICCID(%q) = %q, want none", bad, got)
		}
	}
}

// TestRejectCauseTellsCEREGn: a denied registration's URC that carries its
// cause (",0,15") was sent with +CEREG=3 (or 5): the replay sets 3 first,
// though the camped URCs before it look like n=2's.
func TestRejectCauseTellsCEREGn(t *testing.T) {
	dir := writeFixture(t, "reject-cause", map[string]string{
		ManifestFile: `name: reject-cause
source: "a hand-written transcript"
logs:
  - {file: host.log, format: plain}
device:
  personality: generic
  profiles:
    - {iccid: "89330100005021044451", operator: orange-fr, enabled: true}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
expected: "the cause"
failure: {log: host.log, line: 5, what: "the denial"}
expect: reproduces
`,
		"host.log": `[0.000] > AT+CSQ
[0.010] < +CSQ: 20,99
[0.011] < OK
[5.000] < +CEREG: 5,"3A9B","0000C33D",7
[65.000] < +CEREG: 3,"3A9B","0000C33D",7,0,15
`,
	})
	p := reconstruct(t, dir, Options{})
	if !slices.Contains(p.Preamble, "AT+CEREG=3") {
		t.Fatalf("preamble %q, want AT+CEREG=3", p.Preamble)
	}
}

// TestCommandNames: the names replay asks the modem about, as its handler
// table spells them — & commands are basic (V.250 §6.2.8), S-registers
// carry their number.
func TestCommandNames(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"AT+COPS=3,2;+COPS?", []string{"+COPS", "+COPS"}},
		{"ATE0V1", []string{"E", "V"}},
		{"AT&FE0V1X1&C1&D2S0=0", []string{"&F", "E", "V", "X", "&C", "&D", "S0"}},
		{"ATS10?;+CSQ", []string{"S10", "+CSQ"}},
		{"AT&D2", []string{"&D"}},
		{"at+cgdcont=?", []string{"+CGDCONT"}},
		{"AT", nil},
		// V.250 §5.2.1: spaces are ignored (ModemManager 0.x sent this).
		{"ATZ E0 V1", []string{"Z", "E", "V"}},
		{"AT +CSQ", []string{"+CSQ"}},
		// A ';' inside a string constant does not end a command.
		{`AT+CGLA=1,10,"81;F2000000";+CSQ`, []string{"+CGLA", "+CSQ"}},
		// A line the modem answers ERROR to names its first command: what
		// it was meant to be (a note typed after it, a stray character).
		{"AT+CSQ;;+CREG?", []string{"+CSQ"}},
		{`AT+CMGL="ALL" x`, []string{"+CMGL"}},
		{"AT+CNMI=1,1\t\t// Enable \"new message indication\"", []string{"+CNMI"}},
		{"AT#XRESET junk\"", []string{"#XRESET"}},
	} {
		got, ok := commandNames(tc.line)
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("commandNames(%q) = %q, %v; want %q", tc.line, got, ok, tc.want)
		}
	}
	if _, ok := commandNames("+CSQ: 20,99"); ok {
		t.Error("a line without AT read as commands")
	}
}

// TestCROnlyLog: a log saved with CR-only line ends loads as the same
// log with LF ones — its transcript, and the lines a report quotes and
// the failure line is checked against.
func TestCROnlyLog(t *testing.T) {
	const name, log = "lists-crossing-border", "tracker.log"
	want, err := Load(filepath.Join(corpus, name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(corpus, name, log))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "\r") {
		t.Fatalf("%s has CRs already", log)
	}
	dir := fixtureCopy(t, name, func(s string) string { return s + "# its log saved with CR-only line ends\n" })
	if err := os.WriteFile(filepath.Join(dir, log), []byte(strings.ReplaceAll(string(b), "\n", "\r")), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Lines, want.Lines) {
		t.Errorf("lines of the CR-only log differ: %d lines, want %d", len(got.Lines[0]), len(want.Lines[0]))
	}
	if !reflect.DeepEqual(got.Logs[0].Entries, want.Logs[0].Entries) {
		t.Error("transcript of the CR-only log differs")
	}
}

// TestSignalOfTheServingCell: a +CSQ is the cell's the device is on when
// it is read — after a registration line, that line's cell; before the
// first one, the cell that line registers on; with none, the one cell the
// device is assumed on — not the default's -90 dBm.
func TestSignalOfTheServingCell(t *testing.T) {
	manifest := orangeManifest("signal", "host.log", "plain")
	csq := "[0.000] > AT+CSQ\n[0.010] < +CSQ: 23,99\n[0.011] < OK\n"
	cereg := "[1.000] > AT+CEREG?\n[1.010] < +CEREG: 2,1,\"3A9B\",\"0000C33D\",7\n[1.011] < OK\n"
	for _, tc := range []struct {
		name, log, assumption string
	}{
		// 23 is -67 dBm RSSI, which the rig's modem reports for -95 dBm RSRP.
		{"only +CSQ", csq, "at -95 dBm, the signal host.log:2 reads"},
		{"+CSQ before +CEREG", csq + cereg, "the signal host.log:2 reads, before the first registration line, is taken for the cell host.log:5"},
		{"+CSQ after +CEREG", strings.ReplaceAll(cereg, "[1.", "[0.") + strings.ReplaceAll(csq, "[0.", "[1."), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "signal", map[string]string{ManifestFile: manifest, "host.log": tc.log}), Options{})
			if cs := p.Scenario.Network.Cells; len(cs) != 1 || cs[0].RSRP != -95 {
				t.Errorf("cells %+v, want one at -95 dBm", cs)
			}
			if tc.assumption != "" && !assumed(p, tc.assumption) || assumed(p, "-90 dBm") {
				t.Errorf("assumptions, want %q and no -90 dBm:\n%s", tc.assumption, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestOperatorNameFromTheLog: an operator the reconstruction derives from
// a PLMN the logs show gets the long name a later +COPS? gives the same
// network, which the emulated modem then answers with.
func TestOperatorNameFromTheLog(t *testing.T) {
	dir := writeFixture(t, "oper-name", map[string]string{
		ManifestFile: `name: oper-name
source: "a hand-written transcript"
logs:
  - {file: host.log, format: plain}
device:
  personality: generic
  profiles:
    - {iccid: "89340711004017225497", operator: op21407, enabled: true}
expected: "the name"
failure: {log: host.log, line: 1, what: "none"}
expect: reproduces
`,
		"host.log": `> AT+CEREG?
< +CEREG: 0,1,"2B0C","000A1D03",7
< OK
> AT+COPS?
< +COPS: 0,2,"21407",7
< OK
> AT+COPS=3,0
< OK
> AT+COPS?
< +COPS: 0,0,"Movistar",7
< OK
`,
	})
	p := reconstruct(t, dir, Options{})
	if ops := p.Scenario.Network.Operators; len(ops) != 1 || ops[0].ID != "op21407" || ops[0].Name != "Movistar" {
		t.Errorf("operators %+v, want op21407 named Movistar", ops)
	}
	if !assumed(p, `operator op21407 is named "Movistar"`, "host.log:10") {
		t.Errorf("assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
	}
	// The log begins in the numeric format, the emulated modem's own:
	// nothing to restore.
	if slices.ContainsFunc(p.Preamble, func(l string) bool { return strings.HasPrefix(l, "AT+COPS") }) {
		t.Errorf("preamble %q", p.Preamble)
	}
}

// TestTextOfACommandNotPlayed: the PDU a host types after +CMGS's "> "
// prompt is not played when +CMGS is not: the modem would read it as a
// command line of its own.
func TestTextOfACommandNotPlayed(t *testing.T) {
	manifest := orangeManifest("sms", "mm.log", "mm")
	log := `<debug> [1772445601.100000] [modem0/ttyUSB2/at] --> 'AT+CMGS=20<CR>'
<debug> [1772445601.118000] [modem0/ttyUSB2/at] <-- '<CR><LF>> '
<debug> [1772445601.121000] [modem0/ttyUSB2/at] --> '0011000B916407281553F80000AA0AE8329BFD4697D9EC37\26'
<debug> [1772445601.124000] [modem0/ttyUSB2/at] <-- '<CR><LF>+CMGS: 12<CR><LF><CR><LF>OK<CR><LF>'
<debug> [1772445601.136000] [modem0/ttyUSB2/at] --> 'AT+CSQ<CR>'
<debug> [1772445601.139000] [modem0/ttyUSB2/at] <-- '<CR><LF>+CSQ: 23,99<CR><LF><CR><LF>OK<CR><LF>'
`
	p := reconstruct(t, writeFixture(t, "sms", map[string]string{ManifestFile: manifest, "mm.log": log}), Options{
		Emulated: func(name string) bool { return name != "+CMGS" },
	})
	var got []string
	for _, s := range p.Steps {
		got = append(got, fmt.Sprintf("%.10s: %q", s.Line, s.Skip))
	}
	want := []string{`AT+CMGS=20: "+CMGS is not emulated"`, `0011000B91: "the text of AT+CMGS=20, which is not played"`, `AT+CSQ: ""`}
	if !slices.Equal(got, want) {
		t.Errorf("steps\n got %q\nwant %q", got, want)
	}
}

// orangeManifest is the manifest of a hand-written log in format: a card
// with one Orange profile, enabled, and nothing else known.
func orangeManifest(name, log, format string) string {
	return fmt.Sprintf(`name: %[1]s
source: "a hand-written log"
logs:
  - {file: %[2]s, format: %[3]s}
device:
  personality: generic
  profiles:
    - {iccid: "89330100005021044451", operator: orange-fr, enabled: true}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
expected: "what the log shows"
failure: {log: %[2]s, line: 1, what: "none"}
expect: reproduces
`, name, log, format)
}

// TestUnansweredControlLineNotPlayed: gammu's ESC CR before its first
// command ("Escaping SMS mode") is no command line and its modem left it
// unanswered: it is not played, and the echo of the command after it,
// not its own lack of one, tells that echo was on.
func TestUnansweredControlLineNotPlayed(t *testing.T) {
	manifest := orangeManifest("esc", "gammu.log", "gammu")
	log := `SENDING frame type 0x00/length 0x02/2
1B |0D                                                         ..
SENDING frame type 0x00/length 0x03/3
41A|54T|0D                                                     AT.
1 "AT"
2 "OK"
RECEIVED frame type 0x00/length 0x09/9
41A|54T|0D |0D |0A |4FO|4BK|0D |0A                             AT...OK..
`
	p := reconstruct(t, writeFixture(t, "esc", map[string]string{ManifestFile: manifest, "gammu.log": log}), Options{
		Emulated: func(string) bool { return true },
	})
	var got []string
	for _, s := range p.Steps {
		got = append(got, fmt.Sprintf("%q: %q", s.Line, s.Skip))
	}
	want := []string{`"\x1b": "no command line, and the field modem left it unanswered"`, `"AT": ""`}
	if !slices.Equal(got, want) {
		t.Errorf("steps\n got %q\nwant %q", got, want)
	}
	if slices.Contains(p.Preamble, "ATE0") || !assumed(p, "1 line(s) of control characters alone", "gammu.log:2") {
		t.Errorf("preamble %q, assumptions:\n%s", p.Preamble, strings.Join(p.Assumptions, "\n"))
	}
}

// TestCREGRegistrations: a host that never asks +CEREG (gammu, older
// stacks) shows the registrations in +CREG's and +CGREG's forms: they
// are the world's then; a log with +CEREG lines keeps to those. Their
// URCs on before the log begins are set first (n from a read, or from a
// camped URC's form), unless the host sets them itself.
func TestCREGRegistrations(t *testing.T) {
	preamble := func(log string) []string {
		t.Helper()
		return reconstruct(t, writeFixture(t, "creg", map[string]string{ManifestFile: orangeManifest("creg", "plain.log", "plain"), "plain.log": log}), Options{}).Preamble
	}
	for _, tc := range []struct {
		log  string
		want []string
	}{
		{"> AT+CREG?\n< +CREG: 1,1\n< OK\n> AT+CGREG?\n< +CGREG: 0,1\n< OK\n", []string{"AT+CREG=1"}},
		{"< +CGREG: 5,\"1A2B\",\"00C3D4E5\",7\n> AT\n< OK\n", []string{"AT+CGREG=2"}},
		{"> AT+CREG=2\n< OK\n< +CREG: 5,\"1A2B\",\"00C3D4E5\",7\n", nil},
	} {
		if got := slices.DeleteFunc(preamble(tc.log), func(l string) bool { return !strings.Contains(l, "REG=") }); !slices.Equal(got, tc.want) {
			t.Errorf("%q: preamble %q, want %q", tc.log, got, tc.want)
		}
	}
	const creg = `> AT+CREG?
< +CREG: 1,1
< OK
< +CREG: 5
> AT+CGREG?
< +CGREG: 0,5
< OK
`
	stats := func(log string) []int {
		t.Helper()
		p := reconstruct(t, writeFixture(t, "creg", map[string]string{ManifestFile: orangeManifest("creg", "plain.log", "plain"), "plain.log": log}), Options{})
		var out []int
		for _, r := range p.Facts.Regs {
			out = append(out, r.Stat)
		}
		return out
	}
	if got := stats(creg); !slices.Equal(got, []int{1, 5, 5}) {
		t.Errorf("+CREG/+CGREG registrations %v, want [1 5 5]", got)
	}
	if got := stats(creg + "> AT+CEREG?\n< +CEREG: 0,1\n< OK\n"); !slices.Equal(got, []int{1}) {
		t.Errorf("with +CEREG: registrations %v, want [1] (+CEREG's alone)", got)
	}
}

// cnFRManifest is a fixture's manifest for plain.log with China Mobile and
// Orange France, no profile: the logs' IMSIs give them.
func cnFRManifest(name, personality string) string {
	return `name: ` + name + `
source: "a hand-written log"
logs:
  - {file: plain.log, format: plain}
device:
  personality: ` + personality + `
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN}
    - {id: orange-fr, plmn: "20801", country: FR}
expected: "what the log shows"
failure: {log: plain.log, line: 1, what: "none"}
expect: reproduces
`
}

// TestProfilesFromIMSIs: logs that name the subscriber by IMSI alone (a
// host that never reads the ICCID) give a profile per IMSI, its ICCID
// made up from it and said so; the first one read is enabled.
func TestProfilesFromIMSIs(t *testing.T) {
	manifest := cnFRManifest("imsi", "generic")
	// Times: in a log without them the card's own switch between two
	// reads could not be placed (TestUnplacedSwitch).
	log := "[0.000] > AT+CIMI\n[0.010] < 460001234567890\n[0.011] < OK\n[60.000] > AT+CIMI\n[60.010] < 460001234567890\n[60.011] < OK\n" +
		"[120.000] > AT+CIMI\n[120.010] < 208019876543210\n[120.011] < OK\n"
	p := reconstruct(t, writeFixture(t, "imsi", map[string]string{ManifestFile: manifest, "plain.log": log}), Options{})
	y := string(p.ScenarioYAML)
	for _, want := range []string{
		`{iccid: "89004600012345678903", operator: cmcc, imsi: "460001234567890", enabled: true}`,
		`{iccid: "89002080198765432104", operator: orange-fr, imsi: "208019876543210"}`,
	} {
		if !strings.Contains(y, want) {
			t.Errorf("scenario lacks %s:\n%s", want, y)
		}
	}
	if !assumed(p, "the logs read no ICCID: profile 89004600012345678903", "IMSI 460001234567890", "plain.log:2") {
		t.Errorf("assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
	}
}

// TestHangs: commands the field host gave up waiting for become a hung
// AT port from the first of them to the next command answered, halfway
// between lines; in a log without times (gammu --debug textall) no hang
// can be placed, and the plan says so.
func TestHangs(t *testing.T) {
	const (
		csq    = "SENDING frame type 0x00/length 0x07/7\n41A|54T|2B+|43C|53S|51Q|0D                                     AT+CSQ.         \n"
		answer = "RECEIVED frame type 0x00/length 0x1C/28\n" +
			"41A|54T|2B+|43C|53S|51Q|0D |0D |0A |2B+|43C|53S|51Q|3A:|20 |31 AT+CSQ...+CSQ: 1\n" +
			"388|2C,|399|399|0D |0A |0D |0A |4FO|4BK|0D |0A                 8,99....OK..    \n"
	)
	stamp := func(s string, at string) string {
		var b strings.Builder
		for _, l := range strings.SplitAfter(s, "\n") {
			if l != "" {
				b.WriteString("Wed 2026/11/25 09:" + at + ": " + l)
			}
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, log string
		fault     string // the scenario's fault line, "" none
		assume    string
	}{
		{"timed", stamp(csq+answer, "14:00") + stamp(csq, "14:10") + stamp("[Retrying 1 type 0x00]\n"+csq, "14:40") +
			stamp("[Retrying 2 type 0x00]\n", "15:10") + stamp(csq+answer, "15:20"),
			"{at_port: hang, from: 19s, until: 1m29s}",
			"the field modem's AT port stopped answering at gw.log:7 (the host gave up waiting: gw.log:8): the emulated one hangs until gw.log:13, the next command it answered"},
		{"untimed", csq + answer + csq + "[Retrying 1 type 0x00]\n" + csq + answer, "",
			"gw.log shows the field modem answering no more (gw.log:8) but has no times: the replay cannot place the hang and its modem answers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "hang", map[string]string{"gw.log": tc.log, ManifestFile: "name: hang\nsource: \"a hand-written gammu log\"\n" +
				"logs:\n  - {file: gw.log, format: gammu}\ndevice:\n  personality: generic\n" +
				"  profiles:\n    - {iccid: \"89330100005021044451\", operator: orange-fr, enabled: true}\n" +
				"network:\n  operators:\n    - {id: orange-fr, plmn: \"20801\", country: FR, name: Orange}\n" +
				"expected: \"x\"\nfailure: {log: gw.log, line: 1, what: \"x\"}\nexpect: reproduces\n"}))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Reconstruct(f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !assumed(p, tc.assume) {
				t.Errorf("assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
			}
			y := string(p.ScenarioYAML)
			if tc.fault != "" && !strings.Contains(y, "  - "+tc.fault+"  # gw.log:7") || tc.fault == "" && strings.Contains(y, "at_port") {
				t.Errorf("scenario, want %q:\n%s", tc.fault, y)
			}
		})
	}
}

// TestSwitchInTheSecondOfItsReads: a log stamped to the second, whose
// host reads the ICCID and IMSI, enables another profile (answered 910B:
// a REFRESH pending) and sees the REFRESH's +QUSIM: 1 all in one second,
// 18 s after it restarted the modem. The IMSI belongs to the profile read
// before the REFRESH, not to the one read after it, and the +QUSIM: 1 is
// the REFRESH's although it falls in the restart's boot window: the card
// asked for it.
func TestSwitchInTheSecondOfItsReads(t *testing.T) {
	const at = "2026-01-01T00:00:"
	lines := []string{
		"00Z > AT+CFUN=1,1", "00Z < OK",
		"12Z < RDY", "12Z < +CPIN: READY", "12Z < +QUSIM: 1",
		"18Z > AT+QCCID", "18Z < +QCCID: 89330100000000000012", "18Z < OK",
		"18Z > AT+CIMI", "18Z < 208010000000012", "18Z < OK",
		`18Z > AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "18Z < +CCHO: 1", "18Z < OK",
		`18Z > AT+CGLA=1,50,"80E2910014BF3111A00C5A0A983301000000000000928101FF"`, `18Z < +CGLA: 16,"BF3103800100910B"`, "18Z < OK",
		"18Z < +QUSIM: 1",
		"23Z > AT+QCCID", "23Z < +QCCID: 89331000000000000029", "23Z < OK",
	}
	var log strings.Builder
	for _, l := range lines {
		log.WriteString(at + l + "\n")
	}
	dir := writeFixture(t, "switch-one-second", map[string]string{
		ManifestFile: `name: switch-one-second
source: "a hand-written transcript"
logs:
  - {file: host.log, format: atlog}
device:
  personality: quectel-eg25
  profiles:
    - {iccid: "89331000000000000029", operator: sfr, imsi: "208100000000029"}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
expected: "SFR's profile after the switch"
failure: {log: host.log, line: 20, what: "SFR's ICCID"}
expect: reproduces
`,
		"host.log": log.String(),
	})
	p := reconstruct(t, dir, Options{})
	if got := p.Facts.Refreshes; len(got) != 1 || got[0].Src.Line != 18 {
		t.Errorf("refreshes %+v, want the +QUSIM: 1 of host.log:18 alone (not the boot's, line 5)", got)
	}
	y := string(p.ScenarioYAML)
	for _, want := range []string{`iccid: "89330100000000000012"`, `imsi: "208010000000012"`, `imsi: "208100000000029"`} {
		if !strings.Contains(y, want) {
			t.Errorf("scenario lacks %s:\n%s", want, y)
		}
	}
}

// TestCOPSNamesTheRegistrationItAnswersBefore: a +COPS? answer names the
// network the device is registered on when it is read, though the
// registration's URC may come after it (ModemManager logs show the URC
// inside the very answer): the first registration reported within
// copsWindow after an answer no registration preceded gets its PLMN. One
// reported later does not.
func TestCOPSNamesTheRegistrationItAnswersBefore(t *testing.T) {
	for _, tc := range []struct {
		name, urcAt, want string
	}{
		{"the URC right after the answer", "0.036", "20801"},
		{"a second later", "1.100", "20801"},
		{"five seconds later: another registration", "5.100", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "cops-first", map[string]string{
				ManifestFile: `name: cops-first
source: "a hand-written transcript"
logs:
  - {file: host.log, format: plain}
device:
  personality: generic
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN}
    - {id: orange-fr, plmn: "20801", country: FR}
expected: "roaming in France"
failure: {log: host.log, line: 1, what: "none"}
expect: reproduces
`,
				"host.log": `[0.000] > AT+CEREG=2
[0.004] < OK
[0.028] > AT+COPS=3,2;+COPS?
[0.031] < +COPS: 0,2,"20801",7
[0.035] < OK
[` + tc.urcAt + `] < +CEREG: 5,"3A9B","0000C33D",7
`,
			})
			p := reconstruct(t, dir, Options{})
			if len(p.Facts.Regs) != 1 || p.Facts.Regs[0].PLMN != tc.want {
				t.Errorf("registrations %+v, want one named %q", p.Facts.Regs, tc.want)
			}
		})
	}
}

// TestATZKeepsWhatWasStored: ATZ loads the module's stored profile
// (V.250 §6.1.1). A +CREG form with n=2 after an ATZ the host set no
// +CREG after shows that n=2 was stored (AT&W): the replay stores it
// first, so that its own ATZ keeps it. Set on the ATZ line itself, after
// the Z, it is the host's setting, not the stored one.
func TestATZKeepsWhatWasStored(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       []string
	}{
		{"spaces, as ModemManager 0.x sent it", "ATZ E0 V1", []string{"AT+CREG=2", "AT&W"}},
		{"set after the Z", "ATZ+CREG=2", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "atz", map[string]string{
				ManifestFile: orangePlain("atz", "generic"),
				"host.log":   "> " + tc.line + "\n< OK\n> AT+CREG?\n< +CREG: 2,1,\"0B5A\",\"00C3F21E\",7\n< OK\n",
			})
			p := reconstruct(t, dir, Options{})
			var got []string
			for _, l := range p.Preamble {
				if strings.Contains(l, "CREG") || l == "AT&W" {
					got = append(got, l)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("preamble %q, want %q among it", p.Preamble, tc.want)
			}
		})
	}
}

// TestStoredEchoAfterRestart: the first command a module answers after
// its restart shows the echo its stored profile (AT&W) gives; those the
// host sent while it restarted, unanswered (a library's AT every 300 ms
// until RDY: TinyGSM's log, outside tester t208), show nothing of it.
func TestStoredEchoAfterRestart(t *testing.T) {
	restart := "[10:00:00.000] > AT+CFUN=1,1\n[10:00:00.000] < AT+CFUN=1,1\n[10:00:00.010] < OK\n"
	for _, tc := range []struct {
		name, after string
		stored      bool
	}{
		{"tries unanswered, then echoed", "[10:00:03.000] > AT\n[10:00:03.300] > AT\n[10:00:05.900] < RDY\n[10:00:06.000] > AT\n[10:00:06.000] < AT\n[10:00:06.001] < OK\n", false},
		{"answered without echo", "[10:00:05.900] < RDY\n[10:00:06.000] > AT\n[10:00:06.001] < OK\n", true},
		{"tries unanswered, then answered without echo", "[10:00:03.000] > AT\n[10:00:05.900] < RDY\n[10:00:06.000] > AT\n[10:00:06.001] < OK\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "restart", map[string]string{
				ManifestFile: orangePlain("restart", "generic"),
				"host.log":   restart + tc.after,
			})
			p := reconstruct(t, dir, Options{})
			if got := slices.Contains(p.Preamble, "AT&W"); got != tc.stored {
				t.Errorf("preamble %q: AT&W %v, want %v\n%s", p.Preamble, got, tc.stored, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestRestartDelayFromTimes: a timed log that shows a restart answered
// OK and the boot URC after it gives the module's restart_delay, so the
// emulated modem is up when the host's next commands come (a BG96 back
// 5.9 s after AT+CFUN=1,1, where the emulated modem takes 11 s: outside
// tester t208); a log without times shows no delay.
func TestRestartDelayFromTimes(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      time.Duration // 0: the personality's own
	}{
		{"timed, RDY 5.9 s later", "[10:00:00.000] > AT+CFUN=1,1\n[10:00:00.010] < OK\n[10:00:05.900] < RDY\n[10:00:06.000] > AT\n[10:00:06.001] < OK\n", 5900 * time.Millisecond},
		{"timed, no boot URC", "[10:00:00.000] > AT+CFUN=1,1\n[10:00:00.010] < OK\n[10:00:15.000] > AT\n[10:00:15.001] < OK\n", 0},
		{"no times", "> AT+CFUN=1,1\n< OK\n< RDY\n> AT\n< OK\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "restart", map[string]string{
				ManifestFile: orangePlain("restart", "generic"),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			want := cmp.Or(tc.want, personality.Generic().RestartDelay)
			if p.Dialect.RestartDelay != want || assumed(p, "device.quirks.restart_delay") != (tc.want != 0) {
				t.Errorf("restart_delay %v, want %v\n%s", p.Dialect.RestartDelay, want, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestPowerDownIsNoBootURC: a power-down URC between a restart's OK and
// its boot URC (a BG96's POWERED DOWN, a SIMCom's NORMAL POWER DOWN) is
// the shutdown's: it stays out of the boot_urcs the reconstruction
// drafts, which keeps the boot's own (outside tester t208).
func TestPowerDownIsNoBootURC(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string // the dialect's boot URCs
	}{
		{"POWERED DOWN", "> AT+CFUN=1,1\n< OK\n< POWERED DOWN\n< RDY\n> AT\n< OK\n", []string{"RDY"}},
		{"NORMAL POWER DOWN", "> AT+CFUN=1,1\n< OK\n< NORMAL POWER DOWN\n< RDY\n< SMS DONE\n> AT\n< OK\n", []string{"RDY", "SMS DONE"}},
		{"^SHUTDOWN", "> AT+CFUN=1,1\n< OK\n< ^SHUTDOWN\n< ^SYSSTART\n> AT\n< OK\n", []string{"^SYSSTART"}},
		// What comes after the power-down URC before the power-on one
		// is the shutdown's too (TinyGSM issue 157's BG96).
		{"after the power-down", "> AT+CFUN=1,1\n< OK\n< POWERED DOWN\n< +QIURC: \"pdpdeact\",1\n< RDY\n< SMS DONE\n> AT\n< OK\n", []string{"RDY", "SMS DONE"}},
		{"no power-down", "> AT+CFUN=1,1\n< OK\n< +QIURC: \"pdpdeact\",1\n< RDY\n> AT\n< OK\n", []string{"+QIURC: \"pdpdeact\",1", "RDY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "restart", map[string]string{
				ManifestFile: orangePlain("restart", "generic"),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			if !slices.Equal(p.Dialect.BootURCs, tc.want) {
				t.Errorf("boot_urcs %q, want %q\n%s", p.Dialect.BootURCs, tc.want, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestUnnamedRoamingSaysWhatToGive: a roaming registration on a network
// nothing names cannot be replayed; the plan says so, and what the
// manifest must give, instead of claiming the logs show none.
func TestUnnamedRoamingSaysWhatToGive(t *testing.T) {
	dir := writeFixture(t, "unnamed", map[string]string{
		ManifestFile: orangePlain("unnamed", "generic"),
		"host.log":   "> AT+CSQ\n< +CSQ: 20,99\n< OK\n< +CEREG: 5,\"3A9B\",\"0000C33D\",7\n",
	})
	p := reconstruct(t, dir, Options{})
	if !assumed(p, "the registration of host.log:4 (roaming) is on a network the logs do not name", "network.cells") || assumed(p, "the logs show no registration") {
		t.Errorf("assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
	}
}

// TestRegistrationWithoutAcTIsAQuirk: a registration form whose location
// has no <AcT> (27.007 before Release 7) adds reg_no_act to the dialect;
// a manifest that says otherwise is contradicted at its line.
func TestRegistrationWithoutAcTIsAQuirk(t *testing.T) {
	manifest := func(quirks string) string {
		return strings.Replace(orangePlain("no-act", "generic"), "  profiles:\n", quirks+"  profiles:\n", 1)
	}
	const log = "> AT+CREG=2\n< OK\n> AT+CREG?\n< +CREG: 2,1,\"0b5a\",\"00c3f21e\"\n< OK\n"
	p := reconstruct(t, writeFixture(t, "no-act", map[string]string{ManifestFile: manifest(""), "host.log": log}), Options{})
	if !p.Dialect.RegNoAcT || !assumed(p, "device.quirks.reg_no_act: true", "host.log:4") {
		t.Errorf("dialect RegNoAcT %v; assumptions:\n%s", p.Dialect.RegNoAcT, strings.Join(p.Assumptions, "\n"))
	}
	f, err := Load(writeFixture(t, "no-act", map[string]string{ManifestFile: manifest("  quirks: {reg_no_act: false}\n"), "host.log": log}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Reconstruct(f, Options{}); err == nil || !strings.Contains(err.Error(), "device.quirks.reg_no_act") {
		t.Errorf("a manifest the log contradicts: %v", err)
	}
}

// TestSearchingURCIsAQuirk: a stat 2 URC the registration follows adds
// searching_urc to the dialect (a manifest that says otherwise is
// contradicted); a T3410 expiry is then read with the scan before the
// attach, and a search ending not registered alone is no evidence.
func TestSearchingURCIsAQuirk(t *testing.T) {
	manifest := func(quirks string) string {
		return strings.Replace(orangePlain("scan", "generic"), "  profiles:\n", quirks+"  profiles:\n", 1)
	}
	const scan = "[0.000] > AT+CEREG=1\n[0.010] < OK\n[5.000] > AT+CFUN=1\n[5.100] < OK\n[5.300] < +CEREG: 2\n[7.200] < +CEREG: 1\n"
	p := reconstruct(t, writeFixture(t, "scan", map[string]string{ManifestFile: manifest(""), "host.log": scan}), Options{})
	if !p.Dialect.SearchingURC || !assumed(p, "device.quirks.searching_urc: true", "host.log:5") {
		t.Errorf("dialect SearchingURC %v; assumptions:\n%s", p.Dialect.SearchingURC, strings.Join(p.Assumptions, "\n"))
	}
	f, err := Load(writeFixture(t, "scan", map[string]string{ManifestFile: manifest("  quirks: {searching_urc: false}\n"), "host.log": scan}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Reconstruct(f, Options{}); err == nil || !strings.Contains(err.Error(), "device.quirks.searching_urc") {
		t.Errorf("a manifest the log contradicts: %v", err)
	}
	// The scan, then an attach no network answers: not registered 15 s
	// after the attach, which came after the scan.
	timeout := scan + "[60.000] > AT+CFUN=4\n[60.100] < OK\n[60.200] < +CEREG: 0\n[70.000] > AT+CFUN=1\n[70.100] < OK\n[70.300] < +CEREG: 2\n[87.200] < +CEREG: 0\n"
	p = reconstruct(t, writeFixture(t, "scan", map[string]string{ManifestFile: manifest(""), "host.log": timeout}), Options{})
	if !strings.Contains(string(p.ScenarioYAML), "attach: timeout") {
		t.Errorf("no T3410 expiry read:\n%s\n%s", p.ScenarioYAML, strings.Join(p.Assumptions, "\n"))
	}
	only := "[0.000] > AT+CEREG=1\n[0.010] < OK\n[5.000] > AT+CFUN=1\n[5.100] < OK\n[5.300] < +CEREG: 2\n[20.300] < +CEREG: 0\n"
	p = reconstruct(t, writeFixture(t, "scan", map[string]string{ManifestFile: manifest(""), "host.log": only}), Options{})
	if p.Dialect.SearchingURC {
		t.Error("searching that ends not registered taken for searching_urc")
	}
	// The scan, then a denial: the scan found a network, which refused
	// the subscriber. The attach took until the denial, not the scan, and
	// a denial with no cause is asked for.
	denied := "[0.000] > AT+CEREG=1\n[0.010] < OK\n[5.000] > AT+CFUN=1\n[5.100] < OK\n[5.300] < +CEREG: 2\n[14.500] < +CEREG: 3\n"
	p = reconstruct(t, writeFixture(t, "scan", map[string]string{ManifestFile: manifest(""), "host.log": denied}), Options{})
	if !p.Dialect.SearchingURC || !assumed(p, "device.quirks.searching_urc: true", "host.log:5") {
		t.Errorf("a scan before a denial: dialect SearchingURC %v; assumptions:\n%s", p.Dialect.SearchingURC, strings.Join(p.Assumptions, "\n"))
	}
	// The times are the manifest's, the logs' clock: the denial at 14.5 s.
	if len(p.ToDo) != 1 || !strings.Contains(p.ToDo[0], "host.log:6") || !strings.Contains(p.ToDo[0], "attach_reject: <EMM cause") || !strings.Contains(p.ToDo[0], "until: 15.5s}") {
		t.Errorf("to do %q: want the denial with no cause asked for", p.ToDo)
	}
	// After a power-on the attach took until the denial (9.2 s), not the
	// scan (0.5 s).
	rebooted := "[0.000] > AT+CEREG=1\n[0.010] < OK\n[100.000] > AT+CFUN=1,1\n[100.010] < OK\n[110.000] < RDY\n[110.500] < +CEREG: 2\n[119.200] < +CEREG: 3\n"
	p = reconstruct(t, writeFixture(t, "scan", map[string]string{ManifestFile: manifest(""), "host.log": rebooted}), Options{})
	if p.AttachDelay != 9200*time.Millisecond {
		t.Errorf("attach delay %v, want the 9.2s from the boot to the denial; assumptions:\n%s", p.AttachDelay, strings.Join(p.Assumptions, "\n"))
	}
	// A read shows the scan too: searching within a boot's attach time,
	// before the registration.
	booted := "[0.000] < RDY\n[1.000] > AT+CEREG?\n[1.010] < +CEREG: 0,2\n[1.011] < OK\n[4.000] > AT+CEREG?\n[4.010] < +CEREG: 0,1\n[4.011] < OK\n"
	p = reconstruct(t, writeFixture(t, "scan", map[string]string{ManifestFile: manifest(""), "host.log": booted}), Options{})
	if !p.Dialect.SearchingURC || !assumed(p, "device.quirks.searching_urc: true", "read within the boot's attach", "host.log:3") {
		t.Errorf("dialect SearchingURC %v; assumptions:\n%s", p.Dialect.SearchingURC, strings.Join(p.Assumptions, "\n"))
	}
}

// TestCardAbsentTheLogsShow: SIM not inserted (+CME ERROR: 10 to a card
// command, +CPIN: NOT INSERTED or SIM REMOVED) keeps the card out of the
// modem's reach in the replay (card: absent) from before it shows — from
// the power-on when the card was not seen before — until before the card
// is seen again.
func TestCardAbsentTheLogsShow(t *testing.T) {
	for _, tc := range []struct {
		name, log, want string
	}{
		{"throughout", "> AT+CIMI\n< +CME ERROR: SIM not inserted\n> AT+CPIN?\n< +CME ERROR: 10\n", "{card: absent, from: 0s}  # host.log:2"},
		{"gone, then back by a URC", "[0.000] > AT+CIMI\n[0.010] < 208010000000012\n[0.011] < OK\n[10.000] > AT+CPIN?\n[10.010] < +CME ERROR: 10\n[20.000] < +CPIN: READY\n",
			"{card: absent, from: 19s, until: 30s}  # host.log:5"},
		{"gone by a URC, back at a read", "[0.000] > AT+CPIN?\n[0.010] < +CPIN: READY\n[0.011] < OK\n[5.000] < +CPIN: SIM REMOVED\n[60.000] > AT+CIMI\n[60.010] < 208010000000012\n[60.011] < OK\n",
			"{card: absent, from: 15s, until: 1m9s}  # host.log:4"},
		// A removal says the card was there until it, though nothing
		// showed it before (sweep 6, D3); NOT INSERTED says nothing of
		// before.
		{"removed by a URC, nothing before", "[0.000] > AT+CSQ\n[0.010] < +CSQ: 20,99\n[0.011] < OK\n[60.000] < +CPIN: SIM REMOVED\n[72.000] < +CPIN: READY\n",
			"{card: absent, from: 1m10s, until: 1m22s}  # host.log:4"},
		{"not inserted by a URC, nothing before", "[0.000] > AT+CSQ\n[0.010] < +CSQ: 20,99\n[0.011] < OK\n[5.000] < +CPIN: NOT INSERTED\n[72.000] < +CPIN: READY\n",
			"{card: absent, from: 0s, until: 1m22s}  # host.log:4"},
		// A registration is the card too: no network registers a device
		// without it (outside tester sw67: absent from the power-on
		// contradicted the log's own +CEREG: 0,1).
		{"registered, then gone", "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 0,1\n[0.011] < OK\n[10.000] > AT+CPIN?\n[10.010] < +CME ERROR: 10\n[20.000] < +CPIN: READY\n",
			"{card: absent, from: 19s, until: 30s}  # host.log:5"},
		{"a PIN the card wants is the card", "> AT+CPIN?\n< +CME ERROR: 11\n", ""},
		{"SIM not inserted to another command", "> AT+CGATT=1\n< +CME ERROR: SIM not inserted\n", "{card: absent, from: 0s}  # host.log:2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "nosim", map[string]string{ManifestFile: orangePlain("nosim", "generic"), "host.log": tc.log}), Options{})
			got := string(p.ScenarioYAML)
			if tc.want == "" && strings.Contains(got, "card: absent") || !strings.Contains(got, tc.want) {
				t.Errorf("scenario, want %q:\n%s", tc.want, got)
			}
		})
	}
	// The card's boot URCs when it comes back are no REFRESH's.
	back := "[0.000] > AT+CPIN?\n[0.010] < +CPIN: READY\n[0.011] < OK\n[10.000] > AT+CPIN?\n[10.010] < +CME ERROR: 10\n[20.000] < +CPIN: READY\n[20.001] < +QUSIM: 1\n"
	manifestEG25 := strings.Replace(orangePlain("nosim", "quectel-eg25"), "personality: quectel-eg25", "personality: quectel-eg25\n  check_interval: 1h", 1)
	p := reconstruct(t, writeFixture(t, "nosim", map[string]string{ManifestFile: manifestEG25, "host.log": back}), Options{})
	if len(p.Facts.Refreshes) != 0 || assumed(p, "REFRESH") {
		t.Errorf("the card's return taken for a REFRESH: %v\n%s", p.Facts.Refreshes, strings.Join(p.Assumptions, "\n"))
	}
	// Without a profile in the manifest, the error says why none is read.
	manifest := strings.Replace(orangePlain("nosim", "generic"), "  profiles:\n    - {iccid: \"89330100005021044451\", operator: orange-fr, enabled: true}\n", "", 1)
	f, err := Load(writeFixture(t, "nosim", map[string]string{ManifestFile: manifest, "host.log": "> AT+CIMI\n< +CME ERROR: 10\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Reconstruct(f, Options{}); err == nil || !strings.Contains(err.Error(), "the logs never show the card (SIM not inserted at host.log:2)") {
		t.Errorf("error %v", err)
	}
}

// TestICCIDStandInWording: a 20-digit ICCID without its check digit is
// the operator's own digits; a shorter one has room for the digit, and
// the plan says it may be mistyped.
func TestICCIDStandInWording(t *testing.T) {
	for _, tc := range []struct{ iccid, want string }{
		{"89330100005021044452", "20 digits of the operator's own"}, // a wrong check digit
		{"8944110068520000004", "19 digits whose last is not the check digit, 6: mistyped or altered? check it"},
	} {
		manifest := strings.Replace(orangePlain("standin", "generic"), "89330100005021044451", tc.iccid, 1)
		p := reconstruct(t, writeFixture(t, "standin", map[string]string{ManifestFile: manifest, "host.log": "> AT\n< OK\n"}), Options{})
		if !assumed(p, "ICCID "+tc.iccid, tc.want) {
			t.Errorf("%s: assumptions:\n%s", tc.iccid, strings.Join(p.Assumptions, "\n"))
		}
	}
}

// TestCFUN0KeepsCardIsAQuirk: a card that answers at +CFUN=0 (a SARA-R4
// keeps it powered) adds cfun0_keeps_card; one that answers only after
// +CFUN=1 says nothing.
func TestCFUN0KeepsCardIsAQuirk(t *testing.T) {
	for _, tc := range []struct {
		log  string
		want bool
	}{
		{"> AT+CFUN=0\n< OK\n> AT+CPIN?\n< +CPIN: READY\n< OK\n> AT+CFUN=1\n< OK\n", true},
		{"> AT+CFUN=0\n< OK\n> AT+CFUN=1\n< OK\n> AT+CPIN?\n< +CPIN: READY\n< OK\n", false},
		{"> AT+CFUN=4\n< OK\n> AT+CPIN?\n< +CPIN: READY\n< OK\n", false},
	} {
		p := reconstruct(t, writeFixture(t, "cfun0", map[string]string{ManifestFile: orangePlain("cfun0", "generic"), "host.log": tc.log}), Options{})
		if p.Dialect.CFUN0KeepsCard != tc.want || tc.want && !assumed(p, "device.quirks.cfun0_keeps_card: true", "(host.log:5)") {
			t.Errorf("%q: cfun0_keeps_card %v, want %v:\n%s", tc.log, p.Dialect.CFUN0KeepsCard, tc.want, strings.Join(p.Assumptions, "\n"))
		}
	}
}

// TestTestFormsTheLogsShow: a refused test form of a command the logs
// show no otherwise gets no verdict of personality.TestFormVerdicts, but
// the replay must refuse it too: without any test form answered, the
// modem is taken to have none; with one answered, a refused channel
// command's test form means the modem lacks the channel commands. A test
// form answered OK shows its command exists (no_cchc: false over a
// personality without +CCHC).
func TestTestFormsTheLogsShow(t *testing.T) {
	for _, tc := range []struct {
		name, personality, log, quirk string
	}{
		{"only a refusal (lpac issue 300)", "generic", "> AT+CCHO=?\n< ERROR\n", "device.quirks.no_test_forms: true"},
		{"a refusal among answered test forms", "generic", "> AT+CSIM=?\n< OK\n> AT+CCHO=?\n< ERROR\n", "device.quirks.csim_only: true"},
		{"+CCHC=? answered", "fibocom-l850", "> AT+CCHC=?\n< OK\n", "device.quirks.no_cchc: false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "tests", map[string]string{
				ManifestFile: orangePlain("tests", tc.personality),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			if !assumed(p, tc.quirk) {
				t.Errorf("no %q among the assumptions:\n%s", tc.quirk, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestPINTheLogsShow: a card that wants its PIN1 (+CPIN: SIM PIN, +CME
// ERROR: 11) has it enabled in the replay's world, with the code the host
// unlocked it with, or else one the logs do not show refused.
func TestPINTheLogsShow(t *testing.T) {
	for _, tc := range []struct {
		name, log, want, why string
	}{
		{"asked and entered", "> AT+CPIN?\n< +CPIN: SIM PIN\n< OK\n> AT+CPIN=\"11111\"\n< OK\n",
			`pin1: {code: "11111", enabled: true}`, "code 11111: host.log:2 shows the card wanting its PIN, and host.log:4 enters it"},
		{"refused, then a wrong code", "> AT+CIMI\n< +CME ERROR: SIM PIN required\n> AT+CPIN=\"0000\"\n< +CME ERROR: 16\n",
			`pin1: {code: "1234", enabled: true}`, "the logs enter no code it takes, so the card's is 1234"},
		{"entered, never asked", "> AT+CPIN=\"0000\"\n< OK\n",
			`pin1: {code: "0000", enabled: true}`, "code 0000: the card takes it at host.log:1, which a card wanting no PIN would refuse"},
		{"no PIN", "> AT+CPIN?\n< +CPIN: READY\n< OK\n", "", ""},
		// After a switch (an enable answered 910B) a card locked by its
		// PIN shows no IMSI to tell whose profile it is.
		{"after a switch", "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
			"> AT+CGLA=1,50,\"80E2910014BF3111A00C5A0A983301000000000000928101FF\"\n< +CGLA: 16,\"BF3103800100910B\"\n< OK\n" +
			"> AT+CPIN?\n< +CPIN: SIM PIN\n< OK\n",
			"", "the card wants its PIN1 at host.log:8, after the switch of host.log:5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "pin", map[string]string{
				ManifestFile: orangePlain("pin", "generic"),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			y := string(p.ScenarioYAML)
			if tc.want == "" {
				if strings.Contains(y, "pin1") || tc.why != "" && !assumed(p, tc.why) {
					t.Errorf("a PIN the logs do not show, or no %q:\n%s\n%s", tc.why, y, strings.Join(p.Assumptions, "\n"))
				}
				return
			}
			if !strings.Contains(y, tc.want) || !assumed(p, tc.why) {
				t.Errorf("want %s and %q; scenario:\n%s\nassumptions:\n%s", tc.want, tc.why, y, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestRedactedIdentities: logs whose IMSI and ICCID are redacted, as logs
// pasted in public are, give no profile; the error says so and what to
// give, instead of claiming the logs read none.
func TestRedactedIdentities(t *testing.T) {
	for _, log := range []string{
		"> AT+CIMI\n< 23210xxxxxxxxxx\n< OK\n",
		"> AT+QCCID\n< +QCCID: 8943xxxxxxxxxxxxxxxx\n< OK\n",
		"> AT+CRSM=176,12258,0,0,10\n< +CRSM: 144,0,\"98340XXXXXXXXXXXXXXX\"\n< OK\n",
	} {
		f, err := Load(writeFixture(t, "redacted", map[string]string{
			ManifestFile: "name: redacted\nsource: \"a forum post\"\nlogs:\n  - {file: host.log, format: plain}\ndevice:\n  personality: generic\n" +
				"expected: \"x\"\nfailure: {log: host.log, line: 2, what: \"x\"}\nexpect: reproduces\n",
			"host.log": log,
		}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Reconstruct(f, Options{}); err == nil || !strings.Contains(err.Error(), "the logs' identities are redacted (host.log:2)") {
			t.Errorf("%q: %v", log, err)
		}
	}
}

// TestNeverRegistered: logs that show the device unregistered and never
// registered do not put it on a cell where it attached: it is out of
// coverage through them, and the plan says what stat 0 or 3 would need.
func TestNeverRegistered(t *testing.T) {
	for _, stat := range []string{"2", "4"} {
		dir := writeFixture(t, "never", map[string]string{
			ManifestFile: orangePlain("never", "generic"),
			"host.log":   "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 0," + stat + "\n[0.011] < OK\n[30.000] > AT+CSQ\n[30.010] < +CSQ: 99,99\n[30.011] < OK\n",
		})
		p := reconstruct(t, dir, Options{})
		if !assumed(p, "the logs never show the device registered (host.log:2: +CEREG stat "+stat+")", "out of coverage throughout the replay") ||
			assumed(p, "the device attached somewhere") || assumed(p, "the logs show no registration") {
			t.Errorf("stat %s, assumptions:\n%s", stat, strings.Join(p.Assumptions, "\n"))
		}
		if strings.Contains(string(p.ScenarioYAML), "{at: 0s, area: FR}") {
			t.Errorf("stat %s: the device is in FR from the start:\n%s", stat, p.ScenarioYAML)
		}
	}
}

// TestNeverRegisteredDenied: a denial (or a stat 0) the logs show
// without ever showing the device registered is what the emulated modem
// shows by meeting an attach fault: with one (the manifest's, or one the
// logs derive from the reject cause) the device is in coverage from the
// start; without, it is out of coverage, and the plan says which fault to
// give.
func TestNeverRegisteredDenied(t *testing.T) {
	for _, tc := range []struct {
		name, log, faults string
		covered           bool
		want              string // in the scenario
	}{
		{"denied, the manifest's fault", "> AT+CEREG?\n< +CEREG: 2,3\n< OK\n", "faults:\n  - {attach_reject: 11, operator: orange-fr}\n", true, ""},
		// The state the logs begin in: the reject acts from the power-on.
		{"denied with its cause", "> AT+CEREG?\n< +CEREG: 3,3,\"1000\",\"00010001\",7,0,11\n< OK\n", "", true,
			"{attach_reject: 11, operator: orange-fr, subscriber: orange-fr, from: 0s, until: 11s}"},
		{"denied, no fault", "> AT+CEREG?\n< +CEREG: 2,3\n< OK\n", "", false, ""},
		{"searching, a fault", "> AT+CEREG?\n< +CEREG: 2,2\n< OK\n", "faults:\n  - {attach_reject: 11, operator: orange-fr}\n", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "denied", map[string]string{
				ManifestFile: orangePlain("denied", "generic") + tc.faults,
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			covered := strings.Contains(string(p.ScenarioYAML), "{at: 0s, area: FR}")
			if covered != tc.covered {
				t.Errorf("in FR from the start %v, want %v:\n%s\n%s", covered, tc.covered, p.ScenarioYAML, strings.Join(p.Assumptions, "\n"))
			}
			if !strings.Contains(string(p.ScenarioYAML), tc.want) {
				t.Errorf("scenario lacks %s:\n%s", tc.want, p.ScenarioYAML)
			}
			// Searching is what out of coverage shows: no fault to give.
			if !tc.covered && !strings.HasPrefix(tc.name, "searching") && !assumed(p, "give the manifest's faults one for orange-fr") {
				t.Errorf("no advice:\n%s", strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestRadioOffWhenTheLogsBegin: a +CFUN: 4 (or 0) the logs read before
// the host sets +CFUN is the modem's state when they begin: the replay
// sets it last in its preamble, after the host's other settings. One the
// host set first says nothing of the start.
func TestRadioOffWhenTheLogsBegin(t *testing.T) {
	for _, tc := range []struct {
		name, log, want string
	}{
		{"read", "> AT+CFUN?\n< +CFUN: 4\n< OK\n> AT+CFUN=1\n< OK\n", "AT+CFUN=4"},
		{"minimum", "> AT+CFUN?\n< +CFUN: 0\n< OK\n", "AT+CFUN=0"},
		{"set first", "> AT+CFUN=4\n< OK\n> AT+CFUN?\n< +CFUN: 4\n< OK\n", ""},
		{"on", "> AT+CFUN?\n< +CFUN: 1\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "cfun", map[string]string{
				ManifestFile: orangePlain("cfun", "generic"),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			last := ""
			if n := len(p.Preamble); n > 0 {
				last = p.Preamble[n-1]
			}
			has := slices.ContainsFunc(p.Preamble, func(l string) bool { return strings.HasPrefix(l, "AT+CFUN") })
			if tc.want == "" && has || tc.want != "" && last != tc.want {
				t.Errorf("preamble %q, want %q last", p.Preamble, tc.want)
			}
		})
	}
}

// TestCMEEWhenTheLogsBegin: the +CMEE in force when the logs begin is
// read from a +CMEE? answer, or from the form of an error, unless the
// host set it first.
func TestCMEEWhenTheLogsBegin(t *testing.T) {
	for _, tc := range []struct {
		name, log, want string
	}{
		{"read", "> AT+CMEE?\n< +CMEE: 2\n< OK\n", "AT+CMEE=2"},
		{"read without the space", "> AT+CMEE?\n< +CMEE:1\n< OK\n", "AT+CMEE=1"},
		{"read as the default", "> AT+CMEE?\n< +CMEE: 0\n< OK\n> AT+CPIN?\n< ERROR\n", ""},
		{"error form", "> AT+CPIN?\n< +CME ERROR: SIM busy\n", "AT+CMEE=2"},
		{"set first", "> AT+CMEE=2\n< OK\n> AT+CMEE?\n< +CMEE: 2\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "cmee", map[string]string{
				ManifestFile: orangePlain("cmee", "generic"),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			got := ""
			for _, l := range p.Preamble {
				if strings.HasPrefix(l, "AT+CMEE") {
					got = l
				}
			}
			if got != tc.want {
				t.Errorf("preamble %q, want %q", p.Preamble, tc.want)
			}
		})
	}
}

// TestOddLocation: a registration line whose location is not 27.007's
// quoted hex (gammu shows "+CREG: 2,1, 550014, 676") still gives its stat
// and <n>, and the replay compares registration lines without the
// location; the 27.007 form is read as before, with no such mask.
func TestOddLocation(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		stat, n   int
		odd       bool
	}{
		{"read, decimal with spaces", "> AT+CREG?\n< +CREG: 2,1, 550014, 676\n< OK\n", 1, 2, true},
		{"read, unquoted hex", "> AT+CGREG?\n< +CGREG: 2,5,86A6,0001C33D\n< OK\n", 5, 2, true},
		{"URC, decimal with spaces", "> AT\n< OK\n< +CREG: 5, 550014, 676\n", 5, 2, true},
		{"read, 27.007", "> AT+CREG?\n< +CREG: 2,1,\"86A6\",\"0001C33D\",7\n< OK\n", 1, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "loc", map[string]string{
				ManifestFile: orangePlain("loc", "generic"),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			if len(p.Facts.Regs) != 1 || p.Facts.Regs[0].Stat != tc.stat {
				t.Errorf("registrations %+v, want one of stat %d", p.Facts.Regs, tc.stat)
			}
			name := "+CREG"
			if strings.Contains(tc.log, "CGREG") {
				name = "+CGREG"
			}
			if got := p.Facts.Host.RegN[name].N; got != tc.n {
				t.Errorf("%s n %d, want %d", name, got, tc.n)
			}
			masked := slices.ContainsFunc(p.Masks, func(m Mask) bool { return m.Name == "location" })
			if masked != tc.odd || (p.Facts.OddLocation != nil) != tc.odd {
				t.Errorf("location masked %v, odd %v; want %v", masked, p.Facts.OddLocation, tc.odd)
			}
			if !tc.odd {
				return
			}
			// What the replay compares of the field line and of the
			// emulated modem's: the name, <n> and <stat>.
			var ms align.Masks
			for _, m := range p.Masks {
				ms = append(ms, m.Mask)
			}
			for field, emulated := range map[string]string{
				"+CREG: 2,1, 550014, 676": `+CREG: 2,1,"86A6","0001C33D",7`,
				"+CREG: 5, 550014, 676":   `+CREG: 5,"86A6","0001C33D",7`,
			} {
				if a, b := ms.Apply(field), ms.Apply(emulated); a != b {
					t.Errorf("masked %q and %q differ", a, b)
				}
			}
			if a, b := ms.Apply("+CREG: 2,1, 550014, 676"), ms.Apply(`+CREG: 2,5,"86A6","0001C33D",7`); a == b {
				t.Errorf("a stat 1 and a stat 5 compare equal: %q", a)
			}
		})
	}
}

// orangePlain is the manifest of a one-log fixture (host.log, a plain
// transcript) of a device of personality pers with Orange France's
// profile enabled: what the tests of one reconstruction rule need.
func orangePlain(name, pers string) string {
	return `name: ` + name + `
source: "a hand-written transcript"
logs:
  - {file: host.log, format: plain}
device:
  personality: ` + pers + `
  profiles:
    - {iccid: "89330100005021044451", operator: orange-fr, enabled: true}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR}
expected: "what the log shows"
failure: {log: host.log, line: 1, what: "the line to look at"}
expect: reproduces
`
}

// TestRestartWithAnyFun: +CFUN with <rst> 1 restarts the modem whatever
// <fun> it names (TS 27.007 §8.2), so the RDY after AT+CFUN=4,1 is its
// reboot, not a power cut.
func TestRestartWithAnyFun(t *testing.T) {
	for _, tc := range []struct {
		name, cmd       string
		restarts, boots int
	}{
		{"full function", "AT+CFUN=1,1", 1, 0},
		{"flight mode", "AT+CFUN=4,1", 1, 0},
		{"spaced", "AT+CFUN=1, 1", 1, 0},
		{"no reset", "AT+CFUN=4", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "rst", map[string]string{
				ManifestFile: orangePlain("rst", "generic"),
				"host.log":   "> " + tc.cmd + "\n< OK\n< RDY\n> AT+CFUN?\n< +CFUN: 4\n< OK\n",
			})
			p := reconstruct(t, dir, Options{})
			if len(p.Facts.Restarts) != tc.restarts || len(p.Facts.Boots) != tc.boots {
				t.Errorf("restarts %v, boots %v; want %d and %d", p.Facts.Restarts, p.Facts.Boots, tc.restarts, tc.boots)
			}
		})
	}
}

// TestUnmodelledStat: a registration <stat> the emulated modem does not
// model (27.007's 6 to 10: SMS only, emergency only, CSFB not preferred;
// 11, RLOS, for +CEREG) is read as the closest state it has, and the plan
// names the line and what the emulated modem lacks, never saying the logs
// show no registration.
func TestUnmodelledStat(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string // in one assumption
		covered   bool     // in FR from the start
	}{
		{"sms only", "> AT+CEREG?\n< +CEREG: 0,6\n< OK\n",
			[]string{"host.log:2", "+CEREG stat 6", "registered for SMS only", "no SMS-only registration", "stat 1"}, true},
		{"sms only, then searching", "> AT+CEREG?\n< +CEREG: 0,6\n< OK\n> AT+CEREG?\n< +CEREG: 0,2\n< OK\n",
			[]string{"host.log:2", "+CEREG stat 6"}, true},
		{"sms only roaming", "> AT+CEREG=1\n< OK\n< +CEREG: 7\n",
			[]string{"host.log:3", "+CEREG stat 7", "roaming", "stat 5"}, true},
		{"csfb not preferred", "> AT+CEREG=1\n< OK\n< +CEREG: 9\n",
			[]string{"host.log:3", "+CEREG stat 9", "CSFB not preferred", "stat 1"}, true},
		{"csfb not preferred roaming", "> AT+CEREG?\n< +CEREG: 0,10\n< OK\n",
			[]string{"host.log:2", "+CEREG stat 10", "CSFB not preferred", "stat 5"}, true},
		{"emergency only", "> AT+CEREG?\n< +CEREG: 0,8\n< OK\n",
			[]string{"host.log:2", "+CEREG stat 8", "emergency", "stat 0"}, false},
		{"creg sms only", "> AT+CREG?\n< +CREG: 0,6\n< OK\n",
			[]string{"host.log:2", "+CREG stat 6", "registered for SMS only"}, true},
		{"rlos", "> AT+CEREG?\n< +CEREG: 0,11\n< OK\n",
			[]string{"host.log:2", "+CEREG stat 11", "RLOS", "stat 0"}, false},
		{"undefined", "> AT+CREG?\n< +CREG: 0,11\n< OK\n",
			[]string{"host.log:2", "+CREG stat 11", "does not define", "not read"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "stat", map[string]string{ManifestFile: orangePlain("stat", "generic"), "host.log": tc.log}), Options{})
			if !assumed(p, tc.want...) || tc.covered && (assumed(p, "the logs show no registration:") || assumed(p, "never show the device registered")) {
				t.Errorf("want an assumption with %q; assumptions:\n%s", tc.want, strings.Join(p.Assumptions, "\n"))
			}
			if covered := strings.Contains(string(p.ScenarioYAML), "{at: 0s, area: FR}"); covered != tc.covered {
				t.Errorf("in FR from the start %v, want %v:\n%s", covered, tc.covered, p.ScenarioYAML)
			}
		})
	}
}

// TestNotRegisteredNeedsTheTimeout: a first read of stat 0 is the
// emulated modem's only once T3410 has run out on an attach: timeout
// fault, so with one the logs begin after it; the advice for a stat 0
// names that fault alone (attach: no_service leaves the device
// searching), for a stat 3 a reject; a fault of another kind does not
// place the device in coverage.
func TestNotRegisteredNeedsTheTimeout(t *testing.T) {
	for _, tc := range []struct {
		name, log, faults string
		covered           bool
		want, not         []string // in the assumptions
		start             time.Duration
	}{
		{"stat 0, no fault", "> AT+CEREG?\n< +CEREG: 0,0\n< OK\n", "", false,
			[]string{"give the manifest's faults one for orange-fr", "attach: timeout"}, []string{"attach: no_service", "attach_reject: <cause>"}, 0},
		{"stat 3, no fault", "> AT+CEREG?\n< +CEREG: 0,3\n< OK\n", "", false,
			[]string{"give the manifest's faults one for orange-fr", "attach_reject: <cause>"}, []string{"no_service", "attach: timeout"}, 0},
		{"stat 0, a timeout", "> AT+CEREG?\n< +CEREG: 0,0\n< OK\n", "faults:\n  - {attach: timeout, operator: orange-fr}\n", true,
			[]string{"T3410", "host.log:2"}, nil, warmUp + 15*time.Second},
		{"stat 0, no service", "> AT+CEREG?\n< +CEREG: 0,0\n< OK\n", "faults:\n  - {attach: no_service, operator: orange-fr}\n", false,
			[]string{"attach: timeout"}, nil, 0},
		{"stat 3, a timeout", "> AT+CEREG?\n< +CEREG: 0,3\n< OK\n", "faults:\n  - {attach: timeout, operator: orange-fr}\n", false,
			[]string{"attach_reject: <cause>"}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "stat0", map[string]string{ManifestFile: orangePlain("stat0", "generic") + tc.faults, "host.log": tc.log}), Options{})
			all := strings.Join(p.Assumptions, "\n")
			if covered := strings.Contains(string(p.ScenarioYAML), "{at: 0s, area: FR}"); covered != tc.covered {
				t.Errorf("in FR from the start %v, want %v:\n%s\n%s", covered, tc.covered, p.ScenarioYAML, all)
			}
			if !assumed(p, tc.want...) {
				t.Errorf("no assumption with %q:\n%s", tc.want, all)
			}
			for _, s := range tc.not {
				if assumed(p, "give the manifest's faults", s) {
					t.Errorf("the advice names %s:\n%s", s, all)
				}
			}
			if tc.start > 0 && p.Start < tc.start {
				t.Errorf("the logs begin %v into the run, before the attach's T3410 runs out (want %v at least)", p.Start, tc.start)
			}
		})
	}
}

// TestDetachedAtStart: a first registration line that comes of the
// host's attach (+CGATT=1, +COPS=0 answered OK, then searching or
// registered) shows the device not attached when the logs begin: the
// replay detaches it first. A registration read before, or a search
// after another command, does not.
func TestDetachedAtStart(t *testing.T) {
	const attach = "[0.000] > AT+CGREG=2\n[0.010] < OK\n[1.000] > AT+CGATT=1\n[1.500] < +CGREG: 2\n[3.000] < +CGREG: 1,\"0166\",\"1808\",7\n[3.100] < OK\n"
	for _, tc := range []struct {
		name, log, detach string
	}{
		{"cgatt", attach, "AT+CGATT=0"},
		{"cops", "[0.000] > AT+CEREG=2\n[0.010] < OK\n[1.000] > AT+COPS=0\n[2.000] < +CEREG: 1,\"0166\",\"00001808\",7\n[2.100] < OK\n", "AT+COPS=2"},
		{"registered before", "[0.000] > AT+CGREG?\n[0.001] < +CGREG: 0,1\n[0.002] < OK\n" + strings.Replace(strings.Replace(attach, "[0.000]", "[0.003]", 1), "[0.010]", "[0.013]", 1), ""},
		{"after a +CFUN=1", strings.Replace(attach, "AT+CGATT=1", "AT+CFUN=1", 1), ""},
		{"ends not registered", strings.Replace(attach, "+CGREG: 1,", "+CGREG: 3,", 1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "attach", map[string]string{ManifestFile: orangePlain("attach", "generic"), "host.log": tc.log}), Options{})
			got := ""
			if slices.Contains(p.Preamble, "AT+CGATT=0") {
				got = "AT+CGATT=0"
			} else if slices.Contains(p.Preamble, "AT+COPS=2") {
				got = "AT+COPS=2"
			}
			if got != tc.detach || tc.detach != "" && !assumed(p, "not attached when the logs begin", "host.log:3") {
				t.Errorf("preamble %q, want %q detaching:\n%s", p.Preamble, tc.detach, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestLateFirstStop: the manifest's itinerary is the scenario's, on the
// logs' clock: a first stop after 0s leaves the device out of coverage
// from the power-on until then, as a scenario's does.
func TestLateFirstStop(t *testing.T) {
	manifest := orangePlain("late", "generic") + "itinerary: [{at: 2s, area: FR}]\n"
	manifest = strings.Replace(manifest, "    - {id: orange-fr, plmn: \"20801\", country: FR}\n", "    - {id: orange-fr, plmn: \"20801\", country: FR}\n  cells:\n    - {area: FR, operator: orange-fr, rsrp: -90}\n", 1)
	p := reconstruct(t, writeFixture(t, "late", map[string]string{ManifestFile: manifest, "host.log": "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 0,2\n[0.020] < OK\n"}), Options{})
	want := fmt.Sprintf("{at: %s, area: FR}", durString(p.Start+2*time.Second))
	if !strings.Contains(string(p.ScenarioYAML), want) || !assumed(p, "out of coverage", "until") {
		t.Errorf("scenario lacks %s:\n%s\n%s", want, p.ScenarioYAML, strings.Join(p.Assumptions, "\n"))
	}
}

// TestUnpromptedSearch: logs that open with a search and a registration
// nothing started have the device reach the network at the registration
// (registersLater) and say that the search URC before it is not the
// replay's; after a +CFUN=1 the emulated modem scans too.
func TestUnpromptedSearch(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		says      bool
	}{
		{"unprompted", "[0.000] > AT+CEREG=1\n[0.010] < OK\n[5.000] < +CEREG: 2\n[7.000] < +CEREG: 1\n", true},
		{"radio on", "[0.000] > AT+CEREG=1\n[0.010] < OK\n[4.000] > AT+CFUN=1\n[4.010] < OK\n[5.000] < +CEREG: 2\n[7.000] < +CEREG: 1\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "search", map[string]string{ManifestFile: orangePlain("search", "generic"), "host.log": tc.log}), Options{})
			if says := assumed(p, "the search URC at host.log:3 the replay cannot show"); says != tc.says {
				t.Errorf("says %v, want %v:\n%s", says, tc.says, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestInfoUncomparedWhateverTheBlank: an uncompared information line is
// left out whether or not the module put a blank after the colon, and
// with no value at all (u-blox's "+CPSMS:0,…" and bare "+CEDRXS:").
func TestInfoUncomparedWhateverTheBlank(t *testing.T) {
	p := &Plan{Uncompared: []string{"+CPSMS: ", "+CEDRXS: ", "+COPS: ("}}
	for _, tc := range []struct {
		text string
		want bool
	}{
		{`+CPSMS: 0,,,"01100000","00000000"`, true},
		{`+CPSMS:0,,,"01100000","00000000"`, true},
		{"+CEDRXS:", true},
		{`+CEDRXS:  4,"0101"`, true},
		{`+COPS:(2,"Orange F","Orange","20801",7),,(0-4),(0-2)`, true},
		{`+COPS: 0,0,"Orange F",7`, false},
		{"+CPSMSX: 1", false},
		{"CPSMS: 1", false},
	} {
		if got := p.InfoUncompared(tc.text); got != tc.want {
			t.Errorf("InfoUncompared(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestHostLinesBeforeTheBoot: in a capture that opens before the module is
// up (the host polling AT, a sketch printing "." between polls), what it
// shows unasked before the boot is the host's, not compared as a URC; a
// modem's URC there (+CPIN: READY, SMS DONE, as the log readers take it)
// is the module's, from a boot before this one, and not compared either.
func TestHostLinesBeforeTheBoot(t *testing.T) {
	for _, tc := range []struct {
		name, pers, format, log string
		host, earlier           []Src
		says                    string // an assumption says it
	}{
		{"dots between polls", "generic", "plain", "> AT\n< .\n> AT\n< RDY\n> AT\n< OK\n", []Src{{"host.log", 2}}, nil,
			"before the boot at host.log:4 (host.log:2) are the host's"},
		{"opens with the boot", "generic", "plain", "< RDY\n> AT\n< OK\n< .\n", nil, nil, ""},
		{"no boot", "generic", "plain", "< .\n> AT\n< OK\n", nil, nil, ""},
		// The sweep's D1: an A7670's boot URCs, then its boot again.
		{"an earlier boot", "simcom-a7600", "terminal",
			"+CPIN: READY\n\nSMS DONE\n\nPB DONE\n\n*ATREADY: 1\n\n+CPIN: READY\n\nSMS DONE\n\nPB DONE\nAT+CPIN?\nAT+CPIN?\n+CPIN: READY\n\nOK\n",
			nil, []Src{{"host.log", 1}, {"host.log", 3}, {"host.log", 5}},
			"lines from before the power-on at host.log:7 (host.log:1, host.log:3, host.log:5): an earlier boot of the module"},
		{"both", "generic", "plain", "< +CPIN: READY\n> AT\n< .\n< RDY\n> AT\n< OK\n", []Src{{"host.log", 3}}, []Src{{"host.log", 1}},
			"(host.log:1): an earlier boot of the module"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "preboot", map[string]string{
				ManifestFile: strings.Replace(orangePlain("preboot", tc.pers), "format: plain", "format: "+tc.format, 1),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			if !slices.Equal(p.HostBeforeBoot, tc.host) || !slices.Equal(p.EarlierBoot, tc.earlier) {
				t.Errorf("host lines before the boot %v, an earlier boot's %v; want %v and %v", p.HostBeforeBoot, p.EarlierBoot, tc.host, tc.earlier)
			}
			if tc.says != "" && !assumed(p, tc.says) {
				t.Errorf("no assumption says %q:\n%s", tc.says, strings.Join(p.Assumptions, "\n"))
			}
			if assumed(p, "are the host's") && tc.host == nil {
				t.Errorf("an assumption calls lines the host's:\n%s", strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestUnreadyOpening: commands a log opens with that the modem left
// unanswered before it answered any, with no boot URC (ubxlib powering a
// SARA on), are not played; not when a host gave up on them (a hang).
func TestUnreadyOpening(t *testing.T) {
	for _, tc := range []struct {
		name, format, log string
		skipped           []int // the lines of the commands not played
	}{
		{"polled while powering on", "plain", "> AT\n> AT\n< [00]U_CELL_PWR: powering on.\n> AT\n< OK\n> AT+CSQ\n< +CSQ: 20,99\n< OK\n", []int{1, 2}},
		{"answered from the start", "plain", "> AT\n< OK\n> AT+CSQ\n< +CSQ: 20,99\n< OK\n", nil},
		// A terminal shows the sketch's print between two unanswered
		// commands; the reader gives it the first as text, but it got
		// no final result (TinyGSM's autobaud, then AT polling).
		{"a print after an unanswered command", "terminal", "AT+IPR=9600\nRunning modem's begin function ...\nAT\nAT\nAT\n\nOK\nAT+CPIN?\n+CPIN: READY\nOK\n", []int{1, 3}},
		{"a host gave up", "atlog", "2026-01-01T00:00:10Z > AT\n2026-01-01T00:00:15Z # no answer: AT\n2026-01-01T00:00:20Z > AT\n2026-01-01T00:00:20.1Z < OK\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "unready", map[string]string{
				ManifestFile: strings.Replace(orangePlain("unready", "generic"), "format: plain", "format: "+tc.format, 1),
				"host.log":   tc.log,
			})
			p := reconstruct(t, dir, Options{})
			var got []int
			for _, s := range p.Steps {
				if s.Skip == unreadySkip {
					got = append(got, s.Src.Line)
				}
			}
			if !slices.Equal(got, tc.skipped) {
				t.Errorf("not played %v, want %v\n%s", got, tc.skipped, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestBootAmongCommands: the boot a log opens with goes on after the
// host's first commands are answered (TinyGSM polling an A7670: *ATREADY:
// 1, AT/OK, then +CPIN: READY, SMS DONE, PB DONE; the sweep's D2). Its URCs
// are the personality's boot URCs that follow the power-on in their
// order, not only those before the first answer; the emulated modem sends
// them with delays that keep the host's commands where the log has them
// among them: the log's own when it has times, else the personality's, else
// the boot spread over the warm-up, the commands midway.
func TestBootAmongCommands(t *testing.T) {
	const d2 = "AT\nAT\n\n*ATREADY: 1\nAT\nAT\n\nOK\n\n+CPIN: READY\n\nSMS DONE\n\nPB DONE\nAT+CPIN?\nAT+CPIN?\n\n+CPIN: READY\n\nOK\n"
	const timed = "[10:00:00.000] AT\n[10:00:00.000] AT\n[10:00:01.000] *ATREADY: 1\n[10:00:01.500] AT\n[10:00:01.500] AT\n[10:00:01.510] OK\n" +
		"[10:00:03.200] +CPIN: READY\n[10:00:05.800] SMS DONE\n[10:00:12.400] PB DONE\n[10:00:13.000] AT+CPIN?\n[10:00:13.000] AT+CPIN?\n[10:00:13.010] +CPIN: READY\n[10:00:13.020] OK\n"
	s := time.Second
	all := []string{"*ATREADY: 1", "+CPIN: READY", "SMS DONE", "PB DONE"}
	for _, tc := range []struct {
		name, quirks, log string
		boot              []string              // the dialect's boot URCs
		delays            []time.Duration       // and their delays
		at                map[int]time.Duration // step times after the power-on, by line
		says              string
	}{
		{"untimed", "", d2, all, []time.Duration{0, 5 * s, 5 * s, 5 * s},
			map[int]time.Duration{1: 0, 5: 2500 * time.Millisecond, 15: 10 * s},
			"device.quirks.boot_urc_delays: [0s, 5s, 5s, 5s] — host.log has no times"},
		{"timed", "", timed, all, []time.Duration{0, 2200 * time.Millisecond, 4800 * time.Millisecond, 11400 * time.Millisecond},
			map[int]time.Duration{1: -s, 4: 500 * time.Millisecond, 10: 12 * s},
			"device.quirks.boot_urc_delays: [0s, 2.2s, 4.8s, 11.4s] — as long after the power-on as host.log shows"},
		{"the personality's delays", "boot_urc_delays: [0s, 2s, 4s, 12s]", d2, all, []time.Duration{0, 2 * s, 4 * s, 12 * s},
			map[int]time.Duration{5: s, 15: 17 * s}, "as simcom-a7600 gives them"},
		{"runs of commands between", "",
			"*ATREADY: 1\nAT\nOK\n+CPIN: READY\nAT+CSQ\n+CSQ: 20,99\nOK\nAT+CREG?\n+CREG: 0,1\nOK\nSMS DONE\nPB DONE\nAT\nOK\n", all,
			[]time.Duration{0, 3330 * time.Millisecond, 6660 * time.Millisecond, 6660 * time.Millisecond},
			map[int]time.Duration{2: 1665 * time.Millisecond, 5: 4995 * time.Millisecond, 8: 4995 * time.Millisecond, 13: 10 * s}, "host.log:2, host.log:5, host.log:8"},
		{"the boot before the first command", "", "*ATREADY: 1\n+CPIN: READY\nSMS DONE\nPB DONE\nAT\nOK\n", all, nil,
			map[int]time.Duration{5: 10 * s}, ""},
		// What the log shows of the boot is its boot_urcs: a log that
		// ends before PB DONE does not show it.
		{"the boot cut short", "", "*ATREADY: 1\nAT\nOK\n+CPIN: READY\nAT+CSQ\n+CSQ: 20,99\nOK\n", all[:2], []time.Duration{0, 5 * s},
			map[int]time.Duration{2: 2500 * time.Millisecond, 5: 10 * s}, ""},
		// A sketch's progress dot among the boot's lines is no URC of
		// it (outside tester sw99).
		{"a sketch's dot", "", "AT\n.\nAT\n\n*ATREADY: 1\n.\nAT\nAT\nOK\n+CPIN: READY\nSMS DONE\nPB DONE\nAT\nOK\n", all, []time.Duration{0, 5 * s, 5 * s, 5 * s},
			nil, ""},
		// A second boot ends the first: its URCs are not the first's.
		{"booted again", "", "*ATREADY: 1\nAT\nOK\n*ATREADY: 1\n+CPIN: READY\nAT\nOK\n", all[:1], nil,
			map[int]time.Duration{2: 10 * s, 6: 10 * s}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := strings.Replace(orangePlain("boot", "simcom-a7600"), "format: plain", "format: terminal", 1)
			if tc.quirks != "" {
				manifest = strings.Replace(manifest, "  profiles:", "  quirks: {"+tc.quirks+"}\n  profiles:", 1)
			}
			p := reconstruct(t, writeFixture(t, "boot", map[string]string{ManifestFile: manifest, "host.log": tc.log}), Options{})
			explain := strings.Join(p.Assumptions, "\n")
			if !slices.Equal(p.Dialect.BootURCs, tc.boot) || !slices.Equal(p.Dialect.BootURCDelays, tc.delays) {
				t.Errorf("boot URCs %q at %v, want %q at %v\n%s", p.Dialect.BootURCs, p.Dialect.BootURCDelays, tc.boot, tc.delays, explain)
			}
			for _, st := range p.Steps {
				if want, ok := tc.at[st.Src.Line]; ok && st.At-p.PowerOnAt != want {
					t.Errorf("%s played %v after the power-on, want %v", st.Src, st.At-p.PowerOnAt, want)
				}
			}
			if tc.says != "" && !assumed(p, tc.says) {
				t.Errorf("no assumption says %q:\n%s", tc.says, explain)
			}
			if assumed(p, "never sends", "DONE") {
				t.Errorf("the personality's own boot URCs taken for ones it never sends:\n%s", explain)
			}
		})
	}
}

// TestHostSwitchIsNoCardCheck: a REFRESH the host's own EnableProfile
// asked for (answered 91xx) is the host's switch, which the replay sends:
// neither the card's periodic check is aligned to it nor a platform list
// derived from it.
func TestHostSwitchIsNoCardCheck(t *testing.T) {
	manifest := `name: hostswitch
source: "a hand-written transcript"
logs:
  - {file: host.log, format: plain}
device:
  personality: quectel-eg25
volatile: [signal]
expected: "the device stays registered"
failure: {log: host.log, line: 22, what: "refresh"}
expect: reproduces
`
	p := reconstruct(t, writeFixture(t, "hostswitch", map[string]string{ManifestFile: manifest, "host.log": `[2026-11-20 09:00:00.000] > AT+CEREG=2
[2026-11-20 09:00:00.010] < OK
[2026-11-20 09:00:00.200] > AT+QCCID
[2026-11-20 09:00:00.210] < +QCCID: 89860000120033188902
[2026-11-20 09:00:00.220] < OK
[2026-11-20 09:00:00.400] > AT+CIMI
[2026-11-20 09:00:00.410] < 460001203318890
[2026-11-20 09:00:00.420] < OK
[2026-11-20 09:00:00.600] > AT+CEREG?
[2026-11-20 09:00:00.610] < +CEREG: 2,5,"3A9B","0000C33D",7
[2026-11-20 09:00:00.620] < OK
[2026-11-20 09:00:00.800] > AT+COPS?
[2026-11-20 09:00:00.810] < +COPS: 0,2,"20801",7
[2026-11-20 09:00:00.820] < OK
[2026-11-20 09:00:05.000] > AT+CCHO="A0000005591010FFFFFFFF8900000100"
[2026-11-20 09:00:05.010] < +CCHO: 1
[2026-11-20 09:00:05.020] < OK
[2026-11-20 09:00:05.200] > AT+CGLA=1,22,"81E2910006BF3E035C015A"
[2026-11-20 09:00:05.210] < +CGLA: 46,"BF3E125A10890490320038800000000000073412209000"
[2026-11-20 09:00:05.220] < OK
[2026-11-20 09:00:05.400] > AT+CGLA=1,50,"81E2910014BF3111A00C5A0A983301000006448100618101FF"
[2026-11-20 09:00:05.410] < +CGLA: 16,"BF3103800100910B"
[2026-11-20 09:00:05.420] < OK
[2026-11-20 09:00:05.500] < +CEREG: 0
[2026-11-20 09:00:06.900] < +CEREG: 2
[2026-11-20 09:00:07.000] < +QUSIM: 1
[2026-11-20 09:00:09.500] < +CEREG: 1,"3A9B","0000C33E",7
[2026-11-20 09:00:12.000] > AT+QCCID
[2026-11-20 09:00:12.010] < +QCCID: 89331000006044180016
[2026-11-20 09:00:12.020] < OK
[2026-11-20 09:00:12.200] > AT+CIMI
[2026-11-20 09:00:12.210] < 208100604418001
[2026-11-20 09:00:12.220] < OK
[2026-11-20 09:00:12.400] > AT+COPS?
[2026-11-20 09:00:12.410] < +COPS: 0,2,"20810",7
[2026-11-20 09:00:12.420] < OK
`}), Options{})
	if assumed(p, "periodic check falls at") || assumed(p, "the platform lists") {
		t.Errorf("the host's switch taken for the card's:\n%s", strings.Join(p.Assumptions, "\n"))
	}
}

// TestSwitchWithoutRefreshURC: a modem that shows no REFRESH (a Sierra)
// loses its registration as the card switches; the new identity read
// right after shows the switch, so the loss is its detach, not a dead
// zone. The same loss with the old identity read after it is one.
func TestSwitchWithoutRefreshURC(t *testing.T) {
	head := "[0.000] > AT+CIMI\n[0.010] < 208015021044451\n[0.011] < OK\n[0.100] > AT+CEREG?\n[0.110] < +CEREG: 0,1\n[0.111] < OK\n[60.000] < +CEREG: 0\n"
	for _, tc := range []struct {
		name, imsi string
		lost       bool
	}{
		{"another IMSI: the switch's detach", "208100012345678", false},
		{"the same IMSI: a dead zone", "208015021044451", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := head + "[63.000] > AT+CIMI\n[63.010] < " + tc.imsi + "\n[63.011] < OK\n"
			p := reconstruct(t, writeFixture(t, "switch", map[string]string{ManifestFile: orangePlain("switch", "generic"), "host.log": log}), Options{})
			if got := strings.Contains(string(p.ScenarioYAML), "coverage: lost"); got != tc.lost {
				t.Errorf("coverage: lost %v, want %v:\n%s\n%s", got, tc.lost, p.ScenarioYAML, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestOwnBootMark: a personality's own first boot URC (SIMCom's
// *ATREADY: 1) marks a boot as RDY does, so the +CPIN: READY of that boot
// is not read as a REFRESH.
func TestOwnBootMark(t *testing.T) {
	log := "[0.000] > AT+CIMI\n[0.010] < 208015021044451\n[0.011] < OK\n[30.000] < *ATREADY: 1\n[31.000] < +CPIN: READY\n[31.500] < SMS DONE\n[40.000] > AT+CSQ\n[40.010] < +CSQ: 20,99\n[40.011] < OK\n"
	p := reconstruct(t, writeFixture(t, "boot", map[string]string{ManifestFile: orangePlain("boot", "simcom-a7600"), "host.log": log}), Options{})
	if len(p.Facts.Refreshes) != 0 || len(p.Facts.Boots) != 1 || p.Facts.Boots[0].Src.Line != 4 {
		t.Errorf("refreshes %v, boots %v: want the boot at host.log:4 and no REFRESH", p.Facts.Refreshes, p.Facts.Boots)
	}
}

// TestPowerOnURCMarksABoot: a power-on URC of the codec's list
// (at.IsPowerOnURC) marks a boot whatever the personality — Cinterion's
// ^SYSSTART under the generic one, whose own is RDY — and a power-down
// URC before it (^SHUTDOWN) is no second boot.
func TestPowerOnURCMarksABoot(t *testing.T) {
	for _, tc := range []struct {
		name, urcs string
		line       int
	}{
		{"^SYSSTART", "[30.000] < ^SYSSTART\n", 4},
		{"^SHUTDOWN, then ^SYSSTART", "[29.000] < ^SHUTDOWN\n[30.000] < ^SYSSTART\n", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := "[0.000] > AT+CIMI\n[0.010] < 208015021044451\n[0.011] < OK\n" + tc.urcs + "[40.000] > AT+CSQ\n[40.010] < +CSQ: 20,99\n[40.011] < OK\n"
			p := reconstruct(t, writeFixture(t, "boot", map[string]string{ManifestFile: orangePlain("boot", "generic"), "host.log": log}), Options{})
			if len(p.Facts.Boots) != 1 || p.Facts.Boots[0].Src.Line != tc.line {
				t.Errorf("boots %v: want one, at host.log:%d", p.Facts.Boots, tc.line)
			}
		})
	}
}

// TestNoNetworkResultAsksForCoverage: a modem that answered "no network
// service" while the logs show no registration makes the plan ask
// whether there was coverage, rather than leave the assumed cell unsaid;
// for an automatic +COPS=0 it also says the emulated modem answers OK.
// A command the emulated modem never answers so whatever the coverage
// (a +COPS? read: an A7670E's +CME ERROR: no network service, outside
// tester t193) is named a limit instead, with no coverage fault offered.
func TestNoNetworkResultAsksForCoverage(t *testing.T) {
	for _, tc := range []struct {
		cmd, answer string
		automatic   bool
		limit       bool // no fault can make the replay answer so
	}{
		{"AT+COPS=0", "+CME ERROR: 30", true, false},
		{`AT+COPS=1,2,"20801"`, "+CME ERROR: 30", false, false},
		{"AT+CGATT=1", "+CME ERROR: 30", false, false},
		{"AT+CGACT=1,1", "+CME ERROR: 31", false, false},
		{"AT+COPS?", "+CME ERROR: no network service", false, true},
		{"AT+COPS=?", "+CME ERROR: 30", false, true},
		{"AT+CGATT=0", "+CME ERROR: 30", false, true},
	} {
		dir := writeFixture(t, "nonet", map[string]string{
			ManifestFile: orangePlain("nonet", "generic"),
			"host.log":   "[0.000] > AT+CMEE=2\n[0.001] < OK\n[1.000] > " + tc.cmd + "\n[1.010] < " + tc.answer + "\n",
		})
		p := reconstruct(t, dir, Options{})
		named := func(want string) bool {
			return slices.ContainsFunc(p.ToDo, func(s string) bool {
				return strings.Contains(s, "answered "+tc.answer+" to "+tc.cmd+" at host.log:4") && strings.Contains(s, want)
			})
		}
		if named("{coverage: lost") == tc.limit || named("does not reproduce") != tc.limit ||
			slices.ContainsFunc(p.ToDo, func(s string) bool { return strings.Contains(s, "answers an automatic") }) != tc.automatic {
			t.Errorf("%s: to do:\n%s", tc.cmd, strings.Join(p.ToDo, "\n"))
		}
	}
}

// TestMidCommandStoreDataAsked: logs that begin in the middle of an ES10
// command (a later STORE DATA block alone, which the field card took)
// make the plan say the card will refuse it and what to do, rather than
// leave the divergence unexplained. One the field card refused had no
// start there either — the host's protocol error, which the replay's
// card refuses alike — and is not asked about (outside tester t168 F1).
func TestMidCommandStoreDataAsked(t *testing.T) {
	for _, tc := range []struct {
		sw    string
		asked bool
	}{
		{"9000", true},
		{"6A86", false},
	} {
		dir := writeFixture(t, "midcmd", map[string]string{
			ManifestFile: orangePlain("midcmd", "generic"),
			"host.log":   "[0.000] > AT+CGLA=1,26,\"81E2110308A1A2A3A4A5A6A7A8\"\n[0.010] < +CGLA: 4,\"" + tc.sw + "\"\n[0.011] < OK\n",
		})
		p := reconstruct(t, dir, Options{})
		if asked := slices.ContainsFunc(p.ToDo, func(s string) bool {
			return strings.Contains(s, "host.log:1 is STORE DATA block 3 of a command whose block 0 the logs do not hold")
		}); asked != tc.asked {
			t.Errorf("%s: asked %v, want %v; to do:\n%s", tc.sw, asked, tc.asked, strings.Join(p.ToDo, "\n"))
		}
	}
}

// TestChangeTheTimesCannotPlace: a change of the world between two lines
// that share their time — every line of a log without times, two lines of
// a log stamped to the second — is refused at its line, saying what to do,
// never as a check of the scenario the replay reconstructs; with times
// between them it is reconstructed.
func TestChangeTheTimesCannotPlace(t *testing.T) {
	const reg = "> AT+CEREG?\n< +CEREG: 2,1,\"A1B2\",\"01C3D4E5\",7\n< OK\n> AT+COPS?\n< +COPS: 0,2,\"20801\",7\n< OK\n"
	for _, tc := range []struct {
		name, log, want string
	}{
		{"a dead zone, no times", reg + "< +CEREG: 2\n> AT+CSQ\n< +CEREG: 1,\"A1B2\",\"01C3D4E5\",7\n< +CSQ: 20,99\n< OK\n",
			"host.log:7: a registration lost (+CEREG stat 2) before the one back (host.log:9) in a log without times: the replay plays such a log's commands at one instant, so it cannot place the change between them; replay a capture with times (minicom's timestamps, Ctrl-A N), or cut the log before line 7"},
		{"roaming abroad, no times", reg + "> AT+CSQ\n< +CEREG: 5,\"0B1C\",\"0A2F3301\",7\n< +CSQ: 20,99\n< OK\n> AT+COPS?\n< +COPS: 0,2,\"26201\",7\n< OK\n",
			"host.log:8: a registration in DE (+CEREG stat 5) after one in FR (host.log:2) in a log without times"},
		{"the card gone and back, no times", reg + "> AT+CPIN?\n< +CME ERROR: 10\n> AT+CPIN?\n< +CPIN: READY\n< OK\n",
			"host.log:8: the card gone before it is back (host.log:11) in a log without times"},
		{"a dead zone within one second", "[2026-03-02 10:00:01] > AT+CEREG?\n[2026-03-02 10:00:01] < +CEREG: 2,1,\"A1B2\",\"01C3D4E5\",7\n[2026-03-02 10:00:01] < OK\n" +
			"[2026-03-02 10:00:05] < +CEREG: 2\n[2026-03-02 10:00:05] < +CEREG: 1,\"A1B2\",\"01C3D4E5\",7\n",
			"host.log:4: a registration lost (+CEREG stat 2) before the one back (host.log:5): the logs' times do not separate the two, so the replay cannot place the change between them; give the manifest's faults with the times you know"},
		{"a dead zone with times", "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1,\"A1B2\",\"01C3D4E5\",7\n[0.011] < OK\n[5.000] < +CEREG: 2\n[9.000] < +CEREG: 1,\"A1B2\",\"01C3D4E5\",7\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := strings.Replace(orangePlain("untimed", "generic"), `country: FR}`, "country: FR}\n    - {id: telekom, plmn: \"26201\", country: DE}", 1)
			f, err := Load(writeFixture(t, "untimed", map[string]string{ManifestFile: m, "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Reconstruct(f, Options{})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v\nwant %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), "scenario"):
				t.Errorf("error names the reconstructed scenario: %v", err)
			}
		})
	}
}

// TestScenarioErrorsInTheUsersTerms: a check of the reconstructed scenario
// that fails is worded in the user's files — the manifest's line, or the
// log line it came from and the manifest field that would state it —
// never the scenario the user never sees.
func TestScenarioErrorsInTheUsersTerms(t *testing.T) {
	for _, tc := range []struct {
		name, origin, path, want string
	}{
		{"a log line", "host.log:39", "faults[0].until", `host.log:39: what the replay reconstructs from this line does not hold (faults[0].until: 10s is not after from 10s): give the manifest's faults yourself`},
		{"a log line and more", "host.log:12; its name host.log:14", "network.operators[1].name", `host.log:12: what the replay reconstructs from this line does not hold (network.operators[1].name: 10s is not after from 10s): give the manifest's network.operators yourself`},
		{"a manifest line", "manifest fx/manifest.yaml:13:7", "network.cells[0].rsrp", "fx/manifest.yaml:13:7: network.cells[0].rsrp: 10s is not after from 10s"},
		{"the manifest's check", "manifest fx/manifest.yaml:40:3", "expect.attempts", "fx/manifest.yaml:40:3: check.attempts: 10s is not after from 10s"},
		{"a derivation", "derived from the roaming registrations", "network.roaming[0]", `fx/manifest.yaml: what the replay from the roaming registrations does not hold (network.roaming[0]: 10s is not after from 10s): give the manifest's network.roaming yourself`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e emitter
			e.line("", "name: x")
			e.line(tc.origin, "the line")
			err := scenarioErr(&e, "fx/manifest.yaml", &scenario.Error{File: "x.scenario.yaml", Line: 2, Path: tc.path, Msg: "10s is not after from 10s"})
			if err == nil || err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v\nwant %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "scenario") || strings.Contains(err.Error(), "reconstructed") {
				t.Errorf("error names the reconstructed scenario: %v", err)
			}
		})
	}
}

// TestCardLimits: a status word of the field card's that the emulated
// card cannot be made to give is a to-do the draft prints before anything
// else is filled in; one it gives by itself (a switch while a REFRESH is
// due, a package too big for its memory) or a normal one is not.
func TestCardLimits(t *testing.T) {
	const (
		profiles = `> AT+CGLA=1,16,"81E2910003BF2D00"` + "\n"
		enable   = `> AT+CGLA=1,50,"81E2910014BF3111A00C5A0A989420000021436587098101FF"` + "\n"
	)
	for _, tc := range []struct {
		name, log, want string
	}{
		{"GetProfilesInfo 6A88", profiles + "< +CGLA: 4,\"6A88\"\n< OK\n", "host.log:2: the field card answered GetProfilesInfo with SW 6A88, which the emulated card cannot be made to give"},
		{"GetProfilesInfo 6F00", profiles + "< +CGLA: 4,\"6F00\"\n< OK\n", "host.log:2: the field card answered GetProfilesInfo with SW 6F00"},
		{"EnableProfile 6985", enable + "< +CGLA: 4,\"6985\"\n< OK\n", ""},
		{"EnableProfile 910B", enable + "< +CGLA: 16,\"BF3103800100910B\"\n< OK\n", ""},
		{"EnableProfile 9000", enable + "< +CGLA: 16,\"BF31038001009000\"\n< OK\n", ""},
		// catBusy comes from the emulated card only while a toolkit
		// session of its own runs, which no reconstruction sets up.
		{"EnableProfile catBusy", enable + "< +CGLA: 16,\"BF31038001059000\"\n< OK\n", "host.log:2: the field card answered EnableProfile with catBusy (its toolkit busy)"},
		// sw115: T=0's wrong-Le step to a command with data, which the
		// emulated card never gives there.
		{"GetEID 6C15", "> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n< +CGLA: 4,\"6C15\"\n< OK\n", "host.log:2: the field card answered GetEID, a command with data, with SW 6C15 (wrong Le: the command again with Le 15)"},
		// t166 F1: to a GET RESPONSE (case 2) with P3 00 the emulated card
		// answers 6Cxx too, over +CSIM or over +CGLA: no limit.
		{"GET RESPONSE 6C15 over +CSIM", "> AT+CSIM=22,\"81E2910006BF3E035C015A\"\n< +CSIM: 4,\"6115\"\n< OK\n" +
			"> AT+CSIM=10,\"81C0000000\"\n< +CSIM: 4,\"6C15\"\n< OK\n", ""},
		{"GET RESPONSE 6C15 over +CGLA", "> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n< +CGLA: 4,\"6115\"\n< OK\n" +
			"> AT+CGLA=1,10,\"81C0000000\"\n< +CGLA: 4,\"6C15\"\n< OK\n", ""},
		// t178 N3: a GET RESPONSE of fewer bytes than wait, which the
		// emulated card serves with those and 61xx (TS 102 221
		// §7.3.1.1.4), refused 6Cxx by the field card: a limit. More
		// than wait it refuses alike: none.
		{"GET RESPONSE Le 10 of 21 answered 6C15", "> AT+CSIM=22,\"81E2910006BF3E035C015A\"\n< +CSIM: 4,\"6115\"\n< OK\n" +
			"> AT+CSIM=10,\"81C0000010\"\n< +CSIM: 4,\"6C15\"\n< OK\n", "host.log:5: the field card answered the GET RESPONSE for GetEID with Le 10 (16 bytes), fewer than the 21 waiting, with SW 6C15"},
		{"GET RESPONSE Le 20 of 21 over +CGLA", "> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n< +CGLA: 4,\"6115\"\n< OK\n" +
			"> AT+CGLA=1,10,\"81C0000014\"\n< +CGLA: 4,\"6C15\"\n< OK\n", "host.log:5: the field card answered the GET RESPONSE for GetEID with Le 14 (20 bytes)"},
		{"GET RESPONSE Le 30 of 21 answered 6C15", "> AT+CSIM=22,\"81E2910006BF3E035C015A\"\n< +CSIM: 4,\"6115\"\n< OK\n" +
			"> AT+CSIM=10,\"81C000001E\"\n< +CSIM: 4,\"6C15\"\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "card", map[string]string{ManifestFile: orangePlain("card", "generic"), "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Texts(CardLimits(f)), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("limits %q, want %q", got, tc.want)
			}
			p, err := Reconstruct(f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if todo := strings.Join(p.ToDo, "\n"); tc.want != "" && !strings.Contains(todo, tc.want) {
				t.Errorf("to do %q, want %q", todo, tc.want)
			}
		})
	}
}

// TestErrorLimits: a +CME ERROR of the field modem's that the emulated
// modem never gives there is a to-do the draft prints: SIM busy to any
// command (the emulated modem is never busy), an error in words it does
// not use, and to a command that reaches the card a code it does not give
// that command (outside testers sw93, sw99, t79); the codes it gives
// are no limit.
func TestErrorLimits(t *testing.T) {
	const get = `> AT+CSIM=10,"01C0000071"` + "\n"
	const ccho = `> AT+CCHO="A0000005591010FFFFFFFF8900000100"` + "\n"
	for _, tc := range []struct {
		name, log, want string
	}{
		{"words", "> AT+CMEE=2\n< OK\n" + get + "< +CME ERROR: SIM busy\n", "host.log:4: the field modem answered AT+CSIM=10,\"01C0000071\" with +CME ERROR: SIM busy, which the emulated modem never gives"},
		{"numeric", "> AT+CMEE=1\n< OK\n" + get + "< +CME ERROR: 14\n", "host.log:4: the field modem answered AT+CSIM=10,\"01C0000071\" with +CME ERROR: 14"},
		{"busy to any command", "> AT+CMEE=1\n< OK\n> AT+COPS?\n< +CME ERROR: 14\n", "host.log:4: the field modem answered AT+COPS? with +CME ERROR: 14"},
		// Phone failure, unexplained by the log (an nRF9151's system
		// mode and eDRX set, refused so while its reference takes them).
		{"phone failure to a setting", "> AT%XSYSTEMMODE=1,1,1,0\n< +CME ERROR: 0\n", "host.log:2: the field modem answered AT%XSYSTEMMODE=1,1,1,0 with +CME ERROR: 0, which the emulated modem never gives (phone failure, the modem failing in itself"},
		{"phone failure in words", "> AT+CMEE=2\n< OK\n> AT+CEDRXS=1,4,\"0101\"\n< +CME ERROR: phone failure\n", "host.log:4: the field modem answered AT+CEDRXS=1,4,\"0101\" with +CME ERROR: phone failure, which the emulated modem never gives (phone failure"},
		// SIM failure to a card command: nothing makes the emulated card
		// fail (outside tester sw93); to +CCHO it is an AID not on the
		// card, which the emulated modem answers alike.
		{"SIM failure to a card command", "> AT+CMEE=1\n< OK\n" + get + "< +CME ERROR: 13\n", "host.log:4: the field modem answered AT+CSIM=10,\"01C0000071\" with +CME ERROR: 13, which the emulated modem never gives (it answers +CSIM with what its card answers"},
		{"SIM failure to +CCHO", "> AT+CMEE=1\n< OK\n> AT+CCHO=\"A000000087\"\n< +CME ERROR: 13\n", ""},
		// SIM failure to +CPIN? while the card starts (outside tester
		// sw99: an A7670G at its boot).
		{"SIM failure to +CPIN?", "> AT+CMEE=2\n< OK\n> AT+CPIN?\n< +CME ERROR: SIM failure\n", "host.log:4: the field modem answered AT+CPIN? with +CME ERROR: SIM failure, which the emulated modem never gives (it answers +CPIN? with what its card answers"},
		{"SIM not inserted to +CPIN?", "> AT+CMEE=1\n< OK\n> AT+CPIN?\n< +CME ERROR: 10\n", ""},
		// Any code a card command gets that the emulated modem does not
		// give it (outside tester t79: an EG916Q's +CRSM).
		{"not allowed to +CRSM", "> AT+CMEE=1\n< OK\n> AT+CRSM=176,12258,0,0,10\n< +CME ERROR: 3\n", "host.log:4: the field modem answered AT+CRSM=176,12258,0,0,10 with +CME ERROR: 3, which the emulated modem never gives (it answers +CRSM with what its card answers, and with an error only for a card out of its reach (10, a card fault), a line it cannot read (50) or a command it lacks, RETRIEVE DATA or SET DATA (4)"},
		{"invalid index to +CSIM", "> AT+CMEE=1\n< OK\n" + get + "< +CME ERROR: 21\n", "host.log:4: the field modem answered AT+CSIM=10,\"01C0000071\" with +CME ERROR: 21"},
		{"not supported to +CRSM", "> AT+CMEE=1\n< OK\n> AT+CRSM=203,28423\n< +CME ERROR: 4\n", ""},
		{"incorrect parameters", "> AT+CMEE=1\n< OK\n" + get + "< +CME ERROR: 50\n", ""},
		{"SIM not inserted", "> AT+CMEE=1\n< OK\n" + get + "< +CME ERROR: 10\n", ""},
		{"invalid index to +CGLA", "> AT+CMEE=1\n< OK\n> AT+CGLA=1,10,\"81F2000000\"\n< +CME ERROR: 21\n", ""},
		{"an error the modem's own", "> AT+CMEE=1\n< OK\n> AT+COPS=1,2,\"20810\"\n< +CME ERROR: 30\n", ""},
		// Words neither 27.007 nor the personality has (outside tester
		// t79: a Sierra EM9191's +CCHO, lpac issue 187), to any command.
		{"a vendor's words", ccho + "< +CME ERROR: Parameters error\n", "host.log:2: the field modem answered AT+CCHO=\"A0000005591010FFFFFFFF890000010… with +CME ERROR: Parameters error, which the emulated modem never gives (it words its errors as TS 27.007 §9.2 does"},
		{"27.007's words", ccho + "< +CME ERROR: incorrect parameters\n", ""},
		// +CGLA on a session the log shows closed: cgla_closed_error
		// gives the field's code.
		{"a closed session", ccho + "< +CCHO: 1\n< OK\n> AT+CCHC=1\n< OK\n> AT+CGLA=1,10,\"81F2000000\"\n< +CME ERROR: 13\n", ""},
		{"an open session", ccho + "< +CCHO: 1\n< OK\n> AT+CGLA=1,10,\"81F2000000\"\n< +CME ERROR: 13\n", "host.log:5: the field modem answered AT+CGLA=1,10,\"81F2000000\" with +CME ERROR: 13"},
		// A line of several commands: the one after the last that
		// answered failed, when that one answers whenever it succeeds
		// (outside tester t83); else the log does not say which.
		{"a line of several", "> AT+CMEE=1\n< OK\n> AT+CSQ;+CRSM=176,12258,0,0,10\n< +CSQ: 20,99\n< +CME ERROR: 3\n", "host.log:5: the field modem answered AT+CSQ;+CRSM=176,12258,0,0,10 with +CME ERROR: 3"},
		{"+CCHO failing on a line of several", "> AT+CMEE=1\n< OK\n> AT+CSQ;+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CSQ: 9,99\n< +CME ERROR: 3\n", "host.log:5: the field modem answered AT+CSQ;+CCHO="},
		{"a line of several, the failing one unknown", "> AT+CMEE=1;+CRSM=176,12258,0,0,10\n< +CME ERROR: 3\n", ""},
		{"a line of several, the one it gives", "> AT+CSQ;+CRSM=203,12258\n< +CSQ: 20,99\n< +CME ERROR: 4\n", ""},
		// Each code by the condition the emulated modem gives it in
		// (modem.CardRefusals; outside tester t83: a Quectel's +CGLA
		// refused with 3, which the emulated modem gives only for a
		// MANAGE CHANNEL in it).
		{"not allowed to +CGLA's STORE DATA", ccho + "< +CCHO: 1\n< OK\n> AT+CGLA=1,16,\"81E2910003BF2E00\"\n< +CME ERROR: 3\n", "host.log:5: the field modem answered AT+CGLA=1,16,\"81E2910003BF2E00\" with +CME ERROR: 3, which the emulated modem never gives (it answers +CGLA with what its card answers, and with an error only for a card out of its reach (10, a card fault), a line it cannot read (50), a session not open (21) or a MANAGE CHANNEL in it (3); it gives 3 to +CGLA only for a MANAGE CHANNEL in it, which the log does not show here)"},
		{"not allowed to +CGLA's MANAGE CHANNEL", ccho + "< +CCHO: 1\n< OK\n> AT+CGLA=1,10,\"0070800100\"\n< +CME ERROR: 3\n", ""},
		{"not allowed on a session never opened", "> AT+CGLA=1,10,\"0070800100\"\n< +CME ERROR: 3\n", "host.log:2: the field modem answered AT+CGLA=1,10,\"0070800100\" with +CME ERROR: 3"},
		{"invalid index on an open session", ccho + "< +CCHO: 1\n< OK\n> AT+CGLA=1,16,\"81E2910003BF2E00\"\n< +CME ERROR: 21\n", "it gives 21 to +CGLA only for a session not open, which the log does not show here"},
		{"invalid index on a session the card answered on", "> AT+CGLA=1,10,\"81F2000000\"\n< +CGLA: 4,\"9000\"\n< OK\n> AT+CGLA=1,10,\"81F2000000\"\n< +CME ERROR: 21\n", "host.log:5: the field modem answered AT+CGLA=1,10,\"81F2000000\" with +CME ERROR: 21"},
		// A reset closes every session: one whose final result the log
		// lacks (the modem rebooted first) too, as the APDU reader takes
		// it; one the modem refused does not.
		{"invalid index after a reset without its final result", ccho + "< +CCHO: 1\n< OK\n> AT+CFUN=1,1\n> AT+CGLA=1,16,\"81E2910003BF2E00\"\n< +CME ERROR: 21\n", ""},
		{"invalid index after a reset refused", ccho + "< +CCHO: 1\n< OK\n> AT+CFUN=1,1\n< ERROR\n> AT+CGLA=1,16,\"81E2910003BF2E00\"\n< +CME ERROR: 21\n", "it gives 21 to +CGLA only for a session not open, which the log does not show here"},
		// A REFRESH the card asked for resets it, its sessions gone, as
		// the facts take it (cgla_closed_error; sessions).
		{"invalid index after an enable's REFRESH", ccho + "< +CCHO: 1\n< OK\n> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983310000005124044158101FF\"\n< +CGLA: 16,\"BF3103800100910B\"\n< OK\n" +
			"> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n< +CME ERROR: 21\n", ""},
		{"invalid index to +CCHC never opened", "> AT+CCHC=2\n< +CME ERROR: 21\n", ""},
		{"invalid index to +CCHC of an open session", ccho + "< +CCHO: 2\n< OK\n> AT+CCHC=2\n< +CME ERROR: 21\n", "host.log:5: the field modem answered AT+CCHC=2 with +CME ERROR: 21"},
		{"SIM failure to +CCHC", ccho + "< +CCHO: 2\n< OK\n> AT+CCHC=2\n< +CME ERROR: 13\n", "it gives 13 to +CCHC only for its card refusing to close the channel, which the log does not show here"},
		{"not supported to +CRSM's READ BINARY", "> AT+CRSM=176,12258,0,0,10\n< +CME ERROR: 4\n", "it gives 4 to +CRSM only for a command it lacks, RETRIEVE DATA or SET DATA, which the log does not show here"},
		// An error status word to +CRSM: the emulated card's files answer
		// as they do; a normal one is none.
		{"CRSM error word", "> AT+CRSM=176,28599,0,0,15\n< +CRSM: 148,8,\"\"\n< OK\n", `host.log:2: the field card answered AT+CRSM=176,28599,0,0,15 with +CRSM: 148,8,"" (SW 9408), an error`},
		{"CRSM normal word", "> AT+CRSM=176,12258,0,0,10\n< +CRSM: 144,0,\"98101010101010101010\"\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "busy", map[string]string{ManifestFile: orangePlain("busy", "simcom-a7600"), "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Texts(slices.Concat(ErrorLimits(f), CRSMLimits(f))), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("limits %q, want %q", got, tc.want)
			}
		})
	}
}

// TestUnnamedRegistrationAfterAnother: a roaming registration on a network
// no +COPS? names, after one the world places, is a to-do naming its line
// and what the manifest must give, not left out in silence.
func TestUnnamedRegistrationAfterAnother(t *testing.T) {
	for _, tc := range []struct {
		name, log, want string
	}{
		{"roaming, unnamed", "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1,\"A1B2\",\"01C3D4E5\",7\n[0.011] < OK\n[5.000] < +CEREG: 5,\"0B1C\",\"0A2F3301\",7\n",
			"the registration at host.log:4 (roaming, +CEREG stat 5) is on a network the logs do not name (no numeric +COPS? answer beside it): the replay cannot show it; to replay it, give the manifest the visited operator (network.operators), its cell (network.cells, in its country, tac: 0x0B1C, cell_id: 0x0A2F3301)"},
		{"roaming, named", "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1,\"A1B2\",\"01C3D4E5\",7\n[0.011] < OK\n[5.000] < +CEREG: 5,\"0B1C\",\"0A2F3301\",7\n[6.000] > AT+COPS?\n[6.010] < +COPS: 0,2,\"20810\",7\n[6.011] < OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "roam", map[string]string{ManifestFile: orangePlain("roam", "generic"), "host.log": tc.log}), Options{})
			todo := strings.Join(p.ToDo, "\n")
			if tc.want == "" && strings.Contains(todo, "do not name") || !strings.Contains(todo, tc.want) {
				t.Errorf("to do %q, want %q", todo, tc.want)
			}
		})
	}
}

// TestVendorSIMStateURCs: a vendor's report of the card's state starts and
// ends the card's absence as +CPIN's does, so a card pulled out and put
// back is no dead zone: the deregistration it brings is the card's.
func TestVendorSIMStateURCs(t *testing.T) {
	const (
		before = "[0.000] > AT+CPIN?\n[0.010] < +CPIN: READY\n[0.011] < OK\n[0.100] > AT+CEREG?\n[0.110] < +CEREG: 1,1\n[0.111] < OK\n"
		lost   = "[60.200] < +CEREG: 0\n"
		back   = "[90.000] < +CEREG: 1\n"
	)
	for _, tc := range []struct {
		name, gone, came, want string
	}{
		{"u-blox", "[60.000] < +UUSIMSTAT: 0\n", "[80.000] < +UUSIMSTAT: 1\n", "{card: absent, from: 1m10s, until: 1m30s}  # host.log:7"},
		{"u-blox, in use again", "[60.000] < +UUSIMSTAT: 0\n", "[80.000] < +UUSIMSTAT: 6\n", "{card: absent, from: 1m10s, until: 1m30s}  # host.log:7"},
		{"Quectel", "[60.000] < +QSIMSTAT: 1,0\n", "[80.000] < +QSIMSTAT: 1,1\n", "{card: absent, from: 1m10s, until: 1m30s}  # host.log:7"},
		{"SIMCom", "[60.000] < +SIMCARD: NOT AVAILABLE\n", "[80.000] < +CPIN: READY\n", "{card: absent, from: 1m10s, until: 1m30s}  # host.log:7"},
		{"Telit", "[60.000] < #QSS: 0\n", "[80.000] < #QSS: 3\n", "{card: absent, from: 1m10s, until: 1m30s}  # host.log:7"},
		{"Huawei", "[60.000] < ^SIMST: 255\n", "[80.000] < ^SIMST: 1\n", "{card: absent, from: 1m10s, until: 1m30s}  # host.log:7"},
		{"Telit, inserted again", "[60.000] < #QSS: 0\n", "[80.000] < #QSS: 1\n", "{card: absent, from: 1m10s, until: 1m30s}  # host.log:7"},
		{"+CPIN: NOT READY says nothing", "[60.000] < +CPIN: NOT READY\n", "[80.000] < +CPIN: READY\n", "coverage: lost"},
		{"u-blox REFRESH outcome says nothing", "[60.000] < +UUSIMSTAT: 9\n", "[80.000] < +UUSIMSTAT: 6\n", "coverage: lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := before + tc.gone + lost + tc.came + back
			p := reconstruct(t, writeFixture(t, "swap", map[string]string{ManifestFile: orangePlain("swap", "generic"), "host.log": log}), Options{})
			got := string(p.ScenarioYAML)
			if !strings.Contains(got, tc.want) {
				t.Fatalf("scenario, want %q:\n%s", tc.want, got)
			}
			if strings.HasPrefix(tc.want, "{card") && strings.Contains(got, "coverage: lost") {
				t.Errorf("a dead zone beside the card's absence:\n%s", got)
			}
		})
	}
}

// TestRefreshIgnoredTheLogsShow: the ICCID or IMSI the card had before an
// EnableProfile answered ok with a REFRESH due (91xx, or 9000 from a modem
// that hides it: refreshFlag was set), read again after it with
// no REFRESH, restart or power-on between, shows a modem that left the
// REFRESH undone (a host running SIM Toolkit itself, AT+QSTK=1, that never
// answers it): refresh_ignored. A profile the field card enabled that the
// manifest does not list is asked for: the emulated card would not find
// it.
func TestRefreshIgnoredTheLogsShow(t *testing.T) {
	const (
		imsi   = "> AT+CIMI\n< 208011234567890\n< OK\n"
		enable = "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
			"> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983301000000000000928101FF\"\n< +CGLA: 16,\"BF3103800100910B\"\n< OK\n"
		listed = "    - {iccid: \"89331000000000000029\", operator: orange-fr}\n"
		quirk  = "device.quirks.refresh_ignored: true — the host still reads the IMSI 208011234567890 the card had before EnableProfile 89331000000000000029 answered ok with a REFRESH due (host.log:8)"
		ask    = "the field card enabled profile 89331000000000000029 at host.log:8, which neither the logs' profile list nor the manifest gives the card"
	)
	for _, tc := range []struct {
		name, log, profiles string
		want, notWant       string
	}{
		{"the old IMSI after the switch", imsi + enable + imsi, listed, quirk, ask},
		{"the profile enabled not listed", imsi + enable + imsi, "", ask, ""},
		{"the new IMSI after the switch", imsi + enable + "> AT+CIMI\n< 208019999999999\n< OK\n", listed, "", "refresh_ignored"},
		{"a restart between", imsi + enable + "> AT+CFUN=1,1\n< OK\n" + imsi, listed, "", "refresh_ignored"},
		{"no REFRESH due (no refreshFlag, 9000)", imsi + strings.NewReplacer("910B", "9000", "8101FF", "810100").Replace(enable) + imsi, listed, "", "refresh_ignored"},
		{"a REFRESH due that the modem hides (refreshFlag, 9000)", imsi + strings.Replace(enable, "910B", "9000", 1) + imsi, listed, "device.quirks.hides_91xx: true", ""},
		{"... and leaves undone", imsi + strings.Replace(enable, "910B", "9000", 1) + imsi, listed, "device.quirks.refresh_ignored: true", ""},
		{"timed, read 1 s after", "[0.000] " + strings.ReplaceAll(strings.TrimSuffix(imsi+enable, "\n"), "\n", "\n[0.000] ") +
			"\n[1.000] > AT+CIMI\n[1.010] < 208011234567890\n[1.011] < OK\n", listed, "", "refresh_ignored"},
		{"timed, read 10 s after", "[0.000] " + strings.ReplaceAll(strings.TrimSuffix(imsi+enable, "\n"), "\n", "\n[0.000] ") +
			"\n[10.000] > AT+CIMI\n[10.010] < 208011234567890\n[10.011] < OK\n", listed, "device.quirks.refresh_ignored: true", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			man := strings.Replace(orangePlain("refresh", "generic"), "network:\n", tc.profiles+"network:\n", 1)
			dir := writeFixture(t, "refresh", map[string]string{ManifestFile: man, "host.log": tc.log})
			p := reconstruct(t, dir, Options{})
			all := strings.Join(p.Assumptions, "\n")
			if tc.want != "" && !strings.Contains(all, tc.want) {
				t.Errorf("no %q among the assumptions:\n%s", tc.want, all)
			}
			if tc.notWant != "" && strings.Contains(all, tc.notWant) {
				t.Errorf("%q among the assumptions:\n%s", tc.notWant, all)
			}
			if tc.want == ask && !slices.ContainsFunc(p.ToDo, func(s string) bool { return strings.Contains(s, ask) }) {
				t.Errorf("to do %q, want %q", p.ToDo, ask)
			}
		})
	}
}

// TestReenumerationLimits: ModemManager's AT port hanging up and the
// modem removed (and created again) is a module that reset and left the
// USB bus, which the emulated modem never does: a limit naming the
// command the vanished port left unanswered. A hang-up alone, or none, is
// not.
func TestReenumerationLimits(t *testing.T) {
	const (
		before = "<dbg> [1772622007.000000] [modem0/ttyUSB2/at] --> 'AT+CSQ<CR>'\n<dbg> [1772622007.010000] [modem0/ttyUSB2/at] <-- '<CR><LF>+CSQ: 17,99<CR><LF><CR><LF>OK<CR><LF>'\n" +
			"<dbg> [1772622008.286000] [modem0/ttyUSB2/at] --> 'AT+CEREG?<CR>'\n"
		hangup  = "<wrn> [1772622008.686000] [modem0/ttyUSB2/at] unexpected port hangup!\n"
		removed = "<inf> [1772622008.710000] [base-manager] modem for device '/sys/devices/usb1/1-1.3' removed\n"
		created = "<inf> [1772622026.910000] [device /sys/devices/usb1/1-1.3] creating modem with plugin 'sierra' and '3' ports\n" +
			"<dbg> [1772622027.210000] [modem1/ttyUSB2/at] --> 'AT<CR>'\n<dbg> [1772622027.215000] [modem1/ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n"
	)
	for _, tc := range []struct {
		name, log, want string
	}{
		{"removed and created again", before + hangup + removed + created,
			"mm.log:4: ModemManager's AT port hung up and the modem was removed (line 5), and ModemManager creates it again at line 6: the module reset and re-enumerated on USB (on the card's REFRESH, a restart, a crash), which the emulated modem does not do: it answers AT+CEREG? (line 3), which the vanished port never answered; the replay differs there"},
		{"a hang-up alone", before + hangup + "<dbg> [1772622027.210000] [modem0/ttyUSB2/at] --> 'AT<CR>'\n<dbg> [1772622027.215000] [modem0/ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n", ""},
		{"none", strings.Replace(before, "'AT+CEREG?<CR>'", "'AT<CR>'", 1) + "<dbg> [1772622008.296000] [modem0/ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			man := strings.ReplaceAll(orangePlain("mm", "generic"), "host.log", "mm.log")
			man = strings.Replace(man, "format: plain", "format: mm", 1)
			f, err := Load(writeFixture(t, "mm", map[string]string{ManifestFile: man, "mm.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Texts(ReenumerationLimits(f)), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("limits %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHides91xxIsAQuirk: an EnableProfile with refreshFlag the card
// answered ok shows its pending REFRESH as 91xx; a modem that shows the
// host 9000 there hides it (hides_91xx), one that shows 910B does not, and
// an enable without refreshFlag or one refused says nothing either way.
func TestHides91xxIsAQuirk(t *testing.T) {
	enable := func(refresh, answer string) string {
		return "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
			"> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983310000005124044158101" + refresh + "\"\n" +
			"< +CGLA: 16,\"" + answer + "\"\n< OK\n"
	}
	for _, tc := range []struct {
		name, log string
		want      string // the assumption's value, "" for none
	}{
		{"ok and 9000: hidden", enable("FF", "BF31038001009000"), "true"},
		{"ok and 910B: shown", enable("FF", "BF3103800100910B"), "false"},
		{"no refreshFlag: no REFRESH due", enable("00", "BF31038001009000"), ""},
		{"refused: no REFRESH due", enable("FF", "BF31038001029000"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "hides", map[string]string{ManifestFile: orangePlain("hides", "generic"), "host.log": tc.log}), Options{})
			if p.Dialect.Hides91xx != (tc.want == "true") {
				t.Errorf("hides_91xx %v, want %s", p.Dialect.Hides91xx, tc.want)
			}
			got := assumed(p, "device.quirks.hides_91xx", "(host.log:5)")
			if got != (tc.want == "true") {
				t.Errorf("assumption of hides_91xx: %v, want %s:\n%s", got, tc.want, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
	// A manifest stating the quirk against a log that shows 910B is told so.
	manifest := strings.Replace(orangePlain("hides", "generic"), "  profiles:", "  quirks: {hides_91xx: true}\n  profiles:", 1)
	f, err := Load(writeFixture(t, "hides", map[string]string{ManifestFile: manifest, "host.log": enable("FF", "BF3103800100910B")}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Reconstruct(f, Options{}); err == nil || !strings.Contains(err.Error(), "hides_91xx") || !strings.Contains(err.Error(), "host.log:5") {
		t.Errorf("stated hides_91xx against a log showing 910B: %v", err)
	}
}

// TestCGLAClosedErrorIsAQuirk: a +CGLA on a session +CCHC closed, or one
// opened before the card's REFRESH, shows the modem's error for a session
// that is gone (cgla_closed_error); an error on a session still open
// says nothing of it.
func TestCGLAClosedErrorIsAQuirk(t *testing.T) {
	const (
		open    = "> AT+CMEE=1\n< OK\n> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n"
		enable  = "> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983310000005124044158101FF\"\n< +CGLA: 16,\"BF3103800100910B\"\n< OK\n"
		getEID  = "> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n"
		closeIt = "> AT+CCHC=1\n< OK\n"
	)
	for _, tc := range []struct {
		name, log string
		want      int // the quirk's value
		line      string
	}{
		{"closed by +CCHC: 3", open + closeIt + getEID + "< +CME ERROR: 3\n", 3, "(host.log:9)"},
		{"gone with the REFRESH: operation not allowed", open + enable + getEID + "< +CME ERROR: operation not allowed\n", 3, "(host.log:10)"},
		{"gone with the REFRESH: 21 is the default", open + enable + getEID + "< +CME ERROR: 21\n", 0, ""},
		{"still open: not this error", open + getEID + "< +CME ERROR: 3\n", 0, ""},
		// The sessions as the error limits follow them (sessions): on
		// lines of several commands, and across every reset the log
		// shows (f134: a +CCHC or +CCHO beside another command, and
		// +CFUN=0, which powers the card down, were not seen).
		{"closed by a +CCHC beside another command", open + "> AT+CSQ;+CCHC=1\n< +CSQ: 20,99\n< OK\n" + getEID + "< +CME ERROR: 3\n", 3, "(host.log:10)"},
		{"opened by a +CCHO beside another command", "> AT+CMEE=1;+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" + closeIt + getEID + "< +CME ERROR: 3\n", 3, "(host.log:7)"},
		{"gone with +CFUN=0", open + "> AT+CFUN=0\n< OK\n> AT+CFUN=1\n< OK\n" + getEID + "< +CME ERROR: 3\n", 3, "(host.log:11)"},
		{"gone with a restart whose final result the log lacks", open + "> AT+CFUN=1,1\n" + getEID + "< +CME ERROR: 3\n", 3, "(host.log:8)"},
		// A +CCHC on a session no line opened (opened before the log
		// begins) closes it all the same: no opening to name.
		{"closed by +CCHC, never opened in the log", "> AT+CMEE=1\n< OK\n" + closeIt + getEID + "< +CME ERROR: 3\n", 3, "(host.log:6)"},
		{"open again after the reset: not this error", open + "> AT+CFUN=0\n< OK\n> AT+CFUN=1\n< OK\n> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" + getEID + "< +CME ERROR: 3\n", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "closed", map[string]string{ManifestFile: orangePlain("closed", "generic"), "host.log": tc.log}), Options{})
			if p.Dialect.CGLAClosedError != tc.want {
				t.Errorf("cgla_closed_error %d, want %d", p.Dialect.CGLAClosedError, tc.want)
			}
			if got := assumed(p, "device.quirks.cgla_closed_error"); got != (tc.line != "") || got && !assumed(p, "device.quirks.cgla_closed_error: 3", tc.line) {
				t.Errorf("assumptions, want cgla_closed_error at %q:\n%s", tc.line, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestLearnedAttachBeforeTheLogs: a device the logs first read registered
// was registered by then, however long the logs' own attaches took: the
// logs begin at least the warm-up plus that attach after the power-on
// (outside tester sw67: a 12.75 s attach learned from a REFRESH
// registered the replay's device after the log's first read; here from
// a restart).
func TestLearnedAttachBeforeTheLogs(t *testing.T) {
	log := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 2,1,\"1A2B\",\"0A1B2C3D\",7\n[0.011] < OK\n" +
		"[5.000] > AT+CFUN=1,1\n[5.010] < OK\n[18.000] < RDY\n[30.750] < +CEREG: 1,\"1A2B\",\"0A1B2C3D\",7\n"
	p := reconstruct(t, writeFixture(t, "learned", map[string]string{ManifestFile: orangePlain("learned", "quectel-eg25"), "host.log": log}), Options{})
	if p.AttachDelay != 12750*time.Millisecond || p.Start < warmUp+p.AttachDelay {
		t.Errorf("attach %v, logs begin %v after the power-on: want 12.75s, and at least %v:\n%s", p.AttachDelay, p.Start, warmUp+p.AttachDelay, strings.Join(p.Assumptions, "\n"))
	}
}

// TestRoamingDenialAsksForTheNetwork: EMM cause #13 (roaming not allowed
// in this tracking area) is a visited network's; where the logs do not
// name it, the draft asks for it once, however often the denial is read
// (outside tester sw67: it stood on the home network, at home, unasked).
// Another cause asks nothing.
func TestRoamingDenialAsksForTheNetwork(t *testing.T) {
	for _, tc := range []struct {
		cause string
		asks  int
	}{{"13", 1}, {"11", 0}} {
		log := "[0.000] > AT+CEREG?\n[0.010] < +CEREG: 3,3,\"1000\",\"00010001\",7,0," + tc.cause + "\n[0.011] < OK\n" +
			"[10.000] > AT+CEREG?\n[10.010] < +CEREG: 3,3,\"1000\",\"00010001\",7,0," + tc.cause + "\n[10.011] < OK\n"
		p := reconstruct(t, writeFixture(t, "denied", map[string]string{ManifestFile: orangePlain("denied", "generic"), "host.log": log}), Options{})
		n := 0
		for _, d := range p.ToDo {
			if strings.Contains(d, "EMM cause #13 at host.log:2 (roaming not allowed in this tracking area) comes from a network the device visits") {
				n++
			}
		}
		if n != tc.asks {
			t.Errorf("cause #%s: asked %d times, want %d:\n%s", tc.cause, n, tc.asks, strings.Join(p.ToDo, "\n"))
		}
	}
}

// TestUnplacedSwitch: the card's own switch (a new IMSI that neither a
// REFRESH the logs show nor the host's enable explains) in a log without
// times cannot be placed between two lines that play at one instant: the
// plan says so at the new IMSI's line, where it made up a periodic check
// "5 s before" it (outside tester sw67). With times, or with a REFRESH
// before it, it is placed.
func TestUnplacedSwitch(t *testing.T) {
	manifest := cnFRManifest("sw", "quectel-eg25")
	for _, tc := range []struct{ name, log, want string }{
		{"no times", "> AT+CIMI\n< 460001234567890\n< OK\n> AT+CIMI\n< 208019876543210\n< OK\n",
			"plain.log:5: a new IMSI, the card's own switch to another profile with no REFRESH or enable the logs show (plain.log:2) in a log without times"},
		{"times", "[0.000] > AT+CIMI\n[0.010] < 460001234567890\n[0.011] < OK\n[60.000] > AT+CIMI\n[60.010] < 208019876543210\n[60.011] < OK\n", ""},
		{"a REFRESH", "> AT+CIMI\n< 460001234567890\n< OK\n< +QUSIM: 1\n> AT+CIMI\n< 208019876543210\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "sw", map[string]string{ManifestFile: manifest, "plain.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Reconstruct(f, Options{})
			var lc LogsCannot
			switch {
			case tc.want == "" && errors.As(err, &lc):
				t.Errorf("placed: %v", err)
			case tc.want != "" && (!errors.As(err, &lc) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// A +CPIN of a card gone (NOT READY) is one only a personality with it in
// its card_gone_urcs sends: for the others it is not compared, and the
// assumptions say so, where it was compared and failed the replay before
// the ticket's failure (outside tester sw73: an EG25's card-gone ticket).
// A +CPIN of a card that is there stays compared.
func TestCardGoneCPINNotCompared(t *testing.T) {
	log := "< +CPIN: READY\n> AT+CSQ\n< +CSQ: 20,99\n< OK\n< +CPIN: NOT READY\n> AT+CPIN?\n< +CME ERROR: 10\n"
	dir := writeFixture(t, "gone", map[string]string{
		ManifestFile: orangePlain("gone", "quectel-eg25"),
		"host.log":   log,
	})
	p := reconstruct(t, dir, Options{})
	if !p.URCUncompared("+CPIN: NOT READY") || !assumed(p, "+CPIN: NOT READY (host.log:5)") {
		t.Errorf("+CPIN: NOT READY compared, or said nowhere:\n%s", strings.Join(p.Assumptions, "\n"))
	}
	if p.URCUncompared("+CPIN: READY") {
		t.Errorf("+CPIN: READY not compared:\n%s", strings.Join(p.Assumptions, "\n"))
	}
}

// lateManifest is orangePlain with SFR's profile on the card too, the one
// the enables of the refresh_delay tests switch to.
func lateManifest() string {
	m := strings.Replace(orangePlain("late", "generic"), "enabled: true}\n", "enabled: true}\n    - {iccid: \"89331000000512404412\", operator: sfr}\n", 1)
	return strings.Replace(m, "country: FR}\n", "country: FR}\n    - {id: sfr, plmn: \"20810\", country: FR}\n", 1)
}

// TestRefreshDelayTheLogsShow: after an EnableProfile answered ok with a
// REFRESH due, a +CCHC (or +CGLA) the modem answers OK before any sign of
// the card's reset shows a modem that carried the REFRESH out later
// (refresh_delay): until the reset the logs show, or past the replay's
// end when they show none (outside testers sw73, sw79: lpac closes its
// channel and exits before the module's +QUSIM: 1). A +CCHC refused, or
// the reset before it, shows no delay.
func TestRefreshDelayTheLogsShow(t *testing.T) {
	const (
		open   = "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n"
		enable = "> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983310000005124044158101FF\"\n< +CGLA: 16,\"BF3103800100910B\"\n< OK\n"
		closed = "> AT+CCHC=1\n< OK\n"
	)
	timed := func(at string, lines string) string {
		return "[" + at + "] " + strings.ReplaceAll(strings.TrimSuffix(lines, "\n"), "\n", "\n["+at+"] ") + "\n"
	}
	for _, tc := range []struct {
		name, log string
		want      string // the assumed value, "" for none
	}{
		{"closed, then the log ends", open + enable + closed, "6s"},
		{"timed, the reset 1.4 s after", timed("0.000", open) + timed("0.100", enable) + timed("0.200", closed) + "[1.500] < +CEREG: 0\n", "1.4s"},
		{"timed, no reset before the end", timed("0.000", open) + timed("0.100", enable) + timed("0.200", closed) + "[2.000] > AT\n[2.000] < OK\n", "7.9s"},
		{"closed refused", open + enable + "> AT+CCHC=1\n< +CME ERROR: 21\n", ""},
		{"the reset before the close", timed("0.000", open) + timed("0.100", enable) + "[0.150] < +CEREG: 0\n" + timed("0.200", "> AT+CCHC=1\n< ERROR\n"), ""},
		{"no REFRESH due", open + strings.NewReplacer("8101FF", "810100", "910B", "9000").Replace(enable) + closed, ""},
		// A new ICCID read is the reset's sign on a port without URCs
		// (outside tester sw81).
		{"timed, a new ICCID read 3 s after", timed("0.000", "> AT+CCID\n< +CCID: 89330100005021044451\n< OK\n"+open) + timed("0.100", enable) + timed("0.200", closed) +
			"[3.100] > AT+CCID\n[3.110] < +CCID: 89331000000512404412\n[3.111] < OK\n", "200ms"},
		// So is an IMSI of another network than the old profile's, when
		// the host never read the old IMSI (outside tester sw84 N5); the
		// old profile's own IMSI is none.
		{"timed, a new IMSI read 3 s after", timed("0.000", "> AT+CCID\n< +CCID: 89330100005021044451\n< OK\n"+open) + timed("0.100", enable) + timed("0.200", closed) +
			"[3.100] > AT+CIMI\n[3.110] < 208101234567890\n[3.111] < OK\n", "200ms"},
		{"timed, the old IMSI read 3 s after", timed("0.000", "> AT+CCID\n< +CCID: 89330100005021044451\n< OK\n"+open) + timed("0.100", enable) + timed("0.200", closed) +
			"[3.100] > AT+CIMI\n[3.110] < 208011234567890\n[3.111] < OK\n", "9.011s"},
		// An old ICCID read after the +CCHC puts the reset after it
		// (outside tester sw85).
		{"timed, an old ICCID read, then the new", timed("0.000", "> AT+CCID\n< +CCID: 89330100005021044451\n< OK\n"+open) + timed("0.100", enable) + timed("0.200", closed) +
			"[2.000] > AT+CCID\n[2.010] < +CCID: 89330100005021044451\n[2.011] < OK\n" +
			"[3.100] > AT+CCID\n[3.110] < +CCID: 89331000000512404412\n[3.111] < OK\n", "2.01s"},
		// Over +CSIM (a csim_only modem): MANAGE CHANNEL close answered 9000.
		{"closed over +CSIM", open + enable + "> AT+CSIM=10,\"0070800100\"\n< +CSIM: 4,\"9000\"\n< OK\n", "6s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "late", map[string]string{ManifestFile: lateManifest(), "host.log": tc.log}), Options{})
			all := strings.Join(p.Assumptions, "\n")
			got := ""
			for _, a := range p.Assumptions {
				if v, ok := strings.CutPrefix(a, "device.quirks.refresh_delay: "); ok {
					got, _, _ = strings.Cut(v, " ")
					got = strings.Trim(got, `"`)
				}
			}
			if got != tc.want {
				t.Errorf("refresh_delay %q, want %q:\n%s", got, tc.want, all)
			}
			if want, _ := time.ParseDuration(cmp.Or(tc.want, "0s")); p.Dialect.RefreshDelay != want {
				t.Errorf("the dialect's refresh_delay %v, want %v", p.Dialect.RefreshDelay, want)
			}
		})
	}
}

// TestManifestFaultsSayWhatTheyReplace: a manifest's faults replace every
// fault the logs show; the plan says which ones the replay then leaves out
// (outside tester sw79: following the advice to add a coverage fault
// dropped the card's absence, and nothing said so), and the advice to
// give faults says they replace the logs' ones.
func TestManifestFaultsSayWhatTheyReplace(t *testing.T) {
	const log = "> AT+CPIN?\n< +CME ERROR: 10\n> AT+COPS=0\n< +CME ERROR: 30\n"
	for _, tc := range []struct {
		name, faults, want, notWant string
	}{
		{"none given", "", "", "replace every fault"},
		{"a coverage fault given", "faults:\n  - {coverage: lost, from: 0s, until: 1h}\n",
			"the manifest's faults (manifest ", "{coverage: lost"},
		// In the manifest's times, from the logs' start (10 s after the
		// power-on here): as it would be copied there (outside tester sw81).
		{"the card's absence at another time", "faults:\n  - {card: absent, from: 0s}\n", "and the replay leaves out these the logs gave: {card: absent, from: -10s} (host.log:2)", ""},
		{"the same fault given", "faults:\n  - {card: absent, from: -10s}\n", "", "replace every fault"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			man := orangePlain("faults", "generic") + tc.faults
			p := reconstruct(t, writeFixture(t, "faults", map[string]string{ManifestFile: man, "host.log": log}), Options{})
			all := strings.Join(p.Assumptions, "\n")
			var said string
			for _, a := range p.Assumptions {
				if strings.Contains(a, "replace every fault the logs show") {
					said = a
				}
			}
			switch {
			case tc.want == "" && said != "":
				t.Errorf("said %q with no faults given", said)
			case tc.want != "" && (!strings.Contains(said, tc.want) || !strings.Contains(said, "{card: absent, from: -10s} (host.log:2)")):
				t.Errorf("said %q, want %q and the card's absence:\n%s", said, tc.want, all)
			case tc.notWant != "" && strings.Contains(said, tc.notWant):
				t.Errorf("said %q, which names %q", said, tc.notWant)
			}
			if tc.faults == "" && !strings.Contains(all, "a manifest's faults replace all those the logs give") {
				t.Errorf("the advice to give faults does not say they replace the logs' ones:\n%s", all)
			}
		})
	}
}

// TestRefreshDelayUntimed: in a log without times whose host goes on
// after the card's reset shows, the commands after that sign are played
// once the REFRESH is done (outside tester sw81: at one instant they read
// the old ICCID before it); and a manifest's refresh_delay the log's times
// contradict is refused.
func TestRefreshDelayUntimed(t *testing.T) {
	const log = "> AT+CCID\n< +CCID: 89330100005021044451\n< OK\n> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
		"> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983310000005124044158101FF\"\n< +CGLA: 16,\"BF3103800100910B\"\n< OK\n" +
		"> AT+CCHC=1\n< OK\n< +CEREG: 0\n> AT+CCID\n< +CCID: 89331000000512404412\n< OK\n"
	p := reconstruct(t, writeFixture(t, "late", map[string]string{ManifestFile: lateManifest(), "host.log": log}), Options{})
	all := strings.Join(p.Assumptions, "\n")
	if !strings.Contains(all, `device.quirks.refresh_delay: "1s"`) || !strings.Contains(all, "host.log has no times: the commands from the card's reset at host.log:12 on are played 11s later") {
		t.Errorf("assumptions:\n%s", all)
	}
	var ccid *Step
	for i, s := range p.Steps {
		if s.Line == "AT+CCID" {
			ccid = &p.Steps[i]
		}
	}
	if ccid == nil || ccid.At-p.Start < 11*time.Second {
		t.Errorf("the read after the reset is played at %v, want 11 s after the logs' start", ccid)
	}

	timedLog := "[0.000] > AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n[0.000] < +CCHO: 1\n[0.000] < OK\n" +
		"[0.100] > AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983310000005124044158101FF\"\n[0.100] < +CGLA: 16,\"BF3103800100910B\"\n[0.100] < OK\n" +
		"[0.200] > AT+CCHC=1\n[0.200] < OK\n[1.500] < +CEREG: 0\n"
	// The emulated modem answers the enable at once, so the delay counts
	// from the command, not from the field's answer (outside tester sw84:
	// a delay shorter than the +CGLA command to the +CCHC was taken).
	slowAnswer := strings.Replace(timedLog, "[0.100] > AT+CGLA", "[0.000] > AT+CGLA", 1)
	for _, tc := range []struct{ delay, want, log string }{
		{"5s", "contradicts", timedLog}, {"1s", "", timedLog}, {"0.15s", "contradicts", slowAnswer}, {"0.25s", "", slowAnswer},
	} {
		man := strings.Replace(lateManifest(), "  profiles:", "  quirks: {refresh_delay: "+tc.delay+"}\n  profiles:", 1)
		f, err := Load(writeFixture(t, "late", map[string]string{ManifestFile: man, "host.log": tc.log}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Reconstruct(f, Options{})
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), "refresh_delay") || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("refresh_delay %s stated against a reset 1.4 s after the enable: %v", tc.delay, err)
		}
	}
}

// TestRefreshDelayUntimedIdentitySign: in a log without times whose only
// sign of the reset is the new ICCID read, that read is played after the
// reset, and the port is taken to show no REFRESH URC (refresh_urcs: []);
// an old ICCID read between the enable and a later sign is a late REFRESH,
// not one left undone (outside tester sw84).
func TestRefreshDelayUntimedIdentitySign(t *testing.T) {
	const before = "> AT+CCID\n< +CCID: 89330100005021044451\n< OK\n> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
		"> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A983310000005124044158101FF\"\n< +CGLA: 16,\"BF3103800100910B\"\n< OK\n"
	newRead := "> AT+CCID\n< +CCID: 89331000000512404412\n< OK\n"
	for _, tc := range []struct {
		name, log string
		want      []string
		notWant   string
	}{
		{"the new ICCID the only sign", before + "> AT+CCHC=1\n< OK\n" + newRead,
			[]string{"the commands from the card's reset at host.log:13 on are played 11s later"}, ""},
		{"the new IMSI the only sign", before + "> AT+CCHC=1\n< OK\n> AT+CIMI\n< 208101234567890\n< OK\n",
			[]string{"the commands from the card's reset at host.log:13 on are played 11s later"}, ""},
		{"an old ICCID read before the sign", before + "> AT+CCID\n< +CCID: 89330100005021044451\n< OK\n> AT+CCHC=1\n< OK\n< +CEREG: 0\n" + newRead,
			[]string{`device.quirks.refresh_delay: "1s"`}, "refresh_ignored"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "late", map[string]string{ManifestFile: lateManifest(), "host.log": tc.log}), Options{})
			all := strings.Join(p.Assumptions, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no %q among the assumptions:\n%s", w, all)
				}
			}
			if tc.notWant != "" && strings.Contains(all, tc.notWant) {
				t.Errorf("%q among the assumptions:\n%s", tc.notWant, all)
			}
			// The generic personality sends no REFRESH URC already; the
			// evidence is there for one that does (quectel-eg25's +QUSIM: 1).
			shown := slices.ContainsFunc(p.Facts.Dialect, func(e Evidence) bool { return e.Field == "refresh_urcs" && e.Value == "[]" })
			if shown != (tc.notWant == "") {
				t.Errorf("refresh_urcs [] evidence %v, want %v: %+v", shown, tc.notWant == "", p.Facts.Dialect)
			}
		})
	}
}

// TestPowerOnIsNoSwitch: the power-on a log opens with is where it
// begins, not a switch of the card's: the profile read first after it is
// the one enabled at the start, the one read after the REFRESH the one
// switched to (outside tester sw99: a BG95 log that booted first had its
// profiles the other way round, and diverged at the first ICCID read).
func TestPowerOnIsNoSwitch(t *testing.T) {
	read := func(at int, iccid, imsi string) string {
		return fmt.Sprintf("[%d.000] > AT+QCCID\n[%d.010] < +QCCID: %s\n[%d.011] < OK\n[%d.100] > AT+CIMI\n[%d.110] < %s\n[%d.111] < OK\n",
			at, at, iccid, at, at, at, imsi, at)
	}
	first, second := read(10, "89004600012345678903", "460001234567890"), read(90, "89330100000000000012", "208019876543210")
	refresh := "[60.000] < +CPIN: NOT READY\n[61.000] < +CPIN: READY\n[61.100] < +QUSIM: 1\n"
	for _, tc := range []struct{ name, log string }{
		{"opens with the boot", "[0.000] < RDY\n[2.000] < +CPIN: READY\n[2.100] < +QUSIM: 1\n" + first + refresh + second},
		{"no boot", first + refresh + second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "boot", map[string]string{ManifestFile: cnFRManifest("boot", "quectel-eg25"), "plain.log": tc.log}), Options{})
			y := string(p.ScenarioYAML)
			for _, want := range []string{
				`{iccid: "89004600012345678903", operator: cmcc, imsi: "460001234567890", enabled: true}`,
				`{iccid: "89330100000000000012", operator: orange-fr, imsi: "208019876543210"}`,
			} {
				if !strings.Contains(y, want) {
					t.Errorf("scenario lacks %s:\n%s\n%s", want, y, strings.Join(p.Assumptions, "\n"))
				}
			}
		})
	}
}

// TestRefreshStatIsAQuirk: searching straight after a registration, the
// card's REFRESH between them, adds refresh_stat 2 to the dialect (a
// manifest that says 0 is contradicted); a stat 0 between them, or a
// search with no REFRESH near, is no evidence of it.
func TestRefreshStatIsAQuirk(t *testing.T) {
	manifest := func(quirks string) string {
		return strings.Replace(orangePlain("refresh", "quectel-eg25"), "  profiles:\n", quirks+"  profiles:\n", 1)
	}
	const head = "[0.000] > AT+CEREG=1\n[0.010] < OK\n[3.000] < +CEREG: 1\n"
	for _, tc := range []struct {
		name, log, quirks string
		want              bool
		err               string
	}{
		{"straight", head + "[60.000] < +QUSIM: 1\n[60.300] < +CEREG: 2\n[62.000] < +CEREG: 1\n", "", true, ""},
		{"detach shown", head + "[60.000] < +QUSIM: 1\n[60.100] < +CEREG: 0\n[60.300] < +CEREG: 2\n[62.000] < +CEREG: 1\n", "", false, ""},
		{"no REFRESH", head + "[60.300] < +CEREG: 2\n[62.000] < +CEREG: 1\n", "", false, ""},
		{"contradicted", head + "[60.000] < +QUSIM: 1\n[60.300] < +CEREG: 2\n[62.000] < +CEREG: 1\n", "  quirks: {refresh_stat: 0}\n", false, "device.quirks.refresh_stat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFixture(t, "refresh", map[string]string{ManifestFile: manifest(tc.quirks), "host.log": tc.log})
			if tc.err != "" {
				f, err := Load(dir)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Reconstruct(f, Options{}); err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("a manifest the log contradicts: %v", err)
				}
				return
			}
			p := reconstruct(t, dir, Options{})
			if p.Dialect.RefreshSearching != tc.want || tc.want && !assumed(p, "device.quirks.refresh_stat: 2", "host.log:5") {
				t.Errorf("dialect RefreshSearching %v, want %v; assumptions:\n%s", p.Dialect.RefreshSearching, tc.want, strings.Join(p.Assumptions, "\n"))
			}
			// The same line is no evidence of searching_urc (outside
			// tester sw122).
			if tc.want && p.Dialect.SearchingURC {
				t.Errorf("searching_urc drafted from refresh_stat's line; assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestSearchEndingRoamingFindsNoHomeCell: a search (stat 2) the same
// subscriber ends roaming found no cell of its own network there: the
// world gets none, though the manifest's itinerary places the device
// (outside tester sw122: a switch to a roaming profile, shown as a scan,
// registered at a phantom home cell abroad).
func TestSearchEndingRoamingFindsNoHomeCell(t *testing.T) {
	manifest := `name: roam-switch
source: "a hand-written transcript"
logs:
  - {file: host.log, format: plain}
device:
  personality: quectel-eg25
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN}
    - {id: cucc, plmn: "46001", country: CN}
    - {id: orange-fr, plmn: "20801", country: FR}
  roaming:
    - {home: cmcc, visited: orange-fr}
    - {home: cucc, visited: orange-fr}
  cells:
    - {area: FR, operator: orange-fr, rsrp: -85, tac: 0x3a9b, cell_id: 0xc33d}
itinerary:
  - {at: 0s, area: FR}
platform: {preferred: {FR: [cucc]}}
expected: "the switch, roaming on Orange again"
failure: {log: host.log, line: 1, what: "none"}
expect: reproduces
`
	log := "[0.000] > AT+CEREG=2\n[0.010] < OK\n[1.000] > AT+QCCID\n[1.010] < +QCCID: 89860000000000000019\n[1.011] < OK\n" +
		"[2.000] > AT+CIMI\n[2.010] < 460000000000019\n[2.011] < OK\n" +
		"[3.000] > AT+CEREG?\n[3.010] < +CEREG: 2,5,\"3A9B\",\"0000C33D\",7\n[3.011] < OK\n" +
		"[300.100] < +QUSIM: 1\n[300.400] < +CEREG: 2\n[303.200] < +CEREG: 5,\"3A9B\",\"0000C33D\",7\n" +
		"[310.000] > AT+QCCID\n[310.010] < +QCCID: 89860000000000000027\n[310.011] < OK\n" +
		"[311.000] > AT+CIMI\n[311.010] < 460010000000027\n[311.011] < OK\n"
	p := reconstruct(t, writeFixture(t, "roam-switch", map[string]string{ManifestFile: manifest, "host.log": log}), Options{})
	if y := string(p.ScenarioYAML); strings.Contains(y, "operator: cucc") && strings.Contains(y, "area: FR, operator: cucc") {
		t.Errorf("a cell of cucc in FR:\n%s\n%s", y, strings.Join(p.Assumptions, "\n"))
	}
	if assumed(p, "a cell of cucc in FR") {
		t.Errorf("assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
	}
}

// TestRadioCycleIsNoRefresh: the +QUSIM: 1 an EG25 sends when +CFUN=1
// powers its card again after +CFUN=0 is the card's return, no REFRESH;
// the REFRESH later in the log is (outside tester sw124: the cycle's was
// taken for the switch, and the card's check aligned on it). A +CFUN=0
// the card answered under (cfun0_keeps_card) took no power: no return.
func TestRadioCycleIsNoRefresh(t *testing.T) {
	log := "[0.000] > AT+CEREG=2\n[0.010] < OK\n[3.000] > AT+CEREG?\n[3.010] < +CEREG: 2,5,\"3A9B\",\"0000C33D\",7\n[3.011] < OK\n" +
		"[10.000] > AT+CFUN=0\n[10.010] < +CEREG: 0\n[10.011] < OK\n" +
		"[30.000] > AT+CFUN=1\n[30.010] < OK\n[30.300] < +CPIN: READY\n[30.500] < +QUSIM: 1\n[32.500] < +CEREG: 5,\"3A9B\",\"0000C33D\",7\n" +
		"[300.100] < +QUSIM: 1\n[300.200] < +CEREG: 0\n[303.200] < +CEREG: 5,\"3A9B\",\"0000C33D\",7\n"
	p := reconstruct(t, writeFixture(t, "cycle", map[string]string{ManifestFile: orangePlain("cycle", "quectel-eg25"), "host.log": log}), Options{})
	var lines []int
	for _, r := range p.Facts.Refreshes {
		lines = append(lines, r.Src.Line)
	}
	if !slices.Equal(lines, []int{14}) {
		t.Errorf("REFRESHes at lines %v, want the one of host.log:14; assumptions:\n%s", lines, strings.Join(p.Assumptions, "\n"))
	}
}

// TestChecksCountFromARadioCycle: +CFUN=1 after +CFUN=0 powers the card
// again, and the emulated card's checks count from there: a switch a
// check interval later is aligned, one off the grid said to differ, and
// with no interval given the gap is taken for it (outside tester sw124,
// reviewer sw125: the checks were aligned from the boot).
func TestChecksCountFromARadioCycle(t *testing.T) {
	head := "[0.000] > AT+CEREG=2\n[0.010] < OK\n[3.000] > AT+CEREG?\n[3.010] < +CEREG: 2,5,\"3A9B\",\"0000C33D\",7\n[3.011] < OK\n" +
		"[10.000] > AT+CFUN=0\n[10.010] < +CEREG: 0\n[10.011] < OK\n" +
		"[30.000] > AT+CFUN=1\n[30.010] < OK\n[30.300] < +CPIN: READY\n[30.500] < +QUSIM: 1\n[32.500] < +CEREG: 5,\"3A9B\",\"0000C33D\",7\n"
	manifest := func(check string) string {
		return strings.Replace(orangePlain("cycle", "quectel-eg25"), "  profiles:\n", check+"  profiles:\n", 1)
	}
	for _, tc := range []struct {
		name, check, at, want string
	}{
		{"on the grid", "  check_interval: 5m\n", "330.000", "one falls at the REFRESH of host.log:14"},
		{"off the grid", "  check_interval: 5m\n", "400.000", "not at the REFRESH of host.log:14 (+6m40s): the replay differs there"},
		{"no interval given", "", "400.000", "the card checks every 6m10s: its check (the REFRESH of host.log:14) came that long after the card was powered again (host.log:9)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := head + "[" + tc.at + "] < +QUSIM: 1\n"
			p := reconstruct(t, writeFixture(t, "cycle", map[string]string{ManifestFile: manifest(tc.check), "host.log": log}), Options{})
			if !assumed(p, tc.want) {
				t.Errorf("assumptions lack %q:\n%s", tc.want, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestGivenScenarioFieldEID: a whole scenario gives an EID the test EUM
// issues (scenario.Parse refuses any other), so a field card's other EID,
// as GetEID or the manifest shows it, is masked and the scenario's
// stands in, as a reconstructed world's does; one the test EUM issues
// must still be the scenario's (v252: such a fixture had no scenario
// that loaded and agreed with its log).
func TestGivenScenarioFieldEID(t *testing.T) {
	const (
		logged = "89049032003810000000000009523160" // the fixture's log
		field  = "89033023000000000000000000123459" // another EUM's
		test   = "89049032000001000000000000000171"
	)
	src := filepath.Join("..", "..", "fixtures", "field", "bg95-bare-cchc")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	log, manifest := read("lpac-chip-info.log"), read(ManifestFile)
	manifest = manifest[:strings.Index(manifest, "  profiles:")] + "scenario: scenario.yaml\n" + manifest[strings.Index(manifest, "expected:"):]
	scen := `name: bg95-bare-cchc
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
  cells:
    - {area: FR, operator: orange-fr, rsrp: -90}
device:
  eid: "` + test + `"
  personality: quectel-eg25
  check_interval: 1h
  profiles:
    - {iccid: "89330100005021044451", operator: orange-fr, enabled: true}
itinerary:
  - {at: 0s, area: FR}
`
	for _, tc := range []struct {
		name, logEID, manifestEID string
		err                       string // "" for masked
	}{
		{"GetEID's of another EUM", field, "", ""},
		{"the manifest's of another EUM", "", field, "device.eid: " + field + ", but lpac-chip-info.log:35 answers GetEID with " + test},
		{"both, of another EUM", field, field, ""},
		{"GetEID's of the test EUM", logged, "", "answers GetEID with " + logged},
		{"the manifest's of the test EUM", logged, logged, "device.eid: " + logged + ", but scenario.yaml says " + test},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := log
			if tc.logEID == "" {
				l = strings.ReplaceAll(l, "BF3E125A10"+logged, "BF3E125A10"+test)
			} else {
				l = strings.ReplaceAll(l, logged, tc.logEID)
			}
			m := manifest
			if tc.manifestEID != "" {
				m = strings.Replace(m, "  personality:", "  eid: \""+tc.manifestEID+"\"\n  personality:", 1)
			}
			f, err := Load(writeFixture(t, "bg95-bare-cchc", map[string]string{ManifestFile: m, "scenario.yaml": scen, "lpac-chip-info.log": l}))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Reconstruct(f, Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(p.Masks, func(m Mask) bool { return m.Name == "eid" }) || !assumed(p, "the card's EID is "+test, "not "+field) {
				t.Errorf("masks %v, assumptions:\n%s", p.Masks, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}

// TestTimeoutWindowCoversRestarts: an attach the logs show unanswered
// (searching, not registered 15 s later: T3410) gives a derived attach:
// timeout whose window covers the emulated modem's T3411 restarts on that
// network (TS 24.301 §5.5.1.2.6: every 25 s, the fifth 100 s after the
// first) — where the logs show nothing else, the restarts went
// unanswered too —, ending a second before the logs' next registration
// state, the restart the network answered. Before t283 it ended a second
// after the first attempt: the emulated restart registered at once.
func TestTimeoutWindowCoversRestarts(t *testing.T) {
	const head = "[0.000] > AT+CEREG=1\n[0.010] < OK\n[5.000] > AT+CFUN=1\n[5.100] < OK\n[5.300] < +CEREG: 2\n[20.300] < +CEREG: 0\n"
	for _, tc := range []struct {
		name, log, window string
	}{
		// The logs begin 10 s into the run (from: 14.3s is the attach at
		// 5.3 s, a second before it).
		{"nothing after: the five attempts", head, "until: 1m56.3s}"},
		{"registered 40 s later: until a second before", head + "[60.300] < +CEREG: 1\n", "until: 1m9.3s}"},
		{"registered just after: until a second before", head + "[20.500] < +CEREG: 1\n", "until: 29.5s}"},
		// A second search 10 s after the first ended: its window begins
		// where the first's ends (one fault's windows never overlap).
		{"searching again: until the second's window", head + "[30.000] > AT+COPS=0\n[30.100] < OK\n[30.300] < +CEREG: 2\n[45.300] < +CEREG: 0\n", "until: 39.3s}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "silent", map[string]string{ManifestFile: orangePlain("silent", "generic"), "host.log": tc.log}), Options{})
			y := string(p.ScenarioYAML)
			i := strings.Index(y, "{attach: timeout, operator: orange-fr")
			if i < 0 {
				t.Fatalf("no attach: timeout derived:\n%s", y)
			}
			line, _, _ := strings.Cut(y[i:], "\n")
			if strings.Count(y, "{attach: timeout,") != strings.Count(tc.log, "< +CEREG: 0") {
				t.Errorf("derived %d attach: timeout, want one for each search ending not registered:\n%s", strings.Count(y, "{attach: timeout,"), y)
			}
			if _, err := scenario.Parse("draft.yaml", p.ScenarioYAML); err != nil {
				t.Errorf("the draft does not load: %v", err)
			}
			if !strings.Contains(line, tc.window) {
				t.Errorf("derived %s, want its window to end %q", line, tc.window)
			}
		})
	}
}

// TestICCIDFillerIsAQuirk: an ICCID answer ending in EF ICCID's F filler
// adds iccid_filler: keep to a dialect that strips it, and one of 19
// digits without it strip to one that keeps it, naming the line; a
// 20-digit ICCID shows neither, and a manifest the log contradicts is an
// error.
func TestICCIDFillerIsAQuirk(t *testing.T) {
	const iccid19, iccid20 = "8933101234567890121", "89330100005021044451"
	for _, tc := range []struct {
		name, personality, quirks, cmd, answer, iccid string
		want, assumption, err                         string
	}{
		{"F over generic", "generic", "", "AT+CCID", "+CCID: " + iccid19 + "F", iccid19, personality.FillerKeep, `device.quirks.iccid_filler: "keep"`, ""},
		{"F over fibocom-l850", "fibocom-l850", "", "AT+CCID", "+CCID: " + iccid19 + "F", iccid19, personality.FillerKeep, "", ""},
		{"no F over quectel-eg25", "quectel-eg25", "", "AT+QCCID", "+QCCID: " + iccid19, iccid19, personality.FillerStrip, `device.quirks.iccid_filler: "strip"`, ""},
		{"no F over generic", "generic", "", "AT+CCID", "+CCID: " + iccid19, iccid19, "", "", ""},
		{"20 digits show nothing", "quectel-eg25", "", "AT+QCCID", "+QCCID: " + iccid20, iccid20, personality.FillerKeep, "", ""},
		{"a stated strip the F contradicts", "generic", "  quirks: {iccid_filler: strip}\n", "AT+CCID", "+CCID: " + iccid19 + "F", iccid19, "", "",
			`device.quirks.iccid_filler: contradicts host.log:2: the ICCID answer "+CCID: 8933101234567890121F" ends in EF ICCID's F filler`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := strings.Replace(orangePlain("filler", tc.personality), "  profiles:\n", tc.quirks+"  profiles:\n", 1)
			manifest = strings.Replace(manifest, iccid20, tc.iccid, 1)
			log := "> " + tc.cmd + "\n< " + tc.answer + "\n< OK\n"
			f, err := Load(writeFixture(t, "filler", map[string]string{ManifestFile: manifest, "host.log": log}))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Reconstruct(f, Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Dialect.ICCIDFiller != tc.want {
				t.Errorf("iccid_filler %q, want %q", p.Dialect.ICCIDFiller, tc.want)
			}
			if got := assumed(p, "device.quirks.iccid_filler"); got != (tc.assumption != "") || got && !assumed(p, tc.assumption, "host.log:2") {
				t.Errorf("want assumption %q at host.log:2; assumptions:\n%s", tc.assumption, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}
