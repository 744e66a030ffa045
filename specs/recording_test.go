package specs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/harness/transport"
	atcodec "github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
)

// Recordings are fixtures: each checked-in one is played against the
// emulator, and a difference the manifest does not accept fails.
var _ = Describe("Recorded modem sessions", framework.Emulated, func() {
	dirs, _ := filepath.Glob(filepath.Join(framework.Root(), "fixtures", "recordings", "*", record.ManifestFile))
	It("has recordings to check", func() { Expect(dirs).NotTo(BeEmpty()) })
	for _, m := range dirs {
		dir := filepath.Dir(m)
		It("matches the emulator: "+filepath.Base(dir), func() {
			ds, rec, err := harness.DiffRecording(dir, "", "", 0)
			Expect(err).NotTo(HaveOccurred())
			for _, d := range ds {
				if d.Accepted == "" {
					AddReportEntry("difference", d.String())
				}
			}
			Expect(record.Unaccepted(ds)).To(BeZero(), "differences not accepted by %s/%s (personality %s)", dir, record.ManifestFile, rec.Manifest.Personality)
		})
	}

	It("round-trips: lab record on the running emulator, then lab diff, finds nothing; an altered line is reported where it is", func() {
		By("recording the probe script through the pty opened as a serial device")
		out, log := recordEmulator("probe-es10.yaml", nil)

		By("lab diff: no difference")
		ds, _, err := harness.DiffRecording(out, "", "", 0)
		Expect(err).NotTo(HaveOccurred())
		Expect(ds).To(BeEmpty())

		By("altering the recorded +CPIN answer: reported at its line")
		lines := log.Lines()
		at := -1
		for i, l := range lines {
			if strings.HasSuffix(l, "< +CPIN: READY") {
				at = i
				lines[i] = strings.Replace(l, "+CPIN: READY", "+CPIN: SIM PIN", 1)
			}
		}
		Expect(at).To(BeNumerically(">=", 0))
		Expect(os.WriteFile(filepath.Join(out, record.LogFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644)).To(Succeed())
		ds, _, err = harness.DiffRecording(out, "", "", 0)
		Expect(err).NotTo(HaveOccurred())
		Expect(ds).To(HaveLen(1))
		Expect(ds[0].Line).To(Equal(at + 1))
		Expect(ds[0].String()).To(HavePrefix("at.log:%d: recorded < +CPIN: SIM PIN", at+1))
		Expect(ds[0].String()).To(HaveSuffix("emulator < +CPIN: READY"))
	})

	It("round-trips a restart: the script waits for the modem on the wall clock, and playback lets virtual time run while it waits", func() {
		// The script awaits RDY; a personality whose modem says something
		// else last on boot is awaited on that; one that says nothing is
		// polled with {ready: 60s} (fixtures/recordings/README.md).
		var last string
		out, log := recordEmulator("restart.yaml", func(p personality.Personality, text []byte) []byte {
			if len(p.BootURCs) == 0 {
				return bytes.Replace(text, []byte("{await: RDY, within: 60s}"), []byte("{ready: 60s}"), 1)
			}
			last = p.BootURCs[len(p.BootURCs)-1]
			return bytes.Replace(text, []byte("{await: RDY,"), []byte("{await: '"+regexp.QuoteMeta(last)+"',"), 1)
		})
		lines := strings.Join(log.Lines(), "\n")
		Expect(lines).NotTo(ContainSubstring("timeout"))
		// The client marks the boot URC it read (at.URCMark); lab diff
		// reports the line without the mark.
		changed, into := "< "+last+atcodec.URCMark, "emulator < "+last
		if last == "" {
			Expect(lines).To(MatchRegexp(`# step 3: ready within 60s\n(?:.*# poll .*\n)+.* # step 3: ready after \d+(?:\.\d+)?s \(\d+ polls?\)\n`),
				"the polls are notes, and the wait is noted")
			Expect(lines).NotTo(MatchRegexp(`(?m)Z [<>] AT$`), "no poll among the lines lab diff compares")
			changed, into = "< +CFUN: 1", "emulator < +CFUN: 1"
		} else {
			pat := regexp.QuoteMeta(regexp.QuoteMeta(last))
			Expect(lines).To(MatchRegexp(`# step 3: await `+pat+` within 60s\n(?:.*\n)*.* < `+regexp.QuoteMeta(last+atcodec.URCMark)+`\n.* # step 3: `+regexp.QuoteMeta(last)+` after \d`),
				"the wait and the boot URC are in the recording")
		}

		By("lab diff: no difference, the boot URCs included and the polls left out")
		ds, _, err := harness.DiffRecording(out, "", "", 0)
		Expect(err).NotTo(HaveOccurred())
		Expect(ds).To(BeEmpty())

		By("a recording whose modem said something else after the restart: reported")
		altered := strings.Replace(lines, changed+"\n", "< SOMETHING ELSE\n", 1)
		Expect(altered).NotTo(Equal(lines))
		Expect(os.WriteFile(filepath.Join(out, record.LogFile), []byte(altered+"\n"), 0o644)).To(Succeed())
		ds, _, err = harness.DiffRecording(out, "", "", 0)
		Expect(err).NotTo(HaveOccurred())
		Expect(ds).To(HaveLen(1))
		Expect(ds[0].String()).To(And(ContainSubstring("recorded < SOMETHING ELSE"), HaveSuffix(into)))
	})

	It("round-trips a command the modem answers after simulated time passes: playback runs the rig while the client waits, the same way every run", func() {
		// AT+COPS=1,2,"20810" takes 2.6 s of lab-home's clock: the
		// attach attempt, then the denial. Recorded on the wall clock at
		// 30x (87 ms) within the client's 5 s, it is answered; in
		// playback nobody advanced the rig for a plain command, and the
		// client timed out on the wall clock, probed, and sent nothing
		// after.
		out, log := recordEmulator("cops-manual.yaml", func(personality.Personality, []byte) []byte {
			return []byte("name: cops-manual\nsteps:\n  - AT+CGMM\n  - AT+COPS=0\n  - AT+COPS=1,2,\"20810\"\n  - AT+CIMI\n  - AT+CSQ\n  - AT+COPS=0\n")
		})
		recorded := strings.Join(log.Lines(), "\n")
		Expect(recorded).To(MatchRegexp(`> AT\+COPS=1,2,"20810"\n.* < \+CME ERROR: \d+\n`), "the denial, answered in time")
		notes := `(?i)timeout|timed out|not sent|no answer|resynchronising|late answer|ATS3\?`
		Expect(recorded).NotTo(MatchRegexp(notes))

		By("lab diff: no difference")
		ds, rec, err := harness.DiffRecording(out, "", "", 0)
		Expect(err).NotTo(HaveOccurred())
		Expect(ds).To(BeEmpty())

		By("playback: the answer on the virtual clock, no timeout, the same lines on two runs")
		p, err := personality.Load(rec.Manifest.Personality)
		Expect(err).NotTo(HaveOccurred())
		s := framework.Load("lab-home.yaml")
		played, err := harness.Playback(s, p, rec.Script)
		Expect(err).NotTo(HaveOccurred())
		text := strings.Join(played, "\n")
		Expect(text).NotTo(MatchRegexp(notes))
		Expect(text).To(MatchRegexp(`:30Z > AT\+COPS=1,2,"20810"\n\S+:32\.6\d*Z < \+CME ERROR: \d+\n`), "the denial 2.6 s after the command")
		Expect(text).To(HaveSuffix("> AT+COPS=0\n" + played[len(played)-1]))
		again, err := harness.Playback(s, p, rec.Script)
		Expect(err).NotTo(HaveOccurred())
		Expect(again).To(Equal(played))
	})

	It("stays in step when a command outlasts its time and the resync's AT too: the emulator answers in order, and every later step gets its own answer", func() {
		// AT+COPS=1,2,"20810" takes 2.6 s of lab-home's clock (the scan,
		// then the denial) and the emulator runs the lines typed meanwhile
		// once it has answered. With 500 ms a command, the client gives
		// up on it, then on the resync's AT (1.5 s in), and probes
		// (ATS3?) before each later step until the modem answers.
		s := framework.Load("lab-home.yaml")
		tmp := GinkgoT().TempDir()
		r, err := harness.NewRig(s, harness.Options{Seed: 1, Dir: filepath.Join(tmp, "emulator"), NoHost: true, Link: filepath.Join(tmp, "modem")})
		Expect(err).NotTo(HaveOccurred())
		b := harness.NewLabBackend(r, 1)
		b.Start()
		DeferCleanup(b.Close)
		port, err := transport.Open(context.Background(), filepath.Join(tmp, "modem"), transport.Config{})
		Expect(err).NotTo(HaveOccurred())
		log := &record.Log{}
		c := atclient.New(port, atclient.WithTrace(log), atclient.WithTimestamps(r.Loop.Now), atclient.WithTimeout(500*time.Millisecond))
		DeferCleanup(c.Close)
		Expect(record.Prepare(c)).To(Succeed())
		script, err := record.ParseScript("cops-slow.yaml", []byte("name: cops-slow\nsteps:\n  - AT+COPS=1,2,\"20810\"\n  - AT+CIMI\n  - AT+CIMI\n  - AT+CIMI\n  - AT+CIMI\n  - AT+CSQ\n"))
		Expect(err).NotTo(HaveOccurred())
		log.Reset()
		Expect(record.Run(c, r.Personality, script, log, record.Wall{AT: c})).To(Succeed())
		text := strings.Join(log.Lines(), "\n")
		Expect(text).To(ContainSubstring("# resync: no answer to AT within 500ms either"), "the resync's AT went unanswered too")
		Expect(text).To(MatchRegexp(`(?m)> ATS3\?\n(?:.*\n)*?.*< (?:\+CME )?ERROR.*\n.*# late answer to AT\+COPS=1,2,"20810" after`),
			"the scan's denial came as a probe waited, filed under it")

		By("each command sent got its own answer: the IMSI, the signal (commands every personality answers)")
		// A command's block is what came until the next line sent: its
		// answer, and a late probe's (noted) before it.
		type exchange struct{ cmd, block string }
		var got []exchange
		lines := log.Lines()
		for i, l := range lines {
			_, cmd, ok := strings.Cut(l, " > ")
			if !ok || cmd == "AT" || cmd == "ATS3?" || strings.HasPrefix(cmd, "AT+COPS") {
				continue
			}
			var block []string
			for _, a := range lines[i+1:] {
				if strings.Contains(a, " > ") {
					break
				}
				if _, ans, ok := strings.Cut(a, " < "); ok {
					block = append(block, ans)
				}
			}
			got = append(got, exchange{cmd, strings.Join(block, "|")})
		}
		Expect(got).NotTo(BeEmpty())
		for _, e := range got {
			Expect(e.block).NotTo(ContainSubstring("ERROR"), "%s took the scan's denial:\n%s", e.cmd, text)
			switch e.cmd {
			case "AT+CIMI":
				Expect(e.block).To(MatchRegexp(`(?:^|\|)\d{15}\|OK$`), "AT+CIMI's answer:\n%s", text)
			case "AT+CSQ":
				Expect(e.block).To(MatchRegexp(`(?:^|\|)\+CSQ: [\d,]+\|OK$`), "AT+CSQ's answer:\n%s", text)
			}
		}
		Expect(got[len(got)-1].cmd).To(Equal("AT+CSQ"), "the last steps were sent")
	})
})

// recordEmulator runs lab record's steps with a script of fixtures/scripts
// against the emulated device of lab-home, through its pty opened as a
// serial device, on the wall clock at 30x, and saves the recording. edit,
// if given, adapts the script's text to the rig's personality (or gives
// the script: the file's text is then ignored).
func recordEmulator(scriptName string, edit func(personality.Personality, []byte) []byte) (dir string, log *record.Log) {
	s := framework.Load("lab-home.yaml")
	tmp := GinkgoT().TempDir()
	r, err := harness.NewRig(s, harness.Options{Seed: 1, Dir: filepath.Join(tmp, "emulator"), NoHost: true, Link: filepath.Join(tmp, "modem")})
	Expect(err).NotTo(HaveOccurred())
	b := harness.NewLabBackend(r, 30)
	b.Start()
	DeferCleanup(b.Close)

	scriptFile := filepath.Join(framework.Root(), "fixtures", "scripts", scriptName)
	text, err := os.ReadFile(scriptFile)
	if edit != nil && os.IsNotExist(err) {
		text, err = nil, nil
	}
	Expect(err).NotTo(HaveOccurred())
	if edit != nil {
		text = edit(r.Personality, text)
	}
	script, err := record.ParseScript(scriptFile, text)
	Expect(err).NotTo(HaveOccurred())
	log = &record.Log{}
	port, err := transport.Open(context.Background(), filepath.Join(tmp, "modem"), transport.Config{})
	Expect(err).NotTo(HaveOccurred())
	c := atclient.New(port, atclient.WithTrace(log), atclient.WithTimestamps(r.Loop.Now))
	DeferCleanup(c.Close)
	Eventually(func() []string {
		rsp, err := c.Command("AT+CEREG?")
		if err != nil {
			return nil
		}
		return rsp.Lines
	}).Should(ContainElement(MatchRegexp(`^\+CEREG: \d,[15]`)), "attached, as a recording's device is")
	Expect(record.Prepare(c)).To(Succeed())
	log.Reset()
	identity, err := record.Record(c, r.Personality, script, log)
	Expect(err).NotTo(HaveOccurred())
	Expect(identity.Text).To(Equal(r.Personality.Model))
	dir = filepath.Join(tmp, "rec")
	scen, _ := filepath.Abs(filepath.Join(framework.Root(), "fixtures", "scenarios", "lab-home.yaml"))
	Expect(record.Save(dir, record.Manifest{Script: script.Name, Modem: "emulator", Personality: r.Personality.Name,
		Identity: identity.Text, Scenario: scen}, text, log.Lines())).To(Succeed())
	return dir, log
}
