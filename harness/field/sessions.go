package field

import (
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
)

// sessionState is what the log shows of the session a +CGLA or +CCHC
// names, when it is sent.
type sessionState int

const (
	// sessionNever: no +CCHO of the log opened it, nor did the card
	// answer on it before (a session left open when the log begins).
	sessionNever sessionState = iota
	sessionOpen
	// sessionGone: closed by +CCHC, or opened before a command that
	// resets the card, a power URC or a REFRESH the card asked for. The
	// emulated modem answers a +CGLA on it with the code the logs show
	// (cgla_closed_error).
	sessionGone
)

// session is what the log shows of one +CCHO session up to a line.
type session struct {
	state sessionState
	// opened is the index of the command line that opened it: its
	// +CCHO's, or, for one open when the log begins (leftOpen), the
	// first +CGLA the card answered on it.
	opened   int
	leftOpen bool
	// gone is, for sessionGone, the index of the entry that ended it:
	// its +CCHC (closed), or the card's reset (a power URC, a command
	// that resets the card, the answer that asked for a REFRESH).
	gone   int
	closed bool
}

// sessions follows the +CCHO sessions of one log (TS 27.007 §8.45,
// §8.46) entry by entry, on lines of one command or several and across
// the card's resets: the one tracker of them, which the facts
// (cgla_closed_error) and the error limits (cardRefusalLimit) read.
type sessions struct {
	t    *fieldlog.Transcript
	byID map[string]*session
}

func newSessions(t *fieldlog.Transcript) *sessions {
	return &sessions{t: t, byID: map[string]*session{}}
}

// reset ends every open session at entry k: the card was reset, and its
// logical channels with it (ISO/IEC 7816-4: after a reset only the basic
// channel is open).
func (ss *sessions) reset(k int) {
	for _, s := range ss.byID {
		if s.state == sessionOpen {
			s.state, s.gone, s.closed = sessionGone, k, false
		}
	}
}

// entry takes entry k of the log, the entries in order. For a command
// line it calls use with each +CGLA and +CCHC on it (its place j on the
// line) and the session it names as the log shows it when sent, then
// takes what the line did: a +CCHO answered OK opens the session its
// answer names, a +CCHC answered OK closes its own, a +CGLA the card
// answered opens one the log had not shown (left open when it begins),
// and a reset of the card ends them all: a power URC, a command that
// resets it, an enable or disable that asks for a REFRESH.
func (ss *sessions) entry(k int, use func(j int, c at.Command, s session)) {
	e := ss.t.Entries[k]
	if e.Role == fieldlog.URC && at.IsPowerURC(e.Text) {
		ss.reset(k)
	}
	if a := e.APDU; a != nil && a.Done && (e.Role == fieldlog.Info || e.Role == fieldlog.Note) {
		// An enable or disable that asks for a REFRESH: the card
		// resets, its sessions with it, as the facts take it
		// (switchRefresh).
		if refresh, _ := switchRefresh(a, e.Role == fieldlog.Info); refresh {
			ss.reset(k)
		}
	}
	if e.Role != fieldlog.Command {
		return
	}
	cmds, err := at.Parse(e.Text)
	if err != nil {
		return
	}
	answer := ss.t.Answer(k)
	final := finalIn(answer)
	ok := final == "OK"
	for j, c := range cmds {
		if (c.Name == "+CGLA" || c.Name == "+CCHC") && c.Form == at.Set && len(c.Args) > 0 && use != nil {
			s := session{}
			if p := ss.byID[c.Args[0].Raw]; p != nil {
				s = *p
			}
			use(j, c, s)
		}
		switch {
		case c.Name == "+CCHO" && c.Form == at.Set && ok:
			for _, a := range answer {
				if id, _, isID := personality.ParseCCHO(a.Text); a.Role == fieldlog.Info && isID && (len(cmds) == 1 || a.Sub == j) {
					ss.byID[id] = &session{state: sessionOpen, opened: k}
				}
			}
		case c.Name == "+CCHC" && c.Form == at.Set && len(c.Args) == 1 && ok:
			s := ss.byID[c.Args[0].Raw]
			if s == nil {
				s = &session{opened: -1}
				ss.byID[c.Args[0].Raw] = s
			}
			s.state, s.gone, s.closed = sessionGone, k, true
		case c.Name == "+CGLA" && c.Form == at.Set && len(c.Args) > 0 && ok && ss.byID[c.Args[0].Raw] == nil:
			// The card answered on it: open when the log begins
			// (leftOpen).
			ss.byID[c.Args[0].Raw] = &session{state: sessionOpen, opened: k, leftOpen: true}
		}
	}
	if at.ResetsCard(cmds) && (ok || final == "") {
		// Without a final result (the modem rebooted before it, the
		// log ends) the reset is taken as done, as the log's APDU
		// reader takes it (fieldlog's decodeAPDUs): only an error
		// says it did not happen.
		ss.reset(k)
	}
}
