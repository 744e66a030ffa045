package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/world"
)

const examples = "../../fixtures/scenarios"

func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examples, "*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if want := strings.TrimSuffix(filepath.Base(f), ".yaml"); s.Name != want {
			t.Errorf("%s: name %q, want the file's base name", f, s.Name)
		}
		// Every example's world must be acceptable to the world itself.
		if _, err := world.New(s.WorldConfig(clock.Epoch), clock.NewVirtual(clock.Epoch), nil); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestParseRoamFR(t *testing.T) {
	s, err := Load(filepath.Join(examples, "roam-fr-preinstalled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	want := &Scenario{
		File: filepath.Join(examples, "roam-fr-preinstalled.yaml"),
		Name: "roam-fr-preinstalled", Seed: 1,
		Network: Network{
			Operators: []Operator{
				{ID: "cmcc", PLMN: "46000", Country: "CN", Name: "China Mobile"},
				{ID: "orange-fr", PLMN: "20801", Country: "FR", Name: "Orange", Tariff: 0.8},
				{ID: "sfr", PLMN: "20810", Country: "FR", Name: "SFR", Tariff: 0.5},
			},
			Roaming: []Agreement{{Home: "cmcc", Visited: "orange-fr"}},
			Cells: []Cell{
				{Area: "CN-Beijing", Operator: "cmcc", RSRP: -80},
				{Area: "FR-Paris", Operator: "orange-fr", RSRP: -85, TAC: 0x3a9b, CellID: 0xc33d},
				{Area: "FR-Paris", Operator: "sfr", RSRP: -101},
			},
		},
		Device: Device{
			EID: "89049032000001000000000000000171", Personality: "generic", CheckInterval: 5 * time.Minute,
			Profiles: []Profile{
				{ICCID: "89860000000000000019", Operator: "cmcc", IMSI: "460000000000019", Enabled: true},
				{ICCID: "89331000000000000029", Operator: "sfr", IMSI: "208100000000029"},
			},
		},
		Platform:  Platform{OrderBy: "tariff", Preferred: map[string][]string{"FR": {"sfr", "orange-fr"}}},
		Itinerary: []Stop{{At: 0, Area: "CN-Beijing"}, {At: time.Hour, Area: "FR-Paris"}},
		Expect: Expect{
			Attempts: []string{"sfr"}, Final: &Final{Operator: "sfr", Registration: "home"},
			Notifications: []string{"attach-success@platform"}, ListRequests: &one, Within: 2 * time.Hour,
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", s, want)
	}
}

// base is a valid scenario that the error table edits line by line.
const base = `name: t
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN}
    - {id: sfr, plmn: "20810", country: FR, tariff: 0.5}
  cells:
    - {area: CN, operator: cmcc, rsrp: -80}
    - {area: FR, operator: sfr, rsrp: -90}
device:
  eid: "89049032000001000000000000000171"
  check_interval: 5m
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
    - {iccid: "89331000000000000029", operator: sfr}
itinerary:
  - {at: 0s, area: CN}
  - {at: 1h, area: FR}
`

func TestParseFaults(t *testing.T) {
	s, err := Parse("f.yaml", []byte(base+`faults:
  - {platform: unreachable, from: 1h, until: 90m}
  - {operator: sfr, attempt: 1, attach_reject: 15}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Fault{
		{Kind: PlatformUnreachable, From: time.Hour, Until: 90 * time.Minute},
		{Kind: AttachReject, Operator: "sfr", Attempt: 1, Cause: 15},
	}
	if !reflect.DeepEqual(s.Faults, want) {
		t.Fatalf("faults %+v", s.Faults)
	}
	for _, c := range []struct {
		t    time.Duration
		down bool
	}{{59 * time.Minute, false}, {time.Hour, true}, {89 * time.Minute, true}, {90 * time.Minute, false}} {
		if got := s.PlatformDown(c.t); got != c.down {
			t.Errorf("PlatformDown(%v) = %v", c.t, got)
		}
	}
	wc := s.WorldConfig(clock.Epoch)
	if len(wc.Faults) != 1 || wc.Faults[0] != (world.Fault{Operator: "sfr", Attempt: 1, Cause: 15, Entry: 1}) {
		t.Errorf("world faults %+v", wc.Faults)
	}
	if s.EnabledProfile().Operator != "cmcc" {
		t.Errorf("EnabledProfile %+v", s.EnabledProfile())
	}
}

// TestParsePlatformAnswerFaults: platform: garbled and slow load with their
// windows (and slow its delay, up to MaxPlatformDelay, on either side of
// the card's reply guard).
func TestParsePlatformAnswerFaults(t *testing.T) {
	tests := []struct {
		name, plan string
		want       Fault
	}{
		{"garbled", "{platform: garbled, from: 50m, until: 1h30m}", Fault{Kind: PlatformGarbled, From: 50 * time.Minute, Until: 90 * time.Minute}},
		{"garbled open-ended", "{platform: garbled}", Fault{Kind: PlatformGarbled}},
		{"slow past the guard", "{platform: slow, delay: 45s, from: 1h}", Fault{Kind: PlatformSlow, Delay: 45 * time.Second, From: time.Hour}},
		{"slow within the guard", "{platform: slow, delay: 29999ms}", Fault{Kind: PlatformSlow, Delay: CardReplyGuard - time.Millisecond}},
		{"slow at the limit", "{platform: slow, delay: 10m, until: 2h}", Fault{Kind: PlatformSlow, Delay: MaxPlatformDelay, Until: 2 * time.Hour}},
		{"status", "{platform: status, code: 503, from: 1h, until: 2h}", Fault{Kind: PlatformStatus, Code: 503, From: time.Hour, Until: 2 * time.Hour}},
		{"status lowest", "{platform: status, code: 500}", Fault{Kind: PlatformStatus, Code: MinPlatformStatus}},
		{"status highest on a route", "{platform: status, code: 599, path: /v1/notifications}", Fault{Kind: PlatformStatus, Code: MaxPlatformStatus, Path: "/v1/notifications"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("f.yaml", []byte(base+"faults:\n  - "+tt.plan+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Faults) != 1 || s.Faults[0] != tt.want {
				t.Fatalf("faults %+v, want %+v", s.Faults, tt.want)
			}
			if !s.HasFault(tt.want.Kind) || s.HasFault(PlatformNoAck) {
				t.Errorf("HasFault wrong for %+v", s.Faults)
			}
		})
	}
}

// TestParseSMDPSlow: smdp: slow loads with its operator, delay, function
// and window, and is refused in the protocol's terms where it could never
// hold an answer (no SM-DP+, no such ES9+ function) or where its delay is
// platform: slow's bad one (outside tester o296, G1: the schema had no way
// to make an SM-DP+ slow).
func TestParseSMDPSlow(t *testing.T) {
	withSMDP := edit(t, "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: smdp.sfr.test}")
	tests := []struct {
		name, plan string
		want       Fault  // when err is ""
		err        string // the error, after "f.yaml:15:"
	}{
		{name: "every function", plan: "{smdp: slow, operator: sfr, delay: 20s}",
			want: Fault{Kind: SMDPSlow, Operator: "sfr", Delay: 20 * time.Second}},
		{name: "one function in a window", plan: "{smdp: slow, operator: sfr, delay: 45s, function: getBoundProfilePackage, from: 1h, until: 2h}",
			want: Fault{Kind: SMDPSlow, Operator: "sfr", Delay: 45 * time.Second, Function: "getBoundProfilePackage", From: time.Hour, Until: 2 * time.Hour}},
		{name: "at the limit", plan: "{smdp: slow, operator: sfr, delay: 10m, function: handleNotification}",
			want: Fault{Kind: SMDPSlow, Operator: "sfr", Delay: MaxPlatformDelay, Function: "handleNotification"}},
		{name: "unknown kind", plan: "{smdp: down, operator: sfr, delay: 5s}", err: `12: faults[0].smdp: unknown SM-DP+ fault "down" (known: slow)`},
		{name: "no operator", plan: "{smdp: slow, delay: 5s}", err: `5: faults[0].operator: required field missing (smdp: slow holds the answers of that operator's SM-DP+)`},
		{name: "no delay", plan: "{smdp: slow, operator: sfr}", err: `5: faults[0].delay: required field missing (smdp: slow holds each answer for delay)`},
		{name: "delay at the card's guard", plan: "{smdp: slow, operator: sfr, delay: 30s}", err: `40: faults[0].delay: 30s is the card's reply guard to the instant: whether the answer or the card's timeout comes first is a tie; give a delay on either side of it`},
		{name: "delay too long", plan: "{smdp: slow, operator: sfr, delay: 11m}", err: `40: faults[0].delay: 11m0s: want more than 0s and at most 10m0s`},
		{name: "no such function", plan: "{smdp: slow, operator: sfr, delay: 5s, function: getProfile}", err: `54: faults[0].function: "getProfile" is no ES9+ function: want one of initiateAuthentication, authenticateClient, getBoundProfilePackage, handleNotification, cancelSession, or leave function out (every one)`},
		{name: "function on platform: slow", plan: "{platform: slow, delay: 5s, function: authenticateClient}", err: `43: faults[0].function: applies only to smdp: slow faults`},
		{name: "with attempt", plan: "{smdp: slow, operator: sfr, delay: 5s, attempt: 1}", err: `53: faults[0].attempt: does not apply to smdp faults`},
		{name: "unknown operator", plan: "{smdp: slow, operator: dt, delay: 5s}", err: `28: faults[0].operator: unknown operator "dt"`},
		{name: "operator without SM-DP+", plan: "{smdp: slow, operator: cmcc, delay: 5s}", err: `28: faults[0].operator: operator "cmcc" runs no SM-DP+ (network.operators[].smdp)`},
		{name: "with a platform kind", plan: "{smdp: slow, platform: slow, operator: sfr, delay: 5s}", err: `5: faults[0]: one fault per entry: give one of platform, smdp, attach_reject, attach, download, power_cut, at_port, card, coverage`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("f.yaml", []byte(withSMDP+"faults:\n  - "+tt.plan+"\n"))
			if tt.err != "" {
				if err == nil || err.Error() != "f.yaml:19:"+tt.err {
					t.Fatalf("error\n got: %v\nwant: f.yaml:19:%s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Faults) != 1 || s.Faults[0] != tt.want {
				t.Fatalf("faults %+v, want %+v", s.Faults, tt.want)
			}
		})
	}
}

// edit replaces the first occurrence of old in base (which must exist).
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base lacks %q", old)
	}
	return strings.Replace(base, old, new, 1)
}

// Cells that differ in any part of their identity are cells of their own.
func TestCellsOfTheirOwn(t *testing.T) {
	for _, cells := range []string{
		"{area: FR, operator: sfr, rsrp: -90}\n    - {area: FR, operator: sfr, rsrp: -60}",
		"{area: FR, operator: sfr, rsrp: -90, cell_id: 9}\n    - {area: FR, operator: sfr, rsrp: -60, cell_id: 10}",
		"{area: FR, operator: sfr, rsrp: -90, tac: 7, cell_id: 9}\n    - {area: FR, operator: sfr, rsrp: -60, tac: 8, cell_id: 9}",
		"{area: FR, operator: sfr, rsrp: -90, cell_id: 9}\n    - {area: FR2, operator: sfr, rsrp: -60, cell_id: 9}",
		"{area: FR, operator: sfr, rsrp: -90, cell_id: 9}\n    - {area: FR, operator: cmcc, rsrp: -60, cell_id: 9}",
		"{area: FR, operator: sfr, rsrp: -90}\n    - {area: FR, operator: sfr, rsrp: -60, tac: 0x1001, cell_id: 0x20004}",
	} {
		if _, err := Parse("b.yaml", []byte(edit(t, "{area: FR, operator: sfr, rsrp: -90}", cells))); err != nil {
			t.Errorf("%s: %v", cells, err)
		}
	}
}

// TestParseCellTAC: a cell's tac is any 16-bit TAC but the two TS 23.003
// §19.4.2.3 reserves (0x0000, 0xfffe: a deleted TAI's), 0xffff included,
// and an attach_reject may name the cell's.
func TestParseCellTAC(t *testing.T) {
	const deleted = "0xfffe is a reserved TAC, a deleted TAI's (TS 23.003 §19.4.2.3, TS 24.301 §9.9.3.32): no cell broadcasts it; give 1..0xfffd or 0xffff"
	for _, tc := range []struct {
		tac  string
		want uint16
		err  string
	}{
		{"1", 1, ""},
		{"0xfffd", 0xFFFD, ""},
		{"0xffff", 0xFFFF, ""},
		{"65535", 0xFFFF, ""},
		{"0xfffe", 0, "b.yaml:8:49: network.cells[1].tac: " + deleted},
		{"65534", 0, "b.yaml:8:49: network.cells[1].tac: " + deleted},
		{"0", 0, "b.yaml:8:49: network.cells[1].tac: 0 out of range 1..65535"},
		{"0x10000", 0, "b.yaml:8:49: network.cells[1].tac: 65536 out of range 1..65535"},
	} {
		src := edit(t, "{area: FR, operator: sfr, rsrp: -90}", "{area: FR, operator: sfr, rsrp: -90, tac: "+tc.tac+"}")
		src = strings.Replace(src, "itinerary:", "faults: [{attach_reject: 15, operator: sfr, tac: "+tc.tac+"}]\nitinerary:", 1)
		s, err := Parse("b.yaml", []byte(src))
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("tac %s: error %v, want %s", tc.tac, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("tac %s: %v", tc.tac, err)
			continue
		}
		if s.Network.Cells[1].TAC != tc.want || s.Faults[0].TAC != tc.want {
			t.Errorf("tac %s: cell %#x, fault %#x, want %#x", tc.tac, s.Network.Cells[1].TAC, s.Faults[0].TAC, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown top field", "name: t", "name: t\nmode: fast", "b.yaml:2:1: mode: unknown field"},
		{"unknown nested field", "rsrp: -80}", "rsrp: -80, power: 3}", "b.yaml:7:45: network.cells[0].power: unknown field"},
		{"duplicate field", "name: t", "name: t\nname: u", "b.yaml:2:1: name: duplicate field"},
		{"a cell given twice", "{area: FR, operator: sfr, rsrp: -90}", "{area: FR, operator: sfr, rsrp: -90, tac: 7, cell_id: 9}\n    - {area: FR, operator: sfr, rsrp: -60, tac: 7, cell_id: 9}", "b.yaml:9:7: network.cells[2]: the same cell as network.cells[1] (line 8): area FR, operator sfr, tac 7, cell_id 9; give one of them another cell_id"},
		{"a cell given twice, tac the area's", "{area: FR, operator: sfr, rsrp: -90}", "{area: FR, operator: sfr, rsrp: -90, cell_id: 9}\n    - {area: FR, operator: sfr, rsrp: -60, cell_id: 9}", "b.yaml:9:7: network.cells[2]: the same cell as network.cells[1] (line 8): area FR, operator sfr, tac the area's, cell_id 9; give one of them another cell_id"},
		// The world gives a cell without an identity TAC 0x1000 + area
		// index and cell_id (area index + 1) << 16 | (cell index + 1): FR
		// is area 1, so cells[1] is 0x1001/0x20002 and cells[2] 0x1001/0x20003
		// (outside tester sw51, F7).
		{"a cell given by default and then explicitly", "{area: FR, operator: sfr, rsrp: -90}", "{area: FR, operator: sfr, rsrp: -90}\n    - {area: FR, operator: sfr, rsrp: -60, tac: 0x1001, cell_id: 0x20002}",
			"b.yaml:9:7: network.cells[2]: the same cell as network.cells[1] (line 8): area FR, operator sfr, tac 4097, cell_id 131074 — network.cells[1]'s default identity (tac 0x1000 + area index, cell_id (area index + 1) << 16 | (cell index + 1)); give one of them another cell_id"},
		{"a cell given explicitly and then by default", "{area: FR, operator: sfr, rsrp: -90}", "{area: FR, operator: sfr, rsrp: -90, tac: 0x1001, cell_id: 0x20003}\n    - {area: FR, operator: sfr, rsrp: -60}",
			"b.yaml:9:7: network.cells[2]: the same cell as network.cells[1] (line 8): area FR, operator sfr, tac 4097, cell_id 131075 — network.cells[2]'s default identity (tac 0x1000 + area index, cell_id (area index + 1) << 16 | (cell index + 1)); give one of them another cell_id"},
		{"a cell given with the area's tac and then explicitly", "{area: FR, operator: sfr, rsrp: -90}", "{area: FR, operator: sfr, rsrp: -90, cell_id: 9}\n    - {area: FR, operator: sfr, rsrp: -60, tac: 0x1001, cell_id: 9}",
			"b.yaml:9:7: network.cells[2]: the same cell as network.cells[1] (line 8): area FR, operator sfr, tac 4097, cell_id 9; give one of them another cell_id"},
		{"a roaming agreement given twice", "  cells:", "  roaming:\n    - {home: cmcc, visited: sfr}\n    - {home: sfr, visited: cmcc}\n    - {home: cmcc, visited: sfr}\n  cells:", "b.yaml:9:7: network.roaming[2]: the same agreement as network.roaming[0] (line 7): cmcc's subscribers roam on sfr once"},
		// Its notifications could not be expected: kind@platform is the
		// platform's, kind@to takes no space or second @ (outside tester
		// t268 F7).
		{"operator id platform", `{id: sfr,`, `{id: platform,`, `b.yaml:5:12: network.operators[1].id: "platform": expect.notifications names an operator as kind@<id>, where platform is the platform's and no space or second @ may stand; give it another id (the long form goes in name)`},
		{"operator id with a space", `{id: sfr,`, `{id: "s fr",`, `b.yaml:5:12: network.operators[1].id: "s fr": expect.notifications names an operator as kind@<id>, where platform is the platform's and no space or second @ may stand; give it another id (the long form goes in name)`},
		{"operator id with an @", `{id: sfr,`, `{id: s@fr,`, `b.yaml:5:12: network.operators[1].id: "s@fr": expect.notifications names an operator as kind@<id>, where platform is the platform's and no space or second @ may stand; give it another id (the long form goes in name)`},
		// Given empty is no choice: read as the default before (outside
		// tester t268 F8).
		{"personality empty", "check_interval: 5m", "check_interval: 5m\n  personality: \"\"", `b.yaml:12:16: device.personality: an empty name: leave personality out for generic`},
		{"order_by empty", "itinerary:", "platform: {order_by: \"\"}\nitinerary:", `b.yaml:15:22: platform.order_by: an empty order: want tariff or signal (leave order_by out for tariff)`},
		// Valid, but no EID the test EUM may issue: every request of
		// the card was refused 401 (outside tester t268 F9).
		{"EID outside the test EUM's range", `"89049032000001000000000000000171"`, `"89001012012341234012345678901224"`, `b.yaml:10:8: device.eid: 89001012012341234012345678901224 is outside the test EUM's range (EIDs starting 89049032): the platform and the SM-DP+s refuse a card whose EUM may not issue its EID (401 on every request)`},
		{"missing name", "name: t\n", "", "b.yaml:1:1: name: required field missing"},
		{"missing plmn", `{id: sfr, plmn: "20810", country: FR, tariff: 0.5}`, "{id: sfr, country: FR}", "b.yaml:5:7: network.operators[1].plmn: required field missing"},
		{"operator id past serviceProviderName's 32 characters", `{id: sfr,`, `{id: sfr-operator-with-a-long-identiés,`,
			`b.yaml:5:12: network.operators[1].id: 33 characters, at most 32: it is the serviceProviderName of the operator's profiles (SGP.22 ProfileInfo, UTF8String SIZE(0..32)); give the long form as name`},
		// An id is printed in verdict lines: no control characters
		// (outside tester sw130 N8).
		{"operator id with an ESC sequence", `{id: sfr,`, `{id: "sf\e[31mr",`,
			`b.yaml:5:12: network.operators[1].id: "sf\x1b[31mr" holds the control character U+001B: an operator id is printed in verdict lines and names a lane; give it without one`},
		{"operator id with a line separator", `{id: sfr,`, `{id: "sf\u2028r",`,
			`b.yaml:5:12: network.operators[1].id: "sf\u2028r" holds the control character U+2028: an operator id is printed in verdict lines and names a lane; give it without one`},
		// A name is read and selected by in +COPS, where no TE set but
		// UCS2 carries a control character (outside tester t190); '"'
		// and '\' are V.250 escapes there (TestOperatorNameQuotes).
		{"operator name with a line feed", `{id: sfr,`, `{id: sfr, name: "SFR\nF",`,
			`b.yaml:5:23: network.operators[1].name: "SFR\nF" holds the control character U+000A: a network's name is text a host reads in +COPS answers and selects by, and no TE character set but UCS2 carries one; give it without one`},
		{"operator name with a tab", `{id: sfr,`, `{id: sfr, name: "SFR\tF",`,
			`b.yaml:5:23: network.operators[1].name: "SFR\tF" holds the control character U+0009: a network's name is text a host reads in +COPS answers and selects by, and no TE character set but UCS2 carries one; give it without one`},
		{"short plmn", `plmn: "20810"`, `plmn: "2081"`, `b.yaml:5:23: network.operators[1].plmn: "2081" is not a PLMN (MCC+MNC, 5 or 6 digits)`},
		{"plmns overlapping", `plmn: "20810"`, `plmn: "460001"`, `b.yaml:5:23: network.operators[1].plmn: 460001 overlaps cmcc's 46000: an IMSI beginning 460001 would be a subscriber of both (one MCC does not hold the 2-digit MNC 00 and a 3-digit MNC starting with it)`},
		{"seed beyond 64 bits", "name: t", "name: t\nseed: 99999999999999999999999", "b.yaml:2:7: seed: 99999999999999999999999 out of range -9223372036854775808..9223372036854775807"},
		{"bad country", "country: FR", "country: France", `b.yaml:5:41: network.operators[1].country: "France" is not an ISO 3166 alpha-2 code such as FR`},
		{"country not the MCC's", "country: FR", "country: DE", `b.yaml:5:41: network.operators[1].country: DE, but the PLMN 20810's MCC 208 is FR's (ITU-T E.212): the platform would serve DE's list where the card sees FR`},
		{"negative tariff", "tariff: 0.5", "tariff: -1", `b.yaml:5:53: network.operators[1].tariff: want a non-negative number, got "-1"`},
		{"cell operator", "operator: sfr, rsrp", "operator: foo, rsrp", `b.yaml:8:28: network.cells[1].operator: unknown operator "foo"`},
		{"rsrp range", "rsrp: -90", "rsrp: 10", "b.yaml:8:39: network.cells[1].rsrp: 10 out of range -140..-44"},
		{"rsrp type", "rsrp: -90", "rsrp: loud", `b.yaml:8:39: network.cells[1].rsrp: want an integer, got "loud"`},
		{"eid length", `eid: "89049032000001000000000000000171"`, `eid: "8904"`, `b.yaml:10:8: device.eid: "8904" is not an EID (32 digits)`},
		{"interval", "check_interval: 5m", "check_interval: soon", `b.yaml:11:19: device.check_interval: want a duration like 90s, 5m or 1h30m, got "soon"`},
		{"negative interval", "check_interval: 5m", "check_interval: -5m", `b.yaml:11:19: device.check_interval: -5m is negative: times count from the start of the run and lengths are positive`},
		{"duration past int64", "{at: 1h, area: FR}", "{at: 9999999h, area: FR}", `b.yaml:17:10: itinerary[1].at: 9999999h is too long for any field (a run lasts at most 744h0m0s)`},
		{"negative duration past int64", "{at: 1h, area: FR}", "{at: -9999999h, area: FR}", `b.yaml:17:10: itinerary[1].at: -9999999h is negative: times count from the start of the run and lengths are positive`},
		{"iccid", `iccid: "89331000000000000029"`, `iccid: "8933x"`, `b.yaml:14:15: device.profiles[1].iccid: "8933x" is not an ICCID (18 to 20 digits)`},
		{"iccid luhn", `iccid: "89331000000000000029"`, `iccid: "89331000000000000027"`,
			`b.yaml:14:15: device.profiles[1].iccid: "89331000000000000027" fails the Luhn check: last digit 7, want 9`},
		{"eid check digits", `eid: "89049032000001000000000000000171"`, `eid: "89049032000001000000000000000123"`,
			`b.yaml:10:8: device.eid: "89049032000001000000000000000123" fails the ISO 7064 MOD 97-10 check: check digits 23, want 71`},
		{"profile operator", "operator: sfr}", "operator: foo}", `b.yaml:14:49: device.profiles[1].operator: unknown operator "foo"`},
		{"imsi prefix", "operator: sfr}", `operator: sfr, imsi: "460001234567890"}`, `b.yaml:14:60: device.profiles[1].imsi: "460001234567890" is not an IMSI of sfr (6 to 15 digits starting with 20810)`},
		{"two enabled", "operator: sfr}", "operator: sfr, enabled: true}", "b.yaml:13:5: device.profiles: exactly one profile must be enabled, found 2"},
		{"none enabled", "operator: cmcc, enabled: true}", "operator: cmcc}", "b.yaml:13:5: device.profiles: exactly one profile must be enabled, found 0"},
		{"enabled type", "enabled: true}", "enabled: yes}", `b.yaml:13:64: device.profiles[0].enabled: want true or false, got "yes"`},
		{"profiles not a list", "  profiles:\n    - {iccid: \"89860000000000000019\", operator: cmcc, enabled: true}\n    - {iccid: \"89331000000000000029\", operator: sfr}\n", "  profiles: none\n", `b.yaml:12:13: device.profiles: want a list, got "none"`},
		{"itinerary order", "{at: 1h, area: FR}", "{at: 0s, area: FR}", "b.yaml:17:10: itinerary[1].at: 0s is not after the previous stop's 0s"},
		{"itinerary area", "{at: 1h, area: FR}", "{at: 1h, area: DE}", `b.yaml:17:20: itinerary[1].area: unknown area "DE" (no cell there)`},
		{"roaming ref", "  cells:", "  roaming: [{home: cmcc, visited: dt}]\n  cells:", `b.yaml:6:35: network.roaming[0].visited: unknown operator "dt"`},
		{"roaming with itself", "  cells:", "  roaming: [{home: cmcc, visited: cmcc}]\n  cells:", `b.yaml:6:35: network.roaming[0].visited: "cmcc" is its home: a subscriber on its own operator's network is at home, with no agreement (did you mean another operator?)`},
		{"order_by", "itinerary:", "platform: {order_by: price}\nitinerary:", `b.yaml:15:22: platform.order_by: "price": want tariff or signal`},
		{"preferred ref", "itinerary:", "platform:\n  preferred: {FR: [sfr, dt]}\nitinerary:", `b.yaml:16:25: platform.preferred.FR[1]: unknown operator "dt"`},
		{"preferred for a country without networks", "itinerary:", "platform:\n  preferred: {FI: [sfr]}\nitinerary:",
			`b.yaml:16:19: platform.preferred.FI: no operator of network.operators is in FI, so no card is ever served this list (the platform serves the serving network's country's)`},
		{"unknown fault kind", "itinerary:", "faults: [{modem: down}]\nitinerary:", "b.yaml:15:11: faults[0].modem: unknown field"},
		{"fault without kind", "itinerary:", "faults: [{from: 1h}]\nitinerary:", "b.yaml:15:10: faults[0]: unknown fault kind: want one of platform: unreachable|no_ack|garbled|slow|status, smdp: slow, attach_reject: <cause>, attach: no_service|timeout, download: <fault>, power_cut: <event kind>|at, at_port: hang, card: absent, coverage: lost"},
		{"attach fault subscriber unknown", "itinerary:", "faults: [{attach_reject: 15, operator: sfr, subscriber: nobody}]\nitinerary:", `b.yaml:15:57: faults[0].subscriber: unknown operator "nobody"`},
		{"subscriber on a download fault", "itinerary:", "faults: [{platform: no_ack, subscriber: sfr}]\nitinerary:", `b.yaml:15:41: faults[0].subscriber: does not apply to platform faults`},
		{"download fault value", "itinerary:", "faults: [{download: slow, operator: sfr}]\nitinerary:", `b.yaml:15:21: faults[0].download: unknown download fault "slow" (known: smdp_unreachable, tls_failure, unknown_ci, expired_smdp_cert, bad_server_signature, bad_euicc_signature, wrong_transaction_id, eid_out_of_range, eligibility_refused, connection_reset, tampered_bpp, truncated_bpp, out_of_memory)`},
		{"download fault without operator", "itinerary:", "faults: [{download: tampered_bpp}]\nitinerary:", "b.yaml:15:10: faults[0].operator: required field missing"},
		{"download fault on an operator without SM-DP+", "itinerary:", "faults: [{download: tampered_bpp, operator: sfr}]\nitinerary:", `b.yaml:15:45: faults[0].operator: operator "sfr" runs no SM-DP+ (network.operators[].smdp)`},
		{"two kinds in one fault", "itinerary:", "faults: [{download: tampered_bpp, platform: no_ack, operator: sfr}]\nitinerary:", "b.yaml:15:10: faults[0]: one fault per entry: give one of platform, smdp, attach_reject, attach, download, power_cut, at_port, card, coverage"},
		{"bad SM-DP+ host", "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: \"no host\"}", `b.yaml:5:64: network.operators[1].smdp: "no host" is not a host name`},
		// An IP address, an empty name or another operator's SM-DP+
		// passed the load and failed the run: an x509 error, no SM-DP+,
		// every download taken to the other's (outside tester t268 F2).
		{"SM-DP+ by IP address", "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: \"10.0.0.1\"}", `b.yaml:5:64: network.operators[1].smdp: "10.0.0.1" is an IP address: SGP.22 names an SM-DP+ by its FQDN (its TLS certificate's name)`},
		{"SM-DP+ with a capital letter", "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: SMDP.sfr.test}", `b.yaml:5:64: network.operators[1].smdp: "SMDP.sfr.test": an SM-DP+ is named in lower case (DNS names have no case, RFC 4343): give "smdp.sfr.test"`},
		{"SM-DP+ empty", "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: \"\"}", `b.yaml:5:64: network.operators[1].smdp: an empty host name: leave smdp out for an operator without an SM-DP+`},
		{"SM-DP+ of two operators", "country: CN}\n    - {id: sfr, plmn: \"20810\", country: FR, tariff: 0.5}", "country: CN, smdp: smdp.test}\n    - {id: sfr, plmn: \"20810\", country: FR, tariff: 0.5, smdp: smdp.test}",
			`b.yaml:5:64: network.operators[1].smdp: smdp.test is already the SM-DP+ of network.operators[0] (line 4): each operator runs an SM-DP+ of its own, and the card would take this operator's orders to the other's, which holds none of them`},
		{"allow-list EID", "itinerary:", "platform: {eligibility: {allow_eids: [\"123\"]}}\nitinerary:", `b.yaml:15:39: platform.eligibility.allow_eids[0]: "123" is not an EID (32 digits)`},
		{"platform fault value", "itinerary:", "faults: [{platform: sluggish}]\nitinerary:", `b.yaml:15:21: faults[0].platform: unknown platform fault "sluggish" (known: unreachable, no_ack, garbled, slow, status)`},
		{"fault window", "itinerary:", "faults: [{platform: unreachable, from: 2h, until: 1h}]\nitinerary:", "b.yaml:15:51: faults[0].until: 1h0m0s is not after from 2h0m0s"},
		{"reject needs operator", "itinerary:", "faults: [{attach_reject: 15}]\nitinerary:", "b.yaml:15:10: faults[0].operator: required field missing"},
		{"reject operator ref", "itinerary:", "faults: [{attach_reject: 15, operator: dt}]\nitinerary:", `b.yaml:15:40: faults[0].operator: unknown operator "dt"`},
		{"expect registration", "itinerary:", "expect: {final: {operator: sfr, registration: guest}}\nitinerary:", `b.yaml:15:47: expect.final.registration: "guest": want one of home, roaming, denied, searching, none, off, hung, absent`},
		// An end only a fault in force then makes: without one every
		// run failed it (outside tester t268 F6).
		{"expect off without a power cut", "itinerary:", "expect: {final: {registration: off}}\nitinerary:", `b.yaml:15:32: expect.final.registration: "off": no power_cut in faults, so the modem has power at the end of every run`},
		{"expect hung with the hang over", "itinerary:", "faults: [{at_port: hang, from: 1h, until: 2h}]\nexpect: {final: {registration: hung}}\nitinerary:", `b.yaml:16:32: expect.final.registration: "hung": no at_port: hang in faults is in force at the end of the run (3h0m0s), so the AT port answers then`},
		{"expect absent without the card gone", "itinerary:", "faults: [{at_port: hang}]\nexpect: {final: {registration: absent}}\nitinerary:", `b.yaml:16:32: expect.final.registration: "absent": no card: absent in faults is in force at the end of the run (3h0m0s), so the card is there then`},
		{"expect absent with an operator", "itinerary:", "expect: {final: {operator: sfr, registration: absent}}\nitinerary:", `b.yaml:15:28: expect.final.operator: a device without its card has no subscriber (AT+CIMI answers SIM not inserted): leave the operator out`},
		{"expect final plmn when denied", "itinerary:", "expect: {final: {registration: denied, plmn: \"20810\"}}\nitinerary:", `b.yaml:15:46: expect.final.plmn: a device whose registration is denied has no serving network`},
		{"expect last attach registration", "itinerary:", "expect: {last_attach: {operator: sfr, registration: denied}}\nitinerary:", `b.yaml:15:53: expect.last_attach.registration: "denied": want home or roaming`},
		{"backoff max past the card's cap", "  check_interval: 5m", "  check_interval: 5m\n  backoff: {first: 4, max: 10001}", `b.yaml:12:28: device.backoff.max: 10001 out of range 1..10000`},
		{"backoff max below first", "  check_interval: 5m", "  check_interval: 5m\n  backoff: {first: 4, max: 2}", `b.yaml:12:28: device.backoff.max: 2 is below first (4)`},
		{"expect duplicates negative", "itinerary:", "expect: {duplicates: -1}\nitinerary:", `b.yaml:15:22: expect.duplicates: -1 out of range 0..1048576`},
		{"expect notification", "itinerary:", "expect: {notifications: [attach-success]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "attach-success": want kind@to, e.g. attach-success@platform`},
		{"expect attempts ref", "itinerary:", "expect: {attempts: [dt]}\nitinerary:", `b.yaml:15:21: expect.attempts[0]: unknown operator "dt"`},
		{"syntax", "name: t", "name: [t", "b.yaml:1:1: YAML syntax: did not find expected ',' or ']'"},
		{"syntax later line", "{at: 1h, area: FR}", "{at: 1h, area: FR", "b.yaml:17:5: YAML syntax: did not find expected ',' or '}': the { here is not closed before the file ends"},
		{"tab indent", "name: t", "name: t\n\tseed: 1", "b.yaml:2:1: YAML syntax: a tab in the indentation: YAML indents with spaces only"},
		{"not UTF-8 on a later line", "{at: 1h, area: FR}", "{at: 1h, area: F\xe9}", "b.yaml:17:21: YAML syntax: byte 0xe9 is not UTF-8 (the file must be UTF-8 text)"},
		{"anchor", "itinerary:", "x: &a 1\nitinerary:", "b.yaml:15:4: YAML syntax: anchor &a: anchors and aliases are not supported (write each value out)"},
		{"alias value", "name: t", "name: *a", "b.yaml:1:7: YAML syntax: alias *a: anchors and aliases are not supported (write each value out; no anchor &a is defined either)"},
		{"alias use", "name: t", "name: &n t\nseed: *n", "b.yaml:1:7: YAML syntax: anchor &n: anchors and aliases are not supported (write each value out)"},
		{"null value", "name: t", "name:", "b.yaml:1:6: name: want a string, got nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("b.yaml", []byte(edit(t, tt.old, tt.new)))
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Errorf("error %T is not *Error", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

// TestParseFaultPlanErrors: issue 4 "Bad input": a fault or signal plan
// that names an unknown operator, kind or event, or a step that can never
// happen, is refused with file, line, column and field.
func TestParseFaultPlanErrors(t *testing.T) {
	tests := []struct{ name, plan, want string }{
		{`attach value`, `faults: [{attach: slow, operator: sfr}]`, `b.yaml:15:19: faults[0].attach: unknown attach fault "slow" (known: no_service, timeout; rejects are attach_reject: <cause>)`},
		{`attach without operator`, `faults: [{attach: timeout}]`, `b.yaml:15:10: faults[0].operator: required field missing`},
		{`attach operator ref`, `faults: [{attach: no_service, operator: dt}]`, `b.yaml:15:41: faults[0].operator: unknown operator "dt"`},
		{`attach attempt zero`, `faults: [{attach: timeout, operator: sfr, attempt: 0}]`, `b.yaml:15:52: faults[0].attempt: attempts count from 1; omit attempt to fail every attempt`},
		{`attach attempt negative`, `faults: [{attach: timeout, operator: sfr, attempt: -1}]`, `b.yaml:15:52: faults[0].attempt: -1 out of range 1..1000`},
		{`reject attempt zero`, `faults: [{attach_reject: 15, operator: sfr, attempt: 0}]`, `b.yaml:15:54: faults[0].attempt: attempts count from 1; omit attempt to fail every attempt`},
		{`attach and reject in one entry`, `faults: [{attach: timeout, attach_reject: 15, operator: sfr}]`, `b.yaml:15:10: faults[0]: one fault per entry: give one of platform, smdp, attach_reject, attach, download, power_cut, at_port, card, coverage`},
		{`attach fault with nth`, `faults: [{attach: timeout, operator: sfr, nth: 2}]`, `b.yaml:15:48: faults[0].nth: does not apply to attach faults`},
		{`duplicate attach fault`, `faults: [{attach_reject: 15, operator: sfr, attempt: 2}, {attach: timeout, operator: sfr, attempt: 2, from: 1h}]`, `b.yaml:15:58: faults[1]: faults[0] already fails attempt #2 on sfr in that window`},
		{`reject in a tracking area of no cell`, `faults: [{attach_reject: 15, operator: sfr, tac: 0x2001}]`, `b.yaml:15:50: faults[0].tac: operator "sfr" has no cell in tracking area 0x2001 (network.cells, given or assigned): the reject could never come`},
		{`tac on an attach timeout`, `faults: [{attach: timeout, operator: sfr, tac: 4097}]`, `b.yaml:15:48: faults[0].tac: applies only to attach_reject faults (a tracking area refused)`},
		{`tac 0`, `faults: [{attach_reject: 15, operator: sfr, tac: 0}]`, `b.yaml:15:50: faults[0].tac: 0 out of range 1..65535`},
		{`tac 0xfffe, a deleted TAI's`, `faults: [{attach_reject: 15, operator: sfr, tac: 0xfffe}]`, `b.yaml:15:50: faults[0].tac: 0xfffe is a reserved TAC, a deleted TAI's (TS 23.003 §19.4.2.3, TS 24.301 §9.9.3.32): no cell broadcasts it; give 1..0xfffd or 0xffff`},
		{`duplicate reject in one tracking area`, `faults: [{attach_reject: 15, operator: sfr, tac: 4097}, {attach_reject: 13, operator: sfr}]`, `b.yaml:15:57: faults[1]: faults[0] already fails every attempt on sfr in that window`},
		{`platform fault with off`, `faults: [{platform: unreachable, off: 1m}]`, `b.yaml:15:39: faults[0].off: does not apply to platform faults`},
		{`download fault with subscriber`, `faults: [{download: eligibility_refused, operator: sfr, subscriber: sfr}]`, `b.yaml:15:69: faults[0].subscriber: does not apply to download faults: a download is always for this device's card`},
		{`download fault attempt zero`, `faults: [{download: eligibility_refused, operator: sfr, attempt: 0}]`, `b.yaml:15:66: faults[0].attempt: attempts count from 1; omit attempt to fail every attempt`},
		{`platform unreachable for an operator`, `faults: [{platform: unreachable, operator: sfr}]`, `b.yaml:15:44: faults[0].operator: platform: unreachable refuses every connection and cannot be limited to an operator (no_ack can)`},
		{`platform fault with attempt`, `faults: [{platform: no_ack, attempt: 2}]`, `b.yaml:15:38: faults[0].attempt: does not apply to platform faults (attempts count attaches and downloads)`},
		{`platform garbled for an operator`, `faults: [{platform: garbled, operator: sfr}]`, `b.yaml:15:40: faults[0].operator: platform: garbled hits every card request and cannot be limited to an operator (a list request names none; no_ack can)`},
		{`platform slow for an operator`, `faults: [{platform: slow, delay: 45s, operator: sfr}]`, `b.yaml:15:49: faults[0].operator: platform: slow hits every card request and cannot be limited to an operator (a list request names none; no_ack can)`},
		{`platform garbled with attempt`, `faults: [{platform: garbled, attempt: 1}]`, `b.yaml:15:39: faults[0].attempt: does not apply to platform faults (attempts count attaches and downloads)`},
		{`platform slow with attempt`, `faults: [{platform: slow, delay: 45s, attempt: 1}]`, `b.yaml:15:48: faults[0].attempt: does not apply to platform faults (attempts count attaches and downloads)`},
		{`platform garbled with subscriber`, `faults: [{platform: garbled, subscriber: sfr}]`, `b.yaml:15:42: faults[0].subscriber: does not apply to platform faults`},
		{`platform slow with subscriber`, `faults: [{platform: slow, delay: 45s, subscriber: sfr}]`, `b.yaml:15:51: faults[0].subscriber: does not apply to platform faults`},
		{`platform status without code`, `faults: [{platform: status}]`, `b.yaml:15:10: faults[0].code: required field missing (platform: status answers with code)`},
		{`platform status 200`, `faults: [{platform: status, code: 200}]`, `b.yaml:15:35: faults[0].code: 200: want 500-599`},
		{`platform status 429`, `faults: [{platform: status, code: 429}]`, `b.yaml:15:35: faults[0].code: 429: want 500-599`},
		{`platform status 600`, `faults: [{platform: status, code: 600}]`, `b.yaml:15:35: faults[0].code: 600: want 500-599`},
		{`platform status not a number`, `faults: [{platform: status, code: bad}]`, `b.yaml:15:35: faults[0].code: want an integer, got "bad"`},
		{`platform status unknown path`, `faults: [{platform: status, code: 503, path: /v1/inspect/received}]`, `b.yaml:15:46: faults[0].path: "/v1/inspect/received" is no card route: want one of /v1/preferred-list, /v1/download, /v1/notifications, or leave path out (every card request)`},
		{`platform status for an operator`, `faults: [{platform: status, code: 503, operator: sfr}]`, `b.yaml:15:50: faults[0].operator: platform: status hits every card request and cannot be limited to an operator (a list request names none; path limits it to a route)`},
		{`platform status with attempt`, `faults: [{platform: status, code: 503, attempt: 1}]`, `b.yaml:15:49: faults[0].attempt: does not apply to platform faults (attempts count attaches and downloads)`},
		{`code on a garbled platform`, `faults: [{platform: garbled, code: 503}]`, `b.yaml:15:36: faults[0].code: applies only to platform: status faults`},
		{`path on no_ack`, `faults: [{platform: no_ack, path: /v1/notifications}]`, `b.yaml:15:35: faults[0].path: applies only to platform: status faults`},
		{`code on an attach fault`, `faults: [{attach: timeout, operator: sfr, code: 503}]`, `b.yaml:15:49: faults[0].code: applies only to platform: status faults`},
		{`platform slow without delay`, `faults: [{platform: slow}]`, `b.yaml:15:10: faults[0].delay: required field missing (platform: slow holds each answer for delay)`},
		{`platform slow delay zero`, `faults: [{platform: slow, delay: 0s}]`, `b.yaml:15:34: faults[0].delay: 0s: want more than 0s and at most 10m0s`},
		{`platform slow delay negative`, `faults: [{platform: slow, delay: -5s}]`, `b.yaml:15:34: faults[0].delay: -5s is negative: times count from the start of the run and lengths are positive`},
		{`platform slow delay too long`, `faults: [{platform: slow, delay: 11m}]`, `b.yaml:15:34: faults[0].delay: 11m0s: want more than 0s and at most 10m0s`},
		{`platform slow delay at the card's guard`, `faults: [{platform: slow, delay: 30s}]`, `b.yaml:15:34: faults[0].delay: 30s is the card's reply guard to the instant: whether the answer or the card's timeout comes first is a tie; give a delay on either side of it`},
		{`delay on a garbled platform`, `faults: [{platform: garbled, delay: 5s}]`, `b.yaml:15:37: faults[0].delay: applies only to platform: slow and smdp: slow faults`},
		{`delay on an attach fault`, `faults: [{attach: timeout, operator: sfr, delay: 5s}]`, `b.yaml:15:50: faults[0].delay: applies only to platform: slow and smdp: slow faults`},
		{`platform slow ending before it starts`, `faults: [{platform: slow, delay: 5s, from: 2h, until: 1h}]`, `b.yaml:15:55: faults[0].until: 1h0m0s is not after from 2h0m0s`},
		{`no_ack operator ref`, `faults: [{platform: no_ack, operator: dt}]`, `b.yaml:15:39: faults[0].operator: unknown operator "dt"`},
		{`out_of_memory without SM-DP+`, `faults: [{download: out_of_memory, operator: sfr}]`, `b.yaml:15:46: faults[0].operator: operator "sfr" runs no SM-DP+ (network.operators[].smdp)`},
		{`power cut point`, `faults: [{power_cut: reboot}]`, `b.yaml:15:22: faults[0].power_cut: unknown power-cut point "reboot" (known: preferred_list_served, preferred_list_received, list_passed_over, preferred_already_enabled, profile_not_preinstalled, download_requested, mutual_auth, bpp_sent, bpp_segment_stored, profile_installed, download_result, notification_received, notification_sent, profile_enabled, refresh, attach_attempt, attach_result, attach_timeout, attach_rejected, attach_retry, attach_failed, fallback, fallback_attached, list_exhausted, cycle_ended, or at with from)`},
		{`power cut empty`, `faults: [{power_cut: ""}]`, `b.yaml:15:22: faults[0].power_cut: unknown power-cut point "" (known: preferred_list_served, preferred_list_received, list_passed_over, preferred_already_enabled, profile_not_preinstalled, download_requested, mutual_auth, bpp_sent, bpp_segment_stored, profile_installed, download_result, notification_received, notification_sent, profile_enabled, refresh, attach_attempt, attach_result, attach_timeout, attach_rejected, attach_retry, attach_failed, fallback, fallback_attached, list_exhausted, cycle_ended, or at with from)`},
		{`power cut nth zero`, `faults: [{power_cut: profile_enabled, nth: 0}]`, `b.yaml:15:44: faults[0].nth: 0 out of range 1..1000`},
		{`power cut actor`, `faults: [{power_cut: profile_enabled, actor: modem}]`, `b.yaml:15:46: faults[0].actor: "modem" never logs profile_enabled (logged by: euicc)`},
		{`power cut off zero`, `faults: [{power_cut: profile_enabled, off: 0s}]`, `b.yaml:15:44: faults[0].off: 0s: want more than 0s and at most 24h0m0s`},
		{`power cut off too long`, `faults: [{power_cut: profile_enabled, off: 48h}]`, `b.yaml:15:44: faults[0].off: 48h0m0s: want more than 0s and at most 24h0m0s`},
		{`power cut with operator`, `faults: [{power_cut: attach_result, operator: sfr}]`, `b.yaml:15:47: faults[0].operator: does not apply to power_cut faults`},
		{`power cut with from`, `faults: [{power_cut: attach_result, from: 1h}]`, `b.yaml:15:43: faults[0].from: does not apply to power_cut faults`},
		{`power cut at, no from`, `faults: [{power_cut: at, off: 5s}]`, `b.yaml:15:10: faults[0].from: required field missing (power_cut: at cuts the power at from)`},
		{`power cut at 0s`, `faults: [{power_cut: at, from: 0s}]`, `b.yaml:15:32: faults[0].from: 0s: want a time after the start (the device powers on at 0s)`},
		{`power cut at, with nth`, `faults: [{power_cut: at, from: 1h, nth: 2}]`, `b.yaml:15:41: faults[0].nth: does not apply to power_cut: at faults`},
		{`power cut at, with until`, `faults: [{power_cut: at, from: 1h, until: 2h}]`, `b.yaml:15:43: faults[0].until: does not apply to power_cut: at faults`},
		{`power cuts at, the second while off`, `faults: [{power_cut: at, from: 1h, off: 10m}, {power_cut: at, from: 1h5m}]`, `b.yaml:15:69: faults[1].from: 1h5m0s: faults[0] has the power off then (from 1h0m0s for 10m0s)`},
		{`power cuts at, the first still off`, `faults: [{power_cut: at, from: 1h5m}, {power_cut: at, from: 1h, off: 10m}]`, `b.yaml:15:70: faults[1].off: 10m0s: the power would still be off at faults[0]'s cut (1h5m0s)`},
		{`power cut without SM-DP+`, `faults: [{power_cut: bpp_sent}]`, `b.yaml:15:22: faults[0].power_cut: bpp_sent never happens: no operator runs an SM-DP+ (network.operators[].smdp)`},
		{`power cut T3410 without timeout fault`, `faults: [{power_cut: attach_timeout}]`, `b.yaml:15:22: faults[0].power_cut: attach_timeout never happens without an attach: timeout fault`},
		{`power cut at an abnormal reject without one`, `faults: [{attach_reject: 15, operator: sfr}, {power_cut: attach_rejected}]`, `b.yaml:15:58: faults[1].power_cut: attach_rejected never happens without an attach_reject fault with an abnormal cause (#17, #19, #22, #95-#111…, TS 24.301 §5.5.1.2.6 d)`},
		{`power cut at a T3411 restart without a failure that restarts`, `faults: [{attach_reject: 111, operator: sfr}, {power_cut: attach_retry}]`, `b.yaml:15:59: faults[1].power_cut: attach_retry never happens without an attach: timeout fault or an attach_reject fault with an abnormal cause that restarts the attach (not #95, #96, #97, #99, #111)`},
		{`AT port fault unknown`, `faults: [{at_port: stuck}]`, `b.yaml:15:20: faults[0].at_port: unknown AT port fault "stuck" (known: hang)`},
		{`AT port hang with operator`, `faults: [{at_port: hang, operator: sfr}]`, `b.yaml:15:36: faults[0].operator: does not apply to at_port faults`},
		{`AT port hang with off`, `faults: [{at_port: hang, off: 1m}]`, `b.yaml:15:31: faults[0].off: does not apply to at_port faults`},
		{`AT port hang ending before it starts`, `faults: [{at_port: hang, from: 2h, until: 1h}]`, `b.yaml:15:43: faults[0].until: 1h0m0s is not after from 2h0m0s`},
		{`card fault unknown`, `faults: [{card: loose}]`, `b.yaml:15:17: faults[0].card: unknown card fault "loose" (known: absent)`},
		{`card absent with operator`, `faults: [{card: absent, operator: sfr}]`, `b.yaml:15:35: faults[0].operator: does not apply to card faults`},
		{`card absent ending before it starts`, `faults: [{card: absent, from: 2h, until: 1h}]`, `b.yaml:15:42: faults[0].until: 1h0m0s is not after from 2h0m0s`},
		{`coverage fault unknown`, `faults: [{coverage: weak}]`, `b.yaml:15:21: faults[0].coverage: unknown coverage fault "weak" (known: lost)`},
		{`coverage lost with a subscriber`, `faults: [{coverage: lost, operator: sfr, subscriber: sfr}]`, `b.yaml:15:54: faults[0].subscriber: does not apply to coverage faults`},
		{`no_ack of an empty operator`, `faults: [{platform: no_ack, operator: ""}]`, `b.yaml:15:39: faults[0].operator: empty: name the operator whose notifications go unacknowledged, or leave operator out for every notification`},
		{`attach reject of an empty subscriber`, `faults: [{attach_reject: 15, operator: sfr, subscriber: ""}]`, `b.yaml:15:57: faults[0].subscriber: empty: name the operator whose subscribers fail, or leave subscriber out for every subscriber`},
		{`coverage lost of an empty operator`, `faults: [{coverage: lost, operator: ""}]`, `b.yaml:15:37: faults[0].operator: empty: name the operator whose network is out, or leave operator out for a dead zone (every network)`},
		{`power cuts at, end to end`, `faults: [{power_cut: at, from: 1h, off: 10m}, {power_cut: at, from: 1h10m}, {power_cut: at, from: 1h10m20s}]`, `b.yaml:15:99: faults[2].from: 1h10m20s: faults[1] has the power off then (from 1h10m0s for 30s)`},
		{`coverage lost of an unknown operator`, `faults: [{coverage: lost, operator: dt}]`, `b.yaml:15:37: faults[0].operator: unknown operator "dt"`},
		// until: 0s is no open end: the window would close as it opens
		// (outside tester t268 F1: it ran the whole run).
		{`window until 0s`, `faults: [{attach_reject: 15, operator: sfr, until: 0s}]`, `b.yaml:15:52: faults[0].until: 0s is not after from 0s`},
		{`window until from`, `faults: [{coverage: lost, from: 1h, until: 1h}]`, `b.yaml:15:44: faults[0].until: 1h0m0s is not after from 1h0m0s`},
		{`coverage lost ending before it starts`, `faults: [{coverage: lost, from: 2h, until: 1h}]`, `b.yaml:15:44: faults[0].until: 1h0m0s is not after from 2h0m0s`},
		{`AT port hang and a power cut`, `faults: [{at_port: hang, power_cut: refresh}]`, `b.yaml:15:10: faults[0]: one fault per entry: give one of platform, smdp, attach_reject, attach, download, power_cut, at_port, card, coverage`},
		{`duplicate power cut`, `faults: [{power_cut: refresh}, {power_cut: refresh, nth: 1, off: 1m}]`, `b.yaml:15:32: faults[1]: faults[0] already cuts the power after that event`},
		{`duplicate power cut, its only actor named`, `faults: [{power_cut: refresh}, {power_cut: refresh, actor: modem, off: 5m}]`, `b.yaml:15:32: faults[1]: faults[0] already cuts the power after that event`},
		{`power cut of an empty actor`, `faults: [{power_cut: refresh, actor: ""}]`, `b.yaml:15:38: faults[0].actor: empty: give one of modem, or leave actor out (any of them)`},
		{`signal operator`, `signal: [{at: 2h, area: FR, operator: dt, rsrp: -90}]`, `b.yaml:15:39: signal[0].operator: unknown operator "dt"`},
		{`signal area`, `signal: [{at: 2h, area: DE, operator: sfr, rsrp: -90}]`, `b.yaml:15:25: signal[0].area: unknown area "DE" (no cell there)`},
		{`signal cell`, `signal: [{at: 2h, area: FR, operator: cmcc, rsrp: -90}]`, `b.yaml:15:39: signal[0].operator: operator "cmcc" has no cell in area "FR"`},
		{`signal rsrp`, `signal: [{at: 2h, area: FR, operator: sfr, rsrp: -30}]`, `b.yaml:15:50: signal[0].rsrp: -30 out of range -140..-44`},
		{`signal order`, `signal: [{at: 2h, area: FR, operator: sfr, rsrp: -90}, {at: 1h, area: FR, operator: sfr, rsrp: -80}]`, `b.yaml:15:61: signal[1].at: 1h0m0s is before the previous entry's 2h0m0s`},
		{`signal duplicate`, `signal: [{at: 2h, area: FR, operator: sfr, rsrp: -90}, {at: 2h, area: FR, operator: sfr, rsrp: -80}]`, `b.yaml:15:56: signal[1]: sets the same cell at the same time as signal[0]`},
		{`signal missing rsrp`, `signal: [{at: 2h, area: FR, operator: sfr}]`, `b.yaml:15:10: signal[0].rsrp: required field missing`},
		{`signal not a list`, `signal: {at: 2h}`, `b.yaml:15:9: signal: want a list, got a mapping`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, edit(t, "itinerary:", tt.plan+"\nitinerary:"), tt.want)
		})
	}
	// An operator without any cell can never fail an attach.
	src := edit(t, "  cells:", "    - {id: dt, plmn: \"26201\", country: DE}\n  cells:")
	src = strings.Replace(src, "itinerary:", "faults: [{attach: no_service, operator: dt}]\nitinerary:", 1)
	want := `b.yaml:16:41: faults[0].operator: operator "dt" has no cell (network.cells): no attach on it can fail`
	if _, err := Parse("b.yaml", []byte(src)); err == nil || err.Error() != want {
		t.Errorf("error\n got: %v\nwant: %s", err, want)
	}
}

// TestParseTACReject: an attach_reject limited to a tracking area
// reaches the world with it, the area as the world numbers a cell left
// without a TAC (0x1000 + the area's index) or as a cell gives it.
func TestParseTACReject(t *testing.T) {
	src := edit(t, "    - {area: FR, operator: sfr, rsrp: -90}", "    - {area: FR, operator: sfr, rsrp: -90}\n    - {area: FR, operator: sfr, rsrp: -100, tac: 0x2002}")
	src = strings.Replace(src, "itinerary:", `faults:
  - {attach_reject: 15, operator: sfr, tac: 0x1001}
  - {attach_reject: 12, operator: sfr, tac: 0x2002}
itinerary:`, 1)
	s, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Fault{{Kind: AttachReject, Operator: "sfr", Cause: 15, TAC: 0x1001}, {Kind: AttachReject, Operator: "sfr", Cause: 12, TAC: 0x2002}}
	if !reflect.DeepEqual(s.Faults, want) {
		t.Errorf("faults\n got %+v\nwant %+v", s.Faults, want)
	}
	wc := s.WorldConfig(clock.Epoch)
	wantWorld := []world.Fault{{Operator: "sfr", Kind: world.Reject, Cause: 15, TAC: 0x1001}, {Operator: "sfr", Kind: world.Reject, Cause: 12, TAC: 0x2002, Entry: 1}}
	if !reflect.DeepEqual(wc.Faults, wantWorld) {
		t.Errorf("world faults %+v", wc.Faults)
	}
}

// TestParseFaultPlan: issue 4 §1 and §5: attach faults of every kind per
// operator and attempt, power cuts with their defaults, and the signal plan.
func TestParseFaultPlan(t *testing.T) {
	src := edit(t, "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: smdp.sfr.test}")
	src = strings.Replace(src, "itinerary:", `signal:
  - {at: 2h, area: FR, operator: sfr, rsrp: -100}
  - {at: 2h, area: CN, operator: cmcc, rsrp: -70}
  - {at: 2h30m, area: FR, operator: sfr, rsrp: -60}
faults:
  - {attach_reject: 13, operator: sfr, attempt: 1}
  - {attach: no_service, operator: sfr, attempt: 2}
  - {attach: timeout, operator: sfr, attempt: 3, from: 1h, until: 2h}
  - {attach: timeout, operator: cmcc}
  - {power_cut: profile_enabled}
  - {power_cut: notification_received, nth: 2, actor: platform, off: 2m}
  - {power_cut: bpp_sent}
  - {power_cut: attach_timeout, nth: 3}
itinerary:`, 1)
	s, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	wantSignal := []SignalChange{
		{At: 2 * time.Hour, Area: "FR", Operator: "sfr", RSRP: -100},
		{At: 2 * time.Hour, Area: "CN", Operator: "cmcc", RSRP: -70},
		{At: 2*time.Hour + 30*time.Minute, Area: "FR", Operator: "sfr", RSRP: -60},
	}
	if !reflect.DeepEqual(s.Signal, wantSignal) {
		t.Errorf("signal %+v", s.Signal)
	}
	wantFaults := []Fault{
		{Kind: AttachReject, Operator: "sfr", Attempt: 1, Cause: 13},
		{Kind: AttachNoService, Operator: "sfr", Attempt: 2},
		{Kind: AttachTimeout, Operator: "sfr", Attempt: 3, From: time.Hour, Until: 2 * time.Hour},
		{Kind: AttachTimeout, Operator: "cmcc"},
		{Kind: PowerCut, Event: "profile_enabled", Nth: 1, Off: DefaultPowerOff},
		{Kind: PowerCut, Event: "notification_received", Nth: 2, Actor: "platform", Off: 2 * time.Minute},
		{Kind: PowerCut, Event: "bpp_sent", Nth: 1, Off: DefaultPowerOff},
		{Kind: PowerCut, Event: "attach_timeout", Nth: 3, Off: DefaultPowerOff},
	}
	if !reflect.DeepEqual(s.Faults, wantFaults) {
		t.Errorf("faults\n got %+v\nwant %+v", s.Faults, wantFaults)
	}
	if got := s.PowerCuts(); !reflect.DeepEqual(got, wantFaults[4:]) {
		t.Errorf("PowerCuts %+v", got)
	}
	wc := s.WorldConfig(clock.Epoch)
	wantWorld := []world.Fault{
		{Operator: "sfr", Kind: world.Reject, Attempt: 1, Cause: 13},
		{Operator: "sfr", Kind: world.NoService, Attempt: 2, Entry: 1},
		{Operator: "sfr", Kind: world.Timeout, Attempt: 3, From: clock.Epoch.Add(time.Hour), Until: clock.Epoch.Add(2 * time.Hour), Entry: 2},
		{Operator: "cmcc", Kind: world.Timeout, Entry: 3},
	}
	if !reflect.DeepEqual(wc.Faults, wantWorld) {
		t.Errorf("world faults %+v", wc.Faults)
	}
	if _, err := world.New(wc, clock.NewVirtual(clock.Epoch), nil); err != nil {
		t.Errorf("world refuses the plan: %v", err)
	}
}

// TestPowerCutPoints: every point names real actors, once.
func TestPowerCutPoints(t *testing.T) {
	actors := map[string]bool{"euicc": true, "modem": true, "world": true, "platform": true, "smdp": true}
	seen := map[string]bool{}
	for i, p := range PowerCutPointList {
		if seen[p.Event] || PowerCutPoints[i] != p.Event || len(p.Actors) == 0 || p.Step == "" {
			t.Errorf("point %d %+v", i, p)
		}
		seen[p.Event] = true
		for _, a := range p.Actors {
			if !actors[a] {
				t.Errorf("%s: unknown actor %q", p.Event, a)
			}
		}
		if _, ok := needsText[p.Needs]; !ok && p.Needs != "" {
			t.Errorf("%s: needs %q, which CutNeeds does not know", p.Event, p.Needs)
		}
	}
	if len(PowerCutPoints) != len(PowerCutPointList) {
		t.Errorf("%d points, %d kinds", len(PowerCutPointList), len(PowerCutPoints))
	}
}

func TestParseTopLevel(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "e.yaml:1:1: empty scenario"},
		{"- 1\n", "e.yaml:1:1: want a mapping, got a list"},
		{"just text", `e.yaml:1:1: want a mapping, got "just text"`},
		{strings.Repeat("#", MaxFileSize+1), "e.yaml:1:1: file is 1048577 bytes, at most 1048576"},
	} {
		if _, err := Parse("e.yaml", []byte(c.in)); err == nil || err.Error() != c.want {
			t.Errorf("Parse(%.20q) = %v, want %s", c.in, err, c.want)
		}
	}
	if _, err := Load("no/such/file.yaml"); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v", err)
	}
	// A device has no size to check first: Load stops reading past the
	// limit instead of filling the memory (it used to read /dev/zero for
	// ever).
	if _, err := os.Stat("/dev/zero"); err == nil {
		want := "/dev/zero:1:1: file is over 1048576 bytes (not a regular file), at most 1048576"
		if _, err := Load("/dev/zero"); err == nil || err.Error() != want {
			t.Errorf("Load(/dev/zero) = %v, want %s", err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	for _, name := range []string{"roam-fr-preinstalled.yaml", "roam-fr-signal-order.yaml", "home-no-request.yaml"} {
		if b, err := os.ReadFile(filepath.Join(examples, name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("name: t\nfaults: [{platform: unreachable, attach_reject: 1}]"))
	f.Add([]byte(strings.Replace(base, "itinerary:", "signal: [{at: 1h, area: FR, operator: sfr, rsrp: -90}]\nfaults: [{attach: timeout, operator: sfr, attempt: 1}, {power_cut: attach_timeout, nth: 2, actor: modem, off: 1m}]\nitinerary:", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "fuzz.yaml:") {
				t.Fatalf("error without location: %v", err)
			}
			return
		}
		if n := 0; true {
			for _, p := range s.Device.Profiles {
				if p.Enabled {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("accepted %d enabled profiles", n)
			}
		}
		for _, f := range s.PowerCuts() {
			if f.Nth < 1 || f.Off <= 0 || f.Off > MaxPowerOff {
				t.Fatalf("accepted power cut %+v", f)
			}
		}
		for i := 1; i < len(s.Signal); i++ {
			if s.Signal[i].At < s.Signal[i-1].At {
				t.Fatalf("accepted signal plan out of order %+v", s.Signal)
			}
		}
	})
}

// The card's Rules Authorisation Table and an operator's profile policy
// rules (SGP.22 §2.9): a PLMN alone or with gids, E for any digit.
func TestParseRAT(t *testing.T) {
	src := edit(t, "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: smdp.sfr.test, ppr: [ppr1, ppr2]}")
	src = strings.Replace(src, "  profiles:", `  rat:
    - {ppr: [ppr1, ppr2], operators: ["20810", 208EE], consent: false}
    - ppr: [ppr2]
      operators: [{plmn: "310EEE", gid1: A1}, {plmn: "EEEEE", gid2: 0b0c}]
      consent: true
  profiles:`, 1)
	s, err := Parse("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []RATRule{
		{PPR: []string{"ppr1", "ppr2"}, Operators: []RATOperator{{PLMN: "20810"}, {PLMN: "208EE"}}},
		{PPR: []string{"ppr2"}, Operators: []RATOperator{{PLMN: "310EEE", GID1: "A1"}, {PLMN: "EEEEE", GID2: "0b0c"}}, Consent: true},
	}
	if !reflect.DeepEqual(s.Device.RAT, want) {
		t.Fatalf("RAT %+v", s.Device.RAT)
	}
	if got := s.Network.Operators[1].PPR; !reflect.DeepEqual(got, []string{"ppr1", "ppr2"}) {
		t.Fatalf("sfr ppr %v", got)
	}
	// Without rat: an empty table, the card's default.
	if s, err := Parse("b.yaml", []byte(base)); err != nil || s.Device.RAT != nil || s.Network.Operators[1].PPR != nil {
		t.Fatalf("base: %+v %v", s, err)
	}
}

func TestParseRATErrors(t *testing.T) {
	rat := func(rules string) string { return edit(t, "  profiles:", "  rat: "+rules+"\n  profiles:") }
	withSMDP := edit(t, "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: smdp.sfr.test, ppr: [ppr3]}")
	many := strings.TrimSuffix(strings.Repeat(`"20810", `, MaxRATOperators+1), ", ")
	tests := []struct{ name, src, want string }{
		{"unknown rule", rat(`[{ppr: [ppr1, ppr9], operators: ["20810"]}]`), `b.yaml:12:22: device.rat[0].ppr[1]: unknown profile policy rule "ppr9" (known: ppr1, ppr2)`},
		{"rule twice", rat(`[{ppr: [ppr1, ppr1], operators: ["20810"]}]`), `b.yaml:12:22: device.rat[0].ppr[1]: ppr1 given twice`},
		{"no rules", rat(`[{ppr: [], operators: ["20810"]}]`), `b.yaml:12:15: device.rat[0].ppr: empty: name the rules allowed (ppr1, ppr2)`},
		{"ppr missing", rat(`[{operators: ["20810"]}]`), `b.yaml:12:9: device.rat[0].ppr: required field missing`},
		{"no operators", rat(`[{ppr: [ppr1], operators: []}]`), `b.yaml:12:34: device.rat[0].operators: empty: a rule allows its rules for at least one operator`},
		{"short PLMN", rat(`[{ppr: [ppr1], operators: ["20810", "2081"]}]`), `b.yaml:12:44: device.rat[0].operators[1]: "2081": want MCC+MNC, 5 or 6 digits, E for any digit (e.g. 20810, 208EE)`},
		{"lower-case wildcard", rat(`[{ppr: [ppr1], operators: [208ee]}]`), `b.yaml:12:35: device.rat[0].operators[0]: "208ee": want MCC+MNC, 5 or 6 digits, E for any digit (e.g. 20810, 208EE)`},
		{"other letter", rat(`[{ppr: [ppr1], operators: [{plmn: 208X1}]}]`), `b.yaml:12:42: device.rat[0].operators[0].plmn: "208X1": want MCC+MNC, 5 or 6 digits, E for any digit (e.g. 20810, 208EE)`},
		{"gid not hex", rat(`[{ppr: [ppr1], operators: [{plmn: "20810", gid1: xyz}]}]`), `b.yaml:12:57: device.rat[0].operators[0].gid1: "xyz": want 1 to 16 bytes in hex (EF GID contents)`},
		{"gid odd length", rat(`[{ppr: [ppr1], operators: [{plmn: "20810", gid2: ABC}]}]`), `b.yaml:12:57: device.rat[0].operators[0].gid2: "ABC": want 1 to 16 bytes in hex (EF GID contents)`},
		{"operator without plmn", rat(`[{ppr: [ppr1], operators: [{gid1: A1}]}]`), `b.yaml:12:35: device.rat[0].operators[0].plmn: required field missing`},
		{"unknown rule field", rat(`[{ppr: [ppr1], operators: ["20810"], flags: 1}]`), `b.yaml:12:45: device.rat[0].flags: unknown field`},
		{"consent type", rat(`[{ppr: [ppr1], operators: ["20810"], consent: maybe}]`), `b.yaml:12:54: device.rat[0].consent: want true or false, got "maybe"`},
		{"rat not a list", rat(`{ppr: [ppr1]}`), `b.yaml:12:8: device.rat: want a list, got a mapping`},
		{"too many operators", rat(`[{ppr: [ppr1], operators: [` + many + `]}]`), `b.yaml:12:34: device.rat[0].operators: 17 operators, at most 16`},
		{"operator rule unknown", withSMDP, `b.yaml:5:85: network.operators[1].ppr[0]: unknown profile policy rule "ppr3" (known: ppr1, ppr2)`},
		{"operator rules without SM-DP+", edit(t, "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, ppr: [ppr1]}"),
			`b.yaml:5:63: network.operators[1].ppr: sets the rules of the profiles the operator's SM-DP+ delivers: give smdp too`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, tt.src, tt.want)
		})
	}
	// More rules than the card's table holds.
	rules := strings.TrimSuffix(strings.Repeat(`{ppr: [ppr1], operators: ["20810"]}, `, MaxRATRules+1), ", ")
	want := `b.yaml:12:8: device.rat: 17 rules, at most 16`
	if _, err := Parse("b.yaml", []byte(rat("["+rules+"]"))); err == nil || err.Error() != want {
		t.Errorf("error\n got: %v\nwant: %s", err, want)
	}
}

// wantParseError parses src as b.yaml and wants a scenario *Error whose
// text is want.
func wantParseError(t *testing.T, src, want string) {
	t.Helper()
	_, err := Parse("b.yaml", []byte(src))
	var se *Error
	if err == nil || !errors.As(err, &se) || err.Error() != want {
		t.Errorf("error\n got: %v\nwant: %s", err, want)
	}
}

// A final state on a network no run can end on is refused at load, with
// why (outside tester t195: plmn "99999" loaded and failed every run).
func TestFinalPLMNServed(t *testing.T) {
	const ops = "    - {id: sfr, plmn: \"20810\", country: FR, tariff: 0.5}\n"
	withRoaming := ops + "    - {id: orange, plmn: \"20801\", country: FR}\n    - {id: bouygues, plmn: \"20820\", country: FR}\n  roaming:\n    - {home: cmcc, visited: sfr}\n"
	orangeCell := "    - {area: FR, operator: sfr, rsrp: -90}\n    - {area: FR, operator: orange, rsrp: -95}\n"
	tests := []struct{ name, final, want string }{
		{"no operator's PLMN", `{registration: home, plmn: "99999"}`, `b.yaml:24:37: expect.final.plmn: "99999" is no operator's network (network.operators): AT+COPS? never answers it`},
		{"a network without a cell", `{registration: roaming, plmn: "20820"}`, `b.yaml:24:40: expect.final.plmn: "20820" is bouygues's network, which has no cell (network.cells): nothing registers on it`},
		{"home on another's network", `{registration: home, operator: sfr, plmn: "46000"}`, `b.yaml:24:52: expect.final.plmn: "46000" is cmcc's network: a subscriber of sfr is home only on its own`},
		{"roaming on its own network", `{registration: roaming, operator: cmcc, plmn: "46000"}`, `b.yaml:24:56: expect.final.plmn: "46000" is cmcc's own network: its subscriber is home there, not roaming`},
		{"roaming without an agreement", `{registration: roaming, operator: cmcc, plmn: "20801"}`, `b.yaml:24:56: expect.final.plmn: "20801" is orange's network, which has no roaming agreement for cmcc's subscribers (network.roaming: {home: cmcc, visited: orange})`},
		{"home on its own network", `{registration: home, operator: sfr, plmn: "20810"}`, ""},
		{"roaming on a partner", `{registration: roaming, operator: cmcc, plmn: "20810"}`, ""},
		{"a served network, no operator", `{registration: roaming, plmn: "20801"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(base, ops, withRoaming, 1)
			src = strings.Replace(src, "    - {area: FR, operator: sfr, rsrp: -90}\n", orangeCell, 1)
			src += "expect:\n  final: " + tt.final + "\n"
			if tt.want == "" {
				if _, err := Parse("b.yaml", []byte(src)); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantParseError(t, src, tt.want)
		})
	}
}

// A last attach no run can make is refused at load, with why (outside
// tester t195: roaming for an operator with no agreement anywhere loaded
// and failed every run).
func TestLastAttachServed(t *testing.T) {
	const ops = "    - {id: sfr, plmn: \"20810\", country: FR, tariff: 0.5}\n"
	more := ops + "    - {id: orange, plmn: \"20801\", country: FR}\n" +
		"    - {id: free, plmn: \"20815\", country: FR, smdp: smdp.free.test}\n" +
		"    - {id: tim, plmn: \"22201\", country: IT, smdp: smdp.tim.test}\n" +
		"  roaming:\n    - {home: cmcc, visited: sfr}\n    - {home: sfr, visited: tim}\n    - {home: free, visited: orange}\n"
	cells := "    - {area: FR, operator: sfr, rsrp: -90}\n    - {area: FR, operator: orange, rsrp: -95}\n    - {area: FR, operator: free, rsrp: -97}\n    - {area: IT, operator: tim, rsrp: -90}\n"
	tests := []struct{ name, last, want string }{
		{"never its subscriber", `{operator: orange, registration: home}`, `b.yaml:29:27: expect.last_attach.operator: the card is never a subscriber of orange: it holds none of its profiles (device.profiles) and orange runs no SM-DP+ (network.operators[].smdp)`},
		{"home with no cell on the way", `{operator: tim, registration: home}`, `b.yaml:29:46: expect.last_attach.registration: tim has no cell in an area of the itinerary (network.cells): its subscriber is never home`},
		{"roaming with no agreement", `{operator: tim, registration: roaming}`, `b.yaml:29:46: expect.last_attach.registration: tim has no roaming agreement (network.roaming: {home: tim, visited: …}): its subscriber roams nowhere`},
		{"roaming only on a partner off the way", `{operator: sfr, registration: roaming}`, `b.yaml:29:46: expect.last_attach.registration: no partner of sfr (network.roaming: tim) has a cell in an area of the itinerary (network.cells): its subscriber roams nowhere`},
		{"roaming on a partner of a downloaded profile's", `{operator: free, registration: roaming}`, ""},
		{"home on its own", `{operator: sfr, registration: home}`, ""},
		{"roaming on a partner", `{operator: cmcc, registration: roaming}`, ""},
		{"a downloaded profile's, home", `{operator: free, registration: home}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { parseEnd(t, ops, more, cells, "last_attach: "+tt.last, tt.want) })
	}
}

// parseEnd parses base with the operators more in place of ops, the
// cells in place of its one, and expect's end given, and wants it
// loaded (want "") or refused with want.
func parseEnd(t *testing.T, ops, more, cells, end, want string) {
	t.Helper()
	src := strings.Replace(base, ops, more, 1)
	src = strings.Replace(src, "    - {area: FR, operator: sfr, rsrp: -90}\n", cells, 1)
	src += "expect:\n  " + end + "\n"
	if want == "" {
		if _, err := Parse("b.yaml", []byte(src)); err != nil {
			t.Fatal(err)
		}
		return
	}
	wantParseError(t, src, want)
}

// A final registration no run can end on is refused at load as
// last_attach's is: registered at the end is attached to the end (outside
// tester t268 F5: a roaming end with no agreement loaded and failed
// every run).
func TestFinalServed(t *testing.T) {
	const ops = "    - {id: sfr, plmn: \"20810\", country: FR, tariff: 0.5}\n"
	more := ops + "    - {id: orange, plmn: \"20801\", country: FR}\n" +
		"    - {id: tim, plmn: \"22201\", country: IT, smdp: smdp.tim.test}\n" +
		"  roaming:\n    - {home: cmcc, visited: sfr}\n    - {home: sfr, visited: tim}\n"
	cells := "    - {area: FR, operator: sfr, rsrp: -90}\n    - {area: FR, operator: orange, rsrp: -95}\n    - {area: IT, operator: tim, rsrp: -90}\n"
	tests := []struct{ name, final, want string }{
		{"never its subscriber", `{registration: home, operator: orange}`, `b.yaml:26:41: expect.final.operator: the card is never a subscriber of orange: it holds none of its profiles (device.profiles) and orange runs no SM-DP+ (network.operators[].smdp)`},
		{"home with no cell on the way", `{registration: home, operator: tim}`, `b.yaml:26:25: expect.final.registration: tim has no cell in an area of the itinerary (network.cells): its subscriber is never home`},
		{"roaming with no agreement", `{registration: roaming, operator: tim}`, `b.yaml:26:25: expect.final.registration: tim has no roaming agreement (network.roaming: {home: tim, visited: …}): its subscriber roams nowhere`},
		{"roaming only on a partner off the way", `{registration: roaming, operator: sfr}`, `b.yaml:26:25: expect.final.registration: no partner of sfr (network.roaming: tim) has a cell in an area of the itinerary (network.cells): its subscriber roams nowhere`},
		{"denied, whoever", `{registration: denied, operator: orange}`, ""},
		{"home on its own", `{registration: home, operator: sfr}`, ""},
		{"roaming on a partner", `{registration: roaming, operator: cmcc}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { parseEnd(t, ops, more, cells, "final: "+tt.final, tt.want) })
	}
}

// A name with '"' and '\' loads: +COPS writes them as V.250 escapes.
func TestOperatorNameQuotes(t *testing.T) {
	src := strings.Replace(base, `{id: sfr,`, `{id: sfr, name: 'Tele "2" a\b',`, 1)
	s, err := Parse("b.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Network.Operators[1].Name; got != `Tele "2" a\b` {
		t.Errorf("name %q", got)
	}
}
