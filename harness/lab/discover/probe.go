package discover

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/internal/personality"
)

// Proposal is what probing a port found.
type Proposal struct {
	Port string
	// Identity holds the answers to ATI, AT+CGMI and AT+CGMM.
	Identity []string
	// Personality is the proposed dialect; Reasons say why.
	Personality string
	Reasons     []string
	// ICCID is the card's, read with the proposed dialect's command (""
	// when no card answered).
	ICCID string
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
// does not answer AT with OK is refused (lab.ErrNotAModem); then (with
// +CMEE=2, or 1, so a missing card says so) ATI,
// AT+CGMI and AT+CGMM are matched against each personality's identify
// patterns, and the ICCID commands settle it (the personality whose
// command reads the ICCID, preferring one the identity matched).
func Probe(c *atclient.Client) (Proposal, error) {
	pr := Proposal{Port: c.Port()}
	if err := lab.Check(c); err != nil {
		return pr, fmt.Errorf("%w; refusing %s (a GPS/NMEA, diagnostics or console port answers like this)", err, c.Port())
	}
	c.Command("ATE0") // an echo would only be noise; a modem without ATE0 still answers
	// Errors with their cause, so that a modem without its card says so
	// (+CME ERROR: 10) instead of a bare ERROR; numeric where verbose is
	// refused.
	if _, err := c.Command("AT+CMEE=2"); err != nil {
		c.Command("AT+CMEE=1")
	}
	for _, cmd := range []string{"ATI", "AT+CGMI", "AT+CGMM"} {
		if rsp, err := c.Command(cmd); err == nil {
			for _, l := range rsp.Lines {
				if l = strings.TrimSpace(l); l != "" && !slices.Contains(pr.Identity, l) {
					pr.Identity = append(pr.Identity, l)
				}
			}
		}
	}
	text := strings.Join(pr.Identity, "\n")
	all, err := personality.All()
	if err != nil {
		return pr, err
	}
	var matched []personality.Personality
	for _, p := range all {
		if p.Identifies(text) {
			matched = append(matched, p)
		}
	}
	// Identified dialects first, then the plain ones (no identify
	// patterns: generic), then the rest.
	order := append([]personality.Personality(nil), matched...)
	for _, p := range all {
		if len(p.Identify) == 0 && !slices.ContainsFunc(order, func(q personality.Personality) bool { return q.Name == p.Name }) {
			order = append(order, p)
		}
	}
	for _, p := range all {
		if !slices.ContainsFunc(order, func(q personality.Personality) bool { return q.Name == p.Name }) {
			order = append(order, p)
		}
	}
	tried := map[string]error{}
	noCard := false // an ICCID command answered SIM not inserted
	for _, p := range order {
		err, done := tried[p.ICCIDCommand]
		if !done {
			c.ClearURCs()
			var id string
			id, err = dialect.Host{AT: c, P: p}.ICCID()
			tried[p.ICCIDCommand] = err
			if err == nil {
				pr.ICCID = id
			}
			var cme *atclient.CMEError
			if errors.As(err, &cme) && cme.Code == 10 {
				// Said once a command, not once a personality that has it.
				noCard = true
				pr.Reasons = append(pr.Reasons, fmt.Sprintf("AT%s: SIM not inserted; the ICCID command cannot confirm the dialect", p.ICCIDCommand))
			}
		}
		if err != nil {
			continue
		}
		pr.Personality = p.Name
		if slices.ContainsFunc(matched, func(q personality.Personality) bool { return q.Name == p.Name }) {
			pr.Reasons = append(pr.Reasons, fmt.Sprintf("the identity matches %q", p.Identify))
		} else {
			pr.Reasons = append(pr.Reasons, "no vendor pattern matches the identity")
		}
		pr.Reasons = append(pr.Reasons, fmt.Sprintf("AT%s reads the ICCID (answer %q)", p.ICCIDCommand, strings.TrimSpace(p.ICCIDPrefix)))
		return pr, nil
	}
	none := "no ICCID command answered"
	if noCard {
		none = "no ICCID command answered, the modem finds no card: insert (or power) the card and probe again to confirm the dialect"
	}
	if len(matched) > 0 {
		pr.Personality = matched[0].Name
		pr.Reasons = append(pr.Reasons, fmt.Sprintf("the identity matches %q; %s", matched[0].Identify, none))
		return pr, nil
	}
	pr.Personality = "generic"
	pr.Reasons = append(pr.Reasons, "no vendor pattern matches and "+none+"; start from generic and record a session (esimhil lab record)")
	return pr, nil
}
