package main

import (
	"errors"

	"github.com/kerago/kerago/serve"
)

// loadKeras loads a Keras model file. (keras.Load is not available yet.)
func loadKeras(path string) (serve.Predictor, error) {
	return nil, errors.New("keras.Load is not available yet: use -fake")
}
