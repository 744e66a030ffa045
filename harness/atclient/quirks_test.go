package atclient

import (
	"bufio"
	"errors"
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/codec/at"
	"pgregory.net/rapid"
)

// quirks are what real modems do to the bytes of an answer without
// changing what it says (public modem logs: Quectel, SIMCom, u-blox,
// Sierra): each is a variant a real modem could send.
type quirks struct {
	seed     uint64
	chunks   bool // written in pieces split at any byte (one at a time, a line split across writes)
	crOnly   bool // lines ended by CR alone (S4 unset, V.250 §6.2.2)
	blanks   bool // each line break doubled (an empty line between lines)
	echo     bool // the command line echoed first (ATE1, V.250 §6.2.4)
	lateEcho bool // a URC before the echo
	// splitEcho: a URC inside the echo, the line still arriving when it
	// came (u-blox and Telit hold URCs back while a command runs, not
	// while its line is typed: docs/conformance.md, command line echo).
	splitEcho bool
	urcs      []string      // URCs put between lines: before the echo, between it and the answer, inside it
	noise     []byte        // line noise before the first answer (a UART at power-up)
	stall     time.Duration // a pause in the middle of an answer
}

// answer is what the modem sends for one command line: its information
// lines and final result, as text.
type answer struct {
	lines []string
	final string
}

// render builds the bytes of a's answer to cmd under q, and where the
// stream pauses (offsets into them, in order); first: the modem's first
// answer since power-up. The URCs go at line boundaries only (27.007
// §4.1: a TA sends a URC between lines, never inside one).
func (q quirks) render(rng *rand.Rand, cmd string, a answer, first bool) (out []byte, cuts []int, pause int) {
	eol := "\r\n"
	if q.crOnly {
		eol = "\r"
	}
	if q.blanks {
		eol += eol
	}
	var parts []string
	for _, l := range a.lines {
		parts = append(parts, eol+l+eol)
	}
	parts = append(parts, eol+a.final+eol)
	urcs := slices.Clone(q.urcs)
	var b strings.Builder
	if first {
		b.Write(q.noise)
	}
	if q.echo {
		if q.lateEcho && len(urcs) > 0 {
			b.WriteString(eol + urcs[0] + eol)
			urcs = urcs[1:]
		}
		if q.splitEcho && len(urcs) > 0 {
			k := 2 + rng.IntN(len(cmd)-2) // after "AT": the URC came once the line began
			b.WriteString(cmd[:k] + eol + urcs[0] + eol + cmd[k:] + "\r")
			urcs = urcs[1:]
		} else {
			b.WriteString(cmd + "\r")
		}
	}
	pause = -1
	for i, p := range parts {
		// URCs between the lines of the answer (and between the echo and
		// it), each at a place drawn from the seed.
		for len(urcs) > 0 && rng.IntN(len(parts)-i+1) == 0 {
			b.WriteString(eol + urcs[0] + eol)
			urcs = urcs[1:]
		}
		if i == len(parts)/2 && q.stall > 0 {
			pause = b.Len() + rng.IntN(len(p))
		}
		b.WriteString(p)
	}
	for _, u := range urcs { // those left come after the final result
		b.WriteString(eol + u + eol)
	}
	out = []byte(b.String())
	if q.chunks {
		for i := 1; i < len(out); i++ {
			if rng.IntN(4) == 0 {
				cuts = append(cuts, i)
			}
		}
	}
	return out, cuts, pause
}

// quirkModem is a fake modem on a pipe that answers each command line
// from answers, rewritten by q. A pipe's write is read in one piece or
// more, never joined with the next: the client sees each chunk as a
// read of its own.
type quirkModem struct {
	conn    net.Conn
	answers map[string]answer
	q       quirks
}

func (m *quirkModem) run() {
	rng := rand.New(rand.NewPCG(m.q.seed, 1))
	r := bufio.NewReader(m.conn)
	first := true
	for {
		line, err := r.ReadString('\r')
		if err != nil {
			return
		}
		cmd := strings.TrimSuffix(line, "\r")
		a, ok := m.answers[cmd]
		if !ok {
			a = answer{final: "ERROR"}
		}
		q := m.q
		if cmd == "AT" {
			q.urcs = nil // the test's last command: every URC came before its OK
		}
		out, cuts, pause := q.render(rng, cmd, a, first)
		first = false
		at := 0
		for _, c := range append(cuts, len(out)) {
			if pause >= at && pause < c {
				if _, err := m.conn.Write(out[at:pause]); err != nil {
					return
				}
				time.Sleep(q.stall)
				at = pause
			}
			if _, err := m.conn.Write(out[at:c]); err != nil {
				return
			}
			at = c
		}
	}
}

func newQuirkModem(t *testing.T, answers map[string]answer, q quirks, opts ...Option) *Client {
	t.Helper()
	a, b := net.Pipe()
	m := &quirkModem{conn: b, answers: answers, q: q}
	go m.run()
	c := New(transport.Stream("pipe", a), opts...)
	t.Cleanup(func() { c.Close(); b.Close() })
	return c
}

// quirkAnswers are commands of a lab run with their answers; none is
// named as a URC the quirks insert.
var quirkAnswers = map[string]answer{
	"AT":      {final: "OK"},
	"ATI":     {lines: []string{"Quectel", "EG25", "Revision: EG25GGBR07A08M2G"}, final: "OK"},
	"AT+CIMI": {lines: []string{"208010000000012"}, final: "OK"},
	"AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"": {lines: []string{"+CCHO: 1"}, final: "OK"},
	"AT+CGLA=1,10,\"81E2910000\"":                  {lines: []string{`+CGLA: 4,"6A88"`}, final: "OK"},
	"AT+CCHC=1":                                    {final: "OK"},
	"AT+CRSM=176,12258,0,0,10":                     {lines: []string{`+CRSM: 144,0,"98101430121181157002"`}, final: "OK"},
	"AT+CSIM=10,\"00A4000C02\"":                    {final: "+CME ERROR: 10"},
	"AT+CEREG?":                                    {lines: []string{"+CEREG: 2,1,\"3A9B\",\"0000C33D\",7"}, final: "OK"},
	"AT+CFUN=4":                                    {final: "+CME ERROR: SIM not inserted"},
	"AT+COPS=3,2":                                  {final: "ERROR"},
}

// quirkURCs are what modems send unasked at any time: Quectel's +QIND,
// the SIM's +CPIN: READY, RDY and SMS DONE (a boot's, or a firmware's
// spurious burst), a registration URC, RING.
var quirkURCs = []string{"+QIND: SMS DONE", "+CPIN: READY", "RDY", "SMS DONE", "+CEREG: 5", "+QIND: PB DONE", "RING", "+QSTK: \"DONE\"", "^RSSI: 18", "#QSS: 1", "^SIMST: 1"}

// checkQuirkAnswer says what is wrong with cmd's answer (rsp, err) read
// through quirks, "" if nothing.
func checkQuirkAnswer(cmd string, rsp *Response, err error) string {
	want := quirkAnswers[cmd]
	var cme *CMEError
	switch {
	case rsp == nil:
		return "no answer: " + err.Error()
	case rsp.Final != want.final:
		return "final " + rsp.Final + ", want " + want.final
	case !slices.Equal(rsp.Lines, want.lines) && !(len(rsp.Lines) == 0 && len(want.lines) == 0):
		return "lines " + strings.Join(rsp.Lines, "|") + ", want " + strings.Join(want.lines, "|")
	case want.final == "OK" && err != nil:
		return "error " + err.Error() + " for OK"
	case strings.HasPrefix(want.final, "+CME ERROR") && !errors.As(err, &cme):
		return "no CMEError for " + want.final
	case want.final == "+CME ERROR: 10" && cme.Code != 10,
		want.final == "+CME ERROR: SIM not inserted" && cme.Code != int(at.CMESIMNotInserted):
		return "wrong CME code in " + err.Error()
	}
	return ""
}

// Every command of a lab run is paired with its own answer, and every URC
// is kept as a URC, whatever mix of quirks a real modem sends it with:
// chunks at any byte, CR alone, doubled line breaks, an echo (late or
// not), URCs between the echo and the answer or inside it, noise at
// power-up, a pause mid-answer.
func TestQuirksProperty(t *testing.T) {
	cmds := slices.DeleteFunc(slices.Sorted(maps.Keys(quirkAnswers)), func(c string) bool { return c == "AT" })
	rapid.Check(t, func(rt *rapid.T) {
		q := quirks{
			seed:      rapid.Uint64().Draw(rt, "seed"),
			chunks:    rapid.Bool().Draw(rt, "chunks"),
			crOnly:    rapid.Bool().Draw(rt, "crOnly"),
			blanks:    rapid.Bool().Draw(rt, "blanks"),
			echo:      rapid.Bool().Draw(rt, "echo"),
			lateEcho:  rapid.Bool().Draw(rt, "lateEcho"),
			splitEcho: rapid.Bool().Draw(rt, "splitEcho"),
			urcs:      rapid.SliceOfN(rapid.SampledFrom(quirkURCs), 0, 3).Draw(rt, "urcs"),
			noise:     rapid.SliceOfN(rapid.SampledFrom([]byte{0x00, 0xff}), 0, 3).Draw(rt, "noise"),
			stall:     time.Duration(rapid.IntRange(0, 3).Draw(rt, "stallMs")) * time.Millisecond,
		}
		seq := rapid.SliceOfN(rapid.SampledFrom(cmds), 1, 6).Draw(rt, "cmds")
		a, b := net.Pipe()
		m := &quirkModem{conn: b, answers: quirkAnswers, q: q}
		go m.run()
		trace := &syncBuf{}
		c := New(transport.Stream("pipe", a), WithTimeout(2*time.Second), WithURCs(at.BootURCs...), WithQuiet(time.Millisecond), WithTrace(trace))
		defer func() { c.Close(); b.Close() }()
		var sent []string
		for _, cmd := range seq {
			rsp, err := c.Command(cmd)
			if why := checkQuirkAnswer(cmd, rsp, err); why != "" {
				rt.Fatalf("%s: %s\n%s", cmd, why, trace)
			}
			sent = append(sent, q.urcs...)
		}
		// The last answer's trailing URCs are read before this one's OK.
		if _, err := c.Command("AT"); err != nil {
			rt.Fatalf("AT at the end: %v\n%s", err, trace)
		}
		if got := c.URCs(); !slices.Equal(got, sent) {
			rt.Fatalf("URCs %q, want %q\n%s", got, sent, trace)
		}
	})
}

// A real modem's pauses mid-answer (200 ms to 900 ms: a busy firmware, a
// USB frame) with the line split around it do not end the answer early
// nor pair it with the next command, with lab mode's quiet wait.
func TestQuirkStallMidAnswer(t *testing.T) {
	for _, stall := range []time.Duration{200 * time.Millisecond, 900 * time.Millisecond} {
		t.Run(stall.String(), func(t *testing.T) {
			q := quirks{seed: 7, chunks: true, echo: true, urcs: []string{"+QIND: PB DONE"}, stall: stall}
			c := newQuirkModem(t, quirkAnswers, q, WithTimeout(2*time.Second), WithQuiet(30*time.Millisecond))
			for _, cmd := range []string{"ATI", `AT+CGLA=1,10,"81E2910000"`, "AT+CIMI"} {
				rsp, err := c.Command(cmd)
				if why := checkQuirkAnswer(cmd, rsp, err); why != "" {
					t.Fatalf("%s: %s", cmd, why)
				}
			}
		})
	}
}
