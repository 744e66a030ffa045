package applet

import (
	"bytes"
	"math"
	"slices"
	"unicode/utf8"
)

// durableChanged reports whether the durable state d encodes otherwise
// than saved, the last one persisted: whether Step is to persist it.
// Comparing the fields is several times cheaper than encoding. savedPlain
// is plainDurable(saved), which Step keeps; dPlain, if d changed, is
// plainDurable(d), for Step to keep with it.
func durableChanged(d, saved *State, savedPlain bool) (changed, dPlain bool) {
	if durableEqual(d, saved) {
		return false, false
	}
	// Unequal states encode differently, but for a string that is not
	// UTF-8 or a float that does not encode: their JSON decides, as it
	// always did (and Marshal's failure panics as it did).
	dPlain = plainDurable(d)
	if !dPlain || !savedPlain {
		return !bytes.Equal(mustJSON(*d), mustJSON(*saved)), dPlain
	}
	return true, dPlain
}

// durableEqual reports whether the durable states a and b (State.durable)
// have the same JSON, without encoding them: every JSON field is compared
// (TestDurableCoversEveryField), a slice without omitempty by its
// nil-ness too (null is not []). Equal fields encode alike; unequal ones
// differently, as long as both are plainDurable.
func durableEqual(a, b *State) bool {
	return a.Version == b.Version &&
		slices.EqualFunc(a.Profiles, b.Profiles, profileEqual) &&
		a.Home == b.Home &&
		a.Mode == b.Mode &&
		ptrEqual(a.Cycle, b.Cycle, cycleEqual) &&
		ptrEqual(a.List, b.List, listEqual) &&
		slices.Equal(a.InFlight, b.InFlight) &&
		a.LastReq == b.LastReq &&
		a.PlatformSeq == b.PlatformSeq &&
		a.LastReport == b.LastReport &&
		a.Checks == b.Checks &&
		a.NoService == b.NoService &&
		slices.Equal(a.Backoff, b.Backoff) &&
		a.PlatformFailures == b.PlatformFailures &&
		a.PlatformUntil == b.PlatformUntil &&
		ptrEqual(a.Stranded, b.Stranded, func(a, b *Stranded) bool { return *a == *b }) &&
		ptrEqual(a.LeftArea, b.LeftArea, func(a, b *LeftArea) bool {
			return a.From == b.From && a.Country == b.Country && a.To == b.To && slices.Equal(a.Operators, b.Operators) && slices.Equal(a.PLMNs, b.PLMNs)
		}) &&
		slices.Equal(a.Outbox, b.Outbox) &&
		a.OutboxRetry == b.OutboxRetry &&
		ptrEqual(a.Retry, b.Retry, retryEqual) &&
		a.RetryDue == b.RetryDue &&
		a.Online == b.Online &&
		a.Serving == b.Serving &&
		slices.Equal(a.Measured, b.Measured) &&
		a.AttachArmed == b.AttachArmed &&
		slices.Equal(a.SMDPs, b.SMDPs) &&
		slices.Equal(a.NoRoom, b.NoRoom)
}

func ptrEqual[T any](a, b *T, eq func(a, b *T) bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return eq(a, b)
}

func cycleEqual(a, b *Cycle) bool {
	return a.Trigger == b.Trigger &&
		a.Area == b.Area &&
		a.Country == b.Country &&
		a.Serving == b.Serving &&
		a.Original == b.Original &&
		a.ListID == b.ListID &&
		slices.Equal(a.Ops, b.Ops) &&
		a.Next == b.Next &&
		slices.Equal(a.Tried, b.Tried) &&
		a.Attempts == b.Attempts &&
		slices.Equal(a.Failed, b.Failed) &&
		a.Current == b.Current &&
		a.Target == b.Target &&
		a.Booted == b.Booted &&
		ptrEqual(a.Download, b.Download, downloadEqual) &&
		a.EnableAfterNote == b.EnableAfterNote &&
		slices.Equal(a.Abroad, b.Abroad) &&
		slices.Equal(a.Visible, b.Visible)
}

// downloadEqual leaves out Segments, which is not persisted (json:"-").
func downloadEqual(a, b *Download) bool {
	return a.Operator == b.Operator &&
		a.PLMN == b.PLMN &&
		a.Step == b.Step &&
		a.SMDP == b.SMDP &&
		a.MatchingID == b.MatchingID &&
		bytes.Equal(a.Challenge, b.Challenge) &&
		a.TxID == b.TxID &&
		a.Seg == b.Seg &&
		a.Seq == b.Seq &&
		ptrEqual(a.Profile, b.Profile, func(a, b *Profile) bool { return profileEqual(*a, *b) }) &&
		a.Failed == b.Failed &&
		a.Refused == b.Refused &&
		a.ServerGone == b.ServerGone &&
		a.Unsent == b.Unsent
}

// listEqual: Operators has no omitempty, so nil (null) differs from empty.
func listEqual(a, b *PreferredList) bool {
	return a.ListID == b.ListID &&
		a.Country == b.Country &&
		a.OrderBy == b.OrderBy &&
		(a.Operators == nil) == (b.Operators == nil) &&
		slices.Equal(a.Operators, b.Operators)
}

func retryEqual(a, b *NotifRetry) bool {
	return a.Step == b.Step &&
		slices.Equal(a.Seqs, b.Seqs) &&
		a.Address == b.Address &&
		a.Kind == b.Kind &&
		a.ICCID == b.ICCID
}

// durableCopy is s's durable part, deep-copied: Step compares the next
// state with it.
func durableCopy(s State) State { return durableOf(s.clone(), &s) }

// durableOf is the durable part of c, a clone of s, sharing c's slices.
// clone makes an empty Operators nil, which encodes as null: the result
// keeps it empty, as s encodes it.
func durableOf(c State, s *State) State {
	d := c.durable()
	if s.List != nil && s.List.Operators != nil && d.List.Operators == nil {
		l := *d.List
		l.Operators = []ListOperator{}
		d.List = &l
	}
	return d
}

// plainDurable reports whether every string of s is UTF-8 and every float
// finite: then unequal fields make unequal JSON. json.Marshal writes any
// bad byte of a string as U+FFFD, and refuses NaN and infinities.
// TestDurableCoversEveryField holds it to State's fields.
func plainDurable(s *State) bool {
	ok := utf8.ValidString(s.Home) && utf8.ValidString(string(s.Mode)) && utf8.ValidString(s.Serving) && plainStrings(s.Measured)
	for _, p := range s.Profiles {
		ok = ok && plainProfile(&p)
	}
	if c := s.Cycle; c != nil {
		ok = ok && utf8.ValidString(c.Trigger) && utf8.ValidString(c.Area) && utf8.ValidString(c.Country) && utf8.ValidString(c.Serving) &&
			utf8.ValidString(c.Original) && utf8.ValidString(c.ListID) && plainOps(c.Ops) &&
			plainStrings(c.Tried) && plainStrings(c.Failed) && utf8.ValidString(c.Current) && utf8.ValidString(c.Target) &&
			plainStrings(c.Visible)
		for _, ab := range c.Abroad {
			ok = ok && utf8.ValidString(ab.ICCID) && utf8.ValidString(ab.Operator)
		}
		if d := c.Download; d != nil {
			ok = ok && utf8.ValidString(d.Operator) && utf8.ValidString(d.PLMN) && utf8.ValidString(d.Step) &&
				utf8.ValidString(d.SMDP) && utf8.ValidString(d.MatchingID) && utf8.ValidString(d.TxID) &&
				utf8.ValidString(d.Failed) && (d.Profile == nil || plainProfile(d.Profile))
		}
	}
	if l := s.List; l != nil {
		ok = ok && utf8.ValidString(l.ListID) && utf8.ValidString(l.Country) && utf8.ValidString(l.OrderBy) && plainOps(l.Operators)
	}
	for _, r := range s.InFlight {
		ok = ok && utf8.ValidString(r.Answer) && utf8.ValidString(r.Owner)
	}
	for _, b := range s.Backoff {
		ok = ok && utf8.ValidString(b.Operator) && utf8.ValidString(b.Area) && utf8.ValidString(b.Country)
	}
	if t := s.Stranded; t != nil {
		ok = ok && utf8.ValidString(t.ICCID) && utf8.ValidString(t.Operator) && utf8.ValidString(t.Area) && utf8.ValidString(t.Country)
	}
	if l := s.LeftArea; l != nil {
		ok = ok && utf8.ValidString(l.From) && utf8.ValidString(l.Country) && utf8.ValidString(l.To) && plainStrings(l.Operators) && plainStrings(l.PLMNs)
	}
	for _, n := range s.Outbox {
		ok = ok && utf8.ValidString(n.Kind) && utf8.ValidString(n.Operator) && utf8.ValidString(n.ICCID) && utf8.ValidString(n.PLMN)
	}
	if r := s.Retry; r != nil {
		ok = ok && utf8.ValidString(r.Step) && utf8.ValidString(r.Address) && utf8.ValidString(r.Kind) && utf8.ValidString(r.ICCID)
	}
	for _, e := range s.SMDPs {
		ok = ok && utf8.ValidString(e.Address) && utf8.ValidString(e.Operator)
	}
	for _, r := range s.NoRoom {
		ok = ok && utf8.ValidString(r.Operator)
	}
	return ok
}

func plainProfile(p *Profile) bool {
	return utf8.ValidString(p.ICCID) && utf8.ValidString(p.Operator) && utf8.ValidString(p.HomePLMN) && plainStrings(p.EHPLMNs)
}

func plainOps(ops []ListOperator) bool {
	for _, o := range ops {
		if !utf8.ValidString(o.ID) || !utf8.ValidString(o.PLMN) || math.IsNaN(o.Tariff) || math.IsInf(o.Tariff, 0) {
			return false
		}
	}
	return true
}

func plainStrings(ss []string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// profileEqual compares two profiles field by field, EHPLMNs by content.
func profileEqual(a, b Profile) bool {
	return a.ICCID == b.ICCID && a.Operator == b.Operator && a.HomePLMN == b.HomePLMN &&
		slices.Equal(a.EHPLMNs, b.EHPLMNs) && a.Enabled == b.Enabled && a.Original == b.Original
}
