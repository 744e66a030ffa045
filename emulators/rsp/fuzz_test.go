package rsp

import (
	"bytes"
	"testing"
)

// decoders lists every Decode in the package; the fuzz targets check none
// panics and that accepted input re-encodes to something that decodes.
var decoders = []func([]byte) (func() []byte, error){
	func(b []byte) (func() []byte, error) { v, err := DecodeEuiccInfo1(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) { v, err := DecodeEuiccInfo2(b); return v.Encode, err },
	func(b []byte) (func() []byte, error) {
		v, err := DecodeEuiccChallenge(b)
		return func() []byte { return EncodeEuiccChallenge(v) }, err
	},
	func(b []byte) (func() []byte, error) { v, err := DecodeServerSigned1(b); return v.Encode, err },
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
	func(b []byte) (func() []byte, error) { v, err := DecodeProfileElements(b); return v.Encode, err },
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
}

// FuzzDecode runs every decoder over the input; accepted input must
// re-encode into bytes the same decoder accepts.
func FuzzDecode(f *testing.F) {
	sig := bytes.Repeat([]byte{1}, 64)
	pir := ProfileInstallationResult{Data: ProfileInstallationResultData{TransactionID: []byte{1}, OK: true, AID: []byte{1, 2, 3, 4, 5},
		Notification: NotificationMetadata{Seq: 1, Event: EventInstall, Address: "x"}}, Signature: sig}
	meta := ProfileMetadata{ICCID: "89331000000000000037", ServiceProviderName: "sfr", ProfileName: "SFR", IMSI: "208100000000035", Size: 30000}
	for _, s := range [][]byte{pir.Encode(), meta.Encode(), ProfileElements(meta).Encode(), sampleInfo2().Encode(),
		EncodeNotificationSentRequest(5), GetEuiccChallengeRequest(), EncodeEuiccChallenge(make([]byte, 16)),
		CancelSessionRequest{TransactionID: []byte{1}, Reason: 1}.Encode()} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i, dec := range decoders {
			enc, err := dec(b)
			if err != nil {
				continue
			}
			if _, err := dec(enc()); err != nil {
				t.Fatalf("decoder %d: re-encoding of %X rejected: %v", i, b, err)
			}
		}
	})
}

// FuzzBPPLoader feeds a valid package's segments with fuzzed bytes spliced
// in; the loader must never panic and never finish on a modified package.
func FuzzBPPLoader(f *testing.F) {
	fx := newBPPFixture(f)
	segs := fx.segments(f, fx.params)
	f.Add(uint8(0), uint16(0), byte(1))
	f.Add(uint8(3), uint16(5), byte(0x80))
	f.Add(uint8(200), uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, which uint8, off uint16, x byte) {
		in := append([][]byte{}, segs...)
		i := int(which) % (len(segs) + 1)
		modified := false
		if i < len(segs) && x != 0 && len(in[i]) > 0 {
			in[i] = append([]byte{}, in[i]...)
			in[i][int(off)%len(in[i])] ^= x
			modified = true
		} else if i == len(segs) {
			in = append(in[:len(in)-1], in[int(off)%len(in)])
			modified = int(off)%len(segs) != len(segs)-1
		}
		l := NewBPPLoader(fx.session())
		for _, s := range in {
			if _, err := l.Load(s); err != nil {
				return
			}
		}
		if modified && l.Done() {
			t.Fatalf("modified package installed (segment %d offset %d xor %02X)", i, off, x)
		}
	})
}
