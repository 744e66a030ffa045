package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/proto/logpage"
	"github.com/esimhil/esimhil/internal/stall"
	"github.com/esimhil/esimhil/internal/textcut"
)

// logSpec is what tells one server's log from another's to a logReader:
// its route, its words and its entries.
type logSpec[E any] struct {
	path string // the route: platformapi.PathInspect, smdplog.Path
	// who owns the log ("the platform"); item and items name its entries
	// ("request", "requests").
	who, item, items string
	decode           func([]byte) (logpage.Page[E], error)
	index            func(E) int
	// count takes each entry read, once, in order.
	count func(E)
	// every is the pause between two reads that pass.
	every time.Duration
}

// logReader reads a server's log through its inspect route
// (internal/proto/logpage) page by page, from where the storm began, so
// that a server keeping only its newest entries still shows each once:
// the platform's request log (inspector) and the SM-DP+'s notification
// log (smdpReader) alike, with the guards one learnt for both — a
// restart told by the last entry read, found again; reads that fail in a
// way that may pass tried again after a pause that grows (or a
// Retry-After), counted; a skip told from entries out of order.
//
// One goroutine at a time calls its methods (the inspector's read beside
// the storm is awaited before its fields are looked at).
type logReader[E any] struct {
	spec   logSpec[E]
	base   string
	client *http.Client
	// timeout bounds a page's read, its answer's body included, in the
	// time the process ran (stalls; nil: stall.Default), as the cards'
	// own waits: a stop of the process is no slow log route (t192).
	timeout time.Duration
	stalls  stall.Reader
	// ctx ends a read in flight when the storm is stopped.
	ctx context.Context
	// afterSignal: ctx is the bounded one of the last read after a stop.
	afterSignal bool

	offset int
	// lastEntry is the log's entry at offset-1 as it was read (markOf):
	// each read starts one entry back and finds it again, so that a
	// server restarted between two reads, its log numbered from 0 again
	// and grown past offset, is told from one that kept its log.
	lastEntry string
	hasLast   bool
	// started is the log's log_started as read before the storm (nil
	// when its pages name none): a page naming another is a log begun
	// again, told even before the reader has an entry to find again.
	started *time.Time
	// problem, once set, says why the log could not be read whole.
	problem string
	// short: the last read stopped before the log's end, its page naming
	// a next with no entry past what was read — an entry not settled yet,
	// which holds back those after it (docs/platform-api.md). Read again
	// until it is not.
	short bool
	// retryErr says why the last read failed in a way that may pass (no
	// connection, no answer in time, a 5xx or 429): the log is read again
	// from where it stood, after a pause that grows with failures (each
	// one counted); a server restarted meanwhile is told by its log going
	// back. failures counts those reads.
	retryErr      string
	failures      int
	failuresInRow int
	// retryAfter is the wait the last failed read's answer asked for.
	retryAfter time.Duration
	last       time.Time
}

// newLogReader reads the log at base+spec.path with client, each page
// within inspectTimeout; redirects are not followed (what another origin
// holds is not this server's log).
func newLogReader[E any](base string, client *http.Client, spec logSpec[E]) logReader[E] {
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return logReader[E]{spec: spec, base: strings.TrimSuffix(base, "/"), client: client, timeout: inspectTimeout, ctx: context.Background()}
}

// markOf is what tells one log entry from another: all it says, as JSON
// (one entry is kept, so that a change can be named: changedMembers).
func markOf[E any](e E) string {
	b, err := json.Marshal(e)
	if err != nil {
		return "unmarshalable: " + err.Error()
	}
	return string(b)
}

// changedMembers names the members whose values differ between two
// marks of an entry ("status 200, now 500"), at most three, each value cut
// short; "" when they cannot be compared.
func changedMembers(was, now string) string {
	var a, b map[string]json.RawMessage
	if json.Unmarshal([]byte(was), &a) != nil || json.Unmarshal([]byte(now), &b) != nil {
		return ""
	}
	keys := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	var diffs []string
	for _, k := range keys {
		if string(a[k]) != string(b[k]) {
			diffs = append(diffs, fmt.Sprintf("%s %s, now %s", k, textcut.Cut(orAbsent(a[k]), 40), textcut.Cut(orAbsent(b[k]), 40)))
		}
	}
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("%d more", len(diffs)-3))
	}
	return strings.Join(diffs, "; ")
}

// orAbsent is a member's JSON, or "absent".
func orAbsent(v json.RawMessage) string {
	if v == nil {
		return "absent"
	}
	return string(v)
}

// answered is an error of a log route that answered, with no page of
// its log: the server is there, its log is not to be read.
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
func (l *logReader[E]) page(offset, limit int) (*logpage.Page[E], error) {
	path := l.spec.path
	u := fmt.Sprintf("%s%s?offset=%d&limit=%d", l.base, path, offset, limit)
	ctx, cancel := stall.Begin(l.stalls, l.timeout).Context(l.ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxInspectBody+1))
	switch {
	case err != nil:
		return nil, answered{fmt.Errorf("GET %s: its answer %d was cut short: %w", path, resp.StatusCode, err), 0, 0}
	case resp.StatusCode != http.StatusOK:
		why := ""
		if er, err := logpage.DecodeError(b); err == nil && er.Error != "" {
			why = ": " + textcut.Cut(er.Error, maxWhy)
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			why = " (a redirect to " + textcut.Cut(loc, maxWhy) + ", not followed: the log is " + l.spec.who + "'s own)"
		}
		return nil, answered{fmt.Errorf("GET %s answered %d%s", path, resp.StatusCode, why), resp.StatusCode,
			retryAfter(resp.Header, time.Now(), maxRetryAfter)}
	case len(b) > maxInspectBody:
		return nil, answered{fmt.Errorf("GET %s answered a page of more than %d MiB", path, maxInspectBody>>20), resp.StatusCode, 0}
	}
	p, err := l.spec.decode(b)
	if err != nil {
		return nil, answered{fmt.Errorf("GET %s answered %d with a body that is not a page of its log: %w", path, resp.StatusCode, err), resp.StatusCode, 0}
	}
	return &p, nil
}

// start reads where the log stands before the storm (what is in it is
// not the storm's) and its last entry then, to be found again, asking
// again while it answers 5xx or 429 (startPage); the caller judges an
// error.
func (l *logReader[E]) start() error {
	p, err := l.startPage(0)
	if err != nil {
		return err
	}
	l.offset, l.started = *p.Total, p.LogStarted
	if l.offset == 0 {
		return nil
	}
	// The entry before the storm's first, found again at the first read
	// (outside tester t86 F1): without it, a log restarted and grown past
	// offset before the reader's first entry is read on as the same one,
	// its first entries never read.
	last, err := l.startPage(l.offset - 1)
	if err != nil {
		return err
	}
	if len(last.Entries) == 1 && l.spec.index(last.Entries[0]) == l.offset-1 {
		l.lastEntry, l.hasLast = markOf(last.Entries[0]), true
	}
	// Else it is not to be shown yet (another client's request, its
	// answer not decided) or already dropped: nothing to find again, and
	// only log_started tells a restart until an entry is read.
	if err := l.changed(last); err != nil {
		l.problem = err.Error() // the storm runs, its log NOT CHECKED
	}
	return nil
}

// startPage reads the one entry at offset before the storm, asking again
// while the route answers 5xx or 429 (a rate limiter right after the
// checks' burst), up to probeTries.
func (l *logReader[E]) startPage(offset int) (*logpage.Page[E], error) {
	p, err := l.page(offset, 1)
	for tries, pause := 1, inspectEvery; err != nil && tries < probeTries && passingAnswer(err); tries, pause = tries+1, pause*2 {
		var ans answered
		errors.As(err, &ans)
		select {
		case <-l.ctx.Done(): // a signal: refused as the probe's other waits are
			return nil, context.Cause(l.ctx)
		case <-time.After(max(pause, min(ans.retryAfter, maxRetryPause))):
		}
		p, err = l.page(offset, 1)
	}
	return p, err
}

// changed is why page p is not of the log read before the storm: it
// names another log_started. nil when it names the same, or when either
// names none (log_started is optional: such a page is read as before).
func (l *logReader[E]) changed(p *logpage.Page[E]) error {
	was, now := l.started, p.LogStarted
	if was == nil || now == nil || was.Equal(*now) {
		return nil
	}
	return fmt.Errorf("%s's log changed under the reader: it began at %s, and now at %s (restarted)", l.spec.who,
		was.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
}

// pause is the wall time between the starts of two reads: spec.every,
// doubled for each failed read in a row, up to maxRetryPause — or the
// wait the failed read's Retry-After asked for, when longer.
func (l *logReader[E]) pause() time.Duration {
	if l.retryErr == "" {
		return l.spec.every
	}
	return max(min(l.spec.every<<min(l.failuresInRow, 10), maxRetryPause), l.retryAfter)
}

// readToEnd reports whether the last read read the log to its end.
func (l *logReader[E]) readToEnd() bool {
	return l.problem == "" && l.retryErr == "" && !l.short
}

// stoppedWhy is why a read that its context ended left the log unread.
func (l *logReader[E]) stoppedWhy() string {
	if l.afterSignal {
		return logReadCut()
	}
	return LogReadStopped
}

// poll reads what was logged since the last read, page after page of the
// most the route gives.
func (l *logReader[E]) poll() {
	if l.problem != "" {
		return
	}
	for {
		from := l.offset
		if l.hasLast {
			from-- // the entry last read, to be found again
		}
		p, err := l.page(from, inspectPage)
		switch {
		case err != nil && l.ctx.Err() != nil:
			l.problem = l.stoppedWhy()
			return
		case err != nil && passing(err):
			l.retryErr = err.Error()
			var ans answered
			errors.As(err, &ans)
			l.retryAfter = ans.retryAfter
			l.failures++
			l.failuresInRow++
			return
		case err != nil:
			l.problem = err.Error()
			if back := l.wentBack(); back != "" {
				// A server that refuses an offset past its log's end
				// (docs/platform-api.md: 400) after a restart.
				l.problem = back + " (asked from " + l.spec.item + " " + strconv.Itoa(from) + ": " + err.Error() + ")"
			}
			return
		}
		l.retryErr, l.failuresInRow, l.short = "", 0, false
		if err := l.changed(p); err != nil {
			l.problem = err.Error()
			return
		}
		if *p.Total < l.offset {
			l.problem = l.backBy(*p.Total)
			return
		}
		if p.Dropped > l.offset {
			// Before the entry last read is looked for: it may be among
			// those dropped (outside tester sw72: read as a restart).
			l.problem = fmt.Sprintf("%s dropped %s %d…%d from its log before they were read", l.spec.who, l.spec.items, l.offset, p.Dropped-1)
			return
		}
		if l.hasLast {
			if len(p.Entries) == 0 || l.spec.index(p.Entries[0]) != from || markOf(p.Entries[0]) != l.lastEntry {
				// Numbered from 0 again and grown past where it was read
				// (a restart): what it held before is not this log. Or
				// the entry changed after it was served: what changed
				// says which (outside tester t146 F7: a status rewritten
				// was called a restart).
				l.problem = fmt.Sprintf("%s's log changed under the reader: %s %d is not the one read before (restarted, its log numbered from 0 again?)", l.spec.who, l.spec.item, from)
				if len(p.Entries) > 0 && l.spec.index(p.Entries[0]) == from {
					why := "an entry changed after it was served, or the log restarted and numbered from 0 again"
					if l.started != nil {
						why = "an entry changed after it was served: its log_started is the one read before, so no restart"
					}
					if diff := changedMembers(l.lastEntry, markOf(p.Entries[0])); diff != "" {
						l.problem = fmt.Sprintf("%s's log changed under the reader: %s %d is not the one read before: %s (%s)", l.spec.who, l.spec.item, from, diff, why)
					}
				}
				return
			}
			p.Entries = p.Entries[1:]
		}
		for _, e := range p.Entries {
			switch i := l.spec.index(e); {
			case i > l.offset:
				// Entries missing with no dropped to say so: what they
				// held is unknown, not lost (docs/platform-api.md).
				l.problem = fmt.Sprintf("%s's log skips %s %d…%d without saying it dropped them (its page's dropped is %d)", l.spec.who, l.spec.items, l.offset, i-1, p.Dropped)
				return
			case i < l.offset:
				l.problem = fmt.Sprintf("%s's log gave %s %d again after %d: entries out of order", l.spec.who, l.spec.item, i, l.offset-1)
				return
			}
			l.spec.count(e)
			l.offset++
			l.lastEntry, l.hasLast = markOf(e), true
		}
		if p.Next == nil || len(p.Entries) == 0 {
			l.short = p.Next != nil
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

// passing reports whether a failed read may succeed if tried again: no
// connection or no answer in time (a server restarting, paused or
// overloaded), or an answer saying so (5xx, 429). Any other answer that
// is no page is the server's way of answering that route.
func passing(err error) bool {
	var ans answered
	if !errors.As(err, &ans) {
		return true
	}
	return ans.status >= 500 || ans.status == http.StatusTooManyRequests
}

// wentBack asks the log's size after a refused read: a log now shorter
// than what was read is a server restarted (its log cleared), said so;
// "" when it is not, or cannot be told.
func (l *logReader[E]) wentBack() string {
	if l.offset == 0 {
		return ""
	}
	p, err := l.page(0, 1)
	if err != nil {
		return ""
	}
	if err := l.changed(p); err != nil {
		return err.Error()
	}
	if *p.Total >= l.offset {
		return ""
	}
	return l.backBy(*p.Total)
}

// backBy is why a log that holds total entries, fewer than were read
// from it, is not whole.
func (l *logReader[E]) backBy(total int) string {
	return fmt.Sprintf("%s's log went back: it holds %d %s, and %d had been read from it (restarted, or its log cleared?)", l.spec.who, total, l.spec.items, l.offset)
}

// settle reads the rest after the storm: after a signal, one last read
// bounded by afterStop (a read the signal cut is read again from where it
// was); reads that fail in a way that may pass tried again for up to
// finishRetryFor; pages that stop before an entry not settled yet read
// again for up to pendingWait; and, while lagging says entries may still
// come (nil: never), again for up to logLag. It leaves problem set when
// the log was not read whole.
func (l *logReader[E]) settle(lagging func() bool) {
	if l.ctx.Err() != nil && (l.problem == "" || l.problem == LogReadStopped) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(l.ctx), afterStop)
		defer cancel()
		l.ctx, l.problem, l.afterSignal = ctx, "", true
	}
	from := time.Now()
	l.poll()
	// The storm is over, nothing else waits for the reads.
	l.pollWhile(finishRetryFor, l.pause, func() bool { return l.retryErr != "" })
	if l.retryErr != "" && l.problem == "" {
		// How long the reads went on, measured: a read's own limit
		// comes on top of finishRetryFor.
		l.problem = fmt.Sprintf("%s (still failing after the storm: %d reads failed, the last %v after the reads after it began)", l.retryErr, l.failures, time.Since(from).Round(time.Second))
	}
	// Pages that stop before an entry not settled yet (another client's
	// request, with a slow body): it, and the cards' after it, come once
	// it is answered — read again until then, or NOT CHECKED, never lost.
	l.pollWhile(pendingWait, lagStep, func() bool { return l.short })
	if l.short && l.problem == "" {
		l.problem = fmt.Sprintf("not read to its end: its pages stopped before %s %d for %v after the storm (a %s not answered yet holds back those after it)", l.spec.item, l.offset, pendingWait, l.spec.item)
	}
	if lagging != nil {
		l.pollWhile(logLag, lagStep, lagging)
	}
}

// pollWhile reads the log again, a pause apart, while more says so and it
// was read without a problem, for up to d.
func (l *logReader[E]) pollWhile(d time.Duration, pause func() time.Duration, more func() bool) {
	for end := time.Now().Add(d); l.problem == "" && more() && time.Now().Before(end); {
		select {
		case <-l.ctx.Done():
			l.problem = l.stoppedWhy()
		case <-time.After(min(pause(), time.Until(end))):
			l.poll()
		}
	}
}

func lagStep() time.Duration { return logLagStep }
