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

// listAnswer stores the preferred list (claim 5) and starts the cycle on it
// (claim 3), unless the list is empty, unusable, or its first operator is
// the one already serving (nothing to attempt).
func (a *Applet) listAnswer(e HTTPResult) {
	c := a.st.Cycle
	fail := func(reason string) {
		a.log(KindPreferredListFailed, "reason", reason)
		a.st.Cycle = nil
		a.become(ModeIdle)
	}
	if reason := httpFailure(e); reason != "" {
		fail(reason)
		return
	}
	l, err := DecodePreferredList(e.Body)
	if err != nil {
		fail(err.Error())
		return
	}
	ids := make([]string, len(l.Operators))
	for i, o := range l.Operators {
		ids[i] = o.ID
	}
	a.log(KindPreferredListReceived, "operators", ids)
	a.st.List = l
	if len(l.Operators) == 0 {
		a.log(KindPreferredListEmpty)
		a.st.Cycle = nil
		a.become(ModeIdle)
		return
	}
	if cur, ok := a.enabled(); ok && a.st.Online && serves(cur, l.Operators[0]) {
		// The platform prefers where the device already is.
		a.log(KindPreferredAlreadyEnabled, "operator", l.Operators[0].ID)
		a.st.Cycle = nil
		a.become(ModeIdle)
		return
	}
	c.ListID = l.ListID
	c.Ops = append([]ListOperator(nil), l.Operators...)
	a.startCycle(c)
}

// serves reports whether profile p is list operator o's.
func serves(p Profile, o ListOperator) bool { return p.Operator == o.ID || p.HomePLMN == o.PLMN }

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
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("preferred list: %w", err)
	}
	return &l, nil
}

// validate checks a list's fields (a list from the platform, or one
// restored from NVM).
func (l *PreferredList) validate() error {
	if len(l.Operators) > maxListOperators {
		return fmt.Errorf("%d operators, at most %d", len(l.Operators), maxListOperators)
	}
	switch l.OrderBy {
	case "tariff", "signal":
	default:
		return fmt.Errorf("order_by %q, want tariff or signal", l.OrderBy)
	}
	return validOps(l.Operators)
}

func validOps(ops []ListOperator) error {
	if len(ops) > maxListOperators {
		return fmt.Errorf("%d operators, at most %d", len(ops), maxListOperators)
	}
	for i, o := range ops {
		if o.ID == "" {
			return fmt.Errorf("operators[%d]: missing id", i)
		}
		if !ident.IsPLMN(o.PLMN) {
			return fmt.Errorf("operators[%d]: plmn %q is not 5 or 6 digits", i, o.PLMN)
		}
	}
	return nil
}
