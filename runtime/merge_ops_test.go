package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

func constPat(n int, r *rand.Rand) []float32 { return randF32(r, n) }

// TestMergeOps checks every elementwise merge (Keras's order of
// operations) and its gradients against float64 references and finite
// differences, and the executor against the TapeMachine.
func TestMergeOps(t *testing.T) {
	refs := map[MergeKind]func(in [][]float64) []float64{
		MergeAdd:      func(in [][]float64) []float64 { return fold(in, func(a, b float64) float64 { return a + b }) },
		MergeSubtract: func(in [][]float64) []float64 { return fold(in, func(a, b float64) float64 { return a - b }) },
		MergeMultiply: func(in [][]float64) []float64 { return fold(in, func(a, b float64) float64 { return a * b }) },
		MergeMaximum:  func(in [][]float64) []float64 { return fold(in, math.Max) },
		MergeMinimum:  func(in [][]float64) []float64 { return fold(in, math.Min) },
		MergeAverage: func(in [][]float64) []float64 {
			s := fold(in, func(a, b float64) float64 { return a + b })
			for i := range s {
				s[i] /= float64(len(in))
			}
			return s
		},
	}
	for kind, ref := range refs {
		for _, n := range []int{2, 3} {
			if kind == MergeSubtract && n != 2 {
				continue
			}
			t.Run(mergeNames[kind], func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(kind), uint64(n)))
				shapes := make([][]int, n)
				data := make([][]float32, n)
				for i := range shapes {
					shapes[i] = []int{3, 4}
					data[i] = randF32(r, 12)
				}
				c := constPat(12, r)
				run := runOpGraph(t, shapes, data, func([]int) []float32 { return c }, func(g *Graph, ins []*G.Node) (*G.Node, error) {
					return g.Merge(kind, ins...)
				})
				checkOpRun(t, run, data, c, ref)
			})
		}
	}
}

func fold(in [][]float64, f func(a, b float64) float64) []float64 {
	out := append([]float64(nil), in[0]...)
	for _, x := range in[1:] {
		for i := range out {
			out[i] = f(out[i], x[i])
		}
	}
	return out
}

// TestConcatOp joins along the middle axis and checks gradients.
func TestConcatOp(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	shapes := [][]int{{2, 3, 2}, {2, 1, 2}, {2, 2, 2}}
	data := [][]float32{randF32(r, 12), randF32(r, 4), randF32(r, 8)}
	c := constPat(24, r)
	run := runOpGraph(t, shapes, data, func([]int) []float32 { return c }, func(g *Graph, ins []*G.Node) (*G.Node, error) {
		return g.Concat(1, ins...)
	})
	checkOpRun(t, run, data, c, func(in [][]float64) []float64 {
		var out []float64
		for b := 0; b < 2; b++ {
			for k, s := range shapes {
				n := s[1] * s[2]
				out = append(out, in[k][b*n:(b+1)*n]...)
			}
		}
		return out
	})
}

// TestBatchDotAndNormalize checks Keras's Dot(axes=(2, 1)) on (2,3,4) and
// (2,4,5) inputs and Dot(normalize=True) on (2,4) inputs, with gradients.
func TestBatchDotAndNormalize(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	data := [][]float32{randF32(r, 24), randF32(r, 40)}
	c := constPat(30, r)
	run := runOpGraph(t, [][]int{{2, 3, 4}, {2, 4, 5}}, data, func([]int) []float32 { return c }, func(g *Graph, ins []*G.Node) (*G.Node, error) {
		return g.BatchDot(ins[0], ins[1], 2, 1)
	})
	checkOpRun(t, run, data, c, func(in [][]float64) []float64 {
		out := make([]float64, 30)
		for b := 0; b < 2; b++ {
			for i := 0; i < 3; i++ {
				for j := 0; j < 5; j++ {
					for k := 0; k < 4; k++ {
						out[(b*3+i)*5+j] += in[0][(b*3+i)*4+k] * in[1][(b*4+k)*5+j]
					}
				}
			}
		}
		return out
	})
	data = [][]float32{randF32(r, 8), randF32(r, 8)}
	c = constPat(2, r)
	run = runOpGraph(t, [][]int{{2, 4}, {2, 4}}, data, func([]int) []float32 { return c }, func(g *Graph, ins []*G.Node) (*G.Node, error) {
		a, err := g.L2Normalize(ins[0], 1)
		if err != nil {
			return nil, err
		}
		b, err := g.L2Normalize(ins[1], 1)
		if err != nil {
			return nil, err
		}
		return g.BatchDot(a, b, 1, 1)
	})
	checkOpRun(t, run, data, c, func(in [][]float64) []float64 {
		out := make([]float64, 2)
		for b := 0; b < 2; b++ {
			var na, nb, d float64
			for k := 0; k < 4; k++ {
				x, y := in[0][b*4+k], in[1][b*4+k]
				na, nb, d = na+x*x, nb+y*y, d+x*y
			}
			out[b] = d / math.Sqrt(math.Max(na, 1e-14)) / math.Sqrt(math.Max(nb, 1e-14))
		}
		return out
	})
}

// TestNaNThroughPoolingAndMerge: NaN in, NaN out, as Keras's backends
// (tf.nn.max_pool, tf.maximum/minimum, sums): the window or element that
// sees a NaN gives NaN, the others are unaffected.
func TestNaNThroughPoolingAndMerge(t *testing.T) {
	nan := float32(math.NaN())
	x := []float32{1, nan, 3, 4, 5, 6, 7, 8} // (1, 2, 4, 1): windows [1 nan | 3 4] and [5 6 | 7 8]
	for _, maxPool := range []bool{true, false} {
		run := runOpGraph(t, [][]int{{1, 2, 4, 1}}, [][]float32{x}, nil, func(g *Graph, ins []*G.Node) (*G.Node, error) {
			return g.Pool(ins[0], PoolParams{Max: maxPool, Size: []int{2, 2}})
		})
		if v := run.out; !math.IsNaN(float64(v[0])) || math.IsNaN(float64(v[1])) {
			t.Errorf("pool(max=%v) of a window with NaN: %v", maxPool, v)
		}
	}
	for _, kind := range []MergeKind{MergeMaximum, MergeMinimum, MergeAdd, MergeMultiply, MergeAverage} {
		run := runOpGraph(t, [][]int{{1, 2}, {1, 2}}, [][]float32{{nan, 1}, {2, 3}}, nil, func(g *Graph, ins []*G.Node) (*G.Node, error) {
			return g.Merge(kind, ins...)
		})
		if v := run.out; !math.IsNaN(float64(v[0])) || math.IsNaN(float64(v[1])) {
			t.Errorf("%s with a NaN: %v", mergeNames[kind], v)
		}
	}
}
