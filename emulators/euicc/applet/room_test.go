package applet

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// TestNoRoom: an install refused for lack of memory keeps that operator
// from being ordered until a profile leaves the card; another refusal
// reason, or another operator, does not; the table forgets what a
// profile's leaving made stale.
func TestNoRoom(t *testing.T) {
	a := New(testCfg, State{Profiles: testProfiles()})
	a.noteNoRoom("vodafone-de", 8) // a tampered package, not memory
	if why := a.noRoomFor("vodafone-de"); why != "" {
		t.Fatalf("errorReason 8 kept it out: %s", why)
	}
	a.noteNoRoom("vodafone-de", es10.ReasonInsufficientMemory)
	if why := a.noRoomFor("vodafone-de"); !strings.HasPrefix(why, "no room on the card: its install failed for lack of memory (errorReason 10)") {
		t.Errorf("after errorReason 10: %q", why)
	}
	if why := a.noRoomFor("telekom-de"); why != "" {
		t.Errorf("another operator kept out: %s", why)
	}
	a.st.Profiles = a.st.Profiles[1:] // a profile left the card
	if why := a.noRoomFor("vodafone-de"); why != "" {
		t.Errorf("ordered no more after a profile left: %s", why)
	}
	a.noteNoRoom("telekom-de", es10.ReasonInsufficientMemory)
	if len(a.st.NoRoom) != 1 || a.st.NoRoom[0].Operator != "telekom-de" {
		t.Errorf("table %+v, want telekom-de's alone (vodafone-de's is stale)", a.st.NoRoom)
	}
}

// fillCard adds disabled profiles of networks no list names until the
// card holds n.
func fillCard(s *sim, n int) {
	for i := len(s.card); i < n; i++ {
		iccid, err := ident.MakeICCID(fmt.Sprintf("894400000000%06d", i))
		if err != nil {
			panic(err)
		}
		s.card = append(s.card, Profile{ICCID: iccid, Operator: fmt.Sprintf("filler-%d", i), HomePLMN: fmt.Sprintf("234%02d", i)})
	}
}

// TestFullCardOrdersNoDownload: a card whose profile slots are all taken
// passes over the operators it would have to download, saying why, and
// goes on to the next preferred one it holds (claim 3's order); with one
// slot free it orders the download. Without the count check the full
// card orders free's and bouygues's profiles, which its ISD-R would
// refuse at storeMetadata (errorReason 10).
func TestFullCardOrdersNoDownload(t *testing.T) {
	free := simOp{ID: "free", PLMN: "20815", ICCID: "89331500000000000016", DownloadOK: true, Outcomes: []outcome{attachOK}}
	bytel := simOp{ID: "bouygues", PLMN: "20820", ICCID: "89332000000000000019", DownloadOK: true, Outcomes: []outcome{attachOK}}
	sfr := simOp{ID: "sfr", PLMN: "20810", ICCID: iccidSFR, Preinstalled: true, Outcomes: []outcome{attachOK}}
	full := "no room on the card: 64 of 64 profiles"
	tests := []struct {
		name      string
		ops       []simOp
		profiles  int
		want      string   // the log's kinds, as TestFallbackPaths
		reasons   []string // attempt_skipped's and list_passed_over's
		downloads int      // download requests to the platform
	}{
		{"full: download-only operators passed over, the preinstalled next attaches", []simOp{free, bytel, sfr}, 64,
			"roaming_detected preferred_list_requested preferred_list_received attempt_skipped(free) attempt_skipped(bouygues) " +
				"profile_enabled(sfr) cycle_ended(sfr)(attach-success) notification_sent(attach-success)",
			[]string{full, full}, 0},
		{"full: nothing but downloads, no cycle", []simOp{free, bytel}, 64,
			"roaming_detected preferred_list_requested preferred_list_received list_passed_over",
			[]string{"free: " + full, "bouygues: " + full}, 0},
		{"one slot free: the download is ordered", []simOp{free, bytel, sfr}, 63,
			"roaming_detected preferred_list_requested preferred_list_received profile_not_preinstalled(free) download_requested(free) " +
				"download_result(free) notification_sent(download-success) profile_enabled(free) cycle_ended(free)(attach-success) notification_sent(attach-success)",
			nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(tt.ops, nil)
			fillCard(s, tt.profiles)
			s.run(2)
			if len(s.failures) > 0 {
				t.Fatalf("invariants: %s\nlog: %s", strings.Join(s.failures, "\n"), s.kinds())
			}
			if got := s.kinds(); got != tt.want {
				t.Errorf("log\n got: %s\nwant: %s", got, tt.want)
			}
			var reasons []string
			downloads := 0
			for _, l := range s.logs {
				switch l.Kind {
				case KindAttemptSkipped:
					reasons = append(reasons, l.Fields["reason"].(string))
				case KindListPassedOver:
					reasons = append(reasons, l.Fields["reasons"].([]string)...)
				case KindDownloadRequested:
					downloads++
				}
			}
			if !slices.Equal(reasons, tt.reasons) {
				t.Errorf("reasons %q, want %q", reasons, tt.reasons)
			}
			if downloads != tt.downloads {
				t.Errorf("%d downloads ordered, want %d", downloads, tt.downloads)
			}
		})
	}
}

// TestSMDPNoRoom: the SM-DP+'s eligibility refusal at authenticateClient
// for lack of memory (8.1/4.8, SGP.22 §5.6.3) ends the download as any
// refusal of the card does — the session cancelled on the card and at
// the SM-DP+, no package asked for — and is remembered as the ISD-R's
// errorReason 10 is: the operator is not ordered again until a profile
// leaves the card. Another refusal is not a lack of room. The
// cancellation's reason is postponed for a lack of room — the card comes
// back for the order when a profile has left it, and the SM-DP+ keeps the
// order released for a postponed one (§5.6.5) — undefinedReason for
// another refusal.
func TestSMDPNoRoom(t *testing.T) {
	tests := []struct {
		name, subject, reason string
		want                  string // noRoomFor's prefix; "": ordered again
		cancel                int    // the CancelSessionReason given
	}{
		{"no room", "8.1", "4.8", "no room on the card: its SM-DP+ refused the download for lack of memory (authenticateClient 8.1/4.8) with 2 profiles", es10.CancelPostponed},
		{"unknown matching ID", "8.2.6", "3.8", "", es10.CancelUndefinedReason},
		{"4.8 under another subject", "8.2.6", "4.8", "", es10.CancelUndefinedReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := toDownload(t)
			msg := "eUICC does not have sufficient space for this Profile"
			runDL(t, a, append(append([]dlStep(nil), toSession...),
				dlStep{es10Ans(asResp, 0x9000), "ES9 smdp.orange.test authenticateClient [authenticateServerResponse transactionId]; "}))
			effs := a.Step(es9Failed(inFlight(a), tt.subject, tt.reason, msg))
			if got, want := show(effs), `log download_result ok=false operator=orange-fr reason=`+
				value("authenticateClient: status Failed subject "+tt.subject+" reason "+tt.reason+": "+msg)+`; ES10 CancelSession; `; got != want {
				t.Fatalf("refusal:\n got: %s\nwant: %s", got, want)
			}
			var req es10.CancelSessionRequest
			for _, f := range effs {
				if e, ok := f.(ES10); ok {
					var err error
					if req, err = es10.DecodeCancelSessionRequest(e.Req); err != nil {
						t.Fatal(err)
					}
				}
			}
			if req.Reason != tt.cancel || !bytes.Equal(req.TransactionID, dlTx) {
				t.Fatalf("CancelSession %+v, want reason %d for the session", req, tt.cancel)
			}
			runDL(t, a, []dlStep{
				{es10Ans(es10.CancelSessionResponse{TransactionID: dlTx, SmdpOID: []byte{0x2B, 0x06}, Reason: tt.cancel, Signature: dlSig}.Encode(), 0x9000),
					"ES9 smdp.orange.test cancelSession [cancelSessionResponse transactionId]; "}})
			got := a.noRoomFor("orange-fr")
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Fatalf("noRoomFor = %q, want %q", got, tt.want)
			}
			if tt.want == "" {
				return
			}
			a.st.Profiles = a.st.Profiles[1:] // a profile left the card
			if why := a.noRoomFor("orange-fr"); why != "" {
				t.Errorf("ordered no more after a profile left: %s", why)
			}
		})
	}
}

// TestDeletedProfileFreesRoom: a profile another LPA deletes (ES10c
// DeleteProfile through the card's ISD-R) frees room at once — the card
// executed the delete and steps ProfilesDeleted — so an operator
// remembered as not fitting, and a full card, order the download at the
// next check, not after the next reset. no_room_lifted names what the
// deletion lifted. A deletion that lifts nothing logs nothing; one of a
// profile the applet does not know is ignored.
func TestDeletedProfileFreesRoom(t *testing.T) {
	free := simOp{ID: "free", PLMN: "20815", ICCID: "89331500000000000016", DownloadOK: true, Outcomes: []outcome{attachOK}}
	tests := []struct {
		name      string
		profiles  int
		noRoom    bool   // free's SM-DP+ refused it for lack of memory
		noRoomAt  int    // with this many profiles on the card; 0: as it is
		deleted   int    // profiles deleted (the last fillers); -1: an ICCID the applet never knew
		lifted    string // no_room_lifted's fields, "" for none
		downloads int    // download requests after the deletion
	}{
		{"full card, one filler deleted", 64, false, 0, 1, "full_card=true iccids=[\"8944000000000000639\"] operators=[] profiles=63", 1},
		{"no room for free, one filler deleted", 10, true, 0, 1, "full_card=false iccids=[\"8944000000000000092\"] operators=[\"free\"] profiles=9", 1},
		{"no room for free, nothing the applet knew deleted", 10, true, 0, -1, "", 0},
		{"room already, one filler deleted", 10, false, 0, 1, "", 0}, // lifts nothing; free already serves
		// Refused with 9, one installed since: back to 9 is no more room.
		{"no room for free at 9, 10 now, one filler deleted", 10, true, 9, 1, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim([]simOp{free}, nil)
			fillCard(s, tt.profiles)
			if tt.noRoom {
				s.a.st.NoRoom = []NoRoom{{Operator: "free", Profiles: cmp.Or(tt.noRoomAt, tt.profiles), SMDP: true}}
			}
			s.run(2)
			before := 0
			for _, l := range s.logs {
				if l.Kind == KindDownloadRequested {
					before++
				}
			}
			if want := map[bool]int{true: 0, false: 1}[tt.noRoom || tt.profiles == maxProfiles]; before != want {
				t.Fatalf("%d downloads before the deletion, want %d: %s", before, want, s.kinds())
			}
			card := slices.Clone(s.card)
			if tt.deleted > 0 {
				// The last fillers, never a profile the applet downloaded
				// (enabled, which the ISD-R would not delete).
				for range tt.deleted {
					for i := len(card) - 1; i >= 0; i-- {
						if strings.HasPrefix(card[i].Operator, "filler-") {
							card = slices.Delete(card, i, i+1)
							break
						}
					}
				}
			} else {
				card = append(card, Profile{ICCID: "89000000000000000004"})
			}
			s.card = slices.Clone(card)
			n := len(s.logs)
			effs := s.a.Step(ProfilesDeleted{Profiles: slices.Clone(card)})
			s.queue = append(s.queue, effs...)
			var got []string
			for _, e := range effs {
				if l, ok := e.(Log); ok && l.Kind == KindNoRoomLifted {
					got = append(got, show([]Effect{l}))
				}
			}
			if want := "log no_room_lifted " + tt.lifted + "; "; tt.lifted != "" && (len(got) != 1 || got[0] != want) || tt.lifted == "" && len(got) != 0 {
				t.Fatalf("no_room_lifted %q, want %q", got, tt.lifted)
			}
			if ignored := strings.Contains(show(effs), "log ignored input=profiles_deleted "); ignored != (tt.deleted < 0) {
				t.Errorf("ignored: %v, want %v: %s", ignored, tt.deleted < 0, show(effs))
			}
			// The entries a deletion lifted go (noRoomFor would skip them).
			for _, r := range s.a.st.NoRoom {
				if r.Profiles > len(s.a.st.Profiles) {
					t.Errorf("no-room entry %+v kept with %d profiles on the card", r, len(s.a.st.Profiles))
				}
			}
			s.play(5)
			if len(s.failures) > 0 {
				t.Fatalf("invariants: %s\nlog: %s", strings.Join(s.failures, "\n"), s.kinds())
			}
			after := 0
			for _, l := range s.logs[n:] {
				if l.Kind == KindDownloadRequested {
					after++
				}
			}
			if after != tt.downloads {
				t.Fatalf("%d downloads after the deletion, want %d: %s", after, tt.downloads, s.kinds())
			}
		})
	}
}
