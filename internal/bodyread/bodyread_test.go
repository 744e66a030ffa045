package bodyread

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/esimhil/esimhil/internal/httpserve"
)

func TestClassify(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4431}
	op := func(err error) error { return &net.OpError{Op: "read", Net: "tcp", Source: addr, Addr: addr, Err: err} }
	tests := []struct {
		name   string
		err    error
		kind   Kind
		status int
		reason string
	}{
		{"too large", &http.MaxBytesError{Limit: 65536}, TooLarge, 413, "body larger than 65536 bytes"},
		{"too large, wrapped", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 65536}), TooLarge, 413, "body larger than 65536 bytes"},
		{"read deadline", op(os.ErrDeadlineExceeded), Timeout, 408, "reading body: not complete within the read timeout"},
		{"cut before Content-Length", io.ErrUnexpectedEOF, Gone, 400, "reading body: the client closed the connection before the body's end"},
		{"reset", op(os.NewSyscallError("read", syscall.ECONNRESET)), Gone, 400, "reading body: the connection was reset before the body's end"},
		{"closed", op(net.ErrClosed), Gone, 400, "reading body: the connection was reset before the body's end"},
		{"bad chunk", errors.New("malformed chunked encoding"), Broken, 400, "reading body: malformed chunked encoding"},
		{"the server stopping", fmt.Errorf("%w (%w)", httpserve.ErrStopped, op(net.ErrClosed)), Stopped, 0, "reading body: cut by the server stopping (it closed the connection; no answer sent)"},
		{"other socket error, without its addresses", op(os.NewSyscallError("read", syscall.EIO)), Broken, 400, "reading body: read: input/output error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Classify(tc.err, 65536)
			if f == nil || f.Kind != tc.kind || f.Status() != tc.status || f.Reason != tc.reason {
				t.Fatalf("Classify(%v) = %+v, want %d %d %q", tc.err, f, tc.kind, tc.status, tc.reason)
			}
			if strings.Contains(f.Reason, "127.0.0.1") {
				t.Fatalf("reason names an address: %s", f.Reason)
			}
		})
	}
	if f := Classify(nil, 1); f != nil {
		t.Fatalf("Classify(nil) = %+v", f)
	}
}

// What net/http gives a handler whose client hangs up inside the body is
// classed as gone.
func TestClassifyClientGone(t *testing.T) {
	got := make(chan *Failure, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<10))
		got <- Classify(err, 1<<10)
	}))
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"eid\":")
	c.Close()
	if f := <-got; f == nil || f.Kind != Gone {
		t.Fatalf("client gone: %+v", f)
	}
}

// Only a body declared as JSON is taken for JSON.
func TestJSONType(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string // "" accepted
	}{
		{"json", []string{"application/json"}, ""},
		{"json, utf-8", []string{"application/json; charset=utf-8"}, ""},
		{"case-insensitive", []string{"Application/JSON;charset=UTF-8"}, ""},
		{"missing", nil, "Content-Type missing, want application/json"},
		{"text", []string{"text/plain"}, `Content-Type "text/plain", want application/json`},
		{"form", []string{"application/x-www-form-urlencoded"}, `Content-Type "application/x-www-form-urlencoded", want application/json`},
		{"other charset", []string{"application/json; charset=latin1"}, `Content-Type "application/json; charset=latin1", want application/json`},
		{"other parameter", []string{"application/json; v=2"}, `Content-Type "application/json; v=2", want application/json`},
		{"malformed", []string{"application/json;;"}, `Content-Type "application/json;;", want application/json`},
		{"twice", []string{"application/json", "application/json"}, "Content-Type given more than once"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := JSONType(tc.values)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
