package initializers

import (
	"math"
	"testing"
)

func stats(v []float32) (mean, std, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		mean += float64(x)
		lo = math.Min(lo, float64(x))
		hi = math.Max(hi, float64(x))
	}
	mean /= float64(len(v))
	for _, x := range v {
		d := float64(x) - mean
		std += d * d
	}
	return mean, math.Sqrt(std / float64(len(v))), lo, hi
}

// Statistical checks on 200×300 draws against the spec §3 formulas
// (fan_in 200, fan_out 300).
func TestRandomDistributions(t *testing.T) {
	shape := []int{200, 300}
	fi, fo := 200.0, 300.0
	// Truncating N(0,1) at ±2 leaves std 0.87962566...; VarianceScaling
	// divides by it so the truncated std equals sqrt(scale/n).
	cases := []struct {
		name    string
		init    Initializer
		mean    float64
		std     float64
		lim     float64 // |x| ≤ lim (0: unbounded)
		uniform bool
	}{
		{"glorot_uniform", GlorotUniform(Seed(1)), 0, math.Sqrt(6/(fi+fo)) / math.Sqrt(3), math.Sqrt(6 / (fi + fo)), true},
		{"glorot_normal", GlorotNormal(Seed(2)), 0, math.Sqrt(2 / (fi + fo)), 2 * math.Sqrt(2/(fi+fo)) / 0.87962566103423978, false},
		{"he_uniform", HeUniform(Seed(3)), 0, math.Sqrt(6/fi) / math.Sqrt(3), math.Sqrt(6 / fi), true},
		{"he_normal", HeNormal(Seed(4)), 0, math.Sqrt(2 / fi), 2 * math.Sqrt(2/fi) / 0.87962566103423978, false},
		{"lecun_uniform", LecunUniform(Seed(5)), 0, math.Sqrt(3/fi) / math.Sqrt(3), math.Sqrt(3 / fi), true},
		{"lecun_normal", LecunNormal(Seed(6)), 0, math.Sqrt(1 / fi), 2 * math.Sqrt(1/fi) / 0.87962566103423978, false},
		{"vs fan_out untruncated", VarianceScaling(Seed(7), Scale(3), Mode("fan_out"), Distribution("untruncated_normal")), 0, math.Sqrt(3 / fo), 0, false},
		{"random_normal", RandomNormal(Seed(8), Mean(1), Stddev(0.5)), 1, 0.5, 0, false},
		{"truncated_normal", TruncatedNormal(Seed(9), Mean(-1), Stddev(0.2)), -1, 0.2 * 0.87962566103423978, 0, false},
		{"random_uniform", RandomUniform(Seed(10), MinVal(2), MaxVal(4)), 3, 2 / math.Sqrt(12), 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := make([]float32, 200*300)
			if err := c.init.Init(shape, dst); err != nil {
				t.Fatal(err)
			}
			m, s, lo, hi := stats(dst)
			if math.Abs(m-c.mean) > 0.01*math.Max(c.std, 0.1) {
				t.Errorf("mean %v, want %v", m, c.mean)
			}
			if math.Abs(s-c.std) > 0.01*c.std {
				t.Errorf("std %v, want %v", s, c.std)
			}
			if c.lim > 0 && (lo < -c.lim-1e-7 || hi > c.lim+1e-7) {
				t.Errorf("range [%v, %v] exceeds ±%v", lo, hi, c.lim)
			}
			if c.lim > 0 && c.uniform && (hi < 0.99*c.lim || lo > -0.99*c.lim) {
				t.Errorf("uniform range [%v, %v] does not fill ±%v", lo, hi, c.lim)
			}
			// seeded: same values on a second call
			again := make([]float32, len(dst))
			if err := c.init.Init(shape, again); err != nil {
				t.Fatal(err)
			}
			for i := range dst {
				if dst[i] != again[i] {
					t.Fatalf("seeded initializer not reproducible at %d", i)
				}
			}
		})
	}
	// TruncatedNormal stays within mean ± 2·stddev.
	dst := make([]float32, 10000)
	if err := TruncatedNormal(Mean(5), Stddev(1)).Init([]int{10000}, dst); err != nil {
		t.Fatal(err)
	}
	_, _, lo, hi := stats(dst)
	if lo < 3 || hi > 7 {
		t.Errorf("truncated range [%v, %v], want within [3, 7]", lo, hi)
	}
}

func TestComputeFans(t *testing.T) {
	cases := []struct {
		shape  []int
		fi, fo int
	}{
		{[]int{}, 1, 1}, {[]int{7}, 7, 7}, {[]int{3, 5}, 3, 5}, {[]int{3, 3, 4, 8}, 36, 72},
	}
	for _, c := range cases {
		fi, fo, err := ComputeFans(c.shape, nil, nil)
		if err != nil || fi != c.fi || fo != c.fo {
			t.Errorf("ComputeFans(%v) = %d, %d, %v; want %d, %d", c.shape, fi, fo, err, c.fi, c.fo)
		}
	}
}

func TestOrthogonal(t *testing.T) {
	for _, shape := range [][]int{{6, 4}, {4, 6}, {5, 5}, {2, 3, 8}} {
		rows := 1
		for _, d := range shape[:len(shape)-1] {
			rows *= d
		}
		cols := shape[len(shape)-1]
		dst := make([]float32, rows*cols)
		if err := Orthogonal(Seed(3), Gain(2)).Init(shape, dst); err != nil {
			t.Fatal(err)
		}
		// rows ≥ cols: QᵀQ = gain²·I over columns; else Q Qᵀ over rows.
		n, m := cols, rows
		at := func(i, k int) float64 { return float64(dst[k*cols+i]) } // column i, row k
		if rows < cols {
			n, m = rows, cols
			at = func(i, k int) float64 { return float64(dst[i*cols+k]) } // row i, column k
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				var d float64
				for k := 0; k < m; k++ {
					d += at(i, k) * at(j, k)
				}
				want := 0.0
				if i == j {
					want = 4
				}
				if math.Abs(d-want) > 1e-5 {
					t.Errorf("shape %v: <%d,%d> = %v, want %v", shape, i, j, d, want)
				}
			}
		}
	}
	if err := Orthogonal().Init([]int{4}, make([]float32, 4)); err == nil {
		t.Error("1-D orthogonal: no error")
	}
}

func TestConstantsAndIdentity(t *testing.T) {
	dst := make([]float32, 6)
	if err := Identity(Gain(3)).Init([]int{2, 3}, dst); err != nil {
		t.Fatal(err)
	}
	want := []float32{3, 0, 0, 0, 3, 0}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("identity = %v, want %v", dst, want)
		}
	}
	if err := Constant(0.3).Init([]int{3, 2}, dst); err != nil {
		t.Fatal(err)
	}
	for _, v := range dst {
		if v != float32(0.3) {
			t.Fatalf("constant = %v", dst)
		}
	}
	if err := Ones().Init([]int{6}, dst); err != nil || dst[5] != 1 {
		t.Fatalf("ones = %v %v", dst, err)
	}
	if err := Zeros().Init([]int{6}, dst); err != nil || dst[0] != 0 {
		t.Fatalf("zeros = %v %v", dst, err)
	}
	if err := Zeros().Init([]int{7}, dst); err == nil {
		t.Error("size mismatch: no error")
	}
}

func TestGetAndFromConfig(t *testing.T) {
	for _, n := range []string{"glorot_uniform", "GlorotUniform", "uniform", "normal", "zero", "one", "he_normal", "orthogonal", "OrthogonalInitializer", "identity", "zeros", "truncated_normal"} {
		if _, err := Get(n); err != nil {
			t.Errorf("Get(%q): %v", n, err)
		}
	}
	if _, err := Get("glorot"); err == nil {
		t.Error("unknown: no error")
	}
	in, err := FromConfig("GlorotUniform", map[string]any{"seed": nil, "input_axes": nil, "output_axes": nil})
	if err != nil {
		t.Fatal(err)
	}
	cfg := in.Config()
	if len(cfg) != 3 || cfg["seed"] != nil {
		t.Errorf("GlorotUniform config %v", cfg)
	}
	// tf.keras form with dtype.
	in, err = FromConfig("RandomUniform", map[string]any{"minval": -0.1, "maxval": 0.1, "seed": 42.0, "dtype": "float32"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := in.Config(); cfg["minval"] != -0.1 || cfg["seed"] != int64(42) {
		t.Errorf("RandomUniform config %v", cfg)
	}
	in, err = FromConfig("Constant", map[string]any{"value": 2.5})
	if err != nil {
		t.Fatal(err)
	}
	d := make([]float32, 2)
	if err := in.Init([]int{2}, d); err != nil || d[0] != 2.5 {
		t.Errorf("constant from config: %v %v", d, err)
	}
	in, err = FromConfig("VarianceScaling", map[string]any{"scale": 2.0, "mode": "fan_avg", "distribution": "uniform", "seed": nil})
	if err != nil {
		t.Fatal(err)
	}
	if c := in.Config(); c["scale"] != 2.0 || c["mode"] != "fan_avg" {
		t.Errorf("VarianceScaling config %v", c)
	}
	if _, err := FromConfig("VarianceScaling", map[string]any{"mode": "fan_up"}); err == nil {
		t.Error("bad mode: no error")
	}
	if _, err := FromConfig("Zeros", map[string]any{"bogus": 1.0}); err == nil {
		t.Error("unknown key: no error")
	}
}
