// Package record runs an AT script against a modem and keeps the
// conversation (lab record), compares two conversations line by line with
// the values that legitimately differ masked (lab diff), and drafts a
// personality from a recording (lab personality). It is host-side: it
// talks through an atclient.Client and a dialect, to a real modem or to the
// emulator alike.
package record

import (
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Script is a list of steps and the values to mask when comparing.
type Script struct {
	Name string
	// Mask holds the values that differ between two devices (EID,
	// ICCIDs, cell ids, signal): each match is replaced by <name> on
	// both sides before comparing.
	Mask  []Mask
	Steps []Step
}

// Mask is one named pattern.
type Mask struct {
	Name    string
	Pattern *regexp.Regexp
}

// Step is one thing the host does.
type Step struct {
	// AT is a command line sent as is ("AT+CGMM").
	AT string
	// ICCID reads the ICCID with the personality's command.
	ICCID bool
	// ES10 is an ES10 request (hex) sent in STORE DATA on an ISD-R
	// logical channel, in the personality's dialect.
	ES10 []byte
}

func (s Step) String() string {
	switch {
	case s.ICCID:
		return "iccid"
	case s.ES10 != nil:
		return fmt.Sprintf("es10 %X", s.ES10)
	}
	return s.AT
}

// Limits on a script: it is input.
const (
	maxSteps = 500
	maxLine  = 1024
)

type scriptFile struct {
	Name string `yaml:"name"`
	Mask []struct {
		Name    string `yaml:"name"`
		Pattern string `yaml:"pattern"`
	} `yaml:"mask"`
	Steps []yaml.Node `yaml:"steps"`
}

// ParseScript reads a script: `steps` is a list of AT lines, `iccid`, or
// `{es10: HEX}`; `mask` is a list of {name, pattern} (Go regexps), applied
// in order to every line.
func ParseScript(file string, data []byte) (*Script, error) {
	var f scriptFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if f.Name == "" {
		return nil, fmt.Errorf("%s: name: required", file)
	}
	if len(f.Steps) == 0 || len(f.Steps) > maxSteps {
		return nil, fmt.Errorf("%s: steps: want 1..%d, got %d", file, maxSteps, len(f.Steps))
	}
	s := &Script{Name: f.Name}
	for i, m := range f.Mask {
		re, err := regexp.Compile(m.Pattern)
		if err != nil || m.Name == "" || m.Pattern == "" {
			return nil, fmt.Errorf("%s: mask[%d]: want a name and a pattern (%v)", file, i, err)
		}
		s.Mask = append(s.Mask, Mask{Name: m.Name, Pattern: re})
	}
	for i, n := range f.Steps {
		at := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d:%d: steps[%d]: %s", file, n.Line, n.Column, i, fmt.Sprintf(format, args...))
		}
		switch n.Kind {
		case yaml.ScalarNode:
			v := strings.TrimSpace(n.Value)
			switch {
			case v == "iccid":
				s.Steps = append(s.Steps, Step{ICCID: true})
			case len(v) >= 2 && strings.EqualFold(v[:2], "AT") && len(v) <= maxLine && !strings.ContainsAny(v, "\r\n"):
				s.Steps = append(s.Steps, Step{AT: v})
			default:
				return nil, at("%q: want an AT command line, iccid or {es10: HEX}", v)
			}
		case yaml.MappingNode:
			var m struct {
				ES10 string `yaml:"es10"`
			}
			if err := n.Decode(&m); err != nil || m.ES10 == "" || len(n.Content) != 2 {
				return nil, at("want {es10: HEX}")
			}
			b, err := hex.DecodeString(m.ES10)
			if err != nil || len(b) < 2 || len(b) > 4096 {
				return nil, at("es10 %q: want 2..4096 bytes of hex", m.ES10)
			}
			s.Steps = append(s.Steps, Step{ES10: b})
		default:
			return nil, at("want an AT command line, iccid or {es10: HEX}")
		}
	}
	return s, nil
}

// LoadScript reads a script file.
func LoadScript(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseScript(path, b)
}

// Masked replaces every mask's matches in a line by <name>.
func (s *Script) Masked(line string) string {
	for _, m := range s.Mask {
		line = m.Pattern.ReplaceAllString(line, "<"+m.Name+">")
	}
	return line
}
