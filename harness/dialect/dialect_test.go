package dialect_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/answerpty"
	"github.com/esimhil/esimhil/internal/personality"
)

func newRig(t *testing.T, personality string) *harness.Rig {
	t.Helper()
	return newRigWith(t, harness.Options{Personality: personality})
}

func newRigWith(t *testing.T, o harness.Options) *harness.Rig {
	t.Helper()
	s, err := scenario.Parse(fixtures.DefaultScenarioName, fixtures.DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	o.Seed, o.Dir, o.Capture = 1, t.TempDir(), capture.Tap
	r, err := harness.NewRig(s, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestEveryPersonality reaches the ISD-R in each dialect: ICCID, EID over
// ES10 (GetEuiccData), a request spread over two STORE DATA blocks, a
// response long enough for 61xx chaining, and the channel closed again.
func TestEveryPersonality(t *testing.T) {
	names := personality.Names()
	if len(names) == 0 {
		t.Fatal("no personalities")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, name)
			if r.Host().P.Name != name {
				t.Fatalf("rig personality %q, want %q", r.Host().P.Name, name)
			}
			reachISDR(t, r)
		})
	}
}

// TestQuirkyModems: the same through modems whose quirks a host must
// meet — a +CGLA that hands the card's 61xx back and answers without the
// space after the colon (a SIMCom A7908E), under each +CCHO form.
func TestQuirkyModems(t *testing.T) {
	for _, tc := range []struct{ name, base, quirks string }{
		{"A7908E-like", "generic", "apdu_answer_no_space: true\ncgla_passes_61xx: true\n"},
		{"a handle and 61xx", "sierra-em7511", "cgla_passes_61xx: true\n"},
		{"bare and no space", "fibocom-l850", "apdu_answer_no_space: true\ncgla_passes_61xx: true\n"},
		{"no space in +CCHO either", "generic", "apdu_answer_no_space: true\ncgla_passes_61xx: true\nccho_no_space: true\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, err := personality.Load(tc.base)
			if err != nil {
				t.Fatal(err)
			}
			p, err := base.Override("quirks.yaml", []byte(tc.quirks))
			if err != nil {
				t.Fatal(err)
			}
			reachISDR(t, newRigWith(t, harness.Options{Dialect: &p}))
		})
	}
}

// reachISDR is TestEveryPersonality's host session on one rig.
func reachISDR(t *testing.T, r *harness.Rig) {
	t.Helper()
	h := r.Host()
	iccid, err := h.ICCID()
	if err != nil {
		t.Fatal(err)
	}
	enabled := ""
	for _, p := range r.Scenario.Device.Profiles {
		if p.Enabled {
			enabled = p.ICCID
		}
	}
	if iccid != enabled {
		t.Fatalf("ICCID %q, want the enabled profile's %q", iccid, enabled)
	}
	for round := range 2 { // the channel is reusable after Close
		ch, err := h.OpenISDR()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		eid, err := ch.StoreData([]byte{0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A})
		if err != nil {
			t.Fatal(err)
		}
		want := []byte{0xBF, 0x3E, 0x12, 0x5A, 0x10}
		if !bytes.HasPrefix(eid, want) || len(eid) != 21 {
			t.Fatalf("GetEuiccData: %X", eid)
		}
		// GetEUICCInfo2 is longer than one short response.
		info, err := ch.StoreData([]byte{0xBF, 0x22, 0x00})
		if err != nil || !bytes.HasPrefix(info, []byte{0xBF, 0x22}) {
			t.Fatalf("GetEUICCInfo2: %X, %v", info, err)
		}
		// 300 bytes of no function: two blocks, reassembled and
		// judged as a whole (6A80/6A88), not refused per block (6A86).
		big := append([]byte{0xBF, 0x7F, 0x82, 0x01, 0x28}, make([]byte, 0x128)...)
		_, err = ch.StoreData(big)
		var se *dialect.StatusError
		if !errors.As(err, &se) || se.SW != 0x6A88 && se.SW != 0x6A80 {
			t.Fatalf("unknown function in two blocks: %v, want SW 6A80 or 6A88", err)
		}
		if err := ch.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenWrongAID(t *testing.T) {
	for _, name := range []string{"generic", "simcom-a7600", "sierra-em7511"} {
		if !contains(personality.Names(), name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			h := newRig(t, name).Host()
			if _, err := h.Open("A0000005591010FFFFFFFF8900000199"); err == nil {
				t.Fatal("opened an AID the card does not have")
			}
			ch, err := h.OpenISDR() // the next command works
			if err != nil {
				t.Fatal(err)
			}
			if err := ch.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A +CCHO the host gave up on opens its channel all the same when its
// answer comes late: the next Open closes it (a modem has few channels),
// and gets its own.
func TestLateCCHOClosed(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var got []string
	first := true
	port := answerpty.Open(t, func(l string) string {
		mu.Lock()
		got = append(got, l)
		late := first && strings.HasPrefix(l, "AT+CCHO=")
		if late {
			first = false
		}
		n := len(got)
		mu.Unlock()
		switch {
		case late:
			<-gate // the card is slow to open the channel
			return "\r\n+CCHO: 1\r\n\r\nOK\r\n"
		case strings.HasPrefix(l, "AT+CCHO="):
			return fmt.Sprintf("\r\n+CCHO: %d\r\n\r\nOK\r\n", n)
		}
		return "\r\nOK\r\n"
	})
	c, err := atclient.Open(port, atclient.WithTimeout(100*time.Millisecond), atclient.WithLateGrace(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := dialect.Host{AT: c, P: personality.Generic()}
	if _, err := h.OpenISDR(); !errors.Is(err, atclient.ErrTimeout) {
		t.Fatalf("first +CCHO: %v, want a timeout", err)
	}
	close(gate)
	ch, err := h.OpenISDR()
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if ch.Session == "1" || len(got) != 3 || got[2] != "AT+CCHC=1" {
		t.Errorf("session %s; the modem got %q, want the late channel 1 closed after the second +CCHO", ch.Session, got)
	}
}

// A card busy with its own work answers SIM busy for a moment: the host
// sends the command again, and gives up after dialect.BusyTries more.
func TestSIMBusyRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		busy  int // how many times the modem answers SIM busy
		fails bool
	}{
		{"once", 1, false},
		{"as often as retried", dialect.BusyTries, false},
		{"for good", dialect.BusyTries + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			busy := tc.busy
			port := answerpty.Open(t, func(l string) string {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case strings.HasPrefix(l, "AT+CGLA=") && busy > 0:
					busy--
					return "\r\n+CME ERROR: SIM busy\r\n"
				case strings.HasPrefix(l, "AT+CGLA="):
					return "\r\n+CGLA: 4,\"9000\"\r\n\r\nOK\r\n"
				case strings.HasPrefix(l, "AT+CCHO="):
					return "\r\n+CCHO: 1\r\n\r\nOK\r\n"
				}
				return "\r\nOK\r\n"
			})
			c, err := atclient.Open(port, atclient.WithTimeout(2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			h := dialect.Host{AT: c, P: personality.Generic(), BusyWait: time.Millisecond}
			ch, err := h.OpenISDR()
			if err != nil {
				t.Fatal(err)
			}
			_, err = ch.Transmit([]byte{0x80, 0xCA, 0x00, 0x5A, 0x00})
			if (err != nil) != tc.fails {
				t.Errorf("error %v, want one: %v", err, tc.fails)
			}
		})
	}
}

// A modem that refuses +CCHO or +CGLA as unknown (no 27.007 logical
// channels: a CSIM-only one) is told to use a csim_only personality; a
// refusal that names another cause (no SIM, application not found) is not.
func TestChannelRefusedHint(t *testing.T) {
	const hint = "if it lacks the 27.007 logical-channel commands +CCHO/+CGLA, a personality with csim_only: true reaches the card through +CSIM — PERSONALITY=simcom-a7600"
	for _, tc := range []struct {
		name       string
		ccho, cgla string
		want       string
		hint       bool
	}{
		{"+CCHO bare ERROR", "\r\nERROR\r\n", "", "AT+CCHO: at: ERROR (the modem refuses +CCHO: ", true},
		{"+CCHO not supported", "\r\n+CME ERROR: operation not supported\r\n", "", "AT+CCHO: +CME ERROR: 4 (operation not supported) (the modem refuses +CCHO", true},
		{"+CCHO a vendor's text", "\r\n+CME ERROR: command not support\r\n", "", "the modem refuses +CCHO", true},
		// +CCHO opened the channel: the modem has the logical-channel
		// commands as a rule, and the hint says that first.
		{"+CGLA bare ERROR", "\r\n+CCHO: 1\r\n\r\nOK\r\n", "\r\nERROR\r\n", "AT+CGLA: at: ERROR (the modem refused the first +CGLA on session 1, which its +CCHO opened: a modem with +CCHO has +CGLA as a rule, so look at the command in at.log first; if this modem lacks +CGLA all the same, a personality with csim_only: true", false},
		{"no SIM", "\r\n+CME ERROR: SIM not inserted\r\n", "", "AT+CCHO: +CME ERROR: 10 (SIM not inserted)", false},
		{"application not found", "\r\n+CME ERROR: not found\r\n", "", "AT+CCHO: +CME ERROR: 22 (not found)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cardEID(t, tc.ccho, tc.cgla)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), hint) != tc.hint {
				t.Errorf("%v; want %q, the hint: %v", err, tc.want, tc.hint)
			}
		})
	}
}

// A +CGLA refused after the modem answered one on the same channel is
// this command's refusal (its APDU: outside t238 M8, a length counted in
// bytes), not a modem without +CGLA: no csim_only hint.
func TestCGLARefusedAfterOneAnswered(t *testing.T) {
	var mu sync.Mutex
	n := 0
	port := answerpty.Open(t, func(l string) string {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasPrefix(l, "AT+CCHO="):
			return "\r\n+CCHO: 1\r\n\r\nOK\r\n"
		case strings.HasPrefix(l, "AT+CGLA=") && n == 0:
			n++
			return "\r\n+CGLA: 4,\"9000\"\r\n\r\nOK\r\n"
		case strings.HasPrefix(l, "AT+CGLA="):
			return "\r\n+CME ERROR: 4\r\n"
		}
		return "\r\nOK\r\n"
	})
	c, err := atclient.Open(port, atclient.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ch, err := dialect.Host{AT: c, P: personality.Generic(), BusyWait: time.Millisecond}.OpenISDR()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Transmit([]byte{0x80, 0xCA, 0x00, 0x5A, 0x00}); err != nil {
		t.Fatal(err)
	}
	_, err = ch.Transmit([]byte{0x80, 0xCA, 0x00, 0x5A, 0x00})
	const want = "AT+CGLA: +CME ERROR: 4 (operation not supported) (the modem refused this +CGLA after answering 1 on session 1: it has +CGLA, so this command is what it refused"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "csim_only") {
		t.Errorf("%v; want %q and no csim_only", err, want)
	}
}

// A modem that refuses +CSIM as unsupported, under a csim_only
// personality, is told of the other way, +CCHO/+CGLA; a refusal that
// names another cause is not (outside tester t72).
func TestCSIMRefusedHint(t *testing.T) {
	const hint = "the modem refuses +CSIM: if it has the 27.007 logical-channel commands +CCHO/+CGLA instead, a personality without csim_only reaches the card through them — PERSONALITY=generic"
	a7600, err := personality.Load("simcom-a7600")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, csim string
		hint       bool
	}{
		{"not supported", "\r\n+CME ERROR: 4\r\n", true},
		{"bare ERROR", "\r\nERROR\r\n", true},
		{"no SIM", "\r\n+CME ERROR: 10\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := answerpty.Open(t, func(l string) string {
				if strings.HasPrefix(l, "AT+CSIM=") {
					return tc.csim
				}
				return "\r\nOK\r\n"
			})
			c, err := atclient.Open(port, atclient.WithTimeout(2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = dialect.Host{AT: c, P: a7600, BusyWait: time.Millisecond}.OpenISDR()
			if err == nil || !strings.HasPrefix(err.Error(), "MANAGE CHANNEL open: AT+CSIM: ") || strings.Contains(err.Error(), hint) != tc.hint {
				t.Errorf("%v; want the hint: %v", err, tc.hint)
			}
		})
	}
}

// An unprefixed line the personality does not know inside a +CCHO or
// +CGLA answer is named, as it is in +CGMM's or +CEREG?'s (README: the
// client does not guess), not skipped; a known URC or a prefixed one
// the client takes out is no extra line.
func TestUnknownLineInCardAnswer(t *testing.T) {
	const cgla = "\r\n+CGLA: 46,\"BF3E125A10890490321234512345123456789012359000\"\r\n"
	for _, tc := range []struct {
		name, ccho, cgla string
		want             string // "" for no error
	}{
		{"clean", "\r\n+CCHO: 1\r\n\r\nOK\r\n", cgla + "\r\nOK\r\n", ""},
		{"in +CCHO", "\r\n+CCHO: 1\r\nMODEM READY\r\n\r\nOK\r\n", cgla + "\r\nOK\r\n",
			`an extra line "MODEM READY" in the answer to AT+CCHO (an unsolicited result code the personality does not know?); its own line: "+CCHO: 1"`},
		{"in +CGLA", "\r\n+CCHO: 1\r\n\r\nOK\r\n", cgla + "MODEM READY\r\n\r\nOK\r\n",
			`an extra line "MODEM READY" in the answer to AT+CGLA (an unsolicited result code the personality does not know?)`},
		{"a bare session id and a line", "\r\n1\r\nMODEM READY\r\n\r\nOK\r\n", cgla + "\r\nOK\r\n",
			`an extra line in the answer to AT+CCHO, which has 2 lines where one was expected: "1", "MODEM READY"`},
		{"a known URC", "\r\n+CCHO: 1\r\nSMS DONE\r\n\r\nOK\r\n", cgla + "+CEREG: 1\r\n\r\nOK\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cardEID(t, tc.ccho, tc.cgla, atclient.WithURCs("SMS DONE"))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("EID: %v, want none", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, atclient.ErrExtraLine)):
				t.Errorf("EID: %v, want ErrExtraLine with %q", err, tc.want)
			}
		})
	}
}

// cardEID reads the EID through a generic host from a modem that answers
// +CCHO with ccho, +CGLA with cgla and anything else with OK.
func cardEID(t *testing.T, ccho, cgla string, opts ...atclient.Option) (string, error) {
	t.Helper()
	port := answerpty.Open(t, func(l string) string {
		switch {
		case strings.HasPrefix(l, "AT+CCHO="):
			return ccho
		case strings.HasPrefix(l, "AT+CGLA="):
			return cgla
		}
		return "\r\nOK\r\n"
	})
	c, err := atclient.Open(port, append([]atclient.Option{atclient.WithTimeout(2 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := dialect.Host{AT: c, P: personality.Generic(), BusyWait: time.Millisecond}
	return h.EID()
}
