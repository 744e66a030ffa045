package saip

// Building a profile package: the profile elements an SM-DP+ sends for a
// USIM-only profile with Milenage.

import (
	"bytes"
	"encoding/asn1"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/fcp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/ident"
)

// USIMAID is the USIM application's AID the packages use (TS 31.102 Annex A:
// RID A000000087, application code 1002, then the country/provider part).
var USIMAID = []byte{0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x03, 0x02, 0x00, 0x00}

// usimRID is what every USIM AID starts with.
var usimRID = USIMAID[:7]

// Profile is what a package says about the profile it installs.
type Profile struct {
	ICCID       string // the header's and EF ICCID's
	ProfileType string // header profileType (1..100 characters)
	IMSI        string // EF IMSI
	MNCLen      int    // EF AD byte 4: 2 or 3
	SPN         string // EF SPN: the name the terminal shows (≤ 16)
	MSISDN      string // EF MSISDN: ident.IsMSISDN ("+" and digits), "" = none
	// OperatorPLMNs is EF OPLMNwAcT: networks the operator prefers when
	// roaming, E-UTRAN access, first most preferred.
	OperatorPLMNs []string
	// EHPLMNs is EF EHPLMN (TS 31.102 §4.2.84): the equivalent home
	// PLMNs in priority order, at most EHPLMNEntries; with any, EF UST
	// announces service n°71. nil: no file, no service.
	EHPLMNs []string
	// HPPLMN is EF HPPLMN, the higher priority PLMN search period as
	// HPPLMNOf codes it; nil: HPPLMNDefault.
	HPPLMN *byte
	// PIN1, PUK1 and ADM1 are decimal digit strings (PIN1 4-8 digits,
	// PUK1 and ADM1 8). PIN2 and PUK2 are the USIM's local PIN (key 81)
	// and its PUK; "" builds them with PIN1's and PUK1's values.
	PIN1, PUK1, ADM1 string
	PIN2, PUK2       string
	// PIN1Enabled says whether PIN1's verification is enabled: its
	// pinAttributes (PINAttributes).
	PIN1Enabled bool
	// Ki and OPc are the Milenage key and operator constant (16 bytes).
	Ki, OPc []byte
}

// Profile element identification numbers Build uses.
const (
	idMF = 1 + iota
	idPUK
	idPIN
	idTelecom
	idUSIM
	idOptUSIM
	idUSIMPIN
	idAKA
	idSD
	idEnd
)

// PIN and PUK key references (PINKeyReferenceValue, PUKKeyReferenceValue).
const (
	keyPINAppl1       = 1
	keyADM1           = 10
	keySecondPINAppl1 = 129
	keyPUKAppl1       = 1
	keySecondPUKAppl1 = 129
)

// Build returns the DER profile package for p: ProfileHeader, PE-MF (EF
// ICCID, EF DIR, EF ARR), PE-PUKCodes, PE-PINCodes, PE-TELECOM (DF
// TELECOM, its EF ARR), PE-USIM (EF IMSI, EF ARR, EF Keys, EF KeysPS, EF
// HPPLMN, EF UST, EF SMS, EF SMSP, EF SMSS, EF SPN, EF EST, EF START-HFN,
// EF THRESHOLD, EF ACC, EF AD, EF ECC, EF NETPAR, EF EPSNSC and the
// location files), PE-OPT-USIM (EF LI, EF MSISDN, EF PLMNwAcT, EF
// OPLMNwAcT, EF HPLMNwAcT), the USIM's local PIN, PE-AKAParameter
// (Milenage), the MNO security domain with its SCP80 keys, and PE-End:
// about 2.5 KiB.
func Build(p Profile) ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("saip: build: %w", err)
	}
	home, _ := bcd.PLMN(p.IMSI[:3+p.MNCLen])
	var out []byte
	pin1 := pinConfig(keyPINAppl1, p.PIN1, keyPUKAppl1, PINAttributes(p.PIN1Enabled, true))
	pin2 := pinConfig(keySecondPINAppl1, or(p.PIN2, p.PIN1), keySecondPUKAppl1, pinAttrDefault)
	for _, pe := range []tlv.TLV{p.header(), p.mf(), puks(p.PUK1, or(p.PUK2, p.PUK1)), pins(idPIN, pin1, pinConfig(keyADM1, p.ADM1, -1, pinAttrDefault)),
		p.telecom(), p.usim(home), p.optUSIM(home), pins(idUSIMPIN, pin2), p.aka(),
		p.securityDomain(), tlv.Constructed(TagEnd, peHeader(idEnd, true))} {
		out = pe.AppendTo(out)
	}
	return out, nil
}

func (p Profile) check() error {
	switch {
	case !ident.IsICCID(p.ICCID):
		return fmt.Errorf("ICCID %q", p.ICCID)
	case !ident.IsIMSI(p.IMSI) || (p.MNCLen != 2 && p.MNCLen != 3):
		return fmt.Errorf("IMSI %q with MNC length %d", p.IMSI, p.MNCLen)
	case len(p.ProfileType) == 0 || len(p.ProfileType) > 100 || len(p.SPN) > 16:
		return fmt.Errorf("profile type %q or SPN %q", p.ProfileType, p.SPN)
	case len(p.Ki) != 16 || len(p.OPc) != 16:
		return fmt.Errorf("Ki and OPc must be 16 bytes")
	case !ident.Digits(p.PIN1, 4, 8) || !ident.Digits(p.PUK1, 8, 8) || !ident.Digits(p.ADM1, 8, 8):
		return fmt.Errorf("PIN1 (4-8 digits), PUK1 and ADM1 (8 digits)")
	case p.PIN2 != "" && !ident.Digits(p.PIN2, 4, 8) || p.PUK2 != "" && !ident.Digits(p.PUK2, 8, 8):
		return fmt.Errorf("PIN2 (4-8 digits) and PUK2 (8 digits)")
	case p.MSISDN != "" && !ident.IsMSISDN(p.MSISDN):
		return fmt.Errorf("MSISDN %q", p.MSISDN)
	}
	for _, o := range p.OperatorPLMNs {
		if !ident.IsPLMN(o) {
			return fmt.Errorf("operator PLMN %q", o)
		}
	}
	if len(p.EHPLMNs) > EHPLMNEntries {
		return fmt.Errorf("%d EHPLMNs, at most %d", len(p.EHPLMNs), EHPLMNEntries)
	}
	for _, o := range p.EHPLMNs {
		if !ident.IsPLMN(o) {
			return fmt.Errorf("EHPLMN %q", o)
		}
	}
	return nil
}

// peHeader is PEHeader: mandated [0] NULL (optional), identification [1].
func peHeader(id int, mandated bool) tlv.TLV {
	var cs []tlv.TLV
	if mandated {
		cs = append(cs, tlv.Null(0x80))
	}
	return tlv.Constructed(0xA0, append(cs, tlv.Uint(0x81, id))...)
}

func oidValue(o asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(o)
	if err != nil {
		return nil
	}
	return b[2:] // one-byte tag and length: the OIDs here are short
}

// File is a SEQUENCE OF CHOICE {doNotCreate [0], fileDescriptor [1] Fcp,
// fillFileOffset [2], fillFileContent [3]}; content fills from offset 0.
func file(tag uint32, content []byte, params ...tlv.TLV) tlv.TLV {
	var cs []tlv.TLV
	if len(params) > 0 {
		cs = append(cs, tlv.Constructed(0xA1, params...))
	}
	if content != nil {
		cs = append(cs, tlv.New(0x83, content))
	}
	return tlv.Constructed(tag, cs...)
}

// Key references of the PIN status templates (TS 102 221 §9.5.1, table
// 9.3): PIN Appl 1, the USIM's second PIN (PIN2) and ADM1.
const (
	KeyPIN1 byte = keyPINAppl1
	KeyPIN2 byte = keySecondPINAppl1
	KeyADM1 byte = keyADM1
)

// The keys the MF's and ADF USIM's PIN status templates list with PIN
// Appl 1 (01) disabled, as profiles are by default: met without a VERIFY;
// the second PIN of the application (81, PIN2) and ADM1 (0A) are always
// enabled. MFPINStates and USIMPINStates give them for either PIN1 state.
var (
	MFPINs   = MFPINStates(false)
	USIMPINs = USIMPINStates(false)
)

// MFPINStates are the MF's keys, PIN1 enabled or not.
func MFPINStates(pin1Enabled bool) []fcp.PINState {
	return []fcp.PINState{{Key: keyPINAppl1, Enabled: pin1Enabled}, {Key: keyADM1, Enabled: true}}
}

// USIMPINStates are the ADF USIM's keys, PIN1 enabled or not.
func USIMPINStates(pin1Enabled bool) []fcp.PINState {
	return []fcp.PINState{{Key: keyPINAppl1, Enabled: pin1Enabled}, {Key: keySecondPINAppl1, Enabled: true}, {Key: keyADM1, Enabled: true}}
}

// pinStatus is the Fcp's pinStatusTemplateDO (C6) for pins.
func pinStatus(pins []fcp.PINState) tlv.TLV { return tlv.New(0xC6, fcp.PINStatusTemplate(pins)) }

func (p Profile) header() tlv.TLV {
	services := tlv.Constructed(0xA5, tlv.Null(0x81), tlv.Null(0x84)) // usim [1], milenage [4]
	gfste := tlv.Constructed(0xA6, tlv.New(0x06, oidValue(OIDTemplateMF)), tlv.New(0x06, oidValue(OIDTemplateUSIM)))
	return tlv.Constructed(TagHeader, tlv.Uint(0x80, MajorVersion), tlv.Uint(0x81, MinorVersion),
		tlv.New(0x82, []byte(p.ProfileType)), tlv.New(0x83, bcd.Swapped(p.ICCID, 10)), services, gfste)
}

// DIRRecordLen is the length of an EF DIR record.
const DIRRecordLen = 32

// DIR is EF DIR (TS 102 221 §13.1): one record, the application template
// 61 of the USIM with its AID (4F) and a label (50), FF-padded.
func DIR() [][]byte {
	rec := tlv.Constructed(0x61, tlv.New(0x4F, USIMAID), tlv.New(0x50, []byte("USIM"))).Bytes()
	return [][]byte{append(rec, bytes.Repeat([]byte{0xFF}, DIRRecordLen-len(rec))...)}
}

func (p Profile) mf() tlv.TLV {
	return tlv.Constructed(TagMF, peHeader(idMF, true), tlv.New(0x81, oidValue(OIDTemplateMF)),
		file(0xA2, nil, pinStatus(MFPINStates(p.PIN1Enabled))),
		ef(TagMF, 0xA4, bcd.Swapped(p.ICCID, 10), 0),
		ef(TagMF, 0xA5, bytes.Join(DIR(), nil), DIRRecordLen),
		ef(TagMF, 0xA6, accessRules(), ARRRecordLen))
}

// ARRRecordLen is the length of an EF ARR record.
const ARRRecordLen = 40

// The EF ARR records the templates' files refer to (Annex A's ARR
// column), each holding the rule TS 31.102 and TS 102 221 give those
// files.
const (
	ARRReadAlwaysUpdatePIN   = 1  // EF LI
	ARRReadPINUpdateADM      = 2  // EF IMSI, UST, ACC, HPPLMN, THRESHOLD, OPLMNwAcT, ...
	ARRReadPINUpdatePIN      = 5  // EF Keys, LOCI, FPLMN, SMS, SMSP, ...
	ARRReadPINUpdatePIN2     = 8  // EF EST
	ARRReadAlwaysUpdateADM   = 10 // EF DIR, ARR, SPN, AD, ECC
	ARRReadAlwaysUpdateNever = 11 // EF ICCID
	ARRDF                    = 14 // the MF, DF TELECOM, ADF USIM
	// ARRRecords is how many records an EF ARR here holds.
	ARRRecords = 14
)

// Access modes of an AM_DO byte (ISO/IEC 7816-4 §7.4.3): for an EF, b1
// READ, b2 UPDATE; for a DF, b1 DELETE FILE (child), b2 CREATE FILE (EF),
// b3 CREATE FILE (DF), b4 DEACTIVATE, b5 ACTIVATE, b6 TERMINATE.
const (
	AMRead   = 0x01
	AMUpdate = 0x02
	amDF     = 0x3F
)

// Security conditions of arrRecord: always, never, else a key reference.
const (
	scAlways = 0x00
	scNever  = 0xFF
)

// ARR is an EF ARR (TS 102 221 §9.2.4, expanded format): ARRRecords
// records, each the rule of the files that refer to its number (the ARR*
// constants); the records no file here refers to hold the strictest rule,
// read and update ADM1.
func ARR() [][]byte {
	rules := map[int][]byte{
		ARRReadAlwaysUpdatePIN:   arrRecord(AMRead, scAlways, AMUpdate, keyPINAppl1),
		ARRReadPINUpdateADM:      arrRecord(AMRead, keyPINAppl1, AMUpdate, keyADM1),
		ARRReadPINUpdatePIN:      arrRecord(AMRead|AMUpdate, keyPINAppl1),
		ARRReadPINUpdatePIN2:     arrRecord(AMRead, keyPINAppl1, AMUpdate, keySecondPINAppl1),
		ARRReadAlwaysUpdateADM:   arrRecord(AMRead, scAlways, AMUpdate, keyADM1),
		ARRReadAlwaysUpdateNever: arrRecord(AMRead, scAlways, AMUpdate, scNever),
		ARRDF:                    arrRecord(amDF, keyADM1),
	}
	arr := make([][]byte, ARRRecords)
	for i := range arr {
		if arr[i] = rules[i+1]; arr[i] == nil {
			arr[i] = arrRecord(AMRead|AMUpdate, keyADM1)
		}
	}
	return arr
}

// accessRules is ARR's records one after the other, as a File fills them.
func accessRules() []byte { return bytes.Join(ARR(), nil) }

// telecom is PE-TELECOM: DF TELECOM of the template, with its own EF ARR.
func (p Profile) telecom() tlv.TLV {
	return tlv.Constructed(TagTelecom, peHeader(idTelecom, false), tlv.New(0x81, oidValue(OIDTemplateTelecom)),
		file(0xA2, nil, pinStatus(MFPINStates(p.PIN1Enabled))), ef(TagTelecom, 0xA3, accessRules(), ARRRecordLen))
}

// arrRecord is one access rule record of ARRRecordLen bytes: for each
// pair of access mode and security condition, an AM_DO 80 then its SC_DO:
// 90 (always), 97 (never), or the control reference template A4 with the
// key reference (83) and usage qualifier 08 (user authentication, knowledge
// based: a PIN); FF filled.
func arrRecord(pairs ...byte) []byte {
	var r []byte
	for i := 0; i+1 < len(pairs); i += 2 {
		r = tlv.New(0x80, []byte{pairs[i]}).AppendTo(r)
		switch key := pairs[i+1]; key {
		case scAlways:
			r = tlv.New(0x90, nil).AppendTo(r)
		case scNever:
			r = tlv.New(0x97, nil).AppendTo(r)
		default:
			r = tlv.Constructed(0xA4, tlv.New(0x83, []byte{key}), tlv.New(0x95, []byte{0x08})).AppendTo(r)
		}
	}
	return append(r, bytes.Repeat([]byte{0xFF}, ARRRecordLen-len(r))...)
}

// PINAttributes is a PINConfiguration's pinAttributes (PEDefinitions
// UInt8 DEFAULT 7). Its bits are read here as: b1 the PIN's verification
// enabled, b3 the PIN may be disabled, b2 set in every example. The
// interoperable format's own table of these bits was not at hand: this
// reading is inferred from the values the published examples give, the
// GSMA generic eUICC test profile's PE-PINCodes in ASN.1 value notation
// (PIN1, disabled there, 6; ADM1, ADM2 and the USIM's PIN2, all enabled
// and not disablable, 3) and pySim's profile builder (PIN1 6, ADM 3,
// DEFAULT 7 for others): only b1 decides anything here.
func PINAttributes(enabled, disablable bool) int {
	a := pinAttrChangeable
	if enabled {
		a |= pinAttrEnabled
	}
	if disablable {
		a |= pinAttrDisablable
	}
	return a
}

// pinAttributes bits (PINAttributes) and the DEFAULT, which DER leaves out.
const (
	pinAttrEnabled    = 0x01
	pinAttrChangeable = 0x02
	pinAttrDisablable = 0x04
	pinAttrDefault    = 7
)

// pinConfig is one PINConfiguration: keyReference [0], pinValue [1] (ASCII
// digits F-padded to 8, TS 102 221 §9.5.2), unblockingPINReference [2],
// pinAttributes [3] unless it is the DEFAULT (7), which DER leaves out;
// the attempt counters keep their DEFAULT (51: 3 attempts, 3 left). puk <
// 0 means no PUK.
func pinConfig(key int, value string, puk, attrs int) tlv.TLV {
	cs := []tlv.TLV{tlv.Uint(0x80, key), tlv.New(0x81, apdu.PINBlock(value))}
	if puk >= 0 {
		cs = append(cs, tlv.Uint(0x82, puk))
	}
	if attrs != pinAttrDefault {
		cs = append(cs, tlv.Uint(0x83, attrs))
	}
	return tlv.Constructed(0x30, cs...)
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func pins(id int, cfgs ...tlv.TLV) tlv.TLV {
	return tlv.Constructed(TagPINCodes, peHeader(id, true), tlv.Constructed(0xA1, tlv.Constructed(0xA0, cfgs...)))
}

func puks(puk1, puk2 string) tlv.TLV {
	cfg := func(key int, value string) tlv.TLV {
		return tlv.Constructed(0x30, tlv.Uint(0x80, key), tlv.New(0x81, []byte(value)))
	}
	return tlv.Constructed(TagPUKCodes, peHeader(idPUK, true), tlv.Constructed(0xA1, cfg(keyPUKAppl1, puk1), cfg(keySecondPUKAppl1, puk2)))
}

func (p Profile) usim(home [3]byte) tlv.TLV {
	u := func(tag uint32, content []byte) tlv.TLV { return ef(TagUSIM, tag, content, 0) }
	return tlv.Constructed(TagUSIM, peHeader(idUSIM, true), tlv.New(0x81, oidValue(OIDTemplateUSIM)),
		file(0xA2, nil, tlv.New(0x83, []byte{USIMFID >> 8, USIMFID & 0xFF}), tlv.New(0x84, USIMAID), pinStatus(USIMPINStates(p.PIN1Enabled))),
		u(0xA3, bcd.IMSI(p.IMSI)),
		ef(TagUSIM, 0xA4, accessRules(), ARRRecordLen),
		u(0xA5, Keys()),
		u(0xA6, Keys()), // ef-keysPS
		u(0xA7, HPPLMN(p.HPPLMN)),
		u(0xA8, ProfileUST(p.EHPLMNs)),
		sparseFile(0xAA, bytes.Join(SMS(), nil)), // the template's size: no Fcp
		ef(TagUSIM, 0xAB, SMSP(), SMSPRecordLen),
		u(0xAC, SMSS()),
		u(0xAD, SPN(p.SPN)),
		u(0xAE, EST()),
		u(0xAF, StartHFN()),
		u(0xB0, Threshold()),
		u(0xB1, PSLOCI(home)),
		u(0xB2, ACC(p.IMSI)),
		u(0xB3, FPLMN()), // no forbidden network yet
		u(0xB4, LOCI(home)),
		u(0xB5, []byte{0x00, 0x00, 0x00, byte(p.MNCLen)}),
		ef(TagUSIM, 0xB6, bytes.Join(ECC(), nil), ECCRecordLen),
		u(0xB7, NETPAR()),
		u(0xB8, EPSLOCI(home)),
		ef(TagUSIM, 0xB9, EPSNSC(), EPSNSCRecordLen))
}

// sparseFile is file(tag, content) for content mostly FF where the file
// as created (the template's default) holds FF too: fillFileContent for
// the rest, fillFileOffset over each longer run of FF, none over the last.
// Ten free EF SMS records so take about 70 bytes instead of 1760.
func sparseFile(tag uint32, content []byte) tlv.TLV {
	const minRun = 8 // shorter runs cost more to skip than to write
	var cs []tlv.TLV
	start := 0 // of the bytes not yet written
	for i := 0; i < len(content); {
		if content[i] != 0xFF {
			i++
			continue
		}
		j := i
		for j < len(content) && content[j] == 0xFF {
			j++
		}
		if j-i < minRun {
			i = j
			continue
		}
		if i > start {
			cs = append(cs, tlv.New(0x83, content[start:i]))
		}
		if j < len(content) {
			cs = append(cs, tlv.Uint(0x82, j-i))
		}
		start, i = j, j
	}
	if start < len(content) {
		cs = append(cs, tlv.New(0x83, content[start:]))
	}
	return tlv.Constructed(tag, cs...)
}

func (p Profile) optUSIM(home [3]byte) tlv.TLV {
	hplmn, _ := bcd.ParsePLMN(home[:])
	cs := []tlv.TLV{peHeader(idOptUSIM, false), tlv.New(0x81, oidValue(OIDTemplateOptUSIM))}
	cs = append(cs, ef(TagOptUSIM, 0xA2, LI(), 0))
	// EF MSISDN even without a number (an empty record), as the card lays
	// out every profile's USIM and UST announces it (service 21).
	cs = append(cs, ef(TagOptUSIM, 0xA7, MSISDN(p.MSISDN), MSISDNRecordLen))
	cs = append(cs, ef(TagOptUSIM, 0xAF, PLMNwAcT(), 0), ef(TagOptUSIM, 0xB0, OPLMNwAcT(p.OperatorPLMNs), 0),
		ef(TagOptUSIM, 0xB1, HPLMNwAcT(hplmn), 0))
	if len(p.EHPLMNs) > 0 {
		cs = append(cs, ef(TagOptUSIM, 0xBF3A, EHPLMN(p.EHPLMNs), 0))
	}
	return tlv.Constructed(TagOptUSIM, cs...)
}

// securityDomain is the MNO-SD (PE-SecurityDomain, GlobalPlatform Card
// Specification Amendment for UICC): an instance of the ISD package with
// three SCP80 key sets (ENC, MAC and DEK of AES-128 each) for OTA. The key
// values are derived from the Milenage key: test keys.
func (p Profile) securityDomain() tlv.TLV {
	instance := tlv.Constructed(0xA1,
		tlv.New(0x4F, []byte{0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50}),       // ISD load package
		tlv.New(0x4F, []byte{0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50, 0x41}), // its class
		tlv.New(0x4F, []byte{0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00}), // the MNO-SD instance
		tlv.New(0x82, []byte{0x82, 0xFC, 0x80}),                               // SD, trusted path, authorized management, ...
		tlv.New(0xC9, []byte{0x81, 0x02, 0x80, 0x00}))                         // SCP80 parameters
	var keys []tlv.TLV
	for kvn := byte(1); kvn <= 3; kvn++ {
		for kid, usage := range []byte{0x38, 0x34, 0xC8} { // ENC, MAC, DEK
			k := make([]byte, 16)
			for i := range k {
				k[i] = p.Ki[i] ^ kvn<<4 ^ byte(kid)
			}
			keys = append(keys, tlv.Constructed(0x30, tlv.New(0x95, []byte{usage}), tlv.New(0x82, []byte{byte(kid + 1)}),
				tlv.New(0x83, []byte{kvn}), tlv.Constructed(0x30, tlv.Constructed(0x30, tlv.New(0x80, []byte{0x88}), tlv.New(0x86, k)))))
		}
	}
	return tlv.Constructed(TagSecurityDomain, peHeader(idSD, false), instance, tlv.Constructed(0xA2, keys...))
}

func (p Profile) aka() tlv.TLV {
	algo := tlv.Constructed(0xA1, tlv.Uint(0x80, 1), tlv.New(0x81, []byte{0x00}), tlv.New(0x82, p.Ki), tlv.New(0x83, p.OPc))
	return tlv.Constructed(TagAKAParameter, peHeader(idAKA, true), tlv.Constructed(0xA1, algo))
}
