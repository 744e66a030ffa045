package platform

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Config sets up a platform.
type Config struct {
	Operators []Operator
	// OrderBy is platformapi.OrderTariff (default) or platformapi.OrderSignal.
	OrderBy string
	// Preferred maps a country to the ids of its preferred operators.
	Preferred map[string][]string
	// Clock stamps Received entries; nil means the wall clock.
	Clock clock.Clock
	// Log receives the platform's events; nil discards them.
	Log *eventlog.Log
	// CI is the test certificate issuer that card requests are verified
	// against (auth.go); nil switches request authentication off.
	CI *x509.Certificate
	// MoreCIs are further issuers the platform accepts cards from: a
	// third-party platform serves cards of several vendors, while each
	// SM-DP+ keeps its own, possibly narrower, list of CIs.
	MoreCIs []*x509.Certificate
	// Eligibility is the download policy (claim 4).
	Eligibility Eligibility
	// TLS, if set, makes the platform serve HTTPS (the card's requests are
	// signed either way, so plain HTTP on loopback is the default).
	TLS *tls.Config
	// Inject, if set, is asked at each point where a fault can bend the
	// platform (FaultEligibilityRefused, FaultNoAck) whether to inject it
	// now for a request about operator; the caller scopes faults to
	// operators, attempts and windows and logs each one that fires.
	// Faults set with SetFaults apply as well.
	Inject func(fault, operator string) bool
	// Status, if set, is asked about each card request the platform
	// accepted (after its body and authentication, as for FaultGarbled),
	// by its path: an HTTP status to answer it with instead of serving it
	// (FaultStatus; 0: serve it). The caller scopes it to windows and
	// routes and logs each one that fires.
	Status func(path string) int
	// Slow, if set, is asked before the answer to each card request the
	// platform accepted (2xx) is sent: how long to hold it (FaultSlow; 0:
	// not at all). The caller scopes it to windows and logs each delay.
	Slow func() time.Duration
	// Wait holds a slow answer for d of simulated time (httpserve.Hold's
	// Wait, as the SM-DP+'s): it returns true when d has passed, false if
	// stop closed first (the client went away, the server closes), and
	// then nothing is sent; the platform passes no dropped. Nil waits on
	// Clock; a rig whose loop the client's channel holds lets go of it
	// meanwhile.
	Wait func(d time.Duration, client string, stop <-chan struct{}, dropped func()) bool
	// Limits bound what one client can make the server hold (zero fields:
	// httpserve.Default).
	Limits httpserve.Limits
	// ReplayCounters are the last sequence numbers accepted per EID by an
	// earlier run of this platform (from OnReplay): requests at or below
	// them are refused as replays.
	ReplayCounters map[string]uint64
	// OnReplay, if set, receives every EID's last accepted sequence number
	// each time one moves, before the request is served; an error refuses
	// the request (500).
	OnReplay func(counters map[string]uint64) error
}

// Fault names, as scenario files spell them (Config.Inject).
const (
	FaultEligibilityRefused = "eligibility_refused" // the download is refused: EID not allowed
	FaultNoAck              = "no_ack"              // notifications answered 503, not recorded
	// FaultGarbled: card requests are answered 200 with a body that is
	// not the API's JSON (asked with operator "").
	FaultGarbled = "garbled"
	// FaultSlow: answers are held (Config.Slow decides how long).
	FaultSlow = "slow"
	// FaultStatus: card requests are answered with an error status and
	// its JSON body, nothing served (Config.Status decides which).
	FaultStatus = "status"
)

// Server is the management platform emulator. Its zero value is not usable;
// call New.
type Server struct {
	clk      clock.Clock
	log      *eventlog.Log
	ci       *x509.Certificate
	moreCIs  []*x509.Certificate
	tls      *tls.Config
	elig     Eligibility
	inject   func(fault, operator string) bool
	status   func(path string) int
	slow     func() time.Duration
	held     *httpserve.Hold // nil without Slow
	limits   httpserve.Limits
	onReplay func(map[string]uint64) error

	mu       sync.Mutex
	cat      *catalogue
	listID   int
	noteID   int
	received httpserve.Ring[platformapi.Received]
	// logStarted is when the request log began (its pages' log_started):
	// a reader tells a restarted platform by it.
	logStarted time.Time
	pending    map[int]struct{}    // received entries whose answer has not gone yet (settle)
	lastSeq    map[string]uint64   // EID → last accepted X-Esimhil-Seq
	acked      map[string]string   // notification identity → the id it was acknowledged with
	ackOrder   map[string][]string // EID → its identities in acked, oldest first (AckWindow)
	quota      map[string]dayCount // EID → forwarded downloads today
	faults     Faults

	// lifecycle, guarded by life
	life sync.Mutex
	ep   *httpserve.Endpoint // nil until Start
}

// New checks the configuration and returns a server that is not listening yet.
func New(cfg Config) (*Server, error) {
	cat, err := newCatalogue(cfg.Operators, cfg.OrderBy, cfg.Preferred)
	if err != nil {
		return nil, fmt.Errorf("platform config: %w", err)
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Wall{}
	}
	for i, eid := range cfg.Eligibility.AllowEIDs {
		if !ident.IsEID(eid) {
			return nil, fmt.Errorf("platform config: eligibility.allow_eids[%d]: %q is not an EID", i, eid)
		}
	}
	if cfg.Eligibility.QuotaPerDay < 0 {
		return nil, fmt.Errorf("platform config: eligibility.quota_per_day %d is negative", cfg.Eligibility.QuotaPerDay)
	}
	elig := cfg.Eligibility
	elig.AllowEIDs = append([]string(nil), elig.AllowEIDs...)
	if err := platformapi.CheckReplayCounters("ReplayCounters", cfg.ReplayCounters); err != nil {
		return nil, fmt.Errorf("platform config: %w", err)
	}
	lastSeq := maps.Clone(cfg.ReplayCounters)
	if lastSeq == nil {
		lastSeq = map[string]uint64{}
	}
	var held *httpserve.Hold
	if cfg.Slow != nil {
		held = &httpserve.Hold{Wait: cfg.Wait, After: func(d time.Duration, f func()) { clk.AfterFunc(d, f) }}
	}
	return &Server{
		held: held, clk: clk, log: cfg.Log, cat: cat, ci: cfg.CI, moreCIs: cfg.MoreCIs, tls: cfg.TLS, elig: elig, inject: cfg.Inject, status: cfg.Status, slow: cfg.Slow, limits: cfg.Limits, onReplay: cfg.OnReplay,
		received: httpserve.NewRing[platformapi.Received](MaxReceived), logStarted: clk.Now(), pending: map[int]struct{}{},
		lastSeq: lastSeq, acked: map[string]string{}, ackOrder: map[string][]string{}, quota: map[string]dayCount{},
	}, nil
}

// SetFaults switches platform faults on or off for later requests.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// injected reports whether a fault applies to a request about operator.
func (s *Server) injected(name, operator string, set bool) bool {
	return set || s.inject != nil && s.inject(name, operator)
}

// Handler returns the API as an http.Handler (for httptest or custom serving).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// SetOrderBy changes the ordering rule of later lists.
func (s *Server) SetOrderBy(orderBy string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cat, err := newCatalogue(s.cat.ops, orderBy, s.cat.preferred)
	if err != nil {
		return fmt.Errorf("set order: %w", err)
	}
	s.cat = cat
	return nil
}

// SetPreferred replaces one country's preferred operators (nil or empty
// makes later lists for that country empty).
func (s *Server) SetPreferred(country string, ids []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	pref := map[string][]string{}
	for k, v := range s.cat.preferred {
		pref[k] = v
	}
	pref[country] = ids
	cat, err := newCatalogue(s.cat.ops, s.cat.orderBy, pref)
	if err != nil {
		return fmt.Errorf("set preferred: %w", err)
	}
	s.cat = cat
	return nil
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves HTTP/1.1. wrap, if
// not nil, wraps the listener (the capture tap does) now and on every later
// SetReachable(true).
func (s *Server) Start(addr string, wrap func(net.Listener) net.Listener) error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.ep != nil {
		return errors.New("platform: already started")
	}
	var tlsWrap func(net.Listener) net.Listener
	if s.tls != nil {
		tlsWrap = func(l net.Listener) net.Listener { return tls.NewListener(l, s.tls) }
	}
	ep, err := httpserve.Listen(addr, s.Handler(), s.limits, wrap, tlsWrap)
	if err != nil {
		return fmt.Errorf("platform: %w", err)
	}
	s.ep = ep
	return nil
}

// Addr is the address the server listens on (valid after Start).
func (s *Server) Addr() netip.AddrPort {
	s.life.Lock()
	defer s.life.Unlock()
	if s.ep == nil {
		return netip.AddrPort{}
	}
	return s.ep.Addr()
}

// Consumed reports, waiting at most limit, when the platform has handled
// everything the client at client wrote to it, n bytes in all
// (httpserve.Endpoint.Consumed).
// A client whose answer is held (Config.Slow) counts as handled: its
// request has been served, only the answer waits.
func (s *Server) Consumed(client netip.AddrPort, n int64, limit time.Duration) bool {
	s.life.Lock()
	ep := s.ep
	s.life.Unlock()
	if ep == nil {
		return true
	}
	return s.held.Consumed(ep, client, n, limit)
}

// SetReachable(false) closes the listener and open connections, so new
// connections are refused; SetReachable(true) listens again on the same
// port, which stays the platform's meanwhile (httpserve.Endpoint).
func (s *Server) SetReachable(ok bool) error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.ep == nil {
		return errors.New("platform: not running")
	}
	if err := s.ep.SetReachable(ok); err != nil {
		return fmt.Errorf("platform: %w", err)
	}
	return nil
}

// Close stops serving for good.
func (s *Server) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.ep == nil {
		return nil
	}
	if err := s.ep.Close(); err != nil {
		return fmt.Errorf("platform: %w", err)
	}
	return nil
}
