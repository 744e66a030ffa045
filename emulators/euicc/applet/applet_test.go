package applet

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	rsp "github.com/esimhil/esimhil/internal/proto/es10"
)

var testCfg = Config{EID: "89049032000001000000000000000123", CheckInterval: 5 * time.Minute}

func testProfiles() []Profile {
	return []Profile{
		{ICCID: "89860000000000000019", Operator: "cmcc", HomePLMN: "46000", Enabled: true, Original: true},
		{ICCID: "89331000000000000027", Operator: "sfr", HomePLMN: "20810"},
	}
}

const frList = `{"list_id":"l1","country":"FR","order_by":"tariff","operators":[` +
	`{"id":"sfr","plmn":"20810","tariff":0.5,"rsrp":-101},{"id":"orange-fr","plmn":"20801","tariff":0.8,"rsrp":-85}]}`

var parisInfo = LocalInfo{
	Service: NormalService, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d,
	Cells: []Measurement{{PLMN: "20801", RSRP: -85}, {PLMN: "20810", RSRP: -101}},
}

const parisReq = `{"eid":"89049032000001000000000000000123","iccid":"89860000000000000019",` +
	`"home_plmn":"46000","serving_plmn":"20801","tac":"3a9b","cell_id":"0000c33d",` +
	`"signal":[{"plmn":"20801","rsrp":-85},{"plmn":"20810","rsrp":-101}]}`

const sfrNotif = `{"eid":"89049032000001000000000000000123","kind":"attach-success",` +
	`"iccid":"89331000000000000027","operator":"sfr","plmn":"20810","report":1}`

// step is one line of a script: an event and the exact effects it must give.
// Persist effects are compared by kind only (their State is checked apart).
type step struct {
	ev   Event
	want []Effect
}

func runScript(t *testing.T, a *Applet, script []step) {
	t.Helper()
	for i, s := range script {
		got := a.Step(s.ev)
		if g, w := render(got), render(s.want); g != w {
			t.Fatalf("step %d %T: effects\n got: %s\nwant: %s", i, s.ev, g, w)
		}
	}
}

// render prints effects canonically; Persist shows as "Persist".
func render(effs []Effect) string {
	var b strings.Builder
	for _, e := range effs {
		switch e := e.(type) {
		case Persist:
			b.WriteString("Persist")
		case HTTPPost:
			fmt.Fprintf(&b, "HTTPPost{%d %s %s}", e.ReqID, e.Path, e.Body)
		case Log:
			f, _ := json.Marshal(e.Fields)
			fmt.Fprintf(&b, "Log{%s %s}", e.Kind, f)
		default:
			fmt.Fprintf(&b, "%T%+v", e, e)
		}
		b.WriteString("; ")
	}
	return b.String()
}

func listNotif(id int) ES10 {
	return ES10{ReqID: id, Req: rsp.ListNotificationRequest{}.Encode()}
}

func lg(kind string, kv ...any) Log {
	f := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i].(string)] = kv[i+1]
	}
	return Log{Kind: kind, Fields: f}
}

var (
	tick       = StartTimer{ID: CheckTimer, D: 5 * time.Minute}
	attachWait = StartTimer{ID: AttachTimer, D: DefaultAttachWait}
	checkNow   = []Effect{ReadLocation{}, tick}
	ok200      = func(id int, body string) HTTPResult { return HTTPResult{ReqID: id, Status: 200, Body: []byte(body)} }
)

// roamToSFR is the main path: claims 1 and 5 end to end.
var roamToSFR = []step{
	// claim 1: the check is periodic, started at boot.
	{Boot{Profiles: testProfiles()}, []Effect{tick, listNotif(1)}},
	{TimerExpired{ID: CheckTimer}, checkNow},
	// claim 1: home network → no request.
	{LocalInfo{Service: NormalService, PLMN: "46000"}, nil},
	{TimerExpired{ID: CheckTimer}, checkNow},
	// claims 1-2: roaming detected → request carrying the serving operator, cell and signal.
	{parisInfo, []Effect{
		lg("roaming_detected", "serving_plmn", "20801"),
		lg("preferred_list_requested", "serving_plmn", "20801"),
		Persist{}, HTTPPost{ReqID: 1, Path: PathPreferredList, Body: []byte(parisReq)},
	}},
	// claim 5: the list is stored; claim 1: the first operator is preinstalled → enable.
	{ok200(1, frList), []Effect{
		lg("preferred_list_received", "operators", []string{"sfr", "orange-fr"}),
		Persist{}, EnableProfile{ICCID: "89331000000000000027"},
	}},
	// claim 1: switch, persist, then tell the terminal to restart.
	{ProfileEnabled{ICCID: "89331000000000000027"}, []Effect{
		lg("profile_enabled", "iccid", "89331000000000000027", "operator", "sfr", "original", false),
		Persist{}, Refresh{},
	}},
	{Boot{Profiles: []Profile{
		{ICCID: "89860000000000000019", Operator: "cmcc", HomePLMN: "46000", Original: true},
		{ICCID: "89331000000000000027", Operator: "sfr", HomePLMN: "20810", Enabled: true},
	}}, []Effect{Persist{}, attachWait, listNotif(2)}}, // claim 3: the attach wait starts (the check waits for it)
	// claim 3/7: attach on the preferred operator succeeded → report it.
	{LocationStatus{Service: NormalService, PLMN: "20810"}, []Effect{
		Persist{}, Persist{}, HTTPPost{ReqID: 2, Path: PathNotifications, Body: []byte(sfrNotif)},
	}},
	{ok200(2, `{}`), []Effect{lg("notification_sent", "kind", "attach-success", "to", "platform"), Persist{}}},
	// Now at home on the new profile: the next check asks for nothing.
	{TimerExpired{ID: CheckTimer}, checkNow},
	{LocalInfo{Service: NormalService, PLMN: "20810"}, nil},
}

func TestRoamToPreinstalled(t *testing.T) {
	a := New(testCfg, State{})
	runScript(t, a, roamToSFR)
	st := a.State()
	if st.Await != nil || st.ListReq != 0 || st.NotifyReq != 0 || st.Enabling != "" {
		t.Errorf("state not settled: %+v", st)
	}
	if st.List == nil || st.List.ListID != "l1" || len(st.List.Operators) != 2 {
		t.Errorf("claim 5: list not stored: %+v", st.List)
	}
	if st.LastReqID != 2 {
		t.Errorf("LastReqID = %d, want 2", st.LastReqID)
	}
}

func TestScripts(t *testing.T) {
	boot := step{Boot{Profiles: testProfiles()}, []Effect{tick, listNotif(1)}}
	roam := step{parisInfo, []Effect{
		lg("roaming_detected", "serving_plmn", "20801"),
		lg("preferred_list_requested", "serving_plmn", "20801"),
		Persist{}, HTTPPost{ReqID: 1, Path: PathPreferredList, Body: []byte(parisReq)},
	}}
	tests := []struct {
		name   string
		script []step
	}{
		{"claim 1: no service or limited service → no judgement", []step{boot,
			{LocalInfo{Service: NoService}, []Effect{lg("check", "service", "none")}},
			{LocalInfo{Service: LimitedService, PLMN: "20801"}, []Effect{lg("check", "service", "limited")}},
		}},
		{"platform unreachable → stay, retry next period", []step{boot, roam,
			{HTTPResult{ReqID: 1, Err: "connection refused"}, []Effect{lg("preferred_list_failed", "reason", "connection refused")}},
			{TimerExpired{ID: CheckTimer}, checkNow},
			{parisInfo, []Effect{
				lg("roaming_detected", "serving_plmn", "20801"),
				lg("preferred_list_requested", "serving_plmn", "20801"),
				Persist{}, HTTPPost{ReqID: 2, Path: PathPreferredList, Body: []byte(parisReq)},
			}},
		}},
		{"non-200 → preferred_list_failed", []step{boot, roam,
			{HTTPResult{ReqID: 1, Status: 503, Body: []byte(`{"reason":"busy"}`)}, []Effect{lg("preferred_list_failed", "reason", "http status 503")}},
		}},
		{"claim 5: empty list stored, stay", []step{boot, roam,
			{ok200(1, `{"list_id":"l0","country":"FR","order_by":"signal","operators":[]}`), []Effect{
				lg("preferred_list_received", "operators", []string{}), Persist{}, lg("preferred_list_empty"),
			}},
		}},
		{"first operator is the current one → nothing to switch", []step{boot, roam,
			{ok200(1, `{"list_id":"l2","country":"CN","order_by":"tariff","operators":[{"id":"cmcc","plmn":"46000"}]}`), []Effect{
				lg("preferred_list_received", "operators", []string{"cmcc"}), Persist{},
			}},
		}},
		{"claim 2 boundary: not preinstalled → logged, stay", []step{boot, roam,
			{ok200(1, `{"list_id":"l3","country":"FR","order_by":"signal","operators":[{"id":"orange-fr","plmn":"20801","rsrp":-85}]}`), []Effect{
				lg("preferred_list_received", "operators", []string{"orange-fr"}), Persist{},
				lg("profile_not_preinstalled", "operator", "orange-fr"),
				// claim 2: the card asks the platform for the profile.
				lg("download_requested", "operator", "orange-fr"), Persist{},
				HTTPPost{ReqID: 2, Path: PathDownload, Body: []byte(`{"eid":"89049032000001000000000000000123","operator":"orange-fr","serving_plmn":"20801"}`)},
			}},
		}},
		{"enable refused → logged, stay", []step{boot, roam,
			{ok200(1, frList), []Effect{lg("preferred_list_received", "operators", []string{"sfr", "orange-fr"}), Persist{}, EnableProfile{ICCID: "89331000000000000027"}}},
			// claim 3: the attempt failed without leaving the original → next operator at once.
			{ProfileEnabled{ICCID: "89331000000000000027", Result: 3}, []Effect{lg("profile_enable_failed", "iccid", "89331000000000000027", "result", 3),
				Persist{}, lg("profile_not_preinstalled", "operator", "orange-fr"), lg("download_requested", "operator", "orange-fr"), Persist{},
				HTTPPost{ReqID: 2, Path: PathDownload, Body: []byte(`{"eid":"89049032000001000000000000000123","operator":"orange-fr","serving_plmn":"20801"}`)}}},
		}},
		{"no service after switch → pending, no report yet", append(append([]step(nil), roamToSFR[:8]...),
			step{LocationStatus{Service: NoService}, []Effect{lg("attach_pending", "iccid", "89331000000000000027", "service", "none", "plmn", "")}},
			step{TimerExpired{ID: CheckTimer}, checkNow},
			step{LocalInfo{Service: NoService}, []Effect{lg("check", "service", "none")}},
			// A periodic check confirms the attach too.
			step{LocalInfo{Service: NormalService, PLMN: "20810"}, []Effect{Persist{}, Persist{}, HTTPPost{ReqID: 2, Path: PathNotifications, Body: []byte(sfrNotif)}}},
		)},
		{"claim 1 report never lost: failed notification resent at next period", append(append([]step(nil), roamToSFR[:9]...),
			step{HTTPResult{ReqID: 2, Status: 500}, []Effect{lg("notification_failed", "kind", "attach-success", "to", "platform", "reason", "http status 500")}},
			step{TimerExpired{ID: CheckTimer}, []Effect{Persist{}, HTTPPost{ReqID: 3, Path: PathNotifications, Body: []byte(sfrNotif)}, ReadLocation{}, tick}},
			step{ok200(3, ``), []Effect{lg("notification_sent", "kind", "attach-success", "to", "platform"), Persist{}}},
			step{TimerExpired{ID: CheckTimer}, checkNow},
		)},
		{"stale and unknown answers are ignored", []step{boot,
			{ok200(7, frList), []Effect{lg("ignored", "event", "http_result", "reason", "no request 7 in flight")}},
			{ProfileEnabled{ICCID: "x"}, []Effect{lg("ignored", "event", "profile_enabled", "reason", "no enable of x in flight")}},
			{TimerExpired{ID: 9}, []Effect{lg("ignored", "event", "timer_expired", "reason", "unknown timer 9")}},
			{LocationStatus{Service: NormalService, PLMN: "20801"}, nil},
		}},
		{"a newer request supersedes an unanswered one", []step{boot, roam,
			{parisInfo, []Effect{
				lg("roaming_detected", "serving_plmn", "20801"),
				lg("preferred_list_requested", "serving_plmn", "20801"),
				Persist{}, HTTPPost{ReqID: 2, Path: PathPreferredList, Body: []byte(parisReq)},
			}},
			{ok200(1, frList), []Effect{lg("ignored", "event", "http_result", "reason", "no request 1 in flight")}},
		}},
		{"power loss before enable reached NVM → attach check dropped", append(append([]step(nil), roamToSFR[:7]...),
			step{Boot{Profiles: testProfiles()}, []Effect{
				lg("attach_check_dropped", "iccid", "89331000000000000027", "reason", "profile not enabled after boot"), Persist{},
				// claim 3: the cycle resumes from the original once it is attached.
				lg("cycle_resumed", "operator", "sfr", "phase", "attempt"), Persist{}, attachWait, listNotif(2),
			}},
			step{TimerExpired{ID: CheckTimer}, checkNow},
		)},
		{"no enabled profile → logged, no request", []step{
			{Boot{Profiles: []Profile{{ICCID: "1", HomePLMN: "46000"}}}, []Effect{tick, listNotif(1)}},
			{parisInfo, []Effect{lg("check", "service", "normal", "error", "no enabled profile")}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runScript(t, New(testCfg, State{}), tt.script) })
	}
}

// A reset continues exactly: New from the persisted State after every step
// gives the same effects as the applet that never stopped.
func TestResumeFromPersistedState(t *testing.T) {
	for cut := range roamToSFR {
		a := New(testCfg, State{})
		for _, s := range roamToSFR[:cut] {
			a.Step(s.ev)
		}
		raw, err := json.Marshal(a.State())
		if err != nil {
			t.Fatal(err)
		}
		var st State
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normalize(st), normalize(a.State())) {
			t.Fatalf("cut %d: state does not survive JSON:\n%+v\n%+v", cut, st, a.State())
		}
		b := New(testCfg, st)
		runScript(t, b, roamToSFR[cut:])
	}
}

// normalize maps empty slices to nil, as JSON omitempty does.
func normalize(s State) State {
	if len(s.Profiles) == 0 {
		s.Profiles = nil
	}
	if s.List != nil && len(s.List.Operators) == 0 {
		s.List.Operators = nil
	}
	return s
}

// Persist carries the state as of that moment, and the awaited check is
// written before Refresh (claim 1: nothing lost across the restart).
func TestPersistBeforeRefresh(t *testing.T) {
	a := New(testCfg, State{})
	for _, s := range roamToSFR[:6] {
		a.Step(s.ev)
	}
	effs := a.Step(roamToSFR[6].ev)
	p, ok := effs[1].(Persist)
	if !ok || p.State.Await == nil || p.State.Await.ICCID != "89331000000000000027" {
		t.Fatalf("want Persist with the awaited check before Refresh, got %s", render(effs))
	}
	if _, ok := effs[2].(Refresh); !ok {
		t.Fatalf("Refresh must follow Persist: %s", render(effs))
	}
	// The persisted copy must not alias live state.
	p.State.Await.ICCID = "mutated"
	p.State.Profiles[0].ICCID = "mutated"
	if st := a.State(); st.Await.ICCID == "mutated" || st.Profiles[0].ICCID == "mutated" {
		t.Fatal("Persist aliases the applet's state")
	}
}

func TestDeterministic(t *testing.T) {
	run := func() string {
		a := New(testCfg, State{})
		var b strings.Builder
		for _, s := range roamToSFR {
			for _, e := range a.Step(s.ev) {
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

// The original profile is learnt at the first Boot and kept across later
// Boots even when the runtime does not flag it.
func TestOriginalSurvivesBoot(t *testing.T) {
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
	if st.Original != "89860000000000000019" || !st.Profiles[0].Original || st.Profiles[1].Original {
		t.Fatalf("original not kept: %+v", st)
	}
}
