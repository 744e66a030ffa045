package scenario

import (
	"slices"
	"testing"
)

// TestCellTACs: a cell's own TAC, else its area's default as the world
// numbers areas, in the order they first come (world.Identity).
func TestCellTACs(t *testing.T) {
	cells := []Cell{
		{Area: "FR", Operator: "orange-fr"},
		{Area: "DE", Operator: "telekom-de", TAC: 0x0B2C},
		{Area: "DE", Operator: "vodafone-de"},
		{Area: "FR", Operator: "sfr", TAC: 0xFFFF},
	}
	if got, want := CellTACs(cells), []uint16{0x1000, 0x0B2C, 0x1001, 0xFFFF}; !slices.Equal(got, want) {
		t.Errorf("CellTACs = %#04x, want %#04x", got, want)
	}
}
