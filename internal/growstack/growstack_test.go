package growstack

import (
	"sync"
	"testing"
)

// deep recurses n frames of about 256 bytes each, as a handshake's calls
// pile up.
//
//go:noinline
func deep(n int) byte {
	var pad [200]byte
	pad[n%200] = byte(n)
	if n == 0 {
		return pad[0]
	}
	return deep(n-1) + pad[n%200]
}

// A new goroutine that goes 12 KB deep: growing as it goes (the runtime's
// doubling) against growing once at the top with Grow. Compare ns/op.
func BenchmarkDeepGoroutine(b *testing.B) {
	for _, tc := range []struct {
		name string
		grow bool
	}{{"doubling", false}, {"grow first", true}} {
		b.Run(tc.name, func(b *testing.B) {
			var wg sync.WaitGroup
			for i := 0; i < b.N; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if tc.grow {
						Grow()
					}
					deep(48)
				}()
				wg.Wait()
			}
		})
	}
}

// Grow leaves the goroutine working (and is cheap to call twice).
func TestGrow(t *testing.T) {
	done := make(chan byte)
	go func() {
		Grow()
		Grow()
		done <- deep(40)
	}()
	if got := <-done; got != deep(40) {
		t.Errorf("deep after Grow = %d, want %d", got, deep(40))
	}
}
