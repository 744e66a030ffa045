package es10

// Field codecs for the RSPDefinitions structures: INTEGER, BOOLEAN, BIT
// STRING, VersionType, the BCD identifiers, and a field reader over one
// constructed object.
//
// Decoding is strict where the module is (mandatory fields present once,
// fixed sizes, DER definite lengths through codec/tlv, no trailing bytes)
// and lenient where it says EXTENSIBILITY IMPLIED: a tag the reader is not
// asked for is skipped, so a later release's extra fields do not break an
// older peer. Decoders keep the bytes signatures cover.

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// ErrDecode is wrapped by every decoding error in this package.
var ErrDecode = errors.New("es10: malformed structure")

func decodeErr(format string, a ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), ErrDecode)
}

// maxText bounds UTF8String fields without a size in the module
// (addresses, matching ids).
const maxText = 255

// maxCert bounds a DER certificate carried in a structure.
const maxCert = 4096

// maxList bounds SEQUENCE OF lists decoded from the wire.
const maxList = 64

// fields reads the children of one constructed object.
type fields struct {
	tag  uint32
	list []tlv.TLV
	err  error
}

// parseOuter decodes b as exactly one object with the given tag.
func parseOuter(b []byte, tag uint32) (*fields, error) {
	obj, rest, err := tlv.ParseOne(b)
	if err != nil {
		return nil, fmt.Errorf("%X: %v: %w", tag, err, ErrDecode)
	}
	if len(rest) != 0 {
		return nil, decodeErr("%X: %d trailing bytes", tag, len(rest))
	}
	if obj.Tag != tag {
		return nil, decodeErr("tag %X, want %X", obj.Tag, tag)
	}
	return inner(obj)
}

// DecodeEmptyRequest decodes a request whose root has no components
// (GetEUICCInfo1 and 2, GetEuiccChallenge, GetRAT, EuiccConfigured-
// Addresses: [n] SEQUENCE {}): whatever a later release adds after the
// root (EXTENSIBILITY IMPLIED) is skipped, as long as it is DER.
func DecodeEmptyRequest(b []byte, tag uint32) error {
	_, err := parseOuter(b, tag)
	return err
}

// inner returns the children of a constructed object.
func inner(obj tlv.TLV) (*fields, error) {
	if !obj.IsConstructed() {
		return nil, decodeErr("%X: not constructed", obj.Tag)
	}
	cs, err := obj.Children()
	if err != nil {
		return nil, fmt.Errorf("%X: %v: %w", obj.Tag, err, ErrDecode)
	}
	return &fields{tag: obj.Tag, list: cs}, nil
}

// find returns the one field with tag; a repeated one is an error (no
// SEQUENCE component repeats in DER).
func (f *fields) find(tag uint32) (tlv.TLV, bool) {
	var out tlv.TLV
	n := 0
	for _, t := range f.list {
		if t.Tag == tag {
			out = t
			n++
		}
	}
	if n > 1 && f.err == nil {
		f.err = decodeErr("%X: field %X given %d times", f.tag, tag, n)
	}
	return out, n > 0
}

// obj returns the whole object with tag (for nested structures); a missing
// one records an error.
func (f *fields) obj(tag uint32) tlv.TLV {
	t, ok := f.find(tag)
	if !ok && f.err == nil {
		f.err = decodeErr("%X: missing field %X", f.tag, tag)
	}
	return t
}

// get returns the value of the field with tag; a missing one records an
// error.
func (f *fields) get(tag uint32) []byte { return f.obj(tag).Value }

// opt returns the field with tag if present.
func (f *fields) opt(tag uint32) ([]byte, bool) {
	t, ok := f.find(tag)
	return t.Value, ok
}

// fixed checks a field's length.
func (f *fields) fixed(tag uint32, n int) []byte {
	v := f.get(tag)
	if f.err == nil && len(v) != n {
		f.err = decodeErr("%X: field %X is %d bytes, want %d", f.tag, tag, len(v), n)
	}
	return v
}

// sized checks a field's length is within lo..hi.
func (f *fields) sized(tag uint32, lo, hi int) []byte {
	v := f.get(tag)
	if f.err == nil && (len(v) < lo || len(v) > hi) {
		f.err = decodeErr("%X: field %X is %d bytes, want %d..%d", f.tag, tag, len(v), lo, hi)
	}
	return v
}

// integer decodes a non-negative INTEGER field of at most 4 bytes.
func (f *fields) integer(tag uint32) int {
	v := f.get(tag)
	if f.err != nil {
		return 0
	}
	n, err := decodeInt(v)
	if err != nil {
		f.err = fmt.Errorf("%X: field %X: %w", f.tag, tag, err)
	}
	return n
}

// optInt decodes an optional INTEGER field; -1 when absent.
func (f *fields) optInt(tag uint32) int {
	v, ok := f.opt(tag)
	if !ok || f.err != nil {
		return -1
	}
	n, err := decodeInt(v)
	if err != nil {
		f.err = fmt.Errorf("%X: field %X: %w", f.tag, tag, err)
	}
	return n
}

// text decodes a UTF8String field of at most max bytes.
func (f *fields) text(tag uint32, max int) string {
	v := f.get(tag)
	f.checkText(tag, v, max)
	return string(v)
}

// optText decodes an optional UTF8String field.
func (f *fields) optText(tag uint32, max int) (string, bool) {
	v, ok := f.opt(tag)
	if ok {
		f.checkText(tag, v, max)
	}
	return string(v), ok
}

// checkText holds a UTF8String to X.680: its octets are UTF-8, and a
// SIZE constraint counts characters, not octets (64 "é" are 128 octets
// and a valid profileNickname).
func (f *fields) checkText(tag uint32, v []byte, max int) {
	switch {
	case f.err != nil:
	case !utf8.Valid(v):
		f.err = decodeErr("%X: field %X is not UTF-8", f.tag, tag)
	case utf8.RuneCount(v) > max:
		f.err = decodeErr("%X: field %X longer than %d characters", f.tag, tag, max)
	}
}

// version decodes a VersionType field (3 bytes: major, minor, revision).
func (f *fields) version(tag uint32) Version {
	var v Version
	copy(v[:], f.fixed(tag, 3))
	return v
}

// optVersion decodes an optional VersionType field (zero when absent).
func (f *fields) optVersion(tag uint32) Version {
	var v Version
	b, ok := f.opt(tag)
	if !ok {
		return v
	}
	if len(b) != 3 && f.err == nil {
		f.err = decodeErr("%X: field %X is %d bytes, want 3", f.tag, tag, len(b))
	}
	copy(v[:], b)
	return v
}

// bits decodes a BIT STRING field.
func (f *fields) bits(tag uint32) Bits {
	v := f.get(tag)
	if f.err != nil {
		return 0
	}
	b, err := decodeBits(v)
	if err != nil {
		f.err = fmt.Errorf("%X: field %X: %w", f.tag, tag, err)
	}
	return b
}

// nth returns the n-th (0-based) field with tag, for SEQUENCEs that repeat
// a universal tag (several 30 certificates) and are decoded by position.
func (f *fields) nth(tag uint32, n int) tlv.TLV {
	for _, t := range f.list {
		if t.Tag == tag {
			if n == 0 {
				return t
			}
			n--
		}
	}
	if f.err == nil {
		f.err = decodeErr("%X: missing field %X", f.tag, tag)
	}
	return tlv.TLV{}
}

// seqOf reads the SEQUENCE OF inside obj: at most max entries, each with
// tag want (any tag when want is 0), each handed to entry in order.
func seqOf(obj tlv.TLV, want uint32, max int, entry func(tlv.TLV) error) error {
	f, err := inner(obj)
	if err != nil {
		return err
	}
	if len(f.list) > max {
		return decodeErr("%X: %d entries, at most %d", obj.Tag, len(f.list), max)
	}
	for _, c := range f.list {
		if want != 0 && c.Tag != want {
			return decodeErr("%X: entry %X, want %X", obj.Tag, c.Tag, want)
		}
		if err := entry(c); err != nil {
			return err
		}
	}
	return nil
}

// listOrCode decodes the response CHOICE several ES10 functions share: a
// list [0] (A0, SEQUENCE OF entries with tag want) or an error [1] (81
// INTEGER). It returns the error form's code, 0 for the list form.
func listOrCode(b []byte, tag, want uint32, max int, entry func(tlv.TLV) error) (int, error) {
	f, err := parseOuter(b, tag)
	if err != nil {
		return 0, err
	}
	if len(f.list) != 1 {
		return 0, decodeErr("%X: %d choices", tag, len(f.list))
	}
	if f.list[0].Tag == 0x81 {
		code := f.integer(0x81)
		if f.err == nil && code == 0 {
			f.err = decodeErr("%X: error code 0", tag)
		}
		return code, f.err
	}
	obj := f.obj(0xA0)
	if f.err != nil {
		return 0, f.err
	}
	return 0, seqOf(obj, want, max, entry)
}

// clone copies a decoded value so a structure never aliases its input.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// decodeInt decodes a non-negative DER INTEGER of at most four bytes.
func decodeInt(v []byte) (int, error) {
	n, err := tlv.ParseUint(v)
	if err != nil {
		return 0, fmt.Errorf("%v: %w", err, ErrDecode)
	}
	return n, nil
}

func decodeBool(v []byte) (bool, error) {
	b, err := tlv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%v: %w", err, ErrDecode)
	}
	return b, nil
}

// Version is VersionType: major, minor and revision as binary bytes
// ('02 02 02' is v2.2.2). The zero value stands for an absent optional one.
type Version [3]byte

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// Bits is a BIT STRING with named bits, bit n being 1<<n (NamedBitList
// numbering, b8 of the first content byte is bit 0).
type Bits uint64

// Has reports whether named bit n is set.
func (b Bits) Has(n int) bool { return b&(1<<n) != 0 }

// BitsOf sets the named bits given.
func BitsOf(ns ...int) Bits {
	var b Bits
	for _, n := range ns {
		b |= 1 << n
	}
	return b
}

// encode returns the DER contents: the count of unused bits, then the bits
// with trailing zero bits removed (X.690 §11.2.2); no bit set is '00'.
func (b Bits) encode() []byte {
	if b == 0 {
		return []byte{0}
	}
	top := 63
	for !b.Has(top) {
		top--
	}
	out := make([]byte, 1+top/8+1)
	for n := 0; n <= top; n++ {
		if b.Has(n) {
			out[1+n/8] |= 0x80 >> (n % 8)
		}
	}
	out[0] = byte(7 - top%8)
	return out
}

func bitsTLV(tag uint32, b Bits) tlv.TLV { return tlv.New(tag, b.encode()) }

// decodeBits decodes BIT STRING contents of at most 64 named bits; unused
// bits must be zero (X.690 §11.2.1).
func decodeBits(v []byte) (Bits, error) {
	if len(v) == 0 || v[0] > 7 || (len(v) == 1 && v[0] != 0) {
		return 0, decodeErr("BIT STRING %X", v)
	}
	if len(v) > 9 {
		return 0, decodeErr("BIT STRING of %d bytes", len(v))
	}
	if v[len(v)-1]&(1<<v[0]-1) != 0 {
		return 0, decodeErr("BIT STRING %X: unused bits set", v)
	}
	var b Bits
	for i, c := range v[1:] {
		for j := 0; j < 8; j++ {
			if c&(0x80>>j) != 0 {
				b |= 1 << (8*i + j)
			}
		}
	}
	return b, nil
}

// ICCIDBytes packs an ICCID as SGP.22 Iccid (5A): 10 bytes swapped BCD
// as in EF ICCID, F padded.
func ICCIDBytes(iccid string) []byte { return bcd.Swapped(iccid, 10) }

// ParseICCID decodes the 10-byte swapped-BCD Iccid; filler F only at the end.
func ParseICCID(b []byte) (string, error) {
	if len(b) != 10 {
		return "", decodeErr("ICCID of %d bytes, want 10", len(b))
	}
	out, err := bcd.Unswapped(b)
	if err != nil {
		return "", decodeErr("ICCID %X: %v", b, err)
	}
	if len(out) < 18 {
		return "", decodeErr("ICCID %X has %d digits", b, len(out))
	}
	return out, nil
}

// EIDBytes packs the 32 EID digits as 16 bytes of plain BCD (SGP.02
// §2.2.2), the value of GetEuiccDataResponse's 5A and of the KDF's EID.
func EIDBytes(eid string) []byte { return bcd.Plain(eid, 16) }

// ParseEID decodes the 16-byte EID.
func ParseEID(b []byte) (string, error) {
	if len(b) != 16 {
		return "", decodeErr("EID of %d bytes, want 16", len(b))
	}
	s, err := bcd.Unplain(b)
	if err != nil || len(s) != 32 {
		return "", decodeErr("EID %X: not 32 BCD digits", b)
	}
	return s, nil
}
