package at

import "strings"

// InfoName is the command name an information line carries: "+CPIN" of
// "+CPIN: READY" (TS 27.007 §4.1: "+<name>: <values>"), "^SIMST" of a
// vendor's, "+CCHC" of a line that is the name alone. ok is false for a
// line that starts with no name (an IMSI, "OK").
func InfoName(line string) (name string, ok bool) {
	if line == "" || strings.IndexByte(extPrefix, line[0]) < 0 {
		return "", false
	}
	name, _, _ = strings.Cut(line, ":")
	name = strings.TrimRight(name, " ")
	if len(name) < 2 {
		return "", false
	}
	for i := 1; i < len(name); i++ {
		if !isNameChar(name[i]) {
			return "", false
		}
	}
	return name, true
}

// Unnamed reports a command whose information text carries no name: the
// identification commands of V.250 §6.1.3–6.1.6 (I, +GMI, +GMM, +GMR,
// +GSN) and of TS 27.007 §5 (+CGMI, +CGMM, +CGMR, +CGSN, +CIMI).
func Unnamed(name string) bool {
	switch name {
	case "I", "+GMI", "+GMM", "+GMR", "+GSN", "+CGMI", "+CGMM", "+CGMR", "+CGSN", "+CIMI":
		return true
	}
	return false
}
