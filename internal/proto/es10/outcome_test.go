package es10

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestResponseOutcome: a response's result or error code is read and
// named per function, and any code but ok(0) is a failure, though the
// card answered 9000 (outside tester sw127 F4).
func TestResponseOutcome(t *testing.T) {
	pir := func(ok bool) []byte {
		d := ProfileInstallationResultData{TransactionID: []byte{1, 2}, OK: ok, AID: []byte{0xA0, 0, 0, 5, 0x59}, CommandID: 3, ErrorReason: ReasonPPRNotAllowed}
		return ProfileInstallationResult{Data: d, Signature: make([]byte, SigLen)}.Encode()
	}
	for _, tc := range []struct {
		name   string
		resp   []byte
		want   string // "" for no outcome
		failed bool
	}{
		{"enable ok", EncodeResult(TagEnableProfile, ResultOK), "enableResult 0 ok", false},
		{"enable wrong state", EncodeResult(TagEnableProfile, 2), "enableResult 2 profileNotInDisabledState", true},
		{"disable by policy", EncodeResult(TagDisableProfile, ResultDisallowedByPolicy), "disableResult 3 disallowedByPolicy", true},
		{"disable wrong state", EncodeResult(TagDisableProfile, 2), "disableResult 2 profileNotInEnabledState", true},
		{"delete not found", EncodeResult(TagDeleteProfile, 1), "deleteResult 1 iccidOrAidNotFound", true},
		{"memory reset nothing", EncodeResult(TagEuiccMemoryReset, 1), "resetResult 1 nothingToDelete", true},
		{"nickname not found", EncodeResult(TagSetNickname, 1), "setNicknameResult 1 iccidNotFound", true},
		{"nickname unnamed code", EncodeResult(TagSetNickname, 9), "setNicknameResult 9", true},
		{"default dp ok", EncodeResult(TagSetDefaultDpAddress, 0), "setDefaultDpAddressResult 0 ok", false},
		{"notification sent nothing", EncodeNotificationSentResponse(DeleteNothingToDelete), "deleteNotificationStatus 1 nothingToDelete", true},
		{"prepare download error", PrepareDownloadResponse{TransactionID: []byte{1}, ErrorCode: DlErrInvalidTransactionID}.Encode(), "downloadErrorCode 5 invalidTransactionId", true},
		{"authenticate error", AuthenticateServerResponse{TransactionID: []byte{1}, ErrorCode: AuthErrEuiccChallengeMismatch}.Encode(), "authenticateErrorCode 6 euiccChallengeMismatch", true},
		{"cancel error", CancelSessionResponse{ErrorCode: CancelErrInvalidTransID}.Encode(), "cancelSessionResponseError 5 invalidTransactionId", true},
		{"profiles error", []byte{0xBF, 0x2D, 0x03, 0x81, 0x01, 0x01}, "profileInfoListError 1 incorrectInputValues", true},
		{"profiles ok", []byte{0xBF, 0x2D, 0x02, 0xA0, 0x00}, "", false},
		{"install failed", pir(false), "errorReason 15 pprNotAllowed, bppCommandId 3 storeMetadata2", true},
		{"install ok", pir(true), "successResult", false},
		// LoadCRLResponse's loadCRLResponseError [1] and LpaeActivation's
		// notSupported(1) (outside tester sw130 N4).
		{"load CRL error", []byte{0xBF, 0x35, 0x03, 0x81, 0x01, 0x01}, "loadCRLResponseError 1 invalidSignature", true},
		{"load CRL ok", []byte{0xBF, 0x35, 0x02, 0xA0, 0x00}, "", false},
		{"LPAe not supported", []byte{0xBF, 0x42, 0x03, 0x80, 0x01, 0x01}, "lpaeActivationResult 1 notSupported", true},
		{"LPAe ok", []byte{0xBF, 0x42, 0x03, 0x80, 0x01, 0x00}, "lpaeActivationResult 0 ok", false},
		{"GetEID", []byte{0xBF, 0x3E, 0x03, 0x5A, 0x01, 0x89}, "", false},
		{"garbage", []byte{0xBF}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, ok := ResponseOutcome(tc.resp)
			switch {
			case tc.want == "" && ok:
				t.Errorf("%X: outcome %q, want none", tc.resp, o)
			case tc.want != "" && !ok:
				t.Errorf("%X: no outcome, want %q", tc.resp, tc.want)
			case ok && (o.String() != tc.want || o.Failed != tc.failed):
				t.Errorf("%X: %q failed=%v, want %q failed=%v", tc.resp, o, o.Failed, tc.want, tc.failed)
			}
		})
	}
}

// TestOutcomeNamesAreTheModules: every result and error code name is the
// one the SGP.22 ASN.1 module gives its field's value, and the module
// names no value without one here.
func TestOutcomeNamesAreTheModules(t *testing.T) {
	b, err := os.ReadFile("../asn1check/testdata/RSPDefinitions.asn")
	if err != nil {
		t.Fatal(err)
	}
	module := string(b)
	check := func(field, decl string, names map[int]string) {
		_, block, ok := strings.Cut(module, decl)
		if !ok {
			t.Errorf("%s: no %q in the module", field, decl)
			return
		}
		block, _, _ = strings.Cut(block, "}")
		seen := 0
		for _, m := range regexp.MustCompile(`(\w+)\s*\((\d+)\)`).FindAllStringSubmatch(block, -1) {
			v, _ := strconv.Atoi(m[2])
			if names[v] != m[1] {
				t.Errorf("%s %d: %q, the module says %q", field, v, names[v], m[1])
			}
			seen++
		}
		if seen != len(names) {
			t.Errorf("%s: %d names here, %d in the module", field, len(names), seen)
		}
	}
	for _, rf := range resultFields {
		check(rf.field, rf.field+" INTEGER {", rf.names)
	}
	for _, ec := range errorChoices {
		// The field's own INTEGER, or the type named after it.
		decl := ec.field + " INTEGER {"
		if !strings.Contains(module, decl) {
			decl = strings.ToUpper(ec.field[:1]) + ec.field[1:] + " ::= INTEGER {"
		}
		check(ec.field, decl, ec.names)
	}
	check("bppCommandId", "BppCommandId ::= INTEGER {", bppCommandNames)
	// Every response the module gives a result INTEGER or an error
	// alternative is read (outside tester sw130 N4: LoadCRL's and
	// LpaeActivation's were not).
	for tag, field := range map[uint32]string{TagLoadCRL: "loadCRLResponseError", TagLpaeActivation: "lpaeActivationResult"} {
		if rf, ok := resultFields[tag]; ok && rf.field == field {
			continue
		}
		if ec, ok := errorChoices[tag]; ok && ec.field == field {
			continue
		}
		t.Errorf("%X: %s is not read", tag, field)
	}
}

// A result's name is its function's: code 2 is profileNotInDisabledState
// for an enable and profileNotInEnabledState for a disable, where one
// shared table named both profileNotInExpectedState, which SGP.22 has not
// (reviewer sw131).
func TestResultNameOf(t *testing.T) {
	for _, tc := range []struct {
		tag  uint32
		code int
		want string
	}{
		{TagEnableProfile, 2, "profileNotInDisabledState"},
		{TagDisableProfile, 2, "profileNotInEnabledState"},
		{TagEnableProfile, 5, NameCatBusy},
		{TagSetNickname, 1, "iccidNotFound"},
		{TagEnableProfile, 99, ""},
		{TagGetEuiccData, 0, ""},
	} {
		if got := ResultNameOf(tc.tag, tc.code); got != tc.want {
			t.Errorf("ResultNameOf(%X, %d) = %q, want %q", tc.tag, tc.code, got, tc.want)
		}
	}
}

// Named puts the standard's name beside a code, and the number alone
// where the module names none (outside tester t180 F9: the card's reasons
// read "bppCommandId 1 errorReason 8").
func TestNamed(t *testing.T) {
	for _, tc := range []struct {
		field string
		code  int
		name  string
		want  string
	}{
		{"bppCommandId", 1, BPPCommandName(1), "bppCommandId 1 configureISDP"},
		{"errorReason", 8, ReasonName(8), "errorReason 8 scp03tSecurityError"},
		{"errorReason", 99, ReasonName(99), "errorReason 99"},
		{"bppCommandId", 9, BPPCommandName(9), "bppCommandId 9"},
	} {
		if got := Named(tc.field, tc.code, tc.name); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	for _, tc := range []struct {
		tag  uint32
		code int
		want string
	}{
		{TagAuthenticateServer, 2, "authenticateErrorCode 2 invalidSignature"},
		{TagPrepareDownload, 1, "downloadErrorCode 1 invalidCertificate"},
		{TagPrepareDownload, 99, "downloadErrorCode 99"},
	} {
		if got := ErrorText(tc.tag, tc.code); got != tc.want {
			t.Errorf("ErrorText(%X, %d) = %q, want %q", tc.tag, tc.code, got, tc.want)
		}
	}
}
