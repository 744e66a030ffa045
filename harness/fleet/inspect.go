package fleet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// inspector reads an external platform's request log (GET
// /v1/inspect/received, docs/platform-api.md) as the storm goes, page by
// page, so that a platform keeping only its newest requests still shows
// each one once.
type inspector struct {
	base   string
	client *http.Client
	offset int
	seen   map[string]bool // eid|kind|report of numbered reports counted
	// ours holds the EIDs of this storm's devices (nil: all): the other
	// shards of a storm against one platform write to the same log, and
	// each shard counts only its own cards' notifications, so that their
	// merge counts each once.
	ours map[string]bool
	// problem, once set, says why the log could not be read whole.
	problem string
	last    time.Time
	// sentAtRead is how many requests the cards had sent when the log was
	// last read to its end with no exchange in flight: everything up to
	// it is read, so the cards' count less it bounds what is unread.
	sentAtRead int
	// maxBehind is that bound: past it the storm's clock waits for the
	// reader (maxUnread).
	maxBehind int
}

const (
	inspectTimeout = 10 * time.Second
	inspectPage    = 1000
	// inspectEvery bounds how often (wall clock) the log is read.
	inspectEvery = 200 * time.Millisecond
)

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
	client := &http.Client{Timeout: inspectTimeout}
	if tc != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		client.Transport = tr
	}
	return &inspector{base: strings.TrimSuffix(base, "/"), client: client, seen: map[string]bool{}, maxBehind: maxUnread}
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
	if err != nil {
		var verify *tls.CertificateVerificationError
		switch {
		case strings.Contains(err.Error(), "answered"):
			in.problem = err.Error()
			return nil // it answers, but has no log to read
		case errors.As(err, &verify):
			return fmt.Errorf("GET %s: certificate refused: %w", platformapi.PathInspect, tlsProblem(err, name, seed))
		}
		var nerr net.Error
		if errors.As(err, &nerr) && nerr.Timeout() {
			// Connected, and then silent: the route hangs.
			return fmt.Errorf("GET %s: no answer within %v", platformapi.PathInspect, in.client.Timeout)
		}
		return fmt.Errorf("not reachable: %w", err)
	}
	in.offset = *p.Total // requests before the storm are not the storm's
	return nil
}

// page reads one page of the log. A 200 that is no page (an error
// object, a required member missing) is refused: read as an empty page it
// would call every notification lost.
func (in *inspector) page(offset, limit int) (*platformapi.InspectPage, error) {
	u := fmt.Sprintf("%s%s?offset=%d&limit=%d", in.base, platformapi.PathInspect, offset, limit)
	resp, err := in.client.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s answered %d", platformapi.PathInspect, resp.StatusCode)
	}
	p, err := platformapi.DecodeInspectPage(b)
	if err != nil {
		return nil, fmt.Errorf("GET %s answered %d with a body that is not a page of its log: %w", platformapi.PathInspect, resp.StatusCode, err)
	}
	return &p, nil
}

// keepUp is called between the storm's steps, with no exchange in flight
// (the loop settled) and virtual time standing still, sent being the
// cards' requests so far. It reads the log every inspectEvery of wall
// time and, whatever the time, once the cards have sent maxBehind since
// the last complete read: virtual time moves on only once the reader has
// caught up, so a storm outrunning the reader slows to its pace instead
// of leaving requests to drop out of the platform's log unread.
//
// Others may write to the same log (the other shards of a storm against
// one platform): then it fills faster than this storm's cards alone fill
// it, and the bound shrinks by the share of the log that is theirs, as
// the last read measured it.
func (in *inspector) keepUp(r *Result, sent int) {
	if in.problem != "" || (sent-in.sentAtRead < in.maxBehind && time.Since(in.last) < inspectEvery) {
		return
	}
	in.last = time.Time{}
	before := in.offset
	in.poll(r)
	in.maxBehind = behindBound(sent-in.sentAtRead, in.offset-before)
	in.sentAtRead = sent
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

// poll reads what arrived since the last read (at most every
// inspectEvery), page after page of the most the API gives.
func (in *inspector) poll(r *Result) {
	if in.problem != "" || time.Since(in.last) < inspectEvery {
		return
	}
	in.last = time.Now()
	for {
		p, err := in.page(in.offset, inspectPage)
		if err != nil {
			in.problem = err.Error()
			return
		}
		if p.Dropped > in.offset {
			in.problem = fmt.Sprintf("the platform dropped requests %d…%d from its log before they were read", in.offset, p.Dropped-1)
			return
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
			in.count(r, e.Path, e.Status, e.Body)
			in.offset = e.Index + 1
		}
		if p.Next == nil || len(p.Entries) == 0 {
			return
		}
	}
}

func (in *inspector) count(r *Result, path string, status int, body string) {
	if path != platformapi.PathNotifications || status != http.StatusOK {
		return
	}
	n, err := platformapi.DecodeNotification([]byte(body))
	if err != nil || (in.ours != nil && !in.ours[n.EID]) {
		return
	}
	key := n.EID + "|" + n.Kind
	if n.Report != 0 {
		// A numbered report sent again after a lost answer: the platform
		// takes it once (docs/platform-api.md).
		id := fmt.Sprintf("%s|%d", key, n.Report)
		if in.seen[id] {
			return
		}
		in.seen[id] = true
	}
	r.PlatformLog[key]++
}

// finish reads the rest and records what could not be checked.
func (in *inspector) finish(r *Result) {
	in.last = time.Time{}
	in.poll(r)
	if in.problem != "" {
		r.Unchecked = append(r.Unchecked, "platform log: "+in.problem)
		r.PlatformUnread = true
	}
}
