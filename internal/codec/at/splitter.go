package at

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxLine is the longest command line the Splitter accepts, in bytes.
const MaxLine = 1024

// Splitter errors, reported once the offending line's terminator arrives.
var (
	ErrLineTooLong = errors.New("at: command line too long")
	ErrMalformed   = errors.New("at: malformed command line")
)

// Line is one complete command line, or the error that spoilt it.
type Line struct {
	Text string
	Err  error
	// Repeat is V.250's "A/" (§5.2.4): execute the previous command line
	// again. It takes no terminator: it is a Line as soon as the '/'
	// arrives. Text is then "A/" as typed.
	Repeat bool
}

// Splitter frames a byte stream into command lines. Lines end with CR, LF or
// CR LF (the pair counts once); backspace (BS or DEL) deletes the previous
// character, as a person at minicom expects; "A/" at the start of a line is
// a line of its own at once (Line.Repeat); empty lines are dropped, and so
// are lines of control characters alone: no command line, as what comes
// before "AT" is none (gammu starts with ESC CR, to leave an SMS prompt
// it may have left open, and modems answer nothing to it). What comes
// before a line's prefix ("AT", "at", "At", "aT", or "A/"/"a/") is no part
// of it (V.250 §5.2.1: the DCE ignores what is not part of a properly
// formatted command line; a Hayes modem hunts for "AT"): a host's ESC or
// Ctrl-Z to leave an SMS prompt written in the same write as its next
// command ("\x1bAT+CMGF=0\r"), or line noise, leaves the command as
// sent; the line counts from the prefix, MaxLine included. A line with no
// prefix at all is still a line (ERROR from Parse), so a host that left
// it out gets an answer rather than silence. Memory is bounded by
// MaxLine whatever the input. S3 and S5, when set, stand for CR and BS
// (V.250 §6.2.1, §6.2.3); a lone LF still ends a line.
type Splitter struct {
	S3, S5   byte // 0: CR, BS
	buf      []byte
	overflow bool
	bad      byte // first offending byte, when badSeen
	badSeen  bool
	badAt    int  // len(buf) when the last bad byte before the prefix came
	afterCR  bool // the last byte was S3: an LF after it ends nothing
	// prefixed says buf begins with the line's "AT": what came before
	// it has been dropped, and what follows is the body.
	prefixed bool
	// last is the text of the last line: a host that sends one line
	// over and over (a poll, an LPA's GetEID) gets that string again
	// rather than a copy of it each time.
	last string
}

// Chars returns the line's terminator (S3) and its editing character (S5).
func (s *Splitter) Chars() (term, edit byte) {
	term, edit = '\r', 0x08
	if s.S3 != 0 {
		term = s.S3
	}
	if s.S5 != 0 {
		edit = s.S5
	}
	return term, edit
}

// Feed consumes p and returns the lines it completed, in order.
func (s *Splitter) Feed(p []byte) []Line {
	var out []Line
	for _, c := range p {
		if l, ok := s.FeedByte(c); ok {
			out = append(out, l)
		}
	}
	return out
}

// FeedByte consumes one byte and returns the line it completed, if any:
// Feed for a caller that looks at each byte (a DCE that echoes), without
// a slice per line.
func (s *Splitter) FeedByte(c byte) (Line, bool) {
	term, edit := s.Chars()
	if c == '\n' && s.afterCR {
		s.afterCR = false
		return Line{}, false
	}
	s.afterCR = c == term && term != '\n'
	switch {
	case c == term || c == '\n':
		return s.finish()
	case c == '/' && !s.prefixed && isA(s.buf) && !s.badAfter(len(s.buf)-1):
		// "A/" after whatever came before it: that is no part of it; "A\x01/"
		// is line noise, not a repeat.
		l := Line{Text: string(s.buf[len(s.buf)-1]) + "/", Repeat: true}
		s.reset()
		return l, true
	}
	if b, ok := Edit(s.buf, c, edit); ok {
		if !s.overflow {
			s.buf = b
			s.prefixed = s.prefixed && len(b) >= 2 // "AT" taken back: none yet
		}
		return Line{}, false
	}
	switch {
	case c < 0x20 || c > 0x7e:
		if !s.badSeen {
			s.bad, s.badSeen = c, true
		}
		if !s.prefixed {
			s.badAt = len(s.buf) // the last one: it may fall between A and T
		}
	case len(s.buf) >= MaxLine && s.prefixed:
		s.overflow = true
	case len(s.buf) >= MaxLine:
		// No prefix yet: the text so far is no command line, but its
		// last byte may be the "A" of one.
		s.overflow, s.badAt = true, max(s.badAt-(len(s.buf)-1), 0)
		s.buf = append(s.buf[:0], s.buf[len(s.buf)-1], c)
	default:
		s.buf = append(s.buf, c)
	}
	if !s.prefixed && (c == 'T' || c == 't') && len(s.buf) >= 2 && isA(s.buf[:len(s.buf)-1]) {
		// The prefix: what came before it, and the errors it made, go;
		// a bad byte between its A and T spoils it.
		s.badSeen = s.badAfter(len(s.buf) - 2)
		s.badAt = 0
		s.buf = append(s.buf[:0], s.buf[len(s.buf)-2:]...)
		s.prefixed, s.overflow = true, false
	}
	return Line{}, false
}

// badAfter says a control or non-ASCII byte came after buf[i], the A of
// a prefix: V.250 §5.2.1's prefix is the two characters, and one between
// them spoils it, for "AT" as for "A/" — even when a backspace took the A
// back and a fresh one followed ("A\x01\bA/"): the byte still came.
func (s *Splitter) badAfter(i int) bool { return s.badSeen && s.badAt > i }

// isA says b ends in the "A" of a prefix.
func isA(b []byte) bool { return len(b) > 0 && (b[len(b)-1] == 'A' || b[len(b)-1] == 'a') }

// Del is DEL, which edits a command line as S5 does: a terminal's
// Backspace key sends it more often than BS.
const Del = 0x7f

// Edit applies V.250's command-line editing (§6.2.3) to the line typed so
// far: c is the editing character S5 (s5, BS unless set) or DEL, and the
// character before it is taken back — none at the line's start. ok says c
// was an edit. A reader of a log of the bytes a modem took (a sniffer's,
// a terminal's) uses it to read the line the modem read; a multi-byte
// UTF-8 character goes whole, as on a screen (the Splitter's lines hold
// none).
func Edit(line []byte, c, s5 byte) (edited []byte, ok bool) {
	if c != s5 && c != Del {
		return line, false
	}
	if len(line) > 0 {
		_, size := utf8.DecodeLastRune(line)
		line = line[:len(line)-size]
	}
	return line, true
}

// Plain consumes the leading bytes of p that go into the line as they
// are — printable, and neither the terminator, the editing character
// nor '/' (of "A/") — as FeedByte would, and returns how many: a DCE
// that looks at each byte can take a run of them at once. None before
// the line's prefix, which FeedByte looks for a byte at a time.
func (s *Splitter) Plain(p []byte) int {
	if !s.prefixed {
		return 0 // FeedByte looks for the prefix
	}
	term, edit := s.Chars()
	n := 0
	for _, c := range p {
		if c < 0x20 || c > 0x7e || c == '/' || c == term || c == edit {
			break
		}
		n++
	}
	if n == 0 {
		return 0
	}
	s.afterCR = false
	if k := min(n, MaxLine-len(s.buf)); k < n {
		s.buf = append(s.buf, p[:max(k, 0)]...)
		s.overflow = true
	} else {
		s.buf = append(s.buf, p[:n]...)
	}
	return n
}

// Len is how many characters the line being typed holds: a DCE that
// echoes needs it to tell a backspace that removed one from one that did not.
func (s *Splitter) Len() int { return len(s.buf) }

// finish ends the current line; ok is false for an empty, clean line.
func (s *Splitter) finish() (Line, bool) {
	l, ok := s.line()
	s.reset()
	return l, ok
}

// reset starts the next line.
func (s *Splitter) reset() {
	s.buf = s.buf[:0]
	s.overflow, s.badSeen, s.prefixed = false, false, false
}

// line is the line finish ends.
func (s *Splitter) line() (Line, bool) {
	switch {
	case s.overflow:
		return Line{Err: fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, MaxLine)}, true
	case s.badSeen && len(s.buf) == 0 && s.bad < 0x20:
		return Line{}, false // control characters alone
	case s.badSeen:
		return Line{Err: fmt.Errorf("%w: control or non-ASCII byte 0x%02x", ErrMalformed, s.bad)}, true
	case len(s.buf) == 0:
		return Line{}, false
	}
	if string(s.buf) != s.last { // compared without a copy
		s.last = string(s.buf)
	}
	return Line{Text: s.last}, true
}
