// Package smdp emulates one operator's SM-DP+ (GSMA SGP.22): the ES9+
// functions initiateAuthentication, authenticateClient,
// getBoundProfilePackage, handleNotification and cancelSession over HTTPS
// (TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 or _CBC_SHA256, SGP.22 §2.6.6) at
// /gsma/rsp2/es9plus/<function>, plus the order interface the platform uses
// to forward a download: a Go call (Order) for the emulated platform, and
// ES2+ DownloadOrder/ConfirmOrder at /gsma/rsp2/es2plus/<function> (es2.go)
// for one in another process.
//
// The bodies are package es9's, the structures inside them package es10's,
// and the profile it delivers is a TCA profile package (package saip) built
// for each download.
//
// Every answer carries header.functionExecutionStatus. Bad input of any kind
// is answered with status Failed and SGP.22 subject/reason codes (HTTP 200,
// or 400 when the request is not ES9+ at all, e.g. no X-Admin-Protocol), and
// is logged as an es9_error event. Certificates are checked against the
// virtual clock (Config.Now), never the wall clock.
package smdp

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// Config configures one SM-DP+.
type Config struct {
	Operator string // operator id, e.g. "sfr"
	Host     string // TLS host name, e.g. "smdp.sfr.test"
	CI       *x509.Certificate
	// CIKey is the test CI's key. Only the ExpiredAuthCert fault needs it
	// (to issue an expired CERT.DPauth under the real CI); may be nil.
	CIKey *ecdsa.PrivateKey
	Certs *rsp.SMDPCerts
	Now   func() time.Time // virtual clock
	// Random is where transaction ids, server challenges and one-time
	// keys come from (rsp.SeededRandom: a run and its seed give the same
	// bytes); nil: crypto/rand.
	Random io.Reader
	Log    *eventlog.Log
	// KeyLog receives the TLS secrets in NSS key-log format (may be nil).
	KeyLog io.Writer
	// NoTickets issues no session tickets: every connection is a full
	// handshake, whose secret crypto/tls logs (it logs none for a
	// resumed session: a client that keeps no key log of its own, an
	// LPA on the host, would otherwise resume out of the capture's reach).
	NoTickets bool
	// NewProfile says what the seq-th order (1, 2, ...) delivers.
	NewProfile func(seq int) Profile
	// TransactionTTL bounds a download session in virtual time
	// (default 10 minutes).
	TransactionTTL time.Duration
	// Inject, if set, is asked at each point where a fault can bend this
	// SM-DP+ (one of the Fault* names) whether to inject it now; the caller
	// scopes faults to operators, attempts and time windows and logs each
	// one that fires. Faults set with SetFaults apply as well.
	Inject func(fault string) bool
	// Limits bound what one client can make the server hold (zero fields:
	// httpserve.Default).
	Limits httpserve.Limits
	// MaxSessions bounds the ES9+ sessions held (0: DefaultMaxSessions);
	// past it the oldest goes.
	MaxSessions int
	// MaxOrders bounds the outstanding orders (0: DefaultMaxOrders); a
	// storm of thousands of cards, some of which never come back for
	// their order, needs more.
	MaxOrders int
	// MaxFinished bounds what the server keeps of finished work (0:
	// DefaultMaxFinished): the finished orders (installed or in error)
	// with their sessions' install records, and, apart, the
	// notifications remembered as taken; past it the oldest goes (keep).
	MaxFinished int
	// Slow, if set, is asked as the answer to each ES9+ function call is
	// about to be written (its body read whole): how long to hold it
	// (smdp: slow; 0: not at all). The caller scopes and logs it.
	Slow func(function string) time.Duration
	// Wait holds an answer for d of simulated time (httpserve.Hold's
	// Wait: dropped is called at the instant a dropped answer would have
	// gone); required with Slow.
	Wait func(d time.Duration, client string, stop <-chan struct{}, dropped func()) bool
}

// MaxRequests bounds the server's own request log (Requests).
const MaxRequests = 10000

// Fault names, as scenario files spell the SM-DP+ side download faults.
const (
	FaultTLSUntrusted       = "tls_failure"
	FaultExpiredAuthCert    = "expired_smdp_cert"
	FaultBadServerSignature = "bad_server_signature"
	FaultWrongTransactionID = "wrong_transaction_id"
	FaultResetDuringBPP     = "connection_reset"
	FaultTamperBPP          = "tampered_bpp"
	FaultTruncateBPP        = "truncated_bpp"
)

// injected reports whether a fault applies now: set with SetFaults, or
// injected by Config.Inject.
func (s *Server) injected(name string, set bool) bool {
	return set || s.cfg.Inject != nil && s.cfg.Inject(name)
}

// Faults are the SM-DP+ side fault injections.
type Faults struct {
	TLSUntrusted        bool // serve a TLS certificate from a rogue CI
	ExpiredAuthCert     bool // serve a CERT.DPauth that expired before now
	BadServerSignature1 bool // flip a bit of serverSignature1
	WrongTransactionID  bool // smdpSigned2 carries another transactionId
	ResetDuringBPP      bool // reset the TCP connection instead of answering getBoundProfilePackage
	TamperBPP           bool // flip one byte inside an encrypted A3 segment
	TruncateBPP         bool // drop the last segment of the BPP
}

// Server is one operator's SM-DP+.
type Server struct {
	cfg Config
	// held holds answers (Config.Slow); nil without.
	held *httpserve.Hold

	mu     sync.Mutex
	faults Faults
	tx     map[string]*transaction // by upper-case hex transactionId
	// txOrder queues the sessions of tx in creation order from txHead
	// (expireLocked, dropOldestLocked); it may hold ones tx has dropped.
	txOrder []*transaction
	txHead  int
	orders  map[string]*order // by matching ID
	// allocated holds the orders ES2+ DownloadOrder reserved and
	// ConfirmOrder has not released yet, by ICCID; released holds them
	// (and Order's) once released, by ICCID, so that a second
	// ConfirmOrder is told the profile's state, not that it is unknown.
	allocated, released map[string]*order
	// outstanding counts the orders released or downloaded (setState).
	outstanding int
	nOrders     int
	// finished keeps the newest Config.MaxFinished finished orders: one
	// that goes is dropped from orders and released, with its sent.
	finished keep[*order]
	// sent holds the packages sent, by transactionId, for their install
	// results (which may come after the session is gone).
	sent map[string]sentPackage
	// notified holds the notifications already taken, so a repeat is
	// acknowledged without being counted again; notifiedOrder keeps the
	// newest Config.MaxFinished of its keys.
	notified      map[string]bool
	notifiedOrder keep[string]

	authCert *rsp.Cert // CERT.DPauth in use (the expired one under the fault)
	tlsCert  *rsp.Cert // CERT.DP.TLS in use (the rogue one under the fault)
	// expired and rogue are made the first time Config.Inject asks for
	// them and kept (an expired certificate stays expired).
	expired, rogue *rsp.Cert

	net netState

	reqMu    sync.Mutex
	requests httpserve.Ring[httpserve.Request]

	// notes is the notification log (notelog.go).
	noteMu sync.Mutex
	notes  httpserve.Ring[smdplog.Entry]
	// notesStarted is when the notification log began (its pages'
	// log_started): a reader tells a restarted SM-DP+ by it.
	notesStarted time.Time
}

// DefaultTransactionTTL is the session lifetime when Config leaves it zero.
const DefaultTransactionTTL = 10 * time.Minute

// New checks cfg and returns a server that is not listening yet.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Operator == "" || cfg.Host == "":
		return nil, errors.New("smdp: operator and host are required")
	case cfg.CI == nil:
		return nil, errors.New("smdp: the CI certificate is required")
	case cfg.Certs == nil || cfg.Certs.Auth == nil || cfg.Certs.PB == nil || cfg.Certs.TLS == nil:
		return nil, fmt.Errorf("smdp %s: auth, pb and TLS certificates are required", cfg.Operator)
	case cfg.Certs.Auth.Key == nil || cfg.Certs.PB.Key == nil || cfg.Certs.TLS.Key == nil:
		return nil, fmt.Errorf("smdp %s: certificate keys are required", cfg.Operator)
	case cfg.Now == nil:
		return nil, fmt.Errorf("smdp %s: a clock is required", cfg.Operator)
	}
	if err := cfg.Certs.TLS.X509.VerifyHostname(cfg.Host); err != nil {
		return nil, fmt.Errorf("smdp %s: TLS certificate: %w", cfg.Operator, err)
	}
	if cfg.Slow != nil && cfg.Wait == nil {
		return nil, fmt.Errorf("smdp %s: Slow needs Wait (the clock its answers are held on)", cfg.Operator)
	}
	if cfg.TransactionTTL <= 0 {
		cfg.TransactionTTL = DefaultTransactionTTL
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxFinished <= 0 {
		cfg.MaxFinished = DefaultMaxFinished
	}
	if cfg.NewProfile == nil {
		op := cfg.Operator
		cfg.NewProfile = func(seq int) Profile {
			iccid, _ := ident.MakeICCID(fmt.Sprintf("8933019%012d", seq))
			return Profile{ICCID: iccid, IMSI: fmt.Sprintf("20810%010d", seq), Operator: op, Name: op + " " + strconv.Itoa(seq)}
		}
	}
	var held *httpserve.Hold
	if cfg.Slow != nil {
		held = &httpserve.Hold{Wait: cfg.Wait}
	}
	return &Server{
		cfg:           cfg,
		held:          held,
		tx:            map[string]*transaction{},
		orders:        map[string]*order{},
		allocated:     map[string]*order{},
		released:      map[string]*order{},
		finished:      keep[*order]{max: cfg.MaxFinished},
		sent:          map[string]sentPackage{},
		notified:      map[string]bool{},
		notifiedOrder: keep[string]{max: cfg.MaxFinished},
		authCert:      cfg.Certs.Auth,
		tlsCert:       cfg.Certs.TLS,
		requests:      httpserve.NewRing[httpserve.Request](MaxRequests),
		notes:         httpserve.NewRing[smdplog.Entry](smdplog.MaxEntries),
		notesStarted:  cfg.Now(),
	}, nil
}

// SetFaults replaces the active faults. Certificates for the certificate
// faults are issued here, against the virtual clock at this moment.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.authCert, s.tlsCert = s.cfg.Certs.Auth, s.cfg.Certs.TLS
	if f.ExpiredAuthCert {
		if c, err := s.expiredAuthCert(); err == nil {
			s.authCert = c
		} else {
			s.emit(KindES9Error, eventlog.F{"operator": s.cfg.Operator, "function": "setFaults", "subject": "", "reason": "", "message": err.Error()})
		}
	}
	if f.TLSUntrusted {
		if c, err := s.rogueTLSCert(); err == nil {
			s.tlsCert = c
		} else {
			s.emit(KindES9Error, eventlog.F{"operator": s.cfg.Operator, "function": "setFaults", "subject": "", "reason": "", "message": err.Error()})
		}
	}
}

// Faults returns the active faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// authCertLocked is CERT.DPauth for this exchange: an expired one while
// the expired_smdp_cert fault is in force. Callers hold s.mu.
func (s *Server) authCertLocked() *rsp.Cert {
	if s.faults.ExpiredAuthCert || !s.injected(FaultExpiredAuthCert, false) {
		return s.authCert
	}
	if s.expired == nil {
		c, err := s.expiredAuthCert()
		if err != nil {
			s.emit(KindES9Error, eventlog.F{"operator": s.cfg.Operator, "function": "inject", "subject": "", "reason": "", "message": err.Error()})
			return s.authCert
		}
		s.expired = c
	}
	return s.expired
}

// tlsCertNow is the TLS certificate of this handshake: one from a rogue CI
// while the tls_failure fault is in force.
func (s *Server) tlsCertNow() *rsp.Cert {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.TLSUntrusted || !s.injected(FaultTLSUntrusted, false) {
		return s.tlsCert
	}
	if s.rogue == nil {
		c, err := s.rogueTLSCert()
		if err != nil {
			s.emit(KindES9Error, eventlog.F{"operator": s.cfg.Operator, "function": "inject", "subject": "", "reason": "", "message": err.Error()})
			return s.tlsCert
		}
		s.rogue = c
	}
	return s.rogue
}

func (s *Server) expiredAuthCert() (*rsp.Cert, error) {
	if s.cfg.CIKey == nil {
		return nil, errors.New("ExpiredAuthCert fault needs Config.CIKey")
	}
	ci := &rsp.Cert{X509: s.cfg.CI, Key: s.cfg.CIKey}
	now := s.cfg.Now()
	return rsp.IssueSMDP(ci, s.cfg.Operator, s.cfg.Host, rsp.RoleAuth, 0, now.AddDate(-1, 0, 0), now.Add(-24*time.Hour))
}

func (s *Server) rogueTLSCert() (*rsp.Cert, error) {
	rogue, err := rsp.NewCI("esimhil TEST rogue CI", 0)
	if err != nil {
		return nil, err
	}
	return rsp.IssueSMDP(rogue, s.cfg.Operator, s.cfg.Host, rsp.RoleTLS, 0, rsp.ValidFrom, rsp.ValidUntil)
}

// emit logs an smdp event; callers may hold s.mu (the log has its own lock).
func (s *Server) emit(kind eventlog.Kind, f eventlog.F) {
	s.cfg.Log.Emit(eventlog.SMDP, kind, f)
}

// Addr is where the server listens (valid after Start).
func (s *Server) Addr() netip.AddrPort {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if s.net.ep == nil {
		return netip.AddrPort{}
	}
	return s.net.ep.Addr()
}

// Address is "host:port" as the card dials it: the TLS host name and the
// listening port (the card resolves Host to Addr through the rig).
func (s *Server) Address() string {
	return net.JoinHostPort(s.cfg.Host, strconv.Itoa(int(s.Addr().Port())))
}

// Operator returns the operator id.
func (s *Server) Operator() string { return s.cfg.Operator }

// MaxSessions is how many ES9+ sessions the server holds at most
// (Config.MaxSessions, or DefaultMaxSessions).
func (s *Server) MaxSessions() int { return s.cfg.MaxSessions }

// MaxFinished is how many finished orders the server keeps at most
// (Config.MaxFinished, or DefaultMaxFinished).
func (s *Server) MaxFinished() int { return s.cfg.MaxFinished }

// Requests returns the server's own log of the requests that reached it
// (the newest MaxRequests) and how many older ones were dropped, for
// matching against a capture of the wire.
func (s *Server) Requests() ([]httpserve.Request, int) {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	return s.requests.Entries(), s.requests.Dropped()
}

// logRequest records one request with the status its answer was written
// with (0: the connection was reset instead, or cut by the server
// stopping; the SM-DP+ holds no answer, so what it writes is sent) and
// its body as read (whole: to its end).
func (s *Server) logRequest(r *http.Request, status int, body []byte, whole bool) {
	e := httpserve.Request{Time: s.cfg.Now(), Method: r.Method, Path: r.URL.Path, Status: status}
	e.BodySize, e.BodySHA256 = httpserve.BodyAsRead(body, whole)
	s.reqMu.Lock()
	e.Index = s.requests.Total()
	s.requests.Add(e)
	s.reqMu.Unlock()
}
