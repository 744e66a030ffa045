// Package tlv encodes and decodes BER-TLV as ISO/IEC 7816-4 §5.2 and X.690
// §8.1 define it, restricted to what GSMA SGP.22 uses: tags of one to three
// bytes and definite lengths of at most three length bytes (0x83).
//
// Decoding is strict: lengths in DER form (X.690 §10.1), as SGP.22's
// structures must be, for the card, the SM-DP+ and the profile package.
// A host-side reader of real cards' answers and field logs, where BER
// lengths may occur, passes them through Canonical first. Decoding keeps
// sub-slices of the input instead of copying, and bounds both the nesting
// depth and every length by the buffer it comes from.
package tlv

import (
	"errors"
	"fmt"
)

// MaxDepth bounds the nesting of constructed objects Parse accepts.
const MaxDepth = 16

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed BER-TLV")

// TLV is one data object. Tag holds the tag bytes big-endian (0x5A, 0x9F70,
// 0xBF2D); Value is the content (the encoded children when constructed).
type TLV struct {
	Tag   uint32
	Value []byte
}

// New returns a primitive (or pre-encoded constructed) object.
func New(tag uint32, value []byte) TLV { return TLV{Tag: tag, Value: value} }

// Constructed returns an object whose value is the encoding of children.
func Constructed(tag uint32, children ...TLV) TLV {
	return TLV{Tag: tag, Value: Encode(children...)}
}

// IsConstructed reports whether the tag's first byte has the constructed bit
// (b6, X.690 §8.1.2.5).
func (t TLV) IsConstructed() bool { return IsConstructedTag(t.Tag) }

// IsConstructedTag reports whether tag denotes a constructed encoding.
func IsConstructedTag(tag uint32) bool { return tagBytes(tag)[0]&0x20 != 0 }

// Children decodes the value as a sequence of objects.
func (t TLV) Children() ([]TLV, error) {
	if !t.IsConstructed() {
		return nil, fmt.Errorf("tag %X is primitive: %w", t.Tag, ErrMalformed)
	}
	return Parse(t.Value)
}

// Find returns the first direct child with the given tag.
func (t TLV) Find(tag uint32) (TLV, bool) {
	cs, err := t.Children()
	if err != nil {
		return TLV{}, false
	}
	return Find(cs, tag)
}

// Find returns the first object of list with the given tag.
func Find(list []TLV, tag uint32) (TLV, bool) {
	for _, t := range list {
		if t.Tag == tag {
			return t, true
		}
	}
	return TLV{}, false
}

// Bytes returns the encoding of t.
func (t TLV) Bytes() []byte { return t.AppendTo(make([]byte, 0, t.size())) }

// size is the length of t's encoding.
func (t TLV) size() int {
	return len(tagBytes(t.Tag)) + lengthSize(len(t.Value)) + len(t.Value)
}

// AppendTo appends the encoding of t to b.
func (t TLV) AppendTo(b []byte) []byte {
	return append(AppendHeader(b, t.Tag, len(t.Value)), t.Value...)
}

// AppendHeader appends the tag and the definite length n of an object
// (what AppendTo writes before its value), for a caller that lays the
// value out itself.
func AppendHeader(b []byte, tag uint32, n int) []byte {
	return appendLength(append(b, tagBytes(tag)...), n)
}

// Encode concatenates the encodings of list.
func Encode(list ...TLV) []byte {
	n := 0
	for _, t := range list {
		n += t.size()
	}
	if n == 0 {
		return nil // as appending nothing to nil
	}
	b := make([]byte, 0, n)
	for _, t := range list {
		b = t.AppendTo(b)
	}
	return b
}

// tagBytes returns the minimal big-endian bytes of tag (at least one).
func tagBytes(tag uint32) []byte {
	switch {
	case tag > 0xFFFF:
		return []byte{byte(tag >> 16), byte(tag >> 8), byte(tag)}
	case tag > 0xFF:
		return []byte{byte(tag >> 8), byte(tag)}
	default:
		return []byte{byte(tag)}
	}
}

// lengthSize is the bytes appendLength writes for n.
func lengthSize(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xFF:
		return 2
	case n <= 0xFFFF:
		return 3
	default:
		return 4
	}
}

// appendLength writes a definite length (X.690 §8.1.3): short form below 128,
// else 81/82/83 followed by the length big-endian.
func appendLength(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n <= 0xFF:
		return append(b, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(b, 0x82, byte(n>>8), byte(n))
	default:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
}
