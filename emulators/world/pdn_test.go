package world

import (
	"net/netip"
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
)

// TestPDNAddress: the home operator's pools give a subscriber's PDN
// connection its addresses, the same each time, another for another cid,
// subscriber or home operator; an IMSI of no operator's (which no network
// registers) gets none.
func TestPDNAddress(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	w, err := New(testConfig(), clk, eventlog.New(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	get := func(imsi string, cid int) PDNAddresses {
		t.Helper()
		a, ok := w.PDNAddress(imsi, cid)
		if !ok {
			t.Fatalf("%s cid %d: no address", imsi, cid)
		}
		return a
	}
	orange := get("208011234567890", 1)
	for _, tc := range []struct {
		name   string
		a      PDNAddresses
		v4, v6 netip.Prefix
	}{
		// orange-fr is the world's second operator: 100.65/16, 2001:db8:2::/48.
		{"home orange", orange, netip.MustParsePrefix("100.65.0.0/16"), netip.MustParsePrefix("2001:db8:2::/48")},
		{"home cmcc", get("460001234567890", 1), netip.MustParsePrefix("100.64.0.0/16"), netip.MustParsePrefix("2001:db8:1::/48")},
		{"home att", get("310410123456789", 1), netip.MustParsePrefix("100.67.0.0/16"), netip.MustParsePrefix("2001:db8:4::/48")},
	} {
		if !tc.v4.Contains(tc.a.V4) || !tc.v6.Contains(tc.a.V6) {
			t.Errorf("%s: %v %v, want in %v and %v", tc.name, tc.a.V4, tc.a.V6, tc.v4, tc.v6)
		}
		if last := tc.a.V4.As4()[3]; last == 0 || last == 255 {
			t.Errorf("%s: %v is no host address", tc.name, tc.a.V4)
		}
	}
	if again := get("208011234567890", 1); again != orange {
		t.Errorf("the same connection again: %v, want %v", again, orange)
	}
	for _, other := range []PDNAddresses{get("208011234567890", 2), get("208011234567891", 1)} {
		if other.V4 == orange.V4 || other.V6 == orange.V6 {
			t.Errorf("another cid or subscriber shares %v %v", orange.V4, orange.V6)
		}
	}
	if _, ok := w.PDNAddress("999991234567890", 1); ok {
		t.Error("an IMSI of no operator's got an address")
	}
}
