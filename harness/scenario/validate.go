package scenario

import (
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
	"github.com/esimhil/esimhil/internal/yamlnode"
)

// validate checks formats and cross-references after decoding, in document
// order, and fills in defaults (personality, order_by, IMSIs).
func (d *decoder) validate(s *Scenario) error {
	if err := d.validateName(s); err != nil {
		return err
	}
	ops := map[string]Operator{}
	plmns := map[string]string{}
	smdps := map[string]int{}
	for i, o := range s.Network.Operators {
		p := yamlnode.Index("network.operators", i)
		switch {
		case o.ID == "":
			return d.ErrPath(p+".id", "must not be empty")
		case utf8.RuneCountInString(o.ID) > es10.MaxServiceProviderName:
			// The card names a profile's operator by it, and a card
			// refuses the metadata of a longer one: every download
			// from the operator would fail inside the harness.
			return d.ErrPath(p+".id", "%d characters, at most %d: it is the serviceProviderName of the operator's profiles (SGP.22 ProfileInfo, UTF8String SIZE(0..%d)); give the long form as name",
				utf8.RuneCountInString(o.ID), es10.MaxServiceProviderName, es10.MaxServiceProviderName)
		case strings.IndexFunc(o.ID, isControl) >= 0:
			// An id is printed in verdict lines and titles a lane: a
			// control character there moves the cursor or recolours the
			// terminal, or breaks the line (outside tester sw130 N8).
			return d.ErrPath(p+".id", "%q holds the control character U+%04X: an operator id is printed in verdict lines and names a lane; give it without one", o.ID, firstControl(o.ID))
		case o.ID == "platform" || strings.ContainsFunc(o.ID, func(r rune) bool { return r == '@' || unicode.IsSpace(r) }):
			// expect.notifications names an operator's SM-DP+ as
			// kind@<id>: "platform" there is the platform, and kind@to
			// holds no space and one @, so such an operator's
			// notifications could not be expected (outside tester t268
			// F7).
			return d.ErrPath(p+".id", "%q: expect.notifications names an operator as kind@<id>, where platform is the platform's and no space or second @ may stand; give it another id (the long form goes in name)", o.ID)
		case strings.IndexFunc(o.Name, isControl) >= 0:
			// The name goes out in +COPS answers (27.007 §7.3): a TE
			// character set carries no control character as text (IRA
			// and GSM write '?' for it), so a host could neither read
			// it back nor select the network by it (outside tester t190).
			return d.ErrPath(p+".name", "%q holds the control character U+%04X: a network's name is text a host reads in +COPS answers and selects by, and no TE character set but UCS2 carries one; give it without one", o.Name, firstControl(o.Name))
		case ops[o.ID].ID != "":
			return d.ErrPath(p+".id", "duplicate operator %q", o.ID)
		case !ident.IsPLMN(o.PLMN):
			return d.ErrPath(p+".plmn", "%q is not a PLMN (MCC+MNC, 5 or 6 digits)", o.PLMN)
		case plmns[o.PLMN] != "":
			return d.ErrPath(p+".plmn", "%s already belongs to %s", o.PLMN, plmns[o.PLMN])
		case overlapping(plmns, o.PLMN) != "":
			q := overlapping(plmns, o.PLMN)
			return d.ErrPath(p+".plmn", "%s overlaps %s's %s: an IMSI beginning %s would be a subscriber of both (one MCC does not hold the 2-digit MNC %s and a 3-digit MNC starting with it)",
				o.PLMN, plmns[q], q, max(o.PLMN, q), min(o.PLMN, q)[3:])
		case !isCountry(o.Country):
			return d.ErrPath(p+".country", "%q is not an ISO 3166 alpha-2 code such as FR", o.Country)
		}
		// The platform serves a card the list of its serving network's
		// country as the scenario says it, the card's areas go by the
		// MCC: the two must agree. The test networks' 001 may stand in
		// any country, a territory for the country whose MCCs it uses.
		if cc, _ := ident.CountryOfMCC(o.PLMN[:3]); !ident.MCCServes(o.PLMN[:3], o.Country) {
			return d.ErrPath(p+".country", "%s, but the PLMN %s's MCC %s is %s's (ITU-T E.212): the platform would serve %s's list where the card sees %s",
				o.Country, o.PLMN, o.PLMN[:3], cc, o.Country, cc)
		}
		if err := d.smdpHost(p+".smdp", o.SMDP, smdps); err != nil {
			return err
		}
		if o.SMDP != "" {
			smdps[o.SMDP] = i
		}
		if err := d.pprs(p+".ppr", o.PPR); err != nil {
			return err
		}
		if len(o.PPR) > 0 && o.SMDP == "" {
			return d.ErrPath(p+".ppr", "sets the rules of the profiles the operator's SM-DP+ delivers: give smdp too")
		}
		switch {
		case o.MSISDNPrefix != "" && !ident.IsMSISDN(o.DeliveredMSISDN(0)):
			return d.ErrPath(p+".msisdn_prefix", "%q is not the start of a number (\"+\" for an international one, then at most 14 digits: the 6 of each delivery's serial follow, TS 31.102 §4.2.26)", o.MSISDNPrefix)
		case o.MSISDNPrefix != "" && o.SMDP == "":
			return d.ErrPath(p+".msisdn_prefix", "numbers the profiles the operator's SM-DP+ delivers: give smdp too")
		}
		if o.PIN1 != nil && !ident.Digits(o.PIN1.Code, 4, 8) {
			return d.ErrPath(p+".pin1.code", "%q is not a PIN (4 to 8 digits, TS 102 221 §9.5.2)", o.PIN1.Code)
		}
		ops[o.ID] = o
		plmns[o.PLMN] = o.ID
		if err := d.ehplmns(p+".ehplmns", o, plmns); err != nil {
			return err
		}
	}
	if len(ops) == 0 {
		return d.ErrPath("network.operators", "at least one operator is required")
	}
	opRef := func(path, id string) error {
		if _, ok := ops[id]; !ok {
			return d.ErrPath(path, "unknown operator %q", id)
		}
		return nil
	}
	for i, o := range s.Network.Operators {
		p := yamlnode.Index("network.operators", i) + ".preferred_partners"
		// Given empty, it is a list forgotten, not "no partner": leaving
		// it out says that (as device.rat's empty lists).
		if o.PreferredPartners != nil && len(o.PreferredPartners) == 0 {
			return d.ErrPath(p, "empty: name the partners %s steers its roamers to, or leave preferred_partners out for its own PLMN alone", o.ID)
		}
		if len(o.PreferredPartners) > MaxPreferredPartners {
			return d.ErrPath(p, "%d operators, at most %d: EF OPLMNwAcT holds 32 entries, %s's own PLMN first", len(o.PreferredPartners), MaxPreferredPartners, o.ID)
		}
		for j, id := range o.PreferredPartners {
			q := yamlnode.Index(p, j)
			if err := opRef(q, id); err != nil {
				return err
			}
			if id == o.ID {
				return d.ErrPath(q, "%q is the operator itself: its own PLMN comes first in EF OPLMNwAcT already (did you mean a partner?)", id)
			}
			if k := slices.Index(o.PreferredPartners[:j], id); k >= 0 {
				return d.ErrPath(q, "%q again: already at %s (%s); each network is one entry of EF OPLMNwAcT", id, yamlnode.Index(p, k), d.line(yamlnode.Index(p, k)))
			}
		}
	}
	for i, a := range s.Network.Roaming {
		p := yamlnode.Index("network.roaming", i)
		if err := opRef(p+".home", a.Home); err != nil {
			return err
		}
		if err := opRef(p+".visited", a.Visited); err != nil {
			return err
		}
		if a.Visited == a.Home {
			return d.ErrPath(p+".visited", "%q is its home: a subscriber on its own operator's network is at home, with no agreement (did you mean another operator?)", a.Visited)
		}
		if j := slices.Index(s.Network.Roaming[:i], a); j >= 0 {
			return d.ErrPath(p, "the same agreement as %s (%s): %s's subscribers roam on %s once", yamlnode.Index("network.roaming", j), d.line(yamlnode.Index("network.roaming", j)), a.Home, a.Visited)
		}
	}
	areas := map[string]bool{}
	idents := worldIdentities(s.Network.Cells)
	for i, c := range s.Network.Cells {
		p := yamlnode.Index("network.cells", i)
		if c.Area == "" {
			return d.ErrPath(p+".area", "must not be empty")
		}
		if err := opRef(p+".operator", c.Operator); err != nil {
			return err
		}
		if o := ops[c.Operator]; c.PLMN != "" && !o.Owns(c.PLMN) {
			return d.ErrPath(p+".plmn", "%q is not one of %s's networks (its plmn %s or its ehplmns)", c.PLMN, c.Operator, o.PLMN)
		}
		// Cells without a TAC or cell_id get them from the world
		// (world.Identity); two whose identities, given or assigned, are
		// the same are one cell given twice, of which only one would
		// count — a default one included (outside tester sw51, F7).
		tac, cellID := idents[i].tac, idents[i].cellID
		for j := range i {
			o := s.Network.Cells[j]
			if o.Area != c.Area || o.Operator != c.Operator || idents[j] != idents[i] {
				continue
			}
			q := yamlnode.Index("network.cells", j)
			tacText := "the area's"
			if c.TAC != 0 || o.TAC != 0 {
				tacText = strconv.Itoa(int(tac))
			}
			if c.CellID != 0 && o.CellID != 0 {
				return d.ErrPath(p, "the same cell as %s (%s): area %s, operator %s, tac %s, cell_id %d; give one of them another cell_id", q, d.line(q), c.Area, c.Operator, tacText, c.CellID)
			}
			// One of them left its identity to the default: say which
			// identity they share, and where it came from.
			dflt := q
			if c.CellID == 0 {
				dflt = p
			}
			return d.ErrPath(p, "the same cell as %s (%s): area %s, operator %s, tac %d, cell_id %d — %s's default identity (tac 0x1000 + area index, cell_id (area index + 1) << 16 | (cell index + 1)); give one of them another cell_id", q, d.line(q), c.Area, c.Operator, tac, cellID, dflt)
		}
		areas[c.Area] = true
	}
	if len(areas) == 0 {
		return d.ErrPath("network.cells", "at least one cell is required")
	}
	if err := d.validateDevice(s, ops, opRef); err != nil {
		return err
	}
	if err := d.validatePlatform(s, opRef); err != nil {
		return err
	}
	for i, st := range s.Itinerary {
		p := yamlnode.Index("itinerary", i)
		if !areas[st.Area] {
			return d.ErrPath(p+".area", "unknown area %q (no cell there)", st.Area)
		}
		if i > 0 && st.At <= s.Itinerary[i-1].At {
			return d.ErrPath(p+".at", "%v is not after the previous stop's %v", st.At, s.Itinerary[i-1].At)
		}
	}
	if len(s.Itinerary) == 0 {
		return d.ErrPath("itinerary", "at least one stop is required")
	}
	if err := d.validateSignal(s, opRef); err != nil {
		return err
	}
	if err := d.validateFaults(s, ops, opRef); err != nil {
		return err
	}
	if err := d.validateExpect(s, opRef); err != nil {
		return err
	}
	return d.validateHorizon(s)
}

// validateSignal checks the signal plan like the itinerary: known area and
// operator with a cell there, times in order.
func (d *decoder) validateSignal(s *Scenario, opRef func(string, string) error) error {
	type key struct {
		at             time.Duration
		area, operator string
	}
	seen := map[key]int{}
	for i, c := range s.Signal {
		p := yamlnode.Index("signal", i)
		if i > 0 && c.At < s.Signal[i-1].At {
			return d.ErrPath(p+".at", "%v is before the previous entry's %v", c.At, s.Signal[i-1].At)
		}
		if err := opRef(p+".operator", c.Operator); err != nil {
			return err
		}
		has, hasArea := false, false
		for _, cl := range s.Network.Cells {
			hasArea = hasArea || cl.Area == c.Area
			has = has || (cl.Area == c.Area && cl.Operator == c.Operator)
		}
		if !hasArea {
			return d.ErrPath(p+".area", "unknown area %q (no cell there)", c.Area)
		}
		if !has {
			return d.ErrPath(p+".operator", "operator %q has no cell in area %q", c.Operator, c.Area)
		}
		k := key{c.At, c.Area, c.Operator}
		if j, dup := seen[k]; dup {
			return d.ErrPath(p, "sets the same cell at the same time as signal[%d]", j)
		}
		seen[k] = i
	}
	return nil
}

// cellIdent is a cell's identity in the world: its TAC and cell id.
type cellIdent struct {
	tac    uint16
	cellID uint32
}

// worldIdentities are the identities the world gives cells
// (world.Identity): each one's given TAC and cell id, or the defaults of
// its area's index (areas numbered by their first cell) and its own.
func worldIdentities(cells []Cell) []cellIdent {
	areaIdx := map[string]int{}
	out := make([]cellIdent, len(cells))
	for i, c := range cells {
		if _, ok := areaIdx[c.Area]; !ok {
			areaIdx[c.Area] = len(areaIdx)
		}
		out[i].tac, out[i].cellID = world.Identity(areaIdx[c.Area], i, c.TAC, c.CellID)
	}
	return out
}

// validateFaults checks the fault plan's references and refuses steps that
// can never happen.
func (d *decoder) validateFaults(s *Scenario, ops map[string]Operator, opRef func(string, string) error) error {
	hasCell := map[string]bool{}
	type opTAC struct {
		op  string
		tac uint16
	}
	hasTAC := map[opTAC]bool{} // the tracking areas of each operator's cells, as the world numbers them
	idents := worldIdentities(s.Network.Cells)
	for i, c := range s.Network.Cells {
		hasCell[c.Operator] = true
		hasTAC[opTAC{c.Operator, idents[i].tac}] = true
	}
	var needs CutNeeds
	for _, o := range s.Network.Operators {
		needs.SMDP = needs.SMDP || o.SMDP != ""
	}
	for _, f := range s.Faults {
		needs.Timeout = needs.Timeout || f.Kind == AttachTimeout
		if f.Kind == AttachReject {
			needs.Reject(f.Cause)
		}
	}
	for i, f := range s.Faults {
		p := yamlnode.Index("faults", i)
		switch {
		case f.Kind.IsAttach():
			if err := opRef(p+".operator", f.Operator); err != nil {
				return err
			}
			if !hasCell[f.Operator] {
				return d.ErrPath(p+".operator", "operator %q has no cell (network.cells): no attach on it can fail", f.Operator)
			}
			if f.Subscriber != "" {
				if err := opRef(p+".subscriber", f.Subscriber); err != nil {
					return err
				}
			}
			if f.TAC != 0 && !hasTAC[opTAC{f.Operator, f.TAC}] {
				return d.ErrPath(p+".tac", "operator %q has no cell in tracking area %#04x (network.cells, given or assigned): the reject could never come", f.Operator, f.TAC)
			}
			for j, g := range s.Faults[:i] {
				if g.Kind.IsAttach() && g.Operator == f.Operator && g.Subscriber == f.Subscriber && g.Attempt == f.Attempt && (f.TAC == g.TAC || f.TAC == 0 || g.TAC == 0) && f.Overlaps(g) {
					return d.ErrPath(p, "faults[%d] already fails %s on %s in that window", j, attemptName(f.Attempt), f.Operator)
				}
			}
		case f.Kind == Download:
			if err := opRef(p+".operator", f.Operator); err != nil {
				return err
			}
			if f.Name != EligibilityRefused && ops[f.Operator].SMDP == "" {
				return d.ErrPath(p+".operator", "operator %q runs no SM-DP+ (network.operators[].smdp)", f.Operator)
			}
		case f.Kind == SMDPSlow:
			if err := opRef(p+".operator", f.Operator); err != nil {
				return err
			}
			if ops[f.Operator].SMDP == "" {
				return d.ErrPath(p+".operator", "operator %q runs no SM-DP+ (network.operators[].smdp)", f.Operator)
			}
		case f.Kind == PlatformNoAck && f.Operator != "":
			if err := opRef(p+".operator", f.Operator); err != nil {
				return err
			}
		case f.Kind == CoverageLost && f.Operator != "":
			if err := opRef(p+".operator", f.Operator); err != nil {
				return err
			}
			if !hasCell[f.Operator] {
				return d.ErrPath(p+".operator", "operator %q has no cell (network.cells): it has no network to lose", f.Operator)
			}
		case f.Kind == PowerCut && f.Event == PowerCutAt:
			for j, g := range s.Faults[:i] {
				if g.Kind == PowerCut && g.Event == PowerCutAt && f.From >= g.From && f.From < g.From+g.Off {
					return d.ErrPath(p+".from", "%v: faults[%d] has the power off then (from %v for %v)", f.From, j, g.From, g.Off)
				}
				if g.Kind == PowerCut && g.Event == PowerCutAt && g.From >= f.From && g.From < f.From+f.Off {
					return d.ErrPath(p+".off", "%v: the power would still be off at faults[%d]'s cut (%v)", f.Off, j, g.From)
				}
			}
		case f.Kind == PowerCut:
			pt, _ := powerCutPoint(f.Event)
			switch {
			case !needs.Has(pt):
				return d.ErrPath(p+".power_cut", "%s never happens%s", f.Event, needsText[pt.Needs])
			}
			// No actor is the event's only actor, when it has one.
			actor := func(f Fault) string {
				if f.Actor == "" && len(pt.Actors) == 1 {
					return pt.Actors[0]
				}
				return f.Actor
			}
			for j, g := range s.Faults[:i] {
				if g.Kind == PowerCut && g.Event == f.Event && g.Nth == f.Nth && actor(g) == actor(f) {
					return d.ErrPath(p, "faults[%d] already cuts the power after that event", j)
				}
			}
		}
	}
	return nil
}

// attemptName names the attempts a fault fails, for a message: "attempt
// #2", or "every attempt" when it names none.
func attemptName(n int) string {
	if n == 0 {
		return "every attempt"
	}
	return fmt.Sprintf("attempt #%d", n)
}

func (d *decoder) validateDevice(s *Scenario, ops map[string]Operator, opRef func(string, string) error) error {
	dv := &s.Device
	if !ident.IsEID(dv.EID) {
		return d.ErrPath("device.eid", "%s", ident.ExplainEID(dv.EID))
	}
	// The card's certificate chains to the test EUM, whose certificate
	// permits only its own EIDs (fixtures/pki/README.md, "Permitted
	// EIDs"): the platform and every SM-DP+ (authenticateClient, SGP.22
	// §5.6.3) refuse any other, and the run got not one list (outside
	// tester t268 F9).
	if !IssuedByTestEUM(dv.EID) {
		return d.ErrPath("device.eid", "%s is outside the test EUM's range (EIDs starting %s): the platform and the SM-DP+s refuse a card whose EUM may not issue its EID (401 on every request)",
			dv.EID, strings.Join(rsp.DefaultEIDPrefixes, ", "))
	}
	// An empty name given is no choice: refused, as attach_wait: 0s
	// is, rather than read as the default (outside tester t268 F8).
	if dv.Personality == "" && d.Node("device.personality") != nil {
		return d.ErrPath("device.personality", "an empty name: leave personality out for generic")
	}
	if dv.Personality == "" {
		dv.Personality = "generic"
	} else if err := d.validatePersonality(dv); err != nil {
		return err
	}
	if err := d.timer("device.check_interval", dv.CheckInterval, MinCheckInterval); err != nil {
		return err
	}
	if dv.AttachWait != 0 {
		if err := d.timer("device.attach_wait", dv.AttachWait, MinAttachWait); err != nil {
			return err
		}
	}
	if len(dv.Profiles) > MaxProfiles {
		return d.ErrPath("device.profiles", "%s", limitError("profiles", len(dv.Profiles), MaxProfiles))
	}
	if b := dv.Backoff; b.First != 0 && b.Max != 0 && b.Max < b.First {
		return d.ErrPath("device.backoff.max", "%d is below first (%d)", b.Max, b.First)
	}
	enabled := 0
	iccids := map[string]bool{}
	imsis := map[string]bool{}
	for i := range dv.Profiles {
		pr := &dv.Profiles[i]
		p := yamlnode.Index("device.profiles", i)
		// ICCID: up to 20 digits, ITU-T E.118 (19 + Luhn, or 20 in practice).
		if !ident.IsICCID(pr.ICCID) {
			return d.ErrPath(p+".iccid", "%s", ident.ExplainICCID(pr.ICCID))
		}
		if iccids[pr.ICCID] {
			return d.ErrPath(p+".iccid", "duplicate ICCID %s", pr.ICCID)
		}
		iccids[pr.ICCID] = true
		if err := opRef(p+".operator", pr.Operator); err != nil {
			return err
		}
		plmn := ops[pr.Operator].PLMN
		if pr.IMSI == "" {
			pr.IMSI = plmn + pr.ICCID[len(pr.ICCID)-(15-len(plmn)):]
		} else if !ident.IsIMSI(pr.IMSI) || !strings.HasPrefix(pr.IMSI, plmn) {
			return d.ErrPath(p+".imsi", "%q is not an IMSI of %s (6 to 15 digits starting with %s)", pr.IMSI, pr.Operator, plmn)
		}
		if imsis[pr.IMSI] {
			return d.ErrPath(p+".imsi", "duplicate IMSI %s", pr.IMSI)
		}
		imsis[pr.IMSI] = true
		if pr.MSISDN != "" && !ident.IsMSISDN(pr.MSISDN) {
			return d.ErrPath(p+".msisdn", "%q is not a subscriber number (1 to 20 digits, \"+\" first for an international one, TS 31.102 §4.2.26)", pr.MSISDN)
		}
		if pr.Enabled {
			enabled++
		}
	}
	if len(dv.Profiles) == 0 {
		return d.ErrPath("device.profiles", "at least one profile is required")
	}
	if enabled != 1 {
		return d.ErrPath("device.profiles", "exactly one profile must be enabled, found %d", enabled)
	}
	if err := d.validateRAT(dv.RAT); err != nil {
		return err
	}
	return d.validateNotifications(dv.Notifications, iccids)
}

// validateNotifications checks the pending notifications the card starts
// with: at most as many as it keeps, each seq once, a known operation, an
// ICCID and an SM-DP+ host name. An enable or disable is of a profile the
// card holds: a card can only switch a profile it has, and the profile
// stays until deleted — so one no longer on the card needs the delete
// that removed it, pending with a later seq. An install or a delete may
// name a profile the card no longer (or again) holds: deleted after its
// install, reinstalled after its delete, whichever notification was
// delivered meanwhile.
func (d *decoder) validateNotifications(ns []Notification, onCard map[string]bool) error {
	if pr := CheckNotifications(ns, onCard); pr != nil {
		p := "device.notifications"
		if pr.Index >= 0 {
			p = yamlnode.Index(p, pr.Index)
			if pr.Field != "" {
				p += "." + pr.Field
			}
		}
		return d.ErrPath(p, "%s", pr.Msg)
	}
	return nil
}

// NotificationProblem is the first thing CheckNotifications finds wrong:
// the entry (-1: the list) and its field, and why.
type NotificationProblem struct {
	Index int
	Field string
	Msg   string
}

// CheckNotifications holds pending notifications to the rules
// validateNotifications states, onCard the ICCIDs of the card's profiles;
// nil when they hold. A field fixture asks it of what its logs list.
func CheckNotifications(ns []Notification, onCard map[string]bool) *NotificationProblem {
	if len(ns) > MaxNotifications {
		return &NotificationProblem{-1, "", limitError("pending notifications (what the card keeps)", len(ns), MaxNotifications)}
	}
	seqs := map[int]int{}
	for i, n := range ns {
		bad := func(field, format string, a ...any) *NotificationProblem {
			return &NotificationProblem{i, field, fmt.Sprintf(format, a...)}
		}
		if n.Seq < 1 || n.Seq > MaxNotificationSeq {
			return bad("seq", "%d out of range 1..%d", n.Seq, MaxNotificationSeq)
		}
		if j, dup := seqs[n.Seq]; dup {
			return bad("seq", "%d is already %s's: a card numbers each notification once", n.Seq, yamlnode.Index("device.notifications", j))
		}
		seqs[n.Seq] = i
		if !slices.Contains(smdpNoteKinds, n.Event) {
			return bad("event", "%q: want one of %s", n.Event, strings.Join(smdpNoteKinds, ", "))
		}
		if !ident.IsICCID(n.ICCID) {
			return bad("iccid", "%s", ident.ExplainICCID(n.ICCID))
		}
		if !ident.IsHostName(n.Address) {
			return bad("address", "%q is not an SM-DP+ address (a host name, SGP.22 FQDN)", n.Address)
		}
		if net.ParseIP(n.Address) != nil {
			return bad("address", "%s", ipHostProblem(n.Address))
		}
	}
	for i, n := range ns {
		if n.Event != es10.EventEnable.String() && n.Event != es10.EventDisable.String() || onCard[n.ICCID] {
			continue
		}
		deleted := slices.ContainsFunc(ns, func(m Notification) bool {
			return m.Event == es10.EventDelete.String() && m.ICCID == n.ICCID && m.Seq > n.Seq
		})
		if !deleted {
			return &NotificationProblem{i, "iccid", fmt.Sprintf("%s is not one of device.profiles: a card %ss only a profile it holds (one deleted since needs its delete notification, with a later seq)", n.ICCID, n.Event)}
		}
	}
	return nil
}

// validateRAT checks the card's Rules Authorisation Table: each rule names
// known rules (PPRNames) and at least one operator, each an MCC+MNC
// pattern with E for any digit and gids in hex.
func (d *decoder) validateRAT(rat []RATRule) error {
	if len(rat) > MaxRATRules {
		return d.ErrPath("device.rat", "%s", limitError("rules", len(rat), MaxRATRules))
	}
	for i, r := range rat {
		p := yamlnode.Index("device.rat", i)
		if len(r.PPR) == 0 {
			return d.ErrPath(p+".ppr", "empty: name the rules allowed (%s)", pprList)
		}
		if err := d.pprs(p+".ppr", r.PPR); err != nil {
			return err
		}
		switch {
		case len(r.Operators) == 0:
			return d.ErrPath(p+".operators", "empty: a rule allows its rules for at least one operator")
		case len(r.Operators) > MaxRATOperators:
			return d.ErrPath(p+".operators", "%s", limitError("operators", len(r.Operators), MaxRATOperators))
		}
		for j, o := range r.Operators {
			op := yamlnode.Index(p+".operators", j)
			// A bare PLMN is the item itself; a mapping has its own plmn.
			at := op
			if d.Node(op+".plmn") != nil {
				at = op + ".plmn"
			}
			if !isPLMNPattern(o.PLMN) {
				return d.ErrPath(at, "%q: want MCC+MNC, 5 or 6 digits, E for any digit (e.g. 20810, 208EE)", o.PLMN)
			}
			for _, g := range []struct{ name, v string }{{"gid1", o.GID1}, {"gid2", o.GID2}} {
				if g.v != "" && !isGID(g.v) {
					return d.ErrPath(op+"."+g.name, "%q: want 1 to %d bytes in hex (EF GID contents)", g.v, MaxGIDLen)
				}
			}
		}
	}
	return nil
}

// pprs checks a list of profile policy rule names: known, each once.
func (d *decoder) pprs(path string, names []string) error {
	seen := map[string]bool{}
	for i, n := range names {
		if _, ok := PPRNames[n]; !ok {
			return d.ErrPath(yamlnode.Index(path, i), "unknown profile policy rule %q (known: %s)", n, pprList)
		}
		if seen[n] {
			return d.ErrPath(yamlnode.Index(path, i), "%s given twice", n)
		}
		seen[n] = true
	}
	return nil
}

// isPLMNPattern accepts MCC+MNC of 5 or 6 characters, each a digit or
// the wildcard E (SGP.22 RAT OperatorId).
func isPLMNPattern(s string) bool {
	if len(s) != 5 && len(s) != 6 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == 'E') {
			return false
		}
	}
	return true
}

// isGID accepts 1 to MaxGIDLen bytes in hex.
func isGID(s string) bool {
	if len(s) == 0 || len(s)%2 != 0 || len(s) > 2*MaxGIDLen {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func (d *decoder) validatePlatform(s *Scenario, opRef func(string, string) error) error {
	pl := &s.Platform
	switch {
	case pl.OrderBy == "" && d.Node("platform.order_by") != nil:
		return d.ErrPath("platform.order_by", "an empty order: want tariff or signal (leave order_by out for tariff)")
	case pl.OrderBy == "":
		pl.OrderBy = "tariff"
	case pl.OrderBy == "tariff", pl.OrderBy == "signal":
	default:
		return d.ErrPath("platform.order_by", "%q: want tariff or signal", pl.OrderBy)
	}
	for i, eid := range pl.Eligibility.AllowEIDs {
		if !ident.IsEID(eid) {
			return d.ErrPath(yamlnode.Index("platform.eligibility.allow_eids", i), "%s", ident.ExplainEID(eid))
		}
	}
	for _, country := range slices.Sorted(maps.Keys(pl.Preferred)) {
		p := yamlnode.Join("platform.preferred", country)
		if !isCountry(country) {
			return d.ErrPath(p, "%q is not an ISO 3166 alpha-2 code such as FR", country)
		}
		if !slices.ContainsFunc(s.Network.Operators, func(o Operator) bool { return o.Country == country }) {
			// The platform serves the list of the serving network's
			// country: with no network there, a typo ("FI" for "FR")
			// would leave the country meant without a list, silently.
			return d.ErrPath(p, "no operator of network.operators is in %s, so no card is ever served this list (the platform serves the serving network's country's)", country)
		}
		if n := len(pl.Preferred[country]); n > MaxPreferred {
			// The card refuses a longer answer: the list could never
			// reach it, and every check would fail alike.
			return d.ErrPath(p, "%s (what the card takes in one preferred list)", limitError("operators", n, MaxPreferred))
		}
		for i, id := range pl.Preferred[country] {
			if err := opRef(yamlnode.Index(p, i), id); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *decoder) validateExpect(s *Scenario, opRef func(string, string) error) error {
	e := &s.Expect
	for i, id := range e.Attempts {
		if err := opRef(yamlnode.Index("expect.attempts", i), id); err != nil {
			return err
		}
	}
	if f := e.Final; f != nil {
		if f.Operator != "" {
			if err := opRef("expect.final.operator", f.Operator); err != nil {
				return err
			}
		}
		if !contains(Registrations, f.Registration) {
			return d.ErrPath("expect.final.registration", "%q: want one of %s", f.Registration, strings.Join(Registrations, ", "))
		}
		if f.PLMN != "" && !ident.IsPLMN(f.PLMN) {
			return d.ErrPath("expect.final.plmn", "%q: want 5 or 6 digits", f.PLMN)
		}
		if f.PLMN != "" && f.Registration != "home" && f.Registration != "roaming" {
			return d.ErrPath("expect.final.plmn", "a device whose registration is %s has no serving network", f.Registration)
		}
		if f.PLMN != "" {
			if msg := unservedFinal(&s.Network, f); msg != "" {
				return d.ErrPath("expect.final.plmn", "%s", msg)
			}
		}
		// Registered at the end is attached to the end: a subscriber
		// home or roaming as last_attach says it can be, or never
		// (outside tester t268 F5: a roaming end with no agreement
		// loaded and failed every run).
		if f.Operator != "" && (f.Registration == "home" || f.Registration == "roaming") {
			if field, msg := unservedLastAttach(s, &LastAttach{Operator: f.Operator, Registration: f.Registration}); msg != "" {
				return d.ErrPath("expect.final."+field, "%s", msg)
			}
		}
		if f.Operator != "" && f.Registration == RegistrationOff {
			return d.ErrPath("expect.final.operator", "a modem without power answers no AT+CIMI: leave the operator out")
		}
		if f.Operator != "" && f.Registration == RegistrationHung {
			return d.ErrPath("expect.final.operator", "a hung AT port answers no AT+CIMI: leave the operator out")
		}
		if f.Operator != "" && f.Registration == RegistrationAbsent {
			return d.ErrPath("expect.final.operator", "a device without its card has no subscriber (AT+CIMI answers SIM not inserted): leave the operator out")
		}
		if msg := unreachedEnd(s, f.Registration); msg != "" {
			return d.ErrPath("expect.final.registration", "%s", msg)
		}
	}
	if l := e.LastAttach; l != nil {
		if err := opRef("expect.last_attach.operator", l.Operator); err != nil {
			return err
		}
		if r := l.Registration; r != "home" && r != "roaming" {
			return d.ErrPath("expect.last_attach.registration", "%q: want home or roaming", r)
		}
		if field, msg := unservedLastAttach(s, l); msg != "" {
			return d.ErrPath("expect.last_attach."+field, "%s", msg)
		}
	}
	for i, n := range e.Notifications {
		kind, to, ok := strings.Cut(n, "@")
		p := yamlnode.Index("expect.notifications", i)
		if i := strings.IndexFunc(n, unicode.IsSpace); i >= 0 {
			// Named as such: the kind or target it spoils would
			// otherwise be refused as unknown (outside tester sw51, F11).
			return d.ErrPath(p, "%q: a space at byte %d: kind@to has none (e.g. attach-success@platform)", n, i)
		}
		if !ok || kind == "" || to == "" || strings.Contains(to, "@") {
			return d.ErrPath(p, "%q: want kind@to, e.g. attach-success@platform", n)
		}
		// Kinds and "platform" are lower case and matched as written; an
		// operator id is the scenario's own, whatever its case.
		lk, lt := strings.ToLower(kind), strings.ToLower(to)
		known := slices.Contains(platformNoteKinds, lk) || slices.Contains(smdpNoteKinds, lk)
		if fixKind, fixTo := known && lk != kind, lt == "platform" && to != "platform" && opRef(p, to) != nil; fixKind || fixTo {
			fix := kind
			if fixKind {
				fix = lk
			}
			if fixTo {
				fix += "@platform"
			} else {
				fix += "@" + to
			}
			return d.ErrPath(p, "%q: kinds and platform are matched case-sensitively, in lower case: did you mean %q?", n, fix)
		}
		// A name no run can log would only show up as a mismatch later.
		if to == "platform" {
			if !slices.Contains(platformNoteKinds, kind) {
				return d.ErrPath(p, "%q: the card sends the platform %s", n, strings.Join(platformNoteKinds, ", "))
			}
			// A target no run can meet is refused like an unknown name
			// (outside tester sw51, F10).
			if kind == platformapi.KindDownloadSuccess && !slices.ContainsFunc(s.Network.Operators, func(o Operator) bool { return o.SMDP != "" }) {
				return d.ErrPath(p, "%q: no operator runs an SM-DP+ (network.operators[].smdp): the card downloads nothing, so it sends no download-success", n)
			}
			continue
		}
		if !slices.Contains(smdpNoteKinds, kind) {
			return d.ErrPath(p, "%q: the card sends an SM-DP+ the SGP.22 notifications %s (or the platform %s, as kind@platform)",
				n, strings.Join(smdpNoteKinds, ", "), strings.Join(platformNoteKinds, ", "))
		}
		if err := opRef(p, to); err != nil {
			if !strings.Contains(to, ".") || !ident.IsHostName(to) {
				return err
			}
			// An SM-DP+ the card knows by its address only: a pending
			// notification's (one it downloaded from is named by its
			// operator, one it never heard of gets nothing).
			if !slices.ContainsFunc(s.Device.Notifications, func(pn Notification) bool { return pn.Address == to }) {
				for _, o := range s.Network.Operators {
					if o.SMDP == to {
						return d.ErrPath(p, "%q: %s is %s's SM-DP+, and a notification to it is named by the operator (%s@%s); an address names only a pending notification of device.notifications", n, to, o.ID, kind, o.ID)
					}
				}
				return d.ErrPath(p, "%q: no notification can go to %s: no operator runs that SM-DP+ and no device.notifications entry names it", n, to)
			}
			// An address names only pending notifications: one of
			// another kind never goes there (outside tester sw51, F10).
			var kinds []string
			for _, pn := range s.Device.Notifications {
				if pn.Address == to && !slices.Contains(kinds, pn.Event) {
					kinds = append(kinds, pn.Event)
				}
			}
			if !slices.Contains(kinds, kind) {
				return d.ErrPath(p, "%q: device.notifications holds no %s notification to %s (only %s), and an address names only those", n, kind, to, strings.Join(kinds, ", "))
			}
			continue
		}
		if operatorSMDP(s, to) == "" {
			return d.ErrPath(p, "%q: operator %q runs no SM-DP+ (network.operators[].smdp): the card sends it no SGP.22 notification", n, to)
		}
	}
	return nil
}

// operatorSMDP is the SM-DP+ address of operator id, "" when it runs none.
func operatorSMDP(s *Scenario, id string) string {
	for _, o := range s.Network.Operators {
		if o.ID == id {
			return o.SMDP
		}
	}
	return ""
}

// The kinds a notification_sent event carries: the platform API's notes,
// and the SGP.22 notifications' events, sent to the profile's operator.
var (
	platformNoteKinds = []string{platformapi.KindAttachSuccess, platformapi.KindAttachFailure, platformapi.KindDownloadSuccess, platformapi.KindListExhausted}
	smdpNoteKinds     = func() (ks []string) {
		for e := es10.EventInstall; e <= es10.EventDelete; e++ {
			ks = append(ks, e.String())
		}
		return ks
	}()
)

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// overlapping returns the PLMN of plmns that plmn overlaps, or "".
func overlapping(plmns map[string]string, plmn string) string {
	for q := range plmns {
		if ident.PLMNsOverlap(plmn, q) {
			return q
		}
	}
	return ""
}

// line says where the file gives path ("line 12"), for an error that
// names a second place.
func (d *decoder) line(path string) string {
	if n := d.Node(path); n != nil {
		return fmt.Sprintf("line %d", n.Line)
	}
	return "not in the file"
}

// isControl reports a C0 or C1 control character (TAB and line feeds
// too), or the line or paragraph separator.
func isControl(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }

// firstControl is the first character of s that isControl reports.
func firstControl(s string) rune {
	return []rune(s[strings.IndexFunc(s, isControl):])[0]
}

// unservedFinal says why no run can end registered as f says on f.PLMN,
// or "": AT+COPS? answers only a network of network.operators that has a
// cell, the world registers a subscriber home on its own network only
// and roaming only where its operator has an agreement (outside tester
// t195: a typo in plmn failed every run rather than the load).
func unservedFinal(n *Network, f *Final) string {
	i := slices.IndexFunc(n.Operators, func(o Operator) bool { return o.Owns(f.PLMN) })
	if i < 0 {
		return fmt.Sprintf("%q is no operator's network (network.operators): AT+COPS? never answers it", f.PLMN)
	}
	net := n.Operators[i].ID
	if !slices.ContainsFunc(n.Cells, func(c Cell) bool { return c.Operator == net && n.cellPLMN(c) == f.PLMN }) {
		return fmt.Sprintf("%q is %s's network, which has no cell (network.cells): nothing registers on it", f.PLMN, net)
	}
	if f.Operator == "" {
		return ""
	}
	switch {
	case f.Registration == "home" && net != f.Operator:
		return fmt.Sprintf("%q is %s's network: a subscriber of %s is home only on its own", f.PLMN, net, f.Operator)
	case f.Registration == "roaming" && net == f.Operator:
		return fmt.Sprintf("%q is %s's own network: its subscriber is home there, not roaming", f.PLMN, f.Operator)
	case f.Registration == "roaming" && !slices.Contains(n.Roaming, Agreement{Home: f.Operator, Visited: net}):
		return fmt.Sprintf("%q is %s's network, which has no roaming agreement for %s's subscribers (network.roaming: {home: %s, visited: %s})", f.PLMN, net, f.Operator, f.Operator, net)
	}
	return ""
}

// unreachedEnd says why no run can end as reg says, or "": off, hung and
// absent are the ends of a fault still in force then — a power cut, an
// at_port: hang or card: absent window that has not closed before the
// horizon (one closing at it has not: the end is read before anything
// due then) — and without one every run fails them (outside tester t268
// F6).
func unreachedEnd(s *Scenario, reg string) string {
	h := s.Horizon()
	open := func(k FaultKind) bool {
		return slices.ContainsFunc(s.Faults, func(f Fault) bool { return f.Kind == k && (f.Until == 0 || f.Until >= h) })
	}
	switch {
	case reg == RegistrationOff && !slices.ContainsFunc(s.Faults, func(f Fault) bool { return f.Kind == PowerCut }):
		return fmt.Sprintf("%q: no power_cut in faults, so the modem has power at the end of every run", reg)
	case reg == RegistrationHung && !open(ATPortHang):
		return fmt.Sprintf("%q: no at_port: hang in faults is in force at the end of the run (%v), so the AT port answers then", reg, h)
	case reg == RegistrationAbsent && !open(CardAbsent):
		return fmt.Sprintf("%q: no card: absent in faults is in force at the end of the run (%v), so the card is there then", reg, h)
	}
	return ""
}

// unservedLastAttach says why no run can attach as l says, and which field
// it is about, or "": the card is a subscriber of an operator only through
// a profile it holds or one that operator's SM-DP+ delivers, and the world
// registers it only on cells of the area the device is in (the
// itinerary's), home on its own network and roaming on a partner's
// (outside tester t195: an operator with no agreement anywhere loaded and
// failed every run).
func unservedLastAttach(s *Scenario, l *LastAttach) (field, why string) {
	op := l.Operator
	i := slices.IndexFunc(s.Network.Operators, func(o Operator) bool { return o.ID == op })
	if i < 0 {
		return "", "" // opRef has said so
	}
	if s.Network.Operators[i].SMDP == "" && !slices.ContainsFunc(s.Device.Profiles, func(p Profile) bool { return p.Operator == op }) {
		return "operator", fmt.Sprintf("the card is never a subscriber of %s: it holds none of its profiles (device.profiles) and %s runs no SM-DP+ (network.operators[].smdp)", op, op)
	}
	visited := func(net string) bool {
		return slices.ContainsFunc(s.Network.Cells, func(c Cell) bool {
			return c.Operator == net && slices.ContainsFunc(s.Itinerary, func(st Stop) bool { return st.Area == c.Area })
		})
	}
	if l.Registration == "home" {
		if !visited(op) {
			return "registration", fmt.Sprintf("%s has no cell in an area of the itinerary (network.cells): its subscriber is never home", op)
		}
		return "", ""
	}
	var partners []string
	for _, a := range s.Network.Roaming {
		if a.Home == op && a.Visited != op {
			if visited(a.Visited) {
				return "", ""
			}
			partners = append(partners, a.Visited)
		}
	}
	if len(partners) == 0 {
		return "registration", fmt.Sprintf("%s has no roaming agreement (network.roaming: {home: %s, visited: …}): its subscriber roams nowhere", op, op)
	}
	return "registration", fmt.Sprintf("no partner of %s (network.roaming: %s) has a cell in an area of the itinerary (network.cells): its subscriber roams nowhere", op, strings.Join(partners, ", "))
}

// smdpHost checks an operator's SM-DP+ host name. The card reaches an
// SM-DP+ by that name (the platform's order and the TLS certificate name
// it too), so it is an FQDN, not an IP address, and no two operators
// share one: the harness runs an SM-DP+ per operator, and the card would
// reach the other operator's, which holds none of this one's orders.
func (d *decoder) smdpHost(path, host string, seen map[string]int) error {
	switch {
	case host == "" && d.Node(path) != nil:
		return d.ErrPath(path, "an empty host name: leave smdp out for an operator without an SM-DP+")
	case host == "":
		return nil
	case !ident.IsHostName(host):
		return d.ErrPath(path, "%q is not a host name", host)
	case net.ParseIP(host) != nil:
		return d.ErrPath(path, "%s", ipHostProblem(host))
	case strings.ToLower(host) != host:
		// DNS names have no case (RFC 4343), and the harness keys an
		// operator's SM-DP+ — its certificate, the world's resolver, the
		// notes owed it — by one form; a card's notification may name it
		// in any case (device.notifications) and still reaches it.
		return d.ErrPath(path, "%q: an SM-DP+ is named in lower case (DNS names have no case, RFC 4343): give %q", host, strings.ToLower(host))
	}
	if j, ok := seen[host]; ok {
		other := yamlnode.Index("network.operators", j)
		return d.ErrPath(path, "%s is already the SM-DP+ of %s (%s): each operator runs an SM-DP+ of its own, and the card would take this operator's orders to the other's, which holds none of them",
			host, other, d.line(other))
	}
	return nil
}

// ipHostProblem says why an SM-DP+ named by an IP address is refused.
func ipHostProblem(host string) string {
	return fmt.Sprintf("%q is an IP address: SGP.22 names an SM-DP+ by its FQDN (its TLS certificate's name)", host)
}

// IssuedByTestEUM reports an EID the test EUM may issue (its permitted
// EIDs, rsp.DefaultEIDPrefixes): the only ones the platform and the
// SM-DP+s take, so the only ones a scenario loads.
func IssuedByTestEUM(eid string) bool {
	return rsp.EIDPermitted(eid, rsp.DefaultEIDPrefixes)
}

// CellTACs are the tracking area codes the world gives cells, in order:
// a cell's own, or its area's default (world.Identity) where it gives
// none.
func CellTACs(cells []Cell) []uint16 {
	out := make([]uint16, len(cells))
	for i, id := range worldIdentities(cells) {
		out[i] = id.tac
	}
	return out
}

// ehplmns checks operator o's equivalent home PLMNs against the networks
// of the operators before it (plmns) and adds them there: each a PLMN of
// o alone, given once, and no more than EF EHPLMN holds.
func (d *decoder) ehplmns(p string, o Operator, plmns map[string]string) error {
	if d.Node(p) != nil && len(o.EHPLMNs) == 0 {
		return d.ErrPath(p, "empty: name %s's other home networks, or leave ehplmns out for its PLMN alone", o.ID)
	}
	if len(o.EHPLMNs) > MaxEHPLMNs {
		return d.ErrPath(p, "%d networks, at most %d: the profiles' EF EHPLMN holds %d entries, %s's PLMN first", len(o.EHPLMNs), MaxEHPLMNs, MaxEHPLMNs+1, o.ID)
	}
	for k, e := range o.EHPLMNs {
		q := yamlnode.Index(p, k)
		switch {
		case !ident.IsPLMN(e):
			return d.ErrPath(q, "%q is not a PLMN (MCC+MNC, 5 or 6 digits)", e)
		case e == o.PLMN:
			return d.ErrPath(q, "%s is %s's plmn: EF EHPLMN lists it first already", e, o.ID)
		case plmns[e] == o.ID:
			return d.ErrPath(q, "%s again: each network is one entry of EF EHPLMN", e)
		case plmns[e] != "":
			return d.ErrPath(q, "%s already belongs to %s", e, plmns[e])
		case !ident.MCCServes(e[:3], o.Country):
			cc, _ := ident.CountryOfMCC(e[:3])
			return d.ErrPath(q, "%s's MCC %s is %s's (ITU-T E.212), not %s's: a home network is of the operator's country", e, e[:3], cc, o.Country)
		}
		plmns[e] = o.ID
	}
	return nil
}

// cellPLMN is the network cell c is of: its own plmn, else its
// operator's PLMN.
func (n *Network) cellPLMN(c Cell) string {
	if c.PLMN != "" {
		return c.PLMN
	}
	for _, o := range n.Operators {
		if o.ID == c.Operator {
			return o.PLMN
		}
	}
	return ""
}
