package capture

import (
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
// pipelined requests, unread at a Ctrl-C, failed the run).
func TestCompareUnreadRequests(t *testing.T) {
	addr := netip.MustParseAddrPort("127.0.0.1:8443")
	ex := func(path string, status int) Exchange {
		return Exchange{Server: addr.String(), Method: "POST", Path: path, Status: status}
	}
	logged := []httpserve.Request{{Index: 0, Method: "POST", Path: "/a", Status: 200}}
	for _, tc := range []struct {
		name    string
		ex      []Exchange
		dropped int
		want    []string // substrings, one per difference
	}{
		{"matched", []Exchange{ex("/a", 200)}, 0, nil},
		{"unread at the close", []Exchange{ex("/a", 200), ex("/b", 0), ex("/c", 0)}, 0, nil},
		{"answered, in no log", []Exchange{ex("/a", 200), ex("/b", 200)}, 0, []string{"in the capture but not in the SM-DP+'s log: POST /b"}},
		{"answered, dropped by the log's bound", []Exchange{ex("/a", 200), ex("/b", 200)}, 1, nil},
		{"a logged request missing", nil, 0, []string{MissingPrefix + "SM-DP+ request #0, POST /a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(tc.ex, []ServerLog{{Name: "SM-DP+", Addr: addr, Requests: logged, Dropped: tc.dropped}})
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
