package euicc

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"sync"
)

// tlsSessions is the card's TLS client session cache: for each server
// name, the session of its last full handshake (the ticket the server
// issued, RFC 5077) and that session's master secret. It lives in the
// card's RAM, with the runtime: a reset or a power cut loses it, so the
// first connection of a power cycle makes a full handshake (certificate
// verified, ECDHE) and later ones to the same server resume the session.
type tlsSessions struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	state  *tls.ClientSessionState
	master []byte
}

// connSessions is one connection's view of the cache, as crypto/tls's
// ClientSessionCache and KeyLogWriter: it remembers the master secret of
// the session the connection establishes or resumes, which crypto/tls
// logs for a full handshake only.
type connSessions struct {
	all    *tlsSessions
	keyLog io.Writer // the capture's key log, or nil
	master []byte
}

func (c *connSessions) Get(key string) (*tls.ClientSessionState, bool) {
	c.all.mu.Lock()
	defer c.all.mu.Unlock()
	e, ok := c.all.m[key]
	if !ok {
		return nil, false
	}
	c.master = e.master
	return e.state, true
}

func (c *connSessions) Put(key string, cs *tls.ClientSessionState) {
	c.all.mu.Lock()
	defer c.all.mu.Unlock()
	if cs == nil || c.master == nil {
		delete(c.all.m, key) // crypto/tls drops a session it cannot resume
		return
	}
	if c.all.m == nil {
		c.all.m = map[string]cachedSession{}
	}
	c.all.m[key] = cachedSession{state: cs, master: c.master}
}

// Write takes crypto/tls's key-log line of a full handshake
// ("CLIENT_RANDOM <random> <master secret>"), keeps the secret and hands
// the line to the capture's key log.
func (c *connSessions) Write(line []byte) (int, error) {
	if f := bytes.Fields(line); len(f) == 3 && string(f[0]) == "CLIENT_RANDOM" {
		if ms, err := hex.DecodeString(string(f[2])); err == nil {
			c.master = ms
		}
	}
	if c.keyLog == nil {
		return len(line), nil
	}
	return c.keyLog.Write(line)
}

// logOffered writes, as the ClientHello goes out, the key-log line of the
// session it offers to resume, which crypto/tls never logs (it logs the
// master secret where it computes it, in a full handshake): the new client
// random with the session's master secret. It must be in the capture
// before the server's answer: a resuming server sends its Finished and the
// ticket in its first flight, encrypted, and Wireshark reads a file in one
// pass, so a secret that came after the card's handshake would leave that
// flight and the answer undecrypted. If the server declines and makes a
// full handshake instead, crypto/tls logs its secret for the same random
// later, and a key log's later line for a random replaces the earlier.
func (c *connSessions) logOffered(random []byte) error {
	if c.keyLog == nil || c.master == nil {
		return nil
	}
	if _, err := fmt.Fprintf(c.keyLog, "CLIENT_RANDOM %x %x\n", random, c.master); err != nil {
		return fmt.Errorf("tls key log: %w", err)
	}
	return nil
}

// helloTap keeps the first bytes the TLS client writes: the record that
// holds its ClientHello, whose random names the session in the key log.
// Once it has the random it logs the offered session's secret
// (logOffered) before the hello leaves.
type helloTap struct {
	net.Conn
	sess *connSessions
	head []byte
	// offered: the hello offered a session whose secret was logged.
	offered bool
}

// helloRandomEnd is where a ClientHello's random ends in its record:
// record header (5), handshake header (4), client_version (2), random (32).
const helloRandomEnd = 5 + 4 + 2 + 32

func (h *helloTap) Write(p []byte) (int, error) {
	if len(h.head) < helloRandomEnd {
		h.head = append(h.head, p[:min(len(p), helloRandomEnd-len(h.head))]...)
		if random, ok := h.random(); ok && h.sess.master != nil {
			if err := h.sess.logOffered(random); err != nil {
				return 0, err
			}
			h.offered = true
		}
	}
	return h.Conn.Write(p)
}

// random is the ClientHello's random (RFC 5246 §7.4.1.2).
func (h *helloTap) random() ([]byte, bool) {
	if len(h.head) < helloRandomEnd || h.head[0] != 22 || h.head[5] != 1 {
		return nil, false
	}
	return h.head[helloRandomEnd-32 : helloRandomEnd], true
}
