package platform

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// A garbled platform answers every card route it would serve with 200 and
// a body that is not the API's (Content-Length true to it) and serves
// nothing in its place; a malformed or unauthenticated request is still
// refused as it would be. Each route's body is its own answer cut off, so
// what decodes it reads a cut-off answer, not another route's members
// (outside tester sw51, F6: a list fragment to a download read "unknown
// member list_id").
func TestGarbledAnswers(t *testing.T) {
	for path, rt := range routes {
		if rt.card && garbled[path] == nil {
			t.Errorf("card route %s has no garbled answer", path)
		}
	}
	listReq := listBody("20801", "")
	note := `{"eid":"` + testEID + `","kind":"attach-success","operator":"sfr","plmn":"20810"}`
	dl := `{"eid":"` + testEID + `","operator":"sfr","serving_plmn":"20801"}`
	tests := []struct {
		name, path, body string
		status           int
		decode           func([]byte) error
	}{
		{"preferred list", platformapi.PathPreferredList, listReq, 200, func(b []byte) error { _, err := platformapi.DecodeListResponse(b); return err }},
		{"notification", platformapi.PathNotifications, note, 200, func(b []byte) error { _, err := platformapi.DecodeNotificationAck(b); return err }},
		{"download", platformapi.PathDownload, dl, 200, func(b []byte) error { _, err := platformapi.DecodeDownloadResponse(b); return err }},
		{"malformed request still 400", platformapi.PathPreferredList, `{"eid":"` + testEID + `"}`, 400, nil},
		// What depends on the platform's state is past the garbling.
		{"unknown country garbled too", platformapi.PathPreferredList, listBody("99901", ""), 200, func(b []byte) error { _, err := platformapi.DecodeListResponse(b); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			s, lg := newTestServer(t, func(c *Config) {
				c.Inject = func(fault, op string) bool { asked = append(asked, fault+"/"+op); return fault == FaultGarbled }
			})
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, cardRequest("POST", tc.path, tc.body))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.decode == nil {
				if len(asked) != 0 {
					t.Errorf("asked %v about a request refused before serving", asked)
				}
				return
			}
			b := rec.Body.Bytes()
			if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(b)) {
				t.Errorf("Content-Length %s for %d bytes", cl, len(b))
			}
			if rec.Header().Get("Content-Type") != platformapi.ContentType {
				t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
			}
			if err := tc.decode(b); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
				t.Errorf("body %q decodes with %v, want a cut-off answer (unexpected EOF)", b, err)
			}
			for _, k := range []eventlog.Kind{"preferred_list_served", "notification_received", "download_requested", "request_rejected"} {
				if n := len(lg.Kind(k)); n != 0 {
					t.Errorf("%d %s events: a garbled platform serves nothing", n, k)
				}
			}
			if r := s.Received(); len(r) != 1 || r[0].Status != 200 {
				t.Errorf("received %+v", r)
			}
		})
	}
}

// A slow platform's answer waits for Config.Wait, after the request is
// served (its events logged) and its delay decided; a client that leaves
// meanwhile gets nothing; refusals are not held.
func TestSlowAnswers(t *testing.T) {
	listReq := listBody("20801", "")
	release := make(chan bool, 1)
	var asked int
	var gotDelay time.Duration
	var gotClient string
	s, lg := newTestServer(t, func(c *Config) {
		c.Slow = func() time.Duration { asked++; return 45 * time.Second }
		c.Wait = func(d time.Duration, client string, stop <-chan struct{}, _ func()) bool {
			gotDelay, gotClient = d, client
			if asked > 2 {
				// Only the two lists are held: a refusal held too
				// would wait here for a release that never comes, and
				// the package's tests would end at their timeout.
				t.Errorf("answer %d held %v: only the two lists are slow", asked, d)
				return true
			}
			select {
			case ok := <-release:
				return ok
			case <-stop:
				return false
			}
		}
	})
	// Answered once the wait says so.
	release <- true
	rec := httptest.NewRecorder()
	req := cardRequest("POST", platformapi.PathPreferredList, listReq)
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || gotDelay != 45*time.Second || gotClient != req.RemoteAddr {
		t.Fatalf("status %d, waited %v for %q", rec.Code, gotDelay, gotClient)
	}
	if _, err := platformapi.DecodeListResponse(rec.Body.Bytes()); err != nil {
		t.Fatalf("answer: %v", err)
	}
	// The client leaves while the answer is held: the handler aborts,
	// the list was served (logged) all the same.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	aborted := func() (p any) {
		defer func() { p = recover() }()
		s.Handler().ServeHTTP(httptest.NewRecorder(), cardRequest("POST", platformapi.PathPreferredList, listReq).WithContext(ctx))
		return nil
	}()
	if aborted != http.ErrAbortHandler {
		t.Fatalf("client gone: handler ended with %v, want http.ErrAbortHandler", aborted)
	}
	if n := len(lg.Kind("preferred_list_served")); n != 2 {
		t.Errorf("%d lists served, want 2", n)
	}
	bad := httptest.NewRecorder()
	s.Handler().ServeHTTP(bad, cardRequest("POST", platformapi.PathPreferredList, `{}`))
	if bad.Code != 400 || asked != 2 {
		t.Errorf("refusal: status %d, delay asked %d times, want 2", bad.Code, asked)
	}
	// The log says what each client was sent: the dropped answer none
	// (t236: it said 200, and a capture that rightly lacked the answer
	// could not be told from one that lost it).
	got := s.Received()
	want := []struct {
		status int
		err    string
	}{{200, ""}, {0, "no answer: the 200, held 45s (slow), was dropped: the connection closed first"}, {400, "eid: required"}}
	if len(got) != len(want) {
		t.Fatalf("log: %+v, want %d entries", got, len(want))
	}
	for i, w := range want {
		if got[i].Status != w.status || !strings.HasPrefix(got[i].Error, w.err) {
			t.Errorf("log entry %d: status %d, error %q; want %d, %q", i, got[i].Status, got[i].Error, w.status, w.err)
		}
	}
	if reqs, _ := s.Requests(); reqs[1].Status != 0 {
		t.Errorf("the request log's dropped answer: status %d, want 0", reqs[1].Status)
	}
}

// Without Config.Wait a slow answer waits on the platform's clock.
func TestSlowAnswerOnTheClock(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	loop := clock.NewLoop(clk)
	s, _ := newTestServer(t, func(c *Config) {
		c.Clock = clk
		c.Slow = func() time.Duration { return 10 * time.Second }
	})
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathPreferredList, listBody("20801", "")))
	}()
	for clk.Pending() == 0 { // the handler has parked
		runtime.Gosched()
	}
	if err := loop.Advance(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	<-done
	if rec.Code != 200 || rec.Header().Get("Date") != clock.Epoch.Add(10*time.Second).Format(http.TimeFormat) {
		t.Fatalf("status %d, Date %s", rec.Code, rec.Header().Get("Date"))
	}
}

// A platform: status fault answers the card routes it is asked about with
// that status and the documented error body, serves nothing in its place,
// and logs and records the request as refused with that status; a route
// it does not name is served, and a request refused before serving is
// not asked about.
func TestStatusAnswers(t *testing.T) {
	listReq := listBody("20801", "")
	note := `{"eid":"` + testEID + `","kind":"attach-success","operator":"sfr","plmn":"20810"}`
	dl := `{"eid":"` + testEID + `","operator":"sfr","serving_plmn":"20801"}`
	tests := []struct {
		name, path, body string
		failing          string // the route the fault names
		code, want       int
	}{
		{"list 503", platformapi.PathPreferredList, listReq, platformapi.PathPreferredList, 503, 503},
		{"list 500", platformapi.PathPreferredList, listReq, platformapi.PathPreferredList, 500, 500},
		{"notification 504", platformapi.PathNotifications, note, platformapi.PathNotifications, 504, 504},
		{"download 599", platformapi.PathDownload, dl, platformapi.PathDownload, 599, 599},
		{"another route served", platformapi.PathPreferredList, listReq, platformapi.PathNotifications, 503, 200},
		{"malformed request still 400", platformapi.PathPreferredList, `{"eid":"` + testEID + `"}`, platformapi.PathPreferredList, 503, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			s, lg := newTestServer(t, func(c *Config) {
				c.Status = func(path string) int {
					asked = append(asked, path)
					if path == tc.failing {
						return tc.code
					}
					return 0
				}
			})
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, cardRequest("POST", tc.path, tc.body))
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if tc.want == 400 {
				if len(asked) != 0 {
					t.Errorf("asked about %v, a request refused before serving", asked)
				}
				return
			}
			if len(asked) != 1 || asked[0] != tc.path {
				t.Errorf("asked about %v, want [%s]", asked, tc.path)
			}
			if tc.want == 200 {
				if len(lg.Kind("preferred_list_served")) != 1 {
					t.Errorf("a route the fault does not name is not served")
				}
				return
			}
			reason := "fault: the platform answers " + strconv.Itoa(tc.code) + " (Status)"
			e, err := platformapi.DecodeErrorResponse(bytes.TrimSuffix(rec.Body.Bytes(), []byte("\n")))
			if err != nil || e.Error != reason {
				t.Errorf("body %q (%v), want {\"error\":%q}", rec.Body, err, reason)
			}
			for _, k := range []eventlog.Kind{"preferred_list_served", "notification_received", "download_requested"} {
				if n := len(lg.Kind(k)); n != 0 {
					t.Errorf("%d %s events: a failing platform serves nothing", n, k)
				}
			}
			rj := lg.Kind("request_rejected")
			var status int
			if len(rj) == 1 {
				status, _ = rj[0].Int("status")
			}
			if len(rj) != 1 || status != tc.code || rj[0].Str("reason") != reason {
				t.Errorf("request_rejected %+v", rj)
			}
			if r := s.Received(); len(r) != 1 || r[0].Status != tc.code || r[0].Error != reason {
				t.Errorf("received %+v", r)
			}
		})
	}
}

// A held answer's entry is shown once the answer went, written or
// dropped, with what the client was sent: while it is held, the log
// stops before it, so a reader never sees it change (t236: it was shown
// as 200 at once, and stayed so when the answer was dropped).
func TestHeldAnswerShownOnceGone(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sent   bool
		status int
	}{{"written", true, 200}, {"dropped", false, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			parked, release := make(chan struct{}), make(chan bool)
			s, _ := newTestServer(t, func(c *Config) {
				c.Slow = func() time.Duration { return 45 * time.Second }
				c.Wait = func(time.Duration, string, <-chan struct{}, func()) bool { close(parked); return <-release }
			})
			done := make(chan struct{})
			go func() {
				defer close(done)
				defer func() { _ = recover() }() // a dropped answer aborts the handler
				s.Handler().ServeHTTP(httptest.NewRecorder(), cardRequest("POST", platformapi.PathPreferredList, listBody("20801", "")))
			}()
			<-parked
			if got := s.Received(); len(got) != 0 {
				t.Errorf("while held the log shows %+v", got)
			}
			release <- tc.sent
			<-done
			if got := s.Received(); len(got) != 1 || got[0].Status != tc.status {
				t.Errorf("once gone the log shows %+v, want status %d", got, tc.status)
			}
		})
	}
}
