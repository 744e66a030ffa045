package euicc

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// heldAtStart are a field card's undelivered notifications (SGP.22 §3.5),
// out of seq order: an install of a profile since deleted, the delete,
// and a disable of a profile the card holds.
var heldAtStart = []PendingSpec{
	{Seq: 12, Event: es10.EventDelete, ICCID: "89012345678901234563", Address: "smdp.example.com"},
	{Seq: 9, Event: es10.EventInstall, ICCID: "89012345678901234563", Address: "smdp.example.com"},
	{Seq: 14, Event: es10.EventDisable, ICCID: "89331000000000000029", Address: "rsp.sfr.test"},
}

func pendingCard(t *testing.T) *Card {
	t.Helper()
	cfg, _ := rspConfig(t)
	cfg.Pending = heldAtStart
	c := newTestCard(t, cfg)
	storeSelect(t, c)
	return c
}

// TestPendingAtStartListed: ListNotification lists what the card was made
// with, in the order of their seq, as the card lists its own.
func TestPendingAtStartListed(t *testing.T) {
	c := pendingCard(t)
	l := newLPA(t, c)
	list, err := es10.DecodeListNotificationResponse(l.es10(es10.ListNotificationRequest{}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	want := []es10.NotificationMetadata{
		{Seq: 9, Event: es10.EventInstall, Address: "smdp.example.com", ICCID: "89012345678901234563"},
		{Seq: 12, Event: es10.EventDelete, Address: "smdp.example.com", ICCID: "89012345678901234563"},
		{Seq: 14, Event: es10.EventDisable, Address: "rsp.sfr.test", ICCID: "89331000000000000029"},
	}
	if !slices.Equal(list, want) {
		t.Fatalf("ListNotification %+v, want %+v", list, want)
	}
	disables := es10.Events(es10.EventDisable)
	list, _ = es10.DecodeListNotificationResponse(l.es10(es10.ListNotificationRequest{Filter: &disables}.Encode()))
	if len(list) != 1 || list[0].Seq != 14 {
		t.Fatalf("disables %+v", list)
	}
}

// TestPendingAtStartSigned: RetrieveNotificationsList hands out what the
// card would have made: an install result signed with SK.EUICC whose
// transactionId, smdpOid and AID a finished download holds, and the
// others with the card's certificate chain, which verifies to the CI as
// an SM-DP+ checks it (handleNotification).
func TestPendingAtStartSigned(t *testing.T) {
	c := pendingCard(t)
	l := newLPA(t, c)
	got, code, err := es10.DecodeRetrieveNotificationsListResponse(l.es10(es10.RetrieveNotificationsListRequest{}.Encode()))
	if err != nil || code != 0 || len(got) != 3 {
		t.Fatalf("RetrieveNotificationsList %d notifications, code %d, %v", len(got), code, err)
	}
	pub := euiccPub(t, c)
	for _, n := range got {
		// Each decodes strictly on its own, as an SM-DP+ receives it.
		again, err := es10.DecodePendingNotification(n.Encode())
		if err != nil {
			t.Fatalf("seq %d: %v", n.Metadata().Seq, err)
		}
		if again.Install != nil {
			d := again.Install.Data
			if err := rsp.Verify(pub, d.Signed(), again.Install.Signature); err != nil {
				t.Errorf("install %d: euiccSignPIR: %v", d.Notification.Seq, err)
			}
			switch {
			case !d.OK || len(d.TransactionID) != 16 || len(d.SmdpOID) == 0:
				t.Errorf("install result %+v: want a success with a 16-byte transactionId and smdpOid", d)
			case !bytes.Equal(d.SmdpOID, oidContents(rsp.SMDPOID("smdp.example.com"))):
				t.Errorf("smdpOid %X: want the test identity of the address", d.SmdpOID)
			case !bytes.Equal(d.AID, isdpAID(2)):
				// The profile was deleted: the first ISD-P AID not in use.
				t.Errorf("AID %X, want %X", d.AID, isdpAID(2))
			}
			continue
		}
		o := again.Other
		eid, opub, err := rsp.VerifyEUICC(testPKI(t).CI.X509, o.EUMCertificate, o.EuiccCertificate, c.cfg.Now())
		if err != nil || eid != testEID {
			t.Fatalf("seq %d: chain %v (EID %s)", o.Metadata.Seq, err, eid)
		}
		if err := rsp.Verify(opub, o.Signed(), o.Signature); err != nil {
			t.Errorf("seq %d: euiccNotificationSignature: %v", o.Metadata.Seq, err)
		}
	}
	// The same card makes the same bytes: nothing drawn at random.
	again, _, _ := es10.DecodeRetrieveNotificationsListResponse(newLPA(t, pendingCard(t)).es10(es10.RetrieveNotificationsListRequest{Seq: ptr(9)}.Encode()))
	if len(again) != 1 || !bytes.Equal(again[0].Install.Data.TransactionID, got[0].Install.Data.TransactionID) {
		t.Errorf("transactionId differs between two cards made alike")
	}
}

func ptr[T any](v T) *T { return &v }

// TestPendingAtStartRemovedAndNumbered: NotificationSent removes one; the
// next notification the card makes is numbered above the highest it was
// made with; an NVM image restored holds them once.
func TestPendingAtStartRemovedAndNumbered(t *testing.T) {
	c := pendingCard(t)
	l := newLPA(t, c)
	if r, err := es10.DecodeResult(es10.TagNotificationSent, l.es10(es10.EncodeNotificationSentRequest(12))); err != nil || r != es10.DeleteOK {
		t.Fatalf("NotificationSent 12: %d %v", r, err)
	}
	l.authenticate()
	l.prepare()
	if pir := l.pir(l.load(l.bpp())); pir.Data.Notification.Seq != 15 {
		t.Errorf("the card's own install result is numbered %d, want 15", pir.Data.Notification.Seq)
	}
	seqs := func(c *Card) string { return pendingSeqs(t, newLPA(t, c)) }
	const want = "install 9, disable 14, install 15"
	if got := seqs(c); got != want {
		t.Fatalf("pending %s, want %s", got, want)
	}
	// What a run that ends names as owed is the list, addresses and all.
	var held []string
	for _, n := range c.PendingNotifications() {
		held = append(held, fmt.Sprintf("%s %d %s", n.Event, n.Seq, n.Address))
		if n.Pending != nil {
			t.Errorf("PendingNotifications hands out notification %d's signed encoding", n.Seq)
		}
	}
	if got, want := strings.Join(held, ", "), "install 9 smdp.example.com, disable 14 rsp.sfr.test, install 15 smdp.sfr.test:8443"; got != want {
		t.Errorf("PendingNotifications %s, want %s", got, want)
	}
	cfg := c.cfg // with Pending: a restore must not add them again
	c2 := restored(t, cfg, c)
	c2.Reset()
	if got := seqs(c2); got != want {
		t.Fatalf("pending after restore %s, want %s", got, want)
	}
}

func TestPendingAtStartRefused(t *testing.T) {
	tests := []struct {
		name    string
		pending []PendingSpec
		nokey   bool
		want    string
	}{
		{"seq zero", []PendingSpec{{Seq: 0, Event: es10.EventInstall, ICCID: "89012345678901234563", Address: "a.b"}}, false,
			"euicc: pending notification 0: seq 0: want 1..1073741823"},
		{"seq twice", []PendingSpec{{Seq: 3, Event: es10.EventInstall, ICCID: "89012345678901234563", Address: "a.b"},
			{Seq: 3, Event: es10.EventDelete, ICCID: "89012345678901234563", Address: "a.b"}}, false,
			"euicc: pending notification 1: seq 3 appears twice"},
		{"unknown event", []PendingSpec{{Seq: 1, Event: 7, ICCID: "89012345678901234563", Address: "a.b"}}, false,
			"euicc: pending notification 0: event 7: want install, enable, disable or delete"},
		{"bad ICCID", []PendingSpec{{Seq: 1, Event: es10.EventDelete, ICCID: "89012345678901234567", Address: "a.b"}}, false,
			`euicc: pending notification 0: ICCID "89012345678901234567": want 18-20 digits with a Luhn check digit`},
		{"no address", []PendingSpec{{Seq: 1, Event: es10.EventDelete, ICCID: "89012345678901234563"}}, false,
			`euicc: pending notification 0: address "" is not an SM-DP+ address`},
		{"too many", func() (ns []PendingSpec) {
			for i := range maxPending + 1 {
				ns = append(ns, PendingSpec{Seq: i + 1, Event: es10.EventDelete, ICCID: "89012345678901234563", Address: "a.b"})
			}
			return ns
		}(), false, "euicc: 33 pending notifications, at most 32"},
		{"no key to sign", heldAtStart, true, "euicc: 3 pending notifications and no eUICC key to sign them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := rspConfig(t)
			if tt.nokey {
				cfg.EUICCKey = nil
			}
			cfg.Pending = tt.pending
			if _, err := New(cfg); err == nil || err.Error() != tt.want {
				t.Fatalf("New: %v, want %s", err, tt.want)
			}
		})
	}
}

// TestBackoffBeyondCapRefused: a back-off the card could run but not
// persist (an end past applet.MaxBackoffPeriods, which its state decoder
// refuses at the next boot) is refused when the card is made.
func TestBackoffBeyondCapRefused(t *testing.T) {
	tests := []struct {
		name string
		b    applet.Backoff
		want string
	}{
		{"at the cap", applet.Backoff{First: 1, Max: applet.MaxBackoffPeriods}, ""},
		{"max past it", applet.Backoff{First: 1, Max: applet.MaxBackoffPeriods + 1}, "euicc: backoff first 1, max 10001: at most 10000 periods each"},
		{"first past it", applet.Backoff{First: applet.MaxBackoffPeriods + 1}, "euicc: backoff first 10001, max 0: at most 10000 periods each"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := rspConfig(t)
			cfg.Backoff = tt.b
			_, err := New(cfg)
			if got := fmt.Sprint(err); (tt.want == "" && err != nil) || (tt.want != "" && got != tt.want) {
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
		})
	}
}
