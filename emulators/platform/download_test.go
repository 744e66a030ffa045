package platform

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// fakeOrderer records orders and answers with a numbered matching ID.
type fakeOrderer struct {
	eids []string
	err  error
}

func (f *fakeOrderer) Order(eid string) (string, string, error) {
	if f.err != nil {
		return "", "", f.err
	}
	f.eids = append(f.eids, eid)
	return "smdp.sfr.test:8443", "MID-" + string(rune('0'+len(f.eids))), nil
}

func downloadBody(eid, op string) string {
	return `{"eid":"` + eid + `","operator":"` + op + `","serving_plmn":"20801"}`
}

func TestDownload(t *testing.T) {
	type step struct {
		eid, op    string
		advance    time.Duration // virtual time before the request
		wantStatus int
		wantBody   string
		wantErr    string
	}
	ok := func(n string) string {
		return `{"operator":"sfr","smdp_address":"smdp.sfr.test:8443","matching_id":"MID-` + n + `","activation_code":"LPA:1$smdp.sfr.test:8443$MID-` + n + `"}`
	}
	tests := []struct {
		name      string
		elig      Eligibility
		orderErr  error
		steps     []step
		wantOrder int
	}{
		{name: "forwarded", steps: []step{{eid: testEID, op: "sfr", wantStatus: 200, wantBody: ok("1")}}, wantOrder: 1},
		{name: "allow-list admits", elig: Eligibility{AllowEIDs: []string{testEID}}, steps: []step{{eid: testEID, op: "sfr", wantStatus: 200, wantBody: ok("1")}}, wantOrder: 1},
		{name: "allow-list refuses", elig: Eligibility{AllowEIDs: []string{testEID}}, steps: []step{{eid: otherEID, op: "sfr", wantStatus: 403, wantErr: "eligibility: eid not allowed"}}},
		{name: "no contract", steps: []step{{eid: testEID, op: "orange-fr", wantStatus: 403, wantErr: "eligibility: no contract with operator orange-fr"}}},
		{name: "unknown operator", steps: []step{{eid: testEID, op: "nope", wantStatus: 400, wantErr: `operator: unknown`}}},
		{name: "quota per EID per day", elig: Eligibility{QuotaPerDay: 2}, steps: []step{
			{eid: testEID, op: "sfr", wantStatus: 200, wantBody: ok("1")},
			{eid: testEID, op: "sfr", wantStatus: 200, wantBody: ok("2")},
			{eid: testEID, op: "sfr", wantStatus: 403, wantErr: "eligibility: daily quota reached (2 per day)"},
			{eid: otherEID, op: "sfr", wantStatus: 200, wantBody: ok("3")},
			{eid: testEID, op: "sfr", advance: 24 * time.Hour, wantStatus: 200, wantBody: ok("4")},
		}, wantOrder: 4},
		{name: "order failure is 502 and frees the quota", elig: Eligibility{QuotaPerDay: 1}, orderErr: errors.New("SM-DP+ down"), steps: []step{
			{eid: testEID, op: "sfr", wantStatus: 502, wantErr: "order at operator sfr: SM-DP+ down"},
		}},
		{name: "bad body", steps: []step{{eid: "12", op: "sfr", wantStatus: 400, wantErr: "eid: want 32"}}},
		{name: "missing operator", steps: []step{{eid: testEID, op: "", wantStatus: 400, wantErr: "operator: required"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ord := &fakeOrderer{err: tc.orderErr}
			clk := clock.NewVirtual(clock.Epoch)
			loop := clock.NewLoop(clk)
			lg := eventlog.New(clk.Now)
			cfg := testConfig()
			cfg.Clock, cfg.Log, cfg.Eligibility = clk, lg, tc.elig
			for i := range cfg.Operators {
				if cfg.Operators[i].ID == "sfr" {
					cfg.Operators[i].Orderer = ord
				}
			}
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tc.steps {
				if st.advance > 0 {
					if err := loop.Advance(st.advance); err != nil {
						t.Fatal(err)
					}
				}
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathDownload, downloadBody(st.eid, st.op)))
				got := strings.TrimSuffix(rec.Body.String(), "\n")
				if rec.Code != st.wantStatus {
					t.Fatalf("step %d: status %d, want %d: %s", i, rec.Code, st.wantStatus, got)
				}
				if st.wantBody != "" && got != st.wantBody {
					t.Errorf("step %d: body %s, want %s", i, got, st.wantBody)
				}
				if st.wantErr != "" && !strings.Contains(got, st.wantErr) {
					t.Errorf("step %d: body %s, want %q", i, got, st.wantErr)
				}
				if rec.Code == 200 {
					if _, err := platformapi.DecodeDownloadResponse(rec.Body.Bytes()); err != nil {
						t.Errorf("step %d: answer does not decode: %v", i, err)
					}
				}
			}
			if len(ord.eids) != tc.wantOrder {
				t.Errorf("orders %v, want %d", ord.eids, tc.wantOrder)
			}
		})
	}
}

func TestDownloadEvents(t *testing.T) {
	ord := &fakeOrderer{}
	s, lg := newTestServer(t, func(c *Config) {
		c.Eligibility.AllowEIDs = []string{testEID}
		c.Operators[2].Orderer = ord // sfr
	})
	for _, b := range []string{downloadBody(testEID, "sfr"), downloadBody(otherEID, "sfr")} {
		s.Handler().ServeHTTP(httptest.NewRecorder(), cardRequest("POST", platformapi.PathDownload, b))
	}
	// The same refusal injected: the event names the fault.
	s.inject = func(fault, _ string) bool { return fault == FaultEligibilityRefused }
	s.Handler().ServeHTTP(httptest.NewRecorder(), cardRequest("POST", platformapi.PathDownload, downloadBody(testEID, "sfr")))
	var lines []string
	for _, e := range lg.Events() {
		lines = append(lines, e.String())
	}
	pre := `{"t":"2026-01-01T00:00:00Z","actor":"platform","event":`
	want := []string{
		pre + `"download_requested","eid":"` + testEID + `","operator":"sfr"}`,
		pre + `"eligibility","ok":true,"reason":""}`,
		pre + `"download_forwarded","operator":"sfr"}`,
		pre + `"download_requested","eid":"` + otherEID + `","operator":"sfr"}`,
		pre + `"eligibility","ok":false,"reason":"eid not allowed"}`,
		pre + `"request_rejected","path":"/v1/download","reason":"eligibility: eid not allowed","status":403}`,
		pre + `"download_requested","eid":"` + testEID + `","operator":"sfr"}`,
		pre + `"eligibility","fault":"eligibility_refused","ok":false,"reason":"eid not allowed"}`,
		pre + `"request_rejected","path":"/v1/download","reason":"eligibility: eid not allowed","status":403}`,
	}
	if g, w := strings.Join(lines, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("events\n got %s\nwant %s", g, w)
	}
}

func TestNoAckAndDownloadSuccess(t *testing.T) {
	s, lg := newTestServer(t, nil)
	note := `{"eid":"` + testEID + `","kind":"download-success","operator":"sfr","iccid":"89331000000000000029"}`
	post := func() int {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathNotifications, note))
		return rec.Code
	}
	s.SetFaults(Faults{NoAck: true})
	if c := post(); c != 503 {
		t.Fatalf("NoAck: status %d, want 503", c)
	}
	if n := len(lg.Kind("notification_received")); n != 0 {
		t.Fatalf("NoAck recorded %d notifications", n)
	}
	s.SetFaults(Faults{})
	if c := post(); c != 200 {
		t.Fatalf("after NoAck off: status %d", c)
	}
	ev := lg.Kind("notification_received")
	if len(ev) != 1 || ev[0].Str("kind") != platformapi.KindDownloadSuccess || ev[0].Str("iccid") != "89331000000000000029" {
		t.Fatalf("events %v", ev)
	}
	rec := s.Received()
	if len(rec) != 2 || rec[0].Status != 503 || rec[1].Status != 200 {
		t.Errorf("received %+v", rec)
	}
	// download-success needs the ICCID of what was installed.
	bad := httptest.NewRecorder()
	s.Handler().ServeHTTP(bad, cardRequest("POST", platformapi.PathNotifications, `{"eid":"`+testEID+`","kind":"download-success","operator":"sfr"}`))
	if bad.Code != 400 || !strings.Contains(bad.Body.String(), "iccid: required") {
		t.Errorf("missing iccid: %d %s", bad.Code, bad.Body)
	}
}

func TestEligibilityConfigErrors(t *testing.T) {
	for _, e := range []Eligibility{{AllowEIDs: []string{"123"}}, {QuotaPerDay: -1}} {
		cfg := testConfig()
		cfg.Eligibility = e
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", e)
		}
	}
}

// FuzzDecodeDownloadResponse checks the answer decoder the card and the
// capture use.
func FuzzDecodeDownloadResponse(f *testing.F) {
	f.Add(`{"operator":"sfr","smdp_address":"a:1","matching_id":"M","activation_code":"LPA:1$a:1$M"}`)
	f.Add(`{"operator":""}`)
	f.Fuzz(func(t *testing.T, body string) {
		r, err := platformapi.DecodeDownloadResponse([]byte(body))
		if err == nil && r.ActivationCode != platformapi.ActivationCode(r.SMDPAddress, r.MatchingID) {
			t.Errorf("accepted %+v", r)
		}
	})
}
