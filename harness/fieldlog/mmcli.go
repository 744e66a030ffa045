package fieldlog

import (
	"fmt"
	"regexp"
	"strings"
)

// A terminal session of mmcli sending AT commands through ModemManager
// (mmcli -m N --command=AT…, which ModemManager runs only under --debug):
// each invocation as typed at a shell prompt, then what mmcli printed —
// the modem's answer without its final result, or the D-Bus error
// ModemManager gave for it (mmcli 1.20 against the emulated modem):
//
//	$ mmcli -m 0 --command='AT+CSIM=10,"80F2000C00"'
//	response: '+CSIM: 4,"9000"'
//	$ mmcli -m 0 --command='AT+CPIN="1234"'
//	error: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.NotAllowed: Operation not allowed'
//
// A response of several lines runs over the session's lines up to its
// closing quote, the modem's blank lines between them left out (ATI's
// text, AT+CGMI;+CGMM). ModemManager held the modem in +CMEE=1 with echo off
// and takes no URC into a response: the session shows no echo, no URC
// and no time.

// mmcliPrompt is a line that runs mmcli: a shell prompt ("$ ",
// "root@OpenWrt:~# ") or none, sudo and its options, mmcli by any path;
// the arguments follow.
var mmcliPrompt = regexp.MustCompile(`^(?:.*?[$#>%]\s*)?(?:sudo(?:\s+-\S+)*\s+)?(?:\S*/)?mmcli(\s.*)?$`)

// mmcliResponse starts what mmcli prints for a command the modem answered.
const mmcliResponse = "response: '"

// mmcliDBusError is mmcli's error line holding a D-Bus error: "error:
// command failed: 'GDBus.Error:<name>: <message>'" (older releases word
// the part before the quote otherwise).
var mmcliDBusError = regexp.MustCompile(`^error: [^']*'GDBus\.Error:([\w.]+): (.*)'$`)

// mmcliTimedOut is a GLib timeout of mmcli's own (its --timeout passed
// before ModemManager's reply), not named as a D-Bus error.
const mmcliTimedOut = "Timeout was reached"

// mmcliInvocation is a line's mmcli invocation: whether it is one, and
// the AT command it sends ("" for one without --command), the modem it
// names (-m, --modem) and why the command line cannot be known (a shell
// expansion in it).
type mmcliInvocation struct {
	ok             bool
	command, modem string
	bad            string
}

// mmcliExpanded is why an invocation whose --command holds a shell
// expansion cannot be read.
const mmcliExpanded = "a shell expansion ($…, `…`) in --command: the command line the shell made of it is not in the log"

// parseMMCLI reads line l as an mmcli invocation.
func parseMMCLI(l string) mmcliInvocation {
	m := mmcliPrompt.FindStringSubmatch(strings.TrimRight(l, "\r"))
	if m == nil {
		return mmcliInvocation{}
	}
	inv := mmcliInvocation{ok: true}
	words, expanded, err := shellWords(m[1])
	if err != "" {
		inv.bad = err
		return inv
	}
	for i := 0; i < len(words); i++ {
		w, next := words[i], ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		switch {
		case strings.HasPrefix(w, "--command="):
			inv.command = strings.TrimPrefix(w, "--command=")
			if expanded[i] {
				inv.bad = mmcliExpanded
			}
		case w == "--command" && next != "":
			inv.command, i = next, i+1
			if expanded[i] {
				inv.bad = mmcliExpanded
			}
		case strings.HasPrefix(w, "--modem="):
			inv.modem = strings.TrimPrefix(w, "--modem=")
		case (w == "-m" || w == "--modem") && next != "":
			inv.modem, i = next, i+1
		case strings.HasPrefix(w, "-m") && len(w) > 2 && !strings.HasPrefix(w, "--"):
			inv.modem = w[2:]
		}
	}
	return inv
}

// shellWords splits a command line's arguments as a POSIX shell does:
// blanks part words, single quotes keep all, double quotes all but \ " $
// `, a backslash outside quotes the next character. expanded marks a
// word holding an unquoted or double-quoted $ or ` (an expansion whose
// result the line does not show); err is set for an unclosed quote.
func shellWords(s string) (words []string, expanded []bool, err string) {
	var w strings.Builder
	in, exp := false, false
	end := func() {
		if in {
			words, expanded = append(words, w.String()), append(expanded, exp)
		}
		w.Reset()
		in, exp = false, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			end()
		case c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			in = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, nil, "a single quote not closed"
			}
			w.WriteString(s[i+1 : i+1+j])
			i, in = i+1+j, true
		case c == '"':
			in = true
			for i++; ; i++ {
				if i >= len(s) {
					return nil, nil, "a double quote not closed"
				}
				d := s[i]
				if d == '"' {
					break
				}
				if d == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`", s[i+1]) >= 0 {
					i++
					d = s[i]
				} else if d == '$' || d == '`' {
					exp = true
				}
				w.WriteByte(d)
			}
		default:
			if c == '$' || c == '`' {
				exp = true
			}
			w.WriteByte(c)
			in = true
		}
	}
	end()
	return words, expanded, ""
}

// looksLikeMMCLI reports a session of mmcli --command: an invocation
// with --command whose next line (past mmcli -v's debug lines) is what
// mmcli prints for it.
func looksLikeMMCLI(lines []string) bool {
	for i, l := range lines {
		if i >= sniffLines {
			break
		}
		if !strings.Contains(l, "mmcli") || !strings.Contains(l, "--command") {
			continue
		}
		if inv := parseMMCLI(l); !inv.ok || inv.command == "" && inv.bad == "" {
			continue
		}
		for _, o := range lines[i+1:] {
			o = strings.TrimRight(o, "\r")
			if strings.TrimSpace(o) == "" || mmcliVerbose.MatchString(o) {
				continue
			}
			if strings.HasPrefix(o, mmcliResponse) || strings.HasPrefix(o, "error: ") {
				return true
			}
			break
		}
	}
	return false
}

// mmcliVerbose is a line of mmcli -v's own debug output:
// "[07 Dec 2026, 03:58:06] [Debug] Modem found at '…'".
var mmcliVerbose = regexp.MustCompile(`^\[[^\]]+\] \[(?:Debug|Warning|Info|Error)\] `)

// readMMCLI reads a session of mmcli --command invocations.
func readMMCLI(file string, lines []string, cut bool) (*Transcript, error) {
	var recs []record
	modem, modemLine := "", 0
	note := func(n int, text string) { recs = append(recs, record{line: n, dir: Tool, text: text}) }
	sent, refused := 0, 0 // commands sent; the first refusal's line
	for i := 0; i < len(lines); i++ {
		n, l := i+1, strings.TrimRight(lines[i], "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		inv := parseMMCLI(l)
		if !inv.ok || inv.command == "" && inv.bad == "" {
			note(n, l) // another program's line, or mmcli's other output
			continue
		}
		// What mmcli printed for it: past -v's lines, a response or an
		// error.
		j := i + 1
		for j < len(lines) && (strings.TrimSpace(lines[j]) == "" || mmcliVerbose.MatchString(lines[j])) {
			j++
		}
		// The invocation (the command, or a note when it never reached
		// the modem), then -v's lines.
		head := func(r record) {
			recs = append(recs, r)
			for k := i + 1; k < j; k++ {
				if t := strings.TrimRight(lines[k], "\r"); strings.TrimSpace(t) != "" {
					note(k+1, t)
				}
			}
		}
		if j == len(lines) {
			// The log ends on the invocation: cut before its answer.
			if inv.bad != "" {
				return nil, errAt(file, n, "%s", inv.bad)
			}
			head(record{line: n, dir: Host, text: inv.command})
			sent++
			break
		}
		out := strings.TrimRight(lines[j], "\r")
		cmd := record{line: n, dir: Host, text: inv.command}
		final, gaveUp, known := "", false, false
		if strings.HasPrefix(out, "error: ") {
			final, gaveUp, known = mmcliError(out)
		}
		if inv.bad != "" && (!known || final != "" || gaveUp) {
			// Sent, but as what the line does not say. (A command refused
			// before the modem needs no text: Mobian's $(echo …) one.)
			return nil, errAt(file, n, "%s", inv.bad)
		}
		switch {
		case strings.HasPrefix(out, mmcliResponse):
			resp, end, err := mmcliResponseLines(file, lines, j)
			if err != nil {
				return nil, err
			}
			head(cmd)
			for _, r := range resp {
				recs = append(recs, record{line: r.line, dir: Modem, text: r.text})
			}
			// The modem's OK, which mmcli does not print: a response is
			// what ModemManager passes on of a command answered OK.
			recs = append(recs, record{line: end, dir: Modem, text: "OK"})
			i = end - 1
		case strings.HasPrefix(out, "error: "):
			switch {
			case final != "":
				head(cmd)
				recs = append(recs, record{line: j + 1, dir: Modem, text: final})
			case gaveUp:
				head(cmd)
				recs = append(recs, record{line: j + 1, dir: Tool, text: out, timeout: true, gaveUpOn: inv.command})
			case known:
				// ModemManager's or mmcli's own refusal (no such modem,
				// not in debug mode, a timeout too short): the command
				// never reached the modem.
				head(record{line: n, dir: Tool, text: l})
				note(j+1, out)
				if refused == 0 {
					refused = j + 1
				}
				i = j
				continue
			default:
				return nil, errAt(file, j+1, "an mmcli error line of no known form (want \"error: command failed: 'GDBus.Error:<name>: <message>'\" or one of mmcli's own): %q", clip(out))
			}
			i = j
		default:
			return nil, errAt(file, j+1, "after an mmcli --command line, want \"response: '…'\" or \"error: …\", got %q", clip(out))
		}
		if inv.modem != "" && inv.modem != "any" {
			if modem == "" {
				modem, modemLine = inv.modem, n
			} else if inv.modem != modem {
				return nil, errAt(file, n, "a command to modem %s after ones to modem %s (line %d): a log is one modem's; put each modem's commands in a file of its own", inv.modem, modem, modemLine)
			}
		}
		if sent++; sent > MaxEntries {
			return nil, errAt(file, n, "more than %d commands", MaxEntries)
		}
	}
	if sent == 0 && refused > 0 {
		return nil, errAt(file, refused, "mmcli's --command lines, but each was refused before it reached the modem, as this one: %s: nothing to replay", clip(strings.TrimSpace(lines[refused-1])))
	}
	if sent == 0 {
		return nil, errAt(file, firstLine(lines), "mmcli lines, but no --command the modem answered (\"mmcli -m 0 --command=AT+CSQ\" and its \"response: '…'\"): nothing to replay")
	}
	return finish(file, NoTime, recs, cut)
}

// mmcliLine is a line of a response: its text and the log's line.
type mmcliLine struct {
	line int
	text string
}

// mmcliResponseLines reads the response starting at lines[j] up to its
// closing quote: its non-blank lines, and the log's line the quote is
// on.
func mmcliResponseLines(file string, lines []string, j int) ([]mmcliLine, int, error) {
	var out []mmcliLine
	text := strings.TrimPrefix(strings.TrimRight(lines[j], "\r"), mmcliResponse)
	for k := j; ; {
		closed := strings.HasSuffix(text, "'")
		if closed {
			text = strings.TrimSuffix(text, "'")
		}
		if strings.TrimSpace(text) != "" {
			out = append(out, mmcliLine{k + 1, strings.TrimRight(text, " \t")})
		}
		if closed {
			return out, k + 1, nil
		}
		if k++; k == len(lines) {
			return nil, 0, errAt(file, j+1, "a response whose closing quote (') never comes: the log is cut inside it")
		}
		text = strings.TrimRight(lines[k], "\r")
	}
}

// mmcliError reads an mmcli error line: the final result code the modem
// gave, when ModemManager's error is the modem's (a MobileEquipment error
// is its +CME ERROR, a Message error its +CMS ERROR, a Connection error
// its NO CARRIER…); gaveUp for a timeout (the modem did not answer in
// time); known for an error of ModemManager's or mmcli's own.
func mmcliError(l string) (final string, gaveUp, known bool) {
	m := mmcliDBusError.FindStringSubmatch(l)
	if m == nil {
		// mmcli's own: "error: couldn't find modem", "error: timeout is
		// too short (0)", a GLib timeout.
		if strings.Contains(l, mmcliTimedOut) {
			return "", true, true
		}
		return "", false, !strings.Contains(l, "GDBus.Error:")
	}
	name, msg := m[1], m[2]
	const mm = "org.freedesktop.ModemManager1.Error."
	kind, nick, _ := strings.Cut(strings.TrimPrefix(name, mm), ".")
	switch {
	case name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Timeout" || name == "org.freedesktop.DBus.Error.TimedOut":
		return "", true, true
	case !strings.HasPrefix(name, mm):
		return "", false, true // the bus's: ModemManager not running, …
	case kind == "MobileEquipment":
		if code, ok := meErrors[nick]; ok {
			if code == meUnknown {
				// ModemManager gives Unknown for a bare ERROR as for
				// +CME ERROR: 100: the bare one is what modems say.
				return "ERROR", false, true
			}
			return fmt.Sprintf("+CME ERROR: %d", code), false, true
		}
		return "+CME ERROR: " + msg, false, true // its words, +CMEE=2's form
	case kind == "Message":
		if code, ok := msErrors[nick]; ok {
			return fmt.Sprintf("+CMS ERROR: %d", code), false, true
		}
		return "+CMS ERROR: " + msg, false, true
	case kind == "Connection" && connResults[nick] != "":
		return connResults[nick], false, true
	case kind == "Serial" && nick == "ResponseTimeout":
		return "", true, true
	}
	// Core (not in debug mode, no AT port, wrong state), Serial's other
	// failures: ModemManager's, the command not answered by the modem.
	return "", false, true
}

// meUnknown is TS 27.007 §9.2.1's "unknown".
const meUnknown = 100

// meErrors are ModemManager's MobileEquipment error names (their D-Bus
// nicks, of 1.18 on, and the Gprs… names of earlier releases) and the TS
// 27.007 §9.2 +CME ERROR number each stands for.
var meErrors = map[string]int{
	"PhoneFailure": 0, "NoConnection": 1, "LinkReserved": 2, "NotAllowed": 3, "NotSupported": 4,
	"PhSimPin": 5, "PhFsimPin": 6, "PhFsimPuk": 7, "SimNotInserted": 10, "SimPin": 11, "SimPuk": 12,
	"SimFailure": 13, "SimBusy": 14, "SimWrong": 15, "IncorrectPassword": 16, "SimPin2": 17, "SimPuk2": 18,
	"MemoryFull": 20, "InvalidIndex": 21, "NotFound": 22, "MemoryFailure": 23, "TextTooLong": 24,
	"InvalidChars": 25, "DialStringTooLong": 26, "DialStringInvalid": 27, "NoNetwork": 30,
	"NetworkTimeout": 31, "NetworkNotAllowed": 32, "NetworkPin": 40, "NetworkPuk": 41,
	"NetworkSubsetPin": 42, "NetworkSubsetPuk": 43, "ServicePin": 44, "ServicePuk": 45, "CorpPin": 46,
	"CorpPuk": 47, "HiddenKeyRequired": 48, "EapMethodNotSupported": 49, "IncorrectParameters": 50,
	"CommandDisabled": 51, "CommandAborted": 52, "NotAttachedRestricted": 53, "NotAllowedEmergencyOnly": 54,
	"NotAllowedRestricted": 55, "FixedDialNumberOnly": 56, "TemporarilyOutOfService": 57,
	"LanguageOrAlphabetNotSupported": 58, "UnexpectedDataValue": 59, "SystemFailure": 60, "DataMissing": 61,
	"CallBarred": 62, "MessageWaitingIndicationSubscriptionFailure": 63, "Unknown": meUnknown,
	// §9.2.2: 100 plus the network's reject cause (TS 24.008/24.301).
	"ImsiUnknownInHss": 102, "IllegalUe": 103, "ImsiUnknownInVlr": 104, "ImeiNotAccepted": 105,
	"IllegalMe": 106, "PsServicesNotAllowed": 107, "PsAndNonPsServicesNotAllowed": 108,
	"UeIdentityNotDerivedFromNetwork": 109, "ImplicitlyDetached": 110, "PlmnNotAllowed": 111,
	"AreaNotAllowed": 112, "RoamingNotAllowedInArea": 113, "PsServicesNotAllowedInPlmn": 114,
	"NoCellsInArea": 115, "MscTemporarilyNotReachable": 116, "NetworkFailureAttach": 117,
	"CsDomainUnavailable": 118, "EsmFailure": 119, "Congestion": 122,
	"ServiceOptionNotSupported": 132, "ServiceOptionNotSubscribed": 133, "ServiceOptionOutOfOrder": 134,
	"GprsUnknown": 148, "PdpAuthFailure": 149, "InvalidMobileClass": 150,
	// Before 1.18.
	"GprsIllegalMs": 103, "GprsIllegalMe": 106, "GprsServiceNotAllowed": 107, "GprsPlmnNotAllowed": 111,
	"GprsLocationNotAllowed": 112, "GprsRoamingNotAllowed": 113, "GprsServiceOptionNotSupported": 132,
	"GprsServiceOptionNotSubscribed": 133, "GprsServiceOptionOutOfOrder": 134, "GprsPdpAuthFailure": 149,
	"GprsInvalidMobileClass": 150,
}

// msErrors are ModemManager's Message error names and the TS 27.005
// §3.2.5 +CMS ERROR number of each.
var msErrors = map[string]int{
	"MeFailure": 300, "SmsServiceReserved": 301, "NotAllowed": 302, "NotSupported": 303,
	"InvalidPduParameter": 304, "InvalidTextParameter": 305, "SimNotInserted": 310, "SimPin": 311,
	"PhSimPin": 312, "SimFailure": 313, "SimBusy": 314, "SimWrong": 315, "SimPuk": 316, "SimPin2": 317,
	"SimPuk2": 318, "MemoryFailure": 320, "InvalidIndex": 321, "MemoryFull": 322,
	"SmscAddressUnknown": 330, "NoNetwork": 331, "NetworkTimeout": 332, "NoCnmaAckExpected": 340,
	"Unknown": 500,
}

// connResults are ModemManager's Connection errors that are the modem's
// V.250 §5.7 result codes.
var connResults = map[string]string{
	"NoCarrier": "NO CARRIER", "NoDialtone": "NO DIALTONE", "Busy": "BUSY", "NoAnswer": "NO ANSWER",
}
