package ser2net

import (
	"bytes"
	"sync"
)

// maxLog bounds what is kept of ser2net's output.
const maxLog = 64 << 10

// syncWriter keeps the head of ser2net's output; its stdout and stderr
// are written from two goroutines.
type syncWriter struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := maxLog - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
