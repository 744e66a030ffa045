package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/httpserve"
)

// testWriter writes a test capture to buf: a pcapng as the tap writes
// it (Ethernet frames, ng), or a classic pcap of link type lt.
func testWriter(t testing.TB, buf *bytes.Buffer, ng bool, lt layers.LinkType) (write func(gopacket.CaptureInfo, []byte) error, flush func() error) {
	if ng {
		w, err := newNgWriter(buf, "tap")
		if err != nil {
			t.Fatal(err)
		}
		return w.WritePacket, w.Flush
	}
	w := pcapgo.NewWriterNanos(buf)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	return w.WritePacket, func() error { return nil }
}

// synthCapture builds a small capture in memory with the tap's frame
// synthesis: one exchange over IPv4, one over IPv6. pcapng or classic pcap.
func synthCapture(t testing.TB, ng bool) []byte {
	var buf bytes.Buffer
	write, flush := testWriter(t, &buf, ng, layers.LinkTypeEthernet)
	tp := newTap(clock.NewVirtual(clock.Epoch), eventCount{}, unmarked(write))
	for _, ip := range []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback} {
		f := tp.newFlow(&net.TCPAddr{IP: ip, Port: 40000}, &net.TCPAddr{IP: ip, Port: 8080}, false)
		body := `{"eid":"89049032000001000000000000000171","kind":"list-exhausted"}`
		f.data(true, []byte("POST /v1/notifications HTTP/1.1\r\nHost: p\r\nContent-Length: "+
			strconv.Itoa(len(body))+"\r\n\r\n"+body))
		f.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{\"ack\":true,\"id\":\"1\"}\n"))
		f.close()
	}
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSynthCaptureDecodes(t *testing.T) {
	for _, ng := range []bool{true, false} {
		ex, err := readHTTP(bytes.NewReader(synthCapture(t, ng)), nil, nil)
		if err != nil {
			t.Fatalf("ng=%v: %v", ng, err)
		}
		msgs, err := DecodePlatform(ex)
		if err != nil || len(msgs) != 2 || msgs[1].Notification == nil || msgs[1].Ack == nil {
			t.Fatalf("ng=%v: DecodePlatform %v %+v", ng, err, msgs)
		}
		if len(ex) != 2 || ex[0].Client != "127.0.0.1:40000" || ex[1].Server != "[::1]:8080" ||
			ex[0].Status != 200 || ex[1].Path != "/v1/notifications" {
			t.Fatalf("ng=%v: %+v", ng, ex)
		}
	}
}

func TestMalformedCaptures(t *testing.T) {
	good := synthCapture(t, true)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "not a capture file"},
		{"text", []byte("hello world"), "not a pcap or pcapng file"},
		{"truncated", good[:len(good)-7], "packet"},
		{"bad section", append([]byte{0x0a, 0x0d, 0x0d, 0x0a, 1, 0, 0, 0}, good[8:]...), "pcapng"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readHTTP(bytes.NewReader(tc.in), nil, nil)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzReadHTTP mutates capture bytes: the decoder must return exchanges or
// an error, never panic or run away with memory.
func FuzzReadHTTP(f *testing.F) {
	f.Add(synthCapture(f, true))
	f.Add(synthCapture(f, false))
	f.Fuzz(func(t *testing.T, b []byte) {
		ex, err := readHTTP(bytes.NewReader(b), nil, nil)
		if err != nil {
			return
		}
		if _, err := DecodePlatform(ex); err != nil {
			return
		}
	})
}

// tapFlow is one connection from 127.0.0.1:40000 to port as the tap
// records it; file flushes and returns the capture.
func tapFlow(t *testing.T, port int) (f *flow, file func() []byte) {
	t.Helper()
	tp, file := memTap(t)
	ip := net.IPv4(127, 0, 0, 1)
	return tp.newFlow(&net.TCPAddr{IP: ip, Port: 40000}, &net.TCPAddr{IP: ip, Port: port}, false), file
}

// memTap is a tap writing pcapng into memory; file flushes and returns it.
func memTap(t *testing.T) (tp *tap, file func() []byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := newNgWriter(&buf, "tap")
	if err != nil {
		t.Fatal(err)
	}
	return newTap(clock.NewVirtual(clock.Epoch), eventCount{}, unmarked(w.WritePacket)), func() []byte {
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
}

// numbered is a platform notification request whose body says n.
func numbered(n int) []byte {
	body := fmt.Sprintf(`{"n":%d}`, n)
	return []byte(fmt.Sprintf("POST /esimhil/v1/notifications HTTP/1.1\r\nHost: p\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
}

// A connection reset while the server answers (a power cut mid-response)
// leaves a response cut short: the exchange is kept with Cut set and no
// answer, not reported as a broken capture. The same short response
// without a reset is a capture that missed packets, and an error.
func TestResponseCutByReset(t *testing.T) {
	build := func(reset bool) []byte {
		f, file := tapFlow(t, 8443)
		body := `{"transactionId":"01","prepareDownloadResponse":"vyEA"}`
		f.data(true, []byte("POST /gsma/rsp2/es9plus/getBoundProfilePackage HTTP/1.1\r\nHost: smdp.sfr.test\r\nContent-Length: "+
			strconv.Itoa(len(body))+"\r\n\r\n"+body))
		// 4096 bytes announced, 30 sent.
		f.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n{\"header\":{\"functionExecution"))
		if reset {
			f.reset(true)
		} else {
			f.close()
		}
		return file()
	}
	ex, err := readHTTP(bytes.NewReader(build(true)), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 1 || !ex[0].Cut || ex[0].Status != 0 || ex[0].ResponseBody != nil {
		t.Fatalf("exchanges %+v", ex)
	}
	msgs, err := DecodeExchanges(ex)
	if err != nil || len(msgs) != 1 || msgs[0].ES9 == nil || msgs[0].ES9.Request == nil || msgs[0].ES9.Response != nil ||
		!strings.Contains(msgs[0].Error, "cut short") {
		t.Fatalf("messages %v %+v", err, msgs)
	}
	if _, err := readHTTP(bytes.NewReader(build(false)), nil, nil); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("short response without a reset: %v", err)
	}
}

// A request the client's end of the connection cuts short (a terminal
// closing its channel as the card loses power, FIN or RST) is traffic that
// was cut, not a capture that missed it: headers cut short leave no
// exchange, a body cut short leaves a Cut one, and the exchanges before it
// stay. The same short request with neither (the file just ends) is a
// capture defect.
func TestRequestCutByClient(t *testing.T) {
	const whole = "POST /esimhil/v1/preferred-list HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\n\r\n{}"
	const answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
	for _, tc := range []struct {
		name    string
		sent    string // after one whole, answered exchange
		end     string // fin, reset or "" (the capture ends)
		want    int    // exchanges decoded
		lastCut bool
		err     string
		// the server's HTTP layer answers the cut request on the
		// half-closed connection (Go: 400 Bad Request, then it closes)
		answered     bool
		method, path string // of the cut exchange, when answered
	}{
		{name: "headers cut, FIN", sent: "POST /esimhil/v1/attach-succ", end: "fin", want: 1},
		{name: "headers cut, FIN, answered", sent: "POST /esimhil/v1/attach-succ", end: "fin", answered: true, want: 2, lastCut: true},
		{name: "request line whole, headers cut, FIN, answered", sent: "POST /esimhil/v1/attach-success HTTP/1.1\r\nHost: p\r\nContent-Le", end: "fin",
			answered: true, want: 2, lastCut: true, method: "POST", path: "/esimhil/v1/attach-success"},
		{name: "headers cut, RST", sent: "POST /esimhil/v1/attach-succ", end: "reset", want: 1},
		{name: "body cut, FIN", sent: "POST /esimhil/v1/x HTTP/1.1\r\nHost: p\r\nContent-Length: 40\r\n\r\n{\"a\"", end: "fin", want: 2, lastCut: true},
		{name: "body cut, RST", sent: "POST /esimhil/v1/x HTTP/1.1\r\nHost: p\r\nContent-Length: 40\r\n\r\n{\"a\"", end: "reset", want: 2, lastCut: true},
		{name: "headers cut, capture ends", sent: "POST /esimhil/v1/attach-succ", err: "request at byte"},
		{name: "body cut, capture ends", sent: "POST /esimhil/v1/x HTTP/1.1\r\nHost: p\r\nContent-Length: 40\r\n\r\n{\"a\"", err: "body: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, file := tapFlow(t, 8080)
			f.data(true, []byte(whole))
			f.data(false, []byte(answer))
			f.data(true, []byte(tc.sent))
			switch tc.end {
			case "fin":
				f.fin(true)
				if tc.answered {
					f.data(false, []byte(badRequest))
				}
				f.close()
			case "reset":
				f.reset(true)
			}
			ex, err := readHTTP(bytes.NewReader(file()), nil, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ex) != tc.want || ex[0].Status != 200 || ex[0].Cut || ex[len(ex)-1].Cut != tc.lastCut {
				t.Fatalf("exchanges %+v", ex)
			}
			if last := ex[len(ex)-1]; tc.answered && (!last.HeadCut || last.Status != 400 || last.Method != tc.method || last.Path != tc.path) {
				t.Fatalf("the answered cut request: %+v", last)
			}
			// It never reached a handler: the server's log holds the
			// whole request alone, and the two agree.
			srv, _ := netip.ParseAddrPort(ex[0].Server)
			log := []httpserve.Request{{Index: 1, Method: "POST", Path: "/esimhil/v1/preferred-list", Status: 200, BodySHA256: httpserve.BodyHash([]byte("{}"))}}
			if tc.lastCut && !tc.answered {
				log = append(log, httpserve.Request{Index: 2, Method: "POST", Path: "/esimhil/v1/x"})
			}
			if d := Compare(ex, []ServerLog{{Name: "platform", Addr: srv, Requests: log}}); len(d) != 0 {
				t.Fatalf("against the server's log: %v", d)
			}
		})
	}
}

// A terminal that closes its channel in the middle of a request's headers,
// over real sockets: Go's HTTP server answers the half-closed connection
// with 400 Bad Request. The tap records it, and the capture decodes to a
// HeadCut exchange that the evidence check does not hold against the log.
func TestHeadersCutAnsweredOverSockets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.pcapng")
	sess, ln := tapListening(t, path)
	var handled atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handled.Add(1) })}
	go srv.Serve(sess.Wrap(ln))
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "POST /esimhil/v1/notifications HTTP/1.1\r\nHost: p\r\nContent-Len"); err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	answer, err := io.ReadAll(conn)
	conn.Close()
	if err != nil || !strings.HasPrefix(string(answer), "HTTP/1.1 400 ") {
		t.Fatalf("server answered %q (%v)", answer, err)
	}
	srv.Close()
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	ex, err := ReadHTTP(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 1 || !ex[0].HeadCut || !ex[0].Cut || ex[0].Status != 400 || ex[0].Path != "/esimhil/v1/notifications" || handled.Load() != 0 {
		t.Fatalf("exchanges %+v (handled %d)", ex, handled.Load())
	}
	srvAddr, _ := netip.ParseAddrPort(ex[0].Server)
	if d := Compare(ex, []ServerLog{{Name: "platform", Addr: srvAddr}}); len(d) != 0 {
		t.Fatalf("against an empty log: %v", d)
	}
}

// badRequest is what Go's HTTP server writes on a connection whose request
// headers ended early.
const badRequest = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"

// A client that resets the connection (SO_LINGER 0, as a device losing
// power) shows in the tap's file as an RST from the client, after which
// nothing more of the connection is recorded.
func TestTapRecordsReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reset.pcapng")
	sess, ln := tapListening(t, path)
	l := sess.Wrap(ln)
	defer l.Close()
	cl, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Write([]byte("GET / HTTP/1.1\r\nHost: p\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := cl.(*net.TCPConn).SetLinger(0); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	// The server sees the reset on a read or, at the latest, a write.
	var ioErr error
	for i := 0; i < 100 && ioErr == nil; i++ {
		if _, ioErr = sc.Read(make([]byte, 512)); ioErr == nil {
			_, ioErr = sc.Write(bytes.Repeat([]byte("x"), 4096))
		}
	}
	if !isReset(ioErr) {
		t.Fatalf("server error %v, want a reset", ioErr)
	}
	sc.Close()
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	src := openTestSource(t, path)
	var flags []string
	for {
		data, _, err := src.ReadPacketData()
		if err != nil {
			break
		}
		tcp, _ := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP)
		switch {
		case tcp.RST:
			flags = append(flags, "RST")
		case tcp.FIN:
			flags = append(flags, "FIN")
		}
	}
	if len(flags) != 1 || flags[0] != "RST" {
		t.Fatalf("connection ends with %v, want one RST and no FIN", flags)
	}
}

// A long run gets the same client port for connections far apart. Every
// connection of a tap file has its own initial sequence number (they were
// n<<24, the same every 256 connections, and connection 257 on connection
// 1's port decoded as a retransmission of it), and the decoder starts a
// new connection at a SYN after the last one on the address pair ended,
// even with the ISN the last one had (another tool's capture).
func TestPortReusedFarApart(t *testing.T) {
	exchange := func(f *flow, i int) {
		f.data(true, numbered(i))
		f.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
		f.close()
	}
	for _, sameISN := range []bool{false, true} {
		t.Run(fmt.Sprintf("same ISN forced %v", sameISN), func(t *testing.T) {
			tp, file := memTap(t)
			ip := net.IPv4(127, 0, 0, 1)
			server := &net.TCPAddr{IP: ip, Port: 8080}
			var first *flow
			const n = 300
			for i := 1; i <= n; i++ {
				port := 41000 + i
				if i == 1 || i == 257 {
					port = 40000
				}
				if sameISN && i == 257 {
					// As a tool that repeats ISNs would write it: the
					// second connection starts where the first did.
					f := &flow{tap: tp, c: first.c, s: first.s}
					f.c.fin, f.s.fin = false, false
					tp.mu.Lock()
					f.segment(true, flagSYN, nil)
					f.segment(false, flagSYN|flagACK, nil)
					f.segment(true, flagACK, nil)
					tp.mu.Unlock()
					exchange(f, i)
					continue
				}
				f := tp.newFlow(&net.TCPAddr{IP: ip, Port: port}, server, false)
				if i == 257 && f.c.seq == first.c.seq+1 {
					t.Errorf("connection 257 has connection 1's ISN %#x", first.c.seq)
				}
				if i == 1 {
					c, s := f.c, f.s
					c.seq, s.seq = c.seq-1, s.seq-1 // before their SYNs
					first = &flow{c: c, s: s}
				}
				exchange(f, i)
			}
			ex, err := readHTTP(bytes.NewReader(file()), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(ex) != n {
				t.Fatalf("%d exchanges, want %d", len(ex), n)
			}
			for i, e := range ex {
				if want := fmt.Sprintf(`{"n":%d}`, i+1); string(e.RequestBody) != want || e.Status != 200 {
					t.Fatalf("exchange %d: %s %d, want %s", i+1, e.RequestBody, e.Status, want)
				}
			}
		})
	}
}

// A capture whose writer was killed ends in the middle of a block: the
// readers say so (ErrCutShort, naming the packet) and return what came
// before the cut — the finished exchanges, a request still waiting for its
// answer — instead of nothing. A whole file is no such thing.
func TestCutShortFile(t *testing.T) {
	tp, file := memTap(t)
	ip := net.IPv4(127, 0, 0, 1)
	server := &net.TCPAddr{IP: ip, Port: 8080}
	for i := 1; i <= 3; i++ {
		f := tp.newFlow(&net.TCPAddr{IP: ip, Port: 40000 + i}, server, false)
		f.data(true, numbered(i))
		f.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
		f.close()
	}
	open := tp.newFlow(&net.TCPAddr{IP: ip, Port: 40004}, server, false)
	open.data(true, numbered(4))
	open.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"partial"))
	whole := file()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		cut  int // bytes dropped from the end
	}{{"whole", 0}, {"cut in the last block", 10}, {"cut in a block's header", len(whole) - bytes.LastIndex(whole, []byte{6, 0, 0, 0}) - 4}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".pcapng")
			if err := os.WriteFile(path, whole[:len(whole)-tc.cut], 0o644); err != nil {
				t.Fatal(err)
			}
			ex, err := ReadHTTP(path)
			if tc.cut == 0 {
				// The open connection's answer is cut short without a
				// reset: in a whole file, a capture defect.
				if err == nil || errors.Is(err, ErrCutShort) {
					t.Fatalf("whole file: %v", err)
				}
				// The exchanges come with the error, the open
				// connection's request without its answer.
				if len(ex) != 4 || ex[2].Status != 200 || ex[3].Status != 0 {
					t.Fatalf("whole file: exchanges beside the error %+v", ex)
				}
				return
			}
			if !errors.Is(err, ErrCutShort) || !strings.Contains(err.Error(), "in the middle of a block") {
				t.Fatalf("error %v, want ErrCutShort", err)
			}
			if len(ex) != 4 || ex[2].Status != 200 || ex[3].Status != 0 || string(ex[3].RequestBody) != `{"n":4}` {
				t.Fatalf("exchanges before the cut: %+v", ex)
			}
			if _, err := ReadDatagrams(path, 4729); !errors.Is(err, ErrCutShort) {
				t.Errorf("datagrams: %v", err)
			}
			if _, _, err := ReadEvidence(path, 4729, 1); !errors.Is(err, ErrCutShort) {
				t.Errorf("evidence: %v", err)
			}
		})
	}
}

// A capture that misses a segment of a connection is a capture defect,
// wherever in the stream the segment was: at a direction's first byte,
// or mid-stream — a keep-alive connection missing one whole pipelined
// request or answer would otherwise decode cleanly, one exchange short
// (t167 S5).
func TestReassemblyGap(t *testing.T) {
	answer := func(n int) []byte {
		body := fmt.Sprintf(`{"ack":%d}`, n)
		return []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	}
	for _, tc := range []struct {
		name string
		drop []byte // the payload of the frame the capture misses
		want string
	}{
		{"nothing missed", nil, ""},
		{"the first request", numbered(1), fmt.Sprintf("capture misses %d bytes at stream offset 0", len(numbered(1)))},
		{"a request mid-stream", numbered(2), fmt.Sprintf("capture misses %d bytes at stream offset %d", len(numbered(2)), len(numbered(1)))},
		{"an answer mid-stream", answer(2), fmt.Sprintf("capture misses %d bytes at stream offset %d", len(answer(2)), len(answer(1)))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, file := tapFlow(t, 8080)
			for n := 1; n <= 3; n++ {
				f.data(true, numbered(n))
				f.data(false, answer(n))
			}
			f.close()
			b := file()
			if tc.drop != nil {
				b = withoutFrame(t, b, tc.drop)
			}
			ex, err := readHTTP(bytes.NewReader(b), nil, nil)
			if tc.want == "" {
				if err != nil || len(ex) != 3 {
					t.Fatalf("%d exchanges, %v", len(ex), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%d exchanges, error %v; want one with %q", len(ex), err, tc.want)
			}
		})
	}
}

// withoutFrame is a tap's pcapng without the one Enhanced Packet Block
// whose frame ends in payload (its TCP segment's data).
func withoutFrame(t *testing.T, file, payload []byte) []byte {
	t.Helper()
	le := binary.LittleEndian // as newNgWriter writes
	var out []byte
	dropped := 0
	for off := 0; off < len(file); {
		if len(file)-off < 12 {
			t.Fatalf("pcapng: %d bytes left at %d", len(file)-off, off)
		}
		typ, size := le.Uint32(file[off:]), int(le.Uint32(file[off+4:]))
		if size < 28 || size%4 != 0 || off+size > len(file) {
			t.Fatalf("pcapng: block of %d bytes at %d", size, off)
		}
		block := file[off : off+size]
		off += size
		if typ == blockTypeEPB {
			n := int(le.Uint32(block[20:])) // captured length
			if frame := block[28 : 28+n]; bytes.HasSuffix(frame, payload) {
				dropped++
				continue
			}
		}
		out = append(out, block...)
	}
	if dropped != 1 {
		t.Fatalf("%d frames end in %q", dropped, payload)
	}
	return out
}

// A connection only half-closed where a killed writer's file ends — the
// client's FIN in, the server still answering — is open, not ended: its
// answer cut short is the file's cut (ErrCutShort), not a capture that
// missed data, as for a connection without any FIN (t167 S8: one FIN
// counted as the connection's end).
func TestCutShortFileHalfClosed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		clientFIN bool
	}{{"no FIN", false}, {"the client's FIN", true}} {
		t.Run(tc.name, func(t *testing.T) {
			tp, file := memTap(t)
			ip := net.IPv4(127, 0, 0, 1)
			server := &net.TCPAddr{IP: ip, Port: 8080}
			open := tp.newFlow(&net.TCPAddr{IP: ip, Port: 40001}, server, false)
			open.data(true, numbered(1))
			if tc.clientFIN {
				open.fin(true)
			}
			open.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"partial"))
			// Another connection after it, whose last block the cut hits.
			f := tp.newFlow(&net.TCPAddr{IP: ip, Port: 40002}, server, false)
			f.data(true, numbered(2))
			f.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
			f.close()
			whole := file()
			ex, err := readHTTP(bytes.NewReader(whole[:len(whole)-10]), nil, nil)
			if !errors.Is(err, ErrCutShort) {
				t.Fatalf("error %v, want ErrCutShort", err)
			}
			if len(ex) != 2 || ex[0].Status != 0 || string(ex[0].RequestBody) != `{"n":1}` || ex[1].Status != 200 {
				t.Fatalf("exchanges before the cut: %+v", ex)
			}
		})
	}
}
