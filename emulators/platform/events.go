package platform

import "github.com/esimhil/esimhil/emulators/eventlog"

// Event kinds the platform logs (README, "The event log").
const (
	KindPreferredListServed   eventlog.Kind = "preferred_list_served"  // {eid, serving_plmn, country, operators, signal}
	KindDownloadRequested     eventlog.Kind = "download_requested"     // {eid, operator}
	KindEligibility           eventlog.Kind = "eligibility"            // {ok, reason, fault?}
	KindDownloadForwarded     eventlog.Kind = "download_forwarded"     // {operator}
	KindNotificationReceived  eventlog.Kind = "notification_received"  // {kind, eid, operator, iccid?, plmn?, cause?, report?}: every field the note carried
	KindNotificationDuplicate eventlog.Kind = "notification_duplicate" // {kind, eid, iccid?, report?}
	KindRequestRejected       eventlog.Kind = "request_rejected"       // {path, status, reason}
	KindRequestCut            eventlog.Kind = "request_cut"            // {path, reason}: the platform stopped while reading it; not answered
)

var _ = eventlog.Register(eventlog.Platform, KindPreferredListServed, KindDownloadRequested, KindEligibility,
	KindDownloadForwarded, KindNotificationReceived, KindNotificationDuplicate, KindRequestRejected, KindRequestCut)
