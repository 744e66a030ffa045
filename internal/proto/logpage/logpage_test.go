package logpage

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

type entry struct {
	Index int    `json:"index"`
	Kind  string `json:"kind"`
}

// A page is written with "entries": [] (never null) and read back the
// same; a body that is no page, or whose entry the log's check refuses,
// is refused in the route's terms, the entry named.
func TestPage(t *testing.T) {
	next := 1
	for _, tc := range []struct {
		page Page[entry]
		want string
	}{
		{NewPage(2, 0, 0, []entry{{0, "a"}}, &next), `{"total":2,"dropped":0,"offset":0,"entries":[{"index":0,"kind":"a"}],"next":1}`},
		{NewPage[entry](0, 0, 0, nil, nil), `{"total":0,"dropped":0,"offset":0,"entries":[]}`},
		{NewPage[entry](0, 0, 0, nil, nil).Started(time.Date(2026, 1, 1, 0, 0, 0, 5, time.UTC)),
			`{"total":0,"dropped":0,"offset":0,"entries":[],"log_started":"2026-01-01T00:00:00.000000005Z"}`},
	} {
		b, err := json.Marshal(tc.page)
		if err != nil || string(b) != tc.want {
			t.Fatalf("%s, %v; want %s", b, err, tc.want)
		}
		if _, err := Decode[entry](b, nil); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
	check := func(e entry) error {
		if e.Kind != "a" {
			return errors.New(`kind: want "a"`)
		}
		return nil
	}
	for _, tc := range []struct{ name, body, want string }{
		{"an error answer", `{"error":"busy"}`, `an error answer, not a page: "busy"`},
		{"no total", `{"offset":0,"entries":[]}`, `missing member "total"`},
		{"no offset", `{"total":0,"entries":[]}`, `missing member "offset"`},
		{"log_started not a time", `{"total":0,"offset":0,"entries":[],"log_started":"yesterday"}`, `log_started: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
		{"entries null", `{"total":0,"offset":0,"entries":null}`, `member "entries" is null`},
		{"next at total", `{"total":2,"offset":0,"entries":[{"index":0,"kind":"a"},{"index":1,"kind":"a"}],"next":2}`, `next: 2, and total 2: the page names an entry the log does not have (the last page names no next)`},
		{"next past total", `{"total":2,"offset":0,"entries":[],"next":7}`, `next: 7, and total 2: the page names an entry the log does not have (the last page names no next)`},
		{"an entry refused", `{"total":2,"offset":0,"entries":[{"index":0,"kind":"a"},{"index":1,"kind":"b"}]}`, `entries[1].kind: want "a"`},
	} {
		if _, err := Decode([]byte(tc.body), check); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
}
