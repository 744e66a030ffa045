package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/timeline"
)

// copyDir copies a fixture directory to dir/<its name>, with edit applied
// to its manifest.
func copyDir(t *testing.T, src string, edit func(string) string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dst, "manifest.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// `esimhil replay` prints a verdict per fixture and exits non-zero when
// any verdict is not what its manifest expects or a fixture does not
// load; `esimhil log` prints a log's normalised transcript.
func TestReplayAndLogCommands(t *testing.T) {
	field := filepath.Join("..", "..", "..", "fixtures", "field")
	good := filepath.Join(field, "bg95-bare-cchc")
	unknown := copyDir(t, good, func(s string) string {
		return strings.Replace(s, "personality: quectel-eg25", "personality: nokia-3310", 1)
	})
	// Of a name of its own: beside good it must not replay into good's
	// artifacts directory.
	renamed := filepath.Join(filepath.Dir(unknown), "bg95-nokia")
	if err := os.Rename(unknown, renamed); err != nil {
		t.Fatal(err)
	}
	unknown = renamed
	same := copyDir(t, good, func(s string) string { return s })
	wrongVerdict := copyDir(t, good, func(s string) string {
		return strings.Replace(s, "expect: reproduces", "expect: fixed", 1)
	})
	junk := filepath.Join(t.TempDir(), "junk.log")
	if err := os.WriteFile(junk, []byte("hello\nthis is\nno modem log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pasted := filepath.Join(t.TempDir(), "pasted.log")
	if err := os.WriteFile(pasted, []byte("> AT+C\u200bOPS?\n< +COPS: 0,2,\"26202\",7\n< OK\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, drafts, clashOut := t.TempDir(), t.TempDir(), t.TempDir()
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"replay", "--out", out, good}, 0, "PASS  bg95-bare-cchc (expect reproduces): reproduces", ""},
		{[]string{"replay", "--out", out, "-v", good}, 0, "assumed: ", ""},
		{[]string{"replay", "--out", out, good, unknown}, 1, "ERROR " + unknown + ": " + filepath.Join(unknown, "manifest.yaml") + `:11:16: device.personality: unknown personality "nokia-3310"`, ""},
		{[]string{"replay", "--out", out, wrongVerdict}, 1, "FAIL  bg95-bare-cchc (expect fixed): expected fixed, but the replay still follows the recording through the failure at lpac-chip-info.log:15 (12 exchanges, 0 URCs)\n  the failure, still there (exchange): a bare +CCHC line before OK", ""},
		{[]string{"replay", "--out", out, filepath.Join(field, "no-such-fixture")}, 1, "ERROR ", ""},
		{[]string{"replay"}, 2, "", "no fixture directories"},
		// Two fixtures of one name would replay into one directory, the
		// second's artifacts over the first's: refused before either runs.
		{[]string{"replay", "--out", clashOut, same, good}, 2, "", "esimhil replay: fixtures " + same + " and " + good + ` are both named "bg95-bare-cchc", which names the artifacts directory ` +
			filepath.Join(clashOut, "bg95-bare-cchc") + ": the second would overwrite the first one's evidence"},
		{[]string{"replay", "--out", clashOut, good, good + "/"}, 2, "", "fixture bg95-bare-cchc is given twice (as " + good + " and " + good + "/)"},
		{[]string{"replay", "--out", out, filepath.Join(field, "README.md"), good}, 0, "SKIP  " + filepath.Join(field, "README.md") + ": a file, not a fixture directory", ""},
		{[]string{"replay", "--speed", "2", good}, 2, "", "unknown flag --speed; usage: esimhil replay"},
		{[]string{"log", filepath.Join(good, "lpac-chip-info.log")}, 0, "lpac-chip-info.log: format lpac, times: none", ""},
		{[]string{"log", "--format", "mm", filepath.Join(good, "lpac-chip-info.log")}, 1, "", "lpac-chip-info.log:1: "},
		{[]string{"log", junk}, 1, "", junk + ":1: "},
		{[]string{"log", "--format", "minicom", junk}, 2, "", `--format "minicom": want one of atlog, `},
		{[]string{"log"}, 2, "", "no log files"},
		{[]string{"log", pasted}, 0, "# 1 invisible character taken out, the first at line 1, column 7: zero-width spaces", ""},
		{[]string{"fixture", "--dir", drafts, "--name", "gw-1042", filepath.Join(field, "reattach-slower-than-wait", "modemmanager.log")}, 0,
			"wrote " + filepath.Join(drafts, "gw-1042", "manifest.yaml") + " (personality quectel-eg25", ""},
		{[]string{"replay", "--out", out, filepath.Join(drafts, "gw-1042")}, 0, "PASS  gw-1042 (expect reproduces)", ""},
		{[]string{"replay", "--out", out, filepath.Join(drafts, "gw-1042")}, 0, "still drafted: source, expected, failure.what", ""},
		{[]string{"fixture", "--dir", drafts, "--name", "ec20f", filepath.Join(field, "ec20f-long-cgla", "lpac-download.log")}, 1,
			"to do     the fixture does not replay until the manifest gives what the logs lack", ""},
		{[]string{"fixture", "--dir", drafts, "--name", "gw-1042", filepath.Join(field, "reattach-slower-than-wait", "modemmanager.log")}, 1, "", "a draft never overwrites a fixture"},
		{[]string{"fixture", "--dir", drafts, "--name", "j", junk}, 1, "", junk + ":1: "},
		{[]string{"fixture", "--name", "x"}, 2, "", "want --name and at least one log"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.out) || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("%q: exit %d\nstdout %s\nstderr %s", tc.args, code, stdout.String(), stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(out, "bg95-bare-cchc", "report.txt")); err != nil {
		t.Errorf("replay artifacts: %v", err)
	}
	if des, err := os.ReadDir(clashOut); err != nil || len(des) != 0 {
		t.Errorf("a refused replay wrote %v (%v)", des, err)
	}
}

// `esimhil replay` writes the replayed run's timeline page beside its
// artifacts, with the replay's verdict (its user ran the replay) and, for
// a failed one, why, as a run's page has its mismatches.
func TestReplayWritesItsPage(t *testing.T) {
	good := filepath.Join("..", "..", "..", "fixtures", "field", "bg95-bare-cchc")
	wrongVerdict := copyDir(t, good, func(s string) string {
		return strings.Replace(s, "expect: reproduces", "expect: fixed", 1)
	})
	for _, tc := range []struct {
		name, dir, verdict string
		holds              []string
	}{
		{"reproduces as expected", good, "pass", []string{"replay · seed ", "bg95-bare-cchc", "AT+CCHC"}},
		{"expected fixed, still reproduces", wrongVerdict, "fail", []string{"Expectations that did not hold", "expected fixed, but the replay still follows the recording"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			cli(context.Background(), []string{"replay", "--out", out, tc.dir}, &stdout, &stderr)
			if stderr.Len() > 0 {
				t.Errorf("stderr %s", stderr.String())
			}
			page := filepath.Join(out, "bg95-bare-cchc", timeline.FileName)
			if v := timeline.PageVerdict(page); v != tc.verdict {
				t.Fatalf("page verdict %q, want %q (stdout %s)", v, tc.verdict, stdout.String())
			}
			b, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.holds {
				if !strings.Contains(string(b), want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}
