package platform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

func TestOrdering(t *testing.T) {
	ops := []Operator{
		{ID: "a", PLMN: "20801", Country: "FR", Tariff: 0.8},
		{ID: "b", PLMN: "20810", Country: "FR", Tariff: 0.5},
		{ID: "c", PLMN: "20815", Country: "FR", Tariff: 0.5},
		{ID: "d", PLMN: "20820", Country: "FR", Tariff: 0.3},
	}
	pref := map[string][]string{"FR": {"a", "b", "c", "d"}}
	tests := []struct {
		name    string
		orderBy string
		signal  []platformapi.SignalReport
		want    string // ids with rsrp where reported
	}{
		{name: "tariff ascending, tie keeps configured order", orderBy: platformapi.OrderTariff, want: "d b c a"},
		{name: "default is tariff", orderBy: "", want: "d b c a"},
		{name: "tariff ignores signal but echoes it", orderBy: platformapi.OrderTariff,
			signal: []platformapi.SignalReport{{PLMN: "20801", RSRP: -80}}, want: "d b c a@-80"},
		{name: "signal descending", orderBy: platformapi.OrderSignal,
			signal: []platformapi.SignalReport{{PLMN: "20801", RSRP: -110}, {PLMN: "20810", RSRP: -90}, {PLMN: "20815", RSRP: -100}, {PLMN: "20820", RSRP: -70}},
			want:   "d@-70 b@-90 c@-100 a@-110"},
		{name: "signal tie keeps configured order", orderBy: platformapi.OrderSignal,
			signal: []platformapi.SignalReport{{PLMN: "20820", RSRP: -95}, {PLMN: "20810", RSRP: -95}, {PLMN: "20801", RSRP: -95}},
			want:   "a@-95 b@-95 d@-95 c"},
		{name: "unreported last in configured order", orderBy: platformapi.OrderSignal,
			signal: []platformapi.SignalReport{{PLMN: "20815", RSRP: -100}},
			want:   "c@-100 a b d"},
		{name: "nothing reported keeps configured order", orderBy: platformapi.OrderSignal, want: "a b c d"},
		{name: "reports of other networks are ignored", orderBy: platformapi.OrderSignal,
			signal: []platformapi.SignalReport{{PLMN: "46000", RSRP: -60}, {PLMN: "20810", RSRP: -120}},
			want:   "b@-120 a c d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newCatalogue(ops, tc.orderBy, pref)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range c.list("FR", tc.signal) {
				s := o.ID
				if o.RSRP != nil {
					s += fmt.Sprintf("@%d", *o.RSRP)
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got %q, want %q", g, tc.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"bad order", func(c *Config) { c.OrderBy = "price" }, `order_by: unknown "price"`},
		{"empty id", func(c *Config) { c.Operators[0].ID = "" }, "empty id"},
		{"bad plmn", func(c *Config) { c.Operators[0].PLMN = "460" }, "plmn \"460\""},
		{"no country", func(c *Config) { c.Operators[0].Country = "" }, "empty country"},
		{"duplicate id", func(c *Config) { c.Operators[1].ID = "cmcc" }, "duplicate id cmcc"},
		{"duplicate plmn", func(c *Config) { c.Operators[1].PLMN = "46000" }, "already used by cmcc"},
		{"unknown preferred", func(c *Config) { c.Preferred["FR"] = []string{"nope"} }, `unknown operator "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.mod(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestScenarioSetters(t *testing.T) {
	s, _ := newTestServer(t, nil)
	if err := s.SetOrderBy(platformapi.OrderSignal); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPreferred("FR", []string{"orange-fr", "free"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPreferred("FR", []string{"ghost"}); err == nil {
		t.Error("SetPreferred accepted an unknown operator")
	}
	if err := s.SetOrderBy("random"); err == nil {
		t.Error("SetOrderBy accepted an unknown rule")
	}
	got := s.cat.list("FR", []platformapi.SignalReport{{PLMN: "20815", RSRP: -90}})
	if len(got) != 2 || got[0].ID != "free" || got[1].ID != "orange-fr" || s.cat.orderBy != platformapi.OrderSignal {
		t.Errorf("after setters: %+v order %s", got, s.cat.orderBy)
	}
}
