package fleet

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// A platform that goes away in the middle of the storm (its port closed)
// was sent only the requests made before: the rate of platform requests
// counts those, and the line says how many more never connected, rather
// than quote as the platform's throughput requests it never got
// (outside tester sw68 F3).
func TestPlatformRequestsThatNeverConnected(t *testing.T) {
	defer func(old time.Duration) { finishRetryFor = old }(finishRetryFor)
	finishRetryFor = 0 // its log is gone with it: NOT CHECKED at once
	var mu sync.Mutex
	storm, received := false, 0
	var closeOnce sync.Once
	var closePort func()
	tp, srv := behindPlatform(t, 8, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.URL.Path == platformapi.PathInspect {
			storm = true // the log's start is read after the checks: the storm's requests follow
		} else if storm {
			received++
			if received == 4 {
				closeOnce.Do(closePort)
			}
		}
		mu.Unlock()
		h.ServeHTTP(w, r)
	})
	closePort = func() { srv.Listener.Close() } // no new connection from now on
	r, out := stormReport(t, tp, srv.URL)
	mu.Lock()
	defer mu.Unlock()
	reached := r.PlatformRequests - r.PlatformUnreached
	if r.PlatformUnreached == 0 || reached < received || reached > received+1 || r.OK() {
		t.Errorf("%d requests, %d never connected, the platform received %d; OK %v:\n%s", r.PlatformRequests, r.PlatformUnreached, received, r.OK(), out.String())
	}
	if want := "requests reached the platform; "; !strings.Contains(out.String(), want) || !strings.Contains(out.String(), " more never connected to it") {
		t.Errorf("rate line does not say what it counts:\n%s", out.String())
	}
}
