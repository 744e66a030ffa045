package field

import "testing"

// TestCSPSRegForms: +CREG's cause pair (TS 27.007 §7.2, n=3) and +CGREG's
// <rac> and cause pair (§10.1.20), as the emulated modem writes them
// itself, are 27.007's forms with the location in quoted hex: the facts
// read their stat and cell, and no location in a form of its own (which
// would mask every registration line's location in the replay). The
// reader took <AcT> alone after the location: +CREG's and +CGREG's n=3
// lines read as an odd location, a <rac> as no registration line.
func TestCSPSRegForms(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		stat      int
	}{
		{"+CREG n=3 URC", "> AT\n< OK\n< +CREG: 3,\"3a9b\",\"0000c33d\",7,0,15\n", 3},
		{"+CREG n=3 read", "> AT+CREG?\n< +CREG: 3,3,\"3a9b\",\"0000c33d\",7,0,15\n< OK\n", 3},
		{"+CREG n=3 URC, no <AcT>", "> AT\n< OK\n< +CREG: 3,\"3a9b\",\"0000c33d\",,0,15\n", 3},
		{"+CGREG n=3 URC", "> AT\n< OK\n< +CGREG: 3,\"3a9b\",\"0000c33d\",7,,0,15\n", 3},
		{"+CGREG n=3 read", "> AT+CGREG?\n< +CGREG: 3,3,\"3a9b\",\"0000c33d\",7,,0,15\n< OK\n", 3},
		{"+CGREG <rac>", "> AT+CGREG?\n< +CGREG: 2,1,\"3a9b\",\"0000c33d\",7,\"01\"\n< OK\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "forms", map[string]string{ManifestFile: orangePlain("forms", "generic"), "host.log": tc.log}), Options{})
			if len(p.Facts.Regs) != 1 || p.Facts.Regs[0].Stat != tc.stat || p.Facts.Regs[0].TAC != "3A9B" || p.Facts.Regs[0].CI != "0000C33D" {
				t.Errorf("registrations %+v, want one of stat %d at 3A9B/0000C33D", p.Facts.Regs, tc.stat)
			}
			if p.Facts.OddLocation != nil {
				t.Errorf("an odd location: %+v", *p.Facts.OddLocation)
			}
		})
	}
}
