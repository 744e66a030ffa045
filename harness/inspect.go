package harness

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// CardProfile is one entry of the card's ProfileInfoList as an LPA sees it.
type CardProfile struct {
	ICCID   string
	Enabled bool
}

// profileListRequest is GetProfilesInfo (SGP.22 §5.7.15) asking only for the
// ICCID (5A) and profileState (9F70): 18 bytes per profile keeps the answer
// well inside one short APDU response whatever the card holds.
var profileListRequest = es10.ProfileInfoListRequest{Tags: []uint32{es10.TagICCID, es10.TagProfileState}}.Encode()

// Profiles reads the card's ProfileInfoList the way an LPA does, through the
// host's AT connection: open the ISD-R on a logical channel (+CCHO), send
// GetProfilesInfo in a STORE DATA (+CGLA), close the channel (+CCHC). It
// checks what the card reports, not what the applet logged, so it is the
// ground truth for "exactly one enabled profile".
func (r *Rig) Profiles() ([]CardProfile, error) {
	if r.AT == nil {
		return nil, errors.New("profile list: rig has no host connection")
	}
	resp, err := r.AT.Command(`AT+CCHO="` + es10.ISDRAID + `"`)
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
	// STORE DATA, CLA 0x80 on the channel, P1 0x91 (last block), Le 00.
	cmd := apdu.Command{CLA: apdu.WithChannel(0x80, ch), INS: 0xE2, P1: 0x91, Data: profileListRequest, HasLe: true, Le: 256}
	x := fmt.Sprintf("%X", cmd.Bytes())
	resp, err = r.AT.Command(fmt.Sprintf(`AT+CGLA=%d,%d,"%s"`, ch, len(x), x))
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
	list, code, err := es10.DecodeProfileInfoList(raw[:len(raw)-2])
	if err != nil {
		return nil, fmt.Errorf("GetProfilesInfo: %w", err)
	}
	if code != 0 {
		return nil, fmt.Errorf("GetProfilesInfo: profileInfoListError %d", code)
	}
	out := make([]CardProfile, 0, len(list))
	for i, p := range list {
		if p.ICCID == "" {
			return nil, fmt.Errorf("GetProfilesInfo: entry %d: no ICCID", i)
		}
		out = append(out, CardProfile{ICCID: p.ICCID, Enabled: p.State == es10.StateEnabled})
	}
	return out, nil
}
