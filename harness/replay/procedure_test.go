package replay

import "testing"

// T=0's procedure bytes in a recorded answer (ISO 7816-4 §5.6, TS 102 221
// §7.3.1.1.4): procedureOnly wants them alone (a GET RESPONSE that then
// goes out as recorded), announced takes them with data or not (what the
// next GET RESPONSE asks for); both read them with answerSW.
func TestProcedureBytes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lines  []string
		prefix string
		only   bool   // procedureOnly(lines)
		sw     uint16 // announced(lines, prefix); 0: none
	}{
		{"61xx alone", []string{`+CSIM: 4,"6138"`}, "+CSIM", true, 0x6138},
		{"6Cxx alone", []string{`+CGLA: 4,"6C15"`}, "+CGLA", true, 0x6C15},
		{"9000 alone", []string{`+CSIM: 4,"9000"`}, "+CSIM", false, 0},
		{"data and 61xx", []string{`+CSIM: 8,"BF2E6110"`}, "+CSIM", false, 0x6110},
		{"data and 9000", []string{`+CGLA: 8,"BF2E9000"`}, "+CGLA", false, 0},
		{"other prefix", []string{`+CGLA: 4,"6138"`}, "+CSIM", true, 0},
		{"lower-case name and hex", []string{`+csim: 4,"6c20"`}, "+CSIM", true, 0x6C20},
		{"after a URC", []string{"+CEREG: 1", `+CSIM: 4,"6120"`}, "+CSIM", true, 0x6120},
		// The first status word alone decides procedureOnly; announced
		// looks on for a procedure.
		{"9000 then 61xx", []string{`+CSIM: 4,"9000"`, `+CSIM: 4,"6120"`}, "+CSIM", false, 0x6120},
		{"not hex", []string{`+CSIM: 4,"61G0"`}, "+CSIM", false, 0},
		{"short", []string{`+CSIM: 2,"61"`}, "+CSIM", false, 0},
		{"none", nil, "+CSIM", false, 0},
	} {
		if got := procedureOnly(tc.lines); got != tc.only {
			t.Errorf("%s: procedureOnly = %v, want %v", tc.name, got, tc.only)
		}
		sw, ok := announced(tc.lines, tc.prefix)
		if sw != tc.sw || ok != (tc.sw != 0) {
			t.Errorf("%s: announced = %04X, %v, want %04X", tc.name, sw, ok, tc.sw)
		}
	}
}
