package euicc

// ES10a and ES10c on the ISD-R (SGP.22 v2.2.2 §5.7): the profile list,
// Enable/Disable/Delete, eUICCMemoryReset, GetEID, SetNickname, the
// configured addresses and GetRAT. Every request is decoded with package
// es10, the same strict decoders the host side uses.

import (
	"bytes"
	"slices"
	"unicode/utf8"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// maxES10 bounds a reassembled STORE DATA command. A longer one is refused
// with 6A84 (not enough memory) and the sequence discarded. With P2 counting
// blocks 00-FF of at most 255 bytes a sequence stays below it today; the
// check keeps the bound if block numbering is ever widened.
const maxES10 = 64 << 10

// DefaultRootDS is the root SM-DS address a card reports when Config names
// none: the GSMA's root discovery server (SGP.22 §4.3).
const DefaultRootDS = "lpa.ds.gsma.com"

// storeData is STORE DATA to the ISD-R (GlobalPlatform §11.11): P1 11
// while more blocks follow, 91 on the last, P2 numbering blocks from 0.
func (c *Card) storeData(ch *channel, cmd apdu.Command) apdu.Response {
	if ch.app != appISDR {
		return apdu.Response{SW: apdu.SWINSNotSupported}
	}
	if cmd.P1 != 0x11 && cmd.P1 != 0x91 {
		ch.store, ch.storeNext = nil, 0
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	if cmd.P2 == 0 {
		ch.store, ch.storeNext = nil, 0
	}
	if int(cmd.P2) != ch.storeNext {
		ch.store, ch.storeNext = nil, 0
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	if len(ch.store)+len(cmd.Data) > maxES10 {
		ch.store, ch.storeNext = nil, 0
		return apdu.Response{SW: apdu.SWNotEnoughMemory}
	}
	if cmd.P1 == 0x91 && cmd.P2 == 0 && bytes.Equal(cmd.Data, getEIDRequest) {
		// GetEID whole in one block, as LPAs send it over and over: the
		// answer es10 gives these bytes, without copying and decoding
		// them again. The shared answer is only sliced and copied on
		// (respond, GET RESPONSE, Response.Bytes); capped, an append
		// to it could not write into it.
		return respond(ch, cmd, c.eidResponse[:len(c.eidResponse):len(c.eidResponse)], apdu.SWOK)
	}
	ch.store = append(ch.store, cmd.Data...)
	ch.storeNext++
	if cmd.P1 == 0x11 {
		return apdu.Response{SW: apdu.SWOK}
	}
	req := ch.store
	ch.store, ch.storeNext = nil, 0
	data, sw := c.es10(req)
	return respond(ch, cmd, data, sw)
}

// getEIDRequest is GetEuiccDataRequest asking for the EID (SGP.22
// §5.7.20: BF3E { 5C tagList '5A' }) in its one DER encoding.
var getEIDRequest = []byte{0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A}

// maxDefaultDP is the longest default SM-DP+ address the card keeps, in
// characters: an FQDN's 255.
const maxDefaultDP = 255

// es10 runs one ES10 function. A request that is not exactly one well-formed
// BER-TLV, or whose fields do not match the function's ASN.1, gets 6A80. A
// well-formed request with a tag of no function this card implements gets
// 6A88 (referenced data not found): ES10 error results are per-function
// types, so there is no response in which to report an unknown function.
func (c *Card) es10(req []byte) ([]byte, uint16) {
	if c.isBPPSegment(req) {
		return c.loadBPP(req)
	}
	obj, rest, err := tlv.ParseOne(req)
	if err != nil || len(rest) != 0 || !obj.IsConstructed() {
		return nil, apdu.SWIncorrectData
	}
	var resp []byte
	switch obj.Tag {
	case es10.TagProfileInfoList:
		resp, err = c.getProfilesInfo(req)
	case es10.TagGetEuiccData:
		if err = es10.DecodeGetEuiccDataRequest(req); err == nil {
			resp = slices.Clone(c.eidResponse) // the answer is handed on (GET RESPONSE keeps it): not the card's own
		}
	case es10.TagEnableProfile, es10.TagDisableProfile:
		if c.refreshDue {
			// DESIGN §4: after a switch with refresh the card waits for
			// the terminal's reset before it accepts another.
			return nil, apdu.SWConditionsNotSatisfied
		}
		resp, err = c.switchProfile(req)
	case es10.TagDeleteProfile:
		resp, err = c.deleteProfile(req)
	case es10.TagEuiccMemoryReset:
		resp, err = c.memoryReset(req)
	case es10.TagSetNickname:
		resp, err = c.setNickname(req)
	case es10.TagConfiguredAddresses:
		return c.emptyRequest(obj, es10.ConfiguredAddresses{DefaultDP: c.defaultDP, RootDS: c.rootDS()}.Encode)
	case es10.TagSetDefaultDpAddress:
		var addr string
		if addr, err = es10.DecodeSetDefaultDpAddressRequest(req); err == nil {
			// The module puts no size on the address; the card keeps
			// an FQDN's worth and answers a longer one with the
			// function's own error, not a status word (outside tester
			// sw120).
			result := es10.SetDefaultDPUndefined
			if utf8.RuneCountInString(addr) <= maxDefaultDP {
				c.defaultDP, result = addr, es10.SetDefaultDPOK
			}
			resp = es10.EncodeResult(es10.TagSetDefaultDpAddress, result)
		}
	case es10.TagGetRAT:
		// The configured table; none configured, an empty one: no
		// operator may set a profile policy rule.
		return c.emptyRequest(obj, func() []byte { return es10.EncodeRAT(c.cfg.RAT) })
	default:
		if data, sw, ok := c.es10b(obj); ok {
			return data, sw
		}
		return nil, apdu.SWReferencedDataNotFound
	}
	if err != nil {
		return nil, apdu.SWIncorrectData
	}
	return resp, apdu.SWOK
}

func (c *Card) rootDS() string {
	if c.cfg.RootDS != "" {
		return c.cfg.RootDS
	}
	return DefaultRootDS
}

// getProfilesInfo answers ProfileInfoListRequest (SGP.22 §5.7.15): the
// profiles matching the search criteria, with the fields of the tag list
// (all of them without one).
func (c *Card) getProfilesInfo(req []byte) ([]byte, error) {
	r, err := es10.DecodeProfileInfoListRequest(req)
	if err != nil {
		return nil, err
	}
	if r.Class != nil && (*r.Class < es10.ClassTest || *r.Class > es10.ClassOperational) {
		// No profile can be of a class the module does not name
		// (outside tester sw120: an empty list said nothing was wrong).
		return es10.EncodeProfileInfoList(nil, nil, es10.ProfileInfoIncorrectInput), nil
	}
	tags := r.Tags
	if tags == nil {
		tags = es10.DefaultInfoTags
	}
	var list []es10.ProfileInfo
	for _, p := range c.profiles {
		switch {
		case r.AID != nil && !bytes.Equal(p.AID, r.AID),
			r.ICCID != "" && p.ICCID != r.ICCID,
			r.Class != nil && *r.Class != p.class():
			continue
		}
		list = append(list, p.info())
	}
	return es10.EncodeProfileInfoList(list, tags, 0), nil
}

// switchProfile answers EnableProfileRequest / DisableProfileRequest
// (SGP.22 §5.7.16-17).
func (c *Card) switchProfile(req []byte) ([]byte, error) {
	r, err := es10.DecodeSwitchRequest(req)
	if err != nil {
		return nil, err
	}
	var result int
	switch {
	case r.Refresh && c.rt != nil && c.rt.busy():
		result = es10.ResultCatBusy
	case r.Tag == es10.TagEnableProfile:
		result = c.enableProfile(c.find(r.Profile))
	default:
		result = c.disableProfile(c.find(r.Profile))
	}
	if result == es10.ResultOK && r.Refresh {
		c.askRefresh()
	}
	return es10.EncodeResult(r.Tag, result), nil
}

// askRefresh marks the card as waiting for the terminal's reset and, with
// the toolkit up, queues the REFRESH.
func (c *Card) askRefresh() {
	c.refreshDue = true
	if c.rt != nil {
		c.rt.cardRefresh()
	}
}

// find resolves an ES10 profile identifier (ISD-P AID or ICCID).
func (c *Card) find(id es10.ProfileID) *profile {
	for _, p := range c.profiles {
		if id.AID != nil && bytes.Equal(p.AID, id.AID) || id.AID == nil && p.ICCID == id.ICCID {
			return p
		}
	}
	return nil
}

func (c *Card) findICCID(iccid string) *profile { return c.find(es10.ProfileID{ICCID: iccid}) }

// enableProfile enables p and disables the profile enabled before; the file
// system shows p after the next reset. It is the one code path for ES10c
// and for the applet. An enabled profile whose rules forbid disabling it
// (PPR1) stays: disallowedByPolicy (SGP.22 §2.9, §5.7.16).
func (c *Card) enableProfile(p *profile) int {
	switch {
	case p == nil:
		return es10.ResultNotFound
	case p.Enabled:
		return es10.ResultWrongState
	}
	if q := c.enabled(); q != nil && q.policy().Has(es10.PPR1) {
		return es10.ResultDisallowedByPolicy
	}
	for _, q := range c.profiles {
		if q.Enabled {
			q.Enabled = false
			c.notifyOperation(es10.EventDisable, q)
		}
	}
	p.Enabled = true
	c.notifyOperation(es10.EventEnable, p)
	return es10.ResultOK
}

// disableProfile disables p unless its rules forbid it (PPR1:
// disallowedByPolicy, SGP.22 §5.7.17).
func (c *Card) disableProfile(p *profile) int {
	switch {
	case p == nil:
		return es10.ResultNotFound
	case !p.Enabled:
		return es10.ResultWrongState
	case p.policy().Has(es10.PPR1):
		return es10.ResultDisallowedByPolicy
	}
	p.Enabled = false
	c.notifyOperation(es10.EventDisable, p)
	return es10.ResultOK
}

// deleteProfile answers DeleteProfileRequest (SGP.22 §5.7.18): only a
// disabled profile may go, and only when its rules allow it (PPR2:
// disallowedByPolicy); its memory is freed.
func (c *Card) deleteProfile(req []byte) ([]byte, error) {
	id, err := es10.DecodeDeleteProfileRequest(req)
	if err != nil {
		return nil, err
	}
	p := c.find(id)
	result := es10.ResultOK
	switch {
	case p == nil:
		result = es10.ResultNotFound
	case p.Enabled:
		result = es10.ResultWrongState
	case p.policy().Has(es10.PPR2):
		result = es10.ResultDisallowedByPolicy
	default:
		c.remove(p)
		c.notifyOperation(es10.EventDelete, p)
		c.profilesDeleted()
	}
	return es10.EncodeResult(es10.TagDeleteProfile, result), nil
}

func (c *Card) remove(p *profile) {
	for i, q := range c.profiles {
		if q == p {
			c.profiles = append(c.profiles[:i:i], c.profiles[i+1:]...)
			return
		}
	}
}

// memoryReset answers EuiccMemoryResetRequest (SGP.22 §5.7.19): delete the
// operational profiles (the enabled one too, which then needs the
// terminal's REFRESH) and/or forget the default SM-DP+ address. This card
// holds no test profiles. Nothing to do answers nothingToDelete. Profile
// policy rules do not hold the reset back: it deletes every operational
// profile, PPR1 and PPR2 ones too (EuiccMemoryResetResponse has no
// disallowedByPolicy result to refuse with).
func (c *Card) memoryReset(req []byte) ([]byte, error) {
	opts, err := es10.DecodeEuiccMemoryResetRequest(req)
	if err != nil {
		return nil, err
	}
	done := false
	if opts.Has(es10.ResetOperationalProfiles) {
		hadEnabled := c.enabled() != nil
		for _, p := range append([]*profile(nil), c.profiles...) {
			if p.class() == es10.ClassOperational {
				c.remove(p)
				done = true
			}
		}
		if done {
			c.profilesDeleted()
		}
		if hadEnabled && c.enabled() == nil {
			c.askRefresh()
		}
	}
	if opts.Has(es10.ResetDefaultSmdpAddress) && c.defaultDP != "" {
		c.defaultDP, done = "", true
	}
	result := es10.ResetOK
	if !done {
		result = es10.ResetNothingToDelete
	}
	return es10.EncodeResult(es10.TagEuiccMemoryReset, result), nil
}

// setNickname answers SetNicknameRequest (SGP.22 §5.7.21); a nickname
// over 64 bytes does not decode (6A80).
func (c *Card) setNickname(req []byte) ([]byte, error) {
	r, err := es10.DecodeSetNicknameRequest(req)
	if err != nil {
		return nil, err
	}
	result := es10.NicknameICCIDUnknown
	if p := c.findICCID(r.ICCID); p != nil {
		p.Nickname, result = r.Nickname, es10.NicknameOK
	}
	return es10.EncodeResult(es10.TagSetNickname, result), nil
}
