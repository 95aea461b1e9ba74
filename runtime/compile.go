package runtime

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// slotKind says where a slot's data lives.
type slotKind uint8

const (
	kArena  slotKind = iota // computed by an instruction, in the frame's arena
	kInput                  // bound by the caller at each run (x, y, sample weights)
	kVar                    // a model variable, bound from Variable.Value at each run
	kConst                  // constant data owned by the program
	kAlias                  // a view of another slot (reshape)
	kPinned                 // arena buffer filled by the caller before each run (dropout masks)
)

type slotInfo struct {
	kind  slotKind
	name  string
	shape []int
	size  int
	off   int       // arena offset (kArena, kPinned)
	root  int       // kAlias: the slot whose data this is
	data  []float32 // kConst
	v     *Variable // kVar
}

// program is a compiled graph: instructions over numbered slots. It is
// immutable after compile and may be run by many goroutines at once, each
// with its own frame.
type program struct {
	batch  int
	slots  []slotInfo
	instrs []instr
	arena  int

	vars    []int // kVar slots
	aliases []int // kAlias slots, in an order where roots come first
	ext     []int // slots of the external inputs, in the order given to compile
	outs    []int // slots of the requested outputs, in order
	masks   []int // kPinned slots of g.masks, same order
	hooks   []int // slots of g.hooks, same order

	spare atomic.Pointer[frame] // one cached frame (survives GC, unlike the pool)
	pool  sync.Pool             // further frames for concurrent callers
}

// frame is one run's memory: the arena and a buffer view per slot.
type frame struct {
	arena []float32
	bufs  [][]float32
}

func (p *program) newFrame() *frame {
	f := &frame{arena: make([]float32, p.arena), bufs: make([][]float32, len(p.slots))}
	for i := range p.slots {
		s := &p.slots[i]
		switch s.kind {
		case kArena, kPinned:
			f.bufs[i] = f.arena[s.off : s.off+s.size : s.off+s.size]
		case kConst:
			f.bufs[i] = s.data
		}
	}
	return f
}

func (p *program) getFrame() *frame {
	if f := p.spare.Swap(nil); f != nil {
		return f
	}
	if f, ok := p.pool.Get().(*frame); ok {
		return f
	}
	return p.newFrame()
}

func (p *program) putFrame(f *frame) {
	for _, s := range p.ext {
		f.bufs[s] = nil // do not keep callers' data alive
	}
	if p.spare.CompareAndSwap(nil, f) {
		return
	}
	p.pool.Put(f)
}

// bind sets the variable and alias views; external inputs must already be
// set in f.bufs[p.ext[i]]. Views are only stored when they changed (no
// pointer writes in the steady state).
func (p *program) bind(f *frame) {
	b := f.bufs
	for _, s := range p.vars {
		d := p.slots[s].v.Value.Data()
		if unsafe.SliceData(b[s]) != unsafe.SliceData(d) || len(b[s]) != len(d) {
			b[s] = d
		}
	}
	for _, s := range p.aliases {
		si := &p.slots[s]
		r := b[si.root]
		if unsafe.SliceData(b[s]) != unsafe.SliceData(r) || len(b[s]) != si.size {
			b[s] = r[:si.size]
		}
	}
}

func (p *program) exec(f *frame) {
	b := f.bufs
	for _, in := range p.instrs {
		in.run(b)
	}
}

// opTypeName returns the gorgonia op's Go type name ("linAlgBinOp") when it
// is one of gorgonia's own ops, else "".
func opTypeName(op G.Op) string {
	if op == nil {
		return ""
	}
	t := reflect.TypeOf(op)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() != "gorgonia.org/gorgonia" {
		return ""
	}
	return t.Name()
}

func children(g *G.ExprGraph, n *G.Node) []*G.Node {
	it := g.From(n.ID())
	out := make([]*G.Node, 0, it.Len())
	for it.Next() {
		out = append(out, it.Node().(*G.Node))
	}
	return out
}

func nodeSize(n *G.Node) int {
	s := []int(n.Shape())
	if len(s) == 0 {
		return 1
	}
	return prod(s)
}

// compileError describes a node the executor cannot run.
func compileError(n *G.Node, format string, args ...any) error {
	return fmt.Errorf("runtime: cannot compile node %q (op %v, %T, shape %v): %s", n.Name(), n.Op(), n.Op(), n.Shape(), fmt.Sprintf(format, args...))
}

// bcastSource recognizes a repeatOp node that broadcasts a smaller tensor:
// it returns the source node and how it broadcasts (scalar, row vector over
// rows, column vector over columns) or ok=false.
func bcastSource(g *G.ExprGraph, n *G.Node) (src *G.Node, kind opndKind, ok bool) {
	if opTypeName(n.Op()) != "repeatOp" {
		return nil, 0, false
	}
	ch := children(g, n)
	if len(ch) < 1 {
		return nil, 0, false
	}
	c := ch[0]
	if nodeSize(c) == 1 {
		return c, opScalar, true
	}
	if s, k, ok := bcastSource(g, c); ok && k == opScalar {
		return s, opScalar, true
	}
	cs, os := []int(c.Shape()), []int(n.Shape())
	if len(cs) != 2 || len(os) != 2 {
		return nil, 0, false
	}
	along := strings.TrimPrefix(n.Op().String(), "Repeat")
	switch {
	case along == "0" && cs[0] == 1 && cs[1] == os[1]:
		return c, opRow, true
	case along == "1" && cs[1] == 1 && cs[0] == os[0]:
		return c, opCol, true
	}
	return nil, 0, false
}

// opnd is an instruction operand: a node read whole or broadcast.
type opnd struct {
	n    *G.Node
	kind opndKind
}

// compile turns the part of g needed for outputs into a program. ext are
// the graph inputs bound by the caller at each run (x, y, ...); variables
// and dropout masks registered in g are bound automatically.
func compile(g *Graph, ext []*G.Node, outputs []*G.Node) (*program, error) {
	eg := g.g
	sorted, err := G.Sort(eg)
	if err != nil {
		return nil, fmt.Errorf("runtime: sorting graph: %w", err)
	}
	// execution order: children first
	order := make([]*G.Node, len(sorted))
	for i, n := range sorted {
		order[len(sorted)-1-i] = n
	}

	reads := operandReads(eg, order)

	pinned := map[*G.Node]bool{}
	for _, n := range outputs {
		pinned[n] = true
	}
	for _, h := range g.hooks {
		pinned[h.node] = true
	}
	fu, live := fuse(order, reads, pinned)

	p := &program{batch: g.batch}
	slotOf := map[*G.Node]int{}
	extIdx := map[*G.Node]int{}
	for i, n := range ext {
		extIdx[n] = i
	}
	varOf := map[*G.Node]*Variable{}
	for v, n := range g.vars {
		varOf[n] = v
	}
	maskOf := map[*G.Node]int{}
	for i, m := range g.masks {
		maskOf[m.node] = i
	}
	p.ext = make([]int, len(ext))
	for i := range p.ext {
		p.ext[i] = -1
	}
	p.masks = make([]int, len(g.masks))
	for i := range p.masks {
		p.masks[i] = -1
	}

	newSlot := func(n *G.Node, kind slotKind) int {
		s := slotInfo{kind: kind, name: n.Name(), shape: []int(n.Shape().Clone()), size: nodeSize(n), root: -1}
		p.slots = append(p.slots, s)
		id := len(p.slots) - 1
		slotOf[n] = id
		return id
	}
	rootOf := func(s int) int {
		for p.slots[s].kind == kAlias {
			s = p.slots[s].root
		}
		return s
	}

	// planned computations in order
	type step struct {
		n    *G.Node
		slot int
		ins  []opnd
	}
	var steps []step
	for _, n := range order {
		if !live[n] {
			continue
		}
		op := n.Op()
		if op == nil {
			switch {
			case extIdxHas(extIdx, n):
				s := newSlot(n, kInput)
				p.ext[extIdx[n]] = s
			case varOf[n] != nil:
				s := newSlot(n, kVar)
				p.slots[s].v = varOf[n]
				p.vars = append(p.vars, s)
			case maskHas(maskOf, n):
				s := newSlot(n, kPinned)
				p.masks[maskOf[n]] = s
			default:
				return nil, compileError(n, "graph input is not bound to data (not x, y, a variable or a mask)")
			}
			continue
		}
		switch opTypeName(op) {
		case "constantScalar", "constantTensor":
			v := n.Value()
			if v == nil {
				return nil, compileError(n, "constant without a value")
			}
			d, _, err := valueData(v)
			if err != nil {
				return nil, compileError(n, "%v", err)
			}
			s := newSlot(n, kConst)
			p.slots[s].data = append([]float32(nil), d...)
			continue
		case "sizeOp":
			val, err := sizeValue(eg, n)
			if err != nil {
				return nil, compileError(n, "size: %v", err)
			}
			s := newSlot(n, kConst)
			p.slots[s].data = []float32{float32(val)}
			continue
		case "reshapeOp":
			ch := reads[n]
			s := newSlot(n, kAlias)
			p.slots[s].root = rootOf(slotOf[ch[0].n])
			p.aliases = append(p.aliases, s)
			continue
		}
		s := newSlot(n, kArena)
		steps = append(steps, step{n: n, slot: s, ins: reads[n]})
	}
	for i, s := range p.ext {
		if s < 0 {
			// input not needed by the outputs: give it a slot anyway so that
			// binding is uniform
			p.ext[i] = newSlot(ext[i], kInput)
		}
	}
	for i, s := range p.masks {
		if s < 0 {
			p.masks[i] = newSlot(g.masks[i].node, kPinned)
		}
	}

	// last use of each root slot
	lastUse := make([]int, len(p.slots))
	for i := range lastUse {
		lastUse[i] = -1
	}
	for i, st := range steps {
		for _, in := range st.ins {
			r := rootOf(slotOf[in.n])
			if i > lastUse[r] {
				lastUse[r] = i
			}
		}
	}
	keep := make([]bool, len(p.slots))
	for n := range pinned {
		keep[rootOf(slotOf[n])] = true
	}

	al := &allocator{}
	for i := range p.slots {
		if p.slots[i].kind == kPinned {
			p.slots[i].off = al.alloc(p.slots[i].size)
		}
	}
	for i, st := range steps {
		s := &p.slots[st.slot]
		s.off = al.alloc(s.size)
		var temps []int
		c := &kctx{out: st.slot, outShape: s.shape}
		for _, in := range st.ins {
			c.ins = append(c.ins, slotOf[in.n])
			c.inShapes = append(c.inShapes, []int(in.n.Shape()))
		}
		c.temp = func(n int) int {
			ts := slotInfo{kind: kArena, name: "temp", size: n, off: al.alloc(n), root: -1, shape: []int{n}}
			p.slots = append(p.slots, ts)
			id := len(p.slots) - 1
			temps = append(temps, id)
			return id
		}
		ins, ok, err := fu.build(st.n, c)
		if err != nil {
			return nil, err
		}
		if !ok {
			if ins, err = buildInstr(eg, st.n, c, st.ins); err != nil {
				return nil, err
			}
		}
		p.instrs = append(p.instrs, ins)
		for _, t := range temps {
			al.free(p.slots[t].off, p.slots[t].size)
		}
		// free inputs whose last use is this step
		seen := map[int]bool{}
		for _, in := range st.ins {
			r := rootOf(slotOf[in.n])
			if seen[r] || lastUse[r] != i || keep[r] || p.slots[r].kind != kArena {
				continue
			}
			seen[r] = true
			al.free(p.slots[r].off, p.slots[r].size)
		}
		// an output nobody reads (and nobody wants) is freed at once
		if lastUse[st.slot] < 0 && !keep[st.slot] {
			al.free(s.off, s.size)
		}
	}
	// outputs live in arena slots of their own, so that callers can hold
	// them between runs (copy those that are views of inputs or constants)
	p.outs = make([]int, len(outputs))
	for i, n := range outputs {
		s := slotOf[n]
		if p.slots[s].kind != kArena {
			cs := slotInfo{kind: kArena, name: n.Name() + "/copy", shape: p.slots[s].shape, size: p.slots[s].size, root: -1}
			cs.off = al.alloc(cs.size)
			p.slots = append(p.slots, cs)
			c := len(p.slots) - 1
			p.instrs = append(p.instrs, &copyInstr{x: s, out: c, n: cs.size})
			s = c
		}
		p.outs[i] = s
	}
	p.arena = al.top
	p.hooks = make([]int, len(g.hooks))
	for i, h := range g.hooks {
		p.hooks[i] = slotOf[h.node]
	}
	return p, nil
}

// operandReads gives the operands each node of order reads: its children,
// those of an elementwise binary op rewritten to the broadcast sources they
// repeat (fused repeats); a sizeOp reads nothing (its child is only shape
// information).
func operandReads(eg *G.ExprGraph, order []*G.Node) map[*G.Node][]opnd {
	reads := map[*G.Node][]opnd{}
	for _, n := range order {
		if n.Op() == nil {
			continue
		}
		ch := children(eg, n)
		ops := make([]opnd, len(ch))
		isBin := opTypeName(n.Op()) == "elemBinOp"
		for i, c := range ch {
			ops[i] = opnd{n: c}
			if isBin {
				if src, k, ok := bcastSource(eg, c); ok {
					ops[i] = opnd{n: src, kind: k}
				}
			}
		}
		if opTypeName(n.Op()) == "sizeOp" {
			ops = nil
		}
		reads[n] = ops
	}
	return reads
}

// sizeValue is the constant a sizeOp n stands for: its total size
// ("SizeOf=N") or the length of one axis of its child ("SizeOf(axis)").
func sizeValue(eg *G.ExprGraph, n *G.Node) (int, error) {
	str := n.Op().String()
	if strings.HasPrefix(str, "SizeOf=") {
		return strconv.Atoi(strings.TrimPrefix(str, "SizeOf="))
	}
	ax, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(str, "SizeOf("), ")"))
	if err != nil {
		return 0, err
	}
	cs := []int(children(eg, n)[0].Shape())
	if ax < 0 || ax >= len(cs) {
		return 0, fmt.Errorf("axis %d out of range", ax)
	}
	return cs[ax], nil
}

func extIdxHas(m map[*G.Node]int, n *G.Node) bool { _, ok := m[n]; return ok }
func maskHas(m map[*G.Node]int, n *G.Node) bool   { _, ok := m[n]; return ok }

// buildInstr maps one node to an instruction: kerago's own ops compile
// themselves, gorgonia's built-in ops are recognized by type and String().
func buildInstr(eg *G.ExprGraph, n *G.Node, c *kctx, ins []opnd) (instr, error) {
	op := n.Op()
	if k, ok := op.(kernelOp); ok {
		for _, in := range ins {
			if in.kind != opFull {
				return nil, compileError(n, "broadcast operand for a kerago op")
			}
		}
		in, err := k.build(c)
		if err != nil {
			return nil, compileError(n, "%v", err)
		}
		return in, nil
	}
	if n.Dtype().String() != "float32" {
		return nil, compileError(n, "dtype %v, the executor computes in float32", n.Dtype())
	}
	outShape := c.outShape
	size := prod(outShape)
	switch opTypeName(op) {
	case "linAlgBinOp":
		str := op.String()
		a, b := c.inShapes[0], c.inShapes[1]
		transA := strings.HasPrefix(str, "Aᵀ")
		transB := strings.HasSuffix(str, "Bᵀ") || strings.HasSuffix(str, "bᵀ")
		switch {
		case len(a) == 2 && len(b) == 2 && strings.Contains(str, "× B"):
			m, k := a[0], a[1]
			if transA {
				m, k = k, m
			}
			nn := b[1]
			if transB {
				nn = b[0]
			}
			return &matmulInstr{a: c.ins[0], b: c.ins[1], c: c.out, m: m, n: nn, k: k, transA: transA, transB: transB}, nil
		case len(a) == 2 && len(b) == 1 && strings.Contains(str, "× b"):
			m, k := a[0], a[1]
			if transA {
				m, k = k, m
			}
			return &matmulInstr{a: c.ins[0], b: c.ins[1], c: c.out, m: m, n: 1, k: k, transA: transA}, nil
		}
		return nil, compileError(n, "unsupported linear-algebra op for input shapes %v and %v", a, b)
	case "elemBinOp":
		str := op.String()
		sym, rest, _ := strings.Cut(str, " ")
		bo, ok := binOpBySymbol[sym]
		if !ok {
			return nil, compileError(n, "unknown binary operator %q", sym)
		}
		if bo >= binLt && rest != "true" {
			return nil, compileError(n, "comparison returning booleans (retSame=false)")
		}
		bi := &binInstr{op: bo, out: c.out, n: size}
		if len(outShape) == 2 {
			bi.cols = outShape[1]
		}
		for i, in := range ins {
			o := operand{slot: c.ins[i], kind: in.kind}
			if o.kind == opFull && nodeSize(in.n) == 1 && size != 1 {
				o.kind = opScalar
			}
			if o.kind == opFull && nodeSize(in.n) != size {
				return nil, compileError(n, "operand %d has %d elements, output %d", i, nodeSize(in.n), size)
			}
			if i == 0 {
				bi.a = o
			} else {
				bi.b = o
			}
		}
		return bi, nil
	case "elemUnaryOp":
		name := op.String()
		if name != "neg" && name != "square" && unaryFns[name] == nil {
			return nil, compileError(n, "unknown unary operator %q", name)
		}
		return &unaryInstr{name: name, f: unaryFns[name], x: c.ins[0], out: c.out, n: size}, nil
	case "sumOp":
		str := strings.TrimSuffix(strings.TrimPrefix(op.String(), "Σ["), "]")
		var axes []int
		for _, f := range strings.Fields(str) {
			a, err := strconv.Atoi(f)
			if err != nil {
				return nil, compileError(n, "cannot parse sum axes %q", op.String())
			}
			axes = append(axes, a)
		}
		in := c.inShapes[0]
		for _, a := range axes {
			if a < 0 || a >= len(in) {
				return nil, compileError(n, "sum axis %d out of range", a)
			}
		}
		return newSumInstr(c.ins[0], c.out, in, axes), nil
	case "repeatOp":
		along, err := strconv.Atoi(strings.TrimPrefix(op.String(), "Repeat"))
		in := c.inShapes[0]
		if len(in) == 0 {
			in = []int{1}
		}
		if err != nil || along < 0 || along >= len(outShape) || len(in) != len(outShape) {
			return nil, compileError(n, "unsupported repeat of shape %v to %v", c.inShapes[0], outShape)
		}
		o, nn, inner := splitAxis(in, along)
		if in[along] == 0 || outShape[along]%in[along] != 0 {
			return nil, compileError(n, "repeat of shape %v to %v", in, outShape)
		}
		return &repeatInstr{x: c.ins[0], out: c.out, outer: o, n: nn, inner: inner, reps: outShape[along] / in[along]}, nil
	case "transposeOp":
		str := strings.TrimSuffix(strings.TrimPrefix(op.String(), "Aᵀ{"), "}")
		var pattern []int
		for _, f := range strings.Split(str, ",") {
			a, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return nil, compileError(n, "cannot parse transpose pattern")
			}
			pattern = append(pattern, a)
		}
		if len(pattern) != len(c.inShapes[0]) {
			return nil, compileError(n, "transpose pattern %v for shape %v", pattern, c.inShapes[0])
		}
		return newTransposeInstr(c.ins[0], c.out, c.inShapes[0], pattern), nil
	}
	return nil, compileError(n, "op not supported by the kerago executor")
}

// liveNodes marks the nodes the pinned ones need, following reads.
func liveNodes(reads map[*G.Node][]opnd, pinned map[*G.Node]bool) map[*G.Node]bool {
	live := map[*G.Node]bool{}
	var mark func(n *G.Node)
	mark = func(n *G.Node) {
		if live[n] {
			return
		}
		live[n] = true
		for _, c := range reads[n] {
			mark(c.n)
		}
	}
	for n := range pinned {
		mark(n)
	}
	return live
}

// countConsumers counts, for each node, the reads of it by live nodes.
func countConsumers(live map[*G.Node]bool, reads map[*G.Node][]opnd) map[*G.Node]int {
	consumers := map[*G.Node]int{}
	for n := range live {
		for _, c := range reads[n] {
			consumers[c.n]++
		}
	}
	return consumers
}

// fusions are the nodes the fusion passes rewrote (their reads now name the
// inputs of the whole fused chain), each with what build needs.
type fusions struct {
	matmulBias map[*G.Node]*G.Node      // add → its matmul
	act        map[*G.Node]*G.Node      // activation → the fused add it reads
	poolReLU   map[*G.Node]*G.Node      // ReLU gradient → max-pooling gradient
	convEpi    map[*G.Node]convEpilogue // last node of conv → bias (→ ReLU)
	biasReLU   map[*G.Node]*G.Node      // ReLU → bias addition
	conv       map[*G.Node]*convFusion  // inference convolution chains
}

// fuse runs the fusion passes in their order, rewriting reads, and returns
// them with the nodes live afterwards. The training-side fusions come first
// (bit-identical rewrites), then the inference convolution chains
// (BatchNormalization, ReLU6, padding) that are left: a conv → bias → ReLU
// chain is fuseConvEpilogue's.
func fuse(order []*G.Node, reads map[*G.Node][]opnd, pinned map[*G.Node]bool) (*fusions, map[*G.Node]bool) {
	live := liveNodes(reads, pinned)
	fu := &fusions{}
	fu.matmulBias = fuseMatmulBias(order, live, reads, pinned)
	if len(fu.matmulBias) > 0 {
		live = liveNodes(reads, pinned)
		fu.act = fuseMatmulBiasAct(order, live, reads, pinned, fu.matmulBias)
		if len(fu.act) > 0 {
			live = liveNodes(reads, pinned)
		}
	}
	fu.poolReLU = fusePoolReLUGrad(order, live, reads, pinned)
	if len(fu.poolReLU) > 0 {
		live = liveNodes(reads, pinned)
	}
	fu.convEpi = fuseConvEpilogue(order, live, reads, pinned)
	if len(fu.convEpi) > 0 {
		live = liveNodes(reads, pinned)
	}
	fu.biasReLU = fuseBiasReLU(order, live, reads, pinned)
	if len(fu.biasReLU) > 0 {
		live = liveNodes(reads, pinned)
	}
	fu.conv = fuseConvEpilogues(order, reads, live, pinned)
	if len(fu.conv) > 0 {
		live = liveNodes(reads, pinned)
	}
	return fu, live
}

// build builds the instruction of n if a fusion rewrote it; ok is false
// for a node no fusion touched.
func (fu *fusions) build(n *G.Node, c *kctx) (ins instr, ok bool, err error) {
	if fc := fu.conv[n]; fc != nil {
		if ins, err = fc.build(c); err != nil {
			return nil, false, compileError(n, "%v", err)
		}
		return ins, true, nil
	}
	if mm := fu.matmulBias[n]; mm != nil {
		return fusedMatmulBias(mm, c), true, nil
	}
	if add := fu.act[n]; add != nil {
		mb := fusedMatmulBias(fu.matmulBias[add], c).(*matmulBiasInstr)
		mb.act = n.Op().(*actOp).a
		return mb, true, nil
	}
	if pg := fu.poolReLU[n]; pg != nil {
		return pg.Op().(*poolOp).buildReLUGrad(c), true, nil
	}
	if ce, ok := fu.convEpi[n]; ok {
		if ins, err = ce.conv.Op().(*convOp).build(c); err != nil {
			return nil, false, err
		}
		ci := ins.(*convInstr)
		ci.bias, ci.relu = c.ins[2], ce.relu
		return ins, true, nil
	}
	if bn := fu.biasReLU[n]; bn != nil {
		return &biasInstr{relu: true, x: c.ins[0], b: c.ins[1], out: c.out, c: c.inShapes[1][0], n: prod(c.inShapes[0])}, true, nil
	}
	return nil, false, nil
}

// fuseMatmulBias finds x·W followed by + bias (row vector) where the
// product is read by nothing else; each such sum is rewritten to read
// (x, W, bias) and becomes one instruction (see fusedMatmulBias). The
// returned map gives each sum's product node.
func fuseMatmulBias(order []*G.Node, live map[*G.Node]bool, reads map[*G.Node][]opnd, pinned map[*G.Node]bool) map[*G.Node]*G.Node {
	consumers := countConsumers(live, reads)
	fused := map[*G.Node]*G.Node{}
	for _, n := range order {
		if !live[n] || n.Op() == nil || opTypeName(n.Op()) != "elemBinOp" || n.Op().String() != "+ false" || len(n.Shape()) != 2 {
			continue
		}
		r := reads[n]
		if len(r) != 2 {
			continue
		}
		for i := 0; i < 2; i++ {
			mm, bias := r[i], r[1-i]
			if mm.kind != opFull || bias.kind != opRow || mm.n.Op() == nil || opTypeName(mm.n.Op()) != "linAlgBinOp" ||
				!strings.Contains(mm.n.Op().String(), "× B") || pinned[mm.n] || consumers[mm.n] != 1 {
				continue
			}
			mr := reads[mm.n]
			if len(mr) != 2 || len(mr[0].n.Shape()) != 2 || len(mr[1].n.Shape()) != 2 {
				continue
			}
			fused[n] = mm.n
			reads[n] = []opnd{mr[0], mr[1], bias}
			break
		}
	}
	return fused
}

// fuseMatmulBiasAct finds elementwise activations reading only a sum that
// fuseMatmulBias fused (inference: training graphs keep the pre-activation
// for the gradient) and rewrites each to read the sum's inputs. The
// returned map gives each activation's sum node.
func fuseMatmulBiasAct(order []*G.Node, live map[*G.Node]bool, reads map[*G.Node][]opnd, pinned map[*G.Node]bool, sums map[*G.Node]*G.Node) map[*G.Node]*G.Node {
	consumers := countConsumers(live, reads)
	fused := map[*G.Node]*G.Node{}
	for _, n := range order {
		op, ok := n.Op().(*actOp)
		if !live[n] || !ok || op.a.kind != actElem || len(reads[n]) != 1 {
			continue
		}
		add := reads[n][0].n
		if sums[add] == nil || pinned[add] || consumers[add] != 1 {
			continue
		}
		fused[n] = add
		reads[n] = reads[add]
	}
	return fused
}

// fusePoolReLUGrad finds plain-ReLU gradients whose upstream gradient is a
// max-pooling gradient read by nothing else, over that same ReLU's output:
// relu'(r, dr) with dr = maxPoolGrad(r, p, dp). Each such ReLU gradient is
// rewritten to read (r, p, dp) and becomes one instruction (see
// poolOp.buildReLUGrad); the returned map gives its pooling-gradient node.
func fusePoolReLUGrad(order []*G.Node, live map[*G.Node]bool, reads map[*G.Node][]opnd, pinned map[*G.Node]bool) map[*G.Node]*G.Node {
	consumers := countConsumers(live, reads)
	fused := map[*G.Node]*G.Node{}
	for _, n := range order {
		op, ok := n.Op().(*actGradOp)
		r := reads[n]
		if !live[n] || !ok || op.a.kind != actElem || op.a.id != "relu" || len(r) != 3 {
			continue
		}
		dr := r[2].n
		pg, ok := dr.Op().(*poolOp)
		if !ok || !pg.grad || !pg.max || pinned[dr] || consumers[dr] != 1 || r[1].kind != opFull || r[2].kind != opFull {
			continue
		}
		if pr := reads[dr]; len(pr) != 3 || pr[0].n != r[1].n || pr[0].kind != opFull {
			continue
		}
		fused[n] = dr
		reads[n] = reads[dr]
	}
	return fused
}

// convEpilogue is a forward convolution that absorbed the bias addition
// (and the plain ReLU) reading it.
type convEpilogue struct {
	conv *G.Node
	relu bool
}

// fuseConvEpilogue finds bias additions (biasOp) of a forward convolution
// read by nothing else, and the plain ReLU reading such an addition if it
// alone does: the last node of the chain is rewritten to read (x, w, bias)
// and built as the convolution with an epilogue, applied to each block of
// output rows while it is in cache.
func fuseConvEpilogue(order []*G.Node, live map[*G.Node]bool, reads map[*G.Node][]opnd, pinned map[*G.Node]bool) map[*G.Node]convEpilogue {
	consumers := map[*G.Node]int{}
	readers := map[*G.Node]*G.Node{}
	for n := range live {
		for _, c := range reads[n] {
			consumers[c.n]++
			readers[c.n] = n
		}
	}
	fused := map[*G.Node]convEpilogue{}
	for _, bn := range order {
		bo, ok := bn.Op().(*biasOp)
		r := reads[bn]
		if !live[bn] || !ok || bo.grad || len(r) != 2 || r[0].kind != opFull || r[1].kind != opFull {
			continue
		}
		cv := r[0].n
		co, ok := cv.Op().(*convOp)
		if !ok || co.kind != convFwd || pinned[cv] || consumers[cv] != 1 || len(reads[cv]) != 2 {
			continue
		}
		ins := append(append([]opnd(nil), reads[cv]...), r[1])
		last, relu := bn, false
		if n := readers[bn]; n != nil && consumers[bn] == 1 && !pinned[bn] {
			op, ok := n.Op().(*actOp)
			if ok && op.a.kind == actElem && op.a.id != "relu" {
				continue // another activation: fuseConvEpilogues takes the chain whole
			}
			if ok && op.a.kind == actElem && len(reads[n]) == 1 && reads[n][0].kind == opFull {
				last, relu = n, true
			}
		}
		fused[last] = convEpilogue{conv: cv, relu: relu}
		reads[last] = ins
	}
	return fused
}

// fuseBiasReLU finds plain ReLUs whose input is a bias addition (biasOp)
// read by nothing else and rewrites each to read the addition's (x, bias):
// one instruction, y = relu(x + b), instead of two passes. (In training the
// pre-activation is then never stored: the ReLU gradient must not read it,
// which fusePoolReLUGrad arranges after pooling; elsewhere it still reads
// it and the addition keeps its own instruction.)
func fuseBiasReLU(order []*G.Node, live map[*G.Node]bool, reads map[*G.Node][]opnd, pinned map[*G.Node]bool) map[*G.Node]*G.Node {
	consumers := countConsumers(live, reads)
	fused := map[*G.Node]*G.Node{}
	for _, n := range order {
		op, ok := n.Op().(*actOp)
		r := reads[n]
		if !live[n] || !ok || op.a.kind != actElem || op.a.id != "relu" || len(r) != 1 || r[0].kind != opFull {
			continue
		}
		pre := r[0].n
		if bo, ok := pre.Op().(*biasOp); !ok || bo.grad || pinned[pre] || consumers[pre] != 1 || len(reads[pre]) != 2 {
			continue
		}
		fused[n] = pre
		reads[n] = reads[pre]
	}
	return fused
}

// fusedMatmulBias builds the fused instruction for add(mm, bias); c.ins
// are mm's two inputs and the bias.
func fusedMatmulBias(mm *G.Node, c *kctx) instr {
	str := mm.Op().String()
	a, b := c.inShapes[0], c.inShapes[1]
	transA := strings.HasPrefix(str, "Aᵀ")
	transB := strings.HasSuffix(str, "Bᵀ")
	m, k := a[0], a[1]
	if transA {
		m, k = k, m
	}
	n := b[1]
	if transB {
		n = b[0]
	}
	return &matmulBiasInstr{a: c.ins[0], b: c.ins[1], bias: c.ins[2], c: c.out, m: m, n: n, k: k, transA: transA, transB: transB}
}

// allocator hands out arena ranges, reusing freed ones (first fit).
type allocator struct {
	top   int
	holes []hole // sorted by offset
}

type hole struct{ off, size int }

func (a *allocator) alloc(n int) int {
	if n == 0 {
		return a.top
	}
	best := -1
	for i, h := range a.holes {
		if h.size >= n && (best < 0 || h.size < a.holes[best].size) {
			best = i
		}
	}
	if best >= 0 {
		h := a.holes[best]
		if h.size == n {
			a.holes = append(a.holes[:best], a.holes[best+1:]...)
		} else {
			a.holes[best] = hole{h.off + n, h.size - n}
		}
		return h.off
	}
	// extend the last hole if it ends at top
	if k := len(a.holes); k > 0 && a.holes[k-1].off+a.holes[k-1].size == a.top {
		h := a.holes[k-1]
		a.holes = a.holes[:k-1]
		a.top = h.off + n
		return h.off
	}
	off := a.top
	a.top += n
	return off
}

func (a *allocator) free(off, n int) {
	if n == 0 {
		return
	}
	i := sort.Search(len(a.holes), func(i int) bool { return a.holes[i].off > off })
	a.holes = append(a.holes, hole{})
	copy(a.holes[i+1:], a.holes[i:])
	a.holes[i] = hole{off, n}
	// coalesce with neighbours
	if i+1 < len(a.holes) && a.holes[i].off+a.holes[i].size == a.holes[i+1].off {
		a.holes[i].size += a.holes[i+1].size
		a.holes = append(a.holes[:i+1], a.holes[i+2:]...)
	}
	if i > 0 && a.holes[i-1].off+a.holes[i-1].size == a.holes[i].off {
		a.holes[i-1].size += a.holes[i].size
		a.holes = append(a.holes[:i], a.holes[i+1:]...)
	}
}
