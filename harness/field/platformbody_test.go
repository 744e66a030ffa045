package field

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPlatformBodyUnread: what the platform's log did not keep whole — a
// body cut, one contradicting its body_size or body_sha256 — is a to-do
// naming the file, the line and the fields lost, not evidence taken in
// silence (outside tester t166 F7).
func TestPlatformBodyUnread(t *testing.T) {
	plat, err := os.ReadFile(filepath.Join("..", "fieldlog", "testdata", "platform-trunc.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	man := strings.Replace(cnFRManifest("plat", "quectel-eg25"), "  - {file: plain.log, format: plain}\n",
		"  - {file: plain.log, format: plain}\n  - {file: platform.jsonl, format: platform}\n", 1)
	man = strings.Replace(man, `{id: orange-fr, plmn: "20801", country: FR}`, `{id: orange-fr, plmn: "20801", country: FR}`+"\n    - {id: movistar, plmn: \"21407\", country: ES}", 1)
	log := "[2026-12-05T18:09:59.000Z] > AT+CIMI\n[2026-12-05T18:09:59.010Z] < 208011234567890\n[2026-12-05T18:09:59.011Z] < OK\n"
	p := reconstruct(t, writeFixture(t, "plat", map[string]string{ManifestFile: man, "plain.log": log, "platform.jsonl": string(plat)}), Options{})
	for _, want := range []string{
		`platform.jsonl:1: POST /v1/preferred-list's body is no whole record: body cut at 2048 of its 2399 bytes (truncated): "signal" and any member after it not read`,
		"platform.jsonl:2: POST /v1/notifications's body is no whole record: body: 102 bytes, not its body_size 97: none of it read",
		`platform.jsonl:3: POST /v1/preferred-list's body is no whole record: body cut at 2048 of its 2568 bytes (truncated): "signal" and any member after it not read`,
	} {
		if !slices.ContainsFunc(p.ToDo, func(td string) bool { return strings.HasPrefix(td, want) }) {
			t.Errorf("to-dos lack %q:\n%s", want, strings.Join(p.ToDo, "\n"))
		}
	}
}
