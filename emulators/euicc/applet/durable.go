package applet

import (
	"bytes"
	"slices"
)

// durableEqual reports whether the durable states a and b (State.durable)
// are equal field by field. Equal states have the same JSON, so Step may
// skip encoding a state equal to the last one persisted; unequal ones are
// encoded and compared as JSON, which alone decides a write. Every JSON
// field is compared (TestDurableEqualCoversEveryField), and a slice
// without omitempty by its nil-ness too (null is not []).
func durableEqual(a, b *State) bool {
	return a.Version == b.Version &&
		slices.Equal(a.Profiles, b.Profiles) &&
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
		slices.Equal(a.Outbox, b.Outbox) &&
		a.OutboxRetry == b.OutboxRetry &&
		ptrEqual(a.Retry, b.Retry, retryEqual) &&
		a.RetryDue == b.RetryDue &&
		a.Online == b.Online &&
		a.Serving == b.Serving &&
		a.AttachArmed == b.AttachArmed
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
		ptrEqual(a.Download, b.Download, downloadEqual)
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
		ptrEqual(a.Profile, b.Profile, func(a, b *Profile) bool { return *a == *b }) &&
		a.Failed == b.Failed &&
		a.Refused == b.Refused
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
