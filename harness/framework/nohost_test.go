package framework

import (
	"runtime"
	"testing"

	"github.com/esimhil/esimhil/harness"
)

// A rig without a host of its own (Options.NoHost) fails a host helper by
// name, not with a nil dereference (t257 met one through ICCID).
func TestHostHelpersWithoutAHost(t *testing.T) {
	for name, helper := range map[string]func(*harness.Rig){
		"ICCID":         func(r *harness.Rig) { ICCID(r) },
		"ServingPLMN":   func(r *harness.Rig) { ServingPLMN(r) },
		"Registrations": func(r *harness.Rig) { Registrations(r) },
	} {
		t.Run(name, func(t *testing.T) {
			got := func() (p any) {
				defer func() { p = recover() }()
				helper(&harness.Rig{})
				return nil
			}()
			// Ginkgo's Fail outside a running spec panics with its
			// own text; a nil dereference is a runtime.Error.
			if _, isRuntime := got.(runtime.Error); isRuntime || got == nil {
				t.Fatalf("got %v, want the spec failed", got)
			}
		})
	}
}
