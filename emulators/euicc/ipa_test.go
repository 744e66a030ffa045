package euicc

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// relay plays the terminal's BIP side over a real socket: it opens the TCP
// connection OPEN CHANNEL asks for, writes what SEND DATA carries, and
// delivers what the peer answers in chunks of at most chunk bytes (data
// available, then RECEIVE DATA), until CLOSE CHANNEL.
func (tm *term) relay(chunk int) (opened netip.AddrPort) {
	tm.t.Helper()
	return tm.relayFrom(tm.fetch(stk.CmdOpenChannel), chunk)
}

// relayAll carries out what the card asks until it is idle: BIP exchanges
// relayed, timers acknowledged; it returns the number of exchanges.
func (tm *term) relayAll(chunk, max int) int {
	tm.t.Helper()
	n := 0
	for i := 0; tm.lastSW>>8 == 0x91 && i < max; i++ {
		cmd := tm.fetchAny()
		if cmd.Details.Type == stk.CmdOpenChannel {
			tm.relayFrom(cmd, chunk)
			n++
			continue
		}
		tm.ok(cmd)
	}
	return n
}

// relayFrom relays the exchange of an OPEN CHANNEL already fetched.
func (tm *term) relayFrom(cmd stk.Command, chunk int) (opened netip.AddrPort) {
	tm.t.Helper()
	opened = netip.AddrPortFrom(cmd.Address, cmd.Transport.Port)
	conn, err := net.Dial("tcp", opened.String())
	if err != nil {
		tm.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
	tr.ChannelStatus = &stk.ChannelStatus{Channel: 1, Established: true}
	tr.Bearer = &cmd.Bearer
	tr.BufferSize = new(uint16(1400))
	tm.respond(tr)
	var stored, rx []byte
	eof := false
	for {
		if tm.lastSW>>8 != 0x91 {
			// The card waits for the peer: bring it the next chunk.
			if len(rx) == 0 && !eof {
				buf := make([]byte, chunk)
				n, err := conn.Read(buf)
				rx = buf[:n]
				eof = err != nil
			}
			if len(rx) == 0 {
				tm.envelope(stk.NewChannelStatusEvent(stk.ChannelStatus{Channel: 1, Info: stk.ChannelLinkDropped}))
			} else {
				tm.envelope(stk.NewDataAvailableEvent(stk.ChannelStatus{Channel: 1, Established: true}, min(len(rx), 255)))
			}
			if tm.lastSW>>8 != 0x91 {
				tm.t.Fatalf("card idle after an event (SW %04X)", tm.lastSW)
			}
			continue
		}
		cmd := tm.fetchAny()
		tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
		switch cmd.Details.Type {
		case stk.CmdSendData:
			stored = append(stored, cmd.Data...)
			if cmd.Details.Qualifier&stk.SendImmediately != 0 {
				if _, err := conn.Write(stored); err != nil {
					tm.t.Fatal(err)
				}
				stored = nil
			}
			tr.ChannelDataLength = new(1400 - len(stored))
		case stk.CmdReceiveData:
			n := min(cmd.Length, len(rx))
			tr.ChannelData = rx[:n]
			rx = rx[n:]
			tr.ChannelDataLength = new(min(len(rx), 255))
		case stk.CmdTimerManagement:
		case stk.CmdCloseChannel:
			tm.respond(tr)
			if tm.lastSW>>8 == 0x91 { // the reply guard is deactivated
				tm.ok(tm.fetch(stk.CmdTimerManagement))
			}
			return opened
		default:
			tm.t.Fatalf("proactive command %02X during an exchange", cmd.Details.Type)
		}
		tm.respond(tr)
	}
}

// TestRuntimeES9OverBIP: an ES9Call effect becomes HTTPS over the BIP
// channel to the address Config.Resolve gives for the SM-DP+ host; the
// server certificate is checked against Config.CI at Config.Now, and the
// reply reaches the applet whatever the chunking.
func TestRuntimeES9OverBIP(t *testing.T) {
	const host = "smdp.orange.test"
	srv := newTestTLSServer(t, host)
	ap := netip.MustParseAddrPort(srv.addr)
	for _, chunk := range []int{1, 50, 4096} {
		cfg := testConfig()
		cfg.Resolve = map[string]netip.AddrPort{host: netip.AddrPortFrom(ap.Addr(), 0)}
		cfg.Now = func() time.Time { return testNow }
		var keylog bytes.Buffer
		cfg.KeyLog = &keylog
		body := []byte(`{"smdpAddress":"` + host + `"}`)
		fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
			if _, ok := ev.(applet.Boot); ok {
				return []applet.Effect{applet.ES9Call{ReqID: 4, Address: host + ":" + strconv.Itoa(int(ap.Port())), Function: "initiateAuthentication", Body: body}}
			}
			return nil
		}}
		tm := newTerm(t, cfg, fm)
		tm.c.cfg.CI = srv.ci
		tm.boot()
		if got := tm.relay(chunk); got != ap {
			t.Fatalf("opened %s, want %s", got, ap)
		}
		hr, ok := fm.last().(applet.HTTPResult)
		want := `}"` + reverse(host) + `":"sserddApdms"{`
		if !ok || hr.ReqID != 4 || hr.Err != "" || hr.Status != 200 || string(hr.Body) != want {
			t.Fatalf("chunk %d: result %+v", chunk, fm.last())
		}
		if !strings.HasPrefix(keylog.String(), "CLIENT_RANDOM ") {
			t.Fatal("no TLS key log written")
		}
		if tm.lastSW != apdu.SWOK {
			t.Fatalf("card still busy: %04X", tm.lastSW)
		}
	}
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// TestRuntimeES9Refusals: a host without a resolution or an untrusted
// server ends in an HTTPResult error, logged, with the channel closed.
func TestRuntimeES9Refusals(t *testing.T) {
	const host = "smdp.orange.test"
	srv := newTestTLSServer(t, host)
	ap := netip.MustParseAddrPort(srv.addr)
	t.Run("unresolvable host", func(t *testing.T) {
		fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
			if _, ok := ev.(applet.Boot); ok {
				return []applet.Effect{applet.ES9Call{ReqID: 4, Address: "nowhere.test", Function: "initiateAuthentication"}}
			}
			return nil
		}}
		tm := newTerm(t, testConfig(), fm)
		tm.boot()
		if hr, ok := fm.last().(applet.HTTPResult); !ok || !strings.Contains(hr.Err, "not resolvable") {
			t.Fatalf("result %+v", fm.last())
		}
	})
	t.Run("untrusted server", func(t *testing.T) {
		cfg := testConfig()
		cfg.Resolve = map[string]netip.AddrPort{host: ap}
		cfg.Now = func() time.Time { return testNow }
		fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
			if _, ok := ev.(applet.Boot); ok {
				return []applet.Effect{applet.ES9Call{ReqID: 4, Address: host, Function: "initiateAuthentication"}}
			}
			return nil
		}}
		tm := newTerm(t, cfg, fm) // no CI: nothing is trusted
		tm.boot()
		tm.relay(4096)
		if hr, ok := fm.last().(applet.HTTPResult); !ok || !strings.Contains(hr.Err, "tls handshake") {
			t.Fatalf("result %+v", fm.last())
		}
	})
}

// TestPlatformRequestSigned: with an eUICC key the platform request
// carries seq, certificates and a signature over method, path, seq and body.
func TestPlatformRequestSigned(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.EUICCKey, cfg.EUICCCert, cfg.EUMCert = key, []byte{0x30, 0x00}, []byte{0x30, 0x01}
	body := []byte(`{"eid":"x"}`)
	fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
		if _, ok := ev.(applet.Boot); ok {
			return []applet.Effect{applet.HTTPPost{ReqID: 1, Path: "/v1/download", Body: body, Seq: 7}}
		}
		return nil
	}}
	tm := newTerm(t, cfg, fm)
	tm.boot()
	tm.openChannel()
	raw := tm.sendAll()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(req.Body)
	if !bytes.Equal(got, body) || req.Header.Get(platformapi.HeaderSeq) != "7" ||
		req.Header.Get(platformapi.HeaderCertificates) != "MAA=,MAE=" {
		t.Fatalf("request %q", raw)
	}
	sig, err := base64.StdEncoding.DecodeString(req.Header.Get(platformapi.HeaderSignature))
	if err != nil {
		t.Fatal(err)
	}
	if err := rsp.Verify(&key.PublicKey, platformapi.CanonicalBytes("POST", "/v1/download", 7, body), sig); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if rsp.Verify(&key.PublicKey, platformapi.CanonicalBytes("POST", "/v1/download", 8, body), sig) == nil {
		t.Fatal("signature does not bind the seq")
	}
}
