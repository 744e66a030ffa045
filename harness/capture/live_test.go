package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func TestLiveLoopback(t *testing.T) {
	probe, err := openLive("lo")
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skipf("live capture needs CAP_NET_RAW (run as root or setcap cap_net_raw): %v", err)
		}
		t.Fatalf("open AF_PACKET on lo: %v", err)
	}
	probe.handle.Close()

	for name, send := range map[string]client{"eof client": eofClient, "net/http client": goClient} {
		t.Run(name, func(t *testing.T) {
			path, sess := scenario(t, Live, t.TempDir(), "127.0.0.1:0", nil, send)
			if sess.Mode() != Live {
				t.Fatalf("mode %s", sess.Mode())
			}
			checkMessages(t, path, false)
			checkOnce(t, path)
		})
	}
}

// checkOnce fails if any TCP segment appears twice (the PACKET_OUTGOING copy
// on loopback must be filtered out).
func checkOnce(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, _, err := openSource(f)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	n := 0
	for {
		data, _, err := src.ReadPacketData()
		if err != nil {
			break
		}
		n++
		pkt := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			t.Fatalf("packet %d is not TCP", n)
		}
		k := fmt.Sprintf("%d>%d seq=%d ack=%d syn=%v fin=%v len=%d", tcp.SrcPort, tcp.DstPort, tcp.Seq, tcp.Ack, tcp.SYN, tcp.FIN, len(tcp.Payload))
		seen[k]++
		if seen[k] == 2 {
			t.Errorf("packet seen twice: %s", k)
		}
	}
	if n < 4*7 {
		t.Errorf("only %d packets for 4 connections", n)
	}
}

func TestAutoPicksLiveAsRoot(t *testing.T) {
	s, err := Start(Config{Path: filepath.Join(t.TempDir(), "a.pcapng"), Mode: Auto})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	probe, err := openLive("lo")
	if err != nil {
		if s.Mode() != Tap {
			t.Errorf("no AF_PACKET (%v) but mode %s", err, s.Mode())
		}
		return
	}
	probe.handle.Close()
	if s.Mode() != Live {
		t.Errorf("AF_PACKET available but auto chose %s", s.Mode())
	}
}
