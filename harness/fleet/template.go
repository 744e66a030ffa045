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
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/yamlnode"
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
	// MaxArriveWithin bounds the arrival window as a scenario's run is
	// bounded: a storm (window plus dwell, 38 days at most) stays far
	// inside the test PKI's validity, whose expiry would otherwise fail
	// late devices as if the platform had refused them.
	MaxArriveWithin = scenario.MaxHorizon
	// DefaultDwell is how long a device is followed after it arrives.
	DefaultDwell = 30 * time.Minute
)

// Template is a fleet's description (see fixtures/fleet/README.md).
type Template struct {
	Name string
	// Scenario is the base scenario file, relative to the template.
	Scenario string
	Devices  int
	// ArriveWithin spreads the arrivals uniformly over this window.
	ArriveWithin Duration
	// Dwell is how long each device is followed after its arrival.
	Dwell Duration
	// PTYs is how many devices get a real pseudo-terminal; the others
	// are linked to their host in memory.
	PTYs int
	Seed int64
	Mix  []Part

	// Base is the parsed base scenario; Home and Visit its first and
	// last areas; Preferred the visited country's preferred operators.
	Base        *scenario.Scenario
	Home, Visit string
	Preferred   []string
	HomeOp      scenario.Operator
	HomeICCID   string   // the enabled profile's
	baseSum     [32]byte // of the base scenario's bytes, for Fingerprint

	// d remembers where the file gave each field, so that Validate
	// points at the line of a value no flag replaced; flagged holds the
	// keys a flag replaced; root is the file's mapping, where a missing
	// field is reported.
	d       *yamlnode.Decoder
	root    *yaml.Node
	flagged map[string]bool
}

// Flags are the command-line flags given (flag.FlagSet.Visit knows
// which): each replaces the template's value, even with the flag's
// default, and nil leaves the template's.
type Flags struct {
	Devices, PTYs       *int
	ArriveWithin, Dwell *time.Duration
	Seed                *int64
}

// Override puts the given flags' values in place of the template's;
// Validate names a refused one by its flag, never by a line of the file.
func (t *Template) Override(f Flags) {
	if t.flagged == nil {
		t.flagged = map[string]bool{}
	}
	if f.Devices != nil {
		t.Devices, t.flagged["devices"] = *f.Devices, true
	}
	if f.ArriveWithin != nil {
		t.ArriveWithin, t.flagged["arrive_within"] = Duration(*f.ArriveWithin), true
	}
	if f.Dwell != nil {
		t.Dwell, t.flagged["dwell"] = Duration(*f.Dwell), true
	}
	if f.PTYs != nil {
		t.PTYs, t.flagged["ptys"] = *f.PTYs, true
	}
	if f.Seed != nil {
		t.Seed, t.flagged["seed"] = *f.Seed, true
	}
}

// Part is one kind of device and its share of the fleet.
type Part struct {
	Share int
	Kind  string
	// AttachReject makes every preferred operator's network reject the
	// device's attach with this EMM cause (TS 24.301 §9.9.3.9): the card
	// falls back to its original profile and reports.
	AttachReject int
	// CardFault is a card-side download fault (bad_euicc_signature).
	CardFault string
}

// Duration is a time.Duration written as "10m" in a template.
type Duration time.Duration

// flagKeys are the template's keys a command-line flag of the same name
// (--arrive-within for arrive_within) overrides.
var flagKeys = []string{"devices", "arrive_within", "dwell", "ptys", "seed"}

// requiredKeys are the template's keys without a default: left out of
// the file and not given by their flag, they are named as missing.
var requiredKeys = map[string]string{
	"devices":       "how many devices, such as devices: 200, or give it on the command line",
	"arrive_within": "the window the devices arrive within, such as arrive_within: 10m (1s for an instant storm), or give it on the command line",
}

// cardFaults are the download faults a card injects on its own.
var cardFaults = []string{scenario.BadEUICCSignature}

// maxTemplateSize bounds a template file; a template is a dozen lines.
const maxTemplateSize = 1 << 20

// Load reads a template and its base scenario. Errors in the template
// are *yamlnode.Error: file:line:col, the field's path, what is wrong.
func Load(path string) (*Template, error) {
	b, err := yamlnode.ReadFile(path, maxTemplateSize)
	if err != nil {
		return nil, fmt.Errorf("fleet template: %w", err)
	}
	t, err := parse(path, b)
	if err != nil {
		return nil, err
	}
	sp := t.Scenario
	if !filepath.IsAbs(sp) {
		sp = filepath.Join(filepath.Dir(path), sp)
	}
	base, err := yamlnode.ReadFile(sp, scenario.MaxFileSize)
	if err != nil {
		return nil, t.d.ErrPath("scenario", "the base scenario cannot be read: %v", err)
	}
	if t.Base, err = scenario.Parse(sp, base); err != nil {
		return nil, fmt.Errorf("fleet template %s: %w", path, err)
	}
	if err := unapplied(sp, base, t.Base); err != nil {
		return nil, err // one line a field, each naming the base scenario's file and line
	}
	t.baseSum = sha256.Sum256(base)
	if t.Name == "" {
		t.Name = t.Base.Name
	}
	if t.d.Node("seed") == nil {
		// The base scenario's, as `esimhil serve --scenario` of it
		// defaults to: a seed of 0 here would make the cards trust
		// another test CI than the served platform's. A seed: 0 the
		// file gives is kept.
		t.Seed = t.Base.Seed
	}
	return t, nil
}

// unapplied refuses a base scenario with a signal plan or a fault plan:
// the fleet builds each device's world and card from the base scenario's
// network, platform and device alone, so those entries would be dropped
// without a word, and a storm would pass that `esimhil run` fails.
func unapplied(file string, data []byte, s *scenario.Scenario) error {
	return refuseKeys(file, data, map[string]string{
		"signal": "the fleet does not apply a base scenario's signal plan (%s): each device keeps network.cells' rsrp; remove signal from the base scenario",
		"faults": "the fleet does not apply a base scenario's faults (%s): remove them from the base scenario; inject per device with the template's mix (card_fault, attach_reject)",
	}, map[string]int{"signal": len(s.Signal), "faults": len(s.Faults)})
}

// UnservedFaults refuses, for `esimhil serve`, a scenario with faults:
// a run applies them through its rig's fault plan on the virtual clock,
// which serve's servers, on the wall clock, have none of — a no_ack
// platform would acknowledge everything and a storm against it pass.
func UnservedFaults(file string, data []byte, s *scenario.Scenario) error {
	return refuseKeys(file, data, map[string]string{
		"faults": "serve does not apply a scenario's faults (%s): its servers run on the wall clock, without a run's fault plan; remove them from the scenario served",
	}, map[string]int{"faults": len(s.Faults)})
}

// refuseKeys gives one error a top-level key of data with a count above
// 0, at the key's line, its message why[key] with the count's entries.
func refuseKeys(file string, data []byte, why map[string]string, count map[string]int) error {
	n := 0
	for _, c := range count {
		n += c
	}
	if n == 0 {
		return nil
	}
	top, _, err := yamlnode.OneDocument(data)
	if err != nil || top == nil || top.Kind != yaml.MappingNode {
		// Parse read it; this cannot happen, but say what is refused anyway.
		keys := slices.Sorted(maps.Keys(why))
		return &yamlnode.Error{File: file, Msg: fmt.Sprintf("not applied: %s", strings.Join(keys, ", "))}
	}
	var errs []error
	for i := 0; i+1 < len(top.Content); i += 2 {
		k := top.Content[i]
		if format, ok := why[k.Value]; ok && count[k.Value] > 0 {
			errs = append(errs, &yamlnode.Error{File: file, Line: k.Line, Col: k.Column, Path: k.Value, Msg: fmt.Sprintf(format, entries(count[k.Value]))})
		}
	}
	return errors.Join(errs...)
}

func entries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

// parse decodes a template's fields node by node: each must have its
// type; their ranges are Validate's, once flags have had their say.
func parse(file string, b []byte) (*Template, error) {
	d := &yamlnode.Decoder{File: file, Unknown: func(known []string) string {
		return "unknown field (the fields: " + strings.Join(known, ", ") + ")"
	}}
	if len(b) > maxTemplateSize {
		return nil, d.ErrAt(nil, "", "file is %d bytes, at most %d", len(b), maxTemplateSize)
	}
	root, second, err := yamlnode.OneDocument(b)
	switch {
	case err != nil:
		return nil, yamlnode.SyntaxError(file, err)
	case root == nil:
		return nil, &yamlnode.Error{File: file, Msg: "empty fleet template (it needs at least scenario and devices)"}
	case second != nil:
		return nil, d.ErrAt(second, "", "a second YAML document starts here: one template per file")
	}
	t := &Template{d: d, root: root}
	part := func(n *yaml.Node, p string) error {
		var pt Part
		err := d.Mapping(n, p,
			yamlnode.Required("share", integer(d, &pt.Share)),
			yamlnode.Required("kind", d.Str(&pt.Kind)),
			yamlnode.Optional("card_fault", d.Str(&pt.CardFault)),
			yamlnode.Optional("attach_reject", integer(d, &pt.AttachReject)))
		t.Mix = append(t.Mix, pt)
		return err
	}
	if err := d.Mapping(root, "",
		yamlnode.Optional("name", d.Str(&t.Name)),
		yamlnode.Optional("scenario", d.Str(&t.Scenario)),
		yamlnode.Optional("devices", integer(d, &t.Devices)),
		yamlnode.Optional("arrive_within", duration(d, &t.ArriveWithin)),
		yamlnode.Optional("dwell", duration(d, &t.Dwell)),
		yamlnode.Optional("ptys", integer(d, &t.PTYs)),
		yamlnode.Optional("seed", seed(d, &t.Seed)),
		yamlnode.Optional("mix", func(n *yaml.Node, p string) error {
			t.Mix = []Part{} // given but empty is refused, not read as left out
			return d.Sequence(n, p, part)
		}),
	); err != nil {
		return nil, err
	}
	switch {
	case d.Node("scenario") == nil:
		return nil, d.ErrAt(root, "scenario", "required (the base scenario file)")
	case t.Scenario == "":
		return nil, d.ErrPath("scenario", "required (the base scenario file)")
	}
	// What the file leaves out takes its default; what it gives must be
	// right (dwell: 0s or mix: [] are refused by Validate, not read as absent).
	if d.Node("dwell") == nil {
		t.Dwell = Duration(DefaultDwell)
	}
	if t.Mix == nil {
		t.Mix = []Part{{Share: 1, Kind: KindPreinstalled}}
	}
	return t, nil
}

// integer reads an integer scalar as YAML writes one (1000, 1_000,
// 0x10) into dst (*int or *int64); the range is Validate's.
func integer(d *yamlnode.Decoder, dst any) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		v, err := d.Scalar(n, path, "a whole number")
		if err != nil {
			return err
		}
		if n.ShortTag() != "!!int" || n.Decode(dst) != nil {
			return d.ErrAt(n, path, "want a whole number, got %q", v)
		}
		return nil
	}
}

// seed reads a seed as a scenario's seed: and esimhil's --seed do
// (scenario.ParseInt): "010" is ten, where YAML's decoder makes it octal
// 8, another fleet than the one the CLI prints.
func seed(d *yamlnode.Decoder, dst *int64) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		v, err := d.Scalar(n, path, "a whole number")
		if err != nil {
			return err
		}
		i, perr := scenario.ParseInt(v)
		if n.ShortTag() != "!!int" || perr != nil {
			return d.ErrAt(n, path, "want a whole number (decimal, 0x… hex or 0o… octal, as a scenario's seed), got %q", v)
		}
		*dst = i
		return nil
	}
}

// duration reads a Go duration such as 90s, 10m or 1h30m; its range is
// Validate's.
func duration(d *yamlnode.Decoder, dst *Duration) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		t, err := d.Duration(n, path)
		*dst = Duration(t)
		return err
	}
}

// PTYRoom is how many more pseudo-terminals the system allows a fleet
// (N, negative when unknown) and the limit that sets it, as a refusal
// names it; Shard of Shards is the slice of the fleet this process runs
// (Shards 0 or 1: all of it), whose own pty devices are what must fit.
type PTYRoom struct {
	N             int
	Limit         string // "kernel.pty.max less those in use", "the open-file limit …"
	Shard, Shards int
}

// NoPTYLimit is a room nobody measured: no pty count is refused for it.
var NoPTYLimit = PTYRoom{N: -1}

// Validate checks the numbers (after command-line overrides) and derives
// Home, Visit and Preferred from the base scenario. room is how many
// more ptys the system allows. A refused value the
// template file gave (no flag replaced it) is named with its line.
func (t *Template) Validate(room PTYRoom) error {
	var errs []error
	bad := func(path string, format string, a ...any) {
		n := t.node(path)
		if n != nil && !t.flagged[path] {
			errs = append(errs, t.d.ErrAt(n, path, format, a...))
			return
		}
		if why, ok := requiredKeys[path]; ok && n == nil && !t.flagged[path] && t.d != nil {
			// Left out of the file, no flag given: the field is missing,
			// not a flag's zero the user never typed.
			errs = append(errs, t.d.ErrAt(t.root, path, "required (%s)", why))
			return
		}
		if slices.Contains(flagKeys, path) {
			// A flag's value: "--devices 0: …", as it was typed.
			errs = append(errs, fmt.Errorf("--%s %s", strings.ReplaceAll(path, "_", "-"), fmt.Sprintf(format, a...)))
			return
		}
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...)))
	}
	if n := t.node("name"); n != nil && n.Value == "" {
		bad("name", "must not be empty (leave it out for the base scenario's name)")
	} else if why := scenario.NameProblem(t.Name); why != "" {
		bad("name", "%s", why)
	} else if last := fmt.Sprintf("%s-%d", t.Name, max(t.Devices-1, 0)); len(last) > scenario.MaxNameLen {
		// Device i's scenario is <name>-<i>: the last must be a name too.
		bad("name", "%d characters: the last device's scenario, <name>-%d, would have %d, more than a scenario name's %d", len(t.Name), max(t.Devices-1, 0), len(last), scenario.MaxNameLen)
	}
	switch {
	case t.Devices <= 0:
		bad("devices", "%d: a fleet needs at least one device", t.Devices)
	case t.Devices > MaxDevices:
		bad("devices", "%d: at most %d", t.Devices, MaxDevices)
	}
	switch {
	case t.ArriveWithin <= 0:
		bad("arrive_within", "%v: the devices arrive within a window longer than 0 (an instant storm is arrive_within: 1s)", time.Duration(t.ArriveWithin))
	case time.Duration(t.ArriveWithin) > MaxArriveWithin:
		bad("arrive_within", "%v: at most %v (31 days, as a scenario's run)", time.Duration(t.ArriveWithin), MaxArriveWithin)
	case time.Duration(t.ArriveWithin)%time.Second != 0:
		bad("arrive_within", "%v: whole seconds (arrivals fall on whole seconds)", time.Duration(t.ArriveWithin))
	}
	switch dwell := time.Duration(t.Dwell); {
	case dwell <= 0 || dwell > MaxDwell:
		bad("dwell", "%v: want more than 0 and at most %v (leave it out for %v)", dwell, MaxDwell, DefaultDwell)
	case dwell%time.Second != 0:
		// As the arrivals: a device retires on a whole second.
		bad("dwell", "%v: whole seconds (devices retire on whole seconds)", dwell)
	case t.Base != nil && dwell < t.minDwell():
		// A device checks within a check interval of arriving, and its
		// switch may then wait the card's attach wait before it can fall
		// back: one that leaves sooner fails, "no failure logged"
		// (outside testers sw126: --dwell 1ns accepted; sw129: --dwell 5m,
		// the check interval, failed 15 of 2000).
		bad("dwell", "%v: shorter than the card's check interval %v and its attach wait %v (%s): a device that checks late would leave before its switch could end", dwell, t.Base.Device.CheckInterval, t.attachWait(), t.Base.Name)
	}
	switch {
	case t.PTYs < 0:
		bad("ptys", "%d: negative", t.PTYs)
	case t.PTYs > t.Devices && t.Devices > 0:
		bad("ptys", "%d: more than the %d devices", t.PTYs, t.Devices)
	case room.N >= 0 && room.Shards > 1 && t.PTYsOf(room.Shard, room.Shards) > room.N:
		// A shard opens only its own devices' ptys: sharding is how a
		// storm has more than one machine allows (outside tester sw126).
		bad("ptys", "%d: shard %d/%d opens %d of them, and this system allows %d more pseudo-terminals (%s); link the rest in memory or shard further",
			t.PTYs, room.Shard, room.Shards, t.PTYsOf(room.Shard, room.Shards), room.N, room.Limit)
	case room.N >= 0 && room.Shards <= 1 && t.PTYs > room.N:
		bad("ptys", "%d: this system allows %d more pseudo-terminals (%s); link the rest in memory", t.PTYs, room.N, room.Limit)
	}
	if len(t.Mix) == 0 {
		bad("mix", "empty: give at least one part (leave it out for all preinstalled)")
	}
	total := 0
	for i, p := range t.Mix {
		at := func(field string) string { return yamlnode.Join(yamlnode.Index("mix", i), field) }
		switch {
		case p.Share <= 0:
			bad(at("share"), "%d: want more than 0", p.Share)
		case p.Share > maxShares-total:
			// The cycle of shares is counted in an int: past this the
			// sum would wrap and the mix dealt would not be the file's.
			bad(at("share"), "%d: the shares would add up to more than %d", p.Share, maxShares)
		default:
			total += p.Share
		}
		if p.Kind != KindPreinstalled && p.Kind != KindDownload {
			bad(at("kind"), "%q: want %s or %s", p.Kind, KindPreinstalled, KindDownload)
		}
		if p.CardFault != "" && !slices.Contains(cardFaults, p.CardFault) {
			bad(at("card_fault"), "%q: want one of %s", p.CardFault, strings.Join(cardFaults, ", "))
		}
		// 0 is the field left out, unless the file gives it: a part asked
		// to reject with cause 0 is refused, not run as a plain one.
		if p.AttachReject < 0 || p.AttachReject > 255 || (p.AttachReject == 0 && t.node(at("attach_reject")) != nil) {
			bad(at("attach_reject"), "%d: an EMM cause is 1..255", p.AttachReject)
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
					bad(yamlnode.Index("mix", i),
						"kind download, but preferred operator %s runs no SM-DP+ in %s", id, t.Base.File)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// node is where the template file gave path, nil if it did not (or the
// template was not read from a file).
func (t *Template) node(path string) *yaml.Node {
	if t.d == nil {
		return nil
	}
	return t.d.Node(path)
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
	t.HomeICCID = home.ICCID
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

// operatorAt names the operator whose SM-DP+ is at address (an SGP.22
// notification's notificationAddress, an FQDN), or address itself when
// none is.
func (t *Template) operatorAt(address string) string {
	if id := t.Base.OperatorOfSMDP(address); id != "" {
		return id
	}
	return address
}

// part picks device i's kind: shares are laid out in order over a cycle
// of their total.
func (t *Template) part(i int) Part {
	k := i % t.cycle()

	for _, p := range t.Mix {
		if k < p.Share {
			return p
		}
		k -= p.Share
	}
	return t.Mix[len(t.Mix)-1]
}

// maxShares bounds the sum of a mix's shares (a cycle longer than any
// fleet is of no use, and a sum past an int would wrap).
const maxShares = 1_000_000_000

// cycle is the sum of the mix's shares: part deals kinds over it.
func (t *Template) cycle() int {
	total := 0
	for _, p := range t.Mix {
		total += p.Share
	}
	return max(total, 1)
}

// ShardOf is the shard, of n, that runs device i of the fleet's
// t.Devices. The devices are dealt to the shards in turn in the order of
// their place in the mix's cycle (part) — every device of the cycle's
// first place, then of the second, … — so each kind, whose places are
// consecutive, is dealt over the shards as one run: every shard gets every
// kind's count and the fleet's, give or take one, whatever n. (Shard
// i mod n put each kind in the shards of its places: storm-fr's cycle of
// 20 over 4 shards gave one shard every bad signature and two none.)
func (t *Template) ShardOf(i, n int) int { return shardOf(i, n, t.Devices, t.cycle()) }

// attachWait is the card's wait for an attach after a switch (the base
// scenario's, else the card's default).
func (t *Template) attachWait() time.Duration {
	if w := t.Base.Device.AttachWait; w > 0 {
		return w
	}
	return applet.DefaultAttachWait
}

// minDwell is the shortest dwell in which every device can check and
// end its switch: a check interval, then the attach wait.
func (t *Template) minDwell() time.Duration {
	return t.Base.Device.CheckInterval + t.attachWait()
}

// PTYsOf is how many of shard i of n's devices are on a pty (the first
// PTYs of the fleet are).
func (t *Template) PTYsOf(i, n int) int {
	return ptysIn(min(t.PTYs, t.Devices), t.Devices, t.cycle(), []shardID{{i: i, n: n}})
}

// ptysIn counts the pty devices (the first ptys of a fleet of devices
// whose mix's cycle is c) that shards ids run.
func ptysIn(ptys, devices, c int, ids []shardID) int {
	k := 0
	for d := range ptys {
		if slices.ContainsFunc(ids, func(id shardID) bool { return shardOf(d, id.n, devices, c) == id.i }) {
			k++
		}
	}
	return k
}

// shardOf is ShardOf for a fleet of devices whose mix's cycle is c: what
// merge checks each result's devices against.
func shardOf(i, n, devices, c int) int {
	if n <= 1 {
		return 0
	}
	rounds, rest := devices/c, devices%c // rest places have one more
	place, round := i%c, i/c
	return (place*rounds + min(place, rest) + round) % n
}

// Fingerprint names the storm a shard is a slice of: the whole fleet's
// size, pseudo-terminals, arrival window and dwell as run (after flags), and a digest
// of its base scenario's content and its mix. Shards of one storm share it.
func (t *Template) Fingerprint() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%x|%+v", t.baseSum, t.Mix))
	return fmt.Sprintf("%d devices (%d on ptys), arrivals within %v, dwell %v, mix %x",
		t.Devices, t.PTYs, time.Duration(t.ArriveWithin), time.Duration(t.Dwell), h[:6])
}
