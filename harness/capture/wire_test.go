package capture

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/esimhil/esimhil/emulators/clock"
)

// wireLog is a tap's frames after the handshake, one word each: the
// sender (C or S), its flags (F, R, P, A) and the payload's length, as in
// "C:PA:10 S:A", and "+note" after a frame that carries serverSideNote.
type wireLog struct {
	mu     sync.Mutex
	frames [][]byte
	notes  []string
}

func (w *wireLog) write(_ gopacket.CaptureInfo, b []byte, m Mark) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.frames = append(w.frames, bytes.Clone(b))
	w.notes = append(w.notes, m.Note)
	return nil
}

func (w *wireLog) String(serverPort int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for i, b := range w.frames {
		if i < 3 {
			continue // the handshake
		}
		tcp := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP)
		side := "C"
		if int(tcp.SrcPort) == serverPort {
			side = "S"
		}
		flags := ""
		for _, f := range []struct {
			on   bool
			name string
		}{{tcp.FIN, "F"}, {tcp.RST, "R"}, {tcp.PSH, "P"}, {tcp.ACK, "A"}} {
			if f.on {
				flags += f.name
			}
		}
		word := side + ":" + flags
		if len(tcp.Payload) > 0 {
			word += ":" + strconv.Itoa(len(tcp.Payload))
		}
		switch w.notes[i] {
		case "":
		case serverSideNote:
			word += "+note"
		default:
			word += "+" + w.notes[i]
		}
		out = append(out, word)
	}
	return strings.Join(out, " ")
}

// TestTapRecordsEachSideAsItSends drives a wrapped server and a client,
// dialed through the tap (an in-process client: the card's BIP channel)
// or not (one out of process: a host LPA), and holds the frames after the
// handshake against what Linux puts on the wire: the client's bytes as it
// sends them, read or not; a FIN from whichever side closes, when it
// closes; a server that closes with bytes unread resets the connection
// (RFC 2525 §2.17), and one that has closed answers later bytes with an
// RST (RFC 1122 §4.2.2.13). The tap used to record a client's bytes only
// as the server read them and to draw a FIN exchange at every close
// (outside tester sw74 F1).
func TestTapRecordsEachSideAsItSends(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dialed bool
		// The client sends req (the server reads readN of it), the
		// server answers 5 bytes and closes; halfClose has the client
		// send its FIN first, after its request; late bytes go out once
		// the client has read the server's end.
		req, readN int
		halfClose  bool
		late       int
		want       string
	}{
		{"dialed, both close", true, 10, 10, true, 0,
			"C:PA:10 S:A C:FA S:A S:PA:5 C:A S:FA C:A"},
		{"dialed, the client sends after the server's close", true, 10, 10, false, 31,
			"C:PA:10 S:A S:PA:5 C:A S:FA C:A C:PA:31 S:R"},
		{"dialed, the server closes with bytes unread", true, 14, 10, false, 0,
			"C:PA:14 S:A S:PA:5 C:A S:RA"},
		{"not dialed, the server closes with bytes unread", false, 14, 10, false, 0,
			"C:PA:10 S:A S:PA:5 C:A C:PA:4 S:A S:RA+note"},
		// The client closed first: nothing of its can follow the
		// server's close, and no note says so (outside tester sw91).
		{"not dialed, both close", false, 10, 10, true, 0,
			"C:PA:10 S:A C:FA S:PA:5 C:A S:FA C:A"},
		{"not dialed, the server closes first", false, 10, 10, false, 0,
			"C:PA:10 S:A S:PA:5 C:A S:FA+note C:FA S:A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log wireLog
			tp := newTap(clock.NewVirtual(clock.Epoch), eventCount{}, log.write)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			tp.addServer(ln.Addr())
			tl := &tapListener{Listener: ln, tap: tp}
			defer tl.Close()
			port := ln.Addr().(*net.TCPAddr).Port

			serverDone := make(chan error, 1)
			go func() {
				c, err := tl.Accept()
				if err != nil {
					serverDone <- err
					return
				}
				buf := make([]byte, tc.readN)
				if _, err := io.ReadFull(c, buf); err != nil {
					serverDone <- err
					return
				}
				if tc.halfClose { // read the client's end
					if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
						serverDone <- err
						return
					}
				}
				_, err = c.Write([]byte("hello"))
				if err == nil {
					err = c.Close()
				}
				serverDone <- err
			}()

			dial := net.Dial
			if tc.dialed {
				dial = func(network, address string) (net.Conn, error) { return tp.dial(net.Dial, network, address) }
			}
			c, err := dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write(bytes.Repeat([]byte{'q'}, tc.req)); err != nil {
				t.Fatal(err)
			}
			if tc.halfClose {
				if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-serverDone; err != nil {
				t.Fatal(err)
			}
			if tc.req == tc.readN { // else the server's RST may cut the answer
				if b, err := io.ReadAll(c); err != nil || string(b) != "hello" {
					t.Fatalf("client read %q, %v", b, err)
				}
			}
			if tc.late > 0 {
				if _, err := c.Write(bytes.Repeat([]byte{'z'}, tc.late)); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			tp.finish()
			if got := log.String(port); got != tc.want {
				t.Errorf("frames after the handshake\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A client out of process (not dialed through the tap) that sends a body
// past the server's limit: the server answers after reading part of it
// and closes with the rest unread, which resets the connection. The file
// holds what had arrived by then — more than the server read, as on the
// wire —, decodes, and matches the server's log (outside tester sw74 F1: a 2 MiB ES9+ body
// was in the file only as far as the server read it).
func TestTapDrainsWhatTheServerLeftUnread(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	dir := t.TempDir()
	path := dir + "/big.pcapng"
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlatform(t, clk)
	if err := p.Start("127.0.0.1:0", sess.Wrap); err != nil {
		t.Fatal(err)
	}
	body := `{"eid":"` + testEID + `","kind":"list-exhausted","pad":"` + strings.Repeat("x", 3<<20) + `"}`
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	req := "POST /v1/notifications HTTP/1.1\r\nHost: platform\r\nContent-Type: application/json\r\n" +
		"Connection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	sent := make(chan int, 1)
	go func() {
		n, _ := io.WriteString(c, req) // cut by the server's RST
		sent <- n
	}()
	answer, _ := io.ReadAll(c) // ends in the RST (or EOF)
	n := <-sent
	c.Close()
	if !strings.HasPrefix(string(answer), "HTTP/1.1 413") && !strings.HasPrefix(string(answer), "HTTP/1.1 400") {
		t.Logf("answer: %.80q", answer)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	ex, err := ReadHTTP(path)
	if err != nil {
		t.Fatalf("ReadHTTP: %v", err)
	}
	if len(ex) != 1 || ex[0].Status != 413 {
		t.Fatalf("%d exchanges, want one, answered 413", len(ex))
	}
	reqs, dropped := p.Requests()
	if d := Compare(ex, []ServerLog{{Name: "platform", Addr: p.Addr(), Requests: reqs, Dropped: dropped}}); len(d) > 0 {
		t.Errorf("against the server's log: %v", d)
	}
	// A body declared this far past the limit (more than httpserve's
	// drainMax times it) is refused from its Content-Length, unread: the
	// server read the header and what its 4 KiB buffer took with it, and
	// net/http reads no more before it closes. The rest in the file is the
	// drain's: what the receive queue held at the close — as much as the
	// kernel's receive buffer had room for, about 60 KiB or more —, no
	// more than the client sent. (The bound was MaxBody+4 KiB, from when
	// the handler read the limit first: failing 7 runs in 40 whenever the
	// buffer had not grown past 64 KiB.)
	if got, read := len(ex[0].RequestBody), 4<<10; got <= read || got > n {
		t.Errorf("%d bytes of body in the file; the server read at most %d, the client sent %d", got, read, n)
	}
}

// A server closed while a keep-alive connection idles — its handler's
// Read waiting for the next request — closes at once: the drain of what
// arrived unread does not queue behind that Read, which holds the
// socket's read lock until the client leaves (Go's HTTP client after 90 s
// idle: every lab spec's teardown waited that long). The client here
// stays until the server's Close has returned, so a drain that waits for
// it never returns; the bound only ends such a test.
func TestTapCloseBesideAnIdleKeepAlive(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	sess, err := Start(Config{Path: t.TempDir() + "/idle.pcapng", Mode: Tap, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlatform(t, clk)
	if err := p.Start("127.0.0.1:0", sess.Wrap); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// One request on a kept-alive connection, answered; then it idles.
	if _, err := io.WriteString(c, "GET /v1/nothing HTTP/1.1\r\nHost: platform\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if n, err := c.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 ") {
		t.Fatalf("answer %q, %v", buf[:n], err)
	}
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server's Close waits for its idle client to leave")
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
}
