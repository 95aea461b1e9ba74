//go:build !amd64 || purego

package runtime

// gateBest is Go: no assembly gate functions on this platform or build.
const gateBest = gateGo

// gateImpls lists the gate implementations: Go only.
func gateImpls() []gateImpl { return []gateImpl{gateGo} }

// sigmoidAVX512 is never called without assembly (gateBest is gateGo); it
// computes the same values in Go.
func sigmoidAVX512(y, x []float32) { gateForward(gateSigmoid, nil, gateGo, y, x) }

// tanhAVX512 is never called without assembly; it computes the same values
// in Go.
func tanhAVX512(y, x []float32) { gateForward(gateTanh, nil, gateGo, y, x) }

// sigmoidAVX2 is never called without assembly; it does nothing, leaving
// every element to the caller's Go loop.
func sigmoidAVX2(y, x []float32) int { return 0 }

// tanhAVX2 is never called without assembly; it does nothing.
func tanhAVX2(y, x []float32) int { return 0 }
