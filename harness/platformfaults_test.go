package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
)

// runFixture runs s into a fresh directory and returns it, failing on an
// error (a capture incomplete among them), a mismatch or an unfired fault.
func runFixture(t *testing.T, s *scenario.Scenario) string {
	t.Helper()
	dir := t.TempDir()
	res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
	if res.Err != nil || len(res.Mismatches) > 0 || len(res.Unfired) > 0 {
		t.Fatalf("run: %v %q %q", res.Err, res.Mismatches, res.Unfired)
	}
	if _, err := os.Stat(filepath.Join(dir, CaptureIncompleteFile)); err == nil {
		t.Fatalf("%s written", CaptureIncompleteFile)
	}
	return dir
}

// A garbled platform's answers are evidence, not a broken capture: the run
// has no "capture incomplete", the capture decodes, and each garbled
// injection is one 200 list answer with a malformed body, which the card
// logged as a failed list, staying on its profile until the next check.
func TestGarbledPlatformIsEvidence(t *testing.T) {
	dir := runFixture(t, loadFixture(t, "roam-platform-garbled.yaml"))
	msgs, err := capture.DecodeAll(filepath.Join(dir, TrafficFile))
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	malformed := 0
	for _, m := range msgs {
		if m.Malformed != "" {
			if m.Kind != capture.KindPreferredList || m.Status != 200 || m.ListRequest == nil || m.ListResponse != nil {
				t.Errorf("malformed message %+v", m)
			}
			malformed++
		}
	}
	lines := eventLines(t, loadFixture(t, "roam-platform-garbled.yaml"), 0)
	garbled, failed, enabled := 0, 0, 0
	for i, l := range lines {
		switch {
		case strings.Contains(l, `"fault":"platform_garbled"`):
			garbled++
			if next := lines[i+1]; !strings.Contains(next, `"event":"preferred_list_failed","reason":"malformed JSON`) || next[:26] != l[:26] {
				t.Errorf("after a garbled answer: %s", next)
			}
		case strings.Contains(l, `"event":"preferred_list_failed"`):
			failed++
		case strings.Contains(l, `"event":"profile_enabled"`) && l < `{"t":"2026-01-01T01:30`:
			enabled++
		}
	}
	if garbled == 0 || malformed != garbled || failed != garbled || enabled != 0 {
		t.Errorf("%d garbled injections, %d malformed answers captured, %d failed lists, %d switches while garbled", garbled, malformed, failed, enabled)
	}
}

// A slow platform holds its answers on the virtual clock: the card gives
// up on one held past its 30 s reply guard and asks again after the
// platform's back-off (README, "The platform unreachable": skipping 1,
// then 2 checks), and takes one held less; a power cut while an answer is
// held waits for nothing (no harness error) and the run is the same each
// time.
func TestSlowPlatform(t *testing.T) {
	lines := eventLines(t, loadFixture(t, "roam-platform-slow.yaml"), 0)
	var got []string
	for _, l := range lines {
		for _, k := range []string{`"fault":"platform_slow"`, `"event":"bip_error"`, `"event":"preferred_list_failed"`, `"event":"platform_backoff"`, `"event":"preferred_list_received"`} {
			if strings.Contains(l, k) && l < `{"t":"2026-01-01T01:25:11` {
				got = append(got, l[17:25]+" "+k)
			}
		}
	}
	var want []string
	for _, at := range []string{"01:00", "01:10"} {
		want = append(want, at+`:00 "fault":"platform_slow"`, at+`:30 "event":"bip_error"`, at+`:30 "event":"preferred_list_failed"`)
	}
	want = slices.Insert(want, 3, `01:05:00 "event":"platform_backoff"`)
	want = append(want, `01:15:00 "event":"platform_backoff"`, `01:20:00 "event":"platform_backoff"`,
		`01:25:00 "fault":"platform_slow"`, `01:25:10 "event":"preferred_list_received"`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	cut := withFaults(t, "roam-platform-slow.yaml", "  - {platform: slow, delay: 45s, from: 50m, until: 1h15m}\n"+
		"  - {platform: slow, delay: 10s, from: 1h15m}\n  - {power_cut: preferred_list_served, nth: 2, off: 20s}\n")
	var first []byte
	var firstFINs string
	for i := range 3 {
		dir := runFixture(t, cut)
		b, err := os.ReadFile(filepath.Join(dir, EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(`"event":"error"`)) {
			t.Fatalf("run %d: a harness error:\n%s", i, b)
		}
		if i == 0 {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatalf("run %d's events differ from run 0's", i)
		}
		// No answer the card no longer waits for reaches the wire: the
		// lists held 45 s (the card gave up, or lost power) are
		// unanswered in every run, the one held 10 s answered.
		msgs, err := capture.DecodeAll(filepath.Join(dir, TrafficFile))
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for _, m := range msgs {
			if m.Kind == capture.KindPreferredList {
				statuses = append(statuses, strconv.Itoa(m.Status))
			}
		}
		// (1h00m, unanswered; 1h05m skipped for the platform's back-off;
		// 1h10m, cut; 1h15m20s.)
		if got := strings.Join(statuses, " "); got != "0 0 200" {
			t.Fatalf("run %d: list answers' statuses %s, want 0 0 200", i, got)
		}
		// The answer held 10 s carries its own frame's time (the
		// timeline places it by that, not by the request's).
		exs, err := capture.ReadHTTP(filepath.Join(dir, TrafficFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range exs {
			if e.Status == 200 && strings.HasSuffix(e.Path, "preferred-list") {
				if d := e.RespTime.Sub(e.Time); d < 10*time.Second-time.Millisecond || d > 10*time.Second+time.Millisecond {
					t.Fatalf("run %d: the held list's answer %v after its request, want 10s", i, d)
				}
			}
		}
		// Each connection the card closed (its reply guard) or left (the
		// power cut) while its answer was held ends at that instant in
		// every run: the server's close, read on its own goroutine, once
		// came whenever the loop had run on to (the next check, power-on).
		fins := finStamps(t, filepath.Join(dir, TrafficFile))
		if i == 0 {
			firstFINs = fins
		} else if fins != firstFINs {
			t.Fatalf("run %d's FIN stamps\n%s\nrun 0's\n%s", i, fins, firstFINs)
		}
	}
}

// finStamps lists the simulated stamps of a tap capture's TCP FIN
// segments, one line each, in file order.
func finStamps(t *testing.T, path string) string {
	t.Helper()
	ng := ngReader(t, path)
	var out []string
	for {
		data, ci, err := ng.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.NoCopy)
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && tcp.FIN {
			out = append(out, ci.Timestamp.UTC().Format("15:04:05.000"))
		}
	}
	return strings.Join(out, "\n")
}
