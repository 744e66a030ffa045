package fieldlog

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// QuoteWarning says what a command line typed with typographic quotes
// (“1234”, ‘…’, as a word processor or a chat turns "…" into them) made
// the modem see: V.250 bounds a string constant with the double quote
// alone (§5.4.2.2), so AT+CPIN=”1234” reaches it as U+201D, not ", and
// the modem's ERROR is right. "" when the line has none outside a string
// constant of ASCII quotes. The log is read as it is; this is said beside
// the line.
func QuoteWarning(text string) string {
	var seen []string
	in := false // inside a string constant: its text may hold any (a name's O’Brien)
	for _, r := range text {
		if r == '"' {
			in = !in
		}
		if in || r < unicode.MaxASCII || !unicode.Is(unicode.Quotation_Mark, r) {
			continue
		}
		if u := fmt.Sprintf("U+%04X", r); !slices.Contains(seen, u) {
			seen = append(seen, u)
		}
	}
	if len(seen) == 0 {
		return ""
	}
	list := seen[0]
	if n := len(seen); n > 1 {
		list = strings.Join(seen[:n-1], ", ") + " and " + seen[n-1]
	}
	return fmt.Sprintf(`typographic quotes: the modem saw %s, not "; V.250 bounds a string constant with " alone, §5.4.2.2`, list)
}
