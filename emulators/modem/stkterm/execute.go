package stkterm

import (
	"errors"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// execute runs one proactive command and returns the encoded terminal
// response; respond is false when none must be sent (REFRESH with reset).
func (t *Terminal) execute(raw []byte) (tr []byte, respond bool) {
	cmd, err := stk.ParseCommand(raw)
	var r stk.TerminalResponse
	if err != nil {
		// TS 102 223 §6.10: a command the terminal cannot decode is
		// answered with the result the decoder names, default 32.
		res := byte(stk.ResultDataNotUnderstood)
		var ce *stk.CommandError
		if errors.As(err, &ce) {
			res = ce.Result
		}
		t.tracef("command % X: %v", raw, err)
		r = stk.Respond(cmd, result(res))
	} else {
		var ok bool
		if r, ok = t.run(cmd); !ok {
			return nil, false
		}
	}
	b, err := r.Encode()
	if err != nil {
		t.tracef("terminal response: %v", err)
		b, _ = stk.Respond(cmd, result(stk.ResultTerminalUnable, stk.UnableNoCause)).Encode()
	}
	return b, true
}

func result(general byte, additional ...byte) stk.Result {
	return stk.Result{General: general, Additional: additional}
}

func (t *Terminal) run(c stk.Command) (stk.TerminalResponse, bool) {
	switch c.Details.Type {
	case stk.CmdTimerManagement:
		if !t.profile.Has(stk.FacTimerStartStop) {
			// What the terminal profile does not announce, it refuses.
			return stk.Respond(c, result(stk.ResultBeyondCapabilities)), true
		}
		return t.timerManagement(c), true
	case stk.CmdPollInterval:
		return t.pollInterval(c), true
	case stk.CmdPollingOff:
		return t.pollingOff(c), true
	case stk.CmdProvideLocalInfo:
		return t.provideLocalInfo(c), true
	case stk.CmdSetUpEventList:
		return t.setUpEventList(c), true
	case stk.CmdOpenChannel:
		return t.openChannel(c), true
	case stk.CmdSendData:
		return t.sendData(c), true
	case stk.CmdReceiveData:
		return t.receiveData(c), true
	case stk.CmdCloseChannel:
		return t.closeChannelCmd(c), true
	case stk.CmdRefresh:
		return t.refresh(c)
	}
	if !stk.KnownCommand(c.Details.Type) {
		return stk.Respond(c, result(stk.ResultTypeNotUnderstood)), true
	}
	return stk.Respond(c, result(stk.ResultBeyondCapabilities)), true
}

// refresh hands the REFRESH to the modem (TS 102 223 §6.4.7). With UICC
// reset the card is about to be reset, so no terminal response is sent and
// the terminal stops until the next Start. With eUICC Profile State Change
// the modem ends the card's session (its AT side, the network) and then
// answers it (AnswerRefresh): the card resets itself internally before it
// answers that TERMINAL RESPONSE, and the terminal initialises it again
// without an electrical reset — no ATR (outside tester sw119: the
// terminal took 09 for a reset and never answered it).
func (t *Terminal) refresh(c stk.Command) (stk.TerminalResponse, bool) {
	q := c.Details.Qualifier
	switch q {
	case stk.RefreshUICCReset:
		t.stop()
		t.host.Refresh(q)
		return stk.TerminalResponse{}, false
	case stk.RefreshEUICCProfileChange:
		t.held = &c
		t.host.Refresh(q)
		return stk.TerminalResponse{}, false
	case stk.RefreshNAAInitFullFileChange, stk.RefreshFileChange, stk.RefreshNAAInitFileChange,
		stk.RefreshNAAInit, stk.RefreshNAAAppReset, stk.RefreshNAASessionReset:
		// The response goes first; the modem defers the refresh itself.
		t.host.Refresh(q)
		return stk.Respond(c, result(stk.ResultOK)), true
	}
	return stk.Respond(c, result(stk.ResultBeyondCapabilities)), true
}

type timerState struct {
	timer clock.Timer
	start time.Time
	d     time.Duration
}

// timerManagement runs TIMER MANAGEMENT (TS 102 223 §6.4.21) on the
// loop's virtual clock.
func (t *Terminal) timerManagement(c stk.Command) stk.TerminalResponse {
	id := c.TimerID
	now := t.loop.Now()
	switch c.Details.Qualifier {
	case stk.TimerStart:
		if old := t.timers[id]; old != nil {
			old.timer.Stop()
		}
		ts := &timerState{start: now, d: c.TimerValue}
		ts.timer = t.loop.Clock().AfterFunc(c.TimerValue, func() { t.timerFired(id, ts) })
		t.timers[id] = ts
		r := stk.Respond(c, result(stk.ResultOK))
		r.TimerID = id
		return r
	case stk.TimerDeactivate, stk.TimerGetValue:
		ts := t.timers[id]
		if ts == nil {
			return stk.Respond(c, result(stk.ResultTimerContradiction))
		}
		left := max(ts.d-now.Sub(ts.start), 0)
		if c.Details.Qualifier == stk.TimerDeactivate {
			ts.timer.Stop()
			t.timers[id] = nil
		}
		r := stk.Respond(c, result(stk.ResultOK))
		r.TimerID = id
		r.TimerValue = &left
		return r
	}
	return stk.Respond(c, result(stk.ResultBeyondCapabilities))
}

func (t *Terminal) timerFired(id byte, ts *timerState) {
	if t.timers[id] != ts {
		return
	}
	t.timers[id] = nil
	// TS 102 223 §7.4: the value is the time elapsed since the start.
	t.sendEnvelope(stk.NewTimerExpiration(id, t.loop.Now().Sub(ts.start)))
}

// provideLocalInfo answers PROVIDE LOCAL INFORMATION (TS 102 223
// §6.4.15): the IMEI, the date and time and the language come from the
// terminal itself, with or without service; the rest from the host's
// registration.
func (t *Terminal) provideLocalInfo(c stk.Command) stk.TerminalResponse {
	r := stk.Respond(c, result(stk.ResultOK))
	switch c.Details.Qualifier {
	case stk.PLIIMEI:
		// The check digit goes as the spare 0 (stk.EncodeIMEI); an IMEI
		// that is not 15 digits is not replaced by an invented one.
		imei := t.host.IMEI()
		if _, err := stk.EncodeIMEI(imei); err != nil {
			t.tracef("provide local information: %v", err)
			return stk.Respond(c, result(stk.ResultTerminalUnable, stk.UnableNoCause))
		}
		r.IMEI = imei
	case stk.PLIDateTime:
		// The virtual clock, in UTC; the emulated network sends no NITZ,
		// so the time zone is not known (FF, TS 102 223 §8.39).
		r.DateTime = &stk.DateTime{Time: t.loop.Now().UTC()}
	case stk.PLILanguage:
		r.Language = t.lang
	case stk.PLILocation, stk.PLINMR, stk.PLIAccessTechnology:
		return t.radioInfo(c)
	default:
		return stk.Respond(c, result(stk.ResultBeyondCapabilities))
	}
	return r
}

// radioInfo answers the PROVIDE LOCAL INFORMATION qualifiers that need the
// network from the host's registration (TS 31.111 §6.4.15 for the E-UTRAN
// forms): location, NMR and access technology.
func (t *Terminal) radioInfo(c stk.Command) stk.TerminalResponse {
	loc := t.host.Location()
	if loc.Service == NoService {
		return stk.Respond(c, result(stk.ResultTerminalUnable, stk.UnableNoService))
	}
	res := result(stk.ResultOK)
	if loc.Service == LimitedService {
		res = result(stk.ResultLimitedService)
	}
	r := stk.Respond(c, res)
	switch c.Details.Qualifier {
	case stk.PLILocation:
		r.Location = &stk.LocationInfo{PLMN: loc.Serving.PLMN, TAC: loc.Serving.TAC, CellID: loc.Serving.CellID}
	case stk.PLINMR:
		// TS 31.111 §6.4.15: on E-UTRAN the command says which
		// measurements it wants.
		switch c.MeasQualifier {
		case 0:
			return stk.Respond(c, result(stk.ResultValuesMissing))
		case stk.MeasQualEUTRANIntra, stk.MeasQualEUTRANInter:
		default:
			return stk.Respond(c, result(stk.ResultBeyondCapabilities))
		}
		r.NMR = measResults(loc)
	case stk.PLIAccessTechnology:
		r.AccessTech = new(byte(stk.AccessEUTRAN))
	}
	return r
}

// measResults reports the serving cell and up to eight other visible cells,
// strongest first, each with its global identity (cgi-Info). The world
// models RSRP only, so RSRQ is the nominal -10 dB (index 20).
func measResults(loc Location) *stk.MeasResults {
	const nominalRSRQ = 20
	m := &stk.MeasResults{MeasID: 1, ServingRSRP: loc.Serving.RSRP, ServingRSRQ: nominalRSRQ}
	for _, cell := range loc.Visible {
		if cell.PLMN == loc.Serving.PLMN && cell.CellID == loc.Serving.CellID || len(m.Neighbours) == 8 {
			continue
		}
		m.Neighbours = append(m.Neighbours, stk.Neighbour{PCI: int(cell.CellID % 504), PLMN: cell.PLMN,
			CellID: cell.CellID & 0x0FFFFFFF, TAC: cell.TAC, RSRP: cell.RSRP, RSRQ: nominalRSRQ})
	}
	return m
}

var supportedEvents = map[byte]bool{
	stk.EventLocationStatus: true,
	stk.EventDataAvailable:  true,
	stk.EventChannelStatus:  true,
}

// setUpEventList replaces the events the card wants (TS 102 223 §6.4.16).
func (t *Terminal) setUpEventList(c stk.Command) stk.TerminalResponse {
	for _, e := range c.Events {
		if !supportedEvents[e] {
			return stk.Respond(c, result(stk.ResultBeyondCapabilities))
		}
	}
	t.events = map[byte]bool{}
	for _, e := range c.Events {
		t.events[e] = true
	}
	t.lastLS = nil
	return stk.Respond(c, result(stk.ResultOK))
}

type lsKey struct {
	service Service
	cell    Cell
}

// LocationChanged sends the location status event (TS 102 223 §7.5.4) if
// the card subscribed to it and the status or location differs from what
// was last sent; a registration lost takes an open channel's link with it
// (bearerLost), after that event.
func (t *Terminal) LocationChanged() {
	if !t.running {
		return
	}
	if !t.host.DataReady() {
		defer t.bearerLost()
	}
	if !t.events[stk.EventLocationStatus] {
		return
	}
	loc := t.host.Location()
	key := lsKey{service: loc.Service, cell: Cell{PLMN: loc.Serving.PLMN, TAC: loc.Serving.TAC, CellID: loc.Serving.CellID}}
	if loc.Service == NoService {
		key.cell = Cell{}
	}
	if t.lastLS != nil && *t.lastLS == key {
		return
	}
	t.lastLS = &key
	li := &stk.LocationInfo{PLMN: key.cell.PLMN, TAC: key.cell.TAC, CellID: key.cell.CellID}
	t.sendEnvelope(stk.NewLocationStatusEvent(byte(loc.Service), li))
}
