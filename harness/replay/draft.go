package replay

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/textcut"
)

// Drafted is a fixture that Draft wrote.
type Drafted struct {
	Dir         string
	Personality string // the personality the manifest names
	Quirks      string // the device.quirks it lays over it (an ICCID command no personality has), if any
	// Tried are the personalities the logs contradicted, with why.
	Tried []string
	// Failure is the line the manifest names as the failure, and whether
	// it was found (false: the last line, for the user to correct).
	Failure field.Src
	Found   bool
	// PassedOver says which failure came before Failure, in the exchange
	// of a command the replay does not play; Unplayed, that Failure
	// itself is in one (no other was found), so the replay cannot show
	// it until the manifest names another.
	PassedOver, Unplayed string
	// Plan is the reconstruction of the draft; nil when Problem says
	// what the manifest must give before the fixture replays.
	Plan    *field.Plan
	Problem error
	// Limits are what the replay cannot reproduce whatever the manifest
	// gives (field.Limits), said even while Problem stops the plan.
	Limits []string
	// Warnings are lines of the logs read as they are that the user should
	// know about ("at.log:3: AT+CPIN=”1234”: typographic quotes: …"):
	// a command typed with typographic quotes (fieldlog.QuoteWarning).
	Warnings []string
}

// Draft turns pasted logs into a field fixture in parent/name: the logs
// copied as they are, and a manifest that names them in the format each
// reads as, the first known personality the logs do not contradict (the
// model's own first, then generic, then the rest), and as failure the
// first line where something went wrong (a final result other than OK, a
// failed LPA step, a denied registration). What the reconstruction then
// has to assume — operators, profiles, the cells, the quirks — it says;
// the manifest's comments tell the user what to check. The fixture is
// left for the user to edit: "expected" says what should have happened.
func Draft(parent, name, source string, logs []string) (*Drafted, error) {
	if why := field.NameProblem(name); why != "" {
		return nil, fmt.Errorf("fixture name %q: %s; want %s", name, why, field.NameChars)
	}
	if len(logs) == 0 {
		return nil, errors.New("no logs to draft a fixture from")
	}
	dir := filepath.Join(parent, name)
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("%s exists: a draft never overwrites a fixture", dir)
	}
	// Read every log before anything is written, so bad input leaves no
	// half-made fixture behind.
	var ts []*fieldlog.Transcript
	var raw [][]byte
	seen := map[string]bool{}
	for _, path := range logs {
		base := filepath.Base(path)
		if base == field.ManifestFile || strings.HasPrefix(base, ".") || seen[base] {
			return nil, fmt.Errorf("%s: want log files with distinct names other than %s", path, field.ManifestFile)
		}
		seen[base] = true
		data, err := fieldlog.ReadBytes(path)
		if err != nil {
			return nil, err
		}
		t, err := fieldlog.Read(path, data, "")
		if err != nil {
			return nil, err
		}
		ts, raw = append(ts, t), append(raw, data)
	}
	if !slices.ContainsFunc(ts, (*fieldlog.Transcript).Replayable) {
		return nil, field.NoCommandsIn(ts)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for i, path := range logs {
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(path)), raw[i], 0o644); err != nil {
			return nil, errors.Join(err, os.RemoveAll(dir))
		}
	}
	d := &Drafted{Dir: dir, Warnings: quoteWarnings(ts)}
	var f *field.Fixture
	// A radio log's channels of one modem are played together (port:
	// all) unless no personality fits them all — a vendor's identity
	// command on a channel the busiest does not use —, then the busiest.
	// An ICCID command no personality has (Telit's #CCID, Huawei's
	// ^ICCID), and the +CCHO form the logs show, are tried last, as
	// quirks of the first candidate.
	var ways []draftWay
	names := candidates(raw, ts)
	base, _ := builtin(names[0])
	quirks := dialectQuirks(ts, base)
	for _, merged := range []bool{true, false} {
		if merged && !slices.ContainsFunc(ts, func(t *fieldlog.Transcript) bool { return len(oneModemChannels(t)) > 1 }) {
			continue
		}
		for _, p := range names {
			ways = append(ways, draftWay{merged, p, ""})
		}
		if quirks != "" {
			ways = append(ways, draftWay{merged, names[0], quirks})
		}
	}
	for _, w := range ways {
		p := w.personality
		// What the replay plays depends on the dialect (its ICCID
		// command), and so does the failure it can compare.
		failure, what, found, passed, unplayed := firstFailure(ts, notPlayedUnder(p), bootURCsOf(p))
		d.Failure, d.Found, d.PassedOver, d.Unplayed = failure, found, passed, unplayed
		// A failure only in what the replay does not play (the LPA's
		// outcome line) is refused as the manifest is checked, before the
		// dialect is: the personality is tried with the failure left to
		// the user, and the draft names the unplayed line once one fits.
		tried, triedWhat, triedFound := failure, what, found
		if unplayed != "" {
			// Not an OK: after the LPA's failure, the fixture refuses
			// one as the failure line.
			tried, triedWhat, triedFound = lastSrcOf(ts, notPlayedUnder(p), true), "", false
		}
		if err := os.WriteFile(filepath.Join(dir, field.ManifestFile), draftManifest(dir, name, source, ts, w, tried, triedWhat, triedFound), 0o644); err != nil {
			return nil, errors.Join(err, os.RemoveAll(dir))
		}
		// The logs are read and placed once: the candidates' manifests
		// differ only in the personality, which the reconstruction reads.
		var err error
		if f == nil {
			f, err = field.Load(dir)
		} else {
			f, err = f.Reload()
		}
		var plan *field.Plan
		if err == nil {
			plan, err = field.Reconstruct(f, field.Options{Emulated: emulated})
		}
		if err == nil {
			if lost := plan.LostRegistrations(); len(lost) > 0 && (!found || lost[0].File == failure.File && lost[0].Line < failure.Line) {
				// A registration lost for no reason the logs show went
				// wrong before anything else did.
				failure, what, found = lost[0], "the device lost its registration with no reject, restart, REFRESH or detach before it: out of coverage", true
				unplayed = ""
				d.Failure, d.Found, d.PassedOver, d.Unplayed = failure, found, "", ""
				if err := os.WriteFile(filepath.Join(dir, field.ManifestFile), draftManifest(dir, name, source, ts, w, failure, what, found), 0o644); err != nil {
					return nil, errors.Join(err, os.RemoveAll(dir))
				}
				if f, err = f.Reload(); err == nil {
					plan, err = field.Reconstruct(f, field.Options{Emulated: emulated})
				}
			}
		}
		if i := -1; err == nil && !found {
			if plan != nil {
				i = slices.IndexFunc(plan.Facts.Dialect, func(ev field.Evidence) bool { return ev.Field == "refresh_ignored" })
			}
			if i >= 0 {
				// The old identity read after a switch answered ok is what
				// went wrong: the REFRESH left undone.
				ev := plan.Facts.Dialect[i]
				failure, what, found = ev.Src, "the old identity after the switch: "+ev.Why, true
				d.Failure, d.Found = failure, found
				if err := os.WriteFile(filepath.Join(dir, field.ManifestFile), draftManifest(dir, name, source, ts, w, failure, what, found), 0o644); err != nil {
					return nil, errors.Join(err, os.RemoveAll(dir))
				}
				if f, err = f.Reload(); err == nil {
					plan, err = field.Reconstruct(f, field.Options{Emulated: emulated})
				}
			}
		}
		var fe *field.Error
		if (err == nil || !errors.As(err, &fe) || fe.Path != "device.personality") && unplayed != "" {
			// The personality fits: now the manifest names the line that
			// went wrong, and says why the replay cannot compare it.
			if err := os.WriteFile(filepath.Join(dir, field.ManifestFile), draftManifest(dir, name, source, ts, w, failure, what, found), 0o644); err != nil {
				return nil, errors.Join(err, os.RemoveAll(dir))
			}
			if f == nil {
				f, err = field.Load(dir)
			} else {
				f, err = f.Reload()
			}
			if err == nil {
				plan, err = field.Reconstruct(f, field.Options{Emulated: emulated})
			}
			d.Personality, d.Quirks, d.Plan, d.Problem = p, w.quirks, plan, err
			if err != nil {
				d.Plan = nil
				d.Limits = draftLimits(f)
			}
			return d, nil
		}
		if err == nil {
			d.Personality, d.Quirks, d.Plan = p, w.quirks, plan
			if found && !plan.URCShown(failure) {
				// The failure a URC the plan places before the logs: no
				// replay compares it (outside tester sw109: a verdict
				// refused on the drafted line, with nothing said).
				plan.ToDo = append(plan.ToDo, fmt.Sprintf("the failure drafted at %s is a URC the replay places before the logs begin (the assumptions say why): it is not compared, so no replay can show it; name a line the replay compares as the failure, or replay a capture with times", failure))
			}
			return d, nil
		}
		if !errors.As(err, &fe) || fe.Path != "device.personality" {
			// Not a question of dialect (the dialect is checked first):
			// the draft stays for the user to complete.
			d.Personality, d.Quirks, d.Problem = p, w.quirks, err
			d.Limits = draftLimits(f)
			return d, nil
		}
		d.Tried = append(d.Tried, w.String()+": "+fe.Msg)
	}
	// The manifest tried is removed with the draft: the error names the
	// log's line, not it.
	return nil, errors.Join(fmt.Errorf("draft %s: every known personality contradicts the logs; the last, %s", name, d.Tried[len(d.Tried)-1]), os.RemoveAll(dir))
}

// draftLimits are the to-dos a draft that something else stops prints
// still: what no manifest mends (field.Limits), and the roaming
// registration the world would ask about once it is built.
func draftLimits(f *field.Fixture) []string {
	out := field.Texts(field.Limits(f))
	if r := field.UnnamedRoaming(f); r != "" {
		out = append(out, r)
	}
	return out
}

// candidates orders the known personalities: those whose maker the logs
// name (a +CGMI answer, a model in a ModemManager line) or whose model,
// then those whose own markers the transcripts hold (markers; most
// first), then those whose maker's own commands they send
// (vendorCommands), generic next, the others after.
func candidates(raw [][]byte, ts []*fieldlog.Transcript) []string {
	makers := []struct{ maker, personality string }{
		{"quectel", "quectel-eg25"}, {"sierra", "sierra-em7511"}, {"simcom", "simcom-a7600"},
		{"fibocom", "fibocom-l850"}, {"u-blox", "ublox-sara-r5"}, {"nordic", "nordic-nrf9160"},
	}
	names := personality.Names()
	var out []string
	for _, b := range raw {
		// The text the reader reads: a Windows save in UTF-16 (Notepad's
		// "Unicode", PowerShell's ">") names its maker in no byte of
		// ASCII, so the raw bytes drafted it as generic (outside tester
		// t208), and a GBK save's Chinese is UTF-8 there too.
		text := string(fieldlog.LogText(b))
		low := strings.ToLower(text)
		for _, m := range makers {
			if strings.Contains(low, m.maker) && slices.Contains(names, m.personality) && !slices.Contains(out, m.personality) {
				out = append(out, m.personality)
			}
		}
		// The models a personality's identify patterns name (its ATI or
		// +CGMM answer: "SIM808 R14.18", "EM7455"), as lab discover
		// reads them; never in an APDU's hex ("A7600…" would name SIMCom).
		for line := range strings.Lines(text) {
			if apduLine.MatchString(line) {
				continue
			}
			for _, p := range personality.Builtin() {
				if p.Identifies(line) && !slices.Contains(out, p.Name) {
					out = append(out, p.Name)
				}
			}
		}
	}
	seen := map[string]int{}
	for name, ms := range markers() {
		for _, m := range ms {
			if slices.ContainsFunc(ts, func(t *fieldlog.Transcript) bool { return shows(t, m) }) {
				seen[name]++
			}
		}
	}
	var marked []string
	for _, n := range names {
		if seen[n] > 0 && !slices.Contains(out, n) {
			marked = append(marked, n)
		}
	}
	slices.SortStableFunc(marked, func(a, b string) int { return seen[b] - seen[a] })
	out = append(out, marked...)
	for _, m := range makers {
		sends := func(t *fieldlog.Transcript) bool {
			return slices.ContainsFunc(t.Entries, func(e fieldlog.Entry) bool {
				return e.Role == fieldlog.Command && vendorCommands[m.maker].MatchString(e.Text)
			})
		}
		if slices.Contains(names, m.personality) && !slices.Contains(out, m.personality) && slices.ContainsFunc(ts, sends) {
			out = append(out, m.personality)
		}
	}
	if !slices.Contains(out, "generic") {
		out = append(out, "generic")
	}
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// apduLine is a line that carries an APDU or a card file's bytes in hex
// (+CGLA, +CSIM, +CRSM and their answers, lpac's and ModemManager's).
var apduLine = regexp.MustCompile(`(?i)\+(?:CGLA|CSIM|CRSM)\b`)

// vendorCommands are, by maker, the command prefixes of its own AT
// commands (Quectel's +QCFG, u-blox's +UDCONF, Sierra's !ENTERCND,
// Fibocom's +GTUSBMODE, SIMCom's +CPSI), for logs that name neither maker
// nor model.
var vendorCommands = map[string]*regexp.Regexp{
	"quectel": regexp.MustCompile(`^(?i:AT)\+Q[A-Z]`),
	"u-blox":  regexp.MustCompile(`^(?i:AT)\+U[A-Z]`),
	"sierra":  regexp.MustCompile(`^(?i:AT)![A-Z]`),
	"fibocom": regexp.MustCompile(`^(?i:AT)\+GT[A-Z]`),
	"simcom":  regexp.MustCompile(`^(?i:AT)\+(?:CPSI|CNMP|CNSMOD|CICCID|CGNSPWR|CSCLK|SIMEI)\b`),
	// Nordic's %X… commands (%XSYSTEMMODE, %XBANDLOCK) and the others
	// its hosts send (nRF91 AT Commands; Zephyr's lte_lc).
	"nordic": regexp.MustCompile(`^(?i:AT)%(?:X[A-Z]|CESQ|NCELLMEAS|CONEVAL|MDMEV|LOCATION|REL14FEAT|HWVERSION|SHORTSWVER)`),
}

// markers are, by personality, what it alone of the known ones sends or
// is sent: its ICCID command ("AT+QCCID" is Quectel's, "AT+CICCID"
// SIMCom's), its manufacturer's +CFUN modes beyond 27.007's
// ("AT+CFUN=41", an nRF91's UICC activation) and its boot and REFRESH
// URCs ("+QUSIM: 1"), so that a log
// that holds them drafts with that personality even when it names no
// maker.
func markers() map[string][]string {
	owners := map[string][]string{}
	add := func(m, n string) {
		if m != "" && !slices.Contains(owners[m], n) {
			owners[m] = append(owners[m], n)
		}
	}
	for _, p := range personality.Builtin() {
		if p.ICCIDCommand != "" {
			add("AT"+p.ICCIDName(), p.Name)
		}
		for fun := range p.CFUNModes {
			if fun > 4 {
				add(fmt.Sprintf("AT+CFUN=%d", fun), p.Name)
			}
		}
		for _, u := range slices.Concat(p.BootURCs, p.RefreshURCs) {
			add(u, p.Name)
		}
	}
	out := map[string][]string{}
	for m, ns := range owners {
		if len(ns) == 1 {
			out[ns[0]] = append(out[ns[0]], m)
		}
	}
	return out
}

// shows reports a marker in t: a command line that is the marker (with
// or without its parameters, any case), or a URC that is it exactly —
// not an information line, which a read command of 27.007 may give
// ("+CFUN: 1" answers AT+CFUN? on any modem).
func shows(t *fieldlog.Transcript, m string) bool {
	return slices.ContainsFunc(t.Entries, func(e fieldlog.Entry) bool {
		switch e.Role {
		case fieldlog.Command:
			c := strings.ToUpper(e.Text)
			return c == m || strings.HasPrefix(c, m+"=") || strings.HasPrefix(c, m+"?")
		case fieldlog.URC:
			return e.Text == m
		}
		return false
	})
}

// firstFailure finds the first line of the AT logs where something went
// wrong; found is false when nothing did, and the line is then the last
// of the first AT log.
//
// A failure in the exchange of a command the replay does not play
// (notPlayed names why: the emulated modem lacks it) cannot be compared:
// the first such is passed over for the next that can, and said in
// passed; when no other is found it stays the failure, and unplayed
// says why the replay cannot show it.
// lastCompared is the last line of t a replay compares (a URC, or a line
// of an exchange it plays), for the failure the user is to name when no
// line shows one; the last line when there is none. notOK passes over
// plain OKs, which the fixture refuses as the failure after an LPA's.
func lastCompared(t *fieldlog.Transcript, notPlayed func(line string) string, notOK bool) int {
	for k := len(t.Entries) - 1; k >= 0; k-- {
		e := t.Entries[k]
		cmd := e.Cmd
		if e.Role == fieldlog.Command {
			cmd = k
		}
		switch {
		case e.Role == fieldlog.Note:
		case cmd >= 0 && notPlayed(t.Entries[cmd].Text) != "":
		case notOK && e.Role == fieldlog.Final && (e.Text == "OK" || e.Result == "OK"):
		default:
			return e.Line
		}
	}
	return t.Entries[len(t.Entries)-1].Line
}

func firstFailure(ts []*fieldlog.Transcript, notPlayed func(line string) string, bootURCs []string) (src field.Src, what string, found bool, passed, unplayed string) {
	var firstSrc field.Src
	var firstWhat string
	for _, t := range ts {
		if t.Format == fieldlog.Platform || t.Format == fieldlog.Events {
			continue
		}
		answered, restart := false, false // a final result seen; a restart asked for since the last boot
		for k, e := range t.Entries {
			if s, ok := selfBoot(t, k, bootURCs, &answered, &restart); ok {
				// Read from the logs, not the plan: a draft whose manifest
				// is not complete yet has none.
				if firstSrc.File != "" {
					return s, selfBootWhat, true, unplayed + ": it comes first", ""
				}
				return s, selfBootWhat, true, "", ""
			}
			cmd := -1 // the command whose exchange the line is in
			switch {
			case e.Role == fieldlog.Command:
				cmd = k
			case e.Role == fieldlog.Final:
				cmd = e.Cmd
			}
			why := ""
			switch {
			case cmd >= 0:
				why = notPlayed(t.Entries[cmd].Text)
			case e.Late != "":
				// A final result after its command's own: paired with
				// no command, so in no exchange the replay compares.
				why = e.Late
			case e.Event != nil:
				// The LPA's own word on a step: the replay plays the card
				// and the modem, not the LPA's HTTPS or its verdicts.
				why = "an outcome line of the LPA"
			}
			s, w, ok := failureAt(t, k)
			switch {
			case !ok:
			case why != "" && firstSrc.File == "":
				firstSrc, firstWhat = s, w
				in := "is the LPA's outcome line, which the replay does not compare (it plays the card and the modem; an LPA step fails there only through an answer of theirs, which would come first, and a plain OK shows none: when no answer does, the failure is the SM-DP+'s or the LPA's own and no replay shows it)"
				switch {
				case cmd >= 0:
					in = fmt.Sprintf("is in the exchange of %s, which the replay does not play (%s)", textcut.Cut(t.Entries[cmd].Text, commandWidth), why)
				case e.Late != "":
					in = fmt.Sprintf("is no line the replay compares (%s)", e.Late)
				}
				unplayed = fmt.Sprintf("%s (%s) %s", s, w, in)
			case why != "":
			case firstSrc.File != "":
				return s, w, true, unplayed + ": it comes first", ""
			default:
				return s, w, true, "", ""
			}
		}
	}
	if firstSrc.File != "" {
		return firstSrc, firstWhat, true, "", unplayed
	}
	if s, w, ok := neverRegistered(ts, notPlayed); ok {
		return s, w, true, "", ""
	}
	return lastSrcOf(ts, notPlayed, false), "", false, "", ""
}

// neverRegistered finds a device the logs never show registered: two or
// more registration states the modem gave (+CREG, +CGREG, +CEREG,
// +C5GREG, read or unasked, in an exchange the replay plays), none of
// them home or roaming. Its failure is the last of them, where the host
// still saw it unregistered (outside tester sw93: a tracker polling
// "+CGREG: 0,0" for minutes read as no failure).
func neverRegistered(ts []*fieldlog.Transcript, notPlayed func(line string) string) (field.Src, string, bool) {
	var first, last field.Src
	n := 0
	for _, t := range ts {
		if t.Format == fieldlog.Platform || t.Format == fieldlog.Events {
			continue
		}
		for _, e := range t.Entries {
			if e.Dir != fieldlog.Modem || e.Role == fieldlog.Info && (e.Cmd < 0 || notPlayed(t.Entries[e.Cmd].Text) != "") {
				continue
			}
			stat, ok := regStat(e)
			switch {
			case !ok:
			case stat == 1 || stat == 5:
				return field.Src{}, "", false
			default:
				if n == 0 {
					first = field.Src{File: filepath.Base(t.File), Line: e.Line}
				}
				last = field.Src{File: filepath.Base(t.File), Line: e.Line}
				n++
			}
		}
	}
	if n < 2 {
		return field.Src{}, "", false
	}
	return last, fmt.Sprintf("the device never registered: the %d registration states the modem gave, from %s on, show it unregistered", n, first), true
}

// regStat is the <stat> of a registration the modem gave: "+CEREG: 2"
// unasked, "+CEREG: 0,2" read (<n> first); false for any other line.
func regStat(e fieldlog.Entry) (int, bool) {
	for _, name := range []string{"+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:"} {
		rest, ok := strings.CutPrefix(e.Text, name)
		if !ok {
			continue
		}
		f := strings.Split(strings.TrimSpace(rest), ",")
		i := 0
		if e.Role == fieldlog.Info {
			i = 1
		}
		if len(f) <= i {
			return 0, false
		}
		stat, err := strconv.Atoi(strings.TrimSpace(f[i]))
		return stat, err == nil
	}
	return 0, false
}

// lastSrcOf is the line a draft names when none shows a failure: the
// last the replay compares in the first log that has entries.
func lastSrcOf(ts []*fieldlog.Transcript, notPlayed func(line string) string, notOK bool) field.Src {
	for _, t := range ts {
		if t.Format == fieldlog.Platform || t.Format == fieldlog.Events || len(t.Entries) == 0 {
			continue
		}
		return field.Src{File: filepath.Base(t.File), Line: lastCompared(t, notPlayed, notOK)}
	}
	return field.Src{}
}

// failureAt reports whether entry k of t shows something gone wrong, and
// what.
func failureAt(t *fieldlog.Transcript, k int) (field.Src, string, bool) {
	e := t.Entries[k]
	switch {
	case unanswered(t, k) && beforeReady(t, k):
		// A host polling a module not up yet: no failure.
	case unanswered(t, k):
		what := textcut.Cut(e.Text, commandWidth) + " got no final result"
		if n, ok := gaveUpOn(t, k); ok {
			what += fmt.Sprintf(" (%s gave up waiting at line %d)", writerName(t.Format), n.Line)
		}
		return field.Src{File: filepath.Base(t.File), Line: e.Line}, what, true
	case e.APDU != nil && e.APDU.Response && e.APDU.Malformed != "":
		// The modem wrote it: what the card answered is not known.
		return field.Src{File: filepath.Base(t.File), Line: e.Line}, fmt.Sprintf("the modem's answer to %s is malformed: %s",
			textcut.Cut(t.Entries[e.Cmd].Text, commandWidth), e.APDU.Malformed), true
	case e.APDU != nil && e.APDU.Response && e.APDU.Failed:
		return field.Src{File: filepath.Base(t.File), Line: e.Line}, "the card answered " + e.APDU.Summary, true
	case e.Dir == fieldlog.Modem && e.Role == fieldlog.Final && e.Verbose() != "OK" && !dataCall(e) && !closingNotOpen(t, e):
		cmd := "a command"
		if e.Cmd >= 0 {
			cmd = textcut.Cut(t.Entries[e.Cmd].Text, commandWidth)
		}
		answer := e.Text
		if e.Result != "" {
			answer += " (" + e.Result + ")" // a numeric result code (ATV0)
		}
		return field.Src{File: filepath.Base(t.File), Line: e.Line}, fmt.Sprintf("%s answered %s", cmd, answer), true
	case e.Event != nil && e.Event.Code != 0:
		what := fmt.Sprintf("the LPA's step %s failed (code %d)", e.Event.Message, e.Event.Code)
		if d := strings.TrimSpace(e.Event.Data); d != "" {
			what += ": " + textcut.Cut(d, 80)
		}
		return field.Src{File: filepath.Base(t.File), Line: e.Line}, what, true
	case e.Dir == fieldlog.Modem && registrationDenied(e):
		return field.Src{File: filepath.Base(t.File), Line: e.Line}, "the network denied the registration", true
	}
	return field.Src{}, "", false
}

// selfBootWhat is what a boot no command asked for shows.
const selfBootWhat = "the modem booted by itself (no restart command before it): its power was cut, or it crashed"

// selfBoot reports entry k of t as a boot mark (field.BootMark under the
// personality's boot URCs) after the modem had answered something and
// with no restart command answered OK since its last boot; answered and
// restart carry what the entries before k showed.
func selfBoot(t *fieldlog.Transcript, k int, bootURCs []string, answered, restart *bool) (field.Src, bool) {
	e := t.Entries[k]
	switch {
	case e.Role == fieldlog.Final && e.Dir == fieldlog.Modem:
		*answered = true
		if e.Verbose() == "OK" && e.Cmd >= 0 && at.Restarts(t.Entries[e.Cmd].Text) {
			*restart = true
		}
	case e.Role == fieldlog.URC && field.BootMark(e.Text, bootURCs):
		self := *answered && !*restart
		*restart = false
		if self {
			return field.Src{File: filepath.Base(t.File), Line: e.Line}, true
		}
	}
	return field.Src{}, false
}

// unanswered reports a command the modem gave no final result before the
// host went on, or before the log's end when its writer noted that the
// modem never answered (fieldlog.NoAnswerNote; without it, it would read
// as cut off), other than one answered by the "> " prompt for the text
// that follows, a line the emulated modem logs it dropped
// (" (ignored: …)") and a line of control characters alone (gammu's ESC
// before its first command, no command line).
func unanswered(t *fieldlog.Transcript, k int) bool {
	if t.Entries[k].Role != fieldlog.Command || strings.Contains(t.Entries[k].Text, " (ignored: ") || fieldlog.ControlOnly(t.Entries[k].Text) || t.Entries[k].FinalUnknown() {
		return false
	}
	answer := t.Answer(k)
	return !slices.ContainsFunc(answer, func(a fieldlog.Entry) bool {
		return a.Role == fieldlog.Final || strings.TrimSpace(a.Text) == ">"
	})
}

// dataCall reports a final result that opened a data call (CONNECT, with
// its rate or not; the transcript makes it the final result only of a
// command that starts one): a success, no failure.
func dataCall(e fieldlog.Entry) bool {
	v := e.Verbose()
	return v == "CONNECT" || strings.HasPrefix(v, "CONNECT ")
}

// notPlayedUnder says why the replay would not play a command line under
// the named personality ("!USBSPEED is not emulated"), or "".
func notPlayedUnder(name string) func(string) string {
	p, ok := builtin(name)
	return func(line string) string {
		if !ok {
			return ""
		}
		line, _, _ = strings.Cut(line, " (ignored: ")
		if missing := field.NotEmulated(line, emulated, p); missing != "" {
			return missing + " is not emulated"
		}
		return ""
	}
}

// builtin is the built-in personality of that name.
func builtin(name string) (personality.Personality, bool) {
	for _, p := range personality.Builtin() {
		if p.Name == name {
			return p, true
		}
	}
	return personality.Personality{}, false
}

// bootURCsOf is the built-in personality name's boot URCs (none for
// another name).
func bootURCsOf(name string) []string {
	p, _ := builtin(name)
	return p.BootURCs
}

// beforeReady reports a command sent before the module was up: no
// command before it got more than its echo, and a power-on mark
// (field.PowerOnMark, under any built-in personality's boot URCs: the
// draft reads the logs before one is settled) comes before any that
// does, or one does later and no host gave up on this one — as
// field.Facts reads the power-on such a log opens with (PreBoot,
// Unready).
func beforeReady(t *fieldlog.Transcript, k int) bool {
	poweredOn := func(text string) bool {
		return slices.ContainsFunc(personality.Builtin(), func(p personality.Personality) bool { return field.PowerOnMark(text, p.BootURCs) })
	}
	answered := func(j int) bool {
		return slices.ContainsFunc(t.Answer(j), func(a fieldlog.Entry) bool { return a.Role != fieldlog.Echo })
	}
	for j, e := range t.Entries {
		switch {
		case e.Role == fieldlog.Command && answered(j):
			// Zephyr's cellular driver times its init script out while
			// the modem powers up, and runs it again (field.Facts'
			// Unready, outside tester sw103).
			_, gaveUp := gaveUpOn(t, k)
			return j > k && (!gaveUp || t.Format == fieldlog.Zephyr)
		case j > k && e.Role == fieldlog.URC && poweredOn(e.Text):
			return true
		}
	}
	return false
}

// closingNotOpen reports the refusal of a +CCHC before the log's first
// +CCHO: an LPA closes channels a run before may have left open (lpac's
// AT driver, 1 to 4), and those that were not answer ERROR. No failure.
func closingNotOpen(t *fieldlog.Transcript, e fieldlog.Entry) bool {
	if e.Cmd < 0 {
		return false
	}
	if u := strings.ToUpper(t.Entries[e.Cmd].Text); !strings.HasPrefix(u, "AT+CCHC=") || strings.HasSuffix(u, "=?") {
		return false
	}
	for _, c := range t.Entries[:e.Cmd] {
		if u := strings.ToUpper(c.Text); c.Role == fieldlog.Command && strings.HasPrefix(u, "AT+CCHO=") && !strings.HasSuffix(u, "=?") {
			return false
		}
	}
	return true
}

// quoteWarnings are the draft's warnings of commands typed with
// typographic quotes, one a line: what the modem saw is in the log, and
// its ERROR is a true answer to it, but the user may take the quotes for
// " when reading the failure.
func quoteWarnings(ts []*fieldlog.Transcript) []string {
	var out []string
	for _, t := range ts {
		for _, e := range t.Entries {
			if w := fieldlog.QuoteWarning(e.Text); w != "" && e.Role == fieldlog.Command {
				out = append(out, fmt.Sprintf("%s:%d: %s: %s", filepath.Base(t.File), e.Line, textcut.Cut(e.Text, 60), w))
			}
		}
	}
	return out
}

// exampleICCID and exampleOperator are the draft's example profile and the
// network.operators entry it needs (Orange France, PLMN 208 01; the
// ICCID's issuer 89 33 01 is France's): uncommented, the two load.
const exampleICCID = "89330100005021044451"

var exampleOperator = struct{ id, plmn, country, name string }{"orange-fr", "20801", "FR", "Orange"}

// draftManifest writes the manifest text; its comments tell the user what
// to check and what the replay will assume.
func draftManifest(dir, name, source string, ts []*fieldlog.Transcript, w draftWay, failure field.Src, what string, found bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Drafted by esimhil fixture from %d log(s). Check every line, then run\n", len(ts))
	fmt.Fprintf(&b, "#   esimhil replay -v %s\n", dir)
	b.WriteString("# -v lists what the reconstruction assumed (operators, profiles, cells,\n")
	b.WriteString("# the card's timers, the modem's quirks); state here what you know better\n")
	b.WriteString("# (fixtures/field/README.md has every field).\n")
	fmt.Fprintf(&b, "name: %s\n", name)
	if source == "" {
		source = field.DraftMark + " where the logs come from (tool and version, device, ticket)"
	}
	fmt.Fprintf(&b, "source: %s\n", strconv.Quote(source))
	b.WriteString("logs:\n")
	for _, t := range ts {
		if chans := oneModemChannels(t); w.merged && len(chans) > 1 {
			fmt.Fprintf(&b, "  - {file: %s, format: %s, port: %s}   # its %d AT ports (%s) are taken for one modem's: played in the log's order on the emulated modem's one port\n", filepath.Base(t.File), t.Format, field.AllPorts, len(chans), strings.Join(chans, ", "))
			continue
		}
		if port, n := busiestPort(t); n > 1 {
			fmt.Fprintf(&b, "  - {file: %s, format: %s, port: %s}   # the busiest of its %d AT ports: check it\n", filepath.Base(t.File), t.Format, port, n)
			continue
		}
		fmt.Fprintf(&b, "  - {file: %s, format: %s}\n", filepath.Base(t.File), t.Format)
	}
	b.WriteString("device:\n")
	if w.quirks == "" {
		fmt.Fprintf(&b, "  personality: %s   # the first known personality the logs do not contradict\n", w.personality)
	} else {
		fmt.Fprintf(&b, "  personality: %s   # no known personality reads the ICCID as the logs do:\n", w.personality)
		fmt.Fprintf(&b, "  quirks: %s   # the logs' ICCID command and answer\n", w.quirks)
	}
	b.WriteString("  # eid, check_interval, attach_wait: what the logs cannot show, if you know it.\n")
	b.WriteString("  # profiles are needed when the logs read no ICCID (or no IMSI beside one), e.g.:\n")
	fmt.Fprintf(&b, "  # profiles:\n  #   - {iccid: %q, operator: %s, enabled: true}\n", exampleICCID, exampleOperator.id)
	b.WriteString("  # notifications: the card's pending ones when the logs begin; the replay takes\n")
	b.WriteString("  # those the first ListNotification answer lists (its scenario.yaml shows them), e.g.\n")
	b.WriteString("  #   - {seq: 3, event: install, iccid: \"89330100005021044451\", address: smdp.example.com}\n")
	b.WriteString("# network: operators (id, plmn, country, name, smdp) the profiles name, and\n")
	b.WriteString("# cells; platform: preferred lists per country — when the logs do not show them.\n")
	// The replay knows no operator but the manifest's and one per network
	// the logs show: the example profile's needs its entry here.
	fmt.Fprintf(&b, "# The example profile's operator, %s, is known only from here:\n", exampleOperator.id)
	fmt.Fprintf(&b, "# network:\n#   operators:\n#     - {id: %s, plmn: %q, country: %s, name: %s}\n",
		exampleOperator.id, exampleOperator.plmn, exampleOperator.country, exampleOperator.name)
	fmt.Fprintf(&b, "expected: \"%s what should have happened\"\n", field.DraftMark)
	if found {
		fmt.Fprintf(&b, "failure: {log: %s, line: %d, what: %s}\n", failure.File, failure.Line, strconv.Quote(what))
	} else {
		fmt.Fprintf(&b, "# No line shows an error: name the one that shows the failure.\n")
		fmt.Fprintf(&b, "failure: {log: %s, line: %d, what: \"%s the line that shows the failure\"}\n", failure.File, failure.Line, field.DraftMark)
	}
	b.WriteString("# reproduces: the replay must still show the failure; fixed: it must not.\n")
	b.WriteString("expect: reproduces\n")
	return []byte(b.String())
}

// registrationDenied says whether e reports <stat> 3 (registration
// denied, TS 27.007 §10.1.22): first in the +CEREG URC, after <n> in the
// answer to AT+CEREG?.
func registrationDenied(e fieldlog.Entry) bool {
	rest, ok := strings.CutPrefix(e.Text, "+CEREG:")
	if !ok {
		return false
	}
	f := strings.Split(strings.TrimSpace(rest), ",")
	stat := 0
	if e.Role == fieldlog.Info {
		stat = 1
	}
	return len(f) > stat && strings.TrimSpace(f[stat]) == "3"
}

// draftWay is one way a draft tries the logs: one modem's channels
// merged or the busiest, a personality, quirks laid over it.
type draftWay struct {
	merged      bool
	personality string
	quirks      string // device.quirks, a YAML flow mapping
}

func (w draftWay) String() string {
	s := w.personality
	if w.quirks != "" {
		s += " with quirks " + w.quirks
	}
	if w.merged {
		s += " (all channels)"
	}
	return s
}

// dialectQuirks are what the logs show of the modem's dialect where base
// differs, as device.quirks: its ICCID command and answer prefix when no
// personality has that pair (Telit's #CCID, Huawei's ^ICCID), and its
// +CCHO answer's form (Telit's bare "1": outside tester sw109, refused
// with #CCID by every personality) and spacing (ccho_no_space, which
// the reconstruction would add anyway: the quirks say the dialect the
// logs show, as a personality drafted from them does); "" when base is
// the logs' dialect.
func dialectQuirks(ts []*fieldlog.Transcript, base personality.Personality) string {
	var q []string
	cmd, prefix, answer, read := iccidRead(ts)
	if read && !slices.ContainsFunc(personality.Builtin(), func(p personality.Personality) bool {
		return p.ICCIDCommand == cmd && strings.TrimSpace(p.ICCIDPrefix) == strings.TrimSpace(prefix)
	}) {
		q = append(q, "iccid_command: "+strconv.Quote(cmd), "iccid_prefix: "+strconv.Quote(prefix))
	}
	if filler, ok := field.ICCIDFiller(answer); read && ok && filler != cmp.Or(base.ICCIDFiller, personality.FillerStrip) {
		// As field facts read it: the F after a 19-digit ICCID, or none.
		q = append(q, "iccid_filler: "+filler)
	}
	if form, ok := cchoForm(ts); ok && form != base.CCHOForm {
		q = append(q, "ccho_form: "+form)
	}
	if noSpace, ok := cchoNoSpace(ts); ok && noSpace != base.CCHONoSpace {
		// As field facts read it: the quirks say the whole dialect.
		q = append(q, "ccho_no_space: "+strconv.FormatBool(noSpace))
	}
	if len(q) == 0 {
		return ""
	}
	return "{" + strings.Join(q, ", ") + "}"
}

// iccidRead is the first ICCID command the logs show answered, its
// answer's prefix and the answer.
func iccidRead(ts []*fieldlog.Transcript) (cmd, prefix, answer string, ok bool) {
	for _, t := range ts {
		for k, e := range t.Entries {
			if e.Role != fieldlog.Command {
				continue
			}
			cmd, ok := strings.CutPrefix(strings.ToUpper(strings.TrimSpace(e.Text)), "AT")
			if !ok || !slices.Contains(personality.ICCIDCommands, strings.TrimSuffix(cmd, "?")) {
				continue
			}
			for _, a := range t.Answer(k) {
				if prefix, ok := field.ICCIDAnswer(a.Text); ok && a.Role == fieldlog.Info {
					return cmd, prefix, a.Text, true
				}
			}
		}
	}
	return "", "", "", false
}

// cchoForm is the form of the logs' first +CCHO answer.
func cchoForm(ts []*fieldlog.Transcript) (string, bool) {
	for _, t := range ts {
		for k, e := range t.Entries {
			if e.Role != fieldlog.Command || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(e.Text)), "AT+CCHO=") {
				continue
			}
			for _, a := range t.Answer(k) {
				if _, form, ok := personality.ParseCCHO(a.Text); ok && a.Role == fieldlog.Info {
					return form, true
				}
			}
		}
	}
	return "", false
}

// cchoNoSpace is what the logs' first "+CCHO:" answer shows of
// ccho_no_space, as field facts read it (personality.CCHONoSpaceOf; not
// in a carried log, whose AT lines are a replay's own spelling).
func cchoNoSpace(ts []*fieldlog.Transcript) (noSpace, ok bool) {
	for _, t := range ts {
		if t.Carried {
			continue
		}
		for k, e := range t.Entries {
			if e.Role != fieldlog.Command || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(e.Text)), "AT+CCHO=") {
				continue
			}
			answer := t.Answer(k)
			if !slices.ContainsFunc(answer, func(a fieldlog.Entry) bool { return a.Role == fieldlog.Final && a.Verbose() == "OK" }) {
				continue
			}
			for _, a := range answer {
				if noSpace, ok := personality.CCHONoSpaceOf(a.Text); ok && a.Role == fieldlog.Info {
					return noSpace, true
				}
			}
		}
	}
	return false, false
}

// oneModemChannels are the AT ports of a log that are one modem's — a
// RIL's channels (Balong's modem_0/ch:1 and modem_0/ch:8), a ModemManager
// log's primary and secondary ports, which get the URCs the other lacks
// (outside tester sw101) — in the order the log first shows them; nil
// otherwise: a dual-SIM device's RIL daemons (pid 1520, pid 1544) talk to
// two modems, as does a ModemManager log naming two modem objects.
func oneModemChannels(t *fieldlog.Transcript) []string {
	switch {
	case t.Format == fieldlog.MM && t.Modems <= 1:
	case t.Format != fieldlog.Logcat:
		return nil
	}
	var chans []string
	modem := ""
	for _, e := range t.Entries {
		if e.Port == "" || slices.Contains(chans, e.Port) {
			continue
		}
		m, _, _ := strings.Cut(e.Port, "/")
		if t.Format == fieldlog.MM {
			m = "" // the modem objects are counted (Modems)
		}
		if strings.HasPrefix(e.Port, "pid ") || len(chans) > 0 && m != modem {
			return nil
		}
		modem = m
		chans = append(chans, e.Port)
	}
	return chans
}

// busiestPort is the AT port of a log that talks to several (a
// ModemManager log) to which the host sent the most commands, the first
// seen among equals, and how many ports the log has.
func busiestPort(t *fieldlog.Transcript) (string, int) {
	count := map[string]int{}
	var order []string
	for _, e := range t.Entries {
		if e.Port == "" {
			continue
		}
		if _, ok := count[e.Port]; !ok {
			order = append(order, e.Port)
		}
		if e.Role == fieldlog.Command {
			count[e.Port]++
		}
	}
	best := ""
	for _, p := range order {
		if best == "" || count[p] > count[best] {
			best = p
		}
	}
	return best, len(order)
}
