package tlv

import "fmt"

// Parse decodes a sequence of objects that fills b exactly. Constructed
// objects are checked recursively, up to MaxDepth levels, so a successful
// Parse guarantees Children succeeds on every constructed object it returns.
// Lengths must be DER's (X.690 §10.1: the fewest octets); Canonical
// rewrites BER lengths for a reader that takes them.
func Parse(b []byte) ([]TLV, error) { return parseLevel(b, 0) }

// ParseOne decodes the first object of b and returns the bytes after it,
// with Parse's checks.
func ParseOne(b []byte) (TLV, []byte, error) {
	t, rest, err := next(b, true)
	if err != nil {
		return TLV{}, nil, err
	}
	if t.IsConstructed() {
		if err := checkLevel(t.Value, 1, nil, true); err != nil {
			return TLV{}, nil, fmt.Errorf("in %X: %w", t.Tag, err)
		}
	}
	return t, rest, nil
}

// Canonical returns b with every length in DER form (X.690 §10.1), for
// host-side readers of what real cards and logs hold: BER allows a long
// form where the short one fits and leading zero length octets, which
// the strict decoders refuse. b itself is returned when its lengths are
// DER already, or when it is not a sequence of definite-length objects
// (the strict decoder then says what is wrong).
func Canonical(b []byte) []byte {
	if checkLevel(b, 0, nil, true) == nil {
		return b
	}
	out, err := appendCanonical(make([]byte, 0, len(b)), b, 0)
	if err != nil {
		return b
	}
	return out
}

// appendCanonical appends the objects that fill b with their lengths
// rewritten minimally, constructed ones recursively.
func appendCanonical(dst, b []byte, depth int) ([]byte, error) {
	if depth >= MaxDepth {
		return nil, fmt.Errorf("nesting deeper than %d: %w", MaxDepth, ErrMalformed)
	}
	for len(b) > 0 {
		t, rest, err := next(b, false)
		if err != nil {
			return nil, err
		}
		if t.IsConstructed() {
			v, err := appendCanonical(nil, t.Value, depth+1)
			if err != nil {
				return nil, err
			}
			t.Value = v
		}
		dst = t.AppendTo(dst)
		b = rest
	}
	return dst, nil
}

func parseLevel(b []byte, depth int) ([]TLV, error) {
	var out []TLV
	if err := checkLevel(b, depth, &out, true); err != nil {
		return nil, err
	}
	return out, nil
}

// checkLevel decodes the objects that fill b, checking constructed ones
// recursively, and appends them to *out when out is set: the levels below
// are only checked, not kept. der refuses lengths not in DER form.
func checkLevel(b []byte, depth int, out *[]TLV, der bool) error {
	if depth >= MaxDepth {
		return fmt.Errorf("nesting deeper than %d: %w", MaxDepth, ErrMalformed)
	}
	for off := 0; off < len(b); {
		t, rest, err := next(b[off:], der)
		if err != nil {
			return fmt.Errorf("offset %d: %w", off, err)
		}
		if t.IsConstructed() {
			if err := checkLevel(t.Value, depth+1, nil, der); err != nil {
				return fmt.Errorf("in %X at offset %d: %w", t.Tag, off, err)
			}
		}
		if out != nil {
			*out = append(*out, t)
		}
		off = len(b) - len(rest)
	}
	return nil
}

// next decodes one object header and slices its value out of b; der
// refuses a length not in DER form.
func next(b []byte, der bool) (TLV, []byte, error) {
	tag, n, err := readTag(b)
	if err != nil {
		return TLV{}, nil, err
	}
	l, m, err := readLength(b[n:], der)
	if err != nil {
		return TLV{}, nil, fmt.Errorf("tag %X: %w", tag, err)
	}
	start := n + m
	if l > len(b)-start {
		return TLV{}, nil, fmt.Errorf("tag %X: length %d exceeds the %d bytes left: %w", tag, l, len(b)-start, ErrMalformed)
	}
	return TLV{Tag: tag, Value: b[start : start+l : start+l]}, b[start+l:], nil
}

// readTag decodes a tag of one to three bytes (X.690 §8.1.2.4: low five bits
// all set means subsequent bytes follow, each with b8 set except the last),
// in its one encoding: a number below 31 in the first byte (§8.1.2.3), and
// no leading zero bits in the subsequent ones (§8.1.2.4.2 c).
func readTag(b []byte) (uint32, int, error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("missing tag: %w", ErrMalformed)
	}
	if b[0] == 0x00 || b[0] == 0xFF {
		return 0, 0, fmt.Errorf("invalid tag byte %02X: %w", b[0], ErrMalformed)
	}
	tag := uint32(b[0])
	if b[0]&0x1F != 0x1F {
		return tag, 1, nil
	}
	for i := 1; ; i++ {
		if i >= 3 {
			return 0, 0, fmt.Errorf("tag longer than 3 bytes: %w", ErrMalformed)
		}
		if i >= len(b) {
			return 0, 0, fmt.Errorf("truncated tag: %w", ErrMalformed)
		}
		tag = tag<<8 | uint32(b[i])
		switch {
		case i == 1 && b[1] == 0x80:
			return 0, 0, fmt.Errorf("tag %X: a leading zero octet in its number (X.690 §8.1.2.4.2 c): %w", b[:2], ErrMalformed)
		case i == 1 && b[1] < 0x1F:
			return 0, 0, fmt.Errorf("tag %X: number %d in the long form, which is for 31 and up (X.690 §8.1.2.3): %w", b[:2], b[1], ErrMalformed)
		}
		if b[i]&0x80 == 0 {
			return tag, i + 1, nil
		}
	}
}

// readLength decodes a definite length (X.690 §8.1.3); the indefinite form
// (0x80) is not allowed in the DER that SGP.22 mandates. With der, the
// length must take the fewest octets (X.690 §10.1): the short form below
// 128, else no leading zero octet.
func readLength(b []byte, der bool) (int, int, error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("missing length: %w", ErrMalformed)
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, nil
	}
	k := int(b[0] & 0x7F)
	if k == 0 {
		return 0, 0, fmt.Errorf("indefinite length: %w", ErrMalformed)
	}
	if k > 3 {
		return 0, 0, fmt.Errorf("length of %d bytes (max 3): %w", k, ErrMalformed)
	}
	if len(b) < 1+k {
		return 0, 0, fmt.Errorf("truncated length: %w", ErrMalformed)
	}
	n := 0
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	if der && lengthSize(n) != 1+k {
		return 0, 0, fmt.Errorf("length %X not DER (X.690 §10.1: %d takes %d octets): %w", b[:1+k], n, lengthSize(n), ErrMalformed)
	}
	return n, 1 + k, nil
}

// ParseTags decodes a concatenation of bare tags, as in a tag list (5C).
func ParseTags(b []byte) ([]uint32, error) {
	var tags []uint32
	for off := 0; off < len(b); {
		tag, n, err := readTag(b[off:])
		if err != nil {
			return nil, fmt.Errorf("tag list offset %d: %w", off, err)
		}
		tags = append(tags, tag)
		off += n
	}
	return tags, nil
}

// FirstTag reads the tag a value starts with (X.690 §8.1.2), for naming
// what a request is before the whole of it has arrived (an ES10 command
// split over several STORE DATA blocks).
func FirstTag(b []byte) (uint32, bool) {
	tag, _, err := readTag(b)
	return tag, err == nil
}

// Header reads the tag and the (DER) length an object starts with and
// returns them and how many octets they took, without needing the value:
// for what carries an object's header apart from its content (a
// segmented bound profile package, SGP.22 §2.5.5).
func Header(b []byte) (tag uint32, length, n int, err error) {
	tag, tn, err := readTag(b)
	if err != nil {
		return 0, 0, 0, err
	}
	length, ln, err := readLength(b[tn:], true)
	if err != nil {
		return 0, 0, 0, err
	}
	return tag, length, tn + ln, nil
}

// TagBytes returns the encoding of tag, as used in a tag list.
func TagBytes(tag uint32) []byte { return tagBytes(tag) }

// EncodeTags is the inverse of ParseTags: a tag list's value.
func EncodeTags(tags []uint32) []byte {
	var b []byte
	for _, t := range tags {
		b = append(b, tagBytes(t)...)
	}
	return b
}
