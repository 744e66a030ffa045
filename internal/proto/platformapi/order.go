package platformapi

import (
	"fmt"
	"sort"
)

// SortList puts a country's operators in the order order_by gives them
// (claim 5, docs/platform-api.md): tariff ascending; signal by descending
// reported RSRP, the unreported after every reported one. The sort is
// stable, so ties keep the configured order. The emulated platform orders
// its answers with it and the fleet checks an external platform's by it:
// one rule for both sides.
func SortList(ops []ListedOperator, orderBy string) {
	if orderBy == OrderSignal {
		sort.SliceStable(ops, func(i, j int) bool {
			a, b := ops[i].RSRP, ops[j].RSRP
			switch {
			case a == nil:
				return false
			case b == nil:
				return true
			default:
				return *a > *b
			}
		})
		return
	}
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Tariff < ops[j].Tariff })
}

// OrderContradiction says where a list's own fields contradict its
// order_by ("" when they do not): a tariff list with a dearer operator
// before a cheaper one, a signal list with a weaker or unreported network
// before a stronger reported one, an operator (id or PLMN) named twice.
// It needs no configuration: whatever a platform's tariffs, what it
// answers must be ordered by them.
func OrderContradiction(l ListResponse) string {
	ids, plmns := map[string]bool{}, map[string]bool{}
	for i, o := range l.Operators {
		switch {
		case ids[o.ID]:
			return fmt.Sprintf("operators[%d]: %s listed twice", i, o.ID)
		case plmns[o.PLMN]:
			return fmt.Sprintf("operators[%d]: plmn %s listed twice", i, o.PLMN)
		}
		ids[o.ID], plmns[o.PLMN] = true, true
		if i == 0 {
			continue
		}
		p := l.Operators[i-1]
		switch l.OrderBy {
		case OrderTariff:
			if o.Tariff < p.Tariff {
				return fmt.Sprintf("order_by tariff, yet %s (tariff %g) comes before %s (tariff %g)", p.ID, p.Tariff, o.ID, o.Tariff)
			}
		case OrderSignal:
			switch {
			case o.RSRP == nil:
			case p.RSRP == nil:
				return fmt.Sprintf("order_by signal, yet %s (not reported) comes before %s (rsrp %d)", p.ID, o.ID, *o.RSRP)
			case *o.RSRP > *p.RSRP:
				return fmt.Sprintf("order_by signal, yet %s (rsrp %d) comes before %s (rsrp %d)", p.ID, *p.RSRP, o.ID, *o.RSRP)
			}
		}
	}
	return ""
}

// ServedCountry is the country whose list a platform serves a card on
// serving network plmn (docs/platform-api.md, POST /v1/preferred-list):
// that of the operator with that PLMN, else of the first operator with its
// MCC, in the configured order, so two countries sharing an MCC (E.212's
// 310–316, which Guam's operators use too) give the first one's; false
// when none (the platform answers 404). operator gives an operator's PLMN
// and country: the emulated platform and the fleet's template hold
// operators of their own types, and both apply this one rule.
func ServedCountry[O any](ops []O, operator func(O) (plmn, country string), plmn string) (string, bool) {
	for _, o := range ops {
		if p, c := operator(o); p == plmn {
			return c, true
		}
	}
	if len(plmn) < 3 {
		return "", false
	}
	for _, o := range ops {
		if p, c := operator(o); len(p) >= 3 && p[:3] == plmn[:3] {
			return c, true
		}
	}
	return "", false
}
