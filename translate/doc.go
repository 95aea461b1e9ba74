// Package translate turns a Python Keras training script into a Go program
// that does the same steps with kerago: `kerago translate train.py -o
// main.go` (RunCommand), or Translate in a program.
//
// The generated program is gofmt-formatted and compiles; each block is
// preceded by the Python line(s) it came from, errors are checked with
// log.Fatal, and Fit runs under context.Background(). Whatever cannot be
// translated becomes a
//
//	// TODO(kerago translate): <python line>
//
// comment in the output and a line of the report ("line N: <code>: <why>"),
// never a silent omission; notes ("line N: <code>: <caveat>") flag translated
// lines whose Go differs from Python in a way worth knowing (random streams,
// ignored arguments, Keras 1/2 defaults). A failure spoils one statement
// only (a string literal Python rejects, such as a Windows path's bad
// escape, included). Knock-on effects are reported too: a name assigned by
// an untranslated line is lost (its uses become TODOs saying where it came
// from), and a translated line that reads what an untranslated line would
// have changed in place (a DataFrame column, a layer added to a model, a
// list appended to) is listed under "affected by untranslated lines" with
// the line it depends on (Result.Affected). Every generated program
// compiles: a variable whose uses all became TODOs is kept with `_ = v`.
//
// # The Python subset
//
// Imports (import a.b as c, from a.b import c as d), assignments (chained,
// tuple unpacking, augmented), calls with positional and keyword arguments,
// lists, tuples, dicts, literals, attribute access, subscripts and slices,
// arithmetic and comparisons, f-strings, % and str.format formatting, print;
// if/elif/else and for loops (range, enumerate, lists) around model code,
// with blocks (tf.device and other scopes, np.load(...) as f, open(...) as f
// around json.dump), if __name__ == "__main__", and functions of the script,
// which are inlined where called (or, for LearningRateScheduler, become Go
// func literals, as lambdas do); dicts with literal keys (d = dict(),
// d['k'] = v, d['k']) are translation-time records whose values are Go
// variables. Classes, while loops, try/except, comprehensions, generators
// and decorators are reported.
//
// # Keras
//
// tf.keras, keras 2 and 3, keras.layers.core-style Keras 1 imports and
// names (nb_epoch, output_dim, init, input_dim, W_regularizer, nb_classes,
// lr, decay). Sequential([...]) and model.add, functional chains of layers on
// a keras.Input (built as a Sequential), load_model; the layers Dense,
// Activation, Dropout, Flatten, Reshape, BatchNormalization,
// LayerNormalization, Normalization (with adapt), ReLU, LeakyReLU, ELU, PReLU,
// Softmax, ThresholdedReLU, Input and InputLayer with their options,
// initializers, regularizers and constraints; the optimizers SGD, Adam,
// AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam and Lion by name or object
// (with learning-rate schedules); losses and metrics by name, function or
// object; the callbacks EarlyStopping, ModelCheckpoint, ReduceLROnPlateau,
// LearningRateScheduler, CSVLogger, TerminateOnNaN and History; compile,
// fit (every argument kerago's FitConfig has), evaluate (a number or a list
// as Keras returns, or return_dict), predict, train/test/predict_on_batch,
// summary, save, save_weights, load_weights, get_weights, set_weights,
// history.history; np.random.seed, tf.random.set_seed and
// keras.utils.set_random_seed seed kerago's generators.
//
// # Data
//
// NumPy, pandas and scikit-learn calls become calls of package data, with
// the same semantics: np.load (.npy/.npz), np.loadtxt, np.genfromtxt,
// np.array, reshape, astype, slicing and fancy indexing, arithmetic with
// broadcasting, argmax/mean/std/min/max, np.random (NumPy's RandomState
// reproduced exactly); pd.read_csv with iloc/loc/column selection, drop,
// dropna, fillna, map, get_dummies, .values/.to_numpy(), pd.DataFrame(array,
// columns=...); train_test_split (scikit-learn's sizes and its shuffle;
// DataFrames stay DataFrames), StandardScaler, MinMaxScaler, LabelEncoder;
// sklearn.metrics' mean_absolute_error, mean_squared_error,
// root_mean_squared_error, r2_score, accuracy_score and confusion_matrix (in
// float64); keras.utils.to_categorical; keras.datasets mnist, fashion_mnist
// and boston_housing, read from Keras's cache (KERAS_HOME as in Keras).
//
// # Plots
//
// matplotlib.pyplot's plot (with format strings), scatter, hist, title,
// xlabel, ylabel, legend, grid, xlim, ylim, figure, subplot, savefig and
// show become calls of package pyplot (gonum/plot); show saves each figure
// as figure_<num>.png and reports it. Keras 2's ModelCheckpoint('x.hdf5')
// and monitor='val_acc' (renamed val_accuracy, with a note) are handled;
// TensorBoard becomes a callback that does nothing, with a note.
package translate
