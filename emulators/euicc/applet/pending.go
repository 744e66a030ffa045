package applet

import (
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// NotifRetry is the background duty that sends the card's pending
// notifications (SGP.22 §3.5) after a Boot: ListNotification, then for each
// one with an address RetrieveNotificationsList, handleNotification to
// that SM-DP+ and, once acknowledged, NotificationSent. A notification that
// is not acknowledged stays in the card for the next Boot: none is ever
// lost.
type NotifRetry struct {
	Step    string `json:"step"`
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
	a.st.Retry = &NotifRetry{Step: rtList}
	a.emit(ES10{ReqID: a.send(ownerRetry, answerES10), Req: es10.ListNotificationRequest{}.Encode()})
}

// retryAnswer takes the answer to the retry's request in flight.
func (a *Applet) retryAnswer(ev Event) {
	r := a.st.Retry
	if r == nil {
		return
	}
	switch e := ev.(type) {
	case ES10Result:
		a.retryES10(r, e)
	case HTTPResult:
		a.retryHTTP(r, e)
	}
}

func (a *Applet) retryES10(r *NotifRetry, e ES10Result) {
	if e.SW != 0x9000 {
		// A card without the function, or a refusal: nothing to resend now.
		a.st.Retry = nil
		return
	}
	switch r.Step {
	case rtList:
		list, err := es10.DecodeListNotificationResponse(e.Resp)
		if err != nil {
			a.log(KindNotificationFailed, "kind", "pending", "to", "smdp", "reason", "ListNotification: "+err.Error())
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
		list, code, err := es10.DecodeRetrieveNotificationsListResponse(e.Resp)
		if err != nil || code != 0 || len(list) != 1 {
			// Gone meanwhile, or unreadable: go on with the next one.
			r.Seqs = r.Seqs[1:]
			a.retryNext()
			return
		}
		if a.retryWaits() {
			return
		}
		m := list[0].Metadata()
		r.Address, r.Kind, r.ICCID = m.Address, m.Event.String(), m.ICCID
		r.Step = rtHandle
		a.emit(ES9Call{ReqID: a.send(ownerRetry, answerHTTP), Address: m.Address, Function: es9.FnHandleNotification,
			Body: es9.Encode(&es9.HandleNotificationRequest{PendingNotification: list[0].Encode()})})
	case rtSent:
		r.Seqs = r.Seqs[1:]
		a.retryNext()
	}
}

func (a *Applet) retryHTTP(r *NotifRetry, e HTTPResult) {
	seq := r.Seqs[0]
	to := a.operatorOf(r.Address)
	if reason := notifFailure(e); reason != "" {
		a.log(KindNotificationFailed, append([]any{"kind", r.Kind, "to", to, "seq", seq, "reason", reason}, resultField(e)...)...)
		a.st.RetryDue = true // kept by the card; sent again with the next bearer
		r.Seqs = r.Seqs[1:]
		a.retryNext()
		a.enableAfterNote()
		return
	}
	a.log(KindNotificationSent, withRefusal([]any{"kind", r.Kind, "to", to, "seq", seq}, e)...)
	r.Step = rtSent
	a.emit(ES10{ReqID: a.send(ownerRetry, answerES10), Req: notificationSent(seq)})
	a.enableAfterNote() // after the removal: the ISD-R takes them in order
}

func (a *Applet) retryNext() {
	r := a.st.Retry
	if len(r.Seqs) == 0 {
		a.st.Retry = nil
		return
	}
	if a.retryWaits() {
		return
	}
	r.Step = rtRetrieve
	a.emit(ES10{ReqID: a.send(ownerRetry, answerES10), Req: es10.RetrieveNotificationsListRequest{Seq: &r.Seqs[0]}.Encode()})
}

// operatorOf names a notification's recipient: the operator whose SM-DP+
// the address is, as the card learnt it downloading from it
// (State.SMDPs), else the address itself. Not the profile's operator: a
// notification goes where its address says (a card handed its pending
// notifications may owe a profile's disable to another operator's
// SM-DP+), and what the card knows of that SM-DP+ is its address.
func (a *Applet) operatorOf(address string) string {
	if op := a.st.smdpOperator(address); op != "" {
		return op
	}
	return address
}

// retryWaits stops the retry until a bearer can carry it: none yet (the
// terminal is still attaching after a reset), or an enable is out, whose
// REFRESH would cut the next notification's answer. The card keeps them;
// normal service after it sends them (RetryDue).
func (a *Applet) retryWaits() bool {
	if a.st.Online && !a.enableOut() {
		return false
	}
	a.st.Retry, a.st.RetryDue = nil, true
	return true
}
