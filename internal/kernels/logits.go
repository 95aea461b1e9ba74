package kernels

// Crossentropy on the logits behind a sigmoid/softmax output.
//
// Keras 3's TensorFlow backend (keras/src/backend/tensorflow/nn.py,
// _get_logits) computes binary, categorical and sparse categorical
// crossentropy with from_logits=False from the logits when y_pred is the
// output of a sigmoid (binary) or softmax (categorical) — the activation
// marks its output with _keras_logits — so a saturated output keeps
// learning. The torch and jax backends clip the probabilities to
// [ε, 1−ε] instead. OnLogits gives the loss to use on the logits; a loss
// wrapped by Clipped keeps the torch/jax behaviour.

// logitsSwitcher is implemented by losses that can say what they become
// on logits.
type logitsSwitcher interface {
	OnLogits() (Loss, bool)
}

// OnLogits returns the from-logits form of a crossentropy on
// probabilities, and whether there is one ("sigmoid" or "softmax": the
// activation whose logits it takes). Wrappers without arithmetic of their
// own are looked through.
func OnLogits(l Loss) (Loss, string, bool) {
	for i := 0; i < 8 && l != nil; i++ {
		if s, ok := l.(logitsSwitcher); ok {
			r, ok := s.OnLogits()
			if !ok {
				return nil, "", false
			}
			return r, logitsActivation(r), true
		}
		w, ok := l.(Wrapper)
		if !ok {
			return nil, "", false
		}
		l = w.UnwrapLoss()
	}
	return nil, "", false
}

func logitsActivation(l Loss) string {
	if _, ok := Unwrap(l).(BinaryCrossentropy); ok {
		return "sigmoid"
	}
	return "softmax"
}

// OnLogits implements the from-logits switch.
func (b BinaryCrossentropy) OnLogits() (Loss, bool) {
	if b.FromLogits {
		return nil, false
	}
	b.FromLogits = true
	return b, true
}

// OnLogits implements the from-logits switch.
func (c CategoricalCrossentropy) OnLogits() (Loss, bool) {
	if c.FromLogits {
		return nil, false
	}
	c.FromLogits = true
	return c, true
}

// OnLogits implements the from-logits switch.
func (s SparseCategoricalCrossentropy) OnLogits() (Loss, bool) {
	if s.FromLogits {
		return nil, false
	}
	s.FromLogits = true
	return s, true
}

// Clipped wraps a crossentropy so that it is always computed from the
// clipped probabilities, as Keras's torch and jax backends do.
type Clipped struct{ Loss }

// UnwrapLoss implements Wrapper.
func (c Clipped) UnwrapLoss() Loss { return c.Loss }

// OnLogits reports that a Clipped loss stays on probabilities.
func (Clipped) OnLogits() (Loss, bool) { return nil, false }
