package platform

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

const testEID = "89049032000001000000000000000171"

func testConfig() Config {
	return Config{
		Operators: []Operator{
			{ID: "cmcc", PLMN: "46000", Country: "CN", Tariff: 0.1},
			{ID: "orange-fr", PLMN: "20801", Country: "FR", Tariff: 0.8},
			{ID: "sfr", PLMN: "20810", Country: "FR", Tariff: 0.5},
			{ID: "free", PLMN: "20815", Country: "FR", Tariff: 0.5},
			{ID: "vodafone-de", PLMN: "26202", Country: "DE", Tariff: 0.7},
		},
		OrderBy:   platformapi.OrderTariff,
		Preferred: map[string][]string{"FR": {"sfr", "orange-fr"}},
	}
}

// newTestServer returns a server on a virtual clock with an event log.
func newTestServer(t testing.TB, mod func(*Config)) (*Server, *eventlog.Log) {
	t.Helper()
	clk := clock.NewVirtual(clock.Epoch)
	lg := eventlog.New(clk.Now)
	cfg := testConfig()
	cfg.Clock, cfg.Log = clk, lg
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, lg
}

// cardRequest is a request as the card sends it: its body declared as JSON.
func cardRequest(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", platformapi.ContentType)
	return r
}
