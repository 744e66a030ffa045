package modem

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/fcp"
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
	if len(apdu) > 1 && apdu[1] == 0xD6 {
		// An UPDATE BINARY, the host's (+CRSM, +CSIM, +CGLA) too, may
		// change EF EPSLOCI: what the modem noted of it no longer holds
		// (writeEPSLOCI notes its own write after it).
		m.st.epsloci = nil
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

// done is a normal ending (TS 102 221 §10.2.1.1): 9000, or 91xx — the
// command went through and a proactive command waits (after an enable,
// the REFRESH), which the toolkit terminal fetches on its own.
func done(rsp []byte) bool {
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
	if !done(rsp) {
		return nil, fmt.Errorf("READ BINARY %04X: SW %04X", path[len(path)-1], sw(rsp))
	}
	return rsp[:len(rsp)-2], nil
}

// selectPath selects each file id in turn on the basic channel.
func (m *Modem) selectPath(path []uint16) error {
	_, err := m.selectFCP(path)
	return err
}

// errNoFile is a SELECT the card answered 6A82: the file is not there.
var errNoFile = errors.New("file not found")

// selectFCP selects each file id in turn on the basic channel and returns
// the FCP template of the last; a file the card lacks is errNoFile.
func (m *Modem) selectFCP(path []uint16) ([]byte, error) {
	var rsp []byte
	for _, id := range path {
		a := selectAPDU(0x00, 0x00, []byte{byte(id >> 8), byte(id)})
		if id == 0x7FFF {
			a = selectAPDU(0x00, 0x04, usimAIDPrefix)
		}
		var err error
		if rsp, err = m.exchange(a); err != nil {
			return nil, fmt.Errorf("SELECT %04X: %w", id, err)
		}
		if sw(rsp) == 0x6A82 {
			return nil, fmt.Errorf("SELECT %04X: %w", id, errNoFile)
		}
		if !done(rsp) {
			return nil, fmt.Errorf("SELECT %04X: SW %04X", id, sw(rsp))
		}
	}
	return rsp[:len(rsp)-2], nil
}

// maxRecords bounds what readRecords reads of one file (TS 102 221 §8.2:
// a linear fixed EF has at most 254 records).
const maxRecords = 254

// readRecords selects a linear fixed EF by path (as readFile) and reads
// each of its records with READ RECORD (absolute mode), their length and
// count from the file descriptor of its FCP (TS 102 221 §11.1.1.4.3).
func (m *Modem) readRecords(path []uint16) ([][]byte, error) {
	fcp, err := m.selectFCP(path)
	if err != nil {
		return nil, err
	}
	id := path[len(path)-1]
	recLen, n, err := linearShape(fcp)
	if err != nil {
		return nil, fmt.Errorf("EF %04X: %w", id, err)
	}
	recs := make([][]byte, 0, n)
	for i := 1; i <= n; i++ {
		rsp, err := m.exchange([]byte{0x00, 0xB2, byte(i), 0x04, byte(recLen)})
		if err != nil {
			return nil, fmt.Errorf("READ RECORD %d of %04X: %w", i, id, err)
		}
		if !done(rsp) || len(rsp)-2 != recLen {
			return nil, fmt.Errorf("READ RECORD %d of %04X: %d bytes, SW %04X", i, id, len(rsp)-2, sw(rsp))
		}
		recs = append(recs, rsp[:len(rsp)-2])
	}
	return recs, nil
}

// linearShape reads a linear fixed EF's record length and count from the
// file descriptor of its FCP template.
func linearShape(b []byte) (recLen, n int, err error) {
	t, err := fcp.Parse(b)
	if err != nil {
		return 0, 0, err
	}
	d := t.Descriptor
	if d.Structure != fcp.LinearFixed || d.Records == 0 {
		return 0, 0, fmt.Errorf("FCP %X: a %s, not a linear fixed EF with a record count", b, d.Structure)
	}
	if d.RecLen > 255 || d.Records > maxRecords {
		return 0, 0, fmt.Errorf("FCP %X: %d records of %d bytes", b, d.Records, d.RecLen)
	}
	return d.RecLen, d.Records, nil
}

// readICCID reads EF ICCID (2FE2 under the MF, TS 102 221 §13.2): its
// digits and how many F nibbles fill the file after them.
func (m *Modem) readICCID() (iccid string, filler int, err error) {
	b, err := m.readFile([]uint16{0x3F00, 0x2FE2}, 10)
	if err != nil {
		return "", 0, fmt.Errorf("read ICCID: %w", err)
	}
	iccid, err = decodeICCID(b)
	return iccid, 2*len(b) - len(iccid), err
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
