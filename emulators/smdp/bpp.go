package smdp

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

var errHijacked = errors.New("connection hijacked")

// maxSentPerOrder bounds the packages an order's install result is taken
// for: the newest ones sent (one, but for a card that postponed).
const maxSentPerOrder = 4

// getBoundProfilePackage (SGP.22 §5.6.2): verify euiccSignature2 over
// euiccSigned2 ‖ smdpSignature2 and build the package bound to this session
// (InitialiseSecureChannel signed with SK.DPpb over the card's otPK, keys
// from the one-time ECDH, SGP.22 §2.6.7).
func (s *Server) getBoundProfilePackage(w http.ResponseWriter, body []byte) (es9.Message, error) {
	var req es9.GetBoundProfilePackageRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	id, raw := req.TransactionID, req.PrepareDownloadResponse
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.injected(FaultResetDuringBPP, s.faults.ResetDuringBPP) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			resetConn(conn)
			return nil, errHijacked
		}
	}
	t, err := s.lookup(id, awaitBPP)
	if err != nil {
		return nil, err
	}
	pkg, err := s.buildLocked(t, raw)
	// One package per transaction (no retry with the previous otPK):
	// built or refused, the session takes no second call for one, so it
	// lets the SAIP package go, though it lives on to its install result,
	// cancellation or TTL. A call that never got here (the reset fault)
	// leaves it for the LPA's retry.
	t.elements = nil
	if err != nil {
		t.step = refused
		return nil, err
	}
	t.step = bppSent
	s.setState(t.order, "downloaded")
	s.sent[hexID(t.id)] = sentPackage{eid: t.eid, pub: t.euiccPub, order: t.order}
	if o := t.order; len(o.sent) == maxSentPerOrder {
		// A card that postpones (cancelSession) and comes back gets a
		// package each time; the install result is the last one's.
		delete(s.sent, o.sent[0])
		o.sent = o.sent[1:]
	}
	t.order.sent = append(t.order.sent, hexID(t.id))
	switch {
	case s.injected(FaultTamperBPP, s.faults.TamperBPP):
		pkg = tamper(pkg)
	case s.injected(FaultTruncateBPP, s.faults.TruncateBPP):
		pkg = truncate(pkg)
	}
	s.emit(KindBPPSent, eventlog.F{"operator": s.cfg.Operator, "iccid": t.order.profile.ICCID})
	return es9.GetBoundProfilePackageResponse{Header: es9.Success(), TransactionID: t.id, BoundProfilePackage: pkg}, nil
}

func (s *Server) buildLocked(t *transaction, raw []byte) ([]byte, error) {
	resp, err := es10.DecodePrepareDownloadResponse(raw)
	if err != nil {
		return nil, fail(es9.SubjectFunction, es9.ReasonInvalidFormat, "prepareDownloadResponse: %v", err)
	}
	if resp.ErrorCode != 0 {
		// The eUICC refused smdpSigned2 (or its certificate): the LPA
		// passes that on, and the session takes no call now but the
		// LPA's cancelSession. No package was bound, so the
		// order stays released for the card to come back
		// (docs/conformance.md).
		if !bytes.Equal(resp.TransactionID, t.id) {
			return nil, fail(es9.SubjectTransactionID, es9.ReasonUnknown, "downloadResponseError carries another transactionId")
		}
		return nil, fail(es9.SubjectEUICC, es9.ReasonRefused, "the eUICC refused the download: %s; the session takes only cancelSession now",
			es10.ErrorText(es10.TagPrepareDownload, resp.ErrorCode))
	}
	signed := es10.SignedData2(resp.EuiccSigned2.Signed(), t.smdpSignature2)
	if err := rsp.Verify(t.euiccPub, signed, resp.EuiccSignature2); err != nil {
		return nil, fail(es9.SubjectEUICC, es9.ReasonVerifyFailed, "euiccSignature2 does not verify")
	}
	if !bytes.Equal(resp.EuiccSigned2.TransactionID, t.id) {
		return nil, fail(es9.SubjectTransactionID, es9.ReasonUnknown, "euiccSigned2 carries another transactionId")
	}
	p, elements := t.order.profile, t.elements
	otsk, err := rsp.NewOneTimeKey(s.cfg.Random)
	if err != nil {
		return nil, err
	}
	pkg, err := rsp.BuildBPP(rsp.BPPParams{
		OneTimeKey:    otsk,
		TransactionID: t.id,
		DPpb:          s.cfg.Certs.PB.Key,
		EuiccOtpk:     resp.EuiccSigned2.EuiccOtpk,
		EID:           t.eid,
		Metadata:      s.metadata(p),
		Package:       elements,
	})
	if err != nil {
		return nil, fail(es9.SubjectEUICC, es9.ReasonInvalidFormat, "cannot bind the package to otPK.EUICC: %v", err)
	}
	return pkg, nil
}

// tamper flips one byte inside the first encrypted 86 segment of A3.
func tamper(pkg []byte) []byte {
	return rewriteA3(pkg, func(segs []tlv.TLV) []tlv.TLV {
		if len(segs) == 0 || len(segs[0].Value) == 0 {
			return segs
		}
		v := append([]byte{}, segs[0].Value...)
		v[len(v)/2] ^= 0x01
		segs[0] = tlv.New(segs[0].Tag, v)
		return segs
	})
}

// truncate drops the last 86 segment of A3.
func truncate(pkg []byte) []byte {
	return rewriteA3(pkg, func(segs []tlv.TLV) []tlv.TLV {
		if len(segs) == 0 {
			return segs
		}
		return segs[:len(segs)-1]
	})
}

// rewriteA3 re-encodes BF36 with A3's segments changed by f; a package it
// cannot parse is returned unchanged.
func rewriteA3(pkg []byte, f func([]tlv.TLV) []tlv.TLV) []byte {
	outer, rest, err := tlv.ParseOne(pkg)
	if err != nil || len(rest) != 0 {
		return pkg
	}
	parts, err := outer.Children()
	if err != nil {
		return pkg
	}
	for i, p := range parts {
		if p.Tag != 0xA3 {
			continue
		}
		segs, err := p.Children()
		if err != nil {
			return pkg
		}
		parts[i] = tlv.Constructed(0xA3, f(segs)...)
	}
	return tlv.Constructed(outer.Tag, parts...).Bytes()
}
