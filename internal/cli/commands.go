package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/kerago/kerago/loader"
)

// options is a command's flag values.
type options interface {
	register(fs *flag.FlagSet)
}

// command is one kerago subcommand.
type command struct {
	name     string
	synopsis string // usage line after "kerago "
	summary  string // one line for the command list
	about    string // what it does, for 'kerago help NAME'
	// args are the positional argument names; a trailing "..." is not used.
	minArgs, maxArgs int
	newOptions       func() options
	// exec runs the command with parsed options and positional arguments.
	exec func(ctx context.Context, env Env, o options, args []string) error
	// raw, when set, receives the arguments unparsed (serve, help).
	raw func(ctx context.Context, env Env, args []string) error
	// help, when set, writes the command's help instead of the generated one.
	help func(w io.Writer)
}

func (c *command) run(ctx context.Context, env Env, args []string) error {
	if c.raw != nil {
		return c.raw(ctx, env, args)
	}
	o := c.newOptions()
	fs := newFlagSet(c.name, o)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeCommandHelp(env.Stdout, c)
			return flag.ErrHelp
		}
		return usagef("%s", flagMessage(err))
	}
	if len(pos) < c.minArgs {
		return usagef("missing argument: usage: kerago %s", strings.Join(strings.Fields(c.synopsis), " "))
	}
	if len(pos) > c.maxArgs {
		extra := pos[c.maxArgs]
		switch strings.ToLower(extra) {
		case "true", "false", "batch":
			return usagef("unexpected argument %q: write boolean flags with '=', as --shuffle=false", extra)
		}
		return usagef("unexpected argument %q: usage: kerago %s", extra, strings.Join(strings.Fields(c.synopsis), " "))
	}
	return c.exec(ctx, env, o, pos)
}

// flagMessage rewrites the flag package's messages for kerago's double-dash
// spelling: "flag provided but not defined: -foo" → "unknown flag --foo".
func flagMessage(err error) string {
	msg := strings.TrimSpace(err.Error())
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + strings.TrimPrefix(rest, "-")
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag --" + strings.TrimPrefix(rest, "-") + " needs a value"
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		// invalid value "x" for flag -epochs: parse error
		if i := strings.Index(rest, " for flag -"); i >= 0 {
			name, why, _ := strings.Cut(rest[i+len(" for flag -"):], ": ")
			why = strings.TrimPrefix(why, "parse error")
			if why == "" {
				why = "not a valid value"
			}
			return "--" + strings.TrimPrefix(name, "-") + " " + rest[:i] + ": " + why
		}
	}
	if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
		if i := strings.Index(rest, " for -"); i >= 0 {
			name, why, _ := strings.Cut(rest[i+len(" for -"):], ": ")
			if why == "" || why == "parse error" {
				why = "want true or false"
			}
			return "--" + strings.TrimPrefix(name, "-") + " " + rest[:i] + ": " + why
		}
	}
	return msg
}

func newFlagSet(name string, o options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if o != nil {
		o.register(fs)
	}
	return fs
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments (kerago convert IN --weights W OUT --format npy-dir).
// Everything after a lone "--" is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i, a := range args {
		if a == "--" {
			rest = args[i+1:]
			args = args[:i]
			break
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return append(pos, rest...), nil
}

// commands returns kerago's subcommands in the order help lists them.
func commands() []*command {
	return []*command{
		inspectCommand(),
		convertCommand(),
		predictCommand(),
		evaluateCommand(),
		fitCommand(),
		serveCommand(),
		translateCommand(),
		{
			name: "version", synopsis: "version", summary: "print kerago's version, its Go version and the Keras version it writes",
			about: "Prints kerago's version, the Go toolchain it was built with, and the keras_version\n" +
				"that the files kerago writes claim.",
			newOptions: func() options { return noOptions{} },
			exec: func(_ context.Context, env Env, _ options, _ []string) error {
				fmt.Fprintf(env.Stdout, "kerago %s\n", Version)
				fmt.Fprintf(env.Stdout, "go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
				fmt.Fprintf(env.Stdout, "writes: Keras %s files\n", loader.KerasVersion)
				return nil
			},
		},
		{
			name: "help", synopsis: "help [COMMAND]", summary: "show the command list, or one command's usage and flags",
			raw: func(_ context.Context, env Env, args []string) error {
				if len(args) == 0 {
					fmt.Fprint(env.Stdout, topUsage())
					return nil
				}
				if len(args) > 1 {
					return usagef("help takes one command name, got %d arguments", len(args))
				}
				c := lookup(args[0])
				if c == nil {
					return usagef("unknown command %q", args[0])
				}
				writeCommandHelp(env.Stdout, c)
				return nil
			},
		},
	}
}

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

type noOptions struct{}

func (noOptions) register(*flag.FlagSet) {}

func topUsage() string {
	var b strings.Builder
	b.WriteString(`kerago runs Keras models in Go with Keras's numbers: it inspects, converts,
trains and serves the files Python Keras users have.

Usage:
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "  kerago %s\n", c.synopsis)
	}
	b.WriteString("\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString(`
MODEL is any model file kerago reads: a .keras archive (or its unzipped
directory), a legacy .h5 full model from Keras 1, 2 or 3, or a to_json()/YAML
config (.json, .yaml) whose weights come with --weights W: a .weights.h5, a
legacy save_weights .h5, an .npz, or a directory of .npy files with
manifest.json. The format is detected from the content.

Data files (X, Y) are .npy, .npz or .csv, one sample per row (the first
dimension). An .npz holding several arrays takes the one named x or y, or
FILE.npz:KEY names it. A CSV's first row is skipped as a header when any
field in it is not a number. "-" reads or writes CSV on standard input/output.

Exit status: 0 on success, 1 when the work failed, 2 for a usage error.
Errors are one line on standard error: "kerago: COMMAND: what went wrong".

Run 'kerago help COMMAND' for a command's flags and an example.
`)
	return b.String()
}

func writeCommandHelp(w io.Writer, c *command) {
	if c.help != nil {
		c.help(w)
		return
	}
	fmt.Fprintf(w, "usage: kerago %s\n\n", c.synopsis)
	if c.about != "" {
		fmt.Fprintf(w, "%s\n", strings.TrimRight(c.about, "\n"))
	}
	if c.newOptions == nil {
		return
	}
	fs := newFlagSet(c.name, c.newOptions())
	var lines [][2]string
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if isBool(f) {
			left += "=BOOL"
		} else if name != "" {
			left += " " + name
		}
		if def := f.DefValue; def != "" && def != "0" && def != "false" && !isBool(f) {
			usage += " (default " + def + ")"
		} else if isBool(f) && def == "true" {
			usage += " (default true)"
		}
		lines = append(lines, [2]string{left, usage})
		width = max(width, len(left))
	})
	if len(lines) > 0 {
		fmt.Fprintf(w, "\nFlags (before, between or after the arguments):\n")
		for _, l := range lines {
			fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
		}
	}
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// shuffleFlag is --shuffle=true|false|batch (Keras's shuffle argument).
type shuffleFlag struct{ mode string }

func (s *shuffleFlag) String() string {
	if s == nil || s.mode == "" {
		return "true"
	}
	return s.mode
}

func (s *shuffleFlag) Set(v string) error {
	switch strings.ToLower(v) {
	case "batch":
		s.mode = "batch"
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want true, false or batch")
	}
	s.mode = strconv.FormatBool(b)
	return nil
}

func (s *shuffleFlag) IsBoolFlag() bool { return true }
