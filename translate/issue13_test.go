package translate

// Regression snippets of the bugs of issue 13 ("kerago translate on the
// scripts people really write"). Like every snippet, each program is
// compiled by TestCorpus and its report checked line by line by
// TestSnippets.
func init() {
	snippets = append(snippets,
		snippet{
			// a variable whose only later use became a TODO: the program
			// must still compile
			name: "issue13_unused_after_todo",
			src: `import pandas as pd
df = pd.read_csv('d.csv')
a = df[['x']].values
a
print(a.take(1))
`,
			want: []string{"_ = a // kerago translate: every use of a became a TODO"},
			todo: []string{"line 5: print(a.take(1)): array method .take() is outside the subset"},
		},
		snippet{
			// a Windows path with a bad \U escape spoils its line only
			name: "issue13_bad_string",
			src: `import numpy as np
x = np.load("C:\Users\me\x.npy")
y = np.load('y.npy')
print(y)
`,
			want: []string{`y, err := data.LoadNpy("y.npy")`},
			todo: []string{`line 2: x = np.load("C:\Users\me\x.npy"): outside the subset (bad escape in string: Python rejects this string literal (a Windows path needs r"..." or forward slashes))`},
		},
		snippet{
			// a TODO'd first layer leaves the model without an input
			// shape: everything using the model is reported, nothing runs
			// into "not built" (the report's GaussianNoise now translates,
			// see seq_gaussian_noise_first; Lambda stays untranslated)
			name: "issue13_first_layer",
			src: `from keras.models import Sequential
from keras.layers import Dense, Lambda
import numpy as np
x = np.load('x.npy')
y = np.load('y.npy')
model = Sequential()
model.add(Lambda(lambda t: t, input_shape=(8, 1)))
model.add(Dense(1))
model.compile(optimizer='adam', loss='mse')
model.fit(x, y, epochs=2)
`,
			todo: []string{
				"line 7: model.add(Lambda(lambda t: t, input_shape=(8, 1))): Lambda is not a layer kerago implements",
				"line 8: model.add(Dense(1)): model has no first layer (no input shape): line 7, which adds it, was not translated",
				"line 9: model.compile(optimizer='adam', loss='mse'): model has no first layer (no input shape): line 7, which adds it, was not translated",
				"line 10: model.fit(x, y, epochs=2): model has no first layer (no input shape): line 7, which adds it, was not translated",
			},
		},
		snippet{
			// knock-on: a column a TODO'd line should have made, read by a
			// translated line, and everything computed from it
			name: "issue13_knock_on",
			src: `import pandas as pd
from keras.models import Sequential
from keras.layers import Dense
df = pd.read_csv('d.csv')
df['z'] = df.apply(lambda r: r['x'] * 2, axis=1)
y = df['y'].values
x = df[['x', 'z']].values
model = Sequential()
model.add(Dense(4, input_dim=2))
model.add(Dense(1))
model.compile(optimizer='adam', loss='mse')
model.fit(x, y, epochs=2)
print(model.predict(x))
`,
			todo: []string{"line 5: df['z'] = df.apply(lambda r: r['x'] * 2, axis=1): DataFrame.apply is outside the subset"},
			affected: []string{
				`line 7: x = df[['x', 'z']].values: reads df["z"], which line 5 (not translated: df['z'] = df.apply(lambda r: r['x'] * 2, axis=1)) would have set`,
				`line 12: model.fit(x, y, epochs=2): reads x, which depends on line 5 (not translated: df['z'] = df.apply(lambda r: r['x'] * 2, axis=1))`,
				`line 13: print(model.predict(x)): reads model, which depends on line 5 (not translated: df['z'] = df.apply(lambda r: r['x'] * 2, axis=1))`,
			},
			want: []string{"// kerago translate: affected: reads x, which depends on line 5"},
		},
		snippet{
			// Keras 2 spellings: a .hdf5 checkpoint, monitor='val_acc'
			name: "issue13_keras2_callbacks",
			src: `from keras.callbacks import ModelCheckpoint, EarlyStopping, TensorBoard
cp = ModelCheckpoint('weights.best.hdf5', monitor='val_acc', save_best_only=True, mode='max')
es = EarlyStopping(monitor='val_acc', patience=3)
tb = TensorBoard(log_dir='./logs', histogram_freq=1)
cbs = [cp, es, tb]
`,
			want: []string{
				`callbacks.NewModelCheckpoint(callbacks.ModelCheckpointConfig{Filepath: "weights.best.hdf5", Monitor: "val_accuracy", SaveBestOnly: true, Mode: "max"})`,
				`callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Monitor: "val_accuracy", Patience: 3})`,
				"&callbacks.Base{}",
			},
			note: []string{
				`monitor="val_acc" is Keras 2's name of "val_accuracy"`,
				"a .hdf5 checkpoint is written in HDF5 as Keras 2 did",
				"TensorBoard is left out (a callback that does nothing): kerago writes no TensorBoard logs",
			},
		},
		snippet{
			// the report points at the line of an inlined function that
			// failed, not at its return line
			name: "issue13_inline_report",
			src: `from keras.preprocessing.text import Tokenizer

def load():
    tok = Tokenizer()
    tok.fit_on_texts(['a b'])
    return tok

t = load()
`,
			todo: []string{"line 8: t = load(): load (line 3) could not be inlined: line 4: tok = Tokenizer(): keras.preprocessing.text.Tokenizer is outside the subset"},
		},
		snippet{
			// dicts with literal keys (Deep Learning Quick Reference's
			// load_data): values become variables, d['k'] is written out
			name: "issue13_dicts",
			src: `import numpy as np

def load_data():
    train = np.load('train.npy')
    data = dict()
    data["train_y"] = train[:, 10]
    data["train_X"] = train[:, 0:9]
    opts = {'epochs': 3, 'batch_size': 8}
    data["opts"] = opts
    return data

data = load_data()
print(data["train_X"].shape[1], data["train_y"].shape)
print(data["opts"]["epochs"])
`,
			want: []string{
				"dataTrainY, err := data.Take(train, data.All(), data.At(10))",
				"fmt.Println(dataTrainX.Dim(1), data.Tuple(dataTrainY.Shape()))",
				"fmt.Println(3)",
			},
		},
		snippet{
			// sklearn.metrics in float64, the confusion matrix printed as
			// NumPy prints an int array
			name: "issue13_sklearn_metrics",
			src: `import numpy as np
from sklearn.metrics import mean_absolute_error, confusion_matrix, r2_score
from sklearn import metrics
y = np.load('y.npy')
p = np.load('p.npy')
print("MAE: " + str(mean_absolute_error(y, p)))
print(r2_score(y, p), metrics.mean_squared_error(y, p, squared=False))
cm = confusion_matrix(y, p > 0.5)
print(cm)
print(metrics.accuracy_score(y, p > 0.5))
`,
			want: []string{
				"meanAbsoluteError, err := data.MeanAbsoluteError(y, p)",
				"data.RootMeanSquaredError(y, p)",
				"cm, err := data.ConfusionMatrix(y, yPred)",
				"fmt.Println(data.Str(cm))",
			},
		},
		snippet{
			// keras.datasets read from Keras's cache (nested unpacking)
			name: "issue13_keras_datasets",
			src: `from keras.datasets import mnist
import tensorflow as tf
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.reshape(60000, 784).astype('float32') / 255
(bx, by), (bxt, byt) = tf.keras.datasets.boston_housing.load_data()
print(x_train.shape, bx.shape, y_test.shape)
`,
			want: []string{
				`mnist, err := data.LoadKerasDataset(ctx, "mnist", true)`,
				"xTrain := mnist.XTrain",
				`bostonHousing, err := data.LoadKerasDataset(ctx, "boston_housing", true)`,
			},
			note: []string{"keras.datasets.mnist is read from Keras's cache"},
		},
		snippet{
			// matplotlib's common calls through package pyplot (gonum/plot)
			name: "issue13_matplotlib",
			src: `import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
y = np.load('y.npy')
p = np.load('p.npy')
matplotlib.rcParams['figure.figsize'] = (10.0, 8.0)
plt.figure(1)
plt.subplot(121)
plt.plot(y, 'r--', label='true')
plt.plot(p, color='green', linestyle=':', label='predicted')
plt.title("Keras")
plt.xlabel("x")
plt.ylabel("y")
plt.legend(loc='upper left')
plt.subplot(1, 2, 2)
plt.scatter(y, p)
plt.hist(p, bins=20)
plt.ylim((0, 2))
plt.savefig('fig.png')
plt.show()
plt.clf()
print(np.unique(y))
u, counts = np.unique(y, return_counts=True)
print(u, counts)
`,
			want: []string{
				`plt := pyplot.New("", nil)`,
				"plt.SetFigSize(10.0, 8.0)",
				"plt.Figure(1, 0, 0)",
				"if err := plt.Subplot(1, 2, 1); err != nil {",
				`if err := plt.Plot(nil, data.Flat(y), pyplot.Style{Label: "true", Color: "r", LineStyle: "--"}); err != nil {`,
				`pyplot.Style{Label: "predicted", Color: "green", LineStyle: ":"}`,
				"plt.Legend()",
				"plt.Scatter(data.Flat(y), data.Flat(p), pyplot.Style{})",
				"plt.Hist(data.Flat(p), pyplot.Style{Bins: 20})",
				`if err := plt.SaveFig("fig.png", 0); err != nil {`,
				"if err := plt.Show(); err != nil {",
				"plt.YLim(0, 2)",
				"plt.Clear()",
				"unique, err := data.Unique(y)",
				"data.UniqueCounts(y)",
			},
			note: []string{"plt.show() saves each open figure as figure_<num>.png"},
		},
		snippet{
			// pandas beyond the subset: read_excel, replace('?', np.nan),
			// a list literal's pop(), pd.DataFrame(frame, columns=...)
			name: "issue13_pandas_excel",
			src: `import pandas as pd
import numpy as np
names = ['a', 'b', 'y']
df = pd.read_excel('d.xlsx', names=names)
df = df.replace('?', np.nan).dropna()
cols = names
cols.pop()
X = pd.DataFrame(df.iloc[:, 0:2], columns=cols)
print(X.shape)
`,
			want: []string{
				`df, err := data.ReadExcel("d.xlsx", data.ExcelOptions{Names: []string{"a", "b", "y"}})`,
				`df = df.ReplaceWithNaN("?").DropNA()`,
				`.Cols("a", "b")`,
			},
			note: []string{"cols.pop() drops the last element of cols only"},
		},
		snippet{
			// the interquartile outlier filter (Keras 2.x Projects, chapter 4)
			name: "issue13_outlier_filter",
			src: `import pandas as pd
df = pd.read_csv('d.csv')
Q1 = df.quantile(0.25)
Q3 = df.quantile(0.75)
IQR = Q3 - Q1
print(IQR)
out = df[~((df < (Q1 - 1.5 * IQR)) | (df > (Q3 + 1.5 * IQR))).any(axis=1)]
print(out.shape, (df['a'] > 2).shape)
`,
			want: []string{
				"q1 := df.Quantile(0.25)",
				"iqr := q3.Op(\"-\", q1)",
				`out := df.Filter(df.Op("<", q1.Op("-", iqr.OpScalar("*", 1.5, true))).Op("|", df.Op(">", q3.Op("+", iqr.OpScalar("*", 1.5, true)))).AnyRows().Not())`,
				`df.Col("a").OpScalar(">", 2, false)`,
			},
		},
	)
}
