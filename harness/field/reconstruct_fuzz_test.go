package field

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
)

// FuzzReconstruct: whatever a plain transcript holds, the reconstruction
// either says what is wrong or emits a scenario the loader takes — never
// a panic, never a scenario the replay cannot load.
func FuzzReconstruct(f *testing.F) {
	for _, name := range []string{"plain.log", "plain-ts.log", "plain-txrx.log", "plain-v0.log", "plain-midnight.log"} {
		if b, err := os.ReadFile(filepath.Join("..", "fieldlog", "testdata", name)); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"> AT+CPIN?\n< +CPIN: SIM PIN\n< OK\n> AT+CPIN=\"11111\"\n< OK\n",
		"> AT+QCCID\n< +QCCID: 89860439101880931012\n< OK\n> AT+CIMI\n< 460001234567890\n< OK\n", // an ICCID without its check digit
		"[0.000] > AT+CEREG?\n[0.010] < +CEREG: 0,2\n[0.011] < OK\n",
		"> ATZ E0 V1\n< OK\n> AT+CREG?\n< +CREG: 2,1,\"0B5A\",\"00C3F21E\"\n< OK\n",
		"> AT+CFUN?\n< +CFUN: 4\n< OK\n> AT+CCHO=?\n< ERROR\n",
		"> AT\n< RDY\n> AT\n< OK\n",
	} {
		f.Add([]byte(s))
	}
	manifest := orangePlain("fuzz", "quectel-eg25")
	f.Fuzz(func(t *testing.T, log []byte) {
		if len(log) > 4096 {
			return
		}
		dir := filepath.Join(t.TempDir(), "fuzz")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for file, text := range map[string][]byte{ManifestFile: []byte(manifest), "host.log": log} {
			if err := os.WriteFile(filepath.Join(dir, file), text, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		fx, err := Load(dir)
		if err != nil {
			return // the log or the failure line refused: said, with its place
		}
		p, err := Reconstruct(fx, Options{})
		if err != nil {
			return
		}
		if _, err := scenario.Parse("fuzz.yaml", p.ScenarioYAML); err != nil {
			t.Fatalf("a reconstructed scenario the loader refuses: %v\n%s", err, p.ScenarioYAML)
		}
	})
}
