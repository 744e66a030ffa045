package euicc

import (
	"crypto/x509"
	"net/http"

	"fmt"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// tlsParams is the card's TLS client configuration for ES9+: only the test
// CI is trusted, and validity is judged at Config.Now (the rig's virtual
// clock; without it crypto/tls falls back to the wall clock). Sessions
// are cached in sessions (the runtime's, lost at reset).
func (c *Card) tlsParams(sessions *tlsSessions) *tlsParams {
	roots := x509.NewCertPool()
	if c.cfg.CI != nil {
		roots.AddCert(c.cfg.CI)
	}
	return &tlsParams{Roots: roots, Now: c.cfg.Now, KeyLog: c.cfg.KeyLog, Sessions: sessions}
}

// signPlatform adds the platform API's authentication headers to h
// (docs/platform-api.md): SK.EUICC.ECDSA over platformapi.CanonicalBytes,
// with the card's certificate chain. A card without a key (old
// configurations) sends plain requests.
func (c *Card) signPlatform(h http.Header, path string, seq uint64, body []byte) error {
	if c.cfg.EUICCKey == nil {
		return nil
	}
	sig, err := rsp.Sign(c.cfg.EUICCKey, platformapi.CanonicalBytes(http.MethodPost, path, seq, body))
	if err != nil {
		return fmt.Errorf("sign platform request: %w", err)
	}
	for k, v := range platformapi.AuthHeaders(seq, c.cfg.EUICCCert, c.cfg.EUMCert, sig) {
		h[k] = v
	}
	return nil
}
