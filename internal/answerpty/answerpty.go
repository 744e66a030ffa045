// Package answerpty is a modem in a test's own terms: a pseudo-terminal
// whose master side answers each command line with what a function
// says. Host-side tests (lab, record, replay) use it where the emulator
// would be too much: a modem that goes silent, that answers late, that is
// no modem.
package answerpty

import (
	"os"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/esimhil/esimhil/internal/pollfile"
)

// Open starts a pty whose master reads lines ended by CR and writes
// answer(line) back ("" says nothing); it returns the path of the other
// side, for the client under test to open. Both ends close when the test
// ends, which ends the answering goroutine.
func Open(t testing.TB, answer func(line string) string) string {
	t.Helper()
	return OpenWrites(t, func(line string) []string { return []string{answer(line)} }, 0)
}

// OpenWrites is Open for a modem that answers a line in several writes
// (writes(line), "" ones skipped), gap apart: a final result sent twice,
// the second in a write of its own.
func OpenWrites(t testing.TB, writes func(line string) []string, gap time.Duration) string {
	t.Helper()
	master, name := Master(t)
	go func() {
		buf := make([]byte, 512)
		var line []byte
		for {
			n, err := master.Read(buf)
			if err != nil {
				return
			}
			for _, b := range buf[:n] {
				if b != '\r' {
					line = append(line, b)
					continue
				}
				for i, w := range writes(string(line)) {
					if i > 0 && gap > 0 {
						time.Sleep(gap) // the modem's timing, not a wait for a condition
					}
					if w != "" {
						master.Write([]byte(w))
					}
				}
				line = line[:0]
			}
		}
	}()
	return name
}

// Master opens a pty and returns its master side, for a test that writes
// on its own, and the path of the other side. The master is under the
// runtime poller (pollfile), so that closing it wakes a goroutine reading
// it.
func Master(t testing.TB) (*os.File, string) {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	master, err := pollfile.Of(m)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close(); s.Close() })
	return master, s.Name()
}
