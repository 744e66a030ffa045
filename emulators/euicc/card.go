package euicc

import (
	"fmt"
	"slices"
	"sync"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// profile is a profile in the card's non-volatile memory.
type profile struct {
	ProfileSpec
	AID []byte // ISD-P AID
	// Original marks the profile enabled when the card was created: the
	// fallback channel the applet returns to.
	Original bool
	// SMDP is the SM-DP+ address a downloaded profile came from (its
	// notification address); Size the NVM its profile package takes; Meta
	// the StoreMetadataRequest it came with. All zero when preinstalled.
	SMDP string
	Size int
	Meta *es10.ProfileMetadata
	// Nickname is the end user's name for the profile (SetNickname).
	Nickname string
	// pins are the profile's keys: codes, attempts left, PIN1 enabled or
	// not (pin.go), kept in NVM with the profile.
	pins pinState
	// Files holds what the terminal wrote to the profile's USIM files
	// (file id → whole content), nil until it writes: a USIM keeps them in
	// its NVM, so LOCI or FPLMN written before a power cycle read back
	// after it, and they belong to this profile's file system.
	Files map[uint16][]byte
}

// class is the profile class: the metadata's, operational when preinstalled.
func (p *profile) class() int {
	if p.Meta != nil {
		return p.Meta.Class
	}
	return es10.ClassOperational
}

// policy is the profile's profile policy rules (SGP.22 §2.9): those of
// its metadata; a preinstalled profile has none.
func (p *profile) policy() es10.Bits {
	if p.Meta != nil && p.Meta.PPR != nil {
		return *p.Meta.PPR
	}
	return 0
}

// info is the profile as GetProfilesInfo lists it: the names, class,
// owner and notification configuration of its metadata; a preinstalled
// profile shows its operator as service provider, its name (else the
// operator) as profile name and its IMSI's PLMN as owner.
func (p *profile) info() es10.ProfileInfo {
	i := es10.ProfileInfo{ICCID: p.ICCID, AID: p.AID, State: es10.StateDisabled, Nickname: p.Nickname,
		ServiceProviderName: or(p.SPN, p.Operator), ProfileName: or(p.Name, p.Operator), Class: p.class(),
		Owner: &es10.OperatorID{PLMN: p.HomePLMN()}}
	if p.Enabled {
		i.State = es10.StateEnabled
	}
	if m := p.Meta; m != nil {
		i.ServiceProviderName, i.ProfileName = m.ServiceProviderName, m.ProfileName
		i.Icon, i.NotificationConfig, i.PPR = m.Icon, m.NotificationConfig, m.PPR
		if m.Owner != nil {
			i.Owner = m.Owner
		}
	}
	return i
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// Card is a virtual eUICC. Its methods are safe for concurrent use; APDUs
// are processed one at a time.
type Card struct {
	mu  sync.Mutex
	cfg Config
	// eidResponse is GetEID's answer, encoded once: hosts ask for it in
	// loops (an LPA's every call, the GetEID benchmark).
	eidResponse []byte

	// Non-volatile memory.
	profiles      []*profile
	appletState   applet.State
	notifications []Notification
	notifSeq      int    // last notification sequence number (SGP.22 §5.7.9)
	defaultDP     string // default SM-DP+ address (ES10a SetDefaultDpAddress)
	// installing is the profile package being installed (install.go).
	installing *installRecord
	// persisted is the image last handed to Config.OnNVMWrite.
	persisted []byte

	// Volatile state, cleared by Reset.
	powered bool
	fs      *fileSystem
	chans   [maxChannels]*channel
	// refreshDue is set by an ES10c enable/disable with refreshFlag: the
	// ISD-R refuses further switches (6985) until the terminal resets the card.
	refreshDue bool
	rt         *runtime
	// sess is the ISD-R's download session (ES10b, es10b.go).
	sess *rspSession

	// interrupt, if set, says a power cut is under way (SetInterrupt).
	interrupt func() bool
	// cutDue, if set, says a power cut comes once the current piece of
	// work is over (SetCutDue).
	cutDue func() bool

	// newMethod builds the hosted applet; tests swap in a double.
	newMethod func(applet.Config, applet.State) method
	// panicked records a recovered panic (a bug), for tests.
	panicked any
}

// maxChannels is the basic channel plus 19 logical channels (7816-4 §5.4.1).
const maxChannels = 20

// New returns a powered-off card holding cfg.Profiles; call Reset to power it.
func New(cfg Config) (*Card, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := validateProfiles(cfg.Profiles, 1); err != nil {
		return nil, err
	}
	c := newCard(cfg)
	c.defaultDP = cfg.DefaultSMDP
	for i, p := range cfg.Profiles {
		c.profiles = append(c.profiles, &profile{ProfileSpec: p, AID: isdpAID(i), Original: p.Enabled,
			pins: newPINState(p.PIN1, p.PIN1Enabled)})
	}
	if err := c.holdPending(cfg.Pending); err != nil {
		return nil, err
	}
	return c, nil
}

func newCard(cfg Config) *Card {
	return &Card{cfg: cfg, newMethod: defaultMethod, eidResponse: es10.EncodeEID(cfg.EID)}
}

func isdpAID(i int) []byte {
	aid := append([]byte(nil), isdpAIDPrefix...)
	return append(aid, byte(0x10+i), 0x00)
}

// atr is the answer to reset (ISO 7816-3 §8.2): direct convention, TA1 96
// (Fi 512, Di 32), T=0 offered, then global T=15 with TA3 C7 (clock stop
// and class A/B/C) and TB3 82, which says the UICC is an eUICC (TS 102 221
// §6.3.3; commercial eUICCs answer 3F C7 82 there, and it is the byte
// Android reads to treat a card as one), ten historical bytes in
// compact-TLV (category 80, card service data, card capabilities, status
// 9000) and TCK. The capabilities' third byte (7816-4 third software
// function table) is 1F: logical channels assigned by the card (b5,
// MANAGE CHANNEL P2 00) and by the interface device (b4, P2 the number),
// 8 or more of them (b3-b1 111; the card has maxChannels).
var atr = func() []byte {
	b := []byte{0x3B, 0x9A, 0x96, 0x80, 0x3F, 0xC7, 0x82,
		0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1F, 0x82, 0x90, 0x00}
	var tck byte
	for _, x := range b[1:] {
		tck ^= x
	}
	return append(b, tck)
}()

// Reset powers the card (or warm-resets it) and returns the ATR. Channels,
// selections, pending responses, the proactive queue and any BIP session
// are cleared; the file system is rebuilt from the profile enabled now.
func (c *Card) Reset() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powered = true
	c.restart()
	return append([]byte(nil), atr...)
}

// restart is the card's state after activation, with c.mu held: what a
// reset does, and an eUICC Profile State Change REFRESH without one.
func (c *Card) restart() {
	c.refreshDue = false
	c.sess = nil
	c.interruptedInstall()
	c.fs = buildFS(c.enabled())
	c.chans = [maxChannels]*channel{}
	c.chans[0] = newChannel(c.fs)
	if c.rt != nil {
		c.rt.stop()
	}
	c.rt = newRuntime(c)
}

// SetInterrupt gives the card a check of whether its power is being
// cut: the harness's cut after an event the card logs in the middle of its
// own work (a segment of a profile package its applet loads). The card's
// toolkit runtime carries out no further effect of the applet once it
// says so, as a card loses power wherever it is; the cut itself comes
// once the current command is answered.
func (c *Card) SetInterrupt(cut func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interrupt = cut
}

func (c *Card) interrupted() bool { return c.interrupt != nil && c.interrupt() }

// SetCutDue gives the card a check of whether a power cut comes once the
// current piece of work is over: the harness's cut after an event the
// card's applet logs. The toolkit runtime then finishes the step that
// logged it (its effects, and what they lead to at once) but starts
// nothing an earlier step queued: that would be the card's doing after
// the event, which the cut is defined to precede.
func (c *Card) SetCutDue(due func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cutDue = due
}

func (c *Card) cutIsDue() bool { return c.cutDue != nil && c.cutDue() }

// OwedAtPowerOn are the notes the card's applet will owe the platform
// once it next boots, in the order it would send them — what a run that
// ends names as not acknowledged (the device offline, the platform
// down): the applet's outbox while it runs; for a card whose applet has not booted since its last
// reset (the power off, or the card out, to the end of a run), the outbox
// the applet's own Boot makes of its persisted state and the profiles in
// NVM. A cut right after an install the applet had not yet judged leaves
// the download-success to be made at power-on (outside tester t247:
// run_ended named none).
func (c *Card) OwedAtPowerOn() []applet.Note {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.appletState
	if c.rt != nil && c.rt.started {
		return slices.Clone(st.Outbox)
	}
	// The applet's Step is pure: a throwaway copy booted here changes
	// nothing on the card, and its Persist effects say what it would keep.
	m := c.newMethod(c.appletConfig(), st)
	for _, e := range m.Step(applet.Boot{Profiles: c.appletProfiles()}) {
		if p, ok := e.(applet.Persist); ok {
			st = p.State
		}
	}
	return slices.Clone(st.Outbox)
}

// PendingNotifications are the SGP.22 notifications the card still
// holds (§3.5: each kept until the LPA removes it as delivered,
// NotificationSent), in the order of its list and without their signed
// encoding: what a run that ends names as still owed to an SM-DP+ (its
// address unreachable, or the device offline, to the end).
func (c *Card) PendingNotifications() []Notification {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Notification, len(c.notifications))
	for i, n := range c.notifications {
		n.Pending = nil
		out[i] = n
	}
	return out
}

// PowerOff removes power: volatile state is lost, NVM is kept.
func (c *Card) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powered = false
	c.sess = nil
	c.chans = [maxChannels]*channel{}
	if c.rt != nil {
		c.rt.stop()
	}
	c.rt = nil
}

// Close ends an exchange the card's toolkit runtime has in progress (its
// protocol goroutine waits for the rest of an answer that will not come:
// a run that ends while a platform holds its answer) when the rig is done
// with the card. Nothing is logged and NVM is untouched; the card is not
// used after it.
func (c *Card) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rt != nil {
		c.rt.stop()
	}
}

// ATR returns the answer to reset.
func ATR() []byte { return append([]byte(nil), atr...) }

func (c *Card) enabled() *profile {
	for _, p := range c.profiles {
		if p.Enabled {
			return p
		}
	}
	return nil
}

// Transmit processes one command APDU and returns the response data and
// status word. Every error is answered with a status word.
func (c *Card) Transmit(b []byte) (out []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			c.panicked = r
			c.cfg.Log.Emit(eventlog.EUICC, KindCardError, eventlog.F{"reason": fmt.Sprint(r), "apdu": fmt.Sprintf("%X", b)})
			out = apdu.Status(apdu.SWUnknown)
		}
	}()
	if !c.powered {
		// A card without power answers nothing; the terminal sees a
		// technical problem without precise diagnosis.
		return apdu.Status(apdu.SWUnknown)
	}
	cmd, err := apdu.Parse(b)
	if err != nil {
		return apdu.Status(apdu.SWOf(err))
	}
	r := c.dispatch(cmd)
	c.persistLocked() // before the answer acknowledges what changed
	// TS 102 221 §7.4.2.2: with a proactive command pending, normal ending
	// 9000 becomes 91xx.
	if r.SW == apdu.SWOK {
		if n := c.rt.pendingLen(); n > 0 {
			r.SW = apdu.ProactivePending(n)
		}
	}
	return r.Bytes()
}

// claError checks the class byte: the first and further interindustry
// classes and their proprietary (b8 set) forms, without secure messaging.
func claError(cla byte) uint16 {
	switch {
	case cla == 0xFF: // reserved for PPS (7816-3)
		return apdu.SWCLANotSupported
	case cla&0x70 == 0x00: // 0X / 8X
		if cla&0x0C != 0 {
			return apdu.SWSecureMessagingNotSupported
		}
		return 0
	case cla&0x70 == 0x40: // 4X / CX
		return 0
	case cla&0x70 == 0x60: // 6X / EX: further interindustry with SM
		return apdu.SWSecureMessagingNotSupported
	}
	return apdu.SWCLANotSupported
}

type insClass int

const (
	interindustry insClass = iota
	proprietary
	either
)

var insClasses = map[byte]insClass{
	0xA4: interindustry, // SELECT
	0xB0: interindustry, // READ BINARY
	0xB2: interindustry, // READ RECORD
	0xD6: interindustry, // UPDATE BINARY
	0xDC: interindustry, // UPDATE RECORD
	0x70: interindustry, // MANAGE CHANNEL
	0x20: interindustry, // VERIFY PIN
	0x24: interindustry, // CHANGE PIN
	0x26: interindustry, // DISABLE PIN
	0x28: interindustry, // ENABLE PIN
	0x2C: interindustry, // UNBLOCK PIN
	0xC0: either,        // GET RESPONSE
	0xF2: proprietary,   // STATUS
	0x10: proprietary,   // TERMINAL PROFILE
	0x12: proprietary,   // FETCH
	0x14: proprietary,   // TERMINAL RESPONSE
	0xC2: proprietary,   // ENVELOPE
	0xE2: proprietary,   // STORE DATA (GlobalPlatform)
}

// insTable is insClasses by INS, for dispatch to read without a map
// lookup per APDU.
var insTable = func() (t [256]struct {
	class insClass
	known bool
}) {
	for ins, class := range insClasses {
		t[ins].class, t[ins].known = class, true
	}
	return t
}()

func (c *Card) dispatch(cmd apdu.Command) apdu.Response {
	if sw := claError(cmd.CLA); sw != 0 {
		return apdu.Response{SW: sw}
	}
	class, known := insTable[cmd.INS].class, insTable[cmd.INS].known
	if !known {
		return apdu.Response{SW: apdu.SWINSNotSupported}
	}
	prop := cmd.CLA&0x80 != 0
	if (class == interindustry && prop) || (class == proprietary && !prop) {
		return apdu.Response{SW: apdu.SWCLANotSupported}
	}
	ch := c.chans[cmd.Channel()]
	if ch == nil {
		return apdu.Response{SW: apdu.SWChannelNotSupported}
	}
	if cmd.INS != 0xC0 {
		ch.out = nil // a pending response is lost on any other command
	}
	switch cmd.INS {
	case 0xA4:
		return c.selectFile(ch, cmd)
	case 0xB0:
		return ch.readBinary(cmd)
	case 0xB2:
		return ch.readRecord(cmd)
	case 0xD6:
		return c.kept(ch, ch.updateBinary(cmd))
	case 0xDC:
		return c.kept(ch, ch.updateRecord(cmd))
	case apdu.InsManageChannel:
		return c.manageChannel(cmd)
	case 0xC0:
		return ch.getResponse(cmd)
	case 0xF2:
		r := ch.status(cmd)
		c.rt.statusPoll()
		return r
	case 0xE2:
		return c.storeData(ch, cmd)
	case apdu.InsVerifyPIN, apdu.InsChangePIN, apdu.InsDisablePIN, apdu.InsEnablePIN, apdu.InsUnblockPIN:
		return c.pinCommand(cmd)
	default:
		return c.toolkit(ch, cmd)
	}
}

// respond returns data directly when the command's Le covers it, else keeps
// it for GET RESPONSE and answers 61xx (the T=0 convention of 7816-3
// §10.3.5, which every terminal handles). On the contacts a command with
// data never has an Le (the modem sends it over T=0, apdu.OverT0); the
// direct answer serves callers that hand the card whole APDUs.
func respond(ch *channel, cmd apdu.Command, data []byte, sw uint16) apdu.Response {
	if len(data) == 0 || (cmd.HasLe && len(data) <= cmd.Le) {
		return apdu.Response{Data: data, SW: sw}
	}
	ch.out = data
	return apdu.Response{SW: apdu.BytesAvailable(min(len(data), 256))}
}

// exactly answers a case-2 command on T=0, where P3 is the number of bytes
// the card must send: data when it is that long, else 6Cxx with the length
// to ask for (TS 102 221 §7.3.1.1.2).
func exactly(cmd apdu.Command, data []byte) apdu.Response {
	if p3(cmd) != len(data) {
		return apdu.Response{SW: apdu.WrongLe(len(data))}
	}
	return apdu.Response{Data: data, SW: apdu.SWOK}
}
