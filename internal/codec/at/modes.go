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
// echoes command lines (E) and whether its result codes are verbose (V),
// and the profile AT&W stored, which ATZ loads.
type Modes struct {
	Echo    bool // E1: command lines echoed
	Verbose bool // V1: result codes as text framed by CR LF

	// stored says AT&W saved a profile in this log: storedEcho and
	// storedVerbose are then what ATZ loads (V.250 §6.1.1); without one ATZ
	// loads the factory settings, as AT&F does. A log that starts after an
	// AT&W of an earlier session cannot know it: it reads as factory.
	stored                    bool
	storedEcho, storedVerbose bool
}

// DefaultModes are E1 V1, the factory settings AT&F restores (V.250
// §6.2.4, §6.2.6), and ATZ while no AT&W has stored others.
func DefaultModes() Modes { return Modes{Echo: true, Verbose: true} }

// After is m once command line has run: E and V take their value (a
// missing one is 0, V.250 §5.3.1), &W stores them, Z loads what &W stored
// (the factory settings if nothing was), &F the factory settings. A line
// Parse refuses leaves m as it was; a value other than 0 and 1 stops the
// line there, as a modem stops at the command it refuses.
func (m Modes) After(line string) Modes {
	cmds, err := Parse(line)
	if err != nil {
		return m
	}
	return m.after(cmds)
}

// after is After for a line Parse read: one that callers asking several
// questions of (ResultForm.Run) parse once, as a line may hold thousands
// of commands.
func (m Modes) after(cmds []Command) Modes {
	for _, c := range cmds {
		switch c.Name {
		case "&F":
			m.Echo, m.Verbose = true, true
		case "Z":
			m.Echo, m.Verbose = true, true
			if m.stored {
				m.Echo, m.Verbose = m.storedEcho, m.storedVerbose
			}
		case "&W":
			m.stored, m.storedEcho, m.storedVerbose = true, m.Echo, m.Verbose
		case "E", "V":
			v := 0
			switch c.Form {
			case Exec:
			case Set:
				var err error
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

// SetsVerbose reports what command line sets V to: ATV1, AT&F and ATZ
// (with no stored profile) verbose, ATV0 (ATE0V0, ATV) numeric; ok is
// false for a line that leaves V alone.
func SetsVerbose(line string) (verbose, ok bool) { return DefaultModes().SetsVerbose(line) }

// SetsVerbose is the package's SetsVerbose for a modem in m: ATZ sets V to
// what m's AT&W stored.
func (m Modes) SetsVerbose(line string) (verbose, ok bool) {
	cmds, _ := Parse(line) // a line Parse refuses runs no command
	return m.setsVerbose(cmds)
}

// setsVerbose is SetsVerbose for a line Parse read.
func (m Modes) setsVerbose(cmds []Command) (verbose, ok bool) {
	on, off := m, m
	on.Verbose, off.Verbose = true, false
	from1, from0 := on.after(cmds).Verbose, off.after(cmds).Verbose
	return from1, from1 == from0
}
