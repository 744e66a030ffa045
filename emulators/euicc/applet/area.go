package applet

import "github.com/esimhil/esimhil/internal/ident"

// An area is a country, as the platform's lists are (docs/platform-api.md:
// a list is for the country of the serving network's operator). The card
// keeps the MCC it saw (Cycle.Area, BackoffEntry.Area: what its events and
// its NVM record) and compares areas by the country E.212 gives each MCC:
// the United States' networks use 310–316, India's 404–406, Japan's 440
// and 441, China's 460 and 461, and a fallback that lands on another of
// the same country's codes has not left the list's area (outside tester
// t78: a US cycle on 313 ended "the device left the area" when the
// original profile attached on 310, skipping the list's next operator).
// An MCC the table does not know, and the test (001) and international
// (901) codes, which no country owns, are an area of their own.
func sameArea(a, b string) bool {
	if a == b {
		return true
	}
	ca, oka := ident.CountryOfMCC(a)
	cb, okb := ident.CountryOfMCC(b)
	return oka && okb && ca != "ZZ" && ca == cb
}
