package platform

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// FuzzPost posts arbitrary bodies to every route: the answer must always be
// JSON with a known status, and 200 answers must decode as the route's type.
func FuzzPost(f *testing.F) {
	seeds := []string{
		listBody("20801", `,"signal":[{"plmn":"20810","rsrp":-101}]`),
		listBody("20899", `,"tac":"3a9b","cell_id":"0000c33d"`),
		`{"eid":"` + testEID + `","kind":"attach-success","operator":"sfr","plmn":"20810"}`,
		`{"eid":"` + testEID + `","kind":"attach-failure","operator":"sfr","plmn":"20810","cause":15}`,
		`{"eid":"` + testEID + `","operator":"sfr","serving_plmn":"20801"}`,
		`{"eid":"` + testEID + `","kind":"download-success","operator":"sfr","iccid":"89331000000000000029"}`,
		``, `null`, `[]`, `{"signal":[null]}`, `{"eid":1e400}`, "\xff\xfe", `{"cause":-1}`,
	}
	for _, s := range seeds {
		for _, p := range []string{platformapi.PathPreferredList, platformapi.PathNotifications, platformapi.PathDownload} {
			f.Add(p, s)
		}
	}
	s, _ := newTestServer(f, nil)
	h := s.Handler()
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req := cardRequest("POST", "http://platform"+platformapi.PathPreferredList, body)
		req.URL.Path = path // any path, even ones NewRequest would not parse
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
			var err error
			switch path {
			case platformapi.PathPreferredList:
				_, err = platformapi.DecodeListResponse(rec.Body.Bytes())
			case platformapi.PathDownload:
				_, err = platformapi.DecodeDownloadResponse(rec.Body.Bytes())
			case platformapi.PathNotifications:
				var ack platformapi.NotificationAck
				err = json.Unmarshal(rec.Body.Bytes(), &ack)
				if err == nil && !ack.Ack {
					t.Errorf("200 without ack: %s", rec.Body)
				}
			default:
				t.Errorf("200 on %s", path)
			}
			if err != nil {
				t.Errorf("200 answer does not decode: %v: %s", err, rec.Body)
			}
		case 400, 403, 404, 405, 413, 502:
			var e platformapi.ErrorResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Errorf("%d answer is not an error object: %s", rec.Code, rec.Body)
			}
		default:
			t.Errorf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzDecodeListResponse checks the answer decoder the capture uses.
func FuzzDecodeListResponse(f *testing.F) {
	f.Add(`{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810","tariff":0.5,"rsrp":-101}]}`)
	f.Add(`{"operators":[{"id":"","plmn":"1"}]}`)
	f.Add(`{"operators":null}`)
	f.Fuzz(func(t *testing.T, body string) {
		r, err := platformapi.DecodeListResponse([]byte(body))
		if err != nil {
			return
		}
		for _, o := range r.Operators {
			if o.ID == "" || !ident.IsPLMN(o.PLMN) {
				t.Errorf("accepted invalid operator %+v", o)
			}
		}
	})
}
