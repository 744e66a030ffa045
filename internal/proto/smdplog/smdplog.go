// Package smdplog is the emulated SM-DP+'s log of the notifications it
// received (ES9+ handleNotification, SGP.22 §5.6.4), as GET Path serves
// it and `esimhil fleet` reads it (docs/conformance.md, "The SM-DP+'s
// notification log"): every handleNotification request with what the
// SM-DP+ did with it. SGP.22 gives the function no error, so an SM-DP+
// acknowledges (204) what it takes and what it discards alike; this log
// is where the two differ. One codec, for the server that writes a page
// and the fleet that reads it.
//
// The route is the emulator's own, outside SGP.22's /gsma/rsp2/: a
// third-party SM-DP+ has none, and its notifications are then not
// checked.
package smdplog

import (
	"fmt"
	"time"

	"github.com/esimhil/esimhil/internal/proto/logpage"
)

// Path is the route of the log, on the SM-DP+'s own HTTPS port.
const Path = "/esimhil/v1/inspect/notifications"

// Pages: limit defaults to DefaultLimit, at most MaxLimit; the server
// keeps the newest MaxEntries.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	MaxEntries   = 10000
)

// Outcomes of a handleNotification request.
const (
	// Taken: a notification verified and recorded, the first time.
	Taken = "taken"
	// Duplicate: one taken before, acknowledged again (a card that lost
	// the answer sends it again) and not counted again.
	Duplicate = "duplicate"
	// Discarded: acknowledged 204 and dropped — forged, for an unknown
	// transaction, not a notification; Subject, Reason and Error say why.
	Discarded = "discarded"
	// Refused: answered with an error (the binding could not read the
	// request: malformed JSON, a missing member, wrong headers).
	Refused = "refused"
)

// Entry is one handleNotification request and what became of it.
type Entry struct {
	// Index counts the log's entries from 0 over the server's life.
	Index int `json:"index"`
	// Time is when the SM-DP+ answered it, by its clock (simulated in a
	// rig); entries are in the order they were answered.
	Time    time.Time `json:"t"`
	Status  int       `json:"status"` // the HTTP answer: 204, or an error's
	Outcome string    `json:"outcome"`
	// What the notification said, when it could be read: its kind
	// (install, enable, disable, delete), sequence number and ICCID;
	// EID the card's, when the SM-DP+ knows it (an install result names
	// none: its transaction's).
	Kind  string `json:"kind,omitempty"`
	Seq   int    `json:"seq,omitempty"`
	ICCID string `json:"iccid,omitempty"`
	EID   string `json:"eid,omitempty"`
	// OK and ErrorReason are an install result's outcome (SGP.22
	// §2.5.6 errorReason for a failed one).
	OK          *bool `json:"ok,omitempty"`
	ErrorReason int   `json:"error_reason,omitempty"`
	// Subject, Reason and Error say why one was discarded or refused
	// (SGP.22 subject and reason codes).
	Subject string `json:"subject,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Error   string `json:"error,omitempty"`
	// BodySize and BodySHA256 describe the body as read (no hash when
	// it was not read whole).
	BodySize   int    `json:"body_size"`
	BodySHA256 string `json:"body_sha256,omitempty"`
}

// Page is the 200 answer of GET Path (logpage.Page).
type Page = logpage.Page[Entry]

// NewPage is the page of entries from offset of a log of total entries
// that dropped its oldest dropped; next is nil on the last page.
func NewPage(total, dropped, offset int, entries []Entry, next *int) Page {
	return logpage.NewPage(total, dropped, offset, entries, next)
}

// ErrorAnswer is the body of a 4xx answer of the route.
type ErrorAnswer = logpage.ErrorAnswer

// DecodePage reads a page exactly (logpage.Decode), each entry's outcome
// one of the four.
func DecodePage(b []byte) (Page, error) {
	return logpage.Decode(b, checkEntry)
}

func checkEntry(e Entry) error {
	switch e.Outcome {
	case Taken, Duplicate, Discarded, Refused:
		return nil
	}
	return fmt.Errorf("outcome: %q, want %s, %s, %s or %s", e.Outcome, Taken, Duplicate, Discarded, Refused)
}
