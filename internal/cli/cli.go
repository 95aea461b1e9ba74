// Package cli is the kerago command: inspect, convert, predict, fit, serve,
// translate, version and help. cmd/kerago calls Run; tests call it in-process too.
//
// Every subcommand prints its results to Env.Stdout and, on failure, exactly
// one line to Env.Stderr: "kerago: COMMAND: what went wrong". Run returns the
// process exit status: 0 on success, 1 when the work failed (a missing or
// malformed file, an unsupported layer, data that does not fit the model),
// 2 for a usage error (an unknown command or flag, a missing argument).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
)

// Version is kerago's version.
const Version = "0.1.0"

// Exit statuses returned by Run.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Env is what a command may touch besides files: its standard streams and
// whether standard output is a terminal (progress bars are shown by
// default only on a terminal).
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Terminal       bool
}

// IsTerminal reports whether f is a character device (a terminal), as
// needed for Env.Terminal.
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// usageError is a mistake in the command line; Run reports it with exit
// status 2 and a pointer to the command's help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// Run runs the kerago command line args (without the program name) and
// returns the exit status. It never panics: a panic inside a command is
// reported as an internal error line.
func Run(ctx context.Context, args []string, env Env) (code int) {
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, topUsage())
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version":
		name = "version"
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(env.Stderr, "kerago: unknown command %q (run 'kerago help' for the list)\n", name)
		return ExitUsage
	}
	return execute(ctx, env, cmd, args[1:])
}

// execute runs one command and turns its outcome into an exit status and,
// on failure, one line on standard error.
func execute(ctx context.Context, env Env, cmd *command, args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(env.Stderr, "kerago: %s: internal error: %s (please report this with the command line and files)\n",
				cmd.name, oneLine(fmt.Sprint(r)))
			if os.Getenv("KERAGO_TRACEBACK") != "" {
				env.Stderr.Write(debug.Stack())
			}
			code = ExitError
		}
	}()
	err := cmd.run(ctx, env, args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.Stderr, "kerago: %s: %s (run 'kerago help %s')\n", cmd.name, oneLine(ue.msg), cmd.name)
		return ExitUsage
	}
	fmt.Fprintf(env.Stderr, "kerago: %s: %s\n", cmd.name, Message(err))
	return ExitError
}

// Message renders err as the one line kerago prints: file-system errors as
// "PATH: reason", without the package prefixes ("loader: ", "keras: ") the
// library's errors carry, newlines folded.
func Message(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) && err == error(pe) {
		return oneLine(pe.Path + ": " + pe.Err.Error())
	}
	msg := err.Error()
	for _, p := range []string{"loader: ", "keras: "} {
		msg = strings.TrimPrefix(msg, p)
		msg = strings.ReplaceAll(msg, ": "+p, ": ")
	}
	return oneLine(msg)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "; ")
}
