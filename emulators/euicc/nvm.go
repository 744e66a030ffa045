package euicc

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// nvmVersion is bumped when the image's meaning changes.
const nvmVersion = 1

// nvmImage is the card's non-volatile memory as JSON: what survives a power
// loss. The applet's state is the one of its last Persist effect.
type nvmImage struct {
	Version  int          `json:"version"`
	EID      string       `json:"eid"`
	Profiles []nvmProfile `json:"profiles"`
	// Applet is the applet's state (applet.DecodeState reads it, and
	// migrates the format of earlier versions).
	Applet json.RawMessage `json:"applet"`
	// Notifications pending delivery (SGP.22 §3.5), carried across
	// NVM/Restore until NotificationSent.
	Notifications []Notification `json:"notifications"`
	NotifSeq      int            `json:"notif_seq,omitempty"`
	// DefaultSMDP is the default SM-DP+ address (ES10a).
	DefaultSMDP string `json:"default_smdp,omitempty"`
}

type nvmProfile struct {
	ICCID    string `json:"iccid"`
	Operator string `json:"operator"`
	IMSI     string `json:"imsi"`
	MNCLen   int    `json:"mnc_len,omitempty"`
	AID      string `json:"isdp_aid"`
	Enabled  bool   `json:"enabled"`
	Original bool   `json:"original,omitempty"`
	SMDP     string `json:"smdp,omitempty"`
	Size     int    `json:"size,omitempty"`
	SPN      string `json:"spn,omitempty"`
	Name     string `json:"name,omitempty"`
	Nickname string `json:"nickname,omitempty"`
	// Metadata is the StoreMetadataRequest (BF25) a downloaded profile
	// came with.
	Metadata []byte `json:"metadata,omitempty"`
}

// Notification is a pending ES10b notification (sequence number, event
// "install"|"enable"|"disable"|"delete", profile, the SM-DP+ address it
// goes to) with its signed encoding (BF37 ProfileInstallationResult or 30
// OtherSignedNotification) as RetrieveNotificationsList returns it.
type Notification struct {
	Seq     int    `json:"seq"`
	Event   string `json:"event"`
	ICCID   string `json:"iccid"`
	Address string `json:"address,omitempty"`
	Pending []byte `json:"pending,omitempty"`
}

// NVM returns the card's non-volatile memory image.
func (c *Card) NVM() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := []byte("null") // the applet never ran: nothing to resume
	if c.appletState.Version != 0 {
		var err error
		if st, err = json.Marshal(c.appletState); err != nil {
			return nil, fmt.Errorf("euicc: encode applet state: %w", err)
		}
	}
	img := nvmImage{Version: nvmVersion, EID: c.cfg.EID, Applet: st, Notifications: append([]Notification{}, c.notifications...),
		NotifSeq: c.notifSeq, DefaultSMDP: c.defaultDP}
	for _, p := range c.profiles {
		np := nvmProfile{
			ICCID: p.ICCID, Operator: p.Operator, IMSI: p.IMSI, MNCLen: p.MNCLen,
			AID: hex.EncodeToString(p.AID), Enabled: p.Enabled, Original: p.Original,
			SMDP: p.SMDP, Size: p.Size, SPN: p.SPN, Name: p.Name, Nickname: p.Nickname,
		}
		if p.Meta != nil {
			np.Metadata = p.Meta.Encode()
		}
		img.Profiles = append(img.Profiles, np)
	}
	b, err := json.Marshal(img)
	if err != nil {
		return nil, fmt.Errorf("euicc: encode NVM: %w", err)
	}
	return b, nil
}

// Restore returns a powered-off card with cfg's settings and the profiles
// and applet state of an NVM image; cfg.Profiles is ignored. The image's EID
// must match cfg.EID.
func Restore(cfg Config, nvm []byte) (*Card, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var img nvmImage
	if err := json.Unmarshal(nvm, &img); err != nil {
		return nil, fmt.Errorf("euicc: decode NVM: %w", err)
	}
	if img.Version != nvmVersion {
		return nil, fmt.Errorf("euicc: NVM version %d, want %d", img.Version, nvmVersion)
	}
	if img.EID != cfg.EID {
		return nil, fmt.Errorf("euicc: NVM belongs to EID %s, not %s", img.EID, cfg.EID)
	}
	specs := make([]ProfileSpec, len(img.Profiles))
	for i, p := range img.Profiles {
		specs[i] = ProfileSpec{ICCID: p.ICCID, Operator: p.Operator, SPN: p.SPN, Name: p.Name, IMSI: p.IMSI, MNCLen: p.MNCLen, Enabled: p.Enabled}
	}
	// After a DisableProfile no profile may be enabled; never more than one.
	if err := validateProfiles(specs, 0); err != nil {
		return nil, fmt.Errorf("NVM: %w", err)
	}
	c := newCard(cfg)
	aids := map[string]bool{}
	for i, p := range img.Profiles {
		aid, err := hex.DecodeString(p.AID)
		if err != nil || len(aid) < 5 || len(aid) > 16 || aids[p.AID] {
			return nil, fmt.Errorf("euicc: NVM profile %s: bad or duplicate ISD-P AID %q", p.ICCID, p.AID)
		}
		aids[p.AID] = true
		if p.Size < 0 {
			return nil, fmt.Errorf("euicc: NVM profile %s: negative size", p.ICCID)
		}
		if len(p.Nickname) > es10.MaxNickname {
			return nil, fmt.Errorf("euicc: NVM profile %s: nickname longer than %d bytes", p.ICCID, es10.MaxNickname)
		}
		q := &profile{ProfileSpec: specs[i], AID: aid, Original: p.Original, SMDP: p.SMDP, Size: p.Size, Nickname: p.Nickname}
		if p.Metadata != nil {
			m, err := es10.DecodeProfileMetadata(p.Metadata)
			if err != nil || m.ICCID != p.ICCID {
				return nil, fmt.Errorf("euicc: NVM profile %s: metadata: %v", p.ICCID, err)
			}
			q.Meta = &m
		}
		c.profiles = append(c.profiles, q)
	}
	st, err := applet.DecodeState(img.Applet)
	if err != nil {
		return nil, fmt.Errorf("euicc: NVM: %w", err)
	}
	if err := applet.CheckState(st, c.appletProfiles()); err != nil {
		return nil, fmt.Errorf("euicc: NVM: %w", err)
	}
	c.defaultDP = img.DefaultSMDP
	c.appletState = st
	if len(img.Notifications) > maxPending || img.NotifSeq < 0 {
		return nil, fmt.Errorf("euicc: NVM: %d pending notifications, sequence %d", len(img.Notifications), img.NotifSeq)
	}
	c.notifications, c.notifSeq = img.Notifications, img.NotifSeq
	return c, nil
}
