package euicc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

var (
	testPKIOnce sync.Once
	testPKIVal  *rsp.PKI
	testPKIErr  error
)

// testPKI is the deterministic test PKI for testEID and one SM-DP+ (sfr).
func testPKI(t testing.TB) *rsp.PKI {
	t.Helper()
	testPKIOnce.Do(func() {
		testPKIVal, testPKIErr = rsp.GeneratePKI(rsp.PKIConfig{Seed: 7, EIDs: []string{testEID}, SMDPs: map[string]string{"sfr": "smdp.sfr.test"}})
	})
	if testPKIErr != nil {
		t.Fatal(testPKIErr)
	}
	return testPKIVal
}

// rspConfig is testConfig with the card's certificates and an event log.
func rspConfig(t testing.TB) (Config, *eventlog.Log) {
	p := testPKI(t)
	cfg := testConfig()
	cfg.EUICCCert, cfg.EUMCert, cfg.EUICCKey = p.EUICC[testEID].DER, p.EUM.DER, p.EUICC[testEID].Key
	cfg.CI = p.CI.X509
	cfg.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
	cfg.Log = log
	return cfg, log
}

// storeData sends an ES10 request as chained STORE DATA on the basic
// channel (ISD-R selected) and collects the answer through GET RESPONSE.
func storeData(t testing.TB, c *Card, req []byte) ([]byte, uint16) {
	t.Helper()
	var r apdu.Response
	for blk := 0; ; blk++ {
		n := min(len(req), 255)
		p1 := byte(0x11)
		if n == len(req) {
			p1 = 0x91
		}
		cmd := append([]byte{0x80, 0xE2, p1, byte(blk), byte(n)}, req[:n]...)
		var err error
		if r, err = apdu.ParseResponse(c.Transmit(cmd)); err != nil {
			t.Fatal(err)
		}
		req = req[n:]
		if p1 == 0x91 {
			break
		}
		if r.SW != apdu.SWOK {
			t.Fatalf("block %d: SW %04X", blk, r.SW)
		}
	}
	data := r.Data
	for i := 0; r.SW>>8 == 0x61; i++ {
		if i > 64 {
			t.Fatal("GET RESPONSE does not end")
		}
		r, _ = apdu.ParseResponse(c.Transmit([]byte{0x00, 0xC0, 0x00, 0x00, byte(r.SW)}))
		data = append(data, r.Data...)
	}
	if c.panicked != nil {
		t.Fatalf("card panicked: %v", c.panicked)
	}
	return data, r.SW
}

// testDeviceInfo is what the test LPA says of its device: TAC 35209900,
// E-UTRAN Release 13, IMEI 352099001761481 (TS 23.003 Annex B).
var testDeviceInfo = es10.DeviceInfoFor("352099001761481", es10.DeviceCapabilities{EUTRAN: es10.Version{13, 0, 0}})

// lpa plays LPA and SM-DP+ against a card, step by step.
type lpa struct {
	t      testing.TB
	c      *Card
	pki    *rsp.PKI
	auth   *rsp.Cert // DPauth presented
	pb     *rsp.Cert // DPpb presented
	txID   []byte
	sig1   []byte // euiccSignature1
	sig2   []byte // smdpSignature2
	otpk   []byte // otPK.EUICC.ECKA
	meta   es10.ProfileMetadata
	pkg    saip.Profile // the profile package's content
	eid    string       // the EID the package is bound to ("" the card's)
	mangle func([]byte) []byte
	tweak  func(*es10.AuthenticateServerRequest, *es10.PrepareDownloadRequest)
	server es10.ServerSigned1
}

func newLPA(t testing.TB, c *Card) *lpa {
	p := testPKI(t)
	l := &lpa{t: t, c: c, pki: p, auth: p.SMDP["sfr"].Auth, pb: p.SMDP["sfr"].PB, txID: []byte{0x01, 0x23, 0x45, 0x67},
		meta: es10.ProfileMetadata{ICCID: "89331000000000000037", ServiceProviderName: "sfr", ProfileName: "SFR downloaded",
			Class: es10.ClassOperational, Owner: &es10.OperatorID{PLMN: "20810"},
			// The operations to notify and where, as an SM-DP+ sets them:
			// the delete goes to an address of its own.
			NotificationConfig: []es10.NotificationConfig{
				{Events: es10.Events(es10.EventInstall, es10.EventEnable, es10.EventDisable), Address: "smdp.sfr.test:8443"},
				{Events: es10.Events(es10.EventDelete), Address: "delete.sfr.test"},
			}},
		pkg: saip.Profile{ICCID: "89331000000000000037", ProfileType: "SFR downloaded", IMSI: "208100000000035", MNCLen: 2,
			SPN: "SFR", PIN1: "0000", PUK1: "12345678", ADM1: "88888888",
			Ki: bytes.Repeat([]byte{1}, 16), OPc: bytes.Repeat([]byte{2}, 16)}}
	storeSelect(t, c)
	return l
}

func storeSelect(t testing.TB, c *Card) {
	if r := c.Transmit(append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x10}, mustHex(isdrAID)...)); !bytes.Equal(r, []byte{0x90, 0x00}) {
		t.Fatalf("select ISD-R: %X", r)
	}
}

func (l *lpa) es10(req []byte) []byte {
	l.t.Helper()
	resp, sw := storeData(l.t, l.c, req)
	if sw != apdu.SWOK {
		l.t.Fatalf("ES10 %X: SW %04X", req[:2], sw)
	}
	return resp
}

// authenticate runs GetEuiccChallenge and AuthenticateServer.
func (l *lpa) authenticate() es10.AuthenticateServerResponse {
	l.t.Helper()
	ch, err := es10.DecodeEuiccChallenge(l.es10(es10.GetEuiccChallengeRequest()))
	if err != nil {
		l.t.Fatal(err)
	}
	l.server = es10.ServerSigned1{TransactionID: l.txID, EuiccChallenge: ch, ServerAddress: "smdp.sfr.test:8443",
		ServerChallenge: bytes.Repeat([]byte{0x5C}, 16)}
	sig, err := rsp.Sign(l.auth.Key, l.server.Encode())
	if err != nil {
		l.t.Fatal(err)
	}
	req := es10.AuthenticateServerRequest{ServerSigned1: l.server, ServerSignature1: sig, CiPKIDToBeUsed: l.pki.CI.X509.SubjectKeyId,
		ServerCertificate: l.auth.DER, CtxParams1: es10.CtxParams1{MatchingID: "MATCH-1", DeviceInfo: testDeviceInfo}}
	if l.tweak != nil {
		l.tweak(&req, nil)
	}
	resp, err := es10.DecodeAuthenticateServerResponse(l.es10(req.Encode()))
	if err != nil {
		l.t.Fatal(err)
	}
	l.sig1 = resp.EuiccSignature1
	return resp
}

// prepare runs PrepareDownload after a successful authenticate.
func (l *lpa) prepare() es10.PrepareDownloadResponse {
	l.t.Helper()
	s2 := es10.SmdpSigned2{TransactionID: l.txID}
	sig, err := rsp.Sign(l.pb.Key, es10.SignedData2(s2.Encode(), l.sig1))
	if err != nil {
		l.t.Fatal(err)
	}
	req := es10.PrepareDownloadRequest{SmdpSigned2: s2, SmdpSignature2: sig, SmdpCertificate: l.pb.DER}
	if l.tweak != nil {
		l.tweak(nil, &req)
	}
	l.sig2 = req.SmdpSignature2
	resp, err := es10.DecodePrepareDownloadResponse(l.es10(req.Encode()))
	if err != nil {
		l.t.Fatal(err)
	}
	l.otpk = resp.EuiccSigned2.EuiccOtpk
	return resp
}

// bpp builds the bound profile package for the session's otPK.
func (l *lpa) bpp() [][]byte {
	l.t.Helper()
	pkg, err := saip.Build(l.pkg)
	if err != nil {
		l.t.Fatal(err)
	}
	if l.mangle != nil {
		pkg = l.mangle(pkg)
	}
	eid := testEID
	if l.eid != "" {
		eid = l.eid
	}
	b, err := rsp.BuildBPP(rsp.BPPParams{TransactionID: l.txID, DPpb: l.pb.Key, EuiccOtpk: l.otpk, EID: eid,
		HostID: []byte("smdp.sfr.test"), Metadata: l.meta, Package: pkg})
	if err != nil {
		l.t.Fatal(err)
	}
	segs, err := es10.BPPSegments(b)
	if err != nil {
		l.t.Fatal(err)
	}
	return segs
}

// load sends segments and returns the BF37 (nil if the card gave none).
func (l *lpa) load(segs [][]byte) []byte {
	l.t.Helper()
	for i, s := range segs {
		resp := l.es10(s)
		if len(resp) != 0 {
			if i != len(segs)-1 {
				return resp
			}
			return resp
		}
	}
	return nil
}

func (l *lpa) pir(b []byte) es10.ProfileInstallationResult {
	l.t.Helper()
	r, err := es10.DecodeProfileInstallationResult(b)
	if err != nil {
		l.t.Fatalf("BF37 %X: %v", b, err)
	}
	if err := rsp.Verify(euiccPub(l.t, l.c), r.Data.Signed(), r.Signature); err != nil {
		l.t.Fatalf("euiccSignPIR: %v", err)
	}
	return r
}

func euiccPub(t testing.TB, c *Card) *ecdsa.PublicKey {
	cert, err := x509.ParseCertificate(c.cfg.EUICCCert)
	if err != nil {
		t.Fatal(err)
	}
	return cert.PublicKey.(*ecdsa.PublicKey)
}

// profileList returns the ProfileInfoList (ICCID, state) as a string.
func profileList(t testing.TB, c *Card) string {
	resp, sw := storeData(t, c, hexdump.Bytes(t, "BF2D08 5C065A9F70919295"))
	if sw != apdu.SWOK {
		t.Fatalf("ProfileInfoList SW %04X", sw)
	}
	return fmt.Sprintf("%X", resp)
}
