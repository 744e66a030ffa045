package smdp

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/esimhil/esimhil/internal/httpserve"
)

// netState is the listening side (httpserve.Endpoint: SetReachable closes
// and reopens it on the same port, which stays the SM-DP+'s meanwhile).
type netState struct {
	mu sync.Mutex
	ep *httpserve.Endpoint // nil until Start
}

// Start listens on addr (e.g. "127.0.0.1:0"); wrap, when not nil, wraps the
// TCP listener (capture taps the encrypted bytes there).
func (s *Server) Start(addr string, wrap func(net.Listener) net.Listener) error {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if s.net.ep != nil {
		return fmt.Errorf("smdp %s: already started", s.cfg.Operator)
	}
	ep, err := httpserve.Listen(addr, http.HandlerFunc(s.serveHTTP), s.cfg.Limits, wrap,
		func(l net.Listener) net.Listener { return tls.NewListener(l, s.tlsConfig()) })
	if err != nil {
		return fmt.Errorf("smdp %s: %w", s.cfg.Operator, err)
	}
	s.net.ep = ep
	return nil
}

// Suites are the TLS 1.2 cipher suites the SM-DP+ offers, GCM first.
var Suites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}

// tlsConfig is TLS 1.2 only with SGP.22 §2.6.6's two cipher suites
// (ECDHE-ECDSA with AES-128-GCM-SHA256, and AES-128-CBC-SHA256, which Go
// lists among its insecure suites for Lucky13 but the standard has servers
// offer), P-256, the virtual clock, and the certificate chosen per
// handshake (the TLSUntrusted fault).
// A client may resume a session (RFC 5077 tickets, keyed by this
// listener's config) unless the handshake is to show the rogue
// certificate — the fault must reach a card that holds a session too —
// or the server issues none (Config.NoTickets).
func (s *Server) tlsConfig() *tls.Config {
	base := &tls.Config{
		MinVersion:       tls.VersionTLS12,
		MaxVersion:       tls.VersionTLS12,
		CipherSuites:     Suites,
		CurvePreferences: []tls.CurveID{tls.CurveP256},
		NextProtos:       []string{"http/1.1"},
		Time:             s.cfg.Now,
		KeyLogWriter:     s.cfg.KeyLog,
	}
	cfg := base.Clone()
	cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		c := s.tlsCertNow() // once per handshake, resumed or not
		hc := base.Clone()
		hc.Certificates = []tls.Certificate{{Certificate: [][]byte{c.DER}, PrivateKey: c.Key, Leaf: c.X509}}
		hc.SessionTicketsDisabled = s.cfg.NoTickets || c != s.cfg.Certs.TLS // a rogue one (TLSUntrusted)
		return hc, nil
	}
	return cfg
}

// Consumed reports, waiting at most limit, when the SM-DP+ has handled
// everything the client at client wrote to it, n bytes in all
// (httpserve.Endpoint.Consumed). A client whose answer is held
// (Config.Slow) counts as handled.
func (s *Server) Consumed(client netip.AddrPort, n int64, limit time.Duration) bool {
	s.net.mu.Lock()
	ep := s.net.ep
	s.net.mu.Unlock()
	return s.held.Consumed(ep, client, n, limit)
}

// SetReachable(false) closes the listener and every open connection, so a
// card's connect is refused; SetReachable(true) listens again on the same
// port.
func (s *Server) SetReachable(up bool) error {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if s.net.ep == nil {
		return fmt.Errorf("smdp %s: not started", s.cfg.Operator)
	}
	if err := s.net.ep.SetReachable(up); err != nil {
		return fmt.Errorf("smdp %s: %w", s.cfg.Operator, err)
	}
	return nil
}

// Close stops the server and waits for its accept loop.
func (s *Server) Close() error {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if s.net.ep == nil {
		return nil
	}
	if err := s.net.ep.Close(); err != nil {
		return fmt.Errorf("smdp %s: serve: %w", s.cfg.Operator, err)
	}
	return nil
}

// resetConn aborts a hijacked connection with a TCP RST (SO_LINGER 0),
// reaching through the TLS conn and any capture wrapper to the TCP socket.
func resetConn(c net.Conn) {
	raw := c
	for range 8 {
		if l, ok := raw.(interface{ SetLinger(int) error }); ok {
			_ = l.SetLinger(0)
			break
		}
		u, ok := raw.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		raw = u.NetConn()
	}
	_ = raw.Close()
	_ = c.Close()
}
