package record

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/personality"
)

// goTypes are what the YAML library's own errors show and a lab file's
// author has no use for.
var goTypes = []string{"Go struct", "!!", "[]string", "map[", "unmarshal", " yaml:", "record.", "time.Time", "[]yaml"}

// TestParseScriptErrors: every bad script names the file, line, column
// and field as the script spells them, and no Go type.
func TestParseScriptErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"steps: [AT]\n", "s.yaml:1:1: name: required field missing"},
		{"name: x\n", "s.yaml:1:1: steps: required field missing"},
		{"name: x\nsteps: []\n", "s.yaml:2:8: steps: want 1..500 steps, got 0"},
		{"name: x\nsteps: [hello]\n", `s.yaml:2:9: steps[0]: "hello": want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}`},
		{"name: x\nsteps: [AT, {es10: ZZ}]\n", `s.yaml:2:20: steps[1].es10: "ZZ": want 2..4096 bytes of hex`},
		{"name: x\nsteps: [{es10: BF2D00, more: 1}]\n", "s.yaml:2:24: steps[0].more: unknown field (the fields: es10, await, within, ready)"},
		{"name: x\nsteps: [{es10: [BF, 2D]}]\n", "s.yaml:2:16: steps[0].es10: want a string, got a list"},
		{"name: x\nsteps: [[AT]]\n", "s.yaml:2:9: steps[0]: want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}, got a list"},
		{"name: x\nsteps:\n  - AT\n  -\n", "s.yaml:4:4: steps[1]: want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}, got nothing"},
		// A wait for the modem (after AT+CFUN=1,1): a pattern of the whole
		// line and a bound.
		{"name: x\nsteps: [{await: RDY}]\n", "s.yaml:2:9: steps[0].within: required field missing (how long to wait, like 60s)"},
		{"name: x\nsteps: [{within: 60s}]\n", "s.yaml:2:9: steps[0].await: required field missing (within bounds an await)"},
		{"name: x\nsteps: [{await: RDY, within: 60}]\n", `s.yaml:2:30: steps[0].within: want a duration like 90s, 5m or 1h30m, got "60"`},
		{"name: x\nsteps: [{await: RDY, within: 500ms}]\n", `s.yaml:2:30: steps[0].within: want a duration from 1s to 600s, like 60s, got "500ms"`},
		{"name: x\nsteps: [{await: RDY, within: 2h}]\n", `s.yaml:2:30: steps[0].within: want a duration from 1s to 600s, like 60s, got "2h"`},
		{"name: x\nsteps: [{await: RDY, within: -5s}]\n", `s.yaml:2:30: steps[0].within: want a duration from 1s to 600s, like 60s, got "-5s"`},
		{"name: x\nsteps: [{await: RDY, within: [60s]}]\n", "s.yaml:2:30: steps[0].within: want a duration like 90s, 5m or 1h30m, got a list"},
		{"name: x\nsteps: [{await: '(RDY', within: 60s}]\n", "s.yaml:2:17: steps[0].await: not a regular expression (RE2 syntax): missing closing )"},
		{"name: x\nsteps: [{await: '', within: 60s}]\n", `s.yaml:2:17: steps[0].await: want the pattern of the line to wait for (RDY), got ""`},
		{"name: x\nsteps: [{await: , within: 60s}]\n", "s.yaml:2:17: steps[0].await: want a string, got nothing"},
		{"name: x\nsteps: [{await: [RDY], within: 60s}]\n", "s.yaml:2:17: steps[0].await: want a string, got a list"},
		{"name: x\nsteps: [{es10: BF2D00, await: RDY, within: 60s}]\n", "s.yaml:2:9: steps[0]: want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}, got es10 and await in one step"},
		{"name: x\nsteps: [{es10: BF2D00, within: 60s}]\n", "s.yaml:2:9: steps[0]: want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}, got es10 and within in one step"},
		{"name: x\nsteps: [{await: RDY, within: 60s, every: 1s}]\n", "s.yaml:2:35: steps[0].every: unknown field (the fields: es10, await, within, ready)"},
		// A wait for a modem that says nothing on boot: polls, bounded.
		{"name: x\nsteps: [{ready: 60}]\n", `s.yaml:2:17: steps[0].ready: want a duration like 90s, 5m or 1h30m, got "60"`},
		{"name: x\nsteps: [{ready: 500ms}]\n", `s.yaml:2:17: steps[0].ready: want a duration from 1s to 600s, like 60s, got "500ms"`},
		{"name: x\nsteps: [{ready: 11m}]\n", `s.yaml:2:17: steps[0].ready: want a duration from 1s to 600s, like 60s, got "11m"`},
		{"name: x\nsteps: [{ready: }]\n", `s.yaml:2:17: steps[0].ready: want a duration like 90s, 5m or 1h30m, got nothing`},
		{"name: x\nsteps: [{ready: [60s]}]\n", "s.yaml:2:17: steps[0].ready: want a duration like 90s, 5m or 1h30m, got a list"},
		{"name: x\nsteps: [{ready: 60s, within: 60s}]\n", "s.yaml:2:9: steps[0]: want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}, got ready and within in one step"},
		{"name: x\nsteps: [{await: RDY, ready: 60s, within: 60s}]\n", "s.yaml:2:9: steps[0]: want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}, got await and ready in one step"},
		{"name: x\nsteps: [{es10: BF2D00, ready: 60s}]\n", "s.yaml:2:9: steps[0]: want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}, got es10 and ready in one step"},
		{"name: x\nsteps: [{ready: 60s, every: 1s}]\n", "s.yaml:2:22: steps[0].every: unknown field (the fields: es10, await, within, ready)"},
		{"name: x\nsteps: [{}]\n", "s.yaml:2:9: steps[0]: want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}, got an empty mapping"},
		{"name: x\nsteps: AT\n", `s.yaml:2:8: steps: want a list of steps, got "AT"`},
		{"name: x\nsteps: {AT: 1}\n", "s.yaml:2:8: steps: want a list of steps, got a mapping"},
		{"name: [x]\nsteps: [AT]\n", "s.yaml:1:7: name: want a string, got a list"},
		{"name: x\nmask: [{name: a, pattern: '('}]\nsteps: [AT]\n", "s.yaml:2:27: mask[0].pattern: not a regular expression (RE2 syntax): missing closing )"},
		{"name: x\nmask: [{name: a}]\nsteps: [AT]\n", "s.yaml:2:8: mask[0].pattern: required field missing"},
		{"name: x\nmask: {name: a}\nsteps: [AT]\n", "s.yaml:2:7: mask: want a list of {name, pattern}, got a mapping"},
		{"name: x\nmask: [a]\nsteps: [AT]\n", `s.yaml:2:8: mask[0]: want a mapping, got "a"`},
		{"name: x\ncolour: red\nsteps: [AT]\n", "s.yaml:2:1: colour: unknown field (the fields: name, mask, steps)"},
		{"name: x\nname: y\nsteps: [AT]\n", "s.yaml:2:1: name: given twice"},
		{"name: &n x\nsteps: [*n]\n", "s.yaml:1:7: not YAML: anchor &n: anchors and aliases are not supported (write each value out)"},
		{"- AT\n", "s.yaml:1:1: want a mapping of fields, got a list"},
		{"", "s.yaml: empty: want a mapping of fields"},
		{"name: x\nsteps: [AT\n", "s.yaml:2:8: not YAML: did not find expected ',' or ']': the [ here is not closed before the file ends"},
	} {
		_, err := ParseScript("s.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
			continue
		}
		for _, g := range goTypes {
			if strings.Contains(err.Error(), g) {
				t.Errorf("%q: %v: names %q", tc.yaml, err, g)
			}
		}
	}
}

// An await step matches whole lines, and says what it waits for as the
// script spells it.
func TestAwaitStep(t *testing.T) {
	s, err := ParseScript("s.yaml", []byte("name: x\nsteps:\n  - {await: RDY, within: 90s}\n  - {await: '\\+QIND: PB DONE', within: 1.5s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rdy, pb := s.Steps[0], s.Steps[1]
	if rdy.String() != "await RDY within 90s" || pb.String() != `await \+QIND: PB DONE within 1.5s` || rdy.Within != 90*time.Second {
		t.Errorf("%q %q %v", rdy, pb, rdy.Within)
	}
	for line, want := range map[string]bool{"RDY": true, "RDY2": false, "*ATREADY: 1": false, "+QIND: RDY": false} {
		if rdy.Matches(line) != want {
			t.Errorf("await RDY matches %q: %v", line, !want)
		}
	}
	if !pb.Matches("+QIND: PB DONE") || pb.Matches("+QIND: SMS DONE") || (Step{AT: "AT"}).Matches("AT") {
		t.Error("matches")
	}
}

// TestMissingRequiredFields: a required field left out of either kind of
// lab file gets the one error, file:line:col: field path: required field
// missing, at the mapping that lacks it, whether the field is always
// required or only when another is given.
func TestMissingRequiredFields(t *testing.T) {
	const manifest = "script: probe-es10\nrecorded: 2026-11-30T17:20:37Z\n"
	for _, tc := range []struct{ kind, yaml, want string }{
		{"script", "steps: [AT]\n", "f.yaml:1:1: name: required field missing"},
		{"script", "name: x\n", "f.yaml:1:1: steps: required field missing"},
		{"script", "name: x\nmask: [{pattern: a}]\nsteps: [AT]\n", "f.yaml:2:8: mask[0].name: required field missing"},
		{"script", "name: x\nmask:\n  - {name: a, pattern: b}\n  - {name: c}\nsteps: [AT]\n", "f.yaml:4:5: mask[1].pattern: required field missing"},
		{"script", "name: x\nsteps: [AT, {await: RDY}]\n", "f.yaml:2:13: steps[1].within: required field missing (how long to wait, like 60s)"},
		{"script", "name: x\nsteps: [{within: 60s}]\n", "f.yaml:2:9: steps[0].await: required field missing (within bounds an await)"},
		{"manifest", "script: probe-es10\n", "f.yaml:1:1: recorded: required field missing"},
		{"manifest", manifest + "accept: [{line: 3}]\n", "f.yaml:3:10: accept[0].reason: required field missing"},
		{"manifest", manifest + "accept: [{line: 3, reason: r}, {pattern: x}]\n", "f.yaml:3:32: accept[1].reason: required field missing"},
	} {
		var err error
		if tc.kind == "script" {
			_, err = ParseScript("f.yaml", []byte(tc.yaml))
		} else {
			_, err = ParseManifest("f.yaml", []byte(tc.yaml))
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s %q: %v, want %q", tc.kind, tc.yaml, err, tc.want)
		}
	}
}

// TestLoadManifestErrors: a recording's bad manifest is refused with the
// file, line, column and field, and no Go type.
func TestLoadManifestErrors(t *testing.T) {
	const good = "script: probe-es10\nmodem: /dev/ttyUSB2\npersonality: generic\nrecorded: 2026-11-30T17:20:37Z\nscenario: lab-home\n"
	for _, tc := range []struct{ manifest, want string }{
		{good + "accept: [{line: 3}]\n", "manifest.yaml:6:10: accept[0].reason: required field missing"},
		{good + "accept: [{line: 3, pattern: x, reason: r}]\n", "manifest.yaml:6:10: accept[0]: want a line or a pattern (one of them), and a reason"},
		{good + "accept: [{line: three, reason: r}]\n", `manifest.yaml:6:17: accept[0].line: want a line of at.log (1 up), got "three"`},
		{good + "accept: [{line: 0, reason: r}]\n", `manifest.yaml:6:17: accept[0].line: want a line of at.log (1 up), got "0"`},
		{good + "accept:\n  - {pattern: '^< RDY$', reason: boot}\n  - {pattern: '[', reason: r}\n", "manifest.yaml:8:15: accept[1].pattern: not a regular expression (RE2 syntax): missing closing ]"},
		{good + "accept: [{pattern: '', reason: r}]\n", `manifest.yaml:6:20: accept[0].pattern: want a pattern, got "" (it would accept every line)`},
		{good + "accept: [{line: 3, reason: [a, b]}]\n", "manifest.yaml:6:28: accept[0].reason: want a string, got a list"},
		{good + "accept: {line: 3}\n", "manifest.yaml:6:9: accept: want a list of {line or pattern, reason}, got a mapping"},
		{good + "accept: [{line: 3, reason: r, why: x}]\n", "manifest.yaml:6:31: accept[0].why: unknown field (the fields: line, pattern, reason)"},
		{strings.Replace(good, "2026-11-30T17:20:37Z", "yesterday", 1), `manifest.yaml:4:11: recorded: want a time like 2026-11-30T17:20:37Z, got "yesterday"`},
		{strings.Replace(good, "generic", "{name: generic}", 1), "manifest.yaml:3:14: personality: want a string, got a mapping"},
		{good + "modems: [a]\n", "manifest.yaml:6:1: modems: unknown field (the fields: script, modem, personality, identity, no_identity, recorded, scenario, accept, note, incomplete, cut, timeout, retried_under, retried, drops)"},
		{good + "timeout: soon\n", `manifest.yaml:6:10: timeout: want a positive duration like 10s, got "soon"`},
		{good + "timeout: 0s\n", `manifest.yaml:6:10: timeout: want a positive duration like 10s, got "0s"`},
		{good + "incomplete: the port went away\n", "manifest.yaml: the recording stopped before the script's end (the port went away): record it again"},
		{"script: [\n", "manifest.yaml:1:9: not YAML: did not find expected node content: the [ here is not closed before the file ends"},
	} {
		dir := t.TempDir()
		for name, text := range map[string]string{ManifestFile: tc.manifest, ScriptFile: "name: x\nsteps: [AT]\n", LogFile: "T > AT\nT < OK\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, tc.want)) {
			t.Errorf("%q: %v, want %q", tc.manifest, err, tc.want)
			continue
		}
		for _, g := range goTypes {
			if strings.Contains(err.Error(), g) {
				t.Errorf("%q: %v: names %q", tc.manifest, err, g)
			}
		}
	}
}

func rec(t *testing.T, lines ...string) *Recording {
	t.Helper()
	s, err := ParseScript("s.yaml", []byte("name: x\nmask: [{name: iccid, pattern: '89\\d{18}'}]\nsteps: [AT]\n"))
	if err != nil {
		t.Fatal(err)
	}
	return &Recording{Script: s, Lines: lines, Manifest: Manifest{Personality: "generic"}}
}

// Diff reports each kind of difference at the recording's line, with
// timestamps, notes and masked values ignored.
func TestDiff(t *testing.T) {
	r := rec(t,
		"2026-11-30T10:00:00Z # step 1: AT+CCID", // line 1
		"2026-11-30T10:00:00Z > AT+CCID",
		"2026-11-30T10:00:00Z < +CCID: 89330100000000000012",
		"2026-11-30T10:00:00Z < OK",
		"2026-11-30T10:00:01Z > AT+CSQ", // line 5
		"2026-11-30T10:00:01Z < +CSQ: 23,99",
		"2026-11-30T10:00:01Z < OK",
		"2026-11-30T10:00:02Z > AT+CPIN?", // line 8
		"2026-11-30T10:00:02Z < +CPIN: READY",
		"2026-11-30T10:00:02Z < OK",
	)
	played := []string{
		"2026-01-01T00:00:30Z > AT+CCID",
		"2026-01-01T00:00:30Z < +CCID: 89860000000000000019", // another card: masked
		"2026-01-01T00:00:30Z < OK",
		"2026-01-01T00:00:30Z > AT+CSQ",
		"2026-01-01T00:00:30Z < +CSQ: 17,99", // changed
		"2026-01-01T00:00:30Z < OK",
		"2026-01-01T00:00:30Z > AT+CPIN?",
		"2026-01-01T00:00:30Z < RDY", // extra
		"2026-01-01T00:00:30Z < +CPIN: READY",
	} // the final OK is missing
	ds, err := Diff(r, played)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	want := []string{
		"at.log:6: recorded < +CSQ: 23,99\n           emulator < +CSQ: 17,99",
		"at.log:8: the emulator sent more, after this line: < RDY",
		"at.log:10: the emulator did not send: < OK",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r.Manifest.Accept = []Accept{{Line: 6, Reason: "signal differs"}, {Pattern: `^< RDY$`, Reason: "boot URC late"}}
	ds, _ = Diff(r, played)
	if n := Unaccepted(ds); n != 1 || ds[0].Accepted != "signal differs" || ds[1].Accepted != "boot URC late" {
		t.Errorf("accepted: %+v", ds)
	}
	if ds, _ := Diff(r, r.Lines); len(ds) != 0 {
		t.Errorf("a recording against itself: %v", ds)
	}
}

// A Sierra-like modem recorded in the generic dialect: the draft takes the
// dialect's differences from the conversation and parses as a personality.
// The +CCHO answer is an EM7590's: a 16-hex-digit handle (lpac #139).
func TestDraft(t *testing.T) {
	r := rec(t,
		"T > AT+CGMM", "T < EM7511", "T < OK",
		"T > AT+CGMI", "T < Sierra Wireless, Incorporated", "T < OK",
		"T > AT+CCID", "T < ERROR",
		`T > AT!ICCID?`, "T < !ICCID: 89330100000000000012", "T < OK",
		"T > AT+CCHO=?", "T < ERROR",
		`T > AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "T < +CCHO: 00000000038aa32f", "T < OK",
		"T > AT+CCHC=00000000038aa32f", "T < ERROR",
	)
	r.Dir = "rec"
	y, err := Draft(r, "sierra-x")
	if err != nil {
		t.Fatal(err)
	}
	p, err := personality.Parse("sierra-x.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if p.Base != "generic" || p.Model != "EM7511" || p.Manufacturer != "Sierra Wireless, Incorporated" || p.ICCIDCommand != "!ICCID?" || p.ICCIDPrefix != "!ICCID: " ||
		p.CCHOForm != personality.CCHOLong || !p.NoCCHC || !p.NoTestForms || !p.Identifies("Model: EM7511") {
		t.Errorf("draft:\n%s\n%+v", y, p)
	}
	if !strings.Contains(y, "# - ccho_form: the +CCHO answer \"+CCHO: 00000000038aa32f\" (at.log:15)") {
		t.Errorf("draft does not cite its lines:\n%s", y)
	}
}

// The base's own ICCID command reads the ICCID: the draft keeps it, though
// another the script tries answers too (an EG25 answers AT+CCID as well as
// AT+QCCID).
func TestDraftKeepsTheBaseICCIDCommand(t *testing.T) {
	r := rec(t,
		"T > AT+QCCID", "T < +QCCID: 89330100000000000012", "T < OK",
		"T > AT+CCID", "T < +CCID: 89330100000000000012", "T < OK",
	)
	r.Manifest.Personality = "quectel-eg25"
	r.Dir = "rec"
	y, err := Draft(r, "eg25-x")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(y, "iccid_command") || strings.Contains(y, "iccid_prefix") {
		t.Errorf("draft replaces the base's ICCID command:\n%s", y)
	}
}

// Every +CGLA refused with a bare ERROR, the channel opened, and a +CSIM
// answered OK (in at.log, or recorded again over it): the draft says
// cgla_refused (only +CSIM reaches the card, an FM350's). With no +CSIM
// seen to work there is no draft (final71: cgla_refused claimed a way to
// the card no line showed); one +CGLA answered says nothing.
func TestDraftCGLARefused(t *testing.T) {
	open := []string{`T > AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "T < +CCHO: 1", "T < OK"}
	refused := append(slices.Clone(open), `T > AT+CGLA=1,10,"81E2910003BF3E00"`, "T < ERROR")
	csim := []string{`T > AT+CSIM=10,"0070000001"`, `T < +CSIM: 6,"019000"`, "T < OK"}
	for _, tc := range []struct {
		name         string
		lines, retry []string
		want         string // in the draft, or in the error when err
		err          bool
	}{
		{"+CSIM answers OK", slices.Concat(refused, csim), nil, "# - cgla_refused: +CSIM answers OK (at.log:8), every +CGLA answers ERROR (at.log:5)", false},
		{"+CSIM answers OK recorded again", refused, csim, "# - cgla_refused: +CSIM answers OK (retry.log:3), every +CGLA answers ERROR (at.log:5)", false},
		{"no +CSIM", refused, nil, "refused every +CGLA (at.log:5: ERROR), and no +CSIM in the recording worked: the recording shows no way to the card, and a draft would assert one the modem refuses or was never seen to take; whether the modem has +CSIM, the recording does not show (lab record's # warning: at the end of at.log says what it found); every +CGLA answering ERROR on a channel +CCHO opened is drafted cgla_refused (an FM350's: only +CSIM reaches the card) once a +CSIM is seen to answer OK, here or recorded again over it", true},
		{"+CSIM refused", slices.Concat(refused, []string{`T > AT+CSIM=10,"0070000001"`, "T < ERROR"}), nil, "no +CSIM in the recording worked", true},
		{"a +CGLA answered", append(slices.Clone(open), `T > AT+CGLA=1,10,"81E2910003BF3E00"`, `T < +CGLA: 4,"6115"`, "T < OK"), nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rec(t, tc.lines...)
			r.Dir = "rec"
			if tc.retry != nil {
				r.Manifest.RetriedUnder, r.Manifest.Retried, r.RetryLines = "simcom-a7600", "every ES10 step answered", tc.retry
			}
			y, err := Draft(r, "fm-x")
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want one: %v\n%s", err, tc.err, y)
			}
			if err != nil {
				y = err.Error()
			}
			if got := strings.Contains(y, "cgla_refused: true"); got != (tc.want != "" && !tc.err) {
				t.Errorf("cgla_refused drafted %v:\n%s", got, y)
			}
			if !strings.Contains(y, tc.want) {
				t.Errorf("want %q in:\n%s", tc.want, y)
			}
		})
	}
}

// no_test_forms by personality.TestFormVerdicts: a refused test form
// speaks for the modem only when the command itself works; the first test
// form that speaks decides.
func TestDraftTestForms(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  string // the draft's note, "" for none
	}{
		{"refused, the set form works", []string{"T > AT+CGLA=?", "T < ERROR", `T > AT+CGLA=1,10,"80CA005A00"`, "T < +CGLA: 4,\"6A88\"", "T < OK"},
			"# - no_test_forms: AT+CGLA=? answers ERROR, +CGLA itself answers OK (at.log:2)"},
		{"refused, the command fails too", []string{"T > AT+FOO=?", "T < ERROR", "T > AT+FOO", "T < ERROR"}, ""},
		{"answered first", []string{"T > AT+CCHO=?", "T < OK", "T > AT+CGLA=?", "T < ERROR", `T > AT+CGLA=1,10,"80CA005A00"`, "T < OK"}, ""},
		{"the recording ends before the answer", []string{"T > AT+CGLA=?", "T < ERROR", "T > AT+CGLA=1,4,\"0070\""}, ""},
		// +CCHC=? refused is no missing +CCHC.
		{"+CCHC's test form", []string{"T > AT+CCHC=?", "T < ERROR"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y, err := Draft(rec(t, tc.lines...), "x")
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" && strings.Contains(y, "# - ") || tc.want != "" && !strings.Contains(y, tc.want) {
				t.Errorf("want %q, draft:\n%s", tc.want, y)
			}
		})
	}
}

// The probe script's masks take a Sierra's +CCHO handle where the modem
// gives it and where the host sends it back: a real modem's handle and
// the emulator's are not a difference, the APDUs beside them still are.
func TestProbeMasksTheSessionHandle(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "scripts", "probe-es10.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseScript("probe-es10.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	session := func(handle, apdu string) []string {
		return []string{
			`2026-11-30T10:00:00Z > AT+CCHO="A0000005591010FFFFFFFF8900000100"`,
			"2026-11-30T10:00:00Z < +CCHO: " + handle,
			"2026-11-30T10:00:00Z < OK",
			`2026-11-30T10:00:00Z > AT+CGLA=` + handle + `,16,"` + apdu + `"`,
			`2026-11-30T10:00:00Z < +CGLA: 4,"6A88"`,
			"2026-11-30T10:00:00Z < OK",
			"2026-11-30T10:00:00Z > AT+CCHC=" + handle,
			"2026-11-30T10:00:00Z < OK",
		}
	}
	r := &Recording{Script: s, Lines: session("00000000038aa32f", "80E2910003BF2D00"), Manifest: Manifest{Personality: "sierra-em7511"}}
	if ds, err := Diff(r, session("000000000385a7cf", "80E2910003BF2D00")); err != nil || len(ds) != 0 {
		t.Errorf("two handles: %v %v", ds, err)
	}
	ds, err := Diff(r, session("000000000385a7cf", "80E2910003BF2E00"))
	if err != nil || len(ds) != 1 || !strings.Contains(ds[0].String(), "BF2E00") {
		t.Errorf("another APDU: %v %v", ds, err)
	}
}

// A draft from a recording of the emulator under its own personality shows
// no difference from it: what the dialect lacks (an A7600's +CCHO, whose
// test form answers ERROR too) is not taken for another quirk.
func TestDraftOfTheEmulatorItself(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "..", "fixtures", "recordings", "emulator-*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no recordings: %v", err)
	}
	for _, dir := range dirs {
		rec, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		y, err := Draft(rec, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(y, "shows no difference from the base") {
			t.Errorf("%s: the draft differs from its own personality:\n%s", filepath.Base(dir), y)
		}
	}
}

// A recording saved without its time (a program that builds the manifest
// itself) gets the present one, and loads: Load refuses a zero time. The
// time each command was given is kept as a duration people read.
func TestSaveStampsTheTime(t *testing.T) {
	dir := t.TempDir()
	script := []byte("name: s\nsteps:\n  - AT\n")
	if err := Save(dir, Manifest{Script: "s", Modem: "emulator", Personality: "generic", Timeout: 10 * time.Second}, script, []string{"> AT", "< OK"}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err != nil || !strings.Contains(string(b), "\ntimeout: 10s\n") {
		t.Fatalf("manifest %q %v: want timeout: 10s", b, err)
	}
	rec, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Manifest.Recorded.IsZero() || time.Since(rec.Manifest.Recorded) > time.Hour {
		t.Fatalf("recorded %v, want about now", rec.Manifest.Recorded)
	}
	if rec.Manifest.Timeout != 10*time.Second {
		t.Errorf("timeout %v, want 10s", rec.Manifest.Timeout)
	}
}

// A session saved into a directory removes the temporary files a session
// killed there before it was saved left (its staged capture above all),
// and only those of the recording's own names (re-tester t145 F6: a
// SIGKILLed lab record's .traffic.pcapng.tmp-* stayed for good).
func TestSaveSessionRemovesAKilledSessionsTemps(t *testing.T) {
	stale := []string{".traffic.pcapng.tmp-1395255752", ".at.log.tmp-42", ".manifest.yaml.tmp-7"}
	kept := []string{"notes.txt", ".other.pcapng.tmp-1", "traffic.pcapng.tmp-2"}
	for _, tc := range []struct {
		name    string
		capture bool // the session has a capture of its own (StageCapture)
	}{{"with a capture", true}, {"without", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range append(slices.Clone(stale), kept...) {
				if err := os.WriteFile(filepath.Join(dir, f), []byte("killed"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s := Session{Manifest: Manifest{Script: "s", Modem: "emulator", Personality: "generic"}, Script: []byte("name: s\nsteps:\n  - AT\n"), Lines: []string{"> AT", "< OK"}}
			if tc.capture {
				c, err := StageCapture(dir)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(c, []byte("this session's"), 0o644); err != nil {
					t.Fatal(err)
				}
				s.Capture = c
			}
			if err := SaveSession(dir, s); err != nil {
				t.Fatal(err)
			}
			for _, f := range stale {
				if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s stays (%v)", f, err)
				}
			}
			for _, f := range kept {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("%s, not the recording's, was removed: %v", f, err)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, CaptureFile))
			switch {
			case tc.capture && string(b) != "this session's":
				t.Errorf("traffic.pcapng %q %v, want the session's", b, err)
			case !tc.capture && !errors.Is(err, os.ErrNotExist):
				t.Errorf("traffic.pcapng %q %v, want none", b, err)
			}
			// Readable as the recording's other files are (the staged
			// file was once os.CreateTemp's 0600).
			if fi, err := os.Stat(filepath.Join(dir, CaptureFile)); tc.capture && (err != nil || fi.Mode().Perm() != 0o644) {
				t.Errorf("traffic.pcapng: %v %v, want mode 0644", fi.Mode(), err)
			}
		})
	}
}

// A conversation past the lines a Log keeps is not cut silently: the
// lines past the bound are counted, and the log ends saying so (outside
// tester sw128 F4).
func TestLogPastItsBoundSaysSo(t *testing.T) {
	for _, tc := range []struct {
		lines, dropped int
	}{
		{maxLogLines, 0},
		{maxLogLines + 7, 7},
	} {
		var l Log
		for i := 0; i < tc.lines; i++ {
			fmt.Fprintf(&l, "2026-01-01T00:00:00Z < +CEREG: 1\n")
		}
		lines := l.Lines()
		if got := l.Dropped(); got != tc.dropped {
			t.Errorf("%d lines: %d dropped, want %d", tc.lines, got, tc.dropped)
		}
		last := lines[len(lines)-1]
		if noted := strings.Contains(last, fmt.Sprintf("# %d line(s) past the %d kept were dropped: the recording is incomplete", tc.dropped, maxLogLines)); noted != (tc.dropped > 0) {
			t.Errorf("%d lines: last line %q", tc.lines, last)
		}
	}
}

// Every field Save writes, ParseManifest reads back: a field added to the
// one and not the other made every recording with it unreadable to lab
// diff and lab personality (outside tester sw130: no_identity "unknown
// field").
func TestManifestRoundTrip(t *testing.T) {
	m := Manifest{Script: "probe-es10", Modem: "/dev/ttyUSB2", Personality: "quectel-eg25", Identity: "EG25",
		NoIdentity: "the answer to AT+CGMM held no line that can be the model", Recorded: time.Date(2026, 11, 30, 17, 20, 37, 0, time.UTC),
		Timeout: 10 * time.Second, Scenario: "home-no-request", Accept: []Accept{{Line: 3, Reason: "r"}, {Pattern: "x", Reason: "s"}},
		Note: "EG25-G, R2.1", Incomplete: "the port went away", Cut: "step 3",
		RetriedUnder: "generic", Retried: "every ES10 step (3) was refused there too (the first: step 18 (es10 BF3E035C015A): AT+CCHO: +CME ERROR: 4 (operation not supported))",
		Drops: []string{"after step 2 (AT+CEREG?): port dropped at 2026-11-30T17:21:00Z, back at 2026-11-30T17:21:02Z, set up again"}}
	v := reflect.ValueOf(m)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("field %s left zero: the test must set every field", v.Type().Field(i).Name)
		}
	}
	dir := t.TempDir()
	if err := Save(dir, m, []byte("name: x\nsteps: [AT]\n"), []string{"AT"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseManifest(ManifestFile, b)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("read back %+v, %v\nwrote %+v", got, err, m)
	}
}

// What the recording shows of the way to the card and of its answers is
// drafted, and never the opposite (outside tester t72): a SIMCom-like
// module's +CCHO:1, +CGLA:4,"6115" and the host's own GET RESPONSE; a
// module that refuses every +CSIM of a csim_only base as a command it
// lacks is refused a draft on that base; a modem without its card leaves
// the way unexercised, not drafted csim_only.
func TestDraftAPDUPath(t *testing.T) {
	const open = `T > AT+CCHO="A0000005591010FFFFFFFF8900000100"`
	for _, tc := range []struct {
		name, base string
		lines      []string
		want, not  []string // in the draft (or, for an error, its message)
		err        bool
	}{
		{"SIMCom-like: no spaces, 61xx handed back", "generic", []string{
			"T > AT+CCHO=?", "T < OK",
			open, "T < +CCHO:1", "T < OK",
			`T > AT+CGLA=1,22,"80E2910006BF3E035C015A"`, `T < +CGLA:4,"6116"`, "T < OK",
			`T > AT+CGLA=1,10,"00C0000016"`, `T < +CGLA:48,"BF3E125A10890490320000010000000000000001719000"`, "T < OK",
			"T > AT+CCHC=1", "T < OK"},
			[]string{"ccho_no_space: true\n", "apdu_answer_no_space: true\n", "cgla_passes_61xx: true\n",
				`# - ccho_no_space: the +CCHO answer "+CCHO:1" (at.log:4)`,
				"# - cgla_passes_61xx: +CGLA hands the card's 6116 to the host (at.log:7)"},
			[]string{"csim_only"}, false},
		{"27.007's spaces, the modem fetches", "generic", []string{
			open, "T < +CCHO: 1", "T < OK",
			`T > AT+CGLA=1,22,"80E2910006BF3E035C015A"`, `T < +CGLA: 46,"BF3E125A10890490320000010000000000000001719000"`, "T < OK"},
			[]string{"shows no difference from the base"}, []string{"no_space", "61xx"}, false},
		{"+CSIM: no space", "simcom-a7600", []string{
			`T > AT+CSIM=10,"0070000001"`, `T < +CSIM:6,"019000"`, "T < OK"},
			[]string{"apdu_answer_no_space: true\n"}, []string{"cgla_passes_61xx"}, false},
		{"csim_only, every +CSIM refused, +CCHO=? OK", "simcom-a7600", []string{
			"T > AT+CCHO=?", "T < OK",
			`T > AT+CSIM=10,"0070000001"`, "T < +CME ERROR: 4",
			`T > AT+CSIM=10,"0070000001"`, "T < +CME ERROR: 4"},
			[]string{"simcom-a7600 reaches the card through +CSIM alone (csim_only), but the modem refused every +CSIM (at.log:4: +CME ERROR: 4); it answered AT+CCHO=? OK (at.log:2)", "record again with --personality generic"},
			nil, true},
		{"csim_only, no card", "simcom-a7600", []string{
			`T > AT+CSIM=10,"0070000001"`, "T < +CME ERROR: 10"},
			[]string{"# Not exercised: the card (every +CSIM answers +CME ERROR: 10, at.log:2)"}, []string{"csim_only"}, false},
		{"+CCHO, no card", "generic", []string{open, "T < +CME ERROR: 10"},
			[]string{"# Not exercised: the card (every +CCHO answers +CME ERROR: 10, at.log:2)"}, []string{"csim_only"}, false},
		// No way to the card seen to work is no way drafted (outside
		// tester t83 F4: csim_only from a +CCHO refusal alone, on a
		// module that refuses +CSIM too).
		{"+CCHO refused as unknown, no +CSIM tried", "generic", []string{open, "T < ERROR"},
			[]string{"draft: generic reaches the card through +CCHO/+CGLA, but the modem refused every +CCHO (at.log:2: ERROR), and no +CSIM in the recording worked: the recording shows no way to the card", "whether the modem has +CSIM, the recording does not show (lab record's # warning: at the end of at.log says what it found)"},
			[]string{"csim_only: true", "record again"}, true},
		{"+CCHO refused as unknown, +CSIM=? refused", "generic", []string{"T > AT+CSIM=?", "T < +CME ERROR: 4", open, "T < +CME ERROR: 4"},
			[]string{"refused every +CCHO (at.log:4: +CME ERROR: 4), and no +CSIM in the recording worked; it answered AT+CSIM=? +CME ERROR: 4 (at.log:2): the recording shows no way to the card"},
			[]string{"csim_only: true"}, true},
		{"a channel opened, every +CGLA refused as unknown (not ERROR)", "generic", []string{open, "T < +CCHO: 1", "T < OK",
			`T > AT+CGLA=1,22,"80E2910006BF3E035C015A"`, "T < +CME ERROR: 3"},
			[]string{"draft: generic reaches the card through +CCHO/+CGLA, but the modem refused every +CGLA (at.log:5: +CME ERROR: 3), and no +CSIM in the recording worked"},
			[]string{"csim_only: true"}, true},
		{"+CCHO refused as unknown, a +CSIM worked", "generic", []string{open, "T < ERROR",
			`T > AT+CSIM=10,"0070000001"`, `T < +CSIM: 6,"019000"`, "T < OK"},
			[]string{"csim_only: true\n", "# - csim_only: +CCHO answers ERROR (at.log:2), +CSIM answers OK (at.log:5)"}, []string{"Not exercised: the card"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rec(t, tc.lines...)
			r.Manifest.Personality, r.Dir = tc.base, "rec"
			y, err := Draft(r, "x")
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want one: %v\n%s", err, tc.err, y)
			}
			if err != nil {
				y = err.Error()
			} else if _, perr := personality.Parse("x.yaml", []byte(y)); perr != nil {
				t.Fatalf("draft does not parse: %v\n%s", perr, y)
			}
			for _, w := range tc.want {
				if !strings.Contains(y, w) {
					t.Errorf("no %q in:\n%s", w, y)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(y, n) {
					t.Errorf("%q in:\n%s", n, y)
				}
			}
		})
	}
}

// A recording whose script was recorded again over the other way to the
// card (retried_under, retry.log): the draft says what each way
// answered, and advises no retry the recording already holds — when the
// modem refused both ways, there is no draft, on either base (outside
// tester t83 F4: "record again with --personality generic" after
// exactly that, and csim_only drafted from the generic attempt).
func TestDraftAfterARetry(t *testing.T) {
	const open = `T > AT+CCHO="A0000005591010FFFFFFFF8900000100"`
	const csim = `T > AT+CSIM=10,"0070000001"`
	for _, tc := range []struct {
		name, base, under, retried string
		lines, retry               []string
		want, not                  []string
	}{
		{"+CSIM refused, then +CCHO refused", "simcom-a7600", "generic", "every ES10 step (3) was refused there too",
			[]string{"T > AT+CCHO=?", "T < OK", csim, "T < +CME ERROR: 4"},
			[]string{"T > AT+CCHO=?", "T < OK", open, "T < +CME ERROR: 4"},
			[]string{"draft: simcom-a7600 reaches the card through +CSIM alone (csim_only), but the modem refused every +CSIM (at.log:4: +CME ERROR: 4); recorded again under generic, it refused every +CCHO too (retry.log:4: +CME ERROR: 4): neither way reaches the card"},
			[]string{"record again with --personality", "csim_only: true", "may have"}},
		{"+CCHO refused, then +CSIM refused", "generic", "simcom-a7600", "every ES10 step (3) was refused there too",
			[]string{open, "T < ERROR"},
			[]string{csim, "T < ERROR"},
			[]string{"draft: generic reaches the card through +CCHO/+CGLA, but the modem refused every +CCHO (at.log:2: ERROR), and no +CSIM in the recording worked; recorded again under simcom-a7600, it refused every +CSIM too (retry.log:2: ERROR): neither way reaches the card"},
			[]string{"record again with --personality", "csim_only: true"}},
		{"+CSIM refused, then +CGLA refused", "simcom-a7600", "generic", "every ES10 step (3) was refused there too",
			[]string{"T > AT+CCHO=?", "T < OK", csim, "T < +CME ERROR: 4"},
			[]string{open, "T < +CCHO:1", "T < OK", `T > AT+CGLA=1,22,"80E2910006BF3E035C015A"`, "T < +CME ERROR: 3"},
			[]string{"recorded again under generic, it refused every +CGLA too (retry.log:5: +CME ERROR: 3): neither way reaches the card"},
			[]string{"record again with --personality", "csim_only: true"}},
		{"+CSIM refused, the retry not whole", "simcom-a7600", "generic", "the recording is not whole: step 18 (es10 BF3E035C015A): timed out",
			[]string{"T > AT+CCHO=?", "T < OK", csim, "T < +CME ERROR: 4"},
			[]string{open, "T < +CCHO: 1", "T < OK", `T > AT+CGLA=1,22,"80E2910006BF3E035C015A"`},
			[]string{"refused every +CSIM (at.log:4: +CME ERROR: 4); recorded again under generic, the recording is not whole: step 18 (es10 BF3E035C015A): timed out (retry.log): the recording shows no way to the card", "; record again with --personality generic (+CCHO/+CGLA)"},
			[]string{"neither way", "csim_only: true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rec(t, tc.lines...)
			r.Manifest.Personality, r.Dir = tc.base, "rec"
			r.Manifest.RetriedUnder, r.Manifest.Retried, r.RetryLines = tc.under, tc.retried, tc.retry
			y, err := Draft(r, "x")
			if err == nil {
				t.Fatalf("drafted:\n%s", y)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("no %q in:\n%v", w, err)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("%q in:\n%v", n, err)
				}
			}
		})
	}
}

// retry.log goes with the manifest that names it: Load reads it (and
// refuses a manifest naming one that is not there), and Save removes an
// earlier recording's.
func TestRetryLogKeptWithItsManifest(t *testing.T) {
	script := []byte("name: x\nsteps: [AT]\n")
	for _, tc := range []struct {
		name    string
		under   string
		retry   []string // nil: none
		want    []string // RetryLines after Load
		wantErr string
	}{
		{"a retry kept", "generic", []string{"T > AT+CCHO=\"A0\"", "T < +CME ERROR: 4"}, []string{"T > AT+CCHO=\"A0\"", "T < +CME ERROR: 4"}, ""},
		{"no retry: an earlier one's retry.log removed", "", nil, nil, ""},
		{"named, not there", "generic", nil, nil, "the manifest's retried_under: generic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// An earlier recording's retry in the directory.
			if err := os.WriteFile(filepath.Join(dir, RetryLogFile), []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			m := Manifest{Script: "x", Modem: "m", Personality: "simcom-a7600", RetriedUnder: tc.under, Retried: "refused there too"}
			if err := SaveSession(dir, Session{Manifest: m, Script: script, Lines: []string{"T > AT", "T < OK"}, Retry: tc.retry}); err != nil {
				t.Fatal(err)
			}
			r, err := Load(dir)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Load: %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !reflect.DeepEqual(r.RetryLines, tc.want):
				t.Errorf("retry lines %q, want %q", r.RetryLines, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, RetryLogFile)); (err == nil) != (tc.retry != nil) {
				t.Errorf("retry.log there: %v, want %v", err == nil, tc.retry != nil)
			}
		})
	}
}

// A restart command the script sent: answered OK, the draft adds it to
// the base's vendor_restarts (a Telit's AT#REBOOT recorded over generic);
// refused with ERROR, it drops the base's (AT!RESET on a modem recorded
// over sierra-em7511 that lacks it). The default probe sends none, and
// a draft from it keeps the base's.
func TestDraftVendorRestarts(t *testing.T) {
	for _, tc := range []struct {
		base  string
		lines []string
		want  []string
	}{
		{"generic", []string{"T > AT#REBOOT", "T < OK"}, []string{"AT#REBOOT"}},
		{"sierra-em7511", []string{"T > AT!RESET", "T < ERROR"}, nil},
		{"sierra-em7511", []string{"T > AT!RESET", "T < OK"}, []string{"AT!RESET"}},
		{"ublox-sara-r5", []string{"T > AT+CSQ", "T < +CSQ: 20,99", "T < OK"}, []string{"AT+CFUN=16"}},
	} {
		r := rec(t, tc.lines...)
		r.Manifest.Personality, r.Dir = tc.base, "rec"
		y, err := Draft(r, "x")
		if err != nil {
			t.Fatal(err)
		}
		p, err := personality.Parse("x.yaml", []byte(y))
		if err != nil {
			t.Fatalf("%v:\n%s", err, y)
		}
		if !slices.Equal(p.VendorRestarts, tc.want) {
			t.Errorf("%s %q: vendor_restarts %q, want %q:\n%s", tc.base, tc.lines, p.VendorRestarts, tc.want, y)
		}
	}
}

// TestDraftICCIDFiller: the F after a 19-digit ICCID, as the command the
// draft reads the ICCID with prints it, drafts iccid_filler where the
// base differs; another ICCID command's answer says nothing, nor does a
// 20-digit ICCID.
func TestDraftICCIDFiller(t *testing.T) {
	for _, tc := range []struct {
		name, base string
		lines      []string
		want       string // the draft's field line, "" for none
	}{
		{"F over generic", "generic", []string{"T > AT+CCID", "T < +CCID: 8933101234567890121F", "T < OK"}, "iccid_filler: keep"},
		{"no F over quectel-eg25", "quectel-eg25", []string{"T > AT+QCCID", "T < +QCCID: 8933101234567890121", "T < OK"}, "iccid_filler: strip"},
		{"F over fibocom-l850", "fibocom-l850", []string{"T > AT+CCID", "T < +CCID: 8933101234567890121F", "T < OK"}, ""},
		{"no F over generic", "generic", []string{"T > AT+CCID", "T < +CCID: 8933101234567890121", "T < OK"}, ""},
		{"20 digits", "quectel-eg25", []string{"T > AT+QCCID", "T < +QCCID: 89330100000000000012", "T < OK"}, ""},
		// An EG25 answers AT+CCID too: its own AT+QCCID speaks.
		{"the base's command speaks", "quectel-eg25", []string{"T > AT+CCID", "T < +CCID: 8933101234567890121", "T < OK",
			"T > AT+QCCID", "T < +QCCID: 8933101234567890121F", "T < OK"}, ""},
		{"the command drafted speaks", "generic", []string{"T > AT+CCID", "T < ERROR",
			"T > AT!ICCID?", "T < !ICCID: 8933101234567890121F", "T < OK", "T > AT+QCCID", "T < +QCCID: 8933101234567890121", "T < OK"}, "iccid_filler: keep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rec(t, tc.lines...)
			r.Manifest.Personality = tc.base
			y, err := Draft(r, "x")
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" && strings.Contains(y, "iccid_filler") || tc.want != "" && !strings.Contains(y, "\n"+tc.want+"\n") {
				t.Errorf("want %q, draft:\n%s", tc.want, y)
			}
			p, err := personality.Parse("x.yaml", []byte(y))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && p.ICCIDFiller != strings.TrimPrefix(tc.want, "iccid_filler: ") {
				t.Errorf("parsed iccid_filler %q", p.ICCIDFiller)
			}
		})
	}
}
