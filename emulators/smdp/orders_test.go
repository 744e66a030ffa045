package smdp

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/smdplog"
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

// A long-lived SM-DP+ (esimhil serve, outside tester t86 F9) keeps the
// newest Config.MaxFinished finished orders, their install records and
// taken notifications, however many downloads finish; what a dropped
// order answers is SGP.22's answer for one the server does not know,
// while a kept one answers as before.
func TestFinishedOrdersKept(t *testing.T) {
	const kept = 3
	e := newEnvWith(t, func(c *Config) { c.MaxFinished = kept })
	type download struct {
		mid string
		pir []byte
	}
	var done []download
	for i := range 4 * kept {
		c, mid := e.packageSent(t)
		pir := c.installResult(2*i+1, i%2 == 0) // installed, or in error
		md := es10.NotificationMetadata{Seq: 2*i + 2, Event: es10.EventEnable, Address: testHost, ICCID: c.meta.ICCID}
		sig, err := rsp.Sign(c.cert.Key, md.Encode())
		if err != nil {
			t.Fatal(err)
		}
		enable := es10.OtherSignedNotification{Metadata: md, Signature: sig, EuiccCertificate: c.cert.DER, EUMCertificate: c.eum.DER}
		for _, n := range [][]byte{pir, enable.Encode()} {
			if code, _, err := c.notify(n); err != nil || code != http.StatusNoContent {
				t.Fatalf("download %d: notification: %d %v", i, code, err)
			}
		}
		done = append(done, download{mid, pir})
		e.srv.mu.Lock()
		sizes := []int{len(e.srv.orders), len(e.srv.released), len(e.srv.sent), len(e.srv.notified)}
		outstanding := e.srv.outstanding
		e.srv.mu.Unlock()
		if slices.Max(sizes) > kept || outstanding != 0 {
			t.Fatalf("after %d downloads: orders, released, sent, notified %v, %d outstanding; want at most %d, 0", i+1, sizes, outstanding, kept)
		}
	}
	for _, tc := range []struct {
		name    string
		d       download
		outcome string // of its install result sent again
		reason  string // authenticateClient under its matching ID: 8.2.6/reason
	}{
		{"the oldest, dropped", done[0], smdplog.Discarded, es9.ReasonRefused},
		{"the newest, kept", done[len(done)-1], smdplog.Duplicate, es9.ReasonAlreadyUsed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, err := e.post(es9.FnHandleNotification, map[string]string{"pendingNotification": enc(tc.d.pir)}); err != nil || code != http.StatusNoContent {
				t.Fatalf("install result again: %d %v", code, err)
			}
			p := e.notificationLog(t, "?offset=0&limit=1000")
			if last := p.Entries[len(p.Entries)-1]; last.Outcome != tc.outcome {
				t.Errorf("install result again: %s %s/%s %q, want %s", last.Outcome, last.Subject, last.Reason, last.Error, tc.outcome)
			}
			c := e.card(testEID, tc.d.mid)
			code, m, err := c.initiate()
			mustOK(t, "initiateAuthentication", code, m, err)
			if err := c.authenticateServer(m); err != nil {
				t.Fatal(err)
			}
			code, m, err = c.authenticateClient(c.authServerResponse(nil))
			mustFail(t, "authenticateClient", code, m, err, http.StatusOK, es9.SubjectMatchingID, tc.reason)
		})
	}
}
