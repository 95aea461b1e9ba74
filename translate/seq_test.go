package translate

import "testing"

// Snippets for the sequence, noise and shape layers (keras_seq.go). Each
// program is compiled and vetted by TestCorpus; TestSnippets checks the Go
// each line becomes against Keras 3's signatures (keras.io/api/layers:
// Embedding, LSTM, GRU, SimpleRNN, Bidirectional, TimeDistributed, the
// noise and reshaping layers), in keyword and positional forms.
func init() {
	snippets = append(snippets,
		snippet{
			name: "seq_keyword_forms",
			src: `from tensorflow import keras
from tensorflow.keras import layers
model = keras.Sequential()
model.add(layers.Embedding(input_dim=1000, output_dim=16, mask_zero=True, input_length=20))
model.add(layers.LSTM(units=32, dropout=0.2, recurrent_dropout=0.1, return_sequences=True, go_backwards=True, seed=3))
model.add(layers.Bidirectional(layers.GRU(8, reset_after=False, return_sequences=True), merge_mode='ave'))
model.add(layers.TimeDistributed(layers.Dense(4)))
model.add(layers.SimpleRNN(6, activation='relu', use_bias=False, unroll=True))
model.add(layers.Dense(1, activation='sigmoid'))
model.compile(optimizer='adam', loss='binary_crossentropy')
`,
			want: []string{
				`model.Add(layers.Embedding(1000, 16, layers.EmbeddingConfig{MaskZero: true}, layers.WithInputShape(20)))`,
				`model.Add(layers.LSTM(32, layers.RNNConfig{Activation: "tanh", RecurrentActivation: "sigmoid", UseBias: true, UnitForgetBias: true, ReturnSequences: true, GoBackwards: true, Dropout: 0.2, RecurrentDropout: 0.1}, layers.WithSeed(3)))`,
				`model.Add(layers.Bidirectional(layers.GRU(8, layers.RNNConfig{Activation: "tanh", RecurrentActivation: "sigmoid", UseBias: true, ResetAfter: false, ReturnSequences: true}), nil, "ave"))`,
				`model.Add(layers.TimeDistributed(layers.Dense(4)))`,
				`model.Add(layers.SimpleRNN(6, layers.RNNConfig{Activation: "relu", UseBias: false, Unroll: true}))`,
			},
			note: []string{"Embedding's input_length (Keras 2) gives the model its input shape"},
		},
		snippet{
			// positional: LSTM's 16th parameter is dropout (after
			// unit_forget_bias), GRU's 15th (no unit_forget_bias)
			name: "seq_positional_forms",
			src: `from keras.models import Sequential
from keras.layers import Embedding, LSTM, GRU, SimpleRNN, Bidirectional, Dense
model = Sequential()
model.add(Embedding(500, 8, 'uniform', None, None, False, input_shape=(10,)))
model.add(LSTM(16, 'relu', 'hard_sigmoid', True, 'glorot_uniform', 'orthogonal', 'zeros', False, None, None, None, None, None, None, None, 0.25, 0.0, 7, True))
model.add(GRU(8, 'tanh', 'sigmoid', True, 'he_normal', 'orthogonal', 'zeros', None, None, None, None, None, None, None, 0.1, 0.0, None, True))
model.add(Bidirectional(SimpleRNN(4, None), 'concat', None, SimpleRNN(4, go_backwards=True)))
model.add(Dense(1))
`,
			want: []string{
				`model.Add(layers.Embedding(500, 8, layers.EmbeddingConfig{Initializer: initializers.RandomUniform()}, layers.WithInputShape(10)))`,
				`model.Add(layers.LSTM(16, layers.RNNConfig{Activation: "relu", RecurrentActivation: "hard_sigmoid", UseBias: true, UnitForgetBias: false, ReturnSequences: true, Dropout: 0.25, RecurrentDropout: 0.0, KernelInitializer: initializers.GlorotUniform(), RecurrentInitializer: initializers.Orthogonal(), BiasInitializer: initializers.Zeros()}, layers.WithSeed(7)))`,
				`model.Add(layers.GRU(8, layers.RNNConfig{Activation: "tanh", RecurrentActivation: "sigmoid", UseBias: true, ResetAfter: true, ReturnSequences: true, Dropout: 0.1, RecurrentDropout: 0.0, KernelInitializer: initializers.HeNormal(), RecurrentInitializer: initializers.Orthogonal(), BiasInitializer: initializers.Zeros()}))`,
				`model.Add(layers.Bidirectional(layers.SimpleRNN(4, layers.RNNConfig{Activation: "linear", UseBias: true}), layers.SimpleRNN(4, layers.RNNConfig{Activation: "tanh", UseBias: true, GoBackwards: true}), "concat"))`,
			},
		},
		snippet{
			name: "seq_noise_and_shape",
			src: `import keras
from keras import layers
model = keras.Sequential([
    layers.Input(shape=(6, 4)),
    layers.Masking(mask_value=-1.0),
    layers.GaussianNoise(0.1, seed=1),
    layers.GaussianDropout(0.2),
    layers.SpatialDropout1D(0.3),
    layers.AlphaDropout(0.1, noise_shape=None, seed=2),
    layers.Permute((2, 1)),
    layers.ActivityRegularization(l2=0.01),
    layers.Flatten(),
    layers.RepeatVector(3),
    layers.GRU(2, kernel_regularizer=keras.regularizers.l2(0.001), activity_regularizer='l1'),
])
`,
			want: []string{
				`layers.Masking(-1.0),`,
				`layers.GaussianNoise(0.1, layers.WithSeed(1)),`,
				`layers.GaussianDropout(0.2),`,
				`layers.SpatialDropout1D(0.3),`,
				`layers.AlphaDropout(0.1, layers.WithSeed(2)),`,
				`layers.Permute([]int{2, 1}),`,
				`layers.ActivityRegularization(0, 0.01),`,
				`layers.RepeatVector(3),`,
				`layers.GRU(2, layers.RNNConfig{Activation: "tanh", RecurrentActivation: "sigmoid", UseBias: true, ResetAfter: true, KernelRegularizer: regularizers.L2(0.001)}, layers.WithActivityRegularizer(regularizers.L1(`,
			},
		},
		snippet{
			// GaussianNoise as the first layer: translated with its input
			// shape (issue13_first_layer keeps the untranslated case)
			name: "seq_gaussian_noise_first",
			src: `from keras.models import Sequential
from keras.layers import Dense, GaussianNoise, SpatialDropout2D
model = Sequential()
model.add(GaussianNoise(0.1, input_shape=(8, 1)))
model.add(Dense(1))
model.compile(optimizer='adam', loss='mse')
`,
			want: []string{`model.Add(layers.GaussianNoise(0.1, layers.WithInputShape(8, 1)))`},
		},
		snippet{
			// what stays untranslated says why, truthfully
			name: "seq_refusals",
			src: `from keras.models import Sequential
from keras.layers import LSTM, GRU, Dense, ConvLSTM2D, Lambda, Embedding, Bidirectional
model = Sequential()
model.add(Embedding(100, 4, input_length=5))
model.add(LSTM(4, return_state=True))
model.add(GRU(4, stateful=True))
rnn = LSTM(3)
model.add(Bidirectional(rnn))
model.add(ConvLSTM2D(2, 3))
model.add(Lambda(lambda t: t))
model.add(Dense(1))
`,
			todo: []string{
				"line 5: model.add(LSTM(4, return_state=True)): LSTM(return_state=True) (several outputs) is not translated yet",
				"line 6: model.add(GRU(4, stateful=True)): GRU(stateful=True) is not supported by kerago (it runs stateless RNNs)",
				"line 8: model.add(Bidirectional(rnn)): Bidirectional of rnn: kerago translate wraps an LSTM, GRU or SimpleRNN written in the call",
				"line 9: model.add(ConvLSTM2D(2, 3)): kerago translate does not translate ConvLSTM2D yet",
				"line 10: model.add(Lambda(lambda t: t)): Lambda is not a layer kerago implements",
			},
			affected: []string{"line 11: model.add(Dense(1)): reads model, which line 10 (not translated: model.add(Lambda(lambda t: t))) would have changed"},
		},
		snippet{
			// padding/cropping forms: int, one per axis, ((top, bottom),
			// (left, right)); DepthwiseConv2D positional (kernel_size,
			// strides, padding, depth_multiplier); the image_layers
			// corpus script trains this model
			name: "seq_image_forms",
			src: `from tensorflow import keras
from tensorflow.keras import layers
model = keras.Sequential([
    layers.Input(shape=(16, 16, 3)),
    layers.ZeroPadding2D(),
    layers.ZeroPadding2D(2),
    layers.ZeroPadding2D(padding=(1, 2)),
    layers.ZeroPadding2D(((1, 0), (2, 3))),
    layers.Cropping2D(cropping=((1, 1), (2, 0))),
    layers.Cropping2D(1),
    layers.SeparableConv2D(8, 3, padding='same', depth_multiplier=2, depthwise_initializer='he_normal', pointwise_regularizer=keras.regularizers.l2(0.01)),
    layers.DepthwiseConv2D((3, 3), (1, 1), 'same', 2, activation='relu', activity_regularizer=keras.regularizers.l1(0.001)),
    layers.Conv2DTranspose(4, (3, 3), strides=2, padding='same', output_padding=1),
    layers.UpSampling2D(),
    layers.UpSampling2D(size=(2, 1), interpolation='bilinear'),
    layers.Reshape((-1, 4)),
    layers.ZeroPadding1D((1, 2)),
    layers.Cropping1D(1),
    layers.UpSampling1D(2),
    layers.SeparableConv1D(4, 3),
    layers.DepthwiseConv1D(3),
    layers.Conv1DTranspose(2, 3, 2),
    layers.GlobalAveragePooling1D(),
])
model.compile(optimizer='adam', loss='mse')
`,
			want: []string{
				`layers.ZeroPadding2D(1, 1, 1, 1),`,
				`layers.ZeroPadding2D(2, 2, 2, 2),`,
				`layers.ZeroPadding2D(1, 1, 2, 2),`,
				`layers.ZeroPadding2D(1, 0, 2, 3),`,
				`layers.Cropping2D(1, 1, 2, 0),`,
				`layers.Cropping2D(1, 1, 1, 1),`,
				`layers.SeparableConv2D(8, []int{3}, layers.WithDepthMultiplier(2), layers.WithPadding("same"), layers.WithDepthwiseInitializer(initializers.HeNormal()), layers.WithPointwiseRegularizer(regularizers.L2(0.01))),`,
				`layers.DepthwiseConv2D([]int{3, 3}, layers.WithStrides(1, 1), layers.WithDepthMultiplier(2), layers.WithPadding("same"), layers.WithActivation("relu"), layers.WithActivityRegularizer(regularizers.L1(0.001))),`,
				`layers.Conv2DTranspose(4, []int{3, 3}, layers.WithStrides(2), layers.WithOutputPadding(1), layers.WithPadding("same")),`,
				`layers.UpSampling2D([]int{2, 2}),`,
				`layers.UpSampling2D([]int{2, 1}, layers.WithInterpolation("bilinear")),`,
				`layers.ZeroPadding1D(1, 2),`,
				`layers.Cropping1D(1, 1),`,
				`layers.UpSampling1D(2),`,
				`layers.SeparableConv1D(4, 3),`,
				`layers.DepthwiseConv1D(3),`,
				`layers.Conv1DTranspose(2, 3, layers.WithStrides(2)),`,
			},
		},
		snippet{
			// Keras 1 (and tf.keras 2) spellings of the RNN arguments
			name: "seq_keras1_rnn",
			src: `from keras.models import Sequential
from keras.layers import Embedding, LSTM, Dense
model = Sequential()
model.add(Embedding(100, 8, input_length=6))
model.add(LSTM(output_dim=4, inner_activation='hard_sigmoid', dropout_W=0.2, dropout_U=0.1, init='he_uniform', consume_less='gpu'))
model.add(Dense(1))
`,
			want: []string{`model.Add(layers.LSTM(4, layers.RNNConfig{Activation: "tanh", RecurrentActivation: "hard_sigmoid", UseBias: true, UnitForgetBias: true, Dropout: 0.2, RecurrentDropout: 0.1, KernelInitializer: initializers.HeUniform()}))`},
			note: []string{"Keras 1 argument output_dim is Keras 3's units", "Keras 1 argument dropout_U is Keras 3's recurrent_dropout", "argument consume_less ignored"},
		},
		snippet{
			// 3D padding/cropping/upsampling and Keras's defaults:
			// ZeroPadding and Cropping1D/3D 1 on every side, Cropping2D 0,
			// UpSampling 2 per axis
			name: "seq_resampling_defaults",
			src: `import keras
from keras import layers
model = keras.Sequential([
    layers.Input(shape=(4, 4, 4, 2)),
    layers.ZeroPadding3D(),
    layers.ZeroPadding3D(((1, 0), (0, 1), (2, 2))),
    layers.Cropping3D(1),
    layers.Cropping3D(),
    layers.UpSampling3D(),
    layers.UpSampling3D(size=(1, 2, 1)),
    layers.Reshape((-1, 8, 2)),
    layers.Cropping2D(),
    layers.ZeroPadding2D(),
    layers.Reshape((-1, 2)),
    layers.Cropping1D(),
    layers.ZeroPadding1D(),
    layers.UpSampling1D(),
])
`,
			want: []string{
				`layers.ZeroPadding3D([3][2]int{{1, 1}, {1, 1}, {1, 1}}),`,
				`layers.ZeroPadding3D([3][2]int{{1, 0}, {0, 1}, {2, 2}}),`,
				"layers.Cropping3D([3][2]int{{1, 1}, {1, 1}, {1, 1}}),\n\t\tlayers.Cropping3D([3][2]int{{1, 1}, {1, 1}, {1, 1}}),",
				`layers.UpSampling3D([]int{2, 2, 2}),`,
				`layers.UpSampling3D([]int{1, 2, 1}),`,
				`layers.Cropping2D(0, 0, 0, 0),`,
				`layers.ZeroPadding2D(1, 1, 1, 1),`,
				`layers.Cropping1D(1, 1),`,
				`layers.ZeroPadding1D(1, 1),`,
				`layers.UpSampling1D(2),`,
			},
		},
		snippet{
			// merges in the functional API: each layer called once per
			// input (h feeds three layers), the graph built with
			// layers.Apply and keras.NewModel; Concatenate's axis
			name: "seq_functional_merges",
			src: `import keras
from keras import layers
inputs = keras.Input(shape=(6,))
h = layers.Dense(8)(inputs)
a = layers.Dense(4)(h)
b = layers.Dense(4)(h)
s = layers.Subtract()([a, b])
m = layers.Maximum()([s, a, b])
v = layers.Average()([m, layers.Minimum()([a, b])])
c = layers.Concatenate(axis=1)([v, h])
model = keras.Model(inputs, layers.Dense(1)(c))
`,
			want: []string{
				"input := keras.Input(6)\n\t\tnode := layers.Apply(dense, input)[0]\n\t\tnode2 := layers.Apply(dense2, node)[0]\n\t\tnode3 := layers.Apply(dense3, node)[0]\n\t\tnode4 := layers.Apply(subtract, node2, node3)[0]\n\t\tnode5 := layers.Apply(maximum, node4, node2, node3)[0]\n\t\tnode6 := layers.Apply(minimum, node2, node3)[0]\n\t\tnode7 := layers.Apply(average, node5, node6)[0]\n\t\tnode8 := layers.Apply(concatenate, node7, node)[0]\n\t\tnode9 := layers.Apply(dense4, node8)[0]\n\t\treturn keras.NewModel([]*layers.Node{input}, []*layers.Node{node9})",
				"concatenate := layers.Concatenate(1)",
				"subtract := layers.Subtract()",
			},
		},
		snippet{
			// the functional forms layers.concatenate(inputs, axis),
			// add(inputs, name=...), multiply(...) (Keras 2 scripts)
			name: "seq_functional_merge_funcs",
			src: `from tensorflow import keras
from tensorflow.keras.layers import Input, Dense, concatenate, add
inputs = Input(shape=(5,))
a = Dense(3)(inputs)
b = Dense(3)(inputs)
x = concatenate([a, b], axis=-1)
y = add([a, b], name='sum')
z = keras.layers.multiply([x, concatenate([y, y])])
model = keras.Model(inputs, Dense(1)(z))
model.summary()
`,
			want: []string{
				"concatenate := layers.Concatenate(-1)",
				`add := layers.Add(layers.WithName("sum"))`,
				"node5 := layers.Apply(concatenate2, node4, node4)[0]\n\t\tnode6 := layers.Apply(multiply, node3, node5)[0]",
			},
		},
	)
}

// TestSeqLayerRefusals feeds the sequence and reshaping layers arguments
// Keras rejects or kerago translate does not carry: each must become one
// reported line with its reason, never an internal error.
func TestSeqLayerRefusals(t *testing.T) {
	for _, c := range []struct{ layer, why string }{
		{"LSTM()", "LSTM: missing argument units"},
		{"Bidirectional()", "Bidirectional: missing argument layer"},
		{"Bidirectional(layers.LSTM(2), merge_mode='max')", `Bidirectional merge_mode "max" is not one of concat, sum, mul, ave, None`},
		{"Bidirectional(layers.Dense(2))", "Bidirectional of layers.Dense(2): kerago translate wraps an LSTM, GRU or SimpleRNN written in the call"},
		{"TimeDistributed(5)", "TimeDistributed needs a layer, got an int"},
		{"Embedding(1)", "Embedding: missing argument output_dim"},
		{"Embedding(10, 2, weights=[w])", "Embedding(weights=...) (a pretrained table) is not translated yet; load the weights with keras.LoadWithWeights"},
		{"ZeroPadding2D(((1,), (2, 3)))", "ZeroPadding2D: padding needs (before, after) per axis"},
		{"ZeroPadding2D(padding=((1, 2, 3), (1, 2)))", "ZeroPadding2D: padding needs (before, after) per axis"},
		{"Cropping2D(((1, 1), (1, 1), (1, 1)))", "Cropping2D: cropping needs one entry per spatial axis"},
		{"UpSampling1D(size=())", "size needs at least one value"},
		{"SeparableConv1D(2, ())", "kernel_size needs at least one value"},
		{"DepthwiseConv2D()", "DepthwiseConv2D needs kernel_size"},
		{"Conv2DTranspose(2)", "Conv2DTranspose needs kernel_size"},
		// Keras rejects these too: SimpleRNN has no recurrent activation,
		// only GRU reset_after, only LSTM unit_forget_bias
		{"SimpleRNN(2, recurrent_activation='relu')", "SimpleRNN: argument recurrent_activation is not supported by the translator"},
		{"LSTM(2, reset_after=True)", "LSTM: argument reset_after is not supported by the translator"},
		{"GRU(2, unit_forget_bias=False)", "GRU: argument unit_forget_bias is not supported by the translator"},
		{"Masking(seed=1)", "Masking: argument seed is not supported by the translator"},
		{"UpSampling1D(interpolation='bilinear')", "UpSampling1D: argument interpolation is not supported by the translator"},
		{"Embedding(4, 2, data_format='channels_last')", "Embedding: argument data_format is not supported by the translator"},
		{"GRU(2, stateful=True)", "GRU(stateful=True) is not supported by kerago (it runs stateless RNNs)"},
		{"SimpleRNN(2, return_state=True)", "SimpleRNN(return_state=True) (several outputs) is not translated yet"},
		{"ConvLSTM2D(2, 3)", "kerago translate does not translate ConvLSTM2D yet"},
		{"Dot(axes=1)", "kerago translate does not translate Dot yet"},
		{"Add()([w, w])", "calling a layer on a list holding an int (not a keras.Input chain) is outside the subset"},
		{"Concatenate()([w])", "a merge layer needs a list of at least two Keras tensors"},
		{"Lambda(lambda v: v)", "Lambda is not a layer kerago implements"},
		{"Frobnicate()", "layers.Frobnicate is not a layer kerago implements"},
	} {
		t.Run(c.layer, func(t *testing.T) {
			src := "from keras import layers\nfrom keras.models import Sequential\nw = 1\nm = Sequential()\nm.add(layers." + c.layer + ")\n"
			res, err := Translate([]byte(src), Options{ScriptName: "r.py"})
			if err != nil {
				t.Fatal(err)
			}
			want := "line 5: m.add(layers." + c.layer + "): " + c.why
			if len(res.Untranslated) != 1 || res.Untranslated[0].String() != want {
				t.Errorf("report %v, want [%s]", res.Untranslated, want)
			}
		})
	}
}
