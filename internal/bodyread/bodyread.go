// Package bodyread says why a server could not read a request body whole
// (httpserve.ReadBody's error) or take it for JSON (JSONType), in one set
// of words for the platform and the SM-DP+: each answers with its own
// status and envelope, but the reason, and how a failure is classed, is
// the same on both.
package bodyread

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/esimhil/esimhil/internal/httpserve"
)

// Kind classes a failed read.
type Kind int

const (
	// TooLarge: the body goes past the server's limit.
	TooLarge Kind = iota + 1
	// Timeout: the body did not arrive within the read timeout.
	Timeout
	// Gone: the client closed or reset the connection before the body's end.
	Gone
	// Broken: any other read error (a malformed chunked encoding).
	Broken
	// Stopped: the server closed the connection itself, stopping
	// (httpserve.ErrStopped): nothing can be answered, and no client is
	// at fault.
	Stopped
)

// Failure is a read that failed: its class and the reason to answer and
// log. The reason names no address (net's errors do): event logs and
// answers hold none.
type Failure struct {
	Kind   Kind
	Reason string
}

// Classify classes err, the error of reading a body of at most max bytes;
// nil for nil.
func Classify(err error, max int64) *Failure {
	var tooBig *http.MaxBytesError
	var nerr net.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, httpserve.ErrStopped):
		return &Failure{Stopped, "reading body: cut by the server stopping (it closed the connection; no answer sent)"}
	case errors.As(err, &tooBig):
		return &Failure{TooLarge, fmt.Sprintf("body larger than %d bytes", max)}
	case errors.As(err, &nerr) && nerr.Timeout():
		return &Failure{Timeout, "reading body: not complete within the read timeout"}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		// net/http's body reader: the connection ended before the
		// Content-Length or the last chunk.
		return &Failure{Gone, "reading body: the client closed the connection before the body's end"}
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed):
		return &Failure{Gone, "reading body: the connection was reset before the body's end"}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err // without the addresses
	}
	return &Failure{Broken, "reading body: " + err.Error()}
}

// Status is the HTTP status a plain HTTP API answers the failure with
// (the platform; ES9+ answers 200 with its own codes); 0 for Stopped,
// which is answered with nothing.
func (f *Failure) Status() int {
	switch f.Kind {
	case Stopped:
		return 0
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Timeout:
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}

// JSON is the media type both servers take a body as.
const JSON = "application/json"

// JSONType checks the Content-Type header values of a request with a
// body: application/json, with no parameter but a charset of utf-8 (JSON
// is UTF-8, RFC 8259 §8.1; SGP.22 §6.5.1 names
// "application/json;charset=UTF-8", lpac sends it bare). A body declared
// as anything else, or not declared, is not taken for JSON.
func JSONType(values []string) error {
	switch len(values) {
	case 0:
		return fmt.Errorf("Content-Type missing, want %s", JSON)
	case 1:
	default:
		return errors.New("Content-Type given more than once")
	}
	mt, params, err := mime.ParseMediaType(values[0])
	ok := err == nil && mt == JSON
	for k, v := range params {
		ok = ok && k == "charset" && strings.EqualFold(v, "utf-8")
	}
	if !ok {
		v := values[0]
		if len(v) > 100 { // a header can be 32 KiB: the reason names, not echoes
			v = v[:100] + "…"
		}
		return fmt.Errorf("Content-Type %q, want %s", v, JSON)
	}
	return nil
}
