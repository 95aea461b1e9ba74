package kerabeam

import (
	"fmt"
	"math"
	"strings"
)

// Sample is one input to the model, the value of Score's input KVs. Exactly
// one of its fields is set.
//
// The fields are alternatives rather than one slice so that the form can
// grow: multi-input models (the graph work's named inputs to Predict) will add
// a field naming each input, and a Sample that leaves it empty keeps meaning
// what it means now.
type Sample struct {
	// Floats holds one sample's values in the model's per-sample input
	// shape, row-major: 2 values for an input of shape (2,), 12 for (4, 3).
	Floats []float32
	// Tokens holds token ids, for models that read integer ids (an
	// Embedding first layer). Keras casts them to float32 on the way in,
	// and so does Score: an id must be in [0, 2^24], where float32 is exact.
	Tokens []int64
}

// Floats returns the Sample holding values v.
func Floats(v ...float32) Sample { return Sample{Floats: v} }

// Tokens returns the Sample holding token ids ids.
func Tokens(ids ...int64) Sample { return Sample{Tokens: ids} }

// Prediction is the model's output for one sample, the value of Score's
// output KVs.
type Prediction struct {
	// Values holds the output in the model's per-sample output shape,
	// row-major, as float32 like Keras's predict.
	Values []float32
}

// DeadLetter is a sample Score could not score, with why; the value of
// Score's dead-letter KVs.
type DeadLetter struct {
	Sample Sample
	// Reason says what was wrong, e.g. "sample has 3 values; the model's
	// input shape (2,) takes 2".
	Reason string
}

// maxExactToken is the largest id float32 represents exactly (2^24).
const maxExactToken = 1 << 24

// check returns why s cannot be fed to a model whose per-sample input has
// want values and shape shape, or "" when it can.
func (s Sample) check(want int, shape []int) string {
	switch {
	case len(s.Floats) > 0 && len(s.Tokens) > 0:
		return "sample sets both Floats and Tokens; set one"
	case len(s.Tokens) > 0:
		return checkTokens(s.Tokens, want, shape)
	default:
		return checkFloats(s.Floats, want, shape)
	}
}

func checkFloats(v []float32, want int, shape []int) string {
	if len(v) != want {
		return fmt.Sprintf("sample has %d values; the model's input shape %s takes %d", len(v), pyShape(shape), want)
	}
	for i, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return fmt.Sprintf("value %d is %v; the model takes finite numbers", i, f)
		}
	}
	return ""
}

func checkTokens(ids []int64, want int, shape []int) string {
	if len(ids) != want {
		return fmt.Sprintf("sample has %d token ids; the model's input shape %s takes %d", len(ids), pyShape(shape), want)
	}
	for i, id := range ids {
		if id < 0 || id > maxExactToken {
			return fmt.Sprintf("token id %d is %d; ids must be in [0, %d]", i, id, maxExactToken)
		}
	}
	return ""
}

// appendTo appends s's values, as float32, to dst.
func (s Sample) appendTo(dst []float32) []float32 {
	if len(s.Tokens) > 0 {
		for _, id := range s.Tokens {
			dst = append(dst, float32(id))
		}
		return dst
	}
	return append(dst, s.Floats...)
}

// pyShape formats a per-sample shape as Python prints a tuple: (2,), (4, 3).
func pyShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
