package smdp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/proto/es9"
)

// ES2+ DownloadOrder then ConfirmOrder (SGP.22 §5.3.1–5.3.2, JSON
// binding §6.5.2) release an order the card then finds by its matching
// ID, as Order does in one call; what is not emulated is refused with
// its subject and reason codes.
func TestES2Order(t *testing.T) {
	srv := newES2Server(t)
	const eid, hdr = es2EID, es2Header
	call := func(fn, body string) (map[string]any, string) {
		t.Helper()
		m := es2Call(t, srv, fn, body)
		st, subj, reason := status(m)
		if st == es9.StatusSuccess {
			return m, ""
		}
		return m, subj + "/" + reason
	}
	dl, code := call(FnDownloadOrder, `{`+hdr+`,"eid":"`+eid+`"}`)
	iccid, _ := dl["iccid"].(string)
	if code != "" || iccid == "" {
		t.Fatalf("downloadOrder: %s %v", code, dl)
	}
	for _, tc := range []struct{ name, fn, body, want string }{
		{"no header", FnDownloadOrder, `{"eid":"` + eid + `"}`, es9.SubjectFunction + "/" + es9.ReasonMissing},
		{"a misspelt member", FnDownloadOrder, `{` + hdr + `,"EID":"` + eid + `"}`, es9.SubjectFunction + "/" + es9.ReasonInvalidFormat},
		{"a bad EID", FnDownloadOrder, `{` + hdr + `,"eid":"8904"}`, es9.SubjectEID + "/" + es9.ReasonInvalidFormat},
		{"a chosen ICCID", FnDownloadOrder, `{` + hdr + `,"iccid":"8933019000000000011"}`, subjICCID + "/" + es9.ReasonUnsupported},
		{"an unknown ICCID", FnConfirmOrder, `{` + hdr + `,"iccid":"8933019000000000003","releaseFlag":true}`, subjICCID + "/" + es9.ReasonUnknown},
		{"an ICCID that is not one", FnConfirmOrder, `{` + hdr + `,"iccid":"1","releaseFlag":true}`, subjICCID + "/" + es9.ReasonInvalidFormat},
		{"an ICCID failing its Luhn digit", FnConfirmOrder, `{` + hdr + `,"iccid":"8933019000000000018","releaseFlag":true}`, subjICCID + "/" + es9.ReasonInvalidFormat},
		{"a chosen ICCID failing its Luhn digit", FnDownloadOrder, `{` + hdr + `,"iccid":"8933019000000000018"}`, subjICCID + "/" + es9.ReasonInvalidFormat},
		{"another EID", FnConfirmOrder, `{` + hdr + `,"iccid":"` + iccid + `","eid":"89049032000001000000000000000268","releaseFlag":true}`, es9.SubjectEID + "/" + es9.ReasonRefused},
		{"not released", FnConfirmOrder, `{` + hdr + `,"iccid":"` + iccid + `","releaseFlag":false}`, es9.SubjectFunction + "/" + es9.ReasonUnsupported},
		{"no releaseFlag", FnConfirmOrder, `{` + hdr + `,"iccid":"` + iccid + `"}`, es9.SubjectFunction + "/" + es9.ReasonMissing},
		{"a matchingId no activation code carries", FnConfirmOrder, `{` + hdr + `,"iccid":"` + iccid + `","matchingId":"a$b c","releaseFlag":true}`, es9.SubjectMatchingID + "/" + es9.ReasonInvalidFormat},
		{"a lower-case matchingId", FnConfirmOrder, `{` + hdr + `,"iccid":"` + iccid + `","matchingId":"abc-1","releaseFlag":true}`, es9.SubjectMatchingID + "/" + es9.ReasonInvalidFormat},
		{"an unknown function", "releaseProfile", `{` + hdr + `}`, es9.SubjectFunction + "/" + es9.ReasonUnknown},
	} {
		if _, code := call(tc.fn, tc.body); code != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, code, tc.want)
		}
	}
	co, code := call(FnConfirmOrder, `{`+hdr+`,"iccid":"`+iccid+`","releaseFlag":true}`)
	mid, _ := co["matchingId"].(string)
	if code != "" || mid == "" || co["smdpAddress"] != testHost || co["eid"] != eid {
		t.Fatalf("confirmOrder: %s %v", code, co)
	}
	srv.mu.Lock()
	o, err := srv.findOrder(mid, eid)
	srv.mu.Unlock()
	if err != nil || o.profile.ICCID != iccid {
		t.Errorf("the card's matching ID %s: %v", mid, err)
	}
	// Confirmed once: the ICCID is in use by its order (TestConfirmOrderTwice).
	if _, code := call(FnConfirmOrder, `{`+hdr+`,"iccid":"`+iccid+`","releaseFlag":true}`); code != subjICCID+"/"+es9.ReasonAlreadyUsed {
		t.Errorf("a second confirmOrder: %s", code)
	}
	// A matching ID of the caller's, and an EID given only at confirmation.
	dl, _ = call(FnDownloadOrder, `{`+hdr+`}`)
	co, code = call(FnConfirmOrder, fmt.Sprintf(`{%s,"iccid":%q,"eid":%q,"matchingId":"MINE-1","releaseFlag":true}`, hdr, dl["iccid"], eid))
	if code != "" || co["matchingId"] != "MINE-1" {
		t.Errorf("confirmOrder with a matchingId: %s %v", code, co)
	}
}

// A profile confirmed (or ordered by Order) is answered as in use by its
// order, in whatever state the order is now, never as unknown (outside
// tester t71 F12: "no profile reserved by downloadOrder" of a profile
// that was reserved and confirmed).
func TestConfirmOrderTwice(t *testing.T) {
	const eid, hdr = es2EID, es2Header
	for _, tc := range []struct {
		name  string
		order func(t *testing.T, srv *Server) (iccid, matchingID string) // an order released
		state string                                                     // the order's state before the second confirmation
		want  string
	}{
		{"confirmed", func(t *testing.T, srv *Server) (string, string) {
			iccid, _ := es2Call(t, srv, FnDownloadOrder, `{`+hdr+`,"eid":"`+eid+`"}`)["iccid"].(string)
			mid, _ := es2Call(t, srv, FnConfirmOrder, `{`+hdr+`,"iccid":"`+iccid+`","releaseFlag":true}`)["matchingId"].(string)
			return iccid, mid
		}, "", "released"},
		{"confirmed and downloaded", func(t *testing.T, srv *Server) (string, string) {
			iccid, _ := es2Call(t, srv, FnDownloadOrder, `{`+hdr+`,"eid":"`+eid+`"}`)["iccid"].(string)
			mid, _ := es2Call(t, srv, FnConfirmOrder, `{`+hdr+`,"iccid":"`+iccid+`","matchingId":"MINE-2","releaseFlag":true}`)["matchingId"].(string)
			return iccid, mid
		}, "downloaded", "downloaded"},
		{"ordered by the platform's call", func(t *testing.T, srv *Server) (string, string) {
			_, mid, err := srv.Order(eid)
			if err != nil {
				t.Fatal(err)
			}
			return srv.orders[mid].profile.ICCID, mid
		}, "installed", "installed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newES2Server(t)
			iccid, mid := tc.order(t, srv)
			if o := srv.orders[mid]; o == nil || o.profile.ICCID != iccid {
				t.Fatalf("no order %s of ICCID %s", mid, iccid)
			}
			if tc.state != "" {
				srv.mu.Lock()
				srv.setState(srv.orders[mid], tc.state)
				srv.mu.Unlock()
			}
			m := es2Call(t, srv, FnConfirmOrder, `{`+hdr+`,"iccid":"`+iccid+`","releaseFlag":true}`)
			st, subj, reason := status(m)
			var msg string
			if h, ok := m["header"].(map[string]any); ok {
				if f, ok := h["functionExecutionStatus"].(map[string]any); ok {
					if d, ok := f["statusCodeData"].(map[string]any); ok {
						msg, _ = d["message"].(string)
					}
				}
			}
			if st != es9.StatusFailed || subj != subjICCID || reason != es9.ReasonAlreadyUsed ||
				!strings.Contains(msg, "already confirmed") || !strings.Contains(msg, "(order "+tc.want+")") {
				t.Errorf("second confirmOrder: %s %s/%s %q, want Failed %s/%s naming the order %s", st, subj, reason, msg, subjICCID, es9.ReasonAlreadyUsed, tc.want)
			}
		})
	}
}

// The EID and the ES2+ request header the ES2+ tests order with.
const (
	es2EID    = "89049032000001000000000000000171"
	es2Header = `"header":{"functionRequesterIdentifier":"platform","functionCallIdentifier":"1"}`
)

// newES2Server is an SM-DP+ whose ES2+ routes the tests call straight
// (es2Call), its clock standing still.
func newES2Server(t *testing.T) *Server {
	t.Helper()
	p := thePKI(t)
	srv, err := New(Config{Operator: testOp, Host: testHost, CI: p.CI.X509, Certs: p.SMDP[testOp],
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// es2Call answers one ES2+ request and returns its decoded body.
func es2Call(t *testing.T, srv *Server, fn, body string) map[string]any {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, ES2PathPrefix+fn, strings.NewReader(body))
	req.Header.Set("X-Admin-Protocol", es9.AdminProtocol)
	req.Header.Set("Content-Type", es9.ContentType)
	rec := httptest.NewRecorder()
	srv.serveHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: %v: %s", fn, err, rec.Body.String())
	}
	return m
}
