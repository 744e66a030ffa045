package replay

import (
	"slices"
	"testing"

	"github.com/esimhil/esimhil/harness/fieldlog"
)

// A card request is compared by its route and the members keyMembers
// gives it; a body the log did not keep whole loses, from the key, the
// members it lost (outside testers t166 F7, t178 N2) — both read from the
// one table.
func TestRequestKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    fieldlog.Request
		lost []string
		key  string // requestKey(r, lost)
	}{
		{"list", fieldlog.Request{Method: "POST", Path: "/v1/preferred-list", ServingPLMN: "20801", EID: "x"}, nil, "POST /v1/preferred-list serving 20801"},
		{"list, no serving network", fieldlog.Request{Method: "POST", Path: "/v1/preferred-list"}, nil, "POST /v1/preferred-list serving "},
		{"list, body cut before it", fieldlog.Request{Method: "POST", Path: "/v1/preferred-list", Unread: "truncated"}, []string{"serving_plmn"}, "POST /v1/preferred-list"},
		{"list, body cut after it", fieldlog.Request{Method: "POST", Path: "/v1/preferred-list", ServingPLMN: "20801", Unread: "truncated"}, nil, "POST /v1/preferred-list serving 20801"},
		{"notification", fieldlog.Request{Method: "POST", Path: "/v1/notifications", Kind: "switched", Operator: "sfr"}, nil, "POST /v1/notifications switched sfr"},
		{"notification naming no operator", fieldlog.Request{Method: "POST", Path: "/v1/notifications", Kind: "list_exhausted"}, nil, "POST /v1/notifications list_exhausted"},
		{"notification, body cut", fieldlog.Request{Method: "POST", Path: "/v1/notifications", Kind: "switched", Unread: "truncated"}, []string{"operator"}, "POST /v1/notifications switched"},
		{"notification, body unread", fieldlog.Request{Method: "POST", Path: "/v1/notifications", Unread: "body_sha256 differs"}, []string{"kind", "operator"}, "POST /v1/notifications"},
		{"download", fieldlog.Request{Method: "POST", Path: "/v1/download", Operator: "orange-fr", ICCID: "8933"}, nil, "POST /v1/download orange-fr"},
		{"download, body unread", fieldlog.Request{Method: "POST", Path: "/v1/download", Unread: "truncated"}, []string{"operator"}, "POST /v1/download"},
		{"another route", fieldlog.Request{Method: "GET", Path: "/v1/health", Unread: "truncated"}, nil, "GET /v1/health"},
	} {
		lost := lostMembers(tc.r)
		if !slices.Equal(lost, tc.lost) {
			t.Errorf("%s: lostMembers = %q, want %q", tc.name, lost, tc.lost)
		}
		if key := requestKey(tc.r, lost); key != tc.key {
			t.Errorf("%s: requestKey = %q, want %q", tc.name, key, tc.key)
		}
	}
}
