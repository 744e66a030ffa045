package dialect

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// ES10 requests a host sends (SGP.22 §5.7), each on a fresh ISD-R channel.

// EID reads the card's EID with GetEuiccData (BF3E, tag list 5A).
func (h Host) EID() (string, error) {
	rsp, err := h.es10([]byte{0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A}, 0xBF3E, false)
	if err != nil {
		return "", fmt.Errorf("GetEuiccData: %w", err)
	}
	eid, ok := rsp.Find(0x5A)
	if !ok || len(eid.Value) != 16 {
		return "", fmt.Errorf("GetEuiccData: no 16-byte EID (5A) in %X", rsp.Bytes())
	}
	return fmt.Sprintf("%X", eid.Value), nil
}

// EUICCInfo1 reads GetEUICCInfo1 (BF20): the SVN and the CI key ids the
// card verifies and signs with.
func (h Host) EUICCInfo1() (tlv.TLV, error) {
	rsp, err := h.es10([]byte{0xBF, 0x20, 0x00}, 0xBF20, false)
	if err != nil {
		return tlv.TLV{}, fmt.Errorf("GetEUICCInfo1: %w", err)
	}
	return rsp, nil
}

// Enable sends EnableProfile (BF31) for an ICCID with refreshFlag set, so
// the card asks the modem for a REFRESH, and returns the card's
// enableResult (0 ok, 1 ICCID not found, 2 not in disabled state, ...).
func (h Host) Enable(iccid string) (int, error) {
	if len(iccid) < 18 || len(iccid) > 20 {
		return 0, fmt.Errorf("EnableProfile: ICCID %q: want 18..20 digits", iccid)
	}
	req := tlv.Constructed(0xBF31,
		tlv.Constructed(0xA0, tlv.New(0x5A, bcd.Swapped(iccid, 10))),
		tlv.New(0x81, []byte{0xFF}),
	).Bytes()
	// The REFRESH resets the card, which closes every logical channel: a
	// modem may refuse the +CCHC that follows.
	rsp, err := h.es10(req, 0xBF31, true)
	if err != nil {
		return 0, fmt.Errorf("EnableProfile: %w", err)
	}
	res, ok := rsp.Find(0x80)
	if !ok || len(res.Value) != 1 {
		return 0, fmt.Errorf("EnableProfile: no enableResult (80) in %X", rsp.Bytes())
	}
	return int(res.Value[0]), nil
}

// es10 runs one ES10 request on its own ISD-R channel and decodes the
// answer, which must carry the tag want; resets says the request may reset
// the card, so that closing the channel may fail.
func (h Host) es10(req []byte, want uint32, resets bool) (tlv.TLV, error) {
	ch, err := h.OpenISDR()
	if err != nil {
		return tlv.TLV{}, fmt.Errorf("open ISD-R: %w", err)
	}
	data, err := ch.StoreData(req)
	if cerr := ch.Close(); cerr != nil && err == nil && !resets {
		err = fmt.Errorf("close channel: %w", cerr)
	}
	if err != nil {
		return tlv.TLV{}, err
	}
	t, rest, err := tlv.ParseOne(data)
	switch {
	case err != nil:
		return tlv.TLV{}, fmt.Errorf("answer %X: %w", data, err)
	case t.Tag != want || len(rest) != 0:
		return tlv.TLV{}, fmt.Errorf("answer %X: want one %X", data, want)
	}
	return t, nil
}
