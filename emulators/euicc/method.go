package euicc

import "github.com/esimhil/esimhil/emulators/euicc/applet"

// method is what the runtime needs of the hosted applet: the raft-style
// Step from events to effects.
type method interface {
	Step(applet.Event) []applet.Effect
}

// defaultMethod builds the autoswitch applet from its persisted state.
func defaultMethod(cfg applet.Config, st applet.State) method {
	return applet.New(cfg, st)
}
