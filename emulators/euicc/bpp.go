package euicc

// LoadBoundProfilePackage on the ISD-R (SGP.22 §5.7.6, segments §2.5.5,
// result §2.5.6): each STORE DATA sequence carries one segment; the card
// answers 9000 without data until the last segment or the first error, then
// returns the signed ProfileInstallationResult (BF37), which it also keeps
// as a pending notification. Nothing is installed unless every segment
// verified. The result ends the session, a refusal as an install (SGP.22
// §3.1.3.3): a CancelSession for it afterwards names an unknown
// transaction (invalidTransactionId, §5.7.14).

import (
	"errors"
	"slices"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// isBPPSegment tells a BPP segment from an ordinary ES10 request: the
// first starts with the BF36 header, the others are A0-A3 / 86-88 objects,
// which no ES10 request starts with, and only while a package is loading.
func (c *Card) isBPPSegment(req []byte) bool {
	if len(req) >= 2 && req[0] == 0xBF && req[1] == 0x36 {
		return true
	}
	if c.sess == nil || c.sess.loader == nil || len(req) == 0 {
		return false
	}
	switch req[0] {
	case 0xA0, 0xA1, 0xA2, 0xA3, 0x86, 0x87, 0x88:
		return true
	}
	return false
}

// loadBPP feeds one segment to the session's loader.
func (c *Card) loadBPP(seg []byte) ([]byte, uint16) {
	sess := c.sess
	if sess == nil || sess.loader == nil {
		// No PrepareDownload before: there is no session to report in.
		return nil, apdu.SWConditionsNotSatisfied
	}
	done, err := sess.loader.Load(seg)
	if err == nil && !done {
		// Stored in the ISD-P being built: a reset from here on
		// interrupts the install (install.go).
		sess.segments++
		c.installStored(sess)
		c.cfg.Log.Emit(eventlog.EUICC, KindBPPSegmentStored, eventlog.F{"operator": sess.operator, "segment": sess.segments})
		return nil, apdu.SWOK
	}
	c.sess = nil       // the result ends the session, whatever it says
	c.installing = nil // the result, stored below with the profile, takes its place
	meta, pkg := sess.loader.Result()
	data := es10.ProfileInstallationResultData{TransactionID: sess.txID, SmdpOID: sess.smdpOID,
		Notification: es10.NotificationMetadata{Event: es10.EventInstall, Address: sess.serverAddress, ICCID: meta.ICCID}}
	if err != nil {
		var be *rsp.BPPError
		if !errors.As(err, &be) {
			be = &rsp.BPPError{CommandID: es10.BPPCmdLoadProfileElements, Reason: es10.ReasonUnknownError}
		}
		data.CommandID, data.ErrorReason, data.SimaResponse = be.CommandID, be.Reason, be.SimaResponse
	}
	var installed *profile
	if err == nil {
		installed = c.installProfile(meta, pkg, sess.serverAddress)
		data.OK, data.AID = true, installed.AID
		// The package went in whole: one PEStatus ok for its End element.
		data.SimaResponse = saip.EUICCResponse{Status: []saip.PEStatus{{Status: saip.StatusOK, ID: pkg.EndID, Info: -1, Offset: -1}}}.Encode()
	}
	pir, ok := c.signInstallResult(data) // keeps the result as a pending notification
	// The profile and its notification are stored together, and before
	// anything (the log included) says the profile is there.
	c.persistLocked()
	if installed != nil {
		c.cfg.Log.Emit(eventlog.EUICC, KindProfileInstalled, eventlog.F{"iccid": installed.ICCID, "operator": installed.Operator})
	}
	if !ok {
		return nil, apdu.SWUnknown
	}
	return pir, apdu.SWOK
}

// freeAID is the first ISD-P AID no profile holds (checkMetadata leaves
// one free before a profile is installed).
func (c *Card) freeAID() []byte {
	used := map[string]bool{}
	for _, p := range c.profiles {
		used[string(p.AID)] = true
	}
	for i := 0; i < maxProfiles; i++ {
		if !used[string(isdpAID(i))] {
			return isdpAID(i)
		}
	}
	return isdpAID(len(c.profiles))
}

// checkMetadata refuses a profile the card cannot take (SGP.22 §2.5.6): an
// ICCID already present, no ISD-P left, or profile policy rules the Rules
// Authorisation Table does not allow for the profile's owner (§2.9:
// each rule set must be allowed by a RAT rule naming it and an operator
// that covers profileOwner; a profile with rules and no owner cannot be
// matched): pprNotAllowed. Memory is checked while the profile package
// loads (rsp.LoaderSession.FreeNVM).
func (c *Card) checkMetadata(m es10.ProfileMetadata) int {
	switch {
	case c.findICCID(m.ICCID) != nil:
		return es10.ReasonICCIDAlreadyExists
	case len(c.profiles) >= maxProfiles:
		return es10.ReasonInsufficientMemory
	case m.PPR != nil && es10.PPRsNotAllowed(c.cfg.RAT, *m.PPR, m.Owner) != 0:
		return es10.ReasonPPRNotAllowed
	}
	return 0
}

// installProfile adds the loaded profile, disabled, with the next free
// ISD-P AID: ICCID, IMSI and MNC length from the profile package, names,
// class and owner from the metadata, its size the package's.
func (c *Card) installProfile(meta es10.ProfileMetadata, pkg saip.Parsed, smdp string) *profile {
	aid := c.freeAID()
	m := meta
	pp := pkg.Profile
	p := &profile{ProfileSpec: ProfileSpec{ICCID: pp.ICCID, Operator: m.ServiceProviderName, SPN: pp.SPN, Name: m.ProfileName,
		IMSI: pp.IMSI, MNCLen: pp.MNCLen, MSISDN: pp.MSISDN, OperatorPLMNs: slices.Clone(pp.OperatorPLMNs),
		EHPLMNs: slices.Clone(pp.EHPLMNs), HPPLMN: pp.HPPLMN},
		AID: aid, SMDP: smdp, Size: pkg.Size, Meta: &m, pins: packagePINState(pp)}
	c.profiles = append(c.profiles, p)
	return p
}
