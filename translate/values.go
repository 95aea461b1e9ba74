package translate

import (
	"strconv"
	"strings"
)

// vkind is what a translated Python value is in Go.
type vkind int

const (
	kUnknown      vkind = iota
	kInt                // int
	kFloat              // float64
	kString             // string
	kBool               // bool
	kNone               // Python None
	kTensor             // *tensor.Tensor
	kFrame              // *data.Frame
	kNpz                // *data.NpzFile
	kModel              // *keras.Model
	kHistory            // *keras.History
	kHistDict           // map[string][]float64 (history.history)
	kLayer              // layers.Layer
	kNormLayer          // *layers.NormalizationLayer
	kOptimizer          // optimizers.Optimizer
	kLoss               // losses.Loss
	kMetric             // metrics.Metric
	kCallback           // a callbacks type (goType)
	kSchedule           // a schedules value (goType)
	kInitializer        // initializers.Initializer
	kRegularizer        // regularizers.Regularizer
	kConstraint         // constraints.Constraint
	kStdScaler          // *data.StandardScaler
	kMinMaxScaler       // *data.MinMaxScaler
	kLabelEncoder       // *data.LabelEncoder
	kRandomState        // *data.RandomState
	kLogs               // *keras.Logs
	kFloatList          // []float64
	kIntList            // []int
	kTuple              // data.Tuple
	kStrList            // []string
	kTensorList         // []*tensor.Tensor
	kLayerList          // []layers.Layer
	kCallbackList       // []callbacks.Callback
	kPyList             // a Python list/tuple literal not yet given a Go type (elems)
	kDict               // a Python dict literal (keys/values)
	kModule             // a module, class or function reference (ref)
	kFunc               // a def of the script (inlined)
	kLambda             // a lambda (translated where used)
	kSymbolic           // a functional-API tensor (a chain of layers)
	kActivation         // an activation function reference (code is its name)
	kLossFn             // a loss/metric function reference (code is its name)
	kIntMatrix          // data.IntMatrix (a confusion matrix)
)

var kindNames = map[vkind]string{
	kUnknown: "a value", kInt: "an int", kFloat: "a float", kString: "a string", kBool: "a bool", kNone: "None",
	kTensor: "an array", kFrame: "a DataFrame", kNpz: "an .npz file", kModel: "a model", kHistory: "a History",
	kHistDict: "history.history", kLayer: "a layer", kNormLayer: "a Normalization layer", kOptimizer: "an optimizer",
	kLoss: "a loss", kMetric: "a metric", kCallback: "a callback", kSchedule: "a learning-rate schedule",
	kInitializer: "an initializer", kRegularizer: "a regularizer", kConstraint: "a constraint",
	kStdScaler: "a StandardScaler", kMinMaxScaler: "a MinMaxScaler", kLabelEncoder: "a LabelEncoder",
	kRandomState: "a RandomState", kLogs: "evaluate's results", kFloatList: "a list of floats", kIntList: "a list of ints",
	kTuple: "a shape", kStrList: "a list of strings", kTensorList: "a list of arrays", kLayerList: "a list of layers",
	kCallbackList: "a list of callbacks", kPyList: "a list", kDict: "a dict", kModule: "a module or class",
	kFunc: "a function", kLambda: "a lambda", kSymbolic: "a Keras tensor", kActivation: "an activation",
	kLossFn: "a loss function", kIntMatrix: "a matrix of counts",
}

func (k vkind) String() string { return kindNames[k] }

// goTypeOf returns the Go type of a kind ("" for kinds that are not Go
// values).
func goTypeOf(k vkind, override string) string {
	if override != "" {
		return override
	}
	switch k {
	case kInt:
		return "int"
	case kFloat:
		return "float64"
	case kString:
		return "string"
	case kBool:
		return "bool"
	case kTensor:
		return "*tensor.Tensor"
	case kFrame:
		return "*data.Frame"
	case kNpz:
		return "*data.NpzFile"
	case kModel:
		return "*keras.Model"
	case kHistory:
		return "*keras.History"
	case kHistDict:
		return "map[string][]float64"
	case kLayer:
		return "layers.Layer"
	case kNormLayer:
		return "*layers.NormalizationLayer"
	case kOptimizer:
		return "optimizers.Optimizer"
	case kLoss:
		return "losses.Loss"
	case kMetric:
		return "metrics.Metric"
	case kInitializer:
		return "initializers.Initializer"
	case kRegularizer:
		return "regularizers.Regularizer"
	case kConstraint:
		return "constraints.Constraint"
	case kStdScaler:
		return "*data.StandardScaler"
	case kMinMaxScaler:
		return "*data.MinMaxScaler"
	case kLabelEncoder:
		return "*data.LabelEncoder"
	case kRandomState:
		return "*data.RandomState"
	case kLogs:
		return "*keras.Logs"
	case kFloatList:
		return "[]float64"
	case kIntList:
		return "[]int"
	case kTuple:
		return "data.Tuple"
	case kStrList:
		return "[]string"
	case kTensorList:
		return "[]*tensor.Tensor"
	case kLayerList:
		return "[]layers.Layer"
	case kCallbackList:
		return "[]callbacks.Callback"
	case kIntMatrix:
		return "data.IntMatrix"
	}
	return ""
}

// literal is a value known at translation time.
type literal struct {
	kind vkind // kInt, kFloat, kString, kBool, kNone
	i    int64
	f    float64
	s    string
	b    bool
}

func (l *literal) num() float64 {
	if l.kind == kInt {
		return float64(l.i)
	}
	if l.kind == kBool {
		if l.b {
			return 1
		}
		return 0
	}
	return l.f
}

// modelInfo is what the translator knows of a model variable.
type modelInfo struct {
	layers       int // layers added by model.add so far
	compiled     bool
	metrics      int  // number of compiled metrics (evaluate returns a list if > 0)
	metricsKnown bool // false for loaded models
}

// symChain is a functional-API value: the layers applied so far to an
// Input.
type symChain struct {
	input  val // the Input layer (layers.Input(...))
	merge  *symMerge
	layers []val // applied to input, or to merge's output when merge is set
	line   int
}

// symMerge is a merge layer (Add, Concatenate, ...) called on a list of
// Keras tensors of one input.
type symMerge struct {
	layer   val
	parents []*symChain
}

// val is a translated Python expression.
type val struct {
	code     string // Go expression
	kind     vkind
	goType   string // for callbacks and schedules: the concrete Go type
	fallible bool   // code is a call returning (value, error)
	noValue  bool   // code is a call returning only an error
	ref      string // kModule: the dotted Python path
	lit      *literal
	elems    []val // kPyList elements, kDict values
	keys     []val // kDict keys
	tuple    bool  // kPyList came from a tuple
	line     int
	lines    []int // kPyList: line of each element
	bind     *binding
	model    *modelInfo
	sym      *symChain
	lambda   *Lambda
	def      *DefStmt
	hint     string // name hint for a temporary
	py       Expr
	postName string // a model name to set after creation (Go code)
}

// binding is a Python variable.
type binding struct {
	py       string
	goName   string
	kind     vkind
	goType   string
	uses     int
	model    *modelInfo
	alias    *val // a value that is not a Go variable (module, lambda, def, literal list, symbolic)
	hoisted  bool
	listTop  bool       // a list literal assigned at the top level
	listInit string     // its Go slice literal once it becomes a variable
	stack    *stackInfo // a list of arrays built from [] by .append: what it holds
}

func intLit(i int64) val {
	return val{code: strconv.FormatInt(i, 10), kind: kInt, lit: &literal{kind: kInt, i: i}}
}

func floatLit(f float64, text string) val {
	if text == "" {
		text = goFloat(f)
	}
	return val{code: text, kind: kFloat, lit: &literal{kind: kFloat, f: f}}
}

func strLit(s string) val {
	return val{code: strconv.Quote(s), kind: kString, lit: &literal{kind: kString, s: s}}
}

func boolLit(b bool) val {
	return val{code: strconv.FormatBool(b), kind: kBool, lit: &literal{kind: kBool, b: b}}
}

// goFloat formats a float constant for Go source.
func goFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// pyNumberText converts a Python number literal to Go source text.
func pyNumberText(text string) string {
	s := strings.ReplaceAll(text, "_", "")
	low := strings.ToLower(s)
	if strings.HasPrefix(low, "0o") {
		return "0o" + s[2:]
	}
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	s = strings.Replace(s, ".e", ".0e", 1)
	s = strings.Replace(s, ".E", ".0E", 1)
	return s
}

func describe(v val) string {
	if v.kind == kModule {
		return v.ref
	}
	return v.kind.String()
}

func (v val) isNumber() bool { return v.kind == kInt || v.kind == kFloat || v.kind == kBool }

// asFloat returns Go code for v as a float64.
func asFloat(v val) string {
	switch v.kind {
	case kFloat:
		return v.code
	case kInt:
		if v.lit != nil {
			return v.code
		}
		return "float64(" + v.code + ")"
	case kBool:
		if v.lit != nil {
			if v.lit.b {
				return "1"
			}
			return "0"
		}
	}
	return "float64(" + v.code + ")"
}
