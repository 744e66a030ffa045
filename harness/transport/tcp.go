package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/codec/telnet"
	"github.com/esimhil/esimhil/internal/stall"
)

// dialTCP connects to a serial port that ser2net exports as raw TCP
// (`accepter: tcp,PORT`): bytes pass unchanged both ways, and the line
// settings are ser2net's (its connector's "115200n81"). Its errors are
// named by the address as given (name: tcp://… or rfc2217://…), once.
func dialTCP(ctx context.Context, name, hostport string, cfg Config) (net.Conn, error) {
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		return nil, fmt.Errorf("%s: want %s://host:port: %w", name, name[:strings.Index(name, ":")], err)
	}
	d := net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 15 * time.Second}
	c, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true) // AT lines are small and latency-bound
	}
	// Its deadlines (a command's, the RFC 2217 negotiation's, the
	// refusal's watch) bound the server in the time the process ran: a
	// stop meanwhile leaves its answer in the kernel's buffer, to be
	// read, not timed out (t192).
	return stall.NewConn(c, nil), nil
}

// ErrRefused is wrapped by the error of a raw TCP connection that ser2net
// accepted only to say it cannot open the device and close (RefusedError).
var ErrRefused = errors.New("refused by ser2net")

// RefusedError is ser2net's refusal: its text, e.g. "Device open failure:
// Value or file not found" while a USB modem re-enumerates.
type RefusedError struct{ Text string }

func (e *RefusedError) Error() string { return "ser2net: " + e.Text }
func (e *RefusedError) Unwrap() error { return ErrRefused }

// ErrServerClosed is wrapped when a network port's server closed the
// connection without a word, before the modem's first answer.
var ErrServerClosed = errors.New("the server closed the connection")

// ServerClosedWhy is what such a close can tell, as ser2net 4.3.11 does
// it (tried, TestSer2netLastClientTakesThePort): it says in words when the
// device fails to open, or when another client holds a port without
// kickolduser (ser2netRefusals); with kickolduser the client that
// connects last always gets the port and the one before is closed, also
// while the device is still being opened for that one. So a wordless
// close is a later client's doing, not an earlier one's (outside tester
// sw130 N7 read a slow-starting holder as the earlier client).
const ServerClosedWhy = "another client connected after this one and took the port (ser2net's kickolduser gives it to the client that connects last; an earlier client never keeps it, and ser2net says in words when the device fails to open or, without kickolduser, the port is in use), or the server closes every connection"

// ser2netRefusals begin the texts ser2net 4 writes on a raw TCP connection
// it then closes, the device not being its to give (gensio's ser2net
// dataxfer.c).
var ser2netRefusals = []string{"Device open failure", "Port's device already in use", "Port disabled", "Port already in use"}

// refusalWait is how long a new raw TCP connection is watched for
// ser2net's refusal, which it writes as it accepts: a modem says nothing
// unasked, so most connections wait this long once.
var refusalWait = 150 * time.Millisecond

// checkRefusal watches a new raw TCP connection for refusalWait: one on
// which ser2net writes a refusal, or that closes at once, is no port
// (an error wrapping ErrRefused, or the read error); otherwise what it
// read (a modem's boot URC) is kept for the first Read.
func checkRefusal(c net.Conn, name string) (net.Conn, error) {
	if err := c.SetReadDeadline(time.Now().Add(refusalWait)); err != nil {
		return c, nil
	}
	var got []byte
	buf := make([]byte, 256)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		line, whole, refusal, maybe := firstLine(got)
		switch {
		case len(got) >= 2 && got[0] == telnet.IAC && got[1] >= telnet.WILL && got[1] <= telnet.DONT:
			// A telnet server's first words: ser2net's RFC 2217 accepter
			// (the raw port passes the modem's bytes, and a modem never
			// sends 0xFF unasked).
			c.Close()
			return nil, fmt.Errorf("%s: a telnet port (it opened with telnet option negotiation, % X): is it an RFC 2217 port (use rfc2217://)?", name, got[:min(len(got), 3)])
		case refusal && (whole || err != nil):
			c.Close()
			return nil, fmt.Errorf("%s: %w", name, &RefusedError{Text: line})
		case err != nil && errors.Is(err, os.ErrDeadlineExceeded), err == nil && !refusal && !maybe:
			if err := c.SetReadDeadline(time.Time{}); err != nil {
				c.Close()
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return &refusalConn{Conn: c, name: name, got: got, decided: !refusal && !maybe}, nil
		case err != nil:
			// Not tried again: that could take the port back from the
			// other client, who would take it back in turn.
			c.Close()
			return nil, fmt.Errorf("%s: %w as it opened (%w): %s; not tried again, so as not to take the port from that client", name, ErrServerClosed, err, ServerClosedWhy)
		}
	}
}

// firstLine reads the first line of what a raw TCP connection said (CR
// and LF before it skipped): whole when its end came, refusal when it is
// one of ser2net's, maybe while it could still become one.
func firstLine(got []byte) (line string, whole, refusal, maybe bool) {
	text := strings.TrimLeft(string(got), "\r\n")
	line = text
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		line, whole = text[:i], true
	}
	maybe = text == ""
	for _, r := range ser2netRefusals {
		refusal = refusal || strings.HasPrefix(line, r)
		maybe = maybe || strings.HasPrefix(r, line)
	}
	return line, whole, refusal, maybe
}

// maxRefusal bounds a first line still read as a possible refusal: ser2net's
// are one short line.
const maxRefusal = 512

// refusalConn is a raw TCP connection watched for refusalWait with no
// refusal seen, whose first line is still checked: on a loaded lab host
// or a long link ser2net's refusal can come after the watch (outside
// tester o303: 16 refusals, then one 100 ms late, read as the port back
// and its text written to at.log as the modem's line). Its first line
// being one of ser2net's refusals, the connection is closed and Read
// fails with the refusal (ErrRefused); a modem never says one. Other
// bytes pass as they come (a line that cannot become a refusal at once).
type refusalConn struct {
	net.Conn
	name    string
	got     []byte // read, not yet returned
	err     error  // the read error behind got
	decided bool   // the first line is no refusal
}

func (r *refusalConn) Read(b []byte) (int, error) {
	for !r.decided {
		line, whole, refusal, maybe := firstLine(r.got)
		switch {
		case refusal && (whole || r.err != nil):
			r.Conn.Close()
			r.got, r.decided, r.err = nil, true, fmt.Errorf("%s: %w (its refusal came after the %v the connection was watched for one)", r.name, &RefusedError{Text: line}, refusalWait)
		case !refusal && !maybe, r.err != nil, len(r.got) > maxRefusal:
			r.decided = true
		default:
			buf := make([]byte, 256)
			n, err := r.Conn.Read(buf)
			r.got = append(r.got, buf[:n]...)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return 0, err // the reader's own deadline: still undecided
			}
			r.err = err
		}
	}
	if len(r.got) > 0 {
		n := copy(b, r.got)
		r.got = r.got[n:]
		return n, nil
	}
	if err := r.err; err != nil {
		r.err = nil
		return 0, err
	}
	return r.Conn.Read(b)
}
