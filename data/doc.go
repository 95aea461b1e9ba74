// Package data holds small helpers with the semantics of the NumPy, pandas,
// scikit-learn and Keras utilities that Python training scripts use to load
// and prepare their arrays, so that a script translated by `kerago
// translate` (package translate) does the same steps in Go:
//
//	np.load("x.npy")                       data.LoadNpy("x.npy")
//	np.loadtxt("d.csv", delimiter=",",     data.LoadTxt("d.csv", data.TxtOptions{Delimiter: ",",
//	           skiprows=1)                     SkipRows: 1})
//	pd.read_csv("d.csv")                   data.ReadCSV("d.csv", data.CSVOptions{})
//	df.iloc[:, :-1].values                 df.ILoc(data.All(), data.To(-1)).Values()
//	train_test_split(x, y, test_size=0.2,  data.TrainTestSplit(data.SplitConfig{TestSize: 0.2,
//	                 random_state=42)          RandomState: data.NewRandomState(42)}, x, y)
//	StandardScaler().fit_transform(x)      data.NewStandardScaler().FitTransform(x)
//	to_categorical(y, 3)                   data.ToCategorical(y, 3)
//	np.random.seed(1)                      rng := data.NewRandomState(1)
//	np.random.rand(4, 2)                   rng.Rand(4, 2)
//	print("loss", loss)                    data.Print("loss", loss)
//
// Arrays are kerago's *tensor.Tensor (float32). Where the Python libraries
// compute in float64 on float64 data, these helpers compute on the float32
// values, so results agree to float32 rounding. NumPy's legacy random
// generator (RandomState, MT19937) is reproduced exactly, and with it
// scikit-learn's shuffling in train_test_split.
package data
