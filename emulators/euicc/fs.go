package euicc

import (
	"bytes"
	"encoding/hex"
	"slices"
	"sync"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/fcp"
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
	fidEHPLMN    = 0x6FD9
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
	// The subscriber's number (USIM service 21, TS 31.102 §4.2.26).
	fidMSISDN = 0x6F40
)

type nodeKind uint8

const (
	kindDF nodeKind = iota
	kindTransparent
	kindLinear
)

// node is a file of the UICC file system's layout: where it is, what kind
// of file, under which access rule. The layout is the same for every
// profile, so every card shares one (fsLayout); what a card holds of its
// own is in its fileSystem: the files' contents and its PIN states, so
// that a fleet's cards do not each hold a tree of some 30 nodes and the
// same contents (about 8 KiB a card).
type node struct {
	fid  uint16
	sfi  byte // short file identifier, 0 if none
	kind nodeKind
	// arr is the record of the file's EF ARR (arrEF) that states its
	// access rule: what its FCP announces (8B) and what READ and UPDATE
	// check (allows), one decision.
	arr    byte
	recLen int // linear fixed EF
	// slot is an EF's place in fileSystem.data (transparent) or
	// fileSystem.records (linear).
	slot     int
	aid      []byte // ADF only
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
	if sfi == 0 {
		return nil // a file without one (88 00) holds 0: no file has SFI 0
	}
	for _, c := range n.children {
		if c.sfi == sfi && c.kind != kindDF {
			return c
		}
	}
	return nil
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

// layout is the file system of every card: bare is the MF of a card with
// no enabled profile (no files), mf and usim those of one with a profile.
// data and records hold the EFs' contents that are the same in every
// profile by slot, nil where each profile has its own. Nothing here is
// ever written: a card writes into its own copy (fileSystem's owned bits).
type layout struct {
	bare, mf, usim *node
	data           [][]byte
	records        [][][]byte
}

// fsLayout lays out MF, EF ICCID, EF DIR, EF ARR and ADF USIM, once. The
// USIM holds every file TS 31.102 §4.2 makes mandatory, every file a
// service EF UST announces needs, and the ones a terminal commonly reads,
// as the profile package holds them (saip, one definition): EF LI, IMSI,
// ARR, Keys, KeysPS, AD, UST, EST, SPN, ACC, HPPLMN, START-HFN,
// THRESHOLD, NETPAR, ECC, SMS, SMSP, SMSS, MSISDN, PLMNwAcT, OPLMNwAcT,
// HPLMNwAcT, and the files a terminal writes as it registers, LOCI,
// PSLOCI, EPSLOCI, EPSNSC and FPLMN. A nil content is the profile's own
// (profileFiles).
var fsLayout = sync.OnceValue(func() *layout {
	l := &layout{bare: &node{fid: fidMF, kind: kindDF, arr: saip.ARRDF}}
	l.mf = &node{fid: fidMF, kind: kindDF, arr: saip.ARRDF}
	// Contents are clipped so that no append can write into them.
	ef := func(df *node, fid uint16, sfi byte, data []byte, arr byte) {
		df.add(&node{fid: fid, sfi: sfi, kind: kindTransparent, arr: arr, slot: len(l.data)})
		l.data = append(l.data, slices.Clip(data))
	}
	linear := func(df *node, fid uint16, sfi byte, recLen int, records [][]byte, arr byte) {
		df.add(&node{fid: fid, sfi: sfi, kind: kindLinear, recLen: recLen, arr: arr, slot: len(l.records)})
		for i := range records {
			records[i] = slices.Clip(records[i])
		}
		l.records = append(l.records, slices.Clip(records))
	}
	// The MF's files: EF ICCID (TS 102 221 §13.2, SFI 02), EF DIR (§13.1,
	// SFI 1E) and EF ARR (§13.4, SFI 06), the rules of the MF's files and
	// of the DFs themselves.
	ef(l.mf, fidICCID, 0x02, nil, saip.ARRReadAlwaysUpdateNever)
	linear(l.mf, fidDIR, 0x1E, saip.DIRRecordLen, saip.DIR(), saip.ARRReadAlwaysUpdateADM)
	linear(l.mf, fidMFARR, 0x06, saip.ARRRecordLen, saip.ARR(), saip.ARRReadAlwaysUpdateADM)
	u := l.mf.add(&node{fid: saip.USIMFID, kind: kindDF, aid: aidUSIM, arr: saip.ARRDF})
	l.usim = u
	// Each file's SFI (TS 31.102 §4.2; 0: none) and access rule (the
	// record the SAIP template gives it, saip.Template).
	ef(u, fidLI, 0x02, saip.LI(), saip.ARRReadAlwaysUpdatePIN)
	ef(u, fidIMSI, 0x07, nil, saip.ARRReadPINUpdateADM)
	ef(u, fidKeys, 0x08, saip.Keys(), saip.ARRReadPINUpdatePIN)
	ef(u, fidKeysPS, 0x09, saip.Keys(), saip.ARRReadPINUpdatePIN)
	ef(u, fidAD, 0x03, nil, saip.ARRReadAlwaysUpdateADM)
	ef(u, fidUST, 0x04, saip.UST(), saip.ARRReadPINUpdateADM)
	ef(u, fidEST, 0x05, saip.EST(), saip.ARRReadPINUpdatePIN2)
	ef(u, fidSPN, 0, nil, saip.ARRReadAlwaysUpdateADM)
	ef(u, fidACC, 0x06, nil, saip.ARRReadPINUpdateADM)
	ef(u, fidHPPLMN, 0x12, nil, saip.ARRReadPINUpdateADM)
	ef(u, fidStartHFN, 0x0F, saip.StartHFN(), saip.ARRReadPINUpdatePIN)
	ef(u, fidThreshold, 0x10, saip.Threshold(), saip.ARRReadPINUpdateADM)
	ef(u, fidNETPAR, 0, saip.NETPAR(), saip.ARRReadPINUpdatePIN)
	ef(u, fidSMSS, 0, saip.SMSS(), saip.ARRReadPINUpdatePIN)
	ef(u, fidPLMNwAcT, 0x0A, saip.PLMNwAcT(), saip.ARRReadPINUpdatePIN)
	ef(u, fidOPLMNwAcT, 0x11, nil, saip.ARRReadPINUpdateADM)
	ef(u, fidHPLMNwAcT, 0x13, nil, saip.ARRReadPINUpdateADM)
	// EF EHPLMN (TS 31.102 §4.2.84, SFI 1D): every profile has the file,
	// EF UST says whether its list is in service (n°71).
	ef(u, fidEHPLMN, 0x1D, nil, saip.ARRReadPINUpdateADM)
	ef(u, fidLOCI, 0x0B, nil, saip.ARRReadPINUpdatePIN)
	ef(u, fidPSLOCI, 0x0C, nil, saip.ARRReadPINUpdatePIN)
	ef(u, fidFPLMN, 0x0D, saip.FPLMN(), saip.ARRReadPINUpdatePIN)
	ef(u, fidEPSLOCI, 0x1E, nil, saip.ARRReadPINUpdatePIN)
	linear(u, fidARR, 0x17, saip.ARRRecordLen, saip.ARR(), saip.ARRReadAlwaysUpdateADM)
	linear(u, fidECC, 0x01, saip.ECCRecordLen, saip.ECC(), saip.ARRReadAlwaysUpdateADM)
	linear(u, fidSMS, 0, saip.SMSRecordLen, saip.SMS(), saip.ARRReadPINUpdatePIN)
	linear(u, fidSMSP, 0, saip.SMSPRecordLen, [][]byte{saip.SMSP()}, saip.ARRReadPINUpdatePIN)
	linear(u, fidMSISDN, 0, saip.MSISDNRecordLen, [][]byte{nil}, saip.ARRReadPINUpdateADM)
	linear(u, fidEPSNSC, 0x18, saip.EPSNSCRecordLen, [][]byte{saip.EPSNSC()}, saip.ARRReadPINUpdatePIN)
	if len(l.data) > 64 || len(l.records) > 64 {
		panic("euicc: more EFs than fileSystem's owned bits")
	}
	return l
})

func (n *node) add(c *node) *node {
	c.parent = n
	n.children = append(n.children, c)
	return c
}

// The MF's and ADF USIM's PIN states for either state of PIN1, made once
// (indexed by PIN1 enabled) and never written.
var (
	mfPINs   = [2][]fcp.PINState{saip.MFPINStates(false), saip.MFPINStates(true)}
	usimPINs = [2][]fcp.PINState{saip.USIMPINStates(false), saip.USIMPINStates(true)}
)

// fileSystem is the UICC view of one enabled profile, built at reset: the
// shared layout and this card's contents and PIN states.
type fileSystem struct {
	mf, usim *node    // usim is nil when no profile is enabled
	prof     *profile // the profile whose files these are, nil with none
	// data and records are the EFs' contents by slot. They start as the
	// layout's (shared by every card, never written) or the profile's
	// own; owned has a slot's bit once the slice is this file system's
	// own, and a write to one that is not copies it first.
	data                    [][]byte
	records                 [][][]byte
	ownedData, ownedRecords uint64
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

// pins are a DF's PIN and ADM keys and whether each is enabled, what its
// FCP's PIN status template announces (C6) and what its files' access
// rules are checked against. PIN1's state is the profile's: a PIN
// command changes it there, and the FCPs say so at once.
func (fs *fileSystem) pins(df *node) []fcp.PINState {
	on := 0
	if fs.prof != nil && fs.prof.pins.PIN1Enabled {
		on = 1
	}
	if df == fs.usim {
		return usimPINs[on]
	}
	return mfPINs[on]
}

// buildFS is the file system of p, with no enabled profile only the MF:
// the layout (fsLayout), the profile's own files, and what the terminal
// wrote to the files it may update (PIN; the others are ADM's, or PIN2's
// for EST), which read as it last wrote them to this profile
// (profile.Files).
func buildFS(p *profile) *fileSystem {
	l := fsLayout()
	fs := &fileSystem{mf: l.bare, prof: p, verified: map[byte]bool{}}
	if p == nil {
		return fs
	}
	fs.mf, fs.usim = l.mf, l.usim
	fs.data, fs.records = slices.Clone(l.data), slices.Clone(l.records)
	hplmn := p.HomePLMN()
	home, _ := bcd.PLMN(hplmn) // the IMSI was checked at load
	oplmns := p.OperatorPLMNs
	if oplmns == nil {
		oplmns = []string{hplmn} // as the SM-DP+ builds its packages
	}
	for _, f := range []struct {
		n    *node
		data []byte
	}{
		{l.mf.child(fidICCID), bcd.Swapped(p.ICCID, 10)},
		{l.usim.child(fidIMSI), bcd.IMSI(p.IMSI)},
		// EF AD (TS 31.102 §4.2.18): UE operation mode normal, no
		// additional information, then the MNC length of the IMSI.
		{l.usim.child(fidAD), []byte{0x00, 0x00, 0x00, byte(p.mncLen())}},
		{l.usim.child(fidSPN), saip.SPN(or(p.SPN, p.Operator))},
		{l.usim.child(fidACC), saip.ACC(p.IMSI)},
		{l.usim.child(fidOPLMNwAcT), saip.OPLMNwAcT(oplmns)},
		{l.usim.child(fidHPPLMN), saip.HPPLMN(p.HPPLMN)},
		{l.usim.child(fidHPLMNwAcT), saip.HPLMNwAcT(hplmn)},
		{l.usim.child(fidEHPLMN), saip.EHPLMN(p.EHPLMNs)},
		{l.usim.child(fidUST), saip.ProfileUST(p.EHPLMNs)},
		{l.usim.child(fidLOCI), saip.LOCI(home)},
		{l.usim.child(fidPSLOCI), saip.PSLOCI(home)},
		{l.usim.child(fidEPSLOCI), saip.EPSLOCI(home)},
	} {
		fs.data[f.n.slot] = f.data
		fs.ownedData |= 1 << f.n.slot
	}
	msisdn := l.usim.child(fidMSISDN)
	fs.records[msisdn.slot] = [][]byte{saip.MSISDN(p.MSISDN)}
	fs.ownedRecords |= 1 << msisdn.slot
	// What the terminal wrote to the files it may update.
	for _, n := range l.usim.children {
		if w, ok := p.Files[n.fid]; ok && fs.allows(n, saip.AMUpdate, terminalMet) && len(w) == len(fs.content(n)) {
			fs.setContent(n, w)
		}
	}
	return fs
}

// binary is a transparent EF's content, not to be written (writeBinary).
func (fs *fileSystem) binary(n *node) []byte { return fs.data[n.slot] }

// recordList is a linear fixed EF's records, not to be written
// (setRecord).
func (fs *fileSystem) recordList(n *node) [][]byte { return fs.records[n.slot] }

// writeBinary writes b into a transparent EF at off (in range).
func (fs *fileSystem) writeBinary(n *node, off int, b []byte) {
	if fs.ownedData&(1<<n.slot) == 0 {
		fs.data[n.slot] = bytes.Clone(fs.data[n.slot])
		fs.ownedData |= 1 << n.slot
	}
	copy(fs.data[n.slot][off:], b)
}

// setRecord replaces record i (from 0, in range) of a linear fixed EF.
func (fs *fileSystem) setRecord(n *node, i int, rec []byte) {
	if fs.ownedRecords&(1<<n.slot) == 0 {
		fs.records[n.slot] = slices.Clone(fs.records[n.slot])
		fs.ownedRecords |= 1 << n.slot
	}
	fs.records[n.slot][i] = bytes.Clone(rec)
}

// setContent replaces an EF's content with b, as long as it is.
func (fs *fileSystem) setContent(n *node, b []byte) {
	if n.kind != kindLinear {
		fs.data[n.slot] = bytes.Clone(b)
		fs.ownedData |= 1 << n.slot
		return
	}
	for i := range fs.records[n.slot] {
		fs.setRecord(n, i, b[i*n.recLen:(i+1)*n.recLen])
	}
}

// content is an EF's whole content: its bytes, or its records one after
// the other.
func (fs *fileSystem) content(n *node) []byte {
	if n.kind == kindLinear {
		return bytes.Join(fs.records[n.slot], nil)
	}
	return bytes.Clone(fs.data[n.slot])
}

// allows reports whether n's access rule grants the access mode am
// (saip.AMRead, saip.AMUpdate) with the keys met says are met (the file
// system's met: a disabled PIN1 is, an enabled one once verified, ADM1
// never) among those its DF's PIN status template lists. No rule, as when
// the EF ARR or its record is missing, grants nothing (TS 31.102
// §4.2.55).
func (fs *fileSystem) allows(n *node, am byte, met func(key byte) bool) bool {
	arr := n.arrEF()
	if arr == nil || n.arr == 0 || int(n.arr) > len(fs.recordList(arr)) {
		return false
	}
	pins := fs.pins(n.dir())
	listed := func(key byte) bool {
		for _, p := range pins {
			if p.Key == key {
				return met(key)
			}
		}
		return false
	}
	return ruleGrants(fs.recordList(arr)[n.arr-1], am, listed)
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

// fcp returns n's file control parameters template 62 (TS 102 221
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
func (fs *fileSystem) fcp(n *node) []byte {
	t := fcp.Template{FID: n.fid, AID: n.aid, LifeCycle: 0x05, // operational, activated
		ARRFile: n.arrFID(), ARRRecord: n.arr}
	switch n.kind {
	case kindDF:
		t.Descriptor = fcp.Descriptor{Structure: fcp.DF, Shareable: true}
		t.PINs = fs.pins(n)
		if n.parent == nil {
			t.UICC = []byte{uiccCharacteristics}
		}
	case kindTransparent:
		t.Descriptor = fcp.Descriptor{Structure: fcp.Transparent, Shareable: true}
	case kindLinear:
		t.Descriptor = fcp.Descriptor{Structure: fcp.LinearFixed, Shareable: true, RecLen: n.recLen, Records: len(fs.recordList(n))}
	}
	if n.kind != kindDF {
		t.Size, t.SFI = fs.size(n), n.sfi
	}
	return t.Bytes()
}

// size is an EF's size in bytes.
func (fs *fileSystem) size(n *node) int {
	size := len(fs.data[n.slot])
	if n.kind == kindLinear {
		size = 0
		for _, r := range fs.records[n.slot] {
			size += len(r)
		}
	}
	return size
}
