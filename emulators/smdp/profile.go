package smdp

// What an order delivers: the profile's metadata (StoreMetadataRequest) and
// its profile package (TCA interoperable format), built per download.

import (
	"crypto/sha256"
	"fmt"
	"unicode/utf8"

	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// Profile is what an order delivers.
type Profile struct {
	ICCID, IMSI string
	MNCLen      int    // 2 or 3; 0 means 2
	Operator    string // serviceProviderName: the operator id
	Name        string // profileName
	SPN         string // EF SPN, the name a handset shows; "" uses Name (cut to 16)
	// PPR is the profile policy rules its metadata sets (SGP.22 §2.9,
	// profilePolicyRules 99: es10.PPR1, es10.PPR2 bits); 0 sets none and
	// leaves the field out.
	PPR es10.Bits
	// Icon is the operator's icon its metadata carries (iconType 93 and
	// icon 94, at most 1,024 bytes), as an LPA shows it; nil: none.
	Icon *es10.Icon
	// PIN1 is the package's PIN1 (4-8 digits; "": DefaultPIN1) and
	// PIN1Enabled whether its verification is enabled (PE-PINCodes
	// pinAttributes; default: disabled).
	PIN1        string
	PIN1Enabled bool
	// MSISDN is the subscriber number the package's EF MSISDN holds
	// (ident.IsMSISDN); "": an empty record.
	MSISDN string
	// OperatorPLMNs is the package's EF OPLMNwAcT (TS 31.102 §4.2.53):
	// the networks the operator steers its roamers to, in priority
	// order, at most 32; nil lists the home network alone.
	OperatorPLMNs []string
	// EHPLMNs is the package's EF EHPLMN (TS 31.102 §4.2.84), the
	// equivalent home PLMNs in priority order, with EF UST's service
	// n°71; nil: none.
	EHPLMNs []string
	// HPPLMN is the package's EF HPPLMN (TS 31.102 §4.2.6), the higher
	// priority PLMN search period as saip.HPPLMNOf codes it; nil:
	// saip.HPPLMNDefault (60 minutes).
	HPPLMN *byte
}

// The keys of every package this SM-DP+ builds (test values): PIN1 unless
// the order names one, PUK1 and ADM1; the USIM's PIN2 and PUK2 take PIN1's
// and PUK1's.
const (
	DefaultPIN1 = "0000"
	DefaultPUK1 = "12345678"
	DefaultADM1 = "88888888"
)

func (p Profile) mncLen() int {
	if p.MNCLen == 0 {
		return 2
	}
	return p.MNCLen
}

func (p Profile) homePLMN() string { return ident.HomePLMN(p.IMSI, p.mncLen()) }

// metadata is the StoreMetadataRequest of p: names, operational class, the
// owner's PLMN, this SM-DP+ as the address of every notification, and
// p's profile policy rules if it has any.
func (s *Server) metadata(p Profile) es10.ProfileMetadata {
	var notif []es10.NotificationConfig
	for _, e := range []es10.NotificationEvent{es10.EventInstall, es10.EventEnable, es10.EventDisable, es10.EventDelete} {
		notif = append(notif, es10.NotificationConfig{Events: es10.Events(e), Address: s.cfg.Host})
	}
	m := es10.ProfileMetadata{ICCID: p.ICCID, ServiceProviderName: p.Operator, ProfileName: p.Name,
		Class: es10.ClassOperational, NotificationConfig: notif, Owner: &es10.OperatorID{PLMN: p.homePLMN()}}
	if p.PPR != 0 {
		ppr := p.PPR
		m.PPR = &ppr
	}
	m.Icon = p.Icon
	return m
}

// profilePackage builds p's profile package. Its secrets (Ki, OPc) are
// derived from the ICCID: test values, never real ones.
func (s *Server) profilePackage(p Profile) ([]byte, error) {
	spn := p.SPN
	if spn == "" {
		spn = p.Name
	}
	for len(spn) > 16 { // EF SPN's 16 bytes, at a whole character
		_, n := utf8.DecodeLastRuneInString(spn)
		spn = spn[:len(spn)-n]
	}
	ki := sha256.Sum256([]byte("esimhil test Ki\x00" + p.ICCID))
	opc := sha256.Sum256([]byte("esimhil test OPc\x00" + p.ICCID))
	pin1 := p.PIN1
	if pin1 == "" {
		pin1 = DefaultPIN1
	}
	oplmns := p.OperatorPLMNs
	if oplmns == nil {
		oplmns = []string{p.homePLMN()}
	}
	pkg, err := saip.Build(saip.Profile{ICCID: p.ICCID, ProfileType: p.Name, IMSI: p.IMSI, MNCLen: p.mncLen(), SPN: spn,
		OperatorPLMNs: oplmns, EHPLMNs: p.EHPLMNs, HPPLMN: p.HPPLMN, MSISDN: p.MSISDN, PIN1: pin1, PIN1Enabled: p.PIN1Enabled, PUK1: DefaultPUK1, ADM1: DefaultADM1,
		Ki: ki[:16], OPc: opc[:16]})
	if err != nil {
		return nil, fmt.Errorf("profile package for %s: %w", p.ICCID, err)
	}
	return pkg, nil
}
