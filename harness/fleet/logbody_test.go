package fleet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// A log entry whose body contradicts its own body_size or body_sha256 is
// no record of the bytes received (outside tester t146 F5: notes logged
// re-serialised, hash zeros, size 1, passed as evidence): each is
// UNREADABLE, named by its request, and the storm fails.
func TestLogBodyContradictingItsHashUnreadable(t *testing.T) {
	notesNeverLogged(t)
	for _, tc := range []struct {
		name string
		bend func(e *platformapi.Received)
		want string
	}{
		{"re-serialised", func(e *platformapi.Received) {
			var v any
			_ = json.Unmarshal([]byte(e.Body), &v)
			b, _ := json.MarshalIndent(v, "", " ")
			e.Body = string(b)
		}, "bytes, not its body_size"},
		{"hash made up", func(e *platformapi.Received) { e.BodySHA256 = strings.Repeat("0", 64) }, "not its body_sha256 0000000000000000…"},
		{"size made up", func(e *platformapi.Received) { e.BodySize = 1 }, "not its body_size 1"},
		{"same length, other bytes", func(e *platformapi.Received) {
			e.Body = string(bytes.Replace([]byte(e.Body), []byte(`"eid"`), []byte(`"EID"`), 1))
		}, "not its body_sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, srv := behindPlatform(t, 3, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != platformapi.PathInspect {
					h.ServeHTTP(w, r)
					return
				}
				log := wholeLog(t, h)
				for i := range log {
					if log[i].Path == platformapi.PathNotifications && log[i].Status == http.StatusOK {
						tc.bend(&log[i])
					}
				}
				servePage(t, w, r, log)
			})
			r, out := stormReport(t, tp, srv.URL)
			if r.OK() || r.LogUnreadable == 0 || !strings.Contains(out.String(), "UNREADABLE") || !strings.Contains(out.String(), tc.want) {
				t.Errorf("OK %v, unreadable %d, want %q named:\n%s", r.OK(), r.LogUnreadable, tc.want, out.String())
			}
		})
	}
}

// asLogged is r with the body_size and body_sha256 of the body it keeps,
// as a platform logs an entry (a test that rewrites a body writes what a
// platform lying consistently would).
func asLogged(r platformapi.Received) platformapi.Received {
	b, err := r.KeptBody()
	if err != nil {
		return r
	}
	sum := sha256.Sum256(b)
	r.BodySize, r.BodySHA256 = len(b), hex.EncodeToString(sum[:])
	return r
}
