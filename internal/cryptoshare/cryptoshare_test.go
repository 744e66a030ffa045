package cryptoshare

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// cpuProfile is a CPU profile whose samples each hold one stack (frames
// innermost first) and its CPU nanoseconds.
func cpuProfile(t *testing.T, samples map[string]int64) *bytes.Buffer {
	t.Helper()
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10_000_000,
	}
	fns := map[string]*profile.Function{}
	for stack, ns := range samples {
		s := &profile.Sample{Value: []int64{ns / p.Period, ns}}
		for _, name := range strings.Split(stack, ";") {
			fn := fns[name]
			if fn == nil {
				fn = &profile.Function{ID: uint64(len(fns) + 1), Name: name}
				fns[name] = fn
				p.Function = append(p.Function, fn)
			}
			loc := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: fn}}}
			p.Location = append(p.Location, loc)
			s.Location = append(s.Location, loc)
		}
		p.Sample = append(p.Sample, s)
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples map[string]int64
		share   float64
		n       int64
	}{
		{"crypto at the leaf", map[string]int64{"crypto/ecdsa.Verify;main.f": 30e6, "net.Dial;main.f": 10e6}, 0.75, 4},
		// TLS's handshake calls into the runtime: the stack still holds crypto.
		{"crypto deeper in the stack", map[string]int64{"runtime.mallocgc;crypto/tls.(*Conn).Handshake;main.g": 20e6, "main.g": 20e6}, 0.5, 4},
		{"no crypto", map[string]int64{"syscall.write;main.h": 50e6}, 0, 5},
		// A package whose path merely holds "crypto" is not Go's crypto.
		{"not crypto/", map[string]int64{"github.com/x/cryptoshare.Of": 10e6, "crypto/sha256.Sum256": 10e6}, 0.5, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			share, n, err := Of(cpuProfile(t, tc.samples))
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(share-tc.share) > 1e-9 || n != tc.n {
				t.Errorf("Of = %v, %d samples; want %v, %d", share, n, tc.share, tc.n)
			}
		})
	}
}

func TestOfRefusesWhatIsNotAProfile(t *testing.T) {
	if _, _, err := Of(strings.NewReader("not a profile")); err == nil || !strings.Contains(err.Error(), "cpu profile") {
		t.Errorf("err = %v", err)
	}
}
