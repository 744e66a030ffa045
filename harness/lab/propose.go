package lab

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/internal/personality"
)

// Proposal is the personality the one rule (Propose) finds for a modem,
// and why. esimhil lab discover --probe prints it; a lab run compares it
// with the personality it was given (dialectHint).
type Proposal struct {
	// Identity holds the answers to ATI, AT+CGMI and AT+CGMM.
	Identity []string
	// Personality is the proposed dialect; Reasons say why.
	Personality string
	Reasons     []string
	// ICCID is the card's, read with the proposed dialect's command (""
	// when no card answered).
	ICCID string
}

// Identify reads what a modem says it is: ATI, AT+CGMI, AT+CGMM, each
// line once (the known unprefixed URCs are taken out by the client).
func Identify(c *atclient.Client) []string {
	var out []string
	for _, cmd := range []string{"ATI", "AT+CGMI", "AT+CGMM"} {
		if rsp, err := c.Command(cmd); err == nil {
			for _, l := range rsp.Lines {
				if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
					out = append(out, l)
				}
			}
		}
	}
	return out
}

// Propose is the rule that picks a personality for a modem: its identity
// is matched against each personality's identify patterns, and the ICCID
// commands settle it — the first personality, identified ones first, then
// the plain ones (generic), then the rest, whose ICCID command reads the
// ICCID. The identity alone does not decide: a modem whose family the
// patterns name may still answer another dialect's ICCID form (a firmware
// whose AT+QCCID answers +CCID:), and the reasons then say so.
func Propose(c *atclient.Client, identity []string) (Proposal, error) {
	pr := Proposal{Identity: identity}
	text := strings.Join(identity, "\n")
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
	isMatched := func(p personality.Personality) bool {
		return slices.ContainsFunc(matched, func(q personality.Personality) bool { return q.Name == p.Name })
	}
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
	var passed []string
	for _, p := range order {
		err, done := tried[p.ICCIDCommand]
		if !done {
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
			if isMatched(p) && !noCard {
				passed = append(passed, fmt.Sprintf("the identity matches %s (%q), but its AT%s did not read the ICCID (%v)", p.Name, p.Identify, p.ICCIDCommand, err))
			}
			continue
		}
		pr.Personality = p.Name
		switch {
		case isMatched(p):
			pr.Reasons = append(pr.Reasons, fmt.Sprintf("the identity matches %s (%q)", p.Name, p.Identify))
		case len(passed) > 0:
			pr.Reasons = append(pr.Reasons, passed...)
			pr.Reasons = append(pr.Reasons, "proposing "+p.Name+", whose ICCID command does")
		default:
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
		pr.Reasons = append(pr.Reasons, fmt.Sprintf("the identity matches %s (%q); %s", matched[0].Name, matched[0].Identify, none))
		return pr, nil
	}
	pr.Personality = "generic"
	pr.Reasons = append(pr.Reasons, "no vendor pattern matches and "+none+"; start from generic and record a session (esimhil lab record)")
	return pr, nil
}
