package httpserve

import "testing"

// An inspect route's query is read strictly and in one wording for every
// log; a query with several faults is refused for the same one every
// time (r85 #2: the SM-DP+'s copy walked its map, naming either).
func TestLogQuery(t *testing.T) {
	lq := LogQuery{DefaultLimit: 100, MaxLimit: 1000, Unit: "entries"}
	for _, tc := range []struct {
		name, raw      string
		total, dropped int
		offset, limit  int
		want           string // the error, "" for none
	}{
		{"defaults", "", 50, 0, 0, 100, ""},
		{"defaults from the oldest kept", "", 50, 20, 20, 100, ""},
		{"an offset below dropped", "offset=3&limit=5", 50, 20, 20, 5, ""},
		{"the end", "offset=50", 50, 0, 50, 100, ""},
		{"the most", "limit=1000", 50, 0, 0, 1000, ""},
		{"limit 0", "limit=0", 50, 0, 0, 0, `limit: want 1..1000, got "0"`},
		{"limit over", "limit=1001", 50, 0, 0, 0, `limit: want 1..1000, got "1001"`},
		{"limit empty", "limit=", 50, 0, 0, 0, `limit: want 1..1000, got ""`},
		{"limit with a sign", "limit=%2B5", 50, 0, 0, 0, `limit: want 1..1000, got "+5"`},
		{"offset past the end", "offset=51", 50, 0, 0, 0, `offset: want 0..50 (entries so far), got "51"`},
		{"offset with a leading zero", "offset=00", 50, 0, 0, 0, `offset: want 0..50 (entries so far), got "00"`},
		{"offset negative", "offset=-1", 50, 0, 0, 0, `offset: want 0..50 (entries so far), got "-1"`},
		{"given twice", "limit=1&limit=2", 50, 0, 0, 0, `limit: given 2 times, want once`},
		{"unknown", "foo=1", 50, 0, 0, 0, `query: unknown parameter "foo" (want offset, limit)`},
		{"two unknown", "b=2&a=1", 50, 0, 0, 0, `query: unknown parameter "a" (want offset, limit)`},
		{"unknown and twice", "offset=1&offset=2&zz=1&b=1", 50, 0, 0, 0, `query: unknown parameter "b" (want offset, limit)`},
		{"both twice", "offset=1&offset=2&limit=1&limit=2", 50, 0, 0, 0, `limit: given 2 times, want once`},
		{"not a query", "a=%zz", 50, 0, 0, 0, `query: invalid URL escape "%zz"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Maps are walked in a new order each time: asked often, a
			// query with two faults must be refused for one of them.
			for range 50 {
				offset, limit, err := lq.Read(tc.raw, tc.total, tc.dropped)
				got := ""
				if err != nil {
					got = err.Error()
				}
				if got != tc.want || err == nil && (offset != tc.offset || limit != tc.limit) {
					t.Fatalf("offset %d, limit %d, error %q; want %d, %d, %q", offset, limit, got, tc.offset, tc.limit, tc.want)
				}
			}
		})
	}
	for _, tc := range []struct{ offset, n, total, next int }{{0, 2, 5, 2}, {3, 2, 5, -1}, {5, 0, 5, -1}, {0, 0, 5, 0}} {
		got := LogNext(tc.offset, tc.n, tc.total)
		if (got == nil) != (tc.next < 0) || got != nil && *got != tc.next {
			t.Errorf("LogNext(%d, %d, %d) = %v, want %d", tc.offset, tc.n, tc.total, got, tc.next)
		}
	}
}
