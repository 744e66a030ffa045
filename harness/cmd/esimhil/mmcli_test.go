package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A session of mmcli --command (mmcli 1.20 against the emulated modem
// under ModemManager --debug: the card's EID read over a logical channel,
// then a +CGLA on a channel never opened) goes the README's way: esimhil
// log reads it, esimhil fixture drafts it, and the draft replays,
// reproducing the +CME ERROR: 21 that ModemManager reported as
// MobileEquipment.InvalidIndex.
func TestMMCLISessionReplays(t *testing.T) {
	log := filepath.Join("..", "..", "fieldlog", "testdata", "mmcli-eid.log")
	drafts, out := t.TempDir(), t.TempDir()
	for _, tc := range []struct {
		args []string
		out  string
	}{
		{[]string{"log", log}, "mmcli-eid.log:10  <  final    +CME ERROR: 21  (to line 9)"},
		{[]string{"fixture", "--dir", drafts, "--name", "mmcli-eid", log}, "failure   mmcli-eid.log:10"},
		{[]string{"replay", "--out", out, filepath.Join(drafts, "mmcli-eid")}, "PASS  mmcli-eid (expect reproduces): reproduces: 6 exchanges, 0 URCs as recorded, through the failure at mmcli-eid.log:10"},
	} {
		var stdout, stderr bytes.Buffer
		if code := cli(context.Background(), tc.args, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), tc.out) {
			t.Fatalf("%q: exit %d, want 0 and %q\nstdout %s\nstderr %s", tc.args, code, tc.out, stdout.String(), stderr.String())
		}
	}
}
