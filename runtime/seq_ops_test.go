package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

func TestEmbeddingOp(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 3))
	table := randF32(r, 5*3)
	ids := []float32{0, 4, 2, 2, 1, 0}
	c := randF32(r, 2*3*3)
	res := runOpGraphWRT(t, [][]int{{5, 3}, {2, 3}}, [][]float32{table, ids}, func([]int) []float32 { return c }, 1,
		func(g *Graph, in []*G.Node) (*G.Node, error) { return g.Embedding(in[0], in[1]) })
	checkOpRun(t, res, [][]float32{table, ids}, c, func(in [][]float64) []float64 {
		var y []float64
		for _, id := range in[1] {
			y = append(y, in[0][int(id)*3:int(id)*3+3]...)
		}
		return y
	})
	// out-of-range and fractional ids give NaN rows, never another row
	bad := runOpGraphWRT(t, [][]int{{5, 3}, {1, 3}}, [][]float32{table, {5, -1, 1.5}}, nil, 0,
		func(g *Graph, in []*G.Node) (*G.Node, error) { return g.Embedding(in[0], in[1]) })
	for i, v := range bad.out {
		if !math.IsNaN(float64(v)) {
			t.Fatalf("bad id gave %v at %d, want NaN", v, i)
		}
	}
}

func TestStepMaskOps(t *testing.T) {
	// Masking(mask_value=0) on [[1,2],[0,0],[0,3]]: steps 0 and 2 kept
	x := []float32{1, 2, 0, 0, 0, 3}
	res := runOpGraphWRT(t, [][]int{{1, 3, 2}}, [][]float32{x}, nil, 0,
		func(g *Graph, in []*G.Node) (*G.Node, error) { return g.StepMask(in[0], 0) })
	closeSlices(t, "Masking mask", res.out, []float32{1, 0, 1}, 0, 0)
	ids := runOpGraphWRT(t, [][]int{{2, 3}}, [][]float32{{3, 0, 0, 0, 7, 1}}, nil, 0,
		func(g *Graph, in []*G.Node) (*G.Node, error) { return g.StepMask(in[0], 0) })
	closeSlices(t, "mask_zero mask", ids.out, []float32{1, 0, 0, 0, 1, 1}, 0, 0)
	r := rand.New(rand.NewPCG(1, 2))
	xv := randF32(r, 2*4*3)
	m := []float32{1, 0, 1, 1, 0, 0, 1, 0}
	c := randF32(r, 2*4*3)
	app := runOpGraphWRT(t, [][]int{{2, 4, 3}, {2, 4}}, [][]float32{xv, m}, func([]int) []float32 { return c }, 1,
		func(g *Graph, in []*G.Node) (*G.Node, error) { return g.ApplyStepMask(in[0], in[1]) })
	checkOpRun(t, app, [][]float32{xv, m}, c, func(in [][]float64) []float64 {
		y := make([]float64, len(in[0]))
		for i := range y {
			y[i] = in[0][i] * in[1][i/3]
		}
		return y
	})
}
