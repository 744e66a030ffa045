package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/dissectorports"
)

// mss is the largest TCP payload per synthesized segment (Ethernet MTU 1500
// minus 20 bytes IPv4 and 20 bytes TCP headers).
const mss = 1460

// mssOption is the value of the SYNs' MSS option: mss, big-endian.
var mssOption = []byte{mss >> 8, mss & 0xff}

// Fixed, locally administered MACs: the tap has no real link layer.
var (
	clientMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	serverMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
)

// tap synthesizes frames for wrapped connections. One mutex orders frames of
// all connections, so timestamps are strictly increasing in the file.
type tap struct {
	clk   clock.Clock
	write func(gopacket.CaptureInfo, []byte, Mark) error
	// events is the session's count of the run's events: each frame is
	// marked with it (Mark).
	events eventCount

	mu    sync.Mutex
	last  time.Time
	conns uint32
	open  []*flow // flows not yet closed, in creation order (closed ones until pruned)
	// ended counts the flows of open that have closed: newFlow prunes
	// them once they are half of it, so a long run's thousands of closed
	// connections are not held to its end.
	ended int
	err   error // first write error, reported by Close

	// segment's frame, reused under mu: a run's connections make
	// thousands of frames, and write copies each.
	buf []byte

	// dmu guards the in-process dials (Session.WrapDial): servers are
	// the addresses of the wrapped listeners, dialed the flows of dialed
	// connections not yet accepted (by the client's address), pending
	// the dials under way, whose connection Accept may meet before the
	// dial returns.
	dmu     sync.Mutex
	dcond   *sync.Cond
	servers map[netip.AddrPort]int
	dialed  map[netip.AddrPort]*flow
	pending int
}

// finish closes, in creation order, every flow still open when the session
// ends (a server torn down mid-connection), so the file holds complete TCP
// conversations whatever the goroutine timing.
func (t *tap) finish() {
	t.mu.Lock()
	open := t.open
	t.open = nil
	t.mu.Unlock()
	for _, f := range open {
		f.close()
	}
}

func newTap(clk clock.Clock, events eventCount, write func(gopacket.CaptureInfo, []byte, Mark) error) *tap {
	t := &tap{clk: clk, events: events, write: write}
	t.dcond = sync.NewCond(&t.dmu)
	return t
}

// stamp returns the clock's time, moved 1 µs past the previous frame when
// the clock has not advanced, so frame order survives in the timestamps.
// Callers hold mu.
func (t *tap) stamp() time.Time { return t.stampAt(t.clk.Now()) }

// stampAt is stamp for a frame that happened at now.
func (t *tap) stampAt(now time.Time) time.Time {
	if !now.After(t.last) && !t.last.IsZero() {
		now = t.last.Add(time.Microsecond)
	}
	t.last = now
	return now
}

// endpoint is one side of a synthesized TCP connection.
type endpoint struct {
	mac  net.HardwareAddr
	ip   net.IP
	port uint16
	seq  uint32 // next sequence number this side sends
	ipID uint16
	fin  bool
}

// flow synthesizes the frames of one TCP connection between a client and
// the server (RFC 9293 §3.5 handshake and §3.6 close).
type flow struct {
	tap    *tap
	c, s   endpoint
	closed bool

	// dialed: the client is in process and its connection was dialed
	// through the tap (Session.WrapDial), so the client's bytes, FIN and
	// RST are recorded as it sends them (tapClientConn), not as the
	// server reads them, and the close is each side's own. The counts
	// say what the other end has not read yet: a side that closes with
	// bytes unread resets the connection instead of sending its FIN,
	// and a server that has closed answers the client's later bytes with
	// an RST, as Linux does (RFC 1122 §4.2.2.13, RFC 2525 §2.17).
	dialed       bool
	cSent, sRead int64 // client bytes in the file; those the server read
	sSent, cRead int64 // server bytes in the file; those the client read
	sClosed      bool  // the server closed its socket (not a half-close)
	// note is the comment of the server's next FIN or RST (serverSideNote).
	note string
	// wire orders a client's write with the server's close: held across
	// the record and the kernel's write, so that bytes recorded before
	// a close reached the server's socket before it closed.
	wire sync.Mutex

	// A TLS client's handshake bytes are held (held) until the server
	// next writes, closes or resets: in a full handshake the server logs
	// the session's secrets while it processes the flight with the
	// client's ClientKeyExchange and Finished, after it read them, and a
	// reader (Wireshark) must meet the Decryption Secrets Block before
	// the Finished or it decrypts none of the client's records (outside
	// tester sw65: a host LPA's ES9+ requests all undecryptable). The
	// emulated card logs its secrets before it sends, so a dialed flow
	// holds nothing (clientSend): held, its flights fell after the
	// TERMINAL RESPONSE of the SEND DATA that carried them (outside
	// tester o314).
	//
	// The hold ends with the client's ChangeCipherSpec, or with the
	// server's when that comes first: an abbreviated handshake (a
	// resumed session, RFC 5246 §7.3), whose secret was logged before
	// the server's Finished, and whose client sends its Finished with
	// its first request. Held until the answer, that request was marked
	// after the events its handler logged (outside tester sw69: the
	// SM-DP+'s bpp_sent drawn before the getBoundProfilePackage that
	// caused it). In a full handshake the server's ChangeCipherSpec
	// follows the client's, which ended the hold already; a TLS 1.3
	// server's (RFC 8446 §D.4) is in its first flight, which crypto/tls
	// sends once it logged every secret of the connection.
	tls       tlsState
	held      []byte
	clientCCS bool       // the client has sent its ChangeCipherSpec
	cRec      recordWalk // the client's TLS records, while tlsHandshake
	sRec      recordWalk // the server's
}

// tlsState is what the tap knows of a connection's TLS handshake.
type tlsState uint8

const (
	tlsUnknown   tlsState = iota // no client byte yet
	tlsHandshake                 // a TLS client, handshake not over
	tlsOff                       // not TLS, or the handshake is over
)

// maxHeld bounds the client bytes a flow holds: a handshake flight is a
// few KiB; anything longer is written as it comes.
const maxHeld = 64 << 10

// clientData records bytes the server read: held during a TLS handshake
// (flow.held), written at once otherwise.
func (f *flow) clientData(b []byte) {
	f.tap.mu.Lock()
	defer f.tap.mu.Unlock()
	f.clientDataLocked(b)
}

// clientDataLocked is clientData; callers hold tap.mu.
func (f *flow) clientDataLocked(b []byte) {
	if f.closed || len(b) == 0 {
		return
	}
	if f.tls == tlsUnknown {
		f.tls = tlsOff
		if b[0] == recHandshake { // the ClientHello
			f.tls = tlsHandshake
		}
	}
	if f.tls == tlsHandshake {
		ccs, ok := f.cRec.walk(b)
		f.clientCCS = f.clientCCS || ccs
		switch {
		case !ok: // not TLS after all: nothing to hold for
			f.flushHeld()
			f.tls, f.held = tlsOff, nil
		case len(f.held)+len(b) <= maxHeld:
			f.held = append(f.held, b...)
			return
		}
	}
	f.flushHeld()
	f.dataLocked(true, b)
}

// serverData notes what the server's bytes b say of the handshake, once
// the client's held bytes are written: a server's ChangeCipherSpec while
// the handshake is open is an abbreviated handshake's, after which the
// client's bytes (its Finished and first request) are written as they
// come. A server that speaks before its client is no TLS server.
// Callers hold tap.mu.
func (f *flow) serverData(b []byte) {
	switch f.tls {
	case tlsUnknown:
		f.tls = tlsOff
	case tlsHandshake:
		if ccs, ok := f.sRec.walk(b); ccs || !ok {
			f.tls, f.held = tlsOff, nil
		}
	}
}

// flushHeld writes the client bytes held, before what the server does
// next; once the client has sent its ChangeCipherSpec, the handshake is
// over as far as the file's order goes. Callers hold tap.mu.
func (f *flow) flushHeld() {
	if len(f.held) > 0 {
		f.dataLocked(true, f.held)
		f.held = f.held[:0]
	}
	if f.clientCCS && f.tls == tlsHandshake {
		f.tls, f.held = tlsOff, nil
	}
}

// recordWalk follows one direction's TLS records across the chunks it
// comes in (RFC 5246 §6.2.1: type, version, 16-bit length, fragment), so
// a ChangeCipherSpec is told by its header, wherever reads cut it, and
// never by bytes inside a record (a random, a ticket) that look like one.
type recordWalk struct {
	hdr  [5]byte
	n    int // bytes of hdr read
	left int // fragment bytes of the current record still to come
	bad  bool
}

// walk reads b; ccs is whether a ChangeCipherSpec record began in it, ok
// false once the bytes are no TLS records (a bad type, version or length).
func (w *recordWalk) walk(b []byte) (ccs, ok bool) {
	for len(b) > 0 && !w.bad {
		if w.left > 0 {
			k := min(w.left, len(b))
			w.left, b = w.left-k, b[k:]
			continue
		}
		k := copy(w.hdr[w.n:], b)
		w.n, b = w.n+k, b[k:]
		if w.n < len(w.hdr) {
			break
		}
		w.n = 0
		typ, length := w.hdr[0], int(binary.BigEndian.Uint16(w.hdr[3:]))
		if typ < recChangeCipherSpec || typ > recApplicationData || w.hdr[1] != 3 || length > maxRecord {
			w.bad = true
			break
		}
		ccs = ccs || typ == recChangeCipherSpec
		w.left = length
	}
	return ccs, !w.bad
}

// isnStride spreads initial sequence numbers over the 32-bit space: odd,
// so that n*isnStride differs for every connection of a file.
const isnStride = 0x9E3779B1

// newFlow registers a connection and writes its three-way handshake.
// Initial sequence numbers come from the connection's index, not from
// randomness, so files are reproducible; no two connections of a file share
// one, since a reused client port's next connection is told from a
// retransmitted SYN by its new ISN (RFC 9293 §3.4.1). They used to be
// n<<24, the same again every 256 connections: a week-long run that got
// the same port for connection n and n+256 decoded as one connection.
// newFlow opens a flow and writes its handshake; dialed says the tap
// dialed it (Session.WrapDial), so its client's frames are not marked
// Outside from the first.
func (t *tap) newFlow(client, server *net.TCPAddr, dialed bool) *flow {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.conns++
	n := t.conns
	isn := n * isnStride
	cport := uint16(client.Port)
	if p, ok := dissectorports.StandIn(cport); ok {
		// Wireshark would read the exchange as that port's protocol.
		cport = p
	}
	f := &flow{
		tap:    t,
		c:      endpoint{mac: clientMAC, ip: client.IP, port: cport, seq: isn, ipID: uint16(n) << 8},
		s:      endpoint{mac: serverMAC, ip: server.IP, port: uint16(server.Port), seq: isn + 1<<31, ipID: uint16(n)<<8 | 0x80},
		dialed: dialed,
	}
	f.segment(true, flagSYN, nil)
	f.segment(false, flagSYN|flagACK, nil)
	f.segment(true, flagACK, nil)
	if t.ended > len(t.open)/2 {
		t.open = slices.DeleteFunc(t.open, func(f *flow) bool { return f.closed })
		t.ended = 0
	}
	t.open = append(t.open, f)
	return f
}

// endLocked marks the flow closed: no frame of it follows. Callers hold
// the tap's mu.
func (f *flow) endLocked() {
	f.closed = true
	f.tap.ended++
}

// TCP flags, in the header's bit order (RFC 9293 §3.1): segment writes
// them as they are.
const (
	flagFIN = 1 << iota
	flagSYN
	flagRST
	flagPSH
	flagACK
)

// data records payload sent by one side in segments of at most mss bytes,
// PSH on the last, then the peer's acknowledgement.
func (f *flow) data(fromClient bool, b []byte) {
	f.tap.mu.Lock()
	defer f.tap.mu.Unlock()
	if f.closed || len(b) == 0 {
		return
	}
	f.flushHeld()
	if !fromClient {
		f.serverData(b)
		f.sSent += int64(len(b))
	}
	f.dataLocked(fromClient, b)
}

// dataLocked is data; callers hold tap.mu.
func (f *flow) dataLocked(fromClient bool, b []byte) {
	if f.closed || len(b) == 0 {
		return
	}
	f.segments(fromClient, b)
	f.segment(!fromClient, flagACK, nil)
}

// segments writes b's segments, PSH on the last, and no acknowledgement.
// Callers hold tap.mu.
func (f *flow) segments(fromClient bool, b []byte) {
	for len(b) > 0 {
		n := min(len(b), mss)
		flags := flagACK
		if n == len(b) {
			flags |= flagPSH
		}
		f.segment(fromClient, flags, b[:n])
		b = b[n:]
	}
}

// fin records one side closing its sending direction and the peer's ACK.
// When both sides have sent FIN the flow is complete.
func (f *flow) fin(fromClient bool) {
	f.tap.mu.Lock()
	defer f.tap.mu.Unlock()
	f.finLocked(fromClient)
}

func (f *flow) finLocked(fromClient bool) {
	if f.closed {
		return
	}
	f.flushHeld()
	from, to := &f.s, &f.c
	if fromClient {
		from, to = &f.c, &f.s
	}
	if from.fin {
		return
	}
	from.fin = true
	f.segment(fromClient, flagFIN|flagACK, nil)
	switch {
	case to.fin:
		f.segment(!fromClient, flagACK, nil)
		f.endLocked()
	case f.dialed:
		// The peer's kernel acknowledges the FIN at once; its own
		// FIN comes when its owner closes.
		f.segment(!fromClient, flagACK, nil)
	}
}

// reset records an RST from one side (RFC 9293 §3.5.2): the connection
// ends there, with no FIN exchange after it.
func (f *flow) reset(fromClient bool) {
	f.tap.mu.Lock()
	defer f.tap.mu.Unlock()
	if f.closed {
		return
	}
	f.flushHeld()
	f.segment(fromClient, flagRST|flagACK, nil)
	f.endLocked()
}

// close records the server closing: its FIN, and the client's FIN (a client
// of a Connection: close exchange closes on EOF), each acknowledged.
func (f *flow) close() {
	f.tap.mu.Lock()
	defer f.tap.mu.Unlock()
	if f.closed {
		return
	}
	f.flushHeld()
	if f.c.fin || f.s.fin {
		// One side has sent its FIN already (a dialed flow at the
		// session's end): the other's closes the connection.
		f.finLocked(f.s.fin)
		return
	}
	f.s.fin = true
	f.segment(false, flagFIN|flagACK, nil)
	f.c.fin = true
	f.segment(true, flagFIN|flagACK, nil) // acknowledges the server's FIN too
	f.segment(false, flagACK, nil)
	f.endLocked()
}

// clientSend records bytes an in-process client sends (a dialed flow), as
// it sends them. Once the server has closed its socket they reach no
// reader: the server's kernel answers them with an RST (RFC 1122
// §4.2.2.13; Linux sends it bare, its sequence number the one the client
// acknowledged), which ends the connection.
func (f *flow) clientSend(b []byte) {
	f.tap.mu.Lock()
	defer f.tap.mu.Unlock()
	if f.closed || len(b) == 0 {
		return
	}
	f.cSent += int64(len(b))
	if !f.sClosed {
		// Written as sent, never held: an in-process client (the card)
		// logs its secrets before its flight goes out, and its bytes
		// belong where it sent them — between the SEND DATA that carried
		// them and its TERMINAL RESPONSE on the APDU lane.
		f.dataLocked(true, b)
		return
	}
	f.flushHeld()
	f.segments(true, b)
	f.segment(false, flagRST, nil)
	f.endLocked()
}

// read counts bytes one side of a dialed flow read, for its close.
func (f *flow) read(byClient bool, n int) {
	f.tap.mu.Lock()
	defer f.tap.mu.Unlock()
	if byClient {
		f.cRead += int64(n)
	} else {
		f.sRead += int64(n)
	}
}

// endpointClose records one side of a dialed flow closing its socket
// (full) or its sending direction: its FIN, or, when it closes its socket
// with bytes of its peer's unread, the RST Linux sends instead (RFC 2525
// §2.17). A server that closed answers later client bytes with an RST
// (clientSend).
func (f *flow) endpointClose(fromClient, full bool) {
	f.tap.mu.Lock()
	defer f.tap.mu.Unlock()
	if f.closed {
		return
	}
	f.flushHeld()
	unread := f.sSent > f.cRead
	if !fromClient {
		unread = f.cSent > f.sRead
		f.sClosed = f.sClosed || full
	}
	if full && unread {
		f.segment(fromClient, flagRST|flagACK, nil)
		f.endLocked()
		return
	}
	f.finLocked(fromClient)
}

// segment serializes one frame and advances the sender's sequence number.
// Callers hold tap.mu.
func (f *flow) segment(fromClient bool, flags int, payload []byte) {
	from, to := &f.s, &f.c
	if fromClient {
		from, to = &f.c, &f.s
	}
	t := f.tap
	// The TCP header (RFC 9293 §3.1): a SYN carries the MSS option
	// (§3.7.1) so analyzers know the segment size.
	var hdr [24]byte
	th := hdr[:20]
	be := binary.BigEndian
	be.PutUint16(th[0:], from.port)
	be.PutUint16(th[2:], to.port)
	be.PutUint32(th[4:], from.seq)
	if flags&flagACK != 0 {
		be.PutUint32(th[8:], to.seq)
	}
	offset := 5
	if flags&flagSYN != 0 {
		th = hdr[:24]
		th[20], th[21], th[22], th[23] = byte(layers.TCPOptionKindMSS), 4, mssOption[0], mssOption[1]
		offset = 6
	}
	th[12] = byte(offset << 4)
	th[13] = byte(flags) // the flag constants are the header's bits
	be.PutUint16(th[14:], 65535)
	ipf := ipFrame{srcMAC: from.mac, dstMAC: to.mac, id: from.ipID, dontFragment: true, proto: protoTCP}
	if ip4 := from.ip.To4(); ip4 != nil && to.ip.To4() != nil {
		ipf.srcIP, ipf.dstIP = ip4, to.ip.To4()
	} else {
		ipf.srcIP, ipf.dstIP = from.ip.To16(), to.ip.To16()
	}
	from.ipID++
	from.seq += uint32(len(payload))
	if flags&(flagSYN|flagFIN) != 0 {
		from.seq++ // SYN and FIN each take one sequence number
	}
	t.buf = appendFrame(t.buf[:0], &ipf, th, payload)
	frame := t.buf // valid until the next segment; write copies it
	ci := gopacket.CaptureInfo{Timestamp: f.tap.stamp(), CaptureLength: len(frame), Length: len(frame)}
	// Marked under mu: frames are counted in file order.
	m := f.tap.events.mark()
	if f.note != "" && !fromClient && flags&(flagFIN|flagRST) != 0 {
		m.Note, f.note = f.note, ""
	}
	// The card's connections are the ones the tap dials (WrapDial): a
	// client it accepted undialed is another program (outside tester
	// sw91: a host LPA's ES9+ drawn as the card's).
	m.Outside = m.OK && !f.dialed // both directions: a filter on it keeps the conversation whole
	if err := f.tap.write(ci, frame, m); err != nil {
		f.tap.fail(err)
	}
}

// frame writes one frame that is not part of a connection (a datagram),
// stamped at ts (zero: the tap's clock now), in order with the others; cmd
// is where the exchange it records began, if it says (withCommand).
func (t *tap) frame(ts time.Time, data []byte, cmd Mark) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ts.IsZero() {
		ts = t.clk.Now()
	}
	ci := gopacket.CaptureInfo{Timestamp: t.stampAt(ts), CaptureLength: len(data), Length: len(data)}
	return t.write(ci, data, withCommand(t.events.mark(), cmd))
}

func (t *tap) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// tapListener wraps a server listener; accepted connections are recorded.
type tapListener struct {
	net.Listener
	tap    *tap
	closed sync.Once
}

// addServer notes a wrapped listener's address: in-process clients that
// dial it are recorded from their own side (Session.WrapDial).
func (t *tap) addServer(a net.Addr) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return
	}
	t.dmu.Lock()
	defer t.dmu.Unlock()
	if t.servers == nil {
		t.servers = map[netip.AddrPort]int{}
	}
	t.servers[unmapped(ta.AddrPort())]++
}

// dropServer undoes addServer when the listener closes.
func (t *tap) dropServer(a net.Addr) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return
	}
	t.dmu.Lock()
	defer t.dmu.Unlock()
	k := unmapped(ta.AddrPort())
	if t.servers[k]--; t.servers[k] <= 0 {
		delete(t.servers, k)
	}
}

// serves reports whether a wrapped listener is at a; callers hold dmu.
func (t *tap) serves(a netip.AddrPort) bool {
	if t.servers[a] > 0 {
		return true
	}
	for s := range t.servers { // a listener on all addresses
		if s.Addr().IsUnspecified() && s.Port() == a.Port() {
			return true
		}
	}
	return false
}

func unmapped(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// dial dials address with next and, if a wrapped listener is there,
// records the connection from the client's side (tapClientConn). The
// server may accept the connection before the dial returns: Accept waits
// while a dial is under way (pending) for the flow the dial registers.
func (t *tap) dial(next func(network, address string) (net.Conn, error), network, address string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || network != "tcp" && network != "tcp4" && network != "tcp6" {
		return next(network, address)
	}
	ap = unmapped(ap)
	t.dmu.Lock()
	ours := t.serves(ap)
	if ours {
		t.pending++
	}
	t.dmu.Unlock()
	if !ours {
		return next(network, address)
	}
	c, err := next(network, address)
	var f *flow
	var key netip.AddrPort
	if err == nil {
		client, ok1 := c.LocalAddr().(*net.TCPAddr)
		server, ok2 := c.RemoteAddr().(*net.TCPAddr)
		if ok1 && ok2 {
			f = t.newFlow(client, server, true)
			key = unmapped(client.AddrPort())
		}
	}
	t.dmu.Lock()
	t.pending--
	if f != nil {
		if t.dialed == nil {
			t.dialed = map[netip.AddrPort]*flow{}
		}
		t.dialed[key] = f
	}
	t.dcond.Broadcast()
	t.dmu.Unlock()
	if f == nil {
		return c, err
	}
	return &tapClientConn{Conn: c, flow: f}, nil
}

// dialedFlow returns the flow an in-process dial registered for a
// connection from client, waiting while dials are under way; nil for a
// client the tap did not dial.
func (t *tap) dialedFlow(client *net.TCPAddr) *flow {
	k := unmapped(client.AddrPort())
	t.dmu.Lock()
	defer t.dmu.Unlock()
	for {
		if f := t.dialed[k]; f != nil {
			delete(t.dialed, k)
			return f
		}
		if t.pending == 0 || t.dcond == nil {
			return nil
		}
		t.dcond.Wait()
	}
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	client, ok1 := c.RemoteAddr().(*net.TCPAddr)
	server, ok2 := c.LocalAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return c, nil // not TCP: nothing to synthesize
	}
	if f := l.tap.dialedFlow(client); f != nil {
		return &tapConn{Conn: c, flow: f}, nil
	}
	return &tapConn{Conn: c, flow: l.tap.newFlow(client, server, false)}, nil
}

// Close stops the tap recording dials to the listener's address.
func (l *tapListener) Close() error {
	l.closed.Do(func() { l.tap.dropServer(l.Listener.Addr()) })
	return l.Listener.Close()
}

// tapConn is a server's end of a recorded connection. It records what
// the server writes (before the write), so causes precede effects in the
// file, and how it closes. The client's bytes are recorded by the client's
// end when the tap dialed it (tapClientConn); else, for a client out of
// process (a host LPA, curl), as the server reads them (after the read),
// and at Close whatever already arrived unread. It does not implement
// CloseWrite, so net/http closes it right after the answer.
type tapConn struct {
	net.Conn
	flow *flow
	once sync.Once
	// abort is set by SetLinger(0): the server aborts the connection, and
	// Close sends an RST (RFC 9293 §3.10.5) rather than a FIN.
	abort atomic.Bool
}

// SetLinger passes the option to the socket beneath and, for 0, makes
// Close draw the RST the kernel then sends (an SM-DP+'s connection_reset
// fault), so the file shows the reset the wire does.
func (c *tapConn) SetLinger(sec int) error {
	var inner net.Conn = c.Conn
	for {
		if l, ok := inner.(interface{ SetLinger(int) error }); ok {
			if err := l.SetLinger(sec); err != nil {
				return fmt.Errorf("capture tap: %w", err)
			}
			c.abort.Store(sec == 0)
			return nil
		}
		u, ok := inner.(interface{ NetConn() net.Conn })
		if !ok {
			return fmt.Errorf("capture tap: SetLinger: %w", errors.ErrUnsupported)
		}
		inner = u.NetConn()
	}
}

// NetConn is the connection the tap wraps.
func (c *tapConn) NetConn() net.Conn { return c.Conn }

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.flow.dialed {
		// The client recorded its bytes, FIN or RST as it sent them.
		c.flow.read(false, n)
		return n, err
	}
	c.flow.clientData(p[:n])
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		c.flow.fin(true)
	case isReset(err):
		c.flow.reset(true)
	}
	return n, err
}

// Write records the bytes before handing them to the kernel: once they are
// sent the client may react (close, reconnect), and its reaction must not
// land in the file before the data that caused it.
func (c *tapConn) Write(p []byte) (int, error) {
	c.flow.data(false, p)
	n, err := c.Conn.Write(p)
	if err != nil && isReset(err) && !c.flow.dialed {
		c.flow.reset(true)
	}
	return n, err
}

// isReset reports the errors a socket returns once the peer has reset the
// connection (a client that lost power, say).
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Close records the server's close before closing, so the client cannot
// see EOF (and open its next connection) before the frames are written:
// an abort's RST; for a dialed flow the server's FIN, or its RST when
// client bytes are unread (endpointClose), the client's own close to come
// from the client; for a client out of process, the bytes that already
// arrived unread (drained without waiting) and then the RST the kernel
// sends for them, else the FIN exchange (README "Capture": what such a
// client sends after this is not in the file).
func (c *tapConn) Close() error {
	locked := false
	c.once.Do(func() {
		switch {
		case c.abort.Load():
			c.flow.reset(false)
		case c.flow.dialed:
			// A client write under way holds wire: its bytes are
			// recorded and on their way, and make this close a reset.
			locked = c.flow.wire.TryLock()
			c.flow.endpointClose(false, true)
		default:
			c.flow.tap.mu.Lock()
			if !c.flow.c.fin {
				// A client that closed first sends nothing after: the
				// note would say what cannot be (outside tester sw91).
				c.flow.note = serverSideNote
			}
			c.flow.tap.mu.Unlock()
			if tail, err := drainUnread(c.Conn); len(tail) > 0 {
				c.flow.clientData(tail)
				c.flow.reset(false)
			} else if err != nil {
				c.flow.tap.mu.Lock()
				c.flow.tap.fail(fmt.Errorf("capture tap: bytes unread at close: %w", err))
				c.flow.tap.mu.Unlock()
				c.flow.close()
			} else {
				c.flow.close()
			}
		}
	})
	err := c.Conn.Close()
	if locked {
		c.flow.wire.Unlock()
	}
	return err
}

// serverSideNote is the comment on the server's FIN or RST of a
// connection the tap did not dial (a client out of process: a host LPA,
// curl), seen from the server's socket only: what arrived before the
// close is in the file, what the client sent after it is not, and the
// client's FIN the close draws after the server's is the usual end of an
// exchange, not one the tap saw (outside tester sw78: a keep-alive LPA
// still open looked closed).
const serverSideNote = "esimhil: recorded at the server's socket (a client out of process): " +
	"bytes the client sent after this close, and the RST the server's kernel answered them with, are not in the file; " +
	"a FIN of the client's drawn after this one was not seen (a client still open, a keep-alive LPA, never sent it)"

// drainUnread reads, without waiting, the bytes in c's receive queue at
// the moment of the call: those a client sent that the server never read.
// Closed with them unread, the socket sends an RST (RFC 2525 §2.17); they
// are on the wire all the same. It reads no more than the queue held
// then (SIOCINQ): each read makes room the kernel would let a client
// still sending fill, and a bare close would have cut those bytes off
// with its RST (outside tester sw78: a pipelining client's 13,000
// requests more than a live capture showed).
func drainUnread(c net.Conn) ([]byte, error) {
	var sc syscall.Conn
	for sc == nil {
		switch u := c.(type) {
		case syscall.Conn:
			sc = u
		case interface{ NetConn() net.Conn }: // a listener's wrapper beneath the tap
			c = u.NetConn()
		default:
			return nil, fmt.Errorf("%T: %w", c, errors.ErrUnsupported)
		}
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	var out []byte
	var rerr error
	// Control, not Read: Read takes the socket's read lock, which a Read
	// the server left waiting holds (an idle keep-alive connection's
	// next request) until the client goes — 90 s for Go's HTTP client —
	// and Close would wait that long. A non-blocking recv beside it only
	// takes what has arrived.
	err = rc.Control(func(fd uintptr) { out, rerr = readQueued(fd) })
	if err != nil && rerr == nil && !errors.Is(err, net.ErrClosed) {
		rerr = err
	}
	return out, rerr
}

// tapClientConn is an in-process client's end of a recorded connection
// (Session.WrapDial): its bytes are recorded as it sends them, before
// the kernel has them, and its close as it closes.
type tapClientConn struct {
	net.Conn
	flow *flow
	once sync.Once
}

func (c *tapClientConn) Write(p []byte) (int, error) {
	c.flow.wire.Lock()
	defer c.flow.wire.Unlock()
	c.flow.clientSend(p)
	return c.Conn.Write(p)
}

func (c *tapClientConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.flow.read(true, n)
	return n, err
}

// CloseWrite sends the client's FIN, the socket open for reading.
func (c *tapClientConn) CloseWrite() error {
	cw, ok := c.Conn.(interface{ CloseWrite() error })
	if !ok {
		return fmt.Errorf("capture tap: CloseWrite: %w", errors.ErrUnsupported)
	}
	c.flow.endpointClose(true, false)
	return cw.CloseWrite()
}

// Close records the client's close (its FIN, or an RST if it leaves the
// server's bytes unread) before the kernel's.
func (c *tapClientConn) Close() error {
	c.once.Do(func() { c.flow.endpointClose(true, true) })
	return c.Conn.Close()
}

// NetConn is the connection the tap wraps.
func (c *tapClientConn) NetConn() net.Conn { return c.Conn }
