package field

import (
	"testing"

	"github.com/esimhil/esimhil/emulators/modem"
)

// TestRefusalConditions: every condition the emulated modem refuses a
// card command in (its own table) is one the draft can check a log
// against, so a refusal added to the modem cannot go unjudged.
func TestRefusalConditions(t *testing.T) {
	for _, r := range modem.CardRefusals() {
		if refusalHolds[r.When] == nil {
			t.Errorf("%s %d (%s): no check of the log for it (refusalHolds)", r.Command, int(r.Code), r.When)
		}
	}
}
