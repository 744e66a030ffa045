package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/gopacket/gopacket/reassembly"
)

// Bounds on what a capture may make the decoder hold. Every run the
// harness allows (harness.DefaultMaxEvents) decodes with room to spare: at
// that limit a run's capture holds ~130 MB of GSMTAP datagrams and ~75 MB
// of HTTP; a week of checks a minute, 65 MB and 38 MB (a bound of 64 MiB
// left such runs without evidence).
const (
	maxStreamBytes = 16 << 20  // one direction of one connection
	maxTotalBytes  = 256 << 20 // all reassembled payload; all datagrams
	maxPackets     = 4 << 20
	maxBodyBytes   = 16 << 20
	// maxGenerations bounds the connections one address pair carries in
	// turn (ports reused), each reassembled by its own assembler.
	maxGenerations = 4096
)

// Exchange is one HTTP/1.1 request and its response as seen on the wire.
// Status is 0 when the capture holds no response.
type Exchange struct {
	Time         time.Time // capture timestamp of the request's first byte
	Client       string    // "ip:port"
	Server       string    // "ip:port"
	TLS          bool      // decrypted from HTTPS with the key log
	Host         string    // the request's Host header
	Method       string
	Path         string
	RequestBody  []byte
	Status       int
	ResponseBody []byte
	// Cut reports an exchange the connection's reset cut short (a power cut
	// mid-response, say): the client never got the answer, so Status is 0
	// and ResponseBody empty, as for a request left unanswered; a request
	// cut short keeps the part of its body that was sent.
	Cut bool
	// HeadCut marks a request whose headers the client's end cut short
	// (Cut is set too) and that the server's HTTP layer answered anyway,
	// as Go's does with 400 Bad Request on the half-closed connection: no
	// handler saw it, so no server log holds it. Method and Path are its
	// request line's when that line was whole, else empty.
	HeadCut bool
	// Date is the response's Date header (zero without one). The rig's
	// servers stamp it with simulated time, so it places an exchange of a
	// live capture, whose timestamps are the wall clock's, in the run.
	Date time.Time
	// Frame is the number (from 1, Wireshark's frame.number) of the frame
	// holding the request's first byte, Mark its place among the run's
	// events; RespFrame and RespMark are those of the final response's
	// first byte (0 and unmarked without a response).
	Frame, RespFrame int
	Mark, RespMark   Mark
	// RespTime is the capture time of the final response's first byte
	// (zero without a response): later than Time by however long the
	// server held its answer (a slow platform).
	RespTime time.Time
}

// ErrCutShort is wrapped by the error of a capture file that ends in the
// middle of a block (its writer was killed): the readers return what the
// file held before the cut along with it.
var ErrCutShort = errors.New("capture file cut short")

// ReadHTTP decodes a pcapng (or pcap) file into the HTTP exchanges it holds,
// in request order. HTTPS connections are decrypted with the TLS secrets of
// the file's Decryption Secrets Blocks, else of the key-log file beside it
// (KeysPathFor); a TLS connection without its key is an error (ErrNoKey).
// With an error about one connection, the exchanges of the others are
// returned too.
func ReadHTTP(path string) ([]Exchange, error) { return ReadTLS(path, nil) }

// ReadTLS is ReadHTTP with an explicit NSS key log; nil means the file's
// own secrets or the key-log file beside it.
func ReadTLS(path string, keyLog []byte) ([]Exchange, error) { return readTLS(path, keyLog, nil) }

// readTLS is ReadTLS that also hands every frame to dg, if set.
func readTLS(path string, keyLog []byte, dg *datagramReader) ([]Exchange, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read capture: %w", err)
	}
	defer f.Close()
	src := captureSource{
		name:  path,
		first: f,
		rewind: func() (io.Reader, error) {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return nil, fmt.Errorf("read capture: %w", err)
			}
			return f, nil
		},
		keysBeside: func() ([]byte, error) {
			b, err := os.ReadFile(KeysPathFor(path))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
			return b, nil
		},
	}
	return readCapture(src, keyLog, dg)
}

// captureSource is a capture to read: a file, or an in-memory session's.
type captureSource struct {
	name string // for errors: the file's path
	// first is the capture from its start; nil: rewind gives it.
	first io.Reader
	// rewind gives the capture from its start again, for a second pass.
	rewind func() (io.Reader, error)
	// keysBeside reads the key-log file beside the capture, nil if there
	// is none; nil: there is never one.
	keysBeside func() ([]byte, error)
}

// keyFile is the key log beside src, if any.
func (src captureSource) keyFile() ([]byte, error) {
	if src.keysBeside == nil {
		return nil, nil
	}
	return src.keysBeside()
}

// readCapture is readTLS on any source.
func readCapture(src captureSource, keyLog []byte, dg *datagramReader) ([]Exchange, error) {
	r := src.first
	if r == nil {
		var err error
		if r, err = src.rewind(); err != nil {
			return nil, err
		}
	}
	// One reader for both passes, 64 KiB at a time: a run's capture is
	// hundreds of KiB, which bufio's default 4 KiB reads a syscall each.
	br := fileReaders.Get().(*bufio.Reader)
	br.Reset(checkBlocks(r))
	defer func() { br.Reset(nil); fileReaders.Put(br) }()
	if ng, ok := newNgFast(br); ok {
		// A tap file: one pass, its secrets read on the way.
		keys := func() (KeyLog, error) {
			kl := keyLog
			if kl == nil {
				if kl = ng.secrets; len(kl) == 0 {
					b, err := src.keyFile()
					if err != nil {
						return nil, err
					}
					kl = b
				}
			}
			return ParseKeyLog(kl)
		}
		ex, err := decodeHTTP(ng, ethernet, keys, dg)
		if err == nil {
			return ex, nil
		}
		if bad := (*BlockLengthError)(nil); errors.As(err, &bad) {
			return nil, fmt.Errorf("read capture %s: %w", src.name, err)
		}
		// Not a file ngFast reads whole, or one that does not decode: the
		// reading below says what pcapgo and readSecrets make of it.
		if dg != nil {
			dg.reset()
		}
		if r, err = src.rewind(); err != nil {
			return nil, err
		}
		br.Reset(r) // readHTTP's openSource checks the blocks
	}
	return readTLSPcapgo(src, br, keyLog, dg)
}

// readTLSPcapgo is readCapture by pcapgo's readers, br reading src from
// its start: a pass for the secrets (readSecrets), then one for the
// packets.
func readTLSPcapgo(src captureSource, br *bufio.Reader, keyLog []byte, dg *datagramReader) ([]Exchange, error) {
	var err error
	if keyLog == nil {
		if keyLog, err = readSecrets(br); err != nil {
			return nil, fmt.Errorf("read capture %s: %w", src.name, err)
		}
		if len(keyLog) == 0 {
			b, err := src.keyFile()
			if err != nil {
				return nil, fmt.Errorf("read capture key log: %w", err)
			}
			keyLog = b
		}
		r, err := src.rewind()
		if err != nil {
			return nil, err
		}
		br.Reset(r)
	}
	keys, err := ParseKeyLog(keyLog)
	if err != nil {
		return nil, fmt.Errorf("read capture %s: %w", src.name, err)
	}
	ex, err := readHTTP(br, keys, dg)
	if err != nil {
		return ex, fmt.Errorf("read capture %s: %w", src.name, err)
	}
	return ex, nil
}

// readBuffer is the size of a capture reader's buffer.
const readBuffer = 64 << 10

// fileReaders keeps readTLS's readers from one decode to the next.
var fileReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBuffer) }}

// packetSource is what pcapgo's readers have in common, and each frame's
// mark where the format has room for one.
type packetSource interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	// readMarked's data is only valid until the next call (the readers
	// reuse one buffer): a caller keeps a copy of what it keeps.
	readMarked() ([]byte, gopacket.CaptureInfo, Mark, error)
	// atEnd is the receiver's skips and the kernel's drops of the
	// Interface Statistics Blocks read so far (SkippedAtEnd,
	// KernelDroppedAtEnd): at the end of the file, those it ends with.
	atEnd() endSkips
}

// ngSource reads pcapng, whose Enhanced Packet Blocks carry comments, and
// so do its Interface Statistics Blocks (ends, by the reader's
// StatisticsCallback).
type ngSource struct {
	*pcapgo.NgReader
	ends   *endSkips
	blocks *blockCheck // beneath the reader, which quotes its error as text
}

func (s ngSource) atEnd() endSkips { return *s.ends }

func (s ngSource) readMarked() ([]byte, gopacket.CaptureInfo, Mark, error) {
	data, ci, opts, err := s.ZeroCopyReadPacketDataWithOptions()
	if err != nil && s.blocks.err != nil {
		err = s.blocks.err
	}
	return data, ci, markOf(opts.Comments), err
}

// pcapSource reads classic pcap: no options, no marks.
type pcapSource struct{ *pcapgo.Reader }

func (s pcapSource) readMarked() ([]byte, gopacket.CaptureInfo, Mark, error) {
	data, ci, err := s.ZeroCopyReadPacketData()
	return data, ci, Mark{}, err
}

func (pcapSource) atEnd() endSkips { return endSkips{} }

// openSource sniffs the magic number: pcapng's Section Header Block type
// 0x0A0D0D0A, or one of pcap's four magics (µs/ns, either byte order).
func openSource(r io.Reader) (packetSource, func(ci gopacket.CaptureInfo) layers.LinkType, error) {
	br := bufio.NewReaderSize(r, readBuffer) // r itself if it is one of that size
	magic, err := br.Peek(4)
	if err != nil {
		return nil, nil, fmt.Errorf("not a capture file: %w", err)
	}
	switch m := binary.LittleEndian.Uint32(magic); m {
	case 0x0A0D0D0A:
		ends := &endSkips{}
		opts := pcapgo.DefaultNgReaderOptions
		opts.StatisticsCallback = func(_ int, st pcapgo.NgInterfaceStatistics) { ends.take(st.Comment) }
		// Through blockCheck: pcapgo does not read a block's trailing
		// length, which Wireshark holds to its leading one.
		blocks := checkBlocks(br)
		ng, err := pcapgo.NewNgReader(blocks, opts)
		if err != nil && blocks.err != nil {
			return nil, nil, blocks.err
		}
		if err != nil {
			return nil, nil, fmt.Errorf("pcapng: %w", err)
		}
		return ngSource{ng, ends, blocks}, func(ci gopacket.CaptureInfo) layers.LinkType {
			if intf, err := ng.Interface(ci.InterfaceIndex); err == nil {
				return intf.LinkType
			}
			return ng.LinkType()
		}, nil
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("pcap: %w", err)
		}
		return pcapSource{pr}, func(gopacket.CaptureInfo) layers.LinkType { return pr.LinkType() }, nil
	default:
		return nil, nil, fmt.Errorf("not a pcap or pcapng file (magic %08x)", m)
	}
}

func readHTTP(r io.Reader, keys KeyLog, dg *datagramReader) ([]Exchange, error) {
	src, linkType, err := openSource(r)
	if err != nil {
		return nil, err
	}
	return decodeHTTP(src, linkType, func() (KeyLog, error) { return keys, nil }, dg)
}

// ethernet is the link type of every frame of a tap file.
func ethernet(gopacket.CaptureInfo) layers.LinkType { return layers.LinkTypeEthernet }

// decodeHTTP is readHTTP on an open source; keys is called once every
// packet is read, before the streams are decrypted.
func decodeHTTP(src packetSource, linkType func(gopacket.CaptureInfo) layers.LinkType, keys func() (KeyLog, error), dg *datagramReader) ([]Exchange, error) {
	fac := &factory{}
	// A 4-tuple is used again once its connection is over (a long run
	// reuses ephemeral ports): each new connection on it, told by a SYN
	// with a new initial sequence number or one after the last connection
	// ended (both FINs, or an RST), is reassembled apart, by an assembler
	// of its own generation.
	set := assemblerSets.Get().(*assemblerSet)
	set.fac.f = fac
	assembler := set.assembler
	type use struct {
		gen      int
		isn      uint32
		synAcked bool  // the generation's handshake was answered
		fins     uint8 // FINs seen: 1 one way, 2 the other
		ended    bool  // both FINs, or an RST
	}
	tuples := map[[2]gopacket.Flow]use{}
	seg := newSegmentDecoder()
	cutAt := 0 // the packet at which the file is cut short
	for n := 1; ; n++ {
		if n > maxPackets {
			return nil, fmt.Errorf("more than %d packets", maxPackets)
		}
		data, ci, m, err := src.readMarked()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			cutAt = n
			break
		}
		if err != nil {
			return nil, fmt.Errorf("packet %d: %w", n, err)
		}
		lt := linkType(ci)
		if dg != nil {
			if err := dg.take(n, ci, m, data, lt); err != nil {
				return nil, err
			}
		}
		if lt == layers.LinkTypeEthernet && !ethernetTCP(data) {
			continue // a datagram (the card's APDU lane): nothing to reassemble
		}
		tcp, nl := seg.decode(data, lt)
		if tcp == nil {
			continue // not TCP, or truncated: nothing to reassemble
		}
		nf, tf := nl.NetworkFlow(), tcp.TransportFlow()
		key, way := [2]gopacket.Flow{nf, tf}, uint8(1)
		if nf.Src().LessThan(nf.Dst()) || nf.Src() == nf.Dst() && tf.Src().LessThan(tf.Dst()) {
			key, way = [2]gopacket.Flow{nf.Reverse(), tf.Reverse()}, 2
		}
		u, seen := tuples[key]
		switch {
		case tcp.SYN && !tcp.ACK:
			if seen && (tcp.Seq != u.isn || u.ended) {
				u = use{gen: u.gen + 1}
			}
			u.isn = tcp.Seq
		case tcp.SYN:
			u.synAcked = true
		case seen && !u.synAcked && len(tcp.Payload) == 0 && !tcp.FIN:
			// A SYN on a 4-tuple the server still holds in TIME_WAIT gets
			// an ACK of the old connection, answered by an RST, before the
			// SYN is sent again (RFC 9293 §3.10.7.4): they belong to
			// neither connection's stream.
			continue
		}
		if tcp.FIN {
			u.fins |= way
		}
		u.ended = u.ended || tcp.RST || u.fins == 3
		tuples[key] = u
		if u.gen >= maxGenerations {
			return nil, fmt.Errorf("packet %d: more than %d connections on one address pair", n, maxGenerations)
		}
		// The frame's number and mark ride in its capture info, which
		// the reassembler hands back with the bytes it carried.
		ci.AncillaryData = append(ci.AncillaryData, frameAt{n: n, mark: m})
		assembler(u.gen).AssembleWithContext(nf, tcp, &asmContext{ci: ci})
		if fac.err != nil {
			return nil, fac.err
		}
	}
	if dg != nil {
		dg.ends = src.atEnd()
	}
	for _, a := range set.asms {
		a.FlushAll()
	}
	set.release() // every connection closed: the assemblers are as new
	if fac.err != nil {
		return nil, fac.err
	}
	var err error
	if fac.keys, err = keys(); err != nil {
		return nil, err
	}
	var out []Exchange
	var streamErr error
	for _, st := range fac.streams {
		ex, err := st.exchanges()
		if err != nil && (cutAt == 0 || st.ended()) && streamErr == nil {
			streamErr = fmt.Errorf("connection %s → %s: %w", st.client, st.server, err)
		}
		// A connection still open where the file is cut keeps the
		// exchanges it completed.
		out = append(out, ex...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if streamErr != nil {
		// The other connections' exchanges go with the error: a page
		// shows them beside it (a killed writer whose file happens to end
		// at a block's end leaves a connection open and cut short in what
		// reads as a whole file).
		return out, streamErr
	}
	if cutAt > 0 {
		return out, cutShort(cutAt, len(out), "exchanges decoded")
	}
	return out, nil
}

// cutShort is the error of a file that ends inside packet n's block, with
// what the reader made of the packets before it.
func cutShort(n, count int, what string) error {
	return fmt.Errorf("%w at packet %d, in the middle of a block (was its writer killed?): %d %s before it", ErrCutShort, n, count, what)
}

// ended reports whether the connection's end is in the capture: both FINs,
// or a reset.
func (s *stream) ended() bool { return s.reset || s.c2s.fin && s.s2c.fin }

// ethernetTCP reports whether an Ethernet frame may carry TCP: anything
// but IPv4 with another protocol than 6. It spares a full decode of every
// datagram of a capture.
func ethernetTCP(frame []byte) bool {
	if len(frame) < 14+20 {
		return true // let the decoder say what it is
	}
	if binary.BigEndian.Uint16(frame[12:14]) == uint16(layers.EthernetTypeIPv4) {
		return frame[14+9] == uint8(layers.IPProtocolTCP)
	}
	return true // IPv6 (extension headers), VLAN tags, …: the decoder walks them
}

// segmentDecoder finds a frame's TCP header. Ethernet frames with an IP
// header and TCP right behind it (every tap frame) go through a
// DecodingLayerParser, which allocates nothing and copies nothing (the
// reassembler copies the bytes it keeps); any other frame takes gopacket's
// full decoder.
type segmentDecoder struct {
	eth     layers.Ethernet
	ip4     layers.IPv4
	ip6     layers.IPv6
	tcp     layers.TCP
	parser  *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newSegmentDecoder() *segmentDecoder {
	d := &segmentDecoder{}
	d.parser = gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &d.eth, &d.ip4, &d.ip6, &d.tcp)
	d.parser.IgnoreUnsupported = true // the TCP payload
	return d
}

// decode returns the frame's TCP header and network layer, or nil for a
// frame that is not TCP or is truncated. They are valid until the next call.
func (d *segmentDecoder) decode(data []byte, lt layers.LinkType) (*layers.TCP, gopacket.NetworkLayer) {
	if lt == layers.LinkTypeEthernet {
		err := d.parser.DecodeLayers(data, &d.decoded)
		if err == nil && len(d.decoded) == 3 && d.decoded[2] == layers.LayerTypeTCP {
			switch d.decoded[1] {
			case layers.LayerTypeIPv4:
				return &d.tcp, &d.ip4
			case layers.LayerTypeIPv6:
				return &d.tcp, &d.ip6
			}
		}
	}
	pkt := gopacket.NewPacket(data, lt, gopacket.Default)
	tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
	nl := pkt.NetworkLayer()
	if tcp == nil || nl == nil || pkt.ErrorLayer() != nil {
		return nil, nil
	}
	return tcp, nl
}

// assemblerSet is a decode's assemblers, one per generation, kept for the
// next decode once FlushAll has closed all their connections: a new
// StreamPool allocates room for 1,024 connections, which cost more than
// reassembling a rig's capture.
type assemblerSet struct {
	fac  factoryRef
	asms []*reassembly.Assembler
}

var assemblerSets = sync.Pool{New: func() any { return new(assemblerSet) }}

func (s *assemblerSet) assembler(gen int) *reassembly.Assembler {
	for len(s.asms) <= gen {
		a := reassembly.NewAssembler(reassembly.NewStreamPool(&s.fac))
		a.MaxBufferedPagesPerConnection = 1024
		a.MaxBufferedPagesTotal = 8192
		s.asms = append(s.asms, a)
	}
	return s.asms[gen]
}

// release returns the set to the pool; only a set whose connections are
// all closed may go back (a decode that stops early drops its set).
func (s *assemblerSet) release() {
	s.fac.f = nil
	if len(s.asms) > 4 {
		return // a long run's: not worth keeping
	}
	assemblerSets.Put(s)
}

// factoryRef hands a pooled StreamPool's new streams to the factory of
// the decode that uses it.
type factoryRef struct{ f *factory }

func (r *factoryRef) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac reassembly.AssemblerContext) reassembly.Stream {
	return r.f.New(netFlow, tcpFlow, tcp, ac)
}

type asmContext struct{ ci gopacket.CaptureInfo }

func (c *asmContext) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

// factory creates one stream per TCP connection and enforces the total cap.
type factory struct {
	keys    KeyLog
	streams []*stream
	total   int
	err     error
	br      *bufio.Reader // reader, the streams' in turn
}

// reader returns a buffered reader of r, the one the factory's streams
// share: they parse one after the other, and each message is read whole
// (headers copied, body read) before the reader moves on.
func (f *factory) reader(r io.Reader) *bufio.Reader {
	if f.br == nil {
		f.br = bufio.NewReader(r)
	} else {
		f.br.Reset(r)
	}
	return f.br
}

func (f *factory) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac reassembly.AssemblerContext) reassembly.Stream {
	src := net.JoinHostPort(netFlow.Src().String(), tcpFlow.Src().String())
	dst := net.JoinHostPort(netFlow.Dst().String(), tcpFlow.Dst().String())
	st := &stream{f: f, client: src, server: dst}
	// The first packet seen is normally the client's SYN; a capture that
	// starts with the SYN-ACK has the roles the other way round.
	if tcp.SYN && tcp.ACK {
		st.client, st.server, st.swapped = dst, src, true
	}
	f.streams = append(f.streams, st)
	return st
}

// half is one direction's reassembled bytes with the frame in which each
// chunk started.
type half struct {
	data   []byte
	chunks []chunk
	cut    bool // a trailing TLS record was cut short
	// fin: this side sent its FIN, so its bytes end there by its own
	// choice (the gaps a capture can miss before it show as skips).
	fin bool
}

// chunk is where a run of reassembled bytes starts: offset and frame.
type chunk struct {
	off int
	at  frameAt
}

// frameAt is a frame's number, capture time and mark.
type frameAt struct {
	n    int
	t    time.Time
	mark Mark
}

// frameOf returns the capture info's frame, stamped with its time.
func frameOf(ci gopacket.CaptureInfo) frameAt {
	var f frameAt
	for _, a := range ci.AncillaryData {
		if x, ok := a.(frameAt); ok {
			f = x
		}
	}
	f.t = ci.Timestamp
	return f
}

// at returns the frame of the chunk holding byte off.
func (h *half) at(off int) frameAt {
	i := sort.Search(len(h.chunks), func(i int) bool { return h.chunks[i].off > off })
	if i == 0 {
		return frameAt{}
	}
	return h.chunks[i-1].at
}

type stream struct {
	f              *factory
	client, server string
	swapped        bool
	c2s, s2c       half
	reset          bool // an RST was seen in either direction
}

func (s *stream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, dir reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, ac reassembly.AssemblerContext) bool {
	*start = true // also take connections whose handshake was not captured
	if tcp.RST {
		s.reset = true
	}
	if tcp.FIN {
		h := &s.c2s
		if (dir == reassembly.TCPDirServerToClient) != s.swapped {
			h = &s.s2c
		}
		h.fin = true
	}
	return true
}

// cutByReset reports a response that ends early on a connection that was
// reset: the traffic itself was cut, which is not a capture defect. Without
// a reset a short response is one (packets the capture missed).
func (s *stream) cutByReset(err error) bool {
	return s.reset && isShort(err)
}

func isShort(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) }

func (s *stream) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	if s.f.err != nil {
		return
	}
	dir, _, _, skip := sg.Info()
	n, _ := sg.Lengths()
	if n == 0 {
		return
	}
	h := &s.c2s
	if (dir == reassembly.TCPDirServerToClient) != s.swapped {
		h = &s.s2c
	}
	if skip > 0 {
		s.f.err = fmt.Errorf("connection %s → %s: capture misses %d bytes at stream offset %d", s.client, s.server, skip, len(h.data))
		return
	}
	if len(h.data)+n > maxStreamBytes {
		s.f.err = fmt.Errorf("connection %s → %s: reassembled data exceeds %d bytes", s.client, s.server, maxStreamBytes)
		return
	}
	if s.f.total+n > maxTotalBytes {
		s.f.err = fmt.Errorf("the connections' reassembled data exceeds %d bytes", maxTotalBytes)
		return
	}
	h.chunks = append(h.chunks, chunk{off: len(h.data), at: frameOf(sg.CaptureInfo(0))})
	h.data = append(h.data, sg.Fetch(n)...)
	s.f.total += n
}

func (s *stream) ReassemblyComplete(ac reassembly.AssemblerContext) bool { return true }

// exchanges parses the client's bytes as HTTP/1.1 requests and the server's
// as the responses, pairing them in order (RFC 9112 §9.3). With an error it
// returns what it decoded before it.
func (s *stream) exchanges() ([]Exchange, error) {
	c2s, s2c := &s.c2s, &s.s2c
	if looksLikeResponse(c2s.data) && !looksLikeResponse(s2c.data) ||
		isClientHello(s2c.data) && !isClientHello(c2s.data) {
		c2s, s2c = s2c, c2s // roles guessed wrong (handshake not captured)
		s.client, s.server = s.server, s.client
	}
	isTLS := isClientHello(c2s.data)
	// The client ended the connection (reset it, or closed it with a FIN,
	// as a terminal does when the card is powered off or reset with a
	// channel open): a request it cut short was never whole on the wire,
	// which is not a capture defect.
	clientFIN := c2s.fin
	clientEnded := s.reset || clientFIN
	if isTLS {
		var err error
		if c2s, s2c, err = decryptTLS(c2s, s2c, s.f.keys); err != nil {
			return nil, fmt.Errorf("TLS: %w", err)
		}
	}
	var out []Exchange
	var reqs []*http.Request
	headCut := -1 // offset of a request whose headers the client cut short
	cr := &countingReader{r: bytes.NewReader(c2s.data)}
	br := s.f.reader(cr)
	for {
		if _, err := br.Peek(1); err != nil {
			break
		}
		off := cr.n - br.Buffered()
		if clientEnded && !bytes.Contains(c2s.data[off:], []byte("\r\n\r\n")) {
			headCut = off // the connection ended inside a request's headers
			break
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return out, fmt.Errorf("request at byte %d: %w", off, err)
		}
		body, err := readBody(req.Body)
		cut := clientEnded && isShort(err)
		if err != nil && !cut {
			return out, fmt.Errorf("request %s %s body: %w", req.Method, req.URL.Path, err)
		}
		reqs = append(reqs, req)
		at := c2s.at(off)
		out = append(out, Exchange{
			Time: at.t, Frame: at.n, Mark: at.mark, Client: s.client, Server: s.server,
			TLS: isTLS, Host: req.Host, Method: req.Method, Path: req.URL.Path, RequestBody: body, Cut: cut,
		})
		if cut {
			break
		}
	}
	cr = &countingReader{r: bytes.NewReader(s2c.data)}
	br = s.f.reader(cr)
	for i := 0; ; {
		if _, err := br.Peek(1); err != nil {
			break
		}
		respAt := s2c.at(cr.n - br.Buffered())
		if i == len(reqs) && headCut >= 0 {
			// The server answered the request the client cut short
			// (400 Bad Request from its HTTP layer).
			e, req := cutHead(c2s.data[headCut:])
			at := c2s.at(headCut)
			e.Time, e.Frame, e.Mark, e.Client, e.Server, e.TLS = at.t, at.n, at.mark, s.client, s.server, isTLS
			out, reqs, headCut = append(out, e), append(reqs, req), -1
		}
		if i >= len(reqs) {
			return out, fmt.Errorf("response %d has no request", i+1)
		}
		resp, err := http.ReadResponse(br, reqs[i])
		if err != nil {
			if s.cutByReset(err) {
				out[i].Cut = true
				break
			}
			return out, fmt.Errorf("response to %s %s: %w", reqs[i].Method, reqs[i].URL.Path, err)
		}
		body, err := readBody(resp.Body)
		if err != nil {
			if s.cutByReset(err) {
				out[i].Cut = true
				break
			}
			return out, fmt.Errorf("response to %s %s body: %w", reqs[i].Method, reqs[i].URL.Path, err)
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 {
			continue // interim answer (100 Continue): the final one follows
		}
		out[i].Status, out[i].ResponseBody = resp.StatusCode, body
		out[i].RespFrame, out[i].RespMark, out[i].RespTime = respAt.n, respAt.mark, respAt.t
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			out[i].Date = d
		}
		i++
	}
	if c2s.cut || s2c.cut {
		// A TLS record cut short: the reset (or the client's FIN, for
		// its own record) cut the exchange in flight; otherwise the
		// capture missed the rest.
		if !s.reset && (s2c.cut || !clientFIN) {
			return out, errors.New("TLS record cut short without a reset: the capture misses data")
		}
		if len(out) > 0 {
			out[len(out)-1].Cut = true
		}
	}
	return out, nil
}

// cutHead is the exchange of a request whose headers were cut short, and
// the request to read its response against: method and path come from the
// request line when it is whole (its CRLF was sent), since a cut line
// would name a path nobody asked for.
func cutHead(head []byte) (Exchange, *http.Request) {
	e := Exchange{Cut: true, HeadCut: true}
	req := &http.Request{Method: http.MethodGet}
	if line, _, ok := bytes.Cut(head, []byte("\r\n")); ok {
		if f := strings.Fields(string(line)); len(f) == 3 && strings.HasPrefix(f[2], "HTTP/") {
			e.Method, req.Method = f[0], f[0]
			if u, err := url.ParseRequestURI(f[1]); err == nil {
				e.Path = u.Path
			}
		}
	}
	return e, req
}

// isClientHello reports whether a stream starts with a TLS handshake record
// holding a ClientHello (RFC 5246 §6.2.1, §7.4.1.2).
func isClientHello(b []byte) bool { return looksLikeTLS(b) && len(b) > 5 && b[5] == 1 }

func looksLikeResponse(b []byte) bool { return bytes.HasPrefix(b, []byte("HTTP/")) }

// readBody reads a message body; a body cut short returns what there was
// with the error.
func readBody(rc io.ReadCloser) ([]byte, error) {
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxBodyBytes+1))
	if err != nil {
		return b, err
	}
	if len(b) > maxBodyBytes {
		return nil, fmt.Errorf("body larger than %d bytes", maxBodyBytes)
	}
	return b, nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
