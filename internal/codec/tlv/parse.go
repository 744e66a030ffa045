package tlv

import "fmt"

// Parse decodes a sequence of objects that fills b exactly. Constructed
// objects are checked recursively, up to MaxDepth levels, so a successful
// Parse guarantees Children succeeds on every constructed object it returns.
func Parse(b []byte) ([]TLV, error) { return parseLevel(b, 0) }

// ParseOne decodes the first object of b and returns the bytes after it.
func ParseOne(b []byte) (TLV, []byte, error) {
	t, rest, err := next(b)
	if err != nil {
		return TLV{}, nil, err
	}
	if t.IsConstructed() {
		if err := checkLevel(t.Value, 1, nil); err != nil {
			return TLV{}, nil, fmt.Errorf("in %X: %w", t.Tag, err)
		}
	}
	return t, rest, nil
}

func parseLevel(b []byte, depth int) ([]TLV, error) {
	var out []TLV
	if err := checkLevel(b, depth, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkLevel decodes the objects that fill b, checking constructed ones
// recursively, and appends them to *out when out is set: the levels below
// are only checked, not kept.
func checkLevel(b []byte, depth int, out *[]TLV) error {
	if depth >= MaxDepth {
		return fmt.Errorf("nesting deeper than %d: %w", MaxDepth, ErrMalformed)
	}
	for off := 0; off < len(b); {
		t, rest, err := next(b[off:])
		if err != nil {
			return fmt.Errorf("offset %d: %w", off, err)
		}
		if t.IsConstructed() {
			if err := checkLevel(t.Value, depth+1, nil); err != nil {
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

// next decodes one object header and slices its value out of b.
func next(b []byte) (TLV, []byte, error) {
	tag, n, err := readTag(b)
	if err != nil {
		return TLV{}, nil, err
	}
	l, m, err := readLength(b[n:])
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
// all set means subsequent bytes follow, each with b8 set except the last).
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
		if b[i]&0x80 == 0 {
			return tag, i + 1, nil
		}
	}
}

// readLength decodes a definite length (X.690 §8.1.3); the indefinite form
// (0x80) is not allowed in the DER that SGP.22 mandates.
func readLength(b []byte) (int, int, error) {
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
