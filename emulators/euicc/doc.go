// Package euicc is the virtual eUICC: an ISO 7816-4 card with a UICC file
// system (TS 102 221, TS 31.102), an ISD-R answering ES10 over STORE DATA
// (GSMA SGP.22), the card side of SIM Toolkit (TS 102 223) and a runtime that
// hosts the autoswitch applet, carrying out its effects as proactive
// commands and HTTP exchanges over BIP.
//
// Choices where the specifications leave room:
//   - Response data travels in the same response only when the command's Le
//     covers it; otherwise the card answers 61xx and keeps the data for GET
//     RESPONSE (chunks of up to 256 bytes), as a T=0 card does.
//   - With a proactive command pending, 9000 becomes 91xx; other status
//     words are left as they are. An ENVELOPE while a proactive command
//     awaits FETCH or its TERMINAL RESPONSE gets 9300; the terminal retries.
//   - STORE DATA sequences are bounded at 64 KiB (6A84, sequence dropped);
//     a block out of order gets 6A86. ES10 input that is not one DER object
//     matching the function's ASN.1 gets 6A80; a well-formed object whose
//     tag names no ES10 function implemented here gets 6A88.
//   - After an ES10c Enable/Disable with refreshFlag the card queues REFRESH
//     (UICC reset) when the toolkit is up, and refuses further switches with
//     6985 until it is reset; with a proactive session running the switch
//     answers catBusy (5).
//   - The ProfileInstallationResult ends the ISD-R's session, a refused
//     package's as an installed one's (SGP.22 §3.1.3.3): an ES10b
//     CancelSession for that transaction afterwards answers
//     invalidTransactionId (§5.7.14), and the card's IPA sends none (the
//     SM-DP+ ends its side on taking the result, §5.6.4).
//   - Restore reads the applet's state with applet.DecodeState (the format
//     before the applet's modes is migrated) and refuses an image whose
//     state is damaged or points at a profile the card does not hold,
//     naming the field.
//   - A powered-off card answers 6F00.
//   - The runtime carries out the applet's log lines and NVM writes as it
//     takes each step, whatever exchange is out; the other effects run
//     one at a time, first in first out. So the event log stamps a card
//     event with its step's instant, and a power cut after it (SetCutDue)
//     comes before anything an earlier step had queued.
//   - The file system always shows the profile enabled at the last reset.
//
// The runtime runs inside Transmit with the card's lock held: subscribers
// of the event log must not call back into the card synchronously.
package euicc
