package fieldlog

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// pppd's chat with -v logs its script's steps to syslog (LOCAL2, as
// "chat[pid]: "; -s sends the same messages to stderr without a prefix):
//
//	chat[6514]: send (AT+CGDCONT=1,"IP","internet"^M)
//	chat[6514]: expect (OK)
//	chat[6514]: ^M
//	chat[6514]: AT+CGDCONT=1,"IP","internet"^M^M
//	chat[6514]: OK
//	chat[6514]:  -- got it
//
// What it sends is logged before it is written, control characters as
// ^X (^M a CR), with the script's \d and \p pauses and \K breaks left
// in. What it receives while it expects is logged as it arrives: a
// message at each LF (the LF itself left out; an empty message for an
// empty line), after 80 bytes without one, and when the expected text
// (or an ABORT string) has come — " -- got it" (" -- failed") then
// follows, and what the modem sent after it (its CR LF) is read and
// logged by the next expect, after the next send. On timeout chat logs
// "alarm" — it gave up waiting — and tries the expect's next branch
// ("OK-AT-OK") or ends ("Failed"); what it read since the last LF is
// then not logged at all. chat writes "^" itself as it is: after AT, or
// starting a line read, a "^" before a capital and a letter or digit is
// a vendor's command or URC (Huawei's AT^SYSCFG, ^RSSI:), not a control
// character. Bytes above 0x7F (chat's "M-") are kept as chat wrote them,
// as a literal "M-" cannot be told from one. A line read that is one of
// chat's own words ("alarm", " -- got it") reads as chat's.
var (
	chatNote    = regexp.MustCompile(`^(?:timeout set to \d+ seconds|(?:clear )?abort on \(.*\)|(?:clear )?report \(.*\)|got it|Failed(?: \(.*\))?|\s*-- (?:read|write) (?:timed out|failed.*)|warning: .*|expect string is too long|Can't .*|SIG(?:INT|TERM|HUP))\s*$`)
	chatMatched = regexp.MustCompile(`^\s*-- (got it|failed)\s*$`)
	// chatMarker is a line only chat logs: what detection looks for.
	chatMarker = regexp.MustCompile(`^(?:send \(.*\)|expect \(.*\)|abort on \(.*\)|report \(.*\)|timeout set to \d+ seconds|\s*-- got it)\s*$`)
)

// chatRowBytes is how many received bytes chat logs without an LF.
const chatRowBytes = 80

// unChat undoes chat's rendering of a send or received string: ^X for a
// control character, and in a send the backslash sequences put_string
// acts on (\d, \p and \K write nothing; \X writes X).
func unChat(s string, send bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '^' && i+1 < len(s):
			d := s[i+1]
			// A vendor's name (Huawei's AT^SYSCFG, its ^RSSI: URC) is a
			// capital and a letter or digit after AT or, read, at the
			// start of a line; ^M then AT is a CR.
			named := i >= 2 && strings.EqualFold(s[i-2:i], "AT") || i == 0 && !send
			if named && d >= 'A' && d <= 'Z' && i+2 < len(s) && (s[i+2] >= 'A' && s[i+2] <= 'Z' || s[i+2] >= '0' && s[i+2] <= '9') {
				b.WriteByte(c)
				continue
			}
			switch {
			case d == '?':
				b.WriteByte(0x7f)
			case d >= '@' && d <= '_':
				b.WriteByte(d ^ 0x40)
			default:
				b.WriteByte(c)
				continue
			}
			i++
		case c == '\\' && send:
			if i+1 == len(s) {
				return "", fmt.Errorf("malformed escape: a backslash ends %q", clip(s))
			}
			i++
			if d := s[i]; d != 'd' && d != 'p' && d != 'K' {
				b.WriteByte(d)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// chatLine is a line of the log as chat's (or another daemon's).
type chatLine struct {
	t     time.Time
	c     Clock
	chat  bool   // chat's message (any line, in a log of chat's alone)
	msg   string // chat's message, or the line
	blank bool   // the line is blank
}

// readChat reads chat's verbose log. Its one port is the modem's. A
// "send" is the host's bytes, cut into lines at CR and ended after the
// send (its "+++" between \d pauses is a line of its own); the text
// logged while an expect waits is the modem's, its echo of a command
// the echo; "alarm" is chat giving up on the command pending, which the
// modem left unanswered.
func readChat(file string, lines []string) (*Transcript, error) {
	ls := make([]chatLine, len(lines))
	tagged := false
	for i, l := range lines {
		t, c, d, msg := daemonLine(l)
		ls[i] = chatLine{t: t, c: c, msg: msg, blank: strings.TrimSpace(l) == ""}
		if d == "chat" {
			ls[i].chat, tagged = true, true
		} else if d != "" {
			ls[i].msg = strings.TrimRight(l, "\r")
		}
	}
	if !tagged { // chat -s, or a log of chat's lines alone: all are chat's
		for i := range ls {
			ls[i].chat = true
		}
	}
	var (
		out     chatOrder
		streams = serialLines{}
		clock   = logClock{undated: yearlessTimes} // syslog's "Dec  2 10:00:01"
		expect  bool                               // chat is reading what the modem sends
		traffic int
	)
	for i := range ls {
		n := i + 1
		l := &ls[i]
		t, err := clock.take(file, n, l.t, l.c)
		if err != nil {
			return nil, err
		}
		if l.blank && !(l.chat && expect) {
			continue
		}
		if !l.chat {
			out.note(record{line: n, dir: Tool, t: t, text: l.msg})
			continue
		}
		msg := strings.TrimRight(l.msg, "\r")
		if strings.TrimSpace(msg) == "" && !expect {
			continue // a blank line outside an expect: nothing read
		}
		note := record{line: n, dir: Tool, t: t, text: msg}
		switch {
		case strings.HasPrefix(msg, "send ("):
			expect = false
			body, ok := strings.CutSuffix(strings.TrimRight(msg, " "), ")")
			if !ok {
				return nil, errAt(file, n, "send without its closing parenthesis: chat's message was cut (its buffer holds about 1 KiB) or the log is cut off: %q", clip(msg))
			}
			body = body[len("send ("):]
			if body == "??????" {
				out.note(note) // a send hidden by \q: its bytes are not in the log
				continue
			}
			data, err := unChat(body, true)
			if err != nil {
				return nil, errAt(file, n, "send: %v", err)
			}
			if traffic++; traffic > MaxEntries {
				return nil, errAt(file, n, "more than %d sends and reads", MaxEntries)
			}
			out.send(append(streams.feed("", Host, data, n, t), streams.flush("", Host)...), t)
		case strings.HasPrefix(msg, "expect ("):
			if !strings.HasSuffix(strings.TrimRight(msg, " "), ")") {
				return nil, errAt(file, n, "expect without its closing parenthesis: %q", clip(msg))
			}
			expect = true
			out.note(note)
		case msg == "alarm":
			expect = false
			note.timeout = true
			out.release() // the command chat gave up on is the one it sent
			out.note(note)
			out.pending = false
		case chatMatched.MatchString(msg):
			expect = false
			if c := streams[string(Modem)]; c != nil && len(c.buf) > 0 {
				out.hold(note, true) // after the line it matched in, once it ends
			} else {
				out.note(note)
			}
		case chatNote.MatchString(msg):
			if msg == "got it" || strings.HasPrefix(msg, "Failed") {
				expect = false
			}
			out.note(note)
		case expect:
			data, err := unChat(msg, false)
			if err != nil {
				return nil, errAt(file, n, "received: %v", err)
			}
			// The LF that made chat log this, unless the text is the 80
			// bytes chat logs without one or the expected text (chat
			// stops reading there).
			if len(data) < chatRowBytes && !matchedNext(ls, i+1) {
				data += "\n"
			}
			if traffic++; traffic > MaxEntries {
				return nil, errAt(file, n, "more than %d sends and reads", MaxEntries)
			}
			out.modem(streams.feed("", Modem, data, n, t))
		default:
			out.note(note) // chat's other messages; a report's line
		}
	}
	if traffic == 0 {
		return nil, errAt(file, firstLine(lines), "chat's lines, but nothing it sent (\"send (AT^M)\", logged with chat -v): nothing to replay")
	}
	out.modem(streams.rest()) // what the last expect matched inside of
	out.release()
	t, err := finish(file, clock.c, out.recs, false)
	if err == nil {
		t.ShowsEcho = true // chat logs every byte it reads
	}
	return t, err
}

// chatOrder puts the records in the order the bytes went. chat reads
// only while it expects, and stops at the expected text: the rest of an
// answer (the CR LF that ends "OK", the OK after an expected "READY") is
// read, and logged, by the next expect, after the next send. The modem
// sent it before that send reached it; so chat's " -- got it" waits for
// the line it matched inside to end, and a send made while the command
// before it has no final result waits, with chat's notes after it, until
// the modem's lines read after it give that final result or echo the new
// command. Those lines take the time of what waited for them.
type chatOrder struct {
	recs     []record
	held     []record
	holding  bool
	waitLine bool   // held until the modem's line chat matched inside ends
	sends    int    // commands held
	cmd      string // the first held command, whose echo ends the holding
	at       time.Time
	pending  bool   // the last command in recs has had no final result
	last     string // the last command in recs
}

// add puts r in recs, noting the last command.
func (o *chatOrder) add(rs ...record) {
	for _, r := range rs {
		if r.dir == Host {
			o.last = r.text
		}
	}
	o.recs = append(o.recs, rs...)
}

// hold starts holding with r, waiting for the line the modem is inside.
func (o *chatOrder) hold(r record, line bool) {
	if !o.holding {
		o.holding, o.at = true, r.t
	}
	o.waitLine = o.waitLine || line
	o.held = append(o.held, r)
}

func (o *chatOrder) note(r record) {
	if o.holding {
		o.held = append(o.held, r)
		return
	}
	o.recs = append(o.recs, r)
}

func (o *chatOrder) send(host []record, t time.Time) {
	if len(host) == 0 {
		return
	}
	if !o.holding && !o.pending {
		o.add(host...)
		o.pending = true
		return
	}
	if !o.holding {
		o.holding, o.at = true, t
	}
	if o.sends == 0 {
		o.cmd = host[0].text
	}
	o.sends++
	o.held = append(o.held, host...)
}

func (o *chatOrder) modem(rs []record) {
	for _, r := range rs {
		if o.holding && o.sends > 0 && r.text == o.cmd {
			o.release() // the held command's echo: its own answer starts
		}
		if o.holding && r.t.After(o.at) {
			r.t = o.at
		}
		o.recs = append(o.recs, r)
		o.waitLine = false
		if at.Classify(r.text).Kind.IsFinal() || connectLine.MatchString(r.text) && dataCall.MatchString(o.last) {
			o.pending = false // a data call's CONNECT is its final result too
		}
		if o.holding && !o.pending {
			o.release() // the answer before the held send is complete
		}
	}
}

func (o *chatOrder) release() {
	o.add(o.held...)
	if o.sends > 0 {
		o.pending = true
	}
	o.held, o.holding, o.waitLine, o.sends, o.cmd = nil, false, false, 0, ""
}

// matchedNext reports whether chat's next message from line index i on
// is " -- got it" or " -- failed": the text before it ended where the
// expected (or ABORT) string did, not at an LF.
func matchedNext(ls []chatLine, i int) bool {
	for ; i < len(ls); i++ {
		if ls[i].chat && !ls[i].blank {
			return chatMatched.MatchString(strings.TrimRight(ls[i].msg, "\r"))
		}
		if ls[i].chat {
			return false // an empty line chat logged: an LF
		}
	}
	return false
}

// looksLikeChat reports one of chat's own messages under its syslog tag.
func looksLikeChat(l string) bool {
	if !strings.Contains(l, "chat") { // the daemon's name, found cheaply
		return false
	}
	_, _, d, msg := daemonLine(l)
	msg = strings.TrimRight(msg, "\r")
	// What it read, in its caret notation ("AT+CREG?^M^M"), is chat's
	// too: an excerpt may show nothing else.
	return d == "chat" && (chatMarker.MatchString(msg) || strings.Contains(msg, "^M"))
}

// looksLikeBareChat reports a log of chat's messages without a prefix
// (chat -s on stderr): its first line is one of chat's, and it sends and
// expects.
func looksLikeBareChat(lines []string) bool {
	first, send, expect := false, 0, 0
	for i, l := range lines {
		if i >= sniffLines {
			break
		}
		_, _, d, msg := daemonLine(l)
		msg = strings.TrimRight(msg, "\r")
		if strings.TrimSpace(msg) == "" || d != "" {
			continue
		}
		if !first && !chatMarker.MatchString(msg) {
			return false
		}
		first = true
		switch {
		case strings.HasPrefix(msg, "send (") && strings.HasSuffix(msg, ")"):
			send++
		case strings.HasPrefix(msg, "expect (") && strings.HasSuffix(msg, ")"):
			expect++
		}
	}
	return send > 0 && expect > 0
}
