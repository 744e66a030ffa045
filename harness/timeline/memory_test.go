package timeline

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
)

func TestCountLines(t *testing.T) {
	long := strings.Repeat("x", 70<<10) // across countLines' 64 KiB reads
	for _, tc := range []struct {
		name, text  string
		least, want int
	}{
		{"empty", "", 1, 0},
		{"one line", "abc\n", 1, 1},
		{"last without newline", "abc\ndef", 1, 2},
		{"blank lines", "\n\n\n", 1, 0},
		{"short lines left out", "ab\nabcd\nabc\n", 3, 2},
		{"short last line left out", "abcd\nab", 3, 1},
		{"a line across reads", "a\n" + long + "\nb\n", 2, 1},
		{"a last line across reads", "a\n" + long, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n, err := countLines(f, tc.least)
			if err != nil || n != tc.want {
				t.Fatalf("countLines = %d, %v; want %d", n, err, tc.want)
			}
			if off, _ := f.Seek(0, 1); off != 0 {
				t.Errorf("left at offset %d, want 0 (rewound)", off)
			}
		})
	}
}

func TestForLaterKeepsWhatLaterReadersRead(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[string]any
		want   []string
	}{
		{"none of them", map[string]any{"mode": "awaiting-list", "eid": "89"}, nil},
		{"an SM-DP+'s", map[string]any{"operator": "sfr", "function": "initiateAuthentication", "reason": "3.8"}, []string{"function", "operator"}},
		{"a platform rejection", map[string]any{"path": "/v1/x", "status": "503"}, []string{"path"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := forLater(event{T: time.Unix(1, 0), Actor: "smdp", Kind: "es9_error", Line: 7, Fields: tc.fields})
			if got := slices.Sorted(maps.Keys(e.Fields)); !slices.Equal(got, tc.want) {
				t.Errorf("kept %v, want %v", got, tc.want)
			}
			for _, k := range tc.want {
				if e.Fields[k] != tc.fields[k] {
					t.Errorf("%s = %v, want %v", k, e.Fields[k], tc.fields[k])
				}
			}
			if !e.T.Equal(time.Unix(1, 0)) || e.Actor != "smdp" || e.Kind != "es9_error" || e.Line != 7 {
				t.Errorf("event %+v lost its time, actor, kind or line", e)
			}
		})
	}
}

// retained is the heap in use after f, less before it, with what f
// returns kept alive.
func retained(f func() any) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

// What the event log's reader holds for the capture's readers after it:
// a long run's rows and the events' times, not every event's field map
// beside its row (t265: a million-line log's page took 2 GB, the maps
// half of it). A row of this log holds ~800 bytes with its event; its
// map held was ~1,300 more.
func TestEventsHeldForLaterAreSmall(t *testing.T) {
	const rows = 30000
	dir := t.TempDir()
	var sb strings.Builder
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		fmt.Fprintf(&sb, `{"t":%q,"actor":"platform","event":"preferred_list_served","country":"DE","eid":"89049032000001000000000000000171","operators":[],"serving_plmn":"26201","signal":[{"plmn":"26201","rsrp":-90}],"seq":%d}`+"\n",
			t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i)
	}
	path := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sb = strings.Builder{}
	var b *Builder
	held := retained(func() any {
		b = &Builder{t: &Timeline{}, lanes: map[string]Lane{}, faults: &faultWindows{}}
		if err := readEvents(path, b); err != nil {
			t.Fatal(err)
		}
		return b
	})
	if len(b.events) != rows || len(b.t.Items) != rows {
		t.Fatalf("%d events, %d rows; want %d", len(b.events), len(b.t.Items), rows)
	}
	if per := held / rows; per > 1300 {
		t.Errorf("%d bytes held a row after reading the event log, want under 1,300 (each event's field map kept?)", per)
	}
}

// Build reads a decoded capture the caller hands it without keeping it
// (the page is written after, with the datagrams gone: at a long run's
// close they were a quarter of the heap) or changing it.
func TestBuildKeepsNoDecodedCapture(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "traffic.pcapng"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dgs := []capture.Datagram{{Frame: 1, Time: time.Unix(1, 0), Payload: []byte{1, 2, 3}}}
	exs := []capture.Exchange{{Frame: 2, Time: time.Unix(2, 0)}}
	d := &Decoded{Exchanges: exs, Datagrams: capture.Datagrams{List: dgs}}
	tl, err := Build(dir, Run{Name: "x", Traffic: d})
	if err != nil {
		t.Fatal(err)
	}
	if tl.Run.Traffic != nil {
		t.Error("the timeline keeps the decoded capture (Run.Traffic)")
	}
	if len(d.Datagrams.List) != 1 || &d.Datagrams.List[0] != &dgs[0] {
		t.Errorf("the caller's decoded capture was changed: %+v", d.Datagrams)
	}
	if len(d.Exchanges) != 1 || &d.Exchanges[0] != &exs[0] {
		t.Errorf("the caller's decoded exchanges were changed: %+v", d.Exchanges)
	}
}
