package stkterm

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/hexdump"
)

func TestStartSendsTerminalProfile(t *testing.T) {
	r := newRig(t)
	var trace bytes.Buffer
	r.term.SetTrace(&trace)
	r.start(t)
	if !strings.Contains(trace.String(), "> 80 10 00 00 22") {
		t.Errorf("trace %q lacks the TERMINAL PROFILE", trace.String())
	}
	if len(r.card.apdus) != 1 || !bytes.Equal(r.card.apdus[0][:4], []byte{0x80, 0x10, 0x00, 0x00}) {
		t.Fatalf("APDUs % X, want one TERMINAL PROFILE", r.card.apdus)
	}
	p := stk.TerminalProfile(r.card.profile)
	for _, f := range []stk.Facility{
		stk.FacTimerExpiration, stk.FacTimerStartStop, stk.FacTimerGetValue, stk.FacPLILocation,
		stk.FacPLINMRUTRANEUTRAN, stk.FacPLIAccessTech, stk.FacSetUpEventList, stk.FacEventLocationStatus,
		stk.FacEventDataAvailable, stk.FacEventChannelStatus, stk.FacOpenChannel, stk.FacCloseChannel,
		stk.FacReceiveData, stk.FacSendData, stk.FacTCPClientRemote, stk.FacRefresh, stk.FacRefreshEUICCProfile,
		stk.FacPLIDateTime, stk.FacPLILanguage, stk.FacPollInterval, stk.FacPollingOff,
	} {
		if !p.Has(f) {
			t.Errorf("profile % X lacks %+v", r.card.profile, f)
		}
	}
	if p.Has(stk.FacGetChannelStatus) || p.Channels() != 1 || p.Has(stk.FacPLINMR) {
		t.Errorf("profile % X: announces GET CHANNEL STATUS, GERAN's NMR or %d channels", r.card.profile, p.Channels())
	}
}

func TestStartFailsOnCardError(t *testing.T) {
	r := newRig(t)
	r.term = New(cardFunc(func([]byte) []byte { return []byte{0x6D, 0x00} }), r.host, r.loop, nil)
	var err error
	r.loop.Do(func() { err = r.term.Start() })
	if err == nil || !strings.Contains(err.Error(), "6D 00") {
		t.Fatalf("err = %v, want card error", err)
	}
}

type cardFunc func([]byte) []byte

func (f cardFunc) Transmit(b []byte) []byte { return f(b) }

func TestTimerExpiry(t *testing.T) {
	r := newRig(t)
	r.card.push(stk.NewTimerStart(1, 1, 5*time.Minute))
	r.start(t)
	tr := r.card.lastTR()
	if tr.Result.General != stk.ResultOK || tr.TimerID != 1 || tr.Details.Type != stk.CmdTimerManagement {
		t.Fatalf("TR %+v", tr)
	}
	r.advance(t, 5*time.Minute-time.Second)
	if len(r.card.envs) != 0 {
		t.Fatalf("envelope before expiry: %+v", r.card.envs)
	}
	r.advance(t, time.Second)
	if len(r.card.envs) != 1 {
		t.Fatalf("envelopes %+v, want one", r.card.envs)
	}
	env := r.card.envs[0]
	if env.Tag != stk.TagTimerExpiration || env.TimerID != 1 || env.TimerValue != 5*time.Minute {
		t.Fatalf("envelope %+v", env)
	}
	if !r.card.envTimes[0].Equal(clock.Epoch.Add(5 * time.Minute)) {
		t.Fatalf("envelope at %v, want at expiry", r.card.envTimes[0])
	}
	r.advance(t, time.Hour)
	if len(r.card.envs) != 1 {
		t.Fatal("timer fired twice")
	}
}

// TestTimersExpireWithTheirOwnID: each TIMER EXPIRATION envelope names
// the timer that ran out (TS 102 223 §7.4, timer identifier 1-8, §8.37),
// whichever others run, in the order they expire. A terminal that wrote
// timer 1 into every expiration passed TestTimerExpiry (timer 1 only)
// and was seen only by harness runs' event logs.
func TestTimersExpireWithTheirOwnID(t *testing.T) {
	tests := []struct {
		name   string
		starts []stk.Command
		want   []byte // timer ids, in expiry order
	}{
		{"timer 2 alone", []stk.Command{stk.NewTimerStart(1, 2, time.Minute)}, []byte{2}},
		{"timer 8, the last id", []stk.Command{stk.NewTimerStart(1, 8, time.Minute)}, []byte{8}},
		{"three timers, the last started first out", []stk.Command{
			stk.NewTimerStart(1, 1, 3*time.Minute),
			stk.NewTimerStart(2, 5, 2*time.Minute),
			stk.NewTimerStart(3, 7, time.Minute),
		}, []byte{7, 5, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.card.push(tt.starts...)
			r.start(t)
			r.advance(t, time.Hour)
			var got []byte
			for _, env := range r.card.envs {
				if env.Tag != stk.TagTimerExpiration {
					t.Fatalf("envelope %+v, want timer expirations only", env)
				}
				got = append(got, env.TimerID)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("timer expirations name timers %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTimerGetValueAndDeactivate(t *testing.T) {
	r := newRig(t)
	r.card.push(stk.NewTimerStart(1, 2, 10*time.Minute))
	r.start(t)
	r.advance(t, 3*time.Minute)

	tests := []struct {
		cmd    stk.Command
		result byte
		value  time.Duration
	}{
		{stk.NewTimerGetValue(2, 2), stk.ResultOK, 7 * time.Minute},
		{stk.NewTimerDeactivate(3, 2), stk.ResultOK, 7 * time.Minute},
		{stk.NewTimerGetValue(4, 2), stk.ResultTimerContradiction, 0},
		{stk.NewTimerDeactivate(5, 7), stk.ResultTimerContradiction, 0},
	}
	for _, tt := range tests {
		r.card.push(tt.cmd)
		r.poke(t)
		tr := r.card.lastTR()
		if tr.Details != tt.cmd.Details || tr.Result.General != tt.result {
			t.Fatalf("%+v: TR %+v", tt.cmd.Details, tr)
		}
		if tt.result == stk.ResultOK && (tr.TimerValue == nil || *tr.TimerValue != tt.value || tr.TimerID != 2) {
			t.Fatalf("%+v: timer value %v", tt.cmd.Details, tr.TimerValue)
		}
	}
	r.advance(t, time.Hour)
	if len(r.card.envs) != 0 {
		t.Fatalf("deactivated timer expired: %+v", r.card.envs)
	}
}

func TestProvideLocalInfo(t *testing.T) {
	limited := paris
	limited.Service = LimitedService
	// The NMR: the serving cell, and the other visible cell with its
	// global identity; physCellId 124 = 0x1234 mod 504 (stk.TestNMR has
	// the bit-level vector).
	nmr, err := stk.EncodeNMR(stk.MeasResults{MeasID: 1, ServingRSRP: -85, ServingRSRQ: 20,
		Neighbours: []stk.Neighbour{{PCI: 124, PLMN: "20810", CellID: 0x1234, TAC: 0x3A9C, RSRP: -101, RSRQ: 20}}})
	if err != nil {
		t.Fatal(err)
	}
	// The virtual clock when the card asks for the date and time.
	at := time.Date(2026, 11, 30, 17, 20, 44, 0, time.UTC).Sub(clock.Epoch)
	tests := []struct {
		name string
		loc  Location
		q    byte
		want string // terminal response, hex
		// Optional: the host's IMEI ("": the rig's 490154203237518), the
		// terminal's language ("": default), time since clock.Epoch.
		imei  string
		lang  string
		after time.Duration
	}{
		{name: "location", loc: paris, q: stk.PLILocation,
			want: "81 03 01 26 00 82 02 82 81 83 01 00 13 09 02 F8 10 3A 9B 00 0C 33 DF"},
		{name: "NMR", loc: paris, q: stk.PLINMR,
			want: fmt.Sprintf("81 03 01 26 02 82 02 82 81 83 01 00 16 %02X %X", len(nmr.Value), nmr.Value)},
		{name: "NMR without a measurement qualifier", loc: paris, q: 0x82, // marker: the bare command
			want: "81 03 01 26 02 82 02 82 81 83 01 36"},
		{name: "access technology", loc: paris, q: stk.PLIAccessTechnology,
			want: "81 03 01 26 06 82 02 82 81 83 01 00 3F 01 08"},
		{name: "limited service", loc: limited, q: stk.PLILocation,
			want: "81 03 01 26 00 82 02 82 81 83 01 06 13 09 02 F8 10 3A 9B 00 0C 33 DF"},
		{name: "no service", loc: Location{Service: NoService}, q: stk.PLILocation,
			want: "81 03 01 26 00 82 02 82 81 83 02 20 04"},
		// stk.TestIMEI works the IMEI out: check digit 8 sent as 0.
		{name: "IMEI", loc: paris, q: stk.PLIIMEI,
			want: "81 03 01 26 01 82 02 82 81 83 01 00 14 08 4A 09 51 24 30 32 57 01"},
		{name: "IMEI without service", loc: Location{Service: NoService}, q: stk.PLIIMEI,
			want: "81 03 01 26 01 82 02 82 81 83 01 00 14 08 4A 09 51 24 30 32 57 01"},
		{name: "IMEI in limited service", loc: limited, q: stk.PLIIMEI,
			want: "81 03 01 26 01 82 02 82 81 83 01 00 14 08 4A 09 51 24 30 32 57 01"},
		{name: "IMEI of 14 digits from host", loc: paris, q: stk.PLIIMEI, imei: "49015420323751",
			want: "81 03 01 26 01 82 02 82 81 83 02 20 00"},
		// 2026-11-30 17:20:44 UTC: 62 11 03 71 02 44, zone unknown FF.
		{name: "date and time", loc: paris, q: stk.PLIDateTime, after: at,
			want: "81 03 01 26 03 82 02 82 81 83 01 00 26 07 62 11 03 71 02 44 FF"},
		{name: "date and time without service", loc: Location{Service: NoService}, q: stk.PLIDateTime,
			want: "81 03 01 26 03 82 02 82 81 83 01 00 26 07 62 10 10 00 00 00 FF"},
		{name: "language", loc: paris, q: stk.PLILanguage,
			want: "81 03 01 26 04 82 02 82 81 83 01 00 2D 02 65 6E"},
		{name: "language set, without service", loc: Location{Service: NoService}, q: stk.PLILanguage, lang: "fr",
			want: "81 03 01 26 04 82 02 82 81 83 01 00 2D 02 66 72"},
		{name: "timing advance not supported", loc: paris, q: 0x05,
			want: "81 03 01 26 05 82 02 82 81 83 01 30"},
		{name: "IMEISV not supported", loc: paris, q: 0x08,
			want: "81 03 01 26 08 82 02 82 81 83 01 30"},
		{name: "access technology without service", loc: Location{Service: NoService}, q: stk.PLIAccessTechnology,
			want: "81 03 01 26 06 82 02 82 81 83 02 20 04"},
		{name: "bad PLMN from host", loc: Location{Service: NormalService, Serving: Cell{PLMN: "2O8O1"}}, q: stk.PLILocation,
			want: "81 03 01 26 00 82 02 82 81 83 02 20 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.host.loc = tt.loc
			if tt.imei != "" {
				r.host.imei = tt.imei
			}
			if tt.lang != "" {
				if err := r.term.SetLanguage(tt.lang); err != nil {
					t.Fatal(err)
				}
			}
			r.advance(t, tt.after)
			switch tt.q {
			case stk.PLINMR:
				r.card.push(stk.NewProvideLocalInfoNMR(1))
			case 0x82:
				r.card.push(stk.NewProvideLocalInfo(1, stk.PLINMR))
			default:
				r.card.push(stk.NewProvideLocalInfo(1, tt.q))
			}
			r.start(t)
			want := hexdump.Bytes(t, tt.want)
			tr := r.card.apdus[len(r.card.apdus)-1]
			if !bytes.Equal(tr[:4], []byte{0x80, 0x14, 0, 0}) || !bytes.Equal(tr[5:], want) {
				t.Fatalf("TR APDU % X\nwant data   % X", tr, want)
			}
		})
	}
}

func TestSetLanguage(t *testing.T) {
	r := newRig(t)
	for _, bad := range []string{"", "e", "EN", "eng", "e1"} {
		if err := r.term.SetLanguage(bad); err == nil {
			t.Errorf("SetLanguage(%q) accepted", bad)
		}
	}
	// A refused code leaves the language as it was.
	r.card.push(stk.NewProvideLocalInfo(1, stk.PLILanguage))
	r.start(t)
	if tr := r.card.lastTR(); tr.Language != DefaultLanguage {
		t.Fatalf("language %q after refused codes, want %q", tr.Language, DefaultLanguage)
	}
}

func TestMalformedAndUnknownCommands(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"unknown type DISPLAY TEXT", "D0 0F 81 03 01 21 80 82 02 81 02 8D 04 04 48 69 21",
			"81 03 01 21 80 82 02 82 81 83 01 30"},
		// Answered as the command it is, whose details open it (outside
		// tester sw119: 81 03 00 00 00 was answered 6A80 by the card).
		{"truncated template", "D0 0B 81 03 01 26 00",
			"81 03 01 26 00 82 02 82 81 83 01 32"},
		{"an object cut short", "D0 0D 81 03 01 26 00 82 02 81 82 85 05 41 42",
			"81 03 01 26 00 82 02 82 81 83 01 32"},
		{"no device identities", "D0 05 81 03 02 26 00",
			"81 03 02 26 00 82 02 82 81 83 01 36"},
		{"no command at all", "D0 09 81 03 01 7F 00 82 02 81 82",
			"81 03 01 7F 00 82 02 82 81 83 01 31"},
		{"timer without value", "D0 0C 81 03 07 27 00 82 02 81 82 A4 01 01",
			"81 03 07 27 00 82 02 82 81 83 01 36"},
		{"unsupported event", "D0 0C 81 03 01 05 00 82 02 81 82 19 01 05",
			"81 03 01 05 00 82 02 82 81 83 01 30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.card.pushRaw(hexdump.Bytes(t, tt.raw))
			r.start(t)
			want := hexdump.Bytes(t, tt.want)
			tr := r.card.apdus[len(r.card.apdus)-1]
			if !bytes.Equal(tr[5:], want) {
				t.Fatalf("TR % X\nwant % X", tr[5:], want)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	tests := []struct {
		q      byte
		wantTR bool
	}{
		{stk.RefreshUICCReset, false},
		{stk.RefreshEUICCProfileChange, false},
		{stk.RefreshFileChange, true},
		{stk.RefreshNAAInit, true},
	}
	for _, tt := range tests {
		r := newRig(t)
		// A command queued behind the REFRESH must not be fetched when
		// the card is being reset.
		ref := stk.NewRefresh(1, tt.q)
		if tt.q == stk.RefreshFileChange {
			ref.Files = []byte{1, 0x3F, 0x00, 0x2F, 0xE2} // EF ICCID
		}
		r.card.push(stk.NewTimerStart(9, 1, time.Minute), ref, stk.NewProvideLocalInfo(2, 0))
		r.start(t)
		if !bytes.Equal(r.host.refreshes, []byte{tt.q}) {
			t.Fatalf("q %02X: host refreshes % X", tt.q, r.host.refreshes)
		}
		var sawRefreshTR bool
		for _, tr := range r.card.trs {
			sawRefreshTR = sawRefreshTR || tr.Details.Type == stk.CmdRefresh
		}
		if sawRefreshTR != tt.wantTR {
			t.Fatalf("q %02X: refresh TR sent = %v, want %v", tt.q, sawRefreshTR, tt.wantTR)
		}
		// eUICC Profile State Change: answered when the host says so
		// (TS 102 223 §6.4.7: the card resets itself before answering),
		// and the terminal stops; UICC reset is never answered.
		var answered bool
		r.loop.Do(func() { answered = r.term.AnswerRefresh() })
		if answered != (tt.q == stk.RefreshEUICCProfileChange) {
			t.Fatalf("q %02X: AnswerRefresh %v", tt.q, answered)
		}
		if answered {
			last := r.card.trs[len(r.card.trs)-1]
			if last.Details.Type != stk.CmdRefresh || last.Details.Qualifier != tt.q || !last.Result.OK() {
				t.Fatalf("q %02X: the answer %+v", tt.q, last)
			}
			r.loop.Do(func() { answered = r.term.AnswerRefresh() })
			if answered {
				t.Fatalf("q %02X: answered twice", tt.q)
			}
		}
		if !tt.wantTR {
			if len(r.card.queue) != 1 {
				t.Fatalf("q %02X: fetched past the REFRESH", tt.q)
			}
			r.advance(t, time.Hour)
			if len(r.card.envs) != 0 {
				t.Fatalf("q %02X: timer survived the reset: %+v", tt.q, r.card.envs)
			}
		}
	}
}

func TestLocationChanged(t *testing.T) {
	camped := func(tac uint16, cell uint32) Location {
		l := paris
		l.Serving.TAC, l.Serving.CellID = tac, cell
		return l
	}
	r := newRig(t)
	// Not subscribed: nothing is sent.
	r.start(t)
	r.loop.Do(r.term.LocationChanged)
	if len(r.card.envs) != 0 {
		t.Fatal("event sent without subscription")
	}
	r.card.push(stk.NewSetUpEventList(1, stk.EventLocationStatus))
	r.poke(t)
	if tr := r.card.lastTR(); tr.Result.General != stk.ResultOK {
		t.Fatalf("SET UP EVENT LIST: %+v", tr)
	}
	steps := []struct {
		loc  Location
		want string // envelope hex, "" for none
	}{
		{paris, "D6 15 19 01 03 82 02 82 81 1B 01 00 13 09 02 F8 10 3A 9B 00 0C 33 DF"},
		{paris, ""},
		{Location{Service: NoService}, "D6 0A 19 01 03 82 02 82 81 1B 01 02"},
		{Location{Service: NoService}, ""},
		{paris, "D6 15 19 01 03 82 02 82 81 1B 01 00 13 09 02 F8 10 3A 9B 00 0C 33 DF"},
		// §7.5.4: a change of cell is a change of location, in the same
		// PLMN and tracking area too; then of tracking area alone.
		{camped(0x3A9B, 0xC33E), "D6 15 19 01 03 82 02 82 81 1B 01 00 13 09 02 F8 10 3A 9B 00 0C 33 EF"},
		{camped(0x3A9B, 0xC33E), ""},
		{camped(0x3A9C, 0xC33E), "D6 15 19 01 03 82 02 82 81 1B 01 00 13 09 02 F8 10 3A 9C 00 0C 33 EF"},
	}
	for i, s := range steps {
		r.host.loc = s.loc
		n := len(r.card.apdus)
		r.loop.Do(r.term.LocationChanged)
		sent := r.card.apdus[n:]
		if s.want == "" {
			if len(sent) != 0 {
				t.Fatalf("step %d: sent % X, want nothing", i, sent)
			}
			continue
		}
		if len(sent) != 1 || !bytes.Equal(sent[0][:4], []byte{0x80, 0xC2, 0, 0}) || !bytes.Equal(sent[0][5:], hexdump.Bytes(t, s.want)) {
			t.Fatalf("step %d: sent % X\nwant envelope %s", i, sent, s.want)
		}
	}
}

func TestEnvelopeBusy(t *testing.T) {
	t.Run("retry on the clock", func(t *testing.T) {
		r := newRig(t)
		r.card.push(stk.NewTimerStart(1, 1, time.Minute))
		r.start(t)
		r.card.busy = 2
		r.advance(t, time.Minute)
		if len(r.card.envs) != 0 {
			t.Fatal("busy card took the envelope")
		}
		r.advance(t, time.Second)
		if len(r.card.envs) != 0 {
			t.Fatal("second try should also be refused")
		}
		r.advance(t, time.Second)
		if len(r.card.envs) != 1 || r.card.envTimes[0] != r.loop.Now() || r.card.envs[0].TimerValue != time.Minute {
			t.Fatalf("envelopes %+v at %v", r.card.envs, r.card.envTimes)
		}
	})
	// A card busy longer than ten tries still gets its timer's
	// expiration: half a minute apart from then on, never dropped
	// (TS 102 223 §7.4; outside tester sw119).
	t.Run("busy for long", func(t *testing.T) {
		r := newRig(t)
		r.card.push(stk.NewTimerStart(1, 1, time.Minute))
		r.start(t)
		r.card.busy = 12                         // the first try and eleven retries
		r.advance(t, time.Minute+10*time.Second) // the try and ten retries, a second apart
		if len(r.card.envs) != 0 {
			t.Fatal("busy card took the envelope")
		}
		r.advance(t, 30*time.Second)
		if len(r.card.envs) != 0 {
			t.Fatal("the eleventh retry should be refused too")
		}
		r.advance(t, 30*time.Second)
		if len(r.card.envs) != 1 || r.card.envs[0].TimerValue != time.Minute {
			t.Fatalf("envelopes %+v at %v: the expiration was dropped", r.card.envs, r.card.envTimes)
		}
	})
	t.Run("after the proactive session", func(t *testing.T) {
		r := newRig(t)
		r.card.push(stk.NewSetUpEventList(1, stk.EventLocationStatus))
		r.start(t)
		r.card.push(stk.NewProvideLocalInfo(2, stk.PLILocation))
		var order []string
		r.card.onTR = func(tr stk.TerminalResponse) { order = append(order, "TR") }
		r.card.onEnv = func(stk.Envelope) { order = append(order, "envelope") }
		r.loop.Do(func() {
			// The host's APDU leaves a command pending (fetch posted):
			// the event must wait until the session is over.
			r.term.Transmit([]byte{0x80, 0xF2, 0, 0, 0})
			r.term.LocationChanged()
		})
		r.settle(t)
		if strings.Join(order, ",") != "TR,envelope" {
			t.Fatalf("order %v, want TR then envelope", order)
		}
	})
}

func TestStopCancelsTimersAndEnvelopes(t *testing.T) {
	r := newRig(t)
	r.card.push(stk.NewTimerStart(1, 1, time.Minute), stk.NewSetUpEventList(2, stk.EventLocationStatus))
	r.start(t)
	r.loop.Do(r.term.Stop)
	r.host.loc = Location{Service: NoService}
	r.loop.Do(r.term.LocationChanged)
	r.advance(t, time.Hour)
	if len(r.card.envs) != 0 {
		t.Fatalf("envelopes after Stop: %+v", r.card.envs)
	}
	// A 91xx after Stop is not fetched.
	r.card.push(stk.NewProvideLocalInfo(3, 0))
	r.poke(t)
	if len(r.card.queue) != 1 {
		t.Fatal("fetched after Stop")
	}
}

// TestRefreshFileList: a REFRESH naming files is understood (TS 102 223
// §6.6.13, the File List comprehension-required: outside tester sw119, it
// was answered 32), and one whose mode needs the list and lacks it is
// answered 36.
func TestRefreshFileList(t *testing.T) {
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"file change with its list", "D0 12 81 03 01 01 01 82 02 81 82 92 07 01 3F 00 7F 20 6F 07", "81 03 01 01 01 82 02 82 81 83 01 00"},
		{"file change without", "D0 09 81 03 01 01 01 82 02 81 82", "81 03 01 01 01 82 02 82 81 83 01 36"},
		{"NAA initialisation with an AID", "D0 1B 81 03 01 01 03 82 02 81 82 AF 10 A0 00 00 00 87 10 02 FF FF FF FF 89 06 19 00 00", "81 03 01 01 03 82 02 82 81 83 01 00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.card.pushRaw(hexdump.Bytes(t, tc.raw))
			r.start(t)
			tr := r.card.apdus[len(r.card.apdus)-1]
			if want := hexdump.Bytes(t, tc.want); !bytes.Equal(tr[5:], want) {
				t.Fatalf("TR % X\nwant % X", tr[5:], want)
			}
		})
	}
}

// TestFetchAfter6Cxx: a card whose 91xx names another length than its
// command has answers the FETCH 6Cxx; the terminal fetches again with
// that length (T=0, TS 102 221 §7.3.1.1.5) and the session goes on
// (outside tester sw119: it ended there).
func TestFetchAfter6Cxx(t *testing.T) {
	r := newRig(t)
	r.card.misstated = true
	r.card.push(stk.NewProvideLocalInfo(1, stk.PLILanguage), stk.NewProvideLocalInfo(2, stk.PLILanguage))
	r.start(t)
	if len(r.card.trs) != 2 || !r.card.trs[1].Result.OK() {
		t.Fatalf("terminal responses %+v, want both commands answered", r.card.trs)
	}
}

// TestPendingCap: at most maxPending envelopes wait for a busy card; past
// that the oldest event download goes, never a timer's expiration while
// an event download could go instead (reviewer sw123).
func TestPendingCap(t *testing.T) {
	r := newRig(t)
	r.start(t)
	r.loop.Do(func() {
		r.term.inSession = true // the card's session holds every envelope
		r.term.sendEnvelope(stk.NewTimerExpiration(1, time.Minute))
		for range maxPending + 8 {
			r.term.sendEnvelope(stk.Envelope{Tag: stk.TagEventDownload, Event: stk.EventDataAvailable})
		}
		if n := len(r.term.pending); n != maxPending {
			t.Errorf("%d waiting, want %d", n, maxPending)
		}
		if r.term.pending[0].Tag != stk.TagTimerExpiration {
			t.Errorf("the timer's expiration went: %+v", r.term.pending[0])
		}
		r.term.inSession = false
		r.term.pending = nil
	})
}

// TestNMRNeighbours: the NMR of PROVIDE LOCAL INFORMATION carries the
// serving cell and up to eight other visible cells, the first eight in
// the host's order (TS 31.111 §6.4.15; the eight neighbour cells of a
// Rel-8 MeasResults). The order is the host's (Location.Visible comes
// strongest first; euicc's TestLocationCellsStrongestFirst holds the
// card to it): what this checks is the serving cell left out and the cap.
// The card's signal report to the platform is made of it, so a cell left
// out changes a signal-ordered list. t153 F5.
func TestNMRNeighbours(t *testing.T) {
	for _, tc := range []struct {
		name    string
		visible int // cells seen, the serving one among them
		want    int // neighbours reported
	}{
		{"serving cell only", 1, 0},
		{"two neighbours", 3, 2},
		{"five neighbours", 6, 5},
		{"eight neighbours", 9, 8},
		{"more than eight", 12, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := Location{Service: NormalService, Serving: Cell{PLMN: "20801", TAC: 0x3A9B, CellID: 0xC33D, RSRP: -82}}
			// The serving cell sits second when it has company: it is left
			// out wherever it is.
			servingAt := min(1, tc.visible-1)
			var want []int
			for i := range tc.visible {
				c := Cell{PLMN: fmt.Sprintf("2081%d", i%10), TAC: 0x3A00 + uint16(i), CellID: 0x1000 + uint32(i), RSRP: -80 - 2*i}
				if i == servingAt {
					c = loc.Serving
				} else if len(want) < 8 {
					want = append(want, c.RSRP)
				}
				loc.Visible = append(loc.Visible, c)
			}
			r := newRig(t)
			r.host.loc = loc
			var nmr *stk.MeasResults
			r.card.onTR = func(tr stk.TerminalResponse) { nmr = tr.NMR }
			r.card.push(stk.NewProvideLocalInfoNMR(1))
			r.start(t)
			if nmr == nil {
				t.Fatal("no NMR in the terminal response")
			}
			var got []int
			for _, n := range nmr.Neighbours {
				got = append(got, n.RSRP)
			}
			if len(got) != tc.want || !slices.Equal(got, want) {
				t.Errorf("neighbours' RSRP %v, want %v (%d cells)", got, want, tc.want)
			}
		})
	}
}
