package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// TestQueuedLinesEchoed: the emulator's own at.log of a host that typed
// lines ahead of a rejected +COPS=1 (t185 F1) reproduces with echo on as
// with it off. Each echo is the line as received and its S3 (V.250
// §5.2.1): the running line's and every queued line's leave with no LF
// after them, and host.log must read each as a line of its own, not
// one answer that runs them together.
func TestQueuedLinesEchoed(t *testing.T) {
	const head = "2026-01-01T00:00:02.4Z > AT+CMEE=1\n2026-01-01T00:00:02.4Z < OK\n" +
		"2026-01-01T00:00:02.9Z > AT+CGMM\n2026-01-01T00:00:02.9Z < esimhil modem emulator\n2026-01-01T00:00:02.9Z < OK\n" +
		"2026-01-01T00:00:03.2Z > AT+COPS=1,2,\"20810\"\n"
	q := func(at, line string) string {
		return "2026-01-01T00:00:" + at + "Z > " + line + " (queued: a command runs)\n"
	}
	a := func(lines ...string) string {
		s := ""
		for _, l := range lines {
			s += "2026-01-01T00:00:06.08Z < " + l + "\n"
		}
		return s
	}
	for _, tc := range []struct {
		name, log string
		failure   int // the +CME ERROR: 111 line
		echoes    []string
	}{
		{"one queued line", head + q("03.5", "AT+CGMI") + a("+CME ERROR: 111", "esimhil", "OK"), 8,
			[]string{"AT+CMEE=1", "AT+CGMM", `AT+COPS=1,2,"20810"`, "AT+CGMI"}},
		{"four queued lines, A/ and a chained line among them", head + q("03.5", "AT+CGMI") + q("03.8", "A/") +
			q("04.1", "AT+CSQ;+CEREG?") + q("04.7", "AT+CGMR") +
			a("+CME ERROR: 111", "esimhil", "OK", "esimhil", "OK", "+CSQ: 20,99", "+CEREG: 0,3", "OK", "1.0", "OK"), 11,
			[]string{"AT+CMEE=1", "AT+CGMM", `AT+COPS=1,2,"20810"`, "AT+CGMI", "A/", "AT+CSQ;+CEREG?", "AT+CGMR"}},
		{"echo off (control)", "2026-01-01T00:00:02Z > ATE0\n2026-01-01T00:00:02Z < OK\n" + head + q("03.5", "AT+CGMI") +
			a("+CME ERROR: 111", "esimhil", "OK"), 10, []string{"ATE0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := fmt.Sprintf(`name: typed-ahead
source: "t185 typed-ahead"
logs:
  - {file: at.log, format: atlog}
device:
  personality: generic
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, imsi: "460000000000019", enabled: true}
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
expected: "SFR accepts"
failure: {log: at.log, line: %d, what: "AT+COPS=1,2,\"20810\" answered +CME ERROR: 111"}
expect: reproduces
`, tc.failure)
			dir := newFixture(t, "typed-ahead", map[string]string{"at.log": tc.log, field.ManifestFile: m})
			res, err := Run(dir, Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			host, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK {
				t.Errorf("%s\n%s\n%s", res.Why, Report(res), host)
			}
			var echoes []string
			for _, l := range strings.Split(string(host), "\n") {
				if _, text, ok := strings.Cut(l, " < "); ok && (strings.HasPrefix(text, "AT") || text == "A/") {
					echoes = append(echoes, text)
				}
			}
			if !slices.Equal(echoes, tc.echoes) {
				t.Errorf("host.log's echoes %q, want %q:\n%s", echoes, tc.echoes, host)
			}
		})
	}
}
