package simtrace

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// Replayer sends a recorded GSMTAP stream over UDP the way the sniffer
// that recorded it did: the datagrams to port 4729 of a capture file, in
// order, byte for byte, from one socket. It stands in for a SIMtrace2 in
// tests and lets a bench check its receiver without the hardware.
type Replayer struct {
	conn *net.UDPConn
	// Gap paces the datagrams (a SIMtrace2 sends one per exchange, never a
	// burst); zero sends them back to back.
	Gap time.Duration
}

// NewReplayer opens a socket to the receiver at to.
func NewReplayer(to netip.AddrPort) (*Replayer, error) {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
	if err != nil {
		return nil, fmt.Errorf("replay to %s: %w", to, err)
	}
	return &Replayer{conn: conn, Gap: 200 * time.Microsecond}, nil
}

// From is the address the datagrams come from: the lane's Source at the
// receiver.
func (p *Replayer) From() netip.AddrPort {
	a := p.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// Send sends one datagram as it is.
func (p *Replayer) Send(b []byte) error {
	if _, err := p.conn.Write(b); err != nil {
		return fmt.Errorf("replay to %s: %w", p.conn.RemoteAddr(), err)
	}
	return nil
}

// ReadStream returns the datagrams to GSMTAP's port in a capture file, in
// file order: a recorded stream to replay.
func ReadStream(file string) ([][]byte, error) {
	dgs, err := capture.ReadDatagrams(file, gsmtap.Port)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(dgs.List))
	for _, d := range dgs.List {
		if d.Dst.Port() == gsmtap.Port {
			out = append(out, d.Payload)
		}
	}
	return out, nil
}

// Replay sends every datagram of stream, Gap apart, until ctx ends. The
// pace is wall time on purpose: the replayer stands in for hardware on a
// lab bench, outside any rig's virtual clock, and a burst would overrun
// the receiver's socket buffer where a SIMtrace2 never does.
func (p *Replayer) Replay(ctx context.Context, stream [][]byte) error {
	var tick <-chan time.Time
	if p.Gap > 0 {
		t := time.NewTicker(p.Gap)
		defer t.Stop()
		tick = t.C
	}
	for i, b := range stream {
		if tick != nil && i > 0 {
			select {
			case <-tick:
			case <-ctx.Done():
			}
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("replay: stopped after %d of %d datagrams: %w", i, len(stream), err)
		}
		if err := p.Send(b); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the socket.
func (p *Replayer) Close() error { return p.conn.Close() }

// Recording is a recorded GSMTAP stream (NAME.pcapng) and what the wire
// checks must find on it (NAME.yaml, fixtures/simtrace/README.md).
type Recording struct {
	Stream   [][]byte // the datagrams to port 4729, in order
	Manifest Manifest
}

// Manifest describes a recording.
type Manifest struct {
	Scenario  string `yaml:"scenario"`  // the scenario the card ran
	Source    string `yaml:"source"`    // the sniffer's address in the recording
	Datagrams int    `yaml:"datagrams"` // GSMTAP SIM datagrams
	Roaming   string `yaml:"roaming"`   // the visited network of the roaming check
	Platform  string `yaml:"platform"`  // the platform address in OPEN CHANNEL
	Attached  string `yaml:"attached"`  // the network the card attaches to after the switch
	Refresh   byte   `yaml:"refresh"`   // the REFRESH mode
}

// LoadRecording reads base.pcapng and base.yaml.
func LoadRecording(base string) (Recording, error) {
	var rec Recording
	b, err := os.ReadFile(base + ".yaml")
	if err != nil {
		return rec, fmt.Errorf("recording: %w", err)
	}
	if err := yaml.Unmarshal(b, &rec.Manifest); err != nil {
		return rec, fmt.Errorf("recording %s.yaml: %w", base, err)
	}
	if rec.Stream, err = ReadStream(base + ".pcapng"); err != nil {
		return rec, err
	}
	if len(rec.Stream) != rec.Manifest.Datagrams {
		return rec, fmt.Errorf("recording %s: %d datagrams, the manifest says %d", base, len(rec.Stream), rec.Manifest.Datagrams)
	}
	return rec, nil
}
