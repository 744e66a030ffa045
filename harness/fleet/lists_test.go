package fleet

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// A list the cards got is held against what the API fixes (listBroken:
// fails its device in either --lists mode) and against the template's
// list for its country (listDeparture: fails it under strict, counted
// under report). Outside tester t146 F1: France's list dearest first, or
// without its first operator, passed a storm.
func TestListsHeldToTemplate(t *testing.T) {
	tp, err := Load("../../fixtures/fleet/storm-fr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sfr := platformapi.ListedOperator{ID: "sfr", PLMN: "20810", Tariff: 0.5}
	orange := platformapi.ListedOperator{ID: "orange-fr", PLMN: "20801", Tariff: 0.8}
	cmcc := platformapi.ListedOperator{ID: "cmcc", PLMN: "46000"}
	for _, tc := range []struct {
		name         string
		l            platformapi.ListResponse
		broken, dept string // in the reasons; "" for none
		servedBy     string // the card's serving network; "" for 20801
	}{
		{"the template's", platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{sfr, orange}}, "", "", ""},
		{"dearest first", platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{orange, sfr}}, "orange-fr (tariff 0.8) comes before sfr (tariff 0.5)", "", ""},
		{"own tariffs, another order", platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{{ID: "orange-fr", PLMN: "20801", Tariff: 0.1}, sfr}}, "", "FR's list [orange-fr sfr] is not the template's [sfr orange-fr]: not in ascending tariff", ""},
		{"first left out", platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{orange}}, "", "[orange-fr] is not the template's [sfr orange-fr]: sfr left out", ""},
		{"home added", platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{cmcc, sfr, orange}}, "", "cmcc not in it", ""},
		{"another order_by", platformapi.ListResponse{Country: "FR", OrderBy: "signal", Operators: []platformapi.ListedOperator{sfr, orange}}, "", "order_by signal, the template's is tariff", ""},
		{"another country", platformapi.ListResponse{Country: "CN", OrderBy: "tariff", Operators: []platformapi.ListedOperator{cmcc}}, "", `a list for "CN", for which the template configures none`, ""},
		{"unknown operator", platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{{ID: "free", PLMN: "20815"}}}, "free, an operator the template's network does not have", "", ""},
		{"wrong plmn", platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{{ID: "sfr", PLMN: "20811", Tariff: 0.5}, orange}}, "sfr with plmn 20811, the template's has 20810", "", ""},
		{"twice", platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{sfr, sfr, orange}}, "sfr listed twice", "", ""},
		// country may be left out (it reads as ""): the list is held to
		// the country of the serving network, as the platform picks it
		// (outside tester t194 F2: every such list failed strict as `a
		// list for ""`).
		{"no country", platformapi.ListResponse{OrderBy: "tariff", Operators: []platformapi.ListedOperator{sfr, orange}}, "", "", ""},
		{"no country, by MCC", platformapi.ListResponse{OrderBy: "tariff", Operators: []platformapi.ListedOperator{sfr, orange}}, "", "", "20815"},
		{"no country, first left out", platformapi.ListResponse{OrderBy: "tariff", Operators: []platformapi.ListedOperator{orange}}, "", "FR's list [orange-fr] is not the template's [sfr orange-fr]: sfr left out", ""},
		{"no country, unknown network", platformapi.ListResponse{OrderBy: "tariff", Operators: []platformapi.ListedOperator{sfr, orange}}, "", "a list naming no country, for serving network 31026, where the template's platform serves none", "31026"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := tp.listBroken(tc.l, nil)
			if (tc.broken == "") != (broken == "") || !strings.Contains(broken, tc.broken) {
				t.Fatalf("listBroken: %q, want %q", broken, tc.broken)
			}
			if broken != "" {
				return
			}
			servedBy := tc.servedBy
			if servedBy == "" {
				servedBy = "20801"
			}
			dept := tp.listDeparture(tc.l, servedBy, nil)
			if (tc.dept == "") != (dept == "") || !strings.Contains(dept, tc.dept) {
				t.Fatalf("listDeparture: %q, want %q", dept, tc.dept)
			}
		})
	}
}

// A list's rsrp is the card's own report (docs/platform-api.md: rsrp on
// the entries the device reported, the signal order by the reported
// rsrp): a list carrying other figures — another device's measurements,
// made-up ones — is broken, and under order_by signal the template's
// order is the one the card's report gives, not the list's figures
// (outside tester o308: a platform ranking by other measurements passed
// --lists strict).
func TestListRSRPHeldToCardReport(t *testing.T) {
	tp, err := Load("../../fixtures/fleet/storm-fr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sig := *tp
	base := *tp.Base
	base.Platform.OrderBy = "signal"
	sig.Base = &base
	rs := func(v int) *int { return &v }
	reported := map[string]int{"20801": -85, "20810": -101}
	for _, tc := range []struct {
		name         string
		tp           *Template
		l            platformapi.ListResponse
		reported     map[string]int
		broken, dept string
	}{
		{"as reported", &sig, platformapi.ListResponse{Country: "FR", OrderBy: "signal", Operators: []platformapi.ListedOperator{
			{ID: "orange-fr", PLMN: "20801", Tariff: 0.8, RSRP: rs(-85)}, {ID: "sfr", PLMN: "20810", Tariff: 0.5, RSRP: rs(-101)}}}, reported, "", ""},
		{"another device's rsrp", &sig, platformapi.ListResponse{Country: "FR", OrderBy: "signal", Operators: []platformapi.ListedOperator{
			{ID: "sfr", PLMN: "20810", Tariff: 0.5, RSRP: rs(-70)}, {ID: "orange-fr", PLMN: "20801", Tariff: 0.8, RSRP: rs(-85)}}}, reported,
			"operators[0]: sfr with rsrp -70, the card reported -101 for 20810", ""},
		{"rsrp of a network not reported", &sig, platformapi.ListResponse{Country: "FR", OrderBy: "signal", Operators: []platformapi.ListedOperator{
			{ID: "orange-fr", PLMN: "20801", Tariff: 0.8, RSRP: rs(-85)}, {ID: "sfr", PLMN: "20810", Tariff: 0.5, RSRP: rs(-101)}}}, map[string]int{"20801": -85},
			"operators[1]: sfr with rsrp -101, and the card reported no signal of 20810", ""},
		{"made-up rsrp under tariff", tp, platformapi.ListResponse{Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{
			{ID: "sfr", PLMN: "20810", Tariff: 0.5, RSRP: rs(-60)}, {ID: "orange-fr", PLMN: "20801", Tariff: 0.8}}}, reported,
			"sfr with rsrp -60, the card reported -101", ""},
		{"reported rsrp left out", &sig, platformapi.ListResponse{Country: "FR", OrderBy: "signal", Operators: []platformapi.ListedOperator{
			{ID: "sfr", PLMN: "20810", Tariff: 0.5, RSRP: rs(-101)}, {ID: "orange-fr", PLMN: "20801", Tariff: 0.8}}}, reported,
			"", "FR's list [sfr orange-fr] is not the template's [orange-fr sfr]: not by descending reported rsrp"},
		{"no report logged: the list's own", &sig, platformapi.ListResponse{Country: "FR", OrderBy: "signal", Operators: []platformapi.ListedOperator{
			{ID: "sfr", PLMN: "20810", Tariff: 0.5, RSRP: rs(-70)}, {ID: "orange-fr", PLMN: "20801", Tariff: 0.8, RSRP: rs(-85)}}}, nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := tc.tp.listBroken(tc.l, tc.reported)
			if (tc.broken == "") != (broken == "") || !strings.Contains(broken, tc.broken) {
				t.Fatalf("listBroken: %q, want %q", broken, tc.broken)
			}
			if broken != "" {
				return
			}
			dept := tc.tp.listDeparture(tc.l, "20801", tc.reported)
			if (tc.dept == "") != (dept == "") || !strings.Contains(dept, tc.dept) {
				t.Fatalf("listDeparture: %q, want %q", dept, tc.dept)
			}
		})
	}
}

// The list as the applet logs it (preferred_list_received) comes out
// whole.
func TestListOf(t *testing.T) {
	for _, f := range []eventlog.F{
		{"operators": []string{"sfr", "orange-fr"}, "plmns": []string{"20810", "20801"}, "tariffs": []float64{0.5, 0.8}, "rsrp": []any{-90, nil}, "country": "FR", "order_by": "tariff"},
	} {
		l := listOf(eventlog.Event{Fields: f})
		if got := listKey(l); got != "FR tariff [sfr orange-fr]" {
			t.Fatalf("listKey %q", got)
		}
		o := l.Operators
		if o[0].PLMN != "20810" || o[1].Tariff != 0.8 || o[0].RSRP == nil || *o[0].RSRP != -90 || o[1].RSRP != nil {
			t.Fatalf("operators %+v", o)
		}
	}
}

func TestCheckLists(t *testing.T) {
	for _, tc := range []struct{ mode, platform, want string }{
		{"", "", ""},
		{"strict", "", ""},
		{"report", "http://127.0.0.1:8080", ""},
		{"report", "", "only with --platform"},
		{"lax", "http://x:1", `--lists "lax": want strict or report`},
	} {
		err := CheckLists(tc.mode, tc.platform)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckLists(%q, %q) = %v, want %q", tc.mode, tc.platform, err, tc.want)
		}
	}
}

// listServer is a platform that answers every preferred-list request with
// body once the emulated platform has taken it, and is the emulated one
// otherwise.
func listServer(t *testing.T, n int, body string) (*Template, string) {
	tp, srv := behindPlatform(t, n, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != platformapi.PathPreferredList || r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		// The emulated platform's checks first (its 401s), then body.
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	})
	return tp, srv.URL
}

// By default (--lists strict) a platform serving another list than the
// template's fails each device that got it, saying how the list departs
// (outside tester t146 F1: both passed, exit 0); a list for a country the
// serving network does not serve is the card's to refuse, and the fleet
// names that, not a dwell (t146 F2).
func TestWrongListsFailStrict(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"first left out", `{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"orange-fr","plmn":"20801","tariff":0.8}]}`,
			"FAILED          4 preferred list: FR's list [orange-fr] is not the template's [sfr orange-fr]: sfr left out (--lists strict)"},
		{"dearest first", `{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"orange-fr","plmn":"20801","tariff":0.8},{"id":"sfr","plmn":"20810","tariff":0.5}]}`,
			"FAILED          4 preferred list: order_by tariff, yet orange-fr (tariff 0.8) comes before sfr (tariff 0.5)"},
		{"empty", `{"list_id":"1","country":"FR","order_by":"tariff","operators":[]}`,
			"FAILED          4 preferred list: FR's list [] is not the template's [sfr orange-fr]: sfr, orange-fr left out (--lists strict)"},
		{"another country's", `{"list_id":"1","country":"CN","order_by":"tariff","operators":[{"id":"cmcc","plmn":"46000"}]}`,
			`FAILED          4 preferred list: a list for "CN", for which the template configures none (--lists strict)`},
		// rsrp from another device's measurements (the cards report
		// 20810 at -101 dBm): outside tester o308, passed.
		{"another device's rsrp", `{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810","tariff":0.5,"rsrp":-70},{"id":"orange-fr","plmn":"20801","tariff":0.8,"rsrp":-85}]}`,
			"FAILED          4 preferred list: operators[0]: sfr with rsrp -70, the card reported -101 for 20810"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, url := listServer(t, 4, tc.body)
			r, out := stormReport(t, tp, url)
			if r.OK() || r.Outcomes[Failed] != 4 || !strings.Contains(out.String(), tc.want) {
				t.Errorf("want %q in the report:\n%s", tc.want, out.String())
			}
		})
	}
}
