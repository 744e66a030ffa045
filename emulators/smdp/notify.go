package smdp

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// handleNotification (SGP.22 §5.6.4): an install result (BF37, signed
// euiccSignPIR, verified with the key learnt in authenticateClient, so a
// notification re-sent after a restart is still accepted) or another signed
// notification (30, carrying its own certificate chain). Answers 204, to
// one it cannot take too (discard). note gathers what the notification
// said and what became of it, for the notification log.
func (s *Server) handleNotification(body []byte, note *smdplog.Entry) (es9.Message, error) {
	var req es9.HandleNotificationRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	n, err := es10.DecodePendingNotification(req.PendingNotification)
	if err != nil {
		return nil, discard(fail(es9.SubjectFunction, es9.ReasonInvalidFormat, "pendingNotification: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	md := n.Metadata()
	note.Kind, note.Seq, note.ICCID = md.Event.String(), md.Seq, md.ICCID
	var key string      // one notification, however often the card sends it
	var installOK *bool // an install result's outcome
	reason := 0         // a failed install's errorReason
	if n.Install != nil {
		d := n.Install.Data
		p, ok := s.sent[hexID(d.TransactionID)]
		if !ok {
			return nil, discard(fail(es9.SubjectTransactionID, es9.ReasonUnknown, "install result for an unknown transactionId"))
		}
		note.EID = p.eid
		if err := rsp.Verify(p.pub, d.Signed(), n.Install.Signature); err != nil {
			return nil, discard(fail(es9.SubjectEUICC, es9.ReasonVerifyFailed, "euiccSignPIR does not verify"))
		}
		// The result ends the RSP session, failed or not (SGP.22
		// §3.1.3.3, §5.6.4): a later call for it — cancelSession
		// included — is for an unknown transaction (8.10.1/3.9).
		if t := s.tx[hexID(d.TransactionID)]; t != nil {
			t.step = closed
		}
		key = "install/" + hexID(d.TransactionID)
		if !s.notified[key] {
			s.installed(p.order, d.OK)
		}
		installOK = &d.OK
		if !d.OK {
			reason = d.ErrorReason
		}
	} else {
		eid, pub, err := rsp.Chains.VerifyEUICC(s.cfg.CI, n.Other.EUMCertificate, n.Other.EuiccCertificate, s.cfg.Now())
		if err != nil {
			return nil, discard(chainFailure(err, "notification certificate chain"))
		}
		if err := rsp.Verify(pub, n.Other.Signed(), n.Other.Signature); err != nil {
			return nil, discard(fail(es9.SubjectEUICC, es9.ReasonVerifyFailed, "euiccNotificationSignature does not verify"))
		}
		key = fmt.Sprintf("%s/%d", eid, md.Seq)
		note.EID = eid
	}
	if s.notified[key] {
		// A card that lost our answer (a power cut) sends it again
		// (SGP.22 §3.5: delivery until acknowledged): acknowledge, once.
		s.emit(KindNotificationDuplicate, eventlog.F{"operator": s.cfg.Operator, "kind": md.Event.String(), "seq": md.Seq})
		note.Outcome = smdplog.Duplicate
		return nil, errNoContent
	}
	s.notified[key] = true
	if old, ok := s.notifiedOrder.push(key); ok {
		delete(s.notified, old)
	}
	f := eventlog.F{"operator": s.cfg.Operator, "kind": md.Event.String(), "seq": md.Seq}
	if installOK != nil {
		f["ok"] = *installOK
	}
	if reason != 0 {
		// Why the card refused the package (SGP.22 §2.5.6 errorReason,
		// e.g. 15 pprNotAllowed).
		f["error_reason"] = reason
	}
	s.emit(KindNotificationReceived, f)
	note.Outcome, note.OK, note.ErrorReason = smdplog.Taken, installOK, reason
	return nil, errNoContent
}

// discard marks e as a notification to acknowledge and drop (es9Error).
func discard(e *es9Error) *es9Error {
	e.discard = true
	return e
}

// installed records an install result on its order (SGP.22 §5.6.4): a
// successful one makes it installed; a failed one puts it in error (the
// profile was not installed; a retry goes through a new order). The
// result ended the session (handleNotification). The order is the
// package's (sent), found alike whether its session is still held or gone
// (its TTL ended, or it was the oldest of too many).
func (s *Server) installed(o *order, ok bool) {
	if o.state == "downloaded" {
		s.setState(o, map[bool]string{true: "installed", false: "error"}[ok])
	}
}

// cancelSession (SGP.22 §5.6.5): the LPA's cancellation ends the session.
// The SM-DP+ verifies euiccCancelSessionSigned — its transactionId, its
// smdpOid (this SM-DP+'s, from CERT.DPauth: else 8.8/3.10) and the eUICC's
// signature with PK.EUICC.SIG attached to the session — and a cancellation
// that fails one is refused, the session left as it was. The order then
// depends on the reason the card signed: postponed (1) and timeout (2)
// release it for a later download; any other reason (end user rejection,
// PPR not allowed, metadata mismatch, loadBppExecutionError,
// undefined) puts it in error. An order already installed stays so. A
// session an install result ended is unknown here (8.10.1/3.9): the
// result settled its order (SGP.22 §3.1.3.3, §5.6.4). A session that
// authenticateClient or getBoundProfilePackage refused is not (refused):
// the eUICC's side is still open after such an error, and the LPA's
// Common Cancel Session (§3.0.2) ends both, its reason deciding the order
// — one refused for lack of room (8.1/4.8) too, which the card postpones.
//
// A cancellation whose signature cannot be verified moves no order
// (docs/conformance.md, outside tester t71 F10): the error form
// (cancelSessionResponseError, which the eUICC does not sign) and a signed
// form before authenticateClient (no PK.EUICC.SIG yet: no order is bound
// to the session then either) only end the session; anyone holding the
// transactionId could send them.
func (s *Server) cancelSession(_ http.ResponseWriter, body []byte) (es9.Message, error) {
	var req es9.CancelSessionRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	id := req.TransactionID
	resp, err := es10.DecodeCancelSessionResponse(req.CancelSessionResponse)
	if err != nil {
		return nil, fail(es9.SubjectFunction, es9.ReasonInvalidFormat, "cancelSessionResponse: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tx[hexID(id)]
	if t == nil || t.step == closed {
		return nil, fail(es9.SubjectTransactionID, es9.ReasonUnknown, "unknown transactionId")
	}
	verified := false
	if resp.ErrorCode == 0 {
		if !bytes.Equal(resp.TransactionID, t.id) {
			return nil, fail(es9.SubjectTransactionID, es9.ReasonUnknown, "euiccCancelSessionSigned carries another transactionId")
		}
		if own := rsp.RegisteredID(s.cfg.Certs.Auth.X509); !bytes.Equal(resp.SmdpOID, own) {
			return nil, fail(es9.SubjectSMDP, es9.ReasonInvalidAssociation, "euiccCancelSessionSigned names another SM-DP+'s OID")
		}
		if pub := t.euiccPub; pub != nil {
			if err := rsp.Verify(pub, resp.SignedPart(), resp.Signature); err != nil {
				return nil, fail(es9.SubjectEUICC, es9.ReasonVerifyFailed, "euiccCancelSessionSignature does not verify")
			}
			verified = true
		}
	}
	t.step = closed
	reason := -1
	if resp.ErrorCode == 0 {
		reason = resp.Reason
	}
	state := ""
	if o := t.order; o != nil {
		if verified && (o.state == "downloaded" || o.state == "released") {
			switch reason {
			case es10.CancelPostponed, es10.CancelTimeout:
				s.setState(o, "released")
			default:
				s.setState(o, "error")
			}
		}
		state = o.state
	}
	s.emit(KindSessionCancelled, eventlog.F{"operator": s.cfg.Operator, "reason": reason, "order": state, "verified": verified})
	return es9.HeaderOnly{Header: es9.Success()}, nil
}
