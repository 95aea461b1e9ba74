package data

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/kerago/kerago/tensor"
)

// RandomState is NumPy's legacy random generator, numpy.random.RandomState:
// the MT19937 Mersenne Twister with NumPy's seeding, its 53-bit doubles,
// its polar-method Gaussians and its masked rejection sampling for integers.
// Seeded alike, it yields exactly the numbers NumPy yields, so that
//
//	np.random.seed(42); x = np.random.rand(100, 2)
//
// becomes
//
//	rng := data.NewRandomState(42)
//	x, err := rng.Rand(100, 2)
//
// with the same values (rounded to float32, kerago's element type). It is what
// scikit-learn's random_state=int uses (check_random_state), so
// TrainTestSplit shuffles as scikit-learn does.
//
// A RandomState is not safe for concurrent use.
type RandomState struct {
	mt       [624]uint32
	pos      int
	hasGauss bool
	gauss    float64
}

// NewRandomState returns numpy.random.RandomState(seed) for a seed in
// [0, 2³²−1].
func NewRandomState(seed uint32) *RandomState {
	r := &RandomState{}
	r.Seed(seed)
	return r
}

// NewUnseededRandomState returns a generator seeded from the operating
// system's randomness, as numpy.random.RandomState() is.
func NewUnseededRandomState() *RandomState {
	return NewRandomState(uint32(rand.Uint64()))
}

// Seed reseeds the generator, as np.random.seed(seed).
func (r *RandomState) Seed(seed uint32) {
	s := seed
	for i := range r.mt {
		r.mt[i] = s
		s = 1812433253*(s^(s>>30)) + uint32(i) + 1
	}
	r.pos = len(r.mt)
	r.hasGauss = false
	r.gauss = 0
}

func (r *RandomState) generate() {
	const upper, lower = 0x80000000, 0x7fffffff
	const n, m = 624, 397
	mag := [2]uint32{0, 0x9908b0df}
	k := 0
	for ; k < n-m; k++ {
		y := r.mt[k]&upper | r.mt[k+1]&lower
		r.mt[k] = r.mt[k+m] ^ y>>1 ^ mag[y&1]
	}
	for ; k < n-1; k++ {
		y := r.mt[k]&upper | r.mt[k+1]&lower
		r.mt[k] = r.mt[k+m-n] ^ y>>1 ^ mag[y&1]
	}
	y := r.mt[n-1]&upper | r.mt[0]&lower
	r.mt[n-1] = r.mt[m-1] ^ y>>1 ^ mag[y&1]
	r.pos = 0
}

// Uint32 returns the next 32-bit output of the Mersenne Twister.
func (r *RandomState) Uint32() uint32 {
	if r.pos >= len(r.mt) {
		r.generate()
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// Float64 returns a double in [0, 1) with 53 random bits, as NumPy's
// random_sample.
func (r *RandomState) Float64() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(b)) / 9007199254740992.0
}

// Gauss returns a standard normal value by NumPy's legacy polar method
// (which produces values in pairs, caching the second).
func (r *RandomState) Gauss() float64 {
	if r.hasGauss {
		r.hasGauss = false
		g := r.gauss
		r.gauss = 0
		return g
	}
	var x1, x2, r2 float64
	for {
		x1 = 2*r.Float64() - 1
		x2 = 2*r.Float64() - 1
		r2 = x1*x1 + x2*x2
		if r2 < 1 && r2 != 0 {
			break
		}
	}
	f := math.Sqrt(-2 * math.Log(r2) / r2)
	r.gauss = f * x1
	r.hasGauss = true
	return f * x2
}

// interval returns a uniform integer in [0, max] by masked rejection
// sampling (NumPy's random_interval).
func (r *RandomState) interval(max uint64) uint64 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	mask |= mask >> 32
	if max <= math.MaxUint32 {
		for {
			v := uint64(r.Uint32()) & mask
			if v <= max {
				return v
			}
		}
	}
	for {
		hi := uint64(r.Uint32())
		lo := uint64(r.Uint32())
		v := (hi<<32 | lo) & mask
		if v <= max {
			return v
		}
	}
}

// boundedInts fills out with low + values in [0, rng] as NumPy's
// random_bounded_uint64_fill with use_masked=True (randint's int64 path).
func (r *RandomState) boundedInt(low int64, rng uint64) int64 {
	if rng == 0 {
		return low
	}
	if rng <= math.MaxUint32 {
		if rng == math.MaxUint32 {
			return low + int64(r.Uint32())
		}
		return low + int64(r.interval(rng))
	}
	return low + int64(r.interval(rng))
}

func shapeOrScalar(shape []int) ([]int, int, error) {
	n, err := tensor.NumElements(shape)
	if err != nil {
		return nil, 0, fmt.Errorf("data: random: %w", err)
	}
	if n > tensor.MaxElements {
		return nil, 0, fmt.Errorf("data: random: shape %v is too large", shape)
	}
	return shape, n, nil
}

// Rand is np.random.rand(d0, d1, ...): uniform values in [0, 1).
func (r *RandomState) Rand(shape ...int) (*tensor.Tensor, error) {
	return r.Uniform(0, 1, shape...)
}

// RandomSample is np.random.random(size) / random_sample(size); shape as
// Rand.
func (r *RandomState) RandomSample(shape ...int) (*tensor.Tensor, error) {
	return r.Uniform(0, 1, shape...)
}

// Uniform is np.random.uniform(low, high, size): low + (high−low)·U[0,1).
func (r *RandomState) Uniform(low, high float64, shape ...int) (*tensor.Tensor, error) {
	shape, n, err := shapeOrScalar(shape)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(low + (high-low)*r.Float64())
	}
	return tensor.FromSlice(out, shape...)
}

// Randn is np.random.randn(d0, d1, ...): standard normal values.
func (r *RandomState) Randn(shape ...int) (*tensor.Tensor, error) {
	return r.Normal(0, 1, shape...)
}

// Normal is np.random.normal(loc, scale, size).
func (r *RandomState) Normal(loc, scale float64, shape ...int) (*tensor.Tensor, error) {
	if scale < 0 {
		return nil, fmt.Errorf("data: random: normal scale %v must be non-negative", scale)
	}
	shape, n, err := shapeOrScalar(shape)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(loc + scale*r.Gauss())
	}
	return tensor.FromSlice(out, shape...)
}

// Randint is np.random.randint(low, high, size): integers in [low, high)
// (as float32 values).
func (r *RandomState) Randint(low, high int64, shape ...int) (*tensor.Tensor, error) {
	if high <= low {
		return nil, fmt.Errorf("data: random: randint: low %d >= high %d", low, high)
	}
	shape, n, err := shapeOrScalar(shape)
	if err != nil {
		return nil, err
	}
	rng := uint64(high - 1 - low)
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.boundedInt(low, rng))
	}
	return tensor.FromSlice(out, shape...)
}

// Permutation is np.random.permutation(n): a shuffled 0..n−1.
func (r *RandomState) Permutation(n int) ([]int, error) {
	if n < 0 {
		return nil, fmt.Errorf("data: random: permutation of %d", n)
	}
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.shuffleInts(p)
	return p, nil
}

func (r *RandomState) shuffleInts(p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := int(r.interval(uint64(i)))
		p[i], p[j] = p[j], p[i]
	}
}

// Shuffle is np.random.shuffle(x): it shuffles x's rows (first axis) in
// place with the same swaps NumPy makes.
func (r *RandomState) Shuffle(x *tensor.Tensor) error {
	if x == nil || x.Rank() == 0 {
		return fmt.Errorf("data: random: shuffle needs an array with a first axis")
	}
	n := x.Dim(0)
	per := x.Len() / max(n, 1)
	d := x.Data()
	tmp := make([]float32, per)
	for i := n - 1; i > 0; i-- {
		j := int(r.interval(uint64(i)))
		if i == j {
			continue
		}
		copy(tmp, d[i*per:(i+1)*per])
		copy(d[i*per:(i+1)*per], d[j*per:(j+1)*per])
		copy(d[j*per:(j+1)*per], tmp)
	}
	return nil
}
