package lab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/answerpty"
	"github.com/esimhil/esimhil/internal/answertcp"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// silence is how long these tests' modems are given to answer: what a
// silent one costs a test, and long enough that one answering is never
// taken for silent on a loaded machine (100–200 ms were, under make test).
const silence = time.Second

func timeouts(d time.Duration) personality.Personality {
	p := personality.Generic()
	p.Timeouts = personality.Timeouts{Command: d, Restart: d, Reattach: d, Download: d}
	return p
}

// A port that answers no OK to AT is refused; the verdict says whether
// ATV1 went out: a port that never answers in step (NMEA sentences, no
// final result) keeps it back behind the client's probe.
func TestOpenRefusesNonModem(t *testing.T) {
	for _, tc := range []struct {
		name, says, want string
	}{
		// A GPS receiver's says so in its first sentence, refused at once
		// (outside tester sw66: 45 s).
		{"nmea", "$GPGSV,3,1,11,03,03,111,00*74\r\n", "NMEA sentences where a modem answers OK ($GPGSV,3,1,11,03,03,111,00*74): a GPS receiver's port, in "},
		{"a console", "login: \r\n", "no OK to AT (ATV1 not sent: the port answered nothing in step, not even ATS3?), in "},
		{"all ERROR", "\r\nERROR\r\n", "no OK to AT, nor after ATV1, in "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := answerpty.Open(t, func(string) string { return tc.says })
			_, err := Open(context.Background(), Config{Modem: port, Dir: t.TempDir(), Personality: timeouts(100 * time.Millisecond), Slack: time.Millisecond})
			if !errors.Is(err, ErrNotAModem) || !strings.Contains(err.Error(), port+": not a modem's AT port: "+tc.want) {
				t.Fatalf("%v", err)
			}
		})
	}
	if _, err := Open(context.Background(), Config{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no modem given") {
		t.Errorf("no modem: %v", err)
	}
}

// A modem's AT port that streams NMEA too (SIMCom's AT+CGNSSTST=1,
// Quectel's NMEA on the AT port) is a modem's, whatever its first AT
// meets: a GPS receiver's port is one that answers no AT at all. Its
// sentences, between answers or inside one, are never an answer's lines,
// so never in the identity (re-tester t145 F1: an ERROR to the first AT
// refused the port as a GPS receiver's before the second AT went out, and
// a sentence inside ATI's answer was printed in the identity).
func TestCheckCombinedATAndNMEAPort(t *testing.T) {
	const nmea = "\r\n$GPGSV,3,1,11,03,03,111,00*74\r\n"
	for _, tc := range []struct {
		name  string
		first string // the answer to the first AT
		want  string // what Check's error says; "": none
	}{
		{"first AT OK", nmea + "\r\nOK\r\n", ""},
		{"first AT ERROR", "\r\nERROR\r\n", ""},
		{"first AT ERROR, NMEA inside", nmea + "\r\nERROR\r\n", ""},
		{"every AT ERROR", "\r\nERROR\r\n", "not a modem's AT port: no OK to AT, nor after ATV1, in "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ats := 0
			port := answerpty.Open(t, func(l string) string {
				switch l {
				case "AT+CGNSSTST=1":
					// The stream starts after the OK: the sentence
					// comes with no command pending.
					return "\r\nOK\r\n" + nmea
				case "ATI":
					return "\r\nSIMCOM_SIM7600G-H\r\n" + nmea + "\r\nRevision: LE20B04SIM7600G22\r\n\r\nOK\r\n"
				case "AT":
					if ats++; ats == 1 || tc.want != "" {
						return tc.first
					}
				}
				if tc.want != "" {
					return "\r\nERROR\r\n"
				}
				return nmea + "\r\nOK\r\n"
			})
			c, err := atclient.Open(port, atclient.WithTimeout(silence))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Command("AT+CGNSSTST=1"); err != nil {
				t.Fatal(err)
			}
			// The sentence is among the URCs (unsolicited, not taken)
			// when Check begins.
			for deadline := time.After(silence); !slices.ContainsFunc(c.URCs(), atclient.NMEASentence); {
				sig := c.URCSignal()
				if slices.ContainsFunc(c.URCs(), atclient.NMEASentence) {
					break
				}
				select {
				case <-sig:
				case <-deadline:
					t.Fatal("no NMEA sentence after AT+CGNSSTST=1")
				}
			}
			err = Check(c)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (!errors.Is(err, ErrNotAModem) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("%v, want %q", err, tc.want)
			case tc.want != "":
				return
			}
			if id := Identify(c); !slices.Equal(id, []string{"SIMCOM_SIM7600G-H", "Revision: LE20B04SIM7600G22"}) {
				t.Errorf("identity %q", id)
			}
		})
	}
}

// A modem an aborted session left in numeric result codes (ATV0) is a
// modem: Check sets ATV1 and finds its OK.
func TestCheckRestoresVerboseResults(t *testing.T) {
	var mu sync.Mutex
	verbose := false
	port := answerpty.Open(t, func(l string) string {
		mu.Lock()
		defer mu.Unlock()
		if strings.EqualFold(l, "ATV1") {
			verbose = true
		}
		switch {
		case verbose:
			return "\r\nOK\r\n"
		case strings.EqualFold(l, "ATS3?"):
			// The client's probe, once AT went unanswered (to its ears):
			// the register's value as text, the result in digits.
			return "013\r\n0\r"
		}
		return "0\r"
	})
	r, err := Open(context.Background(), Config{Modem: port, Dir: t.TempDir(), Personality: timeouts(silence), Slack: time.Millisecond})
	if err != nil {
		t.Fatalf("a modem in ATV0: %v", err)
	}
	r.Close()
	mu.Lock()
	defer mu.Unlock()
	if !verbose {
		// Read in digits, it was taken for a modem, and left in ATV0: a
		// recording kept "< 0" for every OK (outside tester sw73).
		t.Error("ATV1 never sent: the modem was left giving numeric result codes")
	}
}

// TestOpenSetsUpTheHost: lab.Open sets echo off, verbose errors and the
// numeric operator format; a modem that refuses +CMEE=2 (an nRF9160's
// SLM) gets +CMEE=1 and the run goes on, the transcript saying so.
func TestOpenSetsUpTheHost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refuse  []string
		sent    []string
		noteHas string
	}{
		{"all answered", nil, []string{"> ATE0", "> AT+CMEE=2", "> AT+COPS=3,2"}, ""},
		{"+CMEE=2 refused", []string{"AT+CMEE=2"}, []string{"> AT+CMEE=2", "> AT+CMEE=1", "> AT+COPS=3,2"}, "AT+CMEE=2 refused"},
		{"+CMEE refused", []string{"AT+CMEE=2", "AT+CMEE=1"}, []string{"> AT+CMEE=1"}, "errors are a bare ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := answerpty.Open(t, func(l string) string {
				if slices.Contains(tc.refuse, strings.TrimSpace(l)) {
					return "\r\nERROR\r\n"
				}
				return "\r\nOK\r\n"
			})
			dir := t.TempDir()
			r, err := Open(context.Background(), Config{Modem: port, Dir: dir, Personality: timeouts(silence), Slack: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, TranscriptFile))
			for _, want := range append(tc.sent, tc.noteHas) {
				if !strings.Contains(string(b), want) {
					t.Errorf("transcript lacks %q:\n%s", want, b)
				}
			}
		})
	}
}

// A modem that names itself as another personality identifies: the run
// applies the rule lab discover --probe uses (the identity, then the
// ICCID command) and says which personality it proposes (a wrong
// PERSONALITY otherwise shows only as bare ERRORs); the personality that
// identifies it, or a model nobody's, says nothing; a modem whose family
// the patterns name but whose ICCID command answers in another dialect's
// form keeps the one given, and the transcript says why.
func TestOpenHintsAtTheDialect(t *testing.T) {
	t.Parallel()
	const iccid = "89330100000000000012"
	for _, tc := range []struct {
		name, given string
		answers     map[string]string // after "AT": the answer's lines
		hint, note  string
	}{
		{"SIMCom under generic", "generic", map[string]string{"+CGMM": "A7600E-H"},
			"the rule of esimhil lab discover --probe proposes personality simcom-a7600, not generic", ""},
		{"SIMCom under its own", "simcom-a7600", map[string]string{"+CGMM": "A7600E-H"}, "", ""},
		{"nobody's model", "generic", map[string]string{"+CGMM": "Nokia 3310"}, "", ""},
		{"an EG25 whose +QCCID answers", "generic", map[string]string{"I": "Quectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G", "+QCCID": "+QCCID: " + iccid, "+CCID": "+CCID: " + iccid},
			"proposes personality quectel-eg25, not generic, given (the identity matches quectel-eg25", ""},
		{"an EG25 whose +QCCID answers +CCID:", "generic", map[string]string{"I": "Quectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G", "+QCCID": "+CCID: " + iccid, "+CCID": "+CCID: " + iccid},
			"", `keeps generic: the identity matches quectel-eg25 (`},
		{"an EG25 whose +QCCID answers +CCID:, the reason", "generic", map[string]string{"I": "Quectel\r\nEG25", "+QCCID": "+CCID: " + iccid, "+CCID": "+CCID: " + iccid},
			"", `but its AT+QCCID did not read the ICCID (AT+QCCID: no "+QCCID: " line in ["+CCID: 89330100000000000012"]); proposing generic, whose ICCID command does`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := answerpty.Open(t, func(l string) string {
				cmd := strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(l), "AT"))
				if a, ok := tc.answers[cmd]; ok {
					return "\r\n" + a + "\r\n\r\nOK\r\n"
				}
				if strings.Contains(cmd, "CCID") || strings.Contains(cmd, "ICCID") {
					return "\r\nERROR\r\n"
				}
				return "\r\nOK\r\n"
			})
			p, err := personality.Load(tc.given)
			if err != nil {
				t.Fatal(err)
			}
			p.Timeouts = timeouts(silence).Timeouts
			dir := t.TempDir()
			r, err := Open(context.Background(), Config{Modem: port, Dir: dir, Personality: p, Slack: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			if tc.hint == "" && r.DialectHint != "" || !strings.Contains(r.DialectHint, tc.hint) {
				t.Errorf("hint %q, want %q", r.DialectHint, tc.hint)
			}
			b, _ := os.ReadFile(filepath.Join(dir, TranscriptFile))
			if tc.note != "" && !strings.Contains(string(b), tc.note) {
				t.Errorf("transcript lacks %q:\n%s", tc.note, b)
			}
		})
	}
}

// A modem that goes silent mid-run: the command fails naming itself and
// the port within the personality's command timeout, and the transcript
// has every line with wall-clock time.
func TestSilentModemNamesTheCommand(t *testing.T) {
	t.Parallel()
	port := answerpty.Open(t, func(l string) string {
		if strings.HasPrefix(l, "AT+CGLA") {
			return ""
		}
		return "\r\nOK\r\n"
	})
	dir := t.TempDir()
	r, err := Open(context.Background(), Config{Modem: port, Dir: dir, Personality: timeouts(silence), Slack: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = r.AT.Command(`AT+CGLA=1,10,"80CA005A00"`)
	if !errors.Is(err, atclient.ErrTimeout) || !strings.Contains(err.Error(), `AT+CGLA=1,10,"80CA005A00": at: timeout after 1.05s: no final result from `+port) {
		t.Fatalf("%v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("hung for %v", time.Since(start))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, TranscriptFile))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines {
		ts, _, _ := strings.Cut(l, " ")
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("line without a wall-clock time: %q", l)
		}
	}
	if !strings.Contains(string(b), `> AT+CGLA=1,10,"80CA005A00"`) || !strings.Contains(string(b), "> ATE0") {
		t.Errorf("transcript:\n%s", b)
	}
}

// TestSilentLastCommandReadsAsUnanswered: a lab run whose modem never
// answers its last command leaves an at.log that says so (the replay's
// note, fieldlog.NoAnswerNote): read back, the command is unanswered and
// the log whole. A command answered late leaves no such note; one the
// modem went silent to before the host sent another gets its note there.
func TestSilentLastCommandReadsAsUnanswered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cmds []string
		// answer is the modem's: "" is silence.
		answer func(line string) string
		// late is what the modem sends once the client gave up on the
		// last command (its answer, late); "" nothing.
		late string
		want string // the command noted unanswered; "" none
	}{
		{"silent to the last", []string{"AT+CPIN?", `AT+CGLA=1,10,"80CA005A00"`}, func(l string) string {
			if strings.HasPrefix(l, "AT+CGLA") {
				return ""
			}
			return "\r\nOK\r\n"
		}, "", `AT+CGLA=1,10,"80CA005A00"`},
		{"silent, then answering", []string{`AT+CGLA=1,10,"80CA005A00"`, "AT+CPIN?"}, func(l string) string {
			if strings.HasPrefix(l, "AT+CGLA") {
				return ""
			}
			return "\r\n+CPIN: READY\r\n\r\nOK\r\n"
		}, "", `AT+CGLA=1,10,"80CA005A00"`}, // noted as the host moves on
		{"answered", []string{"AT+CPIN?"}, func(string) string { return "\r\n+CPIN: READY\r\n\r\nOK\r\n" }, "", ""},
		{"answered late", []string{"AT+CPIN?", "AT+COPS=?"}, func(l string) string {
			if l == "AT+COPS=?" {
				return ""
			}
			return "\r\nOK\r\n"
		}, "\r\n+COPS: (2,\"Orange F\",\"Orange\",\"20801\",7),,(0-4),(0-2)\r\n\r\nOK\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			late := make(chan struct{})
			port := answerpty.Open(t, func(l string) string {
				if tc.late != "" && l == tc.cmds[len(tc.cmds)-1] {
					<-late // until the client has given up
					return tc.late
				}
				return tc.answer(l)
			})
			dir := t.TempDir()
			r, err := Open(context.Background(), Config{Modem: port, Dir: dir, Personality: timeouts(silence), Slack: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.cmds {
				r.AT.Command(c) // silence is the finding, not the test's error
			}
			if tc.late != "" {
				// The late answer reaches the client before the run
				// ends: at.log shows it, and the log needs no note.
				close(late)
				last := "> " + tc.cmds[len(tc.cmds)-1]
				waitFor(t, filepath.Join(dir, TranscriptFile), func(log string) bool {
					_, after, _ := strings.Cut(log, last)
					return strings.Contains(after, " < OK\n")
				})
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			tr, err := fieldlog.ReadFile(filepath.Join(dir, TranscriptFile), "")
			if err != nil {
				t.Fatalf("at.log does not read: %v", err)
			}
			if tr.Format != fieldlog.ATLog {
				t.Errorf("format %s, want atlog", tr.Format)
			}
			var noted []string
			for _, e := range tr.Entries {
				if e.Role == fieldlog.Note && strings.HasPrefix(e.Text, fieldlog.NoAnswerNote("")) {
					noted = append(noted, strings.TrimPrefix(e.Text, fieldlog.NoAnswerNote("")))
				}
			}
			if want := []string{tc.want}; tc.want == "" && len(noted) > 0 || tc.want != "" && !slices.Equal(noted, want) {
				t.Fatalf("noted unanswered %q, want %q", noted, tc.want)
			}
			cmds := tr.Commands()
			last := cmds[len(cmds)-1]
			if tr.Entries[last].Text != tc.cmds[len(tc.cmds)-1] {
				t.Fatalf("last command %q, want %q", tr.Entries[last].Text, tc.cmds[len(tc.cmds)-1])
			}
			answered := slices.ContainsFunc(tr.Answer(last), func(e fieldlog.Entry) bool { return e.Role == fieldlog.Final })
			if silentLast := tc.want == tc.cmds[len(tc.cmds)-1]; answered == silentLast {
				t.Errorf("last command answered = %v, want %v", answered, !silentLast)
			}
		})
	}
}

// waitFor polls the file at path (a real modem's run: wall-clock time)
// until done says its text is there, for up to 5 s.
func waitFor(t *testing.T, path string, done func(string) bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && done(string(b)) {
			return
		}
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s never showed what the test waits for:\n%s", path, b)
}

func TestScale(t *testing.T) {
	got := Scale(personality.DefaultTimeouts, 20, 2*time.Second)
	want := personality.Timeouts{Command: 7 * time.Second, Restart: 4 * time.Second, Reattach: 2500 * time.Millisecond, Download: 6500 * time.Millisecond}
	if got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
}

// A real lab's port-control is a command of its own: it succeeds, or its
// output says why not.
func TestCommandPort(t *testing.T) {
	if err := (CommandPort{Command: "true"}).Drop(); err != nil {
		t.Errorf("a command that works: %v", err)
	}
	err := CommandPort{Command: "echo no such hub >&2; exit 3"}.Drop()
	if err == nil || !strings.Contains(err.Error(), "exit status 3: no such hub") {
		t.Errorf("a command that fails: %v", err)
	}
}

// A port whose answers another process would take (ModemManager, a stray
// cat reading the tty, a ser2net exporting it: TIOCEXCL and the lock keep
// out only later openers that honour them) is refused as the port opens,
// naming the other openers of the device, whatever path they opened it
// by; not opened and then called "not a modem's AT port".
func TestOpenRefusesAPortOthersHaveOpen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		holder bool
		want   string
	}{
		{"another process holds the tty", true, " open: "},
		{"nobody else", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := answerpty.Open(t, func(string) string { return "" })
			if tc.holder {
				f, err := os.OpenFile(port, os.O_RDWR|syscall.O_NOCTTY, 0)
				if err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command("sleep", "30")
				cmd.Stdin = f
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				f.Close()
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				tc.want = fmt.Sprintf("in use: other processes have it open: pid %d (sleep)", cmd.Process.Pid)
			}
			_, err := Open(context.Background(), Config{Modem: port, Dir: t.TempDir(), Personality: timeouts(100 * time.Millisecond), Slack: time.Millisecond})
			if tc.holder && !errors.Is(err, transport.ErrInUse) || !tc.holder && !errors.Is(err, ErrNotAModem) {
				t.Fatalf("%v", err)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) || tc.want == "" && strings.Contains(err.Error(), "other processes") {
				t.Errorf("%v, want %q", err, tc.want)
			}
		})
	}
}

// A boot while Open reads the identity (after the set-up) is the spec's
// to count: a firmware that falls over on a vendor command, or resets a
// while after the previous spec's REFRESH, lands there. One while the
// port opens and is set up is a modem still booting: not counted. A
// lone RDY (a firmware's second one, noise) with the settings kept is
// no boot at all.
func TestSetUpCountsStartAfterTheSetUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, bootOn string // the command whose answer carries RDY
		lone         bool   // the modem keeps its settings after it
		counted      int
	}{
		{"boot in the identity", "I", false, 1},
		{"a lone RDY in the identity", "I", true, 0},
		{"boot at the port's first AT", "", false, 0},
		{"no boot", "none", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			booted, echo, cereg := false, true, "0"
			port := answerpty.Open(t, func(l string) string {
				mu.Lock()
				defer mu.Unlock()
				cmd := strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(l), "AT"))
				ech := ""
				if echo {
					ech = strings.TrimSpace(l) + "\r"
				}
				switch {
				case cmd == tc.bootOn && !booted:
					booted = true
					if !tc.lone { // a restart: the factory settings back
						echo, cereg = true, "0"
					}
					return ech + "\r\nRDY\r\n\r\nOK\r\n"
				case strings.Contains(cmd, "CCID"):
					return ech + "\r\nERROR\r\n"
				case cmd == "E0":
					echo = false
				case cmd == "+CEREG=2":
					cereg = "2"
				case cmd == "+CEREG?":
					return ech + "\r\n+CEREG: " + cereg + ",1\r\n\r\nOK\r\n"
				}
				return ech + "\r\nOK\r\n"
			})
			r, err := Open(context.Background(), Config{Modem: port, Dir: t.TempDir(), Personality: timeouts(silence), Slack: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if n := len(r.AT.BootSigns()) - r.SetUpBoots; n != tc.counted || r.AT.Reopens() != r.SetUpReopens {
				t.Errorf("boots after the set-up %d (signs %q), want %d", n, r.AT.BootSigns(), tc.counted)
			}
		})
	}
}

// A modem (or link) slow to answer: given the time it takes, Check finds
// its OK; given less, the refusal says the OKs came late, not that none
// came, and points at more time.
func TestCheckSlowModem(t *testing.T) {
	const delay = 750 * time.Millisecond
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		want    string // "" for no error
	}{
		{name: "given the time", timeout: 2 * time.Second},
		{name: "given less", timeout: 500 * time.Millisecond,
			want: "not a modem's AT port: the OK to AT came late: AT answered OK after 0."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := answerpty.Open(t, func(string) string { time.Sleep(delay); return "\r\nOK\r\n" })
			opts := []atclient.Option{atclient.WithTimeout(tc.timeout)}
			if tc.want != "" {
				// The process never stalls here: under load the default
				// meter adds the time it was descheduled to the 500 ms,
				// and the OK came in time (t240, under go test -p 4).
				opts = append(opts, atclient.WithStalls(stalltest.StoppedAt{}))
			}
			c, err := atclient.Open(port, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = Check(c)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%v", err)
			case tc.want != "" && (!errors.Is(err, ErrNotAModem) || !errors.Is(err, ErrLateOK) || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "over the 500ms a command is given") || !strings.Contains(err.Error(), "give it more time (--timeout)")):
				t.Errorf("%v", err)
			}
		})
	}
}

// A network port whose server closes the connection before it answers AT
// (ser2net's kickolduser handing the port to a later client) is not
// called "not a modem's AT port": nothing was heard to tell (outside
// tester sw130 N7: a modem's RFC 2217 port was refused as a GPS/NMEA,
// diagnostics or console port).
func TestCheckServerClosed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reset bool // close with a reset (SO_LINGER 0), not a FIN
	}{{"fin", false}, {"reset", true}} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			go func() {
				c, err := l.Accept()
				if err != nil {
					return
				}
				// The first AT read whole (a FIN, not a reset for unread
				// bytes), then the close.
				bufio.NewReader(c).ReadString('\r')
				if tc.reset {
					c.(*net.TCPConn).SetLinger(0)
				}
				c.Close()
			}()
			c, err := atclient.Open("tcp://"+l.Addr().String(), atclient.WithTimeout(2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = Check(c)
			if !errors.Is(err, ErrPortClosed) || errors.Is(err, ErrNotAModem) ||
				!strings.Contains(err.Error(), "the server closed it: another client connected after this one and took the port") {
				t.Errorf("%v", err)
			}
		})
	}
}

// OpenPort notes a ser2net "device already in use" it tries again once,
// and the count once the port is open.
func TestOpenPortNotesDeviceInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for n := 1; ; n++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if n <= 3 {
				c.Write([]byte("Port's device already in use\r\n"))
				c.Close()
				continue
			}
			defer c.Close()
		}
	}()
	addr := "tcp://" + l.Addr().String()
	var notes []string
	p, err := OpenPort(context.Background(), addr, transport.Config{}, func(s string) { notes = append(notes, s) })
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if len(notes) != 2 || !strings.HasPrefix(notes[0], addr+": ser2net: Port's device already in use (") || notes[1] != addr+" open (ser2net refused 3 times)" {
		t.Errorf("notes %q", notes)
	}
}

// A modem at another line speed: its answers come as lines of noise,
// line ends and all. The refusal says so and points at the speed and
// line settings, not at a console or GPS port, nor at more time (outside
// tester sw106).
// The timeout is the fake modem's time to answer on a shared, loaded
// machine (200 ms failed once beside parallel test binaries); the
// verdict does not depend on it.
func TestCheckWrongSpeed(t *testing.T) {
	t.Parallel()
	port := answerpty.Open(t, func(string) string { return "\r\n\xfe\x9c\xf3\xe6\r\n\xfe\xfe\r\n" })
	c, err := atclient.Open(port, atclient.WithTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = Check(c)
	if !errors.Is(err, ErrNotAModem) || !strings.Contains(err.Error(), "line(s) of noise, no text, and no OK to AT") || !strings.Contains(err.Error(), "wrong BAUD or parity?") {
		t.Errorf("%v", err)
	}
}

// A port that sends garbage, with or without its echo in step, is not
// read as one that answers nothing: the refusal says how many bytes came
// and the first of them, escaped, and where the line settings are set;
// a silent port's says it answered nothing (outside tester t72, F8).
func TestCheckSilentOrGarbled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(line string) string
		want   []string
		not    []string
		tcp    bool // through raw TCP (ser2net), which carries no line settings
	}{
		{"silent", func(string) string { return "" },
			[]string{"no OK to AT (ATV1 not sent: the port answered nothing in step, not even ATS3?)"},
			[]string{"bytes", "BAUD"}, false},
		{"its echo, then garbage", func(l string) string { return l + "\r\x0e\xe0\x82\xfb\xa9\x9e" },
			[]string{"not a modem's AT port: bytes that are not text, and no final result, to AT (ATV1 not sent: the port answered nothing in step, only bytes that are no answer, not even to ATS3?), in ",
				"wrong BAUD or parity? set --baud (BAUD for make lab) to the modem's speed: the port is opened 8N1 (last: ",
				`12 bytes received that are not text, and no final result (the first: ATS3?<CR>\x0E\xE0\x82\xFB\xA9\x9E): wrong BAUD or parity?`},
			[]string{"the modem has answered nothing"}, false},
		{"garbage, no echo", func(string) string { return "\xbb(1\x8d\xbb(" },
			[]string{"not a modem's AT port: bytes but no line or final result to AT (ATV1 not sent: the port answered nothing in step, only bytes that are no answer, not even to ATS3?), in ",
				`6 bytes received but no line or final result (the first: \xBB(1\x8D\xBB(): wrong BAUD or parity?`},
			[]string{"the modem has answered nothing"}, false},
		{"garbage through raw TCP", func(string) string { return "\xbb(1\x8d\xbb(" },
			[]string{"wrong BAUD or parity? raw TCP carries no line settings: set the modem's speed and parity in the serial server's configuration (ser2net's) (last: "},
			[]string{"--baud"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := ""
			if tc.tcp {
				port = answertcp.Serve(t, func(_ int, in string) (string, bool) {
					if in == "" {
						return "", false
					}
					return tc.answer(in), false
				})
			} else {
				port = answerpty.Open(t, tc.answer)
			}
			c, err := atclient.Open(port, atclient.WithTimeout(200*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = Check(c)
			if !errors.Is(err, ErrNotAModem) {
				t.Fatalf("%v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("no %q in %v", w, err)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("%q in %v", n, err)
				}
			}
		})
	}
}

// failBackend is a backend that keeps the failures logged to it.
type failBackend struct {
	fileBackend
	failed []string
}

func (b *failBackend) Failed(reason string) { b.failed = append(b.failed, reason) }

// A lab run that does not open logs why as a failure where the backend
// keeps events, so that its page draws it as one, not only as at.log's
// note (outside tester sw130 N6).
func TestNotOpenedIsLoggedAsAFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(Config) error
	}{
		{"port missing", func(c Config) error { _, err := Open(context.Background(), c); return err }},
		{"refused before opening", func(c Config) error { _, err := Unopened(c, errors.New("not a modem (an earlier spec)")); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &failBackend{}
			dir := t.TempDir()
			c := Config{Modem: filepath.Join(dir, "no-such-tty"), Dir: dir, Backend: b}
			err := tc.open(c)
			if tc.name == "port missing" && err == nil {
				t.Fatal("opened a missing port")
			}
			if len(b.failed) != 1 || !strings.HasPrefix(b.failed[0], "lab run did not open: ") {
				t.Errorf("failures logged %q", b.failed)
			}
		})
	}
}

// at.log's header says where the run's SIMtrace receiver listens, or why
// a run that would have one has none (outside tester t136 F3: a taken
// port was said only in report.json).
func TestTranscriptNamesTheSIMTraceReceiver(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // "" for no note of a receiver
	}{
		{"listening", Config{SIMTrace: netip.MustParseAddrPort("[::]:4729")}, "# SIMtrace receiver on udp://[::]:4729 (GSMTAP SIM into the capture)"},
		{"its port taken", Config{NoSIMTrace: "SIMtrace receiver on udp://0.0.0.0:4729: listen udp 0.0.0.0:4729: bind: address already in use"},
			"# no SIMtrace receiver: SIMtrace receiver on udp://0.0.0.0:4729: listen udp 0.0.0.0:4729: bind: address already in use"},
		{"none asked for", Config{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Dir, tc.cfg.Modem = t.TempDir(), "tcp://lab1:3001"
			if _, err := Unopened(tc.cfg, errors.New("a spec it does not open")); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(tc.cfg.Dir, TranscriptFile))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, l := range strings.Split(string(b), "\n") {
				if strings.Contains(l, "SIMtrace receiver") {
					got = l[strings.Index(l, "#"):]
				}
			}
			if got != tc.want {
				t.Errorf("at.log's receiver note %q, want %q:\n%s", got, tc.want, b)
			}
		})
	}
}

// TestOpenersHint: a silent local port's hint says who else has it open,
// that some may be hidden from this user, or, where the system cannot
// list them (off Linux), that it could not look — never nothing as if
// nobody were there.
func TestOpenersHint(t *testing.T) {
	for _, tt := range []struct {
		name   string
		procs  []transport.Process
		hidden int
		want   string
	}{
		{"listed", []transport.Process{{PID: 812, Comm: "ModemManager"}}, 0, "other processes have /dev/ttyUSB2 open: pid 812 (ModemManager)"},
		{"hidden from this user", nil, 2, "sudo fuser -v /dev/ttyUSB2"},
		{"not listable here", nil, -1, "listed on Linux only: lsof /dev/ttyUSB2"},
		{"nobody", nil, 0, ""},
	} {
		got := openersHint("/dev/ttyUSB2", tt.procs, tt.hidden)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want it to hold %q", tt.name, got, tt.want)
		}
	}
}
