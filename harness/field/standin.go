package field

import (
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/harness/align"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// A field card's ICCID may lack the E.118 check digit: 20 digits of the
// operator's own, as GSM 11.11's 10 bytes allow (the 20th written over the
// check digit), which many 8986… cards carry. The emulators check the
// digit, so the emulated card holds a stand-in (ident.ICCIDStandIn): the
// same digits but the last. The replay sends the stand-in where a command
// names the field ICCID (an EnableProfile's swapped digits), and compares
// the two as one.

// standInFor gives the emulated card a stand-in for iccid when it lacks
// its check digit; origin is where the ICCID comes from.
func (p *Plan) standInFor(iccid, origin string) {
	s, ok := ident.ICCIDStandIn(iccid)
	if !ok || p.standIns[iccid] != "" {
		return
	}
	if p.standIns == nil {
		p.standIns = map[string]string{}
	}
	p.standIns[iccid] = s
	forms := []string{iccid, s}
	var hexForms []string
	for _, id := range forms {
		hexForms = append(hexForms, hex.EncodeToString(es10.ICCIDBytes(id)))
	}
	p.Masks = append(p.Masks, Mask{Mask: align.Mask{Name: "iccid " + iccid,
		Pattern: regexp.MustCompile(`\b(?:` + strings.Join(forms, "|") + `)F?\b|(?i:` + strings.Join(hexForms, "|") + `)`)}})
	// Only 20 digits leave no room for the check digit; a shorter ICCID
	// with a wrong one is more likely mistyped or altered.
	why := "20 digits of the operator's own, as GSM 11.11 allows"
	if len(iccid) < 20 {
		why = fmt.Sprintf("%d digits whose last is not the check digit, %c: mistyped or altered? check it", len(iccid), s[len(s)-1])
	}
	p.assume("ICCID %s (%s) has no E.118 check digit (%s): the emulated card, which checks it, holds %s instead; the replay sends %s where a command names %s, and compares the two as one",
		iccid, origin, why, s, s, iccid)
}

// emulatedICCID is the ICCID the emulated card holds for a field one.
func (p *Plan) emulatedICCID(iccid string) string {
	if s := p.standIns[iccid]; s != "" {
		return s
	}
	return iccid
}

// withStandIns is a command line of the logs with every field ICCID that
// has a stand-in replaced by it: as digits, and as the swapped digits an
// ES10 request carries (in either case of hex).
func (p *Plan) withStandIns(line string) string {
	for _, iccid := range slices.Sorted(maps.Keys(p.standIns)) {
		s := p.standIns[iccid]
		line = strings.ReplaceAll(line, iccid, s)
		from, to := hex.EncodeToString(es10.ICCIDBytes(iccid)), hex.EncodeToString(es10.ICCIDBytes(s))
		line = strings.ReplaceAll(line, from, to)
		line = strings.ReplaceAll(line, strings.ToUpper(from), strings.ToUpper(to))
	}
	return line
}
