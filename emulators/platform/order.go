package platform

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Operator is a network operator the platform knows.
type Operator struct {
	ID      string
	PLMN    string
	Country string // ISO 3166 alpha-2, e.g. "FR"
	Tariff  float64
	// Orderer is the operator's SM-DP+ order interface; nil means the
	// platform has no download contract with the operator.
	Orderer Orderer
}

// catalogue is the platform's view of operators and per-country lists.
type catalogue struct {
	ops       []Operator
	byID      map[string]Operator
	orderBy   string
	preferred map[string][]string
}

func newCatalogue(ops []Operator, orderBy string, preferred map[string][]string) (*catalogue, error) {
	switch orderBy {
	case "":
		orderBy = platformapi.OrderTariff
	case platformapi.OrderTariff, platformapi.OrderSignal:
	default:
		return nil, fmt.Errorf("order_by: unknown %q (want tariff or signal)", orderBy)
	}
	c := &catalogue{byID: map[string]Operator{}, orderBy: orderBy, preferred: map[string][]string{}}
	plmns := map[string]string{}
	for i, o := range ops {
		switch {
		case o.ID == "":
			return nil, fmt.Errorf("operators[%d]: empty id", i)
		case !ident.IsPLMN(o.PLMN):
			return nil, fmt.Errorf("operators[%d] %s: plmn %q is not 5 or 6 digits", i, o.ID, o.PLMN)
		case o.Country == "":
			return nil, fmt.Errorf("operators[%d] %s: empty country", i, o.ID)
		}
		if _, dup := c.byID[o.ID]; dup {
			return nil, fmt.Errorf("operators[%d]: duplicate id %s", i, o.ID)
		}
		if other, dup := plmns[o.PLMN]; dup {
			return nil, fmt.Errorf("operators[%d] %s: plmn %s already used by %s", i, o.ID, o.PLMN, other)
		}
		plmns[o.PLMN] = o.ID
		c.byID[o.ID] = o
		c.ops = append(c.ops, o)
	}
	for country, ids := range preferred {
		for _, id := range ids {
			if _, ok := c.byID[id]; !ok {
				return nil, fmt.Errorf("preferred[%s]: unknown operator %q", country, id)
			}
		}
		c.preferred[country] = append([]string(nil), ids...)
	}
	return c, nil
}

// country finds the area of the serving network (platformapi.ServedCountry).
func (c *catalogue) country(servingPLMN string) (string, bool) {
	return platformapi.ServedCountry(c.ops, func(o Operator) (string, string) { return o.PLMN, o.Country }, servingPLMN)
}

// list builds the preferred list of a country for a request. Every configured
// operator of the country is kept. Tariff order is ascending tariff; signal
// order is descending reported RSRP with unreported operators last. The sort
// is stable, so ties keep the configured order.
func (c *catalogue) list(country string, signal []platformapi.SignalReport) []platformapi.ListedOperator {
	rsrp := map[string]int{}
	for _, s := range signal {
		rsrp[s.PLMN] = s.RSRP
	}
	out := []platformapi.ListedOperator{}
	for _, id := range c.preferred[country] {
		o := c.byID[id]
		lo := platformapi.ListedOperator{ID: o.ID, PLMN: o.PLMN, Tariff: o.Tariff}
		if v, ok := rsrp[o.PLMN]; ok {
			lo.RSRP = &v
		}
		out = append(out, lo)
	}
	platformapi.SortList(out, c.orderBy)
	return out
}
