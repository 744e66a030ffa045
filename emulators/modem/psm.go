package modem

import (
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// Power saving as IoT firmware asks for it at bring-up: +CPSMS (TS 27.007
// §7.38) and +CEDRXS (§7.40) keep what the host requests, as a module keeps
// it in its non-volatile memory, through restarts. The emulated network
// grants neither (the attach carries no T3412 extended or T3324, no eDRX
// parameters), so +CEDRXRDP (§7.41) reports eDRX not used and +CEREG with
// <n> 4 or 5 shows no timers: what a module shows on a network that refuses.
type powerSaving struct {
	psmMode int
	// The requested timers, as the host gave them (8-bit strings, "" not
	// given): Periodic-RAU, GPRS-READY, Periodic-TAU, Active-Time.
	psmTimers [4]string
	edrx      map[int]string // <AcT-type> → requested eDRX value ("0101")
}

// edrxActTypes are the <AcT-type>s this modem has: E-UTRAN WB-S1 (4) and
// NB-S1 (5).
var edrxActTypes = []int{4, 5}

// bits reads an optional quoted string of n '0'/'1' characters.
func bits(a at.Arg, n int) (string, error) {
	if a.Empty {
		return "", nil
	}
	if !a.Quoted || len(a.Raw) != n || strings.Trim(a.Raw, "01") != "" {
		return "", fmt.Errorf("%q: want %d bits as a string: %w", a.Raw, n, at.CMEIncorrectParameters)
	}
	return a.Raw, nil
}

func cmdCPSMS(m *Modem, c at.Command) error {
	p := &m.st.saving
	switch c.Form {
	case at.Read:
		t := p.psmTimers
		m.info(fmt.Sprintf(`+CPSMS: %d,%s,%s,%s,%s`, p.psmMode, quoted(t[0]), quoted(t[1]), quoted(t[2]), quoted(t[3])))
	case at.Test:
		m.info(`+CPSMS: (0-2),("00000000"-"11111111"),("00000000"-"11111111"),("00000000"-"11111111"),("00000000"-"11111111")`)
	case at.Exec:
		p.psmMode = 0 // +CPSMS= alone: the defaults, PSM off
	case at.Set:
		if len(c.Args) > 5 {
			return errParams
		}
		mode, err := optInt(c, 0, 0, 2)
		if err != nil {
			return err
		}
		var t [4]string
		for i, a := range c.Args[1:] {
			s, err := bits(a, 8)
			if err != nil {
				return err
			}
			t[i] = s
		}
		if mode == 2 { // disable and discard the parameters
			*p = powerSaving{edrx: p.edrx}
			return nil
		}
		p.psmMode = mode
		for i, s := range t {
			if s != "" {
				p.psmTimers[i] = s
			}
		}
	default:
		return errUnknown
	}
	return nil
}

func cmdCEDRXS(m *Modem, c at.Command) error {
	p := &m.st.saving
	switch c.Form {
	case at.Read:
		for _, act := range edrxActTypes {
			if v, ok := p.edrx[act]; ok {
				m.info(fmt.Sprintf(`+CEDRXS: %d,"%s"`, act, v))
			}
		}
	case at.Test:
		m.info(`+CEDRXS: (0-3),(4,5),("0000"-"1111")`)
	case at.Exec:
	case at.Set:
		if len(c.Args) > 3 {
			return errParams
		}
		mode, err := optInt(c, 0, 0, 3)
		if err != nil {
			return err
		}
		act, err := optInt(c, 1, 0, 5)
		if err == nil && act != 0 && act != 4 && act != 5 {
			err = fmt.Errorf("+CEDRXS <AcT-type> %d: want 4 or 5: %w", act, at.CMEIncorrectParameters)
		}
		if err != nil {
			return err
		}
		value := ""
		if len(c.Args) > 2 {
			s, err := bits(c.Args[2], 4)
			if err != nil {
				return err
			}
			value = s
		}
		if p.edrx == nil {
			p.edrx = map[int]string{}
		}
		switch {
		case mode == 3: // disable and discard
			p.edrx = nil
		case mode == 0 && act == 0:
			p.edrx = nil
		case mode == 0:
			delete(p.edrx, act)
		case act == 0:
			return fmt.Errorf("+CEDRXS=%d without <AcT-type>: %w", mode, at.CMEIncorrectParameters)
		default:
			if value == "" {
				value = "0000"
			}
			p.edrx[act] = value
		}
	default:
		return errUnknown
	}
	return nil
}

// cmdCEDRXRDP reports eDRX as the network gave it: not at all, <AcT-type>
// 0 (§7.41).
func cmdCEDRXRDP(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Exec:
		m.info("+CEDRXRDP: 0")
	case at.Test:
	default:
		return errUnknown
	}
	return nil
}

// quoted renders an optional string parameter: "" when absent.
func quoted(s string) string {
	if s == "" {
		return ""
	}
	return `"` + s + `"`
}
