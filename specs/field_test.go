package specs

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/replay"
)

// replayNames are the artifact directory names (under field/) the specs
// below replay into, one a spec: a spec that replays a copy of a
// fixture must not share the fixture's, or make run's out/specs/field/<fixture>
// would hold whichever of the two ran last (outside tester sw76 S3).
var replayNames []string

// tamperedCell names the negative spec's replay: the fixture's name and
// what was done to it.
const tamperedCell = "reattach-slower-than-wait.tampered-cell"

// replayFixture replays the fixture in dir into the artifacts directory
// name (under field/ when every spec's are kept), which no other spec of
// this file uses. The replay's run is kept as a rig's is: on failure, or
// always under $ESIMHIL_ARTIFACTS, with its timeline page and its seed,
// directory and page in the report.
func replayFixture(dir, name string) *replay.Result {
	GinkgoHelper()
	run := &framework.OwnRun{Dir: framework.OwnRunDir("field", name)}
	framework.KeepOwnRun(run)
	res, err := replay.Run(dir, replay.Options{Dir: run.Dir})
	Expect(err).NotTo(HaveOccurred())
	run.Seed, run.Personality, run.Simulated = new(res.Seed), res.Personality, res.Simulated
	AddReportEntry("replay", replay.Report(res))
	return res
}

// Field failures are fixtures: each one in fixtures/field is replayed on
// the emulated rig and must show what its manifest expects — the failure
// again (reproduces) or the recording left at the failure and the
// expected outcome instead (fixed).
var _ = Describe("Field failures", framework.Emulated, func() {
	dirs, _ := filepath.Glob(filepath.Join(framework.Root(), "fixtures", "field", "*", field.ManifestFile))
	It("has a corpus of field failures", func() { Expect(len(dirs)).To(BeNumerically(">=", 8)) })
	replayNames = append(replayNames, tamperedCell)
	for _, m := range dirs {
		dir := filepath.Dir(m)
		replayNames = append(replayNames, filepath.Base(dir))
		It("replays as its manifest expects: "+filepath.Base(dir), func() {
			res := replayFixture(dir, filepath.Base(dir))
			Expect(res.OK).To(BeTrue(), "%s\nartifacts in %s", replay.Report(res), res.Dir)
			Expect(res.Plan.Fixture.Manifest.Drafted()).To(BeEmpty(), "a drafted field is still a placeholder")
		})
	}

	It("fails a fixture whose recording the rig no longer follows, at the first divergence, with both sides", func() {
		dir := filepath.Join(GinkgoT().TempDir(), "reattach-slower-than-wait")
		Expect(os.CopyFS(dir, os.DirFS(filepath.Join(framework.Root(), "fixtures", "field", "reattach-slower-than-wait")))).To(Succeed())
		log := filepath.Join(dir, "modemmanager.log")
		b, err := os.ReadFile(log)
		Expect(err).NotTo(HaveOccurred())
		// Back on Orange after the fallback, but on a cell the rig's
		// network does not have there.
		lines := strings.Split(string(b), "\n")
		Expect(lines[47]).To(ContainSubstring(`+CEREG: 5,"3A9B","0000C33D",7`))
		lines[47] = strings.Replace(lines[47], "0000C33D", "0000C33E", 1)
		Expect(os.WriteFile(log, []byte(strings.Join(lines, "\n")), 0o644)).To(Succeed())

		res := replayFixture(dir, tamperedCell)
		Expect(res.OK).To(BeFalse())
		Expect(res.Divergence).NotTo(BeNil())
		Expect(res.Divergence.Src).To(Equal(field.Src{File: "modemmanager.log", Line: 48}))
		report := replay.Report(res)
		Expect(report).To(ContainSubstring("FAIL  reattach-slower-than-wait (expect reproduces)"))
		Expect(report).To(ContainSubstring("the recording, " + dir))
		Expect(report).To(ContainSubstring(">>    48  "))
		Expect(report).To(ContainSubstring("the replay, " + res.Dir))
		// Not the fixture's own replay directory, which its spec's
		// PASS must keep.
		Expect(filepath.Base(res.Dir)).NotTo(Equal("reattach-slower-than-wait"))
	})

	It("gives each replay an artifacts directory of its own", func() {
		seen := map[string]int{}
		for _, n := range replayNames {
			seen[n]++
		}
		for n, c := range seen {
			Expect(c).To(Equal(1), "%d specs replay into field/%s: the last one's artifacts would stand for all", c, n)
		}
	})
})
