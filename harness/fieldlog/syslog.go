package fieldlog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A daemon's line as syslog, the journal or OpenWrt's logread writes it,
// the one form every reader of a daemon's log takes (ModemManager's,
// oFono's, chat's, gammu-smsd's):
//
//	[<PRI>] [time] [host] [facility.level] name[pid]: message
//
// The priority is what a raw syslog stream carries before each line
// (RFC 3164 §4.1.1; RFC 5424's header, syslog5424, has the daemon as a
// field of its own instead of the tag); the time is syslog's "Mar  2 10:00:01", the journal's (also "-o
// short-iso") or logread's "Sat Apr  3 16:13:16 2021"; BusyBox syslogd
// writes the facility.level after the host, logread instead of it. The
// journal's other short forms (journalctl(1), --output) are read too:
// short-full's "Mon 2026-03-02 10:00:01 CET", short-unix's
// "1772445601.105911", short-monotonic's "[  123.456789]" and
// short-delta's "[  123.456789 <    0.000123>]" (time since boot).
var (
	syslogPRI     = regexp.MustCompile(`^<\d{1,3}>(?:1 )?`)
	syslogJournal = regexp.MustCompile(`^([A-Za-z]{3}) +(\d{1,2}) (\d\d:\d\d:\d\d(?:\.\d+)?) `)
	syslogISO     = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) `)
	syslogLogread = regexp.MustCompile(`^[A-Za-z]{3} ([A-Za-z]{3}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4}) `)
	// syslogFull is short-full's: the weekday, date, time and the zone's
	// abbreviation ("CET", "UTC", "+03"), which, as the short form's
	// time, is read as the wall clock's.
	syslogFull = regexp.MustCompile(`^[A-Z][a-z]{2} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (?:[A-Za-z][A-Za-z0-9_/+-]*|[+-]\d\d(?:\d\d)?) `)
	// syslogUnix and syslogMono are short-unix's seconds since 1970 and
	// short-monotonic's (short-delta's, its delta after it) since boot:
	// bare numbers, so they count only before a host and a daemon's
	// "name[pid]: " (journalHost), not as a dmesg line's or a number
	// opening a transcript's line.
	syslogUnix  = regexp.MustCompile(`^(\d{9,11})\.(\d{1,9}) `)
	syslogMono  = regexp.MustCompile(`^\[ *(\d{1,9})\.(\d{1,9})(?: <[ \d.]+>)?\] `)
	journalHost = regexp.MustCompile(`^\S+ [\w.@-]+\[\d+\]: `)
	// syslog5424 is RFC 5424's header (§6): time, host, app-name, procid,
	// msgid, structured data, each "-" when absent; groups: the time, the
	// app (the daemon).
	syslog5424 = regexp.MustCompile(`^<\d{1,3}>1 (\S+) \S+ (\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: |$)`)
	// daemonTag is the "name[pid]: " before a message, after the
	// source (syslogSource); group 1 the name, which OpenWrt's logread
	// leaves out for some daemons ("daemon.info [5840]: ").
	daemonTag = regexp.MustCompile(`^` + syslogSource + `([\w.@-]*)\[\d+\]:(?: |$)`)
)

// syslogSource is what comes between a line's time and its tag: the
// host, then BusyBox's facility.level, either or both.
const syslogSource = `(?:\S+ )?(?:[a-z]+[0-7]?\.(?:emerg|alert|crit|err|error|warn|warning|notice|info|debug|panic) )?`

// syslogPrefix reads a syslog, journal or logread prefix up to its source
// (syslogSource): the time it gives and how long it is (what a reader
// after the host and daemon skips); 0 and NoTime without one, NoTime
// after a priority alone.
func syslogPrefix(l string) (time.Time, Clock, int) {
	pri := len(syslogPRI.FindString(l))
	l = l[pri:]
	if m := syslogISO.FindStringSubmatch(l); m != nil {
		// short-iso's zone as "+01:00" or (systemd before 250) "+0100";
		// none, as some syslog templates write it: the wall clock's.
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, m[1]); err == nil {
				return t, Absolute, pri + len(m[0])
			}
		}
	}
	if m := syslogLogread.FindStringSubmatch(l); m != nil {
		if t, err := time.Parse("Jan 2 15:04:05 2006", m[1]+" "+m[2]+" "+m[3]+" "+m[4]); err == nil {
			return t, Absolute, pri + len(m[0])
		}
	}
	if m := syslogFull.FindStringSubmatch(l); m != nil {
		if t, err := time.Parse("2006-01-02 15:04:05.999999999", m[1]); err == nil {
			return t, Absolute, pri + len(m[0])
		}
	}
	// short-unix's and short-monotonic's seconds: the output says
	// which clock, not the number (mmClock's test would read a 9-digit
	// short-unix stamp, before 2001, as time since boot).
	for _, st := range [...]struct {
		re    *regexp.Regexp
		clock Clock
	}{{syslogUnix, Absolute}, {syslogMono, Relative}} {
		if m := st.re.FindStringSubmatch(l); m != nil && journalHost.MatchString(l[len(m[0]):]) {
			s, _ := strconv.ParseInt(m[1], 10, 64) // 11 digits at most
			ns, _ := fracNanos(m[2])               // digits: the pattern's
			return secondsTime(s, ns, st.clock), st.clock, pri + len(m[0])
		}
	}
	if m := syslogJournal.FindStringSubmatch(l); m != nil {
		mon := strings.ToUpper(m[1][:1]) + strings.ToLower(m[1][1:])
		if t, err := time.Parse("Jan 2 15:04:05.999999999", mon+" "+m[2]+" "+m[3]); err == nil {
			return t, Absolute, pri + len(m[0]) // year 0: the journal's short form has none
		}
	}
	return time.Time{}, NoTime, pri
}

// secondsTime is the time s seconds and a fraction's ns (fracNanos) give
// on clock: since 1970 (Absolute) or since the clock's start (Relative,
// from RelativeEpoch). The one rule of every seconds stamp: syslog's,
// ModemManager's, a transcript's, strace -ttt's.
func secondsTime(s int64, ns time.Duration, clock Clock) time.Time {
	if clock == Absolute {
		return time.Unix(s, int64(ns)).UTC()
	}
	return RelativeEpoch.Add(time.Duration(s)*time.Second + ns)
}

// daemonLine splits a syslog, journal or stderr line of a daemon into
// the time its prefix gives (a syslog or journal time; `ts -s`'s
// elapsed time, Relative), the daemon that logged it ("" without a
// tag: a bare stderr line, or `journalctl -o cat`) and its message.
func daemonLine(l string) (time.Time, Clock, string, string) {
	l = strings.TrimRight(l, "\r")
	if m := syslog5424.FindStringSubmatch(l); m != nil && m[2] != "-" {
		t, c, _ := syslogPrefix(l) // the time, unless "-"
		return t, c, m[2], l[len(m[0]):]
	}
	t, c, n := syslogPrefix(l)
	if n > 0 {
		l = l[n:]
	} else if m := tsElapsed.FindStringSubmatch(l); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s, _ := strconv.Atoi(m[3])
		ns, _ := fracNanos(m[4])
		if mi < 60 && s < 60 {
			t = RelativeEpoch.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second + ns)
			c, l = Relative, l[len(m[0]):]
		}
	}
	// The tag's "]:" looked for first: the host's \S+ would otherwise
	// walk the whole of a long line without blanks (an AT line of
	// thousands of commands) in the regexp's slow engine.
	if strings.Contains(l, "]:") {
		if m := daemonTag.FindStringSubmatch(l); m != nil {
			return t, c, m[1], l[len(m[0]):]
		}
	}
	return t, c, "", l
}
