package dialect

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// ES10 requests a host sends (SGP.22 §5.7), each on a fresh ISD-R channel,
// encoded and decoded by internal/proto/es10.

// EID reads the card's EID with GetEuiccData (BF3E, tag list 5A).
func (h Host) EID() (string, error) {
	rsp, err := h.es10(es10.GetEuiccDataRequest(), false)
	if err == nil {
		var eid string
		if eid, err = es10.DecodeEID(rsp); err == nil {
			return eid, nil
		}
	}
	return "", fmt.Errorf("GetEuiccData: %w", err)
}

// EUICCInfo1 reads GetEUICCInfo1 (BF20): the SVN and the CI key ids the
// card verifies and signs with.
func (h Host) EUICCInfo1() (es10.EuiccInfo1, error) {
	rsp, err := h.es10([]byte{0xBF, 0x20, 0x00}, false)
	if err == nil {
		var info es10.EuiccInfo1
		if info, err = es10.DecodeEuiccInfo1(rsp); err == nil {
			return info, nil
		}
	}
	return es10.EuiccInfo1{}, fmt.Errorf("GetEUICCInfo1: %w", err)
}

// Enable sends EnableProfile (BF31) for an ICCID with refreshFlag set, so
// the card asks the modem for a REFRESH, and returns the card's
// enableResult (es10.ResultOK, ResultNotFound, ResultWrongState, ...).
func (h Host) Enable(iccid string) (int, error) {
	req := es10.SwitchRequest{Tag: es10.TagEnableProfile, Profile: es10.ProfileID{ICCID: iccid}, Refresh: true}.Encode()
	// The REFRESH resets the card, which closes every logical channel: a
	// modem may refuse the +CCHC that follows.
	rsp, err := h.es10(req, true)
	if err == nil {
		var res int
		if res, err = es10.DecodeResult(es10.TagEnableProfile, rsp); err == nil {
			return res, nil
		}
	}
	return 0, fmt.Errorf("EnableProfile: %w", err)
}

// es10 runs one ES10 request on its own ISD-R channel and returns the
// answer's data, its lengths made DER (a real card may send BER ones,
// which the strict decoders refuse); resets says the request may reset
// the card, so that closing the channel may fail.
func (h Host) es10(req []byte, resets bool) ([]byte, error) {
	ch, err := h.OpenISDR()
	if err != nil {
		return nil, fmt.Errorf("open ISD-R: %w", err)
	}
	data, err := ch.StoreData(req)
	if cerr := ch.Close(); cerr != nil && err == nil && !resets {
		err = fmt.Errorf("close channel: %w", cerr)
	}
	return tlv.Canonical(data), err
}
