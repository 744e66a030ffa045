package platformapi

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	testEID  = "89049032000001000000000000000171"
	badEID   = "89049032000001000000000000000123" // wrong check digits: 71 makes it an EID
	badICCID = "89860000000000000018"             // wrong Luhn digit: 9 makes it an ICCID
)

// A rejected identifier is explained: its shape in the API's words, or the
// check digit that is wrong and the right one.
func TestValidateIdentifiers(t *testing.T) {
	list := func(eid, iccid string) ListRequest {
		return ListRequest{EID: eid, ICCID: iccid, HomePLMN: "46000", ServingPLMN: "20801"}
	}
	tests := []struct {
		name string
		v    interface{ Validate() error }
		want string // "" for valid
	}{
		{"valid list request", list(testEID, "89860000000000000019"), ""},
		{"short eid", list("8904", "89860000000000000019"), `eid: want 32 decimal digits, got "8904"`},
		{"eid check digits", list(badEID, "89860000000000000019"),
			`eid: "` + badEID + `" fails the ISO 7064 MOD 97-10 check: check digits 23, want 71`},
		{"short iccid", list(testEID, "12"), `iccid: want 18 to 20 digits, got "12"`},
		{"iccid Luhn digit", list(testEID, badICCID), `iccid: "` + badICCID + `" fails the Luhn check: last digit 8, want 9`},
		{"notification iccid Luhn digit", Notification{EID: testEID, Kind: KindListExhausted, ICCID: badICCID},
			`iccid: "` + badICCID + `" fails the Luhn check: last digit 8, want 9`},
		{"notification eid check digits", Notification{EID: badEID, Kind: KindListExhausted},
			`eid: "` + badEID + `" fails the ISO 7064 MOD 97-10 check`},
		{"download eid check digits", DownloadRequest{EID: badEID, Operator: "sfr", ServingPLMN: "20801"},
			`eid: "` + badEID + `" fails the ISO 7064 MOD 97-10 check`},
		// A member left out reads as required, as operator's always did.
		{"eid missing", list("", "89860000000000000019"), `eid: required`},
		{"iccid missing", list(testEID, ""), `iccid: required`},
		{"serving_plmn missing", ListRequest{EID: testEID, ICCID: "89860000000000000019", HomePLMN: "46000"}, `serving_plmn: required`},
		{"home_plmn missing", ListRequest{EID: testEID, ICCID: "89860000000000000019", ServingPLMN: "20801"}, `home_plmn: required`},
		{"attach plmn missing", Notification{EID: testEID, Kind: KindAttachSuccess, Operator: "sfr"}, `plmn: required for kind attach-success`},
		{"attach plmn malformed", Notification{EID: testEID, Kind: KindAttachFailure, Operator: "sfr", PLMN: "2081"}, `plmn: want 5 or 6 digits (MCC+MNC), got "2081"`},
		{"download serving_plmn missing", DownloadRequest{EID: testEID, Operator: "sfr"}, `serving_plmn: required`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Fatalf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
}

// The longest preferred list a scenario may give (MaxListOperators, each
// operator's id at its 32 characters, all escaped by encoding/json, the
// longest tariff and an RSRP) encodes well within the card's 64 KiB reply
// bound (emulators/euicc maxHTTPReply), headers and all: a list refused
// at load for its length is the only one that could not reach the card.
func TestLongestListFitsTheCardsReply(t *testing.T) {
	rsrp := -140
	r := ListResponse{ListID: strings.Repeat("f", 64), Country: "FR", OrderBy: OrderSignal}
	for range MaxListOperators {
		r.Operators = append(r.Operators, ListedOperator{
			ID: strings.Repeat("\u2028", 32), PLMN: "208101", Tariff: -1.7976931348623157e308, RSRP: &rsrp})
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const cardReply, headroom = 64 << 10, 8 << 10 // headroom: the HTTP headers, many times over
	if len(b) > cardReply-headroom {
		t.Errorf("the longest list encodes to %d bytes, past %d", len(b), cardReply-headroom)
	}
}
