package smdp

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/esimhil/esimhil/internal/textcut"
	"net"
	"net/http"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// initiateAuthentication (SGP.22 §5.6.1): check the address and the CI the
// card trusts, open a transaction, sign serverSigned1 with SK.DPauth.
func (s *Server) initiateAuthentication(_ http.ResponseWriter, body []byte) (es9.Message, error) {
	var req es9.InitiateAuthenticationRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	ch := req.EuiccChallenge
	info, err := es10.DecodeEuiccInfo1(req.EuiccInfo1)
	if err != nil {
		return nil, fail(es9.SubjectFunction, es9.ReasonInvalidFormat, "euiccInfo1: %v", err)
	}
	if !s.ownAddress(req.SMDPAddress) {
		return nil, fail(es9.SubjectSMDPAddress, es9.ReasonRefused, "smdpAddress %q is not this SM-DP+", textcut.Cut(req.SMDPAddress, maxQuoted))
	}
	// An eUICC of another release (its SVN's major version) gets 8.8.3/3.1:
	// this SM-DP+ serves SGP.22 v2 eUICCs (v2.2.2's ASN.1, its signed
	// structures), and a peer must be able to see the refusal.
	if info.SVN[0] != 2 {
		return nil, fail(es9.SubjectSVN, es9.ReasonUnsupported, "the eUICC's specification version %d.%d.%d: this SM-DP+ serves SGP.22 v2 eUICCs", info.SVN[0], info.SVN[1], info.SVN[2])
	}
	// The two lists answer different questions (SGP.22 v2.2.2 §5.6.1, as
	// recalled: the clause's text was not at hand when this was written).
	// ForVerification: the CIs the eUICC verifies server certificates
	// with, so CERT.DPauth must chain to one of them (8.8.4/3.7).
	// ForSigning: the CIs of the eUICC's own chain, which this SM-DP+
	// must be able to verify (8.8.2/3.1). The order of the two checks is
	// ours: the clause's table does not rank them.
	ciID := rsp.SubjectKeyID(s.cfg.CI)
	if !containsID(info.CiPKIDVerify, ciID) {
		return nil, fail(es9.SubjectNoDPauthCert, es9.ReasonNoCertForCI,
			"the SM-DP+ has no CERT.DPauth.ECDSA signed by one of the GSMA CI Public Keys supported by the eUICC")
	}
	if !containsID(info.CiPKIDSign, ciID) {
		return nil, fail(es9.SubjectSecurityConf, es9.ReasonUnsupported,
			"none of the proposed Public Key Identifiers (euiccCiPKIdListForSigning) is supported by the SM-DP+")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.newTransaction(ch)
	if err != nil {
		return nil, err
	}
	signed := es10.ServerSigned1{TransactionID: t.id, EuiccChallenge: ch, ServerAddress: req.SMDPAddress,
		ServerChallenge: t.serverChallenge}.Encode()
	authCert := s.authCertLocked()
	sig, err := rsp.Sign(authCert.Key, signed)
	if err != nil {
		return nil, err
	}
	if s.injected(FaultBadServerSignature, s.faults.BadServerSignature1) {
		sig[len(sig)/2] ^= 0x01
	}
	return es9.InitiateAuthenticationResponse{Header: es9.Success(), TransactionID: t.id, ServerSigned1: signed,
		ServerSignature1: tlv.New(es10.TagSignature, sig).Bytes(), EuiccCiPKIdToBeUsed: tlv.New(0x04, ciID).Bytes(),
		ServerCertificate: authCert.DER}, nil
}

// ownAddress accepts the SM-DP+ address with or without the port.
func (s *Server) ownAddress(a string) bool {
	// A host name compares without regard to case (RFC 4343): activation
	// codes printed as QR codes in alphanumeric mode are upper case, and
	// LPAs pass the address on as read (outside tester sw86).
	if strings.EqualFold(a, s.cfg.Host) || strings.EqualFold(a, s.Address()) {
		return true
	}
	h, _, err := net.SplitHostPort(a)
	return err == nil && strings.EqualFold(h, s.cfg.Host)
}

func containsID(ids [][]byte, id []byte) bool {
	for _, x := range ids {
		if bytes.Equal(x, id) {
			return true
		}
	}
	return false
}

// authenticateClient (SGP.22 §5.6.3): verify the eUICC (chain CI → EUM →
// eUICC at virtual now, EID range, euiccSignature1, echoed transactionId and
// serverChallenge), match the order, and sign smdpSigned2 with SK.DPpb.
func (s *Server) authenticateClient(_ http.ResponseWriter, body []byte) (es9.Message, error) {
	var req es9.AuthenticateClientRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	id, raw := req.TransactionID, req.AuthenticateServerResponse
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookup(id, awaitAuthClient)
	if err != nil {
		return nil, err
	}
	out, err := s.authenticateClientLocked(t, raw)
	if err != nil {
		t.step = refused
		reason := err.Error()
		var e *es9Error
		if errors.As(err, &e) {
			reason = e.msg
		}
		s.emit(KindMutualAuth, eventlog.F{"operator": s.cfg.Operator, "ok": false, "reason": reason})
		return nil, err
	}
	s.emit(KindMutualAuth, eventlog.F{"operator": s.cfg.Operator, "ok": true, "reason": "", "tac": t.tac})
	return out, nil
}

func (s *Server) authenticateClientLocked(t *transaction, raw []byte) (es9.Message, error) {
	resp, err := es10.DecodeAuthenticateServerResponse(raw)
	if err != nil {
		return nil, fail(es9.SubjectFunction, es9.ReasonInvalidFormat, "authenticateServerResponse: %v", err)
	}
	if resp.ErrorCode != 0 {
		// The LPA passes on the eUICC's refusal of this SM-DP+: the
		// session is refused, and takes no call now but the LPA's
		// cancelSession; the answer is 8.1/3.8, the eUICC refused
		// (docs/conformance.md says why this code).
		if !bytes.Equal(resp.TransactionID, t.id) {
			return nil, fail(es9.SubjectTransactionID, es9.ReasonUnknown, "authenticateResponseError carries another transactionId")
		}
		return nil, fail(es9.SubjectEUICC, es9.ReasonRefused, "the eUICC refused this SM-DP+: %s; the session takes only cancelSession now",
			es10.ErrorText(es10.TagAuthenticateServer, resp.ErrorCode))
	}
	eid, pub, err := rsp.Chains.VerifyEUICC(s.cfg.CI, resp.EUMCertificate, resp.EuiccCertificate, s.cfg.Now())
	if err != nil {
		return nil, chainFailure(err, "eUICC certificate chain")
	}
	s1 := resp.EuiccSigned1
	if err := rsp.Verify(pub, s1.Signed(), resp.EuiccSignature1); err != nil {
		return nil, fail(es9.SubjectEUICC, es9.ReasonVerifyFailed, "euiccSignature1 does not verify")
	}
	if !bytes.Equal(s1.TransactionID, t.id) {
		return nil, fail(es9.SubjectTransactionID, es9.ReasonUnknown, "euiccSigned1 carries another transactionId")
	}
	if !bytes.Equal(s1.ServerChallenge, t.serverChallenge) {
		return nil, fail(es9.SubjectEUICC, es9.ReasonVerifyFailed, "euiccSigned1 does not echo the serverChallenge")
	}
	if !s.ownAddress(s1.ServerAddress) {
		return nil, fail(es9.SubjectSMDPAddress, es9.ReasonRefused, "euiccSigned1 names another SM-DP+")
	}
	// The eUICC is authenticated: a refusal from here on leaves a
	// session whose cancellation the SM-DP+ can verify (cancelSession).
	t.eid, t.euiccPub = eid, pub
	o, err := s.findOrder(s1.CtxParams1.MatchingID, eid)
	if err != nil {
		return nil, err
	}
	pkg, err := s.profilePackage(o.profile)
	if err != nil {
		return nil, err
	}
	if why := noRoom(s1.EuiccInfo2, len(pkg)); why != "" {
		// Refused before any binding: the order stays released, for the
		// card to come back once a profile has left it. It is the
		// session's all the same, so that the LPA's cancellation decides
		// it as for any session (SGP.22 §5.6.5): postponed keeps it
		// released, a reason that gives it up puts it in error.
		t.order = o
		return nil, fail(es9.SubjectEUICC, es9.ReasonInsufficientMemory, "eUICC does not have sufficient space for this Profile: %s", why)
	}
	t.order, t.euiccSignature1, t.elements = o, resp.EuiccSignature1, pkg
	t.tac = s1.CtxParams1.DeviceInfo.TAC

	meta := s.metadata(o.profile).Encode()
	signedTx := t.id
	if s.injected(FaultWrongTransactionID, s.faults.WrongTransactionID) {
		signedTx = append([]byte{}, t.id...)
		signedTx[0] ^= 0xFF
	}
	signed2 := es10.SmdpSigned2{TransactionID: signedTx}.Encode()
	sig2, err := rsp.Sign(s.cfg.Certs.PB.Key, es10.SignedData2(signed2, resp.EuiccSignature1))
	if err != nil {
		return nil, err
	}
	t.smdpSignature2 = sig2
	t.step = awaitBPP
	return es9.AuthenticateClientResponse{Header: es9.Success(), TransactionID: t.id, ProfileMetadata: meta,
		SmdpSigned2: signed2, SmdpSignature2: tlv.New(es10.TagSignature, sig2).Bytes(), SmdpCertificate: s.cfg.Certs.PB.DER}, nil
}

// noRoom is the eligibility check of SGP.22 §3.1.3 on the eUICC's memory,
// from the EUICCInfo2 the eUICC signed into euiccSigned1: why a profile
// package of size bytes does not fit, or "". size is what the card's
// ISD-R charges on install, the SAIP package's bytes (the plaintext of
// the 86 segments: rsp.BPPLoader, Card.freeNVM), so the two sides
// reckon alike. A card with no slot left says so by clearing
// rspCapability's additionalProfile (Annex H); the installed
// applications' count (extCardResource 81) alone gives no limit, ETSI TS
// 102 226 naming none, so it is not read. extCardResource is mandatory
// in EUICCInfo2 (SGP.22 §5.7.8's ASN.1: [4] OCTET STRING, not OPTIONAL,
// holding TS 102 226's 81/82/83): one missing or malformed fails the
// decoding of authenticateServerResponse (1.2/2.1), never reaches here.
func noRoom(info es10.EuiccInfo2, size int) string {
	if !info.RSPCapability.Has(es10.RSPAdditionalProfile) {
		return "rspCapability additionalProfile is not set (no further profile can be installed)"
	}
	if free := info.ExtCardResource.FreeNVM; free < size {
		return fmt.Sprintf("extCardResource reports %d bytes of free non-volatile memory, the profile package takes %d", free, size)
	}
	return ""
}

// chainFailure is SGP.22 §5.6.3's code for a card's certificate chain that
// did not verify: an unknown CI 8.11.1/3.9; else under the certificate at
// fault — the EUM's 8.1.2, the eUICC's 8.1.3 (an EID outside the EUM's
// permitted range is the eUICC certificate's) — expired 6.3, any other
// failure 6.1 (outside tester sw120: the EUM's failures were 8.1.3, the
// EID range 3.8, which the table has not).
func chainFailure(err error, what string) *es9Error {
	if errors.Is(err, rsp.ErrUnknownCI) {
		return fail(es9.SubjectCIKey, es9.ReasonUnknown, "%s: unknown CI", what)
	}
	subj, cert := es9.SubjectEUICCCert, "eUICC"
	if errors.Is(err, rsp.ErrEUMCert) {
		subj, cert = es9.SubjectEUMCert, "EUM"
	}
	switch {
	case errors.Is(err, rsp.ErrExpired):
		return fail(subj, es9.ReasonCertExpired, "%s: the %s certificate expired or not yet valid", what, cert)
	case errors.Is(err, rsp.ErrEIDOutOfRange):
		return fail(subj, es9.ReasonVerifyFailed, "%s: EID outside the EUM's permitted range", what)
	}
	return fail(subj, es9.ReasonVerifyFailed, "%s: the %s certificate does not verify", what, cert)
}
