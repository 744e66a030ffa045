package fleet

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A bad template is refused at the line and column of what is wrong,
// naming the field as the file spells it, in the template's words —
// never the YAML library's Go types. Load refuses what has the wrong
// type or shape; Validate what is out of range, at the same place.
func TestTemplateErrors(t *testing.T) {
	base, err := filepath.Abs("../../fixtures/scenarios/roam-fr-preinstalled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// head is three lines; what a case adds starts on line 4.
	head := "scenario: " + base + "\ndevices: 2\narrive_within: 1m\n"
	tests := []struct {
		name, text string
		validate   bool // the error is Validate's, after a clean Load
		want       string
	}{
		{"empty", "# nothing\n", false,
			"storm.yaml: empty fleet template (it needs at least scenario and devices)"},
		{"not a mapping", "- devices: 2\n", false,
			"storm.yaml:1:1: want a mapping, got a list"},
		{"unknown field", head + "colour: red\n", false,
			"storm.yaml:4:1: colour: unknown field (the fields: name, scenario, devices, arrive_within, dwell, ptys, seed, mix)"},
		{"key given twice", head + "devices: 3\n", false,
			"storm.yaml:4:1: devices: given twice"},
		{"a key that is a list", head + "[a]: 1\n", false,
			"storm.yaml:4:1: want field names, got a list"},
		{"devices a word", "scenario: x\ndevices: lots\n", false,
			`storm.yaml:2:10: devices: want a whole number, got "lots"`},
		{"devices a fraction", "scenario: x\ndevices: 1.5\n", false,
			`storm.yaml:2:10: devices: want a whole number, got "1.5"`},
		{"devices a list", "scenario: x\ndevices: [1, 2]\n", false,
			"storm.yaml:2:10: devices: want a whole number, got a list"},
		{"devices beyond 64 bits", "scenario: x\ndevices: 99999999999999999999\n", false,
			`storm.yaml:2:10: devices: want a whole number, got "99999999999999999999"`},
		{"seed a word", head + "seed: abc\n", false,
			`storm.yaml:4:7: seed: want a whole number (decimal, 0x… hex or 0o… octal, as a scenario's seed), got "abc"`},
		{"seed in binary", head + "seed: 0b11\n", false,
			`storm.yaml:4:7: seed: want a whole number (decimal, 0x… hex or 0o… octal, as a scenario's seed), got "0b11"`},
		{"name a mapping", head + "name: {a: 1}\n", false,
			"storm.yaml:4:7: name: want a string, got a mapping"},
		{"window without a unit", "scenario: x\narrive_within: 10\n", false,
			`storm.yaml:2:16: arrive_within: want a duration like 90s, 5m or 1h30m, got "10"`},
		{"dwell empty", head + "dwell:\n", false,
			"storm.yaml:4:7: dwell: want a duration like 90s, 5m or 1h30m, got nothing"},
		{"mix a word", head + "mix: lots\n", false,
			`storm.yaml:4:6: mix: want a list, got "lots"`},
		{"mix empty", head + "mix:\n", false,
			"storm.yaml:4:5: mix: want a list, got nothing"},
		{"a share that is a word", head + "mix:\n  - {share: 1, kind: preinstalled}\n  - {share: lots, kind: download}\n", false,
			`storm.yaml:6:13: mix[1].share: want a whole number, got "lots"`},
		{"a part that is a word", head + "mix:\n  - preinstalled\n", false,
			`storm.yaml:5:5: mix[0]: want a mapping, got "preinstalled"`},
		{"a part's unknown field", head + "mix:\n  - {share: 1, kind: download, fault: x}\n", false,
			"storm.yaml:5:32: mix[0].fault: unknown field (the fields: share, kind, card_fault, attach_reject)"},
		{"a part without a share", head + "mix:\n  - kind: download\n", false,
			"storm.yaml:5:5: mix[0].share: required field missing"},
		{"a part's field twice", head + "mix:\n  - {share: 1, kind: download, share: 2}\n", false,
			"storm.yaml:5:32: mix[0].share: given twice"},
		{"an alias for a number", "scenario: x\ndevices: &n 2\nptys: *n\n", false,
			"storm.yaml:2:10: YAML syntax: anchor &n: anchors and aliases are not supported (write each value out)"},
		{"an alias for a part", head + "mix:\n  - &p {share: 1, kind: download}\n  - *p\n", false,
			"storm.yaml:5:5: YAML syntax: anchor &p: anchors and aliases are not supported (write each value out)"},
		{"a second document", head + "---\ndevices: 3\n", false,
			"storm.yaml:4:1: a second YAML document starts here: one template per file"},
		{"YAML syntax", head + "dwell: 1m: 2m\n", false,
			"storm.yaml:4: YAML syntax: mapping values are not allowed in this context"},
		{"no scenario", "devices: 2\n", false,
			"storm.yaml:1:1: scenario: required (the base scenario file)"},
		{"an empty scenario", "scenario: ''\ndevices: 2\n", false,
			"storm.yaml:1:11: scenario: required (the base scenario file)"},
		{"a scenario that is not there", "scenario: nowhere.yaml\n", false,
			"storm.yaml:1:11: scenario: the base scenario cannot be read: open nowhere.yaml: no such file or directory"},
		{"0 devices", "scenario: " + base + "\ndevices: 0\narrive_within: 1m\n", true,
			"storm.yaml:2:10: devices: 0: a fleet needs at least one device"},
		{"no arrive_within", "scenario: " + base + "\ndevices: 2\n", true,
			"storm.yaml:1:1: arrive_within: required (the window the devices arrive within, such as arrive_within: 10m (1s for an instant storm), or give it on the command line)"},
		{"no devices, and a bad share: both named, no flag", "scenario: " + base + "\narrive_within: 1m\nmix:\n  - {share: 0, kind: preinstalled}\n", true,
			"storm.yaml:1:1: devices: required (how many devices, such as devices: 200, or give it on the command line)\nstorm.yaml:4:13: mix[0].share: 0: want more than 0"},
		{"a name its devices' scenarios outgrow", head + "name: " + strings.Repeat("n", 99) + "\n", true,
			`storm.yaml:4:7: name: 99 characters: the last device's scenario, <name>-1, would have 101, more than a scenario name's 100`},
		{"an empty name", head + "name: \"\"\n", true,
			`storm.yaml:4:7: name: must not be empty (leave it out for the base scenario's name)`},
		{"a name leaving its directory", head + "name: ../evil\n", true,
			`storm.yaml:4:7: name: "../evil": want one path element of letters, digits, '.', '_' and '-', not starting with '.' (it names the artifacts directory)`},
		{"dwell 0", head + "dwell: 0s\n", true,
			"storm.yaml:4:8: dwell: 0s: want more than 0 and at most 168h0m0s (leave it out for 30m0s)"},
		{"a window of years", "scenario: " + base + "\ndevices: 2\narrive_within: 100000h\n", true,
			"storm.yaml:3:16: arrive_within: 100000h0m0s: at most 744h0m0s (31 days, as a scenario's run)"},
		{"shares past their bound", head + "mix:\n  - {share: 3, kind: preinstalled}\n  - {share: 9223372036854775805, kind: preinstalled}\n", true,
			"storm.yaml:6:13: mix[1].share: 9223372036854775805: the shares would add up to more than 1000000000"},
		{"an unknown kind", head + "mix:\n  - {share: 1, kind: teleport}\n", true,
			`storm.yaml:5:22: mix[0].kind: "teleport": want preinstalled or download`},
		{"an impossible cause", head + "mix:\n  - {share: 1, kind: preinstalled, attach_reject: 300}\n", true,
			"storm.yaml:5:51: mix[0].attach_reject: 300: an EMM cause is 1..255"},
		{"cause 0 (given, not left out)", head + "mix:\n  - {share: 1, kind: preinstalled}\n  - {share: 1, kind: preinstalled, attach_reject: 0}\n", true,
			"storm.yaml:6:51: mix[1].attach_reject: 0: an EMM cause is 1..255"},
		{"a negative cause", head + "mix:\n  - {share: 1, kind: preinstalled, attach_reject: -1}\n", true,
			"storm.yaml:5:51: mix[0].attach_reject: -1: an EMM cause is 1..255"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "storm.yaml")
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			tp, err := Load(p)
			if tc.validate {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				err = tp.Validate(NoPTYLimit)
			}
			if err == nil {
				t.Fatalf("taken, want %q", tc.want)
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if got != tc.want {
				t.Errorf("error\n  %s\nwant\n  %s", got, tc.want)
			}
			for _, leak := range []string{"Go struct", "!!", "fleet.", "[]", "map[", "unmarshal"} {
				if strings.Contains(got, leak) {
					t.Errorf("error %q speaks of Go or the YAML library (%q)", got, leak)
				}
			}
		})
	}
}

// A value a flag replaced is not the file's: its refusal names the
// flag as typed, and no line of the template — even when the flag's value
// is its default, or the one the file gives. A value no flag replaced
// keeps its line.
func TestTemplateFlagErrorsAreNotLocated(t *testing.T) {
	base, err := filepath.Abs("../../fixtures/scenarios/roam-fr-preinstalled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		name, text string
		flags      Flags
		want       string
	}{
		{"a flag at its default over the file's value", "devices: 2\n", Flags{Devices: ptr(0)},
			"--devices 0: a fleet needs at least one device"},
		{"a flag equal to the file's value", "devices: 0\n", Flags{Devices: ptr(0)},
			"--devices 0: a fleet needs at least one device"},
		{"a dwell flag equal to the file's", "devices: 2\ndwell: 0s\n", Flags{Dwell: ptr(time.Duration(0))},
			"--dwell 0s: want more than 0 and at most 168h0m0s (leave it out for 30m0s)"},
		{"no flag: the file's line", "devices: 0\n", Flags{},
			"storm.yaml:3:10: devices: 0: a fleet needs at least one device"},
		{"another flag: the file's line", "devices: 0\n", Flags{PTYs: ptr(0)},
			"storm.yaml:3:10: devices: 0: a fleet needs at least one device"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "storm.yaml")
			if err := os.WriteFile(p, []byte("scenario: "+base+"\narrive_within: 1m\n"+tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			tp, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			tp.Override(tc.flags)
			err = tp.Validate(NoPTYLimit)
			if err == nil || strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "") != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// The flags given replace the template's values, whatever they are.
func TestOverride(t *testing.T) {
	tp, err := Load("../../fixtures/fleet/storm-fr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tp.Override(Flags{Devices: ptr(7), Seed: ptr(int64(0)), Dwell: ptr(time.Minute)})
	if tp.Devices != 7 || tp.Seed != 0 || tp.Dwell != Duration(time.Minute) || tp.PTYs != 0 || tp.Mix[0].Share != 14 {
		t.Errorf("devices %d seed %d dwell %v ptys %d", tp.Devices, tp.Seed, time.Duration(tp.Dwell), tp.PTYs)
	}
}

func ptr[T any](v T) *T { return &v }

// A template that gives no seed takes its base scenario's, the seed
// `esimhil serve --scenario` of that file uses by default too (its test
// CI, which an external platform must be issued by); one that gives a
// seed keeps it, 0 included; a --seed flag has the last word.
func TestSeedDefaultsToTheBaseScenarios(t *testing.T) {
	orig, err := os.ReadFile("../../fixtures/scenarios/roam-fr-preinstalled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// seed 7: not 1 (a default of its own) nor 0 (Go's zero).
	based := strings.Replace(string(orig), "\nseed: 1\n", "\nseed: 7\n", 1)
	if based == string(orig) {
		t.Fatal("the base scenario has no seed: 1 line to change")
	}
	base := filepath.Join(dir, "base.yaml")
	if err := os.WriteFile(base, []byte(based), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text string
		flags      Flags
		want       int64
	}{
		{"left out", "", Flags{}, 7},
		{"given", "seed: 3\n", Flags{}, 3},
		{"given as 0", "seed: 0\n", Flags{}, 0},
		// As a scenario's seed: and --seed (t197): 010 is ten, not octal.
		{"given as 010", "seed: 010\n", Flags{}, 10},
		{"given in hex", "seed: 0x10\n", Flags{}, 16},
		{"left out, a flag given", "", Flags{Seed: ptr(int64(0))}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "storm.yaml")
			if err := os.WriteFile(p, []byte("scenario: base.yaml\ndevices: 2\narrive_within: 1m\n"+tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			tp, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			tp.Override(tc.flags)
			if err := tp.Validate(NoPTYLimit); err != nil {
				t.Fatal(err)
			}
			if tp.Seed != tc.want {
				t.Errorf("seed %d, want %d", tp.Seed, tc.want)
			}
		})
	}
}

// A base scenario's signal plan and faults are refused, each at its line
// in the base scenario and saying the fleet does not apply it: dropped
// without a word, a storm would pass that `esimhil run` of the same
// scenario fails.
func TestBaseSignalAndFaultsRefused(t *testing.T) {
	base, err := os.ReadFile("../../fixtures/scenarios/roam-fr-preinstalled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(base), "\n")
	signal := "signal:\n  - {at: 1h10m, area: FR-Paris, operator: sfr, rsrp: -70}\n"
	faults := "faults:\n  - {attach_reject: 13, operator: sfr, subscriber: sfr}\n  - {attach_reject: 13, operator: orange-fr}\n"
	signalErr := func(line int) string {
		return fmt.Sprintf("base.yaml:%d:1: signal: the fleet does not apply a base scenario's signal plan (1 entry): each device keeps network.cells' rsrp; remove signal from the base scenario", line)
	}
	faultsErr := func(line int) string {
		return fmt.Sprintf("base.yaml:%d:1: faults: the fleet does not apply a base scenario's faults (2 entries): remove them from the base scenario; inject per device with the template's mix (card_fault, attach_reject)", line)
	}
	tests := []struct {
		name, add string
		want      []string
	}{
		{"neither", "", nil},
		{"signal", signal, []string{signalErr(lines + 1)}},
		{"faults", faults, []string{faultsErr(lines + 1)}},
		{"both", signal + faults, []string{signalErr(lines + 1), faultsErr(lines + 3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "base.yaml"), append(base[:len(base):len(base)], tc.add...), 0o644); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "storm.yaml")
			if err := os.WriteFile(p, []byte("scenario: base.yaml\ndevices: 2\narrive_within: 1m\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p)
			var got []string
			if err != nil {
				got = strings.Split(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""), "\n")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("error\n %q\nwant\n %q", got, tc.want)
			}
		})
	}
}
