package fieldlog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Zephyr RTOS's modem subsystem debug log: the modem_chat module (the
// cellular driver's scripts) logging at debug level
// (CONFIG_MODEM_MODULES_LOG_LEVEL_DBG=y), through Zephyr's log backend
// on a UART or RTT console:
//
//	[00:00:12.532,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CREG?
//	[00:00:12.661,000] <dbg> modem_chat: modem_chat_log_received_command: +CREG:  1 0
//	[00:00:12.661,000] <dbg> modem_chat: modem_chat_log_received_command: OK
//	[00:46:50.287,688] <wrn> modem_chat: quectel_bg770_dial_chat_script: timed out
//
// The stamp is time since boot ("[hh:mm:ss.mmm,uuu]"); the level; the
// module, then (at debug level, CONFIG_LOG_FUNC_NAME_PREFIX_DBG) the
// function, as "modem_chat: func: " or "modem_chat.func: ". A shell's
// prompt may come before the stamp ("uart:~$ ", an RTT viewer's
// "00> rtt:~$ "), the line's own text after it.
//
// "sending: X" is the script's command X, as it wrote it (the delimiter
// left out). modem_chat does not log a line it read as it came: it logs
// the arguments it parsed out of it, joined by single blanks, the first
// being the match's text ("+CREG: "), the rest what lay between the
// match's separators (quotes kept). The reader rebuilds the line from
// that: the match's text up to its ": ", then the arguments joined with
// commas — "+CREG:  1 0" was "+CREG: 1,0". A quoted argument's blanks
// are its own, and so is a blank between two words of letters ("+CPIN:
// SIM PIN"): the log does not say which blanks were separators, and
// such words are one argument's text far more often than two. A line no match took is logged whole: as a catch-all
// match's second argument (after an empty first, so after a blank), or
// by modem_chat_on_unknown_command_received; either is read as it is,
// as is an answer of one word (OK, ERROR) or one a match took whole.
// A match with no separators takes the rest of the line as one
// argument: "+CME ERROR" taking "+CME ERROR: 10" logs
// "+CME ERROR : 10", read back as "+CME ERROR: 10".
//
// "SCRIPT: timed out" (a warning) is the script giving up: on the
// command it sent last, when that is unanswered. "running script:",
// "step:", "complete", "aborted" and the other modules' lines are notes,
// as is Zephyr's boot banner ("*** Booting Zephyr OS build …", the
// MCU's boot, not the modem's): after it the clock starts again, and the
// times run on from the last before it.
var (
	// zephyrLine is one of Zephyr's log lines: prompts, stamp, level,
	// module, and the rest.
	// The stamp is the time since boot, or (without
	// CONFIG_LOG_BACKEND_FORMAT_TIMESTAMP) the raw ticks, "[00012345]",
	// read as no time; a multi-domain build puts the domain before the
	// module ("cpuapp/").
	zephyrLine = regexp.MustCompile(`^((?:\d\d> ?|[\w.-]{1,32}:~\$ ?)*)\[(?:(\d{2,5}):(\d\d):(\d\d)\.(\d{3})(?:,(\d{3}))?|(\d{8,10}))\] <(dbg|inf|wrn|err)> (?:\w{1,32}/)?(\w{1,64})(?:: |\.)(.*)$`)
	// zephyrFunc is the function a debug message names first.
	zephyrFunc = regexp.MustCompile(`^(modem_chat_\w{1,64}): ?`)
	// zephyrPrompt is a shell's prompt on a line of its own text.
	zephyrPrompt = regexp.MustCompile(`^(?:\d\d> ?|[\w.-]{1,32}:~\$ ?)+`)
	// zephyrScript is a script's message: its name, then what it did.
	zephyrScript = regexp.MustCompile(`^\w{1,128}: (timed out|aborted|complete|step: \d+)$`)
	// zephyrApp is an application's own print of its AT traffic through
	// its logger: "AT> " the line it sent, "AT< " the line it read,
	// after the message's own tag ("NTN: "), with the app's label of
	// the exchange ("[SYSMODE NTN]", bracketed, no quotes) and the
	// time it took ("dt=7ms", the stamps say it too) after it.
	zephyrApp = regexp.MustCompile(`^(?:[\w .-]{1,32}: )?AT([<>]) (.+?)(?: \[[^\]"]{1,64}\])?(?: dt=\d{1,9}(?:ms|us|s))?$`)
)

// zephyrMsg is one of Zephyr's log lines, read.
type zephyrMsg struct {
	at     time.Duration // since boot
	timed  bool          // false: raw ticks, no time
	level  string        // dbg, inf, wrn, err
	module string
	fn     string // the function named, "" for none
	text   string // the message after module and function
	rest   string // the line without prompts and stamp
}

// parseZephyr reads one of Zephyr's log lines; ok is false for another.
func parseZephyr(l string) (zephyrMsg, bool) {
	if !strings.Contains(l, "] <") { // what zephyrLine needs, found cheaply
		return zephyrMsg{}, false
	}
	m := zephyrLine.FindStringSubmatch(strings.TrimRight(l, "\r"))
	if m == nil {
		return zephyrMsg{}, false
	}
	z := zephyrMsg{level: m[8], module: m[9], text: m[10]}
	if m[7] == "" {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		s, _ := strconv.Atoi(m[4])
		ms, _ := strconv.Atoi(m[5])
		us := 0
		if m[6] != "" {
			us, _ = strconv.Atoi(m[6])
		}
		if mi > 59 || s > 59 {
			return zephyrMsg{}, false
		}
		z.at = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second + time.Duration(ms)*time.Millisecond + time.Duration(us)*time.Microsecond
		z.timed = true
	}
	z.rest = l[len(m[1]):]
	if i := strings.Index(z.rest, "] "); i >= 0 {
		z.rest = strings.TrimRight(z.rest[i+2:], "\r")
	}
	if f := zephyrFunc.FindStringSubmatch(z.text); f != nil {
		z.fn, z.text = f[1], z.text[len(f[0]):]
	}
	return z, true
}

// zephyrTraffic says what a modem_chat line is: a command the host sent
// (Host), a line it read (Modem), or neither (Tool); text is the line.
func zephyrTraffic(z zephyrMsg) (Dir, string) {
	if z.module != "modem_chat" || z.level != "dbg" {
		return Tool, ""
	}
	// What it sent: its script's sender's "sending: ", or any such
	// message without function names (CONFIG_LOG_FUNC_NAME_PREFIX_DBG=n),
	// where modem_chat's messages are told by their form.
	if cmd, sent := strings.CutPrefix(z.text, "sending: "); sent && (z.fn == "" || z.fn == "modem_chat_script_next") {
		return Host, cmd
	}
	switch z.fn {
	case "modem_chat_log_received_command":
		return Modem, zephyrWire(z.text)
	case "modem_chat_on_unknown_command_received":
		return Modem, z.text
	case "":
		// Its own notes, and the rest lines it read.
		if strings.HasPrefix(z.text, "running script: ") || zephyrScript.MatchString(z.text) {
			return Tool, ""
		}
		return Modem, zephyrWire(z.text)
	}
	return Tool, ""
}

// zephyrAppTraffic reads an application's own AT print (zephyrApp), as
// an nRF91 application logs what it sends nrf_modem_at, there being no
// modem_chat between them: Host for a line it sent, Modem for one it
// read, Tool for any other line.
func zephyrAppTraffic(z zephyrMsg) (Dir, string) {
	if !strings.Contains(z.text, "AT") {
		return Tool, ""
	}
	m := zephyrApp.FindStringSubmatch(z.text)
	if m == nil || strings.TrimSpace(m[2]) == "" {
		return Tool, ""
	}
	if m[1] == ">" {
		return Host, m[2]
	}
	return Modem, m[2]
}

// zephyrWire rebuilds the line modem_chat_log_received_command logged
// as its arguments joined by blanks.
func zephyrWire(s string) string {
	if rest, ok := strings.CutPrefix(s, " "); ok {
		return rest // a catch-all match: the line whole, after an empty match
	}
	for _, p := range []string{"+CME ERROR : ", "+CMS ERROR : "} {
		if strings.HasPrefix(s, p) {
			return p[:len(p)-3] + s[len(p)-2:] // "+CME ERROR" took ": 10"
		}
	}
	i := strings.Index(s, ":  ")
	if i < 0 {
		return s // a word, or a line a match took whole
	}
	prefix, args := s[:i+2], s[i+3:]
	var out []string
	quoted, word := false, false
	for _, a := range strings.Split(args, " ") {
		switch {
		case quoted:
			out[len(out)-1] += " " + a // a quoted argument's own blank
		case word && zephyrWord(a):
			out[len(out)-1] += " " + a // "SIM PIN": words of one argument
		default:
			out = append(out, a)
		}
		word = !quoted && zephyrWord(a)
		if strings.Count(a, `"`)%2 == 1 {
			quoted = !quoted
		}
	}
	return prefix + strings.Join(out, ",")
}

// zephyrWord reports an unquoted argument of letters alone ("SIM",
// "PH-SIM", "not"): the log cannot tell a blank that separated two
// arguments from one inside an argument, and two such words side by side
// are one answer's text far more often ("+CPIN: SIM PIN", a verbose
// "+CME ERROR: SIM not inserted") than two arguments.
func zephyrWord(a string) bool {
	if a == "" {
		return false
	}
	for _, c := range a {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// looksLikeZephyr reports one of modem_chat's AT records in a Zephyr
// log, a command it sent or a line it read, or a command an
// application's own AT print says it sent.
func looksLikeZephyr(l string) bool {
	chat, app := strings.Contains(l, "modem_chat"), strings.Contains(l, "AT> ")
	if !chat && !app {
		return false
	}
	z, ok := parseZephyr(l)
	if !ok {
		return false
	}
	if d, _ := zephyrTraffic(z); d == Host || d == Modem && z.fn != "" {
		return true
	}
	d, _ := zephyrAppTraffic(z)
	return d == Host
}

// zephyrChats reports modem_chat's AT records among lines: where they
// are, an application's AT prints (zephyrApp) are its view of the same
// conversation, notes.
func zephyrChats(lines []string) bool {
	for _, l := range lines {
		if !strings.Contains(l, "modem_chat") {
			continue
		}
		if z, ok := parseZephyr(l); ok {
			if d, _ := zephyrTraffic(z); d != Tool {
				return true
			}
		}
	}
	return false
}

// zephyrBanner is Zephyr's boot banner.
const zephyrBanner = "*** Booting Zephyr OS"

// zephyrNothing is the error for a Zephyr log without modem_chat's AT
// records (where: "", or which lines were looked at).
func zephyrNothing(where string) string {
	return "Zephyr RTOS log lines, but none of modem_chat's AT records (\"<dbg> modem_chat: modem_chat_script_next: sending: AT+CREG?\", \"<dbg> modem_chat: modem_chat_log_received_command: OK\")" + where +
		" nor an application's own AT prints (\"<inf> app: AT> AT+CFUN=1\", \"<inf> app: AT< OK\"): nothing to replay; log them with CONFIG_MODEM_MODULES_LOG_LEVEL_DBG=y (modem_chat logs at the modem modules' level) and CONFIG_MODEM_CHAT_LOG_BUFFER_SIZE large enough for the longest answer"
}

// readZephyr reads modem_chat's AT conversation out of a Zephyr log.
func readZephyr(file string, lines []string, cut bool) (*Transcript, error) {
	var (
		recs    []record
		last    time.Time
		base    time.Duration // the times before the last boot banner
		booted  bool          // a banner since the last stamp
		traffic int
		stamped bool
		chats   = zephyrChats(lines)
	)
	for i, l := range lines {
		n := i + 1
		if strings.TrimSpace(l) == "" {
			continue
		}
		z, ok := parseZephyr(l)
		cutStamp := false
		if !ok && len(recs) == 0 {
			// The paste's first line, cut inside its stamp ("0:46:34.067,841]
			// <dbg> modem_chat.…: +CEREG:  4", Zephyr issue 98478): the
			// message after it is whole, its time lost.
			if j := strings.Index(l, "] <"); j > 0 && !strings.Contains(l[:j], "[") {
				if cz, cok := parseZephyr("[00:00:00.000,000" + l[j:]); cok {
					z, ok, cutStamp = cz, true, true
				}
			}
		}
		if !ok {
			text := strings.TrimRight(l, "\r")
			if p := zephyrPrompt.FindString(text); p != "" && p != text {
				text = text[len(p):]
			}
			if strings.Contains(text, zephyrBanner) && stamped {
				base, booted = last.Sub(RelativeEpoch), true
			}
			recs = append(recs, record{line: n, dir: Tool, t: last, text: text})
			continue
		}
		t := last // raw ticks: the time before, if any
		if z.timed && !cutStamp {
			t = RelativeEpoch.Add(base + z.at)
			if booted {
				booted = false
			} else if stamped && t.Before(last) {
				return nil, errAt(file, n, "time since boot %s, before the line before's %s, with no boot banner (%q) between", z.at, last.Sub(RelativeEpoch)-base, zephyrBanner)
			}
			last, stamped = t, true
		}
		d, text := zephyrTraffic(z)
		if d == Tool && !chats {
			d, text = zephyrAppTraffic(z)
		}
		switch d {
		case Host, Modem:
			if strings.TrimSpace(text) == "" {
				recs = append(recs, record{line: n, dir: Tool, t: t, text: z.rest})
				continue
			}
			recs = append(recs, record{line: n, dir: d, t: t, text: text})
			if traffic++; traffic > MaxEntries {
				return nil, errAt(file, n, "more than %d modem_chat records", MaxEntries)
			}
		default:
			r := record{line: n, dir: Tool, t: t, text: z.rest}
			if z.module == "modem_chat" && z.level == "wrn" && strings.HasSuffix(z.text, ": timed out") {
				r.timeout = true
			}
			recs = append(recs, r)
		}
	}
	if traffic == 0 {
		return nil, errAt(file, firstLine(lines), "%s", zephyrNothing(""))
	}
	clock := NoTime
	if stamped {
		clock = Relative
	}
	return finish(file, clock, recs, cut)
}
