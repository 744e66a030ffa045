package applet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/ident"
)

// maxListOperators bounds a preferred list; a longer answer is refused.
const maxListOperators = 64

// httpResult routes an HTTP answer to the request it answers.
func (a *Applet) httpResult(e HTTPResult) {
	switch {
	case e.ReqID != 0 && e.ReqID == a.st.ListReq:
		a.st.ListReq = 0
		a.listResult(e)
	case e.ReqID != 0 && e.ReqID == a.st.NotifyReq:
		a.st.NotifyReq = 0
		a.notifyResult(e)
	case e.ReqID != 0 && a.st.Cycle != nil && e.ReqID == a.st.Cycle.Req:
		a.reportResult(e)
	case e.ReqID != 0 && a.st.DL != nil && e.ReqID == a.st.DL.Req && !a.st.DL.es10Step():
		a.downloadHTTP(e)
	case e.ReqID != 0 && len(a.st.Owed) > 0 && e.ReqID == a.st.Owed[0].Req:
		a.owedResult(e)
	case e.ReqID != 0 && a.st.Retry != nil && e.ReqID == a.st.Retry.Req && a.st.Retry.Step == rtHandle:
		a.retryHTTP(e)
	default:
		a.log("ignored", "event", "http_result", "reason", fmt.Sprintf("no request %d in flight", e.ReqID))
	}
}

// listResult stores the preferred list (claim 5) and switches to the first
// operator's preinstalled profile (claim 1).
func (a *Applet) listResult(e HTTPResult) {
	if reason := httpFailure(e); reason != "" {
		a.log("preferred_list_failed", "reason", reason)
		return
	}
	l, err := DecodePreferredList(e.Body)
	if err != nil {
		a.log("preferred_list_failed", "reason", err.Error())
		return
	}
	ids := make([]string, len(l.Operators))
	for i, o := range l.Operators {
		ids[i] = o.ID
	}
	a.log("preferred_list_received", "operators", ids)
	a.st.List = l
	if len(l.Operators) == 0 {
		a.persist()
		a.log("preferred_list_empty")
		return
	}
	first := l.Operators[0]
	cur, ok := a.enabled()
	if ok && (cur.Operator == first.ID || cur.HomePLMN == first.PLMN) {
		a.persist()
		return
	}
	a.startCycle(l) // claim 3: the list is walked in order until one attaches
}

// httpFailure returns why e is not a 200 answer, or "".
func httpFailure(e HTTPResult) string {
	switch {
	case e.Err != "":
		return e.Err
	case e.Status != 200:
		// The platform explains refusals as {"error": "..."}; keep it short.
		var why struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(e.Body, &why) == nil && why.Error != "" {
			if len(why.Error) > 160 {
				why.Error = why.Error[:160] + "…"
			}
			return fmt.Sprintf("http status %d: %s", e.Status, why.Error)
		}
		return fmt.Sprintf("http status %d", e.Status)
	}
	return ""
}

// DecodePreferredList parses and checks the platform's preferred-list answer.
func DecodePreferredList(body []byte) (*PreferredList, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var l PreferredList
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("preferred list: bad JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("preferred list: trailing data after JSON object")
	}
	if len(l.Operators) > maxListOperators {
		return nil, fmt.Errorf("preferred list: %d operators, at most %d", len(l.Operators), maxListOperators)
	}
	switch l.OrderBy {
	case "tariff", "signal":
	default:
		return nil, fmt.Errorf("preferred list: order_by %q, want tariff or signal", l.OrderBy)
	}
	for i, o := range l.Operators {
		if o.ID == "" {
			return nil, fmt.Errorf("preferred list: operators[%d]: missing id", i)
		}
		if !ident.IsPLMN(o.PLMN) {
			return nil, fmt.Errorf("preferred list: operators[%d]: plmn %q is not 5 or 6 digits", i, o.PLMN)
		}
	}
	return &l, nil
}
