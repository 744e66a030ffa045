package fieldlog

import (
	"regexp"
	"strings"
	"time"
)

// A LuatOS trace (Air720, Air724, Air780 and the other modules running
// Luat's firmware, as LuatTools shows and saves it): the Lua ril module
// logs each command it writes to the modem as "[I]-[ril.sendat] AT+CSQ"
// and each line it reads as "[I]-[ril.proatc] +CSQ: 31,0", behind the
// tool's stamp or none:
//
//	[2020-06-24 23:19:17.161] [I]-[ril.sendat] AT+CSQ
//	[2020-06-24 23:19:17.168] [I]-[ril.proatc] +CSQ: 31,0
//	[2020-06-24 23:19:17.176] [I]-[ril.proatc] OK
//
// The ril's "[ril.defurc]" repeats a URC it read as it hands it to the
// script: left out, the URC is its proatc line. The script's other
// modules' lines ("[I]-[SIM.subscribe] …") and untagged lines (the
// firmware's own prints, another port's echo) are notes: the ril's
// channel is the conversation.
var luatLine = regexp.MustCompile(`^\[([VDIWEF])\]-\[([\w.]{1,64})\] ?(.*)$`)

// luatRIL reads the ril's tag and text off a line without its stamp.
func luatRIL(rest string) (tag, text string, ok bool) {
	m := luatLine.FindStringSubmatch(strings.TrimRight(rest, "\r"))
	if m == nil {
		return "", "", false
	}
	return m[2], m[3], true
}

// looksLikeLuat reports a ril line of a LuatOS trace: a command it sent
// or a line it read.
func looksLikeLuat(l string) bool {
	if !strings.Contains(l, "ril.") { // its tags, found cheaply
		return false
	}
	_, _, rest := splitStamp(l)
	tag, _, ok := luatRIL(rest)
	return ok && (tag == "ril.sendat" || tag == "ril.proatc")
}

// readLuat reads the ril's AT conversation out of a LuatOS trace.
func readLuat(file string, lines []string, cut bool) (*Transcript, error) {
	var (
		recs    []record
		clock   logClock
		last    time.Time
		traffic int
	)
	for i, l := range lines {
		n := i + 1
		if strings.TrimSpace(l) == "" {
			continue
		}
		t, c, rest, err := clock.stamp(file, n, l)
		if err != nil {
			return nil, err
		}
		if c == NoTime {
			t = last // an unstamped line takes the time before it
		}
		last = t
		tag, text, ok := luatRIL(rest)
		switch {
		case ok && tag == "ril.sendat":
			recs = append(recs, record{line: n, dir: Host, t: t, text: text})
			traffic++
		case ok && tag == "ril.proatc":
			if strings.TrimSpace(text) != "" {
				recs = append(recs, record{line: n, dir: Modem, t: t, text: text})
			}
			traffic++
		case ok && tag == "ril.defurc":
			// The URC again, as the ril dispatches it.
		default:
			recs = append(recs, record{line: n, dir: Tool, t: t, text: strings.TrimRight(rest, "\r")})
		}
		if traffic > MaxEntries {
			return nil, errAt(file, n, "more than %d ril lines", MaxEntries)
		}
	}
	if traffic == 0 {
		return nil, errAt(file, firstLine(lines), "LuatOS lines, but none of the ril's AT traffic (\"[I]-[ril.sendat] AT+CSQ\", \"[I]-[ril.proatc] OK\"): nothing to replay")
	}
	return finish(file, clock.c, recs, cut)
}
