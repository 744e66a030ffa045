package applet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/esimhil/esimhil/internal/exactjson"
	"github.com/esimhil/esimhil/internal/ident"
)

// maxProfiles bounds the profile list (the card holds at most 64).
const maxProfiles = 64

// maxInFlight bounds the request table: the mode, the outbox and the
// retry each have at most one request out.
const maxInFlight = 8

// DecodeState reads a persisted state (the `applet` member of the card's
// NVM image): the current format (version 2), or the format before the
// explicit modes (no version), which it migrates. Every field is checked;
// an error names the field, e.g. `cycle.target: ICCID "12" …`. Check the
// result against the card's profiles with CheckState.
func DecodeState(b []byte) (State, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return State{Version: StateVersion, Mode: ModeIdle}, nil
	}
	// The version picks the format; the members as written, as everywhere
	// in the image ("Version" is not "version").
	var top map[string]json.RawMessage
	if err := exactjson.Decode(b, &top); err != nil {
		return State{}, fmt.Errorf("applet state: %w", err)
	}
	version, versioned := top["version"]
	var st State
	switch {
	case !versioned || string(version) == "1":
		var old legacyState
		if err := exactjson.Decode(b, &old); err != nil {
			return State{}, fmt.Errorf("applet state (version 1): %w", err)
		}
		var err error
		if st, err = old.migrate(); err != nil {
			return State{}, fmt.Errorf("applet state (version 1): %w", err)
		}
	case string(version) == strconv.Itoa(StateVersion):
		if err := exactjson.Decode(b, &st); err != nil {
			return State{}, fmt.Errorf("applet state: %w", err)
		}
	default:
		return State{}, fmt.Errorf("applet state: version: %.24s, want 1 (migrated) or %d", version, StateVersion)
	}
	recoverListCountry(&st)
	if err := st.Validate(); err != nil {
		return State{}, fmt.Errorf("applet state: %w", err)
	}
	return st, nil
}

// recoverListCountry gives a list cycle persisted before the card kept the
// list's country (Cycle.Country, absent from the previous release's NVM
// and from version 1) the country of the stored list it walks: the list
// is stored with its country whenever a cycle takes it (listAnswer), under
// the same list_id. Without it an upgraded card judged its running cycle
// by the MCCs alone, a PR cycle on 330 leaving "the area" on a PR network
// on 310, where a cycle begun after the upgrade goes on. A cycle on
// another list_id than the stored list's keeps none: nothing says which
// country it was for.
func recoverListCountry(st *State) {
	c, l := st.Cycle, st.List
	if c != nil && l != nil && c.Trigger == TriggerList && c.Country == "" && c.ListID != "" && c.ListID == l.ListID {
		c.Country = l.Country
	}
}

// Validate checks every field's range and the consistency of the mode with
// its data; the error names the field.
func (s *State) Validate() error {
	if s.Version != StateVersion {
		return fmt.Errorf("version: %d, want %d", s.Version, StateVersion)
	}
	if err := validProfiles(s.Profiles); err != nil {
		return err
	}
	has := func(iccid string) bool {
		return slices.ContainsFunc(s.Profiles, func(p Profile) bool { return p.ICCID == iccid })
	}
	if s.Home != "" && len(s.Profiles) > 0 && !has(s.Home) {
		return fmt.Errorf("home: ICCID %s is not in profiles", s.Home)
	}
	if !s.Mode.valid() {
		return fmt.Errorf("mode: unknown %q", s.Mode)
	}
	if s.LastReq < 0 {
		return fmt.Errorf("last_req: %d is negative", s.LastReq)
	}
	if s.NoService < 0 {
		return fmt.Errorf("no_service: %d is negative", s.NoService)
	}
	if s.List != nil {
		if err := s.List.validate(); err != nil {
			return fmt.Errorf("list: %w", err)
		}
	}
	if err := s.validCycle(has); err != nil {
		return err
	}
	if err := s.validInFlight(); err != nil {
		return err
	}
	if len(s.Backoff) > maxBackoff {
		return fmt.Errorf("backoff: %d entries, at most %d", len(s.Backoff), maxBackoff)
	}
	for i, b := range s.Backoff {
		switch {
		case b.Operator == "":
			return fmt.Errorf("backoff[%d].operator: missing", i)
		case b.Failures < 1:
			return fmt.Errorf("backoff[%d].failures: %d, want at least 1", i, b.Failures)
		case b.Until > s.Checks+MaxBackoffPeriods+1:
			return fmt.Errorf("backoff[%d].until: check %d is more than %d checks after check %d", i, b.Until, MaxBackoffPeriods, s.Checks)
		}
	}
	switch {
	case s.PlatformFailures < 0:
		return fmt.Errorf("platform_failures: %d is negative", s.PlatformFailures)
	case s.PlatformUntil > s.Checks+uint64(platformBackoff.Max)+1:
		// The card's own pause is at most platformBackoff.Max checks: a
		// longer one was not written by it, and would hold the list
		// requests back that long.
		return fmt.Errorf("platform_until: check %d is more than %d checks after check %d (the platform's back-off is at most %d periods)", s.PlatformUntil, platformBackoff.Max+1, s.Checks, platformBackoff.Max)
	}
	if t := s.Stranded; t != nil {
		switch {
		case !ident.IsICCID(t.ICCID):
			return fmt.Errorf("stranded.iccid: %s", ident.ExplainICCID(t.ICCID))
		case len(s.Profiles) > 0 && !has(t.ICCID):
			return fmt.Errorf("stranded.iccid: ICCID %s is not in profiles", t.ICCID)
		case t.Operator == "":
			return errors.New("stranded.operator: missing")
		case t.Area != "" && !ident.Digits(t.Area, 3, 3):
			return fmt.Errorf("stranded.area: %q is not an MCC", t.Area)
		}
	}
	if len(s.Outbox) > maxOutbox {
		return fmt.Errorf("outbox: %d notes, at most %d", len(s.Outbox), maxOutbox)
	}
	for i, n := range s.Outbox {
		switch n.Kind {
		case NoteAttachSuccess, NoteAttachFailure, NoteListExhausted, NoteDownloadSuccess:
		default:
			return fmt.Errorf("outbox[%d].kind: unknown %q", i, n.Kind)
		}
		switch {
		case n.Report < 1 || n.Report > s.LastReport:
			return fmt.Errorf("outbox[%d].report: %d outside 1..last_report %d", i, n.Report, s.LastReport)
		case n.ICCID != "" && !ident.IsICCID(n.ICCID):
			return fmt.Errorf("outbox[%d].iccid: %s", i, ident.ExplainICCID(n.ICCID))
		case n.PLMN != "" && !ident.IsPLMN(n.PLMN):
			return fmt.Errorf("outbox[%d].plmn: %q is not 5 or 6 digits", i, n.PLMN)
		}
	}
	if r := s.Retry; r != nil {
		switch r.Step {
		case rtList, rtRetrieve, rtHandle, rtSent:
		default:
			return fmt.Errorf("retry.step: unknown %q", r.Step)
		}
		if (r.Step == rtHandle || r.Step == rtSent) && len(r.Seqs) == 0 {
			return fmt.Errorf("retry.seqs: empty at step %s", r.Step)
		}
	}
	return nil
}

func validProfiles(ps []Profile) error {
	if len(ps) > maxProfiles {
		return fmt.Errorf("profiles: %d, at most %d", len(ps), maxProfiles)
	}
	enabled := 0
	for i, p := range ps {
		switch {
		case !ident.IsICCID(p.ICCID):
			return fmt.Errorf("profiles[%d].iccid: %s", i, ident.ExplainICCID(p.ICCID))
		case p.Operator == "":
			return fmt.Errorf("profiles[%d].operator: missing", i)
		case !ident.IsPLMN(p.HomePLMN):
			return fmt.Errorf("profiles[%d].home_plmn: %q is not 5 or 6 digits", i, p.HomePLMN)
		case slices.ContainsFunc(ps[:i], func(q Profile) bool { return q.ICCID == p.ICCID }):
			return fmt.Errorf("profiles[%d].iccid: %s listed twice", i, p.ICCID)
		}
		for j, e := range p.EHPLMNs {
			if !ident.IsPLMN(e) {
				return fmt.Errorf("profiles[%d].ehplmns[%d]: %q is not 5 or 6 digits", i, j, e)
			}
		}
		if p.Enabled {
			enabled++
		}
	}
	if enabled > 1 {
		return fmt.Errorf("profiles: %d enabled, at most one", enabled)
	}
	return nil
}

func (s *State) validCycle(has func(string) bool) error {
	c := s.Cycle
	switch {
	case s.Mode == ModeIdle && c != nil:
		return errors.New("cycle: set in mode idle")
	case s.Mode == ModeIdle:
		return nil
	case c == nil:
		return fmt.Errorf("cycle: missing in mode %s", s.Mode)
	}
	switch c.Trigger {
	case TriggerList, TriggerHome, TriggerRescue:
	default:
		return fmt.Errorf("cycle.trigger: unknown %q", c.Trigger)
	}
	if err := validOps(c.Ops); err != nil {
		return fmt.Errorf("cycle.ops: %w", err)
	}
	switch {
	case c.Next < 0 || c.Next > len(c.Ops):
		return fmt.Errorf("cycle.next: %d outside 0..%d", c.Next, len(c.Ops))
	case c.Attempts < 0 || c.Attempts > len(c.Ops) || c.Attempts != len(c.Tried):
		return fmt.Errorf("cycle.attempts: %d for %d operators tried of %d", c.Attempts, len(c.Tried), len(c.Ops))
	case c.Area != "" && !ident.Digits(c.Area, 3, 3):
		return fmt.Errorf("cycle.area: %q is not an MCC", c.Area)
	case c.Serving != "" && !ident.IsPLMN(c.Serving):
		return fmt.Errorf("cycle.serving: %q is not 5 or 6 digits", c.Serving)
	case c.Original != "" && !has(c.Original):
		return fmt.Errorf("cycle.original: ICCID %s is not in profiles", c.Original)
	}
	for i, id := range c.Tried {
		if !slices.ContainsFunc(c.Ops, func(o ListOperator) bool { return o.ID == id }) {
			return fmt.Errorf("cycle.tried[%d]: %q is not in cycle.ops", i, id)
		}
	}
	for i, id := range c.Failed {
		if !ident.IsICCID(id) {
			return fmt.Errorf("cycle.failed[%d]: %s", i, ident.ExplainICCID(id))
		}
	}
	needTarget := s.Mode.enabling() || s.Mode.awaiting()
	switch {
	case needTarget && !has(c.Target):
		return fmt.Errorf("cycle.target: ICCID %q is not in profiles (mode %s)", c.Target, s.Mode)
	case s.Mode == ModeAttemptDownloading && c.Download == nil:
		return errors.New("cycle.download: missing in mode attempt.downloading")
	case s.Mode != ModeAttemptDownloading && c.Download != nil:
		return fmt.Errorf("cycle.download: set in mode %s", s.Mode)
	case !s.Mode.fallback() && s.Mode != ModeAwaitingList && c.Current == "":
		return fmt.Errorf("cycle.current: missing in mode %s", s.Mode)
	}
	if d := c.Download; d != nil {
		switch {
		case !slices.Contains(DownloadSteps, d.Step):
			return fmt.Errorf("cycle.download.step: unknown %q", d.Step)
		case d.Operator == "":
			return errors.New("cycle.download.operator: missing")
		case !ident.IsPLMN(d.PLMN):
			return fmt.Errorf("cycle.download.plmn: %q is not 5 or 6 digits", d.PLMN)
		case d.Seg < 0:
			return fmt.Errorf("cycle.download.seg: %d is negative", d.Seg)
		case d.Profile != nil && !ident.IsICCID(d.Profile.ICCID):
			return fmt.Errorf("cycle.download.profile.iccid: %s", ident.ExplainICCID(d.Profile.ICCID))
		}
	}
	return nil
}

func (s *State) validInFlight() error {
	if len(s.InFlight) > maxInFlight {
		return fmt.Errorf("in_flight: %d requests, at most %d", len(s.InFlight), maxInFlight)
	}
	for i, r := range s.InFlight {
		switch {
		case r.ID < 1 || r.ID > s.LastReq:
			return fmt.Errorf("in_flight[%d].id: %d outside 1..last_req %d", i, r.ID, s.LastReq)
		case slices.ContainsFunc(s.InFlight[:i], func(q Request) bool { return q.ID == r.ID }):
			return fmt.Errorf("in_flight[%d].id: %d listed twice", i, r.ID)
		case r.Answer != answerHTTP && r.Answer != answerES10:
			return fmt.Errorf("in_flight[%d].answer: unknown %q", i, r.Answer)
		}
		switch r.Owner {
		case ownerOutbox, ownerRetry:
		case ownerList:
			if s.Mode != ModeAwaitingList {
				return fmt.Errorf("in_flight[%d].owner: a list request in mode %s", i, s.Mode)
			}
		case ownerDownload:
			if s.Mode != ModeAttemptDownloading {
				return fmt.Errorf("in_flight[%d].owner: a download request in mode %s", i, s.Mode)
			}
		default:
			return fmt.Errorf("in_flight[%d].owner: unknown %q", i, r.Owner)
		}
	}
	return nil
}

// CheckState checks a decoded state against the card's own profile list:
// every profile the state points at (home, the cycle's original and
// target) must be on the card. An image where they disagree was not
// written by this card, or was damaged.
func CheckState(s State, card []Profile) error {
	on := func(iccid string) bool {
		return slices.ContainsFunc(card, func(p Profile) bool { return p.ICCID == iccid })
	}
	if s.Home != "" && !on(s.Home) {
		return fmt.Errorf("applet state: home: ICCID %s is not on the card", s.Home)
	}
	if c := s.Cycle; c != nil {
		if c.Original != "" && !on(c.Original) {
			return fmt.Errorf("applet state: cycle.original: ICCID %s is not on the card", c.Original)
		}
		if (s.Mode.enabling() || s.Mode.awaiting()) && !on(c.Target) {
			return fmt.Errorf("applet state: cycle.target: ICCID %s is not on the card", c.Target)
		}
	}
	return nil
}
