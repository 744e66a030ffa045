package modem

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/bcd"
)

// Status words used by the modem (ISO 7816-4 §5.6, ETSI TS 102 221 §10.2).
const (
	swOK = 0x9000
)

// errNoCard is an APDU to a card that is off.
var errNoCard = errors.New("card not powered")

// transmit sends one APDU through the toolkit terminal (which watches 91xx
// for proactive commands); before SetSTK it falls back to the card's
// contacts, if the card can transmit itself.
func (m *Modem) transmit(apdu []byte) ([]byte, error) {
	if !m.st.cardOn {
		return nil, errNoCard
	}
	var rsp []byte
	if s := m.getSTK(); s != nil {
		rsp = s.Transmit(apdu)
	} else if _, ok := m.o.Card.(stkterm.Card); ok {
		rsp = m.Contacts().Transmit(apdu)
	} else {
		return nil, errors.New("no path to the card: neither STK nor a transmitting card")
	}
	if len(rsp) < 2 {
		return nil, fmt.Errorf("card answered %d bytes, want at least a status word", len(rsp))
	}
	return rsp, nil
}

// exchange transmits and collects the whole answer (61xx → GET RESPONSE,
// 6Cxx → repeat with Le = xx) with the terminal loop both sides share.
func (m *Modem) exchange(cmd []byte) ([]byte, error) { return apdu.Exchange(m.transmit, cmd) }

// sw returns the status word of a response.
func sw(rsp []byte) int { return int(rsp[len(rsp)-2])<<8 | int(rsp[len(rsp)-1]) }

// selectAPDU builds SELECT by file id (P1=00) or by DF name (P1=04)
// asking for the FCP template (P2=04), TS 102 221 §11.1.1.
func selectAPDU(cla, p1 byte, id []byte) []byte {
	a := []byte{cla, 0xA4, p1, 0x04, byte(len(id))}
	a = append(a, id...)
	return append(a, 0x00)
}

// selectOK accepts 9000 and the 91xx "proactive command pending" success.
func selectOK(rsp []byte) bool {
	s := sw(rsp)
	return s == swOK || s>>8 == 0x91
}

// USIM application identifier prefix (RID A000000087, app code 1002, ETSI TS
// 101 220 Annex E); selection by partial AID picks the USIM.
var usimAIDPrefix = []byte{0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02}

// readFile selects a path of file ids from the MF (7FFF meaning the USIM
// ADF) and reads n bytes with READ BINARY.
func (m *Modem) readFile(path []uint16, n byte) ([]byte, error) {
	if err := m.selectPath(path); err != nil {
		return nil, err
	}
	rsp, err := m.exchange([]byte{0x00, 0xB0, 0x00, 0x00, n})
	if err != nil {
		return nil, err
	}
	if !selectOK(rsp) {
		return nil, fmt.Errorf("READ BINARY %04X: SW %04X", path[len(path)-1], sw(rsp))
	}
	return rsp[:len(rsp)-2], nil
}

// selectPath selects each file id in turn on the basic channel.
func (m *Modem) selectPath(path []uint16) error {
	for _, id := range path {
		a := selectAPDU(0x00, 0x00, []byte{byte(id >> 8), byte(id)})
		if id == 0x7FFF {
			a = selectAPDU(0x00, 0x04, usimAIDPrefix)
		}
		rsp, err := m.exchange(a)
		if err != nil {
			return fmt.Errorf("SELECT %04X: %w", id, err)
		}
		if !selectOK(rsp) {
			return fmt.Errorf("SELECT %04X: SW %04X", id, sw(rsp))
		}
	}
	return nil
}

// readICCID reads EF ICCID (2FE2 under the MF, TS 102 221 §13.2).
func (m *Modem) readICCID() (string, error) {
	b, err := m.readFile([]uint16{0x3F00, 0x2FE2}, 10)
	if err != nil {
		return "", fmt.Errorf("read ICCID: %w", err)
	}
	return decodeICCID(b)
}

// readIMSI reads EF IMSI (6F07 in the USIM ADF, TS 31.102 §4.2.2).
func (m *Modem) readIMSI() (string, error) {
	b, err := m.readFile([]uint16{0x3F00, 0x7FFF, 0x6F07}, 9)
	if err != nil {
		return "", fmt.Errorf("read IMSI: %w", err)
	}
	return decodeIMSI(b)
}

// decodeICCID decodes the nibble-swapped BCD of EF ICCID; F pads the end.
func decodeICCID(b []byte) (string, error) {
	s, err := bcd.Unswapped(b)
	if err != nil {
		return "", fmt.Errorf("ICCID: %w", err)
	}
	if s == "" {
		return "", errors.New("ICCID: empty")
	}
	return s, nil
}

// decodeIMSI decodes EF IMSI (TS 31.102 §4.2.2).
func decodeIMSI(b []byte) (string, error) {
	s, err := bcd.ParseIMSI(b)
	if err == nil && len(s) < 6 {
		return "", fmt.Errorf("IMSI: %d digits, want at least 6", len(s))
	}
	return s, err
}
