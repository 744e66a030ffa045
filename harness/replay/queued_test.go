package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestQueuedLineReplayed: a line the recorded host sent while +COPS=1
// ran (at.log's queued mark, t169 F1) is played when it was sent, while
// the replay's +COPS=1 runs too; host.log marks it the same way, so that
// it reads with its own answer, after the running command's.
func TestQueuedLineReplayed(t *testing.T) {
	log := "2026-01-01T00:00:10Z > AT+CEREG=2\n2026-01-01T00:00:10Z < OK\n" +
		"2026-01-01T00:00:11Z > AT+COPS?\n2026-01-01T00:00:11Z < +COPS: 0,2,\"20801\",7\n2026-01-01T00:00:11Z < OK\n" +
		"2026-01-01T00:00:20Z > AT+COPS=1,2,\"20810\"\n2026-01-01T00:00:20Z < +CEREG: 2\n" +
		"2026-01-01T00:00:20.5Z > AT+CGMI" + at.QueuedMark + "\n" +
		"2026-01-01T00:00:22Z < +CEREG: 5,\"0101\",\"00000202\",7\n" +
		"2026-01-01T00:00:22Z < OK\n2026-01-01T00:00:22Z < esimhil\n2026-01-01T00:00:22Z < OK\n"
	m := strings.Replace(orangeFixture("queued", "generic", "at.log", "atlog", 5),
		`    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}`,
		`    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}`, 1)
	dir := newFixture(t, "queued", map[string]string{"at.log": log, field.ManifestFile: m})
	res, err := Run(dir, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	host, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(host), " > AT+CGMI"+at.QueuedMark+"\n") {
		t.Fatalf("host.log does not mark AT+CGMI queued:\n%s", host)
	}
	tr, err := fieldlog.Read(HostLog, host, fieldlog.ATLog)
	if err != nil {
		t.Fatalf("host.log: %v\n%s", err, host)
	}
	for _, i := range tr.Commands() {
		var answer []string
		for _, a := range tr.Answer(i) {
			answer = append(answer, a.Text)
		}
		if tr.Entries[i].Text == "AT+CGMI" && strings.Join(answer, "|") != "AT+CGMI|esimhil|OK" {
			t.Errorf("AT+CGMI's answer %q, want its echo, esimhil, OK:\n%s", answer, host)
		}
	}
	if !res.OK {
		t.Errorf("%s\n%s\n%s", res.Why, Report(res), host)
	}
}
