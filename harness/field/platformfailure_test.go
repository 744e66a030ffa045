package field

import (
	"testing"

	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestPlatformFailure: a recorded request the platform never answered is
// replayed as a refused connection, a 5xx it answered as a garbled answer:
// the card backs its list requests off after no answer only (README, "The
// platform unreachable"), so the two must not be replayed alike.
func TestPlatformFailure(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{0, "unreachable"},
		{500, "garbled"},
		{503, "garbled"},
		{504, "garbled"},
		{200, ""},
		{400, ""},
		{404, ""},
	}
	for _, tt := range tests {
		if got := platformFailure(Request{Request: fieldlog.Request{Status: tt.status}}); got != tt.want {
			t.Errorf("status %d: %q, want %q", tt.status, got, tt.want)
		}
	}
}
