package euicc

import (
	"bytes"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// maxES10 bounds a reassembled STORE DATA command. A longer one is refused
// with 6A84 (not enough memory) and the sequence discarded. With P2 counting
// blocks 00-FF of at most 255 bytes a sequence stays below it today; the
// check keeps the bound if block numbering is ever widened.
const maxES10 = 64 << 10

// ES10 tags handled (SGP.22 §5.7).
const (
	tagGetProfilesInfo = 0xBF2D
	tagEnableProfile   = 0xBF31
	tagDisableProfile  = 0xBF32
	tagGetEuiccData    = 0xBF3E
)

// ES10c EnableProfile / DisableProfile results (SGP.22 §5.7.16, §5.7.17).
const (
	ResultOK                      = 0
	ResultNotFound                = 1 // iccidOrAidNotFound
	ResultWrongState              = 2 // profileNotIn{Disabled,Enabled}State
	ResultDisallowedByPolicy      = 3
	ResultCatBusy                 = 5
	ResultUndefined               = 127
	profileStateDisabled     byte = 0x00
	profileStateEnabled      byte = 0x01
)

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
	var resp tlv.TLV
	var ok bool
	switch obj.Tag {
	case tagGetProfilesInfo:
		resp, ok = c.getProfilesInfo(obj)
	case tagGetEuiccData:
		resp, ok = c.getEuiccData(obj)
	case tagEnableProfile, tagDisableProfile:
		if c.refreshDue {
			// DESIGN §4: after a switch with refresh the card waits for
			// the terminal's reset before it accepts another.
			return nil, apdu.SWConditionsNotSatisfied
		}
		resp, ok = c.switchProfile(obj)
	default:
		if data, sw, ok := c.es10b(obj); ok {
			return data, sw
		}
		return nil, apdu.SWReferencedDataNotFound
	}
	if !ok {
		return nil, apdu.SWIncorrectData
	}
	return resp.Bytes(), apdu.SWOK
}

// getEuiccData answers GetEuiccDataRequest (BF3E {5C 5A}) with the EID.
func (c *Card) getEuiccData(req tlv.TLV) (tlv.TLV, bool) {
	cs, _ := req.Children()
	tl, found := tlv.Find(cs, 0x5C)
	if len(cs) != 1 || !found || !bytes.Equal(tl.Value, []byte{0x5A}) {
		return tlv.TLV{}, false
	}
	return tlv.Constructed(tagGetEuiccData, tlv.New(0x5A, eidBytes(c.cfg.EID))), true
}

// eidBytes packs the 32 EID digits as 16 bytes of plain BCD (SGP.02 §2.2.2).
func eidBytes(eid string) []byte {
	b := make([]byte, 16)
	for i := 0; i < len(eid) && i < 32; i++ {
		b[i/2] |= (eid[i] - '0') << (4 * (1 - i%2))
	}
	return b
}

// defaultInfoTags are the ProfileInfo fields returned without a tag list.
var defaultInfoTags = []uint32{0x5A, 0x4F, 0x9F70, 0x91, 0x92, 0x95}

// getProfilesInfo answers ProfileInfoListRequest (SGP.22 §5.7.15):
// BF2D { [A0 searchCriteria {4F | 5A | 95}] [5C tagList] } →
// BF2D { A0 { E3 ProfileInfo ... } }.
func (c *Card) getProfilesInfo(req tlv.TLV) (tlv.TLV, bool) {
	cs, _ := req.Children()
	tags := defaultInfoTags
	match := func(*profile) bool { return true }
	for _, f := range cs {
		switch f.Tag {
		case 0xA0:
			crit, _ := f.Children()
			if len(crit) != 1 {
				return tlv.TLV{}, false
			}
			want := crit[0]
			switch want.Tag {
			case 0x5A:
				match = func(p *profile) bool { return bytes.Equal(bcd.Swapped(p.ICCID, 10), want.Value) }
			case 0x4F:
				match = func(p *profile) bool { return bytes.Equal(p.AID, want.Value) }
			case 0x95: // profileClass: every profile here is operational (2)
				match = func(*profile) bool { return bytes.Equal(want.Value, []byte{0x02}) }
			default:
				return tlv.TLV{}, false
			}
		case 0x5C:
			t, err := tlv.ParseTags(f.Value)
			if err != nil {
				return tlv.TLV{}, false
			}
			tags = t
		default:
			return tlv.TLV{}, false
		}
	}
	var infos []tlv.TLV
	for _, p := range c.profiles {
		if match(p) {
			infos = append(infos, profileInfo(p, tags))
		}
	}
	return tlv.Constructed(tagGetProfilesInfo, tlv.Constructed(0xA0, infos...)), true
}

// profileInfo builds one ProfileInfo (E3) with the fields named in tags.
func profileInfo(p *profile, tags []uint32) tlv.TLV {
	want := map[uint32]bool{}
	for _, t := range tags {
		want[t] = true
	}
	state := profileStateDisabled
	if p.Enabled {
		state = profileStateEnabled
	}
	all := []tlv.TLV{
		tlv.New(0x5A, bcd.Swapped(p.ICCID, 10)),
		tlv.New(0x4F, p.AID),
		tlv.New(0x9F70, []byte{state}),
		tlv.New(0x91, []byte(p.Operator)), // serviceProviderName
		tlv.New(0x92, []byte(p.Operator)), // profileName
		tlv.New(0x95, []byte{0x02}),       // profileClass operational
	}
	var fields []tlv.TLV
	for _, f := range all {
		if want[f.Tag] {
			fields = append(fields, f)
		}
	}
	return tlv.Constructed(0xE3, fields...)
}

// switchProfile answers EnableProfileRequest / DisableProfileRequest
// (SGP.22 §5.7.16-17): BF31|BF32 { A0 { 5A iccid | 4F isdpAid } 81 refreshFlag }
// → BF31|BF32 { 80 result }.
func (c *Card) switchProfile(req tlv.TLV) (tlv.TLV, bool) {
	cs, _ := req.Children()
	id, okID := tlv.Find(cs, 0xA0)
	rf, okRF := tlv.Find(cs, 0x81)
	if len(cs) != 2 || !okID || !okRF || len(rf.Value) != 1 {
		return tlv.TLV{}, false
	}
	ids, err := id.Children()
	if err != nil || len(ids) != 1 || (ids[0].Tag != 0x5A && ids[0].Tag != 0x4F) {
		return tlv.TLV{}, false
	}
	refresh := rf.Value[0] != 0
	var result int
	switch {
	case refresh && c.rt != nil && c.rt.busy():
		result = ResultCatBusy
	case req.Tag == tagEnableProfile:
		result = c.enableProfile(c.find(ids[0]))
	default:
		result = c.disableProfile(c.find(ids[0]))
	}
	if result == ResultOK && refresh {
		c.refreshDue = true
		if c.rt != nil {
			c.rt.cardRefresh()
		}
	}
	return tlv.Constructed(req.Tag, tlv.New(0x80, []byte{byte(result)})), true
}

// find resolves an ES10 profile identifier (5A ICCID or 4F ISD-P AID).
func (c *Card) find(id tlv.TLV) *profile {
	for _, p := range c.profiles {
		if id.Tag == 0x5A && bytes.Equal(bcd.Swapped(p.ICCID, 10), id.Value) ||
			id.Tag == 0x4F && bytes.Equal(p.AID, id.Value) {
			return p
		}
	}
	return nil
}

func (c *Card) findICCID(iccid string) *profile {
	for _, p := range c.profiles {
		if p.ICCID == iccid {
			return p
		}
	}
	return nil
}

// enableProfile enables p and disables the profile enabled before; the file
// system shows p after the next reset. It is the one code path for ES10c
// and for the applet.
func (c *Card) enableProfile(p *profile) int {
	switch {
	case p == nil:
		return ResultNotFound
	case p.Enabled:
		return ResultWrongState
	}
	for _, q := range c.profiles {
		if q.Enabled {
			q.Enabled = false
			c.notifyOperation(rsp.EventDisable, q)
		}
	}
	p.Enabled = true
	c.notifyOperation(rsp.EventEnable, p)
	return ResultOK
}

func (c *Card) disableProfile(p *profile) int {
	switch {
	case p == nil:
		return ResultNotFound
	case !p.Enabled:
		return ResultWrongState
	}
	p.Enabled = false
	c.notifyOperation(rsp.EventDisable, p)
	return ResultOK
}
