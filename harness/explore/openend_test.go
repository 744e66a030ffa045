package explore

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// TestFaultsInForceAtTheEnd: the end-state invariants judge a fault still
// in force when the run ends by its documented effect on the end, no
// wider (tester t246: no drawn window reached the end, so none did).
// A platform that acknowledges no note at the end leaves the card owing
// what it did not take, which run_ended must name; a dead zone, or an
// outage of the network the device is on, leaves it without service
// though the world's last attach worked.
func TestFaultsInForceAtTheEnd(t *testing.T) {
	open := func(f scenario.Fault) scenario.Fault { f.From = time.Hour; return f }
	closed := func(f scenario.Fault) scenario.Fault { f.From, f.Until = time.Hour, 90*time.Minute; return f }
	at := func(e eventlog.Event, d time.Duration) eventlog.Event { e.T = e.T.Add(d); return e }
	runEnd := func(kinds []string, reports ...string) eventlog.Event {
		return at(ev(eventlog.Harness, "run_ended", "registration", "home", "owed_kinds", kinds, "owed_reports", reports, "owed_smdp", []string{}), 2*time.Hour)
	}
	// fr1's subscriber on its own network, 20801.
	attachedOn := func() eventlog.Event {
		return ev(eventlog.World, "attach_result", "operator", "fr1", "plmn", "20801", "ok", true, "registration", "home")
	}
	coverage := func(target string, on bool, d time.Duration) eventlog.Event {
		return at(ev(eventlog.Harness, eventlog.KindFault, "fault", "coverage_lost", "target", target, "at", "world", "on", on, "entry", 0), d)
	}
	platformEdge := func(on bool, d time.Duration) eventlog.Event {
		return at(ev(eventlog.Harness, eventlog.KindFault, "fault", "platform_unreachable", "target", "platform", "at", "platform", "on", on, "entry", 0), d)
	}
	// A cycle whose outcome, report 3, the platform never took; the run
	// ends attached, its end naming what the card owed.
	unreceived := func(end eventlog.Event, between ...eventlog.Event) Outcome {
		evs := []eventlog.Event{start("list", "cn1", "fr1"), try("fr1"), attachedOn(), ended("attach-success", 1, 3, "fr1")}
		return Outcome{Events: append(append(evs, between...), end)}
	}
	installed := func(end eventlog.Event) Outcome {
		return Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2"),
			attachedOn(), end}}
	}
	owed := []string{"attach-success"}
	cardPresent := func(present bool, d time.Duration) eventlog.Event {
		return at(ev(eventlog.Modem, "card", "present", present), d)
	}
	await := mode("attempt.await-attach", 0)
	tests := []struct {
		name   string
		faults []scenario.Fault
		check  func(*scenario.Scenario, Outcome) []string
		o      Outcome
		want   string // substring of a violation; "" = none
	}{
		{"platform unreachable to the end: the report owed", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformUnreachable})},
			checkOutcomes, unreceived(runEnd(owed, "3"), platformEdge(true, time.Hour)), ""},
		// Unreachable is read from its edges, the run's own evidence, as
		// coverage and an SM-DP+'s are: a last edge off is a platform back.
		{"platform unreachable, its last edge off", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformUnreachable})},
			checkOutcomes, unreceived(runEnd(owed, "3"), platformEdge(true, time.Hour), platformEdge(false, 90*time.Minute)), "received 0 times"},
		{"platform acknowledging nothing to the end: the report owed", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformNoAck})},
			checkOutcomes, unreceived(runEnd(owed, "3")), ""},
		{"platform erring on notes to the end: the report owed", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformStatus, Code: 503, Path: platformapi.PathNotifications})},
			checkOutcomes, unreceived(runEnd(owed, "3")), ""},
		{"platform holding answers past the guard to the end: the report owed", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformSlow, Delay: time.Minute})},
			checkOutcomes, unreceived(runEnd(owed, "3")), ""},
		// The product's own evidence must say so: a report neither
		// received nor named owed was lost, whatever the platform did.
		{"platform down to the end, the report not named owed", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformUnreachable})},
			checkOutcomes, unreceived(runEnd(nil), platformEdge(true, time.Hour)), "run_ended does not name it owed"},
		{"healthy platform, the report not named owed", nil,
			checkOutcomes, unreceived(runEnd(nil)), "run_ended does not name it owed"},
		// Narrow: only a fault that keeps notes unacknowledged at the end.
		{"platform down, but not at the end", []scenario.Fault{closed(scenario.Fault{Kind: scenario.PlatformUnreachable})},
			checkOutcomes, unreceived(runEnd(owed, "3"), platformEdge(true, time.Hour), platformEdge(false, 90*time.Minute)), "received 0 times"},
		{"platform slow within the guard to the end", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformSlow, Delay: 10 * time.Second})},
			checkOutcomes, unreceived(runEnd(owed, "3")), "received 0 times"},
		{"platform erring on downloads only to the end", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformStatus, Code: 503, Path: platformapi.PathDownload})},
			checkOutcomes, unreceived(runEnd(owed, "3")), "received 0 times"},
		{"platform refusing one operator's notes to the end", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformNoAck, Operator: "de1"})},
			checkOutcomes, unreceived(runEnd(owed, "3")), "received 0 times"},
		// A dead zone, or the serving network's outage, to the end: not
		// attached, so the report is owed (README, coverage: lost).
		{"a dead zone to the end", []scenario.Fault{open(scenario.Fault{Kind: scenario.CoverageLost})},
			checkOutcomes, unreceived(runEnd(owed, "3"), coverage("device", true, time.Hour)), ""},
		{"the serving network's outage to the end", []scenario.Fault{open(scenario.Fault{Kind: scenario.CoverageLost, Operator: "fr1"})},
			checkOutcomes, unreceived(runEnd(owed, "3"), coverage("fr1", true, time.Hour)), ""},
		{"another network's outage to the end", []scenario.Fault{open(scenario.Fault{Kind: scenario.CoverageLost, Operator: "cn1"})},
			checkOutcomes, unreceived(runEnd(owed, "3"), coverage("cn1", true, time.Hour)), "received 0 times"},
		{"a dead zone that ended, the device back", []scenario.Fault{closed(scenario.Fault{Kind: scenario.CoverageLost})},
			checkOutcomes, unreceived(runEnd(owed, "3"), coverage("device", true, time.Hour), coverage("device", false, 90*time.Minute), at(attachedOn(), 90*time.Minute)), "received 0 times"},
		{"download-success owed to a platform down to the end", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformGarbled})},
			checkDownloadNotifications, installed(runEnd([]string{"download-success"})), ""},
		{"download-success neither received nor named owed", []scenario.Fault{open(scenario.Fault{Kind: scenario.PlatformGarbled})},
			checkDownloadNotifications, installed(runEnd(nil)), "run_ended names 0 owed"},
		{"download-success owed to a healthy platform", nil,
			checkDownloadNotifications, installed(runEnd([]string{"download-success"})), "platform received 0 download-success notifications, want 1"},
		// An absent card is unpowered (README, card: absent: "the card
		// loses its power and checks nothing"): a wait it was in does
		// not run on, to the end of the run or until it is back.
		{"a card out of reach to the end", []scenario.Fault{open(scenario.Fault{Kind: scenario.CardAbsent})},
			checkModeBounds, Outcome{Events: []eventlog.Event{await, cardPresent(false, time.Minute), runEnd(nil)}}, ""},
		{"a card put back: the bound runs again", []scenario.Fault{closed(scenario.Fault{Kind: scenario.CardAbsent})},
			checkModeBounds, Outcome{Events: []eventlog.Event{await, cardPresent(false, time.Minute), cardPresent(true, 90*time.Minute), runEnd(nil)}},
			"lasted 30m0s until the end of the run"},
		{"a wait past its bound before the card went", []scenario.Fault{open(scenario.Fault{Kind: scenario.CardAbsent})},
			checkModeBounds, Outcome{Events: []eventlog.Event{await, cardPresent(false, time.Hour), runEnd(nil)}}, "until the card's removal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &scenario.Scenario{Network: scenario.Network{Operators: []scenario.Operator{
				{ID: "cn1", PLMN: "46001", Country: "CN"}, {ID: "fr1", PLMN: "20801", Country: "FR"}}}, Faults: tc.faults}
			wantViolation(t, tc.check(s, tc.o), tc.want)
		})
	}
}

// TestEndReadPastAnOpenWindow: the exploration reads the card's profile
// list after the run even when its AT port is hung, or its card absent,
// to the end — the run's end state stays `hung` or `absent`, the read
// lifts the fault (Rig.Release). Before, the read failed the case: an
// AT timeout, or +CME ERROR: 10. The read lets nothing of the card run:
// a check at the horizon run by it would put a list request in the
// capture the run's events do not have (capture-matches-platform).
func TestEndReadPastAnOpenWindow(t *testing.T) {
	const base = `name: open-end
network:
  operators: [{id: a, plmn: "20801", country: FR}, {id: b, plmn: "26201", country: DE}]
  cells: [{area: DE-A, operator: b, rsrp: -80}]
  roaming: [{home: a, visited: b}]
device:
  eid: "89049032000001000000000000000171"
  check_interval: 5m
  profiles: [{iccid: "89000000000000000004", operator: a, enabled: true}]
itinerary: [{at: 0s, area: DE-A}, {at: 30m, area: DE-A}]
faults: [FAULT]
`
	for _, tc := range []struct{ fault, end string }{
		{"{at_port: hang, from: 20m}", scenario.RegistrationHung},
		{"{card: absent, from: 20m}", scenario.RegistrationAbsent},
	} {
		t.Run(tc.end, func(t *testing.T) {
			s, err := scenario.Parse("open-end.yaml", []byte(strings.Replace(base, "FAULT", tc.fault, 1)))
			if err != nil {
				t.Fatal(err)
			}
			o, err := runScratch(s)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			_, end, ok := scenario.EndOf(o.Events)
			if !ok || end.Str("registration") != tc.end {
				t.Errorf("run_ended %v, want registration %s", end, tc.end)
			}
			if len(o.Profiles) != 1 || !o.Profiles[0].Enabled {
				t.Errorf("profiles read at the end: %+v, want the one enabled", o.Profiles)
			}
			// Roaming, the card asks for a list at every check, one due
			// at the horizon (2h30m): the read must not let it run.
			served := 0
			for _, e := range o.Events {
				if is(e, eventlog.Platform, "preferred_list_served") {
					served++
				}
			}
			if served < 2 {
				t.Errorf("%d lists served: the case should ask for one at every check", served)
			}
			if v := Check(s, o); len(v) > 0 {
				t.Errorf("violations: %q", v)
			}
		})
	}
}

// A device that found no network at all after its last attach (world
// no_service: it moved into an area whose one network is out to the end)
// does not end attached, so its outcome reports, owed, are not demanded
// of the platform (make bench's case 276 of 1,000, after t247 let
// coverage stay lost to the end).
func TestEndsAttachedNotAfterNoService(t *testing.T) {
	s := &scenario.Scenario{Network: scenario.Network{Operators: []scenario.Operator{{ID: "cn1", PLMN: "46001", Country: "CN"}}}}
	attached := ev(eventlog.World, "attach_result", "plmn", "46001", "ok", true)
	noService := ev(eventlog.World, world.KindNoService, "operator", "cn1", "area", "FR-A")
	for _, tc := range []struct {
		name   string
		events []eventlog.Event
		want   bool
	}{
		{"attached", []eventlog.Event{attached}, true},
		{"no network since", []eventlog.Event{attached, noService}, false},
		{"attached again after", []eventlog.Event{noService, attached}, true},
	} {
		if got := endsAttached(s, tc.events); got != tc.want {
			t.Errorf("%s: endsAttached %v, want %v", tc.name, got, tc.want)
		}
	}
}
