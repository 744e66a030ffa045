package record

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/internal/yamlnode"
)

// yamlFile reads a lab file (a script, a recording's manifest) node by
// node, so that each error names the file, the line and column, and the
// field as the file spells it ("script.yaml:12:5: steps[3]: want …, got a
// mapping") rather than the YAML library's Go types.
type yamlFile struct{ *yamlnode.Decoder }

func newYAMLFile(name string) yamlFile {
	// A lab file is written by hand next to its docs: a wrong key gets
	// the list of right ones.
	return yamlFile{&yamlnode.Decoder{File: name, Unknown: func(known []string) string {
		return "unknown field (the fields: " + strings.Join(known, ", ") + ")"
	}}}
}

// root parses the file, one document, which must be a mapping.
func (f yamlFile) root(data []byte) (*yaml.Node, error) {
	top, second, err := yamlnode.OneDocument(data)
	switch {
	case err != nil:
		line, col, msg := yamlnode.Syntax(err)
		return nil, &yamlnode.Error{File: f.File, Line: line, Col: col, Msg: "not YAML: " + msg}
	case top == nil:
		return nil, &yamlnode.Error{File: f.File, Msg: "empty: want a mapping of fields"}
	case second != nil:
		return nil, f.ErrAt(second, "", "a second YAML document starts here: one per file")
	}
	return top, f.Kind(top, "", yaml.MappingNode, "a mapping of fields")
}

// key is a field fields takes: need for one the mapping must hold, may
// for one it may.
type key struct {
	name     string
	required bool
}

func need(name string) key { return key{name, true} }
func may(name string) key  { return key{name, false} }

// fields walks a mapping whose values the caller reads afterwards, in
// its own order: each key must be one of keys, once, and the needed ones
// must be there (yamlnode's error for a missing field); it returns the
// value nodes by key.
func (f yamlFile) fields(n *yaml.Node, path string, keys ...key) (map[string]*yaml.Node, error) {
	out := map[string]*yaml.Node{}
	fields := make([]yamlnode.Field, len(keys))
	for i, k := range keys {
		keep := func(v *yaml.Node, _ string) error {
			out[k.name] = v
			return nil
		}
		if k.required {
			fields[i] = yamlnode.Required(k.name, keep)
		} else {
			fields[i] = yamlnode.Optional(k.name, keep)
		}
	}
	return out, f.Mapping(n, path, fields...)
}

// str reads a scalar as its text.
func (f yamlFile) str(n *yaml.Node, path string) (string, error) {
	return f.Scalar(n, path, "a string")
}

// count reads a whole number from 1 up.
func (f yamlFile) count(n *yaml.Node, path, what string) (int, error) {
	if err := f.Kind(n, path, yaml.ScalarNode, what); err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < 1 || n.ShortTag() != "!!int" {
		return 0, f.ErrAt(n, path, "want %s, got %s", what, yamlnode.Describe(n))
	}
	return v, nil
}

// timestamp reads a time as YAML writes one (RFC 3339: what Save writes).
func (f yamlFile) timestamp(n *yaml.Node, path string) (time.Time, error) {
	var t time.Time
	if err := f.Kind(n, path, yaml.ScalarNode, "a time"); err != nil {
		return t, err
	}
	if n.Decode(&t) != nil || t.IsZero() {
		return t, f.ErrAt(n, path, "want a time like 2026-11-30T17:20:37Z, got %s", yamlnode.Describe(n))
	}
	return t, nil
}

// duration reads a positive Go duration (10s, 1m30s).
func (f yamlFile) duration(n *yaml.Node, path string) (time.Duration, error) {
	s, err := f.str(n, path)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, f.ErrAt(n, path, "want a positive duration like 10s, got %s", yamlnode.Describe(n))
	}
	return d, nil
}

// list returns a sequence's items.
func (f yamlFile) list(n *yaml.Node, path, want string) ([]*yaml.Node, error) {
	if err := f.Kind(n, path, yaml.SequenceNode, want); err != nil {
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
		return nil, f.ErrAt(n, path, "not a regular expression (RE2 syntax): %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}
