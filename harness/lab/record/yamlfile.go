package record

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// yamlFile reads a lab file (a script, a recording's manifest) node by
// node, so that each error names the file, the line and column, and the
// field as the file spells it ("script.yaml:12:5: steps[3]: want …, got a
// mapping") rather than the YAML library's Go types.
type yamlFile struct{ name string }

func (f yamlFile) errAt(n *yaml.Node, path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	if n == nil {
		return fmt.Errorf("%s: %s", f.name, msg)
	}
	return fmt.Errorf("%s:%d:%d: %s", f.name, n.Line, n.Column, msg)
}

// yamlLine is the line the YAML library's syntax errors give.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// root parses the file's first document, which must be a mapping.
func (f yamlFile) root(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return nil, fmt.Errorf("%s:%s: not YAML: %s", f.name, m[1], m[2])
		}
		return nil, fmt.Errorf("%s: not YAML: %s", f.name, strings.TrimPrefix(msg, "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty: want a mapping of fields", f.name)
	}
	top := doc.Content[0]
	return top, f.kind(top, "", yaml.MappingNode, "a mapping of fields")
}

// kind checks a node's kind; aliases are refused, as a lab file has no
// use for them and they would let a small file stand for a huge one.
func (f yamlFile) kind(n *yaml.Node, path string, k yaml.Kind, want string) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return f.errAt(n, path, "YAML aliases are not supported")
	case n.Kind != k:
		return f.errAt(n, path, "want %s, got %s", want, describe(n))
	}
	return nil
}

// describe names a node's value for a message.
func describe(n *yaml.Node) string {
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

// fields walks a mapping: each key must be one of fields, once; it
// returns the value nodes by key.
func (f yamlFile) fields(n *yaml.Node, path string, fields ...string) (map[string]*yaml.Node, error) {
	if err := f.kind(n, path, yaml.MappingNode, "a mapping"); err != nil {
		return nil, err
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		p := join(path, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			return nil, f.errAt(k, path, "want field names, got %s", describe(k))
		case out[k.Value] != nil:
			return nil, f.errAt(k, p, "given twice")
		case !slices.Contains(fields, k.Value):
			return nil, f.errAt(k, p, "unknown field (the fields: %s)", strings.Join(fields, ", "))
		}
		out[k.Value] = n.Content[i+1]
	}
	return out, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// str reads a scalar as its text.
func (f yamlFile) str(n *yaml.Node, path string) (string, error) {
	if err := f.kind(n, path, yaml.ScalarNode, "a string"); err != nil {
		return "", err
	}
	if n.ShortTag() == "!!null" {
		return "", f.errAt(n, path, "want a string, got nothing")
	}
	return n.Value, nil
}

// count reads a whole number from 1 up.
func (f yamlFile) count(n *yaml.Node, path, what string) (int, error) {
	if err := f.kind(n, path, yaml.ScalarNode, what); err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < 1 || n.ShortTag() != "!!int" {
		return 0, f.errAt(n, path, "want %s, got %s", what, describe(n))
	}
	return v, nil
}

// timestamp reads a time as YAML writes one (RFC 3339: what Save writes).
func (f yamlFile) timestamp(n *yaml.Node, path string) (time.Time, error) {
	var t time.Time
	if err := f.kind(n, path, yaml.ScalarNode, "a time"); err != nil {
		return t, err
	}
	if n.Decode(&t) != nil || t.IsZero() {
		return t, f.errAt(n, path, "want a time like 2026-11-30T17:20:37Z, got %s", describe(n))
	}
	return t, nil
}

// list returns a sequence's items.
func (f yamlFile) list(n *yaml.Node, path, want string) ([]*yaml.Node, error) {
	if err := f.kind(n, path, yaml.SequenceNode, want); err != nil {
		return nil, err
	}
	return n.Content, nil
}

// pattern compiles a Go (RE2) regular expression, with the regexp
// package's reason but not its prefix.
func (f yamlFile) pattern(n *yaml.Node, path string) (*regexp.Regexp, error) {
	s, err := f.str(n, path)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, f.errAt(n, path, "not a regular expression (RE2 syntax): %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}
