package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/cli/history"
	"github.com/kerago/kerago/tensor"
)

// fitRef is the part of a fit-refs history.json the tests use.
type fitRef struct {
	Keras          string               `json:"keras"`
	Backend        string               `json:"backend"`
	Epochs         int                  `json:"epochs"`
	BatchSize      int                  `json:"batch_size"`
	Shuffle        bool                 `json:"shuffle"`
	FitKwargs      map[string]any       `json:"fit_kwargs"`
	Optimizer      map[string]any       `json:"optimizer"`
	OptimizerClass string               `json:"optimizer_class"`
	Loss           string               `json:"loss"`
	History        map[string][]float64 `json:"history"`
	VarNames       []string             `json:"var_names"`
}

func readFitRef(t *testing.T, dir string) fitRef {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r fitRef
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func dtypePolicy() map[string]any {
	return map[string]any{"module": "keras", "class_name": "DTypePolicy", "config": map[string]any{"name": "float32"}, "registered_name": nil}
}

func denseConfig(name string, units int, activation string, inputs int) map[string]any {
	return map[string]any{
		"module": "keras.layers", "class_name": "Dense", "registered_name": nil,
		"config": map[string]any{
			"name": name, "trainable": true, "dtype": dtypePolicy(),
			"units": units, "activation": activation, "use_bias": true,
			"kernel_initializer": map[string]any{"module": "keras.initializers", "class_name": "GlorotUniform",
				"config": map[string]any{"seed": nil, "input_axes": nil, "output_axes": nil}, "registered_name": nil},
			"bias_initializer": map[string]any{"module": "keras.initializers", "class_name": "Zeros",
				"config": map[string]any{}, "registered_name": nil},
			"kernel_regularizer": nil, "bias_regularizer": nil, "kernel_constraint": nil, "bias_constraint": nil,
			"quantization_config": nil,
		},
		"build_config": map[string]any{"input_shape": []any{nil, inputs}},
	}
}

// foundingConfig is the founding model — Dense(10, relu) → Dense(10, relu)
// → Dense(2) on 2 inputs, layers named dense_1..dense_3 as in fit-refs — in
// the form of Keras 3's model.to_json() (spec §1.1.1), compiled as compile
// says (Keras's compile_config).
func foundingConfig(compile map[string]any) map[string]any {
	return map[string]any{
		"module": "keras", "class_name": "Sequential", "registered_name": nil,
		"config": map[string]any{
			"name": "sequential", "trainable": true, "dtype": dtypePolicy(),
			"layers": []any{
				map[string]any{"module": "keras.layers", "class_name": "InputLayer", "registered_name": nil,
					"config": map[string]any{"batch_shape": []any{nil, 2}, "dtype": "float32", "sparse": false,
						"ragged": false, "name": "input_layer", "optional": false}},
				denseConfig("dense_1", 10, "relu", 2),
				denseConfig("dense_2", 10, "relu", 10),
				denseConfig("dense_3", 2, "linear", 10),
			},
			"build_input_shape": []any{nil, 2},
		},
		"build_config":   map[string]any{"input_shape": []any{nil, 2}},
		"compile_config": compile,
	}
}

// compileConfig is Keras 3's compile_config for an optimizer get_config().
func compileConfig(class string, optimizer map[string]any, loss string) map[string]any {
	return map[string]any{
		"optimizer": map[string]any{"module": "keras.optimizers", "class_name": class, "config": optimizer, "registered_name": nil},
		"loss":      loss, "loss_weights": nil, "metrics": nil, "weighted_metrics": nil,
		"run_eagerly": false, "steps_per_execution": 1, "jit_compile": false,
	}
}

// writeJSON writes v as JSON to path.
func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeNpyDir writes arrays as an npy directory in the layout of
// keras-cases/*/weights for the model named model.
func writeNpyDir(t *testing.T, dir, model string, varNames []string, arrays []*tensor.Tensor) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var entries []manifestEntry
	for i, v := range varNames {
		path := model + "/" + strings.ReplaceAll(v, "__", "/")
		file := fmt.Sprintf("%02d_%s.npy", i, strings.ReplaceAll(path, "/", "__"))
		if err := tensor.SaveNpy(filepath.Join(dir, file), arrays[i]); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, manifestEntry{Index: i, Path: path, Name: path[strings.LastIndexByte(path, '/')+1:],
			Shape: arrays[i].Shape(), DType: "float32", Trainable: true, File: file})
	}
	writeJSON(t, filepath.Join(dir, "manifest.json"), entries)
}

// refArrays reads fit-refs weights (init/ or final/) in var_names order.
func refArrays(t *testing.T, dir string, varNames []string) []*tensor.Tensor {
	t.Helper()
	var out []*tensor.Tensor
	for i, v := range varNames {
		out = append(out, loadNpy(t, filepath.Join(dir, fmt.Sprintf("%02d_%s.npy", i, v))))
	}
	return out
}

// prepareFitRef builds a compiled founding model from a fit-refs case's
// initial weights, with kerago convert, and copies the training data.
func prepareFitRef(t *testing.T, src, dir string) fitRef {
	t.Helper()
	ref := readFitRef(t, src)
	writeJSON(t, filepath.Join(dir, "config.json"), foundingConfig(compileConfig(ref.OptimizerClass, ref.Optimizer, ref.Loss)))
	writeNpyDir(t, filepath.Join(dir, "init"), "sequential", ref.VarNames, refArrays(t, filepath.Join(src, "init"), ref.VarNames))
	copyFile(t, filepath.Join(src, "x.npy"), filepath.Join(dir, "x.npy"))
	copyFile(t, filepath.Join(src, "y.npy"), filepath.Join(dir, "y.npy"))
	ok(t, dir, "convert", "config.json", "--weights", "init", "model.keras")
	return ref
}

// TestFitRefs trains each Keras reference run with kerago fit — same
// initial weights, epochs, batch size, no shuffling, the same validation
// split — and compares the history (per-epoch losses within 1e-5 relative)
// and the final weights (numpy.allclose(1e-5, 1e-5)) with Keras's.
func TestFitRefs(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(shared, "fit-refs", "fit_*", "history.json"))
	if err != nil || len(cases) < 4 {
		t.Fatalf("fit-refs fixtures missing: %v %v", cases, err)
	}
	for _, h := range cases {
		src := filepath.Dir(h)
		if _, err := os.Stat(filepath.Join(src, "fit.json")); err == nil {
			continue // Keras-saved layout: TestKerasFitRefs
		}
		t.Run(filepath.Base(src), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ref := prepareFitRef(t, src, dir)
			if ref.Shuffle {
				t.Fatalf("reference run shuffled; kerago cannot reproduce NumPy's permutation")
			}
			info := inspectJSONOf(t, dir, "model.keras")
			if info.CompileConfig == nil || info.CompileConfig.Optimizer == nil ||
				info.CompileConfig.Optimizer.ClassName != ref.OptimizerClass || info.CompileConfig.Loss != ref.Loss {
				t.Fatalf("model.keras compile config %+v, want %s / %s", info.CompileConfig, ref.OptimizerClass, ref.Loss)
			}
			args := []string{"fit", "model.keras", "--x", "x.npy", "--y", "y.npy", "--output", "trained.keras",
				"--epochs", fmt.Sprint(ref.Epochs), "--batch-size", fmt.Sprint(ref.BatchSize), "--shuffle=false",
				"--history", "history.json"}
			for k, v := range ref.FitKwargs {
				switch k {
				case "validation_split":
					args = append(args, "--validation-split", fmt.Sprint(v))
				default:
					t.Fatalf("fit argument %s=%v not mapped to a kerago flag", k, v)
				}
			}
			ok(t, dir, args...)

			got, err := history.ReadJSON(filepath.Join(dir, "history.json"))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Epoch) != ref.Epochs || got.Epoch[0] != 0 || got.Epoch[ref.Epochs-1] != ref.Epochs-1 {
				t.Errorf("epochs %v, want 0..%d", got.Epoch, ref.Epochs-1)
			}
			keys := slices.Sorted(maps.Keys(ref.History))
			if !slices.Equal(slices.Sorted(maps.Keys(got.Values)), keys) {
				t.Fatalf("history keys %v, want %v", got.Keys, keys)
			}
			for _, k := range keys {
				for e, want := range ref.History[k] {
					g := got.Values[k][e]
					if math.Abs(g-want) > 1e-5*math.Abs(want) {
						t.Errorf("%s epoch %d: %.9g, Keras %.9g (rel %.2g)", k, e+1, g, want, math.Abs(g-want)/math.Abs(want))
					}
				}
			}

			ok(t, dir, "convert", "trained.keras", "final", "--format", "npy-dir")
			entries, final := readNpyDir(t, filepath.Join(dir, "final"))
			want := refArrays(t, filepath.Join(src, "final"), ref.VarNames)
			if len(final) != len(want) {
				t.Fatalf("%d variables, want %d", len(final), len(want))
			}
			for i := range want {
				allclose(t, entries[i].Path, final[i], want[i], 1e-5, 1e-5)
			}
		})
	}
}

// TestFitOptions covers the flags around training: overrides of the compile
// config, validation data from files, history CSV, plots, verbosity, and
// resuming from the optimizer state a saved model carries.
func TestFitOptions(t *testing.T) {
	src := filepath.Join(shared, "fit-refs", "fit_adam_mse")
	dir := t.TempDir()
	prepareFitRef(t, src, dir)
	x := loadNpy(t, filepath.Join(dir, "x.npy"))
	y := loadNpy(t, filepath.Join(dir, "y.npy"))
	if err := tensor.SaveNpz(filepath.Join(dir, "data.npz"), []string{"x", "y"}, []*tensor.Tensor{x, y}); err != nil {
		t.Fatal(err)
	}
	base := []string{"fit", "model.keras", "--x", "x.npy", "--y", "y.npy", "--shuffle=false"}

	t.Run("plot", func(t *testing.T) {
		r := ok(t, dir, append(base, "--epochs", "5", "--validation-split", "0.2", "--metrics", "mae",
			"--output", "p.keras", "--plot", "loss.png", "--history", "h.csv")...)
		if r.stdout != "" {
			t.Errorf("piped fit printed %q; it should stay quiet without --verbose", r.stdout)
		}
		f, err := os.Open(filepath.Join(dir, "loss.png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 250 {
			t.Errorf("plot is %dx%d", b.Dx(), b.Dy())
		}
		csv, _ := os.ReadFile(filepath.Join(dir, "h.csv"))
		lines := strings.Split(strings.TrimSuffix(string(csv), "\r\n"), "\r\n")
		if len(lines) != 6 || lines[0] != "epoch,loss,mae,val_loss,val_mae" || !strings.HasPrefix(lines[5], "4,") {
			t.Errorf("history CSV:\n%s", csv)
		}
	})

	t.Run("overrides", func(t *testing.T) {
		ok(t, dir, append(base, "--epochs", "2", "--optimizer", "sgd", "--learning-rate", "0.01", "--loss", "mae",
			"--metrics", "mse", "--validation-x", "data.npz", "--validation-y", "data.npz", "--history", "o.json",
			"--output", "o.keras")...)
		info := inspectJSONOf(t, dir, "o.keras")
		c := info.CompileConfig
		if c == nil || c.Optimizer.ClassName != "SGD" || c.Loss != "mae" || len(c.Metrics) != 1 || c.Metrics[0] != "mse" {
			t.Fatalf("compile config %+v", c)
		}
		// Keras stores the learning rate as a float32 variable.
		if lr := c.Optimizer.Config["learning_rate"]; lr != float64(float32(0.01)) {
			t.Errorf("learning_rate %v, want float32(0.01) = %v", lr, float64(float32(0.01)))
		}
		h, err := history.ReadJSON(filepath.Join(dir, "o.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(h.Keys, []string{"loss", "mse", "val_loss", "val_mse"}) {
			t.Errorf("history keys %v", h.Keys)
		}
	})

	t.Run("verbose", func(t *testing.T) {
		r := ok(t, dir, append(base, "--epochs", "3", "--verbose", "2", "--output", "v.keras")...)
		if strings.Count(r.stdout, "Epoch ") != 3 || strings.Count(r.stdout, "4/4 - ") != 3 || !strings.Contains(r.stdout, "Epoch 3/3\n") ||
			!strings.Contains(r.stdout, " - loss: ") {
			t.Errorf("--verbose 2 printed:\n%s", r.stdout)
		}
		r = ok(t, dir, append(base, "--epochs", "1", "--verbose", "1", "--output", "v.keras")...)
		if !strings.Contains(r.stdout, "━━━━━━━━━━━━━━━━━━━━") || !strings.Contains(r.stdout, "4/4") {
			t.Errorf("--verbose 1 printed no progress bar:\n%q", r.stdout)
		}
		r = ok(t, dir, append(base, "--epochs", "1", "--verbose", "0", "--output", "v.keras")...)
		if r.stdout != "" {
			t.Errorf("--verbose 0 printed %q", r.stdout)
		}
	})

	// On a terminal the progress bar is on by default (checked through
	// util-linux's script, which runs the command on a pseudo-terminal).
	t.Run("terminal", func(t *testing.T) {
		script, err := exec.LookPath("script")
		if err != nil {
			t.Skip("no script(1) to run kerago on a pseudo-terminal")
		}
		cmd := exec.Command(script, "-qec", kerago+" fit model.keras --x x.npy --y y.npy --epochs 2 --output tty.keras", "/dev/null")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if !strings.Contains(string(out), "Epoch 2/2") || !strings.Contains(string(out), "━━━━━") || !strings.Contains(string(out), "4/4") {
			t.Errorf("no progress bar on a terminal:\n%q", out)
		}
	})

	// The same --seed shuffles the same way; another seed differently.
	t.Run("seed", func(t *testing.T) {
		losses := map[string][]float64{}
		for _, s := range []string{"7", "7", "8"} {
			name := "seed" + s + fmt.Sprint(len(losses)) + ".json"
			ok(t, dir, "fit", "model.keras", "--x", "x.npy", "--y", "y.npy", "--epochs", "3", "--seed", s,
				"--output", "s.keras", "--history", name)
			h, err := history.ReadJSON(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			losses[name] = h.Values["loss"]
		}
		a, b, c := losses["seed70.json"], losses["seed71.json"], losses["seed82.json"]
		if !slices.Equal(a, b) {
			t.Errorf("--seed 7 twice: %v and %v", a, b)
		}
		if slices.Equal(a, c) {
			t.Errorf("--seed 7 and --seed 8 gave the same losses %v", a)
		}
	})

	// Fitting 2 epochs, saving, and fitting 2 more from the saved file
	// (weights and optimizer state) equals fitting 4 epochs in one go.
	t.Run("resume", func(t *testing.T) {
		ok(t, dir, append(base, "--epochs", "4", "--output", "four.keras", "--history", "four.json")...)
		ok(t, dir, append(base, "--epochs", "2", "--output", "two.keras")...)
		ok(t, dir, "fit", "two.keras", "--x", "data.npz", "--y", "data.npz", "--shuffle=false", "--epochs", "2",
			"--output", "two-more.keras", "--history", "more.json")
		four, _ := history.ReadJSON(filepath.Join(dir, "four.json"))
		more, _ := history.ReadJSON(filepath.Join(dir, "more.json"))
		for e := 0; e < 2; e++ {
			if a, b := four.Values["loss"][2+e], more.Values["loss"][e]; math.Abs(a-b) > 1e-7*math.Abs(a) {
				t.Errorf("epoch %d: resumed loss %.9g, uninterrupted %.9g", 3+e, b, a)
			}
		}
		ok(t, dir, "convert", "four.keras", "four", "--format", "npy-dir")
		ok(t, dir, "convert", "two-more.keras", "two-more", "--format", "npy-dir")
		_, a := readNpyDir(t, filepath.Join(dir, "four"))
		_, b := readNpyDir(t, filepath.Join(dir, "two-more"))
		for i := range a {
			allclose(t, "resumed weights", b[i], a[i], 1e-7, 1e-6)
		}
	})
}
