package modem

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/cscs"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// The settings of a host's init string ("AT&FE0V1X4&C1&D2S0=0") that
// change nothing here — the modem neither dials nor drives DCD or DTR —
// are kept and answered as V.250 defines them, so the string answers OK;
// Q, kept with them, is read at each line's end (Modem.result). Which
// value each takes, and its default after ATZ and AT&F.
var v250Settings = map[string]struct{ max, def int }{
	"Q":  {1, 0}, // 1: final result codes suppressed (§6.2.5)
	"X":  {4, 4}, // result code selection and call progress (§6.2.7)
	"&C": {1, 1}, // DCD follows the carrier (§6.2.8)
	"&D": {2, 2}, // what DTR off does (§6.2.9)
}

// sRegisters are the S-parameters (V.250 §6.2, §6.3): S0 auto-answer
// rings, S6-S10 dialling and carrier timings, kept; S3 (CR), S4 (LF) and
// S5 (BS) are the line's own characters: the terminator a command line
// ends with and result codes are framed with, the second framing
// character, and the editing one. V.250 gives them 0-127; NUL is refused,
// a character no terminal types.
var sRegisters = map[string]struct{ def, min, max int }{
	"S0": {0, 0, 255}, "S3": {13, 1, 127}, "S4": {10, 1, 127}, "S5": {8, 1, 127},
	"S6": {2, 0, 255}, "S7": {50, 0, 255}, "S8": {2, 0, 255}, "S10": {14, 0, 255},
}

func cmdV250Setting(m *Modem, c at.Command) error {
	v, err := basicValue(c)
	if err != nil || v > v250Settings[c.Name].max {
		return errUnknown
	}
	m.setV250(c.Name, v)
	return nil
}

// cmdSRegister answers S<n>? with the value in three digits (§5.3.2),
// S<n>=? with the range, and S<n>=<v> by keeping it.
func cmdSRegister(m *Modem, c at.Command) error {
	r := sRegisters[c.Name]
	switch c.Form {
	case at.Read:
		m.info(fmt.Sprintf("%03d", m.sRegister(c.Name)))
	case at.Test:
		m.info(fmt.Sprintf("(%d-%d)", r.min, r.max))
	case at.Set:
		v, err := c.Args[0].Int()
		if c.Args[0].Empty {
			v, err = 0, nil // "S0=": the value 0 (§5.3.2)
		}
		if err != nil || v < r.min || v > r.max {
			return errUnknown
		}
		m.setV250(c.Name, v)
		m.lineChars() // this line's result code already goes with them (§6.2.1)
	default:
		return errUnknown
	}
	return nil
}

func (m *Modem) sRegister(name string) int {
	if v, ok := m.st.v250[name]; ok {
		return v
	}
	return sRegisters[name].def
}

// lineChars hands S3, S4 and S5 to the line splitter and the encoder.
func (m *Modem) lineChars() {
	m.st.typing.S3, m.st.typing.S5 = byte(m.sRegister("S3")), byte(m.sRegister("S5"))
	m.st.enc.S3, m.st.enc.S4 = byte(m.sRegister("S3")), byte(m.sRegister("S4"))
}

// setV250 keeps a V.250 setting or S-register's value. The map holds
// only values a host set: a value not in it is its default (a fleet's
// modems each held a map of every default, half a KiB a device), so ATZ
// and AT&F return to the defaults by emptying it.
func (m *Modem) setV250(name string, v int) {
	if m.st.v250 == nil {
		m.st.v250 = map[string]int{}
	}
	m.st.v250[name] = v
}

// teText is s, a text of the modem's (an operator's name from the
// world, +COPS? and +COPS=?, §7.3), in the TE character set +CSCS chose
// (TS 27.007 §5.5), as cscs codes it for the host as well: under IRA and
// GSM a name is not sent as its UTF-8 bytes, which no modem does. Under
// GSM each character is its TS 23.038 default alphabet code, a byte a
// septet ('@' 0x00, 'é' 0x05; '€' and '[' as ESC 0x1B and the code);
// what IRA or GSM cannot hold ("中国移动", small Greek letters) goes as
// '?', the manufacturer's choice 27.007 leaves open; UCS2 carries any
// name as the hex of its UTF-16 units. The codes then go inside the
// quotes as a V.250 string constant holds them (§5.4.2.2, at.EscapeString):
// a '"' or '\' code as \22 and \5C, so a name with a quote in it does
// not end the string early for a strict host. Other strings a host
// sends (an APN) are taken as they come, as modules do.
func (m *Modem) teText(s string) string { return at.EscapeString(cscs.Encode(m.st.charset, s)) }

// fromTE is s, a string the host sent in the TE character set +CSCS
// chose (an operator's name, +COPS=1,0|1,<oper>), as text: teText's
// inverse, its V.250 escapes read first, so a host can give a GSM code
// a command line cannot carry as a byte ('@' as \00, 'é' as \05). What
// is no string constant (a '\' without two hex digits) or no string of
// that set (a byte with bit 8 set under IRA or GSM, UCS2 that is no hex
// of UTF-16 units) is an error.
func (m *Modem) fromTE(s string) (string, error) {
	codes, ok := at.UnescapeString(s)
	if !ok {
		return "", fmt.Errorf("%q is no V.250 string constant: a '\\' not followed by two hex digits (§5.4.2.2: '\\' is \\5C)", s)
	}
	return cscs.Decode(m.st.charset, codes)
}

func cmdCSCS(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		m.info(fmt.Sprintf("+CSCS: %q", m.st.charset))
	case at.Test:
		m.info(`+CSCS: ("` + strings.Join(cscs.Sets, `","`) + `")`)
	case at.Set:
		if len(c.Args) != 1 || !c.Args[0].Quoted {
			return errParams
		}
		cs := strings.ToUpper(c.Args[0].Raw)
		if !cscs.Known(cs) {
			return fmt.Errorf("+CSCS %q: %w", c.Args[0].Raw, at.CMENotSupported)
		}
		m.st.charset = cs
	default:
		return errUnknown
	}
	return nil
}

// cmdCNUM is +CNUM (§7.1): the subscriber's numbers, read from the
// enabled profile's EF MSISDN at each call (as modules do: a REFRESH or a
// switch changes them), one line a record that holds a number:
// +CNUM: [<alpha>],<number>,<type>, <type> 145 for an international
// number ("+" first) and 129 otherwise. <alpha> is left empty: the
// profiles' records carry no alpha identifier. No EF MSISDN, or only
// empty records, answers OK alone, as modules do for a SIM without a
// number.
func cmdCNUM(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Exec {
		return errUnknown
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	if err := m.pinRequired(); err != nil {
		return err
	}
	recs, err := m.readRecords([]uint16{0x3F00, 0x7FFF, 0x6F40})
	if errors.Is(err, errNoFile) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("+CNUM: read EF MSISDN: %w: %w", err, at.CMESIMFailure)
	}
	for _, rec := range recs {
		number, _, err := saip.ParseMSISDN(rec)
		if err != nil {
			return fmt.Errorf("+CNUM: %w: %w", err, at.CMESIMFailure)
		}
		if number == "" {
			continue
		}
		// <type> (TS 24.008 §10.5.4.7): 145 international, the "+"
		// ParseMSISDN puts first; 129 unknown type, ISDN/telephony plan.
		typ := 129
		if strings.HasPrefix(number, "+") {
			typ = 145
		}
		m.info(fmt.Sprintf(`+CNUM: ,"%s",%d`, number, typ))
	}
	return nil
}

// userProfile is what AT&W stores in the module's non-volatile memory and
// ATZ, a restart and a power cycle load: the settings of an init string
// (echo, verbose, +CMEE, Q, X, &C, &D, the S-registers) and the registration
// URCs' <n> (+CREG, +CGREG, +CEREG), as LTE modules' AT&W keeps them. A
// host that sends "ATE0;+CEREG=2;&W" once finds echo off and +CEREG URCs
// on after every restart.
type userProfile struct {
	echo, verbose bool
	cmee          int
	v250, regN    map[string]int
}

func (p *userProfile) load(m *Modem) {
	m.st.echo, m.st.enc.Verbose, m.st.enc.CMEE = p.echo, p.verbose, p.cmee
	m.st.v250, m.st.regN = maps.Clone(p.v250), maps.Clone(p.regN)
}

// cmdStore is AT&W (AT&W0: the one profile this modem has).
func cmdStore(m *Modem, c at.Command) error {
	if v, err := basicValue(c); err != nil || v != 0 {
		return errUnknown
	}
	m.st.stored = &userProfile{echo: m.st.echo, verbose: m.st.enc.Verbose, cmee: m.st.enc.CMEE,
		v250: maps.Clone(m.st.v250), regN: maps.Clone(m.st.regN)}
	return nil
}

// typed is a run of the host's bytes as one read brought them: up to and
// including the byte that ended a command line (ends, line), or the bytes
// of a line still being typed. echo is what echoing them sends.
type typed struct {
	echo []byte
	line at.Line
	ends bool
}

// frameTyped feeds p to sp a byte at a time and cuts it where command
// lines end, with the echo of each piece (ATE1). V.250 §5.2.1 echoes what
// the DTE sends as it was received; here the terminator of a line (S3, or
// a lone LF) is echoed as S3, CR, as the echo of a whole line always
// ended, and a backspace (S5, or DEL) when it removed a character as S5,
// space, S5 — back, over it, back again: V.250 leaves the echo of S5
// open, this is what most modems send and what leaves a terminal's screen
// as the line is — not at all when there was none. The LF of CR LF and the
// terminator of an empty line are not echoed (no line to end). A line
// written whole, "A/" included, is echoed as it was written; one with a
// control byte too (V.250 lets a DCE leave invalid characters out, and a
// host that finds its line echoed whole knows where the ERROR belongs);
// a control byte before anything typed is not echoed, and a line of
// nothing else is none (at.Splitter).
func frameTyped(sp *at.Splitter, p []byte, out []typed) []typed {
	out, _ = frameTypedIn(sp, p, out, nil)
	return out
}

// frameTypedIn is frameTyped cutting the echoes from all's array, which
// it returns for the next read: the pieces hold their echoes only until
// then (takeBytes copies or sends each before it returns).
func frameTypedIn(sp *at.Splitter, p []byte, out []typed, all []byte) ([]typed, []byte) {
	// The pieces' echoes are cut from one array, sized for the usual
	// case (each byte echoed once), rather than each grown from nothing.
	all = slices.Grow(all[:0], len(p))
	start := 0 // where the piece being typed begins in all
	term, edit := sp.Chars()
	for i := 0; i < len(p); {
		if n := sp.Plain(p[i:]); n > 0 {
			all = append(all, p[i:i+n]...) // echoed as typed
			i += n
			continue
		}
		c := p[i]
		i++
		before := sp.Len()
		line, ends := sp.FeedByte(c)
		switch {
		case ends && line.Repeat:
			all = append(all, c)
		case ends:
			all = append(all, term)
		case c == term || c == '\n':
		case c == edit || c == at.Del:
			if sp.Len() < before {
				all = append(all, edit, ' ', edit)
			}
		case c < 0x20 && before == 0:
			// A control byte before anything is typed (gammu's ESC) is
			// no part of a command line: not echoed.
		default:
			all = append(all, c)
		}
		if ends { // one byte ends one line at most
			out = append(out, typed{echo: pieceOf(all, start), line: line, ends: true})
			start = len(all)
		}
	}
	if len(all) > start {
		out = append(out, typed{echo: pieceOf(all, start)})
	}
	return out, all
}

// pieceOf is all[start:], capped so that an append to it cannot write
// into the next piece; nil when empty, as an echo that got no byte was.
func pieceOf(all []byte, start int) []byte {
	if len(all) == start {
		return nil
	}
	return all[start:len(all):len(all)]
}
