package applet

import (
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// rescueAfter is how many periodic checks in a row must find no normal
// service before the card tries its other profiles: one check may fall in
// a re-attach after a move or a restart.
const rescueAfter = 2

// idleCheck is the periodic check (claim 1): from the location, service
// and visible cells it decides, in this order,
//
//   - coming home (DESIGN.md §1): the home profile's network is serving or
//     visible while another profile roams or has no normal service →
//     enable the home profile, no platform request;
//   - rescue: no normal service on the enabled profile at two checks in a
//     row → try the card's other profiles (no bearer, so no list);
//   - roaming with normal service → ask the platform for the area's
//     preferred list (claims 1–2), unless the platform's back-off runs
//     (platform.go);
//
// and otherwise nothing (at home, or nothing to try).
func (a *Applet) idleCheck(e LocalInfo) {
	cur, ok := a.enabled()
	if !ok {
		a.log(KindCheck, "service", e.Service.String(), "error", "no enabled profile")
		return
	}
	area := mcc(e.PLMN)
	if area == "" && len(e.Cells) > 0 {
		area = mcc(e.Cells[0].PLMN)
	}
	if e.Service == NormalService {
		a.st.NoService = 0
	} else {
		a.st.NoService++
	}
	if h, ok := a.homeVisible(e, cur, area); ok {
		a.log(KindReturningHome, "operator", h.Operator, "plmn", h.HomePLMN)
		a.startCycle(&Cycle{Trigger: TriggerHome, Area: area, Serving: a.st.Serving, Original: cur.ICCID,
			Ops: []ListOperator{{ID: h.Operator, PLMN: h.HomePLMN}}, Visible: visibleNetworks(e)})
		return
	}
	if e.Service != NormalService {
		if a.st.NoService >= rescueAfter {
			visible := visibleNetworks(e)
			if ops := a.rescueOps(cur, area, visible); len(ops) > 0 {
				// The enabled profile failed here as surely as an attempt,
				// unless that failure is counted already: a cycle left it
				// here after it failed, and this is the same outage.
				// Refused by its own network, in sight: the back-off was
				// earned there, and spends its one try (visibleExempt).
				if !a.strandedCounted(cur, area) {
					a.backoffSeen(visible, cur.Operator, cur.HomePLMN, area, "")
					a.strand(cur, area, "", true, false, false)
				}
				a.startCycle(&Cycle{Trigger: TriggerRescue, Area: area, Original: cur.ICCID, Ops: ops, Visible: visible})
				return
			}
		}
		a.log(KindCheck, "service", e.Service.String())
		return
	}
	if cur.AtHome(e.PLMN) {
		return // at home, on its HPLMN or an EHPLMN
	}
	a.log(KindRoamingDetected, "serving_plmn", e.PLMN)
	if a.platformHeld(e.PLMN) {
		return
	}
	req := platformapi.ListRequest{
		EID:         a.cfg.EID,
		ICCID:       cur.ICCID,
		HomePLMN:    cur.HomePLMN,
		ServingPLMN: e.PLMN,
		TAC:         fmt.Sprintf("%04x", e.TAC),
		CellID:      fmt.Sprintf("%08x", e.CellID),
		Signal:      make([]platformapi.SignalReport, 0, len(e.Cells)),
	}
	// A network with several cells measured is reported once, by its
	// strongest (the cells come strongest first): the API takes a PLMN
	// once, as the list it answers ranks networks, not cells.
	for _, c := range e.Cells {
		if !slices.ContainsFunc(req.Signal, func(r platformapi.SignalReport) bool { return r.PLMN == c.PLMN }) {
			req.Signal = append(req.Signal, platformapi.SignalReport{PLMN: c.PLMN, RSRP: c.RSRP})
		}
	}
	a.st.Cycle = &Cycle{Trigger: TriggerList, Area: area, Serving: e.PLMN, Original: cur.ICCID, Visible: visibleNetworks(e)}
	a.become(ModeAwaitingList)
	// Logged before the post: the runtime carries effects out in order and
	// the exchange itself makes the platform log its answer. The signal
	// report goes with it, as sent: a list's rsrp must be the card's own
	// (esimhil fleet holds an external platform's lists to it).
	signal := make([]eventlog.F, len(req.Signal))
	for i, r := range req.Signal {
		signal[i] = eventlog.F{"plmn": r.PLMN, "rsrp": r.RSRP}
	}
	a.log(KindPreferredListRequested, "serving_plmn", e.PLMN, "signal", signal)
	a.post(ownerList, PathPreferredList, mustJSON(req))
}

// homeVisible returns the home profile when coming home applies: it is not
// the enabled one, its network serves or is visible, the enabled profile
// roams or has no normal service, and it is not backed off here — but for
// once, as for the rescue (visibleExempt): a back-off earned where the
// home network had no cell must not keep the device off it where it is
// visible (outside tester t84 N2: T-Mobile backed off for failures where
// only Sprint's 313 served kept a device roaming beside its own network's
// cells in New York for 35 minutes, asking for a list at every check).
func (a *Applet) homeVisible(e LocalInfo, cur Profile, area string) (Profile, bool) {
	h, ok := a.profileByICCID(a.st.Home)
	if !ok || h.ICCID == cur.ICCID {
		return Profile{}, false
	}
	if e.Service == NormalService && cur.AtHome(e.PLMN) {
		return Profile{}, false // the enabled profile is at home itself
	}
	seen := e.Service != NoService && h.AtHome(e.PLMN)
	for _, c := range e.Cells {
		seen = seen || h.AtHome(c.PLMN)
	}
	if !seen {
		return Profile{}, false
	}
	if _, off := a.backedOff(h.Operator, area, ""); off && !a.visibleExempt(h.Operator, area, "", h.HomePLMN, visibleNetworks(e), false) {
		return Profile{}, false
	}
	return h, true
}

// visibleNetworks are the networks the terminal camps on (limited
// service names one) or measures.
func visibleNetworks(e LocalInfo) []string {
	var out []string
	if e.Service != NoService && e.PLMN != "" {
		out = append(out, e.PLMN)
	}
	for _, c := range e.Cells {
		if !slices.Contains(out, c.PLMN) {
			out = append(out, c.PLMN)
		}
	}
	return out
}

// rescueOps lists the profiles to try when the enabled one has no service:
// the home profile first, then the others in card order, none backed off
// but one whose network is visible, once (visibleExempt): a back-off earned
// where that network had no cell must not keep the device off it where
// it is the only one (outside tester sw80: 19 minutes in limited service
// beside Bouygues' cells, backed off since Paris, where it had none).
func (a *Applet) rescueOps(cur Profile, area string, visible []string) []ListOperator {
	var ops []ListOperator
	add := func(p Profile) {
		if p.ICCID == cur.ICCID || p.Operator == cur.Operator {
			return
		}
		if _, off := a.backedOff(p.Operator, area, ""); off && !a.visibleExempt(p.Operator, area, "", p.HomePLMN, visible, false) {
			return
		}
		for _, o := range ops {
			if o.ID == p.Operator {
				return
			}
		}
		ops = append(ops, ListOperator{ID: p.Operator, PLMN: p.HomePLMN})
	}
	if h, ok := a.profileByICCID(a.st.Home); ok {
		add(h)
	}
	for _, p := range a.st.Profiles {
		add(p)
	}
	return ops
}
