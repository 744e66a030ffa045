package es10

// Common mutual authentication structures (SGP.22 §5.7.13
// AuthenticateServer, §6.5.2.6 ServerSigned1): ServerSigned1, CtxParams1,
// AuthenticateServerRequest, EuiccSigned1 and AuthenticateServerResponse.

import (
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// ServerSigned1 (30): 80 transactionId, 81 euiccChallenge, 83 serverAddress,
// 84 serverChallenge. Raw is the received encoding (what serverSignature1
// covers); Encode always re-encodes from the fields.
type ServerSigned1 struct {
	TransactionID   []byte
	EuiccChallenge  []byte
	ServerAddress   string
	ServerChallenge []byte
	Raw             []byte
}

func (s ServerSigned1) tlv() tlv.TLV {
	return tlv.Constructed(0x30, tlv.New(0x80, s.TransactionID), tlv.New(0x81, s.EuiccChallenge),
		tlv.New(0x83, []byte(s.ServerAddress)), tlv.New(0x84, s.ServerChallenge))
}

// Encode returns the DER of ServerSigned1.
func (s ServerSigned1) Encode() []byte { return s.tlv().Bytes() }

// Signed returns Raw when decoded, else the encoding: the signed bytes.
func (s ServerSigned1) Signed() []byte {
	if s.Raw != nil {
		return s.Raw
	}
	return s.Encode()
}

// DecodeServerSigned1 decodes ServerSigned1.
func DecodeServerSigned1(b []byte) (ServerSigned1, error) {
	f, err := parseOuter(b, 0x30)
	if err != nil {
		return ServerSigned1{}, err
	}
	return serverSigned1From(f, b)
}

func serverSigned1From(f *fields, raw []byte) (ServerSigned1, error) {
	s := ServerSigned1{
		TransactionID:   clone(f.get(0x80)),
		EuiccChallenge:  clone(f.fixed(0x81, ChallengeLen)),
		ServerAddress:   f.text(0x83, maxText),
		ServerChallenge: clone(f.fixed(0x84, ChallengeLen)),
		Raw:             clone(raw),
	}
	if f.err == nil && (len(s.TransactionID) == 0 || len(s.TransactionID) > 16) {
		f.err = decodeErr("transactionId of %d bytes", len(s.TransactionID))
	}
	return s, f.err
}

// DeviceCapabilities is the device's highest fully supported release per
// technology (SGP.22 §4.2, all optional, automatic tags 80..88); a zero
// Version is absent.
type DeviceCapabilities struct {
	GSM, UTRAN, CDMA1x, CDMAHRPD, CDMAeHRPD, EUTRAN, Contactless, RSPCRL, RSPRPM Version
}

func (d *DeviceCapabilities) list() []*Version {
	return []*Version{&d.GSM, &d.UTRAN, &d.CDMA1x, &d.CDMAHRPD, &d.CDMAeHRPD, &d.EUTRAN, &d.Contactless, &d.RSPCRL, &d.RSPRPM}
}

func (d DeviceCapabilities) tlv() tlv.TLV {
	var cs []tlv.TLV
	for i, v := range d.list() {
		if *v != (Version{}) {
			cs = append(cs, tlv.New(0x80+uint32(i), v[:]))
		}
	}
	return tlv.Constructed(0xA1, cs...)
}

// DeviceInfo is what the device tells the SM-DP+ about itself (SGP.22 §4.2):
// tac [0] 80 (Octet4), deviceCapabilities [1] A1, imei [2] 82 (Octet8,
// optional). The IMEI is a TBCD string (TS 29.002 §17.7.8: digit 1 in the
// low nibble) except its last octet, which since SGP.22 v2.1 holds the
// check digit in the high nibble and the F filler in the low one; the TAC
// is the first four octets of that coding, as Android's and lpac's LPAs
// send it. Later releases add fields; the decoder skips them.
type DeviceInfo struct {
	TAC          string // 8 digits
	Capabilities DeviceCapabilities
	IMEI         string // 15 digits, "" = absent or not readable as an IMEI
	// IMEIOctets is an imei that does not read as 15 digits (16 of an
	// IMEISV, a vendor's own coding), as received: the module makes it
	// any Octet8, the card passes it on, the SM-DP+ judges it.
	IMEIOctets []byte
}

// DeviceInfoFor fills TAC from an IMEI (its first 8 digits, TS 23.003
// §6.2.1) and keeps the IMEI.
func DeviceInfoFor(imei string, caps DeviceCapabilities) DeviceInfo {
	tac := imei
	if len(tac) > 8 {
		tac = tac[:8]
	}
	return DeviceInfo{TAC: tac, Capabilities: caps, IMEI: imei}
}

// unknownTAC is sent for a DeviceInfo that names no TAC: eight zero digits
// (no TAC is allocated in the 00 reporting-body range).
const unknownTAC = "00000000"

func (d DeviceInfo) tlv() tlv.TLV {
	tac := d.TAC
	if tac == "" {
		tac = unknownTAC
	}
	cs := []tlv.TLV{tlv.New(0x80, bcd.Swapped(tac, 4)), d.Capabilities.tlv()}
	switch {
	case d.IMEI != "":
		cs = append(cs, tlv.New(0x82, imeiOctets(d.IMEI)))
	case d.IMEIOctets != nil:
		cs = append(cs, tlv.New(0x82, d.IMEIOctets))
	}
	return tlv.Constructed(0xA1, cs...)
}

func deviceInfoFrom(obj tlv.TLV) (DeviceInfo, error) {
	f, err := inner(obj)
	if err != nil {
		return DeviceInfo{}, err
	}
	var d DeviceInfo
	tac, caps := f.fixed(0x80, 4), f.obj(0xA1)
	imei, hasIMEI := f.opt(0x82)
	if f.err != nil {
		return DeviceInfo{}, f.err
	}
	if d.TAC, err = bcd.Unswapped(tac); err != nil || len(d.TAC) != 8 {
		return DeviceInfo{}, decodeErr("deviceInfo: tac %X: want 8 TBCD digits", tac)
	}
	if hasIMEI {
		if len(imei) != 8 {
			return DeviceInfo{}, decodeErr("deviceInfo: imei of %d bytes, want 8", len(imei))
		}
		if d.IMEI, err = imeiDigits(imei); err != nil {
			d.IMEIOctets = append([]byte(nil), imei...)
		}
	}
	cf, err := inner(caps)
	if err != nil {
		return DeviceInfo{}, err
	}
	for i, v := range d.Capabilities.list() {
		*v = cf.optVersion(0x80 + uint32(i))
	}
	return d, cf.err
}

// imeiOctets codes 15 IMEI digits as SGP.22 §4.2 asks: digits 1–14 as
// TBCD in seven octets, then the check digit in the high nibble of the
// eighth with an F filler below it.
func imeiOctets(imei string) []byte {
	if len(imei) != 15 {
		return bcd.Swapped(imei, 8) // not an IMEI: coded as is, the decoder will say so
	}
	return append(bcd.Swapped(imei[:14], 7), (imei[14]-'0')<<4|0x0F)
}

// imeiDigits reads an imei field as 15 digits. Besides SGP.22's own
// coding (check digit high, F low) it reads the last octet as plain TBCD
// (digit low, F or 0 filler high), which lpac and devices written to
// SGP.22 v2.0 send. The digits are not checked further: a card passes
// ctxParams1 on as received, and the Luhn digit is the SM-DP+'s business,
// not the codec's; a field in neither form is kept as octets.
func imeiDigits(b []byte) (string, error) {
	if len(b) != 8 {
		return "", decodeErr("deviceInfo: imei of %d bytes, want 8", len(b))
	}
	head, err := bcd.Unswapped(b[:7])
	hi, lo := b[7]>>4, b[7]&0x0F
	check := byte(0xFF) // no digit until a known form gives one
	switch {
	case lo == 0x0F && hi <= 9:
		check = hi
	case (hi == 0x0F || hi == 0) && lo <= 9:
		check = lo
	}
	if err != nil || len(head) != 14 || check > 9 {
		return "", decodeErr("deviceInfo: imei %X: want 15 digits (TBCD, check digit in the last octet)", b)
	}
	return head + string('0'+check), nil
}

// CtxParams1 is the CHOICE ctxParams1, whose only alternative is
// ctxParamsForCommonAuthentication [0] (A0): matchingId [0] 80
// (UTF8String, optional) and deviceInfo [1] A1. Raw is the A0 object as
// received: the card puts those very bytes back into euiccSigned1 (SGP.22
// §5.7.13: the SM-DP+ must see what the device sent), so Encode returns Raw
// when it is set.
type CtxParams1 struct {
	MatchingID string
	DeviceInfo DeviceInfo
	Raw        []byte
}

func (c CtxParams1) tlv() tlv.TLV {
	if c.Raw != nil {
		if o, rest, err := tlv.ParseOne(c.Raw); err == nil && len(rest) == 0 {
			return o
		}
	}
	var cs []tlv.TLV
	if c.MatchingID != "" {
		cs = append(cs, tlv.New(0x80, []byte(c.MatchingID)))
	}
	cs = append(cs, c.DeviceInfo.tlv())
	return tlv.Constructed(0xA0, cs...)
}

// Encode returns the A0 encoding (Raw when set).
func (c CtxParams1) Encode() []byte { return c.tlv().Bytes() }

func ctxParams1From(obj tlv.TLV) (CtxParams1, error) {
	if obj.Tag != 0xA0 {
		return CtxParams1{}, decodeErr("ctxParams1: choice %X", obj.Tag)
	}
	f, err := inner(obj)
	if err != nil {
		return CtxParams1{}, err
	}
	c := CtxParams1{Raw: obj.Bytes()}
	if m, ok := f.optText(0x80, maxText); ok {
		c.MatchingID = m
	}
	di := f.obj(0xA1)
	if f.err != nil {
		return CtxParams1{}, f.err
	}
	if c.DeviceInfo, err = deviceInfoFrom(di); err != nil {
		return CtxParams1{}, err
	}
	return c, nil
}

// DecodeCtxParams1 decodes ctxParams1 (A0).
func DecodeCtxParams1(b []byte) (CtxParams1, error) {
	obj, rest, err := tlv.ParseOne(b)
	if err != nil || len(rest) != 0 {
		return CtxParams1{}, decodeErr("ctxParams1: not one object")
	}
	return ctxParams1From(obj)
}

// AuthenticateServerRequest (BF38): 30 serverSigned1, 5F37 serverSignature1,
// 04 euiccCiPKIdToBeUsed, 30 serverCertificate, A0 ctxParams1.
type AuthenticateServerRequest struct {
	ServerSigned1     ServerSigned1
	ServerSignature1  []byte
	CiPKIDToBeUsed    []byte
	ServerCertificate []byte
	CtxParams1        CtxParams1
}

// Encode returns the BF38 encoding.
func (r AuthenticateServerRequest) Encode() []byte {
	return tlv.Constructed(TagAuthenticateServer,
		tlv.New(0x30, r.ServerSigned1.tlv().Value),
		tlv.New(TagSignature, r.ServerSignature1),
		tlv.New(0x04, r.CiPKIDToBeUsed),
		tlv.New(0x30, certValue(r.ServerCertificate)),
		r.CtxParams1.tlv()).Bytes()
}

// certValue strips the outer 30 of a DER certificate so that tlv.New(0x30)
// re-wraps it unchanged; a malformed input is carried as is.
func certValue(der []byte) []byte {
	obj, rest, err := tlv.ParseOne(der)
	if err != nil || len(rest) != 0 || obj.Tag != 0x30 {
		return der
	}
	return obj.Value
}

// certOf returns the full DER of a 30 field.
func certOf(f *fields, n int) []byte {
	t := f.nth(0x30, n)
	if f.err != nil {
		return nil
	}
	if len(t.Value) > maxCert {
		f.err = decodeErr("certificate of %d bytes", len(t.Value))
		return nil
	}
	return t.Bytes()
}

// DecodeAuthenticateServerRequest decodes BF38 as the card receives it.
func DecodeAuthenticateServerRequest(b []byte) (AuthenticateServerRequest, error) {
	f, err := parseOuter(b, TagAuthenticateServer)
	if err != nil {
		return AuthenticateServerRequest{}, err
	}
	var r AuthenticateServerRequest
	s1 := f.nth(0x30, 0)
	r.ServerSignature1 = clone(f.sized(TagSignature, 0, MaxReceivedSig))
	r.CiPKIDToBeUsed = clone(f.get(0x04))
	r.ServerCertificate = certOf(f, 1)
	ctx := f.obj(0xA0)
	if f.err != nil {
		return AuthenticateServerRequest{}, f.err
	}
	sf, err := inner(s1)
	if err != nil {
		return AuthenticateServerRequest{}, err
	}
	if r.ServerSigned1, err = serverSigned1From(sf, s1.Bytes()); err != nil {
		return AuthenticateServerRequest{}, err
	}
	if r.CtxParams1, err = ctxParams1From(ctx); err != nil {
		return AuthenticateServerRequest{}, err
	}
	return r, nil
}

// EuiccSigned1 (30): 80 transactionId, 83 serverAddress, 84 serverChallenge,
// BF22 euiccInfo2, A0 ctxParams1.
type EuiccSigned1 struct {
	TransactionID   []byte
	ServerAddress   string
	ServerChallenge []byte
	EuiccInfo2      EuiccInfo2
	CtxParams1      CtxParams1
	Raw             []byte
}

func (s EuiccSigned1) tlv() tlv.TLV {
	return tlv.Constructed(0x30, tlv.New(0x80, s.TransactionID), tlv.New(0x83, []byte(s.ServerAddress)),
		tlv.New(0x84, s.ServerChallenge), s.EuiccInfo2.tlv(), s.CtxParams1.tlv())
}

// Encode returns the DER of EuiccSigned1.
func (s EuiccSigned1) Encode() []byte { return s.tlv().Bytes() }

// Signed returns the bytes euiccSignature1 covers.
func (s EuiccSigned1) Signed() []byte {
	if s.Raw != nil {
		return s.Raw
	}
	return s.Encode()
}

func euiccSigned1From(obj tlv.TLV) (EuiccSigned1, error) {
	f, err := inner(obj)
	if err != nil {
		return EuiccSigned1{}, err
	}
	s := EuiccSigned1{
		TransactionID:   clone(f.get(0x80)),
		ServerAddress:   f.text(0x83, maxText),
		ServerChallenge: clone(f.fixed(0x84, ChallengeLen)),
		Raw:             obj.Bytes(),
	}
	info, ctx := f.obj(TagGetEUICCInfo2), f.obj(0xA0)
	if f.err != nil {
		return EuiccSigned1{}, f.err
	}
	inf, err := inner(info)
	if err != nil {
		return EuiccSigned1{}, err
	}
	if s.EuiccInfo2, err = euiccInfo2From(inf); err != nil {
		return EuiccSigned1{}, err
	}
	s.CtxParams1, err = ctxParams1From(ctx)
	return s, err
}

// AuthenticateErrorCode values (SGP.22 §5.7.13).
const (
	AuthErrInvalidCertificate     = 1
	AuthErrInvalidSignature       = 2
	AuthErrUnsupportedCurve       = 3
	AuthErrNoSessionContext       = 4
	AuthErrInvalidOid             = 5
	AuthErrEuiccChallengeMismatch = 6
	AuthErrCiPKUnknown            = 7
	AuthErrUndefined              = 127
)

// AuthenticateServerResponse (BF38) is either authenticateResponseOk (A0:
// 30 euiccSigned1, 5F37 euiccSignature1, 30 euiccCertificate, 30
// eumCertificate) or, when ErrorCode != 0, authenticateResponseError (A1:
// 80 transactionId, 02 authenticateErrorCode).
type AuthenticateServerResponse struct {
	EuiccSigned1     EuiccSigned1
	EuiccSignature1  []byte
	EuiccCertificate []byte
	EUMCertificate   []byte
	TransactionID    []byte // error form
	ErrorCode        int
}

// Encode returns the BF38 encoding.
func (r AuthenticateServerResponse) Encode() []byte {
	if r.ErrorCode != 0 {
		return tlv.Constructed(TagAuthenticateServer, tlv.Constructed(0xA1,
			tlv.New(0x80, r.TransactionID), tlv.Uint(0x02, r.ErrorCode))).Bytes()
	}
	return tlv.Constructed(TagAuthenticateServer, tlv.Constructed(0xA0,
		tlv.New(0x30, r.EuiccSigned1.tlv().Value), tlv.New(TagSignature, r.EuiccSignature1),
		tlv.New(0x30, certValue(r.EuiccCertificate)), tlv.New(0x30, certValue(r.EUMCertificate)))).Bytes()
}

// DecodeAuthenticateServerResponse decodes BF38 as the SM-DP+ receives it.
func DecodeAuthenticateServerResponse(b []byte) (AuthenticateServerResponse, error) {
	f, err := parseOuter(b, TagAuthenticateServer)
	if err != nil {
		return AuthenticateServerResponse{}, err
	}
	if len(f.list) != 1 {
		return AuthenticateServerResponse{}, decodeErr("BF38: %d choices", len(f.list))
	}
	c, err := inner(f.list[0])
	if err != nil {
		return AuthenticateServerResponse{}, err
	}
	var r AuthenticateServerResponse
	switch f.list[0].Tag {
	case 0xA1:
		r.TransactionID = clone(c.get(0x80))
		r.ErrorCode = c.integer(0x02)
		if c.err == nil && r.ErrorCode == 0 {
			c.err = decodeErr("BF38: error code 0")
		}
		return r, c.err
	case 0xA0:
	default:
		return AuthenticateServerResponse{}, decodeErr("BF38: choice %X", f.list[0].Tag)
	}
	s1 := c.nth(0x30, 0)
	r.EuiccSignature1 = clone(c.fixed(TagSignature, SigLen))
	r.EuiccCertificate = certOf(c, 1)
	r.EUMCertificate = certOf(c, 2)
	if c.err != nil {
		return AuthenticateServerResponse{}, c.err
	}
	r.EuiccSigned1, err = euiccSigned1From(s1)
	return r, err
}
