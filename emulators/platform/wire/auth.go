// Package wire holds what both ends of the platform API share and nothing
// of the server: the request-authentication headers and the bytes the card
// signs (docs/platform-api.md). The card's IPA signs with it, the platform
// emulator verifies with it, so the two cannot drift apart.
package wire

import (
	"crypto/ecdsa"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"

	"github.com/esimhil/esimhil/emulators/rsp"
)

// Request-authentication headers.
const (
	HeaderSeq          = "X-Esimhil-Seq"
	HeaderCertificates = "X-Esimhil-Certificates"
	HeaderSignature    = "X-Esimhil-Signature"
)

// AuthScheme names the scheme in the WWW-Authenticate header of a 401
// (RFC 9110 §11.6.1 requires one).
const AuthScheme = "Esimhil-ECDSA"

// CanonicalBytes is what the card signs: method, path, sequence number and
// body, separated by LF: "POST\n/v1/download\n7\n{...}".
func CanonicalBytes(method, path string, seq uint64, body []byte) []byte {
	head := method + "\n" + path + "\n" + strconv.FormatUint(seq, 10) + "\n"
	out := make([]byte, 0, len(head)+len(body))
	return append(append(out, head...), body...)
}

// SignRequest returns the three authentication headers for one request:
// seq, the eUICC and EUM certificates (DER, base64, comma-separated), and
// the eUICC key's signature (SGP.22 raw r‖s over SHA-256) over
// CanonicalBytes.
func SignRequest(key *ecdsa.PrivateKey, euiccDER, eumDER []byte, method, path string, seq uint64, body []byte) (http.Header, error) {
	sig, err := rsp.Sign(key, CanonicalBytes(method, path, seq, body))
	if err != nil {
		return nil, fmt.Errorf("sign platform request: %w", err)
	}
	h := http.Header{}
	h.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	h.Set(HeaderCertificates, base64.StdEncoding.EncodeToString(euiccDER)+","+base64.StdEncoding.EncodeToString(eumDER))
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	return h, nil
}
