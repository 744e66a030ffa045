// Package field holds field-failure fixtures (fixtures/field/<name>/):
// the raw logs a device left, as received, and a manifest that says where
// they came from, what device and card produced them, the facts the logs
// cannot show (the operators and their cells, the platform's lists, where
// the device was), what was expected, where the logs show the failure, and
// whether the failure should still reproduce or is fixed. Reconstruct turns
// a fixture into a scenario the emulated rig runs and the host commands to
// play to it, saying what it had to assume; harness/replay runs and judges
// it. The package is host-side: it reads logs and writes scenarios, and
// imports no emulator.
package field

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/harness/align"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/personality"
)

// ManifestFile is the manifest's name in a fixture directory.
const ManifestFile = "manifest.yaml"

// Limits on a fixture.
const (
	maxManifest = 256 << 10
	maxLogs     = 8
)

// Expect values: what replaying the fixture must show.
const (
	// Reproduces: the emulated rig does what the field device did, step
	// by step, failure included: the bug is still there.
	Reproduces = "reproduces"
	// Fixed: the replay leaves the recording at or before the failure,
	// and what was expected (Manifest.Check) happens instead.
	Fixed = "fixed"
)

// Manifest describes a fixture. Sections in scenario syntax (network,
// platform, itinerary, signal, faults, check) are kept as YAML nodes and
// copied into the reconstructed scenario, so that an error in one points
// at the manifest's own line.
type Manifest struct {
	File   string // the manifest's path
	Name   string
	Source string
	Logs   []LogRef
	Device Device
	// Scenario-syntax sections, nil when absent.
	Network, Platform, Itinerary, Signal, Faults, Check *yaml.Node
	// Scenario names a whole scenario file in the fixture (exploration
	// cases): the world is not reconstructed but taken from it.
	Scenario string
	Volatile []Mask
	Expected string
	Failure  Failure
	Expect   string
	Seed     int64

	nodes map[string]*yaml.Node // field path → node, for errors
	dir   string                // the fixture's directory, "" when parsed alone
}

// LogRef is one raw log of the fixture.
type LogRef struct {
	File   string          // relative to the fixture directory
	Format fieldlog.Format // "" detects
	Port   string          // the AT port of a ModemManager log with several
	node   *yaml.Node
}

// Device is the device and card as the manifest states them; empty fields
// are taken from the logs or assumed.
type Device struct {
	Personality   string
	Quirks        *yaml.Node // personality fields laid over the dialect
	EID           string
	CheckInterval time.Duration
	AttachWait    time.Duration
	Backoff       *yaml.Node
	FreeNVM       int
	Profiles      []Profile
}

// Profile is a profile on the card.
type Profile struct {
	ICCID, Operator, IMSI string
	Enabled               bool
	node                  *yaml.Node
}

// Failure is where the logs show the failure.
type Failure struct {
	Log  string
	Line int
	What string
	node *yaml.Node
}

// Mask is one volatile value: a built-in name or a named pattern.
type Mask struct {
	align.Mask
	node *yaml.Node
}

// Error is a problem with a fixture, at a file, line and column, with the
// field path when it is in the manifest.
type Error struct {
	File      string
	Line, Col int
	Path      string
	Msg       string
}

func (e *Error) Error() string {
	var loc string
	switch {
	case e.Line > 0 && e.Col > 0:
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	case e.Line > 0:
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	default:
		loc = e.File
	}
	if e.Path != "" {
		return loc + ": " + e.Path + ": " + e.Msg
	}
	return loc + ": " + e.Msg
}

func (m *Manifest) errAt(n *yaml.Node, path, format string, args ...any) *Error {
	e := &Error{File: m.File, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	return e
}

// builtinMasks are the volatile values a manifest may name: what differs
// between the field device and the emulated one without being the bug.
var builtinMasks = map[string]string{
	"eid":       `\b89\d{30}\b`,
	"iccid":     `\b89\d{16,18}F?\b`,
	"imsi":      `\b\d{3}\d{2,3}\d{9,10}\b`,
	"challenge": `challenge [0-9A-F]{32}`,
	"cell":      `"[0-9A-Fa-f]{4,8}","[0-9A-Fa-f]{5,9}"`,
	"signal":    `\+CSQ: \d+,\d+|\+CESQ: [\d,]+`,
	// The world models RSRP only: the RSRQ a +CESQ answer gives (its
	// fifth field) comes from the modem's own formula.
	"rsrq": `\+CESQ: (?:\d+,){4}\d+`,
	// The +CCHO session id: a channel number, or the handle a Sierra
	// modem makes up (16 hex digits).
	"session":  `\+CCHO: ?"?[0-9A-Fa-f]{1,16}"?|^\d+$`,
	"operator": `\+COPS: \d,\d,"[^"]*"`,
}

// BuiltinMasks lists the built-in volatile names, sorted.
func BuiltinMasks() []string {
	var out []string
	for k := range builtinMasks {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var fixtureName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)

// DraftMark starts the placeholders `esimhil fixture` writes for what
// only a person can say.
const DraftMark = "TODO:"

// Drafted lists the fields that still hold a draft's placeholder: a
// fixture that replays but does not yet say what it is about.
func (m *Manifest) Drafted() []string {
	var out []string
	for _, f := range []struct{ name, v string }{{"source", m.Source}, {"expected", m.Expected}, {"failure.what", m.Failure.What}} {
		if strings.HasPrefix(f.v, DraftMark) {
			out = append(out, f.name)
		}
	}
	return out
}

// ValidName says whether name can name a fixture (and its directory).
func ValidName(name string) bool { return fixtureName.MatchString(name) }

// LoadManifest reads dir/manifest.yaml and checks it on its own (the
// logs are checked against it by Load).
func LoadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("field fixture %s: %w", dir, err)
	}
	if fi.Size() > maxManifest {
		return nil, &Error{File: path, Msg: fmt.Sprintf("%d bytes, at most %d", fi.Size(), maxManifest)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(path, data, dir)
	if err != nil {
		return nil, err
	}
	if base := filepath.Base(filepath.Clean(dir)); m.Name != base {
		return nil, m.errAt(m.nodes["name"], "name", "%q, but the fixture's directory is %q: they must be the same", m.Name, base)
	}
	return m, nil
}

// ParseManifest decodes a manifest; file names it in errors.
func ParseManifest(file string, data []byte) (m *Manifest, err error) {
	return parseManifest(file, data, "")
}

// parseManifest decodes a manifest; with dir, the logs it lists must be
// files there.
func parseManifest(file string, data []byte, dir string) (m *Manifest, err error) {
	m = &Manifest{File: file, nodes: map[string]*yaml.Node{}, dir: dir}
	var doc, next yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := safeDecode(dec, &doc); errors.Is(err, io.EOF) {
		return nil, &Error{File: file, Msg: "the manifest is empty: want a mapping of manifest fields (fixtures/field/README.md, \"The manifest\")"}
	} else if err != nil {
		return nil, yamlErr(file, err)
	}
	switch err := safeDecode(dec, &next); {
	case err == nil:
		return nil, m.errAt(&next, "", "a second YAML document starts here: one manifest per fixture")
	case !errors.Is(err, io.EOF):
		return nil, yamlErr(file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: 1, Msg: "want a mapping of manifest fields"}
	}
	root := doc.Content[0]
	if err := m.top(root); err != nil {
		return nil, err
	}
	return m, nil
}

func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failure: %v", r)
		}
	}()
	return dec.Decode(n)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlErr(file string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &Error{File: file, Line: line, Msg: "YAML syntax: " + m[2]}
	}
	return &Error{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(err.Error(), "yaml: ")}
}

// fields walks a mapping: each key must be known, once.
func (m *Manifest) fields(n *yaml.Node, path string, known map[string]func(v *yaml.Node, path string) error, required ...string) error {
	if n.Kind != yaml.MappingNode {
		return m.errAt(n, path, "want a mapping")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := joinPath(path, k.Value)
		if seen[k.Value] {
			return m.errAt(k, p, "given twice")
		}
		seen[k.Value] = true
		f, ok := known[k.Value]
		if !ok {
			var names []string
			for name := range known {
				names = append(names, name)
			}
			slices.Sort(names)
			return m.errAt(k, p, "unknown field (known: %s)", strings.Join(names, ", "))
		}
		m.nodes[p] = v
		if err := f(v, p); err != nil {
			return err
		}
	}
	for _, r := range required {
		if !seen[r] {
			return m.errAt(n, joinPath(path, r), "required field missing")
		}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (m *Manifest) str(dst *string) func(*yaml.Node, string) error {
	return func(v *yaml.Node, path string) error {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return m.errAt(v, path, "want a string")
		}
		*dst = v.Value
		return nil
	}
}

func (m *Manifest) node(dst **yaml.Node) func(*yaml.Node, string) error {
	return func(v *yaml.Node, path string) error {
		*dst = v
		return nil
	}
}

func (m *Manifest) duration(dst *time.Duration) func(*yaml.Node, string) error {
	return func(v *yaml.Node, path string) error {
		d, err := time.ParseDuration(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil || d <= 0 {
			return m.errAt(v, path, "want a positive duration such as 90s or 1h, got %q", v.Value)
		}
		*dst = d
		return nil
	}
}

func (m *Manifest) top(root *yaml.Node) error {
	var seed string
	err := m.fields(root, "", map[string]func(*yaml.Node, string) error{
		"name":      m.str(&m.Name),
		"source":    m.str(&m.Source),
		"logs":      m.logs,
		"device":    m.device,
		"network":   m.node(&m.Network),
		"platform":  m.node(&m.Platform),
		"itinerary": m.node(&m.Itinerary),
		"signal":    m.node(&m.Signal),
		"faults":    m.node(&m.Faults),
		"check":     m.node(&m.Check),
		"scenario":  m.str(&m.Scenario),
		"volatile":  m.volatile,
		"expected":  m.str(&m.Expected),
		"failure":   m.failure,
		"expect":    m.str(&m.Expect),
		"seed":      m.str(&seed),
	}, "name", "source", "logs", "device", "expected", "failure", "expect")
	if err != nil {
		return err
	}
	if !fixtureName.MatchString(m.Name) {
		return m.errAt(m.nodes["name"], "name", "%q: want lower-case letters, digits, '.', '_', '-' (it names the fixture's directory)", m.Name)
	}
	if m.Expect != Reproduces && m.Expect != Fixed {
		return m.errAt(m.nodes["expect"], "expect", "%q: want %s or %s", m.Expect, Reproduces, Fixed)
	}
	if seed != "" {
		if _, err := fmt.Sscan(seed, &m.Seed); err != nil || m.Seed < 0 {
			return m.errAt(m.nodes["seed"], "seed", "want a non-negative integer, got %q", seed)
		}
	}
	if m.Scenario != "" && (m.Network != nil || m.Platform != nil || m.Itinerary != nil || m.Signal != nil || m.Faults != nil) {
		return m.errAt(m.nodes["scenario"], "scenario", "a whole scenario file leaves no room for network, platform, itinerary, signal or faults in the manifest")
	}
	if !slices.ContainsFunc(m.Logs, func(l LogRef) bool { return l.File == m.Failure.Log }) {
		return m.errAt(m.Failure.node, "failure.log", "%q is not one of the fixture's logs", m.Failure.Log)
	}
	return nil
}

func (m *Manifest) logs(v *yaml.Node, path string) error {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 || len(v.Content) > maxLogs {
		return m.errAt(v, path, "want a list of 1 to %d logs", maxLogs)
	}
	for i, n := range v.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		var l LogRef
		var format string
		if err := m.fields(n, p, map[string]func(*yaml.Node, string) error{
			"file":   m.str(&l.File),
			"format": m.str(&format),
			"port":   m.str(&l.Port),
		}, "file"); err != nil {
			return err
		}
		if fn := m.nodes[p+".file"]; fn.Tag != "!!str" {
			return m.errAt(fn, p+".file", "want a file name, got %s (quote a name YAML reads as another type)", fn.Value)
		}
		if l.File != filepath.Base(l.File) || l.File == ManifestFile || strings.HasPrefix(l.File, ".") {
			return m.errAt(n, p+".file", "%q: want a file name in the fixture's directory", l.File)
		}
		if err := m.present(l.File); err != "" {
			return m.errAt(m.nodes[p+".file"], p+".file", "%q: %s", l.File, err)
		}
		if format != "" && !slices.Contains(fieldlog.Formats, fieldlog.Format(format)) {
			return m.errAt(m.nodes[p+".format"], p+".format", "%q: want one of %s", format, fieldlog.FormatNames())
		}
		for _, o := range m.Logs {
			if o.File == l.File {
				return m.errAt(n, p+".file", "%q listed twice", l.File)
			}
		}
		l.Format, l.node = fieldlog.Format(format), n
		m.Logs = append(m.Logs, l)
	}
	return nil
}

// present says what is wrong with a log file of the fixture's directory,
// "" when it is a file there (or the manifest is parsed alone).
func (m *Manifest) present(file string) string {
	if m.dir == "" {
		return ""
	}
	fi, err := os.Stat(filepath.Join(m.dir, file))
	switch {
	case err == nil && fi.Mode().IsRegular():
		return ""
	case err == nil:
		return "not a regular file"
	case !errors.Is(err, os.ErrNotExist):
		return err.Error()
	}
	var names []string
	if es, err := os.ReadDir(m.dir); err == nil {
		for _, e := range es {
			if e.Type().IsRegular() && e.Name() != ManifestFile {
				names = append(names, e.Name())
			}
		}
	}
	if len(names) == 0 {
		return "no such file in the fixture's directory, which holds no log"
	}
	return "no such file in the fixture's directory (it holds " + strings.Join(names, ", ") + ")"
}

func (m *Manifest) device(v *yaml.Node, path string) error {
	d := &m.Device
	var freeNVM string
	if err := m.fields(v, path, map[string]func(*yaml.Node, string) error{
		"personality":    m.str(&d.Personality),
		"quirks":         m.node(&d.Quirks),
		"eid":            m.str(&d.EID),
		"check_interval": m.duration(&d.CheckInterval),
		"attach_wait":    m.duration(&d.AttachWait),
		"backoff":        m.node(&d.Backoff),
		"free_nvm":       m.str(&freeNVM),
		"profiles":       m.profiles,
	}, "personality"); err != nil {
		return err
	}
	if !slices.Contains(personality.Names(), d.Personality) {
		return m.errAt(m.nodes[path+".personality"], path+".personality", "unknown personality %q (known: %s)", d.Personality, strings.Join(personality.Names(), ", "))
	}
	if d.EID != "" && !ident.IsEID(d.EID) {
		return m.errAt(m.nodes[path+".eid"], path+".eid", "%q: want 32 digits whose last two are the MOD 97-10 check digits", d.EID)
	}
	if freeNVM != "" {
		if _, err := fmt.Sscan(freeNVM, &d.FreeNVM); err != nil || d.FreeNVM <= 0 {
			return m.errAt(m.nodes[path+".free_nvm"], path+".free_nvm", "want a number of bytes, got %q", freeNVM)
		}
	}
	if d.Quirks != nil {
		base, err := personality.Load(d.Personality)
		if err != nil {
			return m.errAt(m.nodes[path+".personality"], path+".personality", "%v", err)
		}
		if _, err := base.OverrideNode(m.File, d.Quirks); err != nil {
			return m.quirkErr(d.Quirks, err)
		}
	}
	return nil
}

// quirkErr names the quirk a personality error is about, at its line in
// the manifest.
func (m *Manifest) quirkErr(q *yaml.Node, err error) error {
	var pe *personality.Error
	if !errors.As(err, &pe) {
		return m.errAt(q, "device.quirks", "%v", err)
	}
	e := &Error{File: m.File, Line: pe.Line, Col: pe.Col, Path: "device.quirks", Msg: pe.Msg}
	if pe.Field != "" {
		e.Path += "." + pe.Field
	}
	if pe.Msg == "unknown field" {
		e.Msg = `not a personality field (README, "Modem personalities")`
	}
	return e
}

// quirkYAML re-encodes the quirks mapping for personality.Override.
func quirkYAML(n *yaml.Node) []byte {
	b, err := yaml.Marshal(n)
	if err != nil {
		return nil
	}
	return b
}

func (m *Manifest) profiles(v *yaml.Node, path string) error {
	if v.Kind != yaml.SequenceNode {
		return m.errAt(v, path, "want a list of {iccid, operator, imsi?, enabled?}")
	}
	for i, n := range v.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		var pr Profile
		var enabled string
		if err := m.fields(n, p, map[string]func(*yaml.Node, string) error{
			"iccid":    m.str(&pr.ICCID),
			"operator": m.str(&pr.Operator),
			"imsi":     m.str(&pr.IMSI),
			"enabled":  m.str(&enabled),
		}, "iccid", "operator"); err != nil {
			return err
		}
		if !ident.IsICCID(pr.ICCID) {
			return m.errAt(m.nodes[p+".iccid"], p+".iccid", "%q: want 18-20 digits ending in the Luhn check digit", pr.ICCID)
		}
		if pr.IMSI != "" && !ident.IsIMSI(pr.IMSI) {
			return m.errAt(m.nodes[p+".imsi"], p+".imsi", "%q: want 6-15 digits", pr.IMSI)
		}
		switch enabled {
		case "", "false":
		case "true":
			pr.Enabled = true
		default:
			return m.errAt(m.nodes[p+".enabled"], p+".enabled", "want true or false, got %q", enabled)
		}
		pr.node = n
		m.Device.Profiles = append(m.Device.Profiles, pr)
	}
	return nil
}

func (m *Manifest) volatile(v *yaml.Node, path string) error {
	if v.Kind != yaml.SequenceNode {
		return m.errAt(v, path, "want a list of mask names (%s) or {name, pattern}", strings.Join(BuiltinMasks(), ", "))
	}
	for i, n := range v.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		var name, pattern string
		switch n.Kind {
		case yaml.ScalarNode:
			mk, err := m.maskNamed(n.Value)
			if err != nil {
				return m.errAt(n, p, "%v", err)
			}
			mk.node = n
			m.Volatile = append(m.Volatile, mk)
			continue
		default:
			if err := m.fields(n, p, map[string]func(*yaml.Node, string) error{
				"name": m.str(&name), "pattern": m.str(&pattern),
			}, "name", "pattern"); err != nil {
				return err
			}
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return m.errAt(n, p, "pattern: %v", err)
		}
		m.Volatile = append(m.Volatile, Mask{Mask: align.Mask{Name: name, Pattern: re}, node: n})
	}
	return nil
}

// maskNamed is a built-in mask.
func (m *Manifest) maskNamed(name string) (Mask, error) {
	pattern := builtinMasks[name]
	if pattern == "" {
		return Mask{}, fmt.Errorf("unknown mask %q (built in: %s; or give {name, pattern})", name, strings.Join(BuiltinMasks(), ", "))
	}
	return Mask{Mask: align.Mask{Name: name, Pattern: regexp.MustCompile(pattern)}}, nil
}

func (m *Manifest) failure(v *yaml.Node, path string) error {
	var line string
	if err := m.fields(v, path, map[string]func(*yaml.Node, string) error{
		"log": m.str(&m.Failure.Log), "line": m.str(&line), "what": m.str(&m.Failure.What),
	}, "log", "line", "what"); err != nil {
		return err
	}
	if _, err := fmt.Sscan(line, &m.Failure.Line); err != nil || m.Failure.Line < 1 {
		return m.errAt(m.nodes[path+".line"], path+".line", "want a line number of the log, got %q", line)
	}
	m.Failure.node = v
	return nil
}

// Masks returns the manifest's volatile masks.
func (m *Manifest) Masks() align.Masks {
	out := make(align.Masks, len(m.Volatile))
	for i, v := range m.Volatile {
		out[i] = v.Mask
	}
	return out
}

// Node returns the manifest node at a field path ("device.eid"), nil if
// absent.
func (m *Manifest) Node(path string) *yaml.Node { return m.nodes[path] }
