package dissectorports

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The list is the installed Wireshark's: every tcp.port registration in the
// ephemeral range is in it, and no stand-in port is registered.
func TestTakenIsWiresharks(t *testing.T) {
	out, err := exec.Command("tshark", "-G", "decodes").Output()
	if err != nil {
		t.Skipf("tshark -G decodes: %v (ci/install.sh installs tshark)", err)
	}
	var got []uint16
	standIns := map[uint16]bool{}
	for _, p := range taken {
		s, _ := StandIn(p)
		standIns[s] = true
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 3 || f[0] != "tcp.port" {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		switch p := uint16(n); {
		case n >= 32768 && n <= 60999:
			got = append(got, p)
		case standIns[p]:
			t.Errorf("stand-in port %d is Wireshark's %s", p, f[2])
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if !slices.Equal(got, taken[:]) {
		t.Errorf("tshark registers %v in the ephemeral range, the list says %v", got, taken)
	}
}

func TestStandIn(t *testing.T) {
	seen := map[uint16]bool{}
	for _, p := range taken {
		s, ok := StandIn(p)
		if !ok || s < standInBase || seen[s] || Taken(s) {
			t.Errorf("StandIn(%d) = %d, %v", p, s, ok)
		}
		seen[s] = true
	}
	if _, ok := StandIn(40000); ok || Taken(40000) {
		t.Error("40000 is not taken")
	}
}
