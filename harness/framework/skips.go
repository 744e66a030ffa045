package framework

import (
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// SkipSummary lists the specs a suite skipped with a reason (a lab that
// lacks what a spec needs, a capture that needs a capability), one line
// each, for the console: Ginkgo's own output shows a skipped spec as an
// "S" and keeps its reason for -v. Specs a label filter left out carry no
// reason and are not listed. "" when there are none.
func SkipSummary(r types.Report) string {
	var b strings.Builder
	n := 0
	for _, s := range r.SpecReports {
		if s.State != types.SpecStateSkipped || s.Failure.Message == "" {
			continue
		}
		n++
		fmt.Fprintf(&b, "  %s\n      %s\n", s.FullText(), s.Failure.Message)
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("skipped %d spec(s), each for a reason:\n%s", n, b.String())
}
