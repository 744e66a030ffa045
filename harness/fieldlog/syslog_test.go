package fieldlog

import (
	"strings"
	"testing"
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
