package fleet

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/atomicfile"
	"github.com/esimhil/esimhil/internal/exactjson"
	"github.com/esimhil/esimhil/internal/textcut"
)

// Outcomes of a device at the end of its dwell.
const (
	Switched = "switched" // attached on a preferred operator's profile, as planned
	Stayed   = "stayed"   // still on its original profile by the failure its part of the mix injects
	// Failed is a device that did not do what the template set it up
	// for: its run ended in an error (a rig error, the storm stopped) or
	// its outcome contradicts what was injected (nothing injected and it
	// stayed, a fault injected and it switched, or it stayed by another
	// failure — a platform answering garbage, an exchange that timed out).
	Failed = "failed"
)

// Result is what a storm (or one shard of it) measured. Results of the
// shards of one fleet merge into the result of the whole (Merge).
type Result struct {
	Template string `json:"template"`
	Seed     int64  `json:"seed"`
	// Fleet says which storm this is a slice of — the whole fleet's size,
	// arrival window, dwell, pseudo-terminals and mix — so that merge
	// takes only slices of one storm (Template.Fingerprint).
	Fleet string `json:"fleet"`
	// FleetDevices is the whole storm's size, which its shards' devices
	// add up to (absent from results written before it was kept).
	FleetDevices int `json:"fleet_devices,omitempty"`
	// Cycle is the sum of the mix's shares, which with FleetDevices says
	// which shard runs each device (Template.ShardOf): merge checks each
	// result's devices are its shards'. Absent from older results.
	Cycle int `json:"cycle,omitempty"`
	// Shards lists the shards merged here ("0/4", …).
	Shards  []string `json:"shards"`
	Devices int      `json:"devices"`
	PTYs    int      `json:"ptys"`
	// Platform and SMDP say which servers ran: "emulated" or a URL.
	Platform string            `json:"platform"`
	SMDP     map[string]string `json:"smdp,omitempty"`
	// file is where ReadResult read it, for Merge's errors.
	file string
	// uncheckedOK says a platform log that could not be read whole does
	// not fail the run (AcceptUnchecked, --accept-unchecked).
	uncheckedOK bool

	// Wall is a run's wall time. For merged shards it is the union of
	// their wall-clock spans (Runs), or — when a shard's result carries
	// no span (written before they were kept) — the longest shard's wall,
	// assuming they all ran side by side; WallBasis says which.
	// Simulated is the simulated span of the storm.
	Wall      time.Duration `json:"wall_ns"`
	WallBasis string        `json:"wall_basis,omitempty"`
	Simulated time.Duration `json:"simulated_ns"`
	// Runs are the shards' own runs, one each: when it ran and what it did.
	Runs []ShardRun `json:"runs,omitempty"`
	// PeakRSS is the largest peak resident memory of a shard's process.
	PeakRSS int64 `json:"peak_rss_bytes"`
	// peakRSSLifetime says why PeakRSS is the process's whole life's
	// peak, not the run's: its reset failed (resetPeakRSS). Not written:
	// a process that runs one storm, as esimhil fleet does, has the
	// storm's peak either way.
	peakRSSLifetime error

	Outcomes map[string]int `json:"outcomes"`
	// ByKind counts devices by kind of the mix and outcome.
	ByKind map[string]map[string]int `json:"by_kind"`
	// SwitchTimes are the switched devices' simulated times from arrival
	// to the attach on the new operator, sorted.
	SwitchTimes []time.Duration `json:"switch_times_ns"`

	// PlatformRequests counts the cards' requests to the platform, and
	// PlatformUnreached those of them that never reached it: the card's
	// channel to it never opened (no connection: a platform down, its
	// port closed). The rate of platform requests is of the others, which
	// the platform was sent.
	PlatformRequests  int `json:"platform_requests"`
	PlatformUnreached int `json:"platform_unreached,omitempty"`

	// Notifications by "eid|kind" (platform) and "operator|kind"
	// (SM-DP+): what the cards count as acknowledged, and what the
	// servers' logs hold.
	CardToPlatform map[string]int `json:"card_to_platform"`
	PlatformLog    map[string]int `json:"platform_log"`
	CardToSMDP     map[string]int `json:"card_to_smdp"`
	SMDPLog        map[string]int `json:"smdp_log"`
	// NotificationFailures counts deliveries the cards saw fail. The
	// card keeps the note and sends it again, except after a final 4xx
	// from the platform: then it drops the note (DroppedPlatform of them,
	// each also undelivered) so as not to block the ones behind it.
	NotificationFailures int `json:"notification_failures"`
	DroppedPlatform      int `json:"dropped_platform"`
	// DroppedSMDP counts the SGP.22 notifications an SM-DP+ refused (a
	// Failed answer to handleNotification): the card forgets them, as
	// sending again cannot help, so none is held or sent again (outside
	// tester t180 F1: they were said "kept … still held"). Each is also a
	// notification failure and, at retirement, undelivered.
	DroppedSMDP int `json:"dropped_smdp,omitempty"`
	// DroppedFull counts the notes cards dropped to make room in a full
	// outbox (64 owed: docs/platform-api.md, "Delivery"): the platform
	// never gets them, and any fails the storm.
	DroppedFull int `json:"dropped_full,omitempty"`
	// Undelivered counts the notifications whose delivery a card tried,
	// saw fail and had not seen acknowledged when its device retired:
	// notes to the platform (UndeliveredPlatform) and SGP.22 pending
	// notifications to an SM-DP+ (UndeliveredSMDP). UndeliveredPlatform
	// also holds the notes the card still held queued behind such a one
	// (it sends them in order, so none behind a refused head is tried):
	// QueuedPlatform of them. A note made just before retirement and never
	// tried with no failed one ahead of it (no bearer yet) is not counted:
	// a healthy storm ends with none, as a failed one is retried at the
	// next periodic check, well inside a dwell. Any fail the storm.
	UndeliveredPlatform int `json:"undelivered_platform"`
	UndeliveredSMDP     int `json:"undelivered_smdp"`
	QueuedPlatform      int `json:"queued_platform"`
	// Stopped counts the devices a signal (or an error of the storm)
	// stopped before their dwell ended: failed, and not counted in the
	// rate of devices, which is of devices that finished.
	Stopped int `json:"stopped,omitempty"`
	// StoppedDone counts the devices still on at the stop whose every
	// step was done: switched, or stayed as injected, as their part of
	// the mix set them up to, owing no server a notification. They are
	// counted by that outcome, not failed, and, their dwell cut short,
	// not in the rate either.
	StoppedDone int `json:"stopped_done,omitempty"`
	// NotStarted counts the devices the stop came before: never powered
	// on, they have no outcome, so outcomes and NotStarted add up to
	// Devices. StoppedBy says what stopped the storm ("stopped by
	// SIGTERM"), "" for a storm that ran to its end. Merge refuses a
	// stopped result: its figures are of part of its shard.
	NotStarted int    `json:"not_started,omitempty"`
	StoppedBy  string `json:"stopped_by,omitempty"`
	// Unchecked says which logs could not be read (an external server
	// without a log route), so "zero lost" is not claimed for them;
	// PlatformUnread and SMDPUnread leave those logs out of Lost.
	// Always written, even when empty: merge requires them, so a result
	// without them (older, or cut by hand) is not read as "all logs read".
	Unchecked      []string `json:"unchecked"`
	PlatformUnread bool     `json:"platform_unread"`
	SMDPUnread     bool     `json:"smdp_unread"`
	// LogReadFailures counts the reads of an external platform's log that
	// failed in a way that may pass (no answer in time, no connection, a
	// 5xx) and were tried again: a log read whole in the end is checked,
	// and the report says how often it had to be asked.
	LogReadFailures int `json:"platform_log_read_failures,omitempty"`
	// SMDPLogReadFailures counts those reads of the SM-DP+s' notification
	// logs, alike.
	SMDPLogReadFailures int `json:"smdp_log_read_failures,omitempty"`
	// SMDPHeldBefore counts, of SMDPLog, the notifications the SM-DP+
	// logged as duplicates of ones it took before the storm (a serve
	// reused from an earlier storm): held, not taken by this storm.
	SMDPHeldBefore int `json:"smdp_held_before,omitempty"`
	// KeptOpen counts the connections an external server kept open
	// after the card had read its answer and closed the channel (it
	// ignored the request's Connection: close, RFC 9112 §9.6): each was
	// closed by the terminal after a grace of its own (5 s, a descriptor
	// held meanwhile), costing the storm no simulated time, and is said
	// in the report.
	KeptOpen int `json:"kept_open,omitempty"`
	// LogExtra counts the entries the platform's log holds of a card's
	// numbered report beyond the requests its card sent of it (the
	// platform recorded a note twice), or of a report no card sent (one
	// logged under another EID, kind or number): a log that says more
	// arrived than was sent fails the run, as a lost note does.
	// LogExtraNamed names the first of them.
	LogExtra      int      `json:"platform_log_extra,omitempty"`
	LogExtraNamed []string `json:"platform_log_extra_named,omitempty"`
	// LogUnreadable counts the platform's taken (2xx) notification
	// entries whose body the API cannot read (an unknown member, a number
	// as a string…), the first named: the check cannot hold them against
	// the cards, and any fails the storm.
	LogUnreadable      int      `json:"platform_log_unreadable,omitempty"`
	LogUnreadableNamed []string `json:"platform_log_unreadable_named,omitempty"`
	// PlatformByReport says the platform's log was held against the
	// cards note by note (identity and content, notes.go), which the
	// figures below give; a result without it (written before) is judged
	// by the counts per card and kind. PlatformLost counts the notes the
	// cards saw acknowledged that no entry holds, PlatformUnconfirmed
	// those the log holds that their card never saw acknowledged, and
	// LogMismatched those a card sent that an entry holds with other
	// content (a wrong operator, another card's note): each fails the run
	// but the unconfirmed. Each Named names the first.
	PlatformByReport    bool     `json:"platform_by_report,omitempty"`
	PlatformLost        int      `json:"platform_lost,omitempty"`
	PlatformLostNamed   []string `json:"platform_lost_named,omitempty"`
	PlatformUnconfirmed int      `json:"platform_unconfirmed,omitempty"`
	LogMismatched       int      `json:"platform_log_mismatched,omitempty"`
	LogMismatchedNamed  []string `json:"platform_log_mismatched_named,omitempty"`

	// PlatformAuth is what an external platform did with the requests it
	// must refuse (checkPlatformAuth), by check: "" when it answered as
	// docs/platform-api.md says, else what it did. Absent for the
	// emulated platform, whose own tests check it. A check the platform
	// failed fails the run.
	PlatformAuth map[string]string `json:"platform_auth,omitempty"`

	// Why counts the devices that stayed on their original profile by the
	// last failure their card logged (cut to maxWhy characters).
	Why map[string]int `json:"why_stayed,omitempty"`
	// NotificationWhy counts the failed deliveries (NotificationFailures)
	// by destination and what the server answered, as the card logged it.
	NotificationWhy map[string]int `json:"notification_failures_why,omitempty"`
	// RequestFailures counts the cards' preferred-list and download
	// requests that failed — the device tried again at a later check, or
	// gave up — and RequestWhy groups them by what the card logged: a
	// platform's error rate under the storm, which a device that switched
	// on its next try would otherwise hide.
	RequestFailures int            `json:"request_failures"`
	RequestWhy      map[string]int `json:"request_failures_why,omitempty"`

	// Lists counts the preferred lists the cards got by country,
	// order_by and operators in order; ListDepartures those that were not
	// the template's, by how (--lists strict failed their devices,
	// report only counts them). ListsMode is the --lists the run had.
	Lists          map[string]int `json:"lists,omitempty"`
	ListDepartures map[string]int `json:"list_departures,omitempty"`
	ListsMode      string         `json:"lists_mode,omitempty"`

	// Failures groups the failed devices by why (cut to maxReason
	// characters), with the lowest device indexes of each group.
	Failures map[string]*FailureGroup `json:"failures,omitempty"`

	// Errors are the first failed devices, each with its EID, kind and
	// whole reason, for the report.
	Errors []string `json:"errors,omitempty"`
}

// ShardRun is one process's run of a shard.
type ShardRun struct {
	Shard string `json:"shard"`
	// Start and End are the run's wall-clock span (UTC); zero in a run
	// taken from a result written before spans were kept.
	Start            time.Time     `json:"start"`
	End              time.Time     `json:"end"`
	Wall             time.Duration `json:"wall_ns"`
	Devices          int           `json:"devices"`
	PlatformRequests int           `json:"platform_requests"`
	// PlatformUnreached as Result's.
	PlatformUnreached int `json:"platform_unreached,omitempty"`
}

func (sr ShardRun) spanned() bool { return !sr.Start.IsZero() }

// combinedWall is the wall time the merged shards took together: the
// union of their spans, so shards that ran side by side count once and
// shards that ran one after another add up (a gap between them is not
// work). Without every span it falls back to the longest shard's wall,
// which is right only if they all ran side by side, and says so.
func combinedWall(runs []ShardRun, shards int, longest time.Duration) (time.Duration, string) {
	var spans []ShardRun
	for _, r := range runs {
		if r.spanned() {
			spans = append(spans, r)
		}
	}
	if len(spans) < shards {
		verb := "has"
		if shards-len(spans) > 1 {
			verb = "have"
		}
		return longest, fmt.Sprintf("the longest shard's wall, ASSUMING the %d shards ran side by side, as %d of their results %s no start and end time (an older esimhil wrote it)",
			shards, shards-len(spans), verb)
	}
	slices.SortFunc(spans, func(a, b ShardRun) int { return a.Start.Compare(b.Start) })
	var union, sum, longestSpan time.Duration
	end := time.Time{}
	for _, r := range spans {
		d := r.End.Sub(r.Start)
		sum += d
		longestSpan = max(longestSpan, d)
		switch {
		case r.Start.After(end) || end.IsZero():
			union += d
			end = r.End
		case r.End.After(end):
			union += r.End.Sub(end)
			end = r.End
		}
	}
	how := "partly side by side: their walls add up to " + sum.Round(time.Millisecond).String()
	switch {
	case len(spans) == 1:
		how = "one run"
	case union == sum:
		how = "one after another: no two overlapped"
	case union == longestSpan:
		how = "side by side: all within the longest"
	}
	return union, fmt.Sprintf("the union of the %d shards' wall-clock spans (%s)", len(spans), how)
}

// FailureGroup is the devices that failed for one reason.
type FailureGroup struct {
	Devices int `json:"devices"`
	// First are the lowest indexes among them (at most maxFirst), so
	// shards merged name the same devices as one run.
	First []int `json:"first"`
	// Example is the whole reason of the first of them (First[0]), its
	// identifiers unmasked: what one device said, beside the group's
	// masked text (empty in a result from before it was kept).
	Example string `json:"example,omitempty"`
}

const (
	maxErrors  = 20
	maxWhy     = 100
	maxWhyKeys = 50
	maxReason  = 200
	maxFirst   = 5
)

// otherReasons is where reasons go once maxWhyKeys different ones are kept.
const otherReasons = "(other reasons)"

// timestamp is a date and time as Go's errors print them (RFC 3339, as
// x509's "current time … is after …", or with a space).
var timestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?`)

// perDevice are the parts of a reason that name the device or its
// exchange rather than the failure: an EID (32 digits, SGP.02 §2.2.2),
// an ICCID (18–20 digits from 89, ITU-T E.118), a Matching ID (the third
// field of an activation code, SGP.22 §4.1, or one named as such:
// digits, upper-case letters and '-', so one of letters alone too), a
// transactionId (1–16 bytes in hex, SGP.22 §5.6.1, named as such, in
// JSON too), a base64 token (tokenShaped; before the hex, as a token's
// run may hold some), any other run of 16 or more hex digits (a hash, a
// key id), a counter or sequence number ("seq 6 not above 15, the last
// accepted", a notification's seqNumber). with is a regexp.Expand
// template; when, if set, is what the value (the last submatch) must
// also be, where the pattern alone would take a word. A masked reason
// masks to itself: a merge groups the shards' groups again.
var perDevice = []struct {
	re   *regexp.Regexp
	with string
	when func(value string) bool
}{
	{regexp.MustCompile(`\b89\d{30}\b`), "<eid>", nil},
	{regexp.MustCompile(`\b89\d{16,18}[0-9Ff]?\b`), "<iccid>", nil},
	{regexp.MustCompile(`(LPA:1\$[^$\s"]*\$)[^$\s"<][^$\s"]*`), "${1}<matching id>", nil},
	{regexp.MustCompile(`(?i)\b(matching[ _-]?id)("?[ :=]+"?)([0-9a-z-]+)`), "${1}${2}<matching id>", matchingIDShaped},
	{regexp.MustCompile(`(?i)\b(transaction[ _-]?id)("?[ :=]+"?)([0-9a-f]{2,32})\b`), "${1}${2}<transaction id>", hexShaped},
	{regexp.MustCompile(`(^|[^A-Za-z0-9+/=_-])([A-Za-z0-9+/_-]{16,}={0,2})`), "${1}<token>", tokenShaped},
	{regexp.MustCompile(`\b(?:[0-9A-F]{16,}|[0-9a-f]{16,})\b`), "<hex>", nil},
	{regexp.MustCompile(`(?i)\b(seq|seq_?number|sequence number)([ :=]+)\d+`), "${1}${2}<n>", nil},
	{regexp.MustCompile(`\babove \d+`), "above <n>", nil},
}

// matchingIDShaped says whether a value named a Matching ID is one and no
// word ("matching_id are required"): one with a digit (as before, in any
// case), or SGP.22's upper-case letters and '-' with a '-' or ten or more
// characters (not "UNKNOWN").
func matchingIDShaped(v string) bool {
	if strings.ContainsAny(v, "0123456789") {
		return true
	}
	return v == strings.ToUpper(v) && strings.Trim(v, "-") != "" && (strings.Contains(strings.Trim(v, "-"), "-") || len(v) >= 10)
}

// hexShaped says whether a value named a transactionId is hex and no
// word made of the letters a-f ("added", "faded"): a digit in it, or
// eight or more characters (a 4-byte id at least), in whole bytes.
func hexShaped(v string) bool {
	return len(v)%2 == 0 && (strings.ContainsAny(v, "0123456789") || len(v) >= 8)
}

// wordParts are the parts of a name written in words (camelCase,
// PascalCase, snake_case, ES9+'s "ES9", an HTTP header's "X-" prefix as
// in SGP.22's X-Admin-Protocol): what a run of letters in a reason is,
// unless it is a token.
var wordParts = regexp.MustCompile(`^(?:[A-Z]{0,4}[a-z]{2,}|[A-Z]{2,}|[A-Z]-|[0-9]+|[-_+])+$`)

// tokenShaped says whether a run of base64 (or base64url) characters,
// 16 or more, is a token (a challenge, a bearer or session token, a
// signature) rather than a path or words: padded to whole quads with
// '=', or, with no '/' (a path's), letters of both cases that do not
// read as words (wordParts: "AuthenticateClient" stays). Runs of one
// case are words or hex, which the rules before it have.
func tokenShaped(v string) bool {
	body := strings.TrimRight(v, "=")
	if len(body) < 16 {
		return false
	}
	if body != v {
		return len(v)%4 == 0
	}
	if strings.Contains(v, "/") || !strings.ContainsAny(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") || !strings.ContainsAny(v, "abcdefghijklmnopqrstuvwxyz") {
		return false
	}
	return !wordParts.MatchString(v)
}

// groupKey is the reason devices are grouped under: its timestamps are
// "<time>", and what names the device (perDevice) is masked, so that
// devices failing alike at different moments make one group (each
// device's error line keeps the detail). Other numbers are kept: an HTTP
// status, an EMM cause or a PLMN tells reasons apart.
func groupKey(reason string) string {
	reason = timestamp.ReplaceAllLiteralString(reason, "<time>")
	for _, p := range perDevice {
		if p.when == nil {
			reason = p.re.ReplaceAllString(reason, p.with)
			continue
		}
		reason = p.re.ReplaceAllStringFunc(reason, func(m string) string {
			sub := p.re.FindStringSubmatchIndex(m)
			if !p.when(m[sub[len(sub)-2]:sub[len(sub)-1]]) {
				return m
			}
			return string(p.re.ExpandString(nil, p.with, m, sub))
		})
	}
	return reason
}

// stayedBecause counts a reason, bounded in length and in how many
// different ones are kept.
func (r *Result) stayedBecause(why string) {
	if why == "" {
		why = "(no failure logged)"
	}
	countWhy(&r.Why, why, 1)
}

// notificationFailedBecause counts a failed delivery under what the
// server answered, as the card logged it.
func (r *Result) notificationFailedBecause(to, why string) {
	if to == "" {
		to = "platform"
	}
	if why == "" {
		why = "(no reason logged)"
	}
	countWhy(&r.NotificationWhy, to+": "+why, 1)
}

// countWhy counts n under why in *m, grouped (groupKey) and bounded in
// length and in how many different ones are kept.
func countWhy(m *map[string]int, why string, n int) {
	why = textcut.Cut(groupKey(why), maxWhy)
	if *m == nil {
		*m = map[string]int{}
	}
	if _, ok := (*m)[why]; !ok && len(*m) >= maxWhyKeys {
		why = otherReasons
	}
	(*m)[why] += n
}

// failedBecause counts failed devices under a reason, bounded in length
// and in how many different ones are kept; first are some of their
// indexes (the lowest are kept).
func (r *Result) failedBecause(reason string, first ...int) {
	r.addFailures(reason, reason, 1, first)
}

// addFailures counts n devices, first the lowest of them, under reason's
// group; example is the whole reason of first[0].
func (r *Result) addFailures(reason, example string, n int, first []int) {
	reason = textcut.Cut(groupKey(reason), maxReason)
	if r.Failures == nil {
		r.Failures = map[string]*FailureGroup{}
	}
	if _, ok := r.Failures[reason]; !ok && len(r.Failures) >= maxWhyKeys {
		reason = otherReasons
	}
	g := r.Failures[reason]
	if g == nil {
		g = &FailureGroup{}
		r.Failures[reason] = g
	}
	g.Devices += n
	// The example is the lowest device's, as First is: one run and its
	// shards merged show the same.
	if example != "" && (g.Example == "" || len(first) > 0 && (len(g.First) == 0 || first[0] < g.First[0])) {
		g.Example = textcut.Cut(example, maxReason)
	}
	for _, i := range first {
		if !slices.Contains(g.First, i) {
			g.First = append(g.First, i)
		}
	}
	slices.Sort(g.First)
	g.First = g.First[:min(len(g.First), maxFirst)]
}

func newResult() *Result {
	return &Result{
		Outcomes: map[string]int{}, ByKind: map[string]map[string]int{},
		CardToPlatform: map[string]int{}, PlatformLog: map[string]int{},
		CardToSMDP: map[string]int{}, SMDPLog: map[string]int{}, SMDP: map[string]string{},
		Unchecked: []string{},
	}
}

func (r *Result) count(kind, outcome string) {
	r.Outcomes[outcome]++
	if r.ByKind[kind] == nil {
		r.ByKind[kind] = map[string]int{}
	}
	r.ByKind[kind][outcome]++
}

func (r *Result) addError(format string, a ...any) {
	if len(r.Errors) < maxErrors {
		r.Errors = append(r.Errors, fmt.Sprintf(format, a...))
	}
}

// Lost counts notifications the cards count as acknowledged that a
// server's log does not hold; Unconfirmed the other way round (the server
// has it, the card never saw the answer and will send it again).
func (r *Result) Lost() (lost, unconfirmed int) {
	lost, unconfirmed, _ = r.lost(false)
	return lost, unconfirmed
}

// maxLostNamed bounds the lost notifications the report names.
const maxLostNamed = 10

// lost counts as Lost does and, with name, names the lost notifications
// (in key order): "to platform: <eid> attach-success ×1", so that a
// platform team can look for them in its own log.
func (r *Result) lost(name bool) (lost, unconfirmed int, named []string) {
	type pair struct {
		to        string
		card, log map[string]int
	}
	var pairs []pair
	if !r.PlatformUnread {
		pairs = append(pairs, pair{"platform", r.CardToPlatform, r.PlatformLog})
	}
	if !r.SMDPUnread {
		pairs = append(pairs, pair{"SM-DP+", r.CardToSMDP, r.SMDPLog})
	}
	for _, p := range pairs {
		card, log := p.card, p.log
		if p.to == "platform" && r.PlatformByReport {
			lost += r.PlatformLost
			unconfirmed += r.PlatformUnconfirmed
			if name {
				named = append(named, r.PlatformLostNamed...)
			}
			// Never fewer lost than the counts show: more acknowledged
			// than logged is lost whatever platform_lost says
			// (notesAddUp refuses such a file; this keeps the report
			// true of any result).
			if g := gapOf(card, log); g.short > r.PlatformLost {
				lost += g.short - r.PlatformLost
				if name {
					// ×n last: namedCount counts it as the n it stands for.
					named = append(named, fmt.Sprintf("to platform: acknowledged and not logged, the first %s ×%d", strings.Replace(g.shortAt, "|", " ", 1), g.short-r.PlatformLost))
				}
			}
			continue
		}
		from := len(named)
		for k, n := range card {
			if d := n - log[k]; d > 0 {
				lost += d
				if name {
					who, kind, _ := strings.Cut(k, "|")
					named = append(named, fmt.Sprintf("to %s: %s %s ×%d", p.to, who, kind, d))
				}
			}
		}
		slices.Sort(named[from:])
		for k, n := range log {
			if d := n - card[k]; d > 0 {
				unconfirmed += d
			}
		}
	}
	return lost, unconfirmed, named
}

// namedCount is how many notifications names stand for: one each, or
// the n of a name ending "×n".
func namedCount(names []string) int {
	c := 0
	for _, n := range names {
		k := 1
		if _, x, ok := strings.Cut(n, " ×"); ok {
			if v, err := strconv.Atoi(x); err == nil {
				k = v
			}
		}
		c += k
	}
	return c
}

// andMore ends a list that names named of n.
func andMore(n, named int) string {
	if n > named {
		return fmt.Sprintf("; … (%d more)", n-named)
	}
	return ""
}

// appendNamed appends more to named, up to maxLostNamed.
func appendNamed(named, more []string) []string {
	return append(named, more[:min(len(more), max(0, maxLostNamed-len(named)))]...)
}

// Percentile is the p-th percentile (0..100) of the sorted switch times,
// by nearest rank: the smallest time at least p % of the devices took no
// longer than (with 180 times, p99 is the 179th).
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.SwitchTimes) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(r.SwitchTimes)))) - 1
	return r.SwitchTimes[min(max(i, 0), len(r.SwitchTimes)-1)]
}

// Merge combines shard results of one fleet. The shards must come from
// the same template and seed and must not overlap, and none may have
// been stopped before its end (MergeStopped takes those).
func Merge(rs []*Result) (*Result, error) { return merge(rs, false) }

// MergeStopped is Merge that takes a shard stopped before its end (a
// signal, --give-up-after): a team running many shards wants the totals
// even when one gave up (outside tester t228). The merged result is
// marked so — StoppedBy names each such shard and its cause, and a
// stopped result never passes (OK) — and its figures hold only the part
// of each such shard that ran: its devices still on and never powered on
// are counted as such (Stopped, StoppedDone, NotStarted), none as done.
func MergeStopped(rs []*Result) (*Result, error) { return merge(rs, true) }

func merge(rs []*Result, acceptStopped bool) (*Result, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("no results")
	}
	m := newResult()
	m.Template, m.Seed, m.Fleet, m.Platform, m.SMDP = rs[0].Template, rs[0].Seed, rs[0].Fleet, rs[0].Platform, maps.Clone(rs[0].SMDP)
	if len(rs) > 1 {
		// Each shard ran its own emulated servers: one's address would
		// read as the one server all of them used.
		m.Platform = mergedServer(m.Platform)
		for op, srv := range m.SMDP {
			m.SMDP[op] = mergedServer(srv)
		}
	}
	m.FleetDevices, m.Cycle = rs[0].FleetDevices, rs[0].Cycle
	index := map[string]int{} // each shard's i, in shard order
	of := 0                   // the n of every shard's i/n
	byEID := map[string]*Result{}
	for i, r := range rs {
		if r.Template != m.Template || r.Seed != m.Seed || r.Fleet != m.Fleet {
			return nil, fmt.Errorf("%s%s seed %d (%s) does not belong with %s%s seed %d (%s)", r.named(), r.Template, r.Seed, r.Fleet, rs[0].named(), m.Template, m.Seed, m.Fleet)
		}
		if d := serversDiffer(rs[0], r); d != "" {
			with := ""
			if rs[0].file != "" {
				with = " (with " + rs[0].file + ")"
			}
			return nil, fmt.Errorf("%sshards %v ran against %s: they do not belong together%s", r.named(), r.Shards, d, with)
		}
		if err := r.unstopped(); err != nil {
			if !acceptStopped {
				return nil, err
			}
			m.StoppedBy = joinStops(m.StoppedBy, r.stopNamed())
		}
		ids, err := r.consistent()
		if err != nil {
			if r.file != "" {
				return nil, fmt.Errorf("fleet result %s: %w", r.file, err)
			}
			return nil, fmt.Errorf("%s seed %d shards %v: %w", r.Template, r.Seed, r.Shards, err)
		}
		if r.FleetDevices != m.FleetDevices || r.Cycle != m.Cycle {
			return nil, fmt.Errorf("%sof a storm of %d devices dealt over a cycle of %d, the others of %d over %d", r.named(), r.FleetDevices, r.Cycle, m.FleetDevices, m.Cycle)
		}
		for _, id := range ids {
			_, dup := index[id.name]
			switch {
			case of != 0 && id.n != of:
				return nil, fmt.Errorf("%sshard %s is one of %d, the others of %d", r.named(), id.name, id.n, of)
			case dup:
				return nil, fmt.Errorf("%sshard %s given twice", r.named(), id.name)
			}
			of = id.n
			index[id.name] = id.i
			m.Shards = append(m.Shards, id.name)
		}
		if err := r.ownDevices(ids); err != nil {
			return nil, fmt.Errorf("%s%w", r.named(), err)
		}
		// A device runs in one shard: its EID in two results is one
		// shard's result given under another's name.
		for _, eid := range r.eids() {
			if o := byEID[eid]; o != nil {
				return nil, fmt.Errorf("%sdevice %s is in %s too: a device runs in one shard, so one of them is another shard's result under its name (shards %v and %v)",
					r.named(), eid, orThis(o.file), r.Shards, o.Shards)
			}
			byEID[eid] = r
		}
		m.Devices += r.Devices
		m.PTYs += r.PTYs
		m.Wall = max(m.Wall, r.Wall)
		switch {
		case len(r.Runs) > 0:
			m.Runs = append(m.Runs, r.Runs...)
		case len(r.Shards) == 1:
			// An older shard's result: its wall and counts, no span.
			m.Runs = append(m.Runs, ShardRun{Shard: r.Shards[0], Wall: r.Wall, Devices: r.Devices, PlatformRequests: r.PlatformRequests, PlatformUnreached: r.PlatformUnreached})
		}
		m.Simulated = max(m.Simulated, r.Simulated)
		m.PeakRSS = max(m.PeakRSS, r.PeakRSS)
		for k, n := range r.Outcomes {
			m.Outcomes[k] += n
		}
		for kind, o := range r.ByKind {
			if m.ByKind[kind] == nil {
				m.ByKind[kind] = map[string]int{}
			}
			for k, n := range o {
				m.ByKind[kind][k] += n
			}
		}
		m.SwitchTimes = append(m.SwitchTimes, r.SwitchTimes...)
		// Once a key, not once a device: the keys are grouped already.
		for k, n := range r.Why {
			countWhy(&m.Why, k, n)
		}
		for k, n := range r.NotificationWhy {
			countWhy(&m.NotificationWhy, k, n)
		}
		for k, n := range r.RequestWhy {
			countWhy(&m.RequestWhy, k, n)
		}
		for k, n := range r.Lists {
			countWhy(&m.Lists, k, n)
		}
		for k, n := range r.ListDepartures {
			countWhy(&m.ListDepartures, k, n)
		}
		if m.ListsMode == "" {
			m.ListsMode = r.ListsMode
		}
		m.RequestFailures += r.RequestFailures
		m.LogReadFailures += r.LogReadFailures
		m.SMDPLogReadFailures += r.SMDPLogReadFailures
		m.SMDPHeldBefore += r.SMDPHeldBefore
		m.KeptOpen += r.KeptOpen
		m.LogExtra += r.LogExtra
		m.LogExtraNamed = appendNamed(m.LogExtraNamed, r.LogExtraNamed)
		m.LogUnreadable += r.LogUnreadable
		m.LogUnreadableNamed = appendNamed(m.LogUnreadableNamed, r.LogUnreadableNamed)
		m.LogMismatched += r.LogMismatched
		m.LogMismatchedNamed = appendNamed(m.LogMismatchedNamed, r.LogMismatchedNamed)
		m.PlatformLost += r.PlatformLost
		m.PlatformLostNamed = appendNamed(m.PlatformLostNamed, r.PlatformLostNamed)
		m.PlatformUnconfirmed += r.PlatformUnconfirmed
		// Note by note only if every shard was: else by the counts
		// per card and kind, which every shard has.
		m.PlatformByReport = r.PlatformByReport && (i == 0 || m.PlatformByReport)
		m.PlatformRequests += r.PlatformRequests
		m.PlatformUnreached += r.PlatformUnreached
		m.Stopped += r.Stopped
		m.StoppedDone += r.StoppedDone
		m.NotStarted += r.NotStarted
		m.PlatformUnread = m.PlatformUnread || r.PlatformUnread
		m.SMDPUnread = m.SMDPUnread || r.SMDPUnread
		m.NotificationFailures += r.NotificationFailures
		m.UndeliveredPlatform += r.UndeliveredPlatform
		m.UndeliveredSMDP += r.UndeliveredSMDP
		m.QueuedPlatform += r.QueuedPlatform
		m.DroppedPlatform += r.DroppedPlatform
		m.DroppedSMDP += r.DroppedSMDP
		m.DroppedFull += r.DroppedFull
		for _, pair := range [][2]map[string]int{{m.CardToPlatform, r.CardToPlatform}, {m.PlatformLog, r.PlatformLog}, {m.CardToSMDP, r.CardToSMDP}, {m.SMDPLog, r.SMDPLog}} {
			for k, n := range pair[1] {
				pair[0][k] += n
			}
		}
		// Each shard checked the platform with its own card: a check
		// failed by one shard is failed, and says which.
		for c, why := range r.PlatformAuth {
			if m.PlatformAuth == nil {
				m.PlatformAuth = map[string]string{}
			}
			if m.PlatformAuth[c] != "" {
				continue
			}
			if why != "" && len(rs) > 1 {
				rest, unchecked := strings.CutPrefix(why, NotChecked)
				why = "shard " + strings.Join(r.Shards, ", ") + ": " + rest
				if unchecked {
					why = NotChecked + why
				}
			}
			m.PlatformAuth[c] = why
		}
		for _, u := range r.Unchecked {
			if !slices.Contains(m.Unchecked, u) {
				m.Unchecked = append(m.Unchecked, u)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(r.Failures)) {
			if g := r.Failures[k]; g != nil {
				m.addFailures(k, g.Example, g.Devices, g.First)
			}
		}
		for _, e := range r.Errors {
			if len(m.Errors) < maxErrors {
				m.Errors = append(m.Errors, e)
			}
		}
	}
	var missing []string
	for i := range of {
		if s := fmt.Sprintf("%d/%d", i, of); !slices.Contains(m.Shards, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		what := "shards " + strings.Join(missing, ", ") + " are" // "shards 2/3 missing" read as two of three
		if len(missing) == 1 {
			what = "shard " + missing[0] + " is"
		}
		return nil, fmt.Errorf("%s missing: the totals would not be the storm's (a shard that failed must run again)", what)
	}
	if m.FleetDevices > 0 && m.Devices != m.FleetDevices {
		return nil, fmt.Errorf("the shards hold %d devices, their storm %d: a result lost or gained devices (edited by hand?)", m.Devices, m.FleetDevices)
	}
	slices.SortFunc(m.Shards, func(a, b string) int { return index[a] - index[b] })
	slices.SortFunc(m.Runs, func(a, b ShardRun) int { return index[a.Shard] - index[b.Shard] })
	m.Wall, m.WallBasis = combinedWall(m.Runs, len(m.Shards), m.Wall)
	slices.Sort(m.SwitchTimes)
	return m, nil
}

// shardPTYs is how many of the devices of shards ids are on ptys, from
// the storm's size, cycle and its fingerprint's pty count (the first
// that many devices); ok is false for a result that does not say them.
func (r *Result) shardPTYs(ids []shardID) (int, bool, error) {
	var devices, ptys int
	if r.FleetDevices <= 0 || r.Cycle <= 0 {
		return 0, false, nil
	}
	// The fingerprint (Template.Fingerprint) is the one place a result
	// says its storm's pty count; one that does not read so is refused,
	// not left unchecked.
	if _, err := fmt.Sscanf(r.Fleet, "%d devices (%d on ptys)", &devices, &ptys); err != nil || devices != r.FleetDevices || ptys < 0 || ptys > devices {
		return 0, false, fmt.Errorf("fleet %q: not the fingerprint of a storm of its fleet_devices %d", r.Fleet, r.FleetDevices)
	}
	return ptysIn(ptys, devices, r.Cycle, ids), true, nil
}

// ownDevices checks that every device a result's notification counts
// name is one of its storm's and runs in one of its shards (ids), when the
// result says how its storm dealt them.
func (r *Result) ownDevices(ids []shardID) error {
	if r.FleetDevices <= 0 || r.Cycle <= 0 {
		return nil // an older result: it does not say
	}
	for _, eid := range r.eids() {
		i, ok := deviceIndex(eid)
		if !ok || i >= r.FleetDevices {
			return fmt.Errorf("device %s: not one of its storm's %d devices", eid, r.FleetDevices)
		}
		if !slices.ContainsFunc(ids, func(id shardID) bool { return shardOf(i, id.n, r.FleetDevices, r.Cycle) == id.i }) {
			return fmt.Errorf("device %s (device %d of the storm) runs in shard %d/%d, not in its shards %v: another shard's result under its name?",
				eid, i, shardOf(i, ids[0].n, r.FleetDevices, r.Cycle), ids[0].n, r.Shards)
		}
	}
	return nil
}

// eids are the devices a result's notification counts name, sorted.
func (r *Result) eids() []string {
	set := map[string]bool{}
	for _, m := range []map[string]int{r.CardToPlatform, r.PlatformLog} {
		for k := range m {
			if eid, _, ok := strings.Cut(k, "|"); ok {
				set[eid] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// orThis names a result's file, or says it is the one given in memory.
func orThis(file string) string {
	if file == "" {
		return "another result"
	}
	return "fleet result " + file
}

// named is "fleet result <file>: " for a result ReadResult read, "" for
// one made in this process: the start of Merge's errors.
func (r *Result) named() string {
	if r.file == "" {
		return ""
	}
	return "fleet result " + r.file + ": "
}

// unstopped refuses a result whose storm was stopped before its end (a
// preempted pod of an Indexed Job, Ctrl-C): merged, its part-run would
// pass for its whole shard and the totals for the storm's. It is checked
// before the counts, so that a stopped result an older esimhil wrote
// (whose outcomes left out the devices never powered on) is named for
// its stop.
func (r *Result) unstopped() error {
	if r.Stopped <= 0 && r.StoppedDone <= 0 && r.NotStarted <= 0 && r.StoppedBy == "" {
		return nil
	}
	name := r.file
	if name == "" {
		name = fmt.Sprintf("%s seed %d", r.Template, r.Seed)
	}
	on := r.Stopped + r.StoppedDone
	by, counts := r.StoppedBy, fmt.Sprintf("%d devices still on, %d never powered on", on, r.NotStarted)
	if by == "" {
		// An older esimhil's: it did not count those never powered on.
		by, counts = "stopped", fmt.Sprintf("%d devices still on", on)
	}
	shards := strings.Join(r.Shards, " ")
	return fmt.Errorf("fleet result %s: shard %s was %s before its storm ended (%s): merged, a part of the shard would count as all of it; run shard %s again and merge its new result, or give --accept-stopped for the totals with this shard marked as stopped (the merged verdict then fails)",
		name, shards, by, counts, shards)
}

// stopNamed says which shards of r were stopped and by what ("shard 3/8
// stopped by SIGTERM"), as a merged StoppedBy lists them; a merged
// result's own StoppedBy already does.
func (r *Result) stopNamed() string {
	by := cmp.Or(r.StoppedBy, "stopped")
	if strings.HasPrefix(by, "shard ") {
		return by
	}
	return "shard " + strings.Join(r.Shards, " ") + " " + by
}

// joinStops adds stop to a merged StoppedBy's list.
func joinStops(by, stop string) string {
	if by == "" {
		return stop
	}
	return by + "; " + stop
}

// Finished counts the devices that ran their dwell to its end (switched,
// stayed or failed on their own), not those a stop cut short or came
// before: the devices of the rate.
func (r *Result) Finished() int { return r.Devices - r.Stopped - r.StoppedDone - r.NotStarted }

// serversDiffer names the servers two shards ran against that differ
// ("" if none): an external one by its URL, the emulated ones by kind
// (each shard runs its own, on its own port).
func serversDiffer(a, b *Result) string {
	var diffs []string
	if serverKind(a.Platform) != serverKind(b.Platform) {
		diffs = append(diffs, fmt.Sprintf("platform %s, not %s", b.Platform, a.Platform))
	}
	ops := map[string]string{}
	maps.Copy(ops, a.SMDP)
	maps.Copy(ops, b.SMDP)
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		if serverKind(a.SMDP[op]) != serverKind(b.SMDP[op]) {
			diffs = append(diffs, fmt.Sprintf("SM-DP+ %s %s, not %s", op, orNone(b.SMDP[op]), orNone(a.SMDP[op])))
		}
	}
	return strings.Join(diffs, " and ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// shardID is a shard's name and its i/n.
type shardID struct {
	name string
	i, n int
}

// consistent checks what a result file says of itself: counts that are
// not negative and outcomes that add up to its devices (a file edited by
// hand, or cut short, is refused rather than merged). It returns the
// result's shards, read.
func (r *Result) consistent() ([]shardID, error) {
	if r.Devices < 0 || r.PTYs < 0 || r.PTYs > r.Devices || r.PlatformRequests < 0 || r.PlatformUnreached < 0 || r.PlatformUnreached > r.PlatformRequests {
		return nil, fmt.Errorf("devices %d, ptys %d, platform requests %d (%d never reached it): not counts of a storm", r.Devices, r.PTYs, r.PlatformRequests, r.PlatformUnreached)
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"notification_failures", r.NotificationFailures}, {"undelivered_platform", r.UndeliveredPlatform}, {"undelivered_smdp", r.UndeliveredSMDP}, {"queued_platform", r.QueuedPlatform}, {"dropped_platform", r.DroppedPlatform}, {"dropped_smdp", r.DroppedSMDP}, {"dropped_full", r.DroppedFull}, {"stopped", r.Stopped}, {"stopped_done", r.StoppedDone}, {"not_started", r.NotStarted}, {"request_failures", r.RequestFailures}, {"platform_log_read_failures", r.LogReadFailures}, {"smdp_log_read_failures", r.SMDPLogReadFailures}, {"smdp_held_before", r.SMDPHeldBefore}, {"kept_open", r.KeptOpen}, {"platform_log_extra", r.LogExtra},
		{"platform_lost", r.PlatformLost}, {"platform_unconfirmed", r.PlatformUnconfirmed}, {"platform_log_mismatched", r.LogMismatched}} {
		if c.n < 0 {
			return nil, fmt.Errorf("%s: %d: not a count", c.name, c.n)
		}
	}
	if r.QueuedPlatform+r.DroppedPlatform > r.UndeliveredPlatform || r.DroppedPlatform > r.NotificationFailures {
		return nil, fmt.Errorf("queued_platform %d and dropped_platform %d: more than its undelivered_platform %d or notification_failures %d, of which they are a part",
			r.QueuedPlatform, r.DroppedPlatform, r.UndeliveredPlatform, r.NotificationFailures)
	}
	if r.DroppedSMDP > r.UndeliveredSMDP || r.DroppedPlatform+r.DroppedSMDP > r.NotificationFailures {
		return nil, fmt.Errorf("dropped_smdp %d: more than its undelivered_smdp %d, or with dropped_platform %d more than notification_failures %d, of which they are a part",
			r.DroppedSMDP, r.UndeliveredSMDP, r.DroppedPlatform, r.NotificationFailures)
	}
	if r.Stopped > r.Outcomes[Failed] {
		return nil, fmt.Errorf("stopped %d: more than its %d failed devices, of which they are a part", r.Stopped, r.Outcomes[Failed])
	}
	if r.StoppedDone > r.Outcomes[Switched]+r.Outcomes[Stayed] {
		return nil, fmt.Errorf("stopped_done %d: more than its %d switched and stayed devices, of which they are a part", r.StoppedDone, r.Outcomes[Switched]+r.Outcomes[Stayed])
	}
	sum := 0
	for k, n := range r.Outcomes {
		if n < 0 {
			return nil, fmt.Errorf("outcome %s: %d devices", k, n)
		}
		sum += n
	}
	switch {
	case r.NotStarted > 0 && sum+r.NotStarted != r.Devices:
		return nil, fmt.Errorf("outcomes add up to %d devices and not_started %d to %d, not its %d", sum, r.NotStarted, sum+r.NotStarted, r.Devices)
	case sum+r.NotStarted != r.Devices:
		return nil, fmt.Errorf("outcomes add up to %d devices, not its %d", sum, r.Devices)
	}
	// by_kind splits the outcomes: per outcome, the kinds add up to it.
	byOutcome := map[string]int{}
	for _, kind := range slices.Sorted(maps.Keys(r.ByKind)) {
		for _, k := range slices.Sorted(maps.Keys(r.ByKind[kind])) {
			n := r.ByKind[kind][k]
			if n < 0 {
				return nil, fmt.Errorf("by_kind[%q].%s: %d devices", kind, k, n)
			}
			byOutcome[k] += n
		}
	}
	for _, k := range slices.Sorted(maps.Keys(byOutcome)) {
		if byOutcome[k] != r.Outcomes[k] {
			return nil, fmt.Errorf("by_kind: its %s devices add up to %d, not outcomes.%s %d", k, byOutcome[k], k, r.Outcomes[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Outcomes)) {
		if r.Outcomes[k] != byOutcome[k] {
			return nil, fmt.Errorf("by_kind: its %s devices add up to %d, not outcomes.%s %d", k, byOutcome[k], k, r.Outcomes[k])
		}
	}
	// A check the fleet does not make, or one left out, is a result
	// edited by hand: a failed check could be hidden either way.
	if r.PlatformAuth != nil {
		for c := range r.PlatformAuth {
			if !slices.Contains(AuthChecks, c) {
				return nil, fmt.Errorf("platform_auth: %q: no such check (%s)", c, strings.Join(AuthChecks, ", "))
			}
		}
		for _, c := range AuthChecks {
			if _, ok := r.PlatformAuth[c]; !ok {
				return nil, fmt.Errorf("platform_auth: check %q missing", c)
			}
		}
	}
	for _, c := range []struct {
		name  string
		n     int
		named []string
	}{{"platform_log_extra", r.LogExtra, r.LogExtraNamed}, {"platform_lost", r.PlatformLost, r.PlatformLostNamed}, {"platform_log_mismatched", r.LogMismatched, r.LogMismatchedNamed}, {"platform_log_unreadable", r.LogUnreadable, r.LogUnreadableNamed}} {
		if len(c.named) > min(c.n, maxLostNamed) || (c.n > 0 && len(c.named) == 0) {
			return nil, fmt.Errorf("%s %d with %d named: not what the fleet writes", c.name, c.n, len(c.named))
		}
	}
	if !r.PlatformByReport && r.PlatformLost+r.PlatformUnconfirmed+r.LogMismatched > 0 {
		return nil, fmt.Errorf("platform_lost, platform_unconfirmed or platform_log_mismatched without platform_by_report: not what the fleet writes")
	}
	// platform_unread and smdp_unread, which decide the exit, say what
	// the unchecked list the report prints says.
	var platformListed, smdpListed bool
	for _, u := range r.Unchecked {
		switch {
		case strings.HasPrefix(u, uncheckedPlatform):
			platformListed = true
		case strings.HasPrefix(u, uncheckedSMDP):
			smdpListed = true
		default:
			return nil, fmt.Errorf("unchecked: %q: not a log the fleet reads (%q…, %q…)", textcut.Cut(u, maxWhy), uncheckedPlatform, uncheckedSMDP)
		}
	}
	if platformListed != r.PlatformUnread || smdpListed != r.SMDPUnread {
		return nil, fmt.Errorf("platform_unread %v and smdp_unread %v disagree with its unchecked list %q", r.PlatformUnread, r.SMDPUnread, r.Unchecked)
	}
	// A negative notification count would cancel a lost one.
	for _, m := range []struct {
		name   string
		counts map[string]int
	}{{"card_to_platform", r.CardToPlatform}, {"platform_log", r.PlatformLog}, {"card_to_smdp", r.CardToSMDP}, {"smdp_log", r.SMDPLog}, {"why_stayed", r.Why}, {"notification_failures_why", r.NotificationWhy}, {"request_failures_why", r.RequestWhy}, {"lists", r.Lists}, {"list_departures", r.ListDepartures}} {
		for _, k := range slices.Sorted(maps.Keys(m.counts)) {
			if n := m.counts[k]; n < 0 {
				return nil, fmt.Errorf("%s[%q]: %d: not a count", m.name, k, n)
			}
		}
	}
	if n := sumOf(r.SMDPLog); r.SMDPHeldBefore > n {
		return nil, fmt.Errorf("smdp_held_before %d: more than the %d its smdp_log holds, of which they are a part", r.SMDPHeldBefore, n)
	}
	// Each grouping of reasons splits its count.
	for _, c := range []struct {
		name   string
		counts map[string]int
		of     string
		want   int
	}{{"why_stayed", r.Why, "outcomes.stayed", r.Outcomes[Stayed]},
		{"notification_failures_why", r.NotificationWhy, "notification_failures", r.NotificationFailures},
		{"request_failures_why", r.RequestWhy, "request_failures", r.RequestFailures}} {
		if sum := sumOf(c.counts); sum != c.want {
			return nil, fmt.Errorf("%s adds up to %d, not its %s %d", c.name, sum, c.of, c.want)
		}
	}
	if r.FleetDevices < 0 || (r.FleetDevices > 0 && r.Devices > r.FleetDevices) {
		return nil, fmt.Errorf("devices %d of a storm of fleet_devices %d: not a slice of it", r.Devices, r.FleetDevices)
	}
	if r.Wall < 0 || r.Simulated < 0 || r.PeakRSS < 0 {
		return nil, fmt.Errorf("wall %v, simulated %v, peak_rss_bytes %d: not the times and memory of a storm", r.Wall, r.Simulated, r.PeakRSS)
	}
	// Each switched device has its time from arrival to attach: never
	// negative, never longer than the storm.
	if len(r.SwitchTimes) != r.Outcomes[Switched] {
		return nil, fmt.Errorf("%d switch times for %d switched devices", len(r.SwitchTimes), r.Outcomes[Switched])
	}
	for i, d := range r.SwitchTimes {
		switch {
		case d < 0:
			return nil, fmt.Errorf("switch_times_ns[%d]: %v: a device cannot switch before it arrives", i, d)
		case d > r.Simulated:
			return nil, fmt.Errorf("switch_times_ns[%d]: %v: longer than the storm's %v", i, d, r.Simulated)
		}
	}
	// Results written before failures were grouped have none.
	if r.Failures != nil {
		failed := 0
		for k, g := range r.Failures {
			if g == nil || g.Devices <= 0 || len(g.First) > min(g.Devices, maxFirst) {
				return nil, fmt.Errorf("failures %q: not a group of failed devices", k)
			}
			failed += g.Devices
		}
		if failed != r.Outcomes[Failed] {
			return nil, fmt.Errorf("failures group %d devices, not its %d failed", failed, r.Outcomes[Failed])
		}
	}
	if len(r.Shards) == 0 {
		return nil, fmt.Errorf("no shard named")
	}
	ids := make([]shardID, len(r.Shards))
	for k, sh := range r.Shards {
		i, n, err := ParseShard(sh)
		if err != nil {
			return nil, fmt.Errorf("shard %q: %w", sh, err)
		}
		ids[k] = shardID{sh, i, n}
	}
	if len(r.Runs) > len(r.Shards) {
		return nil, fmt.Errorf("%d runs for %d shards", len(r.Runs), len(r.Shards))
	}
	seen := map[string]bool{}
	devices, requests := 0, 0
	for _, run := range r.Runs {
		switch {
		case !slices.Contains(r.Shards, run.Shard) || seen[run.Shard]:
			return nil, fmt.Errorf("run of shard %q: not one of its shards %v, or given twice", run.Shard, r.Shards)
		case run.Devices < 0 || run.PlatformRequests < 0 || run.PlatformUnreached < 0 || run.PlatformUnreached > run.PlatformRequests || run.Wall < 0:
			return nil, fmt.Errorf("run of shard %s: devices %d, platform requests %d, wall %v: not a run", run.Shard, run.Devices, run.PlatformRequests, run.Wall)
		case run.spanned() && run.End.Before(run.Start):
			return nil, fmt.Errorf("run of shard %s ends (%v) before it starts (%v)", run.Shard, run.End, run.Start)
		case run.spanned() && run.End.Sub(run.Start) != run.Wall:
			// The fleet writes the span as its start and wall.
			return nil, fmt.Errorf("run of shard %s spans %v and took wall %v: not what the fleet writes", run.Shard, run.End.Sub(run.Start), run.Wall)
		}
		seen[run.Shard] = true
		devices += run.Devices
		requests += run.PlatformRequests
	}
	if len(r.Runs) == len(r.Shards) && (devices != r.Devices || requests != r.PlatformRequests) {
		return nil, fmt.Errorf("its shards' runs count %d devices and %d platform requests, not its %d and %d", devices, requests, r.Devices, r.PlatformRequests)
	}
	if len(r.Runs) == 1 && len(r.Shards) == 1 && r.Runs[0].Wall != r.Wall {
		return nil, fmt.Errorf("wall %v, its run's %v: not what the fleet writes", r.Wall, r.Runs[0].Wall)
	}
	if want, ok, err := r.shardPTYs(ids); err != nil {
		return nil, err
	} else if ok && r.PTYs != want {
		return nil, fmt.Errorf("ptys %d: its storm (%s) puts %d of its shards' devices on ptys", r.PTYs, r.Fleet, want)
	}
	if err := r.notesAddUp(); err != nil {
		return nil, err
	}
	return ids, nil
}

// countGap compares what cards counted acknowledged (card) with what a
// server's log holds (log), per card (or operator) and kind: short sums
// the acknowledged beyond the log's entries, surplus the entries beyond
// the acknowledged, and bare counts the keys logged that no card saw
// acknowledged at all; each at names its first key, in key order.
type countGap struct {
	short, surplus, bare       int
	shortAt, surplusAt, bareAt string
	acked                      int
}

func gapOf(card, log map[string]int) countGap {
	var g countGap
	keys := map[string]bool{}
	for k := range card {
		keys[k] = true
	}
	for k := range log {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		c, l := card[k], log[k]
		g.acked += c
		if c > l {
			g.short += c - l
			g.shortAt = cmp.Or(g.shortAt, k)
		}
		if l > c {
			g.surplus += l - c
			g.surplusAt = cmp.Or(g.surplusAt, k)
		}
		if c == 0 && l > 0 {
			g.bare++
			g.bareAt = cmp.Or(g.bareAt, k)
		}
	}
	return g
}

// notesAddUp holds the figures a result states of its notifications
// against the counts they were derived from. The stated ones (platform_lost,
// platform_unconfirmed, platform_log_extra) are omitempty, so a member
// left out reads 0: without this a result whose lost note was edited out
// passed, its report saying "lost 0" under more acknowledged than logged
// (outside tester sw116). Each bound holds for every storm the fleet runs:
//
//   - a note its card saw acknowledged that no entry holds is lost, so
//     the acknowledged beyond the log's entries, per card and kind, are
//     at most platform_lost, which is at most the acknowledged;
//   - an entry beyond its card's acknowledgements is a send that failed
//     (the card sends again) or an extra entry;
//   - a card and kind logged and never acknowledged holds a note
//     unconfirmed or extra, and an unconfirmed note failed at least once
//     and was never acknowledged, so its card still held it, undelivered.
//
// The SM-DP+s' figures are derived from the counts alone (Lost); their
// surplus is bounded by the failures likewise.
func (r *Result) notesAddUp() error {
	edited := "(a member edited or left out?)"
	if !r.PlatformUnread && r.PlatformByReport {
		g := gapOf(r.CardToPlatform, r.PlatformLog)
		if r.PlatformLost < g.short {
			return fmt.Errorf("platform_lost %d: card_to_platform[%q] %d is more than platform_log[%q] %d, %d acknowledged notification(s) in all beyond the log's entries: each is lost %s",
				r.PlatformLost, g.shortAt, r.CardToPlatform[g.shortAt], g.shortAt, r.PlatformLog[g.shortAt], g.short, edited)
		}
		if r.PlatformLost > g.acked {
			return fmt.Errorf("platform_lost %d: more than the %d notifications card_to_platform counts acknowledged, of which they are a part %s", r.PlatformLost, g.acked, edited)
		}
		if r.PlatformUnconfirmed+r.LogExtra < g.bare {
			return fmt.Errorf("platform_unconfirmed %d and platform_log_extra %d: platform_log[%q] %d holds notifications no card saw acknowledged (card_to_platform %d), %d card(s) and kind(s) in all: each is unconfirmed or extra %s",
				r.PlatformUnconfirmed, r.LogExtra, g.bareAt, r.PlatformLog[g.bareAt], r.CardToPlatform[g.bareAt], g.bare, edited)
		}
		if r.LogExtra+r.NotificationFailures < g.surplus {
			return fmt.Errorf("platform_log_extra %d and notification_failures %d: platform_log holds %d entries beyond what card_to_platform counts acknowledged (the first at %q, %d for %d): each is a send that failed or an extra entry %s",
				r.LogExtra, r.NotificationFailures, g.surplus, g.surplusAt, r.PlatformLog[g.surplusAt], r.CardToPlatform[g.surplusAt], edited)
		}
		if held := r.UndeliveredPlatform - r.QueuedPlatform; r.PlatformUnconfirmed > held {
			return fmt.Errorf("platform_unconfirmed %d: more than the %d notes its cards tried and still held (undelivered_platform %d less queued_platform %d): a note never acknowledged stays undelivered %s",
				r.PlatformUnconfirmed, held, r.UndeliveredPlatform, r.QueuedPlatform, edited)
		}
	}
	if !r.SMDPUnread {
		if g := gapOf(r.CardToSMDP, r.SMDPLog); g.surplus > r.NotificationFailures {
			return fmt.Errorf("notification_failures %d: smdp_log holds %d entries beyond what card_to_smdp counts acknowledged (the first at %q, %d for %d): each is a send that failed %s",
				r.NotificationFailures, g.surplus, g.surplusAt, r.SMDPLog[g.surplusAt], r.CardToSMDP[g.surplusAt], edited)
		}
	}
	// A note tried and still held failed at least once.
	if tried := r.UndeliveredPlatform - r.QueuedPlatform + r.UndeliveredSMDP; tried > r.NotificationFailures {
		return fmt.Errorf("undelivered_platform %d less queued_platform %d and undelivered_smdp %d: %d notes tried and held undelivered, more than notification_failures %d, each having failed at least once %s",
			r.UndeliveredPlatform, r.QueuedPlatform, r.UndeliveredSMDP, tried, r.NotificationFailures, edited)
	}
	return nil
}

// Write saves the result as JSON.
func (r *Result) Write(path string) error {
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o644, false); err != nil {
		return fmt.Errorf("fleet result: %w", err)
	}
	return nil
}

// ReadResult loads a result Write saved. Merge checks that it adds up,
// naming the file.
func ReadResult(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fleet result: %w", err)
	}
	r := newResult()
	// exactjson, not encoding/json: a hand-edited or foreign file is
	// refused by the value's JSON path, never by Go's type names, and a
	// misspelt or repeated member is not dropped without a word.
	if err := exactjson.Decode(b, r); err != nil {
		return nil, fmt.Errorf("fleet result %s: %w", path, err)
	}
	// A member Write always writes and the file lacks would decode as
	// zero — "0 undelivered", "every log read" — and pass a storm that
	// failed, so it is refused (only omitempty members may be absent).
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, fmt.Errorf("fleet result %s: %w", path, err)
	}
	for _, name := range requiredMembers {
		if _, ok := members[name]; !ok {
			return nil, fmt.Errorf("fleet result %s: member %q missing (a result this esimhil writes always has it)", path, name)
		}
	}
	r.file = path
	return r, nil
}

// requiredMembers are Result's JSON members without omitempty, in field
// order: the ones every result Write saves carries.
var requiredMembers = func() []string {
	var names []string
	t := reflect.TypeFor[Result]()
	for i := range t.NumField() {
		tag, ok := t.Field(i).Tag.Lookup("json")
		if !ok || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !strings.Contains(opts, "omitempty") {
			names = append(names, name)
		}
	}
	return names
}()

// AcceptUnchecked lets a run whose platform log could not be read whole
// pass (OK) on its other figures; it is still reported NOT CHECKED.
func (r *Result) AcceptUnchecked() { r.uncheckedOK = true }

// OK reports whether every device did what the template set it up for
// (none failed), no notification was lost or left undelivered, and the
// platform's log was read whole (or AcceptUnchecked): a check that could
// not be made is no pass. An external SM-DP+'s log, which no route gives,
// is reported NOT CHECKED without failing the run.
func (r *Result) OK() bool {
	lost, _ := r.Lost()
	return lost == 0 && r.LogExtra == 0 && r.LogMismatched == 0 && r.LogUnreadable == 0 && r.Outcomes[Failed] == 0 && r.NotStarted == 0 && r.StoppedBy == "" && r.UndeliveredPlatform+r.UndeliveredSMDP == 0 && r.DroppedFull == 0 &&
		(!r.PlatformUnread || r.uncheckedOK) && len(r.authFailed(false)) == 0 && (len(r.authFailed(true)) == 0 || r.uncheckedOK)
}

// authFailed lists the platform's failed authentication checks (those
// not checked, with unchecked), in the order they are sent, each "check:
// what the platform did".
func (r *Result) authFailed(unchecked bool) []string {
	var bad []string
	for _, c := range AuthChecks {
		if why := r.PlatformAuth[c]; why != "" && strings.HasPrefix(why, NotChecked) == unchecked {
			bad = append(bad, c+": "+strings.TrimPrefix(why, NotChecked))
		}
	}
	return bad
}

// Verdict says in one line why the storm failed, "" when it did not.
func (r *Result) Verdict() string {
	lost, _ := r.Lost()
	var why []string
	if n := r.Outcomes[Failed]; n > 0 {
		why = append(why, fmt.Sprintf("%d of %d devices failed", n, r.Devices))
	}
	switch {
	case r.NotStarted > 0:
		why = append(why, fmt.Sprintf("%d of %d devices never powered on (%s)", r.NotStarted, r.Devices, r.StoppedBy))
	case r.StoppedBy != "":
		// Every device on had done its part, and yet the storm did not
		// run to its end: no pass.
		why = append(why, fmt.Sprintf("the storm did not run to its end (%s)", r.StoppedBy))
	}
	if lost > 0 {
		why = append(why, fmt.Sprintf("%d notifications lost", lost))
	}
	if r.LogMismatched > 0 {
		why = append(why, fmt.Sprintf("the platform's log holds %d notifications with other content than their card sent", r.LogMismatched))
	}
	if r.LogExtra > 0 {
		why = append(why, fmt.Sprintf("the platform's log holds %d notification entries no card's request made", r.LogExtra))
	}
	if r.LogUnreadable > 0 {
		why = append(why, fmt.Sprintf("the platform's log holds %d notification entries whose body the API cannot read", r.LogUnreadable))
	}
	if n := r.UndeliveredPlatform + r.UndeliveredSMDP; n > 0 {
		why = append(why, fmt.Sprintf("%d notifications undelivered (failing, dropped after a 4xx, or queued behind a failing one when their devices retired)", n))
	}
	if r.DroppedFull > 0 {
		why = append(why, fmt.Sprintf("%d notifications dropped by their cards from full outboxes", r.DroppedFull))
	}
	if r.PlatformUnread && !r.uncheckedOK {
		why = append(why, "platform log NOT CHECKED (--accept-unchecked passes such a run)")
	}
	if bad := r.authFailed(false); len(bad) > 0 {
		why = append(why, fmt.Sprintf("the platform failed %d of %d authentication checks (%s)", len(bad), len(AuthChecks), strings.Join(bad, "; ")))
	}
	if bad := r.authFailed(true); len(bad) > 0 && !r.uncheckedOK {
		why = append(why, fmt.Sprintf("platform authentication NOT CHECKED (%s; --accept-unchecked passes such a run)", strings.Join(bad, "; ")))
	}
	return strings.Join(why, ", ")
}

// StopCounts says what a stop left of the storm's devices: "412 devices
// still on at the stop (400 failed with work left, 12 with every step
// done), 9102 never powered on" — the STOPPED line of the figures and
// `esimhil fleet`'s STOP line alike.
func (r *Result) StopCounts() string {
	return fmt.Sprintf("%d devices still on at the stop (%d failed with work left, %d with every step done), %d never powered on",
		r.Stopped+r.StoppedDone, r.Stopped, r.StoppedDone, r.NotStarted)
}

// Print writes the figures for people.
func (r *Result) Print(w io.Writer) {
	lost, unconfirmed, lostNamed := r.lost(true)
	secs := r.Wall.Seconds()
	fmt.Fprintf(w, "fleet      %s (seed %d, shards %s)\n", r.Template, r.Seed, strings.Join(r.Shards, " "))
	fmt.Fprintf(w, "devices    %d (%d with a pty, %d in memory)\n", r.Devices, r.PTYs, r.Devices-r.PTYs)
	if len(r.Shards) == 1 && r.Devices == 0 {
		// More shards than devices: an idle pod a Job pays for, said
		// rather than passed as a storm of none. Merge still takes it.
		_, n, _ := strings.Cut(r.Shards[0], "/")
		fmt.Fprintf(w, "note       shard %s has no device: %s shards for %d devices\n", r.Shards[0], n, r.FleetDevices)
	}
	if r.StoppedBy != "" {
		// Said before any figure: they are of the part of the storm that
		// ran (a merge that took a stopped shard: MergeStopped).
		fmt.Fprintf(w, "STOPPED    %s: these figures are of the part that ran: %s\n", r.StoppedBy, r.StopCounts())
	}
	fmt.Fprintf(w, "servers    platform %s", r.Platform)
	for _, op := range slices.Sorted(maps.Keys(r.SMDP)) {
		fmt.Fprintf(w, ", SM-DP+ %s %s", op, r.SMDP[op])
	}
	fmt.Fprintln(w)
	switch bad, unchecked := r.authFailed(false), r.authFailed(true); {
	case r.Platform == "" || serverKind(r.Platform) == "emulated":
	case r.PlatformAuth == nil:
		// A result written before the checks were made.
		fmt.Fprintf(w, "checks     every card request was signed right and numbered in order: this tests what the platform takes, not its refusal of bad signatures or replays\n")
	case len(bad)+len(unchecked) == 0:
		fmt.Fprintf(w, "auth       the platform took a request signed right and refused with 401 each request sent that it must refuse (%s ×%d); not sent: expired certificates, EIDs outside the EUM's range, malformed headers, seq jumps over 2^32\n",
			strings.Join(slices.DeleteFunc(slices.Clone(AuthChecks), func(c string) bool { return c == AuthGood }), ", "), replaySends)
	default:
		if len(bad) > 0 {
			fmt.Fprintf(w, "auth       FAILED %d of %d checks of what the platform must take and refuse (docs/platform-api.md, Request authentication):\n", len(bad), len(AuthChecks))
			for _, b := range bad {
				fmt.Fprintf(w, "             %s\n", b)
			}
		}
		if len(unchecked) > 0 {
			fmt.Fprintf(w, "auth       NOT CHECKED %d of %d checks of what the platform must take and refuse:\n", len(unchecked), len(AuthChecks))
			for _, b := range unchecked {
				fmt.Fprintf(w, "             %s\n", b)
			}
		}
	}
	basis := ""
	if r.WallBasis != "" {
		basis = ": " + r.WallBasis
	}
	fmt.Fprintf(w, "time       %v wall for %v simulated%s\n", r.Wall.Round(time.Millisecond), r.Simulated.Round(time.Second), basis)
	if secs > 0 {
		stopped := ""
		if r.Stopped+r.StoppedDone+r.NotStarted > 0 {
			done := ""
			if r.StoppedDone > 0 {
				done = fmt.Sprintf(" (and the %d on then with every step done)", r.StoppedDone)
			}
			stopped = fmt.Sprintf("; devices/s counts the %d that finished their dwell, not the %d stopped%s nor the %d never powered on", r.Finished(), r.Stopped, done, r.NotStarted)
		}
		fmt.Fprintf(w, "rate       %.1f devices/s, %.1f platform requests/s (%s%s)\n",
			float64(r.Finished())/secs, float64(r.PlatformRequests-r.PlatformUnreached)/secs, requestsSent(r.PlatformRequests, r.PlatformUnreached), stopped)
	}
	if len(r.Shards) > 1 {
		for _, run := range r.Runs {
			fmt.Fprintf(w, "shard %-4s %s\n", run.Shard, run.describe())
		}
	}
	notStarted := ""
	if r.NotStarted > 0 {
		notStarted = fmt.Sprintf("; %d never powered on (%s first): no outcome", r.NotStarted, r.StoppedBy)
	}
	if r.StoppedDone > 0 {
		notStarted = fmt.Sprintf("; of those, %d on at the stop with every step done%s", r.StoppedDone, notStarted)
	}
	fmt.Fprintf(w, "outcomes   %d switched, %d stayed on their original profile (as injected), %d failed%s\n",
		r.Outcomes[Switched], r.Outcomes[Stayed], r.Outcomes[Failed], notStarted)
	for _, k := range slices.Sorted(maps.Keys(r.ByKind)) {
		o := r.ByKind[k]
		fmt.Fprintf(w, "           %-40s %d switched, %d stayed, %d failed\n", k, o[Switched], o[Stayed], o[Failed])
	}
	for _, k := range slices.Sorted(maps.Keys(r.Why)) {
		fmt.Fprintf(w, "stayed     %6d %s\n", r.Why[k], k)
	}
	// Most devices first: the cause of a failed storm heads the list.
	reasons := slices.Sorted(maps.Keys(r.Failures))
	slices.SortStableFunc(reasons, func(a, b string) int { return r.Failures[b].Devices - r.Failures[a].Devices })
	for _, k := range reasons {
		g := r.Failures[k]
		ids := make([]string, len(g.First))
		for i, d := range g.First {
			ids[i] = strconv.Itoa(d)
		}
		more := ""
		if g.Devices > len(g.First) {
			more = ", …"
		}
		fmt.Fprintf(w, "FAILED     %6d %s (devices %s%s)\n", g.Devices, k, strings.Join(ids, ", "), more)
		if g.Example != "" && g.Example != k && len(g.First) > 0 {
			// The identifiers the group masks, as one device had them.
			fmt.Fprintf(w, "           e.g. device %d: %s\n", g.First[0], g.Example)
		}
	}
	if len(r.SwitchTimes) > 0 {
		fmt.Fprintf(w, "switch     p50 %v, p95 %v, p99 %v simulated (arrival → attached on the new operator)\n",
			r.Percentile(50).Round(time.Millisecond), r.Percentile(95).Round(time.Millisecond), r.Percentile(99).Round(time.Millisecond))
	}
	// Merged shards ran as processes of their own: the figure is one
	// process's, not the storm's together.
	memOf := ""
	if len(r.Shards) > 1 {
		memOf = fmt.Sprintf(" (the largest of %d shards' processes, each its own)", len(r.Shards))
	}
	fmt.Fprintf(w, "memory     %.0f MiB peak resident%s\n", float64(r.PeakRSS)/(1<<20), memOf)
	// A log nobody could read is "not read", never 0 (the NOT CHECKED
	// line says why).
	held := func(whose, verb string, m map[string]int, unread bool) string {
		switch n := sumOf(m); {
		case unread && n == 0:
			return whose + " not read"
		case unread:
			return fmt.Sprintf("%s %s %d in those read", whose, verb, n)
		default:
			return fmt.Sprintf("%s %s %d", whose, verb, n)
		}
	}
	// A storm with no SM-DP+ at all (an external platform, no download
	// device, no --smdp) has no SM-DP+ log to hold anything.
	noSMDP := len(r.SMDP) == 0 && sumOf(r.CardToSMDP) == 0 && sumOf(r.SMDPLog) == 0 && !r.SMDPUnread
	smdpHeld := held("the SM-DP+s' logs", "hold", r.SMDPLog, r.SMDPUnread)
	if r.SMDPHeldBefore > 0 {
		smdpHeld += fmt.Sprintf(" (%d of them logged as duplicates of notifications taken before this storm: an SM-DP+ reused from an earlier run)", r.SMDPHeldBefore)
	}
	if noSMDP {
		smdpHeld = "no SM-DP+ in this storm"
	}
	// An SM-DP+'s refusals are named only where there are some, so a
	// storm with none reads as before.
	smdpRefused := ""
	if r.DroppedSMDP > 0 {
		smdpRefused = fmt.Sprintf(", %d refused by an SM-DP+ (a Failed answer) and dropped by the card", r.DroppedSMDP)
	}
	fmt.Fprintf(w, "notices    cards acknowledged %d to the platform, %d to SM-DP+s; %s, %s; %d deliveries failed: %d kept by the card to be sent again, %d refused by the platform with a 4xx and dropped by the card%s\n",
		sumOf(r.CardToPlatform), sumOf(r.CardToSMDP), held("the platform's log", "holds", r.PlatformLog, r.PlatformUnread), smdpHeld,
		r.NotificationFailures, r.NotificationFailures-r.DroppedPlatform-r.DroppedSMDP, r.DroppedPlatform, smdpRefused)
	switch {
	case lost > 0:
		// A name may stand for several of one card's (×n), and the
		// platform's are named up to maxLostNamed: what is left unnamed
		// is counted.
		lostNamed = lostNamed[:min(len(lostNamed), maxLostNamed)]
		more := ""
		if n := lost - namedCount(lostNamed); n > 0 {
			more = fmt.Sprintf("; … (%d more)", n)
		}
		fmt.Fprintf(w, "LOST       %d notification(s) the cards count as delivered are in no server's log: %s%s\n", lost, strings.Join(lostNamed, "; "), more)
		if len(r.Unchecked) > 0 {
			// Why another log was not read whole (a restart beside the
			// loss, say): the verdict names it NOT CHECKED too.
			fmt.Fprintf(w, "NOT CHECKED %s\n", strings.Join(r.Unchecked, "; "))
		}
	case len(r.Unchecked) > 0:
		fmt.Fprintf(w, "lost       0 in the logs read; NOT CHECKED: %s\n", strings.Join(r.Unchecked, "; "))
	case r.LogMismatched+r.LogExtra+r.LogUnreadable > 0:
		fmt.Fprintf(w, "lost       0 (each notification the cards count as delivered has an entry in its server's log); mismatched %d, extra %d, unreadable %d: the platform's log differs from what the cards sent, below\n", r.LogMismatched, r.LogExtra, r.LogUnreadable)
	default:
		// "==" only when it is so: matched note by note, a note sent
		// again after a lost answer is logged twice and unconfirmed by
		// none.
		pg, sg := gapOf(r.CardToPlatform, r.PlatformLog), gapOf(r.CardToSMDP, r.SMDPLog)
		equal := pg.short+pg.surplus+sg.short+sg.surplus == 0
		if unconfirmed == 0 && equal {
			if noSMDP {
				fmt.Fprintf(w, "lost       0 (cards' acknowledged notifications == platform log)\n")
			} else {
				fmt.Fprintf(w, "lost       0 (cards' acknowledged notifications == platform log == SM-DP+ logs)\n")
			}
		} else {
			fmt.Fprintf(w, "lost       0 (every notification the cards count as delivered is in its server's log)\n")
		}
	}
	if r.LogMismatched > 0 {
		fmt.Fprintf(w, "MISMATCH   %d notification(s) the platform logged with other content than their card sent (matched by EID, kind and report): %s%s\n",
			r.LogMismatched, strings.Join(r.LogMismatchedNamed, "; "), andMore(r.LogMismatched, len(r.LogMismatchedNamed)))
	}
	if r.LogUnreadable > 0 {
		fmt.Fprintf(w, "UNREADABLE %d taken notification entries in the platform's log whose body the API cannot read, or that contradicts the entry's own body_size or body_sha256 (a lost note may be one of them): %s%s\n",
			r.LogUnreadable, strings.Join(r.LogUnreadableNamed, "; "), andMore(r.LogUnreadable, len(r.LogUnreadableNamed)))
	}
	if r.LogExtra > 0 {
		fmt.Fprintf(w, "EXTRA      %d entries in the platform's log no card's request made (a note recorded twice, or under an EID, kind or report no card sent): %s%s\n",
			r.LogExtra, strings.Join(r.LogExtraNamed, "; "), andMore(r.LogExtra, len(r.LogExtraNamed)))
	}
	if len(r.ListDepartures) > 0 || r.ListsMode == ListsReport {
		// The distribution of the lists served, most first, and every
		// departure from the template's (--lists report passes them).
		verdict := "each failed its device"
		if r.ListsMode == ListsReport {
			verdict = "counted, not failed"
		}
		fmt.Fprintf(w, "lists      %d lists the cards got, %d of them not the template's (--lists %s: %s):\n", sumOf(r.Lists), sumOf(r.ListDepartures), orStrict(r.ListsMode), verdict)
		for _, m := range []struct {
			label  string
			counts map[string]int
		}{{"list", r.Lists}, {"departure", r.ListDepartures}} {
			keys := slices.Sorted(maps.Keys(m.counts))
			slices.SortStableFunc(keys, func(a, b string) int { return m.counts[b] - m.counts[a] })
			for _, k := range keys {
				fmt.Fprintf(w, "%-10s %6d %s\n", m.label, m.counts[k], k)
			}
		}
	}
	if r.KeptOpen > 0 {
		fmt.Fprintf(w, "keep-open  %d connections the servers kept open after their answer, though each request said Connection: close (RFC 9112 §9.6): the terminal closed them itself, the card having its answer\n", r.KeptOpen)
	}
	if r.LogReadFailures > 0 {
		fmt.Fprintf(w, "log reads  %d reads of the platform's log failed (no answer in time, no connection, a 5xx or a 429) and were tried again\n", r.LogReadFailures)
	}
	if r.SMDPLogReadFailures > 0 {
		fmt.Fprintf(w, "log reads  %d reads of the SM-DP+s' notification logs failed (no answer in time, no connection, a 5xx or a 429) and were tried again\n", r.SMDPLogReadFailures)
	}
	if n := r.UndeliveredPlatform + r.UndeliveredSMDP; n > 0 {
		smdpRefused := ""
		if r.DroppedSMDP > 0 {
			smdpRefused = fmt.Sprintf(", %d refused by an SM-DP+ and dropped", r.DroppedSMDP)
		}
		fmt.Fprintf(w, "UNDELIVERED %d notification(s) the cards had not delivered when their devices retired (%d to the platform, %d to SM-DP+s): %d tried, failed and still held, %d dropped after a 4xx%s, %d queued behind a held one, never tried\n",
			n, r.UndeliveredPlatform, r.UndeliveredSMDP, n-r.QueuedPlatform-r.DroppedPlatform-r.DroppedSMDP, r.DroppedPlatform, smdpRefused, r.QueuedPlatform)
	}
	if r.DroppedFull > 0 {
		fmt.Fprintf(w, "DROPPED    %d notification(s) the cards dropped to make room in full outboxes (64 owed): the platform never got them\n", r.DroppedFull)
	}
	// What the servers answered the deliveries that failed, most first.
	whys := slices.Sorted(maps.Keys(r.NotificationWhy))
	slices.SortStableFunc(whys, func(a, b string) int { return r.NotificationWhy[b] - r.NotificationWhy[a] })
	for _, k := range whys {
		fmt.Fprintf(w, "failed     %6d deliveries: %s\n", r.NotificationWhy[k], k)
	}
	if r.RequestFailures > 0 {
		fmt.Fprintf(w, "requests   %d preferred-list and download requests failed (each device tried again at a later check, or gave up):\n", r.RequestFailures)
		reqs := slices.Sorted(maps.Keys(r.RequestWhy))
		slices.SortStableFunc(reqs, func(a, b string) int { return r.RequestWhy[b] - r.RequestWhy[a] })
		for _, k := range reqs {
			fmt.Fprintf(w, "failed     %6d requests: %s\n", r.RequestWhy[k], k)
		}
	}
	if unconfirmed > 0 {
		fmt.Fprintf(w, "unconfirmed %d logged by a server and not counted as delivered by any card: an answer the card never got or did not take (ack: false, a 5xx; it sends them again), or a report no card sent\n", unconfirmed)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "error      %s\n", e)
	}
}

// orStrict names a run's --lists, strict when it named none.
func orStrict(mode string) string {
	if mode == "" {
		return ListsStrict
	}
	return mode
}

// describe is a shard's own rates and span.
func (sr ShardRun) describe() string {
	secs := sr.Wall.Seconds()
	if secs <= 0 {
		return fmt.Sprintf("%d devices, %d platform requests, no wall time", sr.Devices, sr.PlatformRequests)
	}
	span := "no span kept"
	if sr.spanned() {
		span = sr.Start.UTC().Format("2006-01-02 15:04:05.000") + " – " + sr.End.UTC().Format("15:04:05.000") + " UTC"
	}
	return fmt.Sprintf("%.1f devices/s, %.1f platform requests/s (%d devices, %s in %v; %s)",
		float64(sr.Devices)/secs, float64(sr.PlatformRequests-sr.PlatformUnreached)/secs, sr.Devices, requestsSent(sr.PlatformRequests, sr.PlatformUnreached), sr.Wall.Round(time.Millisecond), span)
}

// requestsSent says what the rate of platform requests counts: the
// requests that reached the platform, and how many more never did.
func requestsSent(requests, unreached int) string {
	if unreached == 0 {
		return fmt.Sprintf("%d requests", requests)
	}
	return fmt.Sprintf("%d requests reached the platform; %d more never connected to it", requests-unreached, unreached)
}

// ParseShard reads a shard's "i/n": slice i of n, 0 ≤ i < n.
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, errors.New("want i/n with 0 ≤ i < n")
	}
	return i, n, nil
}

// mergedServer is how a merged result names a server: an external one by
// its URL, emulated ones as each shard's own.
func mergedServer(s string) string {
	if serverKind(s) == "emulated" {
		return "emulated (each shard its own)"
	}
	return s
}

// serverKind is what a result says of a server for merging: "emulated"
// (each shard runs its own, on its own port) or the external URL.
func serverKind(s string) string {
	if strings.HasPrefix(s, "emulated") {
		return "emulated"
	}
	return s
}

// sumOf is the total of a count map.
func sumOf(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}
