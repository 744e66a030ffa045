package field

// threeDigitMNC lists MCCs whose networks use three-digit MNCs (North
// America and the Caribbean, India's 405, Argentina, Colombia), so an
// IMSI's home PLMN is six digits.
var threeDigitMNC = map[string]bool{
	"302": true, "310": true, "311": true, "312": true, "313": true, "314": true, "315": true, "316": true,
	"334": true, "405": true,
	// Puerto Rico, the Caribbean's numbering-plan islands, Argentina,
	// Colombia.
	"330": true, "338": true, "342": true, "344": true, "346": true, "348": true, "350": true, "352": true, "354": true,
	"356": true, "358": true, "360": true, "365": true, "366": true, "376": true, "722": true, "732": true,
}

// homePLMN is the PLMN an IMSI starts with, given the operators known.
func homePLMN(imsi string, known []string) string {
	best := ""
	for _, p := range known {
		if len(imsi) >= len(p) && imsi[:len(p)] == p && len(p) > len(best) {
			best = p
		}
	}
	if best != "" || len(imsi) < 6 {
		return best
	}
	if threeDigitMNC[imsi[:3]] {
		return imsi[:6]
	}
	return imsi[:5]
}
