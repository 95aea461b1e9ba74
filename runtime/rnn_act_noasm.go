//go:build !amd64 || purego

package runtime

// gateAsm is false: no assembly gate functions on this platform or build.
const gateAsm = false

// sigmoidAVX512 is never called without assembly (gateAsm is false); it
// computes the same values in Go.
func sigmoidAVX512(y, x []float32) { gateForward(gateSigmoid, nil, false, y, x) }

// tanhAVX512 is never called without assembly (gateAsm is false); it
// computes the same values in Go.
func tanhAVX512(y, x []float32) { gateForward(gateTanh, nil, false, y, x) }
