package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kerago/kerago/tensor"
)

// Reasons label kerago_serve_errors_total.
const (
	reasonMalformed        = "malformed_request"
	reasonNotFound         = "not_found"
	reasonMethodNotAllowed = "method_not_allowed"
	reasonBodyTooLarge     = "body_too_large"
	reasonBodyRead         = "body_read"
	reasonInvalidJSON      = "invalid_json"
	reasonInvalidRequest   = "invalid_request"
	reasonInvalidShape     = "invalid_shape"
	reasonInvalidType      = "invalid_type"
	reasonNonFinite        = "non_finite"
	reasonSignature        = "unknown_signature"
	reasonUnimplemented    = "unimplemented"
	reasonPredict          = "predict_failed"
	reasonShuttingDown     = "shutting_down"
	reasonCancelled        = "cancelled"
	reasonOverloaded       = "overloaded"
	reasonNonFiniteOutput  = "non_finite_output"
	reasonHTTP             = "malformed_http"
)

// apiError is an error answered as TensorFlow Serving's {"error": msg}.
type apiError struct {
	code       int
	reason     string
	msg        string
	retryAfter int // seconds; sent as Retry-After when > 0
}

func (e *apiError) Error() string { return e.msg }

func errInvalidJSON(msg string) *apiError {
	return &apiError{code: http.StatusBadRequest, reason: reasonInvalidJSON, msg: msg}
}

// outcome is what a request did, for the metrics.
type outcome struct {
	model, api string
	code       int
	reason     string
}

// ServeHTTP answers TensorFlow Serving's REST API under /v1/, /healthz and
// /metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if s.Draining() {
		// The last response on each keep-alive connection: the client
		// reconnects (to another server once readiness has propagated)
		// instead of reusing a connection the shutdown will close.
		w.Header().Set("Connection", "close")
	}
	s.metrics.inFlight.Add(1)
	o := s.handle(w, r)
	s.metrics.inFlight.Add(-1)
	s.metrics.request(o.model, o.api, o.code, o.reason, time.Since(start))
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) outcome {
	path := r.URL.Path
	switch {
	case path == "/healthz":
		o := outcome{api: "healthz"}
		if !s.allow(w, r, &o, http.MethodGet) {
			return o
		}
		if s.closed.Load() {
			return s.fail(w, o, &apiError{code: http.StatusServiceUnavailable, reason: reasonShuttingDown, msg: "server is shutting down"})
		}
		return s.writeStatus(w, o, "ok")
	case path == "/readyz":
		return s.handleReady(w, r)
	case path == "/metrics":
		o := outcome{api: "metrics"}
		if !s.allow(w, r, &o, http.MethodGet) {
			return o
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		s.metrics.write(w)
		o.code = http.StatusOK
		return o
	case hasPrefixFold(path, "/v1/"):
		return s.handleV1(w, r)
	default:
		return s.fail(w, outcome{api: "other"}, &apiError{code: http.StatusNotFound, reason: reasonNotFound,
			msg: fmt.Sprintf("Not found: %s %s (kerago serve answers /v1/models/..., /healthz, /readyz and /metrics)", r.Method, path)})
	}
}

// allow checks the method, answering 405 when it is wrong.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, o *outcome, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	*o = s.fail(w, *o, &apiError{code: http.StatusMethodNotAllowed, reason: reasonMethodNotAllowed,
		msg: fmt.Sprintf("Method not allowed: %s %s (use %s)", r.Method, r.URL.Path, method)})
	return false
}

// fail writes {"error": msg} with the error's status code.
func (s *Server) fail(w http.ResponseWriter, o outcome, e *apiError) outcome {
	body, _ := json.Marshal(map[string]string{"error": e.msg})
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(e.code)
	w.Write(append(body, '\n'))
	o.code = e.code
	o.reason = e.reason
	return o
}

// writeStatus answers {"status": status, "models": N} with 200.
func (s *Server) writeStatus(w http.ResponseWriter, o outcome, status string) outcome {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "{\"status\":%q,\"models\":%d}\n", status, len(s.Models()))
	o.code = http.StatusOK
	return o
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// route is a parsed /v1/models URL.
type route struct {
	name    string
	version int64 // Latest when the URL has no /versions/N
	action  string
}

// parseRoute parses the URL forms of TensorFlow Serving's REST API:
//
//	/v1/models/NAME[/versions/N][/metadata]
//	/v1/models/NAME[/versions/N]:(predict|classify|regress)
//
// case-insensitively, like TensorFlow Serving's (?i) regular expressions.
func parseRoute(method, path string) (route, *apiError) {
	malformed := &apiError{code: http.StatusBadRequest, reason: reasonMalformed, msg: fmt.Sprintf("Malformed request: %s %s", method, path)}
	rt := route{version: Latest, action: "status"}
	if !hasPrefixFold(path, "/v1/models") {
		return rt, malformed
	}
	rest := path[len("/v1/models"):]
	if rest == "" || rest == "/" {
		return rt, &apiError{code: http.StatusBadRequest, reason: reasonMalformed, msg: "Missing model name in request."}
	}
	if rest[0] != '/' {
		return rt, malformed
	}
	rest = rest[1:]
	end := strings.IndexAny(rest, "/:")
	if end < 0 {
		end = len(rest)
	}
	rt.name, rest = rest[:end], rest[end:]
	if rt.name == "" {
		return rt, malformed
	}
	segment := func(prefix string) (string, bool) {
		if !hasPrefixFold(rest, prefix) {
			return "", false
		}
		v := rest[len(prefix):]
		end := strings.IndexAny(v, "/:")
		if end < 0 {
			end = len(v)
		}
		rest = v[end:]
		return v[:end], true
	}
	if v, ok := segment("/versions/"); ok {
		if v == "" || strings.Trim(v, "0123456789") != "" {
			return rt, malformed
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return rt, &apiError{code: http.StatusBadRequest, reason: reasonMalformed, msg: fmt.Sprintf("Failed to convert version: %s to numeric.", v)}
		}
		rt.version = n
	} else if label, ok := segment("/labels/"); ok {
		return rt, &apiError{code: http.StatusBadRequest, reason: reasonMalformed,
			msg: fmt.Sprintf("Unrecognized servable version label: %s (kerago serve has no version labels; use /versions/N)", label)}
	}
	switch {
	case rest == "":
	case strings.EqualFold(rest, "/metadata"):
		rt.action = "metadata"
	case rest[0] == ':':
		switch a := strings.ToLower(rest[1:]); a {
		case "predict", "classify", "regress":
			rt.action = a
		default:
			return rt, malformed
		}
	default:
		return rt, malformed
	}
	return rt, nil
}

func notFound(rt route) *apiError {
	spec := fmt.Sprintf("Latest(%s)", rt.name)
	if rt.version != Latest {
		spec = fmt.Sprintf("Specific(%s, %d)", rt.name, rt.version)
	}
	return &apiError{code: http.StatusNotFound, reason: reasonNotFound, msg: "Servable not found for request: " + spec}
}

func (s *Server) handleV1(w http.ResponseWriter, r *http.Request) outcome {
	rt, aerr := parseRoute(r.Method, r.URL.Path)
	o := outcome{api: rt.action}
	if aerr != nil {
		o.api = "other"
		return s.fail(w, o, aerr)
	}
	method := http.MethodGet
	if rt.action != "status" && rt.action != "metadata" {
		method = http.MethodPost
	}
	sv := s.find(rt.name, rt.version)
	if sv != nil {
		o.model = sv.name
	}
	if !s.allow(w, r, &o, method) {
		return o
	}
	switch rt.action {
	case "status":
		return s.handleStatus(w, o, rt)
	case "metadata":
		if sv == nil {
			return s.fail(w, o, notFound(rt))
		}
		return s.writeJSON(w, o, metadataOf(sv, sv.cur.Load()))
	case "predict":
		if sv == nil {
			return s.fail(w, o, notFound(rt))
		}
		return s.handlePredict(w, r, o, sv)
	default:
		return s.fail(w, o, &apiError{code: http.StatusNotImplemented, reason: reasonUnimplemented,
			msg: fmt.Sprintf("%s is not supported: kerago serve implements the predict API", rt.action)})
	}
}

func (s *Server) writeJSON(w http.ResponseWriter, o outcome, v any) outcome {
	body, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return s.fail(w, o, &apiError{code: http.StatusInternalServerError, reason: reasonPredict, msg: err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusOK)
	w.Write(append(body, '\n'))
	o.code = http.StatusOK
	return o
}

// The JSON forms of TensorFlow Serving's GetModelStatusResponse and
// GetModelMetadataResponse protos (int64 fields are strings in proto JSON).
type (
	modelStatusJSON struct {
		ModelVersionStatus []versionStatusJSON `json:"model_version_status"`
	}
	versionStatusJSON struct {
		Version string     `json:"version"`
		State   string     `json:"state"`
		Status  statusJSON `json:"status"`
	}
	statusJSON struct {
		ErrorCode    string `json:"error_code"`
		ErrorMessage string `json:"error_message"`
	}
	metadataJSON struct {
		ModelSpec modelSpecJSON `json:"model_spec"`
		Metadata  struct {
			SignatureDef struct {
				SignatureDef map[string]signatureJSON `json:"signature_def"`
			} `json:"signature_def"`
		} `json:"metadata"`
	}
	modelSpecJSON struct {
		Name          string `json:"name"`
		SignatureName string `json:"signature_name"`
		Version       string `json:"version"`
	}
	signatureJSON struct {
		Inputs     map[string]tensorInfoJSON `json:"inputs"`
		Outputs    map[string]tensorInfoJSON `json:"outputs"`
		MethodName string                    `json:"method_name"`
	}
	tensorInfoJSON struct {
		Dtype       string          `json:"dtype"`
		TensorShape tensorShapeJSON `json:"tensor_shape"`
		Name        string          `json:"name"`
	}
	tensorShapeJSON struct {
		Dim         []dimJSON `json:"dim"`
		UnknownRank bool      `json:"unknown_rank"`
	}
	dimJSON struct {
		Size string `json:"size"`
		Name string `json:"name"`
	}
)

func (s *Server) handleStatus(w http.ResponseWriter, o outcome, rt route) outcome {
	m := (*s.models.Load())[rt.name]
	var resp modelStatusJSON
	if m != nil {
		// Highest version first, as TensorFlow Serving lists them.
		for i := len(m.versions) - 1; i >= 0; i-- {
			sv := m.versions[i]
			if rt.version != Latest && sv.version != rt.version {
				continue
			}
			resp.ModelVersionStatus = append(resp.ModelVersionStatus, versionStatusJSON{
				Version: strconv.FormatInt(sv.version, 10), State: "AVAILABLE", Status: statusJSON{ErrorCode: "OK"},
			})
		}
	}
	if len(resp.ModelVersionStatus) == 0 {
		msg := "Could not find any versions of model " + rt.name
		if rt.version != Latest {
			msg = fmt.Sprintf("Could not find version %d of model %s", rt.version, rt.name)
		}
		return s.fail(w, o, &apiError{code: http.StatusNotFound, reason: reasonNotFound, msg: msg})
	}
	return s.writeJSON(w, o, resp)
}

func shapeJSON(shape []int) tensorShapeJSON {
	dims := []dimJSON{{Size: "-1"}}
	for _, d := range shape {
		if d < 0 {
			d = -1
		}
		dims = append(dims, dimJSON{Size: strconv.Itoa(d)})
	}
	return tensorShapeJSON{Dim: dims}
}

// metadataOf lists every named input and output, with the tensor names a
// Keras SavedModel export gives them.
func metadataOf(sv *servable, l *loaded) metadataJSON {
	var md metadataJSON
	md.ModelSpec = modelSpecJSON{Name: sv.name, Version: strconv.FormatInt(sv.version, 10)}
	sig := signatureJSON{Inputs: map[string]tensorInfoJSON{}, Outputs: map[string]tensorInfoJSON{}, MethodName: "tensorflow/serving/predict"}
	for _, in := range l.ins {
		sig.Inputs[in.Name] = tensorInfoJSON{Dtype: in.DType, TensorShape: shapeJSON(in.Shape), Name: "serving_default_" + in.Name + ":0"}
	}
	for k, out := range l.outs {
		sig.Outputs[out.Name] = tensorInfoJSON{Dtype: dtFloat, TensorShape: shapeJSON(out.Shape), Name: fmt.Sprintf("StatefulPartitionedCall:%d", k)}
	}
	md.Metadata.SignatureDef.SignatureDef = map[string]signatureJSON{SignatureName: sig}
	return md
}

// A request body is admitted to the bytes budget in steps, the first of
// bodyFirstStep bytes and each next one twice the last, up to bodyMaxStep:
// a request holds budget only for the bytes that arrived plus one step, so
// stalled uploads cannot take the budget by declaring a large
// Content-Length.
const (
	bodyFirstStep = 16 << 10
	bodyMaxStep   = 1 << 20
)

// readBody reads the request body into a pooled buffer within the limit,
// admitting it to the bytes budget step by step; *held counts what was
// admitted, for the caller to release.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, held *int64) ([]byte, func(), *apiError) {
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return nil, nil, tooLarge(s.cfg.MaxBodyBytes)
	}
	buf := s.getBuf()
	release := func() { s.putBuf(buf) }
	stop := context.AfterFunc(s.drain.abort, func() { http.NewResponseController(w).SetReadDeadline(time.Now()) })
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	var err error
	var aerr *apiError
	for step := int64(bodyFirstStep); ; step = min(2*step, bodyMaxStep) {
		want := step
		if r.ContentLength >= 0 {
			want = min(want, r.ContentLength-int64(buf.Len())+1) // +1 sees the end
		}
		if aerr = s.adm.admitBytes(r.Context(), want); aerr != nil {
			break
		}
		*held += want
		var n int64
		if n, err = buf.ReadFrom(io.LimitReader(body, want)); err != nil || n < want {
			break
		}
	}
	stop()
	if aerr != nil {
		release()
		return nil, nil, aerr
	}
	if err != nil {
		release()
		return nil, nil, s.bodyError(w, err)
	}
	return buf.Bytes(), release, nil
}

// bodyError is the answer to a failed body read.
func (s *Server) bodyError(w http.ResponseWriter, err error) *apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(s.cfg.MaxBodyBytes)
	}
	if s.drain.abort.Err() != nil {
		w.Header().Set("Connection", "close")
		return &apiError{code: http.StatusServiceUnavailable, reason: reasonShuttingDown, retryAfter: retryAfterSeconds,
			msg: "server is shutting down: the request body was not received before the shutdown deadline"}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		w.Header().Set("Connection", "close")
		return &apiError{code: http.StatusRequestTimeout, reason: reasonBodyRead, msg: "the request body was not received within the read timeout"}
	}
	return &apiError{code: http.StatusBadRequest, reason: reasonBodyRead, msg: "reading the request body: " + err.Error()}
}

func tooLarge(limit int64) *apiError {
	return &apiError{code: http.StatusRequestEntityTooLarge, reason: reasonBodyTooLarge,
		msg: fmt.Sprintf("request body is larger than the limit of %d bytes", limit)}
}

func (s *Server) handlePredict(w http.ResponseWriter, r *http.Request, o outcome, sv *servable) outcome {
	var held int64
	defer s.adm.releaseHeld(&held)
	raw, release, aerr := s.readBody(w, r, &held)
	if aerr != nil {
		return s.fail(w, o, aerr)
	}
	defer release()
	l, xs, rowFmt, aerr := s.decodePredict(sv, raw)
	if aerr != nil {
		return s.fail(w, o, aerr)
	}
	rows := int64(xs[0].Dim(0))
	if aerr := s.adm.admitRows(r.Context(), rows); aerr != nil {
		return s.fail(w, o, aerr)
	}
	defer s.adm.releaseRows(rows)
	// Only now, with the body read and decoded, is the request on its way
	// to the batcher: a slow upload never holds a batch back.
	t := sv.arrive()
	defer t.leave()
	ys, err := s.run(r.Context(), sv, l, xs, t)
	if err != nil {
		return s.fail(w, o, s.predictError(sv, err))
	}
	if aerr := s.checkOutputs(sv, l, ys, rowFmt); aerr != nil {
		return s.fail(w, o, aerr)
	}
	if len(ys) == 1 {
		return s.writePredictions(w, o, ys[0], rowFmt)
	}
	return s.writePredictionsN(w, o, l, ys, rowFmt)
}

// decodePredict parses and validates a predict body against the model
// currently loaded, which the request then keeps even across a reload.
func (s *Server) decodePredict(sv *servable, raw []byte) (*loaded, []*tensor.Tensor, bool, *apiError) {
	body, aerr := parsePredictBody(raw)
	if aerr != nil {
		return nil, nil, false, aerr
	}
	if body.signature != "" && body.signature != SignatureName {
		return nil, nil, false, &apiError{code: http.StatusBadRequest, reason: reasonSignature,
			msg: fmt.Sprintf("Serving signature name: %q not found in signature def", body.signature)}
	}
	l := sv.cur.Load()
	rowFmt := body.instances != nil
	if len(l.ins) > 1 {
		specs := l.specs(sv)
		var xs []*tensor.Tensor
		if rowFmt {
			xs, aerr = decodeInstancesN(body.instances, l.ins, specs)
		} else {
			xs, aerr = decodeInputsN(body.inputs, l.ins, specs)
		}
		return l, xs, rowFmt, aerr
	}
	spec := &inputSpec{model: sv.name, version: sv.version, name: l.ins[0].Name, shape: l.in, dtype: l.ins[0].DType}
	var x *tensor.Tensor
	if rowFmt {
		x, aerr = decodeInstances(body.instances, spec)
	} else {
		x, aerr = decodeInputs(body.inputs, spec)
	}
	if aerr != nil {
		return nil, nil, false, aerr
	}
	return l, []*tensor.Tensor{x}, rowFmt, nil
}

// predictError turns an error from run into the answer.
func (s *Server) predictError(sv *servable, err error) *apiError {
	switch {
	case errors.Is(err, ErrClosed):
		return &apiError{code: http.StatusServiceUnavailable, reason: reasonShuttingDown, msg: err.Error()}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &apiError{code: 499, reason: reasonCancelled, msg: err.Error()}
	}
	s.log.Error("serve: predict failed", "model", sv.name, "version", sv.version, "error", err)
	return &apiError{code: http.StatusInternalServerError, reason: reasonPredict,
		msg: fmt.Sprintf("model %q version %d: predict failed: %v", sv.name, sv.version, err)}
}

// writePredictions answers {"predictions": ...} (row format) or
// {"outputs": ...} (columnar format).
func (s *Server) writePredictions(w http.ResponseWriter, o outcome, y *tensor.Tensor, rowFmt bool) outcome {
	out := s.getBuf()
	defer s.putBuf(out)
	b := out.AvailableBuffer()
	if rowFmt {
		b = append(b, `{"predictions":[`...)
		n := y.Dim(0)
		per := 0
		if n > 0 {
			per = y.Len() / n
		}
		for i := 0; i < n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendNested(b, y.Data()[i*per:(i+1)*per], y.Shape()[1:])
		}
		b = append(b, "]}\n"...)
	} else {
		b = append(b, `{"outputs":`...)
		b = appendNested(b, y.Data(), y.Shape())
		b = append(b, "}\n"...)
	}
	out.Write(b)
	return writeAnswer(w, o, out.Bytes())
}

// writePredictionsN answers a model with several outputs: row format
// {"predictions": [{"cls": ..., "reg": ...}, ...]}, one object per
// instance, or columnar {"outputs": {"cls": ..., "reg": ...}}, as
// TensorFlow Serving's MakeJsonFromTensors.
func (s *Server) writePredictionsN(w http.ResponseWriter, o outcome, l *loaded, ys []*tensor.Tensor, rowFmt bool) outcome {
	out := s.getBuf()
	defer s.putBuf(out)
	b := out.AvailableBuffer()
	if rowFmt {
		b = append(b, `{"predictions":[`...)
		for i := 0; i < ys[0].Dim(0); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			for k, y := range ys {
				per := y.Len() / y.Dim(0)
				b = appendKey(b, k, l.outs[k].Name)
				b = appendNested(b, y.Data()[i*per:(i+1)*per], y.Shape()[1:])
			}
			b = append(b, '}')
		}
		b = append(b, "]}\n"...)
	} else {
		b = append(b, `{"outputs":{`...)
		for k, y := range ys {
			b = appendKey(b, k, l.outs[k].Name)
			b = appendNested(b, y.Data(), y.Shape())
		}
		b = append(b, "}}\n"...)
	}
	out.Write(b)
	return writeAnswer(w, o, out.Bytes())
}

// appendKey writes the k-th member name of an object.
func appendKey(b []byte, k int, name string) []byte {
	if k > 0 {
		b = append(b, ',')
	}
	b = strconv.AppendQuote(b, name)
	return append(b, ':')
}

func writeAnswer(w http.ResponseWriter, o outcome, body []byte) outcome {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	o.code = http.StatusOK
	return o
}
