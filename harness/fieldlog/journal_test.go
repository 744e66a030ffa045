package fieldlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJournalShortForms: journalctl's --output short forms other than
// short and short-iso (journalctl(1)) give each line's time, which a
// daemon's reader keeps: without them a ModemManager journal read as
// "times: none", its registration changes untimed. A bare number (a
// dmesg line's "[    2.345678]") is no journal stamp without a host and
// a daemon's "name[pid]: " after it.
func TestJournalShortForms(t *testing.T) {
	mm := func(prefix func(i int) string) string {
		var b strings.Builder
		for i, l := range []string{
			"<debug> (ttyUSB2): --> 'AT<CR>'",
			"<debug> (ttyUSB2): <-- '<CR><LF>OK<CR><LF>'",
		} {
			b.WriteString(prefix(i) + l + "\n")
		}
		return b.String()
	}
	chat := func(prefix func(i int) string) string {
		return prefix(0) + "send (AT^M)\n" + prefix(0) + "expect (OK)\n" + prefix(1) + "AT^M^M\n" + prefix(1) + "OK\n" + prefix(1) + " -- got it\n"
	}
	for _, tc := range []struct {
		name  string
		log   string
		clock Clock
		gap   time.Duration // between the command and its final result
	}{
		{"short-full", mm(func(i int) string {
			return "Mon 2026-03-02 10:00:0" + string(rune('1'+i)) + " CET gw ModemManager[812]: "
		}), Absolute, time.Second},
		{"short-full, a numeric zone", mm(func(i int) string {
			return "Mon 2026-03-02 10:00:0" + string(rune('1'+i)) + " +03 gw ModemManager[812]: "
		}), Absolute, time.Second},
		{"short-unix", mm(func(i int) string {
			return []string{"1772445601.105911", "1772445601.355911"}[i] + " gw ModemManager[812]: "
		}), Absolute, 250 * time.Millisecond},
		{"short-monotonic", mm(func(i int) string { return []string{"[   41.203311]", "[   42.003311]"}[i] + " gw ModemManager[812]: " }), Relative, 800 * time.Millisecond},
		{"short-delta", mm(func(i int) string {
			return []string{"[   41.203311 <    0.000000>]", "[   41.213311 <    0.010000>]"}[i] + " gw ModemManager[812]: "
		}), Relative, 10 * time.Millisecond},
		{"short-iso without a zone", mm(func(i int) string { return "2026-03-02T10:00:0" + string(rune('1'+i)) + ".5 gw ModemManager[812]: " }), Absolute, time.Second},
		{"chat in short-monotonic", chat(func(i int) string { return []string{"[  100.000001]", "[  100.500001]"}[i] + " gw chat[537]: " }), Relative, 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect("j.log", []byte(tc.log))
			if err != nil {
				t.Fatal(err)
			}
			tr, err := Read("j.log", []byte(tc.log), f)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Clock != tc.clock {
				t.Fatalf("clock %v, want %v", tr.Clock, tc.clock)
			}
			var cmd, final time.Time
			for _, e := range tr.Entries {
				switch e.Role {
				case Command:
					cmd = e.Time
				case Final:
					final = e.Time
				}
			}
			if got := final.Sub(cmd); got != tc.gap {
				t.Errorf("final result %v after its command, want %v", got, tc.gap)
			}
		})
	}
	for _, l := range []string{
		"[    2.345678] usb 1-1: new high-speed USB device number 2 using xhci_hcd",
		"[   12.000001] lpac[1234]: segfault at 0 ip 0000 sp 0000 error 4",
		"1772445601.105911 OK",
	} {
		if _, c, n := syslogPrefix(l); c != NoTime || n != 0 {
			t.Errorf("%q read as a journal stamp (%v, %d bytes)", l, c, n)
		}
	}
}

// TestJournalStructured: journalctl's structured outputs (journalctl(1)
// --output export, json, json-seq, json-sse, json-pretty, verbose) read as
// the short form does, each entry at its MESSAGE's line with its time:
// before, export and verbose read with no times and json was refused as
// "serial data without its closing quote". A binary-safe MESSAGE (the
// export format's name, 64-bit little-endian length and bytes: a message
// with a control character, as a colour's ESC) reads too, its length's
// bytes a line feed or not, and the line numbers stay the file's.
func TestJournalStructured(t *testing.T) {
	msgs := []string{
		"<debug> (ttyUSB2): --> 'AT+CPIN?<CR>'",
		"<debug> (ttyUSB2): <-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'",
	}
	const t0 = 1772445601105911 // µs
	export := func(binary func(i int) bool, pad ...int) string {
		var b strings.Builder
		for i, m := range msgs {
			fmt.Fprintf(&b, "__CURSOR=s=ab;i=%x\n__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=01\nPRIORITY=7\nSYSLOG_IDENTIFIER=ModemManager\n", i, t0+i*250000, 41203311+i*250000)
			if binary(i) {
				v := "\x1b[0m" + m
				if len(pad) > 0 && len(v) < pad[0] {
					v = "\x1b[0m" + strings.Repeat(" ", pad[0]-len(v)) + m
				}
				var n [8]byte
				binaryLE(n[:], uint64(len(v)))
				b.WriteString("MESSAGE\n" + string(n[:]) + v + "\n")
			} else {
				b.WriteString("MESSAGE=" + m + "\n")
			}
			b.WriteString("_PID=812\n_HOSTNAME=gw\n\n")
		}
		return b.String()
	}
	jsonLines := func(before, after string, indent bool) string {
		var b strings.Builder
		for i, m := range msgs {
			e := map[string]string{"__CURSOR": fmt.Sprintf("s=ab;i=%x", i), "__REALTIME_TIMESTAMP": fmt.Sprint(t0 + i*250000), "_HOSTNAME": "gw", "SYSLOG_IDENTIFIER": "ModemManager", "_PID": "812", "MESSAGE": m}
			var j []byte
			if indent {
				j, _ = json.MarshalIndent(e, "", "\t")
			} else {
				j, _ = json.Marshal(e)
			}
			b.WriteString(before + string(j) + "\n" + after)
		}
		return b.String()
	}
	verbose := ""
	for i, m := range msgs {
		verbose += fmt.Sprintf("Mon 2026-03-02 10:00:01.105911 CET [s=ab;i=%x;b=01;m=274b5ef;t=%x;x=9f]\n    PRIORITY=7\n    SYSLOG_IDENTIFIER=ModemManager\n    _PID=812\n    MESSAGE=%s\n", i, t0+i*250000, m)
	}
	lines := func(ls ...int) []int { return ls }
	for _, tc := range []struct {
		name  string
		log   string
		lines []int // of the command, its info and its final result
	}{
		{"export", export(func(int) bool { return false }), lines(7, 17, 17)},
		{"export, a binary MESSAGE", export(func(i int) bool { return i == 1 }), lines(7, 18, 18)},
		{"export, binary MESSAGEs", export(func(int) bool { return true }), lines(8, 19, 19)},
		{"export, a binary MESSAGE whose length holds a line feed", export(func(i int) bool { return i == 1 }, 0x10a), lines(7, 19, 19)},
		{"json", jsonLines("", "", false), lines(1, 2, 2)},
		{"json-seq", jsonLines("\x1e", "", false), lines(1, 2, 2)},
		{"json-sse", jsonLines("data: ", "\n", false), lines(1, 3, 3)},
		{"json-pretty", jsonLines("", "", true), lines(2, 10, 10)},
		{"verbose", verbose, lines(5, 10, 10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect("j.log", []byte(tc.log))
			if err != nil || f != MM {
				t.Fatalf("Detect = %q, %v; want mm", f, err)
			}
			tr, err := Read("j.log", []byte(tc.log), f)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Clock != Absolute {
				t.Fatalf("clock %v, want the journal's realtime", tr.Clock)
			}
			var got []string
			var at []int
			var times []time.Time
			for _, e := range tr.Entries {
				if e.Role != Note {
					got = append(got, strings.ToLower(e.Role.String())+" "+e.Text)
					at = append(at, e.Line)
					times = append(times, e.Time)
				}
			}
			if want := "command AT+CPIN?|info +CPIN: READY|final OK"; strings.Join(got, "|") != want {
				t.Fatalf("entries %q, want %q", got, want)
			}
			if fmt.Sprint(at) != fmt.Sprint(tc.lines) {
				t.Errorf("at lines %v, want %v", at, tc.lines)
			}
			if want := time.UnixMicro(t0).UTC(); !times[0].Equal(want) || times[2].Sub(times[0]) != 250*time.Millisecond {
				t.Errorf("times %v, want %v and 250ms later", times, want)
			}
		})
	}
	// A journal cut inside its last entry is a log cut short, named so:
	// export's binary MESSAGE too, cut inside its value or its length
	// (before, "not a journal": its raw fields read as another log).
	binaries := export(func(int) bool { return true })
	last := strings.LastIndex(binaries, "MESSAGE\n") + len("MESSAGE\n")
	for _, cut := range []string{
		jsonLines("", "", false)[:len(jsonLines("", "", false))-30],
		export(func(int) bool { return false })[:strings.LastIndex(export(func(int) bool { return false }), "MESSAGE=")+40],
		binaries[:last+8+30], binaries[:last+3], binaries[:last],
	} {
		_, err := Read("j.log", []byte(cut), MM)
		if err == nil || !strings.Contains(err.Error(), "cut off") {
			t.Errorf("a journal cut short: %v, want it named cut off", err)
		}
		if _, ok, _ := journalText([]byte(cut)); !ok && strings.HasPrefix(cut, "__CURSOR=") {
			t.Errorf("an export journal cut short read as none: %q", cut[len(cut)-20:])
		}
	}
}

// TestJournalExportCutOrNot: an export journal cut inside a binary
// field's length or value is a journal cut short, its value what the
// file holds of it, as one cut inside a field's name; a file that opens
// as one but whose bare word is followed by text, no length (its upper
// half not zero: no field is 4 GiB), is no journal.
func TestJournalExportCutOrNot(t *testing.T) {
	var b strings.Builder
	for i, m := range []string{"send (AT+CPIN?^M)", "expect (OK)", "AT+CPIN?^M^M", "+CPIN: READY^M", "OK"} {
		fmt.Fprintf(&b, "__CURSOR=s=ab;i=%d\n__REALTIME_TIMESTAMP=%d\nSYSLOG_IDENTIFIER=chat\nSYSLOG_PID=537\n_HOSTNAME=gw\n", i, 1772445601105911+i*1000)
		var n [8]byte
		binaryLE(n[:], uint64(len(m)))
		b.WriteString("MESSAGE\n" + string(n[:]) + m + "\n\n")
	}
	whole := b.String()
	if _, err := Read("j.log", []byte(whole), ""); err != nil {
		t.Fatal(err)
	}
	const cutShort = "j.log:7: the log ends before the final result of AT+CPIN?: truncated?"
	for _, tc := range []struct {
		name, log string
		journal   bool
		err       string // its start
	}{
		{"cut inside the last value", whole[:len(whole)-3], true, cutShort},
		{"cut inside the last length", whole[:len(whole)-8], true, cutShort},
		{"cut after the last name", whole[:len(whole)-12], true, cutShort},
		{"cut inside the last name", whole[:len(whole)-15], true, cutShort},
		{"a word, then text", "__CURSOR=s=ab;i=0\nNOTE\nthe modem hung here\n", false, ""},
		{"a word, then a short text", "__CURSOR=s=ab;i=0\nNOTE\nhung!", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok, _ := journalText([]byte(tc.log)); ok != tc.journal {
				t.Errorf("read as a journal: %v, want %v", ok, tc.journal)
			}
			if tc.err == "" {
				return
			}
			if _, err := Read("j.log", []byte(tc.log), ""); err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("error %v, want %s…", err, tc.err)
			}
		})
	}
}

func binaryLE(b []byte, n uint64) {
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
}

// FuzzJournalText: the journal's entries are rewritten in place, never
// panicking, and every line keeps its number (the readers' errors name
// the file's own lines).
func FuzzJournalText(f *testing.F) {
	for _, s := range []string{"mm-journal-export.log", "mm-journal-json.log"} {
		data, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if out, ok, _ := journalText(data); ok && bytes.Count(out, []byte{'\n'}) != bytes.Count(data, []byte{'\n'}) {
			t.Fatalf("%d lines made %d", bytes.Count(data, []byte{'\n'})+1, bytes.Count(out, []byte{'\n'})+1)
		}
	})
}

// jsonEntry is a journalctl -o json entry of ModemManager's on host gw
// at us (µs since the epoch) saying msg.
func jsonEntry(t *testing.T, us int, msg string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"__REALTIME_TIMESTAMP": fmt.Sprint(us), "_HOSTNAME": "gw", "SYSLOG_IDENTIFIER": "ModemManager", "_PID": "812", "MESSAGE": msg})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJournalRawCR: line numbers count line feeds; a CR a journal
// entry's MESSAGE holds ("\r" in -o json, raw in -o export) is data on
// its entry's line, even in a journal of one line, where a CR used to be
// taken for the file's line end (the one line split in two, every
// number after it shifted). A file of CR-only line ends still reads as
// its lines, a journal's too.
func TestJournalRawCR(t *testing.T) {
	crNote := jsonEntry(t, 1772445601005911, "<info> modem state changed\r(enabling)")
	cmd := jsonEntry(t, 1772445601105911, "<dbg> [ttyUSB2/at] --> 'AT+CSQ<CR>'")
	ans := jsonEntry(t, 1772445601355911, "<dbg> [ttyUSB2/at] <-- '<CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF>'")
	export := func(msg string, us int) string {
		return fmt.Sprintf("__REALTIME_TIMESTAMP=%d\n_HOSTNAME=gw\nSYSLOG_IDENTIFIER=ModemManager\n_PID=812\nMESSAGE=%s\n", us, msg)
	}
	for _, tc := range []struct {
		name, log string
		lines     int      // LogText's
		want      []string // line and text of each entry; nil: LogText only
	}{
		{"-o json of one line, no line feed", crNote, 1, nil},
		{"-o json, the CR entry first", crNote + "\n" + cmd + "\n" + ans + "\n", 4,
			[]string{"1 2026-03-02T10:00:01.005911Z gw ModemManager[812]: <info> modem state changed\r(enabling)", "2 AT+CSQ", "3 +CSQ: 20,99", "3 OK"}},
		{"-o json with CR-only line ends", crNote + "\r" + cmd + "\r" + ans + "\r", 4,
			[]string{"1 2026-03-02T10:00:01.005911Z gw ModemManager[812]: <info> modem state changed\r(enabling)", "2 AT+CSQ", "3 +CSQ: 20,99", "3 OK"}},
		{"-o export, a raw CR in MESSAGE", export("<info> modem state changed\r(enabling)", 1772445601005911) + "\n" +
			export("<dbg> [ttyUSB2/at] --> 'AT+CSQ<CR>'", 1772445601105911) + "\n" +
			export("<dbg> [ttyUSB2/at] <-- '<CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF>'", 1772445601355911), 18,
			[]string{"5 2026-03-02T10:00:01.005911Z gw ModemManager[812]: <info> modem state changed\r(enabling)", "11 AT+CSQ", "17 +CSQ: 20,99", "17 OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := bytes.Count(LogText([]byte(tc.log)), []byte{'\n'}) + 1; n != tc.lines {
				t.Errorf("LogText has %d lines, want %d", n, tc.lines)
			}
			if tc.want == nil {
				return
			}
			tr, err := Read("j.log", []byte(tc.log), "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				got = append(got, fmt.Sprintf("%d %s", e.Line, e.Text))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("entries %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestJournalRunTogether: json entries a paste ran together on one line
// are refused naming that line (before, the line stood for its last entry
// and the others were lost without a word); entries a line each, json-seq's
// and json-pretty's included, read as before.
func TestJournalRunTogether(t *testing.T) {
	cmd := jsonEntry(t, 1772445601105911, "<dbg> [ttyUSB2/at] --> 'AT+CSQ<CR>'")
	ans := jsonEntry(t, 1772445601355911, "<dbg> [ttyUSB2/at] <-- '<CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF>'")
	const refused = "journal entries run together on one line"
	for _, tc := range []struct {
		name, log string
		want      string // error's start, or the entries' lines
	}{
		{"two on one line", cmd + ans + "\n", "j.log:1: " + refused},
		{"a blank between", cmd + " " + ans + "\n", "j.log:1: " + refused},
		{"run together on line 3", cmd + "\n" + ans + "\n" + cmd + ans + "\n", "j.log:3: " + refused},
		{"a line each", cmd + "\n" + ans + "\n", "1 AT+CSQ|2 +CSQ: 20,99|2 OK"},
		{"json-seq", "\x1e" + cmd + "\n\x1e" + ans + "\n", "1 AT+CSQ|2 +CSQ: 20,99|2 OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("j.log", []byte(tc.log), "")
			if err != nil {
				if !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("error %v\nwant %q", err, tc.want)
				}
				return
			}
			var got []string
			for _, e := range tr.Entries {
				got = append(got, fmt.Sprintf("%d %s", e.Line, e.Text))
			}
			if strings.Join(got, "|") != tc.want {
				t.Errorf("entries %q\nwant %q", got, tc.want)
			}
		})
	}
}
