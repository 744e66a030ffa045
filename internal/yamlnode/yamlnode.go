// Package yamlnode walks a parsed YAML file (a yaml.Node tree) field by
// field, so that every error names file:line:col and the field path as the
// file spells it (device.profiles[1].operator), never a Go type. Unknown
// and duplicate keys and YAML aliases are refused: a typo must not be
// dropped without a word, and an alias would let a small file stand for a
// huge one.
package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Error is a problem in a file, located by line, column and field path.
// Line 0 means the whole file and Col 0 the whole line, for the few
// problems (size, syntax, emptiness) that have no node.
type Error struct {
	File      string
	Line, Col int
	Path      string // e.g. device.profiles[1].operator
	Msg       string
}

func (e *Error) Error() string {
	loc := e.File
	switch {
	case e.Line > 0 && e.Col > 0:
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	case e.Line > 0:
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Path != "" {
		return loc + ": " + e.Path + ": " + e.Msg
	}
	return loc + ": " + e.Msg
}

// Func decodes the value n found at path.
type Func func(n *yaml.Node, path string) error

// Field is one key of a mapping: whether it is required, and how to decode
// its value.
type Field struct {
	name     string
	required bool
	decode   Func
}

// Required is a field the mapping must hold.
func Required(name string, decode Func) Field { return Field{name, true, decode} }

// Optional is a field the mapping may hold.
func Optional(name string, decode Func) Field { return Field{name, false, decode} }

// Decoder walks one file's nodes and remembers where each field path was
// found, so that checks made after decoding can point at the line too.
// The zero value with File set is ready to use.
type Decoder struct {
	File string
	// Duplicate is the message for a key given twice ("given twice" if
	// empty): each family of files keeps the wording its users know.
	Duplicate string
	// Unknown makes the message for a key the mapping does not take from
	// the names it does take, in the order given ("unknown field" if nil).
	Unknown func(known []string) string

	pos map[string]*yaml.Node
}

// ErrAt reports a problem at node n (the file's start if n is nil).
func (d *Decoder) ErrAt(n *yaml.Node, path, format string, args ...any) error {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
	}
	return &Error{File: d.File, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// ErrPath reports a problem at the node remembered for path.
func (d *Decoder) ErrPath(path, format string, args ...any) error {
	return d.ErrAt(d.pos[path], path, format, args...)
}

// Remember records that path was found at n.
func (d *Decoder) Remember(path string, n *yaml.Node) {
	if d.pos == nil {
		d.pos = map[string]*yaml.Node{}
	}
	d.pos[path] = n
}

// Node is the node remembered for path, or nil if the file does not give it.
func (d *Decoder) Node(path string) *yaml.Node { return d.pos[path] }

// Join is the path of key inside the mapping at path. An empty key is
// written "", as the empty-key refusal names it: a path that ends in a
// bare dot (platform.preferred.) reads as a cut-off message (outside
// tester sw51, F11).
func Join(path, key string) string {
	if key == "" {
		key = `""`
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index is the path of item i of the list at path.
func Index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// Mapping decodes n as a mapping with the given fields, in the file's
// order, refusing unknown and duplicate keys and reporting missing
// required ones.
func (d *Decoder) Mapping(n *yaml.Node, path string, fields ...Field) error {
	if err := d.Kind(n, path, yaml.MappingNode, "a mapping"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return d.ErrAt(k, path, "want field names, got %s", Describe(k))
		}
		p := Join(path, k.Value)
		if k.Value == "" {
			// No field is named so; quoted, the path shows the key at all.
			return d.ErrAt(k, Join(path, `""`), "an empty key: %s", d.unknown(fields))
		}
		if seen[k.Value] {
			return d.ErrAt(k, p, "%s", d.duplicate())
		}
		seen[k.Value] = true
		var f *Field
		for j := range fields {
			if fields[j].name == k.Value {
				f = &fields[j]
			}
		}
		if f == nil {
			return d.ErrAt(k, p, "%s", d.unknown(fields))
		}
		d.Remember(p, v)
		if err := f.decode(v, p); err != nil {
			return err
		}
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			return d.Missing(n, Join(path, f.name), "")
		}
	}
	return nil
}

// Missing reports that the mapping n lacks the field at path, with why
// (if not empty) in brackets: Mapping's words for a required field, kept
// for the few fields only required when another is given.
func (d *Decoder) Missing(n *yaml.Node, path, why string) error {
	if why != "" {
		return d.ErrAt(n, path, "required field missing (%s)", why)
	}
	return d.ErrAt(n, path, "required field missing")
}

func (d *Decoder) duplicate() string {
	if d.Duplicate == "" {
		return "given twice"
	}
	return d.Duplicate
}

func (d *Decoder) unknown(fields []Field) string {
	if d.Unknown == nil {
		return "unknown field"
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return d.Unknown(names)
}

// Sequence decodes each item of the list n.
func (d *Decoder) Sequence(n *yaml.Node, path string, item Func) error {
	if err := d.Kind(n, path, yaml.SequenceNode, "a list"); err != nil {
		return err
	}
	for i, c := range n.Content {
		p := Index(path, i)
		d.Remember(p, c)
		if err := item(c, p); err != nil {
			return err
		}
	}
	return nil
}

// Kind checks that n is of kind k (what names it for the message); an
// alias is refused whatever is wanted.
func (d *Decoder) Kind(n *yaml.Node, path string, k yaml.Kind, what string) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return d.ErrAt(n, path, "YAML aliases are not supported")
	case n.Kind != k:
		return d.ErrAt(n, path, "want %s, got %s", what, Describe(n))
	}
	return nil
}

// Describe names a node's value for a message.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.ShortTag() == "!!null" {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

// Scalar returns the text of the scalar n; what names the wanted value
// for the message when n is something else or empty.
func (d *Decoder) Scalar(n *yaml.Node, path, what string) (string, error) {
	if err := d.Kind(n, path, yaml.ScalarNode, what); err != nil {
		return "", err
	}
	if n.ShortTag() == "!!null" {
		return "", d.ErrAt(n, path, "want %s, got nothing", what)
	}
	return n.Value, nil
}

// Str decodes any scalar as its source text, so that digit strings such
// as PLMNs keep their leading zeros whether quoted or not.
func (d *Decoder) Str(dst *string) Func {
	return func(n *yaml.Node, path string) error {
		v, err := d.Scalar(n, path, "a string")
		*dst = v
		return err
	}
}

// durationWant is what a duration looks like, for every file's messages.
const durationWant = "a duration like 90s, 5m or 1h30m"

// Duration reads a scalar as a Go duration (90s, 5m, 1h30m): the one
// reading of a duration for every kind of file. The range is the
// caller's; the error has no place, for callers that locate their own
// (Decoder.Duration does).
func Duration(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return 0, fmt.Errorf("want %s, got %s", durationWant, Describe(n))
	}
	d, err := time.ParseDuration(n.Value)
	switch {
	case err != nil && durationText.MatchString(n.Value):
		// Well formed, past what a time.Duration holds (about 292
		// years): a caller says what its range is rather than call it
		// malformed.
		return 0, fmt.Errorf("%s: %w", n.Value, ErrDurationRange)
	case err != nil:
		return 0, fmt.Errorf("want %s, got %q", durationWant, n.Value)
	}
	return d, nil
}

// ErrDurationRange is a well-formed duration too large, or too far below
// zero, for a time.Duration.
var ErrDurationRange = errors.New("beyond the ±292 years a duration holds")

// durationText is the shape of a Go duration, whatever its size.
var durationText = regexp.MustCompile(`^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// Duration is the package's Duration, its error at n.
func (d *Decoder) Duration(n *yaml.Node, path string) (time.Duration, error) {
	v, err := Duration(n)
	if err != nil {
		return 0, d.ErrAt(n, path, "%v", err)
	}
	return v, nil
}

// Parse reads the next document from dec. A panic inside the YAML parser
// becomes an error: bad input must never crash the harness.
func Parse(dec *yaml.Decoder, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failure: %v", r)
		}
	}()
	return dec.Decode(doc)
}

// ReadFile reads the file at path, refusing it once the read passes limit
// bytes: a device such as /dev/zero, or a file still growing, has no size
// to check beforehand and would fill the memory. A larger file is an
// *Error naming the file and the limit (its size too when it is a regular
// file).
func ReadFile(path string, limit int) ([]byte, error) {
	// A named pipe is opened without waiting for a writer (mkfifo with
	// none would block the open, out of reach of a signal); one that
	// has a writer (a shell's <(…)) is then read to its end as usual.
	fifo := false
	if fi, err := os.Stat(path); err == nil {
		fifo = fi.Mode()&os.ModeNamedPipe != 0
	}
	flag := os.O_RDONLY
	if fifo {
		flag |= syscall.O_NONBLOCK
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if fifo && len(data) == 0 {
		return nil, &Error{File: path, Line: 1, Col: 1, Msg: "a named pipe that no program writes to: nothing to read"}
	}
	if len(data) <= limit {
		return data, nil
	}
	msg := fmt.Sprintf("file is over %d bytes (not a regular file), at most %d", limit, limit)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		msg = fmt.Sprintf("file is %d bytes, at most %d", fi.Size(), limit)
	}
	return nil, &Error{File: path, Line: 1, Col: 1, Msg: msg}
}

// OneDocument parses data's first document and returns its top node
// (nil for an empty file) and where a second document starts (nil when
// there is none): yaml.Unmarshal would read the first and drop the rest
// without a word, so callers refuse it there. A syntax error comes back
// as the parser's error (Syntax reads it), a parser panic as an error.
func OneDocument(data []byte) (top, second *yaml.Node, err error) {
	if err := checkUTF8(data); err != nil {
		return nil, nil, err
	}
	var doc, next yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := Parse(dec, &doc); errors.Is(err, io.EOF) {
		return nil, nil, nil
	} else if err != nil {
		if m := unknownAnchor.FindStringSubmatch(err.Error()); m != nil {
			// The parser names no line for it: find the alias.
			if line, col, ok := findAlias(data, m[1]); ok {
				return nil, nil, &textError{line, col, "alias *" + m[1] + ": anchors and aliases are not supported (write each value out; no anchor &" + m[1] + " is defined either)"}
			}
		}
		return nil, nil, Explain(data, err)
	}
	if len(doc.Content) > 0 {
		top = doc.Content[0]
	}
	if n := anchored(top); n != nil {
		// Refused where they stand, not where a field happens to be
		// decoded (an anchor alone would pass unseen).
		what := "anchor &" + n.Anchor
		if n.Kind == yaml.AliasNode {
			what = "alias *" + n.Value
		}
		return nil, nil, &textError{n.Line, n.Column, what + ": anchors and aliases are not supported (write each value out)"}
	}
	switch err := Parse(dec, &next); {
	case err == nil:
		return top, &next, nil
	case !errors.Is(err, io.EOF):
		return top, nil, err
	}
	return top, nil, nil
}

// unknownAnchor is the parser's error for an alias of no anchor.
var unknownAnchor = regexp.MustCompile(`unknown anchor '([^']+)' referenced`)

// findAlias is the line and column of the first "*name" that stands as
// an alias: at a line's start, or after a blank, "[", "{", "," or ":".
func findAlias(data []byte, name string) (line, col int, ok bool) {
	re := regexp.MustCompile(`(?:^|[\s\[{,:])(\*` + regexp.QuoteMeta(name) + `)(?:$|[\s\]},])`)
	for i, l := range strings.Split(string(data), "\n") {
		if m := re.FindStringSubmatchIndex(l); m != nil {
			return i + 1, utf8.RuneCountInString(l[:m[2]]) + 1, true
		}
	}
	return 0, 0, false
}

// anchored is the first node under n, in document order, that carries an
// anchor or is an alias; nil if none does.
func anchored(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := anchored(c); a != nil {
			return a
		}
	}
	return nil
}

// checkUTF8 refuses a file that is not UTF-8, or holds a character YAML
// does not allow (a NUL, an ESC from a terminal paste), with the line and
// column of the first: the parser names line 1 whatever the place. A file
// starting with a UTF-16 byte order mark is left to the parser, which
// reads UTF-16 as YAML allows; one without reads as NULs, so it is named.
// Explain puts a parser error about data in words the parser does not
// find: a character that cannot start a token, on a line indented with a
// tab, is that tab. Any other error is returned as it is.
func Explain(data []byte, err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m != nil && parserMsgs[m[2]] {
		// The parser names the line where the block or flow it could not
		// go on with starts (counted from 0), not the line that broke it.
		// Its mark is the block's start or, on the first line, where it
		// gave up: the search starts a line before the mark's own.
		from, _ := strconv.Atoi(m[1])
		if line, col, ok := firstBadLine(data, from, m[2]); ok {
			if restBlank(data, line) && endsInFlow(data, m[2]) {
				// Nothing on that line broke it: the file ended inside a
				// [ or {, named where it opens when that line opens it,
				// else where the file ends (outside tester t135 F9:
				// "name: [" named 1:1).
				lines := bytes.Split(data, []byte("\n"))
				if c, ok := unclosedOn(lines[line-1]); ok {
					return &textError{line, c, fmt.Sprintf("%s: the %c here is not closed before the file ends", m[2], lines[line-1][c-1])}
				}
				el, ec := endOf(data)
				return &textError{el, ec, m[2] + ": the file ends inside a [ or { not closed"}
			}
			return &textError{line, col, m[2]}
		}
		return err
	}
	if m == nil || !strings.Contains(m[2], "cannot start any token") && !strings.Contains(m[2], "tab character") {
		return err
	}
	line, _ := strconv.Atoi(m[1])
	lines := bytes.Split(data, []byte("\n"))
	// The parser names the tab's line, or for "violates indentation"
	// the line before it.
	for l := line; l >= 1 && l <= len(lines) && l <= line+1; l++ {
		indent := lines[l-1][:len(lines[l-1])-len(bytes.TrimLeft(lines[l-1], " \t"))]
		if i := bytes.IndexByte(indent, '\t'); i >= 0 {
			return &textError{l, i + 1, "a tab in the indentation: YAML indents with spaces only"}
		}
	}
	return err
}

func checkUTF8(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) {
		return nil
	}
	if utf16NoBOM(data) {
		return &textError{1, 1, "every other byte is 0: the file looks like UTF-16 without a byte order mark (save it as UTF-8)"}
	}
	line, col := 1, 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && n <= 1:
			return &textError{line, col, fmt.Sprintf("byte 0x%02x is not UTF-8 (the file must be UTF-8 text)", data[0])}
		case r == '\n':
			line, col = line+1, 1
		case !printable(r) && !(r == 0xfeff && line == 1 && col == 1):
			return &textError{line, col, fmt.Sprintf("control character U+%04X is not allowed (YAML takes tabs, line breaks and printable characters)", r)}
		default:
			col++
		}
		data = data[n:]
	}
	return nil
}

// textError is a file that is no YAML text, at the character that says so.
type textError struct {
	line, col int
	msg       string
}

func (e *textError) Error() string {
	return fmt.Sprintf("yaml: line %d: column %d: %s", e.line, e.col, e.msg)
}

// printable is YAML 1.2's c-printable (§5.1), which a stream may hold.
func printable(r rune) bool {
	switch {
	case r == '\t' || r == '\r' || r == '\n' || r == 0x85:
		return true
	case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
		return false
	case r >= 0xd800 && r <= 0xdfff || r == 0xfffe || r == 0xffff:
		return false
	}
	return true
}

// utf16NoBOM reports text in UTF-16 without its byte order mark: ASCII
// in it puts a 0 in every other byte of its first line.
func utf16NoBOM(data []byte) bool {
	n := min(len(data), 64) &^ 1
	if n < 4 {
		return false
	}
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		if data[i] == 0 {
			even++
		}
		if data[i+1] == 0 {
			odd++
		}
	}
	return even == n/2 && odd == 0 || odd == n/2 && even == 0
}

// yamlLine matches the parser's "yaml: line N: message" errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// SyntaxError is a YAML parser error located in file: at its line (the
// first when it names none) and its column when the parser gives one —
// a made-up column 1 sent readers to the wrong place (outside tester
// sw80: the ":" at column 32 named as column 1).
func SyntaxError(file string, err error) *Error {
	line, col, msg := Syntax(err)
	return &Error{File: file, Line: max(line, 1), Col: col, Msg: "YAML syntax: " + msg}
}

// Syntax splits a YAML parser error into the line and column it names
// (0 if none) and its message without the library's "yaml: " prefix.
func Syntax(err error) (line, col int, msg string) {
	var xe *textError
	if errors.As(err, &xe) {
		return xe.line, xe.col, xe.msg
	}
	msg = err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		if parserMsgs[m[2]] {
			// The parser (not the scanner) names its mark's line counted
			// from 0: the line where the unclosed "{" or the block it
			// could not go on with starts, one early (outside tester
			// sw70: an unclosed mapping named the stop before it).
			line++
		}
		return line, 0, m[2]
	}
	return 0, 0, strings.TrimPrefix(msg, "yaml: ")
}

// maxLocate bounds the documents firstBadLine reparses: each try parses a
// prefix, about log2(lines) of them.
const maxLocate = 1 << 20

// firstBadLine finds the line that breaks data with the parser's error
// msg: the first line at or after from (the parser's mark) such that the
// document cut after it fails with msg too, by bisection; its column is
// that of the line's first character. ok is false when no such line is
// found (or data is too large to reparse).
func firstBadLine(data []byte, from int, msg string) (line, col int, ok bool) {
	if len(data) > maxLocate {
		return 0, 0, false
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(k int) bool {
		var doc yaml.Node
		err := Parse(yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:k], nil))), &doc)
		if err == nil {
			return false
		}
		m := yamlLine.FindStringSubmatch(err.Error())
		return m != nil && m[2] == msg
	}
	lo, hi := max(from, 1), len(lines) // the first failing cut is in [lo, hi]
	if lo > hi || !fails(hi) {
		return 0, 0, false
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	l := lines[lo-1]
	return lo, len(l) - len(bytes.TrimLeft(l, " ")) + 1, true
}

// restBlank says every line of data after line (from 1) is blank or a
// comment: the parser's error on it may be the end of the file's.
func restBlank(data []byte, line int) bool {
	lines := bytes.Split(data, []byte("\n"))
	for _, l := range lines[min(line, len(lines)):] {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

// endsInFlow says data fails with msg only because it ends inside a flow
// collection: closed by a bracket or two, it parses, or fails otherwise.
func endsInFlow(data []byte, msg string) bool {
	if len(data) > maxLocate {
		return false
	}
	// The closer goes after the last line that is not blank or a comment.
	lines := bytes.Split(data, []byte("\n"))
	for len(lines) > 0 {
		if t := bytes.TrimSpace(lines[len(lines)-1]); len(t) > 0 && t[0] != '#' {
			break
		}
		lines = lines[:len(lines)-1]
	}
	body := bytes.Join(lines, []byte("\n"))
	if i := bytes.LastIndexByte(body, '\n'); bytes.Contains(body[i+1:], []byte(" #")) {
		return false // a comment ends it: a bracket after it would be comment too
	}
	for _, closer := range []string{"]", "}", "]]", "}}", "]}", "}]"} {
		var doc yaml.Node
		err := Parse(yaml.NewDecoder(bytes.NewReader(append(bytes.Clone(body), closer...))), &doc)
		if err == nil {
			return true
		}
		if m := yamlLine.FindStringSubmatch(err.Error()); m == nil || m[2] != msg {
			return true
		}
	}
	return false
}

// unclosedOn is the column (from 1) of the outermost [ or { of line that
// the line does not close, outside quotes and a comment.
func unclosedOn(line []byte) (col int, ok bool) {
	var open []int
	quote := byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '"' && c == '\\':
			i++ // an escape
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			i = len(line)
		case c == '[' || c == '{':
			open = append(open, i)
		case (c == ']' || c == '}') && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	if len(open) == 0 {
		return 0, false
	}
	return open[0] + 1, true
}

// endOf is the line and column just past data's last byte.
func endOf(data []byte) (line, col int) {
	i := bytes.LastIndexByte(data, '\n')
	return bytes.Count(data, []byte("\n")) + 1, len(data) - (i + 1) + 1
}

// parserMsgs are the YAML parser's own errors (the library's parserc),
// whose line is counted from 0; the scanner's count from 1.
var parserMsgs = map[string]bool{
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
}
