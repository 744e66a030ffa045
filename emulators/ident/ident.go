// Package ident checks the shape of the identifiers every actor exchanges:
// PLMN (TS 23.003 §2.2), IMSI (§2.2), ICCID (ITU-T E.118) and EID (SGP.02
// §2.2.2), written as decimal digit strings.
package ident

// Digits reports whether s is between min and max decimal digits long and
// holds nothing else.
func Digits(s string, min, max int) bool {
	if len(s) < min || len(s) > max || len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsPLMN: MCC (3 digits) + MNC (2 or 3 digits).
func IsPLMN(s string) bool { return Digits(s, 5, 6) }

// IsIMSI: MCC + MNC + MSIN, at most 15 digits (6 is the shortest we accept).
func IsIMSI(s string) bool { return Digits(s, 6, 15) }

// IsICCID: 18 to 20 digits (19 + Luhn digit in practice).
func IsICCID(s string) bool { return Digits(s, 18, 20) }

// IsEID: 32 digits.
func IsEID(s string) bool { return Digits(s, 32, 32) }
