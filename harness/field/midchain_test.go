package field

import (
	"strings"
	"testing"
)

// TestMidChainLimits: a log that begins inside a STORE DATA chain (block
// 1 first, the field card taking it) is a limit the draft prints even
// while the manifest lacks what the plan needs: the emulated card, never
// having seen block 0, refuses the block (outside tester t166 F9: only
// replay -v said so). A block the field card refused too, or a chain the
// log holds from block 0, is none.
func TestMidChainLimits(t *testing.T) {
	const block1 = "> AT+CGLA=1,26,\"81E2110108A1A2A3A4A5A6A7A8\"\n"
	for _, tc := range []struct {
		name, log, want string
	}{
		{"block 1 taken", block1 + "< +CGLA: 4,\"9000\"\n< OK\n", "host.log:1 is STORE DATA block 1 of a command whose block 0 the logs do not hold"},
		{"block 1 refused there too", block1 + "< +CGLA: 4,\"6A86\"\n< OK\n", ""},
		{"from block 0", "> AT+CGLA=1,18,\"81E2110004BF380102\"\n< +CGLA: 4,\"9000\"\n< OK\n" + block1 + "< +CGLA: 4,\"9000\"\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "mid", map[string]string{ManifestFile: orangePlain("mid", "generic"), "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Limits(f), "\n")
			if tc.want == "" && strings.Contains(got, "STORE DATA block") || !strings.Contains(got, tc.want) {
				t.Errorf("limits %q, want %q", got, tc.want)
			}
		})
	}
}
