package field

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/fieldlog"
)

// bootCommands are the host's commands among the URCs of the boot the
// logs open with (Facts.OpenBoot): the entries, in log li, after its first
// URC and before its last. A real module's boot goes on for seconds, and a
// host polling it (TinyGSM's AT until OK) talks to it meanwhile.
func (p *Plan) bootCommands() (li int, entries []int) {
	boot := p.Facts.OpenBoot
	if !p.PowerOn || len(boot) < 2 {
		return -1, nil
	}
	li = p.Fixture.LogIndex(p.Facts.PowerOn.Src.File)
	t := p.Fixture.Logs[li]
	for k := boot[0].Entry + 1; k < boot[len(boot)-1].Entry; k++ {
		if t.Entries[k].Role == fieldlog.Command {
			entries = append(entries, k)
		}
	}
	return li, entries
}

// assumeNoTimes says when the commands of log file, which opens with the
// boot and has no times, come: a warm-up after the power-on, those among
// the boot's URCs aside (bootAmongCommands says when).
func (p *Plan) assumeNoTimes(file string) {
	if _, among := p.bootCommands(); len(among) > 0 {
		p.assume("%s has no times: its commands after the boot come %v after the power-on (boot and first attach)", file, warmUp)
		return
	}
	p.assume("%s has no times: its first command comes %v after the power-on (boot and first attach)", file, warmUp)
}

// bootStep rounds the spread of a boot over the warm-up, so that the
// times the plan states read plainly.
const bootStep = 10 * time.Millisecond

// bootAmongCommands keeps the host's commands where the logs show them
// among the boot's URCs: the emulated modem sends its boot URCs all at
// once unless its dialect gives each a delay (boot_urc_delays), so the
// plan gives them the ones the log shows, or, in a log without times,
// the personality's, or the boot spread over the warm-up; and in a log
// without times it plays the commands midway between the URCs around
// them. The commands after the boot stay a warm-up after the power-on,
// or come a step after the boot's last URC when the personality's boot
// lasts longer. It runs once the steps are laid.
func (p *Plan) bootAmongCommands() {
	li, among := p.bootCommands()
	if len(among) == 0 {
		return
	}
	fs := p.Facts
	boot := fs.OpenBoot
	// Said beside the power-on, whose boot it is.
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	defer func() { p.Assumptions = slices.Insert(p.Assumptions, p.bootNotes, notes...) }()
	texts := make([]string, len(boot))
	for i, b := range boot {
		texts[i] = b.Text
	}
	if !slices.Equal(texts, p.Dialect.BootURCs) {
		return // a manifest's own boot_urcs: the log's boot is not the dialect's
	}
	t := p.Fixture.Logs[li]
	// gap[i] are the steps between boot URC i-1 and boot URC i.
	gap := make([][]int, len(boot))
	for j, s := range p.Steps {
		if s.Log != li || !slices.Contains(among, s.Entry) {
			continue
		}
		i := slices.IndexFunc(boot, func(b BootURC) bool { return b.Entry > s.Entry })
		gap[i] = append(gap[i], j)
	}
	var after []string // the boot's URCs after the host's first command
	for i, b := range boot {
		if b.Entry > among[0] {
			after = append(after, fmt.Sprintf("%s (%s)", texts[i], b.Src))
		}
	}
	var cmds []string
	for _, k := range among {
		cmds = append(cmds, Src{t.File, t.Entries[k].Line}.String())
	}
	note("the boot at %s goes on among the host's commands, as a module's boot goes on for seconds: %s follow the power-on in the order of %s's boot URCs, with the host's %s answered among them; the replay's modem sends them in that order around those commands",
		fs.PowerOn.Src, strings.Join(after, ", "), p.Dialect.Name, strings.Join(clipList(cmds, 6), ", "))
	delays := make([]time.Duration, len(boot))
	if t.Clock != fieldlog.NoTime {
		// The log's own times, from the power-on; a URC the log stamps
		// with the time of the command before it (a log to the second)
		// comes just after that command.
		for i := 1; i < len(boot); i++ {
			delays[i] = max(boot[i].At-fs.PowerOn.At, delays[i-1])
			for _, j := range gap[i] {
				if d := p.Steps[j].At - p.PowerOnAt; delays[i] <= d {
					delays[i] = d + time.Millisecond
				}
			}
		}
		p.Dialect.BootURCDelays = delays
		p.DialectYAML = fmt.Appendf(p.DialectYAML, "boot_urc_delays: %s\n", durList(delays))
		note("device.quirks.boot_urc_delays: %s — as long after the power-on as %s shows each", durList(delays), t.File)
		return
	}
	// A log without times: the boot's URCs in groups, each after a run
	// of the host's commands.
	runs := 0
	group := make([]int, len(boot))
	for i := range boot {
		if len(gap[i]) > 0 {
			runs++
		}
		group[i] = runs
	}
	step := (warmUp / time.Duration(runs+1)).Truncate(bootStep)
	own := p.Dialect.BootURCDelays
	usable := len(own) == len(boot)
	for i := range gap {
		usable = usable && (len(gap[i]) == 0 || own[i-1] < own[i])
	}
	if usable {
		copy(delays, own)
	} else {
		for i := range boot {
			delays[i] = time.Duration(group[i]) * step
		}
	}
	var played []string
	for i := range gap {
		for _, j := range gap[i] {
			p.Steps[j].At = p.PowerOnAt + (delays[i-1]+delays[i])/2
			played = append(played, fmt.Sprintf("%s at %v", p.Steps[j].Src, durString(p.Steps[j].At-p.PowerOnAt)))
		}
	}
	// The commands after the boot: a warm-up after the power-on as ever,
	// or a step after the boot's last URC when it comes later.
	last := boot[len(boot)-1].Entry
	shift := max(0, delays[len(delays)-1]+step-warmUp)
	for j, s := range p.Steps {
		switch {
		case s.Log != li:
		case strings.HasPrefix(s.Skip, preBootSkip):
			p.Steps[j].At = p.PowerOnAt // before the boot, whenever it was
		case s.Entry > last:
			p.Steps[j].At += shift
			p.End = max(p.End, p.Steps[j].At+tail)
		}
	}
	slices.SortStableFunc(p.Steps, func(a, b Step) int { return int(a.At - b.At) })
	how := fmt.Sprintf("%s has no times: the replay plays the host's commands among the boot's URCs midway between them (%s after the power-on)",
		t.File, strings.Join(clipList(played, 6), ", "))
	if shift > 0 {
		how += fmt.Sprintf(", and those after the boot %v after it, a step (%v) after its last URC", durString(warmUp+shift), durString(step))
	}
	if usable {
		note("the boot's URCs come as %s gives them (boot_urc_delays: %s); %s", p.Dialect.Name, durList(delays), how)
		return
	}
	p.Dialect.BootURCDelays = delays
	p.DialectYAML = fmt.Appendf(p.DialectYAML, "boot_urc_delays: %s\n", durList(delays))
	note("device.quirks.boot_urc_delays: %s — %s, and spreads the boot over the %v before the commands after it, a step of %v for each run of commands: %s gives no delays",
		durList(delays), how, warmUp, durString(step), p.Dialect.Name)
}

// durList writes durations as a YAML flow sequence: "[0s, 2.5s]".
func durList(ds []time.Duration) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = durString(d)
	}
	return "[" + strings.Join(out, ", ") + "]"
}
