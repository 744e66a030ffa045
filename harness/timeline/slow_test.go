package timeline

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
)

// A slow platform's held answer: the platform serves the list request and
// the harness logs the fault (with its delay) at the request's instant;
// the answer's frame comes 10 s later, marked after those events. Its row
// goes at its own frame's time, not the request's — judged by the
// request's stamp the mark looked right and the answer was drawn 10 s
// early — and names the fault that held it (sw51, F1).
func TestSlowAnswerAtItsOwnTime(t *testing.T) {
	const events = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}
{"t":"2026-01-01T01:15:00Z","actor":"platform","event":"preferred_list_served","list_id":"4","operators":["sfr"]}
{"t":"2026-01-01T01:15:00Z","actor":"harness","event":"fault","fault":"platform_slow","target":"platform","at":"platform","entry":0,"delay":"10s"}
{"t":"2026-01-01T01:15:10Z","actor":"euicc","event":"preferred_list_received","list_id":"4","operators":["sfr"]}
`
	req := time.Date(2026, 1, 1, 1, 15, 0, 36000, time.UTC)
	held := req.Add(10 * time.Second)
	tests := []struct {
		name     string
		respTime time.Time // the answer frame's own stamp
		wantT    time.Time
	}{
		{"held 10 s", held, time.Date(2026, 1, 1, 1, 15, 10, 0, time.UTC)},
		// An older decoder's exchange without the answer's time keeps
		// the old placement (the request's stamp judges the mark).
		{"no answer time", time.Time{}, req},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeArtifacts(t, map[string]string{"events.jsonl": events, "traffic.pcapng": ""})
			ex := capture.Exchange{
				Time: req, Frame: 276, Mark: capture.Mark{Events: 1, OK: true},
				RespFrame: 279, RespMark: capture.Mark{Events: 3, OK: true}, RespTime: tc.respTime,
				Host: "platform.test", Method: "POST", Path: "/v1/preferred-list",
				RequestBody: []byte(`{"serving_plmn":"20801"}`), Status: 200,
				ResponseBody: []byte(`{"list_id":"4","country":"FR","order_by":"tariff","operators":[{"id":"sfr"}]}`),
			}
			tl, err := Build(dir, Run{Name: "x", Traffic: &Decoded{Exchanges: []capture.Exchange{ex}}})
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, it := range tl.Items {
				if it.Source != "traffic.pcapng frame 279" {
					continue
				}
				rows = append(rows, it.Label)
				if !it.T.Equal(tc.wantT) {
					t.Errorf("answer at %v, want %v", it.T, tc.wantT)
				}
				if !tc.respTime.IsZero() && !slices.Contains(it.Faults, "platform_slow") {
					t.Errorf("answer names faults %q, want platform_slow", it.Faults)
				}
			}
			if len(rows) != 1 {
				t.Fatalf("answer rows %q", strings.Join(rows, " · "))
			}
		})
	}
}

// A live capture (wall-clock stamps, no marks) of a slow platform: the
// request whose answer was never sent has no Date, the one answered late
// has the answer's; each goes right before the platform's own entry for
// it, not at the run's start or at the answer's Date (sw51, F4).
func TestSlowLiveExchangesByServerEntry(t *testing.T) {
	const events = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}
{"t":"2026-01-01T01:00:00Z","actor":"platform","event":"preferred_list_served","list_id":"1","operators":["sfr"]}
{"t":"2026-01-01T01:00:00Z","actor":"harness","event":"fault","fault":"platform_slow","target":"platform","at":"platform","entry":0,"delay":"45s"}
{"t":"2026-01-01T01:05:00Z","actor":"platform","event":"preferred_list_served","list_id":"2","operators":["sfr"]}
{"t":"2026-01-01T01:05:00Z","actor":"harness","event":"fault","fault":"platform_slow","target":"platform","at":"platform","entry":0,"delay":"10s"}
{"t":"2026-01-01T01:05:10Z","actor":"euicc","event":"preferred_list_received","list_id":"2","operators":["sfr"]}
`
	wall := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	list := func(at time.Time, status int, date time.Time) capture.Exchange {
		e := capture.Exchange{Time: at, Host: "platform.test", Method: "POST", Path: "/v1/preferred-list",
			RequestBody: []byte(`{"serving_plmn":"20801"}`), Status: status, Date: date}
		if status != 0 {
			e.ResponseBody = []byte(`{"list_id":"2","country":"FR","order_by":"tariff","operators":[{"id":"sfr"}]}`)
		}
		return e
	}
	ex := []capture.Exchange{
		list(wall, 0, time.Time{}),
		list(wall.Add(time.Second), 200, time.Date(2026, 1, 1, 1, 5, 10, 0, time.UTC)),
	}
	dir := writeArtifacts(t, map[string]string{"events.jsonl": events, "traffic.pcapng": ""})
	tl, err := Build(dir, Run{Name: "x", Traffic: &Decoded{Exchanges: ex}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range tl.Items {
		if it.Kind == KindHTTP {
			got = append(got, it.T.Format("15:04:05")+" "+rowName(it))
		}
	}
	want := "01:00:00 request · 01:00:00 answer · 01:05:00 request · 01:05:10 answer"
	if g := strings.Join(got, " · "); g != want {
		t.Errorf("rows\n got %s\nwant %s", g, want)
	}
}
