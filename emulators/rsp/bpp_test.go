package rsp

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

const bppEID = "89049032123451234512345678901235"

// bppProfile is the profile the fixture's package installs.
var bppProfile = saip.Profile{ICCID: "89331000000000000037", ProfileType: "SFR test profile", IMSI: "208100000000035",
	MNCLen: 2, SPN: "SFR", OperatorPLMNs: []string{"20810"}, PIN1: "0000", PUK1: "12345678", ADM1: "88888888",
	Ki: bytes.Repeat([]byte{0x11}, 16), OPc: bytes.Repeat([]byte{0x22}, 16)}

func mustPackage(t testing.TB, p saip.Profile) []byte {
	t.Helper()
	b, err := saip.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type bppFixture struct {
	dppb   *ecdsa.PrivateKey
	otsk   *ecdh.PrivateKey
	txID   []byte
	meta   es10.ProfileMetadata
	params BPPParams
}

func newBPPFixture(t testing.TB) *bppFixture {
	t.Helper()
	dppb, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otsk, err := NewOneTimeKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	meta := es10.ProfileMetadata{ICCID: bppProfile.ICCID, ServiceProviderName: "sfr", ProfileName: "SFR test profile",
		Class: es10.ClassOperational, Owner: &es10.OperatorID{PLMN: "20810"}}
	f := &bppFixture{dppb: dppb, otsk: otsk, txID: []byte{0xCA, 0xFE, 0, 1}, meta: meta}
	f.params = BPPParams{TransactionID: f.txID, DPpb: dppb, EuiccOtpk: otsk.PublicKey().Bytes(), EID: bppEID,
		HostID: []byte("smdp.sfr.test"), Metadata: meta, Package: mustPackage(t, bppProfile), SegmentSize: 200}
	return f
}

func (f *bppFixture) session() LoaderSession {
	return LoaderSession{TransactionID: f.txID, OneTimeKey: f.otsk, DPpb: &f.dppb.PublicKey, EID: bppEID, FreeNVM: func() int { return 1 << 20 }}
}

func (f *bppFixture) segments(t testing.TB, p BPPParams) [][]byte {
	t.Helper()
	b, err := BuildBPP(p)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := es10.BPPSegments(b)
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
		meta, pkg := l.Result()
		if !reflect.DeepEqual(meta, f.meta) || pkg.Profile.ICCID != bppProfile.ICCID || pkg.Profile.IMSI != bppProfile.IMSI ||
			pkg.Size != len(p.Package) || pkg.Size < 1024 {
			t.Errorf("result %+v, package %+v", meta, pkg)
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
	flipIn := func(segs [][]byte, i, off int) [][]byte {
		out := append([][]byte{}, segs...)
		out[i] = append([]byte{}, segs[i]...)
		out[i][len(out[i])-off] ^= 0x01
		return out
	}
	flip := func(i, off int) [][]byte { return flipIn(segs, i, off) }
	// With ReplaceSessionKeys (secondSequenceOf87, A2 + its 87): the new
	// keys come under the session's MAC like any other command.
	withPPK := f.params
	withPPK.PPK = &SessionKeys{MCV: bytes.Repeat([]byte{1}, 16), ENC: bytes.Repeat([]byte{2}, 16), MAC: bytes.Repeat([]byte{3}, 16)}
	ppkSegs := f.segments(t, withPPK)
	a2 := slices.IndexFunc(ppkSegs, func(s []byte) bool { return s[0] == 0xA2 })
	if a2 < 0 {
		t.Fatal("no secondSequenceOf87 in a package with ReplaceSessionKeys")
	}
	other := newBPPFixture(t)
	wrongTx := f.params
	wrongTx.TransactionID = []byte{1, 2, 3}
	otherDP := f.params
	otherDP.DPpb = other.dppb
	mismatch := f.params
	other2 := bppProfile
	other2.ICCID = "89331000000000000045"
	mismatch.Package = mustPackage(t, other2)
	malformed := f.params
	malformed.Package = append(append([]byte{}, f.params.Package[:40]...), 0x30, 0x05, 0x01)
	testClass := f.params
	testClass.Metadata.Class = es10.ClassTest
	noEnd := f.params
	noEnd.Package = f.params.Package[:len(f.params.Package)-7] // PE-End is AA 05 A0 03 81 01 08
	tests := []struct {
		name        string
		session     LoaderSession
		segs        [][]byte
		cmd, reason int
	}{
		{"tampered BF23 signature", f.session(), flip(0, 1), es10.BPPCmdInitialiseSecureChannel, es10.ReasonInvalidSignature},
		{"tampered 87", f.session(), flip(1, 1), es10.BPPCmdConfigureISDP, es10.ReasonSCP03tSecurityError},
		{"tampered metadata 88", f.session(), flip(3, 12), es10.BPPCmdStoreMetadata, es10.ReasonSCP03tSecurityError},
		{"tampered 86", f.session(), flip(n-1, 9), es10.BPPCmdLoadProfileElements, es10.ReasonSCP03tSecurityError},
		{"tampered ReplaceSessionKeys MAC", f.session(), flipIn(ppkSegs, a2, 1), es10.BPPCmdReplaceSessionKeys, es10.ReasonSCP03tSecurityError},
		{"tampered ReplaceSessionKeys data", f.session(), flipIn(ppkSegs, a2, 9), es10.BPPCmdReplaceSessionKeys, es10.ReasonSCP03tSecurityError},
		{"reordered 86", f.session(), append(append([][]byte{}, segs[:n-2]...), segs[n-1], segs[n-2]), es10.BPPCmdLoadProfileElements, es10.ReasonSCP03tSecurityError},
		{"replayed 86", f.session(), append(append([][]byte{}, segs[:n-2]...), segs[n-3], segs[n-1]), es10.BPPCmdLoadProfileElements, es10.ReasonSCP03tSecurityError},
		{"other card", LoaderSession{TransactionID: f.txID, OneTimeKey: other.otsk, DPpb: &f.dppb.PublicKey, EID: bppEID}, segs, es10.BPPCmdInitialiseSecureChannel, es10.ReasonInvalidSignature},
		{"other session", f.session(), f.segments(t, wrongTx), es10.BPPCmdInitialiseSecureChannel, es10.ReasonInvalidTransactionID},
		{"other SM-DP+ key", f.session(), f.segments(t, otherDP), es10.BPPCmdInitialiseSecureChannel, es10.ReasonInvalidSignature},
		{"other EID keys", LoaderSession{TransactionID: f.txID, OneTimeKey: f.otsk, DPpb: &f.dppb.PublicKey, EID: "89049032123451234512345678901332"}, segs, es10.BPPCmdConfigureISDP, es10.ReasonSCP03tSecurityError},
		{"package for another ICCID", f.session(), f.segments(t, mismatch), es10.BPPCmdLoadProfileElements, es10.ReasonDataMismatch},
		{"malformed profile element", f.session(), f.segments(t, malformed), es10.BPPCmdLoadProfileElements, es10.ReasonPEProcessingError},
		{"package without End", f.session(), f.segments(t, noEnd), es10.BPPCmdLoadProfileElements, es10.ReasonPEProcessingError},
		{"test profile class", f.session(), f.segments(t, testClass), es10.BPPCmdStoreMetadata, es10.ReasonUnsupportedProfileClass},
		{"87 before BF23", f.session(), segs[1:], es10.BPPCmdInitialiseSecureChannel, es10.ReasonSCP03tStructureError},
		// The command due fails, not the one before it, which succeeded
		// (outside tester sw74).
		{"metadata skipped", f.session(), append([][]byte{segs[0], segs[1]}, segs[4:]...), es10.BPPCmdStoreMetadata, es10.ReasonSCP03tStructureError},
		{"profile elements before the metadata", f.session(), append([][]byte{segs[0], segs[1], segs[n-2]}, segs[2:]...), es10.BPPCmdStoreMetadata, es10.ReasonSCP03tStructureError},
		{"metadata twice", f.session(), append(append([][]byte{}, segs[:4]...), segs[2:]...), es10.BPPCmdLoadProfileElements, es10.ReasonSCP03tStructureError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := load(NewBPPLoader(tc.session), tc.segs)
			var be *BPPError
			if !errors.As(err, &be) || be.CommandID != tc.cmd || be.Reason != tc.reason {
				t.Fatalf("got %v%s, want %s", err, refusalOf(be), bppRefusal(tc.cmd, tc.reason))
			}
		})
	}
}

// bppRefusal names a refusal's bppCommandId and errorReason with their
// SGP.22 names beside the numbers (§2.5.6: "bppCommandId 4
// loadProfileElements, errorReason 8 scp03tSecurityError"), so a failing
// row reads without the ASN.1 module at hand.
func bppRefusal(cmd, reason int) string {
	return es10.Named("bppCommandId", cmd, es10.BPPCommandName(cmd)) + ", " + es10.Named("errorReason", reason, es10.ReasonName(reason))
}

// refusalOf is bppRefusal of the refusal got, in parentheses ("" for none).
func refusalOf(be *BPPError) string {
	if be == nil {
		return ""
	}
	return " (" + bppRefusal(be.CommandID, be.Reason) + ")"
}

func TestBPPTruncated(t *testing.T) {
	f := newBPPFixture(t)
	b, err := BuildBPP(f.params)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := es10.BPPSegments(b[:len(b)-5]); !errors.Is(err, es10.ErrDecode) {
		t.Errorf("truncated bytes: %v", err)
	}
	segs, _ := es10.BPPSegments(b)
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

// The package is refused while it loads once it outgrows the free memory
// (SGP.22 §2.5.6 installFailedDueToInsufficientMemoryForProfile).
func TestBPPMemoryCheck(t *testing.T) {
	f := newBPPFixture(t)
	s := f.session()
	asked := 0
	free := func(n int) func() int { return func() int { asked++; return n } }
	s.FreeNVM = free(len(f.params.Package) - 1)
	err := load(NewBPPLoader(s), f.segments(t, f.params))
	var be *BPPError
	if !errors.As(err, &be) || be.CommandID != es10.BPPCmdLoadProfileElements || be.Reason != es10.ReasonInsufficientMemory {
		t.Fatalf("got %v%s, want %s", err, refusalOf(be), bppRefusal(es10.BPPCmdLoadProfileElements, es10.ReasonInsufficientMemory))
	}
	s.FreeNVM = free(len(f.params.Package))
	if err := load(NewBPPLoader(s), f.segments(t, f.params)); err != nil {
		t.Fatalf("exactly enough memory: %v", err)
	}
	// Asked once a load, when the profile elements come (where an
	// injected shortage is logged), not for every segment.
	if asked != 2 {
		t.Errorf("free memory asked %d times in two loads", asked)
	}
}

// A refused package's EUICCResponse says which element failed and why: a
// PE-AKAParameter whose Milenage key is 15 bytes is bad-values (3) for
// element 8 (Build numbers the AKA element 8).
func TestBPPSimaResponse(t *testing.T) {
	f := newBPPFixture(t)
	pes, err := tlv.Parse(f.params.Package)
	if err != nil {
		t.Fatal(err)
	}
	for i, pe := range pes {
		if pe.Tag != saip.TagAKAParameter {
			continue
		}
		algo := tlv.Constructed(0xA1, tlv.Uint(0x80, 1), tlv.New(0x81, []byte{0}), tlv.New(0x82, make([]byte, 15)), tlv.New(0x83, make([]byte, 16)))
		cs, _ := pe.Children()
		pes[i] = tlv.Constructed(pe.Tag, cs[0], tlv.Constructed(0xA1, algo))
	}
	p := f.params
	p.Package = tlv.Encode(pes...)
	err = load(NewBPPLoader(f.session()), f.segments(t, p))
	var be *BPPError
	if !errors.As(err, &be) || be.Reason != es10.ReasonPEProcessingError || be.SimaResponse == nil {
		t.Fatalf("got %v%s, want %s with a simaResponse", err, refusalOf(be), es10.Named("errorReason", es10.ReasonPEProcessingError, es10.ReasonName(es10.ReasonPEProcessingError)))
	}
	rs, err := saip.DecodeEUICCResponses(be.SimaResponse)
	if err != nil || len(rs) != 1 || !rs[0].Aborted || rs[0].Status[0].Status != saip.StatusBadValues || rs[0].Status[0].ID != 8 {
		t.Fatalf("simaResponse %X: %+v, %v", be.SimaResponse, rs, err)
	}
}

// Every STORE DATA sequence of a segmented package is named as its part
// (what a trace reader shows), in the order SGP.22 §2.5.5 sends them;
// ordinary ES10 requests and a cut segment are not segments.
func TestSegmentNames(t *testing.T) {
	f := newBPPFixture(t)
	segs := f.segments(t, f.params)
	var names []string
	for i, s := range segs {
		n := es10.SegmentName(s)
		if n == "" {
			t.Fatalf("segment %d (%X…) has no name", i, s[:min(len(s), 8)])
		}
		if len(names) == 0 || names[len(names)-1] != n {
			names = append(names, n)
		}
	}
	want := []string{"LoadBoundProfilePackage: InitialiseSecureChannel",
		"LoadBoundProfilePackage: firstSequenceOf87 with its first 87",
		"LoadBoundProfilePackage: sequenceOf88, its tag and length", "LoadBoundProfilePackage: an 88 of sequenceOf88",
		"LoadBoundProfilePackage: sequenceOf86, its tag and length", "LoadBoundProfilePackage: an 86 of sequenceOf86"}
	if !slices.Equal(names, want) {
		t.Errorf("segments named\n%q\nwant\n%q", names, want)
	}
	for _, b := range [][]byte{es10.ListNotificationRequest{}.Encode(), segs[len(segs)-1][:len(segs[len(segs)-1])-1], {0xBF, 0x36}, nil} {
		if n := es10.SegmentName(b); n != "" {
			t.Errorf("%X named %q", b, n)
		}
	}
}
