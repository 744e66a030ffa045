package dialect

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/cscs"
	"github.com/esimhil/esimhil/internal/ident"
)

// IMSIOf reads the IMSI from AT+CIMI's answer line, false when it holds
// none. 27.007 §5.6 gives the bare digits; some module firmwares prefix
// them ("+CIMI: …") or quote them, as some print the ICCID. The lab specs
// and the field logs' reader both read it so.
func IMSIOf(line string) (string, bool) {
	v := strings.TrimSpace(line)
	if rest, ok := strings.CutPrefix(v, "+CIMI:"); ok {
		v = strings.TrimSpace(rest)
	}
	v = strings.Trim(v, `"`)
	return v, ident.IsIMSI(v) // MCC, MNC and MSIN: 6 to 15 digits (TS 23.003 §2.2)
}

// ParseIMSI is IMSIOf with an error that says what was answered.
func ParseIMSI(line string) (string, error) {
	v, ok := IMSIOf(line)
	if !ok {
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

// ReadCOPS reads a +COPS? answer's fields, whatever its format; false
// when the line is none. Registered or not is Format's business: -1
// without an operator.
func ReadCOPS(line string) (COPS, bool) {
	m := copsRead.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return COPS{}, false
	}
	c := COPS{Format: -1, AcT: -1}
	c.Mode, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		c.Format, _ = strconv.Atoi(m[2])
		c.Oper = m[3]
	}
	if m[4] != "" {
		c.AcT, _ = strconv.Atoi(m[4])
	}
	return c, true
}

// OperText is a +COPS <oper> name (format 0 or 1) as text, read in the
// TE character set the host set with +CSCS (27.007 §5.5; cscs): UCS2
// hex, or GSM default alphabet codes a byte each, the control bytes
// among them perhaps in the form a log (ours: fieldlog.Escape) shows
// them in, \xNN, <CR>, <LF> or <^Z> (fieldlog.Unescape). Under IRA, or a
// set not known (""), the name is taken as it stands: a modem that sends
// UTF-8 there sends text. In every set a V.250 string constant's escapes
// are read first (§5.4.2.2, at.UnescapeString: \22 is '"', \5C '\'), as
// the emulated modem writes a name that holds them; a '\' without two
// hex digits after it stays as sent. An error says the name is no string
// of that set.
func OperText(oper, cs string) (string, error) {
	switch strings.ToUpper(cs) {
	case cscs.GSM:
		codes, _ := at.UnescapeString(fieldlog.Unescape(oper))
		return cscs.Decode(cs, codes)
	case cscs.UCS2:
		return cscs.Decode(cs, oper)
	}
	text, _ := at.UnescapeString(oper)
	return text, nil
}

// ParsePLMN reads +COPS? when the operator is given by number (the
// format AT+COPS=3,2 asks for) and returns it with the MCC and MNC as
// digits. A modem that ignored AT+COPS=3,2 and names the operator is told
// so: the number cannot be read from a name.
func ParsePLMN(line string) (COPS, error) {
	c, ok := ReadCOPS(line)
	if !ok {
		return COPS{}, fmt.Errorf("%q is no +COPS? answer (27.007 §7.3: +COPS: <mode>[,<format>,<oper>[,<AcT>]])", line)
	}
	if c.Format < 0 {
		return c, fmt.Errorf("%q: no operator: the modem is not registered", line)
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
