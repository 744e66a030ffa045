package httpserve

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/esimhil/esimhil/internal/stall"
)

// Hold is a server's slow answers (the platform's platform: slow, an
// SM-DP+'s smdp: slow): an answer about to be sent is held for a delay
// of simulated time, the request handled and only its answer waiting.
// While held, its client counts as served (Consumed). One mechanism for
// every server, so that a held answer, a client that left meanwhile and
// a power cut while one waits go alike whoever serves.
type Hold struct {
	// Wait holds an answer for d of simulated time for the client at
	// client (its address as net/http gives it): true when it is to be
	// sent, false if nobody waits for it any more (the card's channel
	// closed or left) or stop closed first. dropped, if not nil, is
	// called when it returned false, on the simulated clock at the
	// instant the answer would have been sent: a server learns its
	// client left as it writes, and a log of it then keeps a run's order
	// (the client's goodbye and the server's goroutine race at the
	// instant the client left). Nil: After bounds the hold.
	Wait func(d time.Duration, client string, stop <-chan struct{}, dropped func()) bool
	// After runs f once d has passed on the server's clock (used when
	// Wait is nil).
	After func(d time.Duration, f func())

	mu     sync.Mutex
	parked map[string]int // client address → answers held for it
}

// Hold holds r's answer for d (nothing when d is 0 or less) and reports
// whether it is to be sent: false if the client went away or the server
// closed first; dropped, if not nil, is then called d after the hold
// began, on the server's clock (Wait).
func (h *Hold) Hold(d time.Duration, r *http.Request, dropped func()) bool {
	if d <= 0 {
		return true
	}
	h.mu.Lock()
	if h.parked == nil {
		h.parked = map[string]int{}
	}
	h.parked[r.RemoteAddr]++
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		if h.parked[r.RemoteAddr]--; h.parked[r.RemoteAddr] == 0 {
			delete(h.parked, r.RemoteAddr)
		}
		h.mu.Unlock()
	}()
	if h.Wait != nil {
		return h.Wait(d, r.RemoteAddr, r.Context().Done(), dropped)
	}
	done := make(chan struct{})
	var (
		mu          sync.Mutex
		fired, left bool // the hold ended; the client went first
	)
	h.After(d, func() {
		mu.Lock()
		fired = true
		gone := left
		mu.Unlock()
		if gone && dropped != nil {
			dropped()
		}
		close(done)
	})
	select {
	case <-done:
		return true
	case <-r.Context().Done():
		mu.Lock()
		defer mu.Unlock()
		// Past its hold the answer goes out, to a client that may be
		// gone, as real TCP's would.
		left = !fired
		return fired
	}
}

// Parked reports whether an answer is held for the client at client.
func (h *Hold) Parked(client string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.parked[client] > 0
}

// Consumed is ep's Consumed (waiting at most limit until the server has
// handled the n bytes client wrote) for a server whose answers may be
// held: a client whose answer is held counts as handled. A nil h is the
// endpoint's own.
func (h *Hold) Consumed(ep *Endpoint, client netip.AddrPort, n int64, limit time.Duration) bool {
	if ep == nil {
		return true
	}
	if h == nil {
		return ep.Consumed(client, n, limit)
	}
	// The handler may park while we wait: look again every step.
	key := netip.AddrPortFrom(client.Addr().Unmap(), client.Port()).String()
	// Of the process's running time, as the endpoint's own wait.
	w := stall.Begin(nil, limit)
	for {
		if h.Parked(key) {
			return true
		}
		left := w.Left(time.Now())
		if left <= 0 {
			return false
		}
		if ep.Consumed(client, n, min(left, consumedStep)) || h.Parked(key) {
			return true
		}
	}
}

// consumedStep is how often Consumed looks for a parked handler (wall
// time).
const consumedStep = 20 * time.Millisecond
