package fieldlog

import (
	"strings"
	"testing"
	"time"
)

// TestSyslogPrefixes: the lines of a daemon logging through syslog read
// as that daemon's whatever prefix the syslog put before its tag: a
// priority ("<6>", RFC 3164 §4.1.1, as a raw syslog stream writes it),
// the time, the host, and BusyBox syslogd's facility.level ("local2.info",
// OpenWrt's logread's without a host). A "<6>" is no plain transcript's
// modem mark.
func TestSyslogPrefixes(t *testing.T) {
	const chatLines = "send (AT^M)\nexpect (OK)\nAT^M^M\nOK\n -- got it\n"
	chatLog := func(prefix string) string {
		var b strings.Builder
		for l := range strings.SplitSeq(strings.TrimSuffix(chatLines, "\n"), "\n") {
			b.WriteString(prefix + l + "\n")
		}
		return b.String()
	}
	chatWant := []string{"command AT", "echo AT", "final OK"}
	for _, tc := range []struct {
		name, log string
		format    Format
		want      []string // role and text of each entry not a note
	}{
		{"chat behind a priority", chatLog("<6>May 20 14:22:18 chat[537]: "), Chat, chatWant},
		{"chat behind a priority and a host", chatLog("<30>May 20 14:22:18 gw chat[537]: "), Chat, chatWant},
		{"chat in BusyBox's syslog", chatLog("Feb 21 20:05:24 piksi local2.info chat[3810]: "), Chat, chatWant},
		{"chat in logread's", chatLog("Sat Feb 21 20:05:24 2026 local2.info chat[3810]: "), Chat, chatWant},
		{"chat in RFC 5424's form", chatLog("<150>1 2026-05-20T14:22:18.003Z gw chat 537 - - "), Chat, chatWant},
		{"chat behind all of it", chatLog("<150>Feb 21 20:05:24 piksi local2.info chat[3810]: "), Chat, chatWant},
		{"ModemManager behind a priority", "<31>Feb 21 20:05:24 piksi ModemManager[812]: <debug> (ttyUSB2): --> 'AT<CR>'\n" +
			"<31>Feb 21 20:05:24 piksi ModemManager[812]: <debug> (ttyUSB2): <-- '<CR><LF>OK<CR><LF>'\n", MM, []string{"command AT", "final OK"}},
		{"ModemManager in RFC 5424's form", "<31>1 2026-02-21T20:05:24Z piksi ModemManager 812 - - <debug> (ttyUSB2): --> 'AT<CR>'\n" +
			"<31>1 2026-02-21T20:05:24.003Z piksi ModemManager 812 - - <debug> (ttyUSB2): <-- '<CR><LF>OK<CR><LF>'\n", MM, []string{"command AT", "final OK"}},
		{"oFono in BusyBox's syslog, behind a priority", "<30>Mar 02 10:00:01 pp daemon.info ofonod[4140]: Aux: > AT\\r\n" +
			"<30>Mar 02 10:00:01 pp daemon.info ofonod[4140]: Aux: < AT\\r\\r\\nOK\\r\\n\n", Ofono, []string{"command AT", "echo AT", "final OK"}},
		{"gammu-smsd in BusyBox's syslog", "Nov 26 10:00:01 gw daemon.debug gammu-smsd[812]: gammu: SENDING frame type 0x00/length 0x03/3\n" +
			"Nov 26 10:00:01 gw daemon.debug gammu-smsd[812]: gammu: 41A|54T|0D                                                      AT.\n" +
			"Nov 26 10:00:01 gw daemon.debug gammu-smsd[812]: gammu: RECEIVED frame type 0x00/length 0x09/9\n" +
			"Nov 26 10:00:01 gw daemon.debug gammu-smsd[812]: gammu: 41A|54T|0D |0D |0A |4FO|4BK|0D |0A                              AT...OK..\n",
			Gammu, []string{"command AT", "echo AT", "final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect("s.log", []byte(tc.log))
			if err != nil || f != tc.format {
				t.Fatalf("Detect = %q, %v; want %q", f, err, tc.format)
			}
			tr, err := Read("s.log", []byte(tc.log), f)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Clock != Absolute {
				t.Errorf("clock %v, want the prefix's absolute time", tr.Clock)
			}
			var got []string
			for _, e := range tr.Entries {
				if e.Role != Note {
					got = append(got, strings.ToLower(e.Role.String())+" "+e.Text)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("entries %q, want %q", got, tc.want)
			}
		})
	}
	// Another daemon's lines behind a priority are no ">"/"<" transcript.
	if f, err := Detect("s.log", []byte("<6>May 20 14:22:18 gw kernel: usb 1-1: new high-speed USB device\n<6>May 20 14:22:19 gw kernel: option 1-1:1.2: GSM modem converter detected\n")); err == nil {
		t.Errorf("a kernel's syslog lines read as %q", f)
	}
}

// TestSecondsStamps: the journal's short-unix stamp is seconds since 1970
// whatever its size (nine digits: before 2001, not time since boot, as
// ModemManager's own stamp below 10^9 is), short-monotonic's and
// short-delta's bracketed seconds are since boot, a fraction is read to
// the nanosecond; a stamp with no host and daemon after it, or a number
// of other digits, is none.
func TestSecondsStamps(t *testing.T) {
	const tag = " gw ModemManager[812]: x"
	unix := func(s, ns int64) time.Time { return time.Unix(s, ns).UTC() }
	boot := func(d time.Duration) time.Time { return RelativeEpoch.Add(d) }
	for _, tc := range []struct {
		line  string
		t     time.Time
		clock Clock
		n     int // the prefix's length
	}{
		{"1772445601.105911" + tag, unix(1772445601, 105911000), Absolute, 18},
		{"100000000.5" + tag, unix(100000000, 5e8), Absolute, 12}, // 9 digits, 1973
		{"999999999.000000001" + tag, unix(999999999, 1), Absolute, 20},
		{"17724456010.1" + tag, unix(17724456010, 1e8), Absolute, 14},
		{"<30>1772445601.123456789" + tag, unix(1772445601, 123456789), Absolute, 25},
		{"12345678.5" + tag, time.Time{}, NoTime, 0},            // 8 digits
		{"1772445601.1234567890" + tag, time.Time{}, NoTime, 0}, // 10 fractional digits
		{"1772445601" + tag, time.Time{}, NoTime, 0},            // no fraction
		{"[   41.203311]" + tag, boot(41203311 * time.Microsecond), Relative, 15},
		{"[41.2]" + tag, boot(41200 * time.Millisecond), Relative, 7},
		{"[999999999.999999999]" + tag, boot(999999999999999999), Relative, 22}, // not since 1970
		{"[   41.213311 <    0.010000>]" + tag, boot(41213311 * time.Microsecond), Relative, 30},
		{"[1772445601.105911]" + tag, time.Time{}, NoTime, 0}, // 10 digits: no monotonic stamp
		{"[   41.203311]gw ModemManager[812]: x", time.Time{}, NoTime, 0},
		{"[   41.203311] usb 1-1: new device", time.Time{}, NoTime, 0},
	} {
		got, c, n := syslogPrefix(tc.line)
		if !got.Equal(tc.t) || c != tc.clock || n != tc.n {
			t.Errorf("syslogPrefix(%q) = %v, %v, %d; want %v, %v, %d", tc.line, got, c, n, tc.t, tc.clock, tc.n)
		}
	}
	// ModemManager's own stamp: the number says which clock.
	for _, tc := range []struct {
		secs, frac string
		t          time.Time
		clock      Clock
	}{
		{"1772445601", "105911", unix(1772445601, 105911000), Absolute},
		{"1000000000", "", unix(1e9, 0), Absolute},
		{"999999999", "5", boot(999999999*time.Second + 5e8), Relative},
		{"41", "203311", boot(41203311 * time.Microsecond), Relative},
		{"1099511627777", "0", time.Time{}, NoTime}, // past 2^40 s
	} {
		if got, c := mmClock(tc.secs, tc.frac); !got.Equal(tc.t) || c != tc.clock {
			t.Errorf("mmClock(%q, %q) = %v, %v; want %v, %v", tc.secs, tc.frac, got, c, tc.t, tc.clock)
		}
	}
}

// TestDaemonLineTag: a daemon's tag ("chat[537]:") is read wherever the
// line's text begins, with a message or none (a daemon logs empty lines:
// the tag then ends the line); a line without one has no daemon.
func TestDaemonLineTag(t *testing.T) {
	for _, tc := range []struct {
		line, daemon, msg string
	}{
		{"May 20 14:22:18 gw chat[537]: send (AT^M)", "chat", "send (AT^M)"},
		{"May 20 14:22:18 gw chat[537]:", "chat", ""},
		{"May 20 14:22:18 gw chat[537]:\r", "chat", ""},
		{"chat[537]: expect (OK)", "chat", "expect (OK)"},
		{"AT+CSQ", "", "AT+CSQ"},
		{"May 20 14:22:18 gw AT+CSQ", "", "gw AT+CSQ"},
	} {
		if _, _, d, msg := daemonLine(tc.line); d != tc.daemon || msg != tc.msg {
			t.Errorf("daemonLine(%q) = daemon %q, message %q; want %q, %q", tc.line, d, msg, tc.daemon, tc.msg)
		}
	}
}
