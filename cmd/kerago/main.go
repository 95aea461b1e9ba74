// Command kerago runs Keras models in Go: it inspects, converts, trains,
// scores and serves the model files Python Keras users have, with Keras's
// numbers.
//
//	kerago inspect model.h5
//	kerago convert model.h5 model.keras
//	kerago convert model.keras weights/ --format npy-dir
//	kerago predict model.keras --input batch.csv --output out.csv
//	kerago fit design.keras --x x.npy --y y.npy --epochs 50 --output trained.keras --plot loss.png
//	kerago serve --model mlp=model.keras
//
// Run 'kerago help' for the commands and 'kerago help COMMAND' for their
// flags. Install it with:
//
//	go install github.com/kerago/kerago/cmd/kerago@latest
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/kerago/kerago/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], cli.Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Terminal: cli.IsTerminal(os.Stdout),
	})
	stop()
	os.Exit(code)
}
