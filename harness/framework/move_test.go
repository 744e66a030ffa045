package framework_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/scenario"
)

const moveScenario = `
name: move
seed: 1
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
  roaming:
    - {home: cmcc, visited: orange-fr}
  cells:
    - {area: CN-Beijing, operator: cmcc, rsrp: -80}
    - {area: FR-Paris, operator: orange-fr, rsrp: -85}
device:
  eid: "89049032000001000000000000000171"
  check_interval: 30m
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
itinerary:
  - {at: 0s, area: CN-Beijing}
`

// MoveTo moves the device at once, as a callbox does: the modem
// re-registers in the new area at that instant; an area the scenario
// has no cell in is refused and the device stays where it was.
func TestMoveTo(t *testing.T) {
	for _, tc := range []struct {
		area    string
		err     string // "" for none
		plmn    string // the last registration's network afterwards
		stat    int
		areaNow string
	}{
		{"FR-Paris", "", "20801", 5, "FR-Paris"},
		{"Atlantis", `unknown area "Atlantis"`, "46000", 1, "CN-Beijing"},
	} {
		t.Run(tc.area, func(t *testing.T) {
			s, err := scenario.Parse("move", []byte(moveScenario))
			if err != nil {
				t.Fatal(err)
			}
			r, err := harness.NewRig(s, harness.Options{Seed: 1, Scratch: true, NoHost: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := r.Advance(10 * time.Second); err != nil { // attached at home
				t.Fatal(err)
			}
			err = framework.MoveTo(r, tc.area)
			if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("MoveTo(%q) = %v, want an error with %q", tc.area, err, tc.err)
			}
			var last eventlog.Event
			for _, e := range r.Log.Kind("registration") {
				if e.Actor == eventlog.Modem {
					last = e
				}
			}
			if last.Str("plmn") != tc.plmn || fmt.Sprint(last.Get("stat")) != fmt.Sprint(tc.stat) {
				t.Errorf("last registration %v, want stat %d on %s", last, tc.stat, tc.plmn)
			}
			if got := r.World.Area(); got != tc.areaNow {
				t.Errorf("area %q, want %q", got, tc.areaNow)
			}
		})
	}
}
