package harness

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/cardwire"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

var updateSIMTrace = flag.Bool("update", false, "rewrite fixtures/simtrace/ from an emulated run")

// simtraceFixture is the recorded GSMTAP stream the lab specs replay, and
// what the wire checks must find on it.
const simtraceFixture = "../fixtures/simtrace/roam-fr-preinstalled"

// sniffer is where the fixture's datagrams come from: simtrace2-sniff's
// socket on the bench host.
var fixtureSniffer = netip.MustParseAddrPort("127.0.0.1:41729")

// TestSIMTraceFixture checks the recorded stream: it decodes without a
// warning and shows claim 1 in order with its manifest's values. With
// -update it is made again from an emulated run (see
// fixtures/simtrace/README.md).
func TestSIMTraceFixture(t *testing.T) {
	if *updateSIMTrace {
		writeSIMTraceFixture(t)
	}
	rec, err := simtrace.LoadRecording(simtraceFixture)
	if err != nil {
		t.Fatal(err)
	}
	m := rec.Manifest
	tr, err := simtrace.Read(simtraceFixture + ".pcapng")
	if err != nil {
		t.Fatal(err)
	}
	l, err := tr.Only()
	if err != nil {
		t.Fatal(err)
	}
	if l.Source.String() != m.Source || len(l.ATRs)+len(l.APDUs) != m.Datagrams || tr.Total() != 0 {
		t.Fatalf("lane from %s: %d ATRs + %d APDUs, warnings %q; manifest: %s, %d datagrams",
			l.Source, len(l.ATRs), len(l.APDUs), tr.Summary(), m.Source, m.Datagrams)
	}
	steps, err := cardwire.CheckClaim1(l, cardwire.Claim1{Roaming: m.Roaming, Platform: netip.MustParseAddrPort(m.Platform), Attached: m.Attached})
	if err != nil {
		t.Fatal(err)
	}
	if q := steps[2].APDUs[0].Qualifier(); q != m.Refresh {
		t.Errorf("REFRESH %02X, manifest %02X", q, m.Refresh)
	}
	// T=0: every answer to a command with data came through GET RESPONSE.
	var chained int
	for _, a := range l.APDUs {
		if a.SW>>8 == 0x61 {
			chained++
			if !a.Answered || a.AnswerSW == 0 {
				t.Errorf("frame %d %s: answer not collected", a.Frame, a)
			}
		}
	}
	if chained == 0 {
		t.Error("no 61xx on a T=0 trace")
	}
}

// writeSIMTraceFixture runs the preinstalled switch (generic modem, seed
// 1, an LPA reading the EID) and writes its lane as a SIMtrace2 on a T=0
// link sends it: case 4 answers split into 61xx and GET RESPONSE, from
// one sniffer socket to 127.0.0.1:4729, stamped as if recorded from
// 2026-11-30 10:00 UTC.
func writeSIMTraceFixture(t *testing.T) {
	r := laneRun(t, "generic")
	src := filepath.Join(r.Dir(), TrafficFile)
	dgs, err := capture.ReadDatagrams(src, gsmtap.Port)
	if err != nil {
		t.Fatal(err)
	}
	recorded := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	sess, err := capture.Start(capture.Config{Path: simtraceFixture + ".pcapng", Mode: capture.Tap, Clock: clock.NewVirtual(recorded)})
	if err != nil {
		t.Fatal(err)
	}
	dst := netip.AddrPortFrom(fixtureSniffer.Addr(), gsmtap.Port)
	n := 0
	for _, d := range dgs {
		ts := recorded.Add(d.Time.Sub(clock.Epoch))
		for _, dg := range t0Datagrams(t, d.Payload) {
			if err := sess.WriteDatagram(ts, fixtureSniffer, dst, dg); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	m := simtrace.Manifest{Scenario: "roam-fr-preinstalled.yaml", Source: fixtureSniffer.String(), Datagrams: n,
		Roaming: "20801", Platform: r.Platform.Addr().String(), Attached: "20810", Refresh: 0x09}
	b, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	head := "# What the wire checks must find on roam-fr-preinstalled.pcapng (see README.md).\n"
	if err := os.WriteFile(simtraceFixture+".yaml", append([]byte(head), b...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// t0Datagrams splits one GSMTAP SIM datagram of the emulated contacts into
// what crosses a T=0 link: a command that sent data gets its answer's
// data through GET RESPONSE (61xx, ISO/IEC 7816-3 §10.3.5), at most 256
// bytes each.
func t0Datagrams(t *testing.T, dg []byte) [][]byte {
	hdr := dg[:gsmtap.HeaderLen]
	if dg[12] != gsmtap.SubAPDU {
		return [][]byte{dg}
	}
	a, err := gsmtap.ParseAPDU(dg[gsmtap.HeaderLen:])
	if err != nil {
		t.Fatalf("emulated lane: %v", err)
	}
	if len(a.Data) == 0 || len(a.Response) == 0 {
		return [][]byte{dg}
	}
	cla := apdu.WithChannel(0x00, a.Channel())
	first, rest := a, a.Response
	first.Response, first.SW = nil, 0x6100|uint16(byte(min(len(rest), 256)))
	out := [][]byte{append(append([]byte(nil), hdr...), first.Bytes()...)}
	for len(rest) > 0 {
		n := min(len(rest), 256)
		gr := gsmtap.APDU{CLA: cla, INS: 0xC0, P3: byte(n), Response: rest[:n], SW: a.SW}
		if rest = rest[n:]; len(rest) > 0 {
			gr.SW = 0x6100 | uint16(byte(min(len(rest), 256)))
		}
		out = append(out, append(append([]byte(nil), hdr...), gr.Bytes()...))
	}
	return out
}
