// Package logpage is the wire form of a page of an emulated server's log,
// as its inspect route serves it: the platform's request log (GET
// /v1/inspect/received, docs/platform-api.md) and the SM-DP+'s
// notification log (GET /esimhil/v1/inspect/notifications,
// docs/conformance.md) are paged alike and differ only in their entries.
// One codec, for the servers that write a page and the fleet that reads
// it; each log's package keeps its entry type and the checks of its
// entries.
package logpage

import (
	"fmt"
	"time"

	"github.com/esimhil/esimhil/internal/exactjson"
)

// Page is the 200 answer of a log route: one page of entries. Total,
// Offset and Entries are required (Decode refuses a body that lacks one
// or gives it null): a body of another shape answered with 200
// ({"error": …}) is then told from a page, where read as an empty one it
// would show a log with nothing in it.
type Page[E any] struct {
	Total   *int `json:"total" exactjson:"required"`  // entries since the server started
	Dropped int  `json:"dropped"`                     // oldest ones no longer kept
	Offset  *int `json:"offset" exactjson:"required"` // index of the first entry
	Entries []E  `json:"entries" exactjson:"required"`
	// Next is the offset of the following page; absent on the last.
	Next *int `json:"next,omitempty"`
	// LogStarted is when the server's log began (its start), the same on
	// every page of one log: a reader that sees it change knows the log
	// it was reading is gone (a restart), even when the new one has grown
	// past where it read. Optional: absent, a restart before the reader's
	// first entry cannot be told from a log that stayed empty.
	LogStarted *time.Time `json:"log_started,omitempty"`
}

// NewPage is the page of entries starting at offset, of a log that holds
// total entries and dropped its oldest dropped; next is nil on the last
// page.
func NewPage[E any](total, dropped, offset int, entries []E, next *int) Page[E] {
	if entries == nil {
		entries = []E{} // "entries": [], never null
	}
	return Page[E]{Total: &total, Dropped: dropped, Offset: &offset, Entries: entries, Next: next}
}

// Started is p naming started as when its log began (LogStarted).
func (p Page[E]) Started(started time.Time) Page[E] {
	p.LogStarted = &started
	return p
}

// ErrorAnswer is the body of a log route's 4xx answer.
type ErrorAnswer struct {
	Error string `json:"error"`
}

// DecodeError parses an error answer.
func DecodeError(b []byte) (ErrorAnswer, error) {
	var e ErrorAnswer
	return e, exactjson.Decode(b, &e)
}

// Decode reads a page exactly (a member of another name or type is
// refused, and a required one absent or null) and, with
// check, one whose entry check refuses (its error names the entry); an
// error answer is refused as such, its reason quoted.
func Decode[E any](b []byte, check func(E) error) (Page[E], error) {
	var p Page[E]
	if err := exactjson.Decode(b, &p); err != nil {
		if e, eerr := DecodeError(b); eerr == nil && e.Error != "" {
			return p, fmt.Errorf("an error answer, not a page: %q", e.Error)
		}
		return p, err
	}
	if p.Next != nil && *p.Next >= *p.Total {
		// Entries are numbered below total: a next at or past it names
		// none, and a reader that follows it waits for an entry that
		// will not come (outside tester t146 F6: blamed on a request
		// not answered yet).
		return p, fmt.Errorf("next: %d, and total %d: the page names an entry the log does not have (the last page names no next)", *p.Next, *p.Total)
	}
	if check != nil {
		for i, e := range p.Entries {
			if err := check(e); err != nil {
				return p, fmt.Errorf("entries[%d].%w", i, err)
			}
		}
	}
	return p, nil
}
