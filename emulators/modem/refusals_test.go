package modem

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestCardRefusals: every row of the card commands' refusals is what the
// modem answers in its condition, so the table a field log is judged by
// (CardRefusals) cannot leave what the handlers give.
func TestCardRefusals(t *testing.T) {
	ccho := `AT+CCHO="` + isdrAID + `"`
	seen := map[refusal]bool{}
	for _, tc := range []struct {
		r     refusal
		setup []string // commands that must succeed first
		cmd   string
	}{
		{cchoNotSelected, nil, `AT+CCHO="A0000005599999"`},
		{cchcNotOpen, nil, "AT+CCHC=3"},
		// The card's channel closed behind the modem's back (a MANAGE
		// CHANNEL through +CSIM): its close is refused.
		{cchcCloseRefused, []string{ccho, `AT+CSIM=10,"0070800100"`}, "AT+CCHC=1"},
		{cglaNotOpen, nil, `AT+CGLA=3,10,"80E2910000"`},
		{cglaManageChannel, []string{ccho}, `AT+CGLA=1,10,"0070800100"`},
		{crsmUnsupported, nil, "AT+CRSM=219,12258"},
	} {
		row := cardRefusals[tc.r]
		seen[tc.r] = true
		t.Run(fmt.Sprintf("%s %s", row.Command, row.When), func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "AT+CMEE=1")
			for _, s := range tc.setup {
				r.cmd(t, s)
			}
			cmds, err := at.Parse(tc.cmd)
			if err != nil || cmds[0].Name != row.Command {
				t.Fatalf("%s is no %s (%v)", tc.cmd, row.Command, err)
			}
			want := fmt.Sprintf("+CME ERROR: %d", int(row.Code))
			if rsp, err := r.c.Command(tc.cmd); err == nil || rsp == nil || rsp.Final != want {
				t.Errorf("%s: %+v, %v; want %s", tc.cmd, rsp, err, want)
			}
		})
	}
	for i, row := range CardRefusals() {
		if !seen[refusal(i)] {
			t.Errorf("row %d %+v: no case reaches it", i, row)
		}
		cmd := strings.TrimSuffix(row.Command, "?")
		if row.When == "" || row.Code == 0 || !strings.Contains(strings.Join(CardCommands, " "), cmd) {
			t.Errorf("row %d %+v: incomplete, or not a card command", i, row)
		}
	}
}
