package euicc

import (
	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// toolkit handles the CAT commands of TS 102 221 §10.1.2: TERMINAL PROFILE,
// FETCH, TERMINAL RESPONSE and ENVELOPE.
func (c *Card) toolkit(ch *channel, cmd apdu.Command) apdu.Response {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	r := c.rt
	switch cmd.INS {
	case stk.InsTerminalProfile:
		if len(cmd.Data) == 0 {
			return apdu.Response{SW: apdu.SWWrongLength}
		}
		r.terminalProfile(cmd.Data)
		return apdu.Response{SW: apdu.SWOK}
	case stk.InsFetch:
		return r.fetch(cmd)
	case stk.InsTerminalResponse:
		resp := r.terminalResponse(cmd.Data)
		if r.switched {
			// The profile state change takes effect before the answer
			// to its TERMINAL RESPONSE: channels, selections and the
			// toolkit as after an ATR, the new profile's files (TS 102
			// 223 §6.4.7); the terminal initialises the card again.
			c.restart()
		}
		return resp
	default:
		return r.envelopeAPDU(cmd.Data)
	}
}

// fetch returns the pending proactive command (TS 102 221 §10.1.2.2).
func (r *runtime) fetch(cmd apdu.Command) apdu.Response {
	if r.pending == nil {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	if p3(cmd) != len(r.pending) { // T=0: P3 is the length sent, 00 256
		return apdu.Response{SW: apdu.WrongLe(len(r.pending))}
	}
	r.fetched = true
	return apdu.Response{Data: r.pending, SW: apdu.SWOK}
}

// terminalResponse feeds the answer to the fetched command to its operation.
func (r *runtime) terminalResponse(data []byte) apdu.Response {
	if r.pending == nil || !r.fetched {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	tr, err := stk.ParseTerminalResponse(data)
	if err != nil {
		r.errorf(KindSTKError, "terminal response: %v", err)
		return apdu.Response{SW: apdu.SWIncorrectData}
	}
	sent := r.pendingCmd.Details
	if tr.Details.Number != sent.Number || tr.Details.Type != sent.Type {
		r.errorf(KindSTKError, "terminal response to command %d type %02X, pending %d type %02X",
			tr.Details.Number, tr.Details.Type, sent.Number, sent.Type)
		return apdu.Response{SW: apdu.SWIncorrectData}
	}
	r.pending, r.fetched = nil, false
	r.switched = sent.Type == stk.CmdRefresh && sent.Qualifier == stk.RefreshEUICCProfileChange && tr.Result.OK()
	if !tr.Result.OK() && !isBIP(sent.Type) && !timerNotRunning(sent, tr.Result) {
		r.resultErrorf(KindSTKError, tr.Result, "%s", refusedCommand(sent.Type, tr.Result))
	}
	if r.cur != nil {
		r.advance(r.cur.response(tr))
	}
	return apdu.Response{SW: apdu.SWOK}
}

// refusedCommand is the reason of a proactive command the terminal did
// not perform: the command by its TS 102 223 name and the result with its
// words, as bip_error gives them ("proactive command 26: result 20/04"
// alone told a reader nothing of a check that found no service; outside
// tester t264).
func refusedCommand(typ byte, res stk.Result) string {
	return resultReason(stk.CommandName(typ), res)
}

// resultReason is "what: result R (its words)", the words left out for a
// result Meaning has none for: how stk_error and bip_error quote a
// terminal's result.
func resultReason(what string, res stk.Result) string {
	why := what + ": result " + res.String()
	if m := res.Meaning(); m != "" {
		why += " (" + m + ")"
	}
	return why
}

// timerNotRunning is the answer to TIMER MANAGEMENT's get current value
// for a timer the terminal does not run (24, TS 102 223 §6.4.21.2): what
// the card asks to learn after a TERMINAL PROFILE (timerOp), no error.
func timerNotRunning(sent stk.CommandDetails, res stk.Result) bool {
	return sent.Type == stk.CmdTimerManagement && sent.Qualifier == stk.TimerGetValue && res.General == stk.ResultTimerContradiction
}

func isBIP(typ byte) bool {
	return typ >= stk.CmdOpenChannel && typ <= stk.CmdSendData
}

// envelopeAPDU handles timer expiration and event download (TS 102 223 §7).
// While a proactive command is outstanding the card is busy (9300).
func (r *runtime) envelopeAPDU(data []byte) apdu.Response {
	if !r.started {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	if r.sessionOpen() {
		return apdu.Response{SW: apdu.SWToolkitBusy}
	}
	env, err := stk.ParseEnvelope(data)
	if err != nil {
		r.errorf(KindSTKError, "envelope: %v", err)
		return apdu.Response{SW: apdu.SWIncorrectData}
	}
	switch {
	case env.Tag == stk.TagTimerExpiration && env.TimerID == BIPTimer:
		// The runtime's own reply guard; a stale one is dropped.
		if r.cur != nil {
			r.advance(r.cur.envelope(env))
		}
	case env.Tag == stk.TagTimerExpiration:
		if env.TimerID < BIPTimer {
			r.armed[env.TimerID] = 0
		}
		r.step(applet.TimerExpired{ID: int(env.TimerID)})
		r.run()
	case env.Event == stk.EventLocationStatus:
		ev := applet.LocationStatus{Service: applet.NoService}
		if env.LocationStatus != nil {
			ev.Service = serviceOf(*env.LocationStatus)
		}
		if env.Location != nil {
			ev.PLMN, ev.TAC, ev.CellID = env.Location.PLMN, env.Location.TAC, env.Location.CellID
		}
		r.step(ev)
		r.run()
	case r.cur != nil:
		r.advance(r.cur.envelope(env))
	}
	return apdu.Response{SW: apdu.SWOK}
}

func serviceOf(status byte) applet.Service {
	switch status {
	case stk.LocNormal:
		return applet.NormalService
	case stk.LocLimited:
		return applet.LimitedService
	}
	return applet.NoService
}
