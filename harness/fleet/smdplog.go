package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// smdpReader reads an external SM-DP+'s notification log (GET
// smdplog.Path, the emulated SM-DP+'s own route: esimhil serve's) as the
// storm goes and after it, so that the SM-DP+'s deliveries are checked as
// the platform's are — a notification the SM-DP+ acknowledged and
// discarded (forged, unknown) is not in it as taken, and counts lost. A
// third-party SM-DP+ has no such route: its log stays NOT CHECKED. It is
// the platform's reader's logReader, with its guards: a restart told by
// the last entry read, reads that fail tried again after a growing pause
// (or the Retry-After asked) and counted, a skip told from disorder.
//
// Reads are synchronous, between the storm's steps: at most every
// smdpReadEvery of wall time (longer after failed reads), and whenever
// the cards have delivered smdpMaxBehind notifications to it since the
// last complete read, so that a SM-DP+ keeping its newest
// smdplog.MaxEntries drops none unread.
type smdpReader struct {
	logReader[smdplog.Entry]
	op string // the operator whose SM-DP+ it is
	// ours holds the EIDs of this storm's devices (nil: all), as the
	// platform's reader has them: shards against one SM-DP+ each count
	// their own cards'.
	ours map[string]bool
	// log counts the notifications taken, by operator|kind.
	log map[string]int
	// taken holds the notifications (EID|seq) the SM-DP+ took during the
	// storm: a duplicate of one of them is a card's re-send, counted
	// once. A duplicate of one it took before the storm (a serve reused
	// from an earlier storm) is held all the same, as the platform's log
	// holds a notification it logs again: counted, and counted in before
	// for the report to say so (outside tester t136 F9: called "in no
	// server's log" while the log held it as a duplicate).
	taken  map[string]bool
	before int
	// sentAtRead is how many notifications the cards had delivered to
	// this SM-DP+ at the last complete read.
	sentAtRead int
}

const (
	smdpReadEvery = time.Second
	// smdpMaxBehind is half of what the emulated SM-DP+ keeps.
	smdpMaxBehind = smdplog.MaxEntries / 2
)

// newSMDPReader reads the log of the SM-DP+ at addr, trusting what the
// cards trust (tc: the test CI, the SM-DP+'s host name).
func newSMDPReader(op string, addr netip.AddrPort, tc *tls.Config) *smdpReader {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	r := &smdpReader{op: op, log: map[string]int{}, taken: map[string]bool{}}
	r.logReader = newLogReader("https://"+addr.String(), &http.Client{Timeout: inspectTimeout, Transport: tr}, logSpec[smdplog.Entry]{
		path: smdplog.Path, who: "the SM-DP+", item: "entry", items: "entries",
		decode: smdplog.DecodePage,
		index:  func(e smdplog.Entry) int { return e.Index },
		count:  r.count, every: smdpReadEvery,
	})
	return r
}

// probe finds where the log stands before the storm (what is in it is not
// the storm's), asking again while it answers 5xx or 429, or says why it
// cannot be read (problem): an SM-DP+ that answers without a page of the
// log has no such route — a third party's; its log is NOT CHECKED, and
// the storm runs on.
func (r *smdpReader) probe(ctx context.Context) {
	r.ctx = ctx
	err := r.start()
	var ans answered
	switch {
	case err != nil && errors.As(err, &ans):
		r.problem = "an external SM-DP+ with no log route to read (" + err.Error() + ")"
	case err != nil:
		r.problem = fmt.Sprintf("not read: GET %s: %v", smdplog.Path, err)
	}
	r.last = time.Now()
}

// count takes an entry read: taken is what the SM-DP+ recorded; a
// duplicate was taken before — during the storm (counted then), or
// before it (counted now, once) — and a discarded or refused one never
// was.
func (r *smdpReader) count(e smdplog.Entry) {
	if r.ours != nil && e.EID != "" && !r.ours[e.EID] {
		return
	}
	key := e.EID + "|" + strconv.Itoa(e.Seq)
	switch {
	case e.Outcome == smdplog.Taken:
		r.log[r.op+"|"+e.Kind]++
		if e.EID != "" {
			r.taken[key] = true
		}
	case e.Outcome == smdplog.Duplicate && e.EID != "" && !r.taken[key]:
		r.log[r.op+"|"+e.Kind]++
		r.taken[key] = true
		r.before++
	}
}

// keepUp reads the log when it is due: every smdpReadEvery (the pause
// growing after failed reads), or once the cards have delivered
// smdpMaxBehind notifications to this SM-DP+ since the last complete read
// (sent: their count so far) and the last read did not fail.
func (r *smdpReader) keepUp(ctx context.Context, sent int) {
	behind := sent-r.sentAtRead >= smdpMaxBehind && r.retryErr == ""
	if r.problem != "" || (time.Since(r.last) < r.pause() && !behind) {
		return
	}
	r.ctx, r.last = ctx, time.Now()
	r.poll()
	if r.readToEnd() {
		r.sentAtRead = sent
	}
}

// finish reads the rest (logReader.settle) and records what was read and
// what could not be.
func (r *smdpReader) finish(ctx context.Context, res *Result) {
	defer r.client.CloseIdleConnections() // the last read: nothing more to keep open
	r.ctx = ctx
	r.settle(nil)
	res.SMDPLogReadFailures += r.failures
	for k, n := range r.log {
		res.SMDPLog[k] += n
	}
	res.SMDPHeldBefore += r.before
	if r.problem != "" {
		res.Unchecked = append(res.Unchecked, fmt.Sprintf(uncheckedSMDP+"%s log: %s", r.op, r.problem))
		res.SMDPUnread = true
	}
}
