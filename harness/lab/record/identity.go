package record

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// Identity is the modem's identity a recording holds: the +CGMM answer's
// line, or why it holds none.
type Identity struct {
	Text string // "" when the recording holds none
	Line int    // its line in at.log (1-based); 0 with none
	// Missing says why Text is "": no AT+CGMM, or an answer with no
	// plausible identity in it (an echo, a URC, noise, NO CARRIER).
	Missing string
}

// identityCommand is the command whose answer names the modem.
const identityCommand = "AT+CGMM"

// IdentityOf finds the modem's identity in a conversation in at.log
// form: the first AT+CGMM whose answer holds one (identityLine). Lab
// record's manifest and lab personality's draft both take it from here,
// so that neither takes a line that is not the modem's for its name
// (outside tester sw128 F3: the echo, a +CEREG URC, NO CARRIER and the
// client's "<overlong line dropped>" were each saved as identity:, drafted
// as model: and served by emulate as ATI's answer).
func IdentityOf(lines []string) Identity {
	ex := parse(lines, func(s string) string { return s })
	first := ""
	for i, e := range ex {
		if e.raw[0] != '>' || !strings.EqualFold(strings.TrimSpace(e.raw[1:]), identityCommand) {
			continue
		}
		l, why := identityLine(ex, i)
		if why == "" {
			return Identity{Text: strings.TrimSpace(l.raw[1:]), Line: l.line}
		}
		if first == "" {
			first = fmt.Sprintf("the %s at at.log:%d: %s", identityCommand, e.line, why)
		}
	}
	if first == "" {
		return Identity{Missing: "the script does not send " + identityCommand}
	}
	return Identity{Missing: first}
}

// identityLine returns the line of the answer to the command at ex[i]
// that names the modem, or why there is none ("" when there is one). It
// is the one information-text line of an answer ended by OK, once lines
// that cannot be it are set aside: an echo of a command, a URC the
// dialects know (by its name, not the command's own) or a boot or power
// URC or RING (fieldlog's one list), an NMEA sentence, a V.250 result code, a +NAME or ^NAME
// with no colon, a line with no letter or digit, the client's
// placeholder for an overlong line, and a line with noise (at.log writes
// its bytes escaped: `\x00`, which match nothing a modem says).
func identityLine(ex []exchange, i int) (exchange, string) {
	cmd := strings.TrimSpace(ex[i].raw[1:])
	var candidates []exchange
	var rejected []string
	for k := i + 1; k < len(ex) && ex[k].raw[0] == '<'; k++ {
		t := strings.TrimSpace(ex[k].raw[1:])
		if r := at.Classify(t); r.Kind.IsFinal() {
			if r.Kind != at.FinalOK {
				return exchange{}, fmt.Sprintf("answered %s, not OK", t)
			}
			switch {
			case len(candidates) == 1:
				return candidates[0], ""
			case len(candidates) > 1:
				var qs []string
				for _, c := range candidates {
					qs = append(qs, fmt.Sprintf("%q", strings.TrimSpace(c.raw[1:])))
				}
				return exchange{}, fmt.Sprintf("its answer has %d lines that could each be the model (%s): which is not told", len(candidates), strings.Join(qs, ", "))
			case len(rejected) == 0:
				return exchange{}, "its answer has no line before OK"
			}
			return exchange{}, "its answer has no line that can be the model: " + strings.Join(rejected, "; ")
		}
		if why := notIdentity(t, cmd); why != "" {
			rejected = append(rejected, fmt.Sprintf("%q %s", t, why))
			continue
		}
		candidates = append(candidates, ex[k])
	}
	return exchange{}, "its answer has no final result (cut off, or the recording ended)"
}

// notIdentity says why the information line t of cmd's answer cannot be
// the modem's identity, or "" when it can.
func notIdentity(t, cmd string) string {
	upper := strings.ToUpper(t)
	switch {
	case t == atclient.OverlongLine:
		return "is the client's placeholder for a line over the bound, not the modem's text"
	case strings.EqualFold(t, cmd) || strings.HasPrefix(upper, "AT") && (len(t) == 2 || !isAlnum(upper[2])):
		return "is the echo of a command"
	case fieldlog.Escaped(t) || strings.IndexFunc(t, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "has noise bytes in it"
	case atclient.NMEASentence(t):
		// A GPS stream sharing the port (re-tester t145 F1).
		return "is an NMEA sentence (a GPS stream on the port), not the modem's answer"
	case fieldlog.ModemURC(t) && !strings.HasPrefix(upper, strings.TrimPrefix(strings.ToUpper(cmd), "AT")+":"):
		return "is an unsolicited result code"
	case upper == "CONNECT" || strings.HasPrefix(upper, "CONNECT "):
		// V.250 §5.7.1 result code 1: a data call's, never a name.
		return "is a V.250 result code"
	case (t[0] == '+' || t[0] == '^') && !strings.Contains(t, ":"):
		// A 27.007 or vendor name with no answer after it: an echo
		// that lost its AT, or a URC (+PACSP1, ^SYSSTART), not a model.
		return "is a +NAME or ^NAME with no colon: a command's name or a URC, not a model"
	case strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0:
		return "has no letter or digit"
	}
	return ""
}

func isAlnum(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' }
