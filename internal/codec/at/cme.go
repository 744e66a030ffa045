package at

import (
	"fmt"
	"strings"
)

// CMEError is a mobile termination error code, 3GPP TS 27.007 §9.2.
type CMEError int

// TS 27.007 §9.2 codes used by the rig (§9.2.1 general, §9.2.2 GPRS/EPS).
const (
	CMEPhoneFailure        CMEError = 0
	CMENotAllowed          CMEError = 3
	CMENotSupported        CMEError = 4
	CMESIMNotInserted      CMEError = 10
	CMESIMPINRequired      CMEError = 11
	CMESIMPUKRequired      CMEError = 12
	CMESIMFailure          CMEError = 13
	CMESIMBusy             CMEError = 14
	CMESIMWrong            CMEError = 15
	CMEIncorrectPassword   CMEError = 16
	CMESIMPIN2Required     CMEError = 17
	CMESIMPUK2Required     CMEError = 18
	CMEMemoryFull          CMEError = 20
	CMEInvalidIndex        CMEError = 21
	CMENotFound            CMEError = 22
	CMETextTooLong         CMEError = 24
	CMENoNetworkService    CMEError = 30
	CMENetworkTimeout      CMEError = 31
	CMENetworkNotAllowed   CMEError = 32 // network not allowed - emergency calls only
	CMEIncorrectParameters CMEError = 50
	CMEUnknown             CMEError = 100
	// CMEPLMNNotAllowed is one of the §9.2.2.1 errors of a failed attach
	// that carry the EMM/GMM reject cause: 111 is cause #11 (EMMCause).
	CMEPLMNNotAllowed CMEError = 111
	// CMELastPDN refuses to disconnect the last PDN connection (§9.2.2.2,
	// +CGACT §10.1.10); 151 was its value before Rel-11.
	CMELastPDN CMEError = 171
)

var cmeText = map[CMEError]string{
	CMEPhoneFailure:        "phone failure",
	CMENotAllowed:          "operation not allowed",
	CMENotSupported:        "operation not supported",
	CMESIMNotInserted:      "SIM not inserted",
	CMESIMPINRequired:      "SIM PIN required",
	CMESIMPUKRequired:      "SIM PUK required",
	CMESIMFailure:          "SIM failure",
	CMESIMBusy:             "SIM busy",
	CMESIMWrong:            "SIM wrong",
	CMEIncorrectPassword:   "incorrect password",
	CMESIMPIN2Required:     "SIM PIN2 required",
	CMESIMPUK2Required:     "SIM PUK2 required",
	CMEMemoryFull:          "memory full",
	CMEInvalidIndex:        "invalid index",
	CMENotFound:            "not found",
	CMETextTooLong:         "text string too long",
	CMENoNetworkService:    "no network service",
	CMENetworkTimeout:      "network timeout",
	CMENetworkNotAllowed:   "network not allowed - emergency calls only",
	CMEIncorrectParameters: "incorrect parameters",
	CMEUnknown:             "unknown",
	103:                    "illegal MS",
	106:                    "illegal ME",
	107:                    "GPRS services not allowed",
	108:                    "GPRS services and non-GPRS services not allowed",
	CMEPLMNNotAllowed:      "PLMN not allowed",
	112:                    "location area not allowed",
	113:                    "roaming not allowed in this location area",
	114:                    "GPRS services not allowed in this PLMN",
	115:                    "no suitable cells in location area",
	CMELastPDN:             "last PDN disconnection not allowed",
}

// EMMCause is the §9.2.2.1 error of an attach (or registration) the
// network rejected with EMM cause c (TS 24.301 §9.9.3.9, the GMM numbers
// kept: 27.007 numbers the error 100+cause), and false for a cause this
// table has no error of.
func EMMCause(c int) (CMEError, bool) {
	switch c {
	case 3, 6, 7, 8, 11, 12, 13, 14, 15:
		return CMEError(100 + c), true
	}
	return 0, false
}

// Text returns the verbose text of the code (+CMEE=2).
func (e CMEError) Text() string {
	if t, ok := cmeText[e]; ok {
		return t
	}
	return "unknown"
}

func (e CMEError) Error() string { return fmt.Sprintf("+CME ERROR: %d (%s)", int(e), e.Text()) }

// CMECode finds the code of a verbose text, case-insensitively.
func CMECode(text string) (CMEError, bool) {
	for c, t := range cmeText {
		if strings.EqualFold(t, strings.TrimSpace(text)) {
			return c, true
		}
	}
	return 0, false
}
