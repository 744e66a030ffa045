package world

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
)

// World is the radio situation of one rig. It is safe for concurrent use.
type World struct {
	clk clock.Clock
	log *eventlog.Log

	// ops and roaming are looked up by a scan, not through maps: a world
	// has a handful of operators, and a fleet holds a world per device
	// (maps of them took 2–3 KiB a device).
	ops      []Operator
	roaming  []Agreement
	faults   []Fault
	mu       sync.Mutex
	cells    []Cell // guarded by mu: SetRSRP changes signals during a run
	area     string
	attempts map[string]int // attach attempts per network operator id; made at the first
	attached *Attachment
	// lost says the device is in a dead zone (SetCoverage): no cell of
	// any network reaches it.
	lost bool
	// down holds the operators whose networks are out (SetOutage): none
	// of their cells, anywhere, serves. A slice: rarely more than one.
	down []string
	// interrupt, if set, says a power cut is under way (SetInterrupt).
	interrupt func() bool
}

// New validates cfg and builds the world; cells without TAC or cell id get
// deterministic ones from their area's and their own order in cfg.
func New(cfg Config, clk clock.Clock, log *eventlog.Log) (*World, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("world config: %w", err)
	}
	w := &World{
		clk: clk, log: log,
		ops:     slices.Clone(cfg.Operators),
		roaming: slices.Clone(cfg.Roaming),
		faults:  slices.Clone(cfg.Faults),
		cells:   make([]Cell, 0, len(cfg.Cells)),
	}
	areaIdx := map[string]int{}
	for i, c := range cfg.Cells {
		if _, ok := areaIdx[c.Area]; !ok {
			areaIdx[c.Area] = len(areaIdx)
		}
		if c.PLMN == "" {
			o, _ := w.Operator(c.Operator) // validate checked it
			c.PLMN = o.PLMN
		}
		c.TAC, c.CellID = Identity(areaIdx[c.Area], i, c.TAC, c.CellID)
		w.cells = append(w.cells, c)
	}
	return w, nil
}

// Identity is the TAC and cell id a cell has in the world: those it was
// given, and for a zero one the default from its area's order (areaIdx:
// areas numbered by their first cell) and its own (i) in Config.Cells. The
// scenario loader uses it too, to see one cell given twice when one of the
// two gives its identity and the other leaves it to the default.
func Identity(areaIdx, i int, tac uint16, cellID uint32) (uint16, uint32) {
	if tac == 0 {
		tac = uint16(0x1000 + areaIdx)
	}
	if cellID == 0 {
		cellID = uint32(areaIdx+1)<<16 | uint32(i+1)
	}
	return tac, cellID
}

// SetArea moves the device to area, which must hold at least one cell.
func (w *World) SetArea(area string) error {
	w.mu.Lock()
	known := slices.ContainsFunc(w.cells, func(c Cell) bool { return c.Area == area })
	if known {
		w.area = area
	}
	w.mu.Unlock()
	if !known {
		return fmt.Errorf("set area: unknown area %q", area)
	}
	w.log.Emit(eventlog.World, KindAreaChanged, eventlog.F{"area": area})
	return nil
}

// RSRP reporting range, TS 36.133 §9.1.4.
const (
	MinRSRP = -140
	MaxRSRP = -44
)

// SetRSRP sets the signal of operator's cells in area to rsrp dBm, for
// signal that changes over time (claim 5 ordering by signal). The device's
// current registration is not touched: the next look at the cells, or the
// next attach, sees the new value.
func (w *World) SetRSRP(area, operator string, rsrp int) error {
	if rsrp < MinRSRP || rsrp > MaxRSRP {
		return fmt.Errorf("set rsrp: %d dBm out of range %d..%d", rsrp, MinRSRP, MaxRSRP)
	}
	w.mu.Lock()
	n := 0
	for i := range w.cells {
		if c := &w.cells[i]; c.Area == area && c.Operator == operator {
			c.RSRP = rsrp
			n++
		}
	}
	w.mu.Unlock()
	if n == 0 {
		return fmt.Errorf("set rsrp: operator %q has no cell in area %q", operator, area)
	}
	w.log.Emit(eventlog.World, KindSignalChanged, eventlog.F{"area": area, "operator": operator, "rsrp": rsrp})
	return nil
}

// SetCoverage puts the device in a dead zone (ok false) or out of it: in
// one, no cell of any network reaches it — a tunnel, a basement, a gap
// between cells — so it has no serving cell and an attach finds none
// (no service). The registration the device had ends without a detach:
// the network never heard from it. The modem notices at its next look at
// the cells (modem.Reselect).
func (w *World) SetCoverage(ok bool) {
	w.mu.Lock()
	w.lost = !ok
	if !ok {
		w.attached = nil
	}
	w.mu.Unlock()
}

// SetOutage takes operator's network down (out true) or brings it back:
// while it is down none of its cells serves in any area, the other
// networks' cells still do. dropped says the device was attached to it
// and lost its registration, without a detach, as in a dead zone; the
// modem notices at its next look at the cells (modem.Reselect) and may
// find another network there. A device on another network notices
// nothing.
func (w *World) SetOutage(operator string, out bool) (dropped bool, err error) {
	if _, ok := w.Operator(operator); !ok {
		return false, fmt.Errorf("outage: unknown operator %q", operator)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.down = slices.DeleteFunc(w.down, func(id string) bool { return id == operator })
	if !out {
		return false, nil
	}
	w.down = append(w.down, operator)
	if w.attached != nil && w.attached.Network == operator {
		w.attached = nil
		return true, nil
	}
	return false, nil
}

// Area returns the current area ("" before the first SetArea).
func (w *World) Area() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.area
}

// Cells returns the cells visible in the current area, strongest first, ties
// by PLMN then cell id.
func (w *World) Cells() []Cell {
	w.mu.Lock()
	var out []Cell
	for _, c := range w.cells {
		if c.Area == w.area && !w.lost && !slices.Contains(w.down, c.Operator) {
			out = append(out, c)
		}
	}
	w.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.RSRP != b.RSRP {
			return a.RSRP > b.RSRP
		}
		if a.PLMN != b.PLMN {
			return a.PLMN < b.PLMN
		}
		return a.CellID < b.CellID
	})
	return out
}

// Operators returns every operator, in configuration order.
func (w *World) Operators() []Operator { return append([]Operator(nil), w.ops...) }

// Operator returns the operator with id.
func (w *World) Operator(id string) (Operator, bool) {
	for _, o := range w.ops {
		if o.ID == id {
			return o, true
		}
	}
	return Operator{}, false
}

// OperatorByPLMN returns the operator owning plmn, its PLMN or one of
// its equivalent home PLMNs.
func (w *World) OperatorByPLMN(plmn string) (Operator, bool) {
	for _, o := range w.ops {
		if o.Owns(plmn) {
			return o, true
		}
	}
	return Operator{}, false
}

// HomePLMN returns the longest operator PLMN that prefixes imsi: an IMSI
// starts with MCC+MNC (TS 23.003 §2.2), and MNCs are 2 or 3 digits.
func (w *World) HomePLMN(imsi string) (string, bool) {
	best := ""
	for _, o := range w.ops {
		if p := o.PLMN; len(p) > len(best) && strings.HasPrefix(imsi, p) {
			best = p
		}
	}
	return best, best != ""
}
