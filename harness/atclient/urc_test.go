package atclient

import "testing"

// TestIsURCRegistration: a registration URC is told from the read answer
// of the same command, which has <n> first: by whether the second field
// is the quoted location or <stat>, and without a location by the field
// count. A denied
// registration's URC with its cause (<n> 3 or 5) was taken for the read
// answer while AT+CEREG? waited, and its lines ran together.
func TestIsURCRegistration(t *testing.T) {
	names := map[string]bool{"+CEREG": true, "+CGREG": true, "+CREG": true} // the command waiting
	for _, tc := range []struct {
		line string
		urc  bool
	}{
		{"+CEREG: 5", true},
		{`+CEREG: 5,"3a9b","0000c33d",7`, true},
		{`+CEREG: 3,"3a9b","0000c33d",7,0,15`, true},
		{`+CEREG: 1,"3a9b","0000c33d",7,,,"00100001","00000110"`, true}, // n=4: PSM timers
		{"+CEREG: 2,5", false},
		{`+CEREG: 2,5,"3a9b","0000c33d",7`, false},
		{`+CEREG: 3,3,"3a9b","0000c33d",7,0,15`, false},
		{`+CEREG: 4,1,"3a9b","0000c33d",7,,,"00100001","00000110"`, false},
		{`+CREG: 3,"3a9b","0000c33d",7,0,15`, true},
		{`+CREG: 3,3,"3a9b","0000c33d",7,0,15`, false},
		{`+CGREG: 3,"3a9b","0000c33d",7,,0,15`, true},
		{`+CGREG: 3,3,"3a9b","0000c33d",7,,0,15`, false},
		{`+CGREG: 2,1,"3a9b","0000c33d",7`, false},
		// A modem of 27.007 before Release 7: no <AcT>. Its read answer
		// has the four fields of another's URC with it.
		{`+CREG: 2,1,"0B5A","00C3F21E"`, false},
		{`+CREG: 1,"0B5A","00C3F21E"`, true},
		{`+CEREG: 3,"3a9b","0000c33d",,0,15`, true},
		{`+CEREG: 3,3,"3a9b","0000c33d",,0,15`, false},
	} {
		if got := isURC(tc.line, names); got != tc.urc {
			t.Errorf("isURC(%q) = %v, want %v", tc.line, got, tc.urc)
		}
	}
}
