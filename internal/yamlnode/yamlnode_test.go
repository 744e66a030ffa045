package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// pet is a small schema exercising every piece: a required string, an
// optional nested mapping, and a list of strings.
type pet struct {
	Name  string
	Owner struct{ Name string }
	Tags  []string
}

func decodePet(d *Decoder, data string) (pet, error) {
	var p pet
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		return p, err
	}
	err := d.Mapping(doc.Content[0], "",
		Required("name", d.Str(&p.Name)),
		Optional("owner", func(n *yaml.Node, path string) error {
			return d.Mapping(n, path, Required("name", d.Str(&p.Owner.Name)))
		}),
		Optional("tags", func(n *yaml.Node, path string) error {
			return d.Sequence(n, path, func(n *yaml.Node, path string) error {
				var s string
				err := d.Str(&s)(n, path)
				p.Tags = append(p.Tags, s)
				return err
			})
		}))
	return p, err
}

func TestMappingErrors(t *testing.T) {
	listed := func(known []string) string { return "unknown field (the fields: " + strings.Join(known, ", ") + ")" }
	for _, tc := range []struct {
		name, yaml string
		d          Decoder
		want       string
	}{
		{"ok", "name: rex\nowner: {name: ann}\ntags: [a, '007']\n", Decoder{}, ""},
		{"required", "tags: []\n", Decoder{}, "p.yaml:1:1: name: required field missing"},
		{"nested required", "name: rex\nowner: {}\n", Decoder{}, "p.yaml:2:8: owner.name: required field missing"},
		{"unknown", "name: rex\ncolour: red\n", Decoder{}, "p.yaml:2:1: colour: unknown field"},
		{"empty key", "name: rex\n\"\": red\n", Decoder{}, `p.yaml:2:1: "": an empty key: unknown field`},
		{"empty key inside", "name: rex\nowner: {'': x}\n", Decoder{}, `p.yaml:2:9: owner."": an empty key: unknown field`},
		{"unknown listed", "name: rex\nowner: {nom: x}\n", Decoder{Unknown: listed}, "p.yaml:2:9: owner.nom: unknown field (the fields: name)"},
		{"duplicate", "name: rex\nname: max\n", Decoder{}, "p.yaml:2:1: name: given twice"},
		{"duplicate worded", "name: rex\nname: max\n", Decoder{Duplicate: "duplicate field"}, "p.yaml:2:1: name: duplicate field"},
		{"key not a name", "name: rex\n[a]: 1\n", Decoder{}, "p.yaml:2:1: want field names, got a list"},
		{"alias", "name: &n rex\ntags: [*n]\n", Decoder{}, "p.yaml:2:8: tags[0]: YAML aliases are not supported"},
		{"want a string", "name: [rex]\n", Decoder{}, "p.yaml:1:7: name: want a string, got a list"},
		{"null string", "name:\n", Decoder{}, "p.yaml:1:6: name: want a string, got nothing"},
		{"want a list", "name: rex\ntags: a\n", Decoder{}, `p.yaml:2:7: tags: want a list, got "a"`},
		{"want a mapping", "name: rex\nowner: ann\n", Decoder{}, `p.yaml:2:8: owner: want a mapping, got "ann"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			d.File = "p.yaml"
			_, err := decodePet(&d, tc.yaml)
			got := ""
			if err != nil {
				got = err.Error()
				var e *Error
				if !errors.As(err, &e) {
					t.Errorf("error %T, want *Error", err)
				}
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestRemembersPositions(t *testing.T) {
	d := &Decoder{File: "p.yaml"}
	p, err := decodePet(d, "name: rex\ntags: [a, '007']\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.Tags[1] != "007" {
		t.Errorf("tags[1] = %q, want the source text 007", p.Tags[1])
	}
	for path, want := range map[string]string{"name": "1:7", "tags": "2:7", "tags[1]": "2:11"} {
		n := d.Node(path)
		if n == nil || fmt.Sprintf("%d:%d", n.Line, n.Column) != want {
			t.Errorf("Node(%q) = %v, want at %s", path, n, want)
		}
	}
	if d.Node("owner") != nil {
		t.Error("Node(owner) is set for a field the file leaves out")
	}
	if got, want := d.ErrPath("tags[1]", "bad").Error(), "p.yaml:2:11: tags[1]: bad"; got != want {
		t.Errorf("ErrPath = %q, want %q", got, want)
	}
	if got, want := d.ErrPath("owner", "missing").Error(), "p.yaml:1:1: owner: missing"; got != want {
		t.Errorf("ErrPath of a path not in the file = %q, want %q", got, want)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "f", Line: 3, Col: 4, Path: "a.b", Msg: "m"}, "f:3:4: a.b: m"},
		{Error{File: "f", Line: 3, Col: 4, Msg: "m"}, "f:3:4: m"},
		{Error{File: "f", Line: 3, Msg: "m"}, "f:3: m"},
		{Error{File: "f", Msg: "m"}, "f: m"},
		{Error{File: "f", Path: "p", Msg: "m"}, "f: p: m"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestPaths(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Join("", "a"), "a"},
		{Join("a", "b"), "a.b"},
		{Index("a.b", 2), "a.b[2]"},
		{Join(Index("x", 0), "y"), "x[0].y"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("[{a: 1}, [1], ~, '', x, &a y, *a]"), &doc); err != nil {
		t.Fatal(err)
	}
	want := []string{"a mapping", "a list", "nothing", `""`, `"x"`, `"y"`, "an alias"}
	for i, n := range doc.Content[0].Content {
		if got := Describe(n); got != want[i] {
			t.Errorf("item %d: got %s, want %s", i, got, want[i])
		}
	}
}

func TestSyntax(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
		msg  string
	}{
		{"a: [\n", 2, "did not find expected node content"},
		// The parser's own errors name its mark's line from 0 (outside
		// tester sw70: an unclosed mapping one line early).
		{"a: 1\nb: {x: 1\n\nc: 3\n", 2, "did not find expected ',' or '}'"},
		{"a: 1\nb: [1, 2\n\nc: 3\n", 2, "did not find expected ',' or ']'"},
		{"a: 1\nb:\n  - x\n  y: 2\n", 3, "did not find expected '-' indicator"},
		{"a:\n  b: 1\n c: 2\n", 3, "did not find expected key"},
		{"a: 1\nb: 2\n  c: 3\n", 3, "mapping values are not allowed in this context"},
		{"a: b\n\tc: d\n", 2, "found a tab character that violates indentation"},
	} {
		var doc yaml.Node
		err := yaml.Unmarshal([]byte(tc.in), &doc)
		if err == nil {
			t.Fatalf("%q parsed", tc.in)
		}
		if line, col, msg := Syntax(err); line != tc.line || col != 0 || msg != tc.msg {
			t.Errorf("%q: got %d:%d %q, want %d %q", tc.in, line, col, msg, tc.line, tc.msg)
		}
	}
	if line, col, msg := Syntax(errors.New("yaml: something")); line != 0 || col != 0 || msg != "something" {
		t.Errorf("no line: got %d:%d %q", line, col, msg)
	}
}

// One reading of a duration for every kind of file: Go's syntax, any
// sign (the range is the caller's), and one message for what is not one,
// located by the Decoder.
func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want time.Duration
		err  string
	}{
		{"d: 90s\n", 90 * time.Second, ""},
		{"d: 1h30m\n", 90 * time.Minute, ""},
		{"d: -5s\n", -5 * time.Second, ""},
		{"d: 0s\n", 0, ""},
		{"d: 10\n", 0, `f.yaml:1:4: d: want a duration like 90s, 5m or 1h30m, got "10"`},
		{"d: half an hour\n", 0, `f.yaml:1:4: d: want a duration like 90s, 5m or 1h30m, got "half an hour"`},
		{"d:\n", 0, "f.yaml:1:3: d: want a duration like 90s, 5m or 1h30m, got nothing"},
		{"d: [1s]\n", 0, "f.yaml:1:4: d: want a duration like 90s, 5m or 1h30m, got a list"},
		{"x: &a 1s\nd: *a\n", 0, "f.yaml:2:4: d: want a duration like 90s, 5m or 1h30m, got an alias"},
		{"d: 9999999h\n", 0, "f.yaml:1:4: d: 9999999h: beyond the ±292 years a duration holds"},
		{"d: -9999999h\n", 0, "f.yaml:1:4: d: -9999999h: beyond the ±292 years a duration holds"},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tc.yaml), &doc); err != nil {
			t.Fatal(err)
		}
		d := &Decoder{File: "f.yaml"}
		var got time.Duration
		err := d.Mapping(doc.Content[0], "",
			Optional("x", func(*yaml.Node, string) error { return nil }),
			Required("d", func(n *yaml.Node, p string) (err error) { got, err = d.Duration(n, p); return err }))
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%q: %v %v, want %v", tc.yaml, got, err, tc.want)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.err)
		}
	}
}

// The parser says line 1 for a bad byte or a control character anywhere;
// OneDocument finds it, with its column.
func TestOneDocumentNotText(t *testing.T) {
	const ctl = " is not allowed (YAML takes tabs, line breaks and printable characters)"
	for _, tc := range []struct {
		in        string
		line, col int
		msg       string // "" for a file that parses
	}{
		{"a: caf\xe9\n", 1, 7, "byte 0xe9 is not UTF-8 (the file must be UTF-8 text)"},
		{"a: b\nc: d\nareas: [Berl\xe9n]\n", 3, 13, "byte 0xe9 is not UTF-8 (the file must be UTF-8 text)"},
		{"a: \u00e9\xff\n", 1, 5, "byte 0xff is not UTF-8 (the file must be UTF-8 text)"},
		{"a: b\n# a comment \x00\n", 2, 13, "control character U+0000" + ctl},
		{"a: b\nareas: [\x1b[0mDE]\n", 2, 9, "control character U+001B" + ctl},
		{"a: \u0090\n", 1, 4, "control character U+0090" + ctl},
		{"a\x00:\x00 \x00b\x00\n\x00", 1, 1, "every other byte is 0: the file looks like UTF-16 without a byte order mark (save it as UTF-8)"},
		{"a: caf\u00e9\tb\r\n", 0, 0, ""},
		{"a:\n  b: 1\n\tc: 2\n", 3, 1, "a tab in the indentation: YAML indents with spaces only"},
		{"device:\n  eid: x\n\tcheck: 5m\n  profiles: y\n", 3, 1, "a tab in the indentation: YAML indents with spaces only"},
		{"a:\n  b: 1\n \tc: 2\n", 3, 2, "a tab in the indentation: YAML indents with spaces only"},
		// A tab inside a block scalar is its text, not indentation.
		{"a: |\n  x\n  \ty\n", 0, 0, ""},
		{"\ufeffa: b\n", 0, 0, ""},
		// UTF-16 with its byte order mark is YAML too: left to the parser.
		{"\xff\xfea\x00:\x00 \x00b\x00\n\x00", 0, 0, ""},
	} {
		_, _, err := OneDocument([]byte(tc.in))
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q parsed", tc.in)
			continue
		}
		if line, col, msg := Syntax(err); line != tc.line || col != tc.col || msg != tc.msg {
			t.Errorf("%q: got %d:%d %q, want %d:%d %q", tc.in, line, col, msg, tc.line, tc.col, tc.msg)
		}
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("#"), n), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small, full, over := write("small", 3), write("full", 8), write("over", 9)
	for _, tc := range []struct {
		path    string
		n       int    // bytes read when it succeeds
		wantErr string // "" for success
	}{
		{small, 3, ""},
		{full, 8, ""},
		{over, 0, over + ":1:1: file is 9 bytes, at most 8"},
		// A device never ends: refused past the limit, not read to the end.
		{"/dev/zero", 0, "/dev/zero:1:1: file is over 8 bytes (not a regular file), at most 8"},
		{filepath.Join(dir, "missing"), 0, "no such file"},
	} {
		if tc.path == "/dev/zero" {
			if _, err := os.Stat(tc.path); err != nil {
				continue
			}
		}
		b, err := ReadFile(tc.path, 8)
		switch {
		case tc.wantErr == "" && (err != nil || len(b) != tc.n):
			t.Errorf("ReadFile(%s) = %d bytes, %v; want %d bytes", tc.path, len(b), err, tc.n)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ReadFile(%s) error = %v, want %q", tc.path, err, tc.wantErr)
		}
	}
}

// The parser names the line where the block or flow it could not go on
// with starts; Explain names the line that broke it (outside testers sw70,
// sw71: one line early, or the first line of the enclosing block).
func TestExplainParserLine(t *testing.T) {
	for _, tc := range []struct {
		in        string
		line, col int
		msg       string
	}{
		{"a: 1\nb:\n  c: 1\n  d: 2\n e: 3\n", 5, 2, "did not find expected key"},
		{"a: 1\nb:\n  - x\n  - y\n  z: 2\n", 5, 3, "did not find expected '-' indicator"},
		{"a: 1\nb:\n  - {x: 1}\n  - {x: 2\n\nc: 3\n", 4, 3, "did not find expected ',' or '}'"},
		{"name: [t\nnext: 1\n", 1, 1, "did not find expected ',' or ']'"},
		{"a:\n  b: 1\n c: 2\n", 3, 2, "did not find expected key"},
		// The file ends inside a flow: the bracket left open is named when
		// the line names it, else the file's end (outside tester t135 F9:
		// "name: [" at 1:1).
		{"name: [\n", 1, 7, "did not find expected node content: the [ here is not closed before the file ends"},
		{"name: [", 1, 7, "did not find expected node content: the [ here is not closed before the file ends"},
		{"a: [1, [2,\n", 1, 4, "did not find expected node content: the [ here is not closed before the file ends"},
		{"a: {x: '[', y: \"]\"\n", 1, 4, "did not find expected ',' or '}': the { here is not closed before the file ends"},
		{"a: 1\nb: {x: 1,\n\n# done\n", 5, 1, "did not find expected node content: the file ends inside a [ or { not closed"},
		// A line broken inside, at the end of the file: that line.
		{"a: 1\nb: [1, 2] 3\n", 2, 1, "did not find expected key"},
	} {
		var doc yaml.Node
		err := yaml.Unmarshal([]byte(tc.in), &doc)
		if err == nil {
			t.Fatalf("%q parsed", tc.in)
		}
		line, col, msg := Syntax(Explain([]byte(tc.in), err))
		if line != tc.line || col != tc.col || msg != tc.msg {
			t.Errorf("%q: %d:%d %q, want %d:%d %q (parser: %v)", tc.in, line, col, msg, tc.line, tc.col, tc.msg, err)
		}
	}
}
