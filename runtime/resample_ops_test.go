package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// padRef pads (or crops, for negative amounts) the spatial axes in float64.
func padRef(x []float64, xs []int, before, after []int, value float64) ([]float64, []int) {
	r := len(xs) - 2
	os := append([]int{}, xs...)
	for a := 0; a < r; a++ {
		os[1+a] = xs[1+a] + before[a] + after[a]
	}
	y := make([]float64, prod(os))
	ndShape(os).each(func(o []int) {
		xi := append([]int{}, o...)
		v := value
		inside := true
		for a := 0; a < r; a++ {
			xi[1+a] = o[1+a] - before[a]
			if xi[1+a] < 0 || xi[1+a] >= xs[1+a] {
				inside = false
			}
		}
		if inside {
			v = x[ndShape(xs).at(xi...)]
		}
		y[ndShape(os).at(o...)] = v
	})
	return y, os
}

func TestPadMatchesReference(t *testing.T) {
	cases := []struct {
		name          string
		x             []int
		before, after []int
		value         float32
	}{
		{"1d_pad", []int{2, 5, 3}, []int{2}, []int{1}, 0},
		{"1d_crop", []int{2, 6, 2}, []int{-1}, []int{-2}, 0},
		{"2d_pad_asym", []int{2, 3, 4, 2}, []int{1, 0}, []int{0, 2}, 0},
		{"2d_value", []int{1, 3, 3, 2}, []int{1, 2}, []int{2, 1}, -1.5},
		{"2d_crop", []int{2, 5, 6, 3}, []int{1, 2}, []int{0, 1}, 0},
		{"2d_mixed", []int{1, 4, 5, 2}, []int{-1, 2}, []int{2, -3}, 0.5},
		{"3d", []int{1, 3, 2, 4, 2}, []int{1, 0, -1}, []int{0, 2, 1}, 0},
		{"crop_past_input", []int{1, 2, 3, 1}, []int{-3, -4}, []int{5, 6}, 2}, // keeps only padding
		{"pad_past_output", []int{1, 2, 3, 1}, []int{4, 5}, []int{-5, -6}, 1},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 3))
			x := randF32(r, prod(tc.x))
			_, os := padRef(toF64(x), tc.x, tc.before, tc.after, float64(tc.value))
			c := randF32(r, prod(os))
			res := runOpGraph(t, [][]int{tc.x}, [][]float32{x}, func([]int) []float32 { return c },
				func(g *Graph, in []*G.Node) (*G.Node, error) { return g.Pad(in[0], tc.before, tc.after, tc.value) })
			if fmt.Sprint(res.outShape) != fmt.Sprint(os) {
				t.Fatalf("shape %v, want %v", res.outShape, os)
			}
			checkOpRun(t, res, [][]float32{x}, c, func(in [][]float64) []float64 {
				y, _ := padRef(in[0], tc.x, tc.before, tc.after, float64(tc.value))
				return y
			})
		})
	}
}

func rampF32(n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i)
	}
	return d
}

// TestPadCropGolden checks spec §10.4's Cropping2D and ZeroPadding2D.
func TestPadCropGolden(t *testing.T) {
	res := runOpGraph(t, [][]int{{1, 5, 5, 1}}, [][]float32{rampF32(25)}, nil, func(g *Graph, in []*G.Node) (*G.Node, error) {
		return g.Crop(in[0], []int{1, 0}, []int{0, 2})
	})
	closeSlices(t, "Cropping2D(((1,0),(0,2)))", res.out, []float32{5, 6, 7, 10, 11, 12, 15, 16, 17, 20, 21, 22}, 0, 0)
	if fmt.Sprint(res.outShape) != "[1 4 3 1]" {
		t.Fatalf("crop shape %v", res.outShape)
	}
	res = runOpGraph(t, [][]int{{1, 2, 2, 1}}, [][]float32{{1, 2, 4, 8}}, nil, func(g *Graph, in []*G.Node) (*G.Node, error) {
		return g.Pad(in[0], []int{1, 0}, []int{0, 2}, 0)
	})
	closeSlices(t, "ZeroPadding2D(((1,0),(0,2)))", res.out, []float32{0, 0, 0, 0, 1, 2, 0, 0, 4, 8, 0, 0}, 0, 0)
	g := newGraph(1, false)
	x := newInput(g.g, []int{1, 3, 3, 1}, "x")
	if _, err := g.Crop(x, []int{2, 0}, []int{1, 0}); err == nil {
		t.Error("cropping everything gave no error")
	}
	if _, err := g.Crop(x, []int{-1, 0}, []int{0, 0}); err == nil {
		t.Error("negative cropping gave no error")
	}
}

// resizeRef1 returns the float64 weights matrix (L × n) of one axis,
// written from the spec §4.2 formulas (independently of resizeTaps).
func resizeRef1(n, L int, method string, antialias, legacy bool) [][]float64 {
	m := make([][]float64, L)
	for i := range m {
		m[i] = make([]float64, n)
		src := (float64(i)+0.5)*float64(n)/float64(L) - 0.5
		if legacy {
			src = float64(i) * float64(n) / float64(L)
		}
		switch {
		case method == "nearest":
			j := int(math.Floor((float64(i) + 0.5) * float64(n) / float64(L)))
			if legacy {
				j = int(math.Floor(float64(i) * float64(n) / float64(L)))
			}
			m[i][min(j, n-1)] = 1
		case method == "bilinear" && !antialias:
			lo := math.Floor(src)
			tt := src - lo
			cl := func(v int) int { return min(max(v, 0), n-1) }
			m[i][cl(int(lo))] += 1 - tt
			m[i][cl(int(lo)+1)] += tt
		default: // kernel over all in-range taps, stretched when antialiasing a downsample, renormalised
			s := 1.0
			if antialias && L < n {
				s = float64(L) / float64(n)
			}
			var sum float64
			for j := 0; j < n; j++ {
				d := math.Abs(float64(j)-src) * s
				var w float64
				if method == "bilinear" {
					w = math.Max(0, 1-d)
				} else if d < 1 {
					w = 1.5*d*d*d - 2.5*d*d + 1
				} else if d < 2 {
					w = -0.5*d*d*d + 2.5*d*d - 4*d + 2
				}
				m[i][j] = w
				sum += w
			}
			for j := range m[i] {
				m[i][j] /= sum
			}
		}
	}
	return m
}

// resizeRef applies the per-axis weight matrices to x (N, sp..., C).
func resizeRef(x []float64, xs, outSize []int, method string, antialias, legacy bool) []float64 {
	r := len(xs) - 2
	ws := make([][][]float64, r)
	for a := 0; a < r; a++ {
		ws[a] = resizeRef1(xs[1+a], outSize[a], method, antialias, legacy)
	}
	os := append(append([]int{xs[0]}, outSize...), xs[r+1])
	y := make([]float64, prod(os))
	ndShape(os).each(func(o []int) {
		var s float64
		ndShape(xs[1 : r+1]).each(func(j []int) {
			w := 1.0
			for a := 0; a < r; a++ {
				w *= ws[a][o[1+a]][j[a]]
			}
			if w != 0 {
				s += w * x[ndShape(xs).at(append(append([]int{o[0]}, j...), o[r+1])...)]
			}
		})
		y[ndShape(os).at(o...)] = s
	})
	return y
}

func TestResizeMatchesReference(t *testing.T) {
	cases := []struct {
		x       []int
		out     []int
		method  string
		aa, leg bool
	}{
		{[]int{2, 3, 4, 2}, []int{6, 8}, "bilinear", false, false},
		{[]int{1, 5, 7, 1}, []int{3, 4}, "bilinear", false, false},
		{[]int{1, 5, 7, 2}, []int{3, 4}, "bilinear", true, false},
		{[]int{2, 4, 3, 2}, []int{7, 5}, "bilinear", false, true},
		{[]int{1, 4, 5, 2}, []int{7, 3}, "bicubic", false, false},
		{[]int{1, 6, 6, 1}, []int{4, 3}, "bicubic", true, false},
		{[]int{2, 5, 4, 3}, []int{3, 9}, "nearest", false, false},
		{[]int{1, 5, 4, 1}, []int{8, 3}, "nearest", false, true},
		{[]int{2, 5, 3}, []int{9}, "bilinear", false, false},
		{[]int{1, 3, 2, 4, 2}, []int{5, 4, 3}, "bilinear", false, false},
		{[]int{1, 3, 2, 4, 1}, []int{6, 2, 8}, "nearest", false, false},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%v_to_%v_%s_aa=%v_legacy=%v", tc.x, tc.out, tc.method, tc.aa, tc.leg), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 8))
			x := randF32(r, prod(tc.x))
			r0 := len(tc.x) - 2
			c := randF32(r, tc.x[0]*prod(tc.out)*tc.x[r0+1])
			p := ResizeParams{Interpolation: tc.method, Antialias: tc.aa, Legacy: tc.leg}
			res := runOpGraph(t, [][]int{tc.x}, [][]float32{x}, func([]int) []float32 { return c },
				func(g *Graph, in []*G.Node) (*G.Node, error) { return g.Resize(in[0], tc.out, p) })
			checkOpRun(t, res, [][]float32{x}, c, func(in [][]float64) []float64 {
				return resizeRef(in[0], tc.x, tc.out, tc.method, tc.aa, tc.leg)
			})
		})
	}
}

func TestUpsampleNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, tc := range []struct{ x, f []int }{{[]int{2, 3, 2}, []int{3}}, {[]int{1, 2, 3, 2}, []int{2, 3}}, {[]int{1, 2, 1, 3, 1}, []int{2, 2, 1}}} {
		t.Run(fmt.Sprint(tc.x, tc.f), func(t *testing.T) {
			x := randF32(r, prod(tc.x))
			rk := len(tc.f)
			os := append([]int{}, tc.x...)
			for a := 0; a < rk; a++ {
				os[1+a] *= tc.f[a]
			}
			c := randF32(r, prod(os))
			res := runOpGraph(t, [][]int{tc.x}, [][]float32{x}, func([]int) []float32 { return c },
				func(g *Graph, in []*G.Node) (*G.Node, error) { return g.UpsampleNearest(in[0], tc.f) })
			checkOpRun(t, res, [][]float32{x}, c, func(in [][]float64) []float64 { // repetition
				y := make([]float64, prod(os))
				ndShape(os).each(func(o []int) {
					xi := append([]int{}, o...)
					for a := 0; a < rk; a++ {
						xi[1+a] /= tc.f[a]
					}
					y[ndShape(os).at(o...)] = in[0][ndShape(tc.x).at(xi...)]
				})
				return y
			})
		})
	}
}

// TestResizeGolden checks spec §10.4.
func TestResizeGolden(t *testing.T) {
	x4 := []float32{1, 2, 4, 8}
	cases := []struct {
		name string
		x    []float32
		xs   []int
		out  []int
		p    ResizeParams
		want []float32
	}{
		{"upsampling2d_bilinear", x4, []int{1, 2, 2, 1}, []int{4, 4}, ResizeParams{Interpolation: "bilinear"},
			[]float32{1, 1.25, 1.75, 2, 1.75, 2.1875, 3.0625, 3.5, 3.25, 4.0625, 5.6875, 6.5, 4, 5, 7, 8}},
		{"upsampling2d_nearest", x4, []int{1, 2, 2, 1}, []int{4, 4}, ResizeParams{Interpolation: "nearest"},
			[]float32{1, 1, 2, 2, 1, 1, 2, 2, 4, 4, 8, 8, 4, 4, 8, 8}},
		{"upsampling2d_bilinear_legacy", x4, []int{1, 2, 2, 1}, []int{4, 4}, ResizeParams{Interpolation: "bilinear", Legacy: true},
			[]float32{1, 1.5, 2, 2, 2.5, 3.75, 5, 5, 4, 6, 8, 8, 4, 6, 8, 8}},
		{"resizing_bilinear", rampF32(25), []int{1, 5, 5, 1}, []int{3, 2}, ResizeParams{Interpolation: "bilinear"},
			[]float32{2.416667, 4.916667, 10.75, 13.25, 19.08333, 21.58333}},
		{"resizing_nearest", rampF32(25), []int{1, 5, 5, 1}, []int{3, 2}, ResizeParams{Interpolation: "nearest"},
			[]float32{1, 3, 11, 13, 21, 23}},
		{"resizing_bicubic", rampF32(25), []int{1, 5, 5, 1}, []int{3, 2}, ResizeParams{Interpolation: "bicubic"},
			[]float32{1.91682, 4.496973, 10.70992, 13.29008, 19.50303, 22.08318}},
		{"resizing_bilinear_antialias", rampF32(25), []int{1, 5, 5, 1}, []int{3, 2}, ResizeParams{Interpolation: "bilinear", Antialias: true},
			[]float32{3.142857, 5.142857, 11, 13, 18.85714, 20.85714}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runOpGraph(t, [][]int{tc.xs}, [][]float32{tc.x}, nil,
				func(g *Graph, in []*G.Node) (*G.Node, error) { return g.Resize(in[0], tc.out, tc.p) })
			closeSlices(t, "y", res.out, tc.want, 2e-6, 1e-6)
		})
	}
	g := newGraph(1, false)
	x := newInput(g.g, []int{1, 3, 3, 1}, "x")
	for _, bad := range []struct {
		out []int
		p   ResizeParams
	}{{[]int{2}, ResizeParams{Interpolation: "bilinear"}}, {[]int{2, 0}, ResizeParams{Interpolation: "bilinear"}}, {[]int{2, 2}, ResizeParams{Interpolation: "area"}}} {
		if _, err := g.Resize(x, bad.out, bad.p); err == nil {
			t.Errorf("Resize(%v, %+v) gave no error", bad.out, bad.p)
		}
	}
}
