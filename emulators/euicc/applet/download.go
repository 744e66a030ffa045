package applet

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	rsp "github.com/esimhil/esimhil/internal/proto/es10"
	wire "github.com/esimhil/esimhil/internal/proto/platformapi"
)

// PathDownload is the platform's download-request endpoint (claim 4).
const PathDownload = "/v1/download"

// Download steps, in the order of claim 2 (the card's IPA role, SGP.22
// §3.1.3 common mutual authentication and §3.1.3.3 download). Each waits
// for the answer to one effect.
const (
	dlPlatform     = "platform"       // POST /v1/download (claim 4 eligibility, forwarding)
	dlChallenge    = "challenge"      // ES10b GetEuiccChallenge
	dlInfo1        = "info1"          // ES10b GetEUICCInfo1
	dlInitAuth     = "initiate-auth"  // ES9+ initiateAuthentication
	dlAuthServer   = "auth-server"    // ES10b AuthenticateServer (the card checks the SM-DP+)
	dlAuthClient   = "auth-client"    // ES9+ authenticateClient (the SM-DP+ checks the card)
	dlPrepare      = "prepare"        // ES10b PrepareDownload
	dlGetBPP       = "get-bpp"        // ES9+ getBoundProfilePackage
	dlLoad         = "load"           // ES10b LoadBoundProfilePackage, one segment at a time
	dlHandleNotif  = "handle-notif"   // ES9+ handleNotification (install result)
	dlNotifSent    = "notif-sent"     // ES10b NotificationSent
	dlPlatformNote = "platform-notif" // POST /v1/notifications download-success
	dlCancelCard   = "cancel-card"    // ES10b CancelSession after a failure
	dlCancelServer = "cancel-server"  // ES9+ cancelSession
)

// Download is a profile download in progress (claim 2). It lives in State
// so that a persisted state is complete, but a Boot drops it: the ISD-R's
// session does not survive a reset.
type Download struct {
	Operator   string   `json:"operator"`
	PLMN       string   `json:"plmn"`
	Step       string   `json:"step"`
	Req        int      `json:"req"`
	SMDP       string   `json:"smdp,omitempty"`
	MatchingID string   `json:"matching_id,omitempty"`
	Challenge  []byte   `json:"challenge,omitempty"`
	TxID       string   `json:"transaction_id,omitempty"` // hex, as in ES9+
	Segments   [][]byte `json:"segments,omitempty"`
	Seg        int      `json:"seg,omitempty"`
	PIR        []byte   `json:"pir,omitempty"`
	Seq        int      `json:"seq,omitempty"`
	Profile    *Profile `json:"profile,omitempty"`
	Failed     string   `json:"failed,omitempty"`
}

// downloadAnswer is the platform's answer; Error is set on refusal.
type downloadAnswer struct {
	Operator    string `json:"operator"`
	SMDPAddress string `json:"smdp_address"`
	MatchingID  string `json:"matching_id"`
	Error       string `json:"error"`
}

// startDownload asks the platform for the first preferred operator's
// profile (claim 2: the card asks the platform, which checks eligibility
// and forwards to the operator).
func (a *Applet) startDownload(op ListOperator) {
	if a.st.DL != nil {
		a.log("check", "busy", "download of "+a.st.DL.Operator)
		return
	}
	a.log("download_requested", "operator", op.ID)
	dl := &Download{Operator: op.ID, PLMN: op.PLMN, Step: dlPlatform}
	a.st.DL = dl
	body := mustJSON(wire.DownloadRequest{EID: a.cfg.EID, Operator: op.ID, ServingPLMN: a.st.Serving})
	dl.Req = a.post(PathDownload, body)
}

func (a *Applet) es10(dl *Download, step string, req []byte) {
	dl.Step = step
	dl.Req = a.nextES10()
	a.emit(ES10{ReqID: dl.Req, Req: req})
}

func (a *Applet) es9(dl *Download, step, fn string, body any) {
	dl.Step = step
	dl.Req = a.nextReq()
	a.emit(ES9Call{ReqID: dl.Req, Address: dl.SMDP, Function: fn, Body: mustJSON(body)})
}

// es10Step reports whether the download waits for an ES10 answer (ES10
// and HTTP request ids are counted apart).
func (dl *Download) es10Step() bool {
	switch dl.Step {
	case dlChallenge, dlInfo1, dlAuthServer, dlPrepare, dlLoad, dlNotifSent, dlCancelCard:
		return true
	}
	return false
}

// downloadHTTP handles the answer to the download's platform or ES9+ call.
func (a *Applet) downloadHTTP(e HTTPResult) {
	dl := a.st.DL
	var err error
	switch dl.Step {
	case dlPlatform:
		err = a.dlPlatformAnswer(dl, e)
	case dlInitAuth:
		err = a.dlInitAuthAnswer(dl, e)
	case dlAuthClient:
		err = a.dlAuthClientAnswer(dl, e)
	case dlGetBPP:
		err = a.dlGetBPPAnswer(dl, e)
	case dlHandleNotif:
		a.dlHandleNotifAnswer(dl, e)
	case dlPlatformNote:
		a.dlPlatformNoteAnswer(dl, e)
	case dlCancelServer:
		// Best effort: the session is over on the card whatever the answer.
		a.st.DL = nil
		a.persist()
	}
	if err != nil {
		a.dlFail(dl, err.Error())
	}
}

// downloadES10 handles the answer to the download's ES10 call.
func (a *Applet) downloadES10(e ES10Result) {
	dl := a.st.DL
	if e.SW != 0x9000 && dl.Step != dlLoad {
		reason := fmt.Sprintf("ES10 %s: status word %04X", dl.Step, e.SW)
		if dl.Step == dlCancelCard {
			a.st.DL = nil
			a.persist()
			return
		}
		a.dlFail(dl, reason)
		return
	}
	var err error
	switch dl.Step {
	case dlChallenge:
		dl.Challenge, err = rsp.DecodeEuiccChallenge(e.Resp)
		if err == nil {
			a.es10(dl, dlInfo1, rsp.GetEUICCInfo1Request())
		}
	case dlInfo1:
		// SGP.22 §5.6.1: the SM-DP+ picks a CI key the card trusts from euiccInfo1.
		a.es9(dl, dlInitAuth, FnInitiateAuthentication, initiateAuthReq{
			SMDPAddress: dl.SMDP, EuiccChallenge: enc64(dl.Challenge), EuiccInfo1: enc64(e.Resp)})
	case dlAuthServer:
		err = a.dlAuthServerAnswer(dl, e.Resp)
	case dlPrepare:
		err = a.dlPrepareAnswer(dl, e.Resp)
	case dlLoad:
		err = a.dlLoadAnswer(dl, e)
	case dlNotifSent:
		a.dlNotifyPlatform(dl)
	case dlCancelCard:
		a.dlCancelAnswer(dl, e.Resp)
	}
	if err != nil {
		a.dlFail(dl, err.Error())
	}
}

func (a *Applet) dlPlatformAnswer(dl *Download, e HTTPResult) error {
	if e.Err != "" {
		return fmt.Errorf("platform: %s", e.Err)
	}
	var ans downloadAnswer
	if err := strictJSON(e.Body, &ans); err != nil && e.Status == 200 {
		return fmt.Errorf("platform: %w", err)
	}
	if e.Status != 200 {
		if ans.Error != "" {
			return fmt.Errorf("platform refused (%d): %s", e.Status, ans.Error)
		}
		return fmt.Errorf("platform: http status %d", e.Status)
	}
	if ans.SMDPAddress == "" || ans.MatchingID == "" {
		return fmt.Errorf("platform: answer without smdp_address or matching_id")
	}
	dl.SMDP, dl.MatchingID = ans.SMDPAddress, ans.MatchingID
	a.es10(dl, dlChallenge, rsp.GetEuiccChallengeRequest())
	return nil
}

// dlInitAuthAnswer turns the SM-DP+'s signed challenge answer into
// AuthenticateServer (SGP.22 §5.7.13), where the card verifies the SM-DP+
// certificate chain, serverSignature1 and the echo of its challenge.
func (a *Applet) dlInitAuthAnswer(dl *Download, e HTTPResult) error {
	var r initiateAuthResp
	if err := es9Answer(FnInitiateAuthentication, e, &r); err != nil {
		return err
	}
	tx, err := hex.DecodeString(r.TransactionID)
	if err != nil || len(tx) == 0 || len(tx) > 16 {
		return fmt.Errorf("%s: transactionId %q", FnInitiateAuthentication, r.TransactionID)
	}
	dl.TxID = strings.ToUpper(r.TransactionID)
	s1, err := b64("serverSigned1", r.ServerSigned1)
	if err != nil {
		return fmt.Errorf("%s: %w", FnInitiateAuthentication, err)
	}
	signed1, err := rsp.DecodeServerSigned1(s1)
	if err != nil {
		return fmt.Errorf("%s: serverSigned1: %w", FnInitiateAuthentication, err)
	}
	sig, err := b64("serverSignature1", r.ServerSignature1)
	if err != nil {
		return fmt.Errorf("%s: %w", FnInitiateAuthentication, err)
	}
	ci, err := b64("euiccCiPKIdToBeUsed", r.EuiccCiPKIdToBeUsed)
	if err != nil {
		return fmt.Errorf("%s: %w", FnInitiateAuthentication, err)
	}
	cert, err := b64("serverCertificate", r.ServerCertificate)
	if err != nil {
		return fmt.Errorf("%s: %w", FnInitiateAuthentication, err)
	}
	req := rsp.AuthenticateServerRequest{
		ServerSigned1: signed1, ServerSignature1: unwrap(rsp.TagSignature, sig),
		CiPKIDToBeUsed: unwrap(0x04, ci), ServerCertificate: cert,
		CtxParams1: rsp.CtxParams1{MatchingID: dl.MatchingID},
	}
	a.es10(dl, dlAuthServer, req.Encode())
	return nil
}

// unwrap returns the value of b when b is exactly one TLV with tag, else b:
// ES9+ carries signatures and key ids as the DER of their TLV (5F37, 04).
func unwrap(tag uint32, b []byte) []byte {
	obj, rest, err := tlv.ParseOne(b)
	if err == nil && len(rest) == 0 && obj.Tag == tag {
		return obj.Value
	}
	return b
}

func (a *Applet) dlAuthServerAnswer(dl *Download, resp []byte) error {
	r, err := rsp.DecodeAuthenticateServerResponse(resp)
	if err != nil {
		return fmt.Errorf("AuthenticateServer: %w", err)
	}
	if r.ErrorCode != 0 {
		return fmt.Errorf("AuthenticateServer: authenticateErrorCode %d", r.ErrorCode)
	}
	a.es9(dl, dlAuthClient, FnAuthenticateClient, authClientReq{TransactionID: dl.TxID, AuthenticateServerResponse: enc64(resp)})
	return nil
}

// dlAuthClientAnswer: the SM-DP+ accepted the card; PrepareDownload
// (SGP.22 §5.7.5) checks smdpSigned2 with the binding certificate.
func (a *Applet) dlAuthClientAnswer(dl *Download, e HTTPResult) error {
	var r authClientResp
	if err := es9Answer(FnAuthenticateClient, e, &r); err != nil {
		return err
	}
	if !strings.EqualFold(r.TransactionID, dl.TxID) {
		return fmt.Errorf("%s: transactionId %q, want %s", FnAuthenticateClient, r.TransactionID, dl.TxID)
	}
	fields := map[string]string{"profileMetadata": r.ProfileMetadata, "smdpSigned2": r.SmdpSigned2,
		"smdpSignature2": r.SmdpSignature2, "smdpCertificate": r.SmdpCertificate}
	bin := map[string][]byte{}
	for _, k := range []string{"profileMetadata", "smdpSigned2", "smdpSignature2", "smdpCertificate"} {
		b, err := b64(k, fields[k])
		if err != nil {
			return fmt.Errorf("%s: %w", FnAuthenticateClient, err)
		}
		bin[k] = b
	}
	md, err := rsp.DecodeProfileMetadata(bin["profileMetadata"])
	if err != nil {
		return fmt.Errorf("%s: profileMetadata: %w", FnAuthenticateClient, err)
	}
	s2, err := rsp.DecodeSmdpSigned2(bin["smdpSigned2"])
	if err != nil {
		return fmt.Errorf("%s: smdpSigned2: %w", FnAuthenticateClient, err)
	}
	p := Profile{ICCID: md.ICCID, Operator: dl.Operator, HomePLMN: md.HomePLMN()}
	dl.Profile = &p
	req := rsp.PrepareDownloadRequest{SmdpSigned2: s2, SmdpSignature2: unwrap(rsp.TagSignature, bin["smdpSignature2"]),
		SmdpCertificate: bin["smdpCertificate"]}
	a.es10(dl, dlPrepare, req.Encode())
	return nil
}

func homePLMN(imsi string, mncLen int) string {
	n := 5
	if mncLen == 3 {
		n = 6
	}
	if len(imsi) < n {
		return imsi
	}
	return imsi[:n]
}

func (a *Applet) dlPrepareAnswer(dl *Download, resp []byte) error {
	r, err := rsp.DecodePrepareDownloadResponse(resp)
	if err != nil {
		return fmt.Errorf("PrepareDownload: %w", err)
	}
	if r.ErrorCode != 0 {
		return fmt.Errorf("PrepareDownload: downloadErrorCode %d", r.ErrorCode)
	}
	a.es9(dl, dlGetBPP, FnGetBoundProfilePackage, getBPPReq{TransactionID: dl.TxID, PrepareDownloadResponse: enc64(resp)})
	return nil
}

// dlGetBPPAnswer splits the bound profile package into the segments an LPA
// sends one STORE DATA sequence each (SGP.22 §2.5.5).
func (a *Applet) dlGetBPPAnswer(dl *Download, e HTTPResult) error {
	var r getBPPResp
	if err := es9Answer(FnGetBoundProfilePackage, e, &r); err != nil {
		return err
	}
	bpp, err := b64("boundProfilePackage", r.BoundProfilePackage)
	if err != nil {
		return fmt.Errorf("%s: %w", FnGetBoundProfilePackage, err)
	}
	segs, err := rsp.BPPSegments(bpp)
	if err != nil {
		return fmt.Errorf("%s: %w", FnGetBoundProfilePackage, err)
	}
	dl.Segments, dl.Seg = segs, 0
	a.es10(dl, dlLoad, segs[0])
	return nil
}

// dlLoadAnswer sends the next segment until the card answers with the
// ProfileInstallationResult (BF37), at the end or at the first error.
func (a *Applet) dlLoadAnswer(dl *Download, e ES10Result) error {
	if e.SW != 0x9000 {
		return fmt.Errorf("LoadBoundProfilePackage segment %d: status word %04X", dl.Seg, e.SW)
	}
	if len(e.Resp) == 0 {
		dl.Seg++
		if dl.Seg >= len(dl.Segments) {
			return fmt.Errorf("LoadBoundProfilePackage: no installation result after %d segments", len(dl.Segments))
		}
		a.es10(dl, dlLoad, dl.Segments[dl.Seg])
		return nil
	}
	pir, err := rsp.DecodeProfileInstallationResult(e.Resp)
	if err != nil {
		return fmt.Errorf("LoadBoundProfilePackage: %w", err)
	}
	dl.Segments = nil
	dl.PIR, dl.Seq = e.Resp, pir.Data.Notification.Seq
	if !pir.Data.OK {
		// The card closed the session and installed nothing.
		dl.TxID = ""
		return fmt.Errorf("install failed: bppCommandId %d errorReason %d", pir.Data.CommandID, pir.Data.ErrorReason)
	}
	if pir.Data.Notification.ICCID != "" && dl.Profile != nil {
		dl.Profile.ICCID = pir.Data.Notification.ICCID
	}
	a.es9(dl, dlHandleNotif, FnHandleNotification, handleNotificationReq{PendingNotification: enc64(e.Resp)})
	return nil
}

// dlHandleNotifAnswer: once the SM-DP+ took the install result the card may
// forget it (NotificationSent, SGP.22 §5.7.12); if not, it stays pending in
// the card and is sent again after the next Boot.
func (a *Applet) dlHandleNotifAnswer(dl *Download, e HTTPResult) {
	if reason := notifFailure(e); reason != "" {
		a.log("notification_failed", "kind", "install", "to", dl.Operator, "seq", dl.Seq, "reason", reason)
		a.dlNotifyPlatform(dl)
		return
	}
	a.log("notification_sent", "kind", "install", "to", dl.Operator, "seq", dl.Seq)
	a.es10(dl, dlNotifSent, notificationSent(dl.Seq))
}

// notifFailure returns why a handleNotification call was not acknowledged
// (SGP.22 §6.5.2.4: HTTP 204, no body), or "".
func notifFailure(e HTTPResult) string {
	switch {
	case e.Err != "":
		return e.Err
	case e.Status != 204 && e.Status != 200:
		return fmt.Sprintf("http status %d", e.Status)
	}
	return ""
}

// notificationSent is the ES10b NotificationSent request BF30 {80 seq}.
func notificationSent(seq int) []byte { return rsp.EncodeNotificationSentRequest(seq) }

// dlNotifyPlatform tells the platform of the download (claim 2: the card
// notifies the operator and the platform).
func (a *Applet) dlNotifyPlatform(dl *Download) {
	dl.Step = dlPlatformNote
	body := mustJSON(wire.Notification{EID: a.cfg.EID, Kind: "download-success", Operator: dl.Operator, ICCID: dl.Profile.ICCID})
	dl.Req = a.post(PathNotifications, body)
}

// dlPlatformNoteAnswer ends the download: success is logged, the new
// profile enabled, and the existing switch path (REFRESH, attach check)
// follows. A notification the platform did not take is kept and resent
// after the next Boot.
func (a *Applet) dlPlatformNoteAnswer(dl *Download, e HTTPResult) {
	if reason := httpFailure(e); reason != "" {
		a.log("notification_failed", "kind", "download-success", "to", "platform", "seq", dl.Seq, "reason", reason)
		a.st.Owed = append(a.st.Owed, OwedNote{Operator: dl.Operator, ICCID: dl.Profile.ICCID, Seq: dl.Seq})
	} else {
		a.log("notification_sent", "kind", "download-success", "to", "platform", "seq", dl.Seq)
	}
	a.st.DL = nil
	a.log("download_result", "operator", dl.Operator, "ok", true, "reason", "")
	p := *dl.Profile
	if _, ok := a.profileByICCID(p.ICCID); !ok {
		a.st.Profiles = append(a.st.Profiles, p)
	}
	a.st.Enabling = p.ICCID
	a.persist()
	a.emit(EnableProfile{ICCID: p.ICCID})
}

// dlFail ends a download that failed: the reason is logged, the current
// profile stays, and an open session is cancelled on the card and then on
// the SM-DP+ (SGP.22 §3.1.3.4 / §5.7.14). The next period retries.
func (a *Applet) dlFail(dl *Download, reason string) {
	a.log("download_result", "operator", dl.Operator, "ok", false, "reason", reason)
	if dl.TxID == "" || dl.Step == dlCancelCard || dl.Step == dlCancelServer {
		a.st.DL = nil
		a.persist()
		return
	}
	tx, _ := hex.DecodeString(dl.TxID)
	dl.Failed = reason
	a.es10(dl, dlCancelCard, rsp.CancelSessionRequest{TransactionID: tx, Reason: rsp.CancelUndefinedReason}.Encode())
}

// dlCancelAnswer forwards the card's signed CancelSession answer to the
// SM-DP+ so it ends the transaction too.
func (a *Applet) dlCancelAnswer(dl *Download, resp []byte) {
	r, err := rsp.DecodeCancelSessionResponse(resp)
	if err != nil || r.ErrorCode != 0 {
		a.st.DL = nil
		a.persist()
		return
	}
	a.es9(dl, dlCancelServer, FnCancelSession, cancelSessionReq{TransactionID: dl.TxID, CancelSessionResponse: enc64(resp)})
}

// OwedNote is a notification the platform has not taken yet: a
// download-success, or an attach-success whose switch was overtaken by a
// newer one before the platform acknowledged it.
type OwedNote struct {
	Kind     string `json:"kind,omitempty"` // "" means download-success
	Operator string `json:"operator"`
	ICCID    string `json:"iccid"`
	PLMN     string `json:"plmn,omitempty"`
	Report   uint64 `json:"report,omitempty"`
	Seq      int    `json:"seq"`
	Req      int    `json:"req,omitempty"`
}

func (o OwedNote) kind() string {
	if o.Kind == "" {
		return "download-success"
	}
	return o.Kind
}

func (o OwedNote) body(eid string) []byte {
	if o.kind() == "attach-success" {
		return mustJSON(wire.Notification{EID: eid, Kind: o.Kind, ICCID: o.ICCID, Operator: o.Operator, PLMN: o.PLMN, Report: o.Report})
	}
	return mustJSON(wire.Notification{EID: eid, Kind: "download-success", Operator: o.Operator, ICCID: o.ICCID})
}

// resendOwed posts the first owed download-success notification again.
func (a *Applet) resendOwed() {
	if len(a.st.Owed) == 0 || a.st.Owed[0].Req != 0 {
		return
	}
	if !a.st.Online {
		a.st.FlushDue = true // no bearer yet: wait for normal service
		return
	}
	o := &a.st.Owed[0]
	o.Req = a.post(PathNotifications, o.body(a.cfg.EID))
}

// owedResult handles the answer to a resent download-success notification.
func (a *Applet) owedResult(e HTTPResult) {
	o := a.st.Owed[0]
	if reason := httpFailure(e); reason != "" {
		a.st.Owed[0].Req = 0
		a.st.FlushDue = true
		a.log("notification_failed", "kind", o.kind(), "to", "platform", "seq", o.Seq, "reason", reason)
		return
	}
	a.st.Owed = a.st.Owed[1:]
	a.log("notification_sent", "kind", o.kind(), "to", "platform", "seq", o.Seq)
	a.persist()
	a.resendOwed()
}

// post persists the next request counter and posts body to the platform;
// it returns the request id.
func (a *Applet) post(path string, body []byte) int {
	id := a.nextReq()
	a.st.PlatformSeq++
	a.persist() // the counter must never be reused, even after a power loss
	a.emit(HTTPPost{ReqID: id, Path: path, Body: body, Seq: a.st.PlatformSeq})
	return id
}
