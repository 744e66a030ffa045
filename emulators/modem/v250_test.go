package modem

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// ucs2OrangeF is "Orange F" as +CSCS="UCS2" sends it.
const ucs2OrangeF = "004F00720061006E0067006500200046"

// TestInitStrings: what hosts' init strings set — V.250's X, &C, &D and
// S-registers, +CSCS — answers as V.250 and 27.007 define it and is kept
// until ATZ or AT&F; what the modem does not model is refused, not
// pretended.
func TestInitStrings(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.advance(t, 2*time.Second) // attached
	r.exchanges(t, []exchange{
		// Init strings of ModemManager, TinyGSM and a dial-up script.
		{"ATE0V1", "OK"},
		{"ATX4&C1", "OK"},
		{"AT&FE0V1X1&C1&D2S0=0", "OK"},
		{"ATS0?;S3?;S4?;S7?", "000|013|010|050|OK"},
		{"ATS0=2;S0?", "002|OK"},
		{"ATS0=;S0?", "000|OK"},
		{"ATS0=?;S3=?", "(0-255)|(1-127)|OK"},
		{"ATS3=13", "OK"},
		{"ATS3=128", "ERROR"},
		{"ATS3=0", "ERROR"}, // NUL: V.250 allows it, no terminal types it
		{"ATS0=256", "ERROR"},
		{"ATS99?", "ERROR"},
		{"ATX5", "ERROR"},
		{"AT&C2", "ERROR"},
		{"AT&D3", "ERROR"},
		{"AT&D", "OK"},
		{"ATH", "OK"}, // no call to hang up
		{"ATH0E0", "OK"},
		{"ATH1", "ERROR"},
		// Character sets: the modem's strings are ASCII; in UCS2 the
		// operator's name goes as hex of UTF-16 ("Orange F" in the fake
		// network), the numeric form stays digits.
		{"AT+CMEE=1", "OK"},
		{"AT+CSCS=?", `+CSCS: ("IRA","GSM","UCS2")|OK`},
		{"AT+CSCS?", `+CSCS: "IRA"|OK`},
		{`AT+CSCS="gsm";+CSCS?`, `+CSCS: "GSM"|OK`},
		{`AT+CSCS="8859-1"`, "+CME ERROR: 4"},
		{"AT+CSCS=IRA", "+CME ERROR: 50"},
		{"AT+CSCS?", `+CSCS: "GSM"|OK`},
		{`AT+CSCS="UCS2";+COPS=3,0;+COPS?`, `+COPS: 0,0,"` + ucs2OrangeF + `",7|OK`},
		{"AT+COPS=3,2;+COPS?", `+COPS: 0,2,"20801",7|OK`},
		{`AT+CSCS="IRA";+COPS=3,0;+COPS?`, `+COPS: 0,0,"Orange F",7|OK`},
		// The fake card has no EF MSISDN (TestCNUM).
		{"AT+CNUM", "OK"},
		// ATZ restores the defaults.
		{"ATS0=5", "OK"},
		{"ATZ", "OK"},
		{"ATE0;S0?", "000|OK"},
		{"AT+CSCS?", `+CSCS: "IRA"|OK`},
	})
}

// TestStoredProfile: AT&W stores the init string's settings; ATZ, a
// +CFUN=1,1 restart and a power cycle load them, AT&F loads the factory's
// (echo on) and leaves what was stored.
func TestStoredProfile(t *testing.T) {
	r := newRig(t)
	echo := func(want bool) {
		t.Helper()
		var on bool
		r.loop.Do(func() { on = r.m.st.echo })
		if on != want {
			t.Errorf("echo %v, want %v", on, want)
		}
	}
	r.cmd(t, "ATE0")
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{
		{"AT+CMEE=1;S0=3;+CEREG=2;&W", "OK"},
		{"ATE1", "OK"},
		{"ATZ", "OK"},
	})
	echo(false) // the stored E0
	r.exchanges(t, []exchange{
		{"AT+CMEE?", "+CMEE: 1|OK"},
		{"ATS0?", "003|OK"},
		{"AT&F", "OK"},
	})
	echo(true) // the factory's
	r.exchanges(t, []exchange{
		{"AT+CMEE?", "+CMEE: 0|OK"},
		{"AT&W1", "ERROR"}, // one profile
		{"ATZ", "OK"},
	})
	r.restart(t)
	echo(false)
	r.exchanges(t, []exchange{{"AT+CMEE?;S0?;+CEREG?", `+CMEE: 1|003|+CEREG: 2,5,"3a9b","0000c33d",7|OK`}})
	r.powerCycle(t)
	echo(false)
	r.exchanges(t, []exchange{{"AT+CMEE?", "+CMEE: 1|OK"}})
}

// TestRebootForgetsUnstoredSettings: what the host set and did not store
// with AT&W is gone after a reset, +CFUN=1,1 (27.007 §8.2: the MT is
// reset) as after ATZ and a power cycle (V.250 §6.1.1): the registration
// URCs are off again (+CEREG's <n> 0, §10.1.22) and none comes with the
// re-attach. A restart that kept <n> passed every layer (TestStoredProfile
// covers only a stored one).
func TestRebootForgetsUnstoredSettings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reboot func(*rig, *testing.T)
	}{
		{"+CFUN=1,1", (*rig).restart},
		{"power cycle", (*rig).powerCycle},
		{"ATZ", func(r *rig, t *testing.T) { r.cmd(t, "ATZ") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.advance(t, 2*time.Second)
			r.exchanges(t, []exchange{{"AT+CEREG=2;+CMEE=1", "OK"}})
			tc.reboot(r, t)
			mark := len(r.atlog.String())
			r.advance(t, 5*time.Second) // the re-attach, if any
			if strings.Contains(r.atlog.String()[mark:], "< +CEREG:") {
				t.Errorf("+CEREG URCs after the reset: %q", r.atlog.String()[mark:])
			}
			r.exchanges(t, []exchange{{"AT+CEREG?;+CMEE?", "+CEREG: 0,5|+CMEE: 0|OK"}})
		})
	}
}

// TestCNUM: +CNUM reads EF MSISDN at each call, one line a record that
// holds a number, its type 145 when international and 129 otherwise; a
// card without the file, or with empty records, answers OK alone, and
// one whose record is not a number a SIM failure.
func TestCNUM(t *testing.T) {
	empty := strings.Repeat("FF", 28)
	rec := func(number string) string { return hex.EncodeToString(saip.MSISDN(number)) }
	tests := []struct {
		name    string
		records []string // nil: no EF MSISDN
		want    string
	}{
		{"no EF MSISDN", nil, "OK"},
		{"an empty record", []string{empty}, "OK"},
		{"international", []string{rec("+33612345678")}, `+CNUM: ,"+33612345678",145|OK`},
		{"national after an empty record", []string{empty, rec("0612345678")}, `+CNUM: ,"0612345678",129|OK`},
		{"two numbers", []string{rec("+8613800138000"), rec("+8613900139000")},
			`+CNUM: ,"+8613800138000",145|+CNUM: ,"+8613900139000",145|OK`},
		{"a record that is no number", []string{strings.Repeat("FF", 14) + "0C91" + strings.Repeat("11", 12)}, "+CME ERROR: 13"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			if tc.records != nil {
				var recs [][]byte
				for _, h := range tc.records {
					recs = append(recs, mustHex(h))
				}
				r.card.mu.Lock()
				r.card.records = map[uint16][][]byte{0x6F40: recs}
				r.card.mu.Unlock()
			}
			r.cmd(t, "ATE0")
			r.exchanges(t, []exchange{{"AT+CMEE=1", "OK"}, {"AT+CNUM=?", "OK"}, {"AT+CNUM", tc.want}, {"AT+CNUM?", "ERROR"}})
		})
	}
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.exchanges(t, []exchange{{"AT+CMEE=1;+CFUN=0", "OK"}, {"AT+CNUM", "+CME ERROR: 10"}})
}

// TestCOPSNameInTECharset: under +CSCS="UCS2" +COPS=1|4 reads the
// operator's name it is given in UCS2, as +COPS? and +COPS=? print it
// (27.007 §5.5, §7.3); a name that is no UCS2 is an incorrect parameter
// (50), not a network missing (30). The numeric form stays digits. t169
// F2.
func TestCOPSNameInTECharset(t *testing.T) {
	const ucs2Orange = "004F00720061006E00670065"
	tests := []struct {
		name    string
		charset string
		line    string
		want    string
	}{
		{"long name in UCS2", "UCS2", `AT+COPS=1,0,"` + ucs2OrangeF + `"`, "OK"},
		{"short name in UCS2, lower-case hex", "UCS2", `AT+COPS=1,1,"` + strings.ToLower(ucs2Orange) + `"`, "OK"},
		{"mode 4 by a UCS2 name", "UCS2", `AT+COPS=4,0,"` + ucs2OrangeF + `"`, "OK"},
		{"numeric stays digits", "UCS2", `AT+COPS=1,2,"20801"`, "OK"},
		{"a UCS2 name of no visible network", "UCS2", `AT+COPS=1,0,"00580059005A"`, "+CME ERROR: 30"},
		{"IRA text under UCS2", "UCS2", `AT+COPS=1,0,"Orange F"`, "+CME ERROR: 50"},
		{"not four digits a character", "UCS2", `AT+COPS=1,1,"004F007"`, "+CME ERROR: 50"},
		{"a lone surrogate", "UCS2", `AT+COPS=1,1,"D800004F"`, "+CME ERROR: 50"},
		{"mode 4 does not fall back on a name that is no UCS2", "UCS2", `AT+COPS=4,1,"Orange"`, "+CME ERROR: 50"},
		{"IRA takes the name as it is", "IRA", `AT+COPS=1,0,"Orange F"`, "OK"},
		{"IRA: hex is a name like any", "IRA", `AT+COPS=1,0,"` + ucs2OrangeF + `"`, "+CME ERROR: 30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0")
			r.advance(t, 2*time.Second) // attached to 20801
			r.exchanges(t, []exchange{
				{`AT+CMEE=1;+CSCS="` + tc.charset + `"`, "OK"},
				{tc.line, tc.want},
			})
		})
	}
}

// TestCOPSNamesOutsideASCII: an operator the world names with letters
// outside ASCII is written in the TE character set +CSCS chose (27.007
// §5.5), never as its UTF-8 bytes: under GSM as TS 23.038 default
// alphabet codes a byte each ('é' 05, '@' 00, '$' 02, '_' 11; '€' '['
// ']' as ESC 1B and the extension code), under IRA with '?' for what
// T.50 lacks, under UCS2 as UTF-16 hex; and the host's name in the same
// set selects that network, one that is no string of the set being an
// incorrect parameter (t185 F7).
func TestCOPSNamesOutsideASCII(t *testing.T) {
	const ucs2Telecom = "005400E9006C00E90063006F006D0020004C0069006200720065"
	const ucs2Quote = "00540065006C00650020002200320022" // Tele "2"
	tests := []struct {
		name, long, short string
		charset           string
		// read0 and read1 are the network's <oper> in +COPS? format 0
		// and 1, and in its +COPS=? entry.
		read0, read1 string
		// sel are the host's selections by name and the answers. The
		// command line takes printable ASCII alone (at.Splitter): a GSM
		// code below 0x20 ('é' 05, '@' 00, the escape 1B) or a UTF-8
		// byte cannot be sent as a byte, the line refused as any with a
		// control or 8-bit byte; it goes as a V.250 string constant's
		// escape, '\' and two hex digits (§5.4.2.2: "\05"), as '"' and
		// '\' must (\22, \5C). What is no string constant (a '\'
		// without two hex digits) or no string of the set is an
		// incorrect parameter (50).
		sel [][2]string
	}{
		{"ASCII under GSM", "Orange F", "Orange", "GSM", "Orange F", "Orange",
			[][2]string{{"1,0,Orange F", "OK"}}},
		{"accents under GSM", "Télécom Libre", "Türk", "GSM", "T\x05l\x05com Libre", "T\x7erk",
			[][2]string{{"1,1,T~rk", "OK"}, {"1,0,T\x05l\x05com Libre", "ERROR"}, {"1,0,Télécom Libre", "ERROR"}, {"1,0,T?l?com Libre", "+CME ERROR: 30"},
				{`1,0,T\05l\05com Libre`, "OK"}, {`1,1,T\7erk`, "OK"}}},
		{"@ $ _ under GSM", "a@b$c_d", "@", "GSM", "a\x00b\x02c\x11d", "\x00",
			[][2]string{{"1,0,a\x00b\x02c\x11d", "ERROR"}, {"1,0,a@b$c_d", "+CME ERROR: 30"}, {`1,0,a\00b\02c\11d`, "OK"}, {`1,1,\00`, "OK"}}},
		{"extension table under GSM", "Net€ [1]", "€", "GSM", "Net\x1b\x65 \x1b\x3c1\x1b\x3e", "\x1b\x65",
			[][2]string{{"1,0,Net\x1b\x65 \x1b\x3c1\x1b\x3e", "ERROR"}, {"1,0,Nete <1>", "+CME ERROR: 30"}, {`1,0,Net\1Be \1B<1\1B>`, "OK"}}},
		{"quote and backslash under IRA", `Tele "2"`, `a\b`, "IRA", `Tele \222\22`, `a\5Cb`,
			[][2]string{{`1,0,Tele \222\22`, "OK"}, {`1,1,a\5cb`, "OK"}, {`1,1,a\b`, "+CME ERROR: 50"}, {`1,0,Tele "2"`, "ERROR"}}},
		{"quote, backslash and Ö under GSM", `Tele "2"`, `Ö\`, "GSM", `Tele \222\22`, `\5C` + "\x1b/",
			[][2]string{{`1,0,Tele \222\22`, "OK"}, {`1,1,\5C\1B/`, "OK"}, {`1,1,\5C\1B`, "+CME ERROR: 50"}}},
		{"quote and backslash under UCS2", `Tele "2"`, `a\b`, "UCS2", ucs2Quote, "0061005C0062",
			[][2]string{{"1,0," + ucs2Quote, "OK"}, {"1,1,0061005C0062", "OK"}}},
		{"what GSM lacks", "中国移动", "Ελλάδα", "GSM", "????", "??????",
			[][2]string{{"1,0,????", "+CME ERROR: 30"}}},
		{"accents under IRA", "Télécom Libre", "Türk", "IRA", "T?l?com Libre", "T?rk",
			[][2]string{{"1,0,Télécom Libre", "ERROR"}, {"1,0,T?l?com Libre", "+CME ERROR: 30"}}},
		{"@ $ _ [ ] under IRA", "a@b$c_d[1]", "@", "IRA", "a@b$c_d[1]", "@",
			[][2]string{{"1,0,a@b$c_d[1]", "OK"}}},
		{"what IRA lacks", "中国移动", "€", "IRA", "????", "?", nil},
		{"accents under UCS2", "Télécom Libre", "Türk", "UCS2", ucs2Telecom, "005400FC0072006B",
			[][2]string{{"1,0," + ucs2Telecom, "OK"}, {"1,1,005400FC0072006B", "OK"}, {"1,0,T?l?com Libre", "+CME ERROR: 50"}}},
		{"beyond the BMP under UCS2", "中国移动😀", "@", "UCS2", "4E2D56FD79FB52A8D83DDE00", "0040",
			[][2]string{{"1,0,4E2D56FD79FB52A8D83DDE00", "OK"}, {"1,0,4E2D56FD79FB52A8D83D", "+CME ERROR: 50"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.net.names = map[string][2]string{"20801": {tc.long, tc.short}}
			r.cmd(t, "ATE0")
			r.advance(t, 2*time.Second) // attached to 20801
			sfr := "SFR"
			if tc.charset == "UCS2" {
				sfr = "005300460052"
			}
			r.exchanges(t, []exchange{
				{`AT+CMEE=1;+CSCS="` + tc.charset + `"`, "OK"},
				{"AT+COPS=3,0;+COPS?", `+COPS: 0,0,"` + tc.read0 + `",7|OK`},
				{"AT+COPS=3,1;+COPS?", `+COPS: 0,1,"` + tc.read1 + `",7|OK`},
				{"AT+COPS=?", `+COPS: (2,"` + tc.read0 + `","` + tc.read1 + `","20801",7),(1,"` + sfr + `","` + sfr + `","20810",7),,(0-4),(0-2)|OK`},
			})
			for _, s := range tc.sel {
				mode, name, _ := strings.Cut(s[0][2:], ",")
				r.exchanges(t, []exchange{{`AT+COPS=` + s[0][:2] + mode + `,"` + name + `"`, s[1]}})
			}
		})
	}
}

// TestURCsWaitForTheFinalResult: the URCs a command line causes (the
// detach of +COPS=2 or +CFUN=4, the attach of +COPS=0) go after its final
// result code, not between its commands' information text, where a host
// reading "AT+COPS=2;+CEREG?" would take the URC "+CEREG: 0" for the read
// answer "+CEREG: 1,0": u-blox's SARA manuals and Quectel's defer a URC
// while a command runs and send it once the final result code is out
// (outside tester t218).
func TestURCsWaitForTheFinalResult(t *testing.T) {
	tests := []struct {
		name  string
		setup string
		line  string
		want  []string
	}{
		{"detach, then read", "", "AT+COPS=2;+CEREG?", []string{"+CEREG: 1,0", "OK", "+CEREG: 0"}},
		{"detach alone", "", "AT+COPS=2", []string{"OK", "+CEREG: 0"}},
		{"radio off, then read", "", "AT+CFUN=4;+CEREG?;+CFUN?", []string{"+CEREG: 1,0", "+CFUN: 4", "OK", "+CEREG: 0"}},
		{"after an error result", "", `AT+COPS=2;+CSCS="X"`, []string{"+CME ERROR: 4", "+CEREG: 0"}},
		{"under ATQ1, after where the result would be", "ATQ1", "AT+COPS=2;+CEREG?", []string{"+CEREG: 1,0", "+CEREG: 0"}},
		{"attach, then read", "AT+COPS=2", "AT+COPS=0;+CEREG?", []string{"+CEREG: 1,5", "OK", "+CEREG: 5"}},
		// The hold is a flag, not a count: a line's commands run one
		// after the other, never one line inside another (a line typed
		// while one runs waits for it), so every cause in a line is held
		// to its one final result, in order, and none released early.
		{"two commands each causing one", "", "AT+COPS=2;+COPS=0;+CEREG?", []string{"+CEREG: 1,5", "OK", "+CEREG: 0", "+CEREG: 5"}},
		{"a restart inside the line: after its OK", "", "AT+COPS=2;+CFUN=1,1", []string{"OK", "+CEREG: 0"}},
		{"a repeated line's, after its result", "AT+COPS=2;+COPS=0", "A/", []string{"OK", "+CEREG: 0", "+CEREG: 5"}},
		// A pending selection sends its own as they come (the exception);
		// the line queued behind it holds its own to its own result.
		{"a line queued behind a pending selection", "", "AT+COPS=1,2,\"20810\"\rAT+COPS=0;+CEREG?",
			[]string{"+CEREG: 2", "+CEREG: 0", "+CME ERROR: 30", "+CEREG: 1,5", "OK", "+CEREG: 5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := registeredRig(t, personality.Generic())
			r.cmd(t, "AT+CMEE=1")
			if tc.setup != "" { // through the loop: no final result under ATQ1
				r.loop.Do(func() { r.m.takeBytes([]byte(tc.setup + "\r")) })
			}
			r.advance(t, 30*time.Second)
			mark := len(r.atlog.String())
			r.loop.Do(func() { r.m.takeBytes([]byte(tc.line + "\r")) })
			r.advance(t, 5*time.Second) // a manual selection's outcome included
			if got := sent(r.atlog.String()[mark:]); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
			}
		})
	}
}
