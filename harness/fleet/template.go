// Package fleet runs a roaming storm: N devices — each its own card
// (applet, NVM, keys and an EID from the test PKI) in its own modem —
// arriving in a visited area within a window and turning to one
// management platform and the operators' SM-DP+s at once, all on one
// virtual clock so an hour of storm runs in seconds. It reports devices
// per second, the simulated switch times, the platform's request rate,
// the peak memory, and checks that no notification was lost — what the
// cards count as acknowledged is exactly what the platform's and the
// SM-DP+s' logs hold — and that every device did what its part of the
// mix set it up for (switched, or stayed by the failure it injects).
//
// A template names a scenario (the world, the operators, the platform's
// lists, a device's home profile and its trip) and a mix of device kinds;
// device i gets its own EID, ICCIDs, seed, arrival time and kind from
// the template's seed and i alone, so a fleet cut into shards and merged
// gives what one run gives.
package fleet

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/harness/scenario"
)

// Device kinds of a mix.
const (
	KindPreinstalled = "preinstalled" // the card holds every preferred operator's profile
	KindDownload     = "download"     // it holds none: the first preferred one is downloaded
)

// Limits on what a template may ask for.
const (
	MaxDevices = 1_000_000
	MaxDwell   = 7 * 24 * time.Hour
	// DefaultDwell is how long a device is followed after it arrives.
	DefaultDwell = 30 * time.Minute
)

// Template is a fleet's description (see fixtures/fleet/README.md).
type Template struct {
	Name string `yaml:"name"`
	// Scenario is the base scenario file, relative to the template.
	Scenario string `yaml:"scenario"`
	Devices  int    `yaml:"devices"`
	// ArriveWithin spreads the arrivals uniformly over this window.
	ArriveWithin Duration `yaml:"arrive_within"`
	// Dwell is how long each device is followed after its arrival.
	Dwell Duration `yaml:"dwell"`
	// PTYs is how many devices get a real pseudo-terminal; the others
	// are linked to their host in memory.
	PTYs int    `yaml:"ptys"`
	Seed int64  `yaml:"seed"`
	Mix  []Part `yaml:"mix"`

	// Base is the parsed base scenario; Home and Visit its first and
	// last areas; Preferred the visited country's preferred operators.
	Base        *scenario.Scenario `yaml:"-"`
	Home, Visit string             `yaml:"-"`
	Preferred   []string           `yaml:"-"`
	HomeOp      scenario.Operator  `yaml:"-"`
	baseSum     [32]byte           // of the base scenario's bytes, for Fingerprint
}

// Part is one kind of device and its share of the fleet.
type Part struct {
	Share int    `yaml:"share"`
	Kind  string `yaml:"kind"`
	// AttachReject makes every preferred operator's network reject the
	// device's attach with this EMM cause (TS 24.301 §9.9.3.9): the card
	// falls back to its original profile and reports.
	AttachReject int `yaml:"attach_reject"`
	// CardFault is a card-side download fault (bad_euicc_signature).
	CardFault string `yaml:"card_fault"`
}

// Duration is a time.Duration written as "10m" in YAML.
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q: want a duration like 10m or 1h30m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// cardFaults are the download faults a card injects on its own.
var cardFaults = []string{scenario.BadEUICCSignature}

// Load reads a template and its base scenario.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fleet template: %w", err)
	}
	var t Template
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("fleet template %s: empty (it needs at least scenario and devices)", path)
		}
		return nil, fmt.Errorf("fleet template %s: %w", path, err)
	}
	var more any
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("fleet template %s: a second YAML document: one template per file", path)
	}
	// What the file leaves out takes its default; what it gives must be
	// right (dwell: 0s or mix: [] are refused, not read as absent).
	var keys map[string]any
	if err := yaml.Unmarshal(b, &keys); err == nil {
		if _, ok := keys["dwell"]; !ok {
			t.Dwell = Duration(DefaultDwell)
		}
		if _, ok := keys["mix"]; !ok {
			t.Mix = []Part{{Share: 1, Kind: KindPreinstalled}}
		}
	}
	if t.Scenario == "" {
		return nil, fmt.Errorf("fleet template %s: scenario: required (the base scenario file)", path)
	}
	sp := t.Scenario
	if !filepath.IsAbs(sp) {
		sp = filepath.Join(filepath.Dir(path), sp)
	}
	base, err := os.ReadFile(sp)
	if err != nil {
		return nil, fmt.Errorf("fleet template %s: %w", path, err)
	}
	if t.Base, err = scenario.Parse(sp, base); err != nil {
		return nil, fmt.Errorf("fleet template %s: %w", path, err)
	}
	t.baseSum = sha256.Sum256(base)
	if t.Name == "" {
		t.Name = t.Base.Name
	}
	return &t, nil
}

// Validate checks the numbers (after command-line overrides) and derives
// Home, Visit and Preferred from the base scenario. ptyLimit is how many
// more ptys the system allows (negative: unknown).
func (t *Template) Validate(ptyLimit int) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch {
	case t.Devices <= 0:
		bad("devices: %d: a fleet needs at least one device", t.Devices)
	case t.Devices > MaxDevices:
		bad("devices: %d: at most %d", t.Devices, MaxDevices)
	}
	switch {
	case t.ArriveWithin <= 0:
		bad("arrive_within: %v: the devices arrive within a window longer than 0 (an instant storm is arrive_within: 1s)", time.Duration(t.ArriveWithin))
	case time.Duration(t.ArriveWithin)%time.Second != 0:
		bad("arrive_within: %v: whole seconds (arrivals fall on whole seconds)", time.Duration(t.ArriveWithin))
	}
	if t.Dwell <= 0 || time.Duration(t.Dwell) > MaxDwell {
		bad("dwell: %v: want more than 0 and at most %v (leave it out for %v)", time.Duration(t.Dwell), MaxDwell, DefaultDwell)
	}
	switch {
	case t.PTYs < 0:
		bad("ptys: %d: negative", t.PTYs)
	case t.PTYs > t.Devices && t.Devices > 0:
		bad("ptys: %d: more than the %d devices", t.PTYs, t.Devices)
	case ptyLimit >= 0 && t.PTYs > ptyLimit:
		bad("ptys: %d: this system allows %d more pseudo-terminals (kernel.pty.max less those in use); link the rest in memory", t.PTYs, ptyLimit)
	}
	if len(t.Mix) == 0 {
		bad("mix: empty: give at least one part (leave it out for all preinstalled)")
	}
	total := 0
	for i, p := range t.Mix {
		if p.Share <= 0 {
			bad("mix[%d].share: %d: want more than 0", i, p.Share)
		}
		total += p.Share
		if p.Kind != KindPreinstalled && p.Kind != KindDownload {
			bad("mix[%d].kind: %q: want %s or %s", i, p.Kind, KindPreinstalled, KindDownload)
		}
		if p.CardFault != "" && !slices.Contains(cardFaults, p.CardFault) {
			bad("mix[%d].card_fault: %q: want one of %v", i, p.CardFault, cardFaults)
		}
		if p.AttachReject < 0 || p.AttachReject > 255 {
			bad("mix[%d].attach_reject: %d: an EMM cause is 1..255", i, p.AttachReject)
		}
	}
	if t.Base != nil {
		if err := t.derive(); err != nil {
			errs = append(errs, err)
		}
	}
	if t.Base != nil && len(errs) == 0 {
		for i, p := range t.Mix {
			if p.Kind != KindDownload {
				continue
			}
			for _, id := range t.Preferred {
				if op, _ := t.operator(id); op.SMDP == "" {
					bad("mix[%d]: kind download, but preferred operator %s runs no SM-DP+ in %s", i, id, t.Base.File)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// derive finds the trip and the preferred list in the base scenario.
func (t *Template) derive() error {
	s := t.Base
	if len(s.Itinerary) < 2 {
		return fmt.Errorf("%s: the itinerary needs a home stop and a visited one", s.File)
	}
	t.Home, t.Visit = s.Itinerary[0].Area, s.Itinerary[len(s.Itinerary)-1].Area
	var home *scenario.Profile
	for i := range s.Device.Profiles {
		if s.Device.Profiles[i].Enabled {
			home = &s.Device.Profiles[i]
		}
	}
	if home == nil {
		return fmt.Errorf("%s: the device has no enabled profile", s.File)
	}
	t.HomeOp, _ = t.operator(home.Operator)
	country := ""
	for _, c := range s.Network.Cells {
		if c.Area == t.Visit {
			op, _ := t.operator(c.Operator)
			country = op.Country
			break
		}
	}
	t.Preferred = s.Platform.Preferred[country]
	if len(t.Preferred) == 0 {
		return fmt.Errorf("%s: the platform has no preferred list for %s (country %q), where the fleet arrives", s.File, t.Visit, country)
	}
	return nil
}

func (t *Template) operator(id string) (scenario.Operator, bool) {
	for _, o := range t.Base.Network.Operators {
		if o.ID == id {
			return o, true
		}
	}
	return scenario.Operator{}, false
}

// part picks device i's kind: shares are laid out in order over a cycle
// of their total, so every slice of the fleet has the same mix.
func (t *Template) part(i int) Part {
	total := 0
	for _, p := range t.Mix {
		total += p.Share
	}
	k := i % total
	for _, p := range t.Mix {
		if k < p.Share {
			return p
		}
		k -= p.Share
	}
	return t.Mix[len(t.Mix)-1]
}

// Fingerprint names the storm a shard is a slice of: the whole fleet's
// size, pseudo-terminals, arrival window and dwell as read, and a digest
// of its base scenario's content and its mix. Shards of one storm share it.
func (t *Template) Fingerprint() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%x|%+v", t.baseSum, t.Mix))
	return fmt.Sprintf("%d devices (%d on ptys), arrivals within %v, dwell %v, mix %x",
		t.Devices, t.PTYs, time.Duration(t.ArriveWithin), time.Duration(t.Dwell), h[:6])
}
