package applet

import (
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
