// Package textcut bounds text shown in reports and messages.
package textcut

import "strings"

// Cut cuts s to at most n bytes, whole UTF-8 characters, and marks the
// cut with "…"; s as it is when it fits.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
