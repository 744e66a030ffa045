package field

import (
	"strings"
	"testing"
)

// TestParseReg: every form of a registration line the field logs have
// shown, in both forms, and malformed ones, which read as no line or as
// locBad, never a panic.
func TestParseReg(t *testing.T) {
	psm := `"11100000"`
	for _, tc := range []struct {
		text string
		read bool
		ok   bool
		want regLine // Name, Domain, Read and N -1 of a URC filled in below when ok
	}{
		// URC form.
		{`+CEREG: 1`, false, true, regLine{Stat: "1"}},
		{`+CEREG: 11`, false, true, regLine{Stat: "11"}}, // RLOS: two digits
		{`+CEREG: 5,"1A2B","01A2B3C4",7`, false, true, regLine{Stat: "5", Loc: locQuoted, TAC: "1A2B", CI: "01A2B3C4", AcT: "7"}},
		{`+CEREG: 1,"1a2b","01a2b3c4"`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "1a2b", CI: "01a2b3c4"}}, // no <AcT> (reg_no_act)
		{`+CEREG: 3,"1A2B","01A2B3C4",7,0,15`, false, true, regLine{Stat: "3", Loc: locQuoted, TAC: "1A2B", CI: "01A2B3C4", AcT: "7", CauseType: "0", Cause: "15"}},
		{`+CEREG: 3,"1A2B","01A2B3C4",,0,15`, false, true, regLine{Stat: "3", Loc: locQuoted, TAC: "1A2B", CI: "01A2B3C4", CauseType: "0", Cause: "15"}},
		{`+CEREG: 3,"1A2B","01A2B3C4",0,15`, false, true, regLine{Stat: "3", Loc: locQuoted, TAC: "1A2B", CI: "01A2B3C4", CauseType: "0", Cause: "15"}}, // before Release 7: no <AcT> field
		{`+CEREG: 1,"0A2B","01A2B3C4",7,,,` + psm + `,"00000110"`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "0A2B", CI: "01A2B3C4", AcT: "7", PSM: true, Active: "11100000", TAU: "00000110"}},
		{`+CEREG: 1,"0A2B","01A2B3C4",,,` + psm + `,""`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "0A2B", CI: "01A2B3C4", PSM: true, Active: "11100000"}},
		// A timer left out altogether (27.007's [<Active-Time>]): a
		// network that gives no T3324 (v301).
		{`+CEREG: 1,"0A2B","01A2B3C4",7,,,,"00000110"`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "0A2B", CI: "01A2B3C4", AcT: "7", PSM: true, TAU: "00000110"}},
		{`+CEREG: 1,"0A2B","01A2B3C4",7,,,,`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "0A2B", CI: "01A2B3C4", AcT: "7"}},
		{`+CEREG: 1,"0A2B","01A2B3C4",7,,,"1110000x",""`, false, true, regLine{Stat: "1", Loc: locBad}}, // no bit string
		{`+CEREG: 2,,,,,,,,`, false, true, regLine{Stat: "2", Loc: locEmpty}},                           // a SARA-R4 without a cell, n=4
		{`+CEREG: 2,,`, false, true, regLine{Stat: "2", Loc: locEmpty}},
		{`+CEREG: 2,,,,,,"",""`, false, true, regLine{Stat: "2", Loc: locEmpty}},
		// The location as empty strings (27.007's string types): stat
		// given, no cell, in every domain (t296's left-alone).
		{`+CEREG: 2,"",""`, false, true, regLine{Stat: "2", Loc: locEmpty}},
		{`+CREG: 2,"",""`, false, true, regLine{Stat: "2", Loc: locEmpty}},
		{`+CGREG: 2,"","",,""`, false, true, regLine{Stat: "2", Loc: locEmpty}},
		{`+C5GREG: 0,"","",,,""`, false, true, regLine{Stat: "0", Loc: locEmpty}},
		{`+CEREG: 2,"",`, false, true, regLine{Stat: "2", Loc: locEmpty}},
		{`+CEREG: 2,"","x"`, false, true, regLine{Stat: "2", Loc: locBad}},
		{`+CEREG: 2,,x`, false, true, regLine{Stat: "2", Loc: locBad}},
		{`+CREG: 1,"0B5A","2BA7"`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "0B5A", CI: "2BA7"}}, // a GERAN cell's two-byte <ci>
		{`+CGREG: 5,"0B5A","00C3F21E",7`, false, true, regLine{Stat: "5", Loc: locQuoted, TAC: "0B5A", CI: "00C3F21E", AcT: "7"}},
		{`+CREG: 1,"0B5A","00C3F21E",`, false, true, regLine{Stat: "1", Loc: locOdd}},                                                             // <AcT>'s comma without it: not +CREG's form
		{`+CGREG: 1,"0B5A","00C3F21E",7,"01"`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "0B5A", CI: "00C3F21E", AcT: "7", RAC: "01"}}, // <rac>
		{`+CGREG: 3,"0B5A","00C3F21E",7,,0,15`, false, true, regLine{Stat: "3", Loc: locQuoted, TAC: "0B5A", CI: "00C3F21E", AcT: "7", CauseType: "0", Cause: "15"}},
		{`+CGREG: 1,"0B5A","00C3F21E",7,01`, false, true, regLine{Stat: "1", Loc: locOdd}}, // <rac> unquoted
		{`+CGREG: 1,"0B5A","00C3F21E",7,"0x"`, false, true, regLine{Stat: "1", Loc: locBad}},
		{`+CREG: 1,"0B5A","00C3F21E",7,"01"`, false, true, regLine{Stat: "1", Loc: locBad}},                                                                        // no <rac> in +CREG
		{`+CREG: 1,"0B5A","00C3F21E",7,0,15`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "0B5A", CI: "00C3F21E", AcT: "7", CauseType: "0", Cause: "15"}}, // n=3
		{`+CREG: 3,"0B5A","00C3F21E",,0,15`, false, true, regLine{Stat: "3", Loc: locQuoted, TAC: "0B5A", CI: "00C3F21E", CauseType: "0", Cause: "15"}},
		{`+CREG: 3,"0B5A","00C3F21E",7,,0,15`, false, true, regLine{Stat: "3", Loc: locOdd}}, // +CGREG's form: digits after a location
		{`+CREG: 1, 1A2B, 01A2B3C4`, false, true, regLine{Stat: "1", Loc: locOdd}},           // spaced, unquoted
		{`+CEREG: 5,2860,27306436,7`, false, true, regLine{Stat: "5", Loc: locOdd}},          // decimal
		{`+CEREG: 1,"1A2B" ,"01A2B3C4" , 7`, false, true, regLine{Stat: "1", Loc: locOdd}},
		{`+CEREG: 1,"1A2B,3`, false, true, regLine{Stat: "1", Loc: locOdd}}, // one-sided quotes are the odd form's too
		{`+CEREG: 1,1A2B,01A2B3C4,7 `, false, true, regLine{Stat: "1", Loc: locBad}},
		{`+CEREG: 1,1A2B,01A2B3C4, `, false, true, regLine{Stat: "1", Loc: locOdd}},
		{`+CEREG: 2,1,"1A2B","01A2B3C4"`, false, true, regLine{Stat: "2", Loc: locBad}}, // a read answer's form: no odd URC
		{`+CEREG: 2,1,2,3`, false, true, regLine{Stat: "2", Loc: locOdd}},               // not the read answer's 27.007 form
		{`+C5GREG: 1,"00A2B3","0000000123456789",11`, false, true, regLine{Stat: "1", Loc: locQuoted, TAC: "00A2B3", CI: "0000000123456789", AcT: "11"}},
		{`+C5GREG: 1,1A2B,3C4D`, false, true, regLine{Stat: "1", Loc: locBad}}, // no odd form in 5GS
		{`+CEREG: 1,2`, false, true, regLine{Stat: "1", Loc: locBad}},
		{`+CEREG: 1,"12`, false, true, regLine{Stat: "1", Loc: locBad}}, // unclosed quote
		{`+CEREG: 1,"12"`, false, true, regLine{Stat: "1", Loc: locBad}},
		{`+CEREG: 2,"1A2B"`, false, true, regLine{Stat: "2", Loc: locBad}},
		// Read form.
		{`+CEREG: 0,2`, true, true, regLine{N: 0, Stat: "2"}},
		{`+CEREG: 2,1,"1A2B","01A2B3C4",7`, true, true, regLine{N: 2, Stat: "1", Loc: locQuoted, TAC: "1A2B", CI: "01A2B3C4", AcT: "7"}},
		{`+CEREG: 5,1,"0A2B","01A2B3C4",7,,,` + psm + `,"00000110"`, true, true, regLine{N: 5, Stat: "1", Loc: locQuoted, TAC: "0A2B", CI: "01A2B3C4", AcT: "7", PSM: true, Active: "11100000", TAU: "00000110"}},
		{`+CEREG: 4,2,,,,,,,`, true, true, regLine{N: 4, Stat: "2", Loc: locEmpty}},
		{`+CEREG: 2,2,"",""`, true, true, regLine{N: 2, Stat: "2", Loc: locEmpty}},
		{`+CREG: 2,0,"",""`, true, true, regLine{N: 2, Stat: "0", Loc: locEmpty}},
		{`+CGREG: 2,4,"",""`, true, true, regLine{N: 2, Stat: "4", Loc: locEmpty}},
		{`+C5GREG: 2,2,"",""`, true, true, regLine{N: 2, Stat: "2", Loc: locEmpty}},
		{`+CGREG: 2,1,"0B5A","2BA7",0`, true, true, regLine{N: 2, Stat: "1", Loc: locQuoted, TAC: "0B5A", CI: "2BA7", AcT: "0"}},
		{`+CREG: 2,1,0B5A,2BA7`, true, true, regLine{N: 2, Stat: "1", Loc: locOdd}},
		{`+CEREG: 2,1,"1A2B", 01A2B3C4,7`, true, true, regLine{N: 2, Stat: "1", Loc: locOdd}},
		{`+CEREG: 2,10`, true, true, regLine{N: 2, Stat: "10"}},
		// No registration line of the form.
		{`+CEREG: 1`, true, false, regLine{}},    // no <stat> after <n>
		{`+CEREG: 12,1`, true, false, regLine{}}, // <n> is one digit
		{`+CEREG: 123`, false, false, regLine{}},
		{`+CEREG: `, false, false, regLine{}},
		{`+CEREG: `, true, false, regLine{}},
		{`+CEREG:`, false, false, regLine{}},
		{`+CEREG:1`, false, false, regLine{}},
		{`+CEREG: x`, false, false, regLine{}},
		{`+CEREG: x,1`, true, false, regLine{}},
		{`+CEREG:  1`, false, false, regLine{}},
		{`+CEREG: 1 `, false, false, regLine{}},
		{`+CEREG: ,1`, false, false, regLine{}},
		{`+CXREG: 1`, false, false, regLine{}},
		{`CEREG: 1`, false, false, regLine{}},
		{`+CEREG: ١`, false, false, regLine{}}, // no ASCII digit
		{``, false, false, regLine{}},
	} {
		got, ok := parseReg(tc.text, tc.read)
		want := tc.want
		if tc.ok {
			want.Name = regName(tc.text)
			want.Domain = map[string]regDomain{"+CEREG": regEPS, "+CREG": regCS, "+CGREG": regPS, "+C5GREG": reg5GS}[want.Name]
			want.Read = tc.read
			if !tc.read {
				want.N = -1
			}
			_, want.Rest, _ = strings.Cut(tc.text, ": ")
			if tc.read {
				want.Rest = want.Rest[2:]
			}
			want.Rest = want.Rest[len(want.Stat):]
		}
		if ok != tc.ok || got != want {
			t.Errorf("parseReg(%q, read %v) = %+v, %v; want %+v, %v", tc.text, tc.read, got, ok, want, tc.ok)
		}
	}
}

// TestParseRegLong: a line of many fields reads as one of its form's,
// whatever their number, in the time of one pass.
func TestParseRegLong(t *testing.T) {
	for _, tc := range []struct {
		text string
		loc  regLoc
	}{
		{"+CEREG: 1" + strings.Repeat(",1", 300), locOdd}, // digits: the odd form has no end to them
		{"+CEREG: 1" + strings.Repeat(`,"1"`, 300), locBad},
		{"+CEREG: 2" + strings.Repeat(",", 300), locEmpty},
		{"+CEREG: 1" + strings.Repeat(",x", 300), locBad},
	} {
		for _, read := range []bool{false, true} {
			text := tc.text
			if read {
				text = strings.Replace(text, ": ", ": 2,", 1)
			}
			r, ok := parseReg(text, read)
			if loc := tc.loc; !ok || r.Loc != loc {
				t.Errorf("parseReg(%.30q…, read %v) = Loc %v, %v; want %v", text, read, r.Loc, ok, loc)
			}
		}
	}
}

// FuzzParseReg: whatever the line, the reader answers without a panic,
// and what it reads is what the line says: <stat> and the rest are the
// line's own text, a location read from quotes is hex.
func FuzzParseReg(f *testing.F) {
	for _, s := range []string{
		`+CEREG: 1,"0A2B","01A2B3C4",7,,,"11100000","11100000"`, `+CEREG: 2,,,,,,,,`, `+CREG: 1, 1A2B, 01A2B3C4`,
		`+CEREG: 3,"1A2B","01A2B3C4",7,0,15`, `+CGREG: 2,1,"0B5A","2BA7",0`, `+C5GREG: 1`, `+CEREG: 1,"12`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, read bool) {
		r, ok := parseReg(text, read)
		if !ok {
			if r != (regLine{}) {
				t.Fatalf("parseReg(%q) not ok, gave %+v", text, r)
			}
			return
		}
		if !strings.HasPrefix(text, r.Name+": ") || !strings.HasSuffix(text, r.Stat+r.Rest) || r.Read != read || (r.N >= 0) != read {
			t.Fatalf("parseReg(%q) = %+v: not the line's own text", text, r)
		}
		if (r.Loc == locQuoted) != (r.TAC != "") || r.Loc == locQuoted && (!hexDigits(r.TAC) || !hexDigits(r.CI) || r.CI == "") {
			t.Fatalf("parseReg(%q) = %+v: a location not of the quoted form", text, r)
		}
		if r.PSM && r.Domain != regEPS {
			t.Fatalf("parseReg(%q) = %+v: PSM timers out of +CEREG", text, r)
		}
	})
}
