package es9

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Golden bodies written by hand from SGP.22 §6.5.2: member names as the
// spec spells them, transactionId in hex, every other binary value base64
// (RFC 4648 with padding) of the TLV. "MAA=" is 30 00, "vyAA" is BF 20 00,
// "XzcA" is 5F 37 00, "BAA=" is 04 00, "vzYA" BF 36 00, "vzcA" BF 37 00,
// "v0EA" BF 41 00, "vyUA" BF 25 00, "vzgA" BF 38 00, "vyEA" BF 21 00;
// sixteen zero bytes are "AAAAAAAAAAAAAAAAAAAAAA==".
func TestGoldenBodies(t *testing.T) {
	tid := TransactionID{0x01, 0xAB}
	cases := []struct {
		name string
		msg  Message
		json string
	}{
		{"initiateAuthentication request", &InitiateAuthenticationRequest{SMDPAddress: "smdp.sfr.test", EuiccChallenge: make([]byte, 16),
			EuiccInfo1: []byte{0xBF, 0x20, 0x00}},
			`{"smdpAddress":"smdp.sfr.test","euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA"}`},
		// A release 3 LPA's request: its capability is taken as it is.
		{"initiateAuthentication request from a v3 LPA", &InitiateAuthenticationRequest{SMDPAddress: "smdp.sfr.test", EuiccChallenge: make([]byte, 16),
			EuiccInfo1: []byte{0xBF, 0x20, 0x00}, LpaRspCapability: []byte{0x03, 0x02, 0x05, 0xA0}},
			`{"smdpAddress":"smdp.sfr.test","euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA","lpaRspCapability":"AwIFoA=="}`},
		{"initiateAuthentication response", &InitiateAuthenticationResponse{Header: Success(), TransactionID: tid,
			ServerSigned1: []byte{0x30, 0}, ServerSignature1: []byte{0x5F, 0x37, 0}, EuiccCiPKIdToBeUsed: []byte{0x04, 0},
			ServerCertificate: []byte{0x30, 0}},
			`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01AB",` +
				`"serverSigned1":"MAA=","serverSignature1":"XzcA","euiccCiPKIdToBeUsed":"BAA=","serverCertificate":"MAA="}`},
		{"authenticateClient request", &AuthenticateClientRequest{TransactionID: tid, AuthenticateServerResponse: []byte{0xBF, 0x38, 0}},
			`{"transactionId":"01AB","authenticateServerResponse":"vzgA"}`},
		{"authenticateClient response", &AuthenticateClientResponse{Header: Success(), TransactionID: tid, ProfileMetadata: []byte{0xBF, 0x25, 0},
			SmdpSigned2: []byte{0x30, 0}, SmdpSignature2: []byte{0x5F, 0x37, 0}, SmdpCertificate: []byte{0x30, 0}},
			`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01AB",` +
				`"profileMetadata":"vyUA","smdpSigned2":"MAA=","smdpSignature2":"XzcA","smdpCertificate":"MAA="}`},
		{"getBoundProfilePackage request", &GetBoundProfilePackageRequest{TransactionID: tid, PrepareDownloadResponse: []byte{0xBF, 0x21, 0}},
			`{"transactionId":"01AB","prepareDownloadResponse":"vyEA"}`},
		{"getBoundProfilePackage response", &GetBoundProfilePackageResponse{Header: Success(), TransactionID: tid, BoundProfilePackage: []byte{0xBF, 0x36, 0}},
			`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01AB","boundProfilePackage":"vzYA"}`},
		{"handleNotification request", &HandleNotificationRequest{PendingNotification: []byte{0xBF, 0x37, 0}},
			`{"pendingNotification":"vzcA"}`},
		{"cancelSession request", &CancelSessionRequest{TransactionID: tid, CancelSessionResponse: []byte{0xBF, 0x41, 0}},
			`{"transactionId":"01AB","cancelSessionResponse":"v0EA"}`},
		{"cancelSession response", &HeaderOnly{Header: Success()},
			`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}}`},
		// A failure: subject 8.8 (SM-DP+), reason 3.8 (refused), §5.6.
		{"failed function", &HeaderOnly{Header: Failure("8.8", "3.8", "refused")},
			`{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.8","reasonCode":"3.8","message":"refused"}}}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(Encode(c.msg)); got != c.json {
				t.Fatalf("encoded\n %s\nwant\n %s", got, c.json)
			}
			back := reflect.New(reflect.TypeOf(c.msg).Elem()).Interface().(Message)
			if err := Decode([]byte(c.json), back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, c.msg) {
				t.Fatalf("decoded %+v\nwant    %+v", back, c.msg)
			}
		})
	}
}

func TestTakesProtocol(t *testing.T) {
	for _, tc := range []struct {
		proto string
		want  bool
	}{
		{AdminProtocol, true},
		{"gsma/rsp/v2.5.0", true},
		{"gsma/rsp/v3.1.0", true}, // a v3 LPA, answered as 2.2
		{"gsma/rsp/v1.0.0", false},
		{"gsma/rsp/v4.0.0", false},
		{"gsma/rsp/v2.2", false},
		{"gsma/rsp/v2.2.x", false},
		{"gsma/rsp/v2..0", false},
		{"GSMA/RSP/v2.2.0", false},
		{"gsma/rsp/v22.2.0", false},
		{"", false},
	} {
		if got := TakesProtocol(tc.proto); got != tc.want {
			t.Errorf("TakesProtocol(%q) = %v, want %v", tc.proto, got, tc.want)
		}
	}
}

func TestTransactionIDEitherCase(t *testing.T) {
	var r AuthenticateClientRequest
	if err := Decode([]byte(`{"transactionId":"01ab","authenticateServerResponse":"vzgA"}`), &r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.TransactionID, []byte{0x01, 0xAB}) || r.TransactionID.String() != "01AB" {
		t.Fatalf("transactionId %X", []byte(r.TransactionID))
	}
}

// Every malformed body is refused with an error naming the field (an ES9+
// server answers it with HTTP 400 or a Failed status) and never panics.
func TestDecodeRefusals(t *testing.T) {
	big := `{"pendingNotification":"` + strings.Repeat("A", MaxBody) + `"}`
	cases := []struct {
		name  string
		fn    string
		body  string
		field string // "": not one JSON object of the function's fields (ErrJSON)
	}{
		{"empty body", FnAuthenticateClient, ``, ""},
		{"array", FnAuthenticateClient, `[]`, ""},
		{"unknown member with a duplicate inside", FnAuthenticateClient, `{"transactionId":"01","authenticateServerResponse":"vzgA","x":{"a":1,"a":2}}`, ""},
		{"member in another case", FnAuthenticateClient, `{"TransactionId":"01","authenticateServerResponse":"vzgA"}`, ""},
		{"member in upper case", FnInitiateAuthentication, `{"SMDPADDRESS":"a","euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA"}`, ""},
		{"duplicate member", FnHandleNotification, `{"pendingNotification":"vzcA","pendingNotification":"vzcA"}`, ""},
		{"null for a string", FnInitiateAuthentication, `{"smdpAddress":null,"euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA"}`, ""},
		{"two objects", FnAuthenticateClient, `{"transactionId":"01","authenticateServerResponse":"vzgA"}{}`, ""},
		{"number for bytes", FnAuthenticateClient, `{"transactionId":"01","authenticateServerResponse":5}`, ""},
		{"bad base64", FnAuthenticateClient, `{"transactionId":"01","authenticateServerResponse":"v*gA"}`, ""},
		{"over MaxBody", FnHandleNotification, big, ""},
		{"transactionId not hex", FnAuthenticateClient, `{"transactionId":"0G","authenticateServerResponse":"vzgA"}`, "transactionId"},
		{"transactionId of 17 bytes", FnAuthenticateClient, `{"transactionId":"` + strings.Repeat("00", 17) + `","authenticateServerResponse":"vzgA"}`, "transactionId"},
		{"transactionId missing", FnGetBoundProfilePackage, `{"prepareDownloadResponse":"vyEA"}`, "transactionId"},
		{"bound field missing", FnGetBoundProfilePackage, `{"transactionId":"01"}`, "prepareDownloadResponse"},
		{"notification missing", FnHandleNotification, `{}`, "pendingNotification"},
		{"challenge of 15 bytes", FnInitiateAuthentication, `{"smdpAddress":"a","euiccChallenge":"AAAAAAAAAAAAAAAAAAAA","euiccInfo1":"vyAA"}`, "euiccChallenge"},
		{"smdpAddress missing", FnInitiateAuthentication, `{"euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA"}`, "smdpAddress"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Decode([]byte(c.body), NewRequest(c.fn))
			checkRefusal(t, err, c.field)
		})
	}
	responses := []struct {
		name, fn, body, field string
	}{
		{"no status", FnCancelSession, `{"header":{"functionExecutionStatus":{}}}`, "header.functionExecutionStatus.status"},
		{"header member in another case", FnCancelSession, `{"Header":{"functionExecutionStatus":{"status":"Executed-Success"}}}`, ""},
		{"nested member in another case", FnCancelSession, `{"header":{"functionExecutionStatus":{"Status":"Executed-Success"}}}`, ""},
		{"unknown status", FnCancelSession, `{"header":{"functionExecutionStatus":{"status":"Done"}}}`, "header.functionExecutionStatus.status"},
		{"failure without codes", FnCancelSession, `{"header":{"functionExecutionStatus":{"status":"Failed"}}}`, "header.functionExecutionStatus.statusCodeData"},
		{"success without its fields", FnGetBoundProfilePackage, `{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}}`, "transactionId"},
		{"success without the package", FnGetBoundProfilePackage, `{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01"}`, "boundProfilePackage"},
	}
	for _, c := range responses {
		t.Run(c.name, func(t *testing.T) {
			checkRefusal(t, Decode([]byte(c.body), NewResponse(c.fn)), c.field)
		})
	}
	// A failed answer needs nothing but its header.
	var r GetBoundProfilePackageResponse
	if err := Decode([]byte(`{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.1","reasonCode":"4.8"}}}}`), &r); err != nil {
		t.Fatal(err)
	}
	if err := r.Header.Err(); err == nil || !strings.Contains(err.Error(), "subject 8.1 reason 4.8") {
		t.Fatalf("header error %v", err)
	}
	// t180 F9: an Expired answer owes no codes: it is read, and said as
	// expired (TestStatusError), not refused as a Failed one missing them.
	var x GetBoundProfilePackageResponse
	if err := Decode([]byte(`{"header":{"functionExecutionStatus":{"status":"Expired"}}}`), &x); err != nil {
		t.Fatalf("expired without codes: %v", err)
	}
}

// A refusal names the member by its JSON path, as §6.5 spells it, never
// by a Go type.
func TestDecodeRefusalWords(t *testing.T) {
	cases := []struct {
		fn, body, want string
		response       bool
	}{
		{FnAuthenticateClient, `{"TransactionId":"01","authenticateServerResponse":"vzgA"}`,
			`unknown member "TransactionId"; did you mean "transactionId"?`, false},
		{FnCancelSession, `{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.1","ReasonCode":"4.8"}}}}`,
			`header.functionExecutionStatus.statusCodeData: unknown member "ReasonCode"; did you mean "reasonCode"?`, true},
		{FnHandleNotification, `{"pendingNotification":"vzcA","pendingNotification":"vzcA"}`, `duplicate member "pendingNotification"`, false},
		{FnAuthenticateClient, `{"transactionId":"01","authenticateServerResponse":5}`,
			`authenticateServerResponse: want a string (base64), got a number`, false},
		{FnAuthenticateClient, `{"transactionId":"01","authenticateServerResponse":"v*gA"}`,
			`authenticateServerResponse: not base64 (RFC 4648 §4, with padding)`, false},
		{FnAuthenticateClient, `{"transactionId":"0G","authenticateServerResponse":"vzgA"}`, `transactionId: not 1..16 bytes of hex`, false},
		// A line break inside base64 (RFC 4648 §3.3), in what the SM-DP+
		// reads and in what the card's LPA reads: one strictness for both
		// sides (outside tester t71 F8: Go's decoder skipped it).
		{FnInitiateAuthentication, `{"smdpAddress":"a","euiccChallenge":"wcHBwcHBwcHBwcHB\nwcHBwQ==","euiccInfo1":"vyAA"}`,
			`euiccChallenge: not base64 (RFC 4648 §4, with padding): a line break at byte 16 (§3.3: nothing outside the alphabet)`, false},
		{FnHandleNotification, `{"pendingNotification":"vzcA\r\n"}`,
			`pendingNotification: not base64 (RFC 4648 §4, with padding): a line break at byte 4 (§3.3: nothing outside the alphabet)`, false},
		{FnGetBoundProfilePackage, `{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01","boundProfilePackage":"vzYA\n"}`,
			`boundProfilePackage: not base64 (RFC 4648 §4, with padding): a line break at byte 4 (§3.3: nothing outside the alphabet)`, true},
	}
	for _, c := range cases {
		m := NewRequest(c.fn)
		if c.response {
			m = NewResponse(c.fn)
		}
		if err := Decode([]byte(c.body), m); err == nil || err.Error() != c.want {
			t.Errorf("%s %s: error %v\nwant %s", c.fn, c.body, err, c.want)
		}
	}
}

func checkRefusal(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted")
	}
	var fe *FieldError
	switch {
	case field == "" && !errors.Is(err, ErrJSON):
		t.Fatalf("error %q does not wrap ErrJSON", err)
	case field != "" && (!errors.As(err, &fe) || fe.Field != field):
		t.Fatalf("error %q does not name field %s", err, field)
	}
}

func TestNewRequestResponse(t *testing.T) {
	for _, fn := range Functions {
		if NewRequest(fn) == nil {
			t.Errorf("no request body for %s", fn)
		}
		if (NewResponse(fn) == nil) != (fn == FnHandleNotification) {
			t.Errorf("response body for %s", fn)
		}
	}
	if NewRequest("x") != nil || NewResponse("x") != nil {
		t.Error("body for an unknown function")
	}
}

// FuzzDecode checks no input panics a decoder and accepted input
// re-encodes into a body the same decoder accepts.
func FuzzDecode(f *testing.F) {
	f.Add(`{"transactionId":"01AB","authenticateServerResponse":"vzgA"}`)
	f.Add(`{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.1","reasonCode":"4.8"}}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range Functions {
			for _, m := range []Message{NewRequest(fn), NewResponse(fn)} {
				if m == nil || Decode([]byte(s), m) != nil {
					continue
				}
				back := reflect.New(reflect.TypeOf(m).Elem()).Interface().(Message)
				if err := Decode(Encode(m), back); err != nil {
					t.Fatalf("%s: re-encoding of %q rejected: %v", fn, s, err)
				}
			}
		}
	})
}

// TestDecodeSkipsALaterMember: a member this release does not name — a
// later release's, a header in a request — is skipped on both sides, as
// SGP.22's ASN.1 is EXTENSIBILITY IMPLIED (outside tester sw120: the
// SM-DP+ answered Failed 1.2/2.1 to one); one named in another case is
// still refused.
func TestDecodeSkipsALaterMember(t *testing.T) {
	req := NewRequest(FnInitiateAuthentication)
	body := `{"smdpAddress":"smdp.sfr.test","euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA",` +
		`"header":{"functionRequesterIdentifier":"x","functionCallIdentifier":"y"},"someFutureField":["x"]}`
	if err := Decode([]byte(body), req); err != nil {
		t.Fatalf("a later member: %v", err)
	}
	if r := req.(*InitiateAuthenticationRequest); r.SMDPAddress != "smdp.sfr.test" {
		t.Errorf("decoded %+v", r)
	}
	resp := NewResponse(FnCancelSession)
	if err := Decode([]byte(`{"header":{"functionExecutionStatus":{"status":"Executed-Success"},"later":1},"later":{}}`), resp); err != nil {
		t.Errorf("a response with later members: %v", err)
	}
}

// A failed header's error names the status and codes, and ends there when
// the SM-DP+ gave no message (outside tester t180 F9: a dangling ": ");
// SessionGone tells the codes of an SM-DP+ that holds no session for the
// transaction (t180 F8: no cancelSession then).
func TestStatusError(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    ResponseHeader
		want string
		gone bool
	}{
		{"with message", Failure("8.2.6", "3.8", "unknown matching ID"), "status Failed subject 8.2.6 reason 3.8: unknown matching ID", false},
		{"no message", Failure("8.1", "6.1", ""), "status Failed subject 8.1 reason 6.1", false},
		{"unknown transaction", Failure("8.10.1", "3.9", "unknown transactionId"), "status Failed subject 8.10.1 reason 3.9: unknown transactionId", true},
		{"expired order", Failure("8.8.5", "4.10", ""), "status Failed subject 8.8.5 reason 4.10", true},
		// The subject alone says a transactionId is not held; a
		// download order is gone only when its time to live ran out.
		{"transaction refused", Failure("8.10.1", "3.8", ""), "status Failed subject 8.10.1 reason 3.8", true},
		{"order unknown", Failure("8.8.5", "3.9", ""), "status Failed subject 8.8.5 reason 3.9", false},
		{"other subject, expired", Failure("8.1.3", "4.10", ""), "status Failed subject 8.1.3 reason 4.10", false},
		// The table the emulated SM-DP+ answers from holds SGP.22's codes.
		{"table: unknown transaction", Failure(SubjectTransactionID, ReasonUnknown, ""), "status Failed subject 8.10.1 reason 3.9", true},
		{"table: expired order", Failure(SubjectDownloadOrder, ReasonTTLExpired, ""), "status Failed subject 8.8.5 reason 4.10", true},
		{"no codes", ResponseHeader{FunctionExecutionStatus{Status: StatusFailed}}, "status Failed", false},
		// t180 F9: Expired is said as expired.
		{"expired", ResponseHeader{FunctionExecutionStatus{Status: StatusExpired}}, "status Expired (the SM-DP+ did not execute the function in time)", false},
		{"expired, with codes", ResponseHeader{FunctionExecutionStatus{Status: StatusExpired, StatusCodeData: &StatusCodeData{SubjectCode: "8.1", ReasonCode: "6.4", Message: "late"}}},
			"status Expired (the SM-DP+ did not execute the function in time) subject 8.1 reason 6.4: late", false},
	} {
		err := tc.h.Err()
		var se *StatusError
		if !errors.As(err, &se) || err.Error() != tc.want || se.SessionGone() != tc.gone {
			t.Errorf("%s: %v (gone %v), want %q (gone %v)", tc.name, err, se != nil && se.SessionGone(), tc.want, tc.gone)
		}
	}
	if err := Success().Err(); err != nil {
		t.Errorf("success: %v", err)
	}
}
