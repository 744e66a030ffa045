package fleet

import (
	"strings"
	"testing"
	"time"
)

// The report's switch line gives each percentile it names: a p99 printed
// from the p95 (or the p50) would read as a storm with no tail (t235 F1:
// the mutant survived every layer; Percentile itself was tested, its use
// in the report was not).
func TestSwitchLinePercentiles(t *testing.T) {
	secs := func(n int) []time.Duration {
		var d []time.Duration
		for i := 1; i <= n; i++ {
			d = append(d, time.Duration(i)*time.Second)
		}
		return d
	}
	for _, tc := range []struct {
		name  string
		times []time.Duration
		want  string
	}{
		{"1..100 s", secs(100), "switch     p50 50s, p95 1m35s, p99 1m39s simulated"},
		{"1..180 s", secs(180), "switch     p50 1m30s, p95 2m51s, p99 2m59s simulated"},
		{"one slow device of 20", append(secs(19), time.Hour), "switch     p50 10s, p95 19s, p99 1h0m0s simulated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newResult()
			r.Devices = len(tc.times)
			r.SwitchTimes = tc.times
			var b strings.Builder
			r.Print(&b)
			var line string
			for l := range strings.Lines(b.String()) {
				if strings.HasPrefix(l, "switch ") {
					line = strings.TrimSpace(l)
				}
			}
			if !strings.HasPrefix(line, tc.want) {
				t.Errorf("switch line %q, want it to begin %q", line, tc.want)
			}
		})
	}
}
