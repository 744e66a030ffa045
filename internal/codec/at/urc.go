package at

import (
	"slices"
	"strings"
)

// PowerURCs are the unsolicited lines, with no "+NAME:" to tell them by,
// that say a modem powered on or down, its UICC with it: Quectel's and
// SIMCom's RDY, SIMCom's *ATREADY: 1, Cinterion/Thales's ^SYSSTART (and
// its airplane-mode form) and ^SHUTDOWN, SIMCom's NORMAL POWER DOWN and
// its under- and over-voltage ones, Quectel's POWERED DOWN (its UC20 and
// UG96 say NORMAL POWER DOWN first) and its M50/M66's under- and
// over-voltage ones, spelt with an underscore.
var PowerURCs = [...]string{
	"RDY", "*ATREADY: 1", "^SYSSTART", "^SYSSTART AIRPLANE MODE", // the first powerOns: up
	"^SHUTDOWN", "NORMAL POWER DOWN", "UNDER-VOLTAGE POWER DOWN", "OVER-VOLTAGE POWER DOWN", "POWERED DOWN",
	"UNDER_VOLTAGE POWER DOWN", "OVER_VOLTAGE POWER DOWN",
}

// powerOns is how many of PowerURCs, first, say the modem came up.
const powerOns = 4

// BootURCs are what modems send unasked as they boot, power down, or when
// their SIM is ready, with no "+NAME:" to tell them by, even between a
// command's echo and its final result (27.007 §4.1): the PowerURCs and
// the readiness notices that follow a boot by seconds (SIMCom's SMS DONE
// and PB DONE, SIM800's Call Ready and SMS Ready). The one list: the AT
// client and the field-log readers take them from here.
var BootURCs = append(PowerURCs[:len(PowerURCs):len(PowerURCs)], "SMS DONE", "PB DONE", "Call Ready", "SMS Ready")

// Ring is V.250's unsolicited result code for an incoming call (§5.7.1):
// no command answers it.
const Ring = "RING"

// VendorRestarts are the vendors' own commands that restart the modem,
// as sent after "AT" alone on the line, each answered OK before the
// module goes down as +CFUN=1,1 is: Sierra Wireless's !RESET, Telit's
// #REBOOT, SIMCom's +CRESET, Huawei's ^RESET, the <fun> values u-blox
// (16, a reset with the SIM's; 15 without it, which a SARA-R5 lacks) and
// Intel-based modules such as Fibocom's L8x0 (15) give +CFUN for a reset
// (27.007 §8.2 leaves <fun> 5-127 to manufacturers), and Quectel's
// NB-IoT modules' +QRST=1. Which a modem takes is its personality's
// (vendor_restarts); the codec knows them all, to read any log.
var VendorRestarts = [...]string{"!RESET", "#REBOOT", "+CRESET", "^RESET", "+CFUN=15", "+CFUN=16", "+QRST=1"}

// VendorPowerDowns are the vendors' commands that switch the modem off,
// any form but read and test: Quectel's +QPOWD, u-blox's +CPWROFF,
// SIMCom's +CPOWD. Not restarts: it comes back only when its power key
// or supply does, so a log reader counts no restart at them.
var VendorPowerDowns = [...]string{"+QPOWD", "+CPWROFF", "+CPOWD"}

// VendorRestart is the entry of VendorRestarts a command is ("" for
// none): its name, form and parameters as listed (AT+CFUN=16, not
// AT+CFUN=16,1 nor AT+CFUN?).
func VendorRestart(c Command) string {
	if c.Form != Exec && c.Form != Set || c.Name == "" {
		return ""
	}
	// Names first: the whole command is spelled out only for a restart's
	// name (a +CGLA's hex is not, on every APDU).
	s := ""
	for _, v := range VendorRestarts {
		// The first character before the cut: a line of thousands of
		// basic commands (ATE0V1…) asks this of each.
		if v[0] != c.Name[0] {
			continue
		}
		if name, _, _ := strings.Cut(v, "="); name != c.Name {
			continue
		}
		if s == "" {
			s = c.String()
		}
		if s == v {
			return v
		}
	}
	return ""
}

// VendorRestartLine is the entry of VendorRestarts a command line is,
// that command alone on it ("AT!RESET", "at+cfun=16"), or "".
func VendorRestartLine(line string) string {
	cmds, _ := Parse(line) // none if it refused the line
	return vendorRestartLine(cmds)
}

// vendorRestartLine is VendorRestartLine for a line's commands as Parse
// read them: the one rule, which Restarts asks too.
func vendorRestartLine(cmds []Command) string {
	if len(cmds) != 1 {
		return ""
	}
	return VendorRestart(cmds[0])
}

// GoesDown reports a command after which the modem may restart or
// switch itself off, its port perhaps dropping and its settings back to
// their defaults: +CFUN set (<rst> 1, a vendor's reset <fun>), any form
// but read and test of a vendor restart's command (+QRST=1,0 too, an
// older Quectel's), or a vendor power-down (VendorPowerDowns).
func GoesDown(c Command) bool {
	if c.Form == Read || c.Form == Test {
		return false
	}
	if c.Name == "+CFUN" || slices.Contains(VendorPowerDowns[:], c.Name) {
		return true
	}
	return slices.ContainsFunc(VendorRestarts[:], func(v string) bool {
		name, _, _ := strings.Cut(v, "=")
		return c.Name == name
	})
}

// ResetsCard reports a command line (its commands, as Parse gives them)
// after which no logical channel of the card is open and nothing it was
// sent is on its way: +CFUN with <rst> 1 (TS 27.007 §8.2: the MT resets,
// its UICC with it), a vendor's restart (VendorRestarts: the MT resets,
// its channels with it) or <fun> 0 (minimum functionality, in which
// modems power the UICC down). A reader of a trace ends what it followed
// on the card's channels there, as it does at a boot URC. Whatever the
// modem: u-blox's +CFUN=15 resets the MT and keeps its SIM (u-blox AT
// commands manual UBX-13002752 §5.3), which only a reader that knows the
// modem can tell (the personality's card_kept_restarts).
func ResetsCard(cmds []Command) bool {
	for _, c := range cmds {
		if VendorRestart(c) != "" {
			return true
		}
		if c.Name != "+CFUN" || c.Form != Set || len(c.Args) == 0 {
			continue
		}
		if c.Args[0].Raw == "0" || len(c.Args) > 1 && c.Args[1].Raw == "1" {
			return true
		}
	}
	return false
}

// Restarts reports a command line that restarts the modem once answered
// OK: +CFUN=<fun>,1 alone on it (AT+CFUN=1,1, AT+CFUN=4,1; TS 27.007
// §8.2: <rst> 1 resets the MT before it sets <fun>), in any case, blanks
// around its numbers, or a vendor's restart alone on it (AT!RESET,
// AT+CFUN=16, …: VendorRestarts), whatever the modem. The modem comes back
// as from a power-on: its UICC reset, the profile AT&W stored loaded
// (V.250 §6.1.1), which a Sierra or a Telit shows with no boot URC. The
// one test: the readers of logs and the lab's recorder take it from here.
func Restarts(line string) bool {
	cmds, _ := Parse(line)
	return restarts(line, cmds)
}

// restarts is Restarts for a line and its commands as Parse read them
// (none if it refused the line).
func restarts(line string, cmds []Command) bool {
	const head, blanks = "AT+CFUN=", " \t\r\n\f"
	if vendorRestartLine(cmds) != "" {
		return true
	}
	if len(line) < len(head) || !strings.EqualFold(line[:len(head)], head) {
		return false
	}
	fun, rst, ok := strings.Cut(line[len(head):], ",")
	fun = strings.Trim(fun, blanks)
	return ok && fun != "" && strings.Trim(fun, "0123456789") == "" && strings.Trim(rst, blanks) == "1"
}

// IsPowerURC reports one of PowerURCs: not a readiness notice, which may
// come in the middle of any exchange.
func IsPowerURC(line string) bool { return slices.Contains(PowerURCs[:], line) }

// IsPowerOnURC reports one of PowerURCs that says the modem came up (RDY,
// *ATREADY: 1, ^SYSSTART): a boot to count, where a power-down one is
// the end of the power that boot follows.
func IsPowerOnURC(line string) bool { return slices.Contains(PowerURCs[:powerOns], line) }

// PowerDownURCs are the PowerURCs that say the modem is going down.
func PowerDownURCs() []string { return slices.Clone(PowerURCs[powerOns:]) }

// IsPowerDownURC reports one of PowerURCs that says the modem is going
// down (POWERED DOWN, NORMAL POWER DOWN, ^SHUTDOWN): between a restart's
// OK and its boot URC it is the shutdown's, not the boot's.
func IsPowerDownURC(line string) bool { return slices.Contains(PowerURCs[powerOns:], line) }

// answerOnly are the information responses TS 27.007 gives only to their
// own command, never unsolicited: the card access commands' — +CSIM
// (§8.17), +CRSM (§8.18), +CGLA (§8.43), +CCHO (§8.45) — which carry the
// card's answer to the host that asked.
var answerOnly = [...]string{"+CSIM", "+CRSM", "+CGLA", "+CCHO"}

// AnswerOnly is the command name of a line that only that command's
// answer can be ("+CCHO: 1": "+CCHO", the name in any case), "" for any
// other line: such a line is never a URC.
func AnswerOnly(line string) string {
	name, ok := InfoName(line)
	if !ok {
		return ""
	}
	for _, n := range answerOnly {
		if strings.EqualFold(name, n) {
			return n
		}
	}
	return ""
}
