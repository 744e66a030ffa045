package applet

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInArea: once the platform named the list's country, every MCC that
// may serve it is in the cycle's area (outside tester t84 N1); before it,
// and for the rescue and coming home, the MCCs' countries decide.
func TestInArea(t *testing.T) {
	for _, c := range []struct {
		m, area, country string
		want             bool
	}{
		{"310", "330", "PR", true}, // Puerto Rico on the United States' codes
		{"330", "310", "PR", true},
		{"310", "330", "", false}, // no list: E.212's countries
		{"310", "535", "GU", true},
		{"310", "332", "VI", true},
		{"208", "001", "FR", true}, // a test network standing in France
		{"001", "208", "FR", true},
		{"208", "901", "FR", true},
		{"262", "208", "FR", false}, // across the border
		{"302", "310", "PR", false},
		{"313", "310", "US", true},
		{"310", "313", "", true},
		{"234", "234", "JE", true},
		{"999", "208", "FR", false}, // an MCC the table does not know: an area of its own
		{"999", "999", "FR", true},
	} {
		if got := inArea(c.m, c.area, c.country); got != c.want {
			t.Errorf("inArea(%q, %q, %q) = %v, want %v", c.m, c.area, c.country, got, c.want)
		}
	}
}

// TestSamePlace: a back-off's place. Two list countries decide between
// them (a PR failure on 330 holds on 310 under PR; 901 under FR is not
// 901 under DE); without a list on a side the MCCs do.
func TestSamePlace(t *testing.T) {
	for _, c := range []struct {
		a, ca, b, cb string
		want         bool
	}{
		{"330", "PR", "310", "PR", true},
		{"330", "PR", "310", "", false},
		{"310", "US", "310", "PR", false}, // one code, two lists' countries
		{"316", "US", "312", "US", true},
		{"313", "US", "310", "", true}, // coming home has no list: the MCCs' country
		{"313", "", "310", "US", true},
		{"901", "FR", "901", "FR", true},
		{"901", "FR", "901", "DE", false},
		{"901", "FR", "901", "", true}, // no list: the code is all the card has
		{"001", "FR", "208", "FR", true},
		{"208", "FR", "262", "DE", false},
		{"208", "", "262", "", false},
	} {
		if got := samePlace(c.a, c.ca, c.b, c.cb); got != c.want {
			t.Errorf("samePlace(%q, %q, %q, %q) = %v, want %v", c.a, c.ca, c.b, c.cb, got, c.want)
		}
		if got := samePlace(c.b, c.cb, c.a, c.ca); got != c.want {
			t.Errorf("samePlace(%q, %q, %q, %q) = %v, want %v", c.b, c.cb, c.a, c.ca, got, c.want)
		}
	}
}

// TestCycleCountryInNVM: the list's country is kept with the cycle across
// a reset, and a list cycle persisted before the card kept it (no
// "country": the previous release's NVM, or version 1) takes it from the
// stored list under the same list_id, so an upgraded card judges its
// running cycle as a new one would. Only when the stored list is another
// (or none) is the cycle judged by the MCCs alone, as it was begun.
func TestCycleCountryInNVM(t *testing.T) {
	card := func(enabled string) []Profile {
		var ps []Profile
		for _, n := range []string{"sfr", "claro-pr", "liberty-pr"} {
			p := fixture(t, n)
			p.Enabled, p.Original = n == enabled, n == "sfr"
			ps = append(ps, p)
		}
		return ps
	}
	a := New(testCfg, State{})
	for _, ev := range []Event{
		Boot{Profiles: card("sfr")},
		TimerExpired{ID: CheckTimer},
		LocalInfo{Service: NormalService, PLMN: "330110"},
		ok200(2, `{"list_id":"1","country":"PR","order_by":"tariff","operators":[{"id":"claro-pr","plmn":"330110","tariff":1},{"id":"liberty-pr","plmn":"310030","tariff":2}]}`),
		ProfileEnabled{ICCID: fixture(t, "claro-pr").ICCID},
		Boot{Profiles: card("claro-pr")},
		LocationStatus{Service: LimitedService, PLMN: "330110"},
		ProfileEnabled{ICCID: fixture(t, "sfr").ICCID},
	} {
		a.Step(ev)
	}
	nvm := mustJSON(a.State())
	// previous rewrites the image as the previous release wrote it (no
	// cycle country), then edit changes it further.
	previous := func(edit func(top, cycle map[string]any)) []byte {
		var top map[string]any
		if err := json.Unmarshal(nvm, &top); err != nil {
			t.Fatal(err)
		}
		cy := top["cycle"].(map[string]any)
		delete(cy, "country")
		if edit != nil {
			edit(top, cy)
		}
		return mustJSON(top)
	}
	// version1 is the same cycle in the format before the explicit modes
	// (migration.txt): falling back to the original after claro-pr failed.
	version1 := mustJSON(map[string]any{
		"profiles": []map[string]any{
			{"ICCID": fixture(t, "sfr").ICCID, "Operator": "sfr", "HomePLMN": "20810", "Enabled": true, "Original": true},
			{"ICCID": fixture(t, "claro-pr").ICCID, "Operator": "claro-pr", "HomePLMN": "330110"},
			{"ICCID": fixture(t, "liberty-pr").ICCID, "Operator": "liberty-pr", "HomePLMN": "310030"},
		},
		"original": fixture(t, "sfr").ICCID,
		"serving":  "330110",
		"list":     json.RawMessage(`{"list_id":"1","country":"PR","order_by":"tariff","operators":[{"id":"claro-pr","plmn":"330110","tariff":1},{"id":"liberty-pr","plmn":"310030","tariff":2}]}`),
		"cycle":    map[string]any{"list_id": "1", "next": 1, "phase": "fallback", "tried": []string{"claro-pr"}, "waiting": true},
	})
	for _, c := range []struct {
		name    string
		nvm     []byte
		country string
		want    string // in the effects of the fallback's attach on 310
	}{
		{"kept", nvm, "PR", "log attempt operator=liberty-pr"},
		{"previous release: from the stored list", previous(nil), "PR", "log attempt operator=liberty-pr"},
		{"version 1: from the stored list", version1, "PR", "log attempt operator=liberty-pr"},
		{"previous release: another list stored", previous(func(top, _ map[string]any) {
			top["list"].(map[string]any)["list_id"] = "2"
		}), "", ReasonLeftArea},
		{"previous release: no list stored", previous(func(top, _ map[string]any) { delete(top, "list") }), "", ReasonLeftArea},
	} {
		st, err := DecodeState(c.nvm)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if st.Cycle == nil || st.Cycle.Country != c.country {
			t.Fatalf("%s: cycle %+v, want country %q", c.name, st.Cycle, c.country)
		}
		if err := CheckState(st, card("sfr")); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b := New(testCfg, st)
		b.Step(Boot{Profiles: card("sfr")})
		if got := render(b.Step(LocationStatus{Service: NormalService, PLMN: "310030"})); !strings.Contains(got, c.want) {
			t.Errorf("%s: the fallback's attach on 310030: %s, want %q", c.name, got, c.want)
		}
	}
}
