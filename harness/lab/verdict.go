package lab

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ceregStat is <stat> of a +CEREG URC (27.007 §10.1.22), with or without
// the location after it.
var ceregStat = regexp.MustCompile(`^\+CEREG: (\d)(?:,|$)`)

// ceregNames are 27.007 §10.1.22's <stat> values.
var ceregNames = map[int]string{
	0: "not registered", 1: "registered, home", 2: "searching", 3: "registration denied",
	4: "unknown", 5: "registered, roaming",
}

// AfterEnable says why the card reads ICCID now where an enable of want
// answered ok, from the +CEREG URCs the modem reported after the enable:
// a network that denies the new profile (+CEREG: 3) makes the card fall
// back to the one before, and two ICCIDs alone do not say so.
func AfterEnable(want, now string, urcs []string) string {
	var regs []string
	denied := false
	for _, u := range urcs {
		m := ceregStat.FindStringSubmatch(u)
		if m == nil {
			continue
		}
		st, _ := strconv.Atoi(m[1])
		denied = denied || st == 3
		regs = append(regs, fmt.Sprintf("%s (%s)", u, ceregNames[st]))
	}
	seen := "the modem reported no registration (+CEREG) after the enable"
	if len(regs) > 0 {
		seen = "the modem reported after the enable: " + strings.Join(regs, ", ")
	}
	if denied {
		return fmt.Sprintf("EnableProfile(%s) answered ok, but the card is on %s: %s; the network denied registration on the new profile, and the card fell back", want, now, seen)
	}
	return fmt.Sprintf("EnableProfile(%s) answered ok, but the card is on %s: %s", want, now, seen)
}

// EnableOutcome is a clean-up's re-enable for the report: the ES10
// result's text when the call got one, "not done: <error>" when it did
// not (its result is then a zero value, which reads as ok).
func EnableOutcome(resultText string, err error) string {
	if err != nil {
		return "not done: " + err.Error()
	}
	return resultText
}
