package rsp

// Card side of LoadBoundProfilePackage (SGP.22 §3.1.3.3 step "Load Bound
// Profile Package", §2.5.5 segments, §2.5.6 ProfileInstallationResult
// errors): a state machine fed one segment per STORE DATA sequence that
// checks InitialiseSecureChannel against the session, derives the session
// keys, verifies every segment's MAC in chain order and decrypts.

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// MaxBPP bounds the BoundProfilePackage length a card accepts.
const MaxBPP = 1 << 20

// BPPError is a refusal with SGP.22 bppCommandId and errorReason, as they
// go into ProfileInstallationResult errorResult.
type BPPError struct {
	CommandID int
	Reason    int
	Err       error
}

func (e *BPPError) Error() string {
	return fmt.Sprintf("bpp command %d: error reason %d: %v", e.CommandID, e.Reason, e.Err)
}

func (e *BPPError) Unwrap() error { return e.Err }

func bppErr(cmd, reason int, format string, a ...any) *BPPError {
	return &BPPError{CommandID: cmd, Reason: reason, Err: fmt.Errorf(format, a...)}
}

// LoaderSession is what the ISD-R knows of the session when the BPP comes.
type LoaderSession struct {
	TransactionID []byte
	OneTimeKey    *ecdh.PrivateKey // otSK.EUICC.ECKA made in PrepareDownload
	DPpb          *ecdsa.PublicKey // from the verified CERT.DPpb.ECDSA
	EID           string
	// CheckMetadata is consulted once StoreMetadata verifies; a non-zero
	// errorReason refuses the package (e.g. ICCID exists, out of memory).
	CheckMetadata func(ProfileMetadata) int
}

type loaderState int

const (
	stHeader  loaderState = iota // expecting BF36 header + BF23
	stFirst87                    // A0 header + 87
	stMore87                     // further 87 of A0 / A2
	stSeq88                      // A1 header
	stMore88                     // 88s
	stAfter88                    // A2 header + 87 or A3 header
	stMore86                     // 86s
	stAfterA2                    // A3 header after ReplaceSessionKeys
	stDone
	stFailed
)

// BPPLoader verifies and decrypts a bound profile package segment by
// segment. After an error or completion it refuses further segments.
type BPPLoader struct {
	s        LoaderSession
	st       loaderState
	left     int    // BF36 bytes still expected
	seqLeft  int    // bytes still expected in the current A0..A3
	seqTag   uint32 // the current A0..A3
	sc       *SCP03t
	buf      []byte // plaintext of the current sequence
	meta     ProfileMetadata
	elements ProfileElements
	err      *BPPError
}

// NewBPPLoader starts loading for a session.
func NewBPPLoader(s LoaderSession) *BPPLoader { return &BPPLoader{s: s} }

// Done reports whether the whole package was loaded.
func (l *BPPLoader) Done() bool { return l.st == stDone }

// Result returns the verified metadata and profile elements once Done.
func (l *BPPLoader) Result() (ProfileMetadata, ProfileElements) { return l.meta, l.elements }

// Load takes the next segment. It returns done once the last segment
// verified, or a *BPPError.
func (l *BPPLoader) Load(seg []byte) (done bool, err error) {
	switch l.st {
	case stFailed:
		return false, l.err
	case stDone:
		return false, bppErr(BPPCmdLoadProfileElements, ReasonSCP03tStructureError, "segment after the end of the package")
	}
	if e := l.load(seg); e != nil {
		l.st, l.err, l.buf = stFailed, e, nil
		return false, e
	}
	return l.st == stDone, nil
}

// cmdOf is the bppCommandId a sequence tag belongs to.
func cmdOf(tag uint32) int {
	switch tag {
	case tagFirst87:
		return BPPCmdConfigureISDP
	case tagSeq88:
		return BPPCmdStoreMetadata
	case tagSecond87:
		return BPPCmdReplaceSessionKeys
	}
	return BPPCmdLoadProfileElements
}

func (l *BPPLoader) load(seg []byte) *BPPError {
	if l.st == stHeader {
		return l.initialise(seg)
	}
	if len(seg) > l.left {
		return bppErr(cmdOf(l.seqTag), ReasonSCP03tStructureError, "segment of %d bytes, %d left in the package", len(seg), l.left)
	}
	l.left -= len(seg)
	// A segment may start with the header of the next sequence.
	switch l.st {
	case stFirst87, stSeq88, stAfter88, stAfterA2:
		tag, n, hl, err := readHeader(seg)
		if err != nil {
			return bppErr(cmdOf(l.seqTag), ReasonSCP03tStructureError, "sequence header: %v", err)
		}
		next := map[loaderState][]uint32{stFirst87: {tagFirst87}, stSeq88: {tagSeq88}, stAfter88: {tagSecond87, tagSeq86}, stAfterA2: {tagSeq86}}[l.st]
		if !containsTag(next, tag) {
			return bppErr(cmdOf(l.seqTag), ReasonSCP03tStructureError, "sequence %X where %X expected", tag, next)
		}
		l.seqTag, l.seqLeft, l.buf = tag, n, nil
		seg = seg[hl:]
		switch tag {
		case tagSeq88:
			l.st = stMore88
		case tagSeq86:
			l.st = stMore86
		default:
			l.st = stMore87
		}
		if tag == tagSeq88 || tag == tagSeq86 {
			if len(seg) != 0 {
				return bppErr(cmdOf(tag), ReasonSCP03tStructureError, "%X header travels alone", tag)
			}
			return l.finishIfEmpty()
		}
	}
	return l.element(seg)
}

func containsTag(list []uint32, t uint32) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// finishIfEmpty handles a sequence announced with length 0.
func (l *BPPLoader) finishIfEmpty() *BPPError {
	if l.seqLeft == 0 {
		return bppErr(cmdOf(l.seqTag), ReasonSCP03tStructureError, "empty %X", l.seqTag)
	}
	return nil
}

// element unwraps one 86/87/88 TLV of the current sequence.
func (l *BPPLoader) element(seg []byte) *BPPError {
	cmd := cmdOf(l.seqTag)
	obj, rest, err := tlv.ParseOne(seg)
	if err != nil || len(rest) != 0 {
		return bppErr(cmd, ReasonSCP03tStructureError, "segment is not one TLV")
	}
	want := map[uint32]uint32{tagFirst87: 0x87, tagSeq88: 0x88, tagSecond87: 0x87, tagSeq86: 0x86}[l.seqTag]
	if obj.Tag != want {
		return bppErr(cmd, ReasonSCP03tStructureError, "%X in sequence %X", obj.Tag, l.seqTag)
	}
	if len(seg) > l.seqLeft {
		return bppErr(cmd, ReasonSCP03tStructureError, "%X overruns sequence %X", obj.Tag, l.seqTag)
	}
	l.seqLeft -= len(seg)
	plain, err := l.sc.Unwrap(obj, want != 0x88)
	if err != nil {
		reason := ReasonSCP03tStructureError
		if errors.Is(err, ErrSegmentMAC) {
			reason = ReasonSCP03tSecurityError
		}
		return bppErr(cmd, reason, "%v", err)
	}
	if len(l.buf)+len(plain) > MaxBPP {
		return bppErr(cmd, ReasonSCP03tStructureError, "sequence too long")
	}
	l.buf = append(l.buf, plain...)
	if l.seqLeft > 0 {
		return nil
	}
	return l.sequenceDone()
}

func (l *BPPLoader) sequenceDone() *BPPError {
	cmd := cmdOf(l.seqTag)
	switch l.seqTag {
	case tagFirst87:
		if !bytes.Equal(l.buf, tlv.Constructed(TagConfigureISDP).Bytes()) {
			f, err := parseOuter(l.buf, TagConfigureISDP)
			if err != nil || len(f.list) > 1 {
				return bppErr(cmd, ReasonIncorrectInputValues, "ConfigureISDP: %v", err)
			}
		}
		l.st = stSeq88
	case tagSeq88:
		m, err := DecodeProfileMetadata(l.buf)
		if err != nil {
			return bppErr(cmd, ReasonIncorrectInputValues, "StoreMetadata: %v", err)
		}
		if l.s.CheckMetadata != nil {
			if r := l.s.CheckMetadata(m); r != 0 {
				return bppErr(cmd, r, "profile %s refused", m.ICCID)
			}
		}
		l.meta, l.st = m, stAfter88
	case tagSecond87:
		f, err := parseOuter(l.buf, TagReplaceSessionKeys)
		if err != nil {
			return bppErr(cmd, ReasonIncorrectInputValues, "ReplaceSessionKeys: %v", err)
		}
		k := SessionKeys{MCV: f.fixed(0x80, 16), ENC: f.fixed(0x81, 16), MAC: f.fixed(0x82, 16)}
		if f.err != nil {
			return bppErr(cmd, ReasonIncorrectInputValues, "ReplaceSessionKeys: %v", f.err)
		}
		if l.sc, err = NewSCP03t(k); err != nil {
			return bppErr(cmd, ReasonIncorrectInputValues, "ReplaceSessionKeys: %v", err)
		}
		l.st = stAfterA2
	case tagSeq86:
		pe, err := DecodeProfileElements(l.buf)
		if err != nil {
			return bppErr(cmd, ReasonPEProcessingError, "profile elements: %v", err)
		}
		if ProfileMetadata(pe) != l.meta {
			return bppErr(cmd, ReasonDataMismatch, "profile elements do not match the metadata")
		}
		if l.left != 0 {
			return bppErr(cmd, ReasonSCP03tStructureError, "%d bytes after the profile elements", l.left)
		}
		l.elements, l.st = pe, stDone
	}
	l.buf = nil
	return nil
}

// initialise handles BF36 header + BF23 (SGP.22 §5.5.1): remote operation,
// transaction, CRT values, then the DPpb signature over the request and the
// card's own otPK; a package for another card or session fails here.
func (l *BPPLoader) initialise(seg []byte) *BPPError {
	const cmd = BPPCmdInitialiseSecureChannel
	tag, n, hl, err := readHeader(seg)
	if err != nil || tag != TagBoundProfilePackage {
		return bppErr(cmd, ReasonSCP03tStructureError, "first segment is not BF36 header + BF23")
	}
	if n > MaxBPP {
		return bppErr(cmd, ReasonInsufficientMemory, "package of %d bytes", n)
	}
	body := seg[hl:]
	if len(body) > n {
		return bppErr(cmd, ReasonSCP03tStructureError, "BF23 overruns BF36")
	}
	isc, err := DecodeInitialiseSecureChannel(body)
	if err != nil {
		return bppErr(cmd, ReasonIncorrectInputValues, "%v", err)
	}
	switch {
	case isc.RemoteOpID != RemoteOpInstallBPP:
		return bppErr(cmd, ReasonUnsupportedRemoteOperation, "remoteOpId %d", isc.RemoteOpID)
	case !bytes.Equal(isc.TransactionID, l.s.TransactionID):
		return bppErr(cmd, ReasonInvalidTransactionID, "transactionId %X, session %X", isc.TransactionID, l.s.TransactionID)
	case isc.KeyType != KeyTypeAES || isc.KeyLen != KeyLenAES128:
		return bppErr(cmd, ReasonUnsupportedCrtValues, "keyType %02X keyLen %02X", isc.KeyType, isc.KeyLen)
	case l.s.OneTimeKey == nil || l.s.DPpb == nil:
		return bppErr(cmd, ReasonInvalidTransactionID, "no download session")
	}
	if err := Verify(l.s.DPpb, isc.SignedData(l.s.OneTimeKey.PublicKey().Bytes()), isc.SmdpSign); err != nil {
		return bppErr(cmd, ReasonInvalidSignature, "smdpSign: %v", err)
	}
	shs, err := SharedSecret(l.s.OneTimeKey, isc.SmdpOtpk)
	if err != nil {
		return bppErr(cmd, ReasonIncorrectInputValues, "%v", err)
	}
	if l.sc, err = NewSCP03t(DeriveSessionKeys(shs, isc.HostID, EIDBytes(l.s.EID))); err != nil {
		return bppErr(cmd, ReasonUnknownError, "%v", err)
	}
	l.left, l.st = n-len(body), stFirst87
	return nil
}

// readHeader decodes a tag (1-3 bytes) and definite length (≤ 3 length
// bytes) without requiring the value: a BPP segment may be a bare header.
func readHeader(b []byte) (tag uint32, n, hl int, err error) {
	if len(b) == 0 || b[0] == 0 || b[0] == 0xFF {
		return 0, 0, 0, decodeErr("bad tag")
	}
	tag, hl = uint32(b[0]), 1
	if b[0]&0x1F == 0x1F {
		for {
			if hl >= len(b) || hl >= 3 {
				return 0, 0, 0, decodeErr("bad tag")
			}
			tag = tag<<8 | uint32(b[hl])
			hl++
			if b[hl-1]&0x80 == 0 {
				break
			}
		}
	}
	if hl >= len(b) {
		return 0, 0, 0, decodeErr("missing length")
	}
	c := b[hl]
	hl++
	if c < 0x80 {
		return tag, int(c), hl, nil
	}
	k := int(c & 0x7F)
	if k == 0 || k > 3 || hl+k > len(b) {
		return 0, 0, 0, decodeErr("bad length")
	}
	for _, x := range b[hl : hl+k] {
		n = n<<8 | int(x)
	}
	return tag, n, hl + k, nil
}
