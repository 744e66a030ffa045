package euicc

// ES10b on the ISD-R (SGP.22 §5.7): GetEUICCInfo1/2 (§5.7.8),
// GetEuiccChallenge (§5.7.7), AuthenticateServer (§5.7.13), PrepareDownload
// (§5.7.5) and CancelSession (§5.7.14). The session (challenge,
// transactionId, one-time key) lives in volatile memory: a reset drops it.

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// CardFaults makes the card misbehave on purpose, for fault scenarios.
type CardFaults struct {
	// BadEuiccSignature1 corrupts euiccSignature1 in AuthenticateServer.
	BadEuiccSignature1 bool
}

// Fault names, as scenario files spell the card side download faults
// (Config.Inject).
const (
	FaultBadEUICCSignature = "bad_euicc_signature" // euiccSignature1 corrupted
	FaultOutOfMemory       = "out_of_memory"       // no room for the profile (errorReason 10)
	// The card presents Config.FaultChains[name] in AuthenticateServer.
	FaultUnknownCI     = "unknown_ci"
	FaultEIDOutOfRange = "eid_out_of_range"
)

// Chain is a certificate chain the card can present in mutual
// authentication, with the key of its eUICC certificate.
type Chain struct {
	EUICCCert, EUMCert []byte
	Key                *ecdsa.PrivateKey
}

// injected reports whether a fault applies to a download with the SM-DP+
// at address: set in Config.Faults, or injected by Config.Inject.
func (c *Card) injected(name, address string, set bool) bool {
	return set || c.cfg.Inject != nil && c.cfg.Inject(name, address)
}

// chainFor is the chain the card presents to the SM-DP+ at address: its
// own, unless a certificate fault is injected for that server.
func (c *Card) chainFor(address string) Chain {
	for _, name := range []string{FaultUnknownCI, FaultEIDOutOfRange} {
		if ch, ok := c.cfg.FaultChains[name]; ok && c.injected(name, address, false) {
			return ch
		}
	}
	return Chain{EUICCCert: c.cfg.EUICCCert, EUMCert: c.cfg.EUMCert, Key: c.cfg.EUICCKey}
}

// defaultFreeNVM is the memory for new profiles when Config.FreeNVM is 0.
const defaultFreeNVM = 256 << 10

// defaultNow is the card's time without a clock: the virtual clock's start.
var defaultNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// rspSession is the ISD-R's download session state (volatile).
type rspSession struct {
	challenge       []byte
	txID            []byte
	serverAddress   string
	operator        string
	smdpOID         []byte // the SM-DP+'s registeredID (CERT.DPauth SAN), DER contents
	euiccSignature1 []byte
	// key signs for the session: SK.EUICC.ECDSA of the chain presented.
	key    *ecdsa.PrivateKey
	otsk   *ecdh.PrivateKey
	loader *rsp.BPPLoader
	// segments counts the package's segments stored, the load not over.
	segments int
}

// sessionFreeNVM is the memory a package from the SM-DP+ at address may
// take: none while the out_of_memory fault is injected for that server.
func (c *Card) sessionFreeNVM(address string) int {
	if c.injected(FaultOutOfMemory, address, false) {
		return 0
	}
	return c.freeNVM()
}

func (c *Card) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return defaultNow
}

func (c *Card) freeNVM() int {
	free := c.cfg.FreeNVM
	if free == 0 {
		free = defaultFreeNVM
	}
	for _, p := range c.profiles {
		free -= p.Size
	}
	return max(free, 0)
}

// ciKeyID is euiccCiPKId: the subject key identifier of the trusted CI.
func (c *Card) ciKeyID() []byte {
	if c.cfg.CI == nil {
		return nil
	}
	return c.cfg.CI.SubjectKeyId
}

// es10b dispatches the ES10b functions; handled is false for a tag that is
// none of them.
func (c *Card) es10b(obj tlv.TLV) (resp []byte, sw uint16, handled bool) {
	raw := obj.Bytes()
	switch obj.Tag {
	case es10.TagGetEUICCInfo1:
		resp, sw = c.emptyRequest(obj, c.euiccInfo1().Encode)
	case es10.TagGetEUICCInfo2:
		resp, sw = c.emptyRequest(obj, c.euiccInfo2().Encode)
	case es10.TagGetEuiccChallenge:
		resp, sw = c.emptyRequest(obj, c.getEuiccChallenge)
	case es10.TagAuthenticateServer:
		resp, sw = c.authenticateServer(raw)
	case es10.TagPrepareDownload:
		resp, sw = c.prepareDownload(raw)
	case es10.TagCancelSession:
		resp, sw = c.cancelSession(raw)
	case es10.TagListNotification:
		resp, sw = c.listNotification(raw)
	case es10.TagRetrieveNotifications:
		resp, sw = c.retrieveNotifications(raw)
	case es10.TagNotificationSent:
		resp, sw = c.notificationSent(raw)
	default:
		return nil, 0, false
	}
	return resp, sw, true
}

func (c *Card) emptyRequest(obj tlv.TLV, f func() []byte) ([]byte, uint16) {
	if es10.DecodeEmptyRequest(obj.Bytes(), obj.Tag) != nil {
		return nil, apdu.SWIncorrectData
	}
	return f(), apdu.SWOK
}

// ciKeyIDs lists the CI key ids the card trusts: none without a CI.
func (c *Card) ciKeyIDs() [][]byte {
	if c.cfg.CI == nil {
		return nil
	}
	return [][]byte{c.ciKeyID()}
}

func (c *Card) euiccInfo1() es10.EuiccInfo1 {
	ids := c.ciKeyIDs()
	return es10.EuiccInfo1{SVN: es10.SVN, CiPKIDVerify: ids, CiPKIDSign: ids}
}

// Card facts EUICCInfo2 reports (SGP.22 §4.3 and Annex H).
var (
	// profileVersion: the TCA profile package version the card installs.
	profileVersion  = es10.Version{saip.MajorVersion, saip.MinorVersion, 1}
	firmwareVersion = es10.Version{1, 0, 0}
	// GlobalPlatform Card Specification 2.3 and Java Card 3.0.5 are what
	// eUICCs of SGP.22 v2.2 generation typically announce.
	gpVersion       = es10.Version{2, 3, 0}
	javacardVersion = es10.Version{3, 0, 5}
	// ppVersion is the SGP.25 protection profile version.
	ppVersion = es10.Version{0, 0, 1}
	// sasAccreditation is the SAS-UP number; this emulated card has none
	// but a test value that says so.
	sasAccreditation = "esimhil-TEST-SAS"
)

func (c *Card) euiccInfo2() es10.EuiccInfo2 {
	ids := c.ciKeyIDs()
	caps := es10.BitsOf()
	if len(c.profiles) < maxProfiles {
		caps = es10.BitsOf(es10.RSPAdditionalProfile)
	}
	return es10.EuiccInfo2{ProfileVersion: profileVersion, SVN: es10.SVN, FirmwareVer: firmwareVersion,
		ExtCardResource: es10.ExtCardResource{InstalledApps: len(c.profiles), FreeNVM: c.freeNVM(), FreeVM: 8 << 10},
		UICCCapability:  es10.BitsOf(es10.UICCUSIM, es10.UICCMilenage, es10.UICCJavacard),
		JavacardVersion: javacardVersion, GlobalPlatformVersion: gpVersion,
		RSPCapability: caps, CiPKIDVerify: ids, CiPKIDSign: ids, Category: es10.CategoryBasic,
		PPVersion: ppVersion, SASAccreditationNumber: sasAccreditation}
}

// getEuiccChallenge starts a new session (SGP.22 §3.1.2: a new challenge
// discards any previous session).
func (c *Card) getEuiccChallenge() []byte {
	ch := make([]byte, es10.ChallengeLen)
	_ = rsp.Nonce(c.cfg.Random, ch) // crypto/rand cannot fail; a seeded source does not
	c.setSession(&rspSession{challenge: ch})
	return es10.EncodeEuiccChallenge(ch)
}

// operatorOf names the operator behind an SM-DP+ certificate for events:
// the test PKI puts it in the common name ("esimhil TEST SM-DP+ <op>");
// otherwise the server address stands in.
func operatorOf(cert *x509.Certificate, address string) string {
	const prefix = "esimhil TEST SM-DP+ "
	if cert != nil && strings.HasPrefix(cert.Subject.CommonName, prefix) {
		return strings.TrimPrefix(cert.Subject.CommonName, prefix)
	}
	return address
}

func (c *Card) mutualAuthEvent(operator string, ok bool, reason string) {
	c.cfg.Log.Emit(eventlog.EUICC, KindMutualAuth, eventlog.F{"operator": operator, "ok": ok, "reason": reason})
}

// authenticateServer checks the SM-DP+ (SGP.22 §5.7.13): CI key id, the
// DPauth certificate chain at the card's time, serverSignature1, the echoed
// euiccChallenge; then signs euiccSigned1.
func (c *Card) authenticateServer(raw []byte) ([]byte, uint16) {
	req, err := es10.DecodeAuthenticateServerRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	s1 := req.ServerSigned1
	fail := func(code int, operator, reason string) ([]byte, uint16) {
		c.setSession(nil)
		c.mutualAuthEvent(operator, false, reason)
		return es10.AuthenticateServerResponse{TransactionID: s1.TransactionID, ErrorCode: code}.Encode(), apdu.SWOK
	}
	cert, certErr := x509.ParseCertificate(req.ServerCertificate)
	operator := operatorOf(cert, s1.ServerAddress)
	switch {
	case c.sess == nil || c.sess.challenge == nil:
		return fail(es10.AuthErrNoSessionContext, operator, "no session: GetEuiccChallenge first")
	case c.cfg.CI == nil || c.cfg.EUICCKey == nil:
		return fail(es10.AuthErrUndefined, operator, "card has no PKI")
	case !bytes.Equal(req.CiPKIDToBeUsed, c.ciKeyID()):
		return fail(es10.AuthErrCiPKUnknown, operator, "unknown CI key id")
	}
	dpauth, err := rsp.VerifySMDPCert(c.cfg.CI, cert, certErr, rsp.RoleAuth, c.now())
	if err != nil {
		code := es10.AuthErrInvalidCertificate
		if errors.Is(err, rsp.ErrUnknownCI) {
			code = es10.AuthErrCiPKUnknown
		}
		return fail(code, operator, "server certificate: "+err.Error())
	}
	pub, _ := dpauth.PublicKey.(*ecdsa.PublicKey)
	if err := rsp.Verify(pub, s1.Signed(), req.ServerSignature1); err != nil {
		return fail(es10.AuthErrInvalidSignature, operator, "serverSignature1: "+err.Error())
	}
	if !bytes.Equal(s1.EuiccChallenge, c.sess.challenge) {
		return fail(es10.AuthErrEuiccChallengeMismatch, operator, "euiccChallenge not echoed")
	}
	signed := es10.EuiccSigned1{TransactionID: s1.TransactionID, ServerAddress: s1.ServerAddress,
		ServerChallenge: s1.ServerChallenge, EuiccInfo2: c.euiccInfo2(), CtxParams1: req.CtxParams1}
	chain := c.chainFor(s1.ServerAddress)
	sig, err := rsp.Sign(chain.Key, signed.Encode())
	if err != nil {
		return fail(es10.AuthErrUndefined, operator, err.Error())
	}
	if c.injected(FaultBadEUICCSignature, s1.ServerAddress, c.cfg.Faults.BadEuiccSignature1) {
		sig[len(sig)-1] ^= 0xFF
	}
	c.setSession(&rspSession{txID: s1.TransactionID, serverAddress: s1.ServerAddress, operator: operator,
		smdpOID: rsp.RegisteredID(dpauth), euiccSignature1: sig, key: chain.Key})
	return es10.AuthenticateServerResponse{EuiccSigned1: signed, EuiccSignature1: sig,
		EuiccCertificate: chain.EUICCCert, EUMCertificate: chain.EUMCert}.Encode(), apdu.SWOK
}

// prepareDownload checks the DPpb certificate and smdpSignature2 (which
// covers euiccSignature1, closing mutual authentication) and the
// transactionId, makes otSK/otPK.EUICC.ECKA and signs euiccSigned2
// (SGP.22 §5.7.5).
func (c *Card) prepareDownload(raw []byte) ([]byte, uint16) {
	req, err := es10.DecodePrepareDownloadRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	s2 := req.SmdpSigned2
	sess := c.sess
	operator := ""
	if sess != nil {
		operator = sess.operator
	}
	fail := func(code int, reason string) ([]byte, uint16) {
		c.setSession(nil)
		c.mutualAuthEvent(operator, false, reason)
		return es10.PrepareDownloadResponse{TransactionID: s2.TransactionID, ErrorCode: code}.Encode(), apdu.SWOK
	}
	if sess == nil || sess.txID == nil || sess.otsk != nil {
		return fail(es10.DlErrNoSessionContext, "no authenticated session")
	}
	dppb, err := rsp.VerifySMDP(c.cfg.CI, req.SmdpCertificate, rsp.RolePB, c.now())
	if err != nil {
		return fail(es10.DlErrInvalidCertificate, "binding certificate: "+err.Error())
	}
	// CERT.DPpb must be the authenticated SM-DP+'s own (SGP.22 §5.7.5:
	// the same SM-DP+ OID as CERT.DPauth), not any server's the CI signed.
	if !bytes.Equal(rsp.RegisteredID(dppb), sess.smdpOID) {
		return fail(es10.DlErrInvalidCertificate, "binding certificate: its SM-DP+ OID is not the authenticated SM-DP+'s (CERT.DPauth's)")
	}
	pub, _ := dppb.PublicKey.(*ecdsa.PublicKey)
	if err := rsp.Verify(pub, es10.SignedData2(s2.Signed(), sess.euiccSignature1), req.SmdpSignature2); err != nil {
		return fail(es10.DlErrInvalidSignature, "smdpSignature2: "+err.Error())
	}
	if !bytes.Equal(s2.TransactionID, sess.txID) {
		return fail(es10.DlErrInvalidTransactionID, "transactionId does not match the session")
	}
	otsk, err := rsp.NewOneTimeKey(c.cfg.Random)
	if err != nil {
		return fail(es10.DlErrUndefined, err.Error())
	}
	signed := es10.EuiccSigned2{TransactionID: sess.txID, EuiccOtpk: otsk.PublicKey().Bytes(), HashCC: req.HashCC}
	sig, err := rsp.Sign(sess.key, es10.SignedData2(signed.Encode(), req.SmdpSignature2))
	if err != nil {
		return fail(es10.DlErrUndefined, err.Error())
	}
	sess.otsk = otsk
	sess.loader = rsp.NewBPPLoader(rsp.LoaderSession{TransactionID: sess.txID, OneTimeKey: otsk, DPpb: pub,
		EID: c.cfg.EID, CheckMetadata: c.checkMetadata, FreeNVM: func() int { return c.sessionFreeNVM(sess.serverAddress) }})
	c.mutualAuthEvent(operator, true, "")
	return es10.PrepareDownloadResponse{EuiccSigned2: signed, EuiccSignature2: sig}.Encode(), apdu.SWOK
}

// cancelSession ends the session on the LPA's request and signs the
// cancellation for the SM-DP+ (SGP.22 §5.7.14). A transactionId that is
// not the session's — never issued, or its session already ended (an
// install result made, refused package included, or another session
// started) — is invalidTransactionId (5).
func (c *Card) cancelSession(raw []byte) ([]byte, uint16) {
	req, err := es10.DecodeCancelSessionRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	if c.sess == nil || c.sess.txID == nil || !bytes.Equal(req.TransactionID, c.sess.txID) || c.cfg.EUICCKey == nil {
		return es10.CancelSessionResponse{ErrorCode: es10.CancelErrInvalidTransID}.Encode(), apdu.SWOK
	}
	oid := c.sess.smdpOID
	c.cancelInstall()
	c.setSession(nil)
	r := es10.CancelSessionResponse{TransactionID: req.TransactionID, SmdpOID: oid, Reason: req.Reason}
	sig, err := rsp.Sign(c.cfg.EUICCKey, r.SignedPart())
	// smdpOid is mandatory: without the SM-DP+'s OID there is nothing valid to sign.
	if err != nil || len(oid) == 0 {
		return es10.CancelSessionResponse{ErrorCode: es10.CancelErrUndefined}.Encode(), apdu.SWOK
	}
	r.Signature = sig
	return r.Encode(), apdu.SWOK
}
