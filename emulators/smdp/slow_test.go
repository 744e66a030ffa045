package smdp

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// smdp: slow (outside tester o296, G1): each ES9+ function's answer — a
// failure's too — is held for what Config.Slow says before it is
// written; one nobody waits for any more is not sent, the request log
// says status 0 and answer_dropped is logged when Wait says it would have
// gone. ES2+, unknown routes and refused requests are not held.
func TestSlowAnswers(t *testing.T) {
	tests := []struct {
		name   string
		path   string // after the host
		send   bool   // Wait's verdict
		asked  string // the functions Slow was asked about
		status int    // in the request log
		event  string // the answer_dropped event, "" for none
	}{
		{name: "held and sent", path: es9.PathPrefix + es9.FnInitiateAuthentication, send: true,
			asked: es9.FnInitiateAuthentication, status: 200},
		{name: "held and dropped", path: es9.PathPrefix + es9.FnGetBoundProfilePackage, send: false,
			asked: es9.FnGetBoundProfilePackage, status: 0,
			event: "getBoundProfilePackage 200 20s the 200, held 20s (smdp: slow), was dropped: the connection closed first"},
		{name: "unknown function not held", path: es9.PathPrefix + "getProfile", send: false, status: 404},
		{name: "ES2+ not held", path: ES2PathPrefix + "downloadOrder", send: false, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu    sync.Mutex
				asked []string
				held  []time.Duration
			)
			e := newEnvWith(t, func(c *Config) {
				c.Slow = func(fn string) time.Duration {
					mu.Lock()
					defer mu.Unlock()
					asked = append(asked, fn)
					return 20 * time.Second
				}
				c.Wait = func(d time.Duration, _ string, _ <-chan struct{}, dropped func()) bool {
					mu.Lock()
					held = append(held, d)
					mu.Unlock()
					if !tt.send {
						dropped()
					}
					return tt.send
				}
			})
			var events []eventlog.Event
			e.log.Subscribe(func(ev eventlog.Event) {
				if ev.Kind == KindAnswerDropped {
					events = append(events, ev)
				}
			})
			req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+tt.path, strings.NewReader("{}"))
			req.Header.Set("X-Admin-Protocol", es9.AdminProtocol)
			req.Header.Set("Content-Type", es9.ContentType)
			code, err := 0, error(nil)
			if resp, derr := e.client.Do(req); derr != nil {
				err = derr
			} else {
				code = resp.StatusCode
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			switch {
			case tt.status == 0 && err == nil:
				t.Errorf("got a %d, want no answer", code)
			case tt.status != 0 && (err != nil || code != tt.status):
				t.Errorf("got %d, %v; want %d", code, err, tt.status)
			}
			mu.Lock()
			if got := strings.Join(asked, ","); got != tt.asked {
				t.Errorf("Slow asked about %q, want %q", got, tt.asked)
			}
			if tt.asked != "" && (len(held) != 1 || held[0] != 20*time.Second) {
				t.Errorf("held %v, want 20s once", held)
			}
			mu.Unlock()
			reqs, _ := e.srv.Requests()
			if len(reqs) != 1 || reqs[0].Status != tt.status {
				t.Errorf("request log %+v, want one entry of status %d", reqs, tt.status)
			}
			got := ""
			for _, ev := range events {
				got = fmt.Sprintf("%v %v %v %v", ev.Fields["function"], ev.Fields["status"], ev.Fields["delay"], ev.Fields["reason"])
			}
			if got != tt.event || len(events) > 1 {
				t.Errorf("answer_dropped %q (%d), want %q", got, len(events), tt.event)
			}
		})
	}
}

// Slow without Wait is refused: the SM-DP+ has no clock to hold on.
func TestSlowNeedsWait(t *testing.T) {
	p := thePKI(t)
	_, err := New(Config{Operator: testOp, Host: testHost, CI: p.CI.X509, Certs: p.SMDP[testOp], Now: time.Now,
		Slow: func(string) time.Duration { return time.Second }})
	if err == nil || !strings.Contains(err.Error(), "Slow needs Wait") {
		t.Fatalf("error %v", err)
	}
}
