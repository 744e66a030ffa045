package applet

import (
	"errors"
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// maxNoRoom bounds State.NoRoom: NVM is bounded, and a card meets few
// operators.
const maxNoRoom = 16

// noteNoRoom remembers that op's profile did not fit: an install refused
// for lack of memory (errorReason 10) fails again until something leaves
// the card, and each order costs the operator a profile (outside tester
// sw80: a full card ordered 6 profiles of each of two operators in 12 h,
// each a new ICCID). A profile's size is its operator's, so others may
// still fit and are tried.
func (a *Applet) noteNoRoom(op string, errorReason int) {
	if errorReason == es10.ReasonInsufficientMemory {
		a.rememberNoRoom(op, false)
	}
}

// noteSMDPNoRoom is noteNoRoom for the SM-DP+'s eligibility refusal at
// authenticateClient (8.1/4.8, SGP.22 §5.6.3): it read the free memory
// the card signed into EUICCInfo2 and found no room for the package,
// which the card learns before any package is sent, and which holds as
// long as the ISD-R's own refusal would. It reports whether err was that
// refusal.
func (a *Applet) noteSMDPNoRoom(op string, err error) bool {
	var se *es9.StatusError
	if errors.As(err, &se) && se.NoRoom() {
		a.rememberNoRoom(op, true)
		return true
	}
	return false
}

func (a *Applet) rememberNoRoom(op string, smdp bool) {
	// Entries a profile's leaving made stale go too (noRoomFor ignores
	// them): the table stays small without a query that writes.
	profiles := len(a.st.Profiles)
	a.st.NoRoom = slices.DeleteFunc(a.st.NoRoom, func(n NoRoom) bool { return n.Operator == op || profiles < n.Profiles })
	a.st.NoRoom = append(a.st.NoRoom, NoRoom{Operator: op, Profiles: profiles, SMDP: smdp})
	if len(a.st.NoRoom) > maxNoRoom {
		a.st.NoRoom = a.st.NoRoom[len(a.st.NoRoom)-maxNoRoom:]
	}
}

// noRoomFor says why op's profile is not ordered ("" when it is): its
// last install did not fit, or its SM-DP+ said it would not, and no
// profile has left the card since.
func (a *Applet) noRoomFor(op string) string {
	n := len(a.st.Profiles)
	i := slices.IndexFunc(a.st.NoRoom, func(r NoRoom) bool { return r.Operator == op && n >= r.Profiles })
	if i < 0 {
		return ""
	}
	r := a.st.NoRoom[i]
	if r.SMDP {
		return fmt.Sprintf("no room on the card: its SM-DP+ refused the download for lack of memory (%s %s/%s) with %d profiles on the card, and none has left it since",
			es9.FnAuthenticateClient, es9.SubjectEUICC, es9.ReasonInsufficientMemory, r.Profiles)
	}
	return fmt.Sprintf("no room on the card: its install failed for lack of memory (errorReason %d) with %d profiles on the card, and none has left it since", es10.ReasonInsufficientMemory, r.Profiles)
}

// fullCard is why a download is not ordered on a card whose profile slots
// are all taken: the ISD-R would refuse the install at storeMetadata
// (errorReason 10, SGP.22 §2.5.6) after a whole order and BPP transfer
// (outside tester t244: 234 such refusals in 182 h). Unlike a package
// too large for the free memory, which only its download tells, the count
// is the card's own. A slot freed orders again: a profile deleted by
// another LPA counts at once (profilesDeleted), a change seen at Boot
// then.
func fullCard(profiles int) string {
	return fmt.Sprintf("no room on the card: %d of %d profiles", profiles, maxProfiles)
}

// profilesDeleted takes the card's list after another LPA had the ISD-R
// delete profiles (ES10c DeleteProfile, eUICCMemoryReset). The card
// executed the delete, so the room it frees counts at once: an operator
// remembered as not fitting, and a card that was full, order again at the
// next check, where they used to wait for the next Boot (a reset, or the
// REFRESH of a switch). Only the profiles that left go from the applet's
// list: one the applet's own download has just installed and not yet
// recorded stays as it is. The cycle's references to a deleted profile
// are settled at the next Boot, as before (resume); an enable of one in
// the meantime fails as not found.
func (a *Applet) profilesDeleted(e ProfilesDeleted) {
	on := make(map[string]bool, len(e.Profiles))
	for _, p := range e.Profiles {
		on[p.ICCID] = true
	}
	var gone []string
	kept := a.st.Profiles[:0:0]
	for _, p := range a.st.Profiles {
		if on[p.ICCID] {
			kept = append(kept, p)
		} else {
			gone = append(gone, p.ICCID)
		}
	}
	if len(gone) == 0 {
		a.ignore(e, "no profile the applet knows left the card")
		return
	}
	before, after := len(a.st.Profiles), len(kept)
	a.st.Profiles = kept
	// What the deletion lifts: each no-room entry held until the card
	// holds fewer profiles than when it was made (noRoomFor), and the
	// full card's refusal of any download (fullCard). Entries it made
	// stale go.
	lifted := []string{}
	a.st.NoRoom = slices.DeleteFunc(a.st.NoRoom, func(r NoRoom) bool {
		if after >= r.Profiles {
			return false
		}
		if before >= r.Profiles {
			lifted = append(lifted, r.Operator)
		}
		return true
	})
	full := before >= maxProfiles && after < maxProfiles
	if len(lifted) == 0 && !full {
		return
	}
	a.log(KindNoRoomLifted, "iccids", gone, "profiles", after, "operators", lifted, "full_card", full)
}
