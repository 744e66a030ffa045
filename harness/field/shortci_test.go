package field

import (
	"strings"
	"testing"
)

// TestShortCILimit: a +CREG or +CGREG line with a two-byte <ci>, a GERAN
// cell's 16-bit identity (TS 23.003 §4.3.1), always differs from the
// emulated modem's, which is E-UTRAN alone and writes eight hex digits:
// the plan names the line a limit, so the verdict says "known" there
// instead of a bare divergence. The first row is gammu issue 358's
// gammu-smsd log (trimmed: the AT+CREG? exchange), whose replay answered
// +CREG: 2,1,"006E","00002BA7". An eight-digit <ci>, and +CEREG's (E-UTRAN's
// by definition), are none.
func TestShortCILimit(t *testing.T) {
	const gammu358 = `Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: Getting network LAC and CID and state
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: SENDING frame type 0x00/length 0x09/9
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: 41A|54T|2B+|43C|52R|45E|47G|3F?|0D                              AT+CREG?.
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: 1 "AT+CREG?"
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: 2 "+CREG: 2,1,"006E","2BA7""
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: 3 "OK"
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: Checking line: OK
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: AT reply state: 1
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: RECEIVED frame type 0x00/length 0x2B/43
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: 41A|54T|2B+|43C|52R|45E|47G|3F?|0D |0D |0A |2B+|43C|52R|45E|47G AT+CREG?...+CREG
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: 3A:|20 |322|2C,|311|2C,|22"|300|300|366|45E|22"|2C,|22"|322|42B : 2,1,"006E","2B
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: 41A|377|22"|0D |0A |0D |0A |4FO|4BK|0D |0A                      A7"....OK..
Thu 2017/09/28 22:33:54 gammu-smsd[24173]: gammu: Network LAC & CID & state received
`
	const limit = `the field modem reports a two-byte <ci> "2BA7" in `
	for _, tc := range []struct {
		name, format string
		failure      string // the failure's line
		log          string
		want         string // the limit's start, "" for none
	}{
		{"gammu issue 358: +CREG? read", "gammu", "10", gammu358,
			`host.log:10: ` + limit + `+CREG: 2,1,"006E","2BA7", a GERAN cell's 16-bit identity (TS 23.003 §4.3.1; 27.007 §7.2's "two byte cell ID"), where the emulated modem, E-UTRAN alone, writes its cell's 28-bit E-UTRAN cell identity in eight hex digits ("00002BA7"): no personality or manifest field gives the emulated modem a GERAN cell`},
		{"URC, then the same again", "plain", "1", "< +CREG: 1,\"006E\",\"2BA7\"\n> AT+CREG?\n< +CREG: 2,1,\"006E\",\"2BA7\"\n< OK\n",
			`host.log:1: ` + limit + `+CREG: 1,"006E","2BA7"`},
		{"+CGREG read", "plain", "2", "> AT+CGREG?\n< +CGREG: 2,1,\"006E\",\"2BA7\"\n< OK\n", `host.log:2: ` + limit + `+CGREG: 2,1,"006E","2BA7"`},
		{"eight digits", "plain", "2", "> AT+CREG?\n< +CREG: 2,1,\"006E\",\"00002BA7\"\n< OK\n", ""},
		{"+CEREG: E-UTRAN's", "plain", "2", "> AT+CEREG?\n< +CEREG: 2,1,\"006E\",\"2BA7\"\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := strings.Replace(orangePlain("ci", "generic"), "format: plain", "format: "+tc.format, 1)
			m = strings.Replace(m, "line: 1,", "line: "+tc.failure+",", 1)
			f, err := Load(writeFixture(t, "ci", map[string]string{ManifestFile: m, "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range Texts(RATLimits(f)) {
				if strings.Contains(l, "<ci>") {
					got = append(got, l)
				}
			}
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("limits:\n%s\nwant none", strings.Join(got, "\n"))
			case tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.want)):
				t.Errorf("limits:\n%s\nwant one: %s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}
