package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/esimhil/esimhil/harness/owed"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/textcut"
)

// DigestedFiles are the artifacts a run's record holds the SHA-256 of:
// what the run was given and what it wrote as evidence. Pages are not
// among them: esimhil timeline writes them again from these.
var DigestedFiles = []string{scenarioFile, PersonalityFile, eventsFile, "at.log", "at.marks", "traffic.pcapng", "traffic.keys", "ci.pem"}

// identityFiles are the digested files that say which run a directory
// holds: the scenario as it ran and its event log. Another one there
// makes the record another run's (two runs of one name and seed whose
// expectations differ have the same events: outside tester sw87).
var identityFiles = []string{scenarioFile, PersonalityFile, eventsFile}

// PersonalityFile is the personality file a run's directory keeps, byte
// for byte, when ESIMHIL_PERSONALITY named a file: the rerun command
// points the variable at it (the file it named may change or be gone).
const PersonalityFile = "personality.yaml"

// PersonalityVar is the variable that overrides every scenario's modem
// personality (harness.PersonalityEnv, which imports this package).
const PersonalityVar = "ESIMHIL_PERSONALITY"

// Digests are the hex SHA-256 of the DigestedFiles dir holds, by name.
// A file that cannot be read is left out.
func Digests(dir string) map[string]string {
	out := map[string]string{}
	for _, name := range DigestedFiles {
		if d, err := fileDigest(filepath.Join(dir, name)); err == nil {
			out[name] = d
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// altered says which recorded files in e.Dir are no longer what the run
// wrote (cut, edited, replaced, gone), grouped by how, and whether one
// of them says which run the directory holds.
func altered(e *Entry) (changed []string, identity bool) {
	var differ, gone, unnamed []string
	if e.Digests != nil {
		// A file the run would have digested that the record names none
		// of came after it, or its digest was taken out (outside tester
		// sw94: a digest deleted, its file swapped).
		for _, name := range DigestedFiles {
			if _, ok := e.Digests[name]; !ok {
				if _, err := os.Stat(filepath.Join(e.Dir, name)); err == nil {
					unnamed = append(unnamed, name)
					identity = identity || slices.Contains(identityFiles, name)
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(e.Digests)) {
		d, err := fileDigest(filepath.Join(e.Dir, name))
		switch {
		case err != nil && os.IsNotExist(err):
			gone = append(gone, name)
		case err != nil:
			changed = append(changed, fmt.Sprintf("%s cannot be read (%v)", name, err))
		case d != e.Digests[name]:
			differ = append(differ, name)
		default:
			continue
		}
		identity = identity || slices.Contains(identityFiles, name)
	}
	if len(differ) > 0 {
		changed = append(changed, fmt.Sprintf("%s %s not the file%s its run wrote (SHA-256 against the record's)",
			strings.Join(differ, ", "), isAre(len(differ)), plural(len(differ))))
	}
	if len(gone) > 0 {
		changed = append(changed, fmt.Sprintf("%s %s gone", strings.Join(gone, ", "), isAre(len(gone))))
	}
	if len(unnamed) > 0 {
		changed = append(changed, fmt.Sprintf("%s %s in the directory with no digest in the record (come since, or its digest taken out)", strings.Join(unnamed, ", "), isAre(len(unnamed))))
	}
	return changed, identity
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// alteredNote is what Reconcile says of a directory whose evidence files
// changed since its record was written.
func alteredNote(e *Entry, changed []string) string {
	return fmt.Sprintf("%s %q: its evidence changed since its run recorded it: %s; the page and the index show what the files hold now",
		e.Kind, e.Name, strings.Join(changed, ", "))
}

// RerunDir is where a rerun command writes, beside the run directories.
const RerunDir = "rerun"

// RerunCommand is the command that runs e's scenario again as it ran — the
// copy its directory keeps, with its seed, under the ESIMHIL_PERSONALITY
// it ran under (the kept copy of a file) — when dir, e's directory, is
// reached as given (from where the command is run); its artifacts go to
// RerunDir beside dir, not over the evidence. "" for a spec, a scenario
// that never ran or one whose copy was not kept.
func RerunCommand(e Entry, dir string) string {
	if e.Kind != "scenario" || e.Seed == nil || dir == "" || e.Digests[scenarioFile] == "" {
		return ""
	}
	env := ""
	switch {
	case e.Digests[PersonalityFile] != "":
		env = PersonalityVar + "=" + shellQuote(filepath.Join(dir, PersonalityFile)) + " "
	case e.PersonalityEnv != "":
		env = PersonalityVar + "=" + shellQuote(e.PersonalityEnv) + " "
	}
	return fmt.Sprintf("%sesimhil run --seed %d --out %s %s", env, *e.Seed,
		shellQuote(filepath.Join(filepath.Dir(dir), RerunDir)), shellQuote(filepath.Join(dir, scenarioFile)))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/+:@%=,~-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// cutPages lists the pages of dir's timeline that are not whole (empty,
// or cut before their closing tag): the index links them, and a reader
// would find a blank or broken page (outside tester sw87).
func cutPages(dir string) []string {
	var cut []string
	for i := 1; i <= timeline.Pages(dir); i++ {
		name := timeline.PageFile(i)
		if !pageWhole(filepath.Join(dir, name)) {
			cut = append(cut, name)
		}
	}
	return cut
}

// pageWhole says whether the page at path ends as a page the harness
// writes does.
func pageWhole(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	const end = "</html>\n"
	st, err := f.Stat()
	if err != nil || st.Size() < int64(len(end)) {
		return false
	}
	b := make([]byte, len(end))
	if _, err := f.ReadAt(b, st.Size()-int64(len(end))); err != nil {
		return false
	}
	return string(b) == end
}

// Rechecked is what a scenario run's directory alone says of it: its
// expectations' mismatches, the notes the card dropped and still owed
// (Owed, with the kinds its run_ended names: an older esimhil's names
// none, or not all), the simulated time it covered.
type Rechecked struct {
	Mismatches []string
	Dropped    string
	Owed       owed.Notes
	Unfired    []string
	OpenCycle  string // OpenCycleNote of the log's run_ended_in_cycle
	Simulated  time.Duration
}

// Rechecker checks a scenario run's expectations again from its directory
// alone (harness.Recheck), false when the directory cannot say.
type Rechecker func(dir string) (got Rechecked, checked bool, why string)

// Recheck holds a finished scenario's recorded verdict to its expectations
// checked again from its directory (check), when the directory can say. A
// record whose verdict or failures are not those — or that gives a
// verdict to a run its directory says did not finish, or a verdict
// esimhil never writes — is no verdict of that directory (outside testers
// sw88, sw90: a record edited to pass made a FAIL page, and a stopped
// run's page, PASS): it is listed with none, its message saying what the
// directory gives, and the note returned says so. A directory that
// cannot say (a log without run_ended, as an earlier esimhil wrote it)
// is said too. An error's verdict is the run's own (its rig, its
// capture), not its expectations', and is not checked again.
func Recheck(e *Entry, check Rechecker) []string {
	if e.Kind != "scenario" || e.Dir == "" || e.Unfinished || e.Verdict == NotRecorded {
		return nil
	}
	if st, err := os.Stat(e.Dir); err != nil || !st.IsDir() {
		return nil // gone: Reconcile said so, and the record is all there is
	}
	was := e.Verdict
	if was == "error" || was == "skipped" {
		return recheckNoVerdict(e, check)
	}
	if was != "pass" && was != "fail" {
		return disown(e, fmt.Sprintf("its record's verdict %q is none esimhil writes (pass, fail, error, skipped): the record was edited", was),
			fmt.Sprintf("%s %q: its record's verdict %q is none esimhil writes: listed with no verdict", e.Kind, e.Name, was))
	}
	res, ok, why := check(e.Dir)
	got := res.Mismatches
	if !ok {
		st := ReadDirState(e.Dir)
		if unfinished := st.Ends.Incomplete || st.Ends.Cut || st.Marker != "" && !strings.HasPrefix(st.Marker, timeline.PagePending); unfinished {
			says := "its event log ends without run_ended"
			if st.Marker != "" {
				says += ", and INCOMPLETE says: " + textcut.Cut(firstLine(st.Marker), 200)
			}
			return disown(e, fmt.Sprintf("its record says %s, but its directory says the run did not finish (%s): a finished run's verdict is not this directory's", was, says),
				fmt.Sprintf("%s %q: its record says %s, but its directory says the run did not finish (%s): listed with no verdict", e.Kind, e.Name, was, says))
		}
		if e.Digests[scenarioFile] != "" && e.Digests[eventsFile] != "" {
			// A record with digests is this esimhil's, whose finished runs
			// all log run_ended and keep their scenario: its directory
			// should say, and does not (sw90: run_ended removed, the
			// digest made again, the verdict edited).
			return disown(e, fmt.Sprintf("its record says %s, but its directory cannot give that verdict again (%s), as every finished run's can: the record or the directory was edited", was, why),
				fmt.Sprintf("%s %q: its record says %s, but its directory cannot give that verdict again (%s): listed with no verdict", e.Kind, e.Name, was, why))
		}
		return []string{fmt.Sprintf("%s %q: its verdict (%s) was not checked again from its directory: %s", e.Kind, e.Name, was, why)}
	}
	gives := "pass"
	if len(got) > 0 {
		gives = "fail"
	}
	if gives == was && strings.Join(got, "\n") == e.Message { // a pass has no message
		// The verdict holds; what the record says beside it is the log's
		// too (outside tester sw94: dropped and owed notes deleted from a
		// record hid that the platform never got them).
		return besideVerdict(e, res)
	}
	same := gives == was // the verdict holds, its words do not
	if gives == "fail" {
		gives += ": " + strings.Join(got, "; ")
	}
	if same {
		was += " with other words (" + textcut.Cut(strings.ReplaceAll(e.Message, "\n", "; "), 200) + ")"
	}
	return disown(e, fmt.Sprintf("its record says %s, but its expectations checked again against its kept scenario and events give %s; the record was edited, or is another run's: that verdict is not this directory's", was, gives),
		fmt.Sprintf("%s %q: its record says %s, but its expectations checked again against its directory give %s: listed with no verdict", e.Kind, e.Name, was, gives))
}

// disown lists e with no verdict — message says why, on its row — and
// returns note, which says it among the index's notes.
func disown(e *Entry, message, note string) []string {
	e.Message = message
	ends, _ := timeline.ReadLogEnds(filepath.Join(e.Dir, eventsFile))
	dropVerdict(e, ends)
	return []string{doubt(e, note)}
}

// recheckNoVerdict is Recheck of an error or a skipped scenario, which
// has no expectations' verdict: its record is not the directory's when
// the directory holds a run that finished with every artifact whole
// (run_ended, no INCOMPLETE, no traffic.INCOMPLETE, the scenario kept),
// which esimhil records as pass or fail (outside tester sw92: a pass
// edited to error, a fail to skipped, went unsaid).
func recheckNoVerdict(e *Entry, check Rechecker) []string {
	for _, marker := range []string{incompleteFile, "traffic.INCOMPLETE"} {
		if _, err := os.Stat(filepath.Join(e.Dir, marker)); err == nil {
			return nil // a run's error, said by the run
		}
	}
	if e.Digests[scenarioFile] == "" {
		return nil // the scenario not kept: an error of its own
	}
	res, ok, _ := check(e.Dir)
	if !ok {
		return nil
	}
	gives := "pass"
	if got := res.Mismatches; len(got) > 0 {
		gives = "fail: " + strings.Join(got, "; ")
	}
	was := e.Verdict
	return disown(e, fmt.Sprintf("its record says %s, but its directory holds a run that finished with every artifact whole, whose expectations give %s: the record was edited, or is another run's", was, gives),
		fmt.Sprintf("%s %q: its record says %s, but its directory holds a finished run whose expectations give %s: listed with no verdict", e.Kind, e.Name, was, gives))
}

// besideVerdict holds what a record says beside its verdict — the notes
// the card dropped and still owed, the open cycle, the simulated time —
// to what its directory says (res), shows the
// directory's, and says what differed.
func besideVerdict(e *Entry, res Rechecked) []string {
	var differ []string
	field := func(name string, recorded *string, log string) {
		if *recorded != log {
			a, b := whereDiffer(*recorded, log)
			differ = append(differ, fmt.Sprintf("%s (%q, the log's %q)", name, a, b))
			*recorded = log
		}
	}
	field("dropped notes", &e.Dropped, res.Dropped)
	recorded := e.Owed.Kinds()
	for i, k := range res.Owed.Kinds() {
		if *k.Known {
			field(k.Name, recorded[i].Words, *k.Words)
		}
	}
	field("open cycle", &e.OpenCycle, res.OpenCycle)
	if !slices.Equal(e.Unfired, res.Unfired) {
		a, b := whereDiffer(strings.Join(e.Unfired, "; "), strings.Join(res.Unfired, "; "))
		differ = append(differ, fmt.Sprintf("faults that never fired (%d: %q, the log's %d: %q)", len(e.Unfired), a, len(res.Unfired), b))
		e.Unfired = res.Unfired
	}
	if e.Simulated != res.Simulated {
		differ = append(differ, fmt.Sprintf("simulated time (%v, the log's %v)", e.Simulated, res.Simulated))
		e.Simulated = res.Simulated
	}
	var notes []string
	if why := res.Owed.Unchecked(); why != "" {
		notes = append(notes, fmt.Sprintf("%s %q: %s", e.Kind, e.Name, why))
	}
	if len(differ) == 0 {
		return notes
	}
	return append(notes, doubt(e, fmt.Sprintf("%s %q: its record's %s %s not its event log's: the log's %s shown", e.Kind, e.Name,
		strings.Join(differ, ", "), isAre(len(differ)), isAre(len(differ)))))
}

// whereDiffer cuts two long texts that differ to where they do, so that a
// note quoting them shows the difference, not the start they share.
func whereDiffer(a, b string) (string, string) {
	const before, width = 20, 80
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	cut := func(s string) string {
		from := max(0, i-before)
		for from > 0 && !utf8.RuneStart(s[from]) {
			from--
		}
		out := textcut.Cut(s[from:], width)
		if from > 0 {
			out = "…" + out
		}
		return out
	}
	return cut(a), cut(b)
}
