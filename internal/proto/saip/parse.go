package saip

// Reading a profile package as an eUICC does: every element is checked
// before anything is installed, and the first problem is reported as a
// PEStatus with the element's identification number and offset.

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/ident"
)

// MaxPackage bounds the package a card reads.
const MaxPackage = 1 << 20

// Parsed is a package the card can install: the profile it describes, the
// identification number of its End element and its size.
type Parsed struct {
	Profile Profile
	EndID   int
	Size    int
	// ehplmnService: the USIM's EF UST announces service n°71, so that
	// EF EHPLMN's list is the profile's (TS 31.102 §4.2.84).
	ehplmnService bool
}

// pe is the element being read, for error reports.
type pe struct {
	id, off int
}

func (e pe) fail(status int, format string, a ...any) *PEError {
	return peErr(status, e.id, e.off, format, a...)
}

// Parse reads a whole profile package. It accepts what Build writes and
// any equivalent package: optional elements that are not mandated are
// skipped (the ProfileElement CHOICE is extensible), unknown components of
// known elements too.
func Parse(b []byte) (Parsed, error) {
	if len(b) > MaxPackage {
		return Parsed{}, peErr(StatusNotEnoughMemory, -1, 0, "package of %d bytes", len(b))
	}
	var (
		r    Parsed
		seen = map[uint32]bool{}
		puk  = map[int]string{}
		ids  = map[int]bool{}
		off  int
	)
	for off < len(b) {
		obj, rest, err := tlv.ParseOne(b[off:])
		cur := pe{id: -1, off: off}
		if err != nil {
			return Parsed{}, cur.fail(StatusInvalidRequestFormat, "element: %v", err)
		}
		next := len(b) - len(rest)
		if seen[TagEnd] {
			return Parsed{}, cur.fail(StatusInvalidRequestFormat, "element %X after End", obj.Tag)
		}
		if obj.Tag != TagHeader {
			h, err := header(obj)
			if err != nil {
				return Parsed{}, cur.fail(StatusInvalidRequestFormat, "%X: %v", obj.Tag, err)
			}
			cur.id = h.id
			if ids[h.id] {
				return Parsed{}, cur.fail(StatusInvalidParameter, "identification %d used twice", h.id)
			}
			ids[h.id] = true
			if !seen[TagHeader] {
				return Parsed{}, cur.fail(StatusInvalidRequestFormat, "%X before the ProfileHeader", obj.Tag)
			}
			if !supported(obj.Tag) {
				if h.mandated {
					return Parsed{}, cur.fail(StatusPENotSupported, "element %X is mandated and not supported", obj.Tag)
				}
				off = next
				continue
			}
		} else if seen[TagHeader] || off != 0 {
			return Parsed{}, cur.fail(StatusInvalidRequestFormat, "ProfileHeader not first or twice")
		}
		if seen[obj.Tag] && obj.Tag != TagPINCodes {
			return Parsed{}, cur.fail(StatusInvalidRequestFormat, "element %X twice", obj.Tag)
		}
		seen[obj.Tag] = true
		if err := r.read(obj, cur, puk); err != nil {
			return Parsed{}, err
		}
		if obj.Tag == TagEnd {
			r.EndID = cur.id
		}
		off = next
	}
	end := pe{id: -1, off: len(b)}
	for _, t := range []uint32{TagHeader, TagMF, TagUSIM, TagAKAParameter, TagEnd} {
		if !seen[t] {
			return Parsed{}, end.fail(StatusInvalidRequestFormat, "no element %X", t)
		}
	}
	r.Size = len(b)
	return r, nil
}

func supported(tag uint32) bool {
	switch tag {
	case TagMF, TagPUKCodes, TagPINCodes, TagTelecom, TagUSIM, TagOptUSIM, TagAKAParameter, TagSecurityDomain, TagEnd:
		return true
	}
	return false
}

type peHead struct {
	id       int
	mandated bool
}

// header reads the PEHeader every element but ProfileHeader starts with.
func header(obj tlv.TLV) (peHead, error) {
	if !obj.IsConstructed() {
		return peHead{}, fmt.Errorf("not constructed")
	}
	cs, err := obj.Children()
	if err != nil || len(cs) == 0 || cs[0].Tag != 0xA0 {
		return peHead{}, fmt.Errorf("no PEHeader")
	}
	hs, err := cs[0].Children()
	if err != nil {
		return peHead{}, err
	}
	var h peHead
	idv, ok := tlv.Find(hs, 0x81)
	if !ok {
		return peHead{}, fmt.Errorf("PEHeader without identification")
	}
	if h.id, err = tlv.ParseUint(idv.Value); err != nil || h.id > 32767 {
		return peHead{}, fmt.Errorf("PEHeader identification %X", idv.Value)
	}
	if m, ok := tlv.Find(hs, 0x80); ok {
		if len(m.Value) != 0 {
			return peHead{}, fmt.Errorf("mandated is NULL")
		}
		h.mandated = true
	}
	return h, nil
}

// children returns an element's components by tag (each at most once).
func children(obj tlv.TLV, e pe) (map[uint32]tlv.TLV, error) {
	cs, err := obj.Children()
	if err != nil {
		return nil, e.fail(StatusInvalidRequestFormat, "%X: %v", obj.Tag, err)
	}
	m := map[uint32]tlv.TLV{}
	for _, c := range cs {
		if _, dup := m[c.Tag]; dup {
			return nil, e.fail(StatusInvalidRequestFormat, "%X: component %X twice", obj.Tag, c.Tag)
		}
		m[c.Tag] = c
	}
	return m, nil
}

func (r *Parsed) read(obj tlv.TLV, e pe, puk map[int]string) error {
	c, err := children(obj, e)
	if err != nil {
		return err
	}
	switch obj.Tag {
	case TagHeader:
		return r.readHeader(c, e)
	case TagMF:
		return r.readMF(c, e)
	case TagPUKCodes:
		if err := readPUKs(c, e, puk); err != nil {
			return err
		}
		r.Profile.PUK1, r.Profile.PUK2 = puk[keyPUKAppl1], puk[keySecondPUKAppl1]
		return nil
	case TagPINCodes:
		return r.readPINs(c, e, puk)
	case TagUSIM:
		return r.readUSIM(c, e)
	case TagOptUSIM:
		return r.readOptUSIM(c, e)
	case TagAKAParameter:
		return r.readAKA(c, e)
	case TagTelecom:
		if err := template(c, OIDTemplateTelecom, e); err != nil {
			return err
		}
		_, err := content(c, e)
		return err
	case TagSecurityDomain:
		return readSecurityDomain(c, e)
	}
	return nil // End: its header was read
}

// readSecurityDomain checks PE-SecurityDomain: the instance's three AIDs
// and privileges, and each key's usage, identifier, version and
// components (the card keeps no security domain of its own).
func readSecurityDomain(c map[uint32]tlv.TLV, e pe) error {
	inst, ok := c[0xA1]
	if !ok {
		return e.fail(StatusInvalidRequestFormat, "SecurityDomain: instance missing")
	}
	cs, err := inst.Children()
	if err != nil {
		return e.fail(StatusInvalidRequestFormat, "SecurityDomain: %v", err)
	}
	aids, priv := 0, false
	for _, x := range cs {
		switch x.Tag {
		case 0x4F:
			if len(x.Value) < 5 || len(x.Value) > 16 {
				return e.fail(StatusBadValues, "SecurityDomain: AID of %d bytes", len(x.Value))
			}
			aids++
		case 0x82:
			priv = len(x.Value) == 1 || len(x.Value) == 3
		}
	}
	if aids < 3 || !priv {
		return e.fail(StatusInvalidRequestFormat, "SecurityDomain: instance needs package, class and instance AIDs and privileges")
	}
	keys, ok := c[0xA2]
	if !ok {
		return nil
	}
	list, err := keys.Children()
	if err != nil {
		return e.fail(StatusInvalidRequestFormat, "SecurityDomain: keyList: %v", err)
	}
	for i, k := range list {
		f, err := children(k, e)
		if err != nil {
			return err
		}
		u, id, v, comps := f[0x95], f[0x82], f[0x83], f[0x30]
		if len(u.Value) < 1 || len(u.Value) > 2 || len(id.Value) != 1 || len(v.Value) != 1 || len(comps.Value) == 0 {
			return e.fail(StatusBadValues, "SecurityDomain: key %d", i)
		}
	}
	return nil
}

// knownServices are the ServicesList entries this eUICC offers: usim [1]
// and milenage [4].
var knownServices = map[uint32]bool{0x81: true, 0x84: true}

func (r *Parsed) readHeader(c map[uint32]tlv.TLV, e pe) error {
	major, err1 := uintOf(c, 0x80)
	_, err2 := uintOf(c, 0x81)
	iccid, ok := c[0x83]
	if err1 != nil || err2 != nil || !ok {
		return e.fail(StatusInvalidRequestFormat, "ProfileHeader: version or iccid missing")
	}
	if major != MajorVersion {
		return e.fail(StatusUnsupportedVersion, "ProfileHeader: major version %d, this eUICC supports %d", major, MajorVersion)
	}
	if t, ok := c[0x82]; ok {
		if len(t.Value) == 0 || len(t.Value) > 100 {
			return e.fail(StatusBadValues, "ProfileHeader: profileType of %d bytes", len(t.Value))
		}
		r.Profile.ProfileType = string(t.Value)
	}
	s, err := bcd.Unswapped(iccid.Value)
	if len(iccid.Value) != 10 || err != nil || !ident.IsICCID(s) {
		return e.fail(StatusBadValues, "ProfileHeader: iccid %X", iccid.Value)
	}
	r.Profile.ICCID = s
	services, ok := c[0xA5]
	if !ok {
		return e.fail(StatusInvalidRequestFormat, "ProfileHeader: eUICC-Mandatory-services missing")
	}
	svc, err := services.Children()
	if err != nil {
		return e.fail(StatusInvalidRequestFormat, "ProfileHeader: services: %v", err)
	}
	for _, x := range svc {
		if !knownServices[x.Tag] {
			return e.fail(StatusFeatureNotSupported, "ProfileHeader: mandatory service %X not supported", x.Tag)
		}
	}
	gfste, ok := c[0xA6]
	if !ok {
		return e.fail(StatusInvalidRequestFormat, "ProfileHeader: eUICC-Mandatory-GFSTEList missing")
	}
	oids, err := gfste.Children()
	if err != nil {
		return e.fail(StatusInvalidRequestFormat, "ProfileHeader: GFSTE list: %v", err)
	}
	for _, o := range oids {
		if o.Tag != 0x06 || !knownTemplate(o.Value) {
			return e.fail(StatusTemplateNotSupported, "ProfileHeader: template %X not supported", o.Value)
		}
	}
	return nil
}

func knownTemplate(v []byte) bool {
	for _, o := range []asn1.ObjectIdentifier{OIDTemplateMF, OIDTemplateTelecom, OIDTemplateUSIM, OIDTemplateOptUSIM} {
		if bytes.Equal(v, oidValue(o)) {
			return true
		}
	}
	return false
}

func uintOf(c map[uint32]tlv.TLV, tag uint32) (int, error) {
	t, ok := c[tag]
	if !ok {
		return 0, fmt.Errorf("missing %X", tag)
	}
	return tlv.ParseUint(t.Value)
}

// template checks templateID [1].
func template(c map[uint32]tlv.TLV, want asn1.ObjectIdentifier, e pe) error {
	t, ok := c[0x81]
	if !ok {
		return e.fail(StatusInvalidRequestFormat, "templateID missing")
	}
	if !bytes.Equal(t.Value, oidValue(want)) {
		return e.fail(StatusTemplateNotSupported, "templateID %X, want %s", t.Value, want)
	}
	return nil
}

// content reads every File component (tags A2 and up) and returns the
// bytes each one's fillFileContent writes from offset 0 (skipped bytes,
// fillFileOffset, are FF). A File's Fcp is checked for the sizes the
// module gives.
func content(c map[uint32]tlv.TLV, e pe) (map[uint32][]byte, error) {
	out := map[uint32][]byte{}
	for tag, f := range c {
		if tag < 0xA2 || !tlv.IsConstructedTag(tag) {
			continue
		}
		parts, err := f.Children()
		if err != nil {
			return nil, e.fail(StatusInvalidRequestFormat, "file %X: %v", tag, err)
		}
		var buf []byte
		pos := 0
		for _, p := range parts {
			switch p.Tag {
			case 0x80: // doNotCreate
			case 0xA1:
				if err := checkFCP(p); err != nil {
					return nil, e.fail(StatusBadValues, "file %X: %v", tag, err)
				}
			case 0x82:
				n, err := tlv.ParseUint(p.Value)
				if err != nil || n > 0xFFFF {
					return nil, e.fail(StatusBadValues, "file %X: fillFileOffset %X", tag, p.Value)
				}
				pos += n
			case 0x83:
				if pos+len(p.Value) > MaxPackage {
					return nil, e.fail(StatusNotEnoughMemory, "file %X too large", tag)
				}
				for len(buf) < pos {
					buf = append(buf, 0xFF)
				}
				buf = append(buf[:pos], p.Value...)
				pos += len(p.Value)
			default:
				return nil, e.fail(StatusInvalidRequestFormat, "file %X: component %X", tag, p.Tag)
			}
		}
		out[tag] = buf
	}
	return out, nil
}

// checkFCP checks the sizes of the Fcp components PEDefinitions
// constrains.
func checkFCP(f tlv.TLV) error {
	cs, err := f.Children()
	if err != nil {
		return err
	}
	size := map[uint32][2]int{0x82: {2, 4}, 0x83: {2, 2}, 0x84: {5, 16}, 0x8A: {1, 1}, 0x8B: {1, 3}, 0x88: {0, 1}, 0x80: {1, 4}}
	for _, c := range cs {
		if lim, ok := size[c.Tag]; ok && (len(c.Value) < lim[0] || len(c.Value) > lim[1]) {
			return fmt.Errorf("Fcp %X of %d bytes", c.Tag, len(c.Value))
		}
	}
	return nil
}

func (r *Parsed) readMF(c map[uint32]tlv.TLV, e pe) error {
	if err := template(c, OIDTemplateMF, e); err != nil {
		return err
	}
	files, err := content(c, e)
	if err != nil {
		return err
	}
	for _, t := range []uint32{0xA2, 0xA4, 0xA5, 0xA6} {
		if _, ok := files[t]; !ok {
			return e.fail(StatusInvalidRequestFormat, "MF: file %X missing", t)
		}
	}
	if iccid := files[0xA4]; !bytes.Equal(iccid, bcd.Swapped(r.Profile.ICCID, 10)) {
		return e.fail(StatusBadValues, "EF ICCID %X does not match the header's ICCID", iccid)
	}
	if dir := files[0xA5]; len(dir) > 0 && !bytes.Contains(dir, append([]byte{0x4F, byte(len(USIMAID))}, usimRID...)) {
		return e.fail(StatusBadValues, "EF DIR names no USIM")
	}
	return nil
}

// pinValue checks a PIN or PUK value: 8 bytes of ASCII digits, F-padded.
func pinValue(v []byte, minDigits int) bool {
	_, ok := apdu.PINDigits(v, minDigits)
	return ok
}

func readPUKs(c map[uint32]tlv.TLV, e pe, puk map[int]string) error {
	list, ok := c[0xA1]
	if !ok {
		return e.fail(StatusInvalidRequestFormat, "PUKCodes: list missing")
	}
	cfgs, err := list.Children()
	if err != nil || len(cfgs) == 0 || len(cfgs) > 16 {
		return e.fail(StatusInvalidRequestFormat, "PUKCodes: 1..16 entries")
	}
	for _, cfg := range cfgs {
		f, err := children(cfg, e)
		if err != nil {
			return err
		}
		key, err := uintOf(f, 0x80)
		if _, dup := puk[key]; err != nil || !(key >= 1 && key <= 8 || key >= 129 && key <= 136) || dup {
			return e.fail(StatusBadValues, "PUKCodes: key reference %d", key)
		}
		v, ok := f[0x81]
		if !ok || !pinValue(v.Value, 8) {
			return e.fail(StatusBadValues, "PUKCodes: value of key %d", key)
		}
		if err := uint8Of(f, 0x82); err != nil {
			return e.fail(StatusBadValues, "PUKCodes: key %d: maxNumOfAttemps-retryNumLeft %v", key, err)
		}
		puk[key], _ = apdu.PINDigits(v.Value, 8)
	}
	return nil
}

// uint8Of checks an optional UInt8 component.
func uint8Of(c map[uint32]tlv.TLV, tag uint32) error {
	if _, ok := c[tag]; !ok {
		return nil
	}
	if n, err := uintOf(c, tag); err != nil || n > 255 {
		return fmt.Errorf("not a UInt8")
	}
	return nil
}

// readPINs reads a PE-PINCodes: each PINConfiguration's key, value, PUK
// and pinAttributes; the values of PIN1, ADM1 and the USIM's PIN2, and
// PIN1's enabled state (PINAttributes' b1), go to the profile.
func (r *Parsed) readPINs(c map[uint32]tlv.TLV, e pe, puk map[int]string) error {
	choice, ok := c[0xA1]
	if !ok {
		return e.fail(StatusInvalidRequestFormat, "PINCodes: pinCodes missing")
	}
	alt, err := choice.Children()
	if err != nil || len(alt) != 1 {
		return e.fail(StatusInvalidRequestFormat, "PINCodes: one choice")
	}
	if alt[0].Tag == 0x81 { // filePath: shared with another DF
		if len(alt[0].Value) > 8 {
			return e.fail(StatusBadValues, "PINCodes: filePath of %d bytes", len(alt[0].Value))
		}
		return nil
	}
	cfgs, err := alt[0].Children()
	if alt[0].Tag != 0xA0 || err != nil || len(cfgs) == 0 || len(cfgs) > 26 {
		return e.fail(StatusInvalidRequestFormat, "PINCodes: 1..26 configurations")
	}
	keys := map[int]bool{}
	for _, cfg := range cfgs {
		f, err := children(cfg, e)
		if err != nil {
			return err
		}
		key, err := uintOf(f, 0x80)
		valid := key >= 1 && key <= 8 || key >= 10 && key <= 14 || key >= 129 && key <= 136 || key >= 138 && key <= 142
		if err != nil || !valid || keys[key] {
			return e.fail(StatusBadValues, "PINCodes: key reference %d", key)
		}
		keys[key] = true
		v, ok := f[0x81]
		if !ok || !pinValue(v.Value, 4) {
			return e.fail(StatusBadValues, "PINCodes: value of key %d", key)
		}
		if u, ok := f[0x82]; ok {
			n, err := tlv.ParseUint(u.Value)
			if _, defined := puk[n]; err != nil || !defined {
				return e.fail(StatusBadValues, "PINCodes: key %d unblocked by PUK %X, which no PUKCodes element defines", key, u.Value)
			}
		}
		attrs := pinAttrDefault
		if a, ok := f[0x83]; ok {
			if attrs, err = tlv.ParseUint(a.Value); err != nil || attrs > 255 {
				return e.fail(StatusBadValues, "PINCodes: key %d: pinAttributes %X", key, a.Value)
			}
		}
		if err := uint8Of(f, 0x84); err != nil {
			return e.fail(StatusBadValues, "PINCodes: key %d: maxNumOfAttemps-retryNumLeft %v", key, err)
		}
		digits, _ := apdu.PINDigits(v.Value, 4)
		switch key {
		case keyPINAppl1:
			r.Profile.PIN1, r.Profile.PIN1Enabled = digits, attrs&pinAttrEnabled != 0
		case keyADM1:
			r.Profile.ADM1 = digits
		case keySecondPINAppl1:
			r.Profile.PIN2 = digits
		}
	}
	return nil
}

func (r *Parsed) readUSIM(c map[uint32]tlv.TLV, e pe) error {
	if err := template(c, OIDTemplateUSIM, e); err != nil {
		return err
	}
	files, err := content(c, e)
	if err != nil {
		return err
	}
	// adf-usim, ef-imsi, ef-arr, ef-ust, ef-spn, ef-est, ef-acc, ef-ecc.
	for _, t := range []uint32{0xA2, 0xA3, 0xA4, 0xA8, 0xAD, 0xAE, 0xB2, 0xB6} {
		if _, ok := files[t]; !ok {
			return e.fail(StatusInvalidRequestFormat, "USIM: file %X missing", t)
		}
	}
	if !bytes.Contains(c[0xA2].Value, append([]byte{0x84, byte(len(USIMAID))}, usimRID...)) {
		return e.fail(StatusBadValues, "USIM: ADF without a USIM dfName")
	}
	imsi, err := bcd.ParseIMSI(files[0xA3])
	if err != nil || !ident.IsIMSI(imsi) {
		return e.fail(StatusBadValues, "EF IMSI %X", files[0xA3])
	}
	r.Profile.IMSI, r.Profile.MNCLen = imsi, 2
	if ad := files[0xB5]; len(ad) >= 4 {
		if n := int(ad[3] & 0x0F); n == 2 || n == 3 {
			r.Profile.MNCLen = n
		} else {
			return e.fail(StatusBadValues, "EF AD: MNC length %d", n)
		}
	}
	r.Profile.SPN = SPNName(files[0xAD])
	r.ehplmnService = HasService(files[0xA8], ServiceEHPLMN)
	if h := files[0xA7]; len(h) > 0 { // ef-hpplmn; without content, the template's
		b := h[0]
		r.Profile.HPPLMN = &b
	}
	return nil
}

func (r *Parsed) readOptUSIM(c map[uint32]tlv.TLV, e pe) error {
	if err := template(c, OIDTemplateOptUSIM, e); err != nil {
		return err
	}
	files, err := content(c, e)
	if err != nil {
		return err
	}
	if comp, ok := c[0xA7]; ok { // ef-msisdn: its first record
		t, _ := templateFile(TagOptUSIM, 0xA7)
		f, created := createdAs(t, comp)
		if created && f.RecLen > 0 {
			// What the content leaves of the record is filler (FF).
			rec := append(bytes.Clone(files[0xA7][:min(len(files[0xA7]), f.RecLen)]), bytes.Repeat([]byte{0xFF}, f.RecLen)...)[:f.RecLen]
			if r.Profile.MSISDN, _, err = ParseMSISDN(rec); err != nil {
				return e.fail(StatusBadValues, "%v", err)
			}
		}
	}
	list := files[0xB0] // ef-oplmnwact
	if len(list)%5 != 0 {
		return e.fail(StatusBadValues, "EF OPLMNwAcT of %d bytes", len(list))
	}
	for i := 0; i < len(list); i += 5 {
		if list[i] == 0xFF {
			continue
		}
		p, err := bcd.ParsePLMN(list[i : i+3])
		if err != nil {
			return e.fail(StatusBadValues, "EF OPLMNwAcT entry %d: %v", i/5, err)
		}
		r.Profile.OperatorPLMNs = append(r.Profile.OperatorPLMNs, p)
	}
	// EF EHPLMN, its list the profile's where EF UST announces it.
	if list := files[0xBF3A]; r.ehplmnService && len(list) > 0 {
		if len(list)%3 != 0 || len(list) > 3*EHPLMNEntries {
			return e.fail(StatusBadValues, "EF EHPLMN of %d bytes (n × 3, at most %d entries)", len(list), EHPLMNEntries)
		}
		for i := 0; i < len(list); i += 3 {
			if list[i] == 0xFF {
				continue
			}
			p, err := bcd.ParsePLMN(list[i : i+3])
			if err != nil {
				return e.fail(StatusBadValues, "EF EHPLMN entry %d: %v", i/3, err)
			}
			if !slices.Contains(r.Profile.EHPLMNs, p) {
				r.Profile.EHPLMNs = append(r.Profile.EHPLMNs, p)
			}
		}
	}
	return nil
}

func (r *Parsed) readAKA(c map[uint32]tlv.TLV, e pe) error {
	cfg, ok := c[0xA1]
	if !ok {
		return e.fail(StatusInvalidRequestFormat, "AKAParameter: algoConfiguration missing")
	}
	alt, err := cfg.Children()
	if err != nil || len(alt) != 1 {
		return e.fail(StatusInvalidRequestFormat, "AKAParameter: one choice")
	}
	if alt[0].Tag != 0xA1 {
		return e.fail(StatusFeatureNotSupported, "AKAParameter: mappingParameter not supported")
	}
	f, err := children(alt[0], e)
	if err != nil {
		return err
	}
	if id, err := uintOf(f, 0x80); err != nil || id != 1 {
		return e.fail(StatusFeatureNotSupported, "AKAParameter: algorithm %d (only Milenage)", id)
	}
	key, opc, opts := f[0x82], f[0x83], f[0x81]
	if len(key.Value) != 16 || len(opc.Value) != 16 || len(opts.Value) != 1 {
		return e.fail(StatusBadValues, "AKAParameter: key %d, OPc %d, options %d bytes", len(key.Value), len(opc.Value), len(opts.Value))
	}
	if rc, ok := f[0x84]; ok && len(rc.Value) != 5 {
		return e.fail(StatusBadValues, "AKAParameter: rotationConstants of %d bytes", len(rc.Value))
	}
	if xc, ok := f[0x85]; ok && len(xc.Value) != 80 {
		return e.fail(StatusBadValues, "AKAParameter: xoringConstants of %d bytes", len(xc.Value))
	}
	for tag, n := range map[uint32]int{0x82: 1, 0x83: 6, 0x84: 6} {
		if v, ok := c[tag]; ok && len(v.Value) != n {
			return e.fail(StatusBadValues, "AKAParameter: sqn field %X of %d bytes", tag, len(v.Value))
		}
	}
	r.Profile.Ki, r.Profile.OPc = append([]byte(nil), key.Value...), append([]byte(nil), opc.Value...)
	return nil
}
