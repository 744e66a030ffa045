package platformapi

// Request authentication (docs/platform-api.md): the card signs the
// canonical bytes of each request with SK.EUICC.ECDSA (SGP.22 §2.6.5 raw
// r‖s over SHA-256) and sends its certificate chain; the platform verifies
// both. The card's IPA builds the headers with AuthHeaders, the platform
// reads them back, so the two cannot drift apart.

import (
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
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

// AuthHeaders returns the three authentication headers of one request:
// seq, the eUICC and EUM certificates (DER, base64, comma-separated), and
// the signature over CanonicalBytes.
func AuthHeaders(seq uint64, euiccDER, eumDER, sig []byte) http.Header {
	h := http.Header{}
	h.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	h.Set(HeaderCertificates, base64.StdEncoding.EncodeToString(euiccDER)+","+base64.StdEncoding.EncodeToString(eumDER))
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	return h
}

// Bounds on X-Esimhil-Seq, so that one request cannot leave its EID no
// seq to send next. The platform keeps the last accepted seq per EID and
// takes only higher ones: accepting 2^64-1 refused every later request of
// that card for good (and across restarts, with the counters persisted).
const (
	// MaxSeq is the largest seq accepted, 2^63-1: a counter fits a signed
	// 64-bit integer wherever it is kept (the state file is JSON that other
	// tools read), and one counting from 1 never gets there.
	MaxSeq = math.MaxInt64
	// MaxSeqStep is how far a seq may lie above the last one accepted for
	// its EID (above 0 for the first): a card counts up by one per request
	// and skips only those that never arrived, so a larger jump is a broken
	// client; refusing it means reaching MaxSeq takes 2^31 accepted
	// requests or more.
	MaxSeqStep = 1 << 32
)

// ReasonReplay begins the reason of a 401 that refuses a request whose seq
// is not above the last one accepted for its EID. Clients tell a replay
// from other refusals by it (the fleet names a card whose counters the
// platform has from before), so a platform implementing this API words
// the refusal so; the rest of the reason is free text.
const ReasonReplay = "auth: replay: "

// CheckReplayCounters checks the last seq a platform accepted per EID, as
// kept across restarts (the platform's configuration, the rig's state
// file): every key an EID, every value at most MaxSeq (one kept before the
// bound would refuse its card for good). The error names the first bad
// entry in EID order as name["<eid>"].
func CheckReplayCounters(name string, counters map[string]uint64) error {
	for _, eid := range slices.Sorted(maps.Keys(counters)) {
		if !ident.IsEID(eid) {
			return fmt.Errorf("%s[%q]: not an EID (32 digits)", name, Truncate(eid))
		}
		if n := counters[eid]; n > MaxSeq {
			return fmt.Errorf("%s[%q]: %d above %d, the largest seq the platform accepts (remove the entry: the card starts over)", name, eid, n, uint64(MaxSeq))
		}
	}
	return nil
}

// maxCertHeader bounds the certificates header (two P-256 certificates are
// well under 2 KiB of DER each).
const maxCertHeader = 8 << 10

// Auth is the parsed form of the three headers.
type Auth struct {
	Seq        uint64
	EUICC, EUM []byte // DER certificates
	Signature  []byte // r‖s
}

// ParseAuthHeaders checks presence and syntax; every error names the header.
func ParseAuthHeaders(h http.Header) (Auth, error) {
	var a Auth
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
	if seq == "" || (len(seq) > 1 && seq[0] == '0') || strings.TrimLeft(seq, "0123456789") != "" {
		return a, fmt.Errorf("header %s: want a decimal number, got %q", HeaderSeq, Truncate(seq))
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil || n > MaxSeq {
		return a, fmt.Errorf("header %s: %s out of range (at most %d)", HeaderSeq, Truncate(seq), uint64(MaxSeq))
	}
	a.Seq = n
	certs := h.Get(HeaderCertificates)
	if len(certs) > maxCertHeader {
		return a, fmt.Errorf("header %s: longer than %d bytes", HeaderCertificates, maxCertHeader)
	}
	parts := strings.Split(certs, ",")
	if len(parts) != 2 {
		return a, fmt.Errorf("header %s: want <eUICC cert>,<EUM cert> in base64, got %d parts", HeaderCertificates, len(parts))
	}
	if a.EUICC, err = base64.StdEncoding.DecodeString(strings.TrimSpace(parts[0])); err != nil || len(a.EUICC) == 0 {
		return a, fmt.Errorf("header %s: eUICC certificate is not base64", HeaderCertificates)
	}
	if a.EUM, err = base64.StdEncoding.DecodeString(strings.TrimSpace(parts[1])); err != nil || len(a.EUM) == 0 {
		return a, fmt.Errorf("header %s: EUM certificate is not base64", HeaderCertificates)
	}
	sig, err := base64.StdEncoding.DecodeString(h.Get(HeaderSignature))
	if err != nil {
		return a, fmt.Errorf("header %s: not base64", HeaderSignature)
	}
	if len(sig) != es10.SigLen {
		return a, fmt.Errorf("header %s: %d bytes, want %d (r‖s)", HeaderSignature, len(sig), es10.SigLen)
	}
	a.Signature = sig
	return a, nil
}

// Truncate shortens a value quoted in an error message.
func Truncate(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
