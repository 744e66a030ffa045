package modem

import (
	"slices"
	"testing"
	"time"
)

// TestManualSelection: +COPS=1 attaches on the host's network alone (by
// number or by a visible network's name) and says why it could not; mode 4
// falls back to automatic selection; +COPS=0 and a restart return to it.
func TestManualSelection(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 2*time.Second) // roaming on 20801 (the fake's network)
	r.exchanges(t, []exchange{
		{`AT+COPS=1,2,"20801"`, "OK"},
		{"AT+COPS?", `+COPS: 1,2,"20801",7|OK`},
		{`AT+COPS=1,0,"Orange F";+COPS?`, `+COPS: 1,0,"Orange F",7|OK`},
		{`AT+COPS=1,1,"SFR"`, "+CME ERROR: 30"}, // visible, but the fake finds no cell of it
		{"AT+COPS?", "+COPS: 1|OK"},
		{"AT+CEREG?", "+CEREG: 0,0|OK"},
		{`AT+COPS=1,2,"99999"`, "+CME ERROR: 30"},
		{`AT+COPS=1,0,"Nowhere"`, "+CME ERROR: 30"},
		{`AT+COPS=4,2,"20810"`, "OK"}, // no cell of it: automatic
		{"AT+COPS=3,2;+COPS?", `+COPS: 0,2,"20801",7|OK`},
		{`AT+COPS=1,2,20801`, "+CME ERROR: 50"},
		{`AT+COPS=1,2,"2080"`, "+CME ERROR: 50"},
		{`AT+COPS=1,2,"20801",2`, "+CME ERROR: 50"},
		{`AT+COPS=1,2,"20801",7`, "OK"},
		{"AT+COPS=0;+COPS?", `+COPS: 0,2,"20801",7|OK`},
		{`AT+COPS=1,2,"20801"`, "OK"},
	})
	r.restart(t)
	r.exchanges(t, []exchange{{"ATE0", "OK"}, {"AT+COPS?", `+COPS: 0,2,"20801",7|OK`}})
	r.loop.Do(func() {
		want := "@20810"
		if !slices.ContainsFunc(r.net.attaches, func(a string) bool { return len(a) > len(want) && a[len(a)-len(want):] == want }) {
			t.Errorf("attaches %q: no manual attach on 20810", r.net.attaches)
		}
	})
}

// TestManualSelectionDenied: a denial answers +CME ERROR 32 in mode 1.
func TestManualSelectionDenied(t *testing.T) {
	r := newRig(t)
	r.net.reg = Registration{Stat: 3, PLMN: "20801", Cause: 15}
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{{`AT+COPS=1,2,"20801"`, "+CME ERROR: 32"}, {"AT+CEREG?", "+CEREG: 0,3|OK"}})
}

// TestManualSelectionNoCellVersusNoAnswer: a network with no cell in
// service answers +CME ERROR 30 (no network service), by number as by
// name; one whose network never answers the attach (T3410), 31 (timeout).
func TestManualSelectionNoCellVersusNoAnswer(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 2*time.Second)
	// Searching, as the world answers an attach on a network with no cell
	// in service here: 30, visible or not.
	r.net.reg = Registration{Stat: 2, PLMN: "26201"}
	r.exchanges(t, []exchange{{`AT+COPS=1,2,"26201"`, "+CME ERROR: 30"}})
	r.net.reg = Registration{Stat: 2, PLMN: "20801"}
	r.exchanges(t, []exchange{{`AT+COPS=1,2,"20801"`, "+CME ERROR: 30"}})
	// A network that never answers the ATTACH REQUEST (T3410 runs): 31.
	r.net.reg = Registration{Timeout: true, PLMN: "20801"}
	r.exchanges(t, []exchange{{`AT+COPS=1,2,"20801"`, "+CME ERROR: 31"}})
}

// TestRepeatLastLine: A/ (V.250 §6.2.4) runs the previous command line
// again, chains included, without a terminator (a CR after it is an empty
// line, dropped); with nothing before it, it is an empty line: OK.
func TestRepeatLastLine(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.exchanges(t, []exchange{
		{"A/", "OK"}, // repeats ATE0
		// (plain information text: the client takes a "+CFUN:" line for a
		// URC unless the command it sent names +CFUN)
		{"AT+CGMI;+CGMM", "esimhil|esimhil modem emulator|OK"},
		{"A/", "esimhil|esimhil modem emulator|OK"},
		{"a/", "esimhil|esimhil modem emulator|OK"},
		{"AT+NOPE", "ERROR"},
		{"A/", "ERROR"},
	})
}
