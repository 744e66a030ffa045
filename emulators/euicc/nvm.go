package euicc

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/exactjson"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
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
	// Installing is a profile package being installed (install.go);
	// absent from an image written before it existed.
	Installing *installRecord `json:"installing,omitempty"`
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
	MSISDN   string `json:"msisdn,omitempty"`
	// Metadata is the StoreMetadataRequest (BF25) a downloaded profile
	// came with.
	Metadata []byte `json:"metadata,omitempty"`
	// OperatorPLMNs is the profile's EF OPLMNwAcT list (nil: its home
	// network alone).
	OperatorPLMNs []string `json:"operator_plmns,omitempty"`
	// EHPLMNs is the profile's EF EHPLMN list (nil: none).
	EHPLMNs []string `json:"ehplmns,omitempty"`
	// HPPLMN is the profile's EF HPPLMN byte (nil: saip.HPPLMNDefault);
	// an int so that a value no byte holds is named, not a decode error.
	HPPLMN *int `json:"hpplmn,omitempty"`
	// Files are the USIM files the terminal wrote (profile.Files): file
	// id to content, both in hex ("6F7E": "…").
	Files map[string]string `json:"files,omitempty"`
	// PIN is the profile's keys (codes, attempts left, PIN1 enabled),
	// left out while they are the defaults (newPINState("", false)).
	PIN *pinState `json:"pin,omitempty"`
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

// HeldNotes returns the report numbers of the notes the card's applet
// still owes the platform, oldest first, as it last persisted its outbox:
// what a fleet counts at retirement as never delivered.
func (c *Card) HeldNotes() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rs []uint64
	for _, n := range c.appletState.Outbox {
		rs = append(rs, n.Report)
	}
	return rs
}

// NVM returns the card's non-volatile memory image.
func (c *Card) NVM() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nvmLocked()
}

// nvmLocked encodes the image; callers hold c.mu.
func (c *Card) nvmLocked() ([]byte, error) {
	st := []byte("null") // the applet never ran: nothing to resume
	if c.appletState.Version != 0 {
		var err error
		if st, err = json.Marshal(c.appletState); err != nil {
			return nil, fmt.Errorf("euicc: encode applet state: %w", err)
		}
	}
	img := nvmImage{Version: nvmVersion, EID: c.cfg.EID, Applet: st, Notifications: append([]Notification{}, c.notifications...),
		NotifSeq: c.notifSeq, DefaultSMDP: c.defaultDP, Installing: c.installing}
	for _, p := range c.profiles {
		np := nvmProfile{
			ICCID: p.ICCID, Operator: p.Operator, IMSI: p.IMSI, MNCLen: p.MNCLen,
			AID: hex.EncodeToString(p.AID), Enabled: p.Enabled, Original: p.Original,
			SMDP: p.SMDP, Size: p.Size, SPN: p.SPN, Name: p.Name, Nickname: p.Nickname, MSISDN: p.MSISDN,
			OperatorPLMNs: p.OperatorPLMNs, EHPLMNs: p.EHPLMNs,
		}
		if p.HPPLMN != nil {
			np.HPPLMN = new(int(*p.HPPLMN))
		}
		if p.Meta != nil {
			np.Metadata = p.Meta.Encode()
		}
		if p.pins != newPINState("", false) {
			pins := p.pins
			np.PIN = &pins
		}
		for fid, b := range p.Files {
			if np.Files == nil {
				np.Files = map[string]string{}
			}
			np.Files[fmt.Sprintf("%04X", fid)] = strings.ToUpper(hex.EncodeToString(b))
		}
		img.Profiles = append(img.Profiles, np)
	}
	b, err := json.Marshal(img)
	if err != nil {
		return nil, fmt.Errorf("euicc: encode NVM: %w", err)
	}
	return b, nil
}

// persistLocked hands the image to Config.OnNVMWrite when it changed since
// the last one handed over. It runs before the card answers the command
// that changed it, so whatever the card acknowledged is persisted.
// Callers hold c.mu.
func (c *Card) persistLocked() {
	if c.cfg.OnNVMWrite == nil {
		return
	}
	img, err := c.nvmLocked()
	if err == nil && bytes.Equal(img, c.persisted) {
		return
	}
	if err == nil {
		err = c.cfg.OnNVMWrite(img)
	}
	if err != nil {
		c.cfg.Log.Emit(eventlog.EUICC, KindCardError, eventlog.F{"reason": "NVM write: " + err.Error()})
		return
	}
	c.persisted = img
}

// Bounds on an NVM image's fields (Restore refuses anything beyond).
const (
	maxProfileSize = 1 << 30 // bytes of card memory one profile takes
	maxNotifSeq    = 1<<31 - 1
	// maxPendingSeq bounds the seq of a notification a new card is given
	// (Config.Pending): half the counter stays for those it makes itself.
	maxPendingSeq      = maxNotifSeq >> 1
	maxPendingBytes    = 16 << 10 // one signed notification with its certificates
	maxNotifAddressLen = 253      // an RFC 1123 host name
	maxOperatorPLMNs   = 32       // EF OPLMNwAcT's entries (saip.OPLMNwAcT)
)

// nvmFile is nvmImage as read back: strict, with the applet's part kept
// raw (its own decoder owns its fields).
type nvmFile struct {
	Version       int             `json:"version"`
	EID           string          `json:"eid"`
	Profiles      []nvmProfile    `json:"profiles"`
	Applet        json.RawMessage `json:"applet"`
	Notifications []Notification  `json:"notifications"`
	NotifSeq      int             `json:"notif_seq,omitempty"`
	DefaultSMDP   string          `json:"default_smdp,omitempty"`
	Installing    *installRecord  `json:"installing,omitempty"`
}

// errOr is err's text, else the given one.
func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// Restore returns a powered-off card with cfg's settings and the profiles,
// notifications and applet state of an NVM image; cfg.Profiles is ignored.
// Every field is checked: an image that is valid JSON but not a card this
// one could have written (two enabled profiles, a notification for an
// event that does not exist, a sequence number out of range, a size no
// card holds) is refused with the field named.
func Restore(cfg Config, nvm []byte) (*Card, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var img nvmFile
	if err := exactjson.Decode(nvm, &img); err != nil {
		return nil, fmt.Errorf("euicc: NVM image: %w", err)
	}
	if err := img.check(cfg.EID); err != nil {
		return nil, fmt.Errorf("euicc: NVM image: %w", err)
	}
	c := newCard(cfg)
	for i, p := range img.Profiles {
		aid, _ := hex.DecodeString(p.AID)
		q := &profile{
			ProfileSpec: ProfileSpec{ICCID: p.ICCID, Operator: p.Operator, SPN: p.SPN, Name: p.Name, IMSI: p.IMSI, MNCLen: p.MNCLen,
				MSISDN: p.MSISDN, Enabled: p.Enabled, OperatorPLMNs: p.OperatorPLMNs, EHPLMNs: p.EHPLMNs},
			AID: aid, Original: p.Original, SMDP: p.SMDP, Size: p.Size, Nickname: p.Nickname}
		if p.HPPLMN != nil {
			q.HPPLMN = new(byte(*p.HPPLMN)) // check took it
		}
		if p.Metadata != nil {
			m, err := es10.DecodeProfileMetadata(p.Metadata)
			if err != nil || m.ICCID != p.ICCID {
				return nil, fmt.Errorf("euicc: NVM image: profiles[%d].metadata: %v", i, errOr(err, "ICCID "+m.ICCID+" is not the profile's"))
			}
			q.Meta = &m
		}
		q.pins = newPINState("", false)
		if p.PIN != nil {
			q.pins = *p.PIN
		}
		q.Files, _ = decodeFiles(q, p.Files) // check took them
		c.profiles = append(c.profiles, q)
	}
	st, err := applet.DecodeState(img.Applet)
	if err != nil {
		return nil, fmt.Errorf("euicc: NVM image: %w", err)
	}
	if err := applet.CheckState(st, c.appletProfiles()); err != nil {
		return nil, fmt.Errorf("euicc: NVM image: %w", err)
	}
	c.defaultDP = img.DefaultSMDP
	c.installing = img.Installing
	c.appletState = st
	c.notifications, c.notifSeq = img.Notifications, img.NotifSeq
	if c.notifications == nil {
		c.notifications = []Notification{}
	}
	return c, nil
}

// check validates the card's own fields (the applet's are its own), naming
// the first bad one.
func (img *nvmFile) check(eid string) error {
	fail := func(field, format string, a ...any) error {
		return fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...))
	}
	switch {
	case img.Version != nvmVersion:
		return fail("version", "%d, want %d", img.Version, nvmVersion)
	case img.EID != eid:
		return fail("eid", "%q is not this card's EID %s", img.EID, eid)
	case len(img.Profiles) == 0:
		return fail("profiles", "none: a card holds at least its original profile")
	case len(img.Profiles) > maxProfiles:
		return fail("profiles", "%d, at most %d", len(img.Profiles), maxProfiles)
	}
	iccids, aids := map[string]bool{}, map[string]bool{}
	enabled, originals := 0, 0
	for i, p := range img.Profiles {
		f := func(name string) string { return fmt.Sprintf("profiles[%d].%s", i, name) }
		spec := ProfileSpec{ICCID: p.ICCID, Operator: p.Operator, SPN: p.SPN, Name: p.Name, IMSI: p.IMSI, MNCLen: p.MNCLen, MSISDN: p.MSISDN}
		if err := validateProfiles([]ProfileSpec{spec}, 0); err != nil {
			return fail(fmt.Sprintf("profiles[%d]", i), "%v", strings.TrimPrefix(err.Error(), "euicc: "))
		}
		aid, err := hex.DecodeString(p.AID)
		switch {
		case iccids[p.ICCID]:
			return fail(f("iccid"), "%s appears twice", p.ICCID)
		case err != nil || len(aid) < 5 || len(aid) > 16:
			return fail(f("isdp_aid"), "%q: want 5 to 16 bytes in hex", p.AID)
		case aids[strings.ToLower(p.AID)]:
			return fail(f("isdp_aid"), "%s appears twice", p.AID)
		case p.Size < 0 || p.Size > maxProfileSize:
			return fail(f("size"), "%d: want 0..%d bytes", p.Size, maxProfileSize)
		case p.SMDP != "" && !isHost(p.SMDP):
			return fail(f("smdp"), "%q is not an SM-DP+ address", p.SMDP)
		case len(p.Nickname) > es10.MaxNickname:
			return fail(f("nickname"), "%d bytes, at most %d", len(p.Nickname), es10.MaxNickname)
		}
		if len(p.OperatorPLMNs) > maxOperatorPLMNs {
			return fail(f("operator_plmns"), "%d, at most %d (EF OPLMNwAcT's entries)", len(p.OperatorPLMNs), maxOperatorPLMNs)
		}
		for j, plmn := range p.OperatorPLMNs {
			if _, err := bcd.PLMN(plmn); err != nil {
				return fail(fmt.Sprintf("profiles[%d].operator_plmns[%d]", i, j), "%q is not a PLMN (MCC and MNC, 5 or 6 digits)", plmn)
			}
		}
		if err := checkEHPLMNs(p.EHPLMNs); err != nil {
			return fail(f("ehplmns"), "%v", err)
		}
		// Any byte is an EF HPPLMN (TS 31.102 §4.2.6: '51'-'FF' read as
		// the default), as a package from another SM-DP+ may carry.
		if p.HPPLMN != nil && (*p.HPPLMN < 0 || *p.HPPLMN > 0xFF) {
			return fail(f("hpplmn"), "%d is not a byte (EF HPPLMN, 0..255)", *p.HPPLMN)
		}
		if _, err := decodeFiles(&profile{ProfileSpec: spec}, p.Files); err != nil {
			return fail(f("files"), "%v", err)
		}
		if p.PIN != nil {
			if err := p.PIN.check(); err != nil {
				return fmt.Errorf("%s.%w", f("pin"), err)
			}
		}
		iccids[p.ICCID], aids[strings.ToLower(p.AID)] = true, true
		if p.Enabled {
			enabled++
		}
		if p.Original {
			originals++
		}
	}
	if enabled > 1 {
		return fail("profiles", "%d enabled, at most one", enabled)
	}
	if originals > 1 {
		return fail("profiles", "%d marked original, at most one", originals)
	}
	if img.DefaultSMDP != "" && !isHost(img.DefaultSMDP) {
		return fail("default_smdp", "%q is not an SM-DP+ address", img.DefaultSMDP)
	}
	if img.Installing != nil {
		if err := img.Installing.check(); err != nil {
			return fmt.Errorf("installing.%w", err)
		}
		// StoreMetadata refuses an ICCID the card holds (errorReason 9,
		// installFailedDueToIccidAlreadyExistsOnEuicc): no install of it
		// gets far enough to record it (outside tester t144 F6).
		if id := img.Installing.ICCID; iccids[id] {
			i := slices.IndexFunc(img.Profiles, func(p nvmProfile) bool { return p.ICCID == id })
			return fail("installing.iccid", "%s is already on the card (profiles[%d]): StoreMetadata refuses it (errorReason %d, %s), so no install of it is recorded",
				id, i, es10.ReasonICCIDAlreadyExists, es10.ReasonName(es10.ReasonICCIDAlreadyExists))
		}
	}
	if img.NotifSeq < 0 || img.NotifSeq > maxNotifSeq {
		return fail("notif_seq", "%d: want 0..%d", img.NotifSeq, maxNotifSeq)
	}
	if len(img.Notifications) > maxPending {
		return fail("notifications", "%d pending, at most %d", len(img.Notifications), maxPending)
	}
	seqs := map[int]bool{}
	for i, n := range img.Notifications {
		f := func(name string) string { return fmt.Sprintf("notifications[%d].%s", i, name) }
		switch {
		case n.Seq < 1 || n.Seq > img.NotifSeq:
			return fail(f("seq"), "%d: want 1..%d (notif_seq, the last one issued)", n.Seq, img.NotifSeq)
		case seqs[n.Seq]:
			return fail(f("seq"), "%d appears twice", n.Seq)
		case !slices.Contains(notificationEvents, n.Event):
			return fail(f("event"), "%q: want one of %s", n.Event, strings.Join(notificationEvents, ", "))
		case n.ICCID == "" && n.Event != "install":
			// A failed install's result may not know the profile (a
			// StoreMetadata that did not decode): NotificationMetadata's
			// iccid is optional (SGP.22 §5.7.9); every other operation
			// names one.
			return fail(f("iccid"), "missing: only an install result may lack the profile (this is %s)", n.Event)
		case n.ICCID != "" && !ident.IsICCID(n.ICCID):
			return fail(f("iccid"), "%q is not an ICCID", n.ICCID)
		case len(n.Address) > maxNotifAddressLen || n.Address != "" && !isHost(n.Address):
			return fail(f("address"), "%q is not an SM-DP+ address", n.Address)
		case len(n.Pending) == 0:
			// ListNotification and RetrieveNotificationsList read only
			// the signed notification: without it the card would hold
			// one it never lists or hands out, yet removes by its seq
			// (outside tester t178 N8). Every one the card keeps has it.
			return fail(f("pending"), "missing: the signed notification is what ListNotification lists and RetrieveNotificationsList hands out, so without it the card could neither, yet NotificationSent would remove seq %d", n.Seq)
		case len(n.Pending) > maxPendingBytes:
			return fail(f("pending"), "%d bytes, at most %d", len(n.Pending), maxPendingBytes)
		}
		if err := n.checkSigned(f); err != nil {
			return err
		}
		seqs[n.Seq] = true
	}
	return nil
}

// checkSigned checks a pending notification's signed encoding against
// its fields (f names one), decoded as ListNotification and
// RetrieveNotificationsList decode it (es10.DecodePendingNotification):
// one they cannot read the card would hold, never list, yet remove by its
// seq, and one whose seq, event, ICCID or address differ from what it
// signed would be listed as one thing and kept as another (outside
// tester t168 F2).
func (n Notification) checkSigned(f func(string) string) error {
	t, rest, err := tlv.ParseOne(n.Pending)
	if err != nil || len(rest) != 0 || (t.Tag != es10.TagProfileInstallResult && t.Tag != 0x30) {
		return fmt.Errorf("%s: not one signed notification (BF37 or 30 TLV)", f("pending"))
	}
	p, err := es10.DecodePendingNotification(n.Pending)
	if err != nil {
		return fmt.Errorf("%s: not a signed notification ListNotification can read: %w", f("pending"), err)
	}
	md := p.Metadata()
	switch {
	case md.Seq != n.Seq:
		return fmt.Errorf("%s: %d disagrees with the signed notification's seqNumber, %d", f("seq"), n.Seq, md.Seq)
	case md.Event.String() != n.Event:
		return fmt.Errorf("%s: %q disagrees with the signed notification's profileManagementOperation, %s", f("event"), n.Event, md.Event)
	case md.ICCID != n.ICCID:
		return fmt.Errorf("%s: %q disagrees with the signed notification's iccid, %s", f("iccid"), n.ICCID, cmp.Or(md.ICCID, "absent"))
	case md.Address != n.Address:
		return fmt.Errorf("%s: %q disagrees with the signed notification's notificationAddress, %q", f("address"), n.Address, md.Address)
	}
	return nil
}

// decodeFiles reads an image's written files for p: each must be a file
// of p's USIM that the terminal may update, holding as many bytes as it
// does.
func decodeFiles(p *profile, files map[string]string) (map[uint16][]byte, error) {
	if len(files) == 0 {
		return nil, nil
	}
	fs := buildFS(p)
	out := make(map[uint16][]byte, len(files))
	for _, k := range slices.Sorted(maps.Keys(files)) {
		id, err := hex.DecodeString(k)
		if err != nil || len(id) != 2 {
			return nil, fmt.Errorf("%q: want a file id, 4 hex digits", k)
		}
		fid := uint16(id[0])<<8 | uint16(id[1])
		n := fs.usim.child(fid)
		if n == nil || !fs.allows(n, saip.AMUpdate, terminalMet) {
			return nil, fmt.Errorf("%s: not a USIM file the terminal may update", k)
		}
		want := fs.content(n)
		b, err := hex.DecodeString(files[k])
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s: %q is not hex", k, files[k])
		case len(b) != len(want):
			return nil, fmt.Errorf("%s: %d bytes, the file holds %d", k, len(b), len(want))
		}
		out[fid] = b
	}
	return out, nil
}

// notificationEvents are the events a pending notification may be for
// (SGP.22 profileManagementOperation).
var notificationEvents = []string{es10.EventInstall.String(), es10.EventEnable.String(), es10.EventDisable.String(), es10.EventDelete.String()}

// isHost accepts an SM-DP+ address: a host name, optionally with a port.
func isHost(s string) bool {
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
		host = h
	}
	return ident.IsHostName(host)
}
