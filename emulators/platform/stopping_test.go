package platform

import (
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
	"github.com/esimhil/esimhil/internal/readgate"
)

// A request whose body the platform is reading when it stops (esimhil
// serve's Ctrl-C) is logged as cut by the platform, with no status — not
// as a 400 never sent nor a client reset (outside tester t86 F6); one the
// client cuts is still refused, 400, as the client's doing.
func TestRequestCutByStopping(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cut    func(c net.Conn, s *Server)
		kind   string // the event
		status int    // in the request log
		reason string
	}{
		{"the platform stops", func(_ net.Conn, s *Server) { s.Close() }, string(KindRequestCut), 0,
			"reading body: cut by the server stopping (it closed the connection; no answer sent)"},
		{"the client goes", func(c net.Conn, _ *Server) { c.Close() }, string(KindRequestRejected), http.StatusBadRequest,
			"reading body: the client closed the connection before the body's end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, lg := newTestServer(t, nil)
			logged := make(chan struct{}, 1)
			lg.Subscribe(func(eventlog.Event) { logged <- struct{}{} })
			g := readgate.New()
			if err := s.Start("127.0.0.1:0", g.Wrap); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			raw, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			c := g.Client(raw)
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"eid\":", platformapi.PathNotifications)
			g.Wait() // the handler reads the body
			tc.cut(c, s)
			<-logged // the handler is done with the request
			s.Close()
			var got []string
			for _, e := range lg.Events() {
				got = append(got, fmt.Sprintf("%s %v %v", e.Kind, e.Fields["status"], e.Fields["reason"]))
			}
			want := fmt.Sprintf("%s <nil> %s", tc.kind, tc.reason)
			if tc.status != 0 {
				want = fmt.Sprintf("%s %d %s", tc.kind, tc.status, tc.reason)
			}
			if len(got) != 1 || got[0] != want {
				t.Errorf("events %q, want [%s]", got, want)
			}
			rs := s.Received()
			if len(rs) != 1 || rs[0].Status != tc.status || rs[0].Error != tc.reason || rs[0].BodySize != 7 {
				t.Errorf("request log %+v, want status %d, error %q, 7 bytes read", rs, tc.status, tc.reason)
			}
		})
	}
}
