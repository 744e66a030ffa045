package smdp

import "github.com/esimhil/esimhil/emulators/eventlog"

// Event kinds an SM-DP+ logs (README, "The event log").
const (
	KindOrder                 eventlog.Kind = "order"                  // {operator, matching_id}
	KindMutualAuth            eventlog.Kind = "mutual_auth"            // {operator, ok, reason, tac?}
	KindBPPSent               eventlog.Kind = "bpp_sent"               // {operator, iccid}
	KindNotificationReceived  eventlog.Kind = "notification_received"  // {operator, kind, seq, ok?, error_reason?}
	KindNotificationDuplicate eventlog.Kind = "notification_duplicate" // {operator, kind, seq}
	KindSessionCancelled      eventlog.Kind = "session_cancelled"      // {operator, reason, order, verified}
	KindES9Error              eventlog.Kind = "es9_error"              // {operator, function, subject, reason, message}
	KindRequestCut            eventlog.Kind = "request_cut"            // {operator, function, reason}: the SM-DP+ stopped while reading it; not answered
	KindAnswerDropped         eventlog.Kind = "answer_dropped"         // {operator, function, status, delay, reason}: a held answer (smdp: slow) nobody waited for any more; not sent
)

var _ = eventlog.Register(eventlog.SMDP, KindOrder, KindMutualAuth, KindBPPSent, KindNotificationReceived,
	KindNotificationDuplicate, KindSessionCancelled, KindES9Error, KindRequestCut, KindAnswerDropped)
