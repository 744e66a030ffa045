package fieldlog

import (
	"slices"
	"strings"
	"testing"
)

func TestOverCGLA(t *testing.T) {
	const (
		txEID  = "[DEBUG] [APDU] [TX] CLA: 81, INS: E2, P1: 91, P2: 00, Lc: 06, Data: BF3E035C015A\n"
		rxEID  = "[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF3E125A1089049032123451234512345678901235\n"
		json   = `{"type":"progress","payload":{"code":0,"message":"es10c_get_profiles_info","data":null}}` + "\n"
		txCh2  = "[DEBUG] [APDU] [TX] CLA: 82, INS: E2, P1: 91, P2: 00, Lc: 03, Data: BF2D00\n"
		rxErr  = "[DEBUG] [APDU] [RX] SW1: 6A, SW2: 88, Data:\n"
		txBase = "[DEBUG] [APDU] [TX] CLA: 80, INS: E2, P1: 91, P2: 00, Lc: 06, Data: BF3E035C015A\n"
	)
	for _, tc := range []struct {
		name, log string
		ok        bool
		channels  []int
		want      []string // role, line and text of each entry
	}{
		{"get EID", txEID + rxEID + json, true, []int{1}, []string{
			`command 1 AT+CGLA=1,22,"81E2910006BF3E035C015A"`,
			`info 2 +CGLA: 46,"BF3E125A10890490321234512345123456789012359000"`,
			"final 2 OK",
			`note 3 {"type":"progress","payload":{"code":0,"message":"es10c_get_profiles_info","data":null}}`,
		}},
		{"two channels, an error status", txEID + rxEID + txCh2 + rxErr, true, []int{1, 2}, []string{
			`command 1 AT+CGLA=1,22,"81E2910006BF3E035C015A"`,
			`info 2 +CGLA: 46,"BF3E125A10890490321234512345123456789012359000"`,
			"final 2 OK",
			`command 3 AT+CGLA=2,16,"82E2910003BF2D00"`,
			`info 4 +CGLA: 4,"6A88"`,
			"final 4 OK",
		}},
		{"no response: the transport failed", txCh2 + json + txEID + rxEID, true, []int{1, 2}, []string{
			`command 1 AT+CGLA=2,16,"82E2910003BF2D00"`,
			`note 2 {"type":"progress","payload":{"code":0,"message":"es10c_get_profiles_info","data":null}}`,
			`command 3 AT+CGLA=1,22,"81E2910006BF3E035C015A"`,
			`info 4 +CGLA: 46,"BF3E125A10890490321234512345123456789012359000"`,
			"final 4 OK",
		}},
		{"basic channel: +CSIM", txBase + rxEID, true, nil, []string{
			`command 1 AT+CSIM=22,"80E2910006BF3E035C015A"`,
			`info 2 +CSIM: 46,"BF3E125A10890490321234512345123456789012359000"`,
			"final 2 OK",
		}},
		{"AT commands: as it is", "AT_DEBUG_TX(1.0): AT\nAT_DEBUG_RX(1.1): OK\n" + txEID + rxEID, false, nil, nil},
		{"only lpac's JSON", json, false, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("lpac.log", []byte(tc.log), LPAC)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Replayable() != (tc.ok || len(tr.Commands()) > 0) {
				t.Errorf("Replayable = %v", tr.Replayable())
			}
			out, channels, ok, err := OverCGLA(tr)
			if err != nil || ok != tc.ok {
				t.Fatalf("ok %v, err %v", ok, err)
			}
			if !ok {
				return
			}
			if !slices.Equal(channels, tc.channels) {
				t.Errorf("channels %v, want %v", channels, tc.channels)
			}
			var got []string
			for _, e := range out.Entries {
				got = append(got, strings.ToLower(e.Role.String())+" "+itoa(e.Line)+" "+e.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("entries\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			// The +CGLA lines carry their APDUs, decoded as an AT log's.
			if a := out.Entries[0].APDU; a == nil || a.ES10 == "" {
				t.Errorf("command's APDU %+v", a)
			}
		})
	}
}
