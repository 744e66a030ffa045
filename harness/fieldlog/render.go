package fieldlog

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/esimhil/esimhil/internal/bidi"
)

// Render writes the transcript one entry a line, as people read it and
// the golden tests compare it:
//
//	lpac.log:12  +0.013s  >  command  AT+CGLA=1,16,"81E2910003BF2D00"  [STORE DATA GetProfilesInfo block 0 (last)]
//
// file:line of the log, the time since the first timed entry (absent
// when the log has none), direction, role, the text (control characters
// escaped), "(lines 4-5)" for a line the log split over rows (shown
// joined), "(joined)" for a line that ran on, a command's typographic
// quotes (QuoteWarning), and the APDU's summary.
func (t *Transcript) Render(w io.Writer) error {
	base := filepath.Base(t.File)
	for _, e := range t.Entries {
		var b strings.Builder
		fmt.Fprintf(&b, "%s:%d", base, e.Line)
		if off, ok := t.Offset(e); ok {
			fmt.Fprintf(&b, "  %s", FormatOffset(off))
		}
		fmt.Fprintf(&b, "  %c  %-7s  %s", e.Dir, e.Role, Escape(e.Text))
		if e.Port != "" {
			fmt.Fprintf(&b, "  (%s)", e.Port)
		}
		if e.End > e.Line {
			// One line the log split over rows (reads, a dump's rows, a
			// paste's wrap): shown joined, with the rows it took.
			fmt.Fprintf(&b, "  (lines %d-%d)", e.Line, e.End)
		}
		if e.Joined {
			b.WriteString("  (joined)")
		}
		if w := QuoteWarning(e.Text); w != "" && e.Role == Command {
			fmt.Fprintf(&b, "  (%s)", w)
		}
		switch {
		case e.Cmd < 0 || e.Role == Echo || e.Role == Command:
		case e.Role == Info && e.Unsure:
			// Either of two: the log cannot tell which.
			fmt.Fprintf(&b, "  (to line %d: %s or %s, the log cannot tell which)", t.Entries[e.Cmd].Line, Escape(t.CommandOf(e)), Escape(t.OtherCommandOf(e)))
		case e.Role == Info && lineCommands(t.Entries[e.Cmd].Text) != nil:
			// One of a line's several commands: say which.
			fmt.Fprintf(&b, "  (to line %d: %s)", t.Entries[e.Cmd].Line, Escape(t.CommandOf(e)))
		default:
			fmt.Fprintf(&b, "  (to line %d)", t.Entries[e.Cmd].Line)
		}
		if e.Result != "" {
			fmt.Fprintf(&b, "  [%s]", e.Result)
		}
		if e.OpenAnswer {
			b.WriteString("  (the answer the log begins inside: skipped)")
		}
		if e.Late != "" {
			fmt.Fprintf(&b, "  (%s)", e.Late)
		}
		if e.NoFinal != "" {
			fmt.Fprintf(&b, "  (%s)", e.NoFinal)
		}
		if e.NoAnswer != "" {
			fmt.Fprintf(&b, "  (%s)", e.NoAnswer)
		}
		if e.DataMode != "" {
			fmt.Fprintf(&b, "  (%s)", e.DataMode)
		}
		if e.GaveUpOn > 0 {
			fmt.Fprintf(&b, "  (gave up on line %d: no answer)", e.GaveUpOn)
		}
		if e.APDU != nil && e.APDU.Summary != "" {
			fmt.Fprintf(&b, "  [%s]", e.APDU.Summary)
		}
		if e.APDU != nil && e.APDU.LengthOff != "" {
			fmt.Fprintf(&b, "  (%s)", e.APDU.LengthOff)
		}
		if e.Event != nil {
			fmt.Fprintf(&b, "  {%s %s %d}", e.Event.Type, e.Event.Message, e.Event.Code)
		}
		b.WriteByte('\n')
		if err := writeLine(w, b.String()); err != nil {
			return err
		}
	}
	for _, e := range t.RunEvents {
		if err := writeLine(w, fmt.Sprintf("%s:%d  %s  %s %s %v\n", base, e.Line, e.Time.Format(time.RFC3339Nano), e.Actor, e.Kind, e.Fields)); err != nil {
			return err
		}
	}
	for _, r := range t.Requests {
		line := fmt.Sprintf("%s:%d  %s  %s %s %d", base, r.Line, r.Time.Format(time.RFC3339Nano), r.Method, r.Path, r.Status)
		if r.Kind != "" {
			line += " kind=" + r.Kind
		}
		if r.Operator != "" {
			line += " operator=" + r.Operator
		}
		if r.ServingPLMN != "" {
			line += " serving=" + r.ServingPLMN
		}
		for _, s := range r.Signal {
			line += fmt.Sprintf(" %s:%d", s.PLMN, s.RSRP)
		}
		if r.Error != "" {
			line += " error=" + strconv.Quote(r.Error)
		}
		if r.Unread != "" {
			line += "  [" + r.Unread + "]"
		}
		if err := writeLine(w, line+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// writeLine writes one line of Render's for a terminal: what Escape
// leaves of a log's own text that would act rather than show — a
// RIGHT-TO-LEFT OVERRIDE reversing the rest of the line, a LINE
// SEPARATOR breaking it, a C1 control — written as its escape, as
// esimhil run's verdict lines are (bidi.Term).
func writeLine(w io.Writer, line string) error {
	_, err := io.WriteString(w, bidi.Term(line))
	return err
}

// FormatOffset writes a time since the start as +1h02m03.004s-like text.
func FormatOffset(d time.Duration) string {
	return "+" + d.Round(time.Millisecond).String()
}

// Escape shows control characters of a line as <CR>, <LF>, <^Z>, \xNN,
// and a byte that is no UTF-8 as \xNN.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			// A byte no UTF-8 text has (line noise, 0xFF): its value,
			// where U+FFFD would hide it and the raw byte make the log
			// binary.
			fmt.Fprintf(&b, `\x%02X`, s[i])
		case r == '\r':
			b.WriteString("<CR>")
		case r == '\n':
			b.WriteString("<LF>")
		case r == 0x1a:
			b.WriteString("<^Z>")
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02X`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Unescape is Escape's inverse: <CR>, <LF>, <^Z> and \xNN (either case)
// back to the bytes they stand for, everything else as it stands. A line
// that held such a form as text (Escaped) reads back as the byte: the log
// does not tell them apart. dialect.OperText reads a GSM-alphabet name a
// log showed so (TS 23.038: 0x1A is 'Ξ', 0x0D CR).
func Unescape(s string) string {
	if !strings.ContainsAny(s, `\<`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "<CR>"):
			b, i = append(b, '\r'), i+3
		case strings.HasPrefix(s[i:], "<LF>"):
			b, i = append(b, '\n'), i+3
		case strings.HasPrefix(s[i:], "<^Z>"):
			b, i = append(b, 0x1a), i+3
		case s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' && isHexDigit(s[i+2]) && isHexDigit(s[i+3]):
			v, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
			b, i = append(b, byte(v)), i+3
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// escapedForm matches what Escape writes for a control or non-UTF-8 byte.
var escapedForm = regexp.MustCompile(`\\x[0-9A-F]{2}|<CR>|<LF>|<\^Z>`)

// Escaped reports whether the logged line s holds a byte Escape wrote in
// its escaped form: line noise, which no modem's text has.
func Escaped(s string) bool { return escapedForm.MatchString(s) }

// needsEscape says whether Escape changes s: noise, or a TAB.
func needsEscape(s string) bool { return Noisy(s) || strings.IndexByte(s, '\t') >= 0 }

// Noisy says whether a line holds bytes no text line of a modem has: a
// control character other than TAB (NUL, XOFF, DEL) or a byte that is
// not UTF-8 (0xFF) — line noise, a UART glitching at power-up. An
// operator's name in UTF-8 is text. The common line, plain ASCII, is
// checked without decoding.
func Noisy(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 && c != '\t' || c == 0x7f:
			return true
		case c >= 0x80:
			ascii = false
		}
	}
	return !ascii && !utf8.ValidString(s)
}

// NoiseRune says whether r, as ranging over a string gives it, is noise
// (Noisy): a control character other than TAB, or a byte that is not
// UTF-8 (utf8.RuneError).
func NoiseRune(r rune) bool { return r == utf8.RuneError || r < 0x20 && r != '\t' || r == 0x7f }
