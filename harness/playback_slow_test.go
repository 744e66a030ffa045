package harness

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/internal/personality"
)

// A command the emulator answers only after simulated time passes, in
// playback: AT+COPS=1,2,"20810" on lab-home is the attach attempt, then
// its denial, 2.6 s of the virtual clock. While the client waits for the
// answer, the rig runs (answerPump): the denial comes 2.6 s after the
// command on the virtual clock, the steps after it are sent and answered,
// and the conversation is the same on every run. Before, nobody advanced
// the rig for a plain command: the client timed out on the wall clock,
// resynchronised and probed, and the later steps were not sent.
func TestPlaybackSlowCommand(t *testing.T) {
	s, _ := labHomeWith(t, "restart.yaml")
	script, err := record.ParseScript("cops.yaml", []byte("name: cops\nsteps:\n  - AT+COPS=0\n  - AT+COPS=1,2,\"20810\"\n  - AT+CIMI\n  - AT+CSQ\n  - AT+COPS=0\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"generic", "quectel-eg25"} {
		t.Run(name, func(t *testing.T) {
			p, err := personality.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := Playback(s, p, script)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(lines, "\n")
			if m := regexp.MustCompile(`(?i)timeout|timed out|not sent|no answer|resynchronising|late answer|ATS3\?`).FindString(text); m != "" {
				t.Errorf("%q: a command was not answered in time:\n%s", m, text)
			}
			// The denial 2.6 s after the command, then each later step
			// answered at once.
			want := regexp.MustCompile(`(?m)^\S+:30Z > AT\+COPS=1,2,"20810"\n\S+:32\.6\d*Z < \+CME ERROR: \d+\n.*# step 3: AT\+CIMI\n.*> AT\+CIMI\n.*< \d{15}\n.*< OK\n.*# step 4: AT\+CSQ\n.*> AT\+CSQ\n.*< \+CSQ: [\d,]+\n.*< OK\n.*# step 5: AT\+COPS=0\n.*> AT\+COPS=0\n.*< OK$`)
			if !want.MatchString(text) {
				t.Errorf("not the conversation of a denied manual selection, answered on the virtual clock:\n%s", text)
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
