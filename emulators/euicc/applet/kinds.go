package applet

import "github.com/esimhil/esimhil/emulators/eventlog"

// The kinds of event the applet logs (actor euicc). README's event table
// lists them with their fields; a test in harness checks the two agree.
// result is HTTPResult.TerminalResult on the failure of a request whose
// exchange the terminal ended (resultField).
const (
	// The method's stages.
	KindMode                    eventlog.Kind = "mode"                      // {mode, operator?}: the applet entered a mode
	KindCheck                   eventlog.Kind = "check"                     // {service, busy?, error?}: a periodic check that could not judge
	KindRoamingDetected         eventlog.Kind = "roaming_detected"          // {serving_plmn}
	KindPreferredListRequested  eventlog.Kind = "preferred_list_requested"  // {serving_plmn, signal}
	KindPreferredListReceived   eventlog.Kind = "preferred_list_received"   // {operators, plmns, tariffs, rsrp, country, order_by}
	KindPreferredListFailed     eventlog.Kind = "preferred_list_failed"     // {reason, result?}
	KindPreferredListEmpty      eventlog.Kind = "preferred_list_empty"      // {}
	KindPreferredAlreadyEnabled eventlog.Kind = "preferred_already_enabled" // {operator}: the walk reached the serving profile
	KindListPassedOver          eventlog.Kind = "list_passed_over"          // {trigger, operators, reasons}: nothing to try, no cycle
	KindReturningHome           eventlog.Kind = "returning_home"            // {operator, plmn}: the home profile's network is visible
	KindCycleStarted            eventlog.Kind = "cycle_started"             // {trigger, operators, original, area, country?}
	KindCycleEnded              eventlog.Kind = "cycle_ended"               // {outcome, attempts, operator?, plmn?, report?, reason?}
	KindCycleResumed            eventlog.Kind = "cycle_resumed"             // {mode, operator: the attempt the cycle is on (a fallback mode names its target in the mode event)}: a reset in the middle of a cycle
	KindAttempt                 eventlog.Kind = "attempt"                   // {operator, via: preinstalled|download}
	KindAttemptSkipped          eventlog.Kind = "attempt_skipped"           // {operator, reason}
	KindProfileNotPreinstalled  eventlog.Kind = "profile_not_preinstalled"  // {operator}
	KindDownloadRequested       eventlog.Kind = "download_requested"        // {operator}
	KindDownloadResult          eventlog.Kind = "download_result"           // {operator, ok, reason, result?}
	KindEnableHeld              eventlog.Kind = "enable_held"               // {operator, iccid, reason}: after a reset, an attempt's enable waits for the network the device woke up on
	KindProfileEnabled          eventlog.Kind = "profile_enabled"           // {iccid, operator, original, role: attempt|fallback}
	KindProfileEnableFailed     eventlog.Kind = "profile_enable_failed"     // {iccid, result}
	KindAttachPending           eventlog.Kind = "attach_pending"            // {iccid, service, plmn}
	KindAttachFailed            eventlog.Kind = "attach_failed"             // {operator, reason}
	KindFallback                eventlog.Kind = "fallback"                  // {from_operator, to_operator}
	KindFallbackAttached        eventlog.Kind = "fallback_attached"         // {operator, plmn}
	KindFallbackFailed          eventlog.Kind = "fallback_failed"           // {operator, reason}
	KindFallbackExhausted       eventlog.Kind = "fallback_exhausted"        // {operators}: no profile on the card attached
	KindListExhausted           eventlog.Kind = "list_exhausted"            // {operators}
	KindBackoff                 eventlog.Kind = "backoff"                   // {operator, area, country?, failures, periods, until_check}
	KindPlatformBackoff         eventlog.Kind = "platform_backoff"          // {serving_plmn, failures, periods, until_check}: a check skipped its list request, the platform having left the last `failures` in a row unanswered
	KindLateAttach              eventlog.Kind = "late_attach"               // {operator, iccid, plmn, report, area, country?}: a profile reported failed, which the card stayed on, attached later: attach-success owed (claim 7), its back-off in area (as a backoff event names it) forgotten
	KindNoRoomLifted            eventlog.Kind = "no_room_lifted"            // {iccids, profiles, operators, full_card}: profiles another LPA deleted freed room, for operators remembered as not fitting and, full_card, for any download
	// Background duties.
	KindNotificationSent   eventlog.Kind = "notification_sent"   // {kind, to, report?|seq?, iccid?, operator?, plmn?, refused?}: a platform note names what its body carried
	KindNotificationFailed eventlog.Kind = "notification_failed" // {kind, to, reason, result?, report?|seq?, iccid?, operator?, plmn?}
	KindNoteDropped        eventlog.Kind = "note_dropped"        // {kind, report, reason}: a note the platform will never get: refused for good (a 4xx), or made room for in a full outbox (reason starts ReasonOutboxFull)
	// Bad input.
	KindIgnored eventlog.Kind = "ignored" // {input, mode, reason}: input the event ignored ("event" is the line's own key)
)

// Kinds lists every kind above (the registry's share of the applet).
var Kinds = eventlog.Register(eventlog.EUICC,
	KindMode, KindCheck, KindRoamingDetected, KindPreferredListRequested, KindPreferredListReceived,
	KindPreferredListFailed, KindPreferredListEmpty, KindPreferredAlreadyEnabled, KindListPassedOver, KindReturningHome,
	KindCycleStarted, KindCycleEnded, KindCycleResumed, KindAttempt, KindAttemptSkipped,
	KindProfileNotPreinstalled, KindDownloadRequested, KindDownloadResult, KindEnableHeld, KindProfileEnabled,
	KindProfileEnableFailed, KindAttachPending, KindAttachFailed, KindFallback, KindFallbackAttached,
	KindFallbackFailed, KindFallbackExhausted, KindListExhausted, KindBackoff, KindPlatformBackoff, KindLateAttach,
	KindNoRoomLifted,
	KindNotificationSent, KindNotificationFailed, KindNoteDropped, KindIgnored)

// Cycle triggers (cycle_started.trigger).
const (
	TriggerList   = "list"   // roaming with service: the platform's preferred list (claims 1–3)
	TriggerHome   = "home"   // the home profile's network is visible again
	TriggerRescue = "rescue" // no normal service on the enabled profile: try the others on the card
)

// Cycle outcomes (cycle_ended.outcome). Every cycle ends with
// attach-success or list-exhausted, reported once to the platform — one
// that could attempt no operator of its list too (DESIGN, "Decisions").
const (
	OutcomeAttachSuccess = "attach-success"
	OutcomeListExhausted = "list-exhausted"
)

// Notification kinds posted to the platform (POST /v1/notifications).
const (
	NoteAttachSuccess   = "attach-success"
	NoteAttachFailure   = "attach-failure"
	NoteListExhausted   = "list-exhausted"
	NoteDownloadSuccess = "download-success"
)

// ReasonOutboxFull starts the reason of a note_dropped that made room in
// a full outbox (the rest says how many were owed and what went).
const ReasonOutboxFull = "outbox full"
