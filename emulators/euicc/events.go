package euicc

import "github.com/esimhil/esimhil/emulators/eventlog"

// Event kinds the card itself logs (the hosted applet registers its own,
// applet.Kind*, under the same actor). result is the terminal's result
// (TS 102 223 §8.12, stk.Result's "20/04") when the terminal's answer to a
// toolkit command is the failure; other failures have none.
const (
	KindMutualAuth          eventlog.Kind = "mutual_auth"          // {operator, ok, reason}: the ISD-R judged the SM-DP+
	KindProfileInstalled    eventlog.Kind = "profile_installed"    // {iccid, operator}
	KindNotificationDropped eventlog.Kind = "notification_dropped" // {seq, operation}: the oldest pending notification made room
	KindBPPSegmentStored    eventlog.Kind = "bpp_segment_stored"   // {operator, segment}: a segment of the bound profile package stored, the install not over
	KindInstallInterrupted  eventlog.Kind = "install_interrupted"  // {operator, command, by, iccid?, seq?}: a reset (by "reset") or a new session (by "new session") cut an install short; discarded, its failed result pending
	KindCardError           eventlog.Kind = "card_error"           // {reason, apdu}: a recovered panic (a bug)
	KindSTKError            eventlog.Kind = "stk_error"            // {reason, result?}: a proactive command failed
	KindBIPError            eventlog.Kind = "bip_error"            // {reason, result?}: a BIP exchange failed
	KindToolkitRestarted    eventlog.Kind = "toolkit_restarted"    // {dropped?, timers}: a TERMINAL PROFILE while the toolkit ran; the proactive command it dropped, the timers started again (or, still running, left so)
)

var _ = eventlog.Register(eventlog.EUICC, KindMutualAuth, KindProfileInstalled, KindNotificationDropped, KindBPPSegmentStored, KindInstallInterrupted,
	KindCardError, KindSTKError, KindBIPError, KindToolkitRestarted)
