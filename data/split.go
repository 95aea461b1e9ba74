package data

import (
	"fmt"
	"math"
	"strconv"

	"github.com/kerago/kerago/tensor"
)

// SplitConfig are the arguments of sklearn.model_selection.train_test_split.
// The zero value is scikit-learn's default: a test set of 25%, shuffled
// with an unseeded generator.
type SplitConfig struct {
	// TestSize is test_size as a fraction in (0, 1); TestCount is
	// test_size as a number of samples. At most one may be set.
	TestSize  float64
	TestCount int
	// TrainSize / TrainCount are train_size, likewise.
	TrainSize  float64
	TrainCount int
	// NoShuffle is shuffle=False: the first samples train, the next test.
	NoShuffle bool
	// RandomState is random_state: a generator (NewRandomState(42) for
	// random_state=42, or the script's np.random state for
	// random_state=None after np.random.seed). nil draws a fresh seed.
	RandomState *RandomState
}

// TrainTestSplit is sklearn.model_selection.train_test_split: it returns,
// for each array in turn, its train and its test part ([a_train, a_test,
// b_train, b_test, ...]). The sizes follow scikit-learn exactly: n_test =
// ceil(test_size·n) (or the count), n_train = floor(train_size·n) (or the
// count, or n − n_test). Shuffling uses RandomState.Permutation — the
// permutation scikit-learn's ShuffleSplit draws from
// numpy.random.RandomState — test indices first, so that with the same
// random_state the same samples land in each part.
func TrainTestSplit(cfg SplitConfig, arrays ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	if len(arrays) == 0 {
		return nil, fmt.Errorf("data: train_test_split: at least one array required as input")
	}
	for i, a := range arrays {
		if a == nil || a.Rank() == 0 {
			return nil, fmt.Errorf("data: train_test_split: array %d has no first axis", i)
		}
	}
	n := arrays[0].Dim(0)
	for _, a := range arrays[1:] {
		if a.Dim(0) != n {
			lens := ""
			for k, b := range arrays {
				if k > 0 {
					lens += ", "
				}
				lens += strconv.Itoa(b.Dim(0))
			}
			return nil, fmt.Errorf("data: train_test_split: found input variables with inconsistent numbers of samples: [%s]", lens)
		}
	}
	train, test, err := splitIndices(n, cfg)
	if err != nil {
		return nil, err
	}
	out := make([]*tensor.Tensor, 0, 2*len(arrays))
	for _, a := range arrays {
		tr, err := a.Gather(train)
		if err != nil {
			return nil, fmt.Errorf("data: train_test_split: %w", err)
		}
		te, err := a.Gather(test)
		if err != nil {
			return nil, fmt.Errorf("data: train_test_split: %w", err)
		}
		out = append(out, tr, te)
	}
	return out, nil
}

// SplitIndices returns the rows train_test_split puts in the train and in
// the test set, for inputs of lengths n (which must agree): the split of
// TrainTestSplit, for splitting DataFrames (Frame.TakeRows) and arrays
// (tensor Gather) together.
func SplitIndices(cfg SplitConfig, n ...int) (train, test []int, err error) {
	if len(n) == 0 {
		return nil, nil, fmt.Errorf("data: train_test_split: at least one array required as input")
	}
	for _, m := range n[1:] {
		if m != n[0] {
			lens := ""
			for k, b := range n {
				if k > 0 {
					lens += ", "
				}
				lens += strconv.Itoa(b)
			}
			return nil, nil, fmt.Errorf("data: train_test_split: found input variables with inconsistent numbers of samples: [%s]", lens)
		}
	}
	return splitIndices(n[0], cfg)
}

func splitIndices(n int, cfg SplitConfig) (train, test []int, err error) {
	nTrain, nTest, err := splitSizes(n, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("data: train_test_split: %w", err)
	}
	if cfg.NoShuffle {
		train = seq(nTrain)
		test = make([]int, nTest)
		for i := range test {
			test[i] = nTrain + i
		}
		return train, test, nil
	}
	rs := cfg.RandomState
	if rs == nil {
		rs = NewUnseededRandomState()
	}
	perm, err := rs.Permutation(n)
	if err != nil {
		return nil, nil, err
	}
	return perm[nTest : nTest+nTrain], perm[:nTest], nil
}

// splitSizes is scikit-learn's _validate_shuffle_split.
func splitSizes(n int, cfg SplitConfig) (nTrain, nTest int, err error) {
	if cfg.TestSize != 0 && cfg.TestCount != 0 {
		return 0, 0, fmt.Errorf("give TestSize or TestCount, not both")
	}
	if cfg.TrainSize != 0 && cfg.TrainCount != 0 {
		return 0, 0, fmt.Errorf("give TrainSize or TrainCount, not both")
	}
	testSet := cfg.TestSize != 0 || cfg.TestCount != 0
	trainSet := cfg.TrainSize != 0 || cfg.TrainCount != 0
	testSize, testCount := cfg.TestSize, cfg.TestCount
	if !testSet && !trainSet {
		testSize, testSet = 0.25, true
	}
	if testCount != 0 && (testCount >= n || testCount <= 0) || testSize != 0 && (testSize <= 0 || testSize >= 1) {
		v := fmt.Sprint(testCount)
		if testSize != 0 {
			v = PyFloat(testSize)
		}
		return 0, 0, fmt.Errorf("test_size=%s should be either positive and smaller than the number of samples %d or a float in the (0, 1) range", v, n)
	}
	if cfg.TrainCount != 0 && (cfg.TrainCount >= n || cfg.TrainCount <= 0) || cfg.TrainSize != 0 && (cfg.TrainSize <= 0 || cfg.TrainSize >= 1) {
		v := fmt.Sprint(cfg.TrainCount)
		if cfg.TrainSize != 0 {
			v = PyFloat(cfg.TrainSize)
		}
		return 0, 0, fmt.Errorf("train_size=%s should be either positive and smaller than the number of samples %d or a float in the (0, 1) range", v, n)
	}
	if cfg.TrainSize != 0 && testSize != 0 && cfg.TrainSize+testSize > 1 {
		return 0, 0, fmt.Errorf("the sum of test_size and train_size = %s, should be in the (0, 1) range. Reduce test_size and/or train_size", PyFloat(cfg.TrainSize+testSize))
	}
	var fTest, fTrain float64
	switch {
	case testSize != 0:
		fTest = math.Ceil(testSize * float64(n))
	case testCount != 0:
		fTest = float64(testCount)
	}
	switch {
	case cfg.TrainSize != 0:
		fTrain = math.Floor(cfg.TrainSize * float64(n))
	case cfg.TrainCount != 0:
		fTrain = float64(cfg.TrainCount)
	}
	if !trainSet {
		fTrain = float64(n) - fTest
	} else if !testSet {
		fTest = float64(n) - fTrain
	}
	if fTrain+fTest > float64(n) {
		return 0, 0, fmt.Errorf("the sum of train_size and test_size = %d, should be smaller than the number of samples %d. Reduce test_size and/or train_size", int(fTrain+fTest), n)
	}
	nTrain, nTest = int(fTrain), int(fTest)
	if nTrain == 0 {
		return 0, 0, fmt.Errorf("with n_samples=%d, the resulting train set will be empty; adjust test_size or train_size", n)
	}
	return nTrain, nTest, nil
}
