package fieldlog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stampLayouts are the wall-clock forms a transcript's lines may start
// with, longest first.
var stampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	// The zone without its colon, as strftime's %z prints it ("+0200"),
	// which leadingStamp takes too: without these the line kept no time.
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05,999999999",
	"2006/01/02 15:04:05.999999999",
	"15:04:05.999999999",
	"15:04:05,999999999",
	// Tera Term's "[Mon Mar 02 10:00:01.120 2026]".
	"Mon Jan 2 15:04:05.999999999 2006",
}

var (
	// leadingStamp matches a timestamp at the start of a line, bracketed
	// or not. It ends at a bracket, a blank, a colon (ubxlib's and
	// socat's "2024/01/01 00:13:32.020: ") or the line's end: a number
	// run into text ("03.15,A00.01", u-blox's ATI9 answer) is the text.
	// Blanks may pad it inside its bracket, as dmesg's "[   41.203311]".
	// A "|" ends it too: a log whose fields it separates (nrf-softsim's
	// "13.994|main|CIOT|I|TX: …", pipeLogger).
	leadingStamp = regexp.MustCompile(`^(?:\[ *)?(\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?|\d\d:\d\d:\d\d(?:[.,]\d+)?|\d+\.\d+|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:[.,]\d+)? \d{4})(?:[\]\s:|]|$)`)
	// stampEnd is what a stamp's text starts after: its bracket or "|",
	// a colon and a blank, blanks; in grabserial's "[12.345678 0.001234] "
	// (-t: the time since it started, then since the line before, its
	// "[%4.6f %2.6f] "), the delta before the bracket.
	stampEnd = regexp.MustCompile(`^(?:[ \t]+\d+\.\d+\])?[\]|]?(?::(?:\s|$))?\s*`)
)

// parseStamp reads one leading timestamp: a wall-clock time (a time of day
// has year 0) or, for "12.345", seconds since the tool started. A date in
// year 0000 is a device's clock never set (a module's RTC after power-on,
// "0000/01/01 00:13:31.860"): no date known, read as the time of day
// alone, which year 0 already means.
func parseStamp(s string) (time.Time, Clock, bool) {
	if strings.Count(s, ":") == 0 {
		secs, frac, ok := strings.Cut(s, ".")
		n, err := strconv.ParseInt(secs, 10, 64)
		if !ok || err != nil || n > 1<<32 {
			return time.Time{}, NoTime, false
		}
		ns, err := fracNanos(frac)
		if err != nil {
			return time.Time{}, NoTime, false
		}
		return secondsTime(n, ns, Relative), Relative, true
	}
	s = strings.Replace(s, ",", ".", 1)
	s = strings.Replace(s, "  ", " ", 1) // a day of the month padded with a space
	for _, l := range stampLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, Absolute, true
		}
	}
	if len(s) > 16 && s[10] == ' ' {
		if t, err := time.Parse(time.RFC3339Nano, s[:10]+"T"+s[11:]); err == nil {
			return t, Absolute, true
		}
	}
	return time.Time{}, NoTime, false
}

// fracNanos reads the digits after a seconds' point (".5", ".000044587")
// as a duration; digits past nanoseconds are dropped.
func fracNanos(frac string) (time.Duration, error) {
	if len(frac) > 9 {
		frac = frac[:9]
	}
	ns, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	return time.Duration(ns), err
}

// timeKind is a kind of time a log's stamps give. Times of one kind are
// on one clock; of two kinds they are not, and a log that mixes them is
// refused (mixedTimes): a date set against year 0, which a time without a
// year has, is two thousand years, more than a time.Duration holds.
type timeKind struct{ one, many string }

var (
	relativeTimes = timeKind{"relative time", "relative times"} // since the tool started
	datedTimes    = timeKind{"dated time", "dated times"}
	// What a reader's wall-clock times without a year are: a
	// transcript's "[10:00:01.100]", syslog's "Mar  2 10:00:01"; the
	// latter's dates are placed in years from 0 on (yearless).
	timesOfDay    = timeKind{"time of day", "times of day"}
	yearlessTimes = timeKind{"time without a year", "times without a year"}
)

// kindOf is the kind of t, a time of clock c (not NoTime); undated is
// what the reader's wall-clock times without a year are.
func kindOf(t time.Time, c Clock, undated timeKind) timeKind {
	switch {
	case t.Year() < 1000: // year 0, or a yearless date placed after it
		return undated
	case c == Relative: // RelativeEpoch on
		return relativeTimes
	}
	return datedTimes
}

// mixedTimes is the error for line n, whose time is of kind got, in a log
// whose times, from line from on, are of kind want.
func mixedTimes(file string, n int, got, want timeKind, from int) error {
	return errAt(file, n, "a %s among %s (from line %d): a log's times go on one clock, so they are of one kind; stamp its lines alike", got.one, want.many, from)
}

// yearless places the dates of a log whose stamps have no year (syslog's
// and the journal's "Dec 31 23:59:59"): the first in year 0, each next in
// the year nearest the date before it. "Jan  1 00:00:00" after "Dec 31
// 23:59:59" is then the year rolling over, a second later, while "Dec 31"
// after "Jan  1" stays a step back, which the order check refuses.
type yearless struct {
	last time.Time
	seen bool
}

func (y *yearless) place(t time.Time) time.Time {
	if !y.seen {
		y.last, y.seen = t, true
		return t
	}
	in := func(d int) time.Time { return t.AddDate(y.last.Year()-t.Year()+d, 0, 0) }
	best := in(0)
	for _, d := range []int{-1, 1} {
		if c := in(d); c.Sub(y.last).Abs() < best.Sub(y.last).Abs() {
			best = c
		}
	}
	if best.IsZero() {
		// Midnight of year 1 is Go's zero time, which means "no time"
		// to the transcript: a nanosecond later, below any log's
		// precision.
		best = best.Add(time.Nanosecond)
	}
	y.last = best
	return best
}
