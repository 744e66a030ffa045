// Package emm holds what EPS mobility management reject causes (TS 24.301
// §9.9.3.9) mean for the UE that receives them: the radio world, which
// picks the networks an attach tries, and the modem, which retries or
// not, act on the same facts.
package emm

import "slices"

// InvalidatesUSIM reports a reject cause after which the UE takes its
// USIM as invalid for EPS services until it is switched off or the UICC
// is removed (TS 24.301 §5.5.1.2.5: #3 illegal UE, #6 illegal ME, #7 EPS
// services not allowed, #8 EPS and non-EPS services not allowed): no
// other network is tried and no T3402 retry runs.
func InvalidatesUSIM(cause int) bool {
	switch cause {
	case 3, 6, 7, 8:
		return true
	}
	return false
}

// Causes that forbid the PLMN that sent them (TS 24.301 §9.9.3.9).
const (
	PLMNNotAllowed          = 11 // #11 PLMN not allowed
	EPSNotAllowedInThisPLMN = 14 // #14 EPS services not allowed in this PLMN
)

// ForbidsPLMN reports cause #11 (PLMN not allowed): the UE stores the
// PLMN in the forbidden PLMN list, on the USIM (EF FPLMN), unless it is
// the HPLMN, which is never stored there (TS 24.301 §5.5.1.2.5, TS
// 23.122 §3.1).
func ForbidsPLMN(cause int) bool { return cause == PLMNNotAllowed }

// ForbidsPLMNForEPS reports cause #14 (EPS services not allowed in this
// PLMN): the UE stores the PLMN in the list of "forbidden PLMNs for GPRS
// service", which the ME keeps (not the USIM) until it is switched off
// or the UICC holding the USIM is removed, and performs PLMN selection
// (TS 24.301 §5.5.1.2.5, TS 23.122 §3.1): automatic selection does not
// select it for EPS, the HPLMN included (§3.1 exempts the HPLMN from
// the #11 list only); manual selection may. Causes #12, #13 and #15
// forbid a tracking area, not the PLMN: another of its areas may serve.
func ForbidsPLMNForEPS(cause int) bool { return cause == EPSNotAllowedInThisPLMN }

// Forbidden are the PLMNs automatic network selection selects none of
// (TS 23.122 §4.4.3.1.1).
type Forbidden struct {
	// PLMNs is the forbidden PLMN list (#11), the USIM's EF FPLMN: the
	// HPLMN is never skipped for it (TS 23.122 §3.1).
	PLMNs []string
	// EPS is the list of forbidden PLMNs for GPRS service (#14), the
	// ME's: skipped, the HPLMN too.
	EPS []string
}

// Skips reports whether automatic selection leaves plmn out, home being
// the subscriber's HPLMN.
func (f Forbidden) Skips(plmn, home string) bool {
	return slices.Contains(f.EPS, plmn) || plmn != home && slices.Contains(f.PLMNs, plmn)
}

// Reject is a network's ATTACH REJECT in a selection: its PLMN and EMM
// cause. The world says which networks refused, the modem acts on each
// (a #11 forbids its PLMN on the USIM, a #14 in the ME).
type Reject struct {
	PLMN  string
	Cause int
}
