package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// `esimhil fixture` drafts a fixture from oFono's and chat's logs: the
// oFono log's busiest channel is its AT port, chat's give-up on AT+CGATT
// the failure.
func TestFixtureFromOfonoAndChat(t *testing.T) {
	testdata := filepath.Join("..", "..", "fieldlog", "testdata")
	drafts := t.TempDir()
	for _, tc := range []struct {
		log  string
		want []string
	}{
		{"ofono-journal.log", []string{"wrote ", "(personality quectel-eg25)", "failure   ofono-journal.log:32"}},
		{"chat-syslog.log", []string{"wrote ", "failure   chat-syslog.log:64"}},
	} {
		var stdout, stderr bytes.Buffer
		name := strings.TrimSuffix(tc.log, ".log")
		code := cli(context.Background(), []string{"fixture", "--dir", drafts, "--name", name, filepath.Join(testdata, tc.log)}, &stdout, &stderr)
		ok := code == 0
		for _, w := range tc.want {
			ok = ok && strings.Contains(stdout.String(), w)
		}
		if !ok {
			t.Errorf("%s: exit %d\nstdout %s\nstderr %s", tc.log, code, stdout.String(), stderr.String())
		}
	}
}
