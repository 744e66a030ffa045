package scenario

import (
	"errors"
	"fmt"
	"math"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/yamlnode"
)

// MaxFileSize bounds a scenario file; scenarios are small by nature.
const MaxFileSize = 1 << 20

// Load reads, parses and validates the scenario file at path.
func Load(path string) (*Scenario, error) {
	s, _, err := LoadSource(path)
	return s, err
}

// LoadSource is Load that also returns the file's bytes as they were
// parsed, for a run to keep beside its artifacts (the scenario it ran,
// whatever the file says later).
func LoadSource(path string) (*Scenario, []byte, error) {
	data, err := yamlnode.ReadFile(path, MaxFileSize)
	var big *Error
	switch {
	case errors.As(err, &big):
		return nil, nil, big
	case err != nil:
		return nil, nil, fmt.Errorf("load scenario: %w", err)
	}
	s, err := Parse(path, data)
	return s, data, err
}

// Parse parses and validates a scenario; name is used in error messages.
// Errors are of type *Error.
func Parse(name string, data []byte) (s *Scenario, err error) {
	d := newDecoder(name)
	if len(data) > MaxFileSize {
		return nil, d.ErrAt(nil, "", "file is %d bytes, at most %d", len(data), MaxFileSize)
	}
	top, second, err := yamlnode.OneDocument(data)
	switch {
	case err != nil:
		return nil, yamlnode.SyntaxError(d.File, err)
	case top == nil:
		return nil, d.ErrAt(nil, "", "empty scenario")
	case second != nil:
		return nil, d.ErrAt(second, "", "a second YAML document starts here: one scenario per file")
	}
	s = &Scenario{File: name}
	if err := d.scenario(top, s); err != nil {
		return nil, err
	}
	if err := d.validate(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (d *decoder) scenario(n *yaml.Node, s *Scenario) error {
	return d.Mapping(n, "",
		yamlnode.Required("name", d.Str(&s.Name)),
		yamlnode.Optional("seed", d.int64(&s.Seed)),
		yamlnode.Required("network", func(n *yaml.Node, p string) error { return d.network(n, p, &s.Network) }),
		yamlnode.Required("device", func(n *yaml.Node, p string) error { return d.device(n, p, &s.Device) }),
		yamlnode.Optional("platform", func(n *yaml.Node, p string) error { return d.platform(n, p, &s.Platform) }),
		yamlnode.Required("itinerary", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				var st Stop
				err := d.Mapping(n, p,
					yamlnode.Required("at", d.duration(&st.At)),
					yamlnode.Required("area", d.Str(&st.Area)))
				s.Itinerary = append(s.Itinerary, st)
				return err
			})
		}),
		yamlnode.Optional("signal", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				c, err := d.signal(n, p)
				s.Signal = append(s.Signal, c)
				return err
			})
		}),
		yamlnode.Optional("faults", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				f, err := d.fault(n, p)
				s.Faults = append(s.Faults, f)
				return err
			})
		}),
		yamlnode.Optional("expect", func(n *yaml.Node, p string) error { return d.expect(n, p, &s.Expect) }),
	)
}

func (d *decoder) network(n *yaml.Node, path string, nw *Network) error {
	return d.Mapping(n, path,
		yamlnode.Required("operators", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				var o Operator
				err := d.Mapping(n, p,
					yamlnode.Required("id", d.Str(&o.ID)),
					yamlnode.Required("plmn", d.Str(&o.PLMN)),
					yamlnode.Required("country", d.Str(&o.Country)),
					yamlnode.Optional("name", d.Str(&o.Name)),
					yamlnode.Optional("tariff", d.float(&o.Tariff)),
					yamlnode.Optional("smdp", d.Str(&o.SMDP)),
					yamlnode.Optional("ppr", d.strings(&o.PPR)),
					yamlnode.Optional("msisdn_prefix", d.Str(&o.MSISDNPrefix)),
					yamlnode.Optional("preferred_partners", d.strings(&o.PreferredPartners)),
					yamlnode.Optional("hplmn_search", d.hplmnSearch(&o.HPLMNSearch)),
					yamlnode.Optional("ehplmns", d.strings(&o.EHPLMNs)),
					yamlnode.Optional("pin1", func(n *yaml.Node, p string) error {
						o.PIN1 = &PIN1{}
						return d.Mapping(n, p,
							yamlnode.Required("code", d.Str(&o.PIN1.Code)),
							yamlnode.Optional("enabled", d.bool(&o.PIN1.Enabled)))
					}))
				nw.Operators = append(nw.Operators, o)
				return err
			})
		}),
		yamlnode.Optional("roaming", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				var a Agreement
				err := d.Mapping(n, p,
					yamlnode.Required("home", d.Str(&a.Home)),
					yamlnode.Required("visited", d.Str(&a.Visited)))
				nw.Roaming = append(nw.Roaming, a)
				return err
			})
		}),
		yamlnode.Required("cells", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				var c Cell
				var tac, cellID int
				err := d.Mapping(n, p,
					yamlnode.Required("area", d.Str(&c.Area)),
					yamlnode.Required("operator", d.Str(&c.Operator)),
					yamlnode.Optional("plmn", d.Str(&c.PLMN)),
					// RSRP reporting range, TS 36.133 §9.1.4: -140..-44 dBm.
					yamlnode.Required("rsrp", d.int(&c.RSRP, -140, -44)),
					yamlnode.Optional("tac", d.tac(&tac)),
					// E-UTRAN cell identity is 28 bits (TS 36.331).
					yamlnode.Optional("cell_id", d.int(&cellID, 1, 0x0FFFFFFF)))
				c.TAC, c.CellID = uint16(tac), uint32(cellID)
				nw.Cells = append(nw.Cells, c)
				return err
			})
		}),
	)
}

func (d *decoder) device(n *yaml.Node, path string, dv *Device) error {
	return d.Mapping(n, path,
		yamlnode.Required("eid", d.Str(&dv.EID)),
		yamlnode.Optional("personality", d.Str(&dv.Personality)),
		yamlnode.Required("check_interval", d.duration(&dv.CheckInterval)),
		yamlnode.Optional("free_nvm", d.freeNVM(&dv.FreeNVM)),
		yamlnode.Optional("attach_wait", d.positiveDuration(&dv.AttachWait)),
		yamlnode.Optional("backoff", func(n *yaml.Node, p string) error {
			return d.Mapping(n, p,
				yamlnode.Optional("first", d.int(&dv.Backoff.First, 1, applet.MaxBackoffPeriods)),
				yamlnode.Optional("max", d.int(&dv.Backoff.Max, 1, applet.MaxBackoffPeriods)))
		}),
		yamlnode.Optional("rat", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				var r RATRule
				err := d.Mapping(n, p,
					yamlnode.Required("ppr", d.strings(&r.PPR)),
					yamlnode.Required("operators", func(n *yaml.Node, p string) error {
						return d.Sequence(n, p, func(n *yaml.Node, p string) error {
							o, err := d.ratOperator(n, p)
							r.Operators = append(r.Operators, o)
							return err
						})
					}),
					yamlnode.Optional("consent", d.bool(&r.Consent)))
				dv.RAT = append(dv.RAT, r)
				return err
			})
		}),
		yamlnode.Optional("notifications", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				var nt Notification
				err := d.Mapping(n, p,
					yamlnode.Required("seq", d.int(&nt.Seq, 1, MaxNotificationSeq)),
					yamlnode.Required("event", d.Str(&nt.Event)),
					yamlnode.Required("iccid", d.Str(&nt.ICCID)),
					yamlnode.Required("address", d.Str(&nt.Address)))
				dv.Notifications = append(dv.Notifications, nt)
				return err
			})
		}),
		yamlnode.Required("profiles", func(n *yaml.Node, p string) error {
			return d.Sequence(n, p, func(n *yaml.Node, p string) error {
				var pr Profile
				err := d.Mapping(n, p,
					yamlnode.Required("iccid", d.Str(&pr.ICCID)),
					yamlnode.Required("operator", d.Str(&pr.Operator)),
					yamlnode.Optional("imsi", d.Str(&pr.IMSI)),
					yamlnode.Optional("msisdn", d.Str(&pr.MSISDN)),
					yamlnode.Optional("enabled", d.bool(&pr.Enabled)))
				dv.Profiles = append(dv.Profiles, pr)
				return err
			})
		}),
	)
}

// ratOperator decodes an allowed operator of a RAT rule: its MCC+MNC
// alone ("20810"), or {plmn, gid1, gid2}.
func (d *decoder) ratOperator(n *yaml.Node, path string) (RATOperator, error) {
	var o RATOperator
	if n.Kind == yaml.ScalarNode {
		return o, d.Str(&o.PLMN)(n, path)
	}
	err := d.Mapping(n, path,
		yamlnode.Required("plmn", d.Str(&o.PLMN)),
		yamlnode.Optional("gid1", d.Str(&o.GID1)),
		yamlnode.Optional("gid2", d.Str(&o.GID2)))
	return o, err
}

func (d *decoder) platform(n *yaml.Node, path string, pl *Platform) error {
	return d.Mapping(n, path,
		yamlnode.Optional("order_by", d.Str(&pl.OrderBy)),
		yamlnode.Optional("tls", d.bool(&pl.TLS)),
		yamlnode.Optional("eligibility", func(n *yaml.Node, p string) error {
			return d.Mapping(n, p,
				yamlnode.Optional("allow_eids", d.strings(&pl.Eligibility.AllowEIDs)),
				yamlnode.Optional("quota_per_day", d.int(&pl.Eligibility.QuotaPerDay, 0, 1<<20)))
		}),
		yamlnode.Optional("preferred", func(n *yaml.Node, p string) error {
			if err := d.Kind(n, p, yaml.MappingNode, "a mapping of country to operator ids"); err != nil {
				return err
			}
			pl.Preferred = map[string][]string{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				country, err := d.Scalar(k, p, "a country code")
				if err != nil {
					return err
				}
				cp := yamlnode.Join(p, country)
				if _, dup := pl.Preferred[country]; dup {
					return d.ErrAt(k, cp, "duplicate country")
				}
				d.Remember(cp, v)
				var ids []string
				if err := d.strings(&ids)(v, cp); err != nil {
					return err
				}
				pl.Preferred[country] = ids
			}
			return nil
		}),
	)
}

// faultKinds is the one-line summary of the fault keys, for errors.
const faultKinds = "platform: unreachable|no_ack|garbled|slow|status, smdp: slow, attach_reject: <cause>, attach: no_service|timeout, download: <fault>, power_cut: <event kind>|at, at_port: hang, card: absent, coverage: lost"

// fault decodes one fault; its kind is given by which kind key it holds.
func (d *decoder) fault(n *yaml.Node, path string) (Fault, error) {
	var f Fault
	var platform, smdp, download, attach, cut, port, card, coverage string
	cause, tac := -1, 0
	err := d.Mapping(n, path,
		yamlnode.Optional("platform", d.Str(&platform)),
		yamlnode.Optional("smdp", d.Str(&smdp)),
		yamlnode.Optional("function", d.Str(&f.Function)),
		yamlnode.Optional("download", d.Str(&download)),
		yamlnode.Optional("attach_reject", d.int(&cause, 1, 255)),
		yamlnode.Optional("tac", d.tac(&tac)),
		yamlnode.Optional("attach", d.Str(&attach)),
		yamlnode.Optional("power_cut", d.Str(&cut)),
		yamlnode.Optional("at_port", d.Str(&port)),
		yamlnode.Optional("card", d.Str(&card)),
		yamlnode.Optional("coverage", d.Str(&coverage)),
		yamlnode.Optional("operator", d.Str(&f.Operator)),
		yamlnode.Optional("subscriber", d.Str(&f.Subscriber)),
		yamlnode.Optional("attempt", d.attempt(&f.Attempt)),
		yamlnode.Optional("from", d.duration(&f.From)),
		yamlnode.Optional("until", d.duration(&f.Until)),
		yamlnode.Optional("nth", d.int(&f.Nth, 1, 1000)),
		yamlnode.Optional("actor", d.Str(&f.Actor)),
		yamlnode.Optional("off", d.duration(&f.Off)),
		yamlnode.Optional("delay", d.duration(&f.Delay)),
		yamlnode.Optional("code", d.int(&f.Code, math.MinInt32, math.MaxInt32)),
		yamlnode.Optional("path", d.Str(&f.Path)),
	)
	if err != nil {
		return f, err
	}
	// given reports whether the entry holds key: a kind key with an empty
	// value is still that kind, and only some kinds take some keys.
	given := func(key string) bool { return d.Node(yamlnode.Join(path, key)) != nil }
	kinds := 0
	for _, k := range []string{"platform", "smdp", "attach_reject", "attach", "download", "power_cut", "at_port", "card", "coverage"} {
		if given(k) {
			kinds++
		}
	}
	// optional checks a key that names an operator and may be left out,
	// leaving it out meaning all of them (every network, note or
	// subscriber): given empty, it is a name forgotten, not "all" —
	// refused alike for every such key.
	optional := func(key, value, what, whenOut string) error {
		if given(key) && value == "" {
			return d.ErrPath(yamlnode.Join(path, key), "empty: name %s, or leave %s out for %s", what, key, whenOut)
		}
		return nil
	}
	refuse := func(kind string, keys ...string) error {
		for _, k := range keys {
			if given(k) {
				return d.ErrPath(yamlnode.Join(path, k), "does not apply to %s faults", kind)
			}
		}
		return nil
	}
	// slowDelay checks a slow server's delay (platform: slow, smdp: slow).
	slowDelay := func(kind string) error {
		switch {
		case !given("delay"):
			return d.Missing(n, yamlnode.Join(path, "delay"), kind+" holds each answer for delay")
		case f.Delay <= 0 || f.Delay > MaxPlatformDelay:
			return d.ErrPath(yamlnode.Join(path, "delay"), "%v: want more than 0s and at most %v", f.Delay, MaxPlatformDelay)
		case f.Delay == CardReplyGuard:
			return d.ErrPath(yamlnode.Join(path, "delay"), "%v is the card's reply guard to the instant: whether the answer or the card's timeout comes first is a tie; give a delay on either side of it", f.Delay)
		}
		return nil
	}
	switch {
	case kinds > 1:
		return f, d.ErrAt(n, path, "one fault per entry: give one of platform, smdp, attach_reject, attach, download, power_cut, at_port, card, coverage")
	case given("platform"):
		switch platform {
		case "unreachable":
			f.Kind = PlatformUnreachable
		case "no_ack":
			f.Kind = PlatformNoAck
		case "garbled":
			f.Kind = PlatformGarbled
		case "slow":
			f.Kind = PlatformSlow
		case "status":
			f.Kind = PlatformStatus
		default:
			return f, d.ErrPath(yamlnode.Join(path, "platform"), "unknown platform fault %q (known: unreachable, no_ack, garbled, slow, status)", platform)
		}
		// A refused connection happens before the platform knows what a
		// request is about: unreachable cannot be limited to an operator.
		// Nor can garbled, slow and status: a list request names no
		// operator (status can be limited to a route, path).
		if f.Kind == PlatformUnreachable && given("operator") {
			return f, d.ErrPath(yamlnode.Join(path, "operator"), "platform: unreachable refuses every connection and cannot be limited to an operator (no_ack can)")
		}
		if f.Kind == PlatformStatus && given("operator") {
			return f, d.ErrPath(yamlnode.Join(path, "operator"), "platform: status hits every card request and cannot be limited to an operator (a list request names none; path limits it to a route)")
		}
		if f.Kind != PlatformNoAck && given("operator") {
			return f, d.ErrPath(yamlnode.Join(path, "operator"), "platform: %s hits every card request and cannot be limited to an operator (a list request names none; no_ack can)", platform)
		}
		if err := optional("operator", f.Operator, "the operator whose notifications go unacknowledged", "every notification"); err != nil {
			return f, err
		}
		if f.Kind == PlatformSlow {
			if err := slowDelay("platform: slow"); err != nil {
				return f, err
			}
		}
		if f.Kind == PlatformStatus {
			switch {
			case !given("code"):
				return f, d.Missing(n, yamlnode.Join(path, "code"), "platform: status answers with code")
			case f.Code < MinPlatformStatus || f.Code > MaxPlatformStatus:
				return f, d.ErrPath(yamlnode.Join(path, "code"), "%d: want %d-%d", f.Code, MinPlatformStatus, MaxPlatformStatus)
			case given("path") && !contains(CardPaths, f.Path):
				return f, d.ErrPath(yamlnode.Join(path, "path"), "%q is no card route: want one of %s, or leave path out (every card request)", f.Path, strings.Join(CardPaths, ", "))
			}
		}
		if given("attempt") {
			return f, d.ErrPath(yamlnode.Join(path, "attempt"), "does not apply to platform faults (attempts count attaches and downloads)")
		}
		if err := refuse("platform", "nth", "actor", "off", "subscriber"); err != nil {
			return f, err
		}
	case given("smdp"):
		if smdp != "slow" {
			return f, d.ErrPath(yamlnode.Join(path, "smdp"), "unknown SM-DP+ fault %q (known: slow)", smdp)
		}
		f.Kind = SMDPSlow
		if f.Operator == "" {
			return f, d.Missing(n, yamlnode.Join(path, "operator"), "smdp: slow holds the answers of that operator's SM-DP+")
		}
		if err := slowDelay("smdp: slow"); err != nil {
			return f, err
		}
		if given("function") && !contains(ES9Functions, f.Function) {
			return f, d.ErrPath(yamlnode.Join(path, "function"), "%q is no ES9+ function: want one of %s, or leave function out (every one)", f.Function, strings.Join(ES9Functions, ", "))
		}
		if err := refuse("smdp", "subscriber", "attempt", "nth", "actor", "off"); err != nil {
			return f, err
		}
	case given("download"):
		known := false
		for _, k := range DownloadFaults {
			known = known || k == download
		}
		if !known {
			return f, d.ErrPath(yamlnode.Join(path, "download"), "unknown download fault %q (known: %s)", download, strings.Join(DownloadFaults, ", "))
		}
		f.Kind, f.Name = Download, download
		if f.Operator == "" {
			return f, d.Missing(n, yamlnode.Join(path, "operator"), "")
		}
		if given("subscriber") {
			return f, d.ErrPath(yamlnode.Join(path, "subscriber"), "does not apply to download faults: a download is always for this device's card")
		}
		if err := refuse("download", "nth", "actor", "off"); err != nil {
			return f, err
		}
	case given("attach_reject") || given("attach"):
		switch {
		case cause >= 0:
			f.Kind, f.Cause, f.TAC = AttachReject, cause, uint16(tac)
		case attach == "no_service":
			f.Kind = AttachNoService
		case attach == "timeout":
			f.Kind = AttachTimeout
		default:
			return f, d.ErrPath(yamlnode.Join(path, "attach"), "unknown attach fault %q (known: no_service, timeout; rejects are attach_reject: <cause>)", attach)
		}
		if f.Operator == "" {
			return f, d.Missing(n, yamlnode.Join(path, "operator"), "")
		}
		if err := optional("subscriber", f.Subscriber, "the operator whose subscribers fail", "every subscriber"); err != nil {
			return f, err
		}
		if err := refuse("attach", "nth", "actor", "off"); err != nil {
			return f, err
		}
	case given("power_cut") && cut == PowerCutAt:
		// A cut at a time: from says when, off how long.
		f.Kind, f.Event = PowerCut, cut
		if !given("from") {
			return f, d.Missing(n, yamlnode.Join(path, "from"), "power_cut: at cuts the power at from")
		}
		if f.From <= 0 {
			return f, d.ErrPath(yamlnode.Join(path, "from"), "%v: want a time after the start (the device powers on at 0s)", f.From)
		}
		if !given("off") {
			f.Off = DefaultPowerOff
		}
		if f.Off <= 0 || f.Off > MaxPowerOff {
			return f, d.ErrPath(yamlnode.Join(path, "off"), "%v: want more than 0s and at most %v", f.Off, MaxPowerOff)
		}
		if err := refuse("power_cut: at", "operator", "attempt", "until", "subscriber", "nth", "actor"); err != nil {
			return f, err
		}
	case given("power_cut"):
		f.Kind, f.Event = PowerCut, cut
		pt, ok := powerCutPoint(cut)
		if !ok {
			return f, d.ErrPath(yamlnode.Join(path, "power_cut"), "unknown power-cut point %q (known: %s, or at with from)", cut, strings.Join(PowerCutPoints, ", "))
		}
		if given("actor") && f.Actor == "" {
			return f, d.ErrPath(yamlnode.Join(path, "actor"), "empty: give one of %s, or leave actor out (any of them)", strings.Join(pt.Actors, ", "))
		}
		if f.Actor != "" && !contains(pt.Actors, f.Actor) {
			return f, d.ErrPath(yamlnode.Join(path, "actor"), "%q never logs %s (logged by: %s)", f.Actor, cut, strings.Join(pt.Actors, ", "))
		}
		if f.Nth == 0 {
			f.Nth = 1
		}
		if !given("off") {
			f.Off = DefaultPowerOff
		}
		if f.Off <= 0 || f.Off > MaxPowerOff {
			return f, d.ErrPath(yamlnode.Join(path, "off"), "%v: want more than 0s and at most %v", f.Off, MaxPowerOff)
		}
		if err := refuse("power_cut", "operator", "attempt", "from", "until", "subscriber"); err != nil {
			return f, err
		}
	case given("at_port"):
		if port != "hang" {
			return f, d.ErrPath(yamlnode.Join(path, "at_port"), "unknown AT port fault %q (known: hang)", port)
		}
		f.Kind = ATPortHang
		if err := refuse("at_port", "operator", "subscriber", "attempt", "nth", "actor", "off"); err != nil {
			return f, err
		}
	case given("card"):
		if card != "absent" {
			return f, d.ErrPath(yamlnode.Join(path, "card"), "unknown card fault %q (known: absent)", card)
		}
		f.Kind = CardAbsent
		if err := refuse("card", "operator", "subscriber", "attempt", "nth", "actor", "off"); err != nil {
			return f, err
		}
	case given("coverage"):
		if coverage != "lost" {
			return f, d.ErrPath(yamlnode.Join(path, "coverage"), "unknown coverage fault %q (known: lost)", coverage)
		}
		f.Kind = CoverageLost
		// With an operator: that network's outage (its cells gone, the
		// others still there); without: a dead zone, every network gone.
		if err := refuse("coverage", "subscriber", "attempt", "nth", "actor", "off"); err != nil {
			return f, err
		}
		if err := optional("operator", f.Operator, "the operator whose network is out", "a dead zone (every network)"); err != nil {
			return f, err
		}
	default:
		return f, d.ErrAt(n, path, "unknown fault kind: want one of %s", faultKinds)
	}
	if given("tac") && f.Kind != AttachReject {
		return f, d.ErrPath(yamlnode.Join(path, "tac"), "applies only to attach_reject faults (a tracking area refused)")
	}
	if given("delay") && f.Kind != PlatformSlow && f.Kind != SMDPSlow {
		return f, d.ErrPath(yamlnode.Join(path, "delay"), "applies only to platform: slow and smdp: slow faults")
	}
	if given("function") && f.Kind != SMDPSlow {
		return f, d.ErrPath(yamlnode.Join(path, "function"), "applies only to smdp: slow faults")
	}
	for _, k := range []string{"code", "path"} {
		if given(k) && f.Kind != PlatformStatus {
			return f, d.ErrPath(yamlnode.Join(path, k), "applies only to platform: status faults")
		}
	}
	// An until given as 0s is a window that closes before it opens, not
	// the open end that leaving until out means.
	if given("until") && f.Until <= f.From {
		return f, d.ErrPath(yamlnode.Join(path, "until"), "%v is not after from %v", f.Until, f.From)
	}
	return f, nil
}

// attempt decodes a 1-based attach attempt number. Attempts count from 1;
// an explicit 0 would silently mean "every attempt", which is what leaving
// attempt out says, so it gets its own message.
func (d *decoder) attempt(dst *int) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		if n.Kind == yaml.ScalarNode && n.Value == "0" {
			return d.ErrAt(n, path, "attempts count from 1; omit attempt to fail every attempt")
		}
		return d.int(dst, 1, 1000)(n, path)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// signal decodes one entry of the signal plan.
func (d *decoder) signal(n *yaml.Node, path string) (SignalChange, error) {
	var c SignalChange
	err := d.Mapping(n, path,
		yamlnode.Required("at", d.duration(&c.At)),
		yamlnode.Required("area", d.Str(&c.Area)),
		yamlnode.Required("operator", d.Str(&c.Operator)),
		// RSRP reporting range, TS 36.133 §9.1.4, as for cells.
		yamlnode.Required("rsrp", d.int(&c.RSRP, -140, -44)))
	return c, err
}

func (d *decoder) expect(n *yaml.Node, path string, e *Expect) error {
	return d.Mapping(n, path,
		yamlnode.Optional("attempts", d.strings(&e.Attempts)),
		yamlnode.Optional("final", func(n *yaml.Node, p string) error {
			e.Final = &Final{}
			return d.Mapping(n, p,
				yamlnode.Required("registration", d.Str(&e.Final.Registration)),
				yamlnode.Optional("operator", d.Str(&e.Final.Operator)),
				yamlnode.Optional("plmn", d.Str(&e.Final.PLMN)))
		}),
		yamlnode.Optional("last_attach", func(n *yaml.Node, p string) error {
			e.LastAttach = &LastAttach{}
			return d.Mapping(n, p,
				yamlnode.Required("operator", d.Str(&e.LastAttach.Operator)),
				yamlnode.Required("registration", d.Str(&e.LastAttach.Registration)))
		}),
		yamlnode.Optional("notifications", d.strings(&e.Notifications)),
		yamlnode.Optional("list_requests", func(n *yaml.Node, p string) error {
			e.ListRequests = new(int)
			return d.int(e.ListRequests, 0, 1<<20)(n, p)
		}),
		yamlnode.Optional("duplicates", func(n *yaml.Node, p string) error {
			e.Duplicates = new(int)
			return d.int(e.Duplicates, 0, 1<<20)(n, p)
		}),
		yamlnode.Optional("within", d.positiveDuration(&e.Within)),
	)
}
