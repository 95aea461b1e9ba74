package loader

import "fmt"

// isConvLSTM reports ConvLSTM1D and ConvLSTM2D (issue 11).
func isConvLSTM(cls string) bool { return cls == "ConvLSTM1D" || cls == "ConvLSTM2D" }

// normConvLSTM normalizes ConvLSTM1D/2D configs (spec keras-layers.md §6,
// §7.7): a scalar kernel_size, strides or dilation_rate becomes a list,
// padding and data_format get Keras's defaults, then the LSTM keys are
// normalized as for LSTM (units is filters).
func normConvLSTM(p *cfgParser, cls string, c map[string]any) error {
	rank := int(cls[len("ConvLSTM")] - '0')
	if _, k1 := c["nb_filter"]; k1 {
		return fmt.Errorf("a Keras 1 %s config (nb_filter, separate gate weights) is not supported", cls)
	}
	for _, k := range []string{"kernel_size", "strides", "dilation_rate"} {
		if n, isNum := c[k].(float64); isNum {
			l := make([]any, rank)
			for i := range l {
				l[i] = n
			}
			c[k] = l
		}
	}
	if _, ok := c["kernel_size"]; !ok {
		return fmt.Errorf("missing \"kernel_size\"")
	}
	f, ok := c["filters"]
	if !ok {
		return fmt.Errorf("missing \"filters\"")
	}
	setDefault(c, "padding", "valid")
	setDefault(c, "data_format", "channels_last")
	c["units"] = f
	err := normRNN(p, "LSTM", c)
	delete(c, "units")
	return err
}

// convLSTMVariables returns the variable shapes of a ConvLSTM of rank r
// for a per-sample input (steps, spatial..., channels) — kernel (k..., C,
// 4F), recurrent_kernel (k..., F, 4F), bias (4F,) — and whether they are
// known, for the memory budget.
func convLSTMVariables(c map[string]any, r int, in []int64) ([][]int64, bool) {
	if len(in) != r+2 {
		return nil, false
	}
	cin := in[r+1]
	if c["data_format"] == "channels_first" {
		cin = in[1]
	}
	ks, ok := intsOf(c["kernel_size"], r)
	f, okf := cfgInt(c["filters"])
	if !ok || !okf || cin < 0 || f < 0 {
		return nil, false
	}
	k := int64s(ks)
	g4 := mulSat(f, 4)
	shapes := [][]int64{append(append([]int64(nil), k...), cin, g4), append(append([]int64(nil), k...), f, g4)}
	if b, isBool := c["use_bias"].(bool); !isBool || b {
		shapes = append(shapes, []int64{g4})
	}
	return shapes, true
}
