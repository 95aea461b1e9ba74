package translate

import (
	"strconv"
	"strings"
)

func (t *translator) numpyCall(name string, c *Call) val {
	switch name {
	case "load":
		a := t.bind(c, "np.load", "file", "mmap_mode", "allow_pickle")
		p, ok := a.get("file")
		if !ok {
			t.fail(c.Line, "np.load needs a file")
		}
		a.ignore("kerago reads plain arrays only", "allow_pickle", "encoding")
		if e, ok := a.get("mmap_mode"); ok && !isNone(e) {
			t.fail(c.Line, "np.load(mmap_mode=...) is outside the subset")
		}
		a.done()
		pv := t.stringOf(p, "file")
		suffix := strings.ToLower(literalSuffix(p))
		if strings.HasSuffix(suffix, ".npz") {
			return val{code: "data.LoadNpz(" + pv.code + ")", kind: kNpz, fallible: true, hint: "npz"}
		}
		if !strings.HasSuffix(suffix, ".npy") {
			t.note(c.Line, "the file name does not end in a literal .npy or .npz: read as .npy")
		}
		return val{code: "data.LoadNpy(" + pv.code + ")", kind: kTensor, fallible: true, hint: "arr"}
	case "loadtxt", "genfromtxt":
		a := t.bind(c, "np."+name, "fname", "dtype", "comments", "delimiter")
		p, ok := a.get("fname")
		if !ok {
			t.fail(c.Line, "np.%s needs a file name", name)
		}
		var fields []string
		if e, ok := a.get("delimiter"); ok && !isNone(e) {
			fields = append(fields, "Delimiter: "+t.stringOf(e, "delimiter").code)
		}
		if e, ok := a.get("skiprows", "skip_header"); ok {
			fields = append(fields, "SkipRows: "+t.intOf(e, "skiprows").code)
		}
		if e, ok := a.get("usecols"); ok && !isNone(e) {
			fields = append(fields, "UseCols: []int{"+strings.Join(t.intsOf(e, "usecols", false), ", ")+"}")
		}
		if e, ok := a.get("comments"); ok {
			if isNone(e) {
				fields = append(fields, "NoComments: true")
			} else {
				fields = append(fields, "Comments: "+t.stringOf(e, "comments").code)
			}
		}
		if e, ok := a.get("ndmin"); ok {
			fields = append(fields, "NDMin: "+t.intOf(e, "ndmin").code)
		}
		if e, ok := a.get("max_rows"); ok && !isNone(e) {
			fields = append(fields, "MaxRows: "+t.intOf(e, "max_rows").code)
		}
		if e, ok := a.get("dtype"); ok {
			if d := dtypeName(e); d != "float32" && d != "float64" && d != "float" {
				t.fail(c.Line, "np.%s(dtype=%s) is outside the subset (kerago reads float32)", name, d)
			}
		}
		if e, ok := a.get("unpack"); ok {
			if v := t.boolArg(e, "unpack"); v.lit == nil || v.lit.b {
				t.fail(c.Line, "np.%s(unpack=True) is outside the subset", name)
			}
		}
		a.ignore("the file is read as UTF-8", "encoding")
		a.done()
		pv := t.stringOf(p, "fname")
		fn := "data.LoadTxt"
		if name == "genfromtxt" {
			fn = "data.GenFromTxt"
		}
		return val{code: fn + "(" + pv.code + ", data.TxtOptions{" + strings.Join(fields, ", ") + "})", kind: kTensor, fallible: true, hint: "dataset"}
	case "array", "asarray", "float32", "asfarray":
		a := t.bind(c, "np."+name, "object", "dtype")
		o, ok := a.get("object")
		if !ok {
			t.fail(c.Line, "np.%s needs an array", name)
		}
		var dt Expr
		if e, ok := a.get("dtype"); ok {
			dt = e
		}
		a.ignore("kerago makes a copy when needed", "copy")
		a.done()
		v := t.expr(o)
		var out val
		switch v.kind {
		case kPyList:
			out = t.arrayLiteral(v, c.Line)
		case kTensor:
			out = t.materialize(v, "arr")
			if name == "array" {
				out = val{code: out.code + ".Clone()", kind: kTensor, hint: out.hint}
			}
		case kTensorList:
			out = t.stackList(v, c.Line)
		case kFrame, kFloatList:
			out = t.toTensorLazy(v, c.Line, "arr")
		case kInt, kFloat:
			out = val{code: "data.Scalar(" + asFloat(t.materialize(v, "x")) + ")", kind: kTensor}
		default:
			t.fail(c.Line, "np.%s of %s is outside the subset", name, describe(v))
		}
		if dt != nil && dtypeName(dt) != "float32" && dtypeName(dt) != "float64" && dtypeName(dt) != "float" {
			out = t.asType(t.materialize(out, "arr"), dt, c.Line)
		}
		return out
	case "unique":
		a := t.bind(c, "np.unique", "ar")
		x := a.need("ar")
		counts := false
		if e, ok := a.get("return_counts"); ok {
			v := t.boolArg(e, "return_counts")
			if v.lit == nil {
				t.fail(c.Line, "return_counts must be True or False")
			}
			counts = v.lit.b
		}
		a.done()
		xv := t.tensorOf(x, "x")
		if counts {
			return val{code: "data.UniqueCounts(" + xv.code + ")", kind: kTensorList, fallible: true, hint: "unique", elems: make([]val, 2)}
		}
		return val{code: "data.Unique(" + xv.code + ")", kind: kTensor, fallible: true, hint: "unique"}
	case "argmax":
		a := t.bind(c, "np.argmax", "a", "axis")
		x := a.need("a")
		ax, ok := a.get("axis")
		a.done()
		if !ok || isNone(ax) {
			t.fail(c.Line, "np.argmax without axis is outside the subset")
		}
		xv := t.tensorOf(x, "x")
		return val{code: "data.Argmax(" + xv.code + ", " + t.intOf(ax, "axis").code + ")", kind: kTensor, fallible: true, hint: xv.hint + "Argmax"}
	case "mean", "std", "min", "max", "sum", "amin", "amax":
		a := t.bind(c, "np."+name, "a", "axis")
		x := a.need("a")
		ax, hasAxis := a.get("axis")
		a.done()
		xv := t.tensorOf(x, "x")
		n := strings.TrimPrefix(name, "a")
		if name == "mean" || name == "max" || name == "min" {
			n = name
		}
		return t.tensorMethod(xv, n, axisCall(c, ax, hasAxis))
	case "round", "around":
		a := t.bind(c, "np.round", "a", "decimals")
		x := a.need("a")
		if e, ok := a.get("decimals"); ok {
			if v := t.intOf(e, "decimals"); v.lit == nil || v.lit.i != 0 {
				t.fail(c.Line, "np.round(decimals=...) is outside the subset")
			}
		}
		a.done()
		xv := t.tensorOf(x, "x")
		return val{code: "data.Round(" + xv.code + ")", kind: kTensor, hint: xv.hint + "Rounded"}
	case "reshape":
		a := t.bind(c, "np.reshape", "a", "newshape")
		x := a.need("a", "a")
		s, ok := a.get("newshape", "shape")
		if !ok {
			t.fail(c.Line, "np.reshape needs a shape")
		}
		a.done()
		xv := t.tensorOf(x, "x")
		dims := t.intsOf(s, "shape", false)
		return val{code: xv.code + ".Reshape(" + strings.Join(dims, ", ") + ")", kind: kTensor, fallible: true, hint: xv.hint}
	case "zeros", "ones":
		a := t.bind(c, "np."+name, "shape", "dtype")
		s := a.need("shape")
		a.get("dtype")
		a.done()
		dims := t.intsOf(s, "shape", false)
		if name == "zeros" {
			return val{code: "tensor.New(" + strings.Join(dims, ", ") + ")", kind: kTensor, fallible: true, hint: "zeros"}
		}
		return val{code: "data.Full(1, " + strings.Join(dims, ", ") + ")", kind: kTensor, fallible: true, hint: "ones"}
	case "save":
		a := t.bind(c, "np.save", "file", "arr")
		p := a.need("file")
		x, ok := a.get("arr")
		if !ok {
			t.fail(c.Line, "np.save needs an array")
		}
		a.ignore("kerago writes plain arrays", "allow_pickle")
		a.done()
		pv := t.stringOf(p, "file")
		xv := t.tensorOf(x, "arr")
		path := pv.code
		if pv.lit != nil && !strings.HasSuffix(pv.lit.s, ".npy") {
			path = strconv.Quote(pv.lit.s + ".npy")
		}
		return val{code: "tensor.SaveNpy(" + path + ", " + xv.code + ")", noValue: true}
	case "exp", "sqrt", "log":
		a := t.bind(c, "np."+name, "x")
		x := a.need("x")
		a.done()
		v := t.value(x, "x")
		if !v.isNumber() {
			t.fail(c.Line, "np.%s of %s is outside the subset", name, describe(v))
		}
		return val{code: "math." + upperFirst(name) + "(" + asFloat(v) + ")", kind: kFloat}
	case "random.seed":
		a := t.bind(c, "np.random.seed", "seed")
		s, ok := a.get("seed")
		a.done()
		if !ok || isNone(s) {
			t.fail(c.Line, "np.random.seed() without a seed is outside the subset")
		}
		sv := t.intOf(s, "seed")
		t.numpySeed(sv, c.Line)
		t.setKeragoSeed(sv, c.Line)
		return val{noValue: true}
	case "random.rand", "random.randn":
		var dims []string
		for _, e := range c.Args {
			dims = append(dims, t.intOf(e, "shape").code)
		}
		if len(c.Keywords) > 0 {
			t.fail(c.Line, "np.%s takes no keywords", name)
		}
		fn := "Rand"
		if name == "random.randn" {
			fn = "Randn"
		}
		return val{code: t.npRandom() + "." + fn + "(" + strings.Join(dims, ", ") + ")", kind: kTensor, fallible: true, hint: "x"}
	case "random.random", "random.random_sample", "random.uniform", "random.normal", "random.randint":
		params := map[string][]string{
			"random.random": {"size"}, "random.random_sample": {"size"}, "random.uniform": {"low", "high", "size"},
			"random.normal": {"loc", "scale", "size"}, "random.randint": {"low", "high", "size"},
		}[name]
		a := t.bind(c, "np."+name, params...)
		var dims []string
		if e, ok := a.get("size"); ok && !isNone(e) {
			dims = t.intsOf(e, "size", false)
		} else {
			t.fail(c.Line, "np.%s without size (a single number) is outside the subset", name)
		}
		var lead []string
		switch name {
		case "random.uniform":
			lo, hi := "0", "1"
			if e, ok := a.get("low"); ok {
				lo = t.floatOf(e, "low").code
			}
			if e, ok := a.get("high"); ok {
				hi = t.floatOf(e, "high").code
			}
			lead = []string{lo, hi}
		case "random.normal":
			loc, scale := "0", "1"
			if e, ok := a.get("loc"); ok {
				loc = t.floatOf(e, "loc").code
			}
			if e, ok := a.get("scale"); ok {
				scale = t.floatOf(e, "scale").code
			}
			lead = []string{loc, scale}
		case "random.randint":
			lo, ok := a.get("low")
			if !ok {
				t.fail(c.Line, "np.random.randint needs a bound")
			}
			// Randint takes int64 bounds: a variable (int in Go) is converted
			bound := func(e Expr, what string) string {
				if v := t.intOf(e, what); v.lit == nil {
					return "int64(" + v.code + ")"
				} else {
					return v.code
				}
			}
			if e, ok := a.get("high"); ok && !isNone(e) {
				lead = []string{bound(lo, "low"), bound(e, "high")}
			} else {
				lead = []string{"0", bound(lo, "high")}
			}
			if e, ok := a.get("dtype"); ok {
				_ = e
			}
		}
		a.done()
		fn := map[string]string{"random.random": "RandomSample", "random.random_sample": "RandomSample", "random.uniform": "Uniform", "random.normal": "Normal", "random.randint": "Randint"}[name]
		return val{code: t.npRandom() + "." + fn + "(" + strings.Join(append(lead, dims...), ", ") + ")", kind: kTensor, fallible: true, hint: "x"}
	case "random.shuffle":
		a := t.bind(c, "np.random.shuffle", "x")
		x := a.need("x")
		a.done()
		xv := t.value(x, "x")
		if xv.kind != kTensor {
			t.fail(c.Line, "np.random.shuffle of %s is outside the subset", describe(xv))
		}
		return val{code: t.npRandom() + ".Shuffle(" + xv.code + ")", noValue: true}
	case "random.permutation":
		t.fail(c.Line, "np.random.permutation is outside the subset (index arrays are not supported)")
	case "concatenate", "vstack", "hstack", "stack":
		t.fail(c.Line, "np.%s is outside the subset", name)
	}
	t.fail(c.Line, "np.%s is outside the subset", name)
	return val{}
}

// axisCall builds a synthetic call carrying only axis=.
func axisCall(c *Call, ax Expr, has bool) *Call {
	n := &Call{Line: c.Line}
	if has {
		n.Keywords = []Keyword{{Line: c.Line, Name: "axis", Value: ax}}
	}
	return n
}

func dtypeName(e Expr) string {
	switch e := e.(type) {
	case *Str:
		return e.Value
	case *Attr:
		return e.Attr
	case *Name:
		return e.ID
	}
	return "?"
}

func (t *translator) pandasCall(name string, c *Call) val {
	switch name {
	case "read_csv", "read_table":
		a := t.bind(c, "pd."+name, "filepath_or_buffer", "sep")
		p, ok := a.get("filepath_or_buffer")
		if !ok {
			t.fail(c.Line, "pd.%s needs a file", name)
		}
		var fields []string
		if e, ok := a.get("sep", "delimiter"); ok && !isNone(e) {
			fields = append(fields, "Sep: "+t.stringOf(e, "sep").code)
		} else if name == "read_table" {
			fields = append(fields, `Sep: "\t"`)
		}
		if e, ok := a.get("delim_whitespace"); ok {
			if v := t.boolArg(e, "delim_whitespace"); v.lit != nil && v.lit.b {
				fields = append(fields, "Sep: `\\s+`")
			}
		}
		hasNames := a.has("names")
		if e, ok := a.get("header"); ok {
			v := t.value(e, "header")
			switch {
			case v.kind == kNone:
				fields = append(fields, "NoHeader: true")
			case v.lit != nil && v.lit.kind == kInt:
				if v.lit.i != 0 {
					fields = append(fields, "HeaderRow: "+v.code)
				}
				if hasNames {
					fields = append(fields, "HeaderGiven: true")
				}
			case v.lit != nil && v.lit.kind == kString && v.lit.s == "infer":
			default:
				t.fail(c.Line, "pd.read_csv(header=%s) is outside the subset", v.code)
			}
		}
		if e, ok := a.get("names"); ok && !isNone(e) {
			fields = append(fields, "Names: []string{"+strings.Join(t.stringsOf(e, "names"), ", ")+"}")
		}
		if e, ok := a.get("usecols"); ok && !isNone(e) {
			v := t.expr(e)
			if v.kind != kPyList {
				t.fail(c.Line, "usecols must be a list")
			}
			allInt, allStr := true, true
			var parts []string
			for _, el := range v.elems {
				if el.lit == nil {
					t.fail(c.Line, "usecols must be literals")
				}
				switch el.lit.kind {
				case kInt:
					allStr = false
					parts = append(parts, strconv.Quote(strconv.FormatInt(el.lit.i, 10)))
				case kString:
					allInt = false
					parts = append(parts, el.code)
				default:
					t.fail(c.Line, "usecols must be column names or positions")
				}
			}
			if !allInt && !allStr {
				t.fail(c.Line, "usecols mixes names and positions")
			}
			fields = append(fields, "UseCols: []string{"+strings.Join(parts, ", ")+"}")
			if allInt && len(parts) > 0 {
				fields = append(fields, "UseColsByPosition: true")
			}
		}
		if e, ok := a.get("skiprows"); ok && !isNone(e) {
			fields = append(fields, "SkipRows: "+t.intOf(e, "skiprows").code)
		}
		if e, ok := a.get("index_col"); ok && !isNone(e) {
			v := t.value(e, "index_col")
			switch {
			case v.lit != nil && v.lit.kind == kString:
				fields = append(fields, "IndexCol: "+v.code)
			case v.lit != nil && v.lit.kind == kBool && !v.lit.b:
			default:
				t.fail(c.Line, "index_col is translated for a column name only")
			}
		}
		if e, ok := a.get("na_values"); ok && !isNone(e) {
			fields = append(fields, "NAValues: []string{"+strings.Join(t.stringsOf(e, "na_values"), ", ")+"}")
		}
		if e, ok := a.get("comment"); ok && !isNone(e) {
			fields = append(fields, "Comment: "+t.stringOf(e, "comment").code)
		}
		if e, ok := a.get("skipinitialspace"); ok {
			if v := t.boolArg(e, "skipinitialspace"); v.lit == nil || v.lit.b {
				fields = append(fields, "SkipInitialSpace: "+v.code)
			}
		}
		a.ignore("the file is read as UTF-8", "encoding")
		a.ignore("kerago has one CSV parser", "engine", "low_memory")
		a.done()
		pv := t.stringOf(p, "filepath_or_buffer")
		if pv.lit != nil && (strings.HasPrefix(pv.lit.s, "http://") || strings.HasPrefix(pv.lit.s, "https://")) {
			t.fail(c.Line, "reading a CSV from a URL is outside the subset: download it first")
		}
		return val{code: "data.ReadCSV(" + pv.code + ", data.CSVOptions{" + strings.Join(fields, ", ") + "})", kind: kFrame, fallible: true, hint: "df"}
	case "get_dummies":
		a := t.bind(c, "pd.get_dummies", "data")
		d := a.need("data")
		a.ignore("the result is float32", "dtype")
		a.done()
		v := t.value(d, "series")
		if v.kind != kFrame {
			t.fail(c.Line, "pd.get_dummies is translated for a DataFrame column")
		}
		return val{code: "data.GetDummies(" + v.code + ")", kind: kFrame, hint: "dummies"}
	case "DataFrame":
		return t.newDataFrame(c)
	case "read_excel":
		return t.readExcel(c)
	}
	t.fail(c.Line, "pd.%s is outside the subset", name)
	return val{}
}

func (t *translator) sklearnCall(name, full string, c *Call) val {
	switch name {
	case "train_test_split":
		var arrays []val
		frames := false
		for i, e := range c.Args {
			if _, ok := e.(*Starred); ok {
				t.fail(c.Line, "train_test_split(*arrays) is outside the subset")
			}
			v := t.expr(e)
			if v.kind == kFrame {
				frames = true
				arrays = append(arrays, t.materialize(v, "frame"+strconv.Itoa(i)))
				continue
			}
			arrays = append(arrays, t.toTensor(v, e.exprLine(), "array"+strconv.Itoa(i)))
		}
		if len(arrays) == 0 {
			t.fail(c.Line, "train_test_split needs arrays")
		}
		a := t.bind(&Call{Line: c.Line, Keywords: c.Keywords}, "train_test_split")
		var fields []string
		sizeField := func(py, frac, count string) {
			if e, ok := a.get(py); ok && !isNone(e) {
				v := t.value(e, py)
				switch v.kind {
				case kFloat:
					fields = append(fields, frac+": "+v.code)
				case kInt:
					fields = append(fields, count+": "+v.code)
				default:
					t.fail(c.Line, "%s must be a number", py)
				}
			}
		}
		sizeField("test_size", "TestSize", "TestCount")
		sizeField("train_size", "TrainSize", "TrainCount")
		shuffle := true
		if e, ok := a.get("shuffle"); ok {
			v := t.boolArg(e, "shuffle")
			if v.lit == nil {
				t.fail(c.Line, "shuffle must be True or False")
			}
			shuffle = v.lit.b
			if !shuffle {
				fields = append(fields, "NoShuffle: true")
			}
		}
		if e, ok := a.get("stratify"); ok && !isNone(e) {
			t.fail(c.Line, "train_test_split(stratify=...) is outside the subset")
		}
		rs, hasRS := a.get("random_state")
		a.done()
		if shuffle {
			switch {
			case hasRS && !isNone(rs):
				v := t.intOf(rs, "random_state")
				seed := v.code
				if v.lit == nil {
					seed = "uint32(" + v.code + ")"
				}
				fields = append(fields, "RandomState: data.NewRandomState("+seed+")")
				t.note(c.Line, "train_test_split: scikit-learn's split sizes, and its shuffle: NumPy's RandomState(%s).permutation, which data.RandomState reproduces exactly", v.code)
			case t.rng != nil:
				fields = append(fields, "RandomState: "+t.npRandom())
				t.note(c.Line, "train_test_split without random_state shuffles with NumPy's global generator seeded by np.random.seed, reproduced exactly by data.RandomState")
			default:
				t.note(c.Line, "train_test_split without random_state: an unseeded shuffle, as in Python (not reproducible in either)")
			}
		}
		if frames {
			return t.splitFrames(fields, arrays)
		}
		var codes []string
		for _, v := range arrays {
			codes = append(codes, v.code)
		}
		return val{code: "data.TrainTestSplit(data.SplitConfig{" + strings.Join(fields, ", ") + "}, " + strings.Join(codes, ", ") + ")", kind: kTensorList, fallible: true, hint: "split", elems: make([]val, 2*len(arrays))}
	case "StandardScaler":
		a := t.bind(c, "StandardScaler")
		var sets []string
		if e, ok := a.get("with_mean"); ok {
			sets = append(sets, "WithMean: "+t.boolArg(e, "with_mean").code)
		}
		if e, ok := a.get("with_std"); ok {
			sets = append(sets, "WithStd: "+t.boolArg(e, "with_std").code)
		}
		a.ignore("kerago transforms a copy", "copy")
		a.done()
		if len(sets) > 0 {
			m := map[string]string{"WithMean": "true", "WithStd": "true"}
			for _, s := range sets {
				k, v, _ := strings.Cut(s, ": ")
				m[k] = v
			}
			return val{code: "&data.StandardScaler{WithMean: " + m["WithMean"] + ", WithStd: " + m["WithStd"] + "}", kind: kStdScaler, hint: "scaler"}
		}
		return val{code: "data.NewStandardScaler()", kind: kStdScaler, hint: "scaler"}
	case "MinMaxScaler":
		a := t.bind(c, "MinMaxScaler", "feature_range")
		lo, hi := "0", "1"
		if e, ok := a.get("feature_range"); ok {
			fr := t.floatsOf(e, "feature_range")
			if len(fr) != 2 {
				t.fail(c.Line, "feature_range must be (min, max)")
			}
			lo, hi = fr[0], fr[1]
		}
		clip := ""
		if e, ok := a.get("clip"); ok {
			clip = t.boolArg(e, "clip").code
		}
		a.ignore("kerago transforms a copy", "copy")
		a.done()
		code := "data.NewMinMaxScaler(" + lo + ", " + hi + ")"
		if clip != "" && clip != "false" {
			code = "&data.MinMaxScaler{FeatureRange: [2]float64{" + lo + ", " + hi + "}, Clip: " + clip + "}"
		}
		return val{code: code, kind: kMinMaxScaler, hint: "scaler"}
	case "LabelEncoder":
		a := t.bind(c, "LabelEncoder")
		a.done()
		return val{code: "data.NewLabelEncoder()", kind: kLabelEncoder, hint: "encoder"}
	}
	if v, ok := t.sklearnMetric(name, c); ok {
		return v
	}
	t.fail(c.Line, "%s (scikit-learn) is outside the subset", full)
	return val{}
}

// sklearnMetrics maps sklearn.metrics functions to package data.
var sklearnMetrics = map[string]string{
	"mean_absolute_error": "MeanAbsoluteError", "mean_squared_error": "MeanSquaredError",
	"root_mean_squared_error": "RootMeanSquaredError", "r2_score": "R2Score",
	"accuracy_score": "AccuracyScore", "confusion_matrix": "ConfusionMatrix",
}

// sklearnMetric translates metric(y_true, y_pred), computed in float64 as
// scikit-learn does.
func (t *translator) sklearnMetric(name string, c *Call) (val, bool) {
	fn, ok := sklearnMetrics[name]
	if !ok {
		return val{}, false
	}
	a := t.bind(c, name, "y_true", "y_pred")
	yt, yp := a.need("y_true"), a.need("y_pred")
	if e, ok := a.get("squared"); ok {
		if v := t.boolArg(e, "squared"); v.lit != nil && !v.lit.b && name == "mean_squared_error" {
			fn = "RootMeanSquaredError"
		} else if v.lit == nil {
			t.fail(c.Line, "squared= must be True or False")
		}
	}
	if e, ok := a.get("multioutput"); ok {
		if v := t.value(e, "multioutput"); v.lit == nil || v.lit.s != "uniform_average" {
			t.fail(c.Line, "%s(multioutput=...) other than 'uniform_average' is outside the subset", name)
		}
	}
	a.done()
	tv := t.tensorOf(yt, "yTrue")
	pv := t.tensorOf(yp, "yPred")
	if fn == "ConfusionMatrix" {
		return val{code: "data.ConfusionMatrix(" + tv.code + ", " + pv.code + ")", kind: kIntMatrix, fallible: true, hint: "cm"}, true
	}
	return val{code: "data." + fn + "(" + tv.code + ", " + pv.code + ")", kind: kFloat, fallible: true, hint: goIdent(name)}, true
}

func (t *translator) tfCall(name string, c *Call) val {
	switch name {
	case "random.set_seed", "set_random_seed", "random.set_random_seed":
		a := t.bind(c, "tf."+name, "seed")
		s := a.need("seed")
		a.done()
		sv := t.intOf(s, "seed")
		t.setKeragoSeed(sv, c.Line)
		return val{noValue: true}
	case "get_logger":
		// only its setLevel is translated (as nothing)
		return val{kind: kModule, ref: "tensorflow.get_logger()"}
	case "math.exp", "exp":
		a := t.bind(c, "tf.math.exp", "x")
		x := a.need("x")
		a.done()
		v := t.floatOf(x, "x")
		return val{code: "math.Exp(" + t.materialize(v, "x").code + ")", kind: kFloat}
	case "convert_to_tensor", "constant":
		a := t.bind(c, "tf."+name, "value", "dtype")
		x := a.need("value")
		a.get("dtype")
		a.done()
		return t.toTensorLazy(t.expr(x), c.Line, "x")
	}
	if strings.HasPrefix(name, "keras") {
		t.fail(c.Line, "tf.%s is outside the subset", name)
	}
	t.fail(c.Line, "tf.%s is outside the subset (kerago replaces TensorFlow)", name)
	return val{}
}

// index translates one subscript element to a data.Index.
func (t *translator) index(e Expr) string {
	switch e := e.(type) {
	case *Slice:
		lo, hi := "", ""
		if e.Lo != nil && !isNone(e.Lo) {
			lo = t.intOf(e.Lo, "slice start").code
		}
		if e.Hi != nil && !isNone(e.Hi) {
			hi = t.intOf(e.Hi, "slice stop").code
		}
		if e.Step != nil && !isNone(e.Step) {
			st := t.intOf(e.Step, "slice step").code
			ptr := func(s string) string {
				if s == "" {
					return "nil"
				}
				return "new(" + s + ")"
			}
			return "data.Slice(" + ptr(lo) + ", " + ptr(hi) + ", " + st + ")"
		}
		switch {
		case lo == "" && hi == "":
			return "data.All()"
		case hi == "":
			return "data.From(" + lo + ")"
		case lo == "":
			return "data.To(" + hi + ")"
		}
		return "data.Range(" + lo + ", " + hi + ")"
	case *ListExpr:
		return "data.List(" + strings.Join(t.intsOf(e, "index list", false), ", ") + ")"
	case *Const:
		if e.Value == "..." || e.Value == "None" {
			t.fail(e.Line, "indexing with %s is outside the subset", e.Value)
		}
	}
	v := t.value(e, "i")
	if v.kind != kInt {
		t.fail(e.exprLine(), "an index must be an int or a slice, got %s", describe(v))
	}
	return "data.At(" + v.code + ")"
}

func indexElems(e Expr) []Expr {
	if tup, ok := e.(*TupleExpr); ok {
		return tup.Elts
	}
	return []Expr{e}
}

func (t *translator) subscript(s *Subscript) val {
	var v val
	if a, ok := s.Value.(*Attr); ok {
		base := t.expr(a.Value)
		if base.kind == kModule {
			v = val{kind: kModule, ref: base.ref + "." + a.Attr, line: a.Line}
		} else if r, ok := t.attrSubscript(s, a, base); ok {
			return r
		} else {
			v = t.property(base, a.Attr, a.Line)
		}
	} else {
		v = t.expr(s.Value)
	}
	switch v.kind {
	case kDict:
		return t.dictGet(v, s)
	case kFrame:
		v = t.materialize(v, "df")
		k := t.expr(s.Index)
		switch k.kind {
		case kString:
			hint := v.hint
			if k.lit != nil {
				hint = k.lit.s
			}
			return val{code: v.code + ".Col(" + t.materialize(k, "col").code + ")", kind: kFrame, hint: hint}
		case kPyList, kStrList:
			return val{code: v.code + ".Cols(" + strings.Join(t.stringsOf(s.Index, "columns"), ", ") + ")", kind: kFrame, hint: v.hint}
		case kInt:
			if k.lit != nil {
				return val{code: v.code + ".Col(" + strconv.Quote(strconv.FormatInt(k.lit.i, 10)) + ")", kind: kFrame, hint: v.hint}
			}
		case kFrame:
			// df[mask]: a boolean Series selects rows
			return val{code: v.code + ".Filter(" + k.code + ")", kind: kFrame, hint: v.hint}
		}
		t.fail(s.Line, "DataFrame[%s] is outside the subset", describe(k))
	case kTensor:
		v = t.materialize(v, "x")
		var parts []string
		for _, e := range indexElems(s.Index) {
			parts = append(parts, t.index(e))
		}
		return val{code: "data.Take(" + v.code + ", " + strings.Join(parts, ", ") + ")", kind: kTensor, fallible: true, hint: v.hint}
	case kNpz:
		v = t.materialize(v, "npz")
		k := t.stringOf(s.Index, "array name")
		hint := "arr"
		if k.lit != nil {
			hint = k.lit.s
		}
		return val{code: v.code + ".Get(" + k.code + ")", kind: kTensor, fallible: true, hint: hint}
	case kHistDict:
		v = t.materialize(v, "history")
		k := t.stringOf(s.Index, "history key")
		hint := "values"
		if k.lit != nil {
			hint = k.lit.s
		}
		return val{code: v.code + "[" + k.code + "]", kind: kFloatList, hint: hint}
	case kLogs:
		v = t.materialize(v, "logs")
		k := t.stringOf(s.Index, "metric name")
		return val{code: "data.LogValue(" + v.code + ", " + k.code + ")", kind: kFloat, fallible: true}
	case kFloatList, kIntList, kStrList, kTensorList, kLayerList, kTuple:
		v = t.materialize(v, "list")
		elem := map[vkind]vkind{kFloatList: kFloat, kIntList: kInt, kStrList: kString, kTensorList: kTensor, kLayerList: kLayer, kTuple: kInt}[v.kind]
		if sl, ok := s.Index.(*Slice); ok {
			if sl.Step != nil {
				t.fail(s.Line, "list slices with a step are outside the subset")
			}
			lo, hi := "", ""
			if sl.Lo != nil {
				l := t.intOf(sl.Lo, "slice start")
				if l.lit != nil && l.lit.i < 0 {
					lo = "len(" + v.code + ")" + strconv.FormatInt(l.lit.i, 10)
				} else {
					lo = l.code
				}
			}
			if sl.Hi != nil {
				h := t.intOf(sl.Hi, "slice stop")
				if h.lit != nil && h.lit.i < 0 {
					hi = "len(" + v.code + ")" + strconv.FormatInt(h.lit.i, 10)
				} else {
					hi = h.code
				}
			}
			return val{code: v.code + "[" + lo + ":" + hi + "]", kind: v.kind}
		}
		i := t.intOf(s.Index, "index")
		if i.lit != nil && i.lit.i < 0 {
			if !isSimpleCode(v.code) {
				v = t.materialize(val{code: v.code, kind: v.kind, fallible: false}, "list")
			}
			return val{code: v.code + "[len(" + v.code + ")" + strconv.FormatInt(i.lit.i, 10) + "]", kind: elem}
		}
		return val{code: v.code + "[" + i.code + "]", kind: elem}
	case kPyList:
		i := t.intOf(s.Index, "index")
		if i.lit == nil {
			t.fail(s.Line, "indexing a literal list needs a constant index")
		}
		n := int64(len(v.elems))
		k := i.lit.i
		if k < 0 {
			k += n
		}
		if k < 0 || k >= n {
			t.fail(s.Line, "index %d is out of range", i.lit.i)
		}
		return v.elems[k]
	}
	t.fail(s.Line, "indexing %s is outside the subset", describe(v))
	return val{}
}

// isSimpleCode reports whether code is an identifier or selector chain
// (safe to repeat).
func isSimpleCode(code string) bool {
	for _, r := range code {
		if !(r == '.' || r == '_' || r == '[' || r == ']' || r == '"' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return code != ""
}

// literalSuffix returns the literal text a string expression ends with
// (for "dir/" + name + ".npy", ".npy").
func literalSuffix(e Expr) string {
	switch e := e.(type) {
	case *Str:
		if e.F {
			if i := strings.LastIndexByte(e.Value, '}'); i >= 0 {
				return e.Value[i+1:]
			}
		}
		return e.Value
	case *BinOp:
		if e.Op == "+" {
			return literalSuffix(e.Y)
		}
	case *Call:
		if len(e.Args) > 0 {
			if a, ok := e.Func.(*Attr); ok && a.Attr == "join" {
				return literalSuffix(e.Args[len(e.Args)-1])
			}
		}
	}
	return ""
}

// attrSubscript translates x.iloc[...], x.loc[...] and x.shape[i] on an
// evaluated base.
func (t *translator) attrSubscript(s *Subscript, a *Attr, base val) (val, bool) {
	switch a.Attr {
	case "iloc", "loc":
		if base.kind == kFrame {
			base = t.materialize(base, "df")
			idx := indexElems(s.Index)
			if len(idx) > 2 {
				t.fail(s.Line, "DataFrame.%s takes rows and columns", a.Attr)
			}
			if a.Attr == "loc" {
				if len(idx) != 2 {
					t.fail(s.Line, "DataFrame.loc is translated as df.loc[:, columns] only")
				}
				if sl, ok := idx[0].(*Slice); !ok || sl.Lo != nil || sl.Hi != nil || sl.Step != nil {
					t.fail(s.Line, "DataFrame.loc is translated as df.loc[:, columns] only")
				}
				cols := t.expr(idx[1])
				if cols.kind == kString {
					return val{code: base.code + ".Col(" + t.materialize(cols, "col").code + ")", kind: kFrame, hint: base.hint}, true
				}
				return val{code: base.code + ".Cols(" + strings.Join(t.stringsOf(idx[1], "columns"), ", ") + ")", kind: kFrame, hint: base.hint}, true
			}
			if len(idx) == 1 {
				return val{code: base.code + ".ILocRows(" + t.index(idx[0]) + ")", kind: kFrame, hint: base.hint}, true
			}
			return val{code: base.code + ".ILoc(" + t.index(idx[0]) + ", " + t.index(idx[1]) + ")", kind: kFrame, hint: base.hint}, true
		}
		if base.kind == kTensor && a.Attr == "iloc" {
			base = t.materialize(base, "x")
			var parts []string
			for _, e := range indexElems(s.Index) {
				parts = append(parts, t.index(e))
			}
			return val{code: "data.Take(" + base.code + ", " + strings.Join(parts, ", ") + ")", kind: kTensor, fallible: true, hint: base.hint}, true
		}
	case "shape":
		if base.kind == kTensor {
			if _, isSlice := s.Index.(*Slice); !isSlice {
				base = t.materialize(base, "x")
				i := t.intOf(s.Index, "shape index")
				return val{code: base.code + ".Dim(" + i.code + ")", kind: kInt}, true
			}
		}
		if base.kind == kFrame {
			base = t.materialize(base, "df")
			i := t.intOf(s.Index, "shape index")
			if i.lit != nil && i.lit.i == 0 {
				return val{code: base.code + ".Len()", kind: kInt}, true
			}
			if i.lit != nil && i.lit.i == 1 {
				return val{code: "len(" + base.code + ".Columns())", kind: kInt}, true
			}
			t.fail(s.Line, "DataFrame.shape index must be 0 or 1")
		}
	}
	return val{}, false
}

// newDataFrame translates pd.DataFrame(x, columns=...) for an array (a
// Frame of float columns) or a DataFrame (its columns, selected by name).
func (t *translator) newDataFrame(c *Call) val {
	a := t.bind(c, "pd.DataFrame", "data", "index", "columns", "dtype", "copy")
	d, ok := a.get("data")
	if !ok {
		t.fail(c.Line, "an empty pd.DataFrame() is outside the subset")
	}
	if e, ok := a.get("index"); ok && !isNone(e) {
		t.fail(c.Line, "pd.DataFrame(index=...) is outside the subset")
	}
	a.ignore("the values stay float", "copy")
	var cols []string
	if e, ok := a.get("columns"); ok && !isNone(e) {
		cols = t.stringsOf(e, "columns")
	}
	a.done()
	v := t.value(d, "data")
	switch v.kind {
	case kFrame:
		if cols == nil {
			return v
		}
		return val{code: v.code + ".Cols(" + strings.Join(cols, ", ") + ")", kind: kFrame, hint: v.hint}
	case kTensor:
		return val{code: "data.FromTensor(" + strings.Join(append([]string{v.code}, cols...), ", ") + ")", kind: kFrame, fallible: true, hint: "df"}
	}
	t.fail(c.Line, "pd.DataFrame of %s is outside the subset", describe(v))
	return val{}
}

// splitFrames splits DataFrames (which stay DataFrames, as in pandas: a
// column of y_train can still be selected by name) and arrays together.
func (t *translator) splitFrames(fields []string, arrays []val) val {
	var lens []string
	for _, v := range arrays {
		if v.kind == kFrame {
			lens = append(lens, v.code+".Len()")
		} else {
			lens = append(lens, v.code+".Dim(0)")
		}
	}
	train, test := t.tempName("trainRows"), t.tempName("testRows")
	t.emitf("%s, %s, err := data.SplitIndices(data.SplitConfig{%s}, %s)", train, test, strings.Join(fields, ", "), strings.Join(lens, ", "))
	t.scope.errDeclared = true
	t.fatalCheck()
	out := val{kind: kPyList}
	for _, v := range arrays {
		for _, rows := range []string{train, test} {
			if v.kind == kFrame {
				out.elems = append(out.elems, val{code: v.code + ".TakeRows(" + rows + ")", kind: kFrame, hint: v.hint})
			} else {
				out.elems = append(out.elems, val{code: v.code + ".Gather(" + rows + ")", kind: kTensor, fallible: true, hint: v.hint})
			}
		}
	}
	return out
}

// readExcel translates pd.read_excel for .xlsx workbooks.
func (t *translator) readExcel(c *Call) val {
	a := t.bind(c, "pd.read_excel", "io", "sheet_name", "header", "names")
	p := a.need("io")
	var fields []string
	if e, ok := a.get("sheet_name"); ok && !isNone(e) {
		v := t.value(e, "sheet_name")
		switch v.kind {
		case kInt:
			fields = append(fields, "Sheet: "+v.code)
		case kString:
			fields = append(fields, "SheetName: "+v.code)
		default:
			t.fail(c.Line, "sheet_name must be a position or a name (one sheet)")
		}
	}
	if e, ok := a.get("header"); ok {
		switch {
		case isNone(e):
			fields = append(fields, "NoHeader: true")
		default:
			if v := t.intOf(e, "header"); v.lit == nil || v.lit.i != 0 {
				t.fail(c.Line, "pd.read_excel(header=%s) is outside the subset", v.code)
			}
		}
	}
	if e, ok := a.get("names"); ok && !isNone(e) {
		fields = append(fields, "Names: []string{"+strings.Join(t.stringsOf(e, "names"), ", ")+"}")
	}
	if e, ok := a.get("skiprows"); ok && !isNone(e) {
		fields = append(fields, "SkipRows: "+t.intOf(e, "skiprows").code)
	}
	if e, ok := a.get("na_values"); ok && !isNone(e) {
		fields = append(fields, "NAValues: []string{"+strings.Join(t.stringsOf(e, "na_values"), ", ")+"}")
	}
	a.ignore("kerago reads .xlsx itself", "engine")
	a.done()
	pv := t.stringOf(p, "io")
	if pv.lit != nil && strings.HasSuffix(strings.ToLower(pv.lit.s), ".xls") {
		t.fail(c.Line, "pd.read_excel of an .xls (Excel 97) file is outside the subset: save it as .xlsx or .csv")
	}
	return val{code: "data.ReadExcel(" + pv.code + ", data.ExcelOptions{" + strings.Join(fields, ", ") + "})", kind: kFrame, fallible: true, hint: "df"}
}
