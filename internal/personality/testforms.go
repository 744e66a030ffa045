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
	parsed := make([][]at.Command, len(conv))
	works := map[string]bool{}
	for i, e := range conv {
		cmds, err := at.Parse(e.Command)
		if err != nil {
			continue
		}
		parsed[i] = cmds
		if at.Classify(e.Final).Kind != at.FinalOK {
			continue
		}
		for _, c := range cmds {
			if c.Form != at.Test {
				works[c.Name] = true
			}
		}
	}
	var out []TestFormVerdict
	for i, cmds := range parsed {
		kind := at.Classify(conv[i].Final).Kind
		if conv[i].Final == "" || !kind.IsFinal() {
			continue
		}
		for _, c := range cmds {
			switch {
			case c.Form != at.Test:
			case kind == at.FinalOK:
				out = append(out, TestFormVerdict{i, c.Name, false})
			case len(cmds) == 1 && works[c.Name]:
				out = append(out, TestFormVerdict{i, c.Name, true})
			}
		}
	}
	return out
}
