package applet

// State is the applet's non-volatile state; the helper implementing Step
// replaces this placeholder with the real fields (JSON-serializable).
type State struct{}
