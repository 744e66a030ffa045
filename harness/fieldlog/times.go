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
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05,999999999",
	"2006/01/02 15:04:05.999999999",
	"15:04:05.999999999",
	"15:04:05,999999999",
}

var (
	// leadingStamp matches a timestamp at the start of a line, bracketed
	// or not, and what follows.
	leadingStamp = regexp.MustCompile(`^\[?(\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?|\d\d:\d\d:\d\d(?:[.,]\d+)?|\d+\.\d+)\]?\s*(.*)$`)
)

// parseStamp reads one leading timestamp: a wall-clock time (a time of day
// has year 0) or, for "12.345", seconds since the tool started.
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
		return RelativeEpoch.Add(time.Duration(n)*time.Second + ns), Relative, true
	}
	s = strings.Replace(s, ",", ".", 1)
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
