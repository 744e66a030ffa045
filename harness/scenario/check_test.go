package scenario

import (
	"reflect"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
)

// runLog is the event log of a successful roam-fr-preinstalled run.
func runLog() []eventlog.Event {
	at := func(d time.Duration) time.Time { return clock.Epoch.Add(d) }
	ev := func(d time.Duration, actor string, kind eventlog.Kind, f eventlog.F) eventlog.Event {
		return eventlog.Event{T: at(d), Actor: actor, Kind: kind, Fields: f}
	}
	return []eventlog.Event{
		ev(0, eventlog.World, "area_changed", eventlog.F{"area": "CN-Beijing"}),
		ev(0, eventlog.World, "attach_result", eventlog.F{"operator": "cmcc", "plmn": "46000", "ok": true, "cause": 0, "registration": "home"}),
		ev(time.Hour, eventlog.World, "attach_result", eventlog.F{"operator": "cmcc", "plmn": "20801", "ok": true, "cause": 0, "registration": "roaming"}),
		ev(time.Hour+5*time.Minute, eventlog.EUICC, "preferred_list_requested", eventlog.F{"serving_plmn": "20801"}),
		ev(time.Hour+5*time.Minute, eventlog.EUICC, "profile_enabled", eventlog.F{"iccid": "89331000000000000027", "operator": "sfr", "original": false}),
		ev(time.Hour+5*time.Minute, eventlog.World, "attach_result", eventlog.F{"operator": "sfr", "plmn": "20810", "ok": false, "cause": 15, "registration": "denied"}),
		ev(time.Hour+6*time.Minute, eventlog.World, "attach_result", eventlog.F{"operator": "sfr", "plmn": "20810", "ok": true, "cause": 0, "registration": "home"}),
		ev(time.Hour+6*time.Minute, eventlog.EUICC, "notification_sent", eventlog.F{"kind": "attach-success", "to": "platform"}),
		// Switching back to the original profile is not an attempt.
		ev(time.Hour+7*time.Minute, eventlog.EUICC, "profile_enabled", eventlog.F{"iccid": "89860000000000000019", "operator": "cmcc", "original": true}),
	}
}

func TestCheck(t *testing.T) {
	two := 2
	tests := []struct {
		name   string
		expect Expect
		want   []string
	}{
		{"all match", Expect{
			Attempts: []string{"sfr"}, Final: &Final{"sfr", "home"},
			Notifications: []string{"attach-success@platform"}, ListRequests: new(int), Within: 2 * time.Hour,
		}, []string{"list_requests: got 1, want 0"}},
		{"nothing expected", Expect{}, nil},
		{"attempts differ", Expect{Attempts: []string{"sfr", "orange-fr"}}, []string{"attempts: got [sfr], want [sfr, orange-fr]"}},
		{"no attempts expected", Expect{Attempts: []string{}}, []string{"attempts: got [sfr], want []"}},
		{"final differs", Expect{Final: &Final{"orange-fr", "home"}}, []string{"final: got sfr (home) on 20810, want orange-fr (home)"}},
		{"notifications differ", Expect{Notifications: []string{"download-success@sfr", "attach-success@platform"}},
			[]string{"notifications: got [attach-success@platform], want [download-success@sfr, attach-success@platform]"}},
		{"list requests", Expect{ListRequests: &two}, []string{"list_requests: got 1, want 2"}},
		{"too late", Expect{Within: time.Hour}, []string{"within: final attach at 1h6m0s, want no later than 1h0m0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(&Scenario{Expect: tt.expect}, runLog())
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestCheckNoAttach(t *testing.T) {
	evs := []eventlog.Event{{T: clock.Epoch, Actor: eventlog.World, Kind: "no_service", Fields: eventlog.F{}}}
	got := Check(&Scenario{Expect: Expect{Final: &Final{"sfr", "home"}, Within: time.Hour}}, evs)
	want := []string{"final: no successful attach, want sfr (home)", "within: no successful attach within 1h0m0s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Check = %q", got)
	}
	if got := Check(&Scenario{Expect: Expect{Within: time.Hour}}, nil); len(got) != 1 {
		t.Errorf("Check(no events) = %q", got)
	}
}
