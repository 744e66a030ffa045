// Package cryptoshare measures the share of a CPU profile spent in Go's
// cryptographic primitives (Primitive): the floor the download benchmarks
// compare the rest of the work against (non-crypto/crypto).
package cryptoshare

import (
	"bytes"
	"fmt"
	"io"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// primitives are the packages of Go's cryptographic primitives (besides
// crypto/internal/..., where FIPS 140's nistec, bigmod, aes, gcm, sha*,
// hmac, hkdf, ecdsa, ecdh, drbg and the TLS PRFs live, and sysrand), with
// the ChaCha20-Poly1305 TLS may use from the standard library's vendored
// x/crypto. Not crypto/tls, crypto/x509, vendored cryptobyte, nor the
// root package crypto: their own frames are protocol, parsing, socket I/O
// and glue.
var primitives = []string{
	"crypto/aes", "crypto/cipher", "crypto/des", "crypto/dsa", "crypto/ecdh",
	"crypto/ecdsa", "crypto/ed25519", "crypto/elliptic", "crypto/hkdf",
	"crypto/hmac", "crypto/hpke", "crypto/md5", "crypto/mlkem", "crypto/pbkdf2",
	"crypto/rand", "crypto/rc4", "crypto/rsa", "crypto/sha1", "crypto/sha256",
	"crypto/sha3", "crypto/sha512", "crypto/subtle",
	"vendor/golang.org/x/crypto/chacha20", "vendor/golang.org/x/crypto/chacha20poly1305",
	"vendor/golang.org/x/crypto/internal/poly1305",
}

// ownPrimitives are the primitives this project implements itself, over
// crypto/aes and crypto/sha256 (emulators/rsp): AES-CMAC (NIST SP
// 800-38B: the subkeys' doubling and the chaining loop) and the ANSI
// X9.63 KDF of SCP03t's session keys. Their own frames — the XOR loop,
// the subkeys, the blocks' buffers — are the primitive's work as much as
// the AES calls under them. SCP03t's segment layout (Wrap, Unwrap) and
// the signature's r‖s encoding (rsp.Sign, rsp.Verify) are protocol, not
// primitives, and are not listed.
var ownPrimitives = []string{
	"github.com/esimhil/esimhil/emulators/rsp.CMAC",
	"github.com/esimhil/esimhil/emulators/rsp.cmacBlock",
	"github.com/esimhil/esimhil/emulators/rsp.dbl",
	"github.com/esimhil/esimhil/emulators/rsp.X963KDF",
}

// Primitive says whether fn, a function's name as a Go profile gives it
// ("crypto/internal/fips140/nistec.(*P256Point).ScalarMult"), is in a
// package of a cryptographic primitive, or is one of the project's own
// (ownPrimitives). A sample counts as crypto when a
// frame of its stack is one (Split): a TLS record's sealing counts, as it
// calls into crypto/cipher and fips140's AES-GCM, but the socket write of
// crypto/tls.(*Conn).write, a handshake's malloc or x509's parsing with no
// primitive under them do not.
func Primitive(fn string) bool {
	return strings.HasPrefix(fn, "crypto/internal/") || inPackages(fn, primitives) || slices.Contains(ownPrimitives, fn)
}

// Shares split a CPU profile's time four ways, which sum to 1: crypto
// (Primitive, anywhere on the stack), then of the rest the transport —
// the first frame from the leaf that is not the runtime's is in sockets,
// the poller, net/http, textproto, bufio or crypto/tls's record and
// handshake framing (IO) —, the runtime with no code of the program's
// on the stack (the collector's workers, the scheduler, the poller's
// wait), and the other work: the program's own logic, its codecs (ASN.1,
// TLV, JSON, base64), x509's parsing, and the allocation those do.
type Shares struct {
	Crypto, Transport, Runtime, Other float64
	Samples                           int64
}

// transport are the packages whose frames are the cost of moving bytes:
// sockets and the poller, HTTP and its header parsing, buffered I/O and
// TLS's framing. crypto/tls's primitives are crypto (counted first).
var transport = []string{"syscall", "internal/poll", "internal/runtime/syscall", "net", "bufio", "crypto/tls", "os", "io", "vendor/golang.org/x/net"}

// runtimeFrame says whether fn is the runtime's, which does a sample's
// work for the first frame above it that is not.
func runtimeFrame(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime/") && !strings.HasPrefix(fn, "internal/runtime/syscall") ||
		strings.HasPrefix(fn, "internal/sync.") || strings.HasPrefix(fn, "sync.") || strings.HasPrefix(fn, "sync/atomic.")
}

// inPackages says whether fn is a function of one of pkgs or of a
// package below one (net/http is net's), not of a package whose path
// merely starts like one (netx is not net).
func inPackages(fn string, pkgs []string) bool {
	for _, p := range pkgs {
		if rest, ok := strings.CutPrefix(fn, p); ok && rest != "" && (rest[0] == '.' || rest[0] == '/') {
			return true
		}
	}
	return false
}

// Split is Shares of a CPU profile.
func Split(r io.Reader) (Shares, error) {
	var sh Shares
	p, err := profile.Parse(r)
	if err != nil {
		return sh, fmt.Errorf("cpu profile: %w", err)
	}
	var total, crypto, trans, rt int64
	for _, s := range p.Sample {
		v := s.Value[len(s.Value)-1]
		total += v
		sh.Samples += s.Value[0]
		class := "" // of the first frame from the leaf not the runtime's
		isCrypto := false
	stack:
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				if ln.Function == nil {
					continue
				}
				name := ln.Function.Name
				if Primitive(name) {
					isCrypto = true // whatever else the stack holds
					break stack
				}
				if class == "" && !runtimeFrame(name) {
					class = "other"
					if inPackages(name, transport) {
						class = "transport"
					}
				}
			}
		}
		switch {
		case isCrypto:
			crypto += v
		case class == "transport":
			trans += v
		case class == "":
			rt += v
		}
	}
	if total == 0 {
		return sh, nil
	}
	f := func(n int64) float64 { return float64(n) / float64(total) }
	sh.Crypto, sh.Transport, sh.Runtime = f(crypto), f(trans), f(rt)
	sh.Other = f(total - crypto - trans - rt)
	return sh, nil
}

// Profiler is a CPU profile being taken of the whole process.
type Profiler struct{ buf bytes.Buffer }

// Start starts profiling the process's CPU. Only one profile can run at a
// time in a process: under go test -cpuprofile this one cannot start, and
// the error says so.
func Start() (*Profiler, error) {
	p := &Profiler{}
	if err := pprof.StartCPUProfile(&p.buf); err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return p, nil
}

// Stop ends the profile and splits it (Split).
func (p *Profiler) Stop() (Shares, error) {
	pprof.StopCPUProfile()
	return Split(&p.buf)
}

// MinSamples is the fewest profile samples a share is reported from:
// with a handful (-benchtime=1x profiles one run, 1–3 samples at 100 Hz)
// it reads 100 % or 50 %, and a ratio of 0 looks like a target met.
const MinSamples = 100

// Loop runs run as b's timed loop under a CPU profile, then untimed until
// at least minProfiled runs are profiled (a second of runs is some 200
// samples, and the share moves by points from one run of a benchmark to
// the next with fewer), and reports %crypto, non-crypto/crypto and the
// number of samples (report). With -benchtime=1x (b.N == 1) only that run
// is profiled. A profile that cannot start (go test -cpuprofile holds the
// process's one) leaves the share unreported, with a log line.
func Loop(b *testing.B, minProfiled int, run func()) {
	prof, err := Start()
	if err != nil {
		b.Logf("crypto share not measured: %v", err)
	} else {
		defer func() {
			if prof != nil { // run failed the benchmark
				_, _ = prof.Stop()
			}
		}()
	}
	b.ResetTimer()
	runs := 0
	for b.Loop() {
		run()
		runs++
	}
	b.StopTimer()
	if prof == nil {
		return
	}
	for ; b.N > 1 && runs < minProfiled; runs++ {
		run()
	}
	sh, err := prof.Stop()
	prof = nil
	if err != nil {
		b.Error(err)
		return
	}
	report(b, sh, runs)
}

// metrics is what report needs of a *testing.B.
type metrics interface {
	ReportMetric(n float64, unit string)
	Logf(format string, args ...any)
}

// report reports the shares of sh's samples, taken over runs runs:
// %crypto, non-crypto/crypto and profile-samples, and the non-crypto
// work split: %transport, %runtime and other/crypto — the work that is
// neither crypto nor moving bytes nor the bare runtime, against the
// crypto. With fewer than MinSamples samples or none in crypto it
// reports nothing but a log line that says why.
func report(m metrics, sh Shares, runs int) {
	share, n := sh.Crypto, sh.Samples
	switch {
	case n < MinSamples:
		m.Logf("crypto share not reported: %d profile samples from %d runs, fewer than the %d it needs (a longer -benchtime profiles more runs; with -benchtime=1x only the one run is)", n, runs, MinSamples)
	case share == 0:
		m.Logf("crypto share not reported: none of the %d profile samples from %d runs has a cryptographic primitive on its stack (non-crypto/crypto would be infinite)", n, runs)
	default:
		m.ReportMetric(100*share, "%crypto")
		m.ReportMetric((1-share)/share, "non-crypto/crypto")
		m.ReportMetric(100*sh.Transport, "%transport")
		m.ReportMetric(100*sh.Runtime, "%runtime")
		m.ReportMetric(sh.Other/share, "other/crypto")
		m.ReportMetric(float64(n), "profile-samples")
	}
}
