package rsp

// Card side of LoadBoundProfilePackage (SGP.22 §3.1.3.3 step "Load Bound
// Profile Package", §2.5.5 segments, §2.5.6 ProfileInstallationResult
// errors): a state machine fed one segment per STORE DATA sequence that
// checks InitialiseSecureChannel against the session, derives the session
// keys, verifies every segment's MAC in chain order, decrypts, and reads the
// profile package (package saip) before anything is installed.

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// BPP command ids and error reasons, as es10 names them.
const (
	cmdInitialise  = es10.BPPCmdInitialiseSecureChannel
	cmdConfigure   = es10.BPPCmdConfigureISDP
	cmdMetadata    = es10.BPPCmdStoreMetadata
	cmdReplaceKeys = es10.BPPCmdReplaceSessionKeys
	cmdLoad        = es10.BPPCmdLoadProfileElements
)

// MaxBPP bounds the BoundProfilePackage length a card accepts.
const MaxBPP = 1 << 20

// BPPError is a refusal with SGP.22 bppCommandId and errorReason, as they
// go into ProfileInstallationResult errorResult, with the profile package's
// EUICCResponse when the package itself was refused.
type BPPError struct {
	CommandID    int
	Reason       int
	SimaResponse []byte
	Err          error
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
	// errorReason refuses the package (e.g. ICCID exists).
	CheckMetadata func(es10.ProfileMetadata) int
	// FreeNVM is the memory the profile package may take; a package that
	// grows beyond it is refused while loading (insufficient memory). It
	// is asked once, when the first profile element arrives — where a
	// card runs out of room, and so where an injected shortage is logged.
	// Nil: no limit but MaxBPP.
	FreeNVM func() int
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
	s       LoaderSession
	st      loaderState
	left    int    // BF36 bytes still expected
	seqLeft int    // bytes still expected in the current A0..A3
	seqTag  uint32 // the current A0..A3
	sc      *SCP03t
	buf     []byte // plaintext of the current sequence
	meta    es10.ProfileMetadata
	pkg     saip.Parsed
	err     *BPPError
	free    int // FreeNVM's answer, -1 until asked
}

// NewBPPLoader starts loading for a session.
func NewBPPLoader(s LoaderSession) *BPPLoader { return &BPPLoader{s: s, free: -1} }

// Done reports whether the whole package was loaded.
func (l *BPPLoader) Done() bool { return l.st == stDone }

// Result returns the verified metadata and the read profile package once
// Done (the metadata alone after a refusal at or past StoreMetadata, once
// it decoded).
func (l *BPPLoader) Result() (es10.ProfileMetadata, saip.Parsed) { return l.meta, l.pkg }

// Load takes the next segment. It returns done once the last segment
// verified, or a *BPPError.
func (l *BPPLoader) Load(seg []byte) (done bool, err error) {
	switch l.st {
	case stFailed:
		return false, l.err
	case stDone:
		return false, bppErr(cmdLoad, es10.ReasonSCP03tStructureError, "segment after the end of the package")
	}
	if e := l.load(seg); e != nil {
		l.st, l.err, l.buf = stFailed, e, nil
		return false, e
	}
	return l.st == stDone, nil
}

// Due is the bppCommandId in progress between two segments: the one the
// current sequence belongs to, or, between sequences, the one the next
// must be (after the metadata the mandatory loadProfileElements, as for a
// bad header). A reset there interrupts that command (SGP.22 §2.5.6:
// installFailedDueToInterruption).
func (l *BPPLoader) Due() int {
	switch l.st {
	case stHeader:
		return cmdInitialise
	case stFirst87:
		return cmdConfigure
	case stSeq88, stMore88:
		return cmdMetadata
	case stMore87:
		return cmdOf(l.seqTag)
	}
	return cmdLoad
}

// cmdOf is the bppCommandId a sequence tag belongs to.
func cmdOf(tag uint32) int {
	switch tag {
	case es10.TagFirstSequenceOf87:
		return cmdConfigure
	case es10.TagSequenceOf88:
		return cmdMetadata
	case es10.TagSecondSequenceOf87:
		return cmdReplaceKeys
	}
	return cmdLoad
}

func (l *BPPLoader) load(seg []byte) *BPPError {
	if l.st == stHeader {
		return l.initialise(seg)
	}
	if len(seg) > l.left {
		return bppErr(cmdOf(l.seqTag), es10.ReasonSCP03tStructureError, "segment of %d bytes, %d left in the package", len(seg), l.left)
	}
	l.left -= len(seg)
	// A segment may start with the header of the next sequence.
	switch l.st {
	case stFirst87, stSeq88, stAfter88, stAfterA2:
		next := map[loaderState][]uint32{stFirst87: {es10.TagFirstSequenceOf87}, stSeq88: {es10.TagSequenceOf88}, stAfter88: {es10.TagSecondSequenceOf87, es10.TagSequenceOf86}, stAfterA2: {es10.TagSequenceOf86}}[l.st]
		// A bad or unexpected header fails the command the card was
		// waiting for (SGP.22 §5.7.6: bppCommandId names the command in
		// progress), not the one before it, which succeeded (outside
		// tester sw74: metadata skipped was blamed on configureISDP).
		// After the metadata, replaceSessionKeys is optional: the
		// mandatory loadProfileElements is the one due.
		due := cmdOf(next[len(next)-1])
		tag, n, hl, err := readHeader(seg)
		if err != nil {
			return bppErr(due, es10.ReasonSCP03tStructureError, "sequence header: %v", err)
		}
		if !containsTag(next, tag) {
			return bppErr(due, es10.ReasonSCP03tStructureError, "sequence %X where %X expected", tag, next)
		}
		l.seqTag, l.seqLeft, l.buf = tag, n, nil
		seg = seg[hl:]
		switch tag {
		case es10.TagSequenceOf88:
			l.st = stMore88
		case es10.TagSequenceOf86:
			l.st = stMore86
		default:
			l.st = stMore87
		}
		if tag == es10.TagSequenceOf88 || tag == es10.TagSequenceOf86 {
			if len(seg) != 0 {
				return bppErr(cmdOf(tag), es10.ReasonSCP03tStructureError, "%X header travels alone", tag)
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
		return bppErr(cmdOf(l.seqTag), es10.ReasonSCP03tStructureError, "empty %X", l.seqTag)
	}
	return nil
}

// element unwraps one 86/87/88 TLV of the current sequence.
func (l *BPPLoader) element(seg []byte) *BPPError {
	cmd := cmdOf(l.seqTag)
	obj, rest, err := tlv.ParseOne(seg)
	if err != nil || len(rest) != 0 {
		return bppErr(cmd, es10.ReasonSCP03tStructureError, "segment is not one TLV")
	}
	want := es10.SegmentTag(l.seqTag)
	if obj.Tag != want {
		return bppErr(cmd, es10.ReasonSCP03tStructureError, "%X in sequence %X", obj.Tag, l.seqTag)
	}
	if len(seg) > l.seqLeft {
		return bppErr(cmd, es10.ReasonSCP03tStructureError, "%X overruns sequence %X", obj.Tag, l.seqTag)
	}
	l.seqLeft -= len(seg)
	plain, err := l.sc.Unwrap(obj, want != 0x88)
	if err != nil {
		reason := es10.ReasonSCP03tStructureError
		if errors.Is(err, ErrSegmentMAC) {
			reason = es10.ReasonSCP03tSecurityError
		}
		return bppErr(cmd, reason, "%v", err)
	}
	if l.seqTag == es10.TagSequenceOf86 && l.s.FreeNVM != nil {
		if l.free < 0 {
			l.free = max(l.s.FreeNVM(), 0)
		}
		if len(l.buf)+len(plain) > l.free {
			return bppErr(cmd, es10.ReasonInsufficientMemory, "profile package over %d bytes of free memory", l.free)
		}
	}
	if len(l.buf)+len(plain) > MaxBPP {
		return bppErr(cmd, es10.ReasonSCP03tStructureError, "sequence too long")
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
	case es10.TagFirstSequenceOf87:
		if err := es10.DecodeConfigureISDPRequest(l.buf); err != nil {
			return bppErr(cmd, es10.ReasonIncorrectInputValues, "ConfigureISDP: %v", err)
		}
		l.st = stSeq88
	case es10.TagSequenceOf88:
		m, err := es10.DecodeProfileMetadata(l.buf)
		if err != nil {
			return bppErr(cmd, es10.ReasonIncorrectInputValues, "StoreMetadata: %v", err)
		}
		// Known from here on, refused or not: the install result names
		// the profile (its notificationMetadata's iccid).
		l.meta = m
		if m.Class != es10.ClassOperational {
			return bppErr(cmd, es10.ReasonUnsupportedProfileClass, "profile class %d", m.Class)
		}
		if l.s.CheckMetadata != nil {
			if r := l.s.CheckMetadata(m); r != 0 {
				return bppErr(cmd, r, "profile %s refused", m.ICCID)
			}
		}
		l.st = stAfter88
	case es10.TagSecondSequenceOf87:
		k, err := es10.DecodeReplaceSessionKeys(l.buf)
		if err != nil {
			return bppErr(cmd, es10.ReasonIncorrectInputValues, "ReplaceSessionKeys: %v", err)
		}
		if l.sc, err = NewSCP03t(SessionKeys{MCV: k.MCV, ENC: k.ENC, MAC: k.MAC}); err != nil {
			return bppErr(cmd, es10.ReasonIncorrectInputValues, "ReplaceSessionKeys: %v", err)
		}
		l.st = stAfterA2
	case es10.TagSequenceOf86:
		if l.left != 0 {
			return bppErr(cmd, es10.ReasonSCP03tStructureError, "%d bytes after the profile package", l.left)
		}
		pkg, err := saip.Parse(l.buf)
		var pe *saip.PEError
		if errors.As(err, &pe) {
			e := bppErr(cmd, es10.ReasonPEProcessingError, "profile package: %v", err)
			e.SimaResponse = pe.Response().Encode()
			return e
		}
		if err != nil {
			return bppErr(cmd, es10.ReasonPEProcessingError, "profile package: %v", err)
		}
		if pkg.Profile.ICCID != l.meta.ICCID {
			return bppErr(cmd, es10.ReasonDataMismatch, "package ICCID %s, metadata %s", pkg.Profile.ICCID, l.meta.ICCID)
		}
		l.pkg, l.st = pkg, stDone
	}
	l.buf = nil
	return nil
}

// initialise handles BF36 header + BF23 (SGP.22 §5.5.1): remote operation,
// transaction, CRT values, then the DPpb signature over the request and the
// card's own otPK; a package for another card or session fails here.
func (l *BPPLoader) initialise(seg []byte) *BPPError {
	const cmd = cmdInitialise
	tag, n, hl, err := readHeader(seg)
	if err != nil || tag != es10.TagBoundProfilePackage {
		return bppErr(cmd, es10.ReasonSCP03tStructureError, "first segment is not BF36 header + BF23")
	}
	if n > MaxBPP {
		return bppErr(cmd, es10.ReasonInsufficientMemory, "package of %d bytes", n)
	}
	body := seg[hl:]
	if len(body) > n {
		return bppErr(cmd, es10.ReasonSCP03tStructureError, "BF23 overruns BF36")
	}
	isc, err := es10.DecodeInitialiseSecureChannel(body)
	if err != nil {
		return bppErr(cmd, es10.ReasonIncorrectInputValues, "%v", err)
	}
	switch {
	case isc.RemoteOpID != es10.RemoteOpInstallBPP:
		return bppErr(cmd, es10.ReasonUnsupportedRemoteOperation, "remoteOpId %d", isc.RemoteOpID)
	case !bytes.Equal(isc.TransactionID, l.s.TransactionID):
		return bppErr(cmd, es10.ReasonInvalidTransactionID, "transactionId %X, session %X", isc.TransactionID, l.s.TransactionID)
	case isc.KeyType != es10.KeyTypeAES || isc.KeyLen != es10.KeyLenAES128:
		return bppErr(cmd, es10.ReasonUnsupportedCrtValues, "keyType %02X keyLen %02X", isc.KeyType, isc.KeyLen)
	case l.s.OneTimeKey == nil || l.s.DPpb == nil:
		return bppErr(cmd, es10.ReasonInvalidTransactionID, "no download session")
	}
	if err := Verify(l.s.DPpb, isc.SignedData(l.s.OneTimeKey.PublicKey().Bytes()), isc.SmdpSign); err != nil {
		return bppErr(cmd, es10.ReasonInvalidSignature, "smdpSign: %v", err)
	}
	shs, err := SharedSecret(l.s.OneTimeKey, isc.SmdpOtpk)
	if err != nil {
		return bppErr(cmd, es10.ReasonIncorrectInputValues, "%v", err)
	}
	if l.sc, err = NewSCP03t(DeriveSessionKeys(shs, isc.HostID, es10.EIDBytes(l.s.EID))); err != nil {
		return bppErr(cmd, es10.ReasonUnknownError, "%v", err)
	}
	l.left, l.st = n-len(body), stFirst87
	return nil
}

// readHeader decodes a tag (1-3 bytes) and definite length (≤ 3 length
// bytes) without requiring the value: a BPP segment may be a bare header.
func readHeader(b []byte) (tag uint32, n, hl int, err error) {
	decodeErr := func(msg string) error { return fmt.Errorf("BPP segment: %s: %w", msg, es10.ErrDecode) }
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
