package dialect

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// Profile is one entry of the card's ProfileInfoList as an LPA sees it.
type Profile struct {
	ICCID   string
	Enabled bool
}

// getProfilesInfo is GetProfilesInfo (SGP.22 §5.7.15) asking only for the
// ICCID (5A) and profileState (9F70): 18 bytes per profile keeps the answer
// well inside one short APDU response whatever the card holds.
var getProfilesInfo = []byte{0xBF, 0x2D, 0x05, 0x5C, 0x03, 0x5A, 0x9F, 0x70}

// Profiles reads the card's ProfileInfoList the way an LPA does, in the
// modem's dialect: open the ISD-R on a logical channel, GetProfilesInfo in
// STORE DATA, close the channel. It is what the card reports, not what
// anybody logged: the ground truth for "exactly one enabled profile".
func (h Host) Profiles() ([]Profile, error) {
	ch, err := h.OpenISDR()
	if err != nil {
		return nil, fmt.Errorf("profile list: open ISD-R: %w", err)
	}
	rsp, err := ch.StoreData(getProfilesInfo)
	var list []Profile
	if err == nil {
		list, err = ParseProfiles(append(rsp, 0x90, 0x00))
	}
	if cerr := ch.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close channel: %w", cerr)
	}
	if err != nil {
		return nil, fmt.Errorf("profile list: %w", err)
	}
	return list, nil
}

// ParseProfiles decodes a GetProfilesInfo response followed by its status
// word: SW 9000, data BF2D { A0 { E3 { 5A iccid, 9F70 state } ... } }
// (SGP.22 §5.7.15). A profile without a state is reported disabled; a
// missing ICCID is an error.
func ParseProfiles(raw []byte) ([]Profile, error) {
	if len(raw) < 2 {
		return nil, errors.New("GetProfilesInfo: no status word")
	}
	if s := sw(raw); s != 0x9000 {
		return nil, fmt.Errorf("GetProfilesInfo: %w", &StatusError{SW: s})
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
	out := make([]Profile, 0, len(infos))
	for i, info := range infos {
		if info.Tag != 0xE3 {
			return nil, fmt.Errorf("GetProfilesInfo: entry %d: tag %X, want E3", i, info.Tag)
		}
		id, ok := info.Find(0x5A)
		if !ok {
			return nil, fmt.Errorf("GetProfilesInfo: entry %d: no ICCID", i)
		}
		iccid, err := bcd.Unswapped(id.Value)
		if err == nil && iccid == "" {
			err = errors.New("empty")
		}
		if err != nil {
			return nil, fmt.Errorf("GetProfilesInfo: entry %d: ICCID: %w", i, err)
		}
		p := Profile{ICCID: iccid}
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
