package dialect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// imsiDigits is an IMSI: MCC (3 digits), MNC (2 or 3) and MSIN, not
// more than 15 digits in all (TS 23.003 §2.2), so at least 6.
var imsiDigits = regexp.MustCompile(`^\d{6,15}$`)

// ParseIMSI reads the IMSI from AT+CIMI's answer line. 27.007 §5.6 gives
// the bare digits; some module firmwares prefix them ("+CIMI: …") or
// quote them, as some print the ICCID.
func ParseIMSI(line string) (string, error) {
	v := strings.TrimSpace(line)
	if rest, ok := strings.CutPrefix(v, "+CIMI:"); ok {
		v = strings.TrimSpace(rest)
	}
	v = strings.Trim(v, `"`)
	if !imsiDigits.MatchString(v) {
		return "", fmt.Errorf("AT+CIMI answered %q: not an IMSI (6 to 15 digits, TS 23.003 §2.2)", line)
	}
	return v, nil
}

// copsFormats are +COPS <format> values (27.007 §7.3).
var copsFormats = map[int]string{0: "long alphanumeric", 1: "short alphanumeric", 2: "numeric"}

var copsRead = regexp.MustCompile(`^\+COPS: ([0-4])(?:,([0-9]),"([^"]*)"(?:,(\d+))?)?$`)

// COPS is a +COPS? answer: <mode>, and, when registered, <format>, <oper>
// and <AcT> (-1 when absent).
type COPS struct {
	Mode, Format int
	Oper         string
	AcT          int
}

// ParsePLMN reads +COPS? when the operator is given by number (the
// format AT+COPS=3,2 asks for) and returns it with the MCC and MNC as
// digits. A modem that ignored AT+COPS=3,2 and names the operator is told
// so: the number cannot be read from a name.
func ParsePLMN(line string) (COPS, error) {
	m := copsRead.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return COPS{}, fmt.Errorf("%q is no +COPS? answer (27.007 §7.3: +COPS: <mode>[,<format>,<oper>[,<AcT>]])", line)
	}
	c := COPS{AcT: -1}
	c.Mode, _ = strconv.Atoi(m[1])
	if m[2] == "" {
		return c, fmt.Errorf("%q: no operator: the modem is not registered", line)
	}
	c.Format, _ = strconv.Atoi(m[2])
	c.Oper = m[3]
	if m[4] != "" {
		c.AcT, _ = strconv.Atoi(m[4])
	}
	if c.Format != 2 {
		name := copsFormats[c.Format]
		if name == "" {
			name = "unknown"
		}
		return c, fmt.Errorf("%q names the operator in format %d (%s), not 2 (numeric): the modem ignored AT+COPS=3,2 (the set-up's; at.log says whether it was refused), so the PLMN cannot be read", line, c.Format, name)
	}
	if len(c.Oper) != 5 && len(c.Oper) != 6 || strings.Trim(c.Oper, "0123456789") != "" {
		return c, fmt.Errorf("%q: operator %q is no numeric PLMN (MCC and MNC, 5 or 6 digits)", line, c.Oper)
	}
	return c, nil
}
