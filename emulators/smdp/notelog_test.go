package smdp

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// Every handleNotification request is in the SM-DP+'s notification log
// with what became of it — taken, a duplicate, discarded (acknowledged 204
// all the same: SGP.22 gives the function no error) or refused — served
// at smdplog.Path beside ES9+, so a peer can tell a taken notification
// from a discarded one (outside tester t71 F1: both were a bare 204, and
// nothing anywhere said which).
func TestNotificationLog(t *testing.T) {
	e := newEnv(t)
	c, _ := e.packageSent(t)
	forged := c.installResult(2, true)
	forged[len(forged)-3] ^= 1 // in euiccSignPIR
	steps := []struct {
		name string
		body string
		want smdplog.Entry
	}{
		{"install result", `{"pendingNotification":"` + enc(c.installResult(1, true)) + `"}`,
			smdplog.Entry{Status: 204, Outcome: smdplog.Taken, Kind: "install", Seq: 1, ICCID: c.meta.ICCID, EID: testEID, OK: new(true)}},
		{"the same again", `{"pendingNotification":"` + enc(c.installResult(1, true)) + `"}`,
			smdplog.Entry{Status: 204, Outcome: smdplog.Duplicate, Kind: "install", Seq: 1, ICCID: c.meta.ICCID, EID: testEID}},
		{"a forged signature", `{"pendingNotification":"` + enc(forged) + `"}`,
			smdplog.Entry{Status: 204, Outcome: smdplog.Discarded, Kind: "install", Seq: 2, ICCID: c.meta.ICCID, EID: testEID,
				Subject: es9.SubjectEUICC, Reason: es9.ReasonVerifyFailed, Error: "euiccSignPIR does not verify"}},
		{"not a notification", `{"pendingNotification":"AAAA"}`,
			smdplog.Entry{Status: 204, Outcome: smdplog.Discarded, Subject: es9.SubjectFunction, Reason: es9.ReasonInvalidFormat}},
		{"malformed JSON", `{"pendingNotification":`,
			smdplog.Entry{Status: 200, Outcome: smdplog.Refused, Subject: es9.SubjectFunction, Reason: es9.ReasonInvalidFormat}},
	}
	for _, st := range steps {
		e.post(es9.FnHandleNotification, []byte(st.body))
	}
	e.post(es9.FnInitiateAuthentication, []byte(`{}`)) // not a notification: not in the log
	page := e.notificationLog(t, "?offset=0&limit=10")
	if *page.Total != len(steps) || page.Dropped != 0 || *page.Offset != 0 || page.Next != nil || len(page.Entries) != len(steps) {
		t.Fatalf("page %+v, want the %d notifications", page, len(steps))
	}
	for i, st := range steps {
		got := page.Entries[i]
		if got.Index != i || got.Time.IsZero() || got.BodySize != len(st.body) || got.BodySHA256 == "" {
			t.Errorf("%s: entry %+v", st.name, got)
		}
		if st.want.Error == "" {
			got.Error = "" // the decoder's words, checked elsewhere
		}
		got.Index, got.Time, got.BodySize, got.BodySHA256 = 0, st.want.Time, 0, ""
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(st.want)
		if string(gb) != string(wb) {
			t.Errorf("%s: entry %s, want %s", st.name, gb, wb)
		}
	}
	// Pages: from an offset, of a limit.
	if p := e.notificationLog(t, "?offset=3&limit=1"); len(p.Entries) != 1 || p.Entries[0].Index != 3 || p.Next == nil || *p.Next != 4 {
		t.Errorf("page from 3 of 1: %+v", p)
	}
}

// The log route's refusals, in JSON; it is no ES9+ function, and ES9+'s
// routes answer as before beside it.
func TestNotificationLogRefusals(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, method, query string
		status              int
		want                string
	}{
		{"a POST", http.MethodPost, "", http.StatusMethodNotAllowed, "method POST: GET the log"},
		{"limit 0", http.MethodGet, "?limit=0", http.StatusBadRequest, `limit: want 1..1000, got "0"`},
		{"limit over the most", http.MethodGet, "?limit=1001", http.StatusBadRequest, `limit: want 1..1000, got "1001"`},
		{"an offset past the log", http.MethodGet, "?offset=1", http.StatusBadRequest, `offset: want 0..0 (entries so far), got "1"`},
		{"an offset with a sign", http.MethodGet, "?offset=%2B0", http.StatusBadRequest, `offset: want 0..0 (entries so far), got "+0"`},
		{"an unknown parameter", http.MethodGet, "?foo=1", http.StatusBadRequest, `query: unknown parameter "foo" (want offset, limit)`},
		{"a parameter twice", http.MethodGet, "?limit=1&limit=2", http.StatusBadRequest, `limit: given 2 times, want once`},
		// Two faults: refused for the same one every time, as the
		// platform's route refuses it (r85 #2: the SM-DP+ walked its map).
		{"two unknown parameters", http.MethodGet, "?b=1&a=2", http.StatusBadRequest, `query: unknown parameter "a" (want offset, limit)`},
		{"twice and unknown", http.MethodGet, "?offset=0&offset=0&zz=1&limit=1&limit=1", http.StatusBadRequest, `limit: given 2 times, want once`},
		{"the first page", http.MethodGet, "", http.StatusOK, ""},
		{"HEAD", http.MethodHead, "", http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Asked again and again: a map walked in its random order
			// would name another fault some time.
			for range 20 {
				req, _ := http.NewRequest(tc.method, "https://"+testHost+smdplog.Path+tc.query, nil)
				resp, err := e.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Date") == "" {
					t.Fatalf("%d %q %s, want %d in JSON", resp.StatusCode, resp.Header.Get("Content-Type"), b, tc.status)
				}
				if tc.want != "" {
					var er smdplog.ErrorAnswer
					if err := json.Unmarshal(b, &er); err != nil || er.Error != tc.want {
						t.Fatalf("error %s, want %q", b, tc.want)
					}
				}
				if tc.method == http.MethodPost && resp.Header.Get("Allow") != "GET, HEAD" {
					t.Errorf("Allow %q", resp.Header.Get("Allow"))
				}
			}
		})
	}
	// ES9+ beside it: an unknown function is still ES9+'s 404.
	code, m, err := e.post("inspect", []byte(`{}`))
	mustFail(t, "an unknown ES9+ function", code, m, err, http.StatusNotFound, es9.SubjectFunction, es9.ReasonUnknown)
	if !strings.HasPrefix(smdplog.Path, "/esimhil/") || strings.HasPrefix(smdplog.Path, "/gsma/") {
		t.Errorf("the log's route %s is in SGP.22's namespace", smdplog.Path)
	}
}

// notificationLog reads a page of the log as the fleet does.
func (e *env) notificationLog(t *testing.T, query string) smdplog.Page {
	t.Helper()
	resp, err := e.client.Get("https://" + testHost + smdplog.Path + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", smdplog.Path+query, resp.StatusCode, b)
	}
	p, err := smdplog.DecodePage(b)
	if err != nil {
		t.Fatalf("GET %s: %v: %s", smdplog.Path+query, err, b)
	}
	return p
}

// The ES9+ function table's handleNotification is the one serveHTTP
// calls, filling the entry it is given (r85 #13: the table held a second
// one, which filled a throw-away entry).
func TestHandlersFillTheNote(t *testing.T) {
	e := newEnv(t)
	c, _ := e.packageSent(t)
	for _, tc := range []struct {
		name, body string
		kind       string
	}{
		{"an install result", `{"pendingNotification":"` + enc(c.installResult(1, true)) + `"}`, "install"},
		{"not a notification", `{"pendingNotification":"AAAA"}`, ""},
	} {
		var note smdplog.Entry
		e.srv.handlers(&note)[es9.FnHandleNotification](nil, []byte(tc.body)) // its answer: serveHTTP's (204 either way)
		if note.Kind != tc.kind || tc.kind != "" && (note.ICCID != c.meta.ICCID || note.EID != testEID) {
			t.Errorf("%s: entry %+v, want kind %q of the card", tc.name, note, tc.kind)
		}
	}
}

// A body the client cut short is logged as read, in both of the SM-DP+'s
// logs: its size counts the bytes that came and no hash is given, as on
// the platform (outside tester t86 F5: body_size 0 for 7 bytes read).
func TestBodyAsReadLogged(t *testing.T) {
	whole := `{"pendingNotification":"AAAA"}`
	for _, tc := range []struct {
		name     string
		declared int    // Content-Length
		sent     string // what the client sends before it closes its side
		status   int
		size     int
		hash     bool
	}{
		{"whole", len(whole), whole, http.StatusNoContent, len(whole), true},
		{"cut short", 1000, `{"eid":`, http.StatusBadRequest, 7, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c, err := tls.Dial("tcp", e.srv.Addr().String(), e.client.Transport.(*http.Transport).TLSClientConfig)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "POST %s%s HTTP/1.1\r\nHost: %s\r\nX-Admin-Protocol: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
				es9.PathPrefix, es9.FnHandleNotification, testHost, es9.AdminProtocol, tc.declared, tc.sent)
			if err := c.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(c)
			if want := fmt.Sprintf("HTTP/1.1 %d ", tc.status); !strings.HasPrefix(string(b), want) {
				t.Fatalf("answer %q, want %s…", b, want)
			}
			reqs, _ := e.srv.Requests() // before the log's read joins them
			p := e.notificationLog(t, "")
			if len(p.Entries) != 1 || len(reqs) != 1 {
				t.Fatalf("notification log %+v, request log %+v: want one entry each", p.Entries, reqs)
			}
			for _, got := range []struct {
				log  string
				size int
				hash string
			}{{"notification log", p.Entries[0].BodySize, p.Entries[0].BodySHA256}, {"request log", reqs[0].BodySize, reqs[0].BodySHA256}} {
				if got.size != tc.size || (got.hash != "") != tc.hash {
					t.Errorf("%s: body_size %d, body_sha256 %q; want %d, a hash %v", got.log, got.size, got.hash, tc.size, tc.hash)
				}
			}
		})
	}
}
