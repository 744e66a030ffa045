package euicc

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// APDU-level vectors for the ES10b functions whose answers are fixed.
func TestES10bAPDU(t *testing.T) {
	cfg, _ := rspConfig(t)
	ski := fmt.Sprintf("%X", cfg.CI.SubjectKeyId)
	l := fmt.Sprintf("%02X", len(cfg.CI.SubjectKeyId))
	ids := fmt.Sprintf("%02X04%s%s", len(cfg.CI.SubjectKeyId)+2, l, ski)
	info1 := "820302 0202 A9" + ids + " AA" + ids
	info1 = fmt.Sprintf("BF20%02X", len(hexdump.Bytes(t, info1))) + info1
	sel := []step{{"00A4040C10" + isdrAID, "9000"}}
	tests := []struct {
		name  string
		steps []step
	}{
		{"GetEUICCInfo1 via 61xx", []step{{"80E2910003BF2000", fmt.Sprintf("61%02X", len(hexdump.Bytes(t, info1)))},
			{fmt.Sprintf("00C00000%02X", len(hexdump.Bytes(t, info1))), info1 + "9000"}}},
		{"GetEUICCInfo1 with malformed content", []step{{"80E2910005BF2002 8005", "6A80"}}},
		// Fields a later release adds (EXTENSIBILITY IMPLIED) are skipped.
		{"chained GetEuiccChallenge with a later field", []step{{"80E2910007BF2E04 9F7F0101 00", "BF2E1280 10"}}},
		{"ListNotification with a later field", []step{{"80E2910007BF2804 9F7F0101 00", "BF2802A000 9000"}}},
		{"RetrieveNotificationsList with a later field", []step{{"80E2910007BF2B04 9F7F0101 00", "BF2B02A000 9000"}}},
		{"RetrieveNotificationsList by events and a later field", []step{{"80E291000DBF2B0A A004810204F0 9F7F0101 00", "BF2B02A000 9000"}}},
		{"ListNotification empty", []step{{"80E2910003BF2800 00", "BF2802A000 9000"}}},
		{"ListNotification install filter", []step{{"80E2910007BF2804 81020780 00", "BF2802A000 9000"}}},
		// Android's EuiccCard names the four events as a DER BIT STRING
		// with its unused-bits count (04 F0).
		{"ListNotification all events as Android asks", []step{{"80E2910007BF2804 810204F0 00", "BF2802A000 9000"}}},
		{"RetrieveNotificationsList by events as Android asks", []step{{"80E2910009BF2B06 A004810204F0 00", "BF2B02A000 9000"}}},
		{"RetrieveNotificationsList by seq none", []step{{"80E2910008BF2B05A003800101 00", "BF2B03810101 9000"}}},
		{"RetrieveNotificationsList all", []step{{"80E2910003BF2B00 00", "BF2B02A000 9000"}}},
		{"NotificationSent nothing", []step{{"80E2910006BF3003800107 00", "BF3003800101 9000"}}},
		{"NotificationSent malformed", []step{{"80E2910005BF30028000", "6A80"}}},
		{"CancelSession without session", []step{{"80E2910009BF410680010181 0101 00", "BF4103810105 9000"}}},
		{"AuthenticateServer malformed", []step{{"80E2910005BF38023000", "6A80"}}},
		{"PrepareDownload malformed", []step{{"80E2910005BF21023000", "6A80"}}},
		{"BPP segment without session", []step{{"80E2910004BF368100", "6985"}}},
		{"DeleteProfile enabled", []step{{"80E291000FBF330C5A0A" + iccidCMCC + "00", "BF3303800102 9000"}}},
		{"DeleteProfile unknown", []step{{"80E291000FBF330C5A0A98000000000000000000 00", "BF3303800101 9000"}}},
		{"DeleteProfile malformed", []step{{"80E2910005BF3302 8000", "6A80"}}},
		{"chained GetEuiccChallenge length", []step{{"80E2110002BF2E", "9000"}, {"80E291010100 00", "BF2E1280 10"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCard(t, cfg)
			steps := append(append([]step{}, sel...), tc.steps...)
			last := steps[len(steps)-1]
			if strings.HasPrefix(tc.name, "chained") {
				// The challenge is random: check its frame and length only.
				runScript(t, c, steps[:len(steps)-1])
				got := c.Transmit(hexdump.Bytes(t, last.cmd))
				if want := hexdump.Bytes(t, last.resp); len(got) != 23 || !bytes.HasPrefix(got, want) || !bytes.HasSuffix(got, []byte{0x90, 0}) {
					t.Fatalf("challenge %X", got)
				}
				return
			}
			runScript(t, c, steps)
		})
	}
}

func TestGetEUICCInfo2(t *testing.T) {
	cfg, _ := rspConfig(t)
	cfg.FreeNVM = 100000
	c := newTestCard(t, cfg)
	storeSelect(t, c)
	resp, sw := storeData(t, c, es10.GetEUICCInfo2Request())
	info, err := es10.DecodeEuiccInfo2(resp)
	if sw != apdu.SWOK || err != nil || info.ExtCardResource.FreeNVM != 100000 || info.ExtCardResource.InstalledApps != 2 || !bytes.Equal(info.CiPKIDVerify[0], cfg.CI.SubjectKeyId) {
		t.Fatalf("%X %04X %+v %v", resp, sw, info, err)
	}
}

// TestDownload plays LPA and SM-DP+ through a whole download, then the
// notification round.
func TestDownload(t *testing.T) {
	cfg, log := rspConfig(t)
	c := newTestCard(t, cfg)
	l := newLPA(t, c)
	before := profileList(t, c)

	ar := l.authenticate()
	if ar.ErrorCode != 0 {
		t.Fatalf("AuthenticateServer error %d: %v", ar.ErrorCode, log.Events())
	}
	eid, pub, err := rsp.VerifyEUICC(l.pki.CI.X509, ar.EUMCertificate, ar.EuiccCertificate, cfg.Now())
	if err != nil || eid != testEID {
		t.Fatalf("card chain: %s %v", eid, err)
	}
	if err := rsp.Verify(pub, ar.EuiccSigned1.Signed(), ar.EuiccSignature1); err != nil {
		t.Fatalf("euiccSignature1: %v", err)
	}
	if s := ar.EuiccSigned1; !bytes.Equal(s.TransactionID, l.txID) || !bytes.Equal(s.ServerChallenge, l.server.ServerChallenge) || s.CtxParams1.MatchingID != "MATCH-1" {
		t.Fatalf("euiccSigned1 %+v", s)
	}
	pr := l.prepare()
	if pr.ErrorCode != 0 {
		t.Fatalf("PrepareDownload error %d", pr.ErrorCode)
	}
	if err := rsp.Verify(pub, es10.SignedData2(pr.EuiccSigned2.Signed(), l.sig2), pr.EuiccSignature2); err != nil {
		t.Fatalf("euiccSignature2: %v", err)
	}
	segs := l.bpp()
	for i, s := range segs[:len(segs)-1] {
		if resp := l.es10(s); len(resp) != 0 {
			t.Fatalf("segment %d answered %X", i, resp)
		}
	}
	pir := l.pir(l.es10(segs[len(segs)-1]))
	if !pir.Data.OK || pir.Data.Notification.ICCID != l.meta.ICCID || pir.Data.Notification.Address != "smdp.sfr.test:8443" || pir.Data.Notification.Event != es10.EventInstall {
		t.Fatalf("PIR %+v", pir.Data)
	}
	after := profileList(t, c)
	if after == before || !strings.Contains(after, "5A0A"+fmt.Sprintf("%X", es10.ICCIDBytes(l.meta.ICCID))+"9F700100") {
		t.Fatalf("profile list after download %s", after)
	}
	for _, k := range []eventlog.Kind{KindMutualAuth, KindProfileInstalled} {
		if ev := log.Kind(k); len(ev) != 1 {
			t.Fatalf("%s events %v", k, ev)
		}
	}
	if ev := log.Kind("profile_installed")[0]; ev.Str("iccid") != l.meta.ICCID || ev.Str("operator") != "sfr" {
		t.Errorf("profile_installed %v", ev)
	}
	if ev := log.Kind("mutual_auth")[0]; ev.Str("operator") != "sfr" || ev.Get("ok") != true {
		t.Errorf("mutual_auth %v", ev)
	}
	// A second BPP for the finished session is refused: no session.
	if _, sw := storeData(t, c, segs[0]); sw != apdu.SWConditionsNotSatisfied {
		t.Errorf("replayed package: SW %04X", sw)
	}

	// Notifications: listed, retrieved by seq (the same signed BF37), acknowledged.
	seq := pir.Data.Notification.Seq
	list, err := es10.DecodeListNotificationResponse(l.es10(es10.ListNotificationRequest{}.Encode()))
	if err != nil || len(list) != 1 || list[0].Seq != seq {
		t.Fatalf("ListNotification %+v %v", list, err)
	}
	got, code, err := es10.DecodeRetrieveNotificationsListResponse(l.es10(es10.RetrieveNotificationsListRequest{Seq: &seq}.Encode()))
	if err != nil || code != 0 || len(got) != 1 || got[0].Install == nil || !bytes.Equal(got[0].Encode(), pir.Encode()) {
		t.Fatalf("Retrieve %+v %d %v", got, code, err)
	}
	if st, _ := es10.DecodeNotificationSentResponse(l.es10(es10.EncodeNotificationSentRequest(seq))); st != es10.DeleteOK {
		t.Fatalf("NotificationSent %d", st)
	}
	if list, _ := es10.DecodeListNotificationResponse(l.es10(es10.ListNotificationRequest{}.Encode())); len(list) != 0 {
		t.Fatalf("notification kept after NotificationSent: %+v", list)
	}

	// Enable the downloaded profile: a signed enable notification to its SM-DP+.
	enable := fmt.Sprintf("BF3111A00C5A0A%X810100", es10.ICCIDBytes(l.meta.ICCID))
	if r := l.es10(hexdump.Bytes(t, enable)); !bytes.Equal(r, hexdump.Bytes(t, "BF3103800100")) {
		t.Fatalf("enable %X", r)
	}
	pend, _, _ := es10.DecodeRetrieveNotificationsListResponse(l.es10(es10.RetrieveNotificationsListRequest{}.Encode()))
	if len(pend) != 1 || pend[0].Other == nil || pend[0].Other.Metadata.Event != es10.EventEnable || pend[0].Other.Metadata.Seq != seq+1 {
		t.Fatalf("enable notification %+v", pend)
	}
	if err := rsp.Verify(pub, pend[0].Other.Signed(), pend[0].Other.Signature); err != nil {
		t.Fatalf("enable notification signature: %v", err)
	}
	// Back to the original profile (a disable notification for the
	// downloaded one), then delete it: a delete notification.
	l.es10(hexdump.Bytes(t, "BF3111A00C5A0A"+iccidCMCC+"810100"))
	del := fmt.Sprintf("BF330C5A0A%X", es10.ICCIDBytes(l.meta.ICCID))
	if r := l.es10(hexdump.Bytes(t, del)); !bytes.Equal(r, hexdump.Bytes(t, "BF3303800100")) {
		t.Fatalf("delete %X", r)
	}
	if profileList(t, c) != before {
		t.Error("profile list after delete differs from before the download")
	}
	list, _ = es10.DecodeListNotificationResponse(l.es10(es10.ListNotificationRequest{}.Encode()))
	var evs []string
	for _, n := range list {
		evs = append(evs, n.Event.String()+"→"+n.Address)
	}
	// Each to the address the metadata's notificationConfigurationInfo
	// names for its operation.
	if strings.Join(evs, ",") != "enable→smdp.sfr.test:8443,disable→smdp.sfr.test:8443,delete→delete.sfr.test" {
		t.Errorf("pending events %v", evs)
	}
	// Filtered by a set of events, as LPAs ask: enable and delete only,
	// from the list and from the signed notifications.
	some := es10.Events(es10.EventEnable, es10.EventDelete)
	list, _ = es10.DecodeListNotificationResponse(l.es10(es10.ListNotificationRequest{Filter: &some}.Encode()))
	pend, _, _ = es10.DecodeRetrieveNotificationsListResponse(l.es10(es10.RetrieveNotificationsListRequest{Filter: &some}.Encode()))
	if len(list) != 2 || list[0].Event != es10.EventEnable || list[1].Event != es10.EventDelete || len(pend) != 2 {
		t.Errorf("filtered by %v: listed %+v, retrieved %d", some, list, len(pend))
	}
}

// TestDownloadFailures: each failure answers with the SGP.22 error and
// leaves the profile list as it was.
func TestDownloadFailures(t *testing.T) {
	p := testPKI(t)
	expired, err := rsp.IssueSMDP(p.CI, "sfr", "smdp.sfr.test", rsp.RoleAuth, 7, rsp.ValidFrom, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	rogueCI, err := rsp.NewCI("rogue CI", 99)
	if err != nil {
		t.Fatal(err)
	}
	rogue, err := rsp.IssueSMDP(rogueCI, "sfr", "smdp.sfr.test", rsp.RoleAuth, 99, rsp.ValidFrom, rsp.ValidUntil)
	if err != nil {
		t.Fatal(err)
	}
	// CERT.DPpb of another SM-DP+ than the one that authenticated: its
	// registeredID (SM-DP+ OID) is not CERT.DPauth's.
	otherPB, err := rsp.IssueSMDP(p.CI, "orange-fr", "smdp.orange-fr.test", rsp.RolePB, 8, rsp.ValidFrom, rsp.ValidUntil)
	if err != nil {
		t.Fatal(err)
	}
	type stage int
	const (
		atAuth stage = iota
		atPrepare
		atLoad
	)
	tests := []struct {
		name   string
		cfg    func(*Config)
		setup  func(*lpa)
		segs   func([][]byte) [][]byte
		stage  stage
		code   int // AuthenticateServer / PrepareDownload error code, or BF37 errorReason
		reason string
	}{
		{"bad serverSignature1", nil, func(l *lpa) {
			l.tweak = func(a *es10.AuthenticateServerRequest, _ *es10.PrepareDownloadRequest) {
				if a != nil {
					a.ServerSignature1[5] ^= 1
				}
			}
		}, nil, atAuth, es10.AuthErrInvalidSignature, "serverSignature1"},
		// An SM-DP+ that signs in DER (X.509's encoding, not SGP.22's r‖s):
		// a well-formed OCTET STRING, so the card answers invalidSignature,
		// which the LPA passes on in authenticateClient, not 6A80.
		{"DER serverSignature1", nil, func(l *lpa) {
			l.tweak = func(a *es10.AuthenticateServerRequest, _ *es10.PrepareDownloadRequest) {
				if a != nil {
					a.ServerSignature1 = derSignature(t, a.ServerSignature1)
				}
			}
		}, nil, atAuth, es10.AuthErrInvalidSignature, "serverSignature1"},
		{"expired DPauth", nil, func(l *lpa) { l.auth = &rsp.Cert{DER: expired.DER, Key: expired.Key} }, nil, atAuth, es10.AuthErrInvalidCertificate, "server certificate"},
		{"unknown CI", nil, func(l *lpa) { l.auth = rogue }, nil, atAuth, es10.AuthErrCiPKUnknown, "server certificate"},
		// A SEQUENCE, not a certificate: in VerifySMDP's words (the card
		// parses it once).
		{"DPauth not a certificate", nil, func(l *lpa) { l.auth = &rsp.Cert{DER: []byte{0x30, 0x03, 0x02, 0x01, 0x00}, Key: l.auth.Key} }, nil, atAuth,
			es10.AuthErrInvalidCertificate, "server certificate: verify SM-DP+ auth: x509: malformed"},
		// SGP.22 §5.7.13: euiccCiPKIdToBeUsed must name a CI the card
		// verifies with, else ciPKUnknown (7), before any certificate.
		{"CI key id the card does not trust", nil, func(l *lpa) {
			l.tweak = func(a *es10.AuthenticateServerRequest, _ *es10.PrepareDownloadRequest) {
				if a != nil {
					a.CiPKIDToBeUsed = bytes.Repeat([]byte{0xC1}, 20)
				}
			}
		}, nil, atAuth, es10.AuthErrCiPKUnknown, "CI key id"},
		{"wrong challenge", nil, func(l *lpa) {
			l.tweak = func(a *es10.AuthenticateServerRequest, _ *es10.PrepareDownloadRequest) {
				if a != nil {
					a.ServerSigned1.EuiccChallenge = make([]byte, 16)
					a.ServerSignature1, _ = rsp.Sign(l.auth.Key, a.ServerSigned1.Encode())
				}
			}
		}, nil, atAuth, es10.AuthErrEuiccChallengeMismatch, "euiccChallenge"},
		{"wrong transactionId", nil, func(l *lpa) {
			l.tweak = func(_ *es10.AuthenticateServerRequest, p *es10.PrepareDownloadRequest) {
				if p != nil {
					p.SmdpSigned2.TransactionID = []byte{9, 9}
					p.SmdpSignature2, _ = rsp.Sign(l.pb.Key, es10.SignedData2(p.SmdpSigned2.Encode(), l.sig1))
				}
			}
		}, nil, atPrepare, es10.DlErrInvalidTransactionID, "transactionId"},
		{"bad smdpSignature2", nil, func(l *lpa) {
			l.tweak = func(_ *es10.AuthenticateServerRequest, p *es10.PrepareDownloadRequest) {
				if p != nil {
					p.SmdpSignature2[0] ^= 1
				}
			}
		}, nil, atPrepare, es10.DlErrInvalidSignature, "smdpSignature2"},
		{"DER smdpSignature2", nil, func(l *lpa) {
			l.tweak = func(_ *es10.AuthenticateServerRequest, p *es10.PrepareDownloadRequest) {
				if p != nil {
					p.SmdpSignature2 = derSignature(t, p.SmdpSignature2)
				}
			}
		}, nil, atPrepare, es10.DlErrInvalidSignature, "smdpSignature2"},
		{"auth cert as binding cert", nil, func(l *lpa) { l.pb = l.auth }, nil, atPrepare, es10.DlErrInvalidCertificate, "binding certificate"},
		{"another SM-DP+'s binding cert", nil, func(l *lpa) { l.pb = otherPB }, nil, atPrepare, es10.DlErrInvalidCertificate, "SM-DP+ OID"},
		{"tampered BPP", nil, nil, func(s [][]byte) [][]byte {
			s[len(s)-1] = append([]byte{}, s[len(s)-1]...)
			s[len(s)-1][4] ^= 0x40
			return s
		}, atLoad, es10.ReasonSCP03tSecurityError, ""},
		{"out of memory", func(c *Config) { c.FreeNVM = 1000 }, nil, nil, atLoad, es10.ReasonInsufficientMemory, ""},
		{"ICCID already on the card", nil, func(l *lpa) { l.meta.ICCID, l.pkg.ICCID = "89331000000000000029", "89331000000000000029" }, nil,
			atLoad, es10.ReasonICCIDAlreadyExists, ""},
		{"package for another ICCID than the metadata", nil, func(l *lpa) { l.pkg.ICCID = "89331000000000000045" }, nil,
			atLoad, es10.ReasonDataMismatch, ""},
		{"package made for another EID", nil, func(l *lpa) { l.eid = "89049032000001000000000000000947" }, nil,
			atLoad, es10.ReasonSCP03tSecurityError, ""},
		{"malformed profile element", nil, func(l *lpa) {
			l.mangle = func(p []byte) []byte { return append(p[:len(p)-7], 0xAA, 0x03, 0xA0, 0x01, 0x81) }
		}, nil,
			atLoad, es10.ReasonPEProcessingError, ""},
		{"truncated 86 segment", nil, nil, func(s [][]byte) [][]byte {
			s[len(s)-1] = s[len(s)-1][:len(s[len(s)-1])-5]
			return s
		}, atLoad, es10.ReasonSCP03tStructureError, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, log := rspConfig(t)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			c := newTestCard(t, cfg)
			l := newLPA(t, c)
			if tc.setup != nil {
				tc.setup(l)
			}
			before := profileList(t, c)
			ar := l.authenticate()
			switch {
			case tc.stage == atAuth:
				if ar.ErrorCode != tc.code {
					t.Fatalf("AuthenticateServer code %d, want %d", ar.ErrorCode, tc.code)
				}
			case ar.ErrorCode != 0:
				t.Fatalf("AuthenticateServer code %d", ar.ErrorCode)
			case tc.stage == atPrepare:
				if pr := l.prepare(); pr.ErrorCode != tc.code {
					t.Fatalf("PrepareDownload code %d, want %d", pr.ErrorCode, tc.code)
				}
			default:
				if pr := l.prepare(); pr.ErrorCode != 0 {
					t.Fatalf("PrepareDownload code %d", pr.ErrorCode)
				}
				segs := l.bpp()
				if tc.segs != nil {
					segs = tc.segs(segs)
				}
				pir := l.pir(l.load(segs))
				if pir.Data.OK || pir.Data.ErrorReason != tc.code {
					t.Fatalf("PIR %+v, want reason %d", pir.Data, tc.code)
				}
			}
			if after := profileList(t, c); after != before {
				t.Fatalf("profile list changed:\n%s\n%s", before, after)
			}
			if len(log.Kind("profile_installed")) != 0 {
				t.Fatal("profile_installed emitted")
			}
			if tc.reason != "" {
				ev := log.Kind("mutual_auth")
				if len(ev) != 1 || ev[0].Get("ok") != false || !strings.Contains(ev[0].Str("reason"), tc.reason) {
					t.Fatalf("mutual_auth %v, want reason with %q", ev, tc.reason)
				}
			}
		})
	}
}

// TestTruncatedThenCancel: the LPA stops before the last segment and
// cancels; nothing is installed and the session is gone.
func TestTruncatedThenCancel(t *testing.T) {
	cfg, _ := rspConfig(t)
	c := newTestCard(t, cfg)
	l := newLPA(t, c)
	before := profileList(t, c)
	l.authenticate()
	l.prepare()
	segs := l.bpp()
	if r := l.load(segs[:len(segs)-1]); r != nil {
		t.Fatalf("answer before the end: %X", r)
	}
	cr, err := es10.DecodeCancelSessionResponse(l.es10(es10.CancelSessionRequest{TransactionID: l.txID, Reason: es10.CancelLoadBppExecution}.Encode()))
	if err != nil || cr.ErrorCode != 0 || cr.Reason != es10.CancelLoadBppExecution {
		t.Fatalf("CancelSession %+v %v", cr, err)
	}
	if err := rsp.Verify(euiccPub(t, c), cr.SignedPart(), cr.Signature); err != nil {
		t.Fatalf("cancel signature: %v", err)
	}
	if _, sw := storeData(t, c, segs[len(segs)-1]); sw == apdu.SWOK {
		t.Error("last segment accepted after CancelSession")
	}
	if profileList(t, c) != before {
		t.Error("profile list changed")
	}
}

// TestCancelEndedSession: the install result ends the session, a refused
// package's as an installed one's (SGP.22 §3.1.3.3), so an ES10b
// CancelSession for its transactionId afterwards answers
// invalidTransactionId (5, §5.7.14), unsigned, and changes nothing: the
// pending result stays for the SM-DP+.
func TestCancelEndedSession(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper bool
	}{
		{"after a refused package", true},
		{"after an installed package", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _ := rspConfig(t)
			c := newTestCard(t, cfg)
			l := newLPA(t, c)
			l.authenticate()
			l.prepare()
			segs := l.bpp()
			if tc.tamper {
				segs[len(segs)-1] = append([]byte{}, segs[len(segs)-1]...)
				segs[len(segs)-1][4] ^= 0x40
			}
			if pir := l.pir(l.load(segs)); pir.Data.OK == tc.tamper {
				t.Fatalf("install result ok=%v", pir.Data.OK)
			}
			after := profileList(t, c)
			cr, err := es10.DecodeCancelSessionResponse(l.es10(es10.CancelSessionRequest{TransactionID: l.txID, Reason: es10.CancelLoadBppExecution}.Encode()))
			if err != nil || cr.ErrorCode != es10.CancelErrInvalidTransID || cr.Signature != nil {
				t.Fatalf("CancelSession %+v %v, want invalidTransactionId", cr, err)
			}
			if profileList(t, c) != after {
				t.Error("profile list changed")
			}
			if pend := l.installResults(); len(pend) != 1 || pend[0].Data.OK == tc.tamper {
				t.Fatalf("pending install results %+v, want the one result", pend)
			}
		})
	}
}

// TestResetDropsSession: the session is volatile.
func TestResetDropsSession(t *testing.T) {
	cfg, _ := rspConfig(t)
	c := newTestCard(t, cfg)
	l := newLPA(t, c)
	l.authenticate()
	c.Reset()
	storeSelect(t, c)
	if pr := l.prepare(); pr.ErrorCode != es10.DlErrNoSessionContext {
		t.Fatalf("PrepareDownload after reset: %d", pr.ErrorCode)
	}
}

// TestNVMPendingNotifications: a pending BF37 survives NVM/Restore and the
// sequence numbers continue.
func TestNVMPendingNotifications(t *testing.T) {
	cfg, _ := rspConfig(t)
	c := newTestCard(t, cfg)
	l := newLPA(t, c)
	l.authenticate()
	l.prepare()
	pir := l.pir(l.load(l.bpp()))
	c2 := restored(t, cfg, c)
	c2.Reset()
	l2 := newLPA(t, c2)
	if profileList(t, c2) != profileList(t, c) {
		t.Fatal("profiles differ after restore")
	}
	got, _, err := es10.DecodeRetrieveNotificationsListResponse(l2.es10(es10.RetrieveNotificationsListRequest{}.Encode()))
	if err != nil || len(got) != 1 || !bytes.Equal(got[0].Encode(), pir.Encode()) {
		t.Fatalf("pending after restore %+v %v", got, err)
	}
	// Next download on the restored card: seq continues, memory accounted.
	l2.meta.ICCID, l2.pkg.ICCID, l2.pkg.IMSI = "89331000000000000045", "89331000000000000045", "208100000000043"
	l2.authenticate()
	l2.prepare()
	pir2 := l2.pir(l2.load(l2.bpp()))
	if pir2.Data.Notification.Seq != pir.Data.Notification.Seq+1 {
		t.Errorf("seq %d after %d", pir2.Data.Notification.Seq, pir.Data.Notification.Seq)
	}
	// Each profile takes its profile package's size.
	p1, _ := saip.Build(l.pkg)
	p2, _ := saip.Build(l2.pkg)
	info, _ := es10.DecodeEuiccInfo2(l2.es10(es10.GetEUICCInfo2Request()))
	if info.ExtCardResource.FreeNVM != defaultFreeNVM-len(p1)-len(p2) {
		t.Errorf("free NVM %d, want %d", info.ExtCardResource.FreeNVM, defaultFreeNVM-len(p1)-len(p2))
	}
}

// FuzzES10b sends fuzzed ES10 requests to a card in the middle of a
// session; the card answers each with a status word and never panics.
func FuzzES10b(f *testing.F) {
	for _, s := range []string{"BF2000", "BF2E00", "BF2B05A003800101", "BF368100", "A30100", "870100", "BF3003800101",
		"BF38023000", "BF21023000", "BF41068001018101 01", "BF330C5A0A98000000000000000000", "BF2804 81020780"} {
		f.Add(hexdump.Bytes(f, s))
	}
	cfg, _ := rspConfig(f)
	f.Fuzz(func(t *testing.T, req []byte) {
		c := newTestCard(t, cfg)
		l := newLPA(t, c)
		l.authenticate()
		l.prepare()
		segs := l.bpp()
		l.es10(segs[0])
		resp, sw := storeData(t, c, req)
		if sw == 0 || (sw != apdu.SWOK && len(resp) != 0) {
			t.Fatalf("%X → %X %04X", req, resp, sw)
		}
	})
}

// TestBadEuiccSignature1Fault: the fault corrupts euiccSignature1 only.
func TestBadEuiccSignature1Fault(t *testing.T) {
	for _, fault := range []bool{false, true} {
		cfg, _ := rspConfig(t)
		cfg.Faults.BadEuiccSignature1 = fault
		c := newTestCard(t, cfg)
		ar := newLPA(t, c).authenticate()
		err := rsp.Verify(euiccPub(t, c), ar.EuiccSigned1.Signed(), ar.EuiccSignature1)
		if ar.ErrorCode != 0 || (err != nil) != fault {
			t.Errorf("fault %v: code %d, verify %v", fault, ar.ErrorCode, err)
		}
	}
}

// An operation the profile's notificationConfigurationInfo does not list
// is not notified (SGP.22 §3.5): here the metadata asks for install and
// delete only, so enabling and disabling the profile leave no notification.
func TestOperationsNotListedAreNotNotified(t *testing.T) {
	cfg, _ := rspConfig(t)
	c := newTestCard(t, cfg)
	l := newLPA(t, c)
	l.meta.NotificationConfig = []es10.NotificationConfig{{Events: es10.Events(es10.EventInstall, es10.EventDelete), Address: "smdp.sfr.test:8443"}}
	l.authenticate()
	l.prepare()
	pir := l.pir(l.load(l.bpp()))
	l.es10(es10.EncodeNotificationSentRequest(pir.Data.Notification.Seq))
	iccid := fmt.Sprintf("%X", es10.ICCIDBytes(l.meta.ICCID))
	for _, req := range []string{"BF3111A00C5A0A" + iccid + "810100", "BF3111A00C5A0A" + iccidCMCC + "810100", "BF330C5A0A" + iccid} {
		if r := l.es10(hexdump.Bytes(t, req)); len(r) < 6 || r[5] != 0 {
			t.Fatalf("%s answered %X", req, r)
		}
	}
	list, _ := es10.DecodeListNotificationResponse(l.es10(es10.ListNotificationRequest{}.Encode()))
	if len(list) != 1 || list[0].Event != es10.EventDelete || list[0].Seq != pir.Data.Notification.Seq+1 {
		t.Errorf("pending %+v, want the delete alone, numbered next", list)
	}
}

// A downloaded profile's USIM shows what its package carries: EF SPN, EF
// OPLMNwAcT, EF HPPLMN and EF MSISDN are the package's (not the metadata's service
// provider name), and stay so across an NVM image.
func TestDownloadedProfileFiles(t *testing.T) {
	cfg, _ := rspConfig(t)
	c := newTestCard(t, cfg)
	l := newLPA(t, c)
	l.pkg.SPN = "SFR Pro"
	l.pkg.OperatorPLMNs = []string{"20810", "20820"}
	l.pkg.MSISDN = "+33612340001"
	l.pkg.HPPLMN = new(byte(0x00)) // no search
	if ar := l.authenticate(); ar.ErrorCode != 0 {
		t.Fatalf("AuthenticateServer error %d", ar.ErrorCode)
	}
	if pr := l.prepare(); pr.ErrorCode != 0 {
		t.Fatalf("PrepareDownload error %d", pr.ErrorCode)
	}
	if pir := l.pir(l.load(l.bpp())); !pir.Data.OK {
		t.Fatalf("PIR %+v", pir.Data)
	}
	enable := fmt.Sprintf("BF3111A00C5A0A%X810100", es10.ICCIDBytes(l.meta.ICCID))
	if r := l.es10(hexdump.Bytes(t, enable)); !bytes.Equal(r, hexdump.Bytes(t, "BF3103800100")) {
		t.Fatalf("enable %X", r)
	}
	empty := strings.Repeat("FFFFFF0000", 30)
	steps := []step{
		{"00A4040C07A0000000871002", "9000"},
		{"00A4000C026F46", "9000"},
		{"00B0000011", "01 53465220 50726F" + strings.Repeat("FF", 9) + "9000"},
		{"00B0910000", "02F801 4000 02F802 4000" + empty + "9000"},
		{"00A4000C026F40", "9000"},
		{"00B201041C", strings.Repeat("FF", 14) + "0791 3316320400F1 FFFFFFFF FFFF 9000"},
		{"00B0920001", "00 9000"}, // EF HPPLMN by its SFI, 12
	}
	c.Reset()
	runScript(t, c, steps)
	r := restored(t, cfg, c)
	r.Reset()
	runScript(t, r, steps)
}

// derSignature re-encodes an r‖s signature as X.509 does (an ECDSA-Sig-Value
// SEQUENCE of two INTEGERs, RFC 3279 §2.2.3).
func derSignature(t *testing.T, rs []byte) []byte {
	t.Helper()
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(rs[:32]), new(big.Int).SetBytes(rs[32:])})
	if err != nil || len(der) == es10.SigLen {
		t.Fatalf("DER signature %X: %v", der, err)
	}
	return der
}
