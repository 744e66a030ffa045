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
	masks := align.Masks{}
	for _, m := range p.Masks {
		masks = append(masks, m.Mask)
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
	order := map[Track]int{Exchanges: 0, URCs: 1, Requests: 2, Decisions: 3}
	slices.SortStableFunc(all, func(a, b *Divergence) int {
		if a.At != b.At {
			return int(a.At - b.At)
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

func exchanges(res *Result, rp *replayed, masks align.Masks) *Divergence {
	p := res.Plan
	f := p.Fixture
	for i, s := range p.Steps {
		k := rp.steps[i]
		if s.Skip != "" || k < 0 {
			continue
		}
		rec := f.Logs[s.Log]
		echo := rec.ShowsEcho // the replay's host log always shows it
		a := answerLines(rec, s.Entry, echo)
		b := answerLines(rp.host, k, echo)
		res.Compared[Exchanges]++
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
			d := &Divergence{Track: Exchanges, File: HostLog, Context: fmt.Sprintf("the answer to %s (%s)", s.Line, s.Src)}
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
			}
			if j < len(b) {
				d.Replayed, d.Line = b[j].Text, b[j].Line
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

// urcs compares the URCs of the logs' window: the recording's, and the
// replay's between the start of the logs and the end of the replay.
func urcs(res *Result, rp *replayed, masks align.Masks) *Divergence {
	p := res.Plan
	f := p.Fixture
	type urc struct {
		text string
		src  field.Src
		at   time.Duration
		line int
	}
	var a, b []urc
	for li, t := range f.Logs {
		for k, e := range t.Entries {
			if e.Role == fieldlog.URC {
				a = append(a, urc{masks.Apply(e.Text), field.Src{File: t.File, Line: e.Line}, f.EntryTime(li, k), e.Line})
			}
		}
	}
	slices.SortStableFunc(a, func(x, y urc) int { return int(x.at - y.at) })
	start := field.RigEpoch.Add(p.Start)
	for _, e := range rp.host.Entries {
		if e.Role == fieldlog.URC && !e.Time.Before(start) {
			b = append(b, urc{masks.Apply(e.Text), field.Src{}, e.Time.Sub(start), e.Line})
		}
	}
	res.Compared[URCs] = len(a)
	ta, tb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ta[i] = a[i].text
	}
	for i := range b {
		tb[i] = b[i].text
	}
	steps, err := align.Lines(ta, tb)
	if err != nil {
		return &Divergence{Track: URCs, Recorded: err.Error()}
	}
	var last urc
	for _, st := range steps {
		switch st.Op {
		case align.Same:
			last = a[st.A]
			continue
		case align.OnlyB:
			return &Divergence{Track: URCs, Src: field.Src{File: baseName(last.src.File), Line: last.line}, At: b[st.B].at,
				Replayed: b[st.B].text, File: HostLog, Line: b[st.B].line, Context: "a URC the recording lacks"}
		}
		d := &Divergence{Track: URCs, Src: field.Src{File: baseName(a[st.A].src.File), Line: a[st.A].line}, At: a[st.A].at, Recorded: a[st.A].text, File: HostLog}
		if st.Op == align.Changed {
			d.Replayed, d.Line = b[st.B].text, b[st.B].line
		}
		return d
	}
	return nil
}

// requestKey is how a card request is compared: route and what it is
// about, not its signature or times.
func requestKey(r fieldlog.Request) string {
	s := r.Method + " " + r.Path
	switch r.Path {
	case "/v1/preferred-list":
		s += " serving " + r.ServingPLMN
	case "/v1/notifications":
		s += " " + r.Kind
		if r.Operator != "" {
			s += " " + r.Operator
		}
	case "/v1/download":
		s += " " + r.Operator
	}
	return s
}

func requests(res *Result, rp *replayed, masks align.Masks) *Divergence {
	fs := res.Plan.Facts
	if len(fs.Requests) == 0 {
		return nil
	}
	modelled := slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return strings.Contains(a, "refusing connections") })
	var a []field.Request
	for _, r := range fs.Requests {
		if modelled && (r.Status >= 500 || r.Status == 0) {
			continue // modelled as refused connections: the platform never sees them
		}
		a = append(a, r)
	}
	var b []fieldlog.Request
	if rp.platform != nil {
		b = rp.platform.Requests
	}
	ta, tb := make([]string, len(a)), make([]string, len(b))
	for i, r := range a {
		ta[i] = masks.Apply(requestKey(r.Request))
	}
	for i, r := range b {
		tb[i] = masks.Apply(requestKey(r))
	}
	res.Compared[Requests] = len(a)
	steps, err := align.Lines(ta, tb)
	if err != nil {
		return &Divergence{Track: Requests, Recorded: err.Error()}
	}
	var last *field.Request
	for _, st := range steps {
		switch st.Op {
		case align.Same:
			last = &a[st.A]
			continue
		case align.OnlyB:
			d := &Divergence{Track: Requests, Replayed: tb[st.B], File: PlatformLog, Line: b[st.B].Line, Context: "a request the recording lacks",
				At: b[st.B].Time.Sub(field.RigEpoch.Add(res.Plan.Start))}
			if last != nil {
				d.Src = field.Src{File: baseName(last.Src.File), Line: last.Src.Line}
			}
			return d
		}
		d := &Divergence{Track: Requests, Src: field.Src{File: baseName(a[st.A].Src.File), Line: a[st.A].Src.Line}, At: a[st.A].At, Recorded: ta[st.A], File: PlatformLog}
		if st.Op == align.Changed {
			d.Replayed, d.Line = tb[st.B], b[st.B].Line
		}
		return d
	}
	return nil
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
	a, b := pick(fs.Events), pick(rp.events)
	ta, tb := make([]string, len(a)), make([]string, len(b))
	for i, e := range a {
		ta[i] = decisionKey(e)
	}
	for i, e := range b {
		tb[i] = decisionKey(e)
	}
	res.Compared[Decisions] = len(a)
	steps, err := align.Lines(ta, tb)
	if err != nil {
		return &Divergence{Track: Decisions, Recorded: err.Error()}
	}
	f := res.Plan.Fixture
	li := f.LogIndex(fs.EventsFile)
	var last *fieldlog.RunEvent
	for _, st := range steps {
		switch st.Op {
		case align.Same:
			last = &a[st.A]
			continue
		case align.OnlyB:
			d := &Divergence{Track: Decisions, Replayed: tb[st.B], File: "events.jsonl", Line: b[st.B].Line, Context: "a decision the recorded run lacks"}
			if last != nil {
				d.Src, d.At = field.Src{File: fs.EventsFile, Line: last.Line}, f.Time(li, last.Time)
			}
			return d
		}
		d := &Divergence{Track: Decisions, Src: field.Src{File: fs.EventsFile, Line: a[st.A].Line}, At: f.Time(li, a[st.A].Time), Recorded: ta[st.A], File: "events.jsonl"}
		if st.Op == align.Changed {
			d.Replayed, d.Line = tb[st.B], b[st.B].Line
		}
		return d
	}
	return nil
}
