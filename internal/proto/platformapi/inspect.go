package platformapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/exactjson"
	"github.com/esimhil/esimhil/internal/proto/logpage"
)

// IsLogRead reports whether a request reads the request log (GET or HEAD
// of PathInspect): the one request the log does not list, so that reading
// it changes nothing in it. A fact of the API: a reader matching a
// capture against the log leaves these out, whoever serves it.
func IsLogRead(method, path string) bool {
	return path == PathInspect && (method == http.MethodGet || method == http.MethodHead)
}

// Received is one request of the platform's log as GET
// /v1/inspect/received serves it: as it arrived, with the status it was
// answered.
type Received struct {
	// Index counts requests from 0 over the platform's life.
	Index  int       `json:"index"`
	Time   time.Time `json:"t"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Status is the answer's as written: 0 for none sent (Error says
	// why: a held answer dropped, the platform stopping mid-body).
	Status int `json:"status"`
	// Body is the body's bytes exactly, or its first ones (Truncated says
	// it was cut): as text when they are UTF-8, else in base64 with
	// BodyEncoding BodyBase64 — a JSON string holds no other bytes, and
	// one with U+FFFD in their place would no longer be the body its
	// hash describes (outside tester t71, F3). KeptBody decodes either.
	Body         string `json:"body"`
	BodyEncoding string `json:"body_encoding,omitempty"`
	// BodySize and BodySHA256 describe the body as read (no hash when it
	// was not read whole: too large, too slow, or an unknown route).
	BodySize   int    `json:"body_size"`
	BodySHA256 string `json:"body_sha256,omitempty"`
	Truncated  bool   `json:"truncated,omitempty"`
	Error      string `json:"error,omitempty"`
}

// BodyBase64 is the BodyEncoding of a body that is not UTF-8: standard
// base64 with padding (RFC 4648 §4).
const BodyBase64 = "base64"

// KeptBody is the body's bytes the entry holds (all of them unless
// Truncated).
func (r Received) KeptBody() ([]byte, error) {
	switch r.BodyEncoding {
	case "":
		return []byte(r.Body), nil
	case BodyBase64:
		b, err := exactjson.DecodeBase64(r.Body)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("body_encoding: unknown %q (want %s, or none for text)", r.BodyEncoding, BodyBase64)
}

// CheckedBody is KeptBody held to the entry's own body_size and
// body_sha256: an error when they disagree. A body not cut must be
// body_size bytes, whose SHA-256 is body_sha256 when one is given; a cut
// one holds at most body_size bytes. Such an entry is no record of the
// bytes sent (a body re-serialised, a hash made up), so a reader cannot
// take it as evidence (outside tester t146 F5).
func (r Received) CheckedBody() ([]byte, error) {
	body, err := r.KeptBody()
	if err != nil {
		return nil, err
	}
	switch {
	case r.Truncated && len(body) > r.BodySize:
		return nil, fmt.Errorf("body: %d bytes kept of a body_size %d, cut", len(body), r.BodySize)
	case r.Truncated:
		return body, nil
	case r.BodySize == 0 && len(body) > 0:
		// body_size left out reads as 0 (outside tester t194 F11: the
		// page said it "may be absent", and every entry was UNREADABLE
		// as "not its body_size 0").
		return nil, fmt.Errorf("body: %d bytes, and a body_size of 0 or none: an entry that holds a body gives its size", len(body))
	case len(body) != r.BodySize:
		return nil, fmt.Errorf("body: %d bytes, not its body_size %d", len(body), r.BodySize)
	}
	if r.BodySHA256 == "" {
		return body, nil
	}
	// Hex in either case: RFC 4648 §8's base16 is upper case, and many
	// platforms' libraries write it so (.NET's Convert.ToHexString); the
	// emulated platform writes lower case (outside tester t194 F7: an
	// upper-case log was UNREADABLE whole).
	if sum := sha256.Sum256(body); !strings.EqualFold(hex.EncodeToString(sum[:]), r.BodySHA256) {
		return nil, fmt.Errorf("body: its SHA-256 is %x, not its body_sha256 %s (not the bytes received?)", sum[:4], cut(r.BodySHA256, 16))
	}
	return body, nil
}

// cut shortens s to n bytes for an error, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// InspectPage is the 200 answer of GET /v1/inspect/received: one page of
// the platform's request log (logpage.Page).
type InspectPage = logpage.Page[Received]

// NewInspectPage is the page of entries starting at offset, of a log that
// received total requests and dropped its oldest dropped; next is nil on
// the last page.
func NewInspectPage(total, dropped, offset int, entries []Received, next *int) InspectPage {
	return logpage.NewPage(total, dropped, offset, entries, next)
}

// DecodeInspectPage parses a page of the request log (logpage.Decode).
func DecodeInspectPage(b []byte) (InspectPage, error) {
	return logpage.Decode[Received](b, nil)
}
