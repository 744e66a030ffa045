package euicc

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/bodyread"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// maxHTTPReply bounds a reply body where the request names no bound
// (httpRequest.MaxReply): the platform's answers, the longest of which (a
// list of 64 operators) is a few KiB. A longer one fails the exchange.
const maxHTTPReply = 64 << 10

// httpRequest is one POST the card makes over a BIP channel.
type httpRequest struct {
	Host   string // Host header, and the TLS server name when TLS is set
	Path   string
	Header http.Header
	Body   []byte
	// Agent is the User-Agent; empty means the card's own (cardAgent),
	// as on the platform's requests.
	Agent string
	// JSONAnswers refuses a 2xx answer not declared as JSON (jsonAnswer):
	// the platform's requests.
	JSONAnswers bool
	// ES9Answers refuses a 2xx answer without an SM-DP+'s headers
	// (es9.CheckAnswer): the ES9+ requests.
	ES9Answers bool
	// MaxReply bounds the reply's body; 0 is maxHTTPReply. An SM-DP+'s
	// answers are bounded by es9.MaxBody: a bound profile package with
	// applets or an ISIM is past 64 KiB once in base64 (outside tester
	// t180 F3). The body is read as it comes, so a small answer takes
	// what it holds, not the bound.
	MaxReply int
}

func (r httpRequest) maxReply() int {
	if r.MaxReply > 0 {
		return r.MaxReply
	}
	return maxHTTPReply
}

// cardAgent is the User-Agent of a request that names no other.
const cardAgent = "esimhil-euicc"

func (r httpRequest) agent() string {
	if r.Agent == "" {
		return cardAgent
	}
	return r.Agent
}

// httpReply is the answer to an httpRequest.
type httpReply struct {
	Status int
	Header http.Header
	Body   []byte
}

// tlsParams makes the exchange HTTPS: TLS 1.2 with the one cipher suite of
// SGP.22 §2.6.6 (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, curve P-256), the
// server certificate verified against the test CI and the host name at the
// card's notion of now (the virtual clock).
type tlsParams struct {
	Roots  *x509.CertPool
	Now    func() time.Time
	KeyLog io.Writer
	// Sessions, if set, is the card's TLS session cache: later
	// connections to a server resume the session (RFC 5077 ticket, an
	// abbreviated handshake) instead of a full handshake.
	Sessions *tlsSessions
}

// config is the client configuration of one connection; sess its view of
// the session cache (nil without one).
func (p *tlsParams) config(host string, sess *connSessions) *tls.Config {
	cfg := &tls.Config{
		ServerName:   host,
		RootCAs:      p.Roots,
		Time:         p.Now,
		KeyLogWriter: p.KeyLog,
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		// SGP.22 §2.6.6 names secp256r1 (and brainpoolP256r1, which Go lacks).
		CurvePreferences: []tls.CurveID{tls.CurveP256},
		VerifyConnection: rsp.CheckTLSKey,
	}
	if sess != nil {
		cfg.ClientSessionCache = sess
		cfg.KeyLogWriter = sess // learns the master secret, passes the line on
	}
	return cfg
}

// roundTrip returns the protocol a coroutine runs for req: optional TLS
// client handshake, the request (Content-Length body, Connection: close),
// then one response read with net/http. The reply lands in *out.
func roundTrip(req httpRequest, tp *tlsParams, out *httpReply) func(net.Conn) error {
	return func(conn net.Conn) error {
		if tp != nil {
			var sess *connSessions
			if tp.Sessions != nil {
				sess = &connSessions{all: tp.Sessions, keyLog: tp.KeyLog}
				conn = &helloTap{Conn: conn, sess: sess}
			}
			tc := tls.Client(conn, tp.config(req.Host, sess))
			if err := tc.Handshake(); err != nil {
				return fmt.Errorf("tls handshake: %w", err)
			}
			defer tc.Close() // close_notify, sent before the channel closes
			if sess != nil && tc.ConnectionState().DidResume && !conn.(*helloTap).offered {
				return errors.New("tls: resumed a session whose secret the ClientHello did not log")
			}
			conn = tc
		}
		r, err := writeRequest(conn, req)
		if err != nil {
			return err
		}
		br := readers.Get().(*bufio.Reader)
		br.Reset(conn)
		rep, err := readReply(br, r, req.maxReply())
		br.Reset(nil) // the reply keeps nothing of the buffer
		readers.Put(br)
		if err != nil {
			return err
		}
		if req.JSONAnswers {
			if err := jsonAnswer(rep); err != nil {
				return err
			}
		}
		if req.ES9Answers {
			if err := es9.CheckAnswer(rep.Status, rep.Header); err != nil {
				return fmt.Errorf("answer: %w", err)
			}
		}
		*out = rep
		return nil
	}
}

// jsonAnswer refuses a 2xx answer whose Content-Type is not JSON. The
// platform declares every answer application/json and answers 415 to a
// request body declared otherwise (docs/platform-api.md); the card, a
// strict peer, holds the platform's answers to the platform's own rule
// (bodyread.JSONType), so a platform that mislabels its answers fails
// its cards instead of passing a load test. An error answer, or a 204
// (no content), is taken for its status whatever its type. No Date is
// asked for: the card takes no time from it (RFC 9110 §6.6.1 binds the
// server; its client neither caches nor forwards the answer).
func jsonAnswer(rep httpReply) error {
	if rep.Status/100 != 2 || rep.Status == http.StatusNoContent {
		return nil
	}
	if err := bodyread.JSONType(rep.Header.Values("Content-Type")); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	return nil
}

// writeRequest writes req as HTTP/1.1: a plain request (appendRequest)
// is formatted here, any other by net/http's own serializer; both make
// the same bytes in the same writes (FuzzWriteRequest).
func writeRequest(w io.Writer, req httpRequest) (*http.Request, error) {
	buf := messages.Get().(*[]byte)
	defer messages.Put(buf)
	msg, ok := appendRequest((*buf)[:0], req)
	if !ok {
		return writeRequestHTTP(w, req)
	}
	*buf = msg // w copies what it is given: the buffer is reused
	// net/http writes through a bufio.Writer of the default size: w gets
	// the message in writes of that size (no line of a plain request is
	// longer, which would be written past the buffer).
	for len(msg) > 0 {
		n := min(len(msg), bufSize)
		if _, err := w.Write(msg[:n]); err != nil {
			return nil, fmt.Errorf("http request: %w", err)
		}
		msg = msg[n:]
	}
	return plainPost, nil
}

// plainPost is what http.ReadResponse needs of a plain request: its
// method. It only reads it.
var plainPost = &http.Request{Method: http.MethodPost}

// bufSize is bufio's default buffer size, net/http's for a request.
const bufSize = 4096

// appendRequest appends req as net/http writes it, if req is plain: a
// host name (with a port or not) and a path of unreserved characters,
// header names of token characters other than those net/http writes or
// leaves out itself, values of printable ASCII not starting or ending
// with a space, no line longer than bufSize. Anything else is not ok.
func appendRequest(b []byte, req httpRequest) ([]byte, bool) {
	if !plainHost(req.Host) || !plainPath(req.Path) || len(req.Path) > bufSize/2 || len(req.Host) > bufSize/2 ||
		!plainValue(req.agent()) || len(req.agent()) > bufSize/2 {
		return nil, false
	}
	var few [8]string
	keys := few[:0]
	for k, vs := range req.Header {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer", "Connection":
			return nil, false
		}
		if !plainName(k) {
			return nil, false
		}
		for _, v := range vs {
			if !plainValue(v) || len(k)+len(v)+4 > bufSize {
				return nil, false
			}
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, "POST "...)
	b = append(b, req.Path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, req.Host...)
	b = append(b, "\r\nUser-Agent: "...)
	b = append(b, req.agent()...)
	b = append(b, "\r\nConnection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(req.Body)), 10)
	b = append(b, "\r\n"...)
	for _, k := range keys {
		for _, v := range req.Header[k] {
			b = append(append(append(append(b, k...), ": "...), v...), "\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	return append(b, req.Body...), true
}

// plainHost: a name of letters, digits, dots and hyphens, then perhaps a
// port of digits.
func plainHost(h string) bool {
	name, port, hasPort := strings.Cut(h, ":")
	if name == "" || hasPort && port == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(isAlnum(c) || c == '.' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if c := port[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// plainPath: "/" and unreserved characters (RFC 3986 §2.3), which the
// URL keeps as they are.
func plainPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !(isAlnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// plainName: a header name of token characters (RFC 9110 §5.6.2).
func plainName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !isAlnum(c) && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// plainValue: printable ASCII, which net/http writes as it is once it
// does not start or end with a space (it trims them).
func plainValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return v == "" || v[0] != ' ' && v[len(v)-1] != ' '
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// writeRequestHTTP writes req with net/http's own serializer.
func writeRequestHTTP(w io.Writer, req httpRequest) (*http.Request, error) {
	r, err := http.NewRequest(http.MethodPost, "http://"+req.Host+req.Path, bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("http request: %w", err)
	}
	for k, vs := range req.Header {
		r.Header[k] = vs
	}
	r.Header.Set("User-Agent", req.agent())
	r.Close = true // Connection: close: one exchange per channel
	// r.Write buffers w in a new bufio.Writer of the default size unless
	// w is one; a pooled one of that size writes the same chunks.
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(w)
	defer func() { bw.Reset(nil); writers.Put(bw) }()
	if err := r.Write(bw); err != nil {
		return nil, fmt.Errorf("http request: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("http request: %w", err)
	}
	return r, nil
}

// readers and writers are the exchanges' HTTP buffers, of bufio's
// default size, reused: each exchange would otherwise allocate two.
var (
	readers = sync.Pool{New: func() any { return bufio.NewReader(nil) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriter(nil) }}
	// messages are the buffers writeRequest formats a request in.
	messages = sync.Pool{New: func() any { return new([]byte) }}
)

// maxInterim bounds the interim (1xx) responses taken before the final
// one: a peer sending them without end must not hold the card.
const maxInterim = 8

// readFinal reads the final response, skipping the interim ones before
// it (RFC 9110 §15.2: a client must parse one or more 1xx responses even
// if it expects none; a proxy's or a server's 100 Continue ahead of its
// answer). A 101 Switching Protocols is refused: the card asks for no
// upgrade, and after it the bytes would be another protocol's.
func readFinal(br *bufio.Reader, r *http.Request) (*http.Response, error) {
	for n := 0; ; n++ {
		resp, err := http.ReadResponse(br, r)
		switch {
		case err != nil:
			return nil, fmt.Errorf("reply: malformed HTTP response: %w", err)
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, fmt.Errorf("reply: 101 Switching Protocols, but the card asked for no upgrade")
		case resp.StatusCode >= 200 || resp.StatusCode < 100:
			return resp, nil
		case n == maxInterim:
			return nil, fmt.Errorf("reply: more than %d interim (1xx) responses before the final one", maxInterim)
		}
	}
}

// readReply reads one response and its whole body, at most max bytes.
func readReply(br *bufio.Reader, r *http.Request, max int) (httpReply, error) {
	// Asked first: ReadResponse reports a stream that ends before its
	// first byte as a malformed response (io.ErrUnexpectedEOF).
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		return httpReply{}, errors.New("reply: connection closed without a reply")
	}
	resp, err := readFinal(br, r)
	if err != nil {
		return httpReply{}, err
	}
	// A coded body (gzip, say) would only be "malformed JSON" further on;
	// the card decodes no content coding, so the answer is refused here,
	// by its header.
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return httpReply{}, fmt.Errorf("reply: body in Content-Encoding %q, which the card does not decode (it asks for none: answer with no Content-Encoding)", ce)
	}
	// The body is not closed: net/http would drain it, and the connection
	// ends with this exchange anyway (Connection: close).
	if resp.ContentLength > int64(max) {
		return httpReply{}, fmt.Errorf("reply: HTTP body longer than %d bytes", max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return httpReply{}, fmt.Errorf("reply: HTTP body: %w", err)
	}
	if len(body) > max {
		return httpReply{}, fmt.Errorf("reply: HTTP body longer than %d bytes", max)
	}
	return httpReply{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}
