package smdp

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// step is where a download session stands (SGP.22 §3.1.3 order of calls).
type step int

const (
	awaitAuthClient step = iota // after initiateAuthentication
	awaitBPP                    // after authenticateClient
	bppSent                     // after getBoundProfilePackage
	// refused: authenticateClient or getBoundProfilePackage answered
	// with a function error. The session takes no further call but the
	// LPA's cancelSession: the eUICC still holds its side open after
	// AuthenticateServer, and the LPA ends it with ES10b CancelSession
	// and hands the signed result to the SM-DP+ (SGP.22 §3.0.2, the
	// Common Cancel Session procedure; lpac does so after any error).
	refused
	closed // cancelled, or ended by an install result
)

func (st step) String() string {
	return [...]string{"awaiting authenticateClient", "awaiting getBoundProfilePackage", "package sent", "refused", "closed"}[st]
}

// transaction is one download session's server-side state.
type transaction struct {
	id              []byte
	expires         time.Time
	step            step
	serverChallenge []byte
	euiccChallenge  []byte

	// Known after authenticateClient.
	eid             string
	euiccPub        *ecdsa.PublicKey
	order           *order
	euiccSignature1 []byte
	smdpSignature2  []byte // raw r‖s
	// tac is the device's type allocation code from ctxParams1.deviceInfo
	// (SGP.22 §4.2), what an SM-DP+ checks device compatibility against.
	tac string
	// elements is the order's SAIP package, built once for the room check
	// and bound by getBoundProfilePackage.
	elements []byte
}

// order is a download order (what ES2+ DownloadOrder/ConfirmOrder would
// create): a profile reserved for one EID under a matching ID.
type order struct {
	matchingID string
	eid        string
	seq        int
	profile    Profile
	state      string // "released", "downloaded", "installed", "error"
	// sent holds the transactionIds its packages went out under (Server.sent's
	// keys): a package refused by cancelSession (postponed) goes again.
	sent []string
}

// sentPackage is what an install result is checked and applied against
// once its session may be gone: the card the package went to, the key
// its session learnt in authenticateClient, and its order.
type sentPackage struct {
	eid   string
	pub   *ecdsa.PublicKey
	order *order
}

// lookup returns the live session id at step want, or the ES9+ error:
// unknown (never issued, forgotten or closed), expired, or out of order.
func (s *Server) lookup(id []byte, want step) (*transaction, error) {
	t := s.tx[hexID(id)]
	if t == nil {
		return nil, fail(es9.SubjectTransactionID, es9.ReasonUnknown, "unknown transactionId")
	}
	if !s.cfg.Now().Before(t.expires) {
		t.step = closed
		delete(s.tx, hexID(id))
		return nil, fail(es9.SubjectDownloadOrder, es9.ReasonTTLExpired, "transaction expired")
	}
	if t.step != want {
		return nil, fail(es9.SubjectTransactionID, es9.ReasonUnknown, "transaction is %s, not %s", t.step, want)
	}
	return t, nil
}

// newTransaction makes a session with a random transactionId and server
// challenge (Config.Random: they never reach the event log). The oldest
// session goes when the server holds MaxSessions (Config.MaxSessions).
func (s *Server) newTransaction(euiccChallenge []byte) (*transaction, error) {
	now := s.cfg.Now()
	t := &transaction{id: make([]byte, 16), serverChallenge: make([]byte, 16), euiccChallenge: euiccChallenge,
		expires: now.Add(s.cfg.TransactionTTL)}
	if err := rsp.Nonce(s.cfg.Random, t.id); err != nil {
		return nil, fmt.Errorf("transactionId: %w", err)
	}
	if err := rsp.Nonce(s.cfg.Random, t.serverChallenge); err != nil {
		return nil, fmt.Errorf("serverChallenge: %w", err)
	}
	s.expireLocked(now)
	for len(s.tx) >= s.cfg.MaxSessions {
		s.dropOldestLocked()
	}
	s.tx[hexID(t.id)] = t
	s.txOrder = append(s.txOrder, t)
	return t, nil
}

// DefaultMaxSessions bounds the sessions a server holds (open, or ended
// within their TTL) when Config.MaxSessions is zero: an LPA goes from
// initiateAuthentication to its package in seconds, while a session nobody
// comes back for is held for the whole TTL (outside tester t71 F4: 60,000
// abandoned ones took 47 MB and slowed every call).
const DefaultMaxSessions = 10000

// expireLocked forgets the sessions whose TTL has ended, oldest first:
// every session has the same TTL, so txOrder (creation order) is expiry
// order, and the walk stops at the first one still live — a request
// costs what expired since the last, not a sweep of every session.
func (s *Server) expireLocked(now time.Time) {
	for s.txHead < len(s.txOrder) {
		t := s.txOrder[s.txHead]
		if s.tx[hexID(t.id)] == t && now.Before(t.expires) {
			return
		}
		s.dropOldestLocked()
	}
}

// dropOldestLocked forgets the oldest session still queued (gone from the
// map already — expired at a lookup — or not): its later calls are
// answered as for any session the server does not know, 8.10.1/3.9. Why
// the oldest rather than refusing new sessions: SGP.22 §5.6.1 gives
// initiateAuthentication no status for a busy server, and refusing would
// lock every card out for a TTL after a flood, whereas the oldest
// sessions are the abandoned ones — an LPA finishes its own in seconds.
func (s *Server) dropOldestLocked() {
	if s.txHead >= len(s.txOrder) {
		return
	}
	t := s.txOrder[s.txHead]
	s.txOrder[s.txHead] = nil
	s.txHead++
	if k := hexID(t.id); s.tx[k] == t {
		delete(s.tx, k)
	}
	if s.txHead > 1024 && s.txHead*2 > len(s.txOrder) {
		// Keep the queue's array in proportion to what it holds.
		s.txOrder = append(s.txOrder[:0], s.txOrder[s.txHead:]...)
		s.txHead = 0
	}
}

// maxOrders bounds the number of outstanding orders (released or
// downloaded, not yet installed or failed): what a card may still come
// for. Finished orders stay a while (DefaultMaxFinished) but do not count, so
// a storm of thousands of downloads is not refused after the 4096th.
// Config.MaxOrders changes it.
const DefaultMaxOrders = 4096

// DefaultMaxFinished bounds, when Config.MaxFinished is zero, the finished
// orders an SM-DP+ keeps and, apart, the notifications it remembers as
// taken: `esimhil serve` runs for days (outside tester t86 F9), and what a
// finished order is kept for — telling a second confirmOrder or a reused
// matching ID it was used, a repeated install result that it was taken —
// comes within minutes of its end. An order and its install result are a
// few hundred bytes: 10,000 of each are a few MB.
const DefaultMaxFinished = 10000

// setState moves an order and keeps the count of outstanding ones. An
// order that finishes (installed, error: neither ever moves again) joins
// the finished ones kept, and the oldest kept past Config.MaxFinished goes.
func (s *Server) setState(o *order, state string) {
	open := func(st string) bool { return st == "released" || st == "downloaded" }
	switch {
	case open(o.state) && !open(state):
		s.outstanding--
	case !open(o.state) && open(state):
		s.outstanding++
	}
	o.state = state
	if !open(state) {
		if old, ok := s.finished.push(o); ok {
			s.forgetLocked(old)
		}
	}
}

// forgetLocked drops a finished order and its packages' records: its
// matching ID and ICCID are then unknown to ES9+ and ES2+, and an install
// result for one of its packages is discarded as for an unknown
// transactionId (docs/conformance.md).
func (s *Server) forgetLocked(o *order) {
	if s.orders[o.matchingID] == o {
		delete(s.orders, o.matchingID)
	}
	if s.released[o.profile.ICCID] == o {
		delete(s.released, o.profile.ICCID)
	}
	for _, id := range o.sent {
		delete(s.sent, id)
	}
	o.sent = nil
}

// keep holds the newest max values pushed, in a ring.
type keep[T any] struct {
	ring []T
	next int
	max  int
}

// push adds v and returns the oldest value, which it let go, when it
// already held max.
func (k *keep[T]) push(v T) (old T, ok bool) {
	if len(k.ring) < k.max {
		k.ring = append(k.ring, v)
		return old, false
	}
	old, k.ring[k.next] = k.ring[k.next], v
	k.next = (k.next + 1) % k.max
	return old, true
}

// Order reserves a new profile for eid (the platform forwarding a download
// request, SGP.22 ES2+ DownloadOrder + ConfirmOrder with releaseFlag) and
// returns the SM-DP+ address and matching ID for the activation code
// (LPA:1$<address>$<matching id>).
func (s *Server) Order(eid string) (smdpAddress, matchingID string, err error) {
	if !ident.IsEID(eid) {
		return "", "", fmt.Errorf("smdp %s: order: %q is not an EID", s.cfg.Operator, eid)
	}
	s.mu.Lock()
	if err := s.roomLocked(); err != nil {
		s.mu.Unlock()
		return "", "", err
	}
	o := s.newOrderLocked(eid)
	o.matchingID = orderMatchingID(eid, o.seq)
	s.setState(o, "released")
	s.orders[o.matchingID] = o
	s.released[o.profile.ICCID] = o
	s.mu.Unlock()
	s.emit(KindOrder, eventlog.F{"operator": s.cfg.Operator, "matching_id": o.matchingID})
	// The address the card is given is the SM-DP+'s FQDN alone (port 443
	// implied, as in activation codes); the rig resolves it to the loopback
	// port, so the address never varies from run to run.
	return s.cfg.Host, o.matchingID, nil
}

// roomLocked refuses an order past the bound on outstanding ones (those
// reserved by ES2+ DownloadOrder and not yet confirmed count too).
func (s *Server) roomLocked() error {
	limit := s.cfg.MaxOrders
	if limit <= 0 {
		limit = DefaultMaxOrders
	}
	if s.outstanding+len(s.allocated) >= limit {
		return errors.New("smdp: too many outstanding orders")
	}
	return nil
}

// newOrderLocked reserves the next profile for eid ("" until ES2+
// ConfirmOrder names it).
func (s *Server) newOrderLocked(eid string) *order {
	s.nOrders++
	return &order{eid: eid, seq: s.nOrders, profile: s.cfg.NewProfile(s.nOrders)}
}

// findOrder returns the released order for matchingID (or, with an empty
// matching ID, the oldest released order for eid: the default SM-DP+ case).
func (s *Server) findOrder(matchingID, eid string) (*order, error) {
	if matchingID == "" {
		var best *order
		for _, o := range s.orders {
			if o.eid == eid && o.state == "released" && (best == nil || o.seq < best.seq) {
				best = o
			}
		}
		if best == nil {
			return nil, fail(es9.SubjectMatchingID, es9.ReasonRefused, "no pending order for this EID")
		}
		return best, nil
	}
	o := s.orders[matchingID]
	switch {
	case o == nil:
		return nil, fail(es9.SubjectMatchingID, es9.ReasonRefused, "unknown matching ID")
	case o.eid != eid:
		return nil, fail(es9.SubjectEID, es9.ReasonRefused, "matching ID belongs to another EID")
	case o.state != "released":
		return nil, fail(es9.SubjectMatchingID, es9.ReasonAlreadyUsed, "order already %s", o.state)
	}
	return o, nil
}
