package euicc

// Pending notifications (SGP.22 §3.5, §5.7.10 ListNotification, §5.7.11
// RetrieveNotificationsList, §5.7.12 NotificationSent) and ES10c
// DeleteProfile (§5.7.19). Every notification is signed when it is made and
// kept in NVM until the LPA reports it delivered.

import (
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
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
		c.cfg.Log.Emit(eventlog.EUICC, KindNotificationDropped, eventlog.F{"seq": old.Seq, "event": old.Event})
	}
	c.notifications = append(c.notifications, n)
}

// signInstallResult numbers, signs and keeps a ProfileInstallationResult.
func (c *Card) signInstallResult(d rsp.ProfileInstallationResultData) ([]byte, bool) {
	if c.cfg.EUICCKey == nil {
		return nil, false
	}
	d.Notification.Seq = c.nextSeq()
	sig, err := rsp.Sign(c.cfg.EUICCKey, d.Encode())
	if err != nil {
		return nil, false
	}
	b := rsp.ProfileInstallationResult{Data: d, Signature: sig}.Encode()
	c.keep(Notification{Seq: d.Notification.Seq, Event: rsp.EventInstall.String(), ICCID: d.Notification.ICCID,
		Address: d.Notification.Address, Pending: b})
	return b, true
}

// notifyOperation makes the signed OtherSignedNotification for an enable,
// disable or delete of a profile that came from an SM-DP+ (preinstalled
// profiles have no notification address, as a profile without
// notificationConfigurationInfo).
func (c *Card) notifyOperation(ev rsp.NotificationEvent, p *profile) {
	if p == nil || p.SMDP == "" || c.cfg.EUICCKey == nil {
		return
	}
	md := rsp.NotificationMetadata{Seq: c.nextSeq(), Event: ev, Address: p.SMDP, ICCID: p.ICCID}
	sig, err := rsp.Sign(c.cfg.EUICCKey, md.Encode())
	if err != nil {
		return
	}
	b := rsp.OtherSignedNotification{Metadata: md, Signature: sig, EuiccCertificate: c.cfg.EUICCCert, EUMCertificate: c.cfg.EUMCert}.Encode()
	c.keep(Notification{Seq: md.Seq, Event: ev.String(), ICCID: p.ICCID, Address: p.SMDP, Pending: b})
}

func (n Notification) metadata() (rsp.NotificationMetadata, bool) {
	p, err := rsp.DecodePendingNotification(n.Pending)
	if err != nil {
		return rsp.NotificationMetadata{}, false
	}
	return p.Metadata(), true
}

// listNotification answers BF28 with the metadata of pending notifications,
// optionally of one operation.
func (c *Card) listNotification(raw []byte) ([]byte, uint16) {
	req, err := rsp.DecodeListNotificationRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	var list []rsp.NotificationMetadata
	for _, n := range c.notifications {
		md, ok := n.metadata()
		if ok && (req.Filter == nil || *req.Filter == md.Event) {
			list = append(list, md)
		}
	}
	return rsp.EncodeListNotificationResponse(list), apdu.SWOK
}

// retrieveNotifications answers BF2B with the signed notifications, all,
// one operation's, or the one with a sequence number (noResultAvailable
// when that one does not exist).
func (c *Card) retrieveNotifications(raw []byte) ([]byte, uint16) {
	req, err := rsp.DecodeRetrieveNotificationsListRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	var list []rsp.PendingNotification
	for _, n := range c.notifications {
		p, err := rsp.DecodePendingNotification(n.Pending)
		if err != nil {
			continue
		}
		md := p.Metadata()
		if (req.Seq == nil || *req.Seq == md.Seq) && (req.Filter == nil || *req.Filter == md.Event) {
			list = append(list, p)
		}
	}
	if req.Seq != nil && len(list) == 0 {
		return rsp.EncodeRetrieveNotificationsListResponse(nil, rsp.NotifErrNoResultAvailable), apdu.SWOK
	}
	return rsp.EncodeRetrieveNotificationsListResponse(list, 0), apdu.SWOK
}

// notificationSent removes a delivered notification.
func (c *Card) notificationSent(raw []byte) ([]byte, uint16) {
	seq, err := rsp.DecodeNotificationSentRequest(raw)
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	for i, n := range c.notifications {
		if n.Seq == seq {
			c.notifications = append(c.notifications[:i:i], c.notifications[i+1:]...)
			return rsp.EncodeNotificationSentResponse(rsp.DeleteOK), apdu.SWOK
		}
	}
	return rsp.EncodeNotificationSentResponse(rsp.DeleteNothingToDelete), apdu.SWOK
}

// deleteProfile answers DeleteProfileRequest (BF33 {4F isdpAid | 5A iccid})
// → BF33 {80 result}: only a disabled profile may go; its memory is freed.
func (c *Card) deleteProfile(req tlv.TLV) ([]byte, uint16) {
	cs, err := req.Children()
	if err != nil || len(cs) != 1 || (cs[0].Tag != 0x5A && cs[0].Tag != 0x4F) {
		return nil, apdu.SWIncorrectData
	}
	p := c.find(cs[0])
	result := ResultOK
	switch {
	case p == nil:
		result = ResultNotFound
	case p.Enabled:
		result = ResultWrongState
	default:
		for i, q := range c.profiles {
			if q == p {
				c.profiles = append(c.profiles[:i:i], c.profiles[i+1:]...)
				break
			}
		}
		c.notifyOperation(rsp.EventDelete, p)
	}
	return tlv.Constructed(rsp.TagDeleteProfile, tlv.New(0x80, []byte{byte(result)})).Bytes(), apdu.SWOK
}
