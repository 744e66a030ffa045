package harness

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/timeline"
)

// MeasurePageHeapEnv, set, runs TestLongRunPageHeap: docs/performance.md's
// 96 h run, twice, which takes seconds and a few hundred MB, so not by
// default.
const MeasurePageHeapEnv = "ESIMHIL_MEASURE_PAGE_HEAP"

// The live heap of a long run's close at the point the timeline's APDU
// reader has made its rows and dropped the datagrams (the build's peak
// holds them and the card's decoded APDUs beside the rows): the run is
// docs/performance.md's (t265) roam-empty-list.yaml with 1-minute checks
// over 96 h, its page written as `esimhil run` writes it (RunScenario: the
// rig is not used after its page) and as the specs do (the framework's
// cleanup holds the rig through the page). A measurement, not a bound: it
// logs what it saw.
func TestLongRunPageHeap(t *testing.T) {
	if os.Getenv(MeasurePageHeapEnv) == "" {
		t.Skip("a measurement of a 96 h run's close: set " + MeasurePageHeapEnv + "=1")
	}
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-empty-list.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(strings.Replace(string(b), "check_interval: 10m", "check_interval: 1m", 1), "within: 2h", "within: 96h", 1)
	path := filepath.Join(t.TempDir(), "roam-empty-list.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, dir string)
	}{
		{"esimhil run", func(t *testing.T, dir string) {
			if res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap}); res.Err != nil || res.TimelineErr != nil {
				t.Fatal(res.Err, res.TimelineErr)
			}
		}},
		{"a spec's rig, held through its page", func(t *testing.T, dir string) {
			r, err := NewRig(s, Options{Dir: dir, Capture: capture.Tap})
			if err != nil {
				t.Fatal(err)
			}
			if err = r.Init(); err == nil {
				_, err = r.RunToEnd(nil)
			}
			if cerr := r.Close(); err != nil || cerr != nil {
				t.Fatal(err, cerr)
			}
			if _, err := timeline.Write(dir, r.TimelineRun(Result{Name: s.Name})); err != nil {
				t.Fatal(err)
			}
			runtime.KeepAlive(r)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var atAPDUs runtime.MemStats
			var datagrams, held int // the datagrams' count and bytes (array and payloads)
			measured := false
			saved := timeline.Sources
			t.Cleanup(func() { timeline.Sources = saved })
			sources := slices.Clone(saved)
			last := len(sources) - 1 // the APDU reader, the last of the capture's
			fromDecoded := sources[last].FromDecoded
			sources[last].FromDecoded = func(d *timeline.Decoded, b *timeline.Builder) error {
				datagrams = len(d.Datagrams.List)
				held = cap(d.Datagrams.List) * int(unsafe.Sizeof(capture.Datagram{}))
				for _, dg := range d.Datagrams.List {
					held += cap(dg.Payload)
				}
				err := fromDecoded(d, b)
				runtime.GC()
				runtime.ReadMemStats(&atAPDUs)
				measured = true
				return err
			}
			timeline.Sources = sources

			dir := filepath.Join(t.TempDir(), s.Name)
			tc.write(t, dir)
			if !measured {
				t.Fatal("the page was built from traffic.pcapng, not from the rig's decoded capture")
			}
			pages, _ := filepath.Glob(filepath.Join(dir, "timeline*.html"))
			fi, err := os.Stat(filepath.Join(dir, TrafficFile))
			if err != nil {
				t.Fatal(err)
			}
			const mib = 1 << 20
			t.Logf("%s, 96 h: %d datagrams (%.1f MiB) in a %.1f MiB capture, %d pages", s.Name, datagrams, float64(held)/mib, float64(fi.Size())/mib, len(pages))
			t.Logf("live heap once the APDU rows are made: HeapAlloc %.1f MiB, HeapInuse %.1f MiB",
				float64(atAPDUs.HeapAlloc)/mib, float64(atAPDUs.HeapInuse)/mib)
		})
	}
}
