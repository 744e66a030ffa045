package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// shxTrace is a shell trace (sh -x) of a script asking the modem through
// sms_tool: without -D (no final result printed), its output piped
// through xargs (no answer shown), and with -D (the OK printed).
const shxTrace = "+ sms_tool -d /dev/ttyUSB2 at AT+CIMI\n+ O='208015021044451\n'\n" +
	"+ sms_tool -d /dev/ttyUSB2 at 'AT+CPIN?'\n+ xargs\n+ P='+CPIN: READY'\n" +
	"+ sms_tool -D -d /dev/ttyUSB2 at AT+CIMI\n+ O='208015021044451\n\nOK'\n"

// TestReplayShx: the replay of such a trace compares what it shows —
// the IMSI both times, the OK -D printed — and not the final result the
// tool did not print nor the answer a filter took: it reproduces. Before
// the comparison knew of them, it diverged at the replay's OK after the
// first AT+CIMI (line 2).
func TestReplayShx(t *testing.T) {
	dir := newFixture(t, "shx", map[string]string{"trace.log": shxTrace,
		field.ManifestFile: orangeFixture("shx", "generic", "trace.log", "shx", 8)})
	res := replay(t, dir)
	if !res.OK {
		t.Fatalf("%s\n%s", res.Why, Report(res))
	}
	if got := res.Compared[Exchanges]; got != 2 {
		t.Errorf("%d exchanges compared, want 2 (the piped one not)", got)
	}
}

// TestDraftShx: a command whose final result the tool does not print is
// no failure of a draft ("AT+CIMI got no final result" before).
func TestDraftShx(t *testing.T) {
	d := draftOf(t, t.TempDir(), "shx", shxTrace)
	if d.Found {
		t.Errorf("failure %+v found: a final result sms_tool does not print taken for one the modem never gave", d.Failure)
	}
}

// TestReplayL860Filler: a Fibocom L860-GL's trace (3ginfo-lite issue 39)
// answers AT+CCID with its 19-digit ICCID's F filler; the replay plays
// it — fibocom-l850 keeps the F (iccid_filler), and over generic the
// reconstruction takes the quirk from the line — and reproduces through
// it. Before, the emulated modem stripped the F and the replay left the
// recording at that line.
func TestReplayL860Filler(t *testing.T) {
	trace, err := os.ReadFile(filepath.Join("..", "fieldlog", "testdata", "shx-fibocom-l860.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"fibocom-l850", "generic"} {
		t.Run(name, func(t *testing.T) {
			manifest := strings.NewReplacer(`"89330100005021044451", operator: orange-fr`, `"8937105220100124117", operator: lmt`,
				`{id: orange-fr, plmn: "20801", country: FR, name: Orange}`, `{id: lmt, plmn: "24701", country: LV, name: LMT}`).
				Replace(orangeFixture("l860", name, "l860.log", "shx", 12))
			res := replay(t, newFixture(t, "l860", map[string]string{"l860.log": string(trace), field.ManifestFile: manifest}))
			if !res.OK {
				t.Fatalf("%s\n%s", res.Why, Report(res))
			}
			if got := res.Compared[Exchanges]; got != 1 {
				t.Errorf("%d exchanges compared, want 1 (AT+CCID)", got)
			}
		})
	}
}
