package timeline

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
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

// TestES9Summary: a handleNotification row names the notification's
// seqNumber and operation, and an install result its outcome, so a
// reader traces it to the event log without decoding the base64 (outside
// tester sw87); other functions and bodies that do not decode add nothing.
func TestES9Summary(t *testing.T) {
	md := func(seq int, ev es10.NotificationEvent) es10.NotificationMetadata {
		return es10.NotificationMetadata{Seq: seq, Event: ev, Address: "smdp.sfr.test", ICCID: "89331000000000000029"}
	}
	install := func(ok bool) []byte {
		d := es10.ProfileInstallationResultData{TransactionID: []byte{1, 2}, Notification: md(36, es10.EventInstall), OK: ok, AID: []byte{0xA0, 0, 0, 5, 0x59}, ErrorReason: 10}
		return es10.PendingNotification{Install: &es10.ProfileInstallationResult{Data: d, Signature: make([]byte, 64)}}.Encode()
	}
	enable := es10.PendingNotification{Other: &es10.OtherSignedNotification{Metadata: md(7, es10.EventEnable), Signature: make([]byte, 64)}}.Encode()
	for _, tc := range []struct {
		name string
		req  es9.Message
		want string
	}{
		{"install ok", &es9.HandleNotificationRequest{PendingNotification: install(true)}, " · install seq 36 ok"},
		{"install failed", &es9.HandleNotificationRequest{PendingNotification: install(false)}, " · install seq 36 failed, errorReason 10 installFailedDueToInsufficientMemoryForProfile"},
		{"enable", &es9.HandleNotificationRequest{PendingNotification: enable}, " · enable seq 7"},
		{"not a notification", &es9.HandleNotificationRequest{PendingNotification: []byte{1, 2, 3}}, ""},
		{"another function", &es9.CancelSessionRequest{}, ""},
		{"no body", nil, ""},
	} {
		if got := es9Summary(capture.ES9Message{Function: es9.FnHandleNotification, Request: tc.req}); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A platform answer is red when the card cannot use it: an error status,
// no answer, or a 200 whose body does not decode — a garbled answer is a
// protocol error like the others (outside tester sw127 F12: "200 OK ·
// malformed body" was drawn as a normal row).
func TestPlatformAnswerFailed(t *testing.T) {
	const listReq = `{"eid":"89049032000001000000000000000171","iccid":"89860000000000000019","home_plmn":"46000","serving_plmn":"20801"}`
	for _, tc := range []struct {
		name   string
		status int
		body   string
		label  string // the answer row's label starts so
		failed bool
	}{
		{"a list", 200, `{"list_id":"4","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810","tariff":1}]}`, "200 OK · [sfr]", false},
		{"garbled", 200, `{"list_id":"4","coun`, "200 OK · malformed body: ", true},
		{"a list without operators", 200, `{"list_id":"4","country":"FR","order_by":"tariff"}`, "200 OK · malformed body: ", true},
		{"refused", 503, `{"error":"busy"}`, "503 Service Unavailable", true},
		{"no answer", 0, ``, "no answer", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &Builder{t: &Timeline{}, lanes: map[string]Lane{}, faults: &faultWindows{}}
			_, _, resp := b.exchangeItems(capture.Exchange{Method: "POST", Path: platformapi.PathPreferredList,
				RequestBody: []byte(listReq), Status: tc.status, ResponseBody: []byte(tc.body)})
			if !strings.HasPrefix(resp.Label, tc.label) || resp.Failed != tc.failed {
				t.Errorf("answer %q failed=%v, want %q… failed=%v", resp.Label, resp.Failed, tc.label, tc.failed)
			}
		})
	}
}
