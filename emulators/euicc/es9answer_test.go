package euicc

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es9"
)

// An SM-DP+'s 2xx answer is read as an ES9+ answer only when it names a
// v2 X-Admin-Protocol and (with content) is declared JSON (SGP.22
// §6.5.1); before, any answer was taken as a v2 one (outside tester t180
// F6: v9.9.9, none, text/html all went on to getBoundProfilePackage).
// The platform's requests are not held to it.
func TestES9AnswerHeaders(t *testing.T) {
	es9Req := es9Request("smdp.sfr.test", es9.FnInitiateAuthentication, []byte("{}"))
	platform := httpRequest{Host: "p", Path: "/v1/x", Body: []byte("{}"), JSONAnswers: true}
	const ok = "Content-Type: application/json;charset=UTF-8\r\nX-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
	tests := []struct {
		name    string
		req     httpRequest
		status  string
		headers string
		wantErr string
	}{
		{"v2.2.0, JSON", es9Req, "200 OK", ok, ""},
		{"another v2 release, bare JSON", es9Req, "200 OK", "Content-Type: application/json\r\nX-Admin-Protocol: gsma/rsp/v2.5.1\r\n", ""},
		{"another release", es9Req, "200 OK", "Content-Type: application/json\r\nX-Admin-Protocol: gsma/rsp/v9.9.9\r\n",
			`answer: X-Admin-Protocol "gsma/rsp/v9.9.9", want gsma/rsp/v2.x.y (the SGP.22 v2 answers this card reads)`},
		{"release 3", es9Req, "200 OK", "Content-Type: application/json\r\nX-Admin-Protocol: gsma/rsp/v3.0.0\r\n",
			`answer: X-Admin-Protocol "gsma/rsp/v3.0.0", want gsma/rsp/v2.x.y (the SGP.22 v2 answers this card reads)`},
		{"no X-Admin-Protocol", es9Req, "200 OK", "Content-Type: application/json\r\n", "answer: X-Admin-Protocol missing, want gsma/rsp/v2.x.y"},
		{"X-Admin-Protocol twice", es9Req, "200 OK", ok + "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n", "answer: X-Admin-Protocol given more than once"},
		{"html", es9Req, "200 OK", "Content-Type: text/html\r\nX-Admin-Protocol: gsma/rsp/v2.2.0\r\n", `answer: Content-Type "text/html", want application/json`},
		{"no Content-Type", es9Req, "200 OK", "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n", "answer: Content-Type missing, want application/json"},
		{"204 with the protocol", es9Req, "204 No Content", "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n", ""},
		{"204 without", es9Req, "204 No Content", "", "answer: X-Admin-Protocol missing, want gsma/rsp/v2.x.y"},
		{"an error status is read for its status", es9Req, "500 Internal Server Error", "Content-Type: text/html\r\n", ""},
		{"platform: no X-Admin-Protocol asked for", platform, "200 OK", "Content-Type: application/json\r\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := "{}"
			if strings.HasPrefix(tc.status, "204") {
				body = ""
			}
			var rep httpReply
			co := newCoroutine(roundTrip(tc.req, nil, &rep))
			co.resume(nil, false)
			co.resume([]byte("HTTP/1.1 "+tc.status+"\r\n"+tc.headers+"\r\n"+body), true)
			if !co.done {
				t.Fatal("exchange not finished after the peer closed")
			}
			switch {
			case tc.wantErr == "" && co.err != nil:
				t.Fatalf("error %v, want none", co.err)
			case tc.wantErr != "" && (co.err == nil || co.err.Error() != tc.wantErr):
				t.Fatalf("error %v, want %q", co.err, tc.wantErr)
			}
		})
	}
}
