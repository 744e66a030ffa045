package stk

import (
	"fmt"
	"time"
)

// The data objects of PROVIDE LOCAL INFORMATION that describe the terminal
// rather than the network: IMEI (01), date, time and time zone (03) and
// language (04).

// imeiDigits is the length of an IMEI: TAC (8), serial number (6) and the
// check digit (TS 23.003 §6.2.1).
const imeiDigits = 15

// EncodeIMEI encodes data object 14 (TS 102 223 §8.20): the 8 octets of a
// TS 24.008 §10.5.1.4 mobile identity without IEI and length. The first
// octet holds digit 1 in its high nibble, the odd/even indicator (1: 15
// digits) in bit 4 and the type of identity 010 (IMEI) in bits 3-1; then
// digits 2-15 go two per octet, the lower-numbered digit in the low
// nibble. The 15th digit is the check digit, which the mobile does not
// send (TS 23.003 §6.2.1): it goes as the spare digit 0, whatever imei
// holds there. imei must be 15 decimal digits.
func EncodeIMEI(imei string) (SimpleTLV, error) {
	if len(imei) != imeiDigits {
		return SimpleTLV{}, fmt.Errorf("IMEI %q: %d digits, want %d", imei, len(imei), imeiDigits)
	}
	var d [imeiDigits]byte
	for i := range imeiDigits {
		c := imei[i]
		if c < '0' || c > '9' {
			return SimpleTLV{}, fmt.Errorf("IMEI %q: not a digit string", imei)
		}
		d[i] = c - '0'
	}
	d[imeiDigits-1] = 0 // the check digit is not sent: spare digit 0
	v := make([]byte, 8)
	v[0] = d[0]<<4 | 0x08 | 0x02 // digit 1, odd, IMEI
	for i := 1; i < imeiDigits; i += 2 {
		v[(i+1)/2] = d[i+1]<<4 | d[i]
	}
	return SimpleTLV{Tag: TagIMEI, Value: v}, nil
}

// DecodeIMEI decodes the value of data object 14: 15 digits, the last as
// the terminal sent it in the check digit's place (0 from a terminal that
// follows TS 23.003, such as this rig's).
func DecodeIMEI(v []byte) (string, error) {
	if len(v) != 8 {
		return "", fmt.Errorf("IMEI: length %d, want 8", len(v))
	}
	if v[0]&0x0F != 0x0A {
		return "", fmt.Errorf("IMEI: first octet %02X: want odd (bit 4) and type 010 IMEI (bits 3-1)", v[0])
	}
	nibbles := make([]byte, 0, imeiDigits)
	nibbles = append(nibbles, v[0]>>4)
	for _, b := range v[1:] {
		nibbles = append(nibbles, b&0x0F, b>>4)
	}
	out := make([]byte, imeiDigits)
	for i, n := range nibbles {
		if n > 9 {
			return "", fmt.Errorf("IMEI % X: digit %d is %X, not BCD", v, i+1, n)
		}
		out[i] = '0' + n
	}
	return string(out), nil
}

// TimeZoneUnknown is the time zone octet of data object 26 when the
// terminal does not know the zone (TS 102 223 §8.39), as a terminal
// without NITZ from its network.
const TimeZoneUnknown = 0xFF

// maxZoneQuarters is the largest time zone offset, in quarters of an hour,
// that the octet's three-bit tens digit and four-bit units digit carry.
const maxZoneQuarters = 79

// DateTime is data object 26 (TS 102 223 §8.39), the date, time and time
// zone of PROVIDE LOCAL INFORMATION 03.
type DateTime struct {
	// Time is the local time to the second, in years 2000-2099. When
	// ZoneKnown its location's offset is the time zone sent; else the
	// clock reading is sent as it is, with time zone FF, and a decoded
	// Time is in UTC.
	Time      time.Time
	ZoneKnown bool
}

// EncodeDateTime encodes data object 26 as the TP-Service-Centre-Time-Stamp
// of TS 23.040 §9.2.3.11: YY MM DD hh mm ss TZ, each octet two BCD digits
// with the units digit in the high nibble (2026 → 62). TZ is the offset
// from GMT in quarters of an hour, its sign in bit 4 (1: negative), or
// TimeZoneUnknown. Sub-second parts are truncated; a year outside
// 2000-2099 or an offset that is not a whole number of quarters up to 79
// is an error.
func EncodeDateTime(d DateTime) (SimpleTLV, error) {
	t := d.Time
	if y := t.Year(); y < 2000 || y > 2099 {
		return SimpleTLV{}, fmt.Errorf("date-time: year %d outside 2000-2099", y)
	}
	tz := byte(TimeZoneUnknown)
	if d.ZoneKnown {
		_, off := t.Zone()
		neg := off < 0
		if neg {
			off = -off
		}
		const quarter = 15 * 60
		if off%quarter != 0 || off/quarter > maxZoneQuarters {
			return SimpleTLV{}, fmt.Errorf("date-time: zone offset %v not a whole number of quarter hours up to %d", time.Duration(off)*time.Second, maxZoneQuarters)
		}
		tz = swapBCD(off / quarter)
		if neg {
			tz |= 0x08
		}
	}
	v := []byte{swapBCD(t.Year() % 100), swapBCD(int(t.Month())), swapBCD(t.Day()),
		swapBCD(t.Hour()), swapBCD(t.Minute()), swapBCD(t.Second()), tz}
	return SimpleTLV{Tag: TagDateTime, Value: v}, nil
}

// DecodeDateTime decodes the value of data object 26.
func DecodeDateTime(v []byte) (DateTime, error) {
	if len(v) != 7 {
		return DateTime{}, fmt.Errorf("date-time: length %d, want 7", len(v))
	}
	var f [6]int
	for i, b := range v[:6] {
		n, ok := unswapBCD(b)
		if !ok {
			return DateTime{}, fmt.Errorf("date-time: byte %d: %02X is not BCD", i, b)
		}
		f[i] = n
	}
	loc, known := time.UTC, false
	if tz := v[6]; tz != TimeZoneUnknown {
		q, ok := unswapBCD(tz &^ 0x08)
		if !ok {
			return DateTime{}, fmt.Errorf("date-time: time zone %02X is not BCD", tz)
		}
		off := q * 15 * 60
		if tz&0x08 != 0 {
			off = -off
		}
		loc, known = time.FixedZone("", off), true
	}
	t := time.Date(2000+f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, loc)
	if int(t.Month()) != f[1] || t.Day() != f[2] || t.Hour() != f[3] || t.Minute() != f[4] || t.Second() != f[5] {
		return DateTime{}, fmt.Errorf("date-time: % X is no date and time", v[:6])
	}
	return DateTime{Time: t, ZoneKnown: known}, nil
}

// EncodeLanguage encodes data object 2D (TS 102 223 §8.45): an ISO 639
// two-letter code, each letter one byte of the SMS 7-bit default alphabet
// (TS 23.038) with bit 8 clear, which for a-z is ASCII ("en" → 65 6E).
// code must be two lower-case letters.
func EncodeLanguage(code string) (SimpleTLV, error) {
	if !isLanguage(code) {
		return SimpleTLV{}, fmt.Errorf("language %q: want two lower-case letters (ISO 639)", code)
	}
	return SimpleTLV{Tag: TagLanguage, Value: []byte(code)}, nil
}

// DecodeLanguage decodes the value of data object 2D.
func DecodeLanguage(v []byte) (string, error) {
	if len(v) != 2 {
		return "", fmt.Errorf("language: length %d, want 2", len(v))
	}
	if !isLanguage(string(v)) {
		return "", fmt.Errorf("language % X: want two lower-case letters", v)
	}
	return string(v), nil
}

func isLanguage(code string) bool {
	return len(code) == 2 && code[0] >= 'a' && code[0] <= 'z' && code[1] >= 'a' && code[1] <= 'z'
}
