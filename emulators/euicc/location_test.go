package euicc

import (
	"fmt"
	"slices"
	"testing"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// TestServiceOfLocationStatus: the EVENT DOWNLOAD location status (TS 102
// 223 §8.27) as the applet takes it. Limited service is not no service: a
// profile the network refused camps in limited service, and the card
// judges that failure by it (tester t139 M41: nothing in this package
// tested the mapping).
func TestServiceOfLocationStatus(t *testing.T) {
	tests := []struct {
		status byte
		want   applet.Service
	}{
		{stk.LocNormal, applet.NormalService},
		{stk.LocLimited, applet.LimitedService},
		{stk.LocNone, applet.NoService},
		{0x03, applet.NoService}, // RFU: nothing to camp on
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%02x", tt.status), func(t *testing.T) {
			if got := serviceOf(tt.status); got != tt.want {
				t.Errorf("serviceOf(%02x) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}

// TestLocationCellsStrongestFirst: PROVIDE LOCAL INFORMATION's location
// then NMR answer one LocalInfo whose cells are the serving cell and the
// named neighbours, strongest first, whatever order the terminal gives
// them in (TS 31.111 sets none; the emulated terminal sorts them, a real
// modem in lab mode may not: tester t139 M39). The card reports each
// network by its first cell, so the order decides the RSRP it reports.
func TestLocationCellsStrongestFirst(t *testing.T) {
	type n = stk.Neighbour
	tests := []struct {
		name    string
		serving int
		nb      []stk.Neighbour
		want    []applet.Measurement
	}{
		{"neighbours strongest first already", -90, []n{{PLMN: "20810", RSRP: -80}, {PLMN: "20820", RSRP: -100}},
			[]applet.Measurement{{PLMN: "20810", RSRP: -80}, {PLMN: "20801", RSRP: -90}, {PLMN: "20820", RSRP: -100}}},
		{"neighbours weakest first", -90, []n{{PLMN: "20820", RSRP: -100}, {PLMN: "20810", RSRP: -80}},
			[]applet.Measurement{{PLMN: "20810", RSRP: -80}, {PLMN: "20801", RSRP: -90}, {PLMN: "20820", RSRP: -100}}},
		{"the serving cell weaker than another cell of its network", -110, []n{{PLMN: "20801", RSRP: -85}},
			[]applet.Measurement{{PLMN: "20801", RSRP: -85}, {PLMN: "20801", RSRP: -110}}},
		{"a neighbour without cgi-Info names no network", -90, []n{{RSRP: -70}, {PLMN: "20810", RSRP: -95}},
			[]applet.Measurement{{PLMN: "20801", RSRP: -90}, {PLMN: "20810", RSRP: -95}}},
		{"equal cells keep the terminal's order", -90, []n{{PLMN: "20820", RSRP: -90}, {PLMN: "20810", RSRP: -90}},
			[]applet.Measurement{{PLMN: "20801", RSRP: -90}, {PLMN: "20820", RSRP: -90}, {PLMN: "20810", RSRP: -90}}},
	}
	ok := stk.Result{General: stk.ResultOK}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &locationOp{}
			next, done, _ := o.response(stk.TerminalResponse{Result: ok, Location: &stk.LocationInfo{PLMN: "20801", TAC: 1, CellID: 2}})
			if next == nil || done {
				t.Fatalf("after the location: next %v, done %v; want the NMR asked", next, done)
			}
			_, done, ev := o.response(stk.TerminalResponse{Result: ok, NMR: &stk.MeasResults{MeasID: 1, ServingRSRP: tt.serving, Neighbours: tt.nb}})
			info, isInfo := ev.(applet.LocalInfo)
			if !done || !isInfo {
				t.Fatalf("after the NMR: done %v, event %#v", done, ev)
			}
			if !slices.Equal(info.Cells, tt.want) {
				t.Errorf("cells %v, want %v", info.Cells, tt.want)
			}
		})
	}
}
