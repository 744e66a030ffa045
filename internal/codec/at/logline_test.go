package at

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseLogLine(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 500, time.UTC)
	for _, tc := range []struct {
		line  string
		want  LogLine
		err   string
		stamp bool // the error is the time's (or the space after it)
	}{
		{line: "2026-01-01T00:00:00.0000005Z > AT+CSQ", want: LogLine{T: t0, Dir: LogHost, Text: "AT+CSQ"}},
		{line: "2026-01-01T00:00:00.0000005Z < +CSQ: 20,99", want: LogLine{T: t0, Dir: LogModem, Text: "+CSQ: 20,99"}},
		{line: "2026-01-01T00:00:00.0000005Z # port /dev/ttyUSB2", want: LogLine{T: t0, Dir: LogNote, Text: "port /dev/ttyUSB2"}},
		{line: "2026-01-01T00:00:00.0000005Z >", want: LogLine{T: t0, Dir: LogHost, Text: ""}},
		{line: "2026-01-01T00:00:00.0000005Z <  two spaces", want: LogLine{T: t0, Dir: LogModem, Text: " two spaces"}},
		{line: "2026-01-01T00:00:00.0000005Z > AT+CGMI" + QueuedMark, want: LogLine{T: t0, Dir: LogHost, Text: "AT+CGMI" + QueuedMark}},
		// The AT client's URC mark (a lab run's at.log) comes off a
		// modem line, and says so; on a host line it is text.
		{line: "2026-01-01T00:00:00.0000005Z < +CEREG: 5" + URCMark, want: LogLine{T: t0, Dir: LogModem, Text: "+CEREG: 5", URC: true}},
		{line: "2026-01-01T00:00:00.0000005Z > AT" + URCMark, want: LogLine{T: t0, Dir: LogHost, Text: "AT" + URCMark}},
		{line: "garbage", err: errLogLineShape.Error(), stamp: true},
		{line: "2026-01-01T00:00:00Z", err: errLogLineShape.Error(), stamp: true},
		{line: "garbage ", err: errLogLineShape.Error(), stamp: true},
		{line: "2026-01-01T00:00:00Z ", err: errLogLineShape.Error()},
		{line: "yesterday > AT", err: `parsing time "yesterday"`, stamp: true},
		{line: "2026-01-01T00:00:00Z ! OK", err: `direction "!": want >, < or #`},
		{line: "2026-01-01T00:00:00Z >AT", err: `direction ">AT": want >, < or #`},
	} {
		got, err := ParseLogLine(tc.line)
		if tc.err == "" {
			if err != nil || !got.T.Equal(tc.want.T) || got.Dir != tc.want.Dir || got.Text != tc.want.Text || got.URC != tc.want.URC {
				t.Errorf("ParseLogLine(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
			}
			continue
		}
		var le *LogLineError
		if !errors.As(err, &le) || le.Stamp != tc.stamp || !strings.HasPrefix(err.Error(), tc.err) {
			t.Errorf("ParseLogLine(%q): error %v (stamp %v), want %q… (stamp %v)", tc.line, err, le != nil && le.Stamp, tc.err, tc.stamp)
		}
	}
}
