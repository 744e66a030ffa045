package applet

import (
	"bytes"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

func TestDecodePreferredListErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{``, "malformed JSON"},
		{`not json`, "malformed JSON"},
		{`{"order_by":"tariff","operators":[]} {}`, "data after the object"},
		{`{"order_by":"price","operators":[]}`, `order_by "price"`},
		{`{"order_by":"tariff","operators":[{"plmn":"20810"}]}`, "operators[0]: missing id"},
		{`{"order_by":"tariff","operators":[{"id":"x","plmn":"2081"}]}`, `plmn "2081"`},
		{`{"order_by":"tariff","operators":[{"id":"x","plmn":"2081a"}]}`, `plmn "2081a"`},
		{`{"order_by":"tariff","operators":"sfr"}`, "operators: want an array, got a string"},
		// The card decodes as strictly as the platform: exact names, each once.
		{`{"Order_by":"tariff","operators":[]}`, `unknown member "Order_by"; did you mean "order_by"?`},
		{`{"order_by":"price","order_by":"tariff","operators":[]}`, `duplicate member "order_by"`},
		{`{"order_by":"tariff","operators":[` + strings.Repeat(`{"id":"x","plmn":"20810"},`, 64) + `{"id":"x","plmn":"20810"}]}`, "65 operators"},
	}
	for _, tt := range tests {
		_, err := DecodePreferredList([]byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodePreferredList(%.40q) = %v, want error containing %q", tt.body, err, tt.want)
		}
	}
	l, err := DecodePreferredList([]byte(frList))
	if err != nil || l.Operators[1].ID != "orange-fr" || l.Operators[0].Tariff != 0.5 {
		t.Fatalf("DecodePreferredList(frList) = %+v, %v", l, err)
	}
}

// Garbage answers to the list request give preferred_list_failed, no
// switch, and Idle again.
func TestGarbageListBody(t *testing.T) {
	for _, body := range []string{``, `{`, `[]`, `null`, `{"order_by":"tariff","operators":[{"id":"sfr"}]}`, "\x00\xff"} {
		a := New(testCfg, State{})
		for _, ev := range roamToSFR[:5] {
			a.Step(ev)
		}
		effs := a.Step(HTTPResult{ReqID: 2, Status: 200, Body: []byte(body)})
		got := render(effs)
		if !strings.HasPrefix(got, "log preferred_list_failed reason=") || strings.Contains(got, "EnableProfile") || a.Mode() != ModeIdle {
			t.Errorf("body %q: effects %s mode %s", body, got, a.Mode())
		}
	}
}

func FuzzDecodePreferredList(f *testing.F) {
	for _, s := range []string{frList, ``, `{}`, `{"order_by":"signal","operators":[{"id":"a","plmn":"123456"}]}`, `{"operators":[null]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		l, err := DecodePreferredList(body)
		if err == nil && len(l.Operators) > maxListOperators {
			t.Fatalf("accepted %d operators", len(l.Operators))
		}
	})
}

// FuzzDecodeState: any bytes either decode to a state that validates (and
// an applet that boots from it without panicking) or are refused with an
// error.
func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"version":2,"mode":"idle","last_req":0}`))
	f.Add([]byte(`{"profiles":[{"ICCID":"89860000000000000019","Operator":"cmcc","HomePLMN":"46000","Enabled":true,"Original":true}],"original":"89860000000000000019","cycle":{"next":0,"phase":"fallback"},"list":{"order_by":"tariff","operators":[]}}`))
	f.Add(mustJSON(fuzzState()))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := DecodeState(b)
		if err != nil {
			return
		}
		if err := st.Validate(); err != nil {
			t.Fatalf("decoded state does not validate: %v", err)
		}
		a := New(testCfg, st)
		a.Step(Boot{Profiles: st.Profiles})
		checkInvariants(t, a, nil)
	})
}

// fuzzState is a state in the middle of a cycle, for seeds.
func fuzzState() State {
	a := New(testCfg, State{})
	for _, ev := range roamToSFR[:7] {
		a.Step(ev)
	}
	return a.State()
}

// fuzzEvents is a pool of plausible and implausible inputs; answers to
// what is actually in flight are added by pick.
func fuzzEvents(body []byte) []Event {
	three := func(enabled int) []Profile {
		ps := []Profile{
			{ICCID: "89860000000000000019", Operator: "cmcc", HomePLMN: "46000", Original: true},
			{ICCID: "89331000000000000029", Operator: "sfr", HomePLMN: "20810"},
			{ICCID: "89330100000000000012", Operator: "orange-fr", HomePLMN: "20801"},
		}
		if enabled >= 0 {
			ps[enabled].Enabled = true
		}
		return ps
	}
	return []Event{
		Boot{Profiles: three(0)},
		Boot{Profiles: three(1)},
		Boot{Profiles: three(2)},
		Boot{Profiles: three(-1)},
		Boot{},
		TimerExpired{ID: CheckTimer},
		TimerExpired{ID: AttachTimer},
		TimerExpired{ID: 7},
		parisInfo,
		LocalInfo{Service: NormalService, PLMN: "46000"},
		LocalInfo{Service: NormalService, PLMN: "20810"},
		LocalInfo{Service: LimitedService, PLMN: "20810", Cells: []Measurement{{PLMN: "46000", RSRP: -90}}},
		LocalInfo{Service: NoService},
		LocationStatus{Service: NormalService, PLMN: "20810"},
		LocationStatus{Service: NormalService, PLMN: "20801"},
		LocationStatus{Service: NormalService, PLMN: "26201"},
		LocationStatus{Service: LimitedService},
		LocationStatus{Service: NoService},
		HTTPResult{ReqID: 1, Status: 200, Body: body},
		HTTPResult{ReqID: 2, Status: 200, Body: body},
		HTTPResult{ReqID: 3, Err: "reset"},
		ES10Result{ReqID: 1, SW: 0x9000, Resp: body},
		ProfileEnabled{ICCID: "89331000000000000029"},
		ProfileEnabled{ICCID: "89860000000000000019"},
		ProfileEnabled{ICCID: "89331000000000000029", Result: 127},
		oddEvent{},
	}
}

// oddEvent is an event type Step does not know.
type oddEvent struct{}

func (oddEvent) isEvent() {}

// pickEvent chooses the next event from b: from the pool, or an answer to the
// request in flight (so that runs go deep), or the answer to the pending
// enable.
func pickEvent(a *Applet, b byte, body []byte, pool []Event) Event {
	st := a.State()
	switch b % 4 {
	case 0:
		if n := len(st.InFlight); n > 0 {
			r := st.InFlight[int(b/4)%n]
			if r.Answer == answerES10 {
				return ES10Result{ReqID: r.ID, SW: 0x9000, Resp: body}
			}
			if b&0x40 != 0 {
				return HTTPResult{ReqID: r.ID, Err: "connection reset"}
			}
			bodies := [][]byte{body, []byte(frList), []byte(`{"ack":true,"id":"1"}`)}
			return HTTPResult{ReqID: r.ID, Status: 200, Body: bodies[int(b/16)%3]}
		}
	case 1:
		if st.Cycle != nil && st.Mode.enabling() {
			res := 0
			if b&0x80 != 0 {
				res = 3
			}
			return ProfileEnabled{ICCID: st.Cycle.Target, Result: res}
		}
	}
	return pool[int(b)%len(pool)]
}

// checkInvariants holds after every step: the state validates and
// survives DecodeState; at most one profile enabled; request ids only
// grow; an ignored event changed nothing; and no mode is stuck: each has
// its way out (a request of its own in flight, its timer armed or its
// REFRESH out, its enable out).
func checkInvariants(t *testing.T, a *Applet, w *watch) {
	t.Helper()
	st := a.State()
	if err := st.Validate(); err != nil {
		t.Fatalf("invalid state: %v\n%s", err, mustJSON(st))
	}
	if _, err := DecodeState(mustJSON(st)); err != nil {
		t.Fatalf("state does not decode: %v", err)
	}
	if w == nil {
		return
	}
	if st.LastReq < w.lastReq {
		t.Fatalf("request id went back: %d < %d", st.LastReq, w.lastReq)
	}
	w.lastReq = st.LastReq
	owns := func(owner string) bool {
		for _, r := range st.InFlight {
			if r.Owner == owner {
				return true
			}
		}
		return false
	}
	switch m := st.Mode; {
	case m == ModeAwaitingList && !owns(ownerList):
		t.Fatalf("stuck: awaiting-list without its request\n%s", mustJSON(st))
	case m == ModeAttemptDownloading && !owns(ownerDownload):
		t.Fatalf("stuck: downloading without a request\n%s", mustJSON(st))
	case m.awaiting() && !st.AttachArmed && !(w.refreshed && !st.Cycle.Booted):
		t.Fatalf("stuck: %s without its timer or its REFRESH\n%s", m, mustJSON(st))
	case m.enabling() && st.Cycle.EnableAfterNote && !owns(ownerOutbox) && !slices.ContainsFunc(st.InFlight, func(r Request) bool { return r.Owner == ownerRetry && r.Answer == answerHTTP }) && m != ModeAttemptEnabling:
		// An attempt's is held for its place after a reset (holdForPlace):
		// a location, or the check's look, lets it go.
		t.Fatalf("stuck: %s of %s held for a note, none in flight\n%s", m, st.Cycle.Target, mustJSON(st))
	case m.enabling() && !st.Cycle.EnableAfterNote && w.enabling != st.Cycle.Target:
		t.Fatalf("stuck: %s of %s without its enable (last %q)\n%s", m, st.Cycle.Target, w.enabling, mustJSON(st))
	}
}

// watch follows the effects of a run for checkInvariants.
type watch struct {
	lastReq   int
	refreshed bool   // a Refresh since the last Boot
	enabling  string // the last EnableProfile since the last Boot, not yet answered
}

func (w *watch) step(t *testing.T, a *Applet, ev Event) {
	t.Helper()
	before := mustJSON(a.State())
	effs := a.Step(ev)
	switch e := ev.(type) {
	case Boot:
		w.refreshed, w.enabling = false, ""
	case ProfileEnabled:
		if e.ICCID == w.enabling {
			w.enabling = ""
		}
	}
	ignoredOnly := len(effs) == 1
	for _, e := range effs {
		switch e := e.(type) {
		case Refresh:
			w.refreshed = true
		case EnableProfile:
			w.enabling = e.ICCID
		case Log:
			if e.Kind == "" {
				t.Fatal("log effect without kind")
			}
			ignoredOnly = ignoredOnly && e.Kind == KindIgnored
		default:
			ignoredOnly = false
		}
	}
	if ignoredOnly && !bytes.Equal(before, mustJSON(a.State())) {
		t.Fatalf("%s was ignored but changed the state", eventName(ev))
	}
	checkInvariants(t, a, w)
}

// FuzzStep drives the applet with an arbitrary sequence of events, many
// of them answers to what it asked: it never panics and checkInvariants
// holds after every step.
func FuzzStep(f *testing.F) {
	f.Add([]byte{0, 5, 8, 0, 1, 0, 13, 60, 5, 8, 0, 0}, []byte(frList))
	f.Add([]byte{1, 3, 5, 7, 9, 12, 14, 15, 4, 8, 0, 1, 2, 6, 17}, []byte(`garbage`))
	f.Add([]byte{21, 9, 4, 0, 1, 8, 5, 6, 6, 0, 4, 16, 0, 1, 8, 0}, []byte(`{"list_id":"d","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810"},{"id":"bouygues","plmn":"20820"}]}`))
	f.Fuzz(func(t *testing.T, seq, body []byte) {
		if len(seq) > 300 {
			seq = seq[:300]
		}
		pool := fuzzEvents(body)
		a := New(testCfg, State{})
		w := &watch{}
		for _, b := range seq {
			w.step(t, a, pickEvent(a, b, body, pool))
		}
	})
}

// TestRandomEvents: seeded random event soup, many runs — never a panic,
// never a stuck mode.
func TestRandomEvents(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	bodies := [][]byte{[]byte(frList), []byte(`{"ack":true,"id":"2"}`), []byte(`{"list_id":"x","country":"FR","order_by":"tariff","operators":[{"id":"orange-fr","plmn":"20801"},{"id":"cmcc","plmn":"46000"},{"id":"sfr","plmn":"20810"}]}`)}
	for run := 0; run < 100; run++ {
		body := bodies[run%len(bodies)]
		pool := fuzzEvents(body)
		a := New(Config{EID: testCfg.EID, CheckInterval: testCfg.CheckInterval, Backoff: Backoff{First: 1 + run%3, Max: 4}}, State{})
		w := &watch{}
		for i := 0; i < 100; i++ {
			w.step(t, a, pickEvent(a, byte(r.Intn(256)), body, pool))
		}
	}
}

func countEnabled(st State) (n int) {
	for _, p := range st.Profiles {
		if p.Enabled {
			n++
		}
	}
	return n
}
