package fleet

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es9"
)

// A probe reads an answer as long as the cards read from that server: a
// platform's up to probeMaxBody, an SM-DP+'s up to es9.MaxBody (1 MiB), so
// an ES9+ answer past 64 KiB is not refused as one the cards do not read.
func TestProbeBodyBound(t *testing.T) {
	body := fmt.Sprintf(`{"x":"%s"}`, strings.Repeat("1", probeMaxBody))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer srv.Close()
	addr := netip.MustParseAddrPort(srv.Listener.Addr().String())
	for _, tc := range []struct {
		name    string
		maxBody int
		want    string // "" read whole
	}{
		{"platform", 0, "a body longer than 65536 bytes, which the cards do not read"},
		{"SM-DP+", es9.MaxBody, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			var got int
			p := probe{ctx: context.Background(), addr: addr, req: req, maxBody: tc.maxBody, want: func(_ int, b []byte) error { got = len(b); return nil }}
			err = p.ask()
			switch {
			case tc.want == "" && (err != nil || got != len(body)):
				t.Errorf("read %d of %d bytes: %v", got, len(body), err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
