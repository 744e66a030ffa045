package capture

import (
	"strings"
	"testing"
)

func TestDecodePlatform(t *testing.T) {
	note := `{"eid":"` + testEID + `","kind":"list-exhausted"}`
	tests := []struct {
		name    string
		ex      Exchange
		wantErr string
		check   func(Message) bool
	}{
		{"notification", Exchange{Method: "POST", Path: "/v1/notifications", RequestBody: []byte(note), Status: 200, ResponseBody: []byte(`{"ack":true,"id":"7"}`)}, "",
			func(m Message) bool { return m.Kind == KindNotification && m.Notification != nil && m.Ack.ID == "7" }},
		{"rejected keeps reason", Exchange{Method: "POST", Path: "/v1/notifications", RequestBody: []byte(`{`), Status: 400, ResponseBody: []byte(`{"error":"malformed JSON"}`)}, "",
			func(m Message) bool { return m.Notification == nil && m.Error == "malformed JSON" && m.Status == 400 }},
		{"unanswered", Exchange{Method: "POST", Path: "/v1/preferred-list", RequestBody: []byte(listReq)}, "",
			func(m Message) bool {
				return m.Kind == KindPreferredList && m.ListRequest != nil && m.ListResponse == nil
			}},
		{"other route", Exchange{Method: "GET", Path: "/v1/inspect/received", Status: 200, ResponseBody: []byte(`[]`)}, "",
			func(m Message) bool { return m.Kind == KindOther }},
		{"200 with bad request", Exchange{Method: "POST", Path: "/v1/notifications", RequestBody: []byte(`{}`), Status: 200, ResponseBody: []byte(`{"ack":true,"id":"1"}`)}, "request: eid", nil},
		// A 200 answer whose body is not the API's is the platform's (a
		// garbled platform): a message with the reason, not a decode error.
		{"200 with bad list", Exchange{Method: "POST", Path: "/v1/preferred-list", RequestBody: []byte(listReq), Status: 200, ResponseBody: []byte(`{"order_by":"tariff","operators":[{"id":"x","plmn":"1"}]}`)}, "",
			func(m Message) bool {
				return m.ListRequest != nil && m.ListResponse == nil && strings.Contains(m.Malformed, "operators[0]")
			}},
		{"200 with list cut off", Exchange{Method: "POST", Path: "/v1/preferred-list", RequestBody: []byte(listReq), Status: 200, ResponseBody: []byte(`{"list_id": "1", "country": "F`)}, "",
			func(m Message) bool { return m.ListResponse == nil && m.Malformed != "" }},
		{"200 with bad ack", Exchange{Method: "POST", Path: "/v1/notifications", RequestBody: []byte(note), Status: 200, ResponseBody: []byte(`nope`)}, "",
			func(m Message) bool { return m.Notification != nil && m.Ack == nil && m.Malformed != "" }},
		{"200 with bad download answer", Exchange{Method: "POST", Path: "/v1/download", RequestBody: []byte(`{"eid":"` + testEID + `","operator":"sfr","serving_plmn":"20801"}`), Status: 200, ResponseBody: []byte(`{"smdp_address": `)}, "",
			func(m Message) bool { return m.Download != nil && m.DownloadResp == nil && m.Malformed != "" }},
		{"200 well formed is not malformed", Exchange{Method: "POST", Path: "/v1/notifications", RequestBody: []byte(note), Status: 200, ResponseBody: []byte(`{"ack":true,"id":"7"}`)}, "",
			func(m Message) bool { return m.Malformed == "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgs, err := DecodePlatform([]Exchange{tc.ex})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(msgs) != 1 || !tc.check(msgs[0]) {
				t.Fatalf("err %v msgs %+v", err, msgs)
			}
		})
	}
}
