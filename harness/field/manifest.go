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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/harness/align"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/yamlnode"
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

	d   *yamlnode.Decoder // walks the manifest, remembers field path → node
	dir string            // the fixture's directory, "" when parsed alone
}

// LogRef is one raw log of the fixture.
type LogRef struct {
	File   string          // relative to the fixture directory
	Format fieldlog.Format // "" detects
	Port   string          // the AT port of a log with several (ModemManager, logcat)
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
	// Notifications are the pending notifications the card held when the
	// logs begin, over what the logs' first ListNotification answer says.
	Notifications []Notification
	// notificationsGiven: the manifest has device.notifications, if
	// empty (the card held none, whatever the logs say).
	notificationsGiven bool
}

// Notification is a pending notification on the card.
type Notification struct {
	Seq                   int
	Event, ICCID, Address string
	node                  *yaml.Node
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
type Error = yamlnode.Error

// errAt is yamlnode's ErrAt, except that a nil node stands for the whole
// file (a fixture's checks may be about a field the manifest leaves out).
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

// NameChars is the set a fixture's name is made of: it names the
// fixture's directory, one path element, the same on every file system.
const NameChars = "lower-case letters, digits, '.', '_' and '-', starting with a letter or a digit, at most 100 characters, no \"..\""

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
func ValidName(name string) bool { return NameProblem(name) == "" }

// NameProblem says why name cannot name a fixture ("" when it can): a
// path, a parent, or a character outside NameChars, named.
func NameProblem(name string) string {
	switch {
	case name == "":
		return "empty"
	case strings.ContainsAny(name, `/\`):
		return "a path, not a name: the fixture's directory is made under --dir"
	case strings.Contains(name, ".."):
		return `it holds "..", which names a parent directory`
	case len(name) > 100:
		return fmt.Sprintf("%d characters, more than 100", len(name))
	case !fixtureName.MatchString(name):
		for i, r := range name {
			switch {
			case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			case strings.ContainsRune("._-", r) && i == 0:
				return fmt.Sprintf("it starts with %q", r)
			case !strings.ContainsRune("._-", r):
				return fmt.Sprintf("character %d, %q, is outside the set", utf8.RuneCountInString(name[:i])+1, r)
			}
		}
	}
	return ""
}

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
	// Bounded again: the size above is 0 for a device or a pipe.
	data, err := yamlnode.ReadFile(path, maxManifest)
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(path, data, dir)
	if err != nil {
		return nil, err
	}
	if base := filepath.Base(filepath.Clean(dir)); m.Name != base {
		return nil, m.errAt(m.Node("name"), "name", "%q, but the fixture's directory is %q: they must be the same", m.Name, base)
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
	m = &Manifest{File: file, d: newDecoder(file), dir: dir}
	var doc, next yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := yamlnode.Parse(dec, &doc); errors.Is(err, io.EOF) {
		return nil, &Error{File: file, Msg: "the manifest is empty: want a mapping of manifest fields (fixtures/field/README.md, \"The manifest\")"}
	} else if err != nil {
		return nil, yamlnode.SyntaxError(file, yamlnode.Explain(data, err))
	}
	switch err := yamlnode.Parse(dec, &next); {
	case err == nil:
		return nil, m.errAt(&next, "", "a second YAML document starts here: one manifest per fixture")
	case !errors.Is(err, io.EOF):
		return nil, yamlnode.SyntaxError(file, err)
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

// newDecoder walks a manifest; a wrong key gets the sorted list of right ones.
func newDecoder(file string) *yamlnode.Decoder {
	return &yamlnode.Decoder{File: file, Unknown: func(known []string) string {
		return "unknown field (known: " + strings.Join(slices.Sorted(slices.Values(known)), ", ") + ")"
	}}
}

// text is a string a person writes (where the logs come from, what
// should have happened, what the failure line shows): not blank.
func (m *Manifest) text(dst *string) func(*yaml.Node, string) error {
	str := m.d.Str(dst)
	return func(v *yaml.Node, path string) error {
		if err := str(v, path); err != nil {
			return err
		}
		if strings.TrimSpace(*dst) == "" {
			return m.errAt(v, path, "empty: say it in words")
		}
		return nil
	}
}

func (m *Manifest) node(dst **yaml.Node) func(*yaml.Node, string) error {
	return func(v *yaml.Node, path string) error {
		*dst = v
		return nil
	}
}

// duration reads a duration a device waits: more than 0.
func (m *Manifest) duration(dst *time.Duration) func(*yaml.Node, string) error {
	return func(v *yaml.Node, path string) error {
		d, err := m.d.Duration(v, path)
		if err != nil {
			return err
		}
		if d <= 0 {
			return m.errAt(v, path, "want a duration of more than 0, got %q", v.Value)
		}
		*dst = d
		return nil
	}
}

func (m *Manifest) top(root *yaml.Node) error {
	var seed string
	err := m.d.Mapping(root, "",
		yamlnode.Required("name", m.d.Str(&m.Name)),
		yamlnode.Required("source", m.text(&m.Source)),
		yamlnode.Required("logs", m.logs),
		yamlnode.Required("device", m.device),
		yamlnode.Optional("network", m.node(&m.Network)),
		yamlnode.Optional("platform", m.node(&m.Platform)),
		yamlnode.Optional("itinerary", m.node(&m.Itinerary)),
		yamlnode.Optional("signal", m.node(&m.Signal)),
		yamlnode.Optional("faults", m.node(&m.Faults)),
		yamlnode.Optional("check", m.node(&m.Check)),
		yamlnode.Optional("scenario", m.d.Str(&m.Scenario)),
		yamlnode.Optional("volatile", m.volatile),
		yamlnode.Required("expected", m.text(&m.Expected)),
		yamlnode.Required("failure", m.failure),
		yamlnode.Required("expect", m.d.Str(&m.Expect)),
		yamlnode.Optional("seed", m.d.Str(&seed)),
	)
	if err != nil {
		return err
	}
	if why := NameProblem(m.Name); why != "" {
		return m.errAt(m.Node("name"), "name", "%q: %s; want %s (it names the fixture's directory)", m.Name, why, NameChars)
	}
	if m.Expect != Reproduces && m.Expect != Fixed {
		return m.errAt(m.Node("expect"), "expect", "%q: want %s or %s", m.Expect, Reproduces, Fixed)
	}
	if seed != "" {
		// As a scenario's seed: (scenario.ParseInt): fmt.Sscan made
		// "010" octal 8 and took "10abc" for 10.
		n, err := scenario.ParseInt(seed)
		if m.Seed = n; err != nil || n < 0 {
			return m.errAt(m.Node("seed"), "seed", "want a non-negative integer, got %q", seed)
		}
	}
	if m.Scenario != "" && (m.Network != nil || m.Platform != nil || m.Itinerary != nil || m.Signal != nil || m.Faults != nil) {
		return m.errAt(m.Node("scenario"), "scenario", "a whole scenario file leaves no room for network, platform, itinerary, signal or faults in the manifest")
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
		if err := m.d.Mapping(n, p,
			yamlnode.Required("file", m.d.Str(&l.File)),
			yamlnode.Optional("format", m.d.Str(&format)),
			yamlnode.Optional("port", m.d.Str(&l.Port)),
		); err != nil {
			return err
		}
		if fn := m.Node(p + ".file"); fn.Tag != "!!str" {
			return m.errAt(fn, p+".file", "want a file name, got %s (quote a name YAML reads as another type)", fn.Value)
		}
		if l.File != filepath.Base(l.File) || l.File == ManifestFile || strings.HasPrefix(l.File, ".") {
			return m.errAt(n, p+".file", "%q: want a file name in the fixture's directory", l.File)
		}
		if err := m.present(l.File); err != "" {
			return m.errAt(m.Node(p+".file"), p+".file", "%q: %s", l.File, err)
		}
		if format != "" && !slices.Contains(fieldlog.Formats, fieldlog.Format(format)) {
			return m.errAt(m.Node(p+".format"), p+".format", "%q: want one of %s", format, fieldlog.FormatNames())
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

// deviceFields are the keys of a manifest's device.
var deviceFields = []string{"personality", "quirks", "eid", "check_interval", "attach_wait", "backoff", "free_nvm", "profiles", "notifications"}

func (m *Manifest) device(v *yaml.Node, path string) error {
	d := &m.Device
	var freeNVM string
	if v.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(v.Content); i += 2 {
			k := v.Content[i]
			if !slices.Contains(deviceFields, k.Value) && personality.IsField(k.Value) {
				// The dialect's fields go under quirks (outside tester
				// sw79: card_back_urcs under device was "unknown field").
				return m.errAt(k, path+"."+k.Value, "a field of the modem's dialect: give it under %s.quirks", path)
			}
		}
	}
	if err := m.d.Mapping(v, path,
		yamlnode.Required("personality", m.d.Str(&d.Personality)),
		yamlnode.Optional("quirks", m.node(&d.Quirks)),
		yamlnode.Optional("eid", m.d.Str(&d.EID)),
		yamlnode.Optional("check_interval", m.duration(&d.CheckInterval)),
		yamlnode.Optional("attach_wait", m.duration(&d.AttachWait)),
		yamlnode.Optional("backoff", m.node(&d.Backoff)),
		yamlnode.Optional("free_nvm", m.d.Str(&freeNVM)),
		yamlnode.Optional("profiles", m.profiles),
		yamlnode.Optional("notifications", m.notifications),
	); err != nil {
		return err
	}
	if !slices.Contains(personality.Names(), d.Personality) {
		return m.errAt(m.Node(path+".personality"), path+".personality", "unknown personality %q (known: %s)", d.Personality, strings.Join(personality.Names(), ", "))
	}
	if d.EID != "" && !ident.IsEID(d.EID) {
		return m.errAt(m.Node(path+".eid"), path+".eid", "%q: want 32 digits whose last two are the MOD 97-10 check digits", d.EID)
	}
	if freeNVM != "" {
		if _, err := fmt.Sscan(freeNVM, &d.FreeNVM); err != nil || d.FreeNVM <= 0 {
			return m.errAt(m.Node(path+".free_nvm"), path+".free_nvm", "want a number of bytes, got %q", freeNVM)
		}
	}
	if d.Quirks != nil {
		base, err := personality.Load(d.Personality)
		if err != nil {
			return m.errAt(m.Node(path+".personality"), path+".personality", "%v", err)
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
	if pe.Path != "" {
		e.Path += "." + pe.Path
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
		if err := m.d.Mapping(n, p,
			yamlnode.Required("iccid", m.d.Str(&pr.ICCID)),
			yamlnode.Required("operator", m.d.Str(&pr.Operator)),
			yamlnode.Optional("imsi", m.d.Str(&pr.IMSI)),
			yamlnode.Optional("enabled", m.d.Str(&enabled)),
		); err != nil {
			return err
		}
		// A field card's ICCID may lack the E.118 check digit (20
		// operator-specific digits): the replay gives the emulated card
		// a stand-in (ident.ICCIDStandIn).
		if _, standIn := ident.ICCIDStandIn(pr.ICCID); !ident.IsICCID(pr.ICCID) && !standIn {
			return m.errAt(m.Node(p+".iccid"), p+".iccid", "%q: want the ICCID as the card reports it, 18-20 digits", pr.ICCID)
		}
		if pr.IMSI != "" && !ident.IsIMSI(pr.IMSI) {
			return m.errAt(m.Node(p+".imsi"), p+".imsi", "%q: want 6-15 digits", pr.IMSI)
		}
		switch enabled {
		case "", "false":
		case "true":
			pr.Enabled = true
		default:
			return m.errAt(m.Node(p+".enabled"), p+".enabled", "want true or false, got %q", enabled)
		}
		pr.node = n
		m.Device.Profiles = append(m.Device.Profiles, pr)
	}
	return nil
}

// notifications reads device.notifications: the scenario's form, checked
// here for what the manifest alone can tell (the reconstructed scenario
// checks the rest against the profiles, at the manifest's lines).
func (m *Manifest) notifications(v *yaml.Node, path string) error {
	if v.Kind != yaml.SequenceNode {
		return m.errAt(v, path, "want a list of {seq, event, iccid, address}")
	}
	m.Device.notificationsGiven = true
	events := []string{es10.EventInstall.String(), es10.EventEnable.String(), es10.EventDisable.String(), es10.EventDelete.String()}
	for i, n := range v.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		var nt Notification
		var seq string
		if err := m.d.Mapping(n, p,
			yamlnode.Required("seq", m.d.Str(&seq)),
			yamlnode.Required("event", m.d.Str(&nt.Event)),
			yamlnode.Required("iccid", m.d.Str(&nt.ICCID)),
			yamlnode.Required("address", m.d.Str(&nt.Address)),
		); err != nil {
			return err
		}
		if _, err := fmt.Sscan(seq, &nt.Seq); err != nil || nt.Seq < 1 || nt.Seq > scenario.MaxNotificationSeq || strconv.Itoa(nt.Seq) != seq {
			return m.errAt(m.Node(p+".seq"), p+".seq", "want the notification's sequence number, 1 to %d, got %q", scenario.MaxNotificationSeq, seq)
		}
		if !slices.Contains(events, nt.Event) {
			return m.errAt(m.Node(p+".event"), p+".event", "%q: want one of %s", nt.Event, strings.Join(events, ", "))
		}
		if _, standIn := ident.ICCIDStandIn(nt.ICCID); !ident.IsICCID(nt.ICCID) && !standIn {
			return m.errAt(m.Node(p+".iccid"), p+".iccid", "%q: want the ICCID as the card reports it, 18-20 digits", nt.ICCID)
		}
		nt.node = n
		m.Device.Notifications = append(m.Device.Notifications, nt)
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
			if err := m.d.Mapping(n, p,
				yamlnode.Required("name", m.d.Str(&name)),
				yamlnode.Required("pattern", m.d.Str(&pattern)),
			); err != nil {
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
	if err := m.d.Mapping(v, path,
		yamlnode.Required("log", m.d.Str(&m.Failure.Log)),
		yamlnode.Required("line", m.d.Str(&line)),
		yamlnode.Required("what", m.text(&m.Failure.What)),
	); err != nil {
		return err
	}
	if _, err := fmt.Sscan(line, &m.Failure.Line); err != nil || m.Failure.Line < 1 {
		return m.errAt(m.Node(path+".line"), path+".line", "want a line number of the log, got %q", line)
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
func (m *Manifest) Node(path string) *yaml.Node {
	if m.d == nil { // a Manifest not parsed from a file
		return nil
	}
	return m.d.Node(path)
}
