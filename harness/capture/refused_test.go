package capture

import (
	"crypto/tls"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// rec is one TLS record as it goes on the wire.
func rec(typ byte, payload ...byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

// hsMsg is a handshake message of type typ with a minimal hello body
// (version, 32-byte random, empty session id).
func hsMsg(typ byte) []byte {
	body := append([]byte{3, 3}, make([]byte, 33)...)
	return append([]byte{typ, 0, 0, byte(len(body))}, body...)
}

// TestRefusedHandshake: a handshake ended by an alert before any
// ServerHello is traffic without HTTP; a server that answers otherwise
// without a ServerHello is still a decode failure.
func TestRefusedHandshake(t *testing.T) {
	clientHello := rec(recHandshake, hsMsg(1)...)
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	for _, c := range []struct {
		name           string
		client, server []byte
		err            string // "" when it reads as no HTTP
	}{
		{"server protocol_version alert", clientHello, rec(recAlert, 2, 70), ""},
		{"server handshake_failure alert", clientHello, rec(recAlert, 2, 40), ""},
		{"client alert, then the server's", cat(clientHello, rec(recAlert, 2, 90)), rec(recAlert, 2, 0), ""},
		{"client alert, server silent", cat(clientHello, rec(recAlert, 2, 90)), nil, ""},
		{"server Certificate first", clientHello, rec(recHandshake, hsMsg(11)...), "first handshake message is not type 2"},
		{"server alert after a handshake record", clientHello, cat(rec(recHandshake, hsMsg(11)...), rec(recAlert, 2, 40)), "first handshake message is not type 2"},
		{"server application data first", clientHello, rec(recApplicationData, 1, 2, 3), "first handshake message is not type 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, sv, err := decryptTLS(&half{data: c.client}, &half{data: c.server}, KeyLog{})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want an error with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if len(cl.data) != 0 || len(sv.data) != 0 {
				t.Fatalf("got %q %q, want no data", cl.data, sv.data)
			}
		})
	}
}

// TestRefusedHandshakeCapture: clients the server refuses with an alert
// (TLS 1.0, TLS 1.3 only, a suite it does not take) beside a good ES9+
// call: the tap's capture decodes, with that one exchange.
func TestRefusedHandshakeCapture(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	path := filepath.Join(t.TempDir(), "refused.pcapng")
	sess, err := Start(Config{Mode: Tap, KeyLog: true, Path: path, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	raw, roots, srv := serveES9TLS(t, sess, clk, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
	defer srv.Close()
	for _, cfg := range []*tls.Config{
		{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10},
		{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13},
		{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
	} {
		cfg.ServerName, cfg.RootCAs, cfg.Time = smdpHost, roots, clk.Now
		c, err := tls.Dial("tcp", raw.Addr().String(), cfg)
		if err == nil {
			c.Close()
			t.Fatalf("handshake with %+v succeeded", cfg)
		}
	}
	es9Call(t, raw.Addr().String(), roots, clk, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, es9.FnHandleNotification, `{"pendingNotification":"vzcA"}`)
	srv.Close()
	if err := sess.Close(); err != nil {
		t.Fatalf("session close: %v", err)
	}
	ex, err := ReadHTTP(path)
	if err != nil {
		t.Fatalf("ReadHTTP: %v", err)
	}
	if len(ex) != 1 || ex[0].Path != es9.PathPrefix+es9.FnHandleNotification || ex[0].Status != http.StatusNoContent {
		t.Fatalf("exchanges %+v, want the one handleNotification", ex)
	}
}
