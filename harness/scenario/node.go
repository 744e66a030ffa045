package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// Error is a problem in a scenario file, located by line, column and field path.
type Error struct {
	File      string
	Line, Col int
	Path      string // e.g. device.profiles[1].operator
	Msg       string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, e.Path, e.Msg)
}

// decoder walks a yaml.Node tree and remembers where each field path was
// found, so that later semantic checks can point at the line too.
type decoder struct {
	file string
	pos  map[string]*yaml.Node
}

func (d *decoder) errAt(n *yaml.Node, path, format string, args ...any) error {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
	}
	return &Error{File: d.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// errPath reports a problem at the node remembered for path.
func (d *decoder) errPath(path, format string, args ...any) error {
	return d.errAt(d.pos[path], path, format, args...)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// field is one key of a mapping: required, and how to decode its value.
type field struct {
	name     string
	required bool
	decode   func(n *yaml.Node, path string) error
}

// mapping decodes n as a mapping with the given fields, refusing unknown and
// duplicate keys and reporting missing required ones.
func (d *decoder) mapping(n *yaml.Node, path string, fields ...field) error {
	if err := d.kind(n, path, yaml.MappingNode, "a mapping"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return d.errAt(k, path, "keys must be plain names")
		}
		p := join(path, k.Value)
		if seen[k.Value] {
			return d.errAt(k, p, "duplicate field")
		}
		seen[k.Value] = true
		var f *field
		for j := range fields {
			if fields[j].name == k.Value {
				f = &fields[j]
			}
		}
		if f == nil {
			return d.errAt(k, p, "unknown field")
		}
		d.pos[p] = v
		if err := f.decode(v, p); err != nil {
			return err
		}
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			return d.errAt(n, join(path, f.name), "required field missing")
		}
	}
	return nil
}

// sequence decodes each item of the sequence n.
func (d *decoder) sequence(n *yaml.Node, path string, item func(n *yaml.Node, path string) error) error {
	if err := d.kind(n, path, yaml.SequenceNode, "a list"); err != nil {
		return err
	}
	for i, c := range n.Content {
		p := index(path, i)
		d.pos[p] = c
		if err := item(c, p); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) kind(n *yaml.Node, path string, k yaml.Kind, what string) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return d.errAt(n, path, "YAML aliases are not supported")
	case n.Kind != k:
		return d.errAt(n, path, "want %s, got %s", what, describe(n))
	}
	return nil
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

func (d *decoder) scalar(n *yaml.Node, path, what string) (string, error) {
	if err := d.kind(n, path, yaml.ScalarNode, what); err != nil {
		return "", err
	}
	if n.ShortTag() == "!!null" {
		return "", d.errAt(n, path, "want %s, got nothing", what)
	}
	return n.Value, nil
}

// str decodes any scalar as its source text, so that digit strings such as
// PLMNs keep their leading zeros whether quoted or not.
func (d *decoder) str(dst *string) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		v, err := d.scalar(n, path, "a string")
		*dst = v
		return err
	}
}

func (d *decoder) integer(n *yaml.Node, path string, lo, hi int64) (int64, error) {
	v, err := d.scalar(n, path, "an integer")
	if err != nil {
		return 0, err
	}
	base := 10
	if l := strings.ToLower(strings.TrimLeft(v, "+-")); strings.HasPrefix(l, "0x") || strings.HasPrefix(l, "0o") {
		base = 0
	}
	i, perr := strconv.ParseInt(v, base, 64)
	if perr != nil || n.ShortTag() != "!!int" {
		return 0, d.errAt(n, path, "want an integer, got %q", v)
	}
	if i < lo || i > hi {
		return 0, d.errAt(n, path, "%d out of range %d..%d", i, lo, hi)
	}
	return i, nil
}

func (d *decoder) int64(dst *int64) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) (err error) {
		*dst, err = d.integer(n, path, -1<<63, 1<<63-1)
		return err
	}
}

func (d *decoder) int(dst *int, lo, hi int) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		v, err := d.integer(n, path, int64(lo), int64(hi))
		*dst = int(v)
		return err
	}
}

func (d *decoder) float(dst *float64) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		v, err := d.scalar(n, path, "a number")
		if err != nil {
			return err
		}
		f, perr := strconv.ParseFloat(v, 64)
		if t := n.ShortTag(); perr != nil || (t != "!!int" && t != "!!float") || f < 0 || f != f {
			return d.errAt(n, path, "want a non-negative number, got %q", v)
		}
		*dst = f
		return nil
	}
}

func (d *decoder) bool(dst *bool) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		v, err := d.scalar(n, path, "true or false")
		if err != nil {
			return err
		}
		switch {
		case n.ShortTag() == "!!bool" && strings.EqualFold(v, "true"):
			*dst = true
		case n.ShortTag() == "!!bool" && strings.EqualFold(v, "false"):
			*dst = false
		default:
			return d.errAt(n, path, "want true or false, got %q", v)
		}
		return nil
	}
}

// duration decodes a Go duration such as 90s, 5m or 1h30m; it may not be negative.
func (d *decoder) duration(dst *time.Duration) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		v, err := d.scalar(n, path, "a duration")
		if err != nil {
			return err
		}
		t, perr := time.ParseDuration(v)
		if perr != nil || t < 0 {
			return d.errAt(n, path, "want a duration like 90s, 5m or 1h30m, got %q", v)
		}
		*dst = t
		return nil
	}
}

// positiveDuration is duration for a field whose absence picks a default:
// an explicit 0 would read as absent, so it is refused instead.
func (d *decoder) positiveDuration(dst *time.Duration) func(*yaml.Node, string) error {
	dur := d.duration(dst)
	return func(n *yaml.Node, path string) error {
		if err := dur(n, path); err != nil {
			return err
		}
		if *dst == 0 {
			return d.errAt(n, path, "0 is not a length of time (leave the field out for the default)")
		}
		return nil
	}
}

func (d *decoder) strings(dst *[]string) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		out := []string{} // present but empty is not the same as absent
		err := d.sequence(n, path, func(c *yaml.Node, p string) error {
			var s string
			if err := d.str(&s)(c, p); err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
		*dst = out
		return err
	}
}
