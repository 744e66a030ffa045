package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

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
// Ethernet/IPv4/UDP (or IPv6) frame, in time order with the rest: stamped
// ts, or, when ts is zero, the tap's clock (tap mode) or the wall clock
// (live mode, the kernel's time base). In live mode the frame is written
// among the kernel's frames once those stamped before it have been read.
// Either way it carries the event count of the moment of the call
// (Config.Events). Both addresses must be of one family.
func (s *Session) WriteDatagram(ts time.Time, src, dst netip.AddrPort, payload []byte) error {
	return s.writeDatagram(ts, src, dst, payload, Mark{})
}

// WriteDatagramAfterLoss is WriteDatagram for a SIMtrace receiver's
// datagram: lostBefore, when not 0, is the number of the last datagram
// from src the receiver skipped since src's one before, which may have
// carried an exchange; the frame's comment says so (Mark.LostBefore).
// kernelDropped, when not 0, is how many datagrams of any sender the
// kernel dropped from the receiver's socket buffer just before this one
// (Mark.KernelDropped).
func (s *Session) WriteDatagramAfterLoss(ts time.Time, src, dst netip.AddrPort, payload []byte, lostBefore, kernelDropped int) error {
	return s.writeDatagram(ts, src, dst, payload, Mark{LostBefore: lostBefore, KernelDropped: kernelDropped})
}

// writeDatagram is WriteDatagram for an exchange that began at cmd's
// event count (cmd.OK), which the frame's mark then carries beside its
// own, and after the losses cmd.LostBefore and cmd.KernelDropped name.
func (s *Session) writeDatagram(ts time.Time, src, dst netip.AddrPort, payload []byte, cmd Mark) error {
	if src.Addr().Is4() != dst.Addr().Is4() {
		return fmt.Errorf("capture: datagram %s → %s: addresses of two families", src, dst)
	}
	d := &s.dgram
	d.mu.Lock()
	defer d.mu.Unlock()
	frame, err := d.serialize(src, dst, payload)
	if err != nil {
		return fmt.Errorf("capture: datagram %s → %s: %w", src, dst, err)
	}
	if s.live != nil {
		if ts.IsZero() {
			ts = time.Now()
		}
		return s.live.hold(ts, append([]byte(nil), frame...), withCommand(s.events.mark(), cmd))
	}
	return s.tap.frame(ts, frame, cmd) // copied into the file's buffer
}

// withCommand adds to a frame's mark the place of the command it answers,
// and the losses before it.
func withCommand(m, cmd Mark) Mark {
	if m.OK && cmd.OK {
		m.Command, m.CommandOK = cmd.Events, true
	}
	m.LostBefore, m.KernelDropped = cmd.LostBefore, cmd.KernelDropped
	return m
}

// dgramWriter serializes datagram frames into one buffer, reused: the
// emulated card's contacts make hundreds per run.
type dgramWriter struct {
	mu  sync.Mutex
	id  uint16 // IPv4 identification of the last datagram
	buf []byte
}

// serialize returns the frame, valid until the next call; callers hold mu.
func (d *dgramWriter) serialize(src, dst netip.AddrPort, payload []byte) ([]byte, error) {
	d.id++
	f := ipFrame{srcMAC: dgramSrcMAC, dstMAC: dgramDstMAC, id: d.id, proto: protoUDP}
	var s4, d4 [4]byte
	var s6, d6 [16]byte
	if src.Addr().Is4() {
		s4, d4 = src.Addr().As4(), dst.Addr().As4()
		f.srcIP, f.dstIP = s4[:], d4[:]
	} else {
		s6, d6 = src.Addr().As16(), dst.Addr().As16()
		f.srcIP, f.dstIP = s6[:], d6[:]
	}
	var udp [8]byte // length and checksum filled in by appendFrame
	binary.BigEndian.PutUint16(udp[0:], src.Port())
	binary.BigEndian.PutUint16(udp[2:], dst.Port())
	if !f.fits(len(udp) + len(payload)) {
		// Its own frame and header, so that this one's stay on the stack.
		g := ipFrame{srcMAC: dgramSrcMAC, dstMAC: dgramDstMAC, id: d.id, proto: protoUDP,
			srcIP: src.Addr().AsSlice(), dstIP: dst.Addr().AsSlice()}
		b, err := serializeLayers(&g, bytes.Clone(udp[:]), payload)
		if err != nil {
			return nil, err
		}
		d.buf = append(d.buf[:0], b...)
		return d.buf, nil
	}
	d.buf = appendFrame(d.buf[:0], &f, udp[:], payload)
	return d.buf, nil
}

// SIMTap writes what crosses the emulated card's contacts into the capture
// as GSMTAP SIM datagrams to port 4729, the form a SIMtrace2 sniffer sends
// them in: an ATR at every card reset, and one datagram per APDU with the
// card's answer, which Wireshark's GSM SIM dissector reads whole (a
// command alone would be a malformed APDU to it). The datagram is written
// once the card has answered; its mark also says where the command
// reached the card (SniffCommand), before the events the card logged
// while handling it. It implements the modem's Sniffer.
type SIMTap struct {
	s *Session

	mu      sync.Mutex
	packets int
	err     error
	scratch []byte // the datagram being written, reused
	command Mark   // the events before the command SniffAPDU answers
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
	t.mu.Lock()
	defer t.mu.Unlock()
	t.write(append(gsmtap.SIMHeader(gsmtap.SubATR).Append(t.scratch[:0]), atr...), Mark{})
}

// SniffCommand notes how many events were logged when a command reached
// the card, for the datagram SniffAPDU writes with the answer.
func (t *SIMTap) SniffCommand([]byte) {
	m := t.s.events.mark()
	t.mu.Lock()
	t.command = m
	t.mu.Unlock()
}

// SniffAPDU records one exchange (sub-type APDU, the T=0 TPDU), placed
// among the events where its command came (SniffCommand), if noted.
func (t *SIMTap) SniffAPDU(cmd, rsp []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	command := t.command
	t.command = Mark{}
	t.write(gsmtap.AppendExchange(gsmtap.SIMHeader(gsmtap.SubAPDU).Append(t.scratch[:0]), cmd, rsp), command)
}

// write sends one datagram; callers hold mu.
func (t *SIMTap) write(datagram []byte, command Mark) {
	t.scratch = datagram
	t.packets++
	if err := t.s.writeDatagram(time.Time{}, SIMTapAddr, SIMTapAddr, datagram, command); err != nil && t.err == nil {
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
