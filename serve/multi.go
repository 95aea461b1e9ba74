package serve

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// MultiPredictor is a Predictor whose model may have several named inputs
// or outputs (a Keras Functional graph). *keras.Model satisfies it. A
// MultiPredictor with one input and one output is served through Predict,
// exactly like a plain Predictor; otherwise through PredictN, and its
// inputs and outputs are named after InputNames and OutputNames in
// requests, answers and metadata.
type MultiPredictor interface {
	Predictor
	// InputNames names the inputs, in the order PredictN takes them.
	InputNames() []string
	// InputShapes are the per-sample shapes of the inputs (InputNames
	// order); a negative size accepts any size.
	InputShapes() [][]int
	// OutputNames names the outputs, in the order PredictN returns them.
	OutputNames() []string
	// OutputShapes are the per-sample shapes of the outputs.
	OutputShapes() [][]int
	// PredictN takes one tensor per input, all with the same number of
	// rows, and returns one tensor per output with that many rows. It is
	// called from many goroutines at once.
	PredictN(xs ...*tensor.Tensor) ([]*tensor.Tensor, error)
}

// InputDTyper is implemented by models that declare the dtypes of their
// inputs as Keras names them ("float32", "int32", ...), in InputNames order
// (or for the one input of a plain Predictor). An integer input accepts
// only JSON integers, which reach the model as exact float32 values, and
// is listed as DT_INT32 or DT_INT64 in metadata. Without it, or when it
// returns nil, every input is DT_FLOAT.
type InputDTyper interface {
	InputDTypes() []string
}

// TensorInfo describes one named input or output of a served model.
type TensorInfo struct {
	Name  string
	Shape []int  // per sample; a negative size means any size
	DType string // TensorFlow's name: DT_FLOAT, DT_INT32 or DT_INT64
}

const dtFloat = "DT_FLOAT"

// tfDType maps a Keras dtype name to TensorFlow's.
func tfDType(keras string) (string, error) {
	switch keras {
	case "", "float32", "float16", "bfloat16", "float64":
		return dtFloat, nil
	case "int32", "int16", "int8", "uint8", "uint16", "bool":
		return "DT_INT32", nil
	case "int64", "uint32":
		return "DT_INT64", nil
	}
	return "", fmt.Errorf("input dtype %q cannot be served (want a float or integer dtype)", keras)
}

func isIntDType(dt string) bool { return dt == "DT_INT32" || dt == "DT_INT64" }

// signatureOf reads the named inputs and outputs of p. The only input of a
// model is named InputName and its only output OutputName, as before
// models could have several; several are named after the model's names.
func signatureOf(p Predictor) (ins, outs []TensorInfo, multi bool, err error) {
	mp, ok := p.(MultiPredictor)
	if ok {
		inNames, outNames := mp.InputNames(), mp.OutputNames()
		multi = len(inNames) > 1 || len(outNames) > 1
		if multi {
			if ins, err = namedInfos("input", inNames, mp.InputShapes(), InputName); err != nil {
				return nil, nil, false, err
			}
			if outs, err = namedInfos("output", outNames, mp.OutputShapes(), OutputName); err != nil {
				return nil, nil, false, err
			}
		}
	}
	if !multi {
		ins = []TensorInfo{{Name: InputName, Shape: slices.Clone(p.InputShape())}}
		outs = []TensorInfo{{Name: OutputName, Shape: slices.Clone(p.OutputShape())}}
	}
	for i := range outs {
		outs[i].DType = dtFloat
	}
	if err := setDTypes(p, ins); err != nil {
		return nil, nil, false, err
	}
	return ins, outs, multi, nil
}

// namedInfos pairs names with shapes; one tensor takes the single name.
func namedInfos(what string, names []string, shapes [][]int, single string) ([]TensorInfo, error) {
	if len(names) == 0 || len(names) != len(shapes) {
		return nil, fmt.Errorf("the model reports %d %s names and %d %s shapes", len(names), what, len(shapes), what)
	}
	if len(names) == 1 {
		return []TensorInfo{{Name: single, Shape: slices.Clone(shapes[0])}}, nil
	}
	out := make([]TensorInfo, len(names))
	for i, n := range names {
		if n == "" || slices.Contains(names[:i], n) {
			return nil, fmt.Errorf("%s %d has an empty or repeated name %q (names %s)", what, i, n, strings.Join(names, ", "))
		}
		out[i] = TensorInfo{Name: n, Shape: slices.Clone(shapes[i])}
	}
	return out, nil
}

func setDTypes(p Predictor, ins []TensorInfo) error {
	for i := range ins {
		ins[i].DType = dtFloat
	}
	dt, ok := p.(InputDTyper)
	if !ok {
		return nil
	}
	names := dt.InputDTypes()
	if names == nil {
		return nil
	}
	if len(names) != len(ins) {
		return fmt.Errorf("the model reports %d input dtypes for %d inputs", len(names), len(ins))
	}
	for i, n := range names {
		d, err := tfDType(n)
		if err != nil {
			return fmt.Errorf("input %q: %w", ins[i].Name, err)
		}
		ins[i].DType = d
	}
	return nil
}

// inputList writes the input names as "a", "b" for messages.
func inputList(infos []TensorInfo) string {
	q := make([]string, len(infos))
	for i, t := range infos {
		q[i] = fmt.Sprintf("%q", t.Name)
	}
	return strings.Join(q, ", ")
}

// objectLike writes {"a": ..., "b": ...} for messages.
func objectLike(infos []TensorInfo) string {
	q := make([]string, len(infos))
	for i, t := range infos {
		q[i] = fmt.Sprintf("%q: ...", t.Name)
	}
	return "{" + strings.Join(q, ", ") + "}"
}

func (l *loaded) specs(sv *servable) []*inputSpec {
	out := make([]*inputSpec, len(l.ins))
	for i, in := range l.ins {
		out[i] = &inputSpec{model: sv.name, version: sv.version, name: in.Name, shape: in.Shape, dtype: in.DType}
	}
	return out
}

func invalidRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, reason: reasonInvalidRequest, msg: fmt.Sprintf(format, args...)}
}

// namedMembers reads an object whose keys must be exactly the names of
// infos, calling member for each with s at its value; where says what the
// object is in messages.
func namedMembers(s *scanner, infos []TensorInfo, model string, where func() string, member func(k int) error) error {
	seen := make([]bool, len(infos))
	err := s.object(func(key string) error {
		k := slices.IndexFunc(infos, func(t TensorInfo) bool { return t.Name == key })
		switch {
		case k < 0:
			return invalidRequest("%s: unknown input name %q: model %q has inputs %s", where(), key, model, inputList(infos))
		case seen[k]:
			return invalidRequest("%s: input %q given twice", where(), key)
		}
		seen[k] = true
		return member(k)
	})
	if err != nil {
		return err
	}
	var missing []TensorInfo
	for k, ok := range seen {
		if !ok {
			missing = append(missing, infos[k])
		}
	}
	if len(missing) > 0 {
		return invalidRequest("%s: missing input %s: model %q has inputs %s", where(), inputList(missing), model, inputList(infos))
	}
	return nil
}

// decodeInstancesN reads a row-format "instances" list for a model with
// several inputs: every instance is an object {input name: value} naming
// each input once.
func decodeInstancesN(raw []byte, infos []TensorInfo, specs []*inputSpec) ([]*tensor.Tensor, *apiError) {
	s := &scanner{b: raw}
	if c := s.peek(); c != '[' {
		return nil, invalidRequest("'instances' must be a list, got %s", jsonTypeName(c))
	}
	ds := make([]*tensorDecoder, len(specs))
	for k, spec := range specs {
		ds[k] = newTensorDecoder(nil, spec, "instances", true, spec.shape)
		ds[k].s = s
		ds[k].data = make([]float32, 0, len(raw)/(4*len(specs))+1)
	}
	model := specs[0].model
	rows := 0
	err := s.array(func(i int) error {
		if c := s.peek(); c != '{' {
			return invalidRequest("instances[%d]: model %q has inputs %s, so each instance must be an object %s, got %s",
				i, model, inputList(infos), objectLike(infos), jsonTypeName(c))
		}
		rows = i + 1
		where := func() string { return fmt.Sprintf("instances[%d]", i) }
		return namedMembers(s, infos, model, where, func(k int) error {
			d := ds[k]
			d.inst, d.member = i, infos[k].Name
			d.path = d.path[:0]
			return d.value(0)
		})
	})
	if err != nil {
		return nil, wrapDecodeErr(err)
	}
	if rows == 0 {
		return nil, invalidRequest("No values in 'instances' array")
	}
	xs := make([]*tensor.Tensor, len(ds))
	for k, d := range ds {
		t, terr := tensor.FromSlice(d.data, append([]int{rows}, d.dims...)...)
		if terr != nil {
			return nil, &apiError{code: 400, reason: reasonInvalidShape, msg: "instances: input " + infos[k].Name + ": " + terr.Error()}
		}
		xs[k] = t
	}
	return xs, nil
}

// decodeInputsN reads a columnar "inputs" object {input name: batched
// tensor} for a model with several inputs; every input must have the same
// number of rows.
func decodeInputsN(raw []byte, infos []TensorInfo, specs []*inputSpec) ([]*tensor.Tensor, *apiError) {
	s := &scanner{b: raw}
	model := specs[0].model
	if c := s.peek(); c != '{' {
		return nil, invalidRequest("'inputs' must be an object %s: model %q has inputs %s, got %s",
			objectLike(infos), model, inputList(infos), jsonTypeName(c))
	}
	vals := make([][]byte, len(infos))
	err := namedMembers(s, infos, model, func() string { return "inputs" }, func(k int) error {
		s.ws()
		start := s.i
		if err := s.skipValue(); err != nil {
			return err
		}
		vals[k] = s.b[start:s.i]
		return nil
	})
	if err != nil {
		return nil, wrapDecodeErr(err)
	}
	xs := make([]*tensor.Tensor, len(infos))
	for k, spec := range specs {
		d := newTensorDecoder(vals[k], spec, "inputs."+infos[k].Name, false, append([]int{-1}, spec.shape...))
		x, aerr := d.finish()
		if aerr != nil {
			return nil, aerr
		}
		if k > 0 && x.Dim(0) != xs[0].Dim(0) {
			return nil, &apiError{code: 400, reason: reasonInvalidShape, msg: fmt.Sprintf(
				"inputs: input %q has %d rows but %q has %d: every input of model %q needs the same number of rows",
				infos[k].Name, x.Dim(0), infos[0].Name, xs[0].Dim(0), model)}
		}
		xs[k] = x
	}
	return xs, nil
}

// checkInputs validates tensors given to Server.PredictN.
func checkInputs(l *loaded, xs []*tensor.Tensor) error {
	if len(xs) != len(l.ins) {
		return fmt.Errorf("got %d input tensors, want %d (%s)", len(xs), len(l.ins), inputList(l.ins))
	}
	for k, x := range xs {
		in := l.ins[k]
		if x == nil || x.Rank() != len(in.Shape)+1 || !shapeFits(x.Shape()[1:], in.Shape) {
			got := "nil"
			if x != nil {
				got = shapeString(x.Shape())
			}
			return fmt.Errorf("input %q shape %s, want %s", in.Name, got, shapeString(append([]int{-1}, in.Shape...)))
		}
		if x.Dim(0) != xs[0].Dim(0) {
			return fmt.Errorf("input %q has %d rows but %q has %d", in.Name, x.Dim(0), l.ins[0].Name, xs[0].Dim(0))
		}
		if err := x.CheckFinite(); err != nil {
			return fmt.Errorf("input %q: %w", in.Name, err)
		}
	}
	return nil
}

// predictN calls the model on xs, checking every output's shape.
func predictN(l *loaded, xs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if l.mp == nil {
		y, err := l.p.Predict(xs[0])
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{y}, nil
	}
	ys, err := l.mp.PredictN(xs...)
	if err != nil {
		return nil, err
	}
	if len(ys) != len(l.outs) {
		return nil, fmt.Errorf("model returned %d outputs, want %d", len(ys), len(l.outs))
	}
	return ys, nil
}

// checkOutput checks output k of a pass over rows rows.
func (l *loaded) checkOutput(k int, y *tensor.Tensor, rows int) error {
	want := l.outs[k].Shape
	if y == nil || y.Rank() != len(want)+1 || y.Dim(0) != rows || !shapeFits(y.Shape()[1:], want) {
		got := "nil"
		if y != nil {
			got = shapeString(y.Shape())
		}
		name := ""
		if len(l.outs) > 1 {
			name = fmt.Sprintf("output %q: ", l.outs[k].Name)
		}
		return fmt.Errorf("model returned %sshape %s for %d rows, want %s", name, got, rows, shapeString(append([]int{rows}, want...)))
	}
	return nil
}

// errMultiInput is returned by Server.Predict for a model with several
// inputs or outputs.
var errMultiInput = errors.New("the model has several inputs or outputs; use PredictN")

// sameSignature reports whether two loads have the same inputs and outputs.
func sameSignature(a, b *loaded) bool {
	eq := func(x, y TensorInfo) bool {
		return x.Name == y.Name && x.DType == y.DType && slices.Equal(x.Shape, y.Shape)
	}
	return slices.EqualFunc(a.ins, b.ins, eq) && slices.EqualFunc(a.outs, b.outs, eq)
}

func signatureString(infos []TensorInfo) string {
	parts := make([]string, len(infos))
	for i, t := range infos {
		parts[i] = t.Name + shapeString(append([]int{-1}, t.Shape...))
	}
	return strings.Join(parts, " ")
}
