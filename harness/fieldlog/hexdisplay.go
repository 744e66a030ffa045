package fieldlog

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// The Windows serial tools (Docklight, SSCOM, QCOM) show the data as hex
// when asked to: two-digit bytes separated by spaces.
var (
	hexRow = regexp.MustCompile(`^[0-9A-Fa-f]{2}(?: [0-9A-Fa-f]{2})*$`)
	// shortTokens is a row that was meant as hex but may hold a typo or
	// a cut byte ("4G", "4"): runs of one or two letters and digits.
	shortTokens = regexp.MustCompile(`^[0-9A-Za-z]{1,2}(?: [0-9A-Za-z]{1,2})*$`)
)

// hexDisplay reports rows (of one direction: the tools set the display
// of each on its own) shown as hex: every non-blank row runs of one or two
// letters and digits, and one of them hex bytes alone or several such
// runs. A text row has a longer word — any AT command, "+CPIN:" — and a
// lone "OK" is text, so a row of hex that went wrong ("0D 0A 4G") is told
// apart, and spacedHex says what is wrong in it.
func hexDisplay(rows []string) bool {
	some := false
	for _, r := range rows {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !shortTokens.MatchString(r) {
			return false
		}
		some = some || hexRow.MatchString(r) || strings.Contains(r, " ")
	}
	return some
}

// spacedHex reads hex data: two-digit bytes separated by spaces.
func spacedHex(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	out := make([]byte, 0, len(s)/3+1)
	for i, f := range strings.Fields(s) {
		if len(f) != 2 {
			return nil, fmt.Errorf("byte %d is %q, not two hex digits", i+1, f)
		}
		b, err := hex.DecodeString(f)
		if err != nil {
			return nil, fmt.Errorf("byte %d is %q, not two hex digits", i+1, f)
		}
		out = append(out, b[0])
	}
	return out, nil
}
