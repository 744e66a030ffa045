package harness

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
)

// A restart in playback: while the script waits, the virtual clock runs, so
// the modem comes back (RDY exactly its restart delay after the OK) and
// the steps after the wait are answered; the conversation is the same on
// every run. Before, nobody advanced the clock: the wait could not be
// written, and the next command timed out on the wall clock.
func TestPlaybackRestart(t *testing.T) {
	s, err := scenario.Load(filepath.Join("..", "fixtures", "scenarios", "lab-home.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := record.LoadScript(filepath.Join("..", "fixtures", "scripts", "restart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"generic", "quectel-eg25", "sierra-em7511"} {
		t.Run(name, func(t *testing.T) {
			p, err := personality.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			script := script
			if name != "generic" {
				// Await the last boot line, or a dialect without one
				// (Sierra): the wait then runs out and says so.
				cp := *script
				cp.Steps = slices.Clone(cp.Steps)
				script = &cp
				last := `\+QIND: PB DONE`
				if name == "sierra-em7511" {
					last = "RDY"
				}
				at := slices.IndexFunc(script.Steps, func(st record.Step) bool { return st.Await != "" })
				script.Steps[at] = mustAwait(t, last)
			}
			lines, err := Playback(s, p, script)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(lines, "\n")
			if strings.Contains(text, "timeout") {
				t.Errorf("a step timed out:\n%s", text)
			}
			for _, want := range wantAfterRestart[name] {
				if !strings.Contains(text, want) {
					t.Errorf("no %q in:\n%s", want, text)
				}
			}
			again, err := Playback(s, p, script)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(lines, again) {
				t.Errorf("two playbacks differ:\n%s\n---\n%s", text, strings.Join(again, "\n"))
			}
		})
	}
}

var wantAfterRestart = map[string][]string{
	"generic":      {"# step 3: RDY after 11s", "< RDY", "< ATE0", "< +CFUN: 1", "< +CPIN: READY"}, // echo back on after the restart,
	"quectel-eg25": {"< RDY", "< +QUSIM: 1", "# step 3: +QIND: PB DONE after 13s", "< +CPIN: READY"},
	// Silent on boot: the wait runs out; the modem answers again.
	"sierra-em7511": {"# step 3: no line matching RDY within 60s", "< +CPIN: READY"},
}

func mustAwait(t *testing.T, pattern string) record.Step {
	t.Helper()
	s, err := record.ParseScript("s.yaml", []byte("name: s\nsteps:\n  - {await: '"+pattern+"', within: 60s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return s.Steps[0]
}
