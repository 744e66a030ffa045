package field

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/cardtrace"
)

// TestMidChainLimits: a log that begins inside a STORE DATA chain (block
// 1 first, the field card taking it) is a limit the draft prints even
// while the manifest lacks what the plan needs: the emulated card, never
// having seen block 0, refuses the block (outside tester t166 F9: only
// replay -v said so). So is one the field card refused for its data
// (6A80): it had put the request together, so it had block 0 (outside
// tester t178 N4: no to-do, a false "host protocol error", and
// `expect: fixed` passing on 6A80 against the replay's 6A86). A block the
// field card refused as a card with nothing open does (6A86), or a chain
// the log holds from block 0, is none.
func TestMidChainLimits(t *testing.T) {
	const block1 = "> AT+CGLA=1,26,\"81E2110108A1A2A3A4A5A6A7A8\"\n"
	for _, tc := range []struct {
		name, log, want string
	}{
		{"block 1 taken", block1 + "< +CGLA: 4,\"9000\"\n< OK\n", "host.log:1 is STORE DATA block 1 of a command whose block 0 the logs do not hold"},
		{"block 1 refused its number there too", block1 + "< +CGLA: 4,\"6A86\"\n< OK\n", ""},
		{"block 1 refused for its data: the card had block 0", block1 + "< +CGLA: 4,\"6A80\"\n< OK\n",
			"host.log:1 is STORE DATA block 1 of a command whose block 0 the logs do not hold (they begin in the middle of it): the emulated card, which never saw the start, refuses its block number (6A86) where the field card, which had the start, answered 6A80"},
		{"block 1 refused 6985: a whole request refused", block1 + "< +CGLA: 4,\"6985\"\n< OK\n", "answered 6985"},
		{"block 1, the modem's error: no card answer", block1 + "< +CME ERROR: 4\n", ""},
		{"from block 0", "> AT+CGLA=1,18,\"81E2110004BF380102\"\n< +CGLA: 4,\"9000\"\n< OK\n" + block1 + "< +CGLA: 4,\"9000\"\n< OK\n", ""},
		// The tester's log (t178 logs/mid2-last-6a80.log): lpac's, begun
		// inside an AuthenticateServer, keeping only its last block, which
		// the field card refused 6A80.
		{"lpac log begun mid-chain, last block refused 6A80", mid2Log,
			"host.log:3 is STORE DATA block 2 of a command whose block 0 the logs do not hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := orangePlain("mid", "generic")
			if strings.HasPrefix(tc.log, "AT_DEBUG") {
				m = strings.NewReplacer("format: plain", "format: lpac", "line: 1,", "line: 5,").Replace(m)
			}
			f, err := Load(writeFixture(t, "mid", map[string]string{ManifestFile: m, "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Texts(Limits(f)), "\n")
			if tc.want == "" && strings.Contains(got, "STORE DATA block") || !strings.Contains(got, tc.want) {
				t.Errorf("limits %q, want %q", got, tc.want)
			}
			// One rule with the log's reader (cardtrace.HostError): a block
			// asked about is no host error there.
			for _, e := range f.Logs[0].Entries {
				if tc.want != "" && e.APDU != nil && (e.APDU.HostError || strings.Contains(e.APDU.Summary, cardtrace.HostErrorText)) {
					t.Errorf("line %d: %q, a block asked about, is called the host's error", e.Line, e.APDU.Summary)
				}
			}
		})
	}
}

// mid2Log is outside tester t178's logs/mid2-last-6a80.log: lpac's debug
// log of an AuthenticateServer it begins inside, at its last block, which
// the field card refused for its data.
const mid2Log = `AT_DEBUG_RX(5.221000000): +CGLA: 4,"9000"
AT_DEBUG_RX(5.242000000): OK
AT_DEBUG_TX(5.347000000): AT+CGLA=1,140,"81E2910241E9916DCE32350F0E5579DFB7F64058452A2D4E58997BC77ECB5F234A8979F13D142598EC3F3EF91F3B983C290F4FE785882C70F0442886296F59FEBD78761E3C65"
AT_DEBUG_RX(5.368000000): AT+CGLA=1,140,"81E2910241E9916DCE32350F0E5579DFB7F64058452A2D4E58997BC77ECB5F234A8979F13D142598EC3F3EF91F3B983C290F4FE785882C70F0442886296F59FEBD78761E3C65"
AT_DEBUG_RX(5.389000000): +CGLA: 4,"6A80"
AT_DEBUG_RX(5.410000000): OK
AT_DEBUG_TX(5.515000000): AT+CCHC=1
AT_DEBUG_RX(5.536000000): AT+CCHC=1
AT_DEBUG_RX(5.557000000): OK
`
