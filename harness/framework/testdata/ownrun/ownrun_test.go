// Package ownrun is a suite whose specs replay a field fixture, a run
// made without NewRig (framework.KeepOwnRun): one passes, one fails.
// framework_test runs it to see each keep its page and name it in the
// report as a rig's spec does.
package ownrun_test

import (
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/replay"
)

func TestOwnRun(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ownrun")
}

var _ = Describe("A field replay", func() {
	DescribeTable("keeps its run",
		func(name string, fail bool) {
			run := &framework.OwnRun{Dir: framework.OwnRunDir("field", name)}
			framework.KeepOwnRun(run)
			res, err := replay.Run(filepath.Join(framework.Root(), "fixtures", "field", "eg25-echo-runs-on"), replay.Options{Dir: run.Dir})
			Expect(err).NotTo(HaveOccurred())
			run.Seed, run.Personality, run.Simulated = new(res.Seed), res.Personality, res.Simulated
			Expect(fail).To(BeFalse(), "failed on purpose")
		},
		Entry("passing", "passing", false),
		Entry("failing", "failing", true),
	)
})
