package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// A stopped device's line says what it was doing and what it still owed,
// each addressee with the last failure's reason (grouped without counts
// or times, which differ device by device), not "stopped".
func TestStoppedLine(t *testing.T) {
	const why, at = "still on when the storm was stopped by SIGTERM", "still on at the stop"
	bip := noteFail{"no answer within the 10 s BIP limit", 8*time.Minute + 12*time.Second}
	for _, tc := range []struct {
		name         string
		state        string
		owes         []owed
		reason, line string
	}{
		{"unacknowledged", "switched to sfr", []owed{{to: "sfr", failed: 2, last: bip}},
			"switched to sfr; notifications to sfr unacknowledged: no answer within the 10 s BIP limit (" + at + ")",
			"switched to sfr; 2 notifications to sfr unacknowledged: no answer within the 10 s BIP limit (last at +8m12s) (" + why + ")"},
		{"more held behind", "switched to sfr", []owed{{to: "platform", failed: 1, waiting: 3, last: noteFail{"http status 503", time.Minute}}},
			"switched to sfr; notifications to the platform unacknowledged: http status 503 (" + at + ")",
			"switched to sfr; 1 notification to the platform unacknowledged: http status 503 (last at +1m0s), 3 more held (" + why + ")"},
		{"held, no failure seen", "switched to sfr", []owed{{to: "platform", waiting: 1}, {to: "sfr", waiting: 2}},
			"switched to sfr; notifications to the platform held, none acknowledged; notifications to sfr held, none acknowledged (" + at + ")",
			"switched to sfr; 1 notification to the platform held, none acknowledged; 2 notifications to sfr held, none acknowledged (" + why + ")"},
		{"nothing owed", "on its original profile, no failure logged yet", nil,
			"on its original profile, no failure logged yet (" + at + ")", "on its original profile, no failure logged yet (" + why + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reason, line := stoppedLine(tc.state, why, tc.owes)
			if reason != tc.reason || line != tc.line {
				t.Errorf("got\n  %q\n  %q\nwant\n  %q\n  %q", reason, line, tc.reason, tc.line)
			}
		})
	}
}

// An SM-DP+ that never answers handleNotification (outside tester t228):
// a storm stopped once the cards gave up on it has its device say what it
// was doing and what it owed that SM-DP+, not "stopped"; nothing the
// SM-DP+ left unacknowledged is counted as delivered, and the storm fails.
// (Given up by --give-up-after, the same: TestSilentPlatformGivenUp; here
// the stop comes as a signal, at a chosen delivery, so the test costs one
// or three BIP limits, not the five a give-up took.)
func TestStoppedWithNotificationsUnacknowledged(t *testing.T) {
	silentPeersShort(t) // its cases wait out BIP limits on the wall clock, side by side
	tp := loadTemplate(t, 1, 0)
	tp.Mix = []Part{{Share: 1, Kind: KindDownload}}
	pki, err := NewPKI(tp.Base, tp.Seed)
	if err != nil {
		t.Fatal(err)
	}
	first := tp.Preferred[0]
	for _, tc := range []struct {
		name string
		// at is the handleNotification asked at which the stop comes.
		at         int32
		want, line string
	}{
		{"between download and attach", 1, "downloaded " + first + "'s profile, not on " + first + " yet; notifications to " + first + " unacknowledged: ",
			"; 1 notification to " + first + " unacknowledged: "},
		{"switched", 2, "switched to " + first + "; notifications to " + first + " unacknowledged: ",
			"; 2 notifications to " + first + " unacknowledged: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sv := startEmulated(t, tp, pki)
			platform := httptest.NewServer(ownDownload(t, tp, pki, sv, func(string) bool { return true }))
			defer platform.Close()
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			smdp := smdpURLs(sv)
			smdp[first] = silentOnNotifications(t, pki.SMDP[first].TLS, smdp[first], tc.at, func() { cancel(errors.New("stopped by SIGTERM")) })
			r, err := Run(ctx, Config{Template: tp, Platform: platform.URL, SMDP: smdp})
			if !errors.Is(err, context.Canceled) || r == nil {
				t.Fatalf("err %v, want the storm stopped", err)
			}
			var out strings.Builder
			r.Print(&out)
			t.Log("\n" + out.String())
			var got []string
			for reason := range r.Failures {
				got = append(got, reason)
			}
			delivered := 0
			for k, c := range r.CardToSMDP {
				if strings.HasPrefix(k, first+"|") {
					delivered += c
				}
			}
			lost, _ := r.Lost()
			switch {
			case r.Stopped != 1 || len(got) != 1 || !strings.HasPrefix(got[0], tc.want) || !strings.HasSuffix(got[0], " (still on at the stop)"):
				t.Errorf("%d stopped, failed as %q, want %q…", r.Stopped, got, tc.want)
			case delivered != 0:
				t.Errorf("%d notifications to the silent SM-DP+ counted as delivered", delivered)
			case lost != 0 || r.OK() || r.Verdict() == "":
				t.Errorf("lost %d, OK %v, verdict %q", lost, r.OK(), r.Verdict())
			case !strings.Contains(out.String(), tc.line) || !strings.Contains(out.String(), "(still on when the storm was stopped by SIGTERM)"):
				t.Errorf("no device line says %q and what stopped it:\n%s", tc.line, out.String())
			}
		})
	}
}

// silentOnNotifications is an SM-DP+ at its operator's name (cert) that
// answers as the one at target does, but never answers handleNotification
// (the cards drop each at their 10 s BIP limit). It calls asked when asked
// for the at-th time.
func silentOnNotifications(t *testing.T, cert *rsp.Cert, target string, at int32, asked func()) string {
	t.Helper()
	back, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(back)
	proxy.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // the test's own SM-DP+
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	quiet := make(chan struct{})
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/"+es9.FnHandleNotification) {
			proxy.ServeHTTP(w, r)
			return
		}
		if n.Add(1) == at {
			asked()
		}
		select { // never answered
		case <-quiet:
		case <-r.Context().Done():
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cert.DER}, PrivateKey: cert.Key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(quiet) }) // before the server closes
	return srv.URL
}

// A shard stopped before its end is refused by Merge, saying how to merge
// it anyway, and taken by MergeStopped: the totals then hold the part of
// it that ran, the result says STOPPED before any figure, names the shard
// and its cause, never passes, and reads back as it was written.
func TestMergeStoppedShard(t *testing.T) {
	tp := loadTemplate(t, 40, 0)
	tp.ArriveWithin = Duration(6 * time.Hour)
	dir := t.TempDir()
	var rs []*Result
	for i, stop := range []int64{0, 150} {
		ctx := context.Context(context.Background())
		if stop > 0 {
			c := newStopAfter(stop)
			defer c.cancel(nil)
			ctx = c
		}
		r, err := Run(ctx, Config{Template: tp, Shard: i, Shards: 2})
		if (stop > 0) != errors.Is(err, context.Canceled) || r == nil {
			t.Fatalf("shard %d/2: %v", i, err)
		}
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
		if err := r.Write(path); err != nil {
			t.Fatal(err)
		}
		if r, err = ReadResult(path); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	stopped := rs[1]
	if _, err := Merge(rs); err == nil || !strings.Contains(err.Error(), "shard 1/2 was stopped by SIGTERM before its storm ended") || !strings.Contains(err.Error(), "give --accept-stopped") {
		t.Errorf("Merge of a stopped shard: %v", err)
	}
	m, err := MergeStopped(rs)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	m.Print(&out)
	t.Log("\n" + out.String())
	lines := strings.Split(out.String(), "\n")
	switch {
	case m.StoppedBy != "shard 1/2 stopped by SIGTERM":
		t.Errorf("stopped_by %q", m.StoppedBy)
	case m.OK() || !strings.Contains(m.Verdict(), "shard 1/2 stopped by SIGTERM"):
		t.Errorf("OK %v, verdict %q", m.OK(), m.Verdict())
	case m.Devices != 40 || m.Stopped != stopped.Stopped || m.StoppedDone != stopped.StoppedDone || m.NotStarted != stopped.NotStarted || m.NotStarted == 0:
		t.Errorf("%d devices, %d stopped, %d done at the stop, %d never powered on; the stopped shard's: %d, %d, %d",
			m.Devices, m.Stopped, m.StoppedDone, m.NotStarted, stopped.Stopped, stopped.StoppedDone, stopped.NotStarted)
	case len(lines) < 3 || !strings.HasPrefix(lines[2], "STOPPED    shard 1/2 stopped by SIGTERM: these figures are of the part that ran: "):
		t.Errorf("no STOPPED line before the figures:\n%s", out.String())
	}
	path := filepath.Join(dir, "merged.json")
	if err := m.Write(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := back.consistent(); err != nil || back.StoppedBy != m.StoppedBy {
		t.Errorf("the merged result read back: %v, stopped_by %q", err, back.StoppedBy)
	}
}

// A storm stopped by a signal says the signal's cause, whole and short
// alike; one given up says it short, the STOP line having the whole
// cause.
func TestStopCause(t *testing.T) {
	sig, stop := context.WithCancelCause(context.Background())
	stop(errors.New("stopped by SIGTERM"))
	plain, cancel := context.WithCancel(context.Background())
	cancel()
	givenUp := errors.New("the platform unreachable for 1s")
	for _, tc := range []struct {
		name         string
		ctx          context.Context
		cause, short string
	}{
		{"a signal", sig, "stopped by SIGTERM", "stopped by SIGTERM"},
		{"cancelled, no cause", plain, "context canceled", "context canceled"},
		{"given up", context.Background(), "the platform unreachable for 1s", "given up (--give-up-after 1s)"},
	} {
		if cause, short := stopCause(tc.ctx, givenUp, time.Second); cause != tc.cause || short != tc.short {
			t.Errorf("%s: %q, %q; want %q, %q", tc.name, cause, short, tc.cause, tc.short)
		}
	}
}
