package timeline

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// A power cut at the platform's notification_received: the platform's
// 200 OK is written in the cut's instant, and the card never takes it.
const notifCutEvents = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}
{"t":"2026-01-01T01:00:00Z","actor":"platform","event":"notification_received","kind":"download-success","operator":"sfr","report":1}
{"t":"2026-01-01T01:00:00Z","actor":"harness","event":"fault","at":"modem","entry":0,"fault":"power_cut","name":"notification_received","nth":1,"off":"1m0s","target":"device"}
{"t":"2026-01-01T01:00:00Z","actor":"modem","event":"power","on":false}
`

// TestPowerCutAnswerJudgedByChannelReads rebuilds the order of sw53's
// failing run (F1): the card's last FETCH SEND DATA, the platform's
// answer, then — in one simulated instant, so in whatever order the
// goroutines ran — the SEND DATA's terminal response and a TIMER
// MANAGEMENT before the cut. None of those takes the answer off the
// channel; the old rule ("any APDU since") drew it as delivered. Only a
// Data available envelope or a RECEIVE DATA on the answer's channel does.
func TestPowerCutAnswerJudgedByChannelReads(t *testing.T) {
	cut := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	us := func(n int) time.Time { return cut.Add(time.Duration(n) * time.Microsecond) }
	mark := func(n int) capture.Mark { return capture.Mark{Events: n, OK: true, Command: n, CommandOK: true} }
	dg := func(frame int, m capture.Mark, cmd, rsp []byte) capture.Datagram {
		g := gsmtap.SIMHeader(gsmtap.SubAPDU)
		return capture.Datagram{Frame: frame, Time: us(frame), Mark: m, Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr,
			Payload: gsmtap.AppendExchange(g.Append(nil), cmd, rsp)}
	}
	enc := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	fetch := func(frame int, m capture.Mark, c stk.Command) capture.Datagram {
		b := enc(c.Encode())
		return dg(frame, m, []byte{0x80, 0x12, 0x00, 0x00, byte(len(b))}, append(b, 0x90, 0x00))
	}
	tr := func(frame int, m capture.Mark, c stk.Command) capture.Datagram {
		b := enc(stk.Respond(c, stk.Result{}).Encode())
		return dg(frame, m, append([]byte{0x80, 0x14, 0x00, 0x00, byte(len(b))}, b...), []byte{0x90, 0x00})
	}
	dataAvailable := func(frame int, m capture.Mark, ch byte) capture.Datagram {
		b := enc(stk.NewDataAvailableEvent(stk.ChannelStatus{Channel: ch, Established: true}, 149).Encode())
		return dg(frame, m, append([]byte{0x80, 0xC2, 0x00, 0x00, byte(len(b))}, b...), []byte{0x91, 0x0B})
	}
	send := stk.NewSendData(1, 1, []byte(`{"ack":true}`), true)
	timer := stk.NewTimerStart(2, 1, 30*time.Second)
	ex := capture.Exchange{
		Time: us(547), Frame: 547, Mark: mark(1), RespFrame: 553, RespMark: mark(2), RespTime: us(553),
		Host: "platform.esimhil.test", Method: "POST", Path: "/v1/notifications",
		RequestBody:  []byte(`{"eid":"89049032000001000000000000000171","kind":"download-success","iccid":"89208100000000000010","operator":"sfr","report":1}`),
		Status:       200,
		ResponseBody: []byte(`{"ack":true,"id":"1"}`),
	}
	// The request's SEND DATA, then what follows the answer (frame 553).
	before := []capture.Datagram{fetch(550, mark(1), send)}
	failing := []capture.Datagram{tr(558, mark(2), send), fetch(559, mark(2), timer), tr(560, mark(2), timer)}
	for _, tc := range []struct {
		name   string
		after  []capture.Datagram
		unread bool
	}{
		{"send data's tail and a timer (the failing run)", failing, true},
		{"nothing of the card", nil, true},
		{"data available on the answer's channel", append(failing[:3:3], dataAvailable(561, mark(2), 1)), false},
		{"receive data on the answer's channel", []capture.Datagram{dataAvailable(558, mark(2), 1), fetch(559, mark(2), stk.NewReceiveData(3, 1, 149))}, false},
		{"data available on another channel", []capture.Datagram{dataAvailable(558, mark(2), 2)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeArtifacts(t, map[string]string{"events.jsonl": notifCutEvents, "traffic.pcapng": ""})
			dgs := append(append([]capture.Datagram{}, before...), tc.after...)
			tl, err := Build(dir, Run{Name: "x", Traffic: &Decoded{Exchanges: []capture.Exchange{ex}, Datagrams: capture.Datagrams{List: dgs}}})
			if err != nil {
				t.Fatal(err)
			}
			var answer *Item
			for i, it := range tl.Items {
				if it.Source == "traffic.pcapng frame 553" {
					answer = &tl.Items[i]
				}
			}
			if answer == nil {
				t.Fatalf("no row for the answer's frame 553")
			}
			never := strings.Contains(answer.Label, "never read by the card: power cut")
			if strings.Contains(answer.Label, "undecodable") {
				t.Fatalf("answer %q: the fixture does not decode", answer.Label)
			}
			if never != tc.unread || (answer.To == LaneModem) != tc.unread {
				t.Errorf("answer %q to %s, faults %q; want never read %v", answer.Label, answer.To, answer.Faults, tc.unread)
			}
		})
	}
}
