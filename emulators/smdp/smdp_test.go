package smdp

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

func kinds(e *env) string {
	var ks []string
	for _, ev := range e.log.Events() {
		ks = append(ks, string(ev.Kind))
	}
	return strings.Join(ks, ",")
}

// TestFullDownload runs the whole ES9+ session with a card made of the rsp
// structures: mutual authentication, a package bound to the card's one-time
// key that the card's loader verifies and decrypts, and the signed install
// notification (also re-sent after the session expired).
func TestFullDownload(t *testing.T) {
	e := newEnv(t)
	addr, mid, err := e.srv.Order(testEID)
	if err != nil || addr != e.srv.cfg.Host || mid == "" {
		t.Fatalf("order: %q %q %v", addr, mid, err)
	}
	c := e.card(testEID, mid)
	c.upToBPP()
	if c.meta.ServiceProviderName != testOp || c.meta.ICCID == "" || c.meta.PPR != nil {
		t.Fatalf("metadata %+v", c.meta)
	}
	code, m, err := c.getBPP(c.prepareDownloadResponse(false))
	mustOK(t, "getBoundProfilePackage", code, m, err)
	got, err := c.load(field(t, m, "boundProfilePackage"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ICCID != c.meta.ICCID || got.IMSI[:5] != c.meta.HomePLMN() || got.ProfileType != c.meta.ProfileName {
		t.Fatalf("installed %+v, announced %+v", got, c.meta)
	}
	// Another card's one-time key cannot open the package.
	other := *c
	other.otk, _ = rsp.NewOneTimeKey(nil)
	if _, err := other.load(field(t, m, "boundProfilePackage")); err == nil {
		t.Fatal("package opened with another one-time key")
	}
	pir := c.installResult(1, true)
	if code, _, err := c.notify(pir); err != nil || code != http.StatusNoContent {
		t.Fatalf("handleNotification: %d %v", code, err)
	}
	e.clock.Add(time.Hour) // well past the session TTL: a re-sent notification is still acknowledged, and counted once
	if code, _, err := c.notify(pir); err != nil || code != http.StatusNoContent {
		t.Fatalf("re-sent handleNotification: %d %v", code, err)
	}
	want := "order,mutual_auth,bpp_sent,notification_received,notification_duplicate"
	if k := kinds(e); k != want {
		t.Fatalf("events %s, want %s", k, want)
	}
	for _, ev := range e.log.Kind("mutual_auth") {
		if ev.Get("ok") != true || ev.Str("operator") != testOp {
			t.Fatalf("mutual_auth %v", ev)
		}
	}
	if ev := e.log.Kind("notification_received")[0]; ev.Str("kind") != "install" || ev.Get("seq") != 1 || ev.Get("error_reason") != nil {
		t.Fatalf("notification %v", ev)
	}
	if !strings.Contains(e.keylog.String(), "CLIENT_RANDOM ") {
		t.Fatal("no TLS secrets in the key log")
	}
	// The order is used up.
	code, m, err = authenticateAgain(t, e, mid)
	mustFail(t, "reused order", code, m, err, 200, es9.SubjectMatchingID, es9.ReasonAlreadyUsed)
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		f     Faults
		check func(t *testing.T, e *env, c *card)
	}{
		{"TLSUntrusted", Faults{TLSUntrusted: true}, func(t *testing.T, e *env, c *card) {
			_, _, err := c.initiate()
			var ua x509.UnknownAuthorityError
			if err == nil || !errors.As(err, &ua) {
				t.Fatalf("handshake with a rogue certificate: %v", err)
			}
		}},
		{"ExpiredAuthCert", Faults{ExpiredAuthCert: true}, func(t *testing.T, e *env, c *card) {
			code, m, err := c.initiate()
			mustOK(t, "initiateAuthentication", code, m, err)
			if err := c.authenticateServer(m); !errors.Is(err, rsp.ErrExpired) {
				t.Fatalf("card accepted an expired CERT.DPauth: %v", err)
			}
		}},
		{"BadServerSignature1", Faults{BadServerSignature1: true}, func(t *testing.T, e *env, c *card) {
			code, m, err := c.initiate()
			mustOK(t, "initiateAuthentication", code, m, err)
			if err := c.authenticateServer(m); !errors.Is(err, rsp.ErrBadSignature) {
				t.Fatalf("card accepted a bad serverSignature1: %v", err)
			}
		}},
		{"WrongTransactionID", Faults{WrongTransactionID: true}, func(t *testing.T, e *env, c *card) {
			code, m, err := c.initiate()
			mustOK(t, "initiateAuthentication", code, m, err)
			if err := c.authenticateServer(m); err != nil {
				t.Fatal(err)
			}
			code, m, err = c.authenticateClient(c.authServerResponse(nil))
			mustOK(t, "authenticateClient", code, m, err)
			if err := c.prepareDownload(m); err == nil || !strings.Contains(err.Error(), "another transactionId") {
				t.Fatalf("card accepted smdpSigned2 of another session: %v", err)
			}
		}},
		{"ResetDuringBPP", Faults{ResetDuringBPP: true}, func(t *testing.T, e *env, c *card) {
			c.upToBPP()
			code, m, err := c.getBPP(c.prepareDownloadResponse(false))
			if err == nil {
				t.Fatalf("answer despite the reset: %d %v", code, m)
			}
			if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("want a reset, got %v", err)
			}
		}},
		{"TamperBPP", Faults{TamperBPP: true}, func(t *testing.T, e *env, c *card) {
			c.upToBPP()
			code, m, err := c.getBPP(c.prepareDownloadResponse(false))
			mustOK(t, "getBoundProfilePackage", code, m, err)
			_, err = c.load(field(t, m, "boundProfilePackage"))
			var be *rsp.BPPError
			if !errors.As(err, &be) || be.Reason != es10.ReasonSCP03tSecurityError {
				t.Fatalf("tampered package: %v", err)
			}
		}},
		{"TruncateBPP", Faults{TruncateBPP: true}, func(t *testing.T, e *env, c *card) {
			c.upToBPP()
			code, m, err := c.getBPP(c.prepareDownloadResponse(false))
			mustOK(t, "getBoundProfilePackage", code, m, err)
			if _, err := c.load(field(t, m, "boundProfilePackage")); err == nil {
				t.Fatal("truncated package installed")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.SetFaults(tc.f)
			if e.srv.Faults() != tc.f {
				t.Fatal("faults not kept")
			}
			_, mid, err := e.srv.Order(testEID)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, e, e.card(testEID, mid))
			// Clearing the faults restores normal service.
			e.srv.SetFaults(Faults{})
			_, mid, _ = e.srv.Order(testEID)
			c := e.card(testEID, mid)
			c.upToBPP()
			code, m, err := c.getBPP(c.prepareDownloadResponse(false))
			mustOK(t, "getBoundProfilePackage after clearing", code, m, err)
			if _, err := c.load(field(t, m, "boundProfilePackage")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAuthenticateClientChecks covers every check the SM-DP+ makes on the
// card (SGP.22 §5.6.3) with the code it answers.
func TestAuthenticateClientChecks(t *testing.T) {
	tests := []struct {
		name            string
		eid             string
		mid             func(real string) string
		resp            func(c *card) []byte
		subject, reason string
	}{
		{"unknown CI", testEID, same, func(c *card) []byte {
			c.cert, c.eum = rogue.EUICC[testEID], rogue.EUM
			return c.authServerResponse(nil)
		}, es9.SubjectCIKey, es9.ReasonUnknown},
		{"EID outside the EUM range", farEID, same, func(c *card) []byte { return c.authServerResponse(nil) }, es9.SubjectEUICCCert, es9.ReasonVerifyFailed},
		{"EUM certificate's signature broken", testEID, same, func(c *card) []byte {
			c.eum = brokenSignature(c.eum)
			return c.authServerResponse(nil)
		}, es9.SubjectEUMCert, es9.ReasonVerifyFailed},
		{"eUICC certificate's signature broken", testEID, same, func(c *card) []byte {
			c.cert = brokenSignature(c.cert)
			return c.authServerResponse(nil)
		}, es9.SubjectEUICCCert, es9.ReasonVerifyFailed},
		{"bad euiccSignature1", testEID, same, func(c *card) []byte {
			b := c.authServerResponse(nil)
			i := bytes.Index(b, []byte{0x5F, 0x37, 0x40})
			b[i+10] ^= 0x01
			return b
		}, es9.SubjectEUICC, es9.ReasonVerifyFailed},
		{"signed by another eUICC key", testEID, same, func(c *card) []byte {
			c.cert = &rsp.Cert{X509: c.cert.X509, DER: c.cert.DER, Key: thePKI(t).EUICC[farEID].Key}
			return c.authServerResponse(nil)
		}, es9.SubjectEUICC, es9.ReasonVerifyFailed},
		{"serverChallenge not echoed", testEID, same, func(c *card) []byte {
			return c.authServerResponse(func(s *es10.EuiccSigned1) { s.ServerChallenge = make([]byte, 16) })
		}, es9.SubjectEUICC, es9.ReasonVerifyFailed},
		{"transactionId not echoed", testEID, same, func(c *card) []byte {
			return c.authServerResponse(func(s *es10.EuiccSigned1) { s.TransactionID = []byte{1, 2, 3} })
		}, es9.SubjectTransactionID, es9.ReasonUnknown},
		// SGP.22 §5.6.3: the serverAddress the eUICC signed is this
		// SM-DP+'s; a euiccSigned1 made for another server is refused.
		{"euiccSigned1 for another SM-DP+", testEID, same, func(c *card) []byte {
			return c.authServerResponse(func(s *es10.EuiccSigned1) { s.ServerAddress = "smdp.orange-fr.test" })
		}, es9.SubjectSMDPAddress, es9.ReasonRefused},
		{"unknown matching ID", testEID, func(string) string { return "NOPE" }, func(c *card) []byte { return c.authServerResponse(nil) }, es9.SubjectMatchingID, es9.ReasonRefused},
		{"eUICC error answer", testEID, same, func(c *card) []byte {
			return es10.AuthenticateServerResponse{TransactionID: c.txBytes, ErrorCode: es10.AuthErrInvalidSignature}.Encode()
		}, es9.SubjectEUICC, es9.ReasonRefused},
		{"eUICC error answer for another transaction", testEID, same, func(c *card) []byte {
			return es10.AuthenticateServerResponse{TransactionID: []byte{1, 2, 3}, ErrorCode: es10.AuthErrInvalidSignature}.Encode()
		}, es9.SubjectTransactionID, es9.ReasonUnknown},
		{"malformed BF38", testEID, same, func(c *card) []byte { return []byte{0xBF, 0x38, 0x01, 0x00} }, es9.SubjectFunction, es9.ReasonInvalidFormat},
		// The card's own answer with its length in a BER form DER forbids
		// (X.690 §10.1): 83 00 05 7F for 82 05 7F, as in the sw6 report.
		{"BF38 length with a leading zero octet", testEID, same, func(c *card) []byte {
			b := c.authServerResponse(nil)
			if b[2] != 0x82 {
				t.Fatalf("authenticateServerResponse %X…: not a length 82", b[:4])
			}
			return append([]byte{0xBF, 0x38, 0x83, 0x00}, b[3:]...)
		}, es9.SubjectFunction, es9.ReasonInvalidFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, mid, _ := e.srv.Order(testEID)
			c := e.card(tc.eid, tc.mid(mid))
			code, m, err := c.initiate()
			mustOK(t, "initiateAuthentication", code, m, err)
			if err := c.authenticateServer(m); err != nil {
				t.Fatal(err)
			}
			code, m, err = c.authenticateClient(tc.resp(c))
			mustFail(t, tc.name, code, m, err, 200, tc.subject, tc.reason)
			if ev := e.log.Kind("es9_error"); len(ev) != 1 || ev[0].Str("function") != es9.FnAuthenticateClient || ev[0].Str("operator") != e.srv.cfg.Operator || ev[0].Str("operator") == "" {
				t.Fatalf("es9_error events %v", ev)
			}
			if tc.subject != es9.SubjectFunction {
				if ev := e.log.Kind("mutual_auth"); len(ev) != 1 || ev[0].Get("ok") != false || ev[0].Str("reason") == "" {
					t.Fatalf("mutual_auth events %v", ev)
				}
			}
			// The session is closed after a refusal.
			code, m, err = c.authenticateClient(c.authServerResponse(nil))
			mustFail(t, "after refusal", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
		})
	}
}

func same(s string) string { return s }

func TestDefaultOrderByEID(t *testing.T) {
	e := newEnv(t)
	e.srv.Order(testEID)
	c := e.card(testEID, "") // no matching ID: the pending order for the EID
	c.upToBPP()
}

func TestBPPChecks(t *testing.T) {
	t.Run("bad euiccSignature2", func(t *testing.T) {
		e := newEnv(t)
		_, mid, _ := e.srv.Order(testEID)
		c := e.card(testEID, mid)
		c.upToBPP()
		code, m, err := c.getBPP(c.prepareDownloadResponse(true))
		mustFail(t, "getBoundProfilePackage", code, m, err, 200, es9.SubjectEUICC, es9.ReasonVerifyFailed)
	})
	// One package per transaction (docs/conformance.md): a second
	// getBoundProfilePackage for a session whose package went out is
	// refused as for a session gone (8.10.1/3.9), and nothing is sent.
	t.Run("second package for the same session", func(t *testing.T) {
		e := newEnv(t)
		c, _ := e.packageSent(t)
		code, m, err := c.getBPP(c.prepareDownloadResponse(false))
		mustFail(t, "second getBoundProfilePackage", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
		if n := len(e.log.Kind(KindBPPSent)); n != 1 {
			t.Errorf("%d packages sent for one session, want 1", n)
		}
	})
	t.Run("expired transaction", func(t *testing.T) {
		e := newEnv(t)
		_, mid, _ := e.srv.Order(testEID)
		c := e.card(testEID, mid)
		c.upToBPP()
		e.clock.Add(DefaultTransactionTTL)
		code, m, err := c.getBPP(c.prepareDownloadResponse(false))
		mustFail(t, "getBoundProfilePackage", code, m, err, 200, es9.SubjectDownloadOrder, es9.ReasonTTLExpired)
	})
	t.Run("out of order", func(t *testing.T) {
		e := newEnv(t)
		_, mid, _ := e.srv.Order(testEID)
		c := e.card(testEID, mid)
		code, m, err := c.initiate()
		mustOK(t, "initiateAuthentication", code, m, err)
		if err := c.authenticateServer(m); err != nil {
			t.Fatal(err)
		}
		c.smdpSig2 = make([]byte, 64)
		code, m, err = c.getBPP(c.prepareDownloadResponse(false))
		mustFail(t, "getBoundProfilePackage before authenticateClient", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
	})
	t.Run("eUICC refuses", func(t *testing.T) {
		e := newEnv(t)
		_, mid, _ := e.srv.Order(testEID)
		c := e.card(testEID, mid)
		c.upToBPP()
		resp := es10.PrepareDownloadResponse{TransactionID: c.txBytes, ErrorCode: es10.DlErrInvalidSignature}.Encode()
		code, m, err := c.getBPP(resp)
		mustFail(t, "getBoundProfilePackage", code, m, err, 200, es9.SubjectEUICC, es9.ReasonRefused)
		if msg := fmt.Sprint(m); !strings.Contains(msg, "downloadErrorCode 2 invalidSignature") {
			t.Errorf("answer %s does not name the eUICC's code", msg)
		}
		// t180 F8: the error ends the session (a package asked for after
		// it is refused as for any session gone), and leaves the order
		// released: no package was bound.
		code, m, err = c.getBPP(c.prepareDownloadResponse(false))
		mustFail(t, "after the eUICC's refusal", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
		if st := e.srv.orders[mid].state; st != "released" {
			t.Errorf("order %s after the eUICC's refusal, want released", st)
		}
	})
	t.Run("eUICC refuses, for another transaction", func(t *testing.T) {
		e := newEnv(t)
		_, mid, _ := e.srv.Order(testEID)
		c := e.card(testEID, mid)
		c.upToBPP()
		resp := es10.PrepareDownloadResponse{TransactionID: []byte{9, 9}, ErrorCode: es10.DlErrInvalidSignature}.Encode()
		code, m, err := c.getBPP(resp)
		mustFail(t, "getBoundProfilePackage", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
	})
}

// A session holds the order's SAIP package for its getBoundProfilePackage
// only: once that call bound it or refused, the session (which lives on to
// its install result or TTL) lets it go; a call reset before it was read
// leaves it, for the LPA's retry on the same session.
func TestSessionLetsItsPackageGo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reset bool // the reset fault
		bad   bool // a bad euiccSignature2: refused
		kept  bool
	}{
		{"package sent", false, false, false},
		{"refused", false, true, false},
		{"connection reset", true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.SetFaults(Faults{ResetDuringBPP: tc.reset})
			_, mid, _ := e.srv.Order(testEID)
			c := e.card(testEID, mid)
			c.upToBPP()
			c.getBPP(c.prepareDownloadResponse(tc.bad))
			e.srv.mu.Lock()
			tx := e.srv.tx[hexID(c.txBytes)]
			e.srv.mu.Unlock()
			if tx == nil {
				t.Fatal("the session is gone")
			}
			if kept := tx.elements != nil; kept != tc.kept {
				t.Errorf("session holds its package: %v, want %v (step %s)", kept, tc.kept, tx.step)
			}
			if !tc.reset {
				return
			}
			// The retry binds it.
			e.srv.SetFaults(Faults{})
			code, m, err := c.getBPP(c.prepareDownloadResponse(false))
			mustOK(t, "getBoundProfilePackage again", code, m, err)
			if _, err := c.load(field(t, m, "boundProfilePackage")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNotificationChecks(t *testing.T) {
	e := newEnv(t)
	_, mid, _ := e.srv.Order(testEID)
	c := e.card(testEID, mid)
	c.upToBPP()
	// What the SM-DP+ cannot take it acknowledges all the same (SGP.22
	// defines no handleNotification error) and discards, saying why in
	// its event log: never counted as received.
	discarded := func(what string, pending []byte, subject, reason string) {
		t.Helper()
		before := len(e.log.Kind("es9_error"))
		if code, m, err := c.notify(pending); err != nil || code != http.StatusNoContent || m != nil {
			t.Fatalf("%s: %d %v %v, want 204 and no body", what, code, m, err)
		}
		evs := e.log.Kind("es9_error")
		if len(evs) != before+1 || evs[before].Str("function") != es9.FnHandleNotification ||
			evs[before].Str("subject") != subject || evs[before].Str("reason") != reason ||
			!strings.HasSuffix(evs[before].Str("message"), "(discarded, acknowledged 204)") {
			t.Fatalf("%s: es9_error events %v, want one %s/%s", what, evs, subject, reason)
		}
	}
	// Before the package was sent the transaction is not one to report on.
	discarded("early notification", c.installResult(1, true), es9.SubjectTransactionID, es9.ReasonUnknown)
	code, m, err := c.getBPP(c.prepareDownloadResponse(false))
	mustOK(t, "getBoundProfilePackage", code, m, err)
	bad := c.installResult(2, false)
	bad[len(bad)-5] ^= 0x01 // inside euiccSignPIR
	discarded("forged notification", bad, es9.SubjectEUICC, es9.ReasonVerifyFailed)
	discarded("malformed notification", []byte{0xBF, 0x37, 0x01}, es9.SubjectFunction, es9.ReasonInvalidFormat)
	if code, _, err := c.notify(c.installResult(2, false)); err != nil || code != http.StatusNoContent {
		t.Fatalf("failed-install notification: %d %v", code, err)
	}
	// An enable notification carries its own certificate chain.
	md := es10.NotificationMetadata{Seq: 3, Event: es10.EventEnable, Address: testHost, ICCID: c.meta.ICCID}
	sig, _ := rsp.Sign(c.cert.Key, md.Encode())
	other := es10.OtherSignedNotification{Metadata: md, Signature: sig, EuiccCertificate: c.cert.DER, EUMCertificate: c.eum.DER}
	if code, _, err := c.notify(other.Encode()); err != nil || code != http.StatusNoContent {
		t.Fatalf("enable notification: %d %v", code, err)
	}
	// Its euiccNotificationSignature is checked with the key of the
	// chain it carries: metadata it does not cover (another sequence
	// number), or a valid chain of another card (another EID), is
	// discarded, not taken (SGP.22 §5.6.4).
	forged := other
	forged.Metadata.Seq = 4
	discarded("notification whose signature covers other metadata", forged.Encode(), es9.SubjectEUICC, es9.ReasonVerifyFailed)
	forged = other
	forged.Metadata.Seq = 5
	forged.Signature, _ = rsp.Sign(c.cert.Key, forged.Metadata.Encode())
	forged.EuiccCertificate = thePKI(t).EUICC[otherEID].DER
	discarded("notification signed by another card than its certificate's EID", forged.Encode(), es9.SubjectEUICC, es9.ReasonVerifyFailed)
	other.EuiccCertificate, other.EUMCertificate = rogue.EUICC[testEID].DER, rogue.EUM.DER
	discarded("notification from a rogue chain", other.Encode(), es9.SubjectCIKey, es9.ReasonUnknown)
	evs := e.log.Kind("notification_received")
	if len(evs) != 2 || evs[0].Str("kind") != "install" || evs[1].Str("kind") != "enable" || evs[1].Get("seq") != 3 {
		t.Fatalf("notifications %v", evs)
	}
}

func TestCancelSession(t *testing.T) {
	e := newEnv(t)
	_, mid, _ := e.srv.Order(testEID)
	c := e.card(testEID, mid)
	c.upToBPP()
	cancel := func(r es10.CancelSessionResponse) (int, map[string]any, error) {
		return e.post(es9.FnCancelSession, map[string]string{"transactionId": c.tx, "cancelSessionResponse": enc(r.Encode())})
	}
	r := es10.CancelSessionResponse{TransactionID: c.txBytes, SmdpOID: rsp.RegisteredID(thePKI(t).SMDP[testOp].Auth.X509), Reason: es10.CancelPostponed}
	r.Signature, _ = rsp.Sign(thePKI(t).EUICC[farEID].Key, r.SignedPart())
	code, m, err := cancel(r)
	mustFail(t, "cancel with a foreign signature", code, m, err, 200, es9.SubjectEUICC, es9.ReasonVerifyFailed)
	r.Signature, _ = rsp.Sign(c.cert.Key, r.SignedPart())
	code, m, err = cancel(r)
	mustOK(t, "cancelSession", code, m, err)
	code, m, err = c.getBPP(c.prepareDownloadResponse(false))
	mustFail(t, "getBoundProfilePackage after cancel", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
	code, m, err = cancel(r)
	mustFail(t, "second cancel", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
	// The order was never installed, so it can be downloaded again.
	c2 := e.card(testEID, mid)
	c2.upToBPP()
}

func TestReachable(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetReachable(false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.card(testEID, "").initiate(); err == nil {
		t.Fatal("unreachable server answered")
	}
	// Its port stays its own while it is down.
	if ln, err := net.Listen("tcp", e.srv.Addr().String()); err == nil {
		ln.Close()
		t.Fatal("another listener took the unreachable SM-DP+'s port")
	}
	if err := e.srv.SetReachable(true); err != nil {
		t.Fatal(err)
	}
	code, m, err := e.card(testEID, "").initiate()
	mustOK(t, "initiateAuthentication after SetReachable(true)", code, m, err)
}

func TestNewChecksConfig(t *testing.T) {
	p := thePKI(t)
	good := Config{Operator: testOp, Host: testHost, CI: p.CI.X509, Certs: p.SMDP[testOp], Now: time.Now}
	for name, mut := range map[string]func(*Config){
		"no operator": func(c *Config) { c.Operator = "" },
		"no CI":       func(c *Config) { c.CI = nil },
		"no certs":    func(c *Config) { c.Certs = nil },
		"no clock":    func(c *Config) { c.Now = nil },
		"wrong host":  func(c *Config) { c.Host = "smdp.other.test" },
	} {
		c := good
		mut(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
}

// The Date header is the virtual clock's, in the IMF-fixdate of RFC 9110
// §5.6.7, on success and on failure alike.
func TestDateHeaderIsSimulated(t *testing.T) {
	e := newEnv(t)
	e.clock.Add(36*time.Hour + 7*time.Second)
	for _, body := range []string{`{}`, `{"smdpAddress":"` + testHost + `"}`} {
		req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, strings.NewReader(body))
		req.Header.Set(es9.AdminProtocolHeader, es9.AdminProtocol)
		req.Header.Set("Content-Type", es9.ContentType)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Date"); got != "Fri, 02 Jan 2026 12:00:07 GMT" {
			t.Errorf("Date %q", got)
		}
	}
}

// X-Admin-Protocol names the version the SM-DP+ implements (SGP.22
// §6.5.1): its own on every answer, never the client's echoed back, not
// even in the 400 that refuses the client's.
func TestAdminProtocolAnswered(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		sent   string // "" sends no header
		status int
	}{
		{es9.AdminProtocol, http.StatusOK},
		{"gsma/rsp/v2.5.0", http.StatusOK},
		{"gsma/rsp/v3.1.0", http.StatusOK}, // a v3 LPA, answered as 2.2
		{"gsma/rsp/v4.0.0", http.StatusBadRequest},
		{"foo", http.StatusBadRequest},
		{"", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, strings.NewReader(`{}`))
		if tc.sent != "" {
			req.Header.Set(es9.AdminProtocolHeader, tc.sent)
		}
		req.Header.Set("Content-Type", es9.ContentType)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("sent %q: status %d, want %d", tc.sent, resp.StatusCode, tc.status)
		}
		if got := resp.Header.Values(es9.AdminProtocolHeader); len(got) != 1 || got[0] != es9.AdminProtocol {
			t.Errorf("sent %q: answered X-Admin-Protocol %q, want %q", tc.sent, got, es9.AdminProtocol)
		}
	}
}

// A release 3 LPA names gsma/rsp/v3.x.y and adds lpaRspCapability to
// initiateAuthentication; a 2.2 server answers it as 2.2, with no
// rspCapability, which is how the LPA learns to speak 2.x.
func TestReleaseThreeLPAAnswered(t *testing.T) {
	e := newEnv(t)
	c := e.card(testEID, "")
	body, _ := json.Marshal(map[string]string{"smdpAddress": e.srv.Address(),
		"euiccChallenge": enc(bytes.Repeat([]byte{0xC1}, 16)), "euiccInfo1": enc(c.info1()),
		"lpaRspCapability": enc([]byte{0x03, 0x02, 0x05, 0xA0})})
	req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, bytes.NewReader(body))
	req.Header.Set(es9.AdminProtocolHeader, "gsma/rsp/v3.1.0")
	req.Header.Set("Content-Type", es9.ContentType)
	code, m, err := e.do(req)
	mustOK(t, "initiateAuthentication from a v3 LPA", code, m, err)
	if err := c.authenticateServer(m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["rspCapability"]; ok {
		t.Fatalf("answer carries rspCapability: %v", m)
	}
	// A misspelt member is still refused.
	body = bytes.Replace(body, []byte(`"lpaRspCapability"`), []byte(`"LpaRspCapability"`), 1)
	req, _ = http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, bytes.NewReader(body))
	req.Header.Set(es9.AdminProtocolHeader, "gsma/rsp/v3.1.0")
	req.Header.Set("Content-Type", es9.ContentType)
	code, m, err = e.do(req)
	mustFail(t, "wrong-case member", code, m, err, http.StatusOK, es9.SubjectFunction, es9.ReasonInvalidFormat)
}

// SGP.22 §5.6.5: the card's cancelSession closes the session, and the
// reason decides the order: postponed and timeout release it for another
// download, every other reason leaves it in error.
func TestCancelReasonSettlesOrder(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reason    int
		order     string
		downloads bool // the matching ID can be downloaded again
	}{
		{"postponed", es10.CancelPostponed, "released", true},
		{"timeout", es10.CancelTimeout, "released", true},
		{"end user rejection", es10.CancelEndUserRejection, "error", false},
		{"loadBppExecutionError (a load the LPA could not finish)", es10.CancelLoadBppExecution, "error", false},
		{"undefined", es10.CancelUndefinedReason, "error", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c, mid := e.packageSent(t)
			code, m, err := e.post(es9.FnCancelSession, map[string]string{"transactionId": c.tx, "cancelSessionResponse": enc(c.signedCancel(t, tc.reason))})
			mustOK(t, "cancelSession", code, m, err)
			evs := e.log.Kind(KindSessionCancelled)
			if len(evs) != 1 || evs[0].Get("reason") != tc.reason || evs[0].Str("order") != tc.order {
				t.Fatalf("session_cancelled %v, want reason %d order %s", evs, tc.reason, tc.order)
			}
			code, m, err = authenticateAgain(t, e, mid)
			if tc.downloads {
				mustOK(t, "authenticateClient on the released order", code, m, err)
			} else {
				mustFail(t, "authenticateClient on an order in error", code, m, err, 200, es9.SubjectMatchingID, es9.ReasonAlreadyUsed)
			}
		})
	}
}

// SGP.22 §3.1.3.3, §5.6.4: the install result, failed or not, ends the RSP
// session. It is taken (204, logged) and settles the order — in error for
// a refused package, installed otherwise — and a cancelSession for the
// transaction afterwards is answered as for any unknown one (Failed
// 8.10.1/3.9, §5.6.5), whatever its reason, and moves nothing (outside
// tester t180 F7: the emulated SM-DP+ took it, which hid the card's
// cancellation from the tests).
func TestCancelAfterInstallResult(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ok     bool
		reason int
		order  string // what authenticateClient on the order says: "error" refuses it again
	}{
		{"refused package, loadBppExecutionError", false, es10.CancelLoadBppExecution, "error"},
		{"refused package, postponed", false, es10.CancelPostponed, "error"},
		{"installed, postponed", true, es10.CancelPostponed, "installed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c, mid := e.packageSent(t)
			code, _, err := c.notify(c.installResult(1, tc.ok))
			if err != nil || code != http.StatusNoContent {
				t.Fatalf("install result: %d %v", code, err)
			}
			evs := e.log.Kind(KindNotificationReceived)
			if len(evs) != 1 || evs[0].Get("ok") != tc.ok {
				t.Fatalf("notification_received %v, want ok %v", evs, tc.ok)
			}
			if !tc.ok && evs[0].Get("error_reason") != es10.ReasonSCP03tSecurityError {
				t.Fatalf("notification_received %v, want the card's errorReason", evs)
			}
			code, m, err := e.post(es9.FnCancelSession, map[string]string{"transactionId": c.tx, "cancelSessionResponse": enc(c.signedCancel(t, tc.reason))})
			mustFail(t, "cancelSession after the install result", code, m, err, http.StatusOK, es9.SubjectTransactionID, es9.ReasonUnknown)
			if evs := e.log.Kind(KindSessionCancelled); len(evs) != 0 {
				t.Fatalf("session_cancelled %v after the session ended", evs)
			}
			code, m, err = authenticateAgain(t, e, mid)
			mustFail(t, "authenticateClient on a settled order", code, m, err, 200, es9.SubjectMatchingID, es9.ReasonAlreadyUsed)
			// The same result again (a card that lost the 204) is still
			// acknowledged once, the session ended or not.
			if code, _, err := c.notify(c.installResult(1, tc.ok)); err != nil || code != http.StatusNoContent {
				t.Fatalf("install result again: %d %v", code, err)
			}
		})
	}
}

// signedCancel is the card's signed CancelSessionResponse for the
// session, with reason.
func (c *card) signedCancel(t *testing.T, reason int) []byte {
	t.Helper()
	r := es10.CancelSessionResponse{TransactionID: c.txBytes, SmdpOID: rsp.RegisteredID(thePKI(t).SMDP[testOp].Auth.X509), Reason: reason}
	sig, err := rsp.Sign(c.cert.Key, r.SignedPart())
	if err != nil {
		t.Fatal(err)
	}
	r.Signature = sig
	return r.Encode()
}

// authenticateAgain runs a second card session on order mid up to its
// AuthenticateClient and returns that answer.
func authenticateAgain(t *testing.T, e *env, mid string) (int, map[string]any, error) {
	t.Helper()
	c := e.card(testEID, mid)
	code, m, err := c.initiate()
	mustOK(t, "initiateAuthentication", code, m, err)
	if err := c.authenticateServer(m); err != nil {
		t.Fatal(err)
	}
	return c.authenticateClient(c.authServerResponse(nil))
}

// A profile with policy rules (SGP.22 §2.9) carries them in its metadata,
// both the profileMetadata of authenticateClient and the StoreMetadata of
// the bound profile package, with its owner beside them.
func TestProfilePolicyRules(t *testing.T) {
	rules := es10.BitsOf(es10.PPR1, es10.PPR2)
	e := newEnvWith(t, func(c *Config) {
		c.NewProfile = func(seq int) Profile {
			return Profile{ICCID: testICCID, IMSI: "208100000000004", Operator: testOp, Name: "SFR with rules", PPR: rules}
		}
	})
	_, mid, err := e.srv.Order(testEID)
	if err != nil {
		t.Fatal(err)
	}
	c := e.card(testEID, mid)
	c.upToBPP()
	if c.meta.PPR == nil || *c.meta.PPR != rules || c.meta.HomePLMN() != "20810" {
		t.Fatalf("profileMetadata %+v", c.meta)
	}
	code, m, err := c.getBPP(c.prepareDownloadResponse(false))
	mustOK(t, "getBoundProfilePackage", code, m, err)
	segs, err := es10.BPPSegments(field(t, m, "boundProfilePackage"))
	if err != nil {
		t.Fatal(err)
	}
	var stored es10.ProfileMetadata
	l := rsp.NewBPPLoader(rsp.LoaderSession{TransactionID: c.txBytes, OneTimeKey: c.otk, DPpb: pubOf(c.pbCert), EID: c.eid, FreeNVM: func() int { return 1 << 20 },
		CheckMetadata: func(m es10.ProfileMetadata) int { stored = m; return 0 }})
	for _, s := range segs {
		if _, err := l.Load(s); err != nil {
			t.Fatal(err)
		}
	}
	if stored.PPR == nil || *stored.PPR != rules || stored.Owner == nil || stored.Owner.PLMN != "20810" {
		t.Fatalf("StoreMetadata %+v", stored)
	}
}

// A client may resume its session (a card's cache), but not past the
// TLSUntrusted fault: while it is in force every handshake is a full one
// with the rogue certificate, which a client holding a session meets too.
func TestTLSSessionsMeetTheRogueCertificate(t *testing.T) {
	e := newEnv(t)
	cfg := e.client.Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.MaxVersion = tls.VersionTLS12
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	dial := func() (bool, error) {
		c, err := tls.Dial("tcp", e.srv.Addr().String(), cfg)
		if err != nil {
			return false, err
		}
		defer c.Close()
		return c.ConnectionState().DidResume, nil
	}
	if resumed, err := dial(); err != nil || resumed {
		t.Fatalf("first connection: resumed %v, %v; want a full handshake", resumed, err)
	}
	if resumed, err := dial(); err != nil || !resumed {
		t.Fatalf("second connection: resumed %v, %v; want the session resumed", resumed, err)
	}
	e.srv.SetFaults(Faults{TLSUntrusted: true})
	var ua x509.UnknownAuthorityError
	if _, err := dial(); !errors.As(err, &ua) {
		t.Fatalf("a client holding a session, under TLSUntrusted: %v; want the rogue certificate refused", err)
	}
}

// With NoTickets (esimhil emulate) no client resumes: every connection is
// a full handshake, whose secret the key log gets, so that a capture
// decrypts a host client's resumed-in-vain connection too (outside tester
// sw66: an LPA's resumed sessions decrypted in neither direction).
func TestNoTicketsNoResumption(t *testing.T) {
	var keylog bytes.Buffer
	kl := &syncWriter{w: &keylog}
	e := newEnvWith(t, func(c *Config) { c.NoTickets, c.KeyLog = true, kl })
	cfg := e.client.Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.MaxVersion = tls.VersionTLS12
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	for i := range 3 {
		c, err := tls.Dial("tcp", e.srv.Addr().String(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		resumed := c.ConnectionState().DidResume
		c.Close()
		if resumed {
			t.Fatalf("connection %d resumed its session", i+1)
		}
	}
	kl.mu.Lock()
	lines := strings.Count(keylog.String(), "CLIENT_RANDOM ")
	kl.mu.Unlock()
	if lines != 3 {
		t.Errorf("%d key log lines for 3 connections, want 3", lines)
	}
}

// brokenSignature is c with the last octet of its signature flipped: it
// parses, and its issuer did not sign it.
func brokenSignature(c *rsp.Cert) *rsp.Cert {
	der := slices.Clone(c.DER)
	der[len(der)-1] ^= 0x01
	return &rsp.Cert{X509: c.X509, DER: der, Key: c.Key}
}

// slowBody is a request body whose reading takes simulated time: it moves
// the clock by d before it gives its bytes (or its error).
type slowBody struct {
	r     io.Reader
	clock *vclock
	d     time.Duration
	err   error // after the bytes: a read timeout, say
	moved bool
}

func (b *slowBody) Read(p []byte) (int, error) {
	if !b.moved {
		b.moved = true
		b.clock.Add(b.d)
	}
	n, err := b.r.Read(p)
	if err == io.EOF && b.err != nil {
		err = b.err
	}
	return n, err
}

func (b *slowBody) Close() error { return nil }

// timeoutErr is a connection's read deadline passing (net.Error).
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// The Date of an answer is when it was made, not when its request began:
// a body that took 30 s to arrive (or never ended: 408) is answered with
// the time at its end (RFC 9110 §6.6.1; outside tester t71 F7).
func TestDateIsWhenAnswered(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fn     string
		body   string
		err    error
		status int
	}{
		{"slow body taken", es9.FnHandleNotification, `{"pendingNotification":"AAAA"}`, nil, http.StatusNoContent},
		{"slow body refused", es9.FnInitiateAuthentication, `{}`, nil, http.StatusOK},
		{"body never ends", es9.FnHandleNotification, `{"pendingNot`, timeoutErr{}, http.StatusRequestTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			start := e.clock.Now()
			req := httptest.NewRequest(http.MethodPost, es9.PathPrefix+tc.fn, nil)
			req.Body = &slowBody{r: strings.NewReader(tc.body), clock: e.clock, d: 30 * time.Second, err: tc.err}
			req.Header.Set(es9.AdminProtocolHeader, es9.AdminProtocol)
			req.Header.Set("Content-Type", es9.ContentType)
			rec := httptest.NewRecorder()
			e.srv.serveHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			want := start.Add(30 * time.Second).UTC().Format(http.TimeFormat)
			if got := rec.Header().Get("Date"); got != want {
				t.Errorf("Date %q, want %q (the request began at %s)", got, want, start.UTC().Format(http.TimeFormat))
			}
		})
	}
}

// SGP.22 §5.6.5: only a cancellation whose euiccCancelSessionSignature
// the SM-DP+ verified with PK.EUICC.SIG moves the order. The error form
// (unsigned) and a signed one before authenticateClient (no key yet) end
// the session only; one naming another SM-DP+'s OID is refused, 8.8/3.10,
// and leaves the session open (outside tester t71 F10: an unsigned error
// form ended the order for good).
func TestCancelSessionTrust(t *testing.T) {
	other := rsp.RegisteredID(thePKI(t).SMDP[testOp].Auth.X509)
	other = append(append([]byte(nil), other[:len(other)-1]...), other[len(other)-1]+1)
	for _, tc := range []struct {
		name  string
		stage string // "init": after initiateAuthentication; "auth": after authenticateClient; "bpp": after the package
		resp  func(c *card) es10.CancelSessionResponse
		// fails: the cancellation's refusal, "" when it is taken.
		fails    string
		verified bool
		order    string // the order's state after it
		closed   bool   // the session ended
	}{
		{"error form after authenticateClient", "auth", func(c *card) es10.CancelSessionResponse {
			return es10.CancelSessionResponse{ErrorCode: es10.CancelErrInvalidTransID}
		}, "", false, "released", true},
		{"error form after the package", "bpp", func(c *card) es10.CancelSessionResponse {
			return es10.CancelSessionResponse{ErrorCode: es10.CancelErrUndefined}
		}, "", false, "downloaded", true},
		{"forged signature before authenticateClient", "init", func(c *card) es10.CancelSessionResponse {
			r := c.cancel(es10.CancelEndUserRejection, nil)
			r.Signature[5] ^= 1
			return r
		}, "", false, "released", true},
		{"signed end user rejection after authenticateClient", "auth", func(c *card) es10.CancelSessionResponse {
			return c.cancel(es10.CancelEndUserRejection, nil)
		}, "", true, "error", true},
		{"forged signature after authenticateClient", "auth", func(c *card) es10.CancelSessionResponse {
			r := c.cancel(es10.CancelEndUserRejection, nil)
			r.Signature[5] ^= 1
			return r
		}, es9.SubjectEUICC + "/" + es9.ReasonVerifyFailed, false, "released", false},
		{"another SM-DP+'s OID", "auth", func(c *card) es10.CancelSessionResponse {
			return c.cancel(es10.CancelEndUserRejection, other)
		}, es9.SubjectSMDP + "/" + es9.ReasonInvalidAssociation, false, "released", false},
		{"another SM-DP+'s OID before authenticateClient", "init", func(c *card) es10.CancelSessionResponse {
			return c.cancel(es10.CancelEndUserRejection, other)
		}, es9.SubjectSMDP + "/" + es9.ReasonInvalidAssociation, false, "released", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, mid, _ := e.srv.Order(testEID)
			c := e.card(testEID, mid)
			switch tc.stage {
			case "init":
				code, m, err := c.initiate()
				mustOK(t, "initiateAuthentication", code, m, err)
				if err := c.authenticateServer(m); err != nil {
					t.Fatal(err)
				}
			case "auth", "bpp":
				c.upToBPP()
			}
			if tc.stage == "bpp" {
				code, m, err := c.getBPP(c.prepareDownloadResponse(false))
				mustOK(t, "getBoundProfilePackage", code, m, err)
			}
			code, m, err := e.post(es9.FnCancelSession, map[string]string{"transactionId": c.tx, "cancelSessionResponse": enc(tc.resp(c).Encode())})
			if tc.fails == "" {
				mustOK(t, "cancelSession", code, m, err)
				bound := tc.order // before authenticateClient no order is bound to the session
				if tc.stage == "init" {
					bound = ""
				}
				// The error form carries no reason: -1, not 0, which is
				// endUserRejection's.
				reason := -1
				if r := tc.resp(c); r.ErrorCode == 0 {
					reason = r.Reason
				}
				evs := e.log.Kind(KindSessionCancelled)
				if len(evs) != 1 || evs[0].Get("verified") != tc.verified || evs[0].Str("order") != bound || evs[0].Get("reason") != reason {
					t.Fatalf("session_cancelled %v, want verified %v order %q reason %d", evs, tc.verified, bound, reason)
				}
			} else {
				subj, reason, _ := strings.Cut(tc.fails, "/")
				mustFail(t, "cancelSession", code, m, err, http.StatusOK, subj, reason)
			}
			e.srv.mu.Lock()
			state := e.srv.orders[mid].state
			step := e.srv.tx[c.tx].step
			e.srv.mu.Unlock()
			if state != tc.order {
				t.Errorf("order %s, want %s", state, tc.order)
			}
			if (step == closed) != tc.closed {
				t.Errorf("session %s, want closed %v", step, tc.closed)
			}
		})
	}
}

// cancel is the card's signed CancelSession answer (SGP.22 §5.7.14) for
// the session, naming oid (nil: the SM-DP+'s own).
func (c *card) cancel(reason int, oid []byte) es10.CancelSessionResponse {
	if oid == nil {
		oid = rsp.RegisteredID(thePKI(c.t).SMDP[testOp].Auth.X509)
	}
	r := es10.CancelSessionResponse{TransactionID: c.txBytes, SmdpOID: oid, Reason: reason}
	sig, err := rsp.Sign(c.cert.Key, r.SignedPart())
	if err != nil {
		c.t.Fatal(err)
	}
	r.Signature = sig
	return r
}

// TestMatchingIDRefused: authenticateClient serves a matching ID only to the
// EID it was ordered for and only while its order is pending (SGP.22 §5.6.2:
// the MatchingID must match a pending Profile download order for that EID).
// An order whose package went out is not served again before its install
// result comes, e.g. to a card back after a power cut mid-install. t153 F7.
func TestMatchingIDRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		eid     string // the card that presents the matching ID
		sent    bool   // the package was sent on the order first
		subject string
		reason  string
		keepsAt string // the order's state afterwards
	}{
		{"another EID's order", otherEID, false, es9.SubjectEID, es9.ReasonRefused, "released"},
		{"package already sent", testEID, true, es9.SubjectMatchingID, es9.ReasonAlreadyUsed, "downloaded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var mid string
			if tc.sent {
				_, mid = e.packageSent(t)
			} else {
				var err error
				if _, mid, err = e.srv.Order(testEID); err != nil {
					t.Fatal(err)
				}
			}
			c := e.card(tc.eid, mid)
			code, m, err := c.initiate()
			mustOK(t, "initiateAuthentication", code, m, err)
			if err := c.authenticateServer(m); err != nil {
				t.Fatal(err)
			}
			code, m, err = c.authenticateClient(c.authServerResponse(nil))
			mustFail(t, "authenticateClient", code, m, err, http.StatusOK, tc.subject, tc.reason)
			e.srv.mu.Lock()
			state := e.srv.orders[mid].state
			e.srv.mu.Unlock()
			if state != tc.keepsAt {
				t.Errorf("order %s, want %s", state, tc.keepsAt)
			}
		})
	}
}
