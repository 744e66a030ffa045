package applet

import (
	"strings"
	"testing"
)

func TestHTTPFailureReason(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		e    HTTPResult
		want string
	}{
		{"ok", HTTPResult{Status: 200}, ""},
		{"transport", HTTPResult{Err: "open channel: result 3A/07"}, "open channel: result 3A/07"},
		{"status only", HTTPResult{Status: 503}, "http status 503"},
		{"platform reason", HTTPResult{Status: 401, Body: []byte(`{"error":"auth: replay"}`)}, "http status 401: auth: replay"},
		{"not JSON", HTTPResult{Status: 500, Body: []byte("<html>")}, "http status 500"},
		{"long reason cut", HTTPResult{Status: 403, Body: []byte(`{"error":"` + long + `"}`)}, "http status 403: " + long[:160] + "…"},
	}
	for _, tc := range tests {
		if got := httpFailure(tc.e); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
