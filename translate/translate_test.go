package translate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// snippet is a small script with what its Go must contain and the exact
// report lines of what is not translated. Every snippet's program is also
// compiled by TestCorpus.
type snippet struct {
	name string
	src  string
	want []string // substrings of the formatted Go
	todo []string // exact report lines (none if empty)
	note []string // substrings of some note line
	// affected are the exact report lines of translated lines affected by
	// untranslated ones (none if empty)
	affected []string
}

var snippets = []snippet{
	{
		name: "keras1_names",
		src: `from keras.models import Sequential
from keras.layers import Dense
from keras.regularizers import l2
model = Sequential()
model.add(Dense(output_dim=4, input_dim=3, init='normal', W_regularizer=l2(0.01), bias=False))
`,
		want: []string{`model.Add(layers.Dense(4, layers.WithUseBias(false), layers.WithKernelInitializer(initializers.RandomNormal()), layers.WithKernelRegularizer(regularizers.L2(0.01)), layers.WithInputShape(3)))`},
		note: []string{"Keras 1 argument output_dim is Keras 3's units", "Keras 1 argument init is Keras 3's kernel_initializer"},
	},
	{
		name: "sgd_decay",
		src: `from keras.optimizers import SGD
opt = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
`,
		// opt is never used: its value is dropped
		want: []string{`_, err := optimizers.NewSGD(optimizers.WithSchedule(schedules.InverseTimeDecay{InitialLearningRate: 0.01, DecaySteps: 1, DecayRate: 1e-6}), optimizers.Momentum(0.9), optimizers.Nesterov(true))`},
		note: []string{"decay= (lr/(1 + decay·iterations)) becomes an InverseTimeDecay schedule"},
	},
	{
		name: "schedules_and_callbacks",
		src: `import math
import tensorflow as tf
from tensorflow import keras

def step_decay(epoch):
    initial = 0.1
    drop = 0.5
    return initial * math.pow(drop, math.floor((1 + epoch) / 10))

cbs = [
    keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr * tf.math.exp(-0.1)),
    keras.callbacks.LearningRateScheduler(step_decay, verbose=1),
    keras.callbacks.LearningRateScheduler(lambda epoch: 1e-3 * 10 ** (epoch / 20)),
    keras.callbacks.EarlyStopping(monitor='loss', baseline=0.5, mode='min'),
    keras.callbacks.ReduceLROnPlateau(patience=0),
    keras.callbacks.CSVLogger('log.csv', separator=';', append=True),
]
model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
model.compile(optimizer='sgd', loss='mse')
x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
model.fit(x, x[:, :1], epochs=2, callbacks=cbs, verbose=0)
`,
		want: []string{
			"callbacks.NewLearningRateScheduler(func(epoch int, lr float64) (float64, error) {\n\t\tif epoch < 10 {\n\t\t\treturn lr, nil\n\t\t}\n\t\treturn lr * math.Exp(-0.1), nil\n\t}, 0)",
			"x, err := tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2)",
			"data.Take(x, data.All(), data.To(1))",
			"initial := 0.1",
			"return initial * math.Pow(drop, math.Floor(float64(1+epoch)/10)), nil",
			"}, 1)",
			"return 1e-3 * math.Pow(10, float64(epoch)/20), nil",
			`callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Monitor: "loss", Mode: "min", Baseline: new(0.5)})`,
			"callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{Patience: 0, MinDelta: 1e-4, NoDefaults: true})",
			`&callbacks.CSVLogger{Filename: "log.csv", Separator: ';', Append: true}`,
			"Callbacks: cbs",
		},
	},
	{
		name: "printing",
		src: `acc = 0.91234
loss = 0.25
n = 3
name = 'model'
print('acc: %.2f%%' % (acc * 100))
print('{:.3f} / {}'.format(loss, n))
print(f'{name}: {loss:>8.2e} after {n} epochs, {acc:.1%}')
print('loss', loss, n)
print('%s has %d layers' % (name, n))
print('a', 'b', sep='-', end='!\n')
`,
		want: []string{
			`fmt.Printf("acc: %.2f%%\n", acc*100)`,
			`fmt.Printf("%.3f / %d\n", loss, n)`,
			`fmt.Printf("%s: %8.2e after %d epochs, %s\n", name, loss, n, data.Format(acc, ".1%"))`,
			`fmt.Println("loss", data.Str(loss), n)`,
			`fmt.Printf("%s has %d layers\n", name, n)`,
			`fmt.Print(strings.Join([]string{"a", "b"}, "-") + "!\n")`,
		},
	},
	{
		name: "loops_and_blocks",
		src: `import os
import numpy as np
from tensorflow import keras

x = np.load('x.npy')
if os.path.exists('model.keras'):
    model = keras.models.load_model('model.keras')
else:
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
    model.compile(optimizer='adam', loss='mse')
for i in range(0, 10, 2):
    print(i)
for _ in range(3):
    model.fit(x, x[:, :1], epochs=1, verbose=0)
for epochs in [1, 2]:
    model.fit(x, x[:, :1], epochs=epochs, verbose=0)
model.summary()
`,
		want: []string{
			"var model *keras.Model\n",
			"if data.Exists(\"model.keras\") {",
			"model, err = keras.Load(\"model.keras\")",
			"} else {",
			"model, err = keras.NewSequential(",
			"for i := 0; i < 10; i += 2 {",
			"for range 3 {",
			"for _, epochs := range []int{1, 2} {",
			"model.Summary(os.Stdout)",
		},
	},
	{
		name: "evaluate_forms",
		src: `import numpy as np
from tensorflow import keras
x = np.load('x.npy')
y = np.load('y.npy')
m1 = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
m1.compile(optimizer='adam', loss='mse')
only_loss = m1.evaluate(x, y)
m2 = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
m2.compile(optimizer='adam', loss='mse', metrics=['mae', 'mse'])
loss, mae, mse = m2.evaluate(x, y, batch_size=8, verbose=0)
res = m2.evaluate(x, y, return_dict=True)
print(only_loss, loss, mae, mse, res['mae'])
`,
		want: []string{
			"onlyLoss := data.LogValues(scoreLogs)[0]",
			"score := data.LogValues(scoreLogs2)",
			"loss := score[0]\n\tmae := score[1]\n\tmse := score[2]",
			`m2.Evaluate(x, y, keras.EvaluateConfig{BatchSize: 8, Verbose: keras.Silent})`,
			`data.LogValue(res, "mae")`,
		},
	},
	{
		name: "data_loading",
		src: `import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
np.random.seed(42)
df = pd.read_csv('d.csv', sep=';', header=None, names=['a', 'b', 'y'], usecols=[0, 2])
df2 = pd.read_csv('d2.csv', index_col='id', na_values=['?'])
X = df.drop(columns=['y']).to_numpy()
y = df['y'].values.reshape(-1, 1).astype('float32')
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3)
z = np.genfromtxt('z.csv', delimiter=',', skip_header=1, usecols=(0, 1))
x2 = X / 255.0
x2 /= 2
x3 = (X - X.mean(axis=0)) / X.std(axis=0)
print(X_train.shape, len(y_test), z.shape[1], df2.shape, x2[0], x3[-1, 0])
`,
		want: []string{
			"rng := data.NewRandomState(42)",
			`data.ReadCSV("d.csv", data.CSVOptions{Sep: ";", NoHeader: true, Names: []string{"a", "b", "y"}, UseCols: []string{"0", "2"}, UseColsByPosition: true})`,
			`data.ReadCSV("d2.csv", data.CSVOptions{IndexCol: "id", NAValues: []string{"?"}})`,
			`df.Drop("y").Values()`,
			`df.Col("y").Values()`,
			`.Reshape(-1, 1)`,
			"data.TrainTestSplit(data.SplitConfig{TestSize: 0.3, RandomState: rng}, x, y)",
			"xTrain := split[0]\n\t_ = split[1]\n\t_ = split[2]\n\tyTest := split[3]",
			"y, err := yValues.Reshape(-1, 1)",
			`data.GenFromTxt("z.csv", data.TxtOptions{Delimiter: ",", SkipRows: 1, UseCols: []int{0, 1}})`,
			"data.Div(x, data.Scalar(255.0))",
			"x2, err = data.Div(x2, data.Scalar(2))",
			"data.MeanAxis(x, 0)",
			"data.Take(x3, data.At(-1), data.At(0))",
		},
		note: []string{"train_test_split without random_state shuffles with NumPy's global generator seeded by np.random.seed"},
	},
	{
		name: "untranslatable_lines",
		src: `import numpy as np
from keras.models import Sequential
from keras.layers import Dense
x = np.load('x.npy')
model = Sequential()
model.add(Dense(2, input_dim=4))
model.compile(loss='mse', optimizer='adam')
model.fit_generator(gen(), steps_per_epoch=10)
model.fit(x, x[:, :2], workers=4, verbose=0)
while True:
    break
model.save('saved_model_dir')
y = undefined_name + 1
print(y)
x = = 2
print('after a syntax error')
`,
		todo: []string{
			"line 8: model.fit_generator(gen(), steps_per_epoch=10): model.fit_generator (Python generators) is outside the subset",
			"line 10: while True:: while loops are outside the subset",
			"line 11: break: while loops are outside the subset",
			`line 12: model.save('saved_model_dir'): saving to "saved_model_dir" (a TensorFlow SavedModel directory) is outside the subset: save to .keras or .h5`,
			"line 13: y = undefined_name + 1: undefined_name is not defined by a translated line of the script",
			"line 14: print(y): y comes from line 13, which was not translated",
			`line 15: x = = 2: outside the subset (unexpected "=")`,
		},
		want: []string{"fmt.Println(\"after a syntax error\")", "// TODO(kerago translate): while True:", "// TODO(kerago translate):     break"},
		note: []string{"argument workers ignored: kerago trains in-process"},
		affected: []string{
			"line 9: model.fit(x, x[:, :2], workers=4, verbose=0): reads model, which line 8 (not translated: model.fit_generator(gen(), steps_per_epoch=10)) would have changed",
		},
	},
	{
		name: "functional_multi_input",
		src: `import keras
from keras import layers
a = keras.Input(shape=(2,))
b = keras.Input(shape=(3,))
x = layers.Concatenate()([a, b])
out = layers.Dense(1)(a)
model = keras.Model(inputs=[a, b], outputs=out)
`,
		todo: []string{
			"line 5: x = layers.Concatenate()([a, b]): a layer called on tensors of several keras.Input (a multi-input model) is not translated yet",
			"line 7: model = keras.Model(inputs=[a, b], outputs=out): keras.Model: inputs must be one keras.Input and outputs one Keras tensor computed from it (several inputs or outputs are not translated yet)",
		},
	},
	{
		name: "main_guard_and_device",
		src: `"""A docstring."""
import tensorflow as tf
from tensorflow.keras import layers, models


def make(n):
    m = models.Sequential()
    m.add(layers.Dense(n, activation=tf.nn.relu, input_shape=(2,)))
    return m


if __name__ == "__main__":
    tf.keras.backend.clear_session()
    with tf.device('/cpu:0'):
        model = make(4)
        model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=tf.keras.losses.mean_squared_error)
`,
		want: []string{
			"// (make, defined at line 6, inlined:)",
			`m.Add(layers.Dense(4, layers.WithActivation("relu"), layers.WithInputShape(2)))`,
			"// (model is m)",
			`m.Compile(keras.CompileConfig{Optimizer: opt, Loss: "mean_squared_error"})`,
			"// (kerago keeps no global session state)",
		},
	},
	{
		name: "layers_everything",
		src: `from tensorflow.keras import layers, Sequential, constraints, initializers
model = Sequential([
    layers.InputLayer(input_shape=(8,)),
    layers.Dense(4, kernel_initializer=initializers.RandomNormal(mean=0.0, stddev=0.02, seed=3), bias_initializer=initializers.Constant(0.1), kernel_constraint=constraints.NonNeg(), name='d1', trainable=False),
    layers.BatchNormalization(momentum=0.9, epsilon=1e-5, center=False),
    layers.Dropout(0.25, noise_shape=(None, 4), seed=1),
    layers.Activation('softmax'),
    layers.Reshape((2, 2)),
    layers.Softmax(axis=-1),
    layers.Flatten(),
    layers.LeakyReLU(alpha=0.2),
    layers.PReLU(shared_axes=[1]),
], name='zoo')
`,
		want: []string{
			`layers.Input(8)`,
			`layers.Dense(4, layers.WithKernelInitializer(initializers.RandomNormal(initializers.Mean(0.0), initializers.Stddev(0.02), initializers.Seed(3))), layers.WithBiasInitializer(initializers.Constant(0.1)), layers.WithKernelConstraint(constraints.NonNeg()), layers.WithName("d1"), layers.WithTrainable(false))`,
			`layers.BatchNormalization(layers.WithMomentum(0.9), layers.WithEpsilon(1e-5), layers.WithCenter(false))`,
			`layers.Dropout(0.25, layers.WithNoiseShape(-1, 4), layers.WithSeed(1))`,
			`layers.Activation("softmax")`,
			`layers.Reshape([]int{2, 2})`,
			`layers.Softmax(layers.WithAxis(-1))`,
			`layers.LeakyReLU(layers.WithNegativeSlope(0.2))`,
			`layers.PReLU(layers.WithSharedAxes(1))`,
			`model.SetName("zoo")`,
		},
	},
}

func TestSnippets(t *testing.T) {
	for _, s := range snippets {
		t.Run(s.name, func(t *testing.T) {
			res, err := Translate([]byte(s.src), Options{ScriptName: s.name + ".py"})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range s.want {
				if !bytes.Contains(res.Go, []byte(w)) {
					t.Errorf("the Go lacks\n%s\n--- Go:\n%s", w, res.Go)
				}
			}
			var got []string
			for _, i := range res.Untranslated {
				got = append(got, i.String())
			}
			if strings.Join(got, "\n") != strings.Join(s.todo, "\n") {
				t.Errorf("report\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(s.todo, "\n"))
			}
			notes := ""
			for _, n := range res.Notes {
				notes += n.String() + "\n"
			}
			for _, n := range s.note {
				if !strings.Contains(notes, n) {
					t.Errorf("no note %q in\n%s", n, notes)
				}
			}
			got = got[:0]
			for _, i := range res.Affected {
				got = append(got, i.String())
			}
			if strings.Join(got, "\n") != strings.Join(s.affected, "\n") {
				t.Errorf("affected lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(s.affected, "\n"))
			}
			if len(s.todo) > 0 && !bytes.Contains(res.Go, []byte("line(s) could not be translated")) {
				t.Error("the header does not say that lines were not translated")
			}
		})
	}
}

func TestRunCommand(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "train.py")
	src := "import numpy as np\nx = np.load('x.npy')\nplt.show()\nprint(x)\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := RunCommand([]string{script}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "package main") || !strings.Contains(stdout.String(), "// TODO(kerago translate): plt.show()") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if want := "line 3: plt.show(): plt is not defined by a translated line of the script\n"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr:\n%s\nwant a line %q", stderr.String(), want)
	}
	out := filepath.Join(dir, "main.go")
	rep := filepath.Join(dir, "report.txt")
	stdout.Reset()
	stderr.Reset()
	if err := RunCommand([]string{"-o", out, script, "--report", rep}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if stdout.Len() != 0 || stderr.Len() != 0 {
		t.Errorf("output on stdout/stderr with -o and --report: %q %q", stdout.String(), stderr.String())
	}
	g, _ := os.ReadFile(out)
	r, _ := os.ReadFile(rep)
	if !bytes.Contains(g, []byte("data.LoadNpy(\"x.npy\")")) || !bytes.Contains(r, []byte("line 3: plt.show()")) {
		t.Errorf("files:\n%s\n%s", g, r)
	}
	for _, c := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{nil, true, "need exactly one script, got 0"},
		{[]string{"a.py", "b.py"}, true, "need exactly one script, got 2"},
		{[]string{"-x", script}, true, "flag provided but not defined: -x"},
		{[]string{filepath.Join(dir, "missing.py")}, false, "missing.py"},
	} {
		err := RunCommand(c.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
			continue
		}
		if isUsage := errors.Is(err, ErrUsage); isUsage != c.usage || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: usage error %v, want %v", c.args, isUsage, c.usage)
		}
	}
	bad := filepath.Join(dir, "bad.py")
	os.WriteFile(bad, []byte("x = '''\n"), 0o644)
	if err := RunCommand([]string{bad}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "bad.py: line 1: unterminated string literal") {
		t.Errorf("syntax error: %v", err)
	}
	// a one-line string spoils its line only (issue 13)
	os.WriteFile(bad, []byte("x = 'C:\\Users\\me'\nprint(1)\n"), 0o644)
	stderr.Reset()
	if err := RunCommand([]string{bad, "-o", filepath.Join(dir, "bad.go")}, &stdout, &stderr); err != nil ||
		!strings.Contains(stderr.String(), `line 1: x = 'C:\Users\me': outside the subset (bad escape in string: Python rejects this string literal`) {
		t.Errorf("bad escape: %v\n%s", err, stderr.String())
	}
}

// everyClassSnippet builds a script that constructs every layer, optimizer,
// loss, metric, initializer and callback the translator maps, so that
// TestCorpus type-checks each mapping against kerago's API.
func everyClassSnippet() snippet {
	var b strings.Builder
	b.WriteString("from tensorflow import keras\nfrom tensorflow.keras import layers, optimizers, losses, metrics, initializers, callbacks\n")
	var want []string
	i := 0
	add := func(expr, goPrefix string) {
		fmt.Fprintf(&b, "v%d = %s\n", i, expr)
		want = append(want, goPrefix)
		i++
	}
	for _, name := range sortedKeys(kerasLayers) {
		switch name {
		case "Dense":
			add("layers.Dense(3)", "layers.Dense(3)")
		case "Activation":
			add("layers.Activation('relu')", `layers.Activation("relu")`)
		case "Dropout":
			add("layers.Dropout(0.1)", "layers.Dropout(0.1)")
		case "Reshape":
			add("layers.Reshape((3, 1))", "layers.Reshape([]int{3, 1})")
		case "Input":
			// a Keras tensor, not a value
		case "InputLayer":
			add("layers.InputLayer(input_shape=(3,))", "layers.Input(3)")
		case "Normalization":
			add("layers.Normalization()", "layers.Normalization().(*layers.NormalizationLayer)")
		case "Conv1D":
			add("layers.Conv1D(4, 3, strides=1, padding='causal')", `layers.Conv1D(4, 3, layers.WithStrides(1), layers.WithPadding("causal"))`)
		case "Conv2D", "Conv3D":
			add("layers."+name+"(4, 3, padding='same', dilation_rate=1)", "layers."+name+`(4, []int{3}, layers.WithDilationRate(1), layers.WithPadding("same"))`)
		case "Conv1DTranspose":
			add("layers.Conv1DTranspose(4, 3, 2)", "layers.Conv1DTranspose(4, 3, layers.WithStrides(2))")
		case "Conv2DTranspose", "Conv3DTranspose":
			add("layers."+name+"(4, 3, output_padding=1, strides=2)", "layers."+name+"(4, []int{3}, layers.WithStrides(2), layers.WithOutputPadding(1))")
		case "DepthwiseConv1D":
			add("layers.DepthwiseConv1D(3, depth_multiplier=2)", "layers.DepthwiseConv1D(3, layers.WithDepthMultiplier(2))")
		case "DepthwiseConv2D":
			add("layers.DepthwiseConv2D((3, 3))", "layers.DepthwiseConv2D([]int{3, 3})")
		case "SeparableConv1D":
			add("layers.SeparableConv1D(4, 3)", "layers.SeparableConv1D(4, 3)")
		case "SeparableConv2D":
			add("layers.SeparableConv2D(4, (3, 3), pointwise_initializer='zeros')", "layers.SeparableConv2D(4, []int{3, 3}, layers.WithPointwiseInitializer(initializers.Zeros()))")
		case "MaxPooling1D", "AveragePooling1D":
			add("layers."+name+"(pool_size=2, strides=2)", "layers."+name+"(2, layers.WithStrides(2))")
		case "MaxPooling2D", "MaxPooling3D", "AveragePooling2D", "AveragePooling3D":
			add("layers."+name+"((2, 2), padding='same')", "layers."+name+`([]int{2, 2}, layers.WithPadding("same"))`)
		default:
			add("layers."+name+"()", "layers."+name+"()")
		}
	}
	for _, name := range sortedKeys(optimizerClasses) {
		cls := optimizerClasses[name]
		add("optimizers."+cls+"(learning_rate=0.01)", "optimizers.New"+cls+"(optimizers.LearningRate(0.01))")
	}
	for _, name := range sortedKeys(lossClasses) {
		add("losses."+name+"()", "losses."+lossClasses[name]+"()")
	}
	for _, name := range sortedKeys(metricClasses) {
		add("metrics."+name+"()", "metrics."+name+"()")
	}
	for _, name := range []string{"GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "Zeros", "Ones", "RandomNormal", "RandomUniform", "TruncatedNormal", "Orthogonal", "Identity", "VarianceScaling"} {
		add("layers.Dense(2, kernel_initializer=initializers."+name+"())", "initializers."+name+"()")
	}
	add("callbacks.EarlyStopping()", "callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{})")
	add("callbacks.ModelCheckpoint('m.keras')", `callbacks.NewModelCheckpoint(callbacks.ModelCheckpointConfig{Filepath: "m.keras"})`)
	add("callbacks.ReduceLROnPlateau()", "callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{})")
	add("callbacks.CSVLogger('log.csv')", `callbacks.NewCSVLogger("log.csv")`)
	add("callbacks.TerminateOnNaN()", "&callbacks.TerminateOnNaN{}")
	add("callbacks.History()", "callbacks.NewHistory()")
	add("callbacks.LearningRateScheduler(lambda e: 0.1)", "callbacks.NewLearningRateScheduler(func(_ int, lr float64) (float64, error) {")
	add("keras.optimizers.schedules.PiecewiseConstantDecay([10.0], [0.1, 0.01])", "schedules.PiecewiseConstantDecay{Boundaries: []float64{10.0}, Values: []float64{0.1, 0.01}}")
	add("keras.optimizers.schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5)", "schedules.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 100, WarmupTarget: new(0.2), WarmupSteps: 5}")
	return snippet{name: "every_class", src: b.String(), want: want}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func init() { snippets = append(snippets, everyClassSnippet()) }

func init() {
	snippets = append(snippets, snippet{
		name: "tutorial_forms",
		src: `import numpy as np
import pandas as pd
import tensorflow as tf
dataset = pd.read_csv('auto-mpg.data', names=['MPG', 'Cylinders'], na_values='?', comment='\t', sep=' ', skipinitialspace=True)
dataset = dataset.copy().dropna()
labels = dataset.pop('MPG')
X = dataset.values
for i in range(2):
	print('%s => %d' % (X[i].tolist(), labels.values[i]))
`,
		want: []string{
			`data.ReadCSV("auto-mpg.data", data.CSVOptions{Sep: " ", Names: []string{"MPG", "Cylinders"}, NAValues: []string{"?"}, Comment: "\t", SkipInitialSpace: true})`,
			"labels := dataset.Col(\"MPG\")\n\tdataset = dataset.Drop(\"MPG\")",
			"data.ToList(",
		},
	})
}

func TestGoIdent(t *testing.T) {
	for _, c := range []struct{ py, want string }{
		{"x_train", "xTrain"}, {"X_train", "xTrain"}, {"EPOCHS", "epochs"}, {"__name", "name"},
		{"Model Year", "modelYear"}, {"2nd-col", "v2ndCol"}, {"", "v"}, {"__", "v"}, {"été", "été"},
		{"labelencoder_X_1", "labelencoderX1"},
	} {
		if got := goIdent(c.py); got != c.want {
			t.Errorf("goIdent(%q) = %q, want %q", c.py, got, c.want)
		}
	}
}

func init() {
	snippets = append(snippets, snippet{
		name: "no_effect_calls",
		src: `import os
import random
import warnings
import numpy as np
import tensorflow as tf
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
os.environ['PYTHONHASHSEED'] = '0'
warnings.filterwarnings('ignore')
np.set_printoptions(precision=3, suppress=True)
tf.get_logger().setLevel('ERROR')
random.seed(1)
`,
		want: []string{"// (environment variables for TensorFlow or Python hashing have no effect on kerago)", "// (warnings.filterwarnings(...) has no effect on kerago: nothing to do in Go)", "// (tensorflow.get_logger().setLevel(...) has no effect"},
	})
}
