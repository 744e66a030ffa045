package smdp

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/ident"
)

// step is where a download session stands (SGP.22 §3.1.3 order of calls).
type step int

const (
	awaitAuthClient step = iota // after initiateAuthentication
	awaitBPP                    // after authenticateClient
	bppSent                     // after getBoundProfilePackage
	closed                      // cancelled or failed
)

func (st step) String() string {
	return [...]string{"awaiting authenticateClient", "awaiting getBoundProfilePackage", "package sent", "closed"}[st]
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
}

// order is a download order (what ES2+ DownloadOrder/ConfirmOrder would
// create): a profile reserved for one EID under a matching ID.
type order struct {
	matchingID string
	eid        string
	seq        int
	profile    Profile
	state      string // "released", "downloaded", "installed"
}

// lookup returns the live session id at step want, or the ES9+ error:
// unknown (never issued, forgotten or closed), expired, or out of order.
func (s *Server) lookup(id []byte, want step) (*transaction, error) {
	t := s.tx[hexID(id)]
	if t == nil {
		return nil, fail(subjTransactionID, reasonUnknown, "unknown transactionId")
	}
	if !s.cfg.Now().Before(t.expires) {
		t.step = closed
		delete(s.tx, hexID(id))
		return nil, fail(subjDownloadOrder, reasonTTLExpired, "transaction expired")
	}
	if t.step != want {
		return nil, fail(subjTransactionID, reasonUnknown, "transaction is %s, not %s", t.step, want)
	}
	return t, nil
}

// newTransaction makes a session with a random transactionId and server
// challenge (Config.Random: they never reach the event log).
func (s *Server) newTransaction(euiccChallenge []byte) (*transaction, error) {
	t := &transaction{id: make([]byte, 16), serverChallenge: make([]byte, 16), euiccChallenge: euiccChallenge,
		expires: s.cfg.Now().Add(s.cfg.TransactionTTL)}
	if err := rsp.Nonce(s.cfg.Random, t.id); err != nil {
		return nil, fmt.Errorf("transactionId: %w", err)
	}
	if err := rsp.Nonce(s.cfg.Random, t.serverChallenge); err != nil {
		return nil, fmt.Errorf("serverChallenge: %w", err)
	}

	s.gcLocked()
	s.tx[hexID(t.id)] = t
	return t, nil
}

// gcLocked forgets expired sessions so the store stays bounded.
func (s *Server) gcLocked() {
	now := s.cfg.Now()
	for k, t := range s.tx {
		if !now.Before(t.expires) || t.step == closed {
			delete(s.tx, k)
		}
	}
}

// maxOrders bounds the number of outstanding orders (released or
// downloaded, not yet installed or failed): what a card may still come
// for. Finished orders stay for their notifications but do not count, so
// a storm of thousands of downloads is not refused after the 4096th.
// Config.MaxOrders changes it.
const DefaultMaxOrders = 4096

// setState moves an order and keeps the count of outstanding ones.
func (s *Server) setState(o *order, state string) {
	open := func(st string) bool { return st == "released" || st == "downloaded" }
	switch {
	case open(o.state) && !open(state):
		s.outstanding--
	case !open(o.state) && open(state):
		s.outstanding++
	}
	o.state = state
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
			return nil, fail(subjMatchingID, reasonRefused, "no pending order for this EID")
		}
		return best, nil
	}
	o := s.orders[matchingID]
	switch {
	case o == nil:
		return nil, fail(subjMatchingID, reasonRefused, "unknown matching ID")
	case o.eid != eid:
		return nil, fail(subjEID, reasonRefused, "matching ID belongs to another EID")
	case o.state != "released":
		return nil, fail(subjMatchingID, reasonAlreadyUsed, "order already %s", o.state)
	}
	return o, nil
}
