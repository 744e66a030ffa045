package applet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	bpp "github.com/esimhil/esimhil/emulators/rsp"
	rsp "github.com/esimhil/esimhil/internal/proto/es10"
)

// Download fixtures: the SM-DP+ and card answers, built with rsp so the
// applet parses what the real parties send. The applet verifies nothing
// itself (the ISD-R and the SM-DP+ do), so signatures are filler here.
var (
	dlTx       = []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}
	dlChal     = []byte("0123456789abcdef")
	dlSig      = make([]byte, rsp.SigLen)
	dlCert     = []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	dlMetadata = rsp.ProfileMetadata{ICCID: "89330100000000000019", ServiceProviderName: "orange-fr", ProfileName: "Orange", Owner: &rsp.OperatorID{PLMN: "20801"}}
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
	ot, err := bpp.NewOneTimeKey()
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
	d := rsp.ProfileInstallationResultData{TransactionID: dlTx, OK: ok, AID: []byte{0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 0x01},
		Notification: rsp.NotificationMetadata{Seq: 3, Event: rsp.EventInstall, Address: "smdp.orange.test", ICCID: dlMetadata.ICCID}}
	if !ok {
		d.CommandID, d.ErrorReason = rsp.BPPCmdLoadProfileElements, rsp.ReasonSCP03tSecurityError
	}
	return rsp.ProfileInstallationResult{Data: d, Signature: dlSig}.Encode()
}

// show renders download effects compactly: an ES10 by its request tag, an
// ES9+ call by function and JSON keys, a post by path and body.
func show(effs []Effect) string {
	var b strings.Builder
	for _, e := range effs {
		switch e := e.(type) {
		case ES10:
			fmt.Fprintf(&b, "ES10#%d %X", e.ReqID, e.Req[:2])
		case ES9Call:
			var m map[string]any
			_ = json.Unmarshal(e.Body, &m)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			fmt.Fprintf(&b, "ES9#%d %s %s %v", e.ReqID, e.Address, e.Function, keys)
		case HTTPPost:
			fmt.Fprintf(&b, "POST#%d seq%d %s %s", e.ReqID, e.Seq, e.Path, e.Body)
		case Persist:
			b.WriteString("Persist")
		case Log:
			f, _ := json.Marshal(e.Fields)
			fmt.Fprintf(&b, "Log %s %s", e.Kind, f)
		default:
			fmt.Fprintf(&b, "%T%+v", e, e)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// dlStep is one line of a download script: an event and the rendering of
// the effects it must give.
type dlStep struct {
	ev   Event
	want string
}

func runDL(t *testing.T, a *Applet, script []dlStep) {
	t.Helper()
	for i, s := range script {
		if got := show(a.Step(s.ev)); got != s.want {
			t.Fatalf("step %d %T:\n got: %s\nwant: %s", i, s.ev, got, s.want)
		}
	}
}

// exhausted is what follows a failed download of the list's only operator
// (claim 3): the list is exhausted and the platform told so.
func exhausted(req int) string {
	return fmt.Sprintf(`Log list_exhausted {"operators":["orange-fr"]}; Persist; POST#%d seq3 /v1/notifications `+
		`{"eid":"89049032000001000000000000000123","kind":"list-exhausted","plmn":"20801"}; `, req)
}

const orangeList = `{"list_id":"l3","country":"FR","order_by":"signal","operators":[{"id":"orange-fr","plmn":"20801","rsrp":-85}]}`

// toDownload brings an applet to the platform's answer to its download
// request (claims 1, 2, 5: roaming, list, first operator not preinstalled).
func toDownload(t *testing.T) *Applet {
	a := New(testCfg, State{})
	runDL(t, a, []dlStep{
		{Boot{Profiles: testProfiles()}, "applet.StartTimer{ID:1 D:5m0s}; ES10#1 BF28; "},
		{ES10Result{ReqID: 1, Resp: rsp.EncodeListNotificationResponse(nil), SW: 0x9000}, ""},
		{parisInfo, `Log roaming_detected {"serving_plmn":"20801"}; Log preferred_list_requested {"serving_plmn":"20801"}; Persist; POST#1 seq1 /v1/preferred-list ` + parisReq + "; "},
		// claim 2: not preinstalled → download request to the platform.
		{ok200(1, orangeList), `Log preferred_list_received {"operators":["orange-fr"]}; Persist; Log profile_not_preinstalled {"operator":"orange-fr"}; ` +
			`Log download_requested {"operator":"orange-fr"}; Persist; POST#2 seq2 /v1/download {"eid":"89049032000001000000000000000123","operator":"orange-fr","serving_plmn":"20801"}; `},
	})
	return a
}

func TestDownloadClaim2(t *testing.T) {
	a := toDownload(t)
	bpp := testBPP(t)
	segs, err := rsp.BPPSegments(bpp)
	if err != nil || len(segs) < 4 {
		t.Fatalf("segments %d, %v", len(segs), err)
	}
	asResp := rsp.AuthenticateServerResponse{EuiccSigned1: rsp.EuiccSigned1{TransactionID: dlTx, ServerAddress: "smdp.orange.test", ServerChallenge: dlChal},
		EuiccSignature1: dlSig, EuiccCertificate: dlCert, EUMCertificate: dlCert}.Encode()
	pdResp := rsp.PrepareDownloadResponse{EuiccSigned2: rsp.EuiccSigned2{TransactionID: dlTx, EuiccOtpk: make([]byte, 65)}, EuiccSignature2: dlSig}.Encode()
	script := []dlStep{
		// claim 4: the platform found the card eligible and forwarded to the operator.
		{ok200(2, `{"operator":"orange-fr","smdp_address":"smdp.orange.test","matching_id":"MID-1"}`), "ES10#2 BF2E; "},
		{ES10Result{ReqID: 2, Resp: rsp.EncodeEuiccChallenge(dlChal), SW: 0x9000}, "ES10#3 BF20; "},
		// claim 2: the operator starts mutual authentication.
		{ES10Result{ReqID: 3, Resp: rsp.EuiccInfo1{}.Encode(), SW: 0x9000}, "ES9#3 smdp.orange.test initiateAuthentication [euiccChallenge euiccInfo1 smdpAddress]; "},
		{es9OK(3, map[string]string{"transactionId": "0102030405060708",
			"serverSigned1":       b64s(rsp.ServerSigned1{TransactionID: dlTx, EuiccChallenge: dlChal, ServerAddress: "smdp.orange.test", ServerChallenge: dlChal}.Encode()),
			"serverSignature1":    b64s(append([]byte{0x5F, 0x37, 0x40}, dlSig...)),
			"euiccCiPKIdToBeUsed": b64s([]byte{0x04, 0x02, 0xAA, 0xBB}), "serverCertificate": b64s(dlCert)}), "ES10#4 BF38; "},
		{ES10Result{ReqID: 4, Resp: asResp, SW: 0x9000}, "ES9#4 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "},
		{es9OK(4, map[string]string{"transactionId": "0102030405060708", "profileMetadata": b64s(dlMetadata.Encode()),
			"smdpSigned2": b64s(rsp.SmdpSigned2{TransactionID: dlTx}.Encode()), "smdpSignature2": b64s(append([]byte{0x5F, 0x37, 0x40}, dlSig...)),
			"smdpCertificate": b64s(dlCert)}), "ES10#5 BF21; "},
		// claim 2: the card downloads the profile.
		{ES10Result{ReqID: 5, Resp: pdResp, SW: 0x9000}, "ES9#5 smdp.orange.test getBoundProfilePackage [prepareDownloadResponse transactionId]; "},
		{es9OK(5, map[string]string{"transactionId": "0102030405060708", "boundProfilePackage": b64s(bpp)}), "ES10#6 BF36; "},
	}
	runDL(t, a, script)
	id := 6
	for range segs[1:] {
		id++
		got := show(a.Step(ES10Result{ReqID: id - 1, SW: 0x9000}))
		if !strings.HasPrefix(got, fmt.Sprintf("ES10#%d ", id)) {
			t.Fatalf("segment %d: %s", id, got)
		}
	}
	runDL(t, a, []dlStep{
		// claim 2: download-success notification to the operator, then to the platform.
		{ES10Result{ReqID: id, Resp: pirBytes(true), SW: 0x9000}, "ES9#6 smdp.orange.test handleNotification [pendingNotification]; "},
		{HTTPResult{ReqID: 6, Status: 204}, `Log notification_sent {"kind":"install","seq":3,"to":"orange-fr"}; ES10#` + fmt.Sprint(id+1) + " BF30; "},
		{ES10Result{ReqID: id + 1, Resp: rsp.EncodeNotificationSentResponse(0), SW: 0x9000},
			`Persist; POST#7 seq3 /v1/notifications {"eid":"89049032000001000000000000000123","kind":"download-success","iccid":"89330100000000000019","operator":"orange-fr"}; `},
		// claim 2: then switch (the existing enable → REFRESH path).
		{ok200(7, `{}`), `Log notification_sent {"kind":"download-success","seq":3,"to":"platform"}; Log download_result {"ok":true,"operator":"orange-fr","reason":""}; Persist; applet.EnableProfile{ICCID:89330100000000000019}; `},
		{ProfileEnabled{ICCID: "89330100000000000019"}, `Log profile_enabled {"iccid":"89330100000000000019","operator":"orange-fr","original":false}; Persist; applet.Refresh{}; `},
	})
	if st := a.State(); st.DL != nil || st.Await == nil || st.Await.PLMN != "20801" || st.PlatformSeq != 3 {
		t.Fatalf("state after download %+v", st)
	}
}

// Failures end the download with a reason and the current profile kept;
// once a session is open it is cancelled on the card and at the SM-DP+.
func TestDownloadFailures(t *testing.T) {
	tests := []struct {
		name   string
		script []dlStep
	}{
		{"claim 4: eligibility refused", []dlStep{
			{HTTPResult{ReqID: 2, Status: 403, Body: []byte(`{"error":"eligibility: daily quota reached"}`)},
				`Log download_result {"ok":false,"operator":"orange-fr","reason":"platform refused (403): eligibility: daily quota reached"}; Persist; ` + exhausted(3)},
		}},
		{"platform unreachable", []dlStep{
			{HTTPResult{ReqID: 2, Err: "open channel: result 3A/07"},
				`Log download_result {"ok":false,"operator":"orange-fr","reason":"platform: open channel: result 3A/07"}; Persist; ` + exhausted(3)},
		}},
		{"platform answer without address", []dlStep{
			{ok200(2, `{"operator":"orange-fr"}`), `Log download_result {"ok":false,"operator":"orange-fr","reason":"platform: answer without smdp_address or matching_id"}; Persist; ` + exhausted(3)},
		}},
		{"SM-DP+ unreachable before a session", []dlStep{
			{ok200(2, `{"smdp_address":"smdp.orange.test","matching_id":"M"}`), "ES10#2 BF2E; "},
			{ES10Result{ReqID: 2, Resp: rsp.EncodeEuiccChallenge(dlChal), SW: 0x9000}, "ES10#3 BF20; "},
			{ES10Result{ReqID: 3, Resp: rsp.EuiccInfo1{}.Encode(), SW: 0x9000}, "ES9#3 smdp.orange.test initiateAuthentication [euiccChallenge euiccInfo1 smdpAddress]; "},
			{HTTPResult{ReqID: 3, Err: "tls handshake: x509: certificate signed by unknown authority"},
				`Log download_result {"ok":false,"operator":"orange-fr","reason":"initiateAuthentication: tls handshake: x509: certificate signed by unknown authority"}; Persist; ` + exhausted(4)},
		}},
		{"card refuses the SM-DP+ (claim 2 mutual authentication) → cancel", []dlStep{
			{ok200(2, `{"smdp_address":"smdp.orange.test","matching_id":"M"}`), "ES10#2 BF2E; "},
			{ES10Result{ReqID: 2, Resp: rsp.EncodeEuiccChallenge(dlChal), SW: 0x9000}, "ES10#3 BF20; "},
			{ES10Result{ReqID: 3, Resp: rsp.EuiccInfo1{}.Encode(), SW: 0x9000}, "ES9#3 smdp.orange.test initiateAuthentication [euiccChallenge euiccInfo1 smdpAddress]; "},
			{es9OK(3, map[string]string{"transactionId": "0102030405060708",
				"serverSigned1":    b64s(rsp.ServerSigned1{TransactionID: dlTx, EuiccChallenge: dlChal, ServerAddress: "smdp.orange.test", ServerChallenge: dlChal}.Encode()),
				"serverSignature1": b64s(dlSig), "euiccCiPKIdToBeUsed": b64s([]byte{0xAA}), "serverCertificate": b64s(dlCert)}), "ES10#4 BF38; "},
			{ES10Result{ReqID: 4, Resp: rsp.AuthenticateServerResponse{TransactionID: dlTx, ErrorCode: rsp.AuthErrInvalidSignature}.Encode(), SW: 0x9000},
				`Log download_result {"ok":false,"operator":"orange-fr","reason":"AuthenticateServer: authenticateErrorCode 2"}; ES10#5 BF41; `},
			{ES10Result{ReqID: 5, Resp: []byte{0xBF, 0x41, 0x03, 0x02, 0x01, 0x05}, SW: 0x9000}, `Persist; ` + exhausted(4)},
		}},
		{"SM-DP+ refuses the card → cancel", []dlStep{
			{ok200(2, `{"smdp_address":"smdp.orange.test","matching_id":"M"}`), "ES10#2 BF2E; "},
			{ES10Result{ReqID: 2, Resp: rsp.EncodeEuiccChallenge(dlChal), SW: 0x9000}, "ES10#3 BF20; "},
			{ES10Result{ReqID: 3, Resp: rsp.EuiccInfo1{}.Encode(), SW: 0x9000}, "ES9#3 smdp.orange.test initiateAuthentication [euiccChallenge euiccInfo1 smdpAddress]; "},
			{es9OK(3, map[string]string{"transactionId": "0102030405060708",
				"serverSigned1":    b64s(rsp.ServerSigned1{TransactionID: dlTx, EuiccChallenge: dlChal, ServerAddress: "smdp.orange.test", ServerChallenge: dlChal}.Encode()),
				"serverSignature1": b64s(dlSig), "euiccCiPKIdToBeUsed": b64s([]byte{0xAA}), "serverCertificate": b64s(dlCert)}), "ES10#4 BF38; "},
			{ES10Result{ReqID: 4, Resp: rsp.AuthenticateServerResponse{EuiccSigned1: rsp.EuiccSigned1{TransactionID: dlTx, ServerChallenge: dlChal},
				EuiccSignature1: dlSig, EuiccCertificate: dlCert, EUMCertificate: dlCert}.Encode(), SW: 0x9000},
				"ES9#4 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "},
			{es9Failed(4, "8.1.2", "6.1", "euiccSignature1 does not verify"),
				`Log download_result {"ok":false,"operator":"orange-fr","reason":"authenticateClient: Failed subject 8.1.2 reason 6.1: euiccSignature1 does not verify"}; ES10#5 BF41; `},
		}},
		{"malformed ES9+ answer", []dlStep{
			{ok200(2, `{"smdp_address":"smdp.orange.test","matching_id":"M"}`), "ES10#2 BF2E; "},
			{ES10Result{ReqID: 2, Resp: rsp.EncodeEuiccChallenge(dlChal), SW: 0x9000}, "ES10#3 BF20; "},
			{ES10Result{ReqID: 3, Resp: rsp.EuiccInfo1{}.Encode(), SW: 0x9000}, "ES9#3 smdp.orange.test initiateAuthentication [euiccChallenge euiccInfo1 smdpAddress]; "},
			{es9OK(3, map[string]string{"transactionId": "0102", "serverSigned1": "%%%"}),
				`Log download_result {"ok":false,"operator":"orange-fr","reason":"initiateAuthentication: serverSigned1: bad base64: illegal base64 data at input byte 0"}; ES10#4 BF41; `},
		}},
		{"card error status word", []dlStep{
			{ok200(2, `{"smdp_address":"smdp.orange.test","matching_id":"M"}`), "ES10#2 BF2E; "},
			{ES10Result{ReqID: 2, SW: 0x6A88}, `Log download_result {"ok":false,"operator":"orange-fr","reason":"ES10 challenge: status word 6A88"}; Persist; ` + exhausted(3)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := toDownload(t)
			runDL(t, a, tt.script)
			if _, ok := a.enabled(); !ok || a.st.Enabling != "" {
				t.Fatalf("profile switch started after a failure: %+v", a.st)
			}
		})
	}
}

// A failed install result is reported without a switch; a notification the
// platform does not take is kept and sent again after the next Boot.
func TestDownloadInstallFailedAndOwedNote(t *testing.T) {
	a := toDownload(t)
	a.st.DL.Step, a.st.DL.Req, a.st.DL.SMDP, a.st.DL.TxID = dlLoad, 9, "smdp.orange.test", "0102030405060708"
	a.st.DL.Segments = [][]byte{{0xBF, 0x36}}
	runDL(t, a, []dlStep{{ES10Result{ReqID: 9, Resp: pirBytes(false), SW: 0x9000},
		`Log download_result {"ok":false,"operator":"orange-fr","reason":"install failed: bppCommandId 5 errorReason 8"}; Persist; ` + exhausted(3)}})

	a = toDownload(t)
	p := Profile{ICCID: dlMetadata.ICCID, Operator: "orange-fr", HomePLMN: "20801"}
	a.st.DL.Step, a.st.DL.Req, a.st.DL.Seq, a.st.DL.Profile = dlPlatformNote, 9, 3, &p
	runDL(t, a, []dlStep{
		{HTTPResult{ReqID: 9, Status: 503}, `Log notification_failed {"kind":"download-success","reason":"http status 503","seq":3,"to":"platform"}; ` +
			`Log download_result {"ok":true,"operator":"orange-fr","reason":""}; Persist; applet.EnableProfile{ICCID:89330100000000000019}; `},
		// No bearer right after the reset: the note waits for normal service.
		// claim 3: power lost before the enable; the cycle resumes on the original.
		{Boot{Profiles: testProfiles()}, `Log cycle_resumed {"operator":"orange-fr","phase":"attempt"}; Persist; applet.StartTimer{ID:2 D:3m0s}; ES10#2 BF28; `},
		// The profile is not on the card after the reset: the attempt counts as failed and the list is exhausted.
		{LocationStatus{Service: NormalService, PLMN: "20801"}, `Persist; POST#3 seq3 /v1/notifications {"eid":"89049032000001000000000000000123","kind":"download-success","iccid":"89330100000000000019","operator":"orange-fr"}; ` +
			`Log fallback_attached {"operator":"cmcc","plmn":"20801"}; Log list_exhausted {"operators":["orange-fr"]}; Persist; ` +
			`POST#4 seq4 /v1/notifications {"eid":"89049032000001000000000000000123","kind":"list-exhausted","plmn":"20801"}; `},
		{ok200(3, `{}`), `Log notification_sent {"kind":"download-success","seq":3,"to":"platform"}; Persist; `},
	})
	if len(a.st.Owed) != 0 {
		t.Fatalf("owed %+v", a.st.Owed)
	}
}

// After a Boot the card's pending notifications are sent again; one the
// SM-DP+ does not acknowledge stays in the card (no NotificationSent).
func TestPendingNotificationRetry(t *testing.T) {
	a := New(testCfg, State{Profiles: testProfiles()})
	pending := []rsp.NotificationMetadata{{Seq: 3, Event: rsp.EventInstall, Address: "smdp.orange.test", ICCID: dlMetadata.ICCID},
		{Seq: 4, Event: rsp.EventEnable, Address: ""}, {Seq: 5, Event: rsp.EventInstall, Address: "smdp.sfr.test"}}
	pir, _ := rsp.DecodeProfileInstallationResult(pirBytes(true))
	one := rsp.EncodeRetrieveNotificationsListResponse([]rsp.PendingNotification{{Install: &pir}}, 0)
	runDL(t, a, []dlStep{
		{Boot{Profiles: testProfiles()}, "applet.StartTimer{ID:1 D:5m0s}; ES10#1 BF28; "},
		// Still attaching after the reset: no bearer, the card keeps them.
		{ES10Result{ReqID: 1, Resp: rsp.EncodeListNotificationResponse(pending), SW: 0x9000}, ""},
		{LocationStatus{Service: NormalService, PLMN: "46000"}, "ES10#2 BF28; "},
		{ES10Result{ReqID: 2, Resp: rsp.EncodeListNotificationResponse(pending), SW: 0x9000}, "ES10#3 BF2B; "},
		{ES10Result{ReqID: 3, Resp: one, SW: 0x9000}, "ES9#1 smdp.orange.test handleNotification [pendingNotification]; "},
		{HTTPResult{ReqID: 1, Err: "open channel: result 3A/07"}, `Log notification_failed {"kind":"install","reason":"open channel: result 3A/07","seq":3,"to":"smdp.orange.test"}; ES10#4 BF2B; `},
		{ES10Result{ReqID: 4, Resp: one, SW: 0x9000}, "ES9#2 smdp.orange.test handleNotification [pendingNotification]; "},
		{HTTPResult{ReqID: 2, Status: 204}, `Log notification_sent {"kind":"install","seq":5,"to":"smdp.orange.test"}; ES10#5 BF30; `},
		{ES10Result{ReqID: 5, Resp: rsp.EncodeNotificationSentResponse(0), SW: 0x9000}, ""},
	})
	if a.st.Retry != nil {
		t.Fatalf("retry not finished: %+v", a.st.Retry)
	}
}
