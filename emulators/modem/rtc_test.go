package modem

import (
	"testing"
	"time"
)

// TestCCLK: +CCLK? is the virtual clock in UTC until the host sets it; a
// set time runs on with the virtual clock, in the zone given, across a
// +CFUN=1,1 restart, and a power cycle starts it again from the virtual
// clock. Bad times are +CME ERROR 50.
func TestCCLK(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 90*time.Second) // clock.Epoch is 2026-01-01 00:00 UTC
	r.exchanges(t, []exchange{
		{"AT+CCLK=?", "OK"},
		{"AT+CCLK?", `+CCLK: "26/01/01,00:01:30+00"|OK`},
		// 22:10 local at UTC+2 (8 quarters) is 20:10 UTC.
		{`AT+CCLK="94/05/06,22:10:00+08"`, "OK"},
		{"AT+CCLK?", `+CCLK: "94/05/06,22:10:00+08"|OK`},
	})
	r.advance(t, time.Hour+5*time.Second)
	r.exchanges(t, []exchange{
		{"AT+CCLK?", `+CCLK: "94/05/06,23:10:05+08"|OK`},
		// West of Greenwich, with half hours; across midnight and a
		// leap day; the zone may be left out.
		{`AT+CCLK="28/02/29,23:59:30-14"`, "OK"},
		{"AT+CCLK?", `+CCLK: "28/02/29,23:59:30-14"|OK`},
		{`AT+CCLK="00/01/01,00:00:00"`, "OK"},
		{"AT+CCLK?", `+CCLK: "00/01/01,00:00:00+00"|OK`},
		{`AT+CCLK="99/12/31,23:59:59+96"`, "OK"},
		{"AT+CCLK?", `+CCLK: "99/12/31,23:59:59+96"|OK`},
	})
	for _, bad := range []string{
		`AT+CCLK=`, `AT+CCLK=26/01/01,00:00:00+00`, `AT+CCLK="26/13/01,00:00:00+00"`,
		`AT+CCLK="26/02/30,00:00:00+00"`, `AT+CCLK="26/01/01,24:00:00+00"`, `AT+CCLK="26/01/01,00:00:00+97"`,
		`AT+CCLK="26/01/01,00:00:00*04"`, `AT+CCLK="26/01/01,00:00:00+4"`, `AT+CCLK="26/1/1,0:0:0"`,
		`AT+CCLK="26/01/01,00:00:00+0x"`, `AT+CCLK="",1`, `AT+CCLK="26/01/01,00:00:00+00",1`,
	} {
		r.exchanges(t, []exchange{{bad, "+CME ERROR: 50"}})
	}
	r.exchanges(t, []exchange{
		{"AT+CCLK?", `+CCLK: "99/12/31,23:59:59+96"|OK`}, // unchanged by the refusals
		{`AT+CCLK="26/06/15,12:00:00+04"`, "OK"},
	})
	r.restart(t)
	r.exchanges(t, []exchange{
		{"ATE0", "OK"},
		{"AT+CCLK?", `+CCLK: "26/06/15,12:01:00+04"|OK`}, // the RTC ran on through the restart
	})
	r.powerCycle(t)
	now := r.loop.Now().UTC().Format("06/01/02,15:04:05")
	r.exchanges(t, []exchange{{"ATE0", "OK"}, {"AT+CCLK?", `+CCLK: "` + now + `+00"|OK`}})
}
