package modem

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// Packet data as an IoT module's bring-up sees it: +CGDCONT defines
// contexts (TS 27.007 §10.1.1), +CGATT is the registration itself (§10.1.9:
// on LTE the PS attach is the EPS attach +CEREG reports), +CGACT marks
// contexts active (§10.1.10) and +CGPADDR shows the addresses the network
// gave an active one (§10.1.14). There is no bearer behind them: no data
// call.

const (
	maxCID    = 15  // <cid> 1..15
	attachCID = 1   // the context the LTE attach's default bearer uses
	maxAPN    = 100 // octets (TS 23.003 §9.1)
	maxAddr   = 63  // a dotted IPv6 address in 16 decimal octets is 63 characters
)

// pdpTypes are the <PDP_type>s the modem takes, in +CGDCONT=? order.
var pdpTypes = []string{"IP", "IPV6", "IPV4V6"}

// pdpContext is one +CGDCONT definition.
type pdpContext struct {
	typ, apn, addr string
	dComp, hComp   int
}

// pdpState holds the defined contexts, volatile (back to the default at
// power on and at the +CFUN=1,1 restart, kept across ATZ, +CFUN and a
// REFRESH), and which are active.
type pdpState struct {
	ctx map[int]pdpContext
	// active holds the activated cids; it is emptied whenever the modem
	// leaves registration and means something only while registered.
	active map[int]bool
	// addr holds the addresses the network gave each active context at
	// its activation, until it is deactivated.
	addr map[int]pdnAddr
}

// pdnAddr is an active context's addresses: IPv4, IPv6, or both for
// IPV4V6 (each invalid when not given).
type pdnAddr struct{ v4, v6 netip.Addr }

// reset is the boot default: cid 1, IPv4v6 with the network's default APN,
// the context an LTE module attaches with.
func (p *pdpState) reset() {
	p.ctx = map[int]pdpContext{attachCID: {typ: "IPV4V6"}}
	p.active = map[int]bool{}
	p.addr = map[int]pdnAddr{}
}

// attached follows the registration: the attach activates the attach
// context (its default bearer), a detach deactivates everything.
func (p *pdpState) attached(on bool) {
	p.active = map[int]bool{}
	p.addr = map[int]pdnAddr{}
	if _, ok := p.ctx[attachCID]; on && ok {
		p.active[attachCID] = true
	}
}

// pdpAttached is pdpState.attached, the attach context's addresses asked
// of the network as its default bearer comes up.
func (m *Modem) pdpAttached(on bool) {
	m.st.pdp.attached(on)
	if m.st.pdp.active[attachCID] {
		m.assignAddress(attachCID)
	}
}

// assignAddress takes the addresses the network gives context cid as it
// is activated, of the families its <PDP_type> asks for.
func (m *Modem) assignAddress(cid int) {
	v4, v6 := m.o.Network.PDNAddress(m.st.imsi, cid)
	switch m.st.pdp.ctx[cid].typ {
	case "IP":
		v6 = netip.Addr{}
	case "IPV6":
		v4 = netip.Addr{}
	}
	m.st.pdp.addr[cid] = pdnAddr{v4, v6}
}

// pdpActive reports a context's +CGACT state.
func (m *Modem) pdpActive(cid int) bool { return m.st.reg.Registered() && m.st.pdp.active[cid] }

// attachBlocked says why an attach the host asks for cannot start: the
// radio is off (+CFUN=0 or 4), PIN1 stands in the way, or there is no
// subscriber to attach.
func (m *Modem) attachBlocked() error {
	switch {
	case m.st.fun != 1:
		return fmt.Errorf("attach with +CFUN=%d: %w", m.st.fun, at.CMENoNetworkService)
	case !m.st.cardOn:
		return at.CMESIMNotInserted
	case m.pinRequired() != nil:
		// PIN1 keeps the IMSI unread: say so (11, 12), not SIM failure.
		return fmt.Errorf("attach: %w", m.pinRequired())
	case m.st.imsi == "":
		return fmt.Errorf("attach without an IMSI: %w", at.CMESIMFailure)
	}
	return nil
}

// cidArg reads a <cid>.
func cidArg(a at.Arg) (int, error) {
	cid, err := a.Int()
	if err != nil || cid < 1 || cid > maxCID {
		return 0, fmt.Errorf("<cid> %q: want 1-%d: %w", a.Raw, maxCID, at.CMEIncorrectParameters)
	}
	return cid, nil
}

// stringArg reads an optional quoted string of printable ASCII, at most max
// characters; omitted is "".
func stringArg(name string, a at.Arg, max int) (string, error) {
	if a.Empty {
		return "", nil
	}
	if !a.Quoted || len(a.Raw) > max || strings.ContainsFunc(a.Raw, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return "", fmt.Errorf("%s %q: want a quoted string of up to %d printable characters: %w", name, a.Raw, max, at.CMEIncorrectParameters)
	}
	return a.Raw, nil
}

// cmdCGDCONT is +CGDCONT (TS 27.007 §10.1.1):
// +CGDCONT=<cid>[,<PDP_type>[,<APN>[,<PDP_addr>[,<d_comp>[,<h_comp>]]]]]
// defines or replaces a context, +CGDCONT=<cid> undefines it. The read form
// echoes <PDP_addr> as set ("" when none was given), never an address the
// network assigned (that is +CGPADDR's, §10.1.14).
func cmdCGDCONT(m *Modem, c at.Command) error {
	p := &m.st.pdp
	switch c.Form {
	case at.Read:
		for _, cid := range slices.Sorted(maps.Keys(p.ctx)) {
			x := p.ctx[cid]
			m.info(fmt.Sprintf(`+CGDCONT: %d,"%s","%s","%s",%d,%d`, cid, x.typ, x.apn, x.addr, x.dComp, x.hComp))
		}
	case at.Test:
		for _, t := range pdpTypes {
			m.info(fmt.Sprintf(`+CGDCONT: (1-%d),"%s",,,(0-2),(0-4)`, maxCID, t))
		}
	case at.Set:
		return m.defineContext(c.Args)
	default:
		return errUnknown
	}
	return nil
}

// maxCGDCONTArgs bounds +CGDCONT's parameters: the six above and those
// later releases of §10.1.1 add after <h_comp> (<IPv4AddrAlloc>,
// <request_type>, <P-CSCF_discovery>, … <S-NSSAI>, <Pref_access_type>, …,
// 22 in Rel-17). Modules print some of them in their read form (eight
// fields is common) and firmware sends that line back, so they are taken
// when empty, a number or a quoted string, and not modelled.
const maxCGDCONTArgs = 6 + 22

func (m *Modem) defineContext(args []at.Arg) error {
	if len(args) > maxCGDCONTArgs {
		return errParams
	}
	for i, a := range args[min(len(args), 6):] {
		if _, err := a.Int(); err != nil && !a.Empty && !a.Quoted || strings.ContainsFunc(a.Raw, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			return fmt.Errorf("+CGDCONT arg %d %q: want a number or a quoted string: %w", 7+i, a.Raw, at.CMEIncorrectParameters)
		}
	}
	cid, err := cidArg(args[0])
	if err != nil {
		return err
	}
	p := &m.st.pdp
	if len(args) == 1 {
		if m.pdpActive(cid) {
			// Undefining the context of an active bearer would leave
			// +CGACT? without it; deactivate it first.
			return fmt.Errorf("+CGDCONT=%d: context active: %w", cid, at.CMENotAllowed)
		}
		delete(p.ctx, cid)
		delete(p.active, cid)
		delete(p.addr, cid)
		return nil
	}
	t := args[1]
	typ := strings.ToUpper(t.Raw)
	if !t.Quoted || !slices.Contains(pdpTypes, typ) {
		return fmt.Errorf("<PDP_type> %q: want \"IP\", \"IPV6\" or \"IPV4V6\": %w", t.Raw, at.CMEIncorrectParameters)
	}
	x := pdpContext{typ: typ}
	if len(args) > 2 {
		if x.apn, err = stringArg("<APN>", args[2], maxAPN); err != nil {
			return err
		}
	}
	if len(args) > 3 {
		if x.addr, err = stringArg("<PDP_addr>", args[3], maxAddr); err != nil {
			return err
		}
	}
	for i, f := range []struct {
		dst *int
		max int
	}{{&x.dComp, 2}, {&x.hComp, 4}} {
		if len(args) <= 4+i || args[4+i].Empty {
			continue
		}
		n, err := args[4+i].Int()
		if err != nil || n > f.max {
			return fmt.Errorf("+CGDCONT arg %d %q: want 0-%d: %w", 5+i, args[4+i].Raw, f.max, at.CMEIncorrectParameters)
		}
		*f.dst = n
	}
	// An active context may be redefined (LTE modules take a new APN for
	// the attach context while attached): the definition serves the next
	// activation, the context stays active.
	p.ctx[cid] = x
	return nil
}

// cmdCGATT is +CGATT (TS 27.007 §10.1.9). The PS attach of an LTE module is
// its EPS attach, so +CGATT? is 1 exactly when +CEREG reports 1 or 5.
// +CGATT=0 detaches as +COPS=2 does but leaves the selection mode;
// +CGATT=1 attaches in that mode (psAttach) and, as +CGACT=1's attach,
// answers +CME ERROR when it cannot start or does not register (t185 F6).
func cmdCGATT(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		m.info(fmt.Sprintf("+CGATT: %d", boolInt(m.st.reg.Registered())))
	case at.Test:
		m.info("+CGATT: (0,1)")
	case at.Set:
		v, err := intArgs(c, 1, 0)
		if err != nil {
			return err
		}
		switch v[0] {
		case 0:
			m.deregister()
		case 1:
			return m.psAttachChecked("+CGATT=1")
		default:
			return errParams
		}
	default:
		return errUnknown
	}
	return nil
}

// psAttachChecked is the attach of +CGATT=1 and +CGACT=1, cmd, with its
// outcome: "if the requested state cannot be achieved, an ERROR or +CME
// ERROR response is returned" (27.007 §10.1.9, §10.1.10). An attach that
// cannot start answers as attachBlocked says; one that does not register
// — the host's manual network rejects or is not there, none in reach, or
// none answers yet — +CME ERROR: 30, no network service. Registered, it
// does nothing.
func (m *Modem) psAttachChecked(cmd string) error {
	if m.st.reg.Registered() {
		return nil
	}
	if err := m.attachBlocked(); err != nil {
		return err
	}
	m.psAttach()
	if !m.st.reg.Registered() {
		return fmt.Errorf("%s: PS attach failed (<stat> %d): %w", cmd, m.st.reg.Stat, at.CMENoNetworkService)
	}
	return nil
}

// cmdCGACT is +CGACT (TS 27.007 §10.1.10): +CGACT=<state>[,<cid>[,…]], no
// <cid> meaning every defined context. Activation attaches first when
// detached (and fails with +CME ERROR: 30 when that attach does not
// register); deactivating the last active context while attached is the
// last PDN connection and is refused (+CME ERROR: 171).
func cmdCGACT(m *Modem, c at.Command) error {
	p := &m.st.pdp
	switch c.Form {
	case at.Read:
		for _, cid := range slices.Sorted(maps.Keys(p.ctx)) {
			m.info(fmt.Sprintf("+CGACT: %d,%d", cid, boolInt(m.pdpActive(cid))))
		}
		return nil
	case at.Test:
		m.info("+CGACT: (0,1)")
		return nil
	case at.Set:
	default:
		return errUnknown
	}
	if len(c.Args) > 1+maxCID {
		return errParams
	}
	state, err := c.Args[0].Int()
	if err != nil || state > 1 {
		return fmt.Errorf("+CGACT <state> %q: %w", c.Args[0].Raw, at.CMEIncorrectParameters)
	}
	var cids []int
	for _, a := range c.Args[1:] {
		cid, err := cidArg(a)
		if err != nil {
			return err
		}
		cids = append(cids, cid)
	}
	if state == 1 {
		return m.activate(cids)
	}
	return m.deactivate(cids)
}

func (m *Modem) activate(cids []int) error {
	p := &m.st.pdp
	for _, cid := range cids {
		if _, ok := p.ctx[cid]; !ok {
			return fmt.Errorf("+CGACT: <cid> %d is not defined: %w", cid, at.CMEIncorrectParameters)
		}
	}
	if err := m.psAttachChecked("+CGACT=1"); err != nil {
		return err
	}
	if len(cids) == 0 {
		cids = slices.Collect(maps.Keys(p.ctx))
	}
	for _, cid := range cids {
		if !p.active[cid] {
			p.active[cid] = true
			m.assignAddress(cid)
		}
	}
	return nil
}

// deactivate leaves an undefined or inactive context as it is (§10.1.10:
// a context already in the requested state stays so).
func (m *Modem) deactivate(cids []int) error {
	if !m.st.reg.Registered() {
		return nil // nothing is active without an attach
	}
	p := &m.st.pdp
	left := 0
	if len(cids) > 0 {
		for cid := range p.active {
			if !slices.Contains(cids, cid) {
				left++
			}
		}
	}
	if len(p.active) > 0 && left == 0 {
		return fmt.Errorf("+CGACT=0: would disconnect the last PDN connection: %w", at.CMELastPDN)
	}
	for _, cid := range cids {
		delete(p.active, cid)
		delete(p.addr, cid)
	}
	return nil
}

// cmdCGPADDR is +CGPADDR (TS 27.007 §10.1.14): +CGPADDR[=<cid>[,<cid>…]]
// answers "+CGPADDR: <cid>[,<PDP_addr_1>[,<PDP_addr_2>]]" for each cid
// given, or every defined one without a list: an active context's
// addresses as the network gave them (IPv4, IPv6, or both, IPv4 first),
// an inactive one's the static <PDP_addr> of +CGDCONT, or none. IPv6 is
// in the dotted form of 16 decimal octets, +CGPIAF's default (§8.62;
// +CGPIAF itself is not emulated). +CGPADDR=? lists the defined cids.
func cmdCGPADDR(m *Modem, c at.Command) error {
	p := &m.st.pdp
	defined := slices.Sorted(maps.Keys(p.ctx))
	switch c.Form {
	case at.Test:
		list := make([]string, len(defined))
		for i, cid := range defined {
			list[i] = strconv.Itoa(cid)
		}
		m.info("+CGPADDR: (" + strings.Join(list, ",") + ")")
		return nil
	case at.Exec:
	case at.Set:
		if len(c.Args) > maxCID {
			return errParams
		}
		if len(c.Args) == 0 || len(c.Args) == 1 && c.Args[0].Empty && !c.Args[0].Quoted {
			break // AT+CGPADDR=: no list, every defined context
		}
		var cids []int
		for _, a := range c.Args {
			cid, err := cidArg(a)
			if err != nil {
				return err
			}
			if _, ok := p.ctx[cid]; !ok {
				return fmt.Errorf("+CGPADDR: <cid> %d is not defined: %w", cid, at.CMEIncorrectParameters)
			}
			cids = append(cids, cid)
		}
		defined = cids
	default:
		return errUnknown
	}
	for _, cid := range defined {
		m.info(m.pdpAddrLine(cid))
	}
	return nil
}

// pdpAddrLine is +CGPADDR's line for a defined context.
func (m *Modem) pdpAddrLine(cid int) string {
	var addrs []string
	if a, ok := m.st.pdp.addr[cid]; ok && m.pdpActive(cid) {
		if a.v4.IsValid() {
			addrs = append(addrs, a.v4.String())
		}
		if a.v6.IsValid() {
			addrs = append(addrs, dottedIPv6(a.v6))
		}
	} else if s := m.st.pdp.ctx[cid].addr; s != "" {
		addrs = append(addrs, s) // static, as +CGDCONT set it
	}
	line := fmt.Sprintf("+CGPADDR: %d", cid)
	for _, a := range addrs {
		line += `,"` + a + `"`
	}
	return line
}

// dottedIPv6 is an IPv6 address as 27.007 writes it by default
// (§10.1.14, +CGPIAF=0): its 16 octets in decimal, dot-separated.
func dottedIPv6(a netip.Addr) string {
	b := a.As16()
	parts := make([]string, len(b))
	for i, o := range b {
		parts[i] = strconv.Itoa(int(o))
	}
	return strings.Join(parts, ".")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
