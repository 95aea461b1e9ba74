package keras

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/tensor"
)

// TestFunctionalBuilder rebuilds the merge_multi_io case with the Go
// functional API (two inputs, every merge layer, two outputs), loads
// Keras's weights in get_weights() order and predicts Keras's outputs.
func TestFunctionalBuilder(t *testing.T) {
	dir := filepath.Join(testdata, "keras-layers", "merge_multi_io")
	a, b := InputNamed("a", 5), InputNamed("b", 5)
	da := layers.Dense(4, layers.WithName("da")).Call(a)
	db := layers.Dense(4, layers.WithName("db")).Call(b)
	merged := []*layers.Node{
		layers.Add().Call(da, db), layers.Subtract().Call(da, db), layers.Multiply().Call(da, db),
		layers.Average().Call(da, db), layers.Maximum().Call(da, db), layers.Minimum().Call(da, db),
		layers.Dot(1, 1, true).Call(da, db),
	}
	c1 := layers.Concatenate(-1).Call(merged...)
	c2 := layers.Concatenate(-1).Call(c1, a)
	cls := layers.Dense(3, layers.WithActivation("softmax"), layers.WithName("cls")).Call(c1)
	reg := layers.Dense(1, layers.WithName("reg")).Call(c2)
	m, err := NewModel([]*layers.Node{a, b}, []*layers.Node{cls, reg})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(m.InputNames(), m.OutputNames(), m.OutputShapes()); got != "[a b] [cls reg] [[3] [1]]" {
		t.Errorf("model %s", got)
	}
	if err := m.SetWeights(readManifest(t, filepath.Join(dir, "weights"))); err != nil {
		t.Fatal(err)
	}
	xs, ys := caseIO(t, dir)
	got, err := m.PredictN(xs...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ys {
		assertClose(t, fmt.Sprintf("output %d", i), got[i], ys[i], 1e-5, 1e-5)
	}
	// auto names follow Keras: add, subtract, ..., concatenate, concatenate_1
	var names []string
	for _, l := range m.Layers() {
		names = append(names, l.Name())
	}
	if got := strings.Join(names, " "); got != "da db add subtract multiply average maximum minimum dot concatenate cls concatenate_1 reg" {
		t.Errorf("layer names %s", got)
	}
}

// TestFunctionalBuilderErrors: a bad call is reported by NewModel with the
// layer and the shapes; outputs must depend only on the given inputs.
func TestFunctionalBuilderErrors(t *testing.T) {
	in := Input(4)
	other := Input(3)
	bad := layers.Add().Call(layers.Dense(2).Call(in), layers.Dense(3).Call(in))
	if _, err := NewModel([]*layers.Node{in}, []*layers.Node{bad}); err == nil || !strings.Contains(err.Error(), "Add") {
		t.Errorf("mismatched Add: %v", err)
	}
	out := layers.Dense(1).Call(other)
	if _, err := NewModel([]*layers.Node{in}, []*layers.Node{out}); err == nil || !strings.Contains(err.Error(), "not among the model's inputs") {
		t.Errorf("foreign input: %v", err)
	}
	shared := layers.Dense(2)
	shared.Call(in)
	if n := shared.Call(other); n.Err() == nil || !strings.Contains(n.Err().Error(), "built for input shape") {
		t.Errorf("shared layer on another shape: %v", n.Err())
	}
}

// ExampleNewModel builds a two-branch model with the functional API.
func ExampleNewModel() {
	in := Input(4)
	h := layers.Dense(8, layers.WithActivation("relu")).Call(in)
	skip := layers.Dense(8).Call(in)
	out := layers.Dense(1).Call(layers.Add().Call(h, skip))
	m, err := NewModel([]*layers.Node{in}, []*layers.Node{out})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.ClassName(), m.InputShapes(), m.OutputShapes(), len(m.Layers()))
	// Output: Functional [[4]] [[1]] 4
}

// TestActivityRegularizer reproduces spec keras-layers.md §9.5's Keras
// oracle: Dense(1, kernel ones, no bias, activity L2(0.1)) on four rows,
// targets 0, MSE: evaluate gives 15.75 + 0.1·(9+49+1+4)/4 = 17.325, and a
// file's activity_regularizer is kept when saved.
func TestActivityRegularizer(t *testing.T) {
	m, err := NewSequential(layers.Dense(1, layers.WithUseBias(false), layers.WithInputShape(2),
		layers.WithKernelInitializer(initializers.Ones()), layers.WithActivityRegularizer(regularizers.L2(0.1))))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: "mse"}); err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.FromRows([][]float32{{1, 2}, {3, 4}, {0, 1}, {1, 1}})
	y := tensor.Zeros(4, 1)
	logs, err := m.Evaluate(x, y, EvaluateConfig{Verbose: Silent, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := logs.Get("loss"); math.Abs(l-17.325) > 1e-5 {
		t.Errorf("loss %v, Keras 17.325", l)
	}
	c := m.Layers()[0].Config()
	if c["activity_regularizer"] == nil {
		t.Errorf("config lost the activity_regularizer: %v", c)
	}
}

// TestFlattenChannelsFirst: Flatten(data_format="channels_first") moves the
// channel axis last before flattening, as Keras 3's Flatten.call does:
// x[c, h, w] lands at (h·W + w)·C + c.
func TestFlattenChannelsFirst(t *testing.T) {
	m, err := NewSequential(layers.Input(2, 2, 3), layers.Flatten(layers.WithDataFormat("channels_first")))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.New(1, 2, 2, 3)
	for i := range x.Data() {
		x.Data()[i] = float32(i)
	}
	y, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 2; c++ {
		for h := 0; h < 2; h++ {
			for w := 0; w < 3; w++ {
				if got, want := y.Data()[(h*3+w)*2+c], float32((c*2+h)*3+w); got != want {
					t.Errorf("out[%d] = %v, want x[%d,%d,%d] = %v", (h*3+w)*2+c, got, c, h, w, want)
				}
			}
		}
	}
}

// TestSingleTensorMethodsOnMultiIO: Predict, Fit and Evaluate of a model
// with several inputs or outputs say which method to use.
func TestSingleTensorMethodsOnMultiIO(t *testing.T) {
	m, err := Load(filepath.Join(testdata, "keras-layers", "merge_multi_io", "model.keras"))
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Zeros(1, 5)
	if _, err := m.Predict(x); err == nil || !strings.Contains(err.Error(), "PredictN") {
		t.Errorf("Predict: %v", err)
	}
	if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: "mse"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(context.Background(), x, tensor.Zeros(1, 3), FitConfig{Verbose: Silent}); err == nil || !strings.Contains(err.Error(), "FitN") {
		t.Errorf("Fit: %v", err)
	}
	if _, err := m.Evaluate(x, tensor.Zeros(1, 3), EvaluateConfig{Verbose: Silent}); err == nil || !strings.Contains(err.Error(), "EvaluateN") {
		t.Errorf("Evaluate: %v", err)
	}
}
