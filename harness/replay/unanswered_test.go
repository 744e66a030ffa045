package replay

import (
	"testing"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestUnansweredComparedUnlessModelled: recorded requests the platform
// left without a status are left out of the comparison when the plan
// modelled them as refused connections (Plan.UnansweredRefused), and
// compared otherwise, whatever its assumptions say in words — a log's own
// text quoted in one included.
func TestUnansweredComparedUnlessModelled(t *testing.T) {
	for _, refused := range []bool{false, true} {
		p := &field.Plan{
			Facts:             &field.Facts{Requests: []field.Request{{Request: fieldlog.Request{Method: "POST", Path: "/v1/preferred-list", ServingPLMN: "26202"}}}},
			Assumptions:       []string{`the host gave up waiting: "platform refusing connections"`},
			UnansweredRefused: refused,
		}
		res := &Result{Plan: p, Compared: map[Track]int{}, comparedAt: map[field.Src]bool{}}
		d := requests(res, &replayed{}, nil)
		if got, want := res.Compared[Requests], map[bool]int{false: 1, true: 0}[refused]; got != want || (d != nil) != !refused {
			t.Errorf("UnansweredRefused=%v: %d compared, divergence %+v; want %d compared, a divergence %v", refused, got, d, want, !refused)
		}
	}
}
