package timeline

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/linescan"
)

// LogEnds is what the two ends of an events.jsonl say of its run, read
// without parsing the whole log (a long run's is tens of megabytes): for
// an index or a page written after the run, whose own record may be
// missing or stale.
type LogEnds struct {
	// Seed is run_started's seed; HasSeed says there was one.
	Seed    int64
	HasSeed bool
	// Scenario is run_started's scenario name ("" when it has none).
	Scenario string
	// Personality is run_started's modem dialect ("" in an older log,
	// which named none).
	Personality string
	// Start and Last are the first and last readable lines' times.
	Start, Last time.Time
	// Incomplete says the last readable line is run_incomplete.
	Incomplete bool
	// Cut says the file does not end with a newline: a write stopped in
	// the middle of a line.
	Cut bool
}

// Reached is how far the log goes in simulated time (0 when it has no
// readable line).
func (l LogEnds) Reached() time.Duration {
	if l.Start.IsZero() || l.Last.IsZero() {
		return 0
	}
	return l.Last.Sub(l.Start)
}

// FormatSim writes a simulated offset as the page's time column does
// (+[Dd ]hh:mm:ss).
func FormatSim(d time.Duration) string { return fmtSim(d) }

// tailBytes is how much of the log's end ReadLogEnds reads for its last
// lines; when no line in it reads, the last is longer (an event's line
// is up to eventlog.MaxLine), and the last MaxLine bytes and the newline
// before them are read.
const tailBytes = 256 << 10

// ReadLogEnds reads the first hundred lines of the event log at path (for
// run_started) and its last whole lines.
func ReadLogEnds(path string) (LogEnds, error) {
	var l LogEnds
	f, err := os.Open(path)
	if err != nil {
		return l, err
	}
	defer f.Close()
	type line struct {
		T     string `json:"t"`
		Event string `json:"event"`
		Seed  *int64 `json:"seed"`
		Scen  string `json:"scenario"`
		Pers  string `json:"personality"`
	}
	// An over-long line is passed over (its Bytes are nil), as the
	// page's reader does: it is no reason to miss run_started after it.
	sc := linescan.New(f, eventlog.MaxLine)
	for i := 0; sc.Scan() && i < 100; i++ {
		var e line
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, e.T)
		if err == nil && l.Start.IsZero() {
			l.Start = t
		}
		if e.Event == "run_started" && e.Seed != nil && !l.HasSeed {
			l.Seed, l.HasSeed, l.Scenario, l.Personality = *e.Seed, true, e.Scen, e.Pers
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return l, err
	}
	for window := int64(tailBytes); ; window = eventlog.MaxLine + 2 {
		off := max(0, fi.Size()-window)
		tail := make([]byte, fi.Size()-off)
		if _, err := f.ReadAt(tail, off); err != nil && err != io.EOF {
			return l, err
		}
		l.Cut = len(tail) > 0 && tail[len(tail)-1] != '\n'
		lines := bytes.Split(bytes.TrimRight(tail, "\n"), []byte("\n"))
		for i := len(lines) - 1; i >= 0; i-- {
			var e line
			if json.Unmarshal(lines[i], &e) != nil {
				continue // a cut or damaged line: the one before says how far the run got
			}
			t, err := time.Parse(time.RFC3339Nano, e.T)
			if err != nil {
				continue
			}
			l.Last, l.Incomplete = t, e.Event == "run_incomplete"
			return l, nil
		}
		if off == 0 || window > tailBytes {
			break
		}
	}
	return l, nil
}
