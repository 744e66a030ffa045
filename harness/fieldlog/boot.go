package fieldlog

import (
	"slices"
	"strings"
	"sync"

	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
)

// bareBootURCs are the boot and power URCs with no "+NAME:" (at.BootURCs).
var bareBootURCs = at.BootURCs[:]

// modemURCs are the boot and REFRESH URCs the built-in personalities
// send (fixtures/personalities, boot_urcs and refresh_urcs) and
// bareBootURCs, read once. The personalities are data any side may read;
// the emulator is not involved.
var modemURCs = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, u := range bareBootURCs {
		out[u] = true
	}
	for _, p := range personality.Builtin() {
		for _, u := range slices.Concat(p.BootURCs, p.RefreshURCs) {
			out[u] = true
		}
	}
	return out
})

// knownURC reports a line that is a modem's unsolicited result code by
// its text alone: a boot or REFRESH URC of a known modem, or one that
// starts with a known notification's name (urcPrefixes).
func knownURC(line string) bool {
	if modemURCs()[line] {
		return true
	}
	for _, p := range urcPrefixes {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// ModemURC reports a line that is a modem's unsolicited result code by its
// text alone, as the terminal reader takes one before any command: a
// "+NAME:" or "^NAME:" line, RDY, a boot, power or REFRESH URC of a known
// modem, a known notification, V.250's RING. The reconstruction tells a module's lines from a
// host's print by it where the log cannot (before a power-on).
func ModemURC(line string) bool {
	return unaskedLine.MatchString(line) || knownURC(line) || unaskedCodes[line]
}

// bareURC reports a known URC without a name ("+CPIN: READY" is one only
// by its name's rules: during AT+CPIN? it is the answer).
func bareURC(line string) bool {
	return modemURCs()[line] && !strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "^")
}
