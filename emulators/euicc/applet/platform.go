package applet

// The platform's back-off (DESIGN.md §1: the platform unreachable, "retry
// with back-off, keep roaming on the original"). A list request the
// platform did not answer — OPEN CHANNEL refused, the link dropped, no
// reply within the card's wait, a reply the card could not read as HTTP:
// any exchange that ended without an HTTP status (HTTPResult.Err) — makes
// the card skip the next list requests for a growing number of periodic
// checks, 1, 2, 4, 8, 8 … (platformBackoff). A fleet parked abroad during
// a platform outage would otherwise ask at every period, all of it at
// once when the platform comes back (issue 13). An answer is no failure,
// whatever it says (an error status, an empty list): the platform is
// there, and it clears the count, as does any answer to a note.
// Coming home and the rescue need no platform and are not held back.
// The count and the end are persisted with the check clock, as the
// operators' back-off (backoff.go), so a reset or a power cut does not
// end the pause.

// platformBackoff is the pause after failures in a row. Capped lower
// than the operators' (DefaultBackoff): what a pause delays is the
// device's move to the preferred operator once the platform is back,
// and a request costs one BIP exchange — no REFRESH, no order.
var platformBackoff = Backoff{First: 1, Max: 8}

// platformHeld reports whether the periodic check is to skip the list
// request: the platform's back-off runs. It logs the skip.
func (a *Applet) platformHeld(serving string) bool {
	if a.st.Checks >= a.st.PlatformUntil {
		return false
	}
	a.log(KindPlatformBackoff, "serving_plmn", serving, "failures", a.st.PlatformFailures,
		"periods", platformBackoff.periods(a.st.PlatformFailures), "until_check", a.st.PlatformUntil)
	return true
}

// platformAnswered takes the outcome of a request to the platform: e
// with no HTTP status counts a failure and starts the next pause (left
// out of the next n checks: asked again at the one after, as
// backoffFailed); any answer clears the count.
func (a *Applet) platformAnswered(e HTTPResult) {
	if e.Err == "" {
		a.st.PlatformFailures, a.st.PlatformUntil = 0, 0
		return
	}
	a.st.PlatformFailures++
	a.st.PlatformUntil = a.st.Checks + uint64(platformBackoff.periods(a.st.PlatformFailures)) + 1
}
