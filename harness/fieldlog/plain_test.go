package fieldlog

import "testing"

// TestNamesLevel: the cheap test before loggerPrefix finds each level
// the regexp knows, in capitals as loggers print them, and no other word.
func TestNamesLevel(t *testing.T) {
	for s, want := range map[string]bool{
		"app INFO AT+CSQ": true, "[WARNING] x": true, "WARN x": true, "FATAL": true, "x TRACE": true,
		"DEBUG": true, "NOTICE": true, "ERROR": true, "CRITICAL": true,
		"AT+CSQ": false, "info AT": false, "": false, "|": false,
	} {
		if got := namesLevel(s); got != want {
			t.Errorf("namesLevel(%q) = %v, want %v", s, got, want)
		}
	}
}
