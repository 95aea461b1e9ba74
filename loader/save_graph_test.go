package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kerago/kerago/tensor"
)

func dense(name string, units int, in ...TensorRef) LayerConfig {
	return LayerConfig{ClassName: "Dense", Name: name, Config: map[string]any{"units": units}, Inbound: [][]TensorRef{in}}
}

func merge(cls, name string, in ...TensorRef) LayerConfig {
	return LayerConfig{ClassName: cls, Name: name, Config: map[string]any{}, Inbound: [][]TensorRef{in}}
}

func ref(layer string, node int) TensorRef { return TensorRef{Layer: layer, Node: node} }

func orderNames(t *testing.T, ins []ModelInput, ls []LayerConfig, outs []TensorRef) []string {
	t.Helper()
	order, err := graphOrder(ins, ls, outs)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range order {
		if k < 0 {
			names = append(names, ins[-1-k].Name)
		} else {
			names = append(names, ls[k].Name)
		}
	}
	return names
}

// TestGraphOrderHandMade: the operations order of Keras's map_graph
// (spec keras-layers.md §1.5) on small graphs. The first is the spec's
// oracle example (§1.6: a, b, shared, cat, o1, add); the others follow the
// algorithm's depth and traversal rules by hand.
func TestGraphOrderHandMade(t *testing.T) {
	in := func(names ...string) []ModelInput {
		var out []ModelInput
		for _, n := range names {
			out = append(out, ModelInput{Name: n, Shape: []int{3}})
		}
		return out
	}
	shared := dense("shared", 2, ref("a", 0))
	shared.Inbound = append(shared.Inbound, []TensorRef{ref("b", 0)})
	cases := []struct {
		name string
		ins  []ModelInput
		ls   []LayerConfig
		outs []TensorRef
		want []string
	}{
		{"spec_mimo", in("a", "b"), []LayerConfig{
			merge("Add", "add", ref("shared", 0), ref("shared", 1)),
			dense("o1", 1, ref("cat", 0)),
			merge("Concatenate", "cat", ref("shared", 0), ref("shared", 1)),
			shared,
		}, []TensorRef{ref("o1", 0), ref("add", 0)}, []string{"a", "b", "shared", "cat", "o1", "add"}},
		// a: depth 3, h1: 2, h2 and b: 1 (h2 visited first), add: 0
		{"late_input", in("a", "b"), []LayerConfig{
			merge("Add", "add", ref("h2", 0), ref("b", 0)),
			dense("h2", 3, ref("h1", 0)),
			dense("h1", 3, ref("a", 0)),
		}, []TensorRef{ref("add", 0)}, []string{"a", "h1", "h2", "b", "add"}},
		// an unused input sits at depth 0 with traversal index -1
		{"unused_input", in("a", "u"), []LayerConfig{dense("d", 1, ref("a", 0))},
			[]TensorRef{ref("d", 0)}, []string{"a", "u", "d"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := orderNames(t, c.ins, c.ls, c.outs); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("order %v, want %v", got, c.want)
			}
		})
	}
	if _, err := graphOrder(in("a"), []LayerConfig{dense("x", 1, ref("y", 0)), dense("y", 1, ref("x", 0))}, []TensorRef{ref("x", 0)}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("cycle: error %v", err)
	}
}

// TestGraphOrderKerasFiles: for every Functional model (nested ones too) in
// the configs Keras 3.15.1 wrote (testdata/keras-layers/*/model.json),
// graphOrder over the parsed graph gives the layer order of the file.
func TestGraphOrderKerasFiles(t *testing.T) {
	files, err := filepath.Glob("../testdata/keras-layers/*/model.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no keras-layers configs: %v", err)
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		mc, _, err := ParseConfigJSON(f, data)
		if err != nil {
			continue // a case kerago does not read (reported by the keras tests)
		}
		var walk func(mc *ModelConfig)
		walk = func(mc *ModelConfig) {
			for _, l := range mc.Layers {
				if l.Model != nil {
					walk(l.Model)
				}
			}
			if mc.Outputs == nil {
				return
			}
			var want []string
			cfg, _ := mc.Raw["config"].(map[string]any)
			for _, e := range cfg["layers"].([]any) {
				want = append(want, e.(map[string]any)["name"].(string))
			}
			if got := orderNames(t, mc.Inputs, mc.Layers, mc.Outputs); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: model %q: order %v, Keras %v", f, mc.Name, got, want)
			}
			checked++
		}
		walk(mc)
	}
	if checked < 4 {
		t.Fatalf("only %d Functional models checked", checked)
	}
}

// TestSaveNestedFunctionalNodeIndex: Keras 3 counts a nested Functional's
// construction node in input_layers/output_layers but not in the
// keras_history of call arguments (spec §1.2, oracle-verified: a
// Functional "inner" used as an output gives ["inner", 1, 0] while an Add
// over its two calls reads ["inner", 0, 0] and ["inner", 1, 0]); a nested
// model's call records kwargs {"mask": null}. Reading the written config
// back gives the same graph.
func TestSaveNestedFunctionalNodeIndex(t *testing.T) {
	inner := &ModelConfig{ClassName: "Functional", Name: "inner",
		Inputs: []ModelInput{{Name: "x", Shape: []int{3}, DType: "float32"}},
		Layers: []LayerConfig{dense("d", 3, ref("x", 0))}, Outputs: []TensorRef{ref("d", 0)}}
	innerL := LayerConfig{ClassName: "Functional", Name: "inner", Model: inner,
		Inbound: [][]TensorRef{{ref("p", 0)}, {ref("q", 0)}}}
	outer := &ModelConfig{ClassName: "Functional", Name: "outer",
		Inputs:  []ModelInput{{Name: "p", Shape: []int{3}, DType: "float32"}, {Name: "q", Shape: []int{3}, DType: "float32"}},
		Layers:  []LayerConfig{innerL, merge("Add", "add", ref("inner", 0), ref("inner", 1))},
		Outputs: []TensorRef{ref("inner", 0), ref("add", 0)}}
	b, err := MarshalConfigJSON(&Model{Config: outer})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Config struct {
			Layers []struct {
				Name         string `json:"name"`
				ClassName    string `json:"class_name"`
				InboundNodes []struct {
					Args   json.RawMessage `json:"args"`
					Kwargs json.RawMessage `json:"kwargs"`
				} `json:"inbound_nodes"`
			} `json:"layers"`
			InputLayers  json.RawMessage `json:"input_layers"`
			OutputLayers json.RawMessage `json:"output_layers"`
		} `json:"config"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got := string(doc.Config.OutputLayers); got != `[["inner", 1, 0], ["add", 0, 0]]` {
		t.Errorf("output_layers %s", got)
	}
	if got := string(doc.Config.InputLayers); got != `[["p", 0, 0], ["q", 0, 0]]` {
		t.Errorf("input_layers %s", got)
	}
	var names []string
	for _, l := range doc.Config.Layers {
		names = append(names, l.Name)
		switch l.Name {
		case "inner":
			if len(l.InboundNodes) != 2 || string(l.InboundNodes[1].Kwargs) != `{"mask": null}` {
				t.Errorf("inner nodes %+v", l.InboundNodes)
			}
		case "add":
			a := string(l.InboundNodes[0].Args)
			if !strings.Contains(a, `"keras_history": ["inner", 0, 0]`) || !strings.Contains(a, `"keras_history": ["inner", 1, 0]`) || !strings.HasPrefix(a, "[[") {
				t.Errorf("add args %s", a)
			}
		}
	}
	if want := []string{"p", "q", "inner", "add"}; !reflect.DeepEqual(names, want) {
		t.Errorf("layers %v, want %v", names, want)
	}
	back, _, err := ParseConfigJSON("outer.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Outputs, outer.Outputs) || !reflect.DeepEqual(back.Layers[1].Inbound, outer.Layers[1].Inbound) {
		t.Fatalf("read back outputs %v, add inbound %v", back.Outputs, back.Layers[1].Inbound)
	}
}

// TestSaveNestedWeightsLayouts: a Sequential holding a Sequential with a
// BatchNormalization: .weights.h5 nests the inner model's layers under its
// group (with its own named vars group), the legacy .h5 stores the nested
// model as one group listing trainable variables first, and .npz keeps
// get_weights order; everything loads back bit for bit.
func TestSaveNestedWeightsLayouts(t *testing.T) {
	sub := &ModelConfig{ClassName: "Sequential", Name: "inner", InputShape: []int{2}, InputName: "inner_in", Layers: []LayerConfig{
		{ClassName: "BatchNormalization", Name: "bn", Config: map[string]any{}},
		{ClassName: "Dense", Name: "d", Config: map[string]any{"units": 1}, BuildInputShape: []int{2}},
	}}
	cfg := &ModelConfig{ClassName: "Sequential", Name: "outer", InputShape: []int{2}, Layers: []LayerConfig{
		{ClassName: "Sequential", Name: "inner", Model: sub, BuildInputShape: []int{2}},
	}}
	arr := func(vals ...float32) *tensor.Tensor {
		a, err := tensor.FromSlice(vals, len(vals))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	kernel, err := tensor.FromSlice([]float32{5, 6}, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	// config order: bn gamma, beta, moving_mean, moving_variance; d kernel, bias
	arrays := []*tensor.Tensor{arr(1, 1), arr(2, 2), arr(3, 3), arr(4, 4), kernel, arr(7)}
	m := &Model{Config: cfg, Weights: &Weights{Layout: LayoutKeras3, Layers: []LayerWeights{{Name: "inner", Arrays: arrays}}}}
	tree := func(f Format) map[string]svH5Obj {
		files, err := encodeModel(m, f, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		b := files[0].data
		return svH5Tree(t, bytes.NewReader(b), int64(len(b)))
	}
	legacy := tree(FormatLegacyH5W)
	wn := legacy["/inner"].attrs["weight_names"]
	if want := `["inner/bn/gamma" "inner/bn/beta" "inner/d/kernel" "inner/d/bias" "inner/bn/moving_mean" "inner/bn/moving_variance"]`; !strings.HasSuffix(wn, want) {
		t.Errorf("legacy weight_names %s, want %s", wn, want)
	}
	if ln := legacy["/"].attrs["layer_names"]; !strings.HasSuffix(ln, `["inner"]`) {
		t.Errorf("legacy layer_names %s", ln)
	}
	for path, want := range map[string][]float64{
		"/inner/inner/bn/moving_variance": {4, 4}, "/inner/inner/d/kernel": {5, 6}, "/inner/inner/d/bias": {7},
	} {
		if got := legacy[path].data; !reflect.DeepEqual(got, want) {
			t.Errorf("legacy %s = %v, want %v", path, got, want)
		}
	}
	k3 := tree(FormatWeightsH5)
	if got := k3["/layers/sequential/vars"].attrs["name"]; !strings.HasSuffix(got, `["inner"]`) {
		t.Errorf(".weights.h5 nested vars name %q", got)
	}
	for path, want := range map[string][]float64{
		"/layers/sequential/layers/batch_normalization/vars/0": {1, 1},
		"/layers/sequential/layers/batch_normalization/vars/3": {4, 4},
		"/layers/sequential/layers/dense/vars/0":               {5, 6},
		"/layers/sequential/layers/dense/vars/1":               {7},
	} {
		if got := k3[path].data; !reflect.DeepEqual(got, want) {
			t.Errorf(".weights.h5 %s = %v, want %v", path, got, want)
		}
	}
	files, err := encodeModel(m, FormatNPYDir, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.name)
	}
	want := []string{"00_inner__bn__gamma.npy", "01_inner__bn__beta.npy", "02_inner__bn__moving_mean.npy",
		"03_inner__bn__moving_variance.npy", "04_inner__d__kernel.npy", "05_inner__d__bias.npy", "manifest.json"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("npy files %v, want %v", names, want)
	}
}

// TestSaveGraphFilesMatchKeras: for every keras-layers case the loader
// reads (graphs, nested models, convolution, pooling, resampling), the
// files Save writes from the model read from Keras's model.keras and from
// Keras's model.h5 (whose config has no build_config: the shapes are
// inferred) are Keras's own files: config.json and the legacy
// model_config key by key (order and number text included), and
// model.weights.h5, the legacy .h5 and the npy directory group by group,
// attribute by attribute and value by value — so nested models' weights
// go from one layout to the other intact.
func TestSaveGraphFilesMatchKeras(t *testing.T) {
	// The sequence cases save files Keras reads back (their round trips are
	// checked by keras's save tests), but the writer does not yet reproduce
	// Keras's RNN/Embedding/wrapper config key order, shared_object_id of
	// the cell's initializers, cell group names ("lstm_cell") and their
	// build_config when written from a legacy .h5: not compared here.
	notExact := map[string]bool{"embedding_pool": true, "embedding_mask_lstm": true, "lstm_stack": true,
		"gru_variants": true, "lstm_activations": true, "conv1d_lstm": true, "rnn_wrappers": true, "conv_lstm2d": true}
	root := "../testdata/keras-layers"
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		c := filepath.Join(root, d.Name())
		if notExact[d.Name()] {
			continue
		}
		fromKeras, err := Load(filepath.Join(c, "model.keras"))
		if errors.Is(err, ErrUnsupported) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		fromH5, err := Load(filepath.Join(c, "model.h5"))
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		checked++
		t.Run(d.Name(), func(t *testing.T) {
			tmp := t.TempDir()
			save := func(m *Model, name string, f Format) string {
				p := filepath.Join(tmp, name)
				if err := Save(p, m, f); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return p
			}
			_, ours := svReadZip(t, save(fromKeras, "k.keras", FormatKeras))
			_, keras := svReadZip(t, filepath.Join(c, "model.keras"))
			if d := svJsonDiffs(t, ours["config.json"], keras["config.json"], svKerasConfigAllow); d != nil {
				t.Errorf("config.json differs from Keras's:\n%s", strings.Join(d, "\n"))
			}
			_, fromH5Files := svReadZip(t, save(fromH5, "h.keras", FormatKeras))
			if d := svJsonDiffs(t, fromH5Files["config.json"], keras["config.json"], svKerasConfigAllow); d != nil {
				t.Errorf("config.json written from model.h5 differs from Keras's:\n%s", strings.Join(d, "\n"))
			}
			kw := svFileTree(t, filepath.Join(c, "model.weights.h5"))
			ow := ours["model.weights.h5"]
			if d := svDiffH5(svH5Tree(t, bytes.NewReader(ow), int64(len(ow))), kw); d != nil {
				t.Errorf(".keras weights differ from Keras's:\n%s", strings.Join(d, "\n"))
			}
			if d := svDiffH5(svFileTree(t, save(fromH5, "h.weights.h5", FormatWeightsH5)), kw); d != nil {
				t.Errorf(".weights.h5 from the .h5 differs from Keras's:\n%s", strings.Join(d, "\n"))
			}
			hp, kp := save(fromH5, "h.h5", FormatH5), filepath.Join(c, "model.h5")
			if d := svDiffH5(svFileTree(t, hp), svFileTree(t, kp)); d != nil {
				t.Errorf("model.h5 differs from Keras's:\n%s", strings.Join(d, "\n"))
			}
			if d := svJsonDiffs(t, svH5AttrText(t, hp, "model_config"), svH5AttrText(t, kp, "model_config"), nil); d != nil {
				t.Errorf("model_config differs from Keras's:\n%s", strings.Join(d, "\n"))
			}
			np := save(fromH5, "npy", FormatNPYDir)
			want, err := os.ReadDir(filepath.Join(c, "weights"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadDir(np)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("npy dir: %d files, Keras harness %d", len(got), len(want))
			}
			for i, e := range want {
				a, b := readAll(t, filepath.Join(np, got[i].Name())), readAll(t, filepath.Join(c, "weights", e.Name()))
				if got[i].Name() != e.Name() || !bytes.Equal(a, b) {
					t.Errorf("npy dir file %d: %s, harness %s (same bytes: %v)", i, got[i].Name(), e.Name(), bytes.Equal(a, b))
				}
			}
		})
	}
	if checked < 10 {
		t.Fatalf("only %d keras-layers cases checked", checked)
	}
}

func readAll(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSaveGraphErrors: graphs and nested models Save cannot write give an
// error naming what is wrong.
func TestSaveGraphErrors(t *testing.T) {
	in := []ModelInput{{Name: "x", Shape: []int{2}, DType: "float32"}}
	deep := &ModelConfig{ClassName: "Sequential", Name: "m0", InputShape: []int{2}}
	for i := 1; i <= maxSaveDepth+1; i++ {
		deep = &ModelConfig{ClassName: "Sequential", Name: "m", InputShape: []int{2},
			Layers: []LayerConfig{{ClassName: "Sequential", Name: "n", Model: deep}}}
	}
	inner := &ModelConfig{ClassName: "Sequential", Name: "inner", InputShape: []int{2},
		Layers: []LayerConfig{{ClassName: "Dense", Name: "d", Config: map[string]any{"units": 1}}}}
	one, err := tensor.FromSlice([]float32{1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		m    *Model
		f    Format
		want string
	}{
		{"dangling_output", &Model{Config: &ModelConfig{ClassName: "Functional", Name: "f", Inputs: in,
			Layers: []LayerConfig{dense("d", 1, ref("x", 0))}, Outputs: []TensorRef{ref("nope", 0)}}}, FormatJSON, `"nope"`},
		{"missing_call", &Model{Config: &ModelConfig{ClassName: "Functional", Name: "f", Inputs: in,
			Layers: []LayerConfig{dense("d", 1, ref("x", 0))}, Outputs: []TensorRef{ref("d", 1)}}}, FormatJSON, `call 1 of layer "d"`},
		{"too_deep", &Model{Config: deep}, FormatJSON, "nested more than"},
		{"nested_weight_count", &Model{Config: &ModelConfig{ClassName: "Sequential", Name: "s", InputShape: []int{2},
			Layers: []LayerConfig{{ClassName: "Sequential", Name: "inner", Model: inner}}},
			Weights: &Weights{Layout: LayoutKeras3, Layers: []LayerWeights{{Name: "inner", Arrays: []*tensor.Tensor{one}}}}},
			FormatNPZ, `nested model "inner" has 2 variables, but 1 arrays were given`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := encodeModel(c.m, c.f, time.Time{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %s", err, c.want)
			}
		})
	}
}

// TestGraphLayerOutputShape: output shapes for classes the Keras fixtures
// do not cover. Transposed convolutions: the spec's examples (keras-layers.md
// §2.5, n=2, square, F=C=1, and the 1-D x=[1,2,3], k=3, s=2 lengths 7/6);
// the others follow Keras's formulas (§3.1: valid ⌊(n−p)/s⌋+1, same ⌈n/s⌉;
// §4.1 padding/cropping/upsampling; Permute, RepeatVector).
func TestGraphLayerOutputShape(t *testing.T) {
	conv := func(cls string, k, s int, pad string, op any) LayerConfig {
		return LayerConfig{ClassName: cls, Config: map[string]any{"filters": 1.0, "kernel_size": []any{float64(k), float64(k)},
			"strides": []any{float64(s), float64(s)}, "padding": pad, "output_padding": op, "dilation_rate": []any{1.0, 1.0}}}
	}
	conv1 := LayerConfig{ClassName: "Conv1DTranspose", Config: map[string]any{"filters": 1.0, "kernel_size": []any{3.0}, "strides": []any{2.0}, "padding": "valid"}}
	conv1same := LayerConfig{ClassName: "Conv1DTranspose", Config: map[string]any{"filters": 1.0, "kernel_size": []any{3.0}, "strides": []any{2.0}, "padding": "same"}}
	cases := []struct {
		name string
		l    LayerConfig
		in   []int
		want []int
	}{
		{"t_k3s2same", conv("Conv2DTranspose", 3, 2, "same", nil), []int{2, 2, 1}, []int{4, 4, 1}},
		{"t_k3s2valid", conv("Conv2DTranspose", 3, 2, "valid", nil), []int{2, 2, 1}, []int{5, 5, 1}},
		{"t_k4s2same", conv("Conv2DTranspose", 4, 2, "same", nil), []int{2, 2, 1}, []int{4, 4, 1}},
		{"t_k3s2same_op0", conv("Conv2DTranspose", 3, 2, "same", []any{0.0, 0.0}), []int{2, 2, 1}, []int{3, 3, 1}},
		{"t_k3s2valid_op1", conv("Conv2DTranspose", 3, 2, "valid", []any{1.0, 1.0}), []int{2, 2, 1}, []int{6, 6, 1}},
		{"t_k2s3valid", conv("Conv2DTranspose", 2, 3, "valid", nil), []int{2, 2, 1}, []int{6, 6, 1}},
		{"t_k2s3same", conv("Conv2DTranspose", 2, 3, "same", nil), []int{2, 2, 1}, []int{6, 6, 1}},
		{"t1d_valid", conv1, []int{3, 1}, []int{7, 1}},
		{"t1d_same", conv1same, []int{3, 1}, []int{6, 1}},
		{"conv_valid_dilated", LayerConfig{ClassName: "Conv1D", Config: map[string]any{"filters": 4.0, "kernel_size": []any{3.0}, "dilation_rate": []any{2.0}, "padding": "valid"}}, []int{10, 2}, []int{6, 4}},
		{"depthwise_cf", LayerConfig{ClassName: "DepthwiseConv2D", Config: map[string]any{"kernel_size": []any{3.0, 3.0}, "strides": []any{2.0, 2.0}, "padding": "same", "depth_multiplier": 2.0, "data_format": "channels_first"}}, []int{3, 7, 8}, []int{6, 4, 4}},
		{"maxpool_same", LayerConfig{ClassName: "MaxPooling1D", Config: map[string]any{"pool_size": []any{2.0}, "strides": []any{2.0}, "padding": "same"}}, []int{5, 3}, []int{3, 3}},
		{"avgpool3d_valid", LayerConfig{ClassName: "AveragePooling3D", Config: map[string]any{"pool_size": []any{2.0, 2.0, 2.0}, "strides": []any{1.0, 1.0, 1.0}, "padding": "valid"}}, []int{3, 4, 5, 2}, []int{2, 3, 4, 2}},
		{"global_keepdims", LayerConfig{ClassName: "GlobalMaxPooling3D", Config: map[string]any{"keepdims": true}}, []int{3, 4, 5, 2}, []int{1, 1, 1, 2}},
		{"global", LayerConfig{ClassName: "GlobalAveragePooling1D", Config: map[string]any{}}, []int{6, 2}, []int{2}},
		{"crop1d", LayerConfig{ClassName: "Cropping1D", Config: map[string]any{"cropping": []any{1.0, 2.0}}}, []int{6, 2}, []int{3, 2}},
		{"pad3d", LayerConfig{ClassName: "ZeroPadding3D", Config: map[string]any{"padding": []any{[]any{1.0, 1.0}, []any{0.0, 2.0}, []any{1.0, 0.0}}}}, []int{2, 2, 2, 1}, []int{4, 4, 3, 1}},
		{"up3d", LayerConfig{ClassName: "UpSampling3D", Config: map[string]any{"size": []any{2.0, 1.0, 3.0}}}, []int{2, 2, 2, 1}, []int{4, 2, 6, 1}},
		{"permute", LayerConfig{ClassName: "Permute", Config: map[string]any{"dims": []any{2.0, 1.0}}}, []int{2, 3}, []int{3, 2}},
		{"repeat", LayerConfig{ClassName: "RepeatVector", Config: map[string]any{"n": 4.0}}, []int{3}, []int{4, 3}},
		{"unknown_dim", conv("Conv2DTranspose", 3, 2, "same", nil), []int{-1, 2, 1}, []int{-1, 4, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := outputShape(c.l, c.in); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("output shape %v, want %v", got, c.want)
			}
		})
	}
}

// TestLayerKeyTablesMatchKeras: for every layer of every model Keras
// 3.15.1 wrote in testdata/keras-layers and testdata/keras-cases whose
// class has a key table, the config the writer produces from the file's
// own config dict is Keras's, key for key, in order, number text included
// (whether or not kerago runs the class).
func TestLayerKeyTablesMatchKeras(t *testing.T) {
	var files []string
	for _, g := range []string{"../testdata/keras-layers/*/model.keras", "../testdata/keras-cases/*/model.keras"} {
		f, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f...)
	}
	classes := map[string]int{}
	for _, f := range files {
		_, members := svReadZip(t, f)
		var root map[string]any
		if err := json.Unmarshal(members["config.json"], &root); err != nil {
			t.Fatal(err)
		}
		ordered, err := svDecodeOrdered(members["config.json"])
		if err != nil {
			t.Fatal(err)
		}
		var walk func(m map[string]any, o any, path string)
		walk = func(m map[string]any, o any, path string) {
			cfg, _ := m["config"].(map[string]any)
			ls, _ := cfg["layers"].([]any)
			ols := svField(svField(o, "config"), "layers").([]any)
			for i, e := range ls {
				em := e.(map[string]any)
				cls, _ := em["class_name"].(string)
				if cls == "Sequential" || cls == "Functional" {
					walk(em, ols[i], path+"/"+cls)
					continue
				}
				if _, known := classKeys(cls); (!known && !strings.HasPrefix(cls, "SpatialDropout")) || cls == "InputLayer" {
					continue
				}
				c := em["config"].(map[string]any)
				name, _ := c["name"].(string)
				tree, err := layerConfigTree(LayerConfig{ClassName: cls, Name: name, Config: c})
				if err != nil {
					t.Errorf("%s%s layer %q (%s): %v", f, path, name, cls, err)
					continue
				}
				js, err := marshalPy(tree, -1)
				if err != nil {
					t.Fatal(err)
				}
				ours, err := svDecodeOrdered(js)
				if err != nil {
					t.Fatal(err)
				}
				var d []string
				svDiffJSON("", ours, svField(ols[i], "config"), func(path string, a, b any) bool {
					// shared_object_id marks a policy shared across the file
					if strings.HasSuffix(path, "#keys") {
						return reflect.DeepEqual(append(a.([]string), "shared_object_id"), b)
					}
					return svKerasConfigAllow(path, a, b)
				}, &d)
				if d != nil {
					t.Errorf("%s%s layer %q (%s):\n%s", f, path, name, cls, strings.Join(d, "\n"))
				}
				classes[cls]++
			}
		}
		walk(root, ordered, "")
	}
	if len(classes) < 30 {
		t.Errorf("only %d classes checked: %v", len(classes), classes)
	}
	t.Logf("classes checked: %v", classes)
}

// svField is the value under key of an ordered object.
func svField(o any, key string) any {
	for _, kv := range o.([]svOkv) {
		if kv.k == key {
			return kv.v
		}
	}
	return nil
}
