package stk

// E-UTRAN network measurement results (TS 31.111 §8.22 Network Measurement
// Results, §6.4.15 PROVIDE LOCAL INFORMATION): with the E-UTRAN
// measurement qualifier in the command, the terminal answers data object 16
// holding the MeasurementReport message of TS 36.331 §6.2.2 in unaligned
// PER (ITU-T X.691), the form Wireshark's CAT dissector decodes it in.
// Only the Rel-8 form is written, and only the root of MeasResults (no
// extension additions):
//
//	MeasurementReport ::= SEQUENCE {
//	  criticalExtensions CHOICE {             -- alternative 0 of 2
//	    c1 CHOICE { measurementReport-r8 MeasurementReport-r8-IEs, spare7 … spare1 NULL }, -- 0 of 8
//	    criticalExtensionsFuture SEQUENCE {} } }
//	MeasurementReport-r8-IEs ::= SEQUENCE {
//	  measResults MeasResults, nonCriticalExtension … OPTIONAL }  -- absent
//	MeasResults ::= SEQUENCE {              -- extensible
//	  measId               INTEGER (1..32),
//	  measResultPCell      SEQUENCE { rsrpResult INTEGER (0..97), rsrqResult INTEGER (0..34) },
//	  measResultNeighCells CHOICE {         -- extensible; alternative 0 of 4
//	    measResultListEUTRA SEQUENCE (SIZE (1..8)) OF MeasResultEUTRA, ... } OPTIONAL,
//	  ... }
//	MeasResultEUTRA ::= SEQUENCE {
//	  physCellId INTEGER (0..503),
//	  cgi-Info   SEQUENCE { cellGlobalId SEQUENCE { plmn-Identity, cellIdentity BIT STRING (SIZE (28)) },
//	                        trackingAreaCode BIT STRING (SIZE (16)),
//	                        plmn-IdentityList ... OPTIONAL } OPTIONAL,
//	  measResult SEQUENCE { rsrpResult INTEGER (0..97) OPTIONAL, rsrqResult INTEGER (0..34) OPTIONAL, ... } }
//	PLMN-Identity ::= SEQUENCE { mcc SEQUENCE (SIZE (3)) OF INTEGER (0..9) OPTIONAL,
//	                             mnc SEQUENCE (SIZE (2..3)) OF INTEGER (0..9) }
//
// RSRP and RSRQ travel as the reporting ranges of TS 36.133 §9.1.4 and
// §9.1.7: RSRP index = dBm + 141 (0..97), RSRQ index = 2 × (dB + 20)
// (0..34).

import (
	"errors"
	"fmt"
)

// TagMeasurementQualifier is the UTRAN/E-UTRAN measurement qualifier
// object (TS 102 223 §8.73); MeasQualEUTRANIntra asks for intra-frequency
// E-UTRAN measurements, MeasQualEUTRANInter for inter-frequency ones.
const (
	TagMeasurementQualifier = 0x69
	MeasQualEUTRANIntra     = 0x05
	MeasQualEUTRANInter     = 0x06
)

// maxNeighbours is maxCellReport of TS 36.331.
const maxNeighbours = 8

// Neighbour is one MeasResultEUTRA with its cgi-Info.
type Neighbour struct {
	PCI    int    // physCellId 0..503
	PLMN   string // from cgi-Info; "" leaves cgi-Info out
	CellID uint32 // 28-bit E-UTRAN cell identity
	TAC    uint16
	RSRP   int // dBm
	RSRQ   int // index 0..34
}

// MeasResults is the E-UTRAN NMR: the serving cell's RSRP (dBm) and RSRQ
// (index), and the neighbours.
type MeasResults struct {
	MeasID      int // 1..32
	ServingRSRP int
	ServingRSRQ int
	Neighbours  []Neighbour
}

// RSRPIndex is the TS 36.133 reporting range of an RSRP in dBm.
func RSRPIndex(dbm int) int { return min(max(dbm+141, 0), 97) }

// EncodeNMR encodes data object 16.
func EncodeNMR(m MeasResults) (SimpleTLV, error) {
	if m.MeasID < 1 || m.MeasID > 32 {
		return SimpleTLV{}, fmt.Errorf("network measurement results: measId %d outside 1..32", m.MeasID)
	}
	if len(m.Neighbours) > maxNeighbours {
		return SimpleTLV{}, fmt.Errorf("network measurement results: %d neighbours, at most %d", len(m.Neighbours), maxNeighbours)
	}
	var w bitWriter
	w.put(0, 1) // criticalExtensions: c1
	w.put(0, 3) // c1: measurementReport-r8
	w.put(0, 1) // no nonCriticalExtension
	w.put(0, 1) // MeasResults: no extension additions
	w.putBool(len(m.Neighbours) > 0)
	w.put(uint64(m.MeasID-1), 5)
	w.put(uint64(RSRPIndex(m.ServingRSRP)), 7)
	if err := w.putRange(m.ServingRSRQ, 0, 34, "rsrqResult"); err != nil {
		return SimpleTLV{}, err
	}
	if len(m.Neighbours) > 0 {
		w.put(0, 1) // CHOICE: a root alternative
		w.put(0, 2) // measResultListEUTRA
		w.put(uint64(len(m.Neighbours)-1), 3)
		for i, n := range m.Neighbours {
			if err := n.encode(&w); err != nil {
				return SimpleTLV{}, fmt.Errorf("network measurement results: neighbour %d: %w", i, err)
			}
		}
	}
	return SimpleTLV{Tag: TagNMR, Value: w.bytes()}, nil
}

func (n Neighbour) encode(w *bitWriter) error {
	w.putBool(n.PLMN != "")
	if err := w.putRange(n.PCI, 0, 503, "physCellId"); err != nil {
		return err
	}
	if n.PLMN != "" {
		if len(n.PLMN) != 5 && len(n.PLMN) != 6 {
			return fmt.Errorf("PLMN %q", n.PLMN)
		}
		if n.CellID >= 1<<28 {
			return fmt.Errorf("cell identity %X exceeds 28 bits", n.CellID)
		}
		w.put(0, 1) // no plmn-IdentityList
		w.put(1, 1) // mcc present
		for _, c := range n.PLMN[:3] {
			if err := w.putDigit(c); err != nil {
				return err
			}
		}
		w.put(uint64(len(n.PLMN)-5), 1) // mnc of 2 or 3 digits
		for _, c := range n.PLMN[3:] {
			if err := w.putDigit(c); err != nil {
				return err
			}
		}
		w.put(uint64(n.CellID), 28)
		w.put(uint64(n.TAC), 16)
	}
	w.put(0, 1)    // measResult: no extension additions
	w.put(0b11, 2) // rsrpResult and rsrqResult present
	w.put(uint64(RSRPIndex(n.RSRP)), 7)
	return w.putRange(n.RSRQ, 0, 34, "rsrqResult")
}

// DecodeNMR decodes data object 16 (a Rel-8 MeasurementReport whose
// MeasResults has no extension additions; padding bits must be zero).
func DecodeNMR(v []byte) (MeasResults, error) {
	r := bitReader{b: v}
	bad := func(err error) (MeasResults, error) {
		return MeasResults{}, fmt.Errorf("network measurement results: %w", err)
	}
	switch {
	case r.get(1) != 0:
		return bad(errors.New("MeasurementReport criticalExtensionsFuture is not supported"))
	case r.get(3) != 0:
		return bad(errors.New("MeasurementReport: a spare alternative of c1, not measurementReport-r8"))
	case r.get(1) != 0:
		return bad(errors.New("MeasurementReport nonCriticalExtension is not supported"))
	}
	if r.get(1) != 0 {
		return bad(errors.New("MeasResults extension additions are not supported"))
	}
	hasNeigh := r.get(1) == 1
	m := MeasResults{MeasID: int(r.get(5)) + 1}
	rsrp := int(r.get(7))
	m.ServingRSRQ = int(r.get(6))
	if rsrp > 97 || m.ServingRSRQ > 34 {
		return bad(fmt.Errorf("measResultPCell %d/%d out of range", rsrp, m.ServingRSRQ))
	}
	m.ServingRSRP = rsrp - 141
	if hasNeigh {
		if r.get(1) != 0 || r.get(2) != 0 {
			return bad(errors.New("neighbour results other than measResultListEUTRA"))
		}
		n := int(r.get(3)) + 1
		for i := 0; i < n && r.err == nil; i++ {
			nb, err := decodeNeighbour(&r)
			if err != nil {
				return bad(fmt.Errorf("neighbour %d: %w", i, err))
			}
			m.Neighbours = append(m.Neighbours, nb)
		}
	}
	if err := r.end(); err != nil {
		return bad(err)
	}
	return m, nil
}

func decodeNeighbour(r *bitReader) (Neighbour, error) {
	hasCGI := r.get(1) == 1
	n := Neighbour{PCI: int(r.get(9))}
	if n.PCI > 503 {
		return Neighbour{}, fmt.Errorf("physCellId %d", n.PCI)
	}
	if hasCGI {
		hasList := r.get(1) == 1
		if r.get(1) != 1 {
			return Neighbour{}, errors.New("cgi-Info without mcc")
		}
		digits := make([]byte, 0, 6)
		for range 3 {
			digits = append(digits, byte(r.get(4)))
		}
		for range 2 + int(r.get(1)) {
			digits = append(digits, byte(r.get(4)))
		}
		for _, d := range digits {
			if d > 9 {
				return Neighbour{}, fmt.Errorf("PLMN digit %d", d)
			}
			n.PLMN += string('0' + rune(d))
		}
		n.CellID, n.TAC = uint32(r.get(28)), uint16(r.get(16))
		if hasList {
			return Neighbour{}, errors.New("plmn-IdentityList is not supported")
		}
	}
	if r.get(1) != 0 {
		return Neighbour{}, errors.New("measResult extension additions are not supported")
	}
	hasRSRP, hasRSRQ := r.get(1) == 1, r.get(1) == 1
	rsrp, rsrq := -1, 0
	if hasRSRP {
		rsrp = int(r.get(7))
	}
	if hasRSRQ {
		rsrq = int(r.get(6))
	}
	if !hasRSRP || rsrp > 97 || rsrq > 34 {
		return Neighbour{}, fmt.Errorf("measResult without a valid rsrpResult")
	}
	n.RSRP, n.RSRQ = rsrp-141, rsrq
	return n, r.err
}

// bitWriter writes unaligned PER bit fields, most significant bit first.
type bitWriter struct {
	b []byte
	n int // bits written
}

func (w *bitWriter) put(v uint64, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>i&1 == 1 {
			w.b[w.n/8] |= 0x80 >> (w.n % 8)
		}
		w.n++
	}
}

func (w *bitWriter) putBool(b bool) {
	if b {
		w.put(1, 1)
	} else {
		w.put(0, 1)
	}
}

// putRange writes a constrained whole number in the fewest bits its range
// needs (X.691 §12.2.2).
func (w *bitWriter) putRange(v, lo, hi int, name string) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s %d outside %d..%d", name, v, lo, hi)
	}
	bits := 0
	for (hi-lo)>>bits > 0 {
		bits++
	}
	w.put(uint64(v-lo), bits)
	return nil
}

func (w *bitWriter) putDigit(c rune) error {
	if c < '0' || c > '9' {
		return fmt.Errorf("PLMN digit %q", c)
	}
	w.put(uint64(c-'0'), 4)
	return nil
}

// bytes returns the encoding padded to whole octets with zero bits (X.691
// §11.1: a complete UPER encoding is an integral number of octets).
func (w *bitWriter) bytes() []byte { return w.b }

// bitReader reads unaligned PER bit fields; running past the end records an
// error and reads zeros.
type bitReader struct {
	b   []byte
	n   int
	err error
}

func (r *bitReader) get(bits int) uint64 {
	var v uint64
	for range bits {
		if r.n >= 8*len(r.b) {
			if r.err == nil {
				r.err = errors.New("truncated")
			}
			return 0
		}
		v = v<<1 | uint64(r.b[r.n/8]>>(7-r.n%8)&1)
		r.n++
	}
	return v
}

// end checks that only zero padding of less than one octet remains.
func (r *bitReader) end() error {
	if r.err != nil {
		return r.err
	}
	if 8*len(r.b)-r.n >= 8 {
		return fmt.Errorf("%d bytes after MeasResults", (8*len(r.b)-r.n)/8)
	}
	for r.n < 8*len(r.b) {
		if r.get(1) != 0 {
			return errors.New("padding bits not zero")
		}
	}
	return nil
}
