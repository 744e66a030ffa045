package fieldlog

import (
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"time"
)

// jpnevulator's dump of the serial lines it reads (jpnevulator --read
// --tty /dev/ttyUSB2 --pty --pass, the host program on the pty it makes;
// or one --tty per wire of a Y cable): a header naming where the bytes
// came from — with --timing-print the local time first —
//
//	2026-12-01 11:03:50.402369: /dev/pts/1
//
// then the bytes as hex, 16 a line (--width), each line optionally led by
// the count of bytes before it from that source (--byte-count) and
// followed by a tab and the bytes as text (--ascii; '.' for the others).
// Which source is the host is told by what it sent: a host's lines are
// all AT commands, a modem's are not; host and modem make one
// conversation, and several modems' wires sniffed without a host's are
// each their own port.
var (
	jpnHeaderTimed = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,9}): (\S.*)$`)
	// jpnHex is a line of bytes: optional byte count, the bytes, padding,
	// optional tab and text.
	jpnHex = regexp.MustCompile(`^(?:[0-9A-F]{8}\t)?((?:[0-9A-F]{2} )*[0-9A-F]{2}) *(?:\t.*)?$`)
	// jpnUntimedHeader is a device's name as jpnevulator prints it
	// without --timing-print (Detect's clue; an alias is any other name).
	jpnUntimedHeader = regexp.MustCompile(`^/dev/\S+$`)
)

// jpnChunk is one header's bytes.
type jpnChunk struct {
	line int // the header's
	t    time.Time
	src  string
	rows []jpnRow
	size int
}

// jpnRow is one line of a chunk's bytes.
type jpnRow struct {
	line int
	data []byte
}

// readJpnevulator reads a jpnevulator dump.
func readJpnevulator(file string, lines []string) (*Transcript, error) {
	var chunks []jpnChunk
	timed := false
	for n, l := range textRows(lines) {
		if m := jpnHeaderTimed.FindStringSubmatch(l); m != nil {
			t, _, ok := parseStamp(m[1])
			if !ok {
				return nil, errAt(file, n, "jpnevulator time %q", m[1])
			}
			if len(chunks) > 0 && !timed {
				return nil, errAt(file, n, "a timed header in a dump whose headers have no time")
			}
			timed = true
			chunks = append(chunks, jpnChunk{line: n, t: t, src: m[2]})
			continue
		}
		if m := jpnHex.FindStringSubmatch(l); m != nil {
			if len(chunks) == 0 {
				return nil, errAt(file, n, "expected a jpnevulator header (\"2026-12-01 11:03:50.402369: /dev/ttyUSB2\") before the first bytes, found %q", clip(l))
			}
			b, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
			if err != nil {
				return nil, errAt(file, n, "jpnevulator bytes: %v", err)
			}
			c := &chunks[len(chunks)-1]
			if c.size += len(b); c.size > MaxLine*4 {
				return nil, errAt(file, n, "more than %d bytes under one header", MaxLine*4)
			}
			c.rows = append(c.rows, jpnRow{n, b})
			continue
		}
		if timed || strings.ContainsAny(l, "\t") {
			return nil, errAt(file, n, "expected a jpnevulator header (\"2026-12-01 11:03:50.402369: /dev/ttyUSB2\") or a line of hex bytes, found %q", clip(l))
		}
		// Without --timing-print a header is the source's name alone.
		chunks = append(chunks, jpnChunk{line: n, src: strings.TrimSpace(l)})
		if len(chunks) > MaxEntries {
			return nil, errAt(file, n, "more than %d headers", MaxEntries)
		}
	}
	if len(chunks) == 0 {
		return nil, errAt(file, 0, "no jpnevulator header in the log")
	}
	hosts := jpnHosts(chunks)
	var modems []string
	for _, c := range chunks {
		if !hosts[c.src] && !slices.Contains(modems, c.src) {
			modems = append(modems, c.src)
		}
	}
	var recs []record
	streams := serialLines{}
	for _, c := range chunks {
		dir, port := Modem, ""
		if hosts[c.src] {
			dir = Host
		}
		if len(hosts) == 0 && len(modems) > 1 {
			port = c.src // several modems' wires, no host's: each its own port
		}
		for _, r := range c.rows {
			// A line is placed on the row its first byte is on.
			recs = append(recs, streams.feed(port, dir, string(r.data), r.line, c.t)...)
		}
	}
	if len(hosts) == 0 {
		// Only the modem's wire was sniffed: its echo is all the log
		// shows of the commands.
		recs = append(recs, streams.rest()...)
		for i := range recs {
			recs[i].echoOnly = true
		}
	}
	clock := NoTime
	if timed {
		clock = Absolute
	}
	return streams.wire(file, clock, recs, false)
}

// jpnHosts names the sources that are a host: every line it sent is an AT
// command, or text typed after a prompt and ended by Ctrl-Z or ESC (an
// SMS PDU). (A host that sent text of several lines after a prompt — a
// text-mode SMS body — is taken for a modem; nothing in a dump tells them
// apart better.)
func jpnHosts(chunks []jpnChunk) map[string]bool {
	sent := map[string][]byte{}
	for _, c := range chunks {
		for _, r := range c.rows {
			sent[c.src] = append(sent[c.src], r.data...)
		}
	}
	hosts := map[string]bool{}
	for src, data := range sent {
		if some, all := commandLines(data); some && all {
			hosts[src] = true
		}
	}
	return hosts
}

// looksLikeJpnevulator reports a dump: headers (timed, or a device's
// path) each followed by a line of hex bytes, twice or more.
func looksLikeJpnevulator(lines []string) bool {
	pairs := 0
	for i := 0; i+1 < len(lines) && i < sniffLines; i++ {
		l := strings.TrimRight(lines[i], "\r")
		if (jpnHeaderTimed.MatchString(l) || jpnUntimedHeader.MatchString(l)) && jpnHex.MatchString(strings.TrimRight(lines[i+1], "\r")) {
			pairs++
		}
	}
	return pairs >= 2
}
