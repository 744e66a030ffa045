package capture

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/esimhil/esimhil/emulators/clock"
)

// synthCapture builds a small capture in memory with the tap's frame
// synthesis: one exchange over IPv4, one over IPv6. pcapng or classic pcap.
func synthCapture(t testing.TB, ng bool) []byte {
	var buf bytes.Buffer
	var write func(gopacket.CaptureInfo, []byte) error
	var flush func() error
	if ng {
		w, err := newNgWriter(&buf, "tap")
		if err != nil {
			t.Fatal(err)
		}
		write, flush = w.WritePacket, w.Flush
	} else {
		w := pcapgo.NewWriterNanos(&buf)
		if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			t.Fatal(err)
		}
		write, flush = w.WritePacket, func() error { return nil }
	}
	tp := newTap(clock.NewVirtual(clock.Epoch), write)
	for _, ip := range []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback} {
		f := tp.newFlow(&net.TCPAddr{IP: ip, Port: 40000}, &net.TCPAddr{IP: ip, Port: 8080})
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
	var buf bytes.Buffer
	w, err := newNgWriter(&buf, "tap")
	if err != nil {
		t.Fatal(err)
	}
	tp := newTap(clock.NewVirtual(clock.Epoch), w.WritePacket)
	ip := net.IPv4(127, 0, 0, 1)
	return tp.newFlow(&net.TCPAddr{IP: ip, Port: 40000}, &net.TCPAddr{IP: ip, Port: port}), func() []byte {
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
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
	}{
		{name: "headers cut, FIN", sent: "POST /esimhil/v1/attach-succ", end: "fin", want: 1},
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
		})
	}
}

// A client that resets the connection (SO_LINGER 0, as a device losing
// power) shows in the tap's file as an RST from the client, after which
// nothing more of the connection is recorded.
func TestTapRecordsReset(t *testing.T) {
	var buf bytes.Buffer
	w, err := newNgWriter(&buf, "tap")
	if err != nil {
		t.Fatal(err)
	}
	tp := newTap(clock.NewVirtual(clock.Epoch), w.WritePacket)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	l := &tapListener{Listener: ln, tap: tp}
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
	tp.finish()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	src, _, err := openSource(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
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
