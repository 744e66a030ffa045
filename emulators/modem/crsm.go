package modem

import (
	"encoding/hex"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// +CRSM <command> values (TS 27.007 §8.18).
const (
	crsmReadBinary   = 176
	crsmReadRecord   = 178
	crsmGetResponse  = 192
	crsmUpdateBinary = 214
	crsmUpdateRecord = 220
	crsmStatus       = 242
	// Defined, not carried out here.
	crsmRetrieveData = 203
	crsmSetData      = 219
)

var crsmINS = map[int]byte{
	crsmReadBinary: 0xB0, crsmReadRecord: 0xB2, crsmUpdateBinary: 0xD6, crsmUpdateRecord: 0xDC,
}

// cmdCRSM is +CRSM=<command>[,<fileid>[,<P1>,<P2>,<P3>[,<data>[,<pathid>]]]].
// The modem selects the file itself (from the MF, by <pathid> when given,
// else by where the id lives: 2Fxx under the MF, 6Fxx/4Fxx in the USIM ADF)
// and answers +CRSM: <sw1>,<sw2>[,<response>]; a failing SELECT is reported
// with its own status word.
func cmdCRSM(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Set || len(c.Args) < 1 || len(c.Args) > 7 {
		return errParams
	}
	v, err := intArgs(at.Command{Name: c.Name, Args: c.Args[:min(len(c.Args), 5)]}, 1, 0, 0, 0, 0, 0)
	if err != nil {
		return err
	}
	cmd, fid, p1, p2, p3 := v[0], v[1], v[2], v[3], v[4]
	if cmd != crsmStatus && (len(c.Args) < 2 || c.Args[1].Empty) {
		// §8.18: <fileid> is mandatory for every command but STATUS; a
		// missing one is the host's error, not a file the card lacks.
		return fmt.Errorf("+CRSM command %d without <fileid>: %w", cmd, at.CMEIncorrectParameters)
	}
	if fid > 0xFFFF || p1 > 0xFF || p2 > 0xFF || p3 > 0xFF {
		return errParams
	}
	var data []byte
	if len(c.Args) > 5 && !c.Args[5].Empty {
		if data, err = hex.DecodeString(c.Args[5].Raw); err != nil || len(data) > 255 {
			return fmt.Errorf("+CRSM data: %w", at.CMEIncorrectParameters)
		}
	}
	var path []uint16
	if len(c.Args) > 6 && !c.Args[6].Empty {
		if path, err = parsePathID(c.Args[6].Raw); err != nil {
			return fmt.Errorf("+CRSM pathid: %w: %w", err, at.CMEIncorrectParameters)
		}
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	var apdu []byte
	switch cmd {
	case crsmStatus:
		apdu = []byte{0x80, 0xF2, byte(p1), byte(p2), byte(p3)}
	case crsmReadBinary, crsmReadRecord:
		apdu = []byte{0x00, crsmINS[cmd], byte(p1), byte(p2), byte(p3)}
	case crsmUpdateBinary, crsmUpdateRecord:
		if len(data) != p3 {
			return fmt.Errorf("+CRSM: P3 %d but %d data bytes: %w", p3, len(data), at.CMEIncorrectParameters)
		}
		apdu = append([]byte{0x00, crsmINS[cmd], byte(p1), byte(p2), byte(p3)}, data...)
	case crsmGetResponse:
	case crsmRetrieveData, crsmSetData:
		return crsmUnsupported.err(fmt.Sprintf("+CRSM command %d", cmd))
	default:
		// No §8.18 command: the host's parameter, not a missing feature
		// (outside tester sw86).
		return fmt.Errorf("+CRSM command %d is none of TS 27.007's: %w", cmd, at.CMEIncorrectParameters)
	}
	rsp, err := m.crsmSelect(fid, path, cmd != crsmStatus || len(c.Args) > 1)
	if err != nil {
		return m.cardErr(err)
	}
	if cmd != crsmGetResponse && done(rsp) {
		if rsp, err = m.exchange(apdu); err != nil {
			return m.cardErr(err)
		}
	}
	line := fmt.Sprintf("+CRSM: %d,%d", rsp[len(rsp)-2], rsp[len(rsp)-1])
	if len(rsp) > 2 {
		line += fmt.Sprintf(",\"%s\"", upperHex(rsp[:len(rsp)-2]))
	}
	m.info(line)
	return nil
}

// crsmSelect selects the target file and returns the last SELECT answer
// (FCP and SW). STATUS without a file id selects nothing.
func (m *Modem) crsmSelect(fid int, path []uint16, want bool) ([]byte, error) {
	if !want {
		return []byte{0x90, 0x00}, nil
	}
	if path == nil {
		path = []uint16{0x3F00}
		if hi := fid >> 8; hi == 0x6F || hi == 0x4F || hi == 0x5F {
			path = append(path, 0x7FFF)
		}
	} else if path[0] != 0x3F00 {
		path = append([]uint16{0x3F00}, path...)
	}
	if fid != 0x3F00 {
		path = append(path, uint16(fid))
	}
	var rsp []byte
	for _, id := range path {
		a := selectAPDU(0x00, 0x00, []byte{byte(id >> 8), byte(id)})
		if id == 0x7FFF {
			a = selectAPDU(0x00, 0x04, usimAIDPrefix)
		}
		var err error
		if rsp, err = m.exchange(a); err != nil {
			return nil, err
		}
		if !done(rsp) {
			return rsp, nil
		}
	}
	return rsp, nil
}

// parsePathID reads a <pathid> like "3F007FFF": whole file ids in hex.
func parsePathID(s string) ([]uint16, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 || len(b)%2 != 0 || len(b) > 16 {
		return nil, fmt.Errorf("bad path %q", s)
	}
	var out []uint16
	for i := 0; i < len(b); i += 2 {
		out = append(out, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return out, nil
}
