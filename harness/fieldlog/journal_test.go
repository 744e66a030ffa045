package fieldlog

import (
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
