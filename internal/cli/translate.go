package cli

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/kerago/kerago/translate"
)

func translateCommand() *command {
	return &command{
		name:     "translate",
		synopsis: "translate SCRIPT.py [-o OUT.go] [--report FILE]",
		summary:  "turn a Python Keras training script into a Go program using kerago",
		raw:      runTranslate,
		help: func(w io.Writer) {
			_ = translate.RunCommand([]string{"-h"}, w, w)
		},
	}
}

// runTranslate runs translate.RunCommand; its command-line mistakes become
// kerago's one usage line (exit status 2).
func runTranslate(_ context.Context, env Env, args []string) error {
	err := translate.RunCommand(args, env.Stdout, env.Stderr)
	if err == nil {
		return nil
	}
	if errors.Is(err, translate.ErrUsage) {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		msg = strings.TrimSuffix(msg, " (kerago translate SCRIPT.py [-o OUT.go] [--report FILE])")
		return usagef("%s", strings.TrimPrefix(msg, "usage: "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "translate: "))
}
