package harness

import (
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/tsharktest"
)

// Wireshark's expert severities (epan/proto.h, PI_SEVERITY_MASK).
const (
	expertChat    = 0x00200000
	expertNote    = 0x00400000
	expertWarning = 0x00600000
)

// expertSep parts a frame's expert items in tshark's fields output.
const expertSep = "\x1f"

// tapNotes are the expert notes a tap file may have: each connection's
// closing, and TLS session resumption. Any other note is one the wire
// never shows from these runs: the "Duplicate ACK" and "TCP keep-alive
// segment" a FIN that takes no sequence number brings (RFC 9293 §3.4: it
// takes one), or a retransmission, which Wireshark rates a note, not a
// warning.
var tapNotes = map[string]bool{
	"This frame initiates the connection closing":                         true,
	"This frame undergoes the connection closing":                         true,
	"This session reuses previously negotiated keys (Session resumption)": true,
}

// TestCaptureInWireshark opens the traffic.pcapng of an emulated download
// run and of a preinstalled one with tshark, as an outside judge would,
// and holds every frame against Wireshark's own analysis: TCP sequence and
// acknowledgement tracking (ACKed unseen segment, previous segment not
// captured, retransmissions, resets), IPv4, TCP and UDP checksums
// (validated, which Wireshark does not by default), HTTP bodies against
// their Content-Length, the HTTPS decrypted with the file's embedded
// secrets, and the GSMTAP SIM lane. Any expert item of severity warning or
// error, any note but a connection's closing or a TLS session's
// resumption (tapNotes), or any malformed frame, fails with the frames
// listed; and the
// requests tshark decrypts must be the ones the rig's own decoder reads.
func TestCaptureInWireshark(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		smdp    bool // the run downloads: ES9+ over TLS
	}{
		{"roam-fr-download.yaml", true},
		{"roam-fr-preinstalled.yaml", false},
	} {
		t.Run(strings.TrimSuffix(tc.fixture, ".yaml"), func(t *testing.T) {
			file := twoHoursCaptured(t, tc.fixture, capture.Tap)
			checksums := []string{"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"}

			// A frame's expert items, severity and message by index, apart
			// by a byte no message holds (the default "," is in some).
			out := tshark(t, append(append([]string{"-r", file}, checksums...), "-T", "fields", "-E", "separator=|", "-E", "aggregator="+expertSep,
				"-e", "frame.number", "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "_ws.expert.message", "-e", "_ws.col.Info")...)
			resets := wireResets(t, file)
			var frames, chats int
			var bad []string
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				f := strings.SplitN(l, "|", 5)
				if len(f) != 5 {
					t.Fatalf("tshark line %q", l)
				}
				frames++
				worst, warnings := 0, 0
				sevs, msgs := strings.Split(f[2], expertSep), strings.Split(f[3], expertSep)
				if len(sevs) != len(msgs) {
					t.Fatalf("frame %s: %d expert severities, %d messages", f[0], len(sevs), len(msgs))
				}
				for i, s := range sevs {
					if s == "" {
						continue
					}
					sev, err := strconv.Atoi(s)
					if err != nil {
						t.Fatalf("frame %s: expert severity %q", f[0], s)
					}
					worst = max(worst, sev)
					if sev == expertWarning {
						warnings++
					}
					if sev == expertChat {
						chats++
					}
					if sev == expertNote && !tapNotes[msgs[i]] {
						bad = append(bad, fmt.Sprintf("frame %s: note %q [%s]", f[0], msgs[i], f[4]))
					}
				}
				if f[1] == "" && worst == expertWarning && warnings == 1 && strings.Contains(f[3], "Connection reset (RST)") && resets[f[0]] {
					continue // the RST the wire has too (wireResets)
				}
				if f[1] != "" || worst >= expertWarning {
					bad = append(bad, fmt.Sprintf("frame %s: %s [%s]", f[0], f[3], f[4]))
				}
			}
			if len(bad) > 0 {
				t.Errorf("Wireshark finds %d of %d frames malformed, with a warning or error, or with a note the wire does not have:\n%s", len(bad), frames, strings.Join(bad, "\n"))
			}
			// Every connection's SYN is a chat: none means the analysis did
			// not run, and the check above would pass on nothing.
			if chats == 0 {
				t.Errorf("no expert chat in %d frames: tshark's TCP analysis did not run", frames)
			}

			// The requests tshark decrypts, against the rig's own decoder.
			ex, err := capture.ReadHTTP(file)
			if err != nil {
				t.Fatal(err)
			}
			var want, wantRsp []string
			tls := 0
			for _, e := range ex {
				want = append(want, e.Method+" "+e.Path)
				if e.Status != 0 {
					wantRsp = append(wantRsp, fmt.Sprintf("%d %s", e.Status, e.Path))
				}
				if e.TLS {
					tls++
				}
			}
			if tc.smdp && tls == 0 {
				t.Error("the download run's capture holds no HTTPS exchange")
			}
			if tc.smdp {
				// The card resumes its TLS sessions within a power cycle:
				// the requests below include resumed ones, which tshark
				// decrypts with the key-log line the card writes for them.
				hellos := strings.Count(tshark(t, "-r", file, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "frame.number"), "\n")
				certs := strings.Count(tshark(t, "-r", file, "-Y", "tls.handshake.type == 11", "-T", "fields", "-e", "frame.number"), "\n")
				if certs == 0 || certs >= hellos {
					t.Errorf("%d ClientHellos, %d Certificates: want full handshakes and resumed ones", hellos, certs)
				}
			}
			reqs := tshark(t, "-r", file, "-Y", "http.request", "-T", "fields", "-E", "separator= ", "-e", "http.request.method", "-e", "http.request.uri")
			got := strings.Split(strings.TrimSpace(reqs), "\n")
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("tshark shows the requests\n%s\nthe decoder reads\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// And the answers, in one pass as Wireshark reads a file: a
			// resumed session's server Finished and answer come before the
			// card has finished its handshake, so its secret must already
			// be in the file when the card sends its ClientHello.
			rsps := tshark(t, "-r", file, "-Y", "http.response", "-T", "fields", "-E", "separator= ", "-e", "http.response.code", "-e", "http.response_for.uri")
			got = strings.Split(strings.TrimSpace(rsps), "\n")
			for i, l := range got { // response_for.uri is absolute: keep its path
				if code, uri, ok := strings.Cut(l, " "); ok {
					if u, err := url.Parse(uri); err == nil {
						got[i] = code + " " + u.Path
					}
				}
			}
			slices.Sort(got)
			slices.Sort(wantRsp)
			if !slices.Equal(got, wantRsp) {
				t.Errorf("tshark shows the answers\n%s\nthe decoder reads\n%s", strings.Join(got, "\n"), strings.Join(wantRsp, "\n"))
			}
		})
	}
}

// wireResets lists the RST frames of a tap file that the wire has too:
// the server's reset that ends a connection whose client sent bytes the
// server never read — the card's TLS close_notify, written once it read
// the server's end, reaching a socket closed already, or waiting unread
// as it closes (RFC 1122 §4.2.2.13, RFC 2525 §2.17). Which of the two,
// and whether the card or the server closes first, is the race of their
// goroutines, on the wire as in the tap: a live capture of the same run
// shows one or the other. Any other RST is Wireshark's warning to report.
func wireResets(t *testing.T, file string) map[string]bool {
	t.Helper()
	out := tshark(t, "-r", file, "-Y", "tcp", "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack",
		"-e", "tcp.flags.fin", "-e", "tcp.flags.reset", "-e", "tcp.len")
	type stream struct {
		client   string // the SYN's source port
		sent     bool   // the client sent data
		last     string // the stream's last frame
		serverRS string // the server's RST, if it sent one
	}
	streams := map[string]*stream{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(l, "|")
		if len(f) != 8 {
			t.Fatalf("tshark line %q", l)
		}
		st := streams[f[1]]
		if st == nil {
			st = &stream{}
			streams[f[1]] = st
		}
		if f[3] == "1" && f[4] == "0" {
			st.client = f[2]
		}
		fromClient := f[2] == st.client
		st.last = f[0]
		switch {
		case fromClient && f[7] != "0":
			st.sent = true
		case !fromClient && f[6] == "1" && st.sent:
			st.serverRS = f[0]
		}
	}
	ok := map[string]bool{}
	for _, st := range streams {
		if st.serverRS != "" && st.serverRS == st.last {
			ok[st.serverRS] = true
		}
	}
	return ok
}

// TestLiveCaptureInWireshark opens a live run's capture with tshark: the
// kernel's frames are on "lo", the GSMTAP SIM datagrams the rig wrote
// itself on "esimhil-sim" (sw53, F4), nothing is malformed or an expert
// error (a live file's warnings are the wire's own RSTs, and its checksums
// are loopback's unfinished ones: not validated), and the HTTPS decrypts
// to the requests the rig's decoder reads. capinfos counts the kernel's
// statistics block.
func TestLiveCaptureInWireshark(t *testing.T) {
	probe, err := capture.Start(capture.Config{InMemory: true, Mode: capture.Live})
	if err != nil {
		t.Skipf("no live capture here (it needs CAP_NET_RAW): %v", err)
	}
	probe.Close()
	probe.Release()
	file := twoHoursCaptured(t, "roam-fr-download.yaml", capture.Live)
	opts := append([]string{"-r", file}, tsharktest.LiveOptions(t, file)...)
	out := tshark(t, append(opts, "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "frame.interface_name", "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "udp.dstport", "-e", "_ws.col.Info")...)
	count := map[string]int{}
	var bad []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(l, "|", 6)
		if len(f) != 6 {
			t.Fatalf("tshark line %q", l)
		}
		sim := f[4] == "4729" // GSMTAP's port
		want := "lo"
		if sim {
			want = "esimhil-sim"
		}
		count[f[1]]++
		if f[1] != want {
			bad = append(bad, fmt.Sprintf("frame %s on %q, want %q [%s]", f[0], f[1], want, f[5]))
		}
		for _, s := range strings.Split(f[3], ",") {
			if sev, _ := strconv.Atoi(s); f[2] != "" || sev > expertWarning {
				bad = append(bad, fmt.Sprintf("frame %s: malformed or an error [%s]", f[0], f[5]))
				break
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d frames:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	if count["lo"] == 0 || count["esimhil-sim"] == 0 {
		t.Errorf("frames by interface %v: want both", count)
	}
	ex, err := capture.ReadHTTP(file)
	if err != nil {
		t.Fatal(err)
	}
	reqs := tshark(t, append(opts, "-Y", "http.request", "-T", "fields", "-e", "frame.number")...)
	if n := strings.Count(reqs, "\n"); n != len(ex) || n == 0 {
		t.Errorf("tshark decrypts %d requests, the decoder reads %d", n, len(ex))
	}
	if path, err := exec.LookPath("capinfos"); err == nil {
		info, err := exec.Command(path, file).Output()
		if err != nil {
			t.Fatalf("capinfos: %v", err)
		}
		if !strings.Contains(string(info), "Number of stat entries = 1") {
			t.Errorf("capinfos shows no statistics block:\n%s", info)
		}
	}
}

// twoHoursCaptured runs a fixture's first two hours with a capture of
// mode and returns the capture file's path.
func twoHoursCaptured(t *testing.T, fixture string, mode capture.Mode) string {
	t.Helper()
	dir := t.TempDir()
	r, err := NewRig(loadFixture(t, fixture), Options{Dir: dir, Capture: mode})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AdvanceTo(2 * time.Hour); err != nil {
		r.Close()
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, TrafficFile)
}
