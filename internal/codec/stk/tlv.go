// Package stk encodes and decodes the SIM Toolkit messages that pass between
// the card (UICC) and the terminal (ME): COMPREHENSION-TLV data objects
// (TS 102 220 §7.1.1), proactive commands, terminal responses and envelopes
// (TS 102 223, with the E-UTRAN forms of TS 31.111). Both the card emulator
// and the modem's toolkit terminal use it, so each side decodes exactly what
// the other encodes.
package stk

import (
	"errors"
	"fmt"
)

// ErrTruncated reports a TLV whose length runs past the end of its buffer.
var ErrTruncated = errors.New("truncated TLV")

// SimpleTLV is one COMPREHENSION-TLV data object (TS 102 220 §7.1.1).
type SimpleTLV struct {
	// Tag is the tag value without the comprehension-required bit. For
	// three-byte tags (first byte 7F) whose value fits one byte it is that
	// value; larger three-byte tag values are kept in Ext and Tag is 0.
	Tag byte
	// Ext is a three-byte tag value above 0x7E (0 when unused).
	Ext uint16
	// CR is the comprehension-required flag.
	CR    bool
	Value []byte
}

// maxValue is the longest value a one- or two-byte length can carry; every
// toolkit message fits one short APDU, so longer forms are not needed.
const maxValue = 0xFF

// ParseTLVs splits b into COMPREHENSION-TLV objects. Values are sub-slices
// of b, not copies.
func ParseTLVs(b []byte) ([]SimpleTLV, error) { return appendTLVs(nil, b) }

// appendTLVs is ParseTLVs appending to out: a parser that keeps none of
// the objects themselves passes a buffer on its stack.
func appendTLVs(out []SimpleTLV, b []byte) ([]SimpleTLV, error) {
	base := len(out)
	for off := 0; off < len(b); {
		t, n, err := parseOne(b[off:])
		if err != nil {
			return out, fmt.Errorf("object %d at offset %d: %w", len(out)-base, off, err)
		}
		if out == nil {
			out = make([]SimpleTLV, 0, 8) // a command or response has a handful
		}
		out = append(out, t)
		off += n
	}
	return out, nil
}

func parseOne(b []byte) (SimpleTLV, int, error) {
	var t SimpleTLV
	off := 0
	switch b[0] {
	case 0x00, 0xFF, 0x80:
		// TS 102 220 §7.1.1: these first bytes are not valid tags.
		return t, 0, fmt.Errorf("invalid tag byte %02X", b[0])
	case 0x7F:
		if len(b) < 3 {
			return t, 0, fmt.Errorf("three-byte tag: %w", ErrTruncated)
		}
		v := uint16(b[1])<<8 | uint16(b[2])
		t.CR = v&0x8000 != 0
		v &= 0x7FFF
		if v == 0 {
			return t, 0, errors.New("three-byte tag with value 0")
		}
		if v <= 0x7E {
			t.Tag = byte(v)
		} else {
			t.Ext = v
		}
		off = 3
	default:
		t.CR = b[0]&0x80 != 0
		t.Tag = b[0] & 0x7F
		off = 1
	}
	if off >= len(b) {
		return t, 0, fmt.Errorf("tag %s: length: %w", t.name(), ErrTruncated)
	}
	n := int(b[off])
	off++
	switch {
	case n == 0x81:
		if off >= len(b) {
			return t, 0, fmt.Errorf("tag %s: length: %w", t.name(), ErrTruncated)
		}
		n = int(b[off])
		off++
	case n > 0x7F:
		return t, 0, fmt.Errorf("tag %s: unsupported length byte %02X", t.name(), n)
	}
	if len(b)-off < n {
		return t, 0, fmt.Errorf("tag %s: value of %d bytes, %d left: %w", t.name(), n, len(b)-off, ErrTruncated)
	}
	t.Value = b[off : off+n : off+n]
	return t, off + n, nil
}

func (t SimpleTLV) name() string {
	if t.Ext != 0 {
		return fmt.Sprintf("7F%04X", t.Ext)
	}
	return fmt.Sprintf("%02X", t.Tag)
}

// Encode appends the object's encoding to dst. Values longer than 255 bytes
// are an error: no toolkit object here needs the longer length forms.
func (t SimpleTLV) Encode(dst []byte) ([]byte, error) {
	if len(t.Value) > maxValue {
		return dst, fmt.Errorf("tag %s: value of %d bytes exceeds %d", t.name(), len(t.Value), maxValue)
	}
	switch {
	case t.Ext != 0 || t.Tag == 0 || t.Tag == 0x7F:
		v := t.Ext
		if v == 0 {
			v = uint16(t.Tag)
		}
		if v == 0 || v > 0x7FFF {
			return dst, fmt.Errorf("tag %s: not encodable", t.name())
		}
		if t.CR {
			v |= 0x8000
		}
		dst = append(dst, 0x7F, byte(v>>8), byte(v))
	default:
		tag := t.Tag
		if t.CR {
			tag |= 0x80
		}
		dst = append(dst, tag)
	}
	dst = appendLen(dst, len(t.Value))
	return append(dst, t.Value...), nil
}

// EncodeTLVs encodes objects in order.
func EncodeTLVs(objs []SimpleTLV) ([]byte, error) {
	if len(objs) == 0 {
		return nil, nil
	}
	return encodeTLVs(0, objs)
}

// encodeTLVs encodes objs after head bytes left for a header, in one
// allocation.
func encodeTLVs(head int, objs []SimpleTLV) ([]byte, error) {
	n := head
	for _, o := range objs {
		n += 5 + len(o.Value) // at most a three-byte tag and a two-byte length
	}
	out := make([]byte, head, n)
	for _, o := range objs {
		var err error
		if out, err = o.Encode(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// berHead is the room to leave before a body for wrapBERHead: a one-byte
// tag and a length of up to two bytes.
const berHead = 3

// wrapBERHead is WrapBER(tag, out[berHead:]) without a copy: it writes
// the tag and length into the room left before the body.
func wrapBERHead(tag byte, out []byte) ([]byte, error) {
	n := len(out) - berHead
	if n > maxValue {
		return nil, fmt.Errorf("BER tag %02X: body of %d bytes exceeds %d", tag, n, maxValue)
	}
	if n > 0x7F {
		out[0], out[1], out[2] = tag, 0x81, byte(n)
		return out, nil
	}
	out[1], out[2] = tag, byte(n)
	return out[1:], nil
}

// appendLen writes a length of at most 255 in the one- or two-byte form
// shared by COMPREHENSION-TLV and the BER-TLV wrappers (TS 102 220 §7.1.2).
func appendLen(dst []byte, n int) []byte {
	if n > 0x7F {
		return append(dst, 0x81, byte(n))
	}
	return append(dst, byte(n))
}

// BER-TLV tags of the toolkit templates (TS 101 220 §7.2).
const (
	TagProactiveCommand = 0xD0
	TagSMSPPDownload    = 0xD1
	TagEventDownload    = 0xD6
	TagTimerExpiration  = 0xD7
)

// WrapBER encodes body in a one-byte-tag BER-TLV (proactive command D0,
// event download D6, timer expiration D7).
func WrapBER(tag byte, body []byte) ([]byte, error) {
	if len(body) > maxValue {
		return nil, fmt.Errorf("BER tag %02X: body of %d bytes exceeds %d", tag, len(body), maxValue)
	}
	out := append([]byte{tag}, appendLen(nil, len(body))...)
	return append(out, body...), nil
}

// UnwrapBER decodes a one-byte-tag BER-TLV and returns its tag and value.
// Trailing bytes after the value are an error, except padding bytes FF
// (which some cards append to proactive commands).
func UnwrapBER(b []byte) (tag byte, value []byte, err error) {
	if len(b) < 2 {
		return 0, nil, fmt.Errorf("BER-TLV: %w", ErrTruncated)
	}
	tag = b[0]
	n, off := int(b[1]), 2
	switch {
	case n == 0x81:
		if len(b) < 3 {
			return tag, nil, fmt.Errorf("BER tag %02X: length: %w", tag, ErrTruncated)
		}
		n, off = int(b[2]), 3
	case n > 0x7F:
		return tag, nil, fmt.Errorf("BER tag %02X: unsupported length byte %02X", tag, n)
	}
	if len(b)-off < n {
		return tag, nil, fmt.Errorf("BER tag %02X: value of %d bytes, %d left: %w", tag, n, len(b)-off, ErrTruncated)
	}
	for _, p := range b[off+n:] {
		if p != 0xFF {
			return tag, nil, fmt.Errorf("BER tag %02X: %d trailing bytes", tag, len(b)-off-n)
		}
	}
	return tag, b[off : off+n : off+n], nil
}

// maxObjects is the objects a message's parse or encode holds on the
// stack; a message with more (none here has) spills to the heap.
const maxObjects = 16

// tagSet is a set of tag values (0 to 7F: the comprehension-required bit
// is not part of a tag), where a parser notes the objects it has taken.
type tagSet [2]uint64

func (s *tagSet) add(t byte)      { s[t>>6&1] |= 1 << (t & 63) }
func (s *tagSet) has(t byte) bool { return s[t>>6&1]&(1<<(t&63)) != 0 }
