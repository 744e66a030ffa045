package applet

import (
	"encoding/json"

	wire "github.com/esimhil/esimhil/internal/proto/platformapi"
)

// profileEnabled records the switch and restarts the terminal (claim 1:
// notify the terminal to restart and re-attach).
func (a *Applet) profileEnabled(e ProfileEnabled) {
	if a.st.Enabling == "" || e.ICCID != a.st.Enabling {
		a.log("ignored", "event", "profile_enabled", "reason", "no enable of "+e.ICCID+" in flight")
		return
	}
	a.st.Enabling = ""
	if e.Result != 0 {
		a.log("profile_enable_failed", "iccid", e.ICCID, "result", e.Result)
		return
	}
	p, ok := a.profileByICCID(e.ICCID)
	if !ok {
		a.log("profile_enable_failed", "iccid", e.ICCID, "result", e.Result, "reason", "profile unknown to the applet")
		return
	}
	for i := range a.st.Profiles {
		a.st.Profiles[i].Enabled = a.st.Profiles[i].ICCID == e.ICCID
	}
	a.log("profile_enabled", "iccid", p.ICCID, "operator", p.Operator, "original", p.Original)
	if c := a.st.Cycle; c != nil && c.Phase == phaseFallback {
		// Back on the original (claim 3): its attach is awaited after the
		// Boot, and it is no preferred switch to report.
		a.persist()
		a.emit(Refresh{})
		return
	}
	if w := a.st.Await; w != nil && w.Attached {
		// The previous switch attached but its report was not taken yet
		// (claim 1: the report is never lost): owe it.
		a.st.Owed = append(a.st.Owed, OwedNote{Kind: "attach-success", Operator: w.Operator, ICCID: w.ICCID, PLMN: w.PLMN, Report: w.Report})
	}
	a.st.LastReport++
	a.st.Await = &AttachCheck{ICCID: p.ICCID, Operator: p.Operator, PLMN: p.HomePLMN, Report: a.st.LastReport}
	// Persist before REFRESH: the reset must not lose the pending check.
	a.persist()
	a.emit(Refresh{})
}

// locationStatus is the attach check after a switch: normal service on the
// new profile's home network means the attach on the preferred operator
// succeeded, and the platform is told so.
func (a *Applet) locationStatus(e LocationStatus) {
	if a.cycleLocation(e) {
		return
	}
	w := a.st.Await
	if w == nil || w.Attached {
		return
	}
	a.judgeAttach(e)
}

func (a *Applet) sendAttachSuccess() {
	w := a.st.Await
	body, _ := json.Marshal(wire.Notification{
		EID: a.cfg.EID, Kind: "attach-success", ICCID: w.ICCID, Operator: w.Operator, PLMN: w.PLMN, Report: w.Report,
	})
	a.st.NotifyReq = a.post(PathNotifications, body)
}

// notifyResult clears the owed notification once the platform took it; on
// failure it stays owed and the next periodic check resends it.
func (a *Applet) notifyResult(e HTTPResult) {
	if reason := httpFailure(e); reason != "" {
		a.log("notification_failed", "kind", "attach-success", "to", "platform", "reason", reason)
		return
	}
	a.log("notification_sent", "kind", "attach-success", "to", "platform")
	a.st.Await = nil
	a.persist()
}
