package platformapi

import (
	"encoding/json"
	"strings"
	"testing"
)

const listReq = `"eid":"` + testEID + `","iccid":"89860000000000000019","home_plmn":"46000","serving_plmn":"20801"`

// Bodies decode exactly as written: each name a member's as the API spells it, once,
// with a value of its JSON type; every refusal is in the API's terms.
func TestDecodeExact(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // error; "" decodes
	}{
		{"exact", `{` + listReq + `}`, ""},
		{"signal", `{` + listReq + `,"signal":[{"plmn":"20810","rsrp":-101}]}`, ""},
		{"null signal", `{` + listReq + `,"signal":null}`, ""},
		{"key escaped but exact", `{` + strings.Replace(listReq, `"eid"`, `"\u0065id"`, 1) + `}`, ""},
		{"capitalised key", `{` + strings.Replace(listReq, `"eid"`, `"Eid"`, 1) + `}`, `unknown member "Eid"; did you mean "eid"?`},
		{"upper-case key", `{` + strings.Replace(listReq, `"eid"`, `"EID"`, 1) + `}`, `unknown member "EID"; did you mean "eid"?`},
		{"long s folded by encoding/json", `{` + strings.Replace(listReq, `"serving_plmn"`, `"ſerving_plmn"`, 1) + `}`, `unknown member "ſerving_plmn"; did you mean "serving_plmn"?`},
		{"duplicate key", `{` + listReq + `,"eid":"` + testEID + `"}`, `duplicate member "eid"`},
		{"duplicate key in an array element", `{` + listReq + `,"signal":[{"plmn":"20810","plmn":"20801","rsrp":-90}]}`, `signal[0]: duplicate member "plmn"`},
		{"unknown key in an array element", `{` + listReq + `,"signal":[{"plmn":"20810","RSRP":-90}]}`, `signal[0]: unknown member "RSRP"; did you mean "rsrp"?`},
		{"empty", ``, "malformed JSON: no value"},
		{"blank", "  \n", "malformed JSON: no value"},
		{"open brace", `{`, "malformed JSON: unexpected EOF"},
		{"cut after a key", `{"eid":`, "malformed JSON: unexpected EOF"},
		{"array", `[]`, "malformed JSON: want an object, got an array"},
		{"string", `"x"`, "malformed JSON: want an object, got a string"},
		{"empty string", `""`, "malformed JSON: want an object, got a string"},
		{"null", `null`, "malformed JSON: want an object, got null"},
		{"number", `5`, "malformed JSON: want an object, got a number"},
		{"not JSON", `<html>`, "malformed JSON: invalid character '<' looking for beginning of value"},
		{"trailing comma", `{"eid":"x",}`, "malformed JSON: invalid character '}' looking for beginning of object key string"},
		{"data after", `{` + listReq + `} {}`, "malformed JSON: data after the object"},
		{"garbage after", `{` + listReq + `}x`, "malformed JSON: data after the object"},
		{"number for a string", `{"eid":8904}`, "eid: want a string, got a number"},
		{"null for a string", `{"eid":null}`, "eid: want a string, got null"},
		{"object for an array", `{` + listReq + `,"signal":{}}`, "signal: want an array, got an object"},
		{"string for an integer", `{` + listReq + `,"signal":[{"plmn":"20810","rsrp":"-90"}]}`, "signal[0].rsrp: want an integer, got a string"},
		{"fraction for an integer", `{` + listReq + `,"signal":[{"plmn":"20810","rsrp":-90.5}]}`, "signal[0].rsrp: want an integer, got -90.5"},
		{"integer out of range", `{` + listReq + `,"signal":[{"plmn":"20810","rsrp":1e400}]}`, "signal[0].rsrp: want an integer, got 1e400"},
		{"huge integer", `{` + listReq + `,"signal":[{"plmn":"20810","rsrp":99999999999999999999}]}`, "signal[0].rsrp: 99999999999999999999 out of range"},
		{"null array element", `{` + listReq + `,"signal":[null]}`, "signal[0]: want an object, got null"},
		// A member left out is required, never read as the zero it is
		// not: rsrp 0 is a value given (outside tester t71, F9).
		{"rsrp left out", `{` + listReq + `,"signal":[{"plmn":"20810"}]}`, `signal[0]: missing member "rsrp"`},
		{"rsrp left out of the second", `{` + listReq + `,"signal":[{"plmn":"20810","rsrp":-90},{"plmn":"20801"}]}`, `signal[1]: missing member "rsrp"`},
		{"rsrp 0 given", `{` + listReq + `,"signal":[{"plmn":"20810","rsrp":0}]}`, "signal[0].rsrp: 0 dBm outside -156..-31"},
		{"plmn left out", `{` + listReq + `,"signal":[{"rsrp":-90}]}`, "signal[0].plmn: required"},
		{"plmn empty", `{` + listReq + `,"signal":[{"plmn":"","rsrp":-90}]}`, "signal[0].plmn: required"},
		{"empty entry", `{` + listReq + `,"signal":[{}]}`, `signal[0]: missing member "rsrp"`},
		{"rsrp null", `{` + listReq + `,"signal":[{"plmn":"20810","rsrp":null}]}`, "signal[0].rsrp: want an integer, got null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeListRequest([]byte(tc.body))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// Every decoder is as exact: requests on the platform's side, answers on
// the card's.
func TestDecodersExact(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte) error
		body   string
		want   string
	}{
		{"notification duplicate eid", func(b []byte) error { _, err := DecodeNotification(b); return err },
			`{"eid":"` + testEID + `","eid":"` + testEID + `","kind":"list-exhausted"}`, `duplicate member "eid"`},
		{"notification report not an integer", func(b []byte) error { _, err := DecodeNotification(b); return err },
			`{"eid":"` + testEID + `","kind":"list-exhausted","report":-1}`, `report: want an integer, 0 or more, got -1`},
		{"download upper-case key", func(b []byte) error { _, err := DecodeDownloadRequest(b); return err },
			`{"EID":"` + testEID + `","operator":"sfr","serving_plmn":"20801"}`, `unknown member "EID"; did you mean "eid"?`},
		{"list answer duplicate operators", func(b []byte) error { _, err := DecodeListResponse(b); return err },
			`{"list_id":"1","country":"FR","order_by":"tariff","operators":[],"operators":[]}`, `duplicate member "operators"`},
		{"ack folded key", func(b []byte) error { _, err := DecodeNotificationAck(b); return err },
			`{"Ack":true,"id":"1"}`, `unknown member "Ack"; did you mean "ack"?`},
		{"ack not a boolean", func(b []byte) error { _, err := DecodeNotificationAck(b); return err },
			`{"ack":"yes","id":"1"}`, `ack: want true or false, got a string`},
		{"list answer without operators", func(b []byte) error { _, err := DecodeListResponse(b); return err },
			`{"list_id":"1","country":"FR","order_by":"tariff"}`, `missing member "operators"`},
		{"list answer with null operators", func(b []byte) error { _, err := DecodeListResponse(b); return err },
			`{"list_id":"1","country":"FR","order_by":"tariff","operators":null}`, `member "operators" is null`},
		{"ack without ack", func(b []byte) error { _, err := DecodeNotificationAck(b); return err },
			`{"id":"1"}`, `missing member "ack"`},
		{"error answer", func(b []byte) error { _, err := DecodeErrorResponse(b); return err },
			`{"error":"x","error":"y"}`, `duplicate member "error"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.decode([]byte(tc.body)); err == nil || err.Error() != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// What the platform writes (encoding/json of the API's types) the card
// reads back with the exact decoders.
func TestAnswersRoundTrip(t *testing.T) {
	rsrp := -101
	cause := 15
	values := []struct {
		v      any
		decode func([]byte) error
	}{
		{ListResponse{ListID: "1", Country: "FR", OrderBy: OrderTariff, Operators: []ListedOperator{{ID: "sfr", PLMN: "20810", Tariff: 0.5, RSRP: &rsrp}, {ID: "orange-fr", PLMN: "20801", Tariff: 0.8}}},
			func(b []byte) error { _, err := DecodeListResponse(b); return err }},
		{ListResponse{ListID: "2", Country: "DE", OrderBy: OrderSignal, Operators: []ListedOperator{}},
			func(b []byte) error { _, err := DecodeListResponse(b); return err }},
		{NotificationAck{Ack: true, ID: "3"}, func(b []byte) error { _, err := DecodeNotificationAck(b); return err }},
		{ErrorResponse{Error: "eid: want 32 decimal digits"}, func(b []byte) error { _, err := DecodeErrorResponse(b); return err }},
		{DownloadResponse{Operator: "sfr", SMDPAddress: "smdp.sfr.test:8443", MatchingID: "MID-1", ActivationCode: ActivationCode("smdp.sfr.test:8443", "MID-1")},
			func(b []byte) error { _, err := DecodeDownloadResponse(b); return err }},
		{Notification{EID: testEID, Kind: KindAttachFailure, Operator: "sfr", PLMN: "20810", Cause: &cause, Report: 4},
			func(b []byte) error { _, err := DecodeNotification(b); return err }},
	}
	for _, tc := range values {
		b, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.decode(b); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
}

// FuzzDecodeExact: a body the check passes always decodes, and no refusal
// names a Go type.
func FuzzDecodeExact(f *testing.F) {
	for _, s := range []string{`{` + listReq + `}`, `{"eid":1e400}`, `{"signal":[{"rsrp":-1.5}]}`, `{"a":1}`, `[]`, `{"eid":"x","eid":"y"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := DecodeNotification([]byte(body))
		if err != nil && (strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "as checked")) {
			t.Errorf("%q: %v", body, err)
		}
		_, err = DecodeListRequest([]byte(body))
		if err != nil && (strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "as checked")) {
			t.Errorf("%q: %v", body, err)
		}
	})
}
