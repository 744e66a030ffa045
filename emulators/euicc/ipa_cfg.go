package euicc

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"

	"github.com/esimhil/esimhil/emulators/rsp"
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
// forged request is refused.
const (
	HeaderSeq          = "X-Esimhil-Seq"
	HeaderCertificates = "X-Esimhil-Certificates"
	HeaderSignature    = "X-Esimhil-Signature"
)

// SignedData returns the bytes a platform request signature covers.
func SignedData(path string, seq uint64, body []byte) []byte {
	b := fmt.Appendf(nil, "POST\n%s\n%d\n", path, seq)
	return append(b, body...)
}

// signPlatform adds the authentication headers to h when the card has a
// key; a card without one (old configurations) sends plain requests.
func (c *Card) signPlatform(h http.Header, path string, seq uint64, body []byte) error {
	if c.cfg.EUICCKey == nil {
		return nil
	}
	sig, err := rsp.Sign(c.cfg.EUICCKey, SignedData(path, seq, body))
	if err != nil {
		return fmt.Errorf("sign platform request: %w", err)
	}
	h.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	h.Set(HeaderCertificates, base64.StdEncoding.EncodeToString(c.cfg.EUICCCert)+","+base64.StdEncoding.EncodeToString(c.cfg.EUMCert))
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	return nil
}
