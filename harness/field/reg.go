package field

import (
	"slices"
	"strings"
)

// The registration lines of TS 27.007 — +CEREG (§10.1.22), +CREG (§7.2),
// +CGREG (§10.1.20) and +C5GREG — read once, here, for every
// reader in the package. A URC is
//
//	+CEREG: <stat>[,[<tac>],[<ci>],[<AcT>][,<cause_type>,<reject_cause>][,[<Active-Time>],[<Periodic-TAU>]]]
//
// and a read answer the same after <n>: "+CEREG: <n>,<stat>[,...]". The
// two are ambiguous by their fields ("+CEREG: 1,2" is a read answer, or
// a URC nobody writes), so the caller says which it expects: it knows
// whether the line answers a read command.

// regDomain is the domain a registration line reports.
type regDomain int

const (
	regEPS regDomain = iota // +CEREG
	regCS                   // +CREG
	regPS                   // +CGREG
	reg5GS                  // +C5GREG
)

// regNames are the registration commands, in regDomain's order.
var regNames = [...]string{regEPS: "+CEREG", regCS: "+CREG", regPS: "+CGREG", reg5GS: "+C5GREG"}

// regLoc is how a registration line gives what follows <stat>.
type regLoc int

const (
	locNone   regLoc = iota // nothing: <stat> alone
	locQuoted               // 27.007's quoted hex <tac>/<lac>,<ci>, then what the domain's form allows
	// locEmpty: the location's fields there and empty, as a u-blox
	// SARA-R4 without a cell writes n=4's "+CEREG: 2,,,,,,,,", or empty
	// strings ("+CEREG: 2,"",""); what follows them empty, digits or a
	// quoted bit string.
	locEmpty
	// locOdd: a location not in 27.007's quoted hex — unquoted, decimal,
	// spaced ("+CREG: 1, 1A2B, 01A2B3C4"; two or three such fields, then
	// digits) — in +CEREG, +CREG and +CGREG.
	locOdd
	locBad // anything else after <stat>: no form the reader knows
)

// regLine is one registration line as a log writes it.
type regLine struct {
	Name   string // "+CEREG", "+CREG", "+CGREG" or "+C5GREG"
	Domain regDomain
	Read   bool   // the read answer's form, <n> before <stat>
	N      int    // <n>; -1 in a URC
	Stat   string // <stat> as written: one or two digits
	Loc    regLoc
	// TAC (<lac> in CS and PS) and CI as written without their quotes,
	// AcT, CauseType and Cause as written: set only with locQuoted.
	TAC, CI          string
	AcT              string
	RAC              string // +CGREG's <rac>, quotes off
	CauseType, Cause string
	// PSM: the line gives the PSM timers its network gave (+CEREG n=4
	// or 5), one-byte bit strings of TS 24.008, Active and TAU.
	PSM         bool
	Active, TAU string
	// Rest is all after <stat> as written, from its comma: an odd
	// location's evidence.
	Rest string
}

// regName is the registration command a line is of ("+CEREG" for
// "+CEREG: 1"), or "" when it is none's.
func regName(text string) string {
	if d, ok := regDomainOf(text); ok {
		return regNames[d]
	}
	return ""
}

// regDomainOf is the domain of the registration command a line is of;
// ok false when it is none's.
func regDomainOf(text string) (regDomain, bool) {
	for d, n := range regNames {
		if len(text) > len(n)+1 && text[:len(n)] == n && text[len(n)] == ':' && text[len(n)+1] == ' ' {
			return regDomain(d), true
		}
	}
	return 0, false
}

// parseReg reads a registration line, in the read answer's form when read
// is set, the URC's otherwise. ok is false when it is not a registration
// line of that form at all: no command's name and one space, or no <n>
// (one digit) or <stat> (one or two) where the form has them; Loc says
// how what follows reads. In a URC, what reads as an odd location but is
// a read answer in 27.007's form ("+CEREG: 2,1,\"1A2B\",\"01A2B3C4\"") is
// no odd location: locBad.
func parseReg(text string, read bool) (regLine, bool) {
	d, isReg := regDomainOf(text)
	if !isReg {
		return regLine{}, false
	}
	name := regNames[d]
	r := regLine{Name: name, Domain: d, Read: read, N: -1}
	body := text[len(name)+2:]
	if read {
		n, after, found := strings.Cut(body, ",")
		if !found || len(n) != 1 || !digits(n) {
			return regLine{}, false
		}
		r.N, body = int(n[0]-'0'), after
	}
	stat, _, more := strings.Cut(body, ",")
	if len(stat) < 1 || len(stat) > 2 || !digits(stat) {
		return regLine{}, false
	}
	r.Stat, r.Rest = stat, body[len(stat):]
	if !more {
		return r, true // locNone
	}
	rest := strings.Split(r.Rest[1:], ",")
	switch {
	case r.quoted(rest):
		r.Loc = locQuoted
	case emptyLoc(rest):
		r.Loc = locEmpty
	case r.Domain != reg5GS && oddLoc(rest) && (read || !strictRead(text)):
		r.Loc = locOdd
	default:
		r.Loc = locBad
	}
	return r, true
}

// strictRead says text is a read answer in 27.007's form, its location
// quoted or none.
func strictRead(text string) bool {
	r, ok := parseReg(text, true)
	return ok && (r.Loc == locNone || r.Loc == locQuoted)
}

// quoted reads rest, the fields after <stat>, as the domain's form with a
// location in quoted hex, and sets r's fields from it when it is one.
func (r *regLine) quoted(rest []string) bool {
	if len(rest) < 2 || !quotedHex(rest[0]) || !quotedHex(rest[1]) {
		return false
	}
	tac, ci, t := rest[0][1:len(rest[0])-1], rest[1][1:len(rest[1])-1], rest[2:]
	switch r.Domain {
	case regCS, regPS:
		// <AcT> alone is given when its comma is; n=3 adds the cause
		// pair after it, which may be empty then ("+CREG: 3,"3a9b",
		// "0000c33d",7,0,15"). +CGREG has its <rac> (one byte, quoted
		// hex, or empty) between them: §10.1.20.
		var act, rac, cause []string
		switch n := len(t); {
		case n == 0:
		case n == 1 && t[0] != "":
			act = t
		case n == 3 && r.Domain == regCS:
			act, cause = t[:1], t[1:]
		case n == 2 && r.Domain == regPS:
			act, rac = t[:1], t[1:]
		case n == 4 && r.Domain == regPS:
			act, rac, cause = t[:1], t[1:2], t[2:]
		default:
			return false
		}
		for _, f := range slices.Concat(act, cause) {
			if !digits(f) {
				return false
			}
		}
		if rac != nil && rac[0] != "" && !quotedHex(rac[0]) {
			return false
		}
		if act != nil {
			r.AcT = act[0]
		}
		if rac != nil {
			r.RAC = strings.Trim(rac[0], `"`)
		}
		if cause != nil {
			r.CauseType, r.Cause = cause[0], cause[1]
		}
	case regEPS:
		// Which fields follow the location is told by their count, each
		// may be empty: <AcT>; the cause pair (a modem of 27.007 before
		// Release 7 has no <AcT> field: reg_no_act); both; the cause
		// pair and the PSM timers n=4 and 5 add, <Active-Time> and
		// <Periodic-TAU> (one-byte bit strings of TS 24.008); all three
		// (an nRF91's "+CEREG: 1,"0A2B","01A2B3C4",7,,,"11100000","11100000"",
		// its cause fields empty without a denial: outside tester sw115).
		var act, cause, psm []string
		switch len(t) {
		case 0:
		case 1:
			act = t
		case 2:
			cause = t
		case 3:
			act, cause = t[:1], t[1:]
		case 4:
			cause, psm = t[:2], t[2:]
		case 5:
			act, cause, psm = t[:1], t[1:3], t[3:]
		default:
			return false
		}
		for _, f := range slices.Concat(act, cause) {
			if !digits(f) {
				return false
			}
		}
		for _, f := range psm {
			// Each timer may be left out (27.007 §10.1.22's
			// [<Active-Time>],[<Periodic-TAU>]): a network that gives
			// no T3324 leaves the first empty.
			if f != "" && !bitString(f) {
				return false
			}
		}
		if act != nil {
			r.AcT = act[0]
		}
		if cause != nil {
			r.CauseType, r.Cause = cause[0], cause[1]
		}
		if psm != nil && psm[0]+psm[1] != "" {
			r.PSM, r.Active, r.TAU = true, strings.Trim(psm[0], `"`), strings.Trim(psm[1], `"`)
		}
	case reg5GS:
		// Its <AcT> at most is read: no reader takes its slices.
		if len(t) > 0 && t[0] != "" && digits(t[0]) {
			r.AcT = t[0]
		}
	}
	r.TAC, r.CI = tac, ci
	return true
}

// emptyLoc says rest, the fields after <stat>, give the location's two
// fields empty, and after them fields empty, of digits or quoted bits.
// An empty location field may be an empty string too ("+CEREG: 2,"",""):
// 27.007 types <tac>/<lac> and <ci> as strings, and a modem with no cell
// may write them empty rather than leave them out.
func emptyLoc(rest []string) bool {
	empty := func(f string) bool { return f == "" || f == `""` }
	if len(rest) < 2 || !empty(rest[0]) || !empty(rest[1]) {
		return false
	}
	for _, f := range rest[2:] {
		if !digits(f) && !bitString(f) {
			return false
		}
	}
	return true
}

// oddLoc says rest, the fields after <stat>, give a location in a form of
// its own: two or three fields of hex digits, each quoted or not (a quote
// on one side alone too), spaces around them, then fields of digits or
// empty, spaces before them. A line ends with no space after a field
// that is not empty.
func oddLoc(rest []string) bool {
	field := func(i int) string {
		f := strings.TrimLeft(rest[i], " ")
		if i < len(rest)-1 {
			f = strings.TrimRight(f, " ")
		}
		return f
	}
	loc := func(i int) bool {
		f := field(i)
		f = strings.TrimPrefix(f, `"`)
		f = strings.TrimSuffix(f, `"`)
		return f != "" && hexDigits(f)
	}
	tail := func(from int) bool {
		for i := from; i < len(rest); i++ {
			if !digits(field(i)) {
				return false
			}
		}
		return true
	}
	if len(rest) < 2 || !loc(0) || !loc(1) {
		return false
	}
	return tail(2) || len(rest) > 2 && loc(2) && tail(3)
}

// digits says s is ASCII digits or empty.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hexDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// quotedHex is "<hex>", one digit at least.
func quotedHex(f string) bool {
	return len(f) > 2 && f[0] == '"' && f[len(f)-1] == '"' && hexDigits(f[1:len(f)-1])
}

// bitString is a quoted bit string, "11100000", empty too.
func bitString(f string) bool {
	if len(f) < 2 || f[0] != '"' || f[len(f)-1] != '"' {
		return false
	}
	return strings.Trim(f[1:len(f)-1], "01") == ""
}

// anyReg reads a line in whichever form it is in: a URC's, else a read
// answer's (for a reader that does not know whether a read asked for it).
func anyReg(text string) (regLine, bool) {
	if r, ok := parseReg(text, false); ok && r.Loc != locBad {
		return r, true
	}
	r, ok := parseReg(text, true)
	return r, ok && r.Loc != locBad
}

// regOtherAcT is the <AcT> of a +CEREG, +CREG or +CGREG line that shows
// a location in 27.007's form, when it is not E-UTRAN's 7.
func regOtherAcT(text string) (string, bool) {
	r, ok := anyReg(text)
	return r.AcT, ok && r.Domain != reg5GS && r.Loc == locQuoted && r.AcT != "" && r.AcT != "7"
}

// regShortCI is the two-byte <ci> (four hex digits at most) of a +CREG
// or +CGREG line that shows a location in 27.007's form: a GERAN cell's
// identity, 16 bits (TS 23.003 §4.3.1), which 27.007 §7.2 once gave as
// "two byte cell ID in hexadecimal format". (+CEREG's <ci> is E-UTRAN's
// four bytes by definition, §10.1.22: a short one there is no GERAN cell.)
func regShortCI(text string) (string, bool) {
	r, ok := anyReg(text)
	return r.CI, ok && (r.Domain == regCS || r.Domain == regPS) && r.Loc == locQuoted && len(r.CI) <= 4
}
