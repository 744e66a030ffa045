package dialect

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

// An ES10 request whose channel the modem would not close fails, naming
// the +CCHC: a channel left open leaks one of the modem's few (three or
// four), and the next +CCHO would be refused for a cause far from it.
// Only a request that may reset the card (EnableProfile's REFRESH closes
// every channel) lets the refusal pass.
func TestES10ChannelCloseRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cchc   string // the modem's answer to AT+CCHC=1
		resets bool
		want   string // in the error; "" for none
	}{
		{"closed", "\r\nOK\r\n", false, ""},
		{"refused", "\r\n+CME ERROR: 21\r\n", false, "close channel: AT+CCHC: +CME ERROR: 21"},
		{"refused plainly", "\r\nERROR\r\n", false, "close channel: AT+CCHC: at: ERROR"},
		{"refused after a reset", "\r\n+CME ERROR: 21\r\n", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answers := map[string]string{
				`AT+CCHO="` + es10.ISDRAID + `"`:  "\r\n+CCHO: 1\r\n\r\nOK\r\n",
				`AT+CGLA=1,16,"80E2910003BF2D00"`: "\r\n+CGLA: 4,\"9000\"\r\n\r\nOK\r\n",
				"AT+CCHC=1":                       tc.cchc,
			}
			h := pipeHost(t, scripted(answers))
			_, err := h.es10([]byte{0xBF, 0x2D, 0x00}, tc.resets)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
