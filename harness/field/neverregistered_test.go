package field

import (
	"slices"
	"strings"
	"testing"
)

// TestNeverRegisteredKnownWhereItDiffers: logs that never show the device
// registered, and show it not registered and not searching (stat 0) or
// in a state the emulated modem never gives (4), replay with the device
// out of coverage, searching (2): every registration line of that stat,
// in any domain, differs, and the divergence there names why with a
// to-do the user can act on (outside tester t193: an xmm7360's
// ModemManager log failed at its +CGREG: 2,0 with only an assumption,
// under -v, saying why). Under no_service_stat: 0 the emulated modem
// shows 0 itself; a search (2) differs nowhere.
func TestNeverRegisteredKnownWhereItDiffers(t *testing.T) {
	const reads = "> AT+CGREG?\n< +CGREG: 2,%[1]d\n< OK\n> AT+CEREG?\n< +CEREG: 2,%[1]d\n< OK\n> AT+CREG=2\n< OK\n< +CREG: %[1]d\n"
	for _, tc := range []struct {
		name   string
		stat   int
		quirks string
		lines  []int  // the lines a divergence is known at: the reads' exchanges, the URC
		todo   string // "" for none
	}{
		{"stat 0", 0, "", []int{1, 2, 3, 4, 5, 6, 9}, "device.quirks no_service_stat: 0"},
		{"stat 0, no_service_stat: 0", 0, "  quirks: {no_service_stat: 0}\n", nil, ""},
		{"stat 4", 4, "", []int{1, 2, 3, 4, 5, 6, 9}, "a stat 4"},
		{"searching", 2, "", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := strings.Replace(orangePlain("never", "generic"), "  profiles:\n", tc.quirks+"  profiles:\n", 1)
			log := strings.ReplaceAll(reads, "%[1]d", string(rune('0'+tc.stat)))
			p := reconstruct(t, writeFixture(t, "never", map[string]string{ManifestFile: m, "host.log": log}), Options{})
			for line := 1; line <= 9; line++ {
				l, known := p.LimitAt(Src{"host.log", line})
				want := slices.Contains(tc.lines, line)
				if known != want || known && !strings.Contains(l.Text, tc.todo) {
					t.Errorf("host.log:%d known %v (%q), want %v", line, known, l.Text, want)
				}
			}
			todo := false
			for _, d := range p.ToDo {
				todo = todo || strings.Contains(d, "never show the device registered")
			}
			if todo != (tc.todo != "") {
				t.Errorf("to-do %v, want %v:\n%s", todo, tc.todo != "", strings.Join(p.ToDo, "\n"))
			}
		})
	}
}

// TestNeverRegisteredLineForms: a registration line the facts read is one
// the known divergences name too, whatever its location's form, and a
// never-registered stat gives the never-registered to-do from it:
//   - in a form of its own, decimal with spaces as gammu shows it
//     ("+CREG: 2,1, 550014, 676", here with stat 0), was left out of them
//     (regLinesShowing read 27.007's quoted hex alone), so the replay
//     failed there unexplained;
//   - with its location's fields there and empty (27.007 leaves each
//     optional: a u-blox SARA-R4 at n=4 writes "+CEREG: 2,,,,,,,," without
//     a cell) it gives its stat as the form without them does; the facts
//     left it out, so logs that showed the device not registered only so
//     read as showing no registration at all.
func TestNeverRegisteredLineForms(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		line      int
		odd       bool // a location in a form of its own; else none, its fields empty
	}{
		{"odd: read, decimal with spaces", "> AT+CGREG?\n< +CGREG: 2,0, 550014, 676\n< OK\n", 2, true},
		{"odd: URC, unquoted hex", "> AT\n< OK\n< +CREG: 0,86A6,0001C33D\n", 3, true},
		{"empty location: URC, n=4", "> AT\n< OK\n< +CEREG: 0,,,,,,,,\n", 3, false},
		{"empty location: read, n=2", "> AT+CEREG?\n< +CEREG: 2,0,,\n< OK\n", 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "never", map[string]string{ManifestFile: orangePlain("never", "generic"), "host.log": tc.log}), Options{})
			if len(p.Facts.Regs) != 1 || p.Facts.Regs[0].Stat != 0 || p.Facts.Regs[0].Src.Line != tc.line ||
				(p.Facts.OddLocation != nil) != tc.odd || !tc.odd && p.Facts.Regs[0].HasCells {
				t.Fatalf("registrations %+v (odd location %v), want one of stat 0 at host.log:%d, odd %v, without a cell if not odd",
					p.Facts.Regs, p.Facts.OddLocation, tc.line, tc.odd)
			}
			if l, known := p.LimitAt(Src{"host.log", tc.line}); !known || !strings.Contains(l.Text, "no_service_stat: 0") {
				t.Errorf("host.log:%d known %v (%q), want the never-registered to-do\n%s", tc.line, known, l.Text, strings.Join(p.ToDo, "\n"))
			}
		})
	}
}

// TestSearchBeforeLogsOddLocation: a searching URC with its location in a
// form of its own (decimal with spaces, as gammu shows one) is the field
// modem's search as much as "+CREG: 2" is: the facts read it as stat 2,
// and the plan leaves it out of the comparison when it comes before
// anything starts an attach. (searchURC took an empty or quoted location
// alone.)
func TestSearchBeforeLogsOddLocation(t *testing.T) {
	for _, tc := range []struct {
		urc    string
		search bool
	}{
		{"+CREG: 2, 550014, 676", true},
		{"+CREG: 2,86A6,0001C33D", true},
		{`+CEREG: 2,"1A2B","01A2B3C4",7`, true},
		{"+CEREG: 2,,,,,,,,", true},
		{"+CEREG: 2,,x", false},                  // no registration line the facts read
		{`+CEREG: 2,"1A2B`, false},               // nor this
		{`+CEREG: 2,1,"1A2B","01A2B3C4"`, false}, // a read answer's form
	} {
		t.Run(tc.urc, func(t *testing.T) {
			if got := searchURC(tc.urc); got != tc.search {
				t.Errorf("searchURC(%q) = %v, want %v", tc.urc, got, tc.search)
			}
		})
	}
	log := "< +CREG: 2, 550014, 676\n> AT+CREG?\n< +CREG: 2,2, 550014, 676\n< OK\n"
	p := reconstruct(t, writeFixture(t, "search", map[string]string{ManifestFile: orangePlain("search", "generic"), "host.log": log}), Options{})
	if !slices.Contains(p.Unshown, Src{"host.log", 1}) {
		t.Errorf("host.log:1 compared, want it left out (%v):\n%s", p.Unshown, strings.Join(p.Assumptions, "\n"))
	}
}

// TestUnknownStatBeforeRegistration: stat 4 lines in logs that do show the
// device registered (Zephyr issue 98478's BG770, modem_chat's lines
// rebuilt, trimmed: +CEREG: 4 and +CREG: 4, then roaming, the network
// named here) are limits with a to-do too: the replay failed there
// with nothing but "+CEREG: 4" against nothing.
func TestUnknownStatBeforeRegistration(t *testing.T) {
	const log = "< +CEREG: 4\n< +CREG: 4\n< +CEREG: 1\n> AT+COPS?\n< +COPS: 0,2,\"20801\",7\n< OK\n"
	p := reconstruct(t, writeFixture(t, "unknown", map[string]string{ManifestFile: orangePlain("unknown", "generic"), "host.log": log}), Options{})
	for _, line := range []int{1, 2} {
		if l, known := p.LimitAt(Src{"host.log", line}); !known || !strings.Contains(l.Text, "a stat 4") {
			t.Errorf("host.log:%d known %v (%q), want the stat 4 limit\n%s", line, known, l.Text, strings.Join(p.ToDo, "\n"))
		}
	}
	if _, known := p.LimitAt(Src{"host.log", 3}); known {
		t.Errorf("host.log:3 (+CEREG: 1) is a limit")
	}
}
