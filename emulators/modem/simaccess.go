package modem

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// maxAPDUHex bounds an APDU given in hex (extended length is not used).
const maxAPDUHex = 2 * (5 + 255 + 1)

// hexAPDU checks "<len>,"<hex>"" pairs: len counts hex characters
// (TS 27.007 §8.17, §8.43) and the APDU has at least a 4-byte header.
func hexAPDU(lenArg, dataArg at.Arg) ([]byte, error) {
	n, err := lenArg.Int()
	if err != nil {
		return nil, fmt.Errorf("length: %w: %w", err, at.CMEIncorrectParameters)
	}
	if !dataArg.Quoted || n != len(dataArg.Raw) || n%2 != 0 || n < 8 || n > maxAPDUHex {
		return nil, fmt.Errorf("length %d does not match %d hex characters: %w", n, len(dataArg.Raw), at.CMEIncorrectParameters)
	}
	b, err := hex.DecodeString(dataArg.Raw)
	if err != nil {
		return nil, fmt.Errorf("apdu: %w: %w", err, at.CMEIncorrectParameters)
	}
	// T=0 carries one of the four short cases (7816-3 §12.2): bytes that
	// fit none (an Lc the data contradicts, extended lengths) have no
	// TPDU to send, and no wire would carry them to the card.
	if _, err := apdu.Parse(b); err != nil {
		return nil, fmt.Errorf("apdu %X: %w: %w", b, err, at.CMEIncorrectParameters)
	}
	return b, nil
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// hostSW is the card's answer as the host is shown it: with hides_91xx a
// pending proactive command's 91xx becomes 9000 (the toolkit terminal has
// seen the 91xx and fetches the command itself either way).
func (m *Modem) hostSW(rsp []byte) []byte {
	if !m.o.Personality.Hides91xx || rsp[len(rsp)-2] != 0x91 {
		return rsp
	}
	out := append([]byte(nil), rsp...)
	out[len(out)-2], out[len(out)-1] = 0x90, 0x00
	return out
}

// cardErr turns a transport failure into the CME error a host expects.
func (m *Modem) cardErr(err error) error {
	if !m.st.cardOn {
		return at.CMESIMNotInserted
	}
	return fmt.Errorf("%w: %w", err, at.CMESIMFailure)
}

// +CSIM=<length>,<command> is transparent: no GET RESPONSE (TS 27.007
// §8.17); under csim_open_repeats_6cxx a MANAGE CHANNEL open the card
// answers 6Cxx goes again with P3 xx, and the host gets that answer.
func cmdCSIM(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Set || len(c.Args) != 2 {
		return errParams
	}
	cmd, err := hexAPDU(c.Args[0], c.Args[1])
	if err != nil {
		return err
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	rsp, err := m.transmit(cmd)
	if err != nil {
		return m.cardErr(err)
	}
	if le, again := apdu.RepeatWithLe(uint16(sw(rsp))); again && opensChannel(cmd) && m.o.Personality.CSIMOpenRepeats6Cxx {
		// Once, as the card asked.
		cmd[4] = le
		if rsp, err = m.transmit(cmd); err != nil {
			return m.cardErr(err)
		}
	}
	m.hexAnswer("+CSIM", rsp)
	return nil
}

// opensChannel reports a MANAGE CHANNEL open for the card to number (P1
// 00, P2 00; ISO 7816-4 §11.1.2): header and P3, case 2.
func opensChannel(cmd []byte) bool {
	return len(cmd) == 5 && cmd[1] == apdu.InsManageChannel && cmd[2] == 0 && cmd[3] == 0
}

// +CCHO=<dfname> opens a logical channel with MANAGE CHANNEL and selects
// the application on it (TS 27.007 §8.45, ISO 7816-4 §11.1.2).
func cmdCCHO(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Set || len(c.Args) != 1 || !c.Args[0].Quoted {
		return errParams
	}
	aid, err := hex.DecodeString(c.Args[0].Raw)
	if err != nil || len(aid) < 5 || len(aid) > 16 {
		return fmt.Errorf("AID %q: %w", c.Args[0].Raw, at.CMEIncorrectParameters)
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	rsp, err := m.exchange([]byte{0x00, apdu.InsManageChannel, 0x00, 0x00, 0x01})
	if err != nil {
		return m.cardErr(err)
	}
	if !done(rsp) || len(rsp) != 3 || rsp[0] == 0 || rsp[0] > 19 {
		return cchoNotSelected.err(fmt.Sprintf("MANAGE CHANNEL open: %X", rsp))
	}
	ch := int(rsp[0])
	sel, err := m.exchange(selectAPDU(apdu.WithChannel(0x00, ch), 0x04, aid))
	if err != nil || !done(sel) {
		m.closeChannel(ch)
		if err != nil {
			return m.cardErr(err)
		}
		return cchoNotSelected.err(fmt.Sprintf("SELECT %X on channel %d: SW %04X", aid, ch, sw(sel)))
	}
	m.st.channels[ch] = true
	m.info(m.o.Personality.CCHOLine(m.o.Personality.SessionID(ch)))
	return nil
}

func (m *Modem) closeChannel(ch int) ([]byte, error) {
	delete(m.st.channels, ch)
	return m.exchange([]byte{0x00, apdu.InsManageChannel, 0x80, byte(ch), 0x00})
}

// session reads a <sessionid> in the personality's form (a number, or
// the hex handle of the long form) and the logical channel it names.
func (m *Modem) session(a at.Arg) (string, int, error) {
	ch, ok := m.o.Personality.Channel(a.Raw)
	if !ok || a.Quoted {
		return "", 0, fmt.Errorf("session id %q: %w", a.Raw, at.CMEIncorrectParameters)
	}
	return a.Raw, ch, nil
}

// +CGLA=<sessionid>,<length>,<command> (TS 27.007 §8.43); the channel bits
// of CLA are set from <sessionid> and 61xx is followed up here.
func cmdCGLA(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Set || len(c.Args) != 3 {
		return errParams
	}
	if m.o.Personality.CGLARefused {
		return errUnknown // the test form says OK, the command itself is refused (a quirk)
	}
	session, ch, err := m.session(c.Args[0])
	if err != nil {
		return err
	}
	cmd, err := hexAPDU(c.Args[1], c.Args[2])
	if err != nil {
		return err
	}
	if max := m.o.Personality.CGLAMaxAPDU; max > 0 && len(cmd) > max {
		return errUnknown // a bare ERROR whatever +CMEE says, and the card never sees it (a quirk)
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	if !m.st.channels[ch] {
		if q := m.o.Personality.CGLAClosedError; q != 0 {
			return fmt.Errorf("session %s not open: %w", session, at.CMEError(q)) // a quirk
		}
		return cglaNotOpen.err("session " + session + " not open")
	}
	if len(cmd) >= 2 && cmd[1] == apdu.InsManageChannel {
		// +CCHO and +CCHC own the channels: a MANAGE CHANNEL passed
		// through would close the session under the MT or open one it
		// does not know of.
		return cglaManageChannel.err("MANAGE CHANNEL in +CGLA (use +CCHO/+CCHC)")
	}
	cmd[0] = apdu.WithChannel(cmd[0], ch)
	send := m.exchange
	if m.o.Personality.CGLAPasses61xx {
		send = m.transmit // the host follows 61xx and 6Cxx (a quirk)
	}
	rsp, err := send(cmd)
	if err != nil {
		return m.cardErr(err)
	}
	m.hexAnswer("+CGLA", rsp)
	return nil
}

// +CCHC=<sessionid> closes a channel opened by +CCHO (TS 27.007 §8.46).
func cmdCCHC(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Set || len(c.Args) != 1 {
		return errParams
	}
	session, ch, err := m.session(c.Args[0])
	if err != nil {
		return err
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	if m.o.Personality.CCHCBareLine {
		// A bare "+CCHC" and OK for any session; only an open one is
		// closed on the card (a quirk).
		if m.st.channels[ch] {
			if _, err := m.closeChannel(ch); err != nil {
				return m.cardErr(err)
			}
		}
		m.info("+CCHC")
		return nil
	}
	if !m.st.channels[ch] {
		return cchcNotOpen.err("session " + session + " not open")
	}
	rsp, err := m.closeChannel(ch)
	if err != nil {
		return m.cardErr(err)
	}
	if !done(rsp) {
		return cchcCloseRefused.err(fmt.Sprintf("MANAGE CHANNEL close %d: SW %04X", ch, sw(rsp)))
	}
	return nil
}
