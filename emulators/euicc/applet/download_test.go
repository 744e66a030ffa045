package applet

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	bpp "github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Download fixtures: the SM-DP+ and card answers, built with rsp so the
// applet parses what the real parties send. The applet verifies nothing
// itself (the ISD-R and the SM-DP+ do), so signatures are filler here.
var (
	dlTx       = []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}
	dlChal     = []byte("0123456789abcdef")
	dlSig      = make([]byte, es10.SigLen)
	dlCert     = []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	dlMetadata = es10.ProfileMetadata{ICCID: "89330100000000000012", ServiceProviderName: "orange-fr", ProfileName: "Orange", Owner: &es10.OperatorID{PLMN: "20801"}}
)

func b64s(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func es9OK(id int, fields map[string]string) HTTPResult {
	m := map[string]any{"header": map[string]any{"functionExecutionStatus": map[string]any{"status": "Executed-Success"}}}
	for k, v := range fields {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return HTTPResult{ReqID: id, Status: 200, Body: b}
}

func es9Failed(id int, subject, reason, msg string) HTTPResult {
	b, _ := json.Marshal(map[string]any{"header": map[string]any{"functionExecutionStatus": map[string]any{
		"status": "Failed", "statusCodeData": map[string]string{"subjectCode": subject, "reasonCode": reason, "message": msg}}}})
	return HTTPResult{ReqID: id, Status: 200, Body: b}
}

func testBPP(t *testing.T) []byte {
	t.Helper()
	dp, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ot, err := bpp.NewOneTimeKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The applet only moves segments (the ISD-R reads the package): one
	// 86 segment of filler.
	b, err := bpp.BuildBPP(bpp.BPPParams{TransactionID: dlTx, DPpb: dp, EuiccOtpk: ot.PublicKey().Bytes(),
		EID: testCfg.EID, Metadata: dlMetadata, Package: make([]byte, 64), SegmentSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pirBytes(ok bool) []byte {
	d := es10.ProfileInstallationResultData{TransactionID: dlTx, OK: ok, AID: []byte{0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 0x01},
		Notification: es10.NotificationMetadata{Seq: 3, Event: es10.EventInstall, Address: "smdp.orange.test", ICCID: dlMetadata.ICCID}}
	if !ok {
		d.CommandID, d.ErrorReason = es10.BPPCmdLoadProfileElements, es10.ReasonSCP03tSecurityError
	}
	return es10.ProfileInstallationResult{Data: d, Signature: dlSig}.Encode()
}

// show renders effects as the scripts do (renderEffect), without request
// ids and persists, an ES9+ call with its body's keys.
func show(effs []Effect) string {
	var b strings.Builder
	for _, e := range effs {
		switch e := e.(type) {
		case Persist:
			continue
		case ES9Call:
			var m map[string]any
			_ = json.Unmarshal(e.Body, &m)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			fmt.Fprintf(&b, "ES9 %s %s %v", e.Address, e.Function, keys)
		default:
			b.WriteString(reqID.ReplaceAllString(renderEffect(e), ""))
		}
		b.WriteString("; ")
	}
	return b.String()
}

var reqID = regexp.MustCompile(` #\d+`)

// dlStep is one step of a download: an event built from the applet's
// request in flight, and the effects it must give (show).
type dlStep struct {
	ev   func(a *Applet) Event
	want string
}

// inFlight returns the id of the mode's request in flight.
func inFlight(a *Applet) int {
	for _, r := range a.st.InFlight {
		if r.Owner == ownerDownload || r.Owner == ownerList || r.Owner == ownerOutbox {
			return r.ID
		}
	}
	return 0
}

func httpAns(status int, body string) func(*Applet) Event {
	return func(a *Applet) Event { return HTTPResult{ReqID: inFlight(a), Status: status, Body: []byte(body)} }
}

func httpErr(err string) func(*Applet) Event {
	return func(a *Applet) Event { return HTTPResult{ReqID: inFlight(a), Err: err} }
}

// httpUnsent is httpErr for an exchange none of whose request left the
// device (HTTPResult.Unsent).
func httpUnsent(err string) func(*Applet) Event {
	return func(a *Applet) Event { return HTTPResult{ReqID: inFlight(a), Err: err, Unsent: true} }
}

func es10Ans(resp []byte, sw uint16) func(*Applet) Event {
	return func(a *Applet) Event { return ES10Result{ReqID: inFlight(a), Resp: resp, SW: sw} }
}

func ev(e Event) func(*Applet) Event { return func(*Applet) Event { return e } }

func runDL(t *testing.T, a *Applet, script []dlStep) {
	t.Helper()
	for i, s := range script {
		e := s.ev(a)
		if got := show(a.Step(e)); got != s.want {
			t.Fatalf("step %d %T:\n got: %s\nwant: %s", i, e, got, s.want)
		}
		if err := a.st.Validate(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
}

// exhausted is what follows a failed download of the list's only operator
// (claim 3): the list is exhausted and the platform told so.
const exhausted = `log list_exhausted operators=["orange-fr"]; log cycle_ended attempts=1 outcome=list-exhausted report=1; log mode mode=idle; ` +
	`HTTPPost seq=3 /v1/notifications {"kind":"list-exhausted","plmn":"20801","report":1}; `

const orangeList = `{"list_id":"l3","country":"FR","order_by":"signal","operators":[{"id":"orange-fr","plmn":"20801","rsrp":-85}]}`

// toDownload brings an applet to the platform's answer to its download
// request (claims 1, 2, 5: roaming, list, first operator not preinstalled).
func toDownload(t *testing.T) *Applet { return toDownloadWith(t, testCfg) }

// A zero period is the default one, not a timer of 0 s that a terminal
// would run out and the card start again at once, for ever.
func TestBootCheckIntervalDefault(t *testing.T) {
	a := New(Config{EID: testCfg.EID}, State{})
	runDL(t, a, []dlStep{
		{ev(Boot{Profiles: testProfiles()}), "StartTimer 1 10m0s; ES10 ListNotification; "},
	})
}

func toDownloadWith(t *testing.T, cfg Config) *Applet {
	a := New(cfg, State{})
	runDL(t, a, []dlStep{
		{ev(Boot{Profiles: testProfiles()}), "StartTimer 1 5m0s; ES10 ListNotification; "},
		{ev(ES10Result{ReqID: 1, Resp: es10.EncodeListNotificationResponse(nil), SW: 0x9000}), ""},
		{ev(parisInfo), `log roaming_detected serving_plmn=20801; log mode mode=awaiting-list; log preferred_list_requested serving_plmn=20801 signal=[{"plmn":"20801","rsrp":-85},{"plmn":"20810","rsrp":-101}]; ` +
			`HTTPPost seq=1 /v1/preferred-list {"cell_id":"0000c33d","home_plmn":"46000","iccid":"89860000000000000019","serving_plmn":"20801","signal":[{"plmn":"20801","rsrp":-85},{"plmn":"20810","rsrp":-101}],"tac":"3a9b"}; `},
		// claim 2: not preinstalled → download request to the platform.
		{httpAns(200, orangeList), `log preferred_list_received country=FR operators=["orange-fr"] order_by=signal plmns=["20801"] rsrp=[-85] tariffs=[0]; log cycle_started area=208 country=FR operators=["orange-fr"] original=cmcc trigger=list; ` +
			`log attempt operator=orange-fr via=download; log profile_not_preinstalled operator=orange-fr; log download_requested operator=orange-fr; ` +
			`log mode mode=attempt.downloading operator=orange-fr; HTTPPost seq=2 /v1/download {"operator":"orange-fr","serving_plmn":"20801"}; `},
	})
	return a
}

var (
	signed1 = map[string]string{"transactionId": "0102030405060708",
		"serverSigned1":       b64s(es10.ServerSigned1{TransactionID: dlTx, EuiccChallenge: dlChal, ServerAddress: "smdp.orange.test", ServerChallenge: dlChal}.Encode()),
		"serverSignature1":    b64s(append([]byte{0x5F, 0x37, 0x40}, dlSig...)),
		"euiccCiPKIdToBeUsed": b64s([]byte{0x04, 0x02, 0xAA, 0xBB}), "serverCertificate": b64s(dlCert)}
	asResp = es10.AuthenticateServerResponse{EuiccSigned1: es10.EuiccSigned1{TransactionID: dlTx, ServerAddress: "smdp.orange.test", ServerChallenge: dlChal},
		EuiccSignature1: dlSig, EuiccCertificate: dlCert, EUMCertificate: dlCert}.Encode()
	pdResp = es10.PrepareDownloadResponse{EuiccSigned2: es10.EuiccSigned2{TransactionID: dlTx, EuiccOtpk: make([]byte, 65)}, EuiccSignature2: dlSig}.Encode()
	// toSession are the steps from the platform's yes to an open session
	// (after initiateAuthentication).
	toSession = []dlStep{
		// claim 4: the platform found the card eligible and forwarded to the operator.
		{httpAns(200, `{"operator":"orange-fr","smdp_address":"smdp.orange.test","matching_id":"MID-1","activation_code":"LPA:1$smdp.orange.test$MID-1"}`), "ES10 GetEuiccChallenge; "},
		{es10Ans(es10.EncodeEuiccChallenge(dlChal), 0x9000), "ES10 GetEUICCInfo1; "},
		// claim 2: the operator starts mutual authentication.
		{es10Ans(es10.EuiccInfo1{}.Encode(), 0x9000), "ES9 smdp.orange.test initiateAuthentication [euiccChallenge euiccInfo1 smdpAddress]; "},
		{func(a *Applet) Event { return es9OK(inFlight(a), signed1) }, "ES10 AuthenticateServer; "},
	}
	// toBPP go on to the bound profile package.
	toBPP = []dlStep{
		{es10Ans(asResp, 0x9000), "ES9 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "},
		{func(a *Applet) Event {
			return es9OK(inFlight(a), map[string]string{"transactionId": "0102030405060708", "profileMetadata": b64s(dlMetadata.Encode()),
				"smdpSigned2": b64s(es10.SmdpSigned2{TransactionID: dlTx}.Encode()), "smdpSignature2": b64s(append([]byte{0x5F, 0x37, 0x40}, dlSig...)),
				"smdpCertificate": b64s(dlCert)})
		}, "ES10 PrepareDownload; "},
		// claim 2: the card downloads the profile.
		{es10Ans(pdResp, 0x9000), "ES9 smdp.orange.test getBoundProfilePackage [prepareDownloadResponse transactionId]; "},
	}
)

func bppStep(bpp []byte) dlStep {
	return dlStep{func(a *Applet) Event {
		return es9OK(inFlight(a), map[string]string{"transactionId": "0102030405060708", "boundProfilePackage": b64s(bpp)})
	}, "ES10 LoadBoundProfilePackage; "}
}

// load feeds every segment but the last one's answer.
func load(t *testing.T, a *Applet, bpp []byte) {
	segs, err := es10.BPPSegments(bpp)
	if err != nil || len(segs) < 4 {
		t.Fatalf("segments %d, %v", len(segs), err)
	}
	for range segs[1:] {
		if got := show(a.Step(ES10Result{ReqID: inFlight(a), SW: 0x9000})); got != "ES10 LoadBoundProfilePackage (segment); " {
			t.Fatalf("segment: %s", got)
		}
	}
}

// toInstalled are the steps from the last segment's answer to the
// installed profile: the install result to the SM-DP+, then the
// download-success posted to the platform.
var toInstalled = []dlStep{
	{es10Ans(pirBytes(true), 0x9000), "ES9 smdp.orange.test handleNotification [pendingNotification]; "},
	{httpAns(204, ""), `log notification_sent kind=install seq=3 to=orange-fr; ES10 NotificationSent; `},
	{es10Ans(es10.EncodeNotificationSentResponse(0), 0x9000),
		`log download_result ok=true operator=orange-fr reason=""; log mode mode=attempt.enabling operator=orange-fr; ` +
			`HTTPPost seq=3 /v1/notifications {"iccid":"89330100000000000012","kind":"download-success","operator":"orange-fr","report":1}; `},
}

// The install result goes to the SM-DP+ of its own session (SGP.22
// §3.1.3.3: the SM-DP+ that sent the package), not to another the card
// has downloaded from before (claim 2: the card notifies the operator).
func TestInstallResultToTheSessionsSMDP(t *testing.T) {
	a := toDownload(t)
	a.st.SMDPs = []SMDPOperator{{Address: "smdp.sfr.test", Operator: "sfr"}} // an earlier download from SFR
	bpp := testBPP(t)
	runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
	load(t, a, bpp)
	runDL(t, a, toInstalled[:2])
}

func TestDownloadClaim2(t *testing.T) {
	a := toDownload(t)
	bpp := testBPP(t)
	runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
	load(t, a, bpp)
	// claim 2: the install result to the operator's SM-DP+, and the
	// download-success to the platform (the outbox); then, once it is
	// answered, the switch (the enable → REFRESH path), the same attempt.
	runDL(t, a, append(slices.Clone(toInstalled), []dlStep{
		{httpAns(200, `{"ack":true,"id":"1"}`), `log notification_sent iccid=89330100000000000012 kind=download-success operator=orange-fr report=1 to=platform; EnableProfile orange-fr; `},
		{ev(ProfileEnabled{ICCID: "89330100000000000012"}), `log profile_enabled iccid=89330100000000000012 operator=orange-fr original=false role=attempt; ` +
			`log mode mode=attempt.await-attach operator=orange-fr; Refresh; `},
	}...))
	if st := a.State(); st.Cycle == nil || st.Cycle.Download != nil || st.Cycle.Target != "89330100000000000012" || st.PlatformSeq != 3 || len(st.Outbox) != 0 {
		t.Fatalf("state after download %s", mustJSON(st))
	}
}

// The enable of a downloaded profile waits for the platform's answer to
// its download-success (claim 2: notify, then switch); a device that comes
// home meanwhile (a slow platform holds the answer) keeps the profile
// unswitched, where the location used to be ignored as an enable's and
// the card switched at home (outside tester sw66).
func TestDownloadHomeBeforeTheNoteIsAnswered(t *testing.T) {
	a := toDownload(t)
	bpp := testBPP(t)
	runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
	load(t, a, bpp)
	runDL(t, a, append(slices.Clone(toInstalled), []dlStep{
		{ev(LocationStatus{Service: NormalService, PLMN: "46000"}), ""},
		{httpAns(200, `{"ack":true,"id":"1"}`), `log notification_sent iccid=89330100000000000012 kind=download-success operator=orange-fr report=1 to=platform; ` +
			`log cycle_ended attempts=1 outcome=list-exhausted reason="the device left the area of the list: the profile for FR (208) is kept, not enabled: the device is now served by 46000" report=2; ` +
			`log mode mode=idle; HTTPPost seq=4 /v1/notifications {"kind":"list-exhausted","plmn":"20801","report":2}; `},
	}...))
	if p, ok := a.enabled(); !ok || p.Operator != "cmcc" {
		t.Fatalf("switched at home: %s", mustJSON(a.st))
	}
}

// A refused install (SGP.22 §3.1.3.3): the failed install result goes to
// the SM-DP+ (handleNotification) and is the session's end on both sides:
// nothing is cancelled after it — the ISD-R would answer CancelSession
// invalidTransactionId (§5.7.14), a strict SM-DP+ cancelSession 8.10.1/3.9
// (§5.6.5; outside tester t180 F7). The list goes on (here: it is
// exhausted), and the operator is backed off, as before.
func TestDownloadInstallRefused(t *testing.T) {
	a := toDownload(t)
	bpp := testBPP(t)
	runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
	load(t, a, bpp)
	runDL(t, a, []dlStep{
		{es10Ans(pirBytes(false), 0x9000), `log download_result ok=false operator=orange-fr reason="install failed: bppCommandId 5 loadProfileElements, errorReason 8 scp03tSecurityError"; ` +
			"ES9 smdp.orange.test handleNotification [pendingNotification]; "},
		{httpAns(204, ""), `log notification_sent kind=install seq=3 to=orange-fr; ES10 NotificationSent; `},
		{es10Ans(es10.EncodeNotificationSentResponse(0), 0x9000),
			`log backoff area=208 country=FR failures=1 operator=orange-fr periods=1 until_check=2; ` + exhausted},
	})
	// The refused package left no profile: the card lists what it had
	// (tester t139 M20: a card that kept it passed every unit test).
	if !slices.EqualFunc(a.st.Profiles, testProfiles(), profileEqual) {
		t.Errorf("profiles after a refused install %+v, want the card's own %+v", a.st.Profiles, testProfiles())
	}
}

// However the failed install result's delivery goes — taken, refused by
// the SM-DP+, not acknowledged (kept in the card for later), or its
// NotificationSent failing — no CancelSession and no cancelSession follow
// (SGP.22 §3.1.3.3, §5.6.5, §5.7.14), and the attempt fails and backs off
// as any failed download.
func TestRefusedInstallNoCancel(t *testing.T) {
	backedOff := `log backoff area=208 country=FR failures=1 operator=orange-fr periods=1 until_check=2; `
	pirSent := dlStep{es10Ans(pirBytes(false), 0x9000), `log download_result ok=false operator=orange-fr reason="install failed: bppCommandId 5 loadProfileElements, errorReason 8 scp03tSecurityError"; ` +
		"ES9 smdp.orange.test handleNotification [pendingNotification]; "}
	for _, tt := range []struct {
		name   string
		script []dlStep
	}{
		{"taken, forgotten", []dlStep{pirSent,
			{httpAns(204, ""), `log notification_sent kind=install seq=3 to=orange-fr; ES10 NotificationSent; `},
			{es10Ans(es10.EncodeNotificationSentResponse(0), 0x9000), backedOff + exhausted}}},
		{"taken, NotificationSent fails", []dlStep{pirSent,
			{httpAns(204, ""), `log notification_sent kind=install seq=3 to=orange-fr; ES10 NotificationSent; `},
			{es10Ans(nil, 0x6A88), backedOff + exhausted}}},
		{"refused by the SM-DP+", []dlStep{pirSent,
			{func(a *Applet) Event { return es9Failed(inFlight(a), "8.10.1", "3.9", "unknown") },
				`log notification_sent kind=install refused="handleNotification: status Failed subject 8.10.1 reason 3.9: unknown" seq=3 to=orange-fr; ES10 NotificationSent; `},
			{es10Ans(es10.EncodeNotificationSentResponse(0), 0x9000), backedOff + exhausted}}},
		{"not acknowledged: kept in the card", []dlStep{pirSent,
			{httpAns(503, ""), `log notification_failed kind=install reason="http status 503" seq=3 to=orange-fr; ` + backedOff + exhausted}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := toDownload(t)
			bpp := testBPP(t)
			runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
			load(t, a, bpp)
			runDL(t, a, tt.script)
			if a.st.Cycle != nil {
				t.Fatalf("the attempt is still on: %s", mustJSON(a.st))
			}
		})
	}
}

// A load the card's IPA cannot finish — no install result made — is
// cancelled on both sides with loadBppExecutionError (SGP.22 §3.1.3.3).
func TestLoadFailureCancelReason(t *testing.T) {
	a := toDownload(t)
	bpp := testBPP(t)
	runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
	for _, e := range a.Step(ES10Result{ReqID: inFlight(a), SW: 0x6F00}) {
		if c, ok := e.(ES10); ok {
			req, err := es10.DecodeCancelSessionRequest(c.Req)
			if err != nil || req.Reason != es10.CancelLoadBppExecution || string(req.TransactionID) != string(dlTx) {
				t.Fatalf("cancel request %+v, %v", req, err)
			}
			return
		}
	}
	t.Fatal("no CancelSession")
}

// Failures end the download with a reason and the current profile kept;
// once a session is open it is cancelled on the card and at the SM-DP+.
func TestDownloadFailures(t *testing.T) {
	failed := func(reason string) string {
		return `log download_result ok=false operator=orange-fr reason=` + value(reason) + `; `
	}
	backedOff := `log backoff area=208 country=FR failures=1 operator=orange-fr periods=1 until_check=2; `
	tests := []struct {
		name   string
		script []dlStep
	}{
		{"claim 4: eligibility refused", []dlStep{
			{httpAns(403, `{"error":"eligibility: daily quota reached"}`), failed("platform refused (403): eligibility: daily quota reached") + backedOff + exhausted},
		}},
		// The platform never had the request: no order, no switch, so no
		// back-off (outside tester t215 W2: Orange backed off for the
		// platform's outage). One it had and never answered may have
		// ordered the profile: backed off.
		{"platform unreachable: the request never left", []dlStep{
			{httpUnsent("open channel: result 3A/07"), failed("platform: open channel: result 3A/07") + exhausted},
		}},
		{"link dropped before the request was sent", []dlStep{
			{httpUnsent("send data: result 3A/05"), failed("platform: send data: result 3A/05") + exhausted},
		}},
		{"no platform address on the card", []dlStep{
			{httpUnsent("no platform address configured"), failed("platform: no platform address configured") + exhausted},
		}},
		{"link dropped after the request went, before any answer", []dlStep{
			{httpErr("receive data: result 3A/05"), failed("platform: receive data: result 3A/05") + backedOff + exhausted},
		}},
		{"platform never answers the request", []dlStep{
			{httpErr("no reply within 30s"), failed("platform: no reply within 30s") + backedOff + exhausted},
		}},
		{"platform down behind its front end (503)", []dlStep{
			{httpAns(503, ""), failed("platform: http status 503") + backedOff + exhausted},
		}},
		{"platform answer without address", []dlStep{
			{httpAns(200, `{"operator":"orange-fr"}`), failed("platform: download answer: operator, smdp_address and matching_id are required") + backedOff + exhausted},
		}},
		{"SM-DP+ unreachable before a session", append(append([]dlStep(nil), toSession[:3]...),
			dlStep{httpErr("tls handshake: x509: certificate signed by unknown authority"),
				failed("initiateAuthentication: tls handshake: x509: certificate signed by unknown authority") + backedOff + exhausted})},
		// t180 F8: the ISD-R's error answer goes to the SM-DP+ in the
		// function that would have carried the ok one, with its
		// transactionId, and nothing is cancelled (the ISD-R ended its
		// session with the error; the SM-DP+ ends its own on reading it).
		{"card refuses the SM-DP+ (claim 2 mutual authentication) → the SM-DP+ is told", append(append([]dlStep(nil), toSession...),
			dlStep{es10Ans(es10.AuthenticateServerResponse{TransactionID: dlTx, ErrorCode: es10.AuthErrInvalidSignature}.Encode(), 0x9000),
				failed("AuthenticateServer: authenticateErrorCode 2 invalidSignature") + "ES9 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "},
			dlStep{func(a *Applet) Event { return es9Failed(inFlight(a), "8.1", "3.8", "eUICC refused the server") }, backedOff + exhausted})},
		{"card refuses the SM-DP+, which does not answer → over all the same", append(append([]dlStep(nil), toSession...),
			dlStep{es10Ans(es10.AuthenticateServerResponse{TransactionID: dlTx, ErrorCode: es10.AuthErrInvalidCertificate}.Encode(), 0x9000),
				failed("AuthenticateServer: authenticateErrorCode 1 invalidCertificate") + "ES9 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "},
			dlStep{httpErr("reply: connection closed without a reply"), backedOff + exhausted})},
		{"card refuses the binding (PrepareDownload) → the SM-DP+ is told", append(append(append([]dlStep(nil), toSession...), toBPP[:2]...),
			dlStep{es10Ans(es10.PrepareDownloadResponse{TransactionID: dlTx, ErrorCode: es10.DlErrInvalidSignature}.Encode(), 0x9000),
				failed("PrepareDownload: downloadErrorCode 2 invalidSignature") + "ES9 smdp.orange.test getBoundProfilePackage [prepareDownloadResponse transactionId]; "},
			dlStep{func(a *Applet) Event { return es9Failed(inFlight(a), "8.1", "3.8", "eUICC refused the download") }, backedOff + exhausted})},
		// t180 F8: no cancelSession for a transaction the SM-DP+ itself
		// called unknown; the card's own session is ended all the same.
		{"SM-DP+ does not know the transaction → the card cancels its own session only", append(append([]dlStep(nil), toSession...),
			dlStep{es10Ans(asResp, 0x9000), "ES9 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "},
			dlStep{func(a *Applet) Event { return es9Failed(inFlight(a), "8.10.1", "3.9", "unknown transactionId") },
				failed("authenticateClient: status Failed subject 8.10.1 reason 3.9: unknown transactionId") + "ES10 CancelSession; "},
			dlStep{es10Ans(es10.CancelSessionResponse{TransactionID: dlTx, SmdpOID: []byte{0x2B, 0x06}, Reason: es10.CancelUndefinedReason, Signature: dlSig}.Encode(), 0x9000),
				backedOff + exhausted})},
		{"SM-DP+ refuses the card → cancel on both sides", append(append([]dlStep(nil), toSession...),
			dlStep{es10Ans(asResp, 0x9000), "ES9 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "},
			dlStep{func(a *Applet) Event { return es9Failed(inFlight(a), "8.2.6", "3.8", "unknown matching ID") },
				failed("authenticateClient: status Failed subject 8.2.6 reason 3.8: unknown matching ID") + "ES10 CancelSession; "},
			dlStep{es10Ans(es10.CancelSessionResponse{TransactionID: dlTx, SmdpOID: []byte{0x2B, 0x06}, Reason: es10.CancelUndefinedReason, Signature: dlSig}.Encode(), 0x9000),
				"ES9 smdp.orange.test cancelSession [cancelSessionResponse transactionId]; "})},
		{"SM-DP+ refuses the card → cancel", append(append([]dlStep(nil), toSession...),
			dlStep{es10Ans(asResp, 0x9000), "ES9 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "},
			dlStep{func(a *Applet) Event {
				return es9Failed(inFlight(a), "8.1.2", "6.1", "euiccSignature1 does not verify")
			},
				failed("authenticateClient: status Failed subject 8.1.2 reason 6.1: euiccSignature1 does not verify") + "ES10 CancelSession; "})},
		{"malformed ES9+ answer", append(append([]dlStep(nil), toSession[:3]...),
			dlStep{func(a *Applet) Event {
				return es9OK(inFlight(a), map[string]string{"transactionId": "0102", "serverSigned1": "%%%"})
			},
				// The card holds no session yet (it starts at AuthenticateServer),
				// so there is nothing to cancel on it: the attempt ends.
				failed("initiateAuthentication: serverSigned1: not base64 (RFC 4648 §4, with padding)") + backedOff + exhausted})},
		{"card error status word", []dlStep{
			toSession[0],
			{es10Ans(nil, 0x6A88), failed("ES10 challenge: status word 6A88") + backedOff + exhausted},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := toDownload(t)
			runDL(t, a, tt.script)
			if p, ok := a.enabled(); !ok || p.Operator != "cmcc" {
				t.Fatalf("profile switch started after a failure: %s", mustJSON(a.st))
			}
		})
	}
}

// A download-success the platform does not take stays owed and goes again
// at the next periodic check, once.
func TestDownloadSuccessOwed(t *testing.T) {
	a := toDownload(t)
	bpp := testBPP(t)
	runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
	load(t, a, bpp)
	runDL(t, a, append(slices.Clone(toInstalled), []dlStep{
		// Not taken: the switch goes on all the same, the note owed.
		{httpAns(503, ""), `log notification_failed iccid=89330100000000000012 kind=download-success operator=orange-fr reason="http status 503" report=1 to=platform; EnableProfile orange-fr; `},
		{ev(ProfileEnabled{ICCID: "89330100000000000012"}), `log profile_enabled iccid=89330100000000000012 operator=orange-fr original=false role=attempt; ` +
			`log mode mode=attempt.await-attach operator=orange-fr; Refresh; `},
		// A reset that the enable did not survive (the card kept cmcc):
		// the enable is done again, once the device is known to be still
		// in the list's country (it may have moved while it was off).
		{ev(Boot{Profiles: append(testProfiles(), Profile{ICCID: "89330100000000000012", Operator: "orange-fr", HomePLMN: "20801"})}),
			"StartTimer 1 5m0s; log cycle_resumed mode=attempt.await-attach operator=orange-fr; log mode mode=attempt.enabling operator=orange-fr; " +
				`log enable_held iccid=89330100000000000012 operator=orange-fr reason="the card was reset: it waits for the network the device woke up on"; ` +
				"ES10 ListNotification; "},
		// Limited service names no network: the card asks where it is.
		{ev(LocationStatus{Service: LimitedService}), "ReadLocation; "},
		{ev(LocalInfo{Service: LimitedService, PLMN: "20810"}), "EnableProfile orange-fr; "},
		{ev(ProfileEnabled{ICCID: "89330100000000000012"}), `log profile_enabled iccid=89330100000000000012 operator=orange-fr original=false role=attempt; ` +
			`log mode mode=attempt.await-attach operator=orange-fr; Refresh; `},
		{ev(Boot{Profiles: []Profile{{ICCID: "89860000000000000019", Operator: "cmcc", HomePLMN: "46000", Original: true},
			{ICCID: "89331000000000000029", Operator: "sfr", HomePLMN: "20810"},
			{ICCID: "89330100000000000012", Operator: "orange-fr", HomePLMN: "20801", Enabled: true}}}),
			"StartTimer 1 5m0s; StartTimer 2 3m0s; ES10 ListNotification; "},
		// Attached: the cycle's outcome is owed after the download-success,
		// which goes first, once.
		{ev(LocationStatus{Service: NormalService, PLMN: "20801"}), `HTTPPost seq=4 /v1/notifications {"iccid":"89330100000000000012","kind":"download-success","operator":"orange-fr","report":1}; ` +
			`StopTimer 2; log cycle_ended attempts=1 operator=orange-fr outcome=attach-success plmn=20801 report=2; log mode mode=idle; `},
		{httpAns(200, `{"ack":true,"id":"1"}`), `log notification_sent iccid=89330100000000000012 kind=download-success operator=orange-fr report=1 to=platform; ` +
			`HTTPPost seq=5 /v1/notifications {"iccid":"89330100000000000012","kind":"attach-success","operator":"orange-fr","plmn":"20801","report":2}; `},
	}...))
}

// After a Boot the card's pending notifications are sent again; one the
// SM-DP+ does not acknowledge stays in the card (no NotificationSent).
func TestPendingNotificationRetry(t *testing.T) {
	a := New(testCfg, State{Profiles: testProfiles()})
	pending := []es10.NotificationMetadata{{Seq: 3, Event: es10.EventInstall, Address: "smdp.orange.test", ICCID: dlMetadata.ICCID},
		{Seq: 4, Event: es10.EventEnable, Address: ""}, {Seq: 5, Event: es10.EventInstall, Address: "smdp.sfr.test"}}
	pir, _ := es10.DecodeProfileInstallationResult(pirBytes(true))
	one := es10.EncodeRetrieveNotificationsListResponse([]es10.PendingNotification{{Install: &pir}}, 0)
	retryReq := func(a *Applet) int {
		for _, r := range a.st.InFlight {
			if r.Owner == ownerRetry {
				return r.ID
			}
		}
		return 0
	}
	retryES10 := func(resp []byte) func(*Applet) Event {
		return func(a *Applet) Event { return ES10Result{ReqID: retryReq(a), Resp: resp, SW: 0x9000} }
	}
	runDL(t, a, []dlStep{
		{ev(Boot{Profiles: testProfiles()}), "StartTimer 1 5m0s; ES10 ListNotification; "},
		// Still attaching after the reset: no bearer, the card keeps them.
		{retryES10(es10.EncodeListNotificationResponse(pending)), ""},
		{ev(LocationStatus{Service: NormalService, PLMN: "46000"}), "ES10 ListNotification; "},
		{retryES10(es10.EncodeListNotificationResponse(pending)), "ES10 RetrieveNotificationsList; "},
		{retryES10(one), "ES9 smdp.orange.test handleNotification [pendingNotification]; "},
		{func(a *Applet) Event { return HTTPResult{ReqID: retryReq(a), Err: "open channel: result 3A/07"} },
			`log notification_failed kind=install reason="open channel: result 3A/07" seq=3 to=smdp.orange.test; ES10 RetrieveNotificationsList; `},
		{retryES10(one), "ES9 smdp.orange.test handleNotification [pendingNotification]; "},
		{func(a *Applet) Event { return HTTPResult{ReqID: retryReq(a), Status: 204} },
			`log notification_sent kind=install seq=5 to=smdp.orange.test; ES10 NotificationSent; `},
		{retryES10(es10.EncodeNotificationSentResponse(0)), ""},
	})
	if a.st.Retry != nil || !a.st.RetryDue {
		t.Fatalf("retry not finished, or the failed one not due again: %s", mustJSON(a.st))
	}
}

// A pending notification goes to its own notificationAddress (SGP.22
// §3.5: the SM-DP+ the notification names), whatever SM-DP+s the card has
// downloaded from since: a card that learnt SFR's SM-DP+ still owes
// Orange's install result to Orange's.
func TestPendingNotificationGoesToItsAddress(t *testing.T) {
	pir, _ := es10.DecodeProfileInstallationResult(pirBytes(true))
	one := es10.EncodeRetrieveNotificationsListResponse([]es10.PendingNotification{{Install: &pir}}, 0)
	pending := []es10.NotificationMetadata{{Seq: 3, Event: es10.EventInstall, Address: pir.Data.Notification.Address, ICCID: dlMetadata.ICCID}}
	for _, tc := range []struct {
		name  string
		known []SMDPOperator
		to    string // the log's recipient: the operator when the card knows the address
	}{
		{"no SM-DP+ known", nil, "smdp.orange.test"},
		{"another SM-DP+ known", []SMDPOperator{{Address: "smdp.sfr.test", Operator: "sfr"}}, "smdp.orange.test"},
		{"its own and another known", []SMDPOperator{{Address: "smdp.orange.test", Operator: "orange-fr"}, {Address: "smdp.sfr.test", Operator: "sfr"}}, "orange-fr"},
		// A host name has no case (RFC 4343): the same SM-DP+ however
		// the addresses write it.
		{"its own known in upper case", []SMDPOperator{{Address: "SMDP.Orange.TEST", Operator: "orange-fr"}}, "orange-fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New(testCfg, State{Profiles: testProfiles(), SMDPs: tc.known})
			retry := func(resp []byte) func(*Applet) Event {
				return func(a *Applet) Event {
					for _, r := range a.st.InFlight {
						if r.Owner == ownerRetry {
							return ES10Result{ReqID: r.ID, Resp: resp, SW: 0x9000}
						}
					}
					return nil
				}
			}
			runDL(t, a, []dlStep{
				{ev(Boot{Profiles: testProfiles()}), "StartTimer 1 5m0s; ES10 ListNotification; "},
				{retry(es10.EncodeListNotificationResponse(pending)), ""},
				{ev(LocationStatus{Service: NormalService, PLMN: "46000"}), "ES10 ListNotification; "},
				{retry(es10.EncodeListNotificationResponse(pending)), "ES10 RetrieveNotificationsList; "},
				{retry(one), "ES9 smdp.orange.test handleNotification [pendingNotification]; "},
			})
			var id int
			for _, r := range a.st.InFlight {
				if r.Owner == ownerRetry {
					id = r.ID
				}
			}
			want := "log notification_sent kind=install seq=3 to=" + tc.to + "; ES10 NotificationSent; "
			if got := show(a.Step(HTTPResult{ReqID: id, Status: 204})); got != want {
				t.Fatalf("the SM-DP+'s acknowledgement:\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// The card's IPA tells the SM-DP+ what the device is (SGP.22 §5.7.13,
// ctxParams1.deviceInfo: TAC, capabilities, IMEI), as an LPA would: the
// AuthenticateServer it sends carries the configured DeviceInfo, which the
// ISD-R then signs into euiccSigned1.
func TestAuthenticateServerCarriesDeviceInfo(t *testing.T) {
	dev := es10.DeviceInfoFor("352099001761481", es10.DeviceCapabilities{EUTRAN: es10.Version{13, 0, 0}})
	cfg := testCfg
	cfg.DeviceInfo = dev
	a := toDownloadWith(t, cfg)
	var req []byte
	for _, s := range toSession {
		for _, eff := range a.Step(s.ev(a)) {
			if e, ok := eff.(ES10); ok {
				req = e.Req
			}
		}
	}
	r, err := es10.DecodeAuthenticateServerRequest(req)
	if err != nil {
		t.Fatalf("AuthenticateServer request: %v", err)
	}
	want := es10.CtxParams1{MatchingID: "MID-1", DeviceInfo: dev}
	if got := r.CtxParams1; got.MatchingID != want.MatchingID || !reflect.DeepEqual(got.DeviceInfo, want.DeviceInfo) || !bytes.Equal(got.Raw, want.Encode()) {
		t.Fatalf("ctxParams1 = %+v, want %+v", got, want)
	}
}

// A download-success goes before the switch even when older notes wait
// in the outbox for a platform that failed them (claim 2: notify, then
// switch): it is put at the head and sent at once, not behind the failed
// note that waits for the next check (outside tester sw80: a cruise
// switched to TIM and Vodafone with their download-success still queued).
func TestDownloadSuccessGoesBeforeFailedNotes(t *testing.T) {
	a := toDownload(t)
	bpp := testBPP(t)
	runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
	load(t, a, bpp)
	// An attach-failure the platform failed, waiting for the next check.
	a.st.LastReport = 1
	a.st.Outbox = []Note{{Kind: NoteAttachFailure, Operator: "sfr", ICCID: "89331000000000000029", PLMN: "20810", Report: 1}}
	a.st.OutboxRetry = true
	installed := slices.Clone(toInstalled)
	installed[2].want = strings.Replace(installed[2].want, `"report":1}`, `"report":2}`, 1)
	runDL(t, a, append(installed, []dlStep{
		{httpAns(200, `{"ack":true,"id":"1"}`), `log notification_sent iccid=89330100000000000012 kind=download-success operator=orange-fr report=2 to=platform; EnableProfile orange-fr; `},
	}...))
	if st := a.State(); len(st.Outbox) != 1 || st.Outbox[0].Report != 1 || !st.OutboxRetry {
		t.Fatalf("the failed note is no longer owed as it was: %s", mustJSON(st.Outbox))
	}
}

// A device that leaves the list's country while the profile installs
// keeps the installed profile, unswitched, and still owes the platform its
// download-success (claim 2; outside tester sw64): the install happened.
// Tester t139 M43: no unit test reached installed()'s left-area branch,
// and a card that forgot the note there passed it.
func TestDownloadEndsAfterLeavingTheArea(t *testing.T) {
	tests := []struct {
		name, plmn string
	}{
		{"home before the install ends", "46000"},
		{"into another country before the install ends", "26201"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := toDownload(t)
			bpp := testBPP(t)
			runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
			load(t, a, bpp)
			runDL(t, a, toInstalled[:2]) // the install result told to the SM-DP+, NotificationSent asked
			out := show(a.Step(LocationStatus{Service: NormalService, PLMN: tt.plmn}))
			out += show(a.Step(ES10Result{ReqID: inFlight(a), Resp: es10.EncodeNotificationSentResponse(0), SW: 0x9000}))
			if !strings.Contains(out, "log cycle_ended attempts=1 outcome=list-exhausted reason=\"the device left the area of the list") {
				t.Errorf("the cycle did not end as the device having left: %s", out)
			}
			owed := 0
			for _, n := range a.st.Outbox {
				if n.Kind == NoteDownloadSuccess && n.Operator == "orange-fr" && n.ICCID == "89330100000000000012" {
					owed++
				}
			}
			if owed != 1 {
				t.Errorf("download-success owed %d times, want once; outbox %s; steps: %s", owed, mustJSON(a.st.Outbox), out)
			}
			if _, ok := a.profileByICCID("89330100000000000012"); !ok {
				t.Errorf("the installed profile is not on the card: %s", mustJSON(a.st.Profiles))
			}
			if p, ok := a.enabled(); !ok || p.Operator != "cmcc" {
				t.Errorf("switched after leaving: %s", mustJSON(a.st.Profiles))
			}
		})
	}
}

// What the card does with the SM-DP+'s answer to the install result it
// sends (handleNotification): taken (204, a success header), refused (a
// Failed header: forgotten, as sending it again cannot help), or not
// answered — among them a 200 whose body is no ES9+ answer, cut or
// garbled on the way, which says nothing of whether the SM-DP+ took it
// (outside tester t180 F2: it was forgotten as refused).
func TestInstallResultAnswer(t *testing.T) {
	tests := []struct {
		name   string
		answer func(*Applet) Event
		want   string
	}{
		{"204", httpAns(204, ""), `log notification_sent kind=install seq=3 to=orange-fr; ES10 NotificationSent; `},
		{"200 success header", httpAns(200, `{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}}`),
			`log notification_sent kind=install seq=3 to=orange-fr; ES10 NotificationSent; `},
		{"200 Failed header: refused, forgotten", func(a *Applet) Event { return es9Failed(inFlight(a), "8.10.1", "3.9", "unknown") },
			`log notification_sent kind=install refused="handleNotification: status Failed subject 8.10.1 reason 3.9: unknown" seq=3 to=orange-fr; ES10 NotificationSent; `},
		{"200 garbled body: kept", httpAns(200, `{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":[1,2,}garbage`),
			`log notification_failed kind=install reason="handleNotification: http status 200 with a body that is no ES9+ answer: `},
		{"200 cut body: kept", httpAns(200, `{"header":{"functionExe`),
			`log notification_failed kind=install reason="handleNotification: http status 200 with a body that is no ES9+ answer: `},
		{"500: kept", httpAns(500, ""), `log notification_failed kind=install reason="http status 500" seq=3 to=orange-fr; `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := toDownload(t)
			bpp := testBPP(t)
			runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
			load(t, a, bpp)
			runDL(t, a, toInstalled[:1])
			if got := show(a.Step(tt.answer(a))); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("got  %s\nwant %s…", got, tt.want)
			}
		})
	}
}

// t180 F5: an SM-DP+ that asks for a confirmation code (ccRequiredFlag in
// smdpSigned2) gets no PrepareDownload and no getBoundProfilePackage
// without hashCc: the card, which has no user to give the code, ends the
// download, cancels the session with endUserRejection and the attempt
// fails like any other (claim 3 goes on).
func TestConfirmationCodeRequired(t *testing.T) {
	authOK := func(cc bool) func(a *Applet) Event {
		return func(a *Applet) Event {
			return es9OK(inFlight(a), map[string]string{"transactionId": "0102030405060708", "profileMetadata": b64s(dlMetadata.Encode()),
				"smdpSigned2": b64s(es10.SmdpSigned2{TransactionID: dlTx, CCRequired: cc}.Encode()), "smdpSignature2": b64s(append([]byte{0x5F, 0x37, 0x40}, dlSig...)),
				"smdpCertificate": b64s(dlCert)})
		}
	}
	cancelled := func(reason int) dlStep {
		return dlStep{es10Ans(es10.CancelSessionResponse{TransactionID: dlTx, SmdpOID: []byte{0x2B, 0x06}, Reason: reason, Signature: dlSig}.Encode(), 0x9000),
			"ES9 smdp.orange.test cancelSession [cancelSessionResponse transactionId]; "}
	}
	tests := []struct {
		name       string
		cc         bool
		want       string // after the authenticateClient answer
		cancel     int    // the CancelSessionReason asked of the ISD-R, -1: none
		afterwards []dlStep
	}{
		{"no code asked → PrepareDownload", false, "ES10 PrepareDownload; ", -1, nil},
		{"code asked → cancelled, endUserRejection", true,
			`log download_result ok=false operator=orange-fr reason=` + value(ReasonCCRequired) + `; ES10 CancelSession; `,
			es10.CancelEndUserRejection,
			[]dlStep{cancelled(es10.CancelEndUserRejection), {httpAns(200, `{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}}`),
				`log backoff area=208 country=FR failures=1 operator=orange-fr periods=1 until_check=2; ` + exhausted}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := toDownload(t)
			runDL(t, a, append(append([]dlStep(nil), toSession...), toBPP[0]))
			evs := a.Step(authOK(tt.cc)(a))
			if got := show(evs); got != tt.want {
				t.Fatalf("after authenticateClient:\n got: %s\nwant: %s", got, tt.want)
			}
			var req []byte
			for _, e := range evs {
				if c, ok := e.(ES10); ok {
					req = c.Req
				}
			}
			cr, err := es10.DecodeCancelSessionRequest(req)
			switch {
			case tt.cancel < 0 && err == nil:
				t.Fatalf("CancelSession %+v, want none", cr)
			case tt.cancel >= 0 && (err != nil || cr.Reason != tt.cancel || string(cr.TransactionID) != string(dlTx)):
				t.Fatalf("CancelSession %+v (%v), want reason %d", cr, err, tt.cancel)
			}
			runDL(t, a, tt.afterwards)
			if p, ok := a.enabled(); tt.cc && (!ok || p.Operator != "cmcc") {
				t.Fatalf("profile switch started after a failure: %s", mustJSON(a.st))
			}
		})
	}
}
