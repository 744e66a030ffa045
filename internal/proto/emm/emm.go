// Package emm holds what EPS mobility management reject causes (TS 24.301
// §9.9.3.9) mean for the UE that receives them: the radio world, which
// picks the networks an attach tries, and the modem, which retries or
// not, act on the same facts.
package emm

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

// Reject is a network's ATTACH REJECT in a selection: its PLMN and EMM
// cause. The world says which networks refused, the modem acts on each
// (a #11 forbids its PLMN).
type Reject struct {
	PLMN  string
	Cause int
}
