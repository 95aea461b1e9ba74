package loader

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// benchModel is a Sequential of n Dense(width) layers on a width-wide
// input, compiled with Adam and one step of optimizer state (m, v slots).
func benchModel(n, width int) *Model {
	mc := &ModelConfig{ClassName: "Sequential", Name: "sequential", InputShape: []int{width}, InputName: "input_layer"}
	w := &Weights{Layout: LayoutKeras3}
	st := &OptimizerState{Layout: "keras3", Names: []string{"iteration", "learning_rate"}, Arrays: []*tensor.Tensor{scalar(1), scalar(0.001)}}
	fill := func(shape ...int) *tensor.Tensor {
		t := tensor.Zeros(shape...)
		for i := range t.Data() {
			t.Data()[i] = float32(i%97) / 97
		}
		return t
	}
	for i := 0; i < n; i++ {
		name := "dense"
		if i > 0 {
			name = fmt.Sprintf("dense_%d", i)
		}
		mc.Layers = append(mc.Layers, LayerConfig{ClassName: "Dense", Name: name, Config: map[string]any{"units": width, "activation": "relu"}})
		k, b := fill(width, width), fill(width)
		w.Layers = append(w.Layers, LayerWeights{Name: name, VarNames: []string{"sequential/" + name + "/kernel", "sequential/" + name + "/bias"}, Arrays: []*tensor.Tensor{k, b}})
		for _, p := range []string{"kernel", "bias"} {
			a := k
			if p == "bias" {
				a = b
			}
			for _, s := range []string{"momentum", "velocity"} {
				st.Names = append(st.Names, "sequential_"+name+"_"+p+"_"+s)
				st.Arrays = append(st.Arrays, a)
			}
		}
	}
	return &Model{Config: mc, Weights: w, Optimizer: st,
		Training: &TrainingConfig{Optimizer: &ObjectConfig{ClassName: "Adam", Config: map[string]any{}}, Loss: "mse"}}
}

// BenchmarkSave writes a 4 × Dense(512) model (4.2 MB of weights, 12.6 MB
// with Adam's slots) atomically, fsync included; b.SetBytes counts the
// variables each format stores (the .npz holds no optimizer state).
func BenchmarkSave(b *testing.B) {
	m := benchModel(4, 512)
	var size, optSize int64
	for _, a := range m.Optimizer.Arrays {
		optSize += int64(4 * a.Len())
	}
	for _, l := range m.Weights.Layers {
		for _, a := range l.Arrays {
			size += int64(4 * a.Len())
		}
	}
	for _, f := range []struct {
		name   string
		format Format
	}{{"m.keras", FormatKeras}, {"m.h5", FormatH5}, {"m.weights.h5", FormatWeightsH5}, {"m.npz", FormatNPZ}} {
		b.Run(f.name, func(b *testing.B) {
			p := filepath.Join(b.TempDir(), f.name)
			if f.format == FormatNPZ {
				b.SetBytes(size) // weights only
			} else {
				b.SetBytes(size + optSize)
			}
			for i := 0; i < b.N; i++ {
				if err := Save(p, m, f.format); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
