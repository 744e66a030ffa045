package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
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
	// kinds holds the kind of each notification taken during the storm
	// (EID|seq), and foreign counts the taken entries that are no card's
	// of this storm, the first named: one taken again (a card's re-send
	// is a duplicate, so a second taken is another card's under this EID
	// and seq), or one no card of it tried to send (finish). Another
	// storm of the same seed shares the SM-DP+ (same EIDs, same seqs):
	// its entries cannot be told from this storm's, and could stand in
	// for a note of this storm's lost, so the log is NOT CHECKED, saying
	// so (outside tester t146 F3: called a result file edited by hand).
	kinds        map[string]string
	foreign      int
	foreignNamed []string
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
	r := &smdpReader{op: op, log: map[string]int{}, taken: map[string]bool{}, kinds: map[string]string{}}
	r.logReader = newLogReader("https://"+addr.String(), &http.Client{Transport: tr}, logSpec[smdplog.Entry]{
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
	case e.Outcome == smdplog.Taken && e.EID != "" && r.taken[key]:
		r.foreignEntry(fmt.Sprintf("%s seq %d (%s) taken again as another notification", e.EID, e.Seq, e.Kind))
	case e.Outcome == smdplog.Taken:
		r.log[r.op+"|"+e.Kind]++
		if e.EID != "" {
			r.taken[key] = true
			r.kinds[key] = e.Kind
		}
	case e.Outcome == smdplog.Duplicate && e.EID != "" && !r.taken[key]:
		r.log[r.op+"|"+e.Kind]++
		r.taken[key] = true
		r.before++
	}
}

// foreignEntry counts an entry taken that no card of this storm sent.
func (r *smdpReader) foreignEntry(what string) {
	r.foreign++
	if len(r.foreignNamed) < 3 {
		r.foreignNamed = append(r.foreignNamed, what)
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
// what could not be; tried holds the notifications (EID|seq) this
// storm's cards tried to send to an SM-DP+, delivered or not.
func (r *smdpReader) finish(ctx context.Context, res *Result, tried map[string]bool) {
	defer r.client.CloseIdleConnections() // the last read: nothing more to keep open
	r.ctx = ctx
	r.settle(nil)
	for _, key := range slices.Sorted(maps.Keys(r.kinds)) {
		if !tried[key] {
			kind := r.kinds[key]
			if r.log[r.op+"|"+kind]--; r.log[r.op+"|"+kind] == 0 {
				delete(r.log, r.op+"|"+kind)
			}
			eid, seq, _ := strings.Cut(key, "|")
			r.foreignEntry(fmt.Sprintf("%s seq %s (%s), which no card of this storm sent", eid, seq, kind))
		}
	}
	if r.foreign > 0 && r.problem == "" {
		r.problem = fmt.Sprintf("another storm shares this SM-DP+: %d entries taken during the storm under this storm's EIDs are no notification its cards sent (%s%s): another storm of seed %d against the same SM-DP+ (its cards have these EIDs)? Its entries cannot be told from this storm's, and could stand in for one of them lost; run one storm at a time against a serve",
			r.foreign, strings.Join(r.foreignNamed, "; "), andMore(r.foreign, len(r.foreignNamed)), res.Seed)
	}
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
