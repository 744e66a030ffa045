package fieldlog

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// lpac's debug lines (driver/apdu/at*.c, euicc/logger.c over its
// versions): the AT driver's, libeuicc's APDU and HTTP lines.
var (
	lpacATOld  = regexp.MustCompile(`^AT_DEBUG:(?: (.*))?$`)
	lpacAT     = regexp.MustCompile(`^AT_DEBUG_(TX|RX)(?:\((\d+)\.(\d+)\))?:(?: (.*))?$`)
	lpacAPDUTX = regexp.MustCompile(`^\[DEBUG\] \[APDU\] \[TX\] CLA: ([0-9A-Fa-f]{2}), INS: ([0-9A-Fa-f]{2}), P1: ([0-9A-Fa-f]{2}), P2: ([0-9A-Fa-f]{2}), Lc: ([0-9A-Fa-f]{2})(?:, Data:(.*))?$`)
	lpacAPDURX = regexp.MustCompile(`^\[DEBUG\] \[APDU\] \[RX\] SW1: ([0-9A-Fa-f]{2}), SW2: ([0-9A-Fa-f]{2})(?:, Data:(.*))?$`)
	lpacDebug  = regexp.MustCompile(`^\[(DEBUG|PLEASE REPORT)\]`)
	// The uqmi driver's (driver/apdu/uqmi.c, LPAC_APDU_QMI_DEBUG): each
	// uqmi command line it runs, then what uqmi printed, an APDU's
	// answer as {"response":"<hex>"} after --uim-apdu-send <hex>.
	lpacUQMI     = regexp.MustCompile(`^UQMI_DEBUG_(TX|RX):(?: (.*))?$`)
	lpacUQMISend = regexp.MustCompile(`(?:^| )--uim-apdu-send ([0-9A-Fa-f]+)(?: |$)`)
)

// lpacPrompt is a shell's prompt with lpac's command line after it
// ("root@OpenWrt:~# lpac chip info", "PS C:\lpac> .\lpac.exe chip info").
var lpacPrompt = regexp.MustCompile(`(?i)[#$>] .*\blpac(?:\.exe)?\b`)

// readLPAC reads lpac's output as a user pastes it: stdout and stderr
// mixed. The AT driver logs what it reads from the modem ("AT_DEBUG: "
// in older versions, so commands show only through the modem's echo;
// "AT_DEBUG_TX:"/"AT_DEBUG_RX:" later, with "(<s>.<ns>)" — seconds and
// nanoseconds, the latter printed without leading zeros — since the driver
// opened the port in the newest). libeuicc adds "[DEBUG] [APDU] [TX] CLA:
// …, Data: …" and "[DEBUG] [APDU] [RX] SW1: …" with LIBEUICC_DEBUG_APDU,
// and lpac prints one JSON object per step and for the outcome. Other
// lines (a shell prompt, the user's remarks) are kept as notes.
func readLPAC(file string, lines []string, cut bool) (*Transcript, error) {
	hasTX, libAPDUs := false, false
	for _, l := range lines {
		if !hasTX {
			m := lpacAT.FindStringSubmatch(l)
			hasTX = m != nil && m[1] == "TX"
		}
		libAPDUs = libAPDUs || lpacAPDUTX.MatchString(l)
		if hasTX && libAPDUs {
			break
		}
	}
	clock := NoTime
	recs := make([]record, 0, len(lines)) // about one a line: no doubling series
	// Runs pasted one after the other each start the driver's clock
	// again: after a shell prompt or lpac's outcome, a time before the
	// last one is the next run's, placed right after the last.
	var offset time.Duration
	var lastT time.Time
	newRun := false
	uqmiSent := false // the uqmi command before holds an APDU
	for i, l := range lines {
		n := i + 1
		last := i == len(lines)-1
		switch m := match(l, lpacAT, lpacATOld, lpacAPDUTX, lpacAPDURX, lpacUQMI); {
		case strings.TrimSpace(l) == "":
		case m.re == lpacUQMI && libAPDUs:
			// libeuicc's own APDU lines (LIBEUICC_DEBUG_APDU as well)
			// carry each APDU already: uqmi's are the same ones again.
			recs = append(recs, record{line: n, dir: Tool, text: l})
		case m.re == lpacUQMI && m.sub[1] == "TX":
			send := lpacUQMISend.FindStringSubmatch(m.sub[2])
			if uqmiSent = send != nil; !uqmiSent {
				recs = append(recs, record{line: n, dir: Tool, text: l})
				break
			}
			raw, err := hexField(send[1])
			if err != nil {
				return nil, errAt(file, n, "uqmi's --uim-apdu-send: %v", err)
			}
			recs = append(recs, record{line: n, dir: Host, text: strings.TrimSpace(l), apdu: raw, isAPD: true})
		case m.re == lpacUQMI:
			var v struct {
				Response *string `json:"response"`
			}
			if !uqmiSent || json.Unmarshal([]byte(m.sub[2]), &v) != nil || v.Response == nil {
				// The client id, a channel's, or uqmi's error ("Failed"):
				// no APDU's answer.
				recs = append(recs, record{line: n, dir: Tool, text: l})
				uqmiSent = false
				break
			}
			uqmiSent = false
			raw, err := hexField(*v.Response)
			if err != nil || len(raw) < 2 {
				return nil, errAt(file, n, "uqmi's response to --uim-apdu-send: want the card's answer and status word in hex, got %q", clip(*v.Response))
			}
			recs = append(recs, record{line: n, dir: Modem, text: strings.TrimSpace(l), apdu: raw, isAPD: true})
		case m.re == lpacAT:
			r := record{line: n, dir: Host, text: strings.TrimRight(m.sub[4], "\r\n")}
			if m.sub[1] == "RX" {
				r.dir = Modem
			}
			if m.sub[2] != "" {
				s, err1 := strconv.ParseInt(m.sub[2], 10, 64)
				ns, err2 := strconv.ParseInt(m.sub[3], 10, 64)
				if err1 != nil || err2 != nil || ns >= 1e9 || s > 1<<32 {
					return nil, errAt(file, n, "driver time (%s.%s): want seconds and nanoseconds", m.sub[2], m.sub[3])
				}
				d := time.Duration(s)*time.Second + time.Duration(ns)
				if newRun && !lastT.IsZero() && RelativeEpoch.Add(offset+d).Before(lastT) {
					offset = lastT.Sub(RelativeEpoch)
				}
				r.t = RelativeEpoch.Add(offset + d)
				lastT, newRun, clock = r.t, false, Relative
			}
			if r.text != "" {
				recs = append(recs, r)
			}
		case m.re == lpacATOld:
			if text := strings.TrimRight(m.sub[1], "\r"); text != "" {
				recs = append(recs, record{line: n, dir: Modem, text: text, echoOnly: !hasTX, writes: !hasTX})
			}
		case m.re == lpacAPDUTX:
			raw, err := hexField(strings.Join(m.sub[1:6], "") + m.sub[6])
			if err != nil {
				return nil, errAt(file, n, "APDU line: %v (a paste that wrapped it leaves its rest on the next line: join them)", err)
			}
			recs = append(recs, record{line: n, dir: Host, text: strings.TrimSpace(l), apdu: raw, isAPD: true})
		case m.re == lpacAPDURX:
			data, err := hexField(m.sub[3])
			if err != nil {
				return nil, errAt(file, n, "APDU line: %v (a paste that wrapped it leaves its rest on the next line: join them)", err)
			}
			sw, _ := hex.DecodeString(m.sub[1] + m.sub[2])
			recs = append(recs, record{line: n, dir: Modem, text: strings.TrimSpace(l), apdu: append(data, sw...), isAPD: true})
		case strings.HasPrefix(l, "{"):
			ev, err := lpacJSON(l)
			if err != nil {
				if last && cut {
					return nil, errAt(file, n, "the log is cut off inside lpac's JSON line: %v", err)
				}
				return nil, errAt(file, n, "lpac JSON line: %v", err)
			}
			recs = append(recs, record{line: n, dir: Tool, text: l, event: ev})
			newRun = newRun || ev.Type == "lpa"
		default:
			recs = append(recs, record{line: n, dir: Tool, text: l})
			newRun = newRun || lpacPrompt.MatchString(l)
		}
	}
	if err := lpacInOrder(file, recs); err != nil {
		return nil, err
	}
	t, err := finish(file, clock, recs, cut)
	if err != nil {
		return nil, err
	}
	t.ShowsEcho = true // the driver logs every line it reads, the echo too
	if err := oneFinalEach(file, t); err != nil {
		return nil, err
	}
	return t, nil
}

// oneFinalEach refuses a final result no command awaited, in a log that
// shows every command the host wrote (an LPA's driver, a ModemManager
// port, a transcript of the wire): one too many for the last, or the
// result of a line the log garbled (lpac issue 179's "T+CCHC=1", its "A"
// lost, a line lost from a paste), which would leave that command out of
// the replay. Before a port's first command a final result is the end of
// an answer the log began inside (skipOpenAnswer's), not one too many.
func oneFinalEach(file string, t *Transcript) error {
	type port struct {
		last      *Entry // the last command
		lastFinal int    // the line of its final result
		online    bool   // it answered CONNECT: NO CARRIER may end the call unasked
	}
	ports := map[string]*port{}
	for i, e := range t.Entries {
		p := ports[e.Port]
		if p == nil {
			p = &port{}
			ports[e.Port] = p
		}
		switch {
		case e.Role == Command:
			p.last, p.lastFinal, p.online = &t.Entries[i], 0, false
		case e.Role == Final && e.Cmd >= 0:
			p.lastFinal = e.Line
			p.online = strings.HasPrefix(e.Text, "CONNECT") || e.Result == "1" || strings.HasPrefix(e.Result, "CONNECT")
		case e.Role == Final && p.online:
			p.online = false // the end of the data call (NO CARRIER), V.250 §6.4
		case e.Role == Final && p.last != nil && p.lastFinal > 0:
			return errAt(file, e.Line, "%s with no command before it: %s (line %d) had its final result at line %d already; a second final result, or the result of a line the log does not show as a command%s", e.Text, clip(p.last.Text), p.last.Line, p.lastFinal, garbledBefore(t, i, p.lastFinal))
		case e.Role == Final && p.last != nil:
			return errAt(file, e.Line, "%s with no command before it, after %s (line %d): a final result no command awaits, or the result of a line the log does not show as a command%s", e.Text, clip(p.last.Text), p.last.Line, garbledBefore(t, i, p.last.Line))
		}
	}
	return nil
}

// garbledCommand is a line that reads as a command whose first
// characters were lost ("T+CCHC=1", "+CGLA=1,…" echoed without AT):
// letters short of "AT", then a command name and its = or ?.
var garbledCommand = regexp.MustCompile(`(?i)^(?:A|T)?\+[A-Z]+[=?]`)

// garbledBefore names the line between line after and entry i of t that
// looks like the command the final result at i answers, its "AT" lost.
func garbledBefore(t *Transcript, i, after int) string {
	for k := i - 1; k >= 0 && t.Entries[k].Line > after; k-- {
		e := t.Entries[k]
		if e.Role != Command && e.Port == t.Entries[i].Port && garbledCommand.MatchString(e.Text) && !strings.HasPrefix(e.Text, "+") {
			return fmt.Sprintf("; line %d, %s, looks like that command with its first characters lost", e.Line, clip(e.Text))
		}
	}
	return ""
}

type matched struct {
	re  *regexp.Regexp
	sub []string
}

func match(l string, res ...*regexp.Regexp) matched {
	for _, re := range res {
		if m := re.FindStringSubmatch(l); m != nil {
			return matched{re, m}
		}
	}
	return matched{}
}

// hexField reads hex with or without spaces between the bytes.
func hexField(s string) ([]byte, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("hex %q: %v", clip(s), err)
	}
	return b, nil
}

// lpacJSON decodes one of lpac's output objects.
func lpacJSON(l string) (*Event, error) {
	var v struct {
		Type    string `json:"type"`
		Payload struct {
			Code    int             `json:"code"`
			Message string          `json:"message"`
			Data    json.RawMessage `json:"data"`
		} `json:"payload"`
	}
	if err := json.Unmarshal([]byte(l), &v); err != nil {
		return nil, err
	}
	if v.Type == "" {
		return nil, fmt.Errorf("no \"type\"")
	}
	ev := &Event{Type: v.Type, Code: v.Payload.Code, Message: v.Payload.Message}
	var s string
	switch d := v.Payload.Data; {
	case len(d) == 0 || string(d) == "null":
	case json.Unmarshal(d, &s) == nil:
		ev.Data = s
	default:
		ev.Data = string(d)
	}
	return ev, nil
}

// lpacInOrder checks that every command the driver sent (AT_DEBUG_TX)
// follows the final result of the one before when the log holds a final
// result for every command: lpac waits for each. Some versions print what
// they send on stderr and what they read on stdout, which a pipe (2>&1 |
// tee) buffers, so the reads land after later writes; read so, the log
// would show commands without answers and answers without commands. (A
// modem that stopped answering leaves commands without a final result
// too, but fewer results than commands: that log shows the failure.)
func lpacInOrder(file string, recs []record) error {
	open := -1   // the record of the command awaiting its final result
	first := -1  // the first command sent while another awaited one
	openAt := -1 // and that other
	var cmds, finals int
	for i, r := range recs {
		switch {
		case r.dir == Tool && r.event == nil:
			open = -1 // a shell prompt: the next run (the last was killed?)
		case r.isAPD || r.dir == Tool:
		case r.dir == Host:
			cmds++
			if open >= 0 && first < 0 {
				first, openAt = i, open
			}
			open = i
		case at.Classify(r.text).Kind.IsFinal():
			finals++
			open = -1
		}
	}
	if first < 0 || finals < cmds {
		return nil
	}
	return errAt(file, recs[first].line, "%s sent before %s (line %d) had its final result, though the log holds a final result for every command and lpac waits for each: were its stdout and stderr captured out of order (2>&1 through a pipe)? capture with stdbuf -o0, or each stream to its own file",
		clip(recs[first].text), clip(recs[openAt].text), recs[openAt].line)
}
