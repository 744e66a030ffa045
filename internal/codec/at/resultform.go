package at

import "strings"

// VSetting is the form a modem's result codes come in, its V setting
// (V.250 §6.2.6), as a log shows it.
type VSetting int

const (
	VUnknown VSetting = iota // not shown yet: a log may begin after an ATV0
	VVerbose                 // V1, the factory setting: OK, ERROR
	VNumeric                 // V0: 0, 4 (V.250 §5.7.1 table 1)
)

// ResultForm follows the form of a modem's result codes as a log of its
// port shows it, for every reader of such a log (at.log's timeline, the
// field-log reader): the host's command lines say what they set V to
// (Modes.SetsVerbose: ATV0, ATE0V0, ATZ, AT&F…), but the form counts as
// known only once a final result shows it, because a modem may answer the
// command that sets V in either form and a lab's or a field's log may
// begin under an ATV0 it does not show. +CME ERROR and +CMS ERROR have no
// numeric form, so they show neither. The zero value is not ready: use
// NewResultForm.
type ResultForm struct {
	modes Modes
	form  VSetting
	// setsV is what the last command line Run sets V to: 0, 1; -1
	// neither. It stays until the next Run or Boot, so a final result
	// noted for an earlier line reads it too; restarts likewise says the
	// line restarts the modem (Restarts).
	setsV    int
	restarts bool
	// booted says the form is the one the last Boot loaded, no final
	// result having shown it since.
	booted bool
	// open says the log may begin after an AT&W it does not show (a
	// field log): a boot loads a profile the log cannot know unless it
	// stored one itself.
	open bool
}

// NewResultForm is a port whose form no line has shown yet, its modes
// the factory's, and whose boots load the factory's V1 unless its own
// AT&W stored another: the reader of a log the harness wrote from the
// modem's power-on (the emulated at.log).
func NewResultForm() ResultForm { return ResultForm{modes: DefaultModes(), setsV: -1} }

// NewOpenResultForm is NewResultForm for a log that may begin after an
// AT&W it does not show (a real modem's, ATV0&W set long before): a boot
// with no AT&W in the log, or an ATZ, which loads the same profile,
// leaves the form unknown, as at the log's start, until a final result
// shows it (BootedUnknown): the ATZ's own, which comes in that form.
func NewOpenResultForm() ResultForm {
	f := NewResultForm()
	f.open = true
	return f
}

// Run notes a command line the modem runs.
func (f *ResultForm) Run(line string) {
	// Parsed once for every question below: a line may hold thousands of
	// commands (one a byte, "ATE0V1Q0…"). One Parse refuses runs none.
	cmds, _ := Parse(line)
	v, ok := f.modes.setsVerbose(cmds)
	unknown := f.open && f.modes.loadsUnknown(cmds)
	f.modes = f.modes.after(cmds)
	f.restarts = restarts(line, cmds)
	switch {
	case unknown:
		// An ATZ loading a profile stored before the log began: the
		// modem is as after a boot, and its result code comes in the
		// form loaded (V.250 §6.1.1: the command completes first).
		f.loaded()
	case !ok:
		f.setsV = -1
	case v:
		f.setsV = 1
	default:
		f.setsV = 0
	}
}

// loadsUnknown reports that a line's commands leave V at what a Z loads
// from a profile m does not know (no AT&W seen): the V after them differs
// with the stored V.
func (m Modes) loadsUnknown(cmds []Command) bool {
	if m.stored {
		return false
	}
	s0, s1 := m, m
	s0.stored, s1.stored, s1.storedVerbose = true, true, true
	return s0.after(cmds).Verbose != s1.after(cmds).Verbose
}

// Boot notes the modem's power-on: it loads the profile AT&W stored, or
// the factory settings (V1), and the form is then known — unless the
// form is open and the log stored no profile: then the one stored before
// the log began, which no line has shown. Shown boots the modem itself
// on an OK to a restart (+CFUN=<fun>,1), which a Sierra or a Telit
// follows with no boot URC.
func (f *ResultForm) Boot() {
	f.modes = f.modes.After("ATZ")
	f.loaded()
}

// loaded sets the form to the profile the modem has just loaded, at a
// boot or at an ATZ that loads one the log cannot know.
func (f *ResultForm) loaded() {
	f.form, f.setsV, f.restarts, f.booted = VNumeric, -1, false, true
	switch {
	case f.open && !f.modes.stored:
		f.form = VUnknown
	case f.modes.Verbose:
		f.form = VVerbose
	}
}

// Booted reports that the form is the one a boot loaded (the stored
// profile's, else the factory's V1), which no final result has shown yet.
func (f ResultForm) Booted() bool { return f.booted }

// BootedUnknown reports that the form is the unknown one a boot of an
// open form loaded (NewOpenResultForm), which no final result has shown
// yet: a digit shown now is the profile stored before the log began.
func (f ResultForm) BootedUnknown() bool { return f.booted && f.form == VUnknown }

// V is the form the log has shown.
func (f ResultForm) V() VSetting { return f.form }

// Digits reports whether a bare result digit may be a result code now:
// unless the log has shown words, and, while a command runs (running),
// when that command sets V, whose own result may come in either form.
func (f ResultForm) Digits(running bool) bool {
	return f.form != VVerbose || running && f.setsV >= 0
}

// Shown notes a final result the modem sent as text, in digits (numeric:
// "0" for OK) or in words, and reports whether it showed the form: an OK
// to a command that sets V shows the form it set (a modem may still
// answer ATV0 in words); any other basic result code shows its own form;
// +CME ERROR and +CMS ERROR show none. An OK to a restart boots the
// modem (Boot) once noted.
func (f *ResultForm) Shown(text string, numeric bool) bool {
	v := text
	if numeric {
		v, _ = NumericResult(text)
	}
	ok := Classify(v).Kind == FinalOK
	shown := true
	switch {
	case ok && f.setsV == 0:
		f.form = VNumeric
	case ok && f.setsV == 1:
		f.form = VVerbose
	case numeric:
		f.form = VNumeric
	case strings.HasPrefix(text, "+"):
		shown = false
	default:
		f.form = VVerbose
	}
	f.booted = f.booted && !shown
	if ok && f.restarts {
		f.Boot()
	}
	return shown
}
