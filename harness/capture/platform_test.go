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
		{"200 with bad list", Exchange{Method: "POST", Path: "/v1/preferred-list", RequestBody: []byte(listReq), Status: 200, ResponseBody: []byte(`{"order_by":"tariff","operators":[{"id":"x","plmn":"1"}]}`)}, "response: operators[0]", nil},
		{"200 with bad ack", Exchange{Method: "POST", Path: "/v1/notifications", RequestBody: []byte(note), Status: 200, ResponseBody: []byte(`nope`)}, "response:", nil},
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
