package explore

import (
	"fmt"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// searchPeriodOf is T, the period of the search for a higher priority PLMN
// the USIM with imsi gives: its operator's EF HPPLMN (hplmn_search, or the
// default) as the modem decodes it, 0 for none (off). ok false: no
// operator's IMSI.
func searchPeriodOf(s *scenario.Scenario, imsi string) (t time.Duration, id string, ok bool) {
	id = s.OperatorOfIMSI(imsi)
	if id == "" {
		return 0, "", false
	}
	v := saip.HPPLMNDefault
	if b := s.HPPLMN(id); b != nil {
		v = *b
	}
	return saip.HPPLMNPeriod(v), id, true
}

// checkHPLMNSearch: the modem's periodic search for a higher priority PLMN
// (plmn_search) runs only in automatic mode, on the VPLMN it is registered
// on (<stat> 5), with a USIM whose EF HPPLMN is not '00' (off), and no
// sooner than T (the USIM's period) after the registration on a VPLMN that
// began the stay (TS 23.122 §4.4.3.3.1, TS 31.102 §4.2.6). T is read with
// the IMSI the stay began under. Only a lower bound: the search is logged
// when a higher priority PLMN is in sight, and a search due during an
// attach waits for it.
func checkHPLMNSearch(s *scenario.Scenario, o Outcome) []string {
	var v []string
	dev := newDevice(o.ATLog)
	var since time.Time     // the stay on VPLMNs began (zero: not on one)
	var stayIMSI, on string // the IMSI read then; the VPLMN now
	for _, e := range o.Events {
		switch {
		case dev.step(e):
			since, on = time.Time{}, ""
		case is(e, eventlog.Modem, modem.KindRegistration):
			if intField(e, "stat") != 5 {
				since, on = time.Time{}, ""
				continue
			}
			if since.IsZero() {
				since, stayIMSI = e.T, dev.imsi
			}
			on = e.Str("plmn")
		case is(e, eventlog.Modem, modem.KindPLMNSearch):
			period, id, known := searchPeriodOf(s, stayIMSI)
			switch plmn := e.Str("plmn"); {
			case dev.manual:
				v = append(v, fmt.Sprintf("%s: the modem searched for a higher priority PLMN in manual mode (+COPS=1)", at(e)))
			case since.IsZero():
				v = append(v, fmt.Sprintf("%s: the modem searched for a higher priority PLMN from %s, not registered on a VPLMN (<stat> 5)", at(e), plmn))
			case plmn != on:
				v = append(v, fmt.Sprintf("%s: the search names %s, the modem is registered on %s", at(e), plmn, on))
			case !known:
				v = append(v, fmt.Sprintf("%s: the modem searched for a higher priority PLMN with IMSI %q, no operator's", at(e), stayIMSI))
			case period == 0:
				v = append(v, fmt.Sprintf("%s: the modem searched for a higher priority PLMN on %s, but %s's hplmn_search is off (EF HPPLMN '00')", at(e), plmn, id))
			case e.T.Sub(since) < period:
				v = append(v, fmt.Sprintf("%s: the modem searched for a higher priority PLMN %v after its registration on a VPLMN at %s, sooner than %s's period T %v",
					at(e), e.T.Sub(since), since.UTC().Format("15:04:05.000"), id, period))
			}
		}
	}
	return v
}
