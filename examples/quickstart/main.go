// Command quickstart is the founding Keras program, line for line in Go:
//
//	model = tf.keras.Sequential([
//	    tf.keras.layers.Dense(10, activation='relu', input_shape=(2,)),
//	    tf.keras.layers.Dense(10, activation='relu'),
//	    tf.keras.layers.Dense(2)
//	])
//	model.compile(optimizer='adam', loss='mean_squared_error', metrics=['mse'])
//	model.fit(x_train, y_train, epochs=100)
//	predictions = model.predict(x_test)
//
// It generates its own data: y = (x0 + x1, x0 · x1) for x uniform in [-1, 1].
package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

func data(rng *rand.Rand, n int) (x, y *tensor.Tensor) {
	xs := make([]float32, n*2)
	ys := make([]float32, n*2)
	for i := 0; i < n; i++ {
		a, b := rng.Float32()*2-1, rng.Float32()*2-1
		xs[2*i], xs[2*i+1] = a, b
		ys[2*i], ys[2*i+1] = a+b, a*b
	}
	x, _ = tensor.FromSlice(xs, n, 2)
	y, _ = tensor.FromSlice(ys, n, 2)
	return x, y
}

func main() {
	rng := rand.New(rand.NewPCG(1, 2))
	xTrain, yTrain := data(rng, 1000)
	xTest, yTest := data(rng, 5)

	model, err := keras.NewSequential(
		layers.Dense(10, layers.WithActivation("relu"), layers.WithInputShape(2)),
		layers.Dense(10, layers.WithActivation("relu")),
		layers.Dense(2),
	)
	if err != nil {
		log.Fatal(err)
	}
	if err := model.Compile(keras.CompileConfig{Optimizer: "adam", Loss: "mean_squared_error", Metrics: []any{"mse"}}); err != nil {
		log.Fatal(err)
	}
	if err := model.Summary(os.Stdout); err != nil {
		log.Fatal(err)
	}
	hist, err := model.Fit(context.Background(), xTrain, yTrain, keras.FitConfig{Epochs: 100})
	if err != nil {
		log.Fatal(err)
	}
	predictions, err := model.Predict(xTest)
	if err != nil {
		log.Fatal(err)
	}

	loss := hist.History["loss"]
	fmt.Printf("\nloss: epoch 1 %.4f → epoch %d %.4f\n", loss[0], len(loss), loss[len(loss)-1])
	fmt.Println("predictions (x0+x1, x0·x1) vs truth:")
	p, t := predictions.Data(), yTest.Data()
	for i := 0; i < xTest.Dim(0); i++ {
		fmt.Printf("  x=(% .3f, % .3f)  pred=(% .4f, % .4f)  true=(% .4f, % .4f)\n",
			xTest.Data()[2*i], xTest.Data()[2*i+1], p[2*i], p[2*i+1], t[2*i], t[2*i+1])
	}
}
