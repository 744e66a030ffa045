package euicc

// Pending notifications (SGP.22 §3.5, §5.7.9 ListNotification, §5.7.10
// RetrieveNotificationsList, §5.7.11 RemoveNotificationFromList). Every notification
// is signed when it is made and kept in NVM until the LPA reports it
// delivered.

import (
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// maxPending bounds the pending notifications; beyond it the oldest is
// dropped (and the drop is logged) so NVM stays bounded.
const maxPending = 32

// nextSeq returns the next notification sequence number.
func (c *Card) nextSeq() int {
	c.notifSeq++
	return c.notifSeq
}

func (c *Card) keep(n Notification) {
	if len(c.notifications) >= maxPending {
		old := c.notifications[0]
		c.notifications = c.notifications[1:]
		c.cfg.Log.Emit(eventlog.EUICC, KindNotificationDropped, eventlog.F{"seq": old.Seq, "operation": old.Event})
	}
	c.notifications = append(c.notifications, n)
}

// signInstallResult numbers, signs and keeps a ProfileInstallationResult.
func (c *Card) signInstallResult(d es10.ProfileInstallationResultData) ([]byte, bool) {
	if c.cfg.EUICCKey == nil {
		return nil, false
	}
	d.Notification.Seq = c.nextSeq()
	b, err := c.keepInstallResult(d)
	return b, err == nil
}

// keepInstallResult signs d, numbered already, and keeps the
// ProfileInstallationResult (BF37) as a pending notification.
func (c *Card) keepInstallResult(d es10.ProfileInstallationResultData) ([]byte, error) {
	sig, err := rsp.Sign(c.cfg.EUICCKey, d.Encode())
	if err != nil {
		return nil, fmt.Errorf("euicc: sign install result %d: %w", d.Notification.Seq, err)
	}
	b := es10.ProfileInstallationResult{Data: d, Signature: sig}.Encode()
	c.keep(Notification{Seq: d.Notification.Seq, Event: es10.EventInstall.String(), ICCID: d.Notification.ICCID,
		Address: d.Notification.Address, Pending: b})
	return b, nil
}

// notifyOperation makes the signed OtherSignedNotification for an enable,
// disable or delete of a profile whose metadata asks for one: the first
// notificationConfigurationInfo entry that lists the operation names the
// address (SGP.22 §3.5). An operation the metadata does not list, and any
// operation on a preinstalled profile (no metadata), is not notified.
func (c *Card) notifyOperation(ev es10.NotificationEvent, p *profile) {
	if p == nil || p.Meta == nil || c.cfg.EUICCKey == nil {
		return
	}
	addr := ""
	for _, nc := range p.Meta.NotificationConfig {
		if nc.Events.Has(ev) {
			addr = nc.Address
			break
		}
	}
	if addr == "" {
		return
	}
	_ = c.keepOther(es10.NotificationMetadata{Seq: c.nextSeq(), Event: ev, Address: addr, ICCID: p.ICCID})
}

// keepOther signs md, numbered already, and keeps the
// OtherSignedNotification with the card's certificates.
func (c *Card) keepOther(md es10.NotificationMetadata) error {
	sig, err := rsp.Sign(c.cfg.EUICCKey, md.Encode())
	if err != nil {
		return fmt.Errorf("euicc: sign %s notification %d: %w", md.Event, md.Seq, err)
	}
	b := es10.OtherSignedNotification{Metadata: md, Signature: sig, EuiccCertificate: c.cfg.EUICCCert, EUMCertificate: c.cfg.EUMCert}.Encode()
	c.keep(Notification{Seq: md.Seq, Event: md.Event.String(), ICCID: md.ICCID, Address: md.Address, Pending: b})
	return nil
}

// holdPending makes the notifications a new card starts with (Config.
// Pending), in the order of their seq, each as the card makes its own:
// signed with its key, an install as the result of a finished download, the
// others as OtherSignedNotification. The counter goes on above the
// highest, as SGP.22 §5.7.9 numbers each new notification above the last.
func (c *Card) holdPending(ns []PendingSpec) error {
	ns = slices.Clone(ns)
	slices.SortFunc(ns, func(a, b PendingSpec) int { return a.Seq - b.Seq })
	for _, n := range ns {
		md := es10.NotificationMetadata{Seq: n.Seq, Event: n.Event, Address: n.Address, ICCID: n.ICCID}
		var err error
		if n.Event == es10.EventInstall {
			_, err = c.keepInstallResult(c.finishedInstall(n, md))
		} else {
			err = c.keepOther(md)
		}
		if err != nil {
			return err
		}
		c.notifSeq = max(c.notifSeq, n.Seq)
	}
	return nil
}

// finishedInstall is the ProfileInstallationResultData of a download that
// went through before the card was made: its transactionId drawn from the
// EID and the seq (the same card gives the same bytes, and no two of its
// installs share one), the SM-DP+'s OID, and the ISD-P of the profile —
// the one it holds, or, when the profile has been deleted since, the
// first ISD-P AID not in use (the deletion freed the profile's). Its
// simaResponse is the minimal EUICCResponse: the package is not known.
func (c *Card) finishedInstall(n PendingSpec, md es10.NotificationMetadata) es10.ProfileInstallationResultData {
	h := sha256.Sum256(fmt.Appendf(nil, "esimhil pending install %s %d", c.cfg.EID, n.Seq))
	oid := n.SmdpOID
	if oid == nil {
		oid = rsp.SMDPOID(n.Address)
	}
	var aid []byte
	if p := c.findICCID(n.ICCID); p != nil {
		aid = p.AID
	} else {
		aid = c.freeAID()
	}
	return es10.ProfileInstallationResultData{TransactionID: h[:16], SmdpOID: oidContents(oid), Notification: md, OK: true,
		AID: slices.Clone(aid)}
}

// oidContents is the DER contents (no tag, no length) of an OID.
func oidContents(oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		return nil
	}
	t, _, err := tlv.ParseOne(b)
	if err != nil {
		return nil
	}
	return t.Value
}

func (n Notification) metadata() (es10.NotificationMetadata, bool) {
	p, err := es10.DecodePendingNotification(n.Pending)
	if err != nil {
		return es10.NotificationMetadata{}, false
	}
	return p.Metadata(), true
}

// listNotification answers BF28 with the metadata of pending notifications,
// optionally of one operation.
func (c *Card) listNotification(raw []byte) ([]byte, uint16) {
	req, err := es10.DecodeListNotificationRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	var list []es10.NotificationMetadata
	for _, n := range c.notifications {
		md, ok := n.metadata()
		if ok && (req.Filter == nil || req.Filter.Has(md.Event)) {
			list = append(list, md)
		}
	}
	return es10.EncodeListNotificationResponse(list), apdu.SWOK
}

// retrieveNotifications answers BF2B with the signed notifications, all,
// one operation's, or the one with a sequence number (noResultAvailable
// when that one does not exist).
func (c *Card) retrieveNotifications(raw []byte) ([]byte, uint16) {
	req, err := es10.DecodeRetrieveNotificationsListRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	var list []es10.PendingNotification
	for _, n := range c.notifications {
		p, err := es10.DecodePendingNotification(n.Pending)
		if err != nil {
			continue
		}
		md := p.Metadata()
		if (req.Seq == nil || *req.Seq == md.Seq) && (req.Filter == nil || req.Filter.Has(md.Event)) {
			list = append(list, p)
		}
	}
	if req.Seq != nil && len(list) == 0 {
		return es10.EncodeRetrieveNotificationsListResponse(nil, es10.NotifErrNoResultAvailable), apdu.SWOK
	}
	return es10.EncodeRetrieveNotificationsListResponse(list, 0), apdu.SWOK
}

// notificationSent removes a delivered notification.
func (c *Card) notificationSent(raw []byte) ([]byte, uint16) {
	seq, err := es10.DecodeNotificationSentRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	for i, n := range c.notifications {
		if n.Seq == seq {
			c.notifications = append(c.notifications[:i:i], c.notifications[i+1:]...)
			return es10.EncodeNotificationSentResponse(es10.DeleteOK), apdu.SWOK
		}
	}
	return es10.EncodeNotificationSentResponse(es10.DeleteNothingToDelete), apdu.SWOK
}
