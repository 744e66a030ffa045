package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// authCheckRequest says whether r is one of the checks' requests (its
// card is none of the fleet's devices), leaving its body to be read.
func authCheckRequest(r *http.Request) bool {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var v struct{ EID string }
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	_, device := deviceIndex(v.EID)
	return !device
}

// The checks against platforms that get authentication right and wrong
// in each of the ways a check is there for: each finding names what the
// platform did, a failed check fails the run, and a platform that only
// answers 5xx leaves the checks NOT CHECKED.
func TestPlatformAuthChecks(t *testing.T) {
	pass := map[string]string{}
	for _, c := range AuthChecks {
		pass[c] = ""
	}
	with := func(changes map[string]string) map[string]string {
		m := maps.Clone(pass)
		maps.Copy(m, changes)
		return m
	}
	defer func(p time.Duration) { authPause = p }(authPause)
	authPause = time.Millisecond
	tp := loadTemplate(t, 2, 0)
	tp.Mix = []Part{{Share: 1, Kind: KindPreinstalled}}
	pki, err := NewPKI(tp.Base, tp.Seed)
	if err != nil {
		t.Fatal(err)
	}
	// A second instance of the platform, with counters of its own.
	second := startEmulated(t, tp, pki).Platform.Handler()
	var turn sync.Mutex
	n := 0
	// A platform with authentication off (Config.CI nil) takes whatever
	// it is sent.
	open, err := platform.New(harness.PlatformConfig(tp.Base, clock.Wall{}, eventlog.NewPassing(time.Now)))
	if err != nil {
		t.Fatal(err)
	}
	accepted := `ACCEPTED: answered 200 "{\"list_id\":`
	acked := `ACCEPTED: answered 200 "{\"ack\":true`
	for _, tc := range []struct {
		name string
		// serve answers a check's request (h is the emulated platform,
		// which authenticates); nil: h answers it.
		serve func(h http.Handler, w http.ResponseWriter, r *http.Request)
		want  map[string]string // a finding, or its start
		ok    bool
	}{
		{"the emulated platform", nil, pass, true},
		{"no authentication at all", func(_ http.Handler, w http.ResponseWriter, r *http.Request) { open.Handler().ServeHTTP(w, r) },
			with(map[string]string{AuthUnsigned: accepted, AuthUnsignedDownload: `answered 403 "{\"error\":\"eligibility: no contract with operator sfr\"}`,
				AuthUnsignedNotification: acked, AuthForged: accepted, AuthUnknownCI: accepted, AuthOtherEID: accepted, AuthLowerSeq: accepted, AuthReplay: accepted}), false},
		{"authentication on the list route only", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == platformapi.PathNotifications {
				open.Handler().ServeHTTP(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}, with(map[string]string{AuthUnsignedNotification: acked}), false},
		{"two instances round-robin, their counters not shared", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			turn.Lock()
			n++
			odd := n%2 == 1
			turn.Unlock()
			if odd {
				h.ServeHTTP(w, r)
				return
			}
			second.ServeHTTP(w, r)
		}, with(map[string]string{AuthReplay: accepted}), false},
		{"rate-limited at each check's first send", everyOtherBusy(http.StatusTooManyRequests), pass, true},
		{"a replay refused in other words", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := bytes.Replace(rec.Body.Bytes(), []byte(platformapi.ReasonReplay), []byte("auth: seq too low: "), 1)
			maps.Copy(w.Header(), rec.Header())
			w.Header().Del("Content-Length") // the body is rewritten
			w.WriteHeader(rec.Code)
			w.Write(body)
		}, with(map[string]string{AuthReplay: `answered 401 with "{\"error\":\"auth: seq too low: seq`}), false},
		{"a refusal that is not 401", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			if r.Header.Get(platformapi.HeaderSignature) == "" {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"error":"who are you"}`)
				return
			}
			h.ServeHTTP(w, r)
		}, with(map[string]string{AuthUnsigned: `answered 403 "{\"error\":\"who are you\"}", not 401`, AuthUnsignedDownload: "answered 403", AuthUnsignedNotification: "answered 403"}), false},
		{"an answer longer than the cards read", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != platformapi.PathNotifications || r.Header.Get(platformapi.HeaderSignature) != "" {
				h.ServeHTTP(w, r)
				return
			}
			// Whole, JSON a card's decoder takes; cut at the limit, no JSON.
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"ack":true,"id":"%s"}`, strings.Repeat("1", probeMaxBody))
		}, with(map[string]string{AuthUnsignedNotification: NotChecked + "POST /v1/notifications answered 200 with a body longer than 65536 bytes, which the cards do not read"}), false},
		{"a counter for the checks' card ahead of the clock", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			if r.Header.Get(platformapi.HeaderSignature) == "" {
				h.ServeHTTP(w, r)
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"auth: replay: seq 1 not above 99999999999"}`)
		}, with(map[string]string{
			AuthGood:     NotChecked + "refused as a replay each of 3 times, 1000 seqs apart",
			AuthLowerSeq: NotChecked + "the request signed right was not taken",
			AuthReplay:   NotChecked + "the request signed right was not taken"}), false},
		{"busy at each check's first send", everyOtherBusy(http.StatusServiceUnavailable), pass, true},
		// An ingress's default page in front of the platform: no card
		// takes it as an answer, and it is no verdict of the platform's
		// (outside tester sw95: read as forged requests taken).
		{"an ingress's default page", func(_ http.Handler, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Welcome to nginx!</body></html>")
		}, with(map[string]string{
			AuthUnsigned:         NotChecked + `answered 200 "<html><body>Welcome to nginx!</body></html>", which no card takes as an answer (Content-Type "text/html", not application/json`,
			AuthUnsignedDownload: NotChecked + "answered 200", AuthUnsignedNotification: NotChecked + "answered 200",
			AuthGood: NotChecked + "answered 200", AuthForged: NotChecked + "answered 200", AuthUnknownCI: NotChecked + "answered 200", AuthOtherEID: NotChecked + "answered 200",
			AuthLowerSeq: NotChecked + "the request signed right was not taken", AuthReplay: NotChecked + "the request signed right was not taken"}), false},
		{"each connection reset with half an answer", func(_ http.Handler, w http.ResponseWriter, r *http.Request) {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			buf.WriteString("HTTP/1.1 2")
			buf.Flush()
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // a reset, not a close
			}
			conn.Close()
		}, with(map[string]string{
			// No answer is no verdict: none of these reads as a
			// request taken (outside tester sw68 F4: 6 of them FAILED).
			AuthUnsigned: NotChecked, AuthUnsignedDownload: NotChecked, AuthUnsignedNotification: NotChecked,
			AuthGood: NotChecked, AuthForged: NotChecked, AuthUnknownCI: NotChecked, AuthOtherEID: NotChecked,
			AuthLowerSeq: NotChecked + "the request signed right got no answer", AuthReplay: NotChecked + "the request signed right got no answer"}), false},
		// An interim 100 Continue before each answer is HTTP's, not the
		// platform's verdict (outside tester sw106: read as the answer).
		{"an interim 100 Continue first", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
				rec.Code, http.StatusText(rec.Code), rec.Header().Get("Content-Type"), rec.Body.Len())
			buf.Write(rec.Body.Bytes())
			buf.Flush()
		}, pass, true},
		// A refusal whose body is cut on the way (a Content-Length that
		// lies): refused, its reason unread — no verdict, not FAILED
		// (outside tester sw106).
		{"a refusal's body cut short", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			if r.Header.Get(platformapi.HeaderSignature) != "" {
				h.ServeHTTP(w, r)
				return
			}
			body := `{"error":"auth: missing header X-Esim-Signature"}`
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body)-10, body)
			buf.Flush()
		}, with(map[string]string{
			AuthUnsigned:             NotChecked + `answered 401 with "{\"error\":\"auth: missing header X-Esim-S", a body that is no JSON`,
			AuthUnsignedDownload:     NotChecked + "answered 401",
			AuthUnsignedNotification: NotChecked + "answered 401"}), false},
		{"busy always", func(h http.Handler, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":"busy"}`)
		}, with(map[string]string{
			AuthUnsigned: NotChecked + `answered 503 "{\"error\":\"busy\"}" each of 3 times`, AuthUnsignedDownload: NotChecked + `answered 503`, AuthUnsignedNotification: NotChecked + `answered 503`,
			AuthGood:   NotChecked + `answered 503 "{\"error\":\"busy\"}" each of 3 times`,
			AuthForged: NotChecked + `answered 503`, AuthUnknownCI: NotChecked + `answered 503`, AuthOtherEID: NotChecked + `answered 503`,
			AuthLowerSeq: NotChecked + "the request signed right was not taken, so there is no seq to go below",
			AuthReplay:   NotChecked + "the request signed right was not taken, so there was none to replay"}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := behindPlatform(t, 2, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
				if tc.serve != nil && r.Method == http.MethodPost && authCheckRequest(r) {
					tc.serve(h, w, r)
					return
				}
				h.ServeHTTP(w, r)
			})
			r, out := stormReport(t, tp, srv.URL)
			for _, c := range AuthChecks {
				got, want := r.PlatformAuth[c], tc.want[c]
				if want == "" && got != "" || !strings.HasPrefix(got, want) {
					t.Errorf("%s: %q, want %q", c, got, want)
				}
			}
			if r.OK() != tc.ok || r.Outcomes[Switched] != 2 {
				t.Errorf("OK %v, outcomes %v, verdict %q", r.OK(), r.Outcomes, r.Verdict())
			}
			if !tc.ok && !strings.Contains(r.Verdict(), "authentication") {
				t.Errorf("verdict %q", r.Verdict())
			}
			t.Logf("report:\n%s", out)
		})
	}
}

// everyOtherBusy answers status (503, 429) to every other request of the
// checks, so that each check's first send is refused for load.
func everyOtherBusy(status int) func(h http.Handler, w http.ResponseWriter, r *http.Request) {
	var mu sync.Mutex
	n := 0
	return func(h http.Handler, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		busy := n%2 == 1
		mu.Unlock()
		if busy {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error":"busy"}`)
			return
		}
		h.ServeHTTP(w, r)
	}
}

// The shards of a storm check one platform side by side, each with its
// own card, and the merge keeps every shard's findings: one shard's
// failed check fails the whole.
func TestPlatformAuthChecksSharded(t *testing.T) {
	tp, srv := behindPlatform(t, 4, func(h http.Handler, w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) })
	results := make([]*Result, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			r, err := Run(context.Background(), Config{Template: tp, Platform: srv.URL, Shard: i, Shards: 2})
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = r
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, r := range results {
		if !r.OK() {
			t.Errorf("shard %d: %s %v", i, r.Verdict(), r.PlatformAuth)
		}
	}
	m, err := Merge(results)
	if err != nil || !m.OK() || len(m.PlatformAuth) != len(AuthChecks) {
		t.Fatalf("merge: %v %+v", err, m)
	}
	results[1].PlatformAuth[AuthForged] = "ACCEPTED: answered 200"
	if m, err = Merge(results); err != nil || m.OK() || !strings.Contains(m.Verdict(), "forged signature: shard 1/2: ACCEPTED: answered 200") {
		t.Errorf("merge with a failed check: %v, %q", err, m.Verdict())
	}
	// A result whose findings were edited by hand is refused.
	for _, edit := range []struct {
		change func(map[string]string)
		want   string
	}{
		{func(m map[string]string) { delete(m, AuthReplay) }, `platform_auth: check "replay" missing`},
		{func(m map[string]string) { m["expired"] = "" }, `platform_auth: "expired": no such check`},
	} {
		saved := maps.Clone(results[0].PlatformAuth)
		edit.change(results[0].PlatformAuth)
		if _, err := Merge(results); err == nil || !strings.Contains(err.Error(), edit.want) {
			t.Errorf("merge: %v, want %q", err, edit.want)
		}
		results[0].PlatformAuth = saved
	}
}

func TestLowerSeq(t *testing.T) {
	for _, tc := range []struct{ taken, want uint64 }{
		{1_800_000_003, 999_999_999}, {1_000_000_000, 999_999_999}, {10, 9}, {99, 9}, {5, 4}, {1, 1},
	} {
		got := lowerSeq(tc.taken)
		if got != tc.want {
			t.Errorf("lowerSeq(%d) = %d, want %d", tc.taken, got, tc.want)
		}
		// Below it as numbers, above it as text: both kinds of broken
		// counter take it (none does below a seq that begins with 9).
		if tc.taken >= 10 && fmt.Sprint(tc.taken)[0] != '9' && (got >= tc.taken || fmt.Sprint(got) <= fmt.Sprint(tc.taken)) {
			t.Errorf("lowerSeq(%d) = %d: not below as a number and above as text", tc.taken, got)
		}
	}
}
