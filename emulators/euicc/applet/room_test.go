package applet

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

// TestNoRoom: an install refused for lack of memory keeps that operator
// from being ordered until a profile leaves the card; another refusal
// reason, or another operator, does not; the table forgets what a
// profile's leaving made stale.
func TestNoRoom(t *testing.T) {
	a := New(testCfg, State{Profiles: testProfiles()})
	a.noteNoRoom("vodafone-de", 8) // a tampered package, not memory
	if why := a.noRoomFor("vodafone-de"); why != "" {
		t.Fatalf("errorReason 8 kept it out: %s", why)
	}
	a.noteNoRoom("vodafone-de", es10.ReasonInsufficientMemory)
	if why := a.noRoomFor("vodafone-de"); !strings.HasPrefix(why, "no room on the card: its install failed for lack of memory (errorReason 10)") {
		t.Errorf("after errorReason 10: %q", why)
	}
	if why := a.noRoomFor("telekom-de"); why != "" {
		t.Errorf("another operator kept out: %s", why)
	}
	a.st.Profiles = a.st.Profiles[1:] // a profile left the card
	if why := a.noRoomFor("vodafone-de"); why != "" {
		t.Errorf("ordered no more after a profile left: %s", why)
	}
	a.noteNoRoom("telekom-de", es10.ReasonInsufficientMemory)
	if len(a.st.NoRoom) != 1 || a.st.NoRoom[0].Operator != "telekom-de" {
		t.Errorf("table %+v, want telekom-de's alone (vodafone-de's is stale)", a.st.NoRoom)
	}
}
