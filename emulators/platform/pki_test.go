package platform

import (
	"crypto/ecdsa"
	"crypto/x509"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
)

// testCert is a test-only certificate with its key.
type testCert struct {
	x509 *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

func fromRSP(c *rsp.Cert) *testCert { return &testCert{x509: c.X509, der: c.DER, key: c.Key} }

var notAfter = time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)

// testPKI is CI → EUM → eUICC(testEID), an eUICC outside the EUM's range,
// and a rogue CI with its own chain for the same EID.
type testPKI struct {
	ci, eum, euicc, outOfRange *testCert
	rogueCI, rogueEUM, rogueEU *testCert
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	must := func(c *rsp.Cert, err error) *testCert {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return fromRSP(c)
	}
	const prefix = "89049032000001000000000000000" // the test EID's, not otherEID2's
	ci, err := rsp.NewCI("platform test CI", 1)
	if err != nil {
		t.Fatal(err)
	}
	eum, err := rsp.NewEUM(ci, 2, prefix)
	if err != nil {
		t.Fatal(err)
	}
	rogue, err := rsp.NewCI("rogue CI", 3)
	if err != nil {
		t.Fatal(err)
	}
	rogueEUM, err := rsp.NewEUM(rogue, 4, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return &testPKI{
		ci: fromRSP(ci), eum: fromRSP(eum),
		euicc:      must(rsp.IssueEUICC(eum, testEID, 5)),
		outOfRange: must(rsp.IssueEUICC(eum, otherEID2, 6)),
		rogueCI:    fromRSP(rogue), rogueEUM: fromRSP(rogueEUM),
		rogueEU: must(rsp.IssueEUICC(rogueEUM, testEID, 7)),
	}
}

// otherEID2 lies outside the test EUM's permitted EIDs.
const otherEID2 = "89049032000001000000000000009968"
