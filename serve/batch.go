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
// middle of a batch cannot mix shapes.
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
	x   *tensor.Tensor
	res chan batchResult // buffered: the runner never blocks on a gone caller
}

type batchResult struct {
	y   *tensor.Tensor
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

// submit hands x to the batching loop and waits for its rows of the output.
func (b *batcher) submit(ctx context.Context, l *loaded, x *tensor.Tensor, t *ticket) (*tensor.Tensor, error) {
	it := &batchItem{l: l, x: x, t: t, res: make(chan batchResult, 1)}
	select {
	case b.in <- it:
	case <-b.quit:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-it.res:
		return r.y, r.err
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
		rows := first.x.Dim(0)
		timer.Reset(b.timeout)
	collect:
		for rows < b.maxBatch {
			if b.sv.coming.Load() == 0 {
				break // nobody else is on the way
			}
			select {
			case it := <-b.in:
				it.t.leave()
				n := it.x.Dim(0)
				if it.l != pending[0].l || rows+n > b.maxBatch || !tensor.SameShape(it.x.Shape()[1:], first.x.Shape()[1:]) {
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

func (b *batcher) run(items []*batchItem) {
	l := items[0].l
	if len(items) == 1 {
		b.srv.metrics.observeBatch(b.sv.name, items[0].x.Dim(0))
		y, err := predict(l, items[0].x)
		items[0].res <- batchResult{y, err}
		return
	}
	total := 0
	for _, it := range items {
		total += it.x.Dim(0)
	}
	b.srv.metrics.observeBatch(b.sv.name, total)
	shape := append([]int{total}, items[0].x.Shape()[1:]...)
	x, err := tensor.New(shape...)
	if err == nil {
		off := 0
		for _, it := range items {
			off += copy(x.Data()[off:], it.x.Data())
		}
		var y *tensor.Tensor
		if y, err = predict(l, x); err == nil {
			lo := 0
			for _, it := range items {
				hi := lo + it.x.Dim(0)
				part, serr := y.SliceRows(lo, hi)
				if serr != nil {
					serr = fmt.Errorf("splitting batch output: %w", serr)
				}
				it.res <- batchResult{part, serr}
				lo = hi
			}
			return
		}
	}
	for _, it := range items {
		it.res <- batchResult{nil, err}
	}
}
