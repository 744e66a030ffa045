package platform

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Orderer is an operator's SM-DP+ order interface (SGP.22 ES2+
// DownloadOrder + ConfirmOrder collapsed into one call): it prepares a
// profile for eid and returns where and with which matching ID the card
// fetches it.
type Orderer interface {
	Order(eid string) (smdpAddress, matchingID string, err error)
}

// Eligibility is the platform's download policy (claim 4).
type Eligibility struct {
	// AllowEIDs lists the EIDs that may download; empty allows every EID.
	AllowEIDs []string
	// QuotaPerDay bounds forwarded downloads per EID per (virtual, UTC) day;
	// 0 means unlimited.
	QuotaPerDay int
}

// Faults are the platform misbehaviours a scenario can switch on.
type Faults struct {
	// NoAck makes POST /v1/notifications answer 503 without accepting the
	// notification, so the card must keep it and send it again later.
	NoAck bool
}

// Eligibility refusal reasons (the text after "eligibility: ").
const (
	ReasonEIDNotAllowed = "eid not allowed"
	ReasonNoContract    = "no contract with operator"
	ReasonQuota         = "daily quota reached"
)

// day is the UTC calendar day of t, the quota's unit.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// download runs the eligibility check (claim 4) and forwards an eligible
// request to the operator's SM-DP+.
func (s *Server) download(req platformapi.DownloadRequest) answer {
	s.mu.Lock()
	op, known := s.cat.byID[req.Operator]
	s.mu.Unlock()
	if !known {
		return reject(http.StatusBadRequest, "operator: unknown %q", req.Operator)
	}
	s.log.Emit(eventlog.Platform, KindDownloadRequested, eventlog.F{"eid": req.EID, "operator": req.Operator})

	today := day(s.clk.Now())
	refused := s.injected(FaultEligibilityRefused, req.Operator, false)
	s.mu.Lock()
	reason := ""
	switch {
	case refused, len(s.elig.AllowEIDs) > 0 && !slices.Contains(s.elig.AllowEIDs, req.EID):
		reason = ReasonEIDNotAllowed
	case op.Orderer == nil:
		reason = ReasonNoContract + " " + op.ID
	case s.elig.QuotaPerDay > 0 && s.quota[req.EID].day == today && s.quota[req.EID].n >= s.elig.QuotaPerDay:
		reason = fmt.Sprintf("%s (%d per day)", ReasonQuota, s.elig.QuotaPerDay)
	default:
		// Reserve the slot now; a failed order gives it back.
		q := s.quota[req.EID]
		if q.day != today {
			q = dayCount{day: today}
		}
		q.n++
		s.quota[req.EID] = q
	}
	s.mu.Unlock()
	f := eventlog.F{"ok": reason == "", "reason": reason}
	if refused {
		// The refusal a real platform gives an EID it does not allow,
		// injected: the evidence says so, where the answer cannot.
		f["fault"] = FaultEligibilityRefused
	}
	s.log.Emit(eventlog.Platform, KindEligibility, f)
	if reason != "" {
		return reject(http.StatusForbidden, "eligibility: %s", reason)
	}

	// Called without s.mu: the SM-DP+ takes its own locks and logs events.
	addr, mid, err := op.Orderer.Order(req.EID)
	if err == nil && (addr == "" || mid == "") {
		err = errors.New("empty SM-DP+ address or matching ID")
	}
	if err != nil {
		s.mu.Lock()
		if q := s.quota[req.EID]; q.day == today && q.n > 0 {
			q.n--
			s.quota[req.EID] = q
		}
		s.mu.Unlock()
		return reject(http.StatusBadGateway, "order at operator %s: %v", op.ID, err)
	}
	s.log.Emit(eventlog.Platform, KindDownloadForwarded, eventlog.F{"operator": op.ID})
	return answer{status: http.StatusOK, body: platformapi.DownloadResponse{
		Operator: op.ID, SMDPAddress: addr, MatchingID: mid,
		ActivationCode: platformapi.ActivationCode(addr, mid),
	}}
}

// dayCount is one EID's forwarded downloads on one day.
type dayCount struct {
	day string
	n   int
}
