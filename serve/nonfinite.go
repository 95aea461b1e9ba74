package serve

import (
	"fmt"
	"math"
	"net/http"
	"strings"

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
func (s *Server) checkOutputs(sv *servable, l *loaded, ys []*tensor.Tensor, rowFmt bool) *apiError {
	if s.cfg.NonFiniteOutputs != NonFiniteError {
		return nil
	}
	for k, y := range ys {
		for i, v := range y.Data() {
			f := float64(v)
			if !math.IsNaN(f) && !math.IsInf(f, 0) {
				continue
			}
			at := "outputs" + indexString(y.Shape(), i)
			if rowFmt {
				at = "predictions" + indexString(y.Shape(), i)
			}
			if len(ys) > 1 {
				idx := indexString(y.Shape(), i)
				at = fmt.Sprintf("outputs.%s%s", l.outs[k].Name, idx)
				if rowFmt {
					row := idx[:strings.IndexByte(idx, ']')+1]
					at = fmt.Sprintf("predictions%s.%s%s", row, l.outs[k].Name, idx[len(row):])
				}
			}
			return &apiError{code: http.StatusBadRequest, reason: reasonNonFiniteOutput,
				msg: fmt.Sprintf("model %q version %d: output %q is %s at %s: the model's output is not a finite number, which strict JSON cannot carry",
					sv.name, sv.version, l.outs[k].Name, appendFloat(nil, v), at)}
		}
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
