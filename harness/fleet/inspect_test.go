package fleet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// A page of the platform's log is read in one decoding, which also tells
// a 200 that is no page (an error object, a field missing or null) from
// a page, naming the first field it lacks.
func TestInspectPage(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"a page", `{"total": 3, "dropped": 1, "offset": 1, "entries": [{"index": 1, "path": "/v1/x", "status": 200, "body": "{}"}], "next": 2}`, ""},
		{"an empty page", `{"total": 0, "offset": 0, "entries": []}`, ""},
		{"an error object", `{"error": "inspect disabled"}`, `answered 200 with a body that is not a page of its log: an error answer, not a page: "inspect disabled"`},
		{"no offset", `{"total": 0, "entries": []}`, `not a page of its log: missing member "offset"`},
		{"no entries", `{"total": 0, "offset": 0}`, `not a page of its log: missing member "entries"`},
		{"entries null", `{"total": 0, "offset": 0, "entries": null}`, `not a page of its log: member "entries" is null`},
		{"a member of another name", `{"total": 0, "offset": 0, "entries": [], "Next": 1}`, `not a page of its log: unknown member "Next"; did you mean "next"?`},
		{"not JSON", `<html>`, "a body that is not a page of its log: malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.body) }))
			defer srv.Close()
			p, err := newInspector(srv.URL, nil).page(0, 10)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			case tc.want == "" && tc.name == "a page" && (*p.Total != 3 || *p.Offset != 1 || p.Dropped != 1 || len(p.Entries) != 1 || *p.Next != 2):
				t.Errorf("page %+v", p)
			}
		})
	}
}

// The reader's bound shrinks when others write to the log too (the
// other shards of a storm against one platform), so the log holds the
// whole bound's worth of every writer's requests, not only this one's.
func TestBehindBound(t *testing.T) {
	for _, tc := range []struct{ sent, logged, want int }{
		{0, 0, maxUnread},
		{100, 100, maxUnread},
		{100, 90, maxUnread}, // requests the platform did not log
		{100, 800, maxUnread / 8},
		{1, 1 << 30, 1},
	} {
		if got := behindBound(tc.sent, tc.logged); got != tc.want {
			t.Errorf("sent %d, logged %d: %d, want %d", tc.sent, tc.logged, got, tc.want)
		}
	}
}

// A shard counts only its own cards' notifications in a log the other
// shards of its storm write to as well: merged, each is counted once.
func TestInspectorCountsItsOwnCards(t *testing.T) {
	const mine, theirs = "89049032000000000000010000000017", "89049032000000000000010000000114"
	defer func(old time.Duration) { finishRetryFor = old }(finishRetryFor)
	finishRetryFor = 0 // nothing listens there: finish's read fails at once
	in := newInspector("http://127.0.0.1:1", nil)
	in.ours = map[string]bool{mine: true}
	r := newResult()
	for _, eid := range []string{mine, theirs, mine} {
		body := fmt.Sprintf(`{"eid":%q,"kind":"attach-success","iccid":"89208100005000006594","operator":"sfr","plmn":"20810"}`, eid)
		in.count(asLogged(platformapi.Received{Path: platformapi.PathNotifications, Status: http.StatusOK, Body: body}))
	}
	in.finish(r)
	if want := map[string]int{mine + "|attach-success": 2}; !reflect.DeepEqual(r.PlatformLog, want) {
		t.Errorf("platform log %v, want %v", r.PlatformLog, want)
	}
}

// What the log route answers besides a page is named by the route and
// what it did: a redirect (not followed: another origin's log is not the
// platform's), an error status with its reason, a body cut short or too
// large; at the probe, only a connection refused is "not reachable".
func TestInspectRouteTroubleNamed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"a redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", http.StatusMovedPermanently)
		}, "GET /v1/inspect/received answered 301 (a redirect to http://127.0.0.1:1/elsewhere, not followed: the log is the platform's own)"},
		{"an error with a reason", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"offset: past the log's total"}`)
		}, "GET /v1/inspect/received answered 400: offset: past the log's total"},
		{"a body cut short", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			fmt.Fprint(w, `{"total": 0,`)
		}, "GET /v1/inspect/received: its answer 200 was cut short: unexpected EOF"},
		{"a body too large", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(strings.Repeat(" ", maxInspectBody+10)))
		}, "GET /v1/inspect/received answered a page of more than 16 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			in := newInspector(srv.URL, nil)
			err := in.probe("platform.test", 1)
			if err == nil {
				err = fmt.Errorf("%s", in.problem) // it answers, with no log to read
			}
			if err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
	in := newInspector("http://127.0.0.1:1", nil)
	if err := in.probe("platform.test", 1); err == nil || !strings.HasPrefix(err.Error(), "not reachable: ") {
		t.Errorf("a closed port: %v", err)
	}
}

// A failed read's Retry-After sets the pause before the next read when
// it asks for longer than the doubling would wait, up to maxRetryAfter;
// a read that passes forgets it.
func TestInspectorWaitsWhatRetryAfterAsks(t *testing.T) {
	var status int
	var after string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if after != "" {
			w.Header().Set("Retry-After", after)
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		fmt.Fprint(w, `{"total": 0, "offset": 0, "entries": []}`)
	}))
	defer srv.Close()
	in := newInspector(srv.URL, nil)
	for _, step := range []struct {
		status int
		after  string
		want   time.Duration
	}{
		{http.StatusServiceUnavailable, "", 400 * time.Millisecond}, // the doubling
		{http.StatusServiceUnavailable, "3", 3 * time.Second},
		{http.StatusTooManyRequests, "7200", maxRetryAfter},
		{http.StatusServiceUnavailable, "1", 3200 * time.Millisecond}, // the doubling is longer by now
		{http.StatusOK, "9", inspectEvery},                            // read: no pause asked
	} {
		status, after = step.status, step.after
		in.poll()
		if got := in.pause(); got != step.want {
			t.Errorf("after %d with Retry-After %q: pause %v, want %v", step.status, step.after, got, step.want)
		}
	}
	if in.problem != "" || in.failures != 4 {
		t.Errorf("problem %q, %d failed reads; want none, 4", in.problem, in.failures)
	}
}

// A platform that keeps only its newest requests, and dropped some the
// reader had not reached, including the one it read last, is NOT CHECKED
// for the drop, as docs/platform-api.md words it, not as a restart
// (outside tester sw72: the entry last read was looked for first).
func TestInspectorDroppedBeforeRead(t *testing.T) {
	entry := func(i int) platformapi.Received {
		return platformapi.Received{Index: i, Path: platformapi.PathPreferredList, Status: http.StatusOK, Body: fmt.Sprintf(`{"n":%d}`, i)}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// 20 requests so far; all but the newest two dropped.
		p := platformapi.NewInspectPage(20, 18, 18, []platformapi.Received{entry(18), entry(19)}, nil)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	}))
	defer srv.Close()
	in := newInspector(srv.URL, nil)
	in.offset, in.hasLast, in.lastEntry = 10, true, markOf(entry(9)) // read up to 9 before
	in.poll()
	if want := "the platform dropped requests 10…17 from its log before they were read"; in.problem != want {
		t.Errorf("problem %q, want %q", in.problem, want)
	}
}

// A storm stopped by a signal against an external platform reads the
// platform's log once more after the stop, within afterStop: what the
// cards had acknowledged is checked against it (outside tester sw78: it
// stayed NOT CHECKED with the platform up and every note in it). A log
// route that does not answer within the bound is NOT CHECKED, saying so.
func TestStoppedStormReadsTheLogAfterTheStop(t *testing.T) {
	defer func(old time.Duration) { afterStop = old }(afterStop)
	afterStop = 300 * time.Millisecond
	for _, tc := range []struct {
		name      string
		hang      bool // the log route answers nothing once the storm is stopped
		unchecked string
	}{
		{"the log answers", false, ""},
		{"the log hangs after the stop", true, "platform log: not read to its end: the last read after the signal took more than 300ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := loadTemplate(t, 40, 0)
			tp.Mix = []Part{{Share: 1, Kind: KindPreinstalled}}
			tp.ArriveWithin = Duration(6 * time.Hour)
			pki, err := NewPKI(tp.Base, tp.Seed)
			if err != nil {
				t.Fatal(err)
			}
			sv := startEmulated(t, tp, pki)
			ctx := newStopAfter(300)
			defer ctx.cancel(nil)
			release := make(chan struct{})
			platform := sv.Platform.Handler()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.hang && r.URL.Path == platformapi.PathInspect && ctx.Context.Err() != nil {
					select {
					case <-release:
					case <-r.Context().Done():
					}
					return
				}
				platform.ServeHTTP(w, r)
			}))
			defer srv.Close()
			defer close(release)
			res, err := Run(ctx, Config{Template: tp, Platform: srv.URL})
			if !errors.Is(err, context.Canceled) || res == nil || res.Stopped == 0 {
				t.Fatalf("storm ended with %v (result %v), want it stopped with devices on", err, res != nil)
			}
			var out strings.Builder
			res.Print(&out)
			var platformUnchecked []string
			for _, u := range res.Unchecked {
				if strings.HasPrefix(u, "platform log: ") {
					platformUnchecked = append(platformUnchecked, u)
				}
			}
			if tc.unchecked == "" {
				if len(platformUnchecked) > 0 || !res.PlatformByReport || res.PlatformLost != 0 || len(res.CardToPlatform) == 0 {
					t.Errorf("unchecked %q, held note by note %v, %d lost:\n%s", platformUnchecked, res.PlatformByReport, res.PlatformLost, out.String())
				}
				return
			}
			if !slices.Equal(platformUnchecked, []string{tc.unchecked}) || !LogCutByStop(res.Unchecked) {
				t.Errorf("unchecked %q, want %q:\n%s", platformUnchecked, tc.unchecked, out.String())
			}
		})
	}
}

// A log entry may carry its body in base64 (body_encoding,
// docs/platform-api.md): the note it holds is counted as its text would
// be, and base64 that is not is an entry the check cannot read.
func TestInspectorReadsBodyEncodings(t *testing.T) {
	const eid = "89049032000000000000010000000017"
	note := fmt.Sprintf(`{"eid":%q,"kind":"attach-success","iccid":"89208100005000006594","operator":"sfr","plmn":"20810"}`, eid)
	for _, tc := range []struct {
		name, body, encoding string
		counted, unreadable  int
	}{
		{"text", note, "", 1, 0},
		{"base64", base64.StdEncoding.EncodeToString([]byte(note)), platformapi.BodyBase64, 1, 0},
		{"base64 that is not", "%%%", platformapi.BodyBase64, 0, 1},
		{"an encoding unknown", note, "gzip", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := newInspector("http://127.0.0.1:1", nil)
			in.count(asLogged(platformapi.Received{Path: platformapi.PathNotifications, Status: http.StatusOK, Body: tc.body, BodyEncoding: tc.encoding}))
			if got := in.log[eid+"|attach-success"]; got != tc.counted || in.unreadable != tc.unreadable {
				t.Errorf("counted %d, unreadable %d; want %d, %d", got, in.unreadable, tc.counted, tc.unreadable)
			}
		})
	}
}
