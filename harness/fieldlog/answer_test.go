package fieldlog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// e builds an entry: role, text, the command it answers (-1: none), port.
func e(role Role, text string, cmd int, port string) Entry {
	return Entry{Role: role, Text: text, Cmd: cmd, Port: port}
}

func texts(es []Entry) []string {
	out := []string{}
	for _, x := range es {
		out = append(out, x.Text)
	}
	return out
}

// Answer finds a command's lines wherever normalise put them: after its
// echo, past a URC, run into the next command's echo, or among another
// port's traffic — and nothing past its final result.
func TestAnswer(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		cmd     int
		want    []string
	}{
		{"echo, information, final", []Entry{
			e(Command, "AT+CSQ", -1, ""), e(Echo, "AT+CSQ", 0, ""), e(Info, "+CSQ: 20,99", 0, ""), e(Final, "OK", 0, ""),
			e(Command, "AT+CSQ", -1, ""), e(Info, "+CSQ: 21,99", 4, ""), e(Final, "OK", 4, ""),
		}, 0, []string{"AT+CSQ", "+CSQ: 20,99", "OK"}},
		{"a URC in the middle", []Entry{
			e(Command, "AT+COPS?", -1, ""), e(URC, "+CEREG: 5", -1, ""), e(Info, "+COPS: 0,2,\"20801\",7", 0, ""), e(Final, "OK", 0, ""),
		}, 0, []string{"+COPS: 0,2,\"20801\",7", "OK"}},
		{"the final run into the next command's echo", []Entry{
			e(Command, "AT", -1, ""), e(Command, "ATI", -1, ""), e(Final, "OK", 0, ""), e(Echo, "ATI", 1, ""), e(Final, "OK", 1, ""),
		}, 0, []string{"OK"}},
		{"another port's commands in between", []Entry{
			e(Command, "AT+CGLA=1,10,\"80E2910006BF3E035C015A\"", -1, "ttyUSB2"),
			e(Command, "AT+CSQ", -1, "ttyUSB3"), e(Command, "AT+CREG?", -1, "ttyUSB3"), e(Command, "AT+CEREG?", -1, "ttyUSB3"),
			e(Info, "+CGLA: 4,\"9000\"", 0, "ttyUSB2"), e(Final, "OK", 0, "ttyUSB2"),
		}, 0, []string{"+CGLA: 4,\"9000\"", "OK"}},
		{"no final: the log ends", []Entry{
			e(Command, "AT+CFUN=1,1", -1, ""), e(Echo, "AT+CFUN=1,1", 0, ""),
		}, 0, []string{"AT+CFUN=1,1"}},
		{"no final: two commands later nothing is its", []Entry{
			e(Command, "AT+CFUN=1,1", -1, ""), e(Command, "AT", -1, ""), e(Final, "OK", 1, ""), e(Command, "AT", -1, ""), e(Final, "OK", 0, ""),
		}, 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &Transcript{Entries: tt.entries}
			if got := texts(tr.Answer(tt.cmd)); !slices.Equal(got, tt.want) {
				t.Errorf("Answer(%d) = %q, want %q", tt.cmd, got, tt.want)
			}
		})
	}
}

// BenchmarkAnswerLongLog reads the answer of every command of a month of
// ModemManager polling (86,400 commands): linear in the log, where
// scanning to the end for each command made a 31 MB log take minutes.
func BenchmarkAnswerLongLog(b *testing.B) {
	const n = 86400
	tr := &Transcript{}
	for i := range n {
		c := len(tr.Entries)
		tr.Entries = append(tr.Entries, e(Command, "AT+CSQ", -1, "ttyUSB2"),
			e(Info, fmt.Sprintf("+CSQ: %d,99", i%32), c, "ttyUSB2"), e(Final, "OK", c, "ttyUSB2"))
	}
	b.ResetTimer()
	for b.Loop() {
		for i := 0; i < len(tr.Entries); i += 3 {
			if len(tr.Answer(i)) != 2 {
				b.Fatal("answer")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/command")
}

// TestLPACFinalNoCommandAwaited: an lpac log shows every line its driver
// wrote; a final result no command awaited (the OK to lpac issue 179's
// "T+CCHC=1", its A lost) is refused naming it, not kept with its command
// lost from the replay.
func TestLPACFinalNoCommandAwaited(t *testing.T) {
	log := "AT_DEBUG: AT+CCHO=?\nAT_DEBUG:\nAT_DEBUG: OK\nAT_DEBUG: T+CCHC=1\nAT_DEBUG:\nAT_DEBUG: OK\nAT_DEBUG: AT+CCHC=2\nAT_DEBUG:\nAT_DEBUG: OK\n"
	_, err := Read("lpac.log", []byte(log), LPAC)
	if err == nil || !strings.Contains(err.Error(), "lpac.log:6: OK with no command before it: AT+CCHO=? (line 1) had its final result at line 3 already") ||
		!strings.HasSuffix(err.Error(), "; line 4, T+CCHC=1, looks like that command with its first characters lost") {
		t.Errorf("error %v", err)
	}
	// An answer line is no garbled command.
	log = "AT_DEBUG: AT+CCHO=?\nAT_DEBUG:\nAT_DEBUG: OK\nAT_DEBUG: +CCHC: 1\nAT_DEBUG: OK\n"
	if _, err := Read("lpac.log", []byte(log), LPAC); err == nil || strings.Contains(err.Error(), "looks like") {
		t.Errorf("error %v", err)
	}
}
