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
			EID: "89049032000001000000000000000123", Personality: "generic", CheckInterval: 5 * time.Minute,
			Profiles: []Profile{
				{ICCID: "89860000000000000019", Operator: "cmcc", IMSI: "460000000000019", Enabled: true},
				{ICCID: "89331000000000000027", Operator: "sfr", IMSI: "208100000000027"},
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
  eid: "89049032000001000000000000000123"
  check_interval: 5m
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
    - {iccid: "89331000000000000027", operator: sfr}
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
	if len(wc.Faults) != 1 || wc.Faults[0] != (world.Fault{Operator: "sfr", Attempt: 1, Cause: 15}) {
		t.Errorf("world faults %+v", wc.Faults)
	}
	if s.EnabledProfile().Operator != "cmcc" {
		t.Errorf("EnabledProfile %+v", s.EnabledProfile())
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

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown top field", "name: t", "name: t\nmode: fast", "b.yaml:2:1: mode: unknown field"},
		{"unknown nested field", "rsrp: -80}", "rsrp: -80, power: 3}", "b.yaml:7:45: network.cells[0].power: unknown field"},
		{"duplicate field", "name: t", "name: t\nname: u", "b.yaml:2:1: name: duplicate field"},
		{"missing name", "name: t\n", "", "b.yaml:1:1: name: required field missing"},
		{"missing plmn", `{id: sfr, plmn: "20810", country: FR, tariff: 0.5}`, "{id: sfr, country: FR}", "b.yaml:5:7: network.operators[1].plmn: required field missing"},
		{"short plmn", `plmn: "20810"`, `plmn: "2081"`, `b.yaml:5:23: network.operators[1].plmn: "2081" is not a PLMN (MCC+MNC, 5 or 6 digits)`},
		{"bad country", "country: FR", "country: France", `b.yaml:5:41: network.operators[1].country: "France" is not an ISO 3166 alpha-2 code such as FR`},
		{"negative tariff", "tariff: 0.5", "tariff: -1", `b.yaml:5:53: network.operators[1].tariff: want a non-negative number, got "-1"`},
		{"cell operator", "operator: sfr, rsrp", "operator: foo, rsrp", `b.yaml:8:28: network.cells[1].operator: unknown operator "foo"`},
		{"rsrp range", "rsrp: -90", "rsrp: 10", "b.yaml:8:39: network.cells[1].rsrp: 10 out of range -140..-44"},
		{"rsrp type", "rsrp: -90", "rsrp: loud", `b.yaml:8:39: network.cells[1].rsrp: want an integer, got "loud"`},
		{"eid length", `eid: "89049032000001000000000000000123"`, `eid: "8904"`, `b.yaml:10:8: device.eid: "8904" is not an EID (32 digits)`},
		{"interval", "check_interval: 5m", "check_interval: soon", `b.yaml:11:19: device.check_interval: want a duration like 90s, 5m or 1h30m, got "soon"`},
		{"interval zero", "check_interval: 5m", "check_interval: 0s", "b.yaml:11:19: device.check_interval: must be positive"},
		{"iccid", `iccid: "89331000000000000027"`, `iccid: "8933x"`, `b.yaml:14:15: device.profiles[1].iccid: "8933x" is not an ICCID (18 to 20 digits)`},
		{"profile operator", "operator: sfr}", "operator: foo}", `b.yaml:14:49: device.profiles[1].operator: unknown operator "foo"`},
		{"imsi prefix", "operator: sfr}", `operator: sfr, imsi: "460001234567890"}`, `b.yaml:14:60: device.profiles[1].imsi: "460001234567890" is not an IMSI of sfr (6 to 15 digits starting with 20810)`},
		{"two enabled", "operator: sfr}", "operator: sfr, enabled: true}", "b.yaml:13:5: device.profiles: exactly one profile must be enabled, found 2"},
		{"none enabled", "operator: cmcc, enabled: true}", "operator: cmcc}", "b.yaml:13:5: device.profiles: exactly one profile must be enabled, found 0"},
		{"enabled type", "enabled: true}", "enabled: yes}", `b.yaml:13:64: device.profiles[0].enabled: want true or false, got "yes"`},
		{"profiles not a list", "  profiles:\n    - {iccid: \"89860000000000000019\", operator: cmcc, enabled: true}\n    - {iccid: \"89331000000000000027\", operator: sfr}\n", "  profiles: none\n", `b.yaml:12:13: device.profiles: want a list, got "none"`},
		{"itinerary order", "{at: 1h, area: FR}", "{at: 0s, area: FR}", "b.yaml:17:10: itinerary[1].at: 0s is not after the previous stop's 0s"},
		{"itinerary area", "{at: 1h, area: FR}", "{at: 1h, area: DE}", `b.yaml:17:20: itinerary[1].area: unknown area "DE" (no cell there)`},
		{"roaming ref", "  cells:", "  roaming: [{home: cmcc, visited: dt}]\n  cells:", `b.yaml:6:35: network.roaming[0].visited: unknown operator "dt"`},
		{"order_by", "itinerary:", "platform: {order_by: price}\nitinerary:", `b.yaml:15:22: platform.order_by: "price": want tariff or signal`},
		{"preferred ref", "itinerary:", "platform:\n  preferred: {FR: [sfr, dt]}\nitinerary:", `b.yaml:16:25: platform.preferred.FR[1]: unknown operator "dt"`},
		{"unknown fault kind", "itinerary:", "faults: [{smdp: down}]\nitinerary:", "b.yaml:15:11: faults[0].smdp: unknown field"},
		{"fault without kind", "itinerary:", "faults: [{from: 1h}]\nitinerary:", "b.yaml:15:10: faults[0]: unknown fault kind: want one of platform: unreachable|no_ack, attach_reject: <cause>, download: <fault>"},
		{"download fault value", "itinerary:", "faults: [{download: slow, operator: sfr}]\nitinerary:", `b.yaml:15:21: faults[0].download: unknown download fault "slow" (known: smdp_unreachable, tls_failure, unknown_ci, expired_smdp_cert, bad_server_signature, bad_euicc_signature, wrong_transaction_id, eid_out_of_range, eligibility_refused, connection_reset, tampered_bpp, truncated_bpp, out_of_memory)`},
		{"download fault without operator", "itinerary:", "faults: [{download: tampered_bpp}]\nitinerary:", "b.yaml:15:10: faults[0].operator: required field missing"},
		{"download fault on an operator without SM-DP+", "itinerary:", "faults: [{download: tampered_bpp, operator: sfr}]\nitinerary:", `b.yaml:15:45: faults[0].operator: operator "sfr" runs no SM-DP+ (network.operators[].smdp)`},
		{"two kinds in one fault", "itinerary:", "faults: [{download: tampered_bpp, platform: no_ack, operator: sfr}]\nitinerary:", "b.yaml:15:10: faults[0]: one fault per entry: give one of platform, attach_reject, download"},
		{"bad SM-DP+ host", "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, smdp: \"no host\"}", `b.yaml:5:64: network.operators[1].smdp: "no host" is not a host name`},
		{"allow-list EID", "itinerary:", "platform: {eligibility: {allow_eids: [\"123\"]}}\nitinerary:", `b.yaml:15:39: platform.eligibility.allow_eids[0]: "123" is not an EID (32 digits)`},
		{"platform fault value", "itinerary:", "faults: [{platform: slow}]\nitinerary:", `b.yaml:15:21: faults[0].platform: unknown platform fault "slow" (known: unreachable, no_ack)`},
		{"fault window", "itinerary:", "faults: [{platform: unreachable, from: 2h, until: 1h}]\nitinerary:", "b.yaml:15:51: faults[0].until: 1h0m0s is not after from 2h0m0s"},
		{"reject needs operator", "itinerary:", "faults: [{attach_reject: 15}]\nitinerary:", "b.yaml:15:10: faults[0].operator: required field missing"},
		{"reject operator ref", "itinerary:", "faults: [{attach_reject: 15, operator: dt}]\nitinerary:", `b.yaml:15:40: faults[0].operator: unknown operator "dt"`},
		{"expect registration", "itinerary:", "expect: {final: {operator: sfr, registration: guest}}\nitinerary:", `b.yaml:15:47: expect.final.registration: "guest": want home or roaming`},
		{"expect notification", "itinerary:", "expect: {notifications: [attach-success]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "attach-success": want kind@to, e.g. attach-success@platform`},
		{"expect attempts ref", "itinerary:", "expect: {attempts: [dt]}\nitinerary:", `b.yaml:15:21: expect.attempts[0]: unknown operator "dt"`},
		{"syntax", "name: t", "name: [t", "b.yaml:1:1: YAML syntax: did not find expected ',' or ']'"},
		{"syntax later line", "{at: 1h, area: FR}", "{at: 1h, area: FR", "b.yaml:16:1: YAML syntax: did not find expected ',' or '}'"},
		{"tab indent", "name: t", "name: t\n\tseed: 1", "b.yaml:2:1: YAML syntax: found a tab character that violates indentation"},
		{"alias", "itinerary:", "x: &a 1\nitinerary:", "b.yaml:15:1: x: unknown field"},
		{"alias value", "name: t", "name: *a", "b.yaml:1:1: YAML syntax: unknown anchor 'a' referenced"},
		{"alias use", "name: t", "name: &n t\nseed: *n", "b.yaml:2:7: seed: YAML aliases are not supported"},
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

func TestParseTopLevel(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "e.yaml:1:1: empty scenario"},
		{"- 1\n", "e.yaml:1:1: want a mapping, got a list"},
		{"just text", `e.yaml:1:1: want a mapping, got "just text"`},
		{strings.Repeat("#", maxFileSize+1), "e.yaml:1:1: file is 1048577 bytes, at most 1048576"},
	} {
		if _, err := Parse("e.yaml", []byte(c.in)); err == nil || err.Error() != c.want {
			t.Errorf("Parse(%.20q) = %v, want %s", c.in, err, c.want)
		}
	}
	if _, err := Load("no/such/file.yaml"); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v", err)
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
	})
}
