package bench

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

func uniformTensor(r *rand.Rand, shape ...int) *tensor.Tensor {
	t, _ := tensor.New(shape...)
	for i := range t.Data() {
		t.Data()[i] = r.Float32()
	}
	return t
}

// BenchmarkCNNStep is one training step of the CNN workload of
// ../shared/bench/torch_reference.py: Conv2D(32,3,relu) MaxPool2
// Conv2D(64,3,relu) MaxPool2 Flatten Dense(128,relu) Dense(10,softmax),
// sparse categorical crossentropy, Adam, batch 128 of 28×28×1.
func BenchmarkCNNStep(b *testing.B) {
	m, err := keras.NewSequential(
		layers.Conv2D(32, []int{3}, layers.WithActivation("relu"), layers.WithInputShape(28, 28, 1)),
		layers.MaxPooling2D([]int{2}),
		layers.Conv2D(64, []int{3}, layers.WithActivation("relu")),
		layers.MaxPooling2D([]int{2}),
		layers.Flatten(),
		layers.Dense(128, layers.WithActivation("relu")),
		layers.Dense(10, layers.WithActivation("softmax")),
	)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Compile(keras.CompileConfig{Optimizer: "adam", Loss: "sparse_categorical_crossentropy"}); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	x := uniformTensor(r, 128, 28, 28, 1)
	y, _ := tensor.New(128)
	for i := range y.Data() {
		y.Data()[i] = float32(r.IntN(10))
	}
	if _, err := m.TrainOnBatch(x, y, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.TrainOnBatch(x, y, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchMobileNet(b *testing.B, n int) {
	m, err := keras.Load(filepath.Join("..", "testdata", "keras-layers", "mobilenetv2_teachable", "model.keras"))
	if err != nil {
		b.Fatal(err)
	}
	x := uniformTensor(rand.New(rand.NewPCG(3, 4)), n, 224, 224, 3)
	if _, err := m.PredictWithConfig(x, keras.PredictConfig{BatchSize: n, Verbose: keras.Silent}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.PredictWithConfig(x, keras.PredictConfig{BatchSize: n, Verbose: keras.Silent}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMobileNetV2Predict1 is keras.applications.MobileNetV2(alpha
// 0.35, 224×224×3, 3 classes) nested as Teachable Machine exports it,
// predicting one image.
func BenchmarkMobileNetV2Predict1(b *testing.B) { benchMobileNet(b, 1) }

// BenchmarkMobileNetV2Predict32 predicts 32 images in one batch.
func BenchmarkMobileNetV2Predict32(b *testing.B) { benchMobileNet(b, 32) }
