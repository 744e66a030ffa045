package platformapi

import (
	"strings"
	"testing"
)

func rsrp(v int) *int { return &v }

// The order rule of claim 5 and docs/platform-api.md, and what a list's
// own fields must not contradict (outside tester t146 F1: France's list
// served dearest first passed a storm).
func TestOrderContradiction(t *testing.T) {
	sfr := ListedOperator{ID: "sfr", PLMN: "20810", Tariff: 0.5}
	orange := ListedOperator{ID: "orange-fr", PLMN: "20801", Tariff: 0.8}
	for _, tc := range []struct {
		name, orderBy string
		ops           []ListedOperator
		want          string // in the contradiction; "" for none
	}{
		{"tariff ascending", OrderTariff, []ListedOperator{sfr, orange}, ""},
		{"tariff descending", OrderTariff, []ListedOperator{orange, sfr}, "orange-fr (tariff 0.8) comes before sfr (tariff 0.5)"},
		{"tariff tie", OrderTariff, []ListedOperator{sfr, {ID: "free", PLMN: "20815", Tariff: 0.5}}, ""},
		{"one operator", OrderTariff, []ListedOperator{orange}, ""},
		{"empty", OrderTariff, nil, ""},
		{"id twice", OrderTariff, []ListedOperator{sfr, sfr}, "operators[1]: sfr listed twice"},
		{"plmn twice", OrderTariff, []ListedOperator{sfr, {ID: "x", PLMN: "20810", Tariff: 0.9}}, "plmn 20810 listed twice"},
		{"signal descending", OrderSignal, []ListedOperator{{ID: "a", PLMN: "20801", RSRP: rsrp(-80)}, {ID: "b", PLMN: "20810", RSRP: rsrp(-90)}, {ID: "c", PLMN: "20815"}}, ""},
		{"signal weaker first", OrderSignal, []ListedOperator{{ID: "a", PLMN: "20801", RSRP: rsrp(-95)}, {ID: "b", PLMN: "20810", RSRP: rsrp(-90)}}, "a (rsrp -95) comes before b (rsrp -90)"},
		{"signal unreported first", OrderSignal, []ListedOperator{{ID: "a", PLMN: "20801"}, {ID: "b", PLMN: "20810", RSRP: rsrp(-90)}}, "a (not reported) comes before b (rsrp -90)"},
		{"signal ignores tariff", OrderSignal, []ListedOperator{orange, sfr}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := OrderContradiction(ListResponse{OrderBy: tc.orderBy, Operators: tc.ops})
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if tc.want != "" || tc.orderBy == "" {
				return
			}
			// A list that contradicts nothing is one SortList leaves as it is.
			sorted := append([]ListedOperator(nil), tc.ops...)
			SortList(sorted, tc.orderBy)
			for i := range sorted {
				if sorted[i].ID != tc.ops[i].ID {
					t.Fatalf("SortList moved %s to %d", tc.ops[i].ID, i)
				}
			}
		})
	}
}

// The serving network's country (docs/platform-api.md, POST
// /v1/preferred-list): the emulated platform and the fleet's template both
// take it from here.
func TestServedCountry(t *testing.T) {
	type op struct{ plmn, country string }
	ops := []op{
		{"20801", "FR"}, {"20810", "FR"},
		{"310260", "US"}, {"310370", "GU"}, // Guam's operators use E.212's US codes
		{"311480", "US"},
		{"23410", "GB"},
	}
	for _, tc := range []struct {
		plmn, want string
		ok         bool
	}{
		{"20810", "FR", true},
		{"20815", "FR", true},  // no operator of its own: its MCC's
		{"310370", "GU", true}, // its own operator's, not the MCC's first
		{"310410", "US", true}, // MCC 310: the first configured with it
		{"31026", "US", true},  // 5-digit PLMN, same MCC
		{"312530", "", false},  // 312 is the United States' too, yet no operator has it
		{"26201", "", false},   // no operator of that MCC: 404
		{"20", "", false},      // too short to have an MCC
		{"", "", false},
	} {
		got, ok := ServedCountry(ops, func(o op) (string, string) { return o.plmn, o.country }, tc.plmn)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ServedCountry(%q) = %q, %v; want %q, %v", tc.plmn, got, ok, tc.want, tc.ok)
		}
	}
	// Configured order decides between countries sharing an MCC.
	if got, _ := ServedCountry([]op{{"310370", "GU"}, {"310260", "US"}}, func(o op) (string, string) { return o.plmn, o.country }, "310410"); got != "GU" {
		t.Errorf("Guam configured first: got %q, want GU", got)
	}
}
