package discover

import (
	"errors"
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/lab"
)

// Proposal is what probing a port found: lab.Propose's rule, the one a
// lab run's dialect hint uses too.
type Proposal struct {
	Port string
	lab.Proposal
}

func (p Proposal) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "port        %s\n", p.Port)
	fmt.Fprintf(&b, "identity    %s\n", strings.Join(p.Identity, " | "))
	fmt.Fprintf(&b, "personality %s\n", p.Personality)
	for _, r := range p.Reasons {
		fmt.Fprintf(&b, "            - %s\n", r)
	}
	if p.ICCID != "" {
		fmt.Fprintf(&b, "iccid       %s\n", p.ICCID)
	}
	return b.String()
}

// Probe asks a port what it is and proposes a personality: a port that
// does not answer AT with OK is refused (lab.ErrNotAModem), one whose
// connection closes before it answers is not (lab.ErrPortClosed); then (with
// +CMEE=2, or 1, so a missing card says so) ATI,
// AT+CGMI and AT+CGMM are matched against each personality's identify
// patterns, and the ICCID commands settle it (the personality whose
// command reads the ICCID, preferring one the identity matched).
func Probe(c *atclient.Client) (Proposal, error) {
	pr := Proposal{Port: c.Port()}
	if err := lab.Check(c); err != nil {
		switch {
		case errors.Is(err, lab.ErrLateOK):
			return pr, fmt.Errorf("%w; refusing %s", err, c.Port())
		case errors.Is(err, lab.ErrPortClosed):
			// Not refused as no modem: nothing was heard to tell.
			return pr, fmt.Errorf("%w; %s not probed", err, c.Port())
		case atclient.Garbled(err), errors.Is(err, lab.ErrLineNoise):
			// Check's error says where the port's line settings are set.
			return pr, fmt.Errorf("%w; refusing %s", err, c.Port())
		}
		return pr, fmt.Errorf("%w; refusing %s (a GPS/NMEA, diagnostics or console port answers like this)", err, c.Port())
	}
	c.Command("ATE0") // an echo would only be noise; a modem without ATE0 still answers
	// Errors with their cause, so that a modem without its card says so
	// (+CME ERROR: 10) instead of a bare ERROR; numeric where verbose is
	// refused.
	if _, err := c.Command("AT+CMEE=2"); err != nil {
		c.Command("AT+CMEE=1")
	}
	c.ClearURCs() // what came before the probe is nobody's
	before, reopens, strays := len(c.Timeouts()), c.Reopens(), c.Strays()
	lp, err := lab.Propose(c, lab.Identify(c))
	pr.Proposal = lp
	if err != nil {
		return pr, err
	}
	// A port that went away during the probe answered part of it, or
	// none: the proposal is not the modem's (outside tester sw73: exit
	// 0, an empty identity and generic, the drop unmentioned).
	if perr := c.PortErr(); perr != nil {
		return pr, fmt.Errorf("%s: the port went away during the probe (%v): the proposal (%s) is not the modem's; probe it again once the port is back", c.Port(), perr, lp.Personality)
	}
	if n := c.Reopens() - reopens; n > 0 {
		return pr, fmt.Errorf("%s: the port dropped and came back %d time(s) during the probe: the proposal (%s) may mix two sessions' answers; probe it again", c.Port(), n, lp.Personality)
	}
	// A final result with no command pending may have shifted the
	// answers after it by one (outside tester sw128 F6: the same modem
	// proposed one way or the other from run to run).
	if n := c.Strays() - strays; n > 0 {
		return pr, fmt.Errorf("%s: the modem sent %d final result(s) with no command pending during the probe (a modem that sends OK twice?): an answer may have been taken for the next command's, and the proposal (%s) may be wrong; probe it again", c.Port(), n, lp.Personality)
	}
	// A modem too busy or slow for the probe's commands answers some of
	// them late or not at all: a proposal made without those answers
	// says nothing, and must not pass for one.
	if to := c.Timeouts()[before:]; len(to) > 0 {
		var what []string
		advice := "give the modem more time (--timeout)"
		for _, t := range to {
			what = append(what, t.String())
			if t.Noise > 0 {
				// Noise is a setting's, not slowness (outside tester
				// sw104: bytes of no text advised a longer timeout).
				advice = "check the port's speed and line settings (--baud, the serial server's) before giving the modem more time (--timeout)"
			}
		}
		return pr, fmt.Errorf("%s: %w: %s; the proposal (%s) may be wrong: %s", c.Port(), ErrUnanswered, strings.Join(what, "; "), lp.Personality, advice)
	}
	return pr, nil
}

// ErrUnanswered is wrapped by Probe's error when some of its commands got
// no answer in time (or were not sent, the modem answering nothing).
var ErrUnanswered = errors.New("the probe's commands were not all answered in time")
