package platform

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

const otherEID = "89049032000001000000000000000947"

func TestCanonicalBytes(t *testing.T) {
	got := string(platformapi.CanonicalBytes("POST", platformapi.PathDownload, 7, []byte(`{"a":1}`)))
	if want := "POST\n/v1/download\n7\n{\"a\":1}"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestAuthentication runs signed (and forged) requests against a platform
// with request authentication on.
func TestAuthentication(t *testing.T) {
	pki := newTestPKI(t)
	body := listBody("20801", "")
	sign := func(c *testCert, eum *testCert, path string, seq uint64, b string) http.Header {
		h, err := SignRequest(c.key, c.der, eum.der, "POST", path, seq, []byte(b))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	type step struct {
		path    string
		body    string
		header  func() http.Header
		status  int
		wantErr string
	}
	good := func(seq uint64) func() http.Header {
		return func() http.Header { return sign(pki.euicc, pki.eum, platformapi.PathPreferredList, seq, body) }
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"good", []step{{header: good(1), status: 200}}},
		{"increasing seq", []step{{header: good(1), status: 200}, {header: good(2), status: 200}, {header: good(10), status: 200}}},
		{"replay", []step{{header: good(5), status: 200}, {header: good(5), status: 401, wantErr: "auth: replay: seq 5 not above 5"}}},
		{"lower seq", []step{{header: good(5), status: 200}, {header: good(4), status: 401, wantErr: "replay"}}},
		{"refused request does not consume seq", []step{
			{header: func() http.Header {
				h := good(3)()
				h.Set(platformapi.HeaderSignature, base64.StdEncoding.EncodeToString(make([]byte, 64)))
				return h
			}, status: 401, wantErr: "signature"},
			{header: good(3), status: 200},
		}},
		{"bad signature", []step{{header: func() http.Header {
			h := good(1)()
			sig, _ := base64.StdEncoding.DecodeString(h.Get(platformapi.HeaderSignature))
			sig[10] ^= 1
			h.Set(platformapi.HeaderSignature, base64.StdEncoding.EncodeToString(sig))
			return h
		}, status: 401, wantErr: "auth: signature"}}},
		{"signature over another body", []step{{body: strings.Replace(body, "20801", "20810", 1), header: good(1), status: 401, wantErr: "auth: signature"}}},
		{"signature over another path", []step{{header: func() http.Header { return sign(pki.euicc, pki.eum, platformapi.PathNotifications, 1, body) }, status: 401, wantErr: "auth: signature"}}},
		{"signature for another seq", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderSeq, "2"); return h }, status: 401, wantErr: "auth: signature"}}},
		{"unknown CI", []step{{header: func() http.Header { return sign(pki.rogueEU, pki.rogueEUM, platformapi.PathPreferredList, 1, body) }, status: 401, wantErr: "known CI"}}},
		{"eUICC key with rogue chain", []step{{header: func() http.Header { return sign(pki.euicc, pki.rogueEUM, platformapi.PathPreferredList, 1, body) }, status: 401, wantErr: "auth: certificate chain"}}},
		{"EID outside the EUM range", []step{{body: strings.Replace(body, testEID, otherEID2, 1), header: func() http.Header {
			return sign(pki.outOfRange, pki.eum, platformapi.PathPreferredList, 1, strings.Replace(body, testEID, otherEID2, 1))
		}, status: 401, wantErr: "EID outside"}}},
		{"EID mismatch", []step{{body: strings.Replace(body, testEID, otherEID, 1), header: func() http.Header {
			return sign(pki.euicc, pki.eum, platformapi.PathPreferredList, 1, strings.Replace(body, testEID, otherEID, 1))
		}, status: 401, wantErr: "is not the certificate's " + testEID}}},
		{"missing seq", []step{{header: func() http.Header { h := good(1)(); h.Del(platformapi.HeaderSeq); return h }, status: 401, wantErr: "missing header X-Esimhil-Seq"}}},
		{"missing certificates", []step{{header: func() http.Header { h := good(1)(); h.Del(platformapi.HeaderCertificates); return h }, status: 401, wantErr: "missing header X-Esimhil-Certificates"}}},
		{"missing signature", []step{{header: func() http.Header { h := good(1)(); h.Del(platformapi.HeaderSignature); return h }, status: 401, wantErr: "missing header X-Esimhil-Signature"}}},
		{"no headers", []step{{header: func() http.Header { return http.Header{} }, status: 401, wantErr: "missing header"}}},
		{"seq not decimal", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderSeq, "0x1"); return h }, status: 401, wantErr: "want a decimal number"}}},
		{"seq leading zero", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderSeq, "01"); return h }, status: 401, wantErr: "want a decimal number"}}},
		{"seq overflow", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderSeq, "99999999999999999999"); return h }, status: 401, wantErr: "out of range"}}},
		{"seq beyond uint64", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderSeq, "99999999999999999999999"); return h }, status: 401, wantErr: "header X-Esimhil-Seq: 99999999999999999999999 out of range (at most 9223372036854775807)"}}},
		{"largest uint64 seq refused, the EID not locked out", []step{
			{header: good(math.MaxUint64), status: 401, wantErr: "header X-Esimhil-Seq: 18446744073709551615 out of range (at most 9223372036854775807)"},
			{header: good(1), status: 200},
		}},
		{"largest seq refused on first contact", []step{
			{header: good(platformapi.MaxSeq), status: 401, wantErr: "seq 9223372036854775807 more than 4294967296 above 0 (none accepted yet for " + testEID + ")"},
			{header: good(1), status: 200},
		}},
		{"seq jumping too far", []step{
			{header: good(5), status: 200},
			{header: good(5 + platformapi.MaxSeqStep + 1), status: 401, wantErr: "seq 4294967302 more than 4294967296 above 5, the last accepted for " + testEID},
			{header: good(5 + platformapi.MaxSeqStep), status: 200},
		}},
		{"one certificate", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderCertificates, "AAAA"); return h }, status: 401, wantErr: "got 1 parts"}}},
		{"certificate not base64", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderCertificates, "!!,AAAA"); return h }, status: 401, wantErr: "not base64"}}},
		{"certificate garbage", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderCertificates, "AAAA,AAAA"); return h }, status: 401, wantErr: "certificate chain"}}},
		{"short signature", []step{{header: func() http.Header { h := good(1)(); h.Set(platformapi.HeaderSignature, "AAAA"); return h }, status: 401, wantErr: "3 bytes, want 64"}}},
	}
	// The body is checked on its own before the request is authenticated: a
	// malformed body, or a well-formed one with a bad eid, is a 400 whether
	// it is signed or not, and consumes no seq.
	signedBody := func(b string, seq uint64) func() http.Header {
		return func() http.Header { return sign(pki.euicc, pki.eum, platformapi.PathPreferredList, seq, b) }
	}
	unsigned := func() http.Header { return http.Header{} }
	for _, bad := range []struct{ name, body, wantErr string }{
		{"empty body", ` `, "malformed JSON: no value"},
		{"empty JSON string", `""`, "malformed JSON: want an object, got a string"},
		{"open brace", `{`, "malformed JSON: unexpected EOF"},
		{"array", `[]`, "malformed JSON: want an object, got an array"},
		{"string", `"x"`, "malformed JSON: want an object, got a string"},
		{"cut after a key", `{"eid":`, "malformed JSON: unexpected EOF"},
		{"short eid", strings.Replace(body, testEID, "8904", 1), `eid: want 32 decimal digits, got "8904"`},
		{"eid missing", `{"iccid":"89860000000000000019","home_plmn":"46000","serving_plmn":"20801"}`, `eid: required`},
	} {
		tests = append(tests,
			struct {
				name  string
				steps []step
			}{"signed " + bad.name + " is 400", []step{
				{body: bad.body, header: signedBody(bad.body, 3), status: 400, wantErr: bad.wantErr},
				{header: good(3), status: 200}, // seq 3 still free
			}},
			struct {
				name  string
				steps []step
			}{"unsigned " + bad.name + " is 400", []step{{body: bad.body, header: unsigned, status: 400, wantErr: bad.wantErr}}},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, lg := newTestServer(t, func(c *Config) { c.CI = pki.ci.x509 })
			for i, st := range tc.steps {
				path, b := st.path, st.body
				if path == "" {
					path = platformapi.PathPreferredList
				}
				if b == "" {
					b = body
				}
				req := cardRequest("POST", path, b)
				for k, v := range st.header() {
					req.Header[k] = v
				}
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, req)
				if rec.Code != st.status {
					t.Fatalf("step %d: status %d, want %d: %s", i, rec.Code, st.status, rec.Body)
				}
				var e platformapi.ErrorResponse
				if json.Unmarshal(rec.Body.Bytes(), &e); !strings.Contains(e.Error, st.wantErr) {
					t.Errorf("step %d: body %s, want %q", i, rec.Body, st.wantErr)
				}
				if st.status != 401 && rec.Header().Get("WWW-Authenticate") != "" {
					t.Errorf("step %d: WWW-Authenticate on a %d", i, st.status)
				}
				if st.status == 401 {
					if rec.Header().Get("WWW-Authenticate") != platformapi.AuthScheme {
						t.Errorf("step %d: no WWW-Authenticate", i)
					}
					ev := lg.Kind("request_rejected")
					if len(ev) == 0 || ev[len(ev)-1].Get("status") != 401 {
						t.Errorf("step %d: no request_rejected 401 event: %v", i, ev)
					}
				}
			}
		})
	}
}

// TestAuthOffWithoutCI keeps the old behaviour: unsigned requests pass.
func TestAuthOffWithoutCI(t *testing.T) {
	s, _ := newTestServer(t, nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathPreferredList, listBody("20801", "")))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// TestAuthExpiredAtVirtualTime checks validity against the platform clock.
func TestAuthExpiredAtVirtualTime(t *testing.T) {
	pki := newTestPKI(t)
	s, _ := newTestServer(t, func(c *Config) { c.CI = pki.ci.x509; c.Clock = clock.NewVirtual(notAfter.AddDate(1, 0, 0)) })
	body := listBody("20801", "")
	h, err := SignRequest(pki.euicc.key, pki.euicc.der, pki.eum.der, "POST", platformapi.PathPreferredList, 1, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req := cardRequest("POST", platformapi.PathPreferredList, body)
	for k, v := range h {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), "certificate chain") {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// TestMoreCIs: a card whose chain ends at a further trusted CI is accepted;
// the first error is reported when no CI fits.
func TestMoreCIs(t *testing.T) {
	pki := newTestPKI(t)
	body := listBody("20801", "")
	h, err := SignRequest(pki.rogueEU.key, pki.rogueEU.der, pki.rogueEUM.der, "POST", platformapi.PathPreferredList, 1, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		more   bool
		status int
	}{{"rogue CI trusted as a further CI", true, 200}, {"rogue CI unknown", false, 401}} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, func(c *Config) {
				c.CI = pki.ci.x509
				if tc.more {
					c.MoreCIs = []*x509.Certificate{pki.rogueCI.x509}
				}
			})
			req := cardRequest("POST", platformapi.PathPreferredList, body)
			for k, v := range h {
				req.Header[k] = v
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
		})
	}
}

// A signed request recorded from one run is refused by a platform started
// again from the counters the first one handed to OnReplay (issue 9 §5:
// replay across restarts); a counter that cannot be stored refuses the
// request instead of serving it unrecorded.
func TestReplayCountersSurviveARestart(t *testing.T) {
	pki := newTestPKI(t)
	body := listBody("20801", "")
	h, err := SignRequest(pki.euicc.key, pki.euicc.der, pki.eum.der, "POST", platformapi.PathPreferredList, 7, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	send := func(s *Server) *httptest.ResponseRecorder {
		req := cardRequest("POST", platformapi.PathPreferredList, body)
		for k, v := range h.Clone() {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	var stored map[string]uint64
	first, _ := newTestServer(t, func(c *Config) {
		c.CI = pki.ci.x509
		c.OnReplay = func(m map[string]uint64) error { stored = m; return nil }
	})
	if rec := send(first); rec.Code != 200 {
		t.Fatalf("first run: %d %s", rec.Code, rec.Body)
	}
	if stored[testEID] != 7 {
		t.Fatalf("stored counters %v", stored)
	}
	again, _ := newTestServer(t, func(c *Config) { c.CI = pki.ci.x509; c.ReplayCounters = stored })
	if rec := send(again); rec.Code != 401 || !strings.Contains(rec.Body.String(), "replay: seq 7 not above 7") {
		t.Fatalf("replayed into a restarted platform: %d %s", rec.Code, rec.Body)
	}
	broken, _ := newTestServer(t, func(c *Config) {
		c.CI = pki.ci.x509
		c.OnReplay = func(map[string]uint64) error { return errors.New("disk full") }
	})
	if rec := send(broken); rec.Code != 500 || !strings.Contains(rec.Body.String(), "replay counter not stored: disk full") {
		t.Fatalf("unstored counter: %d %s", rec.Code, rec.Body)
	}
	if _, err := New(Config{ReplayCounters: map[string]uint64{"x": 1}}); err == nil {
		t.Error("a counter for a non-EID was accepted")
	}
	// A counter kept before the bound (2^64-1 from a buggy client) would
	// refuse the card for good: refused, and said why.
	_, err = New(Config{ReplayCounters: map[string]uint64{testEID: math.MaxUint64}})
	if err == nil || err.Error() != `platform config: ReplayCounters["`+testEID+`"]: 18446744073709551615 above 9223372036854775807, the largest seq the platform accepts (remove the entry: the card starts over)` {
		t.Errorf("counter above MaxSeq: %v", err)
	}
}

// SignRequest signs a request as the card does (platformapi's canonical
// bytes, SGP.22 r‖s signature) and returns its authentication headers.
func SignRequest(key *ecdsa.PrivateKey, euiccDER, eumDER []byte, method, path string, seq uint64, body []byte) (http.Header, error) {
	sig, err := rsp.Sign(key, platformapi.CanonicalBytes(method, path, seq, body))
	if err != nil {
		return nil, err
	}
	return platformapi.AuthHeaders(seq, euiccDER, eumDER, sig), nil
}
