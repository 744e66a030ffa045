package capture

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// SIMTapAddr is where the synthesized GSMTAP datagrams of the emulated
// card's contacts come from and go to: loopback, GSMTAP's port on both
// ends (the contacts have no address of their own).
var SIMTapAddr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), gsmtap.Port)

// Locally administered MACs of the datagram frames.
var (
	dgramSrcMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x03}
	dgramDstMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x04}
)

// WriteDatagram adds one UDP datagram to the capture as a synthesized
// Ethernet/IPv4/UDP frame, in time order with the rest: stamped ts, or,
// when ts is zero, the tap's clock (tap mode) or the wall clock (live
// mode, the kernel's time base). In live mode the frame is written among
// the kernel's frames once those stamped before it have been read. Both
// addresses must be of one family.
func (s *Session) WriteDatagram(ts time.Time, src, dst netip.AddrPort, payload []byte) error {
	if src.Addr().Is4() != dst.Addr().Is4() {
		return fmt.Errorf("capture: datagram %s → %s: addresses of two families", src, dst)
	}
	s.mu.Lock()
	s.dgramID++
	id := s.dgramID
	s.mu.Unlock()
	eth := &layers.Ethernet{SrcMAC: dgramSrcMAC, DstMAC: dgramDstMAC, EthernetType: layers.EthernetTypeIPv4}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	var ip gopacket.NetworkLayer
	if src.Addr().Is4() {
		v4 := &layers.IPv4{Version: 4, TTL: 64, Id: id, Protocol: layers.IPProtocolUDP,
			SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		ip = v4
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
			SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	}
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip.(gopacket.SerializableLayer), udp, gopacket.Payload(payload)); err != nil {
		return fmt.Errorf("capture: datagram %s → %s: %w", src, dst, err)
	}
	frame := buf.Bytes()
	if s.live != nil {
		if ts.IsZero() {
			ts = time.Now()
		}
		return s.live.hold(ts, frame)
	}
	return s.tap.frame(ts, frame)
}

// SIMTap writes what crosses the emulated card's contacts into the capture
// as GSMTAP SIM datagrams to port 4729, the form a SIMtrace2 sniffer sends
// them in: an ATR at every card reset, and one datagram per APDU with the
// card's answer. It implements the modem's Sniffer.
type SIMTap struct {
	s *Session

	mu      sync.Mutex
	packets int
	err     error
}

// SIM returns the session's SIM tap (one per session).
func (s *Session) SIM() *SIMTap {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sim == nil {
		s.sim = &SIMTap{s: s}
	}
	return s.sim
}

// SniffATR records the card's answer to reset (sub-type ATR).
func (t *SIMTap) SniffATR(atr []byte) {
	t.write(append(gsmtap.SIMHeader(gsmtap.SubATR).Append(nil), atr...))
}

// SniffAPDU records one exchange (sub-type APDU, the T=0 TPDU).
func (t *SIMTap) SniffAPDU(cmd, rsp []byte) {
	t.write(append(gsmtap.SIMHeader(gsmtap.SubAPDU).Append(nil), gsmtap.FromExchange(cmd, rsp)...))
}

func (t *SIMTap) write(datagram []byte) {
	err := t.s.WriteDatagram(time.Time{}, SIMTapAddr, SIMTapAddr, datagram)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.packets++
	if err != nil && t.err == nil {
		t.err = err
	}
}

// Packets is how many GSMTAP SIM datagrams the tap was given (ATRs and
// APDUs), written or not: what the capture must hold.
func (t *SIMTap) Packets() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.packets
}

// Err is the first datagram that could not be written.
func (t *SIMTap) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}
