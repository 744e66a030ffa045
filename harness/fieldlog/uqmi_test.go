package fieldlog

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// TestLPACUQMI: lpac's uqmi driver (driver/apdu/uqmi.c, OpenWrt's QMI
// backend) under LPAC_APDU_QMI_DEBUG logs each uqmi command line it runs
// ("UQMI_DEBUG_TX: uqmi … --uim-apdu-send <hex>") and what uqmi printed
// ("UQMI_DEBUG_RX: {"response":"<hex>"}"): its APDUs, which read as the
// APDU lines libeuicc prints (and replay over AT+CGLA as theirs do).
// Before, every line was a note and the log "nothing to replay". What
// answers no APDU (the client id, a channel's, uqmi's error) stays a
// note; an answer that is not hex is refused naming its line.
func TestLPACUQMI(t *testing.T) {
	const (
		pre  = "UQMI_DEBUG_TX: uqmi --single --device /dev/cdc-wdm0 --set-client-id uim,5 --keep-client-id uim --uim-slot 1 "
		open = "UQMI_DEBUG_TX: uqmi --single --device /dev/cdc-wdm0 --get-client-id uim\nUQMI_DEBUG_RX: 5\n" +
			pre + "--uim-channel-open A0000005591010FFFFFFFF8900000100\nUQMI_DEBUG_RX: {\"channel_id\":1}\n"
		getEID = pre + "--uim-channel-id 1 --uim-apdu-send 81E2910006BF3E035C015A\n"
	)
	for _, tc := range []struct {
		name, log string
		want      string // the APDU entries, or the error
	}{
		{"an APDU and its answer", open + getEID + "UQMI_DEBUG_RX: {\"response\":\"BF3E125A10890490321234512345123456789012349000\"}\n",
			"> 81E2910006BF3E035C015A STORE DATA GetEID (line 5)|< BF3E125A10890490321234512345123456789012349000 STORE DATA GetEID (line 6)"},
		{"lower-case hex", open + strings.Replace(getEID, "81E2910006BF3E035C015A", "81e2910006bf3e035c015a", 1) + "UQMI_DEBUG_RX: {\"response\":\"6a88\"}\n",
			"> 81E2910006BF3E035C015A STORE DATA GetEID (line 5)|< 6A88 STORE DATA GetEID (line 6)"},
		{"libeuicc's APDU lines too: each APDU once", open + "[DEBUG] [APDU] [TX] CLA: 81, INS: E2, P1: 91, P2: 00, Lc: 06, Data: BF 3E 03 5C 01 5A\n" + getEID +
			"UQMI_DEBUG_RX: {\"response\":\"6A88\"}\n[DEBUG] [APDU] [RX] SW1: 6A, SW2: 88\n",
			"> 81E2910006BF3E035C015A STORE DATA GetEID (line 5)|< 6A88 STORE DATA GetEID (line 8)"},
		{"uqmi's error", open + getEID + "UQMI_DEBUG_RX: \"Failed\"\n", "> 81E2910006BF3E035C015A STORE DATA GetEID (line 5)"},
		{"an answer not hex", open + getEID + "UQMI_DEBUG_RX: {\"response\":\"BF3Z\"}\n",
			`u.log:6: uqmi's response to --uim-apdu-send: want the card's answer and status word in hex, got "BF3Z"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect("u.log", []byte(tc.log))
			if err != nil || f != LPAC {
				t.Fatalf("Detect = %q, %v; want lpac", f, err)
			}
			tr, err := Read("u.log", []byte(tc.log), f)
			if strings.HasPrefix(tc.want, "u.log:") {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("error %v, want %s", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				if e.APDU != nil {
					got = append(got, fmt.Sprintf("%c %s %s %s (line %d)", e.Dir, strings.ToUpper(hex.EncodeToString(e.APDU.Raw)), e.APDU.Ins, e.APDU.ES10, e.Line))
				}
			}
			if strings.Join(got, "|") != tc.want {
				t.Errorf("APDUs %q, want %q", got, tc.want)
			}
		})
	}
}
