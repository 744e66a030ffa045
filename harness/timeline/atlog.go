package timeline

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/linescan"
	"github.com/esimhil/esimhil/internal/proto/cardtrace"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// atLine is one line of at.log: "<time> > <command>" (host to modem),
// "<time> < <text>" (modem to host) or "<time> # <note>" (the harness's
// own note: a lab run's port and transport, a port drop, a reconnect, a
// command left unanswered — README, Lab runs; fieldlog reads the same).
type atLine struct {
	T    time.Time
	In   bool // host to modem
	Note bool // the harness's note
	Text string
	N    int
	// never says why a line sent while another command ran never ran
	// (the log ended, the modem booted): "" for any other line.
	never string
	// Result is the verbose form of a final result the modem sent in
	// numeric form (ATV0): "OK" for a 0; "" for any other line.
	Result string
	// URC: the host's client took the line for an unsolicited result
	// code (at.URCMark, a lab run's at.log): a row of its own even
	// inside a command's answer.
	URC bool
}

// verbose is the line's text, a numeric result code in its words.
func (l atLine) verbose() string {
	if l.Result != "" {
		return l.Result
	}
	return l.Text
}

// finalResult reads text as the final result of cmd, which has had
// answer lines already or not (info): its words and whether it is one,
// noted in form, the modem's result form as the field-log reader follows
// it too (at.ResultForm): a bare digit is one while digits may be
// results, except the first line +CCHO answers (a bare <sessionid>, which
// some modems send: 27.007 §8.45). t185 F4: every answer under ATV0 read
// as "no final result".
func finalResult(form *at.ResultForm, text, cmd string, info bool) (string, bool) {
	if at.Classify(text).Kind.IsFinal() {
		form.Shown(text, false)
		return text, true
	}
	v, ok := at.NumericResult(text)
	if !ok || !at.Classify(v).Kind.IsFinal() || !form.Digits(true) {
		return "", false
	}
	if !info && strings.HasPrefix(strings.ToUpper(cmd), "AT+CCHO=") {
		return "", false
	}
	form.Shown(text, true)
	return v, true
}

func parseATLine(s string, n int) (atLine, error) {
	l, err := at.ParseLogLine(s)
	if err != nil {
		return atLine{}, err
	}
	return atLine{T: l.T, In: l.Dir == at.LogHost, Note: l.Dir == at.LogNote, Text: l.Text, N: n, URC: l.URC}, nil
}

// Priorities of rows at one simulated instant: a command first, then what
// the event log says happened, then what the modem reported on its own.
const (
	prioStart   = -1
	prioCommand = 0
	prioEvent   = 1
	prioURC     = 2
)

// readATLog turns at.log into rows: each command, the ES10 call it carries
// to the card (with the card's status word), its answer; and each
// unsolicited result code.
func readATLog(path string, b *Builder) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var marksProblem string
	b.atMarks, marksProblem = readATMarks(filepath.Join(filepath.Dir(path), ATMarksFile))
	if marksProblem != "" {
		b.Note("%s: %s; at.log's rows are at their own time, not placed among the events of their instant", ATMarksFile, marksProblem)
	}
	sc := linescan.New(f, maxLineBytes)
	var open *atLine // the command waiting for its final result
	// ran is the line at whose time and mark open started to run: its
	// own, or, for a line sent while another ran (at.QueuedMark), the
	// final result it waited for.
	var ran atLine
	var answer []atLine
	// waiting are the lines sent while open ran, in order: each runs,
	// and is answered, after the one before it has its final result.
	var waiting []atLine
	form := at.NewResultForm()
	flush := func(final *atLine) {
		if open == nil {
			return
		}
		b.addExchange(*open, ran, answer, final)
		open, answer = nil, nil
		if final != nil && len(waiting) > 0 {
			c := waiting[0]
			waiting = waiting[1:]
			open, ran = &c, *final
			form.Run(c.Text)
		}
	}
	// flushAll ends open and what waits for it without an answer (the
	// host went on, the modem booted, the log ended): why, for what
	// waits (t185 F9: its "sent while" note went with its answer).
	flushAll := func(why string) {
		flush(nil)
		for _, w := range waiting {
			w.never = why
			b.addExchange(w, w, nil, nil)
		}
		waiting = nil
	}
	n := 0
	var bad badLines
	// Notes written while a command awaits its answer (a drop that cut
	// it) are added after the exchange's rows, which are added at its
	// end: rows sort by time, and one of the same instant keeps line order.
	var notes []atLine
	addNotes := func() {
		for _, l := range notes {
			b.addAT(l.N, Item{T: l.T, From: LaneHost, Kind: KindAT, Label: "# " + l.Text,
				Detail: "the harness's note in at.log\n" + l.Text, Source: fmt.Sprintf("at.log:%d", l.N), priority: prioCommand})
		}
		notes = nil
	}
	for sc.Scan() {
		n++
		if long, ok := sc.TooLong(); ok {
			if bad.add(n, tooLong(long)) {
				break
			}
			continue
		}
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		l, err := parseATLine(sc.Text(), n)
		if err != nil {
			// Skipped, the rest read, as events.jsonl's: one damaged
			// line took every line after it off the page.
			if bad.add(n, err) {
				break
			}
			continue
		}
		switch {
		case l.Note:
			notes = append(notes, l)
			if open == nil {
				addNotes()
			}
		case l.In:
			if cmd, queued := at.CutQueued(l.Text); queued && open != nil {
				// Sent while open ran: its row at the time it was sent,
				// its answer after open's (the modem's order).
				l.Text = cmd
				waiting = append(waiting, l)
				continue
			} else if queued {
				l.Text = cmd // what it waited for is not in the log
			}
			flushAll(fmt.Sprintf("the modem took the host's next line (at.log:%d) unmarked, running nothing, with no final result for the line before it", l.N))
			addNotes()
			if strings.HasSuffix(l.Text, ")") && strings.Contains(l.Text, " (ignored: ") {
				b.addAT(l.N, Item{T: l.T, From: LaneHost, To: LaneModem, Kind: KindAT, Label: l.Text, Failed: true,
					Detail: "the modem did not answer this line", Source: fmt.Sprintf("at.log:%d", l.N), priority: prioCommand})
				continue
			}
			c := l
			open, ran = &c, l
			form.Run(l.Text)
		case open != nil && !at.IsPowerURC(l.Text) && !l.URC:
			if v, ok := finalResult(&form, l.Text, open.Text, len(answer) > 0); ok {
				if v != l.Text {
					l.Result = v
				}
				flush(&l)
				addNotes()
				continue
			}
			answer = append(answer, l)
		default:
			if at.IsPowerURC(l.Text) {
				// The modem booted, its card with it: nothing is on its
				// way on any channel (as the field-log reader takes it),
				// and a command waiting for its answer gets none (a boot
				// URC is no answer: outside tester t67 A saw the blocks
				// after a reboot mid-command joined to the one before).
				flushAll(fmt.Sprintf("the modem booted (%s, at.log:%d), which drops what it had not run: a power cut or reset", l.Text, l.N))
				addNotes()
				b.calls = nil
				form.Boot()
			}
			b.addAT(l.N, Item{T: l.T, From: LaneModem, To: LaneHost, Kind: KindAT, Reply: true, Label: l.Text,
				Detail: "unsolicited result code\n" + l.Text, Source: fmt.Sprintf("at.log:%d", l.N), priority: prioURC})
		}
	}
	flushAll("the log ends before the command before it had its final result")
	addNotes()
	if len(b.atMarks) > 0 && len(b.atMarks) < n {
		// The two are written line for line; a process killed between the
		// two writes leaves one short.
		b.Note("%s: %d marks for the %d lines of at.log: the last %d rows are at their own time", ATMarksFile, len(b.atMarks), n, n-len(b.atMarks))
	}
	errs := bad.report(f, n, "lines")
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Sprintf("reading line %d: %v; the lines after it are not shown", n+1, err))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// addExchange adds a command, the APDU it carries and its answer. final is
// nil when the log ends (or the next command starts) before a final result.
// ran is the line the command started to run at: the command's own, or
// for one the host sent while another ran, that one's final result — the
// APDU goes to the card then, not when the line came.
func (b *Builder) addExchange(cmd, ran atLine, answer []atLine, final *atLine) {
	src := fmt.Sprintf("at.log:%d", cmd.N)
	detail := cmd.Text
	switch {
	case ran.N != cmd.N:
		detail += fmt.Sprintf("\nsent while the command before it ran; it ran after that one's final result (at.log:%d)", ran.N)
	case cmd.never != "":
		detail += "\nsent while the command before it ran; it never ran: " + cmd.never
	}
	b.addAT(cmd.N, Item{T: cmd.T, From: LaneHost, To: LaneModem, Kind: KindAT, Label: cmd.Text,
		Detail: detail, Source: src, priority: prioCommand})
	var texts []string
	for _, a := range answer {
		texts = append(texts, a.Text)
	}
	if b.calls == nil {
		b.calls = newCallState()
	}
	if final != nil && at.Classify(final.verbose()).Kind != at.FinalOK && resetsCard(cmd.Text) {
		// A reset the modem refused reset nothing (t67 B): what the
		// channels had on their way stays.
	} else if call, ok := apduCall(cmd.Text, texts, b.calls); ok && call.response == "" && final != nil && at.Classify(final.verbose()).Kind != at.FinalOK {
		// Refused with no card answer: a command the modem turned down
		// (bad parameters, a channel not open) never reached the card
		// — drawn on the modem's lane, not as an arrow to the card
		// (the card's own lane shows what it did receive).
		b.addAT(ran.N, Item{T: ran.T, From: LaneModem, Kind: KindES10, Label: call.request + " · not answered by the card: the modem said " + final.Text,
			Detail: call.requestDetail, Source: src, priority: prioCommand})
	} else if ok {
		b.addAT(ran.N, Item{T: ran.T, From: LaneModem, To: LaneCard, Kind: KindES10, Label: call.request,
			Detail: call.requestDetail, Source: src, priority: prioCommand})
		if call.response != "" {
			b.addAT(ran.N, Item{T: ran.T, From: LaneCard, To: LaneModem, Kind: KindES10, Reply: true, Label: call.response,
				Detail: call.responseDetail, Failed: call.failed, Source: src, priority: prioCommand})
		}
	}
	t, failed, line := cmd.T, false, cmd.N
	var label string
	switch {
	case final == nil:
		label, failed = "(no final result)", true
	default:
		t = final.T
		text := final.Text
		if final.Result != "" {
			text += " [" + final.Result + "]" // as esimhil log shows it
		}
		texts = append(texts, text)
		failed = at.Classify(final.verbose()).Kind != at.FinalOK
		src, line = fmt.Sprintf("at.log:%d", final.N), final.N
	}
	label = strings.Join(texts, " · ")
	if final == nil {
		label = strings.TrimPrefix(label+" · (no final result)", " · ")
	}
	answerDetail := strings.Join(texts, "\n")
	if cmd.never != "" {
		answerDetail = "never run: " + cmd.never
	}
	b.addAT(line, Item{T: t, From: LaneModem, To: LaneHost, Kind: KindAT, Reply: true, Label: label,
		Detail: answerDetail, Failed: failed, Source: src, priority: prioCommand})
}

// ATMarksFile is at.log's companion: a line for each line of at.log, how
// many events the log had taken when the modem wrote it (the rig writes
// both inside its loop). A run without it, or with fewer marks than lines
// (a process killed while writing), places the rest as before.
const ATMarksFile = "at.marks"

// maxATMarks bounds the marks read (one per at.log line).
const maxATMarks = 4 << 20

// readATMarks reads at.marks; nil when there is none or it does not
// read as marks (a line that is not a count, or counts that go back):
// then no at.log row is placed by mark, and problem says why.
func readATMarks(path string) (marks []int, problem string) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, "" // a lab's, an older run's: placed by time, as documented
		}
		return nil, err.Error()
	}
	defer f.Close()
	sc := linescan.New(f, 64)
	for sc.Scan() && len(marks) < maxATMarks {
		n, err := strconv.Atoi(sc.Text()) // a TooLong line is "": no count
		switch {
		case err != nil || n < 0:
			return nil, fmt.Sprintf("line %d is not a count of events (%.40q)", len(marks)+1, sc.Text())
		case len(marks) > 0 && n < marks[len(marks)-1]:
			return nil, fmt.Sprintf("line %d goes back (%d after %d): the counts only grow", len(marks)+1, n, marks[len(marks)-1])
		}
		marks = append(marks, n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Sprintf("reading line %d: %v", len(marks)+1, err)
	}
	return marks, ""
}

// addAT adds a row of at.log line n: among the events by the line's mark
// when at.marks has one (placeMarked: a URC the modem sent before a power
// cut of the same instant stays before it), else at its time, commands
// before the instant's events and URCs after them.
//
// Its frame is 0: rows of one place sort by frame after seq, and a line
// number is no capture frame number — at.log's rows keep their line order
// (the stable sort), before the capture's rows of the same place (a
// command before the APDU it carried).
func (b *Builder) addAT(n int, it Item) {
	var m capture.Mark
	if n >= 1 && n <= len(b.atMarks) {
		// A marked line is the emulated modem's, stamped with the loop's
		// time: on the event log's clock. (A lab's transcript has no
		// marks, and the wall clock's time.)
		m = capture.Mark{Events: b.atMarks[n-1], OK: true}
		b.onEventClock(it.T)
	}
	b.addMarked(it, it.T, m, 0, true)
}

// call is an APDU a command carried to the card, decoded.
type call struct {
	request, requestDetail   string
	response, responseDetail string
	failed                   bool
}

// callState is what decoding at.log's APDUs carries from one call to
// the next, by logical channel: the STORE DATA sequences begun and not
// ended, whose ES10 function names their later blocks, followed as the
// card's APDU lane and the field-log reader follow them (es10.StoreData),
// and the answers the card left for GET RESPONSE after 61xx (TS 102 221
// §7.3.1.1.4, a card over T=0; +CSIM hands them to the host, where +CGLA
// modems fetch them themselves), put together as the card's APDU lane
// puts them (apdu.Chains), keyed by the command's decoded call: one
// cardtrace.Channels, as every reader of a trace holds.
type callState struct {
	channels cardtrace.Channels[int, pendingAnswer]
}

// pendingAnswer is a command whose answer GET RESPONSE fetches.
type pendingAnswer struct {
	cmd  apdu.Command
	name string // its row's label ("ES10 GetEID (BF3E)")
}

func newCallState() *callState { return &callState{} }

// apduCall decodes the APDU of an AT+CGLA or AT+CSIM command and the
// card's answer in the command's information line, with st carrying what
// earlier calls left (nil: a call on its own).
func apduCall(cmdText string, answer []string, st *callState) (call, bool) {
	if st == nil {
		st = newCallState()
	}
	cmds, err := at.Parse(cmdText)
	if err == nil && at.ResetsCard(cmds) {
		// The card resets with the modem (or powers down): its
		// channels' sequences and answers end.
		*st = callState{}
		return call{}, false
	}
	if err != nil || len(cmds) != 1 {
		return call{}, false
	}
	c := cmds[0]
	if c.Name == "+CCHC" && c.Form == at.Set && len(c.Args) == 1 {
		// Closing a session ends what was on its way on its channel
		// (TS 27.007 §8.46), though a session opened later may get its
		// number again.
		if n, err := strconv.Atoi(c.Args[0].Raw); err == nil {
			st.channels.End(n)
		}
		return call{}, false
	}
	var hexArg, length string
	session := -1 // +CSIM: the CLA's channel
	switch {
	case c.Name == "+CGLA" && c.Form == at.Set && len(c.Args) == 3:
		hexArg, length = c.Args[2].Raw, c.Args[1].Raw
		// The modem puts the channel of <sessionid> in the CLA it sends
		// the card (27.007 §8.43): a host's CLA says 80 on every one, so
		// the session is the channel a STORE DATA sequence continues on.
		if n, err := strconv.Atoi(c.Args[0].Raw); err == nil && n >= 0 {
			session = n
		}
	case c.Name == "+CSIM" && c.Form == at.Set && len(c.Args) == 2:
		hexArg, length = c.Args[1].Raw, c.Args[0].Raw
	default:
		return call{}, false
	}
	// <length> counts the command's hex characters (27.007 §8.17, §8.43):
	// a host that says otherwise is named, whatever the modem made of it.
	mismatch := ""
	if n, err := strconv.Atoi(length); err != nil || n != len(hexArg) {
		mismatch = fmt.Sprintf(" · length %s for %d hex digits", length, len(hexArg))
	}
	out, ok := decodeCall(c.Name, hexArg, answer, st, session)
	out.request += mismatch
	return out, ok
}

// decodeCall is apduCall's decoding of the command's hex and the answer;
// session is +CGLA's channel, -1 for the CLA's.
func decodeCall(name, hexArg string, answer []string, st *callState, session int) (call, bool) {
	raw, err := hex.DecodeString(hexArg)
	if err != nil {
		// What the card got, if anything, is not known: bytes lost on
		// +CGLA's session, or on a channel a +CSIM line of bad hex does
		// not tell (cardtrace.Channels.Lost, as every reader takes it).
		st.channels.Lost(session, session >= 0)
		return call{request: "APDU (bad hex)", requestDetail: hexArg, failed: true}, true
	}
	cmd, err := apdu.Parse(raw)
	if err != nil {
		// Bytes lost (a length its data does not fill): what the card
		// got is not known, as for bad hex (outside tester t66 #8).
		ch := session
		if ch < 0 && len(raw) > 0 {
			ch = apdu.ChannelOf(raw[0])
		}
		st.channels.Lost(ch, ch >= 0)
		return call{request: "APDU " + err.Error(), requestDetail: hexArg}, true
	}
	ch := cmd.Channel()
	if session >= 0 {
		ch = session
	}
	var out call
	// The channel the card gets it on: +CGLA's <sessionid>, whatever the
	// host's CLA says (the modem sets the CLA's channel bits).
	chText := fmt.Sprintf("channel %d", ch)
	if session >= 0 {
		chText += ", +CGLA's <sessionid>"
	}
	// The command drops what waited on its channel even when no answer
	// line follows (+CME ERROR), a SELECT the channel's ES10 request,
	// and a close what was on its way on the closed channel, as the
	// field-log reader takes them (cardtrace.Channels.Sent).
	_, continues := st.channels.Sent(ch, cmd.INS)
	var outOfTurn string // what the command is, sent with nothing before it on its channel
	out.request, out.requestDetail, outOfTurn = describeCommand(cmd, hexArg, &st.channels, ch, chText)
	if cmd.INS == apdu.InsGetResponse && !continues {
		outOfTurn = fmt.Sprintf("GET RESPONSE on channel %d with no 61xx before it", ch)
	}
	if n, ok := cmd.Closes(); ok {
		if cmd.P2 == 0 {
			n = ch // its own: +CGLA's session
		}
		st.channels.End(n)
	}
	for _, a := range answer {
		h, ok, err := at.ParseHexAnswer(a, name)
		if !ok {
			continue
		}
		if err != nil {
			// The answer's bytes lost: what waited for GET RESPONSE
			// ends, as the field-log reader takes it
			// (cardtrace.Channels.LostAnswer).
			st.channels.LostAnswer(ch)
			out.response, out.responseDetail, out.failed = "response undecodable: "+at.HexAnswerWhy(err), a, true
			break
		}
		resp := h.Data
		sw := uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1])
		data := resp[:len(resp)-2]
		out.response = fmt.Sprintf("SW %04X", sw)
		if len(resp) > 2 {
			out.response += fmt.Sprintf(" · %d bytes", len(resp)-2)
		}
		step := st.channels.Answer(ch, pendingAnswer{cmd: cmd, name: out.request}, cmd.INS, data, sw)
		switch {
		case step.Continues && step.Partial:
			// The chain began with a GET RESPONSE (a loss, or the log's
			// start, mid-answer): no command's answer to name.
			out.request += " · part of a partial answer"
			out.requestDetail += "\nfetches more of an answer whose start is not in the trace"
		case step.Continues:
			out.request += " · the answer to " + step.Key.name
			out.requestDetail += "\nfetches the answer to " + step.Key.name
		}
		// An ES10 function's answer decoded, or said to be none to
		// decode (partial, cut), as the card's APDU lane says; refused
		// says the function failed though the status word says the card
		// processed the command (SGP.22 §5.7: the refusal is in its data).
		s, refused := es10.StepOutcome(step.Key.cmd.INS, step)
		if s != "" {
			out.response += " · " + s
		}
		out.responseDetail = fmt.Sprintf("status word %04X (%s)\ndata %X", sw, swText(sw), resp[:len(resp)-2])
		if refused {
			out.responseDetail += "\nthe ES10 function failed: " + s
		}
		if outOfTurn != "" && cardtrace.HostError(cmd.INS, sw) {
			// The card had nothing before it either: the host's error,
			// as every reader of a trace says it.
			out.response += " · " + cardtrace.HostErrorText
			out.responseDetail += fmt.Sprintf("\n%s: %s, which the card refused: it had nothing before it either", cardtrace.HostErrorText, outOfTurn)
		}
		out.failed = apdu.Failed(sw) || refused
	}
	return out, true
}

// resetsCard reports a command line that resets the card
// (at.ResetsCard).
func resetsCard(line string) bool {
	cmds, err := at.Parse(line)
	return err == nil && at.ResetsCard(cmds)
}

// describeCommand names an APDU: the ES10 function of a STORE DATA
// (SGP.22 §5.7.2), else the ISO 7816-4 instruction. A command too long
// for one block comes in several (P2 numbers them, P1's bit 8 marks the
// last): the first names the function by its first tag, and sd, which
// follows the sequences by channel, names the blocks that follow on its
// channel, ch (chText says which it is); decodeCall gave sd the command
// (cardtrace.Channels.Sent). outOfTurn says what a block that is no
// next one of its channel's sequence is ("" for one that is).
func describeCommand(c apdu.Command, hexText string, sd *cardtrace.Channels[int, pendingAnswer], ch int, chText string) (label, detail, outOfTurn string) {
	detail = fmt.Sprintf("CLA %02X INS %02X P1 %02X P2 %02X (%s)\n%s", c.CLA, c.INS, c.P1, c.P2, chText, hexText)
	switch c.INS {
	case es10.InsStoreData:
		b := sd.Block(ch, c.P1, c.P2, c.Data)
		if c.P2 != 0 {
			switch {
			case b.Break == es10.OutOfSequence:
				detail += fmt.Sprintf("\nout of sequence: the channel's STORE DATA sequence expected block %d", b.Expected)
				outOfTurn = fmt.Sprintf("STORE DATA block %d on channel %d out of sequence (block %d expected)", c.P2, ch, b.Expected)
			case b.Break == es10.NoSequence:
				outOfTurn = fmt.Sprintf("STORE DATA block %d on channel %d without the blocks before it", c.P2, ch)
			case b.Function != "":
				return fmt.Sprintf("ES10 %s · block %d", b.Function, c.P2), detail, ""
			}
			return fmt.Sprintf("ES10 STORE DATA block %d", c.P2), detail, outOfTurn
		}
		// A log may be a real card's: BER lengths taken.
		data := tlv.Canonical(c.Data)
		tag, _, err := tlv.ParseOne(data)
		if err == nil && b.Last {
			return fmt.Sprintf("ES10 %s (%X)", es10.FunctionName(tag.Tag), tag.Tag), detail, ""
		}
		if seg := es10.SegmentName(data); seg != "" && b.Last {
			// A segmented package's command: a header, not one TLV.
			return fmt.Sprintf("ES10 %s (%X)", seg, b.Tag), detail, ""
		}
		switch {
		case b.Function == "":
			return "ES10 STORE DATA (undecodable)", detail, ""
		case !b.Last:
			return fmt.Sprintf("ES10 %s (%X, first block)", b.Function, b.Tag), detail, ""
		}
		// The whole command in one block, and not one TLV.
		return fmt.Sprintf("ES10 %s (%X) · malformed", b.Function, b.Tag), detail + "\n" + err.Error(), ""
	case apdu.InsSelect:
		return es10.SelectName(c.P1, c.Data), detail, ""
	case apdu.InsManageChannel:
		if c.P1 == 0x80 {
			return fmt.Sprintf("MANAGE CHANNEL close %d", c.P2), detail, ""
		}
		return "MANAGE CHANNEL open", detail, ""
	case 0xC0:
		return "GET RESPONSE", detail, ""
	case 0xB0:
		return "READ BINARY", detail, ""
	case 0xB2:
		return "READ RECORD", detail, ""
	case 0xF2:
		return "STATUS", detail, ""
	}
	return fmt.Sprintf("APDU INS %02X", c.INS), detail, ""
}

// swText words a status word for the APDU lane.
func swText(sw uint16) string {
	if le, ok := apdu.MoreData(sw); ok {
		// 61xx, and the GSM class's 9Fxx (TS 51.011 §9.4.1).
		return fmt.Sprintf("%d response bytes available", le)
	}
	switch {
	case sw == 0x9000:
		return "normal end"
	case sw>>8 == 0x91:
		return fmt.Sprintf("normal end, proactive command of %d bytes pending", sw&0xFF)
	case sw == 0x6985:
		return "conditions of use not satisfied"
	case sw == 0x6A82:
		return "file or application not found"
	case sw == 0x6A80:
		return "incorrect data"
	case sw == 0x6D00:
		return "instruction not supported"
	case sw == 0x6E00:
		return "class not supported"
	case sw>>8 == 0x6C:
		return "wrong Le"
	case sw == 0x6700:
		return "wrong length"
	}
	return "error"
}
