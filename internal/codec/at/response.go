package at

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxResponseLine bounds one response line on the host side. A +CGLA
// answer carries the card's whole response once the modem has followed
// its 61xx chain: a ProfileInfoList with every field runs to kilobytes on
// a card whose profiles have icons (SGP.22 allows 1,024 bytes each; lpac
// saw answers over 1 KiB on an RM520). 64 KiB holds the longest chain a
// terminal here follows (apdu.MaxGetResponse blocks of 256 bytes) in hex.
const MaxResponseLine = 64 << 10

// ErrResponseTooLong reports a response line over MaxResponseLine: the
// modem's answer, not a command line (the Splitter's ErrLineTooLong).
var ErrResponseTooLong = errors.New("at: answer line too long")

// LineReader frames response lines: text between CR or LF bytes, empty lines
// skipped. It reads through a bufio.Reader, so it owns r from then on.
type LineReader struct {
	r *bufio.Reader
	// The line being framed survives a read error (a read deadline that
	// hands the port from one reader goroutine to another): the next Next
	// goes on with it.
	buf  []byte
	over bool
	cut  bool // the last line Next returned ended with the stream
	// last is the last line other than OK: a modem that gives one
	// answer over and over (a poll, GetEID) has it back without a copy.
	last string
}

// NewLineReader returns a LineReader over r.
func NewLineReader(r io.Reader) *LineReader { return &LineReader{r: bufio.NewReader(r)} }

// Next returns the next non-empty line. An overlong line is consumed up to its
// terminator and reported as ErrResponseTooLong; the reader stays usable. After
// an error other than the end of the stream the bytes of an unfinished line are kept, and
// the next call goes on with them.
func (l *LineReader) Next() (string, error) {
	l.cut = false
	for {
		l.scan()
		c, err := l.r.ReadByte()
		if err != nil {
			if len(l.buf) > 0 && errors.Is(err, io.EOF) {
				s := l.take()
				l.cut = true
				return s, nil
			}
			return "", err
		}
		if c == '\r' || c == '\n' {
			if l.over {
				l.take()
				return "", fmt.Errorf("%w: over %d bytes", ErrResponseTooLong, MaxResponseLine)
			}
			if len(l.buf) > 0 {
				return l.take(), nil
			}
			continue
		}
		if len(l.buf) >= MaxResponseLine {
			l.over = true
			continue
		}
		l.buf = append(l.buf, c)
	}
}

// scan takes the buffered bytes before the next CR or LF into the line
// at once (up to MaxResponseLine, as Next would), where ReadByte would
// take them one at a time.
func (l *LineReader) scan() {
	b, _ := l.r.Peek(l.r.Buffered())
	i := 0
	for i < len(b) && b[i] != '\r' && b[i] != '\n' {
		i++
	}
	if i == 0 {
		return
	}
	k := max(min(i, MaxResponseLine-len(l.buf)), 0)
	l.buf = append(l.buf, b[:k]...)
	if k < i {
		l.over = true
	}
	_, _ = l.r.Discard(i)
}

// LineBuffered reports whether Next can return a line from the bytes
// already read, without reading more: a line's bytes and its CR or LF
// are buffered (an empty line between them does not count).
func (l *LineReader) LineBuffered() bool {
	b, _ := l.r.Peek(l.r.Buffered())
	text := len(l.buf) > 0
	for _, c := range b {
		switch {
		case c != '\r' && c != '\n':
			text = true
		case text:
			return true
		}
	}
	return false
}

// Cut reports whether the line Next last returned ended with the stream,
// not with a CR or LF: a line the end of the stream may have cut short.
func (l *LineReader) Cut() bool { return l.cut }

// Unfinished returns and forgets the bytes of a line Next has not finished
// framing (kept after a read error other than the end of the stream): a
// line cut short when the stream is given up.
func (l *LineReader) Unfinished() string {
	if l.over {
		l.take()
		return ""
	}
	return l.take()
}

// take ends the line being framed and returns it.
func (l *LineReader) take() string {
	var s string
	switch { // compared without a copy
	case string(l.buf) == "OK":
		s = "OK" // ends most answers
	case string(l.buf) == l.last:
		s = l.last
	default:
		s = string(l.buf)
		l.last = s
	}
	l.buf, l.over = l.buf[:0], false
	return s
}

// Kind classifies a response line.
type Kind int

const (
	Info       Kind = iota // information text or an unsolicited result code
	FinalOK                // OK
	FinalError             // ERROR, and the V.250 call results NO CARRIER, BUSY, ...
	FinalCME               // +CME ERROR: <err> (TS 27.007 §9.2)
	FinalCMS               // +CMS ERROR: <err> (TS 27.005 §3.2.5)
)

// IsFinal reports whether the kind ends a command's response.
func (k Kind) IsFinal() bool { return k != Info }

// Result is a classified response line. Code is the numeric error (-1 when
// the modem sent a text that is not in the table); Text is the error text.
type Result struct {
	Kind Kind
	Code int
	Text string
}

// Refuses says whether a final result refuses the command itself: ERROR
// (or a Huawei's COMMAND NOT SUPPORT), or +CME ERROR 3 (operation not
// allowed), 4 (not supported), 100 (unknown) or a text 27.007 does not
// have — what a modem without the command answers — rather than naming
// another cause (SIM not inserted, SIM busy, a password wanted).
func (r Result) Refuses() bool {
	switch r.Kind {
	case FinalError:
		return r.Text == "ERROR" || r.Text == "COMMAND NOT SUPPORT"
	case FinalCME:
		return r.Code == int(CMENotAllowed) || r.Code == int(CMENotSupported) || r.Code == int(CMEUnknown) || r.Code < 0
	}
	return false
}

// CME is a +CME ERROR's code, given as a number or in TS 27.007 §9.2's
// words; ok is false for any other result, or a text §9.2 does not have.
func (r Result) CME() (code CMEError, ok bool) {
	if r.Kind != FinalCME || r.Code < 0 {
		return 0, false
	}
	return CMEError(r.Code), true
}

// Classify tells final result codes from information text. Only V1 (verbose)
// results are recognised: a bare "0" or "4" may be the information text of a
// command (some modems answer +CCHO with a bare channel number).
func Classify(line string) Result {
	switch line {
	case "OK":
		return Result{Kind: FinalOK}
	case "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "ABORTED",
		// Huawei modems end an unknown command with it instead of ERROR.
		"COMMAND NOT SUPPORT":
		return Result{Kind: FinalError, Code: -1, Text: line}
	}
	for _, f := range []struct {
		prefix string
		kind   Kind
	}{{"+CME ERROR:", FinalCME}, {"+CMS ERROR:", FinalCMS}} {
		if !strings.HasPrefix(line, f.prefix) {
			continue
		}
		text := strings.TrimSpace(line[len(f.prefix):])
		if n, err := strconv.Atoi(text); err == nil && n >= 0 {
			r := Result{Kind: f.kind, Code: n, Text: text}
			if f.kind == FinalCME {
				r.Text = CMEError(n).Text()
			}
			return r
		}
		r := Result{Kind: f.kind, Code: -1, Text: text}
		if c, ok := CMECode(text); ok && f.kind == FinalCME {
			r.Code = int(c)
		}
		return r
	}
	return Result{Kind: Info}
}
