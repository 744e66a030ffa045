package timeline

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// A run without coverage: the terminal answers the card's toolkit
// commands "unable to process: no service" (TS 102 223 §8.12, 20/04), its
// attaches find no network. That is what a real device does there, not a
// failure of the run: the rows are drawn plainly, counted by what they
// are, and the page counts no failure — while a real failure on the same
// page still is one. What the terminal answered is the card's "result"
// field; the reason's words decide nothing.
func TestRefusalsAreNotFailures(t *testing.T) {
	events := `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}
{"t":"2026-01-01T00:00:02Z","actor":"world","event":"no_service","area":"","operator":"cmcc"}
{"t":"2026-01-01T00:05:00Z","actor":"euicc","event":"stk_error","reason":"proactive command 26: result 20/04","result":"20/04"}
{"t":"2026-01-01T00:10:00Z","actor":"euicc","event":"stk_error","reason":"proactive command 26: result 20/04","result":"20/04"}
{"t":"2026-01-01T00:15:00Z","actor":"euicc","event":"bip_error","reason":"POST /gsma/rsp2/list: open channel: result 20/04","result":"20/04"}
{"t":"2026-01-01T00:15:00Z","actor":"euicc","event":"preferred_list_failed","reason":"open channel: result 20/04","result":"20/04"}
{"t":"2026-01-01T00:20:00Z","actor":"euicc","event":"stk_error","reason":"proactive command 26: result 20/02","result":"20/02"}
`
	base := []string{
		"1 attach without service",
		"3 toolkit commands refused: no service",
		"1 card request not sent: no service",
		"1 toolkit command refused: busy on call",
	}
	tests := []struct {
		name, extra     string
		failed, refused int
		header          []string // the refusals as the header counts them
	}{
		{"no coverage", "", 0, 6, base},
		// The networks an attach without service tried: no failure, not
		// counted again; a network that rejected the attach is one.
		{"the attempts of an attach without service", `{"t":"2026-01-01T00:40:00Z","actor":"world","event":"attach_result","cause":0,"ok":false,"operator":"cmcc","plmn":"20801","registration":"none"}
{"t":"2026-01-01T00:40:00Z","actor":"world","event":"attach_result","cause":15,"ok":false,"operator":"cmcc","plmn":"20810","registration":"denied"}
`, 1, 7, base}, // drawn plainly (refused), not counted in the header again
		// Not refusals: a permanent toolkit problem, a BIP error, a request
		// that failed for another reason, a modem's event.
		{"real failures beside them", `{"t":"2026-01-01T00:30:00Z","actor":"euicc","event":"bip_error","reason":"POST /gsma/rsp2/list: send data: result 3A/07","result":"3A/07"}
{"t":"2026-01-01T00:30:00Z","actor":"euicc","event":"preferred_list_failed","reason":"http 500"}
{"t":"2026-01-01T00:32:00Z","actor":"modem","event":"stk_error","reason":"proactive command 26: result 20/04","result":"20/04","ok":false}
`, 3, 6, base},
		// The words are not read: a reason that quotes a refusal without
		// the field is what its kind makes it (a failed list request
		// fails), and the field counts whatever the reason says.
		{"the field decides, not the reason", `{"t":"2026-01-01T00:31:00Z","actor":"euicc","event":"stk_error","reason":"proactive command 26: result 20/04"}
{"t":"2026-01-01T00:31:00Z","actor":"euicc","event":"preferred_list_failed","reason":"open channel: result 20/04"}
{"t":"2026-01-01T00:33:00Z","actor":"euicc","event":"stk_error","reason":"the terminal would not","result":"20/04"}
{"t":"2026-01-01T00:34:00Z","actor":"euicc","event":"notification_failed","kind":"attach-success","to":"platform","reason":"lost","result":"21"}
`, 1, 8, []string{
			"1 attach without service",
			"4 toolkit commands refused: no service",
			"1 card request not sent: no service",
			"1 toolkit command refused: busy on call",
			"1 card request not sent: network currently unable",
		}},
		// A result that is not one, or not a toolkit result (ES10c's is a
		// number): no refusal, and the page is drawn all the same.
		{"malformed or foreign result", `{"t":"2026-01-01T00:35:00Z","actor":"euicc","event":"bip_error","reason":"POST /v1/list: open channel: result 20/04","result":"zz"}
{"t":"2026-01-01T00:36:00Z","actor":"euicc","event":"stk_error","reason":"x","result":"20/0"}
{"t":"2026-01-01T00:37:00Z","actor":"euicc","event":"bip_error","reason":"x","result":32}
{"t":"2026-01-01T00:38:00Z","actor":"euicc","event":"profile_enable_failed","iccid":"89860000000000000019","result":32}
`, 3, 6, base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeArtifacts(t, map[string]string{"events.jsonl": events + tc.extra})
			path, err := Write(dir, Run{Name: "x", Verdict: "pass"})
			if err != nil {
				t.Fatal(err)
			}
			d, _ := pageRows(t, path)
			if want := strings.Count(events+tc.extra, "\n"); len(d.Items) != want {
				t.Errorf("%d rows, want one per event, %d", len(d.Items), want)
			}
			failed, refused := 0, 0
			for _, it := range d.Items {
				if it.Failed {
					failed++
				}
				if it.Refused != "" {
					refused++
					if it.Failed {
						t.Errorf("row %q both failed and refused", it.Label)
					}
				}
			}
			if failed != tc.failed || refused != tc.refused {
				t.Errorf("%d rows failed, %d refused; want %d and %d", failed, refused, tc.failed, tc.refused)
			}
			b, err := os.ReadFile(filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			meta := regexp.MustCompile(`<span class="meta">(.*)</span>`).FindSubmatch(b)
			if meta == nil {
				t.Fatal("no header")
			}
			var got []string
			for _, m := range regexp.MustCompile(`<span class="refused"[^>]*>([^<]*)</span>`).FindAllSubmatch(meta[1], -1) {
				got = append(got, string(m[1]))
			}
			if !reflect.DeepEqual(got, tc.header) {
				t.Errorf("header counts\n %q\nwant\n %q", got, tc.header)
			}
			if n := strings.Contains(string(meta[1]), "failed"); n != (tc.failed > 0) {
				t.Errorf("header %q: says failed %v, want %v", meta[1], n, tc.failed > 0)
			}
		})
	}
}
