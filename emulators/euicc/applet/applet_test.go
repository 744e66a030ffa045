package applet

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testCfg = Config{EID: "89049032000001000000000000000171", CheckInterval: 5 * time.Minute}

func testProfiles() []Profile {
	return []Profile{
		{ICCID: "89860000000000000019", Operator: "cmcc", HomePLMN: "46000", Enabled: true, Original: true},
		{ICCID: "89331000000000000029", Operator: "sfr", HomePLMN: "20810"},
	}
}

func sfrEnabled() []Profile {
	ps := testProfiles()
	ps[0].Enabled, ps[1].Enabled = false, true
	return ps
}

const frList = `{"list_id":"l1","country":"FR","order_by":"tariff","operators":[` +
	`{"id":"sfr","plmn":"20810","tariff":0.5,"rsrp":-101},{"id":"orange-fr","plmn":"20801","tariff":0.8,"rsrp":-85}]}`

var parisInfo = LocalInfo{
	Service: NormalService, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d,
	Cells: []Measurement{{PLMN: "20801", RSRP: -85}, {PLMN: "20810", RSRP: -101}},
}

const parisReq = `{"eid":"89049032000001000000000000000171","iccid":"89860000000000000019",` +
	`"home_plmn":"46000","serving_plmn":"20801","tac":"3a9b","cell_id":"0000c33d",` +
	`"signal":[{"plmn":"20801","rsrp":-85},{"plmn":"20810","rsrp":-101}]}`

func ok200(id int, body string) HTTPResult {
	return HTTPResult{ReqID: id, Status: 200, Body: []byte(body)}
}

// roamToSFR is the main path of claims 1, 5 and 7 as events (the script
// testdata/roam-preinstalled.txt shows the effects).
var roamToSFR = []Event{
	Boot{Profiles: testProfiles()},
	TimerExpired{ID: CheckTimer},
	LocalInfo{Service: NormalService, PLMN: "46000"},
	TimerExpired{ID: CheckTimer},
	parisInfo,
	ok200(2, frList),
	ProfileEnabled{ICCID: "89331000000000000029"},
	Boot{Profiles: sfrEnabled()},
	LocationStatus{Service: NormalService, PLMN: "20810"},
	ok200(4, `{"ack":true,"id":"1"}`),
	TimerExpired{ID: CheckTimer},
	LocalInfo{Service: NormalService, PLMN: "20810"},
}

func render(effs []Effect) string {
	var b strings.Builder
	for _, e := range effs {
		b.WriteString(renderEffect(e) + "; ")
	}
	return b.String()
}

func TestRoamToPreinstalled(t *testing.T) {
	a := New(testCfg, State{})
	var posts []string
	for _, ev := range roamToSFR {
		for _, e := range a.Step(ev) {
			if p, ok := e.(HTTPPost); ok {
				posts = append(posts, fmt.Sprintf("%d %s", p.ReqID, p.Path))
				if p.Path == PathPreferredList && string(p.Body) != parisReq {
					t.Errorf("claims 1-2: list request %s", p.Body)
				}
			}
		}
	}
	st := a.State()
	if st.Mode != ModeIdle || st.Cycle != nil || len(st.InFlight) != 1 || len(st.Outbox) != 0 {
		t.Errorf("state not settled: %s", mustJSON(st))
	}
	if st.List == nil || st.List.ListID != "l1" || len(st.List.Operators) != 2 {
		t.Errorf("claim 5: list not stored: %+v", st.List)
	}
	if want := []string{"2 /v1/preferred-list", "4 /v1/notifications"}; !reflect.DeepEqual(posts, want) {
		t.Errorf("posts %v, want %v", posts, want)
	}
}

// A reset continues exactly: New from the persisted State (through
// DecodeState) after every step gives the same effects as the applet that
// never stopped.
func TestResumeFromPersistedState(t *testing.T) {
	for cut := range roamToSFR {
		a := New(testCfg, State{})
		for _, ev := range roamToSFR[:cut] {
			a.Step(ev)
		}
		st, err := DecodeState(mustJSON(a.State()))
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if !reflect.DeepEqual(normalize(st), normalize(a.State())) {
			t.Fatalf("cut %d: state does not survive JSON:\n%s\n%s", cut, mustJSON(st), mustJSON(a.State()))
		}
		b := New(testCfg, st)
		for i, ev := range roamToSFR[cut:] {
			if g, w := render(b.Step(ev)), render(a.Step(ev)); g != w {
				t.Fatalf("cut %d step %d: resumed\n%s\nnever stopped\n%s", cut, cut+i, g, w)
			}
		}
	}
}

// normalize maps empty slices to nil, as JSON omitempty does.
func normalize(s State) State {
	b, _ := json.Marshal(s)
	var n State
	_ = json.Unmarshal(b, &n)
	return n
}

// Persist carries the state as of that moment, and the attach check is
// written before Refresh (claim 1: nothing lost across the restart).
func TestPersistBeforeRefresh(t *testing.T) {
	a := New(testCfg, State{})
	for _, ev := range roamToSFR[:6] {
		a.Step(ev)
	}
	effs := a.Step(roamToSFR[6])
	i := len(effs) - 1
	if _, ok := effs[i].(Refresh); !ok {
		t.Fatalf("want Refresh last: %s", render(effs))
	}
	p, ok := effs[i-1].(Persist)
	if !ok || p.State.Mode != ModeAttemptAwaitAttach || p.State.Cycle.Target != "89331000000000000029" {
		t.Fatalf("want Persist of attempt.await-attach right before Refresh: %s", render(effs))
	}
	// The persisted copy must not alias live state.
	p.State.Cycle.Target = "mutated"
	p.State.Profiles[0].ICCID = "mutated"
	if st := a.State(); st.Cycle.Target == "mutated" || st.Profiles[0].ICCID == "mutated" {
		t.Fatal("Persist aliases the applet's state")
	}
}

func TestDeterministic(t *testing.T) {
	run := func() string {
		a := New(testCfg, State{})
		var b strings.Builder
		for _, ev := range roamToSFR {
			for _, e := range a.Step(ev) {
				j, err := json.Marshal(e) // follows pointers, sorts map keys
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%T %s\n", e, j)
			}
		}
		return b.String()
	}
	if first, second := run(), run(); first != second {
		t.Fatalf("same events gave different effects:\n%s\n---\n%s", first, second)
	}
}

// The home profile is learnt at the first Boot and kept across later Boots
// even when the runtime does not flag it.
func TestHomeSurvivesBoot(t *testing.T) {
	unflagged := func(enabled int) []Profile {
		ps := testProfiles()
		for i := range ps {
			ps[i].Original = false
			ps[i].Enabled = i == enabled
		}
		return ps
	}
	a := New(testCfg, State{})
	a.Step(Boot{Profiles: unflagged(0)})
	a.Step(Boot{Profiles: unflagged(1)})
	st := a.State()
	if st.Home != "89860000000000000019" || !st.Profiles[0].Original || st.Profiles[1].Original {
		t.Fatalf("home not kept: %+v", st)
	}
}

// Back-off periods: 1, 2, 4 … capped.
func TestBackoffPeriods(t *testing.T) {
	for _, tc := range []struct {
		b    Backoff
		want []int
	}{
		{DefaultBackoff, []int{1, 2, 4, 8, 16, 16, 16}},
		{Backoff{First: 2, Max: 5}, []int{2, 4, 5, 5}},
		{Backoff{First: 3, Max: 3}, []int{3, 3}},
	} {
		for i, w := range tc.want {
			if got := tc.b.periods(i + 1); got != w {
				t.Errorf("%+v failure %d: %d periods, want %d", tc.b, i+1, got, w)
			}
		}
	}
	if b := (Config{Backoff: Backoff{First: 4, Max: 2}}).backoff(); b.Max != 4 {
		t.Errorf("max below first: %+v", b)
	}
}

// TestPlatformAnswerStatus: the card takes a platform's 2xx with a body
// as its answer — 201 too, as REST frameworks answer a POST — and not a
// bodiless 204, nor an error, as docs/platform-api.md says (outside
// tester sw116: a 201 acknowledgement failed every delivery).
func TestPlatformAnswerStatus(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string // "" taken
	}{
		{200, ""}, {201, ""}, {202, ""},
		{204, "http status 204: no body"}, {205, "http status 205: no body"},
		{400, "http status 400"}, {503, "http status 503"}, {302, "http status 302"},
	} {
		got := httpFailure(HTTPResult{Status: tc.status, Body: []byte(`{"ack":true,"id":"1"}`)})
		if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
			t.Errorf("status %d: %q, want %q", tc.status, got, tc.want)
		}
	}
}

// The roaming judgement (claim 1): the device roams when the serving
// network is not the enabled profile's home network, the whole PLMN —
// MCC and MNC (3GPP TS 23.003 §2.2). A network of another country with
// the same MNC digits is abroad; one of the same country under another
// MNC is national roaming; a 3-digit MNC is compared whole. Only
// roaming asks the platform for a list.
func TestRoamingJudgedOnWholePLMN(t *testing.T) {
	for _, tc := range []struct {
		name, home, serving string
		ehplmns             []string
		roaming             bool
	}{
		{"at home", "20801", "20801", nil, false},
		{"another country, same MNC digits", "20801", "26201", nil, true},
		{"another country, same MNC digits, 3-digit MNC", "310260", "311260", nil, true},
		{"national roaming, same MCC", "20815", "20801", nil, true},
		{"at home, 3-digit MNC", "310260", "310260", nil, false},
		// EF EHPLMN (TS 23.122 §1.2): the operator's other PLMNs are home.
		{"at home on an EHPLMN", "46000", "46007", []string{"46000", "46002", "46007"}, false},
		{"at home on an EHPLMN, HPLMN not listed", "26202", "26209", []string{"26209"}, false},
		{"national roaming beside EHPLMNs", "46000", "46001", []string{"46000", "46007"}, true},
		{"another country, EHPLMNs", "46000", "20801", []string{"46000", "46007"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New(testCfg, State{})
			var effs []Effect
			for _, ev := range []Event{
				Boot{Profiles: []Profile{{ICCID: "89330100000000000012", Operator: "op", HomePLMN: tc.home, EHPLMNs: tc.ehplmns, Enabled: true, Original: true}}},
				TimerExpired{ID: CheckTimer},
				LocalInfo{Service: NormalService, PLMN: tc.serving, Cells: []Measurement{{PLMN: tc.serving, RSRP: -90}}},
			} {
				effs = append(effs, a.Step(ev)...)
			}
			var asked []string
			for _, e := range effs {
				if p, ok := e.(HTTPPost); ok && p.Path == PathPreferredList {
					asked = append(asked, string(p.Body))
				}
			}
			if got := len(asked) > 0; got != tc.roaming {
				t.Errorf("home network %s, serving %s: asked the platform for a list %v, want %v (roaming is the whole PLMN differing); effects: %s",
					tc.home, tc.serving, got, tc.roaming, render(effs))
			}
		})
	}
}
