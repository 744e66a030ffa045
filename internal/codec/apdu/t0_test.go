package apdu

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

func TestTPDU(t *testing.T) {
	tests := []struct{ name, cmd, want string }{
		{"case 1", "0070800100", "0070800100"},
		{"case 2", "80F2000000", "80F2000000"},
		{"case 3", "80E2910006BF3E035C015A", "80E2910006BF3E035C015A"},
		{"case 4: Le dropped", "81E2910006BF3E035C015A00", "81E2910006BF3E035C015A"},
		{"case 4 SELECT by AID", "00A4040007A000000087100200", "00A4040007A0000000871002"},
		{"extended length as it is", "00B000000000FF", "00B000000000FF"},
		{"short header as it is", "00B0", "00B0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := TPDU(hexdump.Bytes(t, tc.cmd)), hexdump.Bytes(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("TPDU(%s) = %X, want %X", tc.cmd, got, want)
			}
		})
	}
}

// Exchange over a T=0 wire (TPDU) fetches a case-4 command's answer with
// GET RESPONSE on the command's channel: the terminal's side of T=0.
func TestExchangeOverT0(t *testing.T) {
	var sent []string
	card := map[string]string{
		"81E2910006BF3E035C015A": "6103",
		"01C0000003":             "BF3E019000",
	}
	tx := func(cmd []byte) ([]byte, error) {
		tpdu := TPDU(cmd)
		sent = append(sent, fmt.Sprintf("%X", tpdu))
		return hexdump.Bytes(t, card[fmt.Sprintf("%X", tpdu)]), nil
	}
	got, err := Exchange(tx, hexdump.Bytes(t, "81E2910006BF3E035C015A00"))
	if err != nil || fmt.Sprintf("%X", got) != "BF3E019000" {
		t.Fatalf("Exchange = %X, %v (sent %v)", got, err, sent)
	}
}
