package applet

import "github.com/esimhil/esimhil/internal/ident"

// An area is a country, as the platform's lists are (docs/platform-api.md:
// a list is for the country of the serving network's operator). The card
// keeps the MCC it saw (Cycle.Area, BackoffEntry.Area: what its events and
// its NVM record) and compares areas by the country E.212 gives each MCC
// (ident.SameCountry, the relation the modem's selection uses too): a
// fallback that lands on another of the same country's codes has not left
// the list's area (outside tester t78: a US cycle on 313 ended "the device
// left the area" when the original profile attached on 310, skipping the
// list's next operator).

// inArea says whether a network of MCC m is in the area of a cycle begun
// on MCC area whose list is for country ("" before the list came, and for
// the rescue and coming home, which have none). The MCC's country is not
// all: a territory's networks use another country's codes (Puerto Rico's
// 330 and the United States' 310–316, Guam's 535 and 310), and the test
// (001) and international (901) codes may stand for any country. Once the
// platform has named the list's country, every MCC that may serve it is
// in its area — the rule by which the scenario loader and the platform
// place an operator in a country (ident.MCCServes) —, or a PR cycle begun
// on 330 whose fallback attached on a PR network on 310 ended as having
// left the area (outside tester t84 N1). The converse the card cannot
// tell: a US list's device that lands in Puerto Rico on a 310 network is
// still in the US to it, as that network may serve the US (README,
// "Decisions on the open points", back-off).
// An MCC the table does not know (a private network's 999) stays an area
// of its own: ident.MCCServes lets it serve any country (a scenario may
// place one anywhere), which would keep every list going on it (outside
// tester t87: a fallback on a German 99901 walked on through the French
// list).
func inArea(m, area, country string) bool {
	if ident.SameCountry(m, area) {
		return true
	}
	_, known := ident.CountryOfMCC(m)
	return known && country != "" && ident.MCCServes(m, country)
}

// samePlace says whether a back-off recorded on MCC a under a list for
// country ca counts on MCC b under a list for cb (a border crossing is
// judged by inArea, the MCC it reached against the cycle's area). When
// both lists named their country, those decide: the platform keeps one
// list a country, so a failure under a PR list on 330 counts in the next
// PR cycle on 310 (t84 N1), and two 901 networks, which may stand for any
// country, are one place only under one list country (a French list's
// failure on 901 says nothing of 901 under a German list). Without a list
// on either side (the rescue, coming home, an entry from before the card
// kept the list's country) the MCCs are all the card has: ident.SameCountry, 901
// with 901 included, or a back-off earned at sea would never hold there.
func samePlace(a, ca, b, cb string) bool {
	if ca != "" && cb != "" {
		return ca == cb
	}
	return ident.SameCountry(a, b)
}
