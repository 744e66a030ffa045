package fieldlog

import (
	"fmt"
	"regexp"
	"strings"
)

// oFono's AT debug output (OFONO_AT_DEBUG=1 in ofonod's environment:
// the plugins install GAtChat's debug hook only when it is set; -d adds
// oFono's own traces, not these). The hook hands each read and write to
// the plugin's callback, which logs it at info level behind the prefix
// it chose for the channel:
//
//	ofonod[4140]: Aux: > AT+CGMI\r
//	ofonod[4140]: Aux: < \r\nQuectel\r\n\r\nOK\r\n
//
// GAtIO logs every read() as it came (several lines, or part of one; a
// read stops where its 4 KiB ring buffer wraps) and GAtChat writes a
// command up to each CR it holds, a write each (AT+CMGS's line, then the
// PDU and its Ctrl-Z). The bytes are escaped by gatutil: \r \n \t, a
// three-digit octal escape for any other byte that does not print
// (ESC is \033), "<CtrlZ>" for 0x1A and — gatutil's own slip — "<ESC>"
// for 0x19, not for ESC. A backslash is not escaped: "\r" in the data
// cannot be told from a CR, and is read as one. oFono logs through
// syslog (the journal), and with -n also to stderr in syslog's own
// "ofonod[pid]: " form, often piped through moreutils' ts (`ts -s`:
// time since start). Its other debug lines (DBG's "src/modem.c:func()"
// traces) are left out; its other messages are notes.
var (
	// ofonoIO is one read or write of a channel: the plugin's prefix
	// (one word), the direction, the escaped bytes.
	ofonoIO = regexp.MustCompile(`^([A-Za-z][\w-]{0,31}): ([<>]) (.+)$`)
	// ofonoTrace is DBG's "file.c:function() " before a debug message.
	ofonoTrace = regexp.MustCompile(`^[\w.-]+(?:/[\w.-]+)*\.c:\w+\(\)`)
	// ofonoHexDump is a frame GAtHDLC or GAtMux logs as hex bytes
	// ("7e ff 03 c0 21"), not AT text.
	ofonoHexDump = regexp.MustCompile(`^[0-9a-f]{2}(?: [0-9a-f]{2}){2,}$`)
	// tsElapsed is moreutils' `ts -s` stamp: time since ts started.
	tsElapsed = regexp.MustCompile(`^(\d{1,3}):(\d\d):(\d\d)(?:\.(\d{1,9}))? `)
)

// unescapeOfono undoes gatutil's escapes. A backslash and a digit that
// are not a three-digit octal escape are none gatutil writes: an error.
func unescapeOfono(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && (s[i+1] == 'r' || s[i+1] == 'n' || s[i+1] == 't'):
			b.WriteByte(map[byte]byte{'r': '\r', 'n': '\n', 't': '\t'}[s[i+1]])
			i++
		case s[i] == '\\' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			if i+4 > len(s) || s[i+1] > '3' || !octal(s[i+2]) || !octal(s[i+3]) {
				return "", fmt.Errorf("malformed escape %q: gatutil writes a byte as three octal digits", clip(s[i:min(len(s), i+4)]))
			}
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
		case strings.HasPrefix(s[i:], "<CtrlZ>"):
			b.WriteByte(ctrlZ)
			i += len("<CtrlZ>") - 1
		case strings.HasPrefix(s[i:], "<ESC>"):
			b.WriteByte(0x19) // what gatutil labels so (a real ESC is \033)
			i += len("<ESC>") - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

func octal(c byte) bool { return c >= '0' && c <= '7' }

// readOfono reads oFono's AT debug output. Each channel is a port of its
// own, named by its prefix ("Aux", "Modem"), as a ModemManager log's
// ports are: a plugin talks to the modem over two or three channels at
// once (Aux for SIM and network, Modem for data, Voice for calls), and
// a log of several needs port: in the manifest. A channel oFono never
// wrote to (a GPS port's NMEA) is no AT port: its reads are notes.
// GAtChat has no command timeout: it waits for ever, so a log that ends
// on an unanswered command reads as one cut off.
func readOfono(file string, lines []string) (*Transcript, error) {
	written := map[string]bool{}
	for _, l := range lines {
		if _, _, d, msg := daemonLine(l); d == "" || d == "ofonod" {
			if m := ofonoIO.FindStringSubmatch(msg); m != nil && m[2] == ">" && !ofonoHexDump.MatchString(m[3]) {
				written[m[1]] = true
			}
		}
	}
	var (
		recs    []record
		streams = serialLines{}
		clock   = logClock{undated: yearlessTimes} // syslog's "Dec  2 10:00:01"
		traffic int
	)
	for i, raw := range lines {
		n := i + 1
		if strings.TrimSpace(raw) == "" {
			continue
		}
		t, c, daemon, msg := daemonLine(raw)
		t, err := clock.take(file, n, t, c)
		if err != nil {
			return nil, err
		}
		if daemon != "" && daemon != "ofonod" {
			recs = append(recs, record{line: n, dir: Tool, t: t, text: strings.TrimRight(raw, "\r")})
			continue
		}
		m := ofonoIO.FindStringSubmatch(msg)
		switch {
		case m != nil && written[m[1]] && !ofonoHexDump.MatchString(m[3]):
			data, err := unescapeOfono(m[3])
			if err != nil {
				return nil, errAt(file, n, "%s's %s: %v", m[1], map[string]string{">": "write", "<": "read"}[m[2]], err)
			}
			if traffic++; traffic > MaxEntries {
				return nil, errAt(file, n, "more than %d reads and writes", MaxEntries)
			}
			dir := Host
			if m[2] == "<" {
				dir = Modem
			}
			recs = append(recs, streams.feed(m[1], dir, data, n, t)...)
		case ofonoTrace.MatchString(msg):
			// DBG's function traces: oFono's inner workings, no traffic.
		default:
			recs = append(recs, record{line: n, dir: Tool, t: t, text: msg})
		}
	}
	if traffic == 0 {
		return nil, errAt(file, firstLine(lines), "oFono's lines, but no AT channel's traffic (\"Aux: > AT+CGMI\\r\", logged with OFONO_AT_DEBUG=1 in ofonod's environment): nothing to replay")
	}
	return streams.wire(file, clock.c, recs, false)
}

// looksLikeOfono reports one of oFono's AT debug lines: ofonod's tag and
// a channel's read or write, or (journalctl -o cat) the read or write
// alone with gatutil's escapes.
func looksLikeOfono(l string) bool {
	if !strings.Contains(l, ": > ") && !strings.Contains(l, ": < ") { // what ofonoIO needs, found cheaply
		return false
	}
	_, _, d, msg := daemonLine(l)
	m := ofonoIO.FindStringSubmatch(msg)
	if m == nil || ofonoHexDump.MatchString(m[3]) {
		return false
	}
	return d == "ofonod" || d == "" && (strings.Contains(m[3], `\r`) || strings.Contains(m[3], `\n`))
}
