package harness

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"time"
	"unicode/utf8"

	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/ident"
)

// Fault settings that are not time windows: the card's certificates, its
// memory and the platform's policy are fixed for a run.
const (
	// rogueCIName names the CI that the unknown_ci fault's eUICC chains to.
	rogueCIName = "esimhil TEST rogue CI"
	// outOfMemoryNVM is the card's free memory under the out_of_memory fault:
	// less than any profile package an SM-DP+ here delivers (a few KiB).
	outOfMemoryNVM = 1024
)

// eidOutOfRange is an EUM permission that excludes every EID scenarios use
// (they all start 890490320000).
var eidOutOfRange = []string{"890490329999"}

// cardChain is what the card presents in mutual authentication, and the CI
// it chains to when that is not the test CI.
type cardChain struct {
	EUM, EUICC *rsp.Cert
	OtherCI    *rsp.Cert
}

// buildPKI makes the run's test PKI (keys derived from the seed) and the
// certificates the card presents, bent by the scenario's certificate faults:
// under unknown_ci the card chains to a CI the platform trusts but the
// SM-DP+s do not; under eid_out_of_range its EUM may not issue its EID.
func buildPKI(s *scenario.Scenario, seed int64) (*rsp.PKI, cardChain, error) {
	cfg := rsp.PKIConfig{Seed: seed, EIDs: []string{s.Device.EID}, SMDPs: map[string]string{}}
	for _, o := range s.Network.Operators {
		if o.SMDP != "" {
			cfg.SMDPs[o.ID] = o.SMDP
		}
	}
	pki, err := rsp.GeneratePKI(cfg)
	if err != nil {
		return nil, cardChain{}, fmt.Errorf("test PKI: %w", err)
	}
	cc := cardChain{EUM: pki.EUM, EUICC: pki.EUICC[s.Device.EID]}
	switch {
	case hasDownloadFault(s, scenario.UnknownCI):
		cc.OtherCI, err = rsp.NewCI(rogueCIName, seed)
		if err == nil {
			cc.EUM, err = rsp.NewEUM(cc.OtherCI, seed, rsp.DefaultEIDPrefixes...)
		}
		if err == nil {
			cc.EUICC, err = rsp.IssueEUICC(cc.EUM, s.Device.EID, seed)
		}
		if err != nil {
			return nil, cardChain{}, fmt.Errorf("unknown_ci fault: %w", err)
		}
	case hasDownloadFault(s, scenario.EIDOutOfRange):
		cc.EUM, err = rsp.NewEUM(pki.CI, seed, eidOutOfRange...)
		if err == nil {
			cc.EUICC, err = rsp.IssueEUICC(cc.EUM, s.Device.EID, seed)
		}
		if err != nil {
			return nil, cardChain{}, fmt.Errorf("eid_out_of_range fault: %w", err)
		}
	}
	return pki, cc, nil
}

func hasDownloadFault(s *scenario.Scenario, name string) bool {
	for _, f := range s.Faults {
		if f.Kind == scenario.Download && f.Name == name {
			return true
		}
	}
	return false
}

// startSMDPs starts one SM-DP+ per operator that runs one, on loopback,
// recorded by the capture; it returns the card's host → address map.
func (r *Rig) startSMDPs() (map[string]netip.AddrPort, error) {
	resolve := map[string]netip.AddrPort{}
	r.SMDP = map[string]*smdp.Server{}
	for _, o := range r.Scenario.Network.Operators {
		if o.SMDP == "" {
			continue
		}
		op := o
		srv, err := smdp.New(smdp.Config{
			Operator: op.ID, Host: op.SMDP,
			CI: r.PKI.CI.X509, CIKey: r.PKI.CI.Key, Certs: r.PKI.SMDP[op.ID],
			Now: r.Loop.Clock().Now, Log: r.Log, KeyLog: r.Capture.KeyLog(),
			NewProfile: func(seq int) smdp.Profile { return deliveredProfile(op, seq) },
		})
		if err != nil {
			return nil, fmt.Errorf("SM-DP+ %s: %w", op.ID, err)
		}
		if err := srv.Start("127.0.0.1:0", r.Capture.Wrap); err != nil {
			return nil, fmt.Errorf("SM-DP+ %s: %w", op.ID, err)
		}
		r.SMDP[op.ID] = srv
		resolve[op.SMDP] = srv.Addr()
	}
	return resolve, nil
}

// deliveredProfile is the seq-th profile an operator's SM-DP+ delivers:
// ICCID 89 + PLMN + serial + Luhn digit (20 digits, ITU-T E.118), IMSI the
// operator's PLMN + serial, the operator's name on the handset.
func deliveredProfile(o scenario.Operator, seq int) smdp.Profile {
	iccid, _ := ident.MakeICCID(fmt.Sprintf("89%s%0*d", o.PLMN, 17-len(o.PLMN), seq))
	return smdp.Profile{
		ICCID:    iccid,
		IMSI:     fmt.Sprintf("%s%0*d", o.PLMN, 15-len(o.PLMN), 9000+seq),
		MNCLen:   len(o.PLMN) - 3,
		Operator: o.ID,
		Name:     profileName(o, fmt.Sprintf("test profile %d", seq)),
		SPN:      spn(o),
	}
}

func nameOr(o scenario.Operator) string {
	if o.Name != "" {
		return o.Name
	}
	return o.ID
}

// spn is the operator's name as serviceProviderName, profileName the
// name of one of its profiles: UTF8String (SIZE(0..32)) and (0..64) in
// SGP.22, so a long operator name is cut at a character boundary.
func spn(o scenario.Operator) string { return clip(nameOr(o), 32) }

func profileName(o scenario.Operator, what string) string {
	return clip(nameOr(o)+" "+what, 64)
}

func clip(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// cardSecurity fills the card's certificates, trust anchor and faults.
func (r *Rig) cardSecurity(c *euicc.Config, cc cardChain, resolve map[string]netip.AddrPort) {
	c.EUICCCert, c.EUMCert, c.EUICCKey = cc.EUICC.DER, cc.EUM.DER, cc.EUICC.Key
	c.CI = r.PKI.CI.X509
	c.Now = r.Loop.Clock().Now
	c.Resolve = resolve
	c.KeyLog = r.Capture.KeyLog()
	c.FreeNVM = r.Scenario.Device.FreeNVM
	if hasDownloadFault(r.Scenario, scenario.OutOfMemory) {
		c.FreeNVM = outOfMemoryNVM
	}
	c.Faults.BadEuiccSignature1 = hasDownloadFault(r.Scenario, scenario.BadEUICCSignature)
	c.PlatformTLS = r.Scenario.Platform.TLS
}

// platformSecurity turns on request authentication and the download
// contracts; the eligibility_refused fault leaves the device off the
// allow-list.
func (r *Rig) platformSecurity(c *platform.Config, cc cardChain) error {
	c.CI = r.PKI.CI.X509
	if r.Scenario.Platform.TLS {
		cert, err := rsp.IssueSMDP(r.PKI.CI, "platform", PlatformHost, rsp.RoleTLS, r.Seed, rsp.ValidFrom, rsp.ValidUntil)
		if err != nil {
			return fmt.Errorf("platform TLS certificate: %w", err)
		}
		c.TLS = &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{cert.DER}, PrivateKey: cert.Key, Leaf: cert.X509}},
			MinVersion:   tls.VersionTLS12,
			MaxVersion:   tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
			KeyLogWriter: r.Capture.KeyLog(),
			Time:         r.Loop.Clock().Now,
		}
	}
	if cc.OtherCI != nil {
		c.MoreCIs = []*x509.Certificate{cc.OtherCI.X509}
	}
	el := r.Scenario.Platform.Eligibility
	c.Eligibility = platform.Eligibility{AllowEIDs: el.AllowEIDs, QuotaPerDay: el.QuotaPerDay}
	if hasDownloadFault(r.Scenario, scenario.EligibilityRefused) {
		c.Eligibility.AllowEIDs = []string{notThisEID(r.Scenario.Device.EID)}
	}
	for i := range c.Operators {
		if srv, ok := r.SMDP[c.Operators[i].ID]; ok {
			c.Operators[i].Orderer = srv
		}
	}
	return nil
}

// notThisEID is another valid EID: the individual part's last digit
// changed, check digits recomputed.
func notThisEID(eid string) string {
	d := byte('0')
	if eid[29] == '0' {
		d = '1'
	}
	other, _ := ident.MakeEID(eid[:29] + string(d))
	return other
}

// windowFaults schedules the faults that come and go: the platform's
// reachability and acknowledgements, and the SM-DP+ faults.
func (r *Rig) windowFaults() {
	clk := r.Loop.Clock()
	at := func(d time.Duration, f func()) {
		if d <= 0 {
			f()
			return
		}
		clk.AfterFunc(d, f)
	}
	smdpFaults := map[string]*smdp.Faults{}
	for _, f := range r.Scenario.Faults {
		f := f
		set := func(on bool) {}
		switch f.Kind {
		case scenario.PlatformUnreachable:
			set = func(on bool) { r.setPlatform(!on) }
		case scenario.PlatformNoAck:
			set = func(on bool) {
				r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"platform": map[bool]string{true: "no_ack", false: "ack"}[on]})
				r.Platform.SetFaults(platform.Faults{NoAck: on})
			}
		case scenario.Download:
			srv, ok := r.SMDP[f.Operator]
			if !ok {
				continue
			}
			if smdpFaults[f.Operator] == nil {
				smdpFaults[f.Operator] = &smdp.Faults{}
			}
			cur := smdpFaults[f.Operator]
			flag := smdpFaultFlag(cur, f.Name)
			if flag == nil && f.Name != scenario.SMDPUnreachable {
				continue // a card or platform fault, fixed for the run
			}
			set = func(on bool) {
				r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"download": f.Name, "operator": f.Operator, "on": on})
				if flag == nil {
					if err := srv.SetReachable(!on); err != nil {
						r.Log.Emit(eventlog.Harness, eventlog.KindError, eventlog.F{"reason": err.Error()})
					}
					return
				}
				*flag = on
				srv.SetFaults(*cur)
			}
		default:
			continue
		}
		at(f.From, func() { set(true) })
		if f.Until > 0 {
			at(f.Until, func() { set(false) })
		}
	}
}

// smdpFaultFlag points at the SM-DP+ switch a download fault name flips.
func smdpFaultFlag(f *smdp.Faults, name string) *bool {
	switch name {
	case scenario.TLSFailure:
		return &f.TLSUntrusted
	case scenario.ExpiredSMDPCert:
		return &f.ExpiredAuthCert
	case scenario.BadServerSignature:
		return &f.BadServerSignature1
	case scenario.WrongTransactionID:
		return &f.WrongTransactionID
	case scenario.ConnectionReset:
		return &f.ResetDuringBPP
	case scenario.TamperedBPP:
		return &f.TamperBPP
	case scenario.TruncatedBPP:
		return &f.TruncateBPP
	}
	return nil
}
