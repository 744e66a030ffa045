package apdu

import "testing"

// TestCloses: MANAGE CHANNEL close names the channel it closes in P2, or
// its own (the class byte's) with P2 00; an open closes none.
func TestCloses(t *testing.T) {
	for _, tc := range []struct {
		c    Command
		n    int
		want bool
	}{
		{Command{CLA: 0x00, INS: InsManageChannel, P1: 0x80, P2: 0x01}, 1, true},
		{Command{CLA: 0x02, INS: InsManageChannel, P1: 0x80, P2: 0x00}, 2, true},
		{Command{CLA: 0x41, INS: InsManageChannel, P1: 0x80, P2: 0x00}, 5, true},
		{Command{CLA: 0x00, INS: InsManageChannel, P1: 0x00, P2: 0x00}, 0, false},
		{Command{CLA: 0x00, INS: InsSelect, P1: 0x80, P2: 0x01}, 0, false},
	} {
		if n, ok := tc.c.Closes(); n != tc.n || ok != tc.want {
			t.Errorf("%+v: %d %v, want %d %v", tc.c, n, ok, tc.n, tc.want)
		}
	}
}
