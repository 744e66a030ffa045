package euicc

import (
	"crypto/x509"
	"net/http"

	"github.com/esimhil/esimhil/emulators/platform/wire"
)

// tlsParams is the card's TLS client configuration for ES9+: only the test
// CI is trusted, and validity is judged at Config.Now (the rig's virtual
// clock; without it crypto/tls falls back to the wall clock).
func (c *Card) tlsParams() *tlsParams {
	roots := x509.NewCertPool()
	if c.cfg.CI != nil {
		roots.AddCert(c.cfg.CI)
	}
	return &tlsParams{Roots: roots, Now: c.cfg.Now, KeyLog: c.cfg.KeyLog}
}

// Platform request authentication (docs/platform-api.md): the card signs
// "POST\n" + path + "\n" + seq + "\n" + body with SK.EUICC.ECDSA and sends
// its certificate chain; seq strictly increases per EID, so a replayed or
// forged request is refused. The encoding lives in package wire, shared
// with the platform that verifies it.
const (
	HeaderSeq          = wire.HeaderSeq
	HeaderCertificates = wire.HeaderCertificates
	HeaderSignature    = wire.HeaderSignature
)

// SignedData returns the bytes a platform request signature covers.
func SignedData(path string, seq uint64, body []byte) []byte {
	return wire.CanonicalBytes(http.MethodPost, path, seq, body)
}

// signPlatform adds the authentication headers to h when the card has a
// key; a card without one (old configurations) sends plain requests.
func (c *Card) signPlatform(h http.Header, path string, seq uint64, body []byte) error {
	if c.cfg.EUICCKey == nil {
		return nil
	}
	auth, err := wire.SignRequest(c.cfg.EUICCKey, c.cfg.EUICCCert, c.cfg.EUMCert, http.MethodPost, path, seq, body)
	if err != nil {
		return err
	}
	for k, v := range auth {
		h[k] = v
	}
	return nil
}
