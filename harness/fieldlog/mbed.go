package fieldlog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Mbed OS's cellular framework trace (MBED_CONF_CELLULAR_DEBUG_AT=true,
// mbed-trace at info level): ATHandler prints each buffer it writes to
// the modem and each it reads, the byte count padded to two columns, CR
// and LF as "<cr>" and "<ln>", any other byte that is no printable
// character in hex ("<1A>"; a byte from 0x80 on through a signed char,
// "<FFFFFFE4>"):
//
//	[INFO][CELL]: AT TX ( 8): AT+CPIN?
//	[INFO][CELL]: AT TX ( 1): <cr>
//	[INFO][CELL]: AT RX (24): <cr><ln>+CPIN: SIM PIN<cr><ln><cr><ln>OK<cr><ln>
//
// mbed-trace's tag is the level and the trace group; an application's
// prefix function may put its own time before it ("[00031254ms]"), and a
// serial tool its wall clock before the line ("[2020-06-04
// 09:16:15.846314] "). A buffer may end inside a line ("…OK<cr>", then
// "<ln>") or hold several: the bytes are cut into lines as a sniffer's
// are. "AT ERR (n): …" is the receive buffer dumped when it overflowed,
// bytes already shown as read, and the framework's other messages and
// the application's prints are notes.
var (
	// mbedTag is mbed-trace's tag and the prefix before it: the
	// application's milliseconds or none; the level as mbed-trace pads
	// it; the group.
	mbedTag = regexp.MustCompile(`^(?:\[ *(\d{1,12}) ?ms\])?\[(INFO|DBG |WARN|ERR |CMD )\]\[([^\]]{1,16})\]: ?`)
	// mbedAT is ATHandler's line of a buffer.
	mbedAT = regexp.MustCompile(`^AT (TX|RX|ERR) \( *(\d{1,6})\): (.*)$`)
	// mbedByte is a byte ATHandler writes by name or in hex.
	mbedByte = regexp.MustCompile(`<(cr|ln|(?:FFFFFF)?[0-9A-F]{2})>`)
)

// readMbed reads an Mbed OS cellular trace.
func readMbed(file string, lines []string) (*Transcript, error) {
	var recs []record
	streams := serialLines{}
	var k logClock
	seen := false
	for n, l := range textRows(lines) {
		st, sc, rest := splitStamp(l)
		tag := mbedTag.FindStringSubmatch(rest)
		if tag != nil && sc == NoTime && tag[1] != "" {
			ms, _ := strconv.ParseInt(tag[1], 10, 64)
			st, sc = RelativeEpoch.Add(time.Duration(ms)*time.Millisecond), Relative
		}
		t, err := k.take(file, n, st, sc)
		if err != nil {
			return nil, err
		}
		text := strings.TrimSpace(rest)
		if tag != nil {
			text = rest[len(tag[0]):]
		}
		m := mbedAT.FindStringSubmatch(text)
		if tag == nil || m == nil || m[1] == "ERR" {
			if tag != nil && m == nil && (strings.HasPrefix(text, "AT TX (") || strings.HasPrefix(text, "AT RX (")) {
				return nil, errAt(file, n, "an Mbed OS AT trace line cut off or malformed: want \"[INFO][CELL]: AT TX ( 8): AT+CPIN?\", found %q", clip(l))
			}
			recs = append(recs, record{line: n, dir: Tool, t: t, text: strings.TrimSpace(text)})
			continue
		}
		// The count is not held against the bytes: a log posted with
		// its numbers masked no longer fits it.
		dir := Modem
		if m[1] == "TX" {
			dir = Host
		}
		seen = true
		recs = append(recs, streams.feed("", dir, mbedBytes(m[3]), n, t)...)
	}
	if !seen {
		return nil, errAt(file, firstLine(lines), "no Mbed OS AT trace line (\"[INFO][CELL]: AT TX ( 8): AT+CPIN?\", \"AT RX (…): …\", logged with MBED_CONF_CELLULAR_DEBUG_AT) in the log")
	}
	return streams.wire(file, k.c, recs, false)
}

// mbedBytes is the bytes an ATHandler line shows, those it wrote by name
// or in hex made the bytes. A printable "<" stands for itself, so text
// that only looks like a name ("<cr>" typed in an SMS) is read as the
// byte: ATHandler's output cannot tell them apart.
func mbedBytes(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	return mbedByte.ReplaceAllStringFunc(s, func(w string) string {
		switch v := w[1 : len(w)-1]; v {
		case "cr":
			return "\r"
		case "ln":
			return "\n"
		default:
			b, _ := strconv.ParseUint(v[len(v)-2:], 16, 8)
			return string([]byte{byte(b)})
		}
	})
}

// looksLikeMbed reports an Mbed OS cellular trace's own line: mbed-trace's
// tag, then ATHandler's line of a buffer.
func looksLikeMbed(l string) bool {
	if !strings.Contains(l, "]: AT ") { // what the line needs, found cheaply
		return false
	}
	_, _, rest := splitStamp(l)
	tag := mbedTag.FindString(rest)
	return tag != "" && mbedAT.MatchString(strings.TrimRight(rest[len(tag):], "\r"))
}
