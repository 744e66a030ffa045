package saip

// EUICCResponse (PEDefinitions): SEQUENCE { peStatus [0] SEQUENCE OF
// PEStatus, profileInstallationAborted [1] NULL OPTIONAL, statusMessage [2]
// UTF8String (2..64) OPTIONAL }; PEStatus is SEQUENCE { status [0],
// identification [1] OPTIONAL, additional-information [2] OPTIONAL, offset
// [3] OPTIONAL }. It travels in simaResponse of ProfileInstallationResult.

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// PEStatus is one status entry; ID, Info and Offset are -1 when absent.
type PEStatus struct {
	Status, ID, Info, Offset int
}

// EUICCResponse is the eUICC's answer to a profile package.
type EUICCResponse struct {
	Status  []PEStatus
	Aborted bool
	Message string // "" = absent
}

// maxStatus bounds the peStatus entries decoded.
const maxStatus = 64

// Encode returns the DER of r.
func (r EUICCResponse) Encode() []byte {
	var ss []tlv.TLV
	for _, s := range r.Status {
		cs := []tlv.TLV{tlv.Uint(0x80, s.Status)}
		for i, v := range []int{s.ID, s.Info, s.Offset} {
			if v >= 0 {
				cs = append(cs, tlv.Uint(0x81+uint32(i), v))
			}
		}
		ss = append(ss, tlv.Constructed(0x30, cs...))
	}
	cs := []tlv.TLV{tlv.Constructed(0xA0, ss...)}
	if r.Aborted {
		cs = append(cs, tlv.Null(0x81))
	}
	if r.Message != "" {
		cs = append(cs, tlv.New(0x82, []byte(r.Message)))
	}
	return tlv.Constructed(0x30, cs...).Bytes()
}

// DecodeEUICCResponses decodes simaResponse: one or more EUICCResponse
// SEQUENCEs one after the other.
func DecodeEUICCResponses(b []byte) ([]EUICCResponse, error) {
	list, err := tlv.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("EUICCResponse: %w", err)
	}
	if len(list) == 0 || len(list) > maxStatus {
		return nil, fmt.Errorf("EUICCResponse: %d responses: %w", len(list), tlv.ErrMalformed)
	}
	out := make([]EUICCResponse, 0, len(list))
	for _, o := range list {
		r, err := euiccResponseFrom(o)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func euiccResponseFrom(o tlv.TLV) (EUICCResponse, error) {
	bad := func(format string, a ...any) (EUICCResponse, error) {
		return EUICCResponse{}, fmt.Errorf("EUICCResponse: %s: %w", fmt.Sprintf(format, a...), tlv.ErrMalformed)
	}
	if o.Tag != 0x30 {
		return bad("tag %X", o.Tag)
	}
	cs, err := o.Children()
	if err != nil {
		return bad("%v", err)
	}
	var r EUICCResponse
	seen := map[uint32]bool{}
	for _, c := range cs {
		if seen[c.Tag] {
			return bad("field %X twice", c.Tag)
		}
		seen[c.Tag] = true
		switch c.Tag {
		case 0xA0:
			list, err := c.Children()
			if err != nil || len(list) > maxStatus {
				return bad("peStatus list")
			}
			for _, e := range list {
				s, err := peStatusFrom(e)
				if err != nil {
					return bad("%v", err)
				}
				r.Status = append(r.Status, s)
			}
		case 0x81:
			if len(c.Value) != 0 {
				return bad("profileInstallationAborted is NULL")
			}
			r.Aborted = true
		case 0x82:
			if len(c.Value) < 2 || len(c.Value) > 64 {
				return bad("statusMessage of %d bytes", len(c.Value))
			}
			r.Message = string(c.Value)
		}
	}
	if !seen[0xA0] {
		return bad("peStatus missing")
	}
	return r, nil
}

func peStatusFrom(e tlv.TLV) (PEStatus, error) {
	if e.Tag != 0x30 {
		return PEStatus{}, fmt.Errorf("PEStatus tag %X", e.Tag)
	}
	cs, err := e.Children()
	if err != nil {
		return PEStatus{}, err
	}
	s := PEStatus{Status: -1, ID: -1, Info: -1, Offset: -1}
	for _, c := range cs {
		n, err := tlv.ParseUint(c.Value)
		if err != nil {
			return PEStatus{}, err
		}
		switch c.Tag {
		case 0x80:
			s.Status = n
		case 0x81:
			s.ID = n
		case 0x82:
			s.Info = n
		case 0x83:
			s.Offset = n
		}
	}
	if s.Status < 0 {
		return PEStatus{}, fmt.Errorf("PEStatus without status")
	}
	return s, nil
}
