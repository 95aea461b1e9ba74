package serve

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Metric names exported on /metrics (Prometheus text format 0.0.4).
const (
	metricRequests = "kerago_serve_requests_total"
	metricErrors   = "kerago_serve_errors_total"
	metricLatency  = "kerago_serve_request_duration_seconds"
	metricBatch    = "kerago_serve_batch_size"
	metricInFlight = "kerago_serve_in_flight_requests"
	metricReloads  = "kerago_serve_model_reloads_total"
	metricLoaded   = "kerago_serve_model_loaded_timestamp_seconds"

	metricInflightBytes = "kerago_serve_inflight_body_bytes"
	metricInflightRows  = "kerago_serve_inflight_rows"
	metricReady         = "kerago_serve_ready"
)

var (
	latencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	batchBuckets   = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096}
)

type reqKey struct {
	model, api string
	code       int
}

type errKey struct{ model, api, reason string }

type latKey struct{ model, api string }

type verKey struct {
	model   string
	version int64
}

type reloadKey struct {
	verKey
	result string // "ok", "error" or "no_stored_weights"
}

type histogram struct {
	bounds []float64
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v: le is inclusive
	h.counts[i]++
	h.sum += v
	h.n++
}

// metrics holds the server's counters. Label values are bounded: the model
// label is "" for names that are not registered, so unknown URLs cannot grow
// the maps without bound.
type metrics struct {
	mu       sync.Mutex
	requests map[reqKey]uint64
	errors   map[errKey]uint64
	latency  map[latKey]*histogram
	batches  map[string]*histogram
	reloads  map[reloadKey]uint64
	loadedAt map[verKey]time.Time
	inFlight atomic.Int64

	inflightBytes, inflightRows atomic.Int64
	draining                    atomic.Bool
}

func newMetrics() *metrics {
	return &metrics{
		requests: map[reqKey]uint64{},
		errors:   map[errKey]uint64{},
		latency:  map[latKey]*histogram{},
		batches:  map[string]*histogram{},
		reloads:  map[reloadKey]uint64{},
		loadedAt: map[verKey]time.Time{},
	}
}

func (m *metrics) request(model, api string, code int, reason string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[reqKey{model, api, code}]++
	if code >= 400 {
		m.errors[errKey{model, api, reason}]++
	}
	k := latKey{model, api}
	h := m.latency[k]
	if h == nil {
		h = newHistogram(latencyBuckets)
		m.latency[k] = h
	}
	h.observe(d.Seconds())
}

func (m *metrics) observeBatch(model string, rows int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.batches[model]
	if h == nil {
		h = newHistogram(batchBuckets)
		m.batches[model] = h
	}
	h.observe(float64(rows))
}

func (m *metrics) reloaded(model string, version int64, result string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reloads[reloadKey{verKey{model, version}, result}]++
}

func (m *metrics) setLoaded(model string, version int64, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loadedAt[verKey{model, version}] = at
}

// escapeLabel escapes a label value for the text format.
func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func sortedKeys[K comparable, V any](m map[K]V, less func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, less)
	return keys
}

func writeHistogram(w *strings.Builder, name, labels string, h *histogram) {
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i]
		fmt.Fprintf(w, "%s_bucket{%sle=\"%s\"} %d\n", name, labels, formatFloat(b), cum)
	}
	cum += h.counts[len(h.bounds)]
	fmt.Fprintf(w, "%s_bucket{%sle=\"+Inf\"} %d\n", name, labels, cum)
	fmt.Fprintf(w, "%s_sum{%s} %s\n", name, strings.TrimSuffix(labels, ","), formatFloat(h.sum))
	fmt.Fprintf(w, "%s_count{%s} %d\n", name, strings.TrimSuffix(labels, ","), h.n)
}

// write renders all metrics in the Prometheus text exposition format.
func (m *metrics) write(out io.Writer) error {
	var w strings.Builder
	m.mu.Lock()

	fmt.Fprintf(&w, "# HELP %s HTTP requests answered, by model, API and status code.\n# TYPE %s counter\n", metricRequests, metricRequests)
	for _, k := range sortedKeys(m.requests, func(a, b reqKey) int {
		return cmp.Or(cmp.Compare(a.model, b.model), cmp.Compare(a.api, b.api), cmp.Compare(a.code, b.code))
	}) {
		fmt.Fprintf(&w, "%s{model=\"%s\",api=\"%s\",code=\"%d\"} %d\n", metricRequests, escapeLabel(k.model), k.api, k.code, m.requests[k])
	}

	fmt.Fprintf(&w, "# HELP %s Requests answered with an error status, by model, API and reason.\n# TYPE %s counter\n", metricErrors, metricErrors)
	for _, k := range sortedKeys(m.errors, func(a, b errKey) int {
		return cmp.Or(cmp.Compare(a.model, b.model), cmp.Compare(a.api, b.api), cmp.Compare(a.reason, b.reason))
	}) {
		fmt.Fprintf(&w, "%s{model=\"%s\",api=\"%s\",reason=\"%s\"} %d\n", metricErrors, escapeLabel(k.model), k.api, k.reason, m.errors[k])
	}

	fmt.Fprintf(&w, "# HELP %s Time from receiving a request to writing its answer, by model and API.\n# TYPE %s histogram\n", metricLatency, metricLatency)
	for _, k := range sortedKeys(m.latency, func(a, b latKey) int {
		return cmp.Or(cmp.Compare(a.model, b.model), cmp.Compare(a.api, b.api))
	}) {
		writeHistogram(&w, metricLatency, fmt.Sprintf("model=\"%s\",api=\"%s\",", escapeLabel(k.model), k.api), m.latency[k])
	}

	fmt.Fprintf(&w, "# HELP %s Rows per forward pass (merged requests count as one pass), by model.\n# TYPE %s histogram\n", metricBatch, metricBatch)
	for _, k := range sortedKeys(m.batches, strings.Compare) {
		writeHistogram(&w, metricBatch, fmt.Sprintf("model=\"%s\",", escapeLabel(k)), m.batches[k])
	}

	fmt.Fprintf(&w, "# HELP %s Requests being handled.\n# TYPE %s gauge\n%s %d\n", metricInFlight, metricInFlight, metricInFlight, m.inFlight.Load())

	fmt.Fprintf(&w, "# HELP %s Model file reloads, by model, version and result.\n# TYPE %s counter\n", metricReloads, metricReloads)
	for _, k := range sortedKeys(m.reloads, func(a, b reloadKey) int {
		return cmp.Or(cmp.Compare(a.model, b.model), cmp.Compare(a.version, b.version), cmp.Compare(a.result, b.result))
	}) {
		fmt.Fprintf(&w, "%s{model=\"%s\",version=\"%d\",result=\"%s\"} %d\n", metricReloads, escapeLabel(k.model), k.version, k.result, m.reloads[k])
	}

	fmt.Fprintf(&w, "# HELP %s Unix time the serving model was loaded, by model and version.\n# TYPE %s gauge\n", metricLoaded, metricLoaded)
	for _, k := range sortedKeys(m.loadedAt, func(a, b verKey) int {
		return cmp.Or(cmp.Compare(a.model, b.model), cmp.Compare(a.version, b.version))
	}) {
		fmt.Fprintf(&w, "%s{model=\"%s\",version=\"%d\"} %s\n", metricLoaded, escapeLabel(k.model), k.version, formatFloat(float64(m.loadedAt[k].UnixNano())/1e9))
	}
	m.mu.Unlock()
	m.writeGauges(&w)
	_, err := io.WriteString(out, w.String())
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeGauges renders the admission budgets and readiness.
func (m *metrics) writeGauges(w *strings.Builder) {
	fmt.Fprintf(w, "# HELP %s Request body bytes admitted and not yet answered.\n# TYPE %s gauge\n%s %d\n", metricInflightBytes, metricInflightBytes, metricInflightBytes, m.inflightBytes.Load())
	fmt.Fprintf(w, "# HELP %s Decoded rows admitted and not yet answered.\n# TYPE %s gauge\n%s %d\n", metricInflightRows, metricInflightRows, metricInflightRows, m.inflightRows.Load())
	fmt.Fprintf(w, "# HELP %s 1 while the server takes new work, 0 once it drains (as /readyz).\n# TYPE %s gauge\n%s %d\n", metricReady, metricReady, metricReady, boolInt(!m.draining.Load()))
}
