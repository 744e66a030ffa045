package smdp

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

var allFunctions = []string{es9.FnInitiateAuthentication, es9.FnAuthenticateClient, es9.FnGetBoundProfilePackage,
	es9.FnHandleNotification, es9.FnCancelSession}

// TestBadInput sends every kind of bad request to every function over real
// HTTPS and expects the ES9+ error envelope with the SGP.22 codes and an
// es9_error event.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	b64Field := map[string]string{
		es9.FnInitiateAuthentication: `{"smdpAddress":"smdp.sfr.test","euiccChallenge":"%%%","euiccInfo1":"vyA="}`,
		es9.FnAuthenticateClient:     `{"transactionId":"00","authenticateServerResponse":"!!"}`,
		es9.FnGetBoundProfilePackage: `{"transactionId":"00","prepareDownloadResponse":"*"}`,
		es9.FnHandleNotification:     `{"pendingNotification":"@@@"}`,
		es9.FnCancelSession:          `{"transactionId":"00","cancelSessionResponse":"~"}`,
	}
	unknownTx := map[string]string{
		es9.FnAuthenticateClient:     `{"transactionId":"0123456789ABCDEF","authenticateServerResponse":"vzgA"}`,
		es9.FnGetBoundProfilePackage: `{"transactionId":"0123456789ABCDEF","prepareDownloadResponse":"vyEA"}`,
		es9.FnCancelSession:          `{"transactionId":"0123456789ABCDEF","cancelSessionResponse":"v0EDgQEB"}`,
	}
	for _, fn := range allFunctions {
		cases := []struct {
			name            string
			body            string
			subject, reason string
		}{
			{"malformed JSON", `{"transactionId":`, es9.SubjectFunction, es9.ReasonInvalidFormat},
			{"not an object", `[1,2,3]`, es9.SubjectFunction, es9.ReasonInvalidFormat},
			{"trailing data", `{} {}`, es9.SubjectFunction, es9.ReasonInvalidFormat},
			{"empty object", `{}`, es9.SubjectFunction, es9.ReasonMissing},
			{"bad base64", b64Field[fn], es9.SubjectFunction, es9.ReasonInvalidFormat},
		}
		if fn == es9.FnAuthenticateClient || fn == es9.FnGetBoundProfilePackage || fn == es9.FnCancelSession {
			cases = append(cases,
				struct{ name, body, subject, reason string }{"bad transactionId", `{"transactionId":"xyz","a":"b"}`, es9.SubjectTransactionID, es9.ReasonInvalidFormat},
				struct{ name, body, subject, reason string }{"unknown transactionId", unknownTx[fn], es9.SubjectTransactionID, es9.ReasonUnknown})
		}
		for _, tc := range cases {
			t.Run(fn+"/"+tc.name, func(t *testing.T) {
				before := len(e.log.Kind("es9_error"))
				code, m, err := e.post(fn, []byte(tc.body))
				mustFail(t, tc.name, code, m, err, http.StatusOK, tc.subject, tc.reason)
				evs := e.log.Kind("es9_error")
				if len(evs) != before+1 || evs[len(evs)-1].Str("function") != fn || evs[len(evs)-1].Str("subject") != tc.subject {
					t.Fatalf("es9_error events %v", evs[before:])
				}
			})
		}
	}
	// §6.5 spells every member; one in another case is unknown, as a
	// strict SM-DP+ would answer it, not taken for the member it folds to
	// (each body is otherwise one the function takes on).
	wrongCase := []struct{ fn, body, want string }{
		{es9.FnInitiateAuthentication, `{"SmdpAddress":"` + testHost + `","euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA"}`,
			`unknown member "SmdpAddress"; did you mean "smdpAddress"?`},
		{es9.FnAuthenticateClient, `{"transactionId":"0123456789ABCDEF","AuthenticateServerResponse":"vzgA"}`,
			`unknown member "AuthenticateServerResponse"; did you mean "authenticateServerResponse"?`},
		{es9.FnGetBoundProfilePackage, `{"TransactionID":"0123456789ABCDEF","prepareDownloadResponse":"vyEA"}`,
			`unknown member "TransactionID"; did you mean "transactionId"?`},
		{es9.FnHandleNotification, `{"pendingnotification":"vzcA"}`, `unknown member "pendingnotification"; did you mean "pendingNotification"?`},
		{es9.FnCancelSession, `{"transactionId":"0123456789ABCDEF","cancelSessionResponse":"v0EDgQEB","transactionID":"00"}`,
			`unknown member "transactionID"; did you mean "transactionId"?`},
	}
	for _, tc := range wrongCase {
		t.Run(tc.fn+"/member in another case", func(t *testing.T) {
			code, m, err := e.post(tc.fn, []byte(tc.body))
			mustFail(t, tc.fn, code, m, err, http.StatusOK, es9.SubjectFunction, es9.ReasonInvalidFormat)
			h, _ := m["header"].(map[string]any)
			f, _ := h["functionExecutionStatus"].(map[string]any)
			d, _ := f["statusCodeData"].(map[string]any)
			if msg, _ := d["message"].(string); msg != tc.want {
				t.Fatalf("message %q, want %q", msg, tc.want)
			}
		})
	}
	t.Run("missing X-Admin-Protocol", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, strings.NewReader("{}"))
		code, m, err := e.do(req)
		mustFail(t, "no header", code, m, err, http.StatusBadRequest, es9.SubjectFunction, es9.ReasonMissing)
	})
	t.Run("old X-Admin-Protocol", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, strings.NewReader("{}"))
		req.Header.Set("X-Admin-Protocol", "gsma/rsp/v1.0.0")
		code, m, err := e.do(req)
		mustFail(t, "old protocol", code, m, err, http.StatusBadRequest, es9.SubjectFunction, es9.ReasonUnsupported)
	})
	t.Run("X-Admin-Protocol twice", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, strings.NewReader("{}"))
		req.Header.Add("X-Admin-Protocol", "gsma/rsp/v2.2.0")
		req.Header.Add("X-Admin-Protocol", "gsma/rsp/v9.0.0")
		code, m, err := e.do(req)
		mustFail(t, "protocol twice", code, m, err, http.StatusBadRequest, es9.SubjectFunction, es9.ReasonInvalidFormat)
	})
	// SGP.22 §6.5.1 names application/json;charset=UTF-8; lpac sends it
	// without the charset. Anything else is not read as JSON.
	for _, ct := range []struct {
		name string
		sent []string
		want int // 0: read as JSON, a function answer
	}{
		{"declared as SGP.22 names it", []string{es9.ContentType}, 0},
		{"declared without a charset", []string{"application/json"}, 0},
		{"not declared", nil, http.StatusUnsupportedMediaType},
		{"declared as a form", []string{"application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"declared in another charset", []string{"application/json;charset=ISO-8859-1"}, http.StatusUnsupportedMediaType},
		{"declared twice", []string{"application/json", "application/json"}, http.StatusUnsupportedMediaType},
	} {
		t.Run("Content-Type "+ct.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, strings.NewReader("{}"))
			req.Header.Set("X-Admin-Protocol", es9.AdminProtocol)
			for _, v := range ct.sent {
				req.Header.Add("Content-Type", v)
			}
			code, m, err := e.do(req)
			if ct.want == 0 {
				// Read as JSON: {} lacks the function's fields (SGP.22 1.2).
				mustFail(t, ct.name, code, m, err, http.StatusOK, es9.SubjectFunction, es9.ReasonMissing)
				return
			}
			mustFail(t, ct.name, code, m, err, ct.want, es9.SubjectFunction, es9.ReasonUnsupported)
		})
	}
	t.Run("unknown function", func(t *testing.T) {
		code, m, err := e.post("downloadOrder", []byte("{}"))
		mustFail(t, "unknown", code, m, err, http.StatusNotFound, es9.SubjectFunction, es9.ReasonUnknown)
	})
	t.Run("GET", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, "https://"+testHost+es9.PathPrefix+es9.FnCancelSession, nil)
		req.Header.Set("X-Admin-Protocol", es9.AdminProtocol)
		code, m, err := e.do(req)
		mustFail(t, "GET", code, m, err, http.StatusMethodNotAllowed, es9.SubjectFunction, es9.ReasonUnsupported)
	})
	t.Run("wrong smdpAddress", func(t *testing.T) {
		c := e.card(testEID, "")
		code, m, err := e.post(es9.FnInitiateAuthentication, map[string]string{"smdpAddress": "smdp.orange-fr.test",
			"euiccChallenge": enc(make([]byte, 16)), "euiccInfo1": enc(c.info1())})
		mustFail(t, "address", code, m, err, http.StatusOK, es9.SubjectSMDPAddress, es9.ReasonRefused)
	})
	// A peer's junk is quoted cut (maxQuoted): 800 KiB of U+0080 made a
	// 2.8 MB line of the event log (%q writes \u0080, JSON its backslash
	// again), which the log had to shorten.
	t.Run("an smdpAddress of junk", func(t *testing.T) {
		c := e.card(testEID, "")
		code, m, err := e.post(es9.FnInitiateAuthentication, map[string]string{"smdpAddress": strings.Repeat("\u0080", 400<<10),
			"euiccChallenge": enc(make([]byte, 16)), "euiccInfo1": enc(c.info1())})
		mustFail(t, "address", code, m, err, http.StatusOK, es9.SubjectSMDPAddress, es9.ReasonRefused)
		evs := e.log.Kind("es9_error")
		last := evs[len(evs)-1]
		line, err := last.MarshalJSON()
		if _, cut := last.Fields[eventlog.TruncatedKey]; err != nil || cut || len(line) > 4096 || !strings.HasPrefix(last.Str("message"), `smdpAddress "\u0080`) || !strings.Contains(last.Str("message"), `…" is not this SM-DP+`) {
			t.Errorf("es9_error: %d bytes (%v), message %.40q…, %s %v", len(line), err, last.Str("message"), eventlog.TruncatedKey, last.Fields[eventlog.TruncatedKey])
		}
	})
	// A host name compares without regard to case (RFC 4343; outside
	// tester sw86: an upper-case activation code's address refused).
	for _, addr := range []string{strings.ToUpper(testHost), "Smdp.Sfr.Test:443"} {
		t.Run("smdpAddress "+addr, func(t *testing.T) {
			c := e.card(testEID, "")
			code, m, err := e.post(es9.FnInitiateAuthentication, map[string]string{"smdpAddress": addr,
				"euiccChallenge": enc(make([]byte, 16)), "euiccInfo1": enc(c.info1())})
			if st, subj, rsn := status(m); err != nil || code != http.StatusOK || st != es9.StatusSuccess {
				t.Fatalf("got HTTP %d %s %s/%s (%v), want success", code, st, subj, rsn, err)
			}
		})
	}
	// euiccInfo1's two CI lists (SGP.22 §5.6.1): ForVerification must
	// name a CI CERT.DPauth chains to (8.8.4/3.7), ForSigning a CI this
	// SM-DP+ can verify the eUICC's chain with (8.8.2/3.1).
	testCI, otherCI := rsp.SubjectKeyID(thePKI(t).CI.X509), []byte{1, 2}
	for _, c := range []struct {
		name            string
		verify, sign    []byte
		subject, reason string // "" for success
	}{
		{"both lists name the test CI", testCI, testCI, "", ""},
		{"signing CI unknown", testCI, otherCI, es9.SubjectSecurityConf, es9.ReasonUnsupported},
		{"verification CI unknown", otherCI, testCI, es9.SubjectNoDPauthCert, es9.ReasonNoCertForCI},
		{"both unknown", otherCI, otherCI, es9.SubjectNoDPauthCert, es9.ReasonNoCertForCI},
	} {
		t.Run("CI lists: "+c.name, func(t *testing.T) {
			info := es10.EuiccInfo1{SVN: [3]byte{2, 2, 0}, CiPKIDVerify: [][]byte{c.verify}, CiPKIDSign: [][]byte{c.sign}}.Encode()
			code, m, err := e.post(es9.FnInitiateAuthentication, map[string]string{"smdpAddress": testHost,
				"euiccChallenge": enc(make([]byte, 16)), "euiccInfo1": enc(info)})
			if c.subject != "" {
				mustFail(t, "CI", code, m, err, http.StatusOK, c.subject, c.reason)
				return
			}
			if st, subj, rsn := status(m); err != nil || code != http.StatusOK || st != es9.StatusSuccess {
				t.Fatalf("got HTTP %d %s %s/%s (%v), want success", code, st, subj, rsn, err)
			}
		})
	}
	// The eUICC's SVN: SGP.22 v2 (any minor and revision) is served;
	// another release is refused 8.8.3/3.1.
	for _, c := range []struct {
		svn  [3]byte
		fail bool
	}{{[3]byte{2, 2, 0}, false}, {[3]byte{2, 3, 1}, false}, {[3]byte{1, 0, 0}, true}, {[3]byte{3, 0, 0}, true}} {
		t.Run(fmt.Sprintf("svn %d.%d.%d", c.svn[0], c.svn[1], c.svn[2]), func(t *testing.T) {
			info := es10.EuiccInfo1{SVN: c.svn, CiPKIDVerify: [][]byte{testCI}, CiPKIDSign: [][]byte{testCI}}.Encode()
			code, m, err := e.post(es9.FnInitiateAuthentication, map[string]string{"smdpAddress": testHost,
				"euiccChallenge": enc(make([]byte, 16)), "euiccInfo1": enc(info)})
			if c.fail {
				mustFail(t, "SVN", code, m, err, http.StatusOK, es9.SubjectSVN, es9.ReasonUnsupported)
				return
			}
			if st, subj, rsn := status(m); err != nil || code != http.StatusOK || st != es9.StatusSuccess {
				t.Fatalf("got HTTP %d %s %s/%s (%v), want success", code, st, subj, rsn, err)
			}
		})
	}
	t.Run("short challenge", func(t *testing.T) {
		c := e.card(testEID, "")
		code, m, err := e.post(es9.FnInitiateAuthentication, map[string]string{"smdpAddress": testHost,
			"euiccChallenge": enc(make([]byte, 8)), "euiccInfo1": enc(c.info1())})
		mustFail(t, "challenge", code, m, err, http.StatusOK, es9.SubjectFunction, es9.ReasonInvalidFormat)
	})
}

// FuzzES9 posts arbitrary bodies to every function: the answer is always
// the ES9+ envelope (or 204 for an accepted notification), never a panic.
func FuzzES9(f *testing.F) {
	p := thePKI(f)
	srv, err := New(Config{Operator: testOp, Host: testHost, CI: p.CI.X509, Certs: p.SMDP[testOp],
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		f.Fatal(err)
	}
	seeds := []string{
		`{}`, `null`, `[]`, `{"transactionId":"00"}`, `{"pendingNotification":"vzcA"}`,
		`{"smdpAddress":"smdp.sfr.test","euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA"}`,
		`{"transactionId":"0123","authenticateServerResponse":"vziBAKA="}`,
		`{"transactionId":"0123","prepareDownloadResponse":"vyEDoQEA"}`,
		`{"transactionId":"0123","cancelSessionResponse":"v0EDgQF/"}`,
		`{"pendingNotification":"MIIBAA=="}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, fnIdx uint8, body []byte) {
		fn := allFunctions[int(fnIdx)%len(allFunctions)]
		req := httptest.NewRequest(http.MethodPost, es9.PathPrefix+fn, bytes.NewReader(body))
		req.Header.Set("X-Admin-Protocol", es9.AdminProtocol)
		req.Header.Set("Content-Type", es9.ContentType)
		rec := httptest.NewRecorder()
		srv.serveHTTP(rec, req)
		if rec.Code == http.StatusNoContent {
			return
		}
		if rec.Code != http.StatusOK {
			t.Fatalf("HTTP %d", rec.Code)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("answer is not JSON: %q", rec.Body.Bytes())
		}
		if st, _, _ := status(m); st != es9.StatusFailed && st != es9.StatusSuccess {
			t.Fatalf("status %q", st)
		}
	})
}

// TestHTTPFraming: a request that is no whole HTTP message — a body over
// the limit, a broken chunked encoding — is refused at the HTTP layer
// (413, 400: RFC 9110 §15.5, RFC 9112 §7.1) in the ES9+ envelope, not in
// SGP.22's 200 for a function's failure (outside testers sw74, sw100); a
// client that asks "Expect: 100-continue" for a body over the limit is
// told so before it sends it.
func TestHTTPFraming(t *testing.T) {
	e := newEnv(t)
	big := `{"x":"` + strings.Repeat("A", es9.MaxBody) + `"}`
	for _, tc := range []struct {
		name string
		body io.Reader
	}{
		{"over the limit, its length said", strings.NewReader(big)},
		{"over the limit, chunked", io.MultiReader(strings.NewReader(big))}, // no length: chunked
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "https://"+testHost+es9.PathPrefix+es9.FnInitiateAuthentication, tc.body)
			req.Header.Set("X-Admin-Protocol", es9.AdminProtocol)
			req.Header.Set("Content-Type", es9.ContentType)
			code, m, err := e.do(req)
			mustFail(t, tc.name, code, m, err, http.StatusRequestEntityTooLarge, es9.SubjectFunction, es9.ReasonInvalidFormat)
		})
	}
	raw := func(t *testing.T, request string) string {
		t.Helper()
		cfg := e.client.Transport.(*http.Transport).TLSClientConfig.Clone()
		conn, err := tls.Dial("tcp", e.srv.Addr().String(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, request); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(line)
	}
	head := "POST " + es9.PathPrefix + es9.FnInitiateAuthentication + " HTTP/1.1\r\nHost: " + testHost +
		"\r\nX-Admin-Protocol: " + es9.AdminProtocol + "\r\nContent-Type: " + es9.ContentType + "\r\n"
	t.Run("a broken chunk", func(t *testing.T) {
		if got := raw(t, head+"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"); got != "HTTP/1.1 400 Bad Request" {
			t.Errorf("status line %q, want 400", got)
		}
	})
	t.Run("100-continue over the limit", func(t *testing.T) {
		// Headers alone: the client waits for 100 before the body.
		req := head + "Content-Length: " + strconv.Itoa(es9.MaxBody+1) + "\r\nExpect: 100-continue\r\n\r\n"
		if got := raw(t, req); got != "HTTP/1.1 413 Request Entity Too Large" {
			t.Errorf("status line %q, want 413 before any 100 Continue", got)
		}
	})
}

// TestDeclaredLengthOverTheLimit: a Content-Length far over the limit is
// refused at once, not after the read timeout waiting for bytes the
// client will not send (outside tester sw110: 10^12 declared, 408 after
// 30 s).
func TestDeclaredLengthOverTheLimit(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.Limits = httpserve.Limits{Read: 20 * time.Second, Write: 20 * time.Second} })
	cfg := e.client.Transport.(*http.Transport).TLSClientConfig.Clone()
	conn, err := tls.Dial("tcp", e.srv.Addr().String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST %s%s HTTP/1.1\r\nHost: %s\r\nX-Admin-Protocol: %s\r\nContent-Type: %s\r\nContent-Length: 1000000000000\r\n\r\n{",
		es9.PathPrefix, es9.FnInitiateAuthentication, testHost, es9.AdminProtocol, es9.ContentType)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "HTTP/1.1 413 Request Entity Too Large" {
		t.Errorf("status line %q (%v), want 413 at once", line, err)
	}
}
