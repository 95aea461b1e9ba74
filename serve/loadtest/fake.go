package main

import (
	"math/rand/v2"

	"github.com/kerago/kerago/tensor"
)

// mlp is a 2-10-10-2 relu network in plain float32 Go (the quickstart
// network's shape), for -fake runs that measure the server without a model
// file.
type mlp struct {
	w [3][]float32 // [in][out] row-major
	b [3][]float32
	n [4]int
}

func newMLP() *mlp {
	m := &mlp{n: [4]int{2, 10, 10, 2}}
	rng := rand.New(rand.NewPCG(1, 1))
	for l := 0; l < 3; l++ {
		m.w[l] = make([]float32, m.n[l]*m.n[l+1])
		for i := range m.w[l] {
			m.w[l][i] = rng.Float32()*2 - 1
		}
		m.b[l] = make([]float32, m.n[l+1])
		for i := range m.b[l] {
			m.b[l][i] = rng.Float32()*0.2 - 0.1
		}
	}
	return m
}

func (m *mlp) InputShape() []int  { return []int{2} }
func (m *mlp) OutputShape() []int { return []int{2} }

func (m *mlp) Predict(x *tensor.Tensor) (*tensor.Tensor, error) {
	rows := x.Dim(0)
	out := make([]float32, rows*2)
	h := make([]float32, 10)
	g := make([]float32, 10)
	for r := 0; r < rows; r++ {
		in := x.Data()[r*2 : r*2+2]
		cur := in
		for l, dst := range [][]float32{h, g, out[r*2 : r*2+2]} {
			for j := range dst {
				acc := m.b[l][j]
				for i, v := range cur {
					acc += v * m.w[l][i*m.n[l+1]+j]
				}
				if l < 2 && acc < 0 {
					acc = 0
				}
				dst[j] = acc
			}
			cur = dst
		}
	}
	return tensor.FromSlice(out, rows, 2)
}
