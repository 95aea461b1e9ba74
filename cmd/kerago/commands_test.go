package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/cli"
	"github.com/kerago/kerago/internal/cli/datafile"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

func TestHelpAndVersion(t *testing.T) {
	dir := t.TempDir()
	r := ok(t, dir, "help")
	for _, c := range []string{"inspect MODEL", "convert IN", "predict MODEL", "fit MODEL", "serve --model", "translate SCRIPT.py", "version", "help [COMMAND]"} {
		if !strings.Contains(r.stdout, "kerago "+c) {
			t.Errorf("help lacks %q", c)
		}
	}
	if r2 := ok(t, dir, "--help"); r2.stdout != r.stdout {
		t.Errorf("--help differs from help")
	}
	for _, c := range []string{"inspect", "convert", "predict", "fit", "serve", "version"} {
		h := ok(t, dir, "help", c)
		if !strings.Contains(h.stdout, "usage: kerago "+c) {
			t.Errorf("help %s: no usage line:\n%s", c, h.stdout)
		}
	}
	v := ok(t, dir, "version")
	for _, want := range []string{"kerago " + cli.Version, runtime.Version(), "Keras " + loader.KerasVersion} {
		if !strings.Contains(v.stdout, want) {
			t.Errorf("version output %q lacks %q", v.stdout, want)
		}
	}
	// No arguments: the usage on stderr, exit 2.
	r = run(t, dir, "")
	if r.code != 2 || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("no arguments: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, dir, "", "frobnicate")
	if r.code != 2 || r.stderr != "kerago: unknown command \"frobnicate\" (run 'kerago help' for the list)\n" {
		t.Errorf("unknown command: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestInspectSummary checks inspect's table against Keras's own
// model.summary() output quoted in the spec (§6.8).
func TestInspectSummary(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(fixtures, "spec", "summary_dense_64_1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r := ok(t, filepath.Join(fixtures, "spec"), "inspect", "dense_64_1.json")
	if !strings.Contains(r.stdout, "\n"+string(want)) {
		t.Fatalf("inspect output lacks Keras's summary table:\n%s\nwant\n%s", r.stdout, want)
	}
	for _, line := range []string{"Format:   json: model config JSON", "Input:    (None, 4)", "Output:   (None, 1)",
		"Compile config: none", "Stored weights: none"} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("inspect output lacks %q:\n%s", line, r.stdout)
		}
	}
}

// inspectJSON is the part of inspect --json the tests read.
type inspectJSON struct {
	Path         string `json:"path"`
	Format       string `json:"format"`
	KerasVersion string `json:"keras_version"`
	Backend      string `json:"backend"`
	Model        *struct {
		Name        string `json:"name"`
		ClassName   string `json:"class_name"`
		InputShape  []*int `json:"input_shape"`
		OutputShape []*int `json:"output_shape"`
		Layers      []struct {
			Name      string         `json:"name"`
			ClassName string         `json:"class_name"`
			Params    int            `json:"params"`
			Config    map[string]any `json:"config"`
		} `json:"layers"`
		TotalParams     int `json:"total_params"`
		TrainableParams int `json:"trainable_params"`
	} `json:"model"`
	Summary       string `json:"summary"`
	CompileConfig *struct {
		Optimizer *struct {
			ClassName string         `json:"class_name"`
			Config    map[string]any `json:"config"`
		} `json:"optimizer"`
		Loss    any   `json:"loss"`
		Metrics []any `json:"metrics"`
	} `json:"compile_config"`
	OptimizerState *struct {
		Variables int `json:"variables"`
	} `json:"optimizer_state"`
	Weights []struct {
		Layer string `json:"layer"`
		Shape []int  `json:"shape"`
	} `json:"weights"`
}

func inspectJSONOf(t *testing.T, dir string, args ...string) inspectJSON {
	t.Helper()
	r := ok(t, dir, append([]string{"inspect", "--json"}, args...)...)
	var info inspectJSON
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("inspect --json: %v\n%s", err, r.stdout)
	}
	return info
}

// TestInspectKerasFile checks inspect on files Keras 3.15.1 saved: the
// version and backend recorded in the file (keras-cases VERSIONS.json: Keras
// 3.15.1, numpy backend) and the layer facts of the architecture.
func TestInspectKerasFile(t *testing.T) {
	cases := []struct {
		name, dir, file string
		layers          []string
		params          []int
	}{
		{"mlp", "mlp_2_10_10_2", "model.h5", []string{"dense_1", "dense_2", "dense_3"}, []int{2*10 + 10, 10*10 + 10, 10*2 + 2}},
		{"batchnorm", "flatten_bn_first", "model.h5", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(shared, "keras-cases", c.dir)
			info := inspectJSONOf(t, dir, c.file)
			if info.Format != "h5" || info.KerasVersion != "3.15.1" || info.Backend != "numpy" {
				t.Errorf("format %q keras %q backend %q, want h5 3.15.1 numpy", info.Format, info.KerasVersion, info.Backend)
			}
			if info.Model == nil || info.Model.Name != c.dir {
				t.Fatalf("model %+v, want name %q", info.Model, c.dir)
			}
			if !strings.Contains(info.Summary, `Model: "`+c.dir+`"`) {
				t.Errorf("summary %q", info.Summary)
			}
			total := 0
			for i, l := range info.Model.Layers {
				total += l.Params
				if c.layers != nil && (l.Name != c.layers[i] || l.Params != c.params[i]) {
					t.Errorf("layer %d: %s with %d params, want %s with %d", i, l.Name, l.Params, c.layers[i], c.params[i])
				}
				if l.Config == nil {
					t.Errorf("layer %s has no config", l.Name)
				}
			}
			if total != info.Model.TotalParams {
				t.Errorf("total_params %d, layers sum to %d", info.Model.TotalParams, total)
			}
			// The weights the file stores, shape by shape, sum to the same.
			stored := 0
			for _, w := range info.Weights {
				n := 1
				for _, d := range w.Shape {
					n *= d
				}
				stored += n
			}
			if stored != total {
				t.Errorf("stored weights hold %d values, the model %d params", stored, total)
			}
			text := ok(t, dir, "inspect", c.file).stdout
			for _, line := range []string{"Format:   h5: legacy HDF5 full model", "Keras:    3.15.1", "Backend:  numpy", info.Summary} {
				if !strings.Contains(text, line) {
					t.Errorf("inspect text lacks %q:\n%s", line, text)
				}
			}
		})
	}
}

// TestPredict scores Keras's own input batch in every data format and
// compares with Keras's predict output (y.npy), numpy.allclose(1e-5, 1e-5).
func TestPredict(t *testing.T) {
	src := filepath.Join(shared, "keras-cases", "mlp_2_10_10_2")
	dir := t.TempDir()
	copyFile(t, filepath.Join(src, "model.h5"), filepath.Join(dir, "model.h5"))
	copyFile(t, filepath.Join(src, "x.npy"), filepath.Join(dir, "x.npy"))
	x := loadNpy(t, filepath.Join(src, "x.npy"))
	want := loadNpy(t, filepath.Join(src, "y.npy"))

	// The same inputs as CSV with a header, and as an .npz with two arrays.
	var csv strings.Builder
	csv.WriteString("feature_a,feature_b\n")
	if err := datafile.WriteCSV(&csv, x); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "batch.csv"), []byte(csv.String()), 0o644)
	if err := tensor.SaveNpz(filepath.Join(dir, "data.npz"), []string{"x", "y"}, []*tensor.Tensor{x, want}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		args  []string
		stdin string
		out   string // file to read back; "" for standard output
	}{
		{"npy to npy", []string{"--input", "x.npy", "--output", "a.npy"}, "", "a.npy"},
		{"csv with header to csv", []string{"--input", "batch.csv", "--output", "b.csv"}, "", "b.csv"},
		{"npz picks x", []string{"--input", "data.npz", "--output", "c.npz"}, "", "c.npz"},
		{"npz key", []string{"--input", "data.npz:x", "--output", "d.npy", "--batch-size", "7"}, "", "d.npy"},
		{"batch size 1", []string{"--input", "x.npy", "--output", "e.npy", "--batch-size", "1"}, "", "e.npy"},
		{"stdin to stdout", []string{"--input", "-", "--output", "-"}, csv.String(), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, dir, c.stdin, append([]string{"predict", "model.h5"}, c.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var got *tensor.Tensor
			if c.out == "" {
				p := filepath.Join(t.TempDir(), "stdout.csv")
				os.WriteFile(p, []byte(r.stdout), 0o644)
				got = readData(t, p)
			} else {
				got = readData(t, filepath.Join(dir, c.out))
			}
			allclose(t, "predictions vs Keras", got, want, 1e-5, 1e-5)
		})
	}
}

// readData reads a data file as kerago does.
func readData(t *testing.T, path string) *tensor.Tensor {
	t.Helper()
	x, err := datafile.Read(path, "y")
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestErrors runs every subcommand into its error paths: a missing file, an
// unsupported layer (a Lambda), data whose shape does not fit
// the model, bad flags and missing arguments. Each must exit non-zero with
// exactly one clear line on stderr.
func TestErrors(t *testing.T) {
	src := filepath.Join(shared, "keras-cases", "mlp_2_10_10_2")
	dir := t.TempDir()
	copyFile(t, filepath.Join(src, "model.h5"), filepath.Join(dir, "model.h5"))
	copyFile(t, filepath.Join(src, "x.npy"), filepath.Join(dir, "x.npy"))
	copyFile(t, filepath.Join(src, "y.npy"), filepath.Join(dir, "y.npy"))
	// a model with a layer kerago does not run (a Lambda: nothing from a file is executed)
	copyFile(t, filepath.Join(fixtures, "lambda.json"), filepath.Join(dir, "lambda.json"))
	os.WriteFile(filepath.Join(dir, "three.csv"), []byte("a,b,c\n1,2,3\n4,5,6\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "y3.csv"), []byte("1,2\n3,4\n5,6\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "y16x3.csv"), []byte(strings.Repeat("1,2,3\n", 16)), 0o644)
	os.WriteFile(filepath.Join(dir, "text.csv"), []byte("a,b\n1,2\n3,x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "garbage.h5"), []byte("this is not a model"), 0o644)
	fit := func(extra ...string) []string {
		return append([]string{"fit", "model.h5", "--x", "x.npy", "--y", "y.npy", "--output", "out.keras", "--loss", "mse"}, extra...)
	}
	cases := []struct {
		name string
		args []string
		code int
		cmd  string
		want string
	}{
		// missing files
		{"inspect missing", []string{"inspect", "nope.h5"}, 1, "inspect", "nope.h5: no such file or directory"},
		{"inspect missing weights", []string{"inspect", "model.h5", "--weights", "w.h5"}, 1, "inspect", "w.h5: no such file or directory"},
		{"convert missing", []string{"convert", "nope.h5", "out.keras"}, 1, "convert", "nope.h5: no such file or directory"},
		{"predict missing model", []string{"predict", "nope.h5", "--input", "x.npy", "--output", "p.npy"}, 1, "predict", "nope.h5: no such file or directory"},
		{"predict missing input", []string{"predict", "model.h5", "--input", "none.npy", "--output", "p.npy"}, 1, "predict", "none.npy: no such file or directory"},
		{"fit missing x", fit("--x", "none.csv"), 1, "fit", "none.csv: no such file or directory"},
		{"convert into missing dir", []string{"convert", "model.h5", "no/such/out.keras"}, 1, "convert", "directory no/such does not exist"},
		// not a model
		{"inspect garbage", []string{"inspect", "garbage.h5"}, 1, "inspect", "garbage.h5: not a Keras file"},
		// unsupported layer
		{"inspect lambda", []string{"inspect", "lambda.json"}, 1, "inspect", `lambda.json: layer "scale" has class "Lambda"`},
		{"convert lambda", []string{"convert", "lambda.json", "out.keras"}, 1, "convert", `"Lambda"`},
		{"predict lambda", []string{"predict", "lambda.json", "--input", "x.npy", "--output", "p.npy"}, 1, "predict", `"Lambda"`},
		{"fit lambda", []string{"fit", "lambda.json", "--x", "x.npy", "--y", "y.npy", "--output", "o.keras"}, 1, "fit", `"Lambda"`},
		// shape mismatch between model and data
		{"predict 3 columns", []string{"predict", "model.h5", "--input", "three.csv", "--output", "p.csv"}, 1, "predict",
			"three.csv: samples have shape (3,) (3 values), the model expects (2,) (2 values)"},
		{"fit 3 columns", fit("--x", "three.csv"), 1, "fit", "three.csv: samples have shape (3,)"},
		{"fit sample counts", fit("--y", "y3.csv"), 1, "fit", "x.npy has 16 samples but y3.csv has 3"},
		{"fit target width", fit("--y", "y16x3.csv"), 1, "fit", "training on x.npy and y16x3.csv: Fit: y has per-sample shape [3], the model outputs [2]"},
		{"predict non-numeric csv", []string{"predict", "model.h5", "--input", "text.csv", "--output", "p.csv"}, 1, "predict",
			`text.csv: line 3, column 2: "x" is not a number`},
		// bad flags and arguments
		{"unknown flag", []string{"predict", "model.h5", "--bogus"}, 2, "predict", "unknown flag --bogus"},
		{"no input flag", []string{"predict", "model.h5", "--output", "p.csv"}, 2, "predict", "--input is required"},
		{"bad input ext", []string{"predict", "model.h5", "--input", "x.txt", "--output", "p.csv"}, 2, "predict", "--input x.txt: the name must end in .npy, .npz or .csv"},
		{"bad batch size", []string{"predict", "model.h5", "--input", "x.npy", "--output", "p.csv", "--batch-size", "0"}, 2, "predict", "--batch-size 0 must be positive"},
		{"inspect no model", []string{"inspect"}, 2, "inspect", "missing argument: usage: kerago inspect MODEL"},
		{"inspect two models", []string{"inspect", "a", "b"}, 2, "inspect", `unexpected argument "b"`},
		{"convert one arg", []string{"convert", "model.h5"}, 2, "convert", "missing argument"},
		{"convert bad format", []string{"convert", "model.h5", "out", "--format", "onnx"}, 2, "convert", `--format "onnx": want one of keras, h5`},
		{"convert no extension", []string{"convert", "model.h5", "out"}, 2, "convert", `cannot tell the output format from "out"`},
		{"fit no output", []string{"fit", "model.h5", "--x", "x.npy", "--y", "y.npy"}, 2, "fit", "--output is required"},
		{"fit epochs", fit("--epochs", "zero"), 2, "fit", `--epochs "zero": not a valid value`},
		{"fit negative epochs", fit("--epochs", "-3"), 2, "fit", "--epochs -3 must be positive"},
		{"fit shuffle space", fit("--shuffle", "false"), 2, "fit", "write boolean flags with '=', as --shuffle=false"},
		{"fit shuffle value", fit("--shuffle=sometimes"), 2, "fit", `--shuffle "sometimes": want true, false or batch`},
		{"fit split range", fit("--validation-split", "1.5"), 2, "fit", "--validation-split 1.5 must be in [0, 1)"},
		{"fit split and data", fit("--validation-split", "0.2", "--validation-x", "x.npy", "--validation-y", "y.npy"), 2, "fit", "not both"},
		{"fit val-x alone", fit("--validation-x", "x.npy"), 2, "fit", "--validation-x and --validation-y go together"},
		{"fit unknown optimizer", fit("--optimizer", "adamax9"), 2, "fit", `--optimizer "adamax9": unknown optimizer`},
		{"fit unknown loss", fit("--loss", "nope"), 2, "fit", `--loss "nope"`},
		{"fit unknown metric", fit("--metrics", "mse,nope"), 2, "fit", `metric "nope"`},
		{"fit bad learning rate", fit("--learning-rate", "-1"), 2, "fit", "--learning-rate -1 must be a positive number"},
		{"fit uncompiled", []string{"fit", "model.h5", "--x", "x.npy", "--y", "y.npy", "--output", "o.keras"}, 2, "fit", "model.h5 has no compile config: give --loss"},
		{"fit output json", fit("--output", "o.json"), 2, "fit", "would keep only the config"},
		{"fit history ext", fit("--history", "h.txt"), 2, "fit", "--history h.txt: the name must end in .json or .csv"},
		{"fit plot ext", fit("--plot", "p.jpg"), 2, "fit", "--plot p.jpg: the name must end in .png or .svg"},
		{"fit verbose", fit("--verbose", "3"), 2, "fit", `--verbose "3": want 0, 1 or 2`},
		{"fit tiny split", fit("--validation-split", "0.95"), 2, "fit", "--validation-split 0.95 leaves no training or no validation samples out of 16"},
		{"help unknown", []string{"help", "nope"}, 2, "help", `unknown command "nope"`},
		// serve (its own flags and messages; kerago keeps them to one line)
		{"serve unknown flag", []string{"serve", "--bogus"}, 2, "serve", "unknown flag --bogus"},
		{"serve no model", []string{"serve"}, 2, "serve", "no model given"},
		{"serve bad port", []string{"serve", "--model", "m=model.h5", "--port", "x"}, 2, "serve", `--port "x"`},
		{"serve missing", []string{"serve", "--model", "m=nope.keras", "--port", "0"}, 1, "serve", "nope.keras"},
		{"serve lambda", []string{"serve", "--model", "m=lambda.json", "--port", "0"}, 1, "serve", `"Lambda"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, dir, "", c.args...)
			checkOneLine(t, r, c.code, c.cmd, c.want)
		})
	}
	// Nothing was written by the failed commands.
	for _, f := range []string{"out.keras", "o.keras", "p.npy", "p.csv", "o.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("a failed command left %s behind", f)
		}
	}
}
