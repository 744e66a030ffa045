package timeline

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// lossKind is how a step of TestLossEndsAlikeInEveryReader is lost.
type lossKind int

const (
	whole       lossKind = iota // the exchange, whole
	lostAny                     // bytes lost on a channel the reader cannot tell
	lostCommand                 // the command's bytes lost on its channel
	lostAnswer                  // the command whole, its answer lost
)

type lossStep struct {
	cmd, resp string
	lost      lossKind
}

// TestLossEndsAlikeInEveryReader: the three readers of the card's
// interface — the card's APDU lane (simtrace), the AT lane and a field
// log's +CSIM lines — end the same things after the same loss
// (cardtrace.Channels.Lost): what they cannot attribute is ended, and
// what follows is partial, never decoded as whole (final71: a +CSIM line
// of bad hex ended nothing in the AT lane and fieldlog, and fieldlog
// kept the waiting answer after a malformed GET RESPONSE). A sniffer
// loses a datagram that is not GSMTAP (channel unknown) or an APDU with
// no status word (its channel's); a log, a +CSIM line of bad hex
// (channel unknown), an APDU whose length its data does not fill, or an
// answer that is no response APDU.
func TestLossEndsAlikeInEveryReader(t *testing.T) {
	const (
		getEID    = "81E2910006BF3E035C015A" // GetEID on channel 1
		eid       = "89049032000001000000000000000171"
		eidAnswer = "BF3E125A10" + eid
		auth0     = "81E2110004BF380102" // AuthenticateServer's block 0 of 2
		auth1     = "81E2910103A1A2A3"   // and its last
	)
	for _, tc := range []struct {
		name  string
		steps []lossStep
		want  string // what every reader makes of the last step
	}{
		{"no loss: the answer whole", []lossStep{{getEID, "6115", whole}, {"81C0000015", eidAnswer + "9000", whole}}, "whole EID " + eid},
		{"channel unknown, mid-answer", []lossStep{{getEID, "6115", whole}, {"", "", lostAny}, {"81C0000015", eidAnswer + "9000", whole}}, "partial"},
		{"the answer's channel, mid-answer", []lossStep{{getEID, "6115", whole}, {"81C0000015", "", lostCommand}, {"81C0000015", eidAnswer + "9000", whole}}, "partial"},
		{"another channel, mid-answer", []lossStep{{getEID, "6115", whole}, {"82C0000015", "", lostCommand}, {"81C0000015", eidAnswer + "9000", whole}}, "whole EID " + eid},
		{"a part of the answer", []lossStep{{getEID, "6115", whole}, {"81C0000005", "", lostAnswer}, {"81C0000010", eidAnswer[10:] + "9000", whole}}, "partial"},
		{"channel unknown, mid-request", []lossStep{{auth0, "9000", whole}, {"", "", lostAny}, {auth1, "9000", whole}}, "no request"},
		{"the request's channel, mid-request", []lossStep{{auth0, "9000", whole}, {"81F2000000", "", lostCommand}, {auth1, "9000", whole}}, "no request"},
		{"no loss: the request whole", []lossStep{{auth0, "9000", whole}, {auth1, "9000", whole}}, "request AuthenticateServer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for reader, got := range map[string]string{
				"AT lane":        atLaneAfter(tc.steps),
				"field log":      fieldLogAfter(t, tc.steps),
				"card APDU lane": apduLaneAfter(t, tc.steps),
			} {
				if got != tc.want {
					t.Errorf("%s: %s, want %s", reader, got, tc.want)
				}
			}
		})
	}
}

// logLines are a step as +CSIM lines: the command, and the answer (""
// for the modem's +CME ERROR).
func logLines(s lossStep) (cmd, answer string) {
	switch s.lost {
	case lostAny:
		return `AT+CSIM=4,"ZZZZ"`, ""
	case lostCommand:
		// A byte its length does not account for: bytes lost.
		return fmt.Sprintf(`AT+CSIM=%d,"%s01"`, len(s.cmd)+2, s.cmd), ""
	case lostAnswer:
		return fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(s.cmd), s.cmd), `+CSIM: 3,"BF3"`
	}
	return fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(s.cmd), s.cmd), fmt.Sprintf(`+CSIM: %d,"%s"`, len(s.resp), s.resp)
}

// outcome words what a reader made of the last step.
func outcome(storeData bool, named, noRequest bool, answer string) string {
	switch {
	case storeData && noRequest:
		return "no request"
	case storeData && named:
		return "request AuthenticateServer"
	case strings.Contains(answer, apdu.PartialAnswer):
		return "partial"
	}
	if i := strings.Index(answer, "EID "); i >= 0 {
		return "whole EID " + strings.TrimRight(strings.Fields(answer[i+4:])[0], ",")
	}
	return "other: " + answer
}

func atLaneAfter(steps []lossStep) string {
	st := newCallState()
	var c call
	for _, s := range steps {
		cmd, answer := logLines(s)
		var lines []string
		if answer != "" {
			lines = []string{answer}
		}
		c, _ = apduCall(cmd, lines, st)
	}
	last := steps[len(steps)-1]
	sd := strings.HasPrefix(last.cmd, "81E2")
	return outcome(sd, strings.HasPrefix(c.request, "ES10 AuthenticateServer"), strings.HasPrefix(c.request, "ES10 STORE DATA"), c.response)
}

func fieldLogAfter(t *testing.T, steps []lossStep) string {
	var b strings.Builder
	for _, s := range steps {
		cmd, answer := logLines(s)
		b.WriteString("> " + cmd + "\n")
		if answer == "" {
			b.WriteString("< +CME ERROR: 50\n")
			continue
		}
		b.WriteString("< " + answer + "\n< OK\n")
	}
	tr, err := fieldlog.Read("lpa.log", []byte(b.String()), fieldlog.Plain)
	if err != nil {
		t.Fatal(err)
	}
	var cmd, resp *fieldlog.APDU
	for _, e := range tr.Entries {
		if e.APDU == nil {
			continue
		}
		if e.APDU.Response {
			resp = e.APDU
		} else {
			cmd, resp = e.APDU, nil
		}
	}
	answer := ""
	if resp != nil {
		answer = resp.Summary
	}
	return outcome(cmd.Ins == "STORE DATA", cmd.ES10 != "", cmd.NoRequest, answer)
}

func apduLaneAfter(t *testing.T, steps []lossStep) string {
	l := apduLane(t, steps)
	a := l.APDUs[len(l.APDUs)-1]
	return outcome(a.Name == "STORE DATA", a.ES10 != "", a.ES10 == "", a.Outcome)
}

// apduLane is the card's APDU lane of a sniffer that saw steps after an
// ATR.
func apduLane(t *testing.T, steps []lossStep) *simtrace.Lane {
	at := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	atr := gsmtap.SIMHeader(gsmtap.SubATR)
	dgs := []capture.Datagram{{Frame: 1, Time: at, Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: append(atr.Append(nil), 0x3B, 0x00)}}
	for i, s := range steps {
		g := gsmtap.SIMHeader(gsmtap.SubAPDU)
		cmd, _ := hex.DecodeString(s.cmd)
		var payload []byte
		switch s.lost {
		case lostAny:
			payload = []byte("not GSMTAP: a datagram of the sniffer's, cut short")
		case lostCommand, lostAnswer:
			// The sniffer saw no status word: what the card did with
			// the command is not known.
			payload = append(g.Append(nil), cmd...)
		default:
			resp, _ := hex.DecodeString(s.resp)
			payload = gsmtap.AppendExchange(g.Append(nil), cmd, resp)
		}
		dgs = append(dgs, capture.Datagram{Frame: i + 2, Time: at.Add(time.Duration(i+1) * time.Millisecond),
			Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: payload})
	}
	l := simtrace.Decode(capture.Datagrams{List: dgs}).Lane(capture.SIMTapAddr)
	if l == nil || len(l.APDUs) == 0 {
		t.Fatal("no APDU lane")
	}
	return l
}
