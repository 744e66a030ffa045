package atclient

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// noisy says whether a line holds bytes no modem answer has: a control
// character other than TAB (NUL, XOFF, DEL) or a byte that is not UTF-8
// (0xFF). A UART glitching at power-up, or a cable picking up noise,
// sends them; an operator's name in UTF-8 is text.
func noisy(line string) bool {
	ascii := true
	for i := 0; i < len(line); i++ {
		switch b := line[i]; {
		case b < 0x20 && b != '\t' || b == 0x7f:
			return true
		case b >= 0x80:
			ascii = false
		}
	}
	return !ascii && !utf8.ValidString(line)
}

// denoise handles a noisy line for readLine: it traces it escaped (the
// transcript stays text that grep reads, the bytes' values kept), and
// returns what is left without the noise when that is a final result, a
// URC the client knows or a "+NAME:" line (a glitch before "RDY" or
// "OK"); any other line with noise is not taken as an answer (a command's
// identity, ATI, must not hold it) and false is returned.
func (c *Client) denoise(raw string) (string, bool) {
	c.tracef("<", fieldlog.Escape(raw))
	n := 0
	clean := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r < 0x20 && r != '\t' || r == 0x7f {
			n++
			return -1
		}
		return r
	}, raw))
	if clean != "" && (at.Classify(clean).Kind.IsFinal() || strings.HasPrefix(clean, "+") || c.urcLines[clean]) {
		c.tracef("#", fmt.Sprintf("%d noise byte(s) in the line taken as %q", n, clean))
		return clean, true
	}
	c.tracef("#", fmt.Sprintf("a line with %d noise byte(s) (line noise? a UART at power-up, a wrong speed?), not taken as an answer", n))
	return "", false
}
