package field

import (
	"fmt"
	"strings"
	"testing"
)

// TestBootLimits: a journal that runs on into the host's next boot
// (journalctl without -b: its "-- Boot <id> --" line, or a structured
// journal's _BOOT_ID changing) meets a modem the replay's one run never
// reset: a limit from the first command after it. Before, the boot was a
// note like any other and the replay diverged there unexplained. A
// separator before the first command, or after the last, is none.
func TestBootLimits(t *testing.T) {
	const (
		pre   = "Mar 02 10:00:0%d gw ModemManager[812]: <dbg> [ttyUSB2/at] "
		boot  = "-- Boot 0123456789abcdef0123456789abcdef --\n"
		first = "--> 'AT+CPIN?<CR>'\n"
		ok    = "<-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'\n"
	)
	line := func(i int, s string) string { return fmt.Sprintf(pre, i) + s }
	exchange, later := line(1, first)+line(2, ok), line(3, first)+line(4, ok)
	export := func(bootID string, i int) string {
		return fmt.Sprintf("__CURSOR=s=1;i=%d\n__REALTIME_TIMESTAMP=%d\n_BOOT_ID=%s\nSYSLOG_IDENTIFIER=ModemManager\n_PID=812\n", i, 1772445601000000+i*1000, bootID)
	}
	structured := export("0123456789abcdef0123456789abcdef", 1) + "MESSAGE=<dbg> [ttyUSB2/at] " + first + "\n" +
		export("0123456789abcdef0123456789abcdef", 2) + "MESSAGE=<dbg> [ttyUSB2/at] " + ok + "\n" +
		export("fedcba9876543210fedcba9876543210", 3) + "MESSAGE=<dbg> [ttyUSB2/at] " + first + "\n" +
		export("fedcba9876543210fedcba9876543210", 4) + "MESSAGE=<dbg> [ttyUSB2/at] " + ok + "\n"
	for _, tc := range []struct {
		name, log, want string
	}{
		{"a boot between two exchanges", exchange + boot + later,
			"mm.log:4: the journal goes on into the host's next boot (line 3, journalctl's boot separator)"},
		{"-- Reboot --, before systemd 241", exchange + "-- Reboot --\n" + later, "mm.log:4: the journal goes on into the host's next boot (line 3,"},
		{"export, its _BOOT_ID changing", structured, "mm.log:20: the journal goes on into the host's next boot (line 15,"},
		{"a boot before the first command", boot + exchange + later, ""},
		{"a boot after the last", exchange + later + boot, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			man := strings.ReplaceAll(orangePlain("mm", "generic"), "host.log", "mm.log")
			man = strings.Replace(man, "format: plain", "format: mm", 1)
			man = strings.Replace(man, "line: 1,", fmt.Sprintf("line: %d,", strings.Count(tc.log[:strings.Index(tc.log, "AT+CPIN?")], "\n")+1), 1)
			f, err := Load(writeFixture(t, "mm", map[string]string{ManifestFile: man, "mm.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Texts(BootLimits(f)), "\n")
			if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
				t.Errorf("limits %q, want %q…", got, tc.want)
			}
		})
	}
}
