// Package ident checks and makes the identifiers every actor exchanges,
// written as decimal digit strings: PLMN and IMSI (TS 23.003 §2.2), ICCID
// (ITU-T E.118, Luhn check digit of ISO/IEC 7812-1), EID (GSMA SGP.29: 32
// digits whose last two are ISO/IEC 7064 MOD 97-10 check digits) and IMEI
// (TS 23.003 §6.2.1: TAC, serial number and Luhn check digit), and the
// subscriber number of EF MSISDN. Host and
// emulators use the same checks, so a value one side makes the other accepts.
package ident

import (
	"fmt"
	"math/big"
	"strings"
)

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

// IsMSISDN: a subscriber number as EF MSISDN holds it (TS 31.102
// §4.2.26): 1 to 20 digits (its 10 bytes of BCD, no extension record), a
// leading "+" for an international number (E.164, TON international).
func IsMSISDN(s string) bool { return Digits(strings.TrimPrefix(s, "+"), 1, 20) }

// IsPLMN: MCC (3 digits) + MNC (2 or 3 digits).
func IsPLMN(s string) bool { return Digits(s, 5, 6) }

// PLMNsOverlap reports two different PLMNs of which one begins the other:
// a 2-digit MNC and a 3-digit one that starts with it in one MCC (20810
// and 208101). An IMSI beginning with the longer is both networks'
// subscriber's, so no numbering plan assigns the pair.
func PLMNsOverlap(a, b string) bool {
	return a != b && (strings.HasPrefix(a, b) || strings.HasPrefix(b, a))
}

// HomePLMN is the HPLMN of the subscriber imsi whose MNC is mnc digits
// long (TS 23.003 §2.2: MCC, then MNC, lead the IMSI; the length comes
// from EF AD): the SM-DP+ that writes a profile and the modem that reads
// it take it alike. A shorter IMSI is returned whole.
func HomePLMN(imsi string, mnc int) string { return imsi[:min(len(imsi), 3+mnc)] }

// IsIMSI: MCC + MNC + MSIN, at most 15 digits (6 is the shortest we accept).
func IsIMSI(s string) bool { return Digits(s, 6, 15) }

// IsICCID: 18 to 20 digits, the last the Luhn check digit of the others
// (E.118 §4.1; SGP.22 carries 10 bytes, so at most 20 digits).
func IsICCID(s string) bool { return Digits(s, 18, 20) && luhnOK(s) }

// ExplainICCID says what is wrong with s as an ICCID — its shape, or its
// Luhn check digit, naming the right one — or "" when it is one.
func ExplainICCID(s string) string {
	switch {
	case !Digits(s, 18, 20):
		return fmt.Sprintf("%q is not an ICCID (18 to 20 digits)", s)
	case !luhnOK(s):
		return fmt.Sprintf("%q fails the Luhn check: last digit %c, want %c", s, s[len(s)-1], Luhn(s[:len(s)-1]))
	}
	return ""
}

// ICCIDStandIn is, for an ICCID as a field card reports it without the
// E.118 check digit — 18 to 20 digits whose last is not the Luhn digit of
// the others; GSM 11.11's 10 bytes hold 20 operator-specific digits, the
// 20th written over the check digit, and field cards (many 8986… ones)
// carry such numbers — the same digits with the last replaced by the
// check digit: an ICCID the emulators, which check, accept. ok is false
// for an ICCID (nothing to stand in for) and for what is not 18 to 20
// digits.
func ICCIDStandIn(s string) (standIn string, ok bool) {
	if !Digits(s, 18, 20) || luhnOK(s) {
		return "", false
	}
	body := s[:len(s)-1]
	return body + string(Luhn(body)), true
}

// MakeICCID appends the Luhn check digit to 17 to 19 digits.
func MakeICCID(body string) (string, error) {
	if !Digits(body, 17, 19) {
		return "", fmt.Errorf("ICCID body %q: want 17 to 19 digits", body)
	}
	return body + string(Luhn(body)), nil
}

// IsIMEI: 15 digits, TAC (8) + serial (6) + Luhn check digit.
func IsIMEI(s string) bool { return Digits(s, 15, 15) && luhnOK(s) }

// MakeIMEI appends the Luhn check digit to a TAC and serial number (14
// digits, TS 23.003 §6.2.1 and Annex B).
func MakeIMEI(body string) (string, error) {
	if !Digits(body, 14, 14) {
		return "", fmt.Errorf("IMEI body %q: want 14 digits (TAC + serial)", body)
	}
	return body + string(Luhn(body)), nil
}

// Luhn returns the check digit that makes body‖digit pass the Luhn test
// (ISO/IEC 7812-1 Annex B): from the right, every second digit of body is
// doubled (digits of the product summed).
func Luhn(body string) byte {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func luhnOK(s string) bool { return Luhn(s[:len(s)-1]) == s[len(s)-1] }

// IsEID: 32 digits whose value modulo 97 is 1 (ISO/IEC 7064 MOD 97-10, as
// SGP.29 §2.2 specifies for the check digits in positions 31-32).
func IsEID(s string) bool { return Digits(s, 32, 32) && mod97(s) == 1 }

// ExplainEID says what is wrong with s as an EID — its shape, or its MOD
// 97-10 check digits, naming the right ones — or "" when it is one.
func ExplainEID(s string) string {
	if !Digits(s, 32, 32) {
		return fmt.Sprintf("%q is not an EID (32 digits)", s)
	}
	if mod97(s) == 1 {
		return ""
	}
	want, _ := MakeEID(s[:30])
	return fmt.Sprintf("%q fails the ISO 7064 MOD 97-10 check: check digits %s, want %s", s, s[30:], want[30:])
}

// MakeEID appends the two MOD 97-10 check digits to the first 30 digits of
// an EID: with the check digits set to 00, the value modulo 97 is r, and
// 98-r makes the whole number ≡ 1 (mod 97).
func MakeEID(body string) (string, error) {
	if !Digits(body, 30, 30) {
		return "", fmt.Errorf("EID body %q: want 30 digits", body)
	}
	return fmt.Sprintf("%s%02d", body, 98-mod97(body+"00")), nil
}

func mod97(s string) int {
	n, _ := new(big.Int).SetString(s, 10)
	return int(new(big.Int).Mod(n, big.NewInt(97)).Int64())
}

// IsHostName accepts an RFC 1123 host name: at most 253 characters of
// dot-separated labels, each 1-63 letters, digits and hyphens, no hyphen
// at either end. An SM-DP+ address is one (SGP.22 names it by FQDN).
func IsHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
