package atclient

import (
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// denoise handles a noisy line (fieldlog.Noisy) for readLine: it traces it escaped (the
// transcript stays text that grep reads, the bytes' values kept), and
// returns what is left without the noise when that is a final result, a
// URC the client knows, a "+NAME:" line (a glitch before "RDY" or
// "OK") or the pending command's echo (the first line after power-up);
// any other line with noise is not taken as an answer (a command's
// identity, ATI, must not hold it) and false is returned.
func (c *Client) denoise(raw string) (string, bool) {
	c.tracef("<", fieldlog.Escape(raw))
	n := 0
	clean := strings.TrimSpace(strings.Map(func(r rune) rune {
		if fieldlog.NoiseRune(r) {
			n++
			return -1
		}
		return r
	}, raw))
	if clean != "" && (at.Classify(clean).Kind.IsFinal() || strings.HasPrefix(clean, "+") || c.urcLines[clean] || c.echoes(clean)) {
		c.tracef("#", fmt.Sprintf("%d noise byte(s) in the line taken as %q", n, clean))
		return clean, true
	}
	c.tracef("#", fmt.Sprintf("a line with %d noise byte(s) (line noise? a UART at power-up, a wrong speed?), not taken as an answer", n))
	c.mu.Lock()
	if p := c.pending; p != nil {
		p.noise++ // its timeout says so (Timeout.Noise)
	}
	c.mu.Unlock()
	return "", false
}

// echoes says whether s is the pending command's echo, or a piece of it
// still to come.
func (c *Client) echoes(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pending != nil && c.pending.echoOK && c.pending.echoes(s)
}
