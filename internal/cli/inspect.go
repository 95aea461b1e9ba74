package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kerago/kerago/internal/cli/datafile"
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/loader"
)

type inspectOptions struct {
	weights string
	json    bool
	budget  budgetFlag
}

func (o *inspectOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.weights, "weights", "", "read the weights from `W` (MODEL is then a config: .json, .yaml, ...)")
	fs.BoolVar(&o.json, "json", false, "print a JSON object instead of text")
	registerBudget(fs, &o.budget)
}

func inspectCommand() *command {
	return &command{
		name:     "inspect",
		synopsis: "inspect MODEL [--weights W] [--json]",
		summary:  "show a model file's format, Keras version, layers and compile config",
		about: `Shows what MODEL is: its format, the Keras version and backend that saved it,
Keras's model.summary() table, the compile configuration (optimizer class and
config, loss, metrics) and whether optimizer state is stored. A weights-only
file (.weights.h5, .npz, an npy directory) is listed variable by variable.

--json prints one JSON object with the same facts for scripts: path, format,
keras_version, backend, model (name, class_name, input_shape, output_shape,
layers with their Keras configs and parameter counts, totals), summary,
compile_config (null when not compiled), optimizer_state, weights.

Example:
  kerago inspect model.h5
  kerago inspect model.json --weights model.weights.h5 --json`,
		minArgs: 1, maxArgs: 1,
		newOptions: func() options { return &inspectOptions{} },
		exec: func(ctx context.Context, env Env, o options, args []string) error {
			return runInspect(env, o.(*inspectOptions), args[0])
		},
	}
}

// inspectJSON is inspect's --json output.
type inspectJSON struct {
	Path           string            `json:"path"`
	WeightsPath    string            `json:"weights_path,omitempty"`
	Format         loader.Format     `json:"format"`
	WeightsFormat  loader.Format     `json:"weights_format,omitempty"`
	KerasVersion   string            `json:"keras_version"`
	Backend        string            `json:"backend"`
	Model          *modelJSON        `json:"model"`
	Summary        string            `json:"summary,omitempty"`
	CompileConfig  *compileJSON      `json:"compile_config"`
	OptimizerState *optimizerJSON    `json:"optimizer_state"`
	Weights        []weightEntryJSON `json:"weights"`
	// Warnings are what loading could not carry over or had to guess
	// (keras.Model.LoadWarnings).
	Warnings []string `json:"warnings,omitempty"`
}

type modelJSON struct {
	Name               string      `json:"name"`
	ClassName          string      `json:"class_name"`
	InputShape         []*int      `json:"input_shape"`
	OutputShape        []*int      `json:"output_shape"`
	Inputs             []ioJSON    `json:"inputs"`
	Outputs            []ioJSON    `json:"outputs"`
	Layers             []layerJSON `json:"layers"`
	TotalParams        int         `json:"total_params"`
	TrainableParams    int         `json:"trainable_params"`
	NonTrainableParams int         `json:"non_trainable_params"`
}

// ioJSON is one input or output of a model: its name (the InputLayer's or
// the output layer's) and batched shape.
type ioJSON struct {
	Name  string `json:"name"`
	Shape []*int `json:"shape"`
}

type layerJSON struct {
	Name            string         `json:"name"`
	ClassName       string         `json:"class_name"`
	OutputShape     []*int         `json:"output_shape"`
	Params          int            `json:"params"`
	TrainableParams int            `json:"trainable_params"`
	Config          map[string]any `json:"config"`
}

type compileJSON struct {
	Optimizer       *objectJSON `json:"optimizer"`
	Loss            any         `json:"loss"`
	Metrics         []any       `json:"metrics"`
	WeightedMetrics []any       `json:"weighted_metrics"`
}

type objectJSON struct {
	ClassName string         `json:"class_name"`
	Module    string         `json:"module,omitempty"`
	Config    map[string]any `json:"config"`
}

type optimizerJSON struct {
	Layout    string `json:"layout"`
	Variables int    `json:"variables"`
}

type weightEntryJSON struct {
	Layer string `json:"layer"`
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// batchShape returns [None, dims...] as JSON values.
func batchShape(s []int) []*int {
	out := []*int{nil}
	for _, d := range s {
		if d < 0 {
			out = append(out, nil)
			continue
		}
		d := d
		out = append(out, &d)
	}
	return out
}

func objectOf(o *loader.ObjectConfig) *objectJSON {
	if o == nil {
		return nil
	}
	return &objectJSON{ClassName: o.ClassName, Module: o.Module, Config: o.Config}
}

func valueOf(v any) any {
	if o, ok := v.(*loader.ObjectConfig); ok {
		return objectOf(o)
	}
	return v
}

func describeInspect(path, weights string, lm *loader.Model, m *keras.Model) (*inspectJSON, error) {
	out := &inspectJSON{Path: path, Format: lm.Format, KerasVersion: lm.KerasVersion, Backend: lm.Backend}
	if weights != "" {
		out.WeightsPath = weights
		if f, err := loader.Detect(weights); err == nil {
			out.WeightsFormat = f
		}
	}
	if lm.Training != nil {
		c := &compileJSON{Optimizer: objectOf(lm.Training.Optimizer), Loss: valueOf(lm.Training.Loss),
			Metrics: []any{}, WeightedMetrics: []any{}}
		for _, v := range lm.Training.Metrics {
			c.Metrics = append(c.Metrics, valueOf(v))
		}
		for _, v := range lm.Training.WeightedMetrics {
			c.WeightedMetrics = append(c.WeightedMetrics, valueOf(v))
		}
		out.CompileConfig = c
	}
	if lm.Optimizer != nil && len(lm.Optimizer.Arrays) > 0 {
		out.OptimizerState = &optimizerJSON{Layout: lm.Optimizer.Layout, Variables: len(lm.Optimizer.Arrays)}
	}
	out.Weights = []weightEntryJSON{}
	if lm.Weights != nil {
		for _, lw := range lm.Weights.Layers {
			for i, a := range lw.Arrays {
				name := ""
				if i < len(lw.VarNames) {
					name = lw.VarNames[i]
				}
				out.Weights = append(out.Weights, weightEntryJSON{Layer: lw.Name, Name: name, Shape: a.Shape()})
			}
		}
	}
	if m == nil {
		return out, nil
	}
	mj := &modelJSON{Name: m.Name(), ClassName: m.ClassName(), InputShape: batchShape(m.InputShape()),
		OutputShape: batchShape(m.OutputShape()), Layers: []layerJSON{}}
	for i, n := range m.InputNames() {
		mj.Inputs = append(mj.Inputs, ioJSON{Name: n, Shape: batchShape(m.InputShapes()[i])})
	}
	for i, n := range m.OutputNames() {
		mj.Outputs = append(mj.Outputs, ioJSON{Name: n, Shape: batchShape(m.OutputShapes()[i])})
	}
	for _, l := range m.Layers() {
		lj := layerJSON{Name: l.Name(), ClassName: l.ClassName(), OutputShape: batchShape(l.OutputShape()), Config: l.Config()}
		for _, v := range l.Variables() {
			n := v.Value.Len()
			lj.Params += n
			if v.Trainable {
				lj.TrainableParams += n
			}
		}
		mj.TotalParams += lj.Params
		mj.TrainableParams += lj.TrainableParams
		mj.Layers = append(mj.Layers, lj)
	}
	mj.NonTrainableParams = mj.TotalParams - mj.TrainableParams
	out.Model = mj
	out.Warnings = m.LoadWarnings()
	var sb strings.Builder
	if err := m.Summary(&sb); err != nil {
		return nil, err
	}
	out.Summary = sb.String()
	return out, nil
}

func runInspect(env Env, o *inspectOptions, path string) error {
	lm, err := readModelFile(path, o.weights, o.budget)
	if err != nil {
		return err
	}
	var m *keras.Model
	if lm.Config != nil {
		if m, err = keras.FromLoaded(lm); err != nil {
			return err
		}
	}
	info, err := describeInspect(path, o.weights, lm, m)
	if err != nil {
		return err
	}
	if o.json {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		markInspectNonFinite(info)
		if err := enc.Encode(info); err != nil {
			return fmt.Errorf("%s: encoding the description as JSON: %w", path, err)
		}
		_, err := env.Stdout.Write(unmarkNonFinite(b.Bytes()))
		return err
	}
	return writeInspectText(env.Stdout, info)
}

func orNone(s string) string {
	if s == "" {
		return "(not recorded)"
	}
	return s
}

func writeInspectText(w io.Writer, info *inspectJSON) error {
	var b strings.Builder
	fmt.Fprintf(&b, "File:     %s\n", info.Path)
	fmt.Fprintf(&b, "Format:   %s\n", describeFormat(info.Format))
	if info.WeightsPath != "" {
		fmt.Fprintf(&b, "Weights:  %s, %s\n", info.WeightsPath, describeFormat(info.WeightsFormat))
	}
	fmt.Fprintf(&b, "Keras:    %s\n", orNone(info.KerasVersion))
	fmt.Fprintf(&b, "Backend:  %s\n", orNone(info.Backend))
	if info.Model == nil {
		n := 0
		for _, w := range info.Weights {
			p := 1
			for _, d := range w.Shape {
				p *= d
			}
			n += p
		}
		fmt.Fprintf(&b, "\nWeights only, no architecture: %d variables, %s parameters\n", len(info.Weights), commas(n))
		for _, w := range info.Weights {
			name := w.Name
			if name == "" {
				name = "(unnamed)"
			}
			fmt.Fprintf(&b, "  %-24s %-28s %s\n", w.Layer, name, datafile.PyShape(w.Shape))
		}
		fmt.Fprintf(&b, "\nRun 'kerago inspect CONFIG --weights %s' with the model's config to see the model.\n", info.Path)
		_, err := io.WriteString(w, b.String())
		return err
	}
	if len(info.Model.Inputs) > 1 || len(info.Model.Outputs) > 1 {
		for _, in := range info.Model.Inputs {
			fmt.Fprintf(&b, "Input:    %s %s\n", in.Name, pyBatchShape(in.Shape))
		}
		for _, out := range info.Model.Outputs {
			fmt.Fprintf(&b, "Output:   %s %s\n", out.Name, pyBatchShape(out.Shape))
		}
	} else {
		fmt.Fprintf(&b, "Input:    %s\n", pyBatchShape(info.Model.InputShape))
		fmt.Fprintf(&b, "Output:   %s\n", pyBatchShape(info.Model.OutputShape))
	}
	if len(info.Weights) == 0 {
		b.WriteString("Stored weights: none (a config-only file: the model has freshly initialized weights)\n")
	}
	b.WriteString("\n")
	b.WriteString(info.Summary)
	b.WriteString("\n")
	if info.CompileConfig == nil {
		b.WriteString("Compile config: none (the model was saved without compiling; kerago fit needs --loss)\n")
	} else {
		c := info.CompileConfig
		b.WriteString("Compile config:\n")
		if c.Optimizer != nil {
			fmt.Fprintf(&b, "  optimizer: %s %s\n", c.Optimizer.ClassName, compactJSON(c.Optimizer.Config))
		} else {
			b.WriteString("  optimizer: (none)\n")
		}
		fmt.Fprintf(&b, "  loss:      %s\n", configText(c.Loss))
		fmt.Fprintf(&b, "  metrics:   %s\n", listText(c.Metrics))
		if len(c.WeightedMetrics) > 0 {
			fmt.Fprintf(&b, "  weighted metrics: %s\n", listText(c.WeightedMetrics))
		}
	}
	if info.OptimizerState != nil {
		fmt.Fprintf(&b, "Optimizer state: %d variables stored (%s layout)\n", info.OptimizerState.Variables, info.OptimizerState.Layout)
	} else {
		b.WriteString("Optimizer state: none stored\n")
	}
	for _, wr := range info.Warnings {
		fmt.Fprintf(&b, "Warning: %s\n", wr)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pyBatchShape(s []*int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		if d == nil {
			parts[i] = "None"
		} else {
			parts[i] = fmt.Sprint(*d)
		}
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// compactJSON renders a config map on one line with sorted keys.
func compactJSON(v any) string {
	if m, ok := v.(map[string]any); ok {
		keys := slices.Sorted(maps.Keys(m))
		var b strings.Builder
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteString(": ")
			b.WriteString(compactJSON(m[k]))
		}
		b.WriteString("}")
		return b.String()
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func configText(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		return x
	case *objectJSON:
		return x.ClassName + " " + compactJSON(x.Config)
	}
	return compactJSON(v)
}

func listText(vs []any) string {
	if len(vs) == 0 {
		return "(none)"
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = configText(v)
	}
	return strings.Join(parts, ", ")
}

func commas(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
