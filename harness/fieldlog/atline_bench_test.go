package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkReadCommandLine reads plain logs per byte: a line of 64 KiB of
// basic commands ("ATE0V1Q0…", V.250 §5.3.1: one command a byte or two),
// a line of 64 KiB of extended commands ("AT+CSQ;+CSQ;…", §5.4.1), and a
// normal session of short lines as long. The cost of a line must be
// linear in its commands, and a long line's byte no dearer than a normal
// log's by much: each command line is parsed once per question asked of
// it (the codec's ResultForm.Run asked five, parsing it each time).
func BenchmarkReadCommandLine(b *testing.B) {
	const size = 64 << 10
	var normal strings.Builder
	for i := 0; normal.Len() < size; i++ {
		stamp := fmt.Sprintf("[2026-11-20 %02d:%02d:%02d.%03d]", i/3600%24, i/60%60, i%60, i%1000)
		fmt.Fprintf(&normal, "%s > AT+CSQ\n%s < +CSQ: %d,99\n%s < OK\n", stamp, stamp, i%32, stamp)
		fmt.Fprintf(&normal, "%s > AT+CEREG?\n%s < +CEREG: 2,1,\"1A2B\",\"01C2D3E4\",7\n%s < OK\n", stamp, stamp, stamp)
	}
	for _, tc := range []struct{ name, log string }{
		{"basic commands", "> AT" + strings.Repeat("E0V1Q0", size/6) + "\n< OK\n"},
		{"extended commands", "> AT" + strings.Repeat("+CSQ;", size/5) + "+CSQ\n< OK\n"},
		{"a normal log", normal.String()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Read("line.log", []byte(tc.log), Plain); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(tc.log)), "ns/byte")
		})
	}
}
