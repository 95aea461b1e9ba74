package runtime

import (
	"testing"

	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// tapeRun evaluates nodes of g with gorgonia's TapeMachine, binding the
// graph's variables from their Values and the given inputs. The op tests use
// it as a second path (Do instead of the compiled instructions) beside their
// float64 references.
func tapeRun(t testing.TB, g *Graph, inputs map[*G.Node]*tensor.Tensor, nodes []*G.Node) [][]float32 {
	t.Helper()
	for v, n := range g.vars {
		if err := G.Let(n, toGT(v.Value)); err != nil {
			t.Fatal(err)
		}
	}
	for n, v := range inputs {
		if err := G.Let(n, toGT(v)); err != nil {
			t.Fatal(err)
		}
	}
	vm := G.NewTapeMachine(g.g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("TapeMachine: %v", err)
	}
	out := make([][]float32, len(nodes))
	for i, n := range nodes {
		d, _, err := valueData(n.Value())
		if err != nil {
			t.Fatal(err)
		}
		out[i] = append([]float32(nil), d...)
	}
	return out
}
