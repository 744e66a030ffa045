// Package capture records the rig's TCP traffic (the card's HTTP exchanges
// with the platform, its HTTPS ES9+ calls to the SM-DP+ servers) to a pcapng
// file that Wireshark opens, and decodes such files back into HTTP exchanges,
// typed platform messages and ES9+ messages (README "Capture"). TLS secrets
// (Config.KeyLog) go into the file as Decryption Secrets Blocks, written
// as they are logged (ahead of the records they decrypt), so both
// Wireshark and this package decrypt the TLS 1.2 streams, of a file cut
// short too.
//
// Two ways to record: live, with a pure-Go AF_PACKET socket on an interface
// (needs CAP_NET_RAW), or a software tap that wraps the servers' listeners
// and the in-process clients' dials (WrapDial) and synthesizes
// Ethernet/IPv4/TCP frames for what each side of a connection sends, as
// it sends it.
// Either way the card's APDUs join the file as GSMTAP SIM datagrams
// (SIMTap, sim.go), and a lab's SIMtrace2 datagrams through WriteDatagram.
// Every frame the rig writes itself carries its place among the run's
// events as its block's comment (Mark, Config.Events).
package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/lagwrite"
)

// Mode selects how packets are recorded.
type Mode string

// Modes.
const (
	Auto Mode = "auto" // live if an AF_PACKET socket can be opened, else tap
	Live Mode = "live" // AF_PACKET on Config.Interface
	Tap  Mode = "tap"  // software tap on wrapped listeners
	// Default is the mode of an empty Config.Mode: the tap, which records
	// every byte the servers' connections carry by construction, however
	// loaded the machine; live records the real wire and says when the
	// kernel dropped packets, but cannot get them back (README, "Capture").
	Default = Tap
)

// Config sets up a capture session.
type Config struct {
	Path string // pcapng file to write; empty with InMemory
	// InMemory keeps the capture in memory, with no file (Path empty):
	// for a run that leaves no artifacts (an exploration case), whose
	// capture is only decoded for the evidence check. The packets are
	// held as with NoKeysFile, and the secrets beside them; Close
	// completes the capture there and ReadEvidence decodes it; Release
	// frees it. Past holdLimit the session moves on to a temporary file,
	// created then, which Release removes: a long run's capture is still
	// complete, only no longer free of the file system. No key-log file
	// is written.
	InMemory  bool
	Mode      Mode   // "" means Default
	Interface string // live mode; default "lo"
	// Clock stamps tap frames (virtual time); nil means the wall clock.
	Clock clock.Clock
	// Events, if set, counts the events the run's log has taken
	// (eventlog.Log.Count): every frame the rig writes itself — the tap's,
	// and the datagrams of either mode — carries the count at the moment
	// it was written (Mark), so that a reader can place it among the
	// events of its instant. A live capture's kernel frames carry none:
	// they are read from the ring later.
	Events func() int
	// Ended, if set, says the run's record has ended (run_ended, which
	// ends events.jsonl and at.log): the frames written from then on are
	// marked AfterEnd, the file saying they are not the run's rather than
	// leaving them out — the servers' logs and the card's contacts, which
	// the capture is checked against, hold them too. It is the rig's own
	// state, read at each frame, so the record has one end.
	Ended func() bool
	// KeyLog keeps TLS session secrets: Session.KeyLog is then a writer for
	// tls.Config.KeyLogWriter, and each secret goes into the pcapng as a
	// Decryption Secrets Block as it comes (a session that holds its
	// packets: one block ahead of them at Close) and beside it in
	// KeysPath, so Wireshark and this package's decoder read the HTTPS.
	KeyLog bool
	// KeysPath is the NSS key-log file; default Path without ".pcapng"
	// plus ".keys".
	KeysPath string
	// NoKeysFile keeps the secrets for the file's Decryption Secrets
	// Block only, with no key-log file beside it: for a run whose
	// directory is deleted when it ends (an exploration case), which has
	// no use for secrets that survive a kill. Nor for packets that do: a
	// tap session then holds its packets in memory (up to holdLimit) and
	// writes them once, behind the secrets, at Close, rather than write
	// them as they come and again behind the secrets. The file is the
	// same either way.
	NoKeysFile bool

	// ring geometry (live mode); zero: ringBlockSize, ringBlocks. Tests
	// shrink it to make the kernel drop.
	ringBlockSize, ringBlocks int
}

// Session is one capture being written to a pcapng file, or held in
// memory (Config.InMemory).
type Session struct {
	mode Mode
	file *os.File // nil while an in-memory session holds its capture
	// path is the capture's file: Config.Path, or the temporary file an
	// in-memory session moved to (spilled); "" while it holds in memory.
	path    string
	memory  bool   // Config.InMemory
	spilled bool   // an in-memory session that moved to a temporary file
	header  []byte // an in-memory session's section header and interface
	// dsb is an in-memory session's Decryption Secrets Block, once
	// closed (nil if there were no secrets).
	dsb      []byte
	released bool

	mu     sync.Mutex
	bw     *lagwrite.Writer // the packets' buffer on the file (nil while held)
	epb    []byte           // writePacket's block, reused
	closed bool
	// held, while holding (Config.NoKeysFile, Config.InMemory), is every
	// packet block so far, not yet written.
	held    *[]byte
	holding bool
	// skippedAtEnd and droppedAtEnd are written after the last frame
	// (SkippedAtEnd, KernelDroppedAtEnd), both blocks stamped endAt: the
	// receiver's clock at the later of the two calls.
	skippedAtEnd []SkippedAtEnd
	droppedAtEnd int
	endAt        time.Time
	// spillErr is why an in-memory session could not move on to a
	// temporary file: it then holds on, past holdLimit.
	spillErr error

	hdrEnd int64   // file offset after the section header and interface
	keys   *keyLog // nil unless Config.KeyLog

	tap    *tap  // tap mode
	live   *live // live mode
	events eventCount
	stats  Stats // live mode, after Close

	dgram dgramWriter // WriteDatagram's frames
	sim   *SIMTap     // the SIM tap, once asked for
}

// ErrIncomplete is wrapped by the error of a capture that lost packets.
var ErrIncomplete = errors.New("capture incomplete")

// Start opens the output file (none in memory) and starts capturing.
func Start(cfg Config) (*Session, error) {
	switch {
	case cfg.InMemory && cfg.Path != "":
		return nil, fmt.Errorf("capture: in memory, yet to be written to %s", cfg.Path)
	case cfg.InMemory && cfg.KeysPath != "":
		return nil, fmt.Errorf("capture: in memory, yet with a key-log file %s", cfg.KeysPath)
	case cfg.Path == "" && !cfg.InMemory:
		return nil, errors.New("capture: no output path")
	}
	if cfg.Interface == "" {
		cfg.Interface = "lo"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Wall{}
	}
	s := &Session{path: cfg.Path, memory: cfg.InMemory}
	s.events = eventCount{n: cfg.Events, ended: cfg.Ended}
	var lv *live
	if cfg.Mode == "" {
		cfg.Mode = Default
	}
	switch cfg.Mode {
	case Auto:
		var err error
		if lv, err = openLive(cfg); err != nil {
			lv = nil // no privilege (or no interface): fall back to the tap
		}
	case Live:
		var err error
		if lv, err = openLive(cfg); err != nil {
			return nil, fmt.Errorf("live on %s: %w", cfg.Interface, err)
		}
	case Tap:
	default:
		_, err := ParseMode(string(cfg.Mode))
		return nil, err
	}
	name := "tap"
	if lv != nil {
		name = cfg.Interface
	}
	if err := s.open(cfg, name, lv != nil); err != nil {
		if lv != nil {
			lv.ring.close()
		}
		return nil, err
	}
	if cfg.KeyLog {
		s.keys = &keyLog{}
	}
	if cfg.KeyLog && !cfg.NoKeysFile && !cfg.InMemory {
		keysTo := cfg.KeysPath
		if keysTo == "" {
			keysTo = KeysPathFor(cfg.Path)
		}
		kf, err := os.OpenFile(keysTo, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			s.file.Close()
			if lv != nil {
				lv.ring.close()
			}
			return nil, fmt.Errorf("capture: key log: %w", err)
		}
		s.keys.file = kf
	}
	if cfg.InMemory || lv == nil && cfg.KeyLog && cfg.NoKeysFile {
		s.held, s.holding = getHeld(), true
	} else {
		s.bw = newFileBuffer(s.file)
		if s.keys != nil {
			s.keys.inline = s.writeDSB
		}
	}
	if lv != nil {
		s.mode, s.live = Live, lv
		lv.start(s)
	} else {
		s.mode = Tap
		s.tap = newTap(cfg.Clock, s.events, s.writePacket)
	}
	return s, nil
}

// open writes the section header and interfaces: to Config.Path, or, in
// memory, to s.header. A live capture has two: the kernel's (name) and
// the rig's own datagrams (simInterface).
func (s *Session) open(cfg Config, name string, live bool) error {
	if cfg.InMemory && !live {
		s.header = tapHeader() // the same bytes every time, built once; never written to
		return nil
	}
	header := func(w io.Writer) error {
		ngw, err := newNgWriter(w, name)
		if err == nil && live {
			_, err = ngw.AddInterface(simInterface)
		}
		return err
	}
	if cfg.InMemory {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		err := header(w)
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			return fmt.Errorf("capture: pcapng header: %w", err)
		}
		s.header = b.Bytes()
		return nil
	}
	f, err := os.Create(cfg.Path)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	hw := bufio.NewWriter(f)
	err = header(hw) // writes through hw (bufio.NewWriter returns it as is)
	if err == nil {
		err = hw.Flush()
	}
	if err == nil {
		s.hdrEnd, err = f.Seek(0, io.SeekCurrent)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("capture: pcapng header: %w", err)
	}
	s.file = f
	return nil
}

// newNgWriter writes a section header and one Ethernet interface with fixed
// options, so tap files are byte-for-byte reproducible.
func newNgWriter(w io.Writer, ifname string) (*pcapgo.NgWriter, error) {
	return pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{
		Name:                ifname,
		LinkType:            layers.LinkTypeEthernet,
		TimestampResolution: 9,
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "esimhil capture"}})
}

// simInterface is a live capture's second interface, that of the GSMTAP
// SIM datagrams the rig writes itself (WriteDatagram): they never crossed
// the captured interface, and Wireshark tells them apart from the
// kernel's frames by it (frame.interface_name, frame.interface_description).
var simInterface = pcapgo.NgInterface{
	Name:                "esimhil-sim",
	Description:         "GSMTAP SIM datagrams of the card's contacts, written by the esimhil rig, not captured",
	LinkType:            layers.LinkTypeEthernet,
	TimestampResolution: 9,
}

// simIface is simInterface's index in a live capture.
const simIface = 1

// Mode reports what the session actually uses (Live or Tap).
func (s *Session) Mode() Mode { return s.mode }

// ParseMode reads a capture mode as a flag gives it.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Auto, Live, Tap:
		return m, nil
	}
	return "", fmt.Errorf("unknown capture mode %q (want auto, live or tap)", s)
}

// Stats are the kernel's counters of a live capture, valid after Close
// (zero for the tap, which cannot lose what it records).
func (s *Session) Stats() Stats { return s.stats }

// Wrap prepares a server listener for capture. Live: the listener's port
// joins the filter and l is returned as is. Tap: the returned listener's
// connections record every byte they carry.
func (s *Session) Wrap(l net.Listener) net.Listener {
	if s.live != nil {
		if a, ok := l.Addr().(*net.TCPAddr); ok {
			s.live.addPort(uint16(a.Port))
		}
		return l
	}
	s.tap.addServer(l.Addr())
	return &tapListener{Listener: l, tap: s.tap}
}

// WrapDial wraps an in-process client's dial function. Tap: a connection
// it opens to a wrapped listener is recorded from the client's side —
// its bytes as it sends them, its FIN or RST as it closes — and the
// server's from the server's, so the file holds what each end put on the
// wire whether or not the other read it (README "Capture"). Live: the
// kernel sees the wire; dial is returned as is.
func (s *Session) WrapDial(dial func(network, address string) (net.Conn, error)) func(network, address string) (net.Conn, error) {
	if s.tap == nil {
		return dial
	}
	return func(network, address string) (net.Conn, error) { return s.tap.dial(dial, network, address) }
}

// writePacket appends one frame, with its mark as the Enhanced Packet
// Block's comment; frames after Close are dropped. The block is the one
// pcapgo's WritePacketWithOptions writes (TestEPBAsPcapgo), encoded here
// into one reused buffer: pcapgo allocates every option of every frame,
// which cost more than the rest of the write.
func (s *Session) writePacket(ci gopacket.CaptureInfo, data []byte, m Mark) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if ci.InterfaceIndex != 0 && (s.live == nil || ci.InterfaceIndex != simIface) || ci.CaptureLength != len(data) || ci.CaptureLength > ci.Length {
		return fmt.Errorf("capture: write packet: bad capture info %+v for %d bytes", ci, len(data))
	}
	if s.holding {
		*s.held = appendEPB(*s.held, ci, data, m)
		if len(*s.held) <= holdLimit {
			return nil
		}
		if s.memory && s.file == nil {
			if s.spillErr != nil {
				return nil // held on in memory: nothing lost, the error told once
			}
			if s.spillErr = s.spill(); s.spillErr != nil {
				return s.spillErr
			}
		}
		// A long run: on to the file as it comes.
		s.holding = false
		s.bw = newFileBuffer(s.file)
		_, err := s.file.Write(*s.held)
		*s.held = (*s.held)[:0]
		if err != nil {
			return fmt.Errorf("capture: write packet: %w", err)
		}
		return nil
	}
	s.epb = appendEPB(s.epb[:0], ci, data, m)
	if _, err := s.bw.Write(s.epb); err != nil {
		return fmt.Errorf("capture: write packet: %w", err)
	}
	return nil
}

// spill moves an in-memory session past holdLimit on to a temporary
// file (Release removes it); callers hold mu.
func (s *Session) spill() error {
	f, err := os.CreateTemp("", "esimhil-capture-*.pcapng")
	if err != nil {
		return fmt.Errorf("capture: %d bytes held, more than an in-memory capture holds, and no temporary file to go on in: %w", len(*s.held), err)
	}
	if _, err := f.Write(s.header); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("capture: %d bytes held, more than an in-memory capture holds, and the temporary file fails: %w", len(*s.held), err)
	}
	s.file, s.path, s.spilled, s.hdrEnd = f, f.Name(), true, int64(len(s.header))
	return nil
}

// holdLimit bounds the packet blocks a session holds (Config.NoKeysFile):
// an exploration case's capture is a few hundred KiB. A variable for the
// tests.
var holdLimit = 16 << 20

// heldBuffers keeps held packets' buffers from one session to the next,
// across garbage collections (which empty a sync.Pool): grown anew each
// case, a buffer costs as much again as the packets it holds.
var heldBuffers = make(chan *[]byte, 8)

func getHeld() *[]byte {
	select {
	case b := <-heldBuffers:
		return b
	default:
		return new([]byte)
	}
}

// putHeld keeps b unless it is large (a long run's).
func putHeld(b *[]byte) {
	if cap(*b) > 4<<20 {
		return
	}
	*b = (*b)[:0]
	select {
	case heldBuffers <- b:
	default:
	}
}

// Close stops capturing and completes the file. In live mode it first
// drains the ring until it stays empty (drainQuiet, at most drainLimit),
// then reads the kernel's counters: any packet dropped or truncated fails
// Close with ErrIncomplete, saying how many.
func (s *Session) Close() error {
	var errs []error
	if s.live != nil {
		st, err := s.live.stop()
		s.stats = st
		errs = append(errs, err)
	}
	if s.tap != nil {
		s.tap.finish()
		s.tap.mu.Lock()
		if s.tap.err != nil {
			errs = append(errs, s.tap.err)
		}
		s.tap.mu.Unlock()
	}
	s.mu.Lock()
	sim := s.sim
	s.mu.Unlock()
	if sim != nil {
		errs = append(errs, sim.Err())
	}
	var isb []byte
	if s.live != nil {
		var err error
		if isb, err = s.live.statsBlock(); err != nil {
			errs = append(errs, fmt.Errorf("capture: interface statistics: %w", err))
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	iface := 0 // the datagrams' interface
	if s.live != nil {
		iface = simIface
	}
	isb = append(isb, skippedAtEndBlock(iface, s.endAt, s.skippedAtEnd)...)
	isb = append(isb, kernelDroppedAtEndBlock(iface, s.endAt, s.droppedAtEnd)...)
	if len(isb) > 0 {
		// After the last frame (the reader has stopped): the block
		// applies to the frames before it.
		var err error
		if s.holding {
			*s.held = append(*s.held, isb...)
		} else {
			_, err = s.bw.Write(isb)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("capture: interface statistics: %w", err))
		}
	}
	if s.bw != nil {
		if err := s.bw.Close(); err != nil {
			errs = append(errs, fmt.Errorf("capture: flush: %w", err))
		}
	}
	s.mu.Unlock()
	if s.keys != nil {
		errs = append(errs, s.writeSecrets())
	}
	if s.file == nil {
		// In memory: the capture is the header, s.dsb and the held
		// packets, read from there (ReadEvidence) until Release.
		return errors.Join(errs...)
	}
	if s.held != nil {
		if s.holding {
			// No secrets to put ahead of them (no TLS in the run).
			if _, err := s.file.WriteAt(*s.held, s.hdrEnd); err != nil {
				errs = append(errs, fmt.Errorf("capture: write packets: %w", err))
			}
		}
		putHeld(s.held)
		s.held = nil
	}
	if err := s.file.Close(); err != nil {
		errs = append(errs, fmt.Errorf("capture: close: %w", err))
	}
	return errors.Join(errs...)
}

// ReadEvidence is the package's ReadEvidence on the closed session's
// capture, from its file or, in memory, from what the session holds.
func (s *Session) ReadEvidence(port uint16, datagrams int) ([]Exchange, Datagrams, error) {
	s.mu.Lock()
	closed, released, path := s.closed, s.released, s.path
	s.mu.Unlock()
	switch {
	case !closed:
		return nil, Datagrams{}, errors.New("capture: read before Close: the capture is not complete")
	case released:
		return nil, Datagrams{}, errors.New("capture: read after Release: the in-memory capture is gone")
	case path != "":
		return ReadEvidence(path, port, datagrams)
	}
	return readEvidence(s.memorySource(), port, datagrams)
}

// memorySource reads a closed in-memory session's capture: the bytes a
// file of it would hold, in its order.
func (s *Session) memorySource() captureSource {
	rd := func() (io.Reader, error) {
		return io.MultiReader(bytes.NewReader(s.header), bytes.NewReader(s.dsb), bytes.NewReader(*s.held)), nil
	}
	return captureSource{name: "in-memory capture", rewind: rd}
}

// Release frees a closed in-memory session's capture: its packets' buffer
// goes back for the next session and its temporary file, if it outgrew
// memory, is removed. A file session's file is its caller's, and stays.
func (s *Session) Release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.memory || s.released || !s.closed {
		return nil
	}
	s.released = true
	if s.held != nil {
		putHeld(s.held)
		s.held = nil
	}
	if s.spilled {
		if err := os.Remove(s.path); err != nil {
			return fmt.Errorf("capture: remove the temporary file: %w", err)
		}
	}
	return nil
}

// fileLag bounds how long a written block waits in the buffer before it
// reaches the file (outside tester o314: `esimhil emulate`'s capture
// stayed at its 92-byte header for a whole lab session, so tshark on the
// running file saw nothing, and a kill -9 lost up to the buffer's 64 KiB).
const fileLag = 250 * time.Millisecond

// newFileBuffer buffers the packets for the file: 64 KiB at a time
// instead of pcapgo's 4 KiB (a run's capture is hundreds of KiB, written
// one small frame after another), on the disk at most fileLag after they
// were written.
func newFileBuffer(f *os.File) *lagwrite.Writer {
	return lagwrite.New(f, 64<<10, fileLag)
}
