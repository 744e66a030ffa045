package smdp

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"

	"github.com/esimhil/esimhil/internal/httpserve"
)

// netState is the listening side; SetReachable closes and reopens it on the
// same address.
type netState struct {
	mu        sync.Mutex
	addr      netip.AddrPort
	wrap      func(net.Listener) net.Listener
	srv       *httpserve.Server
	held      *httpserve.Held // the port, while unreachable
	reachable bool
	started   bool
}

// Start listens on addr (e.g. "127.0.0.1:0"); wrap, when not nil, wraps the
// TCP listener (capture taps the encrypted bytes there).
func (s *Server) Start(addr string, wrap func(net.Listener) net.Listener) error {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if s.net.started {
		return fmt.Errorf("smdp %s: already started", s.cfg.Operator)
	}
	s.net.wrap = wrap
	if err := s.listenLocked(addr); err != nil {
		return err
	}
	s.net.started, s.net.reachable = true, true
	return nil
}

func (s *Server) listenLocked(addr string) error {
	ln, err := httpserve.Listen(addr)
	if err != nil {
		return fmt.Errorf("smdp %s: listen: %w", s.cfg.Operator, err)
	}
	ap, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return fmt.Errorf("smdp %s: listen address: %w", s.cfg.Operator, err)
	}
	s.net.addr = ap
	var l net.Listener = ln
	if s.net.wrap != nil {
		l = s.net.wrap(ln)
	}
	s.net.srv = httpserve.Serve(l, http.HandlerFunc(s.serveHTTP), s.cfg.Limits,
		func(l net.Listener) net.Listener { return tls.NewListener(l, s.tlsConfig()) })
	return nil
}

// tlsConfig is TLS 1.2 only with the one SGP.22 cipher suite, the virtual
// clock, and the certificate chosen per handshake (the TLSUntrusted fault).
func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:       tls.VersionTLS12,
		MaxVersion:       tls.VersionTLS12,
		CipherSuites:     []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		CurvePreferences: []tls.CurveID{tls.CurveP256},
		NextProtos:       []string{"http/1.1"},
		Time:             s.cfg.Now,
		KeyLogWriter:     s.cfg.KeyLog,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			c := s.tlsCertNow()
			return &tls.Certificate{Certificate: [][]byte{c.DER}, PrivateKey: c.Key, Leaf: c.X509}, nil
		},
	}
}

// SetReachable(false) closes the listener and every open connection, so a
// card's connect is refused; SetReachable(true) listens again on the same
// address.
func (s *Server) SetReachable(up bool) error {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if !s.net.started {
		return fmt.Errorf("smdp %s: not started", s.cfg.Operator)
	}
	if up == s.net.reachable {
		return nil
	}
	if !up {
		h, err := httpserve.Hold(s.net.addr) // refused, and nobody else's
		if err != nil {
			return fmt.Errorf("smdp %s: %w", s.cfg.Operator, err)
		}
		s.net.held = h
		s.net.reachable = false
		if err := s.net.srv.Close(); err != nil {
			return fmt.Errorf("smdp %s: serve: %w", s.cfg.Operator, err)
		}
		return nil
	}
	if err := s.listenLocked(s.net.addr.String()); err != nil {
		return err
	}
	s.net.reachable = true
	return s.releaseLocked()
}

// releaseLocked gives back the port held while unreachable.
func (s *Server) releaseLocked() error {
	err := s.net.held.Release()
	s.net.held = nil
	if err != nil {
		return fmt.Errorf("smdp %s: release port %s: %w", s.cfg.Operator, s.net.addr, err)
	}
	return nil
}

// Close stops the server and waits for its accept loop.
func (s *Server) Close() error {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if !s.net.started || !s.net.reachable {
		return s.releaseLocked()
	}
	s.net.reachable = false
	if err := s.net.srv.Close(); err != nil {
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
