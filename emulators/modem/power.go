package modem

import (
	"fmt"

	"github.com/esimhil/esimhil/emulators/codec/at"
	"github.com/esimhil/esimhil/emulators/eventlog"
)

// boot powers the card, starts the toolkit terminal, reads the card's
// identities and schedules the attach. It runs inside loop work.
func (m *Modem) boot() {
	m.st.channels = map[int]bool{}
	atr := m.o.Card.Reset()
	m.st.cardOn = len(atr) > 0
	m.st.iccid, m.st.imsi = "", ""
	if !m.st.cardOn {
		m.emit("card", eventlog.F{"present": false})
		return
	}
	if s := m.getSTK(); s != nil {
		if err := s.Start(); err != nil {
			m.emit("stk-error", eventlog.F{"error": err.Error()})
		}
	}
	iccid, err := m.readICCID()
	if err != nil {
		m.emit("card-error", eventlog.F{"error": err.Error()})
	}
	imsi, err := m.readIMSI()
	if err != nil {
		m.emit("card-error", eventlog.F{"error": err.Error()})
	}
	m.st.iccid, m.st.imsi = iccid, imsi
	m.emit("card", eventlog.F{"present": true, "iccid": iccid, "imsi": imsi})
	m.scheduleAttach()
}

func (m *Modem) scheduleAttach() {
	m.cancelAttach()
	if m.st.fun != 1 || m.st.copsOff {
		return
	}
	m.st.attachT = m.loop.Clock().AfterFunc(m.o.AttachDelay, func() {
		m.st.attachT = nil
		m.attach()
	})
}

func (m *Modem) cancelAttach() {
	if m.st.attachT != nil {
		m.st.attachT.Stop()
		m.st.attachT = nil
	}
}

// attach registers through the network. Without a readable IMSI there is no
// subscriber to attach, so the modem stays unregistered.
func (m *Modem) attach() {
	if !m.st.cardOn || m.st.imsi == "" || m.st.fun != 1 || m.st.copsOff {
		m.setReg(Registration{})
		return
	}
	m.setReg(m.o.Network.Attach(m.st.imsi))
}

// Reselect re-runs network selection and attach now, for a world whose
// cells changed under the device (moving, a cell going down). Call it from
// inside loop work.
func (m *Modem) Reselect() {
	m.cancelAttach()
	m.attach()
}

// detach leaves the network and reports "not registered".
func (m *Modem) detach() {
	m.cancelAttach()
	if m.st.reg.Stat != 0 {
		m.o.Network.Detach()
	}
	m.setReg(Registration{})
}

// powerDown detaches, stops the toolkit and powers the card off.
func (m *Modem) powerDown() {
	m.detach()
	if m.st.cardOn {
		if s := m.getSTK(); s != nil {
			s.Stop()
		}
		m.o.Card.PowerOff()
	}
	m.st.cardOn = false
	m.st.channels = map[int]bool{}
}

// Refresh implements stkterm.Host: the toolkit asks for a REFRESH
// (TS 102 223 §6.4.7). It is called from inside proactive-command handling,
// so the work is posted: detach, reset the card, restart the terminal,
// re-attach.
func (m *Modem) Refresh(qualifier byte) {
	m.loop.Post(func() {
		m.emit("refresh", eventlog.F{"qualifier": int(qualifier)})
		m.detach()
		if s := m.getSTK(); s != nil {
			s.Stop()
		}
		if m.st.fun != 0 {
			m.boot()
		}
	})
}

func cmdCFUN(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		m.info(fmt.Sprintf("+CFUN: %d", m.st.fun))
		return nil
	case at.Test:
		m.info("+CFUN: (0,1,4),(0,1)")
		return nil
	case at.Set:
	default:
		return errUnknown
	}
	v, err := intArgs(c, 1, 1, 0)
	if err != nil {
		return err
	}
	fun, rst := v[0], v[1]
	if fun != 0 && fun != 1 && fun != 4 || rst > 1 || rst == 1 && fun != 1 {
		return errParams
	}
	if rst == 1 {
		m.restart()
		return nil
	}
	switch {
	case fun == m.st.fun:
	case fun == 0:
		m.powerDown()
	case fun == 4:
		m.detach()
	case m.st.fun == 0: // 0 → 1: card back on
		m.st.fun = fun
		m.boot()
	default: // 4 → 1
		m.st.fun = fun
		m.scheduleAttach()
	}
	m.st.fun = fun
	m.emit("cfun", eventlog.F{"fun": fun})
	return nil
}

// restart is +CFUN=1,1: the OK goes out first, then the modem is silent for
// RestartDelay and comes back with RDY, as vendors do.
func (m *Modem) restart() {
	m.emit("restart", eventlog.F{})
	m.powerDown()
	m.st.restarting = true
	m.st.restartT = m.loop.Clock().AfterFunc(m.o.RestartDelay, func() {
		m.st.restarting = false
		m.st.restartT = nil
		m.resetSettings()
		m.st.fun = 1
		m.urc("RDY")
		m.boot()
	})
}

func cmdCPIN(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		if !m.st.cardOn {
			return at.CMESIMNotInserted
		}
		m.info("+CPIN: READY")
		return nil
	case at.Test:
		return nil
	}
	return fmt.Errorf("+CPIN %v: %w", c.Form, at.CMENotSupported)
}

func cmdCIMI(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Exec {
		return errUnknown
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	if m.st.imsi == "" {
		return at.CMESIMFailure
	}
	m.info(m.st.imsi)
	return nil
}

func cmdCCID(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Exec && c.Form != at.Read {
		return errUnknown
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	if m.st.iccid == "" {
		return at.CMESIMFailure
	}
	m.info("+CCID: " + m.st.iccid)
	return nil
}

func (m *Modem) cardReady() error {
	if !m.st.cardOn {
		return at.CMESIMNotInserted
	}
	return nil
}
