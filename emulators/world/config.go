// Package world is the radio world of an emulated rig: operators and their
// PLMNs, the cells visible in each area with their signal, who accepts whose
// subscribers, and injected attach faults. The modem asks it which cells it
// sees and what happens when it attaches.
package world

import (
	"errors"
	"fmt"
	"github.com/esimhil/esimhil/emulators/ident"
	"time"
)

// Operator is a mobile network operator.
type Operator struct {
	ID      string
	PLMN    string // MCC+MNC digits, 5 or 6
	Country string // ISO 3166 alpha-2, e.g. "FR"
	Name    string
	Tariff  float64 // roaming price per MB, for preferred lists ordered by tariff
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

// Agreement says that the Visited operator's network accepts the Home
// operator's subscribers as roamers.
type Agreement struct {
	Home, Visited string // operator ids
}

// Fault makes an operator's network reject attach attempts.
type Fault struct {
	Operator string // network operator id that rejects
	// Attempt is the 1-based number of the attach attempt on that network to
	// reject, counted over the whole run; 0 rejects every attempt.
	Attempt int
	// Cause is the EMM cause sent (TS 24.301 §9.9.3.9), e.g. 15 no suitable
	// cells in tracking area.
	Cause int
	// From and Until bound, on the world's clock, when the fault is active;
	// zero values leave that side open.
	From, Until time.Time
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
		ops[o.ID] = true
		plmns[o.PLMN] = o.ID
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
		case f.Cause <= 0 || f.Cause > 255:
			return fmt.Errorf("faults[%d]: EMM cause %d out of 1..255", i, f.Cause)
		}
	}
	if len(c.Operators) == 0 {
		return errors.New("no operators")
	}
	return nil
}
