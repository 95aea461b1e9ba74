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
// ignored arguments, Keras 1/2 defaults).
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
// func literals, as lambdas do). Classes, while loops, try/except,
// comprehensions, generators and decorators are reported.
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
// dropna, fillna, map, get_dummies, .values/.to_numpy(); train_test_split
// (scikit-learn's sizes and its shuffle), StandardScaler, MinMaxScaler,
// LabelEncoder; keras.utils.to_categorical.
package translate
