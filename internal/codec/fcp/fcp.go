// Package fcp encodes and decodes a UICC file's control parameters: the
// FCP template (62) a SELECT returns (ETSI TS 102 221 §11.1.1.3), and the
// file descriptor (82) and PIN status template (C6) in it, which a CREATE
// FILE (TS 102 222) and a profile package's Fcp (SAIP) carry too. The card
// writes them, and the modem and the tests read them, with this one codec.
package fcp

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed FCP")

// Structure is what a file descriptor byte says a file is (TS 102 221
// §11.1.1.4.3, table 11.5).
type Structure byte

const (
	DF          Structure = iota + 1 // a DF or ADF
	Transparent                      // a transparent EF
	LinearFixed                      // a linear fixed EF
	Cyclic                           // a cyclic EF
	BERTLV                           // a BER-TLV EF
)

func (s Structure) String() string {
	switch s {
	case DF:
		return "DF"
	case Transparent:
		return "transparent EF"
	case LinearFixed:
		return "linear fixed EF"
	case Cyclic:
		return "cyclic EF"
	case BERTLV:
		return "BER-TLV EF"
	}
	return fmt.Sprintf("Structure(%d)", byte(s))
}

// Records reports whether the file is made of records.
func (s Structure) Records() bool { return s == LinearFixed || s == Cyclic }

// File descriptor bytes (b7 shareable, b6-b4 the file type, b3-b1 the
// structure) and the data coding byte every UICC gives (21: TS 102 221
// §11.1.1.4.3, proprietary behaviour of write and a data unit of one byte).
const (
	shareable  = 0x40
	dfBits     = 0x38
	dataCoding = 0x21
)

// structureBits are the file descriptor byte's b6-b1 for each structure
// (of a working EF, for the EFs).
var structureBits = map[Structure]byte{DF: dfBits, Transparent: 0x01, LinearFixed: 0x02, Cyclic: 0x06, BERTLV: 0x39}

// structureOf reads b6-b1 of a file descriptor byte: a working EF (b6-b4
// 000) and an internal one (001) alike; 0 for none known.
func structureOf(bits byte) Structure {
	switch bits {
	case dfBits:
		return DF
	case structureBits[BERTLV]:
		return BERTLV
	}
	if bits>>3 > 1 {
		return 0
	}
	switch bits & 0x07 {
	case 0x01:
		return Transparent
	case 0x02:
		return LinearFixed
	case 0x06:
		return Cyclic
	}
	return 0
}

// Descriptor is the file descriptor DO (82).
type Descriptor struct {
	Structure Structure
	Shareable bool
	// RecLen is a record EF's record length (1..65535).
	RecLen int
	// Records is a record EF's number of records: the fifth byte a SELECT
	// answers with; 0 leaves it out, as a CREATE FILE and a profile
	// package's Fcp do (their file size gives it).
	Records int
}

// Bytes is the descriptor's value: two bytes, or four or five for a
// record EF.
func (d Descriptor) Bytes() []byte {
	fdb := structureBits[d.Structure]
	if d.Shareable {
		fdb |= shareable
	}
	b := []byte{fdb, dataCoding}
	if d.Structure.Records() {
		b = append(b, byte(d.RecLen>>8), byte(d.RecLen))
		if d.Records > 0 {
			b = append(b, byte(d.Records))
		}
	}
	return b
}

// ParseDescriptor reads a file descriptor's value.
func ParseDescriptor(v []byte) (Descriptor, error) {
	if len(v) < 2 {
		return Descriptor{}, fmt.Errorf("%w: file descriptor %X: want at least 2 bytes", ErrMalformed, v)
	}
	fdb := v[0]
	if fdb&0x80 != 0 {
		return Descriptor{}, fmt.Errorf("%w: file descriptor byte %02X: b8 set (RFU)", ErrMalformed, fdb)
	}
	d := Descriptor{Shareable: fdb&shareable != 0, Structure: structureOf(fdb &^ shareable)}
	if d.Structure == 0 {
		return Descriptor{}, fmt.Errorf("%w: file descriptor byte %02X: no known file structure", ErrMalformed, fdb)
	}
	if !d.Structure.Records() {
		if len(v) != 2 {
			return Descriptor{}, fmt.Errorf("%w: file descriptor %X of a %s: want 2 bytes", ErrMalformed, v, d.Structure)
		}
		return d, nil
	}
	if len(v) != 4 && len(v) != 5 {
		return Descriptor{}, fmt.Errorf("%w: file descriptor %X of a %s: want 4 or 5 bytes", ErrMalformed, v, d.Structure)
	}
	d.RecLen = int(v[2])<<8 | int(v[3])
	if d.RecLen == 0 {
		return Descriptor{}, fmt.Errorf("%w: file descriptor %X: record length 0", ErrMalformed, v)
	}
	if len(v) == 5 {
		if d.Records = int(v[4]); d.Records == 0 {
			return Descriptor{}, fmt.Errorf("%w: file descriptor %X: 0 records", ErrMalformed, v)
		}
	}
	return d, nil
}

// PINState is one key of a PIN status template: its key reference (TS
// 102 221 §9.5.1, table 9.3) and whether its verification is enabled.
type PINState struct {
	Key     byte
	Enabled bool
}

// PINStatusTemplate is the value of a PIN status template DO C6 (TS 102
// 221 §11.1.1.4.10): the PS_DO 90, whose bits from b8 of its first byte
// down say for each key reference in order whether it is enabled (1),
// then a key reference 83 for each key.
func PINStatusTemplate(pins []PINState) []byte {
	ps := make([]byte, (len(pins)+7)/8)
	var keys []byte
	for i, p := range pins {
		if p.Enabled {
			ps[i/8] |= 0x80 >> (i % 8)
		}
		keys = tlv.New(0x83, []byte{p.Key}).AppendTo(keys)
	}
	return append(tlv.New(0x90, ps).Bytes(), keys...)
}

// ParsePINStatusTemplate reads a C6's value. A usage qualifier (95) after
// a key reference applies to it and is skipped; a key the PS_DO has no bit
// for is refused.
func ParsePINStatusTemplate(v []byte) ([]PINState, error) {
	dos, err := tlv.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("%w: PIN status template %X: %w", ErrMalformed, v, err)
	}
	if len(dos) == 0 || dos[0].Tag != 0x90 {
		return nil, fmt.Errorf("%w: PIN status template %X: no PS_DO (90) first", ErrMalformed, v)
	}
	ps := dos[0].Value
	var pins []PINState
	for _, do := range dos[1:] {
		switch do.Tag {
		case 0x95:
			continue
		case 0x83:
		default:
			return nil, fmt.Errorf("%w: PIN status template %X: tag %X", ErrMalformed, v, do.Tag)
		}
		i := len(pins)
		if len(do.Value) != 1 || i/8 >= len(ps) {
			return nil, fmt.Errorf("%w: PIN status template %X: key reference %d", ErrMalformed, v, i+1)
		}
		pins = append(pins, PINState{Key: do.Value[0], Enabled: ps[i/8]&(0x80>>(i%8)) != 0})
	}
	return pins, nil
}

// Template is an FCP template (62): what a SELECT with P2 04 answers.
type Template struct {
	Descriptor Descriptor
	// FID is the file identifier (83); the MF's is 3F00.
	FID uint16
	// AID is an ADF's DF name (84).
	AID []byte
	// UICC is the MF's UICC characteristics (A5 holding 80, §11.1.1.4.6.1);
	// nil for other files.
	UICC []byte
	// LifeCycle is the life cycle status integer (8A): 05 operational and
	// activated.
	LifeCycle byte
	// ARRFile and ARRRecord are the security attributes in referenced
	// format (8B): the EF ARR and its record that hold the file's access
	// rules.
	ARRFile   uint16
	ARRRecord byte
	// Size is an EF's size in bytes (80).
	Size int
	// SFI is an EF's short file identifier (88): 0 for none. When 88 is
	// absent, the FID's five low bits are its SFI (§11.1.1.4.8).
	SFI byte
	// PINs is a DF's PIN status template (C6).
	PINs []PINState
}

// Bytes encodes the template with the data objects in the order TS 102
// 221 lists them. An EF always gets 88, empty when it has no SFI, since an
// absent 88 would mean the FID's low bits. The total file size (81) is
// optional and not written.
func (t Template) Bytes() []byte {
	items := []tlv.TLV{tlv.New(0x82, t.Descriptor.Bytes()), tlv.New(0x83, []byte{byte(t.FID >> 8), byte(t.FID)})}
	if t.AID != nil {
		items = append(items, tlv.New(0x84, t.AID))
	}
	if t.UICC != nil {
		items = append(items, tlv.Constructed(0xA5, tlv.New(0x80, t.UICC)))
	}
	items = append(items, tlv.New(0x8A, []byte{t.LifeCycle}),
		tlv.New(0x8B, []byte{byte(t.ARRFile >> 8), byte(t.ARRFile), t.ARRRecord}))
	if t.Descriptor.Structure == DF {
		items = append(items, tlv.New(0xC6, PINStatusTemplate(t.PINs)))
	} else {
		items = append(items, tlv.New(0x80, []byte{byte(t.Size >> 8), byte(t.Size)}))
		sfi := []byte{}
		if t.SFI != 0 {
			sfi = []byte{t.SFI << 3}
		}
		items = append(items, tlv.New(0x88, sfi))
	}
	return tlv.Constructed(0x62, items...).Bytes()
}

// Parse reads an FCP template: the whole of b, as a SELECT's answer data.
// A file descriptor is required; the other data objects are read when
// present, and data objects this package does not model are skipped.
func Parse(b []byte) (Template, error) {
	top, rest, err := tlv.ParseOne(b)
	if err != nil {
		return Template{}, fmt.Errorf("%w: %X: %w", ErrMalformed, b, err)
	}
	if top.Tag != 0x62 || len(rest) != 0 {
		return Template{}, fmt.Errorf("%w: %X: not one FCP template (62)", ErrMalformed, b)
	}
	dos, err := top.Children()
	if err != nil {
		return Template{}, fmt.Errorf("%w: %X: %w", ErrMalformed, b, err)
	}
	var t Template
	seen := map[uint32]bool{}
	for _, do := range dos {
		if seen[do.Tag] {
			return Template{}, fmt.Errorf("%w: %X: data object %X twice", ErrMalformed, b, do.Tag)
		}
		seen[do.Tag] = true
		if err := t.read(do); err != nil {
			return Template{}, fmt.Errorf("%w: %X: %w", ErrMalformed, b, err)
		}
	}
	if !seen[0x82] {
		return Template{}, fmt.Errorf("%w: %X: no file descriptor (82)", ErrMalformed, b)
	}
	if !seen[0x88] && t.Descriptor.Structure != DF {
		t.SFI = byte(t.FID & 0x1F)
	}
	return t, nil
}

// read takes one data object of a template into t.
func (t *Template) read(do tlv.TLV) error {
	v := do.Value
	switch do.Tag {
	case 0x82:
		d, err := ParseDescriptor(v)
		if err != nil {
			return err
		}
		t.Descriptor = d
	case 0x83:
		if len(v) != 2 {
			return fmt.Errorf("file identifier %X", v)
		}
		t.FID = uint16(v[0])<<8 | uint16(v[1])
	case 0x84:
		if len(v) == 0 || len(v) > 16 {
			return fmt.Errorf("DF name %X", v)
		}
		t.AID = v
	case 0xA5:
		if c, ok := do.Find(0x80); ok {
			t.UICC = c.Value
		}
	case 0x8A:
		if len(v) != 1 {
			return fmt.Errorf("life cycle status %X", v)
		}
		t.LifeCycle = v[0]
	case 0x8B:
		// EF ARR's file id, then a record number, or pairs of a security
		// environment and a record number: the first record applies.
		if len(v) < 3 || len(v) > 3 && len(v)%2 != 0 {
			return fmt.Errorf("security attributes %X", v)
		}
		t.ARRFile, t.ARRRecord = uint16(v[0])<<8|uint16(v[1]), v[2]
		if len(v) > 3 {
			t.ARRRecord = v[3]
		}
	case 0x80:
		if len(v) == 0 || len(v) > 4 {
			return fmt.Errorf("file size %X", v)
		}
		for _, c := range v {
			t.Size = t.Size<<8 | int(c)
		}
	case 0x88:
		switch {
		case len(v) == 0:
		case len(v) == 1 && v[0]&0x07 == 0 && v[0] != 0:
			t.SFI = v[0] >> 3
		default:
			return fmt.Errorf("short file identifier %X", v)
		}
	case 0xC6:
		pins, err := ParsePINStatusTemplate(v)
		if err != nil {
			return err
		}
		t.PINs = pins
	}
	return nil
}
