package exactjson

import "testing"

type benchOperator struct {
	ID     string  `json:"id"`
	PLMN   string  `json:"plmn"`
	Tariff float64 `json:"tariff"`
	RSRP   *int    `json:"rsrp,omitempty"`
}

type benchList struct {
	ListID    string          `json:"list_id"`
	Country   string          `json:"country"`
	OrderBy   string          `json:"order_by"`
	Operators []benchOperator `json:"operators"`
}

// A preferred-list answer, the platform body the card decodes most.
func BenchmarkDecode(b *testing.B) {
	doc := []byte(`{"list_id":"l-208-3","country":"208","order_by":"tariff","operators":[` +
		`{"id":"orange-fr","plmn":"20801","tariff":0.5,"rsrp":-95},` +
		`{"id":"sfr","plmn":"20810","tariff":0.75,"rsrp":-101},` +
		`{"id":"bouygues","plmn":"20820","tariff":1}]}`)
	b.ReportAllocs()
	for b.Loop() {
		var l benchList
		if err := Decode(doc, &l); err != nil {
			b.Fatal(err)
		}
	}
}
