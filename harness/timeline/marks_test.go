package timeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// A power cut while the card loads a profile: the SM-DP+ serves the
// package, the card takes it in a STORE DATA, then the cut — all in one
// simulated instant, which the capture's frames follow by 1 µs steps.
const cutEvents = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":7}
{"t":"2026-01-01T01:00:00Z","actor":"smdp","event":"bpp_sent","operator":"sfr"}
{"t":"2026-01-01T01:00:00Z","actor":"harness","event":"fault","power_cut":"bpp_sent","nth":1,"off":"30s"}
{"t":"2026-01-01T01:00:00Z","actor":"modem","event":"power","on":false}
`

// TestMarkedFramesAmongEvents places capture rows of one instant among
// its events by their frames' marks: the request before the SM-DP+'s
// entry, its answer and the card's STORE DATA after it, all before the
// power cut that followed them; frames without marks (older files) keep
// their stamps, which follow every event of the instant, and are no
// misplaced marks.
func TestMarkedFramesAmongEvents(t *testing.T) {
	cut := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	us := func(n int) time.Time { return cut.Add(time.Duration(n) * time.Microsecond) }
	mark := func(n int) capture.Mark { return capture.Mark{Events: n, OK: true} }
	storeData := func(frame int, at time.Time, m capture.Mark) capture.Datagram {
		g := gsmtap.SIMHeader(gsmtap.SubAPDU)
		p := gsmtap.AppendExchange(g.Append(nil), []byte{0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x36, 0x00}, []byte{0x90, 0x00})
		return capture.Datagram{Frame: frame, Time: at, Mark: m, Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: p}
	}
	reset := func(frame int, at time.Time, m capture.Mark) capture.Datagram {
		g := gsmtap.SIMHeader(gsmtap.SubATR)
		return capture.Datagram{Frame: frame, Time: at, Mark: m, Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: append(g.Append(nil), 0x3B, 0x00)}
	}
	getBPP := func(req, resp capture.Mark) capture.Exchange {
		return capture.Exchange{
			Time: us(1), Frame: 4, Mark: req, RespFrame: 8, RespMark: resp,
			Host: "smdp.sfr.test", Method: "POST", Path: es9.PathPrefix + "getBoundProfilePackage",
			RequestBody: []byte(`{"transactionId":"01"}`), Status: 200,
			ResponseBody: []byte(`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}}`),
		}
	}
	tests := []struct {
		name string
		ex   []capture.Exchange
		dgs  []capture.Datagram
		want string // the rows at the cut's instant, in page order
	}{
		{
			name: "marked",
			ex:   []capture.Exchange{getBPP(mark(1), mark(2))},
			dgs:  []capture.Datagram{storeData(12, us(9), mark(2)), storeData(13, us(10), mark(4))},
			want: "request · bpp_sent · answer · frame 12 · fault · power · frame 13",
		},
		{
			// Frames of one place keep the file's order, though the lane
			// hands its ATRs before its APDUs.
			name: "one place, file order",
			dgs:  []capture.Datagram{storeData(12, us(9), mark(3)), reset(13, us(10), mark(3)), storeData(14, us(11), mark(3))},
			want: "bpp_sent · fault · frame 12 · frame 13 · frame 14 · power",
		},
		{
			name: "unanswered request follows itself",
			ex:   []capture.Exchange{{Time: us(1), Frame: 4, Mark: mark(2), Host: "smdp.sfr.test", Method: "POST", Path: es9.PathPrefix + "getBoundProfilePackage"}},
			want: "bpp_sent · request · answer · fault · power",
		},
		{
			name: "past the log's end",
			dgs:  []capture.Datagram{storeData(12, us(9), mark(9))},
			want: "bpp_sent · fault · power · frame 12",
		},
		{
			// A live capture's datagram: a wall-clock stamp, marked when
			// the rig handed it over.
			name: "wall-clock stamp",
			dgs:  []capture.Datagram{storeData(12, time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC), mark(2))},
			want: "bpp_sent · frame 12 · fault · power",
		},
		{
			// Before marks: the exchange is anchored to the SM-DP+'s entry,
			// the datagrams follow every event of their instant.
			name: "unmarked",
			ex:   []capture.Exchange{getBPP(capture.Mark{}, capture.Mark{})},
			dgs:  []capture.Datagram{storeData(12, us(9), capture.Mark{}), storeData(13, us(10), capture.Mark{})},
			want: "request · bpp_sent · answer · fault · power · frame 12 · frame 13",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeArtifacts(t, map[string]string{"events.jsonl": cutEvents, "traffic.pcapng": ""})
			tl, err := Build(dir, Run{Name: "x", Traffic: &Decoded{Exchanges: tc.ex, Datagrams: capture.Datagrams{List: tc.dgs}}})
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, it := range tl.Items {
				if it.T.Before(cut) || it.T.After(us(60)) {
					continue
				}
				rows = append(rows, rowName(it))
			}
			if got := strings.Join(rows, " · "); got != tc.want {
				t.Errorf("rows\n got %s\nwant %s", got, tc.want)
			}
			for _, it := range tl.Items {
				if it.Kind == KindAPDU && !it.T.Equal(cut) && !it.T.Equal(us(9)) && !it.T.Equal(us(10)) {
					t.Errorf("%s at %v: neither the cut's instant nor its own stamp", it.Source, it.T)
				}
			}
			// A frame without a mark is no mark to doubt: only a mark
			// that names events of another time is misplaced.
			for _, n := range tl.Notes {
				if strings.Contains(n, "not where") {
					t.Errorf("note %q", n)
				}
			}
		})
	}
}

// rowName names a row briefly: an event by its kind, an APDU by its frame.
func rowName(it Item) string {
	switch it.Kind {
	case KindES9, KindHTTP:
		if it.Reply {
			return "answer"
		}
		return "request"
	case KindAPDU:
		return strings.TrimPrefix(it.Source, "traffic.pcapng ")
	}
	kind, _, _ := strings.Cut(it.Label, " ")
	return kind
}

// A frame's mark holds beside a clock that moved on without an event:
// the row keeps its own later stamp, after the events it follows.
func TestMarkedFrameKeepsALaterStamp(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": cutEvents})
	if err := os.WriteFile(filepath.Join(dir, "traffic.pcapng"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Date(2026, 1, 1, 1, 0, 2, 0, time.UTC)
	g := gsmtap.SIMHeader(gsmtap.SubATR)
	atr := capture.Datagram{Frame: 3, Time: later, Mark: capture.Mark{Events: 4, OK: true},
		Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: append(g.Append(nil), 0x3B, 0x00)}
	tl, err := Build(dir, Run{Traffic: &Decoded{Datagrams: capture.Datagrams{List: []capture.Datagram{atr}}}})
	if err != nil {
		t.Fatal(err)
	}
	last := tl.Items[len(tl.Items)-1]
	if last.Kind != KindAPDU || !last.T.Equal(later) {
		t.Errorf("last row %s at %v, want the ATR at %v", fmt.Sprint(last.Label), last.T, later)
	}
}

// TestRowsPastTheLastEventKeepTheirTime: a run goes on past its last
// event to its horizon (a quiet journey's last hours, the host's final
// reads). Rows stamped there keep their times — an at.log line two hours
// after the last event, an APDU between — whether the run's simulated
// span is recorded or only at.log's lines reach that far.
func TestRowsPastTheLastEventKeepTheirTime(t *testing.T) {
	apdu := time.Date(2026, 1, 1, 2, 30, 0, 0, time.UTC)
	for _, run := range []Run{{Simulated: 3 * time.Hour}, {TimesUnknown: true}} {
		dir := writeArtifacts(t, map[string]string{
			"events.jsonl": cutEvents,
			"at.log":       "2026-01-01T03:00:00Z > AT+CEREG?\n2026-01-01T03:00:00Z < +CEREG: 0,1\n2026-01-01T03:00:00Z < OK\n",
			ATMarksFile:    "4\n4\n4\n",
		})
		if err := os.WriteFile(filepath.Join(dir, "traffic.pcapng"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		g := gsmtap.SIMHeader(gsmtap.SubATR)
		atr := capture.Datagram{Frame: 1, Time: apdu, Mark: capture.Mark{Events: 4, OK: true},
			Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: append(g.Append(nil), 0x3B, 0x00)}
		run.Traffic = &Decoded{Datagrams: capture.Datagrams{List: []capture.Datagram{atr}}}
		tl, err := Build(dir, run)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range tl.Items {
			if it.Kind == KindAT || it.Kind == KindAPDU {
				got = append(got, fmt.Sprintf("%s %s", it.T.Format("15:04"), it.Kind))
			}
		}
		if want := "02:30 apdu,03:00 at,03:00 at"; strings.Join(got, ",") != want {
			t.Errorf("run %+v: rows %v, want %s", run.Simulated, got, want)
		}
	}
}

// A killed run whose card went on checking for days after its last event
// (no horizon recorded, no at.log past it): the capture's frames keep
// their own times, for its first frame is the run's own; a capture whose
// first frame is the wall clock's (a live one) is placed by its marks.
func TestCaptureJudgedByItsFirstFrame(t *testing.T) {
	atr := func(frame int, at time.Time) capture.Datagram {
		g := gsmtap.SIMHeader(gsmtap.SubATR)
		return capture.Datagram{Frame: frame, Time: at, Mark: capture.Mark{Events: 4, OK: true},
			Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: append(g.Append(nil), 0x3B, 0x00)}
	}
	start := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	days := time.Date(2026, 1, 3, 2, 0, 0, 0, time.UTC)
	wall := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		frames []capture.Datagram
		want   time.Time // the last frame's row
	}{
		{"simulated", []capture.Datagram{atr(1, start), atr(2, days)}, days},
		{"wall clock", []capture.Datagram{atr(1, wall), atr(2, wall.Add(time.Hour))}, time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)},
	} {
		dir := writeArtifacts(t, map[string]string{"events.jsonl": cutEvents, "traffic.pcapng": ""})
		tl, err := Build(dir, Run{TimesUnknown: true, Traffic: &Decoded{Datagrams: capture.Datagrams{List: tc.frames}}})
		if err != nil {
			t.Fatal(err)
		}
		last := tl.Items[len(tl.Items)-1]
		if last.Kind != KindAPDU || !last.T.Equal(tc.want) {
			t.Errorf("%s: last row %s %s at %v, want %v", tc.name, last.Kind, last.Label, last.T, tc.want)
		}
	}
}
