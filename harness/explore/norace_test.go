//go:build !race

package explore

// raceEnabled: this test binary runs under the race detector.
const raceEnabled = false
