package rsp

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
)

const bppEID = "89049032123451234512345678901235"

type bppFixture struct {
	dppb   *ecdsa.PrivateKey
	otsk   *ecdh.PrivateKey
	txID   []byte
	meta   ProfileMetadata
	params BPPParams
}

func newBPPFixture(t testing.TB) *bppFixture {
	t.Helper()
	dppb, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otsk, err := NewOneTimeKey()
	if err != nil {
		t.Fatal(err)
	}
	meta := ProfileMetadata{ICCID: "89331000000000000037", ServiceProviderName: "sfr", ProfileName: "SFR", IMSI: "208100000000035", Size: 30000}
	f := &bppFixture{dppb: dppb, otsk: otsk, txID: []byte{0xCA, 0xFE, 0, 1}, meta: meta}
	f.params = BPPParams{TransactionID: f.txID, DPpb: dppb, EuiccOtpk: otsk.PublicKey().Bytes(), EID: bppEID,
		HostID: []byte("smdp.sfr.test"), Metadata: meta, Elements: ProfileElements(meta).Encode(), SegmentSize: 16}
	return f
}

func (f *bppFixture) session() LoaderSession {
	return LoaderSession{TransactionID: f.txID, OneTimeKey: f.otsk, DPpb: &f.dppb.PublicKey, EID: bppEID}
}

func (f *bppFixture) segments(t testing.TB, p BPPParams) [][]byte {
	t.Helper()
	b, err := BuildBPP(p)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := BPPSegments(b)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// load feeds segments and returns the first error (or nil when done).
func load(l *BPPLoader, segs [][]byte) error {
	for i, s := range segs {
		done, err := l.Load(s)
		if err != nil {
			return err
		}
		if done != (i == len(segs)-1) {
			return errors.New("done at the wrong segment")
		}
	}
	if !l.Done() {
		return errors.New("not done after the last segment")
	}
	return nil
}

func TestBPPInstall(t *testing.T) {
	f := newBPPFixture(t)
	for _, ppk := range []*SessionKeys{nil, {MCV: bytes.Repeat([]byte{1}, 16), ENC: bytes.Repeat([]byte{2}, 16), MAC: bytes.Repeat([]byte{3}, 16)}} {
		p := f.params
		p.PPK = ppk
		segs := f.segments(t, p)
		// BF36+BF23, A0+87, A1, 88, [A2+87], A3, several 86.
		if segs[0][0] != 0xBF || segs[0][1] != 0x36 || segs[2][0] != 0xA1 || len(segs) < 7 {
			t.Fatalf("segments %d, first bytes %X %X", len(segs), segs[0][:2], segs[2][:1])
		}
		l := NewBPPLoader(f.session())
		if err := load(l, segs); err != nil {
			t.Fatalf("ppk %v: %v", ppk != nil, err)
		}
		meta, pe := l.Result()
		if meta != f.meta || ProfileMetadata(pe) != f.meta {
			t.Errorf("result %+v %+v", meta, pe)
		}
		if _, err := l.Load(segs[len(segs)-1]); err == nil {
			t.Error("segment after the end accepted")
		}
	}
}

func TestBPPRefusals(t *testing.T) {
	f := newBPPFixture(t)
	segs := f.segments(t, f.params)
	n := len(segs)
	flip := func(i, off int) [][]byte {
		out := append([][]byte{}, segs...)
		out[i] = append([]byte{}, segs[i]...)
		out[i][len(out[i])-off] ^= 0x01
		return out
	}
	other := newBPPFixture(t)
	wrongTx := f.params
	wrongTx.TransactionID = []byte{1, 2, 3}
	otherDP := f.params
	otherDP.DPpb = other.dppb
	mismatch := f.params
	m2 := f.meta
	m2.IMSI = "208100000000099"
	mismatch.Elements = ProfileElements(m2).Encode()
	tests := []struct {
		name        string
		session     LoaderSession
		segs        [][]byte
		cmd, reason int
	}{
		{"tampered BF23 signature", f.session(), flip(0, 1), BPPCmdInitialiseSecureChannel, ReasonInvalidSignature},
		{"tampered 87", f.session(), flip(1, 1), BPPCmdConfigureISDP, ReasonSCP03tSecurityError},
		{"tampered metadata 88", f.session(), flip(3, 12), BPPCmdStoreMetadata, ReasonSCP03tSecurityError},
		{"tampered 86", f.session(), flip(n-1, 9), BPPCmdLoadProfileElements, ReasonSCP03tSecurityError},
		{"reordered 86", f.session(), append(append([][]byte{}, segs[:n-2]...), segs[n-1], segs[n-2]), BPPCmdLoadProfileElements, ReasonSCP03tSecurityError},
		{"replayed 86", f.session(), append(append([][]byte{}, segs[:n-2]...), segs[n-3], segs[n-1]), BPPCmdLoadProfileElements, ReasonSCP03tSecurityError},
		{"other card", LoaderSession{TransactionID: f.txID, OneTimeKey: other.otsk, DPpb: &f.dppb.PublicKey, EID: bppEID}, segs, BPPCmdInitialiseSecureChannel, ReasonInvalidSignature},
		{"other session", f.session(), f.segments(t, wrongTx), BPPCmdInitialiseSecureChannel, ReasonInvalidTransactionID},
		{"other SM-DP+ key", f.session(), f.segments(t, otherDP), BPPCmdInitialiseSecureChannel, ReasonInvalidSignature},
		{"other EID keys", LoaderSession{TransactionID: f.txID, OneTimeKey: f.otsk, DPpb: &f.dppb.PublicKey, EID: "89049032123451234512345678901244"}, segs, BPPCmdConfigureISDP, ReasonSCP03tSecurityError},
		{"data mismatch", f.session(), f.segments(t, mismatch), BPPCmdLoadProfileElements, ReasonDataMismatch},
		{"87 before BF23", f.session(), segs[1:], BPPCmdInitialiseSecureChannel, ReasonSCP03tStructureError},
		{"metadata skipped", f.session(), append([][]byte{segs[0], segs[1]}, segs[4:]...), BPPCmdConfigureISDP, ReasonSCP03tStructureError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := load(NewBPPLoader(tc.session), tc.segs)
			var be *BPPError
			if !errors.As(err, &be) || be.CommandID != tc.cmd || be.Reason != tc.reason {
				t.Fatalf("got %v, want command %d reason %d", err, tc.cmd, tc.reason)
			}
		})
	}
}

func TestBPPTruncated(t *testing.T) {
	f := newBPPFixture(t)
	b, err := BuildBPP(f.params)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BPPSegments(b[:len(b)-5]); !errors.Is(err, ErrDecode) {
		t.Errorf("truncated bytes: %v", err)
	}
	segs, _ := BPPSegments(b)
	l := NewBPPLoader(f.session())
	for _, s := range segs[:len(segs)-1] {
		if _, err := l.Load(s); err != nil {
			t.Fatal(err)
		}
	}
	if l.Done() {
		t.Fatal("done without the last segment")
	}
}

func TestBPPMemoryCheck(t *testing.T) {
	f := newBPPFixture(t)
	s := f.session()
	s.CheckMetadata = func(m ProfileMetadata) int {
		if m.Size > 1000 {
			return ReasonInsufficientMemory
		}
		return 0
	}
	err := load(NewBPPLoader(s), f.segments(t, f.params))
	var be *BPPError
	if !errors.As(err, &be) || be.CommandID != BPPCmdStoreMetadata || be.Reason != ReasonInsufficientMemory {
		t.Fatalf("got %v", err)
	}
}
