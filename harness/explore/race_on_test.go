//go:build race

package explore

// raceDetector says the tests run under -race (make test's unit run).
const raceDetector = true
