package euicc

import (
	"bytes"
	"encoding/hex"
	"slices"
	"sync"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// AIDs of the card's applications.
var (
	// aidUSIM is the USIM application as the profile packages install it
	// (saip.USIMAID) and EF DIR lists it.
	aidUSIM = saip.USIMAID
	// aidISDR is the ISD-R (es10.ISDRAID).
	aidISDR = es10.ISDRAIDBytes()
	// usimPrefix is the RID + application code a terminal may select by
	// partial DF name (ISO 7816-4 §7.1.1).
	usimPrefix = aidUSIM[:7]
)

// isdrFCI is the ISD-R's answer to SELECT and STATUS: the FCI template 6F
// with its AID (84), the proprietary data A5 with the longest command data
// field it takes (9F65, GlobalPlatform Card Specification §11.1.3), and
// the ISD-R template E0 holding the SGP.22 version it implements (82). It
// is the layout commercial eUICCs answer, and Android's LPA reads the
// version there before any ES10 call (it refuses a card without it).
var isdrFCI = tlv.Constructed(0x6F, tlv.New(0x84, aidISDR),
	tlv.Constructed(0xA5, tlv.New(0x9F65, []byte{0xFF})),
	tlv.Constructed(0xE0, tlv.New(0x82, es10.SVN[:]))).Bytes()

// isdpAIDPrefix starts every ISD-P AID; two bytes numbering the profile
// follow (1000, 1100, ...), as on commercial eUICCs.
var isdpAIDPrefix = mustHex("A0000005591010FFFFFFFF890000")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// File identifiers (TS 102 221 §13, TS 31.102 §4.2).
const (
	fidMF    = 0x3F00
	fidADF   = 0x7FFF // the current ADF
	fidICCID = 0x2FE2
	fidDIR   = 0x2F00
	fidMFARR = 0x2F06 // the MF's EF ARR (TS 102 221 §13.4)
	fidIMSI  = 0x6F07
	fidAD    = 0x6FAD
	// The location files a terminal updates as it registers, and the
	// forbidden networks it adds to (TS 31.102 §4.2.16, 4.2.17, 4.2.23,
	// 4.2.91).
	fidLOCI    = 0x6F7E
	fidPSLOCI  = 0x6F73
	fidFPLMN   = 0x6F7B
	fidEPSLOCI = 0x6FE3
	// The service table, names, access classes and network lists a
	// terminal reads at start (TS 31.102 §4.2.5-4.2.54).
	fidUST       = 0x6F38
	fidEST       = 0x6F56
	fidSPN       = 0x6F46
	fidACC       = 0x6F78
	fidHPPLMN    = 0x6F31
	fidPLMNwAcT  = 0x6F60
	fidOPLMNwAcT = 0x6F61
	fidHPLMNwAcT = 0x6F62
	fidECC       = 0x6FB7
	fidSMSP      = 0x6F42
	// The files every USIM holds for the terminal's own use: languages,
	// keys and their lifetime, cell frequencies, the EPS security context
	// (TS 31.102 §4.2.1-4.2.92), and the access rules.
	fidLI        = 0x6F05
	fidARR       = 0x6F06
	fidKeys      = 0x6F08
	fidKeysPS    = 0x6F09
	fidStartHFN  = 0x6F5B
	fidThreshold = 0x6F5C
	fidNETPAR    = 0x6FC4
	fidEPSNSC    = 0x6FE4
	// Short messages and their status (USIM service 10).
	fidSMS  = 0x6F3C
	fidSMSS = 0x6F43
)

type nodeKind int

const (
	kindDF nodeKind = iota
	kindTransparent
	kindLinear
)

// node is a file of the UICC file system.
type node struct {
	fid     uint16
	sfi     byte // short file identifier, 0 if none
	kind    nodeKind
	aid     []byte // ADF only
	data    []byte // transparent EF
	recLen  int    // linear fixed EF
	records [][]byte
	// arr is the record of the file's EF ARR (arrEF) that states its
	// access rule: what its FCP announces (8B) and what READ and UPDATE
	// check (allows), one decision.
	arr byte
	// pins are a DF's PIN and ADM keys and whether each is enabled, what
	// its FCP's PIN status template announces (C6) and what its files'
	// access rules are checked against.
	pins     []saip.PINState
	parent   *node
	children []*node
}

func (n *node) child(fid uint16) *node {
	for _, c := range n.children {
		if c.fid == fid {
			return c
		}
	}
	return nil
}

func (n *node) bySFI(sfi byte) *node {
	for _, c := range n.children {
		if c.sfi == sfi && c.kind != kindDF {
			return c
		}
	}
	return nil
}

func (n *node) add(c *node) *node {
	c.parent = n
	n.children = append(n.children, c)
	return c
}

// fileSystem is the UICC view of one enabled profile, built at reset.
type fileSystem struct {
	mf, usim *node    // usim is nil when no profile is enabled
	prof     *profile // the profile whose files these are, nil with none
	// verified holds the keys a VERIFY (or CHANGE, ENABLE, UNBLOCK)
	// satisfied: volatile, so a reset, a power cut and the REFRESH of a
	// profile switch, which rebuild the file system, lose it.
	verified map[byte]bool
}

// met reports whether key's security condition is met now.
func (fs *fileSystem) met(key byte) bool {
	if fs.prof == nil {
		return false
	}
	return fs.prof.pins.met(fs.verified, key)
}

// setPIN1Enabled states PIN1's enabled state in the MF's and the USIM's
// PIN status templates (their FCPs' C6).
func (fs *fileSystem) setPIN1Enabled(on bool) {
	fs.mf.pins = saip.MFPINStates(on)
	if fs.usim != nil {
		fs.usim.pins = saip.USIMPINStates(on)
	}
}

// buildFS lays out MF, EF ICCID, EF DIR, EF ARR and ADF USIM for p, with no
// enabled profile only the MF. The USIM holds every file TS 31.102 §4.2
// makes mandatory, every file a service EF UST announces needs, and the
// ones a terminal commonly reads, as the profile package holds them
// (saip, one definition): EF LI, IMSI, ARR, Keys, KeysPS, AD, UST, EST,
// SPN (the profile's service provider name, else its operator), ACC,
// HPPLMN, START-HFN, THRESHOLD, NETPAR, ECC, SMS, SMSP, SMSS, PLMNwAcT,
// OPLMNwAcT, HPLMNwAcT, and the files a terminal writes as it registers,
// LOCI, PSLOCI, EPSLOCI, EPSNSC and FPLMN. The ones the terminal may
// update (PIN; the others are ADM's, or PIN2's for EST) read as it last
// wrote them to this profile (profile.Files).
func buildFS(p *profile) *fileSystem {
	mf := &node{fid: fidMF, kind: kindDF, arr: saip.ARRDF, pins: saip.MFPINs}
	fs := &fileSystem{mf: mf, prof: p, verified: map[byte]bool{}}
	if p == nil {
		return fs
	}
	// The MF's files: EF ICCID (TS 102 221 §13.2, SFI 02), EF DIR (§13.1,
	// SFI 1E) and EF ARR (§13.4, SFI 06), the rules of the MF's files and
	// of the DFs themselves.
	mf.add(&node{fid: fidICCID, sfi: 0x02, kind: kindTransparent, data: bcd.Swapped(p.ICCID, 10), arr: saip.ARRReadAlwaysUpdateNever})
	mf.add(&node{fid: fidDIR, sfi: 0x1E, kind: kindLinear, recLen: saip.DIRRecordLen, records: templateRecords().dir(), arr: saip.ARRReadAlwaysUpdateADM})
	mf.add(&node{fid: fidMFARR, sfi: 0x06, kind: kindLinear, recLen: saip.ARRRecordLen, records: templateRecords().arr(), arr: saip.ARRReadAlwaysUpdateADM})
	usim := mf.add(&node{fid: saip.USIMFID, kind: kindDF, aid: aidUSIM, arr: saip.ARRDF})
	hplmn := p.HomePLMN()
	home, _ := bcd.PLMN(hplmn) // the IMSI was checked at load
	oplmns := p.OperatorPLMNs
	if oplmns == nil {
		oplmns = []string{hplmn} // as the SM-DP+ builds its packages
	}
	// Each file's SFI (TS 31.102 §4.2; 0: none) and access rule (the
	// record the SAIP template gives it, saip.Template).
	for _, f := range []struct {
		fid  uint16
		sfi  byte
		data []byte
		arr  byte
	}{
		{fidLI, 0x02, saip.LI(), saip.ARRReadAlwaysUpdatePIN},
		{fidIMSI, 0x07, bcd.IMSI(p.IMSI), saip.ARRReadPINUpdateADM},
		{fidKeys, 0x08, saip.Keys(), saip.ARRReadPINUpdatePIN},
		{fidKeysPS, 0x09, saip.Keys(), saip.ARRReadPINUpdatePIN},
		// EF AD (TS 31.102 §4.2.18): UE operation mode normal, no
		// additional information, then the MNC length of the IMSI.
		{fidAD, 0x03, []byte{0x00, 0x00, 0x00, byte(p.mncLen())}, saip.ARRReadAlwaysUpdateADM},
		{fidUST, 0x04, saip.UST(), saip.ARRReadPINUpdateADM},
		{fidEST, 0x05, saip.EST(), saip.ARRReadPINUpdatePIN2},
		{fidSPN, 0, saip.SPN(or(p.SPN, p.Operator)), saip.ARRReadAlwaysUpdateADM},
		{fidACC, 0x06, saip.ACC(p.IMSI), saip.ARRReadPINUpdateADM},
		{fidHPPLMN, 0x12, saip.HPPLMN(), saip.ARRReadPINUpdateADM},
		{fidStartHFN, 0x0F, saip.StartHFN(), saip.ARRReadPINUpdatePIN},
		{fidThreshold, 0x10, saip.Threshold(), saip.ARRReadPINUpdateADM},
		{fidNETPAR, 0, saip.NETPAR(), saip.ARRReadPINUpdatePIN},
		{fidSMSS, 0, saip.SMSS(), saip.ARRReadPINUpdatePIN},
		{fidPLMNwAcT, 0x0A, saip.PLMNwAcT(), saip.ARRReadPINUpdatePIN},
		{fidOPLMNwAcT, 0x11, saip.OPLMNwAcT(oplmns), saip.ARRReadPINUpdateADM},
		{fidHPLMNwAcT, 0x13, saip.HPLMNwAcT(hplmn), saip.ARRReadPINUpdateADM},
		{fidLOCI, 0x0B, saip.LOCI(home), saip.ARRReadPINUpdatePIN},
		{fidPSLOCI, 0x0C, saip.PSLOCI(home), saip.ARRReadPINUpdatePIN},
		{fidFPLMN, 0x0D, saip.FPLMN(), saip.ARRReadPINUpdatePIN},
		{fidEPSLOCI, 0x1E, saip.EPSLOCI(home), saip.ARRReadPINUpdatePIN},
	} {
		usim.add(&node{fid: f.fid, sfi: f.sfi, kind: kindTransparent, data: f.data, arr: f.arr})
	}
	for _, f := range []struct {
		fid     uint16
		sfi     byte
		recLen  int
		records [][]byte
		arr     byte
	}{
		{fidARR, 0x17, saip.ARRRecordLen, templateRecords().arr(), saip.ARRReadAlwaysUpdateADM},
		{fidECC, 0x01, saip.ECCRecordLen, templateRecords().ecc(), saip.ARRReadAlwaysUpdateADM},
		{fidSMS, 0, saip.SMSRecordLen, templateRecords().sms(), saip.ARRReadPINUpdatePIN},
		{fidSMSP, 0, saip.SMSPRecordLen, [][]byte{saip.SMSP()}, saip.ARRReadPINUpdatePIN},
		{fidEPSNSC, 0x18, saip.EPSNSCRecordLen, [][]byte{saip.EPSNSC()}, saip.ARRReadPINUpdatePIN},
	} {
		usim.add(&node{fid: f.fid, sfi: f.sfi, kind: kindLinear, recLen: f.recLen, records: f.records, arr: f.arr})
	}
	fs.usim = usim
	fs.setPIN1Enabled(p.pins.PIN1Enabled)
	// What the terminal wrote to the files it may update.
	for _, n := range usim.children {
		if w, ok := p.Files[n.fid]; ok && n.allows(saip.AMUpdate, terminalMet) && len(w) == len(n.content()) {
			n.setContent(w)
		}
	}
	return fs
}

// recordTemplates are the records every profile's linear files start with,
// made once: a fleet's cards would otherwise each hold their own copies of
// the same bytes (some 3 KiB a card). Each file gets its own list of
// them; the records themselves are never written — UPDATE RECORD and
// setContent put a new slice in the list — and their capacity is their
// length, so no append can write into them either.
type recordTemplates struct{ dirRecs, arrRecs, eccRecs, smsRecs [][]byte }

var templateRecords = sync.OnceValue(func() recordTemplates {
	clip := func(recs [][]byte) [][]byte {
		for i := range recs {
			recs[i] = slices.Clip(recs[i])
		}
		return recs
	}
	return recordTemplates{clip(saip.DIR()), clip(saip.ARR()), clip(saip.ECC()), clip(saip.SMS())}
})

func (t recordTemplates) dir() [][]byte { return slices.Clone(t.dirRecs) }
func (t recordTemplates) arr() [][]byte { return slices.Clone(t.arrRecs) }
func (t recordTemplates) ecc() [][]byte { return slices.Clone(t.eccRecs) }
func (t recordTemplates) sms() [][]byte { return slices.Clone(t.smsRecs) }

// setContent replaces an EF's content with b, as long as it is.
func (n *node) setContent(b []byte) {
	if n.kind != kindLinear {
		n.data = bytes.Clone(b)
		return
	}
	for i := range n.records {
		n.records[i] = bytes.Clone(b[i*n.recLen : (i+1)*n.recLen])
	}
}

// content is an EF's whole content: its bytes, or its records one after
// the other.
func (n *node) content() []byte {
	if n.kind == kindLinear {
		return bytes.Join(n.records, nil)
	}
	return bytes.Clone(n.data)
}

// dir is the DF a file is in, the DF itself for a DF.
func (n *node) dir() *node {
	if n.kind == kindDF || n.parent == nil {
		return n
	}
	return n.parent
}

// arrFID is the file identifier of the EF ARR holding n's access rule:
// for an EF the one of its DF (6F06 in ADF USIM, TS 31.102 §4.2.55; 2F06
// in the MF), for the MF and an ADF the MF's, as commercial UICCs
// reference it.
func (n *node) arrFID() uint16 {
	if n.kind == kindDF || n.parent.parent == nil {
		return fidMFARR
	}
	return fidARR
}

// arrEF is the EF ARR holding n's access rule, nil if there is none.
func (n *node) arrEF() *node {
	d := n.dir()
	if n.kind == kindDF {
		for d.parent != nil {
			d = d.parent
		}
	}
	return d.child(n.arrFID())
}

// allows reports whether n's access rule grants the access mode am
// (saip.AMRead, saip.AMUpdate) with the keys met says are met (the file
// system's met: a disabled PIN1 is, an enabled one once verified, ADM1
// never) among those its DF's PIN status template lists. No rule, as when
// the EF ARR or its record is missing, grants nothing (TS 31.102
// §4.2.55).
func (n *node) allows(am byte, met func(key byte) bool) bool {
	arr := n.arrEF()
	if arr == nil || n.arr == 0 || int(n.arr) > len(arr.records) {
		return false
	}
	pins := n.dir().pins
	listed := func(key byte) bool {
		for _, p := range pins {
			if p.Key == key {
				return met(key)
			}
		}
		return false
	}
	return ruleGrants(arr.records[n.arr-1], am, listed)
}

// ruleGrants reads an access rule record in expanded format (TS 102 221
// §9.2.4, ISO/IEC 7816-4 §9.3.3): access mode DOs (80) each followed by
// the security condition DOs that grant those modes, any one of them
// sufficing; FF padding ends it. A mode no AM_DO names is never granted.
func ruleGrants(rec []byte, am byte, met func(byte) bool) bool {
	covered := false
	for len(rec) > 0 && rec[0] != 0xFF && rec[0] != 0x00 {
		t, rest, err := tlv.ParseOne(rec)
		if err != nil {
			return false
		}
		rec = rest
		switch {
		case t.Tag == 0x80:
			covered = len(t.Value) == 1 && t.Value[0]&0x80 == 0 && t.Value[0]&am == am
		case covered && scGrants(t, met):
			return true
		}
	}
	return false
}

// scGrants reports whether a security condition DO is met: 90 always, 97
// never, A4 a control reference template naming a key (83) that is met,
// A0 any of its conditions, AF all of them.
func scGrants(sc tlv.TLV, met func(byte) bool) bool {
	switch sc.Tag {
	case 0x90:
		return true
	case 0xA4:
		k, ok := sc.Find(0x83)
		return ok && len(k.Value) == 1 && met(k.Value[0])
	case 0xA0, 0xAF:
		cs, err := sc.Children()
		if err != nil || len(cs) == 0 {
			return false
		}
		for _, c := range cs {
			if scGrants(c, met) == (sc.Tag == 0xA0) {
				return sc.Tag == 0xA0
			}
		}
		return sc.Tag == 0xAF
	}
	return false
}

// uiccCharacteristics is the MF's UICC characteristics (TS 102 221
// §11.1.1.4.6.1): clock stop allowed with no preferred level, supply
// voltage classes A, B and C, as the ATR's TA for T=15 (C7) says.
const uiccCharacteristics = 0x71

// fcp returns the file control parameters template 62 (TS 102 221
// §11.1.1.3): for an EF its descriptor (82), identifier (83), life cycle
// status (8A, operational and activated), security attributes referenced
// to its EF ARR record (8B), size (80) and short file identifier (88: its
// SFI in b8-b4, empty for none, as an absent 88 would mean the FID's five
// low bits); for a DF its descriptor, identifier, AID (84, an ADF's),
// proprietary information (A5, mandatory for the MF only: the UICC
// characteristics), life cycle status, security attributes and PIN status
// template (C6). The total file size (81) is optional and left out: it
// counts the memory a DF's files take, which the card does not model, and
// terminals and pySim read it only when present.
func (n *node) fcp() []byte {
	var items []tlv.TLV
	switch n.kind {
	case kindDF:
		items = append(items, tlv.New(0x82, []byte{0x78, 0x21}))
	case kindTransparent:
		items = append(items, tlv.New(0x82, []byte{0x41, 0x21}))
	case kindLinear:
		items = append(items, tlv.New(0x82, []byte{0x42, 0x21, 0x00, byte(n.recLen), byte(len(n.records))}))
	}
	items = append(items, tlv.New(0x83, u16(int(n.fid))))
	if n.aid != nil {
		items = append(items, tlv.New(0x84, n.aid))
	}
	if n.kind == kindDF && n.parent == nil {
		items = append(items, tlv.Constructed(0xA5, tlv.New(0x80, []byte{uiccCharacteristics})))
	}
	items = append(items, tlv.New(0x8A, []byte{0x05}), // operational, activated
		tlv.New(0x8B, append(u16(int(n.arrFID())), n.arr)))
	switch n.kind {
	case kindDF:
		items = append(items, tlv.New(0xC6, saip.PINStatusTemplate(n.pins)))
	default:
		items = append(items, tlv.New(0x80, u16(len(n.content()))))
		sfi := []byte{}
		if n.sfi != 0 {
			sfi = []byte{n.sfi << 3}
		}
		items = append(items, tlv.New(0x88, sfi))
	}
	return tlv.Constructed(0x62, items...).Bytes()
}

func u16(n int) []byte { return []byte{byte(n >> 8), byte(n)} }
