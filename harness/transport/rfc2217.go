package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/internal/codec/telnet"
)

// rfc2217 is a telnet connection to a COM-PORT-OPTION server (RFC 2217),
// such as ser2net's `accepter: telnet(rfc2217),tcp,PORT`. Data is escaped
// and unescaped by internal/codec/telnet; negotiations and notifications
// are answered inside Read.
type rfc2217 struct {
	c    net.Conn
	name string
	cfg  Config

	wmu  sync.Mutex     // one writer at a time: data and negotiation answers
	opts telnet.Options // under wmu

	rmu     sync.Mutex // Read's state
	dec     telnet.Decoder
	pending []byte           // decoded data not yet returned
	acks    []telnet.ComPort // server answers seen during the handshake
	raw     []byte

	// comPort: the server agreed to COM-PORT-OPTION, so it is a telnet
	// server (not a raw port that took the negotiation for data).
	comPort bool
	// asked is the handshake's first request, heard the first bytes the
	// server sent before it agreed: the same bytes are a modem's echo.
	asked, heard []byte
	// state is the last modem state passed to cfg.OnModemState, when
	// stateSeen: ser2net notifies its state again with nothing changed
	// (twice on every connect), which is no news.
	state     byte
	stateSeen bool
}

// dialRFC2217 connects, negotiates BINARY, SGA and COM-PORT-OPTION, sets
// the line (baud, data size, parity, stop size, flow) and asks for
// modem-state notifications, and checks that the server confirmed each
// setting, all within cfg.DialTimeout.
func dialRFC2217(ctx context.Context, hostport string, cfg Config) (*rfc2217, error) {
	name := "rfc2217://" + hostport
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		return nil, fmt.Errorf("%s: want rfc2217://host:port: %w", name, err)
	}
	c, err := dialTCP(ctx, name, hostport, cfg)
	if err != nil {
		return nil, err
	}
	r := &rfc2217{c: c, name: name, cfg: cfg, raw: make([]byte, 4096)}
	r.opts.Accept = func(opt byte, us bool) bool {
		switch opt {
		case telnet.OptBinary, telnet.OptSGA:
			return true
		case telnet.OptComPort:
			return us // we are the client: WILL COM-PORT, never DO
		}
		return false // ECHO included: a modem echoes on its own (ATE)
	}
	if err := r.handshake(); err != nil {
		if !r.comPort && !errors.Is(err, ErrRefused) && !ClosedByPeer(err) {
			err = fmt.Errorf("%w%s", err, r.endLine())
		}
		c.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// Bounds of endLine's wait for what the far end says to the CR: it stops
// once that has been quiet for endQuiet, and after endWait at most.
var (
	endQuiet = 200 * time.Millisecond
	endWait  = time.Second
)

// endLine ends, with a CR, the line that the negotiation's bytes began on
// a server that never agreed to COM-PORT-OPTION: most often a raw TCP
// port, which passed them to the modem as the start of a command line.
// Left open, the next client's first command would be joined to them and
// answered ERROR. A V.250 modem answers the ended line (ERROR, the
// emulator; or nothing, a modem that ignores a line without "AT"), and
// with echo on sends it back first: endLine reads all of it, so that the
// next client does not. It returns what to add to the error.
func (r *rfc2217) endLine() string {
	if err := r.send([]byte("\r")); err != nil {
		return ""
	}
	var got []byte
	buf := make([]byte, 512)
	limit := time.Now().Add(endWait)
	for time.Now().Before(limit) {
		quiet := time.Now().Add(endQuiet)
		if quiet.After(limit) {
			quiet = limit
		}
		r.c.SetReadDeadline(quiet)
		n, err := r.c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	r.c.SetReadDeadline(time.Time{})
	said := ""
	for _, line := range strings.FieldsFunc(string(got), func(c rune) bool { return c == '\r' || c == '\n' }) {
		if line == "OK" || line == "ERROR" || strings.HasPrefix(line, "+CME ERROR") || line == "0" || line == "4" {
			said = line
		}
	}
	if said != "" {
		return fmt.Sprintf(" (a CR ended the negotiation's bytes there, and the answer to them, %s, was read: the next client's first line is its own)", said)
	}
	return " (a CR ended the negotiation's bytes there, in case they reached a modem's command line)"
}

// ClosedByPeer reports an error that says the other end closed the
// connection (end of file, a reset, a broken pipe), not this side:
// nothing can be sent after it.
func ClosedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

func (r *rfc2217) handshake() error {
	deadline := time.Now().Add(r.cfg.DialTimeout)
	r.c.SetDeadline(deadline)
	defer r.c.SetDeadline(time.Time{})
	if err := r.hearFirst(deadline); err != nil {
		return r.handshakeErr("telnet negotiation", err)
	}
	err := r.negotiate(func(o *telnet.Options) []byte {
		var out []byte
		out = append(out, o.Request(telnet.OptComPort, true)...)
		out = append(out, o.Request(telnet.OptBinary, true)...)
		out = append(out, o.Request(telnet.OptBinary, false)...)
		out = append(out, o.Request(telnet.OptSGA, true)...)
		out = append(out, o.Request(telnet.OptSGA, false)...)
		r.asked = out
		return out
	})
	if err != nil {
		return r.handshakeErr("telnet negotiation", err)
	}
	// Settings go out once the server agreed to COM-PORT-OPTION.
	comPort := func() (pending, on bool) {
		r.wmu.Lock()
		defer r.wmu.Unlock()
		return r.opts.Pending(telnet.OptComPort, true), r.opts.Us(telnet.OptComPort)
	}
	for {
		pending, on := comPort()
		if on {
			r.comPort = true
			break
		}
		if !pending {
			if len(r.heard) >= 3 && bytes.HasPrefix(r.asked, r.heard[:min(len(r.heard), len(r.asked))]) {
				// Its "refusal" was our own request sent back.
				return errors.New("the server sent the client's telnet negotiation back, as a modem with echo on behind a raw TCP port does: is it a raw TCP port (use tcp://)?")
			}
			return errors.New("the server refused COM-PORT-OPTION (RFC 2217): is the port exported as telnet(rfc2217)?")
		}
		if err := r.readSome(); err != nil {
			return r.handshakeErr("COM-PORT-OPTION negotiation", err)
		}
	}
	parity := map[byte]byte{'N': telnet.ParityNone, 'E': telnet.ParityEven, 'O': telnet.ParityOdd}[r.cfg.Parity]
	stop := map[int]byte{1: telnet.Stop1, 2: telnet.Stop2}[r.cfg.StopBits]
	flow := map[Flow]byte{FlowNone: telnet.ControlFlowNone, FlowHardware: telnet.ControlFlowHardware, FlowSoftware: telnet.ControlFlowXonXoff}[r.cfg.Flow]
	want := []telnet.ComPort{
		{Cmd: telnet.CPSetBaudRate},
		{Cmd: telnet.CPSetDataSize, Value: []byte{byte(r.cfg.DataBits)}},
		{Cmd: telnet.CPSetParity, Value: []byte{parity}},
		{Cmd: telnet.CPSetStopSize, Value: []byte{stop}},
		{Cmd: telnet.CPSetControl, Value: []byte{flow}},
	}
	out := telnet.SetBaudRate(uint32(r.cfg.Baud))
	for _, w := range want[1:] {
		out = append(out, telnet.SetByte(w.Cmd, w.Value[0])...)
	}
	out = append(out, telnet.SetByte(telnet.CPSetModemStateMask, 0xFF)...)
	if err := r.send(out); err != nil {
		return r.handshakeErr("line settings", err)
	}
	for _, w := range want {
		ack, err := r.awaitAck(w.Cmd)
		if err != nil {
			return r.handshakeErr("line settings", err)
		}
		if w.Cmd == telnet.CPSetBaudRate {
			b, err := ack.Baud()
			switch {
			case err != nil:
				return fmt.Errorf("asked for %d baud, the server's answer is no rate: %w", r.cfg.Baud, err)
			case int(b) != r.cfg.Baud:
				return fmt.Errorf("asked for %d baud, the server set %d", r.cfg.Baud, b)
			}
			continue
		}
		v, err := ack.Byte()
		switch {
		case err != nil:
			return fmt.Errorf("asked for %s, the server's answer is no setting: %w", setting(w.Cmd, w.Value[0]), err)
		case v != w.Value[0]:
			return fmt.Errorf("asked for %s, the server set %s", setting(w.Cmd, w.Value[0]), setting(w.Cmd, v))
		}
	}
	return nil
}

// setting names an RFC 2217 line setting's value as a person sets it
// ("no flow control"), with the command and value on the wire for one
// no table here names (RFC 2217 §3).
func setting(cmd, v byte) string {
	var names map[byte]string
	switch cmd {
	case telnet.CPSetDataSize:
		if v >= 5 && v <= 8 {
			return fmt.Sprintf("%d data bits", v)
		}
	case telnet.CPSetParity:
		names = map[byte]string{telnet.ParityNone: "no parity", telnet.ParityOdd: "odd parity", telnet.ParityEven: "even parity", telnet.ParityMark: "mark parity", telnet.ParitySpace: "space parity"}
	case telnet.CPSetStopSize:
		names = map[byte]string{telnet.Stop1: "1 stop bit", telnet.Stop2: "2 stop bits", telnet.Stop15: "1.5 stop bits"}
	case telnet.CPSetControl:
		names = map[byte]string{telnet.ControlFlowNone: "no flow control", telnet.ControlFlowXonXoff: "XON/XOFF flow control", telnet.ControlFlowHardware: "hardware (RTS/CTS) flow control"}
	}
	if n, ok := names[v]; ok {
		return n
	}
	return telnet.ComPort{Cmd: cmd, Value: []byte{v}}.Setting()
}

func (r *rfc2217) handshakeErr(what string, err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if r.comPort {
			// A telnet server that took COM-PORT-OPTION: no raw port
			// (outside tester sw66: it was asked whether it was one).
			return fmt.Errorf("the server agreed to COM-PORT-OPTION (RFC 2217) but did not confirm the %s within %v: a server that does not set the line, or a slow one (--timeout)", what, r.cfg.DialTimeout)
		}
		return fmt.Errorf("no RFC 2217 answer to the %s within %v: is it a raw TCP port (use tcp://)?", what, r.cfg.DialTimeout)
	}
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		// A write met the close: what the server said before it may
		// still be readable (ser2net writes why, then closes).
		_ = r.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		for r.readSome() == nil {
		}
	}
	if line := strings.TrimSpace(string(r.pending)); line != "" {
		for _, refusal := range ser2netRefusals {
			if strings.HasPrefix(line, refusal) {
				return fmt.Errorf("%s: %w", what, &RefusedError{Text: line})
			}
		}
	}
	if ClosedByPeer(err) {
		// As on raw TCP (ServerClosedWhy).
		return fmt.Errorf("%s: %w (%w): %s", what, ErrServerClosed, err, ServerClosedWhy)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (r *rfc2217) awaitAck(cmd byte) (telnet.ComPort, error) {
	for {
		for i, a := range r.acks {
			if a.Cmd == cmd {
				r.acks = append(r.acks[:i], r.acks[i+1:]...)
				return a, nil
			}
		}
		if err := r.readSome(); err != nil {
			return telnet.ComPort{}, err
		}
	}
}

// firstQuiet ends hearFirst's wait once the server, having spoken, has
// been quiet this long: ser2net writes its options, and a refusal with
// them, as it accepts.
var firstQuiet = 20 * time.Millisecond

// hearFirst reads what the server says as it accepts, before the client
// writes anything: ser2net's RFC 2217 accepter sends its options at once
// and, when it cannot open the device, why, and closes. Were a request of
// ours unread at that close, its kernel would reset the connection and
// drop what it had not sent yet: the refusal, on a loaded machine, and an
// absent device would read as a bare "connection reset" (CI). It reads
// until the server has been quiet for firstQuiet after speaking, for
// refusalWait at most (a server that waits for the client costs that
// once), and answers the options only then, so that no answer of ours
// meets the close either. A read error (the close) is returned, with the
// refusal kept.
func (r *rfc2217) hearFirst(deadline time.Time) error {
	limit := time.Now().Add(refusalWait)
	if deadline.Before(limit) {
		limit = deadline
	}
	var got []byte
	var err error
	for {
		wait := limit
		if q := time.Now().Add(firstQuiet); len(got) > 0 && q.Before(limit) {
			wait = q
		}
		r.c.SetReadDeadline(wait)
		var n int
		n, err = r.c.Read(r.raw)
		got = append(got, r.raw[:n]...)
		if err != nil || len(got) > 4096 {
			break
		}
	}
	r.c.SetReadDeadline(deadline)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil
	}
	r.handle(got)
	return err
}

// readSome reads once from the connection and handles what came.
func (r *rfc2217) readSome() error {
	n, err := r.c.Read(r.raw)
	r.handle(r.raw[:n])
	return err
}

// handle decodes what the server sent: data kept for Read, negotiations
// answered, COM-PORT replies kept for the handshake.
func (r *rfc2217) handle(b []byte) {
	n := len(b)
	if !r.comPort && len(r.heard) < 64 {
		r.heard = append(r.heard, b[:min(n, 64-len(r.heard))]...)
	}
	data, evs := r.dec.Feed(b)
	r.pending = append(r.pending, data...)
	for _, e := range evs {
		r.event(e)
	}
	if len(r.acks) > 16 { // nobody asked for these: bounded
		r.acks = r.acks[len(r.acks)-16:]
	}
}

func (r *rfc2217) event(e telnet.Event) {
	switch e.Kind {
	case telnet.Negotiation:
		r.negotiate(func(o *telnet.Options) []byte {
			out := o.Receive(e.Cmd, e.Opt)
			r.dec.Binary = o.Him(telnet.OptBinary) // under rmu too: Read's state
			return out
		})
	case telnet.Subnegotiation:
		if e.Opt != telnet.OptComPort {
			return
		}
		cp, err := telnet.ParseComPort(e.Payload)
		if err != nil || !cp.Reply {
			return // garbage from the server: the data stream goes on
		}
		if cp.Cmd == telnet.CPNotifyModemState {
			if v, err := cp.Byte(); err == nil && r.cfg.OnModemState != nil && r.newState(v) {
				r.cfg.OnModemState(v)
			}
			return
		}
		r.acks = append(r.acks, cp)
	}
}

// newState reports whether modem state v is news, and takes it as the
// last: a first state is, and so is one that differs from the last or
// carries a delta bit (RFC 2217's DCD, TERI, DDSR, DCTS: a line changed,
// as a ring's trailing edge twice in a row); the same state again with
// none is not.
func (r *rfc2217) newState(v byte) bool {
	const deltas = telnet.ModemDeltaCD | telnet.ModemTERI | telnet.ModemDeltaDSR | telnet.ModemDeltaCTS
	news := !r.stateSeen || v != r.state || v&deltas != 0
	r.state, r.stateSeen = v, true
	return news
}

// negotiate runs f on the option state and sends what it returns, under
// the write lock, so that Write never escapes with a stale BINARY state.
func (r *rfc2217) negotiate(f func(*telnet.Options) []byte) error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if out := f(&r.opts); len(out) > 0 {
		_, err := r.c.Write(out)
		return err
	}
	return nil
}

func (r *rfc2217) send(b []byte) error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	_, err := r.c.Write(b)
	return err
}

func (r *rfc2217) Read(p []byte) (int, error) {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	for len(r.pending) == 0 {
		if err := r.readSome(); err != nil && len(r.pending) == 0 {
			return 0, err
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

func (r *rfc2217) Write(p []byte) (int, error) {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if _, err := r.c.Write(telnet.Escape(p, r.opts.Us(telnet.OptBinary))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (r *rfc2217) Close() error { return r.c.Close() }
