package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// TestConvertRoundTrip converts every Keras reference case h5 → keras →
// npy-dir (+ json config) → keras with kerago convert, predicts with each
// file, and requires identical predictions along the chain and Keras's own
// predictions (y.npy) within numpy.allclose(1e-5, 1e-5).
func TestConvertRoundTrip(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(shared, "keras-cases", "*", "model.h5"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no keras-cases fixtures: %v", err)
	}
	for _, h5 := range cases {
		src := filepath.Dir(h5)
		name := filepath.Base(src)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyFile(t, h5, filepath.Join(dir, "model.h5"))
			copyFile(t, filepath.Join(src, "x.npy"), filepath.Join(dir, "x.npy"))
			want := loadNpy(t, filepath.Join(src, "y.npy"))

			ok(t, dir, "convert", "model.h5", "a.keras")
			ok(t, dir, "convert", "a.keras", "weights", "--format", "npy-dir")
			ok(t, dir, "convert", "a.keras", "config.json")
			ok(t, dir, "convert", "config.json", "--weights", "weights", "b.keras")

			var preds []*tensor.Tensor
			for _, m := range []string{"model.h5", "a.keras", "b.keras"} {
				out := strings.TrimSuffix(m, filepath.Ext(m)) + ".pred.npy"
				ok(t, dir, "predict", m, "--input", "x.npy", "--output", out)
				preds = append(preds, loadNpy(t, filepath.Join(dir, out)))
			}
			ok(t, dir, "predict", "config.json", "--weights", "weights", "--input", "x.npy", "--output", "c.pred.npy")
			preds = append(preds, loadNpy(t, filepath.Join(dir, "c.pred.npy")))
			for i, p := range preds[1:] {
				if !tensor.SameShape(p.Shape(), preds[0].Shape()) || !slices.Equal(p.Data(), preds[0].Data()) {
					t.Errorf("prediction %d of the chain differs from model.h5's", i+1)
				}
			}
			allclose(t, "model.h5 vs Keras", preds[0], want, 1e-5, 1e-5)

			// The npy directory has the layout of keras-cases/*/weights, and
			// the variables Keras's own manifest lists, in its order. Written
			// straight from model.h5 (which records Keras's backend, numpy)
			// even the integer widths match; after the .keras hop (.keras
			// files do not record a backend) counters take the width of the
			// backend kerago's files claim.
			ok(t, dir, "convert", "model.h5", "direct", "--format", "npy-dir")
			checkManifest(t, filepath.Join(dir, "direct"), filepath.Join(src, "weights", "manifest.json"), true)
			checkManifest(t, filepath.Join(dir, "weights"), filepath.Join(src, "weights", "manifest.json"), false)
		})
	}
}

// checkManifest compares the npy directory kerago wrote with Keras's
// manifest of the same model: one entry per variable in model.weights order
// with the same name, shape, dtype (integer widths only when sameBackend)
// and trainable flag; files named
// NN_<path with / as __>.npy holding the arrays; paths ending in Keras's
// "layer/variable". (Keras's path prefix depends on where the layers were
// built — the Sequential's name, none for a Functional model or a layer
// adapted outside — which no saved file records; differences are logged.)
func checkManifest(t *testing.T, dir, kerasManifest string, sameBackend bool) {
	t.Helper()
	data, err := os.ReadFile(kerasManifest)
	if err != nil {
		t.Fatal(err)
	}
	var want []manifestEntry
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	got, arrays := readNpyDir(t, dir)
	if len(got) != len(want) {
		t.Fatalf("manifest has %d entries, Keras's %d", len(got), len(want))
	}
	for i, e := range got {
		w := want[i]
		dtypeOK := e.DType == w.DType
		if !sameBackend && isInt(w.DType) {
			dtypeOK = isInt(e.DType)
		}
		if e.Index != i || e.Name != w.Name || !slices.Equal(e.Shape, w.Shape) || !dtypeOK || e.Trainable != w.Trainable {
			t.Errorf("entry %d: %+v, Keras has %+v", i, e, w)
		}
		if e.File != fmt.Sprintf("%02d_%s.npy", i, strings.ReplaceAll(e.Path, "/", "__")) {
			t.Errorf("entry %d: file %q for path %q", i, e.File, e.Path)
		}
		if !slices.Equal(arrays[i].Shape(), w.Shape) {
			t.Errorf("entry %d: %s holds shape %v, want %v", i, e.File, arrays[i].Shape(), w.Shape)
		}
		if !strings.HasSuffix("/"+e.Path, "/"+lastTwo(w.Path)) {
			t.Errorf("entry %d: path %q, Keras %q", i, e.Path, w.Path)
		} else if e.Path != w.Path {
			t.Logf("entry %d: path %q, Keras %q", i, e.Path, w.Path)
		}
	}
}

// isInt reports an integer dtype, whose width Keras takes from its backend
// (standardize_dtype("int"): int64 on tensorflow, int32 on the others).
func isInt(dtype string) bool { return dtype == "int32" || dtype == "int64" }

// lastTwo returns the last two components of a variable path ("dense_1/kernel").
func lastTwo(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) <= 2 {
		return p
	}
	return strings.Join(parts[len(parts)-2:], "/")
}

// TestConvertFormats writes every format convert offers from one model and
// reads each back (inspect, and predict where the file has weights).
func TestConvertFormats(t *testing.T) {
	src := filepath.Join(shared, "keras-cases", "mlp_2_10_10_2")
	dir := t.TempDir()
	copyFile(t, filepath.Join(src, "model.h5"), filepath.Join(dir, "model.h5"))
	copyFile(t, filepath.Join(src, "x.npy"), filepath.Join(dir, "x.npy"))
	want := loadNpy(t, filepath.Join(src, "y.npy"))
	ok(t, dir, "convert", "model.h5", "config.json")
	cases := []struct {
		out, format, detect string
		config              bool // needs config.json to be used as a model
	}{
		{"m.keras", "", "keras", false},
		{"m2.h5", "", "h5", false},
		{"m.weights.h5", "", "weights-h5", true},
		{"m.json", "", "json", false},
		{"m.yaml", "", "yaml", false},
		{"m.npz", "", "npz", true},
		{"dir/", "", "npy-dir", true},
		{"anyname", "keras", "keras", false},
		{"w.h5", "weights-h5", "weights-h5", true},
	}
	for _, c := range cases {
		t.Run(c.out, func(t *testing.T) {
			args := []string{"convert", "model.h5", c.out}
			if c.format != "" {
				args = append(args, "--format", c.format)
			}
			ok(t, dir, args...)
			info := inspectJSONOf(t, dir, c.out)
			if info.Format != c.detect {
				t.Errorf("%s reads back as %q, want %q", c.out, info.Format, c.detect)
			}
			if c.detect == "json" || c.detect == "yaml" {
				return // config only
			}
			model := []string{c.out}
			if c.config {
				model = []string{"config.json", "--weights", c.out}
			}
			out := "p-" + strings.Trim(strings.ReplaceAll(c.out, "/", ""), ".") + ".npy"
			ok(t, dir, append(append([]string{"predict"}, model...), "--input", "x.npy", "--output", out)...)
			allclose(t, c.out, loadNpy(t, filepath.Join(dir, out)), want, 1e-5, 1e-5)
		})
	}
	// A weights-only file is listed variable by variable.
	r := ok(t, dir, "inspect", "m.weights.h5")
	if !strings.Contains(r.stdout, "Weights only, no architecture: 6 variables, 162 parameters") {
		t.Errorf("inspect of a weights file:\n%s", r.stdout)
	}
	// Converting a weights-only file needs the config.
	r = run(t, dir, "", "convert", "m.weights.h5", "x.keras")
	checkOneLine(t, r, 1, "convert", "m.weights.h5 holds only weights")
	if _, err := os.Stat(filepath.Join(dir, "x.keras")); err == nil {
		t.Errorf("failed convert wrote x.keras")
	}
}
