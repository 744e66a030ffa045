package euicc

import (
	"bytes"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

// TestGetEIDAllocs: GetEID on a logical channel over T=0 (STORE DATA
// answered 6115, then GET RESPONSE) costs the card one allocation a
// response APDU and nothing else — hosts poll it — and answers what
// the strict decoder's path answers (TestES10).
func TestGetEIDAllocs(t *testing.T) {
	c := newTestCard(t, testConfig())
	if rsp := c.Transmit(hexdump.Bytes(t, openISDR)); !bytes.Equal(rsp, hexdump.Bytes(t, "019000")) {
		t.Fatalf("MANAGE CHANNEL: %X", rsp)
	}
	if rsp := c.Transmit(hexdump.Bytes(t, "01A4040C10"+isdrAID)); !bytes.Equal(rsp, hexdump.Bytes(t, "9000")) {
		t.Fatalf("SELECT ISD-R: %X", rsp)
	}
	storeData := hexdump.Bytes(t, "81E2910006BF3E035C015A")
	getResponse := hexdump.Bytes(t, "01C0000015")
	want := hexdump.Bytes(t, "BF3E125A10"+testEID+"9000")
	var got []byte
	allocs := testing.AllocsPerRun(100, func() {
		if rsp := c.Transmit(storeData); !bytes.Equal(rsp, []byte{0x61, 0x15}) {
			t.Fatalf("STORE DATA: %X", rsp)
		}
		got = c.Transmit(getResponse)
	})
	if !bytes.Equal(got, want) {
		t.Fatalf("GET RESPONSE: %X, want %X", got, want)
	}
	if allocs > 2 {
		t.Errorf("GetEID: %.0f allocations, want 2 (the two response APDUs)", allocs)
	}
}
