package euicc

import (
	"testing"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// An install cut short between two segments of the bound profile package
// (SGP.22 §2.5.6, §3.1.3.3; outside tester t137 F2): after the reset the
// partial profile is nowhere — not in the profile list, its ICCID free
// for the same profile again — and the failed ProfileInstallationResult,
// errorReason installFailedDueToInterruption and the command in progress,
// is pending for the SM-DP+. A new session the LPA starts before the
// last segment (GetEUICCChallenge, AuthenticateServer) abandons the
// install as a reset does, at once (outside tester t168 F4: the partial
// profile went and its SM-DP+ was owed nothing). CancelSession, whose
// signed answer tells the SM-DP+, and a completed install leave no such
// result.
func TestInstallInterruptedByReset(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stored  int               // segments stored before the interruption (0: all)
		end     func(*Card, *lpa) // what ends the load
		restore bool              // the card rebuilt from its NVM image, as after a power cut
		cmd     int               // bppCommandId of the interrupted result; -1: none
		iccid   string            // its notification's iccid
	}{
		{name: "reset after InitialiseSecureChannel", stored: 1, end: reset, cmd: es10.BPPCmdConfigureISDP},
		{name: "power cut after ConfigureISDP", stored: 2, end: reset, restore: true, cmd: es10.BPPCmdStoreMetadata},
		{name: "power cut amid the profile elements", stored: -1, end: reset, restore: true, cmd: es10.BPPCmdLoadProfileElements, iccid: "89331000000000000037"},
		{name: "reset amid the profile elements", stored: -1, end: reset, cmd: es10.BPPCmdLoadProfileElements, iccid: "89331000000000000037"},
		{name: "a new session instead", stored: -1, end: func(_ *Card, l *lpa) { l.es10(es10.GetEuiccChallengeRequest()) },
			cmd: es10.BPPCmdLoadProfileElements, iccid: "89331000000000000037"},
		{name: "a new session after ConfigureISDP", stored: 2, end: func(_ *Card, l *lpa) { l.es10(es10.GetEuiccChallengeRequest()) }, cmd: es10.BPPCmdStoreMetadata},
		{name: "a new session, then a power cut", stored: -1, end: func(_ *Card, l *lpa) { l.es10(es10.GetEuiccChallengeRequest()) }, restore: true,
			cmd: es10.BPPCmdLoadProfileElements, iccid: "89331000000000000037"},
		{name: "a new session, authenticated", stored: -1, end: func(_ *Card, l *lpa) {
			if r := l.authenticate(); r.ErrorCode != 0 {
				l.t.Fatalf("AuthenticateServer error %d", r.ErrorCode)
			}
		}, cmd: es10.BPPCmdLoadProfileElements, iccid: "89331000000000000037"},
		{name: "AuthenticateServer alone, refused", stored: -1, end: func(_ *Card, l *lpa) {
			// The session's own ServerSigned1 again: no challenge is
			// open (noSessionContext), and the session ends.
			sig, err := rsp.Sign(l.auth.Key, l.server.Encode())
			if err != nil {
				l.t.Fatal(err)
			}
			req := es10.AuthenticateServerRequest{ServerSigned1: l.server, ServerSignature1: sig, CiPKIDToBeUsed: l.pki.CI.X509.SubjectKeyId,
				ServerCertificate: l.auth.DER, CtxParams1: es10.CtxParams1{MatchingID: "MATCH-1", DeviceInfo: testDeviceInfo}}
			if r, err := es10.DecodeAuthenticateServerResponse(l.es10(req.Encode())); err != nil || r.ErrorCode != es10.AuthErrNoSessionContext {
				l.t.Fatalf("AuthenticateServer %+v %v, want noSessionContext", r, err)
			}
		}, cmd: es10.BPPCmdLoadProfileElements, iccid: "89331000000000000037"},
		{name: "CancelSession instead", stored: -1, end: func(_ *Card, l *lpa) {
			l.es10(es10.CancelSessionRequest{TransactionID: l.txID, Reason: es10.CancelLoadBppExecution}.Encode())
		}, cmd: -1},
		{name: "the install completes, then a reset", stored: 0, end: reset, cmd: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, log := rspConfig(t)
			var img []byte
			cfg.OnNVMWrite = func(b []byte) error { img = b; return nil }
			c := newTestCard(t, cfg)
			l := newLPA(t, c)
			before := profileList(t, c)
			l.authenticate()
			l.prepare()
			segs := l.bpp()
			n := tc.stored
			if n < 0 {
				n = len(segs) - 1 // all but the last
			} else if n == 0 {
				n = len(segs)
			}
			l.load(segs[:n])
			if got, want := len(log.Kind(KindBPPSegmentStored)), min(n, len(segs)-1); got != want {
				t.Fatalf("%d bpp_segment_stored events, want %d (the last segment ends the install)", got, want)
			}
			tc.end(c, l)
			if tc.restore {
				var err error
				if c, err = Restore(cfg, img); err != nil {
					t.Fatal(err)
				}
				c.Reset()
				l = newLPA(t, c)
			}
			storeSelect(t, c) // a reset left the basic channel on the MF
			pirs := l.installResults()
			var interrupted []es10.ProfileInstallationResult
			for _, p := range pirs {
				if !p.Data.OK && p.Data.ErrorReason == es10.ReasonInstallInterrupted {
					interrupted = append(interrupted, p)
				}
			}
			if tc.cmd < 0 {
				if len(interrupted) != 0 {
					t.Fatalf("interrupted result %+v after a session that ended otherwise", interrupted[0].Data)
				}
				return
			}
			if len(pirs) != 1 || len(interrupted) != 1 {
				t.Fatalf("pending install results %+v, want one installFailedDueToInterruption", pirs)
			}
			d := interrupted[0].Data
			if d.CommandID != tc.cmd || d.Notification.ICCID != tc.iccid || string(d.TransactionID) != string(l.txID) ||
				d.Notification.Address != "smdp.sfr.test:8443" || len(d.SmdpOID) == 0 {
				t.Errorf("result %+v, want bppCommandId %d iccid %q", d, tc.cmd, tc.iccid)
			}
			if after := profileList(t, c); after != before {
				t.Errorf("profile list %s, before the download %s: a trace of the partial profile", after, before)
			}
			// The ICCID is free: the same profile installs in full.
			l.authenticate()
			l.prepare()
			if r := l.pir(l.load(l.bpp())); !r.Data.OK {
				t.Errorf("the same profile again: %+v", r.Data)
			}
			// Once only: a reset after that adds nothing.
			c.Reset()
			l = newLPA(t, c)
			if got := l.installResults(); len(got) != 2 {
				t.Errorf("%d pending results after the next reset, want 2 (the interrupted, the install)", len(got))
			}
		})
	}
}

func reset(c *Card, _ *lpa) { c.PowerOff(); c.Reset() }

// installResults are the pending ProfileInstallationResults, each checked
// for the card's signature.
func (l *lpa) installResults() []es10.ProfileInstallationResult {
	l.t.Helper()
	list, _, err := es10.DecodeRetrieveNotificationsListResponse(l.es10(es10.RetrieveNotificationsListRequest{}.Encode()))
	if err != nil {
		l.t.Fatal(err)
	}
	var out []es10.ProfileInstallationResult
	for _, p := range list {
		if p.Install != nil {
			out = append(out, l.pir(p.Install.Encode()))
		}
	}
	return out
}
