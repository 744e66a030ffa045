package es10

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

// Every decoder refuses what the module does not allow, with an error that
// wraps ErrDecode (the card answers those with 6A80 or the function's own
// error code).
func TestDecodeRefusals(t *testing.T) {
	long := strings.Repeat("41 ", 65) // 65 bytes of "A"
	cases := []struct {
		name   string
		in     string
		decode func([]byte) error
	}{
		{"trailing byte", "BF3E 03 5C 01 5A 00", func(b []byte) error { return DecodeGetEuiccDataRequest(b) }},
		{"other outer tag", "BF3F 03 5C 01 5A", func(b []byte) error { return DecodeGetEuiccDataRequest(b) }},
		{"indefinite length", "BF3E 80 5C 01 5A 00 00", func(b []byte) error { return DecodeGetEuiccDataRequest(b) }},
		{"length past the end", "BF3E 05 5C 01 5A", func(b []byte) error { return DecodeGetEuiccDataRequest(b) }},
		{"field given twice", "BF3E 06 5C 01 5A 5C 01 5A", func(b []byte) error { return DecodeGetEuiccDataRequest(b) }},
		{"tagList other than EID", "BF3E 03 5C 01 4F", func(b []byte) error { return DecodeGetEuiccDataRequest(b) }},
		{"EID of 15 bytes", "BF3E 11 5A 0F 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12", func(b []byte) error { _, err := DecodeEID(b); return err }},
		{"EID with a hex digit", "BF3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 1A 35", func(b []byte) error { _, err := DecodeEID(b); return err }},
		{"ICCID with a filler inside", "BF33 0C 5A 0A 98 F3 10 00 00 00 00 00 00 21", func(b []byte) error { _, err := DecodeDeleteProfileRequest(b); return err }},
		{"ICCID of 9 bytes", "BF33 0B 5A 09 98 33 10 00 00 00 00 00 00", func(b []byte) error { _, err := DecodeDeleteProfileRequest(b); return err }},
		{"delete with two identifiers", "BF33 0F 5A 0A " + vICCIDHex + " 4F 01 01", func(b []byte) error { _, err := DecodeDeleteProfileRequest(b); return err }},
		{"nickname over 64 characters", "BF29 4F 5A 0A " + vICCIDHex + " 90 41 " + long, func(b []byte) error { _, err := DecodeSetNicknameRequest(b); return err }},
		{"RetrieveNotificationsList seqNumber outside its criteria", "BF2B 03 80 01 0C", func(b []byte) error { _, err := DecodeRetrieveNotificationsListRequest(b); return err }},
		{"ListNotification operation constructed", "BF28 04 A1 02 07 80", func(b []byte) error { _, err := DecodeListNotificationRequest(b); return err }},
		{"nickname not UTF-8", "BF29 11 5A 0A " + vICCIDHex + " 90 03 FF FE C3", func(b []byte) error { _, err := DecodeSetNicknameRequest(b); return err }},
		{"nickname cut inside a character", "BF29 10 5A 0A " + vICCIDHex + " 90 02 41 C3", func(b []byte) error { _, err := DecodeSetNicknameRequest(b); return err }},
		{"profile list with a nickname not UTF-8", "BF2D 0D A0 0B E3 09 90 03 FF FE C3 9F 70 01 00",
			func(b []byte) error { _, _, err := DecodeProfileInfoList(b); return err }},
		{"BIT STRING with unused bits set", "BF34 04 82 02 05 A1", func(b []byte) error { _, err := DecodeEuiccMemoryResetRequest(b); return err }},
		{"BIT STRING with 8 unused bits", "BF34 04 82 02 08 00", func(b []byte) error { _, err := DecodeEuiccMemoryResetRequest(b); return err }},
		{"BIT STRING empty", "BF34 02 82 00", func(b []byte) error { _, err := DecodeEuiccMemoryResetRequest(b); return err }},
		{"negative INTEGER", "BF30 03 80 01 FF", func(b []byte) error { _, err := DecodeNotificationSentRequest(b); return err }},
		{"INTEGER over 4 bytes", "BF30 07 80 05 01 00 00 00 00", func(b []byte) error { _, err := DecodeNotificationSentRequest(b); return err }},
		{"refreshFlag not DER", "BF31 11 A0 0C 5A 0A " + vICCIDHex + " 81 01 01", func(b []byte) error { _, err := DecodeSwitchRequest(b); return err }},
		{"refreshFlag missing", "BF31 0E A0 0C 5A 0A " + vICCIDHex, func(b []byte) error { _, err := DecodeSwitchRequest(b); return err }},
		{"two operations in a notification", "BF2F 16 80 01 05 81 02 06 C0 0C 0D " + vAddrHex,
			func(b []byte) error { _, err := DecodeNotificationMetadata(b); return err }},
		{"profile state 2", "BF2D 08 A0 06 E3 04 9F 70 01 02",
			func(b []byte) error { _, _, err := DecodeProfileInfoList(b); return err }},
		{"profile list with both choices", "BF2D 05 A0 00 81 01 01", func(b []byte) error { _, _, err := DecodeProfileInfoList(b); return err }},
		{"profile list error 0", "BF2D 03 81 01 00", func(b []byte) error { _, _, err := DecodeProfileInfoList(b); return err }},
		{"profile list entry not E3", "BF2D 04 A0 02 30 00", func(b []byte) error { _, _, err := DecodeProfileInfoList(b); return err }},
		{"EUICCInfo1 without svn", "BF20 04 A9 00 AA 00", func(b []byte) error { _, err := DecodeEuiccInfo1(b); return err }},
		{"svn of 2 bytes", "BF20 08 82 02 02 02 A9 00 AA 00", func(b []byte) error { _, err := DecodeEuiccInfo1(b); return err }},
		{"key id list holding an INTEGER", "BF20 0B 82 03 02 02 02 A9 02 02 00 AA 00", func(b []byte) error { _, err := DecodeEuiccInfo1(b); return err }},
		{"deviceInfo IMEI of 7 bytes", "A0 18 A1 16 80 04 53 92 60 11 A1 05 85 03 0D 00 00 82 07 53 92 60 11 00 00 10",
			func(b []byte) error { _, err := DecodeCtxParams1(b); return err }},
		{"deviceInfo TAC not digits", "A0 0F A1 0D 80 04 53 92 6A 11 A1 05 85 03 0D 00 00", func(b []byte) error { _, err := DecodeCtxParams1(b); return err }},
		{"deviceInfo TAC of 3 bytes", "A0 09 A1 07 80 03 35 29 06 A1 00", func(b []byte) error { _, err := DecodeCtxParams1(b); return err }},
		{"deviceInfo without capabilities", "A0 08 A1 06 80 04 35 29 06 11", func(b []byte) error { _, err := DecodeCtxParams1(b); return err }},
		{"ctxParams1 other choice", "A1 08 A1 06 80 04 35 29 06 11", func(b []byte) error { _, err := DecodeCtxParams1(b); return err }},
		{"metadata icon without type", "BF25 14 5A 0A " + vICCIDHex + " 91 00 92 00 94 02 01 02", func(b []byte) error { _, err := DecodeProfileMetadata(b); return err }},
		{"metadata class 3", "BF25 13 5A 0A " + vICCIDHex + " 91 00 92 00 95 01 03", func(b []byte) error { _, err := DecodeProfileMetadata(b); return err }},
		{"service provider name over 32 bytes", "BF25 33 5A 0A " + vICCIDHex + " 91 21 " + strings.Repeat("41 ", 33) + " 92 00",
			func(b []byte) error { _, err := DecodeProfileMetadata(b); return err }},
		{"owner mccMnc not BCD", "BF25 17 5A 0A " + vICCIDHex + " 91 00 92 00 B7 05 80 03 A2 F8 01", func(b []byte) error { _, err := DecodeProfileMetadata(b); return err }},
		// The wildcard E belongs to a RAT's operators, never to an owner.
		{"owner mccMnc with a wildcard", "BF25 17 5A 0A " + vICCIDHex + " 91 00 92 00 B7 05 80 03 02 F8 EE", func(b []byte) error { _, err := DecodeProfileMetadata(b); return err }},
		{"RAT operator mccMnc not BCD", "BF43 15 A0 13 30 11 80 02 06 40 A1 07 30 05 80 03 02 F8 AE 82 02 07 80", func(b []byte) error { _, err := DecodeRAT(b); return err }},
		{"RAT rule without pprFlags", "BF43 11 A0 0F 30 0D 80 02 06 40 A1 07 30 05 80 03 02 F8 01", func(b []byte) error { _, err := DecodeRAT(b); return err }},
		{"cancel without transactionId", "BF41 03 81 01 00", func(b []byte) error { _, err := DecodeCancelSessionRequest(b); return err }},
		{"transactionId of 17 bytes", "BF41 16 80 11 " + vTID + " 11 81 01 00", func(b []byte) error { _, err := DecodeCancelSessionRequest(b); return err }},
		{"authenticate error code 0", "BF38 08 A1 06 80 01 01 02 01 00", func(b []byte) error { _, err := DecodeAuthenticateServerResponse(b); return err }},
		{"prepareDownload with two choices", "BF21 04 A0 00 A1 00", func(b []byte) error { _, err := DecodePrepareDownloadResponse(b); return err }},
		{"session keys of 8 bytes", "BF26 1E 80 08 0000000000000000 81 08 0000000000000000 82 08 0000000000000000",
			func(b []byte) error { _, err := DecodeReplaceSessionKeys(b); return err }},
		{"BPP without its 86 sequence", "BF36 05 BF23 02 80 00", func(b []byte) error { _, err := BPPSegments(b); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.decode(hexdump.Bytes(t, c.in))
			if err == nil {
				t.Fatalf("%s accepted", c.in)
			}
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error %q does not wrap ErrDecode", err)
			}
		})
	}
}

// imei is any Octet8 in the module: one that does not read as an IMEI (16
// digits of an IMEISV, a filler inside, a hex nibble) is kept as octets
// and encoded back as it came, not refused — the card passes ctxParams1
// on, the SM-DP+ judges it.
func TestDeviceInfoIMEIAsReceived(t *testing.T) {
	for _, c := range []struct{ name, imei, digits string }{
		{"SGP.22 coding", "00 01 10 10 00 00 10 F3", "001001010000013"},
		{"plain TBCD", "00 01 10 10 00 00 10 3F", "001001010000013"},
		{"16 digits (IMEISV)", "00 01 10 10 00 00 10 13", ""},
		{"two digits in the last octet", "53 92 60 11 00 00 10 78", ""},
		{"a filler inside", "53 92 F0 11 00 00 10 7F", ""},
		{"a hex nibble", "00 01 10 10 00 00 1A F3", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := hexdump.Bytes(t, "A0 19 A1 17 80 04 53 92 60 11 A1 05 85 03 0D 00 00 82 08 "+c.imei)
			p, err := DecodeCtxParams1(in)
			if err != nil {
				t.Fatal(err)
			}
			d := p.DeviceInfo
			if d.IMEI != c.digits || (c.digits == "") != (d.IMEIOctets != nil) {
				t.Errorf("IMEI %q, octets %X; want %q", d.IMEI, d.IMEIOctets, c.digits)
			}
			if c.digits == "" && !bytes.Equal(d.tlv().Bytes()[len(d.tlv().Bytes())-8:], hexdump.Bytes(t, c.imei)) {
				t.Errorf("encoded back as %X", d.tlv().Bytes())
			}
		})
	}
}

// A UTF8String's SIZE counts characters (X.680): 64 two-octet or 21
// three-octet characters are a valid profileNickname, 65 are not.
func TestNicknameSizeInCharacters(t *testing.T) {
	for _, c := range []struct {
		nick string
		ok   bool
	}{
		{strings.Repeat("é", 64), true},
		{strings.Repeat("€", 64), true},
		{strings.Repeat("é", 65), false},
		{strings.Repeat("A", 64), true},
	} {
		b := SetNicknameRequest{ICCID: vICCID, Nickname: c.nick}.Encode()
		r, err := DecodeSetNicknameRequest(b)
		if c.ok != (err == nil) || c.ok && r.Nickname != c.nick {
			t.Errorf("%d characters, %d octets: %q, %v", len([]rune(c.nick)), len(c.nick), r.Nickname, err)
		}
	}
}

// EXTENSIBILITY IMPLIED: a field a later release adds is skipped, so an
// SGP.22 v2.4 or v3 peer's structures still decode.
func TestDecodeSkipsLaterFields(t *testing.T) {
	// EUICCInfo2 of the vector with treProperties [13] 8D 02 05 40
	// (isIntegrated) and treProductReference [14] 8E 01 54 appended: 108 +
	// 4 + 3 = 115 = 73.
	var info2 vector
	for _, v := range vectors(t) {
		if v.name == "EUICCInfo2" {
			info2 = v
		}
	}
	raw := hexdump.Bytes(t, info2.want)
	ext := append([]byte{0xBF, 0x22, 0x73}, raw[3:]...)
	ext = append(ext, 0x8D, 0x02, 0x05, 0x40, 0x8E, 0x01, 0x54)
	got, err := DecodeEuiccInfo2(ext)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(), raw) {
		t.Fatalf("later fields changed the decoded value: %X", got.Encode())
	}
}

// The card signs ctxParams1 exactly as it received it (SGP.22 §5.7.13): a
// DeviceInfo with fields this package does not know must come back byte
// for byte inside euiccSigned1, or the SM-DP+ that sent them would see a
// different structure from the one its LPA built.
func TestCtxParams1EchoedByteIdentical(t *testing.T) {
	// deviceInfo with an extra field 83 01 07 after the IMEI, and the
	// capabilities with contactlessSupportedRelease [6] and a [9] from a
	// later release (89 03 01 00 00): A1 05+5 → A1 0A; deviceInfo A1 1C+3
	// → A1 1F; ctxParams1 A0 05+33 = 38 = 26.
	in := hexdump.Bytes(t, `A0 26 80 03 41 42 43 A1 1F 80 04 53 92 60 11
		A1 0A 85 03 0D 00 00 89 03 01 00 00
		82 08 53 92 60 11 00 00 10 7F 83 01 07`)
	ctx, err := DecodeCtxParams1(in)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.MatchingID != "ABC" || ctx.DeviceInfo.IMEI != vIMEI || ctx.DeviceInfo.Capabilities.EUTRAN != (Version{13, 0, 0}) {
		t.Fatalf("decoded %+v", ctx)
	}
	s1 := EuiccSigned1{TransactionID: []byte{1}, ServerAddress: vAddr, ServerChallenge: make([]byte, 16), CtxParams1: ctx}
	if enc := s1.Encode(); !bytes.HasSuffix(enc, in) {
		t.Fatalf("euiccSigned1 %X does not end with the received ctxParams1 %X", enc, in)
	}
	// A ctxParams1 built locally (no Raw) is encoded from its fields.
	ctx.Raw = nil
	if bytes.Equal(ctx.Encode(), in) {
		t.Fatal("fields alone reproduced the unknown ones")
	}
}

func TestDeviceInfoWithoutTAC(t *testing.T) {
	// An LPA that knows no TAC still sends the mandatory field: eight zero
	// digits.
	got := CtxParams1{DeviceInfo: DeviceInfo{}}.Encode()
	want := hexdump.Bytes(t, "A0 0A A1 08 80 04 00 00 00 00 A1 00")
	if !bytes.Equal(got, want) {
		t.Fatalf("%X, want %X", got, want)
	}
}

// decoders lists every decoder of the package; FuzzDecode checks none
// panics and that accepted input re-encodes to bytes the same decoder
// accepts.
var decoders = []func([]byte) (func() []byte, error){
	func(b []byte) (func() []byte, error) { v, err := DecodeEuiccInfo1(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) { v, err := DecodeEuiccInfo2(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodeEuiccChallenge(b)
		return func() []byte { return EncodeEuiccChallenge(v) }, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodeServerSigned1(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) { v, err := DecodeCtxParams1(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodeAuthenticateServerRequest(b)
		return v.Encode, err
	},
	func(b []byte) (func() []byte, error) {
		v, err := DecodeAuthenticateServerResponse(b)
		return v.Encode, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodeSmdpSigned2(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) { v, err := DecodePrepareDownloadRequest(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodePrepareDownloadResponse(b)
		return v.Encode, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodeProfileMetadata(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) { v, err := DecodeNotificationMetadata(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodeProfileInstallationResult(b)
		return v.Encode, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodePendingNotification(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodeListNotificationRequest(b)
		return v.Encode, err
	},
	func(b []byte) (func() []byte, error) {
		v, err := DecodeListNotificationResponse(b)
		return func() []byte { return EncodeListNotificationResponse(v) }, err
	},
	func(b []byte) (func() []byte, error) {
		v, err := DecodeRetrieveNotificationsListRequest(b)
		return v.Encode, err
	},
	func(b []byte) (func() []byte, error) {
		v, c, err := DecodeRetrieveNotificationsListResponse(b)
		return func() []byte { return EncodeRetrieveNotificationsListResponse(v, c) }, err
	},
	func(b []byte) (func() []byte, error) {
		v, err := DecodeNotificationSentRequest(b)
		return func() []byte { return EncodeNotificationSentRequest(v) }, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodeCancelSessionRequest(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) { v, err := DecodeCancelSessionResponse(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodeInitialiseSecureChannel(b)
		return v.Encode, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodeReplaceSessionKeys(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) { v, err := DecodeProfileInfoListRequest(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, c, err := DecodeProfileInfoList(b)
		return func() []byte { return EncodeProfileInfoList(v, DefaultInfoTags, c) }, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodeSwitchRequest(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodeDeleteProfileRequest(b)
		return func() []byte { return DeleteProfileRequest(v) }, err
	},
	func(b []byte) (func() []byte, error) {
		v, err := DecodeEuiccMemoryResetRequest(b)
		return func() []byte { return EuiccMemoryResetRequest(v) }, err
	},
	func(b []byte) (func() []byte, error) {
		v, err := DecodeEID(b)
		return func() []byte { return EncodeEID(v) }, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodeSetNicknameRequest(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) { v, err := DecodeConfiguredAddresses(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodeSetDefaultDpAddressRequest(b)
		return func() []byte { return SetDefaultDpAddressRequest(v) }, err
	},
	func(b []byte) (func() []byte, error) {
		v, err := DecodeRAT(b)
		return func() []byte { return EncodeRAT(v) }, err
	},
}

// FuzzDecode runs every decoder over the input; none may panic, and input
// one accepts must re-encode into bytes the same decoder accepts.
func FuzzDecode(f *testing.F) {
	for _, v := range vectors(f) {
		f.Add(hexdump.Bytes(f, v.want))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i, dec := range decoders {
			enc, err := dec(b)
			if err != nil {
				if !errors.Is(err, ErrDecode) {
					t.Fatalf("decoder %d: error %q does not wrap ErrDecode", i, err)
				}
				continue
			}
			if _, err := dec(enc()); err != nil {
				t.Fatalf("decoder %d: re-encoding of %X rejected: %v", i, b, err)
			}
		}
	})
}

// The IMEI codings devices send (SGP.22 §4.2 and what LPAs in the field
// write) all decode to the same 15 digits; the TAC is read as TBCD too.
func TestDeviceInfoIMEICodings(t *testing.T) {
	for _, c := range []struct{ name, imei string }{
		{"SGP.22 v2.1: check digit high, F low (Android's EuiccCard)", "53 92 60 11 00 00 10 7F"},
		{"plain TBCD: F filler high (lpac)", "53 92 60 11 00 00 10 F7"},
		{"plain TBCD with a 0 filler (SGP.22 v2.0 devices)", "53 92 60 11 00 00 10 07"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := hexdump.Bytes(t, "A0 19 A1 17 80 04 53 92 60 11 A1 05 85 03 0D 00 00 82 08 "+c.imei)
			ctx, err := DecodeCtxParams1(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := ctx.DeviceInfo; d.IMEI != vIMEI || d.TAC != vIMEI[:8] {
				t.Fatalf("TAC %q IMEI %q, want %q and %q", d.TAC, d.IMEI, vIMEI[:8], vIMEI)
			}
		})
	}
}

// profileManagementOperation as a set (a filter, a notification address's
// operations), in DER both ways; a bit past the four named is left out.
func TestNotificationEvents(t *testing.T) {
	all := Events(EventInstall, EventEnable, EventDisable, EventDelete)
	for _, c := range []struct {
		set  NotificationEvents
		bits string
	}{
		{Events(), "00"},
		{Events(EventInstall), "07 80"},
		{Events(EventEnable, EventDelete), "04 50"},
		{all, "04 F0"},
	} {
		if got := c.set.bits(); !bytes.Equal(got, hexdump.Bytes(t, c.bits)) {
			t.Errorf("%v encodes as %X, want %s", c.set, got, c.bits)
		}
	}
	for _, c := range []struct {
		in   string
		want NotificationEvents
		ok   bool
	}{
		{"04 F0", all, true},
		{"07 F0", 0, false},  // unused bits set (X.690 §11.2.1)
		{"03 F8", all, true}, // a bit this release does not name
		{"00 50 00", Events(EventEnable, EventDelete), true}, // more octets than needed
		{"00", 0, true},
		{"", 0, false},
		{"08 80", 0, false},
		{"01", 0, false},
	} {
		got, err := decodeEvents(hexdump.Bytes(t, c.in))
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%s decodes as %v, %v; want %v (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
	// One notification names exactly one event.
	if _, err := decodeEvent(hexdump.Bytes(t, "04 F0")); err == nil {
		t.Error("a notification of four events accepted")
	}
}

// TestMetadataProfileClassDefault: profileClass is DEFAULT operational in
// StoreMetadataRequest, so DER leaves 95 01 02 out (X.690 §11.5) and a
// reader takes its absence as operational; a sender that still encodes the
// default is read the same.
func TestMetadataProfileClassDefault(t *testing.T) {
	base := "5A 0A " + vICCIDHex + " 91 00 92 00"
	for _, c := range []struct {
		name  string
		class int
		want  string // the BF25 content after the ICCID and names
	}{
		{"operational left out", ClassOperational, ""},
		{"test", ClassTest, "95 01 00"},
		{"provisioning", ClassProvisioning, "95 01 01"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ProfileMetadata{ICCID: vICCID, Class: c.class}.Encode()
			inner := hexdump.Bytes(t, base+" "+c.want)
			want := append([]byte{0xBF, 0x25, byte(len(inner))}, inner...)
			if !bytes.Equal(got, want) {
				t.Fatalf("encoded % X, want % X", got, want)
			}
			m, err := DecodeProfileMetadata(got)
			if err != nil || m.Class != c.class {
				t.Fatalf("decoded class %d, %v; want %d", m.Class, err, c.class)
			}
		})
	}
	m, err := DecodeProfileMetadata(hexdump.Bytes(t, "BF25 13 "+base+" 95 01 02"))
	if err != nil || m.Class != ClassOperational {
		t.Fatalf("explicit default: class %d, %v", m.Class, err)
	}
}
