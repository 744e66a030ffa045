package applet

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

func TestDecodePreferredListErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{``, "bad JSON"},
		{`not json`, "bad JSON"},
		{`{"order_by":"tariff","operators":[]} {}`, "trailing data"},
		{`{"order_by":"price","operators":[]}`, `order_by "price"`},
		{`{"order_by":"tariff","operators":[{"plmn":"20810"}]}`, "operators[0]: missing id"},
		{`{"order_by":"tariff","operators":[{"id":"x","plmn":"2081"}]}`, `plmn "2081"`},
		{`{"order_by":"tariff","operators":[{"id":"x","plmn":"2081a"}]}`, `plmn "2081a"`},
		{`{"order_by":"tariff","operators":"sfr"}`, "bad JSON"},
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

// Garbage answers to the list request give preferred_list_failed and no switch.
func TestGarbageListBody(t *testing.T) {
	for _, body := range []string{``, `{`, `[]`, `null`, `{"order_by":"tariff","operators":[{"id":"sfr"}]}`, "\x00\xff"} {
		a := New(testCfg, State{})
		runScript(t, a, roamToSFR[:5])
		effs := a.Step(HTTPResult{ReqID: 1, Status: 200, Body: []byte(body)})
		if len(effs) != 1 {
			t.Fatalf("body %q: effects %s", body, render(effs))
		}
		if l, ok := effs[0].(Log); !ok || l.Kind != "preferred_list_failed" || l.Fields["reason"] == "" {
			t.Errorf("body %q: effects %s", body, render(effs))
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

// events is a fixed pool of plausible and implausible inputs.
func fuzzEvents(body []byte) []Event {
	return []Event{
		Boot{Profiles: testProfiles()},
		Boot{},
		TimerExpired{ID: CheckTimer},
		TimerExpired{ID: 2},
		parisInfo,
		LocalInfo{Service: NormalService, PLMN: "46000"},
		LocalInfo{Service: NormalService, PLMN: "20810"},
		LocalInfo{Service: NoService},
		LocationStatus{Service: NormalService, PLMN: "20810"},
		LocationStatus{Service: LimitedService},
		HTTPResult{ReqID: 1, Status: 200, Body: body},
		HTTPResult{ReqID: 2, Status: 200, Body: body},
		HTTPResult{ReqID: 3, Err: "reset"},
		ProfileEnabled{ICCID: "89331000000000000027"},
		ProfileEnabled{ICCID: "89331000000000000027", Result: 127},
		oddEvent{},
	}
}

// oddEvent is an event type Step does not know.
type oddEvent struct{}

func (oddEvent) isEvent() {}

func invariantOneEnabled(st State) bool { return countEnabled(st) <= 1 }

func countEnabled(st State) (n int) {
	for _, p := range st.Profiles {
		if p.Enabled {
			n++
		}
	}
	return n
}

// FuzzStep drives the applet with an arbitrary sequence of events: it never
// panics, its state always survives JSON, at most one profile is enabled, and
// request ids only grow.
func FuzzStep(f *testing.F) {
	f.Add([]byte{0, 2, 4, 10, 13, 0, 8, 11}, []byte(frList))
	f.Add([]byte{1, 3, 5, 7, 9, 12, 14, 15}, []byte(`garbage`))
	f.Fuzz(func(t *testing.T, seq, body []byte) {
		if len(seq) > 256 {
			seq = seq[:256]
		}
		evs := fuzzEvents(body)
		a := New(testCfg, State{})
		last := 0
		for _, b := range seq {
			a.Step(evs[int(b)%len(evs)])
			st := a.State()
			if st.LastReqID < last {
				t.Fatalf("request id went back: %d < %d", st.LastReqID, last)
			}
			last = st.LastReqID
			if !invariantOneEnabled(st) {
				t.Fatalf("%d profiles enabled", countEnabled(st))
			}
			if _, err := json.Marshal(st); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// Random event soup from a seeded source: never a panic, ever.
func TestRandomEvents(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	evs := fuzzEvents([]byte(frList))
	for run := 0; run < 200; run++ {
		a := New(testCfg, State{})
		for i := 0; i < 50; i++ {
			for _, e := range a.Step(evs[r.Intn(len(evs))]) {
				if l, ok := e.(Log); ok && l.Kind == "" {
					t.Fatal("log effect without kind")
				}
			}
		}
	}
}
