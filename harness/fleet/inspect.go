package fleet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// inspector reads an external platform's request log (GET
// /v1/inspect/received, docs/platform-api.md) as the storm goes, page by
// page, so that a platform keeping only its newest requests still shows
// each one once (logReader: restarts, retries and gaps).
//
// A read runs beside the storm (startRead), so a log route slower than
// the cards' routes sets no pace: the storm waits for it only when the
// cards are maxBehind requests ahead of the last complete read, as
// documented. While a read is in flight only its goroutine touches the
// reader's fields; the storm's goroutine reads them once it has waited
// for reading to close.
type inspector struct {
	logReader[platformapi.Received]
	// reading is closed when the read in flight ends; nil when none is.
	// readSent and readFrom are the cards' requests and the log's offset
	// when it began.
	reading            chan struct{}
	readSent, readFrom int

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
	// inspectTimeout bounds a page's read in the time the process ran.
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
	// A redirect is an answer of the platform's, not a log (the cards do
	// not follow one either): newLogReader follows none.
	client := &http.Client{} // a page's bound is the reader's (logReader.timeout)
	if tc != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		client.Transport = tr
	}
	in := &inspector{log: map[string]int{}, notes: newNotes(), maxBehind: maxUnread}
	in.logReader = newLogReader(base, client, logSpec[platformapi.Received]{
		path: platformapi.PathInspect, who: "the platform", item: "request", items: "requests",
		decode: platformapi.DecodeInspectPage,
		index:  func(e platformapi.Received) int { return e.Index },
		count:  in.count, every: inspectEvery,
	})
	return in
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
	err := in.start()
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
			return fmt.Errorf("GET %s: no answer within %v", platformapi.PathInspect, in.timeout)
		case errors.As(err, &op) && op.Op == "dial":
			return fmt.Errorf("not reachable: %w", err)
		}
		return fmt.Errorf("GET %s: %w", platformapi.PathInspect, err)
	}
	return nil
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

func (in *inspector) count(e platformapi.Received) {
	if e.Path != platformapi.PathNotifications || !platformapi.Answered(e.Status) {
		return
	}
	index := e.Index
	// An entry whose body contradicts its own size or hash is no record
	// of what was sent: unreadable, not counted (t146 F5).
	body, err := e.CheckedBody()
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

// finish reads the rest (logReader.settle: a platform may log a note a
// moment after it answered it — an asynchronous logger: outside tester
// sw72, 50 ms made two notes lost —, so while acknowledged notes are
// missing the log is read again for up to logLag) and records what was
// read and what could not be checked.
func (in *inspector) finish(r *Result) {
	in.awaitRead()
	in.settle(func() bool { return in.notes != nil && in.notes.match().lost > 0 })
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
