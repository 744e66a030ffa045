package field

import (
	"fmt"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// emitter writes the reconstructed scenario line by line and remembers
// where each line came from (a manifest position, a log line, an
// assumption), so that the scenario loader's errors point back at it.
type emitter struct {
	b       strings.Builder
	origins []string
}

func (e *emitter) line(origin, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	if origin != "" && !strings.HasPrefix(origin, "manifest") && !strings.Contains(text, "#") {
		text += "  # " + origin
	}
	e.b.WriteString(text)
	e.b.WriteByte('\n')
	e.origins = append(e.origins, origin)
}

// origin is the origin of line n (1-based) of the emitted text.
func (e *emitter) origin(n int) string {
	if n >= 1 && n <= len(e.origins) {
		return e.origins[n-1]
	}
	return ""
}

// pos names a manifest node's position, the origin of what is copied.
func (m *Manifest) pos(n *yaml.Node) string {
	return fmt.Sprintf("manifest %s:%d:%d", m.File, n.Line, n.Column)
}

// flow renders a node on one line (YAML flow style).
func flow(n *yaml.Node) string {
	c := deepCopy(n)
	setFlow(c)
	b, err := yaml.Marshal(c)
	if err != nil {
		return "{}"
	}
	return strings.TrimSpace(string(b))
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		setFlow(c)
	}
}

func deepCopy(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = deepCopy(k)
	}
	return &c
}

// mapValue returns the value of key in a mapping node.
func mapValue(n *yaml.Node, key string) (*yaml.Node, bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1], true
		}
	}
	return nil, false
}

// shifted returns a copy of item whose duration fields (times measured
// from the start of the logs) are moved by start onto the run's clock.
func shifted(item *yaml.Node, start time.Duration, keys ...string) *yaml.Node {
	c := deepCopy(item)
	for _, k := range keys {
		v, ok := mapValue(c, k)
		if !ok || v.Kind != yaml.ScalarNode {
			continue
		}
		d, err := time.ParseDuration(v.Value)
		if err != nil {
			continue // the scenario loader says what is wrong, at this line
		}
		v.Value = durString(d + start)
	}
	return c
}

// durString writes a duration as a scenario takes it, in whole
// milliseconds at most.
func durString(d time.Duration) string {
	return d.Round(time.Millisecond).String()
}
