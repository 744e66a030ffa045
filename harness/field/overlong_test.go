package field

import (
	"errors"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestOverlongCommandRefused: a host line the log holds only as the
// harness's "<overlong line dropped>" lost its text: the fixture is
// refused at that line, naming the log (file:line: logs[i]), and never
// played with the placeholder sent as a command. The placeholder among
// the modem's lines is no command and loads as before.
func TestOverlongCommandRefused(t *testing.T) {
	const head = "> AT+CMEE=2\n< OK\n"
	for _, tc := range []struct {
		name, log, want string // want "": it loads
	}{
		{"host line dropped", head + "> " + fieldlog.OverlongLine + "\n< ERROR\n> AT+CSQ\n< +CSQ: 20,99\n< OK\n",
			`host.log:3: logs[0]: line 3 was cut in the log ("<overlong line dropped>" stands for a line over the recorder's bound): its command cannot be replayed`},
		{"host line dropped, answered OK", head + "> " + fieldlog.OverlongLine + "\n< OK\n",
			`host.log:3: logs[0]: line 3 was cut in the log`},
		{"an answer line dropped", head + "> AT+CGMI\n< " + fieldlog.OverlongLine + "\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "overlong", map[string]string{ManifestFile: orangePlain("overlong", "generic"), "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Reconstruct(f, Options{Emulated: func(string) bool { return true }})
			var lc LogsCannot
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want) || !errors.As(err, &lc)):
				t.Fatalf("error %v, want LogsCannot starting %q", err, tc.want)
			case tc.want == "":
				for _, s := range p.Steps {
					if strings.Contains(s.Line, fieldlog.OverlongLine) {
						t.Errorf("step %+v sends the placeholder", s)
					}
				}
			}
		})
	}
}
