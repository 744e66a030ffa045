package smdp

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

const (
	testEID   = "89049032000001000000000000000171"
	farEID    = "89049033000000000000000000000088" // outside the EUM range
	otherEID  = "89049032000001000000000000000268" // another card in the EUM range
	testHost  = "smdp.sfr.test"
	testOp    = "sfr"
	testICCID = "8933019900000000004"
)

var (
	pkiOnce sync.Once
	testPKI *rsp.PKI
	rogue   *rsp.PKI // a second PKI under another CI
)

func thePKI(t testing.TB) *rsp.PKI {
	t.Helper()
	pkiOnce.Do(func() {
		var err error
		cfg := rsp.PKIConfig{Seed: 1, EIDs: []string{testEID, farEID, otherEID}, SMDPs: map[string]string{testOp: testHost}}
		if testPKI, err = rsp.GeneratePKI(cfg); err != nil {
			panic(err)
		}
		ci, err := rsp.NewCI("esimhil TEST other CI", 1)
		if err != nil {
			panic(err)
		}
		eum, err := rsp.NewEUM(ci, 1, rsp.DefaultEIDPrefixes...)
		if err != nil {
			panic(err)
		}
		card, err := rsp.IssueEUICC(eum, testEID, 1)
		if err != nil {
			panic(err)
		}
		rogue = &rsp.PKI{CI: ci, EUM: eum, EUICC: map[string]*rsp.Cert{testEID: card}}
	})
	return testPKI
}

// vclock is a settable virtual clock.
type vclock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *vclock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *vclock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t      *testing.T
	srv    *Server
	clock  *vclock
	log    *eventlog.Log
	client *http.Client
	keylog bytes.Buffer
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with the configuration bent by edit.
func newEnvWith(t *testing.T, edit func(*Config)) *env {
	t.Helper()
	p := thePKI(t)
	e := &env{t: t, clock: &vclock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	e.log = eventlog.New(e.clock.Now)
	cfg := Config{Operator: testOp, Host: testHost, CI: p.CI.X509, CIKey: p.CI.Key, Certs: p.SMDP[testOp],
		Now: e.clock.Now, Log: e.log, KeyLog: &syncWriter{w: &e.keylog}}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0", nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e.srv = srv
	roots := x509.NewCertPool()
	roots.AddCert(p.CI.X509)
	e.client = &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: testHost, MinVersion: tls.VersionTLS12, Time: e.clock.Now},
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", srv.Addr().String())
		},
		DisableKeepAlives: true,
	}}
	return e
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// post sends an ES9+ request and returns the HTTP status and decoded JSON.
func (e *env) post(fn string, body any) (int, map[string]any, error) {
	b, ok := body.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+fn, bytes.NewReader(b))
	req.Header.Set("X-Admin-Protocol", es9.AdminProtocol)
	req.Header.Set("Content-Type", es9.ContentType)
	return e.do(req)
}

func (e *env) do(req *http.Request) (int, map[string]any, error) {
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	// Every answer is one the card takes (SGP.22 §6.5.1's headers, which
	// the card checks: outside tester t180 F6).
	if err := es9.CheckAnswer(resp.StatusCode, resp.Header); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("the card refuses this answer: %w", err)
	}
	if resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, nil, nil
	}
	if got := resp.Header.Get("X-Admin-Protocol"); got == "" {
		return resp.StatusCode, nil, fmt.Errorf("no X-Admin-Protocol in the answer")
	}
	var m map[string]any
	if err := json.Unmarshal(rb, &m); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("answer is not JSON: %q", rb)
	}
	return resp.StatusCode, m, nil
}

// status returns functionExecutionStatus status, subject and reason.
func status(m map[string]any) (st, subject, reason string) {
	h, _ := m["header"].(map[string]any)
	f, _ := h["functionExecutionStatus"].(map[string]any)
	st, _ = f["status"].(string)
	if d, ok := f["statusCodeData"].(map[string]any); ok {
		subject, _ = d["subjectCode"].(string)
		reason, _ = d["reasonCode"].(string)
	}
	return
}

func field(t *testing.T, m map[string]any, k string) []byte {
	t.Helper()
	s, _ := m[k].(string)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		t.Fatalf("field %s: %q", k, s)
	}
	return b
}

// stripSig returns the r‖s inside a 5F37 TLV.
func stripSig(t *testing.T, b []byte) []byte {
	t.Helper()
	o, rest, err := tlv.ParseOne(b)
	if err != nil || len(rest) != 0 || o.Tag != es10.TagSignature {
		t.Fatalf("not a 5F37 signature: %X", b)
	}
	return o.Value
}

// card plays the eUICC + LPA with the rsp structures.
type card struct {
	t        *testing.T
	e        *env
	eid      string
	cert     *rsp.Cert
	eum      *rsp.Cert
	mid      string
	tx       string
	txBytes  []byte
	signed1  es10.ServerSigned1
	sig1     []byte // euiccSignature1
	authCert []byte
	smdp2    es10.SmdpSigned2
	smdpSig2 []byte
	pbCert   *x509.Certificate
	otk      *ecdh.PrivateKey
	meta     es10.ProfileMetadata
}

func (e *env) card(eid, mid string) *card {
	p := thePKI(e.t)
	return &card{t: e.t, e: e, eid: eid, cert: p.EUICC[eid], eum: p.EUM, mid: mid}
}

func (c *card) info1() []byte {
	id := rsp.SubjectKeyID(thePKI(c.t).CI.X509)
	return es10.EuiccInfo1{SVN: [3]byte{2, 2, 0}, CiPKIDVerify: [][]byte{id}, CiPKIDSign: [][]byte{id}}.Encode()
}

func (c *card) initiate() (int, map[string]any, error) {
	ch := bytes.Repeat([]byte{0xC1}, 16)
	return c.e.post(es9.FnInitiateAuthentication, map[string]string{"smdpAddress": c.e.srv.Address(),
		"euiccChallenge": enc(ch), "euiccInfo1": enc(c.info1())})
}

// authenticateServer checks the answer to initiateAuthentication as the
// eUICC does (SGP.22 §5.7.13) and keeps the session.
func (c *card) authenticateServer(m map[string]any) error {
	c.tx, _ = m["transactionId"].(string)
	s1, err := es10.DecodeServerSigned1(field(c.t, m, "serverSigned1"))
	if err != nil {
		return err
	}
	c.signed1, c.txBytes = s1, s1.TransactionID
	c.authCert = field(c.t, m, "serverCertificate")
	if _, err := rsp.VerifySMDP(thePKI(c.t).CI.X509, c.authCert, rsp.RoleAuth, c.e.clock.Now()); err != nil {
		return err
	}
	x, _ := x509.ParseCertificate(c.authCert)
	if hexID(s1.TransactionID) != c.tx || !bytes.Equal(s1.EuiccChallenge, bytes.Repeat([]byte{0xC1}, 16)) {
		return fmt.Errorf("serverSigned1 does not echo the session")
	}
	return rsp.Verify(pubOf(x), s1.Signed(), stripSig(c.t, field(c.t, m, "serverSignature1")))
}

func (c *card) authServerResponse(mutate func(*es10.EuiccSigned1)) []byte {
	s := es10.EuiccSigned1{TransactionID: c.txBytes, ServerAddress: c.signed1.ServerAddress,
		ServerChallenge: c.signed1.ServerChallenge, CtxParams1: es10.CtxParams1{MatchingID: c.mid},
		EuiccInfo2: es10.EuiccInfo2{ExtCardResource: es10.ExtCardResource{FreeNVM: 256 << 10}, RSPCapability: es10.BitsOf(es10.RSPAdditionalProfile)}}
	if mutate != nil {
		mutate(&s)
	}
	sig, err := rsp.Sign(c.cert.Key, s.Encode())
	if err != nil {
		c.t.Fatal(err)
	}
	c.sig1 = sig
	return es10.AuthenticateServerResponse{EuiccSigned1: s, EuiccSignature1: sig,
		EuiccCertificate: c.cert.DER, EUMCertificate: c.eum.DER}.Encode()
}

func (c *card) authenticateClient(resp []byte) (int, map[string]any, error) {
	return c.e.post(es9.FnAuthenticateClient, map[string]string{"transactionId": c.tx, "authenticateServerResponse": enc(resp)})
}

// prepareDownload checks smdpSigned2 as the eUICC does (SGP.22 §5.7.5).
func (c *card) prepareDownload(m map[string]any) error {
	meta, err := es10.DecodeProfileMetadata(field(c.t, m, "profileMetadata"))
	if err != nil {
		return err
	}
	c.meta = meta
	pb := field(c.t, m, "smdpCertificate")
	x, err := rsp.VerifySMDP(thePKI(c.t).CI.X509, pb, rsp.RolePB, c.e.clock.Now())
	if err != nil {
		return err
	}
	c.pbCert = x
	raw := field(c.t, m, "smdpSigned2")
	if c.smdp2, err = es10.DecodeSmdpSigned2(raw); err != nil {
		return err
	}
	c.smdpSig2 = stripSig(c.t, field(c.t, m, "smdpSignature2"))
	if err := rsp.Verify(pubOf(x), es10.SignedData2(raw, c.sig1), c.smdpSig2); err != nil {
		return err
	}
	if !bytes.Equal(c.smdp2.TransactionID, c.txBytes) {
		return fmt.Errorf("smdpSigned2 carries another transactionId")
	}
	return nil
}

func (c *card) prepareDownloadResponse(badSig bool) []byte {
	var err error
	if c.otk, err = rsp.NewOneTimeKey(nil); err != nil {
		c.t.Fatal(err)
	}
	s2 := es10.EuiccSigned2{TransactionID: c.txBytes, EuiccOtpk: c.otk.PublicKey().Bytes()}
	data := append(s2.Encode(), tlv.New(es10.TagSignature, c.smdpSig2).Bytes()...)
	if badSig {
		data = append(data, 0)
	}
	sig, err := rsp.Sign(c.cert.Key, data)
	if err != nil {
		c.t.Fatal(err)
	}
	return es10.PrepareDownloadResponse{EuiccSigned2: s2, EuiccSignature2: sig}.Encode()
}

func (c *card) getBPP(resp []byte) (int, map[string]any, error) {
	return c.e.post(es9.FnGetBoundProfilePackage, map[string]string{"transactionId": c.tx, "prepareDownloadResponse": enc(resp)})
}

// load installs the package segment by segment as the ISD-R does.
func (c *card) load(pkg []byte) (saip.Profile, error) {
	segs, err := es10.BPPSegments(pkg)
	if err != nil {
		return saip.Profile{}, err
	}
	l := rsp.NewBPPLoader(rsp.LoaderSession{TransactionID: c.txBytes, OneTimeKey: c.otk, DPpb: pubOf(c.pbCert), EID: c.eid, FreeNVM: func() int { return 1 << 20 }})
	for _, s := range segs {
		if _, err := l.Load(s); err != nil {
			return saip.Profile{}, err
		}
	}
	if !l.Done() {
		return saip.Profile{}, fmt.Errorf("package incomplete after %d segments", len(segs))
	}
	_, p := l.Result()
	return p.Profile, nil
}

func (c *card) installResult(seq int, ok bool) []byte {
	d := es10.ProfileInstallationResultData{TransactionID: c.txBytes, OK: ok, AID: []byte{0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 1},
		Notification: es10.NotificationMetadata{Seq: seq, Event: es10.EventInstall, Address: testHost, ICCID: c.meta.ICCID}}
	if !ok {
		d.CommandID, d.ErrorReason = es10.BPPCmdLoadProfileElements, es10.ReasonSCP03tSecurityError
	}
	sig, err := rsp.Sign(c.cert.Key, d.Encode())
	if err != nil {
		c.t.Fatal(err)
	}
	return es10.ProfileInstallationResult{Data: d, Signature: sig}.Encode()
}

func (c *card) notify(pending []byte) (int, map[string]any, error) {
	return c.e.post(es9.FnHandleNotification, map[string]string{"pendingNotification": enc(pending)})
}

// packageSent runs a card's session on a new order for testEID until its
// package is sent (getBoundProfilePackage answered), and returns the card
// and the order's matching ID.
func (e *env) packageSent(t *testing.T) (*card, string) {
	t.Helper()
	_, mid, err := e.srv.Order(testEID)
	if err != nil {
		t.Fatal(err)
	}
	c := e.card(testEID, mid)
	c.upToBPP()
	code, m, err := c.getBPP(c.prepareDownloadResponse(false))
	mustOK(t, "getBoundProfilePackage", code, m, err)
	return c, mid
}

// upToBPP runs initiateAuthentication, authenticateClient and checks both.
func (c *card) upToBPP() {
	c.t.Helper()
	code, m, err := c.initiate()
	mustOK(c.t, "initiateAuthentication", code, m, err)
	if err := c.authenticateServer(m); err != nil {
		c.t.Fatal(err)
	}
	code, m, err = c.authenticateClient(c.authServerResponse(nil))
	mustOK(c.t, "authenticateClient", code, m, err)
	if err := c.prepareDownload(m); err != nil {
		c.t.Fatal(err)
	}
}

func pubOf(x *x509.Certificate) *ecdsa.PublicKey {
	if x == nil {
		return nil
	}
	p, _ := x.PublicKey.(*ecdsa.PublicKey)
	return p
}

func mustOK(t *testing.T, fn string, code int, m map[string]any, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	if st, subj, reason := status(m); code != http.StatusOK || st != es9.StatusSuccess {
		t.Fatalf("%s: HTTP %d %s %s/%s: %v", fn, code, st, subj, reason, m)
	}
}

func mustFail(t *testing.T, fn string, code int, m map[string]any, err error, wantHTTP int, subject, reason string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	st, subj, rsn := status(m)
	if code != wantHTTP || st != es9.StatusFailed || subj != subject || rsn != reason {
		t.Fatalf("%s: got HTTP %d %s %s/%s, want %d Failed %s/%s (%v)", fn, code, st, subj, rsn, wantHTTP, subject, reason, m)
	}
}

// enc is base64 as the ES9+ JSON binding writes binary values; the tests
// post raw JSON so that the SM-DP+ is checked against the wire format, not
// against the es9 package's own encoder.
func enc(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
