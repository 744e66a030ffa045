package harness

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// CardProfile is one entry of the card's ProfileInfoList as an LPA sees it.
type CardProfile struct {
	ICCID   string
	Enabled bool
}

// isdrAID is the ISD-R's application identifier (SGP.22 §2.2.3).
const isdrAID = "A0000005591010FFFFFFFF8900000100"

// profileListRequest is GetProfilesInfo (SGP.22 §5.7.15) asking only for the
// ICCID (5A) and profileState (9F70): 18 bytes per profile keeps the answer
// well inside one short APDU response whatever the card holds.
const profileListRequest = "BF2D055C035A9F70"

// Profiles reads the card's ProfileInfoList the way an LPA does, through the
// host's AT connection: open the ISD-R on a logical channel (+CCHO), send
// GetProfilesInfo in a STORE DATA (+CGLA), close the channel (+CCHC). It
// checks what the card reports, not what the applet logged, so it is the
// ground truth for "exactly one enabled profile".
func (r *Rig) Profiles() ([]CardProfile, error) {
	if r.AT == nil {
		return nil, errors.New("profile list: rig has no host connection")
	}
	resp, err := r.AT.Command(`AT+CCHO="` + isdrAID + `"`)
	if err != nil {
		return nil, fmt.Errorf("profile list: open ISD-R: %w", err)
	}
	if len(resp.Lines) != 1 || !strings.HasPrefix(resp.Lines[0], "+CCHO: ") {
		return nil, fmt.Errorf("profile list: open ISD-R: unexpected answer %q", resp.Lines)
	}
	ch, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(resp.Lines[0], "+CCHO: ")))
	if err != nil || ch < 1 || ch > 3 {
		return nil, fmt.Errorf("profile list: open ISD-R: bad channel in %q", resp.Lines[0])
	}
	// STORE DATA, CLA 0x80|channel, P1 0x91 (last block, BER-TLV), Le 00.
	apdu := fmt.Sprintf("8%dE29100%02X%s00", ch, len(profileListRequest)/2, profileListRequest)
	resp, err = r.AT.Command(fmt.Sprintf(`AT+CGLA=%d,%d,"%s"`, ch, len(apdu), apdu))
	var list []CardProfile
	if err == nil {
		if len(resp.Lines) != 1 {
			err = fmt.Errorf("unexpected answer %q", resp.Lines)
		} else {
			list, err = ParseProfileList(resp.Lines[0])
		}
	}
	if _, cerr := r.AT.Command(fmt.Sprintf("AT+CCHC=%d", ch)); cerr != nil && err == nil {
		err = fmt.Errorf("close channel %d: %w", ch, cerr)
	}
	if err != nil {
		return nil, fmt.Errorf("profile list: %w", err)
	}
	return list, nil
}

// ParseProfileList decodes a +CGLA answer line carrying a GetProfilesInfo
// response: `+CGLA: <len>,"<hex data><SW1SW2>"`, SW 9000, data
// BF2D { A0 { E3 { 5A iccid, 9F70 state } ... } } (SGP.22 §5.7.15). A
// profile without a state is reported disabled; a missing ICCID is an error.
func ParseProfileList(line string) ([]CardProfile, error) {
	rest, ok := strings.CutPrefix(line, "+CGLA: ")
	if !ok {
		return nil, fmt.Errorf("not a +CGLA answer: %q", line)
	}
	lenStr, quoted, ok := strings.Cut(rest, ",")
	if !ok || len(quoted) < 2 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' {
		return nil, fmt.Errorf("malformed +CGLA answer: %q", line)
	}
	hexStr := quoted[1 : len(quoted)-1]
	n, err := strconv.Atoi(lenStr)
	if err != nil || n != len(hexStr) {
		return nil, fmt.Errorf("+CGLA length %q does not match %d hex digits", lenStr, len(hexStr))
	}
	raw, err := hex.DecodeString(hexStr)
	if err != nil {
		return nil, fmt.Errorf("+CGLA data: %w", err)
	}
	if len(raw) < 2 {
		return nil, errors.New("+CGLA data: no status word")
	}
	if sw := raw[len(raw)-2:]; sw[0] != 0x90 || sw[1] != 0x00 {
		return nil, fmt.Errorf("GetProfilesInfo: status word %02X%02X", sw[0], sw[1])
	}
	top, trailing, err := tlv.ParseOne(raw[:len(raw)-2])
	if err != nil {
		return nil, fmt.Errorf("GetProfilesInfo: %w", err)
	}
	if top.Tag != 0xBF2D || len(trailing) != 0 {
		return nil, fmt.Errorf("GetProfilesInfo: want one BF2D, got tag %X and %d trailing bytes", top.Tag, len(trailing))
	}
	list, found := top.Find(0xA0)
	if !found {
		// An error answer (profileInfoListError, tag 81) or no list at all.
		return nil, errors.New("GetProfilesInfo: no profile list (A0) in the answer")
	}
	infos, err := list.Children()
	if err != nil {
		return nil, fmt.Errorf("GetProfilesInfo: %w", err)
	}
	out := make([]CardProfile, 0, len(infos))
	for i, info := range infos {
		if info.Tag != 0xE3 {
			return nil, fmt.Errorf("GetProfilesInfo: entry %d: tag %X, want E3", i, info.Tag)
		}
		id, ok := info.Find(0x5A)
		if !ok {
			return nil, fmt.Errorf("GetProfilesInfo: entry %d: no ICCID", i)
		}
		iccid, err := unswapBCD(id.Value)
		if err != nil {
			return nil, fmt.Errorf("GetProfilesInfo: entry %d: ICCID: %w", i, err)
		}
		p := CardProfile{ICCID: iccid}
		if st, ok := info.Find(0x9F70); ok {
			if len(st.Value) != 1 {
				return nil, fmt.Errorf("GetProfilesInfo: entry %d: profileState of %d bytes", i, len(st.Value))
			}
			p.Enabled = st.Value[0] == 1
		}
		out = append(out, p)
	}
	return out, nil
}

// unswapBCD decodes an ICCID in swapped-nibble BCD, F-padded (ITU-T E.118).
func unswapBCD(b []byte) (string, error) {
	var sb strings.Builder
	padded := false
	for _, x := range b {
		for _, d := range []byte{x & 0x0F, x >> 4} {
			switch {
			case d <= 9:
				if padded {
					return "", errors.New("digit after padding")
				}
				sb.WriteByte('0' + d)
			case d == 0xF:
				padded = true
			default:
				return "", fmt.Errorf("nibble %X", d)
			}
		}
	}
	if sb.Len() == 0 {
		return "", errors.New("empty")
	}
	return sb.String(), nil
}
