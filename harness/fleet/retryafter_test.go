package fleet

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, value string
		want        time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "3", 3 * time.Second},
		{"spaces around", " 2 ", 2 * time.Second},
		{"zero", "0", 0},
		{"negative", "-4", 0},
		{"past the bound", "3600", 30 * time.Second},
		{"beyond int64 seconds", "99999999999999999999", 0},
		{"a date ahead", now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{"a date past", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"a date far ahead", now.Add(24 * time.Hour).Format(http.TimeFormat), 30 * time.Second},
		{"garbage", "soon", 0},
		{"fraction", "1.5", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.value != "" {
				h.Set("Retry-After", tc.value)
			}
			if got := retryAfter(h, now, 30*time.Second); got != tc.want {
				t.Errorf("Retry-After %q: %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}
