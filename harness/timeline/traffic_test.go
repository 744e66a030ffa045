package timeline

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// anchor finds a request's server log entry within a second of its
// time, whether the log is in time order (searched from the window) or
// not (scanned whole).
func TestAnchor(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	served := func(s float64) event {
		return event{T: t0.Add(time.Duration(s * float64(time.Second))), Actor: "platform", Kind: "preferred_list_served"}
	}
	other := func(s float64) event {
		return event{T: t0.Add(time.Duration(s * float64(time.Second))), Actor: "euicc", Kind: "step"}
	}
	var long []event
	for i := range 5000 {
		long = append(long, other(float64(i)/10))
	}
	long = append(long, served(600), served(600.5), other(601))
	req := capture.Exchange{Method: "POST", Path: platformapi.PathPreferredList}
	for _, tc := range []struct {
		name   string
		events []event
		at     float64
		used   []int
		want   int // -1: none
	}{
		{"long sorted log", long, 600.2, nil, 5000},
		{"first one used", long, 600.2, []int{5000}, 5001},
		{"both used", long, 600.2, []int{5000, 5001}, -1},
		{"more than a second before", long, 602, nil, -1},
		{"more than a second after", long, 598.9, nil, -1},
		{"unsorted log", []event{other(50), served(10), other(5), served(40)}, 10.5, nil, 1},
		{"unsorted, used", []event{other(50), served(10), other(5), served(10.2)}, 10.5, []int{1}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &Builder{t: &Timeline{}, lanes: map[string]Lane{}, faults: &faultWindows{}, events: tc.events,
				eventsSorted: slices.IsSortedFunc(tc.events, func(x, y event) int { return x.T.Compare(y.T) })}
			used := map[int]bool{}
			for _, k := range tc.used {
				used[k] = true
			}
			k, ok := b.anchor(LanePlatform, req, t0.Add(time.Duration(tc.at*float64(time.Second))), used)
			if !ok {
				k = -1
			}
			if k != tc.want {
				t.Errorf("anchor = %d, want %d", k, tc.want)
			}
		})
	}
}

// In a live capture (wall-clock stamps) an exchange cut before its answer
// has no Date header: it is shown after the exchange before it in the
// capture, not at the start of the run an hour earlier.
func TestCutLiveExchangeFollowsTheOneBefore(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	wall := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC) // a live capture's stamps
	events := []event{{T: t0, Actor: "harness", Kind: "run_started"}, {T: t0.Add(time.Hour), Actor: "platform", Kind: "preferred_list_served"}}
	b := &Builder{t: &Timeline{Start: t0}, lanes: map[string]Lane{}, faults: &faultWindows{}, events: events, eventsSorted: true}
	for _, e := range events {
		b.Add(eventItem(e, b.faults))
		b.evSeq = append(b.evSeq, b.seq)
	}
	ex := []capture.Exchange{
		{Method: "POST", Path: platformapi.PathPreferredList, Time: wall, Date: t0.Add(time.Hour), Status: 200},
		{Method: "POST", Path: platformapi.PathDownload, Time: wall.Add(time.Millisecond)}, // cut: no answer, no Date
	}
	if err := b.addTraffic(ex); err != nil {
		t.Fatal(err)
	}
	var cut []time.Time
	for _, it := range b.t.Items[len(events):] {
		if strings.Contains(it.Label, "download") {
			cut = append(cut, it.T)
		}
	}
	if len(cut) == 0 || slices.ContainsFunc(cut, func(at time.Time) bool { return !at.Equal(t0.Add(time.Hour)) }) {
		t.Errorf("the cut exchange's rows at %v, want %v", cut, t0.Add(time.Hour))
	}
	if len(b.t.Notes) == 0 || !slices.ContainsFunc(b.t.Notes, func(n string) bool { return strings.Contains(n, "after exchange 1") }) {
		t.Errorf("notes %q", b.t.Notes)
	}
}
