package applet

import (
	"encoding/json"
	"fmt"

	wire "github.com/esimhil/esimhil/internal/proto/platformapi"
)

// localInfo judges roaming from the terminal's answer (claim 1) and, when
// roaming, asks the platform for the area's preferred list (claim 2).
func (a *Applet) localInfo(e LocalInfo) {
	if e.Service != NormalService {
		a.log("check", "service", e.Service.String())
		return
	}
	if w, c := a.st.Await, a.st.Cycle; (w != nil && !w.Attached) || (c != nil && c.Phase == phaseFallback && c.Waiting) {
		// A periodic check can confirm the attach as well as the event can.
		a.locationStatus(LocationStatus{Service: e.Service, PLMN: e.PLMN, TAC: e.TAC, CellID: e.CellID})
		return
	}
	if a.st.DL != nil {
		a.log("check", "service", e.Service.String(), "busy", "download of "+a.st.DL.Operator)
		return
	}
	if a.st.Enabling != "" {
		a.log("check", "service", e.Service.String(), "busy", "enabling "+a.st.Enabling)
		return
	}
	if c := a.st.Cycle; c != nil {
		// A new list replaces the old one only between cycles.
		a.log("check", "service", e.Service.String(), "busy", "list "+c.ListID+" "+c.Phase)
		return
	}
	p, ok := a.enabled()
	if !ok {
		a.log("check", "service", e.Service.String(), "error", "no enabled profile")
		return
	}
	if e.PLMN == p.HomePLMN {
		return
	}
	a.log("roaming_detected", "serving_plmn", e.PLMN)
	req := wire.ListRequest{
		EID:         a.cfg.EID,
		ICCID:       p.ICCID,
		HomePLMN:    p.HomePLMN,
		ServingPLMN: e.PLMN,
		TAC:         fmt.Sprintf("%04x", e.TAC),
		CellID:      fmt.Sprintf("%08x", e.CellID),
		Signal:      make([]wire.SignalReport, 0, len(e.Cells)),
	}
	for _, c := range e.Cells {
		req.Signal = append(req.Signal, wire.SignalReport{PLMN: c.PLMN, RSRP: c.RSRP})
	}
	body, _ := json.Marshal(req) // plain strings and ints: cannot fail
	a.st.Serving = e.PLMN
	// Logged before the post: the runtime carries effects out in order and
	// the exchange itself makes the platform log its answer.
	a.log("preferred_list_requested", "serving_plmn", e.PLMN)
	a.st.ListReq = a.post(PathPreferredList, body) // a newer request supersedes an unanswered one
}
