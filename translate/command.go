package translate

import (
	"errors"
	"flag"
	"fmt"
	"github.com/kerago/kerago/internal/atomicfile"
	"io"
	"os"
	"path/filepath"
)

// ErrUsage marks a mistake in the command line of RunCommand (the kerago
// command reports it with exit status 2).
var ErrUsage = errors.New("usage")

// maxScriptBytes bounds the size of a script RunCommand reads.
const maxScriptBytes = 8 << 20

// CommandUsage is the help text of `kerago translate`.
const CommandUsage = `usage: kerago translate SCRIPT.py [-o OUT.go] [--report FILE]

Translates a Python Keras training script into a Go program that does the
same steps with kerago. The program goes to OUT.go (standard output without
-o); the report of untranslated lines ("line N: <code>: <why>") and notes
goes to FILE (standard error without --report).
`

// RunCommand runs `kerago translate SCRIPT.py [-o OUT.go] [--report FILE]`
// (args without the command name): it writes the Go program to OUT.go
// (atomically) or stdout and the report to FILE or stderr. Untranslated
// lines are not an error: they are TODO comments in the program and lines
// of the report. Errors are one line; those of a bad command line wrap
// ErrUsage (errors.Is(err, translate.ErrUsage)). -h prints CommandUsage to
// stdout.
func RunCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("translate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "write the Go program to this file")
	report := fs.String("report", "", "write the report to this file")
	help := fs.Bool("h", false, "show help")
	// allow flags after the script name
	var positional []string
	rest := args
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return fmt.Errorf("%w: %v (kerago translate SCRIPT.py [-o OUT.go] [--report FILE])", ErrUsage, err)
		}
		rest = fs.Args()
		if len(rest) > 0 {
			positional = append(positional, rest[0])
			rest = rest[1:]
		}
	}
	if *help {
		fmt.Fprint(stdout, CommandUsage)
		return nil
	}
	if len(positional) != 1 {
		return fmt.Errorf("%w: need exactly one script, got %d (kerago translate SCRIPT.py [-o OUT.go] [--report FILE])", ErrUsage, len(positional))
	}
	script := positional[0]
	f, err := os.Open(script)
	if err != nil {
		return fmt.Errorf("translate: %w", err)
	}
	src, err := io.ReadAll(io.LimitReader(f, maxScriptBytes+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("translate: %s: %w", script, err)
	}
	if len(src) > maxScriptBytes {
		return fmt.Errorf("translate: %s: larger than %d bytes; this is not a training script", script, maxScriptBytes)
	}
	res, err := Translate(src, Options{ScriptName: filepath.Base(script)})
	if err != nil {
		return err
	}
	if *out == "" {
		if _, err := stdout.Write(res.Go); err != nil {
			return fmt.Errorf("translate: writing the program: %w", err)
		}
	} else if err := writeAtomic(*out, res.Go); err != nil {
		return err
	}
	rep := res.Report(script)
	if *report == "" {
		if _, err := io.WriteString(stderr, rep); err != nil {
			return fmt.Errorf("translate: writing the report: %w", err)
		}
		return nil
	}
	return writeAtomic(*report, []byte(rep))
}

// writeAtomic writes data to path through a temporary file and a rename.
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("translate: writing %s: %w", path, err)
	}
	return nil
}
