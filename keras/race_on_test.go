//go:build race

package keras

// raceDetector is true when the tests run under -race (about ten times
// slower): a few heavy checks then cover fewer formats, the full set
// running in the ordinary test run.
const raceDetector = true
