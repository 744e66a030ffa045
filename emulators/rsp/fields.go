package rsp

// Shared field codecs for the SGP.22 §5.7 / §6.5 ASN.1 structures: INTEGER,
// BOOLEAN, BIT STRING, swapped-BCD ICCID and a field reader over one
// constructed BER-TLV. DER is what SGP.22 mandates; the decoders accept only
// definite lengths (codec/tlv) and keep the bytes that signatures cover.

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// ErrDecode is wrapped by every decoding error in this package.
var ErrDecode = errors.New("rsp: malformed structure")

func decodeErr(format string, a ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), ErrDecode)
}

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

// inner returns the children of a constructed object.
func inner(obj tlv.TLV) (*fields, error) {
	cs, err := obj.Children()
	if err != nil {
		return nil, fmt.Errorf("%X: %v: %w", obj.Tag, err, ErrDecode)
	}
	return &fields{tag: obj.Tag, list: cs}, nil
}

// get returns the field with tag; a missing one records an error.
func (f *fields) get(tag uint32) []byte {
	t, ok := tlv.Find(f.list, tag)
	if !ok {
		if f.err == nil {
			f.err = decodeErr("%X: missing field %X", f.tag, tag)
		}
		return nil
	}
	return t.Value
}

// obj returns the whole object with tag (for nested structures).
func (f *fields) obj(tag uint32) tlv.TLV {
	t, ok := tlv.Find(f.list, tag)
	if !ok && f.err == nil {
		f.err = decodeErr("%X: missing field %X", f.tag, tag)
	}
	return t
}

// opt returns the field with tag if present.
func (f *fields) opt(tag uint32) ([]byte, bool) {
	t, ok := tlv.Find(f.list, tag)
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

func (f *fields) text(tag uint32, max int) string {
	v := f.get(tag)
	if f.err == nil && len(v) > max {
		f.err = decodeErr("%X: field %X longer than %d", f.tag, tag, max)
	}
	return string(v)
}

// clone copies a decoded value so a structure never aliases its input.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// encodeInt encodes a non-negative INTEGER in minimal two's complement.
func encodeInt(n int) []byte {
	if n < 0 {
		n = 0
	}
	var b []byte
	for {
		b = append([]byte{byte(n)}, b...)
		n >>= 8
		if n == 0 {
			break
		}
	}
	if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

func decodeInt(v []byte) (int, error) {
	if len(v) == 0 || len(v) > 5 || (len(v) == 5 && v[0] != 0) {
		return 0, decodeErr("INTEGER of %d bytes", len(v))
	}
	if v[0]&0x80 != 0 {
		return 0, decodeErr("negative INTEGER")
	}
	n := 0
	for _, c := range v {
		n = n<<8 | int(c)
	}
	return n, nil
}

func intTLV(tag uint32, n int) tlv.TLV { return tlv.New(tag, encodeInt(n)) }

// ICCIDBytes packs an ICCID as SGP.22 Iccid (5A): 10 bytes swapped BCD, F padded.
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

// EIDBytes packs the 32 EID digits as 16 bytes of plain BCD (SGP.02 §2.2.2).
func EIDBytes(eid string) []byte {
	b := make([]byte, 16)
	for i := 0; i < len(eid) && i < 32; i++ {
		b[i/2] |= (eid[i] - '0') << (4 * (1 - i%2))
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
