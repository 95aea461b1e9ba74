//go:build amd64 && !purego

package runtime

import "golang.org/x/sys/cpu"

// gateAsm says whether the AVX-512 sigmoid and tanh of rnn_act_amd64.s run
// on this CPU (decided once at start-up; never changed).
var gateAsm = cpu.X86.HasAVX512F

// sigmoidAVX512 computes y[i] = 1/(1+e^−x[i]) for i < len(x); len(y) ≥ len(x).
//
//go:noescape
func sigmoidAVX512(y, x []float32)

// tanhAVX512 computes y[i] = tanh(x[i]) for i < len(x); len(y) ≥ len(x).
//
//go:noescape
func tanhAVX512(y, x []float32)
