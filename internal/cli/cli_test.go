package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kerago/kerago/loader"
)

func TestParseInterleaved(t *testing.T) {
	cases := []struct {
		args    []string
		pos     []string
		weights string
		format  string
	}{
		{[]string{"in.h5", "out.keras"}, []string{"in.h5", "out.keras"}, "", ""},
		{[]string{"in.json", "--weights", "w/", "out/", "--format", "npy-dir"}, []string{"in.json", "out/"}, "w/", "npy-dir"},
		{[]string{"--format=npz", "a", "b"}, []string{"a", "b"}, "", "npz"},
		{[]string{"a", "--", "--weird-name.keras"}, []string{"a", "--weird-name.keras"}, "", ""},
	}
	for _, c := range cases {
		o := &convertOptions{}
		pos, err := parseInterleaved(newFlagSet("convert", o), c.args)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if !slices.Equal(pos, c.pos) || o.weights != c.weights || o.format != c.format {
			t.Errorf("%v: got %v weights=%q format=%q", c.args, pos, o.weights, o.format)
		}
	}
}

func TestFlagMessages(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"m", "--bogus"}, "unknown flag --bogus"},
		{[]string{"m", "--epochs", "x"}, `--epochs "x": not a valid value`},
		{[]string{"m", "--epochs"}, "flag --epochs needs a value"},
		{[]string{"m", "--shuffle=maybe"}, `--shuffle "maybe": want true, false or batch`},
		{[]string{"m", "--learning-rate", "fast"}, `--learning-rate "fast": want a number`},
	}
	for _, c := range cases {
		_, err := parseInterleaved(newFlagSet("fit", &fitOptions{}), c.args)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		if got := flagMessage(err); got != c.want {
			t.Errorf("%v: %q, want %q", c.args, got, c.want)
		}
	}
}

func TestOutputFormat(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		out, flag string
		want      loader.Format
		err       string
	}{
		{"m.keras", "", loader.FormatKeras, ""},
		{"m.KERAS", "", loader.FormatKeras, ""},
		{"m.h5", "", loader.FormatH5, ""},
		{"m.hdf5", "", loader.FormatH5, ""},
		{"m.weights.h5", "", loader.FormatWeightsH5, ""},
		{"m.json", "", loader.FormatJSON, ""},
		{"m.yml", "", loader.FormatYAML, ""},
		{"m.npz", "", loader.FormatNPZ, ""},
		{"weights/", "", loader.FormatNPYDir, ""},
		{dir, "", loader.FormatNPYDir, ""},
		{"anything", "npy-dir", loader.FormatNPYDir, ""},
		{"m.h5", "weights-h5", loader.FormatWeightsH5, ""},
		{"m.keras", "pickle", "", `--format "pickle": want one of keras, h5, weights-h5, json, yaml, npz, npy-dir`},
		{"model", "", "", "cannot tell the output format"},
	}
	for _, c := range cases {
		got, err := outputFormat(c.out, c.flag)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("outputFormat(%q, %q): err = %v, want %q", c.out, c.flag, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("outputFormat(%q, %q) = %q, %v; want %q", c.out, c.flag, got, err, c.want)
		}
	}
}

func TestMessage(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: "x.npy", Err: fs.ErrNotExist}, "x.npy: file does not exist"},
		{errors.New("loader: model.h5: layer \"lstm_1\" has class \"LSTM\""), "model.h5: layer \"lstm_1\" has class \"LSTM\""},
		{fmt.Errorf("keras: m.h5: layer \"d\": %w", errors.New("loader: bad\nthing")), "m.h5: layer \"d\": bad; thing"},
	}
	for _, c := range cases {
		if got := Message(c.err); got != c.want {
			t.Errorf("Message(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// TestExecute checks the exit statuses and that every failure, a panic
// included, is exactly one line on standard error.
func TestExecute(t *testing.T) {
	cases := []struct {
		name string
		cmd  *command
		code int
		want string
	}{
		{"ok", &command{name: "ok", raw: func(context.Context, Env, []string) error { return nil }}, ExitOK, ""},
		{"error", &command{name: "e", raw: func(context.Context, Env, []string) error { return errors.New("loader: f.h5: broken") }},
			ExitError, "kerago: e: f.h5: broken\n"},
		{"usage", &command{name: "u", raw: func(context.Context, Env, []string) error { return usagef("no\nway") }},
			ExitUsage, "kerago: u: no; way (run 'kerago help u')\n"},
		{"help", &command{name: "h", raw: func(context.Context, Env, []string) error { return flag.ErrHelp }}, ExitOK, ""},
		{"panic", &command{name: "p", raw: func(context.Context, Env, []string) error { panic("index out of range\n[3]") }},
			ExitError, "kerago: p: internal error: index out of range; [3] (please report this with the command line and files)\n"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := execute(context.Background(), Env{Stdout: &out, Stderr: &errb}, c.cmd, nil)
		if code != c.code || errb.String() != c.want {
			t.Errorf("%s: code %d stderr %q; want %d %q", c.name, code, errb.String(), c.code, c.want)
		}
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	// The interface of issue 5, flag by flag.
	want := map[string][]string{
		"inspect": {"--weights W", "--json"},
		"convert": {"--weights W", "--format FORMAT"},
		"predict": {"--weights W", "--input X", "--output Y", "--batch-size N", "--allow-random-weights"},
		"fit": {"--weights W", "--x X", "--y Y", "--output OUT", "--epochs N", "--batch-size N", "--shuffle=BOOL",
			"--seed", "--validation-split F", "--validation-x X", "--validation-y Y", "--optimizer NAME",
			"--learning-rate F", "--loss NAME", "--metrics a,b", "--history H", "--plot P", "--verbose"},
	}
	for name, flags := range want {
		var b bytes.Buffer
		code := Run(context.Background(), []string{"help", name}, Env{Stdout: &b})
		if code != 0 {
			t.Fatalf("help %s: exit %d", name, code)
		}
		for _, f := range flags {
			if !strings.Contains(b.String(), f) {
				t.Errorf("help %s lacks %q:\n%s", name, f, b.String())
			}
		}
		var h bytes.Buffer
		if code := Run(context.Background(), []string{name, "--help"}, Env{Stdout: &h}); code != 0 || h.String() != b.String() {
			t.Errorf("%s --help: exit %d, differs from help %s", name, code, name)
		}
	}
	var b bytes.Buffer
	Run(context.Background(), []string{"help"}, Env{Stdout: &b})
	for _, c := range commands() {
		if !strings.Contains(b.String(), "kerago "+c.synopsis) {
			t.Errorf("help lacks %q", c.synopsis)
		}
	}
}

func TestMustExist(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.h5")
	if err := mustExist(p); err == nil || err.Error() != p+": no such file or directory" {
		t.Fatalf("err = %v", err)
	}
	os.WriteFile(p, nil, 0o644)
	if err := mustExist(p); err != nil {
		t.Fatal(err)
	}
}
