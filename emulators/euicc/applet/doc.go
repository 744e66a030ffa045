// Package applet is the autoswitch method of the seed patent as a pure state
// machine, in the manner of etcd raft: every input enters through Step as an
// Event, every output leaves as an Effect, and nothing here does I/O or reads
// a clock (time is counted in periodic checks). The card's runtime (package
// euicc) turns effects into proactive commands, ES10 operations and HTTP
// exchanges over BIP, and turns their outcomes back into events.
//
// Where the method stands is one typed Mode (state.go), with one step
// function per mode (modes.go, raft's stepLeader/stepFollower shape):
//
//	idle                  between cycles; the periodic check decides
//	awaiting-list         the preferred-list request is out (claim 2)
//	attempt.enabling      the next operator's profile is being enabled (claim 1)
//	attempt.downloading   … or downloaded, step by step (claim 2, download.go)
//	attempt.await-attach  its attach is judged, bounded by the attach timer (claim 3)
//	fallback.enabling     after a failed attach, a fallback is being enabled
//	fallback.await-attach its attach is awaited; then the list goes on
//
// docs/applet-modes.md is the mode × event table, generated from the step
// functions by TestModeTable, which also fails when a mode other than idle
// could be left waiting without a timer or an answer that surely comes.
//
// A cycle (cycle.go) walks a list of operators: the platform's (roaming,
// claims 1–3), the home profile's (its network is visible again: coming
// home, idle.go) or the card's other profiles (no service on the enabled
// one: rescue). It tries them in order, each once; after a failed attach
// it falls back to the cycle's original — the profile enabled and serving
// when the cycle began — and, when that one cannot attach either, to the
// card's other profiles (fallback.go); then it goes on. Each cycle that
// attempted an operator ends with one outcome, attach-success or
// list-exhausted, owed to the platform once.
// A cycle that ends on a profile whose attach it reported failed (nothing
// left to fall back to) leaves it stranded (stranded.go): its later attach
// is reported attach-success, and its failure is not counted twice.
//
// Beside the mode run small background duties, each with its own state: the
// outbox (outbox.go) delivers the notes owed to the platform, in order, at
// least once, numbered so that a resend is recognised; the retry
// (pending.go) resends the card's SGP.22 pending notifications after a
// reset; the back-off table (backoff.go) keeps failed operators out of an
// area's cycles for a growing number of periods. Every request out is in
// one table keyed by request id (State.InFlight); an answer no request
// awaits is logged as `ignored` with the mode and the reason, and changes
// nothing.
//
// State is persisted through Persist effects before anything that leaves
// the card; DecodeState reads it back (migrating the format before the
// modes) and checks every field, CheckState checks it against the card's
// profiles. Tests: scripts in testdata/*.txt (TestScripts; go test -rewrite
// regenerates their output), tables, a simulator, fuzzing.
package applet
