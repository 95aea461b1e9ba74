package loader_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/cli"
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/loader"
)

const hostileDir = "../testdata/hostile"

// hostileLoad is the loader the mutation tests use: its memory budget fits
// the child's heap and address-space caps (the shared reproductions go
// through the command line with the default budget).
var hostileLoad = loader.Options{MemoryBudget: 256 << 20}

func cliRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Run(ctx, args, cli.Env{Stdout: stdout, Stderr: stderr})
}

// testSharedHostileFiles runs every reproduction of issue 15 through
// inspect, inspect --json and predict: each must fail with exit status 1
// and one line naming the file and the problem (jsonerr1 must describe
// its NaN as Python's json does).
func testSharedHostileFiles(t *testing.T) {
	want := map[string][]string{
		"oom1_mlp_json_batch_shape_1e8.json":                  {`layer "dense_1"`, "memory budget"},
		"oom4_flatten_bn_json_shape_4x1e8.json":               {`layer "bn_plain"`, "memory budget"},
		"oom2_mlp_h5_model_config_shape_1e8.h5":               {`layer "dense_1"`, "does not match the weights"},
		"oom3_binary_classifier_keras_config_shape_1e8.keras": {`layer "hidden"`, "does not match the weights"},
		"bomb_weights_member_1.9GiB.keras":                    {"model.weights.h5", "trailing data"},
		"silent1_no_bias_h5_truncated_6420.h5":                {"truncated"},
		"silent2_act_soft_shrink_h5_flip8.h5":                 {"/model_weights", "damaged"},
		"silent3_functional_mlp_h5_zero512.h5":                {"/model_weights", "damaged"},
	}
	// inputs of the right width, so that predict could run if loading let it
	inputs := map[string]string{"silent1_no_bias_h5_truncated_6420.h5": "x_3features.npy", "silent2_act_soft_shrink_h5_flip8.h5": "x_4features.npy"}
	for name, frags := range want {
		p := filepath.Join(hostileDir, name)
		x := filepath.Join(hostileDir, "x_2features.npy")
		if in, ok := inputs[name]; ok {
			x = filepath.Join(hostileDir, in)
		}
		for _, args := range [][]string{
			{"inspect", p}, {"inspect", p, "--json"},
			{"predict", p, "--input", x, "--output", filepath.Join(t.TempDir(), "y.npy")},
		} {
			code, _, stderr := runCLI(args...)
			if code != cli.ExitError || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "kerago: "+args[0]+": ") {
				t.Errorf("%v: exit %d, stderr %q; want status 1 and one line", args, code, stderr)
				continue
			}
			for _, f := range append(frags, name) {
				if !strings.Contains(stderr, f) {
					t.Errorf("%v: error %q does not say %q", args, stderr, f)
				}
			}
			if strings.Contains(stderr, "internal error") || strings.Contains(stderr, "goroutine") {
				t.Errorf("%v: crash text: %q", args, stderr)
			}
		}
	}
	p := filepath.Join(hostileDir, "jsonerr1_0xDaksh_minval_NaN.json")
	code, stdout, stderr := runCLI("inspect", p, "--json")
	if code != cli.ExitOK || !strings.Contains(stdout, `"minval": NaN`) {
		t.Errorf("inspect --json %s: exit %d, stderr %q; want the config with \"minval\": NaN", p, code, stderr)
	}
	var v any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(stdout, "NaN", "null")), &v); err != nil {
		t.Errorf("inspect --json output is not JSON apart from NaN: %v", err)
	}
}

// modelFiles lists every .h5 (legacy model or weights, Keras 3 weights),
// .keras, .npz and model.json (to_json() config) under testdata (the
// hostile reproductions excepted).
func modelFiles(t *testing.T) []string {
	var out []string
	err := filepath.WalkDir("../testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "hostile" {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".h5") || strings.HasSuffix(p, ".keras") || strings.HasSuffix(p, ".npz") || strings.HasSuffix(p, "model.json")) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("found only %d model files under ../testdata", len(out))
	}
	return out
}

// testTruncationSweep cuts every model file at every 5% of its length: a
// cut file either fails to load, with an error naming it, or loads exactly
// the weights (and optimizer state) of the intact file — never a
// config-only model standing in for a damaged one.
func testTruncationSweep(t *testing.T) {
	dir := t.TempDir()
	var files, loaded, refused, same int
	for _, p := range modelFiles(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		intact, err := hostileLoad.Load(p)
		if err != nil {
			continue // not a model kerago reads (HDF5 fixtures of other kinds)
		}
		files++
		cut := filepath.Join(dir, filepath.Base(p))
		for i := 1; i < 20; i++ {
			if err := os.WriteFile(cut, data[:len(data)*i/20], 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := hostileLoad.Load(cut)
			if err != nil {
				refused++
				if !strings.Contains(err.Error(), cut) {
					t.Errorf("%s cut at %d%%: error does not name the file: %v", p, 5*i, err)
				}
				continue
			}
			loaded++
			if msg := sameContent(intact, m); msg != "" {
				t.Errorf("%s cut at %d%% loads but %s", p, 5*i, msg)
			} else {
				same++
			}
		}
	}
	t.Logf("hostile: truncation sweep: %d files x 19 cuts: %d refused, %d loaded (%d with exactly the intact weights)", files, refused, loaded, same)
}

// sameContent compares what two loads hold; "" when they agree exactly.
func sameContent(a, b *loader.Model) string {
	if (a.Config == nil) != (b.Config == nil) {
		return "its config presence differs"
	}
	if (a.Weights == nil) != (b.Weights == nil) {
		return "its weights presence differs (a config-only model from a damaged file)"
	}
	if a.Weights != nil {
		if len(a.Weights.Layers) != len(b.Weights.Layers) {
			return "it holds a different number of weight groups"
		}
		for i, la := range a.Weights.Layers {
			lb := b.Weights.Layers[i]
			if la.Name != lb.Name || len(la.Arrays) != len(lb.Arrays) {
				return "weight group " + la.Name + " differs"
			}
			for j := range la.Arrays {
				if !bitsEqual(la.Arrays[j].Data(), lb.Arrays[j].Data()) {
					return "weight " + la.Name + "/" + la.VarNames[j] + " differs"
				}
			}
		}
	}
	if (a.Optimizer == nil) != (b.Optimizer == nil) {
		return "its optimizer state presence differs"
	}
	if a.Optimizer != nil {
		if len(a.Optimizer.Arrays) != len(b.Optimizer.Arrays) {
			return "its optimizer state differs"
		}
		for j := range a.Optimizer.Arrays {
			if !bitsEqual(a.Optimizer.Arrays[j].Data(), b.Optimizer.Arrays[j].Data()) {
				return "optimizer variable " + a.Optimizer.Names[j] + " differs"
			}
		}
	}
	return ""
}

func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// testByteFlips flips 8 bytes at random places, and zeroes 512-byte blocks,
// in every model file, and loads and builds the result: no panic, errors
// name the file, memory stays bounded (checked by the parent).
func testByteFlips(t *testing.T) {
	dir := t.TempDir()
	var runs, refused int
	for fi, p := range modelFiles(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(15, uint64(fi)))
		mut := filepath.Join(dir, filepath.Base(p))
		for k := range 6 {
			b := append([]byte(nil), data...)
			if k < 4 {
				off := rng.IntN(len(b) - 8)
				for i := range 8 {
					b[off+i] ^= byte(1 + rng.IntN(255))
				}
			} else {
				off := rng.IntN(len(b)/512+1) * 512
				clear(b[off:min(off+512, len(b))])
			}
			if err := os.WriteFile(mut, b, 0o644); err != nil {
				t.Fatal(err)
			}
			runs++
			m, err := hostileLoad.Load(mut)
			if err != nil {
				refused++
				if !strings.Contains(err.Error(), mut) {
					t.Errorf("%s mutation %d: error does not name the file: %v", p, k, err)
				}
				continue
			}
			if m.Config != nil {
				keras.FromLoaded(m) // may fail; must not crash or blow memory
			}
		}
	}
	t.Logf("hostile: byte flips and zeroed blocks: %d mutated files, %d refused", runs, refused)
}

// inflate rewrites a config: input dimensions (batch_shape,
// batch_input_shape) get last dimension dim and, when units is set, every
// "units" becomes units.
func inflate(v any, dim float64, units bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.([]any); ok && (k == "batch_shape" || k == "batch_input_shape") && len(s) >= 2 {
				s[len(s)-1] = dim
			}
			if _, ok := e.(float64); ok && k == "units" && units {
				x[k] = dim
			}
			inflate(e, dim, units)
		}
	case []any:
		for _, e := range x {
			inflate(e, dim, units)
		}
	}
}

// testInflatedShapes edits the config of every Keras case (to_json() and
// .keras) to declare huge inputs or units: nothing may be allocated for
// them; inflated units (at least 4 GB of kernel) must be refused.
func testInflatedShapes(t *testing.T) {
	dir := t.TempDir()
	cases, err := filepath.Glob("../testdata/keras-cases/*/model.json")
	if err != nil || len(cases) < 20 {
		t.Fatalf("keras cases: %v (%d)", err, len(cases))
	}
	var runs, refused int
	for _, p := range cases {
		for _, dim := range []float64{1e8, 1e9, 1e12, 1 << 62} {
			for _, units := range []bool{false, true} {
				raw, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				var cfg any
				if json.Unmarshal(raw, &cfg) != nil {
					continue // Python-only JSON (NaN): covered by the loader's own tests
				}
				inflate(cfg, dim, units)
				b, _ := json.Marshal(cfg)
				out := filepath.Join(dir, "model.json")
				if err := os.WriteFile(out, b, 0o644); err != nil {
					t.Fatal(err)
				}
				runs++
				m, err := hostileLoad.Load(out)
				if err == nil && units && dim >= 1e9 && hasDense(m) {
					t.Errorf("%s with units %g: loaded", p, dim)
				}
				if err != nil {
					refused++
					continue
				}
				if _, err := keras.FromLoaded(m); err != nil {
					refused++
				}
				if k := filepath.Join(filepath.Dir(p), "model.keras"); units && dim >= 1e9 && hasDense(m) {
					checkInflatedArchive(t, k, b, filepath.Join(dir, "model.keras"))
				}
			}
		}
	}
	t.Logf("hostile: inflated configs: %d, %d refused", runs, refused)
}

func hasDense(m *loader.Model) bool {
	for _, l := range m.Config.Layers {
		if l.ClassName == "Dense" {
			return true
		}
	}
	return false
}

// checkInflatedArchive puts an inflated config into the case's .keras
// archive: the stored weights no longer match and loading must say so
// before allocating.
func checkInflatedArchive(t *testing.T, archive string, cfg []byte, out string) {
	members := readZip(t, archive)
	if members == nil {
		return
	}
	members["config.json"] = cfg
	writeZip(t, out, members, nil)
	_, err := hostileLoad.Load(out)
	if err == nil || !(strings.Contains(err.Error(), "does not match the weights") || strings.Contains(err.Error(), "memory budget")) {
		t.Errorf("%s with inflated config: %v", archive, err)
	}
}

func readZip(t *testing.T, p string) map[string][]byte {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// writeZip writes members (deflated); a member named in padded is
// followed by that many zero bytes.
func writeZip(t *testing.T, p string, members map[string][]byte, padded map[string]int) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, name := range []string{"metadata.json", "config.json", "model.weights.h5"} {
		data, ok := members[name]
		if !ok {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		zeros := make([]byte, 1<<20)
		for n := padded[name]; n > 0; n -= len(zeros) {
			w.Write(zeros[:min(n, len(zeros))])
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testBombs builds .keras archives whose weights member inflates far past
// what its HDF5 content needs: zero padding after the file's end (refused),
// and the same with the superblock's end-of-file address moved to cover the
// padding (a valid file: it loads the intact weights, streaming the padding
// through the CRC check instead of holding it).
func testBombs(t *testing.T) {
	src := "../testdata/keras-cases/mlp_2_10_10_2/model.keras"
	members := readZip(t, src)
	if members == nil {
		t.Fatalf("%s unreadable", src)
	}
	intact, err := hostileLoad.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const pad = 600 << 20
	bomb := filepath.Join(dir, "padded.keras")
	writeZip(t, bomb, members, map[string]int{"model.weights.h5": pad})
	if _, err := hostileLoad.Load(bomb); err == nil || !strings.Contains(err.Error(), "trailing data") {
		t.Errorf("padded weights member: %v", err)
	}
	w := append([]byte(nil), members["model.weights.h5"]...)
	if w[8] != 0 || binary.LittleEndian.Uint64(w[40:]) != uint64(len(w)) {
		t.Fatalf("%s: expected a version 0 superblock recording the end of file at offset 40", src)
	}
	binary.LittleEndian.PutUint64(w[40:], uint64(len(w)+pad))
	members["model.weights.h5"] = w
	valid := filepath.Join(dir, "valid_padded.keras")
	writeZip(t, valid, members, map[string]int{"model.weights.h5": pad})
	m, err := hostileLoad.Load(valid)
	if err != nil {
		t.Fatalf("valid padded archive: %v", err)
	}
	if msg := sameContent(intact, m); msg != "" {
		t.Errorf("valid padded archive: %s", msg)
	}
	code, _, stderr := runCLI("inspect", filepath.Join(hostileDir, "bomb_weights_member_1.9GiB.keras"), "--memory-budget", "64MiB")
	if code != cli.ExitError || !strings.Contains(stderr, "trailing data") {
		t.Errorf("shared bomb with a 64 MiB budget: exit %d, %q", code, stderr)
	}
	t.Logf("hostile: bombs: %d MiB of padding refused; the same padding inside a valid file streamed", pad>>20)
}
