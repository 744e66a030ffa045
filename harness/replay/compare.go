package replay

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/align"
	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/textcut"
)

// Track is one thing a replay compares.
type Track string

const (
	// Exchanges: each command the host sent and the modem's answer to it
	// (echo, information lines, final result; an APDU's answer by what it
	// says, not its bytes), one command after the other.
	Exchanges Track = "exchange"
	// URCs: the unsolicited result codes, in order. A URC and a host's
	// command may cross on the wire by milliseconds, so URCs are compared
	// among themselves, not by their place among the commands.
	URCs Track = "urc"
	// Requests: what the card asked the platform, in order.
	Requests Track = "platform request"
	// Decisions: the card's decisions as its events say (a fixture that
	// carries a run's events.jsonl: an exploration case).
	Decisions Track = "card decision"
)

// Divergence is the first place a track leaves the recording.
type Divergence struct {
	Track Track
	// Src is the recording's line where the two part (for a line only the
	// replay has, the recording line it follows).
	Src field.Src
	// At is the recording's fixture time there (to order divergences of
	// different tracks).
	At time.Duration
	// Recorded and Replayed are the two sides' versions ("" when a side
	// lacks it).
	Recorded, Replayed string
	// Line is the line in the replay's own log (host.log, platform.json,
	// events.jsonl; 0 when the replay lacks it) and File that log.
	File string
	Line int
	// Context explains the step (the command whose answer differs).
	Context string
}

// compare runs every track and keeps the first divergence.
func compare(res *Result, rp *replayed) {
	p := res.Plan
	res.comparedAt = map[field.Src]bool{}
	// Each side is masked on its own, mask by mask: a value two masks
	// fit on one side and one on the other (a redacted IMSI the
	// manifest's own pattern fits, the replay's real one the built-in
	// imsi too) would read differently. The more specific masks — the
	// manifest's own patterns, the reconstruction's for one value — go
	// first, the built-in classes last.
	masks := align.Masks{}
	for _, builtin := range []bool{false, true} {
		for _, m := range p.Masks {
			if slices.Contains(field.BuiltinMasks(), m.Name) == builtin {
				masks = append(masks, m.Mask)
			}
		}
	}
	var all []*Divergence
	add := func(d *Divergence) {
		if d != nil {
			all = append(all, d)
		}
	}
	add(exchanges(res, rp, masks))
	add(urcs(res, rp, masks))
	add(requests(res, rp, masks))
	add(decisions(res, rp))
	if len(all) == 0 {
		return
	}
	// The earliest in log order: by time, then — lines a log gives no
	// time, or the same one — by log and line, so that an exchange does
	// not hide a URC the log shows before it.
	order := map[Track]int{Exchanges: 0, URCs: 1, Requests: 2, Decisions: 3}
	f := p.Fixture
	slices.SortStableFunc(all, func(a, b *Divergence) int {
		if a.At != b.At {
			return int(a.At - b.At)
		}
		if la, lb := f.LogIndex(a.Src.File), f.LogIndex(b.Src.File); la != lb {
			return la - lb
		}
		if a.Src.Line != b.Src.Line {
			return a.Src.Line - b.Src.Line
		}
		return order[a.Track] - order[b.Track]
	})
	res.Divergence = all[0]
}

// canon is how a line is compared: role, and the text with the volatile
// values masked — an APDU answer by what it says.
func canon(e fieldlog.Entry, masks align.Masks) string {
	if e.Role == fieldlog.Echo {
		// The command's own text: its presence is what a modem decides.
		if e.Joined {
			return "echo (ran on from the line before)"
		}
		return "echo"
	}
	text := e.Text
	if strings.HasPrefix(text, "+CRSM:") {
		// 27.007's <response> is a string, which modems print quoted or
		// bare (an Android RIL's log, outside tester sw109): the same
		// answer either way.
		text = strings.ReplaceAll(text, `"`, "")
	}
	if e.APDU != nil && e.APDU.Response && e.APDU.Summary != "" {
		prefix, _, _ := strings.Cut(text, ":")
		text = prefix + ": [" + e.APDU.Summary + "]"
	}
	s := e.Role.String() + " " + masks.Apply(text)
	if e.Joined {
		s += " (ran on from the line before)"
	}
	return s
}

// answerLines are the lines answering command k that a replay compares:
// echo only when both logs can show it.
func answerLines(t *fieldlog.Transcript, k int, echo bool) []fieldlog.Entry {
	var out []fieldlog.Entry
	for _, e := range t.Answer(k) {
		if e.Role == fieldlog.Echo && !echo {
			continue
		}
		out = append(out, e)
	}
	return out
}

// compared drops the information lines of t the plan does not compare:
// those with an uncompared prefix, those of a command whose text is not
// compared (the field module's identity), even on a line of several
// commands, or all of them (noText); and, when the log cannot pair some
// line without a name with its command (unpaired), all those without a
// name.
func compared(t *fieldlog.Transcript, lines []fieldlog.Entry, p *field.Plan, noText, unpaired bool) []fieldlog.Entry {
	return slices.DeleteFunc(lines, func(e fieldlog.Entry) bool {
		if e.Role != fieldlog.Info {
			return false
		}
		_, named := at.InfoName(e.Text)
		return noText || p.InfoUncompared(e.Text) || p.AnswerUncompared(t, e) || unpaired && !named
	})
}

func exchanges(res *Result, rp *replayed, masks align.Masks) *Divergence {
	p := res.Plan
	f := p.Fixture
	for i, s := range p.Steps {
		k := rp.steps[i]
		if s.Skip != "" || k < 0 {
			continue
		}
		rec := f.Logs[s.Log]
		if rec.Entries[s.Entry].NoAnswer != "" {
			continue // its log's writer shows none of its answer
		}
		echo := rec.ShowsEcho // the replay's host log always shows it
		noText := p.TextUncompared(s.Line)
		a := answerLines(rec, s.Entry, echo)
		unpaired := p.Unpaired(rec, a)
		a = compared(rec, a, p, noText, unpaired)
		b := compared(rp.host, answerLines(rp.host, k, echo), p, noText, unpaired)
		if rec.Entries[s.Entry].NoFinal != "" {
			// Its log's writer does not show the final result (sms_tool
			// without -D): the replay's is not compared.
			b = slices.DeleteFunc(b, func(e fieldlog.Entry) bool { return e.Role == fieldlog.Final })
		}
		res.Compared[Exchanges]++
		res.markCompared(rec.File, s.Src.Line)
		for _, e := range a {
			res.markCompared(rec.File, e.Line)
		}
		if len(a) == 0 {
			// The log writer's note that it gave up on the answer (a
			// hang): what the comparison of none shows.
			if e, ok := gaveUpOn(rec, s.Entry); ok {
				res.markCompared(rec.File, e.Line)
			}
		}
		for j := 0; j < max(len(a), len(b)); j++ {
			var ca, cb string
			if j < len(a) {
				ca = canon(a[j], masks)
			}
			if j < len(b) {
				cb = canon(b[j], masks)
			}
			if ca == cb {
				continue
			}
			if j < len(a) && j < len(b) && a[j].Overlong() && b[j].Role != fieldlog.Final {
				// The recorder's placeholder for a line over its bound:
				// the modem sent a line there, its text unknown; any but
				// the final result (never that long) may be it.
				continue
			}
			d := &Divergence{Track: Exchanges, File: HostLog, Context: fmt.Sprintf("the answer to %s (%s)", textcut.Cut(s.Line, commandWidth), s.Src)}
			switch {
			case j < len(a):
				d.Src, d.Recorded = field.Src{File: rec.File, Line: a[j].Line}, a[j].Text
				d.At = f.EntryTime(s.Log, indexOf(rec, a[j]))
			default:
				last := rec.Entries[s.Entry]
				if len(a) > 0 {
					last = a[len(a)-1]
				}
				d.Src, d.At = field.Src{File: rec.File, Line: last.Line}, f.EntryTime(s.Log, s.Entry)
				if gaveUp, ok := gaveUpOn(rec, s.Entry); ok && len(a) == 0 {
					d.Context += fmt.Sprintf(", which the field modem never gave (%s gave up waiting at %s:%d); the emulated modem does not stop answering",
						writerName(rec.Format), baseName(rec.File), gaveUp.Line)
				}
			}
			if j < len(b) {
				d.Replayed, d.Line = b[j].Text, b[j].Line
				if j < len(a) {
					d.Context += formNote(a[j], b[j])
				}
			} else {
				d.Line = rp.host.Entries[k].Line
			}
			if d.Recorded == "" && d.Replayed == "" {
				continue
			}
			d.Src.File = baseName(d.Src.File)
			return d
		}
	}
	return nil
}

// gaveUpOn finds the note by which the log's writer gave up waiting for
// command k's answer (fieldlog.Entry.GaveUpOn).
func gaveUpOn(t *fieldlog.Transcript, k int) (fieldlog.Entry, bool) {
	for _, e := range t.Entries[k+1:] {
		if e.GaveUpOn == t.Entries[k].Line && e.Role == fieldlog.Note {
			return e, true
		}
	}
	return fieldlog.Entry{}, false
}

// writerName is who wrote a log of format f, as a person names it.
func writerName(f fieldlog.Format) string {
	if f == fieldlog.MM {
		return "ModemManager"
	}
	return string(f)
}

// formNote says why a recorded answer cannot match: its hex is malformed;
// or when two final results differ in form alone, digits on
// one side (ATV0) and words on the other: the modem's V setting is what
// differs, not its answer.
func formNote(rec, rep fieldlog.Entry) string {
	if a := rec.APDU; a != nil && a.Response && a.Malformed != "" {
		return "; the recorded answer is malformed (" + a.Malformed + "): what the card answered was lost on the way to the log, in the field modem or its logger"
	}
	if a, b := rec.APDU, rep.APDU; a != nil && b != nil && a.Response && b.Response && a.Summary != "" && b.Summary != "" && a.Summary != b.Summary {
		// Compared by what they say: say it, so no one decodes the hex.
		note := fmt.Sprintf("; the field card's answer says %q, the emulated card's %q", a.Summary, b.Summary)
		if a.ES10 == "GetEUICCInfo1" || a.ES10 == "GetEUICCInfo2" {
			note += " (the emulated card is an SGP.22 v2.2.2 card of the test PKI, one CI key: a field card of another version or CI keys answers otherwise, and no manifest field changes that)"
		}
		return note
	}
	if rec.Role != fieldlog.Final || rep.Role != fieldlog.Final || rec.Verbose() != rep.Verbose() {
		return ""
	}
	switch {
	case rec.Result != "" && rep.Result == "":
		return fmt.Sprintf("; the same result (%s), numeric (ATV0) in the recording and in words in the replay: the replay's modem is not in ATV0", rec.Result)
	case rec.Result == "" && rep.Result != "":
		return fmt.Sprintf("; the same result (%s), in words in the recording and numeric (ATV0) in the replay: the replay's modem is in ATV0", rep.Result)
	}
	return ""
}

func indexOf(t *fieldlog.Transcript, e fieldlog.Entry) int {
	for i := range t.Entries {
		if t.Entries[i].Line == e.Line && t.Entries[i].Text == e.Text && t.Entries[i].Role == e.Role {
			return i
		}
	}
	return 0
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// item is one line of a track as compared: its text, and where it
// stands — in the recording (src, at) or in the replay's own log (line,
// and at when the replay knows its time).
type item struct {
	text string
	src  field.Src
	at   time.Duration
	line int
}

// firstDivergence aligns a track's recorded items a with the replayed b
// and returns where they first part (nil if they do not). A line only the
// replay has is placed after the recorded line it follows; file is the
// replay's log, lacks says what such a line is.
func firstDivergence(place func(item) field.Src, track Track, a, b []item, file, lacks string) *Divergence {
	return firstDivergenceEq(place, track, a, b, file, lacks, func(i, j int) bool { return a[i].text == b[j].text })
}

// firstDivergenceEq is firstDivergence with a[i] matching b[j] where eq
// says so.
func firstDivergenceEq(place func(item) field.Src, track Track, a, b []item, file, lacks string, eq func(i, j int) bool) *Divergence {
	steps, err := align.Func(len(a), len(b), eq)
	if err != nil {
		return &Divergence{Track: track, Recorded: err.Error()}
	}
	var last item
	for _, st := range steps {
		switch st.Op {
		case align.Same:
			last = a[st.A]
			continue
		case align.OnlyB:
			if last.src.File == "" {
				last.src = place(b[st.B])
			}
			return &Divergence{Track: track, Src: last.src, At: b[st.B].at,
				Replayed: b[st.B].text, File: file, Line: b[st.B].line, Context: lacks}
		}
		d := &Divergence{Track: track, Src: a[st.A].src, At: a[st.A].at, Recorded: a[st.A].text, File: file}
		if st.Op == align.Changed {
			d.Replayed, d.Line = b[st.B].text, b[st.B].line
		}
		return d
	}
	return nil
}

// playedBefore names the recording's place for what the replay alone has
// when nothing of its track matched before it: the command the replay
// played last before it — by host.log line for a URC (its times may tie),
// by fixture time for the rest.
func playedBefore(p *field.Plan, rp *replayed, byLine bool) func(item) field.Src {
	return func(it item) field.Src {
		var src field.Src
		for i, s := range p.Steps {
			k := rp.steps[i]
			if s.Skip != "" || k < 0 {
				continue
			}
			later := s.At-p.Start > it.at
			if byLine {
				later = rp.host.Entries[k].Line > it.line
			}
			if later && src.File != "" {
				break
			}
			src = s.Src // the first played, when all come later
			if later {
				break
			}
		}
		src.File = baseName(src.File)
		return src
	}
}

// urcs compares the URCs of the logs' window: the recording's, and the
// replay's between the start of the logs and the end of the replay.
func urcs(res *Result, rp *replayed, masks align.Masks) *Divergence {
	p := res.Plan
	f := p.Fixture
	var a, b []item
	for li, t := range f.Logs {
		for k, e := range t.Entries {
			src := field.Src{File: t.File, Line: e.Line}
			if e.Role == fieldlog.URC && !p.URCUncompared(e.Text) && !p.BeforePowerOn(src) && p.URCShown(src) {
				a = append(a, item{masks.Apply(e.Text), field.Src{File: baseName(t.File), Line: e.Line}, f.EntryTime(li, k), e.Line})
			}
		}
	}
	slices.SortStableFunc(a, func(x, y item) int { return int(x.at - y.at) })
	start, from := field.RigEpoch.Add(p.Start), field.RigEpoch.Add(p.Start)
	if p.PowerOn {
		from = field.RigEpoch.Add(p.PowerOnAt) // the boot's URCs are the log's first
	}
	for _, e := range rp.host.Entries {
		if e.Role == fieldlog.URC && !e.Time.Before(from) {
			b = append(b, item{masks.Apply(e.Text), field.Src{}, e.Time.Sub(start), e.Line})
		}
	}
	res.Compared[URCs] = len(a)
	res.markItems(a)
	return firstDivergence(playedBefore(p, rp, true), URCs, a, b, HostLog, "a URC the recording lacks")
}

// keyMember is a member of a card request that requestKey compares: its
// body's name, the label it has in the key, its value.
type keyMember struct{ name, label, value string }

// keyMembers are, by route, the members of a card request requestKey
// compares (docs/platform-api.md): one table, which lostMembers reads too.
func keyMembers(r fieldlog.Request) []keyMember {
	switch r.Path {
	case "/v1/preferred-list":
		return []keyMember{{"serving_plmn", "serving ", r.ServingPLMN}}
	case "/v1/notifications":
		return []keyMember{{"kind", "", r.Kind}, {"operator", "", r.Operator}}
	case "/v1/download":
		return []keyMember{{"operator", "", r.Operator}}
	}
	return nil
}

// requestKey is how a card request is compared: route and what it is
// about, not its signature or times; without the members lost names (a
// recorded body the log did not keep whole). A labelled member is in it
// even empty ("serving "); an unlabelled one only with a value.
func requestKey(r fieldlog.Request, lost []string) string {
	s := r.Method + " " + r.Path
	for _, m := range keyMembers(r) {
		if !slices.Contains(lost, m.name) && (m.value != "" || m.label != "") {
			s += " " + m.label + m.value
		}
	}
	return s
}

// lostMembers names what requestKey compares of a recorded request that
// its body, not kept whole in the log (fieldlog's Unread), lost: a member
// read is whole, one lost is empty — an operator is empty too where a
// notification names none, which the log can no longer tell apart.
func lostMembers(r fieldlog.Request) []string {
	if r.Unread == "" {
		return nil
	}
	var lost []string
	for _, m := range keyMembers(r) {
		if m.value == "" {
			lost = append(lost, m.name)
		}
	}
	return lost
}

// statusText is how a request's HTTP status shows in a divergence: the
// one the platform answered, or none (no answer, or a log without it).
func statusText(status int) string {
	if status == 0 {
		return ""
	}
	return fmt.Sprintf(" → HTTP %d", status)
}

func requests(res *Result, rp *replayed, masks align.Masks) *Divergence {
	fs := res.Plan.Facts
	if len(fs.Requests) == 0 {
		return nil
	}
	var a []field.Request
	for _, r := range fs.Requests {
		if res.Plan.UnansweredRefused && r.Status == 0 {
			continue // modelled as refused connections: the platform never sees them
		}
		a = append(a, r)
	}
	var b []fieldlog.Request
	if rp.platform != nil {
		b = rp.platform.Requests
	}
	// A recorded body the platform's log did not keep whole (cut, or
	// contradicting its size or hash) is compared by what it kept: a
	// replayed request matches it where it agrees on those members, and
	// the verdict names it. Comparing the lost members as empty made a
	// divergence of the log's own loss, which a fixture expecting the
	// failure fixed took for the fix; comparing the route alone hid a
	// kind it kept (outside testers t166 F7, t178 N2).
	lost := make([][]string, len(a))
	start := field.RigEpoch.Add(res.Plan.Start)
	ia, ib := make([]item, len(a)), make([]item, len(b))
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i, r := range a {
		lost[i] = lostMembers(r.Request)
		ka[i] = masks.Apply(requestKey(r.Request, lost[i]))
		text := ka[i]
		if len(lost[i]) > 0 {
			what := strings.Join(lost[i], ", ")
			text += " (" + what + " not in the log)"
			res.Unkept = append(res.Unkept, fmt.Sprintf("%s:%d (%s)", baseName(r.Src.File), r.Src.Line, what))
		}
		ia[i] = item{text + statusText(r.Status), field.Src{File: baseName(r.Src.File), Line: r.Src.Line}, r.At, 0}
	}
	for i, r := range b {
		kb[i] = masks.Apply(requestKey(r, nil))
		ib[i] = item{kb[i] + statusText(r.Status), field.Src{}, r.Time.Sub(start), r.Line}
	}
	eq := func(i, j int) bool {
		// The status where the log shows one (t225 replays a 5xx as
		// the platform: status fault with its code): a replay that
		// answers otherwise did not reproduce the exchange.
		if s := a[i].Status; s != 0 && s != b[j].Status {
			return false
		}
		if lost[i] == nil {
			return ka[i] == kb[j]
		}
		return ka[i] == masks.Apply(requestKey(b[j], lost[i]))
	}
	res.Compared[Requests] = len(a)
	res.markItems(ia)
	return firstDivergenceEq(playedBefore(res.Plan, rp, false), Requests, ia, ib, PlatformLog, "a request the recording lacks", eq)
}

// decisionKinds are the card's events that are its decisions; a replay
// compares them when the fixture carries the recorded run's events.
var decisionKinds = []eventlog.Kind{
	"cycle_started", "attempt", "attempt_skipped", "profile_enabled", "attach_failed", "fallback",
	"fallback_attached", "fallback_failed", "list_exhausted", "download_result", "cycle_ended", "backoff",
}

// decisionKey is how a decision is compared: its kind and what it chose.
func decisionKey(e fieldlog.RunEvent) string {
	s := e.Kind
	for _, f := range []string{"operator", "trigger", "role", "via", "outcome", "to_operator", "reason"} {
		if v := e.Str(f); v != "" {
			s += " " + f + "=" + v
		}
	}
	return s
}

func decisions(res *Result, rp *replayed) *Divergence {
	fs := res.Plan.Facts
	if fs.Events == nil {
		return nil
	}
	for _, k := range decisionKinds {
		if err := eventlog.CheckKind(k); err != nil {
			return &Divergence{Track: Decisions, Recorded: err.Error()}
		}
	}
	pick := func(evs []fieldlog.RunEvent) []fieldlog.RunEvent {
		var out []fieldlog.RunEvent
		for _, e := range evs {
			if e.Actor == eventlog.EUICC && slices.Contains(decisionKinds, eventlog.Kind(e.Kind)) {
				out = append(out, e)
			}
		}
		return out
	}
	f := res.Plan.Fixture
	li := f.LogIndex(fs.EventsFile)
	start := field.RigEpoch.Add(res.Plan.Start)
	var ia, ib []item
	for _, e := range pick(fs.Events) {
		ia = append(ia, item{decisionKey(e), field.Src{File: fs.EventsFile, Line: e.Line}, f.Time(li, e.Time), 0})
	}
	for _, e := range pick(rp.events) {
		ib = append(ib, item{decisionKey(e), field.Src{}, e.Time.Sub(start), e.Line})
	}
	res.Compared[Decisions] = len(ia)
	res.markItems(ia)
	return firstDivergence(playedBefore(res.Plan, rp, false), Decisions, ia, ib, "events.jsonl", "a decision the recorded run lacks")
}

// markCompared notes a recording line a track compares.
func (res *Result) markCompared(file string, line int) {
	res.comparedAt[field.Src{File: baseName(file), Line: line}] = true
}

// markItems notes the recording lines of a track's items.
func (res *Result) markItems(items []item) {
	for _, it := range items {
		res.markCompared(it.src.File, it.src.Line)
	}
}
