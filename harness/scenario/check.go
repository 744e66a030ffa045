package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// Check compares the run's event log with s.Expect and returns one
// human-readable line per mismatch (nil when everything matches). The run
// starts at the first event's time.
func Check(s *Scenario, events []eventlog.Event) []string {
	e := s.Expect
	var bad []string
	var (
		attempts, notes []string
		lists           int
		final           *eventlog.Event
	)
	for i, ev := range events {
		switch {
		case ev.Actor == eventlog.EUICC && ev.Kind == "profile_enabled" && ev.Get("original") == false:
			attempts = append(attempts, ev.Str("operator"))
		case ev.Actor == eventlog.EUICC && ev.Kind == "preferred_list_requested":
			lists++
		case ev.Kind == "notification_sent":
			notes = append(notes, ev.Str("kind")+"@"+ev.Str("to"))
		case ev.Actor == eventlog.World && ev.Kind == "attach_result" && ev.Get("ok") == true:
			final = &events[i]
		}
	}
	if e.Attempts != nil && !slices.Equal(attempts, e.Attempts) {
		bad = append(bad, fmt.Sprintf("attempts: got %s, want %s", list(attempts), list(e.Attempts)))
	}
	if e.Notifications != nil && !slices.Equal(notes, e.Notifications) {
		bad = append(bad, fmt.Sprintf("notifications: got %s, want %s", list(notes), list(e.Notifications)))
	}
	if e.ListRequests != nil && lists != *e.ListRequests {
		bad = append(bad, fmt.Sprintf("list_requests: got %d, want %d", lists, *e.ListRequests))
	}
	if f := e.Final; f != nil {
		switch {
		case final == nil:
			bad = append(bad, fmt.Sprintf("final: no successful attach, want %s (%s)", f.Operator, f.Registration))
		case final.Str("operator") != f.Operator || final.Str("registration") != f.Registration:
			bad = append(bad, fmt.Sprintf("final: got %s (%s) on %s, want %s (%s)",
				final.Str("operator"), final.Str("registration"), final.Str("plmn"), f.Operator, f.Registration))
		}
	}
	if e.Within > 0 {
		switch {
		case final == nil:
			bad = append(bad, fmt.Sprintf("within: no successful attach within %v", e.Within))
		case final.T.Sub(events[0].T) > e.Within:
			bad = append(bad, fmt.Sprintf("within: final attach at %v, want no later than %v",
				final.T.Sub(events[0].T).Round(time.Millisecond), e.Within))
		}
	}
	return bad
}

func list(s []string) string { return "[" + strings.Join(s, ", ") + "]" }
