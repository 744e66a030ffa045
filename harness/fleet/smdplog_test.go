package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// The fleet reads an SM-DP+'s notification log (esimhil serve's route)
// and counts what the SM-DP+ took, its own cards' only; an SM-DP+ without
// the route (a third party's), or whose log cannot be read whole, is NOT
// CHECKED with the reason (outside tester t71 F1: serve's SM-DP+ was
// never checked).
func TestSMDPReader(t *testing.T) {
	const ours, theirs = "89049032000001000000000000000171", "89049032000001000000000000000268"
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	entry := func(i int, outcome, eid string) smdplog.Entry {
		return smdplog.Entry{Index: i, Time: at, Status: 204, Outcome: outcome, Kind: "install", Seq: i + 1, EID: eid}
	}
	page := func(total, dropped int, es ...smdplog.Entry) func(offset int) (int, any) {
		return func(offset int) (int, any) {
			var in []smdplog.Entry
			for _, e := range es {
				if e.Index >= offset {
					in = append(in, e)
				}
			}
			return 200, smdplog.NewPage(total, dropped, max(offset, dropped), in, nil)
		}
	}
	// started is page with log_started naming when the log began.
	started := func(began time.Time, total int, es ...smdplog.Entry) func(offset int) (int, any) {
		return func(offset int) (int, any) {
			_, p := page(total, 0, es...)(offset)
			return 200, p.(smdplog.Page).Started(began)
		}
	}
	busy := func(int) (int, any) { return 503, smdplog.ErrorAnswer{Error: "busy"} }
	rewritten := entry(0, smdplog.Taken, ours)
	rewritten.Status = 500
	again := entry(1, smdplog.Taken, ours)
	again.Seq = 1 // entry 0's
	resent := entry(4, smdplog.Duplicate, ours)
	resent.Seq = 3 // entry 2's, sent again
	moved := entry(3, smdplog.Taken, ours)
	moved.Kind = "delete" // another entry 3: a log numbered from 0 again
	for _, tc := range []struct {
		name string
		// answers answers the probe, the read during the storm and those
		// after it, the last one every later read (offset: the read's);
		// status and body.
		answers  []func(offset int) (int, any)
		log      map[string]int
		problem  string // "" when read whole
		failures int    // reads that failed and were tried again
		// untried: the storm's cards tried to send none of the entries
		// (else each entry's EID|seq is one they tried).
		untried bool
	}{
		// Another storm of the same seed on the same SM-DP+ (same EIDs,
		// same seqs): NOT CHECKED, saying so, not counted (outside tester
		// t146 F3: its entries failed the storm's own result as edited).
		{"another storm's, taken again", []func(int) (int, any){page(0, 0), page(2, 0, entry(0, smdplog.Taken, ours), again)},
			map[string]int{"sfr|install": 1}, "another storm shares this SM-DP+: 1 entries taken during the storm under this storm's EIDs are no notification its cards sent (" + ours + " seq 1 (install) taken again as another notification): another storm of seed 0 against the same SM-DP+", 0, false},
		{"another storm's, never sent", []func(int) (int, any){page(0, 0), page(1, 0, entry(0, smdplog.Taken, ours))},
			map[string]int{}, "another storm shares this SM-DP+: 1 entries taken during the storm under this storm's EIDs are no notification its cards sent (" + ours + " seq 1 (install), which no card of this storm sent)", 0, true},
		{"taken, ours only", []func(int) (int, any){page(2, 0), page(6, 0,
			entry(2, smdplog.Taken, ours), entry(3, smdplog.Taken, theirs), resent, entry(5, smdplog.Discarded, ""))},
			map[string]int{"sfr|install": 1}, "", 0, false},
		{"no route", []func(int) (int, any){func(int) (int, any) { return 404, smdplog.ErrorAnswer{Error: "no such route"} }},
			map[string]int{}, "an external SM-DP+ with no log route to read (GET /esimhil/v1/inspect/notifications answered 404: no such route)", 0, false},
		{"not a page", []func(int) (int, any){func(int) (int, any) { return 200, map[string]int{"count": 3} }},
			map[string]int{}, `an external SM-DP+ with no log route to read (GET /esimhil/v1/inspect/notifications answered 200 with a body that is not a page of its log: unknown member "count"`, 0, false},
		{"restarted", []func(int) (int, any){page(5, 0), page(1, 0, entry(0, smdplog.Taken, ours))},
			map[string]int{}, "the SM-DP+'s log went back: it holds 1 entries, and 5 had been read from it (restarted, or its log cleared?)", 0, false},
		// Restarted between two reads and grown past where it was read:
		// told by the last entry read, not there again (r85 #1).
		{"restarted and grown past", []func(int) (int, any){page(2, 0), page(4, 0, entry(2, smdplog.Taken, ours), entry(3, smdplog.Taken, ours)),
			page(6, 0, moved, entry(4, smdplog.Taken, ours), entry(5, smdplog.Taken, ours))},
			map[string]int{"sfr|install": 2}, "the SM-DP+'s log changed under the reader: entry 3 is not the one read before: kind \"install\", now \"delete\" (an entry changed after it was served, or the log restarted and numbered from 0 again)", 0, false},
		// Entries before the storm; restarted before the first read and
		// grown past them: its first entry is not the one read at the
		// probe (outside tester t86 F1, form A).
		{"held entries, restarted before the first read", []func(int) (int, any){page(1, 0, entry(0, smdplog.Taken, theirs)),
			page(3, 0, entry(0, smdplog.Taken, ours), entry(1, smdplog.Taken, ours), entry(2, smdplog.Taken, ours))},
			map[string]int{}, "the SM-DP+'s log changed under the reader: entry 0 is not the one read before: eid \"89049032000001000000000000000268\", now \"89049032000001000000000000000171\" (an entry changed after it was served, or the log restarted and numbered from 0 again)", 0, false},
		// Empty before the storm, restarted before the first read: only
		// log_started tells (form B).
		{"empty, restarted before the first read", []func(int) (int, any){started(at, 0),
			started(at.Add(time.Minute), 1, entry(0, smdplog.Taken, ours))},
			map[string]int{}, "the SM-DP+'s log changed under the reader: it began at 2026-01-01T00:00:00Z, and now at 2026-01-01T00:01:00Z (restarted)", 0, false},
		// A page naming no log_started is read as one without it.
		{"log_started not named", []func(int) (int, any){started(at, 0), page(1, 0, entry(0, smdplog.Taken, ours))},
			map[string]int{"sfr|install": 1}, "", 0, false},
		// The same log, its entry before the storm and log_started found
		// again: read whole.
		{"held entries, the same log", []func(int) (int, any){started(at, 1, entry(0, smdplog.Taken, theirs)),
			started(at, 3, entry(0, smdplog.Taken, theirs), entry(1, smdplog.Taken, ours), entry(2, smdplog.Taken, ours))},
			map[string]int{"sfr|install": 2}, "", 0, false},
		{"empty, the same log", []func(int) (int, any){started(at, 0), started(at, 1, entry(0, smdplog.Taken, ours))},
			map[string]int{"sfr|install": 1}, "", 0, false},
		{"dropped unread", []func(int) (int, any){page(5, 0), page(20000, 10000, entry(10000, smdplog.Taken, ours))},
			map[string]int{}, "the SM-DP+ dropped entries 5…9999 from its log before they were read", 0, false},
		{"a skip", []func(int) (int, any){page(0, 0), page(2, 0, entry(1, smdplog.Taken, ours))},
			map[string]int{}, "the SM-DP+'s log skips entries 0…0 without saying it dropped them (its page's dropped is 0)", 0, false},
		// Changed after it was served, its log_started the same: no
		// restart; the member that changed is named (outside tester
		// t146 F7: a status rewritten 200 → 500 was called a restart).
		{"an entry changed under the reader", []func(int) (int, any){started(at, 0), started(at, 1, entry(0, smdplog.Taken, ours)),
			started(at, 2, rewritten, entry(1, smdplog.Taken, ours))},
			map[string]int{"sfr|install": 1}, "the SM-DP+'s log changed under the reader: entry 0 is not the one read before: status 204, now 500 (an entry changed after it was served: its log_started is the one read before, so no restart)", 0, false},
		{"out of order", []func(int) (int, any){page(1, 0), page(3, 0, entry(1, smdplog.Taken, ours), entry(1, smdplog.Taken, ours))},
			map[string]int{"sfr|install": 1}, "the SM-DP+'s log gave entry 1 again after 1: entries out of order", 0, false},
		// A 503 at the probe is asked again, as the platform's is.
		{"busy at the probe", []func(int) (int, any){busy, busy, page(0, 0), page(1, 0, entry(0, smdplog.Taken, ours))},
			map[string]int{"sfr|install": 1}, "", 0, false},
		{"busy once, counted", []func(int) (int, any){page(0, 0), busy, page(1, 0, entry(0, smdplog.Taken, ours))},
			map[string]int{"sfr|install": 1}, "", 1, false},
		{"failing after the storm", []func(int) (int, any){page(0, 0), busy},
			map[string]int{}, "GET /esimhil/v1/inspect/notifications answered 503: busy (still failing after the storm: ", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked, probed := 0, false
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != smdplog.Path {
					http.NotFound(w, r)
					return
				}
				var offset int
				json.Unmarshal([]byte(r.URL.Query().Get("offset")), &offset)
				one := r.URL.Query().Get("limit") == "1"
				if probed && one {
					// The read of the entry before the storm, right
					// after the probe that passed: the probe's log.
					asked--
				}
				status, body := tc.answers[min(asked, len(tc.answers)-1)](offset)
				probed = one && !probed && status == 200
				asked++
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				json.NewEncoder(w).Encode(body)
			}))
			defer srv.Close()
			defer func(d time.Duration) { finishRetryFor = d }(finishRetryFor)
			finishRetryFor = 300 * time.Millisecond
			addr := netip.MustParseAddrPort(srv.Listener.Addr().String())
			r := newSMDPReader("sfr", addr, srv.Client().Transport.(*http.Transport).TLSClientConfig)
			defer r.client.CloseIdleConnections()
			r.ours = map[string]bool{ours: true}
			r.probe(context.Background())
			r.keepUp(context.Background(), smdpMaxBehind) // a read during the storm
			res := newResult()
			tried := map[string]bool{}
			for _, a := range tc.answers {
				if tc.untried {
					break
				}
				if _, p := a(0); p != nil {
					if pg, ok := p.(smdplog.Page); ok {
						for _, e := range pg.Entries {
							tried[fmt.Sprintf("%s|%d", e.EID, e.Seq)] = true
						}
					}
				}
			}
			r.finish(context.Background(), res, tried)
			unchecked := strings.Join(res.Unchecked, "; ")
			switch {
			case tc.problem == "" && (res.SMDPUnread || unchecked != ""):
				t.Errorf("NOT CHECKED: %s", unchecked)
			case tc.problem != "" && (!res.SMDPUnread || !strings.HasPrefix(unchecked, "SM-DP+ sfr log: "+tc.problem)):
				t.Errorf("unchecked %q, want it to start %q", unchecked, "SM-DP+ sfr log: "+tc.problem)
			}
			if tc.failures >= 0 && res.SMDPLogReadFailures != tc.failures || tc.failures < 0 && res.SMDPLogReadFailures == 0 {
				t.Errorf("%d failed reads counted, want %d (-1: some)", res.SMDPLogReadFailures, tc.failures)
			}
			if len(res.SMDPLog) != len(tc.log) || res.SMDPLog["sfr|install"] != tc.log["sfr|install"] {
				t.Errorf("log %v, want %v", res.SMDPLog, tc.log)
			}
		})
	}
}

// A duplicate in the SM-DP+'s log is a notification it holds: counted
// once when the storm's own card sent it again, and counted — as held
// before the storm — when the SM-DP+ took it in an earlier run (a serve
// reused); a discarded or refused one, or another shard's, is not
// (outside tester t136 F9: 20 such were LOST "in no server's log").
func TestSMDPReaderCountsDuplicates(t *testing.T) {
	const ours, theirs = "89049032000001000000000000000171", "89049032000001000000000000000268"
	e := func(outcome, eid string, seq int) smdplog.Entry {
		return smdplog.Entry{Status: 204, Outcome: outcome, Kind: "enable", Seq: seq, EID: eid}
	}
	for _, tc := range []struct {
		name    string
		entries []smdplog.Entry
		held    int // counted in the log
		before  int // of them, taken before the storm
	}{
		{"taken, then sent again", []smdplog.Entry{e(smdplog.Taken, ours, 1), e(smdplog.Duplicate, ours, 1)}, 1, 0},
		{"taken before the storm", []smdplog.Entry{e(smdplog.Duplicate, ours, 1)}, 1, 1},
		{"taken before, sent twice", []smdplog.Entry{e(smdplog.Duplicate, ours, 1), e(smdplog.Duplicate, ours, 1)}, 1, 1},
		{"two notifications of one card", []smdplog.Entry{e(smdplog.Duplicate, ours, 1), e(smdplog.Taken, ours, 2)}, 2, 1},
		{"another shard's", []smdplog.Entry{e(smdplog.Duplicate, theirs, 1)}, 0, 0},
		{"discarded, refused", []smdplog.Entry{e(smdplog.Discarded, "", 0), e(smdplog.Refused, ours, 3)}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newSMDPReader("sfr", netip.MustParseAddrPort("127.0.0.1:1"), nil)
			r.ours = map[string]bool{ours: true}
			for _, x := range tc.entries {
				r.count(x)
			}
			if r.log["sfr|enable"] != tc.held || r.before != tc.before {
				t.Errorf("held %d (%d before the storm), want %d (%d)", r.log["sfr|enable"], r.before, tc.held, tc.before)
			}
		})
	}
}
