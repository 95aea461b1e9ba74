package loader

import "strings"

// graphLayerOutputShape infers the per-sample output shape (-1 = None) of
// the convolution, pooling and reshaping layers from their config and
// input shape, as Keras 3.15.1's compute_output_shape does
// (ops/operation_utils.py compute_conv_output_shape and
// compute_pooling_output_shape, backend_utils.py
// compute_conv_transpose_output_shape, layers/reshaping/*.py); nil when the
// class or config is not understood. The writers use it for build_config
// and Keras-tensor shapes when the model description carries no shapes.
func graphLayerOutputShape(l LayerConfig, in []int) []int {
	c := l.Config
	cls := l.ClassName
	if out := seqShape(cls, c, in); out != nil {
		return out
	}
	r := convRank(cls)
	if r == 0 || len(in) != r+1 {
		return nil
	}
	first := c["data_format"] == "channels_first"
	spatial, ch := in[:r], in[r]
	if first {
		spatial, ch = in[1:], in[0]
	}
	var outSp []int
	outCh := ch
	switch {
	case strings.HasPrefix(cls, "Global"):
		if b, _ := c["keepdims"].(bool); !b {
			return []int{ch}
		}
		outSp = make([]int, r)
		for i := range outSp {
			outSp[i] = 1
		}
	case strings.Contains(cls, "Pooling"):
		pool, ok1 := intsOf(c["pool_size"], r)
		strides, ok2 := intsOf(c["strides"], r)
		if !ok2 {
			strides, ok2 = pool, ok1
		}
		if !ok1 || !ok2 {
			return nil
		}
		unit := make([]int, r)
		for i := range unit {
			unit[i] = 1
		}
		outSp = slideShape(spatial, pool, strides, unit, c["padding"])
	case strings.HasPrefix(cls, "ZeroPadding"), strings.HasPrefix(cls, "Cropping"):
		key, sign := "padding", 1
		if strings.HasPrefix(cls, "Cropping") {
			key, sign = "cropping", -1
		}
		pairs, ok := pairsOf(c[key], r)
		if !ok {
			return nil
		}
		for i, n := range spatial {
			outSp = append(outSp, known(n, n+sign*(pairs[i][0]+pairs[i][1])))
		}
	case strings.HasPrefix(cls, "UpSampling"):
		size, ok := intsOf(c["size"], r)
		if !ok {
			return nil
		}
		for i, n := range spatial {
			outSp = append(outSp, known(n, n*size[i]))
		}
	default:
		var ok bool
		if outSp, outCh, ok = convShape(cls, c, spatial, ch, r); !ok {
			return nil
		}
	}
	if first {
		return append([]int{outCh}, outSp...)
	}
	return append(outSp, outCh)
}

// seqShape handles the rank-independent reshaping layers.
func seqShape(cls string, c map[string]any, in []int) []int {
	switch cls {
	case "Permute":
		dims, ok := intsOf(c["dims"], len(in))
		if !ok {
			return nil
		}
		out := make([]int, len(in))
		for i, d := range dims {
			if d < 1 || d > len(in) {
				return nil
			}
			out[i] = in[d-1]
		}
		return out
	case "RepeatVector":
		n, ok := intValue(numberOf(c["n"]))
		if !ok {
			return nil
		}
		return append([]int{n}, in...)
	case "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
		"GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity", "Masking", "UnitNormalization",
		"GroupNormalization", "RMSNormalization", "LayerNormalization", "BatchNormalization", "Rescaling":
		return append([]int(nil), in...)
	case "Resizing", "CenterCrop", "RandomCrop":
		// (height, width, channels), or channels first
		h, ok1 := intValue(numberOf(c["height"]))
		w, ok2 := intValue(numberOf(c["width"]))
		if !ok1 || !ok2 || len(in) != 3 {
			return nil
		}
		if c["data_format"] == "channels_first" {
			return []int{in[0], h, w}
		}
		return []int{h, w, in[2]}
	}
	if strings.HasPrefix(cls, "Random") {
		return append([]int(nil), in...) // augmentation: the identity at inference
	}
	return nil
}

// convShape is the spatial output and channels of a convolution.
func convShape(cls string, c map[string]any, spatial []int, ch, r int) ([]int, int, bool) {
	k, ok1 := intsOf(c["kernel_size"], r)
	s, ok2 := intsOf(orDefault(c["strides"], 1), r)
	d, ok3 := intsOf(orDefault(c["dilation_rate"], 1), r)
	if !ok1 || !ok2 || !ok3 {
		return nil, 0, false
	}
	filters, hasF := intValue(numberOf(c["filters"]))
	if strings.HasPrefix(cls, "DepthwiseConv") {
		m, ok := intValue(numberOf(orDefault(c["depth_multiplier"], 1)))
		if !ok || ch < 0 {
			return nil, 0, false
		}
		filters, hasF = ch*m, true
	}
	if !hasF {
		return nil, 0, false
	}
	if !strings.HasSuffix(cls, "Transpose") {
		return slideShape(spatial, k, s, d, c["padding"]), filters, true
	}
	var op []int
	if c["output_padding"] != nil {
		var ok bool
		if op, ok = intsOf(c["output_padding"], r); !ok {
			return nil, 0, false
		}
	}
	pad, _ := c["padding"].(string)
	out := make([]int, r)
	for i, n := range spatial {
		ke := (k[i]-1)*d[i] + 1
		switch {
		case n < 0:
			out[i] = -1
		case pad == "same" && op == nil:
			out[i] = n * s[i]
		case pad == "same":
			out[i] = (n-1)*s[i] + ke%2 + op[i]
		case op == nil:
			out[i] = (n-1)*s[i] + ke + max(ke, s[i]) - ke
		default:
			out[i] = (n-1)*s[i] + ke + op[i]
		}
	}
	return out, filters, true
}

// slideShape is the output length of a sliding window: valid
// ⌊(n − d(k−1) − 1)/s⌋ + 1, same/causal ⌊(n − 1)/s⌋ + 1.
func slideShape(spatial, k, s, d []int, padding any) []int {
	p, _ := padding.(string)
	out := make([]int, len(spatial))
	for i, n := range spatial {
		switch {
		case n < 0:
			out[i] = -1
		case p == "same" || p == "causal":
			out[i] = (n-1)/s[i] + 1
		default:
			v := n - d[i]*(k[i]-1) - 1
			if v < 0 {
				return nil
			}
			out[i] = v/s[i] + 1
		}
	}
	return out
}

func known(n, v int) int {
	if n < 0 {
		return -1
	}
	return v
}

func orDefault(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

// intsOf reads an int or a list of r ints.
func intsOf(v any, r int) ([]int, bool) {
	if n, ok := intValue(numberOf(v)); ok {
		out := make([]int, r)
		for i := range out {
			out[i] = n
		}
		return out, true
	}
	var l []any
	switch x := v.(type) {
	case []any:
		l = x
	case []int:
		return x, len(x) == r
	default:
		return nil, false
	}
	if len(l) != r {
		return nil, false
	}
	out := make([]int, r)
	for i, e := range l {
		n, ok := intValue(numberOf(e))
		if !ok {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// pairsOf reads a normalized padding/cropping: r pairs (or, for rank 1,
// one pair).
func pairsOf(v any, r int) ([][2]int, bool) {
	if r == 1 {
		p, ok := intsOf(v, 2)
		if !ok {
			return nil, false
		}
		return [][2]int{{p[0], p[1]}}, true
	}
	l, ok := v.([]any)
	if !ok || len(l) != r {
		return nil, false
	}
	out := make([][2]int, r)
	for i, e := range l {
		p, ok := intsOf(e, 2)
		if !ok {
			return nil, false
		}
		out[i] = [2]int{p[0], p[1]}
	}
	return out, true
}
