package fleet

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
	"github.com/esimhil/esimhil/internal/stall"
)

// probeTimeout bounds one probe: connection, handshake and answer.
var probeTimeout = 10 * time.Second // a var: the tests shorten it

// probeMaxBody bounds a platform probe's answer as the cards bound a
// platform's (emulators/euicc maxHTTPReply); an SM-DP+'s is es9.MaxBody,
// as theirs (probe.maxBody).
const probeMaxBody = 64 << 10

// probe is one request to an external server before the storm, made as a
// card would make it (the address, TLS and names the cards use), so that
// a server the cards cannot use is refused before any device starts
// instead of failing them one by one.
type probe struct {
	// ctx ends the probe at once (a signal before the storm): a silent
	// server would otherwise hold the command for probeTimeout.
	ctx  context.Context
	addr netip.AddrPort
	// tls, if set, is the server name the certificate must carry; the
	// chain must lead to ci, valid from the storm's virtual start to end
	// (Template.End): the cards check it at every handshake.
	tls  string
	end  time.Time
	ci   *x509.Certificate
	seed int64 // the test PKI's, for the error
	req  *http.Request
	want func(status int, body []byte) error
	// header, if set, sees the answer's header before want.
	header func(http.Header)
	// maxBody is the longest answer body the cards read from this server
	// (0: probeMaxBody, a platform's).
	maxBody int
}

// probePlatform asks an external platform for its preferred list with
// the wrong method: every implementation of docs/platform-api.md answers
// that first check (405, a JSON error) before reading a body or checking
// a signature, so it changes nothing and consumes no card's counter.
func probePlatform(ctx context.Context, addr netip.AddrPort, tlsOn bool, ci *x509.Certificate, seed int64, end time.Time) error {
	req, err := http.NewRequest(http.MethodGet, "http://"+harness.PlatformHost+platformapi.PathPreferredList, nil)
	if err != nil {
		return err
	}
	p := probe{ctx: ctx, addr: addr, ci: ci, seed: seed, end: end, req: req, want: func(status int, body []byte) error {
		var v map[string]json.RawMessage
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("GET %s answered %d with %s, not JSON (docs/platform-api.md: every answer is a JSON object)", platformapi.PathPreferredList, status, quoteBody(body))
		}
		return nil
	}}
	if tlsOn {
		p.tls = harness.PlatformHost
	}
	return p.run()
}

// probeSMDP opens an ES9+ session as a card does (TLS 1.2 with SGP.22's
// suite, the certificate for host from the test CI) and calls
// initiateAuthentication with an empty request: SGP.22 §6.5 answers it
// with a function execution status Failed (a mandatory element missing)
// and opens no transaction.
func probeSMDP(ctx context.Context, addr netip.AddrPort, host string, ci *x509.Certificate, seed int64, end time.Time) error {
	req, err := http.NewRequest(http.MethodPost, "https://"+host+es9.PathPrefix+es9.FnInitiateAuthentication, strings.NewReader("{}"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", es9.ContentType)
	req.Header.Set(es9.AdminProtocolHeader, es9.AdminProtocol)
	var header http.Header
	p := probe{ctx: ctx, addr: addr, tls: host, ci: ci, seed: seed, end: end, req: req, maxBody: es9.MaxBody, header: func(h http.Header) { header = h }, want: func(status int, body []byte) error {
		if !json.Valid(body) {
			return fmt.Errorf("ES9+ %s answered %d with %s, not JSON", es9.FnInitiateAuthentication, status, quoteBody(body))
		}
		// With the decoder the cards use: a header, its status and, for
		// a failure, the subject and reason codes (SGP.22 §6.5.1.4).
		if err := es9.Decode(body, &es9.HeaderOnly{}); err != nil {
			return fmt.Errorf("ES9+ %s answered %d with %s: not an ES9+ function status: %w", es9.FnInitiateAuthentication, status, quoteBody(body), err)
		}
		// And its headers, as the cards check them: an answer naming no
		// v2 X-Admin-Protocol, or not declared JSON, fails every download
		// (outside tester t228: it passed here, then failed each device).
		if err := es9.CheckAnswer(status, header); err != nil {
			return fmt.Errorf("ES9+ %s answered %d: %w: the cards refuse every such answer", es9.FnInitiateAuthentication, status, err)
		}
		return nil
	}}
	return p.run()
}

func (p probe) run() error {
	err := p.ask()
	if err != nil && p.ctx.Err() != nil {
		return context.Cause(p.ctx)
	}
	if err != nil && p.tls == "" && !errors.Is(err, errUnreachable) && !errors.Is(err, errSilent) && speaksTLS(p.addr) {
		// A plain-HTTP request to an HTTPS server gets a close or a
		// 400 in plain text: say what the server is.
		return fmt.Errorf("%w; the server speaks TLS there: is it an HTTPS server (give https://)?", err)
	}
	return err
}

// errUnreachable marks a probe that found nothing to talk to; errSilent
// one whose server never answered (a TLS server answers a plain request
// at once, with an alert, a close or a 400: not this).
var (
	errUnreachable = errors.New("not reachable")
	errSilent      = errors.New("no answer")
)

// speaksTLS says whether a TLS handshake, any version, suite and
// certificate, completes at addr.
func speaksTLS(addr netip.AddrPort) bool {
	raw, err := net.DialTimeout("tcp", addr.String(), probeTimeout)
	if err != nil {
		return false
	}
	defer raw.Close()
	conn := stall.NewConn(raw, nil) // its deadline bounds the server in the time this process ran
	_ = conn.SetDeadline(time.Now().Add(probeTimeout))
	return tls.Client(conn, &tls.Config{InsecureSkipVerify: true}).Handshake() == nil // only to tell the protocol
}

// ask makes the probe's request and checks its answer.
func (p probe) ask() error {
	d := net.Dialer{Timeout: probeTimeout}
	raw, err := d.DialContext(p.ctx, "tcp", p.addr.String())
	if err != nil {
		return fmt.Errorf("%w: %w", errUnreachable, dialProblem(err))
	}
	defer raw.Close()
	// Its deadline bounds the server in the time this process ran: an
	// answer that came while the process was stopped is read (t192).
	var conn net.Conn = stall.NewConn(raw, nil)
	defer context.AfterFunc(p.ctx, func() { conn.Close() })()
	_ = conn.SetDeadline(time.Now().Add(probeTimeout))
	if p.tls != "" {
		roots := x509.NewCertPool()
		roots.AddCert(p.ci)
		// Asked for a client certificate, the probe, as the cards, has
		// none to give: a server that requires one refuses every card.
		askedCert := false
		// As the card's ES9+ and platform TLS (emulators/euicc): SGP.22
		// §2.6.6's suite on P-256, the certificate checked at the card's
		// notion of now — the storm's virtual start.
		tc := tls.Client(conn, &tls.Config{
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				askedCert = true
				return &tls.Certificate{}, nil
			},
			ServerName:       p.tls,
			RootCAs:          roots,
			Time:             func() time.Time { return clock.Epoch },
			MinVersion:       tls.VersionTLS12,
			MaxVersion:       tls.VersionTLS12,
			CipherSuites:     []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
			CurvePreferences: []tls.CurveID{tls.CurveP256},
			VerifyConnection: rsp.CheckTLSKey,
		})
		if err := tc.Handshake(); err != nil {
			var op *net.OpError
			if askedCert && errors.As(err, &op) && op.Op == "remote error" {
				// Its certificate was taken (the client checks it before
				// it answers the request): the refusal is of the empty
				// client certificate (outside tester t194 F9: blamed on
				// the TLS version, suite and key).
				return fmt.Errorf("TLS: the server asked for a client certificate and refused the handshake without one (%w): the cards present none — they sign each request instead (docs/platform-api.md, Request authentication) —, so the server must not require one", err)
			}
			return tlsProblem(err, p.tls, p.seed)
		}
		// Valid at the start is not enough: a certificate that expires
		// mid-storm fails the cards that connect after it, device by device.
		for _, chain := range tc.ConnectionState().VerifiedChains {
			for _, c := range chain {
				if c.NotAfter.Before(p.end) {
					return fmt.Errorf("TLS: its certificate (%s) is not valid for the whole storm: notAfter %s, before the storm's end %s (%s plus two check intervals, the arrival window and the dwell); the cards would refuse it from then on",
						c.Subject, c.NotAfter.UTC().Format(time.RFC3339), p.end.UTC().Format(time.RFC3339), clock.Epoch.Format(time.RFC3339))
				}
			}
		}
		conn = tc
	}
	p.req.Close = true
	p.req.Header.Set("User-Agent", "esimhil-fleet-probe")
	if err := p.req.Write(conn); err != nil {
		return fmt.Errorf("sending %s %s: %w", p.req.Method, p.req.URL.Path, err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, p.req)
	for n := 0; err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols && n < 5; n++ {
		// An interim answer (100 Continue, 103) comes before the final
		// one, which the cards' client waits for too (RFC 9110 §15.2;
		// outside tester sw106).
		resp, err = http.ReadResponse(br, p.req)
	}
	var nerr net.Error
	switch {
	case errors.As(err, &nerr) && nerr.Timeout():
		return fmt.Errorf("%s %s: %w within %v", p.req.Method, p.req.URL.Path, errSilent, probeTimeout)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s %s: the connection closed without an answer", p.req.Method, p.req.URL.Path)
	case err != nil:
		return fmt.Errorf("%s %s: not an HTTP answer: %w", p.req.Method, p.req.URL.Path, err)
	}
	defer resp.Body.Close()
	limit := p.maxBody
	if limit == 0 {
		limit = probeMaxBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", p.req.Method, p.req.URL.Path, err)
	}
	if len(body) > limit {
		// Cut here, it would be judged as the JSON it is not (a 100 MB
		// answer read as "malformed JSON: unexpected EOF": outside tester
		// t224); the cards refuse it for its size, as this says.
		return fmt.Errorf("%s %s answered %d with a body longer than %d bytes, which the cards do not read (they fail such an answer: HTTP body longer than %d bytes)", p.req.Method, p.req.URL.Path, resp.StatusCode, limit, limit)
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		// Asked for no coding, as the cards ask for none: every card
		// would fail on it.
		return fmt.Errorf("%s %s answered %d with its body in Content-Encoding %q, which the cards do not decode: answer them with no Content-Encoding", p.req.Method, p.req.URL.Path, resp.StatusCode, ce)
	}
	if p.header != nil {
		p.header(resp.Header)
	}
	return p.want(resp.StatusCode, body)
}

// dialProblem says why a connection failed without the address (the
// caller names the URL).
func dialProblem(err error) error {
	var nerr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused (nothing listens there)")
	case errors.As(err, &nerr) && nerr.Timeout():
		return fmt.Errorf("no connection within %v", probeTimeout)
	}
	return err
}

// tlsProblem names what the cards would refuse in a failed handshake.
func tlsProblem(err error, name string, seed int64) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		op       *net.OpError
	)
	switch {
	case errors.Is(err, rsp.ErrTLSKey):
		return fmt.Errorf("TLS: the cards would refuse its certificate: %w (SGP.22 §2.6.6: the cards speak only TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 on P-256)", err)
	case errors.As(err, &unknown):
		return fmt.Errorf("TLS: its certificate is not from the test CI of seed %d, which the cards trust (esimhil-pki --seed %d writes it): %w", seed, seed, err)
	case errors.As(err, &hostname):
		return fmt.Errorf("TLS: its certificate is not for %s, the name the cards ask for: %w", name, err)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fmt.Errorf("TLS: its certificate is not valid at the storm's clock (%s): %w", clock.Epoch.Format(time.DateOnly), err)
	case errors.As(err, &invalid) && invalid.Reason == x509.IncompatibleUsage:
		return fmt.Errorf("TLS: its certificate is not for a TLS server: its extended key usage lacks serverAuth (id-kp-serverAuth), which the cards require: %w", err)
	case errors.As(err, &invalid):
		return fmt.Errorf("TLS: the cards refuse its certificate: %w", err)
	case errors.As(err, &record):
		return fmt.Errorf("TLS: the server does not speak TLS (it answered in plain text): %w", err)
	case errors.As(err, &op) && op.Op == "remote error": // crypto/tls's word for the server's alert
		// The alert does not say which of the cards' offers the server
		// could not take: all of them are named.
		return fmt.Errorf("TLS: the server refused the handshake (%w): the cards offer only TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256 and P-256 (SGP.22 §2.6.6), so the server must take TLS 1.2 (not only 1.3) and hold a certificate with an ECDSA key on P-256 (not RSA, not P-384) whose key usage allows digitalSignature", err)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("TLS: the server closed the connection during the handshake (no TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 on P-256, SGP.22 §2.6.6?)")
	}
	return fmt.Errorf("TLS handshake: %w", err)
}

// quoteBody shows the start of an answer for an error message.
func quoteBody(b []byte) string {
	if len(b) == 0 {
		return "an empty body"
	}
	const show = 80
	if len(b) > show {
		return fmt.Sprintf("%q…", b[:show])
	}
	return fmt.Sprintf("%q", b)
}
