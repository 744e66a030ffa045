package saip

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// The USIM's other files as a new profile holds them. The package Build
// writes carries them, and the card's file system answers them so: one
// definition of each.

// ustServices are the USIM services EF UST announces (TS 31.102 §4.2.8):
// SMS (10), SMS parameters (12), SPN (19), user PLMN with access
// technology (20), MSISDN (21), 33 (once the packet switched domain, now
// "shall be set to '1'"), operator PLMN with access technology (42),
// HPLMN with access technology (43), EPS mobility management information
// (85).
var ustServices = []int{10, 12, 19, 20, 21, 33, 42, 43, 85}

// UST is EF UST (TS 31.102 §4.2.8): one bit a service, 14 bytes; extra
// services are announced too (ServiceEHPLMN for a profile with EF
// EHPLMN's list).
func UST(extra ...int) []byte {
	b := make([]byte, 14)
	for _, n := range append(slices.Clone(ustServices), extra...) {
		b[(n-1)/8] |= 1 << ((n - 1) % 8)
	}
	return b
}

// ProfileUST is EF UST of a profile whose EF EHPLMN holds ehplmns: the
// services every profile has, and EHPLMN (n°71) when that list is not
// empty. The package's and the emulated card's file alike.
func ProfileUST(ehplmns []string) []byte {
	if len(ehplmns) > 0 {
		return UST(ServiceEHPLMN)
	}
	return UST()
}

// ServiceEHPLMN is EF UST's service n°71, "Equivalent HPLMN" (TS 31.102
// §4.2.8): EF EHPLMN holds the list a terminal reads.
const ServiceEHPLMN = 71

// HasService reports whether EF UST ust announces service n.
func HasService(ust []byte, n int) bool {
	return n >= 1 && (n-1)/8 < len(ust) && ust[(n-1)/8]&(1<<((n-1)%8)) != 0
}

// EHPLMNEntries is how many PLMNs EF EHPLMN holds here: TS 31.102
// §4.2.84 sizes it n×3 bytes, n the operator's; 8 covers China Mobile's
// six codes.
const EHPLMNEntries = 8

// EHPLMN is EF EHPLMN (TS 31.102 §4.2.84): the equivalent home PLMNs in
// priority order, 3 bytes each as TS 24.008 Table 10.5.3 codes a PLMN,
// EHPLMNEntries entries, unused ones FFFFFF.
func EHPLMN(plmns []string) []byte {
	var b []byte
	for i := range EHPLMNEntries {
		if i < len(plmns) {
			if p, err := bcd.PLMN(plmns[i]); err == nil {
				b = append(b, p[:]...)
				continue
			}
		}
		b = append(b, 0xFF, 0xFF, 0xFF)
	}
	return b
}

// SPN is EF SPN (TS 31.102 §4.2.12): display condition 01 (show the
// name), then the name in 16 bytes, FF-padded: as it is when ASCII, else
// in UCS2 after 80 (TS 31.102 Annex A), cut at whole characters.
func SPN(name string) []byte {
	spn := append([]byte{0x01}, bytes.Repeat([]byte{0xFF}, 16)...)
	ascii := true
	for i := range len(name) {
		ascii = ascii && name[i] < 0x80
	}
	if ascii {
		copy(spn[1:], name)
		return spn
	}
	b := []byte{0x80}
	for _, r := range name {
		if len(b)+2 > 16 {
			break
		}
		if r > 0xFFFF {
			r = '?' // outside UCS2
		}
		b = append(b, byte(r>>8), byte(r))
	}
	copy(spn[1:], b)
	return spn
}

// SPNName reads back the name of an EF SPN SPN wrote: FF padding
// dropped, UCS2 after 80 decoded.
func SPNName(spn []byte) string {
	if len(spn) < 2 {
		return ""
	}
	b := bytes.TrimRight(spn[1:], "\xFF")
	if len(b) == 0 || b[0] != 0x80 {
		return string(b)
	}
	var r []rune
	for u := spn[2:]; len(u) >= 2 && !(u[0] == 0xFF && u[1] == 0xFF); u = u[2:] {
		r = append(r, rune(u[0])<<8|rune(u[1]))
	}
	return string(r)
}

// ACC is EF ACC (TS 31.102 §4.2.15): the access class of the IMSI's last
// digit (TS 22.011 §4.2), one bit of 2 bytes.
func ACC(imsi string) []byte {
	acc := []byte{0x00, 0x00}
	if imsi == "" || imsi[len(imsi)-1] < '0' || imsi[len(imsi)-1] > '9' {
		return acc
	}
	last := int(imsi[len(imsi)-1] - '0')
	acc[1-last/8] = 1 << (last % 8)
	return acc
}

// HPPLMNDefault is EF HPPLMN as a profile holds it unless its operator
// sets another period: 10 × 6 minutes.
const HPPLMNDefault byte = 0x0A

// HPPLMN is EF HPPLMN (TS 31.102 §4.2.6): *period as HPPLMNOf codes it,
// HPPLMNDefault when nil.
func HPPLMN(period *byte) []byte {
	if period == nil {
		return []byte{HPPLMNDefault}
	}
	return []byte{*period}
}

// The search periods EF HPPLMN can code (TS 31.102 §4.2.6): steps of 6
// minutes, '01' to '50'.
const (
	HPPLMNStep = 6 * time.Minute
	HPPLMNMax  = 0x50 * HPPLMNStep // 8 h
)

// HPPLMNPeriod is the period EF HPPLMN's byte v codes (TS 31.102
// §4.2.6, TS 23.122 §4.4.3.3.1): 0 for '00' (no search), n × 6 minutes
// for '01' to '50', and the default, 60 minutes, for any other value —
// not 81 × 6 minutes and more.
func HPPLMNPeriod(v byte) time.Duration {
	if d := time.Duration(v) * HPPLMNStep; d <= HPPLMNMax {
		return d
	}
	return time.Duration(HPPLMNDefault) * HPPLMNStep
}

// HPPLMNOf is the EF HPPLMN byte of a higher priority PLMN search period
// (TS 23.122 §4.4.3.3.1): 0 for no search ('00'), else n × 6 min, n in
// 1..80 ('01'-'50'). Other periods have no coding: the values '51'-'FF'
// mean the 60-minute default, not a period of their own, so they are
// refused rather than written.
func HPPLMNOf(d time.Duration) (byte, error) {
	switch {
	case d < 0:
		return 0, fmt.Errorf("EF HPPLMN: period %v is negative", d)
	case d%HPPLMNStep != 0:
		return 0, fmt.Errorf("EF HPPLMN: period %v is not a multiple of %v (TS 31.102 §4.2.6)", d, HPPLMNStep)
	case d > HPPLMNMax:
		return 0, fmt.Errorf("EF HPPLMN: period %v is beyond %v, its longest (TS 31.102 §4.2.6)", d, HPPLMNMax)
	}
	return byte(d / HPPLMNStep), nil
}

// EST is EF EST (TS 31.102 §4.2.47): no service enabled.
func EST() []byte { return []byte{0x00} }

// ECCRecordLen is the length of an EF ECC record.
const ECCRecordLen = 20

// ECC is EF ECC (TS 31.102 §4.2.21): 112 and 911, one record each.
func ECC() [][]byte { return [][]byte{eccRecord("112", 0x00), eccRecord("911", 0x00)} }

// eccRecord is an EF ECC record: the number in 3 bytes of swapped BCD, an
// empty alpha identifier of 16 bytes, the service category.
func eccRecord(number string, category byte) []byte {
	r := append(bcd.Swapped(number, 3), bytes.Repeat([]byte{0xFF}, 16)...)
	return append(r, category)
}

// SMSPRecordLen is the length of an EF SMSP record.
const SMSPRecordLen = 40

// SMSP is the EF SMSP record (TS 31.102 §4.2.27): no alpha identifier,
// parameter indicators saying only the validity period is present, no
// destination, no service centre, validity 1 day.
func SMSP() []byte {
	r := append(bytes.Repeat([]byte{0xFF}, 12), 0xEF) // alpha, indicators: b5 = 0 → validity present
	r = append(r, bytes.Repeat([]byte{0xFF}, 24)...)  // TP-Destination, TS-Service Centre
	return append(r, 0xFF, 0xFF, 0xA7)                // PID, DCS (absent), validity 1 day (TS 23.040 §9.2.3.12.1)
}

// PLMNwAcT is EF PLMNwAcT (TS 31.102 §4.2.5): eight entries the user may
// fill, empty.
func PLMNwAcT() []byte { return plmnList(nil, 8) }

// OPLMNwAcT is EF OPLMNwAcT (TS 31.102 §4.2.53): the operator's preferred
// networks, E-UTRAN, in 32 entries.
func OPLMNwAcT(plmns []string) []byte { return plmnList(plmns, 32) }

// HPLMNwAcT is EF HPLMNwAcT (TS 31.102 §4.2.54): the home network,
// E-UTRAN, in 4 entries.
func HPLMNwAcT(home string) []byte { return plmnList([]string{home}, 4) }

// plmnList encodes a PLMN with access technology list: PLMN then 2 bytes
// of access technology (4000: E-UTRAN), n entries, empty ones FFFFFF0000.
func plmnList(plmns []string, n int) []byte {
	var b []byte
	for i := range n {
		if i < len(plmns) {
			if p, err := bcd.PLMN(plmns[i]); err == nil {
				b = append(append(b, p[:]...), 0x40, 0x00)
				continue
			}
		}
		b = append(b, 0xFF, 0xFF, 0xFF, 0x00, 0x00)
	}
	return b
}

// The files every USIM holds for the terminal's own use (TS 31.102 §4.2),
// as a new profile holds them: no key, no stored message, no network
// parameters. Their sizes are the SAIP template's (ADF USIM by default),
// so the package fills them without an Fcp.

// LI is EF LI (TS 31.102 §4.2.1): language codes of two GSM 7-bit
// characters (ISO 639), most preferred first, unused ones FFFF: English,
// then two free entries.
func LI() []byte { return []byte{'e', 'n', 0xFF, 0xFF, 0xFF, 0xFF} }

// Keys is EF Keys or EF KeysPS (TS 31.102 §4.2.3, 4.2.4): key set
// identifier 07 (no key available, TS 24.008 §10.5.1.2), then CK and IK.
func Keys() []byte { return append([]byte{0x07}, bytes.Repeat([]byte{0xFF}, 32)...) }

// StartHFN is EF START-HFN (TS 31.102 §4.2.51): START-CS and START-PS,
// 20 bits each in 3 bytes with the unused nibble F, both 0.
func StartHFN() []byte { return []byte{0xF0, 0x00, 0x00, 0xF0, 0x00, 0x00} }

// Threshold is EF THRESHOLD (TS 31.102 §4.2.52): the largest START the
// keys may reach, here the largest there is.
func Threshold() []byte { return []byte{0xFF, 0xFF, 0xFF} }

// NETPARLen is EF NETPAR's size: the template's, above the 46 bytes TS
// 31.102 §4.2.57 asks for.
const NETPARLen = 128

// NETPAR is EF NETPAR (TS 31.102 §4.2.57): no cell information object.
func NETPAR() []byte { return bytes.Repeat([]byte{0xFF}, NETPARLen) }

// SMSRecordLen and SMSRecords are EF SMS's record length (TS 31.102
// §4.2.25) and count (the template's).
const (
	SMSRecordLen = 176
	SMSRecords   = 10
)

// SMS is EF SMS (TS 31.102 §4.2.25): every record free (status 00), the
// rest FF.
func SMS() [][]byte {
	recs := make([][]byte, SMSRecords)
	for i := range recs {
		recs[i] = append([]byte{0x00}, bytes.Repeat([]byte{0xFF}, SMSRecordLen-1)...)
	}
	return recs
}

// SMSS is EF SMSS (TS 31.102 §4.2.28): no message reference used yet, and
// the memory-capacity-exceeded flag clear (b1 = 1: memory available).
func SMSS() []byte { return []byte{0xFF, 0xFF} }

// EPSNSCRecordLen is EF EPSNSC's record length: the template's, above the
// 54 bytes a full context takes.
const EPSNSCRecordLen = 80

// EPSNSC is EF EPSNSC's one record (TS 31.102 §4.2.92): the EPS NAS
// security context A0 with KSI_ASME 07 (no key available, so the terminal
// treats K_ASME as invalid), K_ASME FF, NAS counts 0, algorithms 00 (EIA0,
// EEA0); FF after it.
func EPSNSC() []byte {
	ctx := tlv.Constructed(0xA0, tlv.New(0x80, []byte{0x07}), tlv.New(0x81, bytes.Repeat([]byte{0xFF}, 32)),
		tlv.New(0x82, make([]byte, 4)), tlv.New(0x83, make([]byte, 4)), tlv.New(0x84, []byte{0x00})).Bytes()
	return append(ctx, bytes.Repeat([]byte{0xFF}, EPSNSCRecordLen-len(ctx))...)
}

// MSISDNRecordLen is the length of an EF MSISDN record as Build writes it
// and the card lays it out: 14 bytes of alpha identifier, then the 14 of
// the number (TS 31.102 §4.2.26).
const MSISDNRecordLen = 28

// msisdnTail is the part of an EF MSISDN record after the alpha
// identifier: length, TON/NPI, 10 bytes of number, capability/
// configuration and extension record identifiers.
const msisdnTail = 14

// TON/NPI of a dialling number (TS 24.008 §10.5.4.7): international or
// unknown type of number, ISDN/telephony numbering plan (E.164). As
// +CNUM's <type> (TS 27.007 §7.1) they read 145 and 129.
const (
	TONInternational byte = 0x91
	TONUnknown       byte = 0x81
)

// MSISDN is the EF MSISDN record of msisdn (ident.IsMSISDN): no alpha
// identifier, the length of the number's BCD with its TON/NPI, TON/NPI
// international after a "+" and unknown otherwise, the digits in swapped
// BCD (TS 24.008 §10.5.4.7), no capability/configuration or extension
// record. "" is an empty record (all FF), as a profile without a number
// has it.
func MSISDN(msisdn string) []byte {
	r := bytes.Repeat([]byte{0xFF}, MSISDNRecordLen)
	if msisdn == "" {
		return r
	}
	ton, digits := TONUnknown, msisdn
	if rest, ok := strings.CutPrefix(msisdn, "+"); ok {
		ton, digits = TONInternational, rest
	}
	num := r[MSISDNRecordLen-msisdnTail:]
	num[0], num[1] = byte(1+(len(digits)+1)/2), ton
	copy(num[2:12], bcd.Swapped(digits, 10))
	return r
}

// ParseMSISDN reads an EF MSISDN record (of any length from 14 bytes:
// the alpha identifier is what comes before the last 14) into its
// number, "+" first when its type is international; an empty record
// reads as "". TON/NPI is returned as it is.
func ParseMSISDN(rec []byte) (number string, tonNPI byte, err error) {
	if len(rec) < msisdnTail {
		return "", 0, fmt.Errorf("EF MSISDN record of %d bytes, at least %d", len(rec), msisdnTail)
	}
	tail := rec[len(rec)-msisdnTail:]
	n := int(tail[0])
	if n == 0xFF {
		return "", 0, nil
	}
	if n < 2 || n > 11 {
		return "", 0, fmt.Errorf("EF MSISDN number length %d, want 2..11 (TON/NPI and 1..10 bytes)", n)
	}
	digits, err := bcd.Unswapped(tail[2 : 1+n])
	if err == nil && digits == "" {
		err = errors.New("no digits")
	}
	if err != nil {
		return "", 0, fmt.Errorf("EF MSISDN number %X: %w", tail[2:1+n], err)
	}
	if tail[1]&0x70 == TONInternational&0x70 {
		digits = "+" + digits
	}
	return digits, tail[1], nil
}
