package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// A page of a log is read within the reader's timeout of the time the
// process ran, its answer's body included: an answer that came past the
// timeout in wall time, but within it once a stop of the process is
// taken off, is read; without a stop the read fails on the deadline
// (t192's leftover: the http.Client's Timeout counted wall time).
func TestLogReadCountsRunningTime(t *testing.T) {
	const timeout = 100 * time.Millisecond
	const page = `{"total": 0, "offset": 0, "entries": []}`
	tests := []struct {
		name     string
		bodyLate bool          // the headers at once, the body late; else the whole answer late
		stopped  time.Duration // 50 ms into the read
		wantErr  bool
	}{
		{"answered past the timeout", false, 0, true},
		{"answered past the timeout, stopped 1 s meanwhile", false, time.Second, false},
		{"body past the timeout", true, 0, true},
		{"body past the timeout, stopped 1 s meanwhile", true, time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.bodyLate {
					w.WriteHeader(http.StatusOK)
					w.(http.Flusher).Flush()
				}
				select {
				case <-time.After(300 * time.Millisecond):
				case <-r.Context().Done():
					return
				}
				fmt.Fprint(w, page)
			}))
			defer srv.Close()
			in := newInspector(srv.URL, nil)
			in.timeout, in.stalls = timeout, stalltest.StopIn(50*time.Millisecond, tc.stopped)
			_, err := in.page(0, 10)
			switch {
			case tc.wantErr && !errors.Is(err, context.DeadlineExceeded):
				t.Fatalf("%v, want the deadline's error", err)
			case tc.wantErr && !tc.bodyLate && !passing(err):
				t.Fatalf("%v: no answer in time, want a read to try again", err)
			case !tc.wantErr && err != nil:
				t.Fatalf("%v, want the page", err)
			}
		})
	}
}
