package loader

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

func readTD(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(tdPath(rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipMembers builds an archive; a member with raw != nil is written with
// the given (possibly false) header sizes and pre-compressed bytes.
type member struct {
	name     string
	data     []byte
	method   uint16
	raw      []byte
	declared uint64
}

func buildZip(t testing.TB, ms ...member) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range ms {
		if m.raw != nil {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: m.name, Method: m.method, CRC32: crc32.ChecksumIEEE(m.data),
				CompressedSize64: uint64(len(m.raw)), UncompressedSize64: m.declared})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(m.raw)
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: m.method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func deflate(b []byte) []byte {
	var out bytes.Buffer
	w, _ := flate.NewWriter(&out, flate.BestCompression)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// TestKerasArchiveHostile feeds malformed .keras archives: each must give an
// error (never a panic) that names the file.
func TestKerasArchiveHostile(t *testing.T) {
	good := readTD(t, "keras-cases/norm_dropout_flatten/model.keras")
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		parts[f.Name] = b.Bytes()
	}
	cfg, meta, weights := parts["config.json"], parts["metadata.json"], parts["model.weights.h5"]
	bigZeros := make([]byte, 80<<20)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"not zip", []byte("PK\x03\x04garbage"), "zip"},
		{"no config", buildZip(t, member{name: "metadata.json", data: meta}, member{name: "model.weights.h5", data: weights}), "no config.json"},
		{"no weights", buildZip(t, member{name: "config.json", data: cfg}, member{name: "metadata.json", data: meta}), "no model.weights.h5"},
		{"npz weights", buildZip(t, member{name: "config.json", data: cfg}, member{name: "model.weights.npz", data: []byte("x")}), "npz"},
		{"duplicate config", buildZip(t, member{name: "config.json", data: cfg}, member{name: "config.json", data: cfg}, member{name: "model.weights.h5", data: weights}), "appears twice"},
		{"config bomb", buildZip(t, member{name: "config.json", data: bigZeros, method: zip.Deflate}, member{name: "model.weights.h5", data: weights}), "more than"},
		{"config lies about size", buildZip(t, member{name: "config.json", data: bigZeros[:1<<20], method: zip.Deflate, raw: deflate(bigZeros[:1<<20]), declared: 100}, member{name: "model.weights.h5", data: weights}), "config.json"},
		{"weights declare 3 GiB", buildZip(t, member{name: "config.json", data: cfg}, member{name: "model.weights.h5", data: weights, method: zip.Deflate, raw: deflate(weights), declared: 3 << 30}), "declares"},
		{"weights not hdf5", buildZip(t, member{name: "config.json", data: cfg}, member{name: "model.weights.h5", data: []byte("not hdf5 at all")}), "HDF5"},
		{"config not json", buildZip(t, member{name: "config.json", data: []byte("{nope")}, member{name: "model.weights.h5", data: weights}), "invalid JSON"},
		{"metadata not json", buildZip(t, member{name: "config.json", data: cfg}, member{name: "metadata.json", data: []byte("[")}, member{name: "model.weights.h5", data: weights}), "metadata.json"},
		{"truncated", good[:len(good)/2], "zip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readKerasArchive("bad.keras", bytes.NewReader(c.data), int64(len(c.data)), DefaultMemoryBudget)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), "bad.keras") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name the file and %q", err, c.want)
			}
		})
	}
	// A deflated (rather than stored) weights member is inflated as it is read.
	def := buildZip(t, member{name: "metadata.json", data: meta}, member{name: "config.json", data: cfg, method: zip.Deflate}, member{name: "model.weights.h5", data: weights, method: zip.Deflate})
	m, err := readKerasArchive("deflated.keras", bytes.NewReader(def), int64(len(def)), DefaultMemoryBudget)
	if err != nil || len(m.Weights.Layers) == 0 {
		t.Fatalf("deflated archive: %v", err)
	}
}

// TestBitFlipsNeverPanic flips bytes all over real files of each format and
// truncates them; loading must return (an error or a model) without
// panicking.
func TestBitFlipsNeverPanic(t *testing.T) {
	files := []string{
		"keras-cases/norm_dropout_flatten/model.keras",
		"keras-cases/norm_dropout_flatten/model.h5",
		"keras-cases/normalization_adapted/model.weights.h5",
		"keras-cases/functional_mlp_2_10_10_2/model.json",
		"realmodels/KonduitAI__dl4j-test-resources__tfscope/model.h5.with.tensorflow.scope",
		"realmodels/KonduitAI__dl4j-test-resources__dense_keras1_tf/dense_tensorflow_1.h5",
		"yaml/KERAS_mnist_mlp.yaml",
	}
	dir := t.TempDir()
	for _, f := range files {
		orig := readTD(t, f)
		step := max(1, len(orig)/60)
		name := filepath.Join(dir, filepath.Base(f))
		try := func(b []byte) {
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := Load(name)
			if err == nil && m.Config != nil && m.Weights != nil {
				AlignWeights(m.Config, m.Weights, varCounts(m.Config))
			}
		}
		for i := 0; i < len(orig); i += step {
			b := append([]byte(nil), orig...)
			b[i] ^= 0x5a
			try(b)
			try(orig[:i])
		}
	}
}

// TestTruncatedConfigs truncates JSON configs at every byte: errors only.
func TestTruncatedConfigs(t *testing.T) {
	js := readTD(t, "keras-cases/functional_mlp_2_10_10_2/model.json")
	for i := 0; i < len(js)-1; i++ {
		if _, _, err := ParseConfigJSON("t.json", js[:i]); err == nil {
			t.Fatalf("truncation at %d accepted", i)
		}
	}
}

// TestNpzAndNpyDirWeights writes a keras-cases model's weights as .npz in
// the two ways people save them (np.savez(*weights) → arr_0..; keyed by
// weight path) and checks the aligned result against weights/*.npy.
func TestNpzAndNpyDirWeights(t *testing.T) {
	c := filepath.Join(sharedTD, "keras-cases", "norm_dropout_flatten")
	manifest, want := manifestTensors(t, filepath.Join(c, "weights"))
	var paths, arrs []string
	for i, e := range manifest {
		paths = append(paths, e.Path)
		arrs = append(arrs, "arr_"+itoa(i))
	}
	dir := t.TempDir()
	for _, v := range []struct {
		name   string
		keys   []string
		layout string
	}{{"positional.npz", arrs, LayoutFlat}, {"paths.npz", paths, LayoutNamed}} {
		p := filepath.Join(dir, v.name)
		if err := tensor.SaveNpz(p, v.keys, want); err != nil {
			t.Fatal(err)
		}
		if f, err := Detect(p); err != nil || f != FormatNPZ {
			t.Fatalf("Detect %s: %v %v", v.name, f, err)
		}
		m, err := LoadWithWeights(filepath.Join(c, "model.json"), p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Weights.Layout != v.layout {
			t.Errorf("%s: layout %q, want %q", v.name, m.Weights.Layout, v.layout)
		}
		al, err := AlignWeights(m.Config, m.Weights, varCounts(m.Config))
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, a := range al {
			for _, x := range a {
				if ok, _, _ := tensor.AllClose(x, want[k], 0, 0); !ok {
					t.Errorf("%s: variable %d differs", v.name, k)
				}
				k++
			}
		}
		if k != len(want) {
			t.Errorf("%s: %d aligned variables, want %d", v.name, k, len(want))
		}
		// one array too few: the count error names the file
		short := filepath.Join(dir, "short_"+v.name)
		tensor.SaveNpz(short, v.keys[:len(v.keys)-1], want[:len(want)-1])
		m, err = LoadWithWeights(filepath.Join(c, "model.json"), short)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := AlignWeights(m.Config, m.Weights, varCounts(m.Config)); err == nil || !strings.Contains(err.Error(), short) {
			t.Errorf("%s: short weights give %v", v.name, err)
		}
	}
	// manifest entries may not leave the directory
	bad := filepath.Join(dir, "evil")
	os.Mkdir(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "manifest.json"), []byte(`[{"index": 0, "path": "m/d/kernel", "file": "../positional.npz"}]`), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "plain file name") {
		t.Errorf("path traversal: %v", err)
	}
	os.WriteFile(filepath.Join(bad, "manifest.json"), []byte(`{"not": "a list"}`), 0o644)
	if _, err := Load(bad); err == nil {
		t.Error("bad manifest accepted")
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// TestAlignErrors checks that mismatches name the weights file and layer.
func TestAlignErrors(t *testing.T) {
	c := filepath.Join(sharedTD, "keras-cases", "norm_dropout_flatten")
	for _, wf := range []string{"model.weights.h5", "model.h5"} {
		m, err := LoadWithWeights(filepath.Join(c, "model.json"), filepath.Join(c, wf))
		if err != nil {
			t.Fatal(err)
		}
		vc := varCounts(m.Config)
		// pretend the first LayerNormalization has 1 variable
		for i, l := range m.Config.Layers {
			if l.ClassName == "LayerNormalization" {
				vc[i] = 1
				break
			}
		}
		_, err = AlignWeights(m.Config, m.Weights, vc)
		if err == nil || !strings.Contains(err.Error(), wf) || !strings.Contains(err.Error(), `"layer_norm"`) {
			t.Errorf("%s: count mismatch gives %v", wf, err)
		}
		// a config with one Dense less
		cfg := *m.Config
		cfg.Layers = append([]LayerConfig(nil), m.Config.Layers[:len(m.Config.Layers)-1]...)
		if _, err := AlignWeights(&cfg, m.Weights, varCounts(&cfg)); err == nil || !strings.Contains(err.Error(), wf) {
			t.Errorf("%s: missing layer gives %v", wf, err)
		}
	}
	if _, err := AlignWeights(&ModelConfig{Layers: make([]LayerConfig, 2)}, &Weights{}, []int{1}); err == nil {
		t.Error("wrong varCounts length accepted")
	}
}

// TestKeras3SavedNameFallback: when class-name groups do not match (a file
// saved from a model whose layer order differs), the recorded vars name
// picks the group.
func TestKeras3SavedNameFallback(t *testing.T) {
	c := filepath.Join(sharedTD, "keras-cases", "mlp_2_10_10_2")
	m, err := LoadWithWeights(filepath.Join(c, "model.json"), filepath.Join(c, "model.weights.h5"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := AlignWeights(m.Config, m.Weights, varCounts(m.Config))
	if err != nil {
		t.Fatal(err)
	}
	// rename the groups so that class-name order is scrambled
	w := *m.Weights
	w.Layers = append([]LayerWeights(nil), m.Weights.Layers...)
	for i := range w.Layers {
		switch w.Layers[i].Name {
		case "dense":
			w.Layers[i].Name = "dense_2"
		case "dense_2":
			w.Layers[i].Name = "dense"
		}
	}
	got, err := AlignWeights(m.Config, &w, varCounts(m.Config))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("layer %d variable %d not matched by saved name", i, j)
			}
		}
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		rel  string
		want Format
	}{
		{"keras-cases/mlp_2_10_10_2/model.keras", FormatKeras},
		{"keras-cases/mlp_2_10_10_2/model.h5", FormatH5},
		{"keras-cases/mlp_2_10_10_2/model.weights.h5", FormatWeightsH5},
		{"keras-cases/mlp_2_10_10_2/model.json", FormatJSON},
		{"keras-cases/mlp_2_10_10_2/weights", FormatNPYDir},
		{"keras-cases/mlp_2_10_10_2/weights/00_mlp_2_10_10_2__dense_1__kernel.npy", FormatNPY},
		{"realmodels/KonduitAI__dl4j-test-resources__tfscope/model.weight", FormatLegacyH5W},
		{"realmodels/KonduitAI__dl4j-test-resources__tfscope/model.json.with.tensorflow.scope", FormatJSON},
		{"realmodels/0xDaksh__Credit-Card-Fraud__model/model.h5", FormatLegacyH5W},
		{"yaml/KERAS_3layer.yaml", FormatYAML},
		{"npy/stored.npz", FormatNPZ},
	}
	for _, c := range cases {
		got, err := Detect(tdPath(c.rel))
		if err != nil || got != c.want {
			t.Errorf("Detect(%s) = %q, %v; want %q", c.rel, got, err, c.want)
		}
	}
	dir := t.TempDir()
	// an unzipped .keras directory loads like the archive
	b := readTD(t, "keras-cases/mlp_2_10_10_2/model.keras")
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	kd := filepath.Join(dir, "unzipped")
	os.Mkdir(kd, 0o755)
	for _, f := range zr.File {
		rc, _ := f.Open()
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		os.WriteFile(filepath.Join(kd, f.Name), buf.Bytes(), 0o644)
	}
	if f, err := Detect(kd); err != nil || f != FormatKeras {
		t.Errorf("unzipped dir: %q %v", f, err)
	}
	md, err := Load(kd)
	if err != nil {
		t.Fatal(err)
	}
	mz, _ := Load(filepath.Join(sharedTD, "keras-cases/mlp_2_10_10_2/model.keras"))
	if md.KerasVersion != mz.KerasVersion || len(md.Weights.Layers) != len(mz.Weights.Layers) || len(md.Config.Layers) != len(mz.Config.Layers) {
		t.Error("unzipped directory loads differently from the archive")
	}
	for name, data := range map[string][]byte{
		"garbage.bin": {0, 1, 2, 3, 0, 0, 0},
		"empty.txt":   {},
		"prose.txt":   []byte("hello world\n"),
		"zip.zip":     buildZip(t, member{name: "readme.txt", data: []byte("hi")}),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		if f, err := Detect(p); err == nil {
			t.Errorf("%s detected as %q", name, f)
		}
		if _, err := Load(p); err == nil {
			t.Errorf("%s loaded", name)
		}
	}
	if _, err := Load(filepath.Join(sharedTD, "keras-cases/mlp_2_10_10_2/weights/00_mlp_2_10_10_2__dense_1__kernel.npy")); err == nil || !strings.Contains(err.Error(), "tensor.LoadNpy") {
		t.Errorf("single npy: %v", err)
	}
	if _, err := LoadWithWeights(filepath.Join(sharedTD, "keras-cases/mlp_2_10_10_2/model.weights.h5"), filepath.Join(sharedTD, "keras-cases/mlp_2_10_10_2/model.h5")); err == nil {
		t.Error("weights file accepted as config")
	}
	if _, err := LoadWithWeights(filepath.Join(sharedTD, "keras-cases/mlp_2_10_10_2/model.json"), filepath.Join(sharedTD, "keras-cases/mlp_2_10_10_2/model.json")); err == nil {
		t.Error("config file accepted as weights")
	}
	var fe *FormatError
	_, err = Load(filepath.Join(dir, "garbage.bin"))
	if !errors.As(err, &fe) {
		t.Errorf("error %T is not a *FormatError", err)
	}
}

func FuzzParseConfigJSON(f *testing.F) {
	for rel := range expectedFilesWithExt(f, ".json") {
		f.Add(readTD(f, rel))
	}
	f.Add([]byte(`{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d", "output_dim": 3, "input_dim": NaN}}]}`))
	for _, b := range hostileFiles(f, ".json") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mc, _, err := ParseConfigJSON("f.json", b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "loader: f.json: ") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		if mc.KerasMajor < 1 || mc.KerasMajor > 3 {
			t.Fatalf("KerasMajor %d", mc.KerasMajor)
		}
		for _, l := range mc.Layers {
			if !isSupported(l.ClassName) || l.Name == "" || l.Config == nil {
				t.Fatalf("bad layer %+v", l)
			}
		}
		Keras3GroupNames(mc)
	})
}

func expectedFilesWithExt(f *testing.F, ext string) map[string]bool {
	out := map[string]bool{}
	b, err := os.ReadFile(filepath.Join(td, "expected.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, `"realmodels/`) || strings.HasPrefix(line, `"keras-cases/`) {
			name := strings.Trim(strings.SplitN(line, `":`, 2)[0], `"`)
			if strings.HasSuffix(name, ext) || (ext == ".json" && strings.Contains(name, ".json.")) {
				out[name] = true
			}
		}
	}
	return out
}

func FuzzReadKerasArchive(f *testing.F) {
	for rel := range expectedFilesWithExt(f, ".keras") {
		f.Add(readTD(f, rel))
	}
	for _, b := range hostileFiles(f, ".keras") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readKerasArchive("f.keras", bytes.NewReader(b), int64(len(b)), 256<<20)
		if err != nil {
			return
		}
		if m.Config == nil || m.Weights == nil {
			t.Fatal("archive loaded without config or weights")
		}
		AlignWeights(m.Config, m.Weights, varCounts(m.Config))
	})
}

// TestHardLinkAmplification: 300 layers of a small file all hard-link one
// deflated 16 MB dataset; reading stops at the file's budget.
func TestHardLinkAmplification(t *testing.T) {
	p := filepath.Join(td, "synthetic", "hostile", "hardlink_amplify.h5")
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), "exceeds what kerago reads") || !strings.Contains(err.Error(), p) {
		t.Fatalf("error %v", err)
	}
}

// hostileFiles reads the damaged and hostile files of issue 15
// (testdata/hostile) whose names end in ext; the 1.9 MB zip bomb, too big
// for the fuzzing engine to mutate quickly, is replaced by smallBomb.
func hostileFiles(f *testing.F, ext string) [][]byte {
	paths, err := filepath.Glob(filepath.Join(sharedTD, "hostile", "*"+ext))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no hostile %s files: %v", ext, err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 1<<20 {
			b = smallBomb(f)
		}
		out = append(out, b)
	}
	return out
}

// smallBomb is a .keras whose model.weights.h5 is a real weights file
// followed by 16 MiB of zeros (deflated to a few KiB), like the shared bomb.
func smallBomb(f *testing.F) []byte {
	zr, err := zip.OpenReader(tdPath("keras-cases/mlp_2_10_10_2/model.keras"))
	if err != nil {
		f.Fatal(err)
	}
	defer zr.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range zr.File {
		rc, err := m.Open()
		if err != nil {
			f.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			f.Fatal(err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.Name, Method: zip.Deflate})
		if err != nil {
			f.Fatal(err)
		}
		w.Write(data)
		if m.Name == "model.weights.h5" {
			w.Write(make([]byte, 16<<20))
		}
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

// FuzzLoad loads arbitrary bytes as a model file of each kind (the format
// is detected from the content) under a 256 MiB memory budget: no panic,
// and every error names the file. Seeded with the hostile files of issue 15
// and real files of every format.
func FuzzLoad(f *testing.F) {
	for _, ext := range []string{".h5", ".keras", ".json"} {
		for _, b := range hostileFiles(f, ext) {
			f.Add(b)
		}
	}
	for _, rel := range []string{"keras-cases/mlp_2_10_10_2/model.h5", "keras-cases/mlp_2_10_10_2/model.weights.h5", "keras-cases/no_bias/model.json"} {
		f.Add(readTD(f, rel))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "model")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Options{MemoryBudget: 256 << 20}.Load(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if m.Config != nil && m.Weights != nil {
			AlignWeights(m.Config, m.Weights, varCounts(m.Config))
		}
	})
}
