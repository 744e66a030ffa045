package fieldlog

import (
	"strings"
	"testing"
	"time"
)

// TestYearless: dates without a year go on over New Year and a step back
// stays one.
func TestYearless(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dates []string
		later []bool // each date after the one before it
	}{
		{"same day", []string{"Mar 2 10:00:00", "Mar 2 10:00:01"}, []bool{true}},
		{"a step back", []string{"Mar 2 10:00:01", "Mar 2 10:00:00"}, []bool{false}},
		{"over New Year", []string{"Dec 31 23:59:59", "Jan 1 00:00:00", "Jan 1 00:00:00.5"}, []bool{true, true}},
		{"after a quiet week", []string{"Dec 28 08:00:00", "Jan 3 09:00:00"}, []bool{true}},
		{"back to the old year", []string{"Jan 1 00:00:01", "Dec 31 23:59:59"}, []bool{false}},
		{"back after New Year", []string{"Dec 31 23:59:58", "Jan 1 00:00:01", "Dec 31 23:59:59"}, []bool{true, false}},
		{"back, then on again", []string{"Dec 31 23:00:00", "Jan 1 01:00:00", "Dec 31 23:30:00", "Jan 1 00:30:00"}, []bool{true, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var y yearless
			var last time.Time
			for i, d := range tc.dates {
				p, err := time.Parse("Jan 2 15:04:05.999999999", d)
				if err != nil {
					t.Fatal(err)
				}
				got := y.place(p)
				if got.IsZero() {
					t.Errorf("%s placed at the zero time (no time)", d)
				}
				if i > 0 && got.After(last) != tc.later[i-1] {
					t.Errorf("%s at %v after %v: %v, want %v", d, got, last, got.After(last), tc.later[i-1])
				}
				last = got
			}
		})
	}
}

// TestStampForms: the leading stamps a line may have, what they read as
// and what is left of the line.
func TestStampForms(t *testing.T) {
	for _, tc := range []struct {
		line, want, rest string // want: the time as RFC 3339, "" for none
	}{
		{"2024/01/01 00:13:32.020: AT+CGREG?", "2024-01-01T00:13:32.02Z", "AT+CGREG?"}, // ubxlib's logger
		{"2024/01/01 00:13:32.020 AT+CGREG?", "2024-01-01T00:13:32.02Z", "AT+CGREG?"},
		{"2024/01/01 00:13:32.020: ", "2024-01-01T00:13:32.02Z", ""},
		// An RTC never set: no date, the time of day (year 0) alone.
		{"0000/01/01 00:13:31.860: +CREG: 2", "0000-01-01T00:13:31.86Z", "+CREG: 2"},
		{"[2024-01-01 00:13:32.020] OK", "2024-01-01T00:13:32.02Z", "OK"},
		{"10:00:01.120: OK", "0000-01-01T10:00:01.12Z", "OK"},
		{"10:00:01.120 OK", "0000-01-01T10:00:01.12Z", "OK"},
		// A colon that is no stamp's: the line as it is.
		{"10:00:01.120:OK", "0000-01-01T10:00:01.12Z", ":OK"},
		{"AT+CCLK?", "", "AT+CCLK?"},
		// A number run into the line's text is the text (u-blox's ATI9
		// answer, "<modem version>,<application version>").
		{"03.15,A00.01", "", "03.15,A00.01"},
		{"10:00:01.120,OK", "", "10:00:01.120,OK"},
		{"12.345AT", "", "12.345AT"},
		{"[12.345]AT", "1970-01-01T00:00:12.345Z", "AT"},
		// A fraction is read to the nanosecond, digits past it dropped.
		{"[12.000000005] AT", "1970-01-01T00:00:12.000000005Z", "AT"},
		{"[12.5000000019] AT", "1970-01-01T00:00:12.500000001Z", "AT"},
		// dmesg's seconds since boot, padded to five places (outside
		// tester sw115: refused as no known format).
		{"[   41.203311] > AT", "1970-01-01T00:00:41.203311Z", "> AT"},
		{"[ 4711.123456] < OK", "1970-01-01T01:18:31.123456Z", "< OK"},
		// A stamp with its zone is that instant (shown here in UTC): a
		// log from a host at UTC+2 lines up with the rig's UTC ones.
		{"2024-01-01T10:00:00.5+02:00 AT", "2024-01-01T08:00:00.5Z", "AT"},
		{"2024-01-01 10:00:00.5-05:00 OK", "2024-01-01T15:00:00.5Z", "OK"},
		{"[2024-01-01 10:00:00.5+0200] OK", "2024-01-01T08:00:00.5Z", "OK"},
		{"2024-01-01T10:00:00Z AT", "2024-01-01T10:00:00Z", "AT"},
	} {
		tm, c, rest := splitStamp(tc.line)
		got := ""
		if c != NoTime {
			got = tm.UTC().Format(time.RFC3339Nano)
		}
		if got != tc.want || rest != tc.rest {
			t.Errorf("%q: time %q, rest %q; want %q, %q", tc.line, got, rest, tc.want, tc.rest)
		}
	}
	// A log of such stamps reads as a terminal capture.
	checkEntries(t, "0000/01/01 00:13:32.020: AT+CGREG?\n0000/01/01 00:13:32.060: \n0000/01/01 00:13:32.060: +CGREG: 2,4\n0000/01/01 00:13:32.060: OK\n", "",
		func(e Entry) string { return e.Role.String() + " " + e.Text + " " + e.Time.Format("15:04:05.000") },
		[]string{"command AT+CGREG? 00:13:32.020", "echo AT+CGREG? 00:13:32.020", "info +CGREG: 2,4 00:13:32.060", "final OK 00:13:32.060"})
}

// TestPaddedKernelStamps: a transcript stamped as dmesg stamps, the
// seconds padded with blanks, reads as one without the padding does, the
// kernel's own lines among it notes.
func TestPaddedKernelStamps(t *testing.T) {
	show := func(e Entry) string {
		if e.Role == Note {
			return "note " + strings.TrimSpace(e.Text[strings.IndexByte(e.Text, ']')+1:]) // its stamp as the file has it
		}
		return e.Role.String() + " " + e.Text + " " + e.Time.Sub(RelativeEpoch).String()
	}
	want := []string{"command AT 41.203311s", "final OK 41.210442s", "note usb 1-1: USB disconnect, device number 2", "urc RDY 1m3.500102s"}
	for _, pad := range []string{"", " ", "   "} {
		checkEntries(t, "["+pad+"41.203311] > AT\n["+pad+"41.210442] < OK\n["+pad+"52.118204] usb 1-1: USB disconnect, device number 2\n["+pad+"63.500102] < RDY\n", "", show, want)
	}
	// A serial tool's TX:/RX: where a driver's name would be is its
	// marker, not the kernel's line (outside reviewer sw117: read as
	// notes only).
	checkEntries(t, "[0.100000] TX: AT+CPIN?\n[0.120000] RX: +CPIN: READY\n[0.121000] RX: OK\n", "", show,
		[]string{"command AT+CPIN? 100ms", "info +CPIN: READY 120ms", "final OK 121ms"})
}

// TestStampsHoldOverTheLog: a log is stamped when its stamps hold over
// it: a line that only starts like a stamp among unstamped ones (u-blox's
// "03.15,A00.01" or "03.15 A00.01" answer to ATI9) is the modem's text,
// and gives the log no times; two such lines are no clock going back.
func TestStampsHoldOverTheLog(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string // role and text of each entry
	}{
		{"ATI9", "ATI9\n03.15,A00.01\nOK\n", []string{"command ATI9", "echo ATI9", "info 03.15,A00.01", "final OK"}},
		{"AT+CGMR, then more", "AT+CGMR\n10.20,A01.01\nOK\nAT+CSQ\n+CSQ: 20,99\nOK\n",
			[]string{"command AT+CGMR", "echo AT+CGMR", "info 10.20,A01.01", "final OK", "command AT+CSQ", "echo AT+CSQ", "info +CSQ: 20,99", "final OK"}},
		{"two versions falling", "ATI9\n03.15,A00.01\nOK\nAT+CGMR\n02.06,A00.01\nOK\n",
			[]string{"command ATI9", "echo ATI9", "info 03.15,A00.01", "final OK", "command AT+CGMR", "echo AT+CGMR", "info 02.06,A00.01", "final OK"}},
		{"a version with a blank", "ATI9\n03.15 A00.01\nOK\n", []string{"command ATI9", "echo ATI9", "info 03.15 A00.01", "final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("d5.log", []byte(tc.log), Terminal)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Clock != NoTime {
				t.Errorf("clock %v, want none", tr.Clock)
			}
			var got []string
			for _, e := range tr.Entries {
				got = append(got, strings.ToLower(e.Role.String())+" "+e.Text)
				if !e.Time.IsZero() {
					t.Errorf("line %d has a time, %v", e.Line, e.Time)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("entries %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLogClockTake: the one tracker of a log's time kind (r85 #6), as chat
// and oFono read their lines: a line without a stamp takes the time
// before it, a date without a year goes on over New Year, and a stamp of
// another kind is refused, naming the line that set the kind.
func TestLogClockTake(t *testing.T) {
	day := func(s string) time.Time {
		p, err := time.Parse("Jan 2 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	dated := time.Date(2026, 3, 2, 10, 0, 1, 0, time.UTC)
	type line struct {
		t time.Time
		c Clock
	}
	for _, tc := range []struct {
		name  string
		lines []line
		want  []string // each line's time (Go's layout "Jan 2 2006 15:04:05"), or the error
	}{
		{"no stamp before any", []line{{time.Time{}, NoTime}, {day("Mar 2 10:00:01"), Absolute}},
			[]string{"Jan 1 0001 00:00:00", "Mar 2 0000 10:00:01"}},
		{"no stamp takes the one before", []line{{day("Mar 2 10:00:01"), Absolute}, {time.Time{}, NoTime}},
			[]string{"Mar 2 0000 10:00:01", "Mar 2 0000 10:00:01"}},
		{"over New Year", []line{{day("Dec 31 23:59:59"), Absolute}, {time.Time{}, NoTime}, {day("Jan 1 00:00:00"), Absolute}},
			[]string{"Dec 31 0000 23:59:59", "Dec 31 0000 23:59:59", "Jan 1 0001 00:00:00"}},
		{"a dated time among times without a year", []line{{time.Time{}, NoTime}, {day("Mar 2 10:00:01"), Absolute}, {dated, Absolute}},
			[]string{"Jan 1 0001 00:00:00", "Mar 2 0000 10:00:01", "x.log:3: a dated time among times without a year (from line 2): a log's times go on one clock, so they are of one kind; stamp its lines alike"}},
		{"a relative time among dated ones", []line{{dated, Absolute}, {RelativeEpoch.Add(time.Second), Relative}},
			[]string{"Mar 2 2026 10:00:01", "x.log:2: a relative time among dated times (from line 1): a log's times go on one clock, so they are of one kind; stamp its lines alike"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := logClock{undated: yearlessTimes}
			var got []string
			for i, l := range tc.lines {
				at, err := k.take("x.log", i+1, l.t, l.c)
				if err != nil {
					got = append(got, err.Error())
					break
				}
				got = append(got, at.Format("Jan 2 2006 15:04:05"))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("times %q\nwant %q", got, tc.want)
			}
		})
	}
}
