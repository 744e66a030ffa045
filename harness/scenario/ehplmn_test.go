package scenario

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// An operator's ehplmns are networks of its own: cells may be of one
// (plmn), the world gives them to it, its profiles' EF EHPLMN lists its
// PLMN then them, and a final plmn may name one.
func TestParseEHPLMNs(t *testing.T) {
	src := edit(t, `{id: cmcc, plmn: "46000", country: CN}`, `{id: cmcc, plmn: "46000", ehplmns: ["46002", "46007"], country: CN}`)
	src = strings.Replace(src, "{area: CN, operator: cmcc, rsrp: -80}", `{area: CN, operator: cmcc, plmn: "46007", rsrp: -80}`, 1)
	s, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	o := s.Network.Operators[0]
	if !reflect.DeepEqual(o.EHPLMNs, []string{"46002", "46007"}) || !reflect.DeepEqual(o.ProfileEHPLMNs(), []string{"46000", "46002", "46007"}) {
		t.Errorf("ehplmns %q, EF EHPLMN %q", o.EHPLMNs, o.ProfileEHPLMNs())
	}
	if got := s.Network.Operators[1].ProfileEHPLMNs(); got != nil {
		t.Errorf("sfr's EF EHPLMN %q, want none", got)
	}
	w := s.WorldConfig(time.Time{})
	if w.Cells[0].PLMN != "46007" || !reflect.DeepEqual(w.Operators[0].EHPLMNs, o.EHPLMNs) {
		t.Errorf("world: cell %+v, operator %+v", w.Cells[0], w.Operators[0])
	}
}

func TestParseEHPLMNsErrors(t *testing.T) {
	ehplmns := func(v string) string {
		return edit(t, `{id: cmcc, plmn: "46000", country: CN}`, `{id: cmcc, plmn: "46000", country: CN, ehplmns: `+v+`}`)
	}
	tests := []struct{ name, src, want string }{
		{"bad code", ehplmns(`["4600"]`), `network.operators[0].ehplmns[0]: "4600" is not a PLMN (MCC+MNC, 5 or 6 digits)`},
		{"its own plmn", ehplmns(`["46000"]`), `network.operators[0].ehplmns[0]: 46000 is cmcc's plmn: EF EHPLMN lists it first already`},
		{"twice", ehplmns(`["46002", "46002"]`), `network.operators[0].ehplmns[1]: 46002 again: each network is one entry of EF EHPLMN`},
		{"another country's", ehplmns(`["20815"]`), `network.operators[0].ehplmns[0]: 20815's MCC 208 is FR's (ITU-T E.212), not CN's: a home network is of the operator's country`},
		{"empty", ehplmns(`[]`), `network.operators[0].ehplmns: empty: name cmcc's other home networks, or leave ehplmns out for its PLMN alone`},
		{"more than 7", ehplmns(`["46001", "46002", "46003", "46004", "46005", "46006", "46007", "46008"]`), `network.operators[0].ehplmns: 8 networks, at most 7: the profiles' EF EHPLMN holds 8 entries, cmcc's PLMN first`},
		{"one of a later operator", edit(t, `{id: sfr, plmn: "20810"`, `{id: sfr, plmn: "20810", ehplmns: ["46000"]`), `network.operators[1].ehplmns[0]: 46000 already belongs to cmcc`},
		{"a cell on another's network", strings.Replace(ehplmns(`["46007"]`), "{area: FR, operator: sfr, rsrp: -90}", `{area: FR, operator: sfr, plmn: "46007", rsrp: -90}`, 1),
			`network.cells[1].plmn: "46007" is not one of sfr's networks (its plmn 20810 or its ehplmns)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("b.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: %v\nwant an error with %q", err, tt.want)
			}
		})
	}
}
