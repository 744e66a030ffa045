package world

import "github.com/esimhil/esimhil/emulators/eventlog"

// Event kinds the world logs (README, "The event log").
const (
	KindAreaChanged   eventlog.Kind = "area_changed"   // {area}
	KindSignalChanged eventlog.Kind = "signal_changed" // {area, operator, rsrp}
	KindAttachAttempt eventlog.Kind = "attach_attempt" // {operator, plmn}
	KindAttachResult  eventlog.Kind = "attach_result"  // {operator, plmn, ok, cause, registration}
	KindDetach        eventlog.Kind = "detach"         // {operator, plmn}
	KindNoService     eventlog.Kind = "no_service"     // {operator, area}
	// KindLimitedService: automatic selection found only forbidden
	// networks (EF FPLMN) and tried none; camped on plmn's cell.
	KindLimitedService eventlog.Kind = "limited_service" // {operator, area, plmn}
	// eventlog.KindFault {fault, target, at, entry, attempt, subscriber, cause?}: an attach fault of the plan
)

var _ = eventlog.Register(eventlog.World, KindAreaChanged, KindSignalChanged, KindAttachAttempt,
	KindAttachResult, KindDetach, KindNoService, KindLimitedService, eventlog.KindFault)
