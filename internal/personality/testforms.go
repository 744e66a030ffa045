package personality

import "github.com/esimhil/esimhil/internal/codec/at"

// Exchange is a command line of a conversation with a modem and the final
// result it drew, as a log or a recording shows them.
type Exchange struct {
	Command string // as sent: "AT+CGLA=?"
	Final   string // "OK", "ERROR", "+CME ERROR: 4"; "" when the log has none
}

// TestFormVerdict is what one test form says of the no_test_forms field.
type TestFormVerdict struct {
	Index       int    // the test form's place in the conversation
	Name        string // its command: "+CGLA"
	NoTestForms bool   // refused though the command works; false: answered
}

// TestFormVerdicts reads the test forms (AT+X=?) of a conversation for
// no_test_forms, the one rule the field reconstruction and the lab's
// personality draft share. A test form answered OK says the modem has test
// forms. One refused says it has none only when the same command answers
// OK in another form somewhere in the conversation (set, read or execute,
// before or after): a modem that lacks the command altogether (+CCHO on a
// SIMCom A7600) refuses its test form too, which says nothing of the
// others. A refusal of a command never seen working, a test form without
// a final result, and one on a line of several commands that failed (which
// of them failed?) give no verdict.
func TestFormVerdicts(conv []Exchange) []TestFormVerdict {
	r := readTestForms(conv)
	var out []TestFormVerdict
	for i, cmds := range r.parsed {
		kind := at.Classify(conv[i].Final).Kind
		if conv[i].Final == "" || !kind.IsFinal() {
			continue
		}
		for _, c := range cmds {
			switch {
			case c.Form != at.Test:
			case kind == at.FinalOK:
				out = append(out, TestFormVerdict{i, c.Name, false})
			case len(cmds) == 1 && r.works[c.Name]:
				out = append(out, TestFormVerdict{i, c.Name, true})
			}
		}
	}
	return out
}

// UnseenRefusal is a refused test form (alone on its line) of a command
// the conversation shows neither working nor refused in another form:
// TestFormVerdicts gives it no verdict, since the modem may lack the
// command or its test forms.
type UnseenRefusal struct {
	Index int    // its place in the conversation
	Name  string // its command: "+CCHO"
}

// UnseenRefusals lists those refusals, and says whether any test form in
// the conversation was answered (then the modem has test forms, and
// lacks the command) and which commands it shows working.
func UnseenRefusals(conv []Exchange) (refusals []UnseenRefusal, answered bool, works map[string]bool) {
	r := readTestForms(conv)
	for i, cmds := range r.parsed {
		kind := at.Classify(conv[i].Final).Kind
		if conv[i].Final == "" || !kind.IsFinal() {
			continue
		}
		for _, c := range cmds {
			switch {
			case c.Form != at.Test:
			case kind == at.FinalOK:
				answered = true
			case len(cmds) == 1 && !r.works[c.Name] && !r.refused[c.Name]:
				refusals = append(refusals, UnseenRefusal{i, c.Name})
			}
		}
	}
	return refusals, answered, r.works
}

// testForms is a conversation's lines parsed, with the commands it shows
// answering OK and refused in a form other than the test form (alone on
// their line).
type testForms struct {
	parsed         [][]at.Command
	works, refused map[string]bool
}

func readTestForms(conv []Exchange) testForms {
	r := testForms{parsed: make([][]at.Command, len(conv)), works: map[string]bool{}, refused: map[string]bool{}}
	for i, e := range conv {
		cmds, err := at.Parse(e.Command)
		if err != nil {
			continue
		}
		r.parsed[i] = cmds
		kind := at.Classify(e.Final).Kind
		for _, c := range cmds {
			switch {
			case c.Form == at.Test:
			case kind == at.FinalOK:
				r.works[c.Name] = true
			case e.Final != "" && kind.IsFinal() && len(cmds) == 1:
				r.refused[c.Name] = true
			}
		}
	}
	return r
}
