package loader

import "strings"

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
	if r := convRank(cls); r > 0 {
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
