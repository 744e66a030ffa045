package modem

import (
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/codec/apdu"
)

// Sniffer sees what crosses the card's contacts, as a SIMtrace2 between
// modem and card would: the ATR at every reset and each APDU with the
// card's answer. It is called inside loop work, in the order of the
// exchanges, so the capture behind it stamps them with simulated time.
type Sniffer interface {
	// SniffATR is the card's answer to a reset (empty: no card answered).
	SniffATR(atr []byte)
	// SniffCommand is a command as it reaches the card, before the card
	// acts on it (and logs what it did); SniffAPDU follows with the answer.
	SniffCommand(cmd []byte)
	// SniffAPDU is one command and the card's response (data and SW1 SW2,
	// or fewer than two bytes when the card gave no status word).
	SniffAPDU(cmd, rsp []byte)
}

// contacts is the modem's side of the card interface: every APDU the
// toolkit terminal and the AT commands send passes here, as a T=0 TPDU
// (the only protocol the card's ATR offers): a case-4 command without its
// Le, its answer left for GET RESPONSE (apdu.TPDU; the modem's exchange
// fetches it, +CSIM hands the 61xx to the host).
type contacts struct{ m *Modem }

// Contacts is the card as the modem's toolkit terminal must reach it
// (stkterm.New(m.Contacts(), …)): the card of Options, seen by
// Options.Sniffer. The card must implement stkterm.Card.
func (m *Modem) Contacts() stkterm.Card { return contacts{m} }

func (c contacts) Transmit(cmd []byte) []byte {
	card, ok := c.m.o.Card.(stkterm.Card)
	if !ok {
		return nil // no APDU path: the modem reports it as no status word
	}
	tpdu := apdu.TPDU(cmd)
	s := c.m.o.Sniffer
	if s != nil {
		s.SniffCommand(tpdu)
	}
	rsp := card.Transmit(tpdu)
	if s != nil {
		s.SniffAPDU(tpdu, rsp)
	}
	return rsp
}

// resetCard resets the card and shows the sniffer its ATR.
func (m *Modem) resetCard() []byte {
	if m.st.absent {
		return nil // nothing in the holder answers
	}
	atr := m.o.Card.Reset()
	if s := m.o.Sniffer; s != nil && len(atr) > 0 {
		s.SniffATR(atr)
	}
	return atr
}
