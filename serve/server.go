// Package serve serves Keras models over HTTP with TensorFlow Serving's REST
// API, so that clients written for TensorFlow Serving keep working against a
// single static Go binary.
//
// A Server holds models registered by name and version. Its handler answers
//
//	GET  /v1/models/NAME[/versions/N]            model status
//	GET  /v1/models/NAME[/versions/N]/metadata   signature (input and output shapes)
//	POST /v1/models/NAME[/versions/N]:predict    {"instances": ...} or {"inputs": ...}
//	GET  /healthz                                 liveness
//	GET  /readyz                                  readiness (503 once Drain is called)
//	GET  /metrics                                 Prometheus text format
//
// with TensorFlow Serving's JSON shapes and error object {"error": "..."}
// (served on NewListener, also for the errors net/http answers itself).
// Requests are validated before they reach the model: a wrong shape, a
// non-number or a NaN is a 400 that names the instance and dimension at fault.
//
// Models with several inputs or outputs (MultiPredictor, such as a Keras
// Functional model) take TensorFlow Serving's named forms: row format
// {"instances": [{"a": [...], "b": [...]}, ...]} answered by
// {"predictions": [{"cls": [...], "reg": [...]}, ...]}, columnar format
// {"inputs": {"a": [[...]], "b": [[...]]}} answered by {"outputs": {"cls":
// [[...]], "reg": [[...]]}}. A model with one output keeps the bare answers.
// A missing or unknown input name, a wrong shape or unequal row counts is a
// 400 naming the input.
// In-flight budgets (Config.MaxInflightBytes, MaxInflightRows) bound the
// memory concurrent requests take: beyond them a request waits briefly, then
// gets 503 with Retry-After. Model files without stored weights are refused
// unless Config.AllowRandomWeights is set.
//
// The server is safe for concurrent use. Predictions from many goroutines run
// in parallel; with Config.MaxBatch > 1, concurrent requests for the same model
// are merged into one forward pass and the answers split back, giving the same
// numbers as unbatched calls. Reload swaps in changed model files atomically:
// requests in flight finish on the model they started with, and a file that
// fails to load leaves the previous model serving.
//
// RunCommand implements the `kerago serve` command on top of Server.
//
// Where kerago differs from TensorFlow Serving: a request with a wrong HTTP
// method gets 405 with an Allow header (TensorFlow Serving answers 400
// "Malformed request"); NaN and ±Infinity inputs, which TensorFlow Serving
// passes to the model, are rejected with 400; version labels
// (/labels/NAME) and the classify and regress APIs are not implemented (400
// and 501); every model has the one signature "serving_default", where a
// model's only input is named "inputs" and its only output "output_0"
// (several are named after the Keras model's inputs and outputs, see
// MultiPredictor); unknown input names in a columnar "inputs" object are
// ignored for a one-input model, and refused for a model with several
// inputs; model status always
// reports AVAILABLE, since a model that failed to load is not registered.
// Non-finite outputs are written as TensorFlow Serving writes them (bare
// NaN, Infinity, -Infinity) unless Config.NonFiniteOutputs is NonFiniteError.
package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kerago/kerago/tensor"
)

// Predictor is a loaded model. *keras.Model satisfies it.
//
// Predict is called from many goroutines at once and must be safe for
// concurrent use. Its input has shape [batch]+InputShape() and its output
// must have shape [batch]+OutputShape().
type Predictor interface {
	Predict(x *tensor.Tensor) (*tensor.Tensor, error)
	// InputShape is the shape of one sample, without the batch dimension;
	// a negative size means the dimension accepts any size.
	InputShape() []int
	// OutputShape is the shape of one output sample, without the batch
	// dimension; a negative size means the size depends on the input.
	OutputShape() []int
}

// Loader loads a model file. In kerago it wraps keras.Load.
type Loader func(path string) (Predictor, error)

// Latest selects the highest registered version of a model.
const Latest int64 = -1

const (
	// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes is 0.
	DefaultMaxBodyBytes = 8 << 20
	// DefaultBatchTimeout is how long a batch waits for more requests when
	// Config.BatchTimeout is 0 and batching is on.
	DefaultBatchTimeout = 2 * time.Millisecond

	// SignatureName is the one signature every model has, as in a Keras
	// SavedModel export.
	SignatureName = "serving_default"
	// InputName names the input of a one-input model in metadata and in the
	// named forms of predict requests ({"instances": [{"inputs": ...}]},
	// {"inputs": {"inputs": ...}}).
	InputName = "inputs"
	// OutputName names the output of a one-output model in metadata, as
	// Keras 3's export does.
	OutputName = "output_0"
)

// ModelConfig names a model file to load at New.
type ModelConfig struct {
	Name    string
	Version int64 // >= 0; versions of one name must differ
	Path    string
}

// Config configures a Server. The zero value serves nothing until models are
// added, without batching, with an 8 MiB body limit.
type Config struct {
	// Models are loaded with Load by New.
	Models []ModelConfig
	// Load loads model files for Models, AddModelFile and Reload.
	Load Loader
	// MaxBatch > 1 turns on server-side batching: concurrent predict requests
	// for the same model version are merged into forward passes of at most
	// MaxBatch rows. A request of MaxBatch rows or more runs on its own.
	MaxBatch int
	// BatchTimeout is how long the first request of a batch waits for others
	// (DefaultBatchTimeout when 0). The wait ends early when no other request
	// for the model is being received or decoded, so a lone client is not
	// delayed; batches fill up when requests arrive faster than forward
	// passes finish.
	BatchTimeout time.Duration
	// Workers bounds the merged forward passes running at once
	// (runtime.GOMAXPROCS(0) when 0). Unbatched requests run in their own
	// goroutines.
	Workers int
	// MaxBodyBytes limits request bodies (DefaultMaxBodyBytes when 0).
	MaxBodyBytes int64
	// Logger receives load, reload and error messages (discarded when nil).
	Logger *slog.Logger
	// AllowRandomWeights lets AddModelFile and Reload accept a model whose
	// Predictor reports that it has no stored weights (WeightsReporter): a
	// config without weights, which answers with random numbers. Without it
	// such a file is refused with ErrNoStoredWeights.
	AllowRandomWeights bool
	// MaxInflightBytes bounds the request body bytes being received, decoded
	// and answered at once (DefaultMaxInflightBytes() when 0, no bound when
	// negative). Bodies are admitted in steps (16 KiB, doubling up to 1 MiB)
	// as they arrive, so a stalled upload holds only what it sent.
	MaxInflightBytes int64
	// MaxInflightRows bounds the rows of decoded requests waiting for or in a
	// forward pass at once (DefaultMaxInflightRows when 0, no bound when
	// negative). A request larger than the whole budget runs alone.
	MaxInflightRows int64
	// AdmissionWait is how long a request waits for room in the budgets
	// before it is refused with 503, Retry-After and a JSON error
	// (DefaultAdmissionWait when 0).
	AdmissionWait time.Duration
	// NonFiniteOutputs says how predictions that are NaN or ±Infinity are
	// answered (NonFiniteTFServing when empty).
	NonFiniteOutputs NonFinitePolicy
	// ReturnMemory returns freed heap memory to the operating system once the
	// server goes idle after a burst of large requests (a forced collection,
	// at most every few seconds). The kerago serve command sets it; a Go
	// service embedding the Server may prefer to leave it to the runtime.
	ReturnMemory bool
}

// Server serves registered models over HTTP. Create it with New; it is an
// http.Handler and safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	models  atomic.Pointer[map[string]*model] // copy on write under mu
	mu      sync.Mutex                        // registry writes and reloads
	metrics *metrics
	sem     chan struct{} // worker slots for merged passes
	work    sync.WaitGroup
	closed  atomic.Bool
	bufs    sync.Pool // *bytes.Buffer for bodies and responses
	adm     *admission
	drain   drainState
}

type model struct {
	name     string
	versions []*servable // ascending by version
}

// servable is one version of one model.
type servable struct {
	name    string
	version int64
	path    string      // "" when added as a Predictor
	stamp   os.FileInfo // of path at the last successful load; guarded by Server.mu
	cur     atomic.Pointer[loaded]
	batch   *batcher // nil without batching
	// coming counts predict requests that have started but not yet reached
	// the batcher: while it is zero, a batch has nothing to wait for.
	coming atomic.Int64
}

// loaded is an immutable snapshot of a model: requests keep using the one
// they started with while a reload swaps in a new one.
type loaded struct {
	p         Predictor
	mp        MultiPredictor // set when the model has several inputs or outputs
	in, out   []int          // shapes of the first input and output
	ins, outs []TensorInfo
	at        time.Time
}

// New returns a server and loads cfg.Models.
func New(cfg Config) (*Server, error) {
	if cfg.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("serve: MaxBodyBytes %d must not be negative", cfg.MaxBodyBytes)
	}
	if cfg.MaxBatch < 0 {
		return nil, fmt.Errorf("serve: MaxBatch %d must not be negative", cfg.MaxBatch)
	}
	if cfg.BatchTimeout < 0 {
		return nil, fmt.Errorf("serve: BatchTimeout %v must not be negative", cfg.BatchTimeout)
	}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("serve: Workers %d must not be negative", cfg.Workers)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.BatchTimeout == 0 {
		cfg.BatchTimeout = DefaultBatchTimeout
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if err := cfg.NonFiniteOutputs.check(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: newMetrics(), sem: make(chan struct{}, cfg.Workers)}
	adm, err := newAdmission(cfg, s.metrics)
	if err != nil {
		return nil, err
	}
	s.adm = adm
	s.drain.init()
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	empty := map[string]*model{}
	s.models.Store(&empty)
	for _, m := range cfg.Models {
		if err := s.AddModelFile(m.Name, m.Version, m.Path); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func validName(name string) error {
	if name == "" {
		return errors.New("serve: empty model name")
	}
	if strings.ContainsAny(name, "/:") {
		return fmt.Errorf("serve: model name %q must not contain '/' or ':'", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("serve: model name %q contains a control character", name)
		}
	}
	return nil
}

func newLoaded(p Predictor) (*loaded, error) {
	if p == nil {
		return nil, errors.New("nil model")
	}
	ins, outs, multi, err := signatureOf(p)
	if err != nil {
		return nil, err
	}
	for _, t := range slices.Concat(ins, outs) {
		n := 1
		for _, d := range t.Shape {
			if d > 0 {
				if n > tensor.MaxElements/d {
					return nil, fmt.Errorf("shape %v of %q is too large", t.Shape, t.Name)
				}
				n *= d
			}
		}
	}
	l := &loaded{p: p, in: ins[0].Shape, out: outs[0].Shape, ins: ins, outs: outs, at: time.Now()}
	if multi {
		l.mp = p.(MultiPredictor)
	}
	return l, nil
}

// AddModel registers p as version of name. p is served as is; Reload does
// not touch it.
func (s *Server) AddModel(name string, version int64, p Predictor) error {
	l, err := newLoaded(p)
	if err != nil {
		return fmt.Errorf("serve: model %q version %d: %w", name, version, err)
	}
	return s.add(name, version, "", nil, l)
}

// AddModelFile loads path with Config.Load and registers it as version of
// name. Reload reloads the file when it changes.
func (s *Server) AddModelFile(name string, version int64, path string) error {
	if s.cfg.Load == nil {
		return errors.New("serve: Config.Load is nil, cannot load model files")
	}
	if err := validName(name); err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("serve: model %q version %d: %w", name, version, err)
	}
	p, err := s.load(path)
	if err != nil {
		return fmt.Errorf("serve: model %q version %d: %w", name, version, err)
	}
	l, err := newLoaded(p)
	if err != nil {
		return fmt.Errorf("serve: model %q version %d: %s: %w", name, version, path, err)
	}
	if err := s.add(name, version, path, st, l); err != nil {
		return err
	}
	s.log.Info("serve: loaded model", append([]any{"model", name, "version", version, "path", path}, l.shapeAttrs()...)...)
	return nil
}

// load calls the loader, turning a panic into an error.
func (s *Server) load(path string) (p Predictor, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("loading %s panicked: %v", path, r)
		}
	}()
	p, err = s.cfg.Load(path)
	if err == nil && p == nil {
		err = fmt.Errorf("loading %s returned no model", path)
	}
	if err == nil {
		err = s.checkWeights(path, p)
	}
	return p, err
}

func (s *Server) add(name string, version int64, path string, st os.FileInfo, l *loaded) error {
	if err := validName(name); err != nil {
		return err
	}
	if version < 0 {
		return fmt.Errorf("serve: model %q: version %d must not be negative", name, version)
	}
	if s.closed.Load() {
		return errors.New("serve: server is closed")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.models.Load()
	sv := &servable{name: name, version: version, path: path, stamp: st}
	sv.cur.Store(l)
	m := &model{name: name}
	if prev := old[name]; prev != nil {
		for _, v := range prev.versions {
			if v.version == version {
				return fmt.Errorf("serve: model %q version %d is already registered", name, version)
			}
		}
		m.versions = append(m.versions, prev.versions...)
	}
	m.versions = append(m.versions, sv)
	slices.SortFunc(m.versions, func(a, b *servable) int { return cmpInt64(a.version, b.version) })
	if s.cfg.MaxBatch > 1 {
		sv.batch = newBatcher(s, sv)
	}
	next := make(map[string]*model, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[name] = m
	s.models.Store(&next)
	s.metrics.setLoaded(name, version, l.at)
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// shapeAttrs are the log attributes describing l's inputs and outputs.
func (l *loaded) shapeAttrs() []any {
	if l.mp == nil {
		return []any{"input_shape", shapeString(append([]int{-1}, l.in...)), "output_shape", shapeString(append([]int{-1}, l.out...))}
	}
	return []any{"inputs", signatureString(l.ins), "outputs", signatureString(l.outs)}
}

// ModelInfo describes one registered model version.
type ModelInfo struct {
	Name        string
	Version     int64
	Path        string // "" for models added with AddModel
	InputShape  []int  // per sample, of the first input
	OutputShape []int  // per sample, of the first output
	// Inputs and Outputs name every input and output, in the order
	// PredictN takes and returns them.
	Inputs, Outputs []TensorInfo
	LoadedAt        time.Time
}

// Models lists the registered model versions, by name then version.
func (s *Server) Models() []ModelInfo {
	reg := *s.models.Load()
	var out []ModelInfo
	for _, m := range reg {
		for _, sv := range m.versions {
			l := sv.cur.Load()
			out = append(out, ModelInfo{Name: sv.name, Version: sv.version, Path: sv.path,
				InputShape: slices.Clone(l.in), OutputShape: slices.Clone(l.out),
				Inputs: cloneInfos(l.ins), Outputs: cloneInfos(l.outs), LoadedAt: l.at})
		}
	}
	slices.SortFunc(out, func(a, b ModelInfo) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmpInt64(a.Version, b.Version)
	})
	return out
}

// find returns the servable for name and version (Latest for the highest).
func (s *Server) find(name string, version int64) *servable {
	m := (*s.models.Load())[name]
	if m == nil || len(m.versions) == 0 {
		return nil
	}
	if version == Latest {
		return m.versions[len(m.versions)-1]
	}
	for _, sv := range m.versions {
		if sv.version == version {
			return sv
		}
	}
	return nil
}

// ErrNotFound is returned by Predict for an unknown model name or version.
var ErrNotFound = errors.New("serve: model not found")

// ErrClosed is returned by Predict after Close.
var ErrClosed = errors.New("serve: server is shutting down")

// Predict runs the named model on x (shape [batch]+InputShape) through the
// same path as HTTP requests, including server-side batching; version may be
// Latest. It is safe for concurrent use. Models with several inputs or
// outputs take PredictN.
func (s *Server) Predict(ctx context.Context, name string, version int64, x *tensor.Tensor) (*tensor.Tensor, error) {
	sv := s.find(name, version)
	if sv == nil {
		return nil, fmt.Errorf("%w: %q version %d", ErrNotFound, name, version)
	}
	t := sv.arrive()
	defer t.leave()
	l := sv.cur.Load()
	if l.mp != nil {
		return nil, fmt.Errorf("serve: model %q version %d: %w", name, sv.version, errMultiInput)
	}
	if x == nil || x.Rank() != len(l.in)+1 || !shapeFits(x.Shape()[1:], l.in) {
		got := "nil"
		if x != nil {
			got = shapeString(x.Shape())
		}
		return nil, fmt.Errorf("serve: model %q version %d: input shape %s, want %s", name, sv.version, got, shapeString(append([]int{-1}, l.in...)))
	}
	if err := x.CheckFinite(); err != nil {
		return nil, fmt.Errorf("serve: model %q version %d: %w", name, sv.version, err)
	}
	ys, err := s.run(ctx, sv, l, []*tensor.Tensor{x}, t)
	if err != nil {
		return nil, err
	}
	return ys[0], nil
}

// PredictN runs the named model on one tensor per input (ModelInfo.Inputs
// order, the same number of rows each) and returns one tensor per output
// (ModelInfo.Outputs order), through the same path as HTTP requests,
// including server-side batching. It serves models with one input and
// output too. It is safe for concurrent use.
func (s *Server) PredictN(ctx context.Context, name string, version int64, xs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	sv := s.find(name, version)
	if sv == nil {
		return nil, fmt.Errorf("%w: %q version %d", ErrNotFound, name, version)
	}
	t := sv.arrive()
	defer t.leave()
	l := sv.cur.Load()
	if err := checkInputs(l, xs); err != nil {
		return nil, fmt.Errorf("serve: model %q version %d: %w", name, sv.version, err)
	}
	return s.run(ctx, sv, l, slices.Clone(xs), t)
}

func cloneInfos(infos []TensorInfo) []TensorInfo {
	out := slices.Clone(infos)
	for i := range out {
		out[i].Shape = slices.Clone(out[i].Shape)
	}
	return out
}

// ticket marks a predict request as coming to the batcher until leave,
// which the batcher calls when it takes the request, or the handler when it
// is done (whichever is first).
type ticket struct {
	sv   *servable
	done atomic.Bool
}

func (sv *servable) arrive() *ticket {
	sv.coming.Add(1)
	return &ticket{sv: sv}
}

func (t *ticket) leave() {
	if t.done.CompareAndSwap(false, true) {
		t.sv.coming.Add(-1)
	}
}

// shapeFits reports whether got matches want, where a negative size in want
// accepts any size.
func shapeFits(got, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if want[i] >= 0 && got[i] != want[i] {
			return false
		}
	}
	return true
}

// run predicts xs (one tensor per input, validated) with l, merged with
// other requests when batching is on.
func (s *Server) run(ctx context.Context, sv *servable, l *loaded, xs []*tensor.Tensor, t *ticket) ([]*tensor.Tensor, error) {
	rows := xs[0].Dim(0)
	if sv.batch != nil && rows > 0 && rows < s.cfg.MaxBatch && !s.closed.Load() {
		return sv.batch.submit(ctx, l, xs, t)
	}
	t.leave()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if rows == 0 {
		ys := make([]*tensor.Tensor, len(l.outs))
		for k, out := range l.outs {
			y, err := tensor.New(append([]int{0}, nonNeg(out.Shape)...)...)
			if err != nil {
				return nil, err
			}
			ys[k] = y
		}
		return ys, nil
	}
	s.metrics.observeBatch(sv.name, rows)
	return predict(l, xs)
}

func nonNeg(shape []int) []int {
	out := slices.Clone(shape)
	for i, d := range out {
		if d < 0 {
			out[i] = 0
		}
	}
	return out
}

// predict calls the model, turning a panic into an error and checking the
// output shapes.
func predict(l *loaded, xs []*tensor.Tensor) (ys []*tensor.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			ys, err = nil, fmt.Errorf("model panicked: %v", r)
		}
	}()
	if ys, err = predictN(l, xs); err != nil {
		return nil, err
	}
	for k, y := range ys {
		if err := l.checkOutput(k, y, xs[0].Dim(0)); err != nil {
			return nil, err
		}
	}
	return ys, nil
}

// Reload reloads every model file whose size, modification time or identity
// changed since it was last loaded, swapping each new model in atomically:
// requests already running finish on the old model, later ones use the new.
// A file that fails to load leaves the old model serving; the failure is
// logged and returned (joined with the others). Models added with AddModel
// are left alone.
func (s *Server) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, m := range *s.models.Load() {
		for _, sv := range m.versions {
			if sv.path == "" {
				continue
			}
			if err := ctx.Err(); err != nil {
				return errors.Join(append(errs, err)...)
			}
			if err := s.reloadOne(sv); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Server) reloadOne(sv *servable) error {
	st, err := os.Stat(sv.path)
	if err == nil && sv.stamp != nil && os.SameFile(st, sv.stamp) && st.Size() == sv.stamp.Size() && st.ModTime().Equal(sv.stamp.ModTime()) {
		return nil
	}
	var l *loaded
	if err == nil {
		var p Predictor
		if p, err = s.load(sv.path); err == nil {
			l, err = newLoaded(p)
		}
	}
	if err != nil {
		s.metrics.reloaded(sv.name, sv.version, reloadResult(err))
		s.log.Error("serve: reload failed, keeping the previous model", "model", sv.name, "version", sv.version, "path", sv.path, "error", err)
		return fmt.Errorf("serve: reload model %q version %d from %s: %w", sv.name, sv.version, sv.path, err)
	}
	old := sv.cur.Swap(l)
	sv.stamp = st
	s.metrics.reloaded(sv.name, sv.version, "ok")
	s.metrics.setLoaded(sv.name, sv.version, l.at)
	attrs := []any{"model", sv.name, "version", sv.version, "path", sv.path}
	if !sameSignature(old, l) {
		attrs = append(attrs, l.shapeAttrs()...)
	}
	s.log.Info("serve: reloaded model", attrs...)
	return nil
}

// Close stops the batching goroutines after the forward passes they started
// have finished. Call it after the HTTP server has shut down (so that no
// request is waiting on a batch); requests arriving later get 503.
func (s *Server) Close() {
	if s.closed.Swap(true) {
		return
	}
	for _, m := range *s.models.Load() {
		for _, sv := range m.versions {
			if sv.batch != nil {
				sv.batch.stop()
			}
		}
	}
	s.work.Wait()
}

func (s *Server) getBuf() *bytes.Buffer {
	b := s.bufs.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func (s *Server) putBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		s.bufs.Put(b)
	}
}
