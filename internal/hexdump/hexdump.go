// Package hexdump turns the hex vectors that tests keep beside the bytes
// ("BF3E 03 5C015A", spaces and newlines allowed) into bytes.
package hexdump

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Bytes decodes s, failing the test on malformed hex.
func Bytes(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		tb.Fatalf("bad hex vector %q: %v", s, err)
	}
	return b
}
