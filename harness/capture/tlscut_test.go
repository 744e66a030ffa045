package capture

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// tapWrites copies what one side of a connection writes into a tap flow.
type tapWrites struct {
	net.Conn
	f          *flow
	fromClient bool
	mu         *sync.Mutex
}

func (c tapWrites) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.f.data(c.fromClient, b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// A TLS record the client cut short is traffic when the client ended the
// connection (its FIN, or a reset) — a card losing power mid-write — and
// a capture that missed data otherwise: the file just ends inside it.
// The HTTP exchange before it is whole either way, so only the record
// check can tell (t167 S6).
func TestClientTLSRecordCut(t *testing.T) {
	cert, pool := tlsServerCert(t)
	for _, tc := range []struct {
		name string
		end  string // fin, reset or "" (the capture ends)
		err  string
	}{
		{"FIN", "fin", ""},
		{"RST", "reset", ""},
		{"neither: the capture ends", "", "TLS record cut short without a reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, file := tapFlow(t, 8443)
			var mu sync.Mutex
			var keys bytes.Buffer
			cc, sc := net.Pipe()
			defer cc.Close()
			defer sc.Close()
			served := make(chan error, 1)
			go func() {
				s := tls.Server(tapWrites{sc, f, false, &mu}, &tls.Config{Certificates: []tls.Certificate{cert}, SessionTicketsDisabled: true})
				_, err := http.ReadRequest(bufio.NewReader(s))
				if err == nil {
					_, err = s.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
				}
				served <- err
			}()
			c := tls.Client(tapWrites{cc, f, true, &mu}, &tls.Config{RootCAs: pool, ServerName: smdpHost, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, KeyLogWriter: &keys})
			if _, err := c.Write([]byte("POST /gsma/rsp2/es9plus/handleNotification HTTP/1.1\r\nHost: " + smdpHost + "\r\nContent-Length: 2\r\n\r\n{}")); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if err := <-served; err != nil {
				t.Fatal(err)
			}
			// An application data record announcing 64 bytes, 10 sent.
			mu.Lock()
			f.data(true, []byte{0x17, 0x03, 0x03, 0x00, 0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
			switch tc.end {
			case "fin":
				f.fin(true)
				f.close()
			case "reset":
				f.reset(true)
			}
			mu.Unlock()
			kl, err := ParseKeyLog(keys.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			ex, err := readHTTP(bytes.NewReader(file()), kl, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(ex) != 1 || !ex[0].TLS || ex[0].Status != 200 || ex[0].Path != "/gsma/rsp2/es9plus/handleNotification" {
				t.Fatalf("exchanges %+v", ex)
			}
		})
	}
}
