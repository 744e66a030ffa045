package fieldlog

import (
	"strings"
	"testing"
)

// TestConnectEndsDataCall: in every reader a data call's CONNECT is its
// final result (V.250 §5.7.1), what follows it is data mode (notes, no
// AT) up to NO CARRIER, and the commands after that read as ever; to
// another command (Quectel's AT+QHTTPURL) CONNECT stays information text.
func TestConnectEndsDataCall(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format Format
		log    string
		want   string
	}{
		{"plain", Plain, "> ATD*99#\n< CONNECT\n< ~}#@!}!}!} }4}\"}&} } } } }%}&~\n< NO CARRIER\n> AT\n< OK\n",
			"command ATD*99#|final CONNECT|note data|final NO CARRIER|command AT|final OK"},
		{"terminal", Terminal, "AT\r\nOK\r\nATD*99***1#\r\nCONNECT 150000000\r\n~}#@!}!}!} }4}\"}&} } } } }%}&~\r\nNO CARRIER\r\nAT\r\nOK\r\n",
			"command AT|echo AT|final OK|command ATD*99***1#|echo ATD*99***1#|final CONNECT 150000000|note data|final NO CARRIER|command AT|echo AT|final OK"},
		{"socat", Socat, "> 2026/12/01 08:41:11.000345018  length=8 from=0 to=7\nATD*99#\\r< 2026/12/01 08:41:11.000345178  length=30 from=0 to=29\nATD*99#\\r\\r\nCONNECT\\r\n~}#@!}!}~\\r\n",
			"command ATD*99#|echo ATD*99#|final CONNECT|note data"},
		// PPP's frames with no CONNECT before them (the modem was left in
		// data mode): notes, not information text.
		{"PPP frames in a terminal", Terminal, "AT\r\nOK\r\n~\u00ff}#\u00c0!}!}!} }4}\"}&} } } } }%}&~\r\nAT\r\nOK\r\n",
			"command AT|echo AT|final OK|note data|command AT|echo AT|final OK"},
		{"PPP frames in a plain transcript", Plain, "> ATZ\n< ~}#@!}!}!} }4}\"}&} } } } }%}&~\n< OK\n",
			"command ATZ|note data|final OK"},
		{"JSON is no PPP frame", Plain, "> AT+QMTRECV?\n< +QMTRECV: 0,1,\"t\",\"{\"a\":{},\"b\":{},\"c\":{} }\"\n< OK\n",
			"command AT+QMTRECV?|info +QMTRECV: 0,1,\"t\",\"{\"a\":{},\"b\":{},\"c\":{} }\"|final OK"},
		{"not a data call", Plain, "> AT+QHTTPURL=20,80\n< CONNECT\n> http://example.com/\n< OK\n",
			"command AT+QHTTPURL=20,80|info CONNECT|command http://example.com/|final OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("c.log", []byte(tc.log), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				switch {
				case e.DataMode != "":
					got = append(got, "note data")
				case e.Dir != Tool:
					got = append(got, e.Role.String()+" "+e.Text)
				}
			}
			if g := strings.Join(got, "|"); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}
