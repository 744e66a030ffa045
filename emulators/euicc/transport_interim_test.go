package euicc

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Interim (1xx) responses before the final one are skipped, any number
// up to maxInterim (RFC 9110 §15.2); a 101 and an endless run of them
// are refused, not taken as the answer; so is a body in a content coding
// (the card decodes none).
func TestReadReplyInterim(t *testing.T) {
	const final = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"ack\":true}"
	cont := "HTTP/1.1 100 Continue\r\n\r\n"
	for _, tc := range []struct {
		name, raw string
		status    int
		body      string
		err       string
	}{
		{"no interim", final, 200, `{"ack":true}`, ""},
		{"100 Continue", cont + final, 200, `{"ack":true}`, ""},
		{"102 and 103 with headers", "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n" + final, 200, `{"ack":true}`, ""},
		{"an error after a 100", cont + "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}", 503, "{}", ""},
		{"LF-only interim", "HTTP/1.1 100 Continue\n\n" + final, 200, `{"ack":true}`, ""},
		{"eight interim", strings.Repeat(cont, maxInterim) + final, 200, `{"ack":true}`, ""},
		{"nine interim", strings.Repeat(cont, maxInterim+1) + final, 0, "", "reply: more than 8 interim (1xx) responses before the final one"},
		{"101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n" + final, 0, "", "reply: 101 Switching Protocols, but the card asked for no upgrade"},
		{"only a 100", cont, 0, "", "reply: malformed HTTP response: unexpected EOF"},
		{"gzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\n\x1f\x8b\x08", 0, "",
			`reply: body in Content-Encoding "gzip", which the card does not decode (it asks for none: answer with no Content-Encoding)`},
		{"identity", "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}", 200, "{}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := readReply(bufio.NewReader(strings.NewReader(tc.raw)), plainPost, maxHTTPReply)
			switch {
			case tc.err != "":
				if err == nil || err.Error() != tc.err {
					t.Errorf("error %v, want %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case rep.Status != tc.status || string(rep.Body) != tc.body:
				t.Errorf("status %d body %q, want %d %q", rep.Status, rep.Body, tc.status, tc.body)
			}
		})
	}
}

// A platform's 2xx answer is taken only declared as JSON, as the platform
// takes a request body (bodyread.JSONType); an error answer is read for
// its status whatever its type.
func TestJSONAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		types  []string
		err    string
	}{
		{"json", 200, []string{"application/json"}, ""},
		{"charset utf-8, any case", 200, []string{"Application/JSON; charset=UTF-8"}, ""},
		{"html", 200, []string{"text/html"}, `answer: Content-Type "text/html", want application/json`},
		{"missing", 200, nil, "answer: Content-Type missing, want application/json"},
		{"another charset", 200, []string{"application/json; charset=latin1"}, `answer: Content-Type "application/json; charset=latin1", want application/json`},
		{"given twice", 200, []string{"application/json", "application/json"}, "answer: Content-Type given more than once"},
		{"another 2xx", 202, []string{"text/plain"}, `answer: Content-Type "text/plain", want application/json`},
		{"204, no content", 204, nil, ""},
		{"an error answer in html", 503, []string{"text/html"}, ""},
		{"a 4xx with none", 404, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.types {
				h.Add("Content-Type", v)
			}
			err := jsonAnswer(httpReply{Status: tc.status, Header: h})
			if got := fmt.Sprint(err); (tc.err == "" && err != nil) || (tc.err != "" && got != tc.err) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}
