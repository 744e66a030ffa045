package cryptoshare

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// cpuProfile is a CPU profile whose samples each hold one stack (frames
// innermost first) and its CPU nanoseconds.
func cpuProfile(t *testing.T, samples map[string]int64) *bytes.Buffer {
	t.Helper()
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10_000_000,
	}
	fns := map[string]*profile.Function{}
	for stack, ns := range samples {
		s := &profile.Sample{Value: []int64{ns / p.Period, ns}}
		for _, name := range strings.Split(stack, ";") {
			fn := fns[name]
			if fn == nil {
				fn = &profile.Function{ID: uint64(len(fns) + 1), Name: name}
				fns[name] = fn
				p.Function = append(p.Function, fn)
			}
			loc := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: fn}}}
			p.Location = append(p.Location, loc)
			s.Location = append(s.Location, loc)
		}
		p.Sample = append(p.Sample, s)
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestCryptoShare(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples map[string]int64
		share   float64
		n       int64
	}{
		{"a primitive at the leaf", map[string]int64{"crypto/ecdsa.Verify;main.f": 30e6, "net.Dial;main.f": 10e6}, 0.75, 4},
		{"a FIPS 140 primitive at the leaf", map[string]int64{"crypto/internal/fips140/nistec.p256OrdSqr;crypto/internal/fips140/ecdsa.Sign[go.shape.*uint8];main.f": 10e6, "main.f": 30e6}, 0.25, 4},
		// The primitive is what allocates: its malloc is the crypto's.
		{"a primitive deeper, malloc at the leaf", map[string]int64{"runtime.mallocgc;crypto/internal/fips140/bigmod.NewNat;crypto/ecdh.(*PrivateKey).ECDH;crypto/tls.(*Conn).Handshake;main.g": 20e6, "main.g": 20e6}, 0.5, 4},
		// A TLS record's sealing is crypto; its socket write is not.
		{"TLS sealing a record", map[string]int64{"crypto/internal/fips140/aes/gcm.gcmAesEnc;crypto/cipher.(*gcmWithRandomNonce).Seal;crypto/tls.(*Conn).writeRecordLocked;main.w": 10e6, "main.w": 10e6}, 0.5, 2},
		{"a syscall under crypto/tls.(*Conn).write", map[string]int64{"internal/runtime/syscall/linux.Syscall6;syscall.write;internal/poll.(*FD).Write;net.(*conn).Write;crypto/tls.(*Conn).write;crypto/tls.(*Conn).writeRecordLocked;main.w": 30e6, "crypto/sha256.Sum256;main.w": 10e6}, 0.25, 4},
		{"a TCP accept under crypto/tls's listener", map[string]int64{"syscall.accept4;net.(*TCPListener).Accept;crypto/tls.(*listener).Accept;main.s": 10e6}, 0, 1},
		{"x509 parsing alone", map[string]int64{"runtime.mallocgc;vendor/golang.org/x/crypto/cryptobyte.(*String).ReadASN1;crypto/x509.parseCertificate;crypto/x509.ParseCertificate;main.p": 10e6, "crypto/x509.parseName;main.p": 10e6}, 0, 2},
		// x509's signature check calls a primitive: that counts.
		{"x509 checking a signature", map[string]int64{"crypto/internal/fips140/nistec.(*P256Point).ScalarMult;crypto/ecdsa.VerifyASN1;crypto/x509.checkSignature;main.p": 10e6}, 1, 1},
		{"no crypto", map[string]int64{"syscall.write;main.h": 50e6}, 0, 5},
		// The project's AES-CMAC and X9.63 KDF are primitives: their own
		// loops and buffers count, not only the AES and SHA-256 under them.
		// SCP03t's segment layout around them does not.
		{"the project's CMAC and KDF", map[string]int64{
			"github.com/esimhil/esimhil/emulators/rsp.dbl;github.com/esimhil/esimhil/emulators/rsp.cmacBlock;github.com/esimhil/esimhil/emulators/rsp.(*SCP03t).Unwrap": 10e6,
			"runtime.mallocgc;github.com/esimhil/esimhil/emulators/rsp.cmacBlock;github.com/esimhil/esimhil/emulators/rsp.(*SCP03t).Wrap":                               10e6,
			"runtime.mallocgc;github.com/esimhil/esimhil/emulators/rsp.X963KDF;github.com/esimhil/esimhil/emulators/rsp.DeriveSessionKeys":                              10e6,
			"runtime.memmove;github.com/esimhil/esimhil/emulators/rsp.(*SCP03t).macInput;github.com/esimhil/esimhil/emulators/rsp.(*SCP03t).Wrap":                       10e6,
		}, 0.75, 4},
		// A package whose path merely holds "crypto" is not Go's crypto.
		{"a path that merely contains crypto", map[string]int64{"github.com/x/cryptoshare.Of": 10e6, "golang.org/x/crypto/cryptobyte.(*Builder).AddUint8": 10e6, "crypto/sha256x.F": 10e6, "crypto/sha256.Sum256": 10e6}, 0.25, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := Split(cpuProfile(t, tc.samples))
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(sh.Crypto-tc.share) > 1e-9 || sh.Samples != tc.n {
				t.Errorf("crypto %v, %d samples; want %v, %d", sh.Crypto, sh.Samples, tc.share, tc.n)
			}
		})
	}
}

// TestSplit: the non-crypto time is the transport's when the first frame
// from the leaf that is not the runtime's moves bytes, the runtime's when
// there is none, and the rest is the other work (the program's logic and
// codecs, with their allocation).
func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name                             string
		samples                          map[string]int64
		crypto, transport, runtime, rest float64
	}{
		{"a socket write under TLS", map[string]int64{"internal/runtime/syscall/linux.Syscall6;syscall.write;internal/poll.(*FD).Write;net.(*conn).Write;crypto/tls.(*Conn).write;main.w": 10e6}, 0, 1, 0, 0},
		{"TLS sealing a record is crypto", map[string]int64{"crypto/internal/fips140/aes/gcm.gcmAesEnc;crypto/cipher.(*gcmWithRandomNonce).Seal;crypto/tls.(*Conn).writeRecordLocked;main.w": 10e6}, 1, 0, 0, 0},
		{"HTTP header parsing, malloc at the leaf", map[string]int64{"runtime.mallocgc;net/textproto.(*Reader).ReadMIMEHeader;net/http.readRequest;net/http.(*conn).serve": 10e6}, 0, 1, 0, 0},
		// A handler's own work is the program's, though HTTP called it.
		{"a handler's logic under net/http", map[string]int64{"runtime.mallocgc;main.encode;main.handler;net/http.HandlerFunc.ServeHTTP;net/http.(*conn).serve": 10e6}, 0, 0, 0, 1},
		{"the collector's worker", map[string]int64{"runtime.scanObject;runtime.gcDrain;runtime.gcBgMarkWorker": 10e6}, 0, 0, 1, 0},
		{"a lock in the program's code", map[string]int64{"internal/sync.(*Mutex).Lock;sync.(*Mutex).Lock;main.f": 10e6}, 0, 0, 0, 1},
		{"a package merely named like one", map[string]int64{"netx.F;main.f": 10e6, "iox.G": 10e6}, 0, 0, 0, 1},
		{"a mix", map[string]int64{"crypto/ecdsa.Verify;main.f": 40e6, "syscall.read;main.f": 20e6, "runtime.schedule": 10e6, "encoding/json.Marshal;main.f": 30e6}, 0.4, 0.2, 0.1, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := Split(cpuProfile(t, tc.samples))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"crypto", sh.Crypto, tc.crypto}, {"transport", sh.Transport, tc.transport}, {"runtime", sh.Runtime, tc.runtime}, {"other", sh.Other, tc.rest}} {
				if math.Abs(c.got-c.want) > 1e-9 {
					t.Errorf("%s %v, want %v (%+v)", c.what, c.got, c.want, sh)
				}
			}
		})
	}
}

func TestPrimitive(t *testing.T) {
	for _, tc := range []struct {
		fn   string
		want bool
	}{
		{"crypto/internal/fips140/nistec.(*P256Point).ScalarMult", true},
		{"crypto/internal/fips140/ecdsa.signGeneric[go.shape.*crypto/internal/fips140/nistec.P256Point]", true},
		{"crypto/internal/fips140/sha256.blockAVX2", true},
		{"crypto/internal/sysrand.Read", true},
		{"crypto/ecdsa.VerifyASN1", true},
		{"crypto/aes.NewCipher", true},
		{"crypto/cipher.(*gcmWithRandomNonce).Seal", true},
		{"crypto/sha512.New", true},
		{"crypto/rand.Read", true},
		{"crypto/mlkem.GenerateKey768", true},
		{"vendor/golang.org/x/crypto/chacha20poly1305.(*chacha20poly1305).Seal", true},
		{"crypto/tls.(*Conn).write", false},
		{"crypto/tls.(*listener).Accept", false},
		{"crypto/tls.(*Conn).Handshake", false},
		{"crypto/x509.ParseCertificate", false},
		{"crypto.Hash.New", false},
		{"vendor/golang.org/x/crypto/cryptobyte.(*String).ReadASN1", false},
		{"golang.org/x/crypto/cryptobyte.(*String).ReadASN1", false},
		{"crypto/sha256x.F", false},
		{"crypto/aes", false},
		{"github.com/x/crypto/aes.F", false},
		{"runtime.mallocgc", false},
	} {
		if got := Primitive(tc.fn); got != tc.want {
			t.Errorf("Primitive(%q) = %v, want %v", tc.fn, got, tc.want)
		}
	}
}

func TestSplitRefusesWhatIsNotAProfile(t *testing.T) {
	if _, err := Split(strings.NewReader("not a profile")); err == nil || !strings.Contains(err.Error(), "cpu profile") {
		t.Errorf("err = %v", err)
	}
}

// recorder is a metrics that keeps what a benchmark would report and log.
type recorder struct {
	metrics map[string]float64
	logs    []string
}

func (r *recorder) ReportMetric(n float64, unit string) { r.metrics[unit] = n }
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func TestReport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples map[string]int64
		runs    int
		metrics map[string]float64
		log     string // a part of the one log line, "" for none
	}{
		// -benchtime=1x: one download, one sample, all of it crypto.
		{"one sample", map[string]int64{"crypto/ecdsa.Verify;main.f": 10e6}, 1, nil, "1 profile samples from 1 runs, fewer than the 100 it needs (a longer -benchtime"},
		{"no sample", nil, 1, nil, "0 profile samples from 1 runs"},
		{"just below the minimum", map[string]int64{"crypto/ecdsa.Verify;main.f": 50e6, "main.f": 940e6}, 3, nil, "99 profile samples from 3 runs"},
		{"at the minimum", map[string]int64{"crypto/ecdsa.Verify;main.f": 250e6, "main.f": 500e6, "syscall.write;main.f": 200e6, "runtime.gcBgMarkWorker": 50e6}, 300,
			map[string]float64{"%crypto": 25, "non-crypto/crypto": 3, "%transport": 20, "%runtime": 5, "other/crypto": 2, "profile-samples": 100}, ""},
		{"enough samples, none in crypto", map[string]int64{"crypto/tls.(*Conn).write;main.f": 500e6, "main.f": 1500e6}, 300, nil, "none of the 200 profile samples from 300 runs has a cryptographic primitive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := Split(cpuProfile(t, tc.samples))
			if err != nil {
				t.Fatal(err)
			}
			r := &recorder{metrics: map[string]float64{}}
			report(r, sh, tc.runs)
			if len(r.metrics) != len(tc.metrics) {
				t.Errorf("metrics %v, want %v", r.metrics, tc.metrics)
			}
			for unit, want := range tc.metrics {
				if got, ok := r.metrics[unit]; !ok || math.Abs(got-want) > 1e-9 {
					t.Errorf("%s = %v (reported: %v), want %v", unit, got, ok, want)
				}
			}
			switch {
			case tc.log == "" && len(r.logs) > 0:
				t.Errorf("logged %q, want nothing", r.logs)
			case tc.log != "" && (len(r.logs) != 1 || !strings.Contains(r.logs[0], tc.log)):
				t.Errorf("logged %q, want one line with %q", r.logs, tc.log)
			}
		})
	}
}
