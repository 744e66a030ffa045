package fleet

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryAfter is how long an answer's Retry-After asks a client to wait
// (RFC 9110 §10.2.3: delay-seconds, or an HTTP-date read against now),
// bounded by most: a platform asking for an hour does not stop a reader
// or a check for an hour. 0 when the answer asks nothing readable.
func retryAfter(h http.Header, now time.Time, most time.Duration) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(most/time.Second) {
			return most
		}
		d = time.Duration(n) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(now)
	}
	return max(0, min(d, most))
}
