// Package dialect is what a host must know to talk to each modem
// personality: which command reads the ICCID and how it answers, how +CCHO
// answers, whether +CCHC exists, whether logical channels are reachable only
// through +CSIM. Specs and the CLI use it; the modem never does.
package dialect

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// maxBlock is the data of one STORE DATA block (short APDUs).
const maxBlock = 255

// Host talks to one modem of a known personality.
type Host struct {
	AT *atclient.Client
	P  personality.Personality
	// BusyWait is how long to wait before sending a card command again
	// after SIM busy (+CME ERROR: 14); 0: busyWait.
	BusyWait time.Duration
}

// busyWait and BusyTries (how many times a card command is sent again):
// a card busy with its own work (a proactive session, a REFRESH) answers
// SIM busy for a moment; ModemManager sends the command again every 2 s,
// three times.
const (
	busyWait  = 2 * time.Second
	BusyTries = 3
)

// card sends a command that reaches the card, again after SIM busy.
func (h Host) card(line string) (*atclient.Response, error) {
	wait := h.BusyWait
	if wait <= 0 {
		wait = busyWait
	}
	for try := 1; ; try++ {
		resp, err := h.AT.Command(line)
		var cme *atclient.CMEError
		if try > BusyTries || !errors.As(err, &cme) || cme.Code != int(at.CMESIMBusy) {
			return resp, err
		}
		<-time.After(wait)
	}
}

// Channel is an open logical channel to an application on the card.
type Channel struct {
	h *Host
	// Session is what +CCHO answered, as the modem printed it: the
	// +CGLA/+CCHC session id (a decimal number, or a hex handle such as
	// Sierra's "000000000385a7cf"); on the +CSIM path, Number in decimal.
	Session string
	// Number is the logical channel number (1..19) when known: always on
	// the +CSIM path, and equal to Session for the prefixed and bare forms;
	// 0 for a handle (TS 27.007 §8.45: the modem sets CLA's channel bits).
	Number int
	csim   bool
	// answered counts the +CGLA the modem answered on this channel
	// (shared by the Channel's copies): one refused after them is no
	// missing command (cglaRefusedHint).
	answered *atomic.Int64
}

// ErrStatus is wrapped by errors for an APDU that ended in a status word
// other than 9000 where success was required.
var ErrStatus = errors.New("dialect: card status")

// StatusError carries the status word the card answered.
type StatusError struct{ SW uint16 }

func (e *StatusError) Error() string { return fmt.Sprintf("dialect: card answered SW %04X", e.SW) }

func (e *StatusError) Unwrap() error { return ErrStatus }

// ICCID reads the ICCID with the personality's command.
func (h Host) ICCID() (string, error) {
	cmd := h.P.ICCIDCommand
	prefix := h.P.ICCIDPrefix
	if cmd == "" {
		cmd, prefix = "+CCID", "+CCID: "
	}
	// The answer's name may differ from the command's (+CICCID →
	// +ICCID:), which a generic client would take for a URC; so may a
	// firmware's (an AT+QCCID answered +CCID:), which the error then
	// shows as the answer it is, not as a URC.
	resp, err := h.AT.CommandAnswer("AT"+cmd, append([]string{prefix}, iccidNames...)...)
	if err != nil {
		return "", fmt.Errorf("AT%s: %w", cmd, err)
	}
	for _, l := range resp.Lines {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return cleanICCID(v), nil
		}
	}
	if prefix == "" && len(resp.Lines) == 1 {
		return cleanICCID(resp.Lines[0]), nil
	}
	return "", fmt.Errorf("AT%s: no %q line in %q", cmd, prefix, resp.Lines)
}

// iccidNames are the ICCID answers' names modems use.
var iccidNames = []string{"+CCID", "+ICCID", "+QCCID", "!ICCID", "^ICCID"}

// cleanICCID drops quotes and the padding F some modems print.
func cleanICCID(s string) string {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	return strings.TrimRight(s, "Ff")
}

// OpenISDR opens a logical channel to the ISD-R.
func (h Host) OpenISDR() (Channel, error) { return h.Open(es10.ISDRAID) }

// Open opens a logical channel and selects the application aid (hex) on it.
func (h Host) Open(aid string) (Channel, error) {
	if h.P.CSIMOnly {
		return h.openCSIM(aid)
	}
	h.closeLate()
	resp, err := h.card(`AT+CCHO="` + aid + `"`)
	h.closeLate() // the one before's late answer, which this command waited for
	if err != nil {
		return Channel{}, fmt.Errorf("AT+CCHO: %w%s", err, noChannelsHint("+CCHO", err))
	}
	if err := oneAnswer(resp, "AT+CCHO"); err != nil {
		return Channel{}, err
	}
	for _, l := range resp.Lines {
		id, form, ok := personality.ParseCCHO(l)
		if !ok {
			continue
		}
		ch := Channel{h: &h, Session: id, answered: new(atomic.Int64)}
		if form != personality.CCHOLong {
			ch.Number, _ = strconv.Atoi(id)
		}
		return ch, nil
	}
	return Channel{}, fmt.Errorf("AT+CCHO: no session id in %q", resp.Lines)
}

// noChannelsHint is what a refused +CCHO or +CGLA may mean: a modem
// without the logical-channel commands of TS 27.007 §8.45/§8.46 (SIMCom's
// A76xx reach the card through +CSIM alone) answers them ERROR, or
// "operation not supported"/"not allowed", or an error of its own wording
// (at.Result.Refuses); a refused +CSIM, the reverse.
// An error that names another cause (no SIM, SIM busy, a wrong password)
// gets no hint, nor does an answer that was never given (a timeout).
func noChannelsHint(cmd string, err error) string {
	var cme *atclient.CMEError
	switch {
	case errors.As(err, &cme):
		if !(at.Result{Kind: at.FinalCME, Code: cme.Code}).Refuses() {
			return ""
		}
	case !errors.Is(err, atclient.ErrError):
		return ""
	}
	if cmd == "+CSIM" {
		// The other way round: a module with +CCHO/+CGLA and no +CSIM
		// (outside tester t72: an A7600-like one, +CME ERROR: 4).
		return " (the modem refuses +CSIM: if it has the 27.007 logical-channel commands +CCHO/+CGLA instead, a personality without csim_only reaches the card through them — PERSONALITY=generic, or one of its own from esimhil lab record and esimhil lab personality)"
	}
	return fmt.Sprintf(" (the modem refuses %s: if it lacks the 27.007 logical-channel commands +CCHO/+CGLA, a personality with csim_only: true reaches the card through +CSIM — PERSONALITY=simcom-a7600, or one of its own from esimhil lab record and esimhil lab personality)", cmd)
}

// cglaRefusedHint is what a refused +CGLA on an open channel may mean
// ("" for an error that names another cause, as noChannelsHint). The
// channel was opened by +CCHO, so the modem has the logical-channel
// commands (27.007 §8.45, §8.43): a command line malformed as sent is the
// host's fault; a refusal after +CGLA answered on the channel is of this
// command, not of a modem without +CGLA; only a first refusal leaves
// csim_only as an answer, and says what is known first.
func (c Channel) cglaRefusedHint(line string, err error) string {
	if noChannelsHint("+CGLA", err) == "" {
		return ""
	}
	if n, chars, ok := cglaLength(line); ok && n != chars {
		return fmt.Sprintf(" (the command as sent is malformed: its length field is %d, its APDU %d hex characters, which 27.007 §8.43 says it counts: the host's fault, not the modem's)", n, chars)
	}
	if n := c.answeredCount(); n > 0 {
		return fmt.Sprintf(" (the modem refused this +CGLA after answering %d on session %s: it has +CGLA, so this command is what it refused — its APDU, or the channel closed under it; at.log has both)", n, c.Session)
	}
	return fmt.Sprintf(" (the modem refused the first +CGLA on session %s, which its +CCHO opened: a modem with +CCHO has +CGLA as a rule, so look at the command in at.log first; if this modem lacks +CGLA all the same, a personality with csim_only: true reaches the card through +CSIM — PERSONALITY=simcom-a7600, or one of its own from esimhil lab record and esimhil lab personality)", c.Session)
}

func (c Channel) answeredCount() int64 {
	if c.answered == nil {
		return 0
	}
	return c.answered.Load()
}

// cglaLength reads a +CGLA command line's length field and counts its
// APDU's hex characters (AT+CGLA=<session>,<length>,"<command>"); ok is
// false for a line of another form.
func cglaLength(line string) (length, chars int, ok bool) {
	rest, ok := strings.CutPrefix(line, "AT+CGLA=")
	if !ok {
		return 0, 0, false
	}
	_, rest, ok1 := strings.Cut(rest, ",")
	l, quoted, ok2 := strings.Cut(rest, ",")
	n, err := strconv.Atoi(l)
	if !ok1 || !ok2 || err != nil || len(quoted) < 2 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' {
		return 0, 0, false
	}
	return n, len(quoted) - 2, true
}

// closeLate closes the channels +CCHO opened after the host gave up on
// it (its answer came late): a modem has few (three or four), and one
// left open per slow +CCHO would soon refuse the next. Best effort: the
// modem may have closed it already.
func (h Host) closeLate() {
	for _, t := range h.AT.TakeLate("AT+CCHO=") {
		for _, l := range t.Lines { // an id: the channel opened
			if id, form, ok := personality.ParseCCHO(l); ok {
				ch := Channel{h: &h, Session: id}
				if form != personality.CCHOLong {
					ch.Number, _ = strconv.Atoi(id)
				}
				_ = ch.Close() // a refusal says the channel is gone
				break
			}
		}
	}
}

// openCSIM does what +CCHO does inside the modem: MANAGE CHANNEL open on
// the basic channel, then SELECT by DF name on the new channel.
func (h Host) openCSIM(aid string) (Channel, error) {
	raw, err := hex.DecodeString(aid)
	if err != nil || len(raw) == 0 || len(raw) > 16 {
		return Channel{}, fmt.Errorf("AID %q: not 1..16 bytes of hex", aid)
	}
	rsp, err := h.csim([]byte{0x00, apdu.InsManageChannel, 0x00, 0x00, 0x01})
	if err != nil {
		return Channel{}, fmt.Errorf("MANAGE CHANNEL open: %w%s", err, noChannelsHint("+CSIM", err))
	}
	if sw(rsp) != 0x9000 || len(rsp) != 3 || rsp[0] == 0 || rsp[0] > 19 {
		return Channel{}, fmt.Errorf("MANAGE CHANNEL open: %X: %w", rsp, &StatusError{SW: sw(rsp)})
	}
	ch := Channel{h: &h, Session: strconv.Itoa(int(rsp[0])), Number: int(rsp[0]), csim: true}
	sel := append([]byte{apdu.WithChannel(0x00, ch.Number), 0xA4, 0x04, 0x04, byte(len(raw))}, raw...)
	sel = append(sel, 0x00)
	out, err := ch.Transmit(sel)
	if err == nil && sw(out)>>8 != 0x90 && sw(out)>>8 != 0x91 {
		err = &StatusError{SW: sw(out)}
	}
	if err != nil {
		ch.Close()
		return Channel{}, fmt.Errorf("SELECT %s: %w", aid, err)
	}
	return ch, nil
}

// csim sends one APDU through +CSIM and returns data and status word.
func (h Host) csim(cmd []byte) ([]byte, error) {
	resp, err := h.card(at.CSIM(cmd))
	if err != nil {
		return nil, fmt.Errorf("AT+CSIM: %w", err)
	}
	if err := oneAnswer(resp, "AT+CSIM"); err != nil {
		return nil, err
	}
	return HexAnswer(resp, "+CSIM")
}

// HexAnswer decodes the answer line of name ("+CGLA", "+CSIM": a
// response APDU, at.ParseHexAnswer) among resp's lines; a length field
// that does not count the hex characters is an error.
func HexAnswer(resp *atclient.Response, name string) ([]byte, error) {
	for _, l := range resp.Lines {
		a, ok, err := at.ParseHexAnswer(l, name)
		switch {
		case !ok:
			continue
		case err != nil:
			return nil, err
		case !a.LengthOK():
			return nil, fmt.Errorf("%s length %d disagrees with %d hex characters", name, a.Length, 2*len(a.Data))
		}
		return a.Data, nil
	}
	return nil, fmt.Errorf("no %s line in %q", name, resp.Lines)
}

func sw(rsp []byte) uint16 {
	if len(rsp) < 2 {
		return 0
	}
	return uint16(rsp[len(rsp)-2])<<8 | uint16(rsp[len(rsp)-1])
}

// SW returns the status word at the end of a response (0 if too short).
func SW(rsp []byte) uint16 { return sw(rsp) }

// Transmit sends one APDU on the channel and returns the response data
// followed by the status word. Through +CGLA the modem sets the channel
// bits of CLA and follows 61xx itself — most do; one that hands 61xx or
// 6Cxx back gets its GET RESPONSE or repeated command in another +CGLA.
// Through +CSIM both are done here.
func (c Channel) Transmit(cmd []byte) ([]byte, error) {
	if len(cmd) < 4 {
		return nil, fmt.Errorf("APDU of %d bytes: the header alone is 4", len(cmd))
	}
	if !c.csim {
		return apdu.Exchange(c.cgla, cmd)
	}
	cmd = append([]byte(nil), cmd...)
	cmd[0] = apdu.WithChannel(cmd[0], c.Number)
	return apdu.Exchange(c.h.csim, cmd)
}

// cgla sends one APDU through +CGLA and returns data and status word.
func (c Channel) cgla(cmd []byte) ([]byte, error) {
	line := at.CGLA(c.Session, cmd)
	resp, err := c.h.card(line)
	if err != nil {
		return nil, fmt.Errorf("AT+CGLA: %w%s", err, c.cglaRefusedHint(line, err))
	}
	if c.answered != nil {
		c.answered.Add(1)
	}
	if err := oneAnswer(resp, "AT+CGLA"); err != nil {
		return nil, err
	}
	return HexAnswer(resp, "+CGLA")
}

// oneAnswer fails a card command's answer that holds a line besides its
// own: an unprefixed URC the personality does not know (the known ones
// are out already) is named as it is for +CGMM or +CEREG?
// (atclient.Response.One, atclient.ErrExtraLine), not skipped — the
// client does not guess which line is the answer.
func oneAnswer(resp *atclient.Response, cmd string) error {
	if len(resp.Lines) <= 1 {
		return nil
	}
	_, err := resp.One(cmd)
	return err
}

// StoreData sends an ES10 request in STORE DATA blocks (SGP.22 §5.7.2:
// CLA 80, P1 11 for more blocks and 91 for the last, P2 the block number)
// and returns the response data; a status word other than 9000 or 91xx on
// any block is a *StatusError.
func (c Channel) StoreData(es10 []byte) ([]byte, error) {
	if len(es10) == 0 {
		return nil, fmt.Errorf("empty ES10 request")
	}
	for blk := 0; len(es10) > 0; blk++ {
		if blk > 0xFF {
			return nil, fmt.Errorf("ES10 request needs more than 256 blocks")
		}
		n := min(len(es10), maxBlock)
		p1 := byte(0x11)
		if n == len(es10) {
			p1 = 0x91
		}
		block := append([]byte{0x80, 0xE2, p1, byte(blk), byte(n)}, es10[:n]...)
		es10 = es10[n:]
		rsp, err := c.Transmit(block)
		if err != nil {
			return nil, err
		}
		// 91xx is success with a proactive command pending (a REFRESH
		// after an enable), which the modem fetches on its own.
		if s := sw(rsp); s != 0x9000 && s>>8 != 0x91 {
			return nil, fmt.Errorf("STORE DATA block %d: %w", blk, &StatusError{SW: s})
		}
		if p1 == 0x91 {
			return rsp[:len(rsp)-2], nil
		}
	}
	return nil, fmt.Errorf("unreachable")
}

// Close closes the channel with +CCHC, or with MANAGE CHANNEL close through
// +CSIM when the modem has no +CCHC (or the channel was opened that way).
func (c Channel) Close() error {
	if !c.csim && !c.h.P.NoCCHC {
		if _, err := c.h.AT.Command(fmt.Sprintf("AT+CCHC=%s", c.Session)); err != nil {
			return fmt.Errorf("AT+CCHC: %w", err)
		}
		return nil
	}
	if c.Number == 0 {
		return fmt.Errorf("close session %s: channel number unknown without +CCHC", c.Session)
	}
	rsp, err := c.h.csim([]byte{0x00, apdu.InsManageChannel, 0x80, byte(c.Number), 0x00})
	if err != nil {
		return fmt.Errorf("MANAGE CHANNEL close: %w", err)
	}
	if s := sw(rsp); s != 0x9000 {
		return fmt.Errorf("MANAGE CHANNEL close %d: %w", c.Number, &StatusError{SW: s})
	}
	return nil
}
