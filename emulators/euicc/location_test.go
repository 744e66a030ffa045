package euicc

import (
	"fmt"
	"testing"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// TestServiceOfLocationStatus: the EVENT DOWNLOAD location status (TS 102
// 223 §8.27) as the applet takes it. Limited service is not no service: a
// profile the network refused camps in limited service, and the card
// judges that failure by it (tester t139 M41: nothing in this package
// tested the mapping).
func TestServiceOfLocationStatus(t *testing.T) {
	tests := []struct {
		status byte
		want   applet.Service
	}{
		{stk.LocNormal, applet.NormalService},
		{stk.LocLimited, applet.LimitedService},
		{stk.LocNone, applet.NoService},
		{0x03, applet.NoService}, // RFU: nothing to camp on
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%02x", tt.status), func(t *testing.T) {
			if got := serviceOf(tt.status); got != tt.want {
				t.Errorf("serviceOf(%02x) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}
