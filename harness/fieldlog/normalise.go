package fieldlog

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// record is one line as a reader found it, before the conversation is
// put together.
type record struct {
	line int
	// end is the line the text's last byte is on when it is not line (a
	// modem line split over reads, or over a dump's rows); 0 else.
	end  int
	dir  Dir
	t    time.Time // zero: no time
	text string
	port string
	// apdu holds the bytes of an APDU line an LPA's library printed
	// (dir Host: command; Modem: response data and SW).
	apdu  []byte
	isAPD bool
	event *Event
	// timeout marks a note of the log's writer that it gave up waiting
	// for an answer (gammu's "[Retrying 1 type 0x00]", ModemManager's
	// "Serial command timed out", the harness's NoAnswerNote): the
	// command pending on port, or the only one pending anywhere when port
	// is "", went unanswered — if it is gaveUpOn, when the note names one.
	timeout  bool
	gaveUpOn string
	// echoOnly marks a modem line of a log that shows commands only
	// through their echo (lpac's old "AT_DEBUG: " lines): a line that
	// reads as a command is both the command and its echo.
	echoOnly bool
	// writes marks an echoOnly line of a log whose writer logs its own
	// writes the same way (lpac's old "AT_DEBUG: " lines): a line that
	// reads as a command while another awaits its final result is the
	// host's next command, not information text.
	writes bool
	// earlier marks a final result that is the command before the
	// pending one's: the host sent its next command before this result
	// came, and the modem answers in order (the terminal reader sees two
	// results follow).
	earlier bool
	// queued marks a command line at.log says the host sent while the
	// command before it ran (at.QueuedMark, taken off text): the modem
	// answers it after that command's final result.
	queued bool
	// noFinal and noAnswer, on a command, say why the log's writer does
	// not show its final result, or its whole answer (Entry.NoFinal,
	// Entry.NoAnswer): the log ending before them is no log cut short.
	noFinal, noAnswer string
}

// timedOut is the conversation whose pending command a writer's timeout
// note ends: port's, or with no port named the only one with a command
// pending; nil when none is pending or the note could be any of several.
func timedOut(ports map[string]*portConv, port string) *portConv {
	if port != "" {
		if c := ports[port]; c != nil && c.cmd >= 0 {
			return c
		}
		return nil
	}
	var found *portConv
	for _, c := range ports {
		if c.cmd < 0 {
			continue
		}
		if found != nil {
			return nil
		}
		found = c
	}
	return found
}

// normalise puts the records of one log together: pairs every command
// with its echo, information lines and final result, tells unsolicited
// result codes apart, splits lines that ran into each other, decodes the
// APDUs, and checks that times never go backwards and that the log does
// not end inside an answer.
func normalise(file string, clock Clock, showsEcho bool, recs []record, cut bool) (*Transcript, error) {
	// As many entries as records, most often: one allocation, not a
	// doubling series (a 32 MiB log holds hundreds of thousands).
	t := &Transcript{File: file, Clock: clock, ShowsEcho: showsEcho, Entries: make([]Entry, 0, len(recs))}
	var lastT time.Time
	lastLine := 0 // 0: no timed line yet
	ports := map[string]*portConv{}
	portOf := func(p string) *portConv {
		c := ports[p]
		if c == nil {
			c = &portConv{cmd: -1, prev: -1, form: at.NewOpenResultForm()}
			ports[p] = c
		}
		return c
	}
	add := func(e Entry) {
		t.Entries = append(t.Entries, e)
	}
	// A reader refuses a mix of kinds in its own words; a time without a
	// year among others would overflow any difference taken (the offsets
	// shown, a step back). A record's time is of the log's clock, which
	// a log of times may leave unnamed: read as Absolute, as kindOf does.
	kinds := logClock{undated: yearlessTimes}
	kindClock := clock
	if kindClock == NoTime {
		kindClock = Absolute
	}
	var firstT time.Time
	for ri, r := range recs {
		if !r.t.IsZero() {
			if err := kinds.kind(file, r.line, r.t, kindClock); err != nil {
				return nil, err
			}
			if firstT.IsZero() {
				firstT = r.t
			}
			if r.t.Sub(firstT) == math.MaxInt64 {
				// More than a time.Duration holds (292 years): every
				// offset shown from here would be that bound.
				return nil, errAt(file, r.line, "time %s is more than 292 years after line %d's %s: no log spans that, so a clock jumped (an RTC set wrong, then by the network); cut the log there", stamp(clock, r.t), kinds.from, stamp(clock, firstT))
			}
			if lastLine > 0 && r.t.Before(lastT) {
				return nil, outOfOrder(file, r.line, clock, r.t, lastT, lastLine)
			}
			lastT, lastLine = r.t, r.line
		}
		base := Entry{File: file, Line: r.line, Dir: r.dir, Time: r.t, Port: r.port, Cmd: -1, Event: r.event}
		if r.end > r.line {
			base.End = r.end
		}
		c := portOf(r.port)
		if c.data > 0 && r.dir != Tool && !r.isAPD {
			if !leavesDataMode(r, c) {
				e := base
				e.Dir, e.Role, e.Text = Tool, Note, r.text
				e.DataMode = fmt.Sprintf("data mode since line %d", c.data)
				add(e)
				continue
			}
			c.data = 0
		}
		if r.dir != Tool && !r.isAPD && pppFrames(r.text) {
			// PPP's frames where AT was expected: the modem was in data
			// mode already (pppd started on a modem left online).
			e := base
			e.Dir, e.Role, e.Text, e.DataMode = Tool, Note, r.text, pppNote
			add(e)
			continue
		}
		switch {
		case r.dir == Tool || r.isAPD:
			e := base
			if r.timeout {
				if p := timedOut(ports, r.port); p != nil && (r.gaveUpOn == "" || r.gaveUpOn == t.Entries[p.cmd].Text) {
					e.GaveUpOn = t.Entries[p.cmd].Line
					p.cmd, p.prev = -1, -1 // the writer stopped waiting: no answer came
				}
			}
			e.Role, e.Text = Note, r.text
			if r.isAPD {
				e.APDU = &APDU{Raw: r.apdu, Response: r.dir == Modem}
			}
			add(e)
			continue
		case r.dir == Host:
			e := base
			e.Role, e.Text, e.Queued = Command, r.text, r.queued
			e.NoFinal, e.NoAnswer = r.noFinal, r.noAnswer
			add(e)
			if r.queued && c.cmd >= 0 {
				// Its answer comes after the running one's (next).
				c.queue = append(c.queue, queuedCmd{i: len(t.Entries) - 1})
				continue
			}
			c.queue = nil // what waited went unanswered (a power cut)
			c.prev = c.cmd
			c.command(len(t.Entries)-1, r.text)
			c.form.Run(r.text)
			if strings.Contains(r.text, " (ignored: ") {
				c.cmd = -1 // the emulated modem logs a line it dropped
			}
			continue
		}
		pieces := splitJoined(r.text)
		for k, piece := range pieces {
			e := base
			e.Text, e.Joined = piece, k > 0
			if c.data > 0 {
				// The rest of the line after CONNECT: data mode.
				e.Dir, e.Role, e.Joined = Tool, Note, false
				e.DataMode = fmt.Sprintf("data mode since line %d", c.data)
				add(e)
				continue
			}
			if c.cmd >= 0 && dataCall.MatchString(t.Entries[c.cmd].Text) && (c.echoed || !c.answering) {
				if v, ok := connectResult(piece, c); ok {
					// A data call's CONNECT: its final result (V.250
					// §5.7.1), and the modem goes into data mode.
					e.Role, e.Cmd = Final, c.cmd
					if v != piece {
						e.Result = v
					}
					c.finalIn(&e, piece, v != piece, r.line)
					c.cmd, c.prev, c.data = -1, -1, r.line
					add(e)
					continue
				}
			}
			// The echo of a line sent while cmd ran, if it is one: the
			// modem echoes a line as it comes (a replay's host.log).
			queuedEcho := c.unechoed(t, piece)
			switch {
			case k == 0 && len(pieces) > 1 && c.prev >= 0 && c.cmd >= 0 && !c.echoed && pieces[1] == t.Entries[c.cmd].Text &&
				at.Classify(piece).Kind.IsFinal():
				// The last command's final result, run into this one's echo.
				e.Role, e.Cmd = Final, c.prev
				c.prev = -1
			case r.echoOnly && (c.cmd < 0 || r.writes && (c.answering || piece != t.Entries[c.cmd].Text)) && looksLikeCommand(piece):
				// The echo is all the log shows of the command.
				cmd := e
				cmd.Dir, cmd.Role, cmd.Joined = Host, Command, false
				add(cmd)
				c.prev = c.cmd // left without its final result, or given it run into this echo
				c.command(len(t.Entries)-1, piece)
				c.echoed = true
				c.form.Run(piece)
				e.Role, e.Cmd = Echo, c.cmd
			case c.cmd >= 0 && !c.echoed && !c.answering && piece == t.Entries[c.cmd].Text:
				e.Role, e.Cmd, c.echoed = Echo, c.cmd, true
			case c.cmd >= 0 && !c.echoed && !c.answering && piece == OverlongLine && len(t.Entries[c.cmd].Text) >= at.MaxResponseLine:
				// The echo of a command line as long as the recorder's
				// bound on a modem's line (the AT client's): dropped
				// for its length, the placeholder in its place; a
				// shorter line's echo is never dropped, so there it
				// stands for an answer's line.
				e.Role, e.Cmd, c.echoed = Echo, c.cmd, true
			case queuedEcho != nil:
				queuedEcho.echoed = true
				e.Role, e.Cmd = Echo, queuedEcho.i
			default:
				res := at.Classify(piece)
				if v, ok := at.NumericResult(piece); ok && c.numeric() {
					switch vr := at.Classify(v); {
					case r.earlier && vr.Kind.IsFinal():
						res, e.Result = vr, v
					case c.cmd < 0 && (v == "RING" || c.form.V() == at.VNumeric):
						res, e.Result = vr, v
					case c.cmd >= 0 && vr.Kind.IsFinal() && !c.digitIsInfo(recs[ri+1:], r.port, pieces[k+1:], t.Entries[c.cmd].Text):
						// A bare digit before the final result is
						// information text (a bare +CCHO channel).
						res, e.Result = vr, v
					}
				}
				switch {
				case c.cmd >= 0 && callEnd(piece, e.Result) && !callCommand(t.Entries[c.cmd].Text) &&
					finalLater(recs[ri+1:], r.port, pieces[k+1:]):
					// A call's end the network caused (V.250 §5.7.1: NO
					// CARRIER, BUSY, NO ANSWER) during a command that
					// places or answers none: the modem's own news, and
					// the command's final result is still to come.
					e.Role = URC
				case res.Kind.IsFinal() && r.earlier && c.prev >= 0:
					e.Role, e.Cmd = Final, c.prev
					c.finalIn(&e, piece, e.Result != "", r.line)
					c.prev = -1 // cmd still awaits its own
				case res.Kind.IsFinal() && c.cmd >= 0:
					e.Role, e.Cmd = Final, c.cmd
					c.finalIn(&e, piece, e.Result != "", r.line)
					c.next(t)
				case res.Kind.IsFinal():
					e.Role = Final // a final result nobody asked for
				case e.Result != "":
					e.Role = URC // RING in numeric form
				case c.cmd >= 0 && !c.echoed && !c.answering && echoNext(recs[ri+1:], r.port, pieces[k+1:], t.Entries[c.cmd].Text):
					// The modem's line came before the command's echo: it
					// is no answer to it (a URC sent as the host typed).
					e.Role = URC
				case c.cmd >= 0:
					e.Role = URC
					if pr, ok := c.answers(piece, t.Entries[c.cmd].Text); ok {
						e.Role, e.Cmd, e.Sub, e.Unsure, e.Or, c.answering = Info, c.cmd, pr.sub, pr.unsure, pr.or, true
					}
				default:
					e.Role = URC
				}
				if e.Role == URC && at.IsPowerURC(piece) {
					// The modem powered on (or down, to power on
					// again): it answers from here in the form its
					// stored profile gives, as the timeline reads it.
					c.form.Boot()
					c.formLine = r.line
				}
			}
			add(e)
		}
		if len(t.Entries) > MaxEntries {
			return nil, errAt(file, r.line, "more than %d entries", MaxEntries)
		}
	}
	for _, c := range ports {
		if c.cmd >= 0 {
			e := t.Entries[c.cmd]
			if ControlOnly(e.Text) && len(t.Answer(c.cmd)) == 0 {
				continue // gammu's ESC: no command line, so no answer is owed
			}
			if e.NoFinal != "" || e.NoAnswer != "" {
				continue // its writer does not show the final result
			}
			if slices.ContainsFunc(t.Entries[c.cmd+1:], func(n Entry) bool { return n.Port == e.Port && n.Dir == Modem && at.IsPowerURC(n.Text) }) {
				// The modem booted with the command in flight (a
				// watchdog, a crash) and never answered it: the boot is
				// what the log shows of it, not a log cut short (outside
				// tester sw111: refused as "truncated?").
				continue
			}
			what := "the log ends"
			last := e.Line // the line the log stops in: the answer's last, else the command's
			if a := t.Answer(c.cmd); len(a) > 0 {
				last = a[len(a)-1].Line
			}
			if len(recs) > 0 {
				last = max(last, recs[len(recs)-1].line)
			}
			if cut {
				what = fmt.Sprintf("the log is cut off (its last line, %d, has no line ending)", last)
			}
			fix := fmt.Sprintf("; the log stops in line %d: if it was cut there (log rotation, a paste), cut it after line %d, before that command, to replay what comes before it", last, e.Line-1)
			if e.Line <= 1 {
				fix = fmt.Sprintf("; the log stops in line %d and holds nothing before that command", last)
			}
			if why := swappedHint(t.Entries, e.Port); why != "" {
				// Not a log cut short: the modem's lines are marked as
				// the host's, so its final results read as commands.
				return nil, errAt(file, e.Line, "%s before the final result of %s: directions swapped? %s", what, Escape(e.Text), why)
			}
			return nil, errAt(file, e.Line, "%s before the final result of %s: truncated?%s%s", what, Escape(e.Text), c.digitHint(t.Answer(c.cmd)), fix)
		}
	}
	if len(t.Entries) == 0 {
		return nil, errAt(file, 0, "no %s lines in the log", "conversation")
	}
	skipOpenAnswer(t)
	if err := ownAnswers(t); err != nil {
		return nil, err
	}
	decodeAPDUs(t)
	return t, nil
}

// gaveUpOn is the command of e's port, named name, that a note of the
// log's writer before e gave up waiting for (Entry.GaveUpOn: ModemManager's
// "timed out"), and that note's line.
func gaveUpOn(t *Transcript, e Entry, name string) (cmd Entry, note int, ok bool) {
	for _, n := range t.Entries {
		if n.Line >= e.Line || n.GaveUpOn <= 0 || n.Port != e.Port {
			continue
		}
		for _, c := range t.Entries {
			if c.Role == Command && c.Line == n.GaveUpOn && c.Port == e.Port && strings.Contains(strings.ToUpper(c.Text), name) {
				cmd, note, ok = c, n.Line, true
			}
		}
	}
	return cmd, note, ok
}

// ownAnswers refuses a line only its own command's answer can be (a card
// access command's, at.AnswerOnly: never unsolicited) that is no answer
// of that command: taken for a URC, or for another command's answer, it
// would leave its command's answer out of the replay and put it in
// another's (outside tester t166 F2: two ports' lines read as one port's).
func ownAnswers(t *Transcript) error {
	for _, e := range t.Entries {
		name := ""
		if e.Dir == Modem && (e.Role == URC || e.Role == Info) {
			name = at.AnswerOnly(e.Text)
		}
		if name == "" {
			continue
		}
		what := "while no command awaits its result"
		if e.Cmd >= 0 {
			cmd := t.Entries[e.Cmd]
			if strings.Contains(strings.ToUpper(cmd.Text), name) {
				continue
			}
			what = fmt.Sprintf("during %s (line %d)", clip(cmd.Text), cmd.Line)
		} else if k := slices.IndexFunc(t.Entries, func(c Entry) bool { return c.Role == Command && c.Port == e.Port && c.Line <= e.Line }); k < 0 {
			continue // before the port's first command: an answer the log begins inside
		}
		if late, gaveUp, ok := gaveUpOn(t, e, name); ok {
			// The host's own timeout, before it: a slow card's answer,
			// not a line of another port (outside tester t178 N10).
			return errAt(t.File, e.Line, "%s %s: the late answer to %s (line %d), which the host gave up on at line %d (its own timeout), the modem answering after it stopped waiting; the reader does not pair an answer after its command's timeout: cut the log before line %d",
				clip(e.Text), what, clip(late.Text), late.Line, gaveUp, late.Line)
		}
		return errAt(t.File, e.Line, "%s %s: only the answer of AT%s, which TS 27.007 never sends unsolicited; a line of another AT port (a log of two ports read as one: log each port apart, or name it, e.g. a logger per tty), or its command lost from the log", clip(e.Text), what, name)
	}
	return nil
}

// portConv is where the conversation on one port stands.
type portConv struct {
	cmd               int // index of the command awaiting its final result, -1 none
	echoed, answering bool
	// prev is the command before cmd when its final result had not
	// come yet: a modem that ends a final result without a line feed
	// shows it at the start of the next command's echo.
	prev int
	// queue are the command lines at.log says the host sent while cmd
	// ran (Entry.Queued), in order: each awaits its final result once
	// the one before it has had its own.
	queue []queuedCmd
	// form is the form of the modem's result codes as the log shows it
	// (the timeline reads at.log's with the same at.ResultForm): run on
	// cmd's line, and on each line of the queue as it starts to run.
	form at.ResultForm
	// formLine is the line of the final result that showed form, or of
	// the boot that set it (form.Booted).
	formLine int
	// data is the line of the CONNECT that put the port in data mode, 0
	// while it is in command mode.
	data int
	// cmds are the commands of cmd's line when it holds several
	// (lineCommands), sub the one whose answer is coming and subLines
	// how many lines it has given.
	cmds          []at.Command
	sub, subLines int
	// header says the last line sub gave was an SMS read's header
	// (+CMGL:, +CMGR:), and smsText that it was text mode's (its <stat>
	// quoted): a message of several lines may follow.
	header, smsText bool
}

// next ends the command awaiting its final result: the first of the
// lines sent while it ran, if any, awaits its own now.
func (c *portConv) next(t *Transcript) {
	c.cmd, c.prev = -1, -1
	if len(c.queue) == 0 {
		return
	}
	q := c.queue[0]
	c.queue = c.queue[1:]
	c.command(q.i, t.Entries[q.i].Text)
	c.echoed = q.echoed
	c.form.Run(t.Entries[q.i].Text)
}

// queuedCmd is a command line sent while another ran: its index, and
// whether its echo, which the modem sends as the line comes, has been
// seen.
type queuedCmd struct {
	i      int
	echoed bool
}

// unechoed is the first line waiting in the queue, not yet echoed,
// whose echo the modem line piece is; nil for none.
func (c *portConv) unechoed(t *Transcript, piece string) *queuedCmd {
	for k := range c.queue {
		if q := &c.queue[k]; !q.echoed && t.Entries[q.i].Text == piece {
			return q
		}
	}
	return nil
}

// command makes the command line at index i the one awaiting its final
// result.
func (c *portConv) command(i int, text string) {
	c.cmd, c.echoed, c.answering = i, false, false
	c.cmds, c.sub, c.subLines = lineCommands(text), 0, 0
	c.header, c.smsText = false, false
}

// lineCommands are the commands of a command line that holds several
// (AT+CSQ;+CPIN?: V.250 §5.2.1), as the codec parses them; nil for a
// line of one command, or one that does not parse.
func lineCommands(text string) []at.Command {
	if strings.IndexByte(text, ';') < 0 {
		return nil
	}
	cmds, err := at.Parse(text)
	if err != nil || len(cmds) < 2 {
		return nil
	}
	return cmds
}

// pairing is which of a command line's commands an information line
// answers: sub; when the log cannot tell (unsure), or the other it may.
type pairing struct {
	sub, or int
	unsure  bool
}

// answers reports whether line, arriving while the command line cmd
// awaits its final result, answers it, and which of its commands.
// A line of several commands gets their information text in command
// order, then one final result (V.250 §5.2.1, §5.7.2; TS 27.007 §4.1:
// an error ends the line at the command that failed): a line carrying a
// name ("+CPIN: READY") answers the next of its commands by that name —
// a URC's name that none of them has makes it a URC, as during a command
// alone —; a line without one answers the command in progress, or, once
// that has given a line, the one it belongs to by nameless.
func (c *portConv) answers(line, cmd string) (pairing, bool) {
	if c.cmds == nil {
		return pairing{}, !unsolicited(line, cmd)
	}
	if bareURC(line) || unaskedCodes[line] {
		return pairing{}, false
	}
	name, named := at.InfoName(line)
	pr := pairing{sub: c.sub}
	switch k := c.named(name); {
	case !named:
		if c.subLines > 0 {
			pr = c.nameless(line)
		}
	case k >= 0:
		pr.sub = k
		if regNames[name] && regURCShape(strings.TrimPrefix(line, name+":")) {
			return pairing{}, false // the notification's shape, not the read's
		}
	case slices.ContainsFunc(urcPrefixes, func(p string) bool { return strings.HasPrefix(line, p) }):
		return pairing{}, false // a URC's name, which no command of the line has
	}
	if pr.sub != c.sub {
		c.sub, c.subLines = pr.sub, 0
	}
	c.subLines++
	c.header = named && smsRead(c.cmds[c.sub].Name) && strings.EqualFold(name, c.cmds[c.sub].Name)
	if c.header {
		c.smsText = smsTextHeader(name, line)
	}
	return pr, true
}

// nameless pairs a line without a name that comes once the command in
// progress (sub) has given a line: it answers the next command of the
// line whose answer carries no name (+CIMI after +CSQ), unless the one in
// progress answers several such lines and the line may be its own — an
// identity command's (ATI: "Quectel", "EG25", "Revision: …"; V.250
// §6.1.3 lets its text run over lines), or an SMS read's message after
// its header (+CMGL, +CMGR). Such a command keeps the lines until one
// that can only be the next's (an IMSI after ATI); where either may
// have given it (a text message's line of digits before +CIMI's, ATI's
// lines before +CGMM's), the pairing is unsure (V.250 §5.7.1 gives
// information text no length) and the replay does not compare it.
func (c *portConv) nameless(line string) pairing {
	stay := pairing{sub: c.sub}
	k := slices.IndexFunc(c.cmds[c.sub+1:], func(x at.Command) bool { return at.Unnamed(x.Name) })
	if k < 0 {
		return stay // no later command answers so: the one in progress runs on
	}
	next := pairing{sub: c.sub + 1 + k}
	cur := c.cmds[c.sub]
	sms := smsRead(cur.Name)
	switch {
	case sms && c.header:
		return stay // a message follows its header
	case sms && !c.smsText:
		return next // a PDU is one line (TS 27.005 §3.4.2)
	case !sms && !severalLines(cur.Name):
		return next
	}
	switch shape := answerShape(c.cmds[next.sub].Name, line); {
	case shape == onlyIts && !sms:
		return next
	case shape == notIts:
		return stay
	case shape == onlyIts, shape == maybeIts && c.cmds[next.sub].Name == "+CIMI":
		// A text message may hold a line of digits: the IMSI more likely.
		return pairing{sub: next.sub, or: c.sub, unsure: true}
	}
	return pairing{sub: c.sub, or: next.sub, unsure: true}
}

// smsRead reports the SMS reads whose answer is a header line and the
// message after it (TS 27.005 §3.4.2, §3.4.3): +CMGL, +CMGR.
func smsRead(name string) bool { return name == "+CMGL" || name == "+CMGR" }

// smsTextHeader reports an SMS read's header in text mode: its <stat>
// quoted ("REC UNREAD"), where PDU mode gives a number (+CMGL: 1,1,,24).
func smsTextHeader(name, line string) bool {
	_, rest, _ := strings.Cut(line, ":")
	fields := strings.Split(rest, ",")
	i := 0 // +CMGR: <stat>,…
	if strings.EqualFold(name, "+CMGL") {
		i = 1 // +CMGL: <index>,<stat>,…
	}
	return i < len(fields) && strings.HasPrefix(strings.TrimSpace(fields[i]), `"`)
}

// severalLines reports a command whose nameless answer may run over
// several lines: the identity commands of V.250 §6.1 and TS 27.007 §5
// (I, +GMI, +CGMI, …) but +CIMI, whose IMSI is one.
func severalLines(name string) bool { return at.Unnamed(name) && name != "+CIMI" }

// shapeFit is how a line without a name fits a command's answer.
type shapeFit int

const (
	maybeIts shapeFit = iota // any text may be (ATI's)
	onlyIts                  // no other answer has its shape (an IMSI's 14 or 15 digits)
	notIts                   // not its shape
)

// answerShape is how line fits the answer of the command name: an
// IMSI is 6 to 15 digits (TS 23.003 §2.2), 14 or 15 but on a few
// networks, some hidden by x or * in a pasted log; the identity
// commands' text has no shape.
func answerShape(name, line string) shapeFit {
	if name != "+CIMI" {
		return maybeIts
	}
	v := strings.Trim(strings.TrimSpace(line), `"`)
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == 'x' || c == 'X' || c == '*':
			if i < 5 {
				return notIts // the MCC and MNC show
			}
		default:
			return notIts
		}
	}
	switch {
	case len(v) < 6 || len(v) > 15:
		return notIts
	case len(v) >= 14:
		return onlyIts
	}
	return maybeIts
}

// named is the command of the line that a line carrying name answers, -1
// for none: the first by that name from the one in progress on — past
// the one in progress once it has given a line and another by the name
// follows (AT+COPS?;+COPS=3,2;+COPS? answers two +COPS: lines), and past
// a set command that a read or test of its name follows (the +COPS: of
// AT+COPS=3,0;+COPS? is the read's).
func (c *portConv) named(name string) int {
	stay := -1
	for j := c.sub; j < len(c.cmds); j++ {
		x := c.cmds[j]
		if !strings.EqualFold(x.Name, name) {
			continue
		}
		switch {
		case j == c.sub && c.subLines > 0:
			stay = j // its answer may run on to more lines
		case x.Form == at.Set && slices.ContainsFunc(c.cmds[j+1:], func(y at.Command) bool { return y.Name == x.Name && y.Form != at.Set }):
		default:
			return j
		}
	}
	return stay
}

// dataCall is a command a modem answers with CONNECT when it goes into
// data mode (V.250 §6.3: D dials, A answers, O returns online; 27.007's
// +CGDATA): ATD without the ";" of a voice call.
var dataCall = regexp.MustCompile(`^(?i:AT(?:D[^;]*|A|O0?|\+CGDATA(?:=.*)?))$`)

// connectLine is CONNECT, with the text some modems add ("CONNECT
// 115200", "CONNECT 150000000").
var connectLine = regexp.MustCompile(`^CONNECT(?: .*)?$`)

// connectResult reads line as CONNECT in the form the port answers in:
// its words, or 1 in numeric form (ATV0). v is the verbose form.
func connectResult(line string, c *portConv) (v string, ok bool) {
	if connectLine.MatchString(line) {
		return line, true
	}
	if n, isNum := at.NumericResult(line); isNum && n == "CONNECT" && c.numeric() {
		return n, true
	}
	return "", false
}

// pppNote marks the notes of lines that are PPP's frames.
const pppNote = "PPP frames: the modem is in data mode"

// pppFrames reports a line that is PPP's HDLC-like framing (RFC 1662
// §4): a 0x7E flag and bytes escaped with 0x7D — each control character
// (the default ACCM), the flag and the escape itself sent as 0x7D and
// the byte XOR 0x20, so "}" before a character in 0x20–0x3F, "]" or
// "^". Three such escapes and a flag, or, in a piece of a frame cut
// where a log cut its line, eight making up two fifths of it: AT text
// (JSON's "},") has neither.
func pppFrames(s string) bool {
	esc := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] != 0x7D {
			continue
		}
		if d := s[i+1]; d >= 0x20 && d <= 0x3F || d == 0x5D || d == 0x5E {
			esc++
			i++
		}
	}
	return esc >= 3 && strings.IndexByte(s, 0x7E) >= 0 || esc >= 8 && esc*2*5 >= len(s)*2
}

// leavesDataMode reports a line that ends data mode on its port: the
// modem's NO CARRIER (the call dropped), or the host's escape (+++) or a
// command line (the host dropped DTR, which no log shows).
func leavesDataMode(r record, c *portConv) bool {
	if r.dir == Host {
		s := strings.TrimSpace(r.text)
		return s == "+++" || looksLikeCommand(s)
	}
	for _, p := range splitJoined(r.text) {
		if v, ok := at.NumericResult(p); p == "NO CARRIER" || ok && v == "NO CARRIER" && c.form.V() != at.VVerbose {
			return true
		}
	}
	return false
}

// numeric reports whether a bare result digit may be a result code now
// (at.ResultForm.Digits): in numeric mode, before the log has shown
// either form (the ATV0 may have come before it began), and for a
// command that sets V, whose own result may come in either.
func (c *portConv) numeric() bool { return c.form.Digits(c.cmd >= 0) }

// finalIn notes the final result text of e that came at line, sent as a
// digit (numeric) or in words (at.ResultForm.Shown), and the line if it
// showed the form, or, an OK to a restart (at.Restarts), booted the
// modem. A digit where a boot loaded a profile the log does not show is
// that profile's (Entry.StoredV0).
func (c *portConv) finalIn(e *Entry, text string, numeric bool, line int) {
	e.StoredV0 = numeric && c.form.BootedUnknown()
	if c.form.Shown(text, numeric) {
		c.formLine = line
	}
}

// digitHint says why a command whose answer ends in a bare digit got no
// final result: a numeric result code where the log has the modem verbose
// (an ATV0 it does not show), or a digit that is no result code.
func (c *portConv) digitHint(answer []Entry) string {
	if len(answer) == 0 {
		return ""
	}
	last := answer[len(answer)-1].Text
	if len(last) != 1 || last[0] < '0' || last[0] > '9' {
		return ""
	}
	v, ok := at.NumericResult(last)
	switch {
	case !ok:
		return fmt.Sprintf(" (its last line, %s, is a bare digit but no V.250 result code)", last)
	case at.Classify(v).Kind.IsFinal() && c.form.V() == at.VVerbose && c.form.Booted():
		// Only a profile the log's own AT&W stored is known at a boot
		// (at.NewOpenResultForm): it was V1.
		return fmt.Sprintf(" (its last line, %s, is %s in numeric form, but the modem answers in words since its boot at line %d, which loaded the profile the log's AT&W stored, in words (V.250 §6.1.1): an ATV0 the log does not show?)", last, v, c.formLine)
	case at.Classify(v).Kind.IsFinal() && c.form.V() == at.VVerbose:
		return fmt.Sprintf(" (its last line, %s, is %s in numeric form, but the modem answers in words since line %d: an ATV0 the log does not show?)", last, v, c.formLine)
	}
	return "" // CONNECT, RING: no final result in either form
}

// swappedHint says why a log on port reads as one whose directions are
// swapped, or "" when it does not: every final result code (V.250 §5.7.1,
// in words or as a digit) is in the host's direction, none in the
// modem's, and the modem's holds command lines ("AT…"). A modem ends each
// command with a final result and sends no command line, so those are the
// host's lines and the modem's marked the other way (a sniffer's two
// addresses given in the other order).
func swappedHint(entries []Entry, port string) string {
	var hostFinal, modemAT *Entry
	finals := 0
	for i := range entries {
		e := &entries[i]
		if e.Port != port {
			continue
		}
		switch {
		case e.Dir == Modem && isFinal(e.Text):
			return ""
		case e.Dir == Host && isFinal(e.Text):
			finals++
			if hostFinal == nil {
				hostFinal = e
			}
		case e.Dir == Modem && modemAT == nil && len(e.Text) >= 2 && strings.EqualFold(e.Text[:2], "AT"):
			modemAT = e
		}
	}
	if hostFinal == nil || modemAT == nil {
		return ""
	}
	return fmt.Sprintf("every final result code in the log (%d, the first %s at line %d) is in the host's direction and none in the modem's, which holds command lines (%s at line %d): "+
		"the modem's lines are marked as the host's (a sniffer's two addresses given the other way round?)", finals, Escape(hostFinal.Text), hostFinal.Line, Escape(modemAT.Text), modemAT.Line)
}

// maxAhead is how many of the modem's next records a look ahead reads:
// what is looked for comes within a few lines, or never.
const maxAhead = 64

// isFinal reports a final result, in words or as its digit (ATV0).
func isFinal(s string) bool {
	v, ok := at.NumericResult(s)
	return at.Classify(s).Kind.IsFinal() || ok && at.Classify(v).Kind.IsFinal()
}

// modemAhead walks the modem's next lines on port, before the host's next
// line there: the pieces left of the line being read first, then the
// records after it (at most maxAhead of the modem's), until visit says it
// has its answer. queued, when not nil, is told of each host line at.log
// marks as sent while a command ran (record.queued), which the walk then
// passes: it runs after the lines it waits for.
func modemAhead(recs []record, port string, pieces []string, queued func(), visit func(piece string) (answer, done bool)) bool {
	for _, p := range pieces {
		if answer, done := visit(p); done {
			return answer
		}
	}
	seen := 0
	for _, r := range recs {
		switch {
		case r.port != port || r.dir == Tool || r.isAPD:
		case r.dir == Host && r.queued && queued != nil:
			queued()
		case r.dir == Host || seen >= maxAhead:
			return false
		default:
			seen++
			for _, p := range splitJoined(r.text) {
				if answer, done := visit(p); done {
					return answer
				}
			}
		}
	}
	return false
}

// callCommand is a command whose final result may be a call's result
// code (V.250 §6.3: D dials, A answers, O returns online; TS 27.007
// §6.1 D and §10.1.12 +CGDATA, §6.26 +CDU dials a URI).
var callCommand = regexp.MustCompile(`^(?i:AT(?:D.*|A|O0?|\+CGDATA(?:=.*)?|\+CDU=.*))$`).MatchString

// callEnd reports the result codes that end a call attempt or a call
// (V.250 §5.7.1 table 1), in words or, as v, read from their digit.
func callEnd(piece, v string) bool {
	if v == "" {
		v = piece
	}
	return v == "NO CARRIER" || v == "BUSY" || v == "NO ANSWER"
}

// finalLater reports whether a final result comes among the modem's next
// lines on port, before the host's next line there.
func finalLater(recs []record, port string, pieces []string) bool {
	return modemAhead(recs, port, pieces, nil, func(s string) (bool, bool) {
		final := isFinal(s)
		return final, final
	})
}

// finalNext reports whether the modem's next line on port that is not
// unsolicited during cmd, before the host's next line there, is a final
// result (verbose or numeric): a boot's readiness URC (+QIND: SMS DONE)
// may come between a bare +CCHO channel and its OK.
func finalNext(recs []record, port string, pieces []string, cmd string) bool {
	return modemAhead(recs, port, pieces, nil, func(s string) (bool, bool) {
		final := isFinal(s)
		return final, final || !unsolicited(s, cmd)
	})
}

// digitIsInfo reports whether a bare digit the modem sent while cmd ran
// is information text before cmd's final result rather than that result:
// a final result comes next. With lines the host sent while cmd ran
// (queue), the finals ahead are theirs too, each after the one before: the
// digit is information only if more finals come than the lines waiting
// for one (t185 F3: AT+CGMI's 0 under ATV0 read as its information text,
// and the 4 of the AT+FOO queued behind it as its final, every answer
// after it a line off).
func (c *portConv) digitIsInfo(recs []record, port string, pieces []string, cmd string) bool {
	if len(c.queue) == 0 {
		return finalNext(recs, port, pieces, cmd)
	}
	finals, waiting := 0, len(c.queue)
	modemAhead(recs, port, pieces, func() { waiting++ }, func(s string) (bool, bool) {
		if isFinal(s) {
			finals++
		}
		return false, false // count to the walk's end
	})
	return finals > waiting
}

// echoNext reports whether the echo of cmd is among the modem's next
// lines on port, before its next final result and the host's next line.
func echoNext(recs []record, port string, pieces []string, cmd string) bool {
	return modemAhead(recs, port, pieces, nil, func(p string) (bool, bool) {
		return p == cmd, p == cmd || at.Classify(p).Kind.IsFinal()
	})
}

// skipOpenAnswer turns into notes the answers a log begins inside: on
// each port, the modem's lines up to the first final result nobody asked
// for, all before the log's first command — the answer to a command the
// log cut off (journalctl --since), which no replay can give again, or
// from the echo of a command the log does not show. It
// looks no further than the first command on any port: past it, a final
// result nobody asked for is a stray one, not the start's, and the lines
// before it on a quiet port are the conversation's. Each line skipped has
// OpenAnswer set.
func skipOpenAnswer(t *Transcript) {
	head := t.Entries
	if first := slices.IndexFunc(head, func(e Entry) bool { return e.Role == Command }); first >= 0 {
		head = head[:first]
	}
	skip := func(a *Entry) { a.Dir, a.Role, a.Joined, a.OpenAnswer = Tool, Note, false, true }
	done := map[string]bool{} // ports whose open answer ended
	for i, e := range head {
		if e.Dir != Modem || e.Role != Final || e.Cmd >= 0 || done[e.Port] {
			continue
		}
		done[e.Port] = true
		for j := range head[:i+1] {
			if a := &head[j]; a.Dir == Modem && a.Port == e.Port {
				skip(a)
			}
		}
	}
	// The echo of a command the log does not show (its frame sent before
	// the log began, as in a gammu log cut mid-exchange) opens an answer
	// too, final result or not: it and what follows it on its port are
	// that answer, no URC.
	for i, e := range head {
		if e.Dir != Modem || e.Role == Final || done[e.Port] || !looksLikeCommand(e.Text) {
			continue
		}
		done[e.Port] = true
		for j := i; j < len(head); j++ {
			if a := &head[j]; a.Dir == Modem && a.Port == e.Port {
				skip(a)
			}
		}
	}
}

// outOfOrder is the error for a line timed before the one of line
// last: most often the device's clock stepped back (an NTP or RTC sync on
// a gateway without a battery-backed clock, a time set with AT+CCLK), so
// it says by how much and what to do.
func outOfOrder(file string, line int, c Clock, t, last time.Time, lastLine int) error {
	return errAt(file, line, "time %s is before the %s of line %d: timestamps out of order (the clock stepped back %s: an NTP or RTC sync, a time set?); shift the times before line %d by -%s, or those from it on by +%s, so that they run on, or cut the log at line %d and keep one side (split into two files, it still replays by its times)",
		stamp(c, t), stamp(c, last), lastLine, last.Sub(t), line, last.Sub(t), last.Sub(t), line)
}

func stamp(c Clock, t time.Time) string {
	switch {
	case c == Relative:
		return t.Sub(RelativeEpoch).String()
	case t.Year() < 1000: // a date without a year: near year 0 (yearless)
		return t.Format("Jan 02 15:04:05.000000")
	}
	return t.Format(time.RFC3339Nano)
}

// splitJoined cuts a modem line where a final result code ran straight on
// into the echo of the next command ("OK" + "AT+CGLA=…", with or without
// the CR between them), as a modem that ends its final result without a
// line feed shows it.
func splitJoined(s string) []string {
	var out []string
	for {
		if i := strings.IndexByte(s, '\r'); i >= 0 {
			if i > 0 {
				out = append(out, s[:i])
			}
			s = s[i+1:]
			continue
		}
		cut := false
		for _, f := range []string{"OK", "ERROR"} {
			if len(s) > len(f) && strings.HasPrefix(s, f) && looksLikeCommand(s[len(f):]) {
				out = append(out, f)
				s = s[len(f):]
				cut = true
				break
			}
		}
		if !cut {
			if s != "" || len(out) == 0 {
				out = append(out, s)
			}
			return out
		}
	}
}

// looksLikeCommand reports a line that starts a command ("AT…", any case).
func looksLikeCommand(s string) bool {
	return len(s) >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'T' || s[1] == 't') && at.Classify(s).Kind == at.Info
}

// commandLines looks at the lines of b as a host's bytes are cut
// (lineCutter): whether any and whether all of them are command lines as
// a host writes them, "AT…" (any case) or "A/". Text typed after a
// prompt and ended by Ctrl-Z or ESC (an SMS PDU) counts as neither.
func commandLines(b []byte) (some, all bool) {
	c := lineCutter{dir: Host}
	ls := c.feed(string(b), 0, time.Time{})
	if len(c.buf) > 0 {
		ls = append(ls, cutLine{text: string(c.buf)})
	}
	all = true
	for _, l := range ls {
		s := strings.TrimSpace(l.text)
		if s == "" || strings.HasSuffix(s, "\x1a") || strings.HasSuffix(s, "\x1b") {
			continue
		}
		cmd := looksLikeCommand(s) || s == "A/"
		some, all = some || cmd, all && cmd
	}
	return some, all
}

// urcPrefixes start unsolicited result codes (TS 27.007 and the vendors'
// own), by the command name a solicited answer would carry.
var urcPrefixes = []string{
	"+CEREG:", "+CREG:", "+CGREG:", "+C5GREG:", "+CUSATP:", "+CUSATEND", "+QUSIM:", "+QIND:", "+QSTK",
	"+CTZV:", "+CTZE:", "+CIEV:", "+CMTI:", "+CRING:", "+CGEV:", "+STIN:", "+CPIN:", "+SIMCARD:",
	"^SIMST:", "+CCLK:", "+PACSP", "+QNETDEVSTATUS", "+CFUN:",
	// SIM Toolkit notifications: Sierra's, u-blox's raw and dedicated
	// modes (the latter Telit's and Intel-based Fibocoms' too), Cinterion's,
	// Telit's.
	"+STKPCI:", "+UCATPROI:", "+STKPRO:", "+STKCNF:", "+STKEND", "+STKCC:", "^SSTN:", "#STN:",
	"+CSCON:", "+CUSD:", "+CMT:", "+CDS:", "^RSSI:", "^HCSQ:", "^MODE:", "^BOOT:",
	// Calls and messages the network brings, whenever it brings them
	// (TS 27.007 §7.6 +CLIP, §7.12 +CCWA, §7.17 +CSSU; TS 27.005 §3.4.1
	// +CBM, +CDSI).
	"+CLIP:", "+CCWA:", "+CSSU:", "+CBM:", "+CDSI:",
	// The card's state as vendors report it: u-blox's, Quectel's.
	"+UUSIMSTAT:", "+QSIMSTAT:",
	// More of them: Telit's card state, the nRF91's card, signal, network
	// time and EMM cause reports, Huawei's SIM Toolkit, Intel-based
	// Fibocoms' card state, and the network's IMS voice support (TS 27.007
	// +CIREP's +CIREPI). Each is an answer during its own command only.
	"#QSS:", "%XSIM:", "%CESQ:", "%XTIME:", "+CNEC_ESM:", "^STIN:", "+XSIM:", "+CIREPI:",
}

// unaskedCodes are result codes no command answers: RING (V.250 §5.7.1,
// result code 2) comes whenever a call does.
var unaskedCodes = map[string]bool{at.Ring: true}

// unsolicited reports whether line, arriving while cmd awaits its final
// result, is a URC rather than cmd's answer: a boot URC without a name
// (RDY, SMS DONE), any line during a bare AT, or a URC prefix that is not
// cmd's own (+CEREG: during AT+CGLA; not during AT+CEREG?, but for the
// URC's shape).
func unsolicited(line, cmd string) bool {
	if bareURC(line) || unaskedCodes[line] { // boot URCs (Quectel's RDY, SIMCom's PB DONE), RING
		return true
	}
	if strings.EqualFold(strings.TrimSpace(cmd), "AT") {
		// A bare AT answers nothing but its final result: a line before
		// it is the modem's own (the nRF9160 SLM's Ready at boot).
		return true
	}
	for _, p := range urcPrefixes {
		if strings.HasPrefix(line, p) {
			name := strings.TrimSuffix(p, ":")
			if !strings.HasPrefix(strings.ToUpper(cmd), "AT"+name) && !slices.ContainsFunc(lineCommands(cmd), func(c at.Command) bool { return c.Name == name }) {
				return true // no command of the line has the name
			}
			return regNames[name] && regURCShape(line[len(p):])
		}
	}
	return false
}

// regNames are the registration notifications whose read answer has the
// same name: +CREG (TS 27.007 §7.2), +CGREG (§10.1.20), +CEREG (§10.1.22)
// and +C5GREG.
var regNames = map[string]bool{"+CREG": true, "+CGREG": true, "+CEREG": true, "+C5GREG": true}

// regURCShape reports registration fields (after "+CEREG:") that only the
// URC can have: the read answer is <n>,<stat>[,…], its second field a
// bare <stat> (0–11), where the URC is <stat>[,<tac>,…] — one field, or a
// quoted (or empty) location second. So "+CEREG: 2" during AT+CEREG? is
// the notification, "+CEREG: 1,2" the answer. A first field that is no
// number is the test form's answer ("(0-5)").
func regURCShape(rest string) bool {
	fields := strings.Split(rest, ",")
	if _, err := strconv.Atoi(strings.TrimSpace(fields[0])); err != nil {
		return false
	}
	if len(fields) == 1 {
		return true
	}
	stat, err := strconv.Atoi(strings.TrimSpace(fields[1]))
	return err != nil || stat < 0 || stat > 11
}
