package specs

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/progress"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
)

// The CLI as users run it: built once per suite process.
var (
	buildCLI sync.Once
	cliPath  string
	cliErr   error
)

func cli() string {
	GinkgoHelper()
	buildCLI.Do(func() { cliPath, cliErr = gexec.Build("github.com/esimhil/esimhil/harness/cmd/esimhil") })
	Expect(cliErr).NotTo(HaveOccurred())
	return cliPath
}

var _ = AfterSuite(gexec.CleanupBuildArtifacts)

// start runs the built CLI; the session is killed (by its own pid) if the
// spec leaves it running.
func start(args ...string) *gexec.Session {
	GinkgoHelper()
	return startEnv(nil, args...)
}

// startEnv is start with env added to the child's environment.
func startEnv(env []string, args ...string) *gexec.Session {
	GinkgoHelper()
	cmd := exec.Command(cli(), args...)
	cmd.Env = append(append(os.Environ(), harness.CaptureEnv+"="+string(capture.Tap)), env...)
	s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { s.Kill().Wait(10 * time.Second) })
	return s
}

// writeScenario writes a variant of a fixture for the CLI to load.
// weekScenario writes a week of roaming with a cycle a minute and faults
// that never end: seconds of wall time, long enough to be stopped, killed
// or cut off in the middle.
func weekScenario(dir, name string) string {
	GinkgoHelper()
	return writeScenario(dir, "fault-scoped-to-operator.yaml", name, map[string]string{
		"check_interval: 5m": "check_interval: 1m",
		"{download: eligibility_refused, operator: vodafone-de, until: 1h30m}":  "{download: connection_reset, operator: vodafone-de}",
		"{attach_reject: 15, operator: o2-de, subscriber: o2-de, until: 1h30m}": "{attach_reject: 15, operator: o2-de, subscriber: o2-de}",
		"within: 4h": "within: 168h",
	})
}

func writeScenario(dir, file, name string, edits map[string]string) string {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(framework.Root(), "fixtures", "scenarios", file))
	Expect(err).NotTo(HaveOccurred())
	text := strings.Replace(string(b), "name: "+strings.TrimSuffix(file, ".yaml"), "name: "+name, 1)
	for old, repl := range edits {
		Expect(text).To(ContainSubstring(old))
		text = strings.Replace(text, old, repl, 1)
	}
	path := filepath.Join(dir, name+".yaml")
	Expect(os.WriteFile(path, []byte(text), 0o644)).To(Succeed())
	// The child process runs it with its own seed (no --seed): the seed
	// the spec's JUnit case names.
	sc, err := scenario.Load(path)
	Expect(err).NotTo(HaveOccurred())
	AddReportEntry(report.EntrySeed, sc.Seed, ReportEntryVisibilityNever)
	return path
}

// lastEvent returns the last line of an events.jsonl.
func lastEvent(path string) map[string]any {
	GinkgoHelper()
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var e map[string]any
	Expect(json.Unmarshal([]byte(lines[len(lines)-1]), &e)).To(Succeed(), "a whole JSON line: %q", lines[len(lines)-1])
	return e
}

// soon has esimhil run print its progress every 200 ms, a long
// scenario's "..." lines with it, so that a spec waiting for one to stop
// the run in the middle waits that long, not 2 s.
var soon = []string{progress.EnvEvery + "=200ms"}

// progressLine is the run meter's plain line ("run 0/2 scenarios (0.0%), …").
var progressLine = regexp.MustCompile(`^run \d+/\d+ scenarios `)

// Issue 9 §4: every command stops cleanly on SIGINT and SIGTERM: the run
// in flight ends, what it wrote is flushed and marked incomplete, and the
// exit status says a signal stopped it (128 + its number).
// They run under generic alone (framework.Once): the signal's handling is
// the CLI's and the harness's, whatever dialect the child's modem speaks.
var _ = Describe("Signals", framework.Emulated, framework.Once, func() {
	for _, sig := range []struct {
		name string
		sig  syscall.Signal
		code int
	}{{"SIGINT", syscall.SIGINT, 130}, {"SIGTERM", syscall.SIGTERM, 143}, {"SIGHUP", syscall.SIGHUP, 129}} {
		It("stops `esimhil run` on "+sig.name+" with the artifacts flushed and marked incomplete", func() {
			if sig.sig == syscall.SIGHUP && signal.Ignored(syscall.SIGHUP) {
				// The suite runs under nohup: its children would inherit
				// SIGHUP ignored, which esimhil keeps, as such a process was
				// started to outlive its terminal. Caught here, it is reset
				// to its default in the child at exec.
				signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
			}
			dir := GinkgoT().TempDir()
			// A week of roaming with a cycle a minute: long enough in wall
			// time to be stopped in the middle.
			scen := weekScenario(dir, "long-"+strings.ToLower(sig.name))
			out := filepath.Join(dir, "out")
			s := startEnv(soon, "run", "--out", out, scen, scen)
			Eventually(s.Err, 60*time.Second).Should(gbytes.Say(`\.\.\.   long-\w+: .* of 168h0m0s simulated`), "progress while it runs")
			Expect(s.Command.Process.Signal(sig.sig)).To(Succeed())
			Eventually(s, 20*time.Second).Should(gexec.Exit(sig.code))
			Expect(s.Out).To(gbytes.Say(`STOP  long-\w+ \(seed 1, .* of 168h0m0s simulated\): stopped by ` + sig.name + `; artifacts incomplete`))
			Expect(s.Out).To(gbytes.Say(`SKIP  1 scenario\(s\) not run: stopped by ` + sig.name))
			// The stopped scenario counts as results.json records it: an error.
			Expect(s.Out).To(gbytes.Say(`run 1/2 scenarios \(50\.0%\), 0 failed, 1 error, .*stopped by ` + sig.name + `\n`))

			art := filepath.Join(out, "long-"+strings.ToLower(sig.name))
			reason, err := os.ReadFile(filepath.Join(art, harness.IncompleteFile))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(reason)).To(ContainSubstring("stopped by " + sig.name))
			Expect(lastEvent(filepath.Join(art, harness.EventsFile))).To(And(
				HaveKeyWithValue("event", "run_incomplete"), HaveKeyWithValue("reason", ContainSubstring(sig.name))))
			ex, err := capture.ReadHTTP(filepath.Join(art, harness.TrafficFile))
			Expect(err).NotTo(HaveOccurred(), "the capture is closed and decodes")
			Expect(ex).NotTo(BeEmpty())
			at, err := os.ReadFile(filepath.Join(art, harness.ATLogFile))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(at)).To(ContainSubstring("> AT+CEREG=2"))
		})
	}

	// A reader that goes away (esimhil run … | head -1) stops the run as a
	// signal does: before, Go's runtime killed the process at its next
	// write to the closed pipe, and the verdicts so far were lost from
	// results.json (outside tester sw69).
	It("stops `esimhil run` whose standard output was closed with the verdicts recorded, exit 141", func() {
		dir := GinkgoT().TempDir()
		short := writeScenario(dir, "home-no-request.yaml", "short", nil)
		// The signal specs' week of roaming: seconds of wall time.
		long := weekScenario(dir, "long-pipe")
		out := filepath.Join(dir, "out")
		cmd := exec.Command(cli(), "run", "--out", out, short, long)
		// A plain progress line every 200 ms: the write that finds the
		// pipe closed comes while the long scenario runs.
		cmd.Env = append(append(os.Environ(), harness.CaptureEnv+"="+string(capture.Tap), progress.EnvMode+"=plain"), soon...)
		stdout, err := cmd.StdoutPipe()
		Expect(err).NotTo(HaveOccurred())
		stderr := gbytes.NewBuffer()
		cmd.Stderr = stderr
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() { cmd.Process.Kill() })
		// The meter's plain lines share standard output with the verdicts:
		// under load one may come before the short scenario's verdict.
		lines := bufio.NewReader(stdout)
		first, err := lines.ReadString('\n')
		for err == nil && progressLine.MatchString(first) {
			first, err = lines.ReadString('\n')
		}
		Expect(err).NotTo(HaveOccurred())
		Expect(first).To(HavePrefix("PASS  short "))
		// The long scenario runs once a progress line names it: a close
		// before it started leaves it skipped, not stopped (seen with two
		// suites on the machine's two cores).
		Eventually(stderr, 60*time.Second).Should(gbytes.Say(`\.\.\.   long-pipe: .* of 168h0m0s simulated`), "the long scenario running")
		Expect(stdout.Close()).To(Succeed()) // head -1 exits
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		Eventually(done, 60*time.Second).Should(Receive())
		Expect(cmd.ProcessState.ExitCode()).To(Equal(141), "exit status (-1: killed by a signal)")
		Expect(stderr).To(gbytes.Say("esimhil: standard output closed"))

		entries, err := report.ReadScenarios(filepath.Join(out, report.ScenariosFile))
		Expect(err).NotTo(HaveOccurred())
		Expect(entries).To(HaveLen(2))
		Expect(entries[0].Verdict).To(Equal("pass"))
		Expect(entries[1].Verdict).To(Equal("error"))
		Expect(entries[1].Message).To(Equal("stopped by SIGPIPE (standard output closed); artifacts incomplete"))
		reason, err := os.ReadFile(filepath.Join(out, "long-pipe", harness.IncompleteFile))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(reason)).To(ContainSubstring("stopped by SIGPIPE"))
	})

	// What no handler can catch: the process killed outright (the OOM
	// killer, a CI job's timeout). The run leaves the evidence it had and
	// says it did not finish; the timeline built afterwards says so too.
	It("leaves the AT log, the TLS secrets and an INCOMPLETE marker when `esimhil run` is killed", func() {
		dir := GinkgoT().TempDir()
		scen := weekScenario(dir, "long-kill")
		out := filepath.Join(dir, "out")
		next, err := filepath.Abs(filepath.Join("..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
		Expect(err).NotTo(HaveOccurred())
		s := startEnv(soon, "run", "--out", out, scen, next)
		Eventually(s.Err, 60*time.Second).Should(gbytes.Say(`\.\.\.   long-kill: .* of 168h0m0s simulated`))
		art := filepath.Join(out, "long-kill")
		read := func(name string) func() string {
			return func() string { b, _ := os.ReadFile(filepath.Join(art, name)); return string(b) }
		}
		// On disk while the run goes, not only when it closes.
		Eventually(read(harness.ATLogFile), 10*time.Second).Should(ContainSubstring("> AT+CEREG=2"))
		Eventually(read("traffic.keys"), 10*time.Second).Should(ContainSubstring("CLIENT_RANDOM "))
		Expect(s.Command.Process.Signal(syscall.SIGKILL)).To(Succeed())
		Eventually(s, 20*time.Second).Should(gexec.Exit())
		Expect(read(harness.IncompleteFile)()).To(And(HavePrefix("run not finished: started "), ContainSubstring("if that process is gone")))
		Expect(read("scenario.yaml")()).To(ContainSubstring("name: long-kill"), "the scenario as it ran, kept from the start")
		Expect(read(harness.EventsFile)()).To(ContainSubstring(`"event":"run_started"`))
		results, err := os.ReadFile(filepath.Join(out, report.ScenariosFile))
		Expect(err).NotTo(HaveOccurred(), "results.json is written before each scenario")
		Expect(string(results)).To(And(ContainSubstring(`"name": "long-kill"`), ContainSubstring(`"verdict": "error"`),
			ContainSubstring("not finished: esimhil run was in this scenario when it last wrote this record (it is still running, was killed or crashed")))
		// The scenario it never reached is listed, not missing: under
		// its name, as a run names it, its file in the message.
		Expect(string(results)).To(And(ContainSubstring(`"name": "roam-fr-preinstalled"`), ContainSubstring(`"verdict": "skipped"`),
			ContainSubstring("not run: esimhil run had not reached it when it last wrote this record (it is still running, was killed or crashed"),
			ContainSubstring(next+")")))

		tl := start("timeline", art)
		Eventually(tl, 60*time.Second).Should(gexec.Exit())
		page := read("timeline.html")()
		Expect(page).To(ContainSubstring("its artifacts are incomplete:</b> run not finished"), "the page says the run did not finish")
		// The capture ends mid-block (unless the kill fell exactly on a
		// flush at a block's end): the page says so and shows the
		// exchanges before the cut.
		notes := regexp.MustCompile(`(?s)<div class="banner note">.*?</div>`).FindString(page)
		Expect(strings.Contains(page, "POST /v1/preferred-list · serving ")).To(BeTrue(), "the traffic before the cut; the page's notes: %s", notes)
	})

	It("stops `esimhil emulate` on SIGTERM: link removed, artifacts written, exit 143", func() {
		dir := GinkgoT().TempDir()
		link := filepath.Join(dir, "modem")
		s := start("emulate", "--link", link, "--speed", "60", "--out", filepath.Join(dir, "out"))
		Eventually(s.Out, 30*time.Second).Should(gbytes.Say(`speed     60x`))
		seed := regexp.MustCompile(`(?m)^seed      (-?\d+)$`).FindSubmatch(s.Out.Contents())
		Expect(seed).NotTo(BeNil(), "emulate names its seed")
		n, err := strconv.ParseInt(string(seed[1]), 10, 64)
		Expect(err).NotTo(HaveOccurred())
		AddReportEntry(report.EntrySeed, n, ReportEntryVisibilityNever)
		Eventually(func() error { _, err := os.Lstat(link); return err }).Should(Succeed())
		s.Terminate()
		Eventually(s, 20*time.Second).Should(gexec.Exit(143))
		Expect(s.Out).To(gbytes.Say("stopped by SIGTERM; artifacts in "))
		_, err = os.Lstat(link)
		Expect(os.IsNotExist(err)).To(BeTrue(), "symlink removed")
		Expect(filepath.Join(dir, "out", harness.EventsFile)).To(BeARegularFile())
		Expect(lastEvent(filepath.Join(dir, "out", harness.EventsFile))).To(HaveKey("event"))
	})
})

// cardState is what the spec reads of an emulate --state file: the card's
// NVM image.
type cardState struct {
	Profiles []struct {
		ICCID   string `json:"iccid"`
		Enabled bool   `json:"enabled"`
	} `json:"profiles"`
}

// Issue 9 §5: `emulate --state` writes the card's NVM at every NVM write,
// atomically, so a kill -9 at any step of a download loses nothing the
// card acknowledged; restarted from the file, the card has exactly one
// enabled profile and goes on.
var _ = Describe("State across kill -9", framework.Emulated, func() {
	// The card's own download (roam-fr-download.yaml), arriving in Paris
	// after two simulated minutes; at 600x that is a fifth of a second.
	steps := []string{"download_requested", "eligibility", "download_forwarded", "mutual_auth", "bpp_sent",
		"profile_installed", "notification_sent", "download_result", "profile_enabled", "refresh"}
	for _, step := range steps {
		It("loses nothing acknowledged when killed right after "+step, func() {
			dir := GinkgoT().TempDir()
			scen := writeScenario(dir, "roam-fr-download.yaml", "kill-"+step, map[string]string{
				"check_interval: 5m":       "check_interval: 1m",
				"{at: 1h, area: FR-Paris}": "{at: 2m, area: FR-Paris}",
			})
			state := filepath.Join(dir, "card.json")
			first := filepath.Join(dir, "first")
			s := start("emulate", "--scenario", scen, "--state", state, "--speed", "600", "--out", first)
			events := filepath.Join(first, harness.EventsFile)
			Eventually(func() bool { return hasEvent(events, step) }, 30*time.Second, time.Millisecond).Should(BeTrue())
			s.Kill() // SIGKILL: no clean stop, no flush
			Eventually(s, 10*time.Second).Should(gexec.Exit())

			installed := installedICCIDs(events)
			second := filepath.Join(dir, "second")
			s = start("emulate", "--scenario", scen, "--state", state, "--speed", "600", "--out", second)
			Eventually(s.Out, 30*time.Second).Should(gbytes.Say(`state     .* \(card restored; written at every change\)`))
			// The card resumes: at the latest the next periodic check
			// downloads again and switches, and the device attaches at
			// home on SFR.
			Eventually(func() bool {
				return hasEvent(filepath.Join(second, harness.EventsFile), "attach_result", `"registration":"home"`)
			},
				30*time.Second, 10*time.Millisecond).Should(BeTrue())
			s.Terminate()
			Eventually(s, 20*time.Second).Should(gexec.Exit(143))

			var st cardState
			b, err := os.ReadFile(state)
			Expect(err).NotTo(HaveOccurred())
			Expect(json.Unmarshal(b, &st)).To(Succeed())
			enabled := 0
			have := map[string]bool{}
			for _, p := range st.Profiles {
				have[p.ICCID] = true
				if p.Enabled {
					enabled++
				}
			}
			Expect(enabled).To(Equal(1), "exactly one enabled profile: %s", b)
			for _, id := range installed {
				Expect(have).To(HaveKey(id), "profile %s, installed before the kill, is on the card", id)
			}
			Expect(have).To(HaveKey("89860000000000000019"), "the original is kept")
			Expect(hasEvent(filepath.Join(second, harness.EventsFile), "request_rejected", `"status":401`)).To(BeFalse(),
				"the restarted platform takes the card's requests (its replay counters and the card's agree)")
		})
	}
})

// hasEvent reports whether an events.jsonl being written holds an event of
// that kind (and with every given fragment on its line).
func hasEvent(path, kind string, fragments ...string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
lines:
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `"event":"`+kind+`"`) {
			continue
		}
		for _, f := range fragments {
			if !strings.Contains(line, f) {
				continue lines
			}
		}
		return true
	}
	return false
}

// installedICCIDs lists the profiles the card logged as installed.
func installedICCIDs(path string) []string {
	b, _ := os.ReadFile(path)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil && e["event"] == "profile_installed" {
			out = append(out, e["iccid"].(string))
		}
	}
	return out
}
