package serve

import (
	"fmt"
	"math"
	"net/http"

	"github.com/kerago/kerago/tensor"
)

// NonFinitePolicy says how predictions that are NaN or ±Infinity are
// answered.
type NonFinitePolicy string

const (
	// NonFiniteTFServing answers 200 with the bare tokens NaN, Infinity and
	// -Infinity in place of the numbers, as TensorFlow Serving does
	// (tensorflow_serving/util/json_tensor.cc, WriteDecimal). Python's json
	// module reads them; strict JSON parsers (Go's encoding/json,
	// JavaScript's JSON.parse) do not.
	NonFiniteTFServing NonFinitePolicy = "tfserving"
	// NonFiniteError answers 400 with a JSON error naming the output, the
	// instance and the element, so that every answer is strict JSON.
	NonFiniteError NonFinitePolicy = "error"
)

func (p NonFinitePolicy) check() error {
	switch p {
	case "", NonFiniteTFServing, NonFiniteError:
		return nil
	}
	return fmt.Errorf("serve: NonFiniteOutputs %q: want %q or %q", string(p), NonFiniteTFServing, NonFiniteError)
}

// checkOutputs applies Config.NonFiniteOutputs to a prediction.
func (s *Server) checkOutputs(sv *servable, y *tensor.Tensor, rowFmt bool) *apiError {
	if s.cfg.NonFiniteOutputs != NonFiniteError {
		return nil
	}
	data := y.Data()
	for i, v := range data {
		f := float64(v)
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			continue
		}
		key := "outputs"
		if rowFmt {
			key = "predictions"
		}
		return &apiError{code: http.StatusBadRequest, reason: reasonNonFiniteOutput,
			msg: fmt.Sprintf("model %q version %d: output %q is %s at %s%s: the model's output is not a finite number, which strict JSON cannot carry",
				sv.name, sv.version, OutputName, appendFloat(nil, v), key, indexString(y.Shape(), i))}
	}
	return nil
}

// indexString writes flat index i of shape as [a][b]...
func indexString(shape []int, i int) string {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	s := ""
	for _, v := range idx {
		s += fmt.Sprintf("[%d]", v)
	}
	return s
}
