package fieldlog

import (
	"strings"
	"testing"
	"time"
)

// Hand-made traces for what the recorded ones do not show.
func TestStraceForms(t *testing.T) {
	for _, tc := range []struct {
		name, trace string
		want        []string // role and text of each entry
	}{
		{"a thread's read ends with its process",
			"[pid 7] 10:00:00.000001 write(3, \"AT\\r\", 3) = 3\n" +
				"[pid 8] 10:00:00.000002 read(3, \"\\r\\nOK\\r\\n\", 64) = 6\n" +
				"[pid 8] 10:00:00.000003 read(3,  <unfinished ...>) = ?\n" +
				"[pid 8] 10:00:00.000004 +++ exited with 0 +++\n",
			[]string{"command AT", "final OK"}},
		{"a short write sends only what it says",
			"write(3, \"AT+CGMI\\rAT\", 10) = 8\nread(3, \"\\r\\nesimhil\\r\\n\\r\\nOK\\r\\n\", 64) = 19\n",
			[]string{"command AT+CGMI", "info esimhil", "final OK"}},
		{"octal and hex escapes, an error result",
			"write(3, \"AT\\15\", 3) = 3\nread(3, 0x7ffd, 64) = -1 EAGAIN (Resource temporarily unavailable)\nread(3, \"\\x0d\\x0aOK\\r\\n\", 64) = 6\n",
			[]string{"command AT", "final OK"}},
		// A typing mistake corrected: what the modem took, and what its
		// echo shows, is the line after the backspaces (V.250 S5;
		// outside tester t79 F4).
		{"a backspace in the command and its echo",
			"write(3, \"AT+CPIX\\10N?\\r\", 11) = 11\nread(3, \"AT+CPIX\\10 \\10N?\\r\\r\\n+CPIN: READY\\r\\n\\r\\nOK\\r\\n\", 64) = 35\n",
			[]string{"command AT+CPIN?", "echo AT+CPIN?", "info +CPIN: READY", "final OK"}},
		// DEL edits as BS does (the modem's splitter, at.Edit: r85 #5);
		// strace writes it "\177". The modem echoes it as BS SP BS, or
		// as it came.
		{"a DEL in the command, echoed as BS SP BS",
			"write(3, \"AT+CPIX\\177N?\\r\", 11) = 11\nread(3, \"AT+CPIX\\10 \\10N?\\r\\r\\n+CPIN: READY\\r\\n\\r\\nOK\\r\\n\", 64) = 35\n",
			[]string{"command AT+CPIN?", "echo AT+CPIN?", "info +CPIN: READY", "final OK"}},
		{"a DEL in the command, echoed as it came",
			"write(3, \"AT+CPIX\\177N?\\r\", 11) = 11\nread(3, \"AT+CPIX\\177N?\\r\\r\\n+CPIN: READY\\r\\n\\r\\nOK\\r\\n\", 64) = 33\n",
			[]string{"command AT+CPIN?", "echo AT+CPIN?", "info +CPIN: READY", "final OK"}},
		// A typo erased back to the line's start: the echo is still one.
		{"the whole line erased and typed again",
			"write(3, \"A\\10AT\\r\", 5) = 5\nread(3, \"A\\10 \\10AT\\r\\r\\nOK\\r\\n\", 64) = 12\n",
			[]string{"command AT", "echo AT", "final OK"}},
		{"a descriptor reused: opens and closes tell the files apart",
			"openat(AT_FDCWD, \"/etc/motd\", O_RDONLY) = 3\nread(3, \"OK\\nAT is not a command here\\n\", 64) = 29\nclose(3) = 0\n" +
				"openat(AT_FDCWD, \"/dev/ttyUSB2\", O_RDWR|O_NOCTTY) = 3\nwrite(3, \"AT\\r\", 3) = 3\nread(3, \"\\r\\nOK\\r\\n\", 64) = 6\n",
			[]string{"command AT", "final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.trace, Strace, func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }, tc.want)
		})
	}
}

// TestStraceSeconds: -ttt's seconds are since 1970, to the nanosecond
// its --timestamps=unix,ns gives; -r's add up from the trace's start.
func TestStraceSeconds(t *testing.T) {
	const call, answer = ` write(3, "AT\r", 3) = 3` + "\n", ` read(3, "\r\nOK\r\n", 64) = 6` + "\n"
	for _, tc := range []struct {
		stamp string
		want  time.Time
		clock Clock
	}{
		{"1796121486.049531", time.Unix(1796121486, 49531000).UTC(), Absolute},
		{"1796121486.000000005", time.Unix(1796121486, 5).UTC(), Absolute},
		{"1796121486.5", time.Unix(1796121486, 5e8).UTC(), Absolute},
		{"0.000005", RelativeEpoch.Add(5 * time.Microsecond), Relative},
	} {
		tr, err := Read("test.log", []byte(tc.stamp+call+tc.stamp+answer), Strace)
		if err != nil {
			t.Fatalf("%s: %v", tc.stamp, err)
		}
		if len(tr.Entries) == 0 || !tr.Entries[0].Time.Equal(tc.want) || tr.Clock != tc.clock {
			t.Errorf("%s: entries %+v, clock %v; want the command at %v, %v", tc.stamp, tr.Entries, tr.Clock, tc.want, tc.clock)
		}
	}
}

// checkEntries reads data in format f and holds its entries, each as
// show writes it, against want.
func checkEntries(t *testing.T, data string, f Format, show func(Entry) string, want []string) {
	t.Helper()
	tr, err := Read("test.log", []byte(data), f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries {
		got = append(got, show(e))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("entries %q, want %q", got, want)
	}
}

// checkDetected is one row of a reader's table: a log read without a
// format named must be refused with errPart in the error, or, errPart
// empty, be detected as f and read as want.
func checkDetected(t *testing.T, f Format, data string, show func(Entry) string, want []string, errPart string) {
	t.Helper()
	if errPart != "" {
		_, err := Read("test.log", []byte(data), "")
		if err == nil || !strings.Contains(err.Error(), errPart) {
			t.Fatalf("err = %v, want %q", err, errPart)
		}
		return
	}
	if got, err := Detect("test.log", []byte(data)); err != nil || got != f {
		t.Fatalf("Detect = %q, %v; want %s", got, err, f)
	}
	checkEntries(t, data, "", show, want)
}
