package runtime

import (
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// plainMLP is the hand-written plain-Go baseline: Dense layers with relu on
// all but the last, row-major kernels (in×out) as Keras stores them.
type plainMLP struct {
	sizes []int
	w, b  [][]float32
	acts  [][]float32 // per layer outputs (post-activation), batch×size
	pre   [][]float32
	dw    [][]float32
	db    [][]float32
	delta [][]float32
}

func newPlainMLP(vars []*Variable, sizes []int, batch int) *plainMLP {
	p := &plainMLP{sizes: sizes}
	for i := 0; i+1 < len(sizes); i++ {
		p.w = append(p.w, vars[2*i].Value.Data())
		p.b = append(p.b, vars[2*i+1].Value.Data())
		p.acts = append(p.acts, make([]float32, batch*sizes[i+1]))
		p.pre = append(p.pre, make([]float32, batch*sizes[i+1]))
		p.dw = append(p.dw, make([]float32, sizes[i]*sizes[i+1]))
		p.db = append(p.db, make([]float32, sizes[i+1]))
		p.delta = append(p.delta, make([]float32, batch*sizes[i+1]))
	}
	return p
}

func (p *plainMLP) forward(x []float32, batch int) []float32 {
	in := x
	L := len(p.w)
	for l := 0; l < L; l++ {
		ni, no := p.sizes[l], p.sizes[l+1]
		w, b, out := p.w[l], p.b[l], p.pre[l][:batch*no]
		for r := 0; r < batch; r++ {
			o := out[r*no : r*no+no]
			copy(o, b)
			xr := in[r*ni : r*ni+ni]
			for k, xv := range xr {
				wk := w[k*no : k*no+no]
				for j, wv := range wk {
					o[j] += xv * wv
				}
			}
		}
		a := p.acts[l][:batch*no]
		if l < L-1 {
			for i, v := range out {
				if v > 0 {
					a[i] = v
				} else {
					a[i] = 0
				}
			}
		} else {
			copy(a, out)
		}
		in = a
	}
	return in
}

// step is forward + mse loss + backward for all weights.
func (p *plainMLP) step(x, y []float32, batch int) float32 {
	out := p.forward(x, batch)
	L := len(p.w)
	no := p.sizes[L]
	d := p.delta[L-1][:batch*no]
	var loss float64
	scale := 2 / float32(batch*no)
	for i, v := range out {
		e := v - y[i]
		loss += float64(e * e)
		d[i] = e * scale
	}
	for l := L - 1; l >= 0; l-- {
		ni, no := p.sizes[l], p.sizes[l+1]
		in := x
		if l > 0 {
			in = p.acts[l-1]
		}
		dw, db, d := p.dw[l], p.db[l], p.delta[l][:batch*no]
		for i := range dw {
			dw[i] = 0
		}
		for i := range db {
			db[i] = 0
		}
		for r := 0; r < batch; r++ {
			dr := d[r*no : r*no+no]
			for j, v := range dr {
				db[j] += v
			}
			xr := in[r*ni : r*ni+ni]
			for k, xv := range xr {
				dwk := dw[k*no : k*no+no]
				for j, v := range dr {
					dwk[j] += xv * v
				}
			}
		}
		if l > 0 {
			w := p.w[l]
			dprev := p.delta[l-1][:batch*ni]
			pre := p.pre[l-1]
			for r := 0; r < batch; r++ {
				dr := d[r*no : r*no+no]
				for k := 0; k < ni; k++ {
					if pre[r*ni+k] <= 0 {
						dprev[r*ni+k] = 0
						continue
					}
					wk := w[k*no : k*no+no]
					var s float32
					for j, v := range dr {
						s += v * wk[j]
					}
					dprev[r*ni+k] = s
				}
			}
		}
	}
	return float32(loss / float64(batch*no))
}

func reluMLP(b *testing.B, sizes []int) ([]Stage, []*Variable) {
	acts := make([]string, len(sizes)-1)
	for i := range acts {
		acts[i] = "relu"
	}
	acts[len(acts)-1] = "linear"
	return mlp(b, 11, sizes, acts)
}

var quick = []int{2, 10, 10, 2}

var benchSink []float32

// cpuNow returns the process's user+system CPU time in ns. The machine
// running these benchmarks is shared, so besides wall time (ns/op) each
// benchmark reports cpu-ns/op, the CPU time the process spent (all
// threads), which other processes' load does not inflate.
func cpuNow() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// timed runs fn b.N times with the CPU-time metric.
func timed(b *testing.B, fn func()) {
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuNow()
	for i := 0; i < b.N; i++ {
		fn()
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
}

func benchPredict(b *testing.B, rows int) {
	stages, vars := reluMLP(b, quick)
	r := rand.New(rand.NewPCG(1, 2))
	x := randTensor(r, 1, rows, 2)
	b.Run("executor", func(b *testing.B) {
		net, err := NewNetwork(NetworkConfig{InputShape: []int{2}, Stages: stages, Variables: vars})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := net.Predict(x); err != nil {
			b.Fatal(err)
		}
		timed(b, func() {
			if _, err := net.Predict(x); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("tapemachine", func(b *testing.B) {
		net, err := NewNetwork(NetworkConfig{InputShape: []int{2}, Stages: stages, Variables: vars})
		if err != nil {
			b.Fatal(err)
		}
		g, outs, err := net.emit(rows, false)
		out := outs[0]
		if err != nil {
			b.Fatal(err)
		}
		for v, n := range g.vars {
			if err := G.Let(n, toGT(v.Value)); err != nil {
				b.Fatal(err)
			}
		}
		xv := gt.New(gt.WithShape(rows, 2), gt.WithBacking(x.Data()))
		vm := G.NewTapeMachine(g.g)
		defer vm.Close()
		timed(b, func() {
			if err := G.Let(g.x, xv); err != nil {
				b.Fatal(err)
			}
			if err := vm.RunAll(); err != nil {
				b.Fatal(err)
			}
			_ = out.Value()
			vm.Reset()
		})
	})
	b.Run("plain", func(b *testing.B) {
		p := newPlainMLP(vars, quick, rows)
		timed(b, func() {
			out := p.forward(x.Data(), rows)
			res := make([]float32, len(out)) // like Predict, return a fresh result
			copy(res, out)
			benchSink = res
		})
	})
}

// BenchmarkPredict1 is predict of one row on the quickstart 2-10-10-2 relu
// MLP: executor vs gorgonia TapeMachine vs hand-written Go.
func BenchmarkPredict1(b *testing.B) { benchPredict(b, 1) }

// BenchmarkPredict1024 is the same on 1024 rows.
func BenchmarkPredict1024(b *testing.B) { benchPredict(b, 1024) }

func benchTrain(b *testing.B, sizes []int, batch int) {
	stages, vars := reluMLP(b, sizes)
	r := rand.New(rand.NewPCG(5, 6))
	x := randTensor(r, 1, batch, sizes[0])
	y := randTensor(r, 1, batch, sizes[len(sizes)-1])
	mse, err := kernels.LossByName("mse")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("executor", func(b *testing.B) {
		net, err := NewNetwork(NetworkConfig{InputShape: sizes[:1], Stages: stages, Variables: vars, Loss: mse})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := net.TrainStep(x, y, nil); err != nil {
			b.Fatal(err)
		}
		timed(b, func() {
			if _, err := net.TrainStep(x, y, nil); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("plain", func(b *testing.B) {
		p := newPlainMLP(vars, sizes, batch)
		timed(b, func() { p.step(x.Data(), y.Data(), batch) })
	})
}

// BenchmarkTrainStep784 is one training step (forward, mse, backward) of a
// 784-512-512-10 relu MLP at batch 128.
func BenchmarkTrainStep784(b *testing.B) { benchTrain(b, []int{784, 512, 512, 10}, 128) }

// BenchmarkTrainStepQuick is one training step of the quickstart 2-10-10-2
// MLP at batch 32.
func BenchmarkTrainStepQuick(b *testing.B) { benchTrain(b, quick, 32) }

// TestPlainBaselineMatches keeps the benchmark baseline honest: its loss
// and gradients equal the network's.
func TestPlainBaselineMatches(t *testing.T) {
	sizes := []int{6, 9, 7, 3}
	acts := []string{"relu", "relu", "linear"}
	stages, vars := mlp(t, 11, sizes, acts)
	mse, _ := kernels.LossByName("mse")
	net, err := NewNetwork(NetworkConfig{InputShape: sizes[:1], Stages: stages, Variables: vars, Loss: mse})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	x := randTensor(r, 1, 8, sizes[0])
	y := randTensor(r, 1, 8, sizes[3])
	res, err := net.TrainStep(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := newPlainMLP(vars, sizes, 8)
	loss := p.step(x.Data(), y.Data(), 8)
	closeSlices(t, "loss", []float32{res.Loss}, []float32{loss}, 1e-6, 1e-5)
	for l := 0; l < 3; l++ {
		closeSlices(t, "dw", res.Grads[2*l], p.dw[l], 1e-6, 1e-5)
		closeSlices(t, "db", res.Grads[2*l+1], p.db[l], 1e-6, 1e-5)
	}
	_ = tensor.Zeros
}
