package applet

import (
	"fmt"

	rsp "github.com/esimhil/esimhil/internal/proto/es10"
)

// NotifRetry sends the card's pending notifications (SGP.22 §3.5) after a
// Boot: ListNotification, then for each one with an address
// RetrieveNotificationsList, handleNotification to that SM-DP+ and, once
// acknowledged, NotificationSent. A notification that is not acknowledged
// stays in the card for the next Boot: none is ever lost.
type NotifRetry struct {
	Step    string `json:"step"`
	Req     int    `json:"req"`
	Seqs    []int  `json:"seqs,omitempty"`
	Address string `json:"address,omitempty"`
	Kind    string `json:"kind,omitempty"`
	ICCID   string `json:"iccid,omitempty"`
}

const (
	rtList     = "list"
	rtRetrieve = "retrieve"
	rtHandle   = "handle"
	rtSent     = "sent"
)

func (a *Applet) startRetry() {
	r := &NotifRetry{Step: rtList, Req: a.nextES10()}
	a.st.Retry = r
	a.emit(ES10{ReqID: r.Req, Req: rsp.ListNotificationRequest{}.Encode()})
}

func (a *Applet) nextES10() int {
	a.st.LastES10++
	return a.st.LastES10
}

// es10Result routes an ES10 answer to the flow that asked.
func (a *Applet) es10Result(e ES10Result) {
	switch {
	case e.ReqID != 0 && a.st.DL != nil && e.ReqID == a.st.DL.Req && a.st.DL.es10Step():
		a.downloadES10(e)
	case e.ReqID != 0 && a.st.Retry != nil && e.ReqID == a.st.Retry.Req && a.st.Retry.Step != rtHandle:
		a.retryES10(e)
	default:
		a.log("ignored", "event", "es10_result", "reason", fmt.Sprintf("no request %d in flight", e.ReqID))
	}
}

func (a *Applet) retryES10(e ES10Result) {
	r := a.st.Retry
	if e.SW != 0x9000 {
		// A card without the function, or a refusal: nothing to resend now.
		a.st.Retry = nil
		return
	}
	switch r.Step {
	case rtList:
		list, err := rsp.DecodeListNotificationResponse(e.Resp)
		if err != nil {
			a.log("notification_failed", "reason", "ListNotification: "+err.Error())
			a.st.Retry = nil
			return
		}
		for _, m := range list {
			if m.Address != "" {
				r.Seqs = append(r.Seqs, m.Seq)
			}
		}
		a.retryNext()
	case rtRetrieve:
		list, code, err := rsp.DecodeRetrieveNotificationsListResponse(e.Resp)
		if err != nil || code != 0 || len(list) != 1 {
			// Gone meanwhile, or unreadable: go on with the next one.
			r.Seqs = r.Seqs[1:]
			a.retryNext()
			return
		}
		m := list[0].Metadata()
		r.Address, r.Kind, r.ICCID = m.Address, m.Event.String(), m.ICCID
		r.Step, r.Req = rtHandle, a.nextReq()
		a.emit(ES9Call{ReqID: r.Req, Address: m.Address, Function: FnHandleNotification,
			Body: mustJSON(handleNotificationReq{PendingNotification: enc64(list[0].Encode())})})
	case rtSent:
		r.Seqs = r.Seqs[1:]
		a.retryNext()
	}
}

func (a *Applet) retryHTTP(e HTTPResult) {
	r := a.st.Retry
	seq := r.Seqs[0]
	to := a.operatorOf(r.ICCID, r.Address)
	if reason := notifFailure(e); reason != "" {
		a.log("notification_failed", "kind", r.Kind, "to", to, "seq", seq, "reason", reason)
		a.st.FlushDue = true // kept by the card; sent again later
		r.Seqs = r.Seqs[1:]
		a.retryNext()
		return
	}
	a.log("notification_sent", "kind", r.Kind, "to", to, "seq", seq)
	r.Step, r.Req = rtSent, a.nextES10()
	a.emit(ES10{ReqID: r.Req, Req: notificationSent(seq)})
}

func (a *Applet) retryNext() {
	r := a.st.Retry
	if len(r.Seqs) == 0 {
		a.st.Retry = nil
		return
	}
	if !a.st.Online {
		// No bearer yet (the terminal is still attaching after a reset):
		// the card keeps them; normal service sends them.
		a.st.Retry, a.st.FlushDue = nil, true
		return
	}
	r.Step, r.Req = rtRetrieve, a.nextES10()
	a.emit(ES10{ReqID: r.Req, Req: rsp.RetrieveNotificationsListRequest{Seq: &r.Seqs[0]}.Encode()})
}

// operatorOf names a notification's recipient: the operator of its profile
// when the applet knows it, else the SM-DP+ address.
func (a *Applet) operatorOf(iccid, address string) string {
	if p, ok := a.profileByICCID(iccid); ok && p.Operator != "" {
		return p.Operator
	}
	return address
}
