package harness

import (
	"errors"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"weak"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/timeline"
)

// The timeline page takes the rig's decoded capture (TimelineRun): with
// the rig alive through the page, as the specs' cleanup holds it, the
// datagrams and the HTTP exchanges are garbage once the page's readers
// have made their rows — shared with the rig they were not, and a long
// run's page was built with 71 MiB of datagrams live (t272). The rig's
// other readers of the capture still answer, from traffic.pcapng.
func TestTimelineTakesTheRigsDecodedCapture(t *testing.T) {
	dir := t.TempDir()
	s := loadFixture(t, "roam-fr-download.yaml")
	r := runClosed(t, s, dir)
	before, err := r.PlatformTraffic()
	if err != nil {
		t.Fatal(err)
	}
	d := r.DecodedTraffic()
	if d == nil || len(d.Datagrams.List) == 0 || len(d.Exchanges) == 0 {
		t.Fatal("the closed rig offers no datagrams or exchanges")
	}
	// Weak: the test must not keep them alive itself.
	dgs, exs := weak.Make(&d.Datagrams.List[0]), weak.Make(&d.Exchanges[0])
	d = nil

	var keptDatagrams, keptExchanges, read bool
	saved := timeline.Sources
	t.Cleanup(func() { timeline.Sources = saved })
	sources := slices.Clone(saved)
	last := len(sources) - 1 // the APDU reader, after the HTTP one
	fromDecoded := sources[last].FromDecoded
	sources[last].FromDecoded = func(d *timeline.Decoded, b *timeline.Builder) error {
		err := fromDecoded(d, b)
		runtime.GC()
		keptDatagrams, keptExchanges, read = dgs.Value() != nil, exs.Value() != nil, true
		return err
	}
	timeline.Sources = sources
	if _, err := timeline.Write(dir, r.TimelineRun(Result{Name: s.Name})); err != nil {
		t.Fatal(err)
	}
	timeline.Sources = saved
	if !read {
		t.Fatal("the page did not read the rig's decoded capture")
	}
	if keptDatagrams {
		t.Error("the datagrams outlived the page's APDU reader: something (the rig?) still holds them")
	}
	if keptExchanges {
		t.Error("the HTTP exchanges outlived the page's readers: something (the rig?) still holds them")
	}
	if r.DecodedTraffic() != nil || r.TakeDecodedTraffic() != nil {
		t.Error("the rig still offers the decoded capture it gave away")
	}
	after, err := r.PlatformTraffic()
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("the platform traffic once the page took the capture: %d messages (%v), want the %d from before", len(after), err, len(before))
	}
	if l, err := r.APDULane(); err != nil || len(l.APDUs) == 0 {
		t.Errorf("the APDU lane once the page took the capture: %v", err)
	}
	runtime.KeepAlive(r)
}

// A rig without artifacts has no file to decode once its decoded capture
// is taken: its readers say so, not that Close did not decode it.
func TestTakenCaptureOfARigWithoutArtifacts(t *testing.T) {
	s := loadFixture(t, "roam-fr-download.yaml")
	r := runClosedWith(t, s, Options{Scratch: true, Capture: capture.Tap})
	if r.TakeDecodedTraffic() == nil {
		t.Fatal("the closed rig gave no decoded capture")
	}
	if _, err := r.PlatformTraffic(); !errors.Is(err, errTrafficTaken) {
		t.Errorf("PlatformTraffic: %v, want %v", err, errTrafficTaken)
	}
	if _, err := r.APDULane(); !errors.Is(err, errTrafficTaken) {
		t.Errorf("APDULane: %v, want %v", err, errTrafficTaken)
	}
}
