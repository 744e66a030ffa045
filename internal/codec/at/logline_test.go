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
		{line: "2026-01-01T00:00:00.0000005Z > AT+CSQ", want: LogLine{t0, LogHost, "AT+CSQ"}},
		{line: "2026-01-01T00:00:00.0000005Z < +CSQ: 20,99", want: LogLine{t0, LogModem, "+CSQ: 20,99"}},
		{line: "2026-01-01T00:00:00.0000005Z # port /dev/ttyUSB2", want: LogLine{t0, LogNote, "port /dev/ttyUSB2"}},
		{line: "2026-01-01T00:00:00.0000005Z >", want: LogLine{t0, LogHost, ""}},
		{line: "2026-01-01T00:00:00.0000005Z <  two spaces", want: LogLine{t0, LogModem, " two spaces"}},
		{line: "2026-01-01T00:00:00.0000005Z > AT+CGMI" + QueuedMark, want: LogLine{t0, LogHost, "AT+CGMI" + QueuedMark}},
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
			if err != nil || !got.T.Equal(tc.want.T) || got.Dir != tc.want.Dir || got.Text != tc.want.Text {
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
