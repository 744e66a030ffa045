package euicc

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// ProfileSpec describes one preinstalled profile.
type ProfileSpec struct {
	ICCID    string // 18-20 digits (E.118) with its Luhn check digit
	Operator string // operator id
	SPN      string // service provider name (tag 91); "" reports the operator id
	Name     string // profile name (tag 92); "" reports the operator id
	IMSI     string // 6-15 digits
	// MNCLen is the MNC length of the IMSI (2 or 3; 0 means 2). It sets
	// HomePLMN and EF AD byte 4 (TS 31.102 §4.2.18).
	MNCLen  int
	Enabled bool
	// PIN1 is the profile's PIN1 (4-8 digits; "" is DefaultPIN1) and
	// PIN1Enabled whether its verification is enabled (default: not, so
	// the USIM's files that need PIN1 read without a VERIFY).
	PIN1        string
	PIN1Enabled bool
	// MSISDN is the subscriber number EF MSISDN holds (ident.IsMSISDN:
	// digits, "+" first for an international one); "" leaves its record
	// empty.
	MSISDN string
	// OperatorPLMNs is EF OPLMNwAcT (TS 31.102 §4.2.53), the networks
	// the operator steers its roamers to in priority order (at most 32,
	// each once); a downloaded profile's as its package carried it. nil
	// lists the home network alone, as the SM-DP+ builds its packages by
	// default.
	OperatorPLMNs []string
	// EHPLMNs is EF EHPLMN (TS 31.102 §4.2.84), the equivalent home PLMNs
	// in priority order (at most saip.EHPLMNEntries, each once); EF UST
	// announces the service (n°71) when it holds any. nil: none, the
	// terminal selects the HPLMN the IMSI names.
	EHPLMNs []string
	// HPPLMN is EF HPPLMN (TS 31.102 §4.2.6), the higher priority PLMN
	// search period as saip.HPPLMNOf codes it; a downloaded profile's as
	// its package carried it. nil: saip.HPPLMNDefault (60 minutes).
	HPPLMN *byte
}

// HomePLMN returns MCC+MNC of the profile's IMSI.
func (p ProfileSpec) HomePLMN() string {
	n := 3 + p.mncLen()
	if len(p.IMSI) < n {
		return p.IMSI
	}
	return p.IMSI[:n]
}

func (p ProfileSpec) mncLen() int {
	if p.MNCLen == 0 {
		return 2
	}
	return p.MNCLen
}

// Config is fixed for the life of a card.
type Config struct {
	EID      string // 32 digits
	Profiles []ProfileSpec
	// PlatformAddr is the management platform, reached over BIP with OPEN
	// CHANNEL to this IPv4 address and TCP port.
	PlatformAddr netip.AddrPort
	PlatformHost string // HTTP Host header value (and TLS server name)
	// PlatformTLS makes the card speak HTTPS to the platform, verifying its
	// certificate against CI and PlatformHost (same TLS profile as ES9+).
	PlatformTLS bool
	// Resolve maps a host name (an SM-DP+ address's host, e.g.
	// "smdp.sfr.test") to the IPv4 address and port the card opens a BIP
	// channel to: OPEN CHANNEL carries an address, not a name. TLS still
	// verifies the name. A port of 0 keeps the address's own port. Names
	// are in lower case: the card looks an address up lower-cased.
	Resolve map[string]netip.AddrPort
	// KeyLog, if set, receives the card's TLS session secrets in NSS
	// key-log format (tls.Config.KeyLogWriter), so captures can be decrypted.
	KeyLog io.Writer
	// EUICCCert and EUMCert are the DER certificates the card presents in
	// mutual authentication (SGP.22 §5.7.13); EUICCKey is SK.EUICC.ECDSA.
	// Without them the card answers ES10b functions that sign with
	// undefinedError.
	EUICCCert, EUMCert []byte
	EUICCKey           *ecdsa.PrivateKey
	// CI is the trusted certificate issuer: SM-DP+ certificates must chain
	// to it (its subject key id is euiccCiPKId).
	CI *x509.Certificate
	// FreeNVM is the memory for new profiles in bytes (default 256 KiB); a
	// profile whose metadata asks for more is refused (SGP.22 errorReason
	// installFailedDueToInsufficientMemoryForProfile).
	FreeNVM int
	// DefaultSMDP is the default SM-DP+ address the card starts with
	// (ES10a GetEuiccConfiguredAddresses; SetDefaultDpAddress changes it);
	// RootDS the root SM-DS address it reports (DefaultRootDS when "").
	DefaultSMDP, RootDS string
	// DeviceInfo is what the device tells an SM-DP+ about itself (SGP.22
	// §4.2: TAC, capabilities, IMEI), for the card's own IPA to send in
	// ctxParams1.
	DeviceInfo es10.DeviceInfo
	// Random is where the card draws its euiccChallenge and one-time keys
	// (rsp.SeededRandom: a run and its seed give the same bytes); nil:
	// crypto/rand.
	Random io.Reader
	// Now is the card's notion of time for certificate validity (the
	// virtual clock); nil means certificates are checked at 2026-01-01.
	Now    func() time.Time
	Faults CardFaults
	// Inject, if set, is asked at each point where a fault can bend the
	// card's side of a download from the SM-DP+ at smdpAddress (one of the
	// Fault* names) whether to inject it now; the caller scopes faults to
	// operators, attempts and windows and logs each one that fires.
	Inject func(fault, smdpAddress string) bool
	// OnNVMWrite, if set, receives the NVM image (Card.NVM's form) each
	// time a command changed it, before the card answers that command:
	// store it durably there and the card never acknowledges what a crash
	// could lose. An error is logged as a card_error event.
	OnNVMWrite func(image []byte) error
	// FaultChains holds the chains presented instead of the card's own
	// while FaultUnknownCI or FaultEIDOutOfRange is injected (by name).
	FaultChains map[string]Chain
	// CheckInterval is the autoswitch applet's roaming-check period, a
	// SIM Toolkit timer: whole seconds count, up to stk.MaxTimerValue;
	// 0 means applet.DefaultCheckInterval.
	CheckInterval time.Duration
	// AttachWait bounds how long the applet waits for an attach after a
	// switch before it falls back (claim 3), a SIM Toolkit timer as
	// CheckInterval; 0 means applet.DefaultAttachWait.
	AttachWait time.Duration
	// Backoff is the applet's retry policy for failed operators (zero:
	// applet.DefaultBackoff).
	Backoff applet.Backoff
	// RAT is the Rules Authorisation Table (SGP.22 §2.9) GetRAT
	// answers: which operators may set which profile policy rules. A
	// profile whose metadata sets a rule the table does not allow for its
	// owner is refused with pprNotAllowed. Empty (the default): no
	// operator may set any. The mccMnc of an allowed operator may hold E
	// wildcard digits ("208EE").
	RAT []es10.PolicyRule
	// Pending are the notifications the card holds when New makes it, as
	// a field card holds those it has not delivered yet: each is signed
	// as the card would have signed it when it made it, and later ones
	// are numbered above the highest. Restore ignores them: an NVM image
	// holds the card's own.
	Pending []PendingSpec
	Log     *eventlog.Log
}

// PendingSpec is a pending notification a new card holds (SGP.22 §3.5):
// its sequence number, the operation, the profile and the SM-DP+ address
// it goes to. SmdpOID is the SM-DP+'s OID an install result names
// (smdpOid, from the certificate the SM-DP+ authenticated with); nil: the
// test identity rsp.SMDPOID gives the address, as the card keeps no
// certificate of a past download to take it from.
type PendingSpec struct {
	Seq     int
	Event   es10.NotificationEvent
	ICCID   string
	Address string
	SmdpOID asn1.ObjectIdentifier
}

// toolkitPeriod checks a period the applet runs on a SIM Toolkit timer (0:
// def). One the terminal's timer cannot hold would never start (TIMER
// MANAGEMENT codes whole seconds up to 99:59:59, TS 102 223 §8.38): a
// check that never runs, an attach waited for without end; one under a
// second would be coded 0 s and expire at once (a check started again
// as it fires, for ever; a fallback right after every switch).
func toolkitPeriod(what string, d, def time.Duration) error {
	if d < 0 || d > 0 && d < time.Second || d > stk.MaxTimerValue {
		return fmt.Errorf("euicc: %s %s: want 1s to %s (a SIM Toolkit timer, TS 102 223 §8.38), or 0 for %s", what, d, stk.MaxTimerValue, def)
	}
	return nil
}

// validate checks cfg apart from its profile list.
func (cfg Config) validate() error {
	if !ident.IsEID(cfg.EID) {
		return fmt.Errorf("euicc: EID %q: want 32 digits with ISO 7064 MOD 97-10 check digits", cfg.EID)
	}
	if cfg.PlatformAddr.IsValid() && !cfg.PlatformAddr.Addr().Is4() {
		return fmt.Errorf("euicc: platform address %s: want IPv4 (BIP other address)", cfg.PlatformAddr)
	}
	if err := toolkitPeriod("check interval", cfg.CheckInterval, applet.DefaultCheckInterval); err != nil {
		return err
	}
	if err := toolkitPeriod("attach wait", cfg.AttachWait, applet.DefaultAttachWait); err != nil {
		return err
	}
	// A longer pause would make the card persist a back-off end its own
	// state decoder refuses at the next boot (applet.State.Validate).
	if b := cfg.Backoff; b.First > applet.MaxBackoffPeriods || b.Max > applet.MaxBackoffPeriods {
		return fmt.Errorf("euicc: backoff first %d, max %d: at most %d periods each", b.First, b.Max, applet.MaxBackoffPeriods)
	}
	if err := validatePending(cfg.Pending); err != nil {
		return err
	}
	if len(cfg.Pending) > 0 && cfg.EUICCKey == nil {
		return fmt.Errorf("euicc: %d pending notifications and no eUICC key to sign them", len(cfg.Pending))
	}
	for i, r := range cfg.RAT {
		if len(r.AllowedOperators) == 0 {
			return fmt.Errorf("euicc: RAT rule %d allows no operator", i)
		}
		for j, o := range r.AllowedOperators {
			if _, err := bcd.PLMNPattern(o.PLMN); err != nil {
				return fmt.Errorf("euicc: RAT rule %d operator %d: %v", i, j, err)
			}
		}
	}
	return nil
}

// validatePending checks the notifications a new card holds as an NVM
// image's are checked: what the card keeps, each seq once and in range,
// a known operation, an ICCID and an SM-DP+ address.
func validatePending(ns []PendingSpec) error {
	if len(ns) > maxPending {
		return fmt.Errorf("euicc: %d pending notifications, at most %d", len(ns), maxPending)
	}
	seqs := map[int]bool{}
	for i, n := range ns {
		switch {
		case n.Seq < 1 || n.Seq > maxPendingSeq:
			return fmt.Errorf("euicc: pending notification %d: seq %d: want 1..%d", i, n.Seq, maxPendingSeq)
		case seqs[n.Seq]:
			return fmt.Errorf("euicc: pending notification %d: seq %d appears twice", i, n.Seq)
		case n.Event < es10.EventInstall || n.Event > es10.EventDelete:
			return fmt.Errorf("euicc: pending notification %d: event %d: want install, enable, disable or delete", i, n.Event)
		case !ident.IsICCID(n.ICCID):
			return fmt.Errorf("euicc: pending notification %d: ICCID %q: want 18-20 digits with a Luhn check digit", i, n.ICCID)
		case !isHost(n.Address):
			return fmt.Errorf("euicc: pending notification %d: address %q is not an SM-DP+ address", i, n.Address)
		}
		seqs[n.Seq] = true
	}
	return nil
}

// validateProfiles checks a profile list; maxEnabled/minEnabled bound the
// number of enabled profiles (exactly one at creation; at most one after a
// DisableProfile has been stored in NVM).
func validateProfiles(ps []ProfileSpec, minEnabled int) error {
	if len(ps) == 0 {
		return fmt.Errorf("euicc: no profiles")
	}
	if len(ps) > maxProfiles {
		return fmt.Errorf("euicc: %d profiles, at most %d", len(ps), maxProfiles)
	}
	enabled := 0
	seen := map[string]bool{}
	for i, p := range ps {
		if !ident.IsICCID(p.ICCID) {
			return fmt.Errorf("euicc: profile %d: ICCID %q: want 18-20 digits with a Luhn check digit", i, p.ICCID)
		}
		if seen[p.ICCID] {
			return fmt.Errorf("euicc: profile %d: duplicate ICCID %s", i, p.ICCID)
		}
		seen[p.ICCID] = true
		if !ident.IsIMSI(p.IMSI) {
			return fmt.Errorf("euicc: profile %s: IMSI %q: want 6-15 digits", p.ICCID, p.IMSI)
		}
		if p.MNCLen != 0 && p.MNCLen != 2 && p.MNCLen != 3 {
			return fmt.Errorf("euicc: profile %s: MNC length %d: want 2 or 3", p.ICCID, p.MNCLen)
		}
		if p.Operator == "" {
			return fmt.Errorf("euicc: profile %s: empty operator", p.ICCID)
		}
		if p.PIN1 != "" && !ident.Digits(p.PIN1, 4, 8) {
			return fmt.Errorf("euicc: profile %s: PIN1 %q: want 4 to 8 digits", p.ICCID, p.PIN1)
		}
		if p.MSISDN != "" && !ident.IsMSISDN(p.MSISDN) {
			return fmt.Errorf("euicc: profile %s: MSISDN %q: want 1 to 20 digits, \"+\" first for an international number", p.ICCID, p.MSISDN)
		}
		if len(p.OperatorPLMNs) > maxOperatorPLMNs {
			return fmt.Errorf("euicc: profile %s: %d operator PLMNs, at most %d (EF OPLMNwAcT's entries)", p.ICCID, len(p.OperatorPLMNs), maxOperatorPLMNs)
		}
		for _, plmn := range p.OperatorPLMNs {
			if !ident.IsPLMN(plmn) {
				return fmt.Errorf("euicc: profile %s: operator PLMN %q: want MCC and MNC, 5 or 6 digits", p.ICCID, plmn)
			}
		}
		if err := checkEHPLMNs(p.EHPLMNs); err != nil {
			return fmt.Errorf("euicc: profile %s: %w", p.ICCID, err)
		}
		if p.Enabled {
			enabled++
		}
	}
	if enabled > 1 || enabled < minEnabled {
		return fmt.Errorf("euicc: %d enabled profiles, want exactly one", enabled)
	}
	return nil
}

// maxProfiles bounds the profile list (ISD-P AIDs are numbered in one byte).
const maxProfiles = 64

// checkEHPLMNs checks an EF EHPLMN list: PLMNs, each once, as many as
// the file holds.
func checkEHPLMNs(plmns []string) error {
	if len(plmns) > saip.EHPLMNEntries {
		return fmt.Errorf("%d EHPLMNs, at most %d (EF EHPLMN's entries)", len(plmns), saip.EHPLMNEntries)
	}
	for i, plmn := range plmns {
		if !ident.IsPLMN(plmn) {
			return fmt.Errorf("EHPLMN %q: want MCC and MNC, 5 or 6 digits", plmn)
		}
		if slices.Index(plmns, plmn) < i {
			return fmt.Errorf("EHPLMN %s twice", plmn)
		}
	}
	return nil
}
