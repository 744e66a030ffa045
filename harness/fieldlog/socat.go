package fieldlog

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// socat's data dump, what `socat -v` (and -x) writes to stderr when it sits
// between a host and a modem as a sniffer (socat -v PTY,link=/tmp/ttyV0
// /dev/ttyUSB2): each transfer is a header line
//
//	> 2026/12/01 08:41:11.000044587  length=5 from=0 to=4
//
// ('>' from the first address to the second, '<' back) and then its bytes:
// with -v as text (socatEscapes, LF as a line break), the next header
// following the last byte on the same line when the data did not end with
// LF; with -x as hex on one line; with both as hex lines of up to 16 bytes
// beside their text, then "--". socat's own messages (-d) may come
// between transfers, in the same stderr (socatDiag).
var (
	socatHeader = regexp.MustCompile(`^([<>]) (\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{1,9})  length=(\d+) from=\d+ to=\d+$`)
	// socatHex is a hex dump line: bytes as " 41 54", then the text
	// column after two or more spaces (-v -x) or nothing (-x).
	socatHex = regexp.MustCompile(`^((?: [0-9a-f]{2})+)(?:\s{2,}.*)?$`)
	// socatDiag is one of socat's own messages, which -d (up to -d -d -d
	// -d) writes to the same stderr as the dump: its time (microseconds
	// with -lu), the host with -lh, the program's name (-lp) and pid, the
	// level (Debug, Info, Notice, Warning, Error, Fatal) and the text.
	// "2026/12/06 02:55:44 socat[25047] N PTY is /dev/pts/1"
	socatDiag = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d{6})? (?:\S+ )?[^\s\[\]]+\[\d+\] [DINWEF] `)
)

// maxSocatTransfer bounds one transfer's length (socat reads at most its
// buffer, 8 KiB by default; -b raises it).
const maxSocatTransfer = 1 << 20

// socatTransfer is one header and the bytes it announced, or one of
// socat's own messages (diag).
type socatTransfer struct {
	line int // the header's
	diag string
	dir  byte
	date string // "2006/01/02 15:04:05"
	frac string // the digits after the seconds' point
	data []byte
	// cuts are where in data the dump's lines after the header's next
	// one begin: an entry is numbered by the line that holds its text.
	cuts []int
}

// readSocat reads socat's -v, -x or -v -x dump. The bytes of each
// direction are put back together and cut into lines at CR and LF, as a
// ModemManager log's are. The direction whose transfers carry line feeds
// is the modem's: '<' with the usual `socat -v <host side> <modem>`, '>'
// when the addresses were given the other way round.
func readSocat(file string, data []byte) (*Transcript, error) {
	ts, err := socatTransfers(file, string(data))
	if err != nil {
		return nil, err
	}
	modemDir := byte('<')
	lf := map[byte]int{}
	for _, x := range ts {
		if strings.ContainsRune(string(x.data), '\n') {
			lf[x.dir]++
		}
	}
	if lf['>'] > lf['<'] {
		modemDir = '>'
	}
	// socat 1.7.4 prints the microseconds of the time in a nine-digit
	// field ("11.000044587" for 11.044587 s): when every stamp has nine
	// digits and none reaches a millisecond's worth of nanoseconds, they
	// are microseconds.
	micro := len(ts) > 0
	for _, x := range ts {
		if x.diag == "" && (len(x.frac) != 9 || !strings.HasPrefix(x.frac, "000")) {
			micro = false
			break
		}
	}
	var recs []record
	streams := serialLines{}
	var last time.Time
	lastLine := 0
	for _, x := range ts {
		if x.diag != "" {
			// socat's own message: a note, its time the second's
			// (microseconds with -lu), which would not keep order with
			// the headers'.
			recs = append(recs, record{line: x.line, dir: Tool, text: x.diag})
			continue
		}
		t, err := socatTime(x.date, x.frac, micro)
		if err != nil {
			return nil, errAt(file, x.line, "socat header time %s.%s: %v", x.date, x.frac, err)
		}
		// Checked here, where the times are the headers': an entry's
		// line is its text's.
		if lastLine > 0 && t.Before(last) {
			return nil, errAt(file, x.line, "time %s is before the %s of line %d: timestamps out of order", stamp(Absolute, t), stamp(Absolute, last), lastLine)
		}
		last, lastLine = t, x.line
		dir := Host
		if x.dir == modemDir {
			dir = Modem
		}
		from, line := 0, x.line+1
		for _, to := range append(x.cuts[:len(x.cuts):len(x.cuts)], len(x.data)) {
			recs = append(recs, streams.feed("", dir, string(x.data[from:to]), line, t)...)
			from, line = to, line+1
		}
	}
	return streams.wire(file, Absolute, recs, false)
}

// socatTransfers splits a dump into its transfers, decoding each one's
// bytes to exactly the length its header announced.
func socatTransfers(file, text string) ([]socatTransfer, error) {
	var out []socatTransfer
	line := 1
	for text != "" {
		// Between transfers: line breaks, and -v -x's "--".
		if text[0] == '\n' || text[0] == '\r' {
			if text[0] == '\n' {
				line++
			}
			text = text[1:]
			continue
		}
		hdr, rest, _ := strings.Cut(text, "\n")
		hdr = strings.TrimSuffix(hdr, "\r")
		if hdr == "--" {
			text, line = rest, line+1
			continue
		}
		if socatDiag.MatchString(hdr) {
			out = append(out, socatTransfer{line: line, diag: hdr})
			text, line = rest, line+1
			continue
		}
		m := socatHeader.FindStringSubmatch(hdr)
		if m == nil {
			if err := overrun(file, out, hdr); err != nil {
				return nil, err
			}
			return nil, errAt(file, line, "expected a socat transfer header (\"> 2026/12/01 08:41:11.044587  length=5 from=0 to=4\"), found %q", clip(hdr))
		}
		n, err := strconv.Atoi(m[9])
		if err != nil || n > maxSocatTransfer {
			return nil, errAt(file, line, "socat transfer of length %s: more than %d bytes", m[9], maxSocatTransfer)
		}
		x := socatTransfer{line: line, dir: m[1][0], date: m[2] + "/" + m[3] + "/" + m[4] + " " + m[5] + ":" + m[6] + ":" + m[7], frac: m[8]}
		text, line = rest, line+1
		if rest == "" && n > 0 {
			return nil, errAt(file, x.line, "the log ends after a header announcing %d bytes", n)
		}
		first, _, _ := strings.Cut(text, "\n")
		if hx := socatHex.FindStringSubmatch(strings.TrimSuffix(first, "\r")); hx != nil && len(hx[1])/3 <= n {
			x.data, x.cuts, text, line, err = socatHexBytes(file, text, line, n)
		} else {
			x.data, x.cuts, text, line, err = socatTextBytes(file, text, line, n, x.line)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		if len(out) > MaxEntries {
			return nil, errAt(file, line, "more than %d transfers", MaxEntries)
		}
	}
	if !slices.ContainsFunc(out, func(x socatTransfer) bool { return x.diag == "" }) {
		return nil, errAt(file, 0, "no socat transfer in the log")
	}
	return out, nil
}

// overrun names the transfer before a line that is a header without its
// first characters: that transfer's length counted them as its bytes (a
// length edited by hand, a dump cut and pasted), and the error belongs
// to its header, not to the line after it.
func overrun(file string, out []socatTransfer, hdr string) error {
	if len(out) == 0 {
		return nil
	}
	prev := out[len(out)-1]
	tail := prev.data[bytes.LastIndexByte(prev.data, '\n')+1:]
	if len(tail) == 0 || len(tail) > 2 || !socatHeader.MatchString(string(tail)+hdr) {
		return nil
	}
	return errAt(file, prev.line, "this transfer's length=%d counts %d byte(s) of the next header (%q): it holds %d", len(prev.data), len(tail), tail, len(prev.data)-len(tail))
}

// socatEscapes are the bytes socat -v writes as a backslash and a letter
// (socat 1.7.4: printf '\x07\x08\x0b\x0c\r\\' | socat -v - /dev/null),
// by the letter. TAB and LF stand for themselves; every other byte below
// 0x20, and every byte from 0x7F on, is '.'.
var socatEscapes = [256]byte{'a': '\a', 'b': '\b', 'v': '\v', 'f': '\f', 'r': '\r', '\\': '\\'}

// socatTextBytes decodes n bytes of -v text: socatEscapes, a line break
// is LF, anything else stands for itself ('.' may have been any other
// control byte, or one from 0x7F on: socat does not say which).
// hdr is the header's line, which errors name. cuts are where in the
// bytes each line after the first begins.
func socatTextBytes(file, text string, line, n, hdr int) (b []byte, cuts []int, _ string, _ int, _ error) {
	b = make([]byte, 0, n)
	for len(b) < n {
		if text == "" {
			return nil, nil, "", line, errAt(file, hdr, "the log ends %d bytes into a transfer of %d", len(b), n)
		}
		c := text[0]
		switch {
		case c == '\\' && len(text) > 1 && socatEscapes[text[1]] != 0:
			b, text = append(b, socatEscapes[text[1]]), text[2:]
		case c == '\n':
			b, text, line = append(b, '\n'), text[1:], line+1
			cuts = append(cuts, len(b))
		default:
			b, text = append(b, c), text[1:]
		}
	}
	return b, cuts, text, line, nil
}

// socatHexBytes decodes n bytes of -x hex lines; cuts are where in them
// each line after the first begins.
func socatHexBytes(file, text string, line, n int) (b []byte, cuts []int, _ string, _ int, _ error) {
	b = make([]byte, 0, n)
	for len(b) < n {
		l, rest, _ := strings.Cut(text, "\n")
		hx := socatHex.FindStringSubmatch(strings.TrimSuffix(l, "\r"))
		if hx == nil {
			return nil, nil, "", line, errAt(file, line, "a socat hex dump line with %d of %d bytes still to come, found %q", n-len(b), n, clip(l))
		}
		if len(b) > 0 {
			cuts = append(cuts, len(b))
		}
		for _, f := range strings.Fields(hx[1]) {
			v, err := strconv.ParseUint(f, 16, 8)
			if err != nil {
				return nil, nil, "", line, errAt(file, line, "socat hex byte %q: %v", f, err)
			}
			b = append(b, byte(v))
		}
		if len(b) > n {
			return nil, nil, "", line, errAt(file, line, "socat hex dump of %d bytes for a transfer of %d", len(b), n)
		}
		text, line = rest, line+1
	}
	return b, cuts, text, line, nil
}

// socatTime reads a header's local time (socat writes no zone; it is taken
// as UTC, which only shifts the whole log).
func socatTime(date, frac string, micro bool) (time.Time, error) {
	t, err := time.Parse("2006/01/02 15:04:05", date)
	if err != nil {
		return time.Time{}, err
	}
	if micro {
		frac = frac[3:] // "000044587": the six digits of microseconds
	}
	ns, err := fracNanos(frac)
	return t.Add(ns), err
}
