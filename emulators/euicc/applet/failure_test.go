package applet

import (
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

func TestHTTPFailureReason(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		e    HTTPResult
		want string
	}{
		{"ok", HTTPResult{Status: 200}, ""},
		{"transport", HTTPResult{Err: "open channel: result 3A/07"}, "open channel: result 3A/07"},
		{"status only", HTTPResult{Status: 503}, "http status 503"},
		{"platform reason", HTTPResult{Status: 401, Body: []byte(`{"error":"auth: replay"}`)}, "http status 401: auth: replay"},
		{"not JSON", HTTPResult{Status: 500, Body: []byte("<html>")}, "http status 500"},
		{"long reason cut", HTTPResult{Status: 403, Body: []byte(`{"error":"` + long + `"}`)}, "http status 403: " + long[:160] + "…"},
	}
	for _, tc := range tests {
		if got := httpFailure(tc.e); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Every event the applet logs for an exchange the terminal ended carries
// the terminal's result as "result", as the toolkit codec writes it, its
// reason unchanged; an exchange that ended otherwise has no such field.
func TestTerminalResultField(t *testing.T) {
	noService := stk.Result{General: stk.ResultTerminalUnable, Additional: []byte{stk.UnableNoService}}
	retry := func(t *testing.T) (*Applet, int) {
		a := New(testCfg, State{Profiles: testProfiles()})
		pir, _ := es10.DecodeProfileInstallationResult(pirBytes(true))
		pending := es10.EncodeListNotificationResponse([]es10.NotificationMetadata{{Seq: 3, Event: es10.EventInstall, Address: "smdp.orange.test", ICCID: dlMetadata.ICCID}})
		one := es10.EncodeRetrieveNotificationsListResponse([]es10.PendingNotification{{Install: &pir}}, 0)
		a.Step(Boot{Profiles: testProfiles()})
		a.Step(LocationStatus{Service: NormalService, PLMN: "46000"})
		for _, resp := range [][]byte{pending, one} {
			a.Step(ES10Result{ReqID: a.st.LastReq, Resp: resp, SW: 0x9000})
		}
		return a, a.st.LastReq
	}
	tests := []struct {
		name       string
		to         func(t *testing.T) (*Applet, int) // an applet and its request in flight
		kind       eventlog.Kind
		err        string // the HTTPResult's Err
		wantReason string
	}{
		{"preferred list", func(t *testing.T) (*Applet, int) {
			a := New(testCfg, State{})
			for _, e := range roamToSFR[:5] {
				a.Step(e)
			}
			return a, 2
		}, KindPreferredListFailed, "open channel: result 20/04", "open channel: result 20/04"},
		{"download request", func(t *testing.T) (*Applet, int) {
			a := toDownload(t)
			return a, inFlight(a)
		}, KindDownloadResult, "open channel: result 20/04", "platform: open channel: result 20/04"},
		{"ES9+ call", func(t *testing.T) (*Applet, int) {
			a := toDownload(t)
			runDL(t, a, toSession[:3])
			return a, inFlight(a)
		}, KindDownloadResult, "send data: result 20/04", "initiateAuthentication: send data: result 20/04"},
		{"install result to the SM-DP+", func(t *testing.T) (*Applet, int) {
			a := toDownload(t)
			bpp := testBPP(t)
			runDL(t, a, append(append(append([]dlStep(nil), toSession...), toBPP...), bppStep(bpp)))
			load(t, a, bpp)
			a.Step(ES10Result{ReqID: inFlight(a), Resp: pirBytes(true), SW: 0x9000})
			return a, inFlight(a)
		}, KindNotificationFailed, "receive data: result 20/04", "receive data: result 20/04"},
		{"note to the platform", func(t *testing.T) (*Applet, int) {
			a := New(testCfg, State{})
			for _, e := range roamToSFR[:9] {
				a.Step(e)
			}
			return a, 4
		}, KindNotificationFailed, "open channel: result 20/04", "open channel: result 20/04"},
		{"pending notification resent", retry, KindNotificationFailed, "open channel: result 20/04", "open channel: result 20/04"},
	}
	for _, tc := range tests {
		for _, res := range []*stk.Result{&noService, nil} {
			name := tc.name + ", no result"
			if res != nil {
				name = tc.name + ", result " + res.String()
			}
			t.Run(name, func(t *testing.T) {
				a, id := tc.to(t)
				var got []map[string]any
				for _, e := range a.Step(HTTPResult{ReqID: id, Err: tc.err, TerminalResult: res}) {
					if l, ok := e.(Log); ok && l.Kind == tc.kind {
						got = append(got, l.Fields)
					}
				}
				if len(got) != 1 {
					t.Fatalf("%d %s events, want 1: %v", len(got), tc.kind, got)
				}
				if got[0]["reason"] != tc.wantReason {
					t.Errorf("reason %q, want %q", got[0]["reason"], tc.wantReason)
				}
				r, ok := got[0]["result"]
				switch {
				case res == nil && ok:
					t.Errorf("result %v without a terminal result", r)
				case res != nil && r != "20/04":
					t.Errorf("result %v (present %v), want 20/04", r, ok)
				}
			})
		}
	}
}

// A full outbox makes room with the oldest failure's report not in
// flight, then the oldest attach-success (claim 7's outcome of a switch
// that worked: outside tester sw75 saw a cruise's port successes go for
// rescue rounds at sea), a download-success last (claim 2: the platform
// learns of an installed profile from nothing else; outside tester sw70
// lost one after 14 h without coverage), and says why it dropped it.
func TestOutboxFullKeepsDownloadSuccess(t *testing.T) {
	const dl, out, ok, af = NoteDownloadSuccess, NoteListExhausted, NoteAttachSuccess, NoteAttachFailure
	full := func(kinds ...string) []Note {
		var ns []Note
		for i := range maxOutbox {
			k := out
			if i < len(kinds) {
				k = kinds[i]
			}
			ns = append(ns, Note{Kind: k, Report: uint64(i + 1)})
		}
		return ns
	}
	all := func(kind string, then ...string) []string {
		ks := make([]string, maxOutbox)
		for i := range ks {
			ks[i] = kind
		}
		copy(ks[maxOutbox-len(then):], then)
		return ks
	}
	allDL := all(dl)
	tests := []struct {
		name     string
		outbox   []Note
		inFlight bool
		dropped  uint64 // report number; 0 = none
	}{
		{"oldest outcome", full(out, out), false, 1},
		{"a download-success kept", full(dl, dl, out), false, 3},
		{"the head in flight", full(out, out), true, 2},
		{"the head in flight, then a download-success", full(out, dl, out), true, 3},
		{"only download-successes: the oldest", full(allDL...), false, 1},
		{"only download-successes, the head in flight", full(allDL...), true, 2},
		{"an attach-success kept for a later failure", full(ok, dl, af), false, 3},
		{"an attach-success kept for the newest list-exhausted", full(all(ok, out)...), false, maxOutbox},
		{"successes only: the oldest attach-success, not a download-success", full(all(dl, ok, ok)...), false, maxOutbox - 1},
		{"the head in flight is no candidate", full(all(ok, dl)...), true, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := State{Profiles: testProfiles(), Outbox: tc.outbox, LastReport: maxOutbox}
			if tc.inFlight {
				st.InFlight = []Request{{ID: 1, Answer: answerHTTP, Owner: ownerOutbox}}
				st.LastReq = 1
			}
			a := New(testCfg, st)
			a.owe(Note{Kind: NoteAttachFailure})
			var dropped []Log
			for _, e := range a.out {
				if l, ok := e.(Log); ok && l.Kind == KindNoteDropped {
					dropped = append(dropped, l)
				}
			}
			if len(dropped) != 1 || dropped[0].Fields["report"] != tc.dropped {
				t.Fatalf("dropped %v, want report %d", dropped, tc.dropped)
			}
			if r, _ := dropped[0].Fields["reason"].(string); !strings.HasPrefix(r, ReasonOutboxFull+": ") {
				t.Errorf("reason %q", r)
			}
			if n := len(a.st.Outbox); n != maxOutbox {
				t.Errorf("%d notes owed, want %d", n, maxOutbox)
			}
			if slices.ContainsFunc(a.st.Outbox, func(o Note) bool { return o.Report == tc.dropped }) {
				t.Errorf("report %d still owed", tc.dropped)
			}
		})
	}
}
