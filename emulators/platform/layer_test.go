package platform

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// rawExchange sends raw, one request, to a started platform and reads its
// answer (net/http's parser: the status, headers and body as sent).
func rawExchange(t *testing.T, s *Server, raw string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(raw, " ")
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%q: body: %v", raw, err)
	}
	return resp, string(b)
}

// Requests net/http answered for the platform, or the platform answered
// loosely, are answered in the API's terms (outside tester t71, F6):
// OPTIONS — to the server as a whole too — gets a JSON 405 naming what is
// taken, and is logged; HEAD of the log's route is its GET without the
// body, and like a GET it is not logged; the log's query is read as
// strictly as a body: a parameter unknown, given twice or empty is a 400.
func TestAnswersOfTheHTTPLayer(t *testing.T) {
	const tail = " HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n"
	tests := []struct {
		name    string
		raw     string
		status  int
		allow   string // the Allow header, if any
		errText string // the {"error"} reason, "" for a 200
		noBody  bool   // HEAD: headers only, the Content-Length of the GET
		logged  bool
	}{
		{"OPTIONS *", "OPTIONS *" + tail, 405, "GET, HEAD, POST", `method OPTIONS not allowed on * (the platform takes POST on its card routes, GET and HEAD on /v1/inspect/received)`, false, true},
		{"OPTIONS on a card route", "OPTIONS " + platformapi.PathNotifications + tail, 405, "POST", `method OPTIONS not allowed on /v1/notifications (use POST)`, false, true},
		{"OPTIONS on the log", "OPTIONS " + platformapi.PathInspect + tail, 405, "GET, HEAD", `method OPTIONS not allowed on /v1/inspect/received (use GET or HEAD)`, false, true},
		{"POST on the log", "POST " + platformapi.PathInspect + tail, 405, "GET, HEAD", `method POST not allowed on /v1/inspect/received (use GET or HEAD)`, false, true},
		{"HEAD of the log", "HEAD " + platformapi.PathInspect + tail, 200, "", "", true, false},
		{"HEAD of a refused page", "HEAD " + platformapi.PathInspect + "?limit=0" + tail, 400, "", "", true, false},
		{"GET of the log", "GET " + platformapi.PathInspect + "?offset=0&limit=5" + tail, 200, "", "", false, false},
		{"HEAD of a card route", "HEAD " + platformapi.PathNotifications + tail, 405, "POST", "", true, true},
		{"unknown parameter", "GET " + platformapi.PathInspect + "?foo=1" + tail, 400, "", `query: unknown parameter "foo" (want offset, limit)`, false, false},
		{"limit twice", "GET " + platformapi.PathInspect + "?limit=1&limit=2" + tail, 400, "", `limit: given 2 times, want once`, false, false},
		{"offset twice", "GET " + platformapi.PathInspect + "?offset=0&offset=0" + tail, 400, "", `offset: given 2 times, want once`, false, false},
		{"limit empty", "GET " + platformapi.PathInspect + "?limit=" + tail, 400, "", `limit: want 1..1000, got ""`, false, false},
		{"offset empty", "GET " + platformapi.PathInspect + "?offset=" + tail, 400, "", `offset: want 0..`, false, false},
		{"limit with a sign", "GET " + platformapi.PathInspect + "?limit=%2B5" + tail, 400, "", `limit: want 1..1000, got "+5"`, false, false},
		{"offset with a leading zero", "GET " + platformapi.PathInspect + "?offset=00" + tail, 400, "", `offset: want 0..`, false, false},
		{"a bad escape", "GET " + platformapi.PathInspect + "?limit=%zz" + tail, 400, "", `query: invalid URL escape "%zz"`, false, false},
		{"a semicolon", "GET " + platformapi.PathInspect + "?limit=1;offset=0" + tail, 400, "", `query: invalid semicolon separator in query`, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, nil)
			if err := s.Start("127.0.0.1:0", nil); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			resp, body := rawExchange(t, s, tc.raw)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != platformapi.ContentType {
				t.Errorf("Content-Type %q, want %s", ct, platformapi.ContentType)
			}
			if resp.Header.Get("Date") == "" {
				t.Error("no Date")
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			switch {
			case tc.noBody:
				if body != "" || resp.ContentLength <= 0 {
					t.Errorf("HEAD answered a body %q, Content-Length %d; want none, and the GET's length", body, resp.ContentLength)
				}
			case tc.errText != "":
				e, err := platformapi.DecodeErrorResponse([]byte(body))
				if err != nil || !strings.HasPrefix(e.Error, tc.errText) {
					t.Errorf("body %q, want the reason %q…", body, tc.errText)
				}
			case tc.status == 200:
				if _, err := platformapi.DecodeInspectPage([]byte(body)); err != nil {
					t.Errorf("not a page: %v: %s", err, body)
				}
			}
			if n, _ := s.ReceivedCount(); (n == 1) != tc.logged {
				t.Errorf("%d requests logged, want logged %v", n, tc.logged)
			}
		})
	}
}

// HEAD of the log answers the headers its GET answers: the same status
// and Content-Length.
func TestHeadOfTheLogIsItsGet(t *testing.T) {
	s, _ := newTestServer(t, nil)
	if err := s.Start("127.0.0.1:0", nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rawExchange(t, s, "POST /v2/x HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n") // one entry
	const q = platformapi.PathInspect + "?offset=0 HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n"
	get, body := rawExchange(t, s, "GET "+q)
	head, _ := rawExchange(t, s, "HEAD "+q)
	if head.StatusCode != get.StatusCode || head.ContentLength != get.ContentLength || get.ContentLength != int64(len(body)) {
		t.Errorf("HEAD %d, %d bytes; GET %d, %d bytes (%d read)", head.StatusCode, head.ContentLength, get.StatusCode, get.ContentLength, len(body))
	}
}
