package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/fleet"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
	"github.com/esimhil/esimhil/internal/refusedport"
)

var fleetTemplate = filepath.Join("..", "..", "..", "fixtures", "fleet", "storm-fr.yaml")

// The fleet loads an emulator started as another process (esimhil
// serve) over --platform and --smdp, and finds what it finds against
// the emulator in its own process: the same outcomes and switch times,
// the platform's log and the SM-DP+s' notification logs (read over their
// route: outside tester t71 F1, they were NOT CHECKED) equal to what the
// cards count as delivered; serve's events.jsonl holds both servers'
// events.
func TestFleetAgainstAnotherProcess(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-download.yaml")
	// A fixed port, as a platform team would give: the platform gets it,
	// each SM-DP+ a port of its own.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := free.Addr().(*net.TCPAddr).Port
	free.Close()
	// No --seed: the scenario's own, which the flags line hands on.
	outDir := t.TempDir()
	cmd := exec.Command(os.Args[0], "serve", "--scenario", scen, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--out", outDir)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	args := []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "40"}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && f[0] == "platform":
			if f[1] != fmt.Sprintf("http://127.0.0.1:%d", port) {
				t.Errorf("platform at %s, want port %d", f[1], port)
			}
		case len(f) >= 2 && f[0] == "smdp":
			if strings.HasSuffix(f[1], fmt.Sprintf(":%d", port)) {
				t.Errorf("SM-DP+ %s on the platform's port", f[1])
			}
		case len(f) >= 2 && f[0] == "flags": // the fleet's flags, as printed
			if f[1] != "--seed" || f[2] != "1" {
				t.Errorf("flags %q: want the scenario's seed 1 first", f[1:])
			}
			args = append(args, f[1:]...)
		}
		if strings.HasPrefix(sc.Text(), "serving") {
			break
		}
	}
	go func() { // keep the child's pipe drained
		for sc.Scan() {
		}
	}()
	ext := filepath.Join(t.TempDir(), "ext.json")
	var out, errOut bytes.Buffer
	if code := cli(context.Background(), append(args, "--out", ext), &out, &errOut); code != 0 {
		t.Fatalf("fleet exited %d:\n%s%s", code, out.String(), errOut.String())
	}
	t.Log("\n" + out.String())
	for _, want := range []string{"servers    platform http://127.0.0.1:", "lost       0 (cards' acknowledged notifications == platform log == SM-DP+ logs)",
		"auth       the platform took a request signed right and refused with 401 each request sent that it must refuse (unsigned, unsigned download, unsigned notification, forged signature, unknown CI, another card's EID, lower seq, replay ×4)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	in := filepath.Join(t.TempDir(), "in.json")
	if code := cli(context.Background(), []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "40", "--out", in}, &out, &errOut); code != 0 {
		t.Fatalf("in-process fleet exited %d:\n%s", code, errOut.String())
	}
	a, err := fleet.ReadResult(ext)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fleet.ReadResult(in)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(a.Outcomes, b.Outcomes) || len(a.SwitchTimes) != len(b.SwitchTimes) || a.Percentile(50) != b.Percentile(50) {
		t.Errorf("external: %v p50 %v; in process: %v p50 %v", a.Outcomes, a.Percentile(50), b.Outcomes, b.Percentile(50))
	}
	if !equalInts(a.CardToPlatform, a.PlatformLog) || len(a.PlatformLog) == 0 {
		t.Errorf("external platform's log %v, cards %v", a.PlatformLog, a.CardToPlatform)
	}
	if a.SMDPUnread || !equalInts(a.CardToSMDP, a.SMDPLog) || len(a.SMDPLog) == 0 || !equalInts(a.SMDPLog, b.SMDPLog) {
		t.Errorf("external SM-DP+ logs %v (unread %v %q), cards %v; in process %v", a.SMDPLog, a.SMDPUnread, a.Unchecked, a.CardToSMDP, b.SMDPLog)
	}
	// serve's events, as the storm made them: the SM-DP+s' notifications
	// and the platform's, one JSON line each.
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	evs, err := os.ReadFile(filepath.Join(outDir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"actor":"smdp","event":"notification_received"`, `"actor":"platform","event":"notification_received"`, `"actor":"smdp","event":"order"`} {
		if !bytes.Contains(evs, []byte(want)) {
			t.Errorf("serve's events.jsonl lacks %s", want)
		}
	}
}

func equalInts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Shards written by separate runs merge, through the command, into the
// totals of one run; bad numbers are refused with the template's words.
func TestFleetShardMergeAndBadInput(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 2 {
		f := filepath.Join(dir, "shard.json"+string(rune('0'+i)))
		var out, errOut bytes.Buffer
		if code := cli(context.Background(), []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "20",
			"--shard", string(rune('0'+i)) + "/2", "--out", f}, &out, &errOut); code != 0 {
			t.Fatalf("shard %d exited %d: %s%s", i, code, out.String(), errOut.String())
		}
		files = append(files, f)
	}
	var out, errOut bytes.Buffer
	if code := cli(context.Background(), append([]string{"fleet", "merge"}, files...), &out, &errOut); code != 0 {
		t.Fatalf("merge exited %d: %s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "devices    20 (0 with a pty, 20 in memory)") || !strings.Contains(out.String(), "shards 0/2 1/2") ||
		!strings.Contains(out.String(), "the union of the 2 shards' wall-clock spans (one after another") || !strings.Contains(out.String(), "\nshard 1/2  ") {
		t.Errorf("merged:\n%s", out.String())
	}
	// A merge never writes over one of its inputs.
	out.Reset()
	errOut.Reset()
	if code := cli(context.Background(), append([]string{"fleet", "merge", "--out", files[1]}, files...), &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), "--out "+files[1]+" is the input "+files[1]) {
		t.Errorf("merge over an input: exit %d: %s", code, errOut.String())
	}
	if _, err := fleet.ReadResult(files[1]); err != nil {
		t.Errorf("the input is damaged: %v", err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--devices", "0"}, "--devices 0: a fleet needs at least one device"},
		{[]string{"--arrive-within", "0s"}, "--arrive-within 0s"},
		{[]string{"--arrive-within", "99999h"}, "--arrive-within 99999h0m0s: at most 744h0m0s"},
		{[]string{"--ptys", "1000000"}, "--ptys 1000000"},
		{[]string{"--shard", "3/2"}, `--shard "3/2": want i/n with 0 ≤ i < n`},
		{[]string{"--give-up-after", "5s"}, "--give-up-after 5s: want 0 (never) or at least 10s, the cards' own BIP limit for an exchange"},
		{[]string{"--give-up-after", "-1m"}, "--give-up-after -1m0s: want 0 (never) or at least 10s"},
		{[]string{"--smdp", "sfr=https://127.0.0.1:1"}, "--smdp needs --platform"},
		{[]string{"--platform", "http://"}, `--platform "http://": no host: want http://host:port or https://host:port`},
		{[]string{"--platform", "http://127.0.0.1:1", "--smdp", "sfr=https://"}, `--smdp sfr=https://: no host: want https://host:port`},
		// A stray word is named, not read as the template missing.
		{[]string{"--devices", "2", "extra-arg"}, `unexpected argument "extra-arg": it takes only flags`},
		{[]string{"extra", "--devices", "2"}, `unexpected argument "extra": it takes only flags`},
	} {
		out.Reset()
		errOut.Reset()
		start := time.Now()
		code := cli(context.Background(), append([]string{"fleet", "--scenario-template", fleetTemplate}, tc.args...), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to say %q", tc.args, code, errOut.String(), tc.want)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("%v took %v to refuse", tc.args, d)
		}
	}
}

// A platform that answers its cards garbage fails the storm: every device
// is failed (nothing the template injected made it stay), the report
// groups them by why, and the command exits 1 saying so. A healthy storm
// whose devices fail only as injected exits 0 (TestFleetShardMergeAndBadInput).
func TestFleetFailedDevicesFailTheRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"no such route"}`)
			return
		}
		fmt.Fprint(w, `{"operators": "not a list", <<garbage>>`)
	}))
	defer srv.Close()
	var out, errOut bytes.Buffer
	code := cli(context.Background(), []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "2",
		"--arrive-within", "1s", "--platform", srv.URL}, &out, &errOut)
	t.Log("\n" + out.String() + errOut.String())
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"outcomes   0 switched, 0 stayed on their original profile (as injected), 2 failed",
		"FAILED          2 stayed on its original profile, nothing injected: preferred list: ",
		"(devices 0, 1)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if !strings.Contains(errOut.String(), "esimhil fleet: FAIL: 2 of 2 devices failed") {
		t.Errorf("stderr lacks the verdict")
	}
}

// A dead external server is refused before any device starts, with exit
// status 2 and the URL and what failed; the storm never begins.
func TestFleetRefusesDeadServers(t *testing.T) {
	closed := refusedport.Addr(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprint(w, `{"error":"use POST"}`)
	}))
	defer plain.Close()
	for _, tc := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"a closed platform port", []string{"--platform", "http://" + closed},
			"--platform http://" + closed + ": not reachable: connection refused"},
		{"an SM-DP+ that speaks plain HTTP", []string{"--platform", plain.URL, "--smdp", "sfr=" + strings.Replace(plain.URL, "http:", "https:", 1)},
			"--smdp sfr=https://" + plain.Listener.Addr().String() + ": TLS: the server does not speak TLS"},
		{"a closed SM-DP+ port", []string{"--platform", plain.URL, "--smdp", "orange-fr=https://" + closed},
			"--smdp orange-fr=https://" + closed + ": not reachable: connection refused"},
		// Every server's problem at once. (An SM-DP+ on http:// is refused
		// earlier, with the flags: TestFlagValuesRefused.)
		{"a dead platform and an SM-DP+ at a name that does not resolve", []string{"--platform", "http://" + closed, "--smdp", "sfr=https://nowhere.invalid"},
			"  --platform http://" + closed + ": not reachable: connection refused (nothing listens there)\n  --smdp sfr: \"https://nowhere.invalid\": cannot resolve nowhere.invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := cli(context.Background(), append([]string{"fleet", "--scenario-template", fleetTemplate, "--devices", "2"}, tc.flags...), &out, &errOut)
			if code != 2 || !strings.Contains(errOut.String(), "refused before the storm") || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, errOut.String(), tc.want)
			}
			if out.Len() != 0 || strings.Contains(errOut.String(), "devices (") {
				t.Errorf("the storm started: %q %q", out.String(), errOut.String())
			}
		})
	}
}

// A bad template or result file exits 2 (nothing ran) naming where it is
// wrong — the template's line and column, the result's JSON path — and
// never the YAML or JSON library's Go types.
func TestFleetBadFiles(t *testing.T) {
	dir := t.TempDir()
	base, err := filepath.Abs(filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tmpl := write("storm.yaml", "scenario: "+base+"\ndevices: 2\narrive_within: 1m\nmix:\n  - {share: lots, kind: download}\n")
	res := write("shard.json", `{"devices": "many"}`)
	src, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	noAck := write("noack.yaml", string(src)+"faults:\n  - {platform: no_ack}\n")
	faultsLine := strings.Count(string(src), "\n") + 1
	readOnly := write("kept.json", "{}")
	// A storm whose platform lost a note, its platform_lost taken out
	// (outside tester sw116): the counts still say it.
	var lostOut map[string]any
	if b, err := os.ReadFile(filepath.Join("..", "..", "fleet", "testdata", "sw116-loseone.json")); err != nil || json.Unmarshal(b, &lostOut) != nil {
		t.Fatalf("sw116-loseone.json: %v", err)
	}
	delete(lostOut, "platform_lost")
	delete(lostOut, "platform_lost_named")
	b, err := json.Marshal(lostOut)
	if err != nil {
		t.Fatal(err)
	}
	noLost := write("nolost.json", string(b))
	if err := os.Chmod(readOnly, 0o444); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"fleet", "--scenario-template", tmpl}, 2, tmpl + `:5:13: mix[0].share: want a whole number, got "lots"`},
		{[]string{"fleet", "merge", res}, 2, "fleet result " + res + ": devices: want an integer, got a string"},
		{[]string{"fleet", "merge", noLost}, 2, "fleet result " + noLost + `: platform_lost 0: card_to_platform["89049032000000000000010000003412|attach-success"] 1 is more than platform_log`},
		// Output that cannot be written is refused before the work.
		{[]string{"fleet", "--scenario-template", fleetTemplate, "--devices", "2", "--out", dir}, 2, "--out " + dir + ": is a directory; name a file in it"},
		{[]string{"fleet", "--scenario-template", fleetTemplate, "--devices", "2", "--out", readOnly}, 2, "--out " + readOnly + ": the file is read-only"},
		{[]string{"fleet", "merge", "--out", dir, res}, 2, "--out " + dir + ": is a directory"},
		{[]string{"fleet", "merge", "--out", "/nonexistent/x.json", res}, 2, "--out /nonexistent/x.json: its directory /nonexistent does not exist"},
		{[]string{"serve", "--scenario", base, "--ci", "/nonexistent/ci.pem"}, 2, "--ci /nonexistent/ci.pem: its directory /nonexistent does not exist"},
		// serve has no fault plan (a run's, on the virtual clock): a
		// no_ack platform would acknowledge everything.
		{[]string{"serve", "--scenario", noAck}, 2, fmt.Sprintf("%s:%d:1: faults: serve does not apply a scenario's faults (1 entry): its servers run on the wall clock", noAck, faultsLine)},
		// A fleet template is not a scenario: serve names its base.
		{[]string{"serve", "--scenario", fleetTemplate}, 2, fleetTemplate + " is a fleet template (esimhil fleet --scenario-template); serve its base scenario: --scenario "},
	} {
		var out, errOut bytes.Buffer
		// Stopped already: a serve that wrongly starts prints its servers
		// and returns rather than serve for ever.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		code := cli(ctx, tc.args, &out, &errOut)
		if code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut.String(), tc.code, tc.want)
		}
		if code == 2 && out.Len() != 0 { // no storm, no merged figures, no servers
			t.Errorf("%v: refused, but wrote %q", tc.args, out.String())
		}
		if strings.Contains(tc.want, "is a fleet template") && strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%v: the template's hint is not said alone: %q", tc.args, errOut.String())
		}
		for _, leak := range []string{"Go struct", "!!", "unmarshal", "map["} {
			if strings.Contains(errOut.String(), leak) {
				t.Errorf("%v: stderr %q speaks of Go (%q)", tc.args, errOut.String(), leak)
			}
		}
	}
}

// One SM-DP+ an operator: a second --smdp for it would leave the first
// neither probed nor used.
func TestFleetRefusesTwoSMDPsOfOneOperator(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli(context.Background(), []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "2",
		"--platform", "http://127.0.0.1:1", "--smdp", "sfr=https://127.0.0.1:1", "--smdp", "sfr=https://127.0.0.1:2"}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "--smdp sfr given twice (https://127.0.0.1:1 and https://127.0.0.1:2)") || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 and the operator given twice", code, out.String(), errOut.String())
	}
}

// A flag given replaces the template's value even when it is the flag's
// default (the flag set says which were given; nothing is guessed from
// the value), and its refusal names the flag, not the template's line.
func TestFleetFlagAtItsDefaultOverrides(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--devices", "0"}, "esimhil fleet: --devices 0: a fleet needs at least one device\n"},
		{[]string{"--ptys", "-1"}, "esimhil fleet: --ptys -1: negative\n"},
		{[]string{"--dwell", "0s"}, "esimhil fleet: --dwell 0s: want more than 0 and at most 168h0m0s (leave it out for 30m0s)\n"},
	} {
		var out, errOut bytes.Buffer
		code := cli(context.Background(), append([]string{"fleet", "--scenario-template", fleetTemplate}, tc.flags...), &out, &errOut)
		if code != 2 || errOut.String() != tc.want || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tc.flags, code, out.String(), errOut.String(), tc.want)
		}
	}
}

// A storm that never started exits 2 when it was refused (the user's to
// mend) and 3 when the fleet itself failed.
func TestFleetNotStartedCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("%w:\n  --platform http://x: not reachable", fleet.ErrRefused), 2},
		{fmt.Errorf("start: %w", fmt.Errorf("%w: x", fleet.ErrRefused)), 2},
		{errors.New("test PKI: x509: cannot encode"), 3},
		{fmt.Errorf("SM-DP+ sfr: %w", errors.New("listen tcp: address in use")), 3},
	} {
		if got := notStartedCode(tc.err); got != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.err, got, tc.want)
		}
	}
}

// A platform whose log cannot be read (no inspect route) leaves the
// storm's notifications NOT CHECKED: the run fails (exit 1, saying why)
// unless --accept-unchecked passes it on its other figures.
func TestFleetUncheckedLogFailsUnlessAccepted(t *testing.T) {
	dir := t.TempDir()
	base, err := filepath.Abs(filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := filepath.Join(dir, "pre.yaml")
	if err := os.WriteFile(tmpl, []byte("scenario: "+base+"\ndevices: 2\narrive_within: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tp, err := fleet.Load(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 1, "FAIL: platform log NOT CHECKED (--accept-unchecked passes such a run)"},
		{[]string{"--accept-unchecked"}, 0, ""},
	} {
		pki, err := fleet.NewPKI(tp.Base, tp.Seed)
		if err != nil {
			t.Fatal(err)
		}
		sv, err := fleet.StartServers(tp.Base, pki, tp.Seed, clock.Wall{}, eventlog.NewPassing(time.Now), "127.0.0.1:0", nil, true)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == platformapi.PathInspect {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"error":"no route"}`)
				return
			}
			sv.Platform.Handler().ServeHTTP(w, r)
		}))
		var out, errOut bytes.Buffer
		code := cli(context.Background(), append([]string{"fleet", "--scenario-template", tmpl, "--platform", srv.URL}, tc.args...), &out, &errOut)
		srv.Close()
		sv.Close()
		if code != tc.code || !strings.Contains(errOut.String(), tc.want) || !strings.Contains(out.String(), "NOT CHECKED: platform log: GET /v1/inspect/received answered 404") {
			t.Errorf("%v: exit %d, want %d and %q:\n%s%s", tc.args, code, tc.code, tc.want, out.String(), errOut.String())
		}
	}
}

// serve's test PKI is of the scenario's seed unless --seed says another
// (0 included), as a fleet template on that scenario runs at its seed
// when it names none: serve and fleet --platform then agree on the CI.
func TestServeSeedIsTheScenarios(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "grand-tour.yaml") // seed: 3
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"left out", nil, "seed      3 "},
		{"given", []string{"--seed", "5"}, "seed      5 "},
		{"given as 0", []string{"--seed", "0"}, "seed      0 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Stopped already: serve prints its servers and returns.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out, errOut bytes.Buffer
			cli(ctx, append([]string{"serve", "--scenario", scen, "--out", t.TempDir()}, tc.args...), &out, &errOut)
			if !strings.Contains(out.String(), "\n"+tc.want) {
				t.Errorf("serve printed:\n%s%s\nwant a line %q…", out.String(), errOut.String(), tc.want)
			}
		})
	}
}

// Every flag problem is reported at once, one line each headed
// `esimhil fleet:` (fixtures/fleet/README.md), not the first kind only:
// --shard's was left out while --devices or --dwell was wrong too.
func TestFleetReportsEveryFlagProblem(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"numbers and a shard", []string{"--devices", "0", "--shard", "3/2", "--dwell", "0s"}, []string{
			"esimhil fleet: --devices 0: a fleet needs at least one device",
			"esimhil fleet: --dwell 0s: want more than 0 and at most 168h0m0s (leave it out for 30m0s)",
			`esimhil fleet: --shard "3/2": want i/n with 0 ≤ i < n (a Kubernetes Indexed Job passes $JOB_COMPLETION_INDEX as i)`,
		}},
		// A bad shard leaves the pty room unjudged: which devices this
		// process runs is unknown (outside tester sw129: the whole
		// fleet's room was judged, a wrong extra problem).
		{"a bad shard and more ptys than a machine allows", []string{"--devices", "1000000", "--ptys", "1000000", "--shard", "8/8"}, []string{
			`esimhil fleet: --shard "8/8": want i/n with 0 ≤ i < n (a Kubernetes Indexed Job passes $JOB_COMPLETION_INDEX as i)`,
		}},
		{"a shard, an SM-DP+ and the output", []string{"--shard", "x", "--smdp", "bogus", "--out", "/nonexistent/x.json"}, []string{
			`esimhil fleet: --shard "x": want i/n with 0 ≤ i < n (a Kubernetes Indexed Job passes $JOB_COMPLETION_INDEX as i)`,
			`esimhil fleet: --smdp "bogus": want operator=https://host:port`,
			"esimhil fleet: --out /nonexistent/x.json: its directory /nonexistent does not exist",
		}},
		// An unset variable (a Job's PLATFORM_URL) is refused as empty,
		// not run against the emulated platform nor blamed on --smdp.
		{"an empty platform", []string{"--platform", ""}, []string{
			`esimhil fleet: --platform "": empty value (an unset variable?); give one, or leave the flag out for its default`,
			"esimhil fleet -h for the flags",
		}},
		{"an empty platform with an SM-DP+", []string{"--platform", "", "--smdp", "sfr=https://127.0.0.1:1"}, []string{
			`esimhil fleet: --platform "": empty value`,
			"esimhil fleet -h for the flags",
		}},
		{"a template that cannot be read and a shard", []string{"--scenario-template", "/nonexistent/storm.yaml", "--shard", "3/2"}, []string{
			"esimhil fleet: fleet template: ",
			`esimhil fleet: --shard "3/2": `,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"fleet", "--scenario-template", fleetTemplate}, tc.args...)
			if slices.Contains(tc.args, "--scenario-template") {
				args = append([]string{"fleet"}, tc.args...) // given once
			}
			code := cli(context.Background(), args, &out, &errOut)
			lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
			if code != 2 || len(lines) != len(tc.want) || out.Len() != 0 {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %d lines", code, out.String(), errOut.String(), len(tc.want))
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d: %q, want %q…", i+1, lines[i], want)
				}
			}
		})
	}
}

// A storm removes an earlier result at its --out before it starts: killed
// or refused before it writes its own, it leaves none for a merge to take
// as this run's.
func TestFleetRemovesAnEarlierResult(t *testing.T) {
	res := filepath.Join(t.TempDir(), "shard.json")
	if err := os.WriteFile(res, []byte(`{"devices": 20}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := cli(context.Background(), []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "2",
		"--platform", "http://127.0.0.1:1", "--out", res}, &out, &errOut)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (the platform refused before the storm): %s%s", code, out.String(), errOut.String())
	}
	if _, err := os.Stat(res); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the earlier result is still there: %v", err)
	}
}

// A signal that comes once the storm has ended (while its report is
// written: what a pod's SIGTERM may do) leaves a whole result, and the
// command says so and exits as the storm's verdict says — not 143 with a
// STOP line saying merge refuses a result it takes.
func TestFleetSignalAfterTheStorm(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	out := &cancelOn{prefix: "outcomes", stop: func() { cancel(stopSignal{syscall.SIGTERM}) }}
	var errOut bytes.Buffer
	res := filepath.Join(t.TempDir(), "r.json")
	code := cli(ctx, []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "10", "--out", res}, out, &errOut)
	if code != 0 || strings.Contains(out.buf.String(), "STOP") || !strings.Contains(out.buf.String(), "signal     stopped by SIGTERM after the storm ended: the result is whole") {
		t.Fatalf("exit %d:\n%s%s", code, out.buf.String(), errOut.String())
	}
	var mergeOut bytes.Buffer
	if code := cli(context.Background(), []string{"fleet", "merge", res}, &mergeOut, &errOut); code != 0 {
		t.Errorf("merge of the whole result: exit %d: %s", code, errOut.String())
	}
}

// serve --smdp-listen puts each SM-DP+ where it is asked: two serves run
// one after another with the same flags print the same URLs, so a
// restarted serve takes back a storm whose cards hold them. A bad value
// is refused (2), a port in use is the machine's state (1).
func TestServeSMDPListen(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-download.yaml")
	// Three free ports, held together until all are known: one closed
	// before the next is taken can be handed out again (it was, in CI).
	var held []net.Listener
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, l)
		return l.Addr().String()
	}
	platform, orange, sfr := free(), free(), free()
	for _, l := range held {
		l.Close()
	}
	outDir := t.TempDir() // one for every serve: a restarted one writes its events there again
	serve := func(args ...string) (int, string, string) {
		// Stopped already: serve prints its servers and returns.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var out, errOut bytes.Buffer
		code := cli(ctx, append([]string{"serve", "--scenario", scen, "--out", outDir}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	fixed := []string{"--listen", platform, "--smdp-listen", "orange-fr=" + orange, "--smdp-listen", "sfr=" + sfr}
	var runs []string
	for range 2 {
		code, out, errOut := serve(fixed...)
		if code != 0 {
			t.Fatalf("exit %d: %s%s", code, out, errOut)
		}
		runs = append(runs, out)
	}
	if runs[0] != runs[1] {
		t.Errorf("the second serve printed other addresses:\n%s\nthen\n%s", runs[0], runs[1])
	}
	for _, want := range []string{"--smdp orange-fr=https://" + orange, "--smdp sfr=https://" + sfr} {
		if !strings.Contains(runs[0], want) {
			t.Errorf("serve printed:\n%s\nwant %q", runs[0], want)
		}
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"an unknown operator", []string{"--smdp-listen", "nosuch=" + sfr}, 2,
			`--smdp-listen "nosuch=` + sfr + `": no operator nosuch with an SM-DP+ in the scenario (orange-fr, sfr)`},
		{"no port", []string{"--smdp-listen", "sfr=127.0.0.1"}, 2, `--smdp-listen "sfr=127.0.0.1": want operator=HOST:PORT with a host and a port 1-65535`},
		{"port 0", []string{"--smdp-listen", "sfr=127.0.0.1:0"}, 2, `--smdp-listen "sfr=127.0.0.1:0": want operator=HOST:PORT`},
		{"no operator", []string{"--smdp-listen", sfr}, 2, `--smdp-listen "` + sfr + `": want operator=HOST:PORT`},
		{"given twice", []string{"--smdp-listen", "sfr=" + sfr, "--smdp-listen", "sfr=" + orange}, 2, "--smdp-listen sfr given twice"},
		{"one address for two", []string{"--smdp-listen", "sfr=" + sfr, "--smdp-listen", "orange-fr=" + sfr}, 2,
			"--smdp-listen orange-fr=" + sfr + ": given to sfr too: one server an address"},
		{"the platform's address", []string{"--listen", sfr, "--smdp-listen", "sfr=" + sfr}, 2,
			"--smdp-listen sfr=" + sfr + ": the platform's --listen " + sfr + ": one server an address"},
		{"a port in use", []string{"--smdp-listen", "sfr=" + busy.Addr().String()}, 1,
			"esimhil serve: smdp sfr: listen " + busy.Addr().String() + ": listen tcp " + busy.Addr().String() + ": bind: address already in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := serve(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Contains(out, "flags") {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", code, out, errOut, tc.code, tc.want)
			}
		})
	}
}

// ESIMHIL_PERSONALITY reaches every device of a storm as it reaches a
// run: a built-in name or a personality file; one that does not load is
// one problem before the storm, not a failure a device (outside tester
// sw63, S20f).
func TestFleetPersonalityFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "no-timers.yaml")
	if err := os.WriteFile(file, []byte("name: no-timers\nbase: generic\nno_timer_management: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  string
		code int
		want string
	}{
		{env: filepath.Join(dir, "missing.yaml"), code: 2, want: "ESIMHIL_PERSONALITY=" + filepath.Join(dir, "missing.yaml") + ": personality file: "},
		{env: file, code: 0},
	} {
		t.Setenv("ESIMHIL_PERSONALITY", tc.env)
		var out, errOut bytes.Buffer
		code := cli(context.Background(), []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "3", "--arrive-within", "1m"}, &out, &errOut)
		if code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.env, code, errOut.String(), tc.code, tc.want)
		}
		if tc.code == 2 && strings.Count(errOut.String(), "personality") != 1 {
			t.Errorf("%s: stderr %q: want the problem once", tc.env, errOut.String())
		}
	}
}

// A mistyped number or duration is refused in one line naming the flag,
// what was given and what it wants, then where the flags are listed: not
// Go's "invalid value … parse error" with the whole usage after it
// (outside tester sw116). One out of range is the template's refusal,
// in its words.
func TestFleetFlagTypos(t *testing.T) {
	const hint = "\nesimhil fleet -h for the flags\n"
	for _, tc := range []struct {
		flag, value, want string
	}{
		{"--devices", "1e12", `esimhil fleet: --devices "1e12": want a whole number of devices from 1 to 1000000` + hint},
		{"--devices", "5.5", `esimhil fleet: --devices "5.5": want a whole number of devices from 1 to 1000000` + hint},
		{"--devices", "-3", "esimhil fleet: --devices -3: a fleet needs at least one device\n"},
		{"--devices", "0", "esimhil fleet: --devices 0: a fleet needs at least one device\n"},
		// Empty: an unset variable, said as such (outside tester t198).
		{"--devices", "", `esimhil fleet: --devices "": empty value (an unset variable?); give one, or leave the flag out for its default` + hint},
		{"--devices", "2000000", "esimhil fleet: --devices 2000000: at most 1000000\n"},
		{"--ptys", "1e3", `esimhil fleet: --ptys "1e3": want a whole number of devices on a pty, from 0 to --devices` + hint},
		{"--ptys", "-3", "esimhil fleet: --ptys -3: negative\n"},
		{"--arrive-within", "10", `esimhil fleet: --arrive-within "10": no unit: want a Go duration with a unit, such as 10m or 10s (units h, m, s, ms)` + hint},
		{"--arrive-within", "10x", `esimhil fleet: --arrive-within "10x": want a Go duration with a unit, such as 10m or 1h30m (units h, m, s, ms)` + hint},
		{"--arrive-within", "", `esimhil fleet: --arrive-within "": empty value (an unset variable?); give one, or leave the flag out for its default` + hint},
		{"--dwell", "30", `esimhil fleet: --dwell "30": no unit: want a Go duration with a unit, such as 30m or 30s (units h, m, s, ms)` + hint},
		{"--dwell", "0", "esimhil fleet: --dwell 0s: want more than 0 and at most 168h0m0s (leave it out for 30m0s)\n"},
		{"--give-up-after", "5.5", `esimhil fleet: --give-up-after "5.5": no unit: want a Go duration with a unit, such as 5.5m or 5.5s (units h, m, s, ms)` + hint},
		{"--seed", "1e3", `esimhil fleet: --seed "1e3": want an integer (decimal, 0x… hex or 0o… octal, as in a scenario's seed)` + hint},
	} {
		t.Run(tc.flag+" "+tc.value, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := cli(context.Background(), []string{"fleet", "--scenario-template", fleetTemplate, tc.flag, tc.value}, &out, &errOut)
			if code != 2 || errOut.String() != tc.want || out.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr\n%s\nwant 2 and\n%s", code, out.String(), errOut.String(), tc.want)
			}
		})
	}
	// Every command whose flags parseInterleaved reads says theirs so too.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--seed", "x"}, "esimhil serve: --seed \"x\": want an integer (decimal, 0x… hex or 0o… octal, as in a scenario's seed)\nesimhil serve -h for the flags\n"},
		// Named with what it wants, as --devices is (outside tester t86 F7:
		// "parse error").
		{[]string{"serve", "--max-events-bytes", "abc"}, "esimhil serve: --max-events-bytes \"abc\": want a whole number of bytes, at least 256 (1 GiB: 1073741824)\nesimhil serve -h for the flags\n"},
		{[]string{"serve", "--max-events-bytes", "1e9"}, "esimhil serve: --max-events-bytes \"1e9\": want a whole number of bytes, at least 256 (1 GiB: 1073741824)\nesimhil serve -h for the flags\n"},
		// An unknown flag names the command's usage on its line (outside
		// tester t135 F9: "flag provided but not defined: -outt").
		{[]string{"fleet", "merge", "--outt", "x.json"}, "esimhil fleet merge: unknown flag --outt; usage: esimhil fleet merge [--out FILE] [--accept-unchecked] [--accept-stopped] RESULT.json...\nesimhil fleet merge -h for the flags\n"},
		{[]string{"run", "a.yaml", "--bogus"}, "esimhil run: unknown flag --bogus; usage: esimhil run [--seed N] [--out DIR] [--capture tap|live|auto] [--junit FILE] SCENARIO.yaml...\nesimhil run -h for the flags\n"},
		{[]string{"report", "-bogus"}, "esimhil report: unknown flag --bogus; usage: esimhil report [--out DIR]\nesimhil report -h for the flags\n"},
		// emulate reads its flags as the others do (Go's raw "invalid
		// value … parse error" and the flag dump before).
		{[]string{"emulate", "--speed", "abc"}, "esimhil emulate: --speed \"abc\": want a number\nesimhil emulate -h for the flags\n"},
		{[]string{"emulate", "--bogus"}, "esimhil emulate: unknown flag --bogus; usage: esimhil emulate [--scenario F] [--personality NAME|FILE.yaml] [--state FILE] [--link PATH] [--speed X] [--capture tap|live|auto] [--out DIR]\nesimhil emulate -h for the flags\n"},
		// A stray argument: the command's own usage, not fleet's.
		{[]string{"serve", "x"}, "esimhil serve: unexpected argument \"x\": it takes only flags\nusage: esimhil serve --scenario F [--seed N] [--listen HOST:PORT] [--smdp-listen op=HOST:PORT]... [--ci FILE] [--out DIR] [--max-events-bytes N]\n"},
		{[]string{"emulate", "x", "y"}, "esimhil emulate: unexpected arguments \"x\" and 1 more: it takes only flags\nusage: esimhil emulate [--scenario F] [--personality NAME|FILE.yaml] [--state FILE] [--link PATH] [--speed X] [--capture tap|live|auto] [--out DIR]\n"},
		{[]string{"run", "--seed", "1e3", "x.yaml"}, "esimhil run: --seed \"1e3\": want an integer (decimal, 0x… hex or 0o… octal, as in a scenario's seed)\nesimhil run -h for the flags\n"},
		{[]string{"replay", "--speed", "2", "x"}, "esimhil replay: unknown flag --speed; usage: esimhil replay [--out DIR] [-v] FIXTURE_DIR...\nesimhil replay -h for the flags\n"},
		{[]string{"timeline", "--name"}, "esimhil timeline: --name: its value is missing\nesimhil timeline -h for the flags\n"},
	} {
		var out, errOut bytes.Buffer
		if code := cli(context.Background(), tc.args, &out, &errOut); code != 2 || errOut.String() != tc.want {
			t.Errorf("%q: exit %d, stderr\n%s\nwant 2 and\n%s", tc.args, code, errOut.String(), tc.want)
		}
	}
}

// A shard stopped before its end: merge refuses it, saying how to take it
// anyway, and merge --accept-stopped takes it, saying STOPPED before its
// figures and failing (outside tester t228).
func TestFleetMergeAcceptStopped(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(stopSignal{syscall.SIGTERM}) // before any device
	res := filepath.Join(t.TempDir(), "r.json")
	var out, errOut bytes.Buffer
	if code := cli(ctx, []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "4", "--out", res}, &out, &errOut); code != 143 {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errOut.String())
	}
	// The STOP line at the end gives the counts in the STOPPED line's
	// words, not in words of its own.
	const counts = "0 devices still on at the stop (0 failed with work left, 0 with every step done), 4 never powered on"
	if !strings.Contains(out.String(), "\nSTOPPED    stopped by SIGTERM: these figures are of the part that ran: "+counts+"\n") ||
		!strings.Contains(out.String(), "\nSTOP       stopped by SIGTERM: "+counts+"; ") {
		t.Errorf("the stop's counts:\n%s", out.String())
	}
	out.Reset()
	errOut.Reset()
	if code := cli(context.Background(), []string{"fleet", "merge", res}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "give --accept-stopped") {
		t.Errorf("merge of a stopped result: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	code := cli(context.Background(), []string{"fleet", "merge", "--accept-stopped", res}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "\nSTOPPED    shard 0/1 stopped by SIGTERM: these figures are of the part that ran: 0 devices still on at the stop (0 failed with work left, 0 with every step done), 4 never powered on\n") {
		t.Errorf("merge --accept-stopped: exit %d:\n%s%s", code, out.String(), errOut.String())
	}
}
