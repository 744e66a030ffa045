package smdp

import (
	"bytes"
	"errors"
	"net"
	"net/http"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

type initiateAuthenticationRequest struct {
	SMDPAddress    string `json:"smdpAddress"`
	EuiccChallenge string `json:"euiccChallenge"`
	EuiccInfo1     string `json:"euiccInfo1"`
}

// initiateAuthentication (SGP.22 §5.6.1): check the address and the CI the
// card trusts, open a transaction, sign serverSigned1 with SK.DPauth.
func (s *Server) initiateAuthentication(_ http.ResponseWriter, body []byte) (map[string]any, error) {
	var req initiateAuthenticationRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.SMDPAddress == "" {
		return nil, fail(subjFunction, reasonMissing, "missing smdpAddress")
	}
	ch, err := b64("euiccChallenge", req.EuiccChallenge)
	if err != nil {
		return nil, err
	}
	if len(ch) != rsp.ChallengeLen {
		return nil, fail(subjFunction, reasonInvalidFormat, "euiccChallenge is %d bytes, want 16", len(ch))
	}
	infoB, err := b64("euiccInfo1", req.EuiccInfo1)
	if err != nil {
		return nil, err
	}
	info, err := rsp.DecodeEuiccInfo1(infoB)
	if err != nil {
		return nil, fail(subjFunction, reasonInvalidFormat, "euiccInfo1: %v", err)
	}
	if !s.ownAddress(req.SMDPAddress) {
		return nil, fail(subjSMDPAddress, reasonRefused, "smdpAddress %q is not this SM-DP+", req.SMDPAddress)
	}
	ciID := rsp.SubjectKeyID(s.cfg.CI)
	if !containsID(info.CiPKIDVerify, ciID) {
		return nil, fail(subjSecurityConf, reasonUnsupported, "the eUICC trusts none of this SM-DP+'s CIs")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.newTransaction(ch)
	if err != nil {
		return nil, err
	}
	signed := rsp.ServerSigned1{TransactionID: t.id, EuiccChallenge: ch, ServerAddress: req.SMDPAddress,
		ServerChallenge: t.serverChallenge}.Encode()
	sig, err := rsp.Sign(s.authCert.Key, signed)
	if err != nil {
		return nil, err
	}
	if s.faults.BadServerSignature1 {
		sig[len(sig)/2] ^= 0x01
	}
	return map[string]any{
		"transactionId":       hexID(t.id),
		"serverSigned1":       enc(signed),
		"serverSignature1":    enc(tlv.New(rsp.TagSignature, sig).Bytes()),
		"euiccCiPKIdToBeUsed": enc(tlv.New(0x04, ciID).Bytes()),
		"serverCertificate":   enc(s.authCert.DER),
	}, nil
}

// ownAddress accepts the SM-DP+ address with or without the port.
func (s *Server) ownAddress(a string) bool {
	if a == s.cfg.Host || a == s.Address() {
		return true
	}
	h, _, err := net.SplitHostPort(a)
	return err == nil && h == s.cfg.Host
}

func containsID(ids [][]byte, id []byte) bool {
	for _, x := range ids {
		if bytes.Equal(x, id) {
			return true
		}
	}
	return false
}

type authenticateClientRequest struct {
	TransactionID              string `json:"transactionId"`
	AuthenticateServerResponse string `json:"authenticateServerResponse"`
}

// authenticateClient (SGP.22 §5.6.3): verify the eUICC (chain CI → EUM →
// eUICC at virtual now, EID range, euiccSignature1, echoed transactionId and
// serverChallenge), match the order, and sign smdpSigned2 with SK.DPpb.
func (s *Server) authenticateClient(_ http.ResponseWriter, body []byte) (map[string]any, error) {
	var req authenticateClientRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	id, err := txid(req.TransactionID)
	if err != nil {
		return nil, err
	}
	raw, err := b64("authenticateServerResponse", req.AuthenticateServerResponse)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookup(id, awaitAuthClient)
	if err != nil {
		return nil, err
	}
	out, err := s.authenticateClientLocked(t, raw)
	if err != nil {
		t.step = closed
		reason := err.Error()
		var e *es9Error
		if errors.As(err, &e) {
			reason = e.msg
		}
		s.emit(KindMutualAuth, eventlog.F{"operator": s.cfg.Operator, "ok": false, "reason": reason})
		return nil, err
	}
	s.emit(KindMutualAuth, eventlog.F{"operator": s.cfg.Operator, "ok": true, "reason": ""})
	return out, nil
}

func (s *Server) authenticateClientLocked(t *transaction, raw []byte) (map[string]any, error) {
	resp, err := rsp.DecodeAuthenticateServerResponse(raw)
	if err != nil {
		return nil, fail(subjFunction, reasonInvalidFormat, "authenticateServerResponse: %v", err)
	}
	if resp.ErrorCode != 0 {
		return nil, fail(subjEUICC, reasonRefused, "eUICC refused the server: authenticateErrorCode %d", resp.ErrorCode)
	}
	eid, pub, err := rsp.VerifyEUICC(s.cfg.CI, resp.EUMCertificate, resp.EuiccCertificate, s.cfg.Now())
	switch {
	case errors.Is(err, rsp.ErrUnknownCI):
		return nil, fail(subjCIKey, reasonUnknown, "eUICC certificate chain: unknown CI")
	case errors.Is(err, rsp.ErrExpired):
		return nil, fail(subjEUICCCert, reasonCertExpired, "eUICC certificate chain expired")
	case errors.Is(err, rsp.ErrEIDOutOfRange):
		return nil, fail(subjEUICCCert, reasonRefused, "EID outside the EUM's permitted range")
	case err != nil:
		return nil, fail(subjEUICCCert, reasonVerifyFailed, "eUICC certificate chain invalid")
	}
	s1 := resp.EuiccSigned1
	if err := rsp.Verify(pub, s1.Signed(), resp.EuiccSignature1); err != nil {
		return nil, fail(subjEUICC, reasonVerifyFailed, "euiccSignature1 does not verify")
	}
	if !bytes.Equal(s1.TransactionID, t.id) {
		return nil, fail(subjTransactionID, reasonUnknown, "euiccSigned1 carries another transactionId")
	}
	if !bytes.Equal(s1.ServerChallenge, t.serverChallenge) {
		return nil, fail(subjEUICC, reasonVerifyFailed, "euiccSigned1 does not echo the serverChallenge")
	}
	if !s.ownAddress(s1.ServerAddress) {
		return nil, fail(subjSMDPAddress, reasonRefused, "euiccSigned1 names another SM-DP+")
	}
	o, err := s.findOrder(s1.CtxParams1.MatchingID, eid)
	if err != nil {
		return nil, err
	}
	t.eid, t.euiccPub, t.order, t.euiccSignature1 = eid, pub, o, resp.EuiccSignature1
	s.euicc[eid] = pub

	meta := profileMetadata(o.profile).Encode()
	signedTx := t.id
	if s.faults.WrongTransactionID {
		signedTx = append([]byte{}, t.id...)
		signedTx[0] ^= 0xFF
	}
	signed2 := rsp.SmdpSigned2{TransactionID: signedTx}.Encode()
	sig2, err := rsp.Sign(s.cfg.Certs.PB.Key, rsp.SignedData2(signed2, resp.EuiccSignature1))
	if err != nil {
		return nil, err
	}
	t.smdpSignature2 = sig2
	t.step = awaitBPP
	return map[string]any{
		"transactionId":   hexID(t.id),
		"profileMetadata": enc(meta),
		"smdpSigned2":     enc(signed2),
		"smdpSignature2":  enc(tlv.New(rsp.TagSignature, sig2).Bytes()),
		"smdpCertificate": enc(s.cfg.Certs.PB.DER),
	}, nil
}

func profileMetadata(p Profile) rsp.ProfileMetadata {
	return rsp.ProfileMetadata{ICCID: p.ICCID, ServiceProviderName: p.Operator, ProfileName: p.Name,
		IMSI: p.IMSI, Size: p.Size}
}
