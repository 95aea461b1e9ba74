package data

import (
	"errors"
	"fmt"
	"math"

	"github.com/kerago/kerago/tensor"
)

// StandardScaler is sklearn.preprocessing.StandardScaler: (x − mean)/scale
// per feature, where scale is the population standard deviation (ddof 0),
// and 1 for (near-)constant features, as scikit-learn decides them.
//
// Statistics are computed in float64 as scikit-learn does for float32
// input: sums row by row in float64, the corrected two-pass variance; the
// transform rounds to float32 after subtracting and again after dividing.
type StandardScaler struct {
	// WithMean and WithStd are with_mean and with_std (NewStandardScaler
	// sets both).
	WithMean, WithStd bool
	// Mean, Var and Scale are mean_, var_ and scale_ after Fit (one value per
	// feature); NSamplesSeen is n_samples_seen_.
	Mean, Var, Scale []float64
	NSamplesSeen     int
	fitted           bool
	features         []int
}

// NewStandardScaler returns StandardScaler() with its defaults.
func NewStandardScaler() *StandardScaler { return &StandardScaler{WithMean: true, WithStd: true} }

func features(x *tensor.Tensor) (rows, cols int, err error) {
	if x == nil || x.Rank() != 2 {
		shape := []int(nil)
		if x != nil {
			shape = x.Shape()
		}
		return 0, 0, fmt.Errorf("expected a 2-D array (samples, features), got shape %v; reshape a single feature with x.reshape(-1, 1)", shape)
	}
	return x.Dim(0), x.Dim(1), nil
}

// Fit computes the per-feature mean and standard deviation of x (samples,
// features). NaN values are ignored, as in scikit-learn.
func (s *StandardScaler) Fit(x *tensor.Tensor) error {
	n, f, err := features(x)
	if err != nil {
		return fmt.Errorf("data: StandardScaler.fit: %w", err)
	}
	if n == 0 {
		return errors.New("data: StandardScaler.fit: found array with 0 samples")
	}
	d := x.Data()
	sum := make([]float64, f)
	cnt := make([]float64, f)
	for r := 0; r < n; r++ {
		for c := 0; c < f; c++ {
			v := float64(d[r*f+c])
			if math.IsNaN(v) {
				continue
			}
			sum[c] += v
			cnt[c]++
		}
	}
	s.Mean = make([]float64, f)
	s.Var = make([]float64, f)
	s.Scale = make([]float64, f)
	for c := 0; c < f; c++ {
		s.Mean[c] = sum[c] / cnt[c]
		t := s.Mean[c]
		var corr, sq float64
		for r := 0; r < n; r++ {
			v := float64(d[r*f+c])
			if math.IsNaN(v) {
				continue
			}
			corr += v - t
			sq += (v - t) * (v - t)
		}
		s.Var[c] = (sq - corr*corr/cnt[c]) / cnt[c]
		eps := math.Nextafter(1, 2) - 1
		upper := cnt[c]*eps*s.Var[c] + (cnt[c]*s.Mean[c]*eps)*(cnt[c]*s.Mean[c]*eps)
		scale := math.Sqrt(s.Var[c])
		if s.Var[c] <= upper || scale < 10*eps {
			scale = 1
		}
		s.Scale[c] = scale
	}
	if !s.WithStd {
		s.Scale = nil
	}
	s.NSamplesSeen = n
	s.fitted = true
	s.features = []int{f}
	return nil
}

// Transform standardizes x with the fitted statistics.
func (s *StandardScaler) Transform(x *tensor.Tensor) (*tensor.Tensor, error) {
	if !s.fitted {
		return nil, errors.New("data: StandardScaler.transform: this StandardScaler instance is not fitted yet; call Fit first")
	}
	n, f, err := features(x)
	if err != nil {
		return nil, fmt.Errorf("data: StandardScaler.transform: %w", err)
	}
	if f != len(s.Mean) {
		return nil, fmt.Errorf("data: StandardScaler.transform: x has %d features, but StandardScaler is expecting %d features as input", f, len(s.Mean))
	}
	out := make([]float32, n*f)
	d := x.Data()
	for r := 0; r < n; r++ {
		for c := 0; c < f; c++ {
			v := d[r*f+c]
			if s.WithMean {
				v = float32(float64(v) - s.Mean[c])
			}
			if s.WithStd {
				v = float32(float64(v) / s.Scale[c])
			}
			out[r*f+c] = v
		}
	}
	return tensor.FromSlice(out, n, f)
}

// FitTransform is Fit then Transform.
func (s *StandardScaler) FitTransform(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := s.Fit(x); err != nil {
		return nil, err
	}
	return s.Transform(x)
}

// InverseTransform undoes Transform: x·scale + mean.
func (s *StandardScaler) InverseTransform(x *tensor.Tensor) (*tensor.Tensor, error) {
	if !s.fitted {
		return nil, errors.New("data: StandardScaler.inverse_transform: not fitted; call Fit first")
	}
	n, f, err := features(x)
	if err != nil || f != len(s.Mean) {
		if err == nil {
			err = fmt.Errorf("x has %d features, expected %d", f, len(s.Mean))
		}
		return nil, fmt.Errorf("data: StandardScaler.inverse_transform: %w", err)
	}
	out := make([]float32, n*f)
	d := x.Data()
	for i := range out {
		c := i % f
		v := d[i]
		if s.WithStd {
			v = float32(float64(v) * s.Scale[c])
		}
		if s.WithMean {
			v = float32(float64(v) + s.Mean[c])
		}
		out[i] = v
	}
	return tensor.FromSlice(out, n, f)
}

// MinMaxScaler is sklearn.preprocessing.MinMaxScaler: x·scale + min per
// feature, mapping each feature's [data_min, data_max] to FeatureRange
// (a constant feature's range counts as 1). As scikit-learn does for
// float32 input, it computes in float32.
type MinMaxScaler struct {
	// FeatureRange is feature_range (default (0, 1)).
	FeatureRange [2]float64
	// Clip is clip=True: transformed values are clipped to FeatureRange.
	Clip bool
	// DataMin, DataMax, Scale and Min are data_min_, data_max_, scale_ and
	// min_ after Fit.
	DataMin, DataMax, Scale, Min []float32
	fitted                       bool
}

// NewMinMaxScaler returns MinMaxScaler(feature_range=(lo, hi)).
func NewMinMaxScaler(lo, hi float64) *MinMaxScaler {
	return &MinMaxScaler{FeatureRange: [2]float64{lo, hi}}
}

// Fit records each feature's minimum and maximum (NaN ignored).
func (s *MinMaxScaler) Fit(x *tensor.Tensor) error {
	n, f, err := features(x)
	if err != nil {
		return fmt.Errorf("data: MinMaxScaler.fit: %w", err)
	}
	if s.FeatureRange[0] >= s.FeatureRange[1] {
		return fmt.Errorf("data: MinMaxScaler: minimum of desired feature range must be smaller than maximum, got %v", s.FeatureRange)
	}
	if n == 0 {
		return errors.New("data: MinMaxScaler.fit: found array with 0 samples")
	}
	d := x.Data()
	s.DataMin = make([]float32, f)
	s.DataMax = make([]float32, f)
	s.Scale = make([]float32, f)
	s.Min = make([]float32, f)
	for c := 0; c < f; c++ {
		lo, hi := float32(math.NaN()), float32(math.NaN())
		for r := 0; r < n; r++ {
			v := d[r*f+c]
			if v != v {
				continue
			}
			if lo != lo || v < lo {
				lo = v
			}
			if hi != hi || v > hi {
				hi = v
			}
		}
		s.DataMin[c], s.DataMax[c] = lo, hi
		rng := hi - lo
		const eps32 = 1.1920929e-07
		if rng < 10*eps32 {
			rng = 1
		}
		s.Scale[c] = float32(s.FeatureRange[1]-s.FeatureRange[0]) / rng
		s.Min[c] = float32(s.FeatureRange[0]) - lo*s.Scale[c]
	}
	s.fitted = true
	return nil
}

// Transform scales x.
func (s *MinMaxScaler) Transform(x *tensor.Tensor) (*tensor.Tensor, error) {
	if !s.fitted {
		return nil, errors.New("data: MinMaxScaler.transform: this MinMaxScaler instance is not fitted yet; call Fit first")
	}
	n, f, err := features(x)
	if err != nil {
		return nil, fmt.Errorf("data: MinMaxScaler.transform: %w", err)
	}
	if f != len(s.Scale) {
		return nil, fmt.Errorf("data: MinMaxScaler.transform: x has %d features, but MinMaxScaler is expecting %d features as input", f, len(s.Scale))
	}
	out := make([]float32, n*f)
	d := x.Data()
	lo, hi := float32(s.FeatureRange[0]), float32(s.FeatureRange[1])
	for i := range out {
		c := i % f
		v := d[i]*s.Scale[c] + s.Min[c]
		if s.Clip {
			v = min(max(v, lo), hi)
		}
		out[i] = v
	}
	return tensor.FromSlice(out, n, f)
}

// FitTransform is Fit then Transform.
func (s *MinMaxScaler) FitTransform(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := s.Fit(x); err != nil {
		return nil, err
	}
	return s.Transform(x)
}

// InverseTransform undoes Transform: (x − min)/scale.
func (s *MinMaxScaler) InverseTransform(x *tensor.Tensor) (*tensor.Tensor, error) {
	if !s.fitted {
		return nil, errors.New("data: MinMaxScaler.inverse_transform: not fitted; call Fit first")
	}
	n, f, err := features(x)
	if err != nil || f != len(s.Scale) {
		if err == nil {
			err = fmt.Errorf("x has %d features, expected %d", f, len(s.Scale))
		}
		return nil, fmt.Errorf("data: MinMaxScaler.inverse_transform: %w", err)
	}
	out := make([]float32, n*f)
	d := x.Data()
	for i := range out {
		c := i % f
		out[i] = (d[i] - s.Min[c]) / s.Scale[c]
	}
	return tensor.FromSlice(out, n, f)
}
