package replay

import (
	"strings"
	"testing"
)

// ubxlib202 is the SARA-R422 log of u-blox/ubxlib issue 202 (ubxlib's
// AT trace, "0000/01/01" stamps and its status prints), trimmed: it opens
// with the searching URCs "+CREG: 2" and "+CEREG: 2,,,,,,,," and never
// registers.
const ubxlib202 = `0000/01/01 00:13:31.860: +CREG: 2
0000/01/01 00:13:31.860: 
0000/01/01 00:13:31.860: +CEREG: 2,,,,,,,,
-1: Search
-1: Search
0000/01/01 00:13:32.020: AT+CGREG?
0000/01/01 00:13:32.060: 
0000/01/01 00:13:32.060: +CGREG: 2,4
0000/01/01 00:13:32.060: 
0000/01/01 00:13:32.060: OK
0: OoC
0000/01/01 00:13:32.360: AT+CEREG?
0000/01/01 00:13:32.400: 
0000/01/01 00:13:32.400: +CEREG: 4,2
0000/01/01 00:13:32.400: 
0000/01/01 00:13:32.400: OK
0: Search
`

// saraCOPS is the same modem family's output written by hand (SARA-R4
// forms: "+CEREG: 2" at n=2 without a cell, the read "+CEREG: 2,2"): a
// log that opens searching, then the host deregisters (+COPS=2, "+CEREG:
// 0") and selects automatically again (+COPS=0, "+CEREG: 2"), which the
// emulated modem shows too.
const saraCOPS = `0000/01/01 00:02:10.120: +CEREG: 2
0000/01/01 00:02:10.120: 
-1: Search
0000/01/01 00:02:10.400: AT+CEREG?
0000/01/01 00:02:10.440: 
0000/01/01 00:02:10.440: +CEREG: 2,2
0000/01/01 00:02:10.440: 
0000/01/01 00:02:10.440: OK
0: Search
0000/01/01 00:02:11.000: AT+COPS=2
0000/01/01 00:02:11.300: 
0000/01/01 00:02:11.300: OK
0000/01/01 00:02:11.310: 
0000/01/01 00:02:11.310: +CEREG: 0
0000/01/01 00:02:12.000: AT+COPS=0
0000/01/01 00:02:12.040: 
0000/01/01 00:02:12.040: OK
0000/01/01 00:02:14.900: 
0000/01/01 00:02:14.900: +CEREG: 2
-1: Search
0000/01/01 00:02:15.400: AT+CEREG?
0000/01/01 00:02:15.440: 
0000/01/01 00:02:15.440: +CEREG: 2,2
0000/01/01 00:02:15.440: 
0000/01/01 00:02:15.440: OK
`

// TestSearchOpeningNeverRegistered: logs that open with searching URCs
// and never show the device registered replay it out of coverage from its
// power-on, whose search the emulated modem showed before the logs: those
// URCs are not compared, and the assumptions name each (before, the replay
// failed at the first one, "(nothing)", with no reason). A search URC
// after the host starts an attach (+COPS=0) is compared; the host's
// deregistration (+COPS=2, "+CEREG: 0") is no end of the search that asks
// for a fault; a stat 4 read later is a known limit.
func TestSearchOpeningNeverRegistered(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		drop      [2]int // ubxlib202's lines left out (1-based, inclusive), none when 0
		failure   int
		ok        bool
		urcs      int      // URCs compared, when ok
		unshown   []string // named as not compared
		known     int      // the known divergence's line, when not ok
	}{
		{"ubxlib issue 202, the +CEREG? read", ubxlib202, [2]int{6, 11}, 8, true, 0,
			[]string{"+CREG: 2 (log.log:1)", "+CEREG: 2,,,,,,,, (log.log:3)"}, 0},
		{"ubxlib issue 202, +CGREG: 2,4", ubxlib202, [2]int{}, 14, false, 0,
			[]string{"+CREG: 2 (log.log:1)", "+CEREG: 2,,,,,,,, (log.log:3)"}, 8},
		{"SARA-R4, +COPS=2 then +COPS=0", saraCOPS, [2]int{}, 23, true, 2,
			[]string{"+CEREG: 2 (log.log:1)"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := tc.log
			if tc.drop[0] > 0 {
				lines := strings.SplitAfter(log, "\n")
				log = strings.Join(append(lines[:tc.drop[0]-1:tc.drop[0]-1], lines[tc.drop[1]:]...), "")
			}
			dir := newFixture(t, "search", map[string]string{"manifest.yaml": orangeFixture("search", "generic", "log.log", "terminal", tc.failure), "log.log": log})
			res := replay(t, dir)
			said := strings.Join(res.Plan.Assumptions, "\n")
			if want := "the searching URCs " + strings.Join(tc.unshown, ", ") + ", before anything"; !strings.Contains(said, want) {
				t.Errorf("assumptions lack %q:\n%s", want, said)
			}
			for _, td := range res.Plan.ToDo {
				if strings.Contains(td, "stat 0") {
					t.Errorf("a to-do for a stat 0: %s", td)
				}
			}
			switch d := res.Divergence; {
			case tc.ok && (!res.OK || res.Compared[URCs] != tc.urcs):
				t.Fatalf("ok %v, %d URCs compared, want %d: %s\n%s", res.OK, res.Compared[URCs], tc.urcs, res.Why, Report(res))
			case tc.ok:
			case d == nil || d.Src.Line != tc.known:
				t.Fatalf("divergence %+v, want one at log.log:%d\n%s", d, tc.known, Report(res))
			default:
				if _, known := res.Plan.LimitAt(d.Src); !known {
					t.Errorf("the divergence at %s is not known:\n%s", d.Src, Report(res))
				}
			}
		})
	}
}
