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
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/harness/align"
	"github.com/esimhil/esimhil/internal/yamlnode"
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

// Mask is one named pattern (harness/align's, shared with replay).
type Mask = align.Mask

// Step is one thing the host does.
type Step struct {
	// AT is a command line sent as is ("AT+CGMM").
	AT string
	// ICCID reads the ICCID with the personality's command.
	ICCID bool
	// ES10 is an ES10 request (hex) sent in STORE DATA on an ISD-R
	// logical channel, in the personality's dialect.
	ES10 []byte
	// Await waits, sending nothing, for an unsolicited line that the
	// pattern matches whole (RDY after AT+CFUN=1,1), up to Within: a
	// modem that restarts answers nothing until it is back.
	Await string
	// Within bounds an Await.
	Within time.Duration
	// Ready polls with AT, about once a second, until the modem answers
	// OK, for at most this long: a modem that says nothing when it boots
	// (Sierra, Fibocom) has no line to await.
	Ready time.Duration

	await *regexp.Regexp // Await, anchored at both ends
}

func (s Step) String() string {
	switch {
	case s.ICCID:
		return "iccid"
	case s.ES10 != nil:
		return fmt.Sprintf("es10 %X", s.ES10)
	case s.await != nil:
		return fmt.Sprintf("await %s within %s", s.Await, seconds(s.Within))
	case s.Ready != 0:
		return fmt.Sprintf("ready within %s", seconds(s.Ready))
	}
	return s.AT
}

// Matches reports whether a line is the one an Await step waits for.
func (s Step) Matches(line string) bool { return s.await != nil && s.await.MatchString(line) }

// seconds writes a duration as a script does ("60s", "1.5s"), not as
// time.Duration does ("1m0s"), to the millisecond: counted in whole
// milliseconds, not from Duration.Seconds()'s sum of two floats, which
// wrote 10.976 s as "10.975999999999999s" (outside tester sw128 F8).
func seconds(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Round(time.Millisecond).Milliseconds())/1000, 'f', -1, 64) + "s"
}

// Limits on a script: it is input.
const (
	maxSteps = 500
	maxLine  = 1024
	// A wait shorter than a second is no wait for a modem's restart; one
	// longer than ten minutes is a typo that would hang a run.
	minWithin = time.Second
	maxWithin = 10 * time.Minute
)

// ParseScript reads a script: `steps` is a list of AT lines, `iccid`,
// `{es10: HEX}`, `{await: PATTERN, within: DURATION}` or `{ready: DURATION}`; `mask` is a list of {name, pattern} (Go regexps), applied
// in order to every line. Errors name the file, line, column and field.
func ParseScript(file string, data []byte) (*Script, error) {
	f := newYAMLFile(file)
	top, err := f.root(data)
	if err != nil {
		return nil, err
	}
	fields, err := f.fields(top, "", need("name"), may("mask"), need("steps"))
	if err != nil {
		return nil, err
	}
	s := &Script{}
	if s.Name, err = f.str(fields["name"], "name"); err != nil {
		return nil, err
	}
	if n := fields["mask"]; n != nil {
		items, err := f.list(n, "mask", "a list of {name, pattern}")
		if err != nil {
			return nil, err
		}
		for i, item := range items {
			m, err := f.mask(item, fmt.Sprintf("mask[%d]", i))
			if err != nil {
				return nil, err
			}
			s.Mask = append(s.Mask, m)
		}
	}
	n := fields["steps"]
	steps, err := f.list(n, "steps", "a list of steps")
	if err != nil {
		return nil, err
	}
	if len(steps) == 0 || len(steps) > maxSteps {
		return nil, f.ErrAt(n, "steps", "want 1..%d steps, got %d", maxSteps, len(steps))
	}
	for i, n := range steps {
		st, err := f.step(n, fmt.Sprintf("steps[%d]", i))
		if err != nil {
			return nil, err
		}
		s.Steps = append(s.Steps, st)
	}
	return s, nil
}

// mask reads one {name, pattern}.
func (f yamlFile) mask(n *yaml.Node, path string) (Mask, error) {
	fields, err := f.fields(n, path, need("name"), need("pattern"))
	if err != nil {
		return Mask{}, err
	}
	var m Mask
	if m.Name, err = f.str(fields["name"], yamlnode.Join(path, "name")); err != nil {
		return m, err
	}
	if m.Name == "" {
		return m, f.ErrAt(fields["name"], yamlnode.Join(path, "name"), "want a name, got \"\"")
	}
	if m.Pattern, err = f.pattern(fields["pattern"], yamlnode.Join(path, "pattern")); err != nil {
		return m, err
	}
	if m.Pattern.String() == "" {
		return m, f.ErrAt(fields["pattern"], yamlnode.Join(path, "pattern"), "want a pattern, got \"\"")
	}
	return m, nil
}

// stepWant is what a step may be, for errors.
const stepWant = "want an AT command line, iccid, {es10: HEX}, {await: PATTERN, within: DURATION} or {ready: DURATION}"

// step reads one step: an AT line, iccid, {es10: HEX}, {await, within} or
// {ready}.
func (f yamlFile) step(n *yaml.Node, path string) (Step, error) {
	if n.Kind == yaml.AliasNode {
		return Step{}, f.Kind(n, path, yaml.ScalarNode, "")
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return Step{}, f.ErrAt(n, path, "%s, got nothing", stepWant)
		}
		v := strings.TrimSpace(n.Value)
		switch {
		case v == "iccid":
			return Step{ICCID: true}, nil
		case len(v) >= 2 && strings.EqualFold(v[:2], "AT") && len(v) <= maxLine && !strings.ContainsAny(v, "\r\n"):
			return Step{AT: v}, nil
		}
		return Step{}, f.ErrAt(n, path, "%q: %s", v, stepWant)
	case yaml.MappingNode:
		fields, err := f.fields(n, path, may("es10"), may("await"), may("within"), may("ready"))
		if err != nil {
			return Step{}, err
		}
		var kinds []string // what the step is; within only bounds an await
		for _, k := range []string{"es10", "await", "ready"} {
			if fields[k] != nil {
				kinds = append(kinds, k)
			}
		}
		switch {
		case len(fields) == 0:
			return Step{}, f.ErrAt(n, path, "%s, got an empty mapping", stepWant)
		case len(kinds) == 0:
			return Step{}, f.Missing(n, yamlnode.Join(path, "await"), "within bounds an await")
		case len(kinds) > 1:
			return Step{}, f.ErrAt(n, path, "%s, got %s and %s in one step", stepWant, kinds[0], kinds[1])
		case kinds[0] == "await":
			return f.await(n, fields, path)
		case fields["within"] != nil:
			return Step{}, f.ErrAt(n, path, "%s, got %s and within in one step", stepWant, kinds[0])
		case kinds[0] == "es10":
			return f.es10(fields["es10"], yamlnode.Join(path, "es10"))
		}
		d, err := f.within(fields["ready"], yamlnode.Join(path, "ready"))
		return Step{Ready: d}, err
	}
	return Step{}, f.ErrAt(n, path, "%s, got %s", stepWant, yamlnode.Describe(n))
}

// es10 reads the hex of an {es10: HEX} step.
func (f yamlFile) es10(h *yaml.Node, path string) (Step, error) {
	v, err := f.str(h, path)
	if err != nil {
		return Step{}, err
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) < 2 || len(b) > 4096 {
		return Step{}, f.ErrAt(h, path, "%q: want 2..4096 bytes of hex", v)
	}
	return Step{ES10: b}, nil
}

// await reads an {await: PATTERN, within: DURATION} step.
func (f yamlFile) await(n *yaml.Node, fields map[string]*yaml.Node, path string) (Step, error) {
	p := yamlnode.Join(path, "await")
	re, err := f.pattern(fields["await"], p)
	if err != nil {
		return Step{}, err
	}
	st := Step{Await: re.String()}
	if strings.TrimSpace(st.Await) == "" || len(st.Await) > maxLine {
		return Step{}, f.ErrAt(fields["await"], p, "want the pattern of the line to wait for (RDY), got %s", yamlnode.Describe(fields["await"]))
	}
	// Whole lines: "await: RDY" must not take "+QIND: RDY2".
	st.await = regexp.MustCompile("^(?:" + st.Await + ")$")
	w := fields["within"]
	if w == nil {
		return Step{}, f.Missing(n, yamlnode.Join(path, "within"), "how long to wait, like 60s")
	}
	if st.Within, err = f.within(w, yamlnode.Join(path, "within")); err != nil {
		return Step{}, err
	}
	return st, nil
}

// within reads a wait's bound: a Go duration from minWithin to maxWithin.
func (f yamlFile) within(n *yaml.Node, path string) (time.Duration, error) {
	d, err := f.Duration(n, path)
	if err != nil {
		return 0, err
	}
	if d < minWithin || d > maxWithin {
		return 0, f.ErrAt(n, path, "want a duration from %s to %s, like 60s, got %s", seconds(minWithin), seconds(maxWithin), yamlnode.Describe(n))
	}
	return d, nil
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
func (s *Script) Masked(line string) string { return align.Masks(s.Mask).Apply(line) }
