package timeline

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLongRunPages builds and writes the timeline of a run of
// 100,000 events (a long run's shape: four pages) and reports rows a
// second and the bytes written a row. One op is one whole timeline.
func BenchmarkLongRunPages(b *testing.B) {
	const rows = 100000
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(stepEvents(rows, func(i int) bool { return i%1000 == 0 })), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Write(dir, Run{Name: "long"}); err != nil {
			b.Fatal(err)
		}
	}
	var size int64
	pages, _ := filepath.Glob(filepath.Join(dir, "timeline*.html"))
	for _, p := range pages {
		if fi, err := os.Stat(p); err == nil {
			size += fi.Size()
		}
	}
	b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(size)/rows, "B/row")
	b.ReportMetric(float64(len(pages)), "pages")
}
