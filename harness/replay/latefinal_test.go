package replay

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestNotComparedLateFinal: a failure named at a final result
// python-gsmmodem logged as a notification, after its command's own
// (faucamp/python-gsmmodem issue 97's "+CME ERROR: 258"), is said to be
// that, not "a final line, not one of the AT conversation's" (o300 F1).
func TestNotComparedLateFinal(t *testing.T) {
	log := "DEBUG: write: AT+CUSD=1,\"8574\",15\nDEBUG: response: ['OK']\nDEBUG: notification: ['+CME ERROR: 258']\n"
	tr, err := fieldlog.Read("gsm.log", []byte(log), fieldlog.Gsmmodem)
	if err != nil {
		t.Fatal(err)
	}
	p := &field.Plan{Fixture: &field.Fixture{Manifest: &field.Manifest{Logs: []field.LogRef{{File: "gsm.log"}}}, Logs: []*fieldlog.Transcript{tr}}}
	got := notComparedWhy(p, field.Src{File: "gsm.log", Line: 3})
	if want := `"+CME ERROR: 258": python-gsmmodem's notification: a final result no command awaits (sent late by the modem): not compared`; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := notComparedWhy(p, field.Src{File: "gsm.log", Line: 2}); strings.Contains(got, "late") {
		t.Errorf("the command's own OK: %q", got)
	}
}

// TestDraftLateFinal: the draft passes over such a late final result for
// a failure the replay compares, and when there is none keeps it and
// says why no replay shows it, as for an exchange it does not play.
func TestDraftLateFinal(t *testing.T) {
	late := "DEBUG: write: AT+CUSD=1,\"8574\",15\nDEBUG: response: ['OK']\nDEBUG: notification: ['+CME ERROR: 258']\n"
	for _, tc := range []struct {
		name, log        string
		line             int
		passed, unplayed bool
	}{
		{"alone", late, 3, false, true},
		{"then a compared failure", late + "DEBUG: write: AT+CPIN?\nDEBUG: response: ['+CME ERROR: 10']\n", 5, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := draftOf(t, t.TempDir(), "r", tc.log)
			if !d.Found || d.Failure.Line != tc.line || (d.PassedOver != "") != tc.passed || (d.Unplayed != "") != tc.unplayed {
				t.Errorf("failure %v (found %v), passed over %q, unplayed %q; want line %d, passed over %v, unplayed %v",
					d.Failure, d.Found, d.PassedOver, d.Unplayed, tc.line, tc.passed, tc.unplayed)
			}
			if msg := d.PassedOver + d.Unplayed; !strings.Contains(msg, "sent late by the modem") {
				t.Errorf("passed over %q, unplayed %q: not said why", d.PassedOver, d.Unplayed)
			}
		})
	}
}
