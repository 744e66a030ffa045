package fieldlog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The Embedded Wireless Framework's (Azure RTOS / Eclipse ThreadX)
// adapter trace: each buffer its interface writes to the modem and each
// it reads, in the direction's word, the byte count padded to four
// columns and the bytes with C's escapes (\r, \n, \", \\, \xNN):
//
//	[SEND][   9][AT+CPIN?\r]
//	[RECV][  22][\r\n+CPIN: READY\r\n\r\nOK\r\n]
//
// A buffer may hold part of a line or several (a command sent in three
// writes, an echo and its result in one read): the bytes are cut into
// lines as a sniffer's are. The application's own prints between them
// are notes.
var ewfLine = regexp.MustCompile(`^\[(SEND|RECV)\]\[ *\d+\]\[(.*)\]$`)

// readEWF reads an EWF adapter trace.
func readEWF(file string, lines []string) (*Transcript, error) {
	var recs []record
	streams := serialLines{}
	seen := false
	for n, l := range textRows(lines) {
		m := ewfLine.FindStringSubmatch(l)
		if m == nil {
			if strings.HasPrefix(l, "[SEND][") || strings.HasPrefix(l, "[RECV][") {
				return nil, errAt(file, n, "an EWF trace line cut off or malformed: want \"[SEND][   3][AT\\r]\", found %q", clip(l))
			}
			recs = append(recs, record{line: n, dir: Tool, text: strings.TrimSpace(l)})
			continue
		}
		data, ok := cUnescape(m[2])
		if !ok {
			return nil, errAt(file, n, "an EWF trace line whose bytes are no C string (a stray \\ or a cut \\x escape): %q", clip(l))
		}
		// The count is not held against the text: a log posted with
		// its addresses masked ("100.XXX.YYY.10") no longer fits it.
		dir := Modem
		if m[1] == "SEND" {
			dir = Host
		}
		seen = true
		recs = append(recs, streams.feed("", dir, data, n, time.Time{})...)
	}
	if !seen {
		return nil, errAt(file, firstLine(lines), "no EWF trace line (\"[SEND][   3][AT\\r]\", \"[RECV][…][…]\") in the log")
	}
	return streams.wire(file, NoTime, recs, false)
}

// cUnescape reads the escapes C writes for the bytes of a string:
// \r, \n, \t, \0, \", \', \\ and \xNN (one or two hex digits).
func cUnescape(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return "", false
		}
		i++
		switch c := s[i]; c {
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		case '"', '\'', '\\':
			b.WriteByte(c)
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && isHexDigit(s[j]) {
				j++
			}
			if j == i+1 {
				return "", false
			}
			v, _ := strconv.ParseUint(s[i+1:j], 16, 8)
			b.WriteByte(byte(v))
			i = j - 1
		default:
			return "", false
		}
	}
	return b.String(), true
}

// looksLikeEWF reports an EWF trace's own line.
func looksLikeEWF(l string) bool {
	return ewfLine.MatchString(strings.TrimRight(l, "\r"))
}
