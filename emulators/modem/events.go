package modem

import "github.com/esimhil/esimhil/emulators/eventlog"

// Event kinds the modem logs (README, "The event log").
const (
	KindCard           eventlog.Kind = "card"            // {present, iccid, imsi, pin?}: the card as read after a reset (pin: SIM PIN or SIM PUK while PIN1 keeps the IMSI unread), or once the PIN is entered
	KindCardError      eventlog.Kind = "card-error"      // {error}: the card did not answer a read
	KindSTKError       eventlog.Kind = "stk-error"       // {error}: the toolkit terminal failed to start
	KindRegistration   eventlog.Kind = "registration"    // {stat, plmn, cause}: a +CEREG change
	KindRefresh        eventlog.Kind = "refresh"         // {qualifier}: REFRESH run
	KindRefreshLost    eventlog.Kind = "refresh_dropped" // {qualifier}: one refresh_delay held, dropped by a power cut, +CFUN=0 or a restart
	KindAttachTimeout  eventlog.Kind = "attach_timeout"  // {plmn, timer, attempt}: T3410 expired on the attach attempt counter's attempt-th try on plmn
	KindAttachRetry    eventlog.Kind = "attach_retry"    // {plmn, timer, attempt}: T3411 expired: the attach restarts on plmn, its attempt-th try (TS 24.301 §5.5.1.2.6)
	KindAttachRejected eventlog.Kind = "attach_rejected" // {plmn, cause, attempt}: an abnormal ATTACH REJECT (§5.5.1.2.6 d) on the attach attempt counter's attempt-th try on plmn
	KindPower          eventlog.Kind = "power"           // {on}
	KindCFUN           eventlog.Kind = "cfun"            // {fun}
	KindRestart        eventlog.Kind = "restart"         // +CFUN=1,1
	KindPLMNSearch     eventlog.Kind = "plmn_search"     // {plmn}: on VPLMN plmn, a higher priority PLMN in sight: automatic selection again, those of its country first, then plmn (TS 23.122 §4.4.3.3.1)
)

var _ = eventlog.Register(eventlog.Modem, KindCard, KindCardError, KindSTKError, KindRegistration,
	KindRefresh, KindRefreshLost, KindAttachTimeout, KindAttachRetry, KindAttachRejected, KindPower, KindCFUN, KindRestart, KindPLMNSearch)
