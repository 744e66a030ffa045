package stk

import "fmt"

// commandNames are the types of command of TS 102 223 §9.4.
var commandNames = map[byte]string{
	0x01: "REFRESH", 0x02: "MORE TIME", 0x03: "POLL INTERVAL", 0x04: "POLLING OFF",
	0x05: "SET UP EVENT LIST", 0x10: "SET UP CALL", 0x11: "SEND SS", 0x12: "SEND USSD",
	0x13: "SEND SHORT MESSAGE", 0x14: "SEND DTMF", 0x15: "LAUNCH BROWSER",
	0x16: "GEOGRAPHICAL LOCATION REQUEST", 0x20: "PLAY TONE", 0x21: "DISPLAY TEXT",
	0x22: "GET INKEY", 0x23: "GET INPUT", 0x24: "SELECT ITEM", 0x25: "SET UP MENU",
	0x26: "PROVIDE LOCAL INFORMATION", 0x27: "TIMER MANAGEMENT", 0x28: "SET UP IDLE MODE TEXT",
	0x30: "PERFORM CARD APDU", 0x31: "POWER ON CARD", 0x32: "POWER OFF CARD",
	0x33: "GET READER STATUS", 0x34: "RUN AT COMMAND", 0x35: "LANGUAGE NOTIFICATION",
	0x40: "OPEN CHANNEL", 0x41: "CLOSE CHANNEL", 0x42: "RECEIVE DATA", 0x43: "SEND DATA",
	0x44: "GET CHANNEL STATUS", 0x45: "SERVICE SEARCH", 0x46: "GET SERVICE INFORMATION",
	0x47: "DECLARE SERVICE", 0x50: "SET FRAMES", 0x51: "GET FRAMES STATUS",
	0x60: "RETRIEVE MULTIMEDIA MESSAGE", 0x61: "SUBMIT MULTIMEDIA MESSAGE",
	0x62: "DISPLAY MULTIMEDIA MESSAGE", 0x70: "ACTIVATE", 0x71: "CONTACTLESS STATE CHANGED",
	0x72: "COMMAND CONTAINER", 0x73: "ENCAPSULATED SESSION CONTROL",
}

// KnownCommand reports whether TS 102 223 §9.4 defines typ — the names
// table is also §6.10's set of known types: a name added there turns 31
// into 30 for that type —: a terminal
// answers one it does not do 30 (beyond its capabilities), one that is no
// command at all 31 (command type not understood, §6.10).
func KnownCommand(typ byte) bool {
	_, ok := commandNames[typ]
	return ok
}

// CommandName names a type of command ("OPEN CHANNEL"), or gives it in
// hex when TS 102 223 defines none.
func CommandName(typ byte) string {
	if n, ok := commandNames[typ]; ok {
		return n
	}
	return fmt.Sprintf("command type %02X", typ)
}

// refreshModes are the REFRESH qualifiers of TS 102 223 §8.6.
var refreshModes = map[byte]string{
	RefreshNAAInitFullFileChange: "NAA initialization and full file change notification",
	RefreshFileChange:            "file change notification",
	RefreshNAAInitFileChange:     "NAA initialization and file change notification",
	RefreshNAAInit:               "NAA initialization",
	RefreshUICCReset:             "UICC reset",
	RefreshNAAAppReset:           "NAA application reset",
	RefreshNAASessionReset:       "NAA session reset",
	0x07:                         "steering of roaming",
	0x08:                         "steering of roaming for I-WLAN",
	RefreshEUICCProfileChange:    "eUICC profile state change",
	0x0A:                         "application update",
}

// RefreshModeName names a REFRESH qualifier ("UICC reset").
func RefreshModeName(q byte) string {
	if n, ok := refreshModes[q]; ok {
		return n
	}
	return fmt.Sprintf("REFRESH mode %02X", q)
}

// eventNames are the events of TS 102 223 §8.25.
var eventNames = map[byte]string{
	EventMTCall: "MT call", 0x01: "call connected", 0x02: "call disconnected",
	EventLocationStatus: "location status", 0x04: "user activity", 0x05: "idle screen available",
	0x06: "card reader status", 0x07: "language selection", 0x08: "browser termination",
	EventDataAvailable: "data available", EventChannelStatus: "channel status",
	EventAccessTech: "access technology change", 0x0C: "display parameters changed",
	0x0D: "local connection", 0x0E: "network search mode change", 0x0F: "browsing status",
}

// EventName names an event of an event list ("location status").
func EventName(ev byte) string {
	if n, ok := eventNames[ev]; ok {
		return n
	}
	return fmt.Sprintf("event %02X", ev)
}

// envelopeNames are the BER-TLV tags of TS 102 223 §9.1 an ENVELOPE
// carries.
var envelopeNames = map[byte]string{
	0xD1: "SMS-PP download", 0xD2: "cell broadcast download", 0xD3: "menu selection",
	0xD4: "call control", 0xD5: "MO short message control",
	TagEventDownload: "event download", TagTimerExpiration: "timer expiration",
}

// EnvelopeName names the template of an ENVELOPE ("timer expiration").
func EnvelopeName(tag byte) string {
	if n, ok := envelopeNames[tag]; ok {
		return n
	}
	return fmt.Sprintf("envelope %02X", tag)
}

// unableCauses are the additional information of "terminal currently
// unable to process command" (TS 102 223 §8.12.2).
var unableCauses = map[byte]string{
	UnableNoCause: "no specific cause", 0x01: "screen busy", UnableBusy: "busy on call",
	0x03: "busy on SS transaction", UnableNoService: "no service", 0x05: "access control class bar",
	0x06: "radio resource not granted", 0x07: "not in speech call", 0x08: "busy on USSD transaction",
	0x09: "busy on SEND DTMF", 0x0A: "no NAA active",
}

// Refusal reports whether r is a terminal's or network's "currently
// unable to process command" (20, 21: TS 102 223 §8.12, a temporary
// problem a real terminal gives, without coverage for one), and names its
// cause ("no service").
func (r Result) Refusal() (string, bool) {
	switch r.General {
	case ResultTerminalUnable:
		if len(r.Additional) == 0 {
			return "terminal currently unable", true
		}
		if n, ok := unableCauses[r.Additional[0]]; ok {
			return n, true
		}
		return fmt.Sprintf("terminal currently unable, cause %02X", r.Additional[0]), true
	case ResultNetworkUnable:
		if len(r.Additional) == 0 || r.Additional[0] == 0 {
			return "network currently unable", true
		}
		// The network's own cause, bit 8 set (TS 102 223 §8.12).
		return fmt.Sprintf("network currently unable, cause %02X", r.Additional[0]&0x7F), true
	}
	return "", false
}
