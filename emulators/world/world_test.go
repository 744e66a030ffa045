package world

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

func testConfig() Config {
	return Config{
		Operators: []Operator{
			{ID: "cmcc", PLMN: "46000", Country: "CN"},
			{ID: "orange-fr", PLMN: "20801", Country: "FR", Tariff: 0.8},
			{ID: "sfr", PLMN: "20810", Country: "FR", Tariff: 0.5},
			{ID: "att", PLMN: "310410", Country: "US"},
		},
		Roaming: []Agreement{{Home: "cmcc", Visited: "orange-fr"}},
		Cells: []Cell{
			{Area: "CN-Beijing", Operator: "cmcc", RSRP: -80},
			{Area: "FR-Paris", Operator: "sfr", RSRP: -101},
			{Area: "FR-Paris", Operator: "orange-fr", RSRP: -85, TAC: 0x3a9b, CellID: 0xc33d},
			{Area: "FR-Nice", Operator: "sfr", RSRP: -90},
			{Area: "FR-Nice", Operator: "orange-fr", RSRP: -90},
			{Area: "US-Dallas", Operator: "att", RSRP: -70},
		},
	}
}

type rig struct {
	w   *World
	clk *clock.Virtual
	log *eventlog.Log
}

func newRig(t *testing.T, cfg Config) rig {
	t.Helper()
	clk := clock.NewVirtual(clock.Epoch)
	log := eventlog.New(clk.Now)
	w, err := New(cfg, clk, log)
	if err != nil {
		t.Fatal(err)
	}
	return rig{w, clk, log}
}

// trace renders the world's attach events compactly.
func trace(log *eventlog.Log) string {
	var b strings.Builder
	for _, e := range log.Events() {
		if e.Actor != eventlog.World || e.Kind == "area_changed" {
			continue
		}
		f, _ := json.Marshal(e.Fields)
		b.WriteString(string(e.Kind) + string(f) + "\n")
	}
	return b.String()
}

func TestNewAssignsCellIdentities(t *testing.T) {
	r := newRig(t, testConfig())
	if err := r.w.SetArea("FR-Paris"); err != nil {
		t.Fatal(err)
	}
	got := r.w.Cells()
	want := []Cell{
		{Area: "FR-Paris", Operator: "orange-fr", PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85},
		{Area: "FR-Paris", Operator: "sfr", PLMN: "20810", TAC: 0x1001, CellID: 0x20002, RSRP: -101},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Cells() =\n%+v\nwant\n%+v", got, want)
	}
	// Ties in signal are broken by PLMN.
	r.w.SetArea("FR-Nice")
	if c := r.w.Cells(); c[0].PLMN != "20801" || c[1].PLMN != "20810" {
		t.Fatalf("tie order: %+v", c)
	}
}

func TestAttach(t *testing.T) {
	tests := []struct {
		name, area, imsi string
		faults           []Fault
		want             Attachment
		trace            string
	}{
		{
			name: "home network", area: "CN-Beijing", imsi: "460001234567890",
			want: Attachment{OK: true, Stat: 1, Registration: "home", PLMN: "46000", Operator: "cmcc", Network: "cmcc",
				Cell: Cell{Area: "CN-Beijing", Operator: "cmcc", PLMN: "46000", TAC: 0x1000, CellID: 0x10001, RSRP: -80}},
			trace: `attach_attempt{"operator":"cmcc","plmn":"46000","tac":4096}
attach_result{"cause":0,"ok":true,"operator":"cmcc","plmn":"46000","registration":"home"}
`,
		},
		{
			name: "roaming partner by signal", area: "FR-Paris", imsi: "460001234567890",
			want: Attachment{OK: true, Stat: 5, Registration: "roaming", PLMN: "20801", Operator: "cmcc", Network: "orange-fr",
				Cell: Cell{Area: "FR-Paris", Operator: "orange-fr", PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85}},
			trace: `attach_attempt{"operator":"cmcc","plmn":"20801","tac":15003}
attach_result{"cause":0,"ok":true,"operator":"cmcc","plmn":"20801","registration":"roaming"}
`,
		},
		{
			name: "home PLMN first although weaker", area: "FR-Paris", imsi: "208101234567890",
			want: Attachment{OK: true, Stat: 1, Registration: "home", PLMN: "20810", Operator: "sfr", Network: "sfr",
				Cell: Cell{Area: "FR-Paris", Operator: "sfr", PLMN: "20810", TAC: 0x1001, CellID: 0x20002, RSRP: -101}},
			trace: `attach_attempt{"operator":"sfr","plmn":"20810","tac":4097}
attach_result{"cause":0,"ok":true,"operator":"sfr","plmn":"20810","registration":"home"}
`,
		},
		{
			// The agreement lets China Mobile's subscribers roam on Orange,
			// not Orange's on China Mobile: it has a direction (t153 F3).
			name: "one-way agreement: the reverse is refused with #11", area: "CN-Beijing", imsi: "208011234567890",
			want: Attachment{Stat: 3, Registration: "denied", PLMN: "46000", Operator: "orange-fr", Network: "cmcc", Cause: 11,
				Cell: Cell{Area: "CN-Beijing", Operator: "cmcc", PLMN: "46000", TAC: 0x1000, CellID: 0x10001, RSRP: -80}},
			trace: `attach_attempt{"operator":"orange-fr","plmn":"46000","tac":4096}
attach_result{"cause":11,"ok":false,"operator":"orange-fr","plmn":"46000","registration":"denied"}
`,
		},
		{
			name: "no agreement: every network rejects with #11", area: "FR-Paris", imsi: "310410123456789",
			want: Attachment{Stat: 3, Registration: "denied", PLMN: "20810", Operator: "att", Network: "sfr", Cause: 11,
				Cell: Cell{Area: "FR-Paris", Operator: "sfr", PLMN: "20810", TAC: 4097, CellID: 131074, RSRP: -101}},
			trace: `attach_attempt{"operator":"att","plmn":"20801","tac":15003}
attach_result{"cause":11,"ok":false,"operator":"att","plmn":"20801","registration":"denied"}
attach_attempt{"operator":"att","plmn":"20810","tac":4097}
attach_result{"cause":11,"ok":false,"operator":"att","plmn":"20810","registration":"denied"}
`,
		},
		{
			name: "fault on first attempt falls through to the next PLMN", area: "FR-Paris", imsi: "208101234567890",
			faults: []Fault{{Operator: "sfr", Attempt: 1, Cause: 15}},
			want: Attachment{Stat: 3, Registration: "denied", PLMN: "20801", Operator: "sfr", Network: "orange-fr", Cause: 11,
				Cell: Cell{Area: "FR-Paris", Operator: "orange-fr", PLMN: "20801", TAC: 15003, CellID: 49981, RSRP: -85}},
			trace: `attach_attempt{"operator":"sfr","plmn":"20810","tac":4097}
fault{"at":"world","attempt":1,"cause":15,"entry":0,"fault":"attach_reject","subscriber":"sfr","target":"sfr"}
attach_result{"cause":15,"ok":false,"operator":"sfr","plmn":"20810","registration":"denied"}
attach_attempt{"operator":"sfr","plmn":"20801","tac":15003}
attach_result{"cause":11,"ok":false,"operator":"sfr","plmn":"20801","registration":"denied"}
`,
		},
		{
			// Issue 4 §1 (claim 3 fallback): the network's cells stay silent for
			// this attempt; selection moves on to the next visible network.
			name: "no_service fault hides the network for the attempt", area: "FR-Paris", imsi: "460001234567890",
			faults: []Fault{{Operator: "orange-fr", Kind: NoService, Attempt: 1}},
			want: Attachment{Stat: 3, Registration: "denied", PLMN: "20810", Operator: "cmcc", Network: "sfr", Cause: 11,
				Cell: Cell{Area: "FR-Paris", Operator: "sfr", PLMN: "20810", TAC: 4097, CellID: 131074, RSRP: -101}},
			trace: `attach_attempt{"operator":"cmcc","plmn":"20801","tac":15003}
fault{"at":"world","attempt":1,"entry":0,"fault":"attach_no_service","subscriber":"cmcc","target":"orange-fr"}
attach_result{"cause":0,"ok":false,"operator":"cmcc","plmn":"20801","registration":"none"}
attach_attempt{"operator":"cmcc","plmn":"20810","tac":4097}
attach_result{"cause":11,"ok":false,"operator":"cmcc","plmn":"20810","registration":"denied"}
`,
		},
		{
			name: "no_service on the only network: searching", area: "CN-Beijing", imsi: "460001234567890",
			faults: []Fault{{Operator: "cmcc", Kind: NoService}},
			want:   Attachment{Stat: 2, Registration: "none", Operator: "cmcc"},
			trace: `attach_attempt{"operator":"cmcc","plmn":"46000","tac":4096}
fault{"at":"world","attempt":1,"entry":0,"fault":"attach_no_service","subscriber":"cmcc","target":"cmcc"}
attach_result{"cause":0,"ok":false,"operator":"cmcc","plmn":"46000","registration":"none"}
no_service{"area":"CN-Beijing","operator":"cmcc"}
`,
		},
		{
			name: "a silent network after a denial keeps the denial", area: "FR-Paris", imsi: "310410123456789",
			faults: []Fault{{Operator: "sfr", Kind: NoService}},
			want: Attachment{Stat: 3, Registration: "denied", PLMN: "20801", Operator: "att", Network: "orange-fr", Cause: 11,
				Cell: Cell{Area: "FR-Paris", Operator: "orange-fr", PLMN: "20801", TAC: 15003, CellID: 49981, RSRP: -85}},
			trace: `attach_attempt{"operator":"att","plmn":"20801","tac":15003}
attach_result{"cause":11,"ok":false,"operator":"att","plmn":"20801","registration":"denied"}
attach_attempt{"operator":"att","plmn":"20810","tac":4097}
fault{"at":"world","attempt":1,"entry":0,"fault":"attach_no_service","subscriber":"att","target":"sfr"}
attach_result{"cause":0,"ok":false,"operator":"att","plmn":"20810","registration":"none"}
`,
		},
		{
			// Issue 4 §1: the ATTACH REQUEST is never answered; the modem's
			// T3410 decides, so selection stops on this network.
			name: "timeout fault leaves the attach unanswered", area: "FR-Paris", imsi: "208101234567890",
			faults: []Fault{{Operator: "sfr", Kind: Timeout, Attempt: 1}},
			want:   Attachment{Stat: 2, Registration: "timeout", PLMN: "20810", Operator: "sfr", Network: "sfr", Timeout: true},
			trace: `attach_attempt{"operator":"sfr","plmn":"20810","tac":4097}
fault{"at":"world","attempt":1,"entry":0,"fault":"attach_timeout","subscriber":"sfr","target":"sfr"}
attach_result{"cause":0,"ok":false,"operator":"sfr","plmn":"20810","registration":"timeout"}
`,
		},
		{
			name: "fault outside its time window is inactive", area: "CN-Beijing", imsi: "460001234567890",
			faults: []Fault{{Operator: "cmcc", Cause: 15, From: clock.Epoch.Add(time.Hour)}},
			want: Attachment{OK: true, Stat: 1, Registration: "home", PLMN: "46000", Operator: "cmcc", Network: "cmcc",
				Cell: Cell{Area: "CN-Beijing", Operator: "cmcc", PLMN: "46000", TAC: 0x1000, CellID: 0x10001, RSRP: -80}},
			trace: `attach_attempt{"operator":"cmcc","plmn":"46000","tac":4096}
attach_result{"cause":0,"ok":true,"operator":"cmcc","plmn":"46000","registration":"home"}
`,
		},
		{
			name: "unknown IMSI is rejected everywhere", area: "CN-Beijing", imsi: "999991234567890",
			want: Attachment{Stat: 3, Registration: "denied", PLMN: "46000", Network: "cmcc", Cause: 11,
				Cell: Cell{Area: "CN-Beijing", Operator: "cmcc", PLMN: "46000", TAC: 0x1000, CellID: 0x10001, RSRP: -80}},
			trace: `attach_attempt{"operator":"","plmn":"46000","tac":4096}
attach_result{"cause":11,"ok":false,"operator":"","plmn":"46000","registration":"denied"}
`,
		},
		{
			name: "no area: searching", area: "", imsi: "460001234567890",
			want:  Attachment{Stat: 2, Registration: "none", Operator: "cmcc"},
			trace: `no_service{"area":"","operator":"cmcc"}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Faults = tt.faults
			r := newRig(t, cfg)
			if tt.area != "" {
				if err := r.w.SetArea(tt.area); err != nil {
					t.Fatal(err)
				}
			}
			got := r.w.Attach(tt.imsi, emm.Selection{})
			att := got
			got.Refused = nil // TestAttachSkipsForbidden checks them
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Attach =\n%+v\nwant\n%+v", got, tt.want)
			}
			if tr := trace(r.log); tr != tt.trace {
				t.Errorf("events:\n%s\nwant:\n%s", tr, tt.trace)
			}
			if cur, ok := r.w.Attached(); ok != got.OK || (ok && !reflect.DeepEqual(cur, att)) {
				t.Errorf("Attached() = %+v, %v", cur, ok)
			}
		})
	}
}

func TestFaultCountsAttemptsPerNetwork(t *testing.T) {
	cfg := testConfig()
	cfg.Faults = []Fault{{Operator: "cmcc", Attempt: 2, Cause: 15}}
	r := newRig(t, cfg)
	r.w.SetArea("CN-Beijing")
	for i, want := range []bool{true, false, true} {
		if got := r.w.Attach("460001234567890", emm.Selection{}); got.OK != want {
			t.Errorf("attempt %d: OK = %v, want %v (%+v)", i+1, got.OK, want, got)
		}
	}
}

// TestFaultKindsByAttempt: attach faults count attempts per network over
// the run (issue 4 §1), whatever their kind.
func TestFaultKindsByAttempt(t *testing.T) {
	cfg := testConfig()
	cfg.Faults = []Fault{
		{Operator: "cmcc", Attempt: 1, Kind: Timeout},
		{Operator: "cmcc", Attempt: 2, Kind: NoService},
		{Operator: "cmcc", Attempt: 3, Cause: 17},
	}
	r := newRig(t, cfg)
	r.w.SetArea("CN-Beijing")
	for i, want := range []string{"timeout", "none", "denied", "home"} {
		got := r.w.Attach("460001234567890", emm.Selection{})
		if got.Registration != want {
			t.Errorf("attempt %d: %+v, want registration %s", i+1, got, want)
		}
		if _, ok := r.w.Attached(); ok != (want == "home") {
			t.Errorf("attempt %d: Attached() = %v", i+1, ok)
		}
	}
}

func TestSetRSRP(t *testing.T) {
	r := newRig(t, testConfig())
	r.w.SetArea("FR-Paris")
	if err := r.w.SetRSRP("FR-Paris", "sfr", -70); err != nil {
		t.Fatal(err)
	}
	if c := r.w.Cells(); c[0].Operator != "sfr" || c[0].RSRP != -70 {
		t.Fatalf("strongest cell after SetRSRP: %+v", c[0])
	}
	// Claim 5 ordering by signal: network selection now tries SFR first.
	r.w.Attach("460001234567890", emm.Selection{})
	if e := r.log.Kind("attach_attempt"); len(e) == 0 || e[0].Str("plmn") != "20810" {
		t.Fatalf("first attach attempt after SetRSRP: %v", e)
	}
	if e := r.log.Kind("signal_changed"); len(e) != 1 || e[0].Str("operator") != "sfr" || e[0].Str("area") != "FR-Paris" {
		t.Fatalf("signal_changed events: %v", e)
	}
	for _, tt := range []struct {
		area, op string
		rsrp     int
		want     string
	}{
		{"FR-Paris", "att", -90, `set rsrp: operator "att" has no cell in area "FR-Paris"`},
		{"Atlantis", "sfr", -90, `set rsrp: operator "sfr" has no cell in area "Atlantis"`},
		{"FR-Paris", "sfr", -141, "set rsrp: -141 dBm out of range -140..-44"},
		{"FR-Paris", "sfr", -43, "set rsrp: -43 dBm out of range -140..-44"},
	} {
		if err := r.w.SetRSRP(tt.area, tt.op, tt.rsrp); err == nil || err.Error() != tt.want {
			t.Errorf("SetRSRP(%s, %s, %d) = %v, want %s", tt.area, tt.op, tt.rsrp, err, tt.want)
		}
	}
	if n := len(r.log.Kind("signal_changed")); n != 1 {
		t.Errorf("%d signal_changed events after refused changes, want 1", n)
	}
}

func TestDetachAndArea(t *testing.T) {
	r := newRig(t, testConfig())
	if err := r.w.SetArea("Atlantis"); err == nil || !strings.Contains(err.Error(), `unknown area "Atlantis"`) {
		t.Fatalf("SetArea(Atlantis) = %v", err)
	}
	r.w.SetArea("CN-Beijing")
	if r.w.Area() != "CN-Beijing" {
		t.Fatal(r.w.Area())
	}
	r.w.Attach("460001234567890", emm.Selection{})
	r.w.Detach()
	r.w.Detach() // second detach: nothing attached, nothing logged
	if _, ok := r.w.Attached(); ok {
		t.Fatal("still attached after Detach")
	}
	if n := len(r.log.Kind("detach")); n != 1 {
		t.Fatalf("%d detach events, want 1", n)
	}
	if e := r.log.Kind("area_changed"); len(e) != 1 || e[0].Str("area") != "CN-Beijing" {
		t.Fatalf("area_changed events: %v", e)
	}
}

// TestDeadZone: out of coverage the device sees no cell, its registration
// ends without a detach (the network never heard from it), and an attach
// finds no service; back in coverage it attaches as before.
func TestDeadZone(t *testing.T) {
	r := newRig(t, testConfig())
	r.w.SetArea("CN-Beijing")
	if a := r.w.Attach("460001234567890", emm.Selection{}); !a.OK {
		t.Fatalf("attach before: %+v", a)
	}
	r.w.SetCoverage(false)
	if c := r.w.Cells(); len(c) != 0 {
		t.Fatalf("cells in a dead zone: %v", c)
	}
	if _, ok := r.w.Attached(); ok {
		t.Fatal("still attached in a dead zone")
	}
	if a := r.w.Attach("460001234567890", emm.Selection{}); a.OK || a.Stat != StatSearching {
		t.Fatalf("attach in a dead zone: %+v", a)
	}
	if n := len(r.log.Kind("detach")); n != 0 {
		t.Fatalf("%d detach events: the network heard nothing", n)
	}
	r.w.SetCoverage(true)
	if a := r.w.Attach("460001234567890", emm.Selection{}); !a.OK || a.PLMN != "46000" {
		t.Fatalf("attach after: %+v", a)
	}
}

// An operator's outage takes its cells away and leaves the others: the
// roamer loses Orange and, with no agreement with SFR, is denied there
// until Orange comes back.
func TestOutage(t *testing.T) {
	r := newRig(t, testConfig())
	r.w.SetArea("FR-Paris")
	const roamer = "460001234567890"
	if a := r.w.Attach(roamer, emm.Selection{}); !a.OK || a.Network != "orange-fr" {
		t.Fatalf("attach before: %+v", a)
	}
	if dropped, err := r.w.SetOutage("orange-fr", true); err != nil || !dropped {
		t.Fatalf("Orange's outage: dropped %v, %v; want the device dropped", dropped, err)
	}
	if c := r.w.Cells(); len(c) != 1 || c[0].Operator != "sfr" {
		t.Fatalf("cells with Orange down: %v, want SFR's alone", c)
	}
	if _, ok := r.w.Attached(); ok {
		t.Fatal("still attached to a network that is down")
	}
	if a := r.w.Attach(roamer, emm.Selection{}); a.OK || a.Stat != StatDenied || a.Network != "sfr" {
		t.Fatalf("attach with Orange down: %+v, want SFR's denial", a)
	}
	// A second outage overlapping the first; each ends on its own.
	if dropped, err := r.w.SetOutage("sfr", true); err != nil || dropped {
		t.Fatalf("SFR's outage: dropped %v, %v; the device was on no network", dropped, err)
	}
	if c := r.w.Cells(); len(c) != 0 {
		t.Fatalf("cells with both down: %v", c)
	}
	if _, err := r.w.SetOutage("orange-fr", false); err != nil {
		t.Fatal(err)
	}
	if a := r.w.Attach(roamer, emm.Selection{}); !a.OK || a.Network != "orange-fr" {
		t.Fatalf("attach after Orange's outage: %+v", a)
	}
	// SFR's outage leaves the device on Orange alone.
	if _, err := r.w.SetOutage("sfr", false); err != nil {
		t.Fatal(err)
	}
	if a, ok := r.w.Attached(); !ok || a.Network != "orange-fr" {
		t.Fatalf("attached %+v, %v after SFR's outage ended", a, ok)
	}
	if _, err := r.w.SetOutage("nope", true); err == nil || err.Error() != `outage: unknown operator "nope"` {
		t.Fatalf("unknown operator: %v", err)
	}
}

func TestLookups(t *testing.T) {
	r := newRig(t, testConfig())
	for imsi, want := range map[string]string{
		"460001234567890": "46000", "310410123456789": "310410", "208101": "20810", "9999": "",
	} {
		if got, ok := r.w.HomePLMN(imsi); got != want || ok != (want != "") {
			t.Errorf("HomePLMN(%s) = %q, %v; want %q", imsi, got, ok, want)
		}
	}
	if o, ok := r.w.OperatorByPLMN("20810"); !ok || o.ID != "sfr" {
		t.Errorf("OperatorByPLMN(20810) = %+v, %v", o, ok)
	}
	if o, ok := r.w.Operator("orange-fr"); !ok || o.Tariff != 0.8 {
		t.Errorf("Operator(orange-fr) = %+v, %v", o, ok)
	}
	if _, ok := r.w.Operator("nope"); ok {
		t.Error("Operator(nope) found")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no operators", func(c *Config) { *c = Config{} }, "no operators"},
		{"missing id", func(c *Config) { c.Operators[0].ID = "" }, "operators[0]: missing id"},
		{"duplicate id", func(c *Config) { c.Operators[1].ID = "cmcc" }, `operators[1]: duplicate id "cmcc"`},
		{"bad plmn", func(c *Config) { c.Operators[2].PLMN = "2081" }, `operators[2] sfr: plmn "2081" is not 5 or 6 digits`},
		{"shared plmn", func(c *Config) { c.Operators[2].PLMN = "20801" }, "operators[2] sfr: plmn 20801 already belongs to orange-fr"},
		{"overlapping plmns", func(c *Config) { c.Operators[2].PLMN = "208011" }, "operators[2] sfr: plmn 208011 overlaps orange-fr's 20801: an IMSI would be a subscriber of both"},
		{"roaming home", func(c *Config) { c.Roaming[0].Home = "x" }, `roaming[0]: unknown home operator "x"`},
		{"roaming visited", func(c *Config) { c.Roaming[0].Visited = "x" }, `roaming[0]: unknown visited operator "x"`},
		{"cell operator", func(c *Config) { c.Cells[1].Operator = "x" }, `cells[1]: unknown operator "x"`},
		{"cell area", func(c *Config) { c.Cells[1].Area = "" }, "cells[1]: missing area"},
		{"cell plmn", func(c *Config) { c.Cells[1].PLMN = "46000" }, `cells[1]: plmn "46000" is not operator sfr's`},
		{"cell id", func(c *Config) { c.Cells[1].CellID = 1 << 28 }, "cells[1]: cell id 0x10000000 exceeds 28 bits"},
		{"fault operator", func(c *Config) { c.Faults = []Fault{{Operator: "x", Cause: 15}} }, `faults[0]: unknown operator "x"`},
		{"fault cause", func(c *Config) { c.Faults = []Fault{{Operator: "sfr"}} }, "faults[0]: EMM cause 0 out of 1..255"},
		{"no_service with cause", func(c *Config) { c.Faults = []Fault{{Operator: "sfr", Kind: NoService, Cause: 15}} }, "faults[0]: no_service fault carries EMM cause 15; only reject sends one"},
		{"timeout in a tracking area", func(c *Config) { c.Faults = []Fault{{Operator: "sfr", Kind: Timeout, TAC: 0x2001}} }, "faults[0]: timeout fault limited to TAC 0x2001; only a reject is"},
		{"fault kind", func(c *Config) { c.Faults = []Fault{{Operator: "sfr", Kind: 9}} }, "faults[0]: unknown kind FaultKind(9)"},
		{"fault attempt", func(c *Config) { c.Faults = []Fault{{Operator: "sfr", Attempt: -1, Cause: 15}} }, "faults[0]: attempt -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.edit(&cfg)
			_, err := New(cfg, clock.NewVirtual(clock.Epoch), nil)
			if err == nil || err.Error() != "world config: "+tt.want {
				t.Fatalf("New: %v, want %q", err, "world config: "+tt.want)
			}
		})
	}
}

// A fault limited to one operator's subscribers leaves roamers alone.
func TestFaultSubscriber(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	cfg := Config{
		Operators: []Operator{{ID: "cmcc", PLMN: "46000", Country: "CN"}, {ID: "sfr", PLMN: "20810", Country: "FR"}},
		Roaming:   []Agreement{{Home: "cmcc", Visited: "sfr"}},
		Cells:     []Cell{{Area: "FR", Operator: "sfr", RSRP: -90}},
		Faults:    []Fault{{Operator: "sfr", Subscriber: "sfr", Cause: 15}},
	}
	w, err := New(cfg, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetArea("FR"); err != nil {
		t.Fatal(err)
	}
	if a := w.Attach("460000000000019", emm.Selection{}); !a.OK || a.Registration != "roaming" {
		t.Errorf("roamer: %+v, want roaming", a)
	}
	if a := w.Attach("208100000000027", emm.Selection{}); a.OK || a.Cause != 15 {
		t.Errorf("own subscriber: %+v, want reject #15", a)
	}
}

// TestFaultWindowBounds: a fault's window is [from, until) on the world's
// clock, as the scenario's Fault.Active and the exploration's fault-scope
// invariant hold it: a fault of 1h..2h refuses an attach at 1h sharp and
// no longer at 2h sharp, not a step late at either edge.
func TestFaultWindowBounds(t *testing.T) {
	const from, until = time.Hour, 2 * time.Hour
	for _, tc := range []struct {
		at      time.Duration
		refused bool
	}{
		{from - time.Millisecond, false},
		{from, true},
		{until - time.Millisecond, true},
		{until, false},
	} {
		cfg := testConfig()
		cfg.Faults = []Fault{{Operator: "cmcc", Cause: 15, From: clock.Epoch.Add(from), Until: clock.Epoch.Add(until)}}
		r := newRig(t, cfg)
		if err := r.w.SetArea("CN-Beijing"); err != nil {
			t.Fatal(err)
		}
		if err := clock.NewLoop(r.clk).Advance(tc.at); err != nil {
			t.Fatal(err)
		}
		a := r.w.Attach("460001234567890", emm.Selection{})
		if got := !a.OK && a.Cause == 15; got != tc.refused {
			want := "home (the fault not in force)"
			if tc.refused {
				want = "denied with the fault's #15"
			}
			t.Errorf("attach at %v with a fault active %v..%v: %s (cause #%d), want %s", tc.at, from, until, a.Registration, a.Cause, want)
		}
	}
}

// TestAttachTo: manual selection (+COPS=1) tries the chosen network's
// cells alone — a weaker partner instead of the strongest, a visible
// network that refuses, an invisible one that is no service.
func TestAttachTo(t *testing.T) {
	r := newRig(t, testConfig())
	if err := r.w.SetArea("FR-Paris"); err != nil {
		t.Fatal(err)
	}
	const cmccSub = "460001234567890" // roams on Orange by signal
	if a := r.w.AttachTo(cmccSub, "20801"); !a.OK || a.PLMN != "20801" {
		t.Errorf("AttachTo Orange: %+v", a)
	}
	if a := r.w.AttachTo("208101234567890", "20801"); a.OK || a.Stat != StatDenied || a.PLMN != "20801" {
		t.Errorf("an SFR subscriber chosen onto Orange (no agreement): %+v", a)
	}
	if a := r.w.AttachTo(cmccSub, "26202"); a.OK || a.Stat != StatSearching {
		t.Errorf("AttachTo a network without a cell here: %+v", a)
	}
	if !strings.Contains(trace(r.log), `no_service{"area":"FR-Paris","operator":"cmcc"}`) {
		t.Errorf("no service not logged:\n%s", trace(r.log))
	}
	if _, ok := r.w.Attached(); ok {
		t.Error("still attached after a manual selection that found no cell")
	}
}

// TestRejectThatInvalidatesUSIM: after #3, #6, #7 or #8 from a network
// the UE takes its USIM as invalid and tries no other one (TS 24.301
// §5.5.1.2.5), so the denial and its cause are that network's, as after
// an abnormal cause such as #17 or #111, the modem's attach attempt
// counter's (§5.5.1.2.6 d); after #11, #13, #14 or #15 selection goes on
// to the next network (here a partner that takes the subscriber).
func TestRejectThatInvalidatesUSIM(t *testing.T) {
	for _, tc := range []struct {
		cause int
		stops bool
	}{{3, true}, {6, true}, {7, true}, {8, true}, {11, false}, {13, false}, {14, false}, {15, false}, {17, true}, {111, true}} {
		cfg := testConfig()
		cfg.Roaming = append(cfg.Roaming, Agreement{Home: "sfr", Visited: "orange-fr"})
		cfg.Faults = []Fault{{Operator: "sfr", Subscriber: "sfr", Cause: tc.cause}}
		r := newRig(t, cfg)
		if err := r.w.SetArea("FR-Paris"); err != nil {
			t.Fatal(err)
		}
		a := r.w.Attach("208101234567890", emm.Selection{})
		if tc.stops && (a.OK || a.Cause != tc.cause || a.PLMN != "20810" || a.Stat != StatDenied) {
			t.Errorf("#%d: %+v, want denied by 20810 with #%d, no other network tried", tc.cause, a, tc.cause)
		}
		if !tc.stops && (!a.OK || a.PLMN != "20801") {
			t.Errorf("#%d: %+v, want roaming on 20801", tc.cause, a)
		}
	}
}

// TestAttachSkipsForbidden: automatic selection does not select a PLMN
// of the USIM's forbidden list (TS 23.122 §3.1, §4.4.3.1.1) — with only
// those in sight it tries none and camps on the strongest cell in limited
// service (§3.5) —, never skips the HPLMN for it, and a manual selection
// (AttachTo) may still try a forbidden PLMN. A PLMN of the ME's list of
// forbidden PLMNs for GPRS service (#14) is skipped too, the HPLMN as
// well: the subscriber's partner serves instead.
func TestAttachSkipsForbidden(t *testing.T) {
	cfg := testConfig()
	cfg.Roaming = append(cfg.Roaming, Agreement{Home: "sfr", Visited: "orange-fr"})
	cfg.Cells = append(cfg.Cells,
		Cell{Area: "FR-Lyon", Operator: "sfr", RSRP: -80},
		Cell{Area: "FR-Lyon", Operator: "orange-fr", RSRP: -95})
	const roamer, sfrSub = "460001234567890", "208101234567890"
	for _, tc := range []struct {
		name      string
		imsi      string
		forbidden []string
		eps       []string // forbidden PLMNs for GPRS service
		manual    string   // AttachTo this PLMN instead of Attach
		tried     []string
		reg       string // Registration
		plmn      string
		refused   []emm.Reject
	}{
		{"no forbidden list: SFR refuses, Orange takes the roamer", roamer, nil, nil, "", []string{"20810", "20801"}, "roaming", "20801", []emm.Reject{{PLMN: "20810", TAC: 0x1004, Cause: 11}}},
		{"SFR forbidden: Orange at once", roamer, []string{"20810"}, nil, "", []string{"20801"}, "roaming", "20801", nil},
		{"another country's network forbidden: as none", roamer, []string{"26202"}, nil, "", []string{"20810", "20801"}, "roaming", "20801", []emm.Reject{{PLMN: "20810", TAC: 0x1004, Cause: 11}}},
		{"every visible network forbidden: none tried, camped on the strongest", roamer, []string{"20801", "20810"}, nil, "", nil, "limited", "20810", nil},
		{"the HPLMN is never skipped", sfrSub, []string{"20810"}, nil, "", []string{"20810"}, "home", "20810", nil},
		{"a manual selection tries a forbidden network", roamer, []string{"20810"}, nil, "20810", []string{"20810"}, "denied", "20810", []emm.Reject{{PLMN: "20810", TAC: 0x1004, Cause: 11}}},
		{"SFR forbidden for EPS: Orange at once", roamer, nil, []string{"20810"}, "", []string{"20801"}, "roaming", "20801", nil},
		{"the HPLMN forbidden for EPS (#14): its partner at once", sfrSub, nil, []string{"20810"}, "", []string{"20801"}, "roaming", "20801", nil},
		{"every visible network forbidden, one for EPS: none tried", roamer, []string{"20801"}, []string{"20810"}, "", nil, "limited", "20810", nil},
		{"a manual selection tries a network forbidden for EPS", sfrSub, nil, []string{"20810"}, "20810", []string{"20810"}, "home", "20810", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, cfg)
			if err := r.w.SetArea("FR-Lyon"); err != nil {
				t.Fatal(err)
			}
			var a Attachment
			if tc.manual != "" {
				a = r.w.AttachTo(tc.imsi, tc.manual)
			} else {
				a = r.w.Attach(tc.imsi, emm.Selection{Forbidden: emm.Forbidden{PLMNs: tc.forbidden, EPS: tc.eps}})
			}
			tried := triedPLMNs(r)
			if !reflect.DeepEqual(tried, tc.tried) {
				t.Errorf("tried %v, want %v", tried, tc.tried)
			}
			if a.Registration != tc.reg || a.PLMN != tc.plmn {
				t.Errorf("attach: %s on %s, want %s on %s (%+v)", a.Registration, a.PLMN, tc.reg, tc.plmn, a)
			}
			if !reflect.DeepEqual(a.Refused, tc.refused) {
				t.Errorf("refused %v, want %v", a.Refused, tc.refused)
			}
			if tc.reg == "limited" && (a.Stat != StatSearching || a.Cell.PLMN != tc.plmn || a.Cell.RSRP != -80) {
				t.Errorf("limited service: %+v, want searching, camped on %s's -80 dBm cell", a, tc.plmn)
			}
		})
	}
}

// TestAttachForbiddenTAs: a cell of the ME's forbidden tracking areas
// (#12 regional provision of service, #13 and #15 roaming) is not
// suitable — the HPLMN's too; another area of the PLMN is — and a reject
// with one of those causes sends selection on as TS 24.301 §5.5.1.2.5
// has it: #12 and #15 to another tracking area of the same PLMN, then to
// the next PLMN; #13 to PLMN selection, the other PLMNs before the same
// one's other areas. Each area is tried once, on its strongest cell;
// another cause ends the PLMN.
func TestAttachForbiddenTAs(t *testing.T) {
	cfg := testConfig()
	cfg.Roaming = append(cfg.Roaming, Agreement{Home: "sfr", Visited: "orange-fr"})
	cfg.Cells = append(cfg.Cells,
		Cell{Area: "FR-Lille", Operator: "sfr", TAC: 0x2001, RSRP: -80},
		Cell{Area: "FR-Lille", Operator: "sfr", TAC: 0x2002, RSRP: -95},
		Cell{Area: "FR-Lille", Operator: "orange-fr", TAC: 0x3001, RSRP: -85},
		Cell{Area: "FR-Lille", Operator: "orange-fr", TAC: 0x3002, RSRP: -100},
		Cell{Area: "FR-Lille", Operator: "sfr", TAC: 0x2001, RSRP: -90}, // the same area again
	)
	const sfrSub = "208101234567890"
	sfr := func(tac uint16) emm.TAI { return emm.TAI{PLMN: "20810", TAC: tac} }
	orange := func(tac uint16) emm.TAI { return emm.TAI{PLMN: "20801", TAC: tac} }
	reject := func(op string, tac uint16, cause int) Fault {
		return Fault{Operator: op, TAC: tac, Cause: cause}
	}
	for _, tc := range []struct {
		name      string
		faults    []Fault
		forbidden emm.Forbidden
		manual    bool // AttachTo SFR
		tried     []string
		reg       string
		at        emm.TAI // the cell registered, denied or camped on
		refused   []emm.Reject
	}{
		{"nothing forbidden: the HPLMN's strongest area", nil, emm.Forbidden{}, false,
			[]string{"20810/2001"}, "home", sfr(0x2001), nil},
		{"#15: another area of the HPLMN", []Fault{reject("sfr", 0x2001, 15)}, emm.Forbidden{}, false,
			[]string{"20810/2001", "20810/2002"}, "home", sfr(0x2002), []emm.Reject{{PLMN: "20810", TAC: 0x2001, Cause: 15}}},
		{"#12: another area of the HPLMN", []Fault{reject("sfr", 0x2001, 12)}, emm.Forbidden{}, false,
			[]string{"20810/2001", "20810/2002"}, "home", sfr(0x2002), []emm.Reject{{PLMN: "20810", TAC: 0x2001, Cause: 12}}},
		{"#15 in every area of the HPLMN: the next PLMN", []Fault{reject("sfr", 0, 15)}, emm.Forbidden{}, false,
			[]string{"20810/2001", "20810/2002", "20801/3001"}, "roaming", orange(0x3001),
			[]emm.Reject{{PLMN: "20810", TAC: 0x2001, Cause: 15}, {PLMN: "20810", TAC: 0x2002, Cause: 15}}},
		{"#13: PLMN selection, the partner before the HPLMN's other area", []Fault{reject("sfr", 0x2001, 13)}, emm.Forbidden{}, false,
			[]string{"20810/2001", "20801/3001"}, "roaming", orange(0x3001), []emm.Reject{{PLMN: "20810", TAC: 0x2001, Cause: 13}}},
		{"#13 everywhere but one area: each PLMN's other areas after the other PLMN",
			[]Fault{reject("sfr", 0, 13), reject("orange-fr", 0x3001, 13)}, emm.Forbidden{}, false,
			[]string{"20810/2001", "20801/3001", "20810/2002", "20801/3002"}, "roaming", orange(0x3002),
			[]emm.Reject{{PLMN: "20810", TAC: 0x2001, Cause: 13}, {PLMN: "20801", TAC: 0x3001, Cause: 13}, {PLMN: "20810", TAC: 0x2002, Cause: 13}}},
		{"#11 ends the PLMN: no other area of it", []Fault{reject("sfr", 0x2001, 11)}, emm.Forbidden{}, false,
			[]string{"20810/2001", "20801/3001"}, "roaming", orange(0x3001), []emm.Reject{{PLMN: "20810", TAC: 0x2001, Cause: 11}}},
		// An abnormal cause is the modem's attach attempt counter's (TS
		// 24.301 §5.5.1.2.6 d): the selection stops there, as at a timeout.
		{"#17 stops the selection on the PLMN", []Fault{reject("sfr", 0x2001, 17)}, emm.Forbidden{}, false,
			[]string{"20810/2001"}, "denied", sfr(0x2001), []emm.Reject{{PLMN: "20810", TAC: 0x2001, Cause: 17}}},
		{"#95 stops the selection on the PLMN", []Fault{reject("sfr", 0x2001, 95)}, emm.Forbidden{}, false,
			[]string{"20810/2001"}, "denied", sfr(0x2001), []emm.Reject{{PLMN: "20810", TAC: 0x2001, Cause: 95}}},
		{"an area forbidden for roaming: the HPLMN's other area", nil, emm.Forbidden{Roaming: []emm.TAI{sfr(0x2001)}}, false,
			[]string{"20810/2002"}, "home", sfr(0x2002), nil},
		{"the HPLMN's areas forbidden, one of each list: the partner", nil,
			emm.Forbidden{Regional: []emm.TAI{sfr(0x2001)}, Roaming: []emm.TAI{sfr(0x2002)}}, false,
			[]string{"20801/3001"}, "roaming", orange(0x3001), nil},
		{"every area forbidden: none tried, camped on the strongest", nil,
			emm.Forbidden{Regional: []emm.TAI{sfr(0x2001)}, Roaming: []emm.TAI{sfr(0x2002), orange(0x3001), orange(0x3002)}}, false,
			nil, "limited", sfr(0x2001), nil},
		{"an area forbidden for another PLMN's TAC: as none", nil, emm.Forbidden{Roaming: []emm.TAI{orange(0x2001)}}, false,
			[]string{"20810/2001"}, "home", sfr(0x2001), nil},
		{"a manual selection tries the forbidden area", nil, emm.Forbidden{Roaming: []emm.TAI{sfr(0x2001)}}, true,
			[]string{"20810/2001"}, "home", sfr(0x2001), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfg
			cfg.Faults = tc.faults
			r := newRig(t, cfg)
			if err := r.w.SetArea("FR-Lille"); err != nil {
				t.Fatal(err)
			}
			var a Attachment
			if tc.manual {
				a = r.w.AttachTo(sfrSub, "20810")
			} else {
				a = r.w.Attach(sfrSub, emm.Selection{Forbidden: tc.forbidden})
			}
			var tried []string
			for _, e := range r.log.Events() {
				if e.Kind == KindAttachAttempt {
					tac, _ := e.Int("tac")
					tried = append(tried, fmt.Sprintf("%s/%x", e.Str("plmn"), tac))
				}
			}
			if !reflect.DeepEqual(tried, tc.tried) {
				t.Errorf("tried %v, want %v", tried, tc.tried)
			}
			if a.Registration != tc.reg || a.Cell.TAI() != tc.at {
				t.Errorf("attach: %s in %v, want %s in %v (%+v)", a.Registration, a.Cell.TAI(), tc.reg, tc.at, a)
			}
			if !reflect.DeepEqual(a.Refused, tc.refused) {
				t.Errorf("refused %v, want %v", a.Refused, tc.refused)
			}
		})
	}
}

// triedPLMNs are the PLMNs of the world's attach_attempt events, in order.
func triedPLMNs(r rig) []string {
	var tried []string
	for _, e := range r.log.Events() {
		if e.Kind == KindAttachAttempt {
			tried = append(tried, e.Str("plmn"))
		}
	}
	return tried
}

// TestAttachSelectionOrder: automatic selection tries the visible PLMNs
// in TS 23.122 §4.4.3.1's order — the RPLMN, the HPLMN, EF PLMNwAcT's,
// EF OPLMNwAcT's, then the others by signal — the forbidden ones left
// out wherever they stand, a reject moving on to the next.
func TestAttachSelectionOrder(t *testing.T) {
	cfg := testConfig()
	cfg.Operators = append(cfg.Operators,
		Operator{ID: "dt", PLMN: "26201", Country: "DE"},
		Operator{ID: "vodafone-de", PLMN: "26202", Country: "DE"},
		Operator{ID: "o2-de", PLMN: "26203", Country: "DE"})
	cfg.Roaming = append(cfg.Roaming,
		Agreement{Home: "cmcc", Visited: "dt"}, Agreement{Home: "cmcc", Visited: "vodafone-de"}, Agreement{Home: "cmcc", Visited: "o2-de"})
	cfg.Cells = append(cfg.Cells,
		Cell{Area: "DE-Berlin", Operator: "dt", RSRP: -80},
		Cell{Area: "DE-Berlin", Operator: "vodafone-de", RSRP: -95},
		Cell{Area: "DE-Berlin", Operator: "o2-de", RSRP: -112},
		Cell{Area: "DE-Berlin", Operator: "sfr", RSRP: -70}, // no agreement with cmcc
		Cell{Area: "DE-Berlin", Operator: "cmcc", RSRP: -120})
	const roamer = "460001234567890"
	for _, tc := range []struct {
		name   string
		sel    emm.Selection
		faults []Fault
		tried  []string
		plmn   string
	}{
		{"no lists: the HPLMN first however weak", emm.Selection{},
			nil, []string{"46000"}, "46000"},
		{"the RPLMN before the HPLMN", emm.Selection{RPLMN: "26203"},
			nil, []string{"26203"}, "26203"},
		{"the HPLMN refusing: the others by signal", emm.Selection{},
			[]Fault{{Operator: "cmcc", Cause: 11}}, []string{"46000", "20810", "26201"}, "26201"},
		{"the operator list steers to a weaker partner", emm.Selection{Operator: []string{"46000", "26203"}},
			[]Fault{{Operator: "cmcc", Cause: 11}}, []string{"46000", "26203"}, "26203"},
		{"the operator list in its order, not by signal", emm.Selection{Operator: []string{"26203", "26202"}},
			[]Fault{{Operator: "cmcc", Cause: 11}, {Operator: "o2-de", Cause: 11}}, []string{"46000", "26203", "26202"}, "26202"},
		{"the user list before the operator list", emm.Selection{User: []string{"26202"}, Operator: []string{"26203"}},
			[]Fault{{Operator: "cmcc", Cause: 11}}, []string{"46000", "26202"}, "26202"},
		{"a listed network not in sight: the next entry", emm.Selection{Operator: []string{"23410", "26203"}},
			[]Fault{{Operator: "cmcc", Cause: 11}}, []string{"46000", "26203"}, "26203"},
		{"a listed network forbidden: left out", emm.Selection{Forbidden: emm.Forbidden{PLMNs: []string{"26203"}}, Operator: []string{"26203", "26202"}},
			[]Fault{{Operator: "cmcc", Cause: 11}}, []string{"46000", "26202"}, "26202"},
		{"the RPLMN forbidden: left out", emm.Selection{Forbidden: emm.Forbidden{PLMNs: []string{"26203"}}, RPLMN: "26203"},
			nil, []string{"46000"}, "46000"},
		{"the RPLMN not in sight: the HPLMN", emm.Selection{RPLMN: "20801"},
			nil, []string{"46000"}, "46000"},
		{"the RPLMN refusing: the usual order after it", emm.Selection{RPLMN: "26202", Operator: []string{"26203"}},
			[]Fault{{Operator: "vodafone-de", Cause: 11}}, []string{"26202", "46000"}, "46000"},
		{"the search on a VPLMN: a higher entry of its country first", emm.Selection{Search: true, RPLMN: "26203", Operator: []string{"26202", "26203"}},
			nil, []string{"26202"}, "26202"},
		{"the search, the higher one refusing: back on the VPLMN, not the strongest", emm.Selection{Search: true, RPLMN: "26203", Operator: []string{"26202", "26203"}},
			[]Fault{{Operator: "vodafone-de", Cause: 11}}, []string{"26202", "26203"}, "26203"},
		// TS 23.122 §4.4.3.3.1 f: the search's attempts are the VPLMN's
		// country's; China Mobile's cell in Berlin goes with the rest.
		{"the search: another country's HPLMN not before the VPLMN", emm.Selection{Search: true, RPLMN: "26203"},
			[]Fault{{Operator: "o2-de", Cause: 11}}, []string{"26203", "20810", "26201"}, "26201"},
		{"after the lists, the rest by signal", emm.Selection{Operator: []string{"26203"}},
			[]Fault{{Operator: "cmcc", Cause: 11}, {Operator: "o2-de", Cause: 11}}, []string{"46000", "26203", "20810", "26201"}, "26201"},
		// The modem's attach attempt counter (TS 24.301 §5.5.1.2.6).
		{"a T3411 restart: that PLMN alone", emm.Selection{Only: "26202"},
			nil, []string{"26202"}, "26202"},
		{"a T3411 restart: that PLMN's order among its areas, nothing else", emm.Selection{Only: "26201", RPLMN: "26202"},
			nil, []string{"26201"}, "26201"},
		{"past a PLMN whose attempts ran out: the next in order", emm.Selection{Failed: []string{"46000"}},
			nil, []string{"20810", "26201"}, "26201"},
		{"past the RPLMN and the HPLMN run out: the lists", emm.Selection{RPLMN: "26202", Failed: []string{"26202", "46000"}, Operator: []string{"26203"}},
			nil, []string{"26203"}, "26203"},
		{"the search past the silent higher one: back on the VPLMN", emm.Selection{Search: true, RPLMN: "26203", Operator: []string{"26202", "26203"}, Failed: []string{"26202"}},
			nil, []string{"26203"}, "26203"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfg
			cfg.Faults = tc.faults
			r := newRig(t, cfg)
			if err := r.w.SetArea("DE-Berlin"); err != nil {
				t.Fatal(err)
			}
			a := r.w.Attach(roamer, tc.sel)
			tried := triedPLMNs(r)
			if !reflect.DeepEqual(tried, tc.tried) {
				t.Errorf("tried %v, want %v", tried, tc.tried)
			}
			if !a.OK || a.PLMN != tc.plmn {
				t.Errorf("attach: %s on %s, want registered on %s (%+v)", a.Registration, a.PLMN, tc.plmn, a)
			}
		})
	}
}

// TestEHPLMNs: an operator's equivalent home PLMNs (TS 23.122 §1.2) are
// its networks: cells of each, its subscribers at home on any of them
// (+CEREG stat 1), automatic selection preferring EF EHPLMN's order over
// signal (§4.4.3.1.1 i), and the lookups name the operator by any.
func TestEHPLMNs(t *testing.T) {
	cfg := Config{
		Operators: []Operator{
			{ID: "cmcc", PLMN: "46000", Country: "CN", EHPLMNs: []string{"46002", "46007"}},
			{ID: "cucc", PLMN: "46001", Country: "CN"},
		},
		Roaming: []Agreement{{Home: "cmcc", Visited: "cucc"}},
		Cells: []Cell{
			{Area: "CN-Guangzhou", Operator: "cmcc", PLMN: "46007", RSRP: -95},
			{Area: "CN-Guangzhou", Operator: "cmcc", PLMN: "46002", RSRP: -100},
			{Area: "CN-Guangzhou", Operator: "cucc", RSRP: -70},
		},
	}
	const sub = "460001234567890"
	for _, tc := range []struct {
		name    string
		sel     emm.Selection
		tried   []string
		plmn    string
		stat    int
		regText string
	}{
		{"EF EHPLMN's highest priority available first", emm.Selection{EHPLMNs: []string{"46000", "46002", "46007"}}, []string{"46002"}, "46002", StatHome, "home"},
		{"EF EHPLMN's order, not signal", emm.Selection{EHPLMNs: []string{"46007", "46002"}}, []string{"46007"}, "46007", StatHome, "home"},
		// No list: the HPLMN alone is home's step; 46000 has no cell
		// here, so selection goes by signal, and a cell of 46007 is
		// still the operator's: home.
		{"no EF EHPLMN: by signal, the operator's other PLMN still home", emm.Selection{}, []string{"46001"}, "46001", StatRoaming, "roaming"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, cfg)
			if err := r.w.SetArea("CN-Guangzhou"); err != nil {
				t.Fatal(err)
			}
			a := r.w.Attach(sub, tc.sel)
			if tried := triedPLMNs(r); !reflect.DeepEqual(tried, tc.tried) {
				t.Errorf("tried %v, want %v", tried, tc.tried)
			}
			if !a.OK || a.PLMN != tc.plmn || a.Stat != tc.stat || a.Registration != tc.regText || a.Network != "cmcc" && tc.stat == StatHome {
				t.Errorf("attach %+v, want %s on %s (stat %d)", a, tc.regText, tc.plmn, tc.stat)
			}
		})
	}
	r := newRig(t, cfg)
	r.w.SetArea("CN-Guangzhou")
	if a := r.w.AttachTo(sub, "46007"); !a.OK || a.Stat != StatHome {
		t.Errorf("manual selection of 46007: %+v, want home", a)
	}
	if o, ok := r.w.OperatorByPLMN("46007"); !ok || o.ID != "cmcc" {
		t.Errorf("OperatorByPLMN(46007) = %+v, %v; want cmcc", o, ok)
	}
	if h, _ := r.w.HomePLMN(sub); h != "46000" {
		t.Errorf("HomePLMN = %s, want the IMSI's 46000", h)
	}
}

func TestEHPLMNConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"bad code", func(c *Config) { c.Operators[0].EHPLMNs = []string{"4600"} }, `ehplmn "4600" is not 5 or 6 digits`},
		{"twice", func(c *Config) { c.Operators[0].EHPLMNs = []string{"46002", "46002"} }, "ehplmn 46002 already belongs to cmcc"},
		{"its own plmn", func(c *Config) { c.Operators[0].EHPLMNs = []string{"46000"} }, "ehplmn 46000 already belongs to cmcc"},
		{"another operator's", func(c *Config) { c.Operators[1].EHPLMNs = []string{"46000"} }, "ehplmn 46000 already belongs to cmcc"},
		{"taken later as a plmn", func(c *Config) { c.Operators[0].EHPLMNs = []string{"20810"} }, "plmn 20810 already belongs to cmcc"},
		{"a cell on another operator's ehplmn", func(c *Config) {
			c.Operators[0].EHPLMNs = []string{"46007"}
			c.Cells = append(c.Cells, Cell{Area: "X", Operator: "sfr", PLMN: "46007", RSRP: -80})
		}, `plmn "46007" is not operator sfr's`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.mod(&cfg)
			_, err := New(cfg, clock.NewVirtual(clock.Epoch), eventlog.New(clock.NewVirtual(clock.Epoch).Now))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error with %q", err, tc.want)
			}
		})
	}
}
