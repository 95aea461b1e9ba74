package serve

import (
	"context"
	"fmt"
	"time"

	"github.com/kerago/kerago/tensor"
)

// batcher merges concurrent requests for one model version into forward
// passes of at most maxBatch rows. The first request of a batch waits at most
// timeout for others; a full batch goes at once, and so does a batch when no
// other request for the model is being received or decoded (so that a lone
// client does not pay the timeout). Requests are only merged
// when they were validated against the same loaded model, so a reload in the
// middle of a batch cannot mix shapes. Requests for models with several
// inputs are batched too: each input is concatenated along the rows and
// each output split back.
type batcher struct {
	srv      *Server
	sv       *servable
	in       chan *batchItem
	quit     chan struct{}
	done     chan struct{}
	maxBatch int
	timeout  time.Duration
}

type batchItem struct {
	t   *ticket // left when the loop takes the item
	l   *loaded
	xs  []*tensor.Tensor // one per input, same rows
	res chan batchResult // buffered: the runner never blocks on a gone caller
}

type batchResult struct {
	ys  []*tensor.Tensor
	err error
}

func newBatcher(s *Server, sv *servable) *batcher {
	b := &batcher{
		srv: s, sv: sv,
		in:       make(chan *batchItem),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		maxBatch: s.cfg.MaxBatch,
		timeout:  s.cfg.BatchTimeout,
	}
	go b.loop()
	return b
}

// submit hands xs to the batching loop and waits for its rows of the
// outputs.
func (b *batcher) submit(ctx context.Context, l *loaded, xs []*tensor.Tensor, t *ticket) ([]*tensor.Tensor, error) {
	it := &batchItem{l: l, xs: xs, t: t, res: make(chan batchResult, 1)}
	select {
	case b.in <- it:
	case <-b.quit:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-it.res:
		return r.ys, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// stop ends the loop after it has dispatched what it holds; the caller waits
// for dispatched passes with Server.work.
func (b *batcher) stop() {
	close(b.quit)
	<-b.done
}

func (b *batcher) loop() {
	defer close(b.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var first *batchItem
		select {
		case first = <-b.in:
			first.t.leave()
		case <-b.quit:
			return
		}
		pending := []*batchItem{first}
		rows := first.rows()
		timer.Reset(b.timeout)
	collect:
		for rows < b.maxBatch {
			if b.sv.coming.Load() == 0 {
				break // nobody else is on the way
			}
			select {
			case it := <-b.in:
				it.t.leave()
				n := it.rows()
				if it.l != pending[0].l || rows+n > b.maxBatch || !sameSampleShapes(it.xs, first.xs) {
					b.dispatch(pending)
					first, pending, rows = it, []*batchItem{it}, n
					timer.Reset(b.timeout)
					continue
				}
				pending = append(pending, it)
				rows += n
			case <-timer.C:
				break collect
			case <-b.quit:
				break collect
			}
		}
		timer.Stop()
		b.dispatch(pending)
	}
}

// dispatch runs one merged pass in a worker slot, waiting for a free slot
// (requests queue meanwhile and make the next batch fuller).
func (b *batcher) dispatch(items []*batchItem) {
	b.srv.sem <- struct{}{}
	b.srv.work.Add(1)
	go func() {
		defer func() {
			<-b.srv.sem
			b.srv.work.Done()
		}()
		b.run(items)
	}()
}

func (it *batchItem) rows() int { return it.xs[0].Dim(0) }

// sameSampleShapes reports whether two requests' inputs have the same
// per-sample shapes, so that their rows can be stacked.
func sameSampleShapes(a, b []*tensor.Tensor) bool {
	for k := range a {
		if !tensor.SameShape(a[k].Shape()[1:], b[k].Shape()[1:]) {
			return false
		}
	}
	return true
}

func (b *batcher) run(items []*batchItem) {
	l := items[0].l
	if len(items) == 1 {
		b.srv.metrics.observeBatch(b.sv.name, items[0].rows())
		ys, err := predict(l, items[0].xs)
		items[0].res <- batchResult{ys, err}
		return
	}
	total := 0
	for _, it := range items {
		total += it.rows()
	}
	b.srv.metrics.observeBatch(b.sv.name, total)
	xs, err := stackInputs(items, total)
	var ys []*tensor.Tensor
	if err == nil {
		ys, err = predict(l, xs)
	}
	if err != nil {
		for _, it := range items {
			it.res <- batchResult{nil, err}
		}
		return
	}
	lo := 0
	for _, it := range items {
		hi := lo + it.rows()
		parts, serr := sliceOutputs(ys, lo, hi)
		it.res <- batchResult{parts, serr}
		lo = hi
	}
}

// stackInputs concatenates the requests' tensors input by input.
func stackInputs(items []*batchItem, total int) ([]*tensor.Tensor, error) {
	xs := make([]*tensor.Tensor, len(items[0].xs))
	for k := range xs {
		x, err := tensor.New(append([]int{total}, items[0].xs[k].Shape()[1:]...)...)
		if err != nil {
			return nil, err
		}
		off := 0
		for _, it := range items {
			off += copy(x.Data()[off:], it.xs[k].Data())
		}
		xs[k] = x
	}
	return xs, nil
}

// sliceOutputs returns rows lo:hi of every output.
func sliceOutputs(ys []*tensor.Tensor, lo, hi int) ([]*tensor.Tensor, error) {
	parts := make([]*tensor.Tensor, len(ys))
	for k, y := range ys {
		part, err := y.SliceRows(lo, hi)
		if err != nil {
			return nil, fmt.Errorf("splitting batch output %d: %w", k, err)
		}
		parts[k] = part
	}
	return parts, nil
}
