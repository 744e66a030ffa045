package platform

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

func listBody(serving string, extra string) string {
	return `{"eid":"` + testEID + `","iccid":"89860000000000000019","home_plmn":"46000","serving_plmn":"` + serving + `"` + extra + `}`
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantBody   string // exact JSON (without the trailing newline)
		wantErr    string // substring of {"error"} for 4xx
	}{
		{
			name: "list by tariff with signal", method: "POST", path: platformapi.PathPreferredList,
			body:       listBody("20801", `,"tac":"3a9b","cell_id":"0000c33d","signal":[{"plmn":"20810","rsrp":-101}]`),
			wantStatus: 200,
			wantBody:   `{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810","tariff":0.5,"rsrp":-101},{"id":"orange-fr","plmn":"20801","tariff":0.8}]}`,
		},
		{
			name: "country by MCC only", method: "POST", path: platformapi.PathPreferredList,
			body:       listBody("20899", ""),
			wantStatus: 200,
			wantBody:   `{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810","tariff":0.5},{"id":"orange-fr","plmn":"20801","tariff":0.8}]}`,
		},
		{
			name: "country without list", method: "POST", path: platformapi.PathPreferredList,
			body:       listBody("26202", ""),
			wantStatus: 200,
			wantBody:   `{"list_id":"1","country":"DE","order_by":"tariff","operators":[]}`,
		},
		{name: "unknown country", method: "POST", path: platformapi.PathPreferredList, body: listBody("31026", ""), wantStatus: 404, wantErr: "serving_plmn 31026"},
		{name: "malformed JSON", method: "POST", path: platformapi.PathPreferredList, body: `{"eid":`, wantStatus: 400, wantErr: "malformed JSON"},
		{name: "empty body", method: "POST", path: platformapi.PathPreferredList, body: ``, wantStatus: 400, wantErr: "malformed JSON: no value"},
		{name: "trailing data", method: "POST", path: platformapi.PathPreferredList, body: listBody("20801", "") + `{}`, wantStatus: 400, wantErr: "data after"},
		{name: "unknown field", method: "POST", path: platformapi.PathPreferredList, body: listBody("20801", `,"servingPlmn":"1"`), wantStatus: 400, wantErr: `unknown member "servingPlmn"`},
		{name: "field name in another case", method: "POST", path: platformapi.PathPreferredList, body: strings.Replace(listBody("20801", ""), `"eid"`, `"Eid"`, 1), wantStatus: 400, wantErr: `unknown member "Eid"; did you mean "eid"?`},
		{name: "field name folded from U+017F", method: "POST", path: platformapi.PathPreferredList, body: strings.Replace(listBody("20801", ""), `"serving_plmn"`, `"ſerving_plmn"`, 1), wantStatus: 400, wantErr: `unknown member "ſerving_plmn"; did you mean "serving_plmn"?`},
		{name: "duplicate field", method: "POST", path: platformapi.PathPreferredList, body: listBody("20801", `,"serving_plmn":"20810"`), wantStatus: 400, wantErr: `duplicate member "serving_plmn"`},
		{name: "duplicate field in a download", method: "POST", path: platformapi.PathDownload, body: `{"eid":"` + testEID + `","operator":"sfr","operator":"orange-fr","serving_plmn":"20801"}`, wantStatus: 400, wantErr: `duplicate member "operator"`},
		{name: "value of the wrong type", method: "POST", path: platformapi.PathNotifications, body: `{"eid":"` + testEID + `","kind":"attach-failure","operator":"sfr","plmn":"20810","cause":"15"}`, wantStatus: 400, wantErr: `cause: want an integer, got a string`},
		{name: "short EID", method: "POST", path: platformapi.PathPreferredList, body: strings.Replace(listBody("20801", ""), testEID, "8904", 1), wantStatus: 400, wantErr: "eid: want 32"},
		{name: "bad PLMN", method: "POST", path: platformapi.PathPreferredList, body: listBody("2080", ""), wantStatus: 400, wantErr: "serving_plmn: want 5 or 6"},
		{name: "bad home PLMN", method: "POST", path: platformapi.PathPreferredList, body: strings.Replace(listBody("20801", ""), `"46000"`, `"4600x"`, 1), wantStatus: 400, wantErr: "home_plmn"},
		{name: "bad TAC", method: "POST", path: platformapi.PathPreferredList, body: listBody("20801", `,"tac":"3a9"`), wantStatus: 400, wantErr: "tac:"},
		{name: "bad cell", method: "POST", path: platformapi.PathPreferredList, body: listBody("20801", `,"cell_id":"zz"`), wantStatus: 400, wantErr: "cell_id:"},
		{name: "rsrp out of range", method: "POST", path: platformapi.PathPreferredList, body: listBody("20801", `,"signal":[{"plmn":"20810","rsrp":5}]`), wantStatus: 400, wantErr: "signal[0].rsrp"},
		{name: "duplicate signal", method: "POST", path: platformapi.PathPreferredList, body: listBody("20801", `,"signal":[{"plmn":"20810","rsrp":-90},{"plmn":"20810","rsrp":-91}]`), wantStatus: 400, wantErr: "twice"},
		{name: "oversized body", method: "POST", path: platformapi.PathPreferredList, body: `{"eid":"` + strings.Repeat("1", platformapi.MaxBody) + `"}`, wantStatus: 413, wantErr: "larger than"},
		{name: "wrong method", method: "GET", path: platformapi.PathPreferredList, wantStatus: 405, wantErr: "use POST"},
		{name: "unknown route", method: "GET", path: "/v2/nothing", wantStatus: 404, wantErr: "no route /v2/nothing"},
		{
			name: "attach-success", method: "POST", path: platformapi.PathNotifications,
			body:       `{"eid":"` + testEID + `","kind":"attach-success","iccid":"89331000000000000029","operator":"sfr","plmn":"20810"}`,
			wantStatus: 200, wantBody: `{"ack":true,"id":"1"}`,
		},
		{
			name: "list-exhausted without operator", method: "POST", path: platformapi.PathNotifications,
			body:       `{"eid":"` + testEID + `","kind":"list-exhausted"}`,
			wantStatus: 200, wantBody: `{"ack":true,"id":"1"}`,
		},
		{
			name: "attach-failure with cause", method: "POST", path: platformapi.PathNotifications,
			body:       `{"eid":"` + testEID + `","kind":"attach-failure","operator":"sfr","plmn":"20810","cause":15}`,
			wantStatus: 200, wantBody: `{"ack":true,"id":"1"}`,
		},
		{name: "unknown kind", method: "POST", path: platformapi.PathNotifications, body: `{"eid":"` + testEID + `","kind":"hello"}`, wantStatus: 400, wantErr: `kind: unknown "hello"`},
		{name: "missing kind", method: "POST", path: platformapi.PathNotifications, body: `{"eid":"` + testEID + `"}`, wantStatus: 400, wantErr: "kind: required"},
		{name: "missing operator", method: "POST", path: platformapi.PathNotifications, body: `{"eid":"` + testEID + `","kind":"attach-success","plmn":"20810"}`, wantStatus: 400, wantErr: "operator: required"},
		{name: "unknown operator", method: "POST", path: platformapi.PathNotifications, body: `{"eid":"` + testEID + `","kind":"attach-success","operator":"xx","plmn":"20810"}`, wantStatus: 400, wantErr: `operator: unknown "xx"`},
		{name: "plmn mismatch", method: "POST", path: platformapi.PathNotifications, body: `{"eid":"` + testEID + `","kind":"attach-success","operator":"sfr","plmn":"20801"}`, wantStatus: 400, wantErr: "is not operator sfr"},
		{name: "cause out of range", method: "POST", path: platformapi.PathNotifications, body: `{"eid":"` + testEID + `","kind":"attach-failure","operator":"sfr","plmn":"20810","cause":300}`, wantStatus: 400, wantErr: "cause: 300"},
		{name: "bad ICCID", method: "POST", path: platformapi.PathNotifications, body: `{"eid":"` + testEID + `","kind":"list-exhausted","iccid":"12"}`, wantStatus: 400, wantErr: "iccid:"},
		{name: "ICCID with a bad Luhn digit", method: "POST", path: platformapi.PathPreferredList, body: strings.Replace(listBody("20801", ""), "89860000000000000019", "89860000000000000018", 1), wantStatus: 400,
			wantErr: `iccid: "89860000000000000018" fails the Luhn check: last digit 8, want 9`},
		{name: "notification wrong method", method: "PUT", path: platformapi.PathNotifications, wantStatus: 405},
		{name: "inspect empty", method: "GET", path: platformapi.PathInspect, wantStatus: 200, wantBody: `{"total":0,"dropped":0,"offset":0,"entries":[],"log_started":"2026-01-01T00:00:00Z"}`},
		{name: "inspect limit zero", method: "GET", path: platformapi.PathInspect + "?limit=0", wantStatus: 400, wantErr: `limit: want 1..1000, got "0"`},
		{name: "inspect limit too big", method: "GET", path: platformapi.PathInspect + "?limit=1001", wantStatus: 400, wantErr: `limit: want 1..1000, got "1001"`},
		{name: "inspect offset past the end", method: "GET", path: platformapi.PathInspect + "?offset=5", wantStatus: 400, wantErr: `offset: want 0..0 (requests so far), got "5"`},
		{name: "inspect offset not a number", method: "GET", path: platformapi.PathInspect + "?offset=x", wantStatus: 400, wantErr: `offset: want 0..0`},
		{name: "inspect wrong method", method: "POST", path: platformapi.PathInspect, wantStatus: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, nil)
			req := cardRequest(tc.method, tc.path, tc.body)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			got := strings.TrimSuffix(rec.Body.String(), "\n")
			if tc.wantBody != "" && got != tc.wantBody {
				t.Errorf("body\n got %s\nwant %s", got, tc.wantBody)
			}
			if tc.wantStatus >= 400 {
				var e platformapi.ErrorResponse
				if err := json.Unmarshal([]byte(got), &e); err != nil || e.Error == "" {
					t.Fatalf("error body %q is not {\"error\":...}: %v", got, err)
				}
				if !strings.Contains(e.Error, tc.wantErr) {
					t.Errorf("error %q, want it to contain %q", e.Error, tc.wantErr)
				}
			}
		})
	}
}

func TestEventsAndReceived(t *testing.T) {
	s, lg := newTestServer(t, nil)
	do := func(method, path, body string) int {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, cardRequest(method, path, body))
		return rec.Code
	}
	// The signal the card reported is logged as it reported it.
	do("POST", platformapi.PathPreferredList, listBody("20801", `,"signal":[{"plmn":"20801","rsrp":-90},{"plmn":"20810","rsrp":-101}]`))
	do("POST", platformapi.PathNotifications, `{"eid":"`+testEID+`","kind":"attach-success","operator":"sfr","plmn":"20810"}`)
	do("POST", platformapi.PathNotifications, `{}`)
	do("GET", platformapi.PathInspect, "")

	var lines []string
	for _, e := range lg.Events() {
		lines = append(lines, e.String())
	}
	want := []string{
		`{"t":"2026-01-01T00:00:00Z","actor":"platform","event":"preferred_list_served","country":"FR","eid":"` + testEID + `","operators":["sfr","orange-fr"],"serving_plmn":"20801","signal":[{"plmn":"20801","rsrp":-90},{"plmn":"20810","rsrp":-101}]}`,
		`{"t":"2026-01-01T00:00:00Z","actor":"platform","event":"notification_received","eid":"` + testEID + `","kind":"attach-success","operator":"sfr","plmn":"20810"}`,
		`{"t":"2026-01-01T00:00:00Z","actor":"platform","event":"request_rejected","path":"/v1/notifications","reason":"eid: required","status":400}`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("events\n got %s\nwant %s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	rec := s.Received()
	if len(rec) != 3 {
		t.Fatalf("received %d entries, want 3 (inspect reads are not recorded): %+v", len(rec), rec)
	}
	if rec[2].Status != 400 || rec[2].Body != `{}` || rec[2].Error == "" {
		t.Errorf("rejected entry %+v", rec[2])
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest("GET", platformapi.PathInspect, nil))
	got, err := platformapi.DecodeInspectPage(w.Body.Bytes())
	if err != nil || *got.Total != 3 || len(got.Entries) != 3 || got.Entries[0].Path != platformapi.PathPreferredList || got.Next != nil {
		t.Errorf("inspect answer %s (%v)", w.Body, err)
	}
}

func TestListIDsIncrease(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for want := 1; want <= 3; want++ {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathPreferredList, listBody("20801", "")))
		r, err := platformapi.DecodeListResponse(rec.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if r.ListID != string(rune('0'+want)) {
			t.Errorf("list_id %q, want %d", r.ListID, want)
		}
	}
}

// A download-success sent again (the card never saw the answer before a
// power cut) is acknowledged with the same id and counted once.
func TestDownloadSuccessDeduplicated(t *testing.T) {
	s, lg := newTestServer(t, func(*Config) {})
	body := `{"eid":"` + testEID + `","kind":"download-success","operator":"sfr","iccid":"89208100000000000010"}`
	var ids []string
	for range 2 {
		req := cardRequest("POST", platformapi.PathNotifications, body)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var ack platformapi.NotificationAck
		if err := json.Unmarshal(rec.Body.Bytes(), &ack); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ack.ID)
	}
	if ids[0] != ids[1] {
		t.Fatalf("ids %v, want the same twice", ids)
	}
	if n := len(lg.Kind("notification_received")); n != 1 {
		t.Fatalf("%d notification_received events, want 1", n)
	}
	if n := len(lg.Kind("notification_duplicate")); n != 1 {
		t.Fatalf("%d notification_duplicate events, want 1", n)
	}
}

// An attach-success carries the card's report number: a resend is taken
// once, a new report (a later switch to the same profile) counts again.
func TestAttachSuccessReportDeduplicated(t *testing.T) {
	s, lg := newTestServer(t, func(*Config) {})
	post := func(report int) {
		body := `{"eid":"` + testEID + `","kind":"attach-success","iccid":"89331000000000000029","operator":"sfr","plmn":"20810","report":` + strconv.Itoa(report) + `}`
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathNotifications, body))
		if rec.Code != 200 {
			t.Fatalf("report %d: status %d: %s", report, rec.Code, rec.Body)
		}
	}
	post(1)
	post(1)
	post(2)
	if n := len(lg.Kind("notification_received")); n != 2 {
		t.Fatalf("%d notification_received, want 2 (reports 1 and 2)", n)
	}
}

// The platform remembers a card's acknowledged notes within AckWindow: a
// card reporting every cycle for a month grew its state by a note each
// (outside tester t244). The notes held stay bounded however many come,
// and a repeat of a recent one is still answered as a repeat.
func TestAckedNotesBoundedPerCard(t *testing.T) {
	for _, n := range []int{AckWindow / 2, 3 * AckWindow} {
		s, lg := newTestServer(t, func(*Config) {})
		post := func(report int) {
			body := `{"eid":"` + testEID + `","kind":"list-exhausted","report":` + strconv.Itoa(report) + `}`
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathNotifications, body))
			if rec.Code != 200 {
				t.Fatalf("report %d: status %d: %s", report, rec.Code, rec.Body)
			}
		}
		for r := 1; r <= n; r++ {
			post(r)
		}
		post(n) // the last answer lost: sent again
		s.mu.Lock()
		held, order := len(s.acked), len(s.ackOrder[testEID])
		s.mu.Unlock()
		if want := min(n, AckWindow); held != want || order != want {
			t.Errorf("%d notes: %d remembered (%d in order), want %d", n, held, order, want)
		}
		if got := len(lg.Kind("notification_duplicate")); got != 1 {
			t.Errorf("%d notes: %d notification_duplicate, want 1 (the repeat of the last)", n, got)
		}
		if got := len(lg.Kind("notification_received")); got != n {
			t.Errorf("%d notes: %d notification_received, want %d", n, got, n)
		}
	}
}

// A card route takes only a body declared as JSON (the card always says
// so): anything else is 415 with a reason, before the body is decoded or
// the request authenticated, and logged with its body.
func TestContentType(t *testing.T) {
	tests := []struct {
		name    string
		ct      []string
		status  int
		wantErr string
	}{
		{"json", []string{"application/json"}, 200, ""},
		{"json with charset", []string{"application/json; charset=utf-8"}, 200, ""},
		{"none", nil, 415, "Content-Type missing, want application/json"},
		{"text", []string{"text/plain"}, 415, `Content-Type "text/plain", want application/json`},
		{"form", []string{"application/x-www-form-urlencoded"}, 415, `Content-Type "application/x-www-form-urlencoded", want application/json`},
		{"twice", []string{"application/json", "text/plain"}, 415, "Content-Type given more than once"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, signed := range []bool{false, true} {
				pki := newTestPKI(t)
				s, _ := newTestServer(t, func(c *Config) {
					if signed {
						c.CI = pki.ci.x509
					}
				})
				body := listBody("20801", "")
				req := httptest.NewRequest("POST", platformapi.PathPreferredList, strings.NewReader(body))
				if signed {
					h, err := SignRequest(pki.euicc.key, pki.euicc.der, pki.eum.der, "POST", platformapi.PathPreferredList, 1, []byte(body))
					if err != nil {
						t.Fatal(err)
					}
					req.Header = h
				}
				req.Header["Content-Type"] = tc.ct
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, req)
				var e platformapi.ErrorResponse
				json.Unmarshal(rec.Body.Bytes(), &e)
				if rec.Code != tc.status || e.Error != tc.wantErr {
					t.Fatalf("signed %v: %d %s, want %d %q", signed, rec.Code, rec.Body, tc.status, tc.wantErr)
				}
				if got := s.Received(); len(got) != 1 || got[0].Status != tc.status || got[0].BodySHA256 == "" {
					t.Errorf("signed %v: logged %+v", signed, got)
				}
			}
		})
	}
}
