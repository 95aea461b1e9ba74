//go:build amd64 && !purego

package runtime

import "golang.org/x/sys/cpu"

// gateBest is the fastest gate implementation this CPU runs: the AVX-512
// loops of rnn_act_amd64.s, the AVX2+FMA ones of rnn_act_avx2_amd64.s, or
// Go (decided once at start-up; never changed).
var gateBest = gateImpls()[len(gateImpls())-1]

// gateImpls lists the gate implementations this CPU runs, slowest first.
func gateImpls() []gateImpl {
	impls := []gateImpl{gateGo}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		impls = append(impls, gateAVX2)
	}
	if cpu.X86.HasAVX512F {
		impls = append(impls, gateAVX512)
	}
	return impls
}

// sigmoidAVX512 computes y[i] = 1/(1+e^−x[i]) for i < len(x); len(y) ≥ len(x).
//
//go:noescape
func sigmoidAVX512(y, x []float32)

// tanhAVX512 computes y[i] = tanh(x[i]) for i < len(x); len(y) ≥ len(x).
//
//go:noescape
func tanhAVX512(y, x []float32)

// sigmoidAVX2 computes y[i] = 1/(1+e^−x[i]) for the first len(x)&^7
// elements and returns how many it did.
//
//go:noescape
func sigmoidAVX2(y, x []float32) int

// tanhAVX2 computes y[i] = tanh(x[i]) for the first len(x)&^7 elements and
// returns how many it did.
//
//go:noescape
func tanhAVX2(y, x []float32) int
