package fieldlog

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLogcat: a RIL's AT lines out of an Android radio log, in logcat's
// formats, and what Detect makes of each.
func TestLogcat(t *testing.T) {
	show := func(e Entry) string {
		s := e.Role.String() + " " + e.Text
		if e.Port != "" {
			s += " (" + e.Port + ")"
		}
		if !e.Time.IsZero() {
			s = e.Time.Format("01-02 15:04:05.000 ") + s
		}
		return s
	}
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"threadtime, AOSP 7's tag", "12-02 10:00:00.100  1520  1544 D AT      : AT> AT+CSQ\n12-02 10:00:00.130  1520  1545 D AT      : AT< +CSQ: 20,99\n12-02 10:00:00.131  1520  1545 D AT      : AT< OK\n",
			[]string{"12-02 10:00:00.100 command AT+CSQ", "12-02 10:00:00.130 info +CSQ: 20,99", "12-02 10:00:00.131 final OK"}},
		// The radio buffer's other tags are left out; a CR line end too.
		{"other tags", "12-02 10:00:00.000  2811  2811 D RILJ    : [0001]> SIGNAL_STRENGTH [PHONE0]\r\n12-02 10:00:00.100  1520  1544 D use-Rlog/RLOG-AT: AT> AT\r\n12-02 10:00:00.101  1520  1545 D use-Rlog/RLOG-AT: AT< OK\r\n",
			[]string{"12-02 10:00:00.100 command AT", "12-02 10:00:00.101 final OK"}},
		{"-v uid", "12-02 10:00:00.100  radio  1520  1544 D AT      : AT> AT\n12-02 10:00:00.101  1001  1520  1545 D AT      : AT< OK\n",
			[]string{"12-02 10:00:00.100 command AT", "12-02 10:00:00.101 final OK"}},
		{"-v tag", "D/AT      : AT> AT+CSQ\nD/AT      : AT< +CSQ: 20,99\nD/AT      : AT< OK\n",
			[]string{"command AT+CSQ", "info +CSQ: 20,99", "final OK"}},
		{"-v color", "\x1b[38;5;75m12-02 10:00:00.100  1520  1544 D AT      : AT> AT\x1b[0m\n\x1b[38;5;75m12-02 10:00:00.101  1520  1545 D AT      : AT< OK\x1b[0m\n",
			[]string{"12-02 10:00:00.100 command AT", "12-02 10:00:00.101 final OK"}},
		{"-v monotonic", "   812.100  1520  1544 D AT      : AT> AT\n   812.103  1520  1545 D AT      : AT< OK\n",
			[]string{"01-01 00:13:32.100 command AT", "01-01 00:13:32.103 final OK"}},
		{"-v epoch", "1764669600.100  1520  1544 D AT      : AT> AT\n1764669600.103  1520  1545 D AT      : AT< OK\n",
			[]string{"12-02 10:00:00.100 command AT", "12-02 10:00:00.103 final OK"}},
		// A year-less log over New Year: December, then January.
		{"over New Year", "12-31 23:59:59.990  1520  1544 D AT      : AT> AT\n01-01 00:00:00.010  1520  1545 D AT      : AT< OK\n",
			[]string{"12-31 23:59:59.990 command AT", "01-01 00:00:00.010 final OK"}},
		// A message logcat printed over lines goes on without a header.
		{"a message over lines", "12-02 10:00:00.000  2811  2811 D RILJ    : first line\nsecond line of RILJ's\n12-02 10:00:00.100  1520  1544 D AT      : AT> AT\n12-02 10:00:00.101  1520  1545 D AT      : AT< OK\n",
			[]string{"12-02 10:00:00.100 command AT", "12-02 10:00:00.101 final OK"}},
		// Two RIL daemons (a dual-SIM device), each on its AT port: their
		// lines interleave, so each process is a port.
		{"two RILs at once", "12-02 10:00:00.100  1520  1544 D AT      : AT> AT+CSQ\n12-02 10:00:00.110  1521  1566 D AT      : AT> AT+CSQ\n12-02 10:00:00.130  1520  1545 D AT      : AT< +CSQ: 20,99\n12-02 10:00:00.131  1520  1545 D AT      : AT< OK\n12-02 10:00:00.140  1521  1567 D AT      : AT< +CSQ: 31,99\n12-02 10:00:00.141  1521  1567 D AT      : AT< OK\n",
			[]string{"12-02 10:00:00.100 command AT+CSQ (pid 1520)", "12-02 10:00:00.110 command AT+CSQ (pid 1521)", "12-02 10:00:00.130 info +CSQ: 20,99 (pid 1520)",
				"12-02 10:00:00.131 final OK (pid 1520)", "12-02 10:00:00.140 info +CSQ: 31,99 (pid 1521)", "12-02 10:00:00.141 final OK (pid 1521)"}},
		// A RIL that died in the middle of a command and its restart: one
		// port, the new RIL's first command ends the dead one's wait.
		{"a RIL restarted", "12-02 10:00:00.100  1520  1544 D AT      : AT> AT+COPS=?\n12-02 10:00:09.000  1520  1545 D AT      : atchannel: EOF reached\n12-02 10:00:12.000  1733  1750 D AT      : AT> ATE0Q0V1\n12-02 10:00:12.003  1733  1751 D AT      : AT< OK\n",
			[]string{"12-02 10:00:00.100 command AT+COPS=?", "12-02 10:00:09.000 note AT: atchannel: EOF reached", "12-02 10:00:12.000 command ATE0Q0V1", "12-02 10:00:12.003 final OK"}},
		// Huawei's Balong RIL: "AT > " and "AT < " after the modem and
		// its channel, each channel a port (outside tester sw93).
		{"Balong's channels", "12-02 10:00:00.100  1520  1544 I BALONG_AT: [modem_0][ch:8] AT > AT^CSTR=42,\"8103\"\n12-02 10:00:00.113  1520  1545 I BALONG_AT: [modem_0][ch:8] AT < OK\n" +
			"12-02 10:00:00.184  1520  1544 I BALONG_AT: [modem_0][ch:1] AT > AT+CPIN?\n12-02 10:00:00.197  1520  1545 I BALONG_AT: [modem_0][ch:1] AT < +CME ERROR: 10\n",
			[]string{"12-02 10:00:00.100 command AT^CSTR=42,\"8103\" (modem_0/ch:8)", "12-02 10:00:00.113 final OK (modem_0/ch:8)",
				"12-02 10:00:00.184 command AT+CPIN? (modem_0/ch:1)", "12-02 10:00:00.197 final +CME ERROR: 10 (modem_0/ch:1)"}},
		{"a PDU after the prompt", "D/AT( 1520): AT> AT+CMGS=18\nD/AT( 1520): AT< > \nD/AT( 1520): AT> 0001000B91^Z\nD/AT( 1520): AT< +CMGS: 7\nD/AT( 1520): AT< OK\n",
			[]string{"command AT+CMGS=18", "info > ", "command 0001000B91\x1a", "info +CMGS: 7", "final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.log, Logcat, show, tc.want)
			if f, err := Detect("test.log", []byte(tc.log)); err != nil || f != Logcat {
				t.Errorf("Detect = %q, %v", f, err)
			}
		})
	}
}

// TestLogcatDetectedLate: a radio log whose first AT line comes after the
// lines Detect looks at is still an Android log, and reads.
func TestLogcatDetectedLate(t *testing.T) {
	var b strings.Builder
	t0 := time.Date(0, 12, 2, 10, 0, 0, 0, time.UTC)
	for i := range 2 * sniffLines {
		fmt.Fprintf(&b, "%s  2811  2851 D RILJ    : [%04d]< SIGNAL_STRENGTH {…} [PHONE0]\n", t0.Add(time.Duration(i)*time.Millisecond).Format("01-02 15:04:05.000"), i)
	}
	b.WriteString("12-02 10:00:01.000  1520  1544 D AT      : AT> AT+CSQ\n12-02 10:00:01.030  1520  1545 D AT      : AT< +CSQ: 20,99\n12-02 10:00:01.031  1520  1545 D AT      : AT< OK\n")
	if f, err := Detect("radio.log", []byte(b.String())); err != nil || f != Logcat {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	tr, err := Read("radio.log", []byte(b.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Commands()); n != 1 {
		t.Errorf("%d commands, want 1", n)
	}
}

// TestLogcatOldBanner: Android 4.4 and before name the buffer by its
// device in logcat's banner (outside tester sw109: refused at line 1).
func TestLogcatOldBanner(t *testing.T) {
	for _, banner := range []string{"--------- beginning of radio", "--------- beginning of /dev/log/radio", "--------- switch to main"} {
		text := banner + "\n09-07 19:52:30.452 D/AT      ( 1887): AT> AT+CSQ\n09-07 19:52:30.470 D/AT      ( 1887): AT< +CSQ: 20,99\n09-07 19:52:30.471 D/AT      ( 1887): AT< OK\n"
		tr, err := Read("radio.log", []byte(text), "")
		if err != nil || tr.Format != Logcat || len(tr.Commands()) != 1 {
			t.Errorf("%q: %v, %+v", banner, err, tr)
		}
	}
}
