package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/textcut"
)

// judge gives the verdict: reproduces — the replay follows the recording
// through the end; fixed — it leaves the recording no later than the
// failure, and the manifest's check holds.
func judge(res *Result, rp *replayed) {
	p := res.Plan
	m := p.Fixture.Manifest
	if m.Check != nil {
		res.Mismatches = scenario.Check(p.Scenario, rp.rawEvents, rp.end)
	}
	failAt, failSrc := failure(p)
	d := res.Divergence
	counts := fmt.Sprintf("%d exchanges, %d URCs", res.Compared[Exchanges], res.Compared[URCs])
	if n := res.Compared[Requests]; n > 0 {
		counts += fmt.Sprintf(", %d platform requests", n)
	}
	if n := res.Compared[Decisions]; n > 0 {
		counts += fmt.Sprintf(", %d card decisions", n)
	}
	res.OK = false
	compared := 0
	for _, n := range res.Compared {
		compared += n
	}
	unplayed, notPlayed := p.Unplayed(failSrc)
	where := ""
	var limit field.Limit
	known := false
	if d != nil {
		where = place(p, d, failAt, failSrc)
		limit, known = p.LimitAt(d.Src)
		if later, ok := urcLater(p, d); ok {
			d.Context = fmt.Sprintf("a URC the replay sends before the recording does: the recording has it later, at %s (the two order their URCs differently, if that is this one)", later)
		}
	}
	switch {
	case notPlayed && (d == nil || where == "before"):
		// The replay never got to a comparison there (a divergence before
		// the failure is a verdict of its own, below).
		res.Why = fmt.Sprintf("the failure at %s is in the exchange of %s (%s), which the replay does not play (%s): nothing is compared there, so the replay can show neither that it reproduces nor that it is fixed; name as the failure a line the replay compares",
			failSrc, textcut.Cut(unplayed.Line, 40), unplayed.Src, unplayed.Skip)
	case m.Expect == field.Reproduces && d == nil && compared == 0:
		// A replay that matched nothing shows nothing: no verdict to pass.
		res.Why = fmt.Sprintf("nothing was compared (no exchange, URC, platform request or card decision of the logs could be matched), so the replay cannot show the failure at %s", failSrc)
	case m.Expect == field.Reproduces && d == nil && !res.comparedAt[failureLine(p, failSrc)] &&
		(p.Facts.EventsFile == "" || baseName(failSrc.File) != baseName(p.Facts.EventsFile)):
		// (A run's own events.jsonl — an exploration's case — names as
		// its failure where the run broke its invariants, its end: the
		// card's decisions up to there are what is compared.)
		// Following the rest shows nothing of a failure line that no
		// track compares (outside tester sw67: a URC the emulated modem
		// never sends, a kernel line pasted among the AT lines, passed).
		res.Why = fmt.Sprintf("the replay follows the recording, but the failure at %s is no line it compares (%s), so it cannot show that it reproduces; name as the failure a line the replay compares: a command, its answer, a URC the emulated modem sends, a platform request",
			failSrc, notComparedWhy(p, failSrc))
	case m.Expect == field.Reproduces && d == nil:
		res.OK = true
		res.Why = fmt.Sprintf("reproduces: %s as recorded, through the failure at %s", counts, failSrc)
	case m.Expect == field.Reproduces && where == "after":
		// The whole recording is the fixture: what it shows after the
		// failure must replay too, or be cut or masked.
		res.Why = fmt.Sprintf("expected to reproduce, but the replay leaves the recording at %s (%s), after the failure at %s: it follows it through the failure, and a fixture replays the whole recording; cut the logs after the failure, or mask what differs, if the rest is not the bug's",
			d.Src, d.Track, failSrc)
	case m.Expect == field.Reproduces:
		res.Why = fmt.Sprintf("expected to reproduce, but the replay leaves the recording at %s (%s), %s the failure at %s",
			d.Src, d.Track, where, failSrc)
	case d == nil:
		res.Why = fmt.Sprintf("expected fixed, but the replay still follows the recording through the failure at %s (%s)", failSrc, counts)
		res.Failure = atFailure(p, rp, failSrc)
	case where == "after":
		res.Why = fmt.Sprintf("expected fixed, but the replay follows the recording through the failure at %s and leaves it only at %s", failSrc, d.Src)
		res.Failure = atFailure(p, rp, failSrc)
	case known:
		// A divergence the plan foresaw is the replay's limit, not the
		// fix: as for a failure in an exchange not played (outside
		// tester t178 N1: "fixed" passed at the known mid-chain limit).
		res.Why = fmt.Sprintf("the replay leaves the recording at %s (%s), %s the failure at %s, where the plan knows that its answer differs whatever was fixed (the limit at %s, \"known\" below): a divergence there shows nothing of the failure, so the replay can show neither that it reproduces nor that it is fixed; cut the logs before %s, or keep the fixture as one that shows the limit",
			d.Src, d.Track, where, failSrc, limit.Src, limit.Src)
	case len(res.Mismatches) > 0:
		res.Why = fmt.Sprintf("the replay leaves the recording at %s, %s the failure at %s, but what was expected does not happen: %s",
			d.Src, where, failSrc, strings.Join(res.Mismatches, "; "))
	default:
		res.OK = true
		res.Why = fmt.Sprintf("fixed: the replay leaves the recording at %s (%s), %s the failure at %s", d.Src, d.Track, where, failSrc)
		if m.Check != nil {
			res.Why += ", and what was expected happens"
		}
	}
	if res.NoAnswer != nil {
		res.Why += "; " + res.NoAnswer.String()
	}
	if len(res.Unkept) > 0 {
		res.Why += "; assumed: the platform request(s) at " + strings.Join(res.Unkept, ", ") + " compared without what the log lost of their bodies"
	}
	if cut, parts := p.CutCommands(); len(cut) > 0 {
		// What the card did with those commands is not in the replay:
		// the verdict holds under that assumption (outside tester t166
		// F5: a cut enable sent as it stood got ERROR, and passed as
		// "fixed").
		var at, cont []string
		for _, s := range cut {
			at = append(at, s.String())
		}
		for _, s := range parts {
			cont = append(cont, s.String())
		}
		res.Why += fmt.Sprintf("; assumed: the command(s) at %s not played, their lines cut in the log though the field modem took them whole", strings.Join(at, ", "))
		if len(cont) > 0 {
			res.Why += fmt.Sprintf(", nor those that continue them (%s)", strings.Join(cont, ", "))
		}
	}
}

// atFailure pairs the recording's failure line with the replay's host.log
// line of the same exchange (the answer to the last command played at or
// before it), for a report of a failure that is still there.
func atFailure(p *field.Plan, rp *replayed, src field.Src) *Divergence {
	f := p.Fixture
	li := f.LogIndex(src.File)
	d := &Divergence{Src: src, Context: p.Fixture.Manifest.Failure.What}
	if src.Line <= len(f.Lines[li]) {
		d.Recorded = f.Lines[li][src.Line-1]
	}
	for i, s := range p.Steps {
		k := rp.steps[i]
		if s.Src.File != src.File || s.Src.Line > src.Line || k < 0 {
			continue
		}
		// As many lines past the command as the recording has.
		d.Track, d.File, d.Line = Exchanges, HostLog, rp.host.Entries[k].Line
		for _, e := range rp.host.Entries[k:] {
			if e.Cmd == k && e.Line <= rp.host.Entries[k].Line+(src.Line-s.Src.Line) {
				d.Line, d.Replayed = e.Line, e.Text
			}
		}
	}
	return d
}

// failure is where the manifest says the logs show the failure: its time
// on the fixture's timeline and its line.
func failure(p *field.Plan) (time.Duration, field.Src) {
	f := p.Fixture
	m := f.Manifest
	src := field.Src{File: m.Failure.Log, Line: m.Failure.Line}
	li := f.LogIndex(m.Failure.Log)
	t := f.Logs[li]
	if k := t.At(m.Failure.Line); k >= 0 {
		return f.EntryTime(li, k), src
	}
	for _, r := range t.Requests {
		if r.Line >= m.Failure.Line {
			return f.Time(li, r.Time), src
		}
	}
	for _, r := range t.RunEvents {
		if r.Line >= m.Failure.Line {
			return f.Time(li, r.Time), src
		}
	}
	return f.End(), src
}

// place says where a divergence is against the failure: "at" its line or
// in the exchange that line belongs to (a failure named by its command
// line, a divergence in the answer), else "after" or "before" it: in the
// same log by line, else by time.
func place(p *field.Plan, d *Divergence, at time.Duration, src field.Src) string {
	switch {
	case d.Src == src || d.Src.File == src.File && p.ExchangeOf(d.Src) >= 0 && p.ExchangeOf(d.Src) == p.ExchangeOf(src):
		return "at"
	case d.Src.File == src.File && d.Src.Line > 0 && d.Src.Line > src.Line, (d.Src.File != src.File || d.Src.Line <= 0) && d.At > at:
		return "after"
	}
	return "before"
}

// Report renders a result: the verdict, the first divergence with the
// lines around it on both sides, what the card did then, and the
// assumptions.
func Report(res *Result) string {
	var b strings.Builder
	verdict := "PASS"
	if !res.OK {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "%s  %s (expect %s): %s\n", verdict, res.Name, res.Expect, res.Why)
	if d := res.Divergence; d != nil {
		b.WriteString(divergenceText(res, d, "first divergence"))
	}
	if d := res.Failure; d != nil {
		b.WriteString(divergenceText(res, d, "the failure, still there"))
	}
	if len(res.Mismatches) > 0 {
		b.WriteString("  what was expected (manifest check):\n")
		for _, m := range res.Mismatches {
			b.WriteString("    - " + m + "\n")
		}
	}
	return b.String()
}

// divergenceText writes a divergence with a few lines of context from
// both sides.
func divergenceText(res *Result, d *Divergence, title string) string {
	var b strings.Builder
	f := res.Plan.Fixture
	b.WriteString("  " + title)
	if d.Track != "" {
		fmt.Fprintf(&b, " (%s)", d.Track)
	}
	if d.Context != "" {
		fmt.Fprintf(&b, ": %s", d.Context)
	}
	b.WriteString("\n")
	if later, ok := urcLater(res.Plan, d); ok && d.Recorded == "" {
		fmt.Fprintf(&b, "    recorded %-28s (nothing yet: the recording has it later, at %s)\n", "after "+d.Src.String(), later)
	} else if d.Recorded == "" {
		fmt.Fprintf(&b, "    recorded %-28s (nothing more: the recording goes on without it)\n", "after "+d.Src.String())
	} else {
		fmt.Fprintf(&b, "    recorded %-28s %s\n", d.Src.String(), textcut.Cut(fieldlog.Escape(d.Recorded), lineWidth))
	}
	rep := "-"
	if d.Line > 0 {
		rep = fmt.Sprintf("%s:%d", d.File, d.Line)
	}
	fmt.Fprintf(&b, "    replayed %-28s %s\n", rep, orNothing(d.Replayed))
	if d.Track == URCs && d.Replayed == "" && d.Recorded != "" {
		// The manifest's faults replaced the logs' ones: the URC may be
		// of one left out, whatever the quirks say (outside tester sw84
		// N7: a card's leaving dropped, the quirks blamed).
		own := ""
		for _, f := range res.Plan.DroppedFaults {
			if strings.HasSuffix(f, "("+d.Src.String()+")") {
				own = f
			}
		}
		switch dropped := res.Plan.DroppedFaults; {
		case own != "":
			b.WriteString("    why      the manifest's faults replace those the logs show, and the replay leaves out " + own + ", the fault this URC shows: give it in faults: too\n")
		case len(dropped) > 0:
			b.WriteString("    why      the manifest's faults replace those the logs show, and the replay leaves out " + strings.Join(dropped, "; ") + ": if this URC came of one, give it in faults: too\n")
		}
		if h := urcHint(res.Plan.Dialect, d.Recorded); h != "" && own == "" {
			b.WriteString("    why      " + h + "\n")
		}
	}
	// What the draft already knew it could not show at this line, said
	// here too: only -v listed it (outside tester sw79: an XMM7360's
	// +CME ERROR: 30 to AT+COPS=0).
	lim, limited := res.Plan.LimitAt(d.Src)
	for _, td := range res.Plan.ToDo {
		if d.Src.Line > 0 && strings.Contains(td, d.Src.String()) {
			b.WriteString("    known    " + td + "\n")
			if td == lim.Text {
				limited = false
			}
		}
	}
	if limited {
		// The limit whose effect reaches this line from its own.
		b.WriteString("    known    " + lim.Text + "\n")
	}
	if li := f.LogIndex(d.Src.File); li >= 0 && d.Src.Line > 0 {
		fmt.Fprintf(&b, "  the recording, %s:\n", filepath.Join(f.Dir, d.Src.File))
		b.WriteString(around(f.Lines[li], d.Src.Line, 3))
	}
	if d.Line > 0 {
		if data, err := os.ReadFile(filepath.Join(res.Dir, d.File)); err == nil {
			fmt.Fprintf(&b, "  the replay, %s:\n", filepath.Join(res.Dir, d.File))
			b.WriteString(around(strings.Split(strings.TrimRight(string(data), "\n"), "\n"), d.Line, 3))
		}
	}
	return b.String()
}

// urcLater is where the recording has, later, the URC a divergence says
// the replay sent and the recording lacks: an order difference, not a
// URC missing (outside tester t178 N7: an EG25's REFRESH, +CEREG: 0 sent
// before +QUSIM: 1 and +CPIN: READY by the replay, after them in the
// field, was called a URC the recording lacks).
func urcLater(p *field.Plan, d *Divergence) (field.Src, bool) {
	if d.Track != URCs || d.Recorded != "" || d.Replayed == "" {
		return field.Src{}, false
	}
	for _, t := range p.Fixture.Logs {
		if baseName(t.File) != baseName(d.Src.File) {
			continue
		}
		for _, e := range t.Entries {
			if e.Line > d.Src.Line && e.Role == fieldlog.URC && e.Text == d.Replayed {
				return field.Src{File: baseName(t.File), Line: e.Line}, true
			}
		}
	}
	return field.Src{}, false
}

// urcHint says why the replay lacks a URC the recording has, when the
// emulated modem sends it at none of the moments its personality's lists
// name, or at some only (outside tester sw79: an EG25's "+QIND: SMS DONE"
// after a card came back, a boot URC of its personality, showed only as
// "(nothing)"). A registration is the world's, not a list's.
func urcHint(d personality.Personality, urc string) string {
	for _, reg := range []string{"+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:"} {
		if strings.HasPrefix(urc, reg) {
			return ""
		}
	}
	lists := []struct {
		field, when string
		urcs        []string
	}{
		{"boot_urcs", "a boot", d.BootURCs},
		{"refresh_urcs", "a REFRESH", d.RefreshURCs},
		{"card_gone_urcs", "a card's leaving", d.CardGoneURCs},
		{"card_back_urcs", "a card's return (put back, or powered again at +CFUN=1 or 4 after +CFUN=0)", d.CardBack()},
	}
	var at, others []string
	for _, l := range lists {
		if slices.Contains(l.urcs, urc) {
			at = append(at, l.when+" ("+l.field+")")
		} else {
			others = append(others, l.field)
		}
	}
	if len(others) == 0 {
		return ""
	}
	q := textcut.Cut(urc, commandWidth)
	if len(at) == 0 {
		return fmt.Sprintf("the emulated modem (%s) never sends %q unasked: if the module sends it at a boot, a REFRESH, or a card's leaving or return, give that list in the manifest's device.quirks (%s: the whole list, in the module's order)",
			d.Name, q, strings.Join(others, ", "))
	}
	return fmt.Sprintf("the emulated modem (%s) sends %q unasked only at %s: if the module sends it at other moments too, give their list in the manifest's device.quirks (%s: the whole list, in the module's order)",
		d.Name, q, strings.Join(at, ", "), strings.Join(others, ", "))
}

func orNothing(s string) string {
	if s == "" {
		return "(nothing)"
	}
	return textcut.Cut(fieldlog.Escape(s), lineWidth)
}

// Widths a report shortens lines to (with "…"): a 100 KB +CGLA says
// what it is in its first characters.
const (
	lineWidth    = 160 // a log's line
	commandWidth = 40  // a command named in a sentence
)

// around renders lines n-k..n+k of a file, n marked. A line's CR before
// its LF is the file's line end (CRLF), not its text, as the log readers
// take it: shown, it would read as a <CR> the modem sent.
func around(lines []string, n, k int) string {
	var b strings.Builder
	for i := max(1, n-k); i <= min(len(lines), n+k); i++ {
		mark := "  "
		if i == n {
			mark = ">>"
		}
		fmt.Fprintf(&b, "    %s %5d  %s\n", mark, i, textcut.Cut(fieldlog.Escape(strings.TrimSuffix(lines[i-1], "\r")), lineWidth))
	}
	return b.String()
}

// notComparedWhy says what the recording's line at src is, for a failure
// no track compares.
func notComparedWhy(p *field.Plan, src field.Src) string {
	f := p.Fixture
	li := f.LogIndex(src.File)
	if li < 0 {
		return "not a line of the logs"
	}
	for _, e := range f.Logs[li].Entries {
		if e.Line != src.Line {
			continue
		}
		what := textcut.Cut(e.Text, 40)
		switch {
		case e.Role == fieldlog.URC && p.URCUncompared(e.Text):
			return fmt.Sprintf("%q: a URC the plan leaves uncompared, one the emulated modem never sends", what)
		case e.Role == fieldlog.URC:
			return fmt.Sprintf("%q: a URC from before the replay's window", what)
		case e.Role == fieldlog.Info:
			return fmt.Sprintf("%q: an information line the plan leaves uncompared", what)
		case e.Late != "":
			return fmt.Sprintf("%q: %s", what, e.Late)
		}
		return fmt.Sprintf("%q: a %s line, not one of the AT conversation's", what, e.Role)
	}
	return "a line the reader took for no line of the AT conversation (a note, a line of another program)"
}

// failureLine is the recording line that stands for the failure in the
// comparison: its own, or — a line that is no entry's first, as the
// header of a dump whose entry is the hex under it (gammu, jpnevulator)
// or the row a line split over rows ends on — the entry's it names
// (fieldlog's Transcript.At), as failure() times it. By log base name.
func failureLine(p *field.Plan, src field.Src) field.Src {
	key := field.Src{File: baseName(src.File), Line: src.Line}
	li := p.Fixture.LogIndex(src.File)
	if li < 0 {
		return key
	}
	t := p.Fixture.Logs[li]
	if k := t.At(src.Line); k >= 0 {
		key.Line = t.Entries[k].Line
	}
	return key
}
