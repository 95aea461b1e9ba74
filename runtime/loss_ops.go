package runtime

import (
	"fmt"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// lossOp computes Keras's compiled loss with "sum_over_batch_size"
// reduction: Σ_i w_i·v_i / rows where v_i are the per-sample values of the
// loss (one per row of yPred: all dimensions but the last) and w_i the sample
// weights (spec §5.1). Inputs: yTrue (rows×colsTrue), yPred, weights (rows).
type lossOp struct {
	opBase
	loss                     kernels.Loss
	rows, colsTrue, colsPred int
}

func newLossOp(loss kernels.Loss, yTrue, yPred, sw *G.Node, rows, colsTrue, colsPred int) *lossOp {
	return &lossOp{
		opBase: newOpBase(fmt.Sprintf("Loss{%s,%p}", loss.Name(), loss), nil, yTrue, yPred, sw),
		loss:   loss, rows: rows, colsTrue: colsTrue, colsPred: colsPred,
	}
}

func (op *lossOp) Do(vals ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, vals) }
func (op *lossOp) DiffWRT(int) []bool                  { return []bool{false, true, false} }
func (op *lossOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := &lossGradOp{
		opBase: newOpBase(fmt.Sprintf("LossGrad{%s,%p}", op.loss.Name(), op.loss), inputs[1].Shape(), inputs[0], inputs[1], inputs[2], grad),
		loss:   op.loss, rows: op.rows, colsTrue: op.colsTrue, colsPred: op.colsPred,
	}
	d, err := G.ApplyOp(g, inputs[0], inputs[1], inputs[2], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{nil, d, nil}, nil
}

func (op *lossOp) build(c *kctx) (instr, error) {
	return &lossInstr{loss: op.loss, yt: c.ins[0], yp: c.ins[1], sw: c.ins[2], out: c.out,
		rows: op.rows, ct: op.colsTrue, cp: op.colsPred, vals: c.temp(op.rows)}, nil
}

type lossInstr struct {
	loss               kernels.Loss
	yt, yp, sw, out    int
	rows, ct, cp, vals int
}

// weights returns the effective weight of each row: the sample weight,
// masked and rescaled for masked losses (Keras reweights valid rows by
// rows/valid).
func effectiveWeights(loss kernels.Loss, sw, yTrue []float32, rows, colsTrue int) []float32 {
	ml, ok := kernels.Unwrap(loss).(kernels.MaskedLoss)
	if !ok {
		return sw
	}
	mask := make([]bool, rows)
	if !ml.Mask(mask, yTrue, rows, colsTrue) {
		return sw
	}
	valid := 0
	for _, m := range mask {
		if m {
			valid++
		}
	}
	w := make([]float32, rows)
	if valid == 0 {
		return w
	}
	scale := float32(rows) / float32(valid)
	for i, m := range mask {
		if m {
			w[i] = sw[i] * scale
		}
	}
	return w
}

func (in *lossInstr) run(b [][]float32) {
	vals := b[in.vals][:in.rows]
	yt, yp := b[in.yt], b[in.yp]
	in.loss.PerSample(vals, yt, yp, in.rows, in.ct, in.cp)
	w := effectiveWeights(in.loss, b[in.sw], yt, in.rows, in.ct)
	var s float64
	for i, v := range vals {
		s += float64(v * w[i])
	}
	if in.rows == 0 {
		b[in.out][0] = 0
		return
	}
	b[in.out][0] = float32(s / float64(in.rows))
}

// lossGradOp: d loss / d yPred, scaled by the incoming gradient.
type lossGradOp struct {
	opBase
	loss                     kernels.Loss
	rows, colsTrue, colsPred int
}

func (op *lossGradOp) Do(vals ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, vals) }
func (op *lossGradOp) DiffWRT(n int) []bool                { return make([]bool, n) }
func (op *lossGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable", op)
}

func (op *lossGradOp) build(c *kctx) (instr, error) {
	return &lossGradInstr{loss: op.loss, yt: c.ins[0], yp: c.ins[1], sw: c.ins[2], g: c.ins[3], out: c.out,
		rows: op.rows, ct: op.colsTrue, cp: op.colsPred, dOut: c.temp(op.rows)}, nil
}

type lossGradInstr struct {
	loss               kernels.Loss
	yt, yp, sw, g, out int
	rows, ct, cp, dOut int
}

func (in *lossGradInstr) run(b [][]float32) {
	d := b[in.dOut][:in.rows]
	yt := b[in.yt]
	w := effectiveWeights(in.loss, b[in.sw], yt, in.rows, in.ct)
	if in.rows == 0 {
		return
	}
	scale := b[in.g][0] / float32(in.rows)
	for i := range d {
		d[i] = w[i] * scale
	}
	in.loss.Grad(b[in.out], d, yt, b[in.yp], in.rows, in.ct, in.cp)
}

// regOp is a weight regularization penalty (scalar) of a variable.
type regOp struct {
	opBase
	r Regularizer
}

func newRegOp(r Regularizer, w *G.Node) *regOp {
	return &regOp{opBase: newOpBase(fmt.Sprintf("Penalty{%T,%p}", r, r), nil, w), r: r}
}

func (op *regOp) Do(vals ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, vals) }
func (op *regOp) DiffWRT(int) []bool                  { return []bool{true} }
func (op *regOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := &regGradOp{opBase: newOpBase(fmt.Sprintf("PenaltyGrad{%T,%p}", op.r, op.r), inputs[0].Shape(), inputs[0], grad), r: op.r}
	d, err := G.ApplyOp(g, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}

func (op *regOp) build(c *kctx) (instr, error) {
	return &regInstr{r: op.r, w: c.ins[0], out: c.out}, nil
}

type regInstr struct {
	r      Regularizer
	w, out int
}

func (in *regInstr) run(b [][]float32) { b[in.out][0] = in.r.Penalty(b[in.w]) }

type regGradOp struct {
	opBase
	r Regularizer
}

func (op *regGradOp) Do(vals ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, vals) }
func (op *regGradOp) DiffWRT(n int) []bool                { return make([]bool, n) }
func (op *regGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable", op)
}

func (op *regGradOp) build(c *kctx) (instr, error) {
	return &regGradInstr{r: op.r, w: c.ins[0], g: c.ins[1], out: c.out}, nil
}

type regGradInstr struct {
	r         Regularizer
	w, g, out int
}

func (in *regGradInstr) run(b [][]float32) {
	out := b[in.out]
	w := b[in.w]
	out = out[:len(w)]
	for i := range out {
		out[i] = 0
	}
	in.r.AddGrad(out, w)
	if g := b[in.g][0]; g != 1 {
		for i := range out {
			out[i] *= g
		}
	}
}
