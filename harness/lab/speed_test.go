package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/personality"
)

// A page written again without its spec.json reads the lab run's clock
// from at.log's first line: the header startTranscript writes, and
// nothing else.
func TestSpeedOf(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		speed      float64
		ok         bool
	}{
		{"a real modem", "2026-12-06T00:01:02.5Z # lab run: modem /dev/ttyUSB2 at 115200 baud, personality quectel-eg25, speed 1x", 1, true},
		{"lab-emulated", "2026-12-06T00:01:02.5Z # lab run: modem /tmp/x/modem, personality generic, speed 60x", 60, true},
		{"a modem path with the words in it", "t # lab run: modem /tmp/a, speed 3x, personality b, speed 1x\r", 1, true},
		{"an emulated run's at.log", "01:00:00.000 > AT", 0, false},
		{"another note", "t # SIMtrace receiver on udp://127.0.0.1:4729, speed 1x", 0, false},
		{"no speed", "t # lab run: modem /dev/ttyUSB2, personality generic", 0, false},
		{"a speed of nothing", "t # lab run: modem m, personality p, speed 0x", 0, false},
		{"garbage", "t # lab run: modem m, personality p, speed 1e999x", 0, false},
		{"a small speed as %g writes it", "t # lab run: modem m, personality p, speed 1e-05x", 1e-05, true},
		{"a negative speed", "t # lab run: modem m, personality p, speed -1x", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if speed, ok := SpeedOf(tc.line); speed != tc.speed || ok != tc.ok {
				t.Errorf("SpeedOf(%q) = %v, %v; want %v, %v", tc.line, speed, ok, tc.speed, tc.ok)
			}
		})
	}
	// And what startTranscript writes reads back.
	dir := t.TempDir()
	r, err := startTranscript(Config{Dir: dir, Modem: "/dev/ttyACM0", Speed: 2.5, Personality: personality.Personality{Name: "generic"}})
	if err != nil {
		t.Fatal(err)
	}
	r.transcript.Close()
	b, err := os.ReadFile(filepath.Join(dir, TranscriptFile))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if speed, ok := SpeedOf(first); !ok || speed != 2.5 {
		t.Errorf("the header %q reads as %v, %v; want 2.5", first, speed, ok)
	}
}
