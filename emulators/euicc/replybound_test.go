package euicc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es9"
)

// The card's bound on a reply's body is the request's: an SM-DP+'s
// answers up to es9.MaxBody (1 MiB), the platform's 64 KiB. A bound
// profile package of 51 KB is 68 KiB as base64 in JSON, and was refused
// at the old 64 KiB for every reply (outside tester t180 F3).
func TestReplyBound(t *testing.T) {
	es9Req := es9Request("smdp.sfr.test", es9.FnGetBoundProfilePackage, []byte("{}"))
	platform := httpRequest{Host: "p", Path: "/v1/x", Body: []byte("{}"), JSONAnswers: true}
	tests := []struct {
		name    string
		req     httpRequest
		size    int
		declare bool // Content-Length (else the body ends with the connection)
		wantErr string
	}{
		{"SM-DP+: a 68 KiB package", es9Req, 68 << 10, true, ""},
		{"SM-DP+: a 68 KiB package, to the close", es9Req, 68 << 10, false, ""},
		{"SM-DP+: 1 MiB", es9Req, es9.MaxBody, true, ""},
		{"SM-DP+: past 1 MiB, declared", es9Req, es9.MaxBody + 1, true, "reply: HTTP body longer than 1048576 bytes"},
		{"SM-DP+: past 1 MiB, to the close", es9Req, es9.MaxBody + 1, false, "reply: HTTP body longer than 1048576 bytes"},
		{"platform: 64 KiB", platform, 64 << 10, true, ""},
		{"platform: past 64 KiB", platform, 64<<10 + 1, true, "reply: HTTP body longer than 65536 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			head := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
			if tc.declare {
				head += fmt.Sprintf("Content-Length: %d\r\n", tc.size)
			}
			var rep httpReply
			co := newCoroutine(roundTrip(tc.req, nil, &rep))
			co.resume(nil, false)
			co.resume([]byte(head+"\r\n"+strings.Repeat("z", tc.size)), true)
			if !co.done {
				t.Fatal("exchange not finished after the peer closed")
			}
			switch {
			case tc.wantErr == "" && (co.err != nil || len(rep.Body) != tc.size):
				t.Fatalf("body %d bytes, %v; want %d bytes", len(rep.Body), co.err, tc.size)
			case tc.wantErr != "" && (co.err == nil || co.err.Error() != tc.wantErr):
				t.Fatalf("error %v, want %q", co.err, tc.wantErr)
			}
		})
	}
}
