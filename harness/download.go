package harness

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/netip"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Download fault settings fixed before the run; the fault plan decides
// when and for which SM-DP+ they apply (faults.go).
const (
	// rogueCIName names the CI that the unknown_ci fault's eUICC chains to.
	rogueCIName = "esimhil TEST rogue CI"
)

// eidOutOfRange is an EUM permission that excludes every EID scenarios use
// (they all start 890490320000).
var eidOutOfRange = []string{"890490329999"}

// testCerts remembers the test certificates of every rig in the process:
// the rigs of a suite share one seed, an exploration's one PKI seed
// (Options.PKISeed), and a rig's PKI costs more CPU than the rest of a
// short scenario. A few hundred certificates cover every operator of every
// fixture; past that the oldest are issued again when asked for.
var testCerts = rsp.NewIssuer(512)

// buildPKI makes the run's test PKI (keys derived from the seed) and, when
// the plan holds the certificate faults, the chains the card presents in
// their stead: under unknown_ci one from a CI no SM-DP+ trusts, under
// eid_out_of_range one whose EUM may not issue the card's EID. The card
// shows them only to the SM-DP+ the fault names, while it is in force;
// the platform and every other SM-DP+ see the card's own chain.
func buildPKI(s *scenario.Scenario, seed int64) (*rsp.PKI, map[string]euicc.Chain, error) {
	cfg := rsp.PKIConfig{Seed: seed, EIDs: []string{s.Device.EID}, SMDPs: map[string]string{}}
	certs := testCerts
	for _, o := range s.Network.Operators {
		if o.SMDP != "" {
			cfg.SMDPs[o.ID] = o.SMDP
		}
	}
	pki, err := certs.GeneratePKI(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("test PKI: %w", err)
	}
	chains := map[string]euicc.Chain{}
	issue := func(name string, eum func() (*rsp.Cert, error)) error {
		if !hasDownloadFault(s, name) {
			return nil
		}
		e, err := eum()
		var card *rsp.Cert
		if err == nil {
			card, err = certs.IssueEUICC(e, s.Device.EID, seed)
		}
		if err != nil {
			return fmt.Errorf("%s fault: %w", name, err)
		}
		chains[name] = euicc.Chain{EUICCCert: card.DER, EUMCert: e.DER, Key: card.Key}
		return nil
	}
	if err := issue(scenario.UnknownCI, func() (*rsp.Cert, error) {
		ci, err := certs.NewCI(rogueCIName, seed)
		if err != nil {
			return nil, err
		}
		return certs.NewEUM(ci, seed, rsp.DefaultEIDPrefixes...)
	}); err != nil {
		return nil, nil, err
	}
	if err := issue(scenario.EIDOutOfRange, func() (*rsp.Cert, error) {
		return certs.NewEUM(pki.CI, seed, eidOutOfRange...)
	}); err != nil {
		return nil, nil, err
	}
	return pki, chains, nil
}

func hasDownloadFault(s *scenario.Scenario, name string) bool {
	for _, f := range s.Faults {
		if f.Kind == scenario.Download && f.Name == name {
			return true
		}
	}
	return false
}

// startSMDPs starts one SM-DP+ per operator that runs one, on listen,
// recorded by the capture; it returns the card's host → address map.
func (r *Rig) startSMDPs(listen string, noTickets bool) (map[string]netip.AddrPort, error) {
	resolve := map[string]netip.AddrPort{}
	r.SMDP = map[string]*smdp.Server{}
	for _, o := range r.Scenario.Network.Operators {
		if o.SMDP == "" {
			continue
		}
		op := o
		var slow func(string) time.Duration
		if slices.ContainsFunc(r.Scenario.Faults, func(f scenario.Fault) bool { return f.Kind == scenario.SMDPSlow && f.Operator == op.ID }) {
			slow = r.faults.smdpSlow(op.ID)
		}
		srv, err := smdp.New(smdp.Config{
			Operator: op.ID, Host: op.SMDP,
			CI: r.PKI.CI.X509, CIKey: r.PKI.CI.Key, Certs: r.PKI.SMDP[op.ID],
			Now: r.Loop.Clock().Now, Log: r.Log, KeyLog: r.Capture.KeyLog(), NoTickets: noTickets,
			Random:     rsp.SeededRandom(r.Seed, "smdp "+op.ID),
			NewProfile: func(seq int) smdp.Profile { return deliveredProfile(r.Scenario, op, seq) },
			Inject:     func(name string) bool { return r.faults.download(name, op.ID, "smdp") },
			Slow:       slow, Wait: r.faults.holdOnCard,
		})
		if err != nil {
			return nil, fmt.Errorf("SM-DP+ %s: %w", op.ID, err)
		}
		if err := srv.Start(listen, r.Capture.Wrap); err != nil {
			return nil, fmt.Errorf("SM-DP+ %s: %w", op.ID, err)
		}
		r.SMDP[op.ID] = srv
		resolve[op.SMDP] = srv.Addr()
	}
	return resolve, nil
}

// deliveredProfile is the seq-th profile an operator's SM-DP+ delivers:
// ICCID 89 + PLMN + serial + Luhn digit (20 digits, ITU-T E.118), IMSI the
// operator's PLMN + serial, the operator's name on the handset, the
// profile policy rules the operator sets (its ppr), its PIN1 and the
// number its msisdn_prefix gives, and EF OPLMNwAcT and EF HPPLMN as s
// has them (Scenario.OperatorPLMNs, Scenario.HPPLMN).
func deliveredProfile(s *scenario.Scenario, o scenario.Operator, seq int) smdp.Profile {
	iccid, _ := ident.MakeICCID(fmt.Sprintf("89%s%0*d", o.PLMN, 17-len(o.PLMN), seq))
	var pin1 scenario.PIN1
	if o.PIN1 != nil {
		pin1 = *o.PIN1
	}
	return smdp.Profile{
		PIN1:        pin1.Code,
		PIN1Enabled: pin1.Enabled,
		MSISDN:      o.DeliveredMSISDN(seq),
		ICCID:       iccid,
		IMSI:        fmt.Sprintf("%s%0*d", o.PLMN, 15-len(o.PLMN), 9000+seq),
		MNCLen:      len(o.PLMN) - 3,
		Operator:    o.ID,
		Name:        profileName(o, fmt.Sprintf("test profile %d", seq)),
		SPN:         spn(o),
		PPR:         pprBits(o.PPR),
		Icon:        operatorIcon(o.ID),
		// EF OPLMNwAcT: the operator's PLMN, then the partners it steers
		// its roamers to, as its preinstalled profiles have it.
		OperatorPLMNs: s.OperatorPLMNs(o.ID),
		// EF HPPLMN: the operator's hplmn_search, as its preinstalled
		// profiles have it.
		HPPLMN: s.HPPLMN(o.ID),
		// EF EHPLMN: the operator's plmn then its ehplmns.
		EHPLMNs: o.ProfileEHPLMNs(),
	}
}

// icons holds each operator's icon, made once per process.
var icons sync.Map // operator id → *es10.Icon

// operatorIcon is the icon an operator's profiles carry in their metadata:
// a 32×32 PNG in two colours drawn from the operator's id, the same every
// run (an LPA shows it; SGP.22 bounds it at 1,024 bytes).
func operatorIcon(id string) *es10.Icon {
	if ic, ok := icons.Load(id); ok {
		return cloneIcon(ic.(*es10.Icon))
	}
	h := sha256.Sum256([]byte("esimhil operator icon\x00" + id))
	fg := color.NRGBA{h[0], h[1], h[2], 0xFF}
	bg := color.NRGBA{h[3] | 0x80, h[4] | 0x80, h[5] | 0x80, 0xFF}
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			c := bg
			if x+y < 32 || x < 3 || y < 3 || x > 28 || y > 28 {
				c = fg
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil || b.Len() > 1024 {
		return nil // cannot happen for this image; a profile without an icon is valid
	}
	ic, _ := icons.LoadOrStore(id, &es10.Icon{Type: es10.IconPNG, Data: b.Bytes()})
	return cloneIcon(ic.(*es10.Icon))
}

// cloneIcon is a copy each profile owns: nothing it does reaches another's.
func cloneIcon(ic *es10.Icon) *es10.Icon {
	return &es10.Icon{Type: ic.Type, Data: bytes.Clone(ic.Data)}
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
func (r *Rig) cardSecurity(c *euicc.Config, chains map[string]euicc.Chain, resolve map[string]netip.AddrPort) {
	card := r.PKI.EUICC[r.Scenario.Device.EID]
	c.EUICCCert, c.EUMCert, c.EUICCKey = card.DER, r.PKI.EUM.DER, card.Key
	c.CI = r.PKI.CI.X509
	c.Now = r.Loop.Clock().Now
	c.Resolve = resolve
	c.KeyLog = r.Capture.KeyLog()
	c.FreeNVM = r.Scenario.Device.FreeNVM
	c.Inject = r.faults.card
	c.FaultChains = chains
	c.PlatformTLS = r.Scenario.Platform.TLS
}

// platformSecurity turns on request authentication, the download contracts
// and the platform's faults.
func (r *Rig) platformSecurity(c *platform.Config) error {
	c.CI = r.PKI.CI.X509
	if r.Scenario.Platform.TLS {
		cert, err := testCerts.IssueSMDP(r.PKI.CI, "platform", PlatformHost, rsp.RoleTLS, r.pkiSeed, rsp.ValidFrom, rsp.ValidUntil)
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
	el := r.Scenario.Platform.Eligibility
	c.Eligibility = platform.Eligibility{AllowEIDs: el.AllowEIDs, QuotaPerDay: el.QuotaPerDay}
	c.Inject = r.faults.platform
	if r.Scenario.HasFault(scenario.PlatformStatus) {
		c.Status = r.faults.status
	}
	if r.Scenario.HasFault(scenario.PlatformSlow) {
		c.Slow = r.faults.slow
		c.Wait = r.faults.holdOnCard
	}
	for i := range c.Operators {
		if srv, ok := r.SMDP[c.Operators[i].ID]; ok {
			c.Operators[i].Orderer = srv
		}
	}
	return nil
}
