package asn1check

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/leakcheck"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// TestMain fails the package's tests if they leave goroutines running or
// file descriptors open.
func TestMain(m *testing.M) { leakcheck.Main(m) }

func b64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// TestStructuresAgainstModules is the check: build the decoder once, run
// the emulated exchanges, decode every encoding they carried.
func TestStructuresAgainstModules(t *testing.T) {
	start := time.Now()
	d := startDecoder(t, buildDecoder(t, t.TempDir()))
	t.Run("refusals", func(t *testing.T) { refusals(t, d) })
	rec := &recorder{t: t, expect: map[string][]check{}}
	r := lpaFlow(t, rec)
	appletFlow(t, rec)
	faultFlows(t, rec)
	saipValues(t, rec)
	encoderValues(t, rec)
	certificates(t, rec, r)
	for pdu, cs := range rec.expect {
		if len(cs) > 0 {
			t.Errorf("no %s was exchanged for the checks %v", pdu, cs)
		}
	}
	failed := 0
	for _, v := range rec.values {
		n, err := d.check(v.pdu, v.b)
		if err != nil {
			failed++
			t.Errorf("%s: %s refused: %v\n  value: %X", v.name, v.pdu, err, v.b)
			continue
		}
		for _, c := range v.checks {
			got := n.text(c.path...)
			if c.want == "\x00exists" {
				if !n.has(c.path...) {
					t.Errorf("%s: %s: no %s", v.name, v.pdu, strings.Join(c.path, "."))
				}
				continue
			}
			if c.hex {
				got = n.hex(c.path...)
			}
			if got != c.want {
				t.Errorf("%s: %s: %s is %q, want %q", v.name, v.pdu, strings.Join(c.path, "."), got, c.want)
			}
		}
	}
	// Every ES10 function and ES9+ member the rig uses was seen: a flow
	// that stops early cannot pass for a clean bill.
	for _, names := range es10PDU {
		for _, pdu := range names {
			if d.seen[pdu] == 0 {
				t.Errorf("no %s was checked", pdu)
			}
		}
	}
	for _, pdu := range []string{"BoundProfilePackage", "PendingNotification", "Certificate", "ProfileElement", "EUICCResponse",
		"InitialiseSecureChannelRequest", "ProfileInstallationResult", "StoreMetadataRequest", "SmdpSigned2", "ServerSigned1"} {
		if d.seen[pdu] == 0 {
			t.Errorf("no %s was checked", pdu)
		}
	}
	t.Logf("%d values checked against the modules (%d refused) in %v", len(rec.values), failed, time.Since(start).Round(time.Millisecond))
}

// on attaches checks to the next value of type pdu that is recorded.
func (rc *recorder) on(pdu string, cs ...check) {
	rc.expect[pdu] = append(rc.expect[pdu], cs...)
}

// lpaFlow is a host LPA against the card (APDUs on a logical channel) and
// the SM-DP+ (ES9+ over HTTPS): the ES10c and ES10a functions, a whole
// download, the notifications, profile management and a cancelled second
// session.
func lpaFlow(t *testing.T, rec *recorder) *rig {
	r := newRig(t, rec)
	rec.on("GetEuiccDataResponse", octets("eidValue", es10.EIDBytes(eid)))
	r.must(es10.GetEuiccDataRequest())
	rec.on("EUICCInfo1", octets("svn", es10.SVN[:]))
	r.must(es10.GetEUICCInfo1Request())
	rec.on("EUICCInfo2", octets("svn", es10.SVN[:]), octets("profileVersion", []byte{2, 3, 1}), exists("uiccCapability"),
		exists("rspCapability"), exists("sasAcreditationNumber"), exists("ppVersion"))
	r.must(es10.GetEUICCInfo2Request())
	rec.on("EuiccConfiguredAddressesResponse", field("rootDsAddress", "lpa.ds.gsma.com"))
	r.must(es10.EuiccConfiguredAddressesRequest())
	rec.on("SetDefaultDpAddressResponse", field("setDefaultDpAddressResult", "0"))
	r.must(es10.SetDefaultDpAddressRequest(dpHost))
	rec.on("EuiccConfiguredAddressesResponse", field("defaultDpAddress", dpHost))
	r.must(es10.EuiccConfiguredAddressesRequest())
	// The card's RAT: its first operator 208EE, E the wildcard nibble.
	rec.on("GetRatResponse", octets("rat.ProfilePolicyAuthorisationRule.allowedOperators.OperatorID.mccMnc", []byte{0x02, 0xF8, 0xEE}))
	r.must(es10.GetRATRequest())
	rec.on("ProfileInfoListResponse", octets("profileInfoListOk.ProfileInfo.iccid", es10.ICCIDBytes(homeICC)),
		field("profileInfoListOk.ProfileInfo.profileName", "China Mobile"), field("profileInfoListOk.ProfileInfo.profileState", "1"))
	r.must(es10.ProfileInfoListRequest{}.Encode())

	// Download (SGP.22 §3.1.3) with a matching id from the SM-DP+.
	_, mid, err := r.dp.Order(eid)
	if err != nil {
		t.Fatal(err)
	}
	dev := es10.DeviceInfoFor(imei, es10.DeviceCapabilities{EUTRAN: es10.Version{13, 0, 0}})
	ctxPath := "ctxParams1.ctxParamsForCommonAuthentication."
	rec.on("AuthenticateServerRequest", field(ctxPath+"matchingId", mid), octets(ctxPath+"deviceInfo.tac", []byte{0x53, 0x92, 0x60, 0x11})) // TBCD of 35290611
	okPath := "authenticateResponseOk.euiccSigned1."
	rec.on("AuthenticateServerResponse", field(okPath+ctxPath+"matchingId", mid), octets(okPath+"euiccInfo2.svn", es10.SVN[:]),
		// SGP.22 §4.2: TBCD, the check digit (7) high in the last octet.
		octets(okPath+ctxPath+"deviceInfo.imei", []byte{0x53, 0x92, 0x60, 0x11, 0x00, 0x00, 0x10, 0x7F}),
		field(okPath+"serverAddress", dpHost))
	rec.on("StoreMetadataRequest", octets("iccid", es10.ICCIDBytes(newICC)), field("profileName", newName), field("serviceProviderName", dpOp))
	pirPath := "profileInstallationResultData."
	rec.on("ProfileInstallationResult", octets(pirPath+"notificationMetadata.iccid", es10.ICCIDBytes(newICC)),
		exists(pirPath+"finalResult.successResult"), field(pirPath+"notificationMetadata.notificationAddress", dpHost))
	ia, authResp := authenticate(t, r, mid, dev)
	pirRaw := install(t, r, ia, authResp)
	pir, err := es10.DecodeProfileInstallationResult(pirRaw)
	if err != nil || !pir.Data.OK {
		t.Fatalf("install: %+v %v", pir.Data, err)
	}
	rec.add("ISD-R PIR simaResponse", "EUICCResponse", pir.Data.SimaResponse, field("peStatus.PEStatus.status", "0"))
	r.call(es9.FnHandleNotification, es9.HandleNotificationRequest{PendingNotification: pirRaw}, nil)

	// Notifications, then profile management, each leaving its own.
	r.must(es10.ListNotificationRequest{}.Encode())
	r.must(es10.RetrieveNotificationsListRequest{}.Encode())
	seq := pir.Data.Notification.Seq
	r.must(es10.RetrieveNotificationsListRequest{Seq: &seq}.Encode())
	install := es10.Events(es10.EventInstall)
	r.must(es10.RetrieveNotificationsListRequest{Filter: &install}.Encode())
	r.must(es10.ListNotificationRequest{Filter: &install}.Encode())
	// All four events, as Android's LPA asks (81 02 04 F0).
	all := es10.Events(es10.EventInstall, es10.EventEnable, es10.EventDisable, es10.EventDelete)
	r.must(es10.ListNotificationRequest{Filter: &all}.Encode())
	rec.on("NotificationSentResponse", field("deleteNotificationStatus", "0"))
	r.must(es10.EncodeNotificationSentRequest(seq))
	rec.on("SetNicknameResponse", field("setNicknameResult", "0"))
	r.must(es10.SetNicknameRequest{ICCID: newICC, Nickname: "travel"}.Encode())
	rec.on("ProfileInfoListResponse", field("profileInfoListOk.ProfileInfo.profileNickname", "travel"),
		field("profileInfoListOk.ProfileInfo.profileName", newName), field("profileInfoListOk.ProfileInfo.serviceProviderName", dpOp))
	r.must(es10.ProfileInfoListRequest{ICCID: newICC}.Encode())
	r.must(es10.ProfileInfoListRequest{Tags: []uint32{es10.TagICCID, es10.TagProfileState, es10.TagProfileName, es10.TagProfileClass, es10.TagProfileOwner}}.Encode())
	rec.on("EnableProfileResponse", field("enableResult", "0"))
	r.must(es10.SwitchRequest{Tag: es10.TagEnableProfile, Profile: es10.ProfileID{ICCID: newICC}, Refresh: false}.Encode())
	rec.on("DisableProfileResponse", field("disableResult", "0"))
	r.must(es10.SwitchRequest{Tag: es10.TagDisableProfile, Profile: es10.ProfileID{ICCID: newICC}, Refresh: false}.Encode())
	r.must(es10.SwitchRequest{Tag: es10.TagEnableProfile, Profile: es10.ProfileID{ICCID: homeICC}, Refresh: false}.Encode())
	// The enable, disable and re-enable left signed notifications.
	rec.on("RetrieveNotificationsListResponse", exists("notificationList.otherSignedNotification"))
	r.must(es10.RetrieveNotificationsListRequest{}.Encode())
	rec.on("DeleteProfileResponse", field("deleteResult", "0"))
	r.must(es10.DeleteProfileRequest(es10.ProfileID{ICCID: newICC}))
	rec.on("EnableProfileResponse", field("enableResult", "1"))
	r.must(es10.SwitchRequest{Tag: es10.TagEnableProfile, Profile: es10.ProfileID{ICCID: newICC}, Refresh: true}.Encode())
	for _, n := range pendingOthers(t, r) {
		r.call(es9.FnHandleNotification, es9.HandleNotificationRequest{PendingNotification: n}, nil)
	}

	// A second session, cancelled by the end user (§3.1.3, §5.7.14).
	_, mid2, err := r.dp.Order(eid)
	if err != nil {
		t.Fatal(err)
	}
	ia, _ = authenticate(t, r, mid2, dev)
	rec.on("CancelSessionResponse", octets("cancelSessionResponseOk.euiccCancelSessionSigned.transactionId", ia.TransactionID),
		field("cancelSessionResponseOk.euiccCancelSessionSigned.reason", "0"))
	cancel := r.must(es10.CancelSessionRequest{TransactionID: ia.TransactionID, Reason: 0}.Encode())
	r.call(es9.FnCancelSession, es9.CancelSessionRequest{TransactionID: ia.TransactionID, CancelSessionResponse: cancel}, nil)
	// Error forms: a cancel for no session, a nickname for no profile.
	rec.on("CancelSessionResponse", field("cancelSessionResponseError", "5"))
	r.must(es10.CancelSessionRequest{TransactionID: []byte{1, 2, 3}, Reason: 1}.Encode())
	rec.on("SetNicknameResponse", field("setNicknameResult", "1"))
	r.must(es10.SetNicknameRequest{ICCID: "89000000000000000004", Nickname: "x"}.Encode())

	rec.on("EuiccMemoryResetResponse", field("resetResult", "1"))
	r.must(es10.EuiccMemoryResetRequest(es10.BitsOf(1)))
	return r
}

// authenticate runs mutual authentication (SGP.22 §3.1.2) for matching id
// mid: the card's challenge and info, initiateAuthentication,
// AuthenticateServer. It returns the SM-DP+'s answer and the card's.
func authenticate(t *testing.T, r *rig, mid string, dev es10.DeviceInfo) (es9.InitiateAuthenticationResponse, []byte) {
	t.Helper()
	challenge, err := es10.DecodeEuiccChallenge(r.must(es10.GetEuiccChallengeRequest()))
	if err != nil {
		t.Fatal(err)
	}
	info1 := r.must(es10.GetEUICCInfo1Request())
	var ia es9.InitiateAuthenticationResponse
	r.call(es9.FnInitiateAuthentication, es9.InitiateAuthenticationRequest{SMDPAddress: dpHost, EuiccChallenge: challenge, EuiccInfo1: info1}, &ia)
	signed1, err := es10.DecodeServerSigned1(ia.ServerSigned1)
	if err != nil {
		t.Fatal(err)
	}
	return ia, r.must(es10.AuthenticateServerRequest{ServerSigned1: signed1, ServerSignature1: sigValue(t, ia.ServerSignature1),
		CiPKIDToBeUsed: tlvValue(t, 0x04, ia.EuiccCiPKIdToBeUsed), ServerCertificate: ia.ServerCertificate,
		CtxParams1: es10.CtxParams1{MatchingID: mid, DeviceInfo: dev}}.Encode())
}

// install goes on from authentication: authenticateClient,
// PrepareDownload, getBoundProfilePackage, the segments to the card. It
// returns the card's ProfileInstallationResult.
func install(t *testing.T, r *rig, ia es9.InitiateAuthenticationResponse, authResp []byte) []byte {
	t.Helper()
	var ac es9.AuthenticateClientResponse
	r.call(es9.FnAuthenticateClient, es9.AuthenticateClientRequest{TransactionID: ia.TransactionID, AuthenticateServerResponse: authResp}, &ac)
	signed2, err := es10.DecodeSmdpSigned2(ac.SmdpSigned2)
	if err != nil {
		t.Fatal(err)
	}
	prep := r.must(es10.PrepareDownloadRequest{SmdpSigned2: signed2, SmdpSignature2: sigValue(t, ac.SmdpSignature2),
		SmdpCertificate: ac.SmdpCertificate}.Encode())
	var bpp es9.GetBoundProfilePackageResponse
	r.call(es9.FnGetBoundProfilePackage, es9.GetBoundProfilePackageRequest{TransactionID: ia.TransactionID, PrepareDownloadResponse: prep}, &bpp)
	segs, err := es10.BPPSegments(bpp.BoundProfilePackage)
	if err != nil {
		t.Fatal(err)
	}
	// The card answers the last segment, or the first it refuses, with
	// the install result.
	for _, s := range segs {
		if pir := r.must(s); len(pir) > 0 {
			return pir
		}
	}
	t.Fatal("no install result after the last segment")
	return nil
}

// faultFlows has the SM-DP+ misbehave so that the card answers with the
// error forms: a bad serverSignature1 (AuthenticateServer error), a
// tampered package (an install result with errorResult).
func faultFlows(t *testing.T, rec *recorder) {
	r := newRig(t, rec)
	dev := es10.DeviceInfoFor(imei, es10.DeviceCapabilities{})
	r.dp.SetFaults(smdp.Faults{BadServerSignature1: true})
	_, mid, err := r.dp.Order(eid)
	if err != nil {
		t.Fatal(err)
	}
	rec.on("AuthenticateServerResponse", field("authenticateResponseError.authenticateErrorCode", "2"))
	authenticate(t, r, mid, dev)
	r.dp.SetFaults(smdp.Faults{TamperBPP: true})
	if _, mid, err = r.dp.Order(eid); err != nil {
		t.Fatal(err)
	}
	rec.on("ProfileInstallationResult", field("profileInstallationResultData.finalResult.errorResult.errorReason", "8"))
	ia, authResp := authenticate(t, r, mid, dev)
	install(t, r, ia, authResp)
	rec.on("RetrieveNotificationsListResponse", exists("notificationList.profileInstallationResult.profileInstallationResultData.finalResult.errorResult"))
	r.must(es10.RetrieveNotificationsListRequest{}.Encode())

	// A profile setting ppr2, owned by 310150: the RAT allows ppr2 only
	// for 208EE and for 310410 with its gids, so StoreMetadata refuses it
	// with pprNotAllowed and the install result names the profile.
	r.dp.SetFaults(smdp.Faults{})
	r.profile.IMSI, r.profile.MNCLen, r.profile.PPR = "310150123456789", 3, es10.BitsOf(es10.PPR2)
	if _, mid, err = r.dp.Order(eid); err != nil {
		t.Fatal(err)
	}
	rec.on("StoreMetadataRequest", exists("profilePolicyRules"), octets("profileOwner.mccMnc", []byte{0x13, 0x00, 0x51}))
	pirPath := "profileInstallationResultData."
	rec.on("ProfileInstallationResult", field(pirPath+"finalResult.errorResult.bppCommandId", "2"),
		field(pirPath+"finalResult.errorResult.errorReason", "15"), octets(pirPath+"notificationMetadata.iccid", es10.ICCIDBytes(newICC)))
	ia, authResp = authenticate(t, r, mid, dev)
	pir, err := es10.DecodeProfileInstallationResult(install(t, r, ia, authResp))
	if err != nil || pir.Data.OK || pir.Data.ErrorReason != es10.ReasonPPRNotAllowed {
		t.Fatalf("install of a profile with rules the RAT refuses: %+v %v", pir.Data, err)
	}
}

// pendingOthers are the card's signed notifications other than installs.
func pendingOthers(t *testing.T, r *rig) [][]byte {
	t.Helper()
	list, _, err := es10.DecodeRetrieveNotificationsListResponse(r.must(es10.RetrieveNotificationsListRequest{}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, n := range list {
		if n.Other != nil {
			out = append(out, n.Encode())
		}
	}
	if len(out) == 0 {
		t.Fatal("no enable/disable/delete notification pending")
	}
	return out
}

// tlvValue strips an outer TLV of tag.
func tlvValue(t *testing.T, tag uint32, b []byte) []byte {
	t.Helper()
	obj, rest, err := tlv.ParseOne(b)
	if err != nil || len(rest) != 0 || obj.Tag != tag {
		t.Fatalf("not a %X TLV: %X", tag, b)
	}
	return obj.Value
}

// appletFlow runs the card's own autoswitch applet (its IPA) through a
// roaming check into a download: its ES10 requests go to the card's ISD-R
// as APDUs, its ES9+ calls to the SM-DP+, the platform's answers are the
// management API's. It stops when the new profile is to be enabled.
func appletFlow(t *testing.T, rec *recorder) {
	r := newRig(t, rec)
	dev := es10.DeviceInfoFor(imei, es10.DeviceCapabilities{EUTRAN: es10.Version{15, 0, 0}, UTRAN: es10.Version{8, 0, 0}})
	a := applet.New(applet.Config{EID: eid, CheckInterval: 5 * time.Minute, DeviceInfo: dev}, applet.State{})
	rec.on("AuthenticateServerRequest", octets("ctxParams1.ctxParamsForCommonAuthentication.deviceInfo.deviceCapabilities.eutranSupportedRelease", []byte{15, 0, 0}))
	queue := a.Step(applet.Boot{Profiles: []applet.Profile{{ICCID: homeICC, Operator: "cmcc", HomePLMN: "46000", Enabled: true, Original: true}}})
	roamed, enabled := false, false
	for steps := 0; !enabled && steps < 2000; steps++ {
		if len(queue) == 0 {
			if roamed {
				t.Fatalf("the applet stopped in mode %s before enabling the download", a.Mode())
			}
			roamed = true
			queue = a.Step(applet.LocalInfo{Service: applet.NormalService, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d,
				Cells: []applet.Measurement{{PLMN: "20801", RSRP: -85}}})
			continue
		}
		e := queue[0]
		queue = queue[1:]
		var ev applet.Event
		switch e := e.(type) {
		case applet.ES10:
			resp, sw := r.es10("applet", e.Req)
			ev = applet.ES10Result{ReqID: e.ReqID, Resp: resp, SW: sw}
		case applet.ES9Call:
			status, body := r.es9("applet", e.Function, e.Body)
			ev = applet.HTTPResult{ReqID: e.ReqID, Status: status, Body: body}
		case applet.HTTPPost:
			ev = platformAnswer(t, r, e)
		case applet.EnableProfile:
			if e.ICCID != newICC {
				t.Fatalf("the applet enables %s", e.ICCID)
			}
			enabled = true
		case applet.ReadLocation:
			ev = applet.LocalInfo{Service: applet.NormalService, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d,
				Cells: []applet.Measurement{{PLMN: "20801", RSRP: -85}}}
		}
		if ev != nil {
			queue = append(queue, a.Step(ev)...)
		}
	}
	if !enabled {
		t.Fatalf("the applet did not finish its download (mode %s)", a.Mode())
	}
}

// platformAnswer is the management platform's answer to the applet: the
// preferred list names orange-fr, a download is ordered from the SM-DP+.
func platformAnswer(t *testing.T, r *rig, e applet.HTTPPost) applet.HTTPResult {
	t.Helper()
	var body []byte
	switch e.Path {
	case "/v1/preferred-list":
		body = []byte(`{"list_id":"l1","country":"FR","order_by":"signal","operators":[{"id":"orange-fr","plmn":"20801","rsrp":-85}]}`)
	case "/v1/download":
		addr, mid, err := r.dp.Order(eid)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = json.Marshal(platformapi.DownloadResponse{Operator: dpOp, SMDPAddress: addr, MatchingID: mid,
			ActivationCode: platformapi.ActivationCode(addr, mid)})
	case "/v1/notifications":
		body = []byte(fmt.Sprintf(`{"ack":true,"id":"%d"}`, e.Seq))
	default:
		t.Fatalf("the applet posts to %s", e.Path)
	}
	return applet.HTTPResult{ReqID: e.ReqID, Status: http.StatusOK, Body: body}
}
