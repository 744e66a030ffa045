package httpserve

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
)

// LogQuery is how an inspect route pages its log (the platform's request
// log, the SM-DP+'s notification log: internal/proto/logpage):
// ?offset=<index of the first entry> (default: the oldest kept) and
// ?limit=<at most MaxLimit> (default DefaultLimit).
type LogQuery struct {
	DefaultLimit, MaxLimit int
	// Unit is what the log counts, plural ("requests"), for an offset's
	// error.
	Unit string
}

// Read reads a route's raw query against a log of total entries, its
// oldest dropped gone, as strictly as a body: a parameter of another
// name, one given twice or given empty, a number with a sign or leading
// zero is refused (outside tester t71, F6), not ignored, taken first or
// read as its default. Parameters are checked in name order, so a query
// with two faults is refused for the same one every time. An offset
// below dropped starts at the oldest kept.
func (lq LogQuery) Read(raw string, total, dropped int) (offset, limit int, err error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return 0, 0, fmt.Errorf("query: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		switch {
		case name != "offset" && name != "limit":
			return 0, 0, fmt.Errorf("query: unknown parameter %q (want offset, limit)", name)
		case len(q[name]) > 1:
			return 0, 0, fmt.Errorf("%s: given %d times, want once", name, len(q[name]))
		}
	}
	limit, ok := queryInt(q, "limit", lq.DefaultLimit, 1, lq.MaxLimit)
	if !ok {
		return 0, 0, fmt.Errorf("limit: want 1..%d, got %q", lq.MaxLimit, q.Get("limit"))
	}
	offset, ok = queryInt(q, "offset", dropped, 0, total)
	if !ok {
		return 0, 0, fmt.Errorf("offset: want 0..%d (%s so far), got %q", total, lq.Unit, q.Get("offset"))
	}
	return max(offset, dropped), limit, nil // older entries are gone: from the oldest kept
}

// queryInt reads a whole number in lo..hi, written as strconv.Itoa
// writes it, from q; def when absent.
func queryInt(q url.Values, name string, def, lo, hi int) (int, bool) {
	vs, given := q[name]
	if !given {
		return def, true
	}
	n, err := strconv.Atoi(vs[0])
	return n, err == nil && n >= lo && n <= hi && strconv.Itoa(n) == vs[0]
}

// LogNext is the next of a page of n entries from offset of a log of
// total: the offset of the following page, nil on the last.
func LogNext(offset, n, total int) *int {
	if next := offset + n; next < total {
		return &next
	}
	return nil
}
