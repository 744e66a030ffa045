package rsp

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"reflect"
	"runtime"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/cryptoshare"
	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// RFC 4493 §4 test vectors (AES-128).
func TestCMACRFC4493(t *testing.T) {
	key := hexdump.Bytes(t, "2b7e1516 28aed2a6 abf71588 09cf4f3c")
	msg := hexdump.Bytes(t, `6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51
		30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710`)
	tests := []struct {
		n    int
		want string
	}{
		{0, "bb1d6929 e9593728 7fa37d12 9b756746"},
		{16, "070a16b4 6b4d4144 f79bdd9d d04a287c"},
		{40, "dfa66747 de9ae630 30ca3261 1497c827"},
		{64, "51f0bebf 7e3b9d92 fc497417 79363cfe"},
	}
	for _, tc := range tests {
		got, err := CMAC(key, msg[:tc.n])
		if err != nil {
			t.Fatal(err)
		}
		if want := hexdump.Bytes(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("CMAC(%d bytes) = %X, want %X", tc.n, got, want)
		}
	}
}

// ANSI X9.63 KDF with SHA-256, NIST CAVS vectors.
func TestX963KDF(t *testing.T) {
	tests := []struct{ z, info, want string }{
		{"96c05619d56c328ab95fe84b18264b08725b85e33fd34f08", "", "443024c3dae66b95e6f5670601558f71"},
		{"22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d", "75eef81aa3041e33b80971203d2c0c52",
			`c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6cf92f30d0097111485500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0ababc11f0bd496269142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd7e386128ec26afc21`},
	}
	for _, tc := range tests {
		want := hexdump.Bytes(t, tc.want)
		if got := X963KDF(hexdump.Bytes(t, tc.z), hexdump.Bytes(t, tc.info), len(want)); !bytes.Equal(got, want) {
			t.Errorf("KDF(%s) = %X, want %X", tc.z, got, want)
		}
	}
}

func TestDeriveSessionKeys(t *testing.T) {
	shs := bytes.Repeat([]byte{0x5A}, 32)
	eid := es10.EIDBytes("89049032123451234512345678901235")
	k := DeriveSessionKeys(shs, []byte("SMDP"), eid)
	if len(k.MCV) != 16 || len(k.ENC) != 16 || len(k.MAC) != 16 {
		t.Fatalf("key lengths %d %d %d", len(k.MCV), len(k.ENC), len(k.MAC))
	}
	all := X963KDF(shs, hexdump.Bytes(t, "88 10 04 534D4450 10 89049032123451234512345678901235"), 48)
	if !bytes.Equal(append(append(append([]byte{}, k.MCV...), k.ENC...), k.MAC...), all) {
		t.Errorf("keys are not KDF(ShS, keyType‖keyLen‖LV(host)‖LV(EID)) split 16/16/16")
	}
	if k2 := DeriveSessionKeys(shs, []byte("SMDP"), eid); !bytes.Equal(k.ENC, k2.ENC) {
		t.Error("derivation is not deterministic")
	}
	if k3 := DeriveSessionKeys(shs, []byte("SMDP"), es10.EIDBytes("89049032123451234512345678901332")); bytes.Equal(k.MAC, k3.MAC) {
		t.Error("another EID gives the same keys")
	}
}

func TestECDHRoundTrip(t *testing.T) {
	a, err := NewOneTimeKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ecdh.P256().GenerateKey(rand.Reader)
	s1, err := SharedSecret(a, b.PublicKey().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	s2, err := SharedSecret(b, a.PublicKey().Bytes())
	if err != nil || !bytes.Equal(s1, s2) || len(s1) != 32 {
		t.Fatalf("ShS differ or wrong length: %X %X %v", s1, s2, err)
	}
	if _, err := SharedSecret(a, []byte{4, 1, 2}); err == nil {
		t.Error("accepted a malformed point")
	}
}

func TestSCP03tChain(t *testing.T) {
	k := DeriveSessionKeys(bytes.Repeat([]byte{1}, 32), []byte("H"), make([]byte, 16))
	tx, _ := NewSCP03t(k)
	var segs [][]byte
	payloads := [][]byte{[]byte("first"), bytes.Repeat([]byte{7}, 16), {}, []byte("metadata")}
	for i, p := range payloads {
		segs = append(segs, tx.Wrap(0x86, p, i != 3))
	}
	rx, _ := NewSCP03t(k)
	for i, s := range segs {
		obj, _, _ := tlv.ParseOne(s)
		got, err := rx.Unwrap(obj, i != 3)
		if err != nil || !bytes.Equal(got, payloads[i]) {
			t.Fatalf("segment %d: %X %v", i, got, err)
		}
	}
	// Out of order: the second segment first fails the MAC chain.
	rx, _ = NewSCP03t(k)
	obj, _, _ := tlv.ParseOne(segs[1])
	if _, err := rx.Unwrap(obj, true); err == nil {
		t.Error("reordered segment accepted")
	}
	// The encrypted payload is not the plaintext.
	if bytes.Contains(segs[0], []byte("first")) {
		t.Error("payload travels in clear")
	}
}

// A seeded source gives the same bytes for the same seed and label and
// others for another; one-time keys drawn from it follow; signatures are
// RFC 6979's (the same key and data, the same bytes) and verify.
func TestSeededRandomnessAndDeterministicSignatures(t *testing.T) {
	read := func(seed int64, label string) []byte {
		b := make([]byte, 48)
		if err := Nonce(SeededRandom(seed, label), b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read(1, "card"), read(1, "card")) || bytes.Equal(read(1, "card"), read(2, "card")) || bytes.Equal(read(1, "card"), read(1, "smdp")) {
		t.Error("SeededRandom does not follow its seed and label")
	}
	k1, err1 := NewOneTimeKey(SeededRandom(3, "k"))
	k2, err2 := NewOneTimeKey(SeededRandom(3, "k"))
	k3, err3 := NewOneTimeKey(nil)
	if err1 != nil || err2 != nil || err3 != nil || !k1.Equal(k2) || k1.Equal(k3) {
		t.Errorf("one-time keys: seeded equal %v, crypto/rand's other %v (%v %v %v)", k1.Equal(k2), !k1.Equal(k3), err1, err2, err3)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s1, err1 := Sign(key, []byte("euiccSigned1"))
	s2, err2 := Sign(key, []byte("euiccSigned1"))
	s3, err3 := Sign(key, []byte("euiccSigned2"))
	if err1 != nil || err2 != nil || err3 != nil || !bytes.Equal(s1, s2) || bytes.Equal(s1, s3) {
		t.Fatalf("signatures: %x %x %x (%v %v %v)", s1, s2, s3, err1, err2, err3)
	}
	if err := Verify(&key.PublicKey, []byte("euiccSigned1"), s1); err != nil {
		t.Errorf("a deterministic signature does not verify: %v", err)
	}
}

// TestOwnPrimitivesCountAsCrypto: the download benchmarks' crypto share
// (internal/cryptoshare) names this package's AES-CMAC and X9.63 KDF as
// primitives by their functions' names; a rename would quietly move their
// CPU to the non-crypto side.
func TestOwnPrimitivesCountAsCrypto(t *testing.T) {
	for _, fn := range []any{CMAC, cmacBlock, dbl, X963KDF} {
		name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
		if !cryptoshare.Primitive(name) {
			t.Errorf("%s is not a primitive to internal/cryptoshare (ownPrimitives)", name)
		}
	}
}
