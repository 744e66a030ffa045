package scenario

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// An operator's preferred_partners make its profiles' EF OPLMNwAcT: its
// own PLMN, then the partners' in the order given; an operator without
// them lists its own PLMN alone.
func TestParsePreferredPartners(t *testing.T) {
	src := edit(t, `{id: cmcc, plmn: "46000", country: CN}`,
		`{id: cmcc, plmn: "46000", country: CN, preferred_partners: [vodafone-de, sfr]}
    - {id: vodafone-de, plmn: "26202", country: DE}`)
	s, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Network.Operators[0].PreferredPartners; !reflect.DeepEqual(got, []string{"vodafone-de", "sfr"}) {
		t.Errorf("preferred_partners %q", got)
	}
	for id, want := range map[string][]string{
		"cmcc": {"46000", "26202", "20810"},
		"sfr":  {"20810"},
		"none": nil,
	} {
		if got := s.OperatorPLMNs(id); !reflect.DeepEqual(got, want) {
			t.Errorf("OperatorPLMNs(%s) = %q, want %q", id, got, want)
		}
	}
}

func TestParsePreferredPartnersErrors(t *testing.T) {
	partners := func(v string) string {
		return edit(t, `{id: cmcc, plmn: "46000", country: CN}`, `{id: cmcc, plmn: "46000", country: CN, preferred_partners: `+v+`}`)
	}
	var many []string
	var ops strings.Builder
	for i := range 32 {
		id := fmt.Sprintf("op%d", i)
		many = append(many, id)
		fmt.Fprintf(&ops, "\n    - {id: %s, plmn: \"0010%02d\", country: FR}", id, i)
	}
	tooMany := edit(t, `{id: cmcc, plmn: "46000", country: CN}`,
		`{id: cmcc, plmn: "46000", country: CN, preferred_partners: [`+strings.Join(many, ", ")+`]}`+ops.String())
	tests := []struct{ name, src, want string }{
		{"unknown", partners(`[sfr, orange]`), `b.yaml:4:72: network.operators[0].preferred_partners[1]: unknown operator "orange"`},
		{"itself", partners(`[cmcc]`), `b.yaml:4:67: network.operators[0].preferred_partners[0]: "cmcc" is the operator itself: its own PLMN comes first in EF OPLMNwAcT already (did you mean a partner?)`},
		{"twice", partners(`[sfr, sfr]`), `b.yaml:4:72: network.operators[0].preferred_partners[1]: "sfr" again: already at network.operators[0].preferred_partners[0] (line 4); each network is one entry of EF OPLMNwAcT`},
		{"empty", partners(`[]`), `b.yaml:4:66: network.operators[0].preferred_partners: empty: name the partners cmcc steers its roamers to, or leave preferred_partners out for its own PLMN alone`},
		{"not a list", partners(`sfr`), `b.yaml:4:66: network.operators[0].preferred_partners: want a list, got "sfr"`},
		{"more than 31", tooMany, `b.yaml:4:66: network.operators[0].preferred_partners: 32 operators, at most 31: EF OPLMNwAcT holds 32 entries, cmcc's own PLMN first`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, tt.src, tt.want)
		})
	}
}
