package field

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/align"
)

// TestCompoundLineFacts: what the answers on a command line of several
// commands (V.250 §5.2.1) show is read as when each is sent alone: the
// signal of its +CSQ, the registration of its +CREG?, the network of its
// +COPS?, the PIN of its +CPIN?, the card behind its OK (outside tester
// t79: sms_tool's AT+CSQ;+CPIN?;…;+CREG? read no signal, operator or
// registration).
func TestCompoundLineFacts(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      string // the facts, as facts() writes them
	}{
		{"signal and registration", "> AT+CSQ;+CEREG?\n< +CSQ: 23,99\n< +CEREG: 0,1\n< OK\n",
			"signal [-95@plain.log:2] regs [+CEREG 1@plain.log:3] plmns [] pin <nil> card []"},
		{"network and registration", "> AT+COPS?;+CREG?\n< +COPS: 0,2,\"20801\",7\n< +CREG: 0,5\n< OK\n",
			"signal [] regs [+CREG 5@plain.log:3] plmns [20801@plain.log:2] pin <nil> card []"},
		{"a PIN wanted", "> AT+CSQ;+CPIN?\n< +CSQ: 23,99\n< +CPIN: SIM PIN\n< OK\n",
			"signal [-95@plain.log:2] regs [] plmns [] pin plain.log:3 card [true@plain.log:4]"},
		{"sent alone", "> AT+CSQ\n< +CSQ: 23,99\n< OK\n> AT+CPIN?\n< +CPIN: SIM PIN\n< OK\n",
			"signal [-95@plain.log:2] regs [] plmns [] pin plain.log:5 card [true@plain.log:6]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "compound", map[string]string{ManifestFile: orangeManifest("compound", "plain.log", "plain"), "plain.log": tc.log}), Options{})
			if got := facts(p.Facts); got != tc.want {
				t.Errorf("facts\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// facts writes the facts TestCompoundLineFacts compares.
func facts(fs *Facts) string {
	var sig, regs, plmns, card []string
	for _, s := range fs.Signal {
		sig = append(sig, fmt.Sprintf("%d@%s", s.RSRP, s.Src))
	}
	for _, r := range fs.Regs {
		regs = append(regs, fmt.Sprintf("%s %d@%s", r.Name, r.Stat, r.Src))
	}
	for _, c := range fs.copsPLMNs {
		plmns = append(plmns, fmt.Sprintf("%s@%s", c.PLMN, c.Src))
	}
	for _, c := range fs.Card {
		if !c.URC { // an answer's, not a URC's
			card = append(card, fmt.Sprintf("%t@%s", c.Present, c.Src))
		}
	}
	pin := "<nil>"
	if fs.PIN != nil && fs.PIN.Wanted != nil {
		pin = fs.PIN.Wanted.Src.String()
	}
	list := func(s []string) string { return "[" + strings.Join(s, " ") + "]" }
	return fmt.Sprintf("signal %s regs %s plmns %s pin %s card %s", list(sig), list(regs), list(plmns), pin, list(card))
}

// TestSignalMaskTakesTheBER: under volatile: [signal] a +CSQ answer is
// masked whole, whatever its <ber>: the <ber> mask a field <ber> other
// than 99 brings, applied first, left "+CSQ: 5,<ber>" for the signal
// mask to miss, its <rssi> compared (outside tester t79).
func TestSignalMaskTakesTheBER(t *testing.T) {
	for _, tc := range []struct {
		volatile, rec, rep string
		same               bool
	}{
		{"[signal]", "+CSQ: 5,6", "+CSQ: 25,99", true},
		{"[signal]", "+CSQ: 5,99", "+CSQ: 25,99", true},
		{"[iccid]", "+CSQ: 5,6", "+CSQ: 5,99", true}, // the <ber> alone
		{"[iccid]", "+CSQ: 5,6", "+CSQ: 25,99", false},
	} {
		manifest := orangeManifest("csq", "plain.log", "plain") + "volatile: " + tc.volatile + "\n"
		p := reconstruct(t, writeFixture(t, "csq", map[string]string{ManifestFile: manifest, "plain.log": "> AT+CSQ\n< " + tc.rec + "\n< OK\n"}), Options{})
		// As the replay applies them: the manifest's and the
		// reconstruction's own first, the built-in ones last.
		masks := align.Masks{}
		for _, builtin := range []bool{false, true} {
			for _, m := range p.Masks {
				if slices.Contains(BuiltinMasks(), m.Name) == builtin {
					masks = append(masks, m.Mask)
				}
			}
		}
		a, b := masks.Apply(tc.rec), masks.Apply(tc.rep)
		if (a == b) != tc.same {
			t.Errorf("volatile %s: %q masked %q, %q masked %q: same %v, want %v", tc.volatile, tc.rec, a, tc.rep, b, a == b, tc.same)
		}
	}
}
