package euicc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// pendingSeqs is ListNotification's answer as "event seq, ...".
func pendingSeqs(t *testing.T, l *lpa) string {
	t.Helper()
	list, err := es10.DecodeListNotificationResponse(l.es10(es10.ListNotificationRequest{}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, n := range list {
		s = append(s, fmt.Sprintf("%s %d", n.Event, n.Seq))
	}
	return strings.Join(s, ", ")
}

// TestSeqNumberNeverReused: every notification the card makes is numbered
// above all it issued before (SGP.22 §5.7.9 seqNumber), whether those are
// still pending or were delivered and removed, and across a power cut (an
// NVM restore). An SM-DP+ acknowledges an (EID, seqNumber) once and takes
// the same pair again for a resend of that notification, so a number
// reused would lose the new one.
func TestSeqNumberNeverReused(t *testing.T) {
	tests := []struct {
		name    string
		sent    []int // NotificationSent for these first
		restore bool  // then a power cut: the card restored from its NVM
		want    string
	}{
		{"none delivered", nil, false, "install 9, delete 12, disable 14, install 15, enable 16"},
		{"all delivered", []int{9, 12, 14}, false, "install 15, enable 16"},
		{"none delivered, power cut", nil, true, "install 9, delete 12, disable 14, install 15, enable 16"},
		{"highest delivered, power cut", []int{14}, true, "install 9, delete 12, install 15, enable 16"},
		{"all delivered, power cut", []int{9, 12, 14}, true, "install 15, enable 16"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := pendingCard(t)
			l := newLPA(t, c)
			for _, seq := range tc.sent {
				if r, err := es10.DecodeResult(es10.TagNotificationSent, l.es10(es10.EncodeNotificationSentRequest(seq))); err != nil || r != es10.DeleteOK {
					t.Fatalf("NotificationSent %d: %d %v", seq, r, err)
				}
			}
			if tc.restore {
				img, err := c.NVM()
				if err != nil {
					t.Fatal(err)
				}
				if c, err = Restore(c.cfg, img); err != nil {
					t.Fatal(err)
				}
				c.Reset()
				l = newLPA(t, c)
			}
			l.authenticate()
			l.prepare()
			l.pir(l.load(l.bpp()))
			enable := fmt.Sprintf("BF3111A00C5A0A%X810100", es10.ICCIDBytes(l.meta.ICCID))
			if r := l.es10(hexdump.Bytes(t, enable)); fmt.Sprintf("%X", r) != "BF3103800100" {
				t.Fatalf("EnableProfile: %X", r)
			}
			if got := pendingSeqs(t, l); got != tc.want {
				t.Errorf("pending %s, want %s", got, tc.want)
			}
		})
	}
}

// TestNotificationSentRemovesOnlyItsSeq: RemoveNotificationFromList
// (SGP.22 §5.7.11) deletes the one notification with that seqNumber and
// answers ok, or answers nothingToDelete (1) and keeps every notification
// when none has it.
func TestNotificationSentRemovesOnlyItsSeq(t *testing.T) {
	tests := []struct {
		seq    int
		result int
		want   string
	}{
		{12, es10.DeleteOK, "install 9, disable 14"},
		{9, es10.DeleteOK, "delete 12, disable 14"},
		{14, es10.DeleteOK, "install 9, delete 12"},
		{13, es10.DeleteNothingToDelete, "install 9, delete 12, disable 14"},
		{8, es10.DeleteNothingToDelete, "install 9, delete 12, disable 14"},
		{15, es10.DeleteNothingToDelete, "install 9, delete 12, disable 14"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.seq), func(t *testing.T) {
			l := newLPA(t, pendingCard(t))
			r, err := es10.DecodeResult(es10.TagNotificationSent, l.es10(es10.EncodeNotificationSentRequest(tc.seq)))
			if err != nil || r != tc.result {
				t.Fatalf("NotificationSent %d: deleteNotificationStatus %d %v, want %d", tc.seq, r, err, tc.result)
			}
			if got := pendingSeqs(t, l); got != tc.want {
				t.Errorf("after NotificationSent %d: pending %s, want %s", tc.seq, got, tc.want)
			}
		})
	}
}
