package modem

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// errUnknown answers a command the modem does not implement with a plain
// ERROR, as most modems do, whatever +CMEE says.
var errUnknown = errors.New("unknown command")

// handler runs one command; information lines go out through m.info.
type handler func(m *Modem, c at.Command) error

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"E": cmdEcho, "V": cmdVerbose, "Z": cmdReset, "&F": cmdReset, "&W": cmdStore, "Q": cmdV250Setting, "I": cmdIdent, "H": cmdOnlyZero,
		"+CGMI": cmdIdent, "+CGMM": cmdIdent, "+CGMR": cmdIdent, "+CGSN": cmdCGSN,
		"+GMI": cmdIdent, "+GMM": cmdIdent, "+GMR": cmdIdent, "+GSN": cmdGSN, "+GCAP": cmdGCAP, "+WS46": cmdWS46,
		"X": cmdV250Setting, "&C": cmdV250Setting, "&D": cmdV250Setting,
		"S0": cmdSRegister, "S3": cmdSRegister, "S4": cmdSRegister, "S5": cmdSRegister,
		"S6": cmdSRegister, "S7": cmdSRegister, "S8": cmdSRegister, "S10": cmdSRegister,
		"+CSCS": cmdCSCS, "+CNUM": cmdCNUM,
		"+CPSMS": cmdCPSMS, "+CEDRXS": cmdCEDRXS, "+CEDRXRDP": cmdCEDRXRDP,
		"+CMEE": cmdCMEE, "+CFUN": cmdCFUN, "+CPIN": cmdCPIN, "+CPINR": cmdCPINR, "+CLCK": cmdCLCK, "+CPWD": cmdCPWD, "+CIMI": cmdCIMI, "+CCID": cmdCCID,
		"+COPS": cmdCOPS, "+CREG": cmdReg, "+CGREG": cmdReg, "+CEREG": cmdReg,
		"+CSQ": cmdCSQ, "+CESQ": cmdCESQ, "+CCLK": cmdCCLK,
		"+CGDCONT": cmdCGDCONT, "+CGATT": cmdCGATT, "+CGACT": cmdCGACT, "+CGPADDR": cmdCGPADDR,
		"+CSIM": cmdCSIM, "+CCHO": cmdCCHO, "+CGLA": cmdCGLA, "+CCHC": cmdCCHC, "+CRSM": cmdCRSM,
	}
	// A vendor's restart under its command's name (+QRST of +QRST=1);
	// +CFUN's reset <fun> values are cmdCFUN's.
	for _, v := range at.VendorRestarts {
		if name, _, _ := strings.Cut(v, "="); name != "+CFUN" {
			handlers[name] = cmdVendorRestart
		}
	}
	for _, name := range at.VendorPowerDowns {
		handlers[name] = cmdVendorPowerDown
	}
}

// Commands lists the command names the interpreter implements (basic
// ones without "AT": "E", "+CGLA", …), sorted; a personality adds its
// ICCID command and may lack some (Personality.Supports).
func Commands() []string {
	out := make([]string, 0, len(handlers))
	for name := range handlers {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// takeBytes takes, inside the loop, the bytes one read brought from the
// host: each line they end runs, and the rest is echoed. Echoed as the
// bytes arrive, in the order of all other output, a half-typed line may be
// followed by a URC, as on modems that hold URCs back only while a
// command runs (from its terminator to its final result code).
func (m *Modem) takeBytes(b []byte) {
	// The pieces' slice and their echoes' array are kept for the next
	// read (loop work never nests); take keeps no echo past it (the
	// output queue copies what it sends).
	pieces, echoes := frameTypedIn(&m.st.typing, b, m.st.pieces[:0], m.st.echoes)
	m.st.echoes = echoes
	for _, p := range pieces {
		m.take(p)
	}
	clear(pieces) // holds no line or echo past its read
	m.st.pieces = pieces[:0]
}

// take runs one piece of what the host typed: the line it ends, or the
// echo of a line still being typed.
func (m *Modem) take(p typed) {
	switch {
	case p.ends:
		m.handleLine(p.line, p.echo)
	case m.st.echo && !m.st.off && !m.st.restarting && !m.st.hung:
		m.out.push(p.echo)
	}
}

// handleLine runs one command line inside the loop, after echo, the echo
// of the bytes that ended it (frameTyped). Commands run in order and the
// line stops at the first error (V.250 §5.2.1).
func (m *Modem) handleLine(l at.Line, echo []byte) {
	defer m.tookLine() // after the answer is queued: Written then counts it
	if why := m.deaf(); why != "" {
		m.logIn(l.Text + " (ignored: " + why + ")")
		return
	}
	// The end of the line's echo and its answer leave in one write.
	m.out.begin()
	defer m.out.end()
	if m.st.echo {
		m.out.push(echo)
	}
	if pl := m.st.pending; pl != nil {
		// A command still runs: the line waits for its answer. at.log
		// has it now, when the host sent it (marked: it runs later), not
		// when it runs: a host that did not wait shows as one (t169 F1).
		m.logLine(l, at.QueuedMark)
		pl.queued = append(pl.queued, queuedLine{l})
		return
	}
	m.logLine(l, "")
	m.runLine(l)
}

// deaf says why the modem takes no command line now, in at.log's words
// for it, or "" when it does. A line typed then and one that waited
// behind a command meet it alike: the power cut, restart or hang that
// came first loses both (t185 F2).
func (m *Modem) deaf() string {
	switch {
	case m.st.off:
		return "powered off" // without power nothing answers, not even an echo
	case m.st.restarting:
		return "restarting" // a rebooting modem does not answer; the host waits for RDY
	case m.st.hung:
		return "AT port hung"
	}
	return ""
}

// logLine writes a command line to at.log, mark after it; a line that
// does not frame is logged as the error that spoiled it.
func (m *Modem) logLine(l at.Line, mark string) {
	if l.Err != nil {
		m.logIn(fmt.Sprintf("<%v>", l.Err) + mark)
		return
	}
	m.logIn(l.Text + mark)
}

// runLine runs one command line, its echo sent and the line logged.
func (m *Modem) runLine(l at.Line) {
	if l.Err != nil {
		m.st.lastLine, m.st.lastRefused = "", true
		m.result(m.st.enc.Error())
		return
	}
	text := l.Text
	if l.Repeat {
		if m.st.lastRefused {
			m.result(m.st.enc.Error())
			return
		}
		text = m.st.lastLine
		if text == "" {
			m.result(m.st.enc.OK()) // nothing to repeat: an empty command line
			return
		}
	} else {
		m.st.lastLine, m.st.lastRefused = text, false
	}
	cmds, err := m.parse(text)
	if err != nil {
		m.result(m.st.enc.Error())
		return
	}
	m.runCmds(cmds)
}

// parse is at.Parse with the last line's commands kept: hosts send one
// line over and over (a poll, an LPA's GetEID), and nothing changes a
// line's commands once parsed (handlers and a pending line's rest only
// read them).
func (m *Modem) parse(text string) ([]at.Command, error) {
	if m.st.parsed != nil && text == m.st.parsedText {
		return m.st.parsed, nil
	}
	cmds, err := at.Parse(text)
	if err == nil {
		m.st.parsedText, m.st.parsed = text, cmds
	}
	return cmds, err
}

// errPending is a command's answer that comes later: its handler has
// started work (a manual network selection) that ends the command, and the
// rest of its line, on the loop's clock (finishLine).
var errPending = errors.New("answer pending")

// runCmds runs a line's commands in order until one fails or one's answer
// is pending, then sends the final result code unless it is. The URCs
// they cause wait until then: none falls among the line's information
// text, where a host would read it as part of an answer (u-blox's and
// Quectel's manuals defer URCs while a command runs). A pending answer's
// wait sends them as they come, as an EG25's +COPS=1 does in the field.
func (m *Modem) runCmds(cmds []at.Command) {
	m.st.urcHold = true
	defer m.releaseURCs()
	var err error
	for i, c := range cmds {
		h := m.handler(c)
		switch answer, ok := m.o.Personality.TestAnswers[c.Name]; {
		case h == nil:
			err = errUnknown
		case c.Form == at.Test && ok:
			m.info(answer)
			err = nil
		default:
			err = h(m, c)
		}
		if err == errPending {
			m.st.pending = &pendingLine{rest: cmds[i+1:], epoch: m.st.epoch}
			return
		}
		if err != nil {
			break
		}
		if m.deaf() != "" {
			// The command restarted the modem (+CFUN=1,1) or hung its
			// port: the commands after it on the line are lost with the
			// stack, as a line typed then would be; its OK still goes.
			break
		}
	}
	m.lineResult(err)
}

// pendingLine is a command line whose running command answers later:
// the commands after it, and the lines the host typed meanwhile, which
// run once it has answered (a module takes no new line while a command
// runs, V.250 §5.6; its UART buffers them).
type pendingLine struct {
	rest   []at.Command
	queued []queuedLine
	epoch  uint64
}

type queuedLine struct {
	line at.Line // its echo went as it came
}

// finishLine ends the pending command with err: the rest of its line
// runs on success, then its final result code goes, then the lines typed
// meanwhile run, each only while the modem still takes lines (deaf). A
// power cycle or a restart since (the epoch) drops it: nothing is left
// to answer.
func (m *Modem) finishLine(err error) {
	pl := m.st.pending
	if pl == nil {
		return
	}
	m.st.pending = nil
	if m.deaf() != "" || pl.epoch != m.st.epoch {
		return // restarted, hung or powered off meanwhile: nothing answers
	}
	if err == nil && len(pl.rest) > 0 {
		m.runCmds(pl.rest)
	} else {
		m.lineResult(err)
	}
	for i, q := range pl.queued {
		switch {
		case m.deaf() != "" || pl.epoch != m.st.epoch:
			// A line before it restarted the modem, cut its power or
			// hung its port: what waited in its buffer is lost, as a
			// line typed then would be. at.log has each as sent, and
			// no answer.
			return
		case m.st.pending != nil:
			// Another answer pending: the rest wait for it.
			m.st.pending.queued = append(m.st.pending.queued, pl.queued[i:]...)
			return
		}
		m.runLine(q.line)
	}
}

// lineResult sends the final result code of a line whose commands ended
// with err.
func (m *Modem) lineResult(err error) {
	final := m.final(err)
	if m.o.Personality.EchoJoinsPrevious && m.st.echo && m.st.enc.Verbose {
		// The line feed never comes: the next echo runs on (a quirk).
		final = bytes.TrimSuffix(final, []byte("\n"))
	}
	m.result(final)
}

// result sends a line's final result code, unless ATQ1 suppresses result
// codes (V.250 §6.2.5); information text and URCs still go.
func (m *Modem) result(b []byte) {
	if m.st.v250["Q"] == 1 { // Q defaults to 0
		return
	}
	m.send(b)
}

// handler finds a command under the personality: its ICCID command and
// settings, no other ICCID command, none it lacks, and no "=?" forms when it has none.
func (m *Modem) handler(c at.Command) handler {
	p := &m.o.Personality
	switch {
	case p.NoTestForms && c.Form == at.Test:
		return nil
	case p.Owns(c.Name):
		switch {
		case c.Name == p.ICCIDName():
			return cmdCCID
		case c.Name == "%CESQ":
			return cmdNordicCESQ
		}
		return cmdSetting
	case c.Name == "+CCID", !p.Supports(c.Name):
		return nil
	}
	return handlers[c.Name]
}

// final encodes a line's outcome, with the personality's +CMEE=2 wording.
func (m *Modem) final(err error) []byte {
	if err == nil {
		// no errors.As, whose target would go to the heap
		m.st.answer = m.st.enc.AppendOK(m.st.answer[:0])
		return m.st.answer
	}
	var c at.CMEError
	if m.st.enc.CMEE == 2 && errors.As(err, &c) {
		if t, ok := m.o.Personality.CMEText[int(c)]; ok {
			return m.st.enc.ExtResult("+CME ERROR: " + t)
		}
	}
	return m.st.enc.Final(err)
}

// info sends one information text line.
func (m *Modem) info(text string) {
	m.st.answer = m.st.enc.AppendInfo(m.st.answer[:0], text)
	m.send(m.st.answer)
}

// hexAnswer sends name's information text carrying the card's answer rsp
// (+CSIM, +CGLA), built in place.
func (m *Modem) hexAnswer(name string, rsp []byte) {
	b := m.st.enc.AppendInfoHeader(m.st.answer[:0])
	b = at.AppendHexAnswer(b, name, m.hostSW(rsp), !m.o.Personality.APDUAnswerNoSpace)
	m.st.answer = m.st.enc.AppendInfoTrailer(b)
	m.send(m.st.answer)
}

// urc sends an unsolicited result code, or holds it while a command line
// runs (releaseURCs).
func (m *Modem) urc(text string) {
	if m.st.urcHold {
		m.st.heldURCs = append(m.st.heldURCs, text)
		return
	}
	m.send(m.st.enc.URC(text))
}

// releaseURCs sends the URCs held while a command line ran, in order,
// framed as the line left ATV, S3 and S4: as they go out.
func (m *Modem) releaseURCs() {
	m.st.urcHold = false
	for _, text := range m.st.heldURCs {
		m.send(m.st.enc.URC(text))
	}
	clear(m.st.heldURCs)
	m.st.heldURCs = m.st.heldURCs[:0]
}

var errParams = fmt.Errorf("bad parameters: %w", at.CMEIncorrectParameters)

// optInt reads one optional numeric argument of 0..max; omitted is def.
func optInt(c at.Command, i, def, max int) (int, error) {
	if i >= len(c.Args) || c.Args[i].Empty {
		return def, nil
	}
	n, err := c.Args[i].Int()
	if err != nil || n > max {
		return 0, fmt.Errorf("%s arg %d %q: want 0-%d: %w", c.Name, i+1, c.Args[i].Raw, max, at.CMEIncorrectParameters)
	}
	return n, nil
}

// intArgs reads numeric args; omitted ones take def. Fewer than min args or
// more than len(def) is an incorrect-parameters error.
func intArgs(c at.Command, min int, def ...int) ([]int, error) {
	if len(c.Args) < min || len(c.Args) > len(def) {
		return nil, errParams
	}
	out := append([]int(nil), def...)
	for i, a := range c.Args {
		if a.Empty {
			if i < min {
				return nil, errParams
			}
			continue
		}
		n, err := a.Int()
		if err != nil {
			return nil, fmt.Errorf("%s arg %d: %w: %w", c.Name, i+1, err, at.CMEIncorrectParameters)
		}
		out[i] = n
	}
	return out, nil
}

// basicValue is the number of a basic command, 0 when omitted (V.250 §5.3.1).
func basicValue(c at.Command) (int, error) {
	switch c.Form {
	case at.Exec:
		return 0, nil
	case at.Set:
		return c.Args[0].Int()
	}
	return 0, errUnknown
}

func cmdEcho(m *Modem, c at.Command) error {
	v, err := basicValue(c)
	if err != nil || v > 1 {
		return errUnknown
	}
	m.st.echo = v == 1
	return nil
}

func cmdVerbose(m *Modem, c at.Command) error {
	v, err := basicValue(c)
	if err != nil || v > 1 {
		return errUnknown
	}
	m.st.enc.Verbose = v == 1
	return nil
}

// cmdOnlyZero takes the 0 form of a basic command and refuses the others:
// H0 (V.250 §6.3.6: hang up — the modem places no calls, so there is
// nothing to end, and it answers OK as a modem without a call does; host
// init strings often begin with ATH).
func cmdOnlyZero(m *Modem, c at.Command) error {
	if v, err := basicValue(c); err != nil || v != 0 {
		return errUnknown
	}
	return nil
}

// cmdReset is ATZ (the stored profile, AT&W's) and AT&F (the factory's).
func cmdReset(m *Modem, c at.Command) error {
	if c.Form != at.Exec && !(c.Form == at.Set && c.Args[0].Raw == "0") {
		return errUnknown
	}
	if c.Name == "&F" {
		m.factorySettings()
		return nil
	}
	m.resetSettings()
	return nil
}

func cmdIdent(m *Modem, c at.Command) error {
	if c.Form == at.Test && c.Name[0] == '+' {
		return nil
	}
	if c.Form != at.Exec && !(c.Name == "I" && c.Form == at.Set) {
		return errUnknown
	}
	switch c.Name {
	case "+CGMI", "+GMI":
		m.info(cmp.Or(m.o.Personality.Manufacturer, "esimhil"))
	case "+CGMR", "+GMR":
		m.info(cmp.Or(m.o.Personality.Revision, "1.0"))
	default: // +CGMM, +GMM, ATI
		m.info(m.o.Personality.Model)
	}
	return nil
}

// cmdGSN is V.250's +GSN (§6.1.7): the serial number, which for a mobile is
// its IMEI, as +CGSN answers it.
func cmdGSN(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Exec:
		m.info(m.o.IMEI)
	case at.Test:
	default:
		return errUnknown
	}
	return nil
}

// cmdGCAP is V.250's +GCAP (§6.1.9): the command sets the modem has;
// +CGSM is 27.007's (§1: the GSM/UMTS/LTE commands).
func cmdGCAP(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Exec:
		m.info("+GCAP: +CGSM")
	case at.Test:
	default:
		return errUnknown
	}
	return nil
}

// ws46EUTRAN is +WS46's <n> for E-UTRAN alone (27.007 §5.9), the one
// access technology of the emulated world.
const ws46EUTRAN = 28

// cmdWS46 is +WS46, the wireless data service: E-UTRAN alone. A host
// that finds no LTE in +GCAP's +CGSM asks it (ModemManager's capability
// probe: without it the modem is 2G/3G to it; outside tester sw122).
func cmdWS46(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		m.info(fmt.Sprintf("+WS46: %d", ws46EUTRAN))
	case at.Test:
		m.info(fmt.Sprintf("+WS46: (%d)", ws46EUTRAN))
	case at.Set:
		v, err := intArgs(c, 0, ws46EUTRAN)
		if err != nil {
			return err
		}
		if v[0] != ws46EUTRAN {
			return fmt.Errorf("+WS46=%d: E-UTRAN (28) alone: %w", v[0], at.CMENotSupported)
		}
	default:
		return errUnknown
	}
	return nil
}

func cmdCMEE(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		m.info(fmt.Sprintf("+CMEE: %d", m.st.enc.CMEE))
	case at.Test:
		m.info("+CMEE: (0-2)")
	case at.Set:
		v, err := intArgs(c, 0, 0)
		if err != nil || v[0] > 2 {
			return errParams
		}
		m.st.enc.CMEE = v[0]
	default:
		return errUnknown
	}
	return nil
}

// cmdCGSN is +CGSN (TS 27.007 §5.4): the exec form answers the serial
// number (the IMEI) as a bare line; +CGSN=<snt> answers +CGSN: with the
// IMEI (0 is the serial number, 1 the IMEI), the IMEISV (2: TAC, serial,
// software version) or the software version number (3).
func cmdCGSN(m *Modem, c at.Command) error {
	imei := m.o.IMEI
	switch c.Form {
	case at.Exec:
		m.info(imei)
	case at.Test:
		m.info("+CGSN: (0-3)")
	case at.Set:
		v, err := intArgs(c, 1, 0)
		if err != nil || v[0] > 3 {
			return errParams
		}
		switch v[0] {
		case 0:
			m.info(imei)
		case 1:
			m.info(fmt.Sprintf("+CGSN: \"%s\"", imei))
		case 2:
			m.info(fmt.Sprintf("+CGSN: \"%s%s\"", imei[:14], softwareVersion))
		case 3:
			m.info(fmt.Sprintf("+CGSN: \"%s\"", softwareVersion))
		}
	default:
		return errUnknown
	}
	return nil
}

// softwareVersion is the SVN of the IMEISV (TS 23.003 §6.2.2).
const softwareVersion = "01"
