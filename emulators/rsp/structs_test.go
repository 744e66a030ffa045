package rsp

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

// Hex vectors for the small ES10b messages (SGP.22 §5.7).
func TestEncodeVectors(t *testing.T) {
	install := EventInstall
	seq := 3
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"GetEuiccChallenge request", GetEuiccChallengeRequest(), "BF2E 00"},
		{"GetEUICCInfo1 request", GetEUICCInfo1Request(), "BF20 00"},
		{"challenge", EncodeEuiccChallenge(bytes.Repeat([]byte{0xAB}, 16)), "BF2E 12 8010 ABABABABABABABABABABABABABABABAB"},
		{"NotificationSent", EncodeNotificationSentRequest(0x80), "BF30 04 8002 0080"},
		{"NotificationSent ok", EncodeNotificationSentResponse(DeleteOK), "BF30 03 800100"},
		{"ListNotification install", ListNotificationRequest{Filter: &install}.Encode(), "BF28 04 8102 0780"},
		{"RetrieveNotificationsList by seq", RetrieveNotificationsListRequest{Seq: &seq}.Encode(), "BF2B 05 A003 800103"},
		{"RetrieveNotificationsList error", EncodeRetrieveNotificationsListResponse(nil, NotifErrNoResultAvailable), "BF2B 03 810101"},
		{"NotificationMetadata enable", NotificationMetadata{Seq: 1, Event: EventEnable, Address: "a.b", ICCID: "89330000000000000013"}.Encode(),
			"BF2F 18 800101 81020640 0C03612E62 5A0A 98330000000000000031"},
		{"CancelSession", CancelSessionRequest{TransactionID: []byte{1, 2}, Reason: CancelLoadBppExecution}.Encode(), "BF41 07 80020102 810105"},
		{"AuthenticateServer error", AuthenticateServerResponse{TransactionID: []byte{9}, ErrorCode: AuthErrInvalidSignature}.Encode(),
			"BF38 08 A106 800109 020102"},
		{"PrepareDownload error", PrepareDownloadResponse{TransactionID: []byte{9}, ErrorCode: DlErrInvalidTransactionID}.Encode(),
			"BF21 08 A106 800109 020105"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if want := hexdump.Bytes(t, tc.want); !bytes.Equal(tc.got, want) {
				t.Errorf("got %X\nwant %X", tc.got, want)
			}
		})
	}
}

func sampleInfo2() EuiccInfo2 {
	return EuiccInfo2{ProfileVersion: [3]byte{2, 3, 0}, SVN: [3]byte{2, 2, 2}, FirmwareVer: [3]byte{1, 0, 0},
		InstalledApps: 2, FreeNVM: 256 << 10, FreeVM: 4096,
		CiPKIDVerify: [][]byte{{1, 2, 3}}, CiPKIDSign: [][]byte{{1, 2, 3}}, PPVersion: [3]byte{0, 0, 1}}
}

func sampleCert() []byte { return []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02} }

// Round trips: Decode(Encode(x)) == x for every structure (signed parts
// compared after clearing Raw, which Decode fills with the received bytes).
func TestRoundTrips(t *testing.T) {
	s1 := ServerSigned1{TransactionID: []byte{1, 2, 3, 4}, EuiccChallenge: bytes.Repeat([]byte{1}, 16),
		ServerAddress: "smdp.sfr.test", ServerChallenge: bytes.Repeat([]byte{2}, 16)}
	ctx := CtxParams1{MatchingID: "MATCH-1", TAC: [4]byte{0x35, 0x29, 0x06, 0x11}}
	es1 := EuiccSigned1{TransactionID: s1.TransactionID, ServerAddress: s1.ServerAddress, ServerChallenge: s1.ServerChallenge,
		EuiccInfo2: sampleInfo2(), CtxParams1: ctx}
	sig := bytes.Repeat([]byte{0x55}, 64)
	otpk := append([]byte{4}, bytes.Repeat([]byte{3}, 64)...)
	meta := ProfileMetadata{ICCID: "8933100000000000003", ServiceProviderName: "sfr", ProfileName: "SFR test", IMSI: "208100000000002", MNCLen: 2, Size: 40000}
	pir := ProfileInstallationResult{Data: ProfileInstallationResultData{TransactionID: []byte{1}, OK: true, AID: []byte{0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 0x11},
		Notification: NotificationMetadata{Seq: 7, Event: EventInstall, Address: "smdp.sfr.test", ICCID: meta.ICCID}}, Signature: sig}
	pirErr := pir
	pirErr.Data.OK, pirErr.Data.AID, pirErr.Data.CommandID, pirErr.Data.ErrorReason = false, nil, BPPCmdLoadProfileElements, ReasonSCP03tSecurityError
	other := OtherSignedNotification{Metadata: NotificationMetadata{Seq: 8, Event: EventDelete, Address: "smdp.sfr.test", ICCID: meta.ICCID},
		Signature: sig, EuiccCertificate: sampleCert(), EUMCertificate: sampleCert()}
	clearRaw := func(v any) any {
		switch x := v.(type) {
		case AuthenticateServerRequest:
			x.ServerSigned1.Raw = nil
			return x
		case AuthenticateServerResponse:
			x.EuiccSigned1.Raw = nil
			return x
		case PrepareDownloadRequest:
			x.SmdpSigned2.Raw = nil
			return x
		case PrepareDownloadResponse:
			x.EuiccSigned2.Raw = nil
			return x
		case ProfileInstallationResult:
			x.Data.Raw = nil
			return x
		case PendingNotification:
			if x.Install != nil {
				c := *x.Install
				c.Data.Raw = nil
				x.Install = &c
			}
			if x.Other != nil {
				c := *x.Other
				c.RawMetadata = nil
				x.Other = &c
			}
			return x
		case CancelSessionResponse:
			x.Raw = nil
			return x
		}
		return v
	}
	tests := []struct {
		name   string
		in     any
		enc    []byte
		decode func([]byte) (any, error)
	}{
		{"EuiccInfo1", EuiccInfo1{SVN: [3]byte{2, 2, 2}, CiPKIDVerify: [][]byte{{1}}, CiPKIDSign: [][]byte{{1}, {2}}},
			EuiccInfo1{SVN: [3]byte{2, 2, 2}, CiPKIDVerify: [][]byte{{1}}, CiPKIDSign: [][]byte{{1}, {2}}}.Encode(),
			func(b []byte) (any, error) { return DecodeEuiccInfo1(b) }},
		{"EuiccInfo2", sampleInfo2(), sampleInfo2().Encode(), func(b []byte) (any, error) { return DecodeEuiccInfo2(b) }},
		{"AuthenticateServerRequest", AuthenticateServerRequest{ServerSigned1: s1, ServerSignature1: sig, CiPKIDToBeUsed: []byte{1, 2, 3}, ServerCertificate: sampleCert(), CtxParams1: ctx},
			AuthenticateServerRequest{ServerSigned1: s1, ServerSignature1: sig, CiPKIDToBeUsed: []byte{1, 2, 3}, ServerCertificate: sampleCert(), CtxParams1: ctx}.Encode(),
			func(b []byte) (any, error) { return DecodeAuthenticateServerRequest(b) }},
		{"AuthenticateServerResponse ok", AuthenticateServerResponse{EuiccSigned1: es1, EuiccSignature1: sig, EuiccCertificate: sampleCert(), EUMCertificate: sampleCert()},
			AuthenticateServerResponse{EuiccSigned1: es1, EuiccSignature1: sig, EuiccCertificate: sampleCert(), EUMCertificate: sampleCert()}.Encode(),
			func(b []byte) (any, error) { return DecodeAuthenticateServerResponse(b) }},
		{"PrepareDownloadRequest", PrepareDownloadRequest{SmdpSigned2: SmdpSigned2{TransactionID: []byte{1}, CCRequired: false}, SmdpSignature2: sig, SmdpCertificate: sampleCert()},
			PrepareDownloadRequest{SmdpSigned2: SmdpSigned2{TransactionID: []byte{1}}, SmdpSignature2: sig, SmdpCertificate: sampleCert()}.Encode(),
			func(b []byte) (any, error) { return DecodePrepareDownloadRequest(b) }},
		{"PrepareDownloadResponse", PrepareDownloadResponse{EuiccSigned2: EuiccSigned2{TransactionID: []byte{1}, EuiccOtpk: otpk}, EuiccSignature2: sig},
			PrepareDownloadResponse{EuiccSigned2: EuiccSigned2{TransactionID: []byte{1}, EuiccOtpk: otpk}, EuiccSignature2: sig}.Encode(),
			func(b []byte) (any, error) { return DecodePrepareDownloadResponse(b) }},
		{"ProfileMetadata", meta, meta.Encode(), func(b []byte) (any, error) { return DecodeProfileMetadata(b) }},
		{"ProfileElements", ProfileElements(meta), ProfileElements(meta).Encode(), func(b []byte) (any, error) { return DecodeProfileElements(b) }},
		{"PIR ok", pir, pir.Encode(), func(b []byte) (any, error) { return DecodeProfileInstallationResult(b) }},
		{"PIR error", pirErr, pirErr.Encode(), func(b []byte) (any, error) { return DecodeProfileInstallationResult(b) }},
		{"Pending other", PendingNotification{Other: &other}, PendingNotification{Other: &other}.Encode(),
			func(b []byte) (any, error) { return DecodePendingNotification(b) }},
		{"CancelSession response", CancelSessionResponse{TransactionID: []byte{1}, SmdpOID: []byte{0x2B, 6}, Reason: 1, Signature: sig},
			CancelSessionResponse{TransactionID: []byte{1}, SmdpOID: []byte{0x2B, 6}, Reason: 1, Signature: sig}.Encode(),
			func(b []byte) (any, error) { return DecodeCancelSessionResponse(b) }},
		{"CancelSession request", CancelSessionRequest{TransactionID: []byte{1}, Reason: 2}, CancelSessionRequest{TransactionID: []byte{1}, Reason: 2}.Encode(),
			func(b []byte) (any, error) { return DecodeCancelSessionRequest(b) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.decode(tc.enc)
			if err != nil {
				t.Fatalf("decode %X: %v", tc.enc, err)
			}
			if !reflect.DeepEqual(clearRaw(got), tc.in) {
				t.Errorf("round trip\n got %+v\nwant %+v", clearRaw(got), tc.in)
			}
			// Truncations and a wrong outer tag are refused with ErrDecode.
			for _, bad := range [][]byte{tc.enc[:len(tc.enc)-1], append([]byte{0x9F, 0x7F}, tc.enc[2:]...)} {
				if _, err := tc.decode(bad); !errors.Is(err, ErrDecode) {
					t.Errorf("decode(%X) = %v, want ErrDecode", bad, err)
				}
			}
		})
	}
}

func TestPendingNotificationsList(t *testing.T) {
	sig := bytes.Repeat([]byte{1}, 64)
	pir := ProfileInstallationResult{Data: ProfileInstallationResultData{TransactionID: []byte{1}, OK: true, AID: []byte{1, 2, 3, 4, 5},
		Notification: NotificationMetadata{Seq: 1, Event: EventInstall, Address: "x"}}, Signature: sig}
	other := OtherSignedNotification{Metadata: NotificationMetadata{Seq: 2, Event: EventEnable, Address: "x"}, Signature: sig,
		EuiccCertificate: sampleCert(), EUMCertificate: sampleCert()}
	b := EncodeRetrieveNotificationsListResponse([]PendingNotification{{Install: &pir}, {Other: &other}}, 0)
	list, code, err := DecodeRetrieveNotificationsListResponse(b)
	if err != nil || code != 0 || len(list) != 2 || list[0].Metadata().Seq != 1 || list[1].Metadata().Event != EventEnable {
		t.Fatalf("list %+v code %d err %v", list, code, err)
	}
	if !bytes.Equal(list[0].Encode(), pir.Encode()) || !bytes.Equal(list[1].Encode(), other.Encode()) {
		t.Error("re-encoding a received notification changed it")
	}
	md, err := DecodeListNotificationResponse(EncodeListNotificationResponse([]NotificationMetadata{pir.Data.Notification, other.Metadata}))
	if err != nil || len(md) != 2 || md[1].Seq != 2 {
		t.Fatalf("ListNotification %+v %v", md, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		dec  func([]byte) error
	}{
		{"negative seq", "BF30 03 8001 80", func(b []byte) error { _, err := DecodeNotificationSentRequest(b); return err }},
		{"huge seq", "BF30 08 8006 010000000000", func(b []byte) error { _, err := DecodeNotificationSentRequest(b); return err }},
		{"short challenge", "BF2E 03 800101", func(b []byte) error { _, err := DecodeEuiccChallenge(b); return err }},
		{"two events", "BF28 04 8102 06C0", func(b []byte) error { _, err := DecodeListNotificationRequest(b); return err }},
		{"unknown criterion", "BF2B 05 A003 820101", func(b []byte) error { _, err := DecodeRetrieveNotificationsListRequest(b); return err }},
		{"bad ICCID BCD", "BF25 0C 5A0A 9833AA00000000000000", func(b []byte) error { _, err := DecodeProfileMetadata(b); return err }},
		{"trailing", "BF2E 00 00", func(b []byte) error { _, err := DecodeEuiccChallenge(b); return err }},
	}
	for _, tc := range tests {
		if err := tc.dec(hexdump.Bytes(t, tc.hex)); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: %v, want ErrDecode", tc.name, err)
		}
	}
}
