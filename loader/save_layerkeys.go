package loader

import (
	"fmt"
	"strings"
)

// classKeys returns the keys Keras 3.15.1's get_config writes for a layer
// class after name, trainable and dtype, in its order, with constructor
// defaults; known is false for classes kerago has no table for (their
// given keys are written sorted).
func classKeys(cls string) (keys []kv, known bool) {
	if k, ok := layerKeys[cls]; ok {
		return k, true
	}
	if k, ok := graphLayerKeys[cls]; ok {
		return k, true
	}
	if k, ok := otherLayerKeys[cls]; ok {
		return k, true
	}
	if isConvLSTM(cls) {
		return convLSTMKeys(convRank(cls)), true
	}
	if r := convRank(cls); r > 0 && contains(convLayers, cls) {
		switch {
		case strings.HasPrefix(cls, "SeparableConv"):
			return separableKeys(r), true
		case strings.HasPrefix(cls, "DepthwiseConv"):
			return depthwiseKeys(r), true
		case strings.HasSuffix(cls, "Transpose"):
			return convTransposeKeys(r), true
		case strings.HasPrefix(cls, "Conv"):
			return convKeys(r), true
		}
	}
	return nil, false
}

// convRank is the number of spatial axes of a convolution, pooling,
// padding, cropping or upsampling class ("Conv2D" → 2), or 0.
func convRank(cls string) int {
	for r, s := range []string{"1D", "2D", "3D"} {
		if strings.HasSuffix(cls, s) || strings.HasSuffix(cls, s+"Transpose") {
			return r + 1
		}
	}
	return 0
}

func ones(r int) []any {
	out := make([]any, r)
	for i := range out {
		out[i] = 1
	}
	return out
}

// convKeys: layers/convolutional/base_conv.py get_config (lora_rank and
// lora_alpha are written only when LoRA is enabled, which kerago does not
// run).
func convKeys(r int) []kv {
	return []kv{{"filters", requiredKey{}}, {"kernel_size", requiredKey{}}, {"strides", ones(r)},
		{"padding", "valid"}, {"data_format", "channels_last"}, {"dilation_rate", ones(r)}, {"groups", 1},
		{"activation", "linear"}, {"use_bias", true},
		{"kernel_initializer", "GlorotUniform"}, {"bias_initializer", "Zeros"},
		{"kernel_regularizer", nil}, {"bias_regularizer", nil}, {"activity_regularizer", nil},
		{"kernel_constraint", nil}, {"bias_constraint", nil}}
}

// convLSTMKeys: layers/rnn/conv_lstm.py (ConvLSTM.get_config).
func convLSTMKeys(r int) []kv {
	return []kv{{"return_sequences", false}, {"return_state", false}, {"go_backwards", false},
		{"stateful", false}, {"unroll", false}, {"zero_output_for_mask", false},
		{"filters", requiredKey{}}, {"kernel_size", requiredKey{}}, {"strides", ones(r)},
		{"padding", "valid"}, {"data_format", "channels_last"}, {"dilation_rate", ones(r)},
		{"activation", "tanh"}, {"recurrent_activation", "sigmoid"}, {"use_bias", true},
		{"kernel_initializer", "GlorotUniform"}, {"recurrent_initializer", "Orthogonal"},
		{"bias_initializer", "Zeros"}, {"unit_forget_bias", true},
		{"kernel_regularizer", nil}, {"recurrent_regularizer", nil}, {"bias_regularizer", nil},
		{"activity_regularizer", nil}, {"kernel_constraint", nil}, {"recurrent_constraint", nil},
		{"bias_constraint", nil}, {"dropout", 0.0}, {"recurrent_dropout", 0.0}, {"seed", nil}}
}

// convTransposeKeys: layers/convolutional/base_conv_transpose.py.
func convTransposeKeys(r int) []kv {
	return []kv{{"filters", requiredKey{}}, {"kernel_size", requiredKey{}}, {"strides", ones(r)},
		{"padding", "valid"}, {"output_padding", nil}, {"data_format", "channels_last"}, {"dilation_rate", ones(r)},
		{"activation", "linear"}, {"use_bias", true},
		{"kernel_initializer", "GlorotUniform"}, {"bias_initializer", "Zeros"},
		{"kernel_regularizer", nil}, {"bias_regularizer", nil}, {"activity_regularizer", nil},
		{"kernel_constraint", nil}, {"bias_constraint", nil}}
}

// depthwiseKeys: layers/convolutional/base_depthwise_conv.py.
func depthwiseKeys(r int) []kv {
	return []kv{{"depth_multiplier", 1}, {"kernel_size", requiredKey{}}, {"strides", ones(r)},
		{"padding", "valid"}, {"data_format", "channels_last"}, {"dilation_rate", ones(r)},
		{"activation", "linear"}, {"use_bias", true},
		{"depthwise_initializer", "GlorotUniform"}, {"bias_initializer", "Zeros"},
		{"depthwise_regularizer", nil}, {"bias_regularizer", nil}, {"activity_regularizer", nil},
		{"depthwise_constraint", nil}, {"bias_constraint", nil}}
}

// separableKeys: layers/convolutional/base_separable_conv.py.
func separableKeys(r int) []kv {
	return []kv{{"depth_multiplier", 1}, {"filters", requiredKey{}}, {"kernel_size", requiredKey{}},
		{"strides", ones(r)}, {"padding", "valid"}, {"data_format", "channels_last"}, {"dilation_rate", ones(r)},
		{"activation", "linear"}, {"use_bias", true},
		{"depthwise_initializer", "GlorotUniform"}, {"pointwise_initializer", "GlorotUniform"},
		{"bias_initializer", "Zeros"},
		{"depthwise_regularizer", nil}, {"pointwise_regularizer", nil}, {"bias_regularizer", nil},
		{"activity_regularizer", nil},
		{"depthwise_constraint", nil}, {"pointwise_constraint", nil}, {"bias_constraint", nil}}
}

var poolKeys = []kv{{"pool_size", requiredKey{}}, {"padding", "valid"}, {"strides", requiredKey{}}, {"data_format", "channels_last"}}

var globalPoolKeys = []kv{{"data_format", "channels_last"}, {"keepdims", false}}

// graphLayerKeys are the get_config keys of the pooling, reshaping and
// merging classes (layers/pooling, layers/reshaping, layers/merging of
// Keras 3.15.1).
var graphLayerKeys = map[string][]kv{
	"MaxPooling1D": poolKeys, "MaxPooling2D": poolKeys, "MaxPooling3D": poolKeys,
	"AveragePooling1D": poolKeys, "AveragePooling2D": poolKeys, "AveragePooling3D": poolKeys,
	"GlobalMaxPooling1D": globalPoolKeys, "GlobalMaxPooling2D": globalPoolKeys, "GlobalMaxPooling3D": globalPoolKeys,
	"GlobalAveragePooling1D": globalPoolKeys, "GlobalAveragePooling2D": globalPoolKeys, "GlobalAveragePooling3D": globalPoolKeys,
	"ZeroPadding1D": {{"padding", []any{1, 1}}, {"data_format", "channels_last"}},
	"ZeroPadding2D": {{"padding", []any{[]any{1, 1}, []any{1, 1}}}, {"data_format", "channels_last"}},
	"ZeroPadding3D": {{"padding", []any{[]any{1, 1}, []any{1, 1}, []any{1, 1}}}, {"data_format", "channels_last"}},
	"Cropping1D":    {{"cropping", []any{1, 1}}},
	"Cropping2D":    {{"cropping", []any{[]any{0, 0}, []any{0, 0}}}, {"data_format", "channels_last"}},
	"Cropping3D":    {{"cropping", []any{[]any{1, 1}, []any{1, 1}, []any{1, 1}}}, {"data_format", "channels_last"}},
	"UpSampling1D":  {{"size", 2}},
	"UpSampling2D":  {{"size", []any{2, 2}}, {"data_format", "channels_last"}, {"interpolation", "nearest"}},
	"UpSampling3D":  {{"size", []any{2, 2, 2}}, {"data_format", "channels_last"}},
	"RepeatVector":  {{"n", requiredKey{}}},
	"Permute":       {{"dims", requiredKey{}}},
	"Add":           {}, "Subtract": {}, "Multiply": {}, "Average": {}, "Maximum": {}, "Minimum": {},
	"Concatenate": {{"axis", -1}},
	"Dot":         {{"axes", requiredKey{}}, {"normalize", false}},
}

var uniformInit = map[string]any{"class_name": "RandomUniform", "config": map[string]any{}}

// otherLayerKeys are the get_config keys of the noise, normalization,
// embedding and preprocessing classes seen in Keras 3.15.1's files
// (layers/regularization, layers/normalization, layers/core/embedding.py,
// layers/preprocessing).
var otherLayerKeys = map[string][]kv{
	"ActivityRegularization": {{"l1", 0.0}, {"l2", 0.0}},
	"AlphaDropout":           {{"rate", requiredKey{}}, {"seed", nil}, {"noise_shape", nil}},
	"GaussianDropout":        {{"rate", requiredKey{}}, {"seed", nil}},
	"GaussianNoise":          {{"stddev", requiredKey{}}, {"seed", nil}},
	"UnitNormalization":      {{"axis", -1}},
	"GroupNormalization": {{"groups", 32}, {"axis", -1}, {"epsilon", 1e-3}, {"center", true}, {"scale", true},
		{"beta_initializer", "Zeros"}, {"gamma_initializer", "Ones"}, {"beta_regularizer", nil},
		{"gamma_regularizer", nil}, {"beta_constraint", nil}, {"gamma_constraint", nil}},
	"Embedding": {{"input_dim", requiredKey{}}, {"output_dim", requiredKey{}}, {"embeddings_initializer", uniformInit},
		{"embeddings_regularizer", nil}, {"activity_regularizer", nil}, {"embeddings_constraint", nil},
		{"mask_zero", false}, {"quantization_config", nil}},
	"MultiHeadAttention": {{"num_heads", requiredKey{}}, {"key_dim", requiredKey{}}, {"value_dim", nil},
		{"dropout", 0.0}, {"use_bias", true}, {"use_gate", false}, {"output_shape", nil}, {"attention_axes", nil},
		{"sliding_window", nil}, {"kernel_initializer", "GlorotUniform"}, {"bias_initializer", "Zeros"},
		{"kernel_regularizer", nil}, {"bias_regularizer", nil}, {"activity_regularizer", nil},
		{"kernel_constraint", nil}, {"bias_constraint", nil}, {"seed", nil}},
	"Attention":         {{"use_scale", false}, {"score_mode", "dot"}, {"dropout", 0.0}, {"seed", nil}},
	"AdditiveAttention": {{"use_scale", true}, {"dropout", 0.0}, {"seed", nil}},
	"Rescaling":         {{"scale", requiredKey{}}, {"offset", 0.0}},
	"CenterCrop":        {{"data_format", "channels_last"}, {"height", requiredKey{}}, {"width", requiredKey{}}},
	"Resizing": {{"data_format", "channels_last"}, {"height", requiredKey{}}, {"width", requiredKey{}},
		{"interpolation", "bilinear"}, {"crop_to_aspect_ratio", false}, {"pad_to_aspect_ratio", false},
		{"fill_mode", "constant"}, {"fill_value", 0.0}, {"antialias", false}},
	"RandomFlip":     {{"data_format", "channels_last"}, {"seed", nil}, {"mode", "horizontal_and_vertical"}},
	"RandomContrast": {{"data_format", "channels_last"}, {"factor", requiredKey{}}, {"value_range", []any{0, 255}}, {"seed", nil}},
	"RandomRotation": {{"data_format", "channels_last"}, {"factor", requiredKey{}}, {"fill_mode", "reflect"},
		{"fill_value", 0.0}, {"interpolation", "bilinear"}, {"seed", nil}},
	"RandomZoom": {{"data_format", "channels_last"}, {"height_factor", requiredKey{}}, {"width_factor", nil},
		{"fill_mode", "reflect"}, {"interpolation", "bilinear"}, {"seed", nil}, {"fill_value", 0.0}},
}

// spatialDropoutTree is SpatialDropout1D/2D/3D's get_config, which Keras
// 3.15.1 writes by hand: rate, seed, name, dtype (the dtype name, not a
// policy dict, and no "trainable"), then data_format for 2D and 3D.
func spatialDropoutTree(l LayerConfig) (*jobj, error) {
	c := l.Config
	rate, ok := c["rate"]
	if !ok {
		return nil, fmt.Errorf("config has no %q", "rate")
	}
	o := newObj()
	for _, e := range []kv{{"rate", rate}, {"seed", c["seed"]}} {
		t, err := toTree(e.def, e.key, 0)
		if err != nil {
			return nil, err
		}
		o.set(e.key, t)
	}
	o.set("name", l.Name)
	dt := "float32"
	if c["dtype"] != nil {
		s, err := dtypeString(c["dtype"])
		if err != nil {
			return nil, err
		}
		dt = s
	}
	o.set("dtype", dt)
	if l.ClassName != "SpatialDropout1D" {
		df, _ := c["data_format"].(string)
		if df == "" {
			df = "channels_last"
		}
		o.set("data_format", df)
	}
	return o, nil
}

// classValueFix adjusts a serialized value whose Python type Keras decides
// rather than the user: the preprocessing layers' _set_factor turns a
// scalar factor f into (max(-f, lower bound), f), the bound being the int
// 0 for RandomContrast, so a lower factor of 0 is written as an int.
func classValueFix(cls, key string, t any) any {
	if cls == "RandomContrast" && key == "factor" {
		if l, ok := t.([]any); ok && len(l) == 2 {
			if f, ok := l[0].(jfloat); ok && f == 0 {
				return []any{jint(0), l[1]}
			}
		}
	}
	return t
}
