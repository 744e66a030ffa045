package euicc

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// e2ePlatform is a minimal management platform for the card's download:
// the preferred list names orange-fr first, a download is forwarded to the
// SM-DP+'s order interface, notifications are taken (or refused with 503).
type e2ePlatform struct {
	addr    netip.AddrPort
	notes   chan string
	refuse  bool
	ordered chan string
}

func newE2EPlatform(t testing.TB, dp *smdp.Server) *e2ePlatform {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &e2ePlatform{addr: netip.MustParseAddrPort(ln.Addr().String()), notes: make(chan string, 8), ordered: make(chan string, 2)}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/preferred-list", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"list_id":"l","country":"FR","order_by":"signal","operators":[{"id":"orange-fr","plmn":"20801","rsrp":-85}]}`)
	})
	mux.HandleFunc("/v1/download", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ EID, Operator string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		addr, mid, err := dp.Order(req.EID)
		if err != nil {
			http.Error(w, `{"error":"forward: `+err.Error()+`"}`, http.StatusBadGateway)
			return
		}
		p.ordered <- r.Header.Get(platformapi.HeaderSeq)
		_ = json.NewEncoder(w).Encode(platformapi.DownloadResponse{Operator: req.Operator, SMDPAddress: addr, MatchingID: mid,
			ActivationCode: platformapi.ActivationCode(addr, mid)})
	})
	mux.HandleFunc("/v1/notifications", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.notes <- string(b)
		if p.refuse {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(platformapi.NotificationAck{Ack: true, ID: "1"})
	})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", platformapi.ContentType) // as the API declares every answer
		mux.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

type e2eRig struct {
	tm   *term
	c    *Card
	log  *eventlog.Log
	dp   *smdp.Server
	plat *e2ePlatform
}

// e2eServers are what a card's download reaches: the test PKI, one
// SM-DP+ (orange-fr) and the platform, all on loopback.
type e2eServers struct {
	pki  *rsp.PKI
	log  *eventlog.Log
	dp   *smdp.Server
	plat *e2ePlatform
}

const e2eHost = "smdp.orange.test"

func newE2EServers(tb testing.TB, faults smdp.Faults) *e2eServers {
	tb.Helper()
	now := func() time.Time { return testNow }
	pki, err := rsp.GeneratePKI(rsp.PKIConfig{Seed: 1, EIDs: []string{testEID}, SMDPs: map[string]string{"orange-fr": e2eHost}})
	if err != nil {
		tb.Fatal(err)
	}
	log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
	dp, err := smdp.New(smdp.Config{Operator: "orange-fr", Host: e2eHost, CI: pki.CI.X509, Certs: pki.SMDP["orange-fr"], Now: now, Log: log,
		NewProfile: func(int) smdp.Profile {
			return smdp.Profile{ICCID: "89330100000000000012", IMSI: "208011234567890", Operator: "orange-fr", Name: "Orange"}
		}})
	if err != nil {
		tb.Fatal(err)
	}
	if err := dp.Start("127.0.0.1:0", nil); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = dp.Close() })
	dp.SetFaults(faults)
	return &e2eServers{pki: pki, log: log, dp: dp, plat: newE2EPlatform(tb, dp)}
}

// card makes a new card that trusts the servers' CI, boots it and has its
// periodic check find it roaming in France (claim 1): it is about to ask
// the platform for its preferred list.
func (s *e2eServers) card(tb testing.TB) *e2eRig {
	tb.Helper()
	cfg := testConfig()
	cfg.Log = s.log
	cfg.PlatformAddr = s.plat.addr
	cfg.Resolve = map[string]netip.AddrPort{e2eHost: s.dp.Addr()}
	cfg.Now = func() time.Time { return testNow }
	cfg.CI = s.pki.CI.X509
	cfg.EUICCCert, cfg.EUMCert, cfg.EUICCKey = s.pki.EUICC[testEID].DER, s.pki.EUM.DER, s.pki.EUICC[testEID].Key
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	c.Reset()
	tm := &term{t: tb, c: c}
	tm.boot()
	tm.ok(tm.fetch(stk.CmdTimerManagement))
	tm.envelope(stk.NewTimerExpiration(1, 5*time.Minute))
	pli := tm.fetch(stk.CmdProvideLocalInfo)
	tr := stk.Respond(pli, stk.Result{General: stk.ResultOK})
	tr.Location = &stk.LocationInfo{PLMN: "20801", TAC: 1, CellID: 2}
	tm.respond(tr)
	tm.respond(stk.Respond(tm.fetch(stk.CmdProvideLocalInfo), stk.Result{General: stk.ResultOK}))
	tm.ok(tm.fetch(stk.CmdTimerManagement))
	return &e2eRig{tm: tm, c: c, log: s.log, dp: s.dp, plat: s.plat}
}

func newE2ERig(t *testing.T, faults smdp.Faults) *e2eRig {
	t.Helper()
	return newE2EServers(t, faults).card(t)
}

// kinds lists the event kinds of actor in order.
func kinds(log *eventlog.Log, actor string) string {
	var k []string
	for _, e := range log.Events() {
		if e.Actor == actor {
			k = append(k, string(e.Kind))
		}
	}
	return strings.Join(k, " ")
}

// TestDownloadEndToEnd runs claim 2 through the real card: the applet's
// IPA, the ISD-R's ES10b, BIP exchanges relayed over real TCP, a real
// SM-DP+ with HTTPS and the test PKI. The card ends with the new profile
// installed and being enabled (REFRESH pending), both notifications sent.
func TestDownloadEndToEnd(t *testing.T) {
	r := newE2ERig(t, smdp.Faults{})
	tm, log, plat, dp := r.tm, r.log, r.plat, r.dp
	// The list, the download request, four ES9+ calls, handleNotification
	// and the platform notification: one BIP channel each.
	opened := map[netip.AddrPort]int{}
	for range 7 {
		opened[tm.relay(1000)]++
	}
	if opened[plat.addr] != 3 || opened[dp.Addr()] != 4 {
		t.Fatalf("channels opened %v", opened)
	}
	if seq := <-plat.ordered; seq != "2" {
		t.Fatalf("download request seq %q", seq)
	}
	if n := <-plat.notes; !strings.Contains(n, `"kind":"download-success"`) || !strings.Contains(n, "89330100000000000012") {
		t.Fatalf("platform notification %s", n)
	}
	ref := tm.fetch(stk.CmdRefresh)
	if ref.Details.Qualifier != stk.RefreshUICCReset {
		t.Fatalf("REFRESH %+v", ref)
	}
	want := "roaming_detected mode preferred_list_requested preferred_list_received cycle_started attempt profile_not_preinstalled download_requested mode " +
		"mutual_auth" + strings.Repeat(" bpp_segment_stored", 8) + " profile_installed notification_sent download_result mode notification_sent profile_enabled mode"
	if got := kinds(log, "euicc"); got != want {
		t.Fatalf("card events\n got: %s\nwant: %s", got, want)
	}
	if r := log.Kind("download_result")[0]; r.Fields["ok"] != true {
		t.Fatalf("download_result %+v", r)
	}
	p := r.c.findICCID("89330100000000000012")
	if p == nil || !p.Enabled {
		t.Fatalf("new profile not installed and enabled: %+v", r.c.profiles)
	}
}

// TestDownloadFaultsEndToEnd: each SM-DP+ fault ends the download with a
// reason, nothing installed and the original profile still enabled.
func TestDownloadFaultsEndToEnd(t *testing.T) {
	tests := []struct {
		name     string
		faults   smdp.Faults
		channels int // BIP exchanges at least until the download ends
		reason   string
	}{
		{"TLS untrusted", smdp.Faults{TLSUntrusted: true}, 3, "tls handshake"},
		{"bad serverSignature1", smdp.Faults{BadServerSignature1: true}, 3, "AuthenticateServer: authenticateErrorCode"},
		{"wrong transactionId", smdp.Faults{WrongTransactionID: true}, 4, "PrepareDownload"},
		{"tampered BPP", smdp.Faults{TamperBPP: true}, 5, "install failed"},
		{"reset during getBoundProfilePackage", smdp.Faults{ResetDuringBPP: true}, 5, "getBoundProfilePackage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newE2ERig(t, tt.faults)
			n := r.tm.relayAll(1000, 16)
			if n < tt.channels {
				t.Fatalf("%d exchanges, want at least %d; events %s", n, tt.channels, kinds(r.log, "euicc"))
			}
			res := r.log.Kind("download_result")
			if len(res) != 1 || res[0].Fields["ok"] != false || !strings.Contains(res[0].Fields["reason"].(string), tt.reason) {
				t.Fatalf("download_result %v\nevents: %s", res, kinds(r.log, "euicc"))
			}
			if len(r.c.profiles) != 2 || !r.c.profiles[0].Enabled {
				t.Fatalf("profiles changed: %+v", r.c.profiles)
			}
			if r.tm.lastSW>>8 == 0x91 {
				t.Fatalf("card still has work: %+v", r.tm.fetchAny())
			}
		})
	}
}

// TestRefusedPackageEndToEnd: a package the card refuses (SGP.22 §3.1.3.3)
// sends the failed install result to the SM-DP+, which ends the session
// and puts the order in error; the result ended the session on the card
// too, so nothing is cancelled on either side (outside tester t180 F7).
func TestRefusedPackageEndToEnd(t *testing.T) {
	r := newE2ERig(t, smdp.Faults{TamperBPP: true})
	r.tm.relayAll(1000, 16)
	res := r.log.Kind(smdp.KindNotificationReceived)
	if len(res) != 1 || res[0].Str("kind") != "install" || res[0].Get("ok") != false {
		t.Fatalf("install results at the SM-DP+ %v; card events %s", res, kinds(r.log, "euicc"))
	}
	if c := r.log.Kind(smdp.KindSessionCancelled); len(c) != 0 {
		t.Fatalf("session_cancelled %v after an install result; events %s", c, kinds(r.log, "smdp"))
	}
	if e := r.log.Kind(smdp.KindES9Error); len(e) != 0 {
		t.Fatalf("es9_error %v: the card called the SM-DP+ after the session ended", e)
	}
	// The ISD-R holds no session: a CancelSession for it names an unknown
	// transaction (SGP.22 §5.7.14).
	resp, err := es10.DecodeCancelSessionResponse(mustES10(t, r.c, es10.CancelSessionRequest{TransactionID: []byte{1}, Reason: 5}.Encode()))
	if err != nil || resp.ErrorCode != es10.CancelErrInvalidTransID {
		t.Fatalf("cancel %+v %v", resp, err)
	}
}

// TestNotificationsNeverLost: the platform refuses the download-success
// notification (503) and the SM-DP+ is down when the install result is
// sent; both stay owed through the REFRESH and go out after the Boot.
func TestNotificationsNeverLost(t *testing.T) {
	r := newE2ERig(t, smdp.Faults{})
	r.plat.refuse = true
	for range 5 { // list, download, initiateAuthentication, authenticateClient, getBoundProfilePackage
		r.tm.relay(1000)
	}
	if err := r.dp.SetReachable(false); err != nil {
		t.Fatal(err)
	}
	cmd := r.tm.fetch(stk.CmdOpenChannel) // handleNotification: the SM-DP+ is down
	r.tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultBIPError, Additional: []byte{stk.BIPRemoteNotReachable}}))
	r.tm.relay(1000) // the platform notification, refused
	<-r.plat.notes
	r.tm.fetch(stk.CmdRefresh)
	if err := r.dp.SetReachable(true); err != nil {
		t.Fatal(err)
	}
	r.plat.refuse = false
	r.c.Reset()
	r.tm.lastSW = 0
	r.tm.boot()
	r.tm.ok(r.tm.fetch(stk.CmdTimerManagement)) // the periodic check
	r.tm.ok(r.tm.fetch(stk.CmdTimerManagement)) // the attach wait on the new profile
	// The notifications wait for a bearer: the terminal attaches.
	r.tm.envelope(stk.NewLocationStatusEvent(stk.LocNormal, &stk.LocationInfo{PLMN: "20801", TAC: 1, CellID: 2}))
	r.tm.relayAll(1000, 12)
	sent := map[string]bool{}
	for _, e := range r.log.Kind("notification_sent") {
		sent[e.Fields["kind"].(string)+">"+e.Fields["to"].(string)] = true
	}
	if !sent["install>orange-fr"] || !sent["download-success>platform"] {
		t.Fatalf("notifications sent %v; card events %s", sent, kinds(r.log, "euicc"))
	}
	if n := len(r.log.Kind("notification_failed")); n != 2 {
		t.Fatalf("notification_failed %d times, want 2 (before the reset)", n)
	}
	if list, _ := es10.DecodeListNotificationResponse(mustES10(t, r.c, es10.ListNotificationRequest{}.Encode())); len(list) != 0 {
		for _, m := range list {
			if m.Event == es10.EventInstall {
				t.Fatalf("install notification still pending: %+v", list)
			}
		}
	}
}

func mustES10(t *testing.T, c *Card, req []byte) []byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	resp, sw := c.es10(req)
	if sw != 0x9000 {
		t.Fatalf("ES10 %X: %04X", req, sw)
	}
	return resp
}
