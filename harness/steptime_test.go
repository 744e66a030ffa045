package harness

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// stepEvent is the part of an event line these tests read.
type stepEvent struct {
	T      string  `json:"t"`
	Actor  string  `json:"actor"`
	Event  string  `json:"event"`
	Kind   string  `json:"kind"`
	Report float64 `json:"report"`
	Stat   float64 `json:"stat"`
}

func stepEvents(t *testing.T, b []byte) []stepEvent {
	t.Helper()
	var out []stepEvent
	for l := range strings.Lines(string(b)) {
		var e stepEvent
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// index is the first event at or after from that match says, else -1.
func index(evs []stepEvent, from int, match func(stepEvent) bool) int {
	for i := from; i < len(evs); i++ {
		if match(evs[i]) {
			return i
		}
	}
	return -1
}

// The card's events carry the instant of the applet's step that made them,
// in the order it made them, not the instant an exchange queued before
// them ended (outside tester t215 W1). In the landing, the location event
// that ends the fallback comes while the attach-failure note waits for the
// slow platform (20 s): its fallback_attached and the download request
// are the card's at 10:00:25.76, and the note's acknowledgement, read at
// 10:00:45.76, is logged then, before the platform hears the download
// request that waited behind it — not 20 s later, after that exchange.
func TestCardEventsAtTheirStep(t *testing.T) {
	text, err := os.ReadFile("../fixtures/scenarios/landing-first-down-second-slow.yaml")
	if err != nil {
		t.Fatal(err)
	}
	evs := stepEvents(t, passingEvents(t, "landing.yaml", string(text)))
	isNote := func(actor, event string) func(stepEvent) bool {
		return func(e stepEvent) bool {
			return e.Actor == actor && e.Event == event && e.Kind == "attach-failure" && e.Report == 1
		}
	}
	received := index(evs, 0, isNote("platform", "notification_received"))
	sent := index(evs, 0, isNote("euicc", "notification_sent"))
	asked := index(evs, 0, func(e stepEvent) bool { return e.Actor == "platform" && e.Event == "download_requested" })
	back := index(evs, 0, func(e stepEvent) bool { return e.Actor == "euicc" && e.Event == "fallback_attached" })
	if received < 0 || sent < 0 || asked < 0 || back < 0 {
		t.Fatalf("events missing: note received %d, acknowledged %d, download asked %d, fallback_attached %d", received, sent, asked, back)
	}
	if got, want := evs[sent].T, "2026-01-01T10:00:45.758221582Z"; got != want {
		t.Errorf("the note's acknowledgement logged at %s, want %s (its answer read 20 s after the platform took it at %s)", got, want, evs[received].T)
	}
	if sent > asked {
		t.Errorf("the note's acknowledgement (line %d) logged after the platform took the download request queued behind it (line %d)", sent+1, asked+1)
	}
	// The location event the card stepped for fallback_attached: the
	// registration on the original's partner before it.
	reg := -1
	for i := back - 1; i >= 0; i-- {
		if evs[i].Actor == "modem" && evs[i].Event == "registration" {
			reg = i
			break
		}
	}
	if reg < 0 || evs[back].T != evs[reg].T || evs[reg].Stat != 5 {
		t.Errorf("fallback_attached logged at %s, not with the registration it follows (%v)", evs[back].T, reg >= 0 && evs[reg].T == evs[back].T)
	}
	if back > received {
		t.Errorf("fallback_attached (line %d) logged after the note that was in flight when the card stepped it (line %d)", back+1, received+1)
	}
}

// A power cut after notification_sent lands once the card took the
// acknowledgement, before anything it did after it: the download request
// the card had queued behind the note never leaves (the platform orders
// nothing), and the run is the same every time.
func TestCutAfterNoteAckBeforeQueuedRequest(t *testing.T) {
	text, err := os.ReadFile("../fixtures/scenarios/landing-first-down-second-slow.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Replace(string(text), "faults:\n", "faults:\n  - {power_cut: notification_sent, nth: 1, off: 1m}\n", 1)
	i := strings.Index(cut, "expect:\n")
	cut = cut[:i] + "expect:\n  within: 12h\n"
	var first []byte
	for run := range 2 {
		b := passingEvents(t, "landing-cut.yaml", cut)
		if run == 1 {
			if string(b) != string(first) {
				t.Fatal("two runs of the same seed logged different events")
			}
			break
		}
		first = b
		evs := stepEvents(t, b)
		sent := index(evs, 0, func(e stepEvent) bool { return e.Actor == "euicc" && e.Event == "notification_sent" })
		off := index(evs, 0, func(e stepEvent) bool { return e.Actor == "modem" && e.Event == "power" })
		if sent < 0 || off < sent {
			t.Fatalf("no cut after notification_sent: %d, %d", sent, off)
		}
		for _, e := range evs[sent+1 : off] {
			if e.Actor == "platform" || e.Actor == "smdp" {
				t.Errorf("between the acknowledgement and the cut: %s %s at %s (the queued download left the card)", e.Actor, e.Event, e.T)
			}
		}
		if i := index(evs, 0, func(e stepEvent) bool { return e.Actor == "platform" && e.Event == "download_requested" }); i >= 0 && i < off {
			t.Errorf("the platform took the download request (line %d, %s) before the cut after the note's acknowledgement (line %d)", i+1, evs[i].T, off+1)
		}
	}
}
