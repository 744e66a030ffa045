package euicc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// fakeMethod is the test double of the applet: it records events and
// answers each with the effects react returns.
type fakeMethod struct {
	events []applet.Event
	react  func(applet.Event) []applet.Effect
}

func (f *fakeMethod) Step(ev applet.Event) []applet.Effect {
	f.events = append(f.events, ev)
	if f.react == nil {
		return nil
	}
	return f.react(ev)
}

func (f *fakeMethod) last() applet.Event {
	if len(f.events) == 0 {
		return nil
	}
	return f.events[len(f.events)-1]
}

// term plays the terminal by hand with codec/stk.
type term struct {
	t      testing.TB
	c      *Card
	lastSW uint16
	held   *stk.Command // fetched by deliver, answered by closeChannel
	armed  bool         // the card started its reply guard timer
	// states records the State each applet was created with.
	states []applet.State
}

func newTerm(t *testing.T, cfg Config, fm *fakeMethod) *term {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, c: c}
	c.newMethod = func(_ applet.Config, st applet.State) method {
		tm.states = append(tm.states, st)
		return fm
	}
	c.Reset()
	t.Cleanup(c.PowerOff) // ends any exchange in flight, and its goroutine
	return tm
}

func (tm *term) send(cmd apdu.Command) apdu.Response {
	tm.t.Helper()
	r, err := apdu.ParseResponse(tm.c.Transmit(cmd.Bytes()))
	if err != nil {
		tm.t.Fatal(err)
	}
	if tm.c.panicked != nil {
		tm.t.Fatalf("card panicked: %v", tm.c.panicked)
	}
	tm.lastSW = r.SW
	return r
}

func (tm *term) expectSW(r apdu.Response, want uint16) {
	tm.t.Helper()
	if r.SW != want {
		tm.t.Fatalf("SW %04X, want %04X", r.SW, want)
	}
}

func (tm *term) terminalProfile(extra ...stk.Facility) apdu.Response {
	tp := stk.NewTerminalProfile(1, append([]stk.Facility{stk.FacProfileDownload, stk.FacSetUpEventList, stk.FacOpenChannel}, extra...)...)
	return tm.send(apdu.Command{CLA: 0x80, INS: stk.InsTerminalProfile, Data: tp})
}

// fetch expects a pending proactive command of the given type and fetches it.
func (tm *term) fetch(typ byte) stk.Command {
	tm.t.Helper()
	cmd := tm.fetchAny()
	if cmd.Details.Type != typ {
		tm.t.Fatalf("proactive command type %02X, want %02X", cmd.Details.Type, typ)
	}
	return cmd
}

// fetchAny fetches the pending proactive command, whatever its type.
func (tm *term) fetchAny() stk.Command {
	tm.t.Helper()
	if tm.held != nil {
		cmd := *tm.held
		tm.held = nil
		return cmd
	}
	if tm.lastSW>>8 != 0x91 {
		tm.t.Fatalf("no proactive command pending (SW %04X)", tm.lastSW)
	}
	r := tm.send(apdu.Command{CLA: 0x80, INS: stk.InsFetch, Le: int(tm.lastSW & 0xFF), HasLe: true})
	tm.expectSW(r, apdu.SWOK)
	cmd, err := stk.ParseCommand(r.Data)
	if err != nil {
		tm.t.Fatalf("parse proactive command %X: %v", r.Data, err)
	}
	return cmd
}

func (tm *term) respond(tr stk.TerminalResponse) apdu.Response {
	tm.t.Helper()
	b, err := tr.Encode()
	if err != nil {
		tm.t.Fatal(err)
	}
	return tm.send(apdu.Command{CLA: 0x80, INS: stk.InsTerminalResponse, Data: b})
}

func (tm *term) ok(cmd stk.Command) apdu.Response {
	tm.t.Helper()
	return tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultOK}))
}

func (tm *term) envelope(e stk.Envelope) apdu.Response {
	tm.t.Helper()
	b, err := e.Encode()
	if err != nil {
		tm.t.Fatal(err)
	}
	return tm.send(apdu.Command{CLA: 0x80, INS: stk.InsEnvelope, Data: b})
}

// boot sends TERMINAL PROFILE and completes SET UP EVENT LIST.
func (tm *term) boot(extra ...stk.Facility) apdu.Response {
	tm.t.Helper()
	tm.terminalProfile(extra...)
	cmd := tm.fetch(stk.CmdSetUpEventList)
	if !bytes.Equal(cmd.Events, []byte{stk.EventLocationStatus, stk.EventDataAvailable, stk.EventChannelStatus}) {
		tm.t.Fatalf("event list %X", cmd.Events)
	}
	return tm.ok(cmd)
}

// openChannel answers OPEN CHANNEL with channel 1 established.
func (tm *term) openChannel() apdu.Response {
	tm.t.Helper()
	cmd := tm.fetch(stk.CmdOpenChannel)
	if cmd.Address != netip.MustParseAddr("127.0.0.1") || cmd.Transport == nil ||
		cmd.Transport.Protocol != stk.TransportTCPClientRemote || cmd.Transport.Port != 8080 || cmd.BufferSize != 1400 {
		tm.t.Fatalf("OPEN CHANNEL %+v", cmd)
	}
	tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
	tr.ChannelStatus = &stk.ChannelStatus{Channel: 1, Established: true}
	tr.Bearer = &cmd.Bearer
	tr.BufferSize = new(uint16(1400))
	return tm.respond(tr)
}

// sendAll answers SEND DATA commands and returns the request bytes.
func (tm *term) sendAll() []byte {
	tm.t.Helper()
	var req, buffered []byte
	for tm.lastSW>>8 == 0x91 {
		cmd := tm.fetchAny()
		if cmd.Details.Type == stk.CmdTimerManagement {
			if cmd.Details.Qualifier != stk.TimerStart || cmd.TimerID != BIPTimer || cmd.TimerValue != BIPTimeout {
				tm.t.Fatalf("reply guard %+v", cmd)
			}
			tm.armed = true
			tm.expectSW(tm.ok(cmd), apdu.SWOK)
			break
		}
		if cmd.Details.Type != stk.CmdSendData {
			tm.t.Fatalf("proactive command %02X while sending", cmd.Details.Type)
		}
		buffered = append(buffered, cmd.Data...)
		if len(buffered) > 1400 {
			tm.t.Fatalf("terminal buffer overflow: %d bytes stored", len(buffered))
		}
		if cmd.Details.Qualifier&stk.SendImmediately != 0 {
			req, buffered = append(req, buffered...), nil
		}
		tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
		tr.ChannelDataLength = new(255)
		tm.respond(tr)
	}
	if len(buffered) != 0 {
		tm.t.Fatalf("%d bytes left in store mode", len(buffered))
	}
	return req
}

// deliver announces data and answers RECEIVE DATA until the card stops.
func (tm *term) deliver(data []byte) {
	tm.t.Helper()
	if sw := tm.envelope(stk.NewDataAvailableEvent(stk.ChannelStatus{Channel: 1, Established: true}, min(len(data), 255))).SW; sw>>8 != 0x91 {
		tm.t.Fatalf("data available answered %04X, want RECEIVE DATA pending", sw)
	}
	for tm.lastSW>>8 == 0x91 {
		cmd := tm.fetchAny()
		if cmd.Details.Type == stk.CmdCloseChannel {
			tm.held = &cmd
			return
		}
		if cmd.Details.Type != stk.CmdReceiveData {
			tm.t.Fatalf("proactive command %02X while receiving", cmd.Details.Type)
		}
		n := min(cmd.Length, len(data))
		tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
		tr.ChannelData = data[:n]
		data = data[n:]
		tr.ChannelDataLength = new(min(len(data), 255))
		tm.respond(tr)
	}
}

func (tm *term) closeChannel() {
	tm.t.Helper()
	cmd := tm.fetch(stk.CmdCloseChannel)
	if cmd.Channel() != 1 {
		tm.t.Fatalf("CLOSE CHANNEL of channel %d", cmd.Channel())
	}
	tm.ok(cmd)
	if tm.armed {
		tm.armed = false
		cmd := tm.fetch(stk.CmdTimerManagement)
		if cmd.Details.Qualifier != stk.TimerDeactivate || cmd.TimerID != BIPTimer {
			tm.t.Fatalf("guard not deactivated: %+v", cmd)
		}
		tm.ok(cmd)
	}
}

func TestRuntimeFullCycle(t *testing.T) {
	log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
	cfg := testConfig()
	cfg.Log = log
	body := []byte(`{"eid":"` + testEID + `","plmn":"20801","padding":"` + strings.Repeat("x", 200) + `"}`)
	fm := &fakeMethod{}
	fm.react = func(ev applet.Event) []applet.Effect {
		switch ev := ev.(type) {
		case applet.Boot:
			if len(fm.events) > 1 {
				return nil // second boot, after the refresh
			}
			return []applet.Effect{applet.Log{Kind: "booted", Fields: map[string]any{"n": len(ev.Profiles)}}, applet.StartTimer{ID: 1, D: 5 * time.Minute}}
		case applet.TimerExpired:
			return []applet.Effect{applet.ReadLocation{}}
		case applet.LocalInfo:
			return []applet.Effect{applet.Persist{State: applet.State{Version: applet.StateVersion, Mode: applet.ModeIdle, LastReq: 1}}, applet.HTTPPost{ReqID: 1, Path: "/v1/preferred-list", Body: body}}
		case applet.HTTPResult:
			return []applet.Effect{applet.EnableProfile{ICCID: "89331000000000000029"}}
		case applet.ProfileEnabled:
			return []applet.Effect{applet.Persist{State: applet.State{Version: applet.StateVersion, Mode: applet.ModeIdle, LastReq: 2}}, applet.Refresh{}}
		}
		return nil
	}
	tm := newTerm(t, cfg, fm)
	pending := tm.terminalProfile().SW
	if pending>>8 != 0x91 {
		t.Fatalf("TERMINAL PROFILE answered %04X", pending)
	}
	// Busy: no envelope while a proactive command is outstanding.
	tm.expectSW(tm.envelope(stk.NewTimerExpiration(1, time.Second)), apdu.SWToolkitBusy)
	tm.lastSW = pending
	tm.ok(tm.fetch(stk.CmdSetUpEventList))

	boot, ok := fm.events[0].(applet.Boot)
	if !ok || len(boot.Profiles) != 2 || boot.Profiles[0].HomePLMN != "46000" || !boot.Profiles[0].Original || !boot.Profiles[0].Enabled {
		t.Fatalf("boot event %+v", fm.events)
	}
	if e := log.Kind("booted"); len(e) != 1 || e[0].Actor != "euicc" {
		t.Fatalf("applet log not emitted: %v", log.Events())
	}
	timer := tm.fetch(stk.CmdTimerManagement)
	if timer.TimerID != 1 || timer.TimerValue != 5*time.Minute {
		t.Fatalf("timer %d %s", timer.TimerID, timer.TimerValue)
	}
	tm.expectSW(tm.ok(timer), apdu.SWOK)
	// A status poll with nothing pending is a plain 9000.
	tm.expectSW(tm.send(apdu.Command{CLA: 0x80, INS: 0xF2, P2: 0x0C}), apdu.SWOK)

	tm.envelope(stk.NewTimerExpiration(1, 5*time.Minute))
	if _, ok := fm.last().(applet.TimerExpired); !ok {
		t.Fatalf("last event %T", fm.last())
	}
	// Any 9000 answer becomes 91xx while a command is pending.
	tm.expectSW(tm.send(apdu.Command{CLA: 0x80, INS: 0xF2, P2: 0x0C}), tm.lastSW)
	if tm.lastSW>>8 != 0x91 {
		t.Fatalf("STATUS answered %04X with a command pending", tm.lastSW)
	}
	pli := tm.fetch(stk.CmdProvideLocalInfo)
	if pli.Details.Qualifier != stk.PLILocation {
		t.Fatalf("PLI qualifier %02X", pli.Details.Qualifier)
	}
	tr := stk.Respond(pli, stk.Result{General: stk.ResultOK})
	tr.Location = &stk.LocationInfo{PLMN: "20801", TAC: 0x3A9B, CellID: 0xC33D}
	tm.respond(tr)
	nmr := tm.fetch(stk.CmdProvideLocalInfo)
	if nmr.Details.Qualifier != stk.PLINMR || nmr.MeasQualifier != stk.MeasQualEUTRANIntra {
		t.Fatalf("second PLI qualifier %02X, measurement qualifier %02X", nmr.Details.Qualifier, nmr.MeasQualifier)
	}
	tr = stk.Respond(nmr, stk.Result{General: stk.ResultOK})
	tr.NMR = &stk.MeasResults{MeasID: 1, ServingRSRP: -85, ServingRSRQ: 20,
		Neighbours: []stk.Neighbour{{PCI: 1, PLMN: "20810", CellID: 2, TAC: 3, RSRP: -101, RSRQ: 20}}}
	tm.respond(tr)
	li, ok := fm.last().(applet.LocalInfo)
	if !ok || li.Service != applet.NormalService || li.PLMN != "20801" || li.TAC != 0x3A9B || li.CellID != 0xC33D || len(li.Cells) != 2 || li.Cells[1].RSRP != -101 {
		t.Fatalf("local info %+v", fm.last())
	}

	tm.openChannel()
	req := tm.sendAll()
	want := fmt.Sprintf("POST /v1/preferred-list HTTP/1.1\r\nHost: platform.test\r\nUser-Agent: esimhil-euicc\r\nConnection: close\r\nContent-Length: %d\r\nContent-Type: application/json\r\n\r\n%s", len(body), body)
	if string(req) != want {
		t.Fatalf("request\n%q\nwant\n%q", req, want)
	}
	reply := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n" + strings.Repeat("y", 300))
	tm.deliver(reply[:150]) // first segment: the reply is not complete yet
	if tm.lastSW != apdu.SWOK {
		t.Fatalf("after partial reply SW %04X", tm.lastSW)
	}
	tm.deliver(reply[150:])
	tm.closeChannel()
	// HTTPResult → EnableProfile → ProfileEnabled → Refresh.
	hr := fm.events[len(fm.events)-2].(applet.HTTPResult)
	if hr.ReqID != 1 || hr.Status != 200 || len(hr.Body) != 300 || hr.Err != "" {
		t.Fatalf("http result %+v", hr)
	}
	if pe := fm.last().(applet.ProfileEnabled); pe.Result != es10.ResultOK || pe.ICCID != "89331000000000000029" {
		t.Fatalf("profile enabled %+v", pe)
	}
	ref := tm.fetch(stk.CmdRefresh)
	if ref.Details.Qualifier != stk.RefreshUICCReset {
		t.Fatalf("REFRESH qualifier %02X", ref.Details.Qualifier)
	}
	nvm, err := tm.c.NVM()
	if err != nil {
		t.Fatal(err)
	}
	var img nvmImage
	err = json.Unmarshal(nvm, &img)
	st, derr := applet.DecodeState(img.Applet)
	if err != nil || derr != nil || st.LastReq != 2 || !img.Profiles[1].Enabled || img.Profiles[0].Enabled {
		t.Fatalf("NVM %s (%v, %v)", nvm, err, derr)
	}

	// The terminal resets the card and downloads its profile again.
	tm.c.Reset()
	runScript(t, tm.c, []step{{"00A4040C07A0000000871002", "9000"}, {"00B0870009", "082980012143658709 9000"}})
	tm.boot()
	if len(tm.states) != 2 || tm.states[1].LastReq != 2 {
		t.Fatalf("applet re-created with %+v", tm.states)
	}
	boot = fm.last().(applet.Boot)
	if !boot.Profiles[1].Enabled || boot.Profiles[1].HomePLMN != "20810" || !boot.Profiles[0].Original {
		t.Fatalf("second boot %+v", boot)
	}
	if errs := log.Kind("bip_error"); len(errs) != 0 {
		t.Fatalf("unexpected errors %v", errs)
	}
}

// notePost is the one request httpTerm's applet posts.
var notePost = applet.HTTPPost{ReqID: 7, Path: "/v1/notifications", Body: []byte(`{}`)}

// httpTerm boots a card whose applet posts once and reports the result.
func httpTerm(t *testing.T) (*term, *fakeMethod, *eventlog.Log) { return postTerm(t, notePost) }

// postTerm boots a card whose applet posts p once, at its boot, under
// the test terminal profile and the extra facilities given.
func postTerm(t *testing.T, p applet.HTTPPost, extra ...stk.Facility) (*term, *fakeMethod, *eventlog.Log) {
	log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
	cfg := testConfig()
	cfg.Log = log
	fm := &fakeMethod{}
	fm.react = func(ev applet.Event) []applet.Effect {
		if _, ok := ev.(applet.Boot); ok {
			return []applet.Effect{p}
		}
		return nil
	}
	tm := newTerm(t, cfg, fm)
	tm.boot(extra...)
	return tm, fm, log
}

func TestHTTPFailures(t *testing.T) {
	tests := []struct {
		name    string
		play    func(tm *term)
		errPart string
		status  int
		// unsent: no byte of the request left the device, so the peer
		// cannot have acted on it (the applet backs off no operator for
		// a download the platform never had).
		unsent bool
	}{
		{"open channel refused", func(tm *term) {
			cmd := tm.fetch(stk.CmdOpenChannel)
			tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultBIPError, Additional: []byte{stk.BIPRemoteNotReachable}}))
		}, "open channel: result 3A/07", 0, true},
		{"send data fails", func(tm *term) {
			tm.openChannel()
			cmd := tm.fetch(stk.CmdSendData)
			tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultBIPError, Additional: []byte{stk.BIPChannelClosed}}))
			tm.closeChannel()
		}, "send data", 0, false},
		{"link dropped before a full reply", func(tm *term) {
			tm.openChannel()
			tm.sendAll()
			tm.deliver([]byte("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"))
			tm.envelope(stk.NewChannelStatusEvent(stk.ChannelStatus{Channel: 1, Info: stk.ChannelLinkDropped}))
			tm.closeChannel()
		}, "reply", 0, false},
		{"link dropped before any reply", func(tm *term) {
			tm.openChannel()
			tm.sendAll()
			tm.envelope(stk.NewChannelStatusEvent(stk.ChannelStatus{Channel: 1, Info: stk.ChannelLinkDropped}))
			tm.closeChannel()
		}, "reply: connection closed without a reply", 0, false},
		{"malformed reply", func(tm *term) {
			tm.openChannel()
			tm.sendAll()
			tm.deliver([]byte("SMTP ready\r\n\r\n"))
			tm.closeChannel()
		}, "malformed HTTP response", 0, false},
		{"no reply in time", func(tm *term) {
			tm.openChannel()
			tm.sendAll()
			if sw := tm.envelope(stk.NewTimerExpiration(BIPTimer, BIPTimeout)).SW; sw>>8 != 0x91 {
				tm.t.Fatalf("guard expiry answered %04X, want CLOSE CHANNEL pending", sw)
			}
			tm.armed = false // expired: nothing to deactivate
			tm.closeChannel()
		}, "no reply within 30s", 0, false},
		{"reply delimited by close", func(tm *term) {
			tm.openChannel()
			tm.sendAll()
			tm.deliver([]byte("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
			tm.closeChannel()
		}, "", 204, false},
		{"reply without length ends at link drop", func(tm *term) {
			tm.openChannel()
			tm.sendAll()
			tm.deliver([]byte("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}"))
			tm.envelope(stk.NewChannelStatusEvent(stk.ChannelStatus{Channel: 1, Info: stk.ChannelLinkDropped}))
			tm.closeChannel()
		}, "", 200, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm, fm, log := httpTerm(t)
			tc.play(tm)
			hr, ok := fm.last().(applet.HTTPResult)
			if !ok || hr.ReqID != 7 {
				t.Fatalf("last event %+v", fm.last())
			}
			if tm.lastSW != apdu.SWOK {
				t.Fatalf("card still has work pending: SW %04X", tm.lastSW)
			}
			if tc.errPart == "" {
				if hr.Err != "" || hr.Status != tc.status {
					t.Fatalf("result %+v, want status %d", hr, tc.status)
				}
				return
			}
			if !strings.Contains(hr.Err, tc.errPart) || hr.Status != 0 || hr.Unsent != tc.unsent {
				t.Fatalf("result %+v, want error containing %q, unsent %v", hr, tc.errPart, tc.unsent)
			}
			if len(log.Kind("bip_error")) != 1 {
				t.Fatalf("bip_error not logged once: %v", log.Events())
			}
		})
	}
}

func TestReplyTooLong(t *testing.T) {
	tm, fm, _ := httpTerm(t)
	tm.openChannel()
	tm.sendAll()
	head := "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n"
	tm.deliver(append([]byte(head), bytes.Repeat([]byte("z"), maxHTTPReply)...))
	tm.closeChannel()
	if hr := fm.last().(applet.HTTPResult); !strings.Contains(hr.Err, "longer than") {
		t.Fatalf("result %+v", hr)
	}
}

func TestLocalInfoNoService(t *testing.T) {
	cfg := testConfig()
	fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
		if _, ok := ev.(applet.Boot); ok {
			return []applet.Effect{applet.ReadLocation{}}
		}
		return nil
	}}
	tm := newTerm(t, cfg, fm)
	tm.boot()
	cmd := tm.fetch(stk.CmdProvideLocalInfo)
	tm.expectSW(tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultTerminalUnable, Additional: []byte{stk.UnableNoService}})), apdu.SWOK)
	if li := fm.last().(applet.LocalInfo); li.Service != applet.NoService || li.PLMN != "" {
		t.Fatalf("local info %+v", li)
	}
}

func TestLocationStatusEnvelope(t *testing.T) {
	fm := &fakeMethod{}
	tm := newTerm(t, testConfig(), fm)
	tm.expectSW(tm.envelope(stk.NewTimerExpiration(1, time.Second)), apdu.SWConditionsNotSatisfied) // before TERMINAL PROFILE
	tm.boot()
	tm.expectSW(tm.envelope(stk.NewLocationStatusEvent(stk.LocNormal, &stk.LocationInfo{PLMN: "20810", TAC: 1, CellID: 2})), apdu.SWOK)
	if ls := fm.last().(applet.LocationStatus); ls.Service != applet.NormalService || ls.PLMN != "20810" || ls.CellID != 2 {
		t.Fatalf("location status %+v", ls)
	}
	tm.expectSW(tm.envelope(stk.NewLocationStatusEvent(stk.LocNone, nil)), apdu.SWOK)
	if ls := fm.last().(applet.LocationStatus); ls.Service != applet.NoService {
		t.Fatalf("location status %+v", ls)
	}
	tm.expectSW(tm.send(apdu.Command{CLA: 0x80, INS: stk.InsEnvelope, Data: []byte{0xD6, 0x02, 0x01, 0x00}}), apdu.SWIncorrectData)
}

func TestTerminalResponseMismatch(t *testing.T) {
	fm := &fakeMethod{}
	tm := newTerm(t, testConfig(), fm)
	tm.terminalProfile()
	cmd := tm.fetch(stk.CmdSetUpEventList)
	wrong := cmd
	wrong.Details.Number++
	tm.expectSW(tm.respond(stk.Respond(wrong, stk.Result{})), apdu.SWIncorrectData)
	tm.expectSW(tm.send(apdu.Command{CLA: 0x80, INS: stk.InsTerminalResponse, Data: []byte{0x81, 0x03}}), apdu.SWIncorrectData)
	tm.expectSW(tm.ok(cmd), apdu.SWOK)
	if _, ok := fm.last().(applet.Boot); !ok {
		t.Fatal("no boot after the right terminal response")
	}
}

// An ES10c switch with refreshFlag ends in REFRESH (SGP.22 §3.2.1): mode
// "eUICC Profile State Change" when the terminal profile announces it (TS
// 102 223 §6.4.7), UICC reset otherwise.
func TestES10RefreshWithRuntime(t *testing.T) {
	for _, tc := range []struct {
		name     string
		terminal []stk.Facility
		want     byte
	}{
		{"terminal without profile state change", nil, stk.RefreshUICCReset},
		{"terminal with profile state change", []stk.Facility{stk.FacRefresh, stk.FacRefreshEUICCProfile}, stk.RefreshEUICCProfileChange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
				if _, ok := ev.(applet.Boot); ok {
					return []applet.Effect{applet.ReadLocation{}}
				}
				return nil
			}}
			tm := newTerm(t, testConfig(), fm)
			tm.boot(tc.terminal...)
			runScript(t, tm.c, []step{{"00A4040C10" + isdrAID, "910B"}})
			// A proactive session runs (PROVIDE LOCAL INFORMATION): catBusy.
			runScript(t, tm.c, []step{{"80E2910014BF3111A00C5A0A" + iccidSFR + "8101FF00", "BF3103800105 910B"}})
			cmd := tm.fetch(stk.CmdProvideLocalInfo)
			tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultTerminalUnable, Additional: []byte{stk.UnableNoService}}))
			runScript(t, tm.c, []step{{"80E2910014BF3111A00C5A0A" + iccidSFR + "8101FF00", "BF3103800100 910B"}})
			tm.lastSW = 0x910B
			ref := tm.fetch(stk.CmdRefresh)
			if ref.Details.Qualifier != tc.want {
				t.Fatalf("REFRESH qualifier %02X, want %02X", ref.Details.Qualifier, tc.want)
			}
			// Answered, an eUICC Profile State Change takes effect
			// before the card answers (TS 102 223 §6.4.7): the new
			// profile's files, the ISD-R's selection gone, the toolkit
			// waiting for the terminal's initialisation, and the next
			// switch taken. A UICC reset waits for the reset itself.
			if r := tm.ok(ref); r.SW != apdu.SWOK {
				t.Fatalf("the answer to the REFRESH: %04X", r.SW)
			}
			enableSFR := "80E2910014BF3111A00C5A0A" + iccidSFR + "8101FF00"
			if tc.want == stk.RefreshUICCReset {
				runScript(t, tm.c, []step{{enableSFR, "6985"}, {"00A4000C022FE2", "9000"}, {"00B000000A", iccidCMCC + "9000"}})
				return
			}
			runScript(t, tm.c, []step{{enableSFR, "6D00"}, {"00A4000C022FE2", "9000"}, {"00B000000A", iccidSFR + "9000"}})
			if r := tm.envelope(stk.Envelope{Tag: stk.TagTimerExpiration, TimerID: 1}); r.SW != apdu.SWConditionsNotSatisfied {
				t.Errorf("an ENVELOPE before the terminal's initialisation: %04X", r.SW)
			}
			// Enabled already: profileNotInDisabledState, not 6985.
			runScript(t, tm.c, []step{{"00A4040C10" + isdrAID, "9000"}, {enableSFR, "BF3103800102 9000"}})
		})
	}
}

// TestRefreshRefusedAsksForAReset: a terminal that cannot carry out the
// eUICC Profile State Change (temporarily, 20 xx; or not at all, 30) is
// asked for a UICC reset instead, and the reset brings the new profile's
// files (outside tester sw121: the card stayed half switched).
func TestRefreshRefusedAsksForAReset(t *testing.T) {
	for _, res := range []stk.Result{{General: stk.ResultTerminalUnable, Additional: []byte{stk.UnableBusy}}, {General: stk.ResultBeyondCapabilities}} {
		t.Run(res.String(), func(t *testing.T) {
			tm := newTerm(t, testConfig(), &fakeMethod{})
			tm.boot(stk.FacRefresh, stk.FacRefreshEUICCProfile)
			runScript(t, tm.c, []step{{"00A4040C10" + isdrAID, "9000"}, {"80E2910014BF3111A00C5A0A" + iccidSFR + "8101FF00", "BF3103800100 910B"}})
			tm.lastSW = 0x910B
			ref := tm.fetch(stk.CmdRefresh)
			if ref.Details.Qualifier != stk.RefreshEUICCProfileChange {
				t.Fatalf("REFRESH %02X", ref.Details.Qualifier)
			}
			r := tm.respond(stk.Respond(ref, res))
			if r.SW>>8 != 0x91 {
				t.Fatalf("after the refusal: %04X, want the next command", r.SW)
			}
			tm.lastSW = r.SW
			if again := tm.fetch(stk.CmdRefresh); again.Details.Qualifier != stk.RefreshUICCReset {
				t.Fatalf("then REFRESH %02X, want UICC reset", again.Details.Qualifier)
			}
			tm.c.Reset()
			runScript(t, tm.c, []step{{"00A4000C022FE2", "9000"}, {"00B000000A", iccidSFR + "9000"}})
		})
	}
}

func TestNVMRoundTrip(t *testing.T) {
	c := newTestCard(t, testConfig())
	c.appletState = applet.State{Version: applet.StateVersion, Mode: applet.ModeIdle, LastReq: 42}
	runScript(t, c, []step{{"00A4040C10" + isdrAID, "9000"}, {"80E2910014BF3111A00C5A0A" + iccidSFR + "81010000", "BF3103800100 9000"},
		// SetNickname and SetDefaultDpAddress are NVM writes too.
		{"80E2910015BF29125A0A" + iccidSFR + "9004576F726B00", "BF2903800100 9000"},
		{"80E2910012BF3F0F800D736D64702E7366722E7465737400", "BF3F03800100 9000"}})
	img, err := c.NVM()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Restore(testConfig(), img)
	if err != nil {
		t.Fatal(err)
	}
	if r.appletState.LastReq != 42 || !r.profiles[1].Enabled || !r.profiles[0].Original || r.profiles[1].Nickname != "Work" || r.defaultDP != "smdp.sfr.test" {
		t.Fatalf("restored %+v %+v", r.appletState, r.profiles)
	}
	img2, _ := r.NVM()
	if !bytes.Equal(img, img2) {
		t.Fatalf("NVM changed across restore:\n%s\n%s", img, img2)
	}
	r.Reset()
	runScript(t, r, []step{{"00A4000C022FE2", "9000"}, {"00B000000A", iccidSFR + "9000"}})

	bad := []struct{ name, nvm string }{
		{"not JSON", "{"},
		{"version", `{"version":9,"eid":"` + testEID + `"}`},
		{"other EID", strings.Replace(string(img), testEID, "89049032000001000000000000000947", 1)},
		{"two enabled", strings.Replace(string(img), `"enabled":false`, `"enabled":true`, 1)},
		{"bad AID", strings.Replace(string(img), `"isdp_aid":"a0`, `"isdp_aid":"zz`, 1)},
	}
	for _, b := range bad {
		if _, err := Restore(testConfig(), []byte(b.nvm)); err == nil {
			t.Errorf("%s: Restore accepted %s", b.name, b.nvm)
		}
	}
}

func TestReservedTimer(t *testing.T) {
	log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
	cfg := testConfig()
	cfg.Log = log
	fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
		if _, ok := ev.(applet.Boot); ok {
			return []applet.Effect{applet.StartTimer{ID: BIPTimer, D: time.Minute}, applet.StartTimer{ID: 2, D: time.Minute}}
		}
		return nil
	}}
	tm := newTerm(t, cfg, fm)
	tm.boot()
	if cmd := tm.fetch(stk.CmdTimerManagement); cmd.TimerID != 2 {
		t.Fatalf("timer %d started", cmd.TimerID)
	} else {
		tm.ok(cmd)
	}
	if len(log.Kind("stk_error")) != 1 {
		t.Fatalf("reserved timer not refused: %v", log.Events())
	}
	// A stale guard expiry reaches neither the applet nor an operation.
	n := len(fm.events)
	tm.expectSW(tm.envelope(stk.NewTimerExpiration(BIPTimer, time.Minute)), apdu.SWOK)
	if len(fm.events) != n {
		t.Fatalf("stale guard expiry stepped: %+v", fm.last())
	}
}

// A step's log lines and NVM writes are carried out as the step is taken,
// not behind an exchange queued before them (outside tester t215 W1): a
// location event stepped while a request is out logs at once, and the
// request it makes waits for the channel. A power cut due after an event
// the answer's step logs comes before that waiting request leaves.
func TestStepRecordNotBehindAQueuedExchange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cutDue bool
		// next: the proactive command pending once the first exchange ended
		next byte
	}{
		{"no cut", false, stk.CmdOpenChannel},
		{"cut due after the answer's log", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
			cfg := testConfig()
			cfg.Log = log
			var nvm [][]byte
			cfg.OnNVMWrite = func(b []byte) error { nvm = append(nvm, b); return nil }
			fm := &fakeMethod{}
			fm.react = func(ev applet.Event) []applet.Effect {
				switch ev := ev.(type) {
				case applet.Boot:
					return []applet.Effect{applet.HTTPPost{ReqID: 7, Path: "/v1/notifications", Body: []byte(`{}`)}}
				case applet.LocationStatus:
					return []applet.Effect{
						applet.Log{Kind: "fallback_attached"},
						applet.Persist{State: applet.State{Version: applet.StateVersion, Mode: applet.ModeAttemptDownloading}},
						applet.HTTPPost{ReqID: 8, Path: "/v1/download", Body: []byte(`{}`)},
						applet.Log{Kind: "mode"},
					}
				case applet.HTTPResult:
					if ev.ReqID == 7 {
						return []applet.Effect{applet.Log{Kind: "notification_sent"}}
					}
				}
				return nil
			}
			due := false
			log.Subscribe(func(e eventlog.Event) {
				if e.Kind == "notification_sent" && tc.cutDue {
					due = true
				}
			})
			tm := newTerm(t, cfg, fm)
			tm.c.SetCutDue(func() bool { return due })
			tm.boot()
			tm.openChannel()
			tm.sendAll()
			writes := len(nvm)
			tm.expectSW(tm.envelope(stk.NewLocationStatusEvent(stk.LocNormal, &stk.LocationInfo{PLMN: "21403", TAC: 1, CellID: 2})), apdu.SWOK)
			if got := euiccKinds(log); got != "fallback_attached mode" {
				t.Fatalf("logged during the exchange: %q, want the location step's lines at once", got)
			}
			if len(nvm) == writes || !strings.Contains(string(tm.c.appletState.Mode), "downloading") {
				t.Fatalf("the location step's state not in NVM during the exchange (%d writes, mode %q)", len(nvm)-writes, tm.c.appletState.Mode)
			}
			tm.deliver([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
			tm.closeChannel()
			if got := euiccKinds(log); got != "fallback_attached mode notification_sent" {
				t.Fatalf("logged: %q", got)
			}
			if tm.c.rt.pending == nil {
				if tc.next != 0 {
					t.Fatalf("no command pending after the note's answer, want %02X", tc.next)
				}
				return
			}
			if tc.next == 0 || tm.c.rt.pendingCmd.Details.Type != tc.next {
				t.Fatalf("pending %02X after the note's answer, want %02X", tm.c.rt.pendingCmd.Details.Type, tc.next)
			}
		})
	}
}

// euiccKinds is the card's event kinds in the log, space-separated.
func euiccKinds(l *eventlog.Log) string {
	var out []string
	for _, e := range l.Events() {
		if e.Actor == eventlog.EUICC && !strings.HasSuffix(string(e.Kind), "error") {
			out = append(out, string(e.Kind))
		}
	}
	return strings.Join(out, " ")
}

// The applet hears that a request's first byte goes (HTTPSent) when the
// exchange's first SEND DATA that sends immediately is issued, before the
// terminal can carry it: chunks in store mode stay in the terminal (TS 102
// 223 §6.4.30), and a channel that never opened sent nothing. A power cut
// after it finds the mark in NVM (t223: a download request the cut kept on
// the card backs off no operator; one that left does).
func TestFirstByteHeardBeforeItGoes(t *testing.T) {
	sent := func(fm *fakeMethod) (n int, beforeResult bool) {
		beforeResult = true
		for _, ev := range fm.events {
			switch ev := ev.(type) {
			case applet.HTTPSent:
				if ev.ReqID != 7 {
					t.Errorf("HTTPSent for request %d, want 7", ev.ReqID)
				}
				n++
			case applet.HTTPResult:
				beforeResult = beforeResult && n > 0
			}
		}
		return n, beforeResult
	}
	for _, tc := range []struct {
		name string
		body int // request body size: store-mode chunks before the last
	}{
		{"one chunk", 2},
		{"store-mode chunks first", 700},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm, fm, _ := postTerm(t, applet.HTTPPost{ReqID: 7, Path: "/v1/download", Body: bytes.Repeat([]byte("x"), tc.body)})
			tm.openChannel()
			immediate := 0
			for {
				cmd := tm.fetch(stk.CmdSendData)
				n, _ := sent(fm)
				if cmd.Details.Qualifier&stk.SendImmediately == 0 {
					if n != 0 {
						t.Fatalf("HTTPSent with a chunk the terminal keeps (store mode)")
					}
				} else {
					immediate++
					if n != 1 {
						t.Fatalf("%d HTTPSent as the first immediate SEND DATA is issued, want 1", n)
					}
				}
				tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
				tr.ChannelDataLength = new(255)
				tm.respond(tr)
				if cmd.Details.Qualifier&stk.SendImmediately != 0 {
					break
				}
			}
			if immediate != 1 {
				t.Fatalf("%d immediate SEND DATA", immediate)
			}
			tm.sendAll() // the reply guard
			tm.deliver([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
			tm.closeChannel()
			if _, ok := fm.last().(applet.HTTPResult); !ok {
				t.Fatalf("last event %+v", fm.last())
			}
			if n, before := sent(fm); n != 1 || !before {
				t.Fatalf("%d HTTPSent (before the result: %v), want 1 before", n, before)
			}
		})
	}
	t.Run("channel never opened", func(t *testing.T) {
		tm, fm, _ := httpTerm(t)
		cmd := tm.fetch(stk.CmdOpenChannel)
		tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultBIPError, Additional: []byte{stk.BIPRemoteNotReachable}}))
		if n, _ := sent(fm); n != 0 {
			t.Fatalf("%d HTTPSent for a channel that never opened", n)
		}
	})
}

// An enable or an ES10 function the applet asks for changes the card's
// own NVM: that change is written once, with the applet's state when the
// step of its result persists, alone when it does not, before the card
// answers; the effects that change no NVM write nothing.
func TestCardChangeWrittenOnce(t *testing.T) {
	persist := applet.Persist{State: applet.State{Version: applet.StateVersion, Mode: applet.ModeAttemptAwaitAttach}}
	for _, tc := range []struct {
		name    string
		effect  applet.Effect
		persist bool // the result's step persists
		want    string
	}{
		{"enable, the step persists", applet.EnableProfile{ICCID: "89331000000000000029"}, true, `"enabled":true`},
		{"enable, the step persists nothing", applet.EnableProfile{ICCID: "89331000000000000029"}, false, `"enabled":true`},
		{"ES10 nickname, the step persists", applet.ES10{ReqID: 3, Req: es10.SetNicknameRequest{ICCID: "89331000000000000029", Nickname: "abroad"}.Encode()}, true, `"nickname":"abroad"`},
		{"ES10 nickname, the step persists nothing", applet.ES10{ReqID: 3, Req: es10.SetNicknameRequest{ICCID: "89331000000000000029", Nickname: "abroad"}.Encode()}, false, `"nickname":"abroad"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			var nvm [][]byte
			cfg.OnNVMWrite = func(b []byte) error { nvm = append(nvm, bytes.Clone(b)); return nil }
			fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
				switch ev.(type) {
				case applet.Boot:
					return []applet.Effect{tc.effect, applet.StartTimer{ID: 1, D: time.Minute}}
				case applet.ProfileEnabled, applet.ES10Result:
					if tc.persist {
						return []applet.Effect{persist}
					}
				}
				return nil
			}}
			tm := newTerm(t, cfg, fm)
			tm.terminalProfile()
			cmd := tm.fetch(stk.CmdSetUpEventList)
			before := len(nvm)
			tm.ok(cmd) // Boot: the effect, its result's step, a timer
			if got := len(nvm) - before; got != 1 {
				t.Fatalf("%d NVM writes for the change, want 1", got)
			}
			img := string(nvm[len(nvm)-1])
			if !strings.Contains(img, tc.want) {
				t.Fatalf("the write lacks %s: %s", tc.want, img)
			}
			if tc.persist != strings.Contains(img, string(applet.ModeAttemptAwaitAttach)) {
				t.Fatalf("the applet's state in the write: %v, want %v: %s", !tc.persist, tc.persist, img)
			}
		})
	}
}
