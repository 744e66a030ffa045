package lab

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/ser2net"
	"github.com/esimhil/esimhil/internal/answerpty"
	"github.com/esimhil/esimhil/internal/personality"
)

// A lab run reads a real modem's answers as the modem meant them through
// what real modems do to their bytes (outside tester t199), on the tty
// and through ser2net: the echo (this one keeps it on in spite of ATE0)
// split by a URC after "AT", a manufacturer's URC (^RSSI:18, Huawei's)
// after every line, each piece in a write of its own. The identity holds
// neither, nor does the ICCID's answer.
func TestOpenThroughQuirks(t *testing.T) {
	t.Parallel()
	const iccid = "89330100000000000012"
	identity := []string{"Quectel", "EG25", "Revision: EG25GGBR07A08M2G"}
	info := map[string][]string{
		"ATI": identity, "AT+CGMI": {"Quectel"}, "AT+CGMM": {"EG25"}, "AT+QCCID": {"+QCCID: " + iccid},
	}
	for _, via := range []string{"tty", "tcp", "rfc2217"} {
		t.Run(via, func(t *testing.T) {
			port := answerpty.OpenWrites(t, func(line string) []string {
				cmd := strings.TrimSpace(line)
				w := []string{cmd[:min(2, len(cmd))], "\r\n+QIND: PB DONE\r\n", cmd[min(2, len(cmd)):] + "\r"}
				for _, l := range info[cmd] {
					w = append(w, "\r\n"+l, "\r\n", "\r\n^RSSI:18\r\n")
				}
				return append(w, "\r\nOK\r\n")
			}, time.Millisecond)
			switch via {
			case "tcp", "rfc2217":
				srv, err := ser2net.Start(context.Background(), port, t.TempDir())
				if err != nil {
					t.Skip(err) // no ser2net here: the tty run stands
				}
				t.Cleanup(func() { srv.Stop() })
				port = srv.RawAddr()
				if via == "rfc2217" {
					port = srv.RFC2217Addr()
				}
			}
			p, err := personality.Load("quectel-eg25")
			if err != nil {
				t.Fatal(err)
			}
			p.Timeouts = timeouts(silence).Timeouts
			r, err := Open(context.Background(), Config{Modem: port, Dir: t.TempDir(), Personality: p, Slack: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := Identify(r.AT); !slices.Equal(got, identity) {
				t.Errorf("identity %q, want %q", got, identity)
			}
			if got, err := (dialect.Host{AT: r.AT, P: p}).ICCID(); err != nil || got != iccid {
				t.Errorf("ICCID %q, %v; want %s", got, err, iccid)
			}
			if r.DialectHint != "" {
				t.Errorf("hint %q", r.DialectHint)
			}
		})
	}
}
