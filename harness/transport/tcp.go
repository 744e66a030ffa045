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
		text := strings.TrimLeft(string(got), "\r\n")
		line, whole := text, false
		if i := strings.IndexAny(text, "\r\n"); i >= 0 {
			line, whole = text[:i], true
		}
		refusal, maybe := false, text == ""
		for _, r := range ser2netRefusals {
			refusal = refusal || strings.HasPrefix(line, r)
			maybe = maybe || strings.HasPrefix(r, line)
		}
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
			return &prefixConn{Conn: c, r: io.MultiReader(bytes.NewReader(got), c)}, nil
		case err != nil:
			// Not tried again: that could take the port back from the
			// other client, who would take it back in turn.
			c.Close()
			return nil, fmt.Errorf("%s: %w as it opened (%w): %s; not tried again, so as not to take the port from that client", name, ErrServerClosed, err, ServerClosedWhy)
		}
	}
}

// prefixConn is a connection whose first bytes were read already.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (p *prefixConn) Read(b []byte) (int, error) { return p.r.Read(b) }
