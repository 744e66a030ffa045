package euicc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es9"
)

// writes records each Write, as a BIP channel's SEND DATA would see them;
// failAt > 0 fails the write that would take the output past it.
type writes struct {
	got    [][]byte
	n      int
	failAt int
}

var errWriteFailed = errors.New("write failed")

func (w *writes) Write(p []byte) (int, error) {
	if w.failAt > 0 && w.n+len(p) > w.failAt {
		return 0, errWriteFailed
	}
	w.got = append(w.got, bytes.Clone(p))
	w.n += len(p)
	return len(p), nil
}

// FuzzWriteRequest: writeRequest writes what net/http's serializer
// writes, in the same writes, with the same error, plain request or not.
func FuzzWriteRequest(f *testing.F) {
	f.Add("127.0.0.1:8443", "/v1/preferred-list", "Content-Type", "application/json", "X-Esimhil-Seq", "3", []byte(`{"eid":"89"}`), 0, 0, "")
	f.Add("smdp.example", "/gsma/rsp2/es9plus/initiateAuthentication", "X-Admin-Protocol", "gsma/rsp/v2.5.0", "Content-Type", "application/json;charset=UTF-8", []byte("{}"), 3000, 0, "gsma-rsp-lpae")
	f.Add("h", "/p", "K", "", "k", " v ", []byte{}, 0, 0, "")
	f.Add("h:", "/p", "Connection", "keep-alive", "Host", "x", []byte("b"), 4090, 0, " x")
	f.Add("[::1]:80", "/a b?c#d", "Bad Name", "v\r\nInjected: 1", "User-Agent", "u", []byte("b"), 8200, 100, "a\r\nb")
	f.Add("h:1:2", "p", "X", "\x7f", "Y", "\xff", []byte("b"), 12288, 5000, "\xff")
	f.Fuzz(func(t *testing.T, host, path, k1, v1, k2, v2 string, body []byte, pad, failAt int, agent string) {
		if pad < 0 || pad > 20000 || failAt < 0 {
			return
		}
		body = append(body, bytes.Repeat([]byte{'x'}, pad)...)
		h := http.Header{}
		if k1 != "" {
			h[k1] = append(h[k1], v1)
		}
		if k2 != "" {
			h[k2] = append(h[k2], v2, v1)
		}
		req := httpRequest{Host: host, Path: path, Header: h, Body: body, Agent: agent}
		want, got := &writes{failAt: failAt}, &writes{failAt: failAt}
		wr, wantErr := writeRequestHTTP(want, req)
		gr, gotErr := writeRequest(got, req)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("error %v, net/http %v", gotErr, wantErr)
		}
		if len(got.got) != len(want.got) {
			t.Fatalf("%d writes, net/http %d:\n%q\n%q", len(got.got), len(want.got), got.got, want.got)
		}
		for i := range got.got {
			if !bytes.Equal(got.got[i], want.got[i]) {
				t.Fatalf("write %d:\n%q\nnet/http:\n%q", i, got.got[i], want.got[i])
			}
		}
		if (gr == nil) != (wr == nil) || gr != nil && gr.Method != wr.Method {
			t.Fatalf("request %v, net/http %v", gr, wr)
		}
	})
}

// ES9+ requests carry the LPAe's User-Agent (SGP.22 §6.5.1), the
// platform's the card's own, through either writer.
func TestRequestAgent(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  httpRequest
		want string
	}{
		{"es9", es9Request("smdp.example", es9.FnInitiateAuthentication, []byte("{}")), "gsma-rsp-lpae"},
		{"platform", httpRequest{Host: "127.0.0.1:8443", Path: "/v1/notifications", Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte("{}")}, "esimhil-euicc"},
	} {
		for _, w := range []struct {
			name  string
			write func(io.Writer, httpRequest) (*http.Request, error)
		}{{"net-http", writeRequestHTTP}, {"plain", writeRequest}} {
			var b bytes.Buffer
			if _, err := w.write(&b, tc.req); err != nil {
				t.Fatalf("%s, %s: %v", tc.name, w.name, err)
			}
			r, err := http.ReadRequest(bufio.NewReader(&b))
			if err != nil {
				t.Fatalf("%s, %s: %v", tc.name, w.name, err)
			}
			if got := r.Header.Values("User-Agent"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("%s, %s: User-Agent %q, want %q", tc.name, w.name, got, tc.want)
			}
		}
	}
}

// The platform's and ES9+'s requests take the plain path.
func TestWriteRequestPlain(t *testing.T) {
	for _, req := range []httpRequest{
		{Host: "127.0.0.1:8443", Path: "/v1/notifications", Header: http.Header{"Content-Type": {"application/json"}, "X-Esimhil-Signature": {strings.Repeat("A", 88)}}, Body: []byte("{}")},
		{Host: "smdp.example", Path: "/gsma/rsp2/es9plus/authenticateClient", Header: http.Header{"X-Admin-Protocol": {"gsma/rsp/v2.5.0"}}, Body: bytes.Repeat([]byte("y"), 9000)},
	} {
		if _, ok := appendRequest(nil, req); !ok {
			t.Errorf("%s%s: not plain", req.Host, req.Path)
		}
	}
}

// A signed platform post as the card writes one, through net/http's
// serializer and through the card's own.
func BenchmarkWriteRequest(b *testing.B) {
	req := httpRequest{Host: "127.0.0.1:40123", Path: "/v1/notifications", Header: http.Header{
		"Content-Type":           {"application/json"},
		"X-Esimhil-Seq":          {"12"},
		"X-Esimhil-Certificates": {strings.Repeat("MIIB", 450) + "," + strings.Repeat("MIIC", 200)},
		"X-Esimhil-Signature":    {strings.Repeat("A", 88)},
	}, Body: []byte(`{"eid":"89049032000001000000000000000171","kind":"attach-success","operator":"fr1","iccid":"89990000000000000014","plmn":"20801","report":3}`)}
	for _, bc := range []struct {
		name  string
		write func(io.Writer, httpRequest) (*http.Request, error)
	}{{"net-http", writeRequestHTTP}, {"plain", writeRequest}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.write(io.Discard, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
