package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/owed"
)

// known is what this esimhil's run_ended says of the notes owed: every
// kind named, none owed.
var known = owed.Notes{PlatformKnown: true, SMDPKnown: true}

// TestReconcileHoldsTheDirectoryToItsDigests: a record holds the SHA-256
// of the evidence its run wrote. A scenario or event log changed since is
// another run's, whatever its name and seed (outside tester sw87: a
// passing run's record beside a failing one of the same name and seed
// turned its page PASS); a capture cut or edited keeps the verdict, with
// a note on the entry, the index and the page; a file gone is said too.
func TestReconcileHoldsTheDirectoryToItsDigests(t *testing.T) {
	const events = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"a","seed":1}` + "\n"
	for _, tc := range []struct {
		name    string
		change  func(dir string) error
		verdict string
		note    string // "" for none
	}{
		{"untouched", func(string) error { return nil }, "pass", ""},
		{"the scenario edited", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, scenarioFile), []byte("name: a\nexpect: {attempts: [orange-fr]}\n"), 0o644)
		}, NotRecorded, "scenario.yaml is not the file its run wrote (SHA-256 against the record's): listed with no verdict"},
		{"the capture cut", func(dir string) error {
			return os.Truncate(filepath.Join(dir, "traffic.pcapng"), 4)
		}, "pass", "its evidence changed since its run recorded it: traffic.pcapng is not the file its run wrote"},
		{"at.log gone", func(dir string) error {
			return os.Remove(filepath.Join(dir, "at.log"))
		}, "pass", "at.log is gone"},
		{"the event log cut", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, eventsFile), []byte(events[:20]), 0o644)
		}, NotRecorded, "events.jsonl is not the file its run wrote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range map[string]string{scenarioFile: "name: a\n", eventsFile: events, "at.log": "AT\r\nOK\r\n", "traffic.pcapng": "0123456789"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			e := Entry{Kind: "scenario", Name: "a", Verdict: "pass", Seed: new(int64(1)), Dir: dir, Digests: Digests(dir)}
			if len(e.Digests) != 4 {
				t.Fatalf("digests %v, want the four files written", e.Digests)
			}
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			notes := Reconcile(&e)
			if e.Verdict != tc.verdict {
				t.Errorf("verdict %q, want %q", e.Verdict, tc.verdict)
			}
			// Each change here contradicts the record: report exits 1.
			if doubted := len(Doubted([]Entry{e})) == 1; doubted != (tc.note != "") {
				t.Errorf("doubted %v, want %v (Doubt %q)", doubted, tc.note != "", e.Doubt)
			}
			switch {
			case tc.note == "" && len(notes) > 0:
				t.Errorf("notes %q, want none", notes)
			case tc.note != "" && (len(notes) != 1 || !strings.Contains(notes[0], tc.note)):
				t.Errorf("notes %q, want one with %q", notes, tc.note)
			}
		})
	}
}

// TestRerunCommand: a scenario's record says how to run it again as it
// ran — its kept copy, its seed (a --seed the run was given is not in
// the copy: outside tester sw87) — writing beside its directory, not over
// it; results.json from its own directory, JUnit from the JUnit's.
func TestRerunCommand(t *testing.T) {
	kept := map[string]string{scenarioFile: "x"}
	for _, tc := range []struct {
		e    Entry
		dir  string
		want string
	}{
		{Entry{Kind: "scenario", Seed: new(int64(7)), Digests: kept}, "a", "esimhil run --seed 7 --out rerun a/scenario.yaml"},
		{Entry{Kind: "scenario", Seed: new(int64(0)), Digests: kept}, "out/x y/a", "esimhil run --seed 0 --out 'out/x y/rerun' 'out/x y/a/scenario.yaml'"},
		{Entry{Kind: "scenario", Seed: new(int64(1)), Digests: kept}, "it's/a", `esimhil run --seed 1 --out 'it'\''s/rerun' 'it'\''s/a/scenario.yaml'`},
		{Entry{Kind: "scenario", Seed: new(int64(1))}, "a", ""}, // the copy was not kept
		// Under the ESIMHIL_PERSONALITY it ran under (outside tester t135 F1):
		// a built-in name as given, a file by the copy its directory keeps.
		{Entry{Kind: "scenario", Seed: new(int64(1)), Digests: kept, Personality: "simcom-a7600", PersonalityEnv: "simcom-a7600"}, "a",
			"ESIMHIL_PERSONALITY=simcom-a7600 esimhil run --seed 1 --out rerun a/scenario.yaml"},
		{Entry{Kind: "scenario", Seed: new(int64(1)), Digests: map[string]string{scenarioFile: "x", PersonalityFile: "y"}, PersonalityEnv: "/gone/q.yaml"}, "x y/a",
			"ESIMHIL_PERSONALITY='x y/a/personality.yaml' esimhil run --seed 1 --out 'x y/rerun' 'x y/a/scenario.yaml'"},
		{Entry{Kind: "scenario", Seed: new(int64(1)), Digests: kept, PersonalityEnv: "/gone/q.yaml"}, "a", // its copy not kept
			"ESIMHIL_PERSONALITY=/gone/q.yaml esimhil run --seed 1 --out rerun a/scenario.yaml"},
		{Entry{Kind: "scenario", Seed: new(int64(1)), Digests: kept, Personality: "sierra-em7511"}, "a", // the scenario's own
			"esimhil run --seed 1 --out rerun a/scenario.yaml"},
		{Entry{Kind: "scenario", Digests: kept}, "a", ""}, // it never ran
		{Entry{Kind: "spec", Seed: new(int64(1)), Digests: kept}, "a", ""},
	} {
		if got := RerunCommand(tc.e, tc.dir); got != tc.want {
			t.Errorf("%+v in %q: %q, want %q", tc.e, tc.dir, got, tc.want)
		}
	}

	out := t.TempDir()
	e := Entry{Kind: "scenario", Name: "a", Verdict: "fail", Seed: new(int64(7)), Dir: filepath.Join(out, "a"), Digests: kept}
	if err := WriteScenarios(filepath.Join(out, ScenariosFile), []Entry{e}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, ScenariosFile))
	if err != nil {
		t.Fatal(err)
	}
	var stored []map[string]any
	if err := json.Unmarshal(b, &stored); err != nil || len(stored) != 1 || stored[0]["rerun"] != "esimhil run --seed 7 --out rerun a/scenario.yaml" {
		t.Errorf("results.json %s (%v), want the rerun from its directory", b, err)
	}
	j, err := JUnit("esimhil run", filepath.Join(out, "j"), []Entry{e})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<property name="rerun" value="esimhil run --seed 7 --out ../rerun ../a/scenario.yaml">`; !strings.Contains(string(j), want) {
		t.Errorf("JUnit lacks %s:\n%s", want, j)
	}
}

// TestGatherNotesCutPages: a page of a run's timeline that is empty or cut
// before its end is named in the index's notes (outside tester sw87: an
// emptied timeline-2.html went unsaid).
func TestGatherNotesCutPages(t *testing.T) {
	out := t.TempDir()
	dir := filepath.Join(out, "a")
	writePages(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "timeline-2.html"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	notes, entries := gatherPassingPage(t, out, dir)
	if len(notes) != 1 || !strings.Contains(notes[0], `scenario "a": timeline-2.html, which the index links, is cut or empty`) {
		t.Errorf("notes %q, want one naming timeline-2.html", notes)
	}
	// A page is written again from the evidence, which still holds: said,
	// and no reason for report to fail.
	if d := Doubted(entries); len(d) > 0 {
		t.Errorf("a cut page doubted the record: %q", d[0].Doubt)
	}
}

// gatherPassingPage indexes one passing scenario whose page is dir's
// timeline.html and returns the notes Gather writes about out.
func gatherPassingPage(t *testing.T, out, dir string) ([]string, []Entry) {
	t.Helper()
	e := Entry{Kind: "scenario", Name: "a", Verdict: "pass", Seed: new(int64(1)), Dir: dir, Timeline: filepath.Join(dir, "timeline.html")}
	if err := WriteScenarios(filepath.Join(out, ScenariosFile), []Entry{e}); err != nil {
		t.Fatal(err)
	}
	entries, notes, err := Gather(out)
	if err != nil {
		t.Fatal(err)
	}
	return notes, entries
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestReconcileSaysARecordWithoutDigests: a finished scenario's record
// that holds no SHA-256 (an older esimhil's, or one edited) is said, not
// trusted in silence (outside tester sw88); one still running, and a
// directory without events, are not.
func TestReconcileSaysARecordWithoutDigests(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, eventsFile), []byte(`{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"a","seed":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		e    Entry
		want bool
	}{
		{Entry{Kind: "scenario", Name: "a", Verdict: "pass", Seed: new(int64(1)), Dir: dir}, true},
		{Entry{Kind: "scenario", Name: "a", Verdict: "error", Seed: new(int64(1)), Dir: dir, Unfinished: true}, false},
		{Entry{Kind: "scenario", Name: "a", Verdict: "error", Seed: new(int64(1)), Dir: t.TempDir()}, false},
		{Entry{Kind: "spec", Name: "a", Verdict: "pass", Seed: new(int64(1)), Dir: dir}, false},
	} {
		notes := Reconcile(&tc.e)
		said := len(notes) == 1 && strings.Contains(notes[0], "its record holds no SHA-256 of its evidence")
		if said != tc.want {
			t.Errorf("%+v: notes %q, want the record's lack of digests said: %v", tc.e, notes, tc.want)
		}
	}
}

// TestRecheck: a finished scenario whose recorded verdict or failures are
// not what its expectations give when checked again from its directory is
// listed with no verdict, saying both (outside tester sw88: a FAIL run's
// record edited to pass); one that agrees, or a directory that cannot
// say, keeps its record.
func TestRecheck(t *testing.T) {
	const miss = "attempts: got [sfr], want [orange-fr]"
	gives := func(m ...string) Rechecker {
		return func(string) (Rechecked, bool, string) {
			return Rechecked{Mismatches: m, Owed: known}, true, ""
		}
	}
	cannot := func(string) (Rechecked, bool, string) { return Rechecked{}, false, "no run_ended" }
	for _, tc := range []struct {
		name    string
		e       Entry
		check   Rechecker
		verdict string
		note    string
	}{
		{"pass that passes", Entry{Verdict: "pass"}, gives(), "pass", ""},
		{"fail that fails alike", Entry{Verdict: "fail", Message: miss}, gives(miss), "fail", ""},
		{"pass that fails", Entry{Verdict: "pass"}, gives(miss), NotRecorded, "its record says pass, but its expectations checked again against its directory give fail: " + miss},
		{"fail that passes", Entry{Verdict: "fail", Message: miss}, gives(), NotRecorded, "its record says fail, but its expectations checked again against its directory give pass"},
		{"fail that fails otherwise", Entry{Verdict: "fail", Message: "within: …"}, gives(miss), NotRecorded, "give fail: " + miss},
		// sw90: a failing record needs failures; "fail" alone is no verdict the
		// directory gives.
		{"fail without failures that passes", Entry{Verdict: "fail"}, gives(), NotRecorded, "its record says fail, but its expectations checked again against its directory give pass"},
		{"a verdict esimhil never writes", Entry{Verdict: "PASS"}, gives(), NotRecorded, `its record's verdict "PASS" is none esimhil writes`},
		{"a directory that cannot say", Entry{Verdict: "pass"}, cannot, "pass", "its verdict (pass) was not checked again from its directory: no run_ended"},
		{"a record with digests whose directory cannot say", Entry{Verdict: "pass", Digests: map[string]string{scenarioFile: "0", eventsFile: "0"}}, cannot, NotRecorded,
			"its record says pass, but its directory cannot give that verdict again (no run_ended)"},
		{"a run that did not finish", Entry{Verdict: "pass"}, cannot, NotRecorded, "its record says pass, but its directory says the run did not finish (its event log ends without run_ended, and INCOMPLETE says: stopped by SIGTERM)"},
		{"an error", Entry{Verdict: "error", Message: "run: …"}, gives(miss), "error", ""},
		{"pass with a message", Entry{Verdict: "pass", Message: "something"}, gives(), NotRecorded, "its record says pass with other words (something), but its expectations checked again against its directory give pass"},
		// sw94: what the record says beside its verdict is the log's.
		{"dropped notes the record lost", Entry{Verdict: "pass"}, func(string) (Rechecked, bool, string) {
			return Rechecked{Dropped: "the card dropped 53 notes", Owed: known}, true, ""
		}, "pass", `its record's dropped notes ("", the log's "the card dropped 53 notes") is not its event log's`},
		{"owed notes edited, time too", Entry{Verdict: "pass", Owed: owed.Notes{Platform: "1 note"}, Simulated: time.Hour}, func(string) (Rechecked, bool, string) {
			return Rechecked{Owed: owed.Notes{Platform: "2 notes", PlatformKnown: true, SMDPKnown: true}, Simulated: 2 * time.Hour}, true, ""
		}, "pass", `owed notes ("1 note", the log's "2 notes"), simulated time (1h0m0s, the log's 2h0m0s) are not its event log's`},
		// A log that does not say which notes were owed (an older
		// esimhil's run_ended) holds the record's to nothing (sw96 R1);
		// faults that never fired are the log's (sw96).
		{"owed notes an older log does not say", Entry{Verdict: "pass", Owed: owed.Notes{Platform: "2 notes"}}, func(string) (Rechecked, bool, string) {
			return Rechecked{}, true, ""
		}, "pass", "its owed notes were not checked again: its run_ended names none"},
		// t78 F2: the notifications the card still owed SM-DP+s are the
		// log's too; a log from before it says none (not known).
		{"notes owed SM-DP+s deleted from the record", Entry{Verdict: "pass"}, func(string) (Rechecked, bool, string) {
			return Rechecked{Owed: owed.Notes{SMDP: "enable@smdp.sfr.test seq 2", PlatformKnown: true, SMDPKnown: true}}, true, ""
		}, "pass", `its record's notes owed SM-DP+s ("", the log's "enable@smdp.sfr.test seq 2") is not its event log's`},
		{"notes owed SM-DP+s an older log does not say", Entry{Verdict: "pass", Owed: owed.Notes{SMDP: "enable@smdp.sfr.test seq 2"}}, func(string) (Rechecked, bool, string) {
			return Rechecked{Owed: owed.Notes{PlatformKnown: true}}, true, ""
		}, "pass", "its notes owed SM-DP+s were not checked again: its run_ended does not name them"},
		{"unfired faults taken out", Entry{Verdict: "pass"}, func(string) (Rechecked, bool, string) {
			return Rechecked{Unfired: []string{"a fault"}, Owed: known}, true, ""
		}, "pass", `faults that never fired (0: "", the log's 1: "a fault")`},
		{"an open cycle the log does not have", Entry{Verdict: "pass", OpenCycle: "the run ended inside a cycle"}, gives(), "pass", "its record's open cycle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			e.Kind, e.Name, e.Dir, e.Seed = "scenario", "a", t.TempDir(), new(int64(1))
			if tc.name == "a run that did not finish" {
				if err := os.WriteFile(filepath.Join(e.Dir, "INCOMPLETE"), []byte("stopped by SIGTERM\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			notes := Recheck(&e, tc.check)
			if e.Verdict != tc.verdict {
				t.Errorf("verdict %q, want %q", e.Verdict, tc.verdict)
			}
			// A note that something was not checked again is no
			// contradiction; every other one is (report exits 1).
			if want := tc.note != "" && !strings.Contains(tc.note, "not checked again"); (e.Doubt != "") != want {
				t.Errorf("Doubt %q, want doubted %v", e.Doubt, want)
			}
			if said := len(notes) == 1 && strings.Contains(notes[0], tc.note); tc.note != "" && !said || tc.note == "" && len(notes) > 0 {
				t.Errorf("notes %q, want %q", notes, tc.note)
			}
		})
	}
}

// TestGatherRecordWhoseDirectoryIsGone: a record naming a directory that
// is gone keeps its verdict, says so, and is not counted among the
// directories the record does not name (outside tester sw90).
func TestGatherRecordWhoseDirectoryIsGone(t *testing.T) {
	out := t.TempDir()
	e := Entry{Kind: "scenario", Name: "a", Verdict: "pass", Seed: new(int64(1)), Dir: filepath.Join(out, "a"), Digests: map[string]string{eventsFile: "00"}}
	if err := WriteScenarios(filepath.Join(out, ScenariosFile), []Entry{e}); err != nil {
		t.Fatal(err)
	}
	entries, notes, err := Gather(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Verdict != "pass" {
		t.Errorf("entries %+v, want a with its record's verdict", entries)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], `scenario "a": its directory `) || !strings.Contains(notes[0], "is gone: its verdict is its record's alone") {
		t.Errorf("notes %q", notes)
	}
}

// TestReconcileKindOfItsFile: a results.json holds scenarios and a
// spec.json a spec: a record of another kind there is an edit, which
// would take it past its own kind's checks (outside tester sw92: a
// failing scenario recorded as a passing "spec"), and is listed with no
// verdict.
func TestReconcileKindOfItsFile(t *testing.T) {
	out := t.TempDir()
	dir := filepath.Join(out, "a")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"scenario", "spec", "fleet"} {
		e := Entry{Kind: kind, Name: "a", Verdict: "pass", Seed: new(int64(1)), Dir: dir, Digests: map[string]string{}}
		if err := WriteScenarios(filepath.Join(out, ScenariosFile), []Entry{e}); err != nil {
			t.Fatal(err)
		}
		es, err := ReadScenarios(filepath.Join(out, ScenariosFile))
		if err != nil || len(es) != 1 {
			t.Fatal(es, err)
		}
		notes := Reconcile(&es[0])
		edited := kind != "scenario"
		if said := len(notes) == 1 && strings.Contains(notes[0], fmt.Sprintf("its record's kind is %q, which esimhil never writes there", kind)); said != edited || (es[0].Verdict == NotRecorded) != edited {
			t.Errorf("kind %s: verdict %s, notes %q; want the edit said: %v", kind, es[0].Verdict, notes, edited)
		}
	}
}

// TestRecheckNoVerdict: an error or a skipped record beside a run that
// finished with every artifact whole — which esimhil records as pass or
// fail — is no verdict of that directory (outside tester sw92); beside
// a run whose capture or end was incomplete, or whose scenario was not
// kept, it is the run's own.
func TestRecheckNoVerdict(t *testing.T) {
	passes := func(string) (Rechecked, bool, string) {
		return Rechecked{Owed: known}, true, ""
	}
	kept := map[string]string{scenarioFile: "0"}
	for _, tc := range []struct {
		name   string
		e      Entry
		marker string
		edited bool
	}{
		{"error beside a whole run", Entry{Verdict: "error", Message: "x", Digests: kept}, "", true},
		{"skipped beside a whole run", Entry{Verdict: "skipped", Digests: kept}, "", true},
		{"error with the capture incomplete", Entry{Verdict: "error", Message: "close: …", Digests: kept}, "traffic.INCOMPLETE", false},
		{"error with the run incomplete", Entry{Verdict: "error", Message: "stopped", Digests: kept}, "INCOMPLETE", false},
		{"error, the scenario not kept", Entry{Verdict: "error", Message: "not kept"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			e.Kind, e.Name, e.Dir, e.Seed = "scenario", "a", t.TempDir(), new(int64(1))
			if tc.marker != "" {
				if err := os.WriteFile(filepath.Join(e.Dir, tc.marker), []byte("x\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			notes := Recheck(&e, passes)
			if (e.Verdict == NotRecorded) != tc.edited || (len(notes) == 1) != tc.edited {
				t.Errorf("verdict %s, notes %q; want edited %v", e.Verdict, notes, tc.edited)
			}
		})
	}
}

// TestReconcileLinksTheDirectorysPage: a record linking another page than
// its directory's has it linked, and says so; a file of the run's evidence
// the record holds no digest of (its digest taken out, the file swapped)
// is said (outside tester sw94).
func TestReconcileLinksTheDirectorysPage(t *testing.T) {
	out := t.TempDir()
	dir, other := filepath.Join(out, "a"), filepath.Join(out, "b")
	writePages(t, dir, other)
	for name, text := range map[string]string{eventsFile: "x\n", "at.log": "AT\r\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := Digests(dir)
	delete(d, "at.log")
	e := Entry{Kind: "scenario", Name: "a", Verdict: "fail", Message: "m", Seed: new(int64(1)), Dir: dir, Timeline: filepath.Join(other, "timeline.html"), Digests: d}
	notes := strings.Join(Reconcile(&e), "\n")
	if e.Timeline != filepath.Join(dir, "timeline.html") || !strings.Contains(notes, "as its page, not its directory's") {
		t.Errorf("page %s, notes %q", e.Timeline, notes)
	}
	if !strings.Contains(notes, "at.log is in the directory with no digest in the record") {
		t.Errorf("notes %q, want at.log without a digest said", notes)
	}
}

// TestWhereDiffer: two long texts are quoted where they differ.
func TestWhereDiffer(t *testing.T) {
	head := strings.Repeat("the card still owed notes ", 6)
	a, b := whereDiffer(head+"(reports 1, 2)", head+"(reports 1, 3)")
	if !strings.Contains(a, "(reports 1, 2)") || !strings.Contains(b, "(reports 1, 3)") || !strings.HasPrefix(a, "…") {
		t.Errorf("%q, %q", a, b)
	}
	if a, b := whereDiffer("x", ""); a != "x" || b != "" {
		t.Errorf("short: %q, %q", a, b)
	}
}

// TestSkippedHasNoTime: a spec skipped never ran: the index gives it no
// wall time and its JUnit case no time, not 0s (outside tester sw97).
func TestSkippedHasNoTime(t *testing.T) {
	e := Entry{Kind: "spec", Name: "a lab spec", Verdict: "skipped"}
	b, err := Index(t.TempDir(), []Entry{e}, nil, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), ">0s<") {
		t.Error("the index gives a skipped spec 0s")
	}
	j, err := JUnit("suite", "", []Entry{e})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(j), `status="skipped">`) {
		t.Errorf("the JUnit gives a skipped spec a time:\n%s", j)
	}
}

// TestGatherNotesPageVerdict: a page whose badge shows another verdict
// than the record's — its class and text edited, or its text alone — is
// named in the index's notes (outside tester sw112: a pass run's page
// turned FAIL went unsaid, the index linking it under pass).
func TestGatherNotesPageVerdict(t *testing.T) {
	for _, tc := range []struct{ name, badge, want string }{
		{"as recorded", `<span class="badge pass">pass</span>`, ""},
		{"class and text", `<span class="badge fail">fail</span>`, `scenario "a": its page shows fail where its record says pass`},
		{"text alone", `<span class="badge pass">FAIL</span>`, `scenario "a": its page shows fail where its record says pass`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			dir := filepath.Join(out, "a")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			page := "<!DOCTYPE html>\n<html><body><header>" + tc.badge + "</header></body></html>\n"
			if err := os.WriteFile(filepath.Join(dir, "timeline.html"), []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
			notes, entries := gatherPassingPage(t, out, dir)
			got := strings.Join(notes, "\n")
			if tc.want == "" && strings.Contains(got, "its page shows") || !strings.Contains(got, tc.want) {
				t.Errorf("notes %q, want %q", notes, tc.want)
			}
			if doubted := len(Doubted(entries)) > 0; doubted != (tc.want != "") {
				t.Errorf("doubted %v, want %v", doubted, tc.want != "")
			}
		})
	}
}
