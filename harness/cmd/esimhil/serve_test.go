package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// esimhil serve records what its servers did: every event of the platform
// and the SM-DP+s in --out's events.jsonl, written as it happens (read here
// while serve still runs), and each SM-DP+'s notification log at its
// route — so a notification the SM-DP+ acknowledged 204 and discarded is
// told from one it took (outside tester t71 F1: serve kept nothing, and
// both were a bare 204).
func TestServeRecordsDiscardedNotifications(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-download.yaml")
	dir := t.TempDir()
	ciFile := filepath.Join(dir, "ci.pem")
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := cli(ctx, []string{"serve", "--scenario", scen, "--out", dir, "--ci", ciFile}, pw, os.Stderr)
		pw.Close() // a serve that ends at once ends the scan of its lines
		done <- code
	}()
	defer func() {
		stop()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	}()
	var smdp, eventsPath string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && f[0] == "smdp" && strings.HasPrefix(f[1], "sfr="):
			smdp = strings.TrimPrefix(f[1], "sfr=https://")
		case len(f) >= 2 && f[0] == "events":
			eventsPath = f[1]
		}
		if strings.HasPrefix(sc.Text(), "serving") {
			break
		}
	}
	go func() { // keep serve's stdout drained
		for sc.Scan() {
		}
	}()
	if smdp == "" || eventsPath != filepath.Join(dir, "events.jsonl") {
		t.Fatalf("serve printed no SM-DP+ sfr, or events at %q", eventsPath)
	}
	b, err := os.ReadFile(ciFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	ci, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ci)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "smdp.sfr.test", MinVersion: tls.VersionTLS12}}}
	defer client.CloseIdleConnections()

	unknownTx := es10.ProfileInstallationResult{Data: es10.ProfileInstallationResultData{TransactionID: make([]byte, 16), OK: true,
		AID: []byte{0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 1}, Notification: es10.NotificationMetadata{Seq: 7, Event: es10.EventInstall, Address: "smdp.sfr.test"}},
		Signature: make([]byte, 64)}.Encode()
	for i, tc := range []struct {
		name, body               string
		status                   int
		outcome, subject, reason string
		event                    string // in events.jsonl
	}{
		{"not a notification", `{"pendingNotification":"AAAA"}`, http.StatusNoContent, smdplog.Discarded, "1.2", "2.1",
			`"event":"es9_error","function":"handleNotification","message":"pendingNotification: `},
		{"an install result for no transaction", `{"pendingNotification":"` + base64.StdEncoding.EncodeToString(unknownTx) + `"}`,
			http.StatusNoContent, smdplog.Discarded, "8.10.1", "3.9",
			`"message":"install result for an unknown transactionId (discarded, acknowledged 204)"`},
		{"malformed JSON", `{"pendingNotification":`, http.StatusOK, smdplog.Refused, "1.2", "2.1",
			`"event":"es9_error","function":"handleNotification","message":"malformed JSON`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "https://"+smdp+es9.PathPrefix+es9.FnHandleNotification, strings.NewReader(tc.body))
			req.Header.Set(es9.AdminProtocolHeader, es9.AdminProtocol)
			req.Header.Set("Content-Type", es9.ContentType)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("handleNotification answered %d, want %d", resp.StatusCode, tc.status)
			}
			// The SM-DP+'s own log says what became of it.
			resp, err = client.Get("https://" + smdp + smdplog.Path + "?offset=" + strconv.Itoa(i) + "&limit=1")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			p, err := smdplog.DecodePage(b)
			if err != nil || len(p.Entries) != 1 {
				t.Fatalf("GET %s: %d %s (%v)", smdplog.Path, resp.StatusCode, b, err)
			}
			if e := p.Entries[0]; e.Outcome != tc.outcome || e.Subject != tc.subject || e.Reason != tc.reason || e.Status != tc.status {
				t.Errorf("log entry %+v, want %s %s/%s", e, tc.outcome, tc.subject, tc.reason)
			}
			// And the event is on disk already, serve still running.
			evs, err := os.ReadFile(eventsPath)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(evs), tc.event) {
				t.Errorf("events.jsonl lacks %s:\n%s", tc.event, evs)
			}
		})
	}
}

// A write to events.jsonl that fails (a full disk: /dev/full here) is
// said on standard error as it happens, once, and serve goes on serving
// (outside tester t86 F4: nothing was said until Ctrl-C); at exit the
// failure still fails the serve.
func TestServeWarnsAtAFailedWrite(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-download.yaml")
	dir := t.TempDir()
	if err := os.Symlink("/dev/full", filepath.Join(dir, "events.jsonl")); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		code := cli(ctx, []string{"serve", "--scenario", scen, "--out", dir}, pw, stderr)
		pw.Close()
		done <- code
	}()
	var platformURL string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "platform" {
			platformURL = f[1]
		}
		if strings.HasPrefix(sc.Text(), "serving") {
			break
		}
	}
	go func() { // keep serve's stdout drained
		for sc.Scan() {
		}
	}()
	if platformURL == "" {
		t.Fatal("serve printed no platform")
	}
	warning := "esimhil serve: warning: " + filepath.Join(dir, "events.jsonl") +
		": stream events: write " + filepath.Join(dir, "events.jsonl") + ": no space left on device: later events are not written (the servers go on)\n"
	// Each request refused is an event (request_rejected), logged before
	// its answer is written: the first one's write fails, and serve goes
	// on answering.
	for i := range 3 {
		resp, err := http.Post(platformURL+"/v1/notifications", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("request %d answered %d, want 400", i, resp.StatusCode)
		}
		if got := stderr.String(); got != warning {
			t.Fatalf("after request %d, serve running, standard error %q; want %q", i, got, warning)
		}
	}
	stop()
	if code := <-done; code != 1 || !strings.HasPrefix(stderr.String(), warning) || strings.Count(stderr.String(), "no space left") != 2 {
		t.Errorf("serve exited %d, standard error %q: want 1, the warning and the failure once more at exit", code, stderr.String())
	}
}
