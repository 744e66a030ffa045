package scenario

import (
	"errors"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/internal/proto/saip"
	"github.com/esimhil/esimhil/internal/yamlnode"
)

// Error is a problem in a scenario file, located by line, column and field path.
type Error = yamlnode.Error

// decoder is the shared YAML walker, with the scenario's own value
// decoders as methods.
type decoder struct{ *yamlnode.Decoder }

func newDecoder(file string) *decoder {
	// "duplicate field" is the scenario's word since its first release.
	return &decoder{&yamlnode.Decoder{File: file, Duplicate: "duplicate field"}}
}

// ParseInt reads an integer as a scenario file's integer fields take it:
// decimal (a leading 0 is no octal: "010" is ten), or hex 0x… and octal
// 0o… as YAML writes them, signed. The CLI's --seed reads the same, so a
// seed copied from a file means what it meant there.
func ParseInt(v string) (int64, error) {
	base := 10
	if l := strings.ToLower(strings.TrimLeft(v, "+-")); strings.HasPrefix(l, "0x") || strings.HasPrefix(l, "0o") {
		base = 0
	}
	return strconv.ParseInt(v, base, 64)
}

func (d *decoder) integer(n *yaml.Node, path string, lo, hi int64) (int64, error) {
	v, err := d.Scalar(n, path, "an integer")
	if err != nil {
		return 0, err
	}
	i, perr := ParseInt(v)
	if errors.Is(perr, strconv.ErrRange) {
		return 0, d.ErrAt(n, path, "%s out of range %d..%d", v, lo, hi)
	}
	if perr != nil || n.ShortTag() != "!!int" {
		return 0, d.ErrAt(n, path, "want an integer, got %q", v)
	}
	if i < lo || i > hi {
		return 0, d.ErrAt(n, path, "%d out of range %d..%d", i, lo, hi)
	}
	return i, nil
}

func (d *decoder) int64(dst *int64) yamlnode.Func {
	return func(n *yaml.Node, path string) (err error) {
		*dst, err = d.integer(n, path, -1<<63, 1<<63-1)
		return err
	}
}

func (d *decoder) int(dst *int, lo, hi int) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		v, err := d.integer(n, path, int64(lo), int64(hi))
		*dst = int(v)
		return err
	}
}

// tac reads a tracking area code (a cell's, an attach_reject's): 16 bits
// but for two reserved values (TS 23.003 §19.4.2.3). 0x0000 is below the
// range; 0xFFFE marks a deleted TAI (TS 24.301 §9.9.3.32, as EF EPSLOCI
// keeps it: saip.TACDeleted), which no cell broadcasts. 0xFFFF is a TAC
// like another.
func (d *decoder) tac(dst *int) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		v, err := d.integer(n, path, 1, 0xFFFF)
		if err == nil && v == 0xFFFE {
			err = d.ErrAt(n, path, "0xfffe is a reserved TAC, a deleted TAI's (TS 23.003 §19.4.2.3, TS 24.301 §9.9.3.32): no cell broadcasts it; give 1..0xfffd or 0xffff")
		}
		*dst = int(v)
		return err
	}
}

// freeNVM reads device.free_nvm, bytes. 0 is refused rather than taken as
// the card's default, as a full card was meant (outside tester sw80: a
// "full card" ran on an empty one and passed).
func (d *decoder) freeNVM(dst *int) yamlnode.Func {
	read := d.int(dst, 0, 1<<30)
	return func(n *yaml.Node, path string) error {
		if err := read(n, path); err != nil {
			return err
		}
		if *dst == 0 {
			return d.ErrAt(n, path, "0 bytes is no card's free memory: for a full card give fewer than a profile package takes (2048 is), for the card's default (256 KiB) leave the field out")
		}
		return nil
	}
}

func (d *decoder) float(dst *float64) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		v, err := d.Scalar(n, path, "a number")
		if err != nil {
			return err
		}
		f, perr := strconv.ParseFloat(v, 64)
		if t := n.ShortTag(); perr != nil || (t != "!!int" && t != "!!float") || f < 0 || f != f {
			return d.ErrAt(n, path, "want a non-negative number, got %q", v)
		}
		*dst = f
		return nil
	}
}

func (d *decoder) bool(dst *bool) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		v, err := d.Scalar(n, path, "true or false")
		if err != nil {
			return err
		}
		switch {
		case n.ShortTag() == "!!bool" && strings.EqualFold(v, "true"):
			*dst = true
		case n.ShortTag() == "!!bool" && strings.EqualFold(v, "false"):
			*dst = false
		default:
			return d.ErrAt(n, path, "want true or false, got %q", v)
		}
		return nil
	}
}

// duration decodes a Go duration such as 90s, 5m or 1h30m; it may not be negative.
func (d *decoder) duration(dst *time.Duration) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		t, err := yamlnode.Duration(n)
		switch {
		case t < 0 || errors.Is(err, yamlnode.ErrDurationRange) && strings.HasPrefix(n.Value, "-"):
			return d.ErrAt(n, path, "%s is negative: times count from the start of the run and lengths are positive", n.Value)
		case errors.Is(err, yamlnode.ErrDurationRange):
			return d.ErrAt(n, path, "%s is too long for any field (a run lasts at most %v)", n.Value, MaxHorizon)
		case err != nil:
			return d.ErrAt(n, path, "%v", err)
		}
		*dst = t
		return nil
	}
}

// positiveDuration is duration for a field whose absence picks a default:
// an explicit 0 would read as absent, so it is refused instead.
func (d *decoder) positiveDuration(dst *time.Duration) yamlnode.Func {
	dur := d.duration(dst)
	return func(n *yaml.Node, path string) error {
		if err := dur(n, path); err != nil {
			return err
		}
		if *dst == 0 {
			return d.ErrAt(n, path, "0 is not a length of time (leave the field out for the default)")
		}
		return nil
	}
}

// hplmnSearch reads an operator's hplmn_search: off (or 0) for no search,
// else a period EF HPPLMN can code (saip.HPPLMNOf: n × 6 min, 6m to 8h).
func (d *decoder) hplmnSearch(dst **time.Duration) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && n.Value == "off" {
			*dst = new(time.Duration(0))
			return nil
		}
		beyond := func() error {
			return d.ErrAt(n, path, "%s is beyond 8h, the longest period EF HPPLMN codes (TS 31.102 §4.2.6)", n.Value)
		}
		t, err := yamlnode.Duration(n)
		switch {
		case t < 0 || errors.Is(err, yamlnode.ErrDurationRange) && strings.HasPrefix(n.Value, "-"):
			return d.ErrAt(n, path, "%s is negative: want off, or a period of 6m to 8h in steps of 6m (EF HPPLMN, TS 31.102 §4.2.6)", n.Value)
		case errors.Is(err, yamlnode.ErrDurationRange):
			return beyond()
		case err != nil && n.ShortTag() == "!!int":
			return d.ErrAt(n, path, "%s has no unit: write minutes or hours, such as %sm (6m to 8h in steps of 6m), or off", n.Value, n.Value)
		case err != nil:
			return d.ErrAt(n, path, "want off or a duration such as 2h (6m to 8h in steps of 6m), got %s", yamlnode.Describe(n))
		}
		if _, err := saip.HPPLMNOf(t); err != nil {
			switch {
			case t%saip.HPPLMNStep != 0:
				return d.ErrAt(n, path, "%s is not a multiple of 6m: EF HPPLMN codes the period in steps of 6 minutes (TS 31.102 §4.2.6)", n.Value)
			default:
				return beyond()
			}
		}
		*dst = &t
		return nil
	}
}

func (d *decoder) strings(dst *[]string) yamlnode.Func {
	return func(n *yaml.Node, path string) error {
		out := []string{} // present but empty is not the same as absent
		err := d.Sequence(n, path, func(c *yaml.Node, p string) error {
			var s string
			if err := d.Str(&s)(c, p); err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
		*dst = out
		return err
	}
}
