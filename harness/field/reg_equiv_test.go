package field

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The regular expressions the package read registration lines with before
// parseReg, kept here as the oracle the reader's callers are checked
// against: the move onto one reader changed no caller's reading.
var (
	oldCeregURC        = regexp.MustCompile(`^\+CEREG: (\d{1,2})(?:,"([0-9A-Fa-f]+)","([0-9A-Fa-f]+)"(?:,(\d*))?(?:,(\d*),(\d*)(,"([01]*)","([01]*)")?)?)?$`)
	oldCeregRead       = regexp.MustCompile(`^\+CEREG: (\d),(\d{1,2})(?:,"([0-9A-Fa-f]+)","([0-9A-Fa-f]+)"(?:,(\d*))?(?:,(\d*),(\d*)(,"([01]*)","([01]*)")?)?)?$`)
	oldCregURC         = regexp.MustCompile(`^\+CG?REG: (\d{1,2})(?:,"([0-9A-Fa-f]+)","([0-9A-Fa-f]+)"(?:,(\d+))?)?$`)
	oldCregRead        = regexp.MustCompile(`^\+CG?REG: (\d),(\d{1,2})(?:,"([0-9A-Fa-f]+)","([0-9A-Fa-f]+)"(?:,(\d+))?)?$`)
	oldOddLocationRead = regexp.MustCompile(`^(\+C(?:E|G)?REG: \d,\d{1,2}),(?: *"?[0-9A-Fa-f]+"? *,){1,2} *"?[0-9A-Fa-f]+"?(?: *, *\d*)*$`)
	oldOddLocationURC  = regexp.MustCompile(`^(\+C(?:E|G)?REG: \d{1,2}),(?: *"?[0-9A-Fa-f]+"? *,){1,2} *"?[0-9A-Fa-f]+"?(?: *, *\d*)*$`)
	oldRegURCLine      = regexp.MustCompile(`^\+C(?:E|G|5G)?REG: `)
	oldSearchURC       = regexp.MustCompile(`^\+C(?:E|G|5G)?REG: 2(?:$|,,|,")`)
)

func oldOddLocation(text string, re *regexp.Regexp) (string, string) {
	m := re.FindStringSubmatch(text)
	if m == nil || oldCeregRead.MatchString(text) || oldCeregURC.MatchString(text) || oldCregRead.MatchString(text) || oldCregURC.MatchString(text) {
		return text, ""
	}
	return m[1], strings.TrimPrefix(text, m[1])
}

// oldReading is what the callers took from a line before: the facts' read
// answer and URC (name, n, stat, tac, ci, act, cause type, cause, and the
// odd location's evidence), regLinesShowing's stat, psmTimers, searchURC
// and regURCLine.
func oldReading(text string) []string {
	var out []string
	info, odd := oldOddLocation(text, oldOddLocationRead)
	if m := oldCeregRead.FindStringSubmatch(info); m != nil {
		out = append(out, "info cereg", m[1], m[2], m[3], m[4], m[5], m[6], m[7])
	} else if m := oldCregRead.FindStringSubmatch(info); m != nil {
		out = append(out, "info creg", text[:strings.IndexByte(text, ':')], m[1], m[2], m[3], m[4], m[5])
	}
	out = append(out, "odd info", odd)
	urc, odd := oldOddLocation(text, oldOddLocationURC)
	if m := oldCregURC.FindStringSubmatch(urc); m != nil {
		out = append(out, "urc creg", text[:strings.IndexByte(text, ':')], m[1], m[2], m[3], m[4], strings.Repeat("located", b2i(m[2] != "" || urc != text)))
	} else if m := oldCeregURC.FindStringSubmatch(urc); m != nil {
		out = append(out, "urc cereg", m[1], m[2], m[3], m[4], m[5], m[6], strings.Repeat("located", b2i(m[2] != "" || urc != text)))
	}
	out = append(out, "odd urc", odd)
	for _, re := range []*regexp.Regexp{oldCeregRead, oldCregRead} {
		if m := re.FindStringSubmatch(text); m != nil {
			out = append(out, "showing info", m[2])
			break
		}
	}
	for _, re := range []*regexp.Regexp{oldCeregURC, oldCregURC} {
		if m := re.FindStringSubmatch(text); m != nil {
			out = append(out, "showing urc", m[1])
			break
		}
	}
	if m := oldCeregURC.FindStringSubmatch(text); m != nil && m[7] != "" {
		out = append(out, "psm", m[8], m[9])
	} else if m := oldCeregRead.FindStringSubmatch(text); m != nil && m[8] != "" {
		out = append(out, "psm", m[9], m[10])
	}
	if oldSearchURC.MatchString(text) {
		out = append(out, "search")
	}
	if oldRegURCLine.MatchString(text) {
		out = append(out, "reg line")
	}
	return out
}

// newReading is oldReading through parseReg, as the callers read now.
func newReading(text string) []string {
	var out []string
	fs := &Facts{}
	odd := func() string {
		if fs.OddLocation == nil {
			return ""
		}
		v := fs.OddLocation.Value
		fs.OddLocation = nil
		return v
	}
	if r, ok := fs.regLine(text, true, Src{}); ok && r.Domain == regEPS {
		out = append(out, "info cereg", string(rune('0'+r.N)), r.Stat, r.TAC, r.CI, r.AcT, r.CauseType, r.Cause)
	} else if ok {
		out = append(out, "info creg", r.Name, string(rune('0'+r.N)), r.Stat, r.TAC, r.CI, r.AcT)
	}
	out = append(out, "odd info", odd())
	if r, ok := fs.regLine(text, false, Src{}); ok && (r.Domain == regCS || r.Domain == regPS) {
		out = append(out, "urc creg", r.Name, r.Stat, r.TAC, r.CI, r.AcT, strings.Repeat("located", b2i(r.Loc != locNone)))
	} else if ok {
		out = append(out, "urc cereg", r.Stat, r.TAC, r.CI, r.AcT, r.CauseType, r.Cause, strings.Repeat("located", b2i(r.Loc != locNone)))
	}
	out = append(out, "odd urc", odd())
	for _, read := range []bool{true, false} {
		if r, ok := parseReg(text, read); ok && r.Domain != reg5GS && (r.Loc == locNone || r.Loc == locQuoted) {
			out = append(out, "showing "+map[bool]string{true: "info", false: "urc"}[read], r.Stat)
		}
	}
	if active, tau, ok := psmTimers(text); ok {
		out = append(out, "psm", active, tau)
	}
	if searchURC(text) {
		out = append(out, "search")
	}
	if regName(text) != "" {
		out = append(out, "reg line")
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// regLinesOf are the registration lines the repository's logs hold: from
// each "+C" of each line, to its end.
func regLinesOf(t testing.TB) []string {
	var out []string
	for _, root := range []string{"../../fixtures/field", "testdata", "../fieldlog/testdata"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				line = strings.TrimRight(line, "\r")
				for i := strings.Index(line, "+C"); i >= 0; {
					s := line[i:]
					if strings.Contains(s[:min(len(s), 8)], "REG") {
						out = append(out, s, strings.TrimRight(s, `"\ `))
					}
					j := strings.Index(s[2:], "+C")
					if j < 0 {
						break
					}
					i += 2 + j
				}
			}
			return nil
		})
	}
	return out
}

var regEquivSeeds = []string{
	`+CEREG: 1`, `+CEREG: 11`, `+CEREG: 5,"1A2B","01A2B3C4",7`, `+CEREG: 1,"1a2b","01a2b3c4"`,
	`+CEREG: 3,"1A2B","01A2B3C4",7,0,15`, `+CEREG: 3,"1A2B","01A2B3C4",,0,15`, `+CEREG: 3,"1A2B","01A2B3C4",0,15`,
	`+CEREG: 1,"0A2B","01A2B3C4",7,,,"11100000","00000110"`, `+CEREG: 1,"0A2B","01A2B3C4",,,"11100000",""`,
	`+CEREG: 5,1,"0A2B","01A2B3C4",7,,,"11100000","00000110"`, `+CEREG: 2,,,,,,,,`, `+CEREG: 2,,`, `+CEREG: 2,,x`,
	`+CREG: 1,"0B5A","2BA7"`, `+CGREG: 5,"0B5A","00C3F21E",7`, `+CREG: 1,"0B5A","00C3F21E",`, `+CGREG: 1,"0B5A","00C3F21E",7,"01"`,
	`+CREG: 1, 1A2B, 01A2B3C4`, `+CEREG: 5,2860,27306436,7`, `+CEREG: 1,"1A2B" ,"01A2B3C4" , 7`, `+CEREG: 1,"1A2B,3`,
	`+CEREG: 1,1A2B,01A2B3C4,7 `, `+CEREG: 1,1A2B,01A2B3C4, `, `+CEREG: 2,1,"1A2B","01A2B3C4"`, `+CEREG: 2,1,2,3`,
	`+C5GREG: 1,"00A2B3","0000000123456789",11`, `+C5GREG: 2,,,`, `+C5GREG: 2`, `+CEREG: 1,2`, `+CEREG: 1,"12`, `+CEREG: 2,"1A2B"`,
	`+CGREG: 2,1,"0B5A","2BA7",0`, `+CREG: 2,1,0B5A,2BA7`, `+CEREG: 2,1,"1A2B", 01A2B3C4,7`, `+CEREG: 2,10`, `+CEREG: 12,1`,
	`+CEREG: `, `+CEREG:1`, `+CEREG: x`, `+CEREG: 1 `, `+CEREG: ,1`, `+CEREG: 4,2,,,,,,,`, `+CGREG: 2,4`, `+CREG: 0,1,"0B5A","2BA7",`,
	`+CEREG: 0,1,"1A2B","01A2B3C4",7,0,15,"1","0"`, `+CEREG: 1,"1A2B","01A2B3C4",7,,,"1"`, `+CEREG: 2,"1A2B","01A2B3C4", 7`,
}

// TestRegEquiv: every registration line the repository's logs hold, and
// the reader's own table, read as before.
func TestRegEquiv(t *testing.T) {
	lines := slices.Concat(regLinesOf(t), regEquivSeeds)
	if len(lines) < 100 {
		t.Fatalf("%d registration lines in the logs: the walk found none", len(lines))
	}
	t.Logf("%d lines", len(lines))
	for _, text := range lines {
		if o, n := oldReading(text), newReading(text); !slices.Equal(o, n) {
			t.Errorf("%q: before %q, now %q", text, o, n)
		}
	}
}

func FuzzRegEquiv(f *testing.F) {
	for _, s := range slices.Concat(regLinesOf(f), regEquivSeeds) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if o, n := oldReading(text), newReading(text); !slices.Equal(o, n) {
			t.Errorf("%q: before %q, now %q", text, o, n)
		}
	})
}
