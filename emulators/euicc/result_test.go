package euicc

import (
	"reflect"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// roamingCard boots a card with its real applet, finds it roaming in
// France at the first periodic check and leaves the preferred-list
// request's OPEN CHANNEL pending. Nothing listens: the test is the
// terminal.
func roamingCard(t *testing.T) (*term, *eventlog.Log) {
	t.Helper()
	log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
	cfg := testConfig()
	cfg.Log = log
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Reset()
	t.Cleanup(c.PowerOff)
	tm := &term{t: t, c: c}
	tm.boot()
	tm.ok(tm.fetch(stk.CmdTimerManagement))
	tm.envelope(stk.NewTimerExpiration(1, 5*time.Minute))
	tr := stk.Respond(tm.fetch(stk.CmdProvideLocalInfo), stk.Result{General: stk.ResultOK})
	tr.Location = &stk.LocationInfo{PLMN: "20801", TAC: 1, CellID: 2}
	tm.respond(tr)
	tm.respond(stk.Respond(tm.fetch(stk.CmdProvideLocalInfo), stk.Result{General: stk.ResultOK}))
	tm.ok(tm.fetch(stk.CmdTimerManagement))
	return tm, log
}

// The card writes the terminal's result as a field, "result", on every
// event that records one — its own stk_error and bip_error and the
// applet's failure that follows — as the toolkit codec writes it, beside
// the reason's words; an event of a failure that is no terminal result
// has no such field.
func TestEventsCarryTheTerminalResult(t *testing.T) {
	noService := stk.Result{General: stk.ResultTerminalUnable, Additional: []byte{stk.UnableNoService}}
	type ev struct{ kind, reason, result string } // result "": no field
	tests := []struct {
		name string
		play func(tm *term)
		want []ev
	}{
		{"OPEN CHANNEL without service", func(tm *term) {
			tm.respond(stk.Respond(tm.fetch(stk.CmdOpenChannel), noService))
		}, []ev{
			{"bip_error", "POST /v1/preferred-list: open channel: result 20/04 (terminal currently unable to process command: no service)", "20/04"},
			{"preferred_list_failed", "open channel: result 20/04 (terminal currently unable to process command: no service)", "20/04"},
		}},
		{"SEND DATA on a closed channel", func(tm *term) {
			tm.openChannel()
			tm.respond(stk.Respond(tm.fetch(stk.CmdSendData), stk.Result{General: stk.ResultBIPError, Additional: []byte{stk.BIPChannelClosed}}))
			tm.closeChannel()
		}, []ev{
			{"bip_error", "POST /v1/preferred-list: send data: result 3A/02 (BIP error: channel closed)", "3A/02"},
			{"preferred_list_failed", "send data: result 3A/02 (BIP error: channel closed)", "3A/02"},
		}},
		{"PROVIDE LOCAL INFORMATION without service", func(tm *term) {
			tm.respond(stk.Respond(tm.fetch(stk.CmdOpenChannel), stk.Result{General: stk.ResultBIPError, Additional: []byte{stk.BIPRemoteNotReachable}}))
			tm.envelope(stk.NewTimerExpiration(1, 5*time.Minute))
			tm.respond(stk.Respond(tm.fetch(stk.CmdProvideLocalInfo), noService))
		}, []ev{
			{"bip_error", "POST /v1/preferred-list: open channel: result 3A/07 (BIP error: remote device is not reachable)", "3A/07"},
			{"preferred_list_failed", "open channel: result 3A/07 (BIP error: remote device is not reachable)", "3A/07"},
			{"stk_error", "PROVIDE LOCAL INFORMATION: result 20/04 (terminal currently unable to process command: no service)", "20/04"},
		}},
		{"a failure that is no terminal result", func(tm *term) {
			tr := stk.Respond(tm.fetch(stk.CmdOpenChannel), stk.Result{General: stk.ResultOK})
			tr.ChannelStatus = &stk.ChannelStatus{Channel: 1, Established: true}
			tr.BufferSize = new(uint16(100))
			tm.respond(tr)
			tm.closeChannel()
		}, []ev{
			{"bip_error", "POST /v1/preferred-list: open channel: buffer of 100 bytes", ""},
			{"preferred_list_failed", "open channel: buffer of 100 bytes", ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm, log := roamingCard(t)
			tc.play(tm)
			var got []ev
			for _, e := range log.Events() {
				switch e.Kind {
				case KindSTKError, KindBIPError, "preferred_list_failed":
					r, ok := e.Fields["result"]
					if ok && (r == "" || r == nil) {
						t.Errorf("%s: empty result field %#v", e.Kind, r)
					}
					s, _ := r.(string)
					got = append(got, ev{string(e.Kind), e.Str("reason"), s})
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("events\n got %q\nwant %q", got, tc.want)
			}
			for _, e := range got {
				if e.result == "" {
					continue
				}
				if r, err := stk.ParseResult(e.result); err != nil || r.String() != e.result {
					t.Errorf("%s: result %q does not read back (%v, %v)", e.kind, e.result, r, err)
				}
			}
		})
	}
}

// A refused proactive command is named as TS 102 223 names it, its
// result with the words Meaning gives, none for a result it has none for.
func TestRefusedCommand(t *testing.T) {
	tests := []struct {
		typ  byte
		res  stk.Result
		want string
	}{
		{stk.CmdProvideLocalInfo, stk.Result{General: stk.ResultTerminalUnable, Additional: []byte{stk.UnableNoService}},
			"PROVIDE LOCAL INFORMATION: result 20/04 (terminal currently unable to process command: no service)"},
		{stk.CmdTimerManagement, stk.Result{General: 0x30}, "TIMER MANAGEMENT: result 30 (command beyond terminal's capabilities)"},
		{stk.CmdSetUpEventList, stk.Result{General: 0x26}, "SET UP EVENT LIST: result 26"},
		{0x99, stk.Result{General: 0x20}, "command type 99: result 20 (terminal currently unable to process command)"},
	}
	for _, tt := range tests {
		if got := refusedCommand(tt.typ, tt.res); got != tt.want {
			t.Errorf("refusedCommand(%02X, %s) = %q, want %q", tt.typ, tt.res, got, tt.want)
		}
	}
}
