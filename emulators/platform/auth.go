package platform

import (
	"fmt"
	"maps"
	"net/http"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Request authentication (DESIGN.md §4, "requests from the card are
// authenticated"; headers and signed bytes in platformapi). The platform
// checks the chain up to the test CI, the signature over the canonical
// bytes, that the certificate's EID is the body's eid, and that the
// sequence number is strictly greater than the last one accepted for that
// EID, so a recorded request cannot be replayed.

// authenticate checks a card request whose body, already decoded and
// validated, names bodyEID. It returns a 401 answer when the request is
// refused; on success the request's seq is consumed.
func (s *Server) authenticate(r *http.Request, body []byte, bodyEID string) (answer, bool) {
	if s.ci == nil {
		return answer{}, true // authentication off (Config.CI nil)
	}
	fail := func(format string, a ...any) (answer, bool) {
		return reject(http.StatusUnauthorized, "auth: "+format, a...), false
	}
	h, err := platformapi.ParseAuthHeaders(r.Header)
	if err != nil {
		return fail("%v", err)
	}
	eid, pub, err := rsp.Chains.VerifyEUICC(s.ci, h.EUM, h.EUICC, s.clk.Now())
	for _, ci := range s.moreCIs {
		if err == nil {
			break
		}
		var err2 error
		if eid, pub, err2 = rsp.Chains.VerifyEUICC(ci, h.EUM, h.EUICC, s.clk.Now()); err2 == nil {
			err = nil
		}
	}
	if err != nil {
		return fail("certificate chain: %v", err)
	}
	if err := rsp.Verify(pub, platformapi.CanonicalBytes(r.Method, r.URL.Path, h.Seq, body), h.Signature); err != nil {
		return fail("signature: %v", err)
	}
	// Every card route carries the EID in the body; it must be the signer's.
	if bodyEID != eid {
		return fail("eid %q in the body is not the certificate's %s", platformapi.Truncate(bodyEID), eid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last, seen := s.lastSeq[eid]
	switch {
	case seen && h.Seq <= last:
		return reject(http.StatusUnauthorized, platformapi.ReasonReplay+"seq %d not above %d, the last accepted for %s", h.Seq, last, eid), false
	case h.Seq-last > platformapi.MaxSeqStep:
		// A jump this large would bring the EID's counter within reach of
		// MaxSeq, after which no seq would be left for it.
		above := fmt.Sprintf("%d, the last accepted for %s", last, eid)
		if !seen {
			above = "0 (none accepted yet for " + eid + ")"
		}
		return fail("seq %d more than %d above %s", h.Seq, uint64(platformapi.MaxSeqStep), above)
	}
	if s.onReplay != nil {
		// Stored before the request is served: a platform restarted from
		// its counters refuses what it accepted before.
		next := maps.Clone(s.lastSeq)
		next[eid] = h.Seq
		if err := s.onReplay(next); err != nil {
			return reject(http.StatusInternalServerError, "replay counter not stored: %v", err), false
		}
	}
	s.lastSeq[eid] = h.Seq
	return answer{}, true
}
