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
	// Repeat is V.250's "A/" (§6.2.4): execute the previous command line
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
// it may have left open, and modems answer nothing to it). Memory
// is bounded by MaxLine whatever the input. S3 and S5, when set, stand for
// CR and BS (V.250 §6.2.1, §6.2.3); a lone LF still ends a line.
type Splitter struct {
	S3, S5   byte // 0: CR, BS
	buf      []byte
	overflow bool
	bad      byte // first offending byte, when badSeen
	badSeen  bool
	afterCR  bool // the last byte was S3: an LF after it ends nothing
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
	case c == '/' && len(s.buf) == 1 && (s.buf[0] == 'A' || s.buf[0] == 'a') && !s.overflow && !s.badSeen:
		l := Line{Text: string(s.buf) + "/", Repeat: true}
		s.buf = s.buf[:0]
		return l, true
	}
	if b, ok := Edit(s.buf, c, edit); ok {
		if !s.overflow {
			s.buf = b
		}
		return Line{}, false
	}
	switch {
	case c < 0x20 || c > 0x7e:
		if !s.badSeen {
			s.bad, s.badSeen = c, true
		}
	case len(s.buf) >= MaxLine:
		s.overflow = true
	default:
		s.buf = append(s.buf, c)
	}
	return Line{}, false
}

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
// that looks at each byte can take a run of them at once.
func (s *Splitter) Plain(p []byte) int {
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
	s.buf = s.buf[:0]
	s.overflow, s.badSeen = false, false
	return l, ok
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
