package smdplog

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// A page the SM-DP+ writes reads back the same; a 200 that is no page is
// refused in the route's terms.
func TestPageRoundTrip(t *testing.T) {
	next := 2
	ok := false
	at := time.Date(2026, 1, 1, 0, 0, 1, 5, time.UTC)
	for _, p := range []Page{
		NewPage(4, 1, 1, []Entry{
			{Index: 1, Time: at, Status: 204, Outcome: Taken, Kind: "install", Seq: 3, ICCID: "89330190000000000013", EID: "89049032000001000000000000000171",
				OK: &ok, ErrorReason: 15, BodySize: 300, BodySHA256: "44136fa3"},
			{Index: 2, Time: at, Status: 204, Outcome: Discarded, Subject: "8.1", Reason: "6.1", Error: "euiccSignPIR does not verify", BodySize: 300},
		}, &next),
		NewPage(0, 0, 0, nil, nil),
	} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodePage(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s read back as %+v, want %+v", b, got, p)
		}
	}
	for _, tc := range []struct{ name, body, want string }{
		{"an error answer", `{"error":"limit: want 1..1000"}`, `an error answer, not a page: "limit: want 1..1000"`},
		{"no total", `{"offset":0,"entries":[]}`, `missing member "total"`},
		{"no offset", `{"total":0,"entries":[]}`, `missing member "offset"`},
		{"entries null", `{"total":0,"offset":0,"entries":null}`, `member "entries" is null`},
		{"a member of another name", `{"total":0,"offset":0,"entries":[],"Next":1}`, `unknown member "Next"; did you mean "next"?`},
		{"an unknown outcome", `{"total":1,"offset":0,"entries":[{"index":0,"t":"2026-01-01T00:00:00Z","status":204,"outcome":"ok","body_size":0}]}`,
			`entries[0].outcome: "ok", want taken, duplicate, discarded or refused`},
	} {
		if _, err := DecodePage([]byte(tc.body)); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
}
