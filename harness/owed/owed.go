// Package owed words the notes a card still owed at the end of a run —
// the platform's and the SM-DP+s' — from run_ended to every record of the
// run. It is a leaf (the standard library and the event log), so that the
// page and the report name them without the scenario package (r85 #10).
package owed

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// Notes are the notes a card still owed at the end of a run,
// unacknowledged, in words, of each kind it can owe (Kinds). One value
// carries them from run_ended to every record of the run — its Result,
// results.json and JUnit (report.Entry), its page's banner, the index,
// the terminal, a recheck — so that another kind of owed note is added
// in this file alone (r85 #10). Its JSON tags are results.json's keys
// (report.Entry embeds it), the same as Kinds' Key.
type Notes struct {
	// Platform says which notes the card still owed the platform
	// (PlatformNote of run_ended's owed_kinds and owed_reports): the device
	// offline or the platform down at the end, so the run's evidence
	// shows them neither delivered nor dropped (outside tester sw83).
	Platform string `json:"owed_notes,omitempty"`
	// SMDP says which SGP.22 notifications the card still held for
	// SM-DP+s (SMDPNote of its owed_smdp): an SM-DP+ unreachable, or
	// the device offline, to the end (outside tester t78 F2).
	SMDP string `json:"owed_smdp_notes,omitempty"`
	// PlatformKnown and SMDPKnown say the run_ended they were read from
	// names them, none included: an older esimhil's names neither, one
	// before t78 F2 no owed_smdp, and "" is then "not said", not "none
	// owed". A record (results.json) does not keep them.
	PlatformKnown, SMDPKnown bool `json:"-"`
}

// Kind is one kind of note a card can still owe at the end of a run,
// as the run's records name it.
type Kind struct {
	// Key names it in results.json and as a JUnit property.
	Key string
	// Name is what a recheck's note calls it.
	Name string
	// Words and Known are the Notes' own fields for it: which the
	// card still owed ("" for none), and whether run_ended names them.
	Words *string
	Known *bool
	// unnamed is what a recheck says of a run_ended without them.
	unnamed string
}

// Kinds are o's kinds of owed note, in the order every record names
// them.
func (o *Notes) Kinds() []Kind {
	return []Kind{
		{Key: "owed_notes", Name: "owed notes", Words: &o.Platform, Known: &o.PlatformKnown, unnamed: "names none"},
		{Key: "owed_smdp_notes", Name: "notes owed SM-DP+s", Words: &o.SMDP, Known: &o.SMDPKnown, unnamed: "does not name them"},
	}
}

// Said are the words of each kind the card owed any of, in order: a
// note apiece beside the verdict (the terminal, the index).
func (o Notes) Said() []string {
	var said []string
	for _, k := range o.Kinds() {
		if *k.Words != "" {
			said = append(said, *k.Words)
		}
	}
	return said
}

// Banner is what the page's "Notes still owed" banner says: every kind
// said, in one line; "" for none.
func (o Notes) Banner() string { return strings.Join(o.Said(), "; ") }

// AllSaid reports whether every kind names notes owed: nothing left for
// Or to fill in.
func (o Notes) AllSaid() bool { return len(o.Said()) == len(o.Kinds()) }

// Or is o with each kind it says nothing of taken from other: a record
// that names none filled in from its log.
func (o Notes) Or(other Notes) Notes {
	mine, theirs := o.Kinds(), other.Kinds()
	for i, k := range mine {
		if *k.Words == "" {
			*k.Words, *k.Known = *theirs[i].Words, *theirs[i].Known || *k.Known
		}
	}
	return o
}

// Unchecked says why a record's owed notes cannot all be held to a log
// whose run_ended o was read from (the first kind it does not name, as
// an earlier esimhil wrote it); "" when it names every kind.
func (o Notes) Unchecked() string {
	for _, k := range o.Kinds() {
		if !*k.Known {
			return fmt.Sprintf("its %s were not checked again: its run_ended %s (an earlier esimhil's)", k.Name, k.unnamed)
		}
	}
	return ""
}

// AtEnd is what the card still owed at the end of a run, as its
// run_ended names it: the kinds and report numbers of the notes owed the
// platform, and the SGP.22 notifications held for SM-DP+s
// (SMDPEntry), in the order of the card's list.
type AtEnd struct {
	Kinds, Reports, SMDP []string
}

// Log sets run_ended's fields f for o (owed_kinds, owed_reports,
// owed_smdp), none included, so that the directory alone says it: a log
// without them is an older esimhil's.
func (o AtEnd) Log(f eventlog.F) {
	f["owed_kinds"], f["owed_reports"] = append([]string{}, o.Kinds...), append([]string{}, o.Reports...)
	f["owed_smdp"] = append([]string{}, o.SMDP...)
}

// Notes are o in words, as a recheck reads them from the run_ended Log
// writes.
func (o AtEnd) Notes() Notes {
	f := eventlog.F{}
	o.Log(f)
	return Of(&eventlog.Event{Fields: f})
}

// Of reads Notes from run_ended (nil without one: none said,
// none known).
func Of(end *eventlog.Event) Notes {
	var o Notes
	if end == nil {
		return o
	}
	_, o.PlatformKnown = end.Fields["owed_kinds"]
	_, o.SMDPKnown = end.Fields["owed_smdp"]
	o.Platform = PlatformNote(end.Strs("owed_kinds"), end.Strs("owed_reports"))
	o.SMDP = SMDPNote(end.Strs("owed_smdp"))
	return o
}

// PlatformNote says, in words, which notes (their kinds and report numbers)
// the card still owed the platform at the end of a run; "" for none.
func PlatformNote(kinds, reports []string) string {
	if len(kinds) == 0 {
		return ""
	}
	return fmt.Sprintf("the card still owed %d note(s) at the end, which it had not seen acknowledged (the platform may have taken one whose answer was lost; sent again once the card has a bearer and the platform answers): %s",
		len(kinds), Tally(kinds, reports))
}

// SMDPEntry is how run_ended's owed_smdp names an SGP.22
// notification the card still held for an SM-DP+ at the end of a run: its
// operation, the address it goes to and its sequence number
// ("enable@smdp.bouygues.test seq 2").
func SMDPEntry(kind, address string, seq int) string {
	return fmt.Sprintf("%s@%s seq %d", kind, address, seq)
}

// SMDPInterruptedEntry is how run_ended's owed_smdp names the failed
// install result a card left off after a cut mid-install owes the SM-DP+
// at address: its NVM holds the install record, and the result, with its
// sequence number, is made at power-on (errorReason 11,
// installFailedDueToInterruption).
func SMDPInterruptedEntry(address string) string {
	return fmt.Sprintf("install@%s at power-on (an install cut short)", address)
}

// SMDPNote says, in words, which SGP.22 notifications (run_ended's
// owed_smdp entries) the card still held for SM-DP+s at the end of a run,
// the first 8 of them; "" for none.
func SMDPNote(owed []string) string {
	if len(owed) == 0 {
		return ""
	}
	list := owed
	if len(list) > 8 {
		list = append(list[:8:8], "…")
	}
	return fmt.Sprintf("the card still owed SM-DP+s %d notification(s) at the end, which it had not seen acknowledged (an SM-DP+ may have taken one whose answer was lost; the card keeps them and sends them again once it has a bearer and the SM-DP+ answers): %s",
		len(owed), strings.Join(list, ", "))
}

// Tally says which notes these are, kinds[i] of report reports[i]:
// how many of each kind, and the first 8 report numbers ("2
// attach-failure, 1 list-exhausted (reports 3, 4, 7)"): PlatformNote's
// list, and scenario.DroppedNotes' of the notes the card dropped.
func Tally(kinds, reports []string) string {
	count := map[string]int{}
	for _, k := range kinds {
		count[k]++
	}
	var ks []string
	for _, k := range slices.Sorted(maps.Keys(count)) {
		ks = append(ks, fmt.Sprintf("%d %s", count[k], k))
	}
	if len(reports) > 8 {
		reports = append(reports[:8:8], "…")
	}
	return fmt.Sprintf("%s (reports %s)", strings.Join(ks, ", "), strings.Join(reports, ", "))
}
