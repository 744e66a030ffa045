package capture

import (
	"bytes"
	"net"
	"strconv"
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
		ex, err := readHTTP(bytes.NewReader(synthCapture(t, ng)), nil)
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
			_, err := readHTTP(bytes.NewReader(tc.in), nil)
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
		ex, err := readHTTP(bytes.NewReader(b), nil)
		if err != nil {
			return
		}
		if _, err := DecodePlatform(ex); err != nil {
			return
		}
	})
}
