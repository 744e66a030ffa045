package smdp

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/readgate"
)

// A request whose body the SM-DP+ is reading when it stops (esimhil
// serve's Ctrl-C) is logged as cut by the SM-DP+ — request_cut, status 0 in
// its request log, not in the notification log (nothing was answered) —
// not as an es9_error of a 400 never sent, blamed on a client reset
// (outside tester t86 F6); one the client cuts is still refused, 400.
func TestRequestCutByStopping(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cut    func(c net.Conn, s *Server)
		event  string // kind and reason
		status int    // in the request log
		notes  int    // entries in the notification log
	}{
		{"the SM-DP+ stops", func(_ net.Conn, s *Server) { s.Close() },
			"request_cut reading body: cut by the server stopping (it closed the connection; no answer sent)", 0, 0},
		{"the client goes", func(c net.Conn, _ *Server) { c.Close() },
			"es9_error reading body: the client closed the connection before the body's end", 400, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := readgate.New()
			e := newEnvWith(t, nil)
			// newEnvWith started it: again, counted.
			e.srv.Close()
			srv, err := New(e.srv.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start("127.0.0.1:0", g.Wrap); err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			logged := make(chan eventlog.Event, 4)
			e.log.Subscribe(func(ev eventlog.Event) { logged <- ev })
			raw, err := net.Dial("tcp", srv.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			c := tls.Client(g.Client(raw), e.client.Transport.(*http.Transport).TLSClientConfig)
			fmt.Fprintf(c, "POST %s%s HTTP/1.1\r\nHost: %s\r\nX-Admin-Protocol: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"eid\":",
				es9.PathPrefix, es9.FnHandleNotification, testHost, es9.AdminProtocol)
			g.Wait() // the handler reads the body
			tc.cut(c, srv)
			ev := <-logged // the handler is done with the request
			srv.Close()
			text := ev.Fields["reason"]
			if ev.Kind == KindES9Error {
				text = ev.Fields["message"]
			}
			if got := fmt.Sprintf("%s %v", ev.Kind, text); got != tc.event {
				t.Errorf("event %s, want %s", got, tc.event)
			}
			reqs, _ := srv.Requests()
			srv.noteMu.Lock()
			notes := srv.notes.Total()
			srv.noteMu.Unlock()
			if len(reqs) != 1 || reqs[0].Status != tc.status || reqs[0].BodySize != 7 || notes != tc.notes {
				t.Errorf("request log %+v, %d notification(s) logged; want status %d, 7 bytes read, %d", reqs, notes, tc.status, tc.notes)
			}
		})
	}
}
