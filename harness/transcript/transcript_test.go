package transcript

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
)

var update = flag.Bool("update", false, "rewrite fixtures/transcripts/*.log")

// dir is where the golden transcripts live.
const dir = "../../fixtures/transcripts"

// world: a device at home in Paris with an Orange profile enabled and an SFR
// one beside it, both networks in coverage, so that enabling SFR re-attaches
// at home. The hourly check never asks the platform for anything.
const world = `name: transcript
seed: 5
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
  cells:
    - {area: FR-Paris, operator: orange-fr, rsrp: -85}
    - {area: FR-Paris, operator: sfr, rsrp: -95}
device:
  eid: "89049032000001000000000000000171"
  check_interval: 1h
  profiles:
    - {iccid: "89330100000000000012", operator: orange-fr, enabled: true}
    - {iccid: "89331000000000000029", operator: sfr}
platform:
  preferred:
    FR: [sfr]
itinerary:
  - {at: 0s, area: FR-Paris}
expect:
  attempts: []
  within: 1h
`

// sfrICCID is the SFR profile's ICCID as carried in tag 5A (nibble-swapped).
const sfrICCID = "98330100000000000092"

// ES10 requests (SGP.22 §5.7): GetEuiccData (EID), ProfileInfoList, and
// EnableProfile of SFR with refreshFlag true.
const (
	getEID      = "BF3E035C015A"
	listProfile = "BF2D00"
	enableSFR   = "BF3111A00C5A0A" + sfrICCID + "8101FF"
)

func TestGoldenTranscripts(t *testing.T) {
	for _, name := range personality.Names() {
		t.Run(name, func(t *testing.T) {
			got := record(t, name)
			file := filepath.Join(dir, name+".log")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to record it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from this run (-update rewrites it after an intended change):\n%s", file, firstDiff(want, got))
			}
		})
	}
}

// firstDiff shows the first differing line of two transcripts.
func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d\n want %q\n got  %q", i+1, a, b)
		}
	}
	return "(same lines, different bytes)"
}

// record runs the script under one personality and returns the rig's at.log.
func record(t *testing.T, name string) []byte {
	t.Helper()
	s, err := scenario.Parse("transcript.yaml", []byte(world))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	r, err := harness.NewRig(s, harness.Options{Dir: out, Capture: capture.Tap, Personality: name})
	if err != nil {
		t.Fatal(err)
	}
	h := &host{t: t, r: r, p: r.Personality}
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(out, harness.ATLogFile))
			t.Logf("at.log:\n%s", b)
		}
	}()
	func() {
		defer func() {
			if err := r.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		}()
		h.script()
	}()
	b, err := os.ReadFile(filepath.Join(out, harness.ATLogFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// host is a scripted LPA-like host that knows the personality's dialect.
type host struct {
	t *testing.T
	r *harness.Rig
	p personality.Personality
}

func (h *host) script() {
	// Startup: a restart shows the boot URCs and the restart time.
	h.cmd("ATE0")
	h.cmd("AT+CMEE=2")
	for _, l := range dialect.RestartLines(h.p) { // an nRF91's: CFUN=0, then 1
		h.cmd(l)
	}
	h.advance(h.p.RestartDelay)
	// Registration and identities.
	h.cmd("AT+CEREG=2")
	h.advance(5 * time.Second)
	h.cmd("AT" + h.p.ICCIDCommand)
	h.cmd("AT+CIMI")
	h.cmd("AT+CEREG?")
	h.cmd("AT+COPS?")
	// The ISD-R: EID, profiles, enable SFR with refresh.
	ch := h.open()
	h.es10(ch, getEID)
	h.es10(ch, listProfile)
	h.es10(ch, enableSFR)
	// The REFRESH resets the card (the channel is gone) and re-attaches.
	h.advance(5 * time.Second)
	h.cmd("AT" + h.p.ICCIDCommand)
	h.cmd("AT+COPS?")
	ch = h.open()
	h.es10(ch, listProfile)
	h.close(ch)
}

func (h *host) advance(d time.Duration) {
	h.t.Helper()
	if err := h.r.Advance(d); err != nil {
		h.t.Fatal(err)
	}
}

// cmd sends a line that must end in OK and returns its information lines.
func (h *host) cmd(line string) []string {
	h.t.Helper()
	rsp, err := h.r.AT.Command(line)
	if err != nil {
		h.t.Fatalf("%s: %v", line, err)
	}
	return rsp.Lines
}

// channel is an open ISD-R channel: the +CGLA session id, or the logical
// channel number on the CSIM path.
// channel is a logical channel: its number on the +CSIM path, the
// session id +CCHO answered (as printed) on the +CGLA path.
type channel struct {
	id      int
	session string
}

// open reaches the ISD-R: +CCHO in any answer form, or on a CSIM-only modem
// MANAGE CHANNEL open and SELECT by AID through +CSIM.
func (h *host) open() channel {
	h.t.Helper()
	const aid = "A0000005591010FFFFFFFF8900000100"
	if h.p.CSIMOnly {
		rsp := h.csim("0070000001")
		if len(rsp) != 6 || rsp[2:] != "9000" {
			h.t.Fatalf("MANAGE CHANNEL open: %s", rsp)
		}
		n, _ := strconv.ParseInt(rsp[:2], 16, 0)
		ch := channel{id: int(n)}
		h.apdu(ch, fmt.Sprintf("%02XA4040410%s00", n, aid))
		return ch
	}
	lines := h.cmd(`AT+CCHO="` + aid + `"`)
	if len(lines) != 1 {
		h.t.Fatalf("+CCHO: %q", lines)
	}
	session, form, ok := personality.ParseCCHO(lines[0])
	if !ok {
		h.t.Fatalf("+CCHO: %q", lines)
	}
	ch := channel{session: session}
	if form != personality.CCHOLong {
		ch.id, _ = strconv.Atoi(session) // the channel number itself
	}
	return ch
}

// close ends the channel: +CCHC, or MANAGE CHANNEL close through +CSIM.
func (h *host) close(ch channel) {
	h.t.Helper()
	if h.p.CSIMOnly || h.p.NoCCHC {
		if rsp := h.csim(fmt.Sprintf("007080%02X00", ch.id)); rsp != "9000" {
			h.t.Fatalf("MANAGE CHANNEL close: %s", rsp)
		}
		return
	}
	h.cmd("AT+CCHC=" + ch.session)
}

// es10 sends one ES10 request in a single STORE DATA block (P1 91).
func (h *host) es10(ch channel, req string) string {
	h.t.Helper()
	cla := 0x80
	if h.p.CSIMOnly {
		cla |= ch.id // channels 1-3: b2b1 of the class byte
	}
	return h.apdu(ch, fmt.Sprintf("%02XE29100%02X%s", cla, len(req)/2, req))
}

// apdu sends a command APDU and returns data and SW; on the CSIM path the
// host follows 61xx with GET RESPONSE itself.
func (h *host) apdu(ch channel, a string) string {
	h.t.Helper()
	if !h.p.CSIMOnly {
		return h.hexLine("+CGLA", fmt.Sprintf("AT+CGLA=%s,%d,%q", ch.session, len(a), a))
	}
	var data string
	rsp := h.csim(a)
	for i := 0; len(rsp) >= 4 && strings.HasPrefix(rsp[len(rsp)-4:], "61"); i++ {
		if i > 16 {
			h.t.Fatal("endless 61xx")
		}
		data += rsp[:len(rsp)-4]
		rsp = h.csim(fmt.Sprintf("%02XC00000%s", ch.id, rsp[len(rsp)-2:]))
	}
	return data + rsp
}

func (h *host) csim(a string) string {
	h.t.Helper()
	return h.hexLine("+CSIM", fmt.Sprintf("AT+CSIM=%d,%q", len(a), a))
}

// hexLine runs +CSIM/+CGLA and returns the hex of `<name>: <len>,"<hex>"`.
func (h *host) hexLine(name, line string) string {
	h.t.Helper()
	lines := h.cmd(line)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], name+": ") {
		h.t.Fatalf("%s: %q", line, lines)
	}
	_, q, _ := strings.Cut(lines[0], ",")
	return strings.Trim(q, `"`)
}
