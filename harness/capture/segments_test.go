package capture

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/tsharktest"
)

// TestTapKeepsEverySegment writes writes of one segment and of several,
// the last one short, each way, and reads the file with tshark: each
// direction's TCP payload adds up to what its side sent, and Wireshark's
// TCP analysis finds no segment missing. A tap that lost the last
// segment of a write lost only the tail of a large answer (a bound
// profile package), which the servers' request logs never show.
func TestTapKeepsEverySegment(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dialed     bool // the card's (WrapDial), else a client out of process
		req, reply int
	}{
		{"dialed, one segment each way", true, 100, 200},
		{"dialed, exactly one full segment each way", true, mss, mss},
		{"dialed, several segments, the last short", true, 3*mss + 17, 5*mss + 1},
		{"not dialed, several segments, the last short", false, 2*mss + 5, 4*mss + 33},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "segments.pcapng")
			sess, ln := tapListening(t, path)
			l := sess.Wrap(ln)
			serverPort := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
			served := make(chan error, 1)
			go func() {
				c, err := l.Accept()
				if err != nil {
					served <- err
					return
				}
				if _, err := io.ReadFull(c, make([]byte, tc.req)); err != nil {
					served <- err
					return
				}
				if _, err := c.Write(bytes.Repeat([]byte{'s'}, tc.reply)); err != nil {
					served <- err
					return
				}
				served <- c.Close()
			}()
			dial := net.Dial
			if tc.dialed {
				dial = sess.WrapDial(net.Dial)
			}
			c, err := dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write(bytes.Repeat([]byte{'c'}, tc.req)); err != nil {
				t.Fatal(err)
			}
			if b, err := io.ReadAll(c); err != nil || len(b) != tc.reply {
				t.Fatalf("client read %d bytes (%v), want %d", len(b), err, tc.reply)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if err := <-served; err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if err := sess.Close(); err != nil {
				t.Fatal(err)
			}

			out := tsharktest.Run(t, "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=|",
				"-e", "frame.number", "-e", "tcp.srcport", "-e", "tcp.len", "-e", "tcp.analysis.lost_segment", "-e", "tcp.analysis.ack_lost_segment")
			sent := map[bool]int{} // by the server
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				f := strings.Split(line, "|")
				if len(f) != 5 {
					t.Fatalf("tshark line %q", line)
				}
				n, err := strconv.Atoi(f[2])
				if err != nil {
					t.Fatalf("tshark line %q: tcp.len: %v", line, err)
				}
				sent[f[1] == serverPort] += n
				if f[3] != "" || f[4] != "" {
					t.Errorf("frame %s: Wireshark finds a segment missing before it (lost_segment %q, ack_lost_segment %q)", f[0], f[3], f[4])
				}
			}
			if sent[false] != tc.req || sent[true] != tc.reply {
				t.Errorf("the file holds %d bytes from the client and %d from the server, which sent %d and %d", sent[false], sent[true], tc.req, tc.reply)
			}
		})
	}
}

// tapListening starts a tap capture into path on a virtual clock and
// opens a loopback listener for the test's server (not yet wrapped).
func tapListening(t *testing.T, path string) (*Session, net.Listener) {
	t.Helper()
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clock.NewVirtual(clock.Epoch)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return sess, ln
}
