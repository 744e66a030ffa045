package platform

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/platform/wire"
	"github.com/esimhil/esimhil/emulators/rsp"
)

// Request authentication (DESIGN.md §4, "requests from the card are
// authenticated"). The card signs every request with its eUICC key
// (SGP.22 §2.6.5 form: raw r‖s over SHA-256) and sends its certificate chain;
// the platform checks the chain up to the test CI, the signature over the
// canonical bytes, that the certificate's EID is the body's eid, and that the
// sequence number is strictly greater than the last one accepted for that
// EID, so a recorded request cannot be replayed.
const (
	HeaderSeq          = wire.HeaderSeq
	HeaderCertificates = wire.HeaderCertificates
	HeaderSignature    = wire.HeaderSignature
	AuthScheme         = wire.AuthScheme
)

// maxCertHeader bounds the certificates header (two P-256 certificates are
// well under 2 KiB of DER each).
const maxCertHeader = 8 << 10

// CanonicalBytes is what the card signs (see package wire).
func CanonicalBytes(method, path string, seq uint64, body []byte) []byte {
	return wire.CanonicalBytes(method, path, seq, body)
}

// SignRequest returns the card's three authentication headers (see package
// wire); tests and tools sign with it.
func SignRequest(key *ecdsa.PrivateKey, euiccDER, eumDER []byte, method, path string, seq uint64, body []byte) (http.Header, error) {
	return wire.SignRequest(key, euiccDER, eumDER, method, path, seq, body)
}

// authHeaders is the parsed form of the three headers.
type authHeaders struct {
	seq       uint64
	euicc     []byte
	eum       []byte
	signature []byte
}

// parseAuthHeaders checks presence and syntax; every error names the header.
func parseAuthHeaders(h http.Header) (authHeaders, error) {
	var a authHeaders
	for _, name := range []string{HeaderSeq, HeaderCertificates, HeaderSignature} {
		if len(h.Values(name)) == 0 {
			return a, fmt.Errorf("missing header %s", name)
		}
		if len(h.Values(name)) > 1 {
			return a, fmt.Errorf("header %s given more than once", name)
		}
	}
	seq := h.Get(HeaderSeq)
	// Plain decimal without sign or leading zeros, so one number has one
	// spelling and the signed bytes cannot be varied.
	if seq == "" || len(seq) > 20 || (len(seq) > 1 && seq[0] == '0') || strings.TrimLeft(seq, "0123456789") != "" {
		return a, fmt.Errorf("header %s: want a decimal number, got %q", HeaderSeq, truncate(seq))
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return a, fmt.Errorf("header %s: %q out of range", HeaderSeq, truncate(seq))
	}
	a.seq = n
	certs := h.Get(HeaderCertificates)
	if len(certs) > maxCertHeader {
		return a, fmt.Errorf("header %s: longer than %d bytes", HeaderCertificates, maxCertHeader)
	}
	parts := strings.Split(certs, ",")
	if len(parts) != 2 {
		return a, fmt.Errorf("header %s: want <eUICC cert>,<EUM cert> in base64, got %d parts", HeaderCertificates, len(parts))
	}
	if a.euicc, err = base64.StdEncoding.DecodeString(strings.TrimSpace(parts[0])); err != nil || len(a.euicc) == 0 {
		return a, fmt.Errorf("header %s: eUICC certificate is not base64", HeaderCertificates)
	}
	if a.eum, err = base64.StdEncoding.DecodeString(strings.TrimSpace(parts[1])); err != nil || len(a.eum) == 0 {
		return a, fmt.Errorf("header %s: EUM certificate is not base64", HeaderCertificates)
	}
	sig, err := base64.StdEncoding.DecodeString(h.Get(HeaderSignature))
	if err != nil {
		return a, fmt.Errorf("header %s: not base64", HeaderSignature)
	}
	if len(sig) != rsp.SigLen {
		return a, fmt.Errorf("header %s: %d bytes, want %d (r‖s)", HeaderSignature, len(sig), rsp.SigLen)
	}
	a.signature = sig
	return a, nil
}

func truncate(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// chainVerifier is rsp.VerifyEUICC's shape; a variable so the package's own
// tests can count calls without a second PKI implementation.
type chainVerifier func(ci *x509.Certificate, eumDER, euiccDER []byte, now time.Time) (string, *ecdsa.PublicKey, error)

// authenticate checks a card request. It returns a 401 answer when the
// request is refused; on success the request's seq is consumed.
func (s *Server) authenticate(r *http.Request, body []byte) (answer, bool) {
	if s.ci == nil {
		return answer{}, true // authentication off (Config.CI nil)
	}
	fail := func(format string, a ...any) (answer, bool) {
		return reject(http.StatusUnauthorized, "auth: "+format, a...), false
	}
	h, err := parseAuthHeaders(r.Header)
	if err != nil {
		return fail("%v", err)
	}
	eid, pub, err := s.verify(s.ci, h.eum, h.euicc, s.clk.Now())
	for _, ci := range s.moreCIs {
		if err == nil {
			break
		}
		var err2 error
		if eid, pub, err2 = s.verify(ci, h.eum, h.euicc, s.clk.Now()); err2 == nil {
			err = nil
		}
	}
	if err != nil {
		return fail("certificate chain: %v", err)
	}
	if err := rsp.Verify(pub, CanonicalBytes(r.Method, r.URL.Path, h.seq, body), h.signature); err != nil {
		return fail("signature: %v", err)
	}
	// Every card route carries the EID in the body; it must be the signer's.
	var who struct {
		EID string `json:"eid"`
	}
	if err := json.Unmarshal(body, &who); err != nil {
		return fail("body: no eid to match the certificate (%v)", shortJSONErr(err))
	}
	if who.EID != eid {
		return fail("eid %q in the body is not the certificate's %s", truncate(who.EID), eid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, seen := s.lastSeq[eid]; seen && h.seq <= last {
		return fail("replay: seq %d not above %d, the last accepted for %s", h.seq, last, eid)
	}
	if s.onReplay != nil {
		// Stored before the request is served: a platform restarted from
		// its counters refuses what it accepted before.
		next := maps.Clone(s.lastSeq)
		next[eid] = h.seq
		if err := s.onReplay(next); err != nil {
			return reject(http.StatusInternalServerError, "replay counter not stored: %v", err), false
		}
	}
	s.lastSeq[eid] = h.seq
	return answer{}, true
}

func shortJSONErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "malformed JSON"
	}
	return err.Error()
}
