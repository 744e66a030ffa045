package asn1check

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// The emulated parties: one card, one SM-DP+ on loopback HTTPS, the test
// PKI. Identifiers are valid (EID MOD 97-10, ICCID and IMEI Luhn).
const (
	eid      = "89049032000001000000000000000171"
	homeICC  = "89860000000000000019"
	homeIMSI = "460001234567890"
	dpHost   = "smdp.orange.test"
	dpOp     = "orange-fr"
	newICC   = "89330100000000000012"
	newIMSI  = "208011234567890"
	newName  = "Orange travel"
	imei     = "352906110000017"
)

var now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// rig is a card and an SM-DP+, and what passed between them.
type rig struct {
	t      *testing.T
	pki    *rsp.PKI
	card   *euicc.Card
	dp     *smdp.Server
	client *http.Client
	ch     int // the ISD-R's logical channel
	rec    *recorder
	// profile is what the SM-DP+'s next order delivers; a flow may change
	// it (e.g. give it profile policy rules the card's RAT refuses).
	profile *smdp.Profile
}

// cardRAT is the rig card's Rules Authorisation Table: ppr1 and ppr2 for
// every 2-digit MNC of MCC 208 and for 310410 with gid1 A1 and gid2 0B0C,
// ppr1 with the end user's consent for any 3-digit MNC. Its wildcards and
// gids go through GetRAT into the modules' OperatorId.
var cardRAT = []es10.PolicyRule{
	{PPRs: es10.BitsOf(es10.PPR1, es10.PPR2), AllowedOperators: []es10.OperatorID{{PLMN: "208EE"},
		{PLMN: "310410", GID1: []byte{0xA1}, GID2: []byte{0x0B, 0x0C}}}},
	{PPRs: es10.BitsOf(es10.PPR1), AllowedOperators: []es10.OperatorID{{PLMN: "EEEEEE"}}, ConsentRequired: true},
}

func newRig(t *testing.T, rec *recorder) *rig {
	t.Helper()
	pki, err := rsp.GeneratePKI(rsp.PKIConfig{Seed: 1, EIDs: []string{eid}, SMDPs: map[string]string{dpOp: dpHost}})
	if err != nil {
		t.Fatal(err)
	}
	// An icon in the metadata (a PNG's signature and IHDR start: the
	// modules bound the octets, not their format).
	icon := &es10.Icon{Type: es10.IconPNG, Data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")}
	profile := &smdp.Profile{ICCID: newICC, IMSI: newIMSI, Operator: dpOp, Name: newName, Icon: icon}
	dp, err := smdp.New(smdp.Config{Operator: dpOp, Host: dpHost, CI: pki.CI.X509, Certs: pki.SMDP[dpOp],
		Now:        func() time.Time { return now },
		NewProfile: func(int) smdp.Profile { return *profile }})
	if err != nil {
		t.Fatal(err)
	}
	if err := dp.Start("127.0.0.1:0", nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dp.Close() })
	card, err := euicc.New(euicc.Config{
		EID:       eid,
		Profiles:  []euicc.ProfileSpec{{ICCID: homeICC, Operator: "cmcc", Name: "China Mobile", IMSI: homeIMSI, Enabled: true}},
		Resolve:   map[string]netip.AddrPort{dpHost: dp.Addr()},
		Now:       func() time.Time { return now },
		CI:        pki.CI.X509,
		EUICCCert: pki.EUICC[eid].DER, EUMCert: pki.EUM.DER, EUICCKey: pki.EUICC[eid].Key,
		RAT: cardRAT,
	})
	if err != nil {
		t.Fatal(err)
	}
	card.Reset()
	roots := x509.NewCertPool()
	roots.AddCert(pki.CI.X509)
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: dpHost, MinVersion: tls.VersionTLS12, Time: func() time.Time { return now }},
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", dp.Addr().String())
		},
		DisableKeepAlives: true,
	}}
	t.Cleanup(client.CloseIdleConnections)
	r := &rig{t: t, pki: pki, card: card, dp: dp, client: client, rec: rec, profile: profile}
	r.openISDR()
	return r
}

// transmit is one APDU to the card.
func (r *rig) transmit(cmd []byte) ([]byte, error) { return r.card.Transmit(cmd), nil }

// openISDR opens a logical channel (MANAGE CHANNEL) and selects the ISD-R
// on it, as an LPA does.
func (r *rig) openISDR() {
	r.t.Helper()
	resp, err := apdu.Exchange(r.transmit, []byte{0x00, apdu.InsManageChannel, 0x00, 0x00, 0x01})
	if err != nil || len(resp) != 3 || resp[1] != 0x90 {
		r.t.Fatalf("MANAGE CHANNEL: %X %v", resp, err)
	}
	r.ch = int(resp[0])
	aid := es10.ISDRAIDBytes()
	sel := append([]byte{apdu.WithChannel(0x00, r.ch), 0xA4, 0x04, 0x00, byte(len(aid))}, aid...)
	if resp, err = apdu.Exchange(r.transmit, append(sel, 0x00)); err != nil || !bytes.HasSuffix(resp, []byte{0x90, 0x00}) {
		r.t.Fatalf("SELECT ISD-R: %X %v", resp, err)
	}
}

// es10 sends an ES10 request in STORE DATA blocks on the ISD-R's channel
// and returns the response data and status word; by names the caller
// (who is asking: "lpa", "applet") for the record.
func (r *rig) es10(by string, req []byte) ([]byte, uint16) {
	r.t.Helper()
	const block = 255
	var resp []byte
	for blk, rest := 0, req; len(rest) > 0; blk++ {
		n := min(len(rest), block)
		p1 := byte(0x11)
		if n == len(rest) {
			p1 = 0x91
		}
		cmd := append([]byte{apdu.WithChannel(0x80, r.ch), 0xE2, p1, byte(blk), byte(n)}, rest[:n]...)
		rest = rest[n:]
		var err error
		if resp, err = apdu.Exchange(r.transmit, cmd); err != nil {
			r.t.Fatalf("STORE DATA: %v", err)
		}
		if sw := uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1]); sw != 0x9000 && sw>>8 != 0x91 {
			r.rec.es10(by, req, nil)
			return nil, sw
		}
	}
	data := resp[:len(resp)-2]
	r.rec.es10(by, req, data)
	return data, 0x9000
}

// must is es10 that wants 9000.
func (r *rig) must(req []byte) []byte {
	r.t.Helper()
	data, sw := r.es10("lpa", req)
	if sw != 0x9000 {
		r.t.Fatalf("ES10 %X: SW %04X", req[:min(len(req), 8)], sw)
	}
	return data
}

// es9 posts one ES9+ function's JSON body to the SM-DP+ and returns the
// HTTP status and body; by names the caller for the record.
func (r *rig) es9(by, fn string, body []byte) (int, []byte) {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://"+dpHost+es9.PathPrefix+fn, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set(es9.AdminProtocolHeader, es9.AdminProtocol)
	req.Header.Set("Content-Type", es9.ContentType)
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatalf("ES9+ %s: %v", fn, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("ES9+ %s: %v", fn, err)
	}
	r.rec.es9(by, fn, body, b)
	return resp.StatusCode, b
}

// call is es9 with typed bodies that wants success.
func (r *rig) call(fn string, req, out es9.Message) {
	r.t.Helper()
	status, b := r.es9("lpa", fn, es9.Encode(req))
	if status/100 != 2 {
		r.t.Fatalf("ES9+ %s: HTTP %d %s", fn, status, b)
	}
	if out == nil {
		return
	}
	if err := es9.Decode(b, out); err != nil {
		r.t.Fatalf("ES9+ %s: %v: %s", fn, err, b)
	}
}

// sigValue is the value of a 5F37 TLV (ES9+ carries signatures with their
// tag; ES10 structures take the value).
func sigValue(t *testing.T, b []byte) []byte {
	t.Helper()
	obj, rest, err := tlv.ParseOne(b)
	if err != nil || len(rest) != 0 || obj.Tag != es10.TagSignature {
		t.Fatalf("not a 5F37 TLV: %X", b)
	}
	return obj.Value
}

// es10PDU names the module's types of an ES10 request (by its tag) and of
// the card's answer.
var es10PDU = map[uint32][2]string{
	es10.TagGetEUICCInfo1:         {"GetEuiccInfo1Request", "EUICCInfo1"},
	es10.TagGetEUICCInfo2:         {"GetEuiccInfo2Request", "EUICCInfo2"},
	es10.TagPrepareDownload:       {"PrepareDownloadRequest", "PrepareDownloadResponse"},
	es10.TagListNotification:      {"ListNotificationRequest", "ListNotificationResponse"},
	es10.TagSetNickname:           {"SetNicknameRequest", "SetNicknameResponse"},
	es10.TagRetrieveNotifications: {"RetrieveNotificationsListRequest", "RetrieveNotificationsListResponse"},
	es10.TagProfileInfoList:       {"ProfileInfoListRequest", "ProfileInfoListResponse"},
	es10.TagGetEuiccChallenge:     {"GetEuiccChallengeRequest", "GetEuiccChallengeResponse"},
	es10.TagNotificationSent:      {"NotificationSentRequest", "NotificationSentResponse"},
	es10.TagEnableProfile:         {"EnableProfileRequest", "EnableProfileResponse"},
	es10.TagDisableProfile:        {"DisableProfileRequest", "DisableProfileResponse"},
	es10.TagDeleteProfile:         {"DeleteProfileRequest", "DeleteProfileResponse"},
	es10.TagEuiccMemoryReset:      {"EuiccMemoryResetRequest", "EuiccMemoryResetResponse"},
	es10.TagAuthenticateServer:    {"AuthenticateServerRequest", "AuthenticateServerResponse"},
	es10.TagConfiguredAddresses:   {"EuiccConfiguredAddressesRequest", "EuiccConfiguredAddressesResponse"},
	es10.TagGetEuiccData:          {"GetEuiccDataRequest", "GetEuiccDataResponse"},
	es10.TagSetDefaultDpAddress:   {"SetDefaultDpAddressRequest", "SetDefaultDpAddressResponse"},
	es10.TagCancelSession:         {"CancelSessionRequest", "CancelSessionResponse"},
	es10.TagGetRAT:                {"GetRatRequest", "GetRatResponse"},
}

// es9PDU names the module's type of each binary member of the ES9+ JSON
// bodies (SGP.22 §6.5.2: base64 of the DER of these types).
var es9PDU = map[string]string{
	"euiccInfo1":                 "EUICCInfo1",
	"serverSigned1":              "ServerSigned1",
	"serverSignature1":           "EuiccSignPIR", // [APPLICATION 55] OCTET STRING
	"euiccCiPKIdToBeUsed":        "SubjectKeyIdentifier",
	"serverCertificate":          "Certificate",
	"authenticateServerResponse": "AuthenticateServerResponse",
	"profileMetadata":            "StoreMetadataRequest",
	"smdpSigned2":                "SmdpSigned2",
	"smdpSignature2":             "EuiccSignPIR",
	"smdpCertificate":            "Certificate",
	"prepareDownloadResponse":    "PrepareDownloadResponse",
	"boundProfilePackage":        "BoundProfilePackage",
	"pendingNotification":        "PendingNotification",
	"cancelSessionResponse":      "CancelSessionResponse",
}

// value is one encoding to check: who made it, what it is, and what its
// decoded fields must say.
type value struct {
	name   string // who sent it, and where
	pdu    string // the module's type
	b      []byte
	checks []check
}

// check is one field of the XER the value must have.
type check struct {
	path []string
	hex  bool // an OCTET STRING: compare its hex
	want string
}

// field and octets build checks; a path is dotted.
func field(path, want string) check { return check{path: strings.Split(path, "."), want: want} }
func octets(path string, b []byte) check {
	return check{path: strings.Split(path, "."), hex: true, want: hexOf(b)}
}
func exists(path string) check { return check{path: strings.Split(path, "."), want: "\x00exists"} }

// recorder keeps every encoding that passed, in order.
type recorder struct {
	t      *testing.T
	values []value
	// expect holds checks for the next value of a PDU type.
	expect map[string][]check
}

func (rc *recorder) add(name, pdu string, b []byte, checks ...check) {
	checks = append(checks, rc.expect[pdu]...)
	delete(rc.expect, pdu)
	rc.values = append(rc.values, value{name: name, pdu: pdu, b: append([]byte(nil), b...), checks: checks})
}

// es10 records a request and the card's answer.
func (rc *recorder) es10(by string, req, resp []byte) {
	if isSegment(req) {
		rc.segment(by, req, resp)
		return
	}
	obj, _, err := tlv.ParseOne(req)
	if err != nil {
		rc.t.Errorf("%s sent an ES10 request that is not one TLV: %X", by, req)
		return
	}
	names, ok := es10PDU[obj.Tag]
	if !ok {
		rc.t.Errorf("%s sent ES10 tag %X, which no check knows", by, obj.Tag)
		return
	}
	rc.add(fmt.Sprintf("%s → ISD-R", by), names[0], req)
	if len(resp) > 0 {
		rc.add(fmt.Sprintf("ISD-R → %s (%s)", by, names[0]), names[1], resp)
	}
}

// segment records a LoadBoundProfilePackage segment: the first carries
// InitialiseSecureChannelRequest after the BF36 header; the card answers
// the last with the ProfileInstallationResult.
func (rc *recorder) segment(by string, req, resp []byte) {
	// BF36 L, then BF23 ...: the first segment ends with
	// InitialiseSecureChannelRequest.
	if req[0] == 0xBF {
		if i := bytes.Index(req, []byte{0xBF, 0x23}); i > 0 {
			rc.add(by+" → ISD-R (BPP segment 1)", "InitialiseSecureChannelRequest", req[i:])
		}
	}
	if len(resp) > 0 {
		rc.add("ISD-R → "+by+" (last BPP segment)", "ProfileInstallationResult", resp)
	}
}

// isSegment says req is a LoadBoundProfilePackage segment (SGP.22 §5.7.6):
// the BF36 header with BF23, an A0-A3 header, or an 86/87/88 TLV.
func isSegment(req []byte) bool {
	if len(req) >= 2 && req[0] == 0xBF && req[1] == 0x36 {
		return true
	}
	return len(req) > 0 && (req[0] >= 0xA0 && req[0] <= 0xA3 || req[0] >= 0x86 && req[0] <= 0x88)
}

// es9 records the binary members of an ES9+ request and its answer.
func (rc *recorder) es9(by, fn string, req, resp []byte) {
	for _, part := range []struct {
		who  string
		body []byte
	}{{by + " → SM-DP+ " + fn, req}, {"SM-DP+ → " + by + " " + fn, resp}} {
		if len(part.body) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(part.body, &m); err != nil {
			rc.t.Errorf("%s: body is not JSON: %q", part.who, part.body)
			continue
		}
		for k, v := range m {
			pdu, ok := es9PDU[k]
			s, isStr := v.(string)
			if !ok || !isStr {
				continue
			}
			b, err := b64(s)
			if err != nil {
				rc.t.Errorf("%s: %s is not base64: %v", part.who, k, err)
				continue
			}
			rc.add(part.who+" "+k, pdu, b)
		}
	}
}
