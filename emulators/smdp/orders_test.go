package smdp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/ident"
)

// Outstanding orders are bounded; finished ones (installed, failed) are
// not outstanding, so thousands of downloads in a row are all served.
func TestOrderBoundCountsOutstandingOnly(t *testing.T) {
	p := thePKI(t)
	srv, err := New(Config{Operator: testOp, Host: testHost, CI: p.CI.X509, Certs: p.SMDP[testOp],
		Now:        func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
		NewProfile: func(seq int) Profile { return Profile{ICCID: fmt.Sprint(seq), Operator: testOp} }})
	if err != nil {
		t.Fatal(err)
	}
	eid := func(i int) string {
		e, err := ident.MakeEID(fmt.Sprintf("890490320000%018d", i))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for i := range DefaultMaxOrders {
		if _, _, err := srv.Order(eid(i)); err != nil {
			t.Fatalf("order %d: %v", i, err)
		}
	}
	if _, _, err := srv.Order(eid(DefaultMaxOrders)); err == nil || !strings.Contains(err.Error(), "too many outstanding orders") {
		t.Fatalf("order past the bound: %v", err)
	}
	// Ten of them are installed, two fail: twelve new orders fit.
	srv.mu.Lock()
	n := 0
	for _, o := range srv.orders {
		switch {
		case n < 10:
			srv.setState(o, "downloaded")
			srv.setState(o, "installed")
		case n < 12:
			srv.setState(o, "error")
		}
		n++
	}
	srv.mu.Unlock()
	for i := range 12 {
		if _, _, err := srv.Order(eid(DefaultMaxOrders + 1 + i)); err != nil {
			t.Fatalf("order after %d finished: %v", i, err)
		}
	}
	if _, _, err := srv.Order(eid(2 * DefaultMaxOrders)); err == nil {
		t.Fatal("the bound let one more through")
	}
}
