package euicc

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Profile policy rules (SGP.22 §2.9): the Rules Authorisation Table the
// card answers GetRAT with and checks a profile's rules against at
// StoreMetadata, and PPR1/PPR2 enforced on ES10c and on the applet's own
// switches.

// ppr returns a pointer to the rule set of the bits given.
func ppr(bits ...int) *es10.Bits {
	b := es10.BitsOf(bits...)
	return &b
}

// anyOperator allows ppr1 and ppr2 for every operator, 2- or 3-digit MNC.
var anyOperator = []es10.PolicyRule{{PPRs: es10.BitsOf(es10.PPR1, es10.PPR2),
	AllowedOperators: []es10.OperatorID{{PLMN: "EEEEEE"}}}}

// The card answers GetRAT with its table, encoded as worked out by hand
// from GetRatResponse ::= [67] SEQUENCE { rat SEQUENCE OF
// ProfilePolicyAuthorisationRule } (automatic tags: rat A0; pprIds 80,
// allowedOperators A1 of OperatorId 30 {mccMnc 80, gid1 81, gid2 82},
// pprFlags 82), and the answer decodes back to the table.
func TestGetRATConfigured(t *testing.T) {
	rat := []es10.PolicyRule{
		{PPRs: es10.BitsOf(es10.PPR1, es10.PPR2), AllowedOperators: []es10.OperatorID{{PLMN: "20810"}, {PLMN: "208EE", GID1: []byte{0xA1}}}},
		{PPRs: es10.BitsOf(es10.PPR2), AllowedOperators: []es10.OperatorID{{PLMN: "EEEEEE"}}, ConsentRequired: true},
	}
	// Rule 1: pprIds ppr1, ppr2 = 0110 0000, 5 unused bits: 80 02 05 60;
	//   20810 = MCC2 MCC1 02, MNC3 MCC3 F8, MNC2 MNC1 01: 30 05 80 03 02 F8 01;
	//   208EE with gid1 A1: 30 08 80 03 02 F8 EE 81 01 A1;
	//   allowedOperators A1 11 (7 + 10); pprFlags none 82 01 00;
	//   4 + 19 + 3 = 26: 30 1A.
	// Rule 2: ppr2 = 0010 0000: 80 02 05 20; EEEEEE: 30 05 80 03 EE EE EE
	//   in A1 07; consentRequired (bit 0): 82 02 07 80; 4 + 9 + 4 = 17: 30 11.
	// rat A0 2F (28 + 19 = 47), GetRatResponse BF43 31 (49).
	want := "BF43 31 A0 2F" +
		" 30 1A 80 02 05 60 A1 11 30 05 80 03 02 F8 01 30 08 80 03 02 F8 EE 81 01 A1 82 01 00" +
		" 30 11 80 02 05 20 A1 07 30 05 80 03 EE EE EE 82 02 07 80"
	cfg := testConfig()
	cfg.RAT = rat
	c := newTestCard(t, cfg)
	runScript(t, c, append([]step{{openISDR, "019000"}, {"01A4040C10" + isdrAID, "9000"}},
		es10Steps("BF4300", want+" 9000")...))

	storeSelect(t, c)
	resp, sw := storeData(t, c, es10.GetRATRequest())
	if sw != apdu.SWOK || !bytes.Equal(resp, hexdump.Bytes(t, want)) {
		t.Fatalf("GetRAT = %X %04X", resp, sw)
	}
	back, err := es10.DecodeRAT(resp)
	if err != nil || !reflect.DeepEqual(back, rat) {
		t.Fatalf("DecodeRAT = %+v, %v; want %+v", back, err, rat)
	}
}

func TestRATValidated(t *testing.T) {
	for _, rat := range [][]es10.PolicyRule{
		{{PPRs: es10.BitsOf(es10.PPR1)}},
		{{PPRs: es10.BitsOf(es10.PPR1), AllowedOperators: []es10.OperatorID{{PLMN: "208X0"}}}},
		{{PPRs: es10.BitsOf(es10.PPR1), AllowedOperators: []es10.OperatorID{{PLMN: "2081"}}}},
	} {
		cfg := testConfig()
		cfg.RAT = rat
		if _, err := New(cfg); err == nil {
			t.Errorf("RAT %+v accepted", rat)
		}
	}
}

// download installs the LPA's profile (SFR's, owner as given, with the
// rules given) and returns the install result.
func download(t *testing.T, l *lpa, rules *es10.Bits, owner *es10.OperatorID) es10.ProfileInstallationResult {
	t.Helper()
	l.meta.PPR, l.meta.Owner = rules, owner
	if ar := l.authenticate(); ar.ErrorCode != 0 {
		t.Fatalf("AuthenticateServer error %d", ar.ErrorCode)
	}
	if pr := l.prepare(); pr.ErrorCode != 0 {
		t.Fatalf("PrepareDownload error %d", pr.ErrorCode)
	}
	return l.pir(l.load(l.bpp()))
}

// A profile whose metadata sets rules installs only when the RAT allows
// each of them for its owner; otherwise StoreMetadata fails with
// pprNotAllowed, nothing is installed, and the failed result is kept as
// the install notification, as every refused package's is.
func TestInstallPolicyRules(t *testing.T) {
	sfr := &es10.OperatorID{PLMN: "20810"}
	rule := func(rules es10.Bits, ops ...es10.OperatorID) es10.PolicyRule {
		return es10.PolicyRule{PPRs: rules, AllowedOperators: ops}
	}
	ppr1, ppr12 := es10.BitsOf(es10.PPR1), es10.BitsOf(es10.PPR1, es10.PPR2)
	tests := []struct {
		name  string
		rat   []es10.PolicyRule
		rules *es10.Bits
		owner *es10.OperatorID
		ok    bool
	}{
		{"no rules, empty RAT", nil, nil, sfr, true},
		{"an empty rule set, empty RAT", nil, ppr(), sfr, true},
		{"ppr1, empty RAT", nil, ppr(es10.PPR1), sfr, false},
		{"ppr2, empty RAT", nil, ppr(es10.PPR2), sfr, false},
		{"ppr1 allowed for the owner's PLMN", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "20810"})}, ppr(es10.PPR1), sfr, true},
		{"ppr1 allowed for another PLMN only", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "20801"})}, ppr(es10.PPR1), sfr, false},
		{"ppr1 and ppr2 by an MNC wildcard", []es10.PolicyRule{rule(ppr12, es10.OperatorID{PLMN: "208EE"})}, ppr(es10.PPR1, es10.PPR2), sfr, true},
		{"ppr2 not allowed, ppr1 is", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "208EE"})}, ppr(es10.PPR1, es10.PPR2), sfr, false},
		{"each rule by a rule of its own", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "20810"}),
			rule(es10.BitsOf(es10.PPR2), es10.OperatorID{PLMN: "2EEEE"})}, ppr(es10.PPR1, es10.PPR2), sfr, true},
		{"2-digit wildcard, 3-digit owner", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "208EE"})}, ppr(es10.PPR1), &es10.OperatorID{PLMN: "208100"}, false},
		{"3-digit wildcard, 2-digit owner", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "208EEE"})}, ppr(es10.PPR1), sfr, true},
		{"MCC wildcard", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "EEE10"})}, ppr(es10.PPR1), sfr, true},
		{"gid1 the rule names", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "20810", GID1: []byte{0xA1}})}, ppr(es10.PPR1),
			&es10.OperatorID{PLMN: "20810", GID1: []byte{0xA1}}, true},
		{"another gid1", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "20810", GID1: []byte{0xA1}})}, ppr(es10.PPR1),
			&es10.OperatorID{PLMN: "20810", GID1: []byte{0xA2}}, false},
		{"gid1 named, owner without", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "20810", GID1: []byte{0xA1}})}, ppr(es10.PPR1), sfr, false},
		{"rule without gid, owner with gid1 and gid2", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "20810"})}, ppr(es10.PPR1),
			&es10.OperatorID{PLMN: "20810", GID1: []byte{0xA1}, GID2: []byte{0xB2}}, true},
		{"gid2 named and equal", []es10.PolicyRule{rule(ppr1, es10.OperatorID{PLMN: "20810", GID2: []byte{0xB2}})}, ppr(es10.PPR1),
			&es10.OperatorID{PLMN: "20810", GID2: []byte{0xB2}}, true},
		{"rules without an owner", anyOperator, ppr(es10.PPR1), nil, false},
		{"no rules, no owner", nil, nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, log := rspConfig(t)
			cfg.RAT = tc.rat
			c := newTestCard(t, cfg)
			l := newLPA(t, c)
			before := profileList(t, c)
			pir := download(t, l, tc.rules, tc.owner)
			if tc.ok {
				if !pir.Data.OK {
					t.Fatalf("refused: bppCommandId %d errorReason %d", pir.Data.CommandID, pir.Data.ErrorReason)
				}
				info, _, err := es10.DecodeProfileInfoList(l.es10(es10.ProfileInfoListRequest{ICCID: l.meta.ICCID}.Encode()))
				if err != nil || len(info) != 1 || !reflect.DeepEqual(info[0].PPR, tc.rules) {
					t.Fatalf("installed profile %+v %v, want rules %v", info, err, tc.rules)
				}
				return
			}
			if pir.Data.OK || pir.Data.CommandID != es10.BPPCmdStoreMetadata || pir.Data.ErrorReason != es10.ReasonPPRNotAllowed {
				t.Fatalf("PIR %+v, want StoreMetadata (%d) pprNotAllowed (%d)", pir.Data, es10.BPPCmdStoreMetadata, es10.ReasonPPRNotAllowed)
			}
			if after := profileList(t, c); after != before {
				t.Fatalf("profile list changed:\n%s\n%s", before, after)
			}
			if ev := log.Kind(KindProfileInstalled); len(ev) != 0 {
				t.Fatalf("profile_installed %v", ev)
			}
			pend, _, err := es10.DecodeRetrieveNotificationsListResponse(l.es10(es10.RetrieveNotificationsListRequest{}.Encode()))
			if err != nil || len(pend) != 1 || pend[0].Install == nil || pend[0].Install.Data.ErrorReason != es10.ReasonPPRNotAllowed ||
				pend[0].Install.Data.Notification.ICCID != l.meta.ICCID {
				t.Fatalf("pending notifications %+v %v, want the failed install result", pend, err)
			}
			// The pending result names the profile, so the card's NVM image
			// (which holds it) restores.
			img, err := c.NVM()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Restore(cfg, img); err != nil {
				t.Fatalf("Restore after the refusal: %v", err)
			}
			// The result ended the session (SGP.22 §3.1.3.3): there is
			// nothing left to cancel (§5.7.14 invalidTransactionId).
			cancel, err := es10.DecodeCancelSessionResponse(l.es10(es10.CancelSessionRequest{TransactionID: l.txID, Reason: es10.CancelLoadBppExecution}.Encode()))
			if err != nil || cancel.ErrorCode != es10.CancelErrInvalidTransID {
				t.Fatalf("CancelSession %+v %v, want invalidTransactionId", cancel, err)
			}
		})
	}
}

// PPR1 (disabling not allowed) and PPR2 (deletion not allowed) on ES10c:
// what they forbid answers disallowedByPolicy (3) and changes nothing,
// no notification included; eUICCMemoryReset deletes such profiles all
// the same.
func TestPolicyEnforcement(t *testing.T) {
	const (
		cmcc = "89860000000000000019"
		sfr  = "89331000000000000029" // preinstalled
		dl   = "89331000000000000037" // downloaded with the case's rules
	)
	type op struct {
		fn    string // enable, disable, delete, reset
		iccid string
		want  int
	}
	tests := []struct {
		name    string
		rules   *es10.Bits
		ops     []op
		enabled string // the enabled profile after the operations, "" none
		gone    bool   // the downloaded profile was deleted
	}{
		{"no rules: everything allowed", nil, []op{{"enable", dl, 0}, {"disable", dl, 0}, {"delete", dl, 0}}, "", true},
		{"PPR1 enabled: disable refused", ppr(es10.PPR1), []op{{"enable", dl, 0}, {"disable", dl, 3}}, dl, false},
		{"PPR1 enabled: enabling another (which disables it) refused", ppr(es10.PPR1),
			[]op{{"enable", dl, 0}, {"enable", cmcc, 3}, {"enable", sfr, 3}}, dl, false},
		{"PPR1 enabled: itself again is wrong state, not policy", ppr(es10.PPR1), []op{{"enable", dl, 0}, {"enable", dl, 2}}, dl, false},
		{"PPR1 disabled: another profile switches freely, and it may be deleted", ppr(es10.PPR1),
			[]op{{"enable", sfr, 0}, {"enable", cmcc, 0}, {"delete", dl, 0}}, cmcc, true},
		{"PPR1 enabled: unknown profile is not found first", ppr(es10.PPR1), []op{{"enable", dl, 0}, {"enable", "89000000000000000004", 1}}, dl, false},
		{"PPR2 disabled: delete refused", ppr(es10.PPR2), []op{{"delete", dl, 3}}, cmcc, false},
		{"PPR2: enable and disable allowed, then delete refused", ppr(es10.PPR2),
			[]op{{"enable", dl, 0}, {"enable", cmcc, 0}, {"delete", dl, 3}}, cmcc, false},
		{"PPR2 enabled: delete answers its state first", ppr(es10.PPR2), []op{{"enable", dl, 0}, {"delete", dl, 2}}, dl, false},
		{"PPR1 and PPR2", ppr(es10.PPR1, es10.PPR2), []op{{"enable", dl, 0}, {"disable", dl, 3}, {"enable", cmcc, 3}, {"delete", dl, 2}}, dl, false},
		{"eUICCMemoryReset deletes PPR1 and PPR2 profiles", ppr(es10.PPR1, es10.PPR2), []op{{"enable", dl, 0}, {"reset", "", 0}}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _ := rspConfig(t)
			cfg.RAT = anyOperator
			c := newTestCard(t, cfg)
			l := newLPA(t, c)
			pir := download(t, l, tc.rules, &es10.OperatorID{PLMN: "20810"})
			if !pir.Data.OK {
				t.Fatalf("install refused: %+v", pir.Data)
			}
			for i, o := range tc.ops {
				pending := len(c.notifications)
				var tag uint32
				var req []byte
				switch o.fn {
				case "enable", "disable":
					tag = map[string]uint32{"enable": es10.TagEnableProfile, "disable": es10.TagDisableProfile}[o.fn]
					req = es10.SwitchRequest{Tag: tag, Profile: es10.ProfileID{ICCID: o.iccid}}.Encode()
				case "delete":
					tag, req = es10.TagDeleteProfile, es10.DeleteProfileRequest(es10.ProfileID{ICCID: o.iccid})
				case "reset":
					tag, req = es10.TagEuiccMemoryReset, es10.EuiccMemoryResetRequest(es10.BitsOf(es10.ResetOperationalProfiles))
				}
				got, err := es10.DecodeResult(tag, l.es10(req))
				if err != nil || got != o.want {
					t.Fatalf("op %d %s %s = %d %v, want %d", i, o.fn, o.iccid, got, err, o.want)
				}
				if got != 0 && len(c.notifications) != pending {
					t.Fatalf("op %d %s refused, yet notified: %+v", i, o.fn, c.notifications[pending:])
				}
			}
			enabled := ""
			if p := c.enabled(); p != nil {
				enabled = p.ICCID
			}
			if enabled != tc.enabled {
				t.Errorf("enabled profile %q, want %q", enabled, tc.enabled)
			}
			if gone := c.findICCID(dl) == nil; gone != tc.gone {
				t.Errorf("downloaded profile deleted: %v, want %v", gone, tc.gone)
			}
		})
	}
}

// The card's own switch goes through the same check: an applet's
// EnableProfile away from an enabled PPR1 profile comes back as result 3,
// the applet decides what next (it fails the attempt or the fallback, as
// for any refused enable), and the profile stays enabled.
func TestAppletSwitchRefusedByPPR1(t *testing.T) {
	const cmcc, dl = "89860000000000000019", "89331000000000000037"
	cfg, _ := rspConfig(t)
	cfg.RAT = anyOperator
	fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
		if _, ok := ev.(applet.Boot); ok {
			return []applet.Effect{applet.EnableProfile{ICCID: cmcc}}
		}
		return nil
	}}
	tm := newTerm(t, cfg, fm)
	l := newLPA(t, tm.c)
	pir := download(t, l, ppr(es10.PPR1), &es10.OperatorID{PLMN: "20810"})
	if !pir.Data.OK {
		t.Fatalf("install refused: %+v", pir.Data)
	}
	if r, _ := es10.DecodeResult(es10.TagEnableProfile, l.es10(es10.SwitchRequest{Tag: es10.TagEnableProfile, Profile: es10.ProfileID{ICCID: dl}}.Encode())); r != 0 {
		t.Fatalf("enable the PPR1 profile: %d", r)
	}
	tm.boot()
	want := applet.ProfileEnabled{ICCID: cmcc, Result: es10.ResultDisallowedByPolicy}
	if got, ok := fm.last().(applet.ProfileEnabled); !ok || got != want {
		t.Fatalf("applet heard %+v, want %+v", fm.events, want)
	}
	if p := tm.c.enabled(); p == nil || p.ICCID != dl {
		t.Fatalf("enabled profile %+v, want the PPR1 one", p)
	}
}

// An ES10c DeleteProfile of another LPA (eUICCMemoryReset too, by the
// same call) is stepped to the running applet at once, with the card's list
// after it (ProfilesDeleted), so that the room it frees counts before
// the next reset; a refused delete, and one before the applet booted
// (it learns the list at its Boot), step nothing.
func TestDeleteTellsTheApplet(t *testing.T) {
	const cmcc, dl = "89860000000000000019", "89331000000000000037"
	for _, tc := range []struct {
		name   string
		booted bool
		fn     string // delete, delete-enabled (refused), reset
		told   bool   // the applet heard ProfilesDeleted
	}{
		{"delete", true, "delete", true},
		{"delete refused (the profile is enabled)", true, "delete-enabled", false},
		{"delete before the applet booted", false, "delete", false},
		{"eUICCMemoryReset of the operational profiles", true, "reset", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _ := rspConfig(t)
			fm := &fakeMethod{}
			tm := newTerm(t, cfg, fm)
			l := newLPA(t, tm.c)
			if pir := download(t, l, nil, &es10.OperatorID{PLMN: "20810"}); !pir.Data.OK {
				t.Fatalf("install refused: %+v", pir.Data)
			}
			if tc.booted {
				tm.boot()
			}
			var tag uint32
			var req []byte
			switch tc.fn {
			case "delete":
				tag, req = es10.TagDeleteProfile, es10.DeleteProfileRequest(es10.ProfileID{ICCID: dl})
			case "delete-enabled":
				tag, req = es10.TagDeleteProfile, es10.DeleteProfileRequest(es10.ProfileID{ICCID: cmcc})
			case "reset":
				tag, req = es10.TagEuiccMemoryReset, es10.EuiccMemoryResetRequest(es10.BitsOf(es10.ResetOperationalProfiles))
			}
			n := len(fm.events)
			// The reset deletes the enabled profile too: its answer says
			// the REFRESH it asks for is pending (91xx).
			resp, sw := storeData(t, tm.c, req)
			if sw != apdu.SWOK && sw&0xFF00 != 0x9100 {
				t.Fatalf("ES10 %X: SW %04X", req[:2], sw)
			}
			if _, err := es10.DecodeResult(tag, resp); err != nil {
				t.Fatal(err)
			}
			var got []applet.ProfilesDeleted
			for _, ev := range fm.events[n:] {
				if e, ok := ev.(applet.ProfilesDeleted); ok {
					got = append(got, e)
				}
			}
			if !tc.told {
				if len(got) != 0 {
					t.Fatalf("applet heard %+v, want nothing", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("applet heard %+v, want one ProfilesDeleted", fm.events[n:])
			}
			if want := tm.c.appletProfiles(); !reflect.DeepEqual(got[0].Profiles, want) || slices.ContainsFunc(want, func(p applet.Profile) bool { return p.ICCID == dl }) {
				t.Fatalf("ProfilesDeleted lists %+v, want the card's list without %s: %+v", got[0].Profiles, dl, want)
			}
		})
	}
}
