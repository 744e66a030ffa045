package fleet

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"time"

	"github.com/esimhil/esimhil/internal/proto/smdplog"
	"github.com/esimhil/esimhil/internal/textcut"
)

// smdpReader reads an external SM-DP+'s notification log (GET
// smdplog.Path, the emulated SM-DP+'s own route: esimhil serve's) as the
// storm goes and after it, so that the SM-DP+'s deliveries are checked as
// the platform's are — a notification the SM-DP+ acknowledged and
// discarded (forged, unknown) is not in it as taken, and counts lost. A
// third-party SM-DP+ has no such route: its log stays NOT CHECKED.
//
// Reads are synchronous, between the storm's steps: at most every
// smdpReadEvery of wall time, and whenever the cards have delivered
// smdpMaxBehind notifications to it since the last read, so that a
// SM-DP+ keeping its newest smdplog.MaxEntries drops none unread.
type smdpReader struct {
	op     string // the operator whose SM-DP+ it is
	url    string // https://addr + smdplog.Path
	client *http.Client
	// ours holds the EIDs of this storm's devices (nil: all), as the
	// platform's reader has them: shards against one SM-DP+ each count
	// their own cards'.
	ours map[string]bool

	offset int
	// log counts the notifications taken, by operator|kind.
	log map[string]int
	// problem, once set, says why the log could not be read whole.
	problem string
	// retryErr says why the last read failed in a way that may pass (no
	// connection, a 5xx): the next read starts where this one stood.
	retryErr string
	last     time.Time
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
	client := &http.Client{Timeout: inspectTimeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &smdpReader{op: op, url: "https://" + addr.String() + smdplog.Path, client: client, log: map[string]int{}}
}

// probe finds where the log stands before the storm (what is in it is not
// the storm's), or says why it cannot be read (problem): an SM-DP+ that
// answers without a page of the log has no such route — a third party's;
// its log is NOT CHECKED, and the storm runs on.
func (r *smdpReader) probe(ctx context.Context) {
	p, status, err := r.page(ctx, 0, 1)
	switch {
	case err != nil && status == 0:
		r.problem = fmt.Sprintf("not read: GET %s: %v", smdplog.Path, err)
	case err != nil:
		r.problem = "an external SM-DP+ with no log route to read (" + err.Error() + ")"
	default:
		r.offset, r.last = *p.Total, time.Now()
	}
}

// page reads one page of the log; status is the answer's (0: none).
func (r *smdpReader) page(ctx context.Context, offset, limit int) (*smdplog.Page, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s?offset=%d&limit=%d", r.url, offset, limit), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxInspectBody+1))
	switch {
	case err != nil:
		return nil, resp.StatusCode, fmt.Errorf("GET %s: its answer %d was cut short: %w", smdplog.Path, resp.StatusCode, err)
	case resp.StatusCode != http.StatusOK:
		why := ""
		var ea smdplog.ErrorAnswer
		if json.Unmarshal(b, &ea) == nil && ea.Error != "" {
			why = ": " + textcut.Cut(ea.Error, maxWhy)
		}
		return nil, resp.StatusCode, fmt.Errorf("GET %s answered %d%s", smdplog.Path, resp.StatusCode, why)
	case len(b) > maxInspectBody:
		return nil, resp.StatusCode, fmt.Errorf("GET %s answered a page of more than %d MiB", smdplog.Path, maxInspectBody>>20)
	}
	p, err := smdplog.DecodePage(b)
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("GET %s answered %d with a body that is not a page of its log: %w", smdplog.Path, resp.StatusCode, err)
	}
	return &p, resp.StatusCode, nil
}

// keepUp reads the log when it is due: every smdpReadEvery, or once the
// cards have delivered smdpMaxBehind notifications to this SM-DP+ since
// the last complete read (sent: their count so far).
func (r *smdpReader) keepUp(ctx context.Context, sent int) {
	if r.problem != "" || (time.Since(r.last) < smdpReadEvery && sent-r.sentAtRead < smdpMaxBehind) {
		return
	}
	if r.poll(ctx) {
		r.sentAtRead = sent
	}
}

// poll reads what was logged since the last read, page after page; it
// reports whether it read to the log's end.
func (r *smdpReader) poll(ctx context.Context) bool {
	r.last = time.Now()
	for r.problem == "" {
		p, status, err := r.page(ctx, r.offset, smdplog.MaxLimit)
		switch {
		case err != nil && (status == 0 || status >= 500 || status == http.StatusTooManyRequests):
			r.retryErr = err.Error()
			return false
		case err != nil:
			r.problem = err.Error()
			return false
		case *p.Total < r.offset:
			r.problem = fmt.Sprintf("the SM-DP+'s log went back: it holds %d entries, and %d had been read from it (restarted?)", *p.Total, r.offset)
			return false
		case p.Dropped > r.offset:
			r.problem = fmt.Sprintf("the SM-DP+ dropped entries %d…%d from its log before they were read", r.offset, p.Dropped-1)
			return false
		}
		r.retryErr = ""
		for _, e := range p.Entries {
			if e.Index != r.offset {
				r.problem = fmt.Sprintf("the SM-DP+'s log gave entry %d where %d was due", e.Index, r.offset)
				return false
			}
			r.offset++
			// Taken is what the SM-DP+ recorded; a duplicate was taken
			// before, a discarded or refused one never was.
			if e.Outcome == smdplog.Taken && (r.ours == nil || e.EID == "" || r.ours[e.EID]) {
				r.log[r.op+"|"+e.Kind]++
			}
		}
		if p.Next == nil || len(p.Entries) == 0 {
			return true
		}
	}
	return false
}

// finish reads the rest (reads that fail in a way that may pass are tried
// again for up to finishRetryFor; after a signal, one read bounded by
// afterStop) and records what was read and what could not be.
func (r *smdpReader) finish(ctx context.Context, res *Result) {
	defer r.client.CloseIdleConnections() // the last read: nothing more to keep open
	if ctx.Err() != nil {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), afterStop)
		defer cancel()
		ctx = c
	}
	end := time.Now().Add(finishRetryFor)
	read := r.poll(ctx)
	for pause := inspectEvery; !read && r.problem == "" && ctx.Err() == nil && time.Now().Before(end); pause = min(pause*2, maxRetryPause) {
		select {
		case <-ctx.Done():
		case <-time.After(min(pause, time.Until(end))):
			read = r.poll(ctx)
		}
	}
	switch {
	case read || r.problem != "":
	case ctx.Err() != nil:
		r.problem = LogReadStopped
	default:
		r.problem = fmt.Sprintf("%s (still failing %v after the storm)", r.retryErr, finishRetryFor)
	}
	for k, n := range r.log {
		res.SMDPLog[k] += n
	}
	if r.problem != "" {
		res.Unchecked = append(res.Unchecked, fmt.Sprintf(uncheckedSMDP+"%s log: %s", r.op, r.problem))
		res.SMDPUnread = true
	}
}
