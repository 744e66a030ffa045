package dialect

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Profile is one entry of the card's ProfileInfoList as an LPA sees it.
type Profile struct {
	ICCID   string
	Enabled bool
}

// getProfilesInfo is GetProfilesInfo (SGP.22 §5.7.15) asking only for the
// ICCID (5A) and profileState (9F70): 18 bytes per profile keeps the answer
// well inside one short APDU response whatever the card holds.
var getProfilesInfo = es10.ProfileInfoListRequest{Tags: []uint32{es10.TagICCID, es10.TagProfileState}}.Encode()

// Profiles reads the card's ProfileInfoList the way an LPA does, in the
// modem's dialect: open the ISD-R on a logical channel, GetProfilesInfo in
// STORE DATA, close the channel. It is what the card reports, not what
// anybody logged: the ground truth for "exactly one enabled profile".
func (h Host) Profiles() ([]Profile, error) {
	rsp, err := h.es10(getProfilesInfo, false)
	if err != nil {
		return nil, fmt.Errorf("profile list: %w", err)
	}
	list, err := ParseProfiles(append(rsp, 0x90, 0x00))
	if err != nil {
		return nil, fmt.Errorf("profile list: %w", err)
	}
	return list, nil
}

// ParseProfiles decodes a GetProfilesInfo response followed by its status
// word (SW 9000) with es10.DecodeProfileInfoList. A profile without a state
// is reported disabled; a missing ICCID, or a profileInfoListError, is an
// error.
func ParseProfiles(raw []byte) ([]Profile, error) {
	if len(raw) < 2 {
		return nil, errors.New("GetProfilesInfo: no status word")
	}
	if s := sw(raw); s != 0x9000 {
		return nil, fmt.Errorf("GetProfilesInfo: %w", &StatusError{SW: s})
	}
	// A real card's BER lengths are taken (tlv.Canonical); the rest is
	// held to the module.
	list, code, err := es10.DecodeProfileInfoList(tlv.Canonical(raw[:len(raw)-2]))
	if err != nil {
		return nil, fmt.Errorf("GetProfilesInfo: %w", err)
	}
	if code != 0 {
		return nil, fmt.Errorf("GetProfilesInfo: profileInfoListError %d", code)
	}
	out := make([]Profile, 0, len(list))
	for i, p := range list {
		if p.ICCID == "" {
			return nil, fmt.Errorf("GetProfilesInfo: entry %d: no ICCID", i)
		}
		out = append(out, Profile{ICCID: p.ICCID, Enabled: p.State == es10.StateEnabled})
	}
	return out, nil
}
