package timeline

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/proto/cardtrace"
)

// TestOutOfTurnAlikeInEveryReader: a command with nothing before it on
// its channel in the trace — a STORE DATA block out of sequence or with
// no request open, a GET RESPONSE with no 61xx before it — that the card
// refused is the host's protocol error on every reader (the card's APDU
// lane, the AT lane, a field log's +CSIM lines), and the APDU lane does
// not count it as a sniffer started mid-session; one the card took is
// still one (outside tester t168 F1: 6A86 and 6F00 made a whole capture
// "incomplete or approximate"). Only a card's answer for having nothing
// open counts (cardtrace.HostError): one refused for what the card had
// put together — 6A80 to a block ≥ 1 — shows it had block 0, so the
// trace lost it (outside tester t178 N4).
func TestOutOfTurnAlikeInEveryReader(t *testing.T) {
	const (
		blk0   = "81E2110004BF2D065C"   // block 0 of a ListNotification in two
		blk1   = "81E2910103BF2E00"     // its block 1, last
		blk2   = "81E2910205045A9F7095" // a block 2, last
		getEID = "81E2910006BF3E035C015A"
		get    = "01C0000015"
	)
	const (
		hostError  = "host error"
		midSession = "mid-session"
		inTurn     = ""
	)
	w := func(cmd, resp string) lossStep { return lossStep{cmd: cmd, resp: resp} }
	for _, tc := range []struct {
		name  string
		steps []lossStep
		want  string // what the last step is: hostError, midSession (the APDU lane's warning) or inTurn
	}{
		{"block out of sequence, refused 6A86", []lossStep{w(blk0, "9000"), w(blk2, "6A86")}, hostError},
		{"block out of sequence, taken 9000", []lossStep{w(blk0, "9000"), w(blk2, "9000")}, midSession},
		{"block with no request open, refused 6A86", []lossStep{w(blk1, "6A86")}, hostError},
		{"block after a refused one, refused 6A86", []lossStep{w(blk0, "9000"), w(blk2, "6A86"), w(blk1, "6A86")}, hostError},
		{"block with no request open, refused 6D00: no STORE DATA there", []lossStep{w(blk1, "6D00")}, hostError},
		{"block with no request open, refused 6A80: the card had block 0", []lossStep{w(blk1, "6A80")}, midSession},
		{"block out of sequence, refused 6A80: the card had block 1", []lossStep{w(blk0, "9000"), w(blk2, "6A80")}, midSession},
		{"block with no request open, refused 6985: a whole request refused", []lossStep{w(blk1, "6985")}, midSession},
		{"block with no request open, refused 6A88: no such function", []lossStep{w(blk1, "6A88")}, midSession},
		{"block with no request open, refused 6700: says nothing of block 0", []lossStep{w(blk1, "6700")}, midSession},
		{"block with no request open, taken 9000", []lossStep{w(blk1, "9000")}, midSession},
		{"block with no request open, taken 61xx", []lossStep{w(blk1, "6103")}, midSession},
		{"block in sequence, refused 6A80: the function's refusal", []lossStep{w(blk0, "9000"), w(blk1, "6A80")}, inTurn},
		{"GET RESPONSE with nothing waiting, refused 6F00", []lossStep{w(get, "6F00")}, hostError},
		{"GET RESPONSE with nothing waiting, refused 6985", []lossStep{w(get, "6985")}, hostError},
		{"GET RESPONSE with nothing waiting, refused 6D00: no GET RESPONSE on the card", []lossStep{w(get, "6D00")}, hostError},
		{"GET RESPONSE with nothing waiting, refused 6700: an answer of another length waits", []lossStep{w(get, "6700")}, midSession},
		{"GET RESPONSE with nothing waiting, refused 6A86: says nothing of what waits", []lossStep{w(get, "6A86")}, midSession},
		{"GET RESPONSE with nothing waiting, answered 9000", []lossStep{w(get, "BF3E035A01009000")}, midSession},
		{"GET RESPONSE with nothing waiting, answered 6Cxx: it has something", []lossStep{w(get, "6C21")}, midSession},
		{"GET RESPONSE after 61xx, refused 6F00", []lossStep{w(getEID, "6115"), w(get, "6F00")}, inTurn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The AT lane and a field log have no sniffer: only the host
			// error is theirs to say.
			logWant := tc.want == hostError
			if got := atLaneHostError(tc.steps); got != logWant {
				t.Errorf("AT lane: host error %v, want %v", got, logWant)
			}
			if got := fieldLogHostError(t, tc.steps); got != logWant {
				t.Errorf("field log: host error %v, want %v", got, logWant)
			}
			if got := apduLaneOutOfTurn(t, tc.steps); got != tc.want {
				t.Errorf("card APDU lane: %q, want %q", got, tc.want)
			}
		})
	}
}

func atLaneHostError(steps []lossStep) bool {
	st := newCallState()
	var c call
	for _, s := range steps {
		cmd, answer := logLines(s)
		c, _ = apduCall(cmd, []string{answer}, st)
	}
	says := strings.HasSuffix(c.response, " · "+cardtrace.HostErrorText)
	if says != strings.Contains(c.responseDetail, cardtrace.HostErrorText+": ") {
		return !says // the row's label and detail disagree: never what a test wants
	}
	return says
}

func fieldLogHostError(t *testing.T, steps []lossStep) bool {
	var b strings.Builder
	for _, s := range steps {
		cmd, answer := logLines(s)
		b.WriteString("> " + cmd + "\n< " + answer + "\n< OK\n")
	}
	tr, err := fieldlog.Read("lpa.log", []byte(b.String()), fieldlog.Plain)
	if err != nil {
		t.Fatal(err)
	}
	var cmd, resp *fieldlog.APDU
	for _, e := range tr.Entries {
		switch {
		case e.APDU == nil:
		case e.APDU.Response:
			resp = e.APDU
		default:
			cmd, resp = e.APDU, nil
		}
	}
	if resp == nil {
		t.Fatal("no answer read")
	}
	if resp.HostError != cmd.HostError || resp.HostError != strings.Contains(resp.Summary, cardtrace.HostErrorText) {
		t.Errorf("command %+v and answer %+v disagree", *cmd, *resp)
	}
	return resp.HostError
}

func apduLaneOutOfTurn(t *testing.T, steps []lossStep) string {
	l := apduLane(t, steps)
	a := l.APDUs[len(l.APDUs)-1]
	mid := false
	for _, w := range a.Warnings {
		mid = mid || strings.HasPrefix(w, string(simtrace.MidSession)+": ")
	}
	switch {
	case a.HostError != "" && mid:
		return "both"
	case a.HostError != "":
		if !strings.HasSuffix(a.String(), " · "+cardtrace.HostErrorText) || !strings.Contains(a.Detail(), a.HostError) {
			t.Errorf("the row does not say it: %q\n%s", a.String(), a.Detail())
		}
		return "host error"
	case mid:
		return "mid-session"
	}
	return ""
}

// TestHostErrorsMakeNoIncompletePage: the tester's session (t168 r1: a
// block 0, then a block 2 and a lone block 1 the card refused 6A86, a
// GET RESPONSE with nothing waiting it refused 6F00, all over +CSIM on
// channel 1) draws a page that is whole: no note that the APDU lane is
// incomplete, and each refused command's row, on the card's lane and on
// the AT lane, says the host's protocol error.
func TestHostErrorsMakeNoIncompletePage(t *testing.T) {
	tl, err := Build("testdata/t168-r1", Run{Name: "t168-r1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range tl.Notes {
		t.Errorf("note %q: the capture is whole", n)
	}
	want := map[string]string{
		"traffic.pcapng frame 26": "STORE DATA [ch 1] GetProfilesInfo (block 0) 9000",
		"traffic.pcapng frame 27": "STORE DATA [ch 1] 6A86 · host protocol error",
		"traffic.pcapng frame 28": "STORE DATA [ch 1] 6A86 · host protocol error",
		"traffic.pcapng frame 29": "GET RESPONSE [ch 1] 6F00 · host protocol error",
	}
	atRows := 0
	for _, it := range tl.Items {
		if w, ok := want[it.Source]; ok && it.Kind == KindAPDU {
			if it.Label != w || (strings.HasSuffix(w, "error") && (!it.Failed || !strings.Contains(it.Detail, "host protocol error: "))) {
				t.Errorf("%s: %q failed %v, want %q\n%s", it.Source, it.Label, it.Failed, w, it.Detail)
			}
			delete(want, it.Source)
		}
		if strings.HasPrefix(it.Source, "at.log:") && (it.Label == "SW 6A86 · host protocol error" || it.Label == "SW 6F00 · host protocol error") {
			atRows++
		}
	}
	if len(want) > 0 {
		t.Errorf("rows missing: %v", want)
	}
	if atRows != 3 {
		t.Errorf("%d AT lane rows say the host's protocol error, want 3", atRows)
	}
}

// TestLostBlock0RefusedIsMidSession: the tester's session (t178 s1a: a
// GetProfilesInfo in two blocks whose block 1 the card refused 6A80,
// wrong data, with the frame of its block 0 cut from the capture; then a
// GetEID in two blocks, whole) draws a page that says the capture is
// incomplete: the card that refused block 1 for its data had put the
// request together, so it had block 0 and the sniffer lost it. Neither
// lane calls that row the host's protocol error, though the AT lane,
// which holds block 0, shows the exchange whole (outside tester t178 N4).
func TestLostBlock0RefusedIsMidSession(t *testing.T) {
	tl, err := Build("testdata/t178-s1a", Run{Name: "t178-s1a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Notes) != 1 || !strings.Contains(tl.Notes[0], string(simtrace.MidSession)) {
		t.Errorf("notes %q, want one that the sniffer started mid-session", tl.Notes)
	}
	refused := 0
	for _, it := range tl.Items {
		if strings.Contains(it.Label, cardtrace.HostErrorText) || strings.Contains(it.Detail, cardtrace.HostErrorText) {
			t.Errorf("%s: %q says the host's protocol error\n%s", it.Source, it.Label, it.Detail)
		}
		if it.Kind == KindAPDU && strings.Contains(it.Label, "6A80") {
			refused++
			if !strings.Contains(it.Detail, string(simtrace.MidSession)) {
				t.Errorf("%s: %q does not say the sniffer started mid-session\n%s", it.Source, it.Label, it.Detail)
			}
		}
	}
	if refused != 1 {
		t.Errorf("%d card rows refused 6A80, want 1", refused)
	}
}
