package modem

// The SIM's PIN as a terminal handles it (3GPP TS 27.007 §8.3 +CPIN, §7.4
// +CLCK "SC", §7.5 +CPWD, §8.65 +CPINR): every answer comes from the card
// (TS 102 221 §11.1.9-11.1.13), and while PIN1 is required the modem
// reads no IMSI and so does not register, as a real ME.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/fcp"
	"github.com/esimhil/esimhil/internal/ident"
)

// The <code> values of +CPIN? this modem reports (TS 27.007 §8.3).
const (
	pinReady  = "READY"
	pinSIMPIN = "SIM PIN"
	pinSIMPUK = "SIM PUK"
)

// Key references (TS 102 221 table 9.3): PIN1 (global PIN of the
// application) and the USIM's PIN2.
const (
	keyPIN1 byte = 0x01
	keyPIN2 byte = 0x81
)

// Default attempts a PIN and a PUK have (+CPINR's <default_retries>): the
// UICC's 3 and 10.
const (
	defaultPINRetries = 3
	defaultPUKRetries = 10
)

// Status words of user verification (TS 102 221 §10.2.1.5), as the int
// status words this package compares.
const (
	swBlocked      = int(apdu.SWPINBlocked)
	swInvalidated  = int(apdu.SWPINInvalidated) // the PIN is disabled
	swConditions   = int(apdu.SWConditionsNotSatisfied)
	swVerifyFailed = int(apdu.SWVerifyFailed)
)

// pinAPDU builds a PIN command on key: no data asks for the status.
func pinAPDU(ins, key byte, blocks ...string) []byte {
	var data []byte
	for _, d := range blocks {
		data = append(data, apdu.PINBlock(d)...)
	}
	return apdu.Command{INS: ins, P2: key, Data: data}.Bytes()
}

// pinSW runs a PIN command and returns its status word.
func (m *Modem) pinSW(ins, key byte, blocks ...string) (int, error) {
	rsp, err := m.exchange(pinAPDU(ins, key, blocks...))
	if err != nil {
		return 0, err
	}
	s := sw(rsp)
	if s>>8 == 0x91 {
		s = swOK // a proactive command waits: the command itself went through
	}
	if len(blocks) > 0 {
		m.st.tries.saw(ins, key, s)
	}
	return s, nil
}

// pinCounter names a retry counter: a key's PIN (puk false) or its PUK.
type pinCounter struct {
	key byte
	puk bool
}

// pinTries are the attempts left the card last reported for its counters
// when the modem presented a PIN or PUK. A VERIFY without data tells them
// only while the PIN stands unverified and enabled (63CX); for a verified
// or disabled one the card answers 9000, and a wrong PIN given to ENABLE,
// DISABLE or CHANGE has still spent an attempt: what a terminal then shows
// is what the card said at that attempt (TS 102 221 §11.1.9-11.1.13).
// Forgotten at every boot, as a module's are: the card is read afresh.
type pinTries map[pinCounter]int

// saw notes the status word s of PIN command ins with data on key: 63CX
// leaves X attempts, 6983 none, and success gives the counter back its
// default — an UNBLOCK both the PUK's and the PIN's.
func (t *pinTries) saw(ins, key byte, s int) {
	c := pinCounter{key, ins == apdu.InsUnblockPIN}
	if *t == nil {
		*t = pinTries{}
	}
	if n, ok := retriesLeft(s); ok {
		(*t)[c] = n
		return
	}
	switch s {
	case swBlocked:
		(*t)[c] = 0
	case swOK:
		delete(*t, c)
		if c.puk {
			delete(*t, pinCounter{key, false})
		}
	}
}

// left is what the modem last heard of counter c, else its default def.
func (t pinTries) left(c pinCounter, def int) int {
	if n, ok := t[c]; ok {
		return n
	}
	return def
}

// retriesLeft reads the X of 63CX.
func retriesLeft(s int) (int, bool) {
	if s&0xFFF0 == swVerifyFailed {
		return s & 0x0F, true
	}
	return 0, false
}

// pinState asks the card what +CPIN? says: VERIFY without data on PIN1
// (9000 verified or disabled: READY; 63CX: SIM PIN), and for a blocked
// PIN1 the PUK (UNBLOCK without data). A card without user verification
// (no VERIFY: 6D00 and the like) is READY.
func (m *Modem) pinState() (string, error) {
	s, err := m.pinSW(apdu.InsVerifyPIN, keyPIN1)
	if err != nil {
		return "", err
	}
	switch _, tries := retriesLeft(s); {
	case tries:
		return pinSIMPIN, nil
	case s == swBlocked:
		return pinSIMPUK, nil
	}
	return pinReady, nil
}

// checkPIN reads the card's PIN state into the modem's, and on the way
// from locked to READY reads the IMSI and attaches, as a terminal does
// once the user verification is done (TS 31.102 §5.1.1).
func (m *Modem) checkPIN() (string, error) {
	st, err := m.pinState()
	if err != nil {
		return "", err
	}
	was := m.st.pin
	m.st.pin = st
	if st == pinReady && was != "" && was != pinReady && m.st.cardOn {
		m.unlocked()
	}
	return st, nil
}

// unlocked reads the USIM once PIN1 no longer stands in the way, tells the
// host (the personality's "+CPIN: READY", if it has one) and attaches.
func (m *Modem) unlocked() {
	imsi, err := m.readIMSI()
	if err != nil {
		m.emit(KindCardError, eventlog.F{"error": err.Error()})
	}
	m.st.imsi = imsi
	m.loadUSIM()
	m.emit(KindCard, eventlog.F{"present": true, "iccid": m.st.iccid, "imsi": imsi})
	for _, u := range append(append([]string(nil), m.o.Personality.BootURCs...), m.o.Personality.RefreshURCs...) {
		if u == "+CPIN: "+pinReady {
			// After the final result of the command that unlocked it,
			// as modules send it.
			epoch := m.st.epoch
			m.loop.Post(func() {
				if !m.st.off && m.st.epoch == epoch {
					m.urc(u)
				}
			})
			break
		}
	}
	m.scheduleAttach()
}

// pinURC is a personality's card-state URC as the card stands: its
// "+CPIN: READY" says the PIN state instead (an EG25 or an A7600 with a
// PIN-locked card says "+CPIN: SIM PIN").
func (m *Modem) pinURC(u string) string {
	if u == "+CPIN: "+pinReady && m.st.pin != "" {
		return "+CPIN: " + m.st.pin
	}
	return u
}

// refreshURCs are the personality's URCs after a REFRESH as the card
// stands: its "+CPIN: READY" says the PIN state, and a modem that reports
// the card's state at boot ("+CPIN: READY" there) but not after a
// refresh (an EG25: "+QUSIM: 1" alone) still says a PIN-locked card is
// one, first, as its SIM state changed.
func (m *Modem) refreshURCs() []string {
	p := &m.o.Personality
	var out []string
	if m.st.pin != "" && m.st.pin != pinReady && slices.Contains(p.BootURCs, "+CPIN: "+pinReady) &&
		!slices.Contains(p.RefreshURCs, "+CPIN: "+pinReady) {
		out = append(out, "+CPIN: "+m.st.pin)
	}
	for _, u := range p.RefreshURCs {
		out = append(out, m.pinURC(u))
	}
	return out
}

// pinErr is the +CME ERROR a PIN command's status word means: 63CX a
// wrong password, 6983 a blocked PIN (the PUK is needed; for PIN2 PUK2),
// 6984/6985 an operation the card does not allow in this state.
func pinErr(s int, key byte) error {
	if _, ok := retriesLeft(s); ok {
		return at.CMEIncorrectPassword
	}
	switch s {
	case swOK:
		return nil
	case swBlocked:
		if key == keyPIN2 {
			return at.CMESIMPUK2Required
		}
		return at.CMESIMPUKRequired
	case swInvalidated, swConditions:
		return at.CMENotAllowed
	}
	return fmt.Errorf("PIN command: SW %04X: %w", s, at.CMESIMFailure)
}

// password reads a PIN (4-8 digits) or PUK (8) argument; quotes are
// optional, as modules take either.
func password(a at.Arg, min int) (string, error) {
	if a.Empty || !ident.Digits(a.Raw, min, 8) {
		return "", fmt.Errorf("password %q: want %d to 8 digits: %w", a.Raw, min, at.CMEIncorrectParameters)
	}
	return a.Raw, nil
}

// cmdCPIN is +CPIN (TS 27.007 §8.3): the read form asks the card, the set
// form enters PIN1 (+CPIN=<pin>) or, with PIN1 blocked, the PUK and a new
// PIN1 (+CPIN=<puk>,<newpin>). Entering a PIN the card does not need is
// not allowed (+CME ERROR: 3), as modules answer.
func cmdCPIN(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Test:
		return nil
	case at.Read, at.Set:
	default:
		return fmt.Errorf("+CPIN %v: %w", c.Form, at.CMENotSupported)
	}
	if c.Form == at.Set && (len(c.Args) < 1 || len(c.Args) > 2) {
		return errParams
	}
	var pin, newPIN string
	if c.Form == at.Set {
		var err error
		if pin, err = password(c.Args[0], 4); err != nil {
			return err
		}
		if len(c.Args) == 2 {
			if newPIN, err = password(c.Args[1], 4); err != nil {
				return err
			}
		}
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	st, err := m.checkPIN()
	if err != nil {
		return m.cardErr(err)
	}
	if c.Form == at.Read {
		m.info("+CPIN: " + st)
		return nil
	}
	var s int
	switch {
	case st == pinSIMPIN && newPIN == "":
		s, err = m.pinSW(apdu.InsVerifyPIN, keyPIN1, pin)
	case st == pinSIMPUK && newPIN != "":
		if !ident.Digits(pin, 8, 8) {
			return fmt.Errorf("PUK %q: want 8 digits: %w", pin, at.CMEIncorrectParameters)
		}
		s, err = m.pinSW(apdu.InsUnblockPIN, keyPIN1, pin, newPIN)
	case st == pinSIMPUK:
		return at.CMESIMPUKRequired
	default:
		// READY needs no password; SIM PIN takes no new PIN.
		return fmt.Errorf("+CPIN in state %s: %w", st, at.CMENotAllowed)
	}
	if err != nil {
		return m.cardErr(err)
	}
	if err := pinErr(s, keyPIN1); err != nil {
		if s == swBlocked && st == pinSIMPUK {
			return fmt.Errorf("PUK blocked: %w", at.CMESIMFailure)
		}
		m.checkPIN() // a last wrong PIN leaves SIM PUK
		return err
	}
	_, err = m.checkPIN()
	if err != nil {
		return m.cardErr(err)
	}
	return nil
}

// cpinrCodes are +CPINR's <code>s (TS 27.007 §8.65) this modem reports:
// the key and whether it is a PUK.
var cpinrCodes = []struct {
	code string
	key  byte
	puk  bool
}{{"SIM PIN", keyPIN1, false}, {"SIM PUK", keyPIN1, true}, {"SIM PIN2", keyPIN2, false}, {"SIM PUK2", keyPIN2, true}}

// cmdCPINR is +CPINR[=<sel_code>] (TS 27.007 §8.65): +CPINR:
// <code>,<retries>,<default_retries> for each code that <sel_code>
// matches (exactly, or with "*" standing for any run of characters, as
// §8.65 allows anywhere: "*PUK*"; none given: all). A PIN the
// card reports verified or disabled (9000) has the attempts the card
// reported at the modem's last PIN command on it (pinTries), full if it
// succeeded or there was none.
func cmdCPINR(m *Modem, c at.Command) error {
	sel := "*"
	switch c.Form {
	case at.Test:
		return nil
	case at.Exec:
	case at.Set:
		if len(c.Args) != 1 || c.Args[0].Empty {
			return errParams
		}
		sel = strings.ToUpper(c.Args[0].Raw)
	default:
		return errUnknown
	}
	match := func(code string) bool { return wildcard(sel, code) }
	var lines []string
	for _, k := range cpinrCodes {
		if !match(k.code) {
			continue
		}
		if err := m.cardReady(); err != nil {
			return err
		}
		ins, def := byte(apdu.InsVerifyPIN), defaultPINRetries
		if k.puk {
			ins, def = apdu.InsUnblockPIN, defaultPUKRetries
		}
		s, err := m.pinSW(ins, k.key)
		if err != nil {
			return m.cardErr(err)
		}
		n, ok := retriesLeft(s)
		switch {
		case ok:
		case s == swBlocked:
			n = 0
		case s == swOK:
			// Verified or disabled: the card does not say; the last
			// attempt the modem made does.
			n = m.st.tries.left(pinCounter{k.key, k.puk}, def)
		default:
			continue // a key the card does not have
		}
		lines = append(lines, fmt.Sprintf("+CPINR: %s,%d,%d", k.code, n, def))
	}
	if len(lines) == 0 {
		return fmt.Errorf("+CPINR %q: no such code: %w", sel, at.CMEIncorrectParameters)
	}
	for _, l := range lines {
		m.info(l)
	}
	return nil
}

// pin1Enabled reads PIN1's enabled state from the MF's PIN status
// template (TS 102 221 §11.1.1.4.10: PS_DO, one bit per key reference
// in the order the template lists them), as a terminal does: VERIFY
// answers 9000 alike for a disabled PIN and a verified one.
func (m *Modem) pin1Enabled() (bool, error) {
	rsp, err := m.exchange(selectAPDU(0x00, 0x00, []byte{0x3F, 0x00}))
	if err != nil {
		return false, err
	}
	if !done(rsp) {
		return false, fmt.Errorf("SELECT MF: SW %04X", sw(rsp))
	}
	mf, err := fcp.Parse(rsp[:len(rsp)-2])
	if err != nil {
		return false, fmt.Errorf("MF: %w", err)
	}
	for _, p := range mf.PINs { // none: no PIN to enable
		if p.Key == keyPIN1 {
			return p.Enabled, nil
		}
	}
	return false, nil
}

// cmdCLCK is +CLCK for facility "SC", the SIM's PIN1 (TS 27.007 §7.4):
// <mode> 2 queries (+CLCK: 1 enabled, 0 not), 1 locks (ENABLE PIN), 0
// unlocks (DISABLE PIN), both with PIN1 as <passwd>. Other facilities
// (call barring, network personalisation) are not modelled.
func cmdCLCK(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Test:
		m.info(`+CLCK: ("SC")`)
		return nil
	case at.Set:
	default:
		return errUnknown
	}
	if len(c.Args) < 2 || len(c.Args) > 4 || c.Args[0].Empty {
		return errParams
	}
	if fac := strings.ToUpper(c.Args[0].Raw); fac != "SC" {
		return fmt.Errorf("+CLCK facility %q: %w", c.Args[0].Raw, at.CMENotSupported)
	}
	mode, err := c.Args[1].Int()
	if err != nil || mode > 2 {
		return errParams
	}
	var pin string
	if mode != 2 {
		if len(c.Args) < 3 {
			return fmt.Errorf("+CLCK mode %d without a password: %w", mode, at.CMEIncorrectParameters)
		}
		if pin, err = password(c.Args[2], 4); err != nil {
			return err
		}
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	if mode == 2 {
		on, err := m.pin1Enabled()
		if err != nil {
			return m.cardErr(err)
		}
		st := 0
		if on {
			st = 1
		}
		m.info(fmt.Sprintf("+CLCK: %d", st))
		return nil
	}
	ins := byte(apdu.InsDisablePIN)
	if mode == 1 {
		ins = apdu.InsEnablePIN
	}
	s, err := m.pinSW(ins, keyPIN1, pin)
	if err != nil {
		return m.cardErr(err)
	}
	if _, err := m.checkPIN(); err != nil {
		return m.cardErr(err)
	}
	return pinErr(s, keyPIN1)
}

// cmdCPWD is +CPWD=<fac>,<oldpwd>,<newpwd> (TS 27.007 §7.5) for "SC"
// (PIN1) and "P2" (PIN2): CHANGE PIN. A disabled PIN1 cannot be changed
// (+CME ERROR: 3).
func cmdCPWD(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Test:
		m.info(`+CPWD: ("SC",8),("P2",8)`)
		return nil
	case at.Set:
	default:
		return errUnknown
	}
	if len(c.Args) != 3 || c.Args[0].Empty {
		return errParams
	}
	key := keyPIN1
	switch strings.ToUpper(c.Args[0].Raw) {
	case "SC":
	case "P2":
		key = keyPIN2
	default:
		return fmt.Errorf("+CPWD facility %q: %w", c.Args[0].Raw, at.CMENotSupported)
	}
	old, err := password(c.Args[1], 4)
	if err != nil {
		return err
	}
	newPIN, err := password(c.Args[2], 4)
	if err != nil {
		return err
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	s, err := m.pinSW(apdu.InsChangePIN, key, old, newPIN)
	if err != nil {
		return m.cardErr(err)
	}
	if _, err := m.checkPIN(); err != nil {
		return m.cardErr(err)
	}
	return pinErr(s, key)
}

// pinRequired is the error a command needing the USIM gets while PIN1
// stands in the way: SIM PIN or SIM PUK required.
func (m *Modem) pinRequired() error {
	switch m.st.pin {
	case pinSIMPIN:
		return at.CMESIMPINRequired
	case pinSIMPUK:
		return at.CMESIMPUKRequired
	}
	return nil
}

// wildcard reports whether s matches pattern, in which each "*" stands for
// any run of characters (none included) and nothing else is special.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
