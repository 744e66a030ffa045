package fleet

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/httpserve"
)

// serverConns is how many connections the emulated servers take at once
// in a storm (httpserve caps them; more wait in the listen queue).
const serverConns = 1024

// stormOrders bounds each SM-DP+'s outstanding orders in a storm: a card
// the SM-DP+ refuses (bad_euicc_signature) leaves its order open and asks
// for another at its next attempt, and an hour of storm holds tens of
// thousands of them. It bounds the finished orders each keeps too: a
// storm's are all kept, as a card's late or repeated notes may come
// for any of them within the storm.
const stormOrders = 1 << 20

// StormSessions bounds each in-process SM-DP+'s ES9+ sessions in a storm:
// devices arriving together open thousands at one simulated instant, each
// held for its TTL, and the oldest going would fail a download under way.
// Their cost per call does not grow with them. esimhil serve, open to any
// client for as long as it runs, keeps smdp.DefaultMaxSessions (outside
// tester t71 F4, r85 #11: abandoned sessions held memory for their TTL).
const StormSessions = 1 << 17

// NewPKI makes the storm's test PKI from the seed: the CI and EUM (whose
// keys follow from the seed, so a platform started elsewhere with the
// same seed trusts the fleet's cards) and the SM-DP+ certificates of the
// base scenario's operators. Card certificates are issued per device.
func NewPKI(s *scenario.Scenario, seed int64) (*rsp.PKI, error) {
	cfg := rsp.PKIConfig{Seed: seed, SMDPs: map[string]string{}}
	for _, o := range s.Network.Operators {
		if o.SMDP != "" {
			cfg.SMDPs[o.ID] = o.SMDP
		}
	}
	pki, err := rsp.GeneratePKI(cfg)
	if err != nil {
		return nil, fmt.Errorf("test PKI: %w", err)
	}
	return pki, nil
}

// Servers are the emulated platform and SM-DP+s of a storm (or of
// `esimhil serve`).
type Servers struct {
	Platform *platform.Server
	SMDP     map[string]*smdp.Server // by operator id
	// Hosts maps each SM-DP+ host name to its operator.
	Hosts map[string]string
}

// StartServers starts the platform on listen (port 0: any) and one SM-DP+
// per operator with `smdp:` in s: on smdpListen[operator] when given
// (`esimhil serve --smdp-listen`: a restarted serve takes back a storm's
// downloads at the addresses its cards were given), else on listen's
// host on a port the kernel picks; trusting pki's CI, with clk's time.
// A storm's SM-DP+s (storm) hold StormSessions ES9+ sessions and keep
// stormOrders finished orders, the whole storm's; `esimhil serve`'s
// (!storm), open to any client for as long as it runs, the emulator's
// defaults (smdp.DefaultMaxSessions, DefaultMaxFinished). Close stops them.
func StartServers(s *scenario.Scenario, pki *rsp.PKI, seed int64, clk clock.Clock, log *eventlog.Log, listen string, smdpListen map[string]string, storm bool) (sv *Servers, err error) {
	for op := range smdpListen {
		if !slices.ContainsFunc(s.Network.Operators, func(o scenario.Operator) bool { return o.ID == op && o.SMDP != "" }) {
			return nil, fmt.Errorf("SM-DP+ %s: no operator %s with an SM-DP+ in the scenario", op, op)
		}
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", listen, err)
	}
	// The platform's port, when one is asked for, is bound before the
	// SM-DP+s take theirs: one in the ephemeral range could otherwise be
	// handed to an SM-DP+ (port 0). It is held until they listen and the
	// platform starts; the platform serves last, once every SM-DP+ it
	// orders from has its address (the activation code carries the port).
	var hold net.Listener
	if port != "0" {
		if hold, err = net.Listen("tcp", listen); err != nil {
			return nil, fmt.Errorf("platform: %w", err)
		}
	}
	release := func() {
		if hold != nil {
			hold.Close()
			hold = nil
		}
	}
	sv = &Servers{SMDP: map[string]*smdp.Server{}, Hosts: map[string]string{}}
	defer func() {
		release()
		if err != nil {
			sv.Close()
			sv = nil
		}
	}()
	limits := httpserve.Limits{MaxConns: serverConns}
	maxSessions, maxFinished := 0, 0
	if storm {
		maxSessions, maxFinished = StormSessions, stormOrders
	}
	// The SM-DP+s at an address asked for bind first: a kernel-picked port
	// could otherwise take one of theirs.
	ops := slices.Clone(s.Network.Operators)
	slices.SortStableFunc(ops, func(a, b scenario.Operator) int {
		_, fa := smdpListen[a.ID]
		_, fb := smdpListen[b.ID]
		switch {
		case fa && !fb:
			return -1
		case fb && !fa:
			return 1
		}
		return 0
	})
	for _, o := range ops {
		if o.SMDP == "" {
			continue
		}
		op := o
		srv, err := smdp.New(smdp.Config{
			Operator: op.ID, Host: op.SMDP, CI: pki.CI.X509, CIKey: pki.CI.Key, Certs: pki.SMDP[op.ID],
			Now: clk.Now, Log: log, Limits: limits, MaxOrders: stormOrders, MaxSessions: maxSessions, MaxFinished: maxFinished,
			NewProfile: func(seq int) smdp.Profile { return harness.DeliveredProfile(s, op, seq) },
		})
		if err != nil {
			return sv, fmt.Errorf("SM-DP+ %s: %w", op.ID, err)
		}
		// A port of their own: the platform has the one asked for.
		addr := net.JoinHostPort(host, "0")
		if a, ok := smdpListen[op.ID]; ok {
			addr = a
		}
		if err := srv.Start(addr, nil); err != nil {
			return sv, err // "smdp <op>: listen tcp …" already
		}
		sv.SMDP[op.ID] = srv
		sv.Hosts[op.SMDP] = op.ID
	}
	pc := harness.PlatformConfig(s, clk, log)
	pc.CI = pki.CI.X509
	pc.Limits = limits
	el := s.Platform.Eligibility
	pc.Eligibility = platform.Eligibility{AllowEIDs: el.AllowEIDs, QuotaPerDay: el.QuotaPerDay}
	for i := range pc.Operators {
		if srv, ok := sv.SMDP[pc.Operators[i].ID]; ok {
			pc.Operators[i].Orderer = srv
		}
	}
	if s.Platform.TLS {
		cert, err := rsp.IssueSMDP(pki.CI, "platform", harness.PlatformHost, rsp.RoleTLS, seed, rsp.ValidFrom, rsp.ValidUntil)
		if err != nil {
			return sv, fmt.Errorf("platform TLS certificate: %w", err)
		}
		pc.TLS = &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{cert.DER}, PrivateKey: cert.Key, Leaf: cert.X509}},
			MinVersion:   tls.VersionTLS12,
			Time:         clk.Now,
		}
	}
	if sv.Platform, err = platform.New(pc); err != nil {
		return sv, fmt.Errorf("platform: %w", err)
	}
	release()
	if err := sv.Platform.Start(listen, nil); err != nil {
		return sv, err // "platform: …" already
	}
	return sv, nil
}

// Close stops the servers.
func (sv *Servers) Close() error {
	if sv == nil {
		return nil
	}
	var errs []error
	if sv.Platform != nil {
		errs = append(errs, sv.Platform.Close())
	}
	ids := make([]string, 0, len(sv.SMDP))
	for id := range sv.SMDP {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		errs = append(errs, sv.SMDP[id].Close())
	}
	return errors.Join(errs...)
}

// Endpoints describes where the cards find the servers.
type Endpoints struct {
	Platform    netip.AddrPort
	PlatformTLS bool
	// Resolve maps SM-DP+ host names to addresses.
	Resolve map[string]netip.AddrPort
}

// ParseEndpoint reads http://host:port or https://host:port; the host
// must be an IP address or a name this machine resolves.
func ParseEndpoint(raw string) (netip.AddrPort, bool, error) {
	if !strings.Contains(raw, "://") {
		// "127.0.0.1:1" reads to url.Parse as a path with a colon.
		return netip.AddrPort{}, false, fmt.Errorf("%q: no scheme: want http://host:port or https://host:port", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return netip.AddrPort{}, false, fmt.Errorf("%q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return netip.AddrPort{}, false, fmt.Errorf("%q: want http://host:port or https://host:port", raw)
	}
	if u.Path != "" && u.Path != "/" {
		return netip.AddrPort{}, false, fmt.Errorf("%q: no path please: the routes are fixed (the platform's: docs/platform-api.md; an SM-DP+'s: SGP.22's ES9+)", raw)
	}
	host, portStr := u.Hostname(), u.Port()
	if host == "" {
		// Caught here: the resolver would say "lookup : no such host".
		return netip.AddrPort{}, false, fmt.Errorf("%q: no host: want http://host:port or https://host:port", raw)
	}
	if portStr == "" {
		portStr = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, false, fmt.Errorf("%q: bad port %q", raw, portStr)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		ips, lerr := net.LookupIP(host)
		if lerr != nil || len(ips) == 0 {
			return netip.AddrPort{}, false, fmt.Errorf("%q: cannot resolve %s: %v", raw, host, lerr)
		}
		addr, _ = netip.AddrFromSlice(ips[0])
		addr = addr.Unmap()
	}
	return netip.AddrPortFrom(addr, uint16(port)), u.Scheme == "https", nil
}

// ParseSMDPFlag reads op=URL.
func ParseSMDPFlag(v string) (op, rawURL string, err error) {
	op, rawURL, ok := strings.Cut(v, "=")
	if !ok || op == "" || rawURL == "" {
		return "", "", fmt.Errorf("--smdp %q: want operator=https://host:port", v)
	}
	return op, rawURL, nil
}
