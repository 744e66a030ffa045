// Package textcut bounds text quoted in reports and messages.
package textcut

// Cut shortens s to its first n characters (runes: a cut never splits
// one), "…" marking the cut; s as it is when it fits.
func Cut(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "…"
		}
		i++
	}
	return s
}
