// Package world is the radio world of an emulated rig: operators and their
// PLMNs, the cells visible in each area with their signal, who accepts whose
// subscribers, and injected attach faults. The modem asks it which cells it
// sees and what happens when it attaches.
package world

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// Operator is a mobile network operator.
type Operator struct {
	ID      string
	PLMN    string // MCC+MNC digits, 5 or 6
	Country string // ISO 3166 alpha-2, e.g. "FR"
	Name    string
	Tariff  float64 // roaming price per MB, for preferred lists ordered by tariff
	// EHPLMNs are the operator's other networks its subscribers are at
	// home on, equivalent home PLMNs (TS 23.122 §1.2; EF EHPLMN, TS
	// 31.102 §4.2.84): China Mobile's 46002 and 46007 beside 46000. Its
	// cells may be on any of them; an IMSI is of PLMN alone.
	EHPLMNs []string
}

// Owns reports whether plmn is one of o's networks: its PLMN or an
// equivalent home PLMN.
func (o Operator) Owns(plmn string) bool {
	return plmn != "" && (plmn == o.PLMN || slices.Contains(o.EHPLMNs, plmn))
}

// Cell is one cell of an operator in an area.
type Cell struct {
	Area     string
	Operator string // operator id
	PLMN     string // the operator's PLMN; filled in by New when empty
	TAC      uint16 // tracking area code; 0 → assigned by New
	CellID   uint32 // 28-bit E-UTRAN cell identity; 0 → assigned by New
	RSRP     int    // dBm, fixed per scenario
}

// TAI is the cell's tracking area identity.
func (c Cell) TAI() emm.TAI { return emm.TAI{PLMN: c.PLMN, TAC: c.TAC} }

// Agreement says that the Visited operator's network accepts the Home
// operator's subscribers as roamers.
type Agreement struct {
	Home, Visited string // operator ids
}

// FaultKind is what an attach fault does to an attempt.
type FaultKind int

// Attach fault kinds. The zero value is Reject, so faults written before the
// other kinds existed keep their meaning.
const (
	// Reject answers the ATTACH REQUEST with ATTACH REJECT and Fault.Cause.
	Reject FaultKind = iota
	// NoService: the network's cells do not answer this attempt, so the
	// device finds no suitable cell of it and selection moves on to the next
	// visible network (TS 23.122 §4.4.3.1).
	NoService
	// Timeout: the network never answers the ATTACH REQUEST; the modem's
	// T3410 expires (TS 24.301 §5.5.1.2.6) and this selection stops
	// there: the modem restarts the attach on that network alone at
	// T3411's expiry (emm.Selection.Only), and after the fifth expiry
	// selects again past it (emm.Selection.Failed).
	Timeout
)

// String names the kind as scenario files and events do.
func (k FaultKind) String() string {
	switch k {
	case Reject:
		return "reject"
	case NoService:
		return "no_service"
	case Timeout:
		return "timeout"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault makes an operator's network fail attach attempts.
type Fault struct {
	Operator string // network operator id that fails the attempt
	// Subscriber, if set, limits the fault to subscribers of that operator
	// (the IMSI's home operator): a network that rejects its own new
	// subscribers may still serve roamers.
	Subscriber string
	Kind       FaultKind
	// Attempt is the 1-based number of the attach attempt on that network to
	// fail, counted over the whole run; 0 fails every attempt.
	Attempt int
	// Cause is the EMM cause sent by a Reject (TS 24.301 §9.9.3.9), e.g. 15
	// no suitable cells in tracking area; 0 for the other kinds.
	Cause int
	// TAC, if set, limits a Reject to the operator's cells of that
	// tracking area: #12, #13 and #15 refuse an area, not the network.
	TAC uint16
	// From and Until bound, on the world's clock, when the fault is active;
	// zero values leave that side open.
	From, Until time.Time
	// Entry identifies the fault in the `fault` events the world logs when
	// it injects it (the harness puts the scenario's fault index there).
	Entry int
}

// Config describes a world.
type Config struct {
	Operators []Operator
	Roaming   []Agreement
	Cells     []Cell
	Faults    []Fault
}

// validate checks references and formats and returns the first problem.
func (c *Config) validate() error {
	ops := map[string]bool{}
	plmns := map[string]string{}
	for i, o := range c.Operators {
		switch {
		case o.ID == "":
			return fmt.Errorf("operators[%d]: missing id", i)
		case ops[o.ID]:
			return fmt.Errorf("operators[%d]: duplicate id %q", i, o.ID)
		case !ident.IsPLMN(o.PLMN):
			return fmt.Errorf("operators[%d] %s: plmn %q is not 5 or 6 digits", i, o.ID, o.PLMN)
		case plmns[o.PLMN] != "":
			return fmt.Errorf("operators[%d] %s: plmn %s already belongs to %s", i, o.ID, o.PLMN, plmns[o.PLMN])
		}
		for q, id := range plmns {
			if ident.PLMNsOverlap(o.PLMN, q) {
				return fmt.Errorf("operators[%d] %s: plmn %s overlaps %s's %s: an IMSI would be a subscriber of both", i, o.ID, o.PLMN, id, q)
			}
		}
		ops[o.ID] = true
		plmns[o.PLMN] = o.ID
		for _, e := range o.EHPLMNs {
			switch {
			case !ident.IsPLMN(e):
				return fmt.Errorf("operators[%d] %s: ehplmn %q is not 5 or 6 digits", i, o.ID, e)
			case plmns[e] != "":
				return fmt.Errorf("operators[%d] %s: ehplmn %s already belongs to %s", i, o.ID, e, plmns[e])
			}
			plmns[e] = o.ID
		}
	}
	for i, a := range c.Roaming {
		if !ops[a.Home] {
			return fmt.Errorf("roaming[%d]: unknown home operator %q", i, a.Home)
		}
		if !ops[a.Visited] {
			return fmt.Errorf("roaming[%d]: unknown visited operator %q", i, a.Visited)
		}
	}
	for i, cl := range c.Cells {
		switch {
		case cl.Area == "":
			return fmt.Errorf("cells[%d]: missing area", i)
		case !ops[cl.Operator]:
			return fmt.Errorf("cells[%d]: unknown operator %q", i, cl.Operator)
		case cl.PLMN != "" && plmns[cl.PLMN] != cl.Operator:
			return fmt.Errorf("cells[%d]: plmn %q is not operator %s's", i, cl.PLMN, cl.Operator)
		case cl.CellID > 0x0FFFFFFF:
			return fmt.Errorf("cells[%d]: cell id %#x exceeds 28 bits", i, cl.CellID)
		}
	}
	for i, f := range c.Faults {
		switch {
		case !ops[f.Operator]:
			return fmt.Errorf("faults[%d]: unknown operator %q", i, f.Operator)
		case f.Attempt < 0:
			return fmt.Errorf("faults[%d]: attempt %d is negative", i, f.Attempt)
		case f.Kind == Reject && (f.Cause <= 0 || f.Cause > 255):
			return fmt.Errorf("faults[%d]: EMM cause %d out of 1..255", i, f.Cause)
		case f.Kind != Reject && f.Kind != NoService && f.Kind != Timeout:
			return fmt.Errorf("faults[%d]: unknown kind %v", i, f.Kind)
		case f.Kind != Reject && f.Cause != 0:
			return fmt.Errorf("faults[%d]: %v fault carries EMM cause %d; only reject sends one", i, f.Kind, f.Cause)
		case f.Kind != Reject && f.TAC != 0:
			return fmt.Errorf("faults[%d]: %v fault limited to TAC %#04x; only a reject is", i, f.Kind, f.TAC)
		}
	}
	if len(c.Operators) == 0 {
		return errors.New("no operators")
	}
	return nil
}
