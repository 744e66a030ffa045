package fieldlog

import (
	"bytes"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// SSCOM (串口调试助手, the serial assistant most Chinese module makers'
// notes use) with "show time" on: each read or write of the port after
// its time of day and a marker, 发→◇ sent by the host, 收←◆ received from
// the modem:
//
//	[14:34:12.900]发→◇AT+CPIN?
//	□
//	[14:34:12.904]收←◆AT+CPIN?
//
//	+CPIN: READY
//
//	OK
//
// The data runs from the marker over the lines up to the next stamp; the
// line break before a stamp is SSCOM's own (it starts every stamp on a
// line of its own), every other one is the data's CR or LF. A read may
// end inside a line of the modem's, which the next stamp's read goes on
// with. The CR LF SSCOM appends to what it sends shows as "□", on a line
// of its own or ending the sent line. In the HEX display the data are
// two-digit bytes ("收←◆0D 0A 4F 4B 0D 0A"), sent and received each shown
// so or not on its own. Saved on a Chinese Windows the log is GBK, which
// LogText makes UTF-8 (gbkText).
const (
	sscomSent     = "发→◇"
	sscomReceived = "收←◆"
	sscomCRLF     = "□"
)

var (
	// sscomLine is a stamped line; the stamp is checked apart, so that
	// one SSCOM did not write is named as such.
	sscomLine = regexp.MustCompile(`^\[([^\]]{1,20})\](` + sscomSent + `|` + sscomReceived + `)(.*)$`)
	// sscomStart is how a stamped line starts, to tell one cut off in
	// its marker from the data.
	sscomStart = regexp.MustCompile(`^\[\d{1,2}:\d\d:\d\d`)
	sscomStamp = regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3}$`)
	// sscomComment is a note a user wrote after a command in the paste
	// ("AT+CPIN?  //查询SIM卡"): "//" after a space, outside quotes.
	// SSCOM writes none, and a modem takes no "//" after a command's
	// spaces, while data (a URL sent after CONNECT) has its "//" after ":".
	sscomComment = regexp.MustCompile(`^((?:[^"]|"[^"]*")*?)[ \t]+(//.*)$`)
)

// gbkMarkers are SSCOM's markers as a Chinese Windows saves them (GBK).
var gbkMarkers = func() [][]byte {
	enc := simplifiedchinese.GBK.NewEncoder()
	var out [][]byte
	for _, m := range []string{sscomSent, sscomReceived} {
		b, err := enc.Bytes([]byte(m))
		if err != nil {
			panic("fieldlog: SSCOM marker " + m + " has no GBK bytes: " + err.Error())
		}
		out = append(out, b)
	}
	return out
}()

// gbkText is an SSCOM log saved in GBK made UTF-8: told by the markers'
// GBK bytes, which are no UTF-8. Other text is left to the line checks.
// GBK keeps ASCII as it is and its second bytes are never a line end, so
// the lines are numbered as in the file.
func gbkText(data []byte) []byte {
	if !bytes.Contains(data, gbkMarkers[0]) && !bytes.Contains(data, gbkMarkers[1]) {
		return data
	}
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(data)
	if err != nil {
		return data
	}
	return out
}

// ssChunk is one stamped read or write and the lines it goes on over.
type ssChunk struct {
	line int
	t    time.Time
	dir  Dir
	rows []ssRow
}

type ssRow struct {
	line int
	text string
}

// readSSCOM reads an SSCOM log with its time stamps.
func readSSCOM(file string, lines []string) (*Transcript, error) {
	var chunks []ssChunk
	var notes []record
	var clock logClock
	shown := map[Dir][]string{} // each direction's rows, to tell its display
	for i, l := range lines {
		n := i + 1
		if m := sscomLine.FindStringSubmatch(l); m != nil {
			if !sscomStamp.MatchString(m[1]) {
				return nil, errAt(file, n, "SSCOM time %q: want the time of day as [14:34:12.900]", m[1])
			}
			t, _, ok := parseStamp(m[1])
			if !ok {
				return nil, errAt(file, n, "SSCOM time %q is no time of day", m[1])
			}
			c := ssChunk{line: n, t: clock.onward(t), dir: Modem}
			text := m[3]
			if m[2] == sscomSent {
				c.dir = Host
				// Take the user's note off before the data is read
				// (as hex, perhaps).
				if cm := sscomComment.FindStringSubmatch(text); cm != nil {
					text = cm[1]
					notes = append(notes, record{line: n, dir: Tool, t: c.t, text: strings.TrimSpace(cm[2])})
				}
			}
			c.rows = []ssRow{{n, text}}
			chunks = append(chunks, c)
			shown[c.dir] = append(shown[c.dir], text)
			if len(chunks) > MaxEntries {
				return nil, errAt(file, n, "more than %d stamped lines", MaxEntries)
			}
			continue
		}
		if sscomStart.MatchString(l) {
			return nil, errAt(file, n, "an SSCOM line cut off or malformed: want \"[14:34:12.900]%sdata\" or \"[14:34:12.904]%sdata\", found %q", sscomSent, sscomReceived, clip(l))
		}
		if t := strings.TrimSpace(l); strings.HasPrefix(t, sscomSent) || strings.HasPrefix(t, sscomReceived) {
			return nil, errAt(file, n, "an SSCOM marker without its time: log with \"show time\" on (%q)", clip(l))
		}
		if len(chunks) == 0 {
			if strings.TrimSpace(l) == "" {
				continue
			}
			return nil, errAt(file, n, "expected an SSCOM line (\"[14:34:12.900]%sAT\"), found %q", sscomSent, clip(l))
		}
		c := &chunks[len(chunks)-1]
		c.rows = append(c.rows, ssRow{n, l})
		shown[c.dir] = append(shown[c.dir], l)
	}
	if len(chunks) == 0 {
		return nil, errAt(file, firstLine(lines), "no SSCOM line (\"[14:34:12.900]%sAT\") in the log", sscomSent)
	}
	hexed := map[Dir]bool{Host: hexDisplay(shown[Host]), Modem: hexDisplay(shown[Modem])}
	var recs []record
	streams := serialLines{}
	for _, c := range chunks {
		for k, r := range c.rows {
			if hexed[c.dir] {
				b, err := spacedHex(r.text)
				if err != nil {
					return nil, errAt(file, r.line, "SSCOM HEX data: %v", err)
				}
				recs = append(recs, streams.feed("", c.dir, string(b), r.line, c.t)...)
				continue
			}
			text := r.text
			if c.dir == Host {
				text = strings.ReplaceAll(text, sscomCRLF, "\r\n")
			}
			if k < len(c.rows)-1 {
				text += "\n" // the break before the next stamp is SSCOM's
			}
			recs = append(recs, streams.feed("", c.dir, text, r.line, c.t)...)
		}
	}
	return streams.wire(file, Absolute, append(recs, notes...), false)
}

// looksLikeSSCOM reports a line SSCOM stamped: its markers are its own.
func looksLikeSSCOM(l string) bool {
	return strings.HasPrefix(l, "[") && (strings.Contains(l, "]"+sscomSent) || strings.Contains(l, "]"+sscomReceived))
}
