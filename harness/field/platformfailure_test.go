package field

import (
	"testing"

	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestPlatformFailure: a recorded request the platform never answered is
// replayed as a refused connection, a 5xx it answered as that status
// (platform: status with its code, not a garbled 200): the card backs its
// list requests off after no answer only (README, "The platform
// unreachable"), so the two must not be replayed alike, and the replayed
// platform's log and capture hold the status the field's did.
func TestPlatformFailure(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{0, "unreachable"},
		{500, "status, code: 500"},
		{503, "status, code: 503"},
		{504, "status, code: 504"},
		{599, "status, code: 599"},
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
