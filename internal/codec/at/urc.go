package at

// BootURCs are what modems send unasked as they boot, power down, or when
// their SIM is ready, with no "+NAME:" to tell them by, even between a
// command's echo and its final result (27.007 §4.1): Quectel's and
// SIMCom's RDY, SIMCom's SMS DONE, PB DONE and *ATREADY: 1, SIM800's Call
// Ready and SMS Ready, Cinterion/Thales's ^SYSSTART (and its airplane-mode
// form) and ^SHUTDOWN, SIMCom's NORMAL POWER DOWN and its under- and
// over-voltage ones, Quectel's POWERED DOWN. The one list: the AT client
// and the field-log readers take them from here.
var BootURCs = [...]string{
	"RDY", "SMS DONE", "PB DONE", "*ATREADY: 1", "Call Ready", "SMS Ready",
	"^SYSSTART", "^SYSSTART AIRPLANE MODE", "^SHUTDOWN",
	"NORMAL POWER DOWN", "UNDER-VOLTAGE POWER DOWN", "OVER-VOLTAGE POWER DOWN", "POWERED DOWN",
}

// Ring is V.250's unsolicited result code for an incoming call (§5.7.1):
// no command answers it.
const Ring = "RING"

// ResetsCard reports a command line (its commands, as Parse gives them)
// after which no logical channel of the card is open and nothing it was
// sent is on its way: +CFUN with <rst> 1 (TS 27.007 §8.2: the MT resets,
// its UICC with it) or <fun> 0 (minimum functionality, in which modems
// power the UICC down). A reader of a trace ends what it followed on the
// card's channels there, as it does at a boot URC.
func ResetsCard(cmds []Command) bool {
	for _, c := range cmds {
		if c.Name != "+CFUN" || c.Form != Set || len(c.Args) == 0 {
			continue
		}
		if c.Args[0].Raw == "0" || len(c.Args) > 1 && c.Args[1].Raw == "1" {
			return true
		}
	}
	return false
}

// IsPowerURC reports one of BootURCs that says the modem powered on or
// down — its UICC with it —, not one of the readiness notices that follow
// a boot by seconds and may come in the middle of any exchange (SMS
// DONE, PB DONE, Call Ready, SMS Ready).
func IsPowerURC(line string) bool {
	switch line {
	case "RDY", "*ATREADY: 1", "^SYSSTART", "^SYSSTART AIRPLANE MODE", "^SHUTDOWN",
		"NORMAL POWER DOWN", "UNDER-VOLTAGE POWER DOWN", "OVER-VOLTAGE POWER DOWN", "POWERED DOWN":
		return true
	}
	return false
}
