package at

// numericResults are the basic result codes by their V0 (numeric) form,
// ITU-T V.250 §5.7.1 table 1; 5 and 9 are no V.250 result codes.
var numericResults = [...]string{0: "OK", 1: "CONNECT", 2: "RING", 3: "NO CARRIER", 4: "ERROR", 6: "NO DIALTONE", 7: "BUSY", 8: "NO ANSWER"}

// NumericResult is the verbose text of a line that is a result code in
// V0 form ("0" is OK); ok is false for any other line. The caller knows
// whether the modem is in V0: a bare digit may be information text too.
func NumericResult(line string) (verbose string, ok bool) {
	if len(line) != 1 || !isDigit(line[0]) || int(line[0]-'0') >= len(numericResults) {
		return "", false
	}
	v := numericResults[line[0]-'0']
	return v, v != ""
}

// Modes are the settings that shape what a modem writes back: whether it
// echoes command lines (E) and whether its result codes are verbose (V).
type Modes struct {
	Echo    bool // E1: command lines echoed
	Verbose bool // V1: result codes as text framed by CR LF
}

// DefaultModes are E1 V1, the factory settings ATZ and AT&F restore
// (V.250 §6.2.4, §6.2.6).
func DefaultModes() Modes { return Modes{Echo: true, Verbose: true} }

// After is m once command line has run: E and V take their value (a
// missing one is 0, V.250 §5.3.1), Z and &F restore DefaultModes. A line
// Parse refuses leaves m as it was; a value other than 0 and 1 stops the
// line there, as a modem stops at the command it refuses.
func (m Modes) After(line string) Modes {
	cmds, err := Parse(line)
	if err != nil {
		return m
	}
	for _, c := range cmds {
		switch c.Name {
		case "Z", "&F":
			m = DefaultModes()
		case "E", "V":
			v := 0
			switch c.Form {
			case Exec:
			case Set:
				if v, err = c.Args[0].Int(); err != nil || v > 1 {
					return m
				}
			default: // ATE? reads the setting
				continue
			}
			if c.Name == "E" {
				m.Echo = v == 1
			} else {
				m.Verbose = v == 1
			}
		}
	}
	return m
}

// SetsVerbose reports what command line sets V to: ATV1, ATZ and AT&F
// verbose, ATV0 (ATE0V0, ATV) numeric; ok is false for a line that leaves
// V alone.
func SetsVerbose(line string) (verbose, ok bool) {
	from1, from0 := Modes{Verbose: true}.After(line).Verbose, Modes{}.After(line).Verbose
	return from1, from1 == from0
}
