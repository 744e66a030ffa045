package applet

import (
	"errors"
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Download steps, in the order of claim 2 (the card's IPA role, SGP.22
// §3.1.3 common mutual authentication and §3.1.3.3 download). Each waits
// for the answer to one request; the mode is ModeAttemptDownloading
// throughout.
const (
	dlPlatform     = "platform"      // POST /v1/download (claim 4 eligibility, forwarding)
	dlChallenge    = "challenge"     // ES10b GetEuiccChallenge
	dlInfo1        = "info1"         // ES10b GetEUICCInfo1
	dlInitAuth     = "initiate-auth" // ES9+ initiateAuthentication
	dlAuthServer   = "auth-server"   // ES10b AuthenticateServer (the card checks the SM-DP+)
	dlAuthClient   = "auth-client"   // ES9+ authenticateClient (the SM-DP+ checks the card)
	dlPrepare      = "prepare"       // ES10b PrepareDownload
	dlGetBPP       = "get-bpp"       // ES9+ getBoundProfilePackage
	dlLoad         = "load"          // ES10b LoadBoundProfilePackage, one segment at a time
	dlHandleNotif  = "handle-notif"  // ES9+ handleNotification (the install result, ok or not)
	dlNotifSent    = "notif-sent"    // ES10b NotificationSent
	dlCancelCard   = "cancel-card"   // ES10b CancelSession after a failure
	dlCancelServer = "cancel-server" // ES9+ cancelSession
)

// ReasonCCRequired is download_result's reason when the SM-DP+ asks for
// a confirmation code (ccRequiredFlag in smdpSigned2), which a card with
// no user cannot give.
const ReasonCCRequired = es9.FnAuthenticateClient + ": confirmation code required (ccRequiredFlag in smdpSigned2, SGP.22 §3.1.3): the card has no user to enter one; the session is cancelled (endUserRejection)"

// DownloadSteps lists the steps in order (for tests and state checks).
var DownloadSteps = []string{dlPlatform, dlChallenge, dlInfo1, dlInitAuth, dlAuthServer, dlAuthClient,
	dlPrepare, dlGetBPP, dlLoad, dlHandleNotif, dlNotifSent, dlCancelCard, dlCancelServer}

// Download is a profile download in progress (claim 2), the data of
// ModeAttemptDownloading. A Boot ends it: the ISD-R's session does not
// survive a reset (the segments, which only serve the load in progress,
// are not persisted).
type Download struct {
	Operator   string   `json:"operator"`
	PLMN       string   `json:"plmn"`
	Step       string   `json:"step"`
	SMDP       string   `json:"smdp,omitempty"`
	MatchingID string   `json:"matching_id,omitempty"`
	Challenge  []byte   `json:"challenge,omitempty"`
	TxID       string   `json:"transaction_id,omitempty"` // hex, as in ES9+
	Segments   [][]byte `json:"-"`
	Seg        int      `json:"seg,omitempty"`
	Seq        int      `json:"seq,omitempty"`
	Profile    *Profile `json:"profile,omitempty"`
	// Failed is why the download failed; set, the steps left only clean up
	// (the install result to the SM-DP+, the session cancelled).
	Failed string `json:"failed,omitempty"`
	// Refused says the card refused the package (a failed
	// ProfileInstallationResult): the SM-DP+ gets that result and nothing
	// is cancelled — the result ended the session on the card and, once
	// taken, at the SM-DP+ (SGP.22 §3.1.3.3, §5.6.4).
	Refused bool `json:"refused,omitempty"`
	// ServerGone: the SM-DP+ answered that it holds no session for the
	// transactionId (es9.StatusError.SessionGone): the card ends its own
	// session and sends the SM-DP+ no cancelSession.
	ServerGone bool `json:"server_gone,omitempty"`
	// Unsent: the request to the platform has not left the device. It
	// is set with the request and cleared as its first byte goes
	// (HTTPSent), in NVM, so it still says so after a power cut: a
	// request queued behind a note, or whose channel did not open, never
	// reached the platform. No order was placed and nothing switched,
	// the two costs the back-off spares (DESIGN §1), so the operator is
	// not backed off, as one that had no chance (failAttemptAs), whether
	// the exchange failed or a cut stopped it (resumeDownload). A
	// platform that stays unreachable costs no loop: the next check's
	// list request fails first. A platform that answered — a refusal,
	// an error status — or that had the request and did not answer (it
	// may have ordered the profile; also a cut after the first byte
	// went) backs the operator off.
	Unsent bool `json:"unsent,omitempty"`
}

// startDownload asks the platform for the operator's profile (claim 2: the
// card asks the platform, which checks eligibility and forwards to the
// operator).
func (a *Applet) startDownload(op ListOperator) {
	c := a.st.Cycle
	a.log(KindDownloadRequested, "operator", op.ID)
	c.Download = &Download{Operator: op.ID, PLMN: op.PLMN, Step: dlPlatform, Unsent: true}
	c.Target, c.Booted = "", false
	a.become(ModeAttemptDownloading)
	a.post(ownerDownload, PathDownload, mustJSON(platformapi.DownloadRequest{EID: a.cfg.EID, Operator: op.ID, ServingPLMN: c.Serving}))
}

func (a *Applet) es10(dl *Download, step string, req []byte) {
	dl.Step = step
	if step == dlLoad {
		// A segment changes the card's NVM (its install record, from the
		// first segment on): the step goes to NVM first, so that a reset
		// after it resumes in "load", as the card's install_interrupted
		// says (outside tester t144 F4: the first segment's reset read
		// "get-bpp"). The end of Step would write it anyway, after.
		a.persistIfChanged()
	}
	a.emit(ES10{ReqID: a.send(ownerDownload, answerES10), Req: req})
}

func (a *Applet) es9(dl *Download, step, fn string, body es9.Message) {
	dl.Step = step
	a.emit(ES9Call{ReqID: a.send(ownerDownload, answerHTTP), Address: dl.SMDP, Function: fn, Body: es9.Encode(body)})
}

// es10Step reports whether step waits for an ES10 answer.
func es10Step(step string) bool {
	switch step {
	case dlChallenge, dlInfo1, dlAuthServer, dlPrepare, dlLoad, dlNotifSent, dlCancelCard:
		return true
	}
	return false
}

// requestSent takes HTTPSent: once the download's platform request has
// begun to leave, the platform may order the profile, and a cut from then
// on backs the operator off (Download.Unsent). Any other request's first
// byte changes nothing the card keeps.
func (a *Applet) requestSent(id int) {
	if a.st.Cycle == nil || a.st.Cycle.Download == nil {
		return
	}
	dl := a.st.Cycle.Download
	if dl.Step != dlPlatform {
		return
	}
	if slices.ContainsFunc(a.st.InFlight, func(r Request) bool { return r.ID == id && r.Owner == ownerDownload }) {
		dl.Unsent = false
	}
}

// downloadHTTP handles the answer to the download's platform or ES9+ call.
func (a *Applet) downloadHTTP(e HTTPResult) {
	dl := a.st.Cycle.Download
	if dl.Step == dlPlatform {
		// The exchange's own word, whether or not HTTPSent came: a
		// platform that never had the request costs the operator no
		// back-off (downloadOver).
		dl.Unsent = e.Unsent
	}
	if dl.Failed != "" && (dl.Step == dlAuthClient || dl.Step == dlGetBPP) {
		// The SM-DP+'s answer to the card's own error (dlTellServer):
		// the session is over on both sides, whatever it says.
		a.downloadOver(dl)
		return
	}
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
	case dlCancelServer:
		// Best effort: the session is over on the card whatever the answer.
		a.downloadOver(dl)
	}
	if err != nil {
		var se *es9.StatusError
		dl.ServerGone = errors.As(err, &se) && se.SessionGone()
		// With e.Err set, err is e.Err prefixed: its terminal result goes along.
		a.dlFail(dl, err.Error(), resultField(e)...)
	}
}

// downloadES10 handles the answer to the download's ES10 call.
func (a *Applet) downloadES10(e ES10Result) {
	dl := a.st.Cycle.Download
	if e.SW != 0x9000 && dl.Step != dlLoad {
		reason := fmt.Sprintf("ES10 %s: status word %04X", dl.Step, e.SW)
		switch dl.Step {
		case dlCancelCard:
			a.downloadOver(dl)
		case dlNotifSent:
			a.dlNotified(dl)
		default:
			a.dlFail(dl, reason)
		}
		return
	}
	var err error
	switch dl.Step {
	case dlChallenge:
		dl.Challenge, err = es10.DecodeEuiccChallenge(e.Resp)
		if err == nil {
			a.es10(dl, dlInfo1, es10.GetEUICCInfo1Request())
		}
	case dlInfo1:
		// SGP.22 §5.6.1: the SM-DP+ picks a CI key the card trusts from euiccInfo1.
		a.es9(dl, dlInitAuth, es9.FnInitiateAuthentication, &es9.InitiateAuthenticationRequest{
			SMDPAddress: dl.SMDP, EuiccChallenge: dl.Challenge, EuiccInfo1: e.Resp})
	case dlAuthServer:
		err = a.dlAuthServerAnswer(dl, e.Resp)
	case dlPrepare:
		err = a.dlPrepareAnswer(dl, e.Resp)
	case dlLoad:
		err = a.dlLoadAnswer(dl, e)
	case dlNotifSent:
		a.dlNotified(dl)
	case dlCancelCard:
		a.dlCancelAnswer(dl, e.Resp)
	}
	switch {
	case err != nil && dl.Step == dlLoad:
		a.dlFailLoad(dl, err.Error())
	case err != nil:
		a.dlFail(dl, err.Error())
	}
}

// dlFailLoad ends a load the card's IPA could not finish — a segment
// answered with an error status word, no install result after the last
// segment, or one it cannot read — with the session cancelled for
// loadBppExecutionError, the reason SGP.22 gives an LPA for it (§3.1.3.3,
// CancelSessionReason §5.7.14). An install result the card made is never
// followed by a cancellation (dlNotified).
func (a *Applet) dlFailLoad(dl *Download, reason string) {
	a.dlFailCancel(dl, es10.CancelLoadBppExecution, reason)
}

func (a *Applet) dlPlatformAnswer(dl *Download, e HTTPResult) error {
	if why := httpFailure(e); why != "" {
		if r := refusal(e.Body); e.Err == "" && r != "" {
			return fmt.Errorf("platform refused (%d): %s", e.Status, r)
		}
		return fmt.Errorf("platform: %s", why)
	}
	ans, err := platformapi.DecodeDownloadResponse(e.Body)
	if err != nil {
		return fmt.Errorf("platform: download answer: %w", err)
	}
	if ans.Operator != dl.Operator {
		return fmt.Errorf("platform: download answer for operator %q, asked for %q", ans.Operator, dl.Operator)
	}
	dl.SMDP, dl.MatchingID = ans.SMDPAddress, ans.MatchingID
	a.st.noteSMDP(dl.SMDP, dl.Operator)
	a.es10(dl, dlChallenge, es10.GetEuiccChallengeRequest())
	return nil
}

// dlInitAuthAnswer turns the SM-DP+'s signed challenge answer into
// AuthenticateServer (SGP.22 §5.7.13), where the card verifies the SM-DP+
// certificate chain, serverSignature1 and the echo of its challenge.
func (a *Applet) dlInitAuthAnswer(dl *Download, e HTTPResult) error {
	var r es9.InitiateAuthenticationResponse
	if err := es9Answer(es9.FnInitiateAuthentication, e, &r, &r.Header); err != nil {
		return err
	}
	dl.TxID = r.TransactionID.String()
	signed1, err := es10.DecodeServerSigned1(r.ServerSigned1)
	if err != nil {
		return fmt.Errorf("%s: serverSigned1: %w", es9.FnInitiateAuthentication, err)
	}
	// ctxParams1 carries what the device tells the SM-DP+ about itself
	// (SGP.22 §5.7.13: DeviceInfo with TAC, capabilities and IMEI); the
	// card signs it into euiccSigned1 as received.
	req := es10.AuthenticateServerRequest{
		ServerSigned1: signed1, ServerSignature1: unwrap(es10.TagSignature, r.ServerSignature1),
		CiPKIDToBeUsed: unwrap(0x04, r.EuiccCiPKIdToBeUsed), ServerCertificate: r.ServerCertificate,
		CtxParams1: es10.CtxParams1{MatchingID: dl.MatchingID, DeviceInfo: a.cfg.DeviceInfo},
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
	r, err := es10.DecodeAuthenticateServerResponse(resp)
	if err != nil {
		return fmt.Errorf("AuthenticateServer: %w", err)
	}
	if r.ErrorCode != 0 {
		a.dlTellServer(dl, "AuthenticateServer: "+es10.ErrorText(es10.TagAuthenticateServer, r.ErrorCode), dlAuthClient, es9.FnAuthenticateClient,
			&es9.AuthenticateClientRequest{TransactionID: dl.txID(), AuthenticateServerResponse: resp})
		return nil
	}
	a.es9(dl, dlAuthClient, es9.FnAuthenticateClient, &es9.AuthenticateClientRequest{TransactionID: dl.txID(), AuthenticateServerResponse: resp})
	return nil
}

// dlTellServer ends a download the ISD-R refused in AuthenticateServer or
// PrepareDownload: its error answer (AuthenticateResponseError,
// DownloadResponseError, each with the transactionId) goes to the SM-DP+
// in the function that would have carried the ok answer, so that it ends
// the session rather than time it out (SGP.22 §3.1.3, §5.6.2/§5.6.3: the
// error forms carry the transactionId for this; lpac does the same). The
// ISD-R ended its own session with the error, so nothing is cancelled;
// whatever the SM-DP+ answers, the attempt is over (dl.Failed set).
func (a *Applet) dlTellServer(dl *Download, reason, step, fn string, body es9.Message) {
	a.log(KindDownloadResult, "operator", dl.Operator, "ok", false, "reason", reason)
	dl.Failed = reason
	a.es9(dl, step, fn, body)
}

// dlAuthClientAnswer: the SM-DP+ accepted the card; PrepareDownload
// (SGP.22 §5.7.5) checks smdpSigned2 with the binding certificate.
func (a *Applet) dlAuthClientAnswer(dl *Download, e HTTPResult) error {
	var r es9.AuthenticateClientResponse
	if err := es9Answer(es9.FnAuthenticateClient, e, &r, &r.Header); err != nil {
		// An eligibility refusal for lack of memory (8.1/4.8) is
		// remembered as the ISD-R's errorReason 10 is (room.go), and the
		// session is cancelled as after any refusal, for the reason
		// postponed: the card comes back for the order once a profile
		// has left it, and the SM-DP+ keeps it released for that
		// (SGP.22 §5.6.5), where undefinedReason would put it in error.
		if a.noteSMDPNoRoom(dl.Operator, err) {
			a.dlFailCancel(dl, es10.CancelPostponed, err.Error(), resultField(e)...)
			return nil
		}
		return err
	}
	if got := r.TransactionID.String(); got != dl.TxID {
		return fmt.Errorf("%s: transactionId %s, want %s", es9.FnAuthenticateClient, got, dl.TxID)
	}
	md, err := es10.DecodeProfileMetadata(r.ProfileMetadata)
	if err != nil {
		return fmt.Errorf("%s: profileMetadata: %w", es9.FnAuthenticateClient, err)
	}
	s2, err := es10.DecodeSmdpSigned2(r.SmdpSigned2)
	if err != nil {
		return fmt.Errorf("%s: smdpSigned2: %w", es9.FnAuthenticateClient, err)
	}
	if s2.CCRequired {
		// SGP.22 §3.1.3: with ccRequiredFlag the LPA asks the end user for
		// the confirmation code and PrepareDownload signs its hash
		// (hashCc) into euiccSigned2. This card has no user to ask, so
		// the download cannot go on; a strict SM-DP+ would refuse
		// getBoundProfilePackage without hashCc (outside tester t180 F5).
		// endUserRejection, not postponed: no later attempt can give the
		// code, so the SM-DP+ is not asked to keep the order for one
		// (docs/conformance.md).
		a.dlFailCancel(dl, es10.CancelEndUserRejection, ReasonCCRequired)
		return nil
	}
	p := Profile{ICCID: md.ICCID, Operator: dl.Operator, HomePLMN: md.HomePLMN()}
	dl.Profile = &p
	req := es10.PrepareDownloadRequest{SmdpSigned2: s2, SmdpSignature2: unwrap(es10.TagSignature, r.SmdpSignature2),
		SmdpCertificate: r.SmdpCertificate}
	a.es10(dl, dlPrepare, req.Encode())
	return nil
}

func (a *Applet) dlPrepareAnswer(dl *Download, resp []byte) error {
	r, err := es10.DecodePrepareDownloadResponse(resp)
	if err != nil {
		return fmt.Errorf("PrepareDownload: %w", err)
	}
	if r.ErrorCode != 0 {
		a.dlTellServer(dl, "PrepareDownload: "+es10.ErrorText(es10.TagPrepareDownload, r.ErrorCode), dlGetBPP, es9.FnGetBoundProfilePackage,
			&es9.GetBoundProfilePackageRequest{TransactionID: dl.txID(), PrepareDownloadResponse: resp})
		return nil
	}
	a.es9(dl, dlGetBPP, es9.FnGetBoundProfilePackage, &es9.GetBoundProfilePackageRequest{TransactionID: dl.txID(), PrepareDownloadResponse: resp})
	return nil
}

// dlGetBPPAnswer splits the bound profile package into the segments an LPA
// sends one STORE DATA sequence each (SGP.22 §2.5.5).
func (a *Applet) dlGetBPPAnswer(dl *Download, e HTTPResult) error {
	var r es9.GetBoundProfilePackageResponse
	if err := es9Answer(es9.FnGetBoundProfilePackage, e, &r, &r.Header); err != nil {
		return err
	}
	if got := r.TransactionID.String(); got != dl.TxID {
		return fmt.Errorf("%s: transactionId %s, want %s", es9.FnGetBoundProfilePackage, got, dl.TxID)
	}
	segs, err := es10.BPPSegments(r.BoundProfilePackage)
	if err != nil {
		return fmt.Errorf("%s: %w", es9.FnGetBoundProfilePackage, err)
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
	pir, err := es10.DecodeProfileInstallationResult(e.Resp)
	if err != nil {
		return fmt.Errorf("LoadBoundProfilePackage: %w", err)
	}
	dl.Segments = nil
	dl.Seq = pir.Data.Notification.Seq
	if !pir.Data.OK {
		// The card refused the package and installed nothing. SGP.22
		// §3.1.3.3: the install result goes to the SM-DP+ all the same,
		// and it is the session's end on both sides: no CancelSession
		// follows (dlNotified).
		dl.Refused = true
		// The standard's names beside the codes (outside tester t180 F9).
		dl.Failed = "install failed: " + es10.Named("bppCommandId", pir.Data.CommandID, es10.BPPCommandName(pir.Data.CommandID)) +
			", " + es10.Named("errorReason", pir.Data.ErrorReason, es10.ReasonName(pir.Data.ErrorReason))
		a.noteNoRoom(dl.Operator, pir.Data.ErrorReason)
		a.log(KindDownloadResult, "operator", dl.Operator, "ok", false, "reason", dl.Failed)
	} else if pir.Data.Notification.ICCID != "" && dl.Profile != nil {
		dl.Profile.ICCID = pir.Data.Notification.ICCID
	}
	a.es9(dl, dlHandleNotif, es9.FnHandleNotification, &es9.HandleNotificationRequest{PendingNotification: e.Resp})
	return nil
}

// dlHandleNotifAnswer: once the SM-DP+ took the install result the card may
// forget it (NotificationSent, SGP.22 §5.7.12); if not, it stays pending in
// the card and is sent again after the next Boot.
func (a *Applet) dlHandleNotifAnswer(dl *Download, e HTTPResult) {
	if reason := notifFailure(e); reason != "" {
		a.log(KindNotificationFailed, append([]any{"kind", "install", "to", dl.Operator, "seq", dl.Seq, "reason", reason}, resultField(e)...)...)
		a.dlNotified(dl)
		return
	}
	a.log(KindNotificationSent, withRefusal([]any{"kind", "install", "to", dl.Operator, "seq", dl.Seq}, e)...)
	a.es10(dl, dlNotifSent, notificationSent(dl.Seq))
}

// notifFailure returns why a handleNotification call was not acknowledged
// (SGP.22 §6.5.2.4: HTTP 204, no body), or "". A 200 whose body is no
// ES9+ answer (cut or garbled on the way: a broken gateway) says nothing
// of whether the SM-DP+ took the notification: it is kept and sent
// again, as a garbled platform answer is (outside tester t180 F2).
func notifFailure(e HTTPResult) string {
	switch {
	case e.Err != "":
		return e.Err
	case e.Status != 204 && e.Status != 200:
		return fmt.Sprintf("http status %d", e.Status)
	case e.Status == 200 && len(e.Body) > 0:
		var h es9.HeaderOnly
		if err := es9.Decode(e.Body, &h); err != nil {
			return fmt.Sprintf("%s: http status 200 with a body that is no ES9+ answer: %v", es9.FnHandleNotification, err)
		}
	}
	return ""
}

// smdpRefusal returns why an SM-DP+ refused a notification it answered:
// a 200 whose body is a failed function's header (SGP.22 §6.5.1.4; an
// SM-DP+ that does not know the transaction, or the notification's
// profile), or "". The card forgets it all the same — sending it again
// cannot help — but the event says it was refused, not taken. A body
// that does not decode is notifFailure's.
func smdpRefusal(e HTTPResult) string {
	if e.Err != "" || e.Status != 200 || len(e.Body) == 0 {
		return ""
	}
	var h es9.HeaderOnly
	if es9.Decode(e.Body, &h) != nil {
		return ""
	}
	if err := h.Header.Err(); err != nil {
		return fmt.Sprintf("%s: %v", es9.FnHandleNotification, err)
	}
	return ""
}

// withRefusal adds to a notification_sent event's fields the SM-DP+'s
// refusal, when it refused the notification.
func withRefusal(kv []any, e HTTPResult) []any {
	if r := smdpRefusal(e); r != "" {
		return append(kv, "refused", r)
	}
	return kv
}

// notificationSent is the ES10b NotificationSent request BF30 {80 seq}.
func notificationSent(seq int) []byte { return es10.EncodeNotificationSentRequest(seq) }

// dlNotified follows the install result's delivery: a refused package
// ends the attempt; an installed profile is announced to the
// platform (claim 2: the card notifies the operator and the platform,
// through the outbox) and enabled, the same attempt going on as a switch.
//
// No Common Cancel Session after a failed result (outside tester t180
// F7): the eUICC ended its session when it made the result (SGP.22
// §5.7.6), so ES10b CancelSession would name an unknown transaction
// (invalidTransactionId, §5.7.14), and the SM-DP+ ends its session on
// taking the result (§3.1.3.3, §5.6.4), so ES9+ cancelSession would be
// refused (8.10.1/3.9, §5.6.5). loadBppExecutionError is for a load the
// LPA could not finish, with no result made (dlFailLoad).
func (a *Applet) dlNotified(dl *Download) {
	if dl.Refused {
		a.downloadOver(dl)
		return
	}
	p := *dl.Profile
	a.log(KindDownloadResult, "operator", dl.Operator, "ok", true, "reason", "")
	if _, ok := a.profileByICCID(p.ICCID); !ok {
		a.st.Profiles = append(a.st.Profiles, p)
	}
	a.installed(p, dl.Seq, false)
}

// installed goes on from a profile the download put on the card: the
// platform is owed its download-success (posted now if there is a bearer)
// and the profile is enabled, the same attempt going on as a switch. The
// mode changes before the post, so a reset while it is in flight resumes
// the switch, not the download. afterReset: the install reached NVM
// before a reset, and the device may have moved while it was off: the
// enable waits for its place (holdForPlace).
func (a *Applet) installed(p Profile, seq int, afterReset bool) {
	c := a.st.Cycle
	c.Download = nil
	if why := a.leftArea(c); why != "" {
		// The device crossed into another country, or came home, while
		// the profile downloaded (a slow platform or SM-DP+: outside
		// tester sw64): enabling it would cost a switch for the country
		// left and one back, as acting on a late list would. It stays
		// installed for a later list, the platform is told so, and the
		// next check asks for the new country's.
		a.enqueue(Note{Kind: NoteDownloadSuccess, Operator: p.Operator, ICCID: p.ICCID, Seq: seq})
		a.endCycle(OutcomeListExhausted, why)
		return
	}
	// Held from the start (no enable out), so the note goes first: ahead
	// of any the platform has been failing (oweFirst), sent now.
	c.Target, c.Booted, c.EnableAfterNote = p.ICCID, false, true
	a.become(ModeAttemptEnabling)
	a.oweFirst(Note{Kind: NoteDownloadSuccess, Operator: p.Operator, ICCID: p.ICCID, Seq: seq})
	a.flush()
	if afterReset {
		a.holdForPlace()
		return
	}
	// The enable waits for the note's answer (a slow platform holds it):
	// a device that leaves the country meanwhile must not be switched at
	// home (outside tester sw66: enabled 20 s after it came home, the
	// location ignored as an enable's).
	a.enableOrHold()
}

// holdForPlace holds the enable of an attempt a reset interrupted until
// the terminal names the network the device is on (placeKnown): it may
// have been carried home, or across a border, while it was off, and
// switching before it knows would cost a REFRESH for a country left and
// one back, and report the profile failed where it was never meant to
// attach (outside tester sw75: a cut between the install and the switch,
// the power back in Beijing or Berlin). The check reads the location
// while it waits (stepEnabling); the notes owed go out on the first
// bearer, and the enable after their answer, as any held enable.
func (a *Applet) holdForPlace() {
	c := a.st.Cycle
	c.EnableAfterNote = true
	a.log(KindEnableHeld, "operator", c.Current, "iccid", c.Target, "reason", ReasonPlaceUnknown)
}

// ReasonPlaceUnknown is enable_held's reason after a reset.
const ReasonPlaceUnknown = "the card was reset: it waits for the network the device woke up on"

// heldForPlace says an attempt's enable is held with no note in flight:
// only holdForPlace leaves it so (enableOrHold holds for a note in flight,
// whose answer lets it go).
func (a *Applet) heldForPlace() bool {
	c := a.st.Cycle
	return c != nil && a.st.Mode == ModeAttemptEnabling && c.EnableAfterNote && !a.notesOut()
}

// notesOut reports whether a note is on its way over the bearer — the
// outbox's to the platform, or a pending SGP.22 notification to its SM-DP+
// — whose answer an enable's REFRESH would cut, and the note go twice.
func (a *Applet) notesOut() bool {
	return slices.ContainsFunc(a.st.InFlight, func(r Request) bool {
		return r.Answer == answerHTTP && (r.Owner == ownerOutbox || r.Owner == ownerRetry)
	})
}

// placeKnown lets an enable held for its place go once the terminal names
// plmn: enabled if the device is in the list's country, else the cycle
// ends unswitched (leftArea), the profile kept.
func (a *Applet) placeKnown(plmn string) {
	c := a.st.Cycle
	if !a.heldForPlace() || plmn == "" {
		return
	}
	c.EnableAfterNote = false
	if why := leftAreaAt(c, plmn, a.st.Online); why != "" {
		a.endCycle(OutcomeListExhausted, why)
		return
	}
	a.emit(EnableProfile{ICCID: c.Target})
}

// leftArea says why a downloaded profile is not to be enabled: the device
// is served in another country than the list's ("" when it is not).
func (a *Applet) leftArea(c *Cycle) string {
	if !a.st.Online {
		return ""
	}
	return leftAreaAt(c, a.st.Serving, true)
}

// leftAreaAt is leftArea for a device on plmn, served (online) or camped
// in limited service.
func leftAreaAt(c *Cycle, plmn string, online bool) string {
	now := mcc(plmn)
	if now == "" || c.Area == "" || inArea(now, c.Area, c.Country) {
		return ""
	}
	on := "served by " + plmn
	if !online {
		on = "camped on " + plmn + " (limited service)"
	}
	return fmt.Sprintf("%s: the profile for %s is kept, not enabled: the device is now %s", ReasonLeftArea, listPlace(c.Area, c.Country), on)
}

// enableOrHold emits the enable of the cycle's Target, or holds it while a
// note is in flight to the platform or an SM-DP+ (notesOut): the REFRESH after an enable resets
// the bearer before the note's answer is read, and the card would send
// the note again (outside tester sw64 F2: a duplicate the platform had to
// recognise). enableAfterNote lets it go.
func (a *Applet) enableOrHold() {
	c := a.st.Cycle
	if a.notesOut() {
		c.EnableAfterNote = true
		return
	}
	c.EnableAfterNote = false
	a.emit(EnableProfile{ICCID: c.Target})
}

// enableAfterNote lets a held enable go once the note's answer came (or
// failed), unless an attempt's device left the list's country meanwhile;
// a fallback is enabled wherever the device is, for a bearer.
func (a *Applet) enableAfterNote() {
	c := a.st.Cycle
	if c == nil || !c.EnableAfterNote || !a.st.Mode.enabling() {
		return
	}
	if a.notesOut() {
		return // another note's answer lets it go
	}
	c.EnableAfterNote = false
	if why := a.leftArea(c); why != "" && !a.st.Mode.fallback() {
		a.endCycle(OutcomeListExhausted, why)
		return
	}
	a.emit(EnableProfile{ICCID: c.Target})
}

// dlFail ends a download that failed: the reason is logged, the current
// profile stays, and an open session is cancelled on the card and then on
// the SM-DP+ (SGP.22 §3.1.3.4 / §5.7.14); then the list goes on. kv are
// more fields of its download_result (resultField).
func (a *Applet) dlFail(dl *Download, reason string, kv ...any) {
	a.dlFailCancel(dl, es10.CancelUndefinedReason, reason, kv...)
}

// dlFailCancel is dlFail with the CancelSessionReason the card gives.
func (a *Applet) dlFailCancel(dl *Download, cancel int, reason string, kv ...any) {
	a.log(KindDownloadResult, append([]any{"operator", dl.Operator, "ok", false, "reason", reason}, kv...)...)
	dl.Failed = reason
	if dl.TxID == "" || dl.Step == dlCancelCard || dl.Step == dlCancelServer {
		a.downloadOver(dl)
		return
	}
	a.dlCancel(dl, cancel)
}

// dlCancel asks the ISD-R to end the session and sign the cancellation.
func (a *Applet) dlCancel(dl *Download, reason int) {
	a.es10(dl, dlCancelCard, es10.CancelSessionRequest{TransactionID: dl.txID(), Reason: reason}.Encode())
}

// dlCancelAnswer forwards the card's signed CancelSession answer to the
// SM-DP+ so it ends the transaction too.
func (a *Applet) dlCancelAnswer(dl *Download, resp []byte) {
	r, err := es10.DecodeCancelSessionResponse(resp)
	if err != nil || r.ErrorCode != 0 || dl.ServerGone {
		a.downloadOver(dl)
		return
	}
	a.es9(dl, dlCancelServer, es9.FnCancelSession, &es9.CancelSessionRequest{TransactionID: dl.txID(), CancelSessionResponse: resp})
}

// downloadOver ends a failed download: the attempt failed without leaving
// the profile that served it (claim 3 goes on with the next operator).
func (a *Applet) downloadOver(dl *Download) {
	a.st.Cycle.Download = nil
	a.failAttemptAs("", false, !(dl.Step == dlPlatform && dl.Unsent))
}

// resumeDownload handles a Boot in the middle of a download: the session
// is gone, but an install that reached NVM before the reset succeeded (the
// platform is still owed its notification) and is enabled as planned.
func (a *Applet) resumeDownload(prev []Profile) {
	c := a.st.Cycle
	dl := c.Download
	c.Download = nil
	if dl == nil {
		a.failAttempt("", false)
		return
	}
	if p, ok := newProfileOf(dl.Operator, prev, a.st.Profiles); ok && !dl.Refused {
		a.log(KindDownloadResult, "operator", dl.Operator, "ok", true, "reason", "installed before the card reset")
		a.installed(p, dl.Seq, true)
		return
	}
	// A request the cut kept on the card (Unsent: queued behind a note,
	// or its channel still opening) reached no platform: nothing was
	// ordered, and the operator is not backed off, as when the exchange
	// fails before its first byte (downloadOver).
	unsent := dl.Step == dlPlatform && dl.Unsent
	if dl.Failed == "" {
		reason := "card reset during step " + dl.Step
		if unsent {
			reason += ", before the request left the card"
		}
		a.log(KindDownloadResult, "operator", dl.Operator, "ok", false, "reason", reason)
	}
	a.failAttemptAs("", false, !unsent)
}

// txID is the session's transactionId as bytes (State keeps the hex that
// ES9+ carries, upper case; it was checked when it arrived).
func (dl *Download) txID() es9.TransactionID {
	var t es9.TransactionID
	if err := t.UnmarshalText([]byte(dl.TxID)); err != nil {
		return nil
	}
	return t
}
