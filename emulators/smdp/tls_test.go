package smdp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestTLSSuites: the SM-DP+ takes a TLS 1.2 client offering either of
// SGP.22 §2.6.6's suites alone, and nothing else.
func TestTLSSuites(t *testing.T) {
	e := newEnv(t)
	roots := x509.NewCertPool()
	roots.AddCert(thePKI(t).CI.X509)
	for _, c := range []struct {
		name    string
		version uint16
		suite   uint16 // 0: the client's defaults
		ok      bool
	}{
		{"GCM-SHA256", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true},
		{"CBC-SHA256", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, true},
		{"AES-256-GCM", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, false},
		{"CBC-SHA1", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, false},
		{"TLS 1.3 only", tls.VersionTLS13, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := &tls.Config{RootCAs: roots, ServerName: testHost, Time: e.clock.Now,
				MinVersion: c.version, MaxVersion: c.version}
			if c.suite != 0 {
				cfg.CipherSuites = []uint16{c.suite}
			}
			conn, err := tls.Dial("tcp", e.srv.Addr().String(), cfg)
			if err != nil {
				if c.ok {
					t.Fatalf("handshake: %v", err)
				}
				return
			}
			defer conn.Close()
			if !c.ok {
				t.Fatalf("handshake succeeded with %s", tls.CipherSuiteName(conn.ConnectionState().CipherSuite))
			}
			if got := conn.ConnectionState().CipherSuite; got != c.suite {
				t.Fatalf("suite %s, want %s", tls.CipherSuiteName(got), tls.CipherSuiteName(c.suite))
			}
		})
	}
	t.Run("openssl CBC", func(t *testing.T) {
		if _, err := exec.LookPath("openssl"); err != nil {
			t.Skip("no openssl")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "openssl", "s_client", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256",
			"-servername", testHost, "-connect", e.srv.Addr().String()).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Cipher is ECDHE-ECDSA-AES128-SHA256") {
			t.Fatalf("openssl s_client: %v\n%s", err, out)
		}
	})
}
