package capture

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

const testEID = "89049032000001000000000000000171"

var (
	listReq = `{"eid":"` + testEID + `","iccid":"89860000000000000019","home_plmn":"46000","serving_plmn":"20801",` +
		`"tac":"3a9b","cell_id":"0000c33d","signal":[{"plmn":"20810","rsrp":-101}]}`
	attachOK  = `{"eid":"` + testEID + `","kind":"attach-success","iccid":"89331000000000000029","operator":"sfr","plmn":"20810"}`
	badNotify = `{"eid":"123","kind":"attach-success"}`
	bigNotify = `{"eid":"` + testEID + `","kind":"list-exhausted","iccid":"89860000000000000019"` + strings.Repeat(" ", 4000) + `}`
)

func newPlatform(t testing.TB, clk clock.Clock) *platform.Server {
	t.Helper()
	p, err := platform.New(platform.Config{
		Operators: []platform.Operator{
			{ID: "cmcc", PLMN: "46000", Country: "CN", Tariff: 0.1},
			{ID: "orange-fr", PLMN: "20801", Country: "FR", Tariff: 0.8},
			{ID: "sfr", PLMN: "20810", Country: "FR", Tariff: 0.5},
		},
		Preferred: map[string][]string{"FR": {"orange-fr", "sfr"}},
		Clock:     clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// client sends one POST with Connection: close.
type client func(t testing.TB, server string, localPort int, path, body string)

// goClient uses net/http's client, which closes once it has read
// Content-Length bytes, racing the server's own close.
func goClient(t testing.TB, server string, localPort int, path, body string) {
	t.Helper()
	d := &net.Dialer{}
	if localPort != 0 {
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: localPort}
	}
	c := &http.Client{Transport: &http.Transport{
		DisableKeepAlives:  true, // sends Connection: close, like the card
		DisableCompression: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
	resp, err := c.Post("http://"+server+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
}

// eofClient writes the request on a raw socket and reads until the server
// closes, as the emulated modem's BIP channel does; the exchange is then
// over on both sides, so captures are reproducible.
func eofClient(t testing.TB, server string, localPort int, path, body string) {
	t.Helper()
	d := &net.Dialer{}
	if localPort != 0 {
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: localPort}
	}
	c, err := d.Dial("tcp", server)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "POST " + path + " HTTP/1.1\r\nHost: platform\r\nContent-Type: application/json\r\n" +
		"Connection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(c); err != nil {
		t.Fatal(err)
	}
}

// scenario runs the four exchanges of a short roaming story through a
// captured platform and returns the pcapng path.
func scenario(t *testing.T, mode Mode, dir string, serverAddr string, clientPorts []int, send client) (string, *Session) {
	t.Helper()
	clk := clock.NewVirtual(clock.Epoch)
	loop := clock.NewLoop(clk)
	path := filepath.Join(dir, "capture.pcapng")
	sess, err := Start(Config{Path: path, Mode: mode, Clock: clk})
	if err != nil {
		t.Fatalf("Start %s: %v", mode, err)
	}
	p := newPlatform(t, clk)
	if err := p.Start(serverAddr, sess.Wrap); err != nil {
		t.Fatal(err)
	}
	port := func(i int) int {
		if clientPorts == nil {
			return 0
		}
		return clientPorts[i]
	}
	bodies := []struct{ path, body string }{
		{platformapi.PathPreferredList, listReq},
		{platformapi.PathNotifications, badNotify},
		{platformapi.PathNotifications, bigNotify},
		{platformapi.PathNotifications, attachOK},
	}
	for i, b := range bodies {
		send(t, p.Addr().String(), port(i), b.path, b.body)
		if err := loop.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatalf("session close: %v", err)
	}
	return path, sess
}

func checkMessages(t *testing.T, path string, wantTimes bool) {
	t.Helper()
	ex, err := ReadHTTP(path)
	if err != nil {
		t.Fatalf("ReadHTTP: %v", err)
	}
	msgs, err := DecodePlatform(ex)
	if err != nil {
		t.Fatalf("DecodePlatform: %v", err)
	}
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4: %+v", len(msgs), msgs)
	}
	rsrp := -101
	wantList := &platformapi.ListResponse{ListID: "1", Country: "FR", OrderBy: "tariff", Operators: []platformapi.ListedOperator{
		{ID: "sfr", PLMN: "20810", Tariff: 0.5, RSRP: &rsrp},
		{ID: "orange-fr", PLMN: "20801", Tariff: 0.8},
	}}
	m := msgs[0]
	if m.Kind != KindPreferredList || m.Status != 200 || m.ListRequest == nil || m.ListRequest.ServingPLMN != "20801" ||
		len(m.ListRequest.Signal) != 1 || !reflect.DeepEqual(m.ListResponse, wantList) {
		t.Errorf("message 1: %+v req %+v resp %+v", m, m.ListRequest, m.ListResponse)
	}
	if m := msgs[1]; m.Kind != KindNotification || m.Status != 400 || m.Notification != nil || !strings.Contains(m.Error, "eid:") {
		t.Errorf("message 2 (rejected): %+v", m)
	}
	if m := msgs[2]; m.Kind != KindNotification || m.Status != 200 || m.Notification == nil || m.Notification.Kind != platformapi.KindListExhausted {
		t.Errorf("message 3 (multi-segment): %+v", m)
	}
	want := platformapi.Notification{EID: testEID, Kind: "attach-success", ICCID: "89331000000000000029", Operator: "sfr", PLMN: "20810"}
	if m := msgs[3]; m.Status != 200 || m.Notification == nil || *m.Notification != want || m.Ack == nil || !m.Ack.Ack || m.Ack.ID != "2" {
		t.Errorf("message 4: %+v %+v", m, m.Notification)
	}
	for i := 1; i < len(msgs); i++ {
		if !msgs[i].Time.After(msgs[i-1].Time) {
			t.Errorf("message %d time %v not after %v", i+1, msgs[i].Time, msgs[i-1].Time)
		}
	}
	if wantTimes {
		for i, m := range msgs {
			// Each exchange happens at virtual second i; frames within it are µs apart.
			if d := m.Time.Sub(clock.Epoch.Add(time.Duration(i) * time.Second)); d < 0 || d > time.Millisecond {
				t.Errorf("message %d at %v, want within 1 ms after second %d", i+1, m.Time, i)
			}
		}
	}
}

func TestTapEndToEnd(t *testing.T) {
	for name, send := range map[string]client{"eof client": eofClient, "net/http client": goClient} {
		t.Run(name, func(t *testing.T) {
			path, sess := scenario(t, Tap, t.TempDir(), "127.0.0.1:0", nil, send)
			if sess.Mode() != Tap {
				t.Fatalf("mode %s", sess.Mode())
			}
			checkMessages(t, path, true)
			checkFrames(t, path)
		})
	}
}

// freePorts reserves n distinct loopback ports and releases them.
func freePorts(t *testing.T, n int) []int {
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// TestTapDeterministic runs the same exchanges twice with the same virtual
// clock and the same ports: the pcapng files must be identical.
func TestTapDeterministic(t *testing.T) {
	ports := freePorts(t, 5)
	server := "127.0.0.1:" + strconv.Itoa(ports[0])
	p1, _ := scenario(t, Tap, t.TempDir(), server, ports[1:], eofClient)
	p2, _ := scenario(t, Tap, t.TempDir(), server, ports[1:], eofClient)
	b1, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := os.ReadFile(p2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Errorf("pcapng differs between runs (%d vs %d bytes)", len(b1), len(b2))
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no path", Config{Mode: Tap}, "no output path"},
		{"bad mode", Config{Path: filepath.Join(dir, "x"), Mode: "wifi"}, `unknown capture mode "wifi" (want auto, live or tap)`},
		{"bad dir", Config{Path: filepath.Join(dir, "no", "such", "x"), Mode: Tap}, "no such file"},
		{"no interface", Config{Path: filepath.Join(dir, "y"), Mode: Live, Interface: "nosuch0"}, "live on nosuch0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(tc.cfg)
			if err == nil {
				s.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// One client port carries the four connections in turn, as a long run's
// reused ephemeral ports do: each new SYN starts a connection of its own,
// and every request is decoded, on the tap and on the wire.
func TestReusedClientPort(t *testing.T) {
	modes := []Mode{Tap}
	if probe, err := openLive(Config{Interface: "lo"}); err == nil {
		probe.ring.close()
		modes = append(modes, Live)
	}
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			p := freePorts(t, 1)[0]
			path, _ := scenario(t, mode, t.TempDir(), "127.0.0.1:0", []int{p, p, p, p}, eofClient)
			checkMessages(t, path, mode == Tap)
		})
	}
}
