package capture

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/httpserve"
)

// Compare holds the capture's exchanges against a server's log: a logged
// request the file lacks is a gap, and so is an answered request no log
// holds beyond what the log's bound dropped; a request never answered and
// in no log is one no handler read — queued when the server closed, its
// bytes drained into the file then, or cut before its end — and is
// traffic, not a gap (outside tester sw78: a host LPA's 13,518
// pipelined requests, unread at a Ctrl-C, failed the run). One answered
// and then cut short was read by a handler, so it is a gap too; and a
// body matches its log entry by SHA-256, not by size.
func TestCompareUnreadRequests(t *testing.T) {
	addr := netip.MustParseAddrPort("127.0.0.1:8443")
	ex := func(path string, status int) Exchange {
		return Exchange{Server: addr.String(), Method: "POST", Path: path, Status: status}
	}
	// cut is an exchange a reset cut short after its answer's headers (a
	// power cut during getBoundProfilePackage).
	cut := func(path string) Exchange {
		e := ex(path, 200)
		e.Cut = true
		return e
	}
	body := []byte(`{"transactionId":"0A"}`)
	withBody := func(b []byte) Exchange {
		e := ex("/a", 200)
		e.RequestBody = b
		return e
	}
	size, sum := httpserve.BodyAsRead(body, true)
	logged := []httpserve.Request{{Index: 0, Method: "POST", Path: "/a", Status: 200}}
	loggedBody := []httpserve.Request{{Index: 0, Method: "POST", Path: "/a", Status: 200, BodySize: size, BodySHA256: sum}}
	for _, tc := range []struct {
		name    string
		ex      []Exchange
		logged  []httpserve.Request // logged unless set
		dropped int
		want    []string // substrings, one per difference
	}{
		{"matched", []Exchange{ex("/a", 200)}, nil, 0, nil},
		{"unread at the close", []Exchange{ex("/a", 200), ex("/b", 0), ex("/c", 0)}, nil, 0, nil},
		{"answered, in no log", []Exchange{ex("/a", 200), ex("/b", 200)}, nil, 0, []string{"in the capture but not in the SM-DP+'s log: POST /b"}},
		// Answered, then cut: a handler read it, so a log must hold it
		// (t167 S7; README: "one the capture shows answered that no
		// server logged … fails the run").
		{"answered, cut by a reset, in no log", []Exchange{ex("/a", 200), cut("/b")}, nil, 0, []string{"in the capture but not in the SM-DP+'s log: POST /b"}},
		{"answered, cut by a reset, logged", []Exchange{cut("/a")}, nil, 0, nil},
		{"answered, dropped by the log's bound", []Exchange{ex("/a", 200), ex("/b", 200)}, nil, 1, nil},
		{"a logged request missing", nil, nil, 0, []string{MissingPrefix + "SM-DP+ request #0, POST /a"}},
		// Bodies match by their SHA-256, not their size (t167 W1).
		{"the logged body", []Exchange{withBody(bytes.Clone(body))}, loggedBody, 0, nil},
		{"a body of the logged size, other bytes", []Exchange{withBody(bytes.ToUpper(body))}, loggedBody, 0, []string{
			MissingPrefix + "SM-DP+ request #0, POST /a", "in the capture but not in the SM-DP+'s log: POST /a"}},
		{"a body cut short", []Exchange{withBody(body[:size-1])}, loggedBody, 0, []string{
			MissingPrefix + "SM-DP+ request #0, POST /a", "in the capture but not in the SM-DP+'s log: POST /a"}},
		// The log says what the server wrote: the file must show it
		// (t233: a tap that recorded no server bytes left every plain
		// HTTP exchange matched, answerless).
		{"logged answered, no answer in the capture", []Exchange{ex("/a", 0)}, nil, 0, []string{
			AnswerPrefix + "SM-DP+ request #0, POST /a at 00:00:00.000: its log says answered 200, the capture shows no answer"}},
		{"logged answered 200, the capture shows 500", []Exchange{ex("/a", 500)}, nil, 0, []string{
			AnswerPrefix + "SM-DP+ request #0, POST /a at 00:00:00.000: its log says answered 200, the capture shows answered 500"}},
		{"logged not answered (a held answer dropped), none in the capture", []Exchange{ex("/a", 0)},
			[]httpserve.Request{{Index: 0, Method: "POST", Path: "/a"}}, 0, nil},
		{"logged not answered, the capture shows an answer", []Exchange{ex("/a", 200)},
			[]httpserve.Request{{Index: 0, Method: "POST", Path: "/a"}}, 0, []string{
				AnswerPrefix + "SM-DP+ request #0, POST /a at 00:00:00.000: its log says not answered, the capture shows answered 200"}},
		{"logged answered, cut by a reset before it", []Exchange{{Server: addr.String(), Method: "POST", Path: "/a", Cut: true}}, nil, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := tc.logged
			if log == nil {
				log = logged
			}
			got := Compare(tc.ex, []ServerLog{{Name: "SM-DP+", Addr: addr, Requests: log, Dropped: tc.dropped}})
			if len(got) != len(tc.want) {
				t.Fatalf("%q, want %d difference(s)", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("difference %q lacks %q", got[i], w)
				}
			}
		})
	}
}
