package modem

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// Condition is when the modem refuses a command that reaches the card,
// in words a reader of a log can check the log against.
type Condition string

// The conditions of the card commands' refusals (cardRefusals).
const (
	// AIDNotSelected: +CCHO of an AID the card does not select, or with
	// no logical channel free.
	AIDNotSelected Condition = "an AID its card does not select, or no channel free"
	// SessionNotOpen: a <sessionid> no +CCHO opened, or one closed since
	// (+CCHC, or the card's reset).
	SessionNotOpen Condition = "a session not open"
	// ManageChannel: a MANAGE CHANNEL carried in +CGLA on an open
	// session: +CCHO and +CCHC own the channels.
	ManageChannel Condition = "a MANAGE CHANNEL in it"
	// CRSMUnsupported: +CRSM's RETRIEVE DATA or SET DATA, which the
	// modem lacks.
	CRSMUnsupported Condition = "a command it lacks, RETRIEVE DATA or SET DATA"
	// CloseRefused: the card refusing to close an open channel.
	CloseRefused Condition = "its card refusing to close the channel"
)

// Refusal is a +CME ERROR the modem gives a command that reaches the
// card (its name; a read as "+CPIN?"), and the condition it gives it for.
type Refusal struct {
	Command string
	Code    at.CMEError
	When    Condition
}

// refusal names a row of cardRefusals: the handlers refuse by it, so the
// table is what the modem gives.
type refusal int

const (
	cchoNotSelected refusal = iota
	cchcNotOpen
	cchcCloseRefused
	cglaNotOpen
	cglaManageChannel
	crsmUnsupported
	numRefusals
)

// cardRefusals are the +CME ERRORs the modem gives the commands that
// reach the card (+CCHO, +CCHC, +CGLA, +CSIM, +CRSM, +CPIN?) besides SIM
// not inserted (10: no card powered, cardReady) and incorrect parameters
// (50: a line it cannot read), which it gives them all. A +CGLA on a
// session not open gets the personality's cgla_closed_error instead,
// when it sets one.
var cardRefusals = [numRefusals]Refusal{
	cchoNotSelected:   {"+CCHO", at.CMESIMFailure, AIDNotSelected},
	cchcNotOpen:       {"+CCHC", at.CMEInvalidIndex, SessionNotOpen},
	cchcCloseRefused:  {"+CCHC", at.CMESIMFailure, CloseRefused},
	cglaNotOpen:       {"+CGLA", at.CMEInvalidIndex, SessionNotOpen},
	cglaManageChannel: {"+CGLA", at.CMENotAllowed, ManageChannel},
	crsmUnsupported:   {"+CRSM", at.CMENotSupported, CRSMUnsupported},
}

// CardCommands are the commands CardRefusals covers.
var CardCommands = []string{"+CCHO", "+CCHC", "+CGLA", "+CSIM", "+CRSM", "+CPIN?"}

// CardRefusals lists the +CME ERRORs the modem gives the commands that
// reach the card (CardCommands), each with its condition, beyond 10 and
// 50, which it gives them all: the table its handlers refuse by, for a
// field log's reader to judge a field modem's errors by.
func CardRefusals() []Refusal {
	return append([]Refusal(nil), cardRefusals[:]...)
}

// err is the refusal's error: detail, wrapping the table's code.
func (r refusal) err(detail string) error {
	return fmt.Errorf("%s: %w", detail, cardRefusals[r].Code)
}
