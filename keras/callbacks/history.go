package callbacks

// History records the logs of every epoch, as keras.callbacks.History. Fit
// adds one to every run and returns it.
type History struct {
	Base
	// Epoch lists the epoch indices (0-based) seen in the last Fit.
	Epoch []int
	// Keys lists the history keys in the order they first appeared.
	Keys []string
	// History maps each key ("loss", "val_loss", "mse", ...) to one value per epoch.
	History map[string][]float64
}

// NewHistory returns an empty History.
func NewHistory() *History { return &History{History: map[string][]float64{}} }

// OnTrainBegin resets the epoch list.
func (h *History) OnTrainBegin(*Logs) error {
	h.Epoch = nil
	if h.History == nil {
		h.History = map[string][]float64{}
	}
	return nil
}

// OnEpochEnd appends the epoch's logs.
func (h *History) OnEpochEnd(epoch int, logs *Logs) error {
	h.Epoch = append(h.Epoch, epoch)
	for _, k := range logs.Keys() {
		v, _ := logs.Get(k)
		if _, ok := h.History[k]; !ok {
			h.Keys = append(h.Keys, k)
		}
		h.History[k] = append(h.History[k], v)
	}
	return nil
}
