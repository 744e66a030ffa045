package atclient

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// A command that times out and whose answer comes later: the answer is
// filed under it and noted as late, never taken for the next command's,
// and the next command gets its own answer.
func TestLateAnswer(t *testing.T) { onBothPorts(t, testLateAnswer) }

func testLateAnswer(t *testing.T, kind string) {
	const ccho = `AT+CCHO="A0000005591010FFFFFFFF8900000100"`
	tests := []struct {
		name string
		// grace: how long the next command waits for the late answer.
		grace time.Duration
		// late is the slow command's answer; lone: the test sends it
		// itself with the resync AT's OK, in one write.
		late string
		lone bool
		// wantLines is what the modem received; wantNotes the trace's
		// notes, in order.
		wantLines string
		wantNotes []string
		wantLone  bool // the last note says the late answer was a lone OK
	}{
		{
			name: "answered within the grace", grace: time.Minute,
			late:      "\r\n+CCHO: 1\r\n\r\nOK\r\n",
			wantLines: ccho + "|AT+CIMI",
			wantNotes: []string{"late answer to " + ccho + " after"},
		},
		{
			name: "answered after the grace, during the resync", grace: time.Millisecond,
			late:      "\r\n+CCHO: 1\r\n\r\nOK\r\n",
			wantLines: ccho + "|AT|AT+CIMI",
			wantNotes: []string{"no answer: " + ccho, "resynchronising after " + ccho, "late answer to " + ccho + " after"},
		},
		{
			name: "a lone OK after the grace, before the resync's", grace: time.Millisecond,
			late: "\r\nOK\r\n\r\nOK\r\n", lone: true,
			wantLines: ccho + "|AT|AT+CIMI",
			wantNotes: []string{"no answer: " + ccho, "resynchronising after " + ccho, "late answer to " + ccho + " after"},
			wantLone:  true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trace := lockedWriter{w: &strings.Builder{}}
			answers := map[string]string{"AT+CIMI": "\r\n208011234567890\r\n\r\nOK\r\n", ccho: tc.late}
			if tc.lone {
				answers = map[string]string{"AT+CIMI": "\r\n208011234567890\r\n\r\nOK\r\n"}
			} else {
				answers["AT"] = "\r\nOK\r\n"
			}
			c, s := newScriptOn(t, kind, answers, WithTimeout(time.Minute), WithLateGrace(tc.grace), WithTrace(&trace))
			release := s.gate(ccho) // the modem is busy with the card
			t.Cleanup(release)
			_, err := c.CommandWithin(ccho, 50*time.Millisecond)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("%s: %v, want a timeout", ccho, err)
			}
			type result struct {
				rsp *Response
				err error
			}
			next := make(chan result, 1)
			go func() {
				rsp, err := c.Command("AT+CIMI")
				next <- result{rsp, err}
			}()
			if tc.grace < time.Second {
				// The client gives up on the late answer and resyncs: the
				// answer comes as the AT goes out — once the AT is the
				// command awaited (its "> AT" is traced after that; the
				// resync note before it, so an answer sent on the note
				// could come first and be a stray under load).
				waitFor(t, func() bool { return strings.Contains(trace.String(), "\n> AT\n") })
			}
			release()
			if tc.lone {
				s.send(t, tc.late)
			}
			var r result
			select {
			case r = <-next:
			case <-time.After(30 * time.Second):
				t.Fatalf("AT+CIMI never returned; trace:\n%s", trace.String())
			}
			if r.err != nil || strings.Join(r.rsp.Lines, "|") != "208011234567890" {
				t.Fatalf("AT+CIMI got %+v, %v; want its own answer; trace:\n%s", r.rsp, r.err, trace.String())
			}
			if got := s.lines(); got != tc.wantLines {
				t.Errorf("the modem got %q, want %q", got, tc.wantLines)
			}
			var notes []string
			for l := range strings.Lines(trace.String()) {
				if n, ok := strings.CutPrefix(strings.TrimSpace(l), "# "); ok {
					notes = append(notes, n)
				}
			}
			if !notesMatch(notes, tc.wantNotes) || tc.wantLone && !strings.Contains(notes[len(notes)-1], "a lone final result") {
				t.Errorf("notes %q, want %q", notes, tc.wantNotes)
			}
			to := c.Timeouts()
			if len(to) != 1 || to[0].Command != ccho || to[0].Late <= 0 || !strings.Contains(to[0].String(), "late answer after") {
				t.Errorf("Timeouts() = %+v, want %s answered late", to, ccho)
			}
			// What the late answer said, handed out once (a +CCHO's
			// channel, which its caller never saw).
			wantLate := "+CCHO: 1"
			if tc.lone {
				wantLate = ""
			}
			taken := c.TakeLate("AT+CCHO=")
			if len(taken) != 1 || strings.Join(taken[0].Lines, "|") != wantLate {
				t.Errorf("TakeLate = %+v, want the late answer %q", taken, wantLate)
			}
			if again := c.TakeLate("AT+CCHO="); len(again) != 0 {
				t.Errorf("TakeLate again = %+v, want none", again)
			}
			if urcs := c.URCs(); len(urcs) != 0 {
				t.Errorf("URCs %q: the late answer is its command's", urcs)
			}
		})
	}
}

// notesMatch reports whether each note starts with the wanted text, in
// order, no more no fewer.
func notesMatch(notes, want []string) bool {
	if len(notes) != len(want) {
		return false
	}
	for i, n := range notes {
		if !strings.HasPrefix(n, want[i]) {
			return false
		}
	}
	return true
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(time.Millisecond)
	}
}

// A poll that times out (a restarting modem) is not waited for, nor
// followed by a resync: the next poll goes out at once.
func TestPollNotWaitedFor(t *testing.T) { onBothPorts(t, testPollNotWaitedFor) }

func testPollNotWaitedFor(t *testing.T, kind string) {
	c, s := newScriptOn(t, kind, map[string]string{"AT+SLOW": "", "AT": "\r\nOK\r\n"}, WithTimeout(time.Minute), WithLateGrace(time.Minute))
	if _, err := c.Poll("AT+SLOW", 50*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want a timeout", err)
	}
	if rsp, err := c.Poll("AT", 30*time.Second); err != nil || rsp.Final != "OK" {
		t.Fatalf("AT: %v %v", rsp, err)
	}
	if got := s.lines(); got != "AT+SLOW|AT" {
		t.Errorf("the modem got %q, want no resync", got)
	}
}

// A slow modem still sending a long answer when the command's time is up
// is answering, not silent: the wait goes on while its bytes keep coming
// (up to 4× the timeout), so no "no answer" is noted and no resync AT is
// written into the middle of the answer.
func TestStreamingAnswer(t *testing.T) { onBothPorts(t, testStreamingAnswer) }

func testStreamingAnswer(t *testing.T, kind string) {
	var trace strings.Builder
	tw := &lockedWriter{w: &trace}
	c, s := newScriptOn(t, kind, map[string]string{"AT": "\r\nOK\r\n"}, WithTimeout(500*time.Millisecond), WithTrace(tw))
	data := strings.Repeat("BF2F", 10)
	done := make(chan struct{})
	defer func() { <-done }()
	go func() {
		defer close(done)
		for !strings.Contains(s.lines(), "AT+CGLA") {
			time.Sleep(time.Millisecond)
		}
		send := func(text string) bool { _, err := io.WriteString(s.conn, text); return err == nil }
		send("\r\n+CGLA: 84,\"")
		for i := range len(data) / 4 {
			// 0.6 s in all, past the timeout, and well inside the 4× it
			// allows an answer still arriving, as sleeps stretch on a
			// loaded machine (1 s in all failed at 2 s under load 10).
			time.Sleep(60 * time.Millisecond)
			if !send(data[4*i : 4*i+4]) {
				return
			}
		}
		send("9000\"\r\n\r\nOK\r\n")
	}()
	rsp, err := c.Command(`AT+CGLA=1,10,"80E2910003BF2800"`)
	if err != nil || len(rsp.Lines) != 1 || rsp.Lines[0] != `+CGLA: 84,"`+data+`9000"` {
		s.conn.Close()
		t.Fatalf("%v %v\n%s", rsp, err, tw.String())
	}
	if _, err := c.Command("AT"); err != nil {
		t.Fatal(err)
	}
	if got := tw.String(); strings.Contains(got, "# no answer") || strings.Contains(got, "resynchronising") || s.lines() != `AT+CGLA=1,10,"80E2910003BF2800"|AT` {
		t.Errorf("trace:\n%s\nmodem got %s", got, s.lines())
	}
}

// What keeps coming while a command is awaited gives it more time only
// if it may be its answer: a port streaming NMEA sentences (a GPS
// receiver's) is no modem answering slowly, and the command times out at
// its own timeout, not at 4× it (outside tester t136 F4: lab discover
// refused a GPS port after 20 s). Here the stream runs past the
// timeout and an OK follows it, which the extra time would have taken
// as the answer.
func TestStreamGivesMoreTimeOnlyToAnAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stream string // sent every 20 ms, for 2× the timeout, then OK
		answer bool   // the OK taken as the command's answer
	}{
		{"an answer's text", "EM7511-like\r\n", true},
		{"NMEA sentences", "$GPGSV,3,1,11,03,03,111,00*74\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The stream runs past the timeout and ends well inside 4× it,
			// even as sleeps stretch on a loaded machine (3× of 300 ms
			// failed under load 10).
			const timeout = 500 * time.Millisecond
			c, s := newScriptOn(t, withDeadlines, map[string]string{}, WithTimeout(timeout))
			done := make(chan struct{})
			defer func() { <-done }()
			go func() {
				defer close(done)
				for !strings.Contains(s.lines(), "AT+CGMM") {
					time.Sleep(time.Millisecond)
				}
				for range 2 * timeout / (20 * time.Millisecond) {
					if _, err := io.WriteString(s.conn, tc.stream); err != nil {
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
				io.WriteString(s.conn, "\r\nOK\r\n")
			}()
			rsp, err := c.Command("AT+CGMM")
			if got := err == nil && rsp.Final == "OK"; got != tc.answer {
				t.Errorf("answered %v (%v, %v), want %v", got, rsp, err, tc.answer)
			}
			if !tc.answer && !errors.Is(err, ErrTimeout) {
				t.Errorf("%v, want a timeout", err)
			}
		})
	}
}
