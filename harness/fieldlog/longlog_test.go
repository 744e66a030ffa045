package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkReadLongLog reads logs of a day's polling: every note and
// every line without a marker is asked whether it starts a second log
// (secondFormat), so the cost of that question shows here, per line.
func BenchmarkReadLongLog(b *testing.B) {
	const n = 10000 // polls
	var mm, plain, multi strings.Builder
	for i := range n {
		s := 1772445601 + i
		fmt.Fprintf(&mm, "Mar 02 11:00:01 gw ModemManager[812]: <info>  [%d.105000] [modem0] signal quality updated (%d)\n", s, i%32)
		fmt.Fprintf(&mm, "Mar 02 11:00:01 gw ModemManager[812]: <dbg> [%d.105911] [ttyUSB2/at] --> 'AT+CSQ<CR>'\n", s)
		fmt.Fprintf(&mm, "Mar 02 11:00:01 gw ModemManager[812]: <dbg> [%d.109011] [ttyUSB2/at] <-- '<CR><LF>+CSQ: %d,99<CR><LF><CR><LF>OK<CR><LF>'\n", s, i%32)
		fmt.Fprintf(&mm, "Mar 02 11:00:01 gw NetworkManager[640]: <info>  [%d.6005] device (cdc-wdm0): state change: unavailable -> disconnected (reason 'none')\n", s)
		stamp := fmt.Sprintf("[2026-11-20 %02d:%02d:%02d.%03d]", i/3600%24, i/60%60, i%60, i%1000)
		fmt.Fprintf(&plain, "%s > AT+CSQ\n%s < +CSQ: %d,99\n%s < OK\n", stamp, stamp, i%32, stamp)
		// A sniffer printing a read of several lines: the lines after
		// the first carry no marker.
		fmt.Fprintf(&multi, "%s > AT+CSQ\n%s < +CSQ: %d,99\nOK\n", stamp, stamp, i%32)
	}
	for _, tc := range []struct {
		name, log string
		format    Format
	}{
		{"mm journal", mm.String(), MM},
		{"plain", plain.String(), Plain},
		{"plain, multi-line reads", multi.String(), Plain},
	} {
		lines := strings.Count(tc.log, "\n")
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				tr, err := Read("long.log", []byte(tc.log), "")
				if err != nil || tr.Format != tc.format {
					b.Fatalf("format %v, error %v", tr, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
		})
	}
}
