package es9

import (
	"fmt"
	"net/http"
	"testing"
)

// CheckAnswer: the headers of an SM-DP+'s answer the card reads (SGP.22
// §6.5.1; outside tester t180 F6).
func TestCheckAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		proto   []string
		ctype   []string
		wantErr string
	}{
		{"ours", 200, []string{AdminProtocol}, []string{ContentType}, ""},
		{"v2.1.0, bare JSON", 200, []string{"gsma/rsp/v2.1.0"}, []string{"application/json"}, ""},
		{"v3", 200, []string{"gsma/rsp/v3.0.0"}, []string{ContentType}, `X-Admin-Protocol "gsma/rsp/v3.0.0", want gsma/rsp/v2.x.y (the SGP.22 v2 answers this card reads)`},
		{"not a version", 200, []string{"gsma/rsp/v2.x"}, []string{ContentType}, `X-Admin-Protocol "gsma/rsp/v2.x", want gsma/rsp/v2.x.y (the SGP.22 v2 answers this card reads)`},
		{"missing", 200, nil, []string{ContentType}, "X-Admin-Protocol missing, want gsma/rsp/v2.x.y"},
		{"twice", 200, []string{AdminProtocol, AdminProtocol}, []string{ContentType}, "X-Admin-Protocol given more than once"},
		{"html", 200, []string{AdminProtocol}, []string{"text/html"}, `Content-Type "text/html", want application/json`},
		{"204, no type", 204, []string{AdminProtocol}, nil, ""},
		{"204, no protocol", 204, nil, nil, "X-Admin-Protocol missing, want gsma/rsp/v2.x.y"},
		{"an error status", 502, nil, []string{"text/html"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.proto {
				h.Add(AdminProtocolHeader, v)
			}
			for _, v := range tc.ctype {
				h.Add("Content-Type", v)
			}
			err := CheckAnswer(tc.status, h)
			if got := fmt.Sprint(err); (tc.wantErr == "" && err != nil) || (tc.wantErr != "" && got != tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
