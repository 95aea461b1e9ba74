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
