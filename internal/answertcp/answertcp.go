// Package answertcp is a modem behind a raw TCP port (ser2net's) in a
// test's own terms: each connection is answered by a function that can
// also hang it up, as a modem whose tty vanishes does. Host-side tests
// (atclient, lab record) use it for ports that drop, mid-line or on
// connect.
package answertcp

import (
	"net"
	"sync"
	"testing"
)

// Serve listens on loopback and answers the n-th connection (1 first):
// answer(n, "") as it opens, then answer(n, line) for each command line
// it reads (through its '\r', as a modem takes them, however the bytes
// were split into reads); a non-empty out is written, and hangUp closes
// the connection after it.
// It returns the port's address as a tcp:// link. The listener closes,
// and every connection with it, when the test ends.
func Serve(t testing.TB, answer func(n int, in string) (out string, hangUp bool)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	say := func(c net.Conn, n int, in string) bool {
		out, hangUp := answer(n, in)
		if out != "" {
			c.Write([]byte(out))
		}
		return !hangUp
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func(n int) {
				defer wg.Done()
				defer c.Close()
				if !say(c, n, "") {
					return
				}
				buf := make([]byte, 256)
				var line []byte
				for {
					k, err := c.Read(buf)
					if err != nil {
						return
					}
					for _, b := range buf[:k] {
						if b == '\n' && len(line) == 0 {
							continue
						}
						line = append(line, b)
						if b != '\r' {
							continue
						}
						if !say(c, n, string(line)) {
							return
						}
						line = line[:0]
					}
				}
			}(n)
		}
	}()
	return "tcp://" + l.Addr().String()
}
