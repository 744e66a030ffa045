package fieldlog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"html"
	"io"
	"iter"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// Limits on what a log can make a reader hold.
const (
	// MaxFile is the largest log read: a day of ModemManager debug output
	// or a long lpac session with HTTP bodies fits.
	MaxFile = 32 << 20
	// MaxLine is the longest line (lpac's HTTP debug lines carry whole
	// bound profile packages in base64).
	MaxLine = 1 << 20
	// MaxEntries bounds a transcript.
	MaxEntries = 1 << 20
)

// tooBig is the error for a log of size bytes, more than MaxFile: it says
// how to cut a log of format f ("" not known) down to what a replay needs.
func tooBig(file string, size int64, f Format) error {
	return errAt(file, 0, "%d bytes, more than the %d a log may have: keep the part around the failure%s", size, MaxFile, cutHint(f))
}

// cutHint says how to cut a log of format f ("" not known) down to what a
// replay needs: "" when the format is not known.
func cutHint(f Format) string {
	how := ""
	switch f {
	case "":
	case Logcat:
		how = " (an Android radio log: the RIL's lines alone, grep 'AT[<>] ')"
	case MM:
		how = " (a ModemManager log: its lines around the failure, journalctl --since … --until …)"
	case LPAC:
		how = " (lpac's output: one run, without LIBEUICC_DEBUG_HTTP, whose lines carry whole profile packages)"
	case Socat:
		how = " (a socat dump: from a transfer's header on; -v alone is a fraction of -v -x)"
	case Platform, Events:
		how = " (whole JSON entries)"
	default:
		how = fmt.Sprintf(" (%s: its lines from a command to a final result, sed -n 'FROM,TOp')", f)
	}
	return how
}

// headFormat is the format a log's head reads as (Detect), "" for none:
// what a log too big to read is, for tooBig.
func headFormat(file string, head []byte) Format {
	head = head[:min(len(head), sniffLines*1024)]
	head = head[:bytes.LastIndexByte(head, '\n')+1] // whole lines
	f, err := Detect(file, head)
	if err != nil {
		return ""
	}
	return f
}

// ReadFile reads the log at path in format f ("" detects it).
func ReadFile(path string, f Format) (*Transcript, error) {
	data, err := readBytes(path, f)
	if err != nil {
		return nil, err
	}
	return Read(path, data, f)
}

// ReadBytes reads a log file as it is, refusing what is not a regular file
// or is larger than MaxFile.
func ReadBytes(path string) ([]byte, error) { return readBytes(path, "") }

// readBytes is ReadBytes of a log in format f ("" detects it from its
// head, when it is too big to read).
func readBytes(path string, f Format) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if fi.Size() > MaxFile {
		if f == "" {
			f = headFormat(path, fileHead(path))
		}
		return nil, tooBig(path, fi.Size(), f)
	}
	return os.ReadFile(path)
}

// fileHead is the start of the file at path, as much as headFormat
// looks at; nil when it cannot be read.
func fileHead(path string) []byte {
	fd, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer fd.Close()
	head := make([]byte, sniffLines*1024)
	n, _ := io.ReadFull(fd, head)
	return head[:n]
}

// Read reads a log held in data; file names it in errors and entries. An
// empty format is detected from the content (Detect).
func Read(file string, data []byte, f Format) (*Transcript, error) {
	if len(data) > MaxFile {
		if f == "" {
			f = headFormat(file, data)
		}
		return nil, tooBig(file, int64(len(data)), f)
	}
	text, inv, together := logText(data)
	t, err := readLog(file, text, f)
	if err != nil {
		if together > 0 {
			return nil, errAt(file, together, "journal entries run together on one line (journalctl -o json writes each on a line of its own; a paste lost the line feeds between them): split them, a line each (jq -c . FILE > FILE.json), and give that")
		}
	}
	if err == nil {
		t.Page = htmlPage.Match(gbkText(unmarked(data)))
		t.Invisible = inv.note()
		if nul := droppedNULs(text).nulNote(); nul != "" && t.Invisible != "" {
			t.Invisible += "; " + nul
		} else if nul != "" {
			t.Invisible = nul
		}
	}
	return t, err
}

// droppedNULs counts the NULs textLine drops from text's lines (a
// terminal's padding, not a quoted string's GSM '@') and places the
// first: the reader takes them out, and says so (Transcript.Invisible).
func droppedNULs(text []byte) invisibles {
	var v invisibles
	if bytes.IndexByte(text, 0) < 0 {
		return v
	}
	for n, l := range bytes.Split(text, []byte{'\n'}) {
		_, dropped, err := textLineNULs(bytes.TrimSuffix(l, []byte{'\r'}), false)
		if err != nil || len(dropped) == 0 {
			continue // the read refused it, or another format reads it
		}
		if v.n == 0 {
			v.line, v.col = n+1, dropped[0]+1
		}
		v.n += len(dropped)
	}
	return v
}

// nulNote is Transcript.Invisible's part for the NULs droppedNULs found:
// "" for none.
func (v invisibles) nulNote() string {
	if v.n == 0 {
		return ""
	}
	bytes := "NUL bytes"
	if v.n == 1 {
		bytes = "NUL byte"
	}
	return fmt.Sprintf("%d %s taken out, the first at line %d, column %d: a NUL outside a quoted string is padding a terminal shows as nothing (a serial line's glitch as a module powers up); one inside is the GSM alphabet's '@' (TS 23.038) and stays, shown as \\x00", v.n, bytes, v.line, v.col)
}

// readLog reads a log's text (LogText).
func readLog(file string, data []byte, f Format) (*Transcript, error) {
	t, err := read(file, data, f)
	if q, ok := unquoted(data); ok && quoteNoSense(file, data, q, f, t, err) {
		// A log quoted in a reply (GitHub's "Quote reply", a mail):
		// read without the "> " its lines share.
		data = q
		t, err = read(file, data, f)
	}
	if err != nil || hostOnly(t) {
		// A serial monitor that stamps every line "12:56:21.319> ": its
		// ">" is its prompt, not the host's side (both sides have it).
		if u, ok := unprompted(data); ok {
			if ut, uerr := read(file, u, f); uerr == nil {
				return ut, nil
			}
		}
	}
	if err != nil {
		// A log pasted indented (a Markdown code block, a quoted mail)
		// reads as its text without the indentation its lines share:
		// when that reads, or when it reads as a format (given, or
		// detected) the text as it is does not, its error is the one
		// that says what is wrong.
		if flush, ok := dedented(data); ok {
			ft, ferr := read(file, flush, f)
			if ferr == nil || recognised(file, flush, f) && !recognised(file, data, f) {
				return ft, ferr
			}
		}
		return nil, err
	}
	return t, nil
}

// quoteNoSense reports whether a log whose lines all start with a quote
// mark (data, q without it: unquoted) is to be read without it: read as
// it is, it is a plain transcript of the host's lines alone — no modem
// line, which no conversation is — or no format at all (t, err: that
// reading of data in format f); or, in a format given other than plain,
// q reads as that format and data does not.
func quoteNoSense(file string, data, q []byte, f Format, t *Transcript, err error) bool {
	if f != "" && f != Plain {
		return err != nil && recognised(file, q, f) && !recognised(file, data, f)
	}
	if t != nil && (t.Format != Plain || !hostOnly(t)) {
		return false
	}
	ls, _, lerr := splitLines(file, data)
	if lerr != nil {
		return false
	}
	d, derr := detect(file, ls)
	return derr != nil || d == Plain
}

// hostOnly reports a transcript with no modem line: no conversation.
func hostOnly(t *Transcript) bool {
	if t == nil {
		return false
	}
	for _, e := range t.Entries {
		if e.Dir == Modem {
			return false
		}
	}
	return true
}

// unprompted is text whose every non-blank line is a time stamp, then ">"
// (a serial monitor's "12:56:21.319> ^SYSSTART", blanks or none between),
// with the ">" and one blank after it taken out; ok is false when some
// line is not so. A ">"/"<" transcript marks its modem's lines "<": one
// whose lines all say ">" shows both sides with the same mark, which is
// then the monitor's, not a direction.
func unprompted(data []byte) ([]byte, bool) {
	var out []byte // grown as lines fit: most logs leave at their first
	n := 0
	for l := range bytes.Lines(data) {
		body := string(bytes.TrimRight(l, "\r\n"))
		if strings.TrimSpace(body) == "" {
			out = append(out, l...)
			continue
		}
		i := strings.IndexByte(body, '>')
		if i <= 0 {
			return nil, false
		}
		stamp := strings.TrimRight(body[:i], " \t")
		if _, c, rest := splitStamp(stamp + " "); c == NoTime || rest != "" {
			return nil, false
		}
		text := strings.TrimPrefix(strings.TrimPrefix(body[i+1:], " "), "\t")
		out = append(append(append(out, stamp...), ' '), text...)
		out = append(out, l[len(body):]...) // the line ending
		n++
	}
	return out, n > 1
}

// quoteLead is the quote marks a line of a quoted reply starts with:
// "> ", ">> ", "> > ", ">".
var quoteLead = regexp.MustCompile(`^(?:>[ \t]?)+`)

// unquoted is text without the quote marks (quoteLead) every non-blank
// line starts with, a line of quote marks alone (a quoted blank line)
// made blank; ok is false when some line does not start with ">". The
// lines keep their numbers.
func unquoted(data []byte) ([]byte, bool) {
	var lead []byte
	first := true
	for l := range bytes.Lines(data) {
		body := bytes.TrimRight(l, "\r\n")
		switch {
		case len(bytes.TrimSpace(body)) == 0:
			continue
		case body[0] != '>':
			return nil, false
		case len(bytes.Trim(body, "> \t")) == 0:
			continue // a quoted blank line
		}
		ql := quoteLead.Find(body)
		if first {
			lead, first = ql, false
			continue
		}
		n := 0
		for n < len(lead) && n < len(ql) && lead[n] == ql[n] {
			n++
		}
		lead = lead[:n]
	}
	if len(lead) == 0 {
		return nil, false
	}
	out := stripQuote(data, lead)
	return out, true
}

// stripQuote is data without lead at the start of its lines, a line of
// quote marks alone made blank.
func stripQuote(data, lead []byte) []byte {
	out := make([]byte, 0, len(data))
	for l := range bytes.Lines(data) {
		body := bytes.TrimRight(l, "\r\n")
		if len(bytes.Trim(body, "> \t")) == 0 {
			out = append(out, l[len(body):]...) // the line ending alone
			continue
		}
		out = append(out, bytes.TrimPrefix(l, lead)...)
	}
	return out
}

// recognised reports text whose lines read as format f at all (detected
// when f is empty): its problems are then its own, not the format's.
func recognised(file string, data []byte, f Format) bool {
	ls, _, err := splitLines(file, data)
	if err != nil {
		return false
	}
	d, err := detect(file, ls)
	return err == nil && (f == "" || d == f)
}

// dedented is text without the run of spaces and tabs every non-blank
// line starts with; ok is false when they share none.
func dedented(data []byte) ([]byte, bool) {
	var ind []byte
	first := true
	for l := range bytes.Lines(data) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		lead := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
		if first {
			ind, first = lead, false
			continue
		}
		n := 0
		for n < len(ind) && n < len(lead) && ind[n] == lead[n] {
			n++
		}
		ind = ind[:n]
	}
	if len(ind) == 0 {
		return nil, false
	}
	out := make([]byte, 0, len(data))
	for l := range bytes.Lines(data) {
		out = append(out, bytes.TrimPrefix(l, ind)...)
	}
	return out, true
}

func read(file string, data []byte, f Format) (*Transcript, error) {
	ls, cut, err := splitLines(file, data)
	if err != nil {
		return nil, err
	}
	joined := joinWrappedHex(ls)
	given := f != ""
	if !given {
		if f, err = detect(file, ls); err != nil {
			return nil, err
		}
	} else if f == Terminal || f == Plain {
		// The two formats of bare lines read any text: a log with a
		// tool's own markers named one of them would be misread (a
		// LuatOS trace's ril lines taken for URCs), not refused.
		if d, derr := detect(file, ls); derr == nil && d != Terminal && d != Plain {
			return nil, errAt(file, firstLine(ls), "given as %s, but it reads as %s, whose lines it has: give format %s (or none: it is detected)", f, d, d)
		}
	}
	var t *Transcript
	switch f {
	case ATLog:
		t, err = readATLog(file, ls)
	case LPAC:
		t, err = readLPAC(file, ls, cut)
	case MM:
		t, err = readMM(file, ls, cut)
	case Socat:
		t, err = readSocat(file, data)
	case Strace:
		t, err = readStrace(file, ls)
	case Jpnevulator:
		t, err = readJpnevulator(file, ls)
	case Docklight:
		t, err = readDocklight(file, ls)
	case EWF:
		t, err = readEWF(file, ls)
	case ATParser:
		t, err = readATParser(file, ls)
	case Mbed:
		t, err = readMbed(file, ls)
	case SSCOM:
		t, err = readSSCOM(file, ls)
	case QCOM:
		t, err = readQCOM(file, ls)
	case Logcat:
		t, err = readLogcat(file, ls, cut)
	case Gammu:
		t, err = readGammu(file, ls)
	case Ofono:
		t, err = readOfono(file, ls)
	case Luat:
		t, err = readLuat(file, ls, cut)
	case Chat:
		t, err = readChat(file, ls)
	case Zephyr:
		t, err = readZephyr(file, ls, cut)
	case ESPIDF:
		t, err = readESPIDF(file, ls)
	case MMCLI:
		t, err = readMMCLI(file, ls, cut)
	case Gsmmodem:
		t, err = readGsmmodem(file, ls)
	case Shx:
		t, err = readShx(file, ls)
	case Plain:
		t, err = readPlain(file, ls)
	case Terminal:
		t, err = readTerminal(file, ls)
	case Platform:
		t, err = readPlatform(file, data)
	case Events:
		t, err = readEvents(file, ls, cut)
	default:
		return nil, errAt(file, 0, "unknown log format %q (known: %s)", f, formatList())
	}
	if err != nil {
		if serr := secondFormatLines(file, ls, f); serr != nil {
			return nil, serr
		}
		return nil, err
	}
	// The harness's at.log refuses any line it cannot read, so one of
	// notes alone (a replay that played nothing) is read as such.
	if given && f != ATLog && !t.readSome() {
		// Named as it is detected, it reads as detected: its lines
		// are the format's, and what they hold is said further on.
		if d, derr := detect(file, ls); derr != nil || d != f {
			return nil, wrongFormat(file, ls, f)
		}
	}
	for k, e := range t.Entries {
		// A line joined from the rows a paste wrapped it over ends on
		// the last of them, as one a reader joined from its reads does.
		if end := joined[e.Line]; end > e.Line && e.End == 0 && e.Dir != Tool {
			t.Entries[k].End = end
		}
	}
	t.File, t.Format = file, f
	if err := secondFormat(t); err != nil {
		return nil, err
	}
	return t, nil
}

// readSome reports whether a transcript holds anything but notes.
func (t *Transcript) readSome() bool {
	if len(t.Requests) > 0 || len(t.RunEvents) > 0 {
		return true
	}
	for _, e := range t.Entries {
		if e.Role != Note || e.APDU != nil || e.Event != nil {
			return true // a line, an APDU or lpac's JSON the format has
		}
	}
	return len(t.Entries) == 0 // an empty log says so itself
}

// wrongFormat is the error for a log read in a format none of its lines
// has: it names the first line and the format the content looks like.
func wrongFormat(file string, ls []string, f Format) error {
	line, first := firstLine(ls), ""
	if line > 0 {
		first = ls[line-1]
	}
	hint := ""
	if d, err := detect(file, ls); err == nil && d != f {
		hint = fmt.Sprintf("; it reads as %s", d)
	}
	return errAt(file, line, "no line reads as %s (it starts %q)%s", f, clip(first), hint)
}

func formatList() string {
	var s []string
	for _, f := range Formats {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// textRows are the non-blank lines of lines, each with its line number
// (from 1) and without the CRs it ends with (a capture's CR CR LF): the
// lines a serial dump's reader (Docklight, jpnevulator, strace, EWF, AT
// parser) reads, blank ones being no data in any of them.
func textRows(lines []string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i, l := range lines {
			l = strings.TrimRight(l, "\r")
			if strings.TrimSpace(l) == "" {
				continue
			}
			if !yield(i+1, l) {
				return
			}
		}
	}
}

// splitLines cuts data into lines (LF, CR LF: LogText has made CR-only
// line ends LF), refuses binary data and overlong lines, and drops the
// ANSI colour sequences lpac writes on a terminal. cut reports a last
// line without its line ending.
func splitLines(file string, data []byte) (lines []string, cut bool, err error) {
	if len(data) == 0 {
		return nil, false, errAt(file, 0, "empty log")
	}
	all := data
	n := 0
	for len(data) > 0 {
		n++
		i := bytes.IndexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data, cut = data, nil, true
		} else {
			l, data = data[:i], data[i+1:]
		}
		// The bound does not count the line's end, CR or LF, as
		// linescan's readers of esimhil's own files do not (r65 #7).
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(l) > MaxLine {
			return nil, false, errAt(file, n, "line of %d bytes, more than %d", len(l), MaxLine)
		}
		s, err := textLine(l, cut) // cut only at the last line
		if err != nil {
			return nil, false, errAt(file, n, "%v", err)
		}
		lines = append(lines, s)
		if len(lines) > MaxEntries {
			// A log of short lines within MaxFile: cut as a big one is.
			return nil, false, errAt(file, n, "more than %d lines: keep the part around the failure%s", MaxEntries, cutHint(headFormat(file, all)))
		}
	}
	return lines, cut, nil
}

// textLine checks one line is text and strips ANSI SGR sequences (ESC [
// … m). A CR inside a line is kept: it is where a modem's output ran on
// without a line feed. The error names the line's first byte that is not
// text, whichever kind it is; last says the line ends the file without
// a line end, where a character cut short is a log cut short.
func textLine(l []byte, last bool) (string, error) {
	s, _, err := textLineNULs(l, last)
	return s, err
}

// textLineNULs is textLine, also returning the offsets of the NULs it
// dropped as padding (droppedNULs).
func textLineNULs(l []byte, last bool) (string, []int, error) {
	var dropped []int
	b := make([]byte, 0, len(l))
	quoteEnd := -1 // the '"' that closes the quoted string i is in; -1: none
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c == '"' && quoteEnd == i {
			quoteEnd = -1
		} else if c == '"' && quoteEnd < 0 {
			if j := bytes.IndexByte(l[i+1:], '"'); j >= 0 {
				quoteEnd = i + 1 + j
			}
		} else if quoteEnd > i && (c < 0x20 && c != '\r' && c != '\t' || c == 0x7f) {
			// Inside a quoted string a control byte is a character of
			// the GSM default alphabet (TS 23.038) a modem sends under
			// +CSCS="GSM" (27.007 §5.5): an operator's name with 'é'
			// (0x05), '@' (0x00), '€' (0x1B 0x65). Kept for its reader
			// (dialect.OperText), neither padding nor binary.
			b = append(b, c)
			continue
		}
		switch {
		case c == '\b':
			// A text log is what a screen showed, where BS moves back
			// over a character and DEL shows nothing: a DEL the modem
			// took is seen in its echo, so one here is binary (below).
			b, _ = edit(b, c)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(l[i:])
			if r == utf8.RuneError && size == 1 {
				if last && !utf8.FullRune(l[i:]) && c >= 0xc2 && c <= 0xf4 {
					// A UTF-8 character's first bytes, the file's last:
					// cut there, not another encoding.
					return "", nil, fmt.Errorf("the file ends in the middle of a UTF-8 character (byte 0x%02x at column %d starts one, and nothing follows): the log was cut there, probably; copy it again whole, or cut it before this line", c, i+1)
				}
				return "", nil, notUTF8(l, i)
			}
			b = append(b, l[i:i+size]...)
			i += size - 1
		case c == 0x1b && i+1 < len(l) && l[i+1] == '[':
			if j, ok := screenlessCSI(l, i); ok {
				i = j
				if len(b) == 0 && j+1 < len(l) && l[j+1] == '\r' {
					// A CR with nothing before it moves the cursor
					// nowhere: bash's ESC [?2004l CR as a command
					// starts, before the program's first line.
					i++
				}
				continue
			}
			return "", nil, fmt.Errorf("binary data (escape sequence at column %d): not a text log", i+1)
		case c == 0x1b && i+1 < len(l) && l[i+1] == ']':
			// An operating system command (ECMA-48 §8.3.89), ended by
			// BEL or ST: the window title a shell's prompt sets, which
			// script(1) and PuTTY's "All session output" log keep.
			if j := oscEnd(l, i+2); j > 0 {
				i = j
				continue
			}
			return "", nil, fmt.Errorf("binary data (escape sequence at column %d, an operating system command without its BEL or ST): not a text log", i+1)
		case c == '\t' || c == '\r':
			b = append(b, c)
		case c == 0:
			// NUL is padding a terminal shows as nothing: a serial line's
			// glitch as a module powers up (outside tester sw93: two
			// stray NULs refused a whole log as binary).
			dropped = append(dropped, i)
		case c < 0x20 || c == 0x7f:
			return "", nil, fmt.Errorf("binary data (byte 0x%02x at column %d): not a text log", c, i+1)
		default:
			b = append(b, c)
		}
	}
	return string(b), dropped, nil
}

// screenlessCSI reads the control sequence (ECMA-48 §5.4: ESC [, then
// parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F and a final
// byte) at l[i] and reports where it ends, when it changes no text on
// the screen: SGR's colours ("m", lpac's), and setting or resetting a
// mode ("h", "l": a shell's bracketed paste, ESC [?2004h, before each
// prompt in a script(1) or PuTTY session log). One that moves the
// cursor or erases text is refused: what a screen showed is then not
// the bytes in their order.
func screenlessCSI(l []byte, i int) (int, bool) {
	j := i + 2
	for j < len(l) && l[j] >= 0x30 && l[j] <= 0x3f {
		j++
	}
	for j < len(l) && l[j] >= 0x20 && l[j] <= 0x2f {
		j++
	}
	if j < len(l) && (l[j] == 'm' || l[j] == 'h' || l[j] == 'l') {
		return j, true
	}
	return 0, false
}

// oscEnd is the index of the last byte of the operating system command
// whose text starts at l[i] (its BEL, or the backslash of its ST, ESC
// \), or -1 when the line holds none.
func oscEnd(l []byte, i int) int {
	for j := i; j < len(l); j++ {
		switch {
		case l[j] == 0x07:
			return j
		case l[j] == 0x1b && j+1 < len(l) && l[j+1] == '\\':
			return j + 1
		case l[j] < 0x20 && l[j] != '\t':
			return -1
		}
	}
	return -1
}

// edit applies the modem's command-line editing (at.Edit: BS, S5 as
// reset, or DEL) to the text before c: a typing mistake corrected in a
// terminal takes back the character before it, in the modem's command
// line as in its echo on the screen ("X\b \b" erases the X). None at a
// line's start, nor across a CR inside a line (where the modem's output
// ran on). ok says c was an edit.
func edit(b []byte, c byte) ([]byte, bool) {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		_, ok := at.Edit(nil, c, '\b')
		return b, ok
	}
	return at.Edit(b, c, '\b')
}

// notUTF8 says why byte i of l is no UTF-8 and what to do. A log is read
// as UTF-8 (GBK is told apart for SSCOM's saves); a byte that is none
// comes, in a text log, from a module's UART toggling as it powers up
// (0xFF, 0xFE, 0x00 before its first URC) or from text saved in Latin-1 or
// Windows-1252 (an operator's name under AT+CSCS="8859-1", a European
// Windows terminal's save), where a letter such as "ó" is one byte.
func notUTF8(l []byte, i int) error {
	c := l[i]
	cause := "text in Latin-1 or Windows-1252 (an operator's name the modem sent under AT+CSCS=\"8859-1\", a terminal's save on a European Windows)? convert the file, iconv -f latin1 -t utf-8 (or -f cp1252), or delete the byte on this line"
	if noise := c == 0xff || c == 0xfe || c == 0x00; noise || !latin1Letter(l, i) {
		cause = "noise on the UART as the module powered up (bytes such as 0xff, 0xfe before its first line)? delete those bytes on this line; or text in Latin-1 or Windows-1252: convert the file, iconv -f latin1 -t utf-8"
	}
	return fmt.Errorf("byte 0x%02x at column %d is not UTF-8: %s", c, i+1, cause)
}

// latin1Letter reports a byte that reads as a Latin-1 letter among text:
// 0xC0–0xFF (not ×, ÷) after a printable ASCII character.
func latin1Letter(l []byte, i int) bool {
	c := l[i]
	return c >= 0xc0 && c != 0xd7 && c != 0xf7 && i > 0 && l[i-1] >= 0x20 && l[i-1] < 0x7f
}

// LogText is a log's text as the readers number its lines: without its
// byte order mark (unmarked), as UTF-8 when it is an SSCOM log saved in
// GBK (gbkText) and, when no line ends with LF, with its CRs made LF — a
// CR-only file (classic Mac OS, some serial tools' saves). Where lines
// end with LF, a CR inside one is where a modem's output ran on, and
// stays.
func LogText(data []byte) []byte {
	text, _, _ := logText(data)
	return text
}

// logText is LogText, what it took out as invisible (visible), and the
// line where a json journal's entries run together (journalText).
func logText(data []byte) (_ []byte, _ invisibles, together int) {
	data = crLines(unmarked(data))
	j, ok, together := journalText(data)
	if ok {
		// journalctl's export, json or verbose output: its entries
		// as the short lines every daemon's reader takes.
		data = j
	}
	data = gbkText(data)
	if page, ok := pageText(data); ok {
		data = page
	}
	text, inv := visible(data)
	return text, inv, together
}

// crLines is data with CR-only line ends (an old Mac's, a terminal's
// capture) made LF. Decided on the file as it is, before a journal's
// entries are written as lines: a CR a MESSAGE holds ("\r" in -o json,
// raw in -o export) is data within its line, and a journal of one line
// keeps one line.
func crLines(data []byte) []byte {
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') >= 0 {
		return bytes.ReplaceAll(data, []byte{'\r'}, []byte{'\n'})
	}
	return data
}

// invisibles counts the characters visible took out or made spaces, and
// places the first (1-based line, and column in bytes as the reader's
// other messages count it).
type invisibles struct{ n, line, col int }

// note is the transcript's Invisible: "" for none.
func (v invisibles) note() string {
	if v.n == 0 {
		return ""
	}
	chars := "characters"
	if v.n == 1 {
		chars = "character"
	}
	return fmt.Sprintf("%d invisible %s taken out, the first at line %d, column %d: %s", v.n, chars, v.line, v.col, InvisibleNote)
}

// InvisibleNote says what the reader does with characters a screen does
// not show, which a log copied from a web page or a chat carries.
const InvisibleNote = "zero-width spaces, joiners and non-joiners, word joiners and byte order marks (U+200B, U+200C, U+200D, U+2060, U+FEFF) dropped, no-break spaces (U+00A0) read as spaces and dropped at a line's end"

// zeroWidth are the UTF-8 forms of the characters visible drops.
var zeroWidth = [][]byte{[]byte("\u200b"), []byte("\u200c"), []byte("\u200d"), []byte("\u2060"), []byte("\ufeff")}

// nbsp is the UTF-8 form of U+00A0, the no-break space.
var nbsp = []byte("\u00a0")

// visible is text without the characters a screen does not show: a
// zero-width character or a byte order mark inside the text, pasted from a
// web page, made "AT+C\u200bOPS?" an unknown command and "+CEREG:
// 0,1\u200b" no registration, with nothing on the screen to say why. A
// no-break space is a space, and the blanks that end a line with one in
// them are dropped (a modem ends no line so). Bytes that are no UTF-8
// stay for textLine to refuse. The line ends stay where they are.
func visible(data []byte) ([]byte, invisibles) {
	var v invisibles
	if !bytes.Contains(data, nbsp) && !slices.ContainsFunc(zeroWidth, func(z []byte) bool { return bytes.Contains(data, z) }) {
		return data, v // most logs: no copy
	}
	out := make([]byte, 0, len(data))
	line, start := 1, 0 // start: where the line starts in data
	lineOut, lastNBSP := 0, -1
	endLine := func() {
		// Blanks ending the line with a no-break space among them go, a
		// CR before the LF staying.
		end := len(out)
		if end > lineOut && out[end-1] == '\r' {
			end--
		}
		if trail := lineOut + len(bytes.TrimRight(out[lineOut:end], " \t")); lastNBSP >= trail {
			out = append(out[:trail], out[end:]...)
		}
	}
	for i := 0; i < len(data); {
		c := data[i]
		if c == '\n' {
			endLine()
			out = append(out, c)
			i++
			line, start, lineOut, lastNBSP = line+1, i, len(out), -1
			continue
		}
		seen := func() {
			if v.n++; v.n == 1 {
				v.line, v.col = line, i-start+1
			}
		}
		if bytes.HasPrefix(data[i:], nbsp) {
			seen()
			lastNBSP = len(out)
			out = append(out, ' ')
			i += len(nbsp)
			continue
		}
		if k := slices.IndexFunc(zeroWidth, func(z []byte) bool { return bytes.HasPrefix(data[i:], z) }); k >= 0 {
			seen()
			i += len(zeroWidth[k])
			continue
		}
		out = append(out, c)
		i++
	}
	endLine() // a last line without its line end
	return out, v
}

// PageNote says how a log that is an HTML page is read.
const PageNote = "an HTML page (a ticket saved from a browser): read as the text of its <pre> blocks (of its body when it has none), tags left out, character references such as &quot; unescaped; the line numbers are the file's"

// htmlPage opens a web page: a ticket or an issue saved from a browser.
var htmlPage = regexp.MustCompile(`(?i)^\s*<(?:!doctype\s+html|html)[\s>]`)

// pageText is the text of an HTML page, line for line: what its <pre>
// blocks hold (the whole body's text when it has none), its tags and
// everything else blanked, its character references unescaped — a pasted
// log's quotes are &quot; there. Every newline stays where it was, so a
// line of the text is that line of the file. ok is false for a text
// that is not such a page.
func pageText(data []byte) ([]byte, bool) {
	if !htmlPage.Match(data) {
		return nil, false
	}
	// ASCII alone, byte for byte: a Unicode case mapping (or the
	// replacement of an invalid byte) may change the length, and low is
	// indexed as data is.
	low := make([]byte, len(data))
	for i, c := range data {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	// The text of the <pre> blocks, or of the whole body when the page
	// has none outside its scripts and styles (outside review sw114: a
	// "<pre" in a script blanked the page).
	if out, sawPre := pageScan(data, low, false); sawPre {
		return out, true
	}
	out, _ := pageScan(data, low, true)
	return out, true
}

// lineEnds makes a page block's line ends blanks.
var lineEnds = strings.NewReplacer("\n", " ", "\r", " ")

// pageScan is pageText's pass over a page: the text of its <pre> blocks
// (all its body's text when keepAll), every line end kept where it is —
// a CR-only page's too —, and whether it met a <pre> tag outside the
// elements that hold no text.
func pageScan(data, low []byte, keepAll bool) (out []byte, sawPre bool) {
	out = make([]byte, 0, len(data))
	keep := func(b []byte) {
		for len(b) > 0 {
			n := bytes.IndexAny(b, "\r\n")
			if n < 0 {
				n = len(b)
			}
			// A reference to a line end (&#10;) is no line of the file.
			out = append(out, lineEnds.Replace(html.UnescapeString(string(b[:n])))...)
			if n < len(b) {
				out = append(out, b[n])
				n++
			}
			b = b[n:]
		}
	}
	blank := func(b []byte) {
		for _, c := range b {
			if c == '\n' || c == '\r' {
				out = append(out, c)
			}
		}
	}
	inPre, skip := 0, "" // skip: the element whose content is no text (script, style, head)
	for i := 0; i < len(data); {
		lt := bytes.IndexByte(data[i:], '<')
		if lt < 0 {
			lt = len(data) - i
		}
		if text := data[i : i+lt]; skip == "" && (inPre > 0 || keepAll) {
			keep(text)
		} else {
			blank(text)
		}
		i += lt
		if i >= len(data) {
			break
		}
		gt := bytes.IndexByte(data[i:], '>')
		if gt < 0 {
			gt = len(data) - i - 1
		}
		tag := low[i : i+gt+1]
		blank(tag)
		i += gt + 1
		name := ""
		if f := strings.Fields(strings.Trim(string(tag), "<>/ \r\n\t")); len(f) > 0 {
			name = f[0]
		}
		closing := bytes.HasPrefix(tag, []byte("</"))
		switch {
		case skip != "" && closing && name == skip:
			skip = ""
		case skip != "":
		case !closing && (name == "script" || name == "style" || name == "head" || name == "title"):
			skip = name
		case name == "pre" && !closing:
			inPre++
			sawPre = true
		case name == "pre" && closing && inPre > 0:
			inPre--
		}
	}
	return out, sawPre
}

// unmarked is a log's text without its byte order mark: a UTF-8 one
// (Notepad) is dropped, UTF-16 with one (PowerShell's ">" writes
// UTF-16LE), or of ASCII text without one, becomes UTF-8. Anything else is
// left to the line checks.
func unmarked(data []byte) []byte {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:]
	case len(data)%2 != 0:
		return data
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return fromUTF16(data[2:], binary.LittleEndian)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return fromUTF16(data[2:], binary.BigEndian)
	case asciiUTF16(data, 0):
		return fromUTF16(data, binary.BigEndian)
	case asciiUTF16(data, 1):
		return fromUTF16(data, binary.LittleEndian)
	}
	return data
}

func fromUTF16(data []byte, order binary.ByteOrder) []byte {
	units := make([]uint16, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		units = append(units, order.Uint16(data[i:]))
	}
	return []byte(string(utf16.Decode(units)))
}

// asciiUTF16 reports UTF-16 without a byte order mark, as a tool's
// "Unicode" save writes it: over its first 256 units, each an ASCII
// character other than NUL, its zero byte at zero (0: big-endian, 1:
// little-endian).
func asciiUTF16(data []byte, zero int) bool {
	n := min(len(data), 512)
	if n < 4 {
		return false
	}
	for i := 0; i+1 < n; i += 2 {
		if c := data[i+1-zero]; data[i+zero] != 0 || c == 0 || c >= 0x80 {
			return false
		}
	}
	return true
}

// lpacATPrefix starts each line lpac's AT backend logs.
const lpacATPrefix = "AT_DEBUG: "

// wrappedHexHead is a +CGLA or +CSIM line (command or answer) whose
// quoted hex runs to the line's end unclosed; wrappedHexTail a line of
// hex alone, closing it or not.
var (
	wrappedHexHead = regexp.MustCompile(`\+C(?:GLA|SIM)[:=][^"]*?(\d+)\s*,\s*"([0-9A-Fa-f]*)\s*$`)
	wrappedHexTail = regexp.MustCompile(`^\s*([0-9A-Fa-f]+)("?)\s*$`)
	// In a ModemManager line the hex's closing quote is followed by the
	// rest of the serial data, to the quote MM closes it with: the CR
	// LF and the final result of a read, the CR of a write.
	wrappedHexTailMM = regexp.MustCompile(`^\s*([0-9A-Fa-f]+)(")((?:<CR>|<LF>)[^']*')\s*$`)
	// An lpac APDU line's data (LIBEUICC_DEBUG_APDU: "Data: BF 20 35 …"),
	// and a line of such bytes alone.
	wrappedBytesHead = regexp.MustCompile(`^\[DEBUG\] \[APDU\] \[(?:TX|RX)\] .*Data:(?: [0-9A-Fa-f]{2})*(?: [0-9A-Fa-f]{1,2})\s*$`)
	wrappedBytesTail = regexp.MustCompile(`^\s*[0-9A-Fa-f]{1,2}(?: [0-9A-Fa-f]{2})*\s*$`)
)

// joinWrappedHex mends an APDU's hex a paste or a terminal wrapped over
// lines (outside tester sw79: a GetEUICCInfo1 answer wrapped after 76 of
// its 116 digits read as cut short, its rest as a note): a +CGLA or +CSIM
// line whose quote is left open, followed by lines of hex alone the last
// of which closes it, is one line when together they hold the digits its
// length field says; lpac's own APDU lines ("Data: BF 20 …") take the
// lines of bytes alone after them. The lines that were joined stay, empty,
// so every line keeps its number; joined maps a joined line's number
// (1-based) to that of the last line it took.
func joinWrappedHex(ls []string) (joined map[int]int) {
	join := func(head, last int) {
		if joined == nil {
			joined = map[int]int{}
		}
		joined[head+1] = last + 1
	}
	for i := 0; i < len(ls); i++ {
		if wrappedBytesHead.MatchString(ls[i]) {
			// lpac writes one line an APDU; its data's bytes on the lines
			// after it are its rest.
			j := i + 1
			for ; j < len(ls) && wrappedBytesTail.MatchString(ls[j]); j++ {
				head, tail := strings.TrimRight(ls[i], " \t"), strings.TrimSpace(ls[j])
				headHalf := len(head) >= 2 && head[len(head)-2] == ' '
				tailHalf := len(tail) == 1 || tail[1] == ' '
				if headHalf != tailHalf {
					break // halves that make no byte: not its rest
				}
				sep := " "
				if headHalf {
					sep = "" // a byte cut in two
				}
				ls[i], ls[j] = head+sep+tail, ""
			}
			if j > i+1 {
				join(i, j-1)
			}
			i = j - 1
			continue
		}
		m := wrappedHexHead.FindStringSubmatch(ls[i])
		if m == nil {
			continue
		}
		want, err := strconv.Atoi(m[1])
		if err != nil {
			continue
		}
		digits := len(m[2])
		var tail []string
		closed := false
		// lpac writes each line it reads behind its prefix, the rest of
		// a line the modem split too (outside tester sw109).
		pre := ""
		if strings.HasPrefix(ls[i], lpacATPrefix) {
			pre = lpacATPrefix
		}
		mm := mmIO.MatchString(ls[i])
		for j := i + 1; j < len(ls) && !closed && digits < want; j++ {
			t := wrappedHexTail.FindStringSubmatch(strings.TrimPrefix(ls[j], pre))
			if t == nil && mm {
				if t = wrappedHexTailMM.FindStringSubmatch(ls[j]); t != nil {
					t[2] += t[3]
				}
			}
			if t == nil {
				break
			}
			tail = append(tail, t[1]+t[2])
			digits += len(t[1])
			closed = t[2] != ""
		}
		if !closed || digits != want {
			continue
		}
		ls[i] = strings.TrimRight(ls[i], " \t") + strings.Join(tail, "")
		for j := range tail {
			ls[i+1+j] = ""
		}
		join(i, i+len(tail))
		i += len(tail)
	}
	return joined
}
