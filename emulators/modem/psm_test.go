package modem

import (
	"testing"
	"time"
)

// TestPowerSaving: what NB-IoT and LTE-M firmware sets at bring-up —
// +CPSMS, +CEDRXS — is kept as requested (through a restart, as a module
// keeps it), and what the network grants says none: +CEDRXRDP 0, no
// timers in +CEREG with <n> 4.
func TestPowerSaving(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{
		{"AT+CPSMS?", "+CPSMS: 0,,,,|OK"},
		{"AT+CPSMS=?", `+CPSMS: (0-2),("00000000"-"11111111"),("00000000"-"11111111"),("00000000"-"11111111"),("00000000"-"11111111")|OK`},
		{`AT+CPSMS=1,,,"00100100","00000001"`, "OK"},
		{"AT+CPSMS?", `+CPSMS: 1,,,"00100100","00000001"|OK`},
		{"AT+CPSMS=0", "OK"},
		{"AT+CPSMS?", `+CPSMS: 0,,,"00100100","00000001"|OK`}, // off, the timers kept
		{`AT+CPSMS=1,,,"0010010","00000001"`, "+CME ERROR: 50"},
		{`AT+CPSMS=1,,,00100100`, "+CME ERROR: 50"},
		{"AT+CPSMS=3", "+CME ERROR: 50"},
		{"AT+CEDRXS=?", `+CEDRXS: (0-3),(4,5),("0000"-"1111")|OK`},
		{"AT+CEDRXS?", "OK"},
		{`AT+CEDRXS=1,5,"0101"`, "OK"},
		{`AT+CEDRXS=2,4`, "OK"},
		{"AT+CEDRXS?", `+CEDRXS: 4,"0000"|+CEDRXS: 5,"0101"|OK`},
		{"AT+CEDRXS=0,4;+CEDRXS?", `+CEDRXS: 5,"0101"|OK`},
		{`AT+CEDRXS=1,2,"0101"`, "+CME ERROR: 50"},
		{`AT+CEDRXS=1`, "+CME ERROR: 50"},
		{`AT+CEDRXS=1,5,"01010"`, "+CME ERROR: 50"},
		{"AT+CEDRXRDP", "+CEDRXRDP: 0|OK"},
		{"AT+CEREG=4;+CEREG?", `+CEREG: 4,5,"3a9b","0000c33d",7|OK`},
	})
	r.restart(t)
	r.exchanges(t, []exchange{
		{"ATE0", "OK"},
		{"AT+CPSMS?;+CEDRXS?", `+CPSMS: 0,,,"00100100","00000001"|+CEDRXS: 5,"0101"|OK`},
		{"AT+CPSMS=2;+CPSMS?", "+CPSMS: 0,,,,|OK"},
		{"AT+CEDRXS=3;+CEDRXS?", "OK"},
	})
}
