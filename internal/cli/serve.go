package cli

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/serve"
)

func serveCommand() *command {
	return &command{
		name:     "serve",
		synopsis: "serve --model NAME=PATH [--model NAME[@VERSION]=PATH ...] [--port 8501] [flags]",
		summary:  "serve models over TensorFlow Serving's REST API",
		raw: func(ctx context.Context, env Env, args []string) error {
			err := serve.RunCommand(ctx, args, env.Stdout, env.Stderr, loadPredictor)
			if err == nil {
				return nil
			}
			msg := strings.TrimPrefix(err.Error(), "serve: ")
			if strings.Contains(msg, "flag provided but not defined") || strings.HasPrefix(msg, "no model given") ||
				strings.HasPrefix(msg, "unexpected argument") || strings.Contains(msg, "invalid value") {
				return usagef("%s", msg)
			}
			return errors.New(msg)
		},
		help: func(w io.Writer) {
			// serve prints its own usage for -h and returns nil.
			_ = serve.RunCommand(context.Background(), []string{"-h"}, w, w, nil)
		},
	}
}

// loadPredictor loads a model for kerago serve.
func loadPredictor(path string) (serve.Predictor, error) {
	m, err := keras.Load(path)
	if err != nil {
		return nil, err
	}
	return m, nil
}
