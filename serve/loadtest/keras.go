package main

import "github.com/kerago/kerago/serve"

// loadKeras loads a Keras model file with keras.Load.
func loadKeras(path string) (serve.Predictor, error) {
	return serve.KerasLoader(path)
}
