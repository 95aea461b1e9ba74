package loader

import "fmt"

// convLayers are the convolution layer classes kerago runs.
var convLayers = []string{
	"Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D",
	"SeparableConv1D", "SeparableConv2D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
}

// convAliases are Keras 1 and 2 class names of the convolution layers.
var convAliases = map[string]string{
	"Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
	"AtrousConvolution1D": "Conv1D", "AtrousConvolution2D": "Conv2D",
	"SeparableConvolution1D": "SeparableConv1D", "SeparableConvolution2D": "SeparableConv2D",
	"Deconvolution2D": "Conv2DTranspose", "Deconvolution3D": "Conv3DTranspose",
	"Conv2DTranspose": "Conv2DTranspose",
}

// normConv normalizes a convolution layer's config (spec keras-layers.md
// §2.1): Keras 1's nb_filter, nb_row/nb_col, filter_length, subsample,
// border_mode, dim_ordering, init, W_/b_ regularizers and constraints,
// atrous_rate become Keras 3's keys, and defaults are filled in.
func normConv(p *cfgParser, cls string, c map[string]any) (bool, error) {
	if !contains(convLayers, cls) {
		return false, nil
	}
	rank := int(cls[len(cls)-2] - '0')
	if cls[len(cls)-1] != 'D' {
		rank = int(cls[len("Conv")] - '0') // ConvNDTranspose
	}
	if err := normConvK1(p, c, rank); err != nil {
		return true, err
	}
	for _, k := range []string{"kernel_size", "strides", "dilation_rate"} {
		if v, ok := c[k]; ok {
			if n, isNum := v.(float64); isNum {
				l := make([]any, rank)
				for i := range l {
					l[i] = n
				}
				c[k] = l
			}
		}
	}
	if _, ok := c["kernel_size"]; !ok {
		return true, fmt.Errorf("missing \"kernel_size\"")
	}
	setDefault(c, "padding", "valid")
	setDefault(c, "data_format", "channels_last")
	setDefault(c, "activation", "linear")
	setDefault(c, "use_bias", true)
	if a, err := normActivation(c["activation"]); err == nil {
		c["activation"] = a
	} else {
		return true, err
	}
	if g, ok := c["groups"].(float64); ok && g == 1 && (cls == "DepthwiseConv2D" || cls == "DepthwiseConv1D") {
		delete(c, "groups") // tf.keras writes groups=1 on DepthwiseConv2D (spec §1.7)
	}
	keys := []string{"kernel", "bias", "depthwise", "pointwise"}
	for _, k := range keys {
		if err := normInitKeys(c, k+"_initializer"); err != nil {
			return true, err
		}
		if err := normRegKeys(c, k+"_regularizer"); err != nil {
			return true, err
		}
		if err := normConstraintKeys(c, k+"_constraint"); err != nil {
			return true, err
		}
	}
	return true, nil
}

// normConvK1 renames Keras 1 convolution keys.
func normConvK1(p *cfgParser, c map[string]any, rank int) error {
	k1 := false
	for _, k := range []string{"nb_filter", "nb_row", "filter_length", "border_mode", "subsample", "subsample_length", "dim_ordering", "init", "W_regularizer"} {
		if _, ok := c[k]; ok {
			k1 = true
		}
	}
	if !k1 {
		return nil
	}
	p.clues.k1 = true
	rename(c, "nb_filter", "filters")
	if l, ok := c["filter_length"]; ok {
		c["kernel_size"] = []any{l}
		delete(c, "filter_length")
	}
	if r, ok := c["nb_row"]; ok {
		c["kernel_size"] = []any{r, c["nb_col"]}
		delete(c, "nb_row")
		delete(c, "nb_col")
	}
	if _, ok := c["kernel_dim1"]; ok {
		c["kernel_size"] = []any{c["kernel_dim1"], c["kernel_dim2"], c["kernel_dim3"]}
		delete(c, "kernel_dim1")
		delete(c, "kernel_dim2")
		delete(c, "kernel_dim3")
	}
	if s, ok := c["subsample_length"]; ok {
		c["strides"] = []any{s}
		delete(c, "subsample_length")
	}
	rename(c, "subsample", "strides")
	rename(c, "atrous_rate", "dilation_rate")
	rename(c, "border_mode", "padding")
	if err := normDimOrdering(p, c); err != nil {
		return err
	}
	if pad, _ := c["padding"].(string); pad == "full" {
		return fmt.Errorf("border_mode \"full\" (Theano) is not supported")
	}
	rename(c, "init", "kernel_initializer")
	rename(c, "W_regularizer", "kernel_regularizer")
	rename(c, "b_regularizer", "bias_regularizer")
	rename(c, "W_constraint", "kernel_constraint")
	rename(c, "b_constraint", "bias_constraint")
	rename(c, "bias", "use_bias")
	return nil
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}
