package ident

// countries maps a Mobile Country Code to its ISO 3166 alpha-2 country
// (ITU-T E.212 Annex): the countries field logs and scenarios are likely
// to show, not all of them.
var countries = map[string]string{
	"001": "ZZ", // test networks (TS 23.003 §2.2)
	// E.212's shared international code: no country's (global IoT
	// operators' IMSIs, maritime and aeronautical networks), so ZZ too:
	// their networks may serve any country, their subscribers roam in all.
	"901": "ZZ",
	"202": "GR", "204": "NL", "206": "BE", "208": "FR", "212": "MC", "213": "AD", "214": "ES", "216": "HU",
	"218": "BA", "219": "HR", "220": "RS", "222": "IT", "226": "RO", "228": "CH", "230": "CZ", "231": "SK",
	"232": "AT", "234": "GB", "235": "GB", "238": "DK", "240": "SE", "242": "NO", "244": "FI", "246": "LT",
	"247": "LV", "248": "EE", "250": "RU", "255": "UA", "257": "BY", "259": "MD", "260": "PL", "262": "DE",
	"266": "GI", "268": "PT", "270": "LU", "272": "IE", "274": "IS", "276": "AL", "278": "MT", "280": "CY",
	"282": "GE", "283": "AM", "284": "BG", "286": "TR", "293": "SI", "294": "MK", "295": "LI", "297": "ME",
	"302": "CA", "310": "US", "311": "US", "312": "US", "313": "US", "314": "US", "315": "US", "316": "US",
	"334": "MX", "404": "IN", "405": "IN", "425": "IL", "440": "JP", "441": "JP", "450": "KR", "452": "VN",
	"454": "HK", "455": "MO", "456": "KH", "460": "CN", "466": "TW", "502": "MY", "505": "AU", "510": "ID",
	"515": "PH", "520": "TH", "525": "SG", "530": "NZ", "602": "EG", "655": "ZA", "722": "AR", "724": "BR",
	"730": "CL",
}

// CountryOfMCC is the ISO 3166 alpha-2 country of a Mobile Country Code
// ("208": "FR"), if the table knows it; the test networks' 001 and the
// international 901 are "ZZ".
func CountryOfMCC(mcc string) (string, bool) {
	c, ok := countries[mcc]
	return c, ok
}

// sharedMCC lists the territories whose networks use another country's
// MCCs (E.212 assigns 310–316 to the United States, which Guam's, the
// Northern Marianas' and the Virgin Islands' operators use; the Crown
// Dependencies' use the United Kingdom's 234).
var sharedMCC = map[string][]string{
	"US": {"GU", "MP", "VI", "AS", "PR"},
	"GB": {"GG", "JE", "IM"},
}

// MCCServes reports whether networks of MCC mcc may serve country: its
// country in the table, a territory that uses its MCCs, any country for
// the test networks' 001 and the international 901, and any for an MCC
// the table does not know.
func MCCServes(mcc, country string) bool {
	c, ok := countries[mcc]
	switch {
	case !ok, c == "ZZ", c == country:
		return true
	}
	for _, t := range sharedMCC[c] {
		if t == country {
			return true
		}
	}
	return false
}
