package euicc

import (
	"bytes"
	"encoding/hex"

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
	// update is the EF's UPDATE access condition: PIN (disabled on these
	// profiles, so met) when set, ADM (never met here) when not.
	update   bool
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
}

// buildFS lays out MF, EF ICCID, EF DIR and ADF USIM for p, with no
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
	mf := &node{fid: fidMF, kind: kindDF}
	fs := &fileSystem{mf: mf, prof: p}
	if p == nil {
		return fs
	}
	mf.add(&node{fid: fidICCID, sfi: 0x02, kind: kindTransparent, data: bcd.Swapped(p.ICCID, 10)})
	// EF DIR record (TS 102 221 §13.1): application template 61 with the AID
	// (4F) and a label (50), padded with FF to the record length.
	rec := tlv.Constructed(0x61, tlv.New(0x4F, aidUSIM), tlv.New(0x50, []byte("USIM"))).Bytes()
	const dirRecLen = 32
	rec = append(rec, bytes.Repeat([]byte{0xFF}, dirRecLen-len(rec))...)
	mf.add(&node{fid: fidDIR, sfi: 0x1E, kind: kindLinear, recLen: dirRecLen, records: [][]byte{rec}})
	usim := mf.add(&node{fid: fidADF, kind: kindDF, aid: aidUSIM})
	hplmn := p.HomePLMN()
	home, _ := bcd.PLMN(hplmn) // the IMSI was checked at load
	oplmns := p.OperatorPLMNs
	if oplmns == nil {
		oplmns = []string{hplmn} // as the SM-DP+ builds its packages
	}
	for _, f := range []struct {
		fid    uint16
		sfi    byte
		data   []byte
		update bool
	}{
		{fidLI, 0x02, saip.LI(), true},
		{fidIMSI, 0x07, bcd.IMSI(p.IMSI), false},
		{fidKeys, 0x08, saip.Keys(), true},
		{fidKeysPS, 0x09, saip.Keys(), true},
		// EF AD (TS 31.102 §4.2.18): UE operation mode normal, no
		// additional information, then the MNC length of the IMSI.
		{fidAD, 0x03, []byte{0x00, 0x00, 0x00, byte(p.mncLen())}, false},
		{fidUST, 0x04, saip.UST(), false},
		{fidEST, 0x05, saip.EST(), false},
		{fidSPN, 0, saip.SPN(or(p.SPN, p.Operator)), false},
		{fidACC, 0x06, saip.ACC(p.IMSI), false},
		{fidHPPLMN, 0x12, saip.HPPLMN(), false},
		{fidStartHFN, 0x0F, saip.StartHFN(), true},
		{fidThreshold, 0x10, saip.Threshold(), false},
		{fidNETPAR, 0, saip.NETPAR(), true},
		{fidSMSS, 0, saip.SMSS(), true},
		{fidPLMNwAcT, 0x0A, saip.PLMNwAcT(), true},
		{fidOPLMNwAcT, 0x11, saip.OPLMNwAcT(oplmns), false},
		{fidHPLMNwAcT, 0x13, saip.HPLMNwAcT(hplmn), false},
		{fidLOCI, 0x0B, saip.LOCI(home), true},
		{fidPSLOCI, 0x0C, saip.PSLOCI(home), true},
		{fidFPLMN, 0x0D, saip.FPLMN(), true},
		{fidEPSLOCI, 0x1E, saip.EPSLOCI(home), true},
	} {
		if w, ok := p.Files[f.fid]; ok && f.update && len(w) == len(f.data) {
			f.data = bytes.Clone(w)
		}
		usim.add(&node{fid: f.fid, sfi: f.sfi, kind: kindTransparent, data: f.data, update: f.update})
	}
	for _, f := range []struct {
		fid     uint16
		sfi     byte
		recLen  int
		records [][]byte
		update  bool
	}{
		{fidARR, 0x17, saip.ARRRecordLen, saip.ARR(), false},
		{fidECC, 0x01, saip.ECCRecordLen, saip.ECC(), false},
		{fidSMS, 0, saip.SMSRecordLen, saip.SMS(), true},
		{fidSMSP, 0, saip.SMSPRecordLen, [][]byte{saip.SMSP()}, true},
		{fidEPSNSC, 0x18, saip.EPSNSCRecordLen, [][]byte{saip.EPSNSC()}, true},
	} {
		if w, ok := p.Files[f.fid]; ok && f.update && len(w) == f.recLen*len(f.records) {
			for i := range f.records {
				f.records[i] = bytes.Clone(w[i*f.recLen : (i+1)*f.recLen])
			}
		}
		usim.add(&node{fid: f.fid, sfi: f.sfi, kind: kindLinear, recLen: f.recLen, records: f.records, update: f.update})
	}
	fs.usim = usim
	return fs
}

// content is an EF's whole content: its bytes, or its records one after
// the other.
func (n *node) content() []byte {
	if n.kind == kindLinear {
		return bytes.Join(n.records, nil)
	}
	return bytes.Clone(n.data)
}

// fcp returns the file control parameters template 62 (TS 102 221 §11.1.1.3).
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
	fid := n.fid
	if n.aid != nil {
		fid = fidADF
	}
	items = append(items, tlv.New(0x83, []byte{byte(fid >> 8), byte(fid)}))
	if n.aid != nil {
		items = append(items, tlv.New(0x84, n.aid))
	}
	items = append(items, tlv.New(0x8A, []byte{0x05})) // operational, activated
	switch n.kind {
	case kindTransparent:
		items = append(items, tlv.New(0x80, u16(len(n.data))))
	case kindLinear:
		items = append(items, tlv.New(0x80, u16(n.recLen*len(n.records))))
	}
	return tlv.Constructed(0x62, items...).Bytes()
}

func u16(n int) []byte { return []byte{byte(n >> 8), byte(n)} }
