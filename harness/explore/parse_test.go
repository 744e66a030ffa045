package explore

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// TestParseProfileList decodes +CGLA answers to GetProfilesInfo (SGP.22
// §5.7.15) as the final-state invariant reads them, and refuses bad ones.
func TestParseProfileList(t *testing.T) {
	two := answer(tlv.Constructed(0xBF2D, tlv.Constructed(0xA0,
		tlv.Constructed(0xE3, tlv.New(0x5A, iccid("98990000000000000060")), tlv.New(0x9F70, []byte{1})),
		tlv.Constructed(0xE3, tlv.New(0x5A, iccid("98990000000000000041")), tlv.New(0x9F70, []byte{0})),
	)).Bytes())
	padded := answer(tlv.Constructed(0xBF2D, tlv.Constructed(0xA0,
		tlv.Constructed(0xE3, tlv.New(0x5A, iccid("989900000000000010F3"))),
	)).Bytes())
	tests := []struct {
		name, line string
		want       []dialect.Profile
		err        bool
	}{
		{"two profiles, first enabled", two, []dialect.Profile{
			{ICCID: "89990000000000000006", Enabled: true}, {ICCID: "89990000000000000014"}}, false},
		{"empty list", `+CGLA: 14,"BF2D02A0009000"`, []dialect.Profile{}, false},
		{"19-digit ICCID, F padded, no state", padded, []dialect.Profile{{ICCID: "8999000000000000013"}}, false},
		{"digit after padding", answer(tlv.Constructed(0xBF2D, tlv.Constructed(0xA0,
			tlv.Constructed(0xE3, tlv.New(0x5A, iccid("8F"))))).Bytes()), nil, true},
		{"entry without ICCID", answer(tlv.Constructed(0xBF2D, tlv.Constructed(0xA0,
			tlv.Constructed(0xE3, tlv.New(0x9F70, []byte{1})))).Bytes()), nil, true},
		{"error status", `+CGLA: 4,"6A88"`, nil, true},
		{"length mismatch", `+CGLA: 10,"BF2D02A0009000"`, nil, true},
		{"not CGLA", `+CCHO: 1`, nil, true},
		{"bad hex", `+CGLA: 4,"ZZ90"`, nil, true},
		{"trailing bytes", `+CGLA: 16,"BF2D02A000FFFF9000"`, nil, true},
		{"no A0", `+CGLA: 14,"BF2D03810101009000"`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := harness.ParseProfileList(tc.line)
			if tc.err {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
			}
		})
	}
}

// FuzzParseProfileList: any answer line decodes or fails cleanly.
func FuzzParseProfileList(f *testing.F) {
	f.Add(`+CGLA: 12,"BF2D02A0009000"`)
	f.Add(`+CGLA: 40,"BF2D10A00EE30C5A0A989900000000000000609000"`)
	f.Add(`+CGLA: 4,"6A88"`)
	f.Fuzz(func(t *testing.T, line string) {
		ps, err := harness.ParseProfileList(line)
		if err == nil {
			for _, p := range ps {
				if p.ICCID == "" {
					t.Fatalf("empty ICCID accepted from %q", line)
				}
			}
		}
	})
}

// answer wraps response data and SW 9000 in a +CGLA line.
func answer(data []byte) string {
	h := strings.ToUpper(hex.EncodeToString(data)) + "9000"
	return fmt.Sprintf("+CGLA: %d,%q", len(h), h)
}

func iccid(swapped string) []byte {
	b, err := hex.DecodeString(swapped)
	if err != nil {
		panic(err)
	}
	return b
}
