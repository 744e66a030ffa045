package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// maxFileSize bounds a scenario file; scenarios are small by nature.
const maxFileSize = 1 << 20

// Load reads, parses and validates the scenario file at path.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	return Parse(path, data)
}

// Parse parses and validates a scenario; name is used in error messages.
// Errors are of type *Error.
func Parse(name string, data []byte) (s *Scenario, err error) {
	d := &decoder{file: name, pos: map[string]*yaml.Node{}}
	if len(data) > maxFileSize {
		return nil, d.errAt(nil, "", "file is %d bytes, at most %d", len(data), maxFileSize)
	}
	var doc, next yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := decode(dec, &doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, d.syntaxError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, d.errAt(nil, "", "empty scenario")
	}
	// yaml.Unmarshal would read the first document and drop the rest
	// without a word: a second one is refused where it starts.
	switch err := decode(dec, &next); {
	case err == nil:
		return nil, d.errAt(&next, "", "a second YAML document starts here: one scenario per file")
	case !errors.Is(err, io.EOF):
		return nil, d.syntaxError(err)
	}
	s = &Scenario{File: name}
	if err := d.scenario(doc.Content[0], s); err != nil {
		return nil, err
	}
	if err := d.validate(s); err != nil {
		return nil, err
	}
	return s, nil
}

// decode reads the next document and shields the caller from a panic
// inside the YAML parser: bad input must give an error, never crash the
// harness.
func decode(dec *yaml.Decoder, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failure: %v", r)
		}
	}()
	return dec.Decode(doc)
}

// yamlLine matches the parser's "yaml: line N: message" errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a YAML parser error into an *Error with its line.
func (d *decoder) syntaxError(err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	return &Error{File: d.file, Line: line, Col: 1, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

func (d *decoder) scenario(n *yaml.Node, s *Scenario) error {
	return d.mapping(n, "",
		field{"name", true, d.str(&s.Name)},
		field{"seed", false, d.int64(&s.Seed)},
		field{"network", true, func(n *yaml.Node, p string) error { return d.network(n, p, &s.Network) }},
		field{"device", true, func(n *yaml.Node, p string) error { return d.device(n, p, &s.Device) }},
		field{"platform", false, func(n *yaml.Node, p string) error { return d.platform(n, p, &s.Platform) }},
		field{"itinerary", true, func(n *yaml.Node, p string) error {
			return d.sequence(n, p, func(n *yaml.Node, p string) error {
				var st Stop
				err := d.mapping(n, p,
					field{"at", true, d.duration(&st.At)},
					field{"area", true, d.str(&st.Area)})
				s.Itinerary = append(s.Itinerary, st)
				return err
			})
		}},
		field{"signal", false, func(n *yaml.Node, p string) error {
			return d.sequence(n, p, func(n *yaml.Node, p string) error {
				c, err := d.signal(n, p)
				s.Signal = append(s.Signal, c)
				return err
			})
		}},
		field{"faults", false, func(n *yaml.Node, p string) error {
			return d.sequence(n, p, func(n *yaml.Node, p string) error {
				f, err := d.fault(n, p)
				s.Faults = append(s.Faults, f)
				return err
			})
		}},
		field{"expect", false, func(n *yaml.Node, p string) error { return d.expect(n, p, &s.Expect) }},
	)
}

func (d *decoder) network(n *yaml.Node, path string, nw *Network) error {
	return d.mapping(n, path,
		field{"operators", true, func(n *yaml.Node, p string) error {
			return d.sequence(n, p, func(n *yaml.Node, p string) error {
				var o Operator
				err := d.mapping(n, p,
					field{"id", true, d.str(&o.ID)},
					field{"plmn", true, d.str(&o.PLMN)},
					field{"country", true, d.str(&o.Country)},
					field{"name", false, d.str(&o.Name)},
					field{"tariff", false, d.float(&o.Tariff)},
					field{"smdp", false, d.str(&o.SMDP)},
					field{"ppr", false, d.strings(&o.PPR)})
				nw.Operators = append(nw.Operators, o)
				return err
			})
		}},
		field{"roaming", false, func(n *yaml.Node, p string) error {
			return d.sequence(n, p, func(n *yaml.Node, p string) error {
				var a Agreement
				err := d.mapping(n, p,
					field{"home", true, d.str(&a.Home)},
					field{"visited", true, d.str(&a.Visited)})
				nw.Roaming = append(nw.Roaming, a)
				return err
			})
		}},
		field{"cells", true, func(n *yaml.Node, p string) error {
			return d.sequence(n, p, func(n *yaml.Node, p string) error {
				var c Cell
				var tac, cellID int
				err := d.mapping(n, p,
					field{"area", true, d.str(&c.Area)},
					field{"operator", true, d.str(&c.Operator)},
					// RSRP reporting range, TS 36.133 §9.1.4: -140..-44 dBm.
					field{"rsrp", true, d.int(&c.RSRP, -140, -44)},
					field{"tac", false, d.int(&tac, 1, 0xFFFE)},
					// E-UTRAN cell identity is 28 bits (TS 36.331).
					field{"cell_id", false, d.int(&cellID, 1, 0x0FFFFFFF)})
				c.TAC, c.CellID = uint16(tac), uint32(cellID)
				nw.Cells = append(nw.Cells, c)
				return err
			})
		}},
	)
}

func (d *decoder) device(n *yaml.Node, path string, dv *Device) error {
	return d.mapping(n, path,
		field{"eid", true, d.str(&dv.EID)},
		field{"personality", false, d.str(&dv.Personality)},
		field{"check_interval", true, d.duration(&dv.CheckInterval)},
		field{"free_nvm", false, d.int(&dv.FreeNVM, 0, 1<<30)},
		field{"attach_wait", false, d.positiveDuration(&dv.AttachWait)},
		field{"backoff", false, func(n *yaml.Node, p string) error {
			return d.mapping(n, p,
				field{"first", false, d.int(&dv.Backoff.First, 1, 10000)},
				field{"max", false, d.int(&dv.Backoff.Max, 1, 10000)})
		}},
		field{"rat", false, func(n *yaml.Node, p string) error {
			return d.sequence(n, p, func(n *yaml.Node, p string) error {
				var r RATRule
				err := d.mapping(n, p,
					field{"ppr", true, d.strings(&r.PPR)},
					field{"operators", true, func(n *yaml.Node, p string) error {
						return d.sequence(n, p, func(n *yaml.Node, p string) error {
							o, err := d.ratOperator(n, p)
							r.Operators = append(r.Operators, o)
							return err
						})
					}},
					field{"consent", false, d.bool(&r.Consent)})
				dv.RAT = append(dv.RAT, r)
				return err
			})
		}},
		field{"profiles", true, func(n *yaml.Node, p string) error {
			return d.sequence(n, p, func(n *yaml.Node, p string) error {
				var pr Profile
				err := d.mapping(n, p,
					field{"iccid", true, d.str(&pr.ICCID)},
					field{"operator", true, d.str(&pr.Operator)},
					field{"imsi", false, d.str(&pr.IMSI)},
					field{"enabled", false, d.bool(&pr.Enabled)})
				dv.Profiles = append(dv.Profiles, pr)
				return err
			})
		}},
	)
}

// ratOperator decodes an allowed operator of a RAT rule: its MCC+MNC
// alone ("20810"), or {plmn, gid1, gid2}.
func (d *decoder) ratOperator(n *yaml.Node, path string) (RATOperator, error) {
	var o RATOperator
	if n.Kind == yaml.ScalarNode {
		return o, d.str(&o.PLMN)(n, path)
	}
	err := d.mapping(n, path,
		field{"plmn", true, d.str(&o.PLMN)},
		field{"gid1", false, d.str(&o.GID1)},
		field{"gid2", false, d.str(&o.GID2)})
	return o, err
}

func (d *decoder) platform(n *yaml.Node, path string, pl *Platform) error {
	return d.mapping(n, path,
		field{"order_by", false, d.str(&pl.OrderBy)},
		field{"tls", false, d.bool(&pl.TLS)},
		field{"eligibility", false, func(n *yaml.Node, p string) error {
			return d.mapping(n, p,
				field{"allow_eids", false, d.strings(&pl.Eligibility.AllowEIDs)},
				field{"quota_per_day", false, d.int(&pl.Eligibility.QuotaPerDay, 0, 1<<20)})
		}},
		field{"preferred", false, func(n *yaml.Node, p string) error {
			if err := d.kind(n, p, yaml.MappingNode, "a mapping of country to operator ids"); err != nil {
				return err
			}
			pl.Preferred = map[string][]string{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				country, err := d.scalar(k, p, "a country code")
				if err != nil {
					return err
				}
				cp := join(p, country)
				if _, dup := pl.Preferred[country]; dup {
					return d.errAt(k, cp, "duplicate country")
				}
				d.pos[cp] = v
				var ids []string
				if err := d.strings(&ids)(v, cp); err != nil {
					return err
				}
				pl.Preferred[country] = ids
			}
			return nil
		}},
	)
}

// faultKinds is the one-line summary of the fault keys, for errors.
const faultKinds = "platform: unreachable|no_ack, attach_reject: <cause>, attach: no_service|timeout, download: <fault>, power_cut: <event kind>"

// fault decodes one fault; its kind is given by which kind key it holds.
func (d *decoder) fault(n *yaml.Node, path string) (Fault, error) {
	var f Fault
	var platform, download, attach, cut string
	cause := -1
	err := d.mapping(n, path,
		field{"platform", false, d.str(&platform)},
		field{"download", false, d.str(&download)},
		field{"attach_reject", false, d.int(&cause, 1, 255)},
		field{"attach", false, d.str(&attach)},
		field{"power_cut", false, d.str(&cut)},
		field{"operator", false, d.str(&f.Operator)},
		field{"subscriber", false, d.str(&f.Subscriber)},
		field{"attempt", false, d.attempt(&f.Attempt)},
		field{"from", false, d.duration(&f.From)},
		field{"until", false, d.duration(&f.Until)},
		field{"nth", false, d.int(&f.Nth, 1, 1000)},
		field{"actor", false, d.str(&f.Actor)},
		field{"off", false, d.duration(&f.Off)},
	)
	if err != nil {
		return f, err
	}
	// given reports whether the entry holds key: a kind key with an empty
	// value is still that kind, and only some kinds take some keys.
	given := func(key string) bool { return d.pos[join(path, key)] != nil }
	kinds := 0
	for _, k := range []string{"platform", "attach_reject", "attach", "download", "power_cut"} {
		if given(k) {
			kinds++
		}
	}
	refuse := func(kind string, keys ...string) error {
		for _, k := range keys {
			if given(k) {
				return d.errPath(join(path, k), "does not apply to %s faults", kind)
			}
		}
		return nil
	}
	switch {
	case kinds > 1:
		return f, d.errAt(n, path, "one fault per entry: give one of platform, attach_reject, attach, download, power_cut")
	case given("platform"):
		switch platform {
		case "unreachable":
			f.Kind = PlatformUnreachable
		case "no_ack":
			f.Kind = PlatformNoAck
		default:
			return f, d.errPath(join(path, "platform"), "unknown platform fault %q (known: unreachable, no_ack)", platform)
		}
		// A refused connection happens before the platform knows what a
		// request is about: unreachable cannot be limited to an operator.
		if f.Kind == PlatformUnreachable && given("operator") {
			return f, d.errPath(join(path, "operator"), "platform: unreachable refuses every connection and cannot be limited to an operator (no_ack can)")
		}
		if given("attempt") {
			return f, d.errPath(join(path, "attempt"), "does not apply to platform faults (attempts count attaches and downloads)")
		}
		if err := refuse("platform", "nth", "actor", "off", "subscriber"); err != nil {
			return f, err
		}
	case given("download"):
		known := false
		for _, k := range DownloadFaults {
			known = known || k == download
		}
		if !known {
			return f, d.errPath(join(path, "download"), "unknown download fault %q (known: %s)", download, strings.Join(DownloadFaults, ", "))
		}
		f.Kind, f.Name = Download, download
		if f.Operator == "" {
			return f, d.errAt(n, join(path, "operator"), "required field missing")
		}
		if given("subscriber") {
			return f, d.errPath(join(path, "subscriber"), "does not apply to download faults: a download is always for this device's card")
		}
		if err := refuse("download", "nth", "actor", "off"); err != nil {
			return f, err
		}
	case given("attach_reject") || given("attach"):
		switch {
		case cause >= 0:
			f.Kind, f.Cause = AttachReject, cause
		case attach == "no_service":
			f.Kind = AttachNoService
		case attach == "timeout":
			f.Kind = AttachTimeout
		default:
			return f, d.errPath(join(path, "attach"), "unknown attach fault %q (known: no_service, timeout; rejects are attach_reject: <cause>)", attach)
		}
		if f.Operator == "" {
			return f, d.errAt(n, join(path, "operator"), "required field missing")
		}
		if err := refuse("attach", "nth", "actor", "off"); err != nil {
			return f, err
		}
	case given("power_cut"):
		f.Kind, f.Event = PowerCut, cut
		pt, ok := powerCutPoint(cut)
		if !ok {
			return f, d.errPath(join(path, "power_cut"), "unknown power-cut point %q (known: %s)", cut, strings.Join(PowerCutPoints, ", "))
		}
		if f.Actor != "" && !contains(pt.Actors, f.Actor) {
			return f, d.errPath(join(path, "actor"), "%q never logs %s (logged by: %s)", f.Actor, cut, strings.Join(pt.Actors, ", "))
		}
		if f.Nth == 0 {
			f.Nth = 1
		}
		if !given("off") {
			f.Off = DefaultPowerOff
		}
		if f.Off <= 0 || f.Off > MaxPowerOff {
			return f, d.errPath(join(path, "off"), "%v: want more than 0s and at most %v", f.Off, MaxPowerOff)
		}
		if err := refuse("power_cut", "operator", "attempt", "from", "until", "subscriber"); err != nil {
			return f, err
		}
	default:
		return f, d.errAt(n, path, "unknown fault kind: want one of %s", faultKinds)
	}
	if f.Until != 0 && f.Until <= f.From {
		return f, d.errPath(join(path, "until"), "%v is not after from %v", f.Until, f.From)
	}
	return f, nil
}

// attempt decodes a 1-based attach attempt number. Attempts count from 1;
// an explicit 0 would silently mean "every attempt", which is what leaving
// attempt out says, so it gets its own message.
func (d *decoder) attempt(dst *int) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		if n.Kind == yaml.ScalarNode && n.Value == "0" {
			return d.errAt(n, path, "attempts count from 1; omit attempt to fail every attempt")
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
	err := d.mapping(n, path,
		field{"at", true, d.duration(&c.At)},
		field{"area", true, d.str(&c.Area)},
		field{"operator", true, d.str(&c.Operator)},
		// RSRP reporting range, TS 36.133 §9.1.4, as for cells.
		field{"rsrp", true, d.int(&c.RSRP, -140, -44)})
	return c, err
}

func (d *decoder) expect(n *yaml.Node, path string, e *Expect) error {
	return d.mapping(n, path,
		field{"attempts", false, d.strings(&e.Attempts)},
		field{"final", false, func(n *yaml.Node, p string) error {
			e.Final = &Final{}
			return d.mapping(n, p,
				field{"registration", true, d.str(&e.Final.Registration)},
				field{"operator", false, d.str(&e.Final.Operator)},
				field{"plmn", false, d.str(&e.Final.PLMN)})
		}},
		field{"last_attach", false, func(n *yaml.Node, p string) error {
			e.LastAttach = &LastAttach{}
			return d.mapping(n, p,
				field{"operator", true, d.str(&e.LastAttach.Operator)},
				field{"registration", true, d.str(&e.LastAttach.Registration)})
		}},
		field{"notifications", false, d.strings(&e.Notifications)},
		field{"list_requests", false, func(n *yaml.Node, p string) error {
			e.ListRequests = new(int)
			return d.int(e.ListRequests, 0, 1<<20)(n, p)
		}},
		field{"within", false, d.positiveDuration(&e.Within)},
	)
}
