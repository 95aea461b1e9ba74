package runtime

import (
	"math"

	fastgemm "github.com/kerago/kerago/internal/gemm"
)

// gemmSmall is the m·n·k size below which the executor's own loops beat the
// packed kernels of internal/gemm (measured: at 4×8×16 they tie, at 16³ the
// packed AVX-512 kernel is 2.7× faster, and even internal/gemm's portable Go
// kernel is 1.7× faster than gemmOwn).
const gemmSmall = 1 << 11

// gemmGoMinRows is the fewest rows of C for which internal/gemm's portable
// Go kernel (the one -tags purego and architectures without an assembly
// kernel run) beats gemmOwn: packing B costs as much as a few rows of the
// product, and the Go kernel is only about 1.5× faster than gemmOwn's loops
// once it is amortised (measured on amd64 with -tags purego: gemmOwn wins up
// to 4-6 rows, the packed product from 8 rows; 1.5× on MLP-step products).
const gemmGoMinRows = 8

// gemmAsm says whether internal/gemm runs an assembly micro-kernel on this
// CPU: AVX-512 or AVX2 on amd64, NEON on arm64.
var gemmAsm = fastgemm.Kernel() != "go"

// matmulInstr computes C[m,n] = op(A)·op(B) where op transposes when asked
// (A stored m×k or k×m, B stored k×n or n×k).
type matmulInstr struct {
	a, b, c        int
	m, n, k        int
	transA, transB bool
}

func (in *matmulInstr) run(bufs [][]float32) {
	gemm(in.transA, in.transB, in.m, in.n, in.k, bufs[in.a], bufs[in.b], bufs[in.c])
}

// gemm writes c = op(a)·op(b) (c is overwritten).
func gemm(transA, transB bool, m, n, k int, a, b, c []float32) {
	gemmAcc(transA, transB, m, n, k, a, b, c, false)
}

// gemmAcc computes c = op(a)·op(b), or c += op(a)·op(b) when acc.
func gemmAcc(transA, transB bool, m, n, k int, a, b, c []float32, acc bool) {
	c = c[:m*n]
	if k == 0 {
		if !acc {
			clear(c)
		}
		return
	}
	if !usePacked(gemmAsm, transB, m, n, k) {
		gemmOwn(transA, transB, m, n, k, a, b, c, acc)
		return
	}
	gemmPacked(transA, transB, m, n, k, a, b, c, acc)
}

// gemmPacked computes c = op(a)·op(b), or c += op(a)·op(b) when acc, with
// internal/gemm.
func gemmPacked(transA, transB bool, m, n, k int, a, b, c []float32, acc bool) {
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	beta := float32(0)
	if acc {
		beta = 1
	}
	fastgemm.Sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, n)
}

// usePacked says whether a product goes to internal/gemm, whose kernel is
// assembly when asm and portable Go otherwise: not tiny ones, not the
// one- or two-row (or column) products against a transposed B, where
// gemmOwn's dot products beat packing B, and with the Go kernel not products
// of fewer than gemmGoMinRows rows.
func usePacked(asm, transB bool, m, n, k int) bool {
	if m*n*k < gemmSmall || (!asm && m < gemmGoMinRows) {
		return false
	}
	return !transB || (m > 2 && n > 2)
}

// gemmOwn is the executor's own small-matrix product loops (c = or += ).
func gemmOwn(transA, transB bool, m, n, k int, a, b, c []float32, acc bool) {
	switch {
	case !transA && !transB:
		a = a[:m*k]
		b = b[:k*n]
		for i := 0; i < m; i++ {
			ci := c[i*n : i*n+n]
			ai := a[i*k : i*k+k]
			p := 0
			if !acc {
				scal(ci, ai[0], b[:n])
				p = 1
			}
			if n >= 32 {
				for ; p < k; p++ {
					axpy(ci, ai[p], b[p*n:p*n+n])
				}
				continue
			}
			// short rows: the loop inline beats a call per row
			for ; p < k; p++ {
				av := ai[p]
				bp := b[p*n : p*n+n]
				ci := ci[:len(bp)]
				for j, bv := range bp {
					ci[j] += av * bv
				}
			}
		}
	case !transA && transB: // c[i,j] = Σ_p a[i,p]·b[j,p]
		a = a[:m*k]
		b = b[:n*k]
		for i := 0; i < m; i++ {
			ai := a[i*k : i*k+k]
			for j := 0; j < n; j++ {
				d := dot(ai, b[j*k:j*k+k])
				if acc {
					c[i*n+j] += d
				} else {
					c[i*n+j] = d
				}
			}
		}
	case transA && !transB: // a stored k×m: c[i,j] = Σ_p a[p,i]·b[p,j]
		a = a[:k*m]
		b = b[:k*n]
		if !acc {
			for i := range c {
				c[i] = 0
			}
		}
		for p := 0; p < k; p++ {
			ap := a[p*m : p*m+m]
			bp := b[p*n : p*n+n]
			for i, av := range ap {
				axpy(c[i*n:i*n+n], av, bp)
			}
		}
	default: // both transposed: c[i,j] = Σ_p a[p,i]·b[j,p]
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float32
				for p := 0; p < k; p++ {
					s += a[p*m+i] * b[j*k+p]
				}
				if acc {
					c[i*n+j] += s
				} else {
					c[i*n+j] = s
				}
			}
		}
	}
}

// matmulBiasInstr computes C = op(A)·op(B) + bias (bias a row vector added
// to every row): gorgonia's Mul followed by BroadcastAdd of a Dense bias,
// fused into one pass.
type matmulBiasInstr struct {
	a, b, bias, c  int
	m, n, k        int
	transA, transB bool
	act            *Activation // elementwise activation applied in place, or nil
}

func (in *matmulBiasInstr) run(bufs [][]float32) {
	c := bufs[in.c][:in.m*in.n]
	bias := bufs[in.bias][:in.n]
	for i := 0; i < in.m; i++ {
		copy(c[i*in.n:i*in.n+in.n], bias)
	}
	gemmAcc(in.transA, in.transB, in.m, in.n, in.k, bufs[in.a], bufs[in.b], c, true)
	if in.act != nil {
		in.act.forward(c, c)
	}
}

// binOp identifies an elementwise binary operator.
type binOp uint8

const (
	binAdd binOp = iota
	binSub
	binMul
	binDiv
	binPow
	binLt
	binGt
	binLte
	binGte
	binEq
	binNe
)

var binOpBySymbol = map[string]binOp{
	"+": binAdd, "-": binSub, "⊙": binMul, "÷": binDiv, "^": binPow,
	"<": binLt, ">": binGt, "<=": binLte, ">=": binGte, "==": binEq, "!=": binNe,
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

func applyBin(op binOp, x, y float32) float32 {
	switch op {
	case binAdd:
		return x + y
	case binSub:
		return x - y
	case binMul:
		return x * y
	case binDiv:
		return x / y
	case binPow:
		return float32(math.Pow(float64(x), float64(y)))
	case binLt:
		return b2f(x < y)
	case binGt:
		return b2f(x > y)
	case binLte:
		return b2f(x <= y)
	case binGte:
		return b2f(x >= y)
	case binEq:
		return b2f(x == y)
	default:
		return b2f(x != y)
	}
}

// operand kinds of an elementwise binary instruction: a full tensor, a
// scalar broadcast to every element, a row vector repeated over the rows of
// a matrix (index j mod n) or a column vector repeated over its columns
// (index i div n). The broadcast kinds come from gorgonia's repeatOp
// patterns (BroadcastAdd of a Dense bias, gradients of means).
type opndKind uint8

const (
	opFull opndKind = iota
	opScalar
	opRow
	opCol
)

type operand struct {
	slot int
	kind opndKind
}

// binInstr: out = a op b elementwise with broadcasting operands; cols is the
// row length of the (rows × cols) output for row/col operands.
type binInstr struct {
	op   binOp
	a, b operand
	out  int
	n    int
	cols int
}

func (o operand) at(buf []float32, i, cols int) float32 {
	switch o.kind {
	case opScalar:
		return buf[0]
	case opRow:
		return buf[i%cols]
	case opCol:
		return buf[i/cols]
	}
	return buf[i]
}

func (in *binInstr) run(bufs [][]float32) {
	out := bufs[in.out][:in.n]
	a, b := bufs[in.a.slot], bufs[in.b.slot]
	ka, kb := in.a.kind, in.b.kind
	switch {
	case ka == opFull && kb == opFull:
		a = a[:len(out)]
		b = b[:len(out)]
		switch in.op {
		case binAdd:
			for i := range out {
				out[i] = a[i] + b[i]
			}
		case binSub:
			for i := range out {
				out[i] = a[i] - b[i]
			}
		case binMul:
			for i := range out {
				out[i] = a[i] * b[i]
			}
		case binDiv:
			for i := range out {
				out[i] = a[i] / b[i]
			}
		default:
			for i := range out {
				out[i] = applyBin(in.op, a[i], b[i])
			}
		}
	case ka == opFull && kb == opScalar:
		s := b[0]
		a = a[:len(out)]
		switch in.op {
		case binMul:
			for i := range out {
				out[i] = a[i] * s
			}
		case binAdd:
			for i := range out {
				out[i] = a[i] + s
			}
		default:
			for i := range out {
				out[i] = applyBin(in.op, a[i], s)
			}
		}
	case ka == opScalar && kb == opFull:
		s := a[0]
		b = b[:len(out)]
		if in.op == binMul {
			for i := range out {
				out[i] = s * b[i]
			}
		} else {
			for i := range out {
				out[i] = applyBin(in.op, s, b[i])
			}
		}
	case (ka == opFull && kb == opRow) || (ka == opRow && kb == opFull):
		n := in.cols
		full, row := a, b[:n]
		if ka == opRow {
			full, row = b, a[:n]
		}
		rows := len(out) / n
		op := in.op
		if op == binAdd || (op == binMul) {
			for r := 0; r < rows; r++ {
				fr := full[r*n : r*n+n]
				or := out[r*n : r*n+n]
				if op == binAdd {
					for j, v := range row {
						or[j] = fr[j] + v
					}
				} else {
					for j, v := range row {
						or[j] = fr[j] * v
					}
				}
			}
			return
		}
		for i := range out {
			out[i] = applyBin(op, in.a.at(a, i, n), in.b.at(b, i, n))
		}
	default:
		n := in.cols
		for i := range out {
			out[i] = applyBin(in.op, in.a.at(a, i, n), in.b.at(b, i, n))
		}
	}
}

var unaryFns = map[string]func(float64) float64{
	"abs": math.Abs,
	"sign": func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	},
	"ceil":    math.Ceil,
	"floor":   math.Floor,
	"sin":     math.Sin,
	"cos":     math.Cos,
	"exp":     math.Exp,
	"ln":      math.Log,
	"log2":    math.Log2,
	"sqrt":    math.Sqrt,
	"inv":     func(x float64) float64 { return 1 / x },
	"invSqrt": func(x float64) float64 { return 1 / math.Sqrt(x) },
	"cube":    func(x float64) float64 { return x * x * x },
	"tanh":    math.Tanh,
	"sigmoid": func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
	"log1p":   math.Log1p,
	"expm1":   math.Expm1,
	"softplus": func(x float64) float64 {
		return softplus64(x)
	},
}

// unaryInstr applies an elementwise gorgonia unary operator.
type unaryInstr struct {
	name   string
	f      func(float64) float64
	x, out int
	n      int
}

func (in *unaryInstr) run(bufs [][]float32) {
	out := bufs[in.out][:in.n]
	x := bufs[in.x][:in.n]
	switch in.name {
	case "neg":
		for i, v := range x {
			out[i] = -v
		}
	case "square":
		for i, v := range x {
			out[i] = v * v
		}
	default:
		f := in.f
		for i, v := range x {
			out[i] = float32(f(float64(v)))
		}
	}
}

// sumInstr reduces over axes. The shape is collapsed into blocks
// (outer, reduced, inner) when the reduced axes are contiguous; otherwise
// an index map is used.
type sumInstr struct {
	x, out            int
	outer, red, inner int
	idx               []int32 // general case: output index of each input element
	nIn, nOut         int
}

func (in *sumInstr) run(bufs [][]float32) {
	x := bufs[in.x][:in.nIn]
	out := bufs[in.out][:in.nOut]
	if in.idx != nil {
		for i := range out {
			out[i] = 0
		}
		for i, v := range x {
			out[in.idx[i]] += v
		}
		return
	}
	red, inner := in.red, in.inner
	if inner == 1 {
		for o := 0; o < in.outer; o++ {
			var s float32
			for _, v := range x[o*red : o*red+red] {
				s += v
			}
			out[o] = s
		}
		return
	}
	for o := 0; o < in.outer; o++ {
		dst := out[o*inner : o*inner+inner]
		copy(dst, x[o*red*inner:o*red*inner+inner])
		for r := 1; r < red; r++ {
			src := x[(o*red+r)*inner : (o*red+r)*inner+inner]
			for i, v := range src {
				dst[i] += v
			}
		}
	}
}

func newSumInstr(x, out int, shape []int, axes []int) *sumInstr {
	in := &sumInstr{x: x, out: out, nIn: prod(shape)}
	isRed := make([]bool, len(shape))
	for _, a := range axes {
		isRed[a] = true
	}
	// contiguous?
	first, last := -1, -1
	for i, r := range isRed {
		if r {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	contiguous := first >= 0
	for i := first; contiguous && i <= last; i++ {
		if !isRed[i] {
			contiguous = false
		}
	}
	if first < 0 { // nothing reduced: a copy
		in.outer, in.red, in.inner = in.nIn, 1, 1
		in.nOut = in.nIn
		return in
	}
	if contiguous {
		in.outer = prod(shape[:first])
		in.red = prod(shape[first : last+1])
		in.inner = prod(shape[last+1:])
		in.nOut = in.outer * in.inner
		return in
	}
	// general: index map
	var outShape []int
	for i, d := range shape {
		if !isRed[i] {
			outShape = append(outShape, d)
		}
	}
	in.nOut = prod(outShape)
	in.idx = make([]int32, in.nIn)
	coord := make([]int, len(shape))
	for i := 0; i < in.nIn; i++ {
		o := 0
		for d := range shape {
			if !isRed[d] {
				o = o*shape[d] + coord[d]
			}
		}
		in.idx[i] = int32(o)
		for d := len(shape) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < shape[d] {
				break
			}
			coord[d] = 0
		}
	}
	return in
}

// repeatInstr repeats each element reps times along an axis:
// out[o, j, i] = x[o, j/reps, i] with (outer, n·reps, inner) blocks.
type repeatInstr struct {
	x, out          int
	outer, n, inner int
	reps            int
}

func (in *repeatInstr) run(bufs [][]float32) {
	x, out := bufs[in.x], bufs[in.out]
	n, inner, reps := in.n, in.inner, in.reps
	if n == 1 && inner == 1 { // broadcasting a single value per block
		for o := 0; o < in.outer; o++ {
			v := x[o]
			dst := out[o*reps : o*reps+reps]
			for i := range dst {
				dst[i] = v
			}
		}
		return
	}
	k := 0
	for o := 0; o < in.outer; o++ {
		for j := 0; j < n; j++ {
			src := x[(o*n+j)*inner : (o*n+j)*inner+inner]
			for r := 0; r < reps; r++ {
				copy(out[k:k+inner], src)
				k += inner
			}
		}
	}
}

// copyInstr copies a buffer (used when an output must not alias its source).
type copyInstr struct {
	x, out, n int
}

func (in *copyInstr) run(bufs [][]float32) { copy(bufs[in.out][:in.n], bufs[in.x][:in.n]) }

// transposeInstr permutes axes: out[perm coords] = x[coords].
type transposeInstr struct {
	x, out int
	idx    []int32 // source index of each output element
}

func (in *transposeInstr) run(bufs [][]float32) {
	x, out := bufs[in.x], bufs[in.out]
	for i, s := range in.idx {
		out[i] = x[s]
	}
}

func newTransposeInstr(x, out int, inShape, pattern []int) *transposeInstr {
	n := prod(inShape)
	outShape := make([]int, len(pattern))
	for i, p := range pattern {
		outShape[i] = inShape[p]
	}
	inStrides := make([]int, len(inShape))
	s := 1
	for d := len(inShape) - 1; d >= 0; d-- {
		inStrides[d] = s
		s *= inShape[d]
	}
	idx := make([]int32, n)
	coord := make([]int, len(outShape))
	for i := 0; i < n; i++ {
		src := 0
		for d, c := range coord {
			src += c * inStrides[pattern[d]]
		}
		idx[i] = int32(src)
		for d := len(outShape) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < outShape[d] {
				break
			}
			coord[d] = 0
		}
	}
	return &transposeInstr{x: x, out: out, idx: idx}
}

// axpy: y += a·x (len(y) == len(x)).
func axpy(y []float32, a float32, x []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs := x[i : i+4 : i+4]
		ys := y[i : i+4 : i+4]
		ys[0] += a * xs[0]
		ys[1] += a * xs[1]
		ys[2] += a * xs[2]
		ys[3] += a * xs[3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// scal: y = a·x.
func scal(y []float32, a float32, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = a * v
	}
}

// dot returns Σ x[i]·y[i] (len(y) >= len(x)).
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs := x[i : i+4 : i+4]
		ys := y[i : i+4 : i+4]
		s0 += xs[0] * ys[0]
		s1 += xs[1] * ys[1]
		s2 += xs[2] * ys[2]
		s3 += xs[3] * ys[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}
