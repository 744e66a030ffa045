package euicc

import (
	"sort"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// eventListOp is SET UP EVENT LIST for the events the runtime needs
// (TS 102 223 §6.4.16); the first one's completion boots the applet, one
// sent again to a restarted terminal (rearm) has no boot, and may close
// the channel of an exchange the restart ended (bipOp.abandon), whatever
// the terminal answers to that.
type eventListOp struct {
	boot    applet.Event
	close   byte
	closing bool
}

func (o *eventListOp) start() stk.Command {
	return stk.NewSetUpEventList(0, stk.EventLocationStatus, stk.EventDataAvailable, stk.EventChannelStatus)
}

func (o *eventListOp) response(stk.TerminalResponse) (*stk.Command, bool, applet.Event) {
	if o.close != 0 && !o.closing {
		o.closing = true
		cmd := stk.NewCloseChannel(0, o.close)
		return &cmd, false, nil
	}
	return nil, true, o.boot
}

func (o *eventListOp) envelope(stk.Envelope) (*stk.Command, bool, applet.Event) {
	return nil, false, nil
}

// timerOp is TIMER MANAGEMENT start, or deactivate with stop (TS 102 223
// §6.4.21). A refused start means the terminal has no timers: the timer,
// and every later one, runs on the terminal's polls (polltimers.go).
// With probe, a timer the card had started before a TERMINAL PROFILE
// (rearm) is first asked for its current value: a terminal whose toolkit
// ran on (a host's TERMINAL PROFILE through +CSIM) still runs it and
// answers it, and it is left to run; one that restarted has none (24,
// contradiction with the timer state) and it is started, whole.
type timerOp struct {
	r      *runtime
	id     int
	d      time.Duration
	stop   bool
	probe  bool
	asking bool // POLL INTERVAL sent after the refusal
}

func (o *timerOp) start() stk.Command {
	switch {
	case o.stop:
		return stk.NewTimerDeactivate(0, byte(o.id))
	case o.probe:
		return stk.NewTimerGetValue(0, byte(o.id))
	}
	return stk.NewTimerStart(0, byte(o.id), o.d)
}

func (o *timerOp) response(tr stk.TerminalResponse) (*stk.Command, bool, applet.Event) {
	r := o.r
	switch {
	case o.probe:
		o.probe = false
		if tr.Result.OK() {
			return nil, true, nil // still running: its expiry will come
		}
		cmd := o.start()
		return &cmd, false, nil
	case o.asking:
		r.pollAnswer(tr)
	case !o.stop && !tr.Result.OK():
		r.noTimers = true
		r.armed[o.id] = 0
		r.startPollTimer(o.id, o.d)
		if r.clk.mode == pollNotAsked {
			if cmd, ok := r.pollInterval(); ok {
				o.asking = true
				return &cmd, false, nil
			}
		}
	}
	return nil, true, nil
}

func (o *timerOp) envelope(stk.Envelope) (*stk.Command, bool, applet.Event) {
	return nil, false, nil
}

// refreshOp is REFRESH (TS 102 223 §6.4.7) in mode q: the terminal resets
// the card, which ends this runtime; the next one boots the applet.
type refreshOp struct{ q byte }

func (o *refreshOp) start() stk.Command { return stk.NewRefresh(0, o.q) }

// response: an eUICC Profile State Change the terminal could not carry
// out is asked again as a UICC reset, which every terminal with REFRESH
// does — not left half done, the new profile enabled and the old one's
// files served (outside tester sw121).
func (o *refreshOp) response(tr stk.TerminalResponse) (*stk.Command, bool, applet.Event) {
	if o.q == stk.RefreshEUICCProfileChange && !tr.Result.OK() {
		o.q = stk.RefreshUICCReset
		cmd := o.start()
		return &cmd, false, nil
	}
	return nil, true, nil
}

func (o *refreshOp) envelope(stk.Envelope) (*stk.Command, bool, applet.Event) {
	return nil, false, nil
}

// locationOp is PROVIDE LOCAL INFORMATION for the location (qualifier 00)
// then the E-UTRAN network measurement results (02, TS 31.111), answered
// as one LocalInfo: the serving cell and its neighbours, strongest first.
type locationOp struct {
	info applet.LocalInfo
	nmr  bool
}

func (o *locationOp) start() stk.Command { return stk.NewProvideLocalInfo(0, stk.PLILocation) }

func (o *locationOp) response(tr stk.TerminalResponse) (*stk.Command, bool, applet.Event) {
	if o.nmr {
		if tr.Result.OK() && tr.NMR != nil {
			o.info.Cells = append(o.info.Cells, applet.Measurement{PLMN: o.info.PLMN, RSRP: tr.NMR.ServingRSRP})
			for _, n := range tr.NMR.Neighbours {
				if n.PLMN != "" { // a cell without cgi-Info names no network
					o.info.Cells = append(o.info.Cells, applet.Measurement{PLMN: n.PLMN, RSRP: n.RSRP})
				}
			}
			sort.SliceStable(o.info.Cells, func(i, j int) bool { return o.info.Cells[i].RSRP > o.info.Cells[j].RSRP })
		}
		return nil, true, o.info
	}
	switch {
	case tr.Result.General == stk.ResultLimitedService:
		o.info.Service = applet.LimitedService
	case tr.Result.OK() && tr.Location != nil:
		o.info.Service = applet.NormalService
	default:
		// 20/04 (no service) and every other failure: nothing to measure.
		return nil, true, applet.LocalInfo{Service: applet.NoService}
	}
	if tr.Location != nil {
		o.info.PLMN, o.info.TAC, o.info.CellID = tr.Location.PLMN, tr.Location.TAC, tr.Location.CellID
	}
	o.nmr = true
	next := stk.NewProvideLocalInfoNMR(0)
	return &next, false, nil
}

func (o *locationOp) envelope(stk.Envelope) (*stk.Command, bool, applet.Event) {
	return nil, false, nil
}
