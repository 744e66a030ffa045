package fleet

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
	"github.com/esimhil/esimhil/internal/textcut"
)

// inspector reads an external platform's request log (GET
// /v1/inspect/received, docs/platform-api.md) as the storm goes, page by
// page, so that a platform keeping only its newest requests still shows
// each one once.
//
// A read runs beside the storm (startRead), so a log route slower than
// the cards' routes sets no pace: the storm waits for it only when the
// cards are maxBehind requests ahead of the last complete read, as
// documented. While a read is in flight only its goroutine touches the
// fields below it; the storm's goroutine reads them once it has waited
// for reading to close.
type inspector struct {
	base   string
	client *http.Client
	// ctx ends a read in flight when the storm is stopped.
	ctx context.Context
	// afterSignal: ctx is the bounded one of the last read after a stop.
	afterSignal bool
	// reading is closed when the read in flight ends; nil when none is.
	// readSent and readFrom are the cards' requests and the log's offset
	// when it began.
	reading            chan struct{}
	readSent, readFrom int

	offset int
	// lastEntry is the log's entry at offset-1 as it was read (its body as a
	// hash): each read starts one entry back and finds it again, so that
	// a platform restarted between two reads, its log numbered from 0
	// again and grown past offset, is told from one that kept its log.
	lastEntry entryMark
	hasLast   bool
	// log counts the notifications read, by eid|kind (finish hands them
	// to the result).
	log map[string]int
	// notes takes the log's taken entries (a 2xx, platformapi.Answered) of each numbered report,
	// to be held against the cards' notes (the storm's, shared).
	notes *notes
	// ours holds the EIDs of this storm's devices (nil: all): the other
	// shards of a storm against one platform write to the same log, and
	// each shard counts only its own cards' notifications, so that their
	// merge counts each once.
	ours map[string]bool
	// unreadable counts the taken (2xx) notification entries whose body
	// the API cannot read, the first named: a log entry the check cannot
	// hold against the cards is no pass (outside tester sw72: a second,
	// lying copy with one member more went unseen).
	unreadable      int
	unreadableNamed []string
	// problem, once set, says why the log could not be read whole.
	problem string
	// short: the last read stopped before the log's end, its page naming
	// a next with no entry past what was read — a request still
	// unanswered, whose entry comes once it is and holds back those after
	// it (docs/platform-api.md). Read again until it is not.
	short bool
	// retryErr says why the last read failed in a way that may pass (no
	// connection, no answer in time, a 5xx or 429): the log is read again
	// from where it stood, after a pause that grows with failures (each
	// one counted); a platform restarted meanwhile is told by its log
	// going back. failures counts those reads.
	retryErr      string
	failures      int
	failuresInRow int
	// retryAfter is the wait the last failed read's answer asked for.
	retryAfter time.Duration
	last       time.Time
	// sentAtRead is how many requests the cards had sent when the log was
	// last read to its end with no exchange in flight: everything up to
	// it is read, so the cards' count less it bounds what is unread.
	sentAtRead int
	// maxBehind is that bound: past it the storm's clock waits for the
	// reader (maxUnread).
	maxBehind int
}

const (
	// maxInspectBody bounds a page of the log read.
	maxInspectBody = 16 << 20
	inspectTimeout = 10 * time.Second
	inspectPage    = 1000
	// inspectEvery bounds how often (wall clock) the log is read.
	inspectEvery = 200 * time.Millisecond
	// maxRetryPause bounds the pause before a read that follows failed
	// ones (inspectEvery doubled for each, up to this).
	maxRetryPause = 5 * time.Second
	// maxRetryAfter bounds the wait a failed read's Retry-After asks for
	// (the pause is the longer of the two): a platform asking for an hour
	// is read again after this, and the storm goes on meanwhile.
	maxRetryAfter = 30 * time.Second
)

// finishRetryFor is how long, after the storm, a log whose reads fail in
// a way that may pass is tried again before it is reported NOT CHECKED.
// A var: tests shorten it.
var finishRetryFor = 30 * time.Second

// logLag is how long after the storm the log is read again while notes
// the cards saw acknowledged are missing from it, every logLagStep: a
// platform's entry may follow its answer by that much
// (docs/platform-api.md).
var logLag, logLagStep = 3 * time.Second, 250 * time.Millisecond

// pendingWait is how long after the storm a log whose pages stop before a
// request still unanswered is read again (every logLagStep) before it is
// reported NOT CHECKED: the emulated platform's read timeout (30 s, which
// bounds a request's body) and some. A var: tests shorten it.
var pendingWait = 40 * time.Second

// afterStop bounds the last read of the log after a signal stopped the
// storm: what the cards had acknowledged by then is checked against the
// log still (outside tester sw78: a stopped storm's log stayed NOT
// CHECKED with the platform up and every note in it). A second signal
// ends the process at once (main.go), so a slow log holds no one. A var:
// tests shorten it.
var afterStop = 5 * time.Second

// maxUnread is how many of the cards' requests the log's reader may be
// behind before virtual time waits for it: half of the newest 10,000 the
// emulated platform keeps (platform.MaxReceived, docs/platform-api.md),
// so none leaves such a log unread however fast the storm sends. A var:
// tests lower it against a platform that keeps a few.
var maxUnread = 5000

// newInspector reads the platform at base. With tc (an https:// base)
// the fleet trusts what its cards trust — the test CI, the name they ask
// for, validity at the storm's clock — not the URL's host against the
// system roots: a platform the cards accept is read too.
func newInspector(base string, tc *tls.Config) *inspector {
	// A redirect is an answer of the platform's, not a log: what another
	// origin holds is not this platform's (the cards do not follow one
	// either).
	client := &http.Client{Timeout: inspectTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if tc != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		client.Transport = tr
	}
	return &inspector{base: strings.TrimSuffix(base, "/"), client: client, ctx: context.Background(),
		log: map[string]int{}, notes: newNotes(), maxBehind: maxUnread}
}

// cardTrust is the TLS the cards speak to the platform (emulators/euicc:
// the test CI as the only root, harness.PlatformHost as the server name,
// the certificate checked at the storm's virtual now).
func cardTrust(ci *x509.Certificate, name string, now func() time.Time) *tls.Config {
	roots := x509.NewCertPool()
	roots.AddCert(ci)
	return &tls.Config{RootCAs: roots, ServerName: name, Time: now, MinVersion: tls.VersionTLS12}
}

// probe checks the platform answers at all, and where its log starts;
// name and seed are for a certificate's error.
func (in *inspector) probe(name string, seed int64) error {
	p, err := in.page(0, 1)
	// A 5xx or 429 right after the checks' burst (a rate limiter) may
	// pass: asked again, as every later read is, before the log is given
	// up as not to be read.
	for tries, pause := 1, inspectEvery; err != nil && tries < probeTries && passingAnswer(err); tries, pause = tries+1, pause*2 {
		var ans answered
		errors.As(err, &ans)
		select {
		case <-in.ctx.Done(): // a signal: refused as the probe's other waits are
			return fmt.Errorf("GET %s: %w", platformapi.PathInspect, context.Cause(in.ctx))
		case <-time.After(max(pause, min(ans.retryAfter, maxRetryPause))):
		}
		p, err = in.page(0, 1)
	}
	if err != nil {
		var verify *tls.CertificateVerificationError
		var op *net.OpError
		var ans answered
		switch {
		case errors.As(err, &ans):
			// It answers, with no log to read (no route, a redirect,
			// a body cut short or no page): the storm runs, its
			// notifications NOT CHECKED.
			in.problem = err.Error()
			return nil
		case errors.As(err, &verify):
			return fmt.Errorf("GET %s: certificate refused: %w", platformapi.PathInspect, tlsProblem(err, name, seed))
		}
		var nerr net.Error
		switch {
		case errors.As(err, &nerr) && nerr.Timeout():
			// Connected, and then silent: the route hangs.
			return fmt.Errorf("GET %s: no answer within %v", platformapi.PathInspect, in.client.Timeout)
		case errors.As(err, &op) && op.Op == "dial":
			return fmt.Errorf("not reachable: %w", err)
		}
		return fmt.Errorf("GET %s: %w", platformapi.PathInspect, err)
	}
	in.offset = *p.Total // requests before the storm are not the storm's
	return nil
}

// entryMark is what tells one log entry from another.
type entryMark struct {
	t                  time.Time
	method, path, body string // body: its SHA-256
	encoding           string
	status             int
}

func markOf(e platformapi.Received) entryMark {
	sum := sha256.Sum256([]byte(e.Body))
	return entryMark{t: e.Time, method: e.Method, path: e.Path, status: e.Status, body: hex.EncodeToString(sum[:]), encoding: e.BodyEncoding}
}

// LogReadStopped is why a platform's log is NOT CHECKED when a signal
// ended a read of it (finish reads again, after the stop, up to
// afterStop).
const LogReadStopped = "not read to its end: a signal stopped the read"

// logReadCut is why a platform's log is NOT CHECKED when the last read
// after a signal ran past afterStop.
func logReadCut() string {
	return fmt.Sprintf("not read to its end: the last read after the signal took more than %v", afterStop)
}

// LogCutByStop reports whether unchecked (Result.Unchecked) holds the
// platform's log as left unread by a signal.
func LogCutByStop(unchecked []string) bool {
	return slices.ContainsFunc(unchecked, func(u string) bool {
		return u == uncheckedPlatform+LogReadStopped || u == uncheckedPlatform+logReadCut()
	})
}

// answered is an error of a log route that answered, with no page of
// its log: the platform is there, its log is not to be read.
type answered struct {
	error
	status int // the answer's status; 0 when it was cut short
	// retryAfter is the wait the answer asked for (Retry-After, up to
	// maxRetryAfter), 0 when it asked none.
	retryAfter time.Duration
}

func (a answered) Unwrap() error { return a.error }

// page reads one page of the log. A 200 that is no page (an error
// object, a required member missing) is refused: read as an empty page it
// would call every notification lost.
func (in *inspector) page(offset, limit int) (*platformapi.InspectPage, error) {
	u := fmt.Sprintf("%s%s?offset=%d&limit=%d", in.base, platformapi.PathInspect, offset, limit)
	req, err := http.NewRequestWithContext(in.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxInspectBody+1))
	switch {
	case err != nil:
		return nil, answered{fmt.Errorf("GET %s: its answer %d was cut short: %w", platformapi.PathInspect, resp.StatusCode, err), 0, 0}
	case resp.StatusCode != http.StatusOK:
		why := ""
		if er, err := platformapi.DecodeErrorResponse(b); err == nil && er.Error != "" {
			why = ": " + textcut.Cut(er.Error, maxWhy)
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			why = " (a redirect to " + textcut.Cut(loc, maxWhy) + ", not followed: the log is the platform's own)"
		}
		return nil, answered{fmt.Errorf("GET %s answered %d%s", platformapi.PathInspect, resp.StatusCode, why), resp.StatusCode,
			retryAfter(resp.Header, time.Now(), maxRetryAfter)}
	case len(b) > maxInspectBody:
		return nil, answered{fmt.Errorf("GET %s answered a page of more than %d MiB", platformapi.PathInspect, maxInspectBody>>20), resp.StatusCode, 0}
	}
	p, err := platformapi.DecodeInspectPage(b)
	if err != nil {
		return nil, answered{fmt.Errorf("GET %s answered %d with a body that is not a page of its log: %w", platformapi.PathInspect, resp.StatusCode, err), resp.StatusCode, 0}
	}
	return &p, nil
}

// keepUp is called between the storm's steps, with no exchange in flight
// (the loop settled) and virtual time standing still, sent being the
// cards' requests so far. Every inspectEvery of wall time it starts a
// read of the log beside the storm; and once the cards have sent
// maxBehind since the last complete read, virtual time moves on only
// when the reader has caught up, so a storm outrunning the reader slows
// to its pace instead of leaving requests to drop out of the platform's
// log unread — and only then: a slow log route does not pace a storm the
// platform's card routes keep up with.
//
// Others may write to the same log (the other shards of a storm against
// one platform): then it fills faster than this storm's cards alone fill
// it, and the bound shrinks by the share of the log that is theirs, as
// the last read measured it.
func (in *inspector) keepUp(sent int) {
	if in.reading != nil {
		select {
		case <-in.reading:
		default:
			if sent-in.sentAtRead < in.maxBehind {
				return // it reads on while the storm goes on
			}
			<-in.reading
		}
		in.readDone()
	}
	behind := sent-in.sentAtRead >= in.maxBehind
	due := time.Since(in.last) >= in.pause()
	// Behind, the storm waits for a read — but after a failed one only
	// as often as any read is tried: a platform that is down does not
	// hold its storm, whose cards see it down too.
	if in.problem != "" || !(due || (behind && in.retryErr == "")) {
		return
	}
	if !due && in.short {
		// The last read stopped at a request still unanswered: the
		// storm waits, and the log is asked again when a read is due,
		// not at once on every step.
		select {
		case <-in.ctx.Done():
			return
		case <-time.After(in.pause() - time.Since(in.last)):
		}
	}
	in.startRead(sent)
	if behind {
		<-in.reading
		in.readDone()
	}
}

// pause is the wall time between the starts of two reads: inspectEvery,
// doubled for each failed read in a row, up to maxRetryPause — or the
// wait the failed read's Retry-After asked for, when longer.
func (in *inspector) pause() time.Duration {
	if in.retryErr == "" {
		return inspectEvery
	}
	return max(min(inspectEvery<<min(in.failuresInRow, 10), maxRetryPause), in.retryAfter)
}

// startRead reads what arrived since the last read, beside the storm.
// Everything the cards sent up to sent is in the log by then (the loop
// is settled: each request answered, so logged).
func (in *inspector) startRead(sent int) {
	in.last = time.Now()
	in.readSent, in.readFrom = sent, in.offset
	done := make(chan struct{})
	in.reading = done
	go func() {
		defer close(done)
		in.poll()
	}()
}

// readDone takes the ended read's measure: the log is read to where it
// stood when the read began, and how fast it filled against the cards.
func (in *inspector) readDone() {
	in.reading = nil
	if in.retryErr != "" || in.short {
		return // not read to where it stood: the bound is as it was
	}
	in.maxBehind = behindBound(in.readSent-in.sentAtRead, in.offset-in.readFrom)
	in.sentAtRead = in.readSent
}

// behindBound is how far the reader may fall behind the cards when they
// sent sent requests while the log grew by logged: maxUnread, less in
// the ratio of the two when the log grows faster than the cards send.
func behindBound(sent, logged int) int {
	if sent <= 0 || logged <= sent {
		return maxUnread
	}
	return max(1, maxUnread*sent/logged)
}

// stoppedWhy is why a read that its context ended left the log unread.
func (in *inspector) stoppedWhy() string {
	if in.afterSignal {
		return logReadCut()
	}
	return LogReadStopped
}

// poll reads what arrived since the last read, page after page of the
// most the API gives.
func (in *inspector) poll() {
	if in.problem != "" {
		return
	}
	for {
		from := in.offset
		if in.hasLast {
			from-- // the entry last read, to be found again
		}
		p, err := in.page(from, inspectPage)
		switch {
		case err != nil && in.ctx.Err() != nil:
			in.problem = in.stoppedWhy()
			return
		case err != nil && passing(err):
			in.retryErr = err.Error()
			var ans answered
			errors.As(err, &ans)
			in.retryAfter = ans.retryAfter
			in.failures++
			in.failuresInRow++
			return
		case err != nil:
			in.problem = err.Error()
			if back := in.wentBack(); back != "" {
				// A platform that refuses an offset past its log's end
				// (docs/platform-api.md: 400) after a restart.
				in.problem = back + " (asked from request " + strconv.Itoa(from) + ": " + err.Error() + ")"
			}
			return
		}
		in.retryErr, in.failuresInRow, in.short = "", 0, false
		if *p.Total < in.offset {
			in.problem = in.backBy(*p.Total)
			return
		}
		if p.Dropped > in.offset {
			// Before the entry last read is looked for: it may be among
			// those dropped (outside tester sw72: read as a restart).
			in.problem = fmt.Sprintf("the platform dropped requests %d…%d from its log before they were read", in.offset, p.Dropped-1)
			return
		}
		if in.hasLast {
			if len(p.Entries) == 0 || p.Entries[0].Index != from || markOf(p.Entries[0]) != in.lastEntry {
				// Numbered from 0 again and grown past where it was read
				// (a restart): what it held before is not this log.
				in.problem = fmt.Sprintf("the platform's log changed under the reader: request %d is not the one read before (restarted, its log numbered from 0 again?)", from)
				return
			}
			p.Entries = p.Entries[1:]
		}
		for _, e := range p.Entries {
			switch {
			case e.Index > in.offset:
				// Entries missing with no dropped to say so: what they
				// held is unknown, not lost (docs/platform-api.md).
				in.problem = fmt.Sprintf("the platform's log skips requests %d…%d without saying it dropped them (its page's dropped is %d)", in.offset, e.Index-1, p.Dropped)
				return
			case e.Index < in.offset:
				in.problem = fmt.Sprintf("the platform's log gave request %d again after %d: entries out of order", e.Index, in.offset-1)
				return
			}
			in.count(e)
			in.offset = e.Index + 1
			in.lastEntry, in.hasLast = markOf(e), true
		}
		if p.Next == nil || len(p.Entries) == 0 {
			in.short = p.Next != nil
			return
		}
	}
}

// probeTries bounds the reads of the log's start before the storm when
// they answer 5xx or 429: 200 ms, doubling, about 6 s in all.
const probeTries = 6

// passingAnswer reports whether err is an answer saying to ask again
// (5xx, 429), as against no answer at all.
func passingAnswer(err error) bool {
	var ans answered
	return errors.As(err, &ans) && (ans.status >= 500 || ans.status == http.StatusTooManyRequests)
}

// wentBack asks the log's size after a refused read: a log now shorter
// than what was read is a platform restarted (its log cleared), said so;
// "" when it is not, or cannot be told.
func (in *inspector) wentBack() string {
	if in.offset == 0 {
		return ""
	}
	p, err := in.page(0, 1)
	if err != nil || *p.Total >= in.offset {
		return ""
	}
	return in.backBy(*p.Total)
}

// backBy is why a log that holds total requests, fewer than were read
// from it, is not whole.
func (in *inspector) backBy(total int) string {
	return fmt.Sprintf("the platform's log went back: it holds %d requests, and %d had been read from it (restarted, or its log cleared?)", total, in.offset)
}

// passing reports whether a failed read may succeed if tried again: no
// connection or no answer in time (a platform restarting, paused or
// overloaded), or an answer saying so (5xx, 429). Any other answer that
// is no page is the platform's way of answering that route.
func passing(err error) bool {
	var ans answered
	if !errors.As(err, &ans) {
		return true
	}
	return ans.status >= 500 || ans.status == http.StatusTooManyRequests
}

func (in *inspector) count(e platformapi.Received) {
	if e.Path != platformapi.PathNotifications || !platformapi.Answered(e.Status) {
		return
	}
	index := e.Index
	body, err := e.KeptBody()
	var n platformapi.Notification
	if err == nil {
		n, err = platformapi.DecodeNotification(body)
	}
	if err != nil {
		in.unreadable++
		if len(in.unreadableNamed) < maxLostNamed {
			in.unreadableNamed = append(in.unreadableNamed, fmt.Sprintf("request %d: %v", index, err))
		}
		return
	}
	if in.ours != nil && !in.ours[n.EID] {
		return
	}
	key := n.EID + "|" + n.Kind
	// A numbered report sent again after a lost answer: the platform
	// takes it once (docs/platform-api.md), and logs each arrival.
	if n.Report != 0 && !in.notes.logged(n) {
		return
	}
	in.log[key]++
}

// awaitRead waits for a read of the log under way, if one is.
func (in *inspector) awaitRead() {
	if in.reading != nil {
		<-in.reading
		in.reading = nil
	}
}

// retrying is why the log's reads go on after the storm (its last read
// failed in a way that may pass), "" when they need not.
func (in *inspector) retrying() string {
	in.awaitRead()
	if in.retryErr == "" || in.problem != "" {
		return ""
	}
	return "its last read failed: " + in.retryErr
}

// finish reads the rest and records what was read and what could not
// be checked.
func (in *inspector) finish(r *Result) {
	in.awaitRead()
	if in.ctx.Err() != nil && (in.problem == "" || in.problem == LogReadStopped) {
		// Stopped: one last read, bounded, of what the storm left; a
		// read the signal cut is read again from where it was.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(in.ctx), afterStop)
		defer cancel()
		in.ctx, in.problem, in.afterSignal = ctx, "", true
	}
	in.poll()
	// A read that failed in a way that may pass is tried again for a
	// while: the storm is over, nothing else waits for it.
	for end := time.Now().Add(finishRetryFor); in.retryErr != "" && in.problem == "" && time.Now().Before(end); {
		select {
		case <-in.ctx.Done():
			in.problem = in.stoppedWhy()
		case <-time.After(min(in.pause(), time.Until(end))):
			in.poll()
		}
	}
	if in.retryErr != "" && in.problem == "" {
		in.problem = fmt.Sprintf("%s (still failing after the storm: %d reads failed, the last %v after it ended)", in.retryErr, in.failures, finishRetryFor)
	}
	// Pages that stop before a request still unanswered (another client's,
	// with a slow body): its entry, and the cards' after it, come once it
	// is answered — read again until then, or NOT CHECKED, never lost.
	for end := time.Now().Add(pendingWait); in.short && in.problem == "" && time.Now().Before(end); {
		select {
		case <-in.ctx.Done():
			in.problem = in.stoppedWhy()
		case <-time.After(logLagStep):
			in.poll()
		}
	}
	if in.short && in.problem == "" {
		in.problem = fmt.Sprintf("not read to its end: its pages stopped before request %d for %v after the storm (a request not answered yet holds back those after it)", in.offset, pendingWait)
	}
	// A platform may log a note a moment after it answered it (an
	// asynchronous logger: outside tester sw72, 50 ms made two notes
	// lost): while acknowledged notes are missing, the log is read again
	// for up to logLag.
	for end := time.Now().Add(logLag); in.problem == "" && in.notes != nil && in.notes.match().lost > 0 && time.Now().Before(end); {
		select {
		case <-in.ctx.Done():
			in.problem = in.stoppedWhy()
		case <-time.After(logLagStep):
			in.poll()
		}
	}
	r.LogReadFailures += in.failures
	r.LogUnreadable += in.unreadable
	r.LogUnreadableNamed = appendNamed(r.LogUnreadableNamed, in.unreadableNamed)
	for k, n := range in.log {
		r.PlatformLog[k] += n
	}
	if in.problem != "" {
		r.Unchecked = append(r.Unchecked, uncheckedPlatform+in.problem)
		r.PlatformUnread = true
	}
}
