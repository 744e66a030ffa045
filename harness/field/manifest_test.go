package field

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodManifest = `name: demo
source: "lpac chip info from a ticket"
logs:
  - {file: lpac.log, format: lpac}
  - {file: mm.log, port: ttyUSB3}
device:
  personality: quectel-eg25
  quirks: {cgla_max_apdu: 64}
  eid: "89049032003850000000000003304519"
  check_interval: 30m
  attach_wait: 30s
  free_nvm: 20000
  profiles:
    - {iccid: "89860000120033188902", operator: cmcc, imsi: "460001234567890", enabled: true}
    - {iccid: "89331000006044180016", operator: sfr}
network:
  operators: [{id: cmcc, plmn: "46000", country: CN}]
volatile: [eid, {name: ts, pattern: '\d{2}:\d{2}'}]
expected: "the download goes through"
failure: {log: lpac.log, line: 12, what: "ERROR"}
expect: fixed
seed: 7
`

func TestParseManifest(t *testing.T) {
	m, err := ParseManifest("demo/manifest.yaml", []byte(goodManifest))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "demo" || m.Expect != Fixed || m.Seed != 7 || len(m.Logs) != 2 {
		t.Fatalf("manifest: %+v", m)
	}
	if m.Logs[0].Format != "lpac" || m.Logs[1].Format != "" || m.Logs[1].Port != "ttyUSB3" {
		t.Errorf("logs: %+v", m.Logs)
	}
	d := m.Device
	if d.CheckInterval != 30*time.Minute || d.AttachWait != 30*time.Second || d.FreeNVM != 20000 || d.Quirks == nil {
		t.Errorf("device: %+v", d)
	}
	if len(d.Profiles) != 2 || !d.Profiles[0].Enabled || d.Profiles[0].IMSI != "460001234567890" || d.Profiles[1].Enabled {
		t.Errorf("profiles: %+v", d.Profiles)
	}
	if m.Failure.Log != "lpac.log" || m.Failure.Line != 12 {
		t.Errorf("failure: %+v", m.Failure)
	}
	if m.Network == nil || m.Platform != nil {
		t.Errorf("sections: network %v platform %v", m.Network, m.Platform)
	}
	masks := m.Masks()
	if len(masks) != 2 || masks[0].Name != "eid" || masks[1].Name != "ts" {
		t.Fatalf("masks: %v", masks)
	}
	if got := masks.Apply("at 12:34 by 89049032003850000000000003304519"); strings.Contains(got, "12:34") || strings.Contains(got, "8904903200") {
		t.Errorf("masked: %q", got)
	}
	if n := m.Node("device.eid"); n == nil || n.Line != 9 {
		t.Errorf("Node(device.eid) = %v", n)
	}
}

// A fixture's seed reads as a scenario's seed: and esimhil's --seed (t197):
// fmt.Sscan made 010 octal 8.
func TestManifestSeedAsScenario(t *testing.T) {
	for seed, want := range map[string]int64{"010": 10, "0x10": 16, `"12"`: 12} {
		m, err := ParseManifest("demo/manifest.yaml", []byte(strings.Replace(goodManifest, "seed: 7", "seed: "+seed, 1)))
		if err != nil || m.Seed != want {
			t.Errorf("seed: %s = %d, %v; want %d", seed, m.Seed, err, want)
		}
	}
}

// TestManifestErrors: every bad field is named with its line, column and
// path, and nothing past the first error is reported.
func TestManifestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"unknown field", "seed: 7", "sed: 7", "demo/manifest.yaml:22:1: sed: unknown field (known: check, device, expect, expected, failure, faults, itinerary, logs, name, network, platform, scenario, seed, signal, source, volatile)"},
		{"field twice", "seed: 7", "seed: 7\nseed: 8", "demo/manifest.yaml:23:1: seed: given twice"},
		{"required missing", "expected: \"the download goes through\"\n", "", "demo/manifest.yaml:1:1: expected: required field missing"},
		{"bad expect", "expect: fixed", "expect: works", `demo/manifest.yaml:21:9: expect: "works": want reproduces or fixed`},
		{"bad name", "name: demo", "name: Demo Fixture", `demo/manifest.yaml:1:7: name: "Demo Fixture": character 1, 'D', is outside the set; want lower-case letters`},
		{"blank expected", `expected: "the download goes through"`, `expected: "  "`, "demo/manifest.yaml:19:11: expected: empty: say it in words"},
		{"blank source", `source: "lpac chip info from a ticket"`, `source: ""`, "demo/manifest.yaml:2:9: source: empty: say it in words"},
		{"blank failure", `what: "ERROR"`, `what: ""`, "demo/manifest.yaml:20:42: failure.what: empty: say it in words"},
		{"bad seed", "seed: 7", "seed: -1", `demo/manifest.yaml:22:7: seed: want a non-negative integer, got "-1"`},
		{"seed with a tail", "seed: 7", "seed: 10abc", `demo/manifest.yaml:22:7: seed: want a non-negative integer, got "10abc"`},
		{"no logs", "logs:\n  - {file: lpac.log, format: lpac}\n  - {file: mm.log, port: ttyUSB3}", "logs: []", "demo/manifest.yaml:3:7: logs: want a list of 1 to 8 logs"},
		{"log in another directory", "file: mm.log", "file: ../mm.log", `demo/manifest.yaml:5:5: logs[1].file: "../mm.log": want a file name in the fixture's directory`},
		{"log file a number", "file: mm.log", "file: 5", "demo/manifest.yaml:5:12: logs[1].file: want a file name, got 5"},
		{"log twice", "file: mm.log", "file: lpac.log", `demo/manifest.yaml:5:5: logs[1].file: "lpac.log" listed twice`},
		{"unknown format", "format: lpac", "format: minicom", `demo/manifest.yaml:4:30: logs[0].format: "minicom": want one of atlog, lpac, mm, socat, strace, jpnevulator, docklight, ewf, atparser, mbed, sscom, qcom, logcat, gammu, ofono, luat, chat, zephyr, espidf, mmcli, gsmmodem, shx, plain, terminal, platform, events`},
		{"unknown personality", "personality: quectel-eg25", "personality: nokia-3310", `demo/manifest.yaml:7:16: device.personality: unknown personality "nokia-3310" (known: `},
		{"bad quirk", "cgla_max_apdu: 64", "cgla_max_apdu: 3", "demo/manifest.yaml:8:27: device.quirks.cgla_max_apdu: want 5..261 bytes"},
		{"quirk not a number", "cgla_max_apdu: 64", `cgla_max_apdu: "sixty-four"`, `demo/manifest.yaml:8:27: device.quirks.cgla_max_apdu: want a number, got "sixty-four"`},
		{"quirk not a bool", "cgla_max_apdu: 64", "cgla_refused: sometimes", `demo/manifest.yaml:8:26: device.quirks.cgla_refused: want true or false, got "sometimes"`},
		{"unknown quirk", "cgla_max_apdu: 64", "cgla_limit: 64", `demo/manifest.yaml:8:12: device.quirks.cgla_limit: not a personality field (README, "Modem personalities")`},
		{"a quirk's timeout", "cgla_max_apdu: 64", "timeouts: {restart: 0s}", `demo/manifest.yaml:8:32: device.quirks.timeouts.restart: want a duration of more than 0, got "0s"`},
		{"a quirk's list item", "cgla_max_apdu: 64", "boot_urcs: [RDY, [x]]", "demo/manifest.yaml:8:29: device.quirks.boot_urcs[1]: want a one-line string, got a list"},
		{"quirks a list", "quirks: {cgla_max_apdu: 64}", "quirks: [cgla_max_apdu]", "demo/manifest.yaml:8:11: device.quirks: want a mapping of personality fields"},
		{"bad EID", `eid: "89049032003850000000000003304519"`, `eid: "89049032003850000000000003304518"`, `demo/manifest.yaml:9:8: device.eid: "89049032003850000000000003304518": want 32 digits whose last two are the MOD 97-10 check digits`},
		{"bad duration", "check_interval: 30m", "check_interval: half an hour", `demo/manifest.yaml:10:19: device.check_interval: want a duration like 90s, 5m or 1h30m, got "half an hour"`},
		{"negative duration", "attach_wait: 30s", "attach_wait: -30s", `demo/manifest.yaml:11:16: device.attach_wait: want a duration of more than 0, got "-30s"`},
		{"a dialect field under device", "free_nvm: 20000", "card_back_urcs: [\"+CPIN: READY\"]", "demo/manifest.yaml:12:3: device.card_back_urcs: a field of the modem's dialect: give it under device.quirks"},
		{"bad free_nvm", "free_nvm: 20000", "free_nvm: lots", `demo/manifest.yaml:12:13: device.free_nvm: want a number of bytes, got "lots"`},
		{"bad ICCID", `"89331000006044180016"`, `"8933100000604418001Z"`, `demo/manifest.yaml:15:15: device.profiles[1].iccid: "8933100000604418001Z": want the ICCID as the card reports it, 18-20 digits`},
		{"short ICCID", `"89331000006044180016"`, `"8933100000604418"`, `demo/manifest.yaml:15:15: device.profiles[1].iccid: "8933100000604418": want the ICCID as the card reports it, 18-20 digits`},
		{"bad IMSI", `imsi: "460001234567890"`, `imsi: "46000-1234"`, `demo/manifest.yaml:14:61: device.profiles[0].imsi: "46000-1234": want 6-15 digits`},
		{"bad enabled", "enabled: true", "enabled: yes please", `demo/manifest.yaml:14:89: device.profiles[0].enabled: want true or false, got "yes please"`},
		{"profile without operator", `, operator: sfr}`, `}`, "demo/manifest.yaml:15:7: device.profiles[1].operator: required field missing"},
		{"unknown mask", "volatile: [eid,", "volatile: [eyed,", `demo/manifest.yaml:18:12: volatile[0]: unknown mask "eyed" (built in: cell, challenge, eid, iccid, imsi, operator, rsrq, session, signal; or give {name, pattern})`},
		{"bad mask pattern", `pattern: '\d{2}:\d{2}'`, `pattern: '(\d'`, "demo/manifest.yaml:18:17: volatile[1]: pattern: error parsing regexp"},
		{"failure in no log", "{log: lpac.log, line: 12", "{log: other.log, line: 12", `demo/manifest.yaml:20:10: failure.log: "other.log" is not one of the fixture's logs`},
		{"bad failure line", "line: 12", "line: 0", `demo/manifest.yaml:20:32: failure.line: want a line number of the log, got "0"`},
		{"scenario with world", "seed: 7", "seed: 7\nscenario: case.yaml", "demo/manifest.yaml:23:11: scenario: a whole scenario file leaves no room for network"},
		{"string wanted", `source: "lpac chip info from a ticket"`, "source: [a, b]", "demo/manifest.yaml:2:9: source: want a string"},
		{"not a mapping", goodManifest, "- a\n- b\n", "demo/manifest.yaml:1: want a mapping of manifest fields"},
		{"empty", goodManifest, "", "demo/manifest.yaml: the manifest is empty: want a mapping of manifest fields"},
		{"only comments", goodManifest, "# to do\n", "demo/manifest.yaml: the manifest is empty"},
		{"two documents", "seed: 7", "seed: 7\n---\nname: other", "demo/manifest.yaml:23:1: a second YAML document starts here"},
		// go.yaml.in/yaml/v3 reports this on the line before the one at
		// fault (its mark's, counted from 0); yamlnode.Explain finds it.
		{"bad YAML", "seed: 7", "seed: [7", "demo/manifest.yaml:22:7: YAML syntax: did not find expected ',' or ']': the [ here is not closed before the file ends"},
		{"tabs", "seed: 7", "\tseed: 7", "demo/manifest.yaml:22:1: YAML syntax: a tab in the indentation: YAML indents with spaces only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(goodManifest, tc.old, tc.new, 1)
			if src == goodManifest {
				t.Fatalf("edit %q did not apply", tc.old)
			}
			_, err := ParseManifest("demo/manifest.yaml", []byte(src))
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *field.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n  %s\nwant prefix\n  %s", err, tc.want)
			}
		})
	}
}

func TestLoadManifest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadManifest(dir); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing manifest: %v", err)
	}
	path := filepath.Join(dir, ManifestFile)
	if err := os.WriteFile(path, []byte(goodManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	// The logs it lists must be there: the first missing one is named.
	if _, err := LoadManifest(dir); err == nil || !strings.HasSuffix(err.Error(), `manifest.yaml:4:12: logs[0].file: "lpac.log": no such file in the fixture's directory, which holds no log`) {
		t.Errorf("missing logs: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lpac.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadManifest(dir); err == nil || !strings.HasSuffix(err.Error(), `manifest.yaml:5:12: logs[1].file: "mm.log": no such file in the fixture's directory (it holds lpac.log)`) {
		t.Errorf("a missing log: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mm.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadManifest(dir); err != nil {
		t.Errorf("good manifest: %v", err)
	}
	big := goodManifest + "# " + strings.Repeat("x", maxManifest) + "\n"
	if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadManifest(dir); err == nil || !strings.Contains(err.Error(), "bytes, at most") {
		t.Errorf("oversized manifest: %v", err)
	}
}

// FuzzManifest: any input either parses or fails with a *field.Error
// naming the file; never a panic.
func FuzzManifest(f *testing.F) {
	f.Add([]byte(goodManifest))
	f.Add([]byte("name: x\n"))
	f.Add([]byte("logs: [{file: a}]\nfailure: {log: a, line: 1, what: b}\n"))
	f.Add([]byte("&a [*a, *a]"))
	f.Add([]byte("device: {personality: generic, quirks: {test_answers: {a: b}}}"))
	for _, p := range []string{"bg95-bare-cchc", "refresh-ignored-until-reset"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "field", p, ManifestFile)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest("m.yaml", data)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.File != "m.yaml" {
				t.Fatalf("error %v (%T) does not name the file", err, err)
			}
			return
		}
		if m.Expect != Reproduces && m.Expect != Fixed {
			t.Fatalf("accepted expect %q", m.Expect)
		}
	})
}
